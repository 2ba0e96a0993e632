/*
 * tests/test_tcp_undo.c - undo of needless cwnd reductions
 * (stack/tcp_undo.c; Linux 6.6 tcp_try_undo_recovery, tcp_try_undo_partial,
 * tcp_try_undo_loss, tcp_try_undo_dsack, tcp_check_dsack): RFC 3522 Eifel
 * detection with timestamps, RFC 2883 D-SACK.
 *
 * The patterns are exact: the tcp_test.h tap holds back the Nth data
 * segment a sends (reordering), or delays every frame of a direction for
 * a while (a delay spike), or drops a segment (a real loss, which must not
 * be undone).  100 Mbit/s, 10 ms each way; Reno, so that ssthresh after a
 * reduction is half of cwnd and an undone one is back at "infinite".
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/tcp_test.h"

/* Reno, open 1 s after writing (late ACKs and D-SACKs find it
 * ESTABLISHED); @segs full segments. */
static struct tcp_sock *
run_bulk(struct tcp_fx *fx, int segs)
{
	fx->src = TT_RENO_LINGER;
	return tt_run_segs(fx, segs);
}

/*
 * Reordering: of a 20-segment write, data segment 15 reaches b 5 ms late,
 * after 16-20.  Their SACKs make RACK mark 15 lost (DupThresh SACKed, so
 * reo_wnd is 0) and recovery retransmits it.  The original then fills the
 * hole: the ACK that covers the recovery point echoes its TSval, older
 * than the retransmission (tcp_packet_delayed), so the recovery is
 * undone (TCPFullUndo): ssthresh back where it was, cwnd not halved, Open.
 */
static void
test_reordering_fast_retransmit_is_undone_by_timestamps(void **state)
{
	struct tcp_fx *fx = *state;
	tt_late(&fx->ab, 15, 5 * SIM_MS);
	struct tcp_sock *tp = run_bulk(fx, 20);
	assert_int_equal(tp->fast_retrans, 1);
	assert_int_equal(tt_times_sent(&fx->ab, tt_nth_seq(&fx->ab, 15)), 2);
	assert_int_equal(tcp_mib(fx->a)->tcp_full_undo, 1);
	assert_int_equal(tcp_mib(fx->a)->tcp_partial_undo, 0);
	assert_int_equal(tcp_mib(fx->a)->tcp_dsack_undo, 0);
	assert_int_equal(tp->ca_state, TCP_CA_Open);
	assert_int_equal(tp->ssthresh, TCP_INFINITE_SSTHRESH);
	assert_true(tcp_snd_cwnd(tp) >= 20);
	assert_int_equal(tp->undo_marker, 0);
	/* b saw the retransmission as a duplicate and said so */
	assert_int_equal(tcp_mib(fx->a)->tcp_dsack_recv, 1);
	sim_run_until(fx->sim, 80 * SIM_S);
}

/*
 * The same reordering in a longer transfer: new data went out during the
 * recovery, so the original's ACK is a partial one (below the recovery
 * point) with no retransmission left in flight (tcp_try_undo_partial,
 * TCPPartialUndo).
 */
static void
test_reordering_partial_ack_is_undone_by_timestamps(void **state)
{
	struct tcp_fx *fx = *state;
	tt_late(&fx->ab, 15, 5 * SIM_MS);
	struct tcp_sock *tp = run_bulk(fx, 200);
	assert_int_equal(tp->fast_retrans, 1);
	assert_int_equal(tcp_mib(fx->a)->tcp_partial_undo, 1);
	assert_int_equal(tcp_mib(fx->a)->tcp_full_undo, 0);
	assert_int_equal(tp->ca_state, TCP_CA_Open);
	assert_int_equal(tp->ssthresh, TCP_INFINITE_SSTHRESH);
	sim_run_until(fx->sim, 80 * SIM_S);
}

/*
 * Without timestamps the ACK of the original says nothing about which
 * copy arrived, so the recovery ends normally (cwnd = ssthresh).  Then the
 * retransmission reaches b as a duplicate; b's D-SACK (RFC 2883) covers
 * the one retransmission of the episode (undo_retrans 1 -> 0), and the
 * reduction is undone after the fact (tcp_try_undo_dsack, TCPDSACKUndo).
 */
static void
test_reordering_fast_retransmit_is_undone_by_dsack(void **state)
{
	struct tcp_fx *fx = *state;
	tt_no_timestamps(fx);
	tt_late(&fx->ab, 15, 5 * SIM_MS);
	struct tcp_sock *tp = run_bulk(fx, 20);
	assert_int_equal(tp->fast_retrans, 1);
	assert_int_equal(tcp_mib(fx->a)->tcp_full_undo, 0);
	assert_int_equal(tcp_mib(fx->a)->tcp_dsack_recv, 1);
	assert_int_equal(tcp_mib(fx->a)->tcp_dsack_undo, 1);
	assert_int_equal(tcp_mib(fx->b)->tcp_dsack_old_sent, 1);
	assert_int_equal(tp->ca_state, TCP_CA_Open);
	assert_int_equal(tp->ssthresh, TCP_INFINITE_SSTHRESH);
	assert_true(tcp_snd_cwnd(tp) >= 20);
	sim_run_until(fx->sim, 80 * SIM_S);
}

/* The same with tcp_dsack = 0 on b (Linux net.ipv4.tcp_dsack): no D-SACK
 * is sent, so the needless reduction stays. */
