/*
 * tests/test_tcp_sack.c - selective acknowledgment (stack/tcp_sack.c and
 * the SACK parts of tcp_input.c, tcp_output.c, tcp_cong_control.c and
 * tcp_timer.c): the SACK-permitted negotiation, the blocks the receiver
 * reports (Linux tcp_sack_new_ofo_skb), the sender's scoreboard and RFC
 * 6675 recovery of several holes in one round trip, the RTO that
 * resends only what the SACKs did not cover, and D-SACK (RFC 2883).
 *
 * Losses are exact: the tcp_test.h tap drops the Nth data segment.  A
 * second tap in front of it reads the SACK option of b's ACKs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/tcp_test.h"

#define MSS 1460u
#define RTT (20 * SIM_MS)

/* The SACK option of one segment b sent (parallel to fx->ba.segs). */
struct sack_rec {
	uint32_t n;
	struct tcp_sack_block b[TCP_NUM_SACKS + 1];
	uint32_t optlen; /* all option bytes */
};
static GArray *ba_sacks;

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Read the SACK option, then hand the frame to the tcp_test.h tap. */
static void
sack_tap_rx(void *ctx, struct wire_frame *f)
{
	struct tt_dir *d = ctx;
	struct sack_rec r = { 0 };
	if (f->len >= 14 + 20 + 20 && f->data[12] == 0x08 && f->data[13] == 0x00 &&
	    f->data[23] == 6) {
		const uint8_t *ip = f->data + 14;
		const uint8_t *th = ip + (ip[0] & 15u) * 4;
		uint32_t doff = (th[12] >> 4) * 4u;
		r.optlen = doff - 20;
		for (const uint8_t *o = th + 20; o < th + doff;) {
			if (*o == TCPOPT_EOL)
				break;
			if (*o == TCPOPT_NOP) {
				o++;
				continue;
			}
			if (o[0] == TCPOPT_SACK)
				for (uint32_t i = 0; i < (o[1] - 2u) / 8 && i <= TCP_NUM_SACKS;
				     i++) {
					r.b[i].start_seq = get32(o + 2 + 8 * i);
					r.b[i].end_seq = get32(o + 6 + 8 * i);
					r.n++;
				}
			o += o[1];
		}
	}
	guint before = d->segs->len;
	tt_tap_rx(ctx, f);
	if (d->segs->len > before)
		g_array_append_val(ba_sacks, r);
}

static struct sack_rec *
sack_of(guint i)
{
	return &g_array_index(ba_sacks, struct sack_rec, i);
}

static void
set_sack(struct host *h, bool on)
{
	struct tcp_config c = *tcp_config(h);
	c.sack = on;
	tcp_set_config(h, &c);
}

/* 100 Mbit/s, 10 ms each way. */
static int
setup(void **state)
{
	/* the option layouts and MSS-sized segments here are without timestamps
	 * (test_tcp_timestamps.c has SACK with them: 3 blocks) */
	struct tcp_fx *fx = tcp_fx_new(&(struct tcp_fx_opts){
		.rate = 100000000, .delay = RTT / 2, .no_timestamps = true });
	wire_detach(fx->ba.w, 1);
	wire_attach(fx->ba.w, 1, sack_tap_rx, tt_tap_tx_done, &fx->ba);
	ba_sacks = g_array_new(FALSE, TRUE, sizeof(struct sack_rec));
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	g_array_free(ba_sacks, TRUE);
	return tcp_fx_teardown(state);
}

/* Writes @bytes of the pattern (Reno: the cut is half). */
static void
run_bulk(struct tcp_fx *fx, int bytes)
{
	fx->src = TT_RENO_16K;
	tt_run_bulk(fx, bytes, tt_source, 10 * SIM_S);
}

/* The first segment after @from carrying @seq's data again. */
static guint
resend_of(struct tcp_fx *fx, guint from)
{
	uint32_t seq = tt_seg(&fx->ab, from)->seq;
	for (guint i = from + 1; i < fx->ab.segs->len; i++)
		if (tt_seg(&fx->ab, i)->seq == seq && tt_seg(&fx->ab, i)->len)
			return i;
	fail();
	return 0;
}

/* When a first received an ACK beyond @seq after time @t. */
static sim_time_t
ack_beyond(struct tcp_fx *fx, uint32_t seq, sim_time_t t)
{
	for (guint i = 0; i < fx->ba.segs->len; i++) {
		struct tt_seg *s = tt_seg(&fx->ba, i);
		if (s->t > t && after(s->ack, seq))
			return s->t + RTT / 2; /* the tap is at b's end of the wire */
	}
	fail();
	return 0;
}

