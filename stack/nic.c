/*
 * stack/nic.c - a simulated Ethernet NIC (hardware) and its driver.
 *
 * Linux counterpart: a simple descriptor-ring driver such as
 * drivers/net/ethernet/intel/e1000: e1000_intr (top half), e1000_clean
 * (NAPI poll), e1000_xmit_frame (ndo_start_xmit), e1000_clean_tx_irq.
 * Seed text: "Network device drivers", "Receiving a packet", "Dealing with
 * interrupts and NAPI".
 *
 * Call chain (nic.h has the full picture):
 *   wire -> nic_rx_frame -> RX ring -> RX interrupt -> netif_rx (interrupt
 *   mode) or napi_schedule -> nic_napi_rx_one -> netif_receive_skb;
 *   dev_queue_xmit -> nic_start_xmit -> TX ring -> wire_send -> done:
 *   NAPI mode, queue 0's interrupt -> napi_schedule -> nic_napi_tx_cost /
 *   nic_napi_tx_clean -> skb_consume; interrupt mode, the TX-completion
 *   interrupt -> skb_consume.
 *
 * The hardware half (frame arrival, DMA, interrupt assertion, transmission)
 * runs outside the CPU, in event context; the driver half runs as cpu_work
 * items: the RX and TX interrupt handlers in hardirq context, the NAPI poll
 * in the softirq chain of dev.c.
 */
#include "stack/nic_int.h"

#include <stddef.h>
#include <string.h>
#include "stack/eth.h"
#include "stack/gro.h"
#include "stack/gso.h"
#include "stack/host.h"
#include "stack/net_dim.h"
#include "stack/rss.h"
#include "trace/trace.h"

#define NIC_RX_HEADROOM 64 /* NET_SKB_PAD */

/* ---- settings ------------------------------------------------------------------ */

#define NICKEY(key, field, type, lo, hi, doc)                                          \
	{                                                                              \
		key, type, offsetof(struct nic_config, field), lo, hi, 0, 0, NULL, doc \
	}

