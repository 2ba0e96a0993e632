/*
 * stack/gro.c - generic receive offload (see gro.h for the picture).
 *
 * Linux counterpart (6.6): net/core/gro.c dev_gro_receive,
 * gro_list_prepare, skb_gro_receive, napi_gro_complete, napi_gro_flush,
 * gro_flush_oldest, gro_normal_one; net/ipv4/af_inet.c inet_gro_receive
 * and inet_gro_complete; net/ipv4/tcp_offload.c tcp4_gro_receive,
 * tcp_gro_receive, tcp4_gro_complete and tcp_gro_complete;
 * net/ipv4/udp_offload.c udp4_gro_receive, udp_gro_receive,
 * udp_gro_receive_segment, udp4_gro_complete, udp_gro_complete_segment.
 *
 * Copies: Linux's skb_gro_receive moves the new skb's page frags into the
 * held skb (or chains the skb on its frag_list) and copies no payload.
 * netsim's skbs are linear, so the payload is copied into the held skb's
 * buffer (made large enough once, pskb_expand_head, when the skb is held)
 * and traced as a copy row (skb_copy, other = the held skb), then the
 * merged skb is freed; as for GSO (stack/gso.c), the copy is traced but
 * not charged: the CPU time is Linux's, COST_GRO_RECEIVE per skb.
 */
#include "stack/gro.h"

#include <netinet/in.h>
#include <string.h>
#include "sim/check.h"
#include "stack/eth.h"
#include "stack/gso.h"
#include "stack/host.h"
#include "stack/inet.h"
#include "stack/ipv4.h"
#include "stack/tcp.h"
#include "stack/udp.h"

#define TCPHDR_CWR_BIT 0x80 /* RFC 3168 CWR (Linux TCP_FLAG_CWR) */

void
napi_gro_init(struct napi_struct *n)
{
	for (unsigned i = 0; i < GRO_HASH_BUCKETS; i++) {
		skb_queue_head_init(&n->gro_hash[i].list, "gro_hash", LAYER_DEV);
		n->gro_hash[i].count = 0;
	}
	n->gro_bitmask = 0;
	skb_queue_head_init(&n->rx_list, "rx_list", LAYER_DEV);
	n->rx_count = 0;
}

void
napi_gro_cleanup(struct napi_struct *n)
{
	for (unsigned i = 0; i < GRO_HASH_BUCKETS; i++) {
		skb_queue_purge(&n->gro_hash[i].list, SKB_DROP_QUEUE_PURGE);
		n->gro_hash[i].count = 0;
	}
	n->gro_bitmask = 0;
	skb_queue_purge(&n->rx_list, SKB_DROP_QUEUE_PURGE);
	n->rx_count = 0;
}

uint32_t
napi_gro_held(const struct napi_struct *n)
{
	uint32_t held = 0;
	for (unsigned i = 0; i < GRO_HASH_BUCKETS; i++)
		held += skb_queue_len(&n->gro_hash[i].list);
	return held;
}

static uint32_t
gro_jiffies(const struct napi_struct *n)
{
	return (uint32_t)(sim_now(n->host->sim) / GRO_JIFFY);
}

/* ---- leaving GRO: rx_list ------------------------------------------------------- */

uint32_t
gro_normal_list(struct napi_struct *n)
{
	uint32_t passed = 0;
	struct sk_buff *skb;
	/* Linux netif_receive_skb_list_internal: each skb up the stack */
	while ((skb = skb_dequeue(&n->rx_list)) != NULL) {
		netif_receive_skb(skb);
		passed++;
	}
	n->rx_count = 0;
	return passed;
}

/* Linux gro_normal_one: queue @skb on rx_list; pass the list up at
 * gro_normal_batch segments. */
static void
gro_normal_one(struct napi_struct *n, struct sk_buff *skb, uint32_t segs)
{
	skb_queue_tail(&n->rx_list, skb);
	n->rx_count += segs;
	if (n->rx_count >= GRO_NORMAL_BATCH)
		gro_normal_list(n);
}

/*
 * Linux inet_gro_complete and tcp4_gro_complete / tcp_gro_complete:
 * the IP total length and header checksum for the merged length, and a
 * GSO skb of gso_segs = count, CHECKSUM_PARTIAL (its sum already checked
 * segment by segment).  Linux leaves the pseudo-header sum in th->check;
 * netsim writes the final sum, as everywhere (gso.h), without charging it.
 */
