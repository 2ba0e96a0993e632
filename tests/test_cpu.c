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

/* The cost table a CPU reads inline (struct cpu_head). */
static const sim_time_t *
cost_table(const struct cpu *cpu)
{
	return ((const struct cpu_head *)(const void *)cpu)->cost;
}

static void
test_cpu_costs_shared_by_equal_cpus_and_copied_on_write(void **state)
{
	struct fx *fx = *state;
	struct cpu *b = cpu_new(fx->sim, "b"), *c = cpu_new(fx->sim, "c");
	assert_ptr_equal(cost_table(b), cost_table(fx->cpu)); /* defaults: one table */
	cpu_set_cost(b, COST_IP_RCV, 700);
	assert_ptr_not_equal(cost_table(b), cost_table(fx->cpu));
	assert_int_equal(cpu_cost(b, COST_IP_RCV), 700);
	assert_int_equal(cpu_cost(fx->cpu, COST_IP_RCV), cpu_cost_info[COST_IP_RCV].default_ns);
	cpu_set_cost(c, COST_IP_RCV, 700); /* the same costs: b's table */
	assert_ptr_equal(cost_table(c), cost_table(b));
	cpu_set_cost(b, COST_IP_RCV, cpu_cost_info[COST_IP_RCV].default_ns); /* back */
	assert_ptr_equal(cost_table(b), cost_table(fx->cpu));
	assert_int_equal(cpu_cost(c, COST_IP_RCV), 700);
	cpu_free(b);
	cpu_free(c);
}

static void
test_cpu_mask_parses_lists_ranges_and_hex(void **state)
{
	(void)state;
	uint64_t m = 0;
	assert_true(cpu_parse_mask("0,2", 4, &m));
	assert_int_equal(m, 0x5);
	assert_true(cpu_parse_mask("1-3", 4, &m));
	assert_int_equal(m, 0xe);
	assert_true(cpu_parse_mask("0x9", 4, &m));
	assert_int_equal(m, 0x9);
	assert_false(cpu_parse_mask("4", 4, &m));    /* no such CPU */
	assert_false(cpu_parse_mask("0x10", 4, &m)); /* no such CPU */
	assert_false(cpu_parse_mask("", 4, &m));
	assert_false(cpu_parse_mask("1,,x", 4, &m));
	assert_false(cpu_parse_mask("3-1", 4, &m));
	assert_false(cpu_parse_mask("0x0", 4, &m));
}

/* ---- several CPUs per host (cpu_smp_join) ---------------------------------- */

struct smp {
	struct cpu *this_cpu; /* the host's slot */
	struct cpu *c[2];
	struct cpu *seen;      /* this_cpu inside the item */
	enum cpu_ctx ctx_of_0; /* cpu_current_ctx asked of CPU 0 inside it */
};

static void
smp_item(struct cpu_work *w)
{
	struct smp *m = w->owner;
	m->seen = m->this_cpu;
	m->ctx_of_0 = cpu_current_ctx(m->c[0]);
	cpu_charge(m->this_cpu, "work", 300); /* paid by this CPU */
}

static void
smp_join(struct fx *fx, struct smp *m)
{
	m->c[0] = fx->cpu;
	m->this_cpu = fx->cpu;
	cpu_smp_join(fx->cpu, NULL, 0, &m->this_cpu);
	m->c[1] = cpu_new(fx->sim, "cpu1");
	cpu_smp_join(m->c[1], fx->cpu, 1, &m->this_cpu);
}

static void
test_smp_item_runs_with_this_cpu_set_and_pays_its_charges_there(void **state)
{
	struct fx *fx = *state;
	struct smp m = { 0 };
	smp_join(fx, &m);
	struct cpu_work w;
	cpu_work_init(&w, smp_item, &m, "smp");
	cpu_submit(m.c[1], &w, CPU_SOFTIRQ, 1000);
	sim_run_until(fx->sim, SIM_TIME_MAX);
	assert_ptr_equal(m.seen, m.c[1]);
	assert_ptr_equal(m.this_cpu, m.c[0]);	   /* restored outside the item */
	assert_int_equal(m.ctx_of_0, CPU_SOFTIRQ); /* CPU 0 answers for CPU 1 */
	assert_int_equal(cpu_id(m.c[1]), 1);
	assert_int_equal(cpu_busy_ns(m.c[1], CPU_SOFTIRQ), 1300);
	assert_int_equal(cpu_busy_ns(m.c[0], CPU_SOFTIRQ), 0);
	cpu_free(m.c[1]);
}

