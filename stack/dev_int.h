/*
 * stack/dev_int.h - the device layer's private state, shared by
 * stack/dev.c (devices, transmit, protocol demux) and stack/softnet.c
 * (NET_RX softirq, NAPI, backlog, ksoftirqd, the livelock remedies).
 * Not part of any module's public face: nothing outside those two files
 * includes it.
 */
#ifndef NETSIM_STACK_DEV_INT_H
#define NETSIM_STACK_DEV_INT_H

#include "stack/host.h"
#include "stack/netdevice.h"

/* The steps of the NET_RX chain (sd->work): see stack/softnet.c. */
enum softnet_step {
	STEP_ENTRY,
	STEP_POLL,
	STEP_TX,
	STEP_PACKET,
	STEP_NEXT,
	STEP_GRO_FLUSH,
	STEP_EXIT
};

/*
 * Where __do_softirq runs, if anywhere (sd->chain):
 *   IDLE            no NET_RX work is queued or running;
 *   SOFTIRQ         __do_softirq at irq exit: the chain in softirq context;
 *   KSOFTIRQD_WAIT  ksoftirqd is awake, its next __do_softirq queued as a
 *                   task item, preemptible (cond_resched between passes);
 *   KSOFTIRQD       ksoftirqd inside __do_softirq, preemption disabled.
 */
enum softnet_chain { CHAIN_IDLE, CHAIN_SOFTIRQ, CHAIN_KSOFTIRQD_WAIT, CHAIN_KSOFTIRQD };

/* A singly linked list of NAPI instances (through poll_next). */
struct napi_list {
	struct napi_struct *first, *last;
};

/* Per-CPU receive state: Linux struct softnet_data (DEFINE_PER_CPU). */
struct softnet_data {
	/* Line-aligned, and laid out by what a net_rx_action reads: at a
	 * 1000-sender star each sender's is cold at each datagram's TX
	 * completion.  Lines 0 and 1: the running action and the softirq
	 * chain; lines 2 and 3: its work item, then the input gate and the
	 * counters every action counts; the settings' first line (cfg_store)
	 * after the rest of the counters; then what is read less often. */
	struct host *host;
	struct cpu *cpu;		/* the CPU it belongs to */
	struct netdev_host_config *cfg; /* the host's settings: CPU 0's cfg_store */
	uint32_t id;			/* that CPU's number */
	int budget;			/* the running net_rx_action's */
	struct napi_list poll_list;	/* scheduled instances */
	/* the running net_rx_action */
	struct napi_list list;	 /* instances this action polls */
	struct napi_list repoll; /* used their whole weight: polled next time */
	struct napi_struct *cur; /* being polled */
	sim_time_t time_limit;
	/* __do_softirq and ksoftirqd */
	sim_time_t softirq_end; /* __do_softirq's 2 ms window */
	/* RPS (net/core/dev.c, 6.6): the CPUs this one owes an IPI after its
	 * net_rx_action (rps_ipi_list) */
	uint64_t rps_ipi_mask;
	uint32_t restarts_left;
	enum softnet_step step;
	enum softnet_chain chain; /* where the chain is */
	bool in_net_rx_action;	  /* linux-6.6: napi_schedule need not raise NET_RX */
	bool pending;		  /* NET_RX raised */
	bool new_do_softirq;	  /* the queued ENTRY begins a __do_softirq */
	bool cycle_blocked;	  /* livelock remedies: rx_cycle_limit reached in this period */
	struct cpu_work work;
	bool throttled; /* livelock remedies: feedback (dev_rx_throttle) */
	struct softnet_stats stats;

	_Alignas(64) struct netdev_host_config cfg_store;
	struct sk_buff_head backlog;	 /* input_pkt_queue */
	struct napi_struct backlog_napi; /* its poll is process_backlog */
	struct napi_struct *all;	 /* every instance (netif_napi_add), for softnet_check */

	/* livelock remedies: the input gate (throttled, cycle_blocked above) */
	struct napi_list parked;    /* instances not polled while input is blocked */
	sim_time_t period_start;    /* of the current rx_cycle_period */
	sim_time_t busy_at_start;   /* hardirq + softirq busy time then */
	sim_event_id cycle_ev;	    /* the period's end, while cycle_blocked */
	struct cpu_work cycle_work; /* its hardirq half (rx_cycle_irq) */
	sim_time_t blocked_since;

