/*
 * tests/test_dev.c - the netdev core: backlog, NET_RX softirq, NAPI limits,
 * ksoftirqd, ethertype demux, CPU charging, qdisc.  A fake driver and fake
 * NAPI instances stand in for the NIC, so limits can be checked exactly.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <glib.h>
#include "sim/check.h"

#include "sim/proc.h"
#include "sim/sim.h"
#include "stack/eth.h"
#include "stack/host.h"
#include "stack/netdevice.h"
#include "stack/skbuff.h"
#include "tests/stack_test.h"

#define ETH_P_TEST 0x88b5
#define MAXREC 4096

struct fx;

/* A NAPI instance whose "ring" holds @frames frames. */
struct fake_napi {
	struct napi_struct n;
	struct fx *fx;
	uint32_t frames;
};

struct fx {
	struct sim *sim;
	struct host *h;
	struct net_device *dev;
	struct packet_type pt;
	sim_time_t charge; /* what the handler charges per packet */
	/* deliveries */
	uint32_t n;
	uint64_t ids[MAXREC];
	sim_time_t at[MAXREC];
	enum cpu_ctx ctx[MAXREC];
	uint64_t action[MAXREC]; /* net_rx_actions when delivered */
	/* fake driver */
	bool tx_busy;
	struct sk_buff_head hw; /* what the driver took */
	struct fake_napi napi[2];
};

static int
test_rcv(struct sk_buff *skb, struct net_device *dev, struct packet_type *pt)
{
	struct fx *fx = pt->priv;
	struct softnet_stats s;
	dev_softnet_stats(fx->h, &s);
	assert_true(fx->n < MAXREC);
	fx->ids[fx->n] = skb->id;
	fx->at[fx->n] = sim_now(fx->sim);
	fx->ctx[fx->n] = cpu_current_ctx(fx->h->cpu);
	fx->action[fx->n] = s.net_rx_actions;
	fx->n++;
	host_charge_ns(fx->h, "test_rcv", fx->charge);
	skb_consume(skb);
	return NET_RX_SUCCESS;
}

static enum netdev_tx
fake_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct fx *fx = *(struct fx **)netdev_priv(dev);
	if (fx->tx_busy)
		return NETDEV_TX_BUSY;
	skb_queue_tail(&fx->hw, skb);
	return NETDEV_TX_OK;
}

static const struct net_device_ops fake_ops = {
	.ndo_start_xmit = fake_xmit,
};

static struct sk_buff *
test_skb(struct fx *fx, uint16_t proto)
{
	struct sk_buff *skb = skb_alloc(fx->h, 64, LAYER_IP);
	skb_put(skb, 20);
	skb->protocol = proto;
	skb->dev = fx->dev;
	return skb;
}

static bool
fake_has_work(struct napi_struct *n)
{
	return ((struct fake_napi *)n->priv)->frames > 0;
}

static void
fake_rx_one(struct napi_struct *n)
{
	struct fake_napi *f = n->priv;
	f->frames--;
	netif_receive_skb(test_skb(f->fx, ETH_P_TEST));
}

static sim_time_t
fake_cost(struct napi_struct *n)
{
	return cpu_cost(n->host->cpu, COST_DRIVER_RX) + cpu_cost(n->host->cpu, COST_ETH_RCV);
}

static const struct napi_ops fake_napi_ops = {
	.has_work = fake_has_work,
	.rx_one = fake_rx_one,
	.packet_cost = fake_cost,
};

static void
fake_napi_init(struct fx *fx, int i, uint32_t weight, uint32_t frames)
{
	struct fake_napi *f = &fx->napi[i];
	f->fx = fx;
	f->frames = frames;
	netif_napi_add(fx->h, fx->dev, &f->n, i ? "fake1" : "fake0", &fake_napi_ops, weight, f);
}

static int
setup(void **state)
{
	struct fx *fx = g_new0(struct fx, 1);
	fx->sim = sim_new(1);
	fx->h = host_new(fx->sim, NULL, NULL, "alice", 1);
	fx->dev = alloc_netdev(fx->h, "fake0", sizeof(struct fx *), &fake_ops);
	*(struct fx **)netdev_priv(fx->dev) = fx;
	register_netdevice(fx->dev);
	assert_int_equal(dev_open(fx->dev), 0);
	skb_queue_head_init(&fx->hw, "fake_hw", LAYER_NIC);
	fx->pt = (struct packet_type){
		.type = ETH_P_TEST,
		.layer = LAYER_IP,
		.func_name = "test_rcv",
		.func = test_rcv,
		.priv = fx,
	};
	dev_add_pack(fx->h, &fx->pt);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;
	skb_queue_purge(&fx->hw, SKB_DROP_QUEUE_PURGE);
	g_autoptr(GString) report = g_string_new(NULL);
	assert_int_equal(host_check_conservation(fx->h, report), 0);
	host_free(fx->h);
	assert_int_equal(sim_events_pending(fx->sim), 0);
	sim_free(fx->sim);
	g_free(fx);
	return 0;
}

