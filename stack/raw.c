/*
 * stack/raw.c - raw IPv4 sockets.
 *
 * Linux counterpart: net/ipv4/raw.c (raw_v4_input, raw_rcv, raw_sendmsg,
 * raw_recvmsg, raw_prot).
 *
 * Position in the call chain:
 *   ip_local_deliver -> raw_local_deliver -> skb_clone -> sock_queue_rcv_skb
 *   raw_sendmsg -> ip_build_and_send_pkt
 *
 * A host's raw sockets are a plain list (struct raw_table): there are few,
 * and only datagrams of a protocol with raw sockets walk it.
 */
#include "stack/raw.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include "stack/ip_int.h"
#include "stack/ipv4.h"
#include "trace/trace.h"

#define NS_MSG_PEEK 0x2
#define NS_MSG_TRUNC 0x20

/* Linux struct raw_sock, with inet_sock's hdrincl bit. */
struct raw_sock {
	struct sock sk;
	bool hdrincl; /* IP_HDRINCL: the user writes the IP header */
};

static inline struct raw_sock *
raw_sk(struct sock *sk)
{
	return (struct raw_sock *)sk;
}

struct raw_table {
	GSList *socks;	     /* struct sock *, hashed (bound) raw sockets */
	uint32_t count[256]; /* sockets per protocol: skip the walk when 0 */
};

void
raw_init(struct ip_state *ips)
{
	ips->raw = g_new0(struct raw_table, 1);
}

void
raw_fini(struct ip_state *ips)
{
	if (!ips->raw)
		return;
	g_slist_free(ips->raw->socks);
	g_free(ips->raw);
	ips->raw = NULL;
}

unsigned
raw_sock_count(struct host *host)
{
	return g_slist_length(ip_state(host)->raw->socks);
}

/* Context: bottom halves off (as udp_rcv); asserted in the checked build. */
bool
raw_local_deliver(struct sk_buff *skb, uint8_t protocol)
{
	CPU_ASSERT_BH(skb->host->cpu);
	struct raw_table *rt = ip_state(skb->host)->raw;
	if (rt->count[protocol] == 0)
		return false;
	const struct iphdr *iph = ip_hdr(skb);
	uint32_t saddr = ntohl(iph->saddr), daddr = ntohl(iph->daddr);
	bool delivered = false;
	/* O(raw sockets of the host) per datagram of a protocol some raw socket
	 * takes (the count above skips the rest at once); Linux hashes them by
	 * protocol (raw_v4_hashinfo), for hosts with many raw sockets. */
	for (GSList *l = rt->socks; l; l = l->next) {
		struct sock *sk = l->data;
		if (sk->sk_protocol != protocol || (sk->rcv_saddr && sk->rcv_saddr != daddr) ||
		    (sk->daddr && sk->daddr != saddr))
			continue;
		struct sk_buff *c = skb_clone(skb);
		/* a raw socket reads the datagram from its IP header (Linux raw_rcv) */
		skb_push(c, (uint32_t)(skb->data - skb_network_header(skb)));
		skb_handoff(c, LAYER_RAW, "raw_rcv");
		sock_queue_rcv_skb(sk, c);
		delivered = true;
	}
	return delivered;
}

/* ---- socket operations ------------------------------------------------------- */

/* A raw socket is "bound" from creation: it receives by protocol, not port. */
static int
raw_get_port(struct sock *sk, uint16_t port)
{
	struct raw_table *rt = ip_state(sk->host)->raw;
	if (!g_slist_find(rt->socks, sk)) {
		rt->socks = g_slist_append(rt->socks, sk);
		rt->count[sk->sk_protocol & 0xff]++;
	}
	return 0;
}

/* Linux raw_init / inet_create: IPPROTO_RAW sockets send with their own header. */
static int
raw_init_sock(struct sock *sk)
{
	raw_sk(sk)->hdrincl = sk->sk_protocol == IPPROTO_RAW;
	return raw_get_port(sk, 0);
}

/* IP_HDRINCL on top of the IP-level options (Linux do_ip_setsockopt). */
static int
raw_setsockopt(struct sock *sk, int level, int optname, const void *val, size_t len)
{
	if (level == NS_SOL_IP && optname == IP_HDRINCL) {
		if (len < sizeof(int))
			return -EINVAL;
		int v;
		memcpy(&v, val, sizeof v);
		raw_sk(sk)->hdrincl = v != 0;
		return 0;
	}
	return ip_setsockopt(sk, level, optname, val, len);
}

