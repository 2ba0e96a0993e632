/*
 * stack/ipv4.c - IPv4 input, local delivery and forwarding; addresses and
 * the protocol table.  Output is in stack/ip_output.c, the IP-level socket
 * options in stack/ip_sockglue.c.
 *
 * Linux counterpart: net/ipv4/ip_input.c (ip_rcv_core, ip_rcv_finish,
 * ip_local_deliver_finish), net/ipv4/ip_forward.c, net/ipv4/ip_output.c
 * (ip_build_and_send_pkt, ip_queue_xmit, ip_output, ip_finish_output2),
 * net/ipv4/devinet.c (addresses), net/ipv4/af_inet.c (inet_init),
 * net/ipv4/protocol.c.  RFC 791, RFC 1122 §3.2.1, RFC 1812 §5.2.
 * Seed text: "Network layer", "The path of a packet".
 *
 * Position in the call chain:
 *   netif_receive_skb -> ip_rcv -> ip_rcv_finish -> ip_local_deliver ->
 *       (ip_defrag, raw_local_deliver) -> net_protocol handler
 *                                    \-> ip_forward -> ip_output
 *   transport -> ip_build_and_send_pkt / ip_queue_xmit -> ip_output ->
 *       (ip_fragment) -> neigh_output -> dev_queue_xmit
 *
 * Every check of ip_rcv counts its drop in the IP MIB where it is made,
 * with the skb drop reason beside it.  A datagram to one of our own
 * addresses is looped back through netif_rx (Linux's loopback device
 * does the same from loopback_xmit).
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

/* ---- settings ----------------------------------------------------------------- */

#define IKEY(key, field, type, lo, hi, doc)                                           \
	{                                                                             \
		key, type, offsetof(struct ip_config, field), lo, hi, 0, 0, NULL, doc \
	}

const struct conf_key ip_host_conf_keys[] = {
	IKEY("forwarding", forwarding, CONF_BOOL, 0, 1,
	     "route datagrams not addressed to this host (net.ipv4.ip_forward; off)"),
	IKEY("ttl", default_ttl, CONF_UINT32, 1, 255,
	     "TTL of datagrams this host sends (net.ipv4.ip_default_ttl; 64)"),
	IKEY("ipfrag_time", ipfrag_time, CONF_DURATION, SIM_MS, 3600 * SIM_S,
	     "how long fragments wait for the rest of their datagram (30s)"),
	IKEY("ipfrag_high_thresh", ipfrag_high_thresh, CONF_BYTES, 0, (int64_t)1 << 34,
	     "bytes all reassembly queues may hold (4MiB)"),
	IKEY("route_cache_size", route_cache_size, CONF_UINT32, 0, 1 << 20,
	     "slots in the route cache in front of the FIB; 0 = no cache (256)"),
	IKEY("icmp_echo_ignore_all", icmp_echo_ignore_all, CONF_BOOL, 0, 1,
	     "answer no ping (net.ipv4.icmp_echo_ignore_all; off)"),
	{ NULL },
};

void
ip_config_init(struct ip_config *c)
{
	*c = (struct ip_config){
		.forwarding = false,
		.default_ttl = IPDEFTTL,
		.ipfrag_time = 30 * SIM_S,
		.ipfrag_high_thresh = 4u << 20,
		.route_cache_size = 256,
		.icmp_echo_ignore_all = false,
	};
}

struct ip_config *
ip_host_config(struct host *host)
{
	return &ip_state(host)->cfg;
}

const struct ip_mib *
ip_mib(struct host *host)
{
	return &ip_state(host)->mib;
}

/* ---- set-up ------------------------------------------------------------------- */

static const struct net_protocol icmp_protocol = {
	.handler = icmp_rcv,
	.layer = LAYER_ICMP,
	.func_name = "icmp_rcv",
};
static const struct net_protocol udp_protocol = {
	.handler = udp_rcv,
	.err_handler = udp_err,
	.layer = LAYER_UDP,
	.func_name = "udp_rcv",
};

