/*
 * sim/cpu.h - the per-host CPU: execution contexts, preemption, costs.
 *
 * Protocol work is not free, and this module is what makes receive livelock
 * visible.  A host's CPU runs one work item at a time in one of three
 * contexts, highest first: hardirq (a driver's top half), softirq (NET_RX,
 * NET_TX: NAPI polls, backlog processing, protocol input) and task
 * (processes and ksoftirqd).  An item submitted in a higher context preempts
 * the running lower one, which later resumes with only its remaining cost.
 * Hardirq and softirq items run in FIFO order and do not preempt each
 * other, as a hardirq handler runs with interrupts off and softirqs never
 * nest.  Task items belong to tasks (cpu_work.task), which share the CPU by
 * time as Linux's CFS does (kernel/sched/fair.c, as in Linux 6.5 and
 * earlier): each task has a virtual runtime advanced by its CPU time scaled
 * by its nice weight, the run queue (struct cpu_rq, one per CPU) picks the
 * task with the smallest one, and a task runs until it blocks or the
 * scheduler sets need_resched (its slice is used, or a woken task should
 * preempt it).  A task item is not cut by another task: the switch happens
 * at the end of the running item (items last microseconds; Linux preempts
 * at the tick or at the next preemption point).  A task that disabled
 * preemption (cpu_preempt_disable: ksoftirqd inside __do_softirq, a NAPI
 * thread inside its poll) is not switched away from at all.
 *
 * A work item is a struct the caller embeds in its own object, so submitting
 * work allocates nothing.  Its function runs when its cost has been paid,
 * and may submit the next item (a continuation), which is how a NAPI poll
 * becomes a chain of per-packet steps that an interrupt can cut into.
 *
 * See DESIGN.md, "The CPU is what makes livelock visible".  The cost table
 * and its defaults are documented in docs/cpu-model.md.
 */
#ifndef NETSIM_SIM_CPU_H
#define NETSIM_SIM_CPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "include/netsim/trace_vocab.h"
#include "sim/check.h"
#include "sim/sim.h"

/*
 * The execution contexts: one list, CPU_CONTEXTS in
 * include/netsim/trace_vocab.h (its names are a trace vocabulary,
 * skb_events.ctx and cpu_busy.ctx, that viz/ reads back too).  The enum
 * comes from it; the order is the priority: hardirq preempts softirq
 * preempts task.
 */
enum cpu_ctx {
#define CPU_CTX_ENUM(e, name, what) CPU_##e,
	CPU_CONTEXTS(CPU_CTX_ENUM)
#undef CPU_CTX_ENUM
		CPU_NCTX = CPU_NONE, /* the contexts work runs in: those before CPU_NONE */
};

const char *cpu_ctx_name(enum cpu_ctx ctx); /* from CPU_CONTEXTS: "hardirq" ... "hw" */

/*
 * The cost table: virtual nanoseconds charged for each kind of work.  Values
 * are per event (an interrupt, a packet through a layer, a system call),
 * except COST_COPY_PER_KB and COST_CSUM_PER_KB, charged per 1024 bytes
 * copied or summed (pro rata).
 */
enum cpu_cost {
	COST_IRQ_ENTRY,	    /* interrupt entry and exit, with the handler's dispatch */
	COST_DRIVER_RX,	    /* top half or NAPI poll: one frame from the RX ring into an skb */
	COST_DRIVER_TX,	    /* hard_start_xmit: one skb onto the TX ring */
	COST_TX_COMPLETE,   /* reclaiming one sent skb after the TX-completion interrupt */
	COST_NETIF_RX,	    /* netif_rx: queue one skb on the backlog */
	COST_SOFTIRQ_ENTRY, /* entering __do_softirq / net_rx_action once */
	COST_SOFTIRQ_EXIT,  /* leaving net_rx_action and __do_softirq's pending re-check */
	COST_NAPI_POLL,	    /* one call of a driver's poll function, beyond its packets */
	COST_ETH_RCV,	    /* eth_type_trans and the ethertype demux */
	COST_ARP,	    /* ARP input or a cache lookup that misses */
	COST_IP_RCV,	    /* ip_rcv + ip_rcv_finish, header checks, route lookup */
	COST_IP_FORWARD,    /* ip_forward: TTL, checksum update, output route */
	COST_IP_OUTPUT,	    /* ip_queue_xmit / ip_output / neighbour output */
	COST_IP_FRAG,	    /* creating or reassembling one fragment */
	COST_ICMP,	    /* icmp_rcv or building an ICMP message */
	COST_UDP_RCV,	    /* udp_rcv: checksum, socket lookup, queueing */
	COST_UDP_SEND,	    /* udp_sendmsg, beyond the copy */
	COST_TCP_RCV,	    /* tcp_v4_rcv and the state machine for one segment */
	COST_TCP_SEND,	    /* building and sending one segment */
	COST_SYSCALL,	    /* system call entry and exit */
	COST_CTX_SWITCH,    /* switching the CPU from one task to another */
	COST_WAKEUP,	    /* waking a blocked process */
	COST_COPY_PER_KB,   /* copying 1024 bytes between user and kernel memory */
	COST_SCREEN,	    /* a user-level screening process examining one packet */
	COST_APP_PACKET,    /* an application consuming one received message */
	COST_CSUM_PER_KB,   /* the Internet checksum over 1024 bytes in software */
	COST_GSO_SEGMENT,   /* skb_gso_segment: making one segment of a GSO skb */
	COST_GRO_RECEIVE,   /* napi_gro_receive: one skb through GRO's checks and merge */
	COST_MIGRATE,	    /* moving a task to another CPU's run queue, paid by the task */
	COST_NCOSTS
};

