/*
 * tests/test_tcp_cong.c - TCP under loss (stack/tcp_cong.c and the
 * retransmission parts of tcp_input.c / tcp_timer.c): fast retransmit
 * after three duplicate ACKs, NewReno partial ACKs, and the growth of
 * cwnd in slow start and congestion avoidance as traced in tcp_cc.
 *
 * Losses are exact: the tcp_test.h tap drops the Nth data segment.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <sqlite3.h>

#include "stack/tcp_cubic.h"
#include "tests/tcp_test.h"

#define MSS 1460u

/* The sender's algorithm (setsockopt TCP_CONGESTION), NULL: the default. */
static const char *source_cc;

/* b's receive buffer starts at 4 MiB (tcp_rmem[1]) so that its window
 * (rcv_ssthresh, growing two segments per segment) stays ahead of cwnd:
 * the traces below are cwnd's, not the receiver's (stack/tcp_rcvbuf.c). */
static void
big_rmem(struct host *h)
{
	struct tcp_config c = *tcp_config(h);
	c.rmem[1] = 4 << 20;
	tcp_set_config(h, &c);
}

static int
setup(void **state)
{
	/* segments of 1460 bytes, as the figures below */
	struct tcp_fx *fx =
		tcp_fx_new(&(struct tcp_fx_opts){ .trace = true, .no_timestamps = true });
	/* NewReno recovery (RFC 6582): without SACK (test_tcp_sack.c has it) */
	struct tcp_config c = *tcp_config(fx->a);
	c.sack = false;
	tcp_set_config(fx->a, &c);
	tcp_set_config(fx->b, &c);
	*state = fx;
	source_cc = "reno";
	return 0;
}

/* Writes fx->rc[15] bytes of the pattern. */
static int
source(struct proc *p, void *arg)
{
	struct tcp_fx *fx = arg;
	int s = ns_socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in to = tt_sin(B_ADDR, 5001);
	if (source_cc)
		assert_int_equal(
			ns_setsockopt(s, IPPROTO_TCP, TCP_CONGESTION, source_cc, strlen(source_cc)),
			0);
	fx->rc[0] = ns_connect(s, (struct sockaddr *)&to, sizeof to);
	tt_hold(fx, 0, s);
	fx->rc[1] = (int)tt_write_pattern(s, (size_t)fx->rc[15], 16384);
	ns_close(s);
	return 0;
}

static void
run_bulk(struct tcp_fx *fx, int bytes)
{
	tt_run_bulk(fx, bytes, source, 5 * SIM_S);
}

/* Index in fx->ab of the data segment that was dropped with sequence @seq's
 * first retransmission; -1 when none. */
static int
find_resend(struct tcp_fx *fx, uint32_t seq, guint after_i)
{
	for (guint i = after_i + 1; i < fx->ab.segs->len; i++)
		if (tt_seg(&fx->ab, i)->seq == seq && tt_seg(&fx->ab, i)->len)
			return (int)i;
	return -1;
}

static int
find_dropped(struct tcp_fx *fx, int nth)
{
	for (guint i = 0; i < fx->ab.segs->len; i++)
		if (tt_seg(&fx->ab, i)->dropped && nth-- == 0)
			return (int)i;
	return -1;
}

/*
 * RFC 5961 §3.2: a RST inside the window but not at rcv_nxt does not reset
 * the connection; b answers with a challenge ACK at rcv_nxt, a's stack
 * (which sent no RST) ignores it, and the transfer completes.
 */
static void
test_tcp_in_window_rst_not_at_rcv_nxt_gets_a_challenge_ack(void **state)
{
	struct tcp_fx *fx = *state;
	fx->ab.rst_nth = 5;
	fx->ab.rst_seq_shift = 1000;
	run_bulk(fx, 64 * 1024);
	assert_int_equal(tcp_mib(fx->b)->estab_resets, 0);
	int forged = -1;
	for (guint i = 0; i < fx->ab.segs->len && forged < 0; i++)
		if (tt_seg(&fx->ab, i)->flags & TCPHDR_RST)
			forged = (int)i;
	assert_true(forged >= 0);
	/* The forged segment's data is gone: the hole at its real sequence
	 * number makes b repeat its ACK; the first of those, right after the
	 * RST, is the challenge ACK. */
	struct tt_seg *rst = tt_seg(&fx->ab, (guint)forged);
	uint32_t hole = rst->seq - 1000;
	bool challenged = false;
	for (guint i = 0; i < fx->ba.segs->len; i++) {
		struct tt_seg *s = tt_seg(&fx->ba, i);
		if (s->t > rst->t && s->len == 0 && s->ack == hole && !(s->flags & TCPHDR_RST))
			challenged = true;
	}
	assert_true(challenged);
}

