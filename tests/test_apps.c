/*
 * tests/test_apps.c - the built-in programs started through the app
 * registry, as the scenario loader does, between two hosts on one wire.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <glib.h>
#include <arpa/inet.h>
#include <dlfcn.h>
#include <string.h>

#include "apps/app.h"
#include "sim/wire.h"
#include "stack/host.h"
#include "stack/ipv4.h"
#include "stack/netdevice.h"
#include "stack/nic.h"
#include "stack/socket.h"
#include "tests/socket_test.h"

struct fx {
	struct pair p;
};

PAIR_FIXTURE(struct fx, 3)

static struct app *
start_app(struct host *h, const char *program, const char *const *kv, sim_time_t at)
{
	GError *error = NULL;
	struct app *a = app_new(h, program, program, &error);
	assert_non_null(a);
	for (; kv && kv[0]; kv += 2)
		assert_true(app_set(a, kv[0], kv[1], &error));
	app_start(a, at);
	return a;
}

static void
test_udp_flood_reaches_udp_sink_at_its_rate(void **state)
{
	struct fx *fx = *state;
	const char *sink_kv[] = { "port", "9000", NULL };
	const char *flood_kv[] = { "dst",  B_ADDR, "port",  "9000", "rate", "1000",
				   "size", "100",  "count", "50",   NULL };
	struct app *sink = start_app(fx->p.b, "udp_sink", sink_kv, 0);
	struct app *flood = start_app(fx->p.a, "udp_flood", flood_kv, 10 * SIM_MS);
	sim_run_until(fx->p.sim, SIM_S);
	assert_int_equal(app_stats(flood)->tx_msgs, 50);
	assert_int_equal(app_stats(sink)->rx_msgs, 50);
	assert_int_equal(app_stats(sink)->rx_bytes, 5000);
	/* 50 datagrams 1 ms apart: the last arrives about 49 ms after the first. */
	sim_time_t span = app_stats(sink)->last_rx - app_stats(sink)->first_rx;
	assert_true(span >= 48 * SIM_MS && span <= 50 * SIM_MS);
	host_free(fx->p.a);
	host_free(fx->p.b);
	fx->p.a = fx->p.b = NULL;
	app_free(sink);
	app_free(flood);
}

static void
test_bulk_send_delivers_all_bytes_to_bulk_sink(void **state)
{
	struct fx *fx = *state;
	const char *sink_kv[] = { "port", "5001", NULL };
	const char *send_kv[] = { "dst", B_ADDR, "port", "5001", "bytes", "300000", NULL };
	struct app *sink = start_app(fx->p.b, "bulk_sink", sink_kv, 0);
	struct app *send = start_app(fx->p.a, "bulk_send", send_kv, SIM_MS);
	sim_run_until(fx->p.sim, 5 * SIM_S);
	assert_int_equal(app_stats(send)->tx_bytes, 300000);
	assert_int_equal(app_stats(sink)->rx_bytes, 300000);
	assert_int_equal(app_stats(sink)->conns, 1);
	host_free(fx->p.a);
	host_free(fx->p.b);
	fx->p.a = fx->p.b = NULL;
	app_free(sink);
	app_free(send);
}

static void
test_tcp_echo_client_gets_every_request_back(void **state)
{
	struct fx *fx = *state;
	const char *srv_kv[] = { "port", "7", NULL };
	const char *cli_kv[] = { "dst", B_ADDR, "port", "7", "size", "100", "count", "5", NULL };
	struct app *srv = start_app(fx->p.b, "tcp_echo_server", srv_kv, 0);
	struct app *cli = start_app(fx->p.a, "tcp_echo_client", cli_kv, SIM_MS);
	sim_run_until(fx->p.sim, 5 * SIM_S);
	assert_int_equal(app_stats(cli)->rx_bytes, 500);
	assert_int_equal(app_stats(srv)->rx_bytes, 500);
	assert_true(app_stats(cli)->rtt_sum > 0);
	host_free(fx->p.a);
	host_free(fx->p.b);
	fx->p.a = fx->p.b = NULL;
	app_free(srv);
	app_free(cli);
}

