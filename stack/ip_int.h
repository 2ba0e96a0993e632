/*
 * stack/ip_int.h - the IPv4 layer's per-host state, shared by the files of
 * the layer (ipv4.c, route.c, ip_frag.c, icmp.c, raw.c, udp.c) and no one
 * else.  Like trace/trace_int.h: not part of any public face.
 *
 * Linux counterpart: the IPv4 parts of struct net (net->ipv4: the FIB
 * tables, fqdir, sysctls, the MIB counters).
 */
#ifndef NETSIM_STACK_IP_INT_H
#define NETSIM_STACK_IP_INT_H

#include "stack/host.h"
#include "stack/icmp.h"
#include "stack/ipv4.h"
#include "stack/route.h"
#include "stack/u32map.h"

struct fib_table;
struct rt_cache_slot;
struct ipfrag_state;
struct raw_table;

struct icmp_state {
	struct icmp_mib mib;
	icmp_hook_fn hook;
	void *hook_arg;
};

/* host->ip.  Invariant: exists from inet_init until the inet fini hook. */
struct ip_state {
	/* What every datagram a host sends reads first (ip_build_and_send_pkt,
	 * route_output, ip_local_out_finish's local-address test): the first
	 * line, then next_id, the route cache and mib.out_requests (its first
	 * field) in the second; the 2 KiB protocol table comes after (docs/performance.md,
	 * cold lines).  Line-aligned (inet_init). */
	struct host *host;
	struct fib_table *fib; /* route.c */
	/* local and subnet-broadcast addresses -> struct inet_addr_ent
	 * (Linux inet_addr_lst, net/ipv4/devinet.c): ip_rcv's O(1) lookup */
	struct u32map inet_addr_lst;
	struct ip_config cfg;
	uint16_t next_id; /* ip_select_ident */
	/* ip_addr_type's last answer, for @rx_type_addr, while
	 * rx_type_valid (most datagrams a host receives are to one address):
	 * in the padding before mib; every address change clears it
	 * (inet_addr_hash) */
	bool rx_type_valid;
	uint8_t rx_type;
	uint32_t rx_type_addr;
	/* route.c's cache (route_output): its slots, their number and its
	 * hits, on this line so that a hit reads no line of struct fib_table */
	struct rt_cache_slot *rt_cache; /* rt_nslots slots, or NULL until first used */
	uint32_t rt_nslots;		/* a power of two; 0: no cache */
	uint64_t rt_cache_hits;
	struct ip_mib mib;
	const struct net_protocol *protos[256]; /* inet_add_protocol */
	struct packet_type ip_pt;		/* ETH_P_IP -> ip_rcv */
	struct ipfrag_state *frag;		/* ip_frag.c */
	struct icmp_state icmp;			/* icmp.c */
	struct raw_table *raw;			/* raw.c */
};
G_STATIC_ASSERT(offsetof(struct ip_state, cfg) + sizeof(struct ip_config) <= 64);
G_STATIC_ASSERT(offsetof(struct ip_state, next_id) >= 64 &&
		offsetof(struct ip_state, mib) + offsetof(struct ip_mib, out_requests) + 8 <= 128);

static inline struct ip_state *
ip_state(struct host *host)
{
	g_assert(host->ip != NULL);
	return host->ip;
}

/* route.c */
/* stack/ipv4.c: the packets table's row for a datagram (ip_rcv, ip_output.c). */
void ip_trace_packet(struct sk_buff *skb, const struct iphdr *iph);

void route_init(struct ip_state *ips);
void route_fini(struct ip_state *ips);

/* ip_frag.c */
void ipfrag_init(struct ip_state *ips);
void ipfrag_fini(struct ip_state *ips);

/* raw.c */
void raw_init(struct ip_state *ips);
void raw_fini(struct ip_state *ips);

/* udp.c */
void udp_fini(struct host *host);

#endif