static int
raw_getsockopt(struct sock *sk, int level, int optname, void *val, size_t *len)
{
	if (level == NS_SOL_IP && optname == IP_HDRINCL) {
		if (*len < sizeof(int))
			return -EINVAL;
		int v = raw_sk(sk)->hdrincl;
		memcpy(val, &v, sizeof v);
		*len = sizeof v;
		return 0;
	}
	return ip_getsockopt(sk, level, optname, val, len);
}

static void
raw_unhash(struct sock *sk)
{
	struct host *host = sk->host;
	if (!host->ip)
		return;
	struct raw_table *rt = ip_state(host)->raw;
	if (g_slist_find(rt->socks, sk)) {
		rt->socks = g_slist_remove(rt->socks, sk);
		rt->count[sk->sk_protocol & 0xff]--;
	}
}

static void
raw_close(struct sock *sk, sim_time_t timeout)
{
	raw_unhash(sk);
}

static int
raw_connect(struct sock *sk, uint32_t daddr, uint16_t dport)
{
	sk->daddr = daddr;
	return 0;
}

static int
raw_sendmsg(struct sock *sk, struct ns_msg *msg)
{
	uint32_t daddr = msg->has_addr ? msg->addr : sk->daddr;
	if (!daddr)
		return -EDESTADDRREQ;
	if (msg->len > IP_MAX_PACKET - IP_HLEN)
		return -EMSGSIZE;
	uint32_t len = (uint32_t)msg->len;
	int err;
	if (raw_sk(sk)->hdrincl) {
		/* Linux raw_send_hdrinc: at least an IP header, and its ihl inside */
		const struct iphdr *uh = msg->buf;
		if (len < IP_HLEN || uh->ihl * 4u > len)
			return -EINVAL;
	}
	struct sk_buff *skb = sock_alloc_send_skb(sk, INET_HEADROOM + len, msg->flags, &err);
	if (!skb)
		return err;
	skb_reserve(skb, INET_HEADROOM);
	skb_copy_from_user(skb, msg->buf, len);
	if (raw_sk(sk)->hdrincl) {
		err = ip_send_hdrinc(skb, daddr);
		if (err == -ENOBUFS)
			err = 0;
		return err < 0 ? err : (int)len;
	}
	skb_reset_transport_header(skb);
	if (sk->sk_protocol == NS_IPPROTO_ICMP && len >= 1) {
		/* count it as ICMP output, as Linux's icmp_out_count does for raw sockets */
		struct icmp_state *is = &ip_state(sk->host)->icmp;
		is->mib.out_msgs++;
		if (skb->data[0] <= NR_ICMP_TYPES)
			is->mib.out_type[skb->data[0]]++;
	}
	struct ip_xmit_args a = {
		.saddr = sk->rcv_saddr,
		.daddr = daddr,
		.protocol = (uint8_t)sk->sk_protocol,
		.ttl = sk->ttl,
	};
	err = ip_build_and_send_pkt(skb, &a);
	if (err == -ENOBUFS)
		err = 0;
	return err < 0 ? err : (int)len;
}

static int
raw_recvmsg(struct sock *sk, struct ns_msg *msg)
{
	int err = 0;
	struct sk_buff *skb = skb_recv_datagram(sk, msg->flags, &err);
	if (!skb)
		return err;
	uint32_t copy = MIN((uint32_t)msg->len, skb->len);
	uint32_t full = skb->len;
	skb_copy_to_user(skb, 0, msg->buf, copy);
	msg->addr = ntohl(ip_hdr(skb)->saddr);
	msg->port = 0;
	msg->has_addr = true;
	if (!(msg->flags & NS_MSG_PEEK))
		skb_free_datagram(sk, skb);
	return (msg->flags & NS_MSG_TRUNC) ? (int)full : (int)copy;
}

const struct proto raw_prot = {
	.name = "RAW",
	.init = raw_init_sock,
	.close = raw_close,
	.connect = raw_connect,
	.setsockopt = raw_setsockopt,
	.getsockopt = raw_getsockopt,
	.sendmsg = raw_sendmsg,
	.recvmsg = raw_recvmsg,
	.get_port = raw_get_port,
	.unhash = raw_unhash,
	.obj_size = sizeof(struct raw_sock),
	.check = sock_check_datagram,
};
