/*
 * stack/udp.h - UDP: header, checksum over the pseudo-header, port demux.
 *
 * Linux counterpart: net/ipv4/udp.c (udp_rcv, __udp4_lib_rcv,
 * __udp4_lib_lookup, udp_sendmsg, udp_recvmsg, udp_lib_get_port, udp_err,
 * struct udp_table, udp_prot).  RFC 768.
 * Seed text: "Transport layer", "The path of a packet".
 *
 * Position in the call chain:
 *   receive:  ip_local_deliver -> udp_rcv (length, checksum, lookup) ->
 *             sock_queue_rcv_skb (stack/sock.h) -> the socket's receive
 *             queue; or a test sink; or no socket: ICMP port unreachable
 *   transmit: (socket layer) udp_sendmsg -> udp_send_skb (header, checksum)
 *             -> ip_build_and_send_pkt (stack/ipv4.h)
 *
 * CPU: udp_rcv charges COST_UDP_RCV; udp_sendmsg and udp_send charge
 * COST_UDP_SEND (the copy is charged by the socket layer's copy helper).
 *
 * Sockets: the socket layer creates a UDP sock with sk_alloc(...,
 * &udp_prot), binds it through udp_prot.get_port and sends and receives
 * through udp_prot.sendmsg / recvmsg.  UDP keeps its own port table (a
 * struct udp_table per host, host->udp), created by inet_init.
 *
 * Before (and beside) sockets, tests and benchmarks use the kernel-side
 * API at the bottom: udp_send sends a datagram from kernel context, and a
 * test sink receives the datagrams for a port instead of a socket.
 */
#ifndef NETSIM_STACK_UDP_H
#define NETSIM_STACK_UDP_H

#include <stdbool.h>
#include <stdint.h>
#include "stack/inet.h"
#include "stack/skbuff.h"
#include "stack/sock.h"

struct host;
struct net_device;
struct rtable;

/* RFC 768; multi-byte fields in network byte order. */
struct udphdr {
	uint16_t source;
	uint16_t dest;
	uint16_t len;  /* header + payload */
	sum16_t check; /* 0: no checksum (allowed on receive, never sent) */
} __attribute__((packed));

#define UDP_HLEN 8

static inline struct udphdr *
udp_hdr(const struct sk_buff *skb)
{
	return (struct udphdr *)skb_transport_header(skb);
}

/* Ephemeral ports (Linux net.ipv4.ip_local_port_range). */
#define UDP_PORT_EPHEMERAL_LO 32768
#define UDP_PORT_EPHEMERAL_HI 60999

/* The protocol operations the socket layer attaches to UDP sockets. */
extern const struct proto udp_prot;

/* Set up and tear down a host's port table (called by inet_init / its fini). */
void udp_init(struct host *host);

/*
 * The IP protocol handler for UDP: length and checksum checks, lookup of
 * the socket bound to the destination port (exact local address before
 * wildcard, connected peer must match), delivery with sock_queue_rcv_skb,
 * or a test sink; with neither, ICMP port unreachable (unless the
 * datagram was a broadcast).  skb->data is at the UDP header; the skb
 * reaches the socket with data at the payload.  Consumes @skb.
 */
int udp_rcv(struct sk_buff *skb);
/* ICMP error about one of our datagrams: sets sk_err on the socket (connected
 * sockets only, as Linux without IP_RECVERR).  Does not consume @skb. */
void udp_err(struct sk_buff *skb, uint32_t info);

/* The sock bound to (daddr, dport) accepting a datagram from (saddr, sport), or NULL. */
struct sock *udp_lookup(struct host *host, uint32_t saddr, uint16_t sport, uint32_t daddr,
			uint16_t dport);

/*
 * Push the UDP header in front of @skb's payload, route it once (Linux
 * udp_sendmsg's ip_route_output_flow; @rt when the caller already has the
 * route, else looked up here), fill in the checksum over the
 * pseudo-header and hand it to IP with that route.  Used by udp_sendmsg
 * and udp_send.  @saddr 0: chosen by the route.  Consumes @skb.  Returns
 * as ip_build_and_send_pkt.
 */
int udp_send_skb(struct sk_buff *skb, uint32_t saddr, uint16_t sport, uint32_t daddr,
		 uint16_t dport, uint8_t ttl, const struct rtable *rt);

/* Counters (Linux UDP MIB, /proc/net/snmp "Udp:" line). */
struct udp_mib {
	uint64_t in_datagrams;	 /* read by a process (udp_recvmsg), or a test sink */
	uint64_t no_ports;	 /* no socket: port unreachable */
	uint64_t in_errors;	 /* bad length, checksum, receive buffer full */
	uint64_t in_csum_errors; /* of which: checksum */
	uint64_t rcvbuf_errors;	 /* of which: socket receive buffer full */
	uint64_t out_datagrams;
};
const struct udp_mib *udp_mib(struct host *host);

/* ---- kernel-side API for tests and benchmarks -------------------------- */

/*
 * Send a datagram of @len bytes (@data, or zeros when NULL) from kernel
 * context: allocates the skb with INET_HEADROOM, charges COST_UDP_SEND and
 * calls udp_send_skb.  Returns as ip_build_and_send_pkt.
 */
int udp_send(struct host *host, uint32_t saddr, uint16_t sport, uint32_t daddr, uint16_t dport,
	     const void *data, uint32_t len);

/*
 * A sink called for every datagram to a port that no socket holds.  @skb's
 * data is the payload; the sink does not own it (UDP consumes it after the
 * call).  @saddr/@sport are the sender's.
 */
typedef void (*udp_sink_fn)(void *arg, struct sk_buff *skb, uint32_t saddr, uint16_t sport);
/* Register (or with @fn NULL remove) the sink for @port.  -EADDRINUSE when
 * a socket or another sink holds it. */
int udp_test_sink(struct host *host, uint16_t port, udp_sink_fn fn, void *arg);

#endif
