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

/* ---- the receiver-queues homework's sender: 64 tasks on CPUs 1-7 of 8 ---- */

#define NCPU8 8
#define NT64 64

struct host8 {
	struct sim *sim;
	struct cpu *cpus[NCPU8];
	struct cpu *this_cpu;
};

/* Eight CPUs with the tunables a host of 8 scales to (factor 1 + ilog2 8
 * = 4: latency 24 ms, minimum granularity 3 ms, wakeup granularity 4 ms). */
static void
host8_init(struct host8 *h)
{
	h->sim = sim_new(1);
	struct cpu_sched_config cfg;
	cpu_sched_config_init(&cfg);
	cfg.sched_latency_ns *= 4;
	cfg.sched_min_granularity_ns *= 4;
	cfg.sched_wakeup_granularity_ns *= 4;
	for (uint32_t i = 0; i < NCPU8; i++) {
		char name[8];
		g_snprintf(name, sizeof name, "cpu%u", i);
		h->cpus[i] = cpu_new(h->sim, name);
		cpu_set_sched_config(h->cpus[i], &cfg);
	}
	h->this_cpu = h->cpus[0];
	for (uint32_t i = 0; i < NCPU8; i++)
		cpu_smp_join(h->cpus[i], i ? h->cpus[0] : NULL, i, &h->this_cpu);
}

static void
host8_fini(struct host8 *h)
{
	for (uint32_t i = NCPU8; i-- > 0;)
		cpu_free(h->cpus[i]);
	sim_free(h->sim);
}

/* A CPU-bound task of items of 50 us, submitted on CPU 0 like looper's. */
struct hog {
	struct cpu_work w;
	struct host8 *h;
};

static void
hog_done(struct cpu_work *w)
{
	struct hog *g = w->owner;
	if (sim_now(g->h->sim) < 100 * SIM_MS)
		cpu_submit(g->h->cpus[0], w, CPU_TASK, 50 * SIM_US);
}

/*
 * 64 CPU-bound processes with cpus_allowed = 1-7 started together, placed
 * as app.c places them (cpu_select_fork: 10 on CPU 1, 9 on each other).
 * Over 100 ms each should have about 700 / 64 = 10.9 ms.  START_DEBIT is
 * one vslice of the parent's (CPU 0's, empty) queue for every one of
 * them, 24 ms: the first task on each CPU runs alone until the others'
 * debit is used up, then all share.  With the vslice taken on the landing
 * CPU (the bug), the second task on each CPU started 12 ms behind the
 * first and the tenth 3 ms, and the second waited until the eight after
 * it had caught up.
 */
static void
test_many_tasks_on_seven_cpus_each_get_a_fair_share(void **state)
{
	(void)state;
	struct host8 h;
	host8_init(&h);
	static struct hog g[NT64];
	uint64_t mask = 0xfe; /* 1-7 */
	for (uint32_t i = 0; i < NT64; i++) {
		struct cpu *c = h.cpus[cpu_select_fork(h.cpus, NCPU8, mask)];
		g[i] = (struct hog){ .h = &h };
		cpu_work_init(&g[i].w, hog_done, &g[i], "hog");
		g[i].w.task = i + 1;
		cpu_task_set_allowed(c, i + 1, mask);
		cpu_submit(c, &g[i].w, CPU_TASK, 50 * SIM_US);
	}
	sim_run_until(h.sim, 100 * SIM_MS);
	sim_time_t total = 0, least = SIM_S;
	for (uint32_t i = 0; i < NT64; i++) {
		sim_time_t r = cpu_task_runtime(cpu_task_cpu(h.cpus[0], i + 1), i + 1);
		total += r;
		least = MIN(least, r);
	}
	assert_true(total > 695 * SIM_MS); /* CPUs 1-7 busy all along */
	sim_time_t fair = total / NT64;
	/* every task at least 45% of its share: 55% here (the ninth and tenth
	 * on CPU 1 get 2 slices of 3 ms after CPU 1's first task had 24 ms
	 * alone); with the bug the second task on CPU 1 had 27% (3 ms) */
	assert_true(least > fair * 45 / 100);
	assert_int_equal(cpu_busy_ns(h.cpus[0], CPU_TASK), 0);
	sim_run_until(h.sim, 200 * SIM_MS);
	host8_fini(&h);
}

