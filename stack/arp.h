/*
 * stack/arp.h - ARP and the neighbour table (IPv4 over Ethernet).
 *
 * Linux counterpart: net/ipv4/arp.c (arp_rcv, arp_process, arp_send,
 * arp_solicit, arp_error_report), net/core/neighbour.c (struct neighbour,
 * the NUD state machine, neigh_resolve_output, the unresolved queue).
 * RFC 826 (ARP), RFC 5227 §3 (gratuitous ARP / announcement).
 *
 * Position in the call chain:
 *   transmit: ip_finish_output2 -> neigh_output -> (resolved) eth_header ->
 *             dev_queue_xmit; (unresolved) the "arp_queue", a request,
 *             and later the queued skbs go out when the reply comes
 *   receive:  netif_receive_skb -> arp_rcv -> arp_process (update the
 *             cache, answer requests for our address, flush the queue)
 *
 * The states (Linux NUD_*): INCOMPLETE (request sent, skbs wait on the
 * entry's arp_queue, bounded by unres_qlen; the request is retried every
 * retrans_time, mcast_solicit times in all, then FAILED: the queued skbs
 * are dropped with SKB_DROP_NEIGH_FAILED and ICMP host unreachable is sent
 * about each), REACHABLE (for a random time in [base_reachable_time/2,
 * 3*base_reachable_time/2], as Linux), STALE (still used; the first use
 * sends a unicast probe, and a reply makes it REACHABLE again; removed
 * after gc_stale_time unused), FAILED (removed after retrans_time; the
 * next datagram starts over), PERMANENT (static entries).
 *
 * CPU: arp_rcv charges COST_ARP, and so does every cache miss on output.
 */
#ifndef NETSIM_STACK_ARP_H
#define NETSIM_STACK_ARP_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include "sim/conf.h"
#include "sim/sim.h"
#include "stack/netdevice.h"
#include "stack/skbuff.h"

struct host;

/* ARP over Ethernet/IPv4 (RFC 826); multi-byte fields network byte order. */
struct arphdr {
	uint16_t ar_hrd; /* ARPHRD_ETHER */
	uint16_t ar_pro; /* ETH_P_IP */
	uint8_t ar_hln;	 /* 6 */
	uint8_t ar_pln;	 /* 4 */
	uint16_t ar_op;	 /* ARPOP_REQUEST, ARPOP_REPLY */
	uint8_t ar_sha[ETH_ALEN];
	uint32_t ar_sip;
	uint8_t ar_tha[ETH_ALEN];
	uint32_t ar_tip;
} __attribute__((packed));

#define ARP_HLEN 28
#define ARPHRD_ETHER 1
#define ARPOP_REQUEST 1
#define ARPOP_REPLY 2

enum nud_state {
	NUD_NONE = 0,
	NUD_INCOMPLETE,
	NUD_REACHABLE,
	NUD_STALE,
	NUD_FAILED,
	NUD_PERMANENT,
};
const char *nud_state_name(enum nud_state s);

/* Settings (Linux net.ipv4.neigh.default.*), per host. */
struct neigh_config {
	sim_time_t base_reachable_time; /* 30s */
	sim_time_t retrans_time;	/* 1s: between requests */
	uint32_t mcast_solicit;		/* 3: requests before FAILED */
	uint32_t unres_qlen;		/* 101: skbs queued per unresolved entry */
	sim_time_t gc_stale_time;	/* 60s: an unused STALE entry is removed */
	bool gratuitous;		/* announce an address when set/up: true */
};

/* Keys: base_reachable_time, retrans_time, mcast_solicit, unres_qlen,
 * gc_stale_time, arp_announce. */
extern const struct conf_key neigh_conf_keys[];
void neigh_config_init(struct neigh_config *c);

/* Set up / tear down the neighbour table of @host (inet_init does both). */
void arp_init(struct host *host, const struct neigh_config *c);
struct neigh_config *neigh_host_config(struct host *host);

/*
 * The ETH_P_ARP handler: validates the packet, learns the sender when it
 * is for us or already known, answers requests for our address (proxy ARP
 * is not modelled), and sends what waited on the entry.  Consumes @skb.
 */
int arp_rcv(struct sk_buff *skb, struct net_device *dev, struct packet_type *pt);

/*
 * Transmit @skb (data at the IP header, skb->dev unused) on @dev to the
 * IPv4 next hop @nexthop: with a valid entry, push the Ethernet header and
 * dev_queue_xmit; otherwise queue it on the entry's "arp_queue" and
 * resolve.  A broadcast next hop (255.255.255.255 or the subnet's) goes to
 * the Ethernet broadcast address.  Consumes @skb.  Returns 0, or -ENOBUFS
 * when it was dropped here (queue full) or by dev_queue_xmit.
 */
int neigh_output(struct sk_buff *skb, struct net_device *dev, uint32_t nexthop);

/* Send an ARP packet: @op from our @sip/@sha to @tip/@tha, Ethernet to @dest_hw
 * (NULL: broadcast).  Linux arp_send. */
void arp_send(struct net_device *dev, uint16_t op, uint32_t tip, uint32_t sip,
	      const uint8_t *dest_hw, const uint8_t *tha);
/* Gratuitous ARP for @dev's address (a request with sender = target = our address). */
void arp_announce(struct net_device *dev);

/* A static (PERMANENT) entry: `ip neigh add ... nud permanent`. */
void neigh_add_static(struct net_device *dev, uint32_t ip, const uint8_t *mac);
/* The entry for @ip on @dev: state and (when valid) MAC.  False when none. */
bool neigh_lookup(struct net_device *dev, uint32_t ip, enum nud_state *state, uint8_t *mac);
/* Forget every entry of @dev (address change, device down); queued skbs are dropped. */
void neigh_flush_dev(struct net_device *dev);
/* @dev's address or broadcast address changed: neigh_output tests the
 * broadcast address again before it reuses an entry. */
void neigh_addr_changed(struct net_device *dev);

/* Counters (Linux /proc/net/stat/arp_cache and ARP statistics). */
struct neigh_stats {
	uint64_t lookups; /* neigh_output calls */
	uint64_t hits;	  /* found a usable entry */
	uint64_t allocs;  /* entries created */
	uint64_t destroys;
	uint64_t requests_sent;
	uint64_t replies_sent;
	uint64_t requests_rcvd;
	uint64_t replies_rcvd;
	uint64_t announces_sent; /* gratuitous */
	uint64_t res_failed;	 /* resolutions that failed */
	uint64_t unres_discards; /* skbs dropped: queue full or resolution failed */
	uint64_t rcv_invalid;	 /* malformed ARP packets */
	uint32_t entries;	 /* now */
};
void neigh_stats(struct host *host, struct neigh_stats *out);

#endif
