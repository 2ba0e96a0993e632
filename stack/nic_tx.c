/*
 * stack/nic_tx.c - the NIC driver's transmit side: the TX ring,
 * ndo_start_xmit, the hardware sending descriptors onto the wire, and TX
 * completion (the TX-completion interrupt, or the NAPI poll's reclaim).
 *
 * Linux counterpart: drivers/net/ethernet/intel/e1000/e1000_main.c
 * e1000_xmit_frame (ndo_start_xmit) and e1000_clean_tx_irq (called from
 * the NAPI poll, e1000_clean); with several TX queues (tx_queues,
 * ethtool -L tx) igb/ixgbe's rings: igb_xmit_frame_ring on the ring of
 * skb->queue_mapping, igb_clean_tx_irq per ring from its vector's poll.
 * The receive side is stack/nic.c; the shared state is stack/nic_int.h.
 *
 * Several rings share one wire: the hardware serves the rings that hold
 * unsent descriptors in turn, one packet (a whole TSO skb) at a time
 * (round robin, as the 82599's transmit arbiter without DCB); one ring
 * behaves as before.
 */
#include "stack/nic_int.h"

#include <string.h>
#include "stack/eth.h"
#include "stack/gso.h"
#include "trace/trace.h"

/* ---- transmit ------------------------------------------------------------------------ */

_Static_assert(RSS_MAX_QUEUES <= 64, "tx_unsent has a bit per TX queue");

/* @t's first unsent skb is now @skb (NULL: all sent), and its bit in tx_unsent says so. */
static inline void
tx_next_set(struct nic *nic, struct nic_txq *t, struct sk_buff *skb)
{
	t->tx_next = skb;
	if (skb)
		nic->tx_unsent |= UINT64_C(1) << t->index;
	else
		nic->tx_unsent &= ~(UINT64_C(1) << t->index);
}

/*
 * The next queue with an unsent skb, from tx_rr on (round robin); NULL:
 * none.  O(1) in the number of queues: the first set bit of tx_unsent at
 * or after tx_rr, else the first from 0 (with 8 queues, tx_rr 5 and bits
 * 1 and 3 set: none at 5..7, so queue 1).
 */
static struct nic_txq *
tx_pick(struct nic *nic)
{
	uint64_t m = nic->tx_unsent;
	if (!m)
		return NULL;
	uint64_t after = m & (~UINT64_C(0) << nic->tx_rr); /* tx_rr < ntxq <= 64 */
	return &nic->txq[__builtin_ctzll(after ? after : m)];
}

/* Hardware: start sending the next descriptor if the wire is free. */
static void
tx_kick(struct nic *nic)
{
	if (!nic->wire || wire_busy(nic->wire, nic->side))
		return;
	/* the rest of a TSO skb first; else the next queue in turn */
	struct nic_txq *t = nic->tx_seg ? nic->tx_cur : tx_pick(nic);
	if (!t)
		return;
	struct sk_buff *skb = t->tx_next;
	nic->tx_cur = t;
	struct host *host = nic->host;
	struct wire_frame *f;
	uint32_t len, wlen;
	if (skb_is_gso(skb)) {
		/* TSO / USO: the hardware cuts the skb at gso_size, one frame
		 * at a time, with the headers tcp_gso_segment or
		 * __udp_gso_segment would write */
		len = gso_segment_len(skb, nic->tx_seg);
		wlen = len < ETH_ZLEN ? ETH_ZLEN : len;
		f = wire_frame_alloc(nic->wire, wlen);
		gso_write_segment(skb, nic->tx_seg, f->data);
		nic->tx_last_frame = ++nic->tx_seg == skb->gso_segs;
	} else {
		len = skb->len;
		wlen = len < ETH_ZLEN ? ETH_ZLEN : len;
		f = wire_frame_alloc(nic->wire, wlen);
		memcpy(f->data, skb->data, len);
		nic->tx_last_frame = true;
	}
	if (nic->tx_last_frame) {
		tx_next_set(nic, t, skb->next);
		/* the DMA of the next frame reads bytes that waited in the
		 * qdisc and the ring: start loading them (skbuff.h) */
		if (skb->next && !skb_is_gso(skb->next)) {
			skb_prefetch_data(skb->next);
			if (skb->next->next)
				skb_prefetch_struct(skb->next->next);
		}
		nic->tx_seg = 0;
		nic->tx_rr = t->index + 1 < nic->ntxq ? t->index + 1 : 0;
	}
	if (wlen > len)
		memset(f->data + len, 0, wlen - len); /* the hardware pads short frames */
	f->skb_id = skb->id;
	skb_trace_dma_tx(skb, nic->ifname, len, wlen);
	if (nic->pcap)
		trace_pcap_write(nic->pcap, sim_now(host->sim), f->data, wlen);
	nic->tx_on_wire = 1;
	nic->stats.tx_frames++;
	t->packets++;
	t->bytes += wlen;
	nic->dev->stats.tx_packets++;
	nic->dev->stats.tx_bytes += wlen;
	wire_send(nic->wire, nic->side, f);
}

