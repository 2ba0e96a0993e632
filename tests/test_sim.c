/*
 * tests/test_sim.c - the event queue: order, cancellation, run_until.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <glib.h>

#include "sim/sim.h"

struct log {
	GArray *seen; /* ints */
	struct sim *sim;
	sim_event_id later;
};

static void
record(struct sim *sim, void *a, void *b)
{
	struct log *log = a;
	int v = GPOINTER_TO_INT(b);
	g_array_append_val(log->seen, v);
}

static int
setup(void **state)
{
	struct log *log = g_new0(struct log, 1);
	log->seen = g_array_new(FALSE, FALSE, sizeof(int));
	log->sim = sim_new(1);
	*state = log;
	return 0;
}

static int
teardown(void **state)
{
	struct log *log = *state;
	assert_int_equal(sim_events_pending(log->sim), 0);
	sim_free(log->sim);
	g_array_free(log->seen, TRUE);
	g_free(log);
	return 0;
}

#define SEEN(log, i) g_array_index((log)->seen, int, i)

static void
test_sim_events_fire_in_time_order(void **state)
{
	struct log *log = *state;
	sim_schedule(log->sim, 30, record, log, GINT_TO_POINTER(3));
	sim_schedule(log->sim, 10, record, log, GINT_TO_POINTER(1));
	sim_schedule(log->sim, 20, record, log, GINT_TO_POINTER(2));
	assert_int_equal(sim_run_until(log->sim, SIM_TIME_MAX), 3);
	assert_int_equal(log->seen->len, 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(SEEN(log, i), i + 1);
	assert_int_equal(sim_now(log->sim), 30);
}

static void
test_sim_same_time_fires_in_insertion_order(void **state)
{
	struct log *log = *state;
	for (int i = 0; i < 100; i++)
		sim_schedule(log->sim, 5, record, log, GINT_TO_POINTER(i));
	sim_run_until(log->sim, SIM_TIME_MAX);
	for (int i = 0; i < 100; i++)
		assert_int_equal(SEEN(log, i), i);
}

static void
test_sim_cancelled_event_never_fires(void **state)
{
	struct log *log = *state;
	sim_event_id a = sim_schedule(log->sim, 10, record, log, GINT_TO_POINTER(1));
	sim_schedule(log->sim, 20, record, log, GINT_TO_POINTER(2));
	assert_true(sim_is_pending(log->sim, a));
	assert_true(sim_cancel(log->sim, a));
	assert_false(sim_is_pending(log->sim, a));
	assert_false(sim_cancel(log->sim, a)); /* twice is harmless */
	assert_false(sim_cancel(log->sim, 0)); /* id 0 is harmless */
	sim_run_until(log->sim, SIM_TIME_MAX);
	assert_int_equal(log->seen->len, 1);
	assert_int_equal(SEEN(log, 0), 2);
}

static void
test_sim_stale_id_does_not_cancel_reused_slot(void **state)
{
	struct log *log = *state;
	sim_event_id a = sim_schedule(log->sim, 10, record, log, GINT_TO_POINTER(1));
	sim_run_until(log->sim, SIM_TIME_MAX);
	sim_event_id b = sim_schedule(log->sim, 10, record, log, GINT_TO_POINTER(2));
	assert_int_not_equal(a, b);
	assert_false(sim_cancel(log->sim, a));
	assert_true(sim_is_pending(log->sim, b));
	sim_run_until(log->sim, SIM_TIME_MAX);
	assert_int_equal(log->seen->len, 2);
}

static void
test_sim_run_until_stops_at_end_and_advances_clock(void **state)
{
	struct log *log = *state;
	sim_schedule(log->sim, 10, record, log, GINT_TO_POINTER(1));
	sim_schedule(log->sim, 100, record, log, GINT_TO_POINTER(2));
	assert_int_equal(sim_run_until(log->sim, 50), 1);
	assert_int_equal(sim_now(log->sim), 50);
	assert_int_equal(sim_events_pending(log->sim), 1);
	assert_int_equal(sim_event_time(log->sim, 0), -1);
	sim_run_until(log->sim, 100); /* an event exactly at the end fires */
	assert_int_equal(log->seen->len, 2);
}

static void
chain(struct sim *sim, void *a, void *b)
{
	struct log *log = a;
	int n = GPOINTER_TO_INT(b);
	g_array_append_val(log->seen, n);
	if (n < 5)
		sim_schedule(sim, 0, chain, log, GINT_TO_POINTER(n + 1));
	if (n == 3)
		sim_stop(sim);
}

static void
test_sim_stop_returns_after_current_event(void **state)
{
	struct log *log = *state;
	sim_schedule(log->sim, 1, chain, log, GINT_TO_POINTER(1));
	sim_run_until(log->sim, SIM_TIME_MAX);
	assert_true(sim_stopped(log->sim));
	assert_int_equal(log->seen->len, 3);
	sim_run_until(log->sim, SIM_TIME_MAX);
	assert_int_equal(log->seen->len, 5);
}

static void
test_sim_heap_keeps_order_under_random_load(void **state)
{
	struct log *log = *state;
	GRand *r = g_rand_new_with_seed(7);
	sim_event_id ids[2000];
	for (int i = 0; i < 2000; i++)
		ids[i] = sim_schedule(log->sim, g_rand_int_range(r, 0, 1000), record, log,
				      GINT_TO_POINTER(i));
	for (int i = 0; i < 2000; i += 3)
		sim_cancel(log->sim, ids[i]);
	sim_time_t last = 0;
	while (sim_events_pending(log->sim)) {
		/* Step one event at a time and check the clock never goes back. */
		guint before = log->seen->len;
		sim_time_t next = SIM_TIME_MAX;
		for (int i = 0; i < 2000; i++) {
			sim_time_t t = sim_event_time(log->sim, ids[i]);
			if (t >= 0 && t < next)
				next = t;
		}
		sim_run_until(log->sim, next);
		assert_true(log->seen->len > before);
		assert_true(sim_now(log->sim) >= last);
		last = sim_now(log->sim);
	}
	assert_int_equal(log->seen->len, 2000 - 667);
	g_rand_free(r);
}

static void
respin(struct sim *sim, void *a, void *b)
{
	(*(int *)a)++;
	sim_schedule(sim, 0, respin, a, NULL);
}

/* An event that keeps rescheduling itself at the same instant stops the run
 * ("stalled"), and the next event is kept for the message. */
static void
test_sim_events_at_one_instant_are_limited(void **state)
{
	struct sim *sim = sim_new(1);
	int n = 0;
	sim_set_instant_limit(sim, 1000);
	sim_schedule(sim, 5, respin, &n, NULL);
	sim_run_until(sim, SIM_S);
	sim_event_fn fn = NULL;
	void *a = NULL;
	assert_true(sim_stalled(sim, &fn, &a, NULL));
	assert_ptr_equal(fn, respin);
	assert_ptr_equal(a, &n);
	assert_int_equal(n, 1001);
	assert_int_equal(sim_now(sim), 5);
	sim_free(sim);
}

/* respin through sim_schedule_next, as cpu_item_done runs its chain: each
 * continuation run in place counts as an event at the instant */
static void
respin_next(struct sim *sim, void *a, void *b)
{
	do
		(*(int *)a)++;
	while (sim_schedule_next(sim, 0, respin_next, a, NULL) == 0);
}

/* Continuations at the same instant run in place (sim_schedule_next with
 * delay 0) count towards the instant limit exactly as queued ones do: the
 * run stops at the same event, after the same number of them. */
static void
test_sim_schedule_next_at_one_instant_is_limited(void **state)
{
	struct sim *sim = sim_new(1);
	int n = 0;
	sim_set_instant_limit(sim, 1000);
	sim_schedule(sim, 5, respin_next, &n, NULL);
	uint64_t ran = sim_run_until(sim, SIM_S);
	sim_event_fn fn = NULL;
	void *a = NULL;
	assert_true(sim_stalled(sim, &fn, &a, NULL));
	assert_ptr_equal(fn, respin_next);
	assert_ptr_equal(a, &n);
	assert_int_equal(n, 1001);
	assert_int_equal(ran, 1001);
	assert_int_equal(sim_now(sim), 5);
	sim_free(sim);
}

/* With another event pending at the same instant, a continuation goes
 * through the queue behind it (it was scheduled first). */
static void
note_order(struct sim *sim, void *a, void *b)
{
	int *log = a;
	log[log[0]++ + 1] = (int)(intptr_t)b;
	if ((intptr_t)b == 1) {
		sim_schedule(sim, 0, note_order, a, (void *)(intptr_t)2);
		assert_int_not_equal(sim_schedule_next(sim, 0, note_order, a, (void *)(intptr_t)3),
				     0);
	}
}

static void
test_sim_schedule_next_at_one_instant_keeps_order(void **state)
{
	struct sim *sim = sim_new(1);
	int log[8] = { 0 };
	sim_schedule(sim, 5, note_order, log, (void *)(intptr_t)1);
	sim_run_until(sim, SIM_S);
	assert_int_equal(log[0], 3);
	assert_int_equal(log[1], 1);
	assert_int_equal(log[2], 2);
	assert_int_equal(log[3], 3);
	sim_free(sim);
}

/* log[0] entries follow: the clock at each step of the chain below */
static void
chain_log(struct sim *sim, void *a, void *b)
{
	int *log = a;
	log[log[0]++ + 1] = (int)sim_now(sim);
}

/* At 5: an event at 15, then continuations 4 ns apart.  The first two run
 * in place (9, 13); the third (17) comes after the event at 15, which was
 * scheduled during the chain, and so goes through the queue. */
static void
chain_start(struct sim *sim, void *a, void *b)
{
	chain_log(sim, a, b);
	sim_schedule(sim, 10, chain_log, a, NULL);
	assert_int_equal(sim_schedule_next(sim, 4, chain_log, a, NULL), 0);
	chain_log(sim, a, b);
	assert_int_equal(sim_schedule_next(sim, 4, chain_log, a, NULL), 0);
	chain_log(sim, a, b);
	assert_int_not_equal(sim_schedule_next(sim, 4, chain_log, a, NULL), 0);
}

static void
test_sim_schedule_next_goes_behind_an_event_scheduled_meanwhile(void **state)
{
	struct sim *sim = sim_new(1);
	int log[8] = { 0 };
	sim_schedule(sim, 5, chain_start, log, NULL);
	assert_int_equal(sim_run_until(sim, SIM_S), 5);
	assert_int_equal(log[0], 5);
	assert_int_equal(log[1], 5);
	assert_int_equal(log[2], 9);
	assert_int_equal(log[3], 13);
	assert_int_equal(log[4], 15);
	assert_int_equal(log[5], 17);
	sim_free(sim);
}

/* A continuation past the run's end is queued, and the run ends on time. */
static void
chain_past_end(struct sim *sim, void *a, void *b)
{
	assert_int_not_equal(sim_schedule_next(sim, 200, chain_log, a, NULL), 0);
}

static void
test_sim_schedule_next_past_the_end_is_queued(void **state)
{
	struct sim *sim = sim_new(1);
	int log[4] = { 0 };
	sim_schedule(sim, 5, chain_past_end, log, NULL);
	assert_int_equal(sim_run_until(sim, 100), 1);
	assert_int_equal(sim_now(sim), 100);
	assert_int_equal(log[0], 0);
	assert_int_equal(sim_run_until(sim, SIM_S), 1);
	assert_int_equal(log[0], 1);
	assert_int_equal(log[1], 205);
	sim_free(sim);
}

static void
noop(struct sim *sim, void *a, void *b)
{
	(*(int *)a)++;
}

/* A delay past the end of time is "never", not an overflow into the past. */
static void
test_sim_schedule_saturates_at_end_of_time(void **state)
{
	struct sim *sim = sim_new(1);
	int n = 0;
	sim_run_until(sim, 10);
	sim_event_id id = sim_schedule(sim, SIM_TIME_MAX, noop, &n, NULL);
	assert_int_equal(sim_event_time(sim, id), SIM_TIME_MAX);
	sim_run_until(sim, SIM_S);
	assert_int_equal(n, 0);
	assert_false(sim_stalled(sim, NULL, NULL, NULL));
	sim_free(sim);
}

/* A workload where events schedule and cancel events (the dispatching
 * event's key is replaced in place by the first one it schedules): every
 * event fires once, in time order, and at one time in the order it was
 * scheduled. */
struct chain {
	struct sim *sim;
	GRand *r;
	int order; /* scheduling order, the next number to hand out */
	int left;  /* events still to schedule */
	sim_time_t last_at;
	int last_order;
	int fired;
	sim_event_id victim;
	bool wide; /* mixed_fire: delays up to seconds too */
};

static void chain_fire(struct sim *sim, void *a, void *b);

static void
chain_add(struct chain *c, sim_time_t delay)
{
	c->left--;
	c->victim = sim_schedule(c->sim, delay, chain_fire, c, GINT_TO_POINTER(c->order++));
}

static void
chain_fire(struct sim *sim, void *a, void *b)
{
	struct chain *c = a;
	int order = GPOINTER_TO_INT(b);
	assert_true(sim_now(sim) >= c->last_at);
	if (sim_now(sim) == c->last_at)
		assert_true(order > c->last_order);
	c->last_at = sim_now(sim);
	c->last_order = order;
	c->fired++;
	int k = g_rand_int_range(c->r, 0, 3);
	for (int i = 0; i < k && c->left > 0; i++)
		chain_add(c, g_rand_int_range(c->r, 0, 4) * 10);
	if (g_rand_int_range(c->r, 0, 8) == 0 && sim_cancel(sim, c->victim))
		c->fired++; /* counted as done: it will not fire */
}

static void
test_sim_events_scheduled_by_events_keep_time_then_insertion_order(void **state)
{
	struct chain c = {
		.sim = sim_new(1), .r = g_rand_new_with_seed(7), .left = 20000, .last_order = -1
	};
	for (int i = 0; i < 8; i++)
		chain_add(&c, i * 5);
	while (c.left > 0 && sim_events_pending(c.sim))
		sim_run_until(c.sim, sim_now(c.sim) + 1000);
	sim_run_until(c.sim, SIM_TIME_MAX);
	assert_int_equal(c.fired, c.order);
	assert_int_equal(sim_events_pending(c.sim), 0);
	g_rand_free(c.r);
	sim_free(c.sim);
}

/* The same with about 40 events pending, most of them due within a few
 * tens of nanoseconds (a CPU item's end) and the rest far ahead (timers):
 * more near events than the near queue holds, so keys move between it and
 * the heap (sim.c) in every way, and the order is still (time, insertion). */
static void
mixed_fire(struct sim *sim, void *a, void *b)
{
	struct chain *c = a;
	int order = GPOINTER_TO_INT(b);
	assert_true(sim_now(sim) >= c->last_at);
	if (sim_now(sim) == c->last_at)
		assert_true(order > c->last_order);
	c->last_at = sim_now(sim);
	c->last_order = order;
	c->fired++;
	int k = sim_events_pending(sim) < 40 ? 2 : 1;
	for (int i = 0; i < k && c->left > 0; i++) {
		sim_time_t delay = g_rand_int_range(c->r, 0, 10) < 7
			? g_rand_int_range(c->r, 0, 40)
			: g_rand_int_range(c->r, 1000, 50000);
		if (c->wide && g_rand_int_range(c->r, 0, 4) == 0) /* far: the wheel and beyond */
			delay = (sim_time_t)g_rand_int_range(c->r, 0, 1 << 20) *
				g_rand_int_range(c->r, 1, 300);
		c->left--;
		c->victim = sim_schedule(sim, delay, mixed_fire, c, GINT_TO_POINTER(c->order++));
	}
	if (g_rand_int_range(c->r, 0, 8) == 0 && sim_cancel(sim, c->victim))
		c->fired++; /* counted as done: it will not fire */
}

/* Schedules 40 events, every other one @spread ns apart, whose handlers
 * (mixed_fire) schedule the rest of 200,000; runs in steps of @step ns and
 * checks that every event fired, in (time, insertion) order. */
static void
run_chain(bool wide, guint32 seed, sim_time_t spread, sim_time_t step)
{
	struct chain c = { .sim = sim_new(1),
			   .r = g_rand_new_with_seed(seed),
			   .left = 200000,
			   .last_order = -1,
			   .wide = wide };
	for (int i = 0; i < 40; i++) {
		c.left--;
		sim_schedule(c.sim, i % 2 ? i : spread * i, mixed_fire, &c,
			     GINT_TO_POINTER(c.order++));
	}
	while (c.left > 0 && sim_events_pending(c.sim))
		sim_run_until(c.sim, sim_now(c.sim) + step);
	sim_run_until(c.sim, SIM_TIME_MAX);
	assert_int_equal(c.left, 0);
	assert_int_equal(c.fired, c.order);
	assert_int_equal(sim_events_pending(c.sim), 0);
	g_rand_free(c.r);
	sim_free(c.sim);
}

static void
test_sim_near_and_far_events_keep_time_then_insertion_order(void **state)
{
	run_chain(false, 11, 1000, 777);
}

/* The same with a quarter of the new events up to 0.3 s ahead: keys in
 * every bucket of the wheel (sim.c), around it as the clock moves, and
 * beyond it in the heap, and the order is still (time, insertion). */
static void
test_sim_wheel_and_heap_keep_time_then_insertion_order(void **state)
{
	run_chain(true, 13, 1000000, 77777);
}

static void
nested_run(struct sim *sim, void *a, void *b)
{
	struct log *log = a;
	record(sim, a, b);
	sim_run_until(sim, 12); /* nothing is due: only the clock moves */
	sim_schedule(sim, 1, record, log, GINT_TO_POINTER(2));
}

/* sim_run_until called from an event runs what is due, and the outer run
 * goes on with the rest; nothing fires twice or is lost. */
static void
test_sim_run_until_inside_an_event_runs_the_rest_once(void **state)
{
	struct log *log = *state;
	sim_schedule(log->sim, 10, nested_run, log, GINT_TO_POINTER(1));
	sim_schedule(log->sim, 15, record, log, GINT_TO_POINTER(3));
	sim_schedule(log->sim, 30, record, log, GINT_TO_POINTER(4));
	assert_int_equal(sim_run_until(log->sim, SIM_TIME_MAX), 4);
	assert_int_equal(log->seen->len, 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(SEEN(log, i), i + 1);
	assert_int_equal(sim_now(log->sim), 30);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sim_events_fire_in_time_order, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sim_same_time_fires_in_insertion_order, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sim_cancelled_event_never_fires, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sim_stale_id_does_not_cancel_reused_slot,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_sim_run_until_stops_at_end_and_advances_clock,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_sim_stop_returns_after_current_event, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sim_heap_keeps_order_under_random_load, setup,
						teardown),
		cmocka_unit_test(test_sim_events_at_one_instant_are_limited),
		cmocka_unit_test(test_sim_schedule_next_at_one_instant_is_limited),
		cmocka_unit_test(test_sim_schedule_next_at_one_instant_keeps_order),
		cmocka_unit_test(test_sim_schedule_next_goes_behind_an_event_scheduled_meanwhile),
		cmocka_unit_test(test_sim_schedule_next_past_the_end_is_queued),
		cmocka_unit_test(
			test_sim_events_scheduled_by_events_keep_time_then_insertion_order),
		cmocka_unit_test(test_sim_near_and_far_events_keep_time_then_insertion_order),
		cmocka_unit_test(test_sim_wheel_and_heap_keep_time_then_insertion_order),
		cmocka_unit_test_setup_teardown(
			test_sim_run_until_inside_an_event_runs_the_rest_once, setup, teardown),
		cmocka_unit_test(test_sim_schedule_saturates_at_end_of_time),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
