/*
 * tests/test_sched.c - the CPU's task scheduler (sim/sched_fair.c, CFS as
 * in Linux 6.5) and charge attribution (sim/cpu.c): shares by weight,
 * slices, wakeup preemption, need_resched, preempt_disable, charge before
 * effect, and exact per-owner accounting.  Every expected figure is worked
 * out by hand in the comment above its assertion.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <glib.h>

#include "sim/check.h"
#include "sim/cpu.h"
#include "tests/stack_test.h"

struct fx {
	struct sim *sim;
	struct cpu *cpu;
	GHashTable *by_name; /* owner "ctx/task/name" -> ns, from the busy hook */
	sim_time_t hook_ctx[CPU_NCTX];
	sim_time_t hook_task[8];
};

static void
busy_hook(void *arg, enum cpu_ctx ctx, const char *name, sim_time_t s, sim_time_t e)
{
	struct fx *fx = arg;
	uint32_t task = cpu_stretch_task(fx->cpu);
	char *key = g_strdup_printf("%s/%u/%s", cpu_ctx_name(ctx), task, name);
	sim_time_t *v = g_hash_table_lookup(fx->by_name, key);
	if (!v) {
		v = g_new0(sim_time_t, 1);
		g_hash_table_insert(fx->by_name, key, v);
	} else {
		g_free(key);
	}
	*v += e - s;
	fx->hook_ctx[ctx] += e - s;
	if (ctx == CPU_TASK && task < 8)
		fx->hook_task[task] += e - s;
}

static sim_time_t
owner_ns(struct fx *fx, const char *key)
{
	sim_time_t *v = g_hash_table_lookup(fx->by_name, key);
	return v ? *v : 0;
}

static int
setup(void **state)
{
	struct fx *fx = g_new0(struct fx, 1);
	fx->sim = sim_new(1);
	fx->cpu = cpu_new(fx->sim, "cpu0");
	fx->by_name = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	cpu_set_cost(fx->cpu, COST_CTX_SWITCH, 0);
	cpu_set_busy_hook(fx->cpu, busy_hook, fx);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;
	assert_true(cpu_idle(fx->cpu));
	cpu_free(fx->cpu);
	sim_free(fx->sim);
	g_hash_table_destroy(fx->by_name);
	g_free(fx);
	return 0;
}

/* A task that keeps the CPU busy with items of @cost until @until. */
struct looper {
	struct cpu_work w;
	struct fx *fx;
	sim_time_t cost, until;
	uint32_t items;
	sim_time_t first_done, last_done;
	const char *charge; /* charged by every item, if set */
	sim_time_t charge_ns;
};

static void
looper_done(struct cpu_work *w)
{
	struct looper *l = w->owner;
	if (l->items++ == 0)
		l->first_done = sim_now(l->fx->sim);
	l->last_done = sim_now(l->fx->sim);
	if (l->charge)
		cpu_charge(l->fx->cpu, l->charge, l->charge_ns);
	if (sim_now(l->fx->sim) < l->until)
		cpu_submit(l->fx->cpu, w, CPU_TASK, l->cost);
}

static void
looper_init(struct looper *l, struct fx *fx, uint32_t task, sim_time_t cost, sim_time_t until)
{
	*l = (struct looper){ .fx = fx, .cost = cost, .until = until };
	cpu_work_init(&l->w, looper_done, l, "loop");
	l->w.task = task;
}

static void
looper_start(struct sim *sim, void *a, void *b)
{
	(void)sim;
	(void)b;
	struct looper *l = a;
	cpu_submit(l->fx->cpu, &l->w, CPU_TASK, l->cost);
}

/* Two CPU-bound tasks of equal nice share the CPU 50/50.  Each item is
 * 100 us; with a 3 ms slice each (6 ms / 2) they alternate every 3.1 ms
 * (a slice ends at the first item end past 3 ms), so over 62 ms each has
 * 31 ms +- one slice. */