/* ---- negotiation -------------------------------------------------------------------- */

/* RFC 2018 §2: both SYNs carry SACK-permitted (NOP NOP 4 2 after the MSS:
 * 12 option bytes with window scaling), so both ends use SACK. */
static void
test_sack_permitted_on_both_syns_enables_sack(void **state)
{
	struct tcp_fx *fx = *state;
	run_bulk(fx, 10 * 1024);
	assert_true(tcp_sk(fx->held[0])->sack_ok);
	assert_true(tcp_sk(fx->held[1])->sack_ok);
	assert_true(tt_seg(&fx->ab, 0)->flags & TCPHDR_SYN);
	assert_true(tt_seg(&fx->ba, 0)->flags & TCPHDR_SYN);
	assert_int_equal(sack_of(0)->optlen, 12); /* the SYN-ACK */
	assert_int_equal(tt_seg(&fx->ab, 0)->frame, 14 + 20 + 20 + 12);
}

/* tcp_sack = 0 on b: its SYN-ACK has no SACK-permitted, and a, which
 * offered it, does without. */
static void
test_sack_off_at_the_peer_means_no_sack(void **state)
{
	struct tcp_fx *fx = *state;
	set_sack(fx->b, false);
	run_bulk(fx, 10 * 1024);
	assert_false(tcp_sk(fx->held[0])->sack_ok);
	assert_false(tcp_sk(fx->held[1])->sack_ok);
	assert_int_equal(tt_seg(&fx->ab, 0)->frame, 14 + 20 + 20 + 12); /* offered */
	assert_int_equal(sack_of(0)->optlen, 8);			/* MSS, WS */
}

/* ---- the receiver's blocks ------------------------------------------------------------ */

/* Linux tcp_sack_new_ofo_skb: a new block goes first; a segment that
 * extends a block moves it first and may join it to another; a fifth
 * block pushes out the oldest. */
