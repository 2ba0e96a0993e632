/*
 * tests/test_icmp.c - ICMP over a routed topology
 *
 *   h1 10.1.0.1 --- 10.1.0.254 r1 10.9.0.1 --- 10.9.0.2 r2 10.2.0.254 --- 10.2.0.1 h2
 *
 * echo across two routers, time exceeded hop by hop (what traceroute
 * relies on), protocol unreachable, no error about an error, and the
 * echo checksum check.
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
	struct host *h1, *r1, *r2, *h2;
	struct ticmp seen1, seen2;
};

static int
setup(void **state)
{
	struct fx *fx = g_new0(struct fx, 1);
	struct tnet *n = fx->n = tnet_new(false);
	fx->h1 = tnet_host(n, "h1", false);
	fx->r1 = tnet_host(n, "r1", true);
	fx->r2 = tnet_host(n, "r2", true);
	fx->h2 = tnet_host(n, "h2", false);
	tnet_link(n, fx->h1, "eth0", "10.1.0.1/24", fx->r1, "eth0", "10.1.0.254/24");
	tnet_link(n, fx->r1, "eth1", "10.9.0.1/30", fx->r2, "eth0", "10.9.0.2/30");
	tnet_link(n, fx->r2, "eth1", "10.2.0.254/24", fx->h2, "eth0", "10.2.0.1/24");
	tnet_route(fx->h1, "default via 10.1.0.254");
	tnet_route(fx->h2, "default via 10.2.0.254");
	tnet_route(fx->r1, "10.2.0.0/16 via 10.9.0.2 dev eth1");
	tnet_route(fx->r2, "10.1.0.0/16 via 10.9.0.1");
	icmp_set_test_hook(fx->h1, ticmp_hook, &fx->seen1);
	icmp_set_test_hook(fx->h2, ticmp_hook, &fx->seen2);
	tnet_run(n, 10 * SIM_MS);
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
test_echo_across_two_routers_gets_a_reply(void **state)
{
	struct fx *fx = *state;
	for (uint16_t seq = 1; seq <= 3; seq++) {
		assert_int_equal(icmp_send_echo(fx->h1, tnet_addr("10.2.0.1"), 77, seq, 0, 56), 0);
		tnet_run(fx->n, SIM_S);
	}
	assert_int_equal(fx->seen2.n, 3);
	assert_int_equal(fx->seen1.n, 3);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(fx->seen1.type[i], ICMP_ECHOREPLY);
		assert_int_equal(fx->seen1.seq[i], i + 1);
		assert_int_equal(fx->seen1.from[i], tnet_addr("10.2.0.1"));
	}
	assert_int_equal(ip_mib(fx->r1)->forw_datagrams, 6);
	assert_int_equal(ip_mib(fx->r2)->forw_datagrams, 6);
	assert_int_equal(icmp_mib(fx->h2)->out_type[ICMP_ECHOREPLY], 3);
	/* the routers' route caches answered after the first miss per destination */
	struct route_stats rs;
	route_stats(fx->r1, &rs);
	assert_true(rs.cache_hits >= 4);
}

static void
test_ttl_expiry_reports_each_hop_like_traceroute(void **state)
{
	struct fx *fx = *state;
	const char *hops[] = { "10.1.0.254", "10.9.0.2", "10.2.0.1" };
	for (uint8_t ttl = 1; ttl <= 3; ttl++) {
		assert_int_equal(icmp_send_echo(fx->h1, tnet_addr("10.2.0.1"), 1, ttl, ttl, 32), 0);
		tnet_run(fx->n, SIM_S);
		assert_int_equal(fx->seen1.n, ttl);
		assert_int_equal(fx->seen1.from[ttl - 1], tnet_addr(hops[ttl - 1]));
		assert_int_equal(fx->seen1.type[ttl - 1],
				 ttl < 3 ? ICMP_TIME_EXCEEDED : ICMP_ECHOREPLY);
	}
	assert_int_equal(host_drops(fx->r1, SKB_DROP_IP_TTL_EXPIRED), 1);
	assert_int_equal(host_drops(fx->r2, SKB_DROP_IP_TTL_EXPIRED), 1);
	assert_int_equal(icmp_mib(fx->r1)->out_type[ICMP_TIME_EXCEEDED], 1);
}

