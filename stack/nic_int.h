/*
 * stack/nic_int.h - the NIC driver's private state, shared by stack/nic.c
 * (settings, receive, NAPI poll, open/stop, creation) and stack/nic_tx.c
 * (the TX ring, ndo_start_xmit, TX completion).  Nothing outside those
 * two files includes it.
 *
 * Linux splits a driver the same way: e.g. drivers/net/ethernet/intel/
 * igb keeps the transmit path (igb_xmit_frame_ring, igb_clean_tx_irq)
 * apart from the receive path in igb_main.c's sections, and ixgbe has
 * ixgbe_main.c beside ixgbe_txrx_common.h.
 */
#ifndef NETSIM_STACK_NIC_INT_H
#define NETSIM_STACK_NIC_INT_H

#include "stack/host.h"
#include "stack/net_dim.h"
#include "stack/nic.h"
#include "stack/rss.h"

enum irq_step { IRQ_ENTRY, IRQ_FRAME, IRQ_RECLAIM };

/*
 * One RX queue (ethtool -L rx N): its own descriptor ring, interrupt and
 * NAPI instance, as a multi-queue driver's ring vector (ixgbe's
 * q_vector, mlx5e's channel).  Its interrupt goes to CPU @cpu
 * (/proc/irq/N/smp_affinity), whose softnet_data polls its NAPI.
 */
struct nic_rxq {
	/* Lines 0 and 1: what the interrupt reads, whichever its cause (a
	 * sender's queue sees TX completions alone); line 2: the interrupt's
	 * item, whose hot part is one line (sim/cpu.h); line 3: the receive
	 * side's counter and free descriptors, beside the item's cold part;
	 * then the NAPI instance on a line of its own.  At 1000 senders each
	 * queue is cold when its next frame comes: a sender's costs three
	 * lines, the router's four. */
	struct nic *nic;
	uint32_t index;
	uint32_t cpu;		/* the CPU its interrupt is routed to */
	uint64_t rx_napi_pkts;	/* packets the NAPI poll took (net_dim's pkt_ctr) */
	uint64_t rx_napi_bytes; /* and their bytes (byte_ctr) */
	uint64_t rx_irqs;	/* interrupts of this queue */
	uint32_t coal_usecs;	/* its coalescing (ethtool -C; adaptive_rx moves it) */
	uint32_t coal_frames;
	/* empty pre-allocated buffers, posted as folded skbs: rx_free_len in
	 * all, the oldest first.  Those posted at open on an untraced host are
	 * a range (skb_desc_post_n: rx_lazy of them, ids from rx_lazy_id, all
	 * stamped rx_lazy_tstamp) and are taken first; the refills after are
	 * skb_descs in rx_free, a ring of rx_free_cap (grown up to cfg.rx_ring
	 * as needed), its oldest at rx_free_head. */
	uint32_t rx_free_len, rx_lazy;
	struct sk_buff_head rx_ring; /* filled descriptors, oldest first */
	bool rx_irq_enabled;	     /* RX interrupt unmasked */
	bool rx_irq_asserted;	     /* raised and its handler not finished */
	enum irq_step rx_step;
	uint32_t coalesce_count; /* frames waiting for a coalesced interrupt */
	sim_event_id coalesce_ev;
	_Alignas(64) struct cpu_work rx_irq_work;
	uint64_t rx_frames; /* frames RSS steered to it */
	uint64_t rx_lazy_id;
	sim_time_t rx_lazy_tstamp;
	struct skb_desc *rx_free;
	uint32_t rx_free_head, rx_free_cap;
	struct napi_struct napi;
	struct dim rx_dim; /* adaptive_rx: net_dim state */
};

/*
 * One TX queue (ethtool -L tx N): its own descriptor ring, stopped and
 * woken on its own (netif_tx_stop_queue), fed by its own qdisc (the
 * netdev_queue of the same number).  Its completions are a cause of RX
 * queue (index mod rx_queues)'s interrupt and are reclaimed by that
 * queue's NAPI poll, as a multi-queue driver pairs a TX and an RX ring
 * in one vector (igb_clean_tx_irq and ixgbe_clean_tx_irq, called from
 * the vector's poll before its RX ring).
 */
struct nic_txq {
	struct nic *nic;
	uint32_t index;
	struct sk_buff_head tx_ring; /* owned by the hardware, oldest first */
	struct sk_buff *tx_next;     /* first skb in tx_ring not yet sent */
	uint32_t tx_clean;	     /* sent skbs at the head of tx_ring, not yet reclaimed */
	uint32_t tx_reclaiming;	     /* skbs the TX-completion handler's reclaim item frees */
	uint32_t tx_napi_taken;	     /* skbs the NAPI poll's TX step frees (tx_cost) */
	bool tx_irq_asserted;
	enum irq_step tx_step;
	uint64_t packets, bytes;     /* frames put on the wire, and their bytes */
	struct cpu_work tx_irq_work; /* interrupt mode only: after the per-frame fields */
};

