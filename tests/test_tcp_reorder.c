/*
 * tests/test_tcp_reorder.c - reordering as the sender learns it
 * (stack/tcp_reorder.c; Linux 6.6 tcp_check_sack_reordering,
 * tcp_rack_reo_wnd, tcp_rack_update_reo_wnd, tcp_update_rtt_min with
 * lib/win_minmax.c; RFC 8985 §6.2).
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

#define RTT (20 * SIM_MS)
#define MSS 1448u

static int
source(struct proc *p, void *arg)
{
	struct tcp_fx *fx = arg;
	int s = ns_socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in to = tt_sin(B_ADDR, 5001);
	ns_setsockopt(s, IPPROTO_TCP, TCP_CONGESTION, "reno", 4);
	fx->rc[0] = ns_connect(s, (struct sockaddr *)&to, sizeof to);
	tt_hold(fx, 0, s);
	fx->rc[1] = (int)tt_write_pattern(s, (size_t)fx->rc[15], 65536);
	ns_sleep(SIM_S); /* open a while: late ACKs and D-SACKs find it ESTABLISHED */
	ns_close(s);
	return 0;
}

static struct tcp_sock *
run_bulk(struct tcp_fx *fx, int segs)
{
	tt_run_bulk(fx, segs * (int)MSS, source, 10 * SIM_S);
	return tcp_sk(fx->held[0]);
}

/* The tap's second hold: data segment @nth also @by late.  The tap has
 * one hold, so the test chains them: the first is given by hold_nth, the
 * second armed once the first has been seen (tt_rearm). */
static uint32_t second_nth;

static void
tt_rearm(struct sim *sim, void *a, void *b)
{
	struct tcp_fx *fx = a;
	(void)b;
	if (fx->ab.data_segs >= fx->ab.hold_nth && second_nth) {
		fx->ab.hold_nth = second_nth;
		second_nth = 0;
		return;
	}
	if (second_nth)
		sim_schedule(sim, SIM_MS, tt_rearm, fx, NULL);
}

static void
hold(struct tcp_fx *fx, uint32_t first, uint32_t second)
{
	fx->ab.hold_nth = first;
	fx->ab.hold_by = 3 * SIM_MS;
	second_nth = second;
	if (second)
		sim_schedule(fx->sim, SIM_MS, tt_rearm, fx, NULL);
}

static int
times_sent(struct tcp_fx *fx, uint32_t nth)
{
	uint32_t seq = 0, n = 0;
	for (guint i = 0; i < fx->ab.segs->len && !seq; i++)
		if (tt_seg(&fx->ab, i)->len && ++n == nth)
			seq = tt_seg(&fx->ab, i)->seq;
	int k = 0;
	for (guint i = 0; i < fx->ab.segs->len; i++)
		k += tt_seg(&fx->ab, i)->seq == seq && tt_seg(&fx->ab, i)->len;
	return k;
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

static int
setup(void **state)
{
	*state = tcp_fx_new(&(struct tcp_fx_opts){ .rate = 100000000, .delay = RTT / 2 });
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_first_reordering_triggers_recovery_and_is_learned, setup,
			tcp_fx_teardown),
		cmocka_unit_test_setup_teardown(
			test_second_identical_reordering_does_not_trigger_recovery, setup,
			tcp_fx_teardown),
		cmocka_unit_test_setup_teardown(
			test_reordering_estimate_raises_dupthresh_without_rack, setup,
			tcp_fx_teardown),
		cmocka_unit_test_setup_teardown(
			test_tcp_reordering_sysctl_sets_the_initial_estimate, setup,
			tcp_fx_teardown),
		cmocka_unit_test(test_windowed_min_forgets_an_old_minimum),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
