/*
 * tests/test_tcp_timestamps.c - RFC 7323 timestamps and PAWS
 * (stack/tcp_timestamps.c): negotiation on or off at either end, the
 * option on every segment, the TSecr echo rules, RTT samples from TSecr,
 * PAWS dropping a segment with an old TSval, and TSval wrapping past 2^32.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "tests/tcp_test.h"

/* The timestamp option of one segment (parallel to fx->ab.segs / ba.segs). */
struct ts_rec {
	bool ts;
	uint32_t tsval, tsecr;
	uint32_t optlen;
	uint8_t opt0[4]; /* the first option bytes after the MSS of a SYN (or first) */
};
static GArray *ts_ab, *ts_ba;
/* Rewrite the TSval of data segment number ts_old_nth (a to b) to ts_old_val. */
static uint32_t ts_old_nth;
static uint32_t ts_old_val;

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void
ts_tap_rx(void *ctx, struct wire_frame *f)
{
	struct tt_dir *d = ctx;
	struct ts_rec r = { 0 };
	if (f->len >= 14 + 20 + 20 && f->data[12] == 0x08 && f->data[13] == 0x00 &&
	    f->data[23] == 6) {
		uint8_t *ip = f->data + 14;
		uint8_t *th = ip + (ip[0] & 15u) * 4;
		uint32_t doff = (th[12] >> 4) * 4u, tot = (uint32_t)ip[2] << 8 | ip[3];
		uint32_t len = tot - (ip[0] & 15u) * 4;
		r.optlen = doff - 20;
		uint8_t *first = th + 20 + ((th[13] & TCPHDR_SYN) ? 4 : 0);
		if (first + 4 <= th + doff)
			memcpy(r.opt0, first, 4);
		for (uint8_t *o = th + 20; o < th + doff;) {
			if (*o == TCPOPT_EOL)
				break;
			if (*o == TCPOPT_NOP) {
				o++;
				continue;
			}
			if (o[0] == TCPOPT_TIMESTAMP && o[1] == TCPOLEN_TIMESTAMP) {
				bool data = len > doff;
				if (d == &d->fx->ab && data && ts_old_nth &&
				    d->data_segs + 1 == ts_old_nth) {
					uint32_t saddr, daddr;
					put32(o + 2, ts_old_val);
					th[16] = th[17] = 0;
					memcpy(&saddr, ip + 12, 4);
					memcpy(&daddr, ip + 16, 4);
					sum16_t check =
						csum_tcpudp_magic(ntohl(saddr), ntohl(daddr), len,
								  6, csum_partial(th, len, 0));
					memcpy(th + 16, &check, 2);
				}
				r.ts = true;
				r.tsval = get32(o + 2);
				r.tsecr = get32(o + 6);
			}
			o += o[1];
		}
	}
	GArray *recs = d == &d->fx->ab ? ts_ab : ts_ba;
	guint before = d->segs->len;
	tt_tap_rx(ctx, f);
	if (d->segs->len > before)
		g_array_append_val(recs, r);
}

static struct ts_rec *
rec(GArray *a, guint i)
{
	return &g_array_index(a, struct ts_rec, i);
}

static void
set_ts(struct host *h, uint32_t mode)
{
	struct tcp_config c = *tcp_config(h);
	c.timestamps = mode;
	tcp_set_config(h, &c);
}

/* 10 Mbit/s, 10 ms each way: segments 1.2 ms apart, so TSvals differ. */
static int
setup(void **state)
{
	struct tcp_fx *fx =
		tcp_fx_new(&(struct tcp_fx_opts){ .rate = 10000000, .delay = 10 * SIM_MS });
	for (int i = 0; i < 2; i++) {
		struct tt_dir *d = i ? &fx->ba : &fx->ab;
		wire_detach(d->w, 1);
		wire_attach(d->w, 1, ts_tap_rx, tt_tap_tx_done, d);
	}
	ts_ab = g_array_new(FALSE, TRUE, sizeof(struct ts_rec));
	ts_ba = g_array_new(FALSE, TRUE, sizeof(struct ts_rec));
	ts_old_nth = 0;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	tcp_fx_free(*state);
	g_array_free(ts_ab, TRUE);
	g_array_free(ts_ba, TRUE);
	return 0;
}

