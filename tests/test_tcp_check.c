/*
 * tests/test_tcp_check.c - tcp_check (stack/tcp_check.c), the invariants of
 * a TCP connection: it passes a sound connection caught in the middle of a
 * loss (data in flight, unread data, an out-of-order queue), and each rule
 * can fail: the test corrupts the connection on purpose and expects the
 * abort.  In the checked build (configure --enable-checks) a corruption is
 * also found by the next step of the connection itself.
 *
 * The world is tcp_test.h's: a writes 30,000 bytes to b, which does not
 * read; the tap drops a's second data segment, so b holds the first in its
 * receive queue and the later ones out of order until the retransmission.
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
reader_that_sleeps(struct proc *p, void *arg)
{
	struct tcp_fx *fx = arg;
	int l = ns_socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in me = tt_sin("0.0.0.0", 5001);
	g_assert_cmpint(ns_bind(l, (struct sockaddr *)&me, sizeof me), ==, 0);
	g_assert_cmpint(ns_listen(l, 4), ==, 0);
	int c = ns_accept(l, NULL, NULL);
	tt_hold(fx, 1, c);
	ns_sleep(10 * SIM_S);
	ns_close(c);
	ns_close(l);
	return 0;
}

static int
writer(struct proc *p, void *arg)
{
	struct tcp_fx *fx = arg;
	static char buf[30000];
	int s = ns_socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in to = tt_sin(B_ADDR, 5001);
	g_assert_cmpint(ns_connect(s, (struct sockaddr *)&to, sizeof to), ==, 0);
	tt_hold(fx, 0, s);
	fx->rc[0] = (int)ns_write(s, buf, sizeof buf);
	ns_sleep(10 * SIM_S);
	ns_close(s);
	return 0;
}

/* Run until b holds out-of-order segments: a's second segment was lost. */
static int
setup(void **state)
{
	struct tcp_fx *fx = tcp_fx_new(&(struct tcp_fx_opts){ 0 });
	fx->ab.drop_nth[fx->ab.ndrop++] = 2;
	socket_spawn(fx->b, "reader", 0, reader_that_sleeps, fx);
	socket_spawn(fx->a, "writer", SIM_MS, writer, fx);
	while (!(fx->held[1] && !skb_queue_empty(&tcp_sk(fx->held[1])->ofo_queue)) &&
	       sim_now(fx->sim) < SIM_S)
		sim_run_until(fx->sim, sim_now(fx->sim) + SIM_US);
	g_assert_true(fx->held[1] && !skb_queue_empty(&tcp_sk(fx->held[1])->ofo_queue));
	*state = fx;
	return 0;
}

static void
test_tcp_check_passes_a_connection_in_the_middle_of_a_loss(void **state)
{
	struct tcp_fx *fx = *state;
	struct tcp_sock *a = tcp_sk(fx->held[0]), *b = tcp_sk(fx->held[1]);
	assert_true(a->snd_una != a->snd_max);			/* data in flight */
	assert_false(skb_queue_empty(&a->sk.sk_write_queue));	/* unacknowledged */
	assert_false(skb_queue_empty(&b->sk.sk_receive_queue)); /* unread */
	assert_false(skb_queue_empty(&b->ofo_queue));		/* out of order */
	tcp_check_at_rest(&a->sk, "test");
	tcp_check_at_rest(&b->sk, "test");
	/* and on to the end, every step checked in the checked build */
	sim_run_until(fx->sim, 20 * SIM_S);
	assert_int_equal(fx->rc[0], 30000);
}

enum corruption {
	WRITE_QUEUE_GAP,
	SND_NXT_PAST_SND_MAX,
	WMEM_CHARGE,
	RCV_NXT,
	RMEM_CHARGE,
	OFO_AT_RCV_NXT,
	RECOVER_AT_SND_UNA,
	NO_RTO_TIMER,
	SEND_HINT,
	ALL_LINK,
	WMEM_THEN_RUN,
};

struct corrupt {
	struct tcp_fx *fx;
	enum corruption what;
};

static void
do_corrupt(void *arg)
{
	struct corrupt *c = arg;
	struct sock *a = c->fx->held[0], *b = c->fx->held[1];
	struct tcp_sock *ta = tcp_sk(a), *tb = tcp_sk(b);
	struct sock *checked = a;
	switch (c->what) {
	case WRITE_QUEUE_GAP: TCP_SKB_CB(a->sk_write_queue.first->next)->seq++; break;
	case SND_NXT_PAST_SND_MAX: ta->snd_nxt = ta->snd_max + 1; break;
	case WMEM_CHARGE: a->sk_wmem_alloc += 1; break;
	case RCV_NXT:
		tb->rcv_nxt -= 1;
		checked = b;
		break;
	case RMEM_CHARGE:
		b->sk_rmem_alloc -= 1;
		checked = b;
		break;
	case OFO_AT_RCV_NXT: {
		/* the receive queue's data read, rcv_nxt moved up to the hole's end */
		struct sk_buff *skb;
		while ((skb = skb_dequeue(&b->sk_receive_queue)) != NULL) {
			b->sk_rmem_alloc -= tcp_rmem_truesize(skb);
			skb_consume(skb);
		}
		tb->rcv_nxt = TCP_SKB_CB(tb->ofo_queue.first)->seq;
		checked = b;
		break;
	}
	case RECOVER_AT_SND_UNA:
		ta->in_recovery = true;
		ta->recover = ta->snd_una;
		break;
	case NO_RTO_TIMER:
		sim_cancel(a->host->sim, ta->rtx_timer);
		ta->rtx_timer = 0;
		tcp_check(a, "test"); /* inside a step this may be so */
		break;
	case SEND_HINT: ta->send_hint = b->sk_receive_queue.first; break;
	case ALL_LINK: ta->all_link = tb->all_link; break;
	case WMEM_THEN_RUN:
		a->sk_wmem_alloc += 1;
		sim_run_until(c->fx->sim, 20 * SIM_S); /* the next ACK's tcp_ack finds it */
		return;
	}
	tcp_check_at_rest(checked, "test");
}

