/*
 * stack/netdevice.h - the abstract device interface (netdev core).
 *
 * Linux counterpart: include/linux/netdevice.h, net/core/dev.c.
 * Seed text: "Abstract device interface", "Receiving a packet",
 * "Dealing with interrupts and NAPI".
 *
 * Position in the call chain:
 *   transmit: (ip_finish_output ->) dev_queue_xmit -> qdisc (pfifo) ->
 *             ndo_start_xmit (the driver, stack/nic.c)
 *   receive, interrupt mode: (driver top half, hardirq) -> netif_rx ->
 *             backlog -> NET_RX softirq: net_rx_action -> process_backlog ->
 *             netif_receive_skb -> packet_type handler (ip_rcv, arp_rcv)
 *   receive, NAPI mode: (driver top half) -> napi_schedule -> NET_RX
 *             softirq: net_rx_action -> driver poll -> netif_receive_skb ->
 *             packet_type handler
 *
 * Setting up (the scenario loader's call sequence):
 *   host = host_new(...);                        stack/host.h
 *   dev_set_host_config(host, &netdev_host_cfg); optional, per host
 *   nic = nic_new(host, "eth0", mac, &nic_cfg);  stack/nic.h: allocates and
 *                                                registers the net_device
 *   nic_connect(nic, wire, side);                sim/wire.h
 *   dev_open(nic_dev(nic));                      fills the RX ring, carrier up
 *   dev_add_pack(host, &my_packet_type);         upper layers register handlers
 *
 * CPU cost and charging (DESIGN.md, "Rules the model follows"):
 *   NET_RX work is a chain of cpu_work items, one per step, so a hardirq can
 *   preempt the softirq between (and within) packets:
 *     - entering net_rx_action: COST_SOFTIRQ_ENTRY;
 *     - each call of a poll function (driver or backlog): COST_NAPI_POLL;
 *     - each packet: the NAPI instance's packet_cost (driver NAPI:
 *       COST_DRIVER_RX + COST_ETH_RCV; backlog: COST_ETH_RCV);
 *     - after each packet: the protocol work it charged;
 *     - leaving net_rx_action and __do_softirq: COST_SOFTIRQ_EXIT.
 *   A packet's item is paid first; at its completion the packet is taken,
 *   and netif_receive_skb calls the ethertype handler synchronously.  The
 *   handler (and whatever it calls: ip_rcv -> udp_rcv) charges its own
 *   work with host_charge(host, COST_IP_RCV) etc. (stack/host.h): the
 *   charges are paid before the chain's next step, which is where the poll
 *   looks at the ring again or completes and unmasks the interrupt.
 *
 * Softirq restart and ksoftirqd: at __do_softirq's end, a NET_RX raised
 * again restarts net_rx_action, at most softirq_max_restart (10) times,
 * within softirq_max_time (2 ms) and while need_resched is clear; then
 * ksoftirqd (an ordinary task of the fair scheduler) takes over.  The
 * kernel profile (netdev_host_config.kernel) says whether interrupts run
 * softirqs while ksoftirqd is awake.
 *
 * Remedies for receive livelock (Mogul and Ramakrishnan, "Eliminating
 * Receive Livelock in an Interrupt-Driven Kernel", USENIX 1996 / ACM TOCS
 * 15(3) 1997; docs/device-layer.md, "Livelock remedies"):
 *   - polling with a quota: a NAPI instance's weight is the quota of one
 *     poll; weight 0 means no quota (the poll runs while frames wait).
 *     Threaded NAPI (napi_set_threaded, Linux /sys/class/net/IF/threaded)
 *     polls from a kernel thread "napi/IF", a task: each poll of at most
 *     weight packets runs with bottom halves off, and between polls the
 *     thread calls cond_resched (napi_threaded_poll); under the bsd-1996
 *     profile it yields after every quota: the paper's polling thread.
 *   - feedback: a later stage calls dev_rx_throttle(host, true) when its
 *     queue is above a high watermark and false below a low one (the
 *     screening queue of stack/netfilter.c does, with screen_feedback on);
 *   - a CPU-cycle limit: rx_cycle_limit percent of every rx_cycle_period
 *     of hardirq + softirq time at most; the rest is left to tasks.
 *   While input is blocked (dev_rx_blocked) net_rx_action parks the
 *   devices' NAPI instances (the backlog, packets already taken in, is
 *   still processed), their interrupts stay masked and frames wait
 *   in (or are dropped by) the NIC ring, at no CPU cost; interrupt-mode
 *   drivers raise no RX interrupt.  Unblocking reschedules the parked
 *   instances and calls each device's ndo_rx_resume.
 */
