/*
 * tests/test_nic.c - the NIC and its driver: a frame across a wire in
 * interrupt and NAPI mode (with its trace), interrupt masking and
 * re-enabling, ring-full drops, coalescing, TX completion, two NICs with
 * different settings in one host, and receive livelock's direction.
 * A test handler for a private ethertype plays the upper layer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <glib.h>

#include "sim/sim.h"
#include "sim/wire.h"
#include "stack/eth.h"
#include "stack/host.h"
#include "stack/net_dim.h"
#include "stack/netdevice.h"
#include "stack/nic.h"
#include "stack/skbuff.h"
#include "tests/nic_pair.h"
#include "trace/trace.h"
#include "tests/stack_test.h"

#define ETH_P_TEST 0x88b5
#define MAXREC 100000

struct fx {
	struct nic_pair p;
	sim_time_t charge;
	/* deliveries at b */
	uint32_t n;
	uint32_t seq[MAXREC];
	sim_time_t at[MAXREC];
	struct sk_buff_head consumer; /* a task-context consumer's queue (livelock test) */
	uint32_t consumed;
	struct cpu_work consume_work;
};

static int
test_rcv(struct sk_buff *skb, struct net_device *dev, struct packet_type *pt)
{
	struct fx *fx = pt->priv;
	if (fx->n < MAXREC) {
		uint32_t seq;
		memcpy(&seq, skb->data, sizeof(seq));
		fx->seq[fx->n] = seq;
		fx->at[fx->n] = sim_now(fx->p.sim);
	}
	fx->n++;
	host_charge_ns(skb->host, "test_rcv", fx->charge);
	skb_consume(skb);
	return NET_RX_SUCCESS;
}

static int
setup_with(void **state, const struct nic_config *ca, const struct nic_config *cb,
	   const struct wire_config *wc, bool trace)
{
	struct fx *fx = g_new0(struct fx, 1);
	nic_pair_open(&fx->p,
		      &(struct nic_pair_config){ .a = ca,
						 .b = cb,
						 .wire = wc,
						 .trace = trace,
						 .type = ETH_P_TEST,
						 .rcv = test_rcv,
						 .priv = fx });
	skb_queue_head_init(&fx->consumer, "consumer", LAYER_IP);
	*state = fx;
	return 0;
}

static int
setup(void **state)
{
	return setup_with(state, NULL, NULL, NULL, false);
}

static int
teardown(void **state)
{
	struct fx *fx = *state;
	skb_queue_purge(&fx->consumer, SKB_DROP_QUEUE_PURGE);
	cpu_withdraw(fx->p.b->cpu, &fx->consume_work);
	nic_pair_close(&fx->p);
	g_free(fx);
	return 0;
}

/* Send one test frame from a with sequence number @seq and @payload bytes. */
static void
send_from_a(struct fx *fx, uint32_t seq, uint32_t payload)
{
	struct net_device *dev = nic_dev(fx->p.na);
	struct sk_buff *skb = skb_alloc(fx->p.a, 64 + payload, LAYER_IP);
	skb_reserve(skb, 64 - ETH_HLEN);
	memset(skb_put(skb, payload), 0, payload);
	memcpy(skb->data, &seq, sizeof(seq));
	eth_header(skb, dev, ETH_P_TEST, nic_pair_mac_b, NULL);
	dev_queue_xmit(skb);
}

/* The frame the wire would carry, injected at b's NIC. */
static void
inject_at_b(struct fx *fx, uint32_t seq, uint32_t len)
{
	uint8_t f[2048] = { 0 };
	struct ethhdr *eh = (struct ethhdr *)f;
	memcpy(eh->h_dest, nic_pair_mac_b, ETH_ALEN);
	memcpy(eh->h_source, nic_pair_mac_a, ETH_ALEN);
	eh->h_proto = g_htons(ETH_P_TEST);
	memcpy(f + ETH_HLEN, &seq, sizeof(seq));
	nic_rx_frame(fx->p.nb, f, len, 0);
}

/* Inject @n frames at b, one every @gap ns, starting now. */
struct injector {
	struct fx *fx;
	uint32_t left, seq;
	sim_time_t gap;
};

static void
inject_ev(struct sim *sim, void *a, void *b)
{
	struct injector *in = a;
	inject_at_b(in->fx, in->seq++, 100);
	if (--in->left)
		sim_schedule(sim, in->gap, inject_ev, in, NULL);
}

static void
inject_train(struct injector *in, struct fx *fx, uint32_t n, sim_time_t gap)
{
	*in = (struct injector){ .fx = fx, .left = n, .gap = gap };
	sim_schedule(fx->p.sim, 0, inject_ev, in, NULL);
}

/* ---- a frame across the wire, with its trace ---- */

static int
setup_traced_napi(void **state)
{
	return setup_with(state, NULL, NULL, NULL, true);
}

static int
setup_traced_irq(void **state)
{
	struct nic_config c;
	nic_config_init(&c);
	c.napi = false;
	return setup_with(state, &c, &c, NULL, true);
}

