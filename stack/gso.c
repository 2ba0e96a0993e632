/*
 * stack/gso.c - GSO in software, the segments a TSO NIC makes, and the
 * checksum charged where no offload takes it (see gso.h for the picture).
 *
 * Linux counterpart (6.6): net/core/gso.c skb_gso_segment, net/core/dev.c
 * validate_xmit_skb and skb_csum_hwoffload_help, net/ipv4/af_inet.c
 * inet_gso_segment, net/ipv4/tcp_offload.c tcp_gso_segment,
 * net/core/skbuff.c skb_segment.
 */
#include "stack/gso.h"

#include <netinet/in.h>
#include <string.h>
#include "sim/check.h"
#include "stack/eth.h"
#include "stack/host.h"
#include "stack/inet.h"
#include "stack/ipv4.h"
#include "stack/tcp.h"
#include "stack/udp.h"

#define TCPHDR_CWR_BIT 0x80 /* RFC 3168 CWR (Linux TCPHDR_CWR) */

void
skb_csum_charge(struct host *host, uint32_t bytes, const char *what)
{
	sim_time_t per_kb = cpu_cost(host->cpu, COST_CSUM_PER_KB);
	host_charge_ns(host, what, (sim_time_t)(((uint64_t)bytes * (uint64_t)per_kb + 512) / 1024));
}

void
skb_partial_csum_set(struct sk_buff *skb, uint16_t csum_offset)
{
	skb->ip_summed = CHECKSUM_PARTIAL;
	skb->csum_start = (uint16_t)skb_data_offset(skb);
	skb->csum_offset = csum_offset;
}

void
skb_checksum_help(struct sk_buff *skb)
{
	g_assert(skb->ip_summed == CHECKSUM_PARTIAL);
	/* the sum over csum_start..end in software (netsim's bytes already
	 * hold it: only the time is spent here), then CHECKSUM_NONE */
	int from = skb_transport_offset(skb);
	g_assert(from >= 0 && (uint32_t)from <= skb->len);
	skb_csum_charge(skb->host, skb->len - (uint32_t)from, "skb_checksum_help");
	skb->ip_summed = CHECKSUM_NONE;
}

void
tcp_gso_mark(struct sk_buff *skb, uint32_t mss)
{
	/* Linux __tcp_v4_send_check: CHECKSUM_PARTIAL, sum at th->check */
	skb->ip_summed = CHECKSUM_PARTIAL;
	skb->csum_start = (uint16_t)skb_data_offset(skb);
	skb->csum_offset = (uint16_t)offsetof(struct tcphdr, check);
	uint32_t hlen = (uint32_t)(((const struct tcphdr *)skb->data)->doff_res >> 4) * 4;
	uint32_t payload = skb->len - hlen;
	if (mss == 0 || payload <= mss) {
		skb->gso_size = skb->gso_segs = 0;
		skb->gso_type = 0;
		return;
	}
	/* Linux tcp_set_skb_tso_segs: gso_segs = DIV_ROUND_UP(len, mss_now) */
	skb->gso_size = (uint16_t)mss;
	skb->gso_segs = (uint16_t)((payload + mss - 1) / mss);
	skb->gso_type = SKB_GSO_TCPV4;
}

/* Header bytes of a GSO skb in front of the payload: link, IP and
 * transport headers. */
static uint32_t
gso_hdr_len(const struct sk_buff *skb)
{
	if (skb->gso_type & SKB_GSO_UDP_L4)
		return (uint32_t)skb_transport_offset(skb) + UDP_HLEN;
	const struct tcphdr *th = (const struct tcphdr *)skb_transport_header(skb);
	return (uint32_t)skb_transport_offset(skb) + (uint32_t)(th->doff_res >> 4) * 4;
}

uint32_t
gso_segment_len(const struct sk_buff *skb, uint32_t i)
{
	uint32_t hdr = gso_hdr_len(skb), payload = skb->len - hdr;
	uint32_t off = i * skb->gso_size;
	g_assert(off < payload);
	return hdr + MIN((uint32_t)skb->gso_size, payload - off);
}

uint32_t
tcp_gso_segment_len(const struct sk_buff *skb, uint32_t i)
{
	return gso_segment_len(skb, i);
}

/* Segment @i's headers and payload copied into @out, and the IP header
 * fixed as inet_gso_segment does: total length, the ID plus @i (not
 * SKB_GSO_TCP_FIXEDID), a fresh header checksum.  Returns the payload
 * length. */
static uint32_t
gso_copy_segment(const struct sk_buff *skb, uint32_t i, uint8_t *out)
{
	g_assert(skb_is_gso(skb) && i < skb->gso_segs);
	uint32_t hdr = gso_hdr_len(skb), payload = skb->len - hdr;
	uint32_t off = i * skb->gso_size, seg = MIN((uint32_t)skb->gso_size, payload - off);
	uint32_t nh = (uint32_t)skb_network_offset(skb);
	memcpy(out, skb->data, hdr);
	memcpy(out + hdr, skb->data + hdr + off, seg);
	struct iphdr *iph = (struct iphdr *)(out + nh);
	iph->tot_len = htons((uint16_t)(hdr - nh + seg));
	iph->id = htons((uint16_t)(ntohs(iph->id) + i));
	iph->check = 0;
	iph->check = ip_fast_csum(iph, iph->ihl);
	return seg;
}

