## stack/inet.mk: the Internet protocols of one host (issue 4): the
## checksum, ARP, IPv4 with routing and fragmentation, ICMP, UDP and raw
## sockets, with their tests and the UDP benchmark.
libnetsim_a_SOURCES += \
	stack/inet.h stack/checksum.c \
	stack/arp.h stack/arp.c \
	stack/ipv4.h stack/ipv4.c stack/ip_output.c stack/ip_sockglue.c stack/ip_int.h \
	stack/route.h stack/route.c \
	stack/ip_frag.h stack/ip_frag.c \
	stack/icmp.h stack/icmp.c \
	stack/udp.h stack/udp.c stack/udp_offload.h stack/udp_offload.c \
	stack/raw.h stack/raw.c

INET_TESTS = tests/test_checksum tests/test_udp tests/test_icmp \
	tests/test_ip_frag tests/test_route \
	tests/test_arp tests/test_ipv4 tests/test_udp_socket
check_PROGRAMS += $(INET_TESTS)
TESTS += $(INET_TESTS)
EXTRA_DIST += tests/inet_test.h tests/routed_test.h docs/network-layer.md
tests_test_checksum_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_checksum_LDADD = $(TEST_CMOCKA_LIBS)
tests_test_udp_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_udp_LDADD = $(TEST_CMOCKA_LIBS)
tests_test_udp_socket_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_udp_socket_LDADD = $(TEST_CMOCKA_LIBS)
tests_test_icmp_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_icmp_LDADD = $(TEST_CMOCKA_LIBS)
tests_test_ipv4_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_ipv4_LDADD = $(TEST_CMOCKA_LIBS)
tests_test_arp_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_arp_LDADD = $(TEST_CMOCKA_LIBS)
tests_test_route_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_route_LDADD = $(TEST_CMOCKA_LIBS)
tests_test_ip_frag_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_ip_frag_LDADD = $(TEST_CMOCKA_LIBS)

EXTRA_PROGRAMS += tests/bench_udp
BENCHES += tests/bench_udp
tests_bench_udp_LDADD = $(NETSIM_LIBS)

# The packet filter on the netfilter hooks (issue 14).
libnetsim_a_SOURCES += stack/ip_tables.c stack/ip_tables.h \
	stack/nf_reject_ipv4.c stack/nf_reject.h
check_PROGRAMS += tests/test_ip_tables
TESTS += tests/test_ip_tables
tests_test_ip_tables_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_ip_tables_LDADD = $(TEST_CMOCKA_LIBS)
check_PROGRAMS += tests/test_raw
TESTS += tests/test_raw
tests_test_raw_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_raw_LDADD = $(TEST_CMOCKA_LIBS)
check_PROGRAMS += tests/test_netdev_init
TESTS += tests/test_netdev_init
tests_test_netdev_init_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_netdev_init_LDADD = $(TEST_CMOCKA_LIBS)

# Transport protocols registered by plug-ins (issue 14): <netsim/proto.h>.
libnetsim_a_SOURCES += stack/module.c stack/module.h stack/module_calls.c stack/module_int.h \
	stack/module_cc.c
check_PROGRAMS += tests/test_module
TESTS += tests/test_module
tests_test_module_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_module_LDADD = $(TEST_CMOCKA_LIBS)
