/*
 * tests/test_gro.c - GRO (stack/gro.c): frames written into a NIC's RX
 * ring go through the real interrupt, NAPI poll and napi_gro_receive; a
 * test handler for ETH_P_IP records what GRO passes up.  Checked as Linux
 * 6.6's dev_gro_receive, inet_gro_receive and tcp_gro_receive decide:
 * contiguous segments merge (headers, lengths, checksums, IP ID, PSH on
 * the last), out-of-order data, SYN/RST/URG, FIN, other flows, the 64 KB
 * cap and a short segment end an aggregate, and the poll's end, a poll
 * that used its weight and gro_flush_timeout flush as Linux's
 * napi_complete_done and __napi_poll do.  UDP as udp4_gro_receive and
 * udp_gro_receive_segment decide: only for a UDP_GRO socket or, with no
 * socket, rx-udp-gro-forwarding; same-length datagrams merge, a shorter
 * one ends the aggregate, a longer one or a zero sum does not merge; the
 * reader's UDP_GRO cmsg (udp_cmsg_recv).
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
#include "stack/gro.h"
#include "stack/host.h"
#include "stack/inet.h"
#include "stack/ip_int.h"
#include "stack/ipv4.h"
#include "stack/netdevice.h"
#include "stack/nic.h"
#include "stack/skbuff.h"
#include "stack/tcp.h"
#include "stack/udp.h"
#include "stack/udp_offload.h"
#include <sys/socket.h>

#define MSS 1448u
#define SADDR 0x0a000001u
#define DADDR 0x0a000002u
#define SEQ0 0xfffff000u /* wraps inside an aggregate */
#define ID0 0xfffau	 /* and so does the IP ID */
#define HDRS (IP_HLEN + TCP_HLEN)
#define MAXGOT 128

static const uint8_t mac_nic[ETH_ALEN] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t mac_peer[ETH_ALEN] = { 0x02, 0, 0, 0, 0, 0x01 };

struct fx {
	struct sim *sim;
	struct skb_pool *pool;
	struct host *h;
	struct nic *nic;
	struct packet_type pt;
	uint32_t n;
	struct sk_buff *got[MAXGOT]; /* what GRO passed up, in order */
};

/* One segment to write into the ring. */
struct seg {
	uint32_t off; /* payload offset from SEQ0 */
	uint32_t len;
	uint8_t flags;
	uint16_t id;
	uint16_t sport;
	uint8_t ttl;
	bool df;
	bool bad_csum;
};

static uint8_t
pattern(uint32_t i)
{
	return (uint8_t)(i * 7u + i / 1448u);
}

static int
capture(struct sk_buff *skb, struct net_device *dev, struct packet_type *pt)
{
	(void)dev;
	struct fx *fx = pt->priv;
	assert_true(fx->n < MAXGOT);
	fx->got[fx->n++] = skb;
	return NET_RX_SUCCESS;
}

static int
setup_cfg(void **state, bool gro, uint32_t weight, sim_time_t flush_timeout, bool rx_csum)
{
	struct fx *fx = g_new0(struct fx, 1);
	fx->sim = sim_new(3);
	fx->pool = skb_pool_new();
	fx->h = host_new(fx->sim, NULL, fx->pool, "bob", 3);
	struct nic_config c;
	nic_config_init(&c);
	c.gro = gro;
	c.weight = weight;
	c.gro_flush_timeout = flush_timeout;
	c.rx_csum = rx_csum;
	fx->nic = nic_new(fx->h, "eth0", mac_nic, &c);
	assert_int_equal(dev_open(nic_dev(fx->nic)), 0);
	fx->pt = (struct packet_type){
		.type = ETH_P_IP,
		.layer = LAYER_IP,
		.func_name = "capture",
		.func = capture,
		.priv = fx,
	};
	dev_add_pack(fx->h, &fx->pt);
	*state = fx;
	return 0;
}

static int
setup(void **state)
{
	return setup_cfg(state, true, 64, 0, true);
}

static int
setup_off(void **state)
{
	return setup_cfg(state, false, 64, 0, true);
}

static int
setup_weight4(void **state)
{
	return setup_cfg(state, true, 4, 0, true);
}

static int
setup_timeout(void **state)
{
	return setup_cfg(state, true, 64, 200 * SIM_US, true);
}

static int
setup_no_rxcsum(void **state)
{
	return setup_cfg(state, true, 64, 0, false);
}

