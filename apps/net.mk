## apps/net.mk: build fragment for the ICMP programs (ping, traceroute),
## included by Makefile.am after apps/local.mk.  They are registered in
## app_programs[] (apps/programs.c) through apps/ping.h.
libnetsim_a_SOURCES += \
	apps/ping.c apps/ping.h \
	apps/traceroute.c \
	apps/io_modes.c apps/io_modes.h \
	apps/urgent.c apps/urgent.h

check_PROGRAMS += tests/test_ping
TESTS += tests/test_ping
tests_test_ping_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_ping_LDADD = $(TEST_CMOCKA_LIBS)
