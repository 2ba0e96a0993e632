/*
 * tests/test_route.c - the FIB and the route cache: longest-prefix match,
 * default and connected routes, the route syntax and its error messages,
 * cache hits, misses and flushes, and each lookup for a packet in the trace.
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
	struct host *r, *x, *y;
};

static int
setup(void **state)
{
	struct fx *fx = g_new0(struct fx, 1);
	struct tnet *n = fx->n = tnet_new(false);
	fx->r = tnet_host(n, "r", true);
	fx->x = tnet_host(n, "x", false);
	fx->y = tnet_host(n, "y", false);
	tnet_link(n, fx->r, "eth0", "10.1.0.1/24", fx->x, "eth0", "10.1.0.2/24");
	tnet_link(n, fx->r, "eth1", "10.2.0.1/24", fx->y, "eth0", "10.2.0.2/24");
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
test_longest_prefix_wins(void **state)
{
	struct fx *fx = *state;
	tnet_route(fx->r, "default via 10.1.0.2");
	tnet_route(fx->r, "172.16.0.0/12 via 10.1.0.2");
	tnet_route(fx->r, "172.16.5.0/24 via 10.2.0.2 dev eth1");
	struct rtable rt;
	assert_int_equal(ip_route_output(fx->r, tnet_addr("172.16.5.9"), 0, &rt), 0);
	assert_int_equal(rt.nexthop, tnet_addr("10.2.0.2"));
	assert_string_equal(rt.dev->name, "eth1");
	assert_int_equal(rt.src, tnet_addr("10.2.0.1"));
	assert_int_equal(ip_route_output(fx->r, tnet_addr("172.17.0.1"), 0, &rt), 0);
	assert_int_equal(rt.nexthop, tnet_addr("10.1.0.2"));
	assert_int_equal(ip_route_output(fx->r, tnet_addr("8.8.8.8"), 0, &rt), 0);
	assert_string_equal(rt.dev->name, "eth0");
	/* on-link: the next hop is the destination itself */
	assert_int_equal(ip_route_output(fx->r, tnet_addr("10.2.0.77"), 0, &rt), 0);
	assert_int_equal(rt.nexthop, tnet_addr("10.2.0.77"));
	assert_int_equal(rt.type, RTN_UNICAST);
	assert_int_equal(ip_route_output(fx->r, tnet_addr("10.2.0.255"), 0, &rt), 0);
	assert_int_equal(rt.type, RTN_BROADCAST);
	assert_int_equal(ip_route_output(fx->r, tnet_addr("10.1.0.1"), 0, &rt), 0);
	assert_int_equal(rt.type, RTN_LOCAL);
}

static void
test_no_route_is_enetunreach(void **state)
{
	struct fx *fx = *state;
	struct rtable rt;
	assert_int_equal(ip_route_output(fx->x, tnet_addr("10.2.0.2"), 0, &rt), -ENETUNREACH);
	assert_int_equal(ip_route_output(fx->x, tnet_addr("10.1.0.1"), tnet_addr("1.2.3.4"), &rt),
			 -EINVAL);
}

static void
test_cache_hits_after_first_lookup_and_flushes_on_change(void **state)
{
	struct fx *fx = *state;
	struct rtable rt;
	struct route_stats s0, s1, s2;
	route_stats(fx->r, &s0);
	assert_int_equal(ip_route_output(fx->r, tnet_addr("10.2.0.2"), 0, &rt), 0);
	assert_false(rt.cached);
	assert_int_equal(ip_route_output(fx->r, tnet_addr("10.2.0.2"), 0, &rt), 0);
	assert_true(rt.cached);
	route_stats(fx->r, &s1);
	assert_int_equal(s1.cache_hits - s0.cache_hits, 1);
	assert_int_equal(s1.cache_misses - s0.cache_misses, 1);
	assert_int_equal(s1.fib_lookups - s0.fib_lookups, 1);
	tnet_route(fx->r, "10.2.0.0/25 via 10.1.0.2");
	route_stats(fx->r, &s2);
	assert_int_equal(s2.cache_flushes - s1.cache_flushes, 1);
	assert_int_equal(ip_route_output(fx->r, tnet_addr("10.2.0.2"), 0, &rt), 0);
	assert_false(rt.cached);
	assert_int_equal(rt.nexthop, tnet_addr("10.1.0.2")); /* the new, longer prefix */
}

/* Each datagram the router forwards gets a "route" row on its skb: the first
 * misses the cache (the FIB is searched), the rest hit it. */
