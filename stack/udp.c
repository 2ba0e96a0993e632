/*
 * stack/udp.c - UDP: header and checksum, port table, socket operations.
 *
 * Linux counterpart: net/ipv4/udp.c (__udp4_lib_rcv, __udp4_lib_lookup,
 * compute_score, udp_lib_get_port, udp_sendmsg, udp_send_skb, udp_recvmsg,
 * __udp4_lib_err, udp_prot).  RFC 768.
 * Seed text: "Transport layer", "The path of a packet".
 *
 * Position in the call chain:
 *   ip_local_deliver -> udp_rcv -> udp_lookup -> sock_queue_rcv_skb
 *                                            \-> test sink / icmp_send
 *   udp_sendmsg (socket layer, task context) -> udp_send_skb ->
 *       ip_build_and_send_pkt
 *
 * The port table (struct udp_table, host->udp) maps a port to its slot: the
 * socks bound to it and an optional kernel-side test sink.  A GHashTable
 * lookup per datagram; the benchmark shows it is not the bottleneck.
 */
#include "stack/udp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include "stack/gso.h"
#include "stack/icmp.h"
#include "stack/ip_int.h"
#include "stack/ipv4.h"
#include "stack/route.h"
#include "stack/rps.h"
#include "stack/udp_offload.h"
#include "trace/trace.h"

#define UDP_MAX_PAYLOAD (IP_MAX_PACKET - IP_HLEN - UDP_HLEN) /* 65507 */
#define NS_MSG_PEEK 0x2
#define NS_MSG_TRUNC 0x20
#define NS_TCP_ESTABLISHED 1
#define NS_TCP_CLOSE 7

struct udp_hslot {
	GSList *socks;	  /* struct sock * bound to this port */
	udp_sink_fn sink; /* kernel-side test sink, or NULL */
	void *sink_arg;
};

struct udp_table {
	struct u32map ports; /* port -> struct udp_hslot (Linux udp_table's hash) */
	struct udp_mib mib;
};

static struct udp_table *
udp_table_of(struct host *host)
{
	g_assert(host->udp != NULL);
	return host->udp;
}

static void
hslot_free(void *p)
{
	struct udp_hslot *s = p;
	g_slist_free(s->socks);
	g_free(s);
}

void
udp_init(struct host *host)
{
	g_assert(host->udp == NULL);
	struct udp_table *t = g_new0(struct udp_table, 1);
	host->udp = t;
}

void
udp_fini(struct host *host)
{
	struct udp_table *t = host->udp;
	if (!t)
		return;
	u32map_clear(&t->ports, hslot_free);
	g_free(t);
	host->udp = NULL;
}

const struct udp_mib *
udp_mib(struct host *host)
{
	return &udp_table_of(host)->mib;
}

static struct udp_hslot *
hslot_get(struct udp_table *t, uint16_t port, bool create)
{
	struct udp_hslot *s = u32map_get(&t->ports, port);
	if (!s && create) {
		s = g_new0(struct udp_hslot, 1);
		u32map_set(&t->ports, port, s);
	}
	return s;
}

static void
hslot_put(struct udp_table *t, uint16_t port, struct udp_hslot *s)
{
	if (!s->socks && !s->sink) {
		u32map_remove(&t->ports, port);
		hslot_free(s);
	}
}

/* ---- lookup (Linux __udp4_lib_lookup with compute_score) -------------------- */

/* O(sockets bound to @dport) per datagram: every one is scored, as Linux
 * scores its hash slot's chain; a port has one or a few sockets (many only
 * with SO_REUSEPORT-like setups, which netsim does not model). */

struct sock *
udp_lookup(struct host *host, uint32_t saddr, uint16_t sport, uint32_t daddr, uint16_t dport)
{
	struct udp_hslot *s = hslot_get(udp_table_of(host), dport, false);
	if (!s)
		return NULL;
	struct sock *best = NULL;
	int best_score = -1;
	for (GSList *l = s->socks; l; l = l->next) {
		struct sock *sk = l->data;
		int score = 0;
		if (sk->rcv_saddr) {
			if (sk->rcv_saddr != daddr)
				continue;
			score += 2;
		}
		if (sk->daddr) {
			if (sk->daddr != saddr || sk->dport != sport)
				continue;
			score += 4;
		}
		if (score > best_score) {
			best = sk;
			best_score = score;
		}
	}
	return best;
}