static char *
b_path(struct fx *fx)
{
	assert_true(trace_flush(fx->p.tr, NULL));
	sqlite3 *db = trace_db(fx->p.tr);
	return query_list(db,
			  "SELECT e.op || ':' || coalesce(e.func, e.queue, e.copy_kind, "
			  "e.layer, '') FROM skb_events e JOIN hosts h ON e.host = h.id "
			  "WHERE h.name = 'b' AND e.skb = (SELECT max(skb) FROM skb_events "
			  "WHERE op = 'wire' AND func = 'rx') ORDER BY e.seq");
}

static void
test_frame_crosses_wire_in_napi_mode(void **state)
{
	struct fx *fx = *state;
	send_from_a(fx, 77, 100);
	sim_run_until(fx->p.sim, SIM_MS);
	assert_int_equal(fx->n, 1);
	assert_int_equal(fx->seq[0], 77);
	g_autofree char *path = b_path(fx);
	assert_string_equal(path,
			    "alloc:nic enqueue:rx_ring_free dequeue:rx_ring_free "
			    "expand:skb_attach_data reserve:nic put:nic "
			    "wire:rx copy:dma_from_dev enqueue:rx_ring dequeue:rx_ring "
			    "header:skb_reset_mac_header pull:eth header:skb_reset_network_header "
			    "handoff:netif_receive_skb handoff:test_rcv free:ip");
	sqlite3 *db = trace_db(fx->p.tr);
	g_autofree char *tx = query_list(
		db,
		"SELECT e.op || ':' || coalesce(e.func, e.queue, e.copy_kind, e.layer, '') "
		"FROM skb_events e JOIN hosts h ON e.host = h.id WHERE h.name = 'a' "
		"AND e.op != 'alloc' AND e.skb = (SELECT min(skb) FROM skb_events WHERE op = "
		"'wire' AND func = 'tx') "
		"ORDER BY e.seq");
	assert_string_equal(tx,
			    "reserve:ip put:ip push:eth header:skb_reset_mac_header "
			    "handoff:dev_queue_xmit enqueue:qdisc dequeue:qdisc "
			    "handoff:ndo_start_xmit enqueue:tx_ring copy:dma_to_dev wire:tx "
			    "dequeue:tx_ring free:nic");
	/* receive work ran in hardirq (top half) and softirq (poll) */
	g_autofree char *ctx = query_list(db,
					  "SELECT DISTINCT e.ctx FROM skb_events e "
					  "JOIN hosts h ON e.host = h.id WHERE h.name = 'b' "
					  "AND e.op = 'handoff' ORDER BY 1");
	assert_string_equal(ctx, "softirq");
}

static void
test_frame_crosses_wire_in_interrupt_mode(void **state)
{
	struct fx *fx = *state;
	send_from_a(fx, 78, 100);
	sim_run_until(fx->p.sim, SIM_MS);
	assert_int_equal(fx->n, 1);
	assert_int_equal(fx->seq[0], 78);
	g_autofree char *path = b_path(fx);
	assert_string_equal(path,
			    "alloc:nic enqueue:rx_ring_free dequeue:rx_ring_free "
			    "expand:skb_attach_data reserve:nic put:nic "
			    "wire:rx copy:dma_from_dev enqueue:rx_ring dequeue:rx_ring "
			    "header:skb_reset_mac_header pull:eth header:skb_reset_network_header "
			    "handoff:netif_rx enqueue:backlog dequeue:backlog "
			    "handoff:netif_receive_skb handoff:test_rcv free:ip");
	sqlite3 *db = trace_db(fx->p.tr);
	g_autofree char *ctx =
		query_list(db,
			   "SELECT e.ctx FROM skb_events e JOIN hosts h "
			   "ON e.host = h.id WHERE h.name = 'b' AND e.op = 'enqueue' "
			   "AND e.queue <> 'rx_ring_free' "
			   "ORDER BY e.seq");
	assert_string_equal(ctx, "hw hardirq"); /* DMA by the hardware, netif_rx in the top half */
}

/* ---- interrupts and NAPI ---- */

static void
test_napi_masks_irq_while_polling(void **state)
{
	struct fx *fx = *state;
	for (uint32_t i = 0; i < 50; i++)
		inject_at_b(fx, i, 100);
	/* one interrupt; the top half masks RX interrupts */
	assert_int_equal(nic_stats(fx->p.nb)->rx_irqs, 1);
	sim_run_until(fx->p.sim, 1500); /* the top half has run, the poll has not finished */
	assert_false(nic_rx_irq_enabled(fx->p.nb));
	for (uint32_t i = 50; i < 60; i++)
		inject_at_b(fx, i, 100);
	assert_int_equal(nic_stats(fx->p.nb)->rx_irqs, 1);
	sim_run_until(fx->p.sim, SIM_MS);
	assert_int_equal(fx->n, 60);
	assert_int_equal(nic_stats(fx->p.nb)->rx_irqs, 1);
}