#ifndef NETSIM_STACK_NETDEVICE_H
#define NETSIM_STACK_NETDEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "sim/conf.h"
#include "sim/cpu.h"
#include "sim/sim.h"
#include "stack/skbuff.h"

struct host;

#define IFNAMSIZ 16
#ifndef ETH_ALEN
#define ETH_ALEN 6
#endif

/*
 * ksoftirqd's task id: an ordinary task of the CPU's fair scheduler, which
 * pays a context switch like any other (sim/cpu.h).
 */
#define KSOFTIRQD_TASK 0x7fff0001u

/* ---- per-host settings (Linux sysctls net.core.*) ------------------------ */

struct netdev_host_config {
	/* what every net_rx_action and TX completion reads, in its first 32
	 * bytes (softnet_data keeps it on a line of its own) */
	int kernel;		      /* enum netdev_kernel: behaviours that changed (linux-6.6) */
	uint32_t rx_cycle_limit;      /* 100: percent of each period for packet work (below) */
	uint32_t netdev_budget;	      /* 300: packets per net_rx_action */
	uint32_t netdev_budget_usecs; /* 2000: time limit of one net_rx_action, us */
	uint32_t softirq_max_restart; /* 10: MAX_SOFTIRQ_RESTART */
	uint32_t dev_weight;	      /* 64: the backlog's NAPI weight */
	sim_time_t softirq_max_time;  /* 2ms: MAX_SOFTIRQ_TIME */
	uint32_t netdev_max_backlog;  /* 1000: per-CPU backlog length limit */
	/* livelock remedies (Mogul and Ramakrishnan 1997, section 7 and 6.6) */
	sim_time_t rx_cycle_period;	/* 10ms: the period of rx_cycle_limit */
	uint32_t screen_queue_len;	/* 32: stack/netfilter.c screen_queue limit */
	bool screen_feedback;		/* off: block input above screen_queue_high */
	uint32_t screen_queue_high;	/* 24: feedback blocks input at this length */
	uint32_t screen_queue_low;	/* 8: and unblocks it at this length */
	struct cpu_sched_config sched;	/* the CPU's scheduler tunables (Linux defaults) */
	uint32_t cpus;			/* 1: CPUs of the host (only grows, before the run) */
	uint32_t rps_sock_flow_entries; /* 0: RFS's sock flow table (stack/rps.h) */
};

/*
 * Kernel profiles (docs/cpu-model.md, "Kernel profiles"):
 *   linux-6.6   softirqs run at every irq exit, even while ksoftirqd is
 *               awake (the deferral of 4cd13c21b207 reverted by d15121be7485);
 *   linux-5.15  while ksoftirqd is awake, irq exit only raises NET_RX
 *               (ksoftirqd_running(), v4.9 to the revert);
 *   bsd-1996    protocol processing at software-interrupt priority above
 *               every process, no ksoftirqd (the restart loop never gives
 *               up), threaded NAPI is Mogul & Ramakrishnan's polling thread
 *               (yields to the other tasks after every quota).
 */
enum netdev_kernel { KERNEL_LINUX_6_6, KERNEL_LINUX_5_15, KERNEL_BSD_1996 };
extern const char *const netdev_kernel_names[];

/* Keys: netdev_budget, netdev_budget_usecs, netdev_max_backlog, dev_weight,
 * softirq_max_restart, softirq_max_time, rx_cycle_limit, rx_cycle_period,
 * screen_queue_len, screen_feedback, screen_queue_high, screen_queue_low. */
extern const struct conf_key netdev_host_conf_keys[];
void netdev_host_config_init(struct netdev_host_config *c);
/* Copy @c into the host (before or during a run). */
void dev_set_host_config(struct host *host, const struct netdev_host_config *c);
/* The host's live settings, writable (conf_set through netdev_host_conf_keys). */
struct netdev_host_config *dev_host_config(struct host *host);

/* ---- devices --------------------------------------------------------------- */

