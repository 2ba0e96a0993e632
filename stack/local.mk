## stack/local.mk: one host's kernel (sk_buff, device layer, NIC, ...).
## The wire lives in sim/ (it knows nothing of skbs) but is built here.
libnetsim_a_SOURCES += \
	sim/wire.c sim/wire.h \
	stack/skbuff.c stack/skbuff.h \
	stack/host.c stack/host.h \
	stack/dev.c stack/dev_int.h stack/gro.c stack/gro.h stack/gso.c stack/gso.h stack/softnet.c stack/softnet_remedies.c stack/netdevice.h \
	stack/eth.c stack/eth.h \
	stack/nic.c stack/nic_rx_ring.c stack/nic_tx.c stack/nic_int.h stack/nic.h stack/net_dim.c stack/net_dim.h stack/rss.c stack/rss.h stack/rps.c stack/rps.h \
	stack/netfilter.c stack/netfilter.h \
	stack/u32map.h

STACK_TEST_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
STACK_TEST_LIBS = $(NETSIM_LIBS) $(CMOCKA_LIBS)

# One cmocka program per module; tests/stack_test.h holds shared helpers,
# tests/nic_pair.h the two-host fixture of the NIC programs.
EXTRA_DIST += tests/stack_test.h tests/nic_pair.h docs/device-layer.md
STACK_TESTS = tests/test_skbuff tests/test_dev tests/test_nic tests/test_eth tests/test_wire
STACK_TESTS += tests/test_gso
tests_test_gso_CFLAGS = $(STACK_TEST_CFLAGS)
tests_test_gso_LDADD = $(STACK_TEST_LIBS)
STACK_TESTS += tests/test_gro
STACK_TESTS += tests/test_u32map
tests_test_u32map_CFLAGS = $(STACK_TEST_CFLAGS)
tests_test_u32map_LDADD = $(STACK_TEST_LIBS)
STACK_TESTS += tests/test_rss
tests_test_rss_CFLAGS = $(STACK_TEST_CFLAGS)
tests_test_rss_LDADD = $(STACK_TEST_LIBS)
STACK_TESTS += tests/test_rfs
tests_test_rfs_CFLAGS = $(STACK_TEST_CFLAGS)
tests_test_rfs_LDADD = $(STACK_TEST_LIBS)
tests_test_gro_CFLAGS = $(STACK_TEST_CFLAGS)
tests_test_gro_LDADD = $(STACK_TEST_LIBS)
check_PROGRAMS += $(STACK_TESTS)
TESTS += $(STACK_TESTS)
tests_test_skbuff_CFLAGS = $(STACK_TEST_CFLAGS)
tests_test_skbuff_LDADD = $(STACK_TEST_LIBS)
tests_test_dev_CFLAGS = $(STACK_TEST_CFLAGS)
tests_test_dev_LDADD = $(STACK_TEST_LIBS)
tests_test_nic_CFLAGS = $(STACK_TEST_CFLAGS)
tests_test_nic_LDADD = $(STACK_TEST_LIBS)
tests_test_eth_CFLAGS = $(STACK_TEST_CFLAGS)
tests_test_eth_LDADD = $(STACK_TEST_LIBS)
tests_test_wire_CFLAGS = $(STACK_TEST_CFLAGS)
tests_test_wire_LDADD = $(STACK_TEST_LIBS)

# make bench: frames per wall-second through NIC RX -> NAPI -> a null handler.
EXTRA_PROGRAMS += tests/bench_dev
BENCHES += tests/bench_dev
tests_bench_dev_LDADD = $(NETSIM_LIBS)
# Several TX queues, XPS and the queue choice (issue 19).
STACK_TESTS += tests/test_nic_txq
tests_test_nic_txq_CFLAGS = $(STACK_TEST_CFLAGS)
tests_test_nic_txq_LDADD = $(STACK_TEST_LIBS)
# The NAPI watchdog on the CPU that armed it, in hardirq (issue 19).
STACK_TESTS += tests/test_nic_timers
tests_test_nic_timers_CFLAGS = $(STACK_TEST_CFLAGS)
tests_test_nic_timers_LDADD = $(STACK_TEST_LIBS)
