/*
 * stack/ipv4.h - IPv4: header, input, local delivery, forwarding, output.
 *
 * Linux counterpart: net/ipv4/ip_input.c (ip_rcv, ip_rcv_finish,
 * ip_local_deliver), net/ipv4/ip_forward.c (ip_forward), net/ipv4/
 * ip_output.c (ip_queue_xmit, ip_build_and_send_pkt, ip_output,
 * ip_finish_output2), net/ipv4/devinet.c (struct in_device),
 * net/ipv4/protocol.c (inet_add_protocol), net/ipv4/af_inet.c (inet_init).
 * Seed text: "Network layer", "The path of a packet".
 *
 * Position in the call chain:
 *   receive:  netif_receive_skb -> ip_rcv (checks, trace_packet) ->
 *             ip_rcv_finish (route input) -> ip_local_deliver (reassembly,
 *             raw sockets) -> net_protocol handler (icmp_rcv, udp_rcv,
 *             tcp_v4_rcv);   or -> ip_forward (TTL) -> ip_output
 *   transmit: udp_sendmsg / tcp / icmp_send -> ip_queue_xmit or
 *             ip_build_and_send_pkt (route, header, checksum) -> ip_output
 *             -> ip_fragment when larger than the MTU -> ip_finish_output2
 *             -> neigh_output (ARP, stack/arp.h) -> dev_queue_xmit
 *
 * Setting up a host (the scenario loader's call sequence):
 *   host = host_new(...); nic = nic_new(host, "eth0", ...);
 *   nic_connect(nic, wire, side); dev_open(nic_dev(nic));   device layer
 *   struct ip_config ic; ip_config_init(&ic);               defaults
 *   conf_set(conf_find(ip_host_conf_keys, key), &ic, value, &err);  [host.H]
 *   struct neigh_config nc; neigh_config_init(&nc);         stack/arp.h
 *   conf_set(conf_find(neigh_conf_keys, key), &nc, value, &err);
 *   inet_init(host, &ic, &nc);      ARP, IP, routes, ICMP, UDP, raw (once)
 *   inet_set_address_text(dev, "10.0.0.1/24", &err);   per interface: adds
 *                                   the connected route and, if the device
 *                                   is up, sends a gratuitous ARP
 *   route_add_text(host, "10.2.0.0/16 via 10.1.0.254 dev eth1", &err);
 *   route_add_text(host, "default via 10.0.0.254", &err);  stack/route.h
 *   ... sim_run_until ...
 *   host_free(host): inet's fini hook frees everything set up here.
 * The TCP layer registers itself afterwards with inet_add_protocol.
 * The MTU is the NIC's setting (nic_conf_keys "mtu"); IP reads dev->mtu.
 *
 * CPU: ip_rcv charges COST_IP_RCV, ip_forward COST_IP_FORWARD, each
 * datagram leaving ip_output COST_IP_OUTPUT, and each fragment created or
 * queued for reassembly COST_IP_FRAG (host_charge, stack/host.h).
 *
 * The control block: while IP owns an skb it uses skb->cb as struct
 * inet_skb_parm (below).  A protocol handler may overwrite cb freely.
 */
#ifndef NETSIM_STACK_IPV4_H
#define NETSIM_STACK_IPV4_H

#include <arpa/inet.h>
#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include "sim/conf.h"
#include "sim/sim.h"
#include "stack/inet.h"
#include "stack/netdevice.h"
#include "stack/skbuff.h"

struct host;
struct sock;
struct neigh_config;
struct rtable;

/* ---- the header (RFC 791) ------------------------------------------------ */

/* Multi-byte fields in network byte order, as on the wire. */
/* The ECN field, the low two bits of the TOS byte (RFC 3168 §5; Linux
 * include/net/inet_ecn.h). */
#define INET_ECN_NOT_ECT 0
#define INET_ECN_ECT_1 1
#define INET_ECN_ECT_0 2
#define INET_ECN_CE 3
#define INET_ECN_MASK 3

struct iphdr {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint8_t ihl : 4, version : 4;
#else
	uint8_t version : 4, ihl : 4;
#endif
	uint8_t tos;
	uint16_t tot_len;
	uint16_t id;
	uint16_t frag_off; /* flags (IP_DF, IP_MF) and offset in 8-byte units */
	uint8_t ttl;
	uint8_t protocol;
	sum16_t check;
	uint32_t saddr;
	uint32_t daddr;
} __attribute__((packed));

