/*
 * tests/test_arp.c - ARP and the neighbour table on one wire (a, b) and a
 * host that never answers: resolution, the announcement on set-up,
 * failure after mcast_solicit requests with host unreachable, the
 * unres_qlen bound, static entries, stale entries and malformed packets.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "tests/inet_test.h"

struct fx {
	struct tnet *n;
	struct host *a, *b;
	struct net_device *adev, *bdev;
	struct tsink sink;
	struct ticmp seen_a;
};

static int
setup(void **state)
{
	struct fx *fx = g_new0(struct fx, 1);
	struct tnet *n = fx->n = tnet_new(false);
	fx->a = tnet_host(n, "a", false);
	fx->b = tnet_host(n, "b", false);
	tnet_link(n, fx->a, "eth0", "10.0.0.1/24", fx->b, "eth0", "10.0.0.2/24");
	fx->adev = dev_get_by_name(fx->a, "eth0");
	fx->bdev = dev_get_by_name(fx->b, "eth0");
	assert_int_equal(udp_test_sink(fx->b, 9, tsink_fn, &fx->sink), 0);
	icmp_set_test_hook(fx->a, ticmp_hook, &fx->seen_a);
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
test_address_on_up_device_is_announced(void **state)
{
	struct fx *fx = *state;
	struct neigh_stats s;
	neigh_stats(fx->a, &s);
	assert_int_equal(s.announces_sent, 1);
	tnet_run(fx->n, SIM_MS);
	/* an announcement only updates existing entries: b learned nothing */
	assert_false(neigh_lookup(fx->bdev, tnet_addr("10.0.0.1"), NULL, NULL));
}

static void
test_resolution_makes_both_sides_know_each_other(void **state)
{
	struct fx *fx = *state;
	assert_int_equal(udp_send(fx->a, 0, 1, tnet_addr("10.0.0.2"), 9, "x", 1), 0);
	tnet_run(fx->n, SIM_MS);
	assert_int_equal(fx->sink.n, 1);
	enum nud_state st;
	uint8_t mac[ETH_ALEN];
	assert_true(neigh_lookup(fx->adev, tnet_addr("10.0.0.2"), &st, mac));
	assert_int_equal(st, NUD_REACHABLE);
	assert_memory_equal(mac, fx->bdev->dev_addr, ETH_ALEN);
	/* the request for b made b learn a (Linux: STALE) */
	assert_true(neigh_lookup(fx->bdev, tnet_addr("10.0.0.1"), &st, mac));
	assert_int_equal(st, NUD_STALE);
	assert_memory_equal(mac, fx->adev->dev_addr, ETH_ALEN);
	struct neigh_stats s;
	neigh_stats(fx->b, &s);
	assert_int_equal(s.replies_sent, 1);
}

/* The entry neigh_output used last is tried before the broadcast test
 * (stack/arp.c): a broadcast after a unicast datagram still goes to the
 * broadcast address, without a request. */
static void
test_broadcast_after_unicast_needs_no_request(void **state)
{
	struct fx *fx = *state;
	assert_int_equal(udp_send(fx->a, 0, 1, tnet_addr("10.0.0.2"), 9, "x", 1), 0);
	tnet_run(fx->n, SIM_MS);
	assert_int_equal(fx->sink.n, 1);
	struct neigh_stats s0, s1;
	neigh_stats(fx->a, &s0);
	assert_int_equal(udp_send(fx->a, 0, 1, tnet_addr("10.0.0.255"), 9, "y", 1), 0);
	assert_int_equal(udp_send(fx->a, 0, 1, tnet_addr("10.0.0.2"), 9, "z", 1), 0);
	tnet_run(fx->n, SIM_MS);
	neigh_stats(fx->a, &s1);
	assert_int_equal(s1.requests_sent, s0.requests_sent);
	assert_int_equal(s1.hits - s0.hits, 2);
	assert_int_equal(fx->sink.n, 3);
	assert_false(neigh_lookup(fx->adev, tnet_addr("10.0.0.255"), NULL, NULL));
}

