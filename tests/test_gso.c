/*
 * tests/test_gso.c - GSO segmentation (stack/gso.c): a 64 KB TCP skb cut
 * at MSS 1448 by skb_gso_segment, checked header by header as Linux's
 * tcp_gso_segment and inet_gso_segment make them, and the TSO NIC's
 * frames (tcp_gso_write_segment) equal to the software segments; a UDP
 * GSO (UDP_SEGMENT) skb cut into datagrams as __udp_gso_segment makes
 * them; checksum offload (who sums a CHECKSUM_PARTIAL skb, what the NIC's
 * receive engine accepts).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <glib.h>
#include <netinet/in.h>
#include <string.h>
#include "sim/cpu.h"
#include "sim/sim.h"
#include "stack/eth.h"
#include "stack/gso.h"
#include "stack/host.h"
#include "stack/inet.h"
#include "stack/ipv4.h"
#include "stack/netdevice.h"
#include "stack/skbuff.h"
#include "stack/tcp.h"
#include "stack/udp.h"

#define MSS 1448u
/* What tcp_xmit_size_goal builds at MSS 1448: 45 segments (65,160 bytes
 * of the 65,215 that gso_max_size - 1 - MAX_TCP_HEADER allows) */
#define PAYLOAD (45u * MSS)
#define SHORT_PAYLOAD 64000u /* 44 segments of 1448 and one of 288 */
#define NSEGS 46u
#define SEQ0 0xfffff000u /* wraps inside the skb */
#define ID0 0xfff0u	 /* and so does the IP ID */
#define SADDR 0x0a000001u
#define DADDR 0x0a000002u
#define HDRS (ETH_HLEN + IP_HLEN + TCP_HLEN)

struct fx {
	struct sim *sim;
	struct host *h;
	struct sk_buff *skb;
};

/* The byte at payload offset @i: a pattern that differs between segments. */
static uint8_t
pattern(uint32_t i)
{
	return (uint8_t)(i * 7u + i / 1448u);
}

/* A GSO skb as dev_queue_xmit sees it: Ethernet, IPv4, TCP, 64 KB of data. */
static struct sk_buff *
gso_skb_len(struct host *h, uint8_t flags, uint32_t payload)
{
	struct sk_buff *skb = skb_alloc(h, 128 + HDRS + payload, LAYER_TCP);
	skb_reserve(skb, 128 + HDRS);
	uint8_t *p = skb_put(skb, payload);
	for (uint32_t i = 0; i < payload; i++)
		p[i] = pattern(i);
	struct tcphdr *th = (struct tcphdr *)skb_push(skb, TCP_HLEN);
	skb_reset_transport_header(skb);
	memset(th, 0, TCP_HLEN);
	th->source = htons(40000);
	th->dest = htons(5001);
	th->seq = htonl(SEQ0);
	th->ack_seq = htonl(12345);
	th->doff_res = (TCP_HLEN / 4) << 4;
	th->flags = flags;
	th->window = htons(1000);
	th->check = csum_tcpudp_magic(SADDR, DADDR, TCP_HLEN + payload, IPPROTO_TCP,
				      csum_partial(th, TCP_HLEN + payload, 0));
	tcp_gso_mark(skb, MSS);
	struct iphdr *iph = (struct iphdr *)skb_push(skb, IP_HLEN);
	skb_reset_network_header(skb);
	ip_build_header(iph, SADDR, DADDR, IPPROTO_TCP, 64, 0,
			(uint16_t)(IP_HLEN + TCP_HLEN + payload), ID0, true);
	uint8_t *eh = skb_push(skb, ETH_HLEN);
	skb_reset_mac_header(skb);
	memset(eh, 0x02, 12);
	eh[12] = 0x08;
	eh[13] = 0x00;
	skb->protocol = ETH_P_IP;
	return skb;
}

static struct sk_buff *
gso_skb(struct host *h, uint8_t flags)
{
	return gso_skb_len(h, flags, PAYLOAD);
}

static int
setup(void **state)
{
	struct fx *fx = g_new0(struct fx, 1);
	fx->sim = sim_new(1);
	fx->h = host_new(fx->sim, NULL, NULL, "alice", 1);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;
	host_free(fx->h);
	sim_free(fx->sim);
	g_free(fx);
	return 0;
}

