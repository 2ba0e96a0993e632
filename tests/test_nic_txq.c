/*
 * tests/test_nic_txq.c - several TX queues (issue 19): the queue choice of
 * netdev_core_pick_tx (XPS by the sending CPU, the flow hash, a socket's
 * cached queue and its re-choice when ooo_okay), and the rings: each
 * stops and wakes on its own, and they share the wire in turn.
 *
 * Host a (4 CPUs, eth0 with 4 TX queues) sends IPv4/UDP frames to host b
 * (1 CPU), where a handler counts them and records their source ports.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <glib.h>
#include <string.h>

#include "sim/cpu.h"
#include "sim/sim.h"
#include "sim/wire.h"
#include "stack/eth.h"
#include "stack/host.h"
#include "stack/netdevice.h"
#include "stack/nic.h"
#include "stack/rss.h"
#include "stack/skbuff.h"
#include "tests/nic_pair.h"
#include "stack/sock.h"

#define NQ 4

struct fx {
	struct nic_pair p;
	uint32_t n;
	uint16_t order[64]; /* source ports in arrival order */
};

/* A send from one CPU of host a (a cpu_work running there). */
struct send_req {
	struct cpu_work work;
	struct fx *fx;
	uint16_t sport;
	struct sock *sk;
	bool ooo_okay;
};

static int
test_rcv(struct sk_buff *skb, struct net_device *dev, struct packet_type *pt)
{
	(void)dev;
	struct fx *fx = pt->priv;
	if (fx->n < G_N_ELEMENTS(fx->order))
		fx->order[fx->n] = (uint16_t)(skb->data[20] << 8 | skb->data[21]);
	fx->n++;
	skb_consume(skb);
	return NET_RX_SUCCESS;
}

static struct fx *
fx_new(uint32_t tx_ring)
{
	struct fx *fx = g_new0(struct fx, 1);
	struct nic_config cfg;
	nic_config_init(&cfg);
	cfg.tx_queues = NQ;
	cfg.tx_ring = tx_ring;
	nic_pair_open(
		&fx->p,
		&(struct nic_pair_config){
			.a = &cfg, .cpus_a = NQ, .type = ETH_P_IP, .rcv = test_rcv, .priv = fx });
	return fx;
}

static int
setup(void **state)
{
	*state = fx_new(256);
	return 0;
}

static int
setup_small_rings(void **state)
{
	*state = fx_new(2);
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;
	nic_pair_close(&fx->p);
	g_free(fx);
	return 0;
}

/* An IPv4/UDP frame 10.0.0.1:@sport -> 10.0.0.2:9 from a's eth0. */
static struct sk_buff *
udp_frame(struct fx *fx, uint16_t sport)
{
	struct net_device *dev = nic_dev(fx->p.na);
	struct sk_buff *skb = skb_alloc(fx->p.a, 128, LAYER_IP);
	skb_reserve(skb, 64);
	uint8_t *p = skb_put(skb, 28 + 18);
	memset(p, 0, 28 + 18);
	static const uint8_t ip[20] = { 0x45, 0, 0,  46, 0, 0, 0,  0, 64, 17,
					0,    0, 10, 0,	 0, 1, 10, 0, 0,  2 };
	memcpy(p, ip, sizeof ip);
	p[20] = (uint8_t)(sport >> 8);
	p[21] = (uint8_t)sport;
	p[23] = 9;
	p[25] = 26;
	skb_reset_network_header(skb);
	eth_header(skb, dev, ETH_P_IP, nic_pair_mac_b, NULL);
	return skb;
}

/* The queue Linux's skb_tx_hash gives the flow: reciprocal_scale of its hash. */
static uint32_t
hash_queue(struct fx *fx, uint16_t sport)
{
	struct sk_buff *skb = udp_frame(fx, sport);
	bool has;
	uint32_t h = rss_hash_frame(rss_key_microsoft, skb->data, skb->len, &has);
	assert_true(has);
	skb_consume(skb);
	return (uint32_t)(((uint64_t)h * NQ) >> 32);
}

static void
send_done(struct cpu_work *w)
{
	struct send_req *r = w->owner;
	struct sk_buff *skb = udp_frame(r->fx, r->sport);
	skb->sk = r->sk;
	skb->ooo_okay = r->ooo_okay;
	dev_queue_xmit(skb);
}