static void
inet_fini(struct host *host)
{
	struct ip_state *ips = host->ip;
	if (!ips)
		return;
	dev_remove_pack(host, &ips->ip_pt);
	udp_fini(host);
	raw_fini(ips);
	ipfrag_fini(ips);
	route_fini(ips);
	for (struct net_device *d = dev_first(host); d; d = d->next) {
		g_aligned_free(d->ip_ptr);
		d->ip_ptr = NULL;
	}
	u32map_clear(&ips->inet_addr_lst, g_free);
	g_aligned_free(ips);
	host->ip = NULL;
}

bool
inet_init(struct host *host, const struct ip_config *ic, const struct neigh_config *nc,
	  GError **error)
{
	if (host->ip) {
		g_set_error(error, INET_ERROR, INET_ERROR_EXISTS,
			    "IPv4 is already set up on host %s", host->name);
		return false;
	}
	arp_init(host, nc); /* its fini runs after ours: host fini hooks are newest first */
	struct ip_state *ips = g_aligned_alloc0(1, sizeof(struct ip_state), 64); /* ip_int.h */
	ips->host = host;
	if (ic)
		ips->cfg = *ic;
	else
		ip_config_init(&ips->cfg);
	ips->next_id = (uint16_t)rng_below(&host->rng, 65536);
	host->ip = ips;
	route_init(ips);
	ipfrag_init(ips);
	raw_init(ips);
	icmp_init(host);
	udp_init(host);
	inet_add_protocol(host, &icmp_protocol, NS_IPPROTO_ICMP);
	inet_add_protocol(host, &udp_protocol, NS_IPPROTO_UDP);
	ips->ip_pt = (struct packet_type){
		.type = ETH_P_IP,
		.layer = LAYER_IP,
		.func_name = "ip_rcv",
		.func = ip_rcv,
	};
	dev_add_pack(host, &ips->ip_pt);
	host_add_fini(host, inet_fini);
	return true;
}

int
inet_add_protocol(struct host *host, const struct net_protocol *prot, uint8_t protocol)
{
	struct ip_state *ips = ip_state(host);
	/* Checked, not asserted: a plug-in may register (Linux checks nothing). */
	if (!prot || !prot->handler || !prot->func_name)
		return -EINVAL;
	if (ips->protos[protocol])
		return -EEXIST;
	ips->protos[protocol] = prot;
	return 0;
}

int
inet_del_protocol(struct host *host, const struct net_protocol *prot, uint8_t protocol)
{
	struct ip_state *ips = ip_state(host);
	if (ips->protos[protocol] != prot)
		return -ENOENT;
	ips->protos[protocol] = NULL;
	return 0;
}

/* ---- addresses ------------------------------------------------------------------ */

/*
 * The host's addresses by value, so that ip_rcv asks one hash probe and
 * not every device whether a datagram is ours.  Linux answers the same
 * question from the local FIB table (fib_add_ifaddr adds an RTN_LOCAL
 * route for each address and an RTN_BROADCAST one for each subnet
 * broadcast; ip_route_input_slow -> fib_lookup) and finds the device of an
 * address in the inet_addr_lst hash (devinet.c inet_lookup_ifaddr_rcu,
 * behind __ip_dev_find).  One entry per address value: the device that
 * holds it as its address (at most one: inet_set_address refuses a
 * duplicate) and how many devices have it as their subnet broadcast.
 */
struct inet_addr_ent {
	struct net_device *local;
	uint32_t nbcast;
};

static struct inet_addr_ent *
inet_addr_ent(struct ip_state *ips, uint32_t addr, bool create)
{
	struct inet_addr_ent *e = u32map_get(&ips->inet_addr_lst, addr);
	if (!e && create) {
		e = g_new0(struct inet_addr_ent, 1);
		u32map_set(&ips->inet_addr_lst, addr, e);
	}
	return e;
}

