## cli/local.mk: the netsim program.
bin_PROGRAMS += netsim
netsim_SOURCES = cli/netsim.c
netsim_LDADD = $(NETSIM_LIBS)
netsim_LDFLAGS = $(SAN_LDFLAGS) $(LTO_LDFLAGS) -Wl,--export-dynamic

libnetsim_a_SOURCES += \
	cli/scenario.c cli/scenario.h \
	cli/scenario_mem.c \
	cli/expect.c cli/expect.h \
	cli/world.c cli/world.h cli/world_int.h \
	cli/build_net.c cli/build_inet.c cli/build_apps.c cli/build_tap.c \
	cli/conserve.c

check_PROGRAMS += tests/test_scenario
TESTS += tests/test_scenario
tests_test_scenario_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_scenario_LDADD = $(TEST_CMOCKA_LIBS)

check_PROGRAMS += tests/test_metric_put
TESTS += tests/test_metric_put
tests_test_metric_put_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_metric_put_LDADD = $(TEST_CMOCKA_LIBS)

# world_metrics_of against world_metrics on every scenario of the guide.
check_PROGRAMS += tests/test_world_metrics
TESTS += tests/test_world_metrics
tests_test_world_metrics_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_world_metrics_LDADD = $(TEST_CMOCKA_LIBS)

# Command-line behaviour: exit codes, error lines, never overwriting a trace.
TESTS += tests/cli.sh
EXTRA_DIST += tests/cli.sh tests/lib.sh