static void
inet_gro_complete(struct sk_buff *skb)
{
	struct iphdr *iph = (struct iphdr *)skb->data;
	uint32_t ihl = (uint32_t)iph->ihl * 4;
	iph->tot_len = htons((uint16_t)skb->len);
	iph->check = 0;
	iph->check = ip_fast_csum(iph, iph->ihl);
	uint32_t l4len = skb->len - ihl;
	skb->csum_start = (uint16_t)(skb_data_offset(skb) + ihl);
	skb->ip_summed = CHECKSUM_PARTIAL;
	skb->gso_segs = NAPI_GRO_CB(skb)->count;
	if (iph->protocol == IPPROTO_UDP) {
		/* udp4_gro_complete / udp_gro_complete: the UDP length of the
		 * whole; udp_gro_complete_segment: SKB_GSO_UDP_L4 */
		struct udphdr *uh = (struct udphdr *)(skb->data + ihl);
		uh->len = htons((uint16_t)l4len);
		uh->check = 0;
		sum16_t c = csum_tcpudp_magic(ntohl(iph->saddr), ntohl(iph->daddr), l4len,
					      IPPROTO_UDP, csum_partial(uh, l4len, 0));
		uh->check = c ? c : 0xffff;
		skb->csum_offset = (uint16_t)offsetof(struct udphdr, check);
		skb->gso_type = SKB_GSO_UDP_L4;
		return;
	}
	struct tcphdr *th = (struct tcphdr *)(skb->data + ihl);
	th->check = 0;
	th->check = csum_tcpudp_magic(ntohl(iph->saddr), ntohl(iph->daddr), l4len, IPPROTO_TCP,
				      csum_partial(th, l4len, 0));
	/* tcp_gro_complete */
	skb->csum_offset = (uint16_t)offsetof(struct tcphdr, check);
	skb->gso_type = SKB_GSO_TCPV4;
}

/* Linux napi_gro_complete: a lone skb loses its gso_size; a merged one is
 * fixed up; either goes to rx_list. */
static void
napi_gro_complete(struct napi_struct *n, struct sk_buff *skb)
{
	uint16_t count = NAPI_GRO_CB(skb)->count;
	if (count == 1) {
		skb->gso_size = 0;
	} else {
		inet_gro_complete(skb);
		n->gro_completed++;
	}
	skb_handoff(skb, LAYER_DEV, "napi_gro_complete");
	gro_normal_one(n, skb, count);
}

static void
gro_update_bitmask(struct napi_struct *n, unsigned bucket)
{
	if (n->gro_hash[bucket].count)
		n->gro_bitmask |= 1u << bucket;
	else
		n->gro_bitmask &= ~(1u << bucket);
}

/* Linux __napi_gro_flush_chain: oldest first; with @flush_old stop at the
 * first skb held in this jiffy (those after it are younger). */
static void
napi_gro_flush_chain(struct napi_struct *n, unsigned bucket, bool flush_old)
{
	struct gro_list *gl = &n->gro_hash[bucket];
	uint32_t now = gro_jiffies(n);
	struct sk_buff *skb;
	while ((skb = skb_peek(&gl->list)) != NULL) {
		if (flush_old && NAPI_GRO_CB(skb)->age == now)
			break;
		skb_unlink(skb, &gl->list);
		napi_gro_complete(n, skb);
		gl->count--;
	}
	gro_update_bitmask(n, bucket);
}

void
napi_gro_flush(struct napi_struct *n, bool flush_old)
{
	for (unsigned i = 0; i < GRO_HASH_BUCKETS; i++)
		if (n->gro_bitmask & (1u << i))
			napi_gro_flush_chain(n, i, flush_old);
}

/* ---- the protocol callbacks -------------------------------------------------------- */

/*
 * Linux skb_gro_receive: append @skb's payload (@len bytes from its GRO
 * offset) to held skb @p.  -E2BIG (here: false) when p would reach
 * gro_ipv4_max_size (GRO_LEGACY_MAX_SIZE) or @skb is marked flush.
 */
static bool
skb_gro_receive(struct sk_buff *p, struct sk_buff *skb, uint32_t len)
{
	if (p->len + len >= GRO_LEGACY_MAX_SIZE || NAPI_GRO_CB(skb)->flush)
		return false;
	g_assert(skb_tailroom(p) >= len); /* made room when it was held */
	skb_put_data(p, skb->data + NAPI_GRO_CB(skb)->data_offset, len);
	skb_trace_copy(skb, LAYER_DEV, COPY_SKB_COPY, len, p);
	/* skb->head_frag: p takes the head as a frag and
	 * "delta_truesize = skb->truesize - SKB_DATA_ALIGN(sizeof(struct
	 * sk_buff))": the merged buffer, not its struct */
	p->gro_truesize += sock_skb_truesize(skb) - SKB_TRUESIZE_OVERHEAD;
	NAPI_GRO_CB(p)->count++;
	NAPI_GRO_CB(skb)->same_flow = 1;
	NAPI_GRO_CB(skb)->free = 1; /* NAPI_GRO_FREE_STOLEN_HEAD */
	return true;
}

