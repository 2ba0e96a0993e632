/*
 * stack/ip_output.c - IPv4 output: POST_ROUTING, fragmentation, loopback,
 * and the transports' entry points.
 *
 * Linux counterpart: net/ipv4/ip_output.c (ip_build_and_send_pkt,
 * ip_queue_xmit, ip_local_out, ip_output, ip_finish_output); the loopback
 * turn is drivers/net/loopback.c's loopback_xmit.  RFC 791, RFC 1122 §3.2.1.
 *
 * Position in the call chain:
 *   transport -> ip_build_and_send_pkt / ip_queue_xmit -> ip_local_out ->
 *       (LOCAL_OUT) -> ip_output -> (POST_ROUTING) -> ip_finish_output ->
 *       (ip_fragment) -> neigh_output -> dev_queue_xmit
 *   ip_forward -> ip_output
 */
#include "stack/ipv4.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include "stack/arp.h"
#include "stack/eth.h"
#include "stack/host.h"
#include "stack/icmp.h"
#include "stack/ip_tables.h"
#include "stack/ip_frag.h"
#include "stack/ip_int.h"
#include "stack/netfilter.h"
#include "stack/raw.h"
#include "stack/route.h"
#include "stack/sock.h"
#include "stack/udp.h"
#include "trace/trace.h"

/* ---- output ------------------------------------------------------------------- */

static int ip_finish_output(struct sk_buff *skb, struct net_device *dev, uint32_t nexthop);

int
ip_output(struct sk_buff *skb, struct net_device *dev, uint32_t nexthop)
{
	struct host *host = skb->host;
	host_charge(host, COST_IP_OUTPUT);
	skb_handoff(skb, LAYER_IP, "ip_output");
	skb->dev = dev;
	skb->protocol = ETH_P_IP;
	/* Linux ip_output: NF_HOOK_COND(POST_ROUTING, ip_finish_output) */
	int v = nf_hook(NF_INET_POST_ROUTING, skb, NULL, dev, nexthop, ip_finish_output);
	if (v != 1)
		return v;
	return ip_finish_output(skb, dev, nexthop);
}

/* Linux ip_finish_output: fragment if needed, then the neighbour. */
static int
ip_finish_output(struct sk_buff *skb, struct net_device *dev, uint32_t nexthop)
{
	struct ip_state *ips = ip_state(skb->host);
	/* Linux ip_finish_output_gso: a GSO skb is cut later, at MSS */
	if (skb->len > dev->mtu && !skb_is_gso(skb)) {
		if (ntohs(ip_hdr(skb)->frag_off) & IP_DF) {
			ips->mib.frag_fails++;
			if (IPCB(skb)->flags & IPSKB_FORWARDED)
				icmp_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, dev->mtu);
			skb_drop(skb, SKB_DROP_IP_FRAG_NEEDED);
			return -EMSGSIZE;
		}
		return ip_fragment(skb, dev, nexthop, dev->mtu);
	}
	return neigh_output(skb, dev, nexthop);
}

/* A datagram to ourselves goes round through the backlog, like Linux's loopback_xmit. */
static int
ip_loopback_xmit(struct sk_buff *skb, struct net_device *dev)
{
	skb_orphan(skb); /* Linux loopback_xmit: the sender's TSQ charge ends here */
	skb->dev = dev;
	skb->protocol = ETH_P_IP;
	skb->pkt_type = PACKET_HOST;
	skb_reset_network_header(skb);
	return netif_rx(skb) == NET_RX_SUCCESS ? 0 : -ENOBUFS;
}

static int
ip_loopback_finish(struct sk_buff *skb, struct net_device *dev, uint32_t nexthop)
{
	(void)nexthop;
	return ip_loopback_xmit(skb, dev);
}

/* To ourselves: lo's ip_output (POST_ROUTING too), then the loopback turn. */
static int
ip_loopback_output(struct sk_buff *skb, struct net_device *dev, uint32_t nexthop)
{
	host_charge(skb->host, COST_IP_OUTPUT);
	int v = nf_hook(NF_INET_POST_ROUTING, skb, NULL, dev, nexthop, ip_loopback_finish);
	if (v != 1)
		return v;
	return ip_loopback_xmit(skb, dev);
}

