/*
 * tests/test_tcp_reorder.c - reordering as the sender learns it
 * (stack/tcp_reorder.c; Linux 6.6 tcp_check_sack_reordering,
 * tcp_rack_reo_wnd, tcp_rack_update_reo_wnd, tcp_update_rtt_min with
 * lib/win_minmax.c; RFC 8985 §6.2), and without SACK from the duplicate
 * ACKs (stack/tcp_cong_control.c; Linux tcp_check_reno_reordering).
 *
 * The tcp_test.h tap holds back data segment N by 3 ms: the segments after
 * it arrive first.  100 Mbit/s, 10 ms each way, min_rtt 20 ms, so RACK's
 * reordering window, once reordering is known, is min_rtt / 4 = 5 ms.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "stack/win_minmax.h"
#include "tests/tcp_test.h"

/* Reno, open 1 s after writing; @segs full segments. */
static struct tcp_sock *
run_bulk(struct tcp_fx *fx, int segs)
{
	fx->src = TT_RENO_LINGER;
	return tt_run_segs(fx, segs);
}

/* Data segments @first and @second (0: none) both reach b 3 ms late. */
static void
hold(struct tcp_fx *fx, uint32_t first, uint32_t second)
{
	tt_late_twice(&fx->ab, first, second, 3 * SIM_MS);
}

/* How many times a sent data segment @nth (1-based). */
static int
times_sent(struct tcp_fx *fx, uint32_t nth)
{
	return tt_times_sent(&fx->ab, tt_nth_seq(&fx->ab, nth));
}

/* Once, before any reordering is known: RACK's window is 0 (three SACKs
 * arrived), so the late segment is resent (a fast retransmit, undone
 * later); the sender has now seen reordering and estimates its degree. */
static void
test_first_reordering_triggers_recovery_and_is_learned(void **state)
{
	struct tcp_fx *fx = *state;
	hold(fx, 150, 0);
	struct tcp_sock *tp = run_bulk(fx, 400);
	assert_int_equal(tp->fast_retrans, 1);
	assert_int_equal(times_sent(fx, 150), 2);
	assert_true(tp->reord_seen >= 1);
	assert_true(tp->reordering > TCP_FASTRETRANS_THRESH);
	assert_true(tcp_mib(fx->a)->tcp_sack_reorder + tcp_mib(fx->a)->tcp_ts_reorder >= 1);
	sim_run_until(fx->sim, 80 * SIM_S);
}

/* The same 3 ms reordering a second time: reordering is known, so RACK
 * waits min_rtt / 4 = 5 ms (times the steps) before it calls the segment
 * lost, and the late original arrives in time: no second recovery.
 *
 * b autotunes its receive buffer (tcp_moderate_rcvbuf, the default), so
 * its window passes the 250 KB BDP and cwnd grows past it; TCP Small
 * Queues (stack/tcp_tsq.c, Linux tcp_small_queue_check) keep that excess
 * in a's write queue, not its NIC queue, so the RTT samples stay near 20
 * ms and segment 300 is not more than min_rtt / 4 late.  (Before netsim
 * had TSQ the excess waited in the NIC queue, the samples grew to 29 ms,
 * and this test had to run b with tcp_moderate_rcvbuf = 0.) */
static void
test_second_identical_reordering_does_not_trigger_recovery(void **state)
{
	struct tcp_fx *fx = *state;
	assert_true(tcp_config(fx->b)->moderate_rcvbuf);
	hold(fx, 150, 300);
	struct tcp_sock *tp = run_bulk(fx, 400);
	assert_true(tp->srtt < 22 * SIM_MS); /* no standing queue in a's NIC */
	assert_int_equal(times_sent(fx, 150), 2);
	assert_int_equal(times_sent(fx, 300), 1);
	assert_int_equal(tp->fast_retrans, 1);
	assert_true(tp->reord_seen >= 2);
	sim_run_until(fx->sim, 80 * SIM_S);
}

/* The same two reorderings with tcp_recovery = 0 (RFC 6675, no RACK): the
 * reordering estimate replaces DupThresh 3, so the second reordering,
 * shorter than the estimate, draws no fast retransmit either. */
static void
test_reordering_estimate_raises_dupthresh_without_rack(void **state)
{
	struct tcp_fx *fx = *state;
	struct tcp_config c = *tcp_config(fx->a);
	c.recovery = 0;
	c.early_retrans = 0;
	tcp_set_config(fx->a, &c);
	hold(fx, 150, 300);
	struct tcp_sock *tp = run_bulk(fx, 400);
	assert_int_equal(times_sent(fx, 150), 2);
	assert_int_equal(times_sent(fx, 300), 1);
	assert_int_equal(tp->fast_retrans, 1);
	sim_run_until(fx->sim, 80 * SIM_S);
}

/* Reno on a connection without SACK (tcp_sack = 0 on a), open 1 s after
 * writing @segs full segments. */
