/*
 * tests/test_rfs.c - RFS and the backlog flow limit (stack/rps.c): the
 * packet goes to the CPU its reader last ran on; a flow does not move
 * while its packets wait on the old CPU; without a sock flow entry RPS's
 * hash choice stands; a CPU in flow_limit_cpu_bitmap drops a large flow's
 * packets once the backlog is half full.  A 4-CPU host with a fake device
 * whose packets carry a chosen flow hash; a reader is a task item on a
 * CPU that calls sock_rps_record_flow, as recvmsg does.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <glib.h>

#include "sim/sim.h"
#include "stack/host.h"
#include "stack/netdevice.h"
#include "stack/rps.h"
#include "stack/rss.h"
#include "stack/skbuff.h"

#define ETH_P_TEST 0x88b5
#define MAXREC 256
#define HASH_A 0x12345671u
#define HASH_B 0x0abcdef2u

struct fx {
	struct sim *sim;
	struct host *h;
	struct net_device *dev;
	struct packet_type pt;
	sim_time_t charge; /* what the handler charges per packet */
	uint32_t n;
	uint64_t ids[MAXREC];
	uint32_t cpu[MAXREC]; /* the CPU each packet was delivered on */
	struct sock sk;	      /* a connected reader's sock */
	struct cpu_work reader;
};

static uint32_t
this_cpu(const struct host *h)
{
	for (uint32_t i = 0; i < h->ncpus; i++)
		if (h->cpus[i] == h->cpu)
			return i;
	fail_msg("no CPU runs now");
	return 0;
}

static int
test_rcv(struct sk_buff *skb, struct net_device *dev, struct packet_type *pt)
{
	(void)dev;
	struct fx *fx = pt->priv;
	assert_true(fx->n < MAXREC);
	fx->ids[fx->n] = skb->id;
	fx->cpu[fx->n] = this_cpu(fx->h);
	fx->n++;
	if (fx->charge)
		host_charge_ns(fx->h, "test_rcv", fx->charge);
	skb_consume(skb);
	return NET_RX_SUCCESS;
}

static enum netdev_tx
fake_xmit(struct sk_buff *skb, struct net_device *dev)
{
	(void)dev;
	skb_consume(skb);
	return NETDEV_TX_OK;
}

static const struct net_device_ops fake_ops = {
	.ndo_start_xmit = fake_xmit,
};

/* A packet of the flow with hash @hash, as if from RX queue 0. */
static struct sk_buff *
flow_skb(struct fx *fx, uint32_t hash)
{
	struct sk_buff *skb = skb_alloc(fx->h, 64, LAYER_IP);
	skb_put(skb, 20);
	skb->protocol = ETH_P_TEST;
	skb->dev = fx->dev;
	skb->hash = hash;
	skb->queue_mapping = 1;
	return skb;
}

/* The reader: recvmsg's sock_rps_record_flow, on the CPU it runs on. */
static void
reader_done(struct cpu_work *w)
{
	struct fx *fx = w->owner;
	sock_rps_record_flow(&fx->sk);
}

static void
reader_runs_on(struct fx *fx, uint32_t cpu)
{
	cpu_submit(fx->h->cpus[cpu], &fx->reader, CPU_TASK, 100);
}

static int
setup(void **state)
{
	struct fx *fx = g_new0(struct fx, 1);
	fx->sim = sim_new(1);
	fx->h = host_new(fx->sim, NULL, NULL, "bob", 1);
	struct netdev_host_config c = *dev_host_config(fx->h);
	c.cpus = 4;
	c.rps_sock_flow_entries = 4096;
	dev_set_host_config(fx->h, &c);
	fx->dev = alloc_netdev(fx->h, "fake0", 0, &fake_ops);
	register_netdevice(fx->dev);
	assert_int_equal(dev_open(fx->dev), 0);
	fx->pt = (struct packet_type){
		.type = ETH_P_TEST,
		.layer = LAYER_IP,
		.func_name = "test_rcv",
		.func = test_rcv,
		.priv = fx,
	};
	dev_add_pack(fx->h, &fx->pt);
	fx->sk.host = fx->h;
	fx->sk.sk_state = 1; /* TCP_ESTABLISHED: connected */
	fx->sk.sk_rxhash = HASH_A;
	cpu_work_init(&fx->reader, reader_done, fx, "reader");
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;
	g_autoptr(GString) report = g_string_new(NULL);
	assert_int_equal(host_check_conservation(fx->h, report), 0);
	host_free(fx->h);
	assert_int_equal(sim_events_pending(fx->sim), 0);
	sim_free(fx->sim);
	g_free(fx);
	return 0;
}