static void
test_reachable_entry_goes_stale_then_is_collected(void **state)
{
	struct fx *fx = *state;
	assert_int_equal(udp_send(fx->a, 0, 1, tnet_addr("10.0.0.2"), 9, "x", 1), 0);
	tnet_run(fx->n, 46 * SIM_S); /* beyond 3/2 of base_reachable_time */
	enum nud_state st;
	assert_true(neigh_lookup(fx->adev, tnet_addr("10.0.0.2"), &st, NULL));
	assert_int_equal(st, NUD_STALE);
	/* a stale entry is used at once and refreshed by a unicast probe */
	assert_int_equal(udp_send(fx->a, 0, 1, tnet_addr("10.0.0.2"), 9, "y", 1), 0);
	tnet_run(fx->n, SIM_MS);
	assert_int_equal(fx->sink.n, 2);
	assert_true(neigh_lookup(fx->adev, tnet_addr("10.0.0.2"), &st, NULL));
	assert_int_equal(st, NUD_REACHABLE);
	tnet_run(fx->n, 200 * SIM_S);
	assert_false(neigh_lookup(fx->adev, tnet_addr("10.0.0.2"), &st, NULL));
}

static void
test_failed_resolution_drops_queue_and_reports_host_unreachable(void **state)
{
	struct fx *fx = *state;
	for (int i = 0; i < 3; i++)
		assert_int_equal(udp_send(fx->a, 0, 1, tnet_addr("10.0.0.99"), 9, "x", 1), 0);
	tnet_run(fx->n, 2500 * SIM_MS);
	struct neigh_stats s;
	neigh_stats(fx->a, &s);
	assert_int_equal(s.requests_sent, 3);
	assert_int_equal(s.res_failed, 0);
	tnet_run(fx->n, SIM_S);
	neigh_stats(fx->a, &s);
	assert_int_equal(s.res_failed, 1);
	assert_int_equal(host_drops(fx->a, SKB_DROP_NEIGH_FAILED), 3);
	/* each dropped datagram was reported to its (local) sender */
	assert_int_equal(fx->seen_a.n, 3);
	assert_int_equal(fx->seen_a.type[0], ICMP_DEST_UNREACH);
	assert_int_equal(fx->seen_a.code[0], ICMP_HOST_UNREACH);
	assert_false(neigh_lookup(fx->adev, tnet_addr("10.0.0.99"), NULL, NULL));
}

static void
test_full_arp_queue_drops_the_oldest(void **state)
{
	struct fx *fx = *state;
	neigh_host_config(fx->a)->unres_qlen = 2;
	for (uint8_t i = 0; i < 5; i++)
		assert_int_equal(udp_send(fx->a, 0, 1, tnet_addr("10.0.0.2"), 9, &i, 1), 0);
	tnet_run(fx->n, SIM_MS);
	assert_int_equal(host_drops(fx->a, SKB_DROP_NEIGH_QUEUEFULL), 3);
	assert_int_equal(fx->sink.n, 2);
	assert_int_equal(fx->sink.last[0], 4); /* the newest survived */
}

static void
test_static_entry_needs_no_request(void **state)
{
	struct fx *fx = *state;
	neigh_add_static(fx->adev, tnet_addr("10.0.0.2"), fx->bdev->dev_addr);
	assert_int_equal(udp_send(fx->a, 0, 1, tnet_addr("10.0.0.2"), 9, "x", 1), 0);
	tnet_run(fx->n, SIM_MS);
	assert_int_equal(fx->sink.n, 1);
	struct neigh_stats s;
	neigh_stats(fx->a, &s);
	assert_int_equal(s.requests_sent, 0);
}

static void
test_malformed_arp_is_dropped_and_counted(void **state)
{
	struct fx *fx = *state;
	uint8_t frame[ETH_ZLEN] = { 0 };
	memcpy(frame, fx->bdev->dev_addr, ETH_ALEN);
	frame[6] = 0x02;
	frame[12] = 0x08;
	frame[13] = 0x06;
	frame[14] = 0x00;
	frame[15] = 0x06; /* hardware type 6: not Ethernet */
	tframe_inject(fx->bdev, frame, sizeof(frame));
	tnet_run(fx->n, SIM_MS);
	struct neigh_stats s;
	neigh_stats(fx->b, &s);
	assert_int_equal(s.rcv_invalid, 1);
	assert_int_equal(host_drops(fx->b, SKB_DROP_ARP_INVALID), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_address_on_up_device_is_announced, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_resolution_makes_both_sides_know_each_other,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_broadcast_after_unicast_needs_no_request,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_reachable_entry_goes_stale_then_is_collected,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_failed_resolution_drops_queue_and_reports_host_unreachable, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_full_arp_queue_drops_the_oldest, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_static_entry_needs_no_request, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_malformed_arp_is_dropped_and_counted, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