static void
test_sched_equal_nice_tasks_share_the_cpu_equally(void **state)
{
	struct fx *fx = *state;
	struct looper a, b;
	looper_init(&a, fx, 1, 100 * SIM_US, 62 * SIM_MS);
	looper_init(&b, fx, 2, 100 * SIM_US, 62 * SIM_MS);
	cpu_submit(fx->cpu, &a.w, CPU_TASK, a.cost);
	cpu_submit(fx->cpu, &b.w, CPU_TASK, b.cost);
	sim_run_until(fx->sim, SIM_S);
	sim_time_t ra = cpu_task_runtime(fx->cpu, 1), rb = cpu_task_runtime(fx->cpu, 2);
	assert_true(ra + rb >= 62 * SIM_MS);
	assert_true(labs((long)(ra - rb)) <= 3100 * SIM_US);
	assert_true(cpu_context_switches(fx->cpu) >= 18); /* 62 / 3.1 = 20 slices */
}

/* Shares follow sched_prio_to_weight: nice 0 (1024) against nice 5 (335)
 * gets 1024 / 1359 = 75.3% of the CPU. */
static void
test_sched_nice_sets_the_share_by_weight(void **state)
{
	struct fx *fx = *state;
	struct looper a, b;
	looper_init(&a, fx, 1, 100 * SIM_US, 600 * SIM_MS);
	looper_init(&b, fx, 2, 100 * SIM_US, 600 * SIM_MS);
	cpu_task_set_nice(fx->cpu, 2, 5);
	cpu_submit(fx->cpu, &a.w, CPU_TASK, a.cost);
	cpu_submit(fx->cpu, &b.w, CPU_TASK, b.cost);
	sim_run_until(fx->sim, SIM_S);
	double ra = (double)cpu_task_runtime(fx->cpu, 1), rb = (double)cpu_task_runtime(fx->cpu, 2);
	double share = ra / (ra + rb);
	assert_true(share > 0.743 && share < 0.763);
	assert_int_equal(sched_prio_to_weight[20], NICE_0_LOAD);
	assert_int_equal(sched_prio_to_weight[25], 335);
}

/*
 * The hand-computed schedule of two tasks submitted at t = 0, items of
 * 100 us, ctx_switch 0.  A is alone when it arrives: vruntime = 0 + its
 * vslice 6 ms (START_DEBIT).  B arrives next: min_vruntime 6 ms + vslice
 * 3 ms = 9 ms; A (6 ms) is ahead, no wakeup preemption.  The slice is
 * 6 ms / 2 = 3 ms: at A's 31st item end (3.1 ms, the first past 3 ms)
 * need_resched is set; B (9 ms) < A (9.1 ms) runs next, 3.1 ms, to 6.2 ms;
 * then A (9.1 < 12.1) to 9.3 ms.  So B's first item ends at 3.2 ms and A
 * has done 31 items when B starts.
 */
static void
test_sched_slices_follow_sched_latency(void **state)
{
	struct fx *fx = *state;
	struct looper a, b;
	looper_init(&a, fx, 1, 100 * SIM_US, 9300 * SIM_US);
	looper_init(&b, fx, 2, 100 * SIM_US, 6200 * SIM_US);
	cpu_submit(fx->cpu, &a.w, CPU_TASK, a.cost);
	cpu_submit(fx->cpu, &b.w, CPU_TASK, b.cost);
	sim_run_until(fx->sim, 3150 * SIM_US);
	assert_int_equal(a.items, 31);
	assert_int_equal(b.items, 0);
	sim_run_until(fx->sim, 6150 * SIM_US);
	assert_int_equal(b.first_done, 3200 * SIM_US);
	assert_int_equal(a.items, 31);
	assert_int_equal(b.items, 30);
	sim_run_until(fx->sim, SIM_S);
	assert_int_equal(b.items, 31);
	assert_int_equal(a.items, 62); /* 3.1 ms more, 6.2 -> 9.3 ms */
	assert_int_equal(cpu_context_switches(fx->cpu), 2);
}