/* Counters of one device (Linux rtnl_link_stats64 and drops by reason). */
struct net_device_stats {
	uint64_t rx_packets, rx_bytes;	     /* handed to the stack */
	uint64_t tx_packets, tx_bytes;	     /* put on the wire */
	uint64_t rx_dropped, tx_dropped;     /* sums of drops[] by direction */
	uint64_t drops[SKB_DROP_REASON_MAX]; /* drops at this device by reason */
};

enum netdev_tx {
	NETDEV_TX_OK = 0x00,   /* driver took the skb */
	NETDEV_TX_BUSY = 0x10, /* driver could not take it; the core requeues it */
};

#define NET_XMIT_SUCCESS 0
#define NET_XMIT_DROP 1
#define NET_RX_SUCCESS 0
#define NET_RX_DROP 1

struct net_device;

/* A driver's ops table: static const, designated initializers. */
struct net_device_ops {
	int (*ndo_open)(struct net_device *dev); /* optional; 0 = ok */
	int (*ndo_stop)(struct net_device *dev); /* optional */
	/*
	 * Required; cannot be NULL.  Place @skb on the hardware queue.  On
	 * NETDEV_TX_OK the driver owns the skb; on NETDEV_TX_BUSY it did not
	 * take it (it should have stopped the queue first: netif_stop_queue).
	 */
	enum netdev_tx (*ndo_start_xmit)(struct sk_buff *skb, struct net_device *dev);
	/* optional: free the driver's private state (called by free_netdev) */
	void (*ndo_uninit)(struct net_device *dev);
	/* optional: input is unblocked (dev_rx_blocked is false again): raise
	 * the RX interrupt if frames wait */
	void (*ndo_rx_resume)(struct net_device *dev);
	/* optional: called by register_netdevice before the device is linked
	 * in (Linux ndo_init); an error fails the registration */
	int (*ndo_init)(struct net_device *dev);
};

/*
 * Device features (Linux include/linux/netdev_features.h), switched by
 * their ethtool names (ethtool -K IF tx-checksumming on ...):
 *   NETIF_F_HW_CSUM  tx-checksumming: the NIC fills a CHECKSUM_PARTIAL sum
 *   NETIF_F_RXCSUM   rx-checksumming: the NIC verifies TCP/UDP sums
 *   NETIF_F_TSO      tcp-segmentation-offload: the NIC cuts a GSO skb
 *   NETIF_F_GSO      generic-segmentation-offload: the stack builds GSO skbs
 *                    and skb_gso_segment cuts them in software
 *   NETIF_F_GRO      generic-receive-offload: the driver's poll hands frames
 *                    to napi_gro_receive, which merges a flow's segments
 *                    (stack/gro.h)
 *   NETIF_F_GSO_UDP_L4   tx-udp-segmentation: the NIC cuts a UDP GSO skb
 *   NETIF_F_GRO_UDP_FWD  rx-udp-gro-forwarding: GRO merges UDP datagrams
 *                    that no local socket asked to receive merged
 */
typedef uint32_t netdev_features_t;
#define NETIF_F_HW_CSUM (1u << 0)
#define NETIF_F_RXCSUM (1u << 1)
#define NETIF_F_TSO (1u << 2)
#define NETIF_F_GSO (1u << 3)
#define NETIF_F_GRO (1u << 4)
#define NETIF_F_GSO_UDP_L4 (1u << 5)
#define NETIF_F_GRO_UDP_FWD (1u << 6)
/* Linux GSO_LEGACY_MAX_SIZE and GSO_MAX_SEGS (include/linux/netdevice.h, 6.6) */
#define GSO_LEGACY_MAX_SIZE 65536u
#define GSO_MAX_SEGS 65535u

