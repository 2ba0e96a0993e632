/*
 * tests/test_units.c - durations, rates, sizes; and conf key tables.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <glib.h>

#include "sim/conf.h"
#include "sim/units.h"

static void
test_units_durations_parse(void **state)
{
	sim_time_t t;
	assert_true(units_parse_duration("10ms", &t, NULL));
	assert_int_equal(t, 10 * SIM_MS);
	assert_true(units_parse_duration("1.5s", &t, NULL));
	assert_int_equal(t, 1500 * SIM_MS);
	assert_true(units_parse_duration("250us", &t, NULL));
	assert_int_equal(t, 250 * SIM_US);
	assert_true(units_parse_duration("100ns", &t, NULL));
	assert_int_equal(t, 100);
	assert_true(units_parse_duration("0", &t, NULL));
	assert_int_equal(t, 0);
}

static void
test_units_bad_durations_are_refused(void **state)
{
	const char *bad[] = { "", "10", "ms", "10 parsecs", "-1s", "1e30s", "nan s", NULL };
	for (int i = 0; bad[i]; i++) {
		sim_time_t t = 77;
		GError *err = NULL;
		assert_false(units_parse_duration(bad[i], &t, &err));
		assert_non_null(err);
		assert_int_equal(t, 77); /* out-parameter untouched on failure */
		g_error_free(err);
	}
}

static void
test_units_rates_and_sizes(void **state)
{
	uint64_t v;
	assert_true(units_parse_bitrate("10Mbit", &v, NULL));
	assert_int_equal(v, 10000000);
	assert_true(units_parse_bitrate("1Gbit", &v, NULL));
	assert_int_equal(v, 1000000000);
	assert_false(units_parse_bitrate("10", &v, NULL));
	assert_true(units_parse_bytes("1500", &v, NULL));
	assert_int_equal(v, 1500);
	assert_true(units_parse_bytes("64KiB", &v, NULL));
	assert_int_equal(v, 65536);
	assert_false(units_parse_bytes("1.5", &v, NULL));
}

/* A plain count is read exactly up to 2^64 - 1 (a double would round above
 * 2^53); beyond, the error is a range error, which conf_set turns into the
 * key's own range. */
static void
test_units_bytes_are_exact_up_to_2_64(void **state)
{
	uint64_t v;
	GError *err = NULL;
	(void)state;
	assert_true(units_parse_bytes("9223372036854775807", &v, NULL));
	assert_true(v == INT64_MAX);
	assert_true(units_parse_bytes("9007199254740993", &v, NULL));
	assert_true(v == 9007199254740993ULL);
	assert_true(units_parse_bytes("18446744073709551615", &v, NULL));
	assert_true(v == UINT64_MAX);
	assert_true(units_parse_bytes("100 B", &v, NULL));
	assert_int_equal(v, 100);
	assert_false(units_parse_bytes("18446744073709551616", &v, &err));
	assert_true(g_error_matches(err, UNITS_ERROR, UNITS_ERROR_RANGE));
	g_clear_error(&err);
	assert_false(units_parse_bytes("20000000000GiB", &v, &err));
	assert_true(g_error_matches(err, UNITS_ERROR, UNITS_ERROR_RANGE));
	g_clear_error(&err);
}

/* A value that is not one is a syntax error; one too large is a range error. */
static void
test_units_errors_have_a_code_per_kind(void **state)
{
	sim_time_t t;
	uint64_t v;
	GError *err = NULL;
	(void)state;
	assert_false(units_parse_duration("", &t, &err));
	assert_true(g_error_matches(err, UNITS_ERROR, UNITS_ERROR_SYNTAX));
	g_clear_error(&err);
	assert_false(units_parse_duration("10 parsecs", &t, &err));
	assert_true(g_error_matches(err, UNITS_ERROR, UNITS_ERROR_SYNTAX));
	g_clear_error(&err);
	assert_false(units_parse_duration("1000000000000min", &t, &err));
	assert_true(g_error_matches(err, UNITS_ERROR, UNITS_ERROR_RANGE));
	g_clear_error(&err);
	assert_false(units_parse_bitrate("2000000Gbit", &v, &err));
	assert_true(g_error_matches(err, UNITS_ERROR, UNITS_ERROR_RANGE));
	g_clear_error(&err);
	assert_false(units_parse_bytes("1.5", &v, &err));
	assert_true(g_error_matches(err, UNITS_ERROR, UNITS_ERROR_SYNTAX));
	g_clear_error(&err);
}

static void
test_units_format_duration_round_trips(void **state)
{
	char buf[32];
	sim_time_t t;
	sim_time_t vals[] = { 0, 999, 1500, 2 * SIM_MS, 1500 * SIM_MS, 90 * SIM_S };
	for (size_t i = 0; i < G_N_ELEMENTS(vals); i++) {
		units_format_duration(vals[i], buf, sizeof buf);
		assert_true(units_parse_duration(buf, &t, NULL));
		assert_int_equal(t, vals[i]);
	}
}