/* ---- negotiation --------------------------------------------------------------------- */

static void
test_timestamps_on_both_sides_go_on_every_segment(void **state)
{
	struct tcp_fx *fx = *state;
	tt_run_bulk(fx, 100000, tt_source, 10 * SIM_S);
	/* a's SYN: MSS, then SACK-permitted and TS in one word (Linux
	 * tcp_options_write), NOP WS: 20 option bytes; TSecr 0 */
	assert_true(tt_seg(&fx->ab, 0)->flags & TCPHDR_SYN);
	assert_int_equal(rec(ts_ab, 0)->optlen, 20);
	assert_int_equal(rec(ts_ab, 0)->opt0[0], TCPOPT_SACK_PERM);
	assert_int_equal(rec(ts_ab, 0)->opt0[2], TCPOPT_TIMESTAMP);
	assert_true(rec(ts_ab, 0)->ts);
	assert_int_equal(rec(ts_ab, 0)->tsecr, 0);
	/* the SYN-ACK echoes the SYN's TSval */
	assert_true(rec(ts_ba, 0)->ts);
	assert_int_equal(rec(ts_ba, 0)->tsecr, rec(ts_ab, 0)->tsval);
	/* every later segment: NOP NOP TS first */
	for (guint i = 1; i < ts_ab->len; i++) {
		assert_true(rec(ts_ab, i)->ts);
		assert_int_equal(rec(ts_ab, i)->opt0[0], TCPOPT_NOP);
		assert_int_equal(rec(ts_ab, i)->opt0[2], TCPOPT_TIMESTAMP);
	}
	for (guint i = 0; i < ts_ba->len; i++)
		assert_true(rec(ts_ba, i)->ts);
	/* 12 bytes leave the MSS: 1448-byte segments */
	uint32_t largest = 0;
	for (guint i = 0; i < fx->ab.segs->len; i++)
		largest = MAX(largest, tt_seg(&fx->ab, i)->len);
	assert_int_equal(largest, 1448);
	struct tcp_sock *tp = tcp_sk(fx->held[0]);
	assert_true(tp->rx_opt.tstamp_ok);
	assert_int_equal(tp->mss, 1448);
	assert_int_equal(tp->advmss, 1448); /* the active side lowers advmss too */
	assert_true(tcp_sk(fx->held[1])->rx_opt.tstamp_ok);
	assert_int_equal(tcp_sk(fx->held[1])->advmss, 1460);
}

static void
test_timestamps_off_at_the_listener_means_none_after_the_syn(void **state)
{
	struct tcp_fx *fx = *state;
	set_ts(fx->b, 0);
	tt_run_bulk(fx, 20000, tt_source, 10 * SIM_S);
	assert_true(rec(ts_ab, 0)->ts); /* a offered them */
	for (guint i = 1; i < ts_ab->len; i++)
		assert_false(rec(ts_ab, i)->ts);
	for (guint i = 0; i < ts_ba->len; i++)
		assert_false(rec(ts_ba, i)->ts);
	assert_false(tcp_sk(fx->held[0])->rx_opt.tstamp_ok);
	assert_int_equal(tcp_sk(fx->held[0])->mss, 1460);
	assert_int_equal(rec(ts_ab, 0)->optlen, 20); /* MSS, SACK-perm TS, NOP WS */
	assert_int_equal(rec(ts_ba, 0)->optlen, 12); /* MSS, NOP NOP SACK-perm, NOP WS */
}

static void
test_timestamps_off_at_the_connector_means_none_at_all(void **state)
{
	struct tcp_fx *fx = *state;
	set_ts(fx->a, 0);
	tt_run_bulk(fx, 20000, tt_source, 10 * SIM_S);
	for (guint i = 0; i < ts_ab->len; i++)
		assert_false(rec(ts_ab, i)->ts);
	for (guint i = 0; i < ts_ba->len; i++)
		assert_false(rec(ts_ba, i)->ts);
	assert_false(tcp_sk(fx->held[1])->rx_opt.tstamp_ok);
	assert_int_equal(tcp_sk(fx->held[1])->mss, 1460);
}

