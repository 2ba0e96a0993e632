/*
 * tests/routed_test.h - the fixture of the socket tests that cross a
 * router: a (10.1.0.2) -- r -- b (10.2.0.2), 1500-byte MTU, default
 * routes through r, sockets on a and b (and on r when asked), and 10 ms
 * run so that nothing of the boot is still in flight.  Header-only.
 *
 *   struct fx { struct routed t; ... };  ROUTED_FIXTURE(struct fx, false)
 *   defines setup() and teardown(); the hosts are fx->t.a, fx->t.r, fx->t.b.
 */
#ifndef NETSIM_TESTS_ROUTED_TEST_H
#define NETSIM_TESTS_ROUTED_TEST_H

#include <stddef.h>
#include "stack/socket.h"
#include "tests/inet_test.h"
#include "tests/sin_test.h"

#define ROUTED_A "10.1.0.2"
#define ROUTED_R_A "10.1.0.1"
#define ROUTED_R_B "10.2.0.1"
#define ROUTED_B "10.2.0.2"

struct routed {
	struct tnet *n;
	struct host *a, *r, *b;
};

static inline void
routed_init(struct routed *t, bool router_sockets)
{
	struct tnet *n = t->n = tnet_new(false);
	t->a = tnet_host(n, "a", false);
	t->r = tnet_host(n, "r", true);
	t->b = tnet_host(n, "b", false);
	tnet_link(n, t->a, "eth0", ROUTED_A "/24", t->r, "eth0", ROUTED_R_A "/24");
	tnet_link(n, t->r, "eth1", ROUTED_R_B "/24", t->b, "eth0", ROUTED_B "/24");
	tnet_route(t->a, "default via " ROUTED_R_A);
	tnet_route(t->b, "default via " ROUTED_R_B);
	socket_host_init(t->a);
	socket_host_init(t->b);
	if (router_sockets)
		socket_host_init(t->r);
	tnet_run(n, 10 * SIM_MS);
}

static inline int
routed_fx_setup(void **state, size_t size, bool router_sockets)
{
	struct routed *t = g_malloc0(size);
	routed_init(t, router_sockets);
	*state = t;
	return 0;
}

static inline int
routed_fx_teardown(void **state)
{
	struct routed *t = *state;
	tnet_free(t->n);
	g_free(t);
	return 0;
}

#define ROUTED_FIXTURE(type, router_sockets)                                   \
	_Static_assert(offsetof(type, t) == 0, "the routed hosts come first"); \
	static int setup(void **state)                                         \
	{                                                                      \
		return routed_fx_setup(state, sizeof(type), (router_sockets)); \
	}                                                                      \
	static int teardown(void **state)                                      \
	{                                                                      \
		return routed_fx_teardown(state);                              \
	}

#endif