static void
test_napi_reenables_irq_when_ring_empty(void **state)
{
	struct fx *fx = *state;
	inject_at_b(fx, 1, 100);
	assert_true(nic_rx_irq_enabled(fx->p.nb));
	sim_run_until(fx->p.sim, 1001); /* after the top half */
	assert_false(nic_rx_irq_enabled(fx->p.nb));
	sim_run_until(fx->p.sim, SIM_MS);
	assert_int_equal(fx->n, 1);
	assert_true(nic_rx_irq_enabled(fx->p.nb));
	struct napi_struct *n = nic_napi(fx->p.nb);
	assert_int_equal(n->completes, 1);
	assert_false(napi_is_scheduled(n));
	/* the next frame raises a new interrupt */
	inject_at_b(fx, 2, 100);
	assert_int_equal(nic_stats(fx->p.nb)->rx_irqs, 2);
	sim_run_until(fx->p.sim, 2 * SIM_MS);
	assert_int_equal(fx->n, 2);
}

static int
setup_small_ring(void **state)
{
	struct nic_config c;
	nic_config_init(&c);
	c.rx_ring = 8;
	return setup_with(state, NULL, &c, NULL, false);
}

static void
test_ring_full_drops_are_counted(void **state)
{
	struct fx *fx = *state;
	for (uint32_t i = 0; i < 20; i++)
		inject_at_b(fx, i, 100);
	const struct nic_stats *s = nic_stats(fx->p.nb);
	assert_int_equal(s->rx_ring_full, 12);
	assert_int_equal(s->rx_dma, 8);
	assert_int_equal(s->rx_ring_used, 8);
	assert_int_equal(host_drops(fx->p.b, SKB_DROP_RING_FULL), 12);
	assert_int_equal(nic_dev(fx->p.nb)->stats.drops[SKB_DROP_RING_FULL], 12);
	sim_run_until(fx->p.sim, SIM_MS);
	assert_int_equal(fx->n, 8);
	for (uint32_t i = 0; i < 8; i++)
		assert_int_equal(fx->seq[i], i);
	/* the ring was refilled */
	for (uint32_t i = 0; i < 8; i++)
		inject_at_b(fx, 100 + i, 100);
	assert_int_equal(nic_stats(fx->p.nb)->rx_ring_full, 12);
	sim_run_until(fx->p.sim, 2 * SIM_MS);
	assert_int_equal(fx->n, 16);
}

/*
 * An open ring holds its descriptors as folded skbs, counted allocated and
 * alive on the host (an untraced host posts them as one range, a traced one
 * one by one); stopping the device frees each unwritten one as consumed.
 * Both ways give the same counts.
 */
static void
check_stop_frees_each_posted_descriptor(struct fx *fx)
{
	struct skb_pool_stats before, after;
	uint32_t ring = nic_config(fx->p.nb)->rx_ring;
	inject_at_b(fx, 1, 100); /* one taken and refilled: a posted one is explicit */
	sim_run_until(fx->p.sim, SIM_MS);
	assert_int_equal(fx->n, 1);
	assert_int_equal(fx->p.b->folded, ring);
	skb_pool_stats(fx->p.pool, &before);
	dev_close(nic_dev(fx->p.nb));
	skb_pool_stats(fx->p.pool, &after);
	assert_int_equal(fx->p.b->folded, 0);
	assert_int_equal(after.consumed, before.consumed + ring);
	assert_int_equal(after.frees, before.frees + ring);
	assert_int_equal(after.live, before.live - ring);
	assert_int_equal(after.allocs, before.allocs);
}

static void
test_stop_frees_each_posted_descriptor(void **state)
{
	check_stop_frees_each_posted_descriptor(*state);
}

static void
test_stop_frees_each_posted_descriptor_traced(void **state)
{
	check_stop_frees_each_posted_descriptor(*state);
}

static void
test_bad_frames_are_dropped_by_the_hardware(void **state)
{
	struct fx *fx = *state;
	inject_at_b(fx, 1, 40);	  /* runt */
	inject_at_b(fx, 2, 1600); /* giant */
	uint8_t f[100] = { 0 };
	memcpy(f, nic_pair_mac_a, ETH_ALEN); /* not for b */
	nic_rx_frame(fx->p.nb, f, sizeof(f), 0);
	sim_run_until(fx->p.sim, SIM_MS);
	assert_int_equal(fx->n, 0);
	assert_int_equal(host_drops(fx->p.b, SKB_DROP_BAD_FRAME), 2);
	assert_int_equal(host_drops(fx->p.b, SKB_DROP_OTHERHOST), 1);
	assert_int_equal(nic_stats(fx->p.nb)->rx_irqs, 0);
	assert_int_equal(cpu_busy_ns(fx->p.b->cpu, CPU_HARDIRQ), 0);
}

static int
setup_irq_mode(void **state)
{
	struct nic_config c;
	nic_config_init(&c);
	c.napi = false;
	return setup_with(state, &c, &c, NULL, false);
}