/* Cut a GSO skb of @payload bytes; return its segments in @out. */
static uint32_t
segment_len(struct fx *fx, uint8_t flags, uint32_t payload, struct sk_buff **out)
{
	fx->skb = gso_skb_len(fx->h, flags, payload);
	struct sk_buff *segs = skb_gso_segment(fx->skb, NETIF_F_HW_CSUM);
	uint32_t n = 0;
	for (struct sk_buff *s = segs, *next; s; s = next) {
		next = s->next;
		s->next = NULL;
		assert_true(n < NSEGS + 1);
		out[n++] = s;
	}
	return n;
}

static uint32_t
segment(struct fx *fx, uint8_t flags, struct sk_buff **out)
{
	return segment_len(fx, flags, PAYLOAD, out);
}

static void
free_all(struct fx *fx, struct sk_buff **segs, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		skb_consume(segs[i]);
	skb_consume(fx->skb);
}

static const struct iphdr *
seg_ip(const struct sk_buff *s)
{
	return (const struct iphdr *)(s->data + ETH_HLEN);
}

static const struct tcphdr *
seg_tcp(const struct sk_buff *s)
{
	return (const struct tcphdr *)(s->data + ETH_HLEN + IP_HLEN);
}

/* The receive checksum engine both ways: checked in place
 * (eth_rx_csum_ok) and as the NIC copies the frame in
 * (eth_rx_copy_csum_ok), which must give the same answer and an exact
 * copy. */
static bool
rx_csum(const uint8_t *frame, uint32_t len)
{
	uint8_t *to = g_malloc(len + 1);
	to[len] = 0x5a;
	bool ok = eth_rx_csum_ok(frame, len);
	assert_int_equal(eth_rx_copy_csum_ok(to, frame, len), ok);
	assert_memory_equal(to, frame, len);
	assert_int_equal(to[len], 0x5a);
	g_free(to);
	return ok;
}

static void
test_gso_skb_is_marked_with_mss_and_segment_count(void **state)
{
	struct fx *fx = *state;
	struct sk_buff *skb = gso_skb(fx->h, TCPHDR_ACK);
	assert_true(skb_is_gso(skb));
	assert_int_equal(skb->gso_size, MSS);
	assert_int_equal(skb->gso_segs, 45);
	assert_int_equal(skb->gso_type, SKB_GSO_TCPV4);
	assert_int_equal(skb->ip_summed, CHECKSUM_PARTIAL);
	skb_consume(skb);
}

static void
test_64k_skb_becomes_45_segments_of_mss(void **state)
{
	struct fx *fx = *state;
	struct sk_buff *segs[NSEGS + 1];
	uint32_t n = segment(fx, TCPHDR_ACK, segs);
	assert_int_equal(n, 45);
	for (uint32_t i = 0; i < n; i++) {
		assert_int_equal(segs[i]->len, HDRS + MSS);
		assert_int_equal(ntohs(seg_ip(segs[i])->tot_len), IP_HLEN + TCP_HLEN + MSS);
		assert_false(skb_is_gso(segs[i]));
		for (uint32_t b = 0; b < MSS; b++)
			if (segs[i]->data[HDRS + b] != pattern(i * MSS + b))
				fail_msg("segment %u byte %u differs", i, b);
	}
	free_all(fx, segs, n);
}

static void
test_skb_not_a_multiple_of_mss_ends_in_a_short_segment(void **state)
{
	struct fx *fx = *state;
	struct sk_buff *segs[NSEGS + 1];
	uint32_t n = segment_len(fx, TCPHDR_ACK | TCPHDR_PSH, SHORT_PAYLOAD, segs);
	assert_int_equal(n, 45);
	assert_int_equal(segs[43]->len, HDRS + MSS);
	assert_int_equal(segs[44]->len, HDRS + 288);
	assert_int_equal(ntohs(seg_ip(segs[44])->tot_len), IP_HLEN + TCP_HLEN + 288);
	assert_int_equal(ntohl(seg_tcp(segs[44])->seq), (uint32_t)(SEQ0 + 44 * MSS));
	assert_int_equal(seg_tcp(segs[44])->flags, TCPHDR_ACK | TCPHDR_PSH);
	assert_int_equal(seg_tcp(segs[43])->flags, TCPHDR_ACK);
	for (uint32_t b = 0; b < 288; b++)
		assert_int_equal(segs[44]->data[HDRS + b], pattern(44 * MSS + b));
	free_all(fx, segs, n);
}

