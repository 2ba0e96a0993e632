/*
 * tests/test_ip_frag.c - fragmentation and reassembly:
 *
 *   a 10.0.0.1 --(mtu 1500)-- 10.0.0.254 r 10.0.1.254 --(mtu 576)-- 10.0.1.1 b
 *
 * a 4000-byte datagram in three fragments, re-fragmented by the router,
 * reassembled at b; DF refusals; overlapping and duplicate fragments as
 * Linux handles them; the reassembly timeout with its ICMP; the memory limit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "stack/ip_frag.h"
#include "tests/inet_test.h"
#include "tests/stack_test.h"

struct fx {
	struct tnet *n;
	struct host *a, *r, *b;
	struct net_device *bdev;
	struct tsink sink;
	struct ticmp seen_a;
	uint8_t payload[4000];
};

static int
setup_with(void **state, bool trace)
{
	struct fx *fx = g_new0(struct fx, 1);
	struct tnet *n = fx->n = tnet_new(trace);
	fx->a = tnet_host(n, "a", false);
	fx->r = tnet_host(n, "r", true);
	fx->b = tnet_host(n, "b", false);
	tnet_link(n, fx->a, "eth0", "10.0.0.1/24", fx->r, "eth0", "10.0.0.254/24");
	tnet_link_mtu(n, fx->r, "eth1", "10.0.1.254/24", fx->b, "eth0", "10.0.1.1/24", 576);
	tnet_route(fx->a, "default via 10.0.0.254");
	tnet_route(fx->b, "default via 10.0.1.254");
	fx->bdev = dev_get_by_name(fx->b, "eth0");
	assert_int_equal(udp_test_sink(fx->b, 9, tsink_fn, &fx->sink), 0);
	icmp_set_test_hook(fx->a, ticmp_hook, &fx->seen_a);
	for (unsigned i = 0; i < sizeof(fx->payload); i++)
		fx->payload[i] = (uint8_t)(i * 7);
	tnet_run(n, 10 * SIM_MS);
	*state = fx;
	return 0;
}

static int
setup(void **state)
{
	return setup_with(state, false);
}

static int
setup_traced(void **state)
{
	return setup_with(state, true);
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
test_large_datagram_is_fragmented_and_reassembled(void **state)
{
	struct fx *fx = *state;
	assert_int_equal(udp_send(fx->a, 0, 1234, tnet_addr("10.0.1.1"), 9, fx->payload, 4000), 0);
	tnet_run(fx->n, SIM_S);
	assert_int_equal(fx->sink.n, 1);
	assert_int_equal(fx->sink.last_len, 4000);
	assert_memory_equal(fx->sink.last, fx->payload, 4000);
	/* 4008 bytes of UDP in 1480-byte pieces at a: 3 fragments */
	assert_int_equal(ip_mib(fx->a)->frag_oks, 1);
	assert_int_equal(ip_mib(fx->a)->frag_creates, 3);
	/* the router cuts each again for the 576-byte link: 552-byte pieces */
	assert_int_equal(ip_mib(fx->r)->frag_oks, 3);
	assert_int_equal(ip_mib(fx->b)->reasm_oks, 1);
	assert_int_equal(ip_mib(fx->b)->reasm_reqds, ip_mib(fx->r)->frag_creates);
	struct ipfrag_stats st;
	ipfrag_stats(fx->b, &st);
	assert_int_equal(st.queues, 0);
	assert_int_equal(st.mem, 0);
	assert_true(st.mem_max > 0);
}

static void
test_fragments_wait_on_the_traced_ipfrag_queue(void **state)
{
	struct fx *fx = *state;
	assert_int_equal(udp_send(fx->a, 0, 1234, tnet_addr("10.0.1.1"), 9, fx->payload, 2000), 0);
	tnet_run(fx->n, SIM_S);
	assert_int_equal(fx->sink.n, 1);
	assert_true(trace_flush(fx->n->tr, NULL));
	sqlite3 *db = trace_db(fx->n->tr);
	assert_true(query_int(db,
			      "SELECT count(*) FROM skb_events WHERE op = 'enqueue' AND "
			      "queue = 'ipfrag_queue'") >= 3);
	/* the fragments are linked to their datagram by copy rows: their bytes were copied */
	assert_true(query_int(db,
			      "SELECT count(*) FROM skb_events WHERE op = 'copy' AND "
			      "copy_kind = 'skb_copy' AND other > 0") >= 6);
}

static void
test_dont_fragment_is_refused_with_emsgsize_locally(void **state)
{
	struct fx *fx = *state;
	struct sk_buff *skb = skb_alloc(fx->a, INET_HEADROOM + 3000, LAYER_IP);
	skb_reserve(skb, INET_HEADROOM);
	skb_put(skb, 3000);
	struct ip_xmit_args args = {
		.daddr = tnet_addr("10.0.1.1"),
		.protocol = NS_IPPROTO_UDP,
		.df = true,
	};
	assert_int_equal(ip_build_and_send_pkt(skb, &args), -EMSGSIZE);
	assert_int_equal(ip_mib(fx->a)->frag_fails, 1);
}

