/*
 * stack/raw.h - raw IPv4 sockets (SOCK_RAW, any IP protocol): what ping
 * and traceroute are written with.
 *
 * Linux counterpart: net/ipv4/raw.c (raw_local_deliver, raw_rcv,
 * raw_sendmsg, raw_recvmsg, raw_prot).
 *
 * Position in the call chain:
 *   receive:  ip_local_deliver -> raw_local_deliver: every raw socket of
 *             the datagram's protocol (bound and connected addresses
 *             matching) gets a clone, with data at the IP header, through
 *             sock_queue_rcv_skb; then the protocol handler (icmp_rcv) gets
 *             the original, as in Linux
 *   transmit: (socket layer) raw_sendmsg: the user's bytes are the ICMP
 *             message (the user computes its checksum, as ping does) ->
 *             ip_build_and_send_pkt with the socket's TTL (IP_TTL)
 *
 * recvmsg returns the whole IP datagram (header included) and the sender's
 * address, as Linux does.  Any IP protocol (1..255; Linux's wildcard
 * inetsw entry): each raw socket of the protocol gets a copy, and the
 * protocol's own handler (UDP, TCP, ICMP) still gets the datagram; a
 * datagram only raw sockets took raises no ICMP protocol unreachable.
 * IP_HDRINCL (and protocol IPPROTO_RAW, which implies it): the user writes
 * the IP header (stack/ipv4.h ip_send_hdrinc).  ICMP_FILTER is not modelled.
 */
#ifndef NETSIM_STACK_RAW_H
#define NETSIM_STACK_RAW_H

#include <stdbool.h>
#include <stdint.h>
#include "stack/skbuff.h"
#include "stack/sock.h"

struct host;

extern const struct proto raw_prot;

/*
 * Give a copy of @skb (data at the transport header, network header set)
 * to every raw socket of @protocol that matches.  Does not consume @skb.
 * Returns true if at least one socket took a copy.
 */
bool raw_local_deliver(struct sk_buff *skb, uint8_t protocol);

/* Raw sockets of @host (for tests). */
unsigned raw_sock_count(struct host *host);

#endif