static void
test_segments_advance_seq_by_mss_across_the_wrap(void **state)
{
	struct fx *fx = *state;
	struct sk_buff *segs[NSEGS + 1];
	uint32_t n = segment(fx, TCPHDR_ACK, segs);
	for (uint32_t i = 0; i < n; i++) {
		assert_int_equal(ntohl(seg_tcp(segs[i])->seq), (uint32_t)(SEQ0 + i * MSS));
		assert_int_equal(ntohl(seg_tcp(segs[i])->ack_seq), 12345);
	}
	free_all(fx, segs, n);
}

static void
test_segments_increment_ip_id_across_the_wrap(void **state)
{
	struct fx *fx = *state;
	struct sk_buff *segs[NSEGS + 1];
	uint32_t n = segment(fx, TCPHDR_ACK, segs);
	for (uint32_t i = 0; i < n; i++)
		assert_int_equal(ntohs(seg_ip(segs[i])->id), (uint16_t)(ID0 + i));
	free_all(fx, segs, n);
}

static void
test_every_segment_has_right_ip_and_tcp_checksums(void **state)
{
	struct fx *fx = *state;
	struct sk_buff *segs[NSEGS + 1];
	uint32_t n = segment(fx, TCPHDR_ACK | TCPHDR_PSH, segs);
	for (uint32_t i = 0; i < n; i++) {
		const struct iphdr *iph = seg_ip(segs[i]);
		assert_int_equal(ip_fast_csum(iph, iph->ihl), 0);
		uint32_t tcplen = segs[i]->len - ETH_HLEN - IP_HLEN;
		assert_int_equal(csum_tcpudp_magic(SADDR, DADDR, tcplen, IPPROTO_TCP,
						   csum_partial(seg_tcp(segs[i]), tcplen, 0)),
				 0);
		assert_true(rx_csum(segs[i]->data, segs[i]->len));
	}
	free_all(fx, segs, n);
}

static void
test_fin_and_psh_only_on_last_segment_cwr_only_on_first(void **state)
{
	struct fx *fx = *state;
	struct sk_buff *segs[NSEGS + 1] = { NULL }; /* -O3: gcc cannot see segment fill it */
	const uint8_t cwr = 0x80;
	uint32_t n = segment(fx, TCPHDR_ACK | TCPHDR_PSH | TCPHDR_FIN | cwr, segs);
	assert_int_equal(seg_tcp(segs[0])->flags, TCPHDR_ACK | cwr);
	for (uint32_t i = 1; i + 1 < n; i++)
		assert_int_equal(seg_tcp(segs[i])->flags, TCPHDR_ACK);
	assert_int_equal(seg_tcp(segs[n - 1])->flags, TCPHDR_ACK | TCPHDR_PSH | TCPHDR_FIN);
	free_all(fx, segs, n);
}

static void
test_tso_nic_frames_equal_software_segments(void **state)
{
	struct fx *fx = *state;
	struct sk_buff *segs[NSEGS + 1];
	uint32_t n = segment(fx, TCPHDR_ACK | TCPHDR_PSH, segs);
	uint8_t *frame = g_malloc(HDRS + MSS);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t len = tcp_gso_write_segment(fx->skb, i, frame);
		assert_int_equal(len, segs[i]->len);
		assert_memory_equal(frame, segs[i]->data, len);
	}
	g_free(frame);
	free_all(fx, segs, n);
}

static void
test_segments_are_copies_not_shares(void **state)
{
	struct fx *fx = *state;
	struct sk_buff *segs[NSEGS + 1];
	uint32_t n = segment(fx, TCPHDR_ACK, segs);
	for (uint32_t i = 0; i < n; i++) {
		assert_false(skb_cloned(segs[i]));
		assert_int_equal(skb_dataref(segs[i]), 1);
	}
	assert_false(skb_cloned(fx->skb));
	free_all(fx, segs, n);
}

static void
test_rx_csum_engine_refuses_a_corrupted_segment(void **state)
{
	struct fx *fx = *state;
	struct sk_buff *segs[NSEGS + 1];
	uint32_t n = segment(fx, TCPHDR_ACK, segs);
	segs[3]->data[HDRS + 100] ^= 0x40;
	assert_false(rx_csum(segs[3]->data, segs[3]->len));
	assert_true(rx_csum(segs[4]->data, segs[4]->len));
	free_all(fx, segs, n);
}

