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
#include "tests/nic_pair.h"

#define ETH_P_TEST 0x88b5

struct fx {
	struct nic_pair p;
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
	struct nic_config cfg;
	nic_config_init(&cfg);
	cfg.napi_defer_hard_irqs = 1;
	cfg.gro_flush_timeout = 50 * SIM_US;
	nic_pair_open(
		&fx->p,
		&(struct nic_pair_config){
			.b = &cfg, .cpus_b = 2, .type = ETH_P_TEST, .rcv = test_rcv, .priv = fx });
	assert_true(nic_set_irq_affinity(fx->p.nb, 0, 0x2));
	*state = fx;
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

static void
send_from_a(struct fx *fx)
{
	struct net_device *dev = nic_dev(fx->p.na);
	struct sk_buff *skb = skb_alloc(fx->p.a, 128, LAYER_IP);
	skb_reserve(skb, 64 - ETH_HLEN);
	memset(skb_put(skb, 46), 0x5a, 46);
	eth_header(skb, dev, ETH_P_TEST, nic_pair_mac_b, NULL);
	dev_queue_xmit(skb);
}

static void
test_the_watchdog_fires_on_the_cpu_that_armed_it(void **state)
{
	struct fx *fx = *state;
	send_from_a(fx);
	sim_run_until(fx->p.sim, SIM_MS);
	assert_int_equal(fx->n, 1);
	struct napi_struct *n = nic_napi(fx->p.nb);
	/* the first completion kept the IRQ masked and armed the watchdog,
	 * whose poll found nothing and completed for good */
	assert_int_equal(n->deferred, 1);
	assert_int_equal(n->polls, 2);
	assert_int_equal(cpu_timers_fired(fx->p.b->cpus[1]), 1);
	assert_int_equal(cpu_timers_fired(fx->p.b->cpus[0]), 0);
	assert_true(nic_rx_irq_enabled(fx->p.nb));
}

static void
test_the_watchdog_is_billed_as_a_hardirq(void **state)
{
	struct fx *fx = *state;
	struct cpu *cpu1 = fx->p.b->cpus[1];
	send_from_a(fx);
	sim_run_until(fx->p.sim, SIM_MS);
	/* the NIC's interrupt and the hrtimer's: two interrupt entries */
	assert_int_equal(cpu_busy_ns(cpu1, CPU_HARDIRQ), 2 * cpu_cost(cpu1, COST_IRQ_ENTRY));
	assert_int_equal(cpu_busy_ns(fx->p.b->cpus[0], CPU_HARDIRQ), 0);
	assert_int_equal(cpu_busy_ns(fx->p.b->cpus[0], CPU_SOFTIRQ), 0);
}

static void
test_the_cycle_limit_timer_fires_on_the_blocked_cpu(void **state)
{
	struct fx *fx = *state;
	struct netdev_host_config c = *dev_host_config(fx->p.b);
	c.rx_cycle_limit = 50;
	c.rx_cycle_period = 100 * SIM_US;
	dev_set_host_config(fx->p.b, &c);
	/* frames back to back for 1 ms: CPU 1's packet work passes half of
	 * each 100 us period, input waits for the next */
	for (int i = 0; i < 1500; i++)
		send_from_a(fx);
	sim_run_until(fx->p.sim, 5 * SIM_MS);
	struct softnet_stats s1, s0;
	dev_softnet_stats_cpu(fx->p.b, 1, &s1);
	dev_softnet_stats_cpu(fx->p.b, 0, &s0);
	assert_true(s1.cycle_limit_hits >= 3);
	assert_int_equal(s0.cycle_limit_hits, 0);
	/* each blocked period ends by a timer of CPU 1 (and the watchdog's) */
	assert_true(cpu_timers_fired(fx->p.b->cpus[1]) >= s1.cycle_limit_hits);
	assert_int_equal(cpu_timers_fired(fx->p.b->cpus[0]), 0);
	assert_int_equal(cpu_busy_ns(fx->p.b->cpus[0], CPU_HARDIRQ), 0);
	assert_int_equal(cpu_busy_ns(fx->p.b->cpus[0], CPU_SOFTIRQ), 0);
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