static void
tx_irq_raise(struct nic_txq *t)
{
	struct nic *nic = t->nic;
	t->tx_irq_asserted = true;
	nic->stats.tx_irqs++;
	t->tx_step = IRQ_ENTRY;
	/* TX completions share their RX queue's interrupt vector (a combined
	 * channel, ethtool -L combined): its CPU reclaims */
	struct cpu *cpu = rxq_cpu(txq_rxq(t));
	cpu_submit(cpu, &t->tx_irq_work, CPU_HARDIRQ, cpu_cost(cpu, COST_IRQ_ENTRY));
}

/*
 * A sent skb's descriptor is done (E1000_TXD_STAT_DD).  NAPI mode: a cause
 * of its vector's interrupt (RX queue index mod rx_queues; e1000's one
 * vector is queue 0's), which e1000_intr masks whole (IMC = ~0) while
 * NAPI runs; the poll reclaims (nic_napi_tx_clean).  Interrupt mode, and
 * NAPI mode while input is blocked (the livelock remedies keep only the
 * RX cause masked, as Mogul and Ramakrishnan's driver): a TX-completion
 * interrupt whose handler reclaims in hardirq (tx_irq_handler).
 */
static void
tx_done_note(struct nic_txq *t)
{
	struct nic *nic = t->nic;
	struct nic_rxq *q = txq_rxq(t);
	if (nic->cfg.napi && !dev_rx_blocked_cpu(nic->host, q->cpu)) {
		irq_note(q, 0, t->tx_clean);
		return;
	}
	if (!t->tx_irq_asserted)
		tx_irq_raise(t);
}

/* The wire finished serialising our frame: its descriptor is done. */
void
nic_wire_tx_done(void *ctx)
{
	struct nic *nic = ctx;
	if (!nic->tx_on_wire)
		return; /* the ring was purged (dev_close) while the frame was on the wire */
	nic->tx_on_wire = 0;
	if (!nic->tx_last_frame) {
		tx_kick(nic); /* the next frame of a TSO skb */
		return;
	}
	nic->tx_cur->tx_clean++;
	tx_done_note(nic->tx_cur);
	tx_kick(nic);
}

/*
 * Free the @count oldest sent skbs of the TX ring and wake the queue.  The
 * TX-completion handler and the NAPI poll each free what they took (and
 * paid for): both take sent skbs from the head, so whichever frees first
 * frees the oldest, and every skb freed has been sent.
 */
static void
tx_free(struct nic_txq *t, uint32_t count)
{
	struct nic *nic = t->nic;
	for (uint32_t i = 0; i < count; i++) {
		struct sk_buff *skb = skb_dequeue(&t->tx_ring);
		nic->stats.tx_completed++;
		skb_consume(skb);
	}
	t->tx_clean -= count;
	struct netdev_queue *dq = netdev_get_tx_queue(nic->dev, t->index);
	if (netif_tx_queue_stopped(dq) && skb_queue_len(&t->tx_ring) < nic->cfg.tx_ring)
		netif_tx_wake_queue(dq);
}

