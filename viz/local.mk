## viz/local.mk: reading a trace database (viz/ never sees the live stack):
## netsim show (tables), netsim draw (Graphviz pictures), and the SQL views.
libnetsim_a_SOURCES += \
	viz/vizdb.c viz/vizdb.h \
	viz/table.c viz/table.h \
	viz/show.c viz/show.h \
	viz/draw.c viz/draw.h viz/draw_int.h viz/draw_walk.c \
	viz/draw_path.c viz/draw_path_int.h viz/draw_path_collect.c viz/draw_path_order.c \
	viz/draw_buffer.c \
	viz/draw_stackmap.c \
	viz/draw_cpu.c \
	viz/draw_cwnd.c \
	viz/view.c viz/view.h \
	viz/replay.c viz/replay.h \
	viz/vocab.c viz/vocab.h \
	viz/step.c viz/step.h \
	viz/draw_ladder.c viz/draw_ladder_int.h viz/draw_ladder_layout.c \
	viz/draw_ladder_state.c viz/draw_ladder_summary.c
nodist_libnetsim_a_SOURCES += viz/views_sql.c viz/view_files.c

# views.sql is compiled in as a C string (vizdb_views_sql), applied by show
# and draw whenever they open a trace.  It names ops and copy kinds as
# {op.X} and {copy.X} (viz_vocab_sql expands them); trace-views.sql is the
# same text with the names spelled from include/netsim/trace_vocab.h, for
# the sqlite3 shell, installed beside schema.sql.
EXTRA_DIST += viz/views.sql
nodist_trace_DATA = viz/trace-views.sql
CLEANFILES += viz/views_sql.c viz/trace-views.sql
viz/trace-views.sql: viz/views.sql include/netsim/trace_vocab.h viz/local.mk
	$(AM_V_GEN)$(MKDIR_P) $(@D) && { \
	  sed -n -e '/^#define TRACE_OPS/,/^$$/s/^[[:space:]]*X(\([A-Z_0-9]*\), \([a-z_0-9]*\),.*/s|{op.\1}|'"'"'\2'"'"'|g/p' \
	    -e '/^#define TRACE_COPY_KINDS/,/^$$/s/^[[:space:]]*X(\([A-Z_0-9]*\), \([a-z_0-9]*\),.*/s|{copy.\1}|'"'"'\2'"'"'|g/p' \
	    $(srcdir)/include/netsim/trace_vocab.h > $@-sed && \
	  sed -f $@-sed $(srcdir)/viz/views.sql; \
	} > $@-t && rm -f $@-sed && mv -f $@-t $@
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

# No two labels overlap in a picture of the lecture guide (SVG text boxes).
check_PROGRAMS += tests/svg_labels
tests_svg_labels_LDADD = $(GLIB_LIBS) -lm
TESTS += tests/svg_labels.sh
EXTRA_DIST += tests/svg_labels.sh

# What the lecture pictures show (the DOT of netsim draw).
TESTS += tests/lecture_pictures.sh
EXTRA_DIST += tests/lecture_pictures.sh

# TCP state changes traced and on the ladder; long ladders summarised.
TESTS += tests/ladder_states.sh
EXTRA_DIST += tests/ladder_states.sh

# netsim view's page (HTML, CSS, JavaScript written for it, no library),
# compiled in as C strings and written beside the trace's data.js.
VIEW_FILES = viz/view/index.html viz/view/view.css viz/view/view.js
EXTRA_DIST += $(VIEW_FILES)
CLEANFILES += viz/view_files.c
viz/view_files.c: $(VIEW_FILES) viz/local.mk
	$(AM_V_GEN)$(MKDIR_P) $(@D) && { \
	  echo '/* Generated from viz/view/ by viz/local.mk: do not edit. */'; \
	  for f in $(VIEW_FILES); do \
	    n=`basename $$f | tr . _`; \
	    echo "extern const char view_$$n[];"; \
	    echo "const char view_$$n[] ="; \
	    sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' \
	      $(srcdir)/$$f; \
	    echo ';'; \
	  done; \
	} > $@-t && mv -f $@-t $@

# The page of netsim view in headless chromium (skipped without chromium).
TESTS += tests/browser_view.sh
EXTRA_DIST += tests/browser_view.sh tests/browser_view.py
# The browser test keeps its screenshots in tests/browser_view/ as
# artefacts; make clean removes them (distcheck's distcleancheck needs it).
clean-local: clean-browser-view
clean-browser-view:
	rm -rf tests/browser_view
.PHONY: clean-browser-view
