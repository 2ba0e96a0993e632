/*
 * tests/test_scenario.c - the scenario loader: syntax errors with lines,
 * overrides, unknown keys, typed getters, expectations.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <glib.h>
#include <string.h>
#include <unistd.h>

#include "cli/expect.h"
#include "cli/scenario.h"
#include "sim/conf.h"
#include "sim/sim.h"

/* A syntax error, in the one-line format file:line: group key: what is wrong. */
static void
assert_error_is(GError *err, const char *text)
{
	assert_non_null(err);
	assert_true(g_error_matches(err, SCENARIO_ERROR, SCENARIO_ERROR_SYNTAX));
	if (strcmp(err->message, text) != 0)
		fail_msg("got \"%s\", expected \"%s\"", err->message, text);
}

static void
test_scenario_bad_line_reports_file_line_group_key(void **state)
{
	GError *err = NULL;
	struct scenario *sc =
		scenario_load_data("lec.ini", "[scenario]\nduration = 1s\nthis is wrong\n", &err);
	assert_null(sc);
	assert_error_is(err,
			"lec.ini:3: scenario this is wrong: expected 'key = value', a [group] or a "
			"# comment");
	g_error_free(err);
}

static void
test_scenario_key_before_group_is_refused(void **state)
{
	GError *err = NULL;
	assert_null(scenario_load_data("a.ini", "# c\nseed = 1\n", &err));
	assert_error_is(err, "a.ini:2: seed: a key must come after a [group] header");
	g_error_free(err);
}

static void
test_scenario_duplicate_key_names_both_lines(void **state)
{
	GError *err = NULL;
	assert_null(scenario_load_data("a.ini", "[scenario]\nseed = 1\n\nseed = 2\n", &err));
	assert_error_is(err, "a.ini:4: scenario seed: key given twice (first on line 2)");
	g_error_free(err);
}

static void
test_scenario_bad_value_reports_its_line(void **state)
{
	GError *err = NULL;
	g_autoptr(scenario) sc =
		scenario_load_data("a.ini", "[scenario]\n\nduration = 10 parsecs\n", &err);
	assert_non_null(sc);
	gint64 t = 0;
	assert_false(scenario_get_duration(sc, "scenario", "duration", &t, &err));
	assert_true(g_error_matches(err, SCENARIO_ERROR, SCENARIO_ERROR_VALUE));
	assert_non_null(strstr(err->message,
			       "a.ini:3: scenario duration: '10 parsecs' is not a valid duration"));
	g_error_free(err);
}

static void
test_scenario_unknown_key_is_an_error(void **state)
{
	GError *err = NULL;
	g_autoptr(scenario) sc =
		scenario_load_data("a.ini", "[scenario]\nduration = 1s\ndurashun = 2s\n", &err);
	gint64 t = 0;
	assert_true(scenario_get_duration(sc, "scenario", "duration", &t, &err));
	assert_int_equal(t, SIM_S);
	assert_false(scenario_check_unused(sc, &err));
	assert_true(g_error_matches(err, SCENARIO_ERROR, SCENARIO_ERROR_VALUE));
	assert_non_null(strstr(err->message, "a.ini:3: scenario durashun: unknown key"));
	g_error_free(err);
}

static void
test_scenario_override_replaces_value_and_is_reported_as_command_line(void **state)
{
	GError *err = NULL;
	g_autoptr(scenario) sc = scenario_load_data("a.ini", "[host rx]\nnic.napi = off\n", &err);
	assert_true(scenario_override(sc, "host.rx.nic.napi=on", &err));
	assert_string_equal(scenario_get(sc, "host rx", "nic.napi"), "on");
	assert_true(scenario_override(sc, "scenario.seed=x", &err));
	guint64 seed = 0;
	assert_false(scenario_get_uint(sc, "scenario", "seed", 0, 100, &seed, &err));
	assert_non_null(strstr(err->message, "command line (--set): scenario seed:"));
	g_clear_error(&err);
	assert_false(scenario_override(sc, "noequals", &err));
	g_clear_error(&err);
	assert_false(scenario_override(sc, "nodot=1", &err));
	g_clear_error(&err);
	assert_false(scenario_override(sc, "host.rx=1", &err));
	g_clear_error(&err);
	assert_non_null(strstr(scenario_text(sc), "# --set host.rx.nic.napi=on"));
}