/* ---- interrupt mode: backlog ---- */

static void
test_netif_rx_delivers_in_order(void **state)
{
	struct fx *fx = *state;
	uint64_t sent[20];
	for (int i = 0; i < 20; i++) {
		struct sk_buff *skb = test_skb(fx, ETH_P_TEST);
		sent[i] = skb->id;
		assert_int_equal(netif_rx(skb), NET_RX_SUCCESS);
	}
	sim_run_until(fx->sim, SIM_MS);
	assert_int_equal(fx->n, 20);
	for (int i = 0; i < 20; i++) {
		assert_int_equal(fx->ids[i], sent[i]);
		assert_int_equal(fx->ctx[i], CPU_SOFTIRQ);
	}
	struct softnet_stats s;
	dev_softnet_stats(fx->h, &s);
	assert_int_equal(s.processed, 20);
	assert_int_equal(s.backlog_max, 20);
	assert_int_equal(s.backlog_len, 0);
}

static void
test_backlog_full_drops_are_counted(void **state)
{
	struct fx *fx = *state;
	dev_host_config(fx->h)->netdev_max_backlog = 5;
	int dropped = 0;
	for (int i = 0; i < 8; i++)
		dropped += netif_rx(test_skb(fx, ETH_P_TEST)) == NET_RX_DROP;
	assert_int_equal(dropped, 3);
	sim_run_until(fx->sim, SIM_MS);
	assert_int_equal(fx->n, 5);
	struct softnet_stats s;
	dev_softnet_stats(fx->h, &s);
	assert_int_equal(s.dropped, 3);
	assert_int_equal(host_drops(fx->h, SKB_DROP_BACKLOG_FULL), 3);
	assert_int_equal(host_drops_at(fx->h, SKB_DROP_BACKLOG_FULL, "netif_rx"), 3);
	assert_int_equal(fx->dev->stats.rx_dropped, 3);
	assert_int_equal(fx->dev->stats.drops[SKB_DROP_BACKLOG_FULL], 3);
}

/* ---- CPU charging ---- */

static void
test_handler_charge_is_paid_before_next_packet(void **state)
{
	struct fx *fx = *state;
	fx->charge = 1000;
	for (int i = 0; i < 3; i++)
		netif_rx(test_skb(fx, ETH_P_TEST));
	sim_run_until(fx->sim, SIM_MS);
	assert_int_equal(fx->n, 3);
	sim_time_t entry = cpu_cost(fx->h->cpu, COST_SOFTIRQ_ENTRY);
	sim_time_t poll = cpu_cost(fx->h->cpu, COST_NAPI_POLL);
	sim_time_t eth = cpu_cost(fx->h->cpu, COST_ETH_RCV);
	assert_int_equal(fx->at[0], entry + poll + eth);
	assert_int_equal(fx->at[1] - fx->at[0], 1000 + eth);
	assert_int_equal(fx->at[2] - fx->at[1], 1000 + eth);
}

static void
test_cpu_time_per_packet_is_sum_of_layer_costs(void **state)
{
	struct fx *fx = *state;
	fx->charge = 1000;
	for (int i = 0; i < 10; i++)
		netif_rx(test_skb(fx, ETH_P_TEST));
	sim_run_until(fx->sim, SIM_MS);
	struct cpu *cpu = fx->h->cpu;
	sim_time_t want = cpu_cost(cpu, COST_SOFTIRQ_ENTRY) + cpu_cost(cpu, COST_NAPI_POLL) +
		10 * (cpu_cost(cpu, COST_ETH_RCV) + 1000) + cpu_cost(cpu, COST_SOFTIRQ_EXIT);
	assert_int_equal(cpu_busy_ns(cpu, CPU_SOFTIRQ), want);
	assert_int_equal(cpu_busy_ns(cpu, CPU_HARDIRQ), 0);
	assert_int_equal(cpu_busy_ns(cpu, CPU_TASK), 0);
}

/* ---- NAPI limits ---- */