static void
test_smp_cpus_run_at_the_same_time(void **state)
{
	struct fx *fx = *state;
	struct smp m = { 0 };
	smp_join(fx, &m);
	struct item a, b;
	init_item(&a, fx, 0);
	init_item(&b, fx, 1);
	cpu_submit(m.c[0], &a.w, CPU_HARDIRQ, 1000);
	cpu_submit(m.c[1], &b.w, CPU_HARDIRQ, 1000);
	sim_run_until(fx->sim, SIM_TIME_MAX);
	assert_int_equal(fx->done_at[0], 1000);
	assert_int_equal(fx->done_at[1], 1000); /* not 2000: two CPUs */
	assert_int_equal(cpu_preemptions(m.c[0]) + cpu_preemptions(m.c[1]), 0);
	cpu_free(m.c[1]);
}

static void
test_smp_host_costs_set_every_cpu(void **state)
{
	struct fx *fx = *state;
	cpu_set_cost(fx->cpu, COST_IP_RCV, 3500); /* before the join: copied */
	struct smp m = { 0 };
	smp_join(fx, &m);
	assert_int_equal(cpu_cost(m.c[1], COST_IP_RCV), 3500);
	cpu_set_cost(fx->cpu, COST_UDP_RCV, 900); /* after: set on both */
	assert_int_equal(cpu_cost(m.c[1], COST_UDP_RCV), 900);
	cpu_set_cost(m.c[1], COST_ARP, 1); /* one CPU's own: not the leader's */
	assert_int_equal(cpu_cost(fx->cpu, COST_ARP), cpu_cost_info[COST_ARP].default_ns);
	cpu_free(m.c[1]);
}

static void
test_smp_withdraw_finds_the_cpu_an_item_is_queued_on(void **state)
{
	struct fx *fx = *state;
	struct smp m = { 0 };
	smp_join(fx, &m);
	struct item a, b;
	init_item(&a, fx, 0);
	init_item(&b, fx, 1);
	cpu_submit(m.c[1], &a.w, CPU_SOFTIRQ, 1000);
	cpu_submit(m.c[1], &b.w, CPU_SOFTIRQ, 1000);
	assert_true(cpu_withdraw(m.c[0], &b.w)); /* named by the host's CPU 0 */
	sim_run_until(fx->sim, SIM_TIME_MAX);
	assert_string_equal(fx->order->str, "0");
	assert_true(cpu_idle(m.c[1]));
	cpu_free(m.c[1]);
}

static void
test_select_fork_spreads_then_respects_affinity(void **state)
{
	struct fx *fx = *state;
	struct cpu *c[4] = { fx->cpu, cpu_new(fx->sim, "c1"), cpu_new(fx->sim, "c2"),
			     cpu_new(fx->sim, "c3") };
	/* fewest placed first, lowest number on a tie */
	assert_int_equal(cpu_select_fork(c, 4, 0), 0);
	assert_int_equal(cpu_select_fork(c, 4, 0), 1);
	assert_int_equal(cpu_select_fork(c, 4, 0), 2);
	assert_int_equal(cpu_select_fork(c, 4, 0), 3);
	assert_int_equal(cpu_select_fork(c, 4, 0), 0);
	/* cpus_allowed 2,3: among those only */
	assert_int_equal(cpu_select_fork(c, 4, 0xc), 2);
	assert_int_equal(cpu_select_fork(c, 4, 0xc), 3);
	assert_int_equal(cpu_select_fork(c, 4, 0x8), 3);
	for (int i = 1; i < 4; i++)
		cpu_free(c[i]);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpu_mask_parses_lists_ranges_and_hex),
		cmocka_unit_test_setup_teardown(
			test_smp_item_runs_with_this_cpu_set_and_pays_its_charges_there, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_smp_cpus_run_at_the_same_time, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_smp_host_costs_set_every_cpu, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_smp_withdraw_finds_the_cpu_an_item_is_queued_on, setup, teardown),
		cmocka_unit_test_setup_teardown(test_select_fork_spreads_then_respects_affinity,
						setup, teardown),
		T(test_cpu_items_in_one_context_run_fifo),
		T(test_cpu_hardirq_preempts_task_which_resumes_with_remaining_cost),
		T(test_cpu_softirq_waits_for_hardirq_and_same_context_does_not_preempt),
		T(test_cpu_continuation_chain_lets_hardirq_cut_in),
		T(test_cpu_switching_tasks_costs_a_context_switch),
		T(test_cpu_withdraw_removes_queued_item),
		T(test_cpu_cost_table_has_documented_names),
		T(test_cpu_costs_shared_by_equal_cpus_and_copied_on_write),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
