## sim/local.mk: the engine (virtual time, events, RNG streams, CPU).
libnetsim_a_SOURCES += \
	sim/sim.c sim/sim.h \
	sim/rng.c sim/rng.h \
	sim/units.c sim/units.h \
	sim/cpu.c sim/cpu_ctx.c sim/cpu_smp.c sim/cpu.h sim/cpu_int.h sim/sched_fair.c \
	sim/conf.c sim/conf.h \
	sim/realtime.c sim/realtime.h \
	sim/tap.c sim/tap.h \
	sim/mem.c sim/mem.h \
	sim/check.h

TEST_CMOCKA_FLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
TEST_CMOCKA_LIBS = $(NETSIM_LIBS) $(CMOCKA_LIBS)

check_PROGRAMS += tests/test_sim tests/test_rng tests/test_units tests/test_cpu tests/test_sched
TESTS += tests/test_sim tests/test_rng tests/test_units tests/test_cpu tests/test_sched
tests_test_sim_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_sim_LDADD = $(TEST_CMOCKA_LIBS)
tests_test_rng_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_rng_LDADD = $(TEST_CMOCKA_LIBS)
tests_test_units_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_units_LDADD = $(TEST_CMOCKA_LIBS)
tests_test_cpu_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_cpu_LDADD = $(TEST_CMOCKA_LIBS)
tests_test_sched_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_sched_LDADD = $(TEST_CMOCKA_LIBS)

EXTRA_PROGRAMS += tests/bench_sim
BENCHES += tests/bench_sim
tests_bench_sim_LDADD = $(NETSIM_LIBS)