static void
test_router_answers_frag_needed_for_df_datagram(void **state)
{
	struct fx *fx = *state;
	struct sk_buff *skb = skb_alloc(fx->a, INET_HEADROOM + 1000, LAYER_IP);
	skb_reserve(skb, INET_HEADROOM);
	memset(skb_put(skb, 1000), 0, 1000);
	struct ip_xmit_args args = {
		.daddr = tnet_addr("10.0.1.1"),
		.protocol = NS_IPPROTO_UDP,
		.df = true,
	};
	assert_int_equal(ip_build_and_send_pkt(skb, &args), 0); /* fits a's 1500 */
	tnet_run(fx->n, SIM_S);
	assert_int_equal(ip_mib(fx->r)->frag_fails, 1);
	assert_int_equal(fx->seen_a.n, 1);
	assert_int_equal(fx->seen_a.type[0], ICMP_DEST_UNREACH);
	assert_int_equal(fx->seen_a.code[0], ICMP_FRAG_NEEDED);
}

/* Inject a UDP fragment at b (MTU 576): @off in bytes, @len payload bytes
 * (at most 556), @mf; the first carries a UDP header for @total bytes. */
static void
inject_frag(struct fx *fx, uint16_t id, uint32_t off, uint32_t len, bool mf, uint16_t total)
{
	uint8_t l4[556];
	assert_true(len <= sizeof(l4));
	memset(l4, 0xab, len);
	if (off == 0) {
		struct udphdr uh = { g_htons(1234), g_htons(9), g_htons(total), 0 };
		memcpy(l4, &uh, sizeof(uh));
	}
	uint8_t frame[640];
	uint32_t flen = tframe_ip(frame, fx->bdev, tnet_addr("10.0.0.1"), tnet_addr("10.0.1.1"),
				  NS_IPPROTO_UDP, 60, id, (uint16_t)((off >> 3) | (mf ? IP_MF : 0)),
				  l4, len, false);
	tframe_inject(fx->bdev, frame, flen);
	tnet_run(fx->n, SIM_MS);
}

static void
test_overlapping_fragment_discards_whole_datagram(void **state)
{
	struct fx *fx = *state;
	inject_frag(fx, 42, 0, 520, true, 1500);
	inject_frag(fx, 42, 512, 520, true, 1500); /* overlaps bytes 512..519 */
	inject_frag(fx, 42, 1032, 468, false, 1500);
	assert_int_equal(ip_mib(fx->b)->reasm_overlaps, 1);
	assert_int_equal(ip_mib(fx->b)->reasm_fails, 1);
	assert_int_equal(host_drops(fx->b, SKB_DROP_FRAG_INVALID),
			 2); /* new one and the queued one */
	assert_int_equal(fx->sink.n, 0);
	struct ipfrag_stats st;
	ipfrag_stats(fx->b, &st);
	assert_int_equal(st.queues, 1); /* the last fragment started a new queue */
}

static void
test_exact_duplicate_is_dropped_alone(void **state)
{
	struct fx *fx = *state;
	inject_frag(fx, 43, 0, 520, true, 1000);
	inject_frag(fx, 43, 0, 520, true, 1000);
	inject_frag(fx, 43, 520, 480, false, 1000);
	assert_int_equal(ip_mib(fx->b)->reasm_overlaps, 0);
	assert_int_equal(ip_mib(fx->b)->reasm_oks, 1);
	assert_int_equal(host_drops(fx->b, SKB_DROP_FRAG_INVALID), 1);
	assert_int_equal(fx->sink.n, 1);
	assert_int_equal(fx->sink.last_len, 992);
}

static void
test_incomplete_datagram_times_out_with_icmp(void **state)
{
	struct fx *fx = *state;
	inject_frag(fx, 44, 0, 520, true, 1000);
	tnet_run(fx->n, 29 * SIM_S);
	assert_int_equal(ip_mib(fx->b)->reasm_timeout, 0);
	tnet_run(fx->n, 2 * SIM_S);
	assert_int_equal(ip_mib(fx->b)->reasm_timeout, 1);
	assert_int_equal(ip_mib(fx->b)->reasm_fails, 1);
	assert_int_equal(host_drops(fx->b, SKB_DROP_FRAG_REASM_TIMEOUT), 1);
	assert_int_equal(fx->seen_a.n, 1);
	assert_int_equal(fx->seen_a.type[0], ICMP_TIME_EXCEEDED);
	assert_int_equal(fx->seen_a.code[0], ICMP_EXC_FRAGTIME);
}

static void
test_fragments_beyond_memory_limit_are_dropped(void **state)
{
	struct fx *fx = *state;
	ip_host_config(fx->b)->ipfrag_high_thresh = 800;
	inject_frag(fx, 45, 0, 520, true, 1000);
	inject_frag(fx, 46, 0, 520, true, 1000);
	assert_int_equal(host_drops(fx->b, SKB_DROP_FRAG_OVERFLOW), 1);
	assert_int_equal(ip_mib(fx->b)->reasm_fails, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_large_datagram_is_fragmented_and_reassembled,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_fragments_wait_on_the_traced_ipfrag_queue,
						setup_traced, teardown),
		cmocka_unit_test_setup_teardown(test_dont_fragment_is_refused_with_emsgsize_locally,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_router_answers_frag_needed_for_df_datagram,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlapping_fragment_discards_whole_datagram,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_exact_duplicate_is_dropped_alone, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_incomplete_datagram_times_out_with_icmp, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fragments_beyond_memory_limit_are_dropped,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
