## apps/local.mk: build fragment for apps/, included by Makefile.am
## The programs simulated processes run, their registry and plug-ins.
libnetsim_a_SOURCES += \
	apps/app.c apps/app.h \
	apps/programs.c \
	apps/arrival.c apps/arrival.h \
	apps/plugin.c \
	apps/livelock.c apps/livelock.h \
	apps/screend.c \
	apps/servers.c apps/servers.h

check_PROGRAMS += tests/test_apps
TESTS += tests/test_apps
tests_test_apps_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_apps_LDADD = $(TEST_CMOCKA_LIBS)

check_PROGRAMS += tests/test_arrival
TESTS += tests/test_arrival
tests_test_arrival_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_arrival_LDADD = $(TEST_CMOCKA_LIBS)

# The plug-in API, installed as <netsim/socket.h> (pkg-config netsim).
netsimincludedir = $(includedir)/netsim
netsiminclude_HEADERS = include/netsim/socket.h include/netsim/proto.h \
	include/netsim/tcp_cong.h
EXTRA_DIST += include/netsim/trace_vocab.h
EXTRA_DIST += docs/plugin-example/Makefile docs/plugin-example/echo_client.c \
	docs/plugin-example/README.md tests/plugin.sh
TESTS += tests/plugin.sh
# A transport protocol registered by a plug-in (issue 14): <netsim/proto.h>.
EXTRA_DIST += docs/plugin-example/sw_proto.c docs/plugin-example/sw_client.c \
	docs/plugin-example/sw_server.c tests/plugin_proto.sh tests/bad_student/proto_crash.c
TESTS += tests/plugin_proto.sh
# A TCP congestion control registered by a plug-in (issue 17): <netsim/tcp_cong.h>.
EXTRA_DIST += docs/plugin-example/aimd_cc.c docs/plugin-example/aimd_send.c \
	tests/plugin_cc.sh tests/bad_student/cc_crash.c
TESTS += tests/plugin_cc.sh

# Student plug-ins that fail in every way (issue 15): tests/bad_student.sh.
TESTS += tests/bad_student.sh
EXTRA_DIST += tests/bad_student.sh tests/bad_student/segv.c tests/bad_student/divide.c \
	tests/bad_student/recurse.c tests/bad_student/abort.c tests/bad_student/exit.c \
	tests/bad_student/spin.c tests/bad_student/sleep_forever.c tests/bad_student/misuse.c \
	tests/bad_student/interrupt.c tests/bad_student/busy_zero.c docs/reliability.md
