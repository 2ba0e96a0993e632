## cli/sweep.mk: `netsim sweep` (cli/sweep*.c) and its plots (viz/plot.c).
libnetsim_a_SOURCES += \
	cli/sweep.c cli/sweep.h \
	cli/sweep_run.c \
	cli/sweep_collect.c \
	viz/plot.c viz/plot.h

check_PROGRAMS += tests/test_sweep
TESTS += tests/test_sweep
tests_test_sweep_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_test_sweep_LDADD = $(NETSIM_LIBS) $(CMOCKA_LIBS)

# A real sweep: -j 2, resume, GNU parallel and --collect, gnuplot.
TESTS += tests/sweep.sh
EXTRA_DIST += tests/sweep.sh docs/homework-livelock.md docs/homework-livelock-answers.md

check_PROGRAMS += tests/test_plot
TESTS += tests/test_plot
tests_test_plot_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_test_plot_LDADD = $(NETSIM_LIBS) $(CMOCKA_LIBS)

# The Slurm path for real: a single-node Slurm started by the test (root).
TESTS += tests/slurm.sh
EXTRA_DIST += tests/slurm.sh