static void
test_napi_poll_bounded_by_weight(void **state)
{
	struct fx *fx = *state;
	fake_napi_init(fx, 0, 4, 10);
	assert_true(napi_schedule(&fx->napi[0].n));
	assert_false(napi_schedule(&fx->napi[0].n));
	sim_run_until(fx->sim, SIM_MS);
	struct napi_struct *n = &fx->napi[0].n;
	assert_int_equal(fx->n, 10);
	assert_int_equal(n->polls, 3); /* 4 + 4 + 2 */
	assert_int_equal(n->full_polls, 2);
	assert_int_equal(n->completes, 1);
	assert_false(napi_is_scheduled(n));
	for (uint32_t i = 0; i < fx->n; i++)
		assert_int_equal(fx->action[i], 1 + i / 4);
	struct softnet_stats s;
	dev_softnet_stats(fx->h, &s);
	assert_int_equal(s.net_rx_actions, 3);
	assert_int_equal(s.softirq_restarts, 2);
	assert_int_equal(s.time_squeeze, 0);
	netif_napi_del(n);
}

/* Most packets any one net_rx_action delivered. */
static uint32_t
max_per_action(struct fx *fx)
{
	uint32_t best = 0, run = 0;
	for (uint32_t i = 0; i < fx->n; i++) {
		run = (i > 0 && fx->action[i] == fx->action[i - 1]) ? run + 1 : 1;
		best = MAX(best, run);
	}
	return best;
}

static void
test_net_rx_action_bounded_by_budget(void **state)
{
	struct fx *fx = *state;
	dev_host_config(fx->h)->netdev_budget = 100;
	dev_host_config(fx->h)->softirq_max_restart = 1000;
	dev_host_config(fx->h)->softirq_max_time = SIM_S;
	fake_napi_init(fx, 0, 64, 300);
	fake_napi_init(fx, 1, 64, 300);
	napi_schedule(&fx->napi[0].n);
	napi_schedule(&fx->napi[1].n);
	sim_run_until(fx->sim, SIM_S);
	assert_int_equal(fx->n, 600);
	/* the budget is checked after each poll: 64 + 64 > 100 */
	assert_int_equal(max_per_action(fx), 128);
	struct softnet_stats s;
	dev_softnet_stats(fx->h, &s);
	assert_true(s.time_squeeze >= 4);
	netif_napi_del(&fx->napi[0].n);
	netif_napi_del(&fx->napi[1].n);
}

static void
test_net_rx_action_without_squeeze_polls_all_instances(void **state)
{
	struct fx *fx = *state;
	dev_host_config(fx->h)->softirq_max_restart = 1000;
	dev_host_config(fx->h)->softirq_max_time = SIM_S;
	fake_napi_init(fx, 0, 64, 64 * 3);
	fake_napi_init(fx, 1, 64, 64 * 3);
	napi_schedule(&fx->napi[0].n);
	napi_schedule(&fx->napi[1].n);
	sim_run_until(fx->sim, SIM_S);
	assert_int_equal(fx->n, 384);
	assert_int_equal(max_per_action(fx), 128);
	struct softnet_stats s;
	dev_softnet_stats(fx->h, &s);
	assert_int_equal(s.time_squeeze, 0);
	netif_napi_del(&fx->napi[0].n);
	netif_napi_del(&fx->napi[1].n);
}

static void
test_net_rx_action_bounded_by_time(void **state)
{
	struct fx *fx = *state;
	fx->charge = 1000;
	dev_host_config(fx->h)->netdev_budget_usecs = 10;
	dev_host_config(fx->h)->softirq_max_restart = 1000;
	dev_host_config(fx->h)->softirq_max_time = SIM_S;
	fake_napi_init(fx, 0, 64, 200);
	fake_napi_init(fx, 1, 64, 200);
	napi_schedule(&fx->napi[0].n);
	napi_schedule(&fx->napi[1].n);
	sim_run_until(fx->sim, SIM_S);
	assert_int_equal(fx->n, 400);
	/* one poll of 64 packets takes > 10us: the second instance waits */
	assert_int_equal(max_per_action(fx), 64);
	struct softnet_stats s;
	dev_softnet_stats(fx->h, &s);
	assert_true(s.time_squeeze >= 6);
	netif_napi_del(&fx->napi[0].n);
	netif_napi_del(&fx->napi[1].n);
}