/* CPU time (softirq: charged outside any CPU item) that skb_gso_segment costs. */
static sim_time_t
segment_cost(struct fx *fx, netdev_features_t features)
{
	struct sk_buff *skb = gso_skb(fx->h, TCPHDR_ACK);
	sim_time_t before = cpu_busy_ns(fx->h->cpu, CPU_SOFTIRQ);
	struct sk_buff *segs = skb_gso_segment(skb, features);
	sim_run_until(fx->sim, sim_now(fx->sim) + SIM_S);
	sim_time_t spent = cpu_busy_ns(fx->h->cpu, CPU_SOFTIRQ) - before;
	for (struct sk_buff *s = segs, *next; s; s = next) {
		next = s->next;
		s->next = NULL;
		skb_consume(s);
	}
	skb_consume(skb);
	return spent;
}

static void
test_software_gso_charges_gso_segment_per_segment(void **state)
{
	struct fx *fx = *state;
	sim_time_t per_seg = cpu_cost(fx->h->cpu, COST_GSO_SEGMENT);
	assert_int_equal(segment_cost(fx, NETIF_F_HW_CSUM), 45 * per_seg);
}

static void
test_software_gso_without_csum_offload_also_charges_each_sum(void **state)
{
	struct fx *fx = *state;
	sim_time_t per_kb = cpu_cost(fx->h->cpu, COST_CSUM_PER_KB);
	sim_time_t per_seg = cpu_cost(fx->h->cpu, COST_GSO_SEGMENT);
	/* each segment's TCP header and payload: 1468 bytes, 143.36 -> 143 ns */
	sim_time_t sum = (sim_time_t)((1468u * (uint64_t)per_kb + 512) / 1024);
	assert_int_equal(segment_cost(fx, 0), 45 * (per_seg + sum));
}

/* ---- checksum offload ------------------------------------------------------- */

#define UDP_PAYLOAD 1000u

/* A UDP datagram as udp_send_skb leaves it (final sum, CHECKSUM_PARTIAL),
 * with its IPv4 and Ethernet headers: data at the link header. */
static struct sk_buff *
udp_skb(struct host *h, uint16_t frag_off)
{
	struct sk_buff *skb =
		skb_alloc(h, 128 + ETH_HLEN + IP_HLEN + UDP_HLEN + UDP_PAYLOAD, LAYER_UDP);
	skb_reserve(skb, 128 + ETH_HLEN + IP_HLEN + UDP_HLEN);
	uint8_t *p = skb_put(skb, UDP_PAYLOAD);
	for (uint32_t i = 0; i < UDP_PAYLOAD; i++)
		p[i] = pattern(i);
	struct udphdr *uh = (struct udphdr *)skb_push(skb, UDP_HLEN);
	skb_reset_transport_header(skb);
	uh->source = htons(40000);
	uh->dest = htons(9000);
	uh->len = htons(UDP_HLEN + UDP_PAYLOAD);
	uh->check = 0;
	uh->check = csum_tcpudp_magic(SADDR, DADDR, UDP_HLEN + UDP_PAYLOAD, IPPROTO_UDP,
				      csum_partial(uh, UDP_HLEN + UDP_PAYLOAD, 0));
	skb_partial_csum_set(skb, (uint16_t)offsetof(struct udphdr, check));
	struct iphdr *iph = (struct iphdr *)skb_push(skb, IP_HLEN);
	skb_reset_network_header(skb);
	ip_build_header(iph, SADDR, DADDR, IPPROTO_UDP, 64, 0,
			(uint16_t)(IP_HLEN + UDP_HLEN + UDP_PAYLOAD), 7, false);
	if (frag_off) {
		iph->frag_off = htons(frag_off);
		iph->check = 0;
		iph->check = ip_fast_csum(iph, iph->ihl);
	}
	uint8_t *eh = skb_push(skb, ETH_HLEN);
	skb_reset_mac_header(skb);
	memset(eh, 0x02, 12);
	eh[12] = 0x08;
	eh[13] = 0x00;
	skb->protocol = ETH_P_IP;
	return skb;
}

