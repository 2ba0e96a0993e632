/*
 * tests/test_tcp_rack.c - RACK-TLP (stack/tcp_rack.c, RFC 8985; Linux
 * tcp_recovery.c and tcp_send_loss_probe, 6.6): a tail loss probed
 * instead of waiting for the RTO, two losses among the last three
 * segments found by time, a lost retransmission found without an RTO;
 * and the same losses with tcp_recovery = 0 and tcp_early_retrans = 0,
 * where the RTO is needed.
 *
 * Losses are exact: the tcp_test.h tap drops the Nth data segment a
 * sends (retransmissions counted).  100 Mbit/s, 10 ms each way.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/tcp_test.h"

#define MSS 1460u
#define RTT (20 * SIM_MS)

/* Reno, writes of 16 KB, closed right after writing: @bytes must all
 * arrive intact (tt_run_bulk). */
static void
run_bulk(struct tcp_fx *fx, int bytes)
{
	fx->src = TT_RENO_16K;
	tt_run_bulk(fx, bytes, tt_source, 10 * SIM_S);
}

/* RACK and TLP off: RFC 6675 and the RTO alone. */
static void
rack_off(struct tcp_fx *fx)
{
	struct tcp_config c = *tcp_config(fx->a);
	c.recovery = 0;
	c.early_retrans = 0;
	tcp_set_config(fx->a, &c);
}

/* When b first acknowledged everything up to @seq's segment (tap time). */
static sim_time_t
acked_at(struct tcp_fx *fx, uint32_t end)
{
	for (guint i = 0; i < fx->ba.segs->len; i++)
		if (!before(tt_seg(&fx->ba, i)->ack, end))
			return tt_seg(&fx->ba, i)->t;
	fail();
	return 0;
}

/* The last segment of a transfer is lost: nothing follows it to draw
 * duplicate ACKs.  TLP (RFC 8985 §7.2, Linux tcp_schedule_loss_probe):
 * with one segment out the PTO is 2 srtt + tcp_rto_min (the peer may
 * delay its ACK), capped by the RTO, so here the probe leaves when the RTO
 * would have fired, but as a probe: the last segment again, no timeout
 * (cwnd is not collapsed to one segment) and nothing else resent. */
static void
test_tail_loss_is_probed_before_the_rto(void **state)
{
	struct tcp_fx *fx = *state;
	tt_drop(&fx->ab, 21);
	run_bulk(fx, 21 * (int)MSS);
	struct tcp_sock *tp = tcp_sk(fx->held[0]);
	assert_int_equal(tp->tlp_probes, 1);
	assert_int_equal(tp->timeouts, 0);
	assert_int_equal(tp->retrans_segs, 1);
	guint d = tt_dropped(&fx->ab, 0);
	uint32_t seq = tt_seg(&fx->ab, d)->seq;
	assert_int_equal(tt_times_sent(&fx->ab, seq), 2);
	sim_time_t probe = 0;
	for (guint i = d + 1; i < fx->ab.segs->len && !probe; i++)
		if (tt_seg(&fx->ab, i)->seq == seq && tt_seg(&fx->ab, i)->len)
			probe = tt_seg(&fx->ab, i)->t;
	/* the RTO (srtt + 200 ms after the last ACK, which came an RTT after
	 * the lost segment left) is the cap */
	assert_true(probe - tt_seg(&fx->ab, d)->t <= RTT + tp->srtt + 200 * SIM_MS + SIM_MS);
	assert_true(probe - tt_seg(&fx->ab, d)->t > 2 * RTT + 200 * SIM_MS);
	sim_run_until(fx->sim, 80 * SIM_S);
}

static void
test_tail_loss_waits_for_the_rto_without_tlp(void **state)
{
	struct tcp_fx *fx = *state;
	rack_off(fx);
	tt_drop(&fx->ab, 21);
	run_bulk(fx, 21 * (int)MSS);
	struct tcp_sock *tp = tcp_sk(fx->held[0]);
	assert_int_equal(tp->tlp_probes, 0);
	assert_int_equal(tp->timeouts, 1);
	sim_run_until(fx->sim, 80 * SIM_S);
}

/* Two of the last three segments lost (18 and 20 of 21): one SACK
 * (of 19) and then another (of 21), never three, so RFC 6675 waits for
 * the RTO (test_tcp_sack.c); RACK marks each hole lost once a segment
 * sent after it is SACKed and RACK.rtt + reo_wnd (min_rtt / 4) has passed
 * (the reordering timer), and recovery resends both, no RTO. */