static void
rx_event(struct sim *sim, void *a, void *b)
{
	(void)sim;
	struct fx *fx = a;
	netif_rx(flow_skb(fx, (uint32_t)(uintptr_t)b));
}

static void
rx_at(struct fx *fx, sim_time_t when, uint32_t hash)
{
	sim_schedule_at(fx->sim, when, rx_event, fx, (void *)(uintptr_t)hash);
}

/* ---- RFS ---- */

static void
test_rfs_packet_goes_to_reader_cpu(void **state)
{
	struct fx *fx = *state;
	netif_set_rps_flow_cnt(fx->dev, 1, 0, 256);
	reader_runs_on(fx, 2);
	sim_run_until(fx->sim, SIM_US);
	rx_at(fx, 2 * SIM_US, HASH_A);
	sim_run_until(fx->sim, SIM_MS);
	assert_int_equal(fx->n, 1);
	assert_int_equal(fx->cpu[0], 2);
	struct softnet_stats s;
	dev_softnet_stats_cpu(fx->h, 2, &s);
	assert_int_equal(s.processed, 1);
	assert_int_equal(s.received_rps, 1); /* CPU 0 sent CPU 2 an IPI */
}

static void
test_rfs_unconnected_reader_records_nothing(void **state)
{
	struct fx *fx = *state;
	netif_set_rps_flow_cnt(fx->dev, 1, 0, 256);
	fx->sk.sk_state = 7; /* TCP_CLOSE: an unconnected UDP socket */
	reader_runs_on(fx, 2);
	sim_run_until(fx->sim, SIM_US);
	rx_at(fx, 2 * SIM_US, HASH_A);
	sim_run_until(fx->sim, SIM_MS);
	assert_int_equal(fx->n, 1);
	assert_int_equal(fx->cpu[0], 0); /* no RPS map: the receiving CPU */
}

/*
 * The reader moves from CPU 1 to CPU 3 while CPU 1's backlog still holds
 * the flow's packets (each takes 100 us there): the flow stays on CPU 1
 * until that backlog has passed the flow's last packet, then moves.
 */
static void
test_rfs_flow_stays_while_packets_queued_on_old_cpu(void **state)
{
	struct fx *fx = *state;
	netif_set_rps_flow_cnt(fx->dev, 1, 0, 256);
	fx->charge = 100 * SIM_US;
	reader_runs_on(fx, 1);
	sim_run_until(fx->sim, SIM_US);
	for (int i = 0; i < 3; i++)
		rx_at(fx, 2 * SIM_US, HASH_A); /* packets 0-2: CPU 1, 300 us of work */
	sim_run_until(fx->sim, 10 * SIM_US);
	reader_runs_on(fx, 3);
	sim_run_until(fx->sim, 20 * SIM_US);
	rx_at(fx, 30 * SIM_US, HASH_A); /* packet 3: CPU 1 still holds 0-2 */
	rx_at(fx, 2 * SIM_MS, HASH_A);	/* packet 4: CPU 1 is done with the flow */
	sim_run_until(fx->sim, 5 * SIM_MS);
	assert_int_equal(fx->n, 5);
	for (int i = 0; i < 4; i++)
		assert_int_equal(fx->cpu[i], 1);
	assert_int_equal(fx->cpu[4], 3);
	for (int i = 1; i < 5; i++) /* in order */
		assert_true(fx->ids[i] > fx->ids[i - 1]);
}