struct cpu_cost_info {
	const char *name; /* the scenario key, e.g. "ip_rcv" */
	sim_time_t default_ns;
	const char *what;
};
extern const struct cpu_cost_info cpu_cost_info[COST_NCOSTS];
/* Look a cost up by its scenario key; returns -1 when unknown. */
int cpu_cost_by_name(const char *name);

struct cpu_work;
struct cpu_task;
struct cpu_debt;
typedef void (*cpu_work_fn)(struct cpu_work *work);

/*
 * A unit of CPU work, embedded by its owner.  Invariant: an item is on at
 * most one queue (or running) at a time; @queued says so.  Only cpu.c writes
 * the fields below @task.
 *
 * What submitting and running an item touches is its first 62 bytes, so an
 * item its owner places on a cache line of its own (a NIC queue's interrupt,
 * a debt) costs one line when it has gone cold (a sender of the 1000-host
 * star submits its items once every 10 ms).  The rest is read by the busy
 * hook alone (a traced run) and by error messages.
 */
struct cpu_work {
	cpu_work_fn fn; /* called once the cost has been paid */
	void *owner;	/* for fn's use */
	uint32_t task;	/* for CPU_TASK: which task runs it; 0 is a task too ("kernel") */
	/* private to cpu.c */
	uint8_t ctx; /* enum cpu_ctx */
	bool queued;
	sim_time_t remaining;  /* switch_ns + the debt's + the item's own cost, still to pay */
	struct cpu_debt *debt; /* charges of the previous step, paid after the switch */
	struct cpu_task *se;   /* cache: the task entity of @task */
	struct cpu *on;	       /* the CPU it is queued on (several per host) */
	struct cpu_work *next;
	/* line 1 (0x40): for the busy hook; cpu.c keeps migrate_ns and
	 * switch_ns only while the CPU has one */
	const char *name;      /* what the trace calls this work, e.g. "nic0 irq" */
	sim_time_t migrate_ns; /* a migration paid first of all (COST_MIGRATE) */
	sim_time_t switch_ns;  /* a context switch paid first (COST_CTX_SWITCH) */
};
_Static_assert(offsetof(struct cpu_work, next) + 8 <= 64 && offsetof(struct cpu_work, name) == 64,
	       "struct cpu_work's hot fields are not on its first line");

static inline void
cpu_work_init(struct cpu_work *w, cpu_work_fn fn, void *owner, const char *name)
{
	*w = (struct cpu_work){ .fn = fn, .owner = owner, .name = name };
}

/* Called for every stretch of time the CPU spent on one owner (context,
 * task, function): an item's own cost, each charge it carries, a context
 * switch.  cpu_stretch_task tells the task during the call. */
typedef void (*cpu_busy_hook)(void *arg, enum cpu_ctx ctx, const char *name, sim_time_t start,
			      sim_time_t end);

struct cpu;

struct cpu *cpu_new(struct sim *sim, const char *name);
void cpu_free(struct cpu *cpu);
const char *cpu_name(const struct cpu *cpu);
struct sim *cpu_sim(const struct cpu *cpu);

/*
 * The first member of struct cpu (sim/cpu_int.h), read inline: a cost is
 * looked up for almost every charge, and the per-CPU data on every
 * softirq step (a call each was about 1% of the UDP flood's time).  The
 * cost table (COST_NCOSTS entries) is immutable and shared by every CPU of
 * the world with the same costs (sim/cpu.c, cpu_costs_intern).
 */
struct cpu_head {
	const sim_time_t *cost;
	void *percpu; /* cpu_set_percpu */
};