static void
test_interrupt_mode_delivers_in_order(void **state)
{
	struct fx *fx = *state;
	struct injector in;
	inject_train(&in, fx, 200, 700);
	sim_run_until(fx->p.sim, SIM_MS);
	assert_int_equal(fx->n, 200);
	for (uint32_t i = 0; i < 200; i++)
		assert_int_equal(fx->seq[i], i);
	const struct nic_stats *s = nic_stats(fx->p.nb);
	assert_int_equal(s->rx_irq_frames, 200);
	assert_true(s->rx_irqs >= 1 && s->rx_irqs <= 200);
	/* the top half charged entry per interrupt and driver + netif_rx per frame */
	struct cpu *cpu = fx->p.b->cpu;
	assert_int_equal(
		cpu_busy_ns(cpu, CPU_HARDIRQ),
		(sim_time_t)s->rx_irqs * cpu_cost(cpu, COST_IRQ_ENTRY) +
			200 * (cpu_cost(cpu, COST_DRIVER_RX) + cpu_cost(cpu, COST_NETIF_RX)));
}

/* napi_defer_hard_irqs + gro_flush_timeout (Linux 5.10+): while polls
 * find packets, the completion leaves the IRQ masked and a timer re-polls;
 * the IRQ comes back after napi_defer_hard_irqs polls that found nothing.
 * 64 frames 2 us apart, timeout 20 us: one interrupt in all. */
static void
test_napi_defer_hard_irqs_replaces_interrupts_by_timer_polls(void **state)
{
	teardown(state);
	struct nic_config c;
	nic_config_init(&c);
	c.napi_defer_hard_irqs = 2;
	c.gro_flush_timeout = 20 * SIM_US;
	setup_with(state, NULL, &c, NULL, false);
	struct fx *fx = *state;
	struct injector in;
	inject_train(&in, fx, 64, 2 * SIM_US);
	sim_run_until(fx->p.sim, SIM_MS);
	assert_int_equal(fx->n, 64);
	assert_int_equal(nic_stats(fx->p.nb)->rx_irqs, 1);
	struct napi_struct *n = nic_napi(fx->p.nb);
	assert_true(n->deferred >= 6); /* 128 us of frames / 20 us, + the 2 empty polls */
	assert_false(napi_is_scheduled(n));
	/* deferral over: the next lone frame raises an interrupt again */
	inject_at_b(fx, 999, 100);
	sim_run_until(fx->p.sim, 2 * SIM_MS);
	assert_int_equal(nic_stats(fx->p.nb)->rx_irqs, 2);
	assert_int_equal(fx->n, 65);
}

static void
test_coalescing_reduces_interrupts(void **state)
{
	struct fx *fx = *state;
	struct injector in;
	inject_train(&in, fx, 64, 2 * SIM_US);
	sim_run_until(fx->p.sim, SIM_MS);
	uint64_t plain = nic_stats(fx->p.nb)->rx_irqs;
	assert_int_equal(fx->n, 64);
	assert_int_equal(plain, 64); /* frames 2us apart: each finds the CPU idle */
	teardown(state);

	struct nic_config c;
	nic_config_init(&c);
	c.rx_frames = 8;
	c.rx_usecs = 50;
	assert_true(nic_config_check(&c, NULL));
	setup_with(state, NULL, &c, NULL, false);
	fx = *state;
	inject_train(&in, fx, 64, 2 * SIM_US);
	sim_run_until(fx->p.sim, SIM_MS);
	assert_int_equal(fx->n, 64);
	assert_true(nic_stats(fx->p.nb)->rx_irqs <= 8);
	/* a lone frame still gets its interrupt after rx_usecs */
	uint64_t before = nic_stats(fx->p.nb)->rx_irqs;
	sim_time_t t0 = sim_now(fx->p.sim);
	inject_at_b(fx, 999, 100);
	sim_run_until(fx->p.sim, t0 + 49 * SIM_US);
	assert_int_equal(nic_stats(fx->p.nb)->rx_irqs, before);
	sim_run_until(fx->p.sim, t0 + 60 * SIM_US);
	assert_int_equal(nic_stats(fx->p.nb)->rx_irqs, before + 1);
	sim_run_until(fx->p.sim, 2 * SIM_MS);
	assert_int_equal(fx->n, 65);
}

static void
test_coalescing_check_refuses_frames_without_usecs(void **state)
{
	(void)state;
	struct nic_config c;
	nic_config_init(&c);
	c.rx_frames = 4;
	GError *error = NULL;
	assert_false(nic_config_check(&c, &error));
	assert_true(g_error_matches(error, CONF_ERROR, CONF_ERROR_CONFLICT));
	g_clear_error(&error);
}

/* ---- adaptive-rx (net_dim) ---- */

/* One net_dim measurement: 64 interrupts in 1 ms carrying @pkts 1000-byte packets. */
static bool
dim_feed(struct dim *d, struct dim_sample *s, uint64_t pkts)
{
	s->time += SIM_MS;
	s->event_ctr += DIM_NEVENTS;
	s->pkt_ctr += pkts;
	s->byte_ctr += pkts * 1000;
	return net_dim(d, s);
}

