## stack/sock.mk: processes, the socket layer and TCP (issue 5).
## sim/proc.c lives in sim/ (it knows nothing of sockets) but is built here
## with the rest of the socket work.
libnetsim_a_SOURCES += \
	sim/proc.c sim/proc.h

check_PROGRAMS += tests/test_proc
TESTS += tests/test_proc
tests_test_proc_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_proc_LDADD = $(TEST_CMOCKA_LIBS)
