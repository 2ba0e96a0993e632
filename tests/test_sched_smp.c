/*
 * tests/test_sched_smp.c - tasks on a host of several CPUs (sim/sched_fair.c):
 * placement at wakeup (select_task_rq_fair's subset), the periodic load
 * balancer pulling a runnable task to an idle CPU, the migration's cost
 * and trace stretch, affinity masks that pin, and determinism.
 *
 * Two CPUs joined as one host's (cpu_smp_join, CPU 0 leading); tasks are
 * loopers that keep submitting items of 100 us to CPU 0, which sends each
 * item to the CPU its task is on.  The busy hook records, per CPU and
 * task, the task time each got, and every stretch named "migrate".
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <glib.h>
#include <string.h>

#include "sim/cpu.h"

#define NT 4

struct fx {
	struct sim *sim;
	struct cpu *c0, *c1;
	struct cpu *this_cpu;  /* the host's "this CPU" slot */
	sim_time_t ran[2][NT]; /* task time by CPU and task */
	unsigned migrates[2];  /* "migrate" stretches by CPU */
	uint64_t digest;       /* of every stretch, in order */
};

static void
busy_hook(void *arg, enum cpu_ctx ctx, const char *name, sim_time_t s, sim_time_t e)
{
	struct fx *fx = arg;
	uint32_t cpu = cpu_stretch_cpu(fx->c0), task = cpu_stretch_task(fx->c0);
	g_assert(cpu < 2);
	if (ctx == CPU_TASK && task < NT)
		fx->ran[cpu][task] += e - s;
	if (strcmp(name, cpu_cost_info[COST_MIGRATE].name) == 0)
		fx->migrates[cpu]++;
	uint64_t v[] = { (uint64_t)ctx, cpu, task, (uint64_t)s, (uint64_t)e };
	for (unsigned i = 0; i < G_N_ELEMENTS(v); i++)
		fx->digest = (fx->digest ^ v[i]) * 1099511628211ull; /* FNV-1a */
}

static struct fx *
fx_new(void)
{
	struct fx *fx = g_new0(struct fx, 1);
	fx->sim = sim_new(1);
	fx->digest = 14695981039346656037ull;
	fx->c0 = cpu_new(fx->sim, "cpu0");
	fx->c1 = cpu_new(fx->sim, "cpu1");
	cpu_set_busy_hook(fx->c0, busy_hook, fx);
	fx->this_cpu = fx->c0;
	cpu_smp_join(fx->c0, NULL, 0, &fx->this_cpu);
	cpu_smp_join(fx->c1, fx->c0, 1, &fx->this_cpu);
	return fx;
}

static void
fx_free(struct fx *fx)
{
	cpu_free(fx->c1);
	cpu_free(fx->c0);
	assert_int_equal(sim_events_pending(fx->sim), 0);
	sim_free(fx->sim);
	g_free(fx);
}

static int
setup(void **state)
{
	*state = fx_new();
	return 0;
}

static int
teardown(void **state)
{
	fx_free(*state);
	return 0;
}

/* A task that keeps a CPU busy with items of 100 us until @until. */
struct looper {
	struct cpu_work w;
	struct fx *fx;
	sim_time_t until;
};

static void
looper_done(struct cpu_work *w)
{
	struct looper *l = w->owner;
	if (sim_now(l->fx->sim) < l->until)
		cpu_submit(l->fx->c0, w, CPU_TASK, 100 * SIM_US);
}

/* Task @task with mask @allowed, started on CPU 0. */
static void
looper_start(struct looper *l, struct fx *fx, uint32_t task, uint64_t allowed, sim_time_t until)
{
	*l = (struct looper){ .fx = fx, .until = until };
	cpu_work_init(&l->w, looper_done, l, "loop");
	l->w.task = task;
	cpu_task_set_allowed(fx->c0, task, allowed);
	cpu_submit(fx->c0, &l->w, CPU_TASK, 100 * SIM_US);
}

/* Two busy tasks start on CPU 0.  The balancing tick at 2 ms (two CPUs:
 * balance_interval 2 ms) finds CPU 1 idle and pulls the waiting one, which
 * then runs there to the end: one migration, paid on CPU 1, and from then
 * on each CPU runs one task (about 18 ms of 20 on CPU 1). */