static void
test_ksoftirqd_takes_over_after_restart_limit(void **state)
{
	struct fx *fx = *state;
	fake_napi_init(fx, 0, 4, 100);
	napi_schedule(&fx->napi[0].n);
	sim_run_until(fx->sim, SIM_S);
	assert_int_equal(fx->n, 100);
	/* 10 runs of net_rx_action in softirq context, 4 packets each */
	for (uint32_t i = 0; i < 40; i++)
		assert_int_equal(fx->ctx[i], CPU_SOFTIRQ);
	for (uint32_t i = 40; i < 100; i++)
		assert_int_equal(fx->ctx[i], CPU_TASK);
	struct softnet_stats s;
	dev_softnet_stats(fx->h, &s);
	assert_int_equal(s.ksoftirqd_wakeups, 1);
	/* __do_softirq restarts in ksoftirqd too (kernel/softirq.c): 9 at irq
	 * exit, then ksoftirqd's passes of 10 and 6 net_rx_actions (9 + 5) */
	assert_int_equal(s.softirq_restarts, 23);
	assert_int_equal(s.ksoftirqd_actions, 16); /* the last finds the ring empty */
	assert_false(dev_ksoftirqd_running(fx->h));
	assert_false(dev_softirq_busy(fx->h));
	assert_true(cpu_busy_ns(fx->h->cpu, CPU_TASK) > 0);
	netif_napi_del(&fx->napi[0].n);
}

static void
test_softirq_time_limit_wakes_ksoftirqd(void **state)
{
	struct fx *fx = *state;
	fx->charge = 1000;
	dev_host_config(fx->h)->softirq_max_time = 8 * SIM_US;
	fake_napi_init(fx, 0, 4, 20);
	napi_schedule(&fx->napi[0].n);
	sim_run_until(fx->sim, SIM_S);
	assert_int_equal(fx->n, 20);
	/* run 1 ends at 5.9us and restarts; run 2 ends after 8us: ksoftirqd */
	assert_int_equal(fx->ctx[7], CPU_SOFTIRQ);
	assert_int_equal(fx->ctx[8], CPU_TASK);
	struct softnet_stats s;
	dev_softnet_stats(fx->h, &s);
	assert_int_equal(s.ksoftirqd_wakeups, 1);
	netif_napi_del(&fx->napi[0].n);
}

/* ---- demux ---- */

static void
test_unknown_ethertype_dropped_with_reason(void **state)
{
	struct fx *fx = *state;
	netif_rx(test_skb(fx, 0x1234));
	netif_rx(test_skb(fx, 0));
	netif_rx(test_skb(fx, ETH_P_TEST));
	sim_run_until(fx->sim, SIM_MS);
	assert_int_equal(fx->n, 1);
	assert_int_equal(host_drops(fx->h, SKB_DROP_UNHANDLED_PROTO), 1);
	assert_int_equal(host_drops(fx->h, SKB_DROP_BAD_FRAME), 1);
	assert_int_equal(fx->dev->stats.rx_dropped, 2);
	dev_remove_pack(fx->h, &fx->pt);
	netif_rx(test_skb(fx, ETH_P_TEST));
	sim_run_until(fx->sim, 2 * SIM_MS);
	assert_int_equal(host_drops(fx->h, SKB_DROP_UNHANDLED_PROTO), 2);
}

/* ---- transmit ---- */

static void
test_qdisc_full_drops_are_counted(void **state)
{
	struct fx *fx = *state;
	fx->dev->tx_queue_len = 3;
	netif_stop_queue(fx->dev);
	int dropped = 0;
	for (int i = 0; i < 5; i++)
		dropped += dev_queue_xmit(test_skb(fx, ETH_P_TEST)) == NET_XMIT_DROP;
	assert_int_equal(dropped, 2);
	assert_int_equal(skb_queue_len(&netdev_get_tx_queue(fx->dev, 0)->qdisc), 3);
	assert_int_equal(host_drops_at(fx->h, SKB_DROP_QDISC_FULL, "dev_queue_xmit"), 2);
	assert_int_equal(fx->dev->stats.tx_dropped, 2);
	/* the driver wakes the queue: NET_TX runs the qdisc */
	netif_wake_queue(fx->dev);
	sim_run_until(fx->sim, SIM_MS);
	assert_int_equal(skb_queue_len(&fx->hw), 3);
	assert_int_equal(skb_queue_len(&netdev_get_tx_queue(fx->dev, 0)->qdisc), 0);
}

static void
test_busy_driver_gets_skb_back_on_qdisc(void **state)
{
	struct fx *fx = *state;
	fx->tx_busy = true;
	assert_int_equal(dev_queue_xmit(test_skb(fx, ETH_P_TEST)), NET_XMIT_SUCCESS);
	assert_int_equal(skb_queue_len(&netdev_get_tx_queue(fx->dev, 0)->qdisc), 1);
	assert_true(netif_queue_stopped(fx->dev));
	fx->tx_busy = false;
	netif_wake_queue(fx->dev);
	sim_run_until(fx->sim, SIM_MS);
	assert_int_equal(skb_queue_len(&fx->hw), 1);
}

