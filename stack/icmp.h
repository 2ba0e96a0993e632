/*
 * stack/icmp.h - ICMP: echo, destination unreachable, time exceeded.
 *
 * Linux counterpart: net/ipv4/icmp.c (icmp_rcv, icmp_echo, icmp_unreach,
 * __icmp_send), include/uapi/linux/icmp.h.  RFC 792, RFC 1122 §3.2.2,
 * RFC 1812 §4.3.2.7 (when not to send an error).
 *
 * Position in the call chain:
 *   receive:  ip_local_deliver -> icmp_rcv (checksum) -> echo: icmp_reply;
 *             an error: the err_handler of the protocol it is about
 *             (udp_err, tcp_v4_err); every message: raw sockets (stack/raw.h)
 *   transmit: ip_rcv / ip_forward / udp_rcv / neighbour failure ->
 *             icmp_send -> ip_build_and_send_pkt
 *
 * icmp_send never sends an error about an ICMP error, about a datagram to
 * a broadcast or multicast address, about a non-first fragment, or about a
 * datagram from a zero or broadcast source (RFC 1122 §3.2.2, Linux
 * __icmp_send).  Rate limiting is not modelled.
 *
 * CPU: icmp_rcv and each message built charge COST_ICMP.
 */
#ifndef NETSIM_STACK_ICMP_H
#define NETSIM_STACK_ICMP_H

#include <stdbool.h>
#include <stdint.h>
#include "stack/inet.h"
#include "stack/skbuff.h"

struct host;

/* Types and codes (Linux include/uapi/linux/icmp.h). */
#define ICMP_ECHOREPLY 0
#define ICMP_DEST_UNREACH 3
#define ICMP_ECHO 8
#define ICMP_TIME_EXCEEDED 11
#define ICMP_PARAMETERPROB 12
#define NR_ICMP_TYPES 18

#define ICMP_NET_UNREACH 0
#define ICMP_HOST_UNREACH 1
#define ICMP_PROT_UNREACH 2
#define ICMP_PORT_UNREACH 3
#define ICMP_FRAG_NEEDED 4

#define ICMP_EXC_TTL 0
#define ICMP_EXC_FRAGTIME 1

/* Multi-byte fields in network byte order. */
struct icmphdr {
	uint8_t type;
	uint8_t code;
	sum16_t checksum;
	union {
		struct {
			uint16_t id;
			uint16_t sequence;
		} echo;
		uint32_t gateway;
		struct {
			uint16_t unused;
			uint16_t mtu;
		} frag;
	} un;
} __attribute__((packed));

#define ICMP_HLEN 8

static inline struct icmphdr *
icmp_hdr(const struct sk_buff *skb)
{
	return (struct icmphdr *)skb_transport_header(skb);
}

/* True for the error types (destination unreachable, time exceeded, ...). */
bool icmp_is_err(uint8_t type);

/* Set up ICMP on @host (called by inet_init). */
void icmp_init(struct host *host);

/*
 * The IP protocol handler for ICMP: checksum, then per type: echo ->
 * reply; errors -> the err_handler of the protocol named in the embedded
 * header.  skb->data is at the ICMP header.  Consumes @skb.
 */
int icmp_rcv(struct sk_buff *skb);

/*
 * Send an ICMP error of @type/@code about the received datagram @skb_in
 * (its network header set): the message carries @skb_in's IP header and
 * the first 8 bytes of its payload (RFC 792); @info is the next-hop MTU
 * for ICMP_FRAG_NEEDED, else 0.  The source address is the datagram's
 * destination when it was addressed to us, else the one the route back to
 * the sender chooses (Linux with icmp_errors_use_inbound_ifaddr = 0, the
 * default).  Does NOT
 * consume @skb_in (Linux __icmp_send).  Silently does nothing when the
 * rules above forbid an error.
 */
void icmp_send(struct sk_buff *skb_in, uint8_t type, uint8_t code, uint32_t info);

/* Counters (Linux ICMP MIB, /proc/net/snmp "Icmp:" and "IcmpMsg:" lines). */
struct icmp_mib {
	uint64_t in_msgs;
	uint64_t in_errors; /* bad checksum or length */
	uint64_t in_csum_errors;
	uint64_t out_msgs;
	uint64_t out_errors;	    /* a message could not be sent (no route) */
	uint64_t errors_suppressed; /* icmp_send declined by the rules above */
	uint64_t in_type[NR_ICMP_TYPES + 1];
	uint64_t out_type[NR_ICMP_TYPES + 1];
};
const struct icmp_mib *icmp_mib(struct host *host);

/* ---- kernel-side API for tests (before raw sockets) -------------------- */

/*
 * Send an echo request to @daddr with @id, @seq, @ttl (0: default) and
 * @len bytes of payload from kernel context.  Returns as
 * ip_build_and_send_pkt.
 */
int icmp_send_echo(struct host *host, uint32_t daddr, uint16_t id, uint16_t seq, uint8_t ttl,
		   uint32_t len);
/*
 * A hook called for every ICMP message @host receives (after the checksum
 * check), with skb->data at the ICMP header and the network header set.
 * The hook does not own @skb.  NULL removes it.
 */
typedef void (*icmp_hook_fn)(void *arg, struct sk_buff *skb);
void icmp_set_test_hook(struct host *host, icmp_hook_fn fn, void *arg);

#endif
