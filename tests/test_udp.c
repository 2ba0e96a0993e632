/*
 * tests/test_udp.c - UDP over a real two-host topology: delivery to a
 * kernel-side sink, port unreachable, checksum and length checks, the
 * zero checksum, and the trace of a datagram's path through the layers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "tests/inet_test.h"
#include "tests/stack_test.h"

struct fx {
	struct tnet *n;
	struct host *a, *b;
	struct net_device *bdev;
	struct tsink sink;
	struct ticmp icmp_a;
};

static int
setup_traced(void **state)
{
	struct fx *fx = g_new0(struct fx, 1);
	fx->n = tnet_new(true);
	fx->a = tnet_host(fx->n, "a", false);
	fx->b = tnet_host(fx->n, "b", false);
	tnet_link(fx->n, fx->a, "eth0", "10.0.0.1/24", fx->b, "eth0", "10.0.0.2/24");
	fx->bdev = dev_get_by_name(fx->b, "eth0");
	assert_int_equal(udp_test_sink(fx->b, 9, tsink_fn, &fx->sink), 0);
	icmp_set_test_hook(fx->a, ticmp_hook, &fx->icmp_a);
	tnet_run(fx->n, 10 * SIM_MS); /* gratuitous ARPs settle */
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;
	tnet_free(fx->n);
	g_free(fx);
	return 0;
}

static void
test_datagram_reaches_sink_with_payload_and_source(void **state)
{
	struct fx *fx = *state;
	const char msg[] = "hello, b";
	assert_int_equal(udp_send(fx->a, 0, 4000, tnet_addr("10.0.0.2"), 9, msg, sizeof(msg)), 0);
	tnet_run(fx->n, 10 * SIM_MS);
	assert_int_equal(fx->sink.n, 1);
	assert_int_equal(fx->sink.last_len, sizeof(msg));
	assert_memory_equal(fx->sink.last, msg, sizeof(msg));
	assert_int_equal(fx->sink.last_from, tnet_addr("10.0.0.1"));
	assert_int_equal(fx->sink.last_port, 4000);
	assert_int_equal(udp_mib(fx->a)->out_datagrams, 1);
	assert_int_equal(udp_mib(fx->b)->in_datagrams, 1);
	assert_int_equal(ip_mib(fx->b)->in_delivers, 1);
	struct neigh_stats ns;
	neigh_stats(fx->a, &ns);
	assert_int_equal(ns.requests_sent, 1); /* resolved once */
}

static void
test_datagram_path_is_in_the_trace(void **state)
{
	struct fx *fx = *state;
	assert_int_equal(udp_send(fx->a, 0, 4000, tnet_addr("10.0.0.2"), 9, "x", 1), 0);
	tnet_run(fx->n, 10 * SIM_MS);
	assert_true(trace_flush(fx->n->tr, NULL));
	sqlite3 *db = trace_db(fx->n->tr);
	/* on b, the skb carrying UDP went ip_rcv -> udp_rcv */
	g_autofree char *funcs = query_list(
		db,
		"SELECT DISTINCT func FROM skb_events WHERE op = 'handoff' AND func IN "
		"('ip_rcv','udp_rcv','ip_build_and_send_pkt','neigh_output','dev_queue_xmit') "
		"ORDER BY func");
	assert_string_equal(funcs,
			    "dev_queue_xmit ip_build_and_send_pkt ip_rcv neigh_output udp_rcv");
	/* the ARP pending queue was used while resolving */
	assert_true(query_int(db, "SELECT count(*) FROM skb_events WHERE queue = 'arp_queue'") >=
		    2);
}

static void
test_no_socket_answers_port_unreachable(void **state)
{
	struct fx *fx = *state;
	assert_int_equal(udp_send(fx->a, 0, 4000, tnet_addr("10.0.0.2"), 7777, "x", 1), 0);
	tnet_run(fx->n, 10 * SIM_MS);
	assert_int_equal(udp_mib(fx->b)->no_ports, 1);
	assert_int_equal(host_drops(fx->b, SKB_DROP_NO_SOCKET), 1);
	assert_int_equal(fx->icmp_a.n, 1);
	assert_int_equal(fx->icmp_a.type[0], ICMP_DEST_UNREACH);
	assert_int_equal(fx->icmp_a.code[0], ICMP_PORT_UNREACH);
	assert_int_equal(fx->icmp_a.from[0], tnet_addr("10.0.0.2"));
}