/*
 * Linux tcp_gro_receive (net/ipv4/tcp_offload.c, 6.6).  Returns the held
 * skb to complete now (pp), or NULL.  Sets the new skb's flush when it
 * must go up unmerged and unheld.
 */
static struct sk_buff *
tcp_gro_receive(struct sk_buff_head *head, struct sk_buff *skb)
{
	struct napi_gro_cb *cb = NAPI_GRO_CB(skb);
	uint32_t off = cb->data_offset;
	struct sk_buff *pp = NULL, *p;
	uint32_t mss = 1;
	int flush = 1;
	if (skb->len < off + TCP_HLEN)
		goto out;
	const struct tcphdr *th = (const struct tcphdr *)(skb->data + off);
	uint32_t thlen = (uint32_t)(th->doff_res >> 4) * 4;
	if (thlen < TCP_HLEN || skb->len < off + thlen)
		goto out;
	cb->data_offset = (uint16_t)(off + thlen); /* skb_gro_pull */
	uint32_t len = skb->len - cb->data_offset; /* skb_gro_len */
	uint8_t flags = th->flags;

	for (p = skb_peek(head); p; p = p->next) {
		if (!NAPI_GRO_CB(p)->same_flow)
			continue;
		const struct tcphdr *th2 = (const struct tcphdr *)(p->data + off);
		if (th->source != th2->source || th->dest != th2->dest) {
			NAPI_GRO_CB(p)->same_flow = 0;
			continue;
		}
		goto found;
	}
	p = NULL;
	goto out_check_final;

found:;
	struct tcphdr *th2 = (struct tcphdr *)(p->data + off);
	flush = NAPI_GRO_CB(p)->flush;
	flush |= flags & TCPHDR_CWR_BIT;
	/* tcp_flag_word: data offset, flags but CWR/FIN/PSH, and the window */
	flush |= (th->doff_res ^ th2->doff_res) |
		((flags ^ th2->flags) & ~(TCPHDR_CWR_BIT | TCPHDR_FIN | TCPHDR_PSH)) |
		(th->window ^ th2->window);
	flush |= th->ack_seq != th2->ack_seq;
	/* the options, word by word */
	flush |= memcmp(th + 1, th2 + 1, thlen - TCP_HLEN) != 0;
	/* the IP ID: the second segment decides atomic (fixed ID) or incrementing */
	if (NAPI_GRO_CB(p)->flush_id != 1 || NAPI_GRO_CB(p)->count != 1 ||
	    !NAPI_GRO_CB(p)->is_atomic)
		flush |= NAPI_GRO_CB(p)->flush_id;
	else
		NAPI_GRO_CB(p)->is_atomic = 0;
	mss = p->gso_size;
	/* a single frame longer than the first segment's size is not merged */
	flush |= (len - 1) >= mss;
	/* in sequence: this skb begins where p's data ends */
	uint32_t plen = p->len - NAPI_GRO_CB(p)->data_offset; /* skb_gro_len(p) */
	flush |= (ntohl(th2->seq) + plen) != ntohl(th->seq);
	if (flush || !skb_gro_receive(p, skb, len)) {
		mss = 1;
		goto out_check_final;
	}
	th2->flags |= flags & (TCPHDR_FIN | TCPHDR_PSH);

out_check_final:
	/* a segment shorter than the MSS ends the aggregate, and so do these flags */
	flush = len < mss;
	flush |= (flags & (TCPHDR_URG | TCPHDR_PSH | TCPHDR_RST | TCPHDR_SYN | TCPHDR_FIN)) != 0;
	if (p && (!cb->same_flow || flush))
		pp = p;
out:
	cb->flush |= flush != 0;
	return pp;
}

/* Linux tcp4_gro_receive: the TCP checksum first, unless flushing anyway;
 * a CHECKSUM_NONE skb is summed in software (charged) and then counts as
 * checked (__skb_gro_checksum_complete, skb_gro_incr_csum_unnecessary). */
