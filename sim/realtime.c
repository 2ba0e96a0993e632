/*
 * sim/realtime.c - pacing the virtual clock to the wall clock (sim/realtime.h).
 *
 * The engine calls pace() before its clock moves to @next.  We sleep in
 * ppoll(2) on the watched descriptors until the wall clock reaches @next or
 * one becomes readable; ppoll takes a timespec, so the wait is not rounded
 * to milliseconds as poll's would be, and the thread's timer slack is set
 * to 1 us (prctl PR_SET_TIMERSLACK) for the run instead of the default
 * 50 us.  A signal (SIGINT) ends the wait with EINTR: we stop the engine's
 * current run so the caller sees its stop request at once.
 */
#include "sim/realtime.h"

#include <errno.h>
#include <glib.h>
#include <poll.h>
#include <sys/prctl.h>
#include <time.h>

struct realtime {
	struct sim *sim;
	bool started;
	int64_t origin;	   /* monotonic ns at virtual time 0 */
	int64_t last_poll; /* monotonic ns of the last look at the descriptors */
	bool behind;
	int old_slack;
	struct pollfd fds[REALTIME_MAX_FDS];
	realtime_readable_fn fn[REALTIME_MAX_FDS];
	void *ctx[REALTIME_MAX_FDS];
	int nfds;
	struct realtime_stats stats;
};

static int64_t
mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * SIM_S + ts.tv_nsec;
}

static void
note_lag(struct realtime *rt, sim_time_t lag)
{
	struct realtime_stats *st = &rt->stats;
	st->lag = lag > 0 ? lag : 0;
	if (st->lag > st->lag_max)
		st->lag_max = st->lag;
	if (st->lag > REALTIME_LATE_NS) {
		st->late_steps++;
		if (!rt->behind)
			st->episodes++;
		rt->behind = true;
	} else {
		rt->behind = false;
	}
}

/*
 * Call the callbacks of readable descriptors with virtual time @when.
 * Returns how many there were.
 */
static int
dispatch_readable(struct realtime *rt, sim_time_t when)
{
	int n = 0;
	for (int i = 0; i < rt->nfds; i++) {
		if (!rt->fds[i].events || !(rt->fds[i].revents & (POLLIN | POLLERR | POLLHUP)))
			continue;
		if (!rt->fn[i](rt->ctx[i], when))
			rt->fds[i].fd = -1; /* ppoll skips it from now on */
		n++;
	}
	return n;
}

/* Wait up to @timeout ns (0: just look).  <0 on EINTR, else readable count. */
static int
wait_fds(struct realtime *rt, int64_t timeout)
{
	struct timespec ts = { .tv_sec = timeout / SIM_S, .tv_nsec = timeout % SIM_S };
	int64_t t0 = mono_ns();
	int r = ppoll(rt->nfds ? rt->fds : NULL, (nfds_t)rt->nfds, &ts, NULL);
	rt->last_poll = mono_ns();
	if (timeout > 0) {
		rt->stats.sleeps++;
		rt->stats.idle += rt->last_poll - t0;
	}
	if (r < 0 && errno != EINTR)
		g_error("realtime: ppoll: %s", g_strerror(errno));
	return r < 0 ? -1 : r;
}

static sim_time_t
pace(struct sim *sim, sim_time_t next, void *arg)
{
	struct realtime *rt = arg;
	sim_time_t now = sim_now(sim);
	int64_t wall = mono_ns();
	if (!rt->started) {
		rt->started = true;
		rt->origin = wall - now;
		rt->last_poll = wall;
	}
	rt->stats.steps++;
	for (;;) {
		wall = mono_ns();
		sim_time_t vnow = wall - rt->origin;
		sim_time_t left = next - vnow; /* next may be far away: no overflow, both >= 0 */
		if (left <= REALTIME_SLACK_NS) {
			note_lag(rt, -left);
			if (wall - rt->last_poll < REALTIME_POLL_LATE_NS || rt->nfds == 0)
				return next;
			int r = wait_fds(rt, 0);
			if (r <= 0)
				return next;
			sim_time_t when = MAX(now, vnow);
			rt->stats.wakeups++;
			dispatch_readable(rt, when);
			return MIN(when, next);
		}
		int64_t timeout = MIN(left, (int64_t)3600 * SIM_S);
		int r = wait_fds(rt, timeout);
		if (r < 0) {
			sim_stop(sim);
			return now;
		}
		if (r > 0) {
			sim_time_t when = MAX(now, MIN(next, mono_ns() - rt->origin));
			note_lag(rt, 0);
			rt->stats.wakeups++;
			dispatch_readable(rt, when);
			return when;
		}
	}
}

struct realtime *
realtime_new(struct sim *sim)
{
	struct realtime *rt = g_new0(struct realtime, 1);
	rt->sim = sim;
	rt->old_slack = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
	prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	sim_set_pacer(sim, pace, rt);
	return rt;
}

void
realtime_free(struct realtime *rt)
{
	if (!rt)
		return;
	sim_set_pacer(rt->sim, NULL, NULL);
	if (rt->old_slack > 0)
		prctl(PR_SET_TIMERSLACK, (unsigned long)rt->old_slack, 0, 0, 0);
	g_free(rt);
}

int
realtime_watch(struct realtime *rt, int fd, realtime_readable_fn fn, void *ctx)
{
	g_assert(rt->nfds < REALTIME_MAX_FDS);
	rt->fds[rt->nfds] = (struct pollfd){ .fd = fd, .events = POLLIN };
	rt->fn[rt->nfds] = fn;
	rt->ctx[rt->nfds] = ctx;
	return rt->nfds++;
}

void
realtime_pause(struct realtime *rt, int handle, bool paused)
{
	g_assert(handle >= 0 && handle < rt->nfds);
	rt->fds[handle].events = paused ? 0 : POLLIN;
	rt->fds[handle].revents = 0;
	if (!paused)
		rt->last_poll = 0; /* look at it at the next step, even when late */
}

void
realtime_stats(const struct realtime *rt, struct realtime_stats *out)
{
	*out = rt->stats;
}

sim_time_t
realtime_wall_now(const struct realtime *rt)
{
	return rt->started ? mono_ns() - rt->origin : sim_now(rt->sim);
}
