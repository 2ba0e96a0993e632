/*
 * tests/test_nic_timers.c - the NAPI watchdog (gro_flush_timeout with
 * napi_defer_hard_irqs) is an hrtimer of the CPU that armed it (issue 19):
 * it fires there, in hardirq (hrtimer_interrupt -> napi_watchdog, Linux 6.6
 * net/core/dev.c), paying an interrupt entry, and raises NET_RX for that
 * CPU's irq exit.
 *
 * The same for the receive-cycle limit's timer (rx_cycle_limit, the
 * livelock remedy of stack/softnet_remedies.c): it ends the blocked period
 * of the CPU whose input it blocked, on that CPU, in hardirq.
 *
 * Host b has 2 CPUs; its eth0's RX queue interrupts CPU 1, whose NAPI poll
 * completes with the interrupt left masked and arms the watchdog.
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
#include "stack/skbuff.h"

#define ETH_P_TEST 0x88b5

static const uint8_t mac_a[ETH_ALEN] = { 0x02, 0, 0, 0, 0, 0xa };
static const uint8_t mac_b[ETH_ALEN] = { 0x02, 0, 0, 0, 0, 0xb };

struct fx {
	struct sim *sim;
	struct skb_pool *pool;
	struct host *a, *b;
	struct wire *w;
	struct nic *na, *nb;
	struct packet_type pt;
	uint32_t n;
};

static int
test_rcv(struct sk_buff *skb, struct net_device *dev, struct packet_type *pt)
{
	(void)dev;
	struct fx *fx = pt->priv;
	fx->n++;
	skb_consume(skb);
	return NET_RX_SUCCESS;
}

static int
setup(void **state)
{
	struct fx *fx = g_new0(struct fx, 1);
	fx->sim = sim_new(7);
	fx->pool = skb_pool_new();
	fx->a = host_new(fx->sim, NULL, fx->pool, "a", 7);
	fx->b = host_new(fx->sim, NULL, fx->pool, "b", 7);
	struct netdev_host_config c = *dev_host_config(fx->b);
	c.cpus = 2;
	dev_set_host_config(fx->b, &c);
	fx->w = wire_new(fx->sim, "l1", NULL, 7);
	struct nic_config cfg;
	nic_config_init(&cfg);
	cfg.napi_defer_hard_irqs = 1;
	cfg.gro_flush_timeout = 50 * SIM_US;
	fx->na = nic_new(fx->a, "eth0", mac_a, NULL);
	fx->nb = nic_new(fx->b, "eth0", mac_b, &cfg);
	assert_true(nic_set_irq_affinity(fx->nb, 0, 0x2));
	nic_connect(fx->na, fx->w, 0);
	nic_connect(fx->nb, fx->w, 1);
	assert_int_equal(dev_open(nic_dev(fx->na)), 0);
	assert_int_equal(dev_open(nic_dev(fx->nb)), 0);
	fx->pt = (struct packet_type){
		.type = ETH_P_TEST,
		.layer = LAYER_IP,
		.func_name = "test_rcv",
		.func = test_rcv,
		.priv = fx,
	};
	dev_add_pack(fx->b, &fx->pt);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;
	assert_int_equal(host_check_conservation(fx->a, NULL), 0);
	assert_int_equal(host_check_conservation(fx->b, NULL), 0);
	host_free(fx->a);
	host_free(fx->b);
	wire_free(fx->w);
	skb_pool_free(fx->pool);
	sim_free(fx->sim);
	g_free(fx);
	return 0;
}

static void
send_from_a(struct fx *fx)
{
	struct net_device *dev = nic_dev(fx->na);
	struct sk_buff *skb = skb_alloc(fx->a, 128, LAYER_IP);
	skb_reserve(skb, 64 - ETH_HLEN);
	memset(skb_put(skb, 46), 0x5a, 46);
	eth_header(skb, dev, ETH_P_TEST, mac_b, NULL);
	dev_queue_xmit(skb);
}

static void
test_the_watchdog_fires_on_the_cpu_that_armed_it(void **state)
{
	struct fx *fx = *state;
	send_from_a(fx);
	sim_run_until(fx->sim, SIM_MS);
	assert_int_equal(fx->n, 1);
	struct napi_struct *n = nic_napi(fx->nb);
	/* the first completion kept the IRQ masked and armed the watchdog,
	 * whose poll found nothing and completed for good */
	assert_int_equal(n->deferred, 1);
	assert_int_equal(n->polls, 2);
	assert_int_equal(cpu_timers_fired(fx->b->cpus[1]), 1);
	assert_int_equal(cpu_timers_fired(fx->b->cpus[0]), 0);
	assert_true(nic_rx_irq_enabled(fx->nb));
}

static void
test_the_watchdog_is_billed_as_a_hardirq(void **state)
{
	struct fx *fx = *state;
	struct cpu *cpu1 = fx->b->cpus[1];
	send_from_a(fx);
	sim_run_until(fx->sim, SIM_MS);
	/* the NIC's interrupt and the hrtimer's: two interrupt entries */
	assert_int_equal(cpu_busy_ns(cpu1, CPU_HARDIRQ), 2 * cpu_cost(cpu1, COST_IRQ_ENTRY));
	assert_int_equal(cpu_busy_ns(fx->b->cpus[0], CPU_HARDIRQ), 0);
	assert_int_equal(cpu_busy_ns(fx->b->cpus[0], CPU_SOFTIRQ), 0);
}

static void
test_the_cycle_limit_timer_fires_on_the_blocked_cpu(void **state)
{
	struct fx *fx = *state;
	struct netdev_host_config c = *dev_host_config(fx->b);
	c.rx_cycle_limit = 50;
	c.rx_cycle_period = 100 * SIM_US;
	dev_set_host_config(fx->b, &c);
	/* frames back to back for 1 ms: CPU 1's packet work passes half of
	 * each 100 us period, input waits for the next */
	for (int i = 0; i < 1500; i++)
		send_from_a(fx);
	sim_run_until(fx->sim, 5 * SIM_MS);
	struct softnet_stats s1, s0;
	dev_softnet_stats_cpu(fx->b, 1, &s1);
	dev_softnet_stats_cpu(fx->b, 0, &s0);
	assert_true(s1.cycle_limit_hits >= 3);
	assert_int_equal(s0.cycle_limit_hits, 0);
	/* each blocked period ends by a timer of CPU 1 (and the watchdog's) */
	assert_true(cpu_timers_fired(fx->b->cpus[1]) >= s1.cycle_limit_hits);
	assert_int_equal(cpu_timers_fired(fx->b->cpus[0]), 0);
	assert_int_equal(cpu_busy_ns(fx->b->cpus[0], CPU_HARDIRQ), 0);
	assert_int_equal(cpu_busy_ns(fx->b->cpus[0], CPU_SOFTIRQ), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_the_watchdog_fires_on_the_cpu_that_armed_it,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_the_watchdog_is_billed_as_a_hardirq, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_the_cycle_limit_timer_fires_on_the_blocked_cpu,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
