/*
 * stack/ip_frag.c - IPv4 fragmentation and reassembly.
 *
 * Linux counterpart: net/ipv4/ip_output.c (ip_do_fragment, its slow path),
 * net/ipv4/ip_fragment.c (ip_defrag, ip_frag_queue, ip_frag_reasm,
 * ip_expire), net/ipv4/inet_fragment.c (inet_frag_queue_insert,
 * inet_frag_find and its memory limit).  RFC 791 §3.2, RFC 5722.
 *
 * Position in the call chain:
 *   ip_output -> ip_fragment -> neigh_output (each fragment)
 *   ip_local_deliver -> ip_defrag -> ip_frag_queue -> ip_frag_reasm
 *
 * Fragmenting copies: each fragment is a new skb holding a copy of the
 * header and its slice of the payload (Linux's slow path; its fast path
 * chains frag_list buffers instead).  Reassembly copies too: the complete
 * datagram is a new skb.  The trace links parent and children with clone
 * rows, so a packet's path can be followed through both.
 *
 * A datagram being reassembled is a struct ipq keyed by (saddr, daddr, id,
 * protocol), holding its fragments on the traced queue "ipfrag_queue" in
 * arrival order (Linux keeps an rb-tree by offset; with the overlap rule
 * below no order is needed until the copy).  See ip_frag.h for the rules.
 */
#include "stack/ip_frag.h"

#include <errno.h>
#include <string.h>
#include "stack/arp.h"
#include "stack/eth.h"
#include "stack/gso.h"
#include "stack/icmp.h"
#include "stack/ip_int.h"
#include "trace/trace.h"

struct ipq_key {
	uint32_t saddr, daddr;
	uint16_t id;
	uint8_t protocol;
	uint8_t pad;
};

struct ipq {
	struct ipq_key key;
	struct ipfrag_state *st;
	struct sk_buff_head fragments; /* "ipfrag_queue", ordered by offset */
	uint32_t len;		       /* total payload length, once known */
	uint32_t meat;		       /* payload bytes received */
	bool first_in, last_in;
	uint32_t mem; /* bytes charged to the host's limit */
	sim_event_id timer;
};

struct ipfrag_state {
	struct host *host;
	GHashTable *queues; /* &ipq->key -> struct ipq */
	uint64_t mem, mem_max;
};

#define FRAG_CB(skb) IPCB(skb)

static guint
ipq_hash(gconstpointer p)
{
	const struct ipq_key *k = p;
	return (k->saddr * 0x9e3779b1u) ^ (k->daddr * 0x85ebca6bu) ^
		((uint32_t)k->id << 8 | k->protocol);
}

static gboolean
ipq_equal(gconstpointer a, gconstpointer b)
{
	return memcmp(a, b, sizeof(struct ipq_key)) == 0;
}

/* Frees the queue: its remaining fragments are dropped with @reason. */
static void
ipq_free(struct ipq *q, enum skb_drop_reason reason)
{
	sim_cancel(q->st->host->sim, q->timer);
	skb_queue_purge(&q->fragments, reason);
	q->st->mem -= q->mem;
	g_free(q);
}

/* Linux inet_frag_kill + free */
static void
ipq_kill(struct ipq *q, enum skb_drop_reason reason)
{
	g_hash_table_steal(q->st->queues, &q->key);
	ipq_free(q, reason);
}

void
ipfrag_init(struct ip_state *ips)
{
	struct ipfrag_state *st = g_new0(struct ipfrag_state, 1);
	st->host = ips->host;
	st->queues = g_hash_table_new(ipq_hash, ipq_equal);
	ips->frag = st;
}

void
ipfrag_fini(struct ip_state *ips)
{
	struct ipfrag_state *st = ips->frag;
	if (!st)
		return;
	GHashTableIter it;
	gpointer v;
	g_hash_table_iter_init(&it, st->queues);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		g_hash_table_iter_steal(&it);
		ipq_free(v, SKB_DROP_QUEUE_PURGE);
	}
	g_hash_table_destroy(st->queues);
	g_free(st);
	ips->frag = NULL;
}

