/*
 * tests/bench_sim.c - event queue throughput (make bench).
 *
 * Hold model: 10,000 events pending; each dispatched event schedules one
 * more with a random delay from a mix (1us..10ms, log-uniform-ish), until
 * 10 million have been dispatched.  The second mix arms a retransmit-like
 * timer alongside each event and cancels half of the timers before they
 * fire, as TCP does.  Prints events per wall-second for each (median of 5).
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim/rng.h"
#include "sim/sim.h"

#define PENDING 10000
#define TOTAL 10000000

struct bench {
	struct rng rng;
	uint64_t fired;
	bool cancel_mix;
	sim_event_id timers[PENDING];
	unsigned next_timer;
};

static sim_time_t
delay(struct bench *b)
{
	static const sim_time_t scale[] = { 1000, 10000, 100000, 1000000, 10000000 };
	return (sim_time_t)rng_below(&b->rng, (uint64_t)scale[rng_below(&b->rng, 5)]) + 1;
}

static void
timer_fired(struct sim *sim, void *a, void *c)
{
	struct bench *b = a;
	b->fired++;
}

static void
fire(struct sim *sim, void *a, void *c)
{
	struct bench *b = a;
	b->fired++;
	if (b->fired >= TOTAL) {
		sim_stop(sim);
		return;
	}
	if (b->cancel_mix) {
		/* Every event re-arms a timer; the old one is cancelled half the time. */
		unsigned i = b->next_timer++ % PENDING;
		if (rng_below(&b->rng, 2))
			sim_cancel(sim, b->timers[i]);
		b->timers[i] = sim_schedule(sim, delay(b) * 4, timer_fired, b, NULL);
	}
	sim_schedule(sim, delay(b), fire, b, NULL);
}

static double
run_once(bool cancel_mix, uint64_t *dispatched)
{
	struct bench *b = g_new0(struct bench, 1);
	struct sim *sim = sim_new(1);
	rng_init(&b->rng, 1, "bench");
	b->cancel_mix = cancel_mix;
	for (int i = 0; i < PENDING; i++)
		sim_schedule(sim, delay(b), fire, b, NULL);
	gint64 t0 = g_get_monotonic_time();
	sim_run_until(sim, SIM_TIME_MAX);
	gint64 t1 = g_get_monotonic_time();
	*dispatched = sim_events_dispatched(sim);
	sim_free(sim);
	g_free(b);
	return (double)*dispatched / ((double)(t1 - t0) / 1e6);
}

static int
cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}

int
main(void)
{
	const char *names[] = { "random delays", "half of timers cancelled" };
	for (int mix = 0; mix < 2; mix++) {
		double r[5];
		uint64_t n = 0;
		for (int i = 0; i < 5; i++)
			r[i] = run_once(mix == 1, &n);
		qsort(r, 5, sizeof r[0], cmp_double);
		printf("sim: %-26s %" G_GUINT64_FORMAT " events, median %.2f M events/s "
		       "(min %.2f, max %.2f, 5 runs)\n",
		       names[mix], n, r[2] / 1e6, r[0] / 1e6, r[4] / 1e6);
	}
	return 0;
}
