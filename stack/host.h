/*
 * stack/host.h - one host: its CPU, devices, skbs, counters and layers.
 *
 * Linux counterpart: roughly a network namespace (struct net) plus the
 * per-CPU softnet_data of a one-CPU machine.
 *
 * A struct host is the world one kernel sees.  Layers keep their state
 * behind the host's private pointers (arp, ip, udp, ...), each created and
 * destroyed by its own layer: a layer that sets one registers a fini hook
 * with host_add_fini, and host_free calls the hooks, newest first, before
 * it closes the devices.  host.c never needs to know a layer's insides.
 *
 * Call sequence:
 *   pool = skb_pool_new();                  one per world: run-unique skb ids
 *   h = host_new(sim, trace_or_NULL, pool, "alice", seed);
 *   ... nic_new(h, ...), dev_open, layers' init, sim_run_until ...
 *   host_check_conservation(h, report);      every skb freed or queued?
 *   host_report_counters(h);                 counters into the trace
 *   host_free(h); ... wire_free; skb_pool_free(pool); trace_close; sim_free.
 */
#ifndef NETSIM_STACK_HOST_H
#define NETSIM_STACK_HOST_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "sim/cpu.h"
#include "sim/rng.h"
#include "sim/sim.h"
#include "stack/skbuff.h"

struct trace;
struct trace_host;
struct net_device;
struct packet_type;
struct softnet_data;
/* Other layers' state, opaque here. */
struct neigh_table;
struct ip_state;
struct udp_table;
struct tcp_state;
struct sock_table;
struct proc_table;
struct nf_state;
struct ipt_table;

#define HOST_MAX_FINI 16
#define HOST_MAX_CPUS 64
#define HOST_MAX_DROP_PLACES 64

/* Drops counted by (reason, place); place is a function name (__func__). */
struct host_drop_place {
	enum skb_drop_reason reason;
	const char *place;
	uint64_t count;
};

typedef void (*host_fini_fn)(struct host *host);

struct host {
	/* What a datagram reads of its host comes first, in two lines of a
	 * line-aligned struct (host_new): the CPU, the layers' tables, the skb
	 * pool and the live list.  At a 1000-sender star each sender's host is
	 * cold when its next datagram comes (docs/performance.md).  The first
	 * four are struct skb_host_head's (stack/skbuff.h), read inline. */
	struct sim *sim;
	/* this CPU: the CPU whose item function runs now (set by sim/cpu.c,
	 * cpu_smp_join), CPU 0 outside any item; Linux smp_processor_id() */
	struct cpu *cpu;
	struct trace_host *trace; /* NULL when not traced */
	struct skb_pool *pool;
	/* &trace->level, or TRACE_OFF's constant: what skb_traced reads.
	 * Whoever drops the trace view calls host_trace_detach. */
	const enum trace_level *trace_level;

	/* layers (each owned by its layer; NULL until that layer is set up) */
	struct neigh_table *arp;
	struct ip_state *ip;
	struct udp_table *udp;
	struct tcp_state *tcp;
	struct sock_table *socks;
	struct proc_table *procs;
	struct softnet_data *softnet; /* stack/softnet.c */

	/* skbs alive on this host: the conservation check's list */
	uint64_t live_skbs;
	struct sk_buff *live_first;
	uint64_t folded;	  /* of live_skbs, those folded (skb_desc_post) */
	const char *folded_queue; /* the queue they are on (rx_ring_free) */
	struct nf_state *nf;	  /* stack/netfilter.c, once a hook is registered */

	struct ipt_table *ipt; /* stack/ip_tables.c, once a rule is added */
	bool own_pool;
	char *name;
	struct cpu *cpus[HOST_MAX_CPUS]; /* [host] cpus = N (stack/softnet.c) */
	uint32_t ncpus;
	struct rng rng; /* stream "host:NAME" */

	/* device layer (stack/dev.c, stack/softnet.c) */
	struct net_device *dev_list;
	struct netdev_index *dev_index; /* stack/dev.c: by name, by ifindex, the tail */
	uint32_t next_ifindex;
	struct packet_type *ptype_list;

	/* drops */
	uint64_t drops[SKB_DROP_REASON_MAX];
	struct host_drop_place places[HOST_MAX_DROP_PLACES];
	uint32_t nplaces;
	uint32_t last_place; /* index of the last place hit: a cache */

	host_fini_fn fini[HOST_MAX_FINI];
	unsigned nfini;
};