static void
test_scenario_override_creates_named_groups_and_dotted_keys(void **state)
{
	GError *err = NULL;
	g_autoptr(scenario) sc = scenario_load_data("a.ini", "[app flood]\nrate = 10\n", &err);
	assert_true(scenario_override(sc, "app.flood.rate=2000", &err));
	assert_string_equal(scenario_get(sc, "app flood", "rate"), "2000");
	assert_true(scenario_override(sc, "host.bob.cpu.ip_rcv=2us", &err));
	assert_string_equal(scenario_get(sc, "host bob", "cpu.ip_rcv"), "2us");
	assert_true(scenario_override(sc, "expect.bob.udp.in_datagrams=>= 5", &err));
	assert_string_equal(scenario_get(sc, "expect", "bob.udp.in_datagrams"), ">= 5");
	assert_true(scenario_override(sc, "cpu.ip_rcv=1us", &err));
	assert_string_equal(scenario_get(sc, "cpu", "ip_rcv"), "1us");
}

static void
test_scenario_bad_group_header_is_refused(void **state)
{
	GError *err = NULL;
	assert_null(scenario_load_data("a.ini", "[host two words]\n", &err));
	assert_true(g_error_matches(err, SCENARIO_ERROR, SCENARIO_ERROR_SYNTAX));
	assert_non_null(strstr(err->message, "a.ini:1: [host two words]: a group is a word"));
	g_clear_error(&err);
	assert_null(scenario_load_data("a.ini", "[scenario\n", &err));
	assert_true(g_error_matches(err, SCENARIO_ERROR, SCENARIO_ERROR_SYNTAX));
	g_clear_error(&err);
}

static void
test_scenario_groups_with_prefix_keep_file_order(void **state)
{
	g_autoptr(scenario) sc = scenario_load_data(
		"a.ini", "[host b]\n[scenario]\n[host a]\n[link a]\n[hostile]\n", NULL);
	g_autoptr(GPtrArray) g = scenario_groups_with_prefix(sc, "host");
	assert_int_equal(g->len, 2);
	assert_string_equal(g->pdata[0], "host b");
	assert_string_equal(g->pdata[1], "host a");
}

static void
test_expect_conditions_pass_and_fail(void **state)
{
	GError *err = NULL;
	g_autoptr(scenario) sc = scenario_load_data(
		"a.ini",
		"[expect]\na.x = >= 10\na.y = 3\na.z = 0.1..0.5\na.w = < 1\nb.missing = 1\n", &err);
	struct expectations *ex = expectations_parse(sc, &err);
	assert_non_null(ex);
	assert_int_equal(expectations_count(ex), 5);
	GHashTable *m = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
	double *v;
	v = g_new(double, 1), *v = 10, g_hash_table_insert(m, "a.x", v);
	v = g_new(double, 1), *v = 4, g_hash_table_insert(m, "a.y", v);
	v = g_new(double, 1), *v = 0.3, g_hash_table_insert(m, "a.z", v);
	v = g_new(double, 1), *v = 0.5, g_hash_table_insert(m, "a.w", v);
	g_autoptr(GString) out = g_string_new(NULL);
	assert_int_equal(expectations_check(ex, m, out), 2); /* a.y and b.missing */
	assert_non_null(strstr(out->str, "FAIL a.y = 4, expected 3"));
	assert_non_null(strstr(out->str, "FAIL b.missing 1: no such figure"));
	g_hash_table_destroy(m);
	expectations_free(ex);
}

static void
test_expect_malformed_condition_is_a_scenario_error(void **state)
{
	GError *err = NULL;
	g_autoptr(scenario) sc = scenario_load_data("a.ini", "[expect]\n\na.x = lots\n", &err);
	assert_null(expectations_parse(sc, &err));
	assert_non_null(strstr(err->message, "a.ini:3: expect a.x: 'lots' is not a condition"));
	g_error_free(err);
}

/* Control characters and bytes that are not UTF-8 become \\xNN; text stays. */
static void
test_scenario_escape_makes_text_safe_for_a_terminal(void **state)
{
	(void)state;
	g_autofree char *a = scenario_escape("red\033[31m\r\tcaf\xc3\xa9", false);
	assert_string_equal(a, "red\\x1b[31m\\x0d\tcaf\xc3\xa9");
	g_autofree char *b = scenario_escape("caf\xe9\nx", false);
	assert_string_equal(b, "caf\\xe9\\x0ax");
	g_autofree char *c = scenario_escape("two\nlines\n", true);
	assert_string_equal(c, "two\nlines\n");
	g_autofree char *d = scenario_escape("\xc2\x9b", false); /* C1 CSI */
	assert_string_equal(d, "\\xc2\\x9b");
}