void
ipfrag_stats(struct host *host, struct ipfrag_stats *out)
{
	struct ipfrag_state *st = ip_state(host)->frag;
	*out = (struct ipfrag_stats){
		.queues = g_hash_table_size(st->queues),
		.mem = st->mem,
		.mem_max = st->mem_max,
	};
}

/* ---- fragmentation ---------------------------------------------------------- */

int
ip_fragment(struct sk_buff *skb, struct net_device *dev, uint32_t nexthop, uint32_t mtu)
{
	struct host *host = skb->host;
	struct ip_state *ips = ip_state(host);
	const struct iphdr *iph = ip_hdr(skb);
	uint32_t hlen = ip_hdrlen(iph);
	uint32_t left = skb->len - hlen;
	uint16_t frag_off0 = ntohs(iph->frag_off);
	uint32_t offset = (uint32_t)(frag_off0 & IP_OFFSET) << 3;
	bool more = frag_off0 & IP_MF; /* fragmenting a fragment keeps its MF */
	/* RFC 791: every fragment but the last carries a multiple of 8 bytes */
	uint32_t chunk = (mtu - hlen) & ~7u;
	uint32_t room = MAX((uint32_t)dev->needed_headroom, (uint32_t)ETH_HLEN);
	const uint8_t *payload = skb->data + hlen;
	int err = 0;
	g_assert(chunk >= 8);
	/* ip_do_fragment: a sum left to the device is made here first */
	if (skb->ip_summed == CHECKSUM_PARTIAL)
		skb_checksum_help(skb);

	while (left > 0) {
		uint32_t len = MIN(left, chunk);
		struct sk_buff *f = skb_alloc(host, room + hlen + len, LAYER_IP);
		skb_reserve(f, room);
		struct iphdr *fh = (struct iphdr *)skb_put_data(f, iph, hlen);
		skb_put_data(f, payload, len);
		skb_reset_network_header(f);
		uint16_t fo = (uint16_t)(offset >> 3);
		if (left > len || more)
			fo |= IP_MF;
		fh->frag_off = htons(fo | (frag_off0 & ~(IP_OFFSET | IP_MF)));
		fh->tot_len = htons((uint16_t)(hlen + len));
		fh->check = 0;
		fh->check = ip_fast_csum(fh, fh->ihl);
		*IPCB(f) = *IPCB(skb);
		f->sk = skb->sk;
		/* the header and this fragment's part of the payload: a copy */
		skb_trace_copy(skb, LAYER_IP, COPY_SKB_COPY, hlen + len, f);
		if (TRACE_ON(host->trace)) {
			struct trace_pkt_info info = {
				.proto = fh->protocol,
				.saddr = ntohl(fh->saddr),
				.daddr = ntohl(fh->daddr),
				.payload = len,
			};
			trace_packet(host->trace, f->id, &info);
		}
		host_charge(host, COST_IP_FRAG);
		ips->mib.frag_creates++;
		payload += len;
		offset += len;
		left -= len;
		if (neigh_output(f, dev, nexthop) != 0)
			err = -ENOBUFS;
	}
	ips->mib.frag_oks++;
	skb_consume(skb);
	return err;
}

/* ---- reassembly ------------------------------------------------------------- */

/* The fragment at offset 0, if it has arrived.  O(fragments of this
 * datagram), as is the insertion below: a datagram has at most
 * 65535 / (mtu - 20) fragments (45 at MTU 1500) and arrives in order on
 * one path, where Linux keeps an rbtree (inet_frag_queue_insert, 4.19+)
 * against a flood of tiny overlapping fragments. */
static struct sk_buff *
ipq_first(struct ipq *q)
{
	for (struct sk_buff *p = skb_peek(&q->fragments); p; p = p->next)
		if (FRAG_CB(p)->frag_offset == 0)
			return p;
	return NULL;
}