const struct conf_key nic_conf_keys[] = {
	NICKEY("rx_ring", rx_ring, CONF_UINT32, 1, 65536,
	       "RX descriptors per RX queue (ethtool -G rx; 256)"),
	NICKEY("rx_queues", rx_queues, CONF_UINT32, 1, RSS_MAX_QUEUES,
	       "RX queues, each with its own ring, interrupt and NAPI instance, chosen by RSS; "
	       "queue i interrupts CPU i mod cpus unless IF.rxI.smp_affinity says otherwise "
	       "(ethtool -L rx; 1)"),
	NICKEY("rss_equal", rss_equal, CONF_UINT32, 0, RSS_MAX_QUEUES,
	       "spread the RSS indirection table over the first N RX queues; 0 = all "
	       "(ethtool -X equal N; 0)"),
	NICKEY("rss_key_random", rss_key_random, CONF_BOOL, 0, 1,
	       "RSS key drawn from the host's seeded stream, as Linux's netdev_rss_key is "
	       "random; off = Microsoft's verification key (off)"),
	NICKEY("tx_ring", tx_ring, CONF_UINT32, 1, 65536,
	       "TX descriptors per TX queue (ethtool -G tx; 256)"),
	NICKEY("tx_queues", tx_queues, CONF_UINT32, 1, RSS_MAX_QUEUES,
	       "TX queues, each with its own ring and qdisc (mq root, a pfifo per queue), chosen "
	       "by XPS (IF.txK.xps_cpus) or the flow hash; queue K's completions are reclaimed by "
	       "RX queue K mod rx_queues (ethtool -L tx; 1)"),
	NICKEY("txqueuelen", tx_queue_len, CONF_UINT32, 1, 10000000,
	       "qdisc (pfifo) limit in packets, per TX queue (ip link txqueuelen; 1000)"),
	NICKEY("ecn_mark", ecn_mark, CONF_UINT32, 0, 10000000,
	       "mark an ECT packet CE instead of queueing it unmarked when the qdisc already "
	       "holds N or more packets (RFC 3168 §5; netsim's threshold marking, as DCTCP's K "
	       "with RED or fq_codel's ce_threshold; 0 = off, 0)"),
	NICKEY("mtu", mtu, CONF_UINT32, 68, 9000, "MTU in bytes (1500)"),
	NICKEY("napi", napi, CONF_BOOL, 0, 1,
	       "NAPI polling; off = interrupt mode with netif_rx (on)"),
	NICKEY("weight", weight, CONF_UINT32, 0, 65536,
	       "NAPI weight: the quota of packets per poll; 0 = unlimited (64)"),
	NICKEY("threaded", threaded, CONF_BOOL, 0, 1,
	       "threaded NAPI: poll from the kernel thread napi/IF, a task that keeps bottom "
	       "halves "
	       "off during a poll and calls cond_resched between polls "
	       "(/sys/class/net/IF/threaded; off)"),
	NICKEY("rx_usecs", rx_usecs, CONF_UINT32, 0, 1000000,
	       "interrupt coalescing delay in microseconds (ethtool -C rx-usecs; 0)"),
	NICKEY("rx_frames", rx_frames, CONF_UINT32, 0, 65536,
	       "interrupt coalescing frame count (ethtool -C rx-frames; 0)"),
	NICKEY("adaptive_rx", adaptive_rx, CONF_BOOL, 0, 1,
	       "adaptive interrupt moderation (ethtool -C adaptive-rx): net_dim steps "
	       "rx_usecs/rx_frames through 5 profiles by the measured rates; needs napi (off)"),
	NICKEY("promisc", promisc, CONF_BOOL, 0, 1, "accept frames for any MAC address (off)"),
	NICKEY("napi_defer_hard_irqs", napi_defer_hard_irqs, CONF_UINT32, 0, 1000000,
	       "NAPI completions that leave the RX interrupt masked and re-poll after "
	       "gro_flush_timeout instead (/sys/class/net/IF/napi_defer_hard_irqs; 0)"),
	NICKEY("gro_flush_timeout", gro_flush_timeout, CONF_DURATION, 0, SIM_S,
	       "the re-poll timer of napi_defer_hard_irqs "
	       "(/sys/class/net/IF/gro_flush_timeout, in ns there; 0)"),
	NICKEY("tx-checksumming", tx_csum, CONF_BOOL, 0, 1,
	       "the NIC fills TCP and UDP checksums, NETIF_F_HW_CSUM (ethtool -K tx-checksumming; "
	       "on)"),
	NICKEY("rx-checksumming", rx_csum, CONF_BOOL, 0, 1,
	       "the NIC verifies TCP and UDP checksums, CHECKSUM_UNNECESSARY (ethtool -K "
	       "rx-checksumming; on)"),
	NICKEY("tcp-segmentation-offload", tso, CONF_BOOL, 0, 1,
	       "TSO: TCP sends skbs of up to 64 KB and the NIC cuts them at the MSS; needs "
	       "tx-checksumming (ethtool -K tso; off, Linux on)"),
	NICKEY("generic-segmentation-offload", gso, CONF_BOOL, 0, 1,
	       "GSO: TCP sends skbs of up to 64 KB and skb_gso_segment cuts them in software "
	       "before the driver (ethtool -K gso; off, Linux on)"),
	NICKEY("tx-udp-segmentation", uso, CONF_BOOL, 0, 1,
	       "USO: the NIC cuts a UDP_SEGMENT datagram at its gso_size, NETIF_F_GSO_UDP_L4; "
	       "needs tx-checksumming (ethtool -K tx-udp-segmentation; off, as e1000)"),
	NICKEY("rx-udp-gro-forwarding", gro_udp_fwd, CONF_BOOL, 0, 1,
	       "GRO also merges UDP datagrams no local UDP_GRO socket asked for, to be "
	       "forwarded, NETIF_F_GRO_UDP_FWD (ethtool -K rx-udp-gro-forwarding; off, Linux off)"),
	NICKEY("generic-receive-offload", gro, CONF_BOOL, 0, 1,
	       "GRO: the NAPI poll merges a TCP flow's segments into skbs of up to 64 KB "
	       "(napi_gro_receive) before IP; needs napi (ethtool -K gro; off, Linux on)"),
	{ NULL },
};