static void
test_no_dsack_no_undo_without_timestamps(void **state)
{
	struct tcp_fx *fx = *state;
	tt_no_timestamps(fx);
	struct tcp_config c = *tcp_config(fx->b);
	c.dsack = false;
	tcp_set_config(fx->b, &c);
	tt_late(&fx->ab, 15, 5 * SIM_MS);
	struct tcp_sock *tp = run_bulk(fx, 20);
	assert_int_equal(tp->fast_retrans, 1);
	assert_int_equal(tcp_mib(fx->b)->tcp_dsack_old_sent, 0);
	assert_int_equal(tcp_mib(fx->a)->tcp_dsack_recv, 0);
	assert_int_equal(tcp_mib(fx->a)->tcp_dsack_undo, 0);
	assert_true(tp->ssthresh < TCP_INFINITE_SSTHRESH);
	sim_run_until(fx->sim, 80 * SIM_S);
}

/* A real loss (data segment 15 dropped) is not undone: the ACK after the
 * retransmission echoes the retransmission's TSval, and no D-SACK comes. */
static void
test_real_loss_is_not_undone(void **state)
{
	struct tcp_fx *fx = *state;
	tt_drop(&fx->ab, 15);
	struct tcp_sock *tp = run_bulk(fx, 20);
	assert_int_equal(tp->fast_retrans, 1);
	const struct tcp_mib *m = tcp_mib(fx->a);
	assert_int_equal(
		m->tcp_full_undo + m->tcp_partial_undo + m->tcp_dsack_undo + m->tcp_loss_undo, 0);
	assert_int_equal(m->tcp_dsack_recv, 0);
	assert_true(tp->ssthresh < TCP_INFINITE_SSTHRESH);
	sim_run_until(fx->sim, 80 * SIM_S);
}

/*
 * A delay spike on the ACK path: every frame b sends between 45 ms and
 * 500 ms arrives 400 ms late.  The data got through, but a hears nothing:
 * the loss probe goes, then the RTO (a spurious one) resends the head and
 * cuts cwnd to one segment.  The first late ACK covers new data and echoes
 * the original's TSval, older than the retransmission: tcp_try_undo_loss
 * puts cwnd and ssthresh back (TCPLossUndo), Open again.
 */
static void
spike(struct tcp_fx *fx)
{
	tt_spike(&fx->ba, 45 * SIM_MS, 500 * SIM_MS, 400 * SIM_MS);
}

static void
test_spurious_rto_is_undone_by_timestamps(void **state)
{
	struct tcp_fx *fx = *state;
	spike(fx);
	struct tcp_sock *tp = run_bulk(fx, 20);
	assert_int_equal(tp->timeouts, 1);
	assert_int_equal(tcp_mib(fx->a)->tcp_loss_undo, 1);
	assert_int_equal(tcp_mib(fx->a)->tcp_dsack_undo, 0);
	assert_int_equal(tp->ca_state, TCP_CA_Open);
	assert_int_equal(tp->ssthresh, TCP_INFINITE_SSTHRESH);
	assert_true(tcp_snd_cwnd(tp) >= 10);
	sim_run_until(fx->sim, 80 * SIM_S);
}

/*
 * Without timestamps and without F-RTO (tcp_frto = 0; with it, F-RTO
 * undoes the RTO on the first late ACK, tests/test_tcp_loss.c) the same
 * spike's RTO stays in force: the late ACKs say nothing of which copy
 * arrived, and the Loss state resends the other ten segments it marked
 * lost (Linux does too without F-RTO).  b answers
 * each of the eleven needless copies with a D-SACK, late as well; they
 * reach a as old ACKs (below snd_una, Linux tcp_ack's old_ack), and the
 * eleventh brings undo_retrans to 0: TCPDSACKUndo, ssthresh restored.
 */
static void
test_spurious_rto_is_undone_by_dsack_without_timestamps(void **state)
{
	struct tcp_fx *fx = *state;
	tt_no_timestamps(fx);
	struct tcp_config c = *tcp_config(fx->a);
	c.frto = 0;
	tcp_set_config(fx->a, &c);
	spike(fx);
	struct tcp_sock *tp = run_bulk(fx, 20);
	assert_int_equal(tp->timeouts, 1);
	assert_int_equal(tp->retrans_segs, 11);
	assert_int_equal(tcp_mib(fx->a)->tcp_dsack_recv, 11);
	assert_int_equal(tcp_mib(fx->a)->tcp_loss_undo, 0);
	assert_int_equal(tcp_mib(fx->a)->tcp_dsack_undo, 1);
	assert_int_equal(tp->ssthresh, TCP_INFINITE_SSTHRESH);
	sim_run_until(fx->sim, 80 * SIM_S);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		TT_WAN_TEST(test_reordering_fast_retransmit_is_undone_by_timestamps),
		TT_WAN_TEST(test_reordering_partial_ack_is_undone_by_timestamps),
		TT_WAN_TEST(test_reordering_fast_retransmit_is_undone_by_dsack),
		TT_WAN_TEST(test_no_dsack_no_undo_without_timestamps),
		TT_WAN_TEST(test_real_loss_is_not_undone),
		TT_WAN_TEST(test_spurious_rto_is_undone_by_timestamps),
		TT_WAN_TEST(test_spurious_rto_is_undone_by_dsack_without_timestamps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