static void
test_net_dim_climbs_while_rates_improve_and_parks_at_the_edge(void **state)
{
	(void)state;
	struct dim d;
	struct dim_sample s = { 0 };
	net_dim_init(&d);
	assert_int_equal(d.profile_ix, 1); /* NET_DIM_DEF_PROFILE_CQE: 8 us, 128 frames */
	assert_false(net_dim(&d, &s));	   /* starts the first measurement */
	/* parked; any rate beats the empty previous one: exit parking to the left */
	assert_true(dim_feed(&d, &s, 1000));
	assert_int_equal(d.profile_ix, 0);
	assert_false(net_dim(&d, &s)); /* the next sample starts a new measurement */
	/* 800 < 1000 - 10%: worse, turn right */
	assert_true(dim_feed(&d, &s, 800));
	assert_int_equal(d.profile_ix, 1);
	/* each step right delivers more than 10% more: keep climbing to the edge */
	uint64_t pkts[] = { 1000, 1200, 1400 };
	for (unsigned i = 0; i < 3; i++) {
		assert_false(net_dim(&d, &s));
		assert_true(dim_feed(&d, &s, pkts[i]));
		assert_int_equal(d.profile_ix, 2 + i);
	}
	assert_int_equal(net_dim_get_rx_moderation(d.profile_ix).usec, 64);
	assert_false(net_dim(&d, &s));
	assert_false(dim_feed(&d, &s, 1600)); /* better again, but on the edge: park */
	assert_int_equal(d.tune_state, DIM_PARKING_ON_TOP);
	/* parked: rates within 10% of the ones it parked on change nothing */
	assert_false(dim_feed(&d, &s, 1650));
	assert_false(dim_feed(&d, &s, 1550));
	assert_int_equal(d.profile_ix, 4);
}

static void
test_net_dim_steps_down_when_the_load_falls(void **state)
{
	(void)state;
	struct dim d;
	struct dim_sample s = { 0 };
	net_dim_init(&d);
	d.profile_ix = 4; /* parked on top after a flood of 1600 packets per ms */
	d.prev_stats = (struct dim_stats){ .ppms = 1600, .bpms = 1600000, .epms = 64 };
	net_dim(&d, &s);
	/* 64 lone frames in 1 ms, one interrupt each: worse, leave the top to the left */
	assert_true(dim_feed(&d, &s, 64));
	assert_int_equal(d.tune_state, DIM_GOING_LEFT);
	assert_int_equal(d.profile_ix, 3);
	assert_int_equal(net_dim_get_rx_moderation(3).usec, 32);
	/* the same low rates again are not better: net_dim turns back (it optimises
	 * rates; at a steady low load every profile gives one interrupt per frame) */
	net_dim(&d, &s);
	assert_true(dim_feed(&d, &s, 64));
	assert_int_equal(d.profile_ix, 4);
}

/* A NIC with adaptive_rx under a flood, then at low load. */
static void
test_adaptive_rx_raises_coalescing_under_a_flood_and_lowers_it_after(void **state)
{
	struct nic_config c;
	nic_config_init(&c);
	c.adaptive_rx = true;
	assert_true(nic_config_check(&c, NULL));
	setup_with(state, NULL, &c, NULL, false);
	struct fx *fx = *state;
	const struct dim *d = nic_rx_dim_state(fx->p.nb);
	assert_non_null(d);
	assert_int_equal(nic_config(fx->p.nb)->rx_usecs, 8); /* the default profile */
	/* a frame every 2 us, 20 ms: 10000 frames */
	struct injector in;
	inject_train(&in, fx, 10000, 2 * SIM_US);
	sim_run_until(fx->p.sim, 21 * SIM_MS); /* the last batch waits up to 64 us */
	assert_int_equal(fx->n, 10000);
	/* ix 1 -> 0 (first decision) -> 1 (more interrupts: worse) -> 2 -> 3 -> 4 (fewer
	 * interrupts per ms at the same packet rate: better), parked at the edge */
	assert_int_equal(d->profile_ix, 4);
	assert_int_equal(nic_config(fx->p.nb)->rx_usecs, 64);
	assert_int_equal(nic_config(fx->p.nb)->rx_frames, 64);
	assert_true(nic_stats(fx->p.nb)->rx_irqs < 10000 / 8);
	/* low load: a frame every 200 us; the first decision steps one profile down */
	uint64_t changes = d->profile_changes;
	inject_train(&in, fx, 200, 200 * SIM_US);
	while (d->profile_changes == changes && sim_now(fx->p.sim) < 80 * SIM_MS)
		sim_run_until(fx->p.sim, sim_now(fx->p.sim) + 200 * SIM_US);
	assert_int_equal(d->profile_ix, 3);
	assert_int_equal(nic_config(fx->p.nb)->rx_usecs, 32);
	sim_run_until(fx->p.sim, 80 * SIM_MS);
	assert_int_equal(fx->n, 10200);
}