void
nic_config_init(struct nic_config *c)
{
	*c = (struct nic_config){
		.rx_ring = 256,
		.tx_ring = 256,
		.tx_queue_len = 1000,
		.mtu = ETH_DATA_LEN,
		.napi = true,
		.weight = 64,
		.threaded = false,
		.rx_usecs = 0,
		.rx_frames = 0,
		.promisc = false,
		.tx_csum = true,
		.rx_csum = true,
		.rx_queues = 1,
		.tx_queues = 1,
	};
}

bool
nic_config_check(const struct nic_config *c, GError **error)
{
	if (c->rx_frames > 1 && c->rx_usecs == 0) {
		g_set_error(
			error, CONF_ERROR, CONF_ERROR_CONFLICT,
			"rx_frames = %u needs rx_usecs > 0, or a partial batch would wait forever",
			c->rx_frames);
		return false;
	}
	if (c->tso && !c->tx_csum) {
		g_set_error(error, CONF_ERROR, 0,
			    "tcp-segmentation-offload = on needs tx-checksumming = on (Linux "
			    "netdev_fix_features drops TSO without a checksum feature)");
		return false;
	}
	if (c->uso && !c->tx_csum) {
		g_set_error(error, CONF_ERROR, 0,
			    "tx-udp-segmentation = on needs tx-checksumming = on (Linux "
			    "netdev_fix_features drops USO without a checksum feature)");
		return false;
	}
	if (c->gro && !c->napi) {
		g_set_error(error, CONF_ERROR, CONF_ERROR_CONFLICT,
			    "generic-receive-offload = on needs napi = on (GRO runs in the NAPI "
			    "poll, napi_gro_receive; netif_rx has none)");
		return false;
	}
	if (c->rss_equal > c->rx_queues) {
		g_set_error(error, CONF_ERROR, CONF_ERROR_CONFLICT,
			    "rss_equal = %u names more than the %u RX queues (ethtool -X equal "
			    "checks it against the ring count)",
			    c->rss_equal, c->rx_queues);
		return false;
	}
	if (c->adaptive_rx && !c->napi) {
		g_set_error(error, CONF_ERROR, CONF_ERROR_CONFLICT,
			    "adaptive_rx needs napi = on (net_dim samples at NAPI completions)");
		return false;
	}
	return true;
}

/* ---- helpers ---------------------------------------------------------------------- */

static void
nic_count_drop(struct nic *nic, enum skb_drop_reason reason, uint64_t wire_id)
{
	host_count_drop(nic->host, reason, "nic_rx_frame");
	dev_count_drop(nic->dev, reason, true);
	if (wire_id)
		trace_drop(nic->host->trace, wire_id, trace_layer_name(LAYER_NIC),
			   skb_drop_reason_name(reason));
}

/* The buffer of a descriptor the hardware is about to write. */
static void
rx_dma_buf(struct nic *nic, struct sk_buff *skb)
{
	skb_attach_data(skb, nic->rx_buf_size);
	skb_reserve(skb, NIC_RX_HEADROOM);
}

/* Take the oldest received frame off the RX ring, refill its descriptor. */
static struct sk_buff *
rx_take(struct nic_rxq *q)
{
	struct nic *nic = q->nic;
	struct sk_buff *skb = skb_dequeue(&q->rx_ring);
	g_assert(skb != NULL);
	rx_refill_one(q);
	skb->layer = LAYER_NIC;
	eth_type_trans(skb, nic->dev);
	nic->dev->stats.rx_packets++;
	nic->dev->stats.rx_bytes += skb->len + ETH_HLEN;
	return skb;
}

/* ---- RX interrupt ---------------------------------------------------------------- */

static void
rx_irq_raise(struct nic_rxq *q)
{
	struct nic *nic = q->nic;
	if (q->coalesce_ev) {
		sim_cancel(nic->host->sim, q->coalesce_ev);
		q->coalesce_ev = 0;
	}
	q->coalesce_count = 0;
	q->rx_irq_asserted = true;
	q->rx_irqs++; /* the vector's, whichever cause (net_dim's event_ctr) */
	if (!skb_queue_empty(&q->rx_ring))
		nic->stats.rx_irqs++;
	else
		nic->stats.tx_napi_irqs++; /* sent descriptors alone */
	q->rx_step = IRQ_ENTRY;
	struct cpu *cpu = rxq_cpu(q);
	cpu_submit(cpu, &q->rx_irq_work, CPU_HARDIRQ, cpu_cost(cpu, COST_IRQ_ENTRY));
}