/* ---- receive ---------------------------------------------------------------- */

/* The IP protocol handler.  Context: bottom halves off - the softirq, or a
 * process inside nf_reinject's local_bh_disable (Linux: net_protocol
 * handlers run from ip_local_deliver_finish under rcu_read_lock in
 * softirq); asserted in the checked build.  Consumes @skb. */
int
udp_rcv(struct sk_buff *skb)
{
	struct host *host = skb->host;
	CPU_ASSERT_BH(host->cpu);
	struct udp_table *t = udp_table_of(host);
	host_charge(host, COST_UDP_RCV);
	if (!skb_may_pull(skb, UDP_HLEN))
		goto short_packet;
	const struct udphdr *uh = (const struct udphdr *)skb->data;
	uint32_t ulen = ntohs(uh->len);
	if (ulen < UDP_HLEN || ulen > skb->len)
		goto short_packet;
	skb_trim(skb, ulen);
	const struct iphdr *iph = ip_hdr(skb);
	uint32_t saddr = ntohl(iph->saddr), daddr = ntohl(iph->daddr);
	/* udp4_csum_init: nothing to sum when the sender computed none (RFC
	 * 768: 0) or the NIC checked it (rx-checksumming); else
	 * __skb_checksum_complete sums it in software (see docs/device-layer.md) */
	if (uh->check != 0 && !skb_csum_unnecessary(skb)) {
		skb_csum_charge(host, ulen, "__skb_checksum_complete");
		if (csum_tcpudp_magic(saddr, daddr, ulen, NS_IPPROTO_UDP,
				      csum_partial(uh, ulen, 0)) != 0) {
			t->mib.in_csum_errors++;
			t->mib.in_errors++;
			skb_drop(skb, SKB_DROP_UDP_CSUM);
			return NET_RX_DROP;
		}
	}
	uint16_t sport = ntohs(uh->source), dport = ntohs(uh->dest);
	struct sock *sk = udp_lookup(host, saddr, sport, daddr, dport);
	if (sk) {
		if (sk->daddr) /* __udp_queue_rcv_skb: a connected socket (RFS) */
			sock_rps_save_rxhash(sk, skb);
		skb_pull(skb, UDP_HLEN);
		/* InDatagrams is counted when the process reads the datagram
		 * (udp_recvmsg), not here: Linux 6.6 __udp_queue_rcv_skb
		 * counts it only for an encapsulation that consumes it */
		if (skb_is_gso(skb) && !sk->udp_gro) { /* udp_unexpected_gso */
			int refused = udp_queue_rcv_segments(sk, skb);
			t->mib.rcvbuf_errors += (uint64_t)refused;
			t->mib.in_errors += (uint64_t)refused;
			return NET_RX_SUCCESS;
		}
		if (sock_queue_rcv_skb(sk, skb) < 0) {
			t->mib.rcvbuf_errors++; /* dropped and counted by the socket layer */
			t->mib.in_errors++;
			return NET_RX_DROP;
		}
		return NET_RX_SUCCESS;
	}
	struct udp_hslot *s = hslot_get(t, dport, false);
	if (s && s->sink) { /* a test's reader that reads at once */
		skb_pull(skb, UDP_HLEN);
		t->mib.in_datagrams++;
		s->sink(s->sink_arg, skb, saddr, sport);
		skb_consume(skb);
		return NET_RX_SUCCESS;
	}
	/* no socket: Linux __udp4_lib_rcv counts NoPorts and answers port
	 * unreachable, except for broadcasts (icmp_send checks) */
	t->mib.no_ports++;
	icmp_send(skb, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0);
	skb_drop(skb, SKB_DROP_NO_SOCKET);
	return NET_RX_DROP;

short_packet:
	t->mib.in_errors++;
	skb_drop(skb, SKB_DROP_UDP_INVALID);
	return NET_RX_DROP;
}

/* Linux __udp4_lib_err: without IP_RECVERR only hard errors reach connected
 * sockets (icmp_err_convert: protocol and port unreachable are "fatal"). */
