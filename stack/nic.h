/*
 * stack/nic.h - a simulated Ethernet NIC and its driver.
 *
 * Linux counterpart: a simple PCI Ethernet driver (e1000-like): the RX and
 * TX descriptor rings, the interrupt handler (top half), the NAPI poll and
 * ndo_start_xmit.  Seed text: "Network device drivers", "Receiving a
 * packet", "Dealing with interrupts and NAPI".
 *
 * Position in the call chain:
 *   receive:  wire -> nic (DMA into an RX ring buffer, COPY_DMA_FROM_DEV)
 *             -> RX interrupt (hardirq, optionally coalesced)
 *               interrupt mode: top half takes every frame -> netif_rx
 *               NAPI mode:      top half masks RX interrupts -> napi_schedule
 *                               -> (softirq) poll: frame -> netif_receive_skb
 *   transmit: dev_queue_xmit -> netdev_core_pick_tx (the TX queue: XPS or
 *             hash) -> its qdisc -> ndo_start_xmit (its TX ring; the rings
 *             take the wire in turn, stack/nic_tx.c) -> DMA to
 *             the NIC (COPY_DMA_TO_DEV) -> serialised on the wire -> the
 *             descriptor is done:
 *               NAPI mode:      a cause of RX queue K mod rx_queues's
 *                               interrupt (queue 0's with one; masked
 *                               while NAPI runs, e1000_intr) -> the poll
 *                               reclaims the TX ring before its RX work
 *                               (e1000_clean -> e1000_clean_tx_irq)
 *               interrupt mode: a TX-completion interrupt (hardirq)
 *                               frees the skb (also NAPI mode while input
 *                               is blocked).
 *
 * CPU costs (sim/cpu.h):
 *   RX interrupt, interrupt mode: COST_IRQ_ENTRY, then per frame
 *     COST_DRIVER_RX + COST_NETIF_RX, each frame one hardirq item.
 *   RX interrupt, NAPI mode: COST_IRQ_ENTRY.
 *   NAPI poll: COST_TX_COMPLETE per sent skb it reclaims (its tx_clean
 *     step), then per packet COST_DRIVER_RX + COST_ETH_RCV (netdevice.h).
 *   ndo_start_xmit: COST_DRIVER_TX (host_charge, caller's context).
 *   TX-completion interrupt: COST_IRQ_ENTRY + COST_TX_COMPLETE per skb freed.
 *
 * The RX ring holds rx_ring pre-allocated skbs.  A frame arriving with no
 * free descriptor is dropped by the hardware (SKB_DROP_RING_FULL), which
 * costs the CPU nothing.  A used buffer is replaced (refilled) when the
 * driver takes its frame.
 *
 * Coalescing (ethtool -C rx-usecs / rx-frames): the RX interrupt is raised
 * when rx_frames frames are waiting, or rx_usecs after the first waiting
 * frame, whichever comes first; with both 0 it is raised at once.  With
 * rx_frames > 1 and rx_usecs 0 a partial batch waits for more frames
 * (nic_config_check refuses it).
 *
 * While input is blocked (dev_rx_blocked: feedback or the cycle limit,
 * netdevice.h) the NIC raises no RX interrupt and the top half stops
 * taking frames; frames wait in the ring, or are dropped when it is full.
 *
 * Call sequence: nic = nic_new(host, "eth0", mac, &cfg); nic_connect(nic,
 * wire, side); dev_open(nic_dev(nic)).  The host frees the NIC (host_free),
 * which detaches it from its wire.
 */
#ifndef NETSIM_STACK_NIC_H
#define NETSIM_STACK_NIC_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include "sim/conf.h"
#include "sim/wire.h"
#include "stack/netdevice.h"

struct host;
struct trace_pcap;

struct nic_config {
	uint32_t rx_ring;      /* RX descriptors, 256 */
	uint32_t tx_ring;      /* TX descriptors, 256 */
	uint32_t tx_queue_len; /* the device's qdisc limit, 1000 */
	uint32_t ecn_mark;     /* the qdisc's CE-marking threshold, packets; 0 off */
	uint32_t mtu;	       /* 1500 */
	bool napi;	       /* true: NAPI; false: interrupt mode (netif_rx) */
	bool promisc;	       /* accept frames for any MAC address; false */
	bool adaptive_rx;      /* net_dim moves rx_usecs/rx_frames; false */
	/* the fields above are read per frame or poll (struct nic keeps them on a line) */
	uint32_t weight;	       /* NAPI weight (quota per poll), 64; 0 = unlimited */
	bool threaded;		       /* threaded NAPI: polled by the thread napi/IF; false */
	uint32_t rx_usecs;	       /* interrupt coalescing delay, us; 0 = none */
	uint32_t rx_frames;	       /* interrupt coalescing frame count; 0 = none */
	uint32_t napi_defer_hard_irqs; /* completions that keep the IRQ masked; 0 */
	sim_time_t gro_flush_timeout;  /* their re-poll timer; 0 = off */
	/* offloads (ethtool -K; stack/gso.h) */
	bool tx_csum;	  /* tx-checksumming: NETIF_F_HW_CSUM; true */
	bool rx_csum;	  /* rx-checksumming: NETIF_F_RXCSUM; true */
	bool tso;	  /* tcp-segmentation-offload: NETIF_F_TSO; false */
	bool gso;	  /* generic-segmentation-offload: NETIF_F_GSO; false */
	bool gro;	  /* generic-receive-offload: NETIF_F_GRO; false (stack/gro.h) */
	bool uso;	  /* tx-udp-segmentation: NETIF_F_GSO_UDP_L4; false */
	bool gro_udp_fwd; /* rx-udp-gro-forwarding: NETIF_F_GRO_UDP_FWD; false */
	/* multi-queue receive (ethtool -L, -X; stack/rss.h) */
	uint32_t rx_queues;  /* 1 */
	uint32_t tx_queues;  /* 1 (ethtool -L tx; XPS, netdevice.h) */
	uint32_t rss_equal;  /* indirection table over the first N queues; 0 = all */
	bool rss_key_random; /* key from the host's stream; false: Microsoft's */
};