/* Enter (@add) or remove @in's address and subnet broadcast. */
static void
inet_addr_hash(struct ip_state *ips, const struct in_device *in, bool add)
{
	if (!in->addr)
		return;
	ips->rx_type_valid = false;
	struct inet_addr_ent *e = inet_addr_ent(ips, in->addr, add);
	if (e)
		e->local = add ? in->dev : NULL;
	/* the limited broadcast (/31, /32) is answered before the lookup */
	if (in->broadcast != INET_ADDR_BROADCAST) {
		struct inet_addr_ent *b = inet_addr_ent(ips, in->broadcast, add);
		if (b)
			b->nbcast = add ? b->nbcast + 1 : b->nbcast - 1;
	}
	for (int i = 0; i < 2; i++) {
		uint32_t a = i ? in->broadcast : in->addr;
		struct inet_addr_ent *x = inet_addr_ent(ips, a, false);
		if (x && !x->local && !x->nbcast) {
			u32map_remove(&ips->inet_addr_lst, a);
			g_free(x);
		}
	}
}

bool
inet_set_address(struct net_device *dev, uint32_t addr, uint8_t prefixlen, GError **error)
{
	struct host *host = dev->host;
	char b[INET_ADDRSTRLEN_NS];
	if (!host->ip) {
		g_set_error(error, INET_ERROR, INET_ERROR_STATE, "IPv4 is not set up on host %s",
			    host->name);
		return false;
	}
	if (prefixlen > 32) {
		g_set_error(error, INET_ERROR, INET_ERROR_INVALID,
			    "prefix length %u is larger than 32", prefixlen);
		return false;
	}
	uint32_t mask = inet_make_mask(prefixlen);
	const char *bad = NULL;
	if (ipv4_is_multicast(addr) || (addr & 0xf0000000u) == 0xf0000000u)
		bad = "a multicast or reserved address";
	else if (ipv4_is_zeronet(addr))
		bad = "in 0.0.0.0/8";
	else if (ipv4_is_loopback(addr))
		bad = "a loopback address (there is no loopback interface)";
	else if (prefixlen < 31 && (addr & ~mask) == ~mask)
		bad = "the broadcast address of its subnet";
	else if (prefixlen < 31 && (addr & ~mask) == 0)
		bad = "the network address of its subnet";
	if (bad) {
		g_set_error(error, INET_ERROR, INET_ERROR_INVALID,
			    "%s/%u cannot be an interface "
			    "address: it is %s",
			    inet_addr_fmt(addr, b), prefixlen, bad);
		return false;
	}
	struct net_device *other = ip_dev_find(host, addr);
	if (other && other != dev) {
		g_set_error(error, INET_ERROR, INET_ERROR_EXISTS, "%s is already the address of %s",
			    inet_addr_fmt(addr, b), other->name);
		return false;
	}
	struct in_device *in = in_dev_get(dev);
	if (!in) {
		in = g_aligned_alloc0(1, sizeof(struct in_device), 64); /* one line */
		in->dev = dev;
		dev->ip_ptr = in;
	} else if (in->addr) {
		route_del_dev(host, dev, ROUTE_CONNECTED);
		neigh_flush_dev(dev);
	}
	inet_addr_hash(ip_state(host), in, false);
	in->addr = addr;
	in->prefixlen = prefixlen;
	in->mask = mask;
	in->broadcast = prefixlen < 31 ? (addr | ~mask) : INET_ADDR_BROADCAST;
	neigh_addr_changed(dev);
	inet_addr_hash(ip_state(host), in, true);
	struct fib_entry e = {
		.dst = addr & mask,
		.prefixlen = prefixlen,
		.dev = dev,
		.prefsrc = addr,
		.origin = ROUTE_CONNECTED,
	};
	g_autoptr(GError) sub = NULL;
	if (!route_add(host, &e, &sub)) {
		g_set_error(error, INET_ERROR, sub->code, "%s/%u on %s: %s", inet_addr_fmt(addr, b),
			    prefixlen, dev->name, sub->message);
		return false;
	}
	route_cache_flush(host);
	if (dev->up)
		arp_announce(dev);
	return true;
}