static void
test_timestamps_2_has_no_offset_1_has_one(void **state)
{
	struct tcp_fx *fx = *state;
	set_ts(fx->a, 2);
	tt_run_bulk(fx, 2000, tt_source, 10 * SIM_S);
	/* a's SYN leaves at 1 ms: TSval 1 without an offset */
	assert_int_equal(rec(ts_ab, 0)->tsval, 1);
	/* b (mode 1) adds its per address pair offset */
	assert_int_not_equal(tcp_sk(fx->held[1])->tsoffset, 0);
}

/* ---- echo rules ---------------------------------------------------------------------- */

/* RFC 7323 §4.3 (Linux tcp_replace_ts_recent): while a hole is open, the
 * duplicate ACKs echo the TSval of the last in-order segment, not of the
 * out-of-order ones; the retransmission that fills the hole is echoed. */
static void
test_tsecr_echoes_the_last_in_order_segment_not_later_ones(void **state)
{
	struct tcp_fx *fx = *state;
	/* past the first flight (which leaves in one ms), segments go out
	 * ACK-clocked 1.2 ms apart */
	fx->ab.drop_nth[fx->ab.ndrop++] = 25;
	tt_run_bulk(fx, 60 * 1448, tt_source, 10 * SIM_S);
	/* find the lost segment and the one before it */
	guint lost = 0;
	for (guint i = 0; i < fx->ab.segs->len; i++)
		if (tt_seg(&fx->ab, i)->dropped)
			lost = i;
	assert_true(lost > 0);
	uint32_t hole = tt_seg(&fx->ab, lost)->seq;
	uint32_t prev_tsval = 0, rtx_tsval = 0;
	for (guint i = 0; i < lost; i++)
		if (tt_seg(&fx->ab, i)->len)
			prev_tsval = rec(ts_ab, i)->tsval;
	for (guint i = lost + 1; i < fx->ab.segs->len; i++)
		if (tt_seg(&fx->ab, i)->seq == hole && tt_seg(&fx->ab, i)->len)
			rtx_tsval = rec(ts_ab, i)->tsval;
	assert_int_not_equal(rtx_tsval, 0);
	unsigned dups = 0, rtx_echo = 0;
	for (guint i = 0; i < fx->ba.segs->len; i++) {
		if (tt_seg(&fx->ba, i)->ack == hole) {
			dups++;
			/* the ACK of the segment before the hole may echo an
			 * earlier one (delayed ACK); the duplicates echo it */
			assert_true(rec(ts_ba, i)->tsecr == prev_tsval || dups == 1);
		}
		if (after(tt_seg(&fx->ba, i)->ack, hole) && !rtx_echo)
			rtx_echo = rec(ts_ba, i)->tsecr;
	}
	assert_true(dups >= 4);
	assert_int_equal(rtx_echo, rtx_tsval);
	/* and the out-of-order segments' later TSvals were never echoed then */
	assert_true(after(rec(ts_ab, lost + 3)->tsval, prev_tsval));
}

/* ---- RTT samples --------------------------------------------------------------------- */

static int
late_writer(struct proc *p, void *arg)
{
	(void)p;
	struct tcp_fx *fx = arg;
	int s = ns_socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in to = tt_sin(B_ADDR, 5001);
	ns_connect(s, (struct sockaddr *)&to, sizeof to);
	tt_hold(fx, 0, s);
	ns_sleep(100 * SIM_MS);
	tt_write_pattern(s, 1000, 1000);
	ns_close(s);
	return 0;
}

/* Karn's rule gives no sample from the ACK of a retransmission; its TSecr
 * does (Linux tcp_ack_update_rtt): the backed-off RTO is recomputed. */