static void
test_adaptive_rx_needs_napi(void **state)
{
	(void)state;
	struct nic_config c;
	nic_config_init(&c);
	assert_false(c.adaptive_rx);
	c.adaptive_rx = true;
	c.napi = false;
	GError *error = NULL;
	assert_false(nic_config_check(&c, &error));
	assert_true(g_error_matches(error, CONF_ERROR, CONF_ERROR_CONFLICT));
	g_clear_error(&error);
}

/* ---- transmit ---- */

/* NAPI mode (e1000_intr, e1000_clean): a sent skb's descriptor raises the
 * device's one interrupt, which masks every cause and schedules NAPI; the
 * poll reclaims the TX ring (e1000_clean_tx_irq) in softirq context. */
static void
test_tx_completion_frees_sent_skbs_in_the_napi_poll(void **state)
{
	struct fx *fx = *state;
	for (uint32_t i = 0; i < 100; i++)
		send_from_a(fx, i, 200);
	const struct nic_stats *s = nic_stats(fx->p.na);
	assert_int_equal(s->tx_ring_used, 100);
	sim_run_until(fx->p.sim, SIM_MS);
	s = nic_stats(fx->p.na);
	assert_int_equal(s->tx_frames, 100);
	assert_int_equal(s->tx_completed, 100);
	assert_int_equal(s->tx_polled, 100);
	assert_int_equal(s->tx_ring_used, 0);
	assert_int_equal(s->tx_irqs, 0); /* no TX-completion interrupt of its own */
	assert_int_equal(s->rx_irqs, 0); /* no frame came in */
	assert_true(s->tx_napi_irqs >= 1 && s->tx_napi_irqs <= 100);
	assert_int_equal(fx->n, 100);
	/* a's only live skbs are its empty RX buffers */
	assert_int_equal(host_live_skbs(fx->p.a), nic_config(fx->p.na)->rx_ring);
	assert_int_equal(nic_dev(fx->p.na)->stats.tx_packets, 100);
	assert_int_equal(nic_dev(fx->p.nb)->stats.rx_packets, 100);
	struct cpu *cpu = fx->p.a->cpu;
	assert_int_equal(cpu_busy_ns(cpu, CPU_HARDIRQ),
			 (sim_time_t)s->tx_napi_irqs * cpu_cost(cpu, COST_IRQ_ENTRY));
	/* the poll paid tx_complete per skb on top of the senders' driver_tx */
	struct napi_struct *n = nic_napi(fx->p.na);
	assert_int_equal(n->packets, 0);
	assert_true(n->polls >= s->tx_napi_irqs);
	assert_true(cpu_busy_ns(cpu, CPU_SOFTIRQ) >=
		    100 * (cpu_cost(cpu, COST_DRIVER_TX) + cpu_cost(cpu, COST_TX_COMPLETE)) +
			    (sim_time_t)n->polls * cpu_cost(cpu, COST_NAPI_POLL));
}

/* Interrupt mode keeps a TX-completion interrupt that reclaims in hardirq. */
static void
test_tx_completion_interrupt_in_interrupt_mode(void **state)
{
	struct fx *fx = *state;
	for (uint32_t i = 0; i < 100; i++)
		send_from_a(fx, i, 200);
	sim_run_until(fx->p.sim, SIM_MS);
	const struct nic_stats *s = nic_stats(fx->p.na);
	assert_int_equal(s->tx_completed, 100);
	assert_int_equal(s->tx_polled, 0);
	assert_true(s->tx_irqs >= 1 && s->tx_irqs <= 100);
	assert_int_equal(s->rx_irqs, 0);
	struct cpu *cpu = fx->p.a->cpu;
	assert_int_equal(cpu_busy_ns(cpu, CPU_HARDIRQ),
			 (sim_time_t)s->tx_irqs * cpu_cost(cpu, COST_IRQ_ENTRY) +
				 100 * cpu_cost(cpu, COST_TX_COMPLETE));
	assert_int_equal(cpu_busy_ns(cpu, CPU_SOFTIRQ), 100 * cpu_cost(cpu, COST_DRIVER_TX));
}

/* A poll reclaims at most a ring's worth (e1000_clean_tx_irq: count <
 * tx_ring->count); having reached it, the poll returns its whole budget:
 * it stays scheduled (full_polls) and counts its weight against
 * netdev_budget, though it took no packet. */
static void
test_napi_tx_reclaim_stops_at_the_ring_size_and_repolls(void **state)
{
	struct fx *fx = *state;
	struct cpu *cpu = fx->p.a->cpu;
	/* a slow interrupt entry: all 4 frames of the ring are sent (60 bytes
	 * each, well under 1 us on the wire) before the first poll */
	cpu_set_cost(cpu, COST_IRQ_ENTRY, 50 * SIM_US);
	struct napi_struct *n = nic_napi(fx->p.na);
	for (uint32_t i = 0; i < 4; i++)
		send_from_a(fx, i, 60);
	sim_run_until(fx->p.sim, SIM_MS);
	const struct nic_stats *s = nic_stats(fx->p.na);
	assert_int_equal(s->tx_completed, 4);
	assert_int_equal(s->tx_polled, 4);
	assert_int_equal(s->tx_napi_irqs, 1);
	assert_int_equal(n->packets, 0);
	/* the first poll took all 4 and returned budget; the second found none */
	assert_int_equal(n->full_polls, 1);
	assert_int_equal(n->polls, 2);
	assert_int_equal(n->completes, 1);
}