/* Set one cost of @cpu (on the leader of a host: of all its CPUs).  Set up
 * time only: it looks the new table up among the world's. */
void cpu_set_cost(struct cpu *cpu, enum cpu_cost which, sim_time_t ns);
static inline sim_time_t
cpu_cost(const struct cpu *cpu, enum cpu_cost which)
{
	return ((const struct cpu_head *)(const void *)cpu)->cost[which];
}
/* The cost of copying @bytes bytes (COST_COPY_PER_KB pro rata). */
static inline sim_time_t
cpu_copy_cost(const struct cpu *cpu, uint64_t bytes)
{
	return (sim_time_t)((bytes * (uint64_t)cpu_cost(cpu, COST_COPY_PER_KB) + 512) / 1024);
}
void cpu_set_busy_hook(struct cpu *cpu, cpu_busy_hook hook, void *arg);

/*
 * Queue @work to run in @ctx for @cost ns.  Preempts a running item of a
 * lower context.  @work must not already be queued.
 */
void cpu_submit(struct cpu *cpu, struct cpu_work *work, enum cpu_ctx ctx, sim_time_t cost);
/* Remove a queued, not yet finished item.  Returns true if it was queued. */
bool cpu_withdraw(struct cpu *cpu, struct cpu_work *work);

/* The context of the item whose function is running now, or CPU_NONE. */
enum cpu_ctx cpu_current_ctx(const struct cpu *cpu);
/* The task of the item whose function is running now; 0 outside task context.
 * This is the only source of "the current task": the CPU sets it when it
 * calls a task item's function (a process resumes only from there). */
uint32_t cpu_current_task(const struct cpu *cpu);
/* Within a busy hook call: the task of the stretch (0 outside task context). */
uint32_t cpu_stretch_task(const struct cpu *cpu);
/* Within a busy hook call: the number of the CPU of the stretch (0 on a
 * one-CPU host); asked of the leader, it answers for CPU k (cpu_smp_join). */
uint32_t cpu_stretch_cpu(const struct cpu *cpu);

/*
 * Charge @ns of work named @name, done now by the running item's function,
 * to the same owner (context and task).  It is paid before that flow's next
 * item (see "Charge before effect" above).  Outside any item (timers,
 * hardware) the charge is softirq work of its own.
 */
void cpu_charge(struct cpu *cpu, const char *name, sim_time_t ns);
/* True while the running function has charges its continuation will pay:
 * a flow with none may decide at once instead of through a zero-cost item. */
bool cpu_charges_pending(const struct cpu *cpu);
/* True while any item of @ctx is queued or running. */
bool cpu_ctx_busy(const struct cpu *cpu, enum cpu_ctx ctx);
bool cpu_idle(const struct cpu *cpu);

/* Busy time per context, and counts, since the CPU was created. */
sim_time_t cpu_busy_ns(const struct cpu *cpu, enum cpu_ctx ctx);
uint64_t cpu_items_run(const struct cpu *cpu, enum cpu_ctx ctx);
uint64_t cpu_preemptions(const struct cpu *cpu);
uint64_t cpu_context_switches(const struct cpu *cpu);

/*
 * Several CPUs per host (Linux SMP).  Each CPU is a struct cpu of its own:
 * its own hardirq, softirq and task contexts, its own items and run queue;
 * nothing is shared but the clock.  cpu_smp_join makes @cpu CPU number @id
 * of the group led by @leader (CPU 0, whose pointer the trace keeps), and
 * names @this_slot, a pointer the CPU sets to itself while one of its item
 * functions runs and restores afterwards: the host's "this CPU"
 * (smp_processor_id()), so that a charge (cpu_charge) is paid by the CPU
 * whose code made it.  Outside any item the slot holds CPU 0.  While CPU k
 * runs a function, cpu_current_ctx/cpu_current_task asked of the leader
 * answer for CPU k, and the busy hook's cpu_stretch_task of the leader
 * gives the task of CPU k's stretch.
 */
void cpu_smp_join(struct cpu *cpu, struct cpu *leader, uint32_t id, struct cpu **this_slot);
uint32_t cpu_id(const struct cpu *cpu);
/* The owner's per-CPU data (Linux DEFINE_PER_CPU: the stack's softnet_data). */
void cpu_set_percpu(struct cpu *cpu, void *data);
static inline void *
cpu_percpu(const struct cpu *cpu)
{
	return ((const struct cpu_head *)(const void *)cpu)->percpu;
}
/* The CPU of @n (a host's, CPU 0 first) a new process is placed on, among
 * those in @allowed (0: all): the one with the fewest placed so far, the
 * lowest on a tie (docs/cpu-model.md, "Several CPUs"). */