struct net_device {
	/* Line-aligned (alloc_netdev) and laid out by what a frame touches:
	 * at a 1000-sender star each sender's device is cold at each
	 * datagram it sends, and each of the router's at each it receives.
	 * Sending (ip_finish_output, neigh_output, dev_queue_xmit, the qdisc,
	 * the driver, the TX-completion NAPI) and receiving (the driver,
	 * GRO, RPS's test, NAPI's completion) each read lines 0 and 1 only,
	 * the four packet and byte counters at the end of line 1; the name
	 * and what is set up once come after (Linux groups net_device's
	 * fast-path fields in the same way:
	 * Documentation/networking/net_cachelines/net_device.rst). */
	struct host *host;
	const struct net_device_ops *netdev_ops;
	void *priv; /* the driver's private area (netdev_priv), after the struct */
	/* the transmit queues (Linux dev->_tx, real_num_tx_queues): one, or
	 * several under an mq root (netif_set_real_num_tx_queues) */
	struct netdev_queue *_tx;
	uint32_t ifindex; /* 1.. per host, in registration order */
	uint32_t mtu;	  /* payload bytes above Ethernet, 1500 */
	uint8_t dev_addr[ETH_ALEN];
	uint16_t hard_header_len;   /* ETH_HLEN */
	netdev_features_t features; /* NETIF_F_*: the offloads switched on */
	uint32_t tx_queue_len;	    /* qdisc limit, 1000 */
	uint32_t ecn_mark;	    /* mark ECT packets CE from this qdisc length on; 0 off */
	uint32_t num_tx_queues;
	/* line 1 */
	/* RPS: per RX queue, the CPUs that do its protocol work
	 * (/sys/class/net/IF/queues/rx-N/rps_cpus); NULL when none is set */
	uint64_t *rps_cpus;
	/* RFS: per RX queue, its flow table (rx-N/rps_flow_cnt, stack/rps.h);
	 * NULL when none is set */
	struct rps_dev_flow_table **rps_flow_table;
	/* /sys/class/net/IF/napi_defer_hard_irqs and gro_flush_timeout (Linux
	 * 5.10+): a NAPI completion that took packets leaves the IRQ masked up
	 * to napi_defer_hard_irqs times and re-polls after gro_flush_timeout */
	sim_time_t gro_flush_timeout;
	uint32_t napi_defer_hard_irqs;
	bool up; /* IFF_UP: dev_open succeeded */
	bool registered;
	uint16_t needed_headroom; /* what upper layers reserve for this device */
	struct net_device_stats stats;

	char name[IFNAMSIZ];
	uint8_t broadcast[ETH_ALEN];
	uint64_t ecn_marked;   /* packets the qdisc marked CE */
	uint32_t gso_max_size; /* largest GSO skb, GSO_LEGACY_MAX_SIZE */
	uint32_t gso_max_segs; /* GSO_MAX_SEGS */
	void *ip_ptr;	       /* IPv4 layer's per-device state (in_device), not ours */
	uint32_t num_rx_queues;
	/* XPS by CPU (Linux dev->xps_maps[XPS_CPUS], one xps_map per CPU):
	 * for each CPU, the mask of TX queues whose xps_cpus name it; NULL
	 * until netif_set_xps_queue sets one */
	uint64_t *xps_cpu_queues;

	/* private to dev.c */
	struct net_device *next; /* the host's device list */
};
/* the two lines above: from host to num_tx_queues, then from rps_cpus to
 * the stats' tx_bytes */
G_STATIC_ASSERT(offsetof(struct net_device, num_tx_queues) + 4 <= 64);
G_STATIC_ASSERT(offsetof(struct net_device, rps_cpus) == 64);
G_STATIC_ASSERT(offsetof(struct net_device, stats) + offsetof(struct net_device_stats, tx_bytes) +
			8 <=
		128);

/*
 * One transmit queue (Linux struct netdev_queue) and its qdisc.  A device
 * with one queue has one pfifo qdisc (named "qdisc"); a device with
 * several has Linux's mq root (net/sched/sch_mq.c, the default root of a
 * multi-queue device, attach_default_qdiscs) with one pfifo child per
 * queue ("qdisc:N"), each limited to tx_queue_len and run on its own.
 */
struct netdev_queue {
	struct net_device *dev;
	uint32_t index;
	bool stopped;		   /* __QUEUE_STATE_DRV_XOFF (netif_tx_stop_queue) */
	struct sk_buff_head qdisc; /* pfifo */
	uint64_t qdisc_drops;	   /* packets its qdisc refused (full) */
	struct cpu_work tx_work;   /* NET_TX softirq for this queue (__netif_schedule) */
};

/*
 * A new device named @name with a zeroed private area of @priv_size bytes.
 * Not yet visible: call register_netdevice.
 */
struct net_device *alloc_netdev(struct host *host, const char *name, size_t priv_size,
				const struct net_device_ops *ops);