bool
inet_set_address_text(struct net_device *dev, const char *text, GError **error)
{
	uint32_t addr;
	uint8_t plen;
	if (!ip_parse_prefix(text, &addr, &plen, error))
		return false;
	return inet_set_address(dev, addr, plen, error);
}

void
inet_dev_up(struct net_device *dev)
{
	arp_announce(dev);
}

struct net_device *
ip_dev_find(struct host *host, uint32_t addr)
{
	if (!addr || !host->ip)
		return NULL;
	struct inet_addr_ent *e = inet_addr_ent(host->ip, addr, false);
	return e ? e->local : NULL;
}

/* The hash's answer for @addr, remembered for the next call (ip_addr_type). */
static unsigned
ip_addr_type_hashed(struct ip_state *ips, uint32_t addr, unsigned type)
{
	ips->rx_type_valid = true;
	ips->rx_type = (uint8_t)type;
	ips->rx_type_addr = addr;
	return type;
}

/* Our address, a broadcast of one of our subnets, or the limited broadcast? */
static unsigned
ip_addr_type(struct host *host, uint32_t addr)
{
	if (addr == INET_ADDR_BROADCAST)
		return RTN_BROADCAST;
	struct ip_state *ips = host->ip;
	if (!addr || !ips)
		return RTN_UNICAST;
	if (ips->rx_type_valid && ips->rx_type_addr == addr)
		return ips->rx_type;
	struct inet_addr_ent *e = inet_addr_ent(ips, addr, false);
	if (!e)
		return ip_addr_type_hashed(ips, addr, RTN_UNICAST);
	if (!e->nbcast)
		return ip_addr_type_hashed(ips, addr, RTN_LOCAL);
	if (!e->local)
		return ip_addr_type_hashed(ips, addr, RTN_BROADCAST);
	/* one device's address is another's subnet broadcast (10.0.0.255/16
	 * beside 10.0.0.1/24): the first device in order decides, as before.
	 * O(devices), only for such an address: the hash above answers the
	 * others in O(1). */
	for (struct net_device *d = dev_first(host); d; d = d->next) {
		struct in_device *in = in_dev_get(d);
		if (!in || !in->addr)
			continue;
		if (in->addr == addr)
			return RTN_LOCAL;
		if (in->broadcast == addr)
			return RTN_BROADCAST;
	}
	return RTN_UNICAST;
}

bool
ip_addr_is_local(struct host *host, uint32_t addr)
{
	return ip_addr_type(host, addr) != RTN_UNICAST;
}

/* ---- headers ------------------------------------------------------------------ */

uint16_t
ip_select_ident(struct host *host)
{
	return ip_state(host)->next_id++;
}

void
ip_build_header(struct iphdr *iph, uint32_t saddr, uint32_t daddr, uint8_t protocol, uint8_t ttl,
		uint8_t tos, uint16_t tot_len, uint16_t id, bool df)
{
	/* The five 32-bit words as they lie in memory (version 4, ihl 5,
	 * check 0), summed as ip_fast_csum sums them, then written once:
	 * ip_fast_csum reading back a header just written field by field
	 * waited on store forwarding (perf: 40% of ip_build_and_send_pkt). */
	uint32_t w[5] = {
		htonl(UINT32_C(0x45) << 24 | (uint32_t)tos << 16 | tot_len),
		htonl((uint32_t)id << 16 | (df ? IP_DF : 0)),
		htonl((uint32_t)ttl << 24 | (uint32_t)protocol << 16),
		htonl(saddr),
		htonl(daddr),
	};
	uint64_t acc = (uint64_t)w[0] + w[1] + w[2] + w[3] + w[4];
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffffffffu) + (acc >> 32);
	_Static_assert(sizeof *iph == sizeof w, "the header without options is five words");
	memcpy(iph, w, sizeof w);
	iph->check = csum_fold((wsum_t)acc);
}