/*
 * Wakeup preemption: A loops from t = 0; B runs one item and sleeps.  As
 * above, A runs to 3.1 ms (vruntime 9.1 ms), B's item 3.1 -> 3.2 ms (9.1
 * ms), B sleeps, A runs on.  B woken at 3.45 ms: A has 9.1 + 0.2 ms, B is
 * placed at max(9.1, min_vruntime - 3) = 9.1: 0.2 ms behind, less than the
 * 1 ms wakeup granularity: no need_resched.  B woken again at 10.05 ms: A
 * has about 15.9 ms, B is placed at 15.9 - 3 = 12.9 ms: 3 ms behind, so
 * need_resched is set at once, and B runs at the end of A's current item.
 * (B also ran 6.3 -> 6.4 ms when A's second slice ended.)
 */
struct waker {
	struct fx *fx;
	struct looper *b;
	bool need_resched_seen;
};

static void
wake_b(struct sim *sim, void *a, void *unused)
{
	(void)sim;
	(void)unused;
	struct waker *k = a;
	k->b->until = 0; /* one item, then sleep */
	cpu_submit(k->fx->cpu, &k->b->w, CPU_TASK, k->b->cost);
	k->need_resched_seen = cpu_need_resched(k->fx->cpu);
}

static void
test_sched_woken_task_preempts_only_beyond_wakeup_granularity(void **state)
{
	struct fx *fx = *state;
	struct looper a, b;
	looper_init(&a, fx, 1, 100 * SIM_US, 20 * SIM_MS);
	looper_init(&b, fx, 2, 100 * SIM_US, 0);
	cpu_submit(fx->cpu, &a.w, CPU_TASK, a.cost);
	cpu_submit(fx->cpu, &b.w, CPU_TASK, b.cost);
	struct waker k1 = { fx, &b, true }, k2 = { fx, &b, false };
	sim_schedule(fx->sim, 3450 * SIM_US, wake_b, &k1, NULL);
	sim_run_until(fx->sim, 10 * SIM_MS);
	assert_false(k1.need_resched_seen);
	uint32_t before = b.items;
	sim_schedule(fx->sim, 50 * SIM_US, wake_b, &k2, NULL);
	sim_run_until(fx->sim, 10250 * SIM_US);
	assert_true(k2.need_resched_seen); /* set by the wakeup: A was alone since 6.4 ms */
	assert_int_equal(b.items, before + 1);
	assert_int_equal(b.last_done, 10200 * SIM_US); /* at the end of A's item: 10.1 ms */
	sim_run_until(fx->sim, SIM_S);
}

/* A wakeup on an idle CPU sets need_resched (the idle task is preempted),
 * which __do_softirq reads: here a softirq item wakes the task. */
struct softirq_waker {
	struct cpu_work w;
	struct looper *task;
	bool seen;
};

static void
softirq_wakes(struct cpu_work *w)
{
	struct softirq_waker *k = w->owner;
	cpu_submit(k->task->fx->cpu, &k->task->w, CPU_TASK, k->task->cost);
	k->seen = cpu_need_resched(k->task->fx->cpu);
}

static void
test_sched_wakeup_on_idle_cpu_sets_need_resched(void **state)
{
	struct fx *fx = *state;
	struct looper a;
	looper_init(&a, fx, 1, 100 * SIM_US, 0);
	struct softirq_waker k = { .task = &a };
	cpu_work_init(&k.w, softirq_wakes, &k, "net_rx_action");
	assert_false(cpu_need_resched(fx->cpu));
	cpu_submit(fx->cpu, &k.w, CPU_SOFTIRQ, 300);
	sim_run_until(fx->sim, SIM_S);
	assert_true(k.seen);
	assert_int_equal(a.items, 1);
	assert_false(cpu_need_resched(fx->cpu)); /* cleared when the task was picked */
}

