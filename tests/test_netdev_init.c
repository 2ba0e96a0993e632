/*
 * tests/test_netdev_init.c - the driver hooks of device registration and
 * bring-up (stack/dev.c): register_netdevice calls ndo_init before the
 * device is linked in, and a failing ndo_init leaves it unregistered (a
 * positive error becomes -EIO, as Linux register_netdevice); dev_open and
 * dev_close call ndo_open and ndo_stop.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <glib.h>
#include <errno.h>

#include "sim/sim.h"
#include "stack/host.h"
#include "stack/netdevice.h"
#include "stack/skbuff.h"

static int init_calls, open_calls, stop_calls, init_rc;

static int
fake_init(struct net_device *dev)
{
	init_calls++;
	/* ndo_init runs before the device is visible: no ifindex yet */
	assert_null(dev_get_by_name(dev->host, dev->name));
	return init_rc;
}

static int
fake_open(struct net_device *dev)
{
	(void)dev;
	open_calls++;
	return 0;
}

static int
fake_stop(struct net_device *dev)
{
	(void)dev;
	stop_calls++;
	return 0;
}

static enum netdev_tx
fake_xmit(struct sk_buff *skb, struct net_device *dev)
{
	(void)dev;
	skb_consume(skb);
	return NETDEV_TX_OK;
}

static const struct net_device_ops fake_ops = {
	.ndo_init = fake_init,
	.ndo_open = fake_open,
	.ndo_stop = fake_stop,
	.ndo_start_xmit = fake_xmit,
};

struct fx {
	struct sim *sim;
	struct skb_pool *pool;
	struct host *h;
};

static int
setup(void **state)
{
	struct fx *fx = g_new0(struct fx, 1);
	fx->sim = sim_new(1);
	fx->pool = skb_pool_new();
	fx->h = host_new(fx->sim, NULL, fx->pool, "h", 1);
	init_calls = open_calls = stop_calls = init_rc = 0;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;
	host_free(fx->h);
	skb_pool_free(fx->pool);
	sim_free(fx->sim);
	g_free(fx);
	return 0;
}

static void
test_register_calls_ndo_init_then_links_the_device(void **state)
{
	struct fx *fx = *state;
	struct net_device *d = alloc_netdev(fx->h, "fake0", 0, &fake_ops);
	assert_int_equal(register_netdevice(d), 0);
	assert_int_equal(init_calls, 1);
	assert_ptr_equal(dev_get_by_name(fx->h, "fake0"), d);
	assert_int_equal(dev_open(d), 0);
	assert_int_equal(open_calls, 1);
	assert_int_equal(dev_open(d), 0); /* already up: not again */
	assert_int_equal(open_calls, 1);
	dev_close(d);
	assert_int_equal(stop_calls, 1);
}

static void
test_failing_ndo_init_leaves_the_device_unregistered(void **state)
{
	struct fx *fx = *state;
	struct net_device *d = alloc_netdev(fx->h, "fake0", 0, &fake_ops);
	init_rc = -ENOMEM;
	assert_int_equal(register_netdevice(d), -ENOMEM);
	assert_null(dev_get_by_name(fx->h, "fake0"));
	init_rc = 5;
	assert_int_equal(register_netdevice(d), -EIO);
	assert_null(dev_get_by_name(fx->h, "fake0"));
	free_netdev(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_register_calls_ndo_init_then_links_the_device,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_failing_ndo_init_leaves_the_device_unregistered, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
