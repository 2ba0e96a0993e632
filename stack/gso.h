/*
 * stack/gso.h - segmentation and checksum offload on transmit: GSO in
 * software (skb_gso_segment), the frames a TSO NIC cuts, and who pays for
 * a checksum.
 *
 * Linux counterpart: net/core/gso.c (skb_gso_segment), net/core/dev.c
 * (validate_xmit_skb, skb_csum_hwoffload_help), net/ipv4/af_inet.c
 * (inet_gso_segment), net/ipv4/tcp_offload.c (tcp_gso_segment),
 * net/core/skbuff.c (skb_segment), Linux 6.6.
 *
 * Position: tcp_write_xmit builds an skb of up to gso_max_size bytes
 * (gso_size = MSS) when the route's device has NETIF_F_GSO or
 * NETIF_F_TSO -> ip_queue_xmit (one traversal) -> dev_queue_xmit ->
 * validate_xmit_skb: a device without TSO gets skb_gso_segment's MSS-sized
 * segments (charged per segment), a device with TSO the large skb, which
 * the NIC cuts with tcp_gso_write_segment as it sends (no CPU time).
 *
 * The segments' headers are fixed up as tcp_gso_segment and
 * inet_gso_segment do: IP total length and checksum, IP ID incremented
 * per segment, TCP sequence advanced by gso_size, FIN and PSH only on the
 * last segment, CWR only on the first, and each TCP checksum.
 *
 * Copies: Linux's skb_segment copies each segment's headers and shares
 * the payload's page frags (TCP's payload lives in frags); netsim's skbs
 * are linear, so each segment's payload is copied too, traced as a copy
 * row (COPY_SKB_COPY) but not charged: the CPU time charged is Linux's
 * (COST_GSO_SEGMENT per segment, plus the checksum without tx-checksumming).
 */
#ifndef NETSIM_STACK_GSO_H
#define NETSIM_STACK_GSO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "stack/inet.h"
#include "stack/netdevice.h"
#include "stack/skbuff.h"

struct host;

/* Charge @host the software checksum of @bytes bytes (COST_CSUM_PER_KB pro rata). */
void skb_csum_charge(struct host *host, uint32_t bytes, const char *what);

/*
 * Linux skb_partial_csum_set: @skb (data = transport header) leaves its
 * transport checksum, at @csum_offset from here, to the device or to
 * skb_checksum_help: CHECKSUM_PARTIAL.
 */
void skb_partial_csum_set(struct sk_buff *skb, uint16_t csum_offset);

/*
 * Linux skb_checksum_help (net/core/dev.c): a CHECKSUM_PARTIAL skb whose
 * device cannot sum it (no tx-checksumming; or before ip_do_fragment) is
 * summed in software: charged COST_CSUM_PER_KB pro rata over the transport
 * header and payload, and becomes CHECKSUM_NONE.
 */
void skb_checksum_help(struct sk_buff *skb);

/*
 * Linux skb_csum_unnecessary: nothing to verify on receive, because the
 * NIC checked the sum (CHECKSUM_UNNECESSARY) or the skb never left the
 * host's memory with its sum still to be filled in (CHECKSUM_PARTIAL: a
 * GRO aggregate, loopback).
 */
static inline bool
skb_csum_unnecessary(const struct sk_buff *skb)
{
	return skb->ip_summed == CHECKSUM_UNNECESSARY || skb->ip_summed == CHECKSUM_PARTIAL;
}

/*
 * Mark @skb (data = transport header, @len bytes of TCP) as a TCP skb
 * whose checksum is the device's or skb_checksum_help's (CHECKSUM_PARTIAL)
 * and, when longer than @mss, as a GSO skb of gso_size @mss.
 */
void tcp_gso_mark(struct sk_buff *skb, uint32_t mss);

/* The length of GSO skb @skb's segment @i, headers included (TCP or UDP). */
uint32_t gso_segment_len(const struct sk_buff *skb, uint32_t i);
uint32_t tcp_gso_segment_len(const struct sk_buff *skb, uint32_t i);
/*
 * Write segment @i of GSO skb @skb (data at the link header, over IPv4)
 * into @out, which has room for gso_segment_len bytes, with its headers
 * fixed up as tcp_gso_segment (SKB_GSO_TCPV4) or __udp_gso_segment
 * (SKB_GSO_UDP_L4: each segment its own UDP length and checksum) and
 * inet_gso_segment do.  Returns its length.  Used by skb_gso_segment and
 * by a NIC that segments (TSO, tx-udp-segmentation).
 */
uint32_t gso_write_segment(const struct sk_buff *skb, uint32_t i, uint8_t *out);
uint32_t tcp_gso_write_segment(const struct sk_buff *skb, uint32_t i, uint8_t *out);
uint32_t udp_gso_write_segment(const struct sk_buff *skb, uint32_t i, uint8_t *out);

/* Linux skb_gso_ok: can a device with @features take GSO skb @skb whole
 * (NETIF_F_TSO for TCP, NETIF_F_GSO_UDP_L4 for UDP)? */
bool skb_gso_ok(const struct sk_buff *skb, netdev_features_t features);

/*
 * Linux skb_gso_segment: cut GSO skb @skb into its gso_segs segments,
 * returned as a list linked by ->next (on no queue; the caller owns them).
 * @skb is not consumed.  Charges COST_GSO_SEGMENT per segment and, when
 * @features lacks NETIF_F_HW_CSUM, each segment's checksum.
 */
struct sk_buff *skb_gso_segment(struct sk_buff *skb, netdev_features_t features);

/*
 * What a NIC's receive checksum engine (NETIF_F_RXCSUM) finds: true when
 * the Ethernet frame @frame holds an unfragmented IPv4 TCP segment or UDP
 * datagram (with a sum: not 0) whose checksum is right, so the driver
 * marks it CHECKSUM_UNNECESSARY (Linux e1000_rx_checksum: the TCPCS status
 * bit covers TCP and UDP).  False means CHECKSUM_NONE: a bad sum, a
 * fragment, another protocol; the stack then sums it in software.
 */
bool eth_rx_csum_ok(const uint8_t *frame, uint32_t len);
/*
 * The same check, made as the frame is copied (DMA) into the receive
 * buffer @to: @len bytes of @frame copied, and the TCP or UDP payload
 * summed in the same pass (csum_partial_copy_nocheck).  The same answer
 * as eth_rx_csum_ok(@frame, @len) after memcpy(@to, @frame, @len).
 */
bool eth_rx_copy_csum_ok(uint8_t *to, const uint8_t *frame, uint32_t len);

/*
 * Linux validate_xmit_skb, as dev_queue_xmit calls it: a GSO skb for a
 * device that cannot cut it (skb_gso_ok) becomes its segments (list by ->next; @skb consumed);
 * a CHECKSUM_PARTIAL skb for a device without tx-checksumming gets its
 * checksum in software (skb_checksum_help, charged).  Returns the skb or
 * list to queue.
 */
struct sk_buff *validate_xmit_skb(struct sk_buff *skb, struct net_device *dev);

#endif