static struct sk_buff *
tcp4_gro_receive(struct sk_buff_head *head, struct sk_buff *skb)
{
	struct napi_gro_cb *cb = NAPI_GRO_CB(skb);
	if (!cb->flush && skb->ip_summed == CHECKSUM_NONE) {
		const struct iphdr *iph = (const struct iphdr *)skb->data;
		uint32_t tcplen = skb->len - cb->data_offset;
		skb_csum_charge(skb->host, tcplen, "skb_gro_checksum_validate");
		if (csum_tcpudp_magic(ntohl(iph->saddr), ntohl(iph->daddr), tcplen, IPPROTO_TCP,
				      csum_partial(skb->data + cb->data_offset, tcplen, 0)) != 0) {
			cb->flush = 1;
			return NULL;
		}
		skb->ip_summed = CHECKSUM_UNNECESSARY;
	}
	return tcp_gro_receive(head, skb);
}

/* ---- UDP ----------------------------------------------------------------------------- */

#define UDP_GRO_CNT_MAX 64 /* Linux include/net/udp.h */

/*
 * Linux udp_gro_receive_segment (6.6, with the L3 flush check of 6.9's
 * 5babae777c61, "net: gro: add flush check in udp_gro_receive_segment"):
 * datagrams of one flow (addresses matched by inet_gro_receive, ports
 * here) with a sum, no padding, the same length as the first; a shorter
 * one is merged and ends the aggregate, a longer one ends it unmerged; at
 * most UDP_GRO_CNT_MAX.
 */
static struct sk_buff *
udp_gro_receive_segment(struct sk_buff_head *head, struct sk_buff *skb)
{
	struct napi_gro_cb *cb = NAPI_GRO_CB(skb);
	const struct udphdr *uh = (const struct udphdr *)(skb->data + cb->data_offset);
	struct sk_buff *pp = NULL;
	/* requires a non-zero sum, for symmetry with GSO */
	uint32_t ulen = ntohs(uh->len);
	if (!uh->check || ulen <= UDP_HLEN || ulen != skb->len - cb->data_offset) {
		cb->flush = 1; /* padded or malicious */
		return NULL;
	}
	uint32_t off = cb->data_offset;
	cb->data_offset = (uint16_t)(off + UDP_HLEN); /* skb_gro_pull */
	for (struct sk_buff *p = skb_peek(head); p; p = p->next) {
		if (!NAPI_GRO_CB(p)->same_flow)
			continue;
		const struct udphdr *uh2 = (const struct udphdr *)(p->data + off);
		if (uh->source != uh2->source || uh->dest != uh2->dest) {
			NAPI_GRO_CB(p)->same_flow = 0;
			continue;
		}
		int flush = NAPI_GRO_CB(p)->flush;
		if (NAPI_GRO_CB(p)->flush_id != 1 || NAPI_GRO_CB(p)->count != 1 ||
		    !NAPI_GRO_CB(p)->is_atomic)
			flush |= NAPI_GRO_CB(p)->flush_id;
		else
			NAPI_GRO_CB(p)->is_atomic = 0;
		bool merged = false;
		if (ulen > ntohs(uh2->len) || flush)
			pp = p;
		else
			merged = skb_gro_receive(p, skb, ulen - UDP_HLEN);
		if (!merged || ulen != ntohs(uh2->len) || NAPI_GRO_CB(p)->count >= UDP_GRO_CNT_MAX)
			pp = p;
		return pp;
	}
	return NULL; /* no held skb of this flow: nothing to flush */
}

/*
 * Linux udp4_gro_receive and udp_gro_receive: the sum first (a
 * CHECKSUM_NONE skb summed in software, charged; a bad one goes up
 * unmerged), then L4 aggregation only for a datagram whose socket set
 * UDP_GRO, or, with rx-udp-gro-forwarding, one no local socket takes.
 * (Linux looks the socket up only once some socket set UDP_GRO,
 * udp_encap_needed_key; netsim always does, see docs/device-layer.md.)
 */
