/*
 * tests/test_tcp_loss.c - the sender's ACK processing around loss and
 * reordering (Linux 6.6 net/ipv4/tcp_input.c tcp_may_raise_cwnd,
 * tcp_enter_loss / tcp_process_loss's F-RTO, RFC 5682).
 *
 * The patterns are exact, from the tcp_test.h tap: data segment N held
 * back a few milliseconds (reordering), or every ACK delayed for a while
 * (a delay spike that fires a spurious RTO).  100 Mbit/s, 10 ms each way.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/tcp_test.h"

/* Reno, open 1 s after writing; @segs full segments. */
static struct tcp_sock *
run_bulk(struct tcp_fx *fx, int segs)
{
	fx->src = TT_RENO_LINGER;
	return tt_run_segs(fx, segs);
}

/* ---- a sampler of a's cwnd, every 20 us ---------------------------------------- */

static struct {
	uint32_t cwnd, snd_una, sacked_out;
	uint8_t ca_state;
	bool valid;
	/* cwnd grew between two samples while snd_una stood still in Disorder */
	int grew_on_sacks;
	sim_time_t until;
} smp;

static void
sample(struct sim *sim, void *a, void *b)
{
	struct tcp_fx *fx = a;
	(void)b;
	if (fx->held[0] && fx->held[0]->sk_state == TCP_ESTABLISHED) {
		struct tcp_sock *tp = tcp_sk(fx->held[0]);
		if (smp.valid && smp.ca_state == TCP_CA_Disorder &&
		    tp->ca_state == TCP_CA_Disorder && tp->snd_una == smp.snd_una &&
		    tcp_snd_cwnd(tp) > smp.cwnd)
			smp.grew_on_sacks++;
		smp.cwnd = tcp_snd_cwnd(tp);
		smp.snd_una = tp->snd_una;
		smp.ca_state = tp->ca_state;
		smp.valid = true;
	}
	if (sim_now(sim) < smp.until)
		sim_schedule(sim, 20 * SIM_US, sample, fx, NULL);
}

static void
start_sampler(struct tcp_fx *fx, sim_time_t until)
{
	memset(&smp, 0, sizeof smp);
	smp.until = until;
	sim_schedule(fx->sim, SIM_MS, sample, fx, NULL);
}

/* b offers a window larger than the path holds (4 MB, no autotuning), so
 * that a's sends are limited by cwnd (tcp_is_cwnd_limited) */
static void
big_window(struct tcp_fx *fx)
{
	struct tcp_config c = *tcp_config(fx->b);
	c.moderate_rcvbuf = false;
	c.rmem[1] = 4 << 20;
	tcp_set_config(fx->b, &c);
}

/* ---- tcp_may_raise_cwnd ---------------------------------------------------------- */

/*
 * Segment 40 reaches b 3 ms late, twice (segments 40 and 300).  The
 * first time teaches a the reordering (tp->reordering > 3, above the
 * tcp_reordering sysctl); the second time RACK waits (reo_wnd 5 ms) and a
 * stays in Disorder while the segments after the hole are SACKed.  Linux
 * tcp_may_raise_cwnd: with reordering that high, an ACK that only SACKs
 * new data (FLAG_DATA_SACKED, no cumulative progress) grows cwnd.
 */
static void
test_sacks_grow_cwnd_when_reordering_is_high(void **state)
{
	struct tcp_fx *fx = *state;
	big_window(fx);
	tt_late_twice(&fx->ab, 40, 300, 3 * SIM_MS);
	start_sampler(fx, 2 * SIM_S);
	struct tcp_sock *tp = run_bulk(fx, 400);
	assert_true(tp->reordering > tcp_config(fx->a)->reordering);
	assert_true(smp.grew_on_sacks > 0);
	sim_run_until(fx->sim, 80 * SIM_S);
}

/* The same pattern with tcp_reordering = 100: the estimate starts at the
 * sysctl and never goes above it (the holes are shorter), so cwnd grows
 * only when snd_una moves (FLAG_DATA_ACKED, RFC 5681): never while a hole
 * stands. */
