/*
 * tests/test_cpu.c - contexts, preemption, resumption and accounting.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <glib.h>

#include "sim/cpu.h"

struct fx {
	struct sim *sim;
	struct cpu *cpu;
	GString *order;
	sim_time_t done_at[8];
	enum cpu_ctx ctx_seen[8];
	sim_time_t busy_logged;
};

struct item {
	struct cpu_work w;
	struct fx *fx;
	int id;
};

static void
item_done(struct cpu_work *w)
{
	struct item *it = w->owner;
	g_string_append_printf(it->fx->order, "%d", it->id);
	it->fx->done_at[it->id] = sim_now(it->fx->sim);
	it->fx->ctx_seen[it->id] = cpu_current_ctx(it->fx->cpu);
}

static void
busy_hook(void *arg, enum cpu_ctx ctx, const char *name, sim_time_t s, sim_time_t e)
{
	struct fx *fx = arg;
	assert_true(e > s);
	fx->busy_logged += e - s;
}

static int
setup(void **state)
{
	struct fx *fx = g_new0(struct fx, 1);
	fx->sim = sim_new(1);
	fx->cpu = cpu_new(fx->sim, "cpu0");
	fx->order = g_string_new(NULL);
	cpu_set_busy_hook(fx->cpu, busy_hook, fx);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;
	assert_true(cpu_idle(fx->cpu));
	assert_int_equal(sim_events_pending(fx->sim), 0);
	cpu_free(fx->cpu);
	sim_free(fx->sim);
	g_string_free(fx->order, TRUE);
	g_free(fx);
	return 0;
}

static void
init_item(struct item *it, struct fx *fx, int id)
{
	cpu_work_init(&it->w, item_done, it, "test");
	it->fx = fx;
	it->id = id;
}

struct later {
	struct fx *fx;
	struct item *it;
	enum cpu_ctx ctx;
	sim_time_t cost;
};

static void
submit_later(struct sim *sim, void *a, void *b)
{
	struct later *l = a;
	cpu_submit(l->fx->cpu, &l->it->w, l->ctx, l->cost);
}

static void
test_cpu_items_in_one_context_run_fifo(void **state)
{
	struct fx *fx = *state;
	struct item it[3];
	for (int i = 0; i < 3; i++) {
		init_item(&it[i], fx, i);
		cpu_submit(fx->cpu, &it[i].w, CPU_TASK, 100);
	}
	sim_run_until(fx->sim, SIM_TIME_MAX);
	assert_string_equal(fx->order->str, "012");
	assert_int_equal(fx->done_at[2], 300);
	assert_int_equal(cpu_busy_ns(fx->cpu, CPU_TASK), 300);
}

static void
test_cpu_hardirq_preempts_task_which_resumes_with_remaining_cost(void **state)
{
	struct fx *fx = *state;
	struct item task, irq;
	init_item(&task, fx, 0);
	init_item(&irq, fx, 1);
	cpu_submit(fx->cpu, &task.w, CPU_TASK, 1000);
	struct later l = { fx, &irq, CPU_HARDIRQ, 200 };
	sim_schedule(fx->sim, 300, submit_later, &l, NULL);
	sim_run_until(fx->sim, SIM_TIME_MAX);
	assert_string_equal(fx->order->str, "10");
	assert_int_equal(fx->done_at[1], 500);
	assert_int_equal(fx->done_at[0], 1200); /* 300 before + 200 irq + 700 left */
	assert_int_equal(cpu_preemptions(fx->cpu), 1);
	assert_int_equal(cpu_busy_ns(fx->cpu, CPU_TASK), 1000);
	assert_int_equal(cpu_busy_ns(fx->cpu, CPU_HARDIRQ), 200);
	assert_int_equal(fx->busy_logged, 1200);
	assert_int_equal(fx->ctx_seen[0], CPU_TASK);
	assert_int_equal(fx->ctx_seen[1], CPU_HARDIRQ);
	assert_int_equal(cpu_current_ctx(fx->cpu), CPU_NONE);
}