/* preempt_disable: a task with preemption off is not switched away from,
 * whatever need_resched says; preempt_enable lets the switch happen. */
static void
test_sched_preempt_disable_holds_the_cpu(void **state)
{
	struct fx *fx = *state;
	struct looper a, b;
	looper_init(&a, fx, 1, 100 * SIM_US, 8 * SIM_MS);
	looper_init(&b, fx, 2, 100 * SIM_US, 8 * SIM_MS);
	cpu_preempt_disable(fx->cpu, 1);
	cpu_submit(fx->cpu, &a.w, CPU_TASK, a.cost);
	cpu_submit(fx->cpu, &b.w, CPU_TASK, b.cost);
	sim_run_until(fx->sim, 5 * SIM_MS);
	assert_int_equal(b.items, 0); /* A's 3 ms slice is long over */
	assert_true(cpu_need_resched(fx->cpu));
	cpu_preempt_enable(fx->cpu, 1);
	sim_run_until(fx->sim, 5200 * SIM_US);
	assert_true(b.items > 0);
	sim_run_until(fx->sim, SIM_S);
}

/* Charge before effect: what an item's function charges is paid before
 * that flow's next item runs; each charge is billed to its own name. */
struct step {
	struct cpu_work w;
	struct fx *fx;
	int n;
	sim_time_t at[3];
};

static void
step_done(struct cpu_work *w)
{
	struct step *s = w->owner;
	s->at[s->n] = sim_now(s->fx->sim);
	if (s->n++ == 0) {
		cpu_charge(s->fx->cpu, "ip_rcv", 500);
		cpu_charge(s->fx->cpu, "udp_rcv", 300);
		cpu_submit(s->fx->cpu, w, CPU_SOFTIRQ, 50); /* the decision, after them */
	}
}

static void
test_cpu_continuation_runs_after_the_charges_of_its_step(void **state)
{
	struct fx *fx = *state;
	struct step s = { .fx = fx };
	cpu_work_init(&s.w, step_done, &s, "napi_poll packet");
	cpu_submit(fx->cpu, &s.w, CPU_SOFTIRQ, 600);
	sim_run_until(fx->sim, SIM_S);
	assert_int_equal(s.at[0], 600);
	assert_int_equal(s.at[1], 600 + 500 + 300 + 50);
	assert_int_equal(owner_ns(fx, "softirq/0/ip_rcv"), 500);
	assert_int_equal(owner_ns(fx, "softirq/0/udp_rcv"), 300);
	assert_int_equal(owner_ns(fx, "softirq/0/napi_poll packet"), 650);
}

/* A charge is billed to the task whose code made it, never merged into
 * another task's: the per-task sums, the per-owner sums and the
 * per-context totals agree exactly, through preemption by a hardirq. */
static void
irq_now(struct sim *sim, void *a, void *b)
{
	(void)sim;
	cpu_submit(((struct fx *)a)->cpu, b, CPU_HARDIRQ, 777);
}

static void
nop_done(struct cpu_work *w)
{
	(void)w;
}