static void
test_forwarded_datagrams_show_cache_miss_then_hits_in_trace(void **state)
{
	struct tnet *n = tnet_new(true);
	struct host *r = tnet_host(n, "r", true);
	struct host *x = tnet_host(n, "x", false);
	struct host *y = tnet_host(n, "y", false);
	tnet_link(n, r, "eth0", "10.1.0.1/24", x, "eth0", "10.1.0.2/24");
	tnet_link(n, r, "eth1", "10.2.0.1/24", y, "eth0", "10.2.0.2/24");
	tnet_route(x, "default via 10.1.0.1");
	tnet_run(n, 10 * SIM_MS);
	static const uint8_t payload[64];
	for (int i = 0; i < 3; i++) {
		assert_int_equal(
			udp_send(x, 0, 1000, tnet_addr("10.2.0.2"), 9, payload, sizeof payload), 0);
		tnet_run(n, 10 * SIM_MS);
	}
	struct route_stats s;
	route_stats(r, &s);
	assert_int_equal(s.cache_misses, 1);
	assert_int_equal(s.cache_hits, 2);
	assert_true(trace_flush(n->tr, NULL));
	sqlite3 *db = trace_db(n->tr);
	const char *on_r = "FROM skb_events e JOIN hosts h ON h.id = e.host "
			   "WHERE h.name = 'r' AND e.op = 'route' AND e.layer = 'route'";
	g_autofree char *all = g_strdup_printf("SELECT count(*) %s", on_r);
	g_autofree char *first =
		g_strdup_printf("SELECT func = 'route_cache_miss' %s ORDER BY seq LIMIT 1", on_r);
	g_autofree char *hits =
		g_strdup_printf("SELECT count(*) %s AND func = 'route_cache_hit'", on_r);
	assert_int_equal(query_int(db, all), 3);
	assert_int_equal(query_int(db, first), 1);
	assert_int_equal(query_int(db, hits), 2);
	/* each row is on a datagram that the router then handed to ip_output */
	assert_int_equal(
		query_int(db,
			  "SELECT count(DISTINCT e.skb) FROM skb_events e "
			  "JOIN skb_events o ON o.skb = e.skb AND o.seq > e.seq "
			  "AND o.op = 'handoff' AND o.func = 'ip_output' "
			  "JOIN hosts h ON h.id = e.host WHERE h.name = 'r' AND e.op = 'route'"),
		3);
	/* x's own datagrams were routed too: one miss, then hits */
	assert_int_equal(
		query_int(db,
			  "SELECT count(*) FROM skb_events e JOIN hosts h ON h.id = e.host "
			  "WHERE h.name = 'x' AND e.op = 'route'"),
		3);
	tnet_free(n);
}

/* UDP routes a datagram once, as Linux's udp_sendmsg (ip_route_output_flow,
 * then ip_send_skb without a second lookup): one cache lookup a datagram,
 * recorded before the skb is handed to IP. */
static void
test_udp_datagram_is_routed_once(void **state)
{
	struct tnet *n = tnet_new(true);
	struct host *a = tnet_host(n, "a", false);
	struct host *b = tnet_host(n, "b", false);
	tnet_link(n, a, "eth0", "10.0.0.1/24", b, "eth0", "10.0.0.2/24");
	static const uint8_t payload[16];
	struct route_stats s0, s;
	route_stats(a, &s0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(
			udp_send(a, 0, 1000, tnet_addr("10.0.0.2"), 9, payload, sizeof payload), 0);
		tnet_run(n, 10 * SIM_MS);
	}
	route_stats(a, &s);
	assert_int_equal(s.cache_misses - s0.cache_misses, 1);
	assert_int_equal(s.cache_hits - s0.cache_hits, 2);
	assert_int_equal(s.fib_lookups - s0.fib_lookups, 1);
	assert_true(trace_flush(n->tr, NULL));
	assert_int_equal(
		query_int(trace_db(n->tr),
			  "SELECT count(*) FROM skb_events e "
			  "JOIN skb_events o ON o.skb = e.skb AND o.seq > e.seq "
			  "AND o.op = 'handoff' AND o.func = 'ip_build_and_send_pkt' "
			  "JOIN hosts h ON h.id = e.host WHERE h.name = 'a' AND e.op = 'route'"),
		3);
	tnet_free(n);
}

/* A host without a route cache searches the FIB for every packet, and says so. */
static void
test_lookup_without_cache_is_traced_as_fib_lookup(void **state)
{
	struct tnet *n = tnet_new(true);
	struct host *a = host_new(n->sim, n->tr, n->pool, "a", 1);
	struct ip_config ic;
	ip_config_init(&ic);
	ic.route_cache_size = 0;
	assert_true(inet_init(a, &ic, NULL, NULL));
	n->hosts[n->nhosts++] = a;
	struct host *b = tnet_host(n, "b", false);
	tnet_link(n, a, "eth0", "10.0.0.1/24", b, "eth0", "10.0.0.2/24");
	static const uint8_t payload[16];
	assert_int_equal(udp_send(a, 0, 1000, tnet_addr("10.0.0.2"), 9, payload, sizeof payload),
			 0);
	tnet_run(n, 10 * SIM_MS);
	assert_true(trace_flush(n->tr, NULL));
	assert_int_equal(query_int(trace_db(n->tr),
				   "SELECT count(*) FROM skb_events "
				   "WHERE op = 'route' AND func = 'fib_lookup'"),
			 1);
	tnet_free(n);
}