static void
test_unknown_program_and_key_are_errors(void **state)
{
	struct fx *fx = *state;
	GError *error = NULL;
	assert_null(app_new(fx->p.a, "x", "no_such_program", &error));
	assert_true(g_error_matches(error, APP_ERROR, APP_ERROR_UNKNOWN_PROGRAM));
	g_clear_error(&error);
	struct app *a = app_new(fx->p.a, "x", "udp_sink", &error);
	assert_false(app_set(a, "colour", "blue", &error));
	g_clear_error(&error);
	assert_false(app_set(a, "dst", "10.0.0.300", &error));
	g_clear_error(&error);
	app_free(a);
}

/* A plug-in that cannot be loaded, or that has no ns_main, is
 * APP_ERROR_PLUGIN (the C library is a shared object without one). */
static void
test_unloadable_plugin_and_one_without_ns_main_are_plugin_errors(void **state)
{
	struct fx *fx = *state;
	GError *error = NULL;
	assert_null(app_new(fx->p.a, "x", "plugin:/nonexistent/libnothing.so", &error));
	assert_true(g_error_matches(error, APP_ERROR, APP_ERROR_PLUGIN));
	g_clear_error(&error);
	Dl_info libc;
	assert_true(dladdr((void *)strlen, &libc) && libc.dli_fname);
	g_autofree char *program = g_strconcat("plugin:", libc.dli_fname, NULL);
	assert_null(app_new(fx->p.a, "x", program, &error));
	assert_true(g_error_matches(error, APP_ERROR, APP_ERROR_PLUGIN));
	g_clear_error(&error);
}

static void
test_tcp_echo_server_serves_clients_concurrently(void **state)
{
	struct fx *fx = *state;
	const char *srv_kv[] = { "port", "7", "concurrent", "on", NULL };
	/* Two clients, each 20 requests 10 ms apart: served one after the other
	 * the second could only start after the first's 200 ms. */
	const char *cli_kv[] = { "dst",	  B_ADDR, "port",     "7",    "size", "100",
				 "count", "20",	  "interval", "10ms", NULL };
	struct app *srv = start_app(fx->p.b, "tcp_echo_server", srv_kv, 0);
	struct app *c1 = start_app(fx->p.a, "tcp_echo_client", cli_kv, SIM_MS);
	struct app *c2 = start_app(fx->p.a, "tcp_echo_client", cli_kv, 2 * SIM_MS);
	sim_run_until(fx->p.sim, 100 * SIM_MS);
	assert_true(app_stats(c1)->rx_msgs >= 5);
	assert_true(app_stats(c2)->rx_msgs >= 5);
	assert_int_equal(app_stats(srv)->conns, 2);
	sim_run_until(fx->p.sim, 5 * SIM_S);
	assert_int_equal(app_stats(c1)->rx_bytes, 2000);
	assert_int_equal(app_stats(c2)->rx_bytes, 2000);
	assert_int_equal(app_stats(srv)->rx_bytes, 4000);
	host_free(fx->p.a);
	host_free(fx->p.b);
	fx->p.a = fx->p.b = NULL;
	app_free(srv);
	app_free(c1);
	app_free(c2);
}

static void
test_program_refuses_a_key_it_does_not_use(void **state)
{
	struct fx *fx = *state;
	GError *error = NULL;
	struct app *a = app_new(fx->p.a, "x", "udp_sink", &error);
	assert_true(app_set(a, "port", "9000", &error));
	/* rate is a key of udp_flood, not of udp_sink */
	assert_false(app_set(a, "rate", "10", &error));
	assert_true(g_error_matches(error, APP_ERROR, APP_ERROR_KEY));
	g_clear_error(&error);
	app_free(a);
}

static void
test_app_config_init_gives_the_documented_defaults(void **state)
{
	(void)state;
	struct app_config c;
	memset(&c, 0xff, sizeof c);
	app_config_init(&c);
	assert_int_equal(c.port, 9000);
	assert_int_equal(c.rate, 1000);
	assert_int_equal(c.size, 1000);
	assert_int_equal(c.backlog, 128);
	assert_int_equal(c.count, 0);
	assert_int_equal(c.duration, 0);
	assert_false(c.nodelay);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_udp_flood_reaches_udp_sink_at_its_rate, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bulk_send_delivers_all_bytes_to_bulk_sink,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_echo_client_gets_every_request_back, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unknown_program_and_key_are_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_unloadable_plugin_and_one_without_ns_main_are_plugin_errors, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_tcp_echo_server_serves_clients_concurrently,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_program_refuses_a_key_it_does_not_use, setup,
						teardown),
		cmocka_unit_test(test_app_config_init_gives_the_documented_defaults),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
