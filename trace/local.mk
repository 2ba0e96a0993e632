## trace/local.mk: the recorder (SQLite trace writer, pcap writer, schema).
libnetsim_a_SOURCES += \
	trace/trace.c trace/trace.h trace/trace_int.h \
	trace/trace_rows.c trace/trace_writer.c trace/trace_pack.c \
	trace/trace_pack_text.c trace/trace_expand.c \
	trace/pcap.c
nodist_libnetsim_a_SOURCES = trace/schema_sql.c

# schema.sql is compiled in as a C string, so netsim needs no data file to
# write a trace; it is also installed for people who want to read it.
tracedir = $(pkgdatadir)
dist_trace_DATA = trace/schema.sql
CLEANFILES += trace/schema_sql.c
EXTRA_DIST += docs/trace-schema.md

trace/schema_sql.c: trace/schema.sql trace/local.mk
	$(AM_V_GEN)$(MKDIR_P) $(@D) && { \
	  echo '/* Generated from trace/schema.sql by trace/local.mk: do not edit. */'; \
	  echo '#include "trace/trace_int.h"'; \
	  echo 'const char trace_schema_sql[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' \
	    $(srcdir)/trace/schema.sql; \
	  echo ';'; \
	} > $@-t && mv -f $@-t $@

TRACE_TEST_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
TRACE_TEST_LIBS = $(NETSIM_LIBS) $(CMOCKA_LIBS)

check_PROGRAMS += tests/test_trace tests/test_pcap
TESTS += tests/test_trace tests/test_pcap
tests_test_trace_CFLAGS = $(TRACE_TEST_CFLAGS)
tests_test_trace_LDADD = $(TRACE_TEST_LIBS)
tests_test_pcap_CFLAGS = $(TRACE_TEST_CFLAGS)
tests_test_pcap_LDADD = $(TRACE_TEST_LIBS)

EXTRA_PROGRAMS += tests/bench_trace
BENCHES += tests/bench_trace
tests_bench_trace_LDADD = $(NETSIM_LIBS)