static void
test_rx_csum_engine_accepts_a_right_udp_sum_and_refuses_a_wrong_one(void **state)
{
	struct fx *fx = *state;
	struct sk_buff *skb = udp_skb(fx->h, 0);
	assert_true(rx_csum(skb->data, skb->len));
	skb->data[ETH_HLEN + IP_HLEN + UDP_HLEN + 500] ^= 0x01;
	assert_false(rx_csum(skb->data, skb->len));
	skb_consume(skb);
}

static void
test_rx_csum_engine_leaves_a_udp_sum_of_zero_and_a_fragment_unchecked(void **state)
{
	struct fx *fx = *state;
	struct sk_buff *skb = udp_skb(fx->h, 0);
	struct udphdr *uh = (struct udphdr *)(skb->data + ETH_HLEN + IP_HLEN);
	uh->check = 0; /* RFC 768: no sum: CHECKSUM_NONE, udp4_csum_init's zero check */
	assert_false(rx_csum(skb->data, skb->len));
	skb_consume(skb);
	skb = udp_skb(fx->h, IP_MF); /* a first fragment: the engine cannot sum it */
	assert_false(rx_csum(skb->data, skb->len));
	skb_consume(skb);
}

/* A single-bit error anywhere in a frame (a datagram with 0, 1 or 2 bytes
 * of padding after it) gets the same answer from the engine that checks
 * in place and the one that checks as it copies: every error in the UDP
 * header or payload is caught, none in the padding is. */
static void
test_rx_csum_engine_copying_catches_what_the_other_catches(void **state)
{
	struct fx *fx = *state;
	for (uint32_t pad = 0; pad < 3; pad++) {
		struct sk_buff *skb = udp_skb(fx->h, 0);
		uint32_t len = skb->len;
		uint8_t *f = g_malloc(len + pad);
		memcpy(f, skb->data, len);
		memset(f + len, 0xa5, pad);
		skb_consume(skb);
		assert_true(rx_csum(f, len + pad));
		for (uint32_t i = 0; i < len + pad; i += 1 + i / 64) {
			f[i] ^= (uint8_t)(1u << (i % 8));
			bool ok = rx_csum(f, len + pad);
			if (i >= ETH_HLEN + IP_HLEN)
				assert_int_equal(ok, i >= len);
			f[i] ^= (uint8_t)(1u << (i % 8));
		}
		g_free(f);
	}
}

/* CPU time (softirq: charged outside any CPU item) validate_xmit_skb costs
 * for @skb on a device with @features; the skb is freed. */
static sim_time_t
xmit_cost(struct fx *fx, struct sk_buff *skb, netdev_features_t features, uint8_t *summed)
{
	struct net_device dev = { .features = features };
	sim_time_t before = cpu_busy_ns(fx->h->cpu, CPU_SOFTIRQ);
	skb = validate_xmit_skb(skb, &dev);
	sim_run_until(fx->sim, sim_now(fx->sim) + SIM_S);
	*summed = skb->ip_summed;
	skb_consume(skb);
	return cpu_busy_ns(fx->h->cpu, CPU_SOFTIRQ) - before;
}

static void
test_tx_checksumming_leaves_the_udp_sum_to_the_device_at_no_cpu_cost(void **state)
{
	struct fx *fx = *state;
	uint8_t summed;
	struct sk_buff *skb = udp_skb(fx->h, 0);
	assert_int_equal(skb->ip_summed, CHECKSUM_PARTIAL);
	assert_int_equal(xmit_cost(fx, skb, NETIF_F_HW_CSUM, &summed), 0);
	assert_int_equal(summed, CHECKSUM_PARTIAL);
}

static void
test_without_tx_checksumming_skb_checksum_help_charges_the_udp_sum(void **state)
{
	struct fx *fx = *state;
	uint8_t summed;
	sim_time_t per_kb = cpu_cost(fx->h->cpu, COST_CSUM_PER_KB);
	/* UDP header and payload, 1008 bytes: 98.4 -> 98 ns */
	sim_time_t sum = (sim_time_t)(((UDP_HLEN + UDP_PAYLOAD) * (uint64_t)per_kb + 512) / 1024);
	assert_int_equal(xmit_cost(fx, udp_skb(fx->h, 0), 0, &summed), sum);
	assert_int_equal(summed, CHECKSUM_NONE);
}