static inline void *
netdev_priv(const struct net_device *dev)
{
	return dev->priv;
}
/* Call the driver's ndo_init, then add @dev to its host's list and give it
 * an ifindex.  Returns 0, or ndo_init's error (a positive one becomes
 * -EIO, as Linux): the device is then not registered. */
int register_netdevice(struct net_device *dev);
/* Close @dev and take it off the host's list. */
void unregister_netdevice(struct net_device *dev);
/* Calls ndo_uninit and frees.  @dev must be unregistered. */
void free_netdev(struct net_device *dev);

/* Bring @dev up (ndo_open).  Returns 0 or the driver's error. */
int dev_open(struct net_device *dev);
/* Bring @dev down: ndo_stop, then purge the qdisc. */
void dev_close(struct net_device *dev);

struct net_device *dev_get_by_name(struct host *host, const char *name);
struct net_device *dev_get_by_index(struct host *host, uint32_t ifindex);
/* Iterate a host's devices: for (d = dev_first(h); d; d = d->next). */
struct net_device *dev_first(struct host *host);

/* Count a drop at @dev (stats.drops and rx/tx_dropped) without an skb. */
void dev_count_drop(struct net_device *dev, enum skb_drop_reason reason, bool rx);

/* ---- transmit ---------------------------------------------------------------- */

/*
 * Queue @skb (skb->dev set, link header pushed) on its device's qdisc and
 * run the qdisc.  Drops with SKB_DROP_QDISC_FULL at tx_queue_len, and with
 * SKB_DROP_DEV_DOWN when the device is down.  Consumes @skb.
 * Returns NET_XMIT_SUCCESS or NET_XMIT_DROP.
 */
int dev_queue_xmit(struct sk_buff *skb);
/* Driver, before register_netdevice: the device has @n TX queues (Linux
 * alloc_netdev_mqs / netif_set_real_num_tx_queues).  1 by default. */
void netif_set_real_num_tx_queues(struct net_device *dev, uint32_t n);
static inline struct netdev_queue *
netdev_get_tx_queue(const struct net_device *dev, uint32_t index)
{
	return &dev->_tx[index];
}
/* /sys/class/net/IF/queues/tx-N/xps_cpus (Linux netif_set_xps_queue):
 * packets sent from a CPU of @mask go to queue @index. */
void netif_set_xps_queue(struct net_device *dev, uint64_t mask, uint32_t index);
/*
 * The TX queue for @skb (Linux 6.6 net/core/dev.c netdev_core_pick_tx ->
 * netdev_pick_tx): the socket's cached queue, unless the skb may go out of
 * order (skb->ooo_okay) or there is none; else XPS by the sending CPU
 * (get_xps_queue), else the flow hash (skb_tx_hash).  Sets
 * skb->queue_mapping.  Exposed for the tests.
 */
struct netdev_queue *netdev_core_pick_tx(struct net_device *dev, struct sk_buff *skb);
/* Driver: a hardware queue is full / has room again (runs its qdisc from
 * NET_TX).  The netif_*_queue forms act on queue 0, as Linux's. */
void netif_tx_stop_queue(struct netdev_queue *txq);
void netif_tx_wake_queue(struct netdev_queue *txq);
static inline bool
netif_tx_queue_stopped(const struct netdev_queue *txq)
{
	return txq->stopped;
}
static inline void
netif_stop_queue(struct net_device *dev)
{
	netif_tx_stop_queue(netdev_get_tx_queue(dev, 0));
}
static inline void
netif_wake_queue(struct net_device *dev)
{
	netif_tx_wake_queue(netdev_get_tx_queue(dev, 0));
}
static inline bool
netif_queue_stopped(const struct net_device *dev)
{
	return netif_tx_queue_stopped(netdev_get_tx_queue(dev, 0));
}

/* ---- receive --------------------------------------------------------------- */

/*
 * An ethertype handler (Linux struct packet_type).  Register with
 * dev_add_pack; the handler is called from netif_receive_skb with
 * skb->data at the network header.
 */