static int
setup_small_tx_ring(void **state)
{
	struct nic_config c;
	nic_config_init(&c);
	c.tx_ring = 4;
	c.tx_queue_len = 10;
	return setup_with(state, &c, NULL, NULL, false);
}

static void
test_full_tx_ring_stops_queue_and_qdisc_drops(void **state)
{
	struct fx *fx = *state;
	for (uint32_t i = 0; i < 20; i++)
		send_from_a(fx, i, 200);
	struct net_device *dev = nic_dev(fx->p.na);
	assert_true(netif_queue_stopped(dev));
	assert_int_equal(nic_stats(fx->p.na)->tx_ring_used, 4);
	assert_int_equal(skb_queue_len(&netdev_get_tx_queue(dev, 0)->qdisc), 10);
	assert_int_equal(host_drops(fx->p.a, SKB_DROP_QDISC_FULL), 6);
	sim_run_until(fx->p.sim, SIM_MS);
	assert_int_equal(fx->n, 14);
	for (uint32_t i = 0; i < 14; i++)
		assert_int_equal(fx->seq[i], i);
	assert_false(netif_queue_stopped(dev));
}

/* ---- two NICs in one host ---- */

static void
test_two_nics_with_different_settings_in_one_host(void **state)
{
	struct fx *fx = *state;
	struct nic_config c1;
	nic_config_init(&c1);
	c1.napi = false;
	c1.rx_ring = 16;
	struct nic *n1 = nic_new(fx->p.b, "eth1", NULL, &c1);
	assert_int_equal(dev_open(nic_dev(n1)), 0);
	struct net_device *d1 = nic_dev(n1);
	assert_int_equal(d1->ifindex, 2);
	assert_false(eth_addr_equal(d1->dev_addr, nic_pair_mac_b));
	assert_false(is_multicast_ether_addr(d1->dev_addr));

	uint8_t f[100] = { 0 };
	struct ethhdr *eh = (struct ethhdr *)f;
	memcpy(eh->h_dest, d1->dev_addr, ETH_ALEN);
	eh->h_proto = g_htons(ETH_P_TEST);
	for (uint32_t i = 0; i < 30; i++) {
		inject_at_b(fx, i, 100);
		nic_rx_frame(n1, f, sizeof(f), 0);
	}
	sim_run_until(fx->p.sim, SIM_MS);
	/* eth0 (NAPI, 256 descriptors) took all 30; eth1 (interrupt mode, 16) dropped */
	assert_int_equal(nic_stats(fx->p.nb)->rx_ring_full, 0);
	assert_true(nic_stats(n1)->rx_ring_full > 0);
	assert_int_equal(nic_stats(n1)->rx_irq_frames, 30 - nic_stats(n1)->rx_ring_full);
	assert_int_equal(nic_stats(fx->p.nb)->rx_irq_frames, 0);
	assert_int_equal(nic_napi(fx->p.nb)->packets, 30);
	assert_int_equal(fx->n, 60 - nic_stats(n1)->rx_ring_full);
	assert_int_equal(nic_dev(fx->p.nb)->stats.rx_dropped, 0);
	assert_int_equal(d1->stats.rx_dropped, nic_stats(n1)->rx_ring_full);
}

/* ---- receive livelock: interrupts vs NAPI (direction, with margins) ---- */

/* A task-context consumer: one queued skb per COST_APP_PACKET. */
static void consume_one(struct cpu_work *w);

static void
consumer_kick(struct fx *fx)
{
	if (!fx->consume_work.queued && !skb_queue_empty(&fx->consumer))
		cpu_submit(fx->p.b->cpu, &fx->consume_work, CPU_TASK,
			   cpu_cost(fx->p.b->cpu, COST_APP_PACKET));
}

static void
consume_one(struct cpu_work *w)
{
	struct fx *fx = w->owner;
	struct sk_buff *skb = skb_dequeue(&fx->consumer);
	if (skb) {
		fx->consumed++;
		skb_consume(skb);
	}
	consumer_kick(fx);
}

static int
queue_rcv(struct sk_buff *skb, struct net_device *dev, struct packet_type *pt)
{
	struct fx *fx = pt->priv;
	host_charge_ns(skb->host, "queue_rcv", 1000);
	if (skb_queue_len(&fx->consumer) >= 200) {
		skb_drop(skb, SKB_DROP_SOCKET_RCVBUFF);
		return NET_RX_DROP;
	}
	skb_queue_tail(&fx->consumer, skb);
	consumer_kick(fx);
	return NET_RX_SUCCESS;
}