uint32_t
tcp_gso_write_segment(const struct sk_buff *skb, uint32_t i, uint8_t *out)
{
	g_assert(skb->gso_type & SKB_GSO_TCPV4);
	uint32_t seg = gso_copy_segment(skb, i, out);
	uint32_t hdr = gso_hdr_len(skb), off = i * skb->gso_size;
	uint32_t thoff = (uint32_t)skb_transport_offset(skb);
	const struct iphdr *iph = (const struct iphdr *)(out + skb_network_offset(skb));
	bool last = i + 1 == skb->gso_segs;

	/* tcp_gso_segment: seq advances by mss; CWR on the first segment only,
	 * FIN and PSH on the last only (Linux clears them on the others) */
	struct tcphdr *th = (struct tcphdr *)(out + thoff);
	th->seq = htonl(ntohl(th->seq) + off);
	if (i > 0)
		th->flags &= (uint8_t)~TCPHDR_CWR_BIT;
	if (!last)
		th->flags &= (uint8_t) ~(TCPHDR_FIN | TCPHDR_PSH);
	uint32_t tcplen = hdr - thoff + seg;
	th->check = 0;
	th->check = csum_tcpudp_magic(ntohl(iph->saddr), ntohl(iph->daddr), tcplen, IPPROTO_TCP,
				      csum_partial(th, tcplen, 0));
	return hdr + seg;
}

uint32_t
udp_gso_write_segment(const struct sk_buff *skb, uint32_t i, uint8_t *out)
{
	g_assert(skb->gso_type & SKB_GSO_UDP_L4);
	uint32_t seg = gso_copy_segment(skb, i, out);
	uint32_t thoff = (uint32_t)skb_transport_offset(skb);
	const struct iphdr *iph = (const struct iphdr *)(out + skb_network_offset(skb));
	/* __udp_gso_segment: each segment a datagram of its own: its length
	 * and its checksum (the last one may be shorter) */
	struct udphdr *uh = (struct udphdr *)(out + thoff);
	uint32_t ulen = UDP_HLEN + seg;
	uh->len = htons((uint16_t)ulen);
	uh->check = 0;
	sum16_t c = csum_tcpudp_magic(ntohl(iph->saddr), ntohl(iph->daddr), ulen, IPPROTO_UDP,
				      csum_partial(uh, ulen, 0));
	uh->check = c ? c : 0xffff; /* CSUM_MANGLED_0 */
	return thoff + ulen;
}

uint32_t
gso_write_segment(const struct sk_buff *skb, uint32_t i, uint8_t *out)
{
	if (skb->gso_type & SKB_GSO_UDP_L4)
		return udp_gso_write_segment(skb, i, out);
	return tcp_gso_write_segment(skb, i, out);
}

bool
skb_gso_ok(const struct sk_buff *skb, netdev_features_t features)
{
	if (skb->gso_type & SKB_GSO_UDP_L4)
		return features & NETIF_F_GSO_UDP_L4;
	return features & NETIF_F_TSO;
}

/*
 * the socket's write charge goes with the segments (Linux 6.6
 * net/ipv4/tcp_offload.c tcp_gso_segment, copy_destructor: each segment
 * gets tcp_wfree and its own truesize, the difference is added to
 * sk_wmem_alloc), so TSQ sees each segment leave at its TX completion.
 * netsim shares the GSO skb's charge out by length, the last segment
 * taking the rest: the socket's total stays what tcp_transmit_skb charged.
 */
static void
gso_move_charge(struct sk_buff *skb, struct sk_buff *segs)
{
	if (!skb->destructor || !segs)
		return;
	uint64_t bytes = 0;
	for (struct sk_buff *seg = segs; seg; seg = seg->next)
		bytes += seg->len;
	uint32_t total = skb->wmem_charge, left = total;
	for (struct sk_buff *seg = segs; seg; seg = seg->next) {
		uint32_t share = seg->next ? (uint32_t)((uint64_t)total * seg->len / bytes) : left;
		share = MIN(share, left);
		seg->sk = skb->sk;
		seg->destructor = share ? skb->destructor : NULL; /* nothing to give back */
		seg->wmem_charge = share;
		left -= share;
	}
	skb->destructor = NULL;
	skb->wmem_charge = 0;
}