static void
test_cpu_sum_over_owners_equals_context_totals(void **state)
{
	struct fx *fx = *state;
	cpu_set_cost(fx->cpu, COST_CTX_SWITCH, 2000);
	struct looper a, b;
	looper_init(&a, fx, 1, 1100 * SIM_US, 20 * SIM_MS);
	looper_init(&b, fx, 2, 700 * SIM_US, 20 * SIM_MS);
	a.charge = "copy_to_user";
	a.charge_ns = 333;
	b.charge = "ip_rcv";
	b.charge_ns = 500;
	cpu_submit(fx->cpu, &a.w, CPU_TASK, a.cost);
	sim_schedule(fx->sim, 1, looper_start, &b, NULL);
	struct cpu_work irq[50];
	for (int i = 0; i < 50; i++) {
		cpu_work_init(&irq[i], nop_done, NULL, "irq");
		sim_schedule(fx->sim, i * 397 * SIM_US + 13, irq_now, fx, &irq[i]);
	}
	sim_run_until(fx->sim, SIM_S);
	for (int c = 0; c < CPU_NCTX; c++)
		assert_int_equal(fx->hook_ctx[c], cpu_busy_ns(fx->cpu, c));
	assert_int_equal(cpu_task_runtime(fx->cpu, 1) + cpu_task_runtime(fx->cpu, 2),
			 cpu_busy_ns(fx->cpu, CPU_TASK));
	assert_int_equal(fx->hook_task[1], cpu_task_runtime(fx->cpu, 1));
	assert_int_equal(fx->hook_task[2], cpu_task_runtime(fx->cpu, 2));
	/* each task's charges are its own, to the nanosecond */
	assert_int_equal(owner_ns(fx, "task/1/copy_to_user"), (sim_time_t)a.items * 333);
	assert_int_equal(owner_ns(fx, "task/2/ip_rcv"), (sim_time_t)b.items * 500);
	assert_int_equal(owner_ns(fx, "task/1/ip_rcv"), 0);
	assert_int_equal(owner_ns(fx, "task/2/copy_to_user"), 0);
	assert_int_equal(owner_ns(fx, "hardirq/0/irq"), 50 * 777);
	sim_time_t sw = owner_ns(fx, "task/1/ctx_switch") + owner_ns(fx, "task/2/ctx_switch");
	assert_int_equal(sw, (sim_time_t)cpu_context_switches(fx->cpu) * 2000);
}

