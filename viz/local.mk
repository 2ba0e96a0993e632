## viz/local.mk: reading a trace database (viz/ never sees the live stack):
## netsim show (tables), netsim draw (Graphviz pictures), and the SQL views.
libnetsim_a_SOURCES += \
	viz/vizdb.c viz/vizdb.h \
	viz/table.c viz/table.h \
	viz/show.c viz/show.h \
	viz/draw.c viz/draw.h viz/draw_int.h \
	viz/draw_path.c viz/draw_buffer.c \
	viz/draw_ladder.c \
	viz/replay.c viz/replay.h \
	viz/vocab.c viz/vocab.h
nodist_libnetsim_a_SOURCES += viz/views_sql.c

# views.sql is compiled in as a C string (vizdb_views_sql), applied by show
# and draw whenever they open a trace; installed beside schema.sql.
dist_trace_DATA += viz/views.sql
CLEANFILES += viz/views_sql.c
EXTRA_DIST += docs/trace-views.md

viz/views_sql.c: viz/views.sql viz/local.mk
	$(AM_V_GEN)$(MKDIR_P) $(@D) && { \
	  echo '/* Generated from viz/views.sql by viz/local.mk: do not edit. */'; \
	  echo '#include "viz/vizdb.h"'; \
	  echo 'const char vizdb_views_sql[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' \
	    $(srcdir)/viz/views.sql; \
	  echo ';'; \
	} > $@-t && mv -f $@-t $@

check_PROGRAMS += tests/test_show tests/test_draw
TESTS += tests/test_show tests/test_draw
tests_test_show_SOURCES = tests/test_show.c tests/viz_fixture.c tests/viz_fixture.h
tests_test_show_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_show_LDADD = $(TEST_CMOCKA_LIBS)
tests_test_draw_SOURCES = tests/test_draw.c tests/viz_fixture.c tests/viz_fixture.h
tests_test_draw_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_draw_LDADD = $(TEST_CMOCKA_LIBS)