uint32_t cpu_select_fork(struct cpu *const *cpus, uint32_t n, uint64_t allowed);
/* Parse "0,2,5-7" (taskset -c, smp_affinity_list) or "0x5" (a hexadecimal
 * mask, /proc/irq/N/smp_affinity) into a mask of CPUs below @ncpus; false
 * when malformed, empty or naming a CPU >= @ncpus. */
bool cpu_parse_mask(const char *s, uint32_t ncpus, uint64_t *mask);
/* The number of the host's "this CPU" (cpu_smp_join's slot): the CPU whose
 * item function runs now, or whose timer fires now; asked of any CPU of
 * the host.  0 on a one-CPU host. */
uint32_t cpu_this_id(const struct cpu *cpu);

/*
 * Timers on the CPU that armed them.  Linux queues a timer_list on the
 * timer base of the CPU that runs __mod_timer (get_target_base ->
 * get_timer_this_cpu_base, kernel/time/timer.c, 6.6, with
 * kernel.timer_migration off; docs/cpu-model.md, "Timers"), and an hrtimer
 * on this CPU's clock base (hrtimer_start_range_ns -> switch_hrtimer_base),
 * and runs its function there: run_timer_softirq, hrtimer_interrupt.  A
 * netsim timer is a sim event whose second pointer is that CPU, the base:
 * cpu_timer_schedule(_at) takes @this_cpu (the host's "this CPU", host->cpu)
 * as the base; the event function hands its body to cpu_timer_run(@b, ...),
 * which makes the base "this CPU" while the body runs, so the body's
 * charges (cpu_charge outside any item) are that CPU's softirq work and its
 * trace rows carry that CPU's number.  On a one-CPU host both are plain.
 */
sim_event_id cpu_timer_schedule(struct cpu *this_cpu, sim_time_t delay, sim_event_fn fn, void *arg);
sim_event_id cpu_timer_schedule_at(struct cpu *this_cpu, sim_time_t when, sim_event_fn fn,
				   void *arg);
void cpu_timer_run(void *base, void (*body)(void *arg), void *arg);
/* Timers fired on each CPU (expired timer functions run there). */
uint64_t cpu_timers_fired(const struct cpu *cpu);
/* Runnable tasks on this CPU's run queue (rq->nr_running). */
uint32_t cpu_nr_running(const struct cpu *cpu);
/* The CPU an item is queued on (or last ran on): a migrated task's CPU. */
static inline struct cpu *
cpu_work_cpu(const struct cpu_work *w)
{
	return w->on;
}

/*
 * Task placement and migration on a host of several CPUs
 * (docs/cpu-model.md, "Where a process runs"; sim/sched_fair.c).
 * cpu_task_set_allowed gives task @task, which lives on @cpu, its
 * cpus_allowed mask (sched_setaffinity); only tasks with a mask move, and
 * only among its CPUs: per-CPU kthreads (ksoftirqd, NAPI threads) have
 * none and stay bound.  cpu_task_wake_cpu is select_task_rq_fair at a
 * wakeup: the CPU task @task should wake on, given the CPU @prev it last
 * ran on; the task (asleep) is moved there.  A periodic balancing tick
 * pulls runnable, not running tasks from the busiest run queue to idle
 * CPUs.  Each move costs the task COST_MIGRATE, a stretch named "migrate"
 * in the trace (cpu_busy, on the new CPU, in the task's name).
 */
void cpu_task_set_allowed(struct cpu *cpu, uint32_t task, uint64_t allowed);
struct cpu *cpu_task_wake_cpu(struct cpu *prev, uint32_t task);
/* Tasks moved onto @cpu from another CPU (woken there or pulled). */
uint64_t cpu_migrations(const struct cpu *cpu);
/* The CPU task @task is on now, asked of any CPU of its host (NULL: none). */
struct cpu *cpu_task_cpu(struct cpu *cpu, uint32_t task);

/* ---- the task scheduler (CFS as in Linux 6.5, kernel/sched/fair.c) -------- */

/* Linux's tunables for one CPU (sysctl_sched_*; the factor 1 + ilog2(ncpus)
 * is 1 here). */
