/*
 * sim/sim.h - the discrete-event engine: virtual time and the event queue.
 *
 * One struct sim is one world: a virtual clock in int64 nanoseconds and a
 * queue of pending events ordered by (time, insertion sequence), so two
 * events at the same instant always fire in the order they were scheduled.
 * Timers are ordinary events that can be cancelled in O(1); an event id of 0
 * is never issued and cancelling it is harmless.  Modelled on ns-3's
 * Simulator::Schedule/Now/Cancel and on Redis's ae.c for its smallness.
 *
 * There are no globals: every call takes the world, so two worlds can live
 * side by side in one test.
 */
#ifndef NETSIM_SIM_SIM_H
#define NETSIM_SIM_SIM_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "sim/check.h"

typedef int64_t sim_time_t; /* virtual nanoseconds since the start of the run */

#define SIM_NS ((sim_time_t)1)
#define SIM_US ((sim_time_t)1000)
#define SIM_MS ((sim_time_t)1000000)
#define SIM_S ((sim_time_t)1000000000)
#define SIM_TIME_MAX INT64_MAX

typedef uint64_t sim_event_id; /* 0 is never a valid id */

struct sim;

/* An event handler.  @a and @b are the two pointers given to sim_schedule. */
typedef void (*sim_event_fn)(struct sim *sim, void *a, void *b);

struct sim *sim_new(uint64_t seed);
void sim_free(struct sim *sim);

/* The first members of struct sim (sim.c checks them): the clock, read
 * inline since almost every event asks for it, and what
 * sim_schedule_next's usual case reads and writes. */
struct sim_head {
	sim_time_t now;
	sim_time_t direct_until; /* a continuation at or before it runs in place; -1: none */
	uint64_t at_instant;	 /* events dispatched since the clock last moved */
	uint64_t direct;	 /* events run in place this run */
};

static inline sim_time_t
sim_now(const struct sim *sim)
{
	return ((const struct sim_head *)(const void *)sim)->now;
}
uint64_t sim_seed(const struct sim *sim);
/* A number no other engine of this process has had (1 for the first):
 * for work done once per world, such as installing signal handlers. */
uint64_t sim_serial(const struct sim *sim);
/* The CPU model's per-world data (sim/cpu.c: the cost tables its CPUs
 * share), kept by the world so that it lives as long as the CPUs that
 * point into it; @destroy frees it at sim_free. */
void *sim_cpu_shared(const struct sim *sim);
void sim_set_cpu_shared(struct sim *sim, void *data, void (*destroy)(void *data));

/* Schedule @fn(@a, @b) @delay ns from now (delay >= 0). Never fails. */
sim_event_id sim_schedule(struct sim *sim, sim_time_t delay, sim_event_fn fn, void *a, void *b);
/* Schedule at an absolute time, which must not be in the past. */
sim_event_id sim_schedule_at(struct sim *sim, sim_time_t when, sim_event_fn fn, void *a, void *b);
/* Cancel a pending event.  Returns true if it was pending.  O(1). */
bool sim_cancel(struct sim *sim, sim_event_id id);
bool sim_is_pending(const struct sim *sim, sim_event_id id);
/* Time at which a pending event fires, or -1. */
sim_time_t sim_event_time(const struct sim *sim, sim_event_id id);

/*
 * Dispatch events in order until the queue is empty, sim_stop is called, or
 * the next event lies after @end.  On return the clock reads @end unless the
 * run was stopped early.  Returns the number of events dispatched.
 */
uint64_t sim_run_until(struct sim *sim, sim_time_t end);
/*
 * sim_schedule for an event handler's last act, scheduling its own
 * continuation (a CPU item's end after the item before): when that event
 * would be the very next one dispatched (every pending event fires after
 * it, the run reaches it, no pacer, no stop, and at the same instant the
 * instant limit is not reached), the clock moves to it at once, it counts
 * as dispatched (sim_events_dispatched, the return of sim_run_until, the
 * instant limit's count), and 0 is returned: the caller runs it now
 * instead, in the order the queue would have given.  Otherwise it is
 * scheduled as by sim_schedule and its id returned.  The caller must do
 * nothing after it but run the continuation.
 */