static void
test_checksum_unnecessary_and_partial_need_no_verification_none_does(void **state)
{
	struct fx *fx = *state;
	struct sk_buff *skb = udp_skb(fx->h, 0);
	assert_true(skb_csum_unnecessary(skb)); /* PARTIAL: loopback, a GRO aggregate */
	skb->ip_summed = CHECKSUM_UNNECESSARY;
	assert_true(skb_csum_unnecessary(skb));
	skb->ip_summed = CHECKSUM_NONE;
	assert_false(skb_csum_unnecessary(skb));
	skb_consume(skb);
}

/* ---- UDP GSO (UDP_SEGMENT) ------------------------------------------------------- */

#define USEG 1400u
#define UDP_GSO_PAYLOAD 10000u /* 7 x 1400 and one of 200 */
#define UDP_HDRS (ETH_HLEN + IP_HLEN + UDP_HLEN)

/* A UDP GSO skb as udp_send_skb and IP leave it: data at the link header. */
static struct sk_buff *
udp_gso_skb(struct host *h)
{
	struct sk_buff *skb = skb_alloc(h, 128 + UDP_HDRS + UDP_GSO_PAYLOAD, LAYER_UDP);
	skb_reserve(skb, 128 + UDP_HDRS);
	uint8_t *p = skb_put(skb, UDP_GSO_PAYLOAD);
	for (uint32_t i = 0; i < UDP_GSO_PAYLOAD; i++)
		p[i] = pattern(i);
	skb->gso_size = USEG;
	skb->gso_segs = (UDP_GSO_PAYLOAD + USEG - 1) / USEG;
	skb->gso_type = SKB_GSO_UDP_L4;
	struct udphdr *uh = (struct udphdr *)skb_push(skb, UDP_HLEN);
	skb_reset_transport_header(skb);
	uh->source = htons(40000);
	uh->dest = htons(9000);
	uh->len = htons(UDP_HLEN + UDP_GSO_PAYLOAD);
	uh->check = 0;
	skb_partial_csum_set(skb, (uint16_t)offsetof(struct udphdr, check));
	struct iphdr *iph = (struct iphdr *)skb_push(skb, IP_HLEN);
	skb_reset_network_header(skb);
	ip_build_header(iph, SADDR, DADDR, IPPROTO_UDP, 64, 0,
			(uint16_t)(IP_HLEN + UDP_HLEN + UDP_GSO_PAYLOAD), ID0, true);
	uint8_t *eh = skb_push(skb, ETH_HLEN);
	skb_reset_mac_header(skb);
	memset(eh, 0x02, 12);
	eh[12] = 0x08;
	eh[13] = 0x00;
	skb->protocol = ETH_P_IP;
	return skb;
}

static void
test_udp_gso_skb_becomes_datagrams_of_gso_size_the_last_shorter(void **state)
{
	struct fx *fx = *state;
	fx->skb = udp_gso_skb(fx->h);
	struct sk_buff *segs[NSEGS + 1];
	uint32_t n = 0;
	for (struct sk_buff *s = skb_gso_segment(fx->skb, NETIF_F_HW_CSUM), *next; s; s = next) {
		next = s->next;
		s->next = NULL;
		assert_true(n < NSEGS);
		segs[n++] = s;
	}
	assert_int_equal(n, 8);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t pay = i + 1 < n ? USEG : UDP_GSO_PAYLOAD - 7 * USEG;
		const struct iphdr *iph = seg_ip(segs[i]);
		const struct udphdr *uh =
			(const struct udphdr *)(segs[i]->data + ETH_HLEN + IP_HLEN);
		assert_int_equal(segs[i]->len, UDP_HDRS + pay);
		assert_int_equal(ntohs(iph->tot_len), IP_HLEN + UDP_HLEN + pay);
		assert_int_equal(ntohs(iph->id), (uint16_t)(ID0 + i)); /* wraps at 0xffff */
		assert_int_equal(ip_fast_csum(iph, iph->ihl), 0);
		assert_int_equal(ntohs(uh->len), UDP_HLEN + pay);
		assert_int_equal(ntohs(uh->source), 40000);
		assert_int_equal(ntohs(uh->dest), 9000);
		assert_int_not_equal(uh->check, 0);
		assert_int_equal(csum_tcpudp_magic(SADDR, DADDR, UDP_HLEN + pay, IPPROTO_UDP,
						   csum_partial(uh, UDP_HLEN + pay, 0)),
				 0);
		assert_true(rx_csum(segs[i]->data, segs[i]->len));
		assert_false(skb_is_gso(segs[i]));
		for (uint32_t b = 0; b < pay; b++)
			if (segs[i]->data[UDP_HDRS + b] != pattern(i * USEG + b))
				fail_msg("datagram %u byte %u differs", i, b);
	}
	free_all(fx, segs, n);
}

