/*
 * tests/test_sim_check.c - sim_check, the event queue's checker, fails on a
 * corrupted queue (the checked build, configure --enable-checks).
 *
 * The queue's slots and heap are private to sim/sim.c, so this program
 * compiles sim/sim.c itself (a white-box test, as Linux's KUnit tests
 * include the file they test) and corrupts them on purpose.  It links
 * nothing else of netsim.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <glib.h>

#include "sim/sim.c"
#include "tests/stack_test.h"

static void
nop(struct sim *sim, void *a, void *b)
{
}

static int
setup(void **state)
{
	struct sim *sim = sim_new(1);
	/* 40 events over a second, 10 of them cancelled: the heap holds stale
	 * entries too */
	sim_event_id ids[40];
	for (int i = 0; i < 40; i++)
		ids[i] = sim_schedule(sim, (i * 7919) % 1000 * SIM_MS, nop, NULL, NULL);
	for (int i = 0; i < 40; i += 4)
		sim_cancel(sim, ids[i]);
	sim_run_until(sim, 300 * SIM_MS);
	/* 30 within the wheel's reach: the near queue's latest move to the wheel */
	sim_event_id last = 0;
	for (int i = 0; i < 30; i++)
		last = sim_schedule(sim, (1 + (i * 37) % 60) * 10 * SIM_US, nop, NULL, NULL);
	sim_cancel(sim, last); /* a free slot */
	*state = sim;
	return 0;
}

static int
teardown(void **state)
{
	sim_free(*state);
	return 0;
}

/* A sound queue passes: in every state the setup went through, and now. */
static void
test_sim_check_passes_a_sound_queue(void **state)
{
	struct sim *sim = *state;
	sim_check(sim, "test");
	assert_true(sim->nheap > 0 && sim_events_pending(sim) > 0);
	assert_true(sim->nnear >= 2); /* the events due first wait apart from the heap */
	assert_true(sim->nwheel > 0); /* and the next ones in the wheel */
}

enum corruption {
	HEAP_ORDER,
	NEAR_ORDER,
	IN_THE_PAST,
	LOST_ENTRY,
	TWO_ENTRIES,
	WRONG_TIME,
	FREE_LOOP,
	WHEEL_BUCKET,
	COUNT
};

struct corrupt {
	struct sim *sim;
	enum corruption what;
};

/* A live (not cancelled) heap entry below the root. */
static size_t
live_entry(const struct sim *sim)
{
	for (size_t i = sim->nheap; i-- > 1;) {
		const struct sim_key *k = &sim->heap[i];
		if (sim->slots[key_slot(k)].tag == k->tag)
			return i;
	}
	fail_msg("no live entry below the root");
	return 0;
}

static void
do_corrupt(void *arg)
{
	struct corrupt *c = arg;
	struct sim *sim = c->sim;
	size_t i = live_entry(sim);
	struct sim_key *k = &sim->heap[i];
	switch (c->what) {
	case HEAP_ORDER:
		/* an entry earlier than the root: the next push's check finds it */
		sim->slots[key_slot(k)].at = k->at = sim->heap[0].at - 1;
		sim_schedule(sim, 1000 * SIM_S, nop, NULL, NULL); /* stays a leaf */
		return;
	case NEAR_ORDER: {
		/* the near queue's next and latest keys swapped */
		g_assert(sim->nnear >= 2);
		struct sim_key t = sim->near[0];
		sim->near[0] = sim->near[sim->nnear - 1];
		sim->near[sim->nnear - 1] = t;
		break;
	}
	case IN_THE_PAST:
		/* the whole queue lies before the clock */
		sim->now = SIM_TIME_MAX;
		break;
	case LOST_ENTRY:
		k->tag -= SEQ_ONE; /* the entry looks stale, its event is still pending */
		break;
	case TWO_ENTRIES:
		/* the same event pushed twice; the next schedule's check finds it */
		heap_push(sim, *k);
		sim_schedule(sim, 1000 * SIM_S, nop, NULL, NULL);
		return;
	case WRONG_TIME: sim->slots[key_slot(k)].at++; break;
	case FREE_LOOP: {
		g_assert(sim->free_head);
		sim->slots[sim->free_head - 1].next_free = sim->free_head;
		break;
	}
	case WHEEL_BUCKET: {
		/* a wheel entry and its event a bucket later, in the same bucket */
		uint32_t b = wheel_first(sim);
		struct sim_key *w = &sim->wnodes[sim->wheel[b].head - 1].key;
		w->at += (sim_time_t)1 << WHEEL_SHIFT;
		sim->slots[key_slot(w)].at = w->at;
		break;
	}
	case COUNT: sim->live++; break;
	}
	sim_check(sim, "test");
}

static void
expect_corruption(struct sim *sim, enum corruption what, const char *caller, const char *msg)
{
	if (!ns_checks_enabled() && strcmp(caller, "test") != 0)
		skip(); /* the mutation's own check is compiled out */
	struct corrupt c = { sim, what };
	const char *const needles[] = { caller, "event queue check failed", msg, NULL };
	expect_abort(do_corrupt, &c, needles);
}

static void
test_sim_check_aborts_on_an_entry_before_its_parent(void **state)
{
	expect_corruption(*state, HEAP_ORDER, "heap_push", "fires before its parent");
}

static void
test_sim_check_aborts_on_a_near_queue_out_of_order(void **state)
{
	expect_corruption(*state, NEAR_ORDER, "test", "near queue is out of order");
}

static void
test_sim_check_aborts_on_an_event_in_the_past(void **state)
{
	expect_corruption(*state, IN_THE_PAST, "test", "in the past of the clock");
}

static void
test_sim_check_aborts_on_a_pending_event_without_entry(void **state)
{
	expect_corruption(*state, LOST_ENTRY, "test", "pending event has no heap entry");
}

static void
test_sim_check_aborts_on_a_pending_event_with_two_entries(void **state)
{
	expect_corruption(*state, TWO_ENTRIES, "sim_schedule", "two heap entries");
}

static void
test_sim_check_aborts_on_an_entry_at_the_wrong_time(void **state)
{
	expect_corruption(*state, WRONG_TIME, "test", "time is not its event's");
}

static void
test_sim_check_aborts_on_a_free_list_loop(void **state)
{
	expect_corruption(*state, FREE_LOOP, "test", "free list");
}

static void
test_sim_check_aborts_on_a_wheel_entry_in_the_wrong_bucket(void **state)
{
	expect_corruption(*state, WHEEL_BUCKET, "test", "in the wrong bucket");
}

static void
test_sim_check_aborts_on_a_wrong_pending_count(void **state)
{
	expect_corruption(*state, COUNT, "test", "count of pending events");
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_sim_check_passes_a_sound_queue),
		T(test_sim_check_aborts_on_an_entry_before_its_parent),
		T(test_sim_check_aborts_on_a_near_queue_out_of_order),
		T(test_sim_check_aborts_on_an_event_in_the_past),
		T(test_sim_check_aborts_on_a_pending_event_without_entry),
		T(test_sim_check_aborts_on_a_pending_event_with_two_entries),
		T(test_sim_check_aborts_on_an_entry_at_the_wrong_time),
		T(test_sim_check_aborts_on_a_free_list_loop),
		T(test_sim_check_aborts_on_a_wheel_entry_in_the_wrong_bucket),
		T(test_sim_check_aborts_on_a_wrong_pending_count),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
