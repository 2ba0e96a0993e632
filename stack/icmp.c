/*
 * stack/icmp.c - ICMP: echo, errors out (icmp_send) and errors in.
 *
 * Linux counterpart: net/ipv4/icmp.c (icmp_rcv, icmp_echo, icmp_unreach,
 * icmp_socket_deliver, __icmp_send).  RFC 792, RFC 1122 §3.2.2,
 * RFC 1812 §4.3.2.7.
 *
 * Position in the call chain:
 *   ip_local_deliver -> icmp_rcv -> icmp_echo -> ip_build_and_send_pkt
 *                               \-> icmp_unreach -> net_protocol err_handler
 *   ip_rcv / ip_forward / udp_rcv / neigh failure -> icmp_send ->
 *       ip_build_and_send_pkt
 */
#include "stack/icmp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include "stack/ip_int.h"
#include "trace/trace.h"

/* RFC 1812 §4.3.2.3: an error carries as much of the datagram as fits in 576 bytes */
#define ICMP_ERR_MAX_IP 576

static const bool icmp_err_types[NR_ICMP_TYPES + 1] = {
	[ICMP_DEST_UNREACH] = true,  [4] = true /* source quench */, [5] = true /* redirect */,
	[ICMP_TIME_EXCEEDED] = true, [ICMP_PARAMETERPROB] = true,
};

bool
icmp_is_err(uint8_t type)
{
	return type <= NR_ICMP_TYPES && icmp_err_types[type];
}

void
icmp_init(struct host *host)
{
	ip_state(host)->icmp = (struct icmp_state){ 0 };
}

const struct icmp_mib *
icmp_mib(struct host *host)
{
	return &ip_state(host)->icmp.mib;
}

void
icmp_set_test_hook(struct host *host, icmp_hook_fn fn, void *arg)
{
	struct icmp_state *is = &ip_state(host)->icmp;
	is->hook = fn;
	is->hook_arg = arg;
}

/* Checksum @len bytes of ICMP message at @icmph into its checksum field. */
static void
icmp_csum(struct icmphdr *icmph, uint32_t len)
{
	icmph->checksum = 0;
	icmph->checksum = csum_fold(csum_partial(icmph, len, 0));
}

/* Hand a built ICMP message (data at the ICMP header) to IP. */
static int
icmp_push_reply(struct host *host, struct sk_buff *skb, uint32_t saddr, uint32_t daddr, uint8_t tos)
{
	struct icmp_state *is = &ip_state(host)->icmp;
	const struct icmphdr *icmph = (const struct icmphdr *)skb->data;
	uint8_t type = icmph->type;
	skb_reset_transport_header(skb);
	struct ip_xmit_args a = {
		.saddr = saddr,
		.daddr = daddr,
		.protocol = NS_IPPROTO_ICMP,
		.tos = tos,
	};
	int err = ip_build_and_send_pkt(skb, &a);
	if (err == -ENETUNREACH || err == -EINVAL) {
		is->mib.out_errors++;
		return err;
	}
	is->mib.out_msgs++;
	if (type <= NR_ICMP_TYPES)
		is->mib.out_type[type]++;
	return err;
}

void
icmp_send(struct sk_buff *skb_in, uint8_t type, uint8_t code, uint32_t info)
{
	struct host *host = skb_in->host;
	struct ip_state *ips = ip_state(host);
	struct icmp_state *is = &ips->icmp;
	const struct iphdr *iph = ip_hdr(skb_in);
	const uint8_t *start = (const uint8_t *)iph;
	if (start < skb_in->head || start + IP_HLEN > skb_in->tail) {
		is->mib.errors_suppressed++;
		return;
	}
	uint32_t saddr = ntohl(iph->saddr), daddr = ntohl(iph->daddr);
	uint32_t hl = ip_hdrlen(iph);

	/* Linux __icmp_send and RFC 1122 §3.2.2: when no error may be sent */
	bool no = (IPCB(skb_in)->flags & IPSKB_BROADCAST) || ipv4_is_multicast(daddr) ||
		ipv4_is_lbcast(daddr) || ipv4_is_zeronet(saddr) || ipv4_is_multicast(saddr) ||
		ipv4_is_lbcast(saddr) || (ntohs(iph->frag_off) & IP_OFFSET);
	if (!no && iph->protocol == NS_IPPROTO_ICMP) {
		/* never an error about an ICMP error (or an unknown type) */
		const uint8_t *inner = start + hl;
		if (inner + 1 > skb_in->tail || inner[0] > NR_ICMP_TYPES || icmp_is_err(inner[0]))
			no = true;
	}
	if (no) {
		is->mib.errors_suppressed++;
		return;
	}
	host_charge(host, COST_ICMP);

	uint32_t avail = (uint32_t)(skb_in->tail - start);
	uint32_t tot = ntohs(iph->tot_len);
	uint32_t data_len = MIN(avail, tot);
	data_len = MIN(data_len, (uint32_t)(ICMP_ERR_MAX_IP - IP_HLEN - ICMP_HLEN));

	struct sk_buff *skb = skb_alloc(host, INET_HEADROOM + ICMP_HLEN + data_len, LAYER_ICMP);
	skb_reserve(skb, INET_HEADROOM);
	struct icmphdr *icmph = (struct icmphdr *)skb_put(skb, ICMP_HLEN);
	*icmph = (struct icmphdr){ .type = type, .code = code };
	if (type == ICMP_DEST_UNREACH && code == ICMP_FRAG_NEEDED)
		icmph->un.frag.mtu = htons((uint16_t)info);
	skb_put_data(skb, start, data_len);
	skb_trace_copy(skb_in, LAYER_ICMP, COPY_SKB_COPY, data_len, skb);
	icmp_csum(icmph, ICMP_HLEN + data_len);

	/* Linux: the source is the address the datagram was sent to when it was
	 * for us; otherwise the route back chooses (icmp_errors_use_inbound_ifaddr 0) */
	uint32_t src = (IPCB(skb_in)->flags & IPSKB_LOCAL) ? daddr : 0;
	if (src && !ip_dev_find(host, src))
		src = 0;
	/* IPTOS_PREC_INTERNETCONTROL, as Linux */
	icmp_push_reply(host, skb, src, saddr, (uint8_t)((iph->tos & 0x1e) | 0xc0));
}

