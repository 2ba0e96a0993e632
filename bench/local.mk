## bench/local.mk: the end-to-end benchmark scenarios (docs/performance.md),
## and the test that speed work changes no figure of any scenario.

EXTRA_DIST += bench/udp-flood.ini bench/tcp-bulk.ini bench/gen-star.py bench/star-4.ini docs/performance.md

# Every lecture, homework, network and (short) bench scenario gives the
# figures of tests/metrics_baseline.txt (tests/metrics_stable.sh --update
# regenerates it).
TESTS += tests/metrics_stable.sh
EXTRA_DIST += tests/metrics_stable.sh tests/metrics_baseline.txt

# RX ring memory: descriptors without buffers until DMA (stack/nic.c).
check_PROGRAMS += tests/test_nic_ring
TESTS += tests/test_nic_ring
tests_test_nic_ring_CFLAGS = $(STACK_TEST_CFLAGS)
tests_test_nic_ring_LDADD = $(STACK_TEST_LIBS)

# make bench: netsim run on the bench scenarios, timed as whole processes
# (docs/performance.md).  Built by make check too: tests/metrics_stable.sh
# checks that its star generator writes what bench/gen-star.py writes.
check_PROGRAMS += bench/bench_e2e
BENCHES += bench/bench_e2e
