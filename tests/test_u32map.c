/*
 * tests/test_u32map.c - stack/u32map.h against GHashTable as the reference:
 * lookups, replacement, growth, and removal in runs that wrap the array.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <glib.h>

#include "stack/u32map.h"

/* Every key of @ref maps to its value in @m, and @m holds no other key. */
static void
assert_same(const struct u32map *m, GHashTable *ref)
{
	assert_int_equal(m->count, g_hash_table_size(ref));
	GHashTableIter it;
	gpointer k, v;
	g_hash_table_iter_init(&it, ref);
	while (g_hash_table_iter_next(&it, &k, &v))
		assert_ptr_equal(u32map_get(m, GPOINTER_TO_UINT(k)), v);
	for (uint32_t i = 0; m->cells && i <= m->mask; i++)
		if (m->cells[i].val)
			assert_true(g_hash_table_contains(ref, GUINT_TO_POINTER(m->cells[i].key)));
}

static void
test_u32map_empty_finds_nothing(void **state)
{
	(void)state;
	struct u32map m = { 0 };
	assert_null(u32map_get(&m, 0));
	assert_null(u32map_get(&m, 9000));
	u32map_remove(&m, 9000);
	u32map_clear(&m, NULL);
}

static void
test_u32map_set_replaces_the_value_of_a_key(void **state)
{
	(void)state;
	struct u32map m = { 0 };
	int a, b;
	u32map_set(&m, 53, &a);
	u32map_set(&m, 53, &b);
	assert_int_equal(m.count, 1);
	assert_ptr_equal(u32map_get(&m, 53), &b);
	u32map_clear(&m, NULL);
}

/* Random sets and removes over few keys (long runs, wrapping the array):
 * after each step the map holds exactly what the reference holds. */
static void
test_u32map_matches_ghashtable_under_random_sets_and_removes(void **state)
{
	(void)state;
	static int vals[64];
	GRand *r = g_rand_new_with_seed(11);
	for (int round = 0; round < 20; round++) {
		struct u32map m = { 0 };
		GHashTable *ref = g_hash_table_new(g_direct_hash, g_direct_equal);
		/* keys that are ports, addresses of one subnet, or anything */
		uint32_t base = round % 3 == 0 ? 0 : round % 3 == 1 ? 0x0a000000u : 0;
		uint32_t span = round % 3 == 2 ? 0xffffffffu : 48;
		for (int step = 0; step < 3000; step++) {
			uint32_t key = base + g_rand_int_range(r, 0, 1 << 30) % span;
			if (g_rand_int_range(r, 0, 3)) {
				int *v = &vals[g_rand_int_range(r, 0, 64)];
				u32map_set(&m, key, v);
				g_hash_table_insert(ref, GUINT_TO_POINTER(key), v);
			} else {
				u32map_remove(&m, key);
				g_hash_table_remove(ref, GUINT_TO_POINTER(key));
			}
			assert_same(&m, ref);
			assert_true(2 * m.count <= m.mask + 1);
		}
		g_hash_table_destroy(ref);
		u32map_clear(&m, NULL);
	}
	g_rand_free(r);
}

static int freed;
static void
count_free(void *p)
{
	(void)p;
	freed++;
}

static void
test_u32map_clear_frees_each_value_once(void **state)
{
	(void)state;
	static int vals[100];
	struct u32map m = { 0 };
	for (uint32_t k = 0; k < 100; k++)
		u32map_set(&m, k * 7919u, &vals[k]);
	freed = 0;
	u32map_clear(&m, count_free);
	assert_int_equal(freed, 100);
	assert_null(m.cells);
	assert_null(u32map_get(&m, 7919u));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u32map_empty_finds_nothing),
		cmocka_unit_test(test_u32map_set_replaces_the_value_of_a_key),
		cmocka_unit_test(test_u32map_matches_ghashtable_under_random_sets_and_removes),
		cmocka_unit_test(test_u32map_clear_frees_each_value_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