static void
test_tcp_three_dup_acks_trigger_fast_retransmit(void **state)
{
	struct tcp_fx *fx = *state;
	fx->ab.drop_nth[fx->ab.ndrop++] = 30;
	run_bulk(fx, 200 * 1024);
	struct tcp_sock *tp = tcp_sk(fx->held[0]);
	assert_int_equal(tp->fast_retrans, 1);
	assert_int_equal(tp->retrans_segs, 1);
	assert_int_equal(tp->timeouts, 0);
	/* RFC 5681 §3.2: the resend follows the third duplicate ACK from b. */
	int d = find_dropped(fx, 0), r = find_resend(fx, tt_seg(&fx->ab, (guint)d)->seq, (guint)d);
	assert_true(d >= 0 && r > d);
	uint32_t lost = tt_seg(&fx->ab, (guint)d)->seq;
	int dups = 0;
	sim_time_t third = 0;
	for (guint i = 0; i < fx->ba.segs->len; i++) {
		struct tt_seg *s = tt_seg(&fx->ba, i);
		if (s->ack == lost && s->len == 0 && s->t > tt_seg(&fx->ab, (guint)d)->t &&
		    ++dups == 4)
			third = s->t; /* the first ACK of @lost is not a duplicate */
	}
	assert_true(dups >= 4);
	assert_true(tt_seg(&fx->ab, (guint)r)->t > third);
	/* ... at once: behind what already waits in the qdisc, long before an RTO. */
	assert_true(tt_seg(&fx->ab, (guint)r)->t - third < SIM_MS);
	sim_run_until(fx->sim, 80 * SIM_S);
}

static void
test_tcp_newreno_partial_ack_resends_next_hole_without_timeout(void **state)
{
	struct tcp_fx *fx = *state;
	fx->ab.drop_nth[fx->ab.ndrop++] = 30;
	fx->ab.drop_nth[fx->ab.ndrop++] = 34;
	run_bulk(fx, 200 * 1024);
	struct tcp_sock *tp = tcp_sk(fx->held[0]);
	/* RFC 6582 §3.2 step 5b: one fast retransmit, the second hole resent on
	 * the partial ACK that points at it, and no RTO. */
	assert_int_equal(tp->fast_retrans, 1);
	assert_int_equal(tp->retrans_segs, 2);
	assert_int_equal(tp->timeouts, 0);
	int d2 = find_dropped(fx, 1);
	uint32_t hole2 = tt_seg(&fx->ab, (guint)d2)->seq;
	int r2 = find_resend(fx, hole2, (guint)d2);
	assert_true(r2 > d2);
	/* The first ACK for hole2 after the first resend is the partial ACK. */
	sim_time_t partial = 0;
	int r1 = find_resend(fx, tt_seg(&fx->ab, (guint)find_dropped(fx, 0))->seq,
			     (guint)find_dropped(fx, 0));
	for (guint i = 0; i < fx->ba.segs->len && !partial; i++)
		if (tt_seg(&fx->ba, i)->ack == hole2 &&
		    tt_seg(&fx->ba, i)->t > tt_seg(&fx->ab, (guint)r1)->t)
			partial = tt_seg(&fx->ba, i)->t;
	assert_true(partial > 0);
	assert_true(tt_seg(&fx->ab, (guint)r2)->t >= partial);
	assert_true(tt_seg(&fx->ab, (guint)r2)->t - partial < SIM_MS);
	sim_run_until(fx->sim, 80 * SIM_S);
}

struct cc_row {
	int64_t t;
	int64_t cwnd, ssthresh, flight;
	bool open; /* ca_state Open (or Disorder): no cwnd reduction */
};

