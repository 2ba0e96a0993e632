/*
 * tests/test_tcp_prr.c - Proportional Rate Reduction (stack/tcp_prr.c,
 * RFC 6937; Linux tcp_init_cwnd_reduction, tcp_cwnd_reduction,
 * tcp_end_cwnd_reduction in net/ipv4/tcp_input.c, 6.6).
 *
 * The first tests drive tcp_cwnd_reduction by hand on a socket whose
 * scoreboard they set, and compare cwnd with values computed by hand from
 * RFC 6937 §3 (the Linux integer form); the last ones run a bulk transfer
 * with one loss through the tcp_test.h tap and read the tcp_cc trace.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "tests/tcp_test.h"

#define SEG 1000u
#define MSS 1460u

/* A socket of host a with Reno (ssthresh = cwnd / 2), mss SEG, cwnd
 * @cwnd segments, @out segments sent and not acknowledged. */
static struct sock *
prr_sock(struct tcp_fx *fx, uint32_t cwnd, uint32_t out)
{
	struct sock *sk = sk_alloc(fx->a, AF_INET, SOCK_STREAM, IPPROTO_TCP, &tcp_prot);
	tcp_v4_init_sock(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	assert_int_equal(tcp_set_congestion_control(sk, "reno"), 0);
	tp->mss = SEG;
	tp->cwnd = cwnd * SEG;
	tp->ssthresh = TCP_INFINITE_SSTHRESH;
	tp->packets_out = out;
	/* a sequence space not at 0, so that undo_marker (= snd_una) is set */
	tp->snd_una = tp->snd_nxt = tp->snd_max = tp->write_seq = 1000;
	tcp_init_congestion_control(sk);
	return sk;
}

static void
prr_sock_free(struct sock *sk)
{
	sk->sk_state = TCP_CLOSE;
	sock_put(sk);
}

/* Enter Recovery as tcp_enter_recovery does: the reduction starts (and
 * may be undone, tcp_init_undo). */
static void
enter_recovery(struct sock *sk)
{
	tcp_init_undo(tcp_sk(sk));
	tcp_init_cwnd_reduction(sk);
	tcp_set_ca_state(sk, TCP_CA_Recovery);
}

/* Send what cwnd allows (tcp_write_xmit's "in flight < cwnd"): new
 * segments; returns how many. */
static uint32_t
send_new(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t n = 0;
	while (tcp_packets_in_flight(tp) < tcp_snd_cwnd(tp)) {
		tp->packets_out++;
		tcp_prr_sent(sk, 1);
		n++;
	}
	return n;
}

/*
 * RFC 6937 §6's first example: cwnd 20, Reno (ssthresh 10), segment 1 of
 * 20 lost.  The first two SACKs (segments 2, 3) leave cwnd at 20 and send
 * two new segments (Disorder: the pipe shrinks); the third enters
 * Recovery.  From there each SACK delivers one segment and PRR allows
 * ceil(ssthresh x prr_delivered / prior_cwnd) - prr_out: the fast
 * retransmit, then one new segment every second ACK, cwnd stepping down
 * by one every second ACK from pipe + 1 = 19 to ssthresh = 10 when the
 * SACK of segment 20 arrives.  Hand computation, pipe = packets_out -
 * sacked_out - lost_out + retrans_out:
 *
 *   SACK of   3   4   5   6   7   8   9  10  11  12  13  14  15  16  17  18  19  20
 *   prr_del   -   1   2   3   4   5   6   7   8   9  10  11  12  13  14  15  16  17
 *   pipe in   -  18  18  17  17  16  16  15  15  14  14  13  13  12  12  11  11  10
 *   sndcnt    -   1   0   1   0   1   0   1   0   1   0   1   0   1   0   1   0   0
 *   cwnd      -  19  18  18  17  17  16  16  15  15  14  14  13  13  12  12  11  10
 *   sent      N   R   -   N   -   N   -   N   -   N   -   N   -   N   -   N   -   -
 */
static void
test_prr_single_loss_sends_one_segment_per_two_delivered(void **state)
{
	struct tcp_fx *fx = *state;
	struct sock *sk = prr_sock(fx, 20, 20);
	struct tcp_sock *tp = tcp_sk(sk);
	/* SACKs of segments 2 and 3: Disorder, one new segment each */
	tp->sacked_out = 1;
	assert_int_equal(send_new(sk), 1);
	tp->sacked_out = 2;
	assert_int_equal(send_new(sk), 1);
	assert_int_equal(tp->packets_out, 22);
	/* SACK of segment 4: Recovery, segment 1 marked lost */
	tp->sacked_out = 3;
	enter_recovery(sk);
	assert_int_equal(tcp_snd_ssthresh(tp), 10);
	assert_int_equal(tp->prior_cwnd, 20);
	tp->lost_out = 1;
	static const uint32_t cwnd[] = { 19, 18, 18, 17, 17, 16, 16, 15, 15,
					 14, 14, 13, 13, 12, 12, 11, 10 };
	static const uint32_t sent[] = { 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0 };
	for (unsigned k = 0; k < G_N_ELEMENTS(cwnd); k++) {
		if (k > 0)
			tp->sacked_out++;
		tcp_cwnd_reduction(sk, 1, k == 0, false);
		assert_int_equal(tcp_snd_cwnd(tp), cwnd[k]);
		uint32_t n = 0;
		if (k == 0 && tcp_packets_in_flight(tp) < tcp_snd_cwnd(tp)) {
			tp->retrans_out = 1; /* the fast retransmit of segment 1 */
			tcp_prr_sent(sk, 1);
			n = 1;
		}
		n += send_new(sk);
		assert_int_equal(n, sent[k]);
	}
	assert_int_equal(tp->prr_delivered, 17);
	assert_int_equal(tp->prr_out, 8);
	assert_int_equal(tcp_packets_in_flight(tp), 10);
	prr_sock_free(sk);
}

/* Linux "Force a fast retransmit upon entering fast recovery" (sndcnt =
 * max(sndcnt, prr_out ? 0 : 1)): cwnd 4, three SACKed and one lost, the
 * pipe is 0 and the first ACK lets one segment out; an ACK that delivers
 * nothing changes nothing. */
static void
test_prr_first_ack_always_lets_the_retransmission_out(void **state)
{
	struct tcp_fx *fx = *state;
	struct sock *sk = prr_sock(fx, 4, 4);
	struct tcp_sock *tp = tcp_sk(sk);
	tp->sacked_out = 3;
	tp->lost_out = 1;
	enter_recovery(sk);
	assert_int_equal(tcp_snd_ssthresh(tp), 2);
	/* pipe = 4 - 3 - 1 = 0 <= ssthresh: SSRB, delta 2, sndcnt 1 */
	tcp_cwnd_reduction(sk, 1, 1, false);
	assert_int_equal(tcp_snd_cwnd(tp), 1);
	/* same ACK with prr_out already 1: nothing forced, the pipe is 1 */
	tp->retrans_out = 1;
	tcp_prr_sent(sk, 1);
	tp->sacked_out = 3;
	tcp_cwnd_reduction(sk, 0, 0, false); /* nothing delivered: no change */
	assert_int_equal(tcp_snd_cwnd(tp), 1);
	prr_sock_free(sk);
}

/*
 * RFC 6937 §6's second example, in Linux's form (PRR-SSRB, tcp_cwnd_reduction
 * since 5.19): after heavy losses the pipe is below ssthresh, and each ACK
 * that advances snd_una and marks nothing lost sends what it delivered
 * plus one (slow start back to ssthresh), never beyond ssthresh; one that
 * marks new losses sends only what was delivered.
 *
 *   ssthresh 10, prior_cwnd 20; pipe 4, prr_delivered 6, prr_out 5:
 *   ACK of 2, snd_una advanced:  sndcnt = min(10 - 4, max(8 - 5, 2) + 1) = 4 -> cwnd 8
 *   ACK of 2, one newly lost:    sndcnt = min(10 - 4, max(10 - 5, 2))   = 5 -> cwnd 9
 *   ACK of 2, pipe 9:            sndcnt = min(10 - 9, ...)              = 1 -> cwnd 10
 */
static void
test_prr_ssrb_below_ssthresh_grows_by_one_per_advancing_ack(void **state)
{
	struct tcp_fx *fx = *state;
	struct sock *sk = prr_sock(fx, 20, 20);
	struct tcp_sock *tp = tcp_sk(sk);
	enter_recovery(sk);
	tp->prr_delivered = 6;
	tp->prr_out = 5;
	tp->packets_out = 10;
	tp->lost_out = 6; /* pipe 4 */
	assert_int_equal(tcp_packets_in_flight(tp), 4);
	tcp_cwnd_reduction(sk, 2, 0, true);
	assert_int_equal(tcp_snd_cwnd(tp), 8);
	tcp_cwnd_reduction(sk, 2, 1, true);
	assert_int_equal(tcp_snd_cwnd(tp), 9);
	tp->lost_out = 1; /* pipe 9 */
	tcp_cwnd_reduction(sk, 2, 0, true);
	assert_int_equal(tcp_snd_cwnd(tp), 10);
	prr_sock_free(sk);
}

/* Linux tcp_end_cwnd_reduction: Recovery or CWR ends with cwnd = ssthresh,
 * even when PRR had brought it lower (unless the recovery was undone:
 * tests/test_tcp_undo.c). */
static void
test_prr_end_of_recovery_sets_cwnd_to_ssthresh(void **state)
{
	struct tcp_fx *fx = *state;
	struct sock *sk = prr_sock(fx, 20, 20);
	struct tcp_sock *tp = tcp_sk(sk);
	enter_recovery(sk);
	tp->lost_out = 15; /* pipe 5 */
	tcp_cwnd_reduction(sk, 1, 0, false);
	assert_int_equal(tcp_snd_cwnd(tp), 6);
	tcp_end_cwnd_reduction(sk);
	assert_int_equal(tcp_snd_cwnd(tp), 10);
	prr_sock_free(sk);
}

/* prr_out counts only what is sent in CWR or Recovery (Linux
 * tcp_in_cwnd_reduction around "tp->prr_out += ..."). */
static void
test_prr_out_counts_only_during_a_reduction(void **state)
{
	struct tcp_fx *fx = *state;
	struct sock *sk = prr_sock(fx, 20, 20);
	struct tcp_sock *tp = tcp_sk(sk);
	tcp_set_ca_state(sk, TCP_CA_Disorder);
	tcp_prr_sent(sk, 3);
	assert_int_equal(tp->prr_out, 0);
	tcp_init_cwnd_reduction(sk);
	tcp_set_ca_state(sk, TCP_CA_CWR);
	tcp_prr_sent(sk, 2);
	assert_int_equal(tp->prr_out, 2);
	tcp_set_ca_state(sk, TCP_CA_Loss);
	tcp_prr_sent(sk, 2);
	assert_int_equal(tp->prr_out, 2);
	prr_sock_free(sk);
}

/* ---- a transfer with one loss, through the tap ------------------------------------ */

static bool use_sack;

struct cc_row {
	int64_t cwnd, ssthresh, flight;
	char state[12];
};

static GArray *
cc_rows(struct tcp_fx *fx)
{
	assert_true(trace_flush(fx->tr, NULL));
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(trace_db(fx->tr),
					    "SELECT cwnd, ssthresh, flight, ca_state FROM tcp_cc "
					    "WHERE conn LIKE '10.0.0.1:%' ORDER BY rowid",
					    -1, &st, NULL),
			 SQLITE_OK);
	GArray *rows = g_array_new(FALSE, TRUE, sizeof(struct cc_row));
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct cc_row r = { sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
				    sqlite3_column_int64(st, 2), "" };
		g_strlcpy(r.state, (const char *)sqlite3_column_text(st, 3), sizeof r.state);
		g_array_append_val(rows, r);
	}
	sqlite3_finalize(st);
	return rows;
}