struct cfg {
	bool napi;
	uint32_t weight;
	sim_time_t delay;
	double loss;
	int mode;
};
static const char *const modes[] = { "irq", "napi", NULL };
static const struct conf_key keys[] = {
	{ "napi", CONF_BOOL, offsetof(struct cfg, napi), .doc = "x" },
	{ "weight", CONF_UINT32, offsetof(struct cfg, weight), 1, 1024, .doc = "x" },
	{ "delay", CONF_DURATION, offsetof(struct cfg, delay), 0, SIM_S, .doc = "x" },
	{ "loss", CONF_DOUBLE, offsetof(struct cfg, loss), .dmin = 0, .dmax = 1, .doc = "x" },
	{ "mode", CONF_ENUM, offsetof(struct cfg, mode), .names = modes, .doc = "x" },
	{ NULL },
};

static void
test_conf_sets_typed_fields_and_rejects_bad_values(void **state)
{
	struct cfg c = { 0 };
	GError *err = NULL;
	assert_true(conf_set(conf_find(keys, "napi"), &c, "on", NULL));
	assert_true(c.napi);
	assert_true(conf_set(conf_find(keys, "weight"), &c, "64", NULL));
	assert_int_equal(c.weight, 64);
	assert_false(conf_set(conf_find(keys, "weight"), &c, "0", &err));
	assert_true(g_error_matches(err, CONF_ERROR, CONF_ERROR_RANGE));
	g_clear_error(&err);
	assert_int_equal(c.weight, 64);
	assert_true(conf_set(conf_find(keys, "delay"), &c, "2ms", NULL));
	assert_int_equal(c.delay, 2 * SIM_MS);
	assert_false(conf_set(conf_find(keys, "loss"), &c, "1.5", NULL));
	assert_true(conf_set(conf_find(keys, "mode"), &c, "napi", NULL));
	assert_int_equal(c.mode, 1);
	assert_false(conf_set(conf_find(keys, "mode"), &c, "poll", &err));
	assert_true(g_error_matches(err, CONF_ERROR, CONF_ERROR_INVALID));
	assert_non_null(strstr(err->message, "irq, napi")); /* it lists the choices */
	g_clear_error(&err);
	assert_null(conf_find(keys, "nope"));
	g_autofree char *v = conf_get(conf_find(keys, "delay"), &c);
	assert_string_equal(v, "2ms");
}

/* tcp_rmem-style keys: "min default max", each in range, ascending */
static void
test_conf_three_numbers_parse_in_order_and_refuse_bad_triples(void **state)
{
	(void)state;
	struct {
		uint32_t v[3];
	} t = { { 0 } };
	const struct conf_key k = { "tcp_rmem", CONF_UINT32_3, 0, 1024, 1 << 30, .doc = "x" };
	GError *err = NULL;
	assert_true(conf_set(&k, &t, "4096 131072\t6291456", NULL));
	assert_int_equal(t.v[0], 4096);
	assert_int_equal(t.v[1], 131072);
	assert_int_equal(t.v[2], 6291456);
	g_autofree char *v = conf_get(&k, &t);
	assert_string_equal(v, "4096 131072 6291456");
	const char *bad[] = { "4096 131072", "4096 131072 6291456 1", "a b c", "4096 x 5000" };
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		assert_false(conf_set(&k, &t, bad[i], &err));
		assert_true(g_error_matches(err, CONF_ERROR, CONF_ERROR_INVALID));
		g_clear_error(&err);
	}
	assert_false(conf_set(&k, &t, "8192 4096 6291456", &err)); /* not ascending */
	assert_true(g_error_matches(err, CONF_ERROR, CONF_ERROR_RANGE));
	g_clear_error(&err);
	assert_false(conf_set(&k, &t, "512 4096 8192", &err)); /* below min */
	assert_true(g_error_matches(err, CONF_ERROR, CONF_ERROR_RANGE));
	g_clear_error(&err);
	assert_int_equal(t.v[1], 131072); /* a refused value changes nothing */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_units_durations_parse),
		cmocka_unit_test(test_units_errors_have_a_code_per_kind),
		cmocka_unit_test(test_units_bad_durations_are_refused),
		cmocka_unit_test(test_units_rates_and_sizes),
		cmocka_unit_test(test_units_bytes_are_exact_up_to_2_64),
		cmocka_unit_test(test_units_format_duration_round_trips),
		cmocka_unit_test(test_conf_sets_typed_fields_and_rejects_bad_values),
		cmocka_unit_test(test_conf_three_numbers_parse_in_order_and_refuse_bad_triples),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