/* Linux icmp_echo: the reply carries the request's identifier, sequence and data. */
static void
icmp_echo(struct sk_buff *skb)
{
	struct host *host = skb->host;
	struct ip_state *ips = ip_state(host);
	if (ips->cfg.icmp_echo_ignore_all || (IPCB(skb)->flags & IPSKB_BROADCAST))
		return; /* icmp_echo_ignore_broadcasts is on by default in Linux */
	host_charge(host, COST_ICMP);
	const struct iphdr *iph = ip_hdr(skb);
	struct sk_buff *r = skb_alloc(host, INET_HEADROOM + skb->len, LAYER_ICMP);
	skb_reserve(r, INET_HEADROOM);
	struct icmphdr *icmph = (struct icmphdr *)skb_put_data(r, skb->data, skb->len);
	skb_trace_copy(skb, LAYER_ICMP, COPY_SKB_COPY, skb->len, r);
	icmph->type = ICMP_ECHOREPLY;
	icmph->code = 0;
	icmp_csum(icmph, r->len);
	icmp_push_reply(host, r, ntohl(iph->daddr), ntohl(iph->saddr), iph->tos);
}

/* Linux icmp_unreach / icmp_socket_deliver: tell the protocol it concerns. */
static void
icmp_unreach(struct sk_buff *skb)
{
	struct ip_state *ips = ip_state(skb->host);
	const struct icmphdr *icmph = icmp_hdr(skb);
	if (!skb_may_pull(skb, ICMP_HLEN + IP_HLEN))
		return;
	const struct iphdr *inner = (const struct iphdr *)(skb->data + ICMP_HLEN);
	uint32_t hl = ip_hdrlen(inner);
	if (inner->version != 4 || hl < IP_HLEN || !skb_may_pull(skb, ICMP_HLEN + hl + 8))
		return;
	const struct net_protocol *prot = ips->protos[inner->protocol];
	if (!prot || !prot->err_handler)
		return;
	uint32_t info = 0;
	if (icmph->type == ICMP_DEST_UNREACH && icmph->code == ICMP_FRAG_NEEDED)
		info = ntohs(icmph->un.frag.mtu);
	skb_pull(skb, ICMP_HLEN);
	prot->err_handler(skb, info);
}

/* The IP protocol handler.  Context: bottom halves off (as udp_rcv);
 * asserted in the checked build.  Consumes @skb. */
int
icmp_rcv(struct sk_buff *skb)
{
	struct host *host = skb->host;
	CPU_ASSERT_BH(host->cpu);
	struct icmp_state *is = &ip_state(host)->icmp;
	host_charge(host, COST_ICMP);
	if (!skb_may_pull(skb, ICMP_HLEN)) {
		is->mib.in_errors++;
		skb_drop(skb, SKB_DROP_ICMP_INVALID);
		return NET_RX_DROP;
	}
	if (csum_fold(csum_partial(skb->data, skb->len, 0)) != 0) {
		is->mib.in_csum_errors++;
		is->mib.in_errors++;
		skb_drop(skb, SKB_DROP_ICMP_CSUM);
		return NET_RX_DROP;
	}
	is->mib.in_msgs++;
	const struct icmphdr *icmph = icmp_hdr(skb);
	if (icmph->type <= NR_ICMP_TYPES)
		is->mib.in_type[icmph->type]++;
	if (is->hook)
		is->hook(is->hook_arg, skb);
	switch (icmph->type) {
	case ICMP_ECHO: icmp_echo(skb); break;
	case ICMP_DEST_UNREACH:
	case ICMP_TIME_EXCEEDED:
	case ICMP_PARAMETERPROB: icmp_unreach(skb); break;
	default: break; /* echo replies and the rest: raw sockets had their copies */
	}
	skb_consume(skb);
	return NET_RX_SUCCESS;
}

int
icmp_send_echo(struct host *host, uint32_t daddr, uint16_t id, uint16_t seq, uint8_t ttl,
	       uint32_t len)
{
	struct sk_buff *skb = skb_alloc(host, INET_HEADROOM + ICMP_HLEN + len, LAYER_ICMP);
	skb_reserve(skb, INET_HEADROOM);
	struct icmphdr *icmph = (struct icmphdr *)skb_put(skb, ICMP_HLEN);
	*icmph = (struct icmphdr){ .type = ICMP_ECHO };
	icmph->un.echo.id = htons(id);
	icmph->un.echo.sequence = htons(seq);
	uint8_t *p = skb_put(skb, len);
	for (uint32_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i + 8); /* iputils ping's pattern */
	icmp_csum(icmph, ICMP_HLEN + len);
	skb_reset_transport_header(skb);
	host_charge(host, COST_ICMP);
	struct icmp_state *is = &ip_state(host)->icmp;
	struct ip_xmit_args a = { .daddr = daddr, .protocol = NS_IPPROTO_ICMP, .ttl = ttl };
	int err = ip_build_and_send_pkt(skb, &a);
	if (err != -ENETUNREACH && err != -EINVAL) {
		is->mib.out_msgs++;
		is->mib.out_type[ICMP_ECHO]++;
	} else {
		is->mib.out_errors++;
	}
	return err;
}