	/* RPS: this CPU's own IPI (sd->csd) */
	bool rps_ipi_queued; /* an IPI to this CPU is owed or on its way */
	struct cpu_work ipi_work;
	/* RFS: packets ever taken from / put on the backlog (Linux
	 * input_queue_head / input_queue_tail; rps_dev_flow.last_qtail) */
	uint32_t input_queue_head, input_queue_tail;
	struct sd_flow_limit *flow_limit; /* flow_limit_cpu_bitmap; NULL: off */
	/* CPU 0's only: the host's sock flow table (Linux's is global) */
	struct rps_sock_flow_table *sock_flow_table;
};
/* the lines named above */
G_STATIC_ASSERT(offsetof(struct softnet_data, cycle_blocked) < 128);
G_STATIC_ASSERT(offsetof(struct softnet_data, work) == 128);
G_STATIC_ASSERT(offsetof(struct softnet_data, stats.softirq_restarts) < 256);

/* CPU @id's softnet_data, and this CPU's (the one running code now). */
static inline struct softnet_data *
softnet_of(const struct host *host, uint32_t id)
{
	return cpu_percpu(host->cpus[id]);
}
static inline struct softnet_data *
this_softnet(const struct host *host)
{
	return cpu_percpu(host->cpu);
}

/* The softnet_data that polls @n: its CPU's (netif_napi_set_cpu). */
static inline struct softnet_data *
napi_sd(const struct napi_struct *n)
{
	return softnet_of(n->host, n->cpu);
}

/* softnet.c, for dev.c: queue @skb on CPU @cpu's backlog (RPS); *@qtail
 * becomes that backlog's input_queue_tail after it */
int enqueue_to_backlog(struct sk_buff *skb, uint32_t cpu, uint32_t *qtail);
/* rps.c: the RPS/RFS CPU of @skb, or -1 (get_rps_cpu); *@rflowp becomes
 * the flow entry RFS chose, left alone when RFS chose none */
struct rps_dev_flow;
int get_rps_cpu(struct sk_buff *skb, struct rps_dev_flow **rflowp);
/* rps.c: true when this CPU's flow limit drops @skb, whose target
 * backlog holds @qlen packets (skb_flow_limit) */
bool skb_flow_limit(struct sk_buff *skb, uint32_t qlen);
/* rps.c: free a host's RPS/RFS tables (dev_host_fini), a device's (free_netdev) */
void rps_host_fini(struct host *host);
void netif_free_rps(struct net_device *dev);
/* True when RPS or RFS is set on some RX queue of @dev (Linux rps_needed) */
static inline bool
dev_rps_needed(const struct net_device *dev)
{
	return dev->rps_cpus || dev->rps_flow_table;
}
/* netif_receive_skb without RPS (process_backlog's) */
int __netif_receive_skb(struct sk_buff *skb);

/* softnet.c, for softnet_remedies.c */
void napi_list_append(struct napi_list *l, struct napi_struct *n);
struct napi_struct *napi_list_pop(struct napi_list *l);
/* raise_softirq(NET_RX_SOFTIRQ) */
void softnet_raise(struct softnet_data *sd);
/* napi_complete_done, first half: its timeout decision and GRO flush
 * (napi_gro_flush, gro_normal_list); true when packets went up, whose
 * protocol work is paid before the second half */
bool softnet_napi_complete_begin(struct napi_struct *n);
/* napi_complete_done: idle again, the IRQ unmasked or its re-poll timed */
void softnet_napi_complete(struct napi_struct *n);
/* The end of a poll that used its whole weight (__napi_poll): GRO flushes
 * the skbs held since an earlier jiffy and passes rx_list up; true when
 * packets went up. */
bool softnet_napi_repoll_flush(struct napi_struct *n);
/* The driver's poll begins with its TX ring (napi_ops.tx_cost): the cost
 * of the reclaim to pay before napi_tx_clean (0: nothing to reclaim). */
static inline sim_time_t
napi_tx_cost(struct napi_struct *n)
{
	n->tx_more = false;
	return n->ops->tx_cost ? n->ops->tx_cost(n) : 0;
}
/* ... its cost paid: free what it took (napi_ops.tx_clean). */
static inline void
napi_tx_clean(struct napi_struct *n)
{
	n->tx_more = !n->ops->tx_clean(n);
}
/* The poll is done (napi_complete_done) unless it used its whole weight or
 * left TX work (the driver's poll returned budget). */
static inline bool
napi_poll_done(const struct napi_struct *n)
{
	return !n->tx_more && (n->weight == 0 || n->work < n->weight);
}
/* What the poll counts against netdev_budget: its packets, or its whole
 * weight when it returned budget for TX work left. */
static inline int
napi_poll_budget_used(const struct napi_struct *n)
{
	return (int)(n->tx_more && n->weight > n->work ? n->weight : n->work);
}

/* softnet_remedies.c */
bool rx_gate_closed(struct softnet_data *sd);
void rx_cycle_irq(struct cpu_work *w);
void napi_park(struct softnet_data *sd, struct napi_struct *n);
void napi_thread_wake(struct napi_struct *n);

#endif