static void
rx_coalesce_timer(struct sim *sim, void *a, void *b)
{
	struct nic_rxq *q = a;
	q->coalesce_ev = 0;
	if (q->rx_irq_enabled && !q->rx_irq_asserted &&
	    (!skb_queue_empty(&q->rx_ring) || tx_cause_pending(q)))
		rx_irq_raise(q);
}

/* Hardware: @n more frames (and, NAPI mode, queue 0: @tx TX completions) wait
 * for an interrupt; raise it now or per coalescing.  The coalescing delay
 * (rx_usecs, the vector's throttle) holds both causes; rx_frames counts frames. */
void
irq_note(struct nic_rxq *q, uint32_t n, uint32_t tx)
{
	struct nic *nic = q->nic;
	if (!q->rx_irq_enabled || q->rx_irq_asserted || (n == 0 && tx == 0))
		return;
	if (dev_rx_blocked_cpu(nic->host, q->cpu))
		return; /* livelock remedy: input is blocked; ndo_rx_resume raises it later */
	q->coalesce_count += n;
	if (tx > 0 && q->coal_usecs == 0) {
		rx_irq_raise(q);
		return;
	}
	if ((q->coal_usecs == 0 && q->coal_frames <= 1) ||
	    (q->coal_frames > 0 && q->coalesce_count >= q->coal_frames)) {
		rx_irq_raise(q);
		return;
	}
	if (q->coal_usecs > 0 && !q->coalesce_ev)
		q->coalesce_ev = sim_schedule(nic->host->sim, (sim_time_t)q->coal_usecs * SIM_US,
					      rx_coalesce_timer, q, NULL);
}

static void
rx_irq_note(struct nic_rxq *q, uint32_t n)
{
	irq_note(q, n, 0);
}

static sim_time_t
irq_frame_cost(struct cpu *cpu)
{
	return cpu_cost(cpu, COST_DRIVER_RX) + cpu_cost(cpu, COST_NETIF_RX);
}

/*
 * The RX interrupt handler (top half), hardirq context on the queue's CPU.
 * NAPI mode: mask the queue's interrupt and schedule its poll.  Interrupt
 * mode: take frames one item at a time and netif_rx each (onto this CPU's
 * backlog), until the ring is empty.
 */
static void
rx_irq_handler(struct cpu_work *w)
{
	struct nic_rxq *q = w->owner;
	struct nic *nic = q->nic;
	if (q->rx_step == IRQ_FRAME) {
		struct sk_buff *skb = rx_take(q);
		nic->stats.rx_irq_frames++;
		netif_rx(skb);
	} else if (nic->cfg.napi) {
		q->rx_irq_enabled = false;
		q->rx_irq_asserted = false;
		napi_schedule(&q->napi);
		return;
	}
	if (!skb_queue_empty(&q->rx_ring) && !dev_rx_blocked_cpu(nic->host, q->cpu)) {
		struct cpu *cpu = rxq_cpu(q);
		q->rx_step = IRQ_FRAME;
		cpu_submit(cpu, w, CPU_HARDIRQ, irq_frame_cost(cpu));
		return;
	}
	q->rx_irq_asserted = false;
}

/* ---- NAPI poll -------------------------------------------------------------------- */

static bool
nic_napi_has_work(struct napi_struct *n)
{
	struct nic_rxq *q = n->priv;
	return !skb_queue_empty(&q->rx_ring);
}

static void
nic_napi_rx_one(struct napi_struct *n)
{
	struct nic_rxq *q = n->priv;
	struct sk_buff *skb = rx_take(q);
	q->rx_napi_pkts++;
	q->rx_napi_bytes += skb->len + ETH_HLEN;
	napi_gro_receive(n, skb); /* netif_receive_skb without NETIF_F_GRO */
}

static sim_time_t
nic_napi_packet_cost(struct napi_struct *n)
{
	struct cpu *cpu = rxq_cpu(n->priv);
	return cpu_cost(cpu, COST_DRIVER_RX) + cpu_cost(cpu, COST_ETH_RCV);
}

/*
 * adaptive-rx: one net_dim sample per completion (as mlx5e_handle_rx_dim
 * at the end of mlx5e_napi_poll), events = the queue's RX interrupts; a
 * new profile becomes the queue's coalescing at once (mlx5e has a dim per
 * channel, so does netsim per queue).
 */