static int
teardown(void **state)
{
	struct fx *fx = *state;
	for (uint32_t i = 0; i < fx->n; i++)
		skb_consume(fx->got[i]);
	g_autoptr(GString) report = g_string_new(NULL);
	assert_int_equal(host_check_conservation(fx->h, report), 0);
	host_free(fx->h);
	struct skb_pool_stats ps;
	skb_pool_stats(fx->pool, &ps);
	assert_int_equal(ps.live, 0);
	skb_pool_free(fx->pool);
	sim_free(fx->sim);
	g_free(fx);
	return 0;
}

/* Write segment @s into the NIC's ring as the wire would deliver it. */
static void
rx(struct fx *fx, struct seg s)
{
	uint8_t f[ETH_HLEN + HDRS + 2000];
	uint32_t tot = HDRS + s.len;
	memcpy(f, mac_nic, ETH_ALEN);
	memcpy(f + ETH_ALEN, mac_peer, ETH_ALEN);
	f[12] = 0x08;
	f[13] = 0x00;
	struct iphdr *iph = (struct iphdr *)(f + ETH_HLEN);
	ip_build_header(iph, SADDR, DADDR, IPPROTO_TCP, s.ttl ? s.ttl : 64, 0, (uint16_t)tot, s.id,
			s.df);
	struct tcphdr *th = (struct tcphdr *)(f + ETH_HLEN + IP_HLEN);
	memset(th, 0, TCP_HLEN);
	th->source = htons(s.sport ? s.sport : 40000);
	th->dest = htons(5001);
	th->seq = htonl(SEQ0 + s.off);
	th->ack_seq = htonl(777);
	th->doff_res = (TCP_HLEN / 4) << 4;
	th->flags = s.flags ? s.flags : TCPHDR_ACK;
	th->window = htons(2000);
	for (uint32_t i = 0; i < s.len; i++)
		f[ETH_HLEN + HDRS + i] = pattern(s.off + i);
	th->check = csum_tcpudp_magic(SADDR, DADDR, TCP_HLEN + s.len, IPPROTO_TCP,
				      csum_partial(th, TCP_HLEN + s.len, 0));
	if (s.bad_csum)
		th->check ^= 0x0101;
	nic_rx_frame(fx->nic, f, ETH_HLEN + tot, 0);
}

/* @n MSS segments from payload offset @off, IP IDs from @id, DF set. */
static void
rx_run(struct fx *fx, uint32_t off, uint32_t n, uint16_t id, uint8_t last_flags)
{
	for (uint32_t i = 0; i < n; i++)
		rx(fx,
		   (struct seg){ .off = off + i * MSS,
				 .len = MSS,
				 .id = (uint16_t)(id + i),
				 .df = true,
				 .flags = i + 1 == n ? last_flags : 0 });
}

static void
run(struct fx *fx)
{
	sim_run_until(fx->sim, sim_now(fx->sim) + SIM_MS);
}

static const struct iphdr *
ip_of(const struct sk_buff *skb)
{
	return (const struct iphdr *)skb->data;
}

static const struct tcphdr *
tcp_of(const struct sk_buff *skb)
{
	return (const struct tcphdr *)(skb->data + IP_HLEN);
}

/* @skb carries @segs segments of payload from offset @off, sums right. */
static void
assert_aggregate(const struct sk_buff *skb, uint32_t off, uint32_t bytes, uint32_t segs)
{
	const struct iphdr *iph = ip_of(skb);
	const struct tcphdr *th = tcp_of(skb);
	assert_int_equal(skb->len, HDRS + bytes);
	assert_int_equal(ntohs(iph->tot_len), HDRS + bytes);
	assert_int_equal(ip_fast_csum(iph, iph->ihl), 0);
	assert_int_equal(csum_tcpudp_magic(SADDR, DADDR, TCP_HLEN + bytes, IPPROTO_TCP,
					   csum_partial(th, TCP_HLEN + bytes, 0)),
			 0);
	assert_int_equal(ntohl(th->seq), (uint32_t)(SEQ0 + off));
	for (uint32_t i = 0; i < bytes; i++)
		if (skb->data[HDRS + i] != pattern(off + i))
			fail_msg("byte %u of the aggregate differs", i);
	if (segs > 1) {
		assert_int_equal(skb->gso_segs, segs);
		assert_int_equal(skb->gso_type, SKB_GSO_TCPV4);
		assert_int_equal(skb->ip_summed, CHECKSUM_PARTIAL);
	} else {
		assert_int_equal(skb->gso_size, 0);
	}
}