/* Keys: rx_ring, rx_queues, rss_equal, rss_key_random, tx_ring, tx_queues, txqueuelen, mtu, napi, weight, threaded, rx_usecs, rx_frames,
 * adaptive_rx, promisc, napi_defer_hard_irqs, gro_flush_timeout, tx-checksumming,
 * rx-checksumming, tcp-segmentation-offload, generic-segmentation-offload,
 * generic-receive-offload. */
extern const struct conf_key nic_conf_keys[];
void nic_config_init(struct nic_config *c);
/* Checks combinations the key ranges cannot (rx_frames without rx_usecs). */
bool nic_config_check(const struct nic_config *c, GError **error);

struct nic_stats {
	uint64_t rx_frames;	/* frames that reached the NIC */
	uint64_t rx_dma;	/* DMA'd into an RX buffer */
	uint64_t rx_ring_full;	/* dropped: no free RX descriptor */
	uint64_t rx_bad;	/* dropped: runt or giant */
	uint64_t rx_otherhost;	/* dropped by the MAC address filter */
	uint64_t rx_down;	/* dropped: device not up */
	uint64_t rx_irqs;	/* interrupts raised with received frames waiting */
	uint64_t rx_irq_frames; /* frames taken by the top half (interrupt mode) */
	/* the second line (the TX path's counters): at offset 64 */
	uint64_t tx_frames;    /* frames put on the wire */
	uint64_t tx_napi_irqs; /* NAPI mode: raised by sent descriptors alone */
	uint64_t tx_irqs;      /* TX-completion interrupts (interrupt mode; input blocked) */
	uint64_t tx_completed; /* skbs freed after transmission */
	uint64_t tx_polled;    /* of those, freed by the NAPI poll (NAPI mode) */
	uint64_t tx_busy;      /* ndo_start_xmit found the TX ring full */
	uint32_t rx_ring_used; /* filled RX descriptors now */
	uint32_t tx_ring_used; /* TX descriptors in use now */
};

struct nic;

/*
 * A NIC with its net_device named @ifname, registered on @host (not yet up).
 * @mac may be NULL: a locally administered address is drawn from the
 * host's RNG stream.  @cfg may be NULL for the defaults.
 */
struct nic *nic_new(struct host *host, const char *ifname, const uint8_t *mac,
		    const struct nic_config *cfg);
struct net_device *nic_dev(struct nic *nic);
struct nic *nic_from_dev(struct net_device *dev);
const struct nic_config *nic_config(const struct nic *nic);
const struct nic_stats *nic_stats(const struct nic *nic);
struct napi_struct *nic_napi(struct nic *nic);
/* adaptive_rx: the net_dim state (profile_ix, profile_changes); NULL when off.
 * With adaptive_rx, nic_config() shows the coalescing now in force. */
struct dim;
const struct dim *nic_rx_dim_state(const struct nic *nic);
bool nic_rx_irq_enabled(const struct nic *nic);

/* Attach the NIC to end @side of @w. */
void nic_connect(struct nic *nic, struct wire *w, int side);
/* Capture every frame sent and received on this NIC.  Takes @pcap. */
void nic_set_pcap(struct nic *nic, struct trace_pcap *pcap);

/* ---- multi-queue receive (docs/device-layer.md, "Multi-queue NICs") ---- */

/* RX queues (nic_config.rx_queues). */
uint32_t nic_rx_queues(const struct nic *nic);
/* /proc/irq/N/smp_affinity of RX queue @queue: its interrupt and NAPI go
 * to the lowest CPU in @mask.  False when @queue or the CPU does not exist. */
bool nic_set_irq_affinity(struct nic *nic, uint32_t queue, uint64_t mask);
struct nic_rxq_stats {
	uint32_t cpu;	 /* the CPU its interrupt goes to */
	uint64_t frames; /* frames RSS steered to it (dropped ones too) */
	uint64_t irqs;	 /* its interrupts */
	uint64_t polled; /* packets its NAPI instance took */
};
void nic_rx_queue_stats(const struct nic *nic, uint32_t queue, struct nic_rxq_stats *out);
/* TX queues (nic_config.tx_queues), each with its ring and qdisc. */
uint32_t nic_tx_queues(const struct nic *nic);
struct nic_txq_stats {
	uint32_t cpu;	      /* the CPU whose vector reclaims it */
	uint64_t packets;     /* frames it put on the wire */
	uint64_t bytes;	      /* and their bytes (padded, as the wire carries them) */
	uint64_t qdisc_drops; /* packets its qdisc refused (full) */
	uint32_t ring_used;   /* descriptors in use now */
	bool stopped;	      /* netif_tx_stop_queue: its ring is full */
};
void nic_tx_queue_stats(const struct nic *nic, uint32_t queue, struct nic_txq_stats *out);
/* The RSS context (key, indirection table), writable before traffic (ethtool -X). */
struct rss_ctx *nic_rss(struct nic *nic);

/*
 * The hardware receives @frame (as from a wire): MAC filter, length check,
 * DMA into an RX buffer, interrupt.  For tests and for wire-less setups.
 */
void nic_rx_frame(struct nic *nic, const uint8_t *frame, uint32_t len, uint64_t wire_id);

#endif
