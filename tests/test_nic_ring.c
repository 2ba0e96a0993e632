/*
 * tests/test_nic_ring.c - RX ring memory (issue 16): a posted descriptor
 * is an skb without a data buffer; the buffer is taken from the pool when
 * a frame is DMAed into it, so an idle interface costs skb heads only.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <glib.h>
#include <string.h>

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
	uint8_t last[64];
};

static int
test_rcv(struct sk_buff *skb, struct net_device *dev, struct packet_type *pt)
{
	(void)dev;
	struct fx *fx = pt->priv;
	fx->n++;
	memcpy(fx->last, skb->data, MIN(skb->len, sizeof(fx->last)));
	skb_consume(skb);
	return NET_RX_SUCCESS;
}

static int
setup(void **state)
{
	struct fx *fx = g_new0(struct fx, 1);
	nic_pair_open(&fx->p,
		      &(struct nic_pair_config){ .type = ETH_P_TEST, .rcv = test_rcv, .priv = fx });
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
send_from_a(struct fx *fx, uint8_t mark)
{
	struct net_device *dev = nic_dev(fx->p.na);
	struct sk_buff *skb = skb_alloc(fx->p.a, 128, LAYER_IP);
	skb_reserve(skb, 64 - ETH_HLEN);
	memset(skb_put(skb, 46), mark, 46);
	eth_header(skb, dev, ETH_P_TEST, nic_pair_mac_b, NULL);
	dev_queue_xmit(skb);
}

static void
test_open_rings_hold_descriptors_but_no_buffers(void **state)
{
	struct fx *fx = *state;
	uint32_t ring = nic_config(fx->p.na)->rx_ring;
	struct skb_pool_stats ps;
	skb_pool_stats(fx->p.pool, &ps);
	assert_int_equal(ps.live, 2 * ring);
	assert_int_equal(host_live_skbs(fx->p.a), ring);
	assert_int_equal(ps.data_mallocs + ps.big_mallocs, 0);
}

static void
test_dma_gives_the_descriptor_a_buffer_with_the_frame(void **state)
{
	struct fx *fx = *state;
	send_from_a(fx, 0x5a);
	sim_run_until(fx->p.sim, SIM_MS);
	assert_int_equal(fx->n, 1);
	for (int i = 0; i < 46; i++)
		assert_int_equal(fx->last[i], 0x5a);
	struct skb_pool_stats ps;
	skb_pool_stats(fx->p.pool, &ps);
	/* the sender's skb and the receiver's RX buffer: two sizes, two mallocs */
	assert_int_equal(ps.data_mallocs, 2);
	/* the ring is refilled with a descriptor, again without a buffer */
	assert_int_equal(host_live_skbs(fx->p.b), nic_config(fx->p.nb)->rx_ring);
}

static void
test_buffers_are_reused_from_the_pool(void **state)
{
	struct fx *fx = *state;
	for (int i = 0; i < 50; i++) {
		send_from_a(fx, (uint8_t)i);
		sim_run_until(fx->p.sim, sim_now(fx->p.sim) + SIM_MS);
	}
	assert_int_equal(fx->n, 50);
	assert_int_equal(fx->last[0], 49);
	struct skb_pool_stats ps;
	skb_pool_stats(fx->p.pool, &ps);
	assert_int_equal(ps.data_mallocs, 2);
}

static void
test_closing_frees_unwritten_descriptors(void **state)
{
	struct fx *fx = *state;
	uint32_t ring = nic_config(fx->p.nb)->rx_ring;
	dev_close(nic_dev(fx->p.nb));
	assert_int_equal(host_live_skbs(fx->p.b), 0);
	assert_int_equal(host_live_skbs(fx->p.a), ring);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_rings_hold_descriptors_but_no_buffers,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_dma_gives_the_descriptor_a_buffer_with_the_frame, setup, teardown),
		cmocka_unit_test_setup_teardown(test_buffers_are_reused_from_the_pool, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_closing_frees_unwritten_descriptors, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
