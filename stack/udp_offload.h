/*
 * stack/udp_offload.h - UDP segmentation offload (UDP_SEGMENT) and UDP GRO
 * (UDP_GRO): the socket options, the checks udp_sendmsg makes before it
 * builds a GSO datagram, the segmenting of a GSO datagram a socket did not
 * ask for, and the segment size a UDP_GRO reader is told.
 *
 * Linux counterpart (6.6): net/ipv4/udp.c (udp_lib_setsockopt and
 * udp_lib_getsockopt for UDP_SEGMENT and UDP_GRO, udp_send_skb's gso_size
 * checks, udp_queue_rcv_skb / udp_unexpected_gso / udp_rcv_segment,
 * udp_cmsg_recv), net/ipv4/udp_offload.c (__udp_gso_segment is in
 * stack/gso.c: udp_gso_write_segment; udp_gro_receive in stack/gro.c).
 *
 * Position:
 *   udp_sendmsg -> udp_gso_check (a route lookup: the device must sum,
 *       gso_size must fit the MTU, at most UDP_MAX_SEGMENTS segments) ->
 *       udp_send_skb -> IP (gso_segs IP IDs, not fragmented) -> dev ->
 *       validate_xmit_skb (skb_gso_segment without tx-udp-segmentation)
 *   udp_rcv -> a UDP GSO skb for a socket without UDP_GRO (loopback, or
 *       a GRO aggregate whose socket changed) -> udp_queue_rcv_segments
 */
#ifndef NETSIM_STACK_UDP_OFFLOAD_H
#define NETSIM_STACK_UDP_OFFLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include "stack/skbuff.h"
#include "stack/sock.h"

struct rtable;

#define NS_SOL_UDP 17	     /* SOL_UDP */
#define NS_UDP_SEGMENT 103   /* UDP_SEGMENT: int, the segment payload size */
#define NS_UDP_GRO 104	     /* UDP_GRO: int, receive merged datagrams */
#define UDP_MAX_SEGMENTS 64u /* Linux (1 << 6), include/linux/udp.h in 6.6 */

/* udp_prot's setsockopt / getsockopt: SOL_UDP's UDP_SEGMENT and UDP_GRO,
 * the rest to ip_setsockopt / ip_getsockopt. */
int udp_setsockopt(struct sock *sk, int level, int optname, const void *val, size_t len);
int udp_getsockopt(struct sock *sk, int level, int optname, void *val, size_t *len);

/*
 * udp_send_skb's checks for a socket with UDP_SEGMENT set, made before
 * the datagram of @len payload bytes to @daddr is built: -EINVAL when one
 * segment (IP and UDP headers and gso_size) exceeds the route's MTU or the
 * datagram needs more than UDP_MAX_SEGMENTS; -EIO when the device cannot
 * fill the sums (no tx-checksumming: Linux's skb is then not
 * CHECKSUM_PARTIAL); route errors as udp_sendmsg's.  0: go on, with the
 * route in @rt for udp_send_skb (Linux routes a datagram once).
 */
int udp_gso_check(struct sock *sk, uint16_t gso_size, uint32_t daddr, uint32_t len,
		  struct rtable *rt);

/* Mark @skb (data = payload, @len bytes) as a UDP GSO skb of @gso_size
 * when it is longer than one segment (Linux udp_send_skb). */
void udp_gso_mark(uint16_t gso_size, struct sk_buff *skb, uint32_t len);

/*
 * Linux udp_cmsg_send (udp_sendmsg, before ip_cmsg_send): the SOL_UDP
 * control messages of a sendmsg on a UDP socket.  UDP_SEGMENT (a
 * uint16_t) sets *@gso_size and *@has_gso_size: this datagram's segment
 * size, overriding the socket's UDP_SEGMENT (0 sends it unsegmented).
 * Returns -EINVAL for a control message that does not fit, an unknown
 * SOL_UDP type or a wrong length; 1 when messages of other levels are
 * left for ip_cmsg_send; 0 otherwise.
 */
int udp_cmsg_send(const struct msghdr *m, bool *has_gso_size, uint16_t *gso_size);

/*
 * Linux udp_queue_rcv_skb for an unexpected GSO skb (udp_unexpected_gso:
 * the socket lacks UDP_GRO): udp_rcv_segment cuts it (COST_GSO_SEGMENT
 * each) and each segment is queued as its own datagram.  @skb has data at
 * the UDP header and is consumed.  Returns the segments the socket refused
 * (dropped by it; the caller counts them, as __udp_queue_rcv_skb does each).
 */
int udp_queue_rcv_segments(struct sock *sk, struct sk_buff *skb);

/*
 * Linux udp_cmsg_recv: for a UDP_GRO socket, the control message
 * (SOL_UDP, UDP_GRO, int gso_size) of a merged datagram, written into
 * @control (@*controllen bytes of room); *controllen becomes the bytes
 * written, and MSG_CTRUNC is set in @*msg_flags when there was no room.
 */
void udp_cmsg_recv(const struct sock *sk, const struct sk_buff *skb, void *control,
		   size_t *controllen, int *msg_flags);

#endif