static void
nic_rx_dim(struct nic_rxq *q)
{
	struct nic *nic = q->nic;
	struct dim_sample s = {
		.time = sim_now(nic->host->sim),
		.pkt_ctr = q->rx_napi_pkts,
		.byte_ctr = q->rx_napi_bytes,
		.event_ctr = q->rx_irqs,
	};
	if (net_dim(&q->rx_dim, &s)) {
		struct dim_cq_moder m = net_dim_get_rx_moderation(q->rx_dim.profile_ix);
		q->coal_usecs = m.usec;
		q->coal_frames = m.pkts;
		if (q->index == 0) { /* nic_config() shows queue 0's */
			nic->cfg.rx_usecs = m.usec;
			nic->cfg.rx_frames = m.pkts;
		}
	}
}

/* napi_complete_done: unmask RX interrupts; frames already waiting raise one. */
static void
nic_napi_complete(struct napi_struct *n)
{
	struct nic_rxq *q = n->priv;
	if (!q->nic->dev->up)
		return;
	q->rx_irq_enabled = true;
	q->coalesce_count = 0;
	if (q->nic->cfg.adaptive_rx)
		nic_rx_dim(q);
	irq_note(q, skb_queue_len(&q->rx_ring), tx_cause_pending(q) ? 1 : 0);
}

static const struct napi_ops nic_napi_ops = {
	.has_work = nic_napi_has_work,
	.rx_one = nic_napi_rx_one,
	.packet_cost = nic_napi_packet_cost,
	.complete = nic_napi_complete,
	.tx_cost = nic_napi_tx_cost,
	.tx_clean = nic_napi_tx_clean,
};

/* ---- hardware receive -------------------------------------------------------------- */

void
nic_rx_frame(struct nic *nic, const uint8_t *frame, uint32_t len, uint64_t wire_id)
{
	struct host *host = nic->host;
	bool external = wire_id == WIRE_SKB_EXTERNAL; /* from Linux, through a TAP */
	if (external)
		wire_id = 0;
	nic->stats.rx_frames++;
	if (nic->pcap)
		trace_pcap_write(nic->pcap, sim_now(host->sim), frame, len);
	if (!nic->dev->up) {
		nic->stats.rx_down++;
		nic_count_drop(nic, SKB_DROP_DEV_DOWN, wire_id);
		return;
	}
	if (!eth_frame_ok(frame, len, nic->cfg.mtu)) {
		nic->stats.rx_bad++;
		nic_count_drop(nic, SKB_DROP_BAD_FRAME, wire_id);
		return;
	}
	const uint8_t *dst = frame;
	if (!nic->cfg.promisc && !is_multicast_ether_addr(dst) &&
	    !eth_addr_equal(dst, nic->dev->dev_addr)) {
		nic->stats.rx_otherhost++;
		nic_count_drop(nic, SKB_DROP_OTHERHOST, wire_id);
		return;
	}
	/* RSS: the hash of the flow picks the queue (stack/rss.c) */
	uint32_t qi = 0, hash = 0;
	if (nic->nrxq > 1) {
		bool has;
		hash = rss_hash_frame(nic->rss.key, frame, len, &has);
		if (has)
			qi = nic->rss.indir[hash % RSS_INDIR_SIZE];
	}
	struct nic_rxq *q = &nic->rxq[qi];
	q->rx_frames++;
	struct sk_buff *skb = rx_free_take(q);
	if (!skb) {
		/* no free descriptor: the hardware drops, the CPU never sees it */
		nic->stats.rx_ring_full++;
		nic_count_drop(nic, SKB_DROP_RING_FULL, wire_id);
		return;
	}
	rx_dma_buf(nic, skb);
	/* NETIF_F_RXCSUM: the hardware checked the TCP/UDP sum
	 * (e1000_rx_checksum), here as the frame is copied in */
	if (!(nic->dev->features & NETIF_F_RXCSUM))
		skb_put_data(skb, frame, len);
	else if (eth_rx_copy_csum_ok(skb_put(skb, len), frame, len))
		skb->ip_summed = CHECKSUM_UNNECESSARY;
	skb->wire_id = wire_id;
	skb->tstamp = sim_now(host->sim);
	skb->hash = hash;	     /* skb_set_hash from the descriptor */
	skb->queue_mapping = qi + 1; /* skb_record_rx_queue */
	skb_trace_dma_rx(skb, nic->ifname, len, external ? 0 : wire_id, external);
	skb_queue_tail(&q->rx_ring, skb);
	nic->stats.rx_dma++;
	rx_irq_note(q, 1);
}

