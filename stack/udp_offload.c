/*
 * stack/udp_offload.c - UDP_SEGMENT and UDP_GRO on the socket side (see
 * udp_offload.h for the picture).
 *
 * Linux counterpart (6.6): net/ipv4/udp.c udp_lib_setsockopt,
 * udp_lib_getsockopt, udp_send_skb (the cork->gso_size checks),
 * udp_queue_rcv_skb, udp_rcv_segment, udp_cmsg_recv.  These live in
 * udp.c in Linux; here they have their own file so that udp.c's hot path
 * stays as it was.
 */
#include "stack/udp_offload.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include "stack/gso.h"
#include "stack/host.h"
#include "stack/ip_int.h"
#include "stack/ipv4.h"
#include "stack/route.h"
#include "stack/udp.h"

int
udp_setsockopt(struct sock *sk, int level, int optname, const void *val, size_t len)
{
	if (level != NS_SOL_UDP)
		return ip_setsockopt(sk, level, optname, val, len);
	if (len < sizeof(int))
		return -EINVAL;
	int v;
	memcpy(&v, val, sizeof(v));
	switch (optname) {
	case NS_UDP_SEGMENT:
		/* udp_lib_setsockopt: 0 .. USHRT_MAX (checked per send) */
		if (v < 0 || v > 0xffff)
			return -EINVAL;
		sk->udp_gso_size = (uint16_t)v;
		return 0;
	case NS_UDP_GRO:
		/* udp_lib_setsockopt: GRO_ENABLED (and udp_tunnel_encap_enable) */
		sk->udp_gro = v != 0;
		return 0;
	default: return -ENOPROTOOPT;
	}
}

int
udp_getsockopt(struct sock *sk, int level, int optname, void *val, size_t *len)
{
	if (level != NS_SOL_UDP)
		return ip_getsockopt(sk, level, optname, val, len);
	if (*len < sizeof(int))
		return -EINVAL;
	int v;
	switch (optname) {
	case NS_UDP_SEGMENT: v = sk->udp_gso_size; break;
	case NS_UDP_GRO: v = sk->udp_gro; break;
	default: return -ENOPROTOOPT;
	}
	memcpy(val, &v, sizeof(v));
	*len = sizeof(v);
	return 0;
}

int
udp_gso_check(struct sock *sk, uint16_t gso_size, uint32_t daddr, uint32_t len, struct rtable *rt)
{
	int err = ip_route_output(sk->host, daddr, sk->saddr ? sk->saddr : sk->rcv_saddr, rt);
	if (err)
		return err == -EINVAL ? -EINVAL : -ENETUNREACH;
	/* udp_send_skb: hlen + gso_size > cork->fragsize (the path MTU) */
	if (IP_HLEN + UDP_HLEN + (uint32_t)gso_size > rt->mtu)
		return -EINVAL;
	if (len > (uint32_t)gso_size * UDP_MAX_SEGMENTS)
		return -EINVAL;
	/* skb->ip_summed != CHECKSUM_PARTIAL: __ip_append_data chose
	 * CHECKSUM_PARTIAL only for a device that fills the sum.  Loopback
	 * (RTN_LOCAL) has every offload in Linux (LOOPBACK_FEATURES). */
	if (rt->type != RTN_LOCAL && !(rt->dev->features & NETIF_F_HW_CSUM))
		return -EIO;
	return 0;
}

void
udp_gso_mark(uint16_t gso_size, struct sk_buff *skb, uint32_t len)
{
	uint32_t mss = gso_size;
	if (!mss || len <= mss)
		return; /* udp_send_skb: "if (datalen > cork->gso_size)" */
	skb->gso_size = (uint16_t)mss;
	skb->gso_segs = (uint16_t)((len + mss - 1) / mss);
	skb->gso_type = SKB_GSO_UDP_L4;
}

/*
 * __udp_cmsg_send (net/ipv4/udp.c, 6.6): UDP_SEGMENT carries a __u16 (a
 * cmsg of another length, or another SOL_UDP type, is EINVAL).
 */
static int
__udp_cmsg_send(const struct cmsghdr *c, uint16_t *gso_size)
{
	switch (c->cmsg_type) {
	case NS_UDP_SEGMENT:
		if (c->cmsg_len != CMSG_LEN(sizeof(uint16_t)))
			return -EINVAL;
		memcpy(gso_size, CMSG_DATA(c), sizeof *gso_size);
		return 0;
	default: return -EINVAL;
	}
}

int
udp_cmsg_send(const struct msghdr *m, bool *has_gso_size, uint16_t *gso_size)
{
	if (!m->msg_control || !m->msg_controllen)
		return 0;
	struct msghdr mm = *m;
	bool need_ip = false;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mm); c; c = CMSG_NXTHDR(&mm, c)) {
		/* CMSG_OK */
		if (c->cmsg_len < sizeof(struct cmsghdr) ||
		    (size_t)((char *)c - (char *)mm.msg_control) + c->cmsg_len > mm.msg_controllen)
			return -EINVAL;
		if (c->cmsg_level != NS_SOL_UDP) {
			need_ip = true;
			continue;
		}
		int err = __udp_cmsg_send(c, gso_size);
		if (err)
			return err;
		*has_gso_size = true;
	}
	return need_ip;
}

int
udp_queue_rcv_segments(struct sock *sk, struct sk_buff *skb)
{
	/* skb_gso_segment cuts from the network header here: put the IP
	 * header back in front (udp_rcv_segment -> __skb_gso_segment) */
	uint32_t hlen = (uint32_t)ip_hdrlen(ip_hdr(skb));
	skb_push(skb, hlen);
	skb_reset_network_header(skb);
	skb_set_transport_header(skb, (int)hlen);
	struct sk_buff *segs = skb_gso_segment(skb, NETIF_F_HW_CSUM);
	skb_consume(skb);
	int refused = 0;
	for (struct sk_buff *s = segs, *next; s; s = next) {
		next = s->next;
		s->next = NULL;
		s->ip_summed = CHECKSUM_UNNECESSARY; /* udp_rcv_segment */
		skb_pull(s, hlen + UDP_HLEN);
		if (sock_queue_rcv_skb(sk, s) < 0)
			refused++;
	}
	return refused;
}

void
udp_cmsg_recv(const struct sock *sk, const struct sk_buff *skb, void *control, size_t *controllen,
	      int *msg_flags)
{
	size_t room = control ? *controllen : 0;
	*controllen = 0;
	if (!sk->udp_gro || !skb_is_gso(skb))
		return;
	if (room < CMSG_SPACE(sizeof(int))) {
		*msg_flags |= MSG_CTRUNC; /* put_cmsg */
		return;
	}
	/* udp_cmsg_recv: put_cmsg(msg, SOL_UDP, UDP_GRO, sizeof(int), &gso_size) */
	struct cmsghdr *c = control;
	c->cmsg_level = NS_SOL_UDP;
	c->cmsg_type = NS_UDP_GRO;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	int gso_size = skb->gso_size;
	memcpy(CMSG_DATA(c), &gso_size, sizeof(gso_size));
	*controllen = CMSG_SPACE(sizeof(int));
}