/* One loss in a bulk transfer: cwnd enters Recovery at pipe + 1, steps
 * down at most one segment per ACK (never RFC 6675's drop to ssthresh at
 * once, nor NewReno's ssthresh + 3 inflation), and the recovery ends at
 * ssthresh; new data is sent during it. */
static void
check_one_loss(struct tcp_fx *fx)
{
	struct tcp_config c = *tcp_config(fx->a);
	c.sack = use_sack;
	tcp_set_config(fx->a, &c);
	/* b's buffer starts at 4 MiB (tcp_rmem[1]): its window, growing two
	 * segments per segment, stays ahead of cwnd, so the sender sends all
	 * PRR allows (stack/tcp_rcvbuf.c; at 128 KiB the window, which does
	 * not grow on out-of-order data without SACK, would hold it back) */
	c = *tcp_config(fx->b);
	c.rmem[1] = 4 << 20;
	tcp_set_config(fx->b, &c);
	tt_drop(&fx->ab, 60);
	fx->src = TT_RENO_16K;
	tt_run_bulk(fx, 600 * 1024, tt_source, 10 * SIM_S);
	assert_int_equal(fx->bytes[0], 600 * 1024);
	assert_true(fx->match[0]);
	g_autoptr(GArray) rows = cc_rows(fx);
	struct cc_row *r = (struct cc_row *)(void *)rows->data;
	guint i = 1;
	while (i < rows->len && strcmp(r[i].state, "Recovery") != 0)
		i++;
	assert_true(i < rows->len);
	int64_t prior = r[i - 1].cwnd, ssthresh = r[i].ssthresh;
	assert_int_equal(ssthresh, (prior / MSS / 2) * MSS);
	/* the row is written when recovery starts, one segment below
	 * cwnd: with SACK the fast retransmit is not out yet (this path's
	 * window waits in a's NIC, more than twice TSQ's limit, so
	 * tcp_xmit_retransmit_queue holds it for a TX completion, Linux's
	 * tcp_small_queue_check(sk, skb, 1)); without SACK it is sent but
	 * not counted (lost_out and retrans_out stay 0,
	 * tcp_reno_fastretrans_alert) */
	assert_int_equal(r[i].cwnd, r[i].flight + MSS);
	assert_true(r[i].cwnd > ssthresh + 3 * MSS);
	/* one segment per ACK, or two where a segment PRR let go
	 * waited below TCP for a TX completion (TCP Small Queues,
	 * stack/tcp_tsq.c: the 1 Gbit/s, 10 us path's BDP is two segments,
	 * so the window waits in a's NIC and TSQ throttles), so the pipe the
	 * next ACK sees is one lower, as in Linux, whose tcp_cwnd_reduction
	 * also sets cwnd = pipe + sndcnt */
	for (i++; i < rows->len && strcmp(r[i].state, "Recovery") == 0; i++)
		assert_true(r[i].cwnd >= r[i - 1].cwnd - 2 * (int64_t)MSS);
	assert_true(i < rows->len);
	assert_string_equal(r[i].state, "Open");
	assert_true(r[i].cwnd >= ssthresh && r[i].cwnd <= ssthresh + MSS);
	assert_int_equal(tcp_sk(fx->held[0])->fast_retrans, 1);
	assert_int_equal(tcp_sk(fx->held[0])->timeouts, 0);
	/* new data went out between the fast retransmit and the end of recovery */
	guint drop = 0;
	while (!tt_seg(&fx->ab, drop)->dropped)
		drop++;
	uint32_t lost_seq = tt_seg(&fx->ab, drop)->seq, top = 0;
	guint rexmit = drop + 1;
	for (; tt_seg(&fx->ab, rexmit)->seq != lost_seq; rexmit++)
		top = MAX(top, tt_seg(&fx->ab, rexmit)->seq);
	unsigned fresh = 0;
	for (guint k = rexmit + 1; k < fx->ab.segs->len && k < rexmit + 20; k++)
		fresh += after(tt_seg(&fx->ab, k)->seq, top);
	assert_true(fresh >= 5);
	sim_run_until(fx->sim, 80 * SIM_S);
}