static void
test_receiver_blocks_most_recent_first_coalesced_at_most_four(void **state)
{
	struct tcp_fx *fx = *state;
	struct sock *sk = sk_alloc(fx->a, AF_INET, SOCK_STREAM, IPPROTO_TCP, &tcp_prot);
	tcp_v4_init_sock(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	tp->sack_ok = true;
	tcp_sack_new_ofo_skb(sk, 2000, 3000);
	tcp_sack_new_ofo_skb(sk, 4000, 5000);
	assert_int_equal(tp->num_sacks, 2);
	assert_int_equal(tp->selective_acks[0].start_seq, 4000);
	assert_int_equal(tp->selective_acks[1].start_seq, 2000);
	/* 3000-4000 fills the gap: one block 2000-5000 */
	tcp_sack_new_ofo_skb(sk, 3000, 4000);
	assert_int_equal(tp->num_sacks, 1);
	assert_int_equal(tp->selective_acks[0].start_seq, 2000);
	assert_int_equal(tp->selective_acks[0].end_seq, 5000);
	for (uint32_t s = 6000; s <= 10000; s += 1000 * 2)
		tcp_sack_new_ofo_skb(sk, s, s + 1000); /* 6000, 8000, 10000 */
	assert_int_equal(tp->num_sacks, 4);
	tcp_sack_new_ofo_skb(sk, 12000, 13000);
	assert_int_equal(tp->num_sacks, TCP_NUM_SACKS);
	assert_int_equal(tp->selective_acks[0].start_seq, 12000);
	assert_int_equal(tp->selective_acks[3].start_seq, 6000); /* 2000-5000 forgotten */
	/* extending an older block moves it to the front, where it joins
	 * the block it now touches (8000-9000): three blocks are left */
	tcp_sack_new_ofo_skb(sk, 9000, 10000);
	assert_int_equal(tp->num_sacks, 3);
	assert_int_equal(tp->selective_acks[0].start_seq, 8000);
	assert_int_equal(tp->selective_acks[0].end_seq, 11000);
	assert_int_equal(tp->selective_acks[1].start_seq, 12000);
	assert_int_equal(tp->selective_acks[2].start_seq, 6000);
	sk->sk_state = TCP_CLOSE;
	sock_put(sk);
}

/* Five holes in one window: each of b's ACKs reports at most four blocks
 * (36 option bytes, RFC 2018 §3 with no timestamps), the block of the
 * segment that arrived last first (§4). */
static void
test_acks_carry_at_most_four_blocks_most_recent_first(void **state)
{
	struct tcp_fx *fx = *state;
	for (uint32_t n = 30; n <= 38; n += 2)
		tt_drop(&fx->ab, n);
	run_bulk(fx, 200 * 1024);
	uint32_t most = 0;
	bool checked_recent = false;
	for (guint i = 0; i < fx->ba.segs->len; i++) {
		struct sack_rec *r = sack_of(i);
		most = MAX(most, r->n);
		assert_true(r->optlen <= MAX_TCP_OPTION_SPACE);
		if (r->n == 0)
			continue;
		assert_int_equal(r->optlen, 4 + 8 * r->n);
		/* every block lies above the cumulative ACK */
		for (uint32_t k = 0; k < r->n; k++)
			assert_true(after(r->b[k].start_seq, tt_seg(&fx->ba, i)->ack));
		/* the first block ends where the latest segment b had ended */
		for (guint j = 0; j < fx->ab.segs->len && !checked_recent; j++) {
			struct tt_seg *s = tt_seg(&fx->ab, j);
			if (!s->dropped && s->len && s->seq + s->len == r->b[0].end_seq &&
			    r->n >= 3) {
				assert_true(r->b[0].end_seq - r->b[1].end_seq > 0);
				assert_true(after(r->b[0].start_seq, r->b[1].end_seq));
				checked_recent = true;
			}
		}
	}
	assert_int_equal(most, TCP_NUM_SACKS);
	assert_true(checked_recent);
	assert_int_equal(tcp_sk(fx->held[0])->timeouts, 0);
}

/* ---- the sender ------------------------------------------------------------------------- */

/* Three holes in one window (data segments 30, 33 and 36 lost): with SACK
 * one fast recovery resends all three before the ACK of the first resend
 * can return, so the holes are filled in one round trip and nothing else
 * is resent (RFC 6675; Linux tcp_xmit_retransmit_queue). */
static void
test_three_holes_resent_in_one_round_trip_with_sack(void **state)
{
	struct tcp_fx *fx = *state;
	tt_drop(&fx->ab, 30);
	tt_drop(&fx->ab, 33);
	tt_drop(&fx->ab, 36);
	run_bulk(fx, 300 * 1024);
	struct tcp_sock *tp = tcp_sk(fx->held[0]);
	assert_true(tp->sack_ok);
	assert_int_equal(tp->fast_retrans, 1);
	assert_int_equal(tp->retrans_segs, 3);
	assert_int_equal(tp->timeouts, 0);
	guint d0 = tt_dropped(&fx->ab, 0), r0 = resend_of(fx, d0);
	sim_time_t first_back = ack_beyond(fx, tt_seg(&fx->ab, d0)->seq, tt_seg(&fx->ab, r0)->t);
	for (int k = 0; k < 3; k++) {
		guint d = tt_dropped(&fx->ab, k), r = resend_of(fx, d);
		assert_true(tt_seg(&fx->ab, r)->t < first_back);
		assert_int_equal(tt_times_sent(&fx->ab, tt_seg(&fx->ab, d)->seq), 2);
	}
	/* the scoreboard is empty again */
	assert_int_equal(tp->sacked_out + tp->lost_out + tp->retrans_out, 0);
	sim_run_until(fx->sim, 80 * SIM_S);
}

/* The same losses without SACK: NewReno resends one hole per round trip
 * (RFC 6582 §3.2: the next hole on the partial ACK of the one before). */
static void
test_three_holes_take_three_round_trips_without_sack(void **state)
{
	struct tcp_fx *fx = *state;
	set_sack(fx->a, false);
	tt_drop(&fx->ab, 30);
	tt_drop(&fx->ab, 33);
	tt_drop(&fx->ab, 36);
	run_bulk(fx, 300 * 1024);
	struct tcp_sock *tp = tcp_sk(fx->held[0]);
	assert_false(tp->sack_ok);
	assert_int_equal(tp->timeouts, 0);
	for (int k = 1; k < 3; k++) {
		guint prev = resend_of(fx, tt_dropped(&fx->ab, k - 1));
		guint r = resend_of(fx, tt_dropped(&fx->ab, k));
		sim_time_t back = ack_beyond(fx, tt_seg(&fx->ab, tt_dropped(&fx->ab, k - 1))->seq,
					     tt_seg(&fx->ab, prev)->t);
		assert_true(tt_seg(&fx->ab, r)->t >= back);
	}
	guint r0 = resend_of(fx, tt_dropped(&fx->ab, 0)),
	      r2 = resend_of(fx, tt_dropped(&fx->ab, 2));
	assert_true(tt_seg(&fx->ab, r2)->t - tt_seg(&fx->ab, r0)->t >= 2 * RTT);
	sim_run_until(fx->sim, 80 * SIM_S);
}

/* Two of the last three segments lost: too few SACKs for fast recovery
 * (RFC 6675: DupThresh = 3; without RACK and TLP, tcp_recovery = 0 and
 * tcp_early_retrans = 0, test_tcp_rack.c has them), so the RTO fires; with
 * SACK it resends the two holes and not the segment b SACKed (Linux
 * tcp_timeout_mark_lost), where go-back-N would send that one again too. */
static void
test_rto_resends_only_what_sack_did_not_cover(void **state)
{
	struct tcp_fx *fx = *state;
	struct tcp_config c = *tcp_config(fx->a);
	c.recovery = 0;
	c.early_retrans = 0;
	tcp_set_config(fx->a, &c);
	tt_drop(&fx->ab, 18);
	tt_drop(&fx->ab, 20);
	run_bulk(fx, 21 * (int)MSS);
	struct tcp_sock *tp = tcp_sk(fx->held[0]);
	assert_int_equal(tp->timeouts, 1);
	assert_int_equal(tp->fast_retrans, 0);
	assert_int_equal(tp->retrans_segs, 2);
	assert_int_equal(tt_times_sent(&fx->ab, tt_seg(&fx->ab, tt_dropped(&fx->ab, 0))->seq), 2);
	assert_int_equal(tt_times_sent(&fx->ab, tt_seg(&fx->ab, tt_dropped(&fx->ab, 1))->seq), 2);
	assert_int_equal(tt_times_sent(&fx->ab, tt_seg(&fx->ab, tt_dropped(&fx->ab, 0))->seq + MSS),
			 1);
	assert_int_equal(tt_times_sent(&fx->ab, tt_seg(&fx->ab, tt_dropped(&fx->ab, 1))->seq + MSS),
			 1);
	sim_run_until(fx->sim, 80 * SIM_S);
}

static void
test_rto_without_sack_goes_back_n(void **state)
{
	struct tcp_fx *fx = *state;
	set_sack(fx->a, false);
	tt_drop(&fx->ab, 18);
	tt_drop(&fx->ab, 20);
	run_bulk(fx, 21 * (int)MSS);
	struct tcp_sock *tp = tcp_sk(fx->held[0]);
	assert_int_equal(tp->timeouts, 1);
	assert_true(tp->retrans_segs >= 3);
	assert_int_equal(tt_times_sent(&fx->ab, tt_seg(&fx->ab, tt_dropped(&fx->ab, 1))->seq + MSS),
			 2);
	sim_run_until(fx->sim, 80 * SIM_S);
}

static void
set_blackhole(struct sim *sim, void *a, void *b)
{
	(void)sim;
	((struct tt_dir *)a)->blackhole = b != NULL;
}

/* b's ACKs are lost from 60 to 500 ms (the handshake is over at 40 ms), so a's RTO resends data b already
 * has: b's ACK of the duplicate reports it in a D-SACK block below the
 * cumulative ACK (RFC 2883 §4.1.1, Linux tcp_dsack_set), which a's
 * scoreboard does not take for data held. */
static void
test_duplicate_segment_is_reported_by_a_dsack_block(void **state)
{
	struct tcp_fx *fx = *state;
	sim_schedule_at(fx->sim, 60 * SIM_MS, set_blackhole, &fx->ba, (void *)1);
	sim_schedule_at(fx->sim, 500 * SIM_MS, set_blackhole, &fx->ba, NULL);
	run_bulk(fx, 100 * 1024);
	struct tcp_sock *tp = tcp_sk(fx->held[0]);
	assert_true(tp->timeouts >= 1);
	int dsacks = 0;
	for (guint i = 0; i < fx->ba.segs->len; i++) {
		struct sack_rec *r = sack_of(i);
		if (r->n && !after(r->b[0].end_seq, tt_seg(&fx->ba, i)->ack)) {
			dsacks++;
			/* the duplicate is one a sent more than once */
			assert_true(tt_times_sent(&fx->ab, r->b[0].start_seq) >= 2);
		}
	}
	assert_true(dsacks >= 1);
	assert_int_equal(tp->sacked_out + tp->lost_out + tp->retrans_out, 0);
	sim_run_until(fx->sim, 80 * SIM_S);
}

/* When data segment @nth of a was sent the @k-th time (1-based). */
static sim_time_t
sent_at(struct tcp_fx *fx, uint32_t nth, int k)
{
	uint32_t seq = tt_nth_seq(&fx->ab, nth);
	for (guint i = 0; i < fx->ab.segs->len; i++)
		if (tt_seg(&fx->ab, i)->seq == seq && tt_seg(&fx->ab, i)->len && --k == 0)
			return tt_seg(&fx->ab, i)->t;
	fail();
	return 0;
}

/*
 * SACK reneging (Linux 6.6 tcp_check_sack_reneging, tcp_timeout_mark_lost).
 * Segment 100 is dropped; b SACKs 101 on.  The ACK of 100's
 * retransmission, and every ACK of b for the next 15 ms, stop at segment
 * 101 without SACK blocks, as if b had dropped its out-of-order queue.
 * The first of them moves snd_una onto a SACKed segment: a waits
 * max(srtt/2, 10 ms) = 10 ms, not an RTO of 200 ms or more, then its RTO
 * forgets every SACK (TCPSACKReneging) and resends 101, which it had
 * SACKed.  (On the wire 101 leaves 20 ms after the first forged ACK: it
 * waits behind the new data the duplicate ACKs clocked out into a's NIC
 * queue.)  The forged span ends before the resent 101 reaches b, so the
 * ACKs after it are b's own.  netsim's receiver never reneges; the tap
 * forges what a would see.
 */
static void
test_sack_reneging_resends_after_half_an_rtt(void **state)
{
	struct tcp_fx *fx = *state;
	tt_drop(&fx->ab, 100);
	tt_renege(&fx->ba, 101, 15 * SIM_MS);
	struct tcp_sock *tp = tt_run_segs(fx, 300);
	assert_true(fx->ba.renege_at > 0);
	assert_int_equal(tcp_mib(fx->a)->tcp_sack_reneging, 1);
	assert_int_equal(tp->timeouts, 1);
	assert_int_equal(tt_times_sent(&fx->ab, tt_nth_seq(&fx->ab, 101)), 2);
	sim_time_t wait = sent_at(fx, 101, 2) - fx->ba.renege_at;
	assert_true(wait >= 10 * SIM_MS);
	assert_true(wait < TCP_RTO_MIN / 2);
	assert_int_equal(tp->sacked_out + tp->lost_out + tp->retrans_out, 0);
	sim_run_until(fx->sim, 80 * SIM_S);
}

/* The same forged ACK once only: b's next ACK covers 101 and more, which
 * sets the RTO back (tcp_set_xmit_timer), so the moment of doubt costs
 * nothing: no timeout, no reneging counted, 101 sent once. */
static void
test_sack_reneging_for_one_ack_is_forgotten(void **state)
{
	struct tcp_fx *fx = *state;
	tt_drop(&fx->ab, 100);
	tt_renege(&fx->ba, 101, 0);
	struct tcp_sock *tp = tt_run_segs(fx, 300);
	assert_true(fx->ba.renege_at > 0);
	assert_int_equal(tcp_mib(fx->a)->tcp_sack_reneging, 0);
	assert_int_equal(tp->timeouts, 0);
	assert_int_equal(tt_times_sent(&fx->ab, tt_nth_seq(&fx->ab, 101)), 1);
	sim_run_until(fx->sim, 80 * SIM_S);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sack_permitted_on_both_syns_enables_sack,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_sack_off_at_the_peer_means_no_sack, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_receiver_blocks_most_recent_first_coalesced_at_most_four, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_acks_carry_at_most_four_blocks_most_recent_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_three_holes_resent_in_one_round_trip_with_sack,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_three_holes_take_three_round_trips_without_sack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rto_resends_only_what_sack_did_not_cover,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_rto_without_sack_goes_back_n, setup, teardown),
		TT_WAN_TEST(test_sack_reneging_resends_after_half_an_rtt),
		TT_WAN_TEST(test_sack_reneging_for_one_ack_is_forgotten),
		cmocka_unit_test_setup_teardown(test_duplicate_segment_is_reported_by_a_dsack_block,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