static GArray *
cc_rows(struct tcp_fx *fx)
{
	assert_true(trace_flush(fx->tr, NULL));
	sqlite3 *db = trace_db(fx->tr);
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT time_ns, cwnd, ssthresh, flight, ca_state IN "
					    "('Open', 'Disorder') FROM tcp_cc WHERE conn "
					    "LIKE '10.0.0.1:%' ORDER BY rowid",
					    -1, &st, NULL),
			 SQLITE_OK);
	GArray *rows = g_array_new(FALSE, FALSE, sizeof(struct cc_row));
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct cc_row r = { sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
				    sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3),
				    sqlite3_column_int(st, 4) != 0 };
		g_array_append_val(rows, r);
	}
	sqlite3_finalize(st);
	return rows;
}

static void
test_tcp_cwnd_grows_exponentially_then_linearly_in_trace(void **state)
{
	struct tcp_fx *fx = *state;
	big_rmem(fx->b);
	fx->ab.drop_nth[fx->ab.ndrop++] = 60;
	run_bulk(fx, 600 * 1024);
	g_autoptr(GArray) rows = cc_rows(fx);
	assert_true(rows->len > 100);
	struct cc_row *r = (struct cc_row *)(void *)rows->data;
	/* RFC 6928: IW10.  Linux tcp_slow_start: + every segment an ACK
	 * acknowledges (RFC 5681 (2) would add at most one SMSS); here b
	 * ACKs every segment, since each raises its rcv_ssthresh and so asks
	 * for a quick ACK (tcp_grow_window), so each ACK adds one.
	 * test_reno_slow_start_adds_every_segment_acked has ACKs of two. */
	assert_int_equal(r[0].cwnd, 10 * MSS);
	guint i = 1;
	int doubles = 0;
	for (; i < rows->len && r[i].ssthresh == r[0].ssthresh; i++) {
		assert_true(r[i].cwnd >= r[i - 1].cwnd);
		assert_int_equal((r[i].cwnd - r[i - 1].cwnd) % MSS, 0);
		assert_true(r[i].cwnd - r[i - 1].cwnd <= 2 * MSS);
		doubles += r[i].cwnd - r[i - 1].cwnd == 2 * MSS;
	}
	assert_int_equal(doubles, 0);
	assert_true(i < rows->len);
	int64_t peak = r[i - 1].cwnd;
	assert_true(peak >= 30 * MSS);
	/* The loss: ssthresh = cwnd / 2 in segments (Linux tcp_reno_ssthresh;
	 * RFC 5681 (4) says FlightSize / 2); PRR (RFC 6937, Linux
	 * tcp_cwnd_reduction) lets the fast retransmit out: cwnd = pipe + 1. */
	assert_int_equal(r[i].ssthresh, (peak / MSS >> 1) * MSS);
	assert_false(r[i].open);
	assert_int_equal(r[i].cwnd, r[i].flight + MSS);
	int64_t ssthresh = r[i].ssthresh;
	/* Recovery ends with cwnd = ssthresh (tcp_end_cwnd_reduction); then
	 * congestion avoidance: +1 SMSS per cwnd of bytes acknowledged, which
	 * with an ACK every two segments is one step per cwnd / (2 SMSS) ACKs. */
	for (; i < rows->len && !r[i].open; i++)
		assert_true(r[i].cwnd <= r[i].flight + 2 * MSS);
	assert_true(i < rows->len);
	assert_true(r[i].cwnd >= ssthresh && r[i].cwnd <= ssthresh + MSS);
	int steps = 0;
	guint last = i;
	for (guint j = i + 1; j < rows->len; j++) {
		if (r[j].cwnd == r[j - 1].cwnd)
			continue;
		assert_int_equal(r[j].cwnd - r[j - 1].cwnd, MSS);
		if (g_getenv("TT_DUMP"))
			fprintf(stderr, "step at row %u after %u rows, cwnd %ld\n", j, j - last,
				(long)r[j - 1].cwnd);
		if (steps > 0)
			assert_true((int64_t)(j - last) >= r[j - 1].cwnd / (2 * MSS) - 1);
		last = j;
		steps++;
	}
	assert_true(steps >= 3);
	sim_run_until(fx->sim, 80 * SIM_S);
}