/* select_idle_sibling returns the target when no CPU is idle: a task
 * waking while its previous CPU is busy stays there, even when another
 * allowed CPU has fewer runnable tasks (Linux does not move a waking task
 * to a busy CPU; the balancer evens the queues out). */
static void
test_wakeup_stays_on_busy_prev_cpu_when_none_is_idle(void **state)
{
	struct fx *fx = *state;
	struct looper a, b, c;
	looper_start(&a, fx, 1, 0x1, 5 * SIM_MS); /* CPU 0: two tasks */
	looper_start(&b, fx, 2, 0x1, 5 * SIM_MS);
	cpu_task_set_allowed(fx->c1, 4, 0x2); /* CPU 1: one task */
	c = (struct looper){ .fx = fx, .until = 5 * SIM_MS };
	cpu_work_init(&c.w, looper_done, &c, "loop");
	c.w.task = 4;
	cpu_submit(fx->c1, &c.w, CPU_TASK, 100 * SIM_US);
	cpu_task_set_allowed(fx->c0, 3, 0x3); /* asleep on CPU 0 */
	assert_ptr_equal(cpu_task_wake_cpu(fx->c0, 3), fx->c0);
	assert_ptr_equal(cpu_task_cpu(fx->c0, 3), fx->c0);
	assert_int_equal(cpu_migrations(fx->c1), 0);
	sim_run_until(fx->sim, 10 * SIM_MS);
}

/* Two tasks alternating on CPU 0 in slices of 100 us: at every balancing
 * tick (2 ms) the waiting one ran less than sched_migration_cost (500 us)
 * ago.  task_hot keeps it on CPU 0 at the ticks of 2 and 4 ms; the third
 * try (nr_balance_failed 2 > cache_nice_tries 1) moves it, at 6 ms. */
static void
run_two_alternating_tasks(struct fx *fx, sim_time_t migration_cost)
{
	struct cpu_sched_config cfg;
	cpu_sched_config_init(&cfg);
	cfg.sched_latency_ns = 200 * SIM_US;
	cfg.sched_min_granularity_ns = 100 * SIM_US;
	cfg.sched_migration_cost_ns = migration_cost;
	cpu_set_sched_config(fx->c0, &cfg);
	cpu_set_sched_config(fx->c1, &cfg);
	static struct looper a, b;
	looper_start(&a, fx, 1, 0x3, 20 * SIM_MS);
	looper_start(&b, fx, 2, 0x3, 20 * SIM_MS);
}

static void
test_balancer_leaves_a_cache_hot_task_twice(void **state)
{
	struct fx *fx = *state;
	run_two_alternating_tasks(fx, 500 * SIM_US);
	sim_run_until(fx->sim, 5900 * SIM_US);
	assert_int_equal(cpu_migrations(fx->c1), 0);
	assert_int_equal(cpu_busy_ns(fx->c1, CPU_TASK), 0);
	sim_run_until(fx->sim, 6100 * SIM_US);
	assert_int_equal(cpu_migrations(fx->c1), 1);
	sim_run_until(fx->sim, 30 * SIM_MS);
	assert_int_equal(cpu_migrations(fx->c1) + cpu_migrations(fx->c0), 1);
}

/* sched_migration_cost 0: no task is hot, the first tick moves one. */
static void
test_balancer_moves_at_once_without_migration_cost(void **state)
{
	struct fx *fx = *state;
	run_two_alternating_tasks(fx, 0);
	sim_run_until(fx->sim, 2100 * SIM_US);
	assert_int_equal(cpu_migrations(fx->c1), 1);
	sim_run_until(fx->sim, 30 * SIM_MS);
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
		cmocka_unit_test(test_many_tasks_on_seven_cpus_each_get_a_fair_share),
		cmocka_unit_test_setup_teardown(
			test_wakeup_stays_on_busy_prev_cpu_when_none_is_idle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_balancer_leaves_a_cache_hot_task_twice, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_balancer_moves_at_once_without_migration_cost,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