struct packet_type {
	uint16_t type;		/* ethertype, host byte order (ETH_P_IP) */
	enum trace_layer layer; /* trace layer of the handler: LAYER_IP */
	const char *func_name;	/* name of the handler in the trace: "ip_rcv" */
	/* Required.  Consumes @skb.  Returns NET_RX_SUCCESS or NET_RX_DROP.
	 * Charges its own CPU cost with host_charge. */
	int (*func)(struct sk_buff *skb, struct net_device *dev, struct packet_type *pt);
	void *priv;		  /* for the handler's use */
	struct packet_type *next; /* private to dev.c */
};

void dev_add_pack(struct host *host, struct packet_type *pt);
void dev_remove_pack(struct host *host, struct packet_type *pt);

/*
 * Queue @skb (eth_type_trans done) on the host's backlog and raise NET_RX.
 * Drops with SKB_DROP_BACKLOG_FULL at netdev_max_backlog.  Consumes @skb.
 * Returns NET_RX_SUCCESS or NET_RX_DROP.
 */
int netif_rx(struct sk_buff *skb);
/*
 * Deliver @skb (eth_type_trans done) to the handler for skb->protocol.
 * Drops with SKB_DROP_BAD_FRAME for protocol 0 (not Ethernet II) and
 * SKB_DROP_UNHANDLED_PROTO for an unknown ethertype.  Consumes @skb.
 */
int netif_receive_skb(struct sk_buff *skb);

/* ---- NAPI ---------------------------------------------------------------- */

struct napi_struct;

/*
 * Where a NAPI instance is (napi_struct.where), and who moves it:
 *
 *   from       event                               to         function
 *   IDLE       napi_schedule (not threaded)        POLL_LIST  napi_schedule
 *   IDLE       napi_schedule (threaded)            THREAD     napi_thread_wake
 *   POLL_LIST  net_rx_action takes the poll list   LIST       softnet_step_done
 *   LIST       its turn comes                      POLLING    poll_next
 *   LIST       input blocked                       PARKED     napi_park
 *   POLLING    ring empty or under weight          IDLE       poll_end (complete)
 *   POLLING    used its whole weight               REPOLL     poll_end
 *   POLLING    input blocked, work waits           PARKED     poll_end
 *   REPOLL     net_rx_action ends                  POLL_LIST  net_rx_action_end
 *   LIST       net_rx_action ends early            POLL_LIST  net_rx_action_end
 *   PARKED     input unblocked                     POLL_LIST  rx_gate_update
 *                                                  or THREAD
 *   THREAD     a poll finds the ring empty         IDLE       napi_thread_continue
 *   THREAD     input blocked                       PARKED     napi_thread_*
 *   any        netif_napi_del                      IDLE       netif_napi_del
 *
 * Each of POLL_LIST, LIST, REPOLL and PARKED is one list of the host's
 * softnet_data; POLLING is sd->cur; THREAD is the thread's work item.
 * softnet_check() checks that every instance is where its field says.
 */
enum napi_where {
	NAPI_IDLE,	/* not scheduled */
	NAPI_POLL_LIST, /* sd->poll_list: waiting for net_rx_action */
	NAPI_LIST,	/* sd->list: taken by the running net_rx_action */
	NAPI_POLLING,	/* sd->cur: being polled */
	NAPI_REPOLL,	/* sd->repoll: used its weight, polled again next time */
	NAPI_PARKED,	/* sd->parked: input is blocked */
	NAPI_THREAD,	/* owned by its thread (threaded NAPI) */
};
const char *napi_where_name(enum napi_where w);

/*
 * A NAPI instance's poll, unrolled into per-packet CPU items: Linux's
 * poll(napi, budget) loop is "while (work < budget && has_work) rx_one".
 */
struct napi_ops {
	/* Required: is a packet waiting? */
	bool (*has_work)(struct napi_struct *n);
	/* Required: take one packet and pass it up (netif_receive_skb).  The
	 * protocol work it charges is paid before the poll looks at the ring
	 * again (has_work) or completes: Linux's poll runs netif_receive_skb
	 * synchronously. */
	void (*rx_one)(struct napi_struct *n);
	/* Required: CPU cost of one rx_one, paid before it runs. */
	sim_time_t (*packet_cost)(struct napi_struct *n);
	/* Optional: the poll found no work: the driver re-enables its interrupt
	 * (napi_complete_done). */
	void (*complete)(struct napi_struct *n);
	/* Optional, both or neither: the poll begins with the driver's TX
	 * ring, before any packet (e1000_clean: e1000_clean_tx_irq, then
	 * clean_rx).  tx_cost takes the descriptors the hardware has completed
	 * and returns the CPU cost of reclaiming them (0: none); it is paid
	 * before tx_clean frees them.  Reclaim does not count against the
	 * poll's weight; it has its own limit, and tx_clean returns false when
	 * it stopped there with work left: the poll then counts its whole
	 * weight against netdev_budget and stays scheduled, as e1000_clean
	 * returns budget when !tx_clean_complete. */
	sim_time_t (*tx_cost)(struct napi_struct *n);
	bool (*tx_clean)(struct napi_struct *n);
};