static void
nic_wire_rx(void *ctx, struct wire_frame *f)
{
	struct nic *nic = ctx;
	nic_rx_frame(nic, f->data, f->len, f->skb_id);
	wire_frame_free(nic->wire, f);
}

/* ---- names ------------------------------------------------------------------------------ */

/*
 * The interned name @pre @ifname @mid [@num] @suf ("eth0-rx-1 irq", "napi/eth0"):
 * the per-queue names of an interface, made without printf (nic_new ran
 * g_strdup_printf five times an interface: 78 M instructions of
 * `netsim check` with 20,002 interfaces).  @num < 0: none.
 */
const char *
nic_name(const char *pre, const char *ifname, const char *mid, int64_t num, const char *suf)
{
	char buf[IFNAMSIZ + 64], digits[24];
	g_assert(strlen(pre) + strlen(ifname) + strlen(mid) + strlen(suf) + 21 < sizeof buf);
	char *p = g_stpcpy(g_stpcpy(g_stpcpy(buf, pre), ifname), mid);
	if (num >= 0) {
		char *d = digits + sizeof digits;
		*--d = 0;
		do
			*--d = (char)('0' + num % 10);
		while ((num /= 10) > 0);
		p = g_stpcpy(p, d);
	}
	g_stpcpy(p, suf);
	return g_intern_string(buf);
}

/* ---- open / stop ------------------------------------------------------------------------ */

static int
nic_open(struct net_device *dev)
{
	struct nic *nic = netdev_priv(dev);
	for (uint32_t i = 0; i < nic->nrxq; i++) {
		struct nic_rxq *q = &nic->rxq[i];
		rx_fill(q);
		q->rx_irq_enabled = true;
	}
	return 0;
}

static int
nic_stop(struct net_device *dev)
{
	struct nic *nic = netdev_priv(dev);
	for (uint32_t i = 0; i < nic->nrxq; i++) {
		struct nic_rxq *q = &nic->rxq[i];
		q->rx_irq_enabled = false;
		if (q->coalesce_ev) {
			sim_cancel(nic->host->sim, q->coalesce_ev);
			q->coalesce_ev = 0;
		}
		cpu_withdraw(rxq_cpu(q), &q->rx_irq_work);
		q->rx_irq_asserted = false;
		netif_napi_del(&q->napi);
		rx_free_drain(q);
		skb_queue_purge(&q->rx_ring, SKB_DROP_QUEUE_PURGE);
		q->coalesce_count = 0;
	}
	nic_tx_stop(nic);
	return 0;
}

static void
nic_uninit(struct net_device *dev)
{
	struct nic *nic = netdev_priv(dev);
	if (nic->wire)
		wire_detach(nic->wire, nic->side);
	nic->wire = NULL;
	if (nic->pcap)
		trace_pcap_close(nic->pcap);
	for (uint32_t i = 0; i < nic->nrxq; i++)
		g_free(nic->rxq[i].rx_free);
	g_aligned_free(nic->rxq);
	nic->rxq = NULL;
	nic_tx_free(nic);
	nic->nrxq = 0;
	nic->pcap = NULL;
}

/* Input is unblocked: frames that waited raise the RX interrupt now. */
static void
nic_rx_resume(struct net_device *dev)
{
	struct nic *nic = netdev_priv(dev);
	for (uint32_t i = 0; i < nic->nrxq; i++) {
		struct nic_rxq *q = &nic->rxq[i];
		q->coalesce_count = 0;
		irq_note(q, skb_queue_len(&q->rx_ring), tx_cause_pending(q) ? 1 : 0);
	}
}

static const struct net_device_ops nic_netdev_ops = {
	.ndo_open = nic_open,
	.ndo_stop = nic_stop,
	.ndo_start_xmit = nic_start_xmit,
	.ndo_uninit = nic_uninit,
	.ndo_rx_resume = nic_rx_resume,
};