struct sk_buff *
skb_gso_segment(struct sk_buff *skb, netdev_features_t features)
{
	struct host *host = skb->host;
	g_assert(skb_is_gso(skb) && (skb->gso_type & (SKB_GSO_TCPV4 | SKB_GSO_UDP_L4)));
	uint32_t mac = (uint32_t)skb_network_offset(skb);
	uint32_t nh = mac, th = (uint32_t)skb_transport_offset(skb);
	struct sk_buff *first = NULL, **tail = &first;
	for (uint32_t i = 0; i < skb->gso_segs; i++) {
		uint32_t len = gso_segment_len(skb, i);
		struct sk_buff *seg = skb_alloc(host, NET_SKB_PAD + len, LAYER_DEV);
		skb_reserve(seg, NET_SKB_PAD);
		gso_write_segment(skb, i, skb_put(seg, len));
		/* skb_segment copies the headers and shares the frags; netsim's
		 * linear skb has its payload copied: traced, not charged */
		skb_trace_copy(skb, LAYER_DEV, COPY_SKB_COPY, len, seg);
		seg->dev = skb->dev;
		seg->sk = skb->sk;
		seg->protocol = skb->protocol;
		seg->pkt_type = skb->pkt_type;
		skb_reset_mac_header(seg);
		skb_set_network_header(seg, (int)nh);
		skb_set_transport_header(seg, (int)th);
		seg->ip_summed = (features & NETIF_F_HW_CSUM) ? CHECKSUM_PARTIAL : CHECKSUM_NONE;
		seg->csum_start = (uint16_t)(skb_data_offset(seg) + th);
		seg->csum_offset = skb->csum_offset;
		host_charge(host, COST_GSO_SEGMENT);
		if (!(features & NETIF_F_HW_CSUM))
			skb_csum_charge(host, len - th, "gso_make_checksum");
		skb_handoff(seg, LAYER_DEV, "skb_gso_segment");
		*tail = seg;
		tail = &seg->next;
	}
	gso_move_charge(skb, first);
	return first;
}

/*
 * The IPv4 header of @frame when the receive checksum engine checks it: an
 * unfragmented TCP segment or UDP datagram with a sum; NULL otherwise.
 * Its TCP or UDP part starts at @frame + *@l4off and is *@l4len long.
 */
static const struct iphdr *
eth_rx_csum_l4(const uint8_t *frame, uint32_t len, uint32_t *l4off, uint32_t *l4len)
{
	if (len < ETH_HLEN + IP_HLEN || frame[12] != 0x08 || frame[13] != 0x00)
		return NULL;
	const struct iphdr *iph = (const struct iphdr *)(frame + ETH_HLEN);
	uint32_t ihl = (uint32_t)iph->ihl * 4, tot = ntohs(iph->tot_len);
	if (iph->version != 4 || ihl < IP_HLEN || ETH_HLEN + tot > len ||
	    (ntohs(iph->frag_off) & (IP_MF | IP_OFFSET)))
		return NULL;
	const uint8_t *l4 = (const uint8_t *)iph + ihl;
	if (iph->protocol == IPPROTO_TCP) {
		if (tot < ihl + TCP_HLEN)
			return NULL;
	} else if (iph->protocol == IPPROTO_UDP) {
		/* a UDP sum of 0 is "none" (RFC 768): nothing for the engine to
		 * check; udp4_csum_init's zero check accepts it without summing */
		if (tot < ihl + UDP_HLEN || ((const struct udphdr *)l4)->check == 0 ||
		    ntohs(((const struct udphdr *)l4)->len) != tot - ihl)
			return NULL;
	} else {
		return NULL;
	}
	*l4off = ETH_HLEN + ihl;
	*l4len = tot - ihl;
	return iph;
}

bool
eth_rx_csum_ok(const uint8_t *frame, uint32_t len)
{
	uint32_t off, n;
	const struct iphdr *iph = eth_rx_csum_l4(frame, len, &off, &n);
	return iph &&
		csum_tcpudp_magic(ntohl(iph->saddr), ntohl(iph->daddr), n, iph->protocol,
				  csum_partial(frame + off, n, 0)) == 0;
}

/* The headers before the TCP or UDP part and any padding after it are
 * copied as they are (the usual headers, Ethernet and IPv4 without
 * options, by a copy of constant size); that part is copied and summed in
 * one pass. */
bool
eth_rx_copy_csum_ok(uint8_t *to, const uint8_t *frame, uint32_t len)
{
	uint32_t off, n;
	const struct iphdr *iph = eth_rx_csum_l4(frame, len, &off, &n);
	if (!iph) {
		memcpy(to, frame, len);
		return false;
	}
	if (off == ETH_HLEN + IP_HLEN)
		memcpy(to, frame, ETH_HLEN + IP_HLEN);
	else
		memcpy(to, frame, off);
	wsum_t sum = csum_partial_copy_nocheck(frame + off, to + off, n);
	if (off + n < len)
		memcpy(to + off + n, frame + off + n, len - off - n);
	return csum_tcpudp_magic(ntohl(iph->saddr), ntohl(iph->daddr), n, iph->protocol, sum) == 0;
}

struct sk_buff *
validate_xmit_skb(struct sk_buff *skb, struct net_device *dev)
{
	if (skb_is_gso(skb) && !skb_gso_ok(skb, dev->features)) {
		struct sk_buff *segs = skb_gso_segment(skb, dev->features);
		skb_consume(skb); /* Linux validate_xmit_skb: consume_skb(skb) */
		return segs;
	}
	if (skb->ip_summed == CHECKSUM_PARTIAL && !(dev->features & NETIF_F_HW_CSUM))
		skb_checksum_help(skb); /* skb_csum_hwoffload_help */
	return skb;
}