static void
test_sacks_do_not_grow_cwnd_while_reordering_is_low(void **state)
{
	struct tcp_fx *fx = *state;
	big_window(fx);
	struct tcp_config c = *tcp_config(fx->a);
	c.reordering = 100; /* the estimate starts at the sysctl and stays there */
	tcp_set_config(fx->a, &c);
	tt_late_twice(&fx->ab, 40, 300, 3 * SIM_MS);
	start_sampler(fx, 2 * SIM_S);
	struct tcp_sock *tp = run_bulk(fx, 400);
	assert_int_equal(tp->reordering, 100);
	assert_int_equal(smp.grew_on_sacks, 0);
	sim_run_until(fx->sim, 80 * SIM_S);
}

/* ---- F-RTO (RFC 5682; Linux tcp_enter_loss, tcp_process_loss) ------------------ */

static void
set_frto(struct tcp_fx *fx, uint32_t frto)
{
	struct tcp_config c = *tcp_config(fx->a);
	c.frto = frto;
	tcp_set_config(fx->a, &c);
}

/* A delay spike on the ACK path (as tests/test_tcp_undo.c): every frame b
 * sends between 45 ms and 500 ms arrives 400 ms late.  The data got
 * through; a's RTO is spurious. */
static void
spike(struct tcp_fx *fx)
{
	tt_spike(&fx->ba, 45 * SIM_MS, 500 * SIM_MS, 400 * SIM_MS);
}

/* Data segments a sent after time @t: how many before the first one that
 * starts at or beyond @seq (new data), and whether one did. */
static int
resent_before_new(struct tcp_fx *fx, sim_time_t t, uint32_t seq, bool *found)
{
	int n = 0;
	*found = false;
	for (guint i = 0; i < fx->ab.segs->len; i++) {
		struct tt_seg *s = tt_seg(&fx->ab, i);
		if (s->t < t || !s->len)
			continue;
		if (!before(s->seq, seq)) {
			*found = true;
			return n;
		}
		n++;
	}
	return n;
}

/* The highest sequence a had sent before @t. */
static uint32_t
highest_sent_before(struct tcp_fx *fx, sim_time_t t)
{
	uint32_t high = 0;
	for (guint i = 0; i < fx->ab.segs->len; i++) {
		struct tt_seg *s = tt_seg(&fx->ab, i);
		if (s->t < t && s->len && (!high || after(s->seq + s->len, high)))
			high = s->seq + s->len;
	}
	return high;
}

/*
 * Without timestamps, the spike's late ACKs say nothing of which copy
 * arrived; but the first of them acknowledges segments sent before the
 * RTO and never retransmitted (FLAG_ORIG_SACK_ACKED): F-RTO step 3b calls
 * the RTO spurious and undoes it (TCPSpuriousRTOs, TCPLossUndo) before the
 * Loss state resends anything else.  Only the RTO's one retransmission
 * (and the loss probe's) went out; with tcp_frto = 0 it is eleven
 * (tests/test_tcp_undo.c).
 */
static void
test_spurious_rto_is_undone_by_frto_without_timestamps(void **state)
{
	struct tcp_fx *fx = *state;
	tt_no_timestamps(fx);
	spike(fx);
	struct tcp_sock *tp = run_bulk(fx, 20);
	assert_int_equal(tp->timeouts, 1);
	assert_int_equal(tcp_mib(fx->a)->tcp_spurious_rtos, 1);
	assert_int_equal(tcp_mib(fx->a)->tcp_loss_undo, 1);
	assert_int_equal(tcp_mib(fx->a)->tcp_dsack_undo, 0);
	assert_true(tp->retrans_segs <= 2);
	assert_int_equal(tp->ssthresh, TCP_INFINITE_SSTHRESH);
	assert_int_equal(tp->ca_state, TCP_CA_Open);
	sim_run_until(fx->sim, 80 * SIM_S);
}

/* The same spike with tcp_frto = 0: no F-RTO, no spurious RTO counted. */
static void
test_spurious_rto_is_not_detected_with_frto_off(void **state)
{
	struct tcp_fx *fx = *state;
	tt_no_timestamps(fx);
	set_frto(fx, 0);
	spike(fx);
	struct tcp_sock *tp = run_bulk(fx, 20);
	assert_int_equal(tp->timeouts, 1);
	assert_int_equal(tcp_mib(fx->a)->tcp_spurious_rtos, 0);
	assert_int_equal(tcp_mib(fx->a)->tcp_loss_undo, 0);
	assert_true(tp->retrans_segs >= 10);
	sim_run_until(fx->sim, 80 * SIM_S);
}