static void
test_contiguous_segments_merge_into_one_skb(void **state)
{
	struct fx *fx = *state;
	rx_run(fx, 0, 10, ID0, TCPHDR_ACK | TCPHDR_PSH);
	run(fx);
	assert_int_equal(fx->n, 1);
	struct sk_buff *skb = fx->got[0];
	assert_aggregate(skb, 0, 10 * MSS, 10);
	assert_int_equal(skb->gso_size, MSS);
	assert_int_equal(ntohs(ip_of(skb)->id), ID0); /* the first segment's ID */
	assert_int_equal(ntohs(ip_of(skb)->frag_off), IP_DF);
	assert_int_equal(tcp_of(skb)->flags, TCPHDR_ACK | TCPHDR_PSH); /* the last's PSH */
	assert_int_equal(ntohl(tcp_of(skb)->ack_seq), 777);
	assert_int_equal(nic_napi(fx->nic)->gro_merged, 9);
}

static void
test_gro_off_passes_each_segment_up(void **state)
{
	struct fx *fx = *state;
	rx_run(fx, 0, 10, ID0, TCPHDR_ACK);
	run(fx);
	assert_int_equal(fx->n, 10);
	for (uint32_t i = 0; i < 10; i++)
		assert_aggregate(fx->got[i], i * MSS, MSS, 1);
}

static void
test_out_of_order_segment_flushes_the_aggregate(void **state)
{
	struct fx *fx = *state;
	rx_run(fx, 0, 2, ID0, 0);
	rx(fx, (struct seg){ .off = 3 * MSS, .len = MSS, .id = ID0 + 3, .df = true });
	rx(fx, (struct seg){ .off = 2 * MSS, .len = MSS, .id = ID0 + 2, .df = true });
	run(fx);
	/* 0-1 merged; 3 is not contiguous: 0-1 go up, 3 is held; 2 is not
	 * contiguous with 3: 3 goes up, 2 is held until the poll's end */
	assert_int_equal(fx->n, 3);
	assert_aggregate(fx->got[0], 0, 2 * MSS, 2);
	assert_aggregate(fx->got[1], 3 * MSS, MSS, 1);
	assert_aggregate(fx->got[2], 2 * MSS, MSS, 1);
}

/* Two segments, then one with @flag: the two go up, then the third alone. */
static void
flag_flushes_and_goes_up_alone(struct fx *fx, uint8_t flag)
{
	rx_run(fx, 0, 2, ID0, 0);
	rx(fx,
	   (struct seg){ .off = 2 * MSS,
			 .len = MSS,
			 .id = ID0 + 2,
			 .df = true,
			 .flags = TCPHDR_ACK | flag });
	rx_run(fx, 3 * MSS, 2, ID0 + 3, 0);
	run(fx);
	assert_int_equal(fx->n, 3);
	assert_aggregate(fx->got[0], 0, 2 * MSS, 2);
	assert_aggregate(fx->got[1], 2 * MSS, MSS, 1);
	assert_int_equal(tcp_of(fx->got[1])->flags, TCPHDR_ACK | flag);
	assert_aggregate(fx->got[2], 3 * MSS, 2 * MSS, 2);
}

static void
test_rst_flushes_and_goes_up_alone(void **state)
{
	flag_flushes_and_goes_up_alone(*state, TCPHDR_RST);
}

static void
test_syn_flushes_and_goes_up_alone(void **state)
{
	flag_flushes_and_goes_up_alone(*state, TCPHDR_SYN);
}

static void
test_urg_flushes_and_goes_up_alone(void **state)
{
	flag_flushes_and_goes_up_alone(*state, TCPHDR_URG);
}

/* FIN and PSH are merged (tcp_gro_receive leaves them out of the flag
 * comparison) and then end the aggregate at once. */
static void
test_fin_is_merged_and_ends_the_aggregate(void **state)
{
	struct fx *fx = *state;
	rx_run(fx, 0, 3, ID0, TCPHDR_ACK | TCPHDR_FIN);
	rx_run(fx, 3 * MSS, 2, ID0 + 3, 0);
	run(fx);
	assert_int_equal(fx->n, 2);
	assert_aggregate(fx->got[0], 0, 3 * MSS, 3);
	assert_int_equal(tcp_of(fx->got[0])->flags, TCPHDR_ACK | TCPHDR_FIN);
	assert_aggregate(fx->got[1], 3 * MSS, 2 * MSS, 2);
}