void
udp_err(struct sk_buff *skb, uint32_t info)
{
	const struct iphdr *inner = (const struct iphdr *)skb->data;
	const struct udphdr *uh = (const struct udphdr *)(skb->data + ip_hdrlen(inner));
	struct sock *sk = udp_lookup(skb->host, ntohl(inner->daddr), ntohs(uh->dest),
				     ntohl(inner->saddr), ntohs(uh->source));
	if (!sk)
		return;
	const struct icmphdr *icmph = icmp_hdr(skb);
	int err = 0;
	if (icmph->type == ICMP_DEST_UNREACH && icmph->code == ICMP_PORT_UNREACH)
		err = ECONNREFUSED;
	else if (icmph->type == ICMP_DEST_UNREACH && icmph->code == ICMP_PROT_UNREACH)
		err = ENOPROTOOPT;
	if (!err || sk->sk_state != NS_TCP_ESTABLISHED)
		return;
	sk->sk_err = err;
	if (sk->sk_state_change)
		sk->sk_state_change(sk);
}

/* ---- transmit --------------------------------------------------------------- */

int
udp_send_skb(struct sk_buff *skb, uint32_t saddr, uint16_t sport, uint32_t daddr, uint16_t dport,
	     uint8_t ttl, const struct rtable *rt)
{
	struct host *host = skb->host;
	struct udp_table *t = udp_table_of(host);
	/* The socket layer hands the datagram to UDP, which pushes its header. */
	skb_handoff(skb, LAYER_UDP, "udp_send_skb");
	struct udphdr *uh = (struct udphdr *)skb_push(skb, UDP_HLEN);
	skb_reset_transport_header(skb);
	/* Linux udp_sendmsg routes once (ip_route_output_flow), and the
	 * source address, the checksum and ip_send_skb all use that route */
	struct rtable here;
	if (rt) {
		ip_route_trace(skb, rt);
	} else {
		int err = ip_route_output_skb(skb, daddr, saddr, &here);
		if (err)
			return ip_send_no_route(skb, err);
		rt = &here;
	}
	uint32_t ulen = skb->len;
	uh->source = htons(sport);
	uh->dest = htons(dport);
	uh->len = htons((uint16_t)ulen);
	uh->check = 0;
	uint32_t src = saddr ? saddr : rt->src;
	sum16_t c = csum_tcpudp_magic(src, daddr, ulen, NS_IPPROTO_UDP, csum_partial(uh, ulen, 0));
	uh->check = c ? c : 0xffff; /* RFC 768: a computed 0 is sent as all ones */
	/* udp4_hwcsum: the device fills it (or skb_checksum_help, charged) */
	skb_partial_csum_set(skb, (uint16_t)offsetof(struct udphdr, check));
	struct ip_xmit_args a = {
		.saddr = src,
		.daddr = daddr,
		.protocol = NS_IPPROTO_UDP,
		.ttl = ttl,
	};
	int err = ip_send_skb(skb, &a, rt);
	/* Linux udp_send_skb: a local queue drop is not the sender's error */
	if (err == -ENOBUFS)
		err = 0;
	if (!err)
		t->mib.out_datagrams++;
	return err;
}

int
udp_send(struct host *host, uint32_t saddr, uint16_t sport, uint32_t daddr, uint16_t dport,
	 const void *data, uint32_t len)
{
	if (len > UDP_MAX_PAYLOAD)
		return -EMSGSIZE;
	struct sk_buff *skb = skb_alloc(host, INET_HEADROOM + UDP_HLEN + len, LAYER_UDP);
	skb_reserve(skb, INET_HEADROOM + UDP_HLEN);
	uint8_t *p = skb_put(skb, len);
	if (data) {
		memcpy(p, data, len);
		skb_trace_copy(skb, LAYER_UDP, COPY_KERNEL_TO_SKB, len, NULL);
	} else {
		memset(p, 0, len);
	}
	host_charge(host, COST_UDP_SEND);
	return udp_send_skb(skb, saddr, sport, daddr, dport, 0, NULL);
}

/* ---- ports ------------------------------------------------------------------ */

/* Would binding @sk to a slot's port clash with a sock or sink already there? */
static bool
udp_port_conflict(const struct udp_hslot *s, const struct sock *sk)
{
	if (!s)
		return false;
	if (s->sink)
		return true;
	for (const GSList *l = s->socks; l; l = l->next) {
		const struct sock *o = l->data;
		if (o == sk)
			continue;
		if (o->rcv_saddr && sk->rcv_saddr && o->rcv_saddr != sk->rcv_saddr)
			continue;
		if (o->reuseaddr && sk->reuseaddr)
			continue;
		return true;
	}
	return false;
}