static void
test_rack_finds_two_losses_among_the_last_three_without_rto(void **state)
{
	struct tcp_fx *fx = *state;
	tt_drop(&fx->ab, 18);
	tt_drop(&fx->ab, 20);
	run_bulk(fx, 21 * (int)MSS);
	struct tcp_sock *tp = tcp_sk(fx->held[0]);
	assert_int_equal(tp->timeouts, 0);
	assert_int_equal(tp->fast_retrans, 1);
	assert_int_equal(tp->retrans_segs, 2);
	uint32_t s0 = tt_seg(&fx->ab, tt_dropped(&fx->ab, 0))->seq;
	uint32_t s1 = tt_seg(&fx->ab, tt_dropped(&fx->ab, 1))->seq;
	assert_int_equal(tt_times_sent(&fx->ab, s0), 2);
	assert_int_equal(tt_times_sent(&fx->ab, s1), 2);
	assert_int_equal(tt_times_sent(&fx->ab, s0 + MSS), 1);
	assert_int_equal(tt_times_sent(&fx->ab, s1 + MSS), 1);
	/* all acknowledged within about 2 RTT of the last loss + reo_wnd, far
	 * below an RTO of 200 ms */
	assert_true(acked_at(fx, s1 + 2 * MSS) - tt_seg(&fx->ab, tt_dropped(&fx->ab, 1))->t <
		    3 * RTT);
	sim_run_until(fx->sim, 80 * SIM_S);
}

/*
 * A retransmission lost again.  Data segment 30 is lost, and so is its
 * fast retransmission (data segment 69 on the wire in this run, 71 without
 * RACK; checked below).  RFC 6675 knows nothing more of that hole until the RTO; RACK
 * sees segments sent after the retransmission SACKed, and after RACK.rtt
 * marks it lost again (tcp_mark_skb_lost clears SACKED_RETRANS), so it
 * goes a third time in the same recovery.
 */
static void
lost_retransmission(struct tcp_fx *fx, uint32_t rexmit_nth)
{
	tt_drop(&fx->ab, 30);
	tt_drop(&fx->ab, rexmit_nth);
	run_bulk(fx, 120 * (int)MSS);
	/* the premise: the second drop is the first one's retransmission */
	uint32_t seq = tt_seg(&fx->ab, tt_dropped(&fx->ab, 0))->seq;
	assert_int_equal(tt_seg(&fx->ab, tt_dropped(&fx->ab, 1))->seq, seq);
	assert_int_equal(tt_times_sent(&fx->ab, seq), 3);
}

static void
test_rack_resends_a_lost_retransmission_without_rto(void **state)
{
	struct tcp_fx *fx = *state;
	lost_retransmission(fx, 69);
	struct tcp_sock *tp = tcp_sk(fx->held[0]);
	assert_int_equal(tp->timeouts, 0);
	assert_int_equal(tp->fast_retrans, 1);
	sim_run_until(fx->sim, 80 * SIM_S);
}

#define NORACK_NTH 71
static void
test_lost_retransmission_needs_the_rto_without_rack(void **state)
{
	struct tcp_fx *fx = *state;
	rack_off(fx);
	lost_retransmission(fx, NORACK_NTH);
	assert_int_equal(tcp_sk(fx->held[0])->timeouts, 1);
	sim_run_until(fx->sim, 80 * SIM_S);
}

/* The defaults are Linux's: tcp_recovery = 1 (RACK), tcp_early_retrans = 3. */
static void
test_defaults_are_linux_rack_and_tlp(void **state)
{
	struct tcp_fx *fx = *state;
	assert_int_equal(tcp_config(fx->a)->recovery, TCP_RACK_LOSS_DETECTION);
	assert_int_equal(tcp_config(fx->a)->early_retrans, 3);
}

/* segments of 1460 bytes, as the segment numbers below */
#define T(f) cmocka_unit_test_setup_teardown(f, tcp_fx_setup_wan_no_timestamps, tcp_fx_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_defaults_are_linux_rack_and_tlp),
		T(test_tail_loss_is_probed_before_the_rto),
		T(test_tail_loss_waits_for_the_rto_without_tlp),
		T(test_rack_finds_two_losses_among_the_last_three_without_rto),
		T(test_rack_resends_a_lost_retransmission_without_rto),
		T(test_lost_retransmission_needs_the_rto_without_rack),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