static void
test_prr_one_loss_with_sack_in_the_trace(void **state)
{
	use_sack = true;
	check_one_loss(*state);
}

/* Without SACK, Linux runs PRR too (since 3.2), the duplicate ACKs counted
 * as SACKed segments (tcp_add_reno_sack). */
static void
test_prr_one_loss_without_sack_in_the_trace(void **state)
{
	use_sack = false;
	check_one_loss(*state);
}

/* A refused segment (local congestion, tcp_enter_cwr): CWR starts a PRR
 * reduction; cwnd is not cut at once. */
static void
test_local_drop_enters_cwr_without_cutting_cwnd(void **state)
{
	struct tcp_fx *fx = *state;
	struct sock *sk = prr_sock(fx, 20, 20);
	struct tcp_sock *tp = tcp_sk(sk);
	tp->snd_una = 1000;
	tp->snd_max = tp->snd_nxt = tp->snd_una + 20 * SEG;
	tcp_cong_on_local_drop(sk);
	assert_int_equal(tp->ca_state, TCP_CA_CWR);
	assert_int_equal(tcp_snd_cwnd(tp), 20);
	assert_int_equal(tcp_snd_ssthresh(tp), 10);
	tp->packets_out = 18; /* two delivered: pipe 18 > 10, ceil(10 x 2 / 20) = 1 */
	tcp_cwnd_reduction(sk, 2, 0, true);
	assert_int_equal(tcp_snd_cwnd(tp), 19);
	tp->snd_una = tp->snd_max = tp->snd_nxt;
	prr_sock_free(sk);
}

