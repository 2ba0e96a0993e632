/*
 * tests/test_realtime.c - the engine's pacer hook (sim_set_pacer), the
 * real-time pacer over a pipe (sim/realtime.h), and the TAP set-up's
 * errors that need no privilege (sim/tap.h).
 *
 * The hook is tested with a fake pacer that never looks at a clock.  The
 * pipe tests let the real pacer wait at most a few milliseconds of wall
 * time, and assert only orders and bounds that hold however late the
 * machine wakes us.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <glib.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "sim/realtime.h"
#include "sim/sim.h"
#include "sim/tap.h"

struct log {
	struct sim *sim;
	GArray *seen;	 /* what happened, as ints */
	GArray *nexts;	 /* the @next of every pacer call */
	int inject_at;	 /* fake pacer: schedule event 99 here on its first call (ms) */
	bool stop_first; /* fake pacer: stop the run on its first call */
	int fd[2];
	sim_time_t read_when;
	int reads;
};

static void
record(struct sim *sim, void *a, void *b)
{
	struct log *log = a;
	int v = GPOINTER_TO_INT(b);
	g_array_append_val(log->seen, v);
}

static sim_time_t
fake_pacer(struct sim *sim, sim_time_t next, void *ctx)
{
	struct log *log = ctx;
	bool first = log->nexts->len == 0;
	g_array_append_val(log->nexts, next);
	if (first && log->stop_first) {
		sim_stop(sim);
		return sim_now(sim);
	}
	if (first && log->inject_at) {
		sim_time_t t = log->inject_at * SIM_MS;
		sim_schedule_at(sim, t, record, log, GINT_TO_POINTER(99));
		return t;
	}
	return next;
}

static int
setup(void **state)
{
	struct log *log = g_new0(struct log, 1);
	log->sim = sim_new(1);
	log->seen = g_array_new(FALSE, FALSE, sizeof(int));
	log->nexts = g_array_new(FALSE, FALSE, sizeof(sim_time_t));
	log->fd[0] = log->fd[1] = -1;
	*state = log;
	return 0;
}

static int
teardown(void **state)
{
	struct log *log = *state;
	sim_free(log->sim);
	g_array_free(log->seen, TRUE);
	g_array_free(log->nexts, TRUE);
	if (log->fd[0] >= 0) {
		close(log->fd[0]);
		close(log->fd[1]);
	}
	g_free(log);
	return 0;
}

#define SEEN(log, i) g_array_index((log)->seen, int, i)
#define NEXT(log, i) g_array_index((log)->nexts, sim_time_t, i)

static void
test_pacer_is_asked_before_each_clock_step_and_for_the_end(void **state)
{
	struct log *log = *state;
	sim_set_pacer(log->sim, fake_pacer, log);
	sim_schedule_at(log->sim, 10 * SIM_MS, record, log, GINT_TO_POINTER(1));
	sim_schedule_at(log->sim, 10 * SIM_MS, record, log, GINT_TO_POINTER(2));
	sim_schedule_at(log->sim, 20 * SIM_MS, record, log, GINT_TO_POINTER(3));
	sim_run_until(log->sim, 30 * SIM_MS);
	/* once per distinct time, not per event; then for the empty queue's end */
	assert_int_equal(log->nexts->len, 3);
	assert_int_equal(NEXT(log, 0), 10 * SIM_MS);
	assert_int_equal(NEXT(log, 1), 20 * SIM_MS);
	assert_int_equal(NEXT(log, 2), 30 * SIM_MS);
	assert_int_equal(log->seen->len, 3);
	assert_int_equal(sim_now(log->sim), 30 * SIM_MS);
}

static void
test_pacer_event_before_next_runs_first(void **state)
{
	struct log *log = *state;
	log->inject_at = 5;
	sim_set_pacer(log->sim, fake_pacer, log);
	sim_schedule_at(log->sim, 10 * SIM_MS, record, log, GINT_TO_POINTER(1));
	sim_run_until(log->sim, 10 * SIM_MS);
	assert_int_equal(log->seen->len, 2);
	assert_int_equal(SEEN(log, 0), 99);
	assert_int_equal(SEEN(log, 1), 1);
}