#define IP_HLEN 20 /* header without options */
#define IP_MAX_HLEN 60
#define IP_MAX_PACKET 65535
#define IP_CE 0x8000	 /* congestion (reserved) flag, in host order frag_off */
#define IP_DF 0x4000	 /* don't fragment */
#define IP_MF 0x2000	 /* more fragments */
#define IP_OFFSET 0x1fff /* fragment offset, 8-byte units */
#define IPDEFTTL 64

/*
 * Headroom a transport reserves in front of its own header, for the IP
 * header (with room for options) and the link header: Linux MAX_HEADER.
 */
#define INET_HEADROOM 96

static inline struct iphdr *
ip_hdr(const struct sk_buff *skb)
{
	return (struct iphdr *)skb_network_header(skb);
}

static inline uint32_t
ip_hdrlen(const struct iphdr *iph)
{
	return (uint32_t)iph->ihl * 4;
}

/* True when @iph is a fragment (MF set or a non-zero offset). */
static inline bool
ip_is_fragment(const struct iphdr *iph)
{
	return (ntohs(iph->frag_off) & (IP_MF | IP_OFFSET)) != 0;
}

/* IP's use of skb->cb while it owns the skb (Linux struct inet_skb_parm). */
struct inet_skb_parm {
	uint32_t iif;		/* ifindex the datagram arrived on; 0 = locally generated */
	uint16_t flags;		/* IPSKB_* */
	uint16_t frag_max_size; /* largest fragment seen in reassembly */
	/* ip_frag.c: the fragment's place in its datagram, while queued */
	uint32_t frag_offset, frag_end;
};
#define IPSKB_FORWARDED 0x1
#define IPSKB_FRAG_COMPLETE 0x2 /* reassembled from fragments */
#define IPSKB_LOCAL 0x4		/* addressed to this host */
#define IPSKB_BROADCAST 0x8	/* addressed to a broadcast address */

static inline struct inet_skb_parm *
IPCB(struct sk_buff *skb)
{
	return (struct inet_skb_parm *)skb->cb;
}

/* ---- per-host settings (Linux sysctls net.ipv4.*) -------------------------- */

struct ip_config {
	bool forwarding;	     /* ip_forward: route datagrams not for us; false */
	uint32_t default_ttl;	     /* ip_default_ttl: 64 */
	sim_time_t ipfrag_time;	     /* reassembly timeout: 30s */
	uint64_t ipfrag_high_thresh; /* reassembly memory limit, bytes: 4 MiB */
	uint32_t route_cache_size;   /* entries in the route cache: 256; 0 = no cache */
	bool icmp_echo_ignore_all;   /* answer no echo request; false */
};

/*
 * Keys of [host.H]: forwarding, ttl, ipfrag_time, ipfrag_high_thresh,
 * route_cache_size, icmp_echo_ignore_all.
 */
extern const struct conf_key ip_host_conf_keys[];
void ip_config_init(struct ip_config *c);

/*
 * Set up the Internet protocols on @host once: the neighbour table (ARP),
 * IP with its routing table and reassembly, ICMP, UDP and raw sockets,
 * registered with the device layer (ETH_P_IP, ETH_P_ARP) and the host's
 * fini hooks.  @ic and @nc may be NULL for the defaults.  Returns false
 * if the host already has them.
 */
bool inet_init(struct host *host, const struct ip_config *ic, const struct neigh_config *nc,
	       GError **error);
/* The live settings (writable; take effect for the next packet). */
struct ip_config *ip_host_config(struct host *host);

/* ---- interface addresses (Linux struct in_device, devinet.c) -------------- */

/* One IPv4 address per device, in dev->ip_ptr. */
struct in_device {
	struct net_device *dev;
	uint32_t addr; /* 0 until set */
	uint8_t prefixlen;
	uint32_t mask;
	uint32_t broadcast; /* addr | ~mask */
};

static inline struct in_device *
in_dev_get(const struct net_device *dev)
{
	return (struct in_device *)dev->ip_ptr;
}

/*
 * Give @dev the address @addr/@prefixlen (replacing any), add the
 * connected route to the prefix, and send a gratuitous ARP when the
 * device is up.  Errors: a multicast, zero-network, broadcast or
 * loopback address; prefix length out of 0..32; inet_init not called.
 */
bool inet_set_address(struct net_device *dev, uint32_t addr, uint8_t prefixlen, GError **error);
/* The same from text: "10.0.0.1/24". */
bool inet_set_address_text(struct net_device *dev, const char *text, GError **error);
/* Announce @dev's address (gratuitous ARP): call after dev_open when the
 * address was set while the device was down. */
void inet_dev_up(struct net_device *dev);

/* The device holding @addr on @host, or NULL (Linux __ip_dev_find). */
struct net_device *ip_dev_find(struct host *host, uint32_t addr);
/* True when @addr is one of @host's addresses, or a broadcast address of
 * one of its subnets, or 255.255.255.255. */
