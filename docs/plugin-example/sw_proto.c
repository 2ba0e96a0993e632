/*
 * sw_proto.c - SW, a stop-and-wait reliable datagram protocol: a transport
 * of its own, IP protocol 253 (RFC 3692: for experimentation), socket type
 * SOCK_RDM ("reliably delivered messages", socket(2)).
 *
 *     int s = socket(AF_INET, SOCK_RDM, 253);
 *
 * The sender keeps one datagram outstanding: sendto() puts it on the
 * socket's write queue, sends a clone and starts the retransmission timer;
 * the ACK takes it off the queue, and only then does sendto() return
 * (netsim's sendmsg waits for the write queue to empty, <netsim/proto.h>).
 * The receiver ACKs every DATA segment and delivers it only if its 1-bit
 * sequence number is the one expected from that peer: a retransmission
 * whose ACK was lost is ACKed again and dropped.  This is the alternating
 * bit protocol (Bartlett, Scantlebury and Wilkinson, CACM 1969; rdt 3.0 in
 * Kurose and Ross).
 *
 * Header, 10 bytes, network order (ports first, as UDP's and TCP's, which
 * netsim's generic recvfrom reads):
 *
 *     0      2      4    5    6      8      10
 *     | sport| dport|type|seq | len  | check|  payload ...
 *
 * type 0 = DATA, 1 = ACK; seq 0 or 1; len = payload bytes; check = the
 * Internet checksum of header and payload.
 *
 * Linked into a plug-in with its programs (see the Makefile): netsim calls
 * ns_module_init on the host where the object is loaded.
 */
#include <netsim/proto.h>
#include <netsim/socket.h>
#include <string.h>

#define IPPROTO_SW 253
#define SW_HLEN 10
#define SW_DATA 0
#define SW_ACK 1
/* The first timeout: fixed, no RTT estimate (TCP has one, RFC 6298); each
 * retransmission doubles it (RFC 6298 5.5) up to SW_RTO_MAX, so that the
 * protocol outlasts an ARP request lost on the way (ARP retries after 1 s). */
#define SW_RTO_NS (20 * 1000000LL)
#define SW_RTO_MAX (2000 * 1000000LL)
#define SW_MAX_RETRIES 10
#define SW_PEERS 16

struct sw_hdr {
	uint16_t sport, dport;
	uint8_t type, seq;
	uint16_t len, check;
} __attribute__((packed));

/* The protocol's state in each socket (ns_sk_priv). */
struct sw_sock {
	uint8_t snd_seq; /* bit of the datagram outstanding, or of the next */
	int retries;	 /* of the outstanding datagram */
	uint32_t daddr;	 /* where it goes */
	struct ns_timer_list rtx_timer;
	struct { /* the receiver: next bit expected from each peer */
		uint32_t addr;
		uint16_t port;
		uint8_t expect;
		uint8_t used;
	} peer[SW_PEERS];
};

static void
sw_csum(struct sk_buff *skb)
{
	struct sw_hdr *h = ns_skb_data(skb);
	h->check = 0;
	h->check = ip_compute_csum(h, ns_skb_len(skb));
}

static void
sw_transmit_head(struct sock *sk)
{
	struct sw_sock *ss = ns_sk_priv(sk);
	struct sk_buff *skb = ns_sk_write_queue_head(sk);
	if (!skb)
		return;
	/* Send a clone: the original stays queued for a retransmission. */
	ip_build_and_send_pkt(skb_clone(skb), sk, 0, ss->daddr);
	int64_t rto = SW_RTO_NS << ss->retries;
	sk_reset_timer(sk, &ss->rtx_timer, rto < SW_RTO_MAX ? rto : SW_RTO_MAX);
}

static void
sw_retransmit_timer(struct ns_timer_list *t)
{
	struct sock *sk = ns_timer_sock(t);
	struct sw_sock *ss = ns_sk_priv(sk);
	if (!ns_sk_write_queue_head(sk))
		return;
	if (++ss->retries > SW_MAX_RETRIES) {
		ns_proto_count(sk, "timeouts");
		sk_error_report(sk, ETIMEDOUT); /* the sender's sendto fails */
		return;
	}
	ns_proto_count(sk, "retransmits");
	sw_transmit_head(sk);
}

static int
sw_init(struct sock *sk)
{
	struct sw_sock *ss = ns_sk_priv(sk);
	timer_setup(&ss->rtx_timer, sw_retransmit_timer, 0);
	return 0;
}

static void
sw_close(struct sock *sk)
{
	struct sw_sock *ss = ns_sk_priv(sk);
	sk_stop_timer(sk, &ss->rtx_timer);
}

