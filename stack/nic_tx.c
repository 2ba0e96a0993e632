/*
 * stack/nic_tx.c - the NIC driver's transmit side: the TX ring,
 * ndo_start_xmit, the hardware sending descriptors onto the wire, and TX
 * completion (the TX-completion interrupt, or the NAPI poll's reclaim).
 *
 * Linux counterpart: drivers/net/ethernet/intel/e1000/e1000_main.c
 * e1000_xmit_frame (ndo_start_xmit) and e1000_clean_tx_irq (called from
 * the NAPI poll, e1000_clean).  The receive side is stack/nic.c; the
 * shared state is stack/nic_int.h.
 */
#include "stack/nic_int.h"

#include <string.h>
#include "stack/eth.h"
#include "stack/gso.h"
#include "trace/trace.h"

/* ---- transmit ------------------------------------------------------------------------ */

/* Hardware: start sending the next descriptor if the wire is free. */
static void
tx_kick(struct nic *nic)
{
	struct sk_buff *skb = nic->tx_next;
	if (!skb || !nic->wire || wire_busy(nic->wire, nic->side))
		return;
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
		nic->tx_next = skb->next;
		nic->tx_seg = 0;
	}
	if (wlen > len)
		memset(f->data + len, 0, wlen - len); /* the hardware pads short frames */
	f->skb_id = skb->id;
	skb_trace_dma_tx(skb, nic->ifname, len, wlen);
	if (nic->pcap)
		trace_pcap_write(nic->pcap, sim_now(host->sim), f->data, wlen);
	nic->tx_on_wire = 1;
	nic->stats.tx_frames++;
	nic->dev->stats.tx_packets++;
	nic->dev->stats.tx_bytes += wlen;
	wire_send(nic->wire, nic->side, f);
}

static void
tx_irq_raise(struct nic *nic)
{
	nic->tx_irq_asserted = true;
	nic->stats.tx_irqs++;
	nic->tx_step = IRQ_ENTRY;
	/* TX completions share queue 0's interrupt vector (a combined
	 * channel, ethtool -L combined): its CPU reclaims */
	struct cpu *cpu = rxq_cpu(&nic->rxq[0]);
	cpu_submit(cpu, &nic->tx_irq_work, CPU_HARDIRQ, cpu_cost(cpu, COST_IRQ_ENTRY));
}

/*
 * A sent skb's descriptor is done (E1000_TXD_STAT_DD).  NAPI mode: a cause
 * of queue 0's interrupt, which e1000_intr masks whole (IMC = ~0) while
 * NAPI runs; the poll reclaims (nic_napi_poll_tx).  Interrupt mode, and
 * NAPI mode while input is blocked (the livelock remedies keep only the
 * RX cause masked, as Mogul and Ramakrishnan's driver): a TX-completion
 * interrupt whose handler reclaims in hardirq (tx_irq_handler).
 */
static void
tx_done_note(struct nic *nic)
{
	struct nic_rxq *q = &nic->rxq[0];
	if (nic->cfg.napi && !dev_rx_blocked_cpu(nic->host, q->cpu)) {
		irq_note(q, 0, nic->tx_clean);
		return;
	}
	if (!nic->tx_irq_asserted)
		tx_irq_raise(nic);
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
	nic->tx_clean++;
	tx_done_note(nic);
	tx_kick(nic);
}

/*
 * Free the @count oldest sent skbs of the TX ring and wake the queue.  The
 * TX-completion handler and the NAPI poll each free what they took (and
 * paid for): both take sent skbs from the head, so whichever frees first
 * frees the oldest, and every skb freed has been sent.
 */
static void
tx_free(struct nic *nic, uint32_t count)
{
	for (uint32_t i = 0; i < count; i++) {
		struct sk_buff *skb = skb_dequeue(&nic->tx_ring);
		nic->stats.tx_completed++;
		skb_consume(skb);
	}
	nic->tx_clean -= count;
	if (netif_queue_stopped(nic->dev) && skb_queue_len(&nic->tx_ring) < nic->cfg.tx_ring)
		netif_wake_queue(nic->dev);
}

/* TX-completion handler, hardirq: reclaim (free) every sent skb, then wake the queue. */
void
tx_irq_handler(struct cpu_work *w)
{
	struct nic *nic = w->owner;
	if (nic->tx_step == IRQ_RECLAIM) {
		uint32_t count = nic->tx_reclaiming;
		nic->tx_reclaiming = 0;
		tx_free(nic, count);
	}
	if (nic->tx_clean > nic->tx_napi_taken) {
		nic->tx_reclaiming = nic->tx_clean - nic->tx_napi_taken;
		nic->tx_step = IRQ_RECLAIM;
		struct cpu *cpu = rxq_cpu(&nic->rxq[0]);
		cpu_submit(cpu, w, CPU_HARDIRQ,
			   nic->tx_reclaiming * cpu_cost(cpu, COST_TX_COMPLETE));
		return;
	}
	nic->tx_irq_asserted = false;
}

/*
 * The NAPI poll's TX part (e1000_clean -> e1000_clean_tx_irq, Linux 6.6
 * drivers/net/ethernet/intel/e1000/e1000_main.c), in two halves so that
 * the cost is paid before the effect: take every sent skb not yet taken,
 * at most a ring's worth (e1000: count < tx_ring->count; netsim's ring
 * holds one descriptor per skb), at COST_TX_COMPLETE each; then free them
 * and wake the queue.  Queue 0's instance owns the TX ring.
 */
sim_time_t
nic_napi_tx_cost(struct napi_struct *n)
{
	struct nic_rxq *q = n->priv;
	struct nic *nic = q->nic;
	uint32_t avail = nic->tx_clean - nic->tx_reclaiming - nic->tx_napi_taken;
	if (q->index != 0 || avail == 0)
		return 0;
	nic->tx_napi_taken = avail < nic->cfg.tx_ring ? avail : nic->cfg.tx_ring;
	struct cpu *cpu = rxq_cpu(q);
	return nic->tx_napi_taken * cpu_cost(cpu, COST_TX_COMPLETE);
}

/* Returns false when it stopped at the limit (e1000_clean then returns budget). */
bool
nic_napi_tx_clean(struct napi_struct *n)
{
	struct nic_rxq *q = n->priv;
	struct nic *nic = q->nic;
	uint32_t count = nic->tx_napi_taken;
	nic->tx_napi_taken = 0;
	tx_free(nic, count); /* napi_consume_skb */
	nic->stats.tx_polled += count;
	return count < nic->cfg.tx_ring;
}

/* ndo_start_xmit: place @skb on the TX ring.  Charges COST_DRIVER_TX. */
enum netdev_tx
nic_start_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct nic *nic = netdev_priv(dev);
	if (skb_queue_len(&nic->tx_ring) >= nic->cfg.tx_ring) {
		nic->stats.tx_busy++;
		netif_stop_queue(dev);
		return NETDEV_TX_BUSY;
	}
	if (!nic->wire) {
		dev_count_drop(dev, SKB_DROP_DEV_DOWN, false);
		skb_drop(skb, SKB_DROP_DEV_DOWN);
		return NETDEV_TX_OK;
	}
	host_charge(nic->host, COST_DRIVER_TX);
	skb_queue_tail(&nic->tx_ring, skb);
	if (!nic->tx_next)
		nic->tx_next = skb;
	if (skb_queue_len(&nic->tx_ring) >= nic->cfg.tx_ring)
		netif_stop_queue(dev);
	tx_kick(nic);
	return NETDEV_TX_OK;
}