/* RFC 1624 incremental update, as Linux ip_decrease_ttl */
void
ip_decrease_ttl(struct iphdr *iph)
{
	uint16_t old, new;
	memcpy(&old, &iph->ttl, 2); /* ttl and protocol form one 16-bit word */
	iph->ttl--;
	memcpy(&new, &iph->ttl, 2);
	sum16_t check = iph->check;
	csum_replace2(&check, old, new);
	iph->check = check;
}

/* Record what the skb carries (addresses, ports, TCP sequence) for the trace. */
void
ip_trace_packet(struct sk_buff *skb, const struct iphdr *iph)
{
	struct trace_host *th = skb->host->trace;
	if (!TRACE_PACKETS_ON(th))
		return;
	struct trace_pkt_info info = {
		.proto = iph->protocol,
		.saddr = ntohl(iph->saddr),
		.daddr = ntohl(iph->daddr),
	};
	uint32_t hl = ip_hdrlen(iph);
	uint32_t tot = ntohs(iph->tot_len);
	const uint8_t *l4 = (const uint8_t *)iph + hl;
	uint32_t avail = (uint32_t)(skb->tail - l4);
	bool first = (ntohs(iph->frag_off) & IP_OFFSET) == 0;
	info.payload = tot > hl ? tot - hl : 0;
	if (first && (iph->protocol == NS_IPPROTO_UDP || iph->protocol == NS_IPPROTO_TCP) &&
	    avail >= 8) {
		uint16_t p[2];
		memcpy(p, l4, 4);
		info.sport = ntohs(p[0]);
		info.dport = ntohs(p[1]);
		if (iph->protocol == NS_IPPROTO_UDP) {
			info.payload = info.payload >= 8 ? info.payload - 8 : 0;
		} else if (avail >= 20) {
			uint32_t s[2];
			memcpy(s, l4 + 4, 8);
			info.seq = ntohl(s[0]);
			info.ack = ntohl(s[1]);
			info.tcp_flags = l4[13];
			uint32_t doff = (uint32_t)(l4[12] >> 4) * 4;
			info.payload = info.payload >= doff ? info.payload - doff : 0;
		}
	}
	trace_packet(th, skb->id, &info);
}

/* ---- input ------------------------------------------------------------------- */

/* The okfns after the hooks (Linux's names); a queued packet resumes there. */
static int ip_rcv_finish(struct sk_buff *skb, struct net_device *dev, uint32_t nexthop);
static int ip_local_deliver_finish(struct sk_buff *skb, struct net_device *dev, uint32_t nexthop);

/*
 * The ETH_P_IP packet handler.  Context: bottom halves off - called from
 * netif_receive_skb in the NET_RX softirq, ksoftirqd or a NAPI thread
 * (Linux's __netif_receive_skb_core); asserted in the checked build.
 * Consumes @skb.
 */
