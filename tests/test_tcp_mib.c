/*
 * tests/test_tcp_mib.c - every TcpExt counter that `netsim run --metrics`
 * prints as HOST.tcp.* (cli/build_inet.c, struct tcp_mib) becomes non-zero
 * for a known reason.  tests/metrics_baseline.txt has them all at 0 because
 * no lecture, homework or network scenario reorders, duplicates or delays
 * a segment past an RTO: a link only loses frames.  Each test below makes
 * one happen with the tcp_test.h tap (100 Mbit/s, 10 ms each way):
 *
 *   counter (Linux name)                 reason here
 *   full_undo (TCPFullUndo)              segment 15 5 ms late, timestamps
 *   partial_undo (TCPPartialUndo)        the same in a 200-segment transfer
 *   dsack_undo (TCPDSACKUndo)            segment 15 late, no timestamps
 *   dsack_recv, dsack_recv_segs          the same: b's D-SACK of the resent 15
 *   dsack_old_sent (TCPDSACKOldSent)     the same, at b
 *   dsack_ofo_sent, dsack_ofo_recv       a duplicate above a hole (in
 *                                        tests/test_tcp_loss.c)
 *   loss_undo (TCPLossUndo)              ACKs 400 ms late, timestamps
 *   spurious_rtos (TCPSpuriousRTOs)      the same without timestamps (F-RTO;
 *                                        in tests/test_tcp_loss.c)
 *   ts_reorder (TCPTSReorder)            segment 15 late, partial ACK
 *   sack_reorder (TCPSACKReorder)        segment 15 250 us late: ACKed below
 *                                        the highest SACK, never resent
 *   paws_estab_rejected                  an old ACK reaching TIME_WAIT
 *
 * Not reachable in netsim: dsack_ignored_dubious (TCPDSACKIgnoredDubious)
 * needs a D-SACK of data never retransmitted, which takes a path that
 * duplicates segments; netsim's links and this tap do not.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/tcp_test.h"

/* Reno, open 1 s after writing; @segs full segments. */
static void
run_bulk(struct tcp_fx *fx, int segs)
{
	fx->src = TT_RENO_LINGER;
	tt_run_segs(fx, segs);
}

static void
late_15(struct tcp_fx *fx)
{
	tt_late(&fx->ab, 15, 5 * SIM_MS);
}

static void
ack_spike(struct tcp_fx *fx)
{
	tt_spike(&fx->ba, 45 * SIM_MS, 500 * SIM_MS, 400 * SIM_MS);
}

static const struct tcp_mib *
ma(struct tcp_fx *fx)
{
	return tcp_mib(fx->a);
}

static void
test_full_undo_counts_a_spurious_fast_retransmit(void **state)
{
	struct tcp_fx *fx = *state;
	late_15(fx);
	run_bulk(fx, 20);
	assert_int_equal(ma(fx)->tcp_full_undo, 1);
	sim_run_until(fx->sim, 80 * SIM_S);
}

static void
test_partial_undo_and_ts_reorder_count_a_hole_filled_by_the_original(void **state)
{
	struct tcp_fx *fx = *state;
	late_15(fx);
	run_bulk(fx, 200);
	assert_int_equal(ma(fx)->tcp_partial_undo, 1);
	assert_int_equal(ma(fx)->tcp_ts_reorder, 1);
	sim_run_until(fx->sim, 80 * SIM_S);
}

static void
test_sack_reorder_counts_a_sack_below_the_highest(void **state)
{
	struct tcp_fx *fx = *state;
	tt_late(&fx->ab, 15, 250 * SIM_US); /* two segments: fewer than DupThresh SACKs */
	run_bulk(fx, 20);
	assert_int_equal(tcp_sk(fx->held[0])->fast_retrans, 0);
	assert_int_equal(ma(fx)->tcp_sack_reorder, 1);
	sim_run_until(fx->sim, 80 * SIM_S);
}

static void
test_dsack_counters_count_the_dsack_of_a_needless_retransmission(void **state)
{
	struct tcp_fx *fx = *state;
	tt_no_timestamps(fx);
	late_15(fx);
	run_bulk(fx, 20);
	assert_int_equal(tcp_mib(fx->b)->tcp_dsack_old_sent, 1);
	assert_int_equal(ma(fx)->tcp_dsack_recv, 1);
	assert_int_equal(ma(fx)->tcp_dsack_recv_segs, 1);
	assert_int_equal(ma(fx)->tcp_dsack_undo, 1);
	assert_int_equal(ma(fx)->tcp_dsack_ignored_dubious, 0);
	sim_run_until(fx->sim, 80 * SIM_S);
}

static void
test_loss_undo_counts_a_spurious_rto_seen_by_timestamps(void **state)
{
	struct tcp_fx *fx = *state;
	ack_spike(fx);
	run_bulk(fx, 20);
	assert_int_equal(ma(fx)->tcp_loss_undo, 1);
	assert_int_equal(ma(fx)->tcp_spurious_rtos, 0);
	sim_run_until(fx->sim, 80 * SIM_S);
}

/* b's ACKs of 50-52 ms held 2 s reach a in TIME_WAIT (a closes at 1 s). */
static void
test_paws_estab_rejected_counts_an_old_ack_in_time_wait(void **state)
{
	struct tcp_fx *fx = *state;
	tt_spike(&fx->ba, 50 * SIM_MS, 52 * SIM_MS, 2 * SIM_S);
	run_bulk(fx, 10);
	sim_run_until(fx->sim, 3 * SIM_S);
	assert_true(ma(fx)->paws_estab_rejected >= 1);
	sim_run_until(fx->sim, 80 * SIM_S);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		TT_WAN_TEST(test_full_undo_counts_a_spurious_fast_retransmit),
		TT_WAN_TEST(test_partial_undo_and_ts_reorder_count_a_hole_filled_by_the_original),
		TT_WAN_TEST(test_sack_reorder_counts_a_sack_below_the_highest),
		TT_WAN_TEST(test_dsack_counters_count_the_dsack_of_a_needless_retransmission),
		TT_WAN_TEST(test_loss_undo_counts_a_spurious_rto_seen_by_timestamps),
		TT_WAN_TEST(test_paws_estab_rejected_counts_an_old_ack_in_time_wait),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
