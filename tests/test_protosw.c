/*
 * tests/test_protosw.c - proto_register and inet_register_protosw
 * (stack/af_inet.c, Linux net/ipv4/af_inet.c): TCP, UDP and raw register
 * at boot; a new (type, protocol) becomes what socket() creates; permanent
 * protocols cannot be overridden; bad entries are refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <glib.h>
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include "stack/af_inet.h"
#include "stack/ipv4.h"
#include "stack/raw.h"
#include "stack/socket.h"
#include "tests/socket_test.h"

struct fx {
	struct pair p;
	int rc[4], err[4];
	uint8_t got[64];
	struct inet_protosw sw;
};

PAIR_FIXTURE(struct fx, 17)

static void
test_permanent_and_bad_entries_are_refused(void **state)
{
	struct fx *fx = *state;
	int err = 0;
	const struct inet_protosw *udp = inet_protosw_lookup(fx->p.a, SOCK_DGRAM, 0, &err);
	assert_non_null(udp);
	assert_int_equal(udp->protocol, IPPROTO_UDP);
	struct inet_protosw dup = { SOCK_DGRAM, IPPROTO_UDP, &raw_prot, udp->ops, 0 };
	assert_int_equal(inet_register_protosw(fx->p.a, &dup), -EPERM);
	struct inet_protosw badtype = { 11, 253, &raw_prot, udp->ops, 0 };
	assert_int_equal(inet_register_protosw(fx->p.a, &badtype), -EINVAL);
	static const struct proto empty = { .name = "EMPTY" };
	struct inet_protosw badproto = { SOCK_DGRAM, 253, &empty, udp->ops, 0 };
	assert_int_equal(inet_register_protosw(fx->p.a, &badproto), -EINVAL);
	assert_int_equal(proto_register(&raw_prot), 0);
	assert_null(inet_protosw_lookup(fx->p.a, SOCK_DGRAM, 253, &err));
	assert_int_equal(err, -EPROTONOSUPPORT);
}

static void
test_ops_table_without_a_call_is_refused_at_registration(void **state)
{
	struct fx *fx = *state;
	int err = 0;
	const struct inet_protosw *udp = inet_protosw_lookup(fx->p.a, SOCK_DGRAM, 0, &err);
	static struct proto_ops holey;
	holey = *udp->ops;
	holey.poll = NULL;
	struct inet_protosw sw = { SOCK_DGRAM, 253, &raw_prot, &holey, 0 };
	assert_int_equal(inet_register_protosw(fx->p.a, &sw), -EINVAL);
	holey = *udp->ops;
	holey.family = AF_UNIX; /* another family's table */
	assert_int_equal(inet_register_protosw(fx->p.a, &sw), -EINVAL);
	sw.ops = NULL;
	assert_int_equal(inet_register_protosw(fx->p.a, &sw), -EINVAL);
	assert_int_equal(inet_register_protosw(fx->p.a, NULL), -EINVAL);
	assert_null(inet_protosw_lookup(fx->p.a, SOCK_DGRAM, 253, &err));
	holey = *udp->ops;
	assert_int_equal(inet_register_protosw(fx->p.a, &sw), -EINVAL); /* ops still NULL */
	sw.ops = &holey;
	assert_int_equal(inet_register_protosw(fx->p.a, &sw), 0);
	inet_unregister_protosw(fx->p.a, &sw);
}

static int
bad_handler(struct sk_buff *skb)
{
	(void)skb;
	return 0;
}

static void
test_inet_add_protocol_refuses_an_incomplete_handler(void **state)
{
	struct fx *fx = *state;
	static const struct net_protocol nohandler = { .layer = LAYER_RAW, .func_name = "saw_rcv" };
	static const struct net_protocol noname = { .handler = bad_handler };
	static const struct net_protocol ok = { .handler = bad_handler,
						.layer = LAYER_RAW,
						.func_name = "saw_rcv" };
	assert_int_equal(inet_add_protocol(fx->p.a, NULL, 253), -EINVAL);
	assert_int_equal(inet_add_protocol(fx->p.a, &nohandler, 253), -EINVAL);
	assert_int_equal(inet_add_protocol(fx->p.a, &noname, 253), -EINVAL);
	assert_int_equal(inet_add_protocol(fx->p.a, &ok, 253), 0);
	assert_int_equal(inet_add_protocol(fx->p.a, &ok, 253), -EEXIST);
	assert_int_equal(inet_del_protocol(fx->p.a, &ok, 253), 0);
}

static int
rx(struct proc *p, void *arg)
{
	(void)p;
	struct fx *fx = arg;
	int s = ns_socket(AF_INET, SOCK_DGRAM, 253);
	fx->rc[0] = s;
	fx->rc[1] = (int)ns_recv(s, fx->got, sizeof fx->got, 0);
	return 0;
}

static int
tx(struct proc *p, void *arg)
{
	(void)p;
	struct fx *fx = arg;
	int s = ns_socket(AF_INET, SOCK_DGRAM, 253);
	struct sockaddr_in to = { .sin_family = AF_INET };
	inet_pton(AF_INET, B_ADDR, &to.sin_addr);
	fx->rc[2] = (int)ns_sendto(s, "mine", 4, 0, (struct sockaddr *)&to, sizeof to);
	fx->rc[3] = ns_socket(AF_INET, SOCK_DGRAM, 254);
	fx->err[3] = errno;
	return 0;
}

static void
test_registered_protocol_serves_socket_on_its_host(void **state)
{
	struct fx *fx = *state;
	int err = 0;
	const struct inet_protosw *udp = inet_protosw_lookup(fx->p.a, SOCK_DGRAM, 0, &err);
	/* a datagram protocol of its own IP number, built here on raw_prot */
	fx->sw = (struct inet_protosw){ SOCK_DGRAM, 253, &raw_prot, udp->ops, 0 };
	assert_int_equal(inet_register_protosw(fx->p.a, &fx->sw), 0);
	assert_int_equal(inet_register_protosw(fx->p.b, &fx->sw), 0);
	assert_ptr_equal(inet_protosw_lookup(fx->p.a, SOCK_DGRAM, 253, &err), &fx->sw);
	/* protocol 0 still means UDP */
	assert_ptr_equal(inet_protosw_lookup(fx->p.a, SOCK_DGRAM, 0, &err), udp);
	socket_spawn(fx->p.b, "rx", 0, rx, fx);
	socket_spawn(fx->p.a, "tx", SIM_MS, tx, fx);
	sim_run_until(fx->p.sim, SIM_S);
	assert_true(fx->rc[0] >= NS_FIRST_FD);
	assert_int_equal(fx->rc[2], 4);
	assert_int_equal(fx->rc[1], 24); /* raw_prot delivers from the IP header */
	assert_int_equal(fx->got[9], 253);
	assert_memory_equal(fx->got + 20, "mine", 4);
	assert_int_equal(fx->rc[3], -1);
	assert_int_equal(fx->err[3], EPROTONOSUPPORT);
	inet_unregister_protosw(fx->p.a, &fx->sw);
	assert_null(inet_protosw_lookup(fx->p.a, SOCK_DGRAM, 253, &err));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_permanent_and_bad_entries_are_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_registered_protocol_serves_socket_on_its_host,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_ops_table_without_a_call_is_refused_at_registration, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_inet_add_protocol_refuses_an_incomplete_handler, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
