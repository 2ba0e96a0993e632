/*
 * tests/test_rng.c - RNG streams: reproducible, independent by name.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

#include "sim/rng.h"

static void
test_rng_same_seed_and_name_give_same_stream(void **state)
{
	struct rng a, b;
	rng_init(&a, 42, "host:alice");
	rng_init(&b, 42, "host:alice");
	for (int i = 0; i < 1000; i++)
		assert_int_equal(rng_next(&a), rng_next(&b));
}

static void
test_rng_streams_do_not_depend_on_other_streams(void **state)
{
	/* Creating and drawing from "host:carol" must not change "host:alice". */
	struct rng alone, alice, carol;
	rng_init(&alone, 42, "host:alice");
	rng_init(&carol, 42, "host:carol");
	for (int i = 0; i < 10; i++)
		rng_next(&carol);
	rng_init(&alice, 42, "host:alice");
	for (int i = 0; i < 100; i++)
		assert_int_equal(rng_next(&alone), rng_next(&alice));
}

static void
test_rng_different_names_or_seeds_differ(void **state)
{
	struct rng a, b, c;
	rng_init(&a, 42, "link:l1");
	rng_init(&b, 42, "link:l2");
	rng_init(&c, 43, "link:l1");
	uint64_t x = rng_next(&a);
	assert_int_not_equal(x, rng_next(&b));
	assert_int_not_equal(x, rng_next(&c));
}

static void
test_rng_uniform_mean_and_range(void **state)
{
	struct rng r;
	rng_init(&r, 1, "t");
	double sum = 0;
	for (int i = 0; i < 100000; i++) {
		double u = rng_uniform(&r);
		assert_true(u >= 0 && u < 1);
		sum += u;
	}
	assert_true(fabs(sum / 100000 - 0.5) < 0.01);
}

static void
test_rng_exp_has_requested_mean(void **state)
{
	struct rng r;
	rng_init(&r, 1, "t");
	double sum = 0;
	for (int i = 0; i < 100000; i++)
		sum += rng_exp(&r, 10.0);
	assert_true(fabs(sum / 100000 - 10.0) < 0.2);
}

static void
test_rng_below_stays_below(void **state)
{
	struct rng r;
	rng_init(&r, 1, "t");
	int counts[7] = { 0 };
	for (int i = 0; i < 70000; i++) {
		uint64_t v = rng_below(&r, 7);
		assert_true(v < 7);
		counts[v]++;
	}
	for (int i = 0; i < 7; i++)
		assert_true(counts[i] > 9000 && counts[i] < 11000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rng_same_seed_and_name_give_same_stream),
		cmocka_unit_test(test_rng_streams_do_not_depend_on_other_streams),
		cmocka_unit_test(test_rng_different_names_or_seeds_differ),
		cmocka_unit_test(test_rng_uniform_mean_and_range),
		cmocka_unit_test(test_rng_exp_has_requested_mean),
		cmocka_unit_test(test_rng_below_stays_below),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