/* TX-completion handler, hardirq: reclaim (free) every sent skb, then wake the queue. */
static void
tx_irq_handler(struct cpu_work *w)
{
	struct nic_txq *t = w->owner;
	if (t->tx_step == IRQ_RECLAIM) {
		uint32_t count = t->tx_reclaiming;
		t->tx_reclaiming = 0;
		tx_free(t, count);
	}
	if (t->tx_clean > t->tx_napi_taken) {
		t->tx_reclaiming = t->tx_clean - t->tx_napi_taken;
		t->tx_step = IRQ_RECLAIM;
		struct cpu *cpu = rxq_cpu(txq_rxq(t));
		cpu_submit(cpu, w, CPU_HARDIRQ, t->tx_reclaiming * cpu_cost(cpu, COST_TX_COMPLETE));
		return;
	}
	t->tx_irq_asserted = false;
}

/* NAPI mode: TX completions wait for RX queue @q's vector. */
bool
tx_cause_pending(const struct nic_rxq *q)
{
	const struct nic *nic = q->nic;
	if (!nic->cfg.napi)
		return false;
	for (uint32_t i = q->index; i < nic->ntxq; i += nic->nrxq) {
		const struct nic_txq *t = &nic->txq[i];
		if (t->tx_clean > t->tx_reclaiming + t->tx_napi_taken)
			return true;
	}
	return false;
}

/*
 * The NAPI poll's TX part (e1000_clean -> e1000_clean_tx_irq, Linux 6.6
 * drivers/net/ethernet/intel/e1000/e1000_main.c), in two halves so that
 * the cost is paid before the effect: take every sent skb not yet taken,
 * at most a ring's worth (e1000: count < tx_ring->count; netsim's ring
 * holds one descriptor per skb), at COST_TX_COMPLETE each; then free them
 * and wake the queue.  RX queue i's instance reclaims the TX queues i,
 * i + rx_queues, ... (its vector's rings: ixgbe_poll cleans each TX ring
 * of its q_vector, ixgbe_for_each_ring, before the RX rings).
 */
sim_time_t
nic_napi_tx_cost(struct napi_struct *n)
{
	struct nic_rxq *q = n->priv;
	struct nic *nic = q->nic;
	sim_time_t cost = 0;
	for (uint32_t i = q->index; i < nic->ntxq; i += nic->nrxq) {
		struct nic_txq *t = &nic->txq[i];
		uint32_t avail = t->tx_clean - t->tx_reclaiming - t->tx_napi_taken;
		if (avail == 0)
			continue;
		t->tx_napi_taken = avail < nic->cfg.tx_ring ? avail : nic->cfg.tx_ring;
		cost += t->tx_napi_taken * cpu_cost(rxq_cpu(q), COST_TX_COMPLETE);
	}
	return cost;
}

/* Returns false when a ring stopped at the limit (e1000_clean then returns budget). */
bool
nic_napi_tx_clean(struct napi_struct *n)
{
	struct nic_rxq *q = n->priv;
	struct nic *nic = q->nic;
	bool done = true;
	for (uint32_t i = q->index; i < nic->ntxq; i += nic->nrxq) {
		struct nic_txq *t = &nic->txq[i];
		uint32_t count = t->tx_napi_taken;
		t->tx_napi_taken = 0;
		tx_free(t, count); /* napi_consume_skb */
		nic->stats.tx_polled += count;
		if (count >= nic->cfg.tx_ring)
			done = false;
	}
	return done;
}

/* ndo_start_xmit: place @skb on the TX ring of its queue (skb->queue_mapping,
 * netdev_core_pick_tx).  Charges COST_DRIVER_TX. */