/* No entry for the flow in the sock flow table: RPS's map decides. */
static void
test_rfs_without_table_entry_uses_rps_hash(void **state)
{
	struct fx *fx = *state;
	netif_set_rps_cpus(fx->dev, 1, 0, 0xe);
	netif_set_rps_flow_cnt(fx->dev, 1, 0, 256);
	reader_runs_on(fx, 0); /* records HASH_A only */
	sim_run_until(fx->sim, SIM_US);
	rx_at(fx, 2 * SIM_US, HASH_B);
	sim_run_until(fx->sim, SIM_MS);
	assert_int_equal(fx->n, 1);
	assert_int_equal(fx->cpu[0], (uint32_t)rss_rps_cpu(0xe, HASH_B));
	assert_int_not_equal(fx->cpu[0], 0);
}

/* A queue without rps_flow_cnt ignores the sock flow table. */
static void
test_rfs_needs_the_queue_flow_table(void **state)
{
	struct fx *fx = *state;
	netif_set_rps_cpus(fx->dev, 1, 0, 0x2);
	reader_runs_on(fx, 3);
	sim_run_until(fx->sim, SIM_US);
	rx_at(fx, 2 * SIM_US, HASH_A);
	sim_run_until(fx->sim, SIM_MS);
	assert_int_equal(fx->n, 1);
	assert_int_equal(fx->cpu[0], 1);
}

/* ---- flow limit ---- */

/*
 * netdev_max_backlog 200: from 100 queued on, each packet enters the
 * 128-packet history; the 65th of one flow's there is dropped, a packet
 * of another flow still gets in.
 */
static void
fill_backlog_with_one_flow(struct fx *fx, int *dropped_a, int *dropped_b)
{
	dev_host_config(fx->h)->netdev_max_backlog = 200;
	*dropped_a = *dropped_b = 0;
	for (int i = 0; i < 100 + 65; i++)
		*dropped_a += netif_rx(flow_skb(fx, HASH_A)) == NET_RX_DROP;
	*dropped_b = netif_rx(flow_skb(fx, HASH_B)) == NET_RX_DROP;
	sim_run_until(fx->sim, 10 * SIM_MS);
}

static void
test_flow_limit_drops_large_flow_over_half_full_backlog(void **state)
{
	struct fx *fx = *state;
	rps_set_flow_limit_cpus(fx->h, 0x1);
	int da, db;
	fill_backlog_with_one_flow(fx, &da, &db);
	assert_int_equal(da, 1);
	assert_int_equal(db, 0);
	assert_int_equal(fx->n, 100 + 64 + 1);
	struct softnet_stats s;
	dev_softnet_stats(fx->h, &s);
	assert_int_equal(s.flow_limit_count, 1);
	assert_int_equal(s.dropped, 1);
	assert_int_equal(host_drops(fx->h, SKB_DROP_BACKLOG_FULL), 1);
}

static void
test_flow_limit_off_outside_bitmap(void **state)
{
	struct fx *fx = *state;
	rps_set_flow_limit_cpus(fx->h, 0x2); /* CPU 1 only; packets enqueue on 0 */
	int da, db;
	fill_backlog_with_one_flow(fx, &da, &db);
	assert_int_equal(da + db, 0);
	struct softnet_stats s;
	dev_softnet_stats(fx->h, &s);
	assert_int_equal(s.flow_limit_count, 0);
	assert_int_equal(fx->n, 166);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rfs_packet_goes_to_reader_cpu, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rfs_unconnected_reader_records_nothing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rfs_flow_stays_while_packets_queued_on_old_cpu,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_rfs_without_table_entry_uses_rps_hash, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rfs_needs_the_queue_flow_table, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_flow_limit_drops_large_flow_over_half_full_backlog, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flow_limit_off_outside_bitmap, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