static void
test_xmit_on_down_device_drops(void **state)
{
	struct fx *fx = *state;
	dev_close(fx->dev);
	assert_int_equal(dev_queue_xmit(test_skb(fx, ETH_P_TEST)), NET_XMIT_DROP);
	assert_int_equal(host_drops(fx->h, SKB_DROP_DEV_DOWN), 1);
	assert_int_equal(dev_open(fx->dev), 0);
	struct sk_buff *big = skb_alloc(fx->h, 2000, LAYER_IP);
	skb_put(big, 1515);
	big->dev = fx->dev;
	assert_int_equal(dev_queue_xmit(big), NET_XMIT_DROP);
	assert_int_equal(host_drops(fx->h, SKB_DROP_PKT_TOO_BIG), 1);
}

static void
test_register_assigns_ifindex_and_names(void **state)
{
	struct fx *fx = *state;
	struct net_device *d2 = alloc_netdev(fx->h, "fake1", sizeof(struct fx *), &fake_ops);
	register_netdevice(d2);
	assert_int_equal(fx->dev->ifindex, 1);
	assert_int_equal(d2->ifindex, 2);
	assert_ptr_equal(dev_get_by_name(fx->h, "fake1"), d2);
	assert_ptr_equal(dev_get_by_index(fx->h, 1), fx->dev);
	assert_null(dev_get_by_name(fx->h, "eth9"));
	assert_ptr_equal(dev_first(fx->h), fx->dev);
	assert_ptr_equal(fx->dev->next, d2);
	unregister_netdevice(d2);
	free_netdev(d2);
	assert_null(fx->dev->next);
}

static void
test_host_conf_keys_set_settings(void **state)
{
	struct fx *fx = *state;
	struct netdev_host_config c;
	netdev_host_config_init(&c);
	assert_int_equal(c.netdev_budget, 300);
	assert_int_equal(c.netdev_budget_usecs, 2000);
	assert_int_equal(c.netdev_max_backlog, 1000);
	assert_int_equal(c.dev_weight, 64);
	assert_int_equal(c.softirq_max_restart, 10);
	assert_int_equal(c.softirq_max_time, 2 * SIM_MS);
	GError *error = NULL;
	assert_true(conf_set(conf_find(netdev_host_conf_keys, "netdev_budget"), &c, "50", &error));
	assert_true(
		conf_set(conf_find(netdev_host_conf_keys, "softirq_max_time"), &c, "1ms", &error));
	assert_true(conf_set(conf_find(netdev_host_conf_keys, "dev_weight"), &c, "16", &error));
	assert_false(conf_set(conf_find(netdev_host_conf_keys, "netdev_budget"), &c, "0", &error));
	g_clear_error(&error);
	assert_int_equal(c.netdev_budget, 50);
	assert_int_equal(c.softirq_max_time, SIM_MS);
	dev_set_host_config(fx->h, &c);
	assert_int_equal(dev_host_config(fx->h)->dev_weight, 16);
	for (const struct conf_key *k = netdev_host_conf_keys; k->key; k++)
		assert_non_null(k->doc);
}

/* Mogul & Ramakrishnan's "no quota": weight 0 polls until the ring is empty. */
static void
test_napi_weight_zero_polls_until_empty(void **state)
{
	struct fx *fx = *state;
	fake_napi_init(fx, 0, 0, 500);
	napi_schedule(&fx->napi[0].n);
	sim_run_until(fx->sim, 10 * SIM_MS);
	struct napi_struct *n = &fx->napi[0].n;
	assert_int_equal(fx->n, 500);
	assert_int_equal(n->polls, 1);
	assert_int_equal(n->completes, 1);
	assert_false(napi_is_scheduled(n));
	netif_napi_del(n);
}

/* Feedback: a blocked host parks its devices' NAPI instances (no poll, no
 * CPU), and unblocking reschedules them. */
static void
test_rx_throttle_parks_napi_until_unthrottled(void **state)
{
	struct fx *fx = *state;
	fake_napi_init(fx, 0, 4, 10);
	dev_rx_throttle(fx->h, true);
	assert_true(dev_rx_blocked(fx->h));
	napi_schedule(&fx->napi[0].n);
	sim_run_until(fx->sim, SIM_MS);
	assert_int_equal(fx->n, 0);
	assert_true(napi_is_scheduled(&fx->napi[0].n));
	assert_int_equal(fx->napi[0].n.parks, 1);
	sim_time_t busy = cpu_busy_ns(fx->h->cpu, CPU_SOFTIRQ);
	sim_run_until(fx->sim, 2 * SIM_MS);
	assert_int_equal(cpu_busy_ns(fx->h->cpu, CPU_SOFTIRQ), busy); /* parked costs nothing */
	dev_rx_throttle(fx->h, false);
	assert_false(dev_rx_blocked(fx->h));
	sim_run_until(fx->sim, 3 * SIM_MS);
	assert_int_equal(fx->n, 10);
	assert_false(napi_is_scheduled(&fx->napi[0].n));
	struct softnet_stats s;
	dev_softnet_stats(fx->h, &s);
	assert_int_equal(s.rx_throttles, 1);
	assert_int_equal(s.blocked_ns, 2 * SIM_MS);
	netif_napi_del(&fx->napi[0].n);
}

