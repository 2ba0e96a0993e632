/*
 * tests/nic_pair.h - the fixture of the NIC's cmocka programs (test_nic,
 * test_nic_ring, test_nic_timers, test_nic_txq): two hosts, a and b, each
 * with one NIC (eth0) on the two ends of one wire, both devices open, and
 * a packet_type on b that hands every frame of one EtherType to the test.
 * Closing it checks what every test of these programs relies on: both
 * hosts conserve their skbs, none is left alive in the pool and no event is
 * left pending once the hosts are gone.  Header-only, static functions.
 */
#ifndef NETSIM_TESTS_NIC_PAIR_H
#define NETSIM_TESTS_NIC_PAIR_H

#include <glib.h>

#include "sim/sim.h"
#include "sim/wire.h"
#include "stack/eth.h"
#include "stack/host.h"
#include "stack/netdevice.h"
#include "stack/nic.h"
#include "stack/skbuff.h"
#include "trace/trace.h"

static const uint8_t nic_pair_mac_a[ETH_ALEN] = { 0x02, 0, 0, 0, 0, 0xa };
static const uint8_t nic_pair_mac_b[ETH_ALEN] = { 0x02, 0, 0, 0, 0, 0xb };

struct nic_pair {
	struct sim *sim;
	struct skb_pool *pool;
	struct trace *tr; /* NULL: untraced */
	struct host *a, *b;
	struct wire *w;
	struct nic *na, *nb;
	struct packet_type pt;
};

/* What differs between the programs; zero for the defaults. */
struct nic_pair_config {
	const struct nic_config *a, *b; /* NULL: nic_config_init's */
	const struct wire_config *wire; /* NULL: the wire's defaults */
	uint32_t cpus_a, cpus_b;	/* 0: one CPU */
	bool trace;			/* a full trace in memory */
	uint16_t type;			/* the EtherType b's handler takes */
	int (*rcv)(struct sk_buff *skb, struct net_device *dev, struct packet_type *pt);
	void *priv; /* the handler's pt->priv */
};

static inline void
nic_pair_set_cpus(struct host *h, uint32_t cpus)
{
	if (cpus == 0)
		return;
	struct netdev_host_config c = *dev_host_config(h);
	c.cpus = cpus;
	dev_set_host_config(h, &c);
}

static inline void
nic_pair_open(struct nic_pair *p, const struct nic_pair_config *c)
{
	GError *error = NULL;
	*p = (struct nic_pair){ 0 };
	p->sim = sim_new(7);
	p->pool = skb_pool_new();
	if (c->trace) {
		p->tr = trace_open(":memory:", TRACE_FULL, false, &error);
		assert_non_null(p->tr);
		assert_true(trace_begin_run(p->tr, "nic_pair", "", 7, "test", &error));
	}
	p->a = host_new(p->sim, p->tr, p->pool, "a", 7);
	p->b = host_new(p->sim, p->tr, p->pool, "b", 7);
	nic_pair_set_cpus(p->a, c->cpus_a);
	nic_pair_set_cpus(p->b, c->cpus_b);
	p->w = wire_new(p->sim, "l1", c->wire, 7);
	p->na = nic_new(p->a, "eth0", nic_pair_mac_a, c->a);
	p->nb = nic_new(p->b, "eth0", nic_pair_mac_b, c->b);
	nic_connect(p->na, p->w, 0);
	nic_connect(p->nb, p->w, 1);
	assert_int_equal(dev_open(nic_dev(p->na)), 0);
	assert_int_equal(dev_open(nic_dev(p->nb)), 0);
	p->pt = (struct packet_type){
		.type = c->type,
		.layer = LAYER_IP,
		.func_name = "test_rcv",
		.func = c->rcv,
		.priv = c->priv,
	};
	dev_add_pack(p->b, &p->pt);
}

static inline void
nic_pair_close(struct nic_pair *p)
{
	g_autoptr(GString) report = g_string_new(NULL);
	assert_int_equal(host_check_conservation(p->a, report), 0);
	assert_int_equal(host_check_conservation(p->b, report), 0);
	host_free(p->a);
	host_free(p->b);
	wire_free(p->w);
	struct skb_pool_stats ps;
	skb_pool_stats(p->pool, &ps);
	assert_int_equal(ps.live, 0);
	skb_pool_free(p->pool);
	assert_int_equal(sim_events_pending(p->sim), 0);
	if (p->tr)
		assert_true(trace_close(p->tr, true, NULL));
	sim_free(p->sim);
}

#endif