static void
test_two_busy_tasks_spread_to_both_cpus(void **state)
{
	struct fx *fx = *state;
	struct looper a, b;
	looper_start(&a, fx, 1, 0x3, 20 * SIM_MS);
	looper_start(&b, fx, 2, 0x3, 20 * SIM_MS);
	sim_run_until(fx->sim, 30 * SIM_MS);
	assert_int_equal(cpu_migrations(fx->c1), 1);
	assert_int_equal(cpu_migrations(fx->c0), 0);
	assert_int_equal(fx->migrates[1], 1);
	assert_int_equal(fx->migrates[0], 0);
	sim_time_t on1 = cpu_busy_ns(fx->c1, CPU_TASK);
	assert_true(on1 > 17 * SIM_MS && on1 < 19 * SIM_MS);
	/* one task has CPU 1 to itself; the other never left CPU 0 */
	uint32_t moved = fx->ran[1][1] ? 1 : 2, stayed = 3 - moved;
	assert_int_equal(fx->ran[1][stayed], 0);
	assert_true(fx->ran[0][moved] < 3 * SIM_MS);
	assert_ptr_equal(cpu_task_cpu(fx->c0, moved), fx->c1);
	assert_ptr_equal(cpu_task_cpu(fx->c0, stayed), fx->c0);
	/* the moved task's time is counted once, on CPU 1, with the move */
	assert_int_equal(cpu_task_runtime(fx->c1, moved), fx->ran[0][moved] + fx->ran[1][moved]);
}

/* Two tasks pinned to CPU 0 (taskset -c 0) share it; CPU 1 stays idle. */
static void
test_pinned_tasks_never_migrate(void **state)
{
	struct fx *fx = *state;
	struct looper a, b;
	looper_start(&a, fx, 1, 0x1, 20 * SIM_MS);
	looper_start(&b, fx, 2, 0x1, 20 * SIM_MS);
	sim_run_until(fx->sim, 30 * SIM_MS);
	assert_int_equal(cpu_migrations(fx->c1) + cpu_migrations(fx->c0), 0);
	assert_int_equal(cpu_busy_ns(fx->c1, CPU_TASK), 0);
	assert_true(fx->ran[0][1] > 9 * SIM_MS && fx->ran[0][2] > 9 * SIM_MS);
}

/* A pinned task and a free one on CPU 0: only the free one moves, even
 * when the pinned one is the one waiting (it is not movable). */
static void
test_only_the_unpinned_task_moves(void **state)
{
	struct fx *fx = *state;
	struct looper a, b;
	looper_start(&a, fx, 1, 0x3, 20 * SIM_MS);
	looper_start(&b, fx, 2, 0x1, 20 * SIM_MS);
	sim_run_until(fx->sim, 30 * SIM_MS);
	assert_int_equal(fx->ran[1][2], 0);
	assert_true(fx->ran[1][1] > 15 * SIM_MS);
	assert_int_equal(cpu_migrations(fx->c1), 1);
}

/* A kthread (no mask, as ksoftirqd) stays with a task waiting behind it. */
static void
test_task_without_mask_stays_bound(void **state)
{
	struct fx *fx = *state;
	struct looper a, b;
	looper_start(&a, fx, 1, 0, 10 * SIM_MS);
	looper_start(&b, fx, 2, 0, 10 * SIM_MS);
	sim_run_until(fx->sim, 20 * SIM_MS);
	assert_int_equal(cpu_busy_ns(fx->c1, CPU_TASK), 0);
	assert_int_equal(cpu_migrations(fx->c1), 0);
}

/* select_task_rq at a wakeup: the previous CPU when it is idle; else an
 * idle allowed CPU, to which the sleeping task moves. */
static void
test_wakeup_prefers_idle_prev_cpu_else_an_idle_one(void **state)
{
	struct fx *fx = *state;
	cpu_task_set_allowed(fx->c0, 3, 0x3);
	assert_ptr_equal(cpu_task_wake_cpu(fx->c0, 3), fx->c0); /* CPU 0 idle */
	struct looper a;
	looper_start(&a, fx, 1, 0x1, 5 * SIM_MS); /* CPU 0 busy */
	assert_ptr_equal(cpu_task_wake_cpu(fx->c0, 3), fx->c1);
	assert_ptr_equal(cpu_task_cpu(fx->c0, 3), fx->c1);
	assert_int_equal(cpu_migrations(fx->c1), 1);
	sim_run_until(fx->sim, 10 * SIM_MS);
}

/* The same world twice gives the same stretches, in the same order. */
static uint64_t
run_three_tasks(void)
{
	struct fx *fx = fx_new();
	struct looper l[3];
	for (uint32_t i = 0; i < 3; i++)
		looper_start(&l[i], fx, i + 1, 0x3, (10 + 5 * i) * SIM_MS);
	sim_run_until(fx->sim, 40 * SIM_MS);
	uint64_t d = fx->digest;
	assert_true(cpu_migrations(fx->c1) >= 1);
	fx_free(fx);
	return d;
}

static void
test_balancing_is_deterministic(void **state)
{
	(void)state;
	assert_true(run_three_tasks() == run_three_tasks());
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_two_busy_tasks_spread_to_both_cpus, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_pinned_tasks_never_migrate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_only_the_unpinned_task_moves, setup, teardown),
		cmocka_unit_test_setup_teardown(test_task_without_mask_stays_bound, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_wakeup_prefers_idle_prev_cpu_else_an_idle_one,
						setup, teardown),
		cmocka_unit_test(test_balancing_is_deterministic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