static void
test_bad_checksum_is_dropped_and_counted(void **state)
{
	struct fx *fx = *state;
	uint8_t l4[12] = { 0x0f, 0xa0, 0x00, 0x09, 0x00, 12, 0, 0, 'd', 'a', 't', 'a' };
	uint8_t frame[128];
	uint32_t len = tframe_ip(frame, fx->bdev, tnet_addr("10.0.0.1"), tnet_addr("10.0.0.2"),
				 NS_IPPROTO_UDP, 64, 1, 0, l4, sizeof(l4), true);
	frame[ETH_HLEN + IP_HLEN + 8] ^= 0x40; /* flip a payload bit */
	tframe_inject(fx->bdev, frame, len);
	tnet_run(fx->n, SIM_MS);
	assert_int_equal(fx->sink.n, 0);
	assert_int_equal(udp_mib(fx->b)->in_csum_errors, 1);
	assert_int_equal(host_drops(fx->b, SKB_DROP_UDP_CSUM), 1);
}

static void
test_zero_checksum_means_none_and_is_accepted(void **state)
{
	struct fx *fx = *state;
	uint8_t l4[12] = { 0x0f, 0xa0, 0x00, 0x09, 0x00, 12, 0, 0, 'd', 'a', 't', 'a' };
	uint8_t frame[128];
	uint32_t len = tframe_ip(frame, fx->bdev, tnet_addr("10.0.0.1"), tnet_addr("10.0.0.2"),
				 NS_IPPROTO_UDP, 64, 1, 0, l4, sizeof(l4), false);
	tframe_inject(fx->bdev, frame, len);
	tnet_run(fx->n, SIM_MS);
	assert_int_equal(fx->sink.n, 1);
	assert_memory_equal(fx->sink.last, "data", 4);
}

static void
test_udp_length_beyond_datagram_is_dropped(void **state)
{
	struct fx *fx = *state;
	uint8_t l4[12] = { 0x0f, 0xa0, 0x00, 0x09, 0x00, 40, 0, 0, 'd', 'a', 't', 'a' };
	uint8_t frame[128];
	uint32_t len = tframe_ip(frame, fx->bdev, tnet_addr("10.0.0.1"), tnet_addr("10.0.0.2"),
				 NS_IPPROTO_UDP, 64, 1, 0, l4, sizeof(l4), false);
	tframe_inject(fx->bdev, frame, len);
	tnet_run(fx->n, SIM_MS);
	assert_int_equal(fx->sink.n, 0);
	assert_int_equal(host_drops(fx->b, SKB_DROP_UDP_INVALID), 1);
	assert_int_equal(udp_mib(fx->b)->in_errors, 1);
}

static void
test_sink_port_cannot_be_taken_twice(void **state)
{
	struct fx *fx = *state;
	struct tsink other = { 0 };
	assert_int_equal(udp_test_sink(fx->b, 9, tsink_fn, &other),
			 0); /* the same function may re-register */
	assert_int_equal(udp_test_sink(fx->b, 9, NULL, NULL), 0);
	assert_int_equal(udp_send(fx->a, 0, 4000, tnet_addr("10.0.0.2"), 9, "x", 1), 0);
	tnet_run(fx->n, 10 * SIM_MS);
	assert_int_equal(udp_mib(fx->b)->no_ports, 1); /* removed: nobody listens */
}

static void
test_no_route_fails_at_once(void **state)
{
	struct fx *fx = *state;
	assert_int_equal(udp_send(fx->a, 0, 4000, tnet_addr("192.168.9.9"), 9, "x", 1),
			 -ENETUNREACH);
	assert_int_equal(ip_mib(fx->a)->out_no_routes, 1);
	assert_int_equal(host_drops(fx->a, SKB_DROP_IP_NOROUTE), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_datagram_reaches_sink_with_payload_and_source,
						setup_traced, teardown),
		cmocka_unit_test_setup_teardown(test_datagram_path_is_in_the_trace, setup_traced,
						teardown),
		cmocka_unit_test_setup_teardown(test_no_socket_answers_port_unreachable,
						setup_traced, teardown),
		cmocka_unit_test_setup_teardown(test_bad_checksum_is_dropped_and_counted,
						setup_traced, teardown),
		cmocka_unit_test_setup_teardown(test_zero_checksum_means_none_and_is_accepted,
						setup_traced, teardown),
		cmocka_unit_test_setup_teardown(test_udp_length_beyond_datagram_is_dropped,
						setup_traced, teardown),
		cmocka_unit_test_setup_teardown(test_sink_port_cannot_be_taken_twice, setup_traced,
						teardown),
		cmocka_unit_test_setup_teardown(test_no_route_fails_at_once, setup_traced,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