/* GRO's per-NAPI lists (Linux struct gro_list, include/linux/netdevice.h 6.6). */
#define GRO_HASH_BUCKETS 8
struct gro_list {
	struct sk_buff_head list; /* held skbs, oldest first, named "gro_hash" */
	uint32_t count;
};

struct napi_struct {
	/* Lines 0 and 1: what a poll reads and writes (napi_poll, the
	 * driver's poll, napi_complete_done), so that at a 1000-sender star,
	 * where each instance is cold when its next frame comes, a poll costs
	 * two lines; the rest, and the per-bucket GRO lists, after them. */
	const char *name;	/* "eth0 napi", "backlog": a literal or lives as long */
	struct net_device *dev; /* NULL for the backlog */
	struct host *host;
	const struct napi_ops *ops;
	void *priv;	       /* the driver's */
	uint32_t weight;       /* packets per poll (the quota), 64; 0 = unlimited */
	enum napi_where where; /* the one location field (see the table above) */
	uint32_t cpu;	       /* the CPU whose softnet_data polls it (netif_napi_set_cpu) */
	uint32_t queue;	       /* the device's RX queue it polls (0 for one queue) */
	bool threaded;	       /* polled by its own thread (napi_set_threaded) */
	/* private to dev.c and gro.c from here on, but for the counters
	 * (polls, packets, completes, full_polls, parks, deferred, gro_*) */
	bool tx_more;		   /* poll_tx stopped at its limit in this poll */
	uint8_t thread_step;	   /* threaded: the poll call, a packet, or after a packet */
	bool complete_keep_masked; /* napi_complete_done leaves the IRQ masked */
	bool complete_begun;	   /* softnet_napi_complete_begin ran for this completion */
	/* line 1 */
	uint64_t polls;	     /* poll calls */
	uint64_t packets;    /* packets taken by rx_one */
	uint64_t completes;  /* polls that found the work done */
	uint64_t full_polls; /* polls that used the whole weight */
	struct napi_struct *poll_next;
	sim_time_t complete_timeout; /* napi_complete_done's timeout, decided before its flush */
	uint32_t work;
	uint32_t gro_bitmask; /* GRO (stack/gro.c): buckets holding skbs (gro_hash, below) */
	uint32_t rx_count;    /* segments on rx_list (gro_normal_one counts segs) */
	/* line 2 on */
	uint32_t defer_hard_irqs_count;
	struct sk_buff_head rx_list;  /* gro_normal_list: completed or not-merged skbs, "rx_list" */
	uint64_t parks;		      /* polls not made because input was blocked */
	uint64_t deferred;	      /* completions that left the IRQ masked (defer_hard_irqs) */
	sim_event_id defer_timer;     /* napi_watchdog: re-polls after gro_flush_timeout */
	struct napi_struct *all_next; /* the host's instances */
	uint64_t gro_merged;	      /* segments merged into a held skb */
	uint64_t gro_completed;	      /* held skbs passed up by napi_gro_complete */
	/* rarely touched */
	struct napi_struct **all_pprev; /* what points at it in that list (O(1) unlink) */
	struct cpu_work watchdog_work;	/* defer_timer's hardirq half, on the CPU that armed it */
	struct cpu_work thread_work;	/* threaded: the thread's poll call, or one packet */
	struct gro_list gro_hash[GRO_HASH_BUCKETS];
};
_Static_assert(offsetof(struct napi_struct, polls) == 64 &&
		       offsetof(struct napi_struct, rx_count) + 4 <= 128,
	       "struct napi_struct: a poll's fields left lines 0 and 1");

/* NAPI_STATE_SCHED: anywhere but idle. */
static inline bool
napi_is_scheduled(const struct napi_struct *n)
{
	return n->where != NAPI_IDLE;
}