/* Linux udp_lib_get_port: a given port, or a free one from a random start. */
static int
udp_get_port(struct sock *sk, uint16_t port)
{
	struct host *host = sk->host;
	struct udp_table *t = udp_table_of(host);
	if (port == 0) {
		uint32_t n = UDP_PORT_EPHEMERAL_HI - UDP_PORT_EPHEMERAL_LO + 1;
		uint32_t start = (uint32_t)rng_below(&host->rng, n);
		for (uint32_t i = 0; i < n; i++) {
			uint16_t p = (uint16_t)(UDP_PORT_EPHEMERAL_LO + (start + i) % n);
			if (!udp_port_conflict(hslot_get(t, p, false), sk)) {
				port = p;
				break;
			}
		}
		if (port == 0)
			return -EADDRINUSE;
	} else if (udp_port_conflict(hslot_get(t, port, false), sk)) {
		return -EADDRINUSE;
	}
	struct udp_hslot *s = hslot_get(t, port, true);
	s->socks = g_slist_prepend(s->socks, sk);
	sk->num = port;
	return 0;
}

static void
udp_unhash(struct sock *sk)
{
	if (!sk->num)
		return;
	struct udp_table *t = udp_table_of(sk->host);
	struct udp_hslot *s = hslot_get(t, sk->num, false);
	if (s) {
		s->socks = g_slist_remove(s->socks, sk);
		hslot_put(t, sk->num, s);
	}
	sk->num = 0;
}

int
udp_test_sink(struct host *host, uint16_t port, udp_sink_fn fn, void *arg)
{
	struct udp_table *t = udp_table_of(host);
	struct udp_hslot *s = hslot_get(t, port, fn != NULL);
	if (!fn) {
		if (s) {
			s->sink = NULL;
			hslot_put(t, port, s);
		}
		return 0;
	}
	if (s->socks || (s->sink && s->sink != fn))
		return -EADDRINUSE;
	s->sink = fn;
	s->sink_arg = arg;
	return 0;
}

/* ---- socket operations (struct proto) --------------------------------------- */

static void
udp_close(struct sock *sk, sim_time_t timeout)
{
	udp_unhash(sk);
	sk->sk_state = NS_TCP_CLOSE;
}

/* Linux ip4_datagram_connect: fix the peer, and our source address by the route. */
static int
udp_connect(struct sock *sk, uint32_t daddr, uint16_t dport)
{
	if (!dport)
		return -EINVAL;
	struct rtable rt;
	int err = ip_route_output(sk->host, daddr, sk->rcv_saddr, &rt);
	if (err)
		return err == -EINVAL ? -EINVAL : -ENETUNREACH;
	if (!sk->num && (err = udp_get_port(sk, 0)) < 0)
		return err;
	if (!sk->saddr)
		sk->saddr = rt.src;
	if (!sk->rcv_saddr)
		sk->rcv_saddr = rt.src;
	sk->daddr = daddr;
	sk->dport = dport;
	sk->sk_state = NS_TCP_ESTABLISHED;
	return 0;
}

static int
udp_disconnect(struct sock *sk, int flags)
{
	sk->daddr = 0;
	sk->dport = 0;
	sk->sk_state = NS_TCP_CLOSE;
	return 0;
}

/* The datagram of @msg (Linux ip_make_skb), sent by udp_send_skb; @rt:
 * its route when already looked up. */
static int
udp_sendmsg_build(struct sock *sk, struct ns_msg *msg, uint32_t daddr, uint16_t dport,
		  uint16_t gso_size, const struct rtable *rt)
{
	uint32_t len = (uint32_t)msg->len;
	int err;
	struct sk_buff *skb =
		sock_alloc_send_skb(sk, INET_HEADROOM + UDP_HLEN + len, msg->flags, &err);
	if (!skb)
		return err;
	skb_reserve(skb, INET_HEADROOM + UDP_HLEN);
	if (skb_copy_from_user(skb, msg->buf, len) < len) {
		/* __ip_append_data: getfrag (ip_generic_getfrag) failed; the skb
		 * is freed (kfree_skb) and IP counts OutDiscards: nothing sent */
		ip_state(sk->host)->mib.out_discards++;
		skb_drop(skb, SKB_DROP_NOT_SPECIFIED);
		return -EFAULT;
	}
	udp_gso_mark(gso_size, skb, len);
	host_charge(sk->host, COST_UDP_SEND);
	err = udp_send_skb(skb, sk->saddr ? sk->saddr : sk->rcv_saddr, sk->num, daddr, dport,
			   sk->ttl, rt);
	return err < 0 ? err : (int)len;
}