/* After LOCAL_OUT, the route at hand (Linux dst_output: the dst's output,
 * ip_local_deliver's loopback for an RTN_LOCAL route, else ip_output).  The
 * route was looked up for the header's destination, and a local answer
 * (route_resolve's ip_dev_find) lives only as long as the addresses do:
 * every address change flushes the cache and bumps the genid. */
static int
ip_dst_output(struct sk_buff *skb, const struct rtable *rt)
{
	if (rt->type != RTN_LOCAL)
		return ip_output(skb, rt->dev, rt->nexthop);
	return ip_loopback_output(skb, rt->dev, rt->nexthop);
}

/* LOCAL_OUT's okfn, run after a queued verdict (nf_reinject), where the
 * route is no longer at hand: the destination address decides, as the
 * route's lookup did (ours: the loopback turn). */
static int
ip_local_out_finish(struct sk_buff *skb, struct net_device *dev, uint32_t nexthop)
{
	if (!ip_dev_find(skb->host, ntohl(ip_hdr(skb)->daddr)))
		return ip_output(skb, dev, nexthop);
	return ip_loopback_output(skb, dev, nexthop);
}

/* No route for a datagram handed to IP: counted OutNoRoutes and dropped. */
static int
ip_no_route(struct sk_buff *skb, int err)
{
	ip_state(skb->host)->mib.out_no_routes++;
	skb_drop(skb, SKB_DROP_IP_NOROUTE);
	return err == -EINVAL ? -EINVAL : -ENETUNREACH;
}

/* A transport hands @skb to IP, which counts it (OutRequests).  The trace
 * names IP's entry the same for every transport. */
static inline void
ip_out_enter(struct sk_buff *skb)
{
	skb_handoff(skb, LAYER_IP, "ip_build_and_send_pkt");
	ip_state(skb->host)->mib.out_requests++;
}

int
ip_send_no_route(struct sk_buff *skb, int err)
{
	ip_out_enter(skb);
	return ip_no_route(skb, err);
}

/* ip_build_and_send_pkt and ip_send_skb, once @skb is handed to IP, counted
 * and routed. */
static inline int
ip_xmit_routed(struct sk_buff *skb, const struct ip_xmit_args *args, const struct rtable *rt)
{
	struct host *host = skb->host;
	struct ip_state *ips = ip_state(host);
	uint32_t tot = skb->len + IP_HLEN;
	if (tot > IP_MAX_PACKET) {
		ips->mib.out_discards++;
		skb_drop(skb, SKB_DROP_PKT_TOO_BIG);
		return -EMSGSIZE;
	}
	if (args->df && tot > rt->mtu && !skb_is_gso(skb)) {
		ips->mib.frag_fails++;
		skb_drop(skb, SKB_DROP_IP_FRAG_NEEDED);
		return -EMSGSIZE;
	}
	struct iphdr *iph = (struct iphdr *)skb_push(skb, IP_HLEN);
	skb_reset_network_header(skb);
	uint8_t ttl = args->ttl ? args->ttl : (uint8_t)ips->cfg.default_ttl;
	ip_build_header(iph, args->saddr ? args->saddr : rt->src, args->daddr, args->protocol, ttl,
			args->tos, (uint16_t)tot, ip_select_ident(host), args->df);
	if (skb_is_gso(skb)) /* Linux ip_select_ident_segs: one ID per segment */
		ip_state(host)->next_id += skb->gso_segs - 1u;
	*IPCB(skb) = (struct inet_skb_parm){ 0 };
	ip_trace_packet(skb, iph);
	/* Linux __ip_local_out: NF_HOOK(LOCAL_OUT, dst_output); a drop is EPERM */
	int v = nf_hook(NF_INET_LOCAL_OUT, skb, NULL, rt->dev, rt->nexthop, ip_local_out_finish);
	if (v != 1)
		return v;
	return ip_dst_output(skb, rt);
}

int
ip_build_and_send_pkt(struct sk_buff *skb, const struct ip_xmit_args *args)
{
	ip_out_enter(skb);
	struct rtable rt;
	int err = ip_route_output_skb(skb, args->daddr, args->saddr, &rt);
	if (err)
		return ip_no_route(skb, err);
	return ip_xmit_routed(skb, args, &rt);
}

int
ip_send_skb(struct sk_buff *skb, const struct ip_xmit_args *args, const struct rtable *rt)
{
	ip_out_enter(skb);
	return ip_xmit_routed(skb, args, rt);
}