int
ip_rcv(struct sk_buff *skb, struct net_device *dev, struct packet_type *pt)
{
	struct host *host = skb->host;
	CPU_ASSERT_BH(host->cpu);
	struct ip_state *ips = ip_state(host);
	host_charge(host, COST_IP_RCV);
	ips->mib.in_receives++;

	/* Linux ip_rcv_core: frames for another host seen in promiscuous mode */
	if (skb->pkt_type == PACKET_OTHERHOST) {
		skb_drop(skb, SKB_DROP_OTHERHOST);
		return NET_RX_DROP;
	}
	if (!skb_may_pull(skb, IP_HLEN))
		goto inhdr_error;
	struct iphdr *iph = (struct iphdr *)skb->data;
	if (iph->ihl < 5 || iph->version != 4)
		goto inhdr_error;
	uint32_t hl = ip_hdrlen(iph);
	if (!skb_may_pull(skb, hl))
		goto inhdr_error;
	if (ip_fast_csum(iph, iph->ihl) != 0) {
		ips->mib.in_csum_errors++;
		ips->mib.in_hdr_errors++;
		skb_drop(skb, SKB_DROP_IP_CSUM);
		return NET_RX_DROP;
	}
	uint32_t len = ntohs(iph->tot_len);
	if (len > skb->len || len < hl)
		goto inhdr_error;
	skb_trim(skb, len); /* Ethernet padding of short frames */
	skb_reset_network_header(skb);
	skb_set_transport_header(skb, (int)hl);
	*IPCB(skb) = (struct inet_skb_parm){ .iif = dev ? dev->ifindex : 0 };
	ip_trace_packet(skb, iph);
	/* Linux ip_rcv: NF_HOOK(PRE_ROUTING, ip_rcv_finish) */
	if (nf_hook(NF_INET_PRE_ROUTING, skb, dev, NULL, 0, ip_rcv_finish) != 1)
		return NET_RX_DROP;
	return ip_rcv_finish(skb, dev, 0);

inhdr_error:
	ips->mib.in_hdr_errors++;
	skb_drop(skb, SKB_DROP_IP_INHDR);
	return NET_RX_DROP;
}

/* Linux ip_rcv_finish: route input (ip_route_input_slow), then deliver or forward. */
static int
ip_rcv_finish(struct sk_buff *skb, struct net_device *dev, uint32_t nexthop)
{
	(void)dev;
	(void)nexthop;
	struct host *host = skb->host;
	struct ip_state *ips = ip_state(host);
	const struct iphdr *iph = ip_hdr(skb);
	uint32_t saddr = ntohl(iph->saddr), daddr = ntohl(iph->daddr);
	if (ipv4_is_multicast(saddr) || ipv4_is_lbcast(saddr) || ipv4_is_loopback(saddr)) {
		ips->mib.in_addr_errors++; /* a martian source */
		skb_drop(skb, SKB_DROP_IP_INADDRERRORS);
		return NET_RX_DROP;
	}
	unsigned type = ip_addr_type(host, daddr);
	if (type == RTN_LOCAL) {
		IPCB(skb)->flags |= IPSKB_LOCAL;
		return ip_local_deliver(skb);
	}
	if (type == RTN_BROADCAST) {
		IPCB(skb)->flags |= IPSKB_LOCAL | IPSKB_BROADCAST;
		return ip_local_deliver(skb);
	}
	if (ipv4_is_multicast(daddr) || ipv4_is_zeronet(daddr) || ipv4_is_loopback(daddr)) {
		ips->mib.in_addr_errors++; /* no multicast routing is modelled */
		skb_drop(skb, SKB_DROP_IP_INADDRERRORS);
		return NET_RX_DROP;
	}
	if (skb->pkt_type != PACKET_HOST || !ips->cfg.forwarding) {
		/* Linux ip_error without forwarding: InAddrErrors, no ICMP */
		ips->mib.in_addr_errors++;
		skb_drop(skb, SKB_DROP_IP_NOT_FORWARDING);
		return NET_RX_DROP;
	}
	skb_handoff(skb, LAYER_IP, "ip_forward");
	return ip_forward(skb);
}

int
ip_local_deliver(struct sk_buff *skb)
{
	if (ip_is_fragment(ip_hdr(skb))) {
		skb = ip_defrag(skb);
		if (!skb)
			return NET_RX_SUCCESS;
	}
	/* Linux ip_local_deliver: NF_HOOK(LOCAL_IN, ip_local_deliver_finish) */
	if (nf_hook(NF_INET_LOCAL_IN, skb, skb->dev, NULL, 0, ip_local_deliver_finish) != 1)
		return NET_RX_DROP;
	return ip_local_deliver_finish(skb, skb->dev, 0);
}