static inline sim_event_id sim_schedule_next(struct sim *sim, sim_time_t delay, sim_event_fn fn,
					     void *a, void *b);
/* sim_schedule_next's cases that its inline test (at the end of this
 * file) leaves: a continuation at the same instant, or one to queue. */
sim_event_id sim_schedule_next_any(struct sim *sim, sim_time_t delay, sim_event_fn fn, void *a,
				   void *b);
/* Make sim_run_until return after the current event. */
void sim_stop(struct sim *sim);
bool sim_stopped(const struct sim *sim);

/*
 * Virtual time must advance: after @events events at one instant (default
 * SIM_INSTANT_LIMIT_DEFAULT; 0 = no limit) sim_run_until stops with the
 * world "stalled", the event it did not dispatch is kept for the message,
 * and the world cannot run on.
 */
#define SIM_INSTANT_LIMIT_DEFAULT ((uint64_t)10000000)
void sim_set_instant_limit(struct sim *sim, uint64_t events);
/* True once the limit was hit; then *@fn (*@a, *@b) was the next event. */
bool sim_stalled(const struct sim *sim, sim_event_fn *fn, void **a, void **b);
/*
 * Async-signal-safe: every world of the program stops after its current
 * event (Ctrl-C).  sim_run_until returns at once from then on.
 */
void sim_interrupt(void);
bool sim_interrupted(void);
/*
 * Real time (sim/realtime.c): a pacer is called by sim_run_until before the
 * clock moves forward to @next (the next event's time, or the end of the
 * run).  It may wait (for the wall clock) and may schedule events at or
 * after sim_now; it returns the virtual time it reached, from sim_now to
 * @next.  The loop then looks at the queue again, so an event the pacer
 * scheduled before @next runs first.  NULL (the default): no pacing, the
 * clock jumps.
 */
typedef sim_time_t (*sim_pacer_fn)(struct sim *sim, sim_time_t next, void *ctx);
void sim_set_pacer(struct sim *sim, sim_pacer_fn fn, void *ctx);

uint64_t sim_events_dispatched(const struct sim *sim);
size_t sim_events_pending(const struct sim *sim);

/*
 * The event queue's invariants (sim/check.h: run at every heap change in
 * the checked build).  Aborts, naming @caller, the clock and what is wrong,
 * unless: every heap entry fires no earlier than its parent (a 4-ary
 * min-heap on (time, sequence), whose root may be a hole); the near queue
 * is in order and fires before every heap entry; no entry lies before the
 * clock; every pending event has exactly one live entry, at the event's
 * time; every other slot is on the free list exactly once; the pending
 * count is right; no entry fires at or before sim_schedule_next's bound,
 * and the bound is not after the run's end.  O(heap + slots).
 */
void sim_check(const struct sim *sim, const char *caller);

/* Set by sim_interrupt (a signal handler); read inline below. */
extern volatile sig_atomic_t sim_interrupt_flag;
/* sim_schedule_next's usual case inline: a continuation later than now,
 * within the bound the engine keeps up to date (sim.c, direct_bound),
 * runs in place; the rest is sim_schedule_next_any's. */
static inline sim_event_id
sim_schedule_next(struct sim *sim, sim_time_t delay, sim_event_fn fn, void *a, void *b)
{
	struct sim_head *h = (struct sim_head *)(void *)sim;
	if (delay > 0 && delay <= h->direct_until - h->now && !sim_interrupt_flag) {
		h->now += delay;
		h->at_instant = 0;
		h->direct++;
		NS_CHECK(sim_check(sim, "sim_schedule_next"));
		return 0;
	}
	return sim_schedule_next_any(sim, delay, fn, a, b);
}

#endif