/* The backlog (packets taken in already) is processed while input is blocked. */
static void
test_rx_throttle_still_drains_backlog(void **state)
{
	struct fx *fx = *state;
	dev_rx_throttle(fx->h, true);
	for (int i = 0; i < 5; i++)
		netif_rx(test_skb(fx, ETH_P_TEST));
	sim_run_until(fx->sim, SIM_MS);
	assert_int_equal(fx->n, 5);
	dev_rx_throttle(fx->h, false);
}

/* The cycle limit: packet work stops at rx_cycle_limit percent of the
 * period and resumes when the next period begins. */
static void
test_rx_cycle_limit_blocks_input_for_rest_of_period(void **state)
{
	struct fx *fx = *state;
	struct netdev_host_config c = *dev_host_config(fx->h);
	c.rx_cycle_limit = 50;
	c.rx_cycle_period = SIM_MS;
	dev_set_host_config(fx->h, &c);
	fx->charge = 10 * SIM_US;
	fake_napi_init(fx, 0, 64, 1000);
	napi_schedule(&fx->napi[0].n);
	sim_run_until(fx->sim, 10 * SIM_MS);
	struct softnet_stats s;
	dev_softnet_stats(fx->h, &s);
	assert_true(s.cycle_limit_hits >= 9);
	/* never more than half of any period, and about half of the whole */
	double share = (double)cpu_busy_ns(fx->h->cpu, CPU_SOFTIRQ) / (10.0 * SIM_MS);
	assert_true(share > 0.45 && share < 0.56);
	for (uint32_t i = 1; i < fx->n; i++)
		if (fx->at[i] / SIM_MS == fx->at[i - 1] / SIM_MS)
			assert_true(fx->at[i] % SIM_MS <= SIM_MS / 2 + 11 * SIM_US);
	fx->napi[0].frames = 0;
	sim_run_until(fx->sim, 20 * SIM_MS);
	netif_napi_del(&fx->napi[0].n);
}

static int
busy_task(struct proc *p, void *arg)
{
	uint64_t *rounds = arg;
	for (;;) {
		proc_consume(p, 5 * SIM_US);
		(*rounds)++;
	}
	return 0;
}

/* Threaded NAPI as Linux (napi_threaded_poll): each poll runs with bottom
 * halves off, and between polls the thread calls cond_resched(), which
 * gives the CPU away only when need_resched is set.  The thread is woken
 * first; the busy task, woken while it runs, is not far enough behind in
 * vruntime to preempt it, so the thread polls all 10 quotas in a row. */
static void
test_threaded_napi_cond_resched_keeps_polling_without_need_resched(void **state)
{
	struct fx *fx = *state;
	struct proc_table *pt = proc_table_new(fx->sim, fx->h->cpu, "alice");
	uint64_t rounds = 0;
	proc_spawn(pt, "busy", 0, busy_task, &rounds);
	fake_napi_init(fx, 0, 4, 40);
	napi_set_threaded(&fx->napi[0].n, true);
	napi_schedule(&fx->napi[0].n);
	sim_run_until(fx->sim, 5 * SIM_MS);
	struct napi_struct *n = &fx->napi[0].n;
	assert_int_equal(fx->n, 40);
	assert_int_equal(n->polls, 10); /* the last one takes the last 4 and completes */
	assert_int_equal(n->full_polls, 9);
	assert_int_equal(n->completes, 1);
	for (uint32_t i = 0; i < fx->n; i++)
		assert_int_equal(fx->ctx[i], CPU_TASK); /* the thread's own task, BH off */
	for (uint32_t i = 1; i < fx->n; i++)		/* one stretch: no task ran between */
		assert_true(fx->at[i] - fx->at[i - 1] < SIM_US + 100);
	assert_true(rounds > 0); /* then busy ran */
	assert_int_equal(cpu_context_switches(fx->h->cpu), 1);
	assert_true(cpu_task_runtime(fx->h->cpu, napi_thread_task(n)) > 0);
	netif_napi_del(n);
	proc_table_free(pt);
}