/* ---- the algorithms alone: a socket on host a, its ops called by hand ---- */

#define SEG 1000u

/* A socket of host a with @name's ops, mss SEG, cwnd @cwnd segments,
 * ssthresh @ssthresh (0: infinite), limited by cwnd. */
static struct sock *
ca_sock(struct tcp_fx *fx, const char *name, uint32_t cwnd, uint32_t ssthresh)
{
	struct sock *sk = sk_alloc(fx->a, AF_INET, SOCK_STREAM, IPPROTO_TCP, &tcp_prot);
	tcp_v4_init_sock(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	assert_int_equal(tcp_set_congestion_control(sk, name), 0);
	tp->mss = SEG;
	tp->cwnd = cwnd * SEG;
	tp->ssthresh = ssthresh ? ssthresh * SEG : TCP_INFINITE_SSTHRESH;
	tp->is_cwnd_limited = true;
	tcp_init_congestion_control(sk);
	return sk;
}

static void
ca_sock_free(struct sock *sk)
{
	sk->sk_state = TCP_CLOSE;
	sock_put(sk);
}

/* Linux tcp_slow_start: an ACK of 2 segments adds 2 (RFC 5681 would add 1
 * SMSS); at ssthresh, the rest of the ACK goes to congestion avoidance. */
static void
test_reno_slow_start_adds_every_segment_acked(void **state)
{
	struct tcp_fx *fx = *state;
	struct sock *sk = ca_sock(fx, "reno", 10, 13);
	struct tcp_sock *tp = tcp_sk(sk);
	tp->ca_ops->cong_avoid(sk, 0, 2);
	assert_int_equal(tp->cwnd, 12 * SEG);
	tp->ca_ops->cong_avoid(sk, 0, 3); /* 1 to reach 13, 2 left over */
	assert_int_equal(tp->cwnd, 13 * SEG);
	assert_int_equal(tp->snd_cwnd_cnt, 2);
	ca_sock_free(sk);
}

/* Linux tcp_cong_avoid_ai with w = cwnd: +1 segment per cwnd acked. */
static void
test_reno_congestion_avoidance_adds_one_segment_per_window(void **state)
{
	struct tcp_fx *fx = *state;
	struct sock *sk = ca_sock(fx, "reno", 10, 5);
	struct tcp_sock *tp = tcp_sk(sk);
	for (int i = 0; i < 9; i++)
		tp->ca_ops->cong_avoid(sk, 0, 1);
	assert_int_equal(tp->cwnd, 10 * SEG);
	tp->ca_ops->cong_avoid(sk, 0, 1);
	assert_int_equal(tp->cwnd, 11 * SEG);
	assert_int_equal(tp->snd_cwnd_cnt, 0);
	/* 11 more segments, in ACKs of 2: the 6th ACK makes 12, 1 left */
	for (int i = 0; i < 6; i++)
		tp->ca_ops->cong_avoid(sk, 0, 2);
	assert_int_equal(tp->cwnd, 12 * SEG);
	assert_int_equal(tp->snd_cwnd_cnt, 1);
	ca_sock_free(sk);
}

/* Linux tcp_reno_ssthresh: cwnd / 2 segments, at least 2. */
static void
test_reno_ssthresh_is_half_of_cwnd(void **state)
{
	struct tcp_fx *fx = *state;
	struct sock *sk = ca_sock(fx, "reno", 21, 0);
	assert_int_equal(tcp_sk(sk)->ca_ops->ssthresh(sk), 10);
	tcp_sk(sk)->cwnd = 3 * SEG;
	assert_int_equal(tcp_sk(sk)->ca_ops->ssthresh(sk), 2);
	ca_sock_free(sk);
}

/* tcp_is_cwnd_limited: a sender that did not fill cwnd does not grow it. */
static void
test_reno_does_not_grow_cwnd_the_sender_does_not_use(void **state)
{
	struct tcp_fx *fx = *state;
	struct sock *sk = ca_sock(fx, "reno", 20, 0);
	struct tcp_sock *tp = tcp_sk(sk);
	tp->is_cwnd_limited = false;
	tp->max_packets_out = 10; /* 20 >= 2 x 10: enough in slow start too */
	tp->ca_ops->cong_avoid(sk, 0, 2);
	assert_int_equal(tp->cwnd, 20 * SEG);
	tp->max_packets_out = 11;
	tp->ca_ops->cong_avoid(sk, 0, 2);
	assert_int_equal(tp->cwnd, 22 * SEG);
	ca_sock_free(sk);
}

/* cubic_root is within 0.5% of cbrt over the range bictcp_update uses. */
static void
test_cubic_root_matches_cbrt(void **state)
{
	(void)state;
	for (uint64_t a = 1000; a < (1ull << 50); a = a * 7 / 3) {
		double want = cbrt((double)a), got = tcp_cubic_root(a);
		assert_true(fabs(got - want) <= want * 0.005 + 1);
	}
}

/* The cubic after a loss at W_max = 100: ssthresh = 100 x 717/1024 = 70,
 * K = cbrt(W_max (1 - 717/1024) / 0.4) = cbrt(30 / 0.4) = 4.217 s, and
 * W(t) = 0.4 (t - K)^3 + 100 (410/1024 ~ 0.4). */
static void
test_cubic_window_follows_c_t_minus_k_cubed_plus_wmax(void **state)
{
	struct tcp_fx *fx = *state;
	struct sock *sk = ca_sock(fx, "cubic", 100, 50);
	struct tcp_sock *tp = tcp_sk(sk);
	struct bictcp *ca = cubic_ca(sk);
	assert_int_equal(tp->ca_ops->ssthresh(sk), 70); /* 100 * 717 / 1024 = 70.02 */
	assert_int_equal(ca->last_max_cwnd, 100);
	assert_int_equal(ca->epoch_start, 0);
	tp->cwnd = 70 * SEG;
	tp->ssthresh = 70 * SEG;
	sim_run_until(fx->sim, sim_now(fx->sim) + SIM_MS);
	tp->ca_ops->cong_avoid(sk, 0, 1); /* the epoch begins */
	double K = cbrt(30 / (410.0 / 1024));
	assert_true(fabs(ca->bic_K / 1024.0 - K) < 0.01 * K);
	assert_int_equal(ca->bic_origin_point, 100);
	/* the curve: concave below W_max, flat at K, convex above */
	for (double t = 0; t <= 8; t += 0.5) {
		double w = 410.0 / 1024 * pow(t - K, 3) + 100;
		uint32_t got = tcp_cubic_target(ca, (uint64_t)(t * 1024));
		assert_true(fabs(got - w) <= 1.0);
	}
	/* bictcp_update aims at W one delay_min ahead: with delay_min 0 and
	 * t = 2 s, W = 95.6; cnt = cwnd / (W - cwnd) = 70 / 25 = 2 */
	sim_run_until(fx->sim, sim_now(fx->sim) + 2 * SIM_S);
	tp->ca_ops->cong_avoid(sk, 0, 1);
	assert_int_equal(ca->cnt, 70 / (tcp_cubic_target(ca, 2048) - 70));
	ca_sock_free(sk);
}

/* A loss below the last W_max (the share of a new flow is coming):
 * W_max = cwnd (1 + 0.7) / 2 = cwnd x 1741/2048. */
static void
test_cubic_fast_convergence_lowers_wmax(void **state)
{
	struct tcp_fx *fx = *state;
	struct sock *sk = ca_sock(fx, "cubic", 100, 50);
	struct tcp_sock *tp = tcp_sk(sk);
	struct bictcp *ca = cubic_ca(sk);
	tp->ca_ops->ssthresh(sk);
	assert_int_equal(ca->last_max_cwnd, 100);
	tp->cwnd = 80 * SEG; /* the next loss comes at 80 < 100 */
	assert_int_equal(tp->ca_ops->ssthresh(sk), 80 * 717 / 1024);
	assert_int_equal(ca->last_max_cwnd, 80 * 1741 / 2048); /* 68 */
	tp->cwnd = 90 * SEG;				       /* above: W_max = cwnd */
	tp->ca_ops->ssthresh(sk);
	assert_int_equal(ca->last_max_cwnd, 90);
	ca_sock_free(sk);
}

/* ssthresh after a fast retransmit in a CUBIC flow: 717/1024 of cwnd;
 * cwnd, by PRR, the pipe plus the fast retransmit; seen in the trace. */
static void
test_cubic_loss_cuts_cwnd_to_717_of_1024(void **state)
{
	struct tcp_fx *fx = *state;
	source_cc = "cubic";
	fx->ab.drop_nth[fx->ab.ndrop++] = 60;
	run_bulk(fx, 600 * 1024);
	g_autoptr(GArray) rows = cc_rows(fx);
	struct cc_row *r = (struct cc_row *)(void *)rows->data;
	/* the loss is the first ssthresh below cwnd (HyStart may have set
	 * ssthresh = cwnd before it, on this path of 20 us RTT) */
	guint i = 1;
	while (i < rows->len &&
	       !(r[i].ssthresh != r[i - 1].ssthresh && r[i].ssthresh < r[i - 1].cwnd))
		i++;
	assert_true(i < rows->len);
	int64_t w = r[i - 1].cwnd / MSS;
	assert_int_equal(r[i].ssthresh, (w * 717 / 1024) * MSS);
	/* PRR's pipe is in packets (tcp_packets_in_flight): a segment
	 * shorter than the MSS (here a 484-byte end of a write, sent while
	 * the writer slept for memory) counts as one, so cwnd is a whole
	 * number of MSS, at least the row's flight (bytes) + 1 MSS and less
	 * than + 2 MSS */
	assert_int_equal(r[i].cwnd % MSS, 0);
	assert_true(r[i].cwnd >= r[i].flight + MSS && r[i].cwnd < r[i].flight + 2 * MSS);
	assert_int_equal(tcp_sk(fx->held[0])->fast_retrans, 1);
	sim_run_until(fx->sim, 80 * SIM_S);
}

/* HyStart's delay detection: from cwnd 16 on, once the round's minimum of
 * 8 RTT samples exceeds the smallest RTT by more than 1/8 of it, clamped to
 * 4..16 ms, slow start ends: ssthresh = cwnd, with no loss.  Smallest RTT
 * 20 ms: the threshold is 20 + max(2.5, 4) = 24 ms. */
static void
hystart_round(struct tcp_fx *fx, struct sock *sk, int64_t rtt_us)
{
	struct tcp_sock *tp = tcp_sk(sk);
	tp->snd_una += 200; /* past end_seq: a new round */
	tp->snd_nxt = tp->snd_una + 100;
	/* samples 40 ms apart, so that no ACK train forms (hystart_ack_delta_us 2 ms) */
	for (int i = 0; i < 9; i++) {
		sim_run_until(fx->sim, sim_now(fx->sim) + 40 * SIM_MS);
		tp->ca_ops->pkts_acked(sk, &(struct ack_sample){ 1, rtt_us, 16 });
	}
}

static void
test_cubic_hystart_leaves_slow_start_on_a_delay_increase(void **state)
{
	struct tcp_fx *fx = *state;
	struct sock *sk = ca_sock(fx, "cubic", 16, 0);
	struct tcp_sock *tp = tcp_sk(sk);
	struct bictcp *ca = cubic_ca(sk);
	hystart_round(fx, sk, 20000);
	assert_int_equal(ca->delay_min, 20000);
	assert_false(ca->found);
	hystart_round(fx, sk, 24000); /* not more than 24 ms */
	assert_false(ca->found);
	assert_true(tcp_in_slow_start(tp));
	tp->cwnd = 30 * SEG;
	hystart_round(fx, sk, 24001);
	assert_true(ca->found);
	assert_int_equal(tp->ssthresh, 30 * SEG);
	assert_false(tcp_in_slow_start(tp));
	ca_sock_free(sk);
}

/* Below hystart_low_window (16) HyStart does not look. */
static void
test_cubic_hystart_waits_for_16_segments(void **state)
{
	struct tcp_fx *fx = *state;
	struct sock *sk = ca_sock(fx, "cubic", 15, 0);
	struct tcp_sock *tp = tcp_sk(sk);
	tp->ca_ops->pkts_acked(sk, &(struct ack_sample){ 1, 10000, 15 });
	for (int i = 0; i < 20; i++) {
		sim_run_until(fx->sim, sim_now(fx->sim) + 40 * SIM_MS);
		tp->ca_ops->pkts_acked(sk, &(struct ack_sample){ 1, 100000, 15 });
	}
	assert_false(cubic_ca(sk)->found);
	assert_true(tcp_in_slow_start(tp));
	ca_sock_free(sk);
}

/* TCP_CONGESTION: Linux's names; an unknown one is ENOENT and changes
 * nothing; getsockopt returns the zero-padded name. */
static int
cc_sockopt_proc(struct proc *p, void *arg)
{
	struct tcp_fx *fx = arg;
	int s = ns_socket(AF_INET, SOCK_STREAM, 0);
	char name[TCP_CA_NAME_MAX] = "x";
	socklen_t len = sizeof name;
	fx->rc[0] = ns_getsockopt(s, IPPROTO_TCP, TCP_CONGESTION, name, &len);
	fx->match[0] = strcmp(name, "cubic") == 0 && len == TCP_CA_NAME_MAX;
	fx->rc[1] = ns_setsockopt(s, IPPROTO_TCP, TCP_CONGESTION, "vegas", 5);
	fx->rc[2] = errno;
	fx->rc[3] = ns_setsockopt(s, IPPROTO_TCP, TCP_CONGESTION, "reno", 4);
	len = sizeof name;
	ns_getsockopt(s, IPPROTO_TCP, TCP_CONGESTION, name, &len);
	fx->match[1] = strcmp(name, "reno") == 0;
	fx->rc[4] = ns_setsockopt(s, IPPROTO_TCP, TCP_CONGESTION, "cubic", 0);
	fx->rc[5] = errno;
	ns_close(s);
	return 0;
}

static void
test_setsockopt_tcp_congestion_unknown_name_is_enoent(void **state)
{
	struct tcp_fx *fx = *state;
	socket_spawn(fx->a, "cc", 0, cc_sockopt_proc, fx);
	sim_run_until(fx->sim, SIM_S);
	assert_int_equal(fx->rc[0], 0);
	assert_true(fx->match[0]);
	assert_int_equal(fx->rc[1], -1);
	assert_int_equal(fx->rc[2], ENOENT);
	assert_int_equal(fx->rc[3], 0);
	assert_true(fx->match[1]);
	assert_int_equal(fx->rc[4], -1);
	assert_int_equal(fx->rc[5], EINVAL);
}

/* Linux tcp_ca_openreq_child: an accepted connection keeps the listener's
 * algorithm only if the listener chose it with setsockopt. */
static int
cc_listener_proc(struct proc *p, void *arg)
{
	struct tcp_fx *fx = arg;
	for (int i = 0; i < 2; i++) {
		int l = ns_socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in me = tt_sin("0.0.0.0", (uint16_t)(5001 + i));
		if (i == 1)
			ns_setsockopt(l, IPPROTO_TCP, TCP_CONGESTION, "reno", 4);
		ns_bind(l, (struct sockaddr *)&me, sizeof me);
		ns_listen(l, 4);
		int c = ns_accept(l, NULL, NULL);
		tt_hold(fx, 1 + i, c);
		ns_close(c);
		ns_close(l);
	}
	return 0;
}

static int
cc_connect_proc(struct proc *p, void *arg)
{
	(void)arg;
	for (int i = 0; i < 2; i++) {
		int s = ns_socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in to = tt_sin(B_ADDR, (uint16_t)(5001 + i));
		ns_connect(s, (struct sockaddr *)&to, sizeof to);
		ns_close(s);
		ns_sleep(10 * SIM_MS);
	}
	return 0;
}

static void
test_accepted_connection_inherits_only_a_setsockopt_choice(void **state)
{
	struct tcp_fx *fx = *state;
	socket_spawn(fx->b, "listen", 0, cc_listener_proc, fx);
	socket_spawn(fx->a, "connect", SIM_MS, cc_connect_proc, fx);
	sim_run_until(fx->sim, SIM_S);
	assert_non_null(fx->held[1]);
	assert_non_null(fx->held[2]);
	assert_string_equal(tcp_sk(fx->held[1])->ca_ops->name, "cubic"); /* the default */
	assert_string_equal(tcp_sk(fx->held[2])->ca_ops->name, "reno");
	sim_run_until(fx->sim, 80 * SIM_S);
}

/* tcp_register_congestion_control: a name twice is EEXIST, an algorithm
 * without ssthresh EINVAL; a registered one can be looked up. */
static uint32_t
aimd_ssthresh(struct sock *sk)
{
	return MAX(tcp_snd_cwnd(tcp_sk(sk)) * 3 / 4, 2u);
}

static void
test_register_congestion_control_checks_ops_and_names(void **state)
{
	(void)state;
	static const struct tcp_congestion_ops dup = { .name = "reno",
						       .ssthresh = tcp_reno_ssthresh,
						       .cong_avoid = tcp_reno_cong_avoid,
						       .undo_cwnd = tcp_reno_undo_cwnd };
	static const struct tcp_congestion_ops bad = { .name = "bad",
						       .cong_avoid = tcp_reno_cong_avoid,
						       .undo_cwnd = tcp_reno_undo_cwnd };
	static const struct tcp_congestion_ops aimd = { .name = "aimd",
							.ssthresh = aimd_ssthresh,
							.cong_avoid = tcp_reno_cong_avoid,
							.undo_cwnd = tcp_reno_undo_cwnd };
	assert_int_equal(tcp_register_congestion_control(&dup), -EEXIST);
	assert_int_equal(tcp_register_congestion_control(&bad), -EINVAL);
	assert_null(tcp_ca_find("aimd"));
	assert_int_equal(tcp_register_congestion_control(&aimd), 0);
	assert_ptr_equal(tcp_ca_find("aimd"), &aimd);
	tcp_unregister_congestion_control(&aimd);
	assert_null(tcp_ca_find("aimd"));
	assert_ptr_equal(tcp_ca_find("cubic"), &cubictcp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_tcp_in_window_rst_not_at_rcv_nxt_gets_a_challenge_ack, setup,
			tcp_fx_teardown),
		cmocka_unit_test_setup_teardown(test_tcp_three_dup_acks_trigger_fast_retransmit,
						setup, tcp_fx_teardown),
		cmocka_unit_test_setup_teardown(
			test_tcp_newreno_partial_ack_resends_next_hole_without_timeout, setup,
			tcp_fx_teardown),
		cmocka_unit_test_setup_teardown(
			test_tcp_cwnd_grows_exponentially_then_linearly_in_trace, setup,
			tcp_fx_teardown),
		cmocka_unit_test_setup_teardown(test_reno_slow_start_adds_every_segment_acked,
						setup, tcp_fx_teardown),
		cmocka_unit_test_setup_teardown(
			test_reno_congestion_avoidance_adds_one_segment_per_window, setup,
			tcp_fx_teardown),
		cmocka_unit_test_setup_teardown(test_reno_ssthresh_is_half_of_cwnd, setup,
						tcp_fx_teardown),
		cmocka_unit_test_setup_teardown(
			test_reno_does_not_grow_cwnd_the_sender_does_not_use, setup,
			tcp_fx_teardown),
		cmocka_unit_test(test_cubic_root_matches_cbrt),
		cmocka_unit_test_setup_teardown(
			test_cubic_window_follows_c_t_minus_k_cubed_plus_wmax, setup,
			tcp_fx_teardown),
		cmocka_unit_test_setup_teardown(test_cubic_fast_convergence_lowers_wmax, setup,
						tcp_fx_teardown),
		cmocka_unit_test_setup_teardown(test_cubic_loss_cuts_cwnd_to_717_of_1024, setup,
						tcp_fx_teardown),
		cmocka_unit_test_setup_teardown(
			test_cubic_hystart_leaves_slow_start_on_a_delay_increase, setup,
			tcp_fx_teardown),
		cmocka_unit_test_setup_teardown(test_cubic_hystart_waits_for_16_segments, setup,
						tcp_fx_teardown),
		cmocka_unit_test_setup_teardown(
			test_setsockopt_tcp_congestion_unknown_name_is_enoent, setup,
			tcp_fx_teardown),
		cmocka_unit_test_setup_teardown(
			test_accepted_connection_inherits_only_a_setsockopt_choice, setup,
			tcp_fx_teardown),
		cmocka_unit_test(test_register_congestion_control_checks_ops_and_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
