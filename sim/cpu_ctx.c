/*
 * sim/cpu_ctx.c - the context that runs now: which context and task a
 * function runs in (asked of CPU 0 of a host, it answers for the CPU
 * running one), bottom halves (local_bh_disable/enable), the context
 * assertions of the checked build, and the CPU's invariants.  The items
 * themselves are sim/cpu.c's.
 */
#include "sim/cpu_int.h"

#include <glib.h>

/* Asked of CPU 0 while another CPU of its host runs a function: that
 * CPU's answer (the trace keeps CPU 0 as the host's; sim/cpu.h). */
static const struct cpu *
cpu_asked(const struct cpu *cpu)
{
	return cpu->leader == cpu && cpu->running ? cpu->running : cpu;
}

enum cpu_ctx
cpu_current_ctx(const struct cpu *cpu)
{
	return cpu ? cpu_asked(cpu)->in_fn : CPU_NONE;
}

uint32_t
cpu_current_task(const struct cpu *cpu)
{
	return cpu ? cpu_asked(cpu)->in_task : 0;
}

uint32_t
cpu_stretch_task(const struct cpu *cpu)
{
	return cpu->hook_task;
}

uint32_t
cpu_stretch_cpu(const struct cpu *cpu)
{
	return cpu->hook_cpu;
}

bool
cpu_in_bh(const struct cpu *cpu)
{
	if (cpu->in_fn == CPU_SOFTIRQ)
		return true;
	if (cpu->in_fn != CPU_TASK)
		return false;
	if (cpu->bh_disabled > 0)
		return true;
	const struct cpu_task *se =
		g_hash_table_lookup(cpu->rq.by_id, GUINT_TO_POINTER(cpu->in_task));
	return se && se->preempt_count > 0;
}

/* Linux __local_bh_disable_ip: only the running function's depth is
 * kept, as nothing else can run until it returns. */
void
cpu_local_bh_disable(struct cpu *cpu)
{
	if (cpu->in_fn == CPU_SOFTIRQ)
		return; /* already off: softirqs do not nest */
	if (cpu->in_fn != CPU_TASK)
		g_error("cpu %s: local_bh_disable in %s context", cpu->name,
			cpu_ctx_name(cpu->in_fn));
	cpu->bh_disabled++;
}

/* Linux __local_bh_enable_ip: pending softirqs run at the end of the
 * running function (sim/cpu.h), then the scheduler's need_resched is
 * looked at when the task's next item is picked (preempt_check_resched). */
void
cpu_local_bh_enable(struct cpu *cpu)
{
	if (cpu->in_fn == CPU_SOFTIRQ)
		return;
	if (cpu->in_fn != CPU_TASK || cpu->bh_disabled == 0)
		g_error("cpu %s: local_bh_enable without local_bh_disable (%s context)", cpu->name,
			cpu_ctx_name(cpu->in_fn));
	cpu->bh_disabled--;
}

void
cpu_assert_ctx(const struct cpu *cpu, enum cpu_ctx ctx, const char *func)
{
	if (cpu->in_fn != ctx)
		g_error("cpu %s: %s must run in %s context, runs in %s", cpu->name, func,
			cpu_ctx_name(ctx), cpu_ctx_name(cpu->in_fn));
}

void
cpu_assert_bh(const struct cpu *cpu, const char *func)
{
	if (!cpu_in_bh(cpu))
		g_error("cpu %s: %s must run with bottom halves off (softirq, ksoftirqd or a "
			"NAPI thread), runs in %s",
			cpu->name, func, cpu_ctx_name(cpu->in_fn));
}

/* ---- invariants (the checked build: NS_CHECK) -------------------------------------- */

#define CPU_BUG(cpu, ...) g_error("cpu %s: check failed: %s", (cpu)->name, __VA_ARGS__)

void
cpu_check(const struct cpu *cpu)
{
	for (int c = CPU_HARDIRQ; c < CPU_TASK; c++)
		for (const struct cpu_work *w = cpu->q[c].head; w; w = w->next) {
			if (!w->queued || w->ctx != (enum cpu_ctx)c)
				CPU_BUG(cpu,
					"an irq queue holds an item not queued in its context");
			if (!w->next && cpu->q[c].tail != w)
				CPU_BUG(cpu, "an irq queue's tail is not its last item");
		}
	if (cpu->cur && (!cpu->cur->queued || cpu->cur->remaining < 0))
		CPU_BUG(cpu, "the running item is not marked queued");
	if (cpu->bh_disabled > 0 && cpu->in_fn != CPU_TASK)
		CPU_BUG(cpu,
			"a task function returned with bottom halves off "
			"(local_bh_disable without local_bh_enable)");
	rq_check(cpu, &cpu->rq);
}