/* ---- creation ------------------------------------------------------------------------ */

struct nic *
nic_new(struct host *host, const char *ifname, const uint8_t *mac, const struct nic_config *cfg)
{
	struct net_device *dev = alloc_netdev(host, ifname, sizeof(struct nic), &nic_netdev_ops);
	struct nic *nic = netdev_priv(dev);
	nic->dev = dev;
	nic->host = host;
	if (cfg)
		nic->cfg = *cfg;
	else
		nic_config_init(&nic->cfg);
	nic->ifname = g_intern_string(ifname);
	if (mac) {
		memcpy(dev->dev_addr, mac, ETH_ALEN);
	} else {
		uint64_t r = rng_next(&host->rng);
		for (int i = 0; i < ETH_ALEN; i++)
			dev->dev_addr[i] = (uint8_t)(r >> (8 * i));
		dev->dev_addr[0] = (uint8_t)((dev->dev_addr[0] & 0xfe) | 0x02); /* local, unicast */
	}
	dev->mtu = nic->cfg.mtu;
	dev->tx_queue_len = nic->cfg.tx_queue_len;
	dev->ecn_mark = nic->cfg.ecn_mark;
	dev->features = (nic->cfg.tx_csum ? NETIF_F_HW_CSUM : 0) |
		(nic->cfg.rx_csum ? NETIF_F_RXCSUM : 0) | (nic->cfg.tso ? NETIF_F_TSO : 0) |
		(nic->cfg.gso ? NETIF_F_GSO : 0) | (nic->cfg.gro ? NETIF_F_GRO : 0) |
		(nic->cfg.uso ? NETIF_F_GSO_UDP_L4 : 0) |
		(nic->cfg.gro_udp_fwd ? NETIF_F_GRO_UDP_FWD : 0);
	dev->napi_defer_hard_irqs = nic->cfg.napi_defer_hard_irqs;
	dev->gro_flush_timeout = nic->cfg.gro_flush_timeout;
	nic->rx_buf_size = NIC_RX_HEADROOM + nic->cfg.mtu + ETH_HLEN;

	/* RSS: the key (Microsoft's, or drawn from the host's stream), the
	 * table spread as ethtool_rxfh_indir_default, or over the first
	 * rss_equal queues (ethtool -X equal N) */
	nic->nrxq = nic->cfg.rx_queues ? nic->cfg.rx_queues : 1;
	uint8_t key[RSS_KEY_SIZE];
	if (nic->cfg.rss_key_random)
		for (int i = 0; i < RSS_KEY_SIZE; i++)
			key[i] = (uint8_t)rng_next(&host->rng);
	rss_ctx_init(&nic->rss, nic->cfg.rss_key_random ? key : NULL, nic->nrxq);
	if (nic->cfg.rss_equal)
		rss_indir_equal(&nic->rss, nic->cfg.rss_equal);
	/* on cache-line boundaries: the fields a frame touches are in the
	 * queue's first lines (h16s) */
	nic->rxq = g_aligned_alloc0(nic->nrxq, sizeof(struct nic_rxq), 64);
	for (uint32_t i = 0; i < nic->nrxq; i++) {
		struct nic_rxq *q = &nic->rxq[i];
		q->nic = nic;
		q->index = i;
		q->cpu = i % host->ncpus; /* the default smp_affinity: queue i on CPU i mod N */
		q->coal_usecs = nic->cfg.rx_usecs;
		q->coal_frames = nic->cfg.rx_frames;
		if (nic->cfg.adaptive_rx) {
			net_dim_init(&q->rx_dim);
			struct dim_cq_moder m = net_dim_get_rx_moderation(q->rx_dim.profile_ix);
			q->coal_usecs = nic->cfg.rx_usecs = m.usec;
			q->coal_frames = nic->cfg.rx_frames = m.pkts;
		}
		skb_queue_head_init(&q->rx_ring, "rx_ring", LAYER_NIC);
		/* one queue keeps the names it always had; several are numbered
		 * (Linux: the IRQ eth0-rx-0, the NAPI thread napi/eth0-N) */
		bool one = nic->nrxq == 1;
		const char *rx_name = one ? nic_name("", ifname, " rx irq", -1, "")
					  : nic_name("", ifname, "-rx-", i, " irq");
		const char *napi_name = one ? nic_name("", ifname, " napi", -1, "")
					    : nic_name("", ifname, "-rx-", i, " napi");
		cpu_work_init(&q->rx_irq_work, rx_irq_handler, q, rx_name);
		netif_napi_add(host, dev, &q->napi, napi_name, &nic_napi_ops, nic->cfg.weight, q);
		q->napi.queue = i;
		netif_napi_set_cpu(&q->napi, q->cpu);
	}
	nic_tx_init(nic);
	register_netdevice(dev);
	if (nic->cfg.threaded)
		for (uint32_t i = 0; i < nic->nrxq; i++) {
			struct nic_rxq *q = &nic->rxq[i];
			const char *thread_name = nic->nrxq == 1
				? nic_name("napi/", ifname, "", -1, "")
				: nic_name("napi/", ifname, "-", i, "");
			q->napi.thread_work.name = thread_name;
			napi_set_threaded(&q->napi, true);
			q->napi.thread_work.name = thread_name;
		}
	return nic;
}