static void
test_cpu_softirq_waits_for_hardirq_and_same_context_does_not_preempt(void **state)
{
	struct fx *fx = *state;
	struct item a, b, c;
	init_item(&a, fx, 0);
	init_item(&b, fx, 1);
	init_item(&c, fx, 2);
	cpu_submit(fx->cpu, &a.w, CPU_HARDIRQ, 100);
	cpu_submit(fx->cpu, &b.w, CPU_SOFTIRQ, 100);
	struct later l = { fx, &c, CPU_SOFTIRQ, 10 };
	sim_schedule(fx->sim, 150, submit_later, &l, NULL);
	sim_run_until(fx->sim, SIM_TIME_MAX);
	assert_string_equal(fx->order->str, "012");
	assert_int_equal(fx->done_at[1], 200);
	assert_int_equal(fx->done_at[2], 210);
	assert_int_equal(cpu_preemptions(fx->cpu), 0);
}

static void
chain_done(struct cpu_work *w)
{
	struct item *it = w->owner;
	item_done(w);
	if (++it->id < 5)
		cpu_submit(it->fx->cpu, w, CPU_SOFTIRQ, 100);
}

static void
test_cpu_continuation_chain_lets_hardirq_cut_in(void **state)
{
	struct fx *fx = *state;
	struct item chain, irq;
	cpu_work_init(&chain.w, chain_done, &chain, "chain");
	chain.fx = fx;
	chain.id = 0;
	init_item(&irq, fx, 7);
	cpu_submit(fx->cpu, &chain.w, CPU_SOFTIRQ, 100);
	struct later l = { fx, &irq, CPU_HARDIRQ, 50 };
	sim_schedule(fx->sim, 250, submit_later, &l, NULL);
	sim_run_until(fx->sim, SIM_TIME_MAX);
	assert_string_equal(fx->order->str,
			    "01723"
			    "4");
	assert_int_equal(fx->done_at[4], 550);
}

static void
test_cpu_switching_tasks_costs_a_context_switch(void **state)
{
	struct fx *fx = *state;
	struct item a, b, c;
	init_item(&a, fx, 0);
	init_item(&b, fx, 1);
	init_item(&c, fx, 2);
	a.w.task = 1;
	b.w.task = 1;
	c.w.task = 2;
	cpu_set_cost(fx->cpu, COST_CTX_SWITCH, 1000);
	cpu_submit(fx->cpu, &a.w, CPU_TASK, 10);
	cpu_submit(fx->cpu, &b.w, CPU_TASK, 10);
	cpu_submit(fx->cpu, &c.w, CPU_TASK, 10);
	sim_run_until(fx->sim, SIM_TIME_MAX);
	assert_int_equal(cpu_context_switches(fx->cpu), 1);
	assert_int_equal(fx->done_at[2], 1030);
}

static void
test_cpu_withdraw_removes_queued_item(void **state)
{
	struct fx *fx = *state;
	struct item a, b;
	init_item(&a, fx, 0);
	init_item(&b, fx, 1);
	cpu_submit(fx->cpu, &a.w, CPU_TASK, 100);
	cpu_submit(fx->cpu, &b.w, CPU_TASK, 100);
	assert_true(cpu_withdraw(fx->cpu, &b.w));
	assert_false(cpu_withdraw(fx->cpu, &b.w));
	sim_run_until(fx->sim, SIM_TIME_MAX);
	assert_string_equal(fx->order->str, "0");
}

static void
test_cpu_cost_table_has_documented_names(void **state)
{
	for (int i = 0; i < COST_NCOSTS; i++) {
		assert_non_null(cpu_cost_info[i].name);
		assert_non_null(cpu_cost_info[i].what);
		assert_int_equal(cpu_cost_by_name(cpu_cost_info[i].name), i);
	}
	assert_int_equal(cpu_cost_by_name("nonsense"), -1);
	struct fx *fx = *state;
	cpu_set_cost(fx->cpu, COST_COPY_PER_KB, 1024);
	assert_int_equal(cpu_copy_cost(fx->cpu, 1500), 1500);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_cpu_items_in_one_context_run_fifo),
		T(test_cpu_hardirq_preempts_task_which_resumes_with_remaining_cost),
		T(test_cpu_softirq_waits_for_hardirq_and_same_context_does_not_preempt),
		T(test_cpu_continuation_chain_lets_hardirq_cut_in),
		T(test_cpu_switching_tasks_costs_a_context_switch),
		T(test_cpu_withdraw_removes_queued_item),
		T(test_cpu_cost_table_has_documented_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
