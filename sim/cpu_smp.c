/*
 * sim/cpu_smp.c - several CPUs per host: joining a host's group of CPUs,
 * the per-CPU data and "this CPU", timers run on the CPU that armed them,
 * and CPU masks (taskset, smp_affinity).  The task placement and
 * migration are sim/sched_fair.c's; the items are sim/cpu.c's.
 */
#include "sim/cpu_int.h"

#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

/* ---- several CPUs per host ---------------------------------------------------------- */

void
cpu_smp_join(struct cpu *cpu, struct cpu *leader, uint32_t id, struct cpu **this_slot)
{
	cpu->id = id;
	cpu->this_slot = this_slot;
	if (!leader || leader == cpu)
		return;
	/* a new CPU of @leader's host: its costs and busy hook */
	g_assert(this_slot != NULL && leader->this_slot == this_slot);
	cpu->leader = leader;
	cpu->smp = leader->smp = true;
	leader->ncpus = MAX(leader->ncpus, id + 1);
	sched_smp_join(cpu, leader);
	cpu_copy_costs(cpu, leader);
	cpu->hook = leader->hook;
	cpu->hook_arg = leader->hook_arg;
	struct cpu **pp = &leader->sibling;
	while (*pp)
		pp = &(*pp)->sibling;
	*pp = cpu;
}

uint32_t
cpu_id(const struct cpu *cpu)
{
	return cpu->id;
}

void
cpu_set_percpu(struct cpu *cpu, void *data)
{
	cpu->head.percpu = data;
}

uint32_t
cpu_this_id(const struct cpu *cpu)
{
	return cpu->smp && cpu->this_slot && *cpu->this_slot ? (*cpu->this_slot)->id : cpu->id;
}

/* ---- timers on the CPU that armed them (sim/cpu.h) ------------------------------------ */

sim_event_id
cpu_timer_schedule(struct cpu *this_cpu, sim_time_t delay, sim_event_fn fn, void *arg)
{
	return sim_schedule(this_cpu->sim, delay, fn, arg, this_cpu);
}

sim_event_id
cpu_timer_schedule_at(struct cpu *this_cpu, sim_time_t when, sim_event_fn fn, void *arg)
{
	return sim_schedule_at(this_cpu->sim, when, fn, arg, this_cpu);
}

/* The expiry of a timer queued on @base's timer base: its function runs
 * on that CPU (run_timer_softirq / hrtimer_interrupt of that CPU).  Timers
 * fire between items (no item function runs), so only the host's "this
 * CPU" changes for the body's duration. */
void
cpu_timer_run(void *base, void (*body)(void *arg), void *arg)
{
	struct cpu *cpu = base;
	g_assert(cpu != NULL && cpu->in_fn == CPU_NONE);
	cpu->timers_fired++;
	if (!cpu->smp) {
		body(arg);
		return;
	}
	struct cpu *was = *cpu->this_slot;
	*cpu->this_slot = cpu;
	body(arg);
	*cpu->this_slot = was;
}

uint64_t
cpu_timers_fired(const struct cpu *cpu)
{
	return cpu->timers_fired;
}

/* The CPU-list format of taskset -c and smp_affinity_list ("0,2,5-7"),
 * or the hexadecimal mask of /proc/irq/N/smp_affinity and taskset ("0x5"). */
bool
cpu_parse_mask(const char *s, uint32_t ncpus, uint64_t *mask)
{
	uint64_t m = 0;
	char *end;
	if (!s || !*s)
		return false;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		errno = 0;
		m = strtoull(s + 2, &end, 16);
		if (errno || end == s + 2 || *end)
			return false;
	} else {
		const char *p = s;
		while (*p) {
			errno = 0;
			unsigned long a = strtoul(p, &end, 10), b = a;
			if (errno || end == p || a >= 64)
				return false;
			p = end;
			if (*p == '-') {
				b = strtoul(p + 1, &end, 10);
				if (errno || end == p + 1 || b < a || b >= 64)
					return false;
				p = end;
			}
			for (unsigned long i = a; i <= b; i++)
				m |= 1ull << i;
			if (*p == ',')
				p++;
			else if (*p)
				return false;
		}
	}
	if (m == 0 || (ncpus < 64 && (m >> ncpus) != 0))
		return false;
	*mask = m;
	return true;
}

uint64_t
cpu_migrations(const struct cpu *cpu)
{
	return cpu->migrations;
}