static void
test_unknown_protocol_answers_protocol_unreachable(void **state)
{
	struct fx *fx = *state;
	struct net_device *dev = dev_get_by_name(fx->h2, "eth0");
	uint8_t l4[8] = { 0 };
	uint8_t frame[128];
	uint32_t len = tframe_ip(frame, dev, tnet_addr("10.1.0.1"), tnet_addr("10.2.0.1"), 99, 64,
				 5, 0, l4, sizeof(l4), false);
	tframe_inject(dev, frame, len);
	tnet_run(fx->n, SIM_S);
	assert_int_equal(ip_mib(fx->h2)->in_unknown_protos, 1);
	assert_int_equal(fx->seen1.n, 1);
	assert_int_equal(fx->seen1.type[0], ICMP_DEST_UNREACH);
	assert_int_equal(fx->seen1.code[0], ICMP_PROT_UNREACH);
}

static void
test_no_error_about_an_icmp_error(void **state)
{
	struct fx *fx = *state;
	struct net_device *dev = dev_get_by_name(fx->r2, "eth1");
	/* a time-exceeded message to 10.2.0.77 (no such host) arrives at r2 with TTL 1 */
	uint8_t l4[8 + 28] = { ICMP_TIME_EXCEEDED, 0 };
	struct icmphdr *ih = (struct icmphdr *)l4;
	ih->checksum = csum_fold(csum_partial(l4, sizeof(l4), 0));
	uint8_t frame[128];
	uint32_t len = tframe_ip(frame, dev, tnet_addr("10.2.0.1"), tnet_addr("10.1.0.1"),
				 NS_IPPROTO_ICMP, 1, 5, 0, l4, sizeof(l4), false);
	tframe_inject(dev, frame, len);
	tnet_run(fx->n, SIM_S);
	assert_int_equal(host_drops(fx->r2, SKB_DROP_IP_TTL_EXPIRED), 1);
	assert_int_equal(icmp_mib(fx->r2)->out_msgs, 0);
	assert_int_equal(icmp_mib(fx->r2)->errors_suppressed, 1);
	assert_int_equal(fx->seen2.n, 0);
}

static void
test_echo_with_bad_checksum_is_dropped(void **state)
{
	struct fx *fx = *state;
	struct net_device *dev = dev_get_by_name(fx->h2, "eth0");
	uint8_t l4[16] = { ICMP_ECHO, 0, 0x12, 0x34 }; /* wrong checksum */
	uint8_t frame[128];
	uint32_t len = tframe_ip(frame, dev, tnet_addr("10.1.0.1"), tnet_addr("10.2.0.1"),
				 NS_IPPROTO_ICMP, 64, 5, 0, l4, sizeof(l4), false);
	tframe_inject(dev, frame, len);
	tnet_run(fx->n, SIM_S);
	assert_int_equal(icmp_mib(fx->h2)->in_csum_errors, 1);
	assert_int_equal(host_drops(fx->h2, SKB_DROP_ICMP_CSUM), 1);
	assert_int_equal(fx->seen1.n, 0);
}

static void
test_echo_ignore_all_answers_nothing(void **state)
{
	struct fx *fx = *state;
	ip_host_config(fx->h2)->icmp_echo_ignore_all = true;
	assert_int_equal(icmp_send_echo(fx->h1, tnet_addr("10.2.0.1"), 1, 1, 0, 8), 0);
	tnet_run(fx->n, SIM_S);
	assert_int_equal(fx->seen2.n, 1);
	assert_int_equal(fx->seen1.n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_echo_across_two_routers_gets_a_reply, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ttl_expiry_reports_each_hop_like_traceroute,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_protocol_answers_protocol_unreachable,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_error_about_an_icmp_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_echo_with_bad_checksum_is_dropped, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_echo_ignore_all_answers_nothing, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
