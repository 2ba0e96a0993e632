/*
 * stack/gro.h - generic receive offload: the driver's poll hands each
 * frame to napi_gro_receive, which merges the segments of a TCP flow (and
 * the datagrams of a UDP flow whose socket set UDP_GRO, or that is
 * forwarded with rx-udp-gro-forwarding) into one large skb before IP and
 * TCP or UDP see them.
 *
 * Linux counterpart (6.6): net/core/gro.c (napi_gro_receive,
 * dev_gro_receive, gro_list_prepare, skb_gro_receive, napi_gro_complete,
 * napi_gro_flush, gro_normal_one), include/net/gro.h (gro_normal_list,
 * napi_gro_cb), net/core/dev.c (__napi_poll, napi_complete_done),
 * net/ipv4/af_inet.c (inet_gro_receive, inet_gro_complete),
 * net/ipv4/tcp_offload.c (tcp4_gro_receive, tcp_gro_receive,
 * tcp4_gro_complete, tcp_gro_complete), net/ipv4/udp_offload.c
 * (udp4_gro_receive, udp_gro_receive, udp_gro_receive_segment,
 * udp4_gro_complete).
 *
 * Position:
 *   driver poll (nic_napi_rx_one) -> napi_gro_receive -> dev_gro_receive:
 *     the bucket's held skbs (gro_list_prepare: same device and MAC header)
 *     -> inet_gro_receive (IPv4 checks) -> tcp4_gro_receive (checksum) ->
 *     tcp_gro_receive (flow, flags, options, seq, size) -> skb_gro_receive
 *     (the merge)
 *   a held skb leaves by napi_gro_complete (inet_gro_complete,
 *   tcp4_gro_complete) -> gro_normal_one -> rx_list; rx_list goes up
 *   (gro_normal_list -> netif_receive_skb) at gro_normal_batch segments,
 *   at napi_complete_done and at the end of a poll that used its weight.
 *
 * With NETIF_F_GRO off napi_gro_receive calls netif_receive_skb at once
 * (docs/device-layer.md, "GRO", says why and what Linux does).
 */
#ifndef NETSIM_STACK_GRO_H
#define NETSIM_STACK_GRO_H

#include <stdbool.h>
#include <stdint.h>
#include "stack/netdevice.h"
#include "stack/skbuff.h"

/* Linux include/net/gro.h and net/core/gro.c, 6.6 */
#define MAX_GRO_SKBS 8		   /* held skbs per bucket */
#define GRO_LEGACY_MAX_SIZE 65536u /* gro_ipv4_max_size's default */
#define GRO_NORMAL_BATCH 8	   /* net.core.gro_normal_batch */
#define GRO_JIFFY (SIM_S / 1000)   /* CONFIG_HZ = 1000, as TCP_HZ */

enum gro_result {
	GRO_MERGED,	 /* merged into a held skb (Linux: chained on its frag_list) */
	GRO_MERGED_FREE, /* merged, and the skb's head freed (netsim: always) */
	GRO_HELD,	 /* held on a GRO list, waiting for more */
	GRO_NORMAL,	 /* passed on unmerged (rx_list) */
	GRO_CONSUMED,
};

/* Linux struct napi_gro_cb: skb->cb while the skb is in GRO. */
struct napi_gro_cb {
	uint32_t age;	      /* jiffies when it was held */
	uint16_t count;	      /* segments merged into it, itself included */
	uint16_t flush_id;    /* the IP ID check, kept until the flow is known */
	uint16_t data_offset; /* skb_gro_offset: the header being parsed */
	uint8_t same_flow;    /* a held skb: may belong to the new skb's flow */
	uint8_t flush;	      /* do not hold or merge (the new skb), complete now (a held one) */
	uint8_t is_atomic;    /* DF set: the IP ID need not increment */
	uint8_t free;	      /* the skb was merged: its head is freed */
};
#define NAPI_GRO_CB(skb) ((struct napi_gro_cb *)(skb)->cb)

/* Set up @n's GRO lists (netif_napi_add). */
void napi_gro_init(struct napi_struct *n);
/* Drop every skb GRO holds or has queued on @n (netif_napi_del: Linux
 * flush_gro_hash frees them). */
void napi_gro_cleanup(struct napi_struct *n);

/*
 * Linux napi_gro_receive: @skb (eth_type_trans done, data at the network
 * header) from @n's driver poll.  Charges COST_GRO_RECEIVE when the device
 * has NETIF_F_GRO; without it, netif_receive_skb at once.  Consumes @skb.
 */
enum gro_result napi_gro_receive(struct napi_struct *n, struct sk_buff *skb);
/*
 * Linux napi_gro_flush: complete @n's held skbs, oldest first; with
 * @flush_old, only those held since an earlier jiffy.  The completed skbs
 * go to rx_list (gro_normal_one).
 */
void napi_gro_flush(struct napi_struct *n, bool flush_old);
/* Linux gro_normal_list: pass rx_list up (netif_receive_skb each).
 * Returns the number of skbs passed up. */
uint32_t gro_normal_list(struct napi_struct *n);
/* Skbs GRO holds on @n now, over all buckets. */
uint32_t napi_gro_held(const struct napi_struct *n);

#endif