struct cpu_sched_config {
	/* first: a wakeup reads it (struct cpu keeps it on a hot line) */
	sim_time_t sched_latency_ns;		/* 6 ms: the period every runnable task runs in */
	sim_time_t sched_min_granularity_ns;	/* 0.75 ms: the shortest slice */
	sim_time_t sched_wakeup_granularity_ns; /* 1 ms: a woken task preempts if this far behind */
	sim_time_t sched_migration_cost_ns;	/* 0.5 ms: a task that ran this recently is
						 * cache hot, and the balancer leaves it */
};
void cpu_sched_config_init(struct cpu_sched_config *c);
void cpu_set_sched_config(struct cpu *cpu, const struct cpu_sched_config *c);
const struct cpu_sched_config *cpu_sched_config(const struct cpu *cpu);

#define NICE_0_LOAD 1024
/* Linux's sched_prio_to_weight: the weight of nice -20..19 (index nice + 20). */
extern const uint32_t sched_prio_to_weight[40];

/* Name a task for the metrics (a literal or an interned string). */
void cpu_task_set_name(struct cpu *cpu, uint32_t task, const char *name);
/* Set a task's nice value (-20..19, clamped). */
void cpu_task_set_nice(struct cpu *cpu, uint32_t task, int nice);
/* CPU time a task has had (its items, the charges they carried and the
 * context switches into it): Linux's se.sum_exec_runtime. */
sim_time_t cpu_task_runtime(const struct cpu *cpu, uint32_t task);
sim_time_t cpu_task_vruntime(const struct cpu *cpu, uint32_t task);
typedef void (*cpu_task_visit)(void *arg, uint32_t task, const char *name, sim_time_t runtime,
			       uint64_t switches_in);
/* Every task the CPU has seen, in the order it first saw them. */
void cpu_foreach_task(const struct cpu *cpu, cpu_task_visit fn, void *arg);
/* TIF_NEED_RESCHED: the scheduler wants to switch tasks (slice used, or a
 * woken task should preempt the current one, or the CPU was idle). */
bool cpu_need_resched(const struct cpu *cpu);
/* The task picked to run (running, or interrupted by irq work); 0 when idle. */
uint32_t cpu_rq_curr(const struct cpu *cpu);
/* preempt_disable()/preempt_enable() for @task: while disabled, the
 * scheduler never switches away from it (local_bh_disable in Linux). */
void cpu_preempt_disable(struct cpu *cpu, uint32_t task);
void cpu_preempt_enable(struct cpu *cpu, uint32_t task);
/*
 * local_bh_disable()/local_bh_enable() around code a task runs with bottom
 * halves off (Linux include/linux/bottom_half.h), such as the okfn that
 * nf_reinject calls for a process's verdict.  Only the running task
 * function may disable them, and it must enable them again before it
 * returns to the CPU (it may not block with bottom halves off; cpu_check
 * aborts otherwise).  In softirq context they are already off, and the
 * pair nests as a no-op; in hardirq context it aborts, as Linux's
 * __local_bh_enable_ip warns (WARN_ON_ONCE(in_hardirq())).
 *
 * Softirq work raised inside the section (a NAPI poll that netif_rx
 * scheduled, NET_TX) is queued at once and runs when the task function
 * returns, before the task's next item: with no time passing inside a
 * function, that is the moment Linux's __local_bh_enable_ip (kernel/
 * softirq.c, 6.6) runs do_softirq for pending softirqs.  A simplification
 * docs/cpu-model.md names: the section's charges are paid by the task's
 * next item, after that softirq work, not before it.
 */
void cpu_local_bh_disable(struct cpu *cpu);
void cpu_local_bh_enable(struct cpu *cpu);
/* sched_yield: let every other runnable task go first at the next pick. */
void cpu_task_yield(struct cpu *cpu, uint32_t task);
/* Check the run queue's invariants; aborts naming the CPU when broken. */
void cpu_check(const struct cpu *cpu);

/*
 * Execution-context assertions for entry points whose Linux kerneldoc
 * names a required context (checked build only, like might_sleep()):
 * CPU_ASSERT_CTX(cpu, CPU_SOFTIRQ) aborts unless the running item is of
 * that context; CPU_ASSERT_BH(cpu) unless bottom halves are off: softirq
 * context, a task with preemption disabled (ksoftirqd inside
 * __do_softirq, a NAPI thread inside its poll), or a task function inside
 * cpu_local_bh_disable (nf_reinject's okfn).  @func names the caller.
 */
void cpu_assert_ctx(const struct cpu *cpu, enum cpu_ctx ctx, const char *func);
void cpu_assert_bh(const struct cpu *cpu, const char *func);
bool cpu_in_bh(const struct cpu *cpu);
#define CPU_ASSERT_CTX(cpu, ctx) NS_CHECK(cpu_assert_ctx((cpu), (ctx), __func__))
#define CPU_ASSERT_BH(cpu) NS_CHECK(cpu_assert_bh((cpu), __func__))

#endif