/* A scenario file is a regular text file of at most SCENARIO_MAX_BYTES. */
static void
test_scenario_load_refuses_what_is_not_a_small_text_file(void **state)
{
	GError *err = NULL;
	(void)state;
	assert_null(scenario_load("/dev/zero", &err));
	assert_true(g_error_matches(err, SCENARIO_ERROR, SCENARIO_ERROR_FILE));
	g_clear_error(&err);
	assert_null(scenario_load("/", &err));
	assert_true(g_error_matches(err, SCENARIO_ERROR, SCENARIO_ERROR_FILE));
	g_clear_error(&err);
	g_autofree char *path = NULL;
	int fd = g_file_open_tmp("big-XXXXXX.ini", &path, NULL);
	assert_true(fd >= 0);
	close(fd);
	g_autofree char *big = g_strnfill(SCENARIO_MAX_BYTES + 1, '#');
	assert_true(g_file_set_contents(path, big, -1, NULL));
	assert_null(scenario_load(path, &err));
	assert_true(g_error_matches(err, SCENARIO_ERROR, SCENARIO_ERROR_FILE));
	g_clear_error(&err);
	assert_true(g_file_set_contents(path, "[scenario]\n", -1, NULL));
	scenario *sc = scenario_load(path, &err);
	assert_non_null(sc);
	scenario_free(sc);
	unlink(path);
}

struct tconf {
	uint32_t a, b;
};
static const struct conf_key tconf_keys[] = {
	{ "a", CONF_UINT32, offsetof(struct tconf, a), 0, 100, .doc = "" },
	{ "b", CONF_UINT32, offsetof(struct tconf, b), 0, 100, .doc = "" },
	{ NULL },
};

/* scenario_apply_conf takes the keys of one prefix (an interface) only,
 * in file order, and sees a --set made after an earlier application. */
static void
test_scenario_apply_conf_takes_its_prefix_and_later_overrides(void **state)
{
	GError *err = NULL;
	g_autoptr(scenario) sc = scenario_load_data(
		"a.ini", "[host h]\na = 1\neth0.a = 2\neth1.a = 3\neth0.b = 4\neth10.a = 5\n",
		&err);
	struct tconf top = { 0 }, e0 = { 0 }, e1 = { 0 };
	assert_true(scenario_apply_conf(sc, "host h", NULL, tconf_keys, &top, &err));
	assert_true(scenario_apply_conf(sc, "host h", "eth0", tconf_keys, &e0, &err));
	assert_true(scenario_apply_conf(sc, "host h", "eth1", tconf_keys, &e1, &err));
	assert_int_equal(top.a, 1);
	assert_int_equal(e0.a, 2);
	assert_int_equal(e0.b, 4);
	assert_int_equal(e1.a, 3);
	assert_int_equal(e1.b, 0);
	assert_true(scenario_override(sc, "host.h.eth1.b=7", &err));
	assert_true(scenario_apply_conf(sc, "host h", "eth1", tconf_keys, &e1, &err));
	assert_int_equal(e1.b, 7);
	assert_true(scenario_override(sc, "host.h.eth1.a=700", &err));
	assert_false(scenario_apply_conf(sc, "host h", "eth1", tconf_keys, &e1, &err));
	assert_non_null(strstr(err->message, "host h eth1.a"));
	g_error_free(err);
}

/* A --set that is not group.key=value, or names a bad group or key, is
 * SCENARIO_ERROR_SET. */
static void
test_scenario_bad_set_is_a_set_error(void **state)
{
	static const char *const bad[] = { "seed",	  "seed=7",    ".seed=7",
					   "scenario.=7", "host.rx=1", "bad group!.key=1" };
	g_autoptr(scenario) sc = scenario_load_data("a.ini", "[scenario]\nseed = 1\n", NULL);
	assert_non_null(sc);
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		GError *err = NULL;
		assert_false(scenario_override(sc, bad[i], &err));
		if (!g_error_matches(err, SCENARIO_ERROR, SCENARIO_ERROR_SET))
			fail_msg("--set %s: %s", bad[i], err ? err->message : "no error");
		g_error_free(err);
	}
}

/* A world whose RX rings alone need terabytes is SCENARIO_ERROR_MEMORY
 * before anything is built (scenario_check_memory). */