/*
 * A real loss: a's data path is dead from 35 to 300 ms (segments of the
 * second flight and the loss probe are lost) and the RTO fires.  F-RTO
 * step 2b: the ACK of the head's retransmission moves snd_una on, and a
 * sends new data before resending the rest (the RFC's test); step 3a:
 * the ACKs of the new data SACK it while the hole stands, so the loss
 * was real, F-RTO stops and the lost segments are resent.  Nothing is
 * undone: ssthresh stays cut.
 */
static void
blackhole_on(struct sim *sim, void *a, void *b)
{
	(void)sim;
	(void)b;
	((struct tcp_fx *)a)->ab.blackhole = true;
}

static void
blackhole_off(struct sim *sim, void *a, void *b)
{
	(void)sim;
	(void)b;
	((struct tcp_fx *)a)->ab.blackhole = false;
}

static void
outage(struct tcp_fx *fx)
{
	sim_schedule(fx->sim, 35 * SIM_MS, blackhole_on, fx, NULL);
	sim_schedule(fx->sim, 300 * SIM_MS, blackhole_off, fx, NULL);
}

static void
test_real_loss_after_rto_sends_new_data_then_recovers(void **state)
{
	struct tcp_fx *fx = *state;
	tt_no_timestamps(fx);
	outage(fx);
	struct tcp_sock *tp = run_bulk(fx, 80);
	assert_true(tp->timeouts >= 1);
	const struct tcp_mib *m = tcp_mib(fx->a);
	assert_int_equal(m->tcp_spurious_rtos, 0);
	assert_int_equal(m->tcp_loss_undo, 0);
	assert_true(tp->ssthresh < TCP_INFINITE_SSTHRESH);
	bool found;
	int resent =
		resent_before_new(fx, 300 * SIM_MS, highest_sent_before(fx, 300 * SIM_MS), &found);
	assert_true(found);
	assert_int_equal(resent, 1); /* the head, then new data (step 2b) */
	sim_run_until(fx->sim, 80 * SIM_S);
}

/* The same outage with tcp_frto = 0: after the head, the Loss state
 * resends what it marked lost before any new data. */
static void
test_real_loss_after_rto_resends_first_with_frto_off(void **state)
{
	struct tcp_fx *fx = *state;
	tt_no_timestamps(fx);
	set_frto(fx, 0);
	outage(fx);
	run_bulk(fx, 80);
	bool found;
	int resent =
		resent_before_new(fx, 300 * SIM_MS, highest_sent_before(fx, 300 * SIM_MS), &found);
	assert_true(resent > 1);
	sim_run_until(fx->sim, 80 * SIM_S);
}

/* ---- the receiver's D-SACK of out-of-order data (tcp_dsack_extend) ---------------- */

/*
 * A twelve-segment write.  Segment 5 is lost, and so is its first
 * retransmission (data segment 13); segment 8 reaches b 30 ms late.  So
 * a resends segment 8, which b queues out of order above the hole; then
 * the late original of 8 arrives while the hole still stands: all its
 * bytes are queued already.  Linux tcp_data_queue_ofo drops it and
 * reports it in a D-SACK inside the SACK block that holds it
 * (TCPDSACKOfoSent at b; TCPDSACKOfoRecv at a, tcp_check_dsack).
 */
static void
test_duplicate_of_out_of_order_data_is_dsacked(void **state)
{
	struct tcp_fx *fx = *state;
	tt_drop(&fx->ab, 5);
	tt_drop(&fx->ab, 13);
	tt_late(&fx->ab, 8, 30 * SIM_MS);
	run_bulk(fx, 12);
	assert_int_equal(tcp_mib(fx->b)->tcp_dsack_ofo_sent, 1);
	assert_int_equal(tcp_mib(fx->a)->tcp_dsack_ofo_recv, 1);
	sim_run_until(fx->sim, 80 * SIM_S);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		TT_WAN_TEST(test_sacks_grow_cwnd_when_reordering_is_high),
		TT_WAN_TEST(test_sacks_do_not_grow_cwnd_while_reordering_is_low),
		TT_WAN_TEST(test_spurious_rto_is_undone_by_frto_without_timestamps),
		TT_WAN_TEST(test_spurious_rto_is_not_detected_with_frto_off),
		TT_WAN_TEST(test_real_loss_after_rto_sends_new_data_then_recovers),
		TT_WAN_TEST(test_real_loss_after_rto_resends_first_with_frto_off),
		TT_WAN_TEST(test_duplicate_of_out_of_order_data_is_dsacked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