/* bsd-1996: Mogul & Ramakrishnan's polling thread yields to the other
 * runnable tasks after every quota. */
static void
test_bsd_polling_thread_yields_after_each_quota(void **state)
{
	struct fx *fx = *state;
	dev_host_config(fx->h)->kernel = KERNEL_BSD_1996;
	struct proc_table *pt = proc_table_new(fx->sim, fx->h->cpu, "alice");
	uint64_t rounds = 0;
	proc_spawn(pt, "busy", 0, busy_task, &rounds);
	fake_napi_init(fx, 0, 4, 40);
	napi_set_threaded(&fx->napi[0].n, true);
	napi_schedule(&fx->napi[0].n);
	sim_run_until(fx->sim, 60 * SIM_MS);
	struct napi_struct *n = &fx->napi[0].n;
	assert_int_equal(fx->n, 40);
	assert_int_equal(n->polls, 10);
	assert_int_equal(n->full_polls, 9);
	for (uint32_t i = 4; i < fx->n; i += 4) /* the task ran between two quotas */
		assert_true(fx->at[i] - fx->at[i - 1] > 5 * SIM_US);
	assert_true(cpu_context_switches(fx->h->cpu) >= 18); /* to the task and back, each poll */
	netif_napi_del(n);
	proc_table_free(pt);
}

/*
 * Kernel profiles: NET_RX is raised while ksoftirqd is awake but waiting
 * for the CPU (a busy task has its slice).  linux-6.6 runs __do_softirq at
 * that irq exit (softirq context); linux-5.15 leaves it to ksoftirqd
 * (ksoftirqd_running(), v4.9 to v6.4), so the packet is taken in task
 * context, later.
 */
struct raise_later {
	struct fx *fx;
	uint32_t n_at; /* deliveries when the second instance was scheduled */
	bool waiting;  /* ksoftirqd was awake then */
};

static void
raise_second(struct sim *sim, void *a, void *b)
{
	(void)sim;
	(void)b;
	struct raise_later *r = a;
	r->n_at = r->fx->n;
	r->waiting = dev_ksoftirqd_running(r->fx->h);
	napi_schedule(&r->fx->napi[1].n);
}

static enum cpu_ctx
ctx_of_raise_during_ksoftirqd_wait(struct fx *fx, int kernel)
{
	dev_host_config(fx->h)->kernel = kernel;
	struct proc_table *pt = proc_table_new(fx->sim, fx->h->cpu, "alice");
	uint64_t rounds = 0;
	proc_spawn(pt, "busy", 0, busy_task, &rounds);
	fake_napi_init(fx, 0, 4, 100);
	fake_napi_init(fx, 1, 4, 4);
	sim_run_until(fx->sim, 10 * SIM_US); /* busy runs */
	napi_schedule(&fx->napi[0].n);	     /* 10 restarts, then ksoftirqd waits */
	struct raise_later r = { .fx = fx };
	sim_schedule(fx->sim, SIM_MS, raise_second, &r, NULL);
	sim_run_until(fx->sim, 20 * SIM_MS);
	assert_true(r.waiting);
	assert_int_equal(r.n_at, 40); /* 10 runs of net_rx_action in softirq, 4 each */
	assert_int_equal(fx->n, 104);
	enum cpu_ctx ctx = fx->ctx[r.n_at];
	netif_napi_del(&fx->napi[0].n);
	netif_napi_del(&fx->napi[1].n);
	proc_table_free(pt);
	return ctx;
}

static void
test_linux_6_6_runs_softirq_at_irq_exit_while_ksoftirqd_waits(void **state)
{
	assert_int_equal(ctx_of_raise_during_ksoftirqd_wait(*state, KERNEL_LINUX_6_6), CPU_SOFTIRQ);
}

static void
test_linux_5_15_defers_to_waiting_ksoftirqd(void **state)
{
	assert_int_equal(ctx_of_raise_during_ksoftirqd_wait(*state, KERNEL_LINUX_5_15), CPU_TASK);
}

/* In a child: @corrupt breaks one of @fx's NAPI instances, then
 * softnet_check must abort; the parent's instances are left intact. */