static int
setup(void **state)
{
	/* segments of 1460 bytes, as the figures below */
	*state = tcp_fx_new(&(struct tcp_fx_opts){ .no_timestamps = true });
	return 0;
}

static int
setup_traced(void **state)
{
	*state = tcp_fx_new(&(struct tcp_fx_opts){
		.rate = 100000000, .delay = 5 * SIM_MS, .trace = true, .no_timestamps = true });
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_prr_single_loss_sends_one_segment_per_two_delivered, setup,
			tcp_fx_teardown),
		cmocka_unit_test_setup_teardown(
			test_prr_first_ack_always_lets_the_retransmission_out, setup,
			tcp_fx_teardown),
		cmocka_unit_test_setup_teardown(
			test_prr_ssrb_below_ssthresh_grows_by_one_per_advancing_ack, setup,
			tcp_fx_teardown),
		cmocka_unit_test_setup_teardown(test_prr_end_of_recovery_sets_cwnd_to_ssthresh,
						setup, tcp_fx_teardown),
		cmocka_unit_test_setup_teardown(test_prr_out_counts_only_during_a_reduction, setup,
						tcp_fx_teardown),
		cmocka_unit_test_setup_teardown(test_local_drop_enters_cwr_without_cutting_cwnd,
						setup, tcp_fx_teardown),
		cmocka_unit_test_setup_teardown(test_prr_one_loss_with_sack_in_the_trace,
						setup_traced, tcp_fx_teardown),
		cmocka_unit_test_setup_teardown(test_prr_one_loss_without_sack_in_the_trace,
						setup_traced, tcp_fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
