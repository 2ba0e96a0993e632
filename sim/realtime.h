/*
 * sim/realtime.h - pacing the virtual clock to the wall clock.
 *
 * Linux counterpart: none.  ns-3's RealtimeSimulatorImpl does the same for
 * its TapBridge: between frames from the outside the run stays
 * discrete-event, but the clock may not move past the wall clock.
 *
 * A struct realtime installs itself as the engine's pacer (sim_set_pacer).
 * Virtual time t is due at wall time origin + t, where origin is the
 * monotonic clock when the clock first moves.  Before the clock moves to
 * the next event the pacer waits with ppoll on the file descriptors it
 * watches (TAP devices, sim/tap.h), with the time left as timeout; a
 * readable descriptor's callback gets the virtual time of the moment it
 * became readable and schedules what it read there.
 *
 * Falling behind: when an event is due at a wall time already past, it
 * runs at once (late).  Nothing is dropped or skipped; the lag is measured:
 * a step more than REALTIME_LATE_NS late counts as late, and every
 * transition from on time to late starts a new "behind" episode.  The
 * descriptors are still polled (without waiting, at most every
 * REALTIME_POLL_LATE_NS of wall time) so frames keep coming in.
 *
 * Waits shorter than REALTIME_SLACK_NS are not slept: a sleep that short
 * overshoots by more than it waits (timer slack, the scheduler), so the
 * clock may run up to that much ahead of the wall clock.
 */
#ifndef NETSIM_SIM_REALTIME_H
#define NETSIM_SIM_REALTIME_H

#include <stdbool.h>
#include <stdint.h>
#include "sim/sim.h"

#define REALTIME_LATE_NS (1 * SIM_MS)
#define REALTIME_SLACK_NS (50 * SIM_US)
#define REALTIME_POLL_LATE_NS (100 * SIM_US)
#define REALTIME_MAX_FDS 16

/* @fd is readable; @when is the virtual time it was seen so (>= sim_now).
 * Returns false to stop watching it (the device went away). */
typedef bool (*realtime_readable_fn)(void *ctx, sim_time_t when);

struct realtime_stats {
	uint64_t steps;	     /* clock advances paced */
	uint64_t late_steps; /* ... that came more than REALTIME_LATE_NS late */
	uint64_t episodes;   /* times the run fell behind */
	sim_time_t lag_max;  /* the largest lag seen */
	sim_time_t lag;	     /* the lag at the last step (0 when on time) */
	uint64_t sleeps;     /* waits for the wall clock or a descriptor */
	uint64_t wakeups;    /* ... that a readable descriptor ended */
	sim_time_t idle;     /* wall time spent waiting */
};

struct realtime;

/* Pace @sim from now on.  One per engine. */
struct realtime *realtime_new(struct sim *sim);
/* Remove the pacer; the descriptors are the caller's to close. */
void realtime_free(struct realtime *rt);
/* Watch @fd (non-blocking) for input.  At most REALTIME_MAX_FDS.  Returns
 * a handle for realtime_pause. */
int realtime_watch(struct realtime *rt, int fd, realtime_readable_fn fn, void *ctx);
/* Stop (@paused) or resume looking at a watched descriptor: a reader with
 * no room leaves the input where it is (backpressure).  A resumed one is
 * looked at in the next step, even one that comes late. */
void realtime_pause(struct realtime *rt, int handle, bool paused);
void realtime_stats(const struct realtime *rt, struct realtime_stats *out);
/* Virtual time now by the wall clock (the clock's target), for tests. */
sim_time_t realtime_wall_now(const struct realtime *rt);

#endif