enum netdev_tx
nic_start_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct nic *nic = netdev_priv(dev);
	uint32_t qi = skb->queue_mapping < nic->ntxq ? skb->queue_mapping : 0;
	struct nic_txq *t = &nic->txq[qi];
	struct netdev_queue *dq = netdev_get_tx_queue(dev, qi);
	if (skb_queue_len(&t->tx_ring) >= nic->cfg.tx_ring) {
		nic->stats.tx_busy++;
		netif_tx_stop_queue(dq);
		return NETDEV_TX_BUSY;
	}
	if (!nic->wire) {
		dev_count_drop(dev, SKB_DROP_DEV_DOWN, false);
		skb_drop(skb, SKB_DROP_DEV_DOWN);
		return NETDEV_TX_OK;
	}
	host_charge(nic->host, COST_DRIVER_TX);
	skb_queue_tail(&t->tx_ring, skb);
	if (!t->tx_next)
		tx_next_set(nic, t, skb);
	if (skb_queue_len(&t->tx_ring) >= nic->cfg.tx_ring)
		netif_tx_stop_queue(dq);
	tx_kick(nic);
	return NETDEV_TX_OK;
}

/* ---- set up and tear down ------------------------------------------------------------- */

/* The TX queues of a new NIC (nic_new): cfg.tx_queues rings, and as many
 * netdev_queues with their qdiscs. */
void
nic_tx_init(struct nic *nic)
{
	const char *ifname = nic->ifname;
	nic->ntxq = nic->cfg.tx_queues ? nic->cfg.tx_queues : 1;
	nic->txq = g_aligned_alloc0(nic->ntxq, sizeof(struct nic_txq), 64); /* see nic->rxq */
	netif_set_real_num_tx_queues(nic->dev, nic->ntxq);
	for (uint32_t i = 0; i < nic->ntxq; i++) {
		struct nic_txq *t = &nic->txq[i];
		t->nic = nic;
		t->index = i;
		/* one queue keeps the names it always had; several are numbered
		 * (Linux: the IRQ eth0-tx-0, ethtool -S tx_queue_0_packets) */
		bool one = nic->ntxq == 1;
		skb_queue_head_init(&t->tx_ring,
				    one ? "tx_ring" : nic_name("tx_ring:", "", "", i, ""),
				    LAYER_NIC);
		cpu_work_init(&t->tx_irq_work, tx_irq_handler, t,
			      one ? nic_name("", ifname, " tx irq", -1, "")
				  : nic_name("", ifname, "-tx-", i, " irq"));
	}
}

/* ndo_stop: every ring purged, its interrupt withdrawn. */
void
nic_tx_stop(struct nic *nic)
{
	for (uint32_t i = 0; i < nic->ntxq; i++) {
		struct nic_txq *t = &nic->txq[i];
		cpu_withdraw(rxq_cpu(txq_rxq(t)), &t->tx_irq_work);
		t->tx_irq_asserted = false;
		skb_queue_purge(&t->tx_ring, SKB_DROP_QUEUE_PURGE);
		tx_next_set(nic, t, NULL);
		t->tx_clean = t->tx_reclaiming = t->tx_napi_taken = 0;
	}
	nic->tx_cur = NULL;
	nic->tx_on_wire = nic->tx_seg = 0;
}

void
nic_tx_free(struct nic *nic)
{
	g_aligned_free(nic->txq);
	nic->txq = NULL;
	nic->ntxq = 0;
}

/* ---- queue statistics ---------------------------------------------------------------------- */

uint32_t
nic_tx_queues(const struct nic *nic)
{
	return nic->ntxq;
}

void
nic_tx_queue_stats(const struct nic *nic, uint32_t queue, struct nic_txq_stats *out)
{
	const struct nic_txq *t = &nic->txq[queue];
	const struct netdev_queue *dq = netdev_get_tx_queue(nic->dev, queue);
	*out = (struct nic_txq_stats){
		.cpu = txq_rxq(t)->cpu,
		.packets = t->packets,
		.bytes = t->bytes,
		.qdisc_drops = dq->qdisc_drops,
		.ring_used = skb_queue_len(&t->tx_ring),
		.stopped = netif_tx_queue_stopped(dq),
	};
}