static void
test_scenario_that_cannot_fit_in_memory_is_a_memory_error(void **state)
{
	GError *err = NULL;
	g_autoptr(scenario) sc = scenario_load_data(
		"big.ini",
		"[host a]\neth0.rx_ring = 4000000000\neth1.rx_ring = 4000000000\n"
		"eth2.rx_ring = 4000000000\neth3.rx_ring = 4000000000\n",
		&err);
	assert_non_null(sc);
	assert_false(scenario_check_memory(sc, &err));
	assert_true(g_error_matches(err, SCENARIO_ERROR, SCENARIO_ERROR_MEMORY));
	assert_true(g_str_has_prefix(err->message, "big.ini: "));
	g_error_free(err);
}

/* Values read as GKeyFile's g_key_file_get_string reads them: \s \n \t
 * \r \\ unescaped, then stripped; a bad escape reads as "" (the loader
 * parsed with GKeyFile before issue 16). */
static void
test_scenario_values_unescape_as_gkeyfile_does(void **state)
{
	GError *err = NULL;
	g_autoptr(scenario) sc = scenario_load_data(
		"a.ini", "[app a]\nx =  one\\stwo  \ny = a\\\\b\\n\nz = bad\\q\nw =\n", &err);
	assert_non_null(sc);
	assert_string_equal(scenario_get(sc, "app a", "x"), "one two");
	assert_string_equal(scenario_get(sc, "app a", "y"), "a\\b");
	assert_string_equal(scenario_get(sc, "app a", "z"), "");
	assert_null(scenario_peek(sc, "app a", "z"));
	assert_string_equal(scenario_get(sc, "app a", "w"), "");
	assert_null(scenario_get(sc, "app a", "v"));
}

/* A group given twice is one group, its keys in file order; a key given
 * twice is found in a group of any size. */
static void
test_scenario_group_given_twice_is_one_group(void **state)
{
	GError *err = NULL;
	g_autoptr(GString) text = g_string_new("[host h]\nb = 1\n[scenario]\nseed = 1\n[host h]\n");
	for (int i = 0; i < 40; i++)
		g_string_append_printf(text, "k%d = %d\n", i, i);
	g_autoptr(scenario) sc = scenario_load_data("a.ini", text->str, &err);
	assert_non_null(sc);
	g_auto(GStrv) keys = scenario_keys(sc, "host h");
	assert_int_equal(g_strv_length(keys), 41);
	assert_string_equal(keys[0], "b");
	assert_string_equal(keys[40], "k39");
	assert_string_equal(scenario_groups(sc)[1], "scenario");
	assert_null(scenario_groups(sc)[2]);
	assert_string_equal(scenario_get(sc, "host h", "k39"), "39");
	assert_string_equal(scenario_get(sc, "host h", "b"), "1");
	g_string_append(text, "k7 = 8\n");
	assert_null(scenario_load_data("a.ini", text->str, &err));
	assert_error_is(err, "a.ini:46: host h k7: key given twice (first on line 13)");
	g_error_free(err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scenario_bad_line_reports_file_line_group_key),
		cmocka_unit_test(test_scenario_key_before_group_is_refused),
		cmocka_unit_test(test_scenario_duplicate_key_names_both_lines),
		cmocka_unit_test(test_scenario_bad_value_reports_its_line),
		cmocka_unit_test(test_scenario_unknown_key_is_an_error),
		cmocka_unit_test(
			test_scenario_override_replaces_value_and_is_reported_as_command_line),
		cmocka_unit_test(test_scenario_override_creates_named_groups_and_dotted_keys),
		cmocka_unit_test(test_scenario_bad_group_header_is_refused),
		cmocka_unit_test(test_scenario_groups_with_prefix_keep_file_order),
		cmocka_unit_test(test_scenario_escape_makes_text_safe_for_a_terminal),
		cmocka_unit_test(test_scenario_load_refuses_what_is_not_a_small_text_file),
		cmocka_unit_test(test_scenario_apply_conf_takes_its_prefix_and_later_overrides),
		cmocka_unit_test(test_expect_conditions_pass_and_fail),
		cmocka_unit_test(test_expect_malformed_condition_is_a_scenario_error),
		cmocka_unit_test(test_scenario_bad_set_is_a_set_error),
		cmocka_unit_test(test_scenario_that_cannot_fit_in_memory_is_a_memory_error),
		cmocka_unit_test(test_scenario_values_unescape_as_gkeyfile_does),
		cmocka_unit_test(test_scenario_group_given_twice_is_one_group),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