static void
test_route_without_cache_still_routes(void **state)
{
	struct rtable rt;
	/* a host made with route_cache_size 0 */
	struct tnet *n2 = tnet_new(false);
	struct host *a = host_new(n2->sim, NULL, n2->pool, "a", 1);
	struct ip_config ic;
	ip_config_init(&ic);
	ic.route_cache_size = 0;
	assert_true(inet_init(a, &ic, NULL, NULL));
	n2->hosts[n2->nhosts++] = a;
	struct host *b = tnet_host(n2, "b", false);
	tnet_link(n2, a, "eth0", "10.0.0.1/24", b, "eth0", "10.0.0.2/24");
	assert_int_equal(ip_route_output(a, tnet_addr("10.0.0.2"), 0, &rt), 0);
	assert_int_equal(ip_route_output(a, tnet_addr("10.0.0.2"), 0, &rt), 0);
	struct route_stats s;
	route_stats(a, &s);
	assert_int_equal(s.cache_hits, 0);
	assert_int_equal(s.fib_lookups, 2);
	tnet_free(n2);
}

static void
test_route_syntax_errors_say_what_is_wrong(void **state)
{
	struct fx *fx = *state;
	static const struct {
		const char *text, *needle;
	} bad[] = {
		{ "", "empty" },
		{ "10.3.0.0/16", "needs 'via GATEWAY' or 'dev IFNAME'" },
		{ "10.3.0.0/16 via 10.9.9.9", "not in a connected subnet" },
		{ "10.3.0.0/16 via 10.1.0.2 dev eth1", "not in a connected subnet of eth1" },
		{ "10.3.0.1/16 via 10.1.0.2", "host bits set" },
		{ "10.3.0.0/16 dev eth7", "no interface 'eth7'" },
		{ "10.3.0.0/16 via", "needs a value" },
		{ "10.3.0.0/16 gateway 10.1.0.2", "unknown word 'gateway'" },
		{ "tenthree/16 via 10.1.0.2", "not an IPv4 address" },
		{ "banana via 10.1.0.2", "not 'default'" },
		{ "10.3.0.0/16 via 10.1.0.2 metric x", "metric 'x'" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		GError *e = NULL;
		assert_false(route_add_text(fx->r, bad[i].text, &e));
		assert_true(e && e->domain == INET_ERROR);
		/* the message names the word that is wrong */
		if (!strstr(e->message, bad[i].needle))
			fail_msg("'%s': message '%s' lacks '%s'", bad[i].text, e->message,
				 bad[i].needle);
		g_error_free(e);
	}
	GError *e = NULL;
	tnet_route(fx->r, "10.3.0.0/16 via 10.1.0.2");
	assert_false(route_add_text(fx->r, "10.3.0.0/16 via 10.2.0.2", &e));
	assert_true(g_error_matches(e, INET_ERROR, INET_ERROR_EXISTS));
	g_error_free(e);
	tnet_route(fx->r, "10.3.0.0/16 via 10.2.0.2 metric 5");
}

static void
test_dump_reads_like_ip_route(void **state)
{
	struct fx *fx = *state;
	tnet_route(fx->r, "default via 10.1.0.2");
	tnet_route(fx->r, "192.168.0.0/16 dev eth1 metric 3");
	g_autofree char *d = route_dump(fx->r);
	assert_string_equal(d,
			    "10.1.0.0/24 dev eth0 proto kernel src 10.1.0.1\n"
			    "10.2.0.0/24 dev eth1 proto kernel src 10.2.0.1\n"
			    "192.168.0.0/16 dev eth1 metric 3\n"
			    "default via 10.1.0.2 dev eth0\n");
	GError *e = NULL;
	assert_true(route_del(fx->r, 0, 0, 0, &e));
	assert_false(route_del(fx->r, 0, 0, 0, &e));
	assert_true(g_error_matches(e, INET_ERROR, INET_ERROR_NOTFOUND));
	g_error_free(e);
}

static void
test_readdressing_replaces_connected_route(void **state)
{
	struct fx *fx = *state;
	struct net_device *dev = dev_get_by_name(fx->x, "eth0");
	GError *e = NULL;
	assert_true(inet_set_address_text(dev, "10.7.0.5/16", &e));
	g_autofree char *d = route_dump(fx->x);
	assert_string_equal(d, "10.7.0.0/16 dev eth0 proto kernel src 10.7.0.5\n");
	assert_false(inet_set_address_text(dev, "10.7.255.255/16", &e));
	assert_true(g_error_matches(e, INET_ERROR, INET_ERROR_INVALID));
	g_clear_error(&e);
	assert_false(inet_set_address_text(dev, "224.0.0.1/4", &e));
	assert_true(g_error_matches(e, INET_ERROR, INET_ERROR_INVALID));
	g_clear_error(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_longest_prefix_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_route_is_enetunreach, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_cache_hits_after_first_lookup_and_flushes_on_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_route_without_cache_still_routes, setup,
						teardown),
		cmocka_unit_test(test_forwarded_datagrams_show_cache_miss_then_hits_in_trace),
		cmocka_unit_test(test_udp_datagram_is_routed_once),
		cmocka_unit_test(test_lookup_without_cache_is_traced_as_fib_lookup),
		cmocka_unit_test_setup_teardown(test_route_syntax_errors_say_what_is_wrong, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dump_reads_like_ip_route, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readdressing_replaces_connected_route, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