bool ip_addr_is_local(struct host *host, uint32_t addr);

/* ---- protocol demux (Linux struct net_protocol, inet_add_protocol) -------- */

struct net_protocol {
	/*
	 * Required.  Called by ip_local_deliver with skb->data at the
	 * transport header, the network and transport headers set and the IP
	 * header pulled (skb->len = transport header + payload).  Consumes @skb.
	 * Charges its own CPU cost.  Returns 0 (NET_RX_SUCCESS) or NET_RX_DROP.
	 */
	int (*handler)(struct sk_buff *skb);
	/*
	 * Optional.  An ICMP error arrived about a datagram of this protocol:
	 * skb->data is at the embedded (offending) IP header, of which at
	 * least its header and 8 bytes are present; skb's transport header is
	 * the ICMP header (icmp_hdr: type and code).  @info is the next-hop
	 * MTU for fragmentation needed, else 0.  Does not consume @skb.
	 */
	void (*err_handler)(struct sk_buff *skb, uint32_t info);
	enum trace_layer layer; /* trace layer of the handler: LAYER_UDP */
	const char *func_name;	/* trace name of the handler: "udp_rcv" */
};

/* Register @prot for IP protocol number @protocol.  -EEXIST if taken,
 * -EINVAL without a handler, layer or func_name. */
int inet_add_protocol(struct host *host, const struct net_protocol *prot, uint8_t protocol);
int inet_del_protocol(struct host *host, const struct net_protocol *prot, uint8_t protocol);

/* ---- input ---------------------------------------------------------------- */

/*
 * The ETH_P_IP handler: checks version, IHL, total length and header
 * checksum (a bad header is dropped and counted, never trusted), trims
 * link padding, records the packet in the trace, routes it: local delivery
 * (ip_local_deliver) or forwarding (ip_forward).  Consumes @skb.
 */
int ip_rcv(struct sk_buff *skb, struct net_device *dev, struct packet_type *pt);
/* Reassemble if a fragment, give raw sockets their copies, and hand to the
 * protocol handler (or answer protocol unreachable).  Consumes @skb. */
int ip_local_deliver(struct sk_buff *skb);
/* Forward a datagram not addressed to us: TTL, route, fragment.  Consumes @skb. */
int ip_forward(struct sk_buff *skb);

/* ---- output for transport protocols --------------------------------------- */

/* What to put in the IP header of a locally generated datagram. */
struct ip_xmit_args {
	uint32_t saddr;	  /* 0: the route's preferred source address */
	uint32_t daddr;	  /* required */
	uint8_t protocol; /* NS_IPPROTO_* */
	uint8_t ttl;	  /* 0: the host's default_ttl */
	uint8_t tos;
	bool df; /* set Don't Fragment: larger than the MTU -> -EMSGSIZE */
};

/*
 * Send @skb, whose data starts at the transport header (already built and
 * checksummed; reserve INET_HEADROOM in front of it): route to
 * @args->daddr, push and checksum the IP header, fragment when larger
 * than the route's MTU (unless DF), resolve the next hop and transmit.
 * Consumes @skb.  Returns 0, or a negative errno: -ENETUNREACH (no
 * route; counted OutNoRoutes), -EMSGSIZE (DF and too big), -ENOBUFS (the
 * datagram was dropped on its way to the device queue), -EINVAL.
 * Linux: ip_build_and_send_pkt / ip_send_skb.
 */
int ip_build_and_send_pkt(struct sk_buff *skb, const struct ip_xmit_args *args);
/*
 * The same through the route @rt the transport looked up (Linux: udp_sendmsg's
 * ip_route_output_flow, whose dst ip_make_skb sets on the skb, so that
 * ip_send_skb -> ip_local_out does not route again).  Consumes @skb.
 * Returns as ip_build_and_send_pkt.
 */
int ip_send_skb(struct sk_buff *skb, const struct ip_xmit_args *args, const struct rtable *rt);
/*
 * The transport's route lookup for @skb failed with @err: hand @skb to IP,
 * count it (OutRequests, OutNoRoutes) and drop it, as ip_build_and_send_pkt
 * does when its own lookup fails.  Consumes @skb.  Returns -EINVAL or
 * -ENETUNREACH.
 */
int ip_send_no_route(struct sk_buff *skb, int err);
/*
 * The same for a connected or bound socket (Linux ip_queue_xmit): the
 * addresses from @sk->saddr (0: chosen by the route, and written back to
 * @sk->saddr) and @sk->daddr, the protocol from @sk->sk_protocol, the TTL
 * from @sk->ttl (0: default).  TCP sets DF (path MTU discovery), as Linux.
 * The route is the socket's, @dst (Linux __sk_dst_check): looked up, and
 * traced on @skb, only when @dst is empty or the FIB or an address changed
 * since it was filled.  Consumes @skb.  Returns as ip_build_and_send_pkt.
 */
