/*
 * tests/test_tcp_timewait.c - a segment for a connection in TIME_WAIT
 * (stack/tcp_minisocks.c; Linux 6.6 net/ipv4/tcp_minisocks.c
 * tcp_timewait_state_process with include/net/tcp.h tcp_paws_reject).
 *
 * a writes ten segments to b, waits 1 s and closes first, so a ends in
 * TIME_WAIT (60 s) at about 1.03 s.  The tap delays every frame b sends
 * between 50 and 52 ms by 2 s: b's ACKs of the data then reach a in
 * TIME_WAIT, old duplicates of this incarnation.  100 Mbit/s, 10 ms each
 * way.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/tcp_test.h"

/* Run the transfer with b's ACKs of 50-52 ms held back 2 s; until 3 s. */
static struct sock *
run(struct tcp_fx *fx)
{
	tt_spike(&fx->ba, 50 * SIM_MS, 52 * SIM_MS, 2 * SIM_S);
	fx->src = (struct tt_source_opts){ .linger = SIM_S }; /* the host's default CC */
	tt_run_bulk(fx, 10 * 1448, tt_source, 3 * SIM_S);
	return fx->held[0];
}

/* a's segments sent in [from, to) that carry ACK and no data, SYN, FIN. */
static int
acks_sent(struct tcp_fx *fx, sim_time_t from, sim_time_t to)
{
	int n = 0;
	for (guint i = 0; i < fx->ab.segs->len; i++) {
		struct tt_seg *s = tt_seg(&fx->ab, i);
		n += s->t >= from && s->t < to && !s->len && (s->flags & TCPHDR_ACK) &&
			!(s->flags & (TCPHDR_SYN | TCPHDR_FIN | TCPHDR_RST));
	}
	return n;
}

/* b's segments of [from, to) with RST. */
static int
rsts_sent_by_b(struct tcp_fx *fx, sim_time_t from, sim_time_t to)
{
	int n = 0;
	for (guint i = 0; i < fx->ba.segs->len; i++) {
		struct tt_seg *s = tt_seg(&fx->ba, i);
		n += s->t >= from && s->t < to && (s->flags & TCPHDR_RST);
	}
	return n;
}

/*
 * With timestamps, the late ACKs' TSvals are behind ts_recent (b's FIN):
 * tcp_paws_reject rejects them (PAWSEstabRejected, as Linux 6.6 counts it
 * in TIME_WAIT) and a answers with one ACK (tcp_v4_timewait_ack; bare
 * segments at most every 500 ms).  b has closed: its stack answers that
 * ACK with a RST at a's rcv_nxt, which ends a's TIME_WAIT (TIME_WAIT
 * assassination, RFC 1337; Linux's default tcp_rfc1337 = 0 allows it).
 */
static void
test_old_segment_in_time_wait_fails_paws_and_is_acked(void **state)
{
	struct tcp_fx *fx = *state;
	struct sock *sk = run(fx);
	assert_true(tcp_mib(fx->a)->paws_estab_rejected >= 1);
	assert_int_equal(acks_sent(fx, 2 * SIM_S, 3 * SIM_S), 1);
	assert_int_equal(rsts_sent_by_b(fx, 2 * SIM_S, 3 * SIM_S), 1);
	assert_int_equal(sk->sk_state, TCP_CLOSE);
	assert_int_equal(tcp_mib(fx->b)->paws_estab_rejected, 0);
	sim_run_until(fx->sim, 80 * SIM_S);
}

/* Without timestamps there is no PAWS: the same late ACKs are out of
 * window (below rcv_nxt) and answered with one ACK, nothing counted; b's
 * RST ends TIME_WAIT as above. */
static void
test_old_segment_in_time_wait_without_timestamps_is_only_acked(void **state)
{
	struct tcp_fx *fx = *state;
	tt_no_timestamps(fx);
	struct sock *sk = run(fx);
	assert_int_equal(tcp_mib(fx->a)->paws_estab_rejected, 0);
	assert_int_equal(acks_sent(fx, 2 * SIM_S, 3 * SIM_S), 1);
	assert_int_equal(sk->sk_state, TCP_CLOSE);
	sim_run_until(fx->sim, 80 * SIM_S);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		TT_WAN_TEST(test_old_segment_in_time_wait_fails_paws_and_is_acked),
		TT_WAN_TEST(test_old_segment_in_time_wait_without_timestamps_is_only_acked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
