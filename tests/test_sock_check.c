/*
 * tests/test_sock_check.c - sock_check (stack/sock.c), the memory
 * accounting of a sock: it passes a UDP socket with datagrams waiting, and
 * fails, aborting, when the charge and the queue disagree, when a charge
 * went below zero, or when a sock is freed with memory still charged.  In
 * the checked build (configure --enable-checks) the next datagram's
 * sock_queue_rcv_skb finds a corruption by itself.
 *
 * The world is tcp_test.h's: a sends three datagrams to b at 1 ms and a
 * fourth at 5 ms; b's socket does not read.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "sim/check.h"
#include "tests/stack_test.h"
#include "tests/tcp_test.h"

static int
udp_sleeper(struct proc *p, void *arg)
{
	struct tcp_fx *fx = arg;
	int s = ns_socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in me = tt_sin("0.0.0.0", 6000);
	g_assert_cmpint(ns_bind(s, (struct sockaddr *)&me, sizeof me), ==, 0);
	struct sock *sk = sockfd_lookup(s)->sk;
	sock_hold(sk);
	fx->held[0] = sk;
	ns_sleep(10 * SIM_S);
	ns_close(s);
	return 0;
}

static int
udp_sender(struct proc *p, void *arg)
{
	struct tcp_fx *fx = arg;
	char buf[100] = { 0 };
	int s = ns_socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in to = tt_sin(B_ADDR, 6000);
	for (int i = 0; i < 3; i++)
		fx->rc[i] =
			(int)ns_sendto(s, buf, sizeof buf, 0, (struct sockaddr *)&to, sizeof to);
	ns_sleep(4 * SIM_MS);
	fx->rc[3] = (int)ns_sendto(s, buf, sizeof buf, 0, (struct sockaddr *)&to, sizeof to);
	ns_close(s);
	return 0;
}

static int
setup(void **state)
{
	struct tcp_fx *fx = tcp_fx_new(&(struct tcp_fx_opts){ 0 });
	socket_spawn(fx->b, "sleeper", 0, udp_sleeper, fx);
	socket_spawn(fx->a, "sender", SIM_MS, udp_sender, fx);
	sim_run_until(fx->sim, 2 * SIM_MS);
	*state = fx;
	return 0;
}

static void
test_sock_check_passes_datagrams_waiting_to_be_read(void **state)
{
	struct tcp_fx *fx = *state;
	struct sock *sk = fx->held[0];
	assert_int_equal(skb_queue_len(&sk->sk_receive_queue), 3);
	assert_int_equal(sk->sk_rmem_alloc, 3 * sock_skb_truesize(sk->sk_receive_queue.first));
	sock_check(sk, "test");
	sim_run_until(fx->sim, 20 * SIM_S);
	assert_int_equal(fx->rc[3], 100);
}

enum corruption { RMEM_CHARGE, RMEM_BELOW_ZERO, WMEM_CHARGE, FOREIGN_SKB, FREED, RMEM_THEN_RUN };

struct corrupt {
	struct tcp_fx *fx;
	enum corruption what;
};

static void
do_corrupt(void *arg)
{
	struct corrupt *c = arg;
	struct sock *sk = c->fx->held[0];
	switch (c->what) {
	case RMEM_CHARGE: sk->sk_rmem_alloc += 1; break;
	case RMEM_BELOW_ZERO:
		sk->sk_rmem_alloc -= 4 * sock_skb_truesize(sk->sk_receive_queue.first);
		break;
	case WMEM_CHARGE: sk->sk_wmem_alloc = 1; break;
	case FOREIGN_SKB: sk->sk_receive_queue.first->sk = NULL; break;
	case FREED:
		/* the process closes its socket; the test's reference is the last */
		sim_run_until(c->fx->sim, 20 * SIM_S);
		sk->sk_wmem_alloc = 1;
		c->fx->held[0] = NULL;
		sock_put(sk);
		return;
	case RMEM_THEN_RUN:
		sk->sk_rmem_alloc += 1;
		sim_run_until(c->fx->sim, 20 * SIM_S); /* the fourth datagram arrives */
		return;
	}
	sock_check(sk, "test");
}

static void
expect_corruption(struct tcp_fx *fx, enum corruption what, const char *caller, const char *msg)
{
	struct corrupt c = { fx, what };
	const char *const needles[] = { caller, "sock check failed", "host b UDP sock", msg, NULL };
	expect_abort(do_corrupt, &c, needles);
}

static void
test_sock_check_aborts_on_a_charge_that_is_not_the_queue(void **state)
{
	expect_corruption(*state, RMEM_CHARGE, "test",
			  "sk_rmem_alloc is not the truesize of the queued datagrams");
}

static void
test_sock_check_aborts_on_a_charge_below_zero(void **state)
{
	expect_corruption(*state, RMEM_BELOW_ZERO, "test", "a charge went below zero");
}

static void
test_sock_check_aborts_on_a_send_charge_of_a_datagram_socket(void **state)
{
	expect_corruption(*state, WMEM_CHARGE, "test", "charged or queued something to send");
}

static void
test_sock_check_aborts_on_a_datagram_of_another_sock(void **state)
{
	expect_corruption(*state, FOREIGN_SKB, "test", "belongs to another sock");
}

static void
test_sock_put_aborts_on_a_freed_sock_with_a_charge_in_checked_build(void **state)
{
	if (!ns_checks_enabled())
		skip();
	expect_corruption(*state, FREED, "sock_put", "a freed sock still has memory charged");
}

static void
test_sock_queue_rcv_skb_aborts_on_a_corrupt_charge_in_checked_build(void **state)
{
	if (!ns_checks_enabled())
		skip();
	expect_corruption(*state, RMEM_THEN_RUN, "sock_queue_rcv_skb",
			  "sk_rmem_alloc is not the truesize of the queued datagrams");
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, tcp_fx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_sock_check_passes_datagrams_waiting_to_be_read),
		T(test_sock_check_aborts_on_a_charge_that_is_not_the_queue),
		T(test_sock_check_aborts_on_a_charge_below_zero),
		T(test_sock_check_aborts_on_a_send_charge_of_a_datagram_socket),
		T(test_sock_check_aborts_on_a_datagram_of_another_sock),
		T(test_sock_put_aborts_on_a_freed_sock_with_a_charge_in_checked_build),
		T(test_sock_queue_rcv_skb_aborts_on_a_corrupt_charge_in_checked_build),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
