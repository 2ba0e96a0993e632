/*
 * tests/test_metric_put.c - metric_put (cli/world.c) names a figure with
 * the same text as printf: its hand formatter for %s, %d, %u and %%, and
 * the g_vsnprintf fallback for everything else and for long names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <glib.h>
#include <string.h>

#include "cli/world_int.h"

static GHashTable *
table(void)
{
	return g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
}

/* The figure named @name in @m, asserting it is there. */
static double
figure(GHashTable *m, const char *name)
{
	const double *v = g_hash_table_lookup(m, name);
	assert_non_null(v);
	return *v;
}

static void
test_names_with_strings_and_numbers_read_as_printf_writes_them(void **state)
{
	(void)state;
	GHashTable *m = table();
	metric_put(m, 1.5, "%s.cpu%u.%s_ns", "router", 3u, "softirq");
	metric_put(m, 2, "%s.rxq%d.drops", "h", -12);
	metric_put(m, 3, "%s.x%u", "h", 4294967295u);
	metric_put(m, 4, "%s.y%d", "h", G_MININT);
	metric_put(m, 5, "100%% %s", "done");
	metric_put(m, 6, "plain");
	metric_put(m, 7, "%s%s", "", "");
	assert_true(figure(m, "router.cpu3.softirq_ns") == 1.5);
	assert_true(figure(m, "h.rxq-12.drops") == 2);
	assert_true(figure(m, "h.x4294967295") == 3);
	assert_true(figure(m, "h.y-2147483648") == 4);
	assert_true(figure(m, "100% done") == 5);
	assert_true(figure(m, "plain") == 6);
	assert_true(figure(m, "") == 7);
	assert_int_equal(g_hash_table_size(m), 7);
	g_hash_table_destroy(m);
}

static void
test_other_conversions_and_long_names_fall_back_to_printf(void **state)
{
	(void)state;
	GHashTable *m = table();
	metric_put(m, 1, "%s.q%02u.%" G_GUINT64_FORMAT, "h", 7u, (guint64)1 << 40);
	char *longname = g_strnfill(300, 'a');
	metric_put(m, 2, "%s.%s", "h", longname);
	g_autofree char *want = g_strdup_printf("h.%s", longname);
	assert_true(figure(m, "h.q07.1099511627776") == 1);
	assert_true(figure(m, want) == 2);
	g_free(longname);
	g_hash_table_destroy(m);
}

static void
test_a_name_put_again_keeps_the_last_value(void **state)
{
	(void)state;
	GHashTable *m = table();
	metric_put(m, 1, "%s.n", "h");
	metric_put(m, 2, "%s.n", "h");
	assert_int_equal(g_hash_table_size(m), 1);
	assert_true(figure(m, "h.n") == 2);
	g_hash_table_destroy(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_with_strings_and_numbers_read_as_printf_writes_them),
		cmocka_unit_test(test_other_conversions_and_long_names_fall_back_to_printf),
		cmocka_unit_test(test_a_name_put_again_keeps_the_last_value),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
