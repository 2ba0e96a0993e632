/*
 * stack/ip_frag.h - IPv4 fragmentation and reassembly.
 *
 * Linux counterpart: net/ipv4/ip_output.c (ip_fragment, ip_do_fragment:
 * the "slow path" that copies), net/ipv4/ip_fragment.c (ip_defrag,
 * ip_frag_queue, ip_frag_reasm, ip_expire), net/ipv4/inet_fragment.c
 * (inet_frag_queue_insert, the memory limit).  RFC 791 §3.2, RFC 815,
 * RFC 5722 (overlaps).
 *
 * Position in the call chain:
 *   transmit: ip_output -> ip_fragment -> per fragment neigh_output
 *   receive:  ip_local_deliver -> ip_defrag -> (complete) the protocol
 *
 * Fragments waiting for the rest of their datagram sit on the datagram's
 * queue, named "ipfrag_queue" in the trace, ordered by offset.  A queue
 * lives ipfrag_time (30 s) from its first fragment; then it is dropped
 * (SKB_DROP_FRAG_REASM_TIMEOUT) and, if its first fragment had arrived,
 * ICMP time exceeded (fragment reassembly) goes to the sender.  All
 * queues of a host together hold at most ipfrag_high_thresh bytes; beyond
 * it new fragments are dropped (SKB_DROP_FRAG_OVERFLOW).
 *
 * Overlaps (Linux since 4.19, commit 7969e5c40dfd "ip: discard IPv4
 * datagrams with overlapping segments", following RFC 5722 for IPv6): a
 * fragment overlapping one already queued kills the whole datagram,
 * counted in ReasmOverlaps and ReasmFails (SKB_DROP_FRAG_INVALID); an
 * exact duplicate is dropped alone (Linux IPFRAG_DUP, "net: ipv4: do not
 * handle duplicate fragments as overlapping", 2019).  A last fragment
 * that disagrees with the known end, or a fragment beyond it, also kills
 * the datagram (Linux ip_frag_queue, "corrupted").
 */
#ifndef NETSIM_STACK_IP_FRAG_H
#define NETSIM_STACK_IP_FRAG_H

#include <stdint.h>
#include "stack/skbuff.h"

struct host;
struct net_device;

/*
 * Queue the fragment @skb (data at the IP header).  Returns the
 * reassembled datagram (a new skb, data at its IP header, IPCB flag
 * IPSKB_FRAG_COMPLETE) when @skb completed it, else NULL.  Consumes @skb
 * either way.
 */
struct sk_buff *ip_defrag(struct sk_buff *skb);

/*
 * Cut @skb (a whole IP datagram, data at the IP header, DF clear) into
 * fragments of at most @mtu bytes and send each with neigh_output(@dev,
 * @nexthop).  Consumes @skb.  Returns 0, or -ENOBUFS if any fragment was
 * dropped on its way out.
 */
int ip_fragment(struct sk_buff *skb, struct net_device *dev, uint32_t nexthop, uint32_t mtu);

struct ipfrag_stats {
	uint32_t queues;  /* datagrams being reassembled now */
	uint64_t mem;	  /* bytes held by their fragments now */
	uint64_t mem_max; /* high-water mark */
};
void ipfrag_stats(struct host *host, struct ipfrag_stats *out);

#endif