/* Linux ip_expire: the datagram did not complete within ipfrag_time. */
static void
ipq_expire_handler(void *a)
{
	struct ipq *q = a;
	struct ip_state *ips = ip_state(q->st->host);
	q->timer = 0;
	ips->mib.reasm_fails++;
	ips->mib.reasm_timeout++;
	g_hash_table_steal(q->st->queues, &q->key);
	/* RFC 792 / Linux: time exceeded only if fragment zero arrived */
	struct sk_buff *head = ipq_first(q);
	if (head) {
		/* the queued fragment's data is at its payload: show ICMP its header */
		icmp_send(head, ICMP_TIME_EXCEEDED, ICMP_EXC_FRAGTIME, 0);
	}
	ipq_free(q, SKB_DROP_FRAG_REASM_TIMEOUT);
}

/* The event: the handler runs on the CPU that armed the timer (sim/cpu.h). */
static void
ipq_expire(struct sim *sim, void *a, void *base)
{
	(void)sim;
	cpu_timer_run(base, ipq_expire_handler, a);
}

/* Linux ip_frag_reasm: one new skb with the first header and all payloads. */
static struct sk_buff *
ip_frag_reasm(struct ipq *q)
{
	struct host *host = q->st->host;
	struct ip_state *ips = ip_state(host);
	struct sk_buff *head = ipq_first(q);
	const struct iphdr *h0 = ip_hdr(head);
	uint32_t hlen = ip_hdrlen(h0);
	struct sk_buff *skb = skb_alloc(host, INET_HEADROOM + hlen + q->len, LAYER_IP);
	skb_reserve(skb, INET_HEADROOM);
	struct iphdr *iph = (struct iphdr *)skb_put_data(skb, h0, hlen);
	uint8_t *payload = skb_put(skb, q->len);
	skb->dev = head->dev;
	skb->pkt_type = head->pkt_type;
	skb->protocol = head->protocol;
	skb->tstamp = head->tstamp;
	uint16_t max_size = 0;
	struct sk_buff *f;
	while ((f = skb_dequeue(&q->fragments)) != NULL) {
		/* fragments wait with data at their payload */
		memcpy(payload + FRAG_CB(f)->frag_offset, f->data, f->len);
		if (f->len + hlen > max_size)
			max_size = (uint16_t)(f->len + hlen);
		/* the first fragment gave the header as well */
		skb_trace_copy(f, LAYER_IP, COPY_SKB_COPY, f == head ? hlen + f->len : f->len, skb);
		skb_consume(f);
	}
	skb_reset_network_header(skb);
	iph->tot_len = htons((uint16_t)(hlen + q->len));
	iph->frag_off = 0;
	iph->check = 0;
	iph->check = ip_fast_csum(iph, iph->ihl);
	*IPCB(skb) = (struct inet_skb_parm){
		.iif = skb->dev ? skb->dev->ifindex : 0,
		.flags = IPSKB_FRAG_COMPLETE | IPSKB_LOCAL,
		.frag_max_size = max_size,
	};
	ips->mib.reasm_oks++;
	if (TRACE_ON(host->trace)) {
		struct trace_pkt_info info = {
			.proto = iph->protocol,
			.saddr = ntohl(iph->saddr),
			.daddr = ntohl(iph->daddr),
			.payload = q->len,
		};
		if ((iph->protocol == NS_IPPROTO_UDP || iph->protocol == NS_IPPROTO_TCP) &&
		    q->len >= 4) {
			uint16_t p[2];
			memcpy(p, payload, 4);
			info.sport = ntohs(p[0]);
			info.dport = ntohs(p[1]);
		}
		trace_packet(host->trace, skb->id, &info);
	}
	return skb;
}