/* Send one frame from CPU @cpu of host a and let it arrive. */
static void
send_on(struct fx *fx, uint32_t cpu, uint16_t sport, struct sock *sk, bool ooo_okay)
{
	struct send_req r = { .fx = fx, .sport = sport, .sk = sk, .ooo_okay = ooo_okay };
	cpu_work_init(&r.work, send_done, &r, "send");
	cpu_submit(fx->p.a->cpus[cpu], &r.work, CPU_TASK, 100);
	sim_run_until(fx->p.sim, sim_now(fx->p.sim) + SIM_MS);
}

static uint64_t
txq_packets(struct fx *fx, uint32_t q)
{
	struct nic_txq_stats s;
	nic_tx_queue_stats(fx->p.na, q, &s);
	return s.packets;
}

static void
set_xps_one_to_one(struct fx *fx)
{
	for (uint32_t q = 0; q < NQ; q++)
		netif_set_xps_queue(nic_dev(fx->p.na), 1ull << q, q);
}

static void
test_xps_sends_each_cpus_packets_to_its_queue(void **state)
{
	struct fx *fx = *state;
	set_xps_one_to_one(fx);
	/* one flow, whose hash names one queue, sent from every CPU */
	for (uint32_t cpu = 0; cpu < NQ; cpu++)
		for (int i = 0; i <= (int)cpu; i++)
			send_on(fx, cpu, 1000, NULL, false);
	for (uint32_t q = 0; q < NQ; q++)
		assert_int_equal(txq_packets(fx, q), q + 1);
	assert_int_equal(fx->n, 10);
}

static void
test_xps_with_two_queues_for_a_cpu_chooses_by_hash(void **state)
{
	struct fx *fx = *state;
	/* CPU 0 may use queues 1 and 3: map {1, 3}, index reciprocal_scale(hash, 2) */
	netif_set_xps_queue(nic_dev(fx->p.na), 0x1, 1);
	netif_set_xps_queue(nic_dev(fx->p.na), 0x1, 3);
	uint64_t want[NQ] = { 0 };
	for (uint16_t sport = 2000; sport < 2016; sport++) {
		struct sk_buff *skb = udp_frame(fx, sport);
		bool has;
		uint32_t h = rss_hash_frame(rss_key_microsoft, skb->data, skb->len, &has);
		skb_consume(skb);
		want[(((uint64_t)h * 2) >> 32) ? 3 : 1]++;
		send_on(fx, 0, sport, NULL, false);
	}
	for (uint32_t q = 0; q < NQ; q++)
		assert_int_equal(txq_packets(fx, q), want[q]);
	assert_true(want[1] > 0 && want[3] > 0);
}

static void
test_without_xps_the_flow_hash_picks_the_queue(void **state)
{
	struct fx *fx = *state;
	uint64_t want[NQ] = { 0 };
	for (uint16_t sport = 3000; sport < 3032; sport++) {
		want[hash_queue(fx, sport)]++;
		/* the CPU does not matter, the flow does */
		send_on(fx, sport % NQ, sport, NULL, false);
		send_on(fx, (sport + 1) % NQ, sport, NULL, false);
	}
	uint32_t used = 0;
	for (uint32_t q = 0; q < NQ; q++) {
		assert_int_equal(txq_packets(fx, q), 2 * want[q]);
		used += want[q] > 0;
	}
	assert_true(used > 1); /* 32 flows spread over more than one queue */
}

static void
test_a_connected_socket_keeps_its_cached_queue(void **state)
{
	struct fx *fx = *state;
	set_xps_one_to_one(fx);
	struct sock sk = { .host = fx->p.a, .sk_state = 1, .daddr = 0x0a000002 };
	send_on(fx, 1, 4000, &sk, false);
	assert_int_equal(sk.sk_tx_queue_mapping, 1 + 1);
	/* the writer moved to CPU 3, but packets are in flight: the old queue */
	send_on(fx, 3, 4000, &sk, false);
	send_on(fx, 2, 4000, &sk, false);
	assert_int_equal(txq_packets(fx, 1), 3);
	assert_int_equal(txq_packets(fx, 3), 0);
	assert_int_equal(sk.sk_tx_queue_mapping, 1 + 1);
}

static void
test_ooo_okay_lets_the_flow_move_to_the_new_cpus_queue(void **state)
{
	struct fx *fx = *state;
	set_xps_one_to_one(fx);
	struct sock sk = { .host = fx->p.a, .sk_state = 1, .daddr = 0x0a000002 };
	send_on(fx, 1, 4000, &sk, false);
	/* nothing in flight (tcp_xmit sets ooo_okay): XPS chooses again */
	send_on(fx, 3, 4000, &sk, true);
	assert_int_equal(sk.sk_tx_queue_mapping, 3 + 1);
	send_on(fx, 0, 4000, &sk, false); /* and the new queue sticks */
	assert_int_equal(txq_packets(fx, 1), 1);
	assert_int_equal(txq_packets(fx, 3), 2);
	assert_int_equal(txq_packets(fx, 0), 0);
}

