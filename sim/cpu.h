/*
 * sim/cpu.h - the per-host CPU: execution contexts, preemption, costs.
 *
 * Protocol work is not free, and this module is what makes receive livelock
 * visible.  A host's CPU runs one work item at a time in one of three
 * contexts, highest first: hardirq (a driver's top half), softirq (NET_RX,
 * NET_TX: NAPI polls, backlog processing, protocol input) and task
 * (processes and ksoftirqd).  An item submitted in a higher context preempts
 * the running lower one, which later resumes with only its remaining cost.
 * Within a context items run in FIFO order and do not preempt each other,
 * as a hardirq handler runs with interrupts off and softirqs never nest.
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
#include <stdint.h>
#include "sim/sim.h"

enum cpu_ctx {
	CPU_HARDIRQ = 0,
	CPU_SOFTIRQ = 1,
	CPU_TASK = 2,
	CPU_NCTX = 3,
	CPU_NONE = CPU_NCTX, /* not on the CPU: hardware, wires, timers firing */
};

const char *cpu_ctx_name(enum cpu_ctx ctx); /* "hardirq", "softirq", "task", "hw" */

/*
 * The cost table: virtual nanoseconds charged for each kind of work.  Values
 * are per event (an interrupt, a packet through a layer, a system call),
 * except COST_COPY_PER_KB, charged per 1024 bytes copied (pro rata).
 */
enum cpu_cost {
	COST_IRQ_ENTRY,	    /* interrupt entry and exit, with the handler's dispatch */
	COST_DRIVER_RX,	    /* top half or NAPI poll: one frame from the RX ring into an skb */
	COST_DRIVER_TX,	    /* hard_start_xmit: one skb onto the TX ring */
	COST_TX_COMPLETE,   /* reclaiming one sent skb after the TX-completion interrupt */
	COST_NETIF_RX,	    /* netif_rx: queue one skb on the backlog */
	COST_SOFTIRQ_ENTRY, /* entering __do_softirq / net_rx_action once */
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
typedef void (*cpu_work_fn)(struct cpu_work *work);

/*
 * A unit of CPU work, embedded by its owner.  Invariant: an item is on at
 * most one queue (or running) at a time; @queued says so.  Only cpu.c writes
 * the fields below @task.
 */
struct cpu_work {
	cpu_work_fn fn;	  /* called once the cost has been paid */
	void *owner;	  /* for fn's use */
	const char *name; /* what the trace calls this work, e.g. "nic0 irq" */
	uint32_t task;	  /* for CPU_TASK: which task runs it (context switches); 0 = kernel */
	/* private to cpu.c */
	enum cpu_ctx ctx;
	bool queued;
	sim_time_t remaining;
	struct cpu_work *next;
};

static inline void
cpu_work_init(struct cpu_work *w, cpu_work_fn fn, void *owner, const char *name)
{
	*w = (struct cpu_work){ .fn = fn, .owner = owner, .name = name };
}

/* Called for every stretch of time the CPU spent on one item. */
typedef void (*cpu_busy_hook)(void *arg, enum cpu_ctx ctx, const char *name, sim_time_t start,
			      sim_time_t end);

struct cpu;

struct cpu *cpu_new(struct sim *sim, const char *name);
void cpu_free(struct cpu *cpu);
const char *cpu_name(const struct cpu *cpu);
struct sim *cpu_sim(const struct cpu *cpu);

void cpu_set_cost(struct cpu *cpu, enum cpu_cost which, sim_time_t ns);
sim_time_t cpu_cost(const struct cpu *cpu, enum cpu_cost which);
/* The cost of copying @bytes bytes (COST_COPY_PER_KB pro rata). */
sim_time_t cpu_copy_cost(const struct cpu *cpu, uint64_t bytes);
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
/* True while any item of @ctx is queued or running. */
bool cpu_ctx_busy(const struct cpu *cpu, enum cpu_ctx ctx);
bool cpu_idle(const struct cpu *cpu);

/* Busy time per context, and counts, since the CPU was created. */
sim_time_t cpu_busy_ns(const struct cpu *cpu, enum cpu_ctx ctx);
uint64_t cpu_items_run(const struct cpu *cpu, enum cpu_ctx ctx);
uint64_t cpu_preemptions(const struct cpu *cpu);
uint64_t cpu_context_switches(const struct cpu *cpu);

#endif
