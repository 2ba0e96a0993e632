/*
 * tests/test_ping.c - the ping and traceroute programs (apps/ping.c,
 * apps/traceroute.c) started through the app registry, as the scenario
 * loader starts them, on a host two routers away from its peer:
 *   a (10.1.0.2) -- r1 -- (10.9.0.0/30) -- r2 -- b (10.2.0.2)
 * Their results are read back from struct app_stats and the named figures.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "apps/app.h"
#include "stack/socket.h"
#include "tests/inet_test.h"

struct fx {
	struct tnet *n;
	struct host *a, *r1, *r2, *b;
	struct app *app;
};

static int
setup(void **state)
{
	struct fx *fx = g_new0(struct fx, 1);
	struct tnet *n = fx->n = tnet_new(false);
	fx->a = tnet_host(n, "a", false);
	fx->r1 = tnet_host(n, "r1", true);
	fx->r2 = tnet_host(n, "r2", true);
	fx->b = tnet_host(n, "b", false);
	tnet_link(n, fx->a, "eth0", "10.1.0.2/24", fx->r1, "eth0", "10.1.0.1/24");
	tnet_link(n, fx->r1, "eth1", "10.9.0.1/30", fx->r2, "eth0", "10.9.0.2/30");
	tnet_link(n, fx->r2, "eth1", "10.2.0.1/24", fx->b, "eth0", "10.2.0.2/24");
	tnet_route(fx->a, "default via 10.1.0.1");
	tnet_route(fx->r1, "10.2.0.0/24 via 10.9.0.2");
	tnet_route(fx->r2, "10.1.0.0/24 via 10.9.0.1");
	tnet_route(fx->b, "default via 10.2.0.1");
	socket_host_init(fx->a);
	socket_host_init(fx->b);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;
	tnet_free(fx->n); /* kills the processes */
	app_free(fx->app);
	g_free(fx);
	return 0;
}

/* Start @program on a with keys @kv (NULL-terminated pairs), at 1 ms. */
static struct app *
start(struct fx *fx, const char *program, const char *const *kv)
{
	GError *error = NULL;
	struct app *a = app_new(fx->a, program, program, &error);
	assert_non_null(a);
	for (; kv && kv[0]; kv += 2)
		assert_true(app_set(a, kv[0], kv[1], &error));
	app_start(a, SIM_MS);
	fx->app = a;
	return a;
}

static double
figure(const struct app *a, const char *name)
{
	double v = -1;
	if (!app_figure_get(a, name, &v))
		fail_msg("no figure %s", name);
	return v;
}

static void
test_ping_gets_every_reply_across_two_routers(void **state)
{
	struct fx *fx = *state;
	const char *kv[] = { "dst", "10.2.0.2", "count", "4", "interval", "10ms", NULL };
	struct app *a = start(fx, "ping", kv);
	tnet_run(fx->n, SIM_S);
	const struct app_stats *st = app_stats(a);
	assert_int_equal(st->tx_msgs, 4);
	assert_int_equal(st->rx_msgs, 4);
	assert_int_equal(st->rx_bytes, 4 * 64); /* 8-byte header + 56 bytes, as ping */
	assert_int_equal(st->errors, 0);
	assert_true(st->rtt_sum > 0);
	assert_true(figure(a, "transmitted") == 4);
	assert_true(figure(a, "received") == 4);
	assert_true(figure(a, "loss_pct") == 0);
	assert_true(figure(a, "reply_ttl") == 62); /* 64 less two routers */
	assert_true(figure(a, "rtt_min_us") > 0);
	assert_true(figure(a, "rtt_max_us") >= figure(a, "rtt_min_us"));
	assert_int_equal(icmp_mib(fx->b)->in_type[ICMP_ECHO], 4);
}

/* b ignores pings: nothing comes back, and ping gives up after its linger. */
static void
test_ping_counts_loss_when_nobody_answers(void **state)
{
	struct fx *fx = *state;
	ip_host_config(fx->b)->icmp_echo_ignore_all = true;
	const char *kv[] = { "dst", "10.2.0.2", "count", "3", "interval", "10ms", NULL };
	struct app *a = start(fx, "ping", kv);
	tnet_run(fx->n, 5 * SIM_S);
	assert_int_equal(app_stats(a)->tx_msgs, 3);
	assert_int_equal(app_stats(a)->rx_msgs, 0);
	assert_true(figure(a, "loss_pct") == 100);
}

/* A destination without a route: r1 answers net unreachable, counted as an error. */
static void
test_ping_counts_icmp_errors_about_its_requests(void **state)
{
	struct fx *fx = *state;
	const char *kv[] = { "dst", "10.7.0.1", "count", "2", "interval", "10ms", NULL };
	struct app *a = start(fx, "ping", kv);
	tnet_run(fx->n, 5 * SIM_S);
	assert_int_equal(app_stats(a)->tx_msgs, 2);
	assert_int_equal(app_stats(a)->rx_msgs, 0);
	assert_true(figure(a, "icmp_errors") == 2);
	assert_int_equal(app_stats(a)->errors, 2);
}

static void
test_traceroute_finds_each_hop_then_the_destination(void **state)
{
	struct fx *fx = *state;
	const char *kv[] = { "dst", "10.2.0.2", "interval", "50ms", NULL };
	struct app *a = start(fx, "traceroute", kv);
	tnet_run(fx->n, SIM_S);
	const struct app_stats *st = app_stats(a);
	assert_int_equal(st->tx_msgs, 3);
	assert_int_equal(st->rx_msgs, 3);
	assert_true(figure(a, "hops") == 3);
	assert_true(figure(a, "reached") == 1);
	/* each router answers from the interface the probe came in on */
	assert_true(figure(a, "hop1.10.1.0.1") == 1);
	assert_true(figure(a, "hop2.10.9.0.2") == 1);
	assert_true(figure(a, "hop3.10.2.0.2") == 1);
	assert_true(figure(a, "hop2.rtt_us") > figure(a, "hop1.rtt_us"));
	assert_int_equal(icmp_mib(fx->r1)->out_type[ICMP_TIME_EXCEEDED], 1);
	assert_int_equal(icmp_mib(fx->r2)->out_type[ICMP_TIME_EXCEEDED], 1);
	assert_int_equal(udp_mib(fx->b)->no_ports, 1);
}

/* r2 stops forwarding and drops the probes silently (Linux sends no ICMP
 * then): hops 2.. time out, and traceroute stops after count hops. */
static void
test_traceroute_stops_after_count_hops_without_answers(void **state)
{
	struct fx *fx = *state;
	ip_host_config(fx->r2)->forwarding = false;
	const char *kv[] = { "dst", "10.2.0.2", "interval", "20ms", "count", "4", NULL };
	struct app *a = start(fx, "traceroute", kv);
	tnet_run(fx->n, SIM_S);
	assert_int_equal(app_stats(a)->tx_msgs, 4);
	assert_true(figure(a, "hop1.10.1.0.1") == 1);
	assert_int_equal(app_stats(a)->rx_msgs, 1); /* r1 only */
	assert_true(figure(a, "hops") == 4);
	assert_true(figure(a, "reached") == 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ping_gets_every_reply_across_two_routers,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_ping_counts_loss_when_nobody_answers, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ping_counts_icmp_errors_about_its_requests,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_traceroute_finds_each_hop_then_the_destination,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_traceroute_stops_after_count_hops_without_answers, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