static struct sk_buff *
udp4_gro_receive(struct sk_buff_head *head, struct sk_buff *skb)
{
	struct napi_gro_cb *cb = NAPI_GRO_CB(skb);
	uint32_t off = cb->data_offset;
	if (skb->len < off + UDP_HLEN) {
		cb->flush = 1;
		return NULL;
	}
	const struct iphdr *iph = (const struct iphdr *)skb->data;
	const struct udphdr *uh = (const struct udphdr *)(skb->data + off);
	uint32_t ulen = skb->len - off;
	/* skb_gro_checksum_validate_zero_check, unless flushing anyway */
	if (!cb->flush && uh->check && skb->ip_summed == CHECKSUM_NONE) {
		skb_csum_charge(skb->host, ulen, "skb_gro_checksum_validate");
		if (csum_tcpudp_magic(ntohl(iph->saddr), ntohl(iph->daddr), ulen, IPPROTO_UDP,
				      csum_partial(uh, ulen, 0)) != 0) {
			cb->flush = 1;
			return NULL;
		}
		skb->ip_summed = CHECKSUM_UNNECESSARY;
	}
	struct sock *sk = !skb->host->udp
		? NULL
		: udp_lookup(skb->host, ntohl(iph->saddr), ntohs(uh->source), ntohl(iph->daddr),
			     ntohs(uh->dest));
	if ((!sk && (skb->dev->features & NETIF_F_GRO_UDP_FWD)) || (sk && sk->udp_gro))
		return udp_gro_receive_segment(head, skb);
	cb->flush = 1; /* no GRO, be sure to flush the current packet */
	return NULL;
}

/*
 * Linux inet_gro_receive (net/ipv4/af_inet.c, 6.6): a plain 20-byte IPv4
 * header (no options), not a fragment, a good header checksum, a total
 * length equal to the frame's (no padding); held skbs of other addresses
 * or protocol are not this flow; TTL, TOS or DF differing flush the held
 * skb; the IP ID must follow the held skb's by its count (or, with DF,
 * may stay fixed: is_atomic).
 */
static struct sk_buff *
inet_gro_receive(struct sk_buff_head *head, struct sk_buff *skb)
{
	struct napi_gro_cb *cb = NAPI_GRO_CB(skb);
	struct sk_buff *pp = NULL;
	int flush = 1;
	if (skb->len < IP_HLEN)
		goto out;
	const struct iphdr *iph = (const struct iphdr *)skb->data;
	if (iph->protocol != IPPROTO_TCP && iph->protocol != IPPROTO_UDP)
		goto out;			/* inet_offloads[proto]: TCP and UDP here */
	if (iph->version != 4 || iph->ihl != 5) /* *(u8 *)iph != 0x45 */
		goto out;
	uint16_t frag_off = ntohs(iph->frag_off);
	if (frag_off & (IP_MF | IP_OFFSET)) /* ip_is_fragment */
		goto out;
	if (ip_fast_csum(iph, 5) != 0)
		goto out;
	uint16_t id = ntohs(iph->id);
	/* (u16)((first word ^ skb_gro_len) | (id & ~IP_DF)): the total
	 * length is the frame's, and no flag but DF */
	flush = (ntohs(iph->tot_len) != skb->len) || (frag_off & ~IP_DF) != 0;

	for (struct sk_buff *p = skb_peek(head); p; p = p->next) {
		if (!NAPI_GRO_CB(p)->same_flow)
			continue;
		const struct iphdr *iph2 = (const struct iphdr *)p->data;
		if (iph->protocol != iph2->protocol || iph->saddr != iph2->saddr ||
		    iph->daddr != iph2->daddr) {
			NAPI_GRO_CB(p)->same_flow = 0;
			continue;
		}
		/* all fields must match except length and checksum */
		NAPI_GRO_CB(p)->flush |= (iph->ttl != iph2->ttl) | (iph->tos != iph2->tos) |
			(((frag_off ^ ntohs(iph2->frag_off)) & IP_DF) != 0);
		NAPI_GRO_CB(p)->flush |= flush;
		uint16_t flush_id = (uint16_t)(id - ntohs(iph2->id));
		if (!NAPI_GRO_CB(p)->is_atomic || !(frag_off & IP_DF)) {
			flush_id ^= NAPI_GRO_CB(p)->count;
			flush_id = flush_id ? 0xffff : 0;
		}
		if (cb->is_atomic)
			NAPI_GRO_CB(p)->flush_id = flush_id;
		else
			NAPI_GRO_CB(p)->flush_id |= flush_id;
	}
	cb->is_atomic = (frag_off & IP_DF) != 0;
	cb->flush |= flush;
	skb_set_network_header(skb, 0);
	cb->data_offset = IP_HLEN; /* skb_gro_pull */
	skb_set_transport_header(skb, IP_HLEN);
	if (iph->protocol == IPPROTO_UDP)
		return udp4_gro_receive(head, skb);
	pp = tcp4_gro_receive(head, skb);
	return pp;
out:
	/* skb_gro_flush_final */
	cb->flush |= flush;
	return pp;
}

