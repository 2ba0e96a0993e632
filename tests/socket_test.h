/*
 * tests/socket_test.h - the fixture of the socket-layer and app tests: two
 * hosts, a (10.0.0.1) and b (10.0.0.2), on one wire, each with IP, UDP,
 * TCP and sockets.  Header-only.
 *
 *   struct pair p;  pair_init(&p, seed);
 *   socket_spawn(p.b, ...) ... sim_run_until(p.sim, ...);
 *   pair_fini(&p);  frees everything; asserts that no skb is alive
 */
#ifndef NETSIM_TESTS_SOCKET_TEST_H
#define NETSIM_TESTS_SOCKET_TEST_H

#include <arpa/inet.h>
#include <stddef.h>
#include <glib.h>
#include <netinet/in.h>
#include "sim/sim.h"
#include "sim/wire.h"
#include "stack/host.h"
#include "stack/ipv4.h"
#include "stack/netdevice.h"
#include "stack/nic.h"
#include "stack/skbuff.h"
#include "stack/socket.h"
#include "tests/sin_test.h"

#define A_ADDR "10.0.0.1"
#define B_ADDR "10.0.0.2"

struct pair {
	struct sim *sim;
	struct skb_pool *pool;
	struct host *a, *b;
	struct wire *w;
};

static inline void
pair_init(struct pair *p, uint64_t seed)
{
	GError *error = NULL;
	p->sim = sim_new(seed);
	p->pool = skb_pool_new();
	p->a = host_new(p->sim, NULL, p->pool, "a", seed);
	p->b = host_new(p->sim, NULL, p->pool, "b", seed);
	struct wire_config wc;
	wire_config_init(&wc);
	p->w = wire_new(p->sim, "l1", &wc, seed);
	struct nic *na = nic_new(p->a, "eth0", NULL, NULL);
	struct nic *nb = nic_new(p->b, "eth0", NULL, NULL);
	nic_connect(na, p->w, 0);
	nic_connect(nb, p->w, 1);
	g_assert_cmpint(dev_open(nic_dev(na)), ==, 0);
	g_assert_cmpint(dev_open(nic_dev(nb)), ==, 0);
	g_assert_true(inet_init(p->a, NULL, NULL, &error));
	g_assert_true(inet_init(p->b, NULL, NULL, &error));
	g_assert_true(inet_set_address_text(nic_dev(na), A_ADDR "/24", &error));
	g_assert_true(inet_set_address_text(nic_dev(nb), B_ADDR "/24", &error));
	g_assert_no_error(error);
	socket_host_init(p->a);
	socket_host_init(p->b);
}

static inline void
pair_fini(struct pair *p)
{
	host_free(p->a);
	host_free(p->b);
	wire_free(p->w);
	struct skb_pool_stats ps;
	skb_pool_stats(p->pool, &ps);
	g_assert_cmpuint(ps.live, ==, 0);
	skb_pool_free(p->pool);
	sim_free(p->sim);
}

/*
 * cmocka fixtures for a test file whose state is a struct with a struct
 * pair as its first member: PAIR_FIXTURE(struct fx, 3) defines setup()
 * and teardown(), which build the two hosts with seed 3 and free them
 * (pair_fini checks that no skb is left).
 */
static inline int
pair_fx_setup(void **state, size_t size, uint64_t seed)
{
	struct pair *p = g_malloc0(size);
	pair_init(p, seed);
	*state = p;
	return 0;
}

static inline int
pair_fx_teardown(void **state)
{
	pair_fini(*state);
	g_free(*state);
	return 0;
}

#define PAIR_FIXTURE(type, seed)                                        \
	_Static_assert(offsetof(type, p) == 0, "the pair comes first"); \
	static int setup(void **state)                                  \
	{                                                               \
		return pair_fx_setup(state, sizeof(type), (seed));      \
	}                                                               \
	static int teardown(void **state)                               \
	{                                                               \
		return pair_fx_teardown(state);                         \
	}

#endif