/* Linux ip_local_deliver_finish: raw sockets, then the protocol's handler. */
static int
ip_local_deliver_finish(struct sk_buff *skb, struct net_device *dev, uint32_t nexthop)
{
	(void)dev;
	(void)nexthop;
	struct ip_state *ips = ip_state(skb->host);
	struct iphdr *iph = ip_hdr(skb);
	uint8_t protocol = iph->protocol;
	skb_pull(skb, ip_hdrlen(iph));
	skb_reset_transport_header(skb);
	bool raw = raw_local_deliver(skb, protocol);
	const struct net_protocol *prot = ips->protos[protocol];
	if (prot) {
		ips->mib.in_delivers++;
		skb_handoff(skb, prot->layer, prot->func_name);
		return prot->handler(skb);
	}
	if (raw) {
		ips->mib.in_delivers++;
		skb_consume(skb);
		return NET_RX_SUCCESS;
	}
	ips->mib.in_unknown_protos++;
	icmp_send(skb, ICMP_DEST_UNREACH, ICMP_PROT_UNREACH, 0);
	skb_drop(skb, SKB_DROP_IP_NOPROTO);
	return NET_RX_DROP;
}

/* Linux skb_gso_validate_network_len: each segment of GSO skb @skb (data
 * at the IP header), IP and TCP or UDP headers and gso_size, fits @mtu. */
static bool
ip_gso_fits(const struct sk_buff *skb, uint32_t mtu)
{
	if (!skb_is_gso(skb))
		return false;
	const struct iphdr *iph = (const struct iphdr *)skb->data;
	uint32_t doff = (skb->gso_type & SKB_GSO_UDP_L4)
		? 8u						       /* UDP header */
		: (uint32_t)(skb->data[ip_hdrlen(iph) + 12] >> 4) * 4; /* TCP's data offset */
	return ip_hdrlen(iph) + doff + skb->gso_size <= mtu;
}

int
ip_forward(struct sk_buff *skb)
{
	struct host *host = skb->host;
	struct ip_state *ips = ip_state(host);
	host_charge(host, COST_IP_FORWARD);
	struct iphdr *iph = ip_hdr(skb);
	/* RFC 1812 §5.3.1: a router never forwards a datagram whose TTL would reach 0 */
	if (iph->ttl <= 1) {
		icmp_send(skb, ICMP_TIME_EXCEEDED, ICMP_EXC_TTL, 0);
		ips->mib.in_hdr_errors++;
		skb_drop(skb, SKB_DROP_IP_TTL_EXPIRED);
		return NET_RX_DROP;
	}
	struct rtable rt;
	if (ip_route_output_skb(skb, ntohl(iph->daddr), 0, &rt) != 0 || rt.type == RTN_LOCAL) {
		ips->mib.in_no_routes++;
		icmp_send(skb, ICMP_DEST_UNREACH, ICMP_NET_UNREACH, 0);
		skb_drop(skb, SKB_DROP_IP_NOROUTE);
		return NET_RX_DROP;
	}
	/* Linux ip_exceeds_mtu: a GRO skb whose segments fit is not too big */
	if ((ntohs(iph->frag_off) & IP_DF) && skb->len > rt.mtu && !ip_gso_fits(skb, rt.mtu)) {
		ips->mib.frag_fails++;
		icmp_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, rt.mtu);
		skb_drop(skb, SKB_DROP_IP_FRAG_NEEDED);
		return NET_RX_DROP;
	}
	/* Linux skb_cow: the header is about to change; a shared buffer gets a
	 * private head first, with room for the outgoing link's header */
	skb_cow(skb, rt.dev->hard_header_len);
	iph = ip_hdr(skb);
	ip_decrease_ttl(iph);
	ips->mib.forw_datagrams++;
	IPCB(skb)->flags |= IPSKB_FORWARDED;
	if (nf_hook(NF_INET_FORWARD, skb, skb->dev, rt.dev, rt.nexthop, ip_output) != 1)
		return NET_RX_SUCCESS; /* queued to user space (NFQUEUE), stolen or dropped */
	int err = ip_output(skb, rt.dev, rt.nexthop);
	return err ? NET_RX_DROP : NET_RX_SUCCESS;
}