static void
expect_corruption(struct tcp_fx *fx, enum corruption what, const char *msg)
{
	struct corrupt c = { fx, what };
	const char *const needles[] = { "sock check failed", msg, NULL };
	expect_abort(do_corrupt, &c, needles);
}

static void
test_tcp_check_aborts_on_a_gap_in_the_write_queue(void **state)
{
	expect_corruption(*state, WRITE_QUEUE_GAP, "the write queue has a gap or an overlap");
}

static void
test_tcp_check_aborts_on_snd_nxt_past_snd_max(void **state)
{
	expect_corruption(*state, SND_NXT_PAST_SND_MAX,
			  "not snd_una <= snd_nxt <= snd_max <= write_seq");
}

static void
test_tcp_check_aborts_on_a_wrong_send_charge(void **state)
{
	expect_corruption(*state, WMEM_CHARGE,
			  "sk_wmem_alloc is not the truesize of the write queue");
}

static void
test_tcp_check_aborts_on_a_receive_queue_not_ending_at_rcv_nxt(void **state)
{
	expect_corruption(*state, RCV_NXT, "the receive queue does not end at rcv_nxt");
}

static void
test_tcp_check_aborts_on_a_wrong_receive_charge(void **state)
{
	expect_corruption(*state, RMEM_CHARGE,
			  "sk_rmem_alloc is not the truesize of the receive queues");
}

static void
test_tcp_check_aborts_on_an_out_of_order_segment_left_at_rcv_nxt(void **state)
{
	expect_corruption(*state, OFO_AT_RCV_NXT, "reaches rcv_nxt but waits");
}

static void
test_tcp_check_aborts_on_recovery_without_a_recovery_point(void **state)
{
	expect_corruption(*state, RECOVER_AT_SND_UNA, "recover is not in (snd_una, snd_max]");
}

static void
test_tcp_check_at_rest_aborts_on_data_in_flight_without_rto_timer(void **state)
{
	expect_corruption(*state, NO_RTO_TIMER, "data is in flight and no RTO timer runs");
}

static void
test_tcp_check_aborts_on_a_send_hint_off_the_write_queue(void **state)
{
	expect_corruption(*state, SEND_HINT, "the send hint is not on the write queue");
}

static void
test_tcp_check_aborts_on_a_node_of_the_list_of_socks_that_is_not_its_own(void **state)
{
	expect_corruption(*state, ALL_LINK, "its node in TCP's list of socks holds another sock");
}

/* The checked build runs tcp_check at every step: the next segment finds
 * it (tcp_v4_rcv's check at rest or tcp_ack's, whichever runs first). */
static void
test_tcp_ack_aborts_on_a_corrupt_charge_in_checked_build(void **state)
{
	if (!ns_checks_enabled())
		skip();
	struct corrupt c = { *state, WMEM_THEN_RUN };
	const char *const needles[] = { "sock check failed", "sk_wmem_alloc", NULL };
	expect_abort(do_corrupt, &c, needles);
}

/*
 * Regression (found by sock_put's check): a TCP sock freed with data
 * unacknowledged kept its send charge, because the socket layer purged
 * the write queue without returning it.  tcp_free_sock returns every
 * charge, as Linux's tcp_write_queue_purge does.
 */
static void
test_tcp_free_sock_returns_every_charge(void **state)
{
	struct tcp_fx *fx = *state;
	struct sock *a = fx->held[0], *b = fx->held[1];
	assert_true(a->sk_wmem_alloc > 0 && b->sk_rmem_alloc > 0);
	tcp_free_sock(a);
	tcp_free_sock(b);
	assert_int_equal(a->sk_wmem_alloc, 0);
	assert_int_equal(b->sk_rmem_alloc, 0);
	assert_true(skb_queue_empty(&a->sk_write_queue) && skb_queue_empty(&b->sk_receive_queue) &&
		    skb_queue_empty(&tcp_sk(b)->ofo_queue));
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, tcp_fx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_tcp_check_passes_a_connection_in_the_middle_of_a_loss),
		T(test_tcp_check_aborts_on_a_gap_in_the_write_queue),
		T(test_tcp_check_aborts_on_snd_nxt_past_snd_max),
		T(test_tcp_check_aborts_on_a_wrong_send_charge),
		T(test_tcp_check_aborts_on_a_receive_queue_not_ending_at_rcv_nxt),
		T(test_tcp_check_aborts_on_a_wrong_receive_charge),
		T(test_tcp_check_aborts_on_an_out_of_order_segment_left_at_rcv_nxt),
		T(test_tcp_check_aborts_on_recovery_without_a_recovery_point),
		T(test_tcp_check_at_rest_aborts_on_data_in_flight_without_rto_timer),
		T(test_tcp_check_aborts_on_a_send_hint_off_the_write_queue),
		T(test_tcp_check_aborts_on_a_node_of_the_list_of_socks_that_is_not_its_own),
		T(test_tcp_ack_aborts_on_a_corrupt_charge_in_checked_build),
		T(test_tcp_free_sock_returns_every_charge),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
