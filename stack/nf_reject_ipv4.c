/*
 * stack/nf_reject_ipv4.c - what the REJECT target sends (see nf_reject.h).
 *
 * Linux counterpart: net/ipv4/netfilter/nf_reject_ipv4.c (nf_send_unreach,
 * nf_send_reset, nf_reject_ip_tcphdr_get, nf_reject_iphdr_put,
 * nf_reject_ip_tcphdr_put), called by ipt_REJECT.c reject_tg, which then
 * returns NF_DROP.
 */
#include "stack/nf_reject.h"

#include <stddef.h>

#include <arpa/inet.h>
#include <string.h>
#include "stack/host.h"
#include "stack/icmp.h"
#include "stack/inet.h"
#include "stack/ipv4.h"
#include "stack/tcp.h"

void
nf_send_unreach(struct sk_buff *skb, uint8_t code)
{
	/* never about a non-first fragment; icmp_send checks the rest */
	if (ntohs(ip_hdr(skb)->frag_off) & IP_OFFSET)
		return;
	icmp_send(skb, ICMP_DEST_UNREACH, code, 0);
}

/* Linux nf_reject_ip_tcphdr_get: the TCP header to answer, or NULL. */
static const struct tcphdr *
tcphdr_get(const struct sk_buff *skb, uint32_t *payload)
{
	const struct iphdr *iph = ip_hdr(skb);
	if (iph->protocol != NS_IPPROTO_TCP || (ntohs(iph->frag_off) & IP_OFFSET))
		return NULL;
	uint32_t hl = ip_hdrlen(iph), tot = ntohs(iph->tot_len);
	const uint8_t *l4 = (const uint8_t *)iph + hl;
	if (tot < hl + TCP_HLEN || l4 + TCP_HLEN > skb->tail)
		return NULL;
	const struct tcphdr *th = (const struct tcphdr *)l4;
	uint32_t doff = (uint32_t)(th->doff_res >> 4) * 4;
	if (doff < TCP_HLEN || hl + doff > tot)
		return NULL;
	if (th->flags & TCPHDR_RST) /* no RST for an RST */
		return NULL;
	*payload = tot - hl - doff;
	return th;
}

void
nf_send_reset(struct sk_buff *old)
{
	struct host *host = old->host;
	uint32_t payload;
	const struct tcphdr *oth = tcphdr_get(old, &payload);
	if (!oth)
		return;
	const struct iphdr *oiph = ip_hdr(old);
	struct sk_buff *skb = skb_alloc(host, INET_HEADROOM + IP_HLEN + TCP_HLEN, LAYER_NETFILTER);
	skb_reserve(skb, INET_HEADROOM);
	/* nf_reject_iphdr_put: the addresses swapped, DF, the route's TTL */
	struct iphdr *iph = (struct iphdr *)skb_put(skb, IP_HLEN);
	ip_build_header(iph, ntohl(oiph->daddr), ntohl(oiph->saddr), NS_IPPROTO_TCP,
			(uint8_t)ip_host_config(host)->default_ttl, 0, IP_HLEN + TCP_HLEN, 0, true);
	/* nf_reject_ip_tcphdr_put */
	struct tcphdr *th = (struct tcphdr *)skb_put(skb, TCP_HLEN);
	memset(th, 0, TCP_HLEN);
	th->source = oth->dest;
	th->dest = oth->source;
	th->doff_res = (TCP_HLEN / 4) << 4;
	if (oth->flags & TCPHDR_ACK) {
		th->seq = oth->ack_seq;
		th->flags = TCPHDR_RST;
	} else {
		uint32_t n = ntohl(oth->seq) + payload + !!(oth->flags & TCPHDR_SYN) +
			!!(oth->flags & TCPHDR_FIN);
		th->ack_seq = htonl(n);
		th->flags = TCPHDR_RST | TCPHDR_ACK;
	}
	th->check = csum_tcpudp_magic(ntohl(iph->saddr), ntohl(iph->daddr), TCP_HLEN,
				      NS_IPPROTO_TCP, csum_partial(th, TCP_HLEN, 0));
	/* and marks it CHECKSUM_PARTIAL, as TCP's own segments (stack/gso.h) */
	skb->ip_summed = CHECKSUM_PARTIAL;
	skb->csum_start = (uint16_t)(skb_data_offset(skb) + IP_HLEN);
	skb->csum_offset = (uint16_t)offsetof(struct tcphdr, check);
	skb_reset_network_header(skb);
	skb_set_transport_header(skb, IP_HLEN);
	skb_trace_copy(old, LAYER_NETFILTER, COPY_SKB_COPY, IP_HLEN + TCP_HLEN, skb);
	/* Linux: ip_route_me_harder, then ip_local_out (LOCAL_OUT again) */
	ip_local_out(skb);
}