/* struct skb_host_head (stack/skbuff.h) is read inline through skb->host. */
_Static_assert(offsetof(struct host, sim) == offsetof(struct skb_host_head, sim) &&
		       offsetof(struct host, cpu) == offsetof(struct skb_host_head, cpu) &&
		       offsetof(struct host, trace) == offsetof(struct skb_host_head, trace) &&
		       offsetof(struct host, pool) == offsetof(struct skb_host_head, pool) &&
		       offsetof(struct host, trace_level) ==
			       offsetof(struct skb_host_head, trace_level),
	       "struct skb_host_head must be the first members of struct host");

/*
 * A new host named @name: a CPU, the RNG stream "host:NAME" from @seed,
 * its trace view (trace_host_add, and the CPU busy hook) when @tr is not
 * NULL, and the device layer's per-host state.  @pool may be NULL: the host
 * then owns a private pool (skb ids unique only within it).
 */
struct host *host_new(struct sim *sim, struct trace *tr, struct skb_pool *pool, const char *name,
		      uint64_t seed);
/*
 * Calls the fini hooks (newest first), closes and frees the devices,
 * purges the device layer's queues and frees the host.  An skb still alive
 * afterwards is a leak: reported with g_critical, one line per skb.
 */
void host_free(struct host *host);
/*
 * The host's trace view is gone (its trace closed): host->trace becomes
 * NULL and skb_traced reads TRACE_OFF.  Call it instead of clearing
 * host->trace by hand, which would leave trace_level pointing into the
 * freed view (host_free asserts that a host without a view was detached).
 */
void host_trace_detach(struct host *host);
/* Register @fn to run at host_free.  Aborts beyond HOST_MAX_FINI. */
void host_add_fini(struct host *host, host_fini_fn fn);

static inline sim_time_t
host_now(const struct host *host)
{
	return sim_now(host->sim);
}

/*
 * Charge the CPU for work just done by the running flow of control: its
 * context and task (cpu_charge, sim/cpu.h).  The charge is billed under
 * its own name and is paid before that flow's next step: a NET_RX chain
 * decides whether the ring is empty, completes the poll and unmasks the
 * interrupt only after the protocol work of the packet it took; a process
 * runs on only after its copy is paid.  Work done outside any CPU item
 * (timers) is billed as softirq work of its own, as Linux runs timers in
 * the TIMER softirq.
 */
void host_charge(struct host *host, enum cpu_cost which);
void host_charge_ns(struct host *host, const char *what, sim_time_t ns);

/* The task whose code runs now (0 outside task context): derived from the
 * CPU, which sets it on the one resume path (sim/cpu.c cpu_item_done). */
static inline uint32_t
host_current_task(const struct host *host)
{
	return cpu_current_task(host->cpu);
}

/* Count a drop by reason and place without an skb (e.g. a frame with no RX descriptor). */
void host_count_drop(struct host *host, enum skb_drop_reason reason, const char *place);
/* Drops by @reason, over all places. */
uint64_t host_drops(const struct host *host, enum skb_drop_reason reason);
/* Drops by @reason at @place (compared by string). */
uint64_t host_drops_at(const struct host *host, enum skb_drop_reason reason, const char *place);
uint64_t host_drops_total(const struct host *host);

static inline uint64_t
host_live_skbs(const struct host *host)
{
	return host->live_skbs;
}

/*
 * The conservation check: every live skb must sit on a named queue.  Writes
 * one line per queue ("backlog 3") and one per skb owned by no queue to
 * @report (may be NULL).  Returns the number of live skbs on no queue.
 */
uint64_t host_check_conservation(const struct host *host, GString *report);

/* Write the host's counters (drops by reason and place, device and softnet stats)
 * to the trace with trace_counter.  No-op without a trace. */
void host_report_counters(struct host *host);

/* Used by skbuff.c: link a new skb into / out of the live list. */
void host_skb_born(struct host *host, struct sk_buff *skb);
void host_skb_died(struct host *host, struct sk_buff *skb);
/* skb_desc_post / skb_desc_take: a new skb, counted alive without a struct
 * as one of the host's folded skbs on the queue @queue, and its coming back. */
void host_skb_fold(struct host *host, const char *queue);
void host_skb_unfold(struct host *host, struct sk_buff *skb);
void host_skb_fold_n(struct host *host, const char *queue, uint32_t n);
void host_skb_unfold_n(struct host *host, uint32_t n);

#endif
