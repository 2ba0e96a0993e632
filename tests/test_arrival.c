/*
 * tests/test_arrival.c - the arrival processes of the traffic generators
 * (apps/arrival.c): the constant process keeps its old send times, the
 * random ones have the mean and variance their distribution gives, and the
 * same seed and stream give the same times.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "apps/arrival.h"

#define DRAWS 200000

static struct app_config
cfg(enum arrival_kind kind, double rate)
{
	struct app_config c;
	app_config_init(&c);
	c.arrival = (int)kind;
	c.rate = rate;
	return c;
}

/* Mean and variance (ns, ns^2) of DRAWS gaps of @ar. */
static void
gap_moments(struct arrival *ar, double *mean, double *var)
{
	double sum = 0, sum2 = 0;
	sim_time_t prev = arrival_next(ar);
	for (int i = 0; i < DRAWS; i++) {
		sim_time_t t = arrival_next(ar);
		double g = (double)(t - prev);
		assert_true(t >= prev);
		sum += g;
		sum2 += g * g;
		prev = t;
	}
	*mean = sum / DRAWS;
	*var = sum2 / DRAWS - *mean * *mean;
}

static void
test_arrival_constant_keeps_integer_gap_of_whole_rates(void **state)
{
	/* Before real rates: due = t0 + i * (SIM_S / rate) in integers. */
	static const double rates[] = { 1, 3, 7, 1000, 33333, 340000, 487000, 2000000, 1e8 };
	for (size_t r = 0; r < sizeof rates / sizeof rates[0]; r++) {
		struct app_config c = cfg(ARRIVAL_CONSTANT, rates[r]);
		struct arrival ar;
		arrival_init(&ar, &c, 1, "app:flood");
		sim_time_t gap = SIM_S / (sim_time_t)rates[r];
		for (int64_t i = 0; i < 1000; i++)
			assert_int_equal(arrival_next(&ar), i * gap);
	}
}

static void
test_arrival_constant_takes_real_rates(void **state)
{
	struct app_config c = cfg(ARRIVAL_CONSTANT, 2.5);
	struct arrival ar;
	arrival_init(&ar, &c, 1, "app:flood");
	assert_int_equal(arrival_next(&ar), 0);
	assert_int_equal(arrival_next(&ar), 400 * SIM_MS);
	assert_int_equal(arrival_next(&ar), 800 * SIM_MS);
}

static void
test_arrival_poisson_gaps_have_mean_and_variance_of_exponential(void **state)
{
	/* Exponential gaps of mean 1/rate: variance 1/rate^2.  The standard error
	 * of the mean over 200,000 draws is 0.22%; of the variance, 0.9%. */
	struct app_config c = cfg(ARRIVAL_POISSON, 125000.5);
	struct arrival ar;
	arrival_init(&ar, &c, 7, "app:flood");
	double mean, var, want = 1e9 / 125000.5;
	gap_moments(&ar, &mean, &var);
	assert_true(fabs(mean / want - 1) < 0.01);
	assert_true(fabs(var / (want * want) - 1) < 0.04);
}

static void
test_arrival_poisson_counts_in_windows_are_poisson(void **state)
{
	/* Arrivals in windows of 10 mean gaps: mean 10 and variance 10 (a
	 * constant process gives variance 0, a bursty one more than 10). */
	struct app_config c = cfg(ARRIVAL_POISSON, 1e6);
	struct arrival ar;
	arrival_init(&ar, &c, 3, "app:flood");
	enum { WINDOWS = 20000 };
	static int count[WINDOWS];
	memset(count, 0, sizeof count);
	for (;;) {
		int64_t w = arrival_next(&ar) / (10 * SIM_US);
		if (w >= WINDOWS)
			break;
		count[w]++;
	}
	double sum = 0, sum2 = 0;
	for (int w = 0; w < WINDOWS; w++) {
		sum += count[w];
		sum2 += (double)count[w] * count[w];
	}
	double mean = sum / WINDOWS, var = sum2 / WINDOWS - mean * mean;
	assert_true(fabs(mean - 10) < 0.2);
	assert_true(fabs(var - 10) < 0.6);
}

static void
test_arrival_uniform_gaps_have_mean_and_variance_of_uniform(void **state)
{
	/* Uniform on [(1-j)T, (1+j)T]: mean T, variance (jT)^2 / 3. */
	struct app_config c = cfg(ARRIVAL_UNIFORM, 10000);
	c.jitter = 0.3;
	struct arrival ar;
	arrival_init(&ar, &c, 5, "app:flood");
	double mean, var, T = 1e9 / 10000;
	gap_moments(&ar, &mean, &var);
	assert_true(fabs(mean / T - 1) < 0.002);
	assert_true(fabs(var / (0.3 * T * 0.3 * T / 3) - 1) < 0.03);
}