static void
test_psh_ends_the_aggregate(void **state)
{
	struct fx *fx = *state;
	rx_run(fx, 0, 4, ID0, TCPHDR_ACK | TCPHDR_PSH);
	rx_run(fx, 4 * MSS, 2, ID0 + 4, 0);
	run(fx);
	assert_int_equal(fx->n, 2);
	assert_aggregate(fx->got[0], 0, 4 * MSS, 4);
	assert_int_equal(tcp_of(fx->got[0])->flags, TCPHDR_ACK | TCPHDR_PSH);
	assert_int_equal(tcp_of(fx->got[1])->flags, TCPHDR_ACK);
}

static void
test_different_flows_are_not_merged(void **state)
{
	struct fx *fx = *state;
	for (uint32_t i = 0; i < 3; i++) {
		rx(fx,
		   (struct seg){ .off = i * MSS,
				 .len = MSS,
				 .id = (uint16_t)(ID0 + i),
				 .df = true,
				 .sport = 1000 });
		rx(fx,
		   (struct seg){ .off = i * MSS,
				 .len = MSS,
				 .id = (uint16_t)(ID0 + i),
				 .df = true,
				 .sport = 2000 });
	}
	run(fx);
	assert_int_equal(fx->n, 2);
	assert_aggregate(fx->got[0], 0, 3 * MSS, 3);
	assert_aggregate(fx->got[1], 0, 3 * MSS, 3);
	assert_int_equal(ntohs(tcp_of(fx->got[0])->source), 1000);
	assert_int_equal(ntohs(tcp_of(fx->got[1])->source), 2000);
}

/* skb_gro_receive: p->len + len >= 65536 is -E2BIG: 40 + 45 x 1448 =
 * 65,200 bytes is the largest aggregate of 1448-byte segments. */
static void
test_aggregate_stops_below_64k(void **state)
{
	struct fx *fx = *state;
	rx_run(fx, 0, 50, ID0, 0);
	run(fx);
	assert_int_equal(fx->n, 2);
	assert_aggregate(fx->got[0], 0, 45 * MSS, 45);
	assert_true(fx->got[0]->len < GRO_LEGACY_MAX_SIZE);
	assert_aggregate(fx->got[1], 45 * MSS, 5 * MSS, 5);
}

static void
test_segment_shorter_than_mss_ends_the_aggregate(void **state)
{
	struct fx *fx = *state;
	rx_run(fx, 0, 2, ID0, 0);
	rx(fx, (struct seg){ .off = 2 * MSS, .len = 500, .id = ID0 + 2, .df = true });
	rx(fx, (struct seg){ .off = 2 * MSS + 500, .len = MSS, .id = ID0 + 3, .df = true });
	run(fx);
	assert_int_equal(fx->n, 2);
	assert_aggregate(fx->got[0], 0, 2 * MSS + 500, 3);
	assert_int_equal(fx->got[0]->gso_size, MSS);
	assert_aggregate(fx->got[1], 2 * MSS + 500, MSS, 1);
}

/* inet_gro_receive: without DF the ID must increment by one per segment;
 * with DF a fixed ID is accepted too (is_atomic, SKB_GSO_TCP_FIXEDID). */
static void
test_fixed_ip_id_merges_only_with_df(void **state)
{
	struct fx *fx = *state;
	for (uint32_t i = 0; i < 3; i++)
		rx(fx, (struct seg){ .off = i * MSS, .len = MSS, .id = 5, .df = true });
	run(fx);
	assert_int_equal(fx->n, 1);
	assert_aggregate(fx->got[0], 0, 3 * MSS, 3);
	for (uint32_t i = 3; i < 6; i++)
		rx(fx, (struct seg){ .off = i * MSS, .len = MSS, .id = 5, .df = false });
	run(fx);
	assert_int_equal(fx->n, 4);
	for (uint32_t i = 1; i < 4; i++)
		assert_aggregate(fx->got[i], (i + 2) * MSS, MSS, 1);
}