/* ---- dev_gro_receive ---------------------------------------------------------------- */

/* Linux gro_list_prepare: a held skb may be this skb's flow only if it
 * came from the same device with the same Ethernet header. */
static void
gro_list_prepare(struct sk_buff_head *head, const struct sk_buff *skb)
{
	for (struct sk_buff *p = skb_peek(head); p; p = p->next) {
		NAPI_GRO_CB(p)->flush = 0;
		bool diffs = p->dev != skb->dev ||
			memcmp(skb_mac_header(p), skb_mac_header(skb), ETH_HLEN) != 0;
		NAPI_GRO_CB(p)->same_flow = !diffs;
	}
}

/* Linux gro_flush_oldest: the bucket is full: complete its oldest skb. */
static void
gro_flush_oldest(struct napi_struct *n, struct gro_list *gl)
{
	struct sk_buff *oldest = skb_peek(&gl->list);
	skb_unlink(oldest, &gl->list);
	napi_gro_complete(n, oldest);
}

static enum gro_result
dev_gro_receive(struct napi_struct *n, struct sk_buff *skb)
{
	/* skb_get_hash_raw: netsim's NIC gives no RX hash (as e1000), so every
	 * flow is in bucket 0, as in Linux with such a NIC */
	unsigned bucket = 0;
	struct gro_list *gl = &n->gro_hash[bucket];
	enum gro_result ret;
	if (skb->protocol != ETH_P_IP) /* offload_base: IPv4 only here */
		goto normal;
	gro_list_prepare(&gl->list, skb);
	memset(NAPI_GRO_CB(skb), 0, sizeof(struct napi_gro_cb));
	NAPI_GRO_CB(skb)->count = 1;
	NAPI_GRO_CB(skb)->is_atomic = 1;
	/* Setup for GRO checksum validation: CHECKSUM_UNNECESSARY counts */
	struct sk_buff *pp = inet_gro_receive(&gl->list, skb);
	bool same_flow = NAPI_GRO_CB(skb)->same_flow;
	ret = NAPI_GRO_CB(skb)->free ? GRO_MERGED_FREE : GRO_MERGED;
	if (pp) {
		skb_unlink(pp, &gl->list);
		napi_gro_complete(n, pp);
		gl->count--;
	}
	if (same_flow)
		goto ok;
	if (NAPI_GRO_CB(skb)->flush)
		goto normal;
	if (gl->count >= MAX_GRO_SKBS)
		gro_flush_oldest(n, gl);
	else
		gl->count++;
	NAPI_GRO_CB(skb)->age = gro_jiffies(n);
	skb->gso_size = (uint16_t)(skb->len - NAPI_GRO_CB(skb)->data_offset);
	/* netsim's linear skb: room for GRO_LEGACY_MAX_SIZE once, now (gro.c's
	 * head comment) */
	uint32_t truesize = sock_skb_truesize(skb);
	if (skb_tailroom(skb) < GRO_LEGACY_MAX_SIZE - skb->len)
		pskb_expand_head(skb, 0, GRO_LEGACY_MAX_SIZE - skb->len - skb_tailroom(skb));
	skb->gro_truesize = truesize; /* the room is netsim's, not a charge */
	skb_queue_tail(&gl->list, skb);
	ret = GRO_HELD;
ok:
	gro_update_bitmask(n, bucket);
	return ret;
normal:
	ret = GRO_NORMAL;
	gro_update_bitmask(n, bucket);
	return ret;
}

enum gro_result
napi_gro_receive(struct napi_struct *n, struct sk_buff *skb)
{
	struct net_device *dev = skb->dev;
	if (!dev || !(dev->features & NETIF_F_GRO)) {
		/* netif_elide_gro: netsim keeps the per-packet path (gro.h) */
		netif_receive_skb(skb);
		return GRO_NORMAL;
	}
	host_charge(skb->host, COST_GRO_RECEIVE);
	skb_handoff(skb, LAYER_DEV, "napi_gro_receive");
	enum gro_result ret = dev_gro_receive(n, skb);
	/* Linux napi_skb_finish */
	switch (ret) {
	case GRO_NORMAL: gro_normal_one(n, skb, 1); break;
	case GRO_MERGED_FREE:
		n->gro_merged++;
		skb_consume(skb); /* napi_skb_free_stolen_head */
		break;
	case GRO_MERGED:
	case GRO_HELD:
	case GRO_CONSUMED: break;
	}
	return ret;
}