static struct tcp_sock *
run_bulk_no_sack(struct tcp_fx *fx, int segs)
{
	struct tcp_config c = *tcp_config(fx->a);
	c.sack = false;
	tcp_set_config(fx->a, &c);
	struct tcp_sock *tp = run_bulk(fx, segs);
	assert_false(tcp_is_sack(tp));
	return tp;
}

/*
 * Without SACK (Linux tcp_check_reno_reordering, 6.6): segment 150 3 ms
 * late draws a fast retransmit; the late original fills the hole, and from
 * then on NewReno's partial ACKs and the duplicate ACKs of the segments it
 * resent count more segments "SACKed" than are out beyond the hole, which
 * only reordering (or duplication) can do.  Each time tcp_limit_reno_sacked
 * has to cut sacked_out, the estimate becomes the segments that were out
 * and TCPRenoReorder counts.  SACK's own counter stays 0.
 */
static void
test_reno_dupacks_beyond_flight_are_reordering(void **state)
{
	struct tcp_fx *fx = *state;
	hold(fx, 150, 0);
	struct tcp_sock *tp = run_bulk_no_sack(fx, 400);
	const struct tcp_mib *m = tcp_mib(fx->a);
	assert_true(tp->fast_retrans >= 1);
	assert_true(m->tcp_reno_reorder >= 1);
	assert_int_equal(tp->reord_seen, m->tcp_reno_reorder);
	assert_int_equal(m->tcp_sack_reorder + m->tcp_ts_reorder, 0);
	assert_true(tp->reordering > TCP_FASTRETRANS_THRESH);
	assert_true(tp->reordering <= tcp_config(fx->a)->max_reordering);
	sim_run_until(fx->sim, 80 * SIM_S);
}

/*
 * Segment 150 30 ms late (more than the 20 ms RTT): the fast retransmit
 * fills the hole and recovery ends before the original arrives; its
 * duplicate ACK is counted (Disorder), and the next ACK that moves snd_una
 * resets the count (Linux tcp_fastretrans_alert's tcp_reset_reno_sack in
 * Open and Disorder), so no reordering is inferred from it, however few
 * segments are then out.
 */
static void
test_reno_count_resets_when_snd_una_moves_outside_recovery(void **state)
{
	struct tcp_fx *fx = *state;
	tt_late(&fx->ab, 150, 30 * SIM_MS);
	struct tcp_sock *tp = run_bulk_no_sack(fx, 600);
	assert_int_equal(tp->fast_retrans, 1);
	assert_int_equal(tcp_mib(fx->a)->tcp_reno_reorder, 0);
	assert_int_equal(tp->reord_seen, 0);
	assert_int_equal(tp->reordering, TCP_FASTRETRANS_THRESH);
	sim_run_until(fx->sim, 80 * SIM_S);
}

/* tcp_reordering is the initial estimate (Linux net.ipv4.tcp_reordering). */
static void
test_tcp_reordering_sysctl_sets_the_initial_estimate(void **state)
{
	struct tcp_fx *fx = *state;
	struct tcp_config c = *tcp_config(fx->a);
	assert_int_equal(c.reordering, 3);
	assert_int_equal(c.max_reordering, 300);
	assert_int_equal(c.min_rtt_wlen, 300);
	c.reordering = 10;
	tcp_set_config(fx->a, &c);
	struct tcp_sock *tp = run_bulk(fx, 20);
	assert_int_equal(tp->reordering, 10);
	sim_run_until(fx->sim, 80 * SIM_S);
}

/* lib/win_minmax.c: the minimum of the window, and when it ages out the
 * best of what is left (not the newest sample). */
static void
test_windowed_min_forgets_an_old_minimum(void **state)
{
	(void)state;
	struct minmax m;
	minmax_reset(&m, 0, ~0u);
	assert_int_equal(minmax_running_min(&m, 100, 0, 50), 50);
	assert_int_equal(minmax_running_min(&m, 100, 30, 80), 50);
	assert_int_equal(minmax_running_min(&m, 100, 60, 70), 50);
	/* 50 is older than the window: 70 (t 60) is the best left */
	assert_int_equal(minmax_running_min(&m, 100, 120, 90), 70);
	assert_int_equal(minmax_running_min(&m, 100, 125, 40), 40);
	minmax_reset(&m, 0, 0);
	assert_int_equal(minmax_running_max(&m, 100, 0, 10), 10);
	assert_int_equal(minmax_running_max(&m, 100, 10, 5), 10);
	assert_int_equal(minmax_running_max(&m, 100, 200, 5), 5); /* nothing left in the window */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		TT_WAN_TEST(test_first_reordering_triggers_recovery_and_is_learned),
		TT_WAN_TEST(test_second_identical_reordering_does_not_trigger_recovery),
		TT_WAN_TEST(test_reordering_estimate_raises_dupthresh_without_rack),
		TT_WAN_TEST(test_tcp_reordering_sysctl_sets_the_initial_estimate),
		TT_WAN_TEST(test_reno_dupacks_beyond_flight_are_reordering),
		TT_WAN_TEST(test_reno_count_resets_when_snd_una_moves_outside_recovery),
		cmocka_unit_test(test_windowed_min_forgets_an_old_minimum),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