static void
test_ip_id_increments_without_df(void **state)
{
	struct fx *fx = *state;
	for (uint32_t i = 0; i < 3; i++)
		rx(fx, (struct seg){ .off = i * MSS, .len = MSS, .id = (uint16_t)(ID0 + i) });
	run(fx);
	assert_int_equal(fx->n, 1);
	assert_aggregate(fx->got[0], 0, 3 * MSS, 3);
}

static void
test_ttl_change_flushes_the_aggregate(void **state)
{
	struct fx *fx = *state;
	rx_run(fx, 0, 2, ID0, 0);
	rx(fx, (struct seg){ .off = 2 * MSS, .len = MSS, .id = ID0 + 2, .df = true, .ttl = 63 });
	run(fx);
	assert_int_equal(fx->n, 2);
	assert_aggregate(fx->got[0], 0, 2 * MSS, 2);
	assert_aggregate(fx->got[1], 2 * MSS, MSS, 1);
	assert_int_equal(ip_of(fx->got[1])->ttl, 63);
}

/* napi_complete_done: a poll under its weight flushes everything and
 * passes rx_list up before the IRQ is unmasked. */
static void
test_poll_end_flushes_every_held_skb(void **state)
{
	struct fx *fx = *state;
	rx_run(fx, 0, 3, ID0, 0); /* no PSH: nothing but the poll's end flushes */
	run(fx);
	assert_int_equal(fx->n, 1);
	assert_aggregate(fx->got[0], 0, 3 * MSS, 3);
	assert_int_equal(napi_gro_held(nic_napi(fx->nic)), 0);
	assert_int_equal(skb_queue_len(&nic_napi(fx->nic)->rx_list), 0);
	assert_true(nic_rx_irq_enabled(fx->nic));
}

/* __napi_poll after a poll that used its weight: with HZ = 1000 only
 * skbs held since an earlier jiffy go up; this jiffy's stay held, so the
 * aggregate spans the polls. */
static void
test_full_poll_keeps_this_jiffys_aggregate(void **state)
{
	struct fx *fx = *state;
	rx_run(fx, 0, 10, ID0, 0);
	run(fx);
	assert_true(nic_napi(fx->nic)->full_polls >= 2);
	assert_int_equal(fx->n, 1);
	assert_aggregate(fx->got[0], 0, 10 * MSS, 10);
}

/* gro_flush_timeout: a completion that took packets while GRO holds some
 * flushes only older ones and re-polls after the timeout. */
static void
test_gro_flush_timeout_holds_until_the_timer(void **state)
{
	struct fx *fx = *state;
	rx_run(fx, 0, 3, ID0, 0);
	sim_run_until(fx->sim, 100 * SIM_US);
	assert_int_equal(fx->n, 0);
	assert_int_equal(napi_gro_held(nic_napi(fx->nic)), 1);
	assert_true(nic_rx_irq_enabled(fx->nic)); /* no napi_defer_hard_irqs: unmasked */
	sim_run_until(fx->sim, 400 * SIM_US);
	assert_int_equal(fx->n, 1);
	assert_aggregate(fx->got[0], 0, 3 * MSS, 3);
	assert_int_equal(napi_gro_held(nic_napi(fx->nic)), 0);
}

/* tcp4_gro_receive without rx-checksumming: the sum is checked in
 * software; a bad one goes up unmerged for tcp_v4_rcv to drop. */
static void
test_bad_checksum_goes_up_unmerged(void **state)
{
	struct fx *fx = *state;
	rx_run(fx, 0, 2, ID0, 0);
	rx(fx,
	   (struct seg){ .off = 2 * MSS, .len = MSS, .id = ID0 + 2, .df = true, .bad_csum = true });
	run(fx);
	assert_int_equal(fx->n, 2);
	assert_int_equal(fx->got[0]->len, HDRS + MSS); /* the bad one: not held */
	assert_int_equal(ntohl(tcp_of(fx->got[0])->seq), SEQ0 + 2 * MSS);
	assert_aggregate(fx->got[1], 0, 2 * MSS, 2);
	assert_int_equal(fx->got[1]->ip_summed, CHECKSUM_PARTIAL);
}