/*
 * A raw socket's datagram with its own IP header (IP_HDRINCL; Linux
 * raw_send_hdrinc): route by @daddr, fill in what Linux fills in (a zero
 * source address, the total length, a zero id, the checksum), then
 * LOCAL_OUT and output.  No fragmentation: EMSGSIZE above the route's MTU.
 */
static int
ip_send_built(struct sk_buff *skb, uint32_t daddr, const char *func)
{
	struct host *host = skb->host;
	struct ip_state *ips = ip_state(host);
	skb_handoff(skb, LAYER_IP, func);
	ips->mib.out_requests++;
	struct rtable rt;
	if (ip_route_output_skb(skb, daddr, 0, &rt) != 0) {
		ips->mib.out_no_routes++;
		skb_drop(skb, SKB_DROP_IP_NOROUTE);
		return -ENETUNREACH;
	}
	if (skb->len > rt.mtu) {
		ips->mib.out_discards++;
		skb_drop(skb, SKB_DROP_PKT_TOO_BIG);
		return -EMSGSIZE;
	}
	struct iphdr *iph = (struct iphdr *)skb->data;
	if (!iph->saddr)
		iph->saddr = htonl(rt.src);
	iph->tot_len = htons((uint16_t)skb->len);
	if (!iph->id)
		iph->id = htons(ip_select_ident(host));
	iph->check = 0;
	iph->check = ip_fast_csum(iph, iph->ihl);
	skb_reset_network_header(skb);
	skb_set_transport_header(skb, (int)ip_hdrlen(iph));
	*IPCB(skb) = (struct inet_skb_parm){ 0 };
	ip_trace_packet(skb, iph);
	int v = nf_hook(NF_INET_LOCAL_OUT, skb, NULL, rt.dev, rt.nexthop, ip_local_out_finish);
	if (v != 1)
		return v;
	return ip_dst_output(skb, &rt);
}

int
ip_send_hdrinc(struct sk_buff *skb, uint32_t daddr)
{
	return ip_send_built(skb, daddr, "raw_send_hdrinc");
}

int
ip_local_out(struct sk_buff *skb)
{
	return ip_send_built(skb, ntohl(ip_hdr(skb)->daddr), "ip_local_out");
}

/*
 * Linux __ip_queue_xmit (net/ipv4/ip_output.c, 6.6): the socket's cached
 * route (__sk_dst_check) when it is still valid, else
 * ip_route_output_ports and sk_setup_caps.  A valid route's device MTU is
 * read when used, as Linux's dst_mtu (ipv4_mtu) reads dev->mtu.
 */
int
ip_queue_xmit(struct sock *sk, struct sk_buff *skb, struct sk_dst_cache *dst)
{
	if (!sk->saddr) {
		uint32_t src = ip_select_saddr(sk->host, sk->daddr);
		if (!src) {
			struct ip_state *ips = ip_state(sk->host);
			ips->mib.out_requests++;
			ips->mib.out_no_routes++;
			skb_drop(skb, SKB_DROP_IP_NOROUTE);
			return -ENETUNREACH;
		}
		sk->saddr = src;
	}
	struct ip_xmit_args a = {
		.saddr = sk->saddr,
		.daddr = sk->daddr,
		.protocol = (uint8_t)sk->sk_protocol,
		.ttl = sk->ttl,
		.tos = sk->tos,
		.df = sk->sk_protocol == NS_IPPROTO_TCP,
	};
	struct host *host = sk->host;
	ip_out_enter(skb);
	if (!dst->valid || dst->genid != route_genid(host) || dst->daddr != a.daddr ||
	    dst->saddr != a.saddr) {
		dst->valid = false;
		int err = ip_route_output_skb(skb, a.daddr, a.saddr, &dst->rt);
		if (err)
			return ip_no_route(skb, err);
		dst->daddr = a.daddr;
		dst->saddr = a.saddr;
		dst->genid = route_genid(host);
		dst->valid = true;
	} else {
		dst->rt.mtu = dst->rt.dev->mtu;
	}
	return ip_xmit_routed(skb, &a, &dst->rt);
}

uint32_t
ip_select_saddr(struct host *host, uint32_t daddr)
{
	struct rtable rt;
	if (ip_route_output(host, daddr, 0, &rt) != 0)
		return 0;
	return rt.src;
}