static void
test_ack_of_a_retransmission_gives_an_rtt_sample_from_tsecr(void **state)
{
	struct tcp_fx *fx = *state;
	fx->rc[15] = 1000;
	socket_spawn(fx->b, "sink", 0, tt_bulk_sink, fx);
	socket_spawn(fx->a, "writer", SIM_MS, late_writer, fx);
	sim_run_until(fx->sim, 110 * SIM_MS);
	struct tcp_sock *tp = tcp_sk(fx->held[0]);
	sim_time_t rto0 = tp->rto;
	fx->ab.blackhole = true;
	sim_run_until(fx->sim, 1500 * SIM_MS); /* RTOs, each backing off */
	fx->ab.blackhole = false;
	assert_true(tp->timeouts >= 2);
	assert_true(tp->rto >= 4 * rto0);
	sim_run_until(fx->sim, 5 * SIM_S);
	assert_int_equal(fx->bytes[0], 1000);
	/* the sample (one RTT, about 21 ms plus the delayed ACK) brings the RTO
	 * back to srtt + max(4 rttvar, 200 ms) */
	assert_true(tp->rto < 2 * rto0);
	assert_true(tp->srtt >= 20 * SIM_MS && tp->srtt < 100 * SIM_MS);
	sim_run_until(fx->sim, 80 * SIM_S);
}

static int
connect_only(struct proc *p, void *arg)
{
	(void)p;
	struct tcp_fx *fx = arg;
	int s = ns_socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in to = tt_sin(B_ADDR, 5001);
	ns_connect(s, (struct sockaddr *)&to, sizeof to);
	tt_hold(fx, 0, s);
	ns_sleep(SIM_S);
	ns_close(s);
	return 0;
}

/* tcp_ts_rtt: now - TSecr in ms, at least 1 ms; none without TSecr. */
static void
test_rtt_from_tsecr_is_now_minus_tsecr_in_ms(void **state)
{
	struct tcp_fx *fx = *state;
	fx->rc[15] = 0;
	socket_spawn(fx->b, "sink", 0, tt_bulk_sink, fx);
	socket_spawn(fx->a, "client", SIM_MS, connect_only, fx);
	sim_run_until(fx->sim, 500 * SIM_MS);
	struct sock *sk = fx->held[0];
	struct tcp_sock *tp = tcp_sk(sk);
	tp->rx_opt.saw_tstamp = true;
	tp->rx_opt.rcv_tsecr = tcp_time_stamp(sk) - 30;
	assert_int_equal(tcp_ts_rtt(sk), 30 * SIM_MS);
	tp->rx_opt.rcv_tsecr = tcp_time_stamp(sk);
	assert_int_equal(tcp_ts_rtt(sk), SIM_MS);
	tp->rx_opt.rcv_tsecr = 0;
	assert_int_equal(tcp_ts_rtt(sk), -1);
	tp->rx_opt.rcv_tsecr = tcp_time_stamp(sk) + 5; /* from the future: no sample */
	assert_int_equal(tcp_ts_rtt(sk), -1);
	tp->rx_opt.saw_tstamp = false;
	sim_run_until(fx->sim, 80 * SIM_S);
}

/* ---- PAWS ---------------------------------------------------------------------------- */

/* A data segment whose TSval is older than TS.Recent is dropped before its
 * sequence number is looked at (PAWSEstabRejected), answered with an ACK,
 * and resent; the stream arrives intact. */
static void
test_paws_drops_a_segment_with_an_old_tsval(void **state)
{
	struct tcp_fx *fx = *state;
	ts_old_nth = 10;
	ts_old_val = 1000; /* long before the connection's TSvals (offset) */
	tt_run_bulk(fx, 20 * 1448, tt_source, 10 * SIM_S);
	assert_int_equal(tcp_mib(fx->b)->paws_estab_rejected, 1);
	assert_int_equal(tcp_mib(fx->a)->paws_estab_rejected, 0);
	/* the rewritten segment went through the tap undropped: b dropped it */
	guint n = 0, idx = 0;
	for (guint i = 0; i < fx->ab.segs->len; i++)
		if (tt_seg(&fx->ab, i)->len && ++n == 10)
			idx = i;
	assert_int_equal(rec(ts_ab, idx)->tsval, 1000);
	assert_true(tcp_sk(fx->held[0])->retrans_segs >= 1);
}

/* TSval wraps past 2^32 (at 1 ms a tick, every 49.7 days; here the offset
 * puts the wrap in the transfer): no PAWS drop, RTT samples stay sane. */