void netif_napi_add(struct host *host, struct net_device *dev, struct napi_struct *n,
		    const char *name, const struct napi_ops *ops, uint32_t weight, void *priv);
/* Poll @n on CPU @cpu (< host->ncpus): the CPU its interrupt is routed
 * to (smp_affinity), whose poll list napi_schedule uses; 0 by default.
 * Only while @n is idle. */
void netif_napi_set_cpu(struct napi_struct *n, uint32_t cpu);
/* RPS (Linux /sys/class/net/IF/queues/rx-@queue/rps_cpus): packets of
 * that RX queue go to the backlog of the CPU of @mask their flow hash
 * picks (get_rps_cpu); 0 turns it off.  @queue < @nqueues, the device's
 * RX queues. */
void netif_set_rps_cpus(struct net_device *dev, uint32_t nqueues, uint32_t queue, uint64_t mask);
/* Remove @n from any poll list (device teardown). */
void netif_napi_del(struct napi_struct *n);
/* Put @n on the host's poll list and raise NET_RX (threaded: wake its
 * thread).  Returns false if it was already scheduled. */
bool napi_schedule(struct napi_struct *n);
/* Poll @n from a kernel thread "napi/DEV" (Linux dev_set_threaded). */
void napi_set_threaded(struct napi_struct *n, bool threaded);
/* Task id of @n's thread on the host CPU (cpu_work.task). */
uint32_t napi_thread_task(const struct napi_struct *n);

/* ---- livelock remedies: blocking input ------------------------------------ */

/* Feedback from a later stage: block (@on) or unblock input. */
void dev_rx_throttle(struct host *host, bool on);
/* True while input is blocked by feedback or by the cycle limit (CPU 0's
 * gate; the cycle limit counts each CPU's own packet work). */
bool dev_rx_blocked(struct host *host);
/* The same for CPU @cpu: the gate of the CPU a receive queue's IRQ goes to. */
bool dev_rx_blocked_cpu(struct host *host, uint32_t cpu);

/* ---- per-host softnet counters (Linux /proc/net/softnet_stat and more) ---- */

struct softnet_stats {
	/* counted by every net_rx_action: first (softnet_data's hot lines) */
	uint64_t net_rx_actions;   /* net_rx_action runs (softirq or ksoftirqd) */
	uint64_t napi_polls;	   /* poll calls, all instances */
	uint64_t softirq_restarts; /* restarts inside __do_softirq */
	uint64_t processed;	   /* packets handed to netif_receive_skb */
	uint64_t dropped;	   /* backlog full */
	uint64_t time_squeeze;	   /* net_rx_action stopped by budget or time */
	uint64_t ksoftirqd_wakeups;
	uint64_t ksoftirqd_actions; /* net_rx_action runs in ksoftirqd */
	uint32_t backlog_len;	    /* now */
	uint32_t backlog_max;	    /* high-water mark */
	uint64_t unhandled;	    /* frames with no ethertype handler */
	uint64_t rx_throttles;	    /* times feedback blocked input */
	uint64_t cycle_limit_hits;  /* periods in which rx_cycle_limit blocked input */
	uint64_t parks;		    /* polls not made because input was blocked */
	sim_time_t blocked_ns;	    /* time input was blocked */
	uint64_t received_rps;	    /* RPS IPIs this CPU took (softnet_stat's received_rps) */
	uint64_t flow_limit_count;  /* packets its flow limit dropped (softnet_stat's) */
};

/* Summed over the host's CPUs (backlog_max: the largest of them). */
void dev_softnet_stats(struct host *host, struct softnet_stats *out);
/* CPU @cpu's alone. */
void dev_softnet_stats_cpu(struct host *host, uint32_t cpu, struct softnet_stats *out);
/* True while NET_RX work is pending or running (softirq or ksoftirqd). */
bool dev_softirq_busy(struct host *host);
/* Check the softnet and NAPI invariants; aborts naming the host when broken. */
void softnet_check(const struct host *host);
/* True while ksoftirqd is awake. */
bool dev_ksoftirqd_running(struct host *host);

/* Host lifecycle hooks, called by stack/host.c. */
void dev_host_init(struct host *host);
void dev_host_fini(struct host *host);

#endif