static int
sw_sendmsg(struct sock *sk, struct ns_msghdr *msg, size_t len)
{
	struct sw_sock *ss = ns_sk_priv(sk);
	int err = 0;
	struct sk_buff *skb = sock_alloc_send_skb(sk, NS_INET_HEADROOM + SW_HLEN + len, &err);
	if (!skb)
		return err;
	skb_reserve(skb, NS_INET_HEADROOM + SW_HLEN);
	if ((err = ns_skb_put_from_msg(skb, msg, (unsigned)len)) < 0) {
		kfree_skb_reason(skb, "not_specified");
		return err;
	}
	struct sw_hdr *h = skb_push(skb, SW_HLEN);
	h->sport = ns_inet_sk_sport(sk);
	h->dport = msg->dport;
	h->type = SW_DATA;
	h->seq = ss->snd_seq;
	h->len = htons((uint16_t)len);
	sw_csum(skb);
	ss->daddr = msg->daddr;
	ss->retries = 0;
	ns_sk_write_queue_tail(sk, skb); /* held until its ACK */
	ns_proto_count(sk, "data_sent");
	sw_transmit_head(sk);
	return (int)len;
}

static void
sw_send_ack(struct sock *sk, const struct sw_hdr *data, uint32_t saddr, uint32_t daddr)
{
	struct sk_buff *skb = alloc_skb(NS_INET_HEADROOM + SW_HLEN);
	if (!skb)
		return;
	skb_reserve(skb, NS_INET_HEADROOM);
	struct sw_hdr *h = skb_put(skb, SW_HLEN);
	h->sport = data->dport;
	h->dport = data->sport;
	h->type = SW_ACK;
	h->seq = data->seq;
	h->len = 0;
	sw_csum(skb);
	ns_proto_count(sk, "acks_sent");
	ip_build_and_send_pkt(skb, sk, saddr, daddr);
}

/* The receiver's expected bit for the peer (addr, port). */
static uint8_t *
sw_expect(struct sw_sock *ss, uint32_t addr, uint16_t port)
{
	int free_slot = -1;
	for (int i = 0; i < SW_PEERS; i++) {
		if (ss->peer[i].used && ss->peer[i].addr == addr && ss->peer[i].port == port)
			return &ss->peer[i].expect;
		if (!ss->peer[i].used && free_slot < 0)
			free_slot = i;
	}
	if (free_slot < 0)
		return NULL;
	ss->peer[free_slot].used = 1;
	ss->peer[free_slot].addr = addr;
	ss->peer[free_slot].port = port;
	ss->peer[free_slot].expect = 0;
	return &ss->peer[free_slot].expect;
}

/* IP protocol 253 arrived (softirq context). */
static int
sw_rcv(struct sk_buff *skb)
{
	unsigned n = ns_skb_len(skb);
	struct sw_hdr *h = ns_skb_data(skb);
	if (n < SW_HLEN || ntohs(h->len) != n - SW_HLEN || ip_compute_csum(h, n) != 0 ||
	    h->type > SW_ACK || h->seq > 1) {
		kfree_skb_reason(skb, "not_specified");
		return 1;
	}
	struct sw_hdr hdr = *h;
	struct sock *sk = ns_inet_lookup_skb(skb, hdr.sport, hdr.dport);
	if (!sk) {
		kfree_skb_reason(skb, "no_socket");
		return 1;
	}
	struct sw_sock *ss = ns_sk_priv(sk);
	if (hdr.type == SW_ACK) {
		struct sk_buff *out = ns_sk_write_queue_head(sk);
		if (out && hdr.seq == ss->snd_seq) {
			sk_stop_timer(sk, &ss->rtx_timer);
			consume_skb(ns_sk_write_queue_dequeue(sk)); /* wakes the sender */
			ss->snd_seq ^= 1;
			ns_proto_count(sk, "acked");
		} else {
			ns_proto_count(sk, "dup_acks");
		}
		consume_skb(skb);
		return 0;
	}
	/* DATA.  A duplicate (our ACK was lost) is ACKed again and dropped. */
	uint32_t saddr = ns_ip_hdr_saddr(skb), daddr = ns_ip_hdr_daddr(skb);
	uint8_t *expect = sw_expect(ss, saddr, hdr.sport);
	if (!expect || hdr.seq != *expect) {
		ns_proto_count(sk, "dup_data");
		consume_skb(skb);
		if (expect)
			sw_send_ack(sk, &hdr, daddr, saddr);
		return 0;
	}
	skb_pull(skb, SW_HLEN);
	if (sock_queue_rcv_skb(sk, skb) < 0)
		return 1; /* receive buffer full: no ACK, the sender will retry */
	*expect ^= 1;
	ns_proto_count(sk, "delivered");
	sw_send_ack(sk, &hdr, daddr, saddr);
	return 0;
}

static struct ns_proto sw_prot = {
	.name = "SW",
	.obj_size = sizeof(struct sw_sock),
	.init = sw_init,
	.close = sw_close,
	.sendmsg = sw_sendmsg,
};
static struct ns_inet_protosw sw_protosw = {
	.type = SOCK_RDM,
	.protocol = IPPROTO_SW,
	.prot = &sw_prot,
};
static const struct ns_net_protocol sw_protocol = {
	.handler = sw_rcv,
};

/* Linux module_init: register the three tables, as inet_init does for UDP. */
int
ns_module_init(void)
{
	int rc = proto_register(&sw_prot, 1);
	if (rc == 0)
		rc = inet_register_protosw(&sw_protosw);
	if (rc == 0)
		rc = inet_add_protocol(&sw_protocol, IPPROTO_SW);
	return rc;
}