/* Frames delivered to the task in 20 ms of a flood of one frame per @gap ns. */
static uint32_t
flood(void **state, bool napi, sim_time_t gap)
{
	struct nic_config c;
	nic_config_init(&c);
	c.napi = napi;
	setup_with(state, NULL, &c, NULL, false);
	struct fx *fx = *state;
	cpu_work_init(&fx->consume_work, consume_one, fx, "consumer");
	fx->consume_work.task = 1;
	fx->p.pt.func = queue_rcv;
	struct injector in;
	uint32_t n = (uint32_t)(20 * SIM_MS / gap);
	inject_train(&in, fx, n, gap);
	sim_run_until(fx->p.sim, 20 * SIM_MS);
	uint32_t got = fx->consumed;
	if (napi && gap < 2 * SIM_US) {
		/* under overload NAPI drops in the ring, for free */
		assert_true(nic_stats(fx->p.nb)->rx_ring_full > n / 4);
	}
	sim_run_until(fx->p.sim, 40 * SIM_MS);
	teardown(state);
	return got;
}

static void
test_flood_livelocks_interrupt_mode_but_not_napi(void **state)
{
	/* per frame: ~1.65us (irq) + 1.1us (softirq) + 1us (task) of CPU */
	uint32_t irq_light = flood(state, false, 10 * SIM_US);
	uint32_t irq_heavy = flood(state, false, 1 * SIM_US);
	uint32_t napi_light = flood(state, true, 10 * SIM_US);
	uint32_t napi_heavy = flood(state, true, 1 * SIM_US);
	/* light load: everything is delivered either way */
	assert_in_range(irq_light, 1900, 2000);
	assert_in_range(napi_light, 1900, 2000);
	/* overload: interrupt mode collapses, NAPI keeps delivering */
	assert_true(irq_heavy < irq_light / 4);
	assert_true(napi_heavy > irq_heavy * 4);
	assert_true(napi_heavy > napi_light / 2);
	/* the fixture's teardown expects a world */
	setup(state);
}

static void
test_nic_conf_keys_and_defaults(void **state)
{
	(void)state;
	struct nic_config c;
	nic_config_init(&c);
	assert_int_equal(c.rx_ring, 256);
	assert_int_equal(c.tx_ring, 256);
	assert_int_equal(c.tx_queue_len, 1000);
	assert_int_equal(c.weight, 64);
	assert_int_equal(c.mtu, 1500);
	assert_true(c.napi);
	GError *error = NULL;
	assert_true(conf_set(conf_find(nic_conf_keys, "napi"), &c, "off", &error));
	assert_true(conf_set(conf_find(nic_conf_keys, "rx_usecs"), &c, "30", &error));
	assert_true(conf_set(conf_find(nic_conf_keys, "txqueuelen"), &c, "50", &error));
	assert_false(conf_set(conf_find(nic_conf_keys, "rx_ring"), &c, "0", &error));
	g_clear_error(&error);
	assert_false(c.napi);
	assert_int_equal(c.rx_usecs, 30);
	assert_int_equal(c.tx_queue_len, 50);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_frame_crosses_wire_in_napi_mode,
						setup_traced_napi, teardown),
		cmocka_unit_test_setup_teardown(test_frame_crosses_wire_in_interrupt_mode,
						setup_traced_irq, teardown),
		cmocka_unit_test_setup_teardown(test_napi_masks_irq_while_polling, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_frees_each_posted_descriptor, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_stop_frees_each_posted_descriptor_traced,
						setup_traced_napi, teardown),
		cmocka_unit_test_setup_teardown(test_napi_reenables_irq_when_ring_empty, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ring_full_drops_are_counted, setup_small_ring,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_frames_are_dropped_by_the_hardware, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_interrupt_mode_delivers_in_order,
						setup_irq_mode, teardown),
		cmocka_unit_test_setup_teardown(test_coalescing_reduces_interrupts, setup_irq_mode,
						teardown),
		cmocka_unit_test(test_coalescing_check_refuses_frames_without_usecs),
		cmocka_unit_test(test_net_dim_climbs_while_rates_improve_and_parks_at_the_edge),
		cmocka_unit_test(test_net_dim_steps_down_when_the_load_falls),
		cmocka_unit_test_setup_teardown(
			test_adaptive_rx_raises_coalescing_under_a_flood_and_lowers_it_after, NULL,
			teardown),
		cmocka_unit_test(test_adaptive_rx_needs_napi),
		cmocka_unit_test_setup_teardown(
			test_napi_defer_hard_irqs_replaces_interrupts_by_timer_polls, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_tx_completion_frees_sent_skbs_in_the_napi_poll,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_completion_interrupt_in_interrupt_mode,
						setup_irq_mode, teardown),
		cmocka_unit_test_setup_teardown(
			test_napi_tx_reclaim_stops_at_the_ring_size_and_repolls,
			setup_small_tx_ring, teardown),
		cmocka_unit_test_setup_teardown(test_full_tx_ring_stops_queue_and_qdisc_drops,
						setup_small_tx_ring, teardown),
		cmocka_unit_test_setup_teardown(test_two_nics_with_different_settings_in_one_host,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_flood_livelocks_interrupt_mode_but_not_napi,
						NULL, teardown),
		cmocka_unit_test(test_nic_conf_keys_and_defaults),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