static void
test_an_unconnected_socket_is_not_cached(void **state)
{
	struct fx *fx = *state;
	set_xps_one_to_one(fx);
	struct sock sk = { .host = fx->p.a, .sk_state = 7 /* TCP_CLOSE */ };
	send_on(fx, 1, 4000, &sk, false);
	send_on(fx, 2, 4000, &sk, false);
	assert_int_equal(sk.sk_tx_queue_mapping, 0);
	assert_int_equal(txq_packets(fx, 1), 1);
	assert_int_equal(txq_packets(fx, 2), 1);
}

static void
test_a_forwarded_packet_keeps_its_rx_queue_number(void **state)
{
	struct fx *fx = *state;
	struct sk_buff *skb = udp_frame(fx, 5000);
	skb->queue_mapping = 2 + 1; /* skb_record_rx_queue(skb, 2) */
	struct netdev_queue *txq = netdev_core_pick_tx(nic_dev(fx->p.na), skb);
	assert_int_equal(txq->index, 2);
	assert_int_equal(skb->queue_mapping, 2);
	skb->queue_mapping = 6 + 1; /* folded into 4 queues */
	assert_int_equal(netdev_core_pick_tx(nic_dev(fx->p.na), skb)->index, 2);
	skb_consume(skb);
}

/* Four frames of one flow (XPS from CPU 0 to queue 0), at once. */
static void
burst_on_queue(struct fx *fx, uint32_t q, uint16_t sport, int n)
{
	for (int i = 0; i < n; i++) {
		struct sk_buff *skb = udp_frame(fx, sport);
		skb->queue_mapping = (uint16_t)(q + 1); /* forwarded from RX queue q */
		dev_queue_xmit(skb);
	}
}

static void
test_a_full_ring_stops_only_its_queue(void **state)
{
	struct fx *fx = *state; /* tx_ring = 2 */
	struct net_device *dev = nic_dev(fx->p.na);
	burst_on_queue(fx, 0, 6000, 5);
	struct nic_txq_stats s0, s1;
	nic_tx_queue_stats(fx->p.na, 0, &s0);
	assert_true(s0.stopped);
	assert_true(netif_tx_queue_stopped(netdev_get_tx_queue(dev, 0)));
	assert_int_equal(s0.ring_used, 2);
	assert_int_equal(skb_queue_len(&netdev_get_tx_queue(dev, 0)->qdisc), 3);
	/* queue 1 still takes packets into its own ring */
	burst_on_queue(fx, 1, 6001, 1);
	nic_tx_queue_stats(fx->p.na, 1, &s1);
	assert_false(s1.stopped);
	assert_int_equal(s1.ring_used, 1);
	assert_int_equal(skb_queue_len(&netdev_get_tx_queue(dev, 1)->qdisc), 0);
	/* completions wake queue 0, whose qdisc drains */
	sim_run_until(fx->p.sim, sim_now(fx->p.sim) + SIM_MS);
	nic_tx_queue_stats(fx->p.na, 0, &s0);
	assert_false(s0.stopped);
	assert_int_equal(s0.packets, 5);
	assert_int_equal(fx->n, 6);
}

static void
test_rings_share_the_wire_in_turn(void **state)
{
	struct fx *fx = *state;
	burst_on_queue(fx, 0, 7000, 3);
	burst_on_queue(fx, 1, 7100, 3);
	sim_run_until(fx->p.sim, sim_now(fx->p.sim) + SIM_MS);
	assert_int_equal(fx->n, 6);
	/* the first of queue 0 was on the wire before queue 1 had any; then in turn */
	static const uint16_t want[6] = { 7000, 7100, 7000, 7100, 7000, 7100 };
	for (int i = 0; i < 6; i++)
		assert_int_equal(fx->order[i], want[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_xps_sends_each_cpus_packets_to_its_queue,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_xps_with_two_queues_for_a_cpu_chooses_by_hash,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_without_xps_the_flow_hash_picks_the_queue,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_connected_socket_keeps_its_cached_queue,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_ooo_okay_lets_the_flow_move_to_the_new_cpus_queue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_an_unconnected_socket_is_not_cached, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_a_forwarded_packet_keeps_its_rx_queue_number,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_full_ring_stops_only_its_queue,
						setup_small_rings, teardown),
		cmocka_unit_test_setup_teardown(test_rings_share_the_wire_in_turn, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