struct nic {
	/* Line-aligned (alloc_netdev puts it on the line after its
	 * net_device) and laid out by what a frame reads, as the queues
	 * above: at a 1000-sender star each sender's NIC and each of the
	 * router's 1001 is cold when its next frame comes.  Line 0: what
	 * both paths read; line 1: the TX state, then the settings, whose
	 * first 24 bytes (rx_ring, tx_ring, mtu, napi, promisc, adaptive_rx:
	 * what a frame or a poll reads, struct nic_config) end that line; then the counters, on a
	 * line of their own: a received frame counts in their first line
	 * (rx_frames, rx_dma, rx_irqs), a sent one in their second
	 * (tx_frames, tx_napi_irqs, tx_completed, tx_polled).  A sent frame
	 * costs three lines of the NIC, a received one three. */
	struct net_device *dev;
	struct host *host;
	struct wire *wire;
	struct nic_rxq *rxq; /* nrxq queues */
	struct nic_txq *txq; /* ntxq queues */
	struct trace_pcap *pcap;
	const char *ifname; /* interned: the trace keeps it by pointer */
	uint16_t nrxq;	    /* at most 64 each (tx_unsent's bits, the key ranges) */
	uint16_t ntxq;
	uint32_t rx_buf_size;

	/* TX: the queues' rings; the hardware serves them in turn (tx_kick) */
	int side;		/* our end of the wire */
	uint32_t tx_rr;		/* the queue tx_kick looks at first */
	struct nic_txq *tx_cur; /* the queue whose frame is on the wire */
	uint64_t tx_unsent;	/* bit i: txq[i].tx_next is set (tx_pick); <= 64 queues */
	uint32_t tx_on_wire;	/* 1 while our frame is being serialised */
	uint32_t tx_seg;	/* TSO: the next frame of tx_cur's tx_next */
	bool tx_last_frame;	/* the frame on the wire ends its skb */

	struct nic_config cfg;

	_Alignas(64) struct nic_stats stats;

	/* the hash key and indirection table (ethtool -x), read only with
	 * several RX queues: after the per-frame fields */
	struct rss_ctx rss;
};
/* the lines named above */
G_STATIC_ASSERT(offsetof(struct nic_rxq, coalesce_ev) + 8 <= 128 &&
		offsetof(struct nic_rxq, rx_irq_work) == 128 &&
		offsetof(struct nic_rxq, napi) == 256);
G_STATIC_ASSERT(offsetof(struct nic, side) == 64 && offsetof(struct nic, cfg.adaptive_rx) < 128);
G_STATIC_ASSERT(offsetof(struct nic, stats) == 192);
G_STATIC_ASSERT(offsetof(struct nic_stats, rx_irqs) < 64 &&
		offsetof(struct nic_stats, tx_frames) >= 64 &&
		offsetof(struct nic_stats, tx_napi_irqs) >= 64);

/* The CPU the queue's interrupt is delivered to (smp_affinity). */
static inline struct cpu *
rxq_cpu(const struct nic_rxq *q)
{
	return q->nic->host->cpus[q->cpu];
}

/* The RX queue whose vector reclaims TX queue @t. */
static inline struct nic_rxq *
txq_rxq(const struct nic_txq *t)
{
	return &t->nic->rxq[t->index % t->nic->nrxq];
}

/* nic.c: @n more frames (and, NAPI mode, queue 0: @tx TX completions) wait
 * for an interrupt; raise it now or per coalescing. */
void irq_note(struct nic_rxq *q, uint32_t n, uint32_t tx);

/* nic_tx.c: ndo_start_xmit; the wire's end of a sent frame; the
 * TX-completion interrupt handler; the NAPI poll's TX part; whether RX
 * queue @q's vector has TX completions to reclaim (NAPI mode); set up
 * and tear down the TX queues. */
enum netdev_tx nic_start_xmit(struct sk_buff *skb, struct net_device *dev);
void nic_wire_tx_done(void *ctx);
sim_time_t nic_napi_tx_cost(struct napi_struct *n);
bool nic_napi_tx_clean(struct napi_struct *n);
bool tx_cause_pending(const struct nic_rxq *q);
void nic_tx_init(struct nic *nic);
void nic_tx_stop(struct nic *nic);
void nic_tx_free(struct nic *nic);

const char *nic_name(const char *pre, const char *ifname, const char *mid, int64_t num,
		     const char *suf);

/* nic_rx_ring.c: post one descriptor after a frame took one; fill the ring
 * at open; take the oldest posted descriptor's skb (NULL: none); free every
 * posted descriptor at stop. */
void rx_refill_one(struct nic_rxq *q);
void rx_fill(struct nic_rxq *q);
struct sk_buff *rx_free_take(struct nic_rxq *q);
void rx_free_drain(struct nic_rxq *q);

#endif