/* cpu_check finds a corrupted run queue (checked build only). */
static void
test_cpu_check_aborts_on_a_corrupt_run_queue(void **state)
{
	struct fx *fx = *state;
	if (!ns_checks_enabled())
		skip();
	struct looper a, b;
	looper_init(&a, fx, 1, 100 * SIM_US, 0);
	looper_init(&b, fx, 1, 100 * SIM_US, 0);
	cpu_submit(fx->cpu, &a.w, CPU_TASK, a.cost); /* runs */
	cpu_submit(fx->cpu, &b.w, CPU_TASK, b.cost); /* waits on task 1's queue */
	cpu_check(fx->cpu);
	pid_t pid = fork();
	if (pid == 0) {
		b.w.queued = false; /* an item on a task's queue that says it is not */
		cpu_check(fx->cpu);
		_exit(0);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	sim_run_until(fx->sim, SIM_S);
}

/*
 * local_bh_disable in a task function (nf_reinject's okfn): bottom halves
 * are off inside the section only, and softirq work raised inside it runs
 * before the task's next item, as __local_bh_enable_ip runs it (sim/cpu.h).
 * Worked example: the task item ends at 100 us and raises a 5 us softirq
 * inside its section, then submits its next 10 us item: the softirq runs
 * 100..105 us, the task's item 105..115 us.
 */
struct bh_section {
	struct cpu_work task, next, soft;
	struct fx *fx;
	bool bh_before, bh_inside, bh_after;
	sim_time_t soft_done, next_done;
};

static void
bh_soft_done(struct cpu_work *w)
{
	struct bh_section *b = w->owner;
	b->soft_done = sim_now(b->fx->sim);
}

static void
bh_next_done(struct cpu_work *w)
{
	struct bh_section *b = w->owner;
	b->next_done = sim_now(b->fx->sim);
}

static void
bh_task_done(struct cpu_work *w)
{
	struct bh_section *b = w->owner;
	struct cpu *cpu = b->fx->cpu;
	b->bh_before = cpu_in_bh(cpu);
	cpu_local_bh_disable(cpu);
	b->bh_inside = cpu_in_bh(cpu);
	cpu_submit(cpu, &b->soft, CPU_SOFTIRQ, 5 * SIM_US);
	cpu_local_bh_enable(cpu);
	b->bh_after = cpu_in_bh(cpu);
	cpu_submit(cpu, &b->next, CPU_TASK, 10 * SIM_US);
}

static void
test_cpu_local_bh_section_in_a_task_runs_softirqs_before_the_task_goes_on(void **state)
{
	struct fx *fx = *state;
	struct bh_section b = { .fx = fx };
	cpu_work_init(&b.task, bh_task_done, &b, "reinject");
	cpu_work_init(&b.next, bh_next_done, &b, "reinject");
	cpu_work_init(&b.soft, bh_soft_done, &b, "net_rx_action");
	b.task.task = b.next.task = 1;
	cpu_submit(fx->cpu, &b.task, CPU_TASK, 100 * SIM_US);
	sim_run_until(fx->sim, SIM_S);
	assert_false(b.bh_before);
	assert_true(b.bh_inside);
	assert_false(b.bh_after);
	assert_int_equal(b.soft_done, 105 * SIM_US);
	assert_int_equal(b.next_done, 115 * SIM_US);
}

/* A task may not give the CPU up with bottom halves off (Linux: "BUG:
 * scheduling while atomic"): cpu_check aborts when a task function
 * returns inside local_bh_disable (checked build only). */
static void
bh_leak_done(struct cpu_work *w)
{
	struct fx *fx = w->owner;
	cpu_local_bh_disable(fx->cpu);
}

static void
run_bh_leak(void *arg)
{
	struct fx *fx = arg;
	struct cpu_work w;
	cpu_work_init(&w, bh_leak_done, fx, "leak");
	w.task = 1;
	cpu_submit(fx->cpu, &w, CPU_TASK, SIM_US);
	sim_run_until(fx->sim, SIM_MS);
}

static void
test_cpu_check_aborts_when_a_task_returns_with_bottom_halves_off(void **state)
{
	if (!ns_checks_enabled())
		skip();
	const char *const needles[] = { "cpu0", "bottom halves off", NULL };
	expect_abort(run_bh_leak, *state, needles);
}

/* local_bh_enable without local_bh_disable is a bug, in any build. */
static void
bh_unbalanced_done(struct cpu_work *w)
{
	struct fx *fx = w->owner;
	cpu_local_bh_enable(fx->cpu);
}

static void
run_bh_unbalanced(void *arg)
{
	struct fx *fx = arg;
	struct cpu_work w;
	cpu_work_init(&w, bh_unbalanced_done, fx, "unbalanced");
	w.task = 1;
	cpu_submit(fx->cpu, &w, CPU_TASK, SIM_US);
	sim_run_until(fx->sim, SIM_MS);
}

static void
test_cpu_local_bh_enable_without_disable_aborts(void **state)
{
	const char *const needles[] = { "local_bh_enable without local_bh_disable", NULL };
	expect_abort(run_bh_unbalanced, *state, needles);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_sched_equal_nice_tasks_share_the_cpu_equally),
		T(test_sched_nice_sets_the_share_by_weight),
		T(test_sched_slices_follow_sched_latency),
		T(test_sched_woken_task_preempts_only_beyond_wakeup_granularity),
		T(test_sched_wakeup_on_idle_cpu_sets_need_resched),
		T(test_sched_preempt_disable_holds_the_cpu),
		T(test_cpu_continuation_runs_after_the_charges_of_its_step),
		T(test_cpu_sum_over_owners_equals_context_totals),
		T(test_cpu_check_aborts_on_a_corrupt_run_queue),
		T(test_cpu_local_bh_section_in_a_task_runs_softirqs_before_the_task_goes_on),
		T(test_cpu_check_aborts_when_a_task_returns_with_bottom_halves_off),
		T(test_cpu_local_bh_enable_without_disable_aborts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