/* UDP_SEGMENT: its checks need the route, which then goes with the
 * datagram.  Out of line, so that the route's room is on the stack of
 * segmenting sends only. */
static __attribute__((noinline)) int
udp_sendmsg_gso(struct sock *sk, struct ns_msg *msg, uint32_t daddr, uint16_t dport,
		uint16_t gso_size)
{
	struct rtable rt;
	int err = udp_gso_check(sk, gso_size, daddr, (uint32_t)msg->len, &rt);
	if (err < 0)
		return err;
	return udp_sendmsg_build(sk, msg, daddr, dport, gso_size, &rt);
}

static int
udp_sendmsg(struct sock *sk, struct ns_msg *msg)
{
	uint32_t daddr;
	uint16_t dport;
	if (msg->has_addr) {
		daddr = msg->addr;
		dport = msg->port;
		if (!dport)
			return -EINVAL;
	} else {
		if (!sk->daddr)
			return -EDESTADDRREQ;
		daddr = sk->daddr;
		dport = sk->dport;
	}
	if (msg->len > UDP_MAX_PAYLOAD)
		return -EMSGSIZE;
	int err;
	if (!sk->num && (err = udp_get_port(sk, 0)) < 0)
		return err;
	/* ipc.gso_size: the socket's UDP_SEGMENT, or this send's cmsg */
	uint16_t gso_size = msg->has_gso_size ? msg->gso_size : sk->udp_gso_size;
	if (gso_size)
		return udp_sendmsg_gso(sk, msg, daddr, dport, gso_size);
	return udp_sendmsg_build(sk, msg, daddr, dport, 0, NULL);
}

/*
 * Linux 6.6 udp_recvmsg, when the copy to the process faults: the
 * datagram, already off the queue, is freed with kfree_skb (a drop,
 * SKB_DROP_REASON_NOT_SPECIFIED) and counted in InErrors (and sk_drops,
 * not modelled);
 * with MSG_PEEK only the reader's reference goes and the datagram stays.
 * The call returns -EFAULT.
 */
static int
udp_recvmsg_fault(struct sock *sk, struct sk_buff *skb, int flags)
{
	if (flags & NS_MSG_PEEK)
		return -EFAULT;
	udp_table_of(sk->host)->mib.in_errors++;
	sock_rfree(sk, skb);
	skb_drop(skb, SKB_DROP_NOT_SPECIFIED);
	return -EFAULT;
}

static int
udp_recvmsg(struct sock *sk, struct ns_msg *msg)
{
	int err = 0;
	struct sk_buff *skb = skb_recv_datagram(sk, msg->flags, &err);
	if (!skb)
		return err;
	uint32_t copy = MIN((uint32_t)msg->len, skb->len);
	uint32_t full = skb->len;
	if (skb_copy_to_user(skb, 0, msg->buf, copy) < copy)
		return udp_recvmsg_fault(sk, skb, msg->flags);
	msg->addr = ntohl(ip_hdr(skb)->saddr);
	msg->port = ntohs(udp_hdr(skb)->source);
	msg->has_addr = true;
	udp_cmsg_recv(sk, skb, msg->control, &msg->controllen, &msg->msg_flags);
	if (!(msg->flags & NS_MSG_PEEK)) {
		/* Linux 6.6 udp_recvmsg: InDatagrams once the copy has
		 * succeeded, not for a peek */
		udp_table_of(sk->host)->mib.in_datagrams++;
		skb_free_datagram(sk, skb);
	}
	return (msg->flags & NS_MSG_TRUNC) ? (int)full : (int)copy;
}

const struct proto udp_prot = {
	.name = "UDP",
	.close = udp_close,
	.connect = udp_connect,
	.disconnect = udp_disconnect,
	.setsockopt = udp_setsockopt,
	.getsockopt = udp_getsockopt,
	.sendmsg = udp_sendmsg,
	.recvmsg = udp_recvmsg,
	.get_port = udp_get_port,
	.unhash = udp_unhash,
	.obj_size = sizeof(struct sock),
	.check = sock_check_datagram,
};