struct sk_dst_cache;
int ip_queue_xmit(struct sock *sk, struct sk_buff *skb, struct sk_dst_cache *dst);
/*
 * Send a datagram whose IP header the user wrote (raw socket with
 * IP_HDRINCL), skb->data at that header, routed by @daddr (host order).
 * Fills in saddr (if 0), tot_len, id (if 0) and the checksum, as Linux
 * raw_send_hdrinc.  Consumes @skb.  0, -ENETUNREACH, -EMSGSIZE (above the
 * MTU: never fragmented) or -EPERM (netfilter).
 */
int ip_send_hdrinc(struct sk_buff *skb, uint32_t daddr);
/* The same for a datagram the kernel built whole (Linux ip_local_out of
 * nf_send_reset's RST): routed by its own destination address. */
int ip_local_out(struct sk_buff *skb);
/*
 * Send a complete IP datagram (header built, checksummed) through the
 * route to its destination: the last steps of ip_output, also used by raw
 * sockets with IP_HDRINCL and by ip_forward.  Consumes @skb.
 */
int ip_output(struct sk_buff *skb, struct net_device *dev, uint32_t nexthop);
/* The source address IP would choose to reach @daddr, or 0 when there is
 * no route (for a transport's pseudo-header before it builds a segment). */
uint32_t ip_select_saddr(struct host *host, uint32_t daddr);

/* The identification for the next datagram (a per-host counter). */
uint16_t ip_select_ident(struct host *host);
/* Fill @iph (20 bytes) and its checksum. */
void ip_build_header(struct iphdr *iph, uint32_t saddr, uint32_t daddr, uint8_t protocol,
		     uint8_t ttl, uint8_t tos, uint16_t tot_len, uint16_t id, bool df);
/* Decrement the TTL and update the checksum incrementally (RFC 1624). */
void ip_decrease_ttl(struct iphdr *iph);

/* ---- counters (Linux IP MIB, /proc/net/snmp "Ip:" line) -------------------- */

struct ip_mib {
	/* first: the one a sending host bumps (stack/ip_int.h's lines) */
	uint64_t out_requests;	    /* locally generated datagrams handed to IP */
	uint64_t in_receives;	    /* datagrams handed to ip_rcv */
	uint64_t in_hdr_errors;	    /* bad version, IHL, length, checksum; TTL expired */
	uint64_t in_csum_errors;    /* of which: header checksum */
	uint64_t in_addr_errors;    /* bad destination or source address */
	uint64_t forw_datagrams;    /* forwarded */
	uint64_t in_unknown_protos; /* no handler for the protocol */
	uint64_t in_discards;	    /* dropped for other reasons on input */
	uint64_t in_delivers;	    /* handed to a protocol handler (or raw socket) */
	uint64_t in_no_routes;	    /* not for us, forwarding off, or no route to forward */
	uint64_t out_discards;	    /* dropped on output */
	uint64_t out_no_routes;	    /* no route for a local datagram */
	uint64_t reasm_timeout;	    /* reassemblies abandoned at ipfrag_time */
	uint64_t reasm_reqds;	    /* fragments received needing reassembly */
	uint64_t reasm_oks;	    /* datagrams reassembled */
	uint64_t reasm_fails;	    /* reassemblies failed (timeout, overlap, memory) */
	uint64_t reasm_overlaps;    /* of which: overlapping fragments (Linux ReasmOverlaps) */
	uint64_t frag_oks;	    /* datagrams fragmented */
	uint64_t frag_fails;	    /* needed fragmenting but DF was set */
	uint64_t frag_creates;	    /* fragments created */
};

const struct ip_mib *ip_mib(struct host *host);

/*
 * Socket options of level SOL_IP (Linux ip_setsockopt / ip_getsockopt):
 * IP_TTL, the TTL of what the socket sends (-1: the host's default).
 * Transports use them as their setsockopt/getsockopt for that level.
 * Return 0 or a negative errno (-ENOPROTOOPT for other options).
 */
int ip_setsockopt(struct sock *sk, int level, int optname, const void *val, size_t len);
int ip_getsockopt(struct sock *sk, int level, int optname, void *val, size_t *len);

/* Write the IP, ICMP, UDP, ARP and route cache counters of @host to the
 * trace ("ip.in_receives", ...).  No-op without a trace. */
void inet_report_counters(struct host *host);

#endif