struct sk_buff *
ip_defrag(struct sk_buff *skb)
{
	struct host *host = skb->host;
	struct ip_state *ips = ip_state(host);
	struct ipfrag_state *st = ips->frag;
	host_charge(host, COST_IP_FRAG);
	ips->mib.reasm_reqds++;
	skb_handoff(skb, LAYER_IP, "ip_defrag");

	const struct iphdr *iph = ip_hdr(skb);
	struct ipq_key key = {
		.saddr = ntohl(iph->saddr),
		.daddr = ntohl(iph->daddr),
		.id = ntohs(iph->id),
		.protocol = iph->protocol,
	};
	/* Linux inet_frag_find: no queue at all while over ipfrag_high_thresh */
	if (st->mem + skb->len > ips->cfg.ipfrag_high_thresh) {
		ips->mib.reasm_fails++;
		skb_drop(skb, SKB_DROP_FRAG_OVERFLOW);
		return NULL;
	}
	struct ipq *q = g_hash_table_lookup(st->queues, &key);
	if (!q) {
		q = g_new0(struct ipq, 1);
		q->key = key;
		q->st = st;
		skb_queue_head_init(&q->fragments, "ipfrag_queue", LAYER_IP);
		g_hash_table_insert(st->queues, &q->key, q);
		/* the timer runs from the first fragment and is never restarted (Linux) */
		q->timer = cpu_timer_schedule(host->cpu, ips->cfg.ipfrag_time, ipq_expire, q);
	}

	/* Linux ip_frag_queue */
	uint16_t fo = ntohs(iph->frag_off);
	uint32_t offset = (uint32_t)(fo & IP_OFFSET) << 3;
	uint32_t ihl = ip_hdrlen(iph);
	uint32_t end = offset + skb->len - ihl;
	enum skb_drop_reason reason = SKB_DROP_FRAG_INVALID;
	if (!(fo & IP_MF)) {
		/* the last fragment: nothing may lie beyond it, and it may not move */
		if (end < q->len || (q->last_in && end != q->len))
			goto discard_qp;
		q->last_in = true;
		q->len = end;
	} else {
		end &= ~7u;
		if (end > q->len) {
			if (q->last_in) /* bits beyond the end: corrupt */
				goto discard_qp;
			q->len = end;
		}
	}
	if (end == offset || end > IP_MAX_PACKET - ihl)
		goto discard_qp;

	skb_pull(skb, ihl);
	skb_trim(skb, end - offset);
	FRAG_CB(skb)->frag_offset = offset;
	FRAG_CB(skb)->frag_end = end;

	/* Linux inet_frag_queue_insert: find the place; an exact duplicate is
	 * dropped alone, any other overlap kills the datagram (RFC 5722 §4,
	 * "RFC5722, Section 4, amended by Errata ID : 3089" in ip_frag_queue) */
	for (struct sk_buff *p = skb_peek(&q->fragments); p; p = p->next) {
		uint32_t po = FRAG_CB(p)->frag_offset, pe = FRAG_CB(p)->frag_end;
		if (po == offset && pe == end) {
			skb_drop(skb, SKB_DROP_FRAG_INVALID); /* IPFRAG_DUP */
			return NULL;
		}
		if (offset < pe && po < end) {
			ips->mib.reasm_overlaps++;
			goto discard_qp;
		}
	}
	q->meat += end - offset;
	q->mem += skb->len;
	st->mem += skb->len;
	if (st->mem > st->mem_max)
		st->mem_max = st->mem;
	if (offset == 0)
		q->first_in = true;
	skb_queue_tail(&q->fragments, skb);

	if (q->first_in && q->last_in && q->meat == q->len) {
		g_hash_table_steal(st->queues, &q->key);
		sim_cancel(host->sim, q->timer);
		struct sk_buff *whole = ip_frag_reasm(q);
		st->mem -= q->mem;
		g_free(q);
		return whole;
	}
	return NULL;

discard_qp:
	ips->mib.reasm_fails++;
	skb_drop(skb, reason);
	ipq_kill(q, reason);
	return NULL;
}