/* ---- counters ----------------------------------------------------------------- */

void
inet_report_counters(struct host *host)
{
	struct trace_host *th = host->trace;
	if (!th || !host->ip)
		return;
	const struct ip_mib *m = ip_mib(host);
	static const struct {
		const char *name;
		size_t off;
	} ipc[] = {
#define C(f) { "ip." #f, offsetof(struct ip_mib, f) }
		C(in_receives),	   C(in_hdr_errors),	 C(in_csum_errors), C(in_addr_errors),
		C(forw_datagrams), C(in_unknown_protos), C(in_discards),    C(in_delivers),
		C(in_no_routes),   C(out_requests),	 C(out_discards),   C(out_no_routes),
		C(reasm_timeout),  C(reasm_reqds),	 C(reasm_oks),	    C(reasm_fails),
		C(reasm_overlaps), C(frag_oks),		 C(frag_fails),	    C(frag_creates),
#undef C
	};
	for (size_t i = 0; i < G_N_ELEMENTS(ipc); i++)
		trace_counter(th, ipc[i].name, NULL,
			      (int64_t) * (const uint64_t *)((const char *)m + ipc[i].off));
	const struct icmp_mib *ic = icmp_mib(host);
	trace_counter(th, "icmp.in_msgs", NULL, (int64_t)ic->in_msgs);
	trace_counter(th, "icmp.in_errors", NULL, (int64_t)ic->in_errors);
	trace_counter(th, "icmp.out_msgs", NULL, (int64_t)ic->out_msgs);
	trace_counter(th, "icmp.errors_suppressed", NULL, (int64_t)ic->errors_suppressed);
	const struct udp_mib *u = udp_mib(host);
	trace_counter(th, "udp.in_datagrams", NULL, (int64_t)u->in_datagrams);
	trace_counter(th, "udp.no_ports", NULL, (int64_t)u->no_ports);
	trace_counter(th, "udp.in_errors", NULL, (int64_t)u->in_errors);
	trace_counter(th, "udp.rcvbuf_errors", NULL, (int64_t)u->rcvbuf_errors);
	trace_counter(th, "udp.out_datagrams", NULL, (int64_t)u->out_datagrams);
	struct route_stats rs;
	route_stats(host, &rs);
	trace_counter(th, "route.cache_hits", NULL, (int64_t)rs.cache_hits);
	trace_counter(th, "route.cache_misses", NULL, (int64_t)rs.cache_misses);
	trace_counter(th, "route.cache_flushes", NULL, (int64_t)rs.cache_flushes);
	trace_counter(th, "route.cache_evictions", NULL, (int64_t)rs.cache_evictions);
	trace_counter(th, "route.fib_lookups", NULL, (int64_t)rs.fib_lookups);
	struct neigh_stats ns;
	neigh_stats(host, &ns);
	trace_counter(th, "arp.requests_sent", NULL, (int64_t)ns.requests_sent);
	trace_counter(th, "arp.replies_sent", NULL, (int64_t)ns.replies_sent);
	trace_counter(th, "arp.requests_rcvd", NULL, (int64_t)ns.requests_rcvd);
	trace_counter(th, "arp.replies_rcvd", NULL, (int64_t)ns.replies_rcvd);
	trace_counter(th, "arp.announces_sent", NULL, (int64_t)ns.announces_sent);
	trace_counter(th, "arp.res_failed", NULL, (int64_t)ns.res_failed);
	trace_counter(th, "arp.unres_discards", NULL, (int64_t)ns.unres_discards);
	ipt_report_counters(host);
}
