## apps/local.mk: build fragment for apps/, included by Makefile.am
## The programs simulated processes run, their registry and plug-ins.
libnetsim_a_SOURCES += \
	apps/app.c apps/app.h \
	apps/programs.c \
	apps/plugin.c \
	apps/livelock.c apps/livelock.h \
	apps/screend.c

check_PROGRAMS += tests/test_apps
TESTS += tests/test_apps
tests_test_apps_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_apps_LDADD = $(TEST_CMOCKA_LIBS)

# The plug-in API, installed as <netsim/socket.h> (pkg-config netsim).
netsimincludedir = $(includedir)/netsim
netsiminclude_HEADERS = include/netsim/socket.h
EXTRA_DIST += include/netsim/trace_vocab.h
EXTRA_DIST += docs/plugin-example/Makefile docs/plugin-example/echo_client.c \
	docs/plugin-example/README.md tests/plugin.sh
TESTS += tests/plugin.sh