static int
wrap_source(struct proc *p, void *arg)
{
	(void)p;
	struct tcp_fx *fx = arg;
	int s = ns_socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in to = tt_sin(B_ADDR, 5001);
	fx->rc[0] = ns_connect(s, (struct sockaddr *)&to, sizeof to);
	struct tcp_sock *tp = tt_hold(fx, 0, s);
	/* move a's clock forward to 20 ms before the wrap, in steps of 2^30
	 * with a segment between them (PAWS takes a step forward of less
	 * than 2^31), then write the rest */
	size_t off = 0, total = (size_t)fx->rc[15];
	char buf[65536];
	for (;;) {
		uint32_t d = 0xffffffffu - 20 - tcp_time_stamp(&tp->sk);
		size_t n = d < 0x40000000u ? total - off : 100;
		tp->tsoffset += MIN(d, 0x40000000u);
		while (n > 0) {
			size_t k = MIN(n, sizeof buf);
			for (size_t i = 0; i < k; i++)
				buf[i] = tt_pattern(off + i);
			ssize_t w = ns_write(s, buf, k);
			if (w <= 0)
				break;
			off += (size_t)w;
			n -= (size_t)w;
		}
		if (off >= total || d < 0x40000000u)
			break;
		ns_sleep(50 * SIM_MS);
	}
	fx->rc[1] = (int)off;
	ns_close(s);
	return 0;
}

static void
test_tsval_wraparound_is_no_paws_drop(void **state)
{
	struct tcp_fx *fx = *state;
	tt_run_bulk(fx, 100 * 1448, wrap_source, 10 * SIM_S);
	bool high = false, low = false;
	for (guint i = 1; i < ts_ab->len; i++) {
		high |= rec(ts_ab, i)->tsval > 0xffff0000u;
		low |= rec(ts_ab, i)->tsval < 0x10000u;
	}
	assert_true(high && low);
	assert_int_equal(tcp_mib(fx->b)->paws_estab_rejected, 0);
	assert_int_equal(tcp_mib(fx->a)->paws_estab_rejected, 0);
	struct tcp_sock *tp = tcp_sk(fx->held[0]);
	assert_true(tp->srtt > 0 && tp->srtt < 200 * SIM_MS);
	assert_int_equal(tp->retrans_segs, 0);
}

/* ---- with SACK ------------------------------------------------------------------------- */

/* 40 option bytes less 12 of timestamps hold 3 SACK blocks (Linux
 * tcp_established_options): three holes give ACKs of 12 + 4 + 24 bytes. */
static void
test_sack_blocks_are_three_at_most_beside_timestamps(void **state)
{
	struct tcp_fx *fx = *state;
	fx->ab.drop_nth[fx->ab.ndrop++] = 3;
	fx->ab.drop_nth[fx->ab.ndrop++] = 5;
	fx->ab.drop_nth[fx->ab.ndrop++] = 7;
	fx->ab.drop_nth[fx->ab.ndrop++] = 9;
	tt_run_bulk(fx, 30 * 1448, tt_source, 10 * SIM_S);
	uint32_t most = 0;
	for (guint i = 0; i < ts_ba->len; i++) {
		assert_true(rec(ts_ba, i)->optlen <= MAX_TCP_OPTION_SPACE);
		most = MAX(most, rec(ts_ba, i)->optlen);
	}
	assert_int_equal(most, 12 + 4 + 3 * 8);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_timestamps_on_both_sides_go_on_every_segment,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_timestamps_off_at_the_listener_means_none_after_the_syn, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_timestamps_off_at_the_connector_means_none_at_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timestamps_2_has_no_offset_1_has_one, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_tsecr_echoes_the_last_in_order_segment_not_later_ones, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_ack_of_a_retransmission_gives_an_rtt_sample_from_tsecr, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_rtt_from_tsecr_is_now_minus_tsecr_in_ms, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_paws_drops_a_segment_with_an_old_tsval, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tsval_wraparound_is_no_paws_drop, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_sack_blocks_are_three_at_most_beside_timestamps, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