static void
assert_softnet_check_aborts(struct fx *fx, void (*corrupt)(struct fx *))
{
	softnet_check(fx->h);
	pid_t pid = fork();
	if (pid == 0) {
		corrupt(fx);
		softnet_check(fx->h);
		_exit(0);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
}

static void
napi_says_repoll(struct fx *fx)
{
	fx->napi[0].n.where = NAPI_REPOLL; /* says repoll, is on no list */
}

/* softnet_check finds an instance whose location field lies (checked build only). */
static void
test_softnet_check_aborts_when_a_napi_location_is_wrong(void **state)
{
	struct fx *fx = *state;
	if (!ns_checks_enabled())
		skip();
	fake_napi_init(fx, 0, 4, 8);
	assert_softnet_check_aborts(fx, napi_says_repoll);
	netif_napi_del(&fx->napi[0].n);
}

/* netif_napi_del takes an instance out of its CPU's list wherever it
 * is (first, last or between; the list is unlinked through back pointers,
 * as Linux's __netif_napi_del does with list_del_rcu): softnet_check walks
 * the list after each and checks every back pointer; an instance it still
 * found would abort on its out-of-range location. */
static void
test_napi_del_unlinks_from_any_place(void **state)
{
	struct fx *fx = *state;
	enum { N = 6 };
	struct fake_napi f[N];
	for (int i = 0; i < N; i++) {
		f[i] = (struct fake_napi){ .fx = fx };
		netif_napi_add(fx->h, fx->dev, &f[i].n, "many", &fake_napi_ops, 4, &f[i]);
	}
	softnet_check(fx->h);
	/* the list runs from the last added to the first: delete the
	 * first added (its end), the last added (its head), then between */
	static const int order[N] = { 0, N - 1, 2, 3, 1, 4 };
	for (int k = 0; k < N; k++) {
		struct napi_struct *n = &f[order[k]].n;
		netif_napi_del(n);
		n->where = (enum napi_where)99;
		softnet_check(fx->h);
	}
}

static void
napi_back_pointer_elsewhere(struct fx *fx)
{
	fx->napi[0].n.all_pprev = fx->napi[1].n.all_pprev;
}

/* softnet_check finds an instance whose back pointer does not point at
 * its link in the list (checked build only, as the location's test). */
static void
test_softnet_check_aborts_when_a_napi_back_pointer_is_wrong(void **state)
{
	struct fx *fx = *state;
	if (!ns_checks_enabled())
		skip();
	fake_napi_init(fx, 0, 4, 8);
	fake_napi_init(fx, 1, 4, 8);
	assert_softnet_check_aborts(fx, napi_back_pointer_elsewhere);
	netif_napi_del(&fx->napi[0].n);
	netif_napi_del(&fx->napi[1].n);
}

/* netif_receive_skb needs bottom halves off (its kerneldoc: softirq
 * context); called from plain task context it aborts (checked build). */
static void
test_netif_receive_skb_outside_softirq_aborts(void **state)
{
	struct fx *fx = *state;
	if (!ns_checks_enabled())
		skip();
	pid_t pid = fork();
	if (pid == 0) {
		netif_receive_skb(test_skb(fx, ETH_P_TEST)); /* no CPU item runs */
		_exit(0);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_netif_rx_delivers_in_order),
		T(test_backlog_full_drops_are_counted),
		T(test_handler_charge_is_paid_before_next_packet),
		T(test_cpu_time_per_packet_is_sum_of_layer_costs),
		T(test_napi_poll_bounded_by_weight),
		T(test_net_rx_action_bounded_by_budget),
		T(test_net_rx_action_without_squeeze_polls_all_instances),
		T(test_net_rx_action_bounded_by_time),
		T(test_ksoftirqd_takes_over_after_restart_limit),
		T(test_softirq_time_limit_wakes_ksoftirqd),
		T(test_unknown_ethertype_dropped_with_reason),
		T(test_qdisc_full_drops_are_counted),
		T(test_busy_driver_gets_skb_back_on_qdisc),
		T(test_xmit_on_down_device_drops),
		T(test_register_assigns_ifindex_and_names),
		T(test_host_conf_keys_set_settings),
		T(test_napi_weight_zero_polls_until_empty),
		T(test_rx_throttle_parks_napi_until_unthrottled),
		T(test_rx_throttle_still_drains_backlog),
		T(test_rx_cycle_limit_blocks_input_for_rest_of_period),
		T(test_threaded_napi_cond_resched_keeps_polling_without_need_resched),
		T(test_bsd_polling_thread_yields_after_each_quota),
		T(test_linux_6_6_runs_softirq_at_irq_exit_while_ksoftirqd_waits),
		T(test_linux_5_15_defers_to_waiting_ksoftirqd),
		T(test_softnet_check_aborts_when_a_napi_location_is_wrong),
		T(test_napi_del_unlinks_from_any_place),
		T(test_softnet_check_aborts_when_a_napi_back_pointer_is_wrong),
		T(test_netif_receive_skb_outside_softirq_aborts),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