static void
test_arrival_uniform_gaps_stay_within_jitter(void **state)
{
	struct app_config c = cfg(ARRIVAL_UNIFORM, 1000);
	c.jitter = 0.25;
	struct arrival ar;
	arrival_init(&ar, &c, 5, "app:flood");
	sim_time_t prev = arrival_next(&ar);
	for (int i = 0; i < 10000; i++) {
		sim_time_t t = arrival_next(&ar);
		assert_in_range(t - prev, 750 * SIM_US - 1, 1250 * SIM_US + 1);
		prev = t;
	}
}

static void
test_arrival_onoff_mean_rate_is_rate_times_on_fraction(void **state)
{
	/* rate 100,000/s while on, on 1ms and off 3ms on average: 25,000/s.
	 * Over 100 s (25,000 cycles) the on fraction has a standard error of
	 * 0.7% of its value. */
	struct app_config c = cfg(ARRIVAL_ONOFF, 1e5);
	c.on_time = SIM_MS;
	c.off_time = 3 * SIM_MS;
	struct arrival ar;
	arrival_init(&ar, &c, 11, "app:flood");
	uint64_t n = 0;
	while (arrival_next(&ar) < 100 * SIM_S)
		n++;
	assert_true(fabs((double)n / 100 / 25000 - 1) < 0.03);
}

static void
test_arrival_onoff_sends_at_rate_within_a_burst(void **state)
{
	/* Gaps are the period (1 us) inside a burst, longer across an off period;
	 * the first message is at once. */
	struct app_config c = cfg(ARRIVAL_ONOFF, 1e6);
	c.on_time = 100 * SIM_US;
	c.off_time = 400 * SIM_US;
	struct arrival ar;
	arrival_init(&ar, &c, 2, "app:flood");
	assert_int_equal(arrival_next(&ar), 0);
	sim_time_t prev = 0;
	int in_burst = 0, across = 0;
	for (int i = 0; i < 100000; i++) {
		sim_time_t t = arrival_next(&ar), g = t - prev;
		if (g <= SIM_US + 1) {
			assert_true(g >= SIM_US - 1);
			in_burst++;
		} else {
			across++;
		}
		prev = t;
	}
	/* About 100 messages per burst. */
	assert_in_range(in_burst / (across ? across : 1), 80, 120);
}

static void
test_arrival_same_seed_and_stream_give_same_times(void **state)
{
	for (int k = ARRIVAL_CONSTANT; k <= ARRIVAL_UNIFORM; k++) {
		struct app_config c = cfg((enum arrival_kind)k, 50000);
		struct arrival a, b;
		arrival_init(&a, &c, 42, "app:flood");
		arrival_init(&b, &c, 42, "app:flood");
		for (int i = 0; i < 10000; i++)
			assert_int_equal(arrival_next(&a), arrival_next(&b));
	}
}

static void
test_arrival_streams_differ_by_app_name_and_seed(void **state)
{
	struct app_config c = cfg(ARRIVAL_POISSON, 50000);
	struct arrival a, b, s;
	arrival_init(&a, &c, 42, "app:flood");
	arrival_init(&b, &c, 42, "app:flood2");
	arrival_init(&s, &c, 43, "app:flood");
	int same_name = 0, same_seed = 0;
	for (int i = 0; i < 100; i++) {
		sim_time_t t = arrival_next(&a);
		same_name += t == arrival_next(&b);
		same_seed += t == arrival_next(&s);
	}
	assert_true(same_name < 5);
	assert_true(same_seed < 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arrival_constant_keeps_integer_gap_of_whole_rates),
		cmocka_unit_test(test_arrival_constant_takes_real_rates),
		cmocka_unit_test(test_arrival_poisson_gaps_have_mean_and_variance_of_exponential),
		cmocka_unit_test(test_arrival_poisson_counts_in_windows_are_poisson),
		cmocka_unit_test(test_arrival_uniform_gaps_have_mean_and_variance_of_uniform),
		cmocka_unit_test(test_arrival_uniform_gaps_stay_within_jitter),
		cmocka_unit_test(test_arrival_onoff_mean_rate_is_rate_times_on_fraction),
		cmocka_unit_test(test_arrival_onoff_sends_at_rate_within_a_burst),
		cmocka_unit_test(test_arrival_same_seed_and_stream_give_same_times),
		cmocka_unit_test(test_arrival_streams_differ_by_app_name_and_seed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
