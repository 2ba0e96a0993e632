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
#include <sqlite3.h>

#include "tests/tcp_test.h"

#define MSS 1460u

static int
setup(void **state)
{
	*state = tcp_fx_new(&(struct tcp_fx_opts){ .trace = true });
	return 0;
}

static int
teardown(void **state)
{
	tcp_fx_free(*state);
	return 0;
}

static int
sink(struct proc *p, void *arg)
{
	struct tcp_fx *fx = arg;
	int l = ns_socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in me = tt_sin("0.0.0.0", 5001);
	ns_bind(l, (struct sockaddr *)&me, sizeof me);
	ns_listen(l, 4);
	int c = ns_accept(l, NULL, NULL);
	static char buf[65536];
	ssize_t n;
	fx->match[0] = true;
	while ((n = ns_read(c, buf, sizeof buf)) > 0) {
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] != tt_pattern(fx->bytes[0] + (size_t)i))
				fx->match[0] = false;
		fx->bytes[0] += (size_t)n;
	}
	ns_close(c);
	ns_close(l);
	return 0;
}

/* Writes fx->rc[15] bytes of the pattern. */
static int
source(struct proc *p, void *arg)
{
	struct tcp_fx *fx = arg;
	int s = ns_socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in to = tt_sin(B_ADDR, 5001);
	fx->rc[0] = ns_connect(s, (struct sockaddr *)&to, sizeof to);
	tt_hold(fx, 0, s);
	static char buf[16384];
	size_t total = (size_t)fx->rc[15], off = 0;
	while (off < total) {
		size_t n = MIN(sizeof buf, total - off);
		for (size_t i = 0; i < n; i++)
			buf[i] = tt_pattern(off + i);
		ssize_t w = ns_write(s, buf, n);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	fx->rc[1] = (int)off;
	ns_close(s);
	return 0;
}

static void
run_bulk(struct tcp_fx *fx, int bytes)
{
	fx->rc[15] = bytes;
	socket_spawn(fx->b, "sink", 0, sink, fx);
	socket_spawn(fx->a, "source", SIM_MS, source, fx);
	sim_run_until(fx->sim, 5 * SIM_S);
	assert_int_equal(fx->rc[0], 0);
	assert_int_equal(fx->rc[1], bytes);
	assert_int_equal(fx->bytes[0], (size_t)bytes);
	assert_true(fx->match[0]);
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
	int64_t cwnd, ssthresh;
};

static GArray *
cc_rows(struct tcp_fx *fx)
{
	assert_true(trace_flush(fx->tr, NULL));
	sqlite3 *db = trace_db(fx->tr);
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT time_ns, cwnd, ssthresh FROM tcp_cc WHERE conn "
					    "LIKE '10.0.0.1:%' ORDER BY rowid",
					    -1, &st, NULL),
			 SQLITE_OK);
	GArray *rows = g_array_new(FALSE, FALSE, sizeof(struct cc_row));
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct cc_row r = { sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
				    sqlite3_column_int64(st, 2) };
		g_array_append_val(rows, r);
	}
	sqlite3_finalize(st);
	return rows;
}

static void
test_tcp_cwnd_grows_exponentially_then_linearly_in_trace(void **state)
{
	struct tcp_fx *fx = *state;
	fx->ab.drop_nth[fx->ab.ndrop++] = 60;
	run_bulk(fx, 600 * 1024);
	g_autoptr(GArray) rows = cc_rows(fx);
	assert_true(rows->len > 100);
	struct cc_row *r = (struct cc_row *)(void *)rows->data;
	/* RFC 6928: IW10; RFC 5681 (2): +min(acked, SMSS) per ACK in slow start. */
	assert_int_equal(r[0].cwnd, 10 * MSS);
	guint i = 1;
	for (; i < rows->len && r[i].ssthresh == r[0].ssthresh; i++) {
		assert_true(r[i].cwnd >= r[i - 1].cwnd);
		assert_true(r[i].cwnd - r[i - 1].cwnd <= MSS);
	}
	assert_true(i < rows->len);
	int64_t peak = r[i - 1].cwnd;
	assert_true(peak >= 30 * MSS);
	/* The loss: ssthresh = FlightSize / 2 (RFC 5681 (4)), cwnd = ssthresh + 3 SMSS. */
	assert_true(r[i].ssthresh <= peak / 2 + MSS);
	assert_int_equal(r[i].cwnd, r[i].ssthresh + 3 * MSS);
	int64_t ssthresh = r[i].ssthresh;
	/* Recovery ends when cwnd comes down to ssthresh; then congestion
	 * avoidance: +1 SMSS per cwnd of bytes acknowledged, which with an ACK
	 * every two segments is one step per cwnd / (2 SMSS) ACKs. */
	for (; i < rows->len && r[i].cwnd > ssthresh; i++)
		;
	assert_true(i < rows->len);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_tcp_in_window_rst_not_at_rcv_nxt_gets_a_challenge_ack, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_tcp_three_dup_acks_trigger_fast_retransmit,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_tcp_newreno_partial_ack_resends_next_hole_without_timeout, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_tcp_cwnd_grows_exponentially_then_linearly_in_trace, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