static void
test_uso_nic_frames_equal_software_udp_segments(void **state)
{
	struct fx *fx = *state;
	fx->skb = udp_gso_skb(fx->h);
	uint8_t *frame = g_malloc(UDP_HDRS + USEG);
	uint32_t i = 0;
	for (struct sk_buff *s = skb_gso_segment(fx->skb, NETIF_F_HW_CSUM), *next; s;
	     s = next, i++) {
		next = s->next;
		s->next = NULL;
		assert_int_equal(gso_segment_len(fx->skb, i), s->len);
		assert_int_equal(gso_write_segment(fx->skb, i, frame), s->len);
		assert_memory_equal(frame, s->data, s->len);
		skb_consume(s);
	}
	assert_int_equal(i, 8);
	g_free(frame);
	skb_consume(fx->skb);
}

static void
test_a_device_takes_tcp_gso_with_tso_and_udp_gso_with_uso(void **state)
{
	struct fx *fx = *state;
	struct sk_buff *tcp = gso_skb(fx->h, TCPHDR_ACK), *udp = udp_gso_skb(fx->h);
	assert_true(skb_gso_ok(tcp, NETIF_F_TSO));
	assert_false(skb_gso_ok(tcp, NETIF_F_GSO_UDP_L4 | NETIF_F_HW_CSUM));
	assert_true(skb_gso_ok(udp, NETIF_F_GSO_UDP_L4));
	assert_false(skb_gso_ok(udp, NETIF_F_TSO | NETIF_F_HW_CSUM));
	skb_consume(tcp);
	skb_consume(udp);
}

static void
test_software_udp_gso_charges_gso_segment_per_datagram(void **state)
{
	struct fx *fx = *state;
	struct sk_buff *skb = udp_gso_skb(fx->h);
	sim_time_t before = cpu_busy_ns(fx->h->cpu, CPU_SOFTIRQ);
	struct net_device dev = { .features = NETIF_F_HW_CSUM };
	struct sk_buff *segs = validate_xmit_skb(skb, &dev); /* consumes skb */
	sim_run_until(fx->sim, sim_now(fx->sim) + SIM_S);
	assert_int_equal(cpu_busy_ns(fx->h->cpu, CPU_SOFTIRQ) - before,
			 8 * cpu_cost(fx->h->cpu, COST_GSO_SEGMENT));
	uint32_t n = 0;
	for (struct sk_buff *s = segs, *next; s; s = next, n++) {
		next = s->next;
		s->next = NULL;
		skb_consume(s);
	}
	assert_int_equal(n, 8);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_gso_skb_is_marked_with_mss_and_segment_count,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_64k_skb_becomes_45_segments_of_mss, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_skb_not_a_multiple_of_mss_ends_in_a_short_segment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_segments_advance_seq_by_mss_across_the_wrap,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_segments_increment_ip_id_across_the_wrap,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_segment_has_right_ip_and_tcp_checksums,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_fin_and_psh_only_on_last_segment_cwr_only_on_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tso_nic_frames_equal_software_segments, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_segments_are_copies_not_shares, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_rx_csum_engine_copying_catches_what_the_other_catches, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_rx_csum_engine_refuses_a_corrupted_segment,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_software_gso_charges_gso_segment_per_segment,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_software_gso_without_csum_offload_also_charges_each_sum, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_rx_csum_engine_accepts_a_right_udp_sum_and_refuses_a_wrong_one, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_rx_csum_engine_leaves_a_udp_sum_of_zero_and_a_fragment_unchecked,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_tx_checksumming_leaves_the_udp_sum_to_the_device_at_no_cpu_cost, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_without_tx_checksumming_skb_checksum_help_charges_the_udp_sum, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_checksum_unnecessary_and_partial_need_no_verification_none_does, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_udp_gso_skb_becomes_datagrams_of_gso_size_the_last_shorter, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_uso_nic_frames_equal_software_udp_segments,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_a_device_takes_tcp_gso_with_tso_and_udp_gso_with_uso, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_software_udp_gso_charges_gso_segment_per_datagram, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