/*
 * /proc/irq/N/smp_affinity of RX queue @queue: its interrupt (and so its
 * NAPI poll) goes to the lowest CPU of @mask (x86 delivers a vector to one
 * CPU of the mask; Linux's matrix allocator picks the least loaded one,
 * netsim the lowest).  Only while the queue is idle (before traffic).
 */
bool
nic_set_irq_affinity(struct nic *nic, uint32_t queue, uint64_t mask)
{
	if (queue >= nic->nrxq || mask == 0)
		return false;
	uint32_t cpu = (uint32_t)__builtin_ctzll(mask);
	if (cpu >= nic->host->ncpus)
		return false;
	struct nic_rxq *q = &nic->rxq[queue];
	q->cpu = cpu;
	netif_napi_set_cpu(&q->napi, cpu);
	return true;
}

uint32_t
nic_rx_queues(const struct nic *nic)
{
	return nic->nrxq;
}

void
nic_rx_queue_stats(const struct nic *nic, uint32_t queue, struct nic_rxq_stats *out)
{
	const struct nic_rxq *q = &nic->rxq[queue];
	*out = (struct nic_rxq_stats){
		.cpu = q->cpu,
		.frames = q->rx_frames,
		.irqs = q->rx_irqs,
		.polled = q->napi.packets,
	};
}

struct rss_ctx *
nic_rss(struct nic *nic)
{
	return &nic->rss;
}

struct net_device *
nic_dev(struct nic *nic)
{
	return nic->dev;
}

struct nic *
nic_from_dev(struct net_device *dev)
{
	g_assert(dev->netdev_ops == &nic_netdev_ops);
	return netdev_priv(dev);
}

const struct nic_config *
nic_config(const struct nic *nic)
{
	return &nic->cfg;
}

const struct nic_stats *
nic_stats(const struct nic *nic)
{
	struct nic *n = (struct nic *)nic;
	n->stats.rx_ring_used = 0;
	for (uint32_t i = 0; i < nic->nrxq; i++)
		n->stats.rx_ring_used += skb_queue_len(&nic->rxq[i].rx_ring);
	n->stats.tx_ring_used = 0;
	for (uint32_t i = 0; i < nic->ntxq; i++)
		n->stats.tx_ring_used += skb_queue_len(&nic->txq[i].tx_ring);
	return &nic->stats;
}

const struct dim *
nic_rx_dim_state(const struct nic *nic)
{
	return nic->cfg.adaptive_rx ? &nic->rxq[0].rx_dim : NULL;
}

struct napi_struct *
nic_napi(struct nic *nic)
{
	return &nic->rxq[0].napi;
}

bool
nic_rx_irq_enabled(const struct nic *nic)
{
	return nic->rxq[0].rx_irq_enabled;
}

void
nic_connect(struct nic *nic, struct wire *w, int side)
{
	g_assert(!nic->wire);
	nic->wire = w;
	nic->side = side;
	wire_attach(w, side, nic_wire_rx, nic_wire_tx_done, nic);
}

void
nic_set_pcap(struct nic *nic, struct trace_pcap *pcap)
{
	if (nic->pcap)
		trace_pcap_close(nic->pcap);
	nic->pcap = pcap;
}