static void
test_pacer_stop_ends_the_run_without_moving_the_clock(void **state)
{
	struct log *log = *state;
	log->stop_first = true;
	sim_set_pacer(log->sim, fake_pacer, log);
	sim_schedule_at(log->sim, 10 * SIM_MS, record, log, GINT_TO_POINTER(1));
	sim_run_until(log->sim, 20 * SIM_MS);
	assert_true(sim_stopped(log->sim));
	assert_int_equal(sim_now(log->sim), 0);
	assert_int_equal(log->seen->len, 0);
	sim_set_pacer(log->sim, NULL, NULL); /* unpaced: the clock jumps again */
	sim_run_until(log->sim, 20 * SIM_MS);
	assert_int_equal(log->seen->len, 1);
	assert_int_equal(sim_now(log->sim), 20 * SIM_MS);
}

/* The real pacer: a readable pipe is read at a time between now and the next event. */
static bool
on_readable(void *ctx, sim_time_t when)
{
	struct log *log = ctx;
	char c;
	while (read(log->fd[0], &c, 1) == 1)
		log->reads++;
	log->read_when = when;
	sim_schedule_at(log->sim, when, record, log, GINT_TO_POINTER(7));
	return true;
}

static void
test_realtime_reads_input_before_the_next_event(void **state)
{
	struct log *log = *state;
	assert_int_equal(pipe2(log->fd, O_NONBLOCK), 0);
	assert_int_equal(write(log->fd[1], "xy", 2), 2);
	struct realtime *rt = realtime_new(log->sim);
	realtime_watch(rt, log->fd[0], on_readable, log);
	sim_schedule_at(log->sim, 3 * SIM_MS, record, log, GINT_TO_POINTER(1));
	sim_run_until(log->sim, 3 * SIM_MS);
	assert_int_equal(log->reads, 2);
	assert_true(log->read_when >= 0 && log->read_when <= 3 * SIM_MS);
	assert_int_equal(log->seen->len, 2);
	assert_int_equal(SEEN(log, 0), 7); /* the input, then the event */
	assert_int_equal(SEEN(log, 1), 1);
	struct realtime_stats st;
	realtime_stats(rt, &st);
	assert_true(st.steps >= 1);
	assert_true(st.wakeups >= 1);
	/* the wall clock has reached the end: the run never ran ahead by more than the slack */
	assert_true(realtime_wall_now(rt) >= 3 * SIM_MS - REALTIME_SLACK_NS);
	realtime_free(rt);
}

static void
test_realtime_pause_leaves_input_unread(void **state)
{
	struct log *log = *state;
	assert_int_equal(pipe2(log->fd, O_NONBLOCK), 0);
	assert_int_equal(write(log->fd[1], "z", 1), 1);
	struct realtime *rt = realtime_new(log->sim);
	int h = realtime_watch(rt, log->fd[0], on_readable, log);
	realtime_pause(rt, h, true);
	sim_run_until(log->sim, 2 * SIM_MS);
	assert_int_equal(log->reads, 0);
	realtime_pause(rt, h, false);
	sim_run_until(log->sim, 4 * SIM_MS);
	assert_int_equal(log->reads, 1);
	realtime_free(rt);
}

static void
test_tap_open_names_a_missing_namespace(void **state)
{
	struct log *log = *state;
	struct tap_config c;
	tap_config_init(&c);
	c.dev = "nstest0";
	c.netns = "netsim-no-such-namespace";
	GError *error = NULL;
	assert_null(tap_open(log->sim, &c, &error));
	assert_non_null(error);
	assert_int_equal(error->code, TAP_ERROR_NETNS);
	assert_non_null(strstr(error->message, "ip netns add netsim-no-such-namespace"));
	g_error_free(error);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_pacer_is_asked_before_each_clock_step_and_for_the_end, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_pacer_event_before_next_runs_first, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_pacer_stop_ends_the_run_without_moving_the_clock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_realtime_reads_input_before_the_next_event,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_realtime_pause_leaves_input_unread, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tap_open_names_a_missing_namespace, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