/* Softirq time with GRO, less without: gro_receive once per frame. */
static void
test_each_frame_pays_gro_receive(void **state)
{
	struct fx *fx = *state;
	rx_run(fx, 0, 10, ID0, 0);
	run(fx);
	sim_time_t with = cpu_busy_ns(fx->h->cpu, CPU_SOFTIRQ);
	struct fx *on = fx;
	void *off_state;
	setup_off(&off_state);
	struct fx *off = off_state;
	rx_run(off, 0, 10, ID0, 0);
	run(off);
	sim_time_t without = cpu_busy_ns(off->h->cpu, CPU_SOFTIRQ);
	assert_int_equal(with - without, 10 * cpu_cost(on->h->cpu, COST_GRO_RECEIVE));
	teardown(&off_state);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

/* ---- UDP GRO ------------------------------------------------------------------------ */

#define UPORT 9000
#define UHDRS (IP_HLEN + UDP_HLEN)

/* A UDP socket bound to UPORT on the fixture's host, with UDP_GRO or not. */
static struct sock *
udp_sock(struct fx *fx, bool gro)
{
	udp_init(fx->h);
	struct sock *sk = sk_alloc(fx->h, AF_INET, SOCK_DGRAM, IPPROTO_UDP, &udp_prot);
	assert_int_equal(udp_prot.get_port(sk, UPORT), 0);
	int v = gro;
	assert_int_equal(udp_setsockopt(sk, NS_SOL_UDP, NS_UDP_GRO, &v, sizeof v), 0);
	return sk;
}

static void
udp_sock_free(struct fx *fx, struct sock *sk)
{
	if (sk) {
		udp_prot.unhash(sk);
		sock_put(sk);
	}
	udp_fini(fx->h);
}

/* Write a UDP datagram of @len payload bytes (payload offset @off) with IP
 * ID @id into the ring; @zero_csum sends it without a sum. */
static void
rx_udp(struct fx *fx, uint32_t off, uint32_t len, uint16_t id, bool zero_csum)
{
	uint8_t f[ETH_HLEN + UHDRS + 2000];
	uint32_t tot = UHDRS + len;
	memcpy(f, mac_nic, ETH_ALEN);
	memcpy(f + ETH_ALEN, mac_peer, ETH_ALEN);
	f[12] = 0x08;
	f[13] = 0x00;
	struct iphdr *iph = (struct iphdr *)(f + ETH_HLEN);
	ip_build_header(iph, SADDR, DADDR, IPPROTO_UDP, 64, 0, (uint16_t)tot, id, true);
	struct udphdr *uh = (struct udphdr *)(f + ETH_HLEN + IP_HLEN);
	uh->source = htons(40000);
	uh->dest = htons(UPORT);
	uh->len = htons((uint16_t)(UDP_HLEN + len));
	uh->check = 0;
	for (uint32_t i = 0; i < len; i++)
		f[ETH_HLEN + UHDRS + i] = pattern(off + i);
	if (!zero_csum) {
		sum16_t c = csum_tcpudp_magic(SADDR, DADDR, UDP_HLEN + len, IPPROTO_UDP,
					      csum_partial(uh, UDP_HLEN + len, 0));
		uh->check = c ? c : 0xffff;
	}
	nic_rx_frame(fx->nic, f, ETH_HLEN + tot, 0);
}

/* @skb carries @segs datagrams' payload (@bytes from offset @off), as
 * udp4_gro_complete leaves it: UDP length of the whole, sums right. */
static void
assert_udp_aggregate(const struct sk_buff *skb, uint32_t off, uint32_t bytes, uint32_t segs,
		     uint32_t gso_size)
{
	const struct iphdr *iph = ip_of(skb);
	const struct udphdr *uh = (const struct udphdr *)(skb->data + IP_HLEN);
	assert_int_equal(skb->len, UHDRS + bytes);
	assert_int_equal(ntohs(iph->tot_len), UHDRS + bytes);
	assert_int_equal(ip_fast_csum(iph, iph->ihl), 0);
	assert_int_equal(ntohs(uh->len), UDP_HLEN + bytes);
	assert_int_equal(csum_tcpudp_magic(SADDR, DADDR, UDP_HLEN + bytes, IPPROTO_UDP,
					   csum_partial(uh, UDP_HLEN + bytes, 0)),
			 0);
	for (uint32_t i = 0; i < bytes; i++)
		if (skb->data[UHDRS + i] != pattern(off + i))
			fail_msg("byte %u of the UDP aggregate differs", i);
	if (segs > 1) {
		assert_int_equal(skb->gso_segs, segs);
		assert_int_equal(skb->gso_size, gso_size);
		assert_int_equal(skb->gso_type, SKB_GSO_UDP_L4);
		assert_int_equal(skb->ip_summed, CHECKSUM_PARTIAL);
	} else {
		assert_int_equal(skb->gso_size, 0);
	}
}

static void
test_udp_datagrams_merge_for_a_udp_gro_socket(void **state)
{
	struct fx *fx = *state;
	struct sock *sk = udp_sock(fx, true);
	for (uint32_t i = 0; i < 5; i++)
		rx_udp(fx, i * 1400, 1400, (uint16_t)(ID0 + i), false);
	run(fx);
	assert_int_equal(fx->n, 1);
	assert_udp_aggregate(fx->got[0], 0, 5 * 1400, 5, 1400);
	assert_int_equal(ntohs(ip_of(fx->got[0])->id), ID0); /* the first datagram's */
	udp_sock_free(fx, sk);
}

static void
test_udp_datagrams_for_a_socket_without_udp_gro_are_not_merged(void **state)
{
	struct fx *fx = *state;
	struct sock *sk = udp_sock(fx, false);
	for (uint32_t i = 0; i < 5; i++)
		rx_udp(fx, i * 1400, 1400, (uint16_t)(ID0 + i), false);
	run(fx);
	assert_int_equal(fx->n, 5);
	for (uint32_t i = 0; i < 5; i++)
		assert_udp_aggregate(fx->got[i], i * 1400, 1400, 1, 0);
	udp_sock_free(fx, sk);
}

static void
test_udp_without_a_socket_merges_only_with_rx_udp_gro_forwarding(void **state)
{
	struct fx *fx = *state;
	udp_init(fx->h);
	for (uint32_t i = 0; i < 3; i++)
		rx_udp(fx, i * 1000, 1000, (uint16_t)(ID0 + i), false);
	run(fx);
	assert_int_equal(fx->n, 3); /* no socket, no NETIF_F_GRO_UDP_FWD */
	nic_dev(fx->nic)->features |= NETIF_F_GRO_UDP_FWD;
	for (uint32_t i = 0; i < 3; i++)
		rx_udp(fx, i * 1000, 1000, (uint16_t)(ID0 + 3 + i), false);
	run(fx);
	assert_int_equal(fx->n, 4);
	assert_udp_aggregate(fx->got[3], 0, 3000, 3, 1000);
	udp_sock_free(fx, NULL);
}

static void
test_shorter_udp_datagram_is_merged_and_ends_the_aggregate(void **state)
{
	struct fx *fx = *state;
	struct sock *sk = udp_sock(fx, true);
	for (uint32_t i = 0; i < 3; i++)
		rx_udp(fx, i * 1400, 1400, (uint16_t)(ID0 + i), false);
	rx_udp(fx, 3 * 1400, 600, ID0 + 3, false);
	rx_udp(fx, 0, 1400, ID0 + 4, false);
	rx_udp(fx, 1400, 1400, ID0 + 5, false);
	run(fx);
	assert_int_equal(fx->n, 2);
	assert_udp_aggregate(fx->got[0], 0, 3 * 1400 + 600, 4, 1400);
	assert_udp_aggregate(fx->got[1], 0, 2 * 1400, 2, 1400);
	udp_sock_free(fx, sk);
}

static void
test_longer_udp_datagram_ends_the_aggregate_unmerged(void **state)
{
	struct fx *fx = *state;
	struct sock *sk = udp_sock(fx, true);
	rx_udp(fx, 0, 1000, ID0, false);
	rx_udp(fx, 1000, 1000, ID0 + 1, false);
	rx_udp(fx, 0, 1400, ID0 + 2, false);
	run(fx);
	assert_int_equal(fx->n, 2);
	assert_udp_aggregate(fx->got[0], 0, 2000, 2, 1000);
	assert_udp_aggregate(fx->got[1], 0, 1400, 1, 0);
	udp_sock_free(fx, sk);
}

/*
 * Linux skb_gro_receive (head_frag): the aggregate's truesize grows by
 * each merged skb's truesize less its struct sk_buff; a held skb that
 * merged nothing keeps its own.  netsim's 64 KB linear room is no charge.
 */
static void
test_udp_aggregate_is_charged_the_buffers_it_merged(void **state)
{
	struct fx *fx = *state;
	struct sock *sk = udp_sock(fx, true);
	rx_udp(fx, 0, 1400, ID0, false);
	run(fx);
	assert_int_equal(fx->n, 1); /* held, then flushed alone */
	uint32_t one = sock_skb_truesize(fx->got[0]);
	assert_true(one < 4096);
	for (uint32_t i = 0; i < 5; i++)
		rx_udp(fx, i * 1400, 1400, (uint16_t)(ID0 + 1 + i), false);
	run(fx);
	assert_int_equal(fx->n, 2);
	assert_udp_aggregate(fx->got[1], 0, 5 * 1400, 5, 1400);
	assert_true(fx->got[1]->end - fx->got[1]->head >= 5 * 1400);
	assert_int_equal(sock_skb_truesize(fx->got[1]), 5 * one - 4 * SKB_TRUESIZE_OVERHEAD);
	udp_sock_free(fx, sk);
}

static void
test_udp_datagram_without_a_sum_is_not_merged(void **state)
{
	struct fx *fx = *state;
	struct sock *sk = udp_sock(fx, true);
	for (uint32_t i = 0; i < 3; i++)
		rx_udp(fx, i * 1000, 1000, (uint16_t)(ID0 + i), true);
	run(fx);
	assert_int_equal(fx->n, 3);
	udp_sock_free(fx, sk);
}

static void
test_udp_gro_reader_gets_the_segment_size_in_a_cmsg(void **state)
{
	struct fx *fx = *state;
	struct sock *sk = udp_sock(fx, true);
	for (uint32_t i = 0; i < 4; i++)
		rx_udp(fx, i * 1200, 1200, (uint16_t)(ID0 + i), false);
	run(fx);
	assert_int_equal(fx->n, 1);
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	size_t len = sizeof ctl.b;
	int flags = 0;
	udp_cmsg_recv(sk, fx->got[0], ctl.b, &len, &flags);
	assert_int_equal(len, CMSG_SPACE(sizeof(int)));
	assert_int_equal(ctl.align.cmsg_level, NS_SOL_UDP);
	assert_int_equal(ctl.align.cmsg_type, NS_UDP_GRO);
	int gso;
	memcpy(&gso, CMSG_DATA(&ctl.align), sizeof gso);
	assert_int_equal(gso, 1200);
	assert_int_equal(flags, 0);
	len = sizeof(struct cmsghdr); /* no room for the int: MSG_CTRUNC */
	udp_cmsg_recv(sk, fx->got[0], ctl.b, &len, &flags);
	assert_int_equal(len, 0);
	assert_int_equal(flags, MSG_CTRUNC);
	udp_sock_free(fx, sk);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_contiguous_segments_merge_into_one_skb),
		T(test_udp_datagrams_merge_for_a_udp_gro_socket),
		T(test_udp_datagrams_for_a_socket_without_udp_gro_are_not_merged),
		T(test_udp_without_a_socket_merges_only_with_rx_udp_gro_forwarding),
		T(test_shorter_udp_datagram_is_merged_and_ends_the_aggregate),
		T(test_longer_udp_datagram_ends_the_aggregate_unmerged),
		T(test_udp_datagram_without_a_sum_is_not_merged),
		T(test_udp_aggregate_is_charged_the_buffers_it_merged),
		T(test_udp_gro_reader_gets_the_segment_size_in_a_cmsg),
		cmocka_unit_test_setup_teardown(test_gro_off_passes_each_segment_up, setup_off,
						teardown),
		T(test_out_of_order_segment_flushes_the_aggregate),
		T(test_rst_flushes_and_goes_up_alone),
		T(test_syn_flushes_and_goes_up_alone),
		T(test_urg_flushes_and_goes_up_alone),
		T(test_fin_is_merged_and_ends_the_aggregate),
		T(test_psh_ends_the_aggregate),
		T(test_different_flows_are_not_merged),
		T(test_aggregate_stops_below_64k),
		T(test_segment_shorter_than_mss_ends_the_aggregate),
		T(test_fixed_ip_id_merges_only_with_df),
		T(test_ip_id_increments_without_df),
		T(test_ttl_change_flushes_the_aggregate),
		T(test_poll_end_flushes_every_held_skb),
		cmocka_unit_test_setup_teardown(test_full_poll_keeps_this_jiffys_aggregate,
						setup_weight4, teardown),
		cmocka_unit_test_setup_teardown(test_gro_flush_timeout_holds_until_the_timer,
						setup_timeout, teardown),
		cmocka_unit_test_setup_teardown(test_bad_checksum_goes_up_unmerged, setup_no_rxcsum,
						teardown),
		T(test_each_frame_pays_gro_receive),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
