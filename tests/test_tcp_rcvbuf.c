/*
 * tests/test_tcp_rcvbuf.c - TCP receive memory and the window as Linux 6.6
 * runs them (stack/tcp_rcvbuf.c): truesize charged to sk_rmem_alloc, the
 * initial window and rcv_ssthresh (tcp_select_initial_window,
 * tcp_init_buffer_space), its growth (tcp_grow_window), its collapse when
 * small segments waste memory (tcp_clamp_window), receive-buffer
 * autotuning (tcp_rcv_space_adjust) and SO_RCVBUF turning it off, and a
 * window that never shrinks (RFC 9293 §3.8.6.2.2, tcp_select_window).
 *
 * Every test runs real processes on the tcp_test.h world (host a writes,
 * host b receives) and reads the windows b sends off the tap.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/tcp_test.h"

TCP_FIXTURE

/* 1 Gbit/s, 10 ms each way: a bandwidth-delay product of 2.5 MB, far
 * beyond the default 128 KiB buffer. */
static int
setup_long_fat(void **state)
{
	*state = tcp_fx_new(&(struct tcp_fx_opts){ .rate = 1000000000, .delay = 10 * SIM_MS });
	return 0;
}

#define WSCALE 7 /* Linux's shift at tcp_rmem[2] = 6 MiB */

static int
source(struct proc *p, void *arg)
{
	(void)p;
	struct tcp_fx *fx = arg;
	int s = ns_socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in to = tt_sin(B_ADDR, 5001);
	fx->rc[0] = ns_connect(s, (struct sockaddr *)&to, sizeof to);
	fx->rc[1] = (int)tt_write_pattern(s, (size_t)fx->rc[15], 65536);
	ns_close(s);
	return 0;
}

/* A sink like tt_bulk_sink whose SO_RCVBUF is fx->rc[14] (0: not set). */
static int
locked_sink(struct proc *p, void *arg)
{
	(void)p;
	struct tcp_fx *fx = arg;
	int l = ns_socket(AF_INET, SOCK_STREAM, 0);
	if (fx->rc[14])
		ns_setsockopt(l, SOL_SOCKET, SO_RCVBUF, &fx->rc[14], sizeof fx->rc[14]);
	struct sockaddr_in me = tt_sin("0.0.0.0", 5001);
	ns_bind(l, (struct sockaddr *)&me, sizeof me);
	ns_listen(l, 4);
	int c = ns_accept(l, NULL, NULL);
	tt_hold(fx, 1, c);
	if (fx->t[0])
		ns_sleep(fx->t[0]); /* a reader that comes late */
	tt_read_all(fx, 0, c, 65536);
	ns_close(c);
	ns_close(l);
	return 0;
}

/* The largest window (bytes) b offered after its SYN-ACK. */
static uint64_t
max_window(struct tcp_fx *fx)
{
	uint64_t most = 0;
	for (guint i = 0; i < fx->ba.segs->len; i++) {
		struct tt_seg *s = tt_seg(&fx->ba, i);
		if (!(s->flags & TCPHDR_SYN))
			most = MAX(most, (uint64_t)s->win << WSCALE);
	}
	return most;
}

static void
test_rcvbuf_syn_window_is_the_default_buffers_share(void **state)
{
	struct tcp_fx *fx = *state;
	tt_run_bulk(fx, 200000, source, 2 * SIM_S);
	/* Linux tcp_select_initial_window: half of tcp_rmem[1] (scaling_ratio
	 * 1/2 before any data), in whole MSS less the timestamp option:
	 * 45 * 1448 = 65160 on the SYN-ACK, 44 * 1460 = 64240 on the SYN. */
	assert_true(tt_seg(&fx->ba, 0)->flags & TCPHDR_SYN);
	assert_int_equal(tt_seg(&fx->ba, 0)->win, 65160);
	assert_true(tt_seg(&fx->ab, 0)->flags & TCPHDR_SYN);
	assert_int_equal(tt_seg(&fx->ab, 0)->win, 64240);
	struct tcp_sock *tp = tcp_sk(fx->held[1]);
	assert_int_equal(tp->rcv_wscale, WSCALE);
	/* tcp_init_buffer_space: rcv_ssthresh within window_clamp, the
	 * buffer's window less one segment: the first ACK offers 501 << 7 */
	assert_int_equal(tt_seg(&fx->ba, 1)->win, 501);
}

static void
test_rcvbuf_charges_truesize_not_payload(void **state)
{
	struct tcp_fx *fx = *state;
	fx->t[0] = 500 * SIM_MS; /* nothing is read before the window closes */
	fx->rc[15] = 40000;
	socket_spawn(fx->b, "sink", 0, locked_sink, fx);
	socket_spawn(fx->a, "source", SIM_MS, source, fx);
	sim_run_until(fx->sim, 400 * SIM_MS);
	struct sock *sk = fx->held[1];
	assert_true(sk->sk_receive_queue.qlen > 0);
	uint64_t truesize = 0;
	for (const struct sk_buff *skb = sk->sk_receive_queue.first; skb; skb = skb->next)
		truesize += sock_skb_truesize(skb);
	assert_int_equal(sk->sk_rmem_alloc, truesize);
	assert_true(sk->sk_rmem_alloc > sk->sk_receive_queue.bytes);
	/* tcp_measure_rcv_mss: the ratio of a full segment's payload to its truesize */
	const struct sk_buff *skb = sk->sk_receive_queue.first;
	assert_int_equal(tcp_sk(sk)->scaling_ratio,
			 ((uint64_t)skb->len << TCP_RMEM_TO_WIN_SCALE) / sock_skb_truesize(skb));
	sim_run_until(fx->sim, 2 * SIM_S);
	assert_int_equal(fx->bytes[0], 40000);
}

static void
test_rcvbuf_window_grows_from_rcv_ssthresh_while_the_reader_keeps_up(void **state)
{
	struct tcp_fx *fx = *state;
	tt_run_bulk(fx, 16 << 20, source, 4 * SIM_S);
	/* From 501 << 7 the window grew as rcv_ssthresh did (tcp_grow_window,
	 * behind window_clamp as autotuning raised it) */
	assert_int_equal(tt_seg(&fx->ba, 1)->win, 501);
	uint64_t most = max_window(fx);
	assert_true(most > 8 * 64128);
	struct tcp_sock *tp = tcp_sk(fx->held[1]);
	assert_true(tp->rcv_ssthresh > 8 * 64128);
	assert_true(tp->rcv_ssthresh <= tp->window_clamp);
	/* growth came in steps: the advertised window took many values */
	unsigned changes = 0;
	for (guint i = 2; i < fx->ba.segs->len; i++)
		changes += tt_seg(&fx->ba, i)->win > tt_seg(&fx->ba, i - 1)->win;
	assert_true(changes > 20);
}

static void
test_rcvbuf_autotuning_grows_sk_rcvbuf_to_tcp_rmem_max_on_a_long_fat_path(void **state)
{
	struct tcp_fx *fx = *state;
	tt_run_bulk(fx, 48 << 20, source, 10 * SIM_S);
	struct sock *sk = fx->held[1];
	/* tcp_rcv_space_adjust: 2.5 MB in flight per RTT needs more than the
	 * 6 MiB cap allows: sk_rcvbuf ends at tcp_rmem[2] */
	assert_int_equal(sk->sk_rcvbuf, tcp_config(fx->b)->rmem[2]);
	assert_int_equal(tcp_sk(sk)->window_clamp, tcp_win_from_space(sk, sk->sk_rcvbuf));
	assert_true(max_window(fx) > 2 * 1000 * 1000);
}

static void
test_rcvbuf_so_rcvbuf_turns_autotuning_off(void **state)
{
	struct tcp_fx *fx = *state;
	fx->rc[14] = 256 * 1024; /* doubled: 512 KiB */
	fx->rc[15] = 16 << 20;
	socket_spawn(fx->b, "sink", 0, locked_sink, fx);
	socket_spawn(fx->a, "source", SIM_MS, source, fx);
	sim_run_until(fx->sim, 10 * SIM_S);
	assert_int_equal(fx->bytes[0], 16 << 20);
	struct sock *sk = fx->held[1];
	assert_true(sk->sk_userlocks & SOCK_RCVBUF_LOCK);
	assert_int_equal(sk->sk_rcvbuf, 512 * 1024);
	/* Linux tcp_connect_init / tcp_openreq_init_rwin: the scale covers
	 * the locked buffer's window only (256 KiB: shift 3), and no window
	 * goes beyond it */
	assert_int_equal(tcp_sk(sk)->rcv_wscale, 3);
	for (guint i = 0; i < fx->ba.segs->len; i++)
		if (!(tt_seg(&fx->ba, i)->flags & TCPHDR_SYN))
			assert_true(((uint32_t)tt_seg(&fx->ba, i)->win << 3) <= 512 * 1024);
}

/* a (TCP_NODELAY): 1000 writes of 100 bytes, 30 us apart, each its own
 * segment; b's reader sleeps for 2 s. */
static int
small_writer(struct proc *p, void *arg)
{
	(void)p;
	struct tcp_fx *fx = arg;
	int s = ns_socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	ns_setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	struct sockaddr_in to = tt_sin(B_ADDR, 5001);
	fx->rc[0] = ns_connect(s, (struct sockaddr *)&to, sizeof to);
	char buf[100];
	size_t off = 0;
	for (int i = 0; i < 1000; i++) {
		for (size_t j = 0; j < sizeof buf; j++)
			buf[j] = tt_pattern(off + j);
		off += (size_t)ns_write(s, buf, sizeof buf);
		ns_sleep(30 * SIM_US);
	}
	fx->rc[1] = (int)off;
	ns_close(s);
	return 0;
}

static void
test_rcvbuf_small_segments_do_not_grow_and_then_clamp_rcv_ssthresh(void **state)
{
	struct tcp_fx *fx = *state;
	fx->rc[14] = 32 * 1024; /* doubled: 64 KiB, locked */
	fx->t[0] = 2 * SIM_S;
	socket_spawn(fx->b, "sink", 0, locked_sink, fx);
	socket_spawn(fx->a, "writer", SIM_MS, small_writer, fx);
	sim_run_until(fx->sim, 1500 * SIM_MS);
	struct sock *sk = fx->held[1];
	struct tcp_sock *tp = tcp_sk(sk);
	/* 100-byte segments cost about 18 times their payload: the buffer
	 * fills long before the window offered is used, tcp_clamp_window
	 * cuts rcv_ssthresh to two segments, and the buffer stays locked */
	assert_int_equal(tp->rcv_ssthresh, MIN(tp->window_clamp, 2 * tp->advmss));
	assert_int_equal(sk->sk_rcvbuf, 64 * 1024);
	assert_true(sk->sk_rmem_alloc >= sk->sk_rcvbuf);
	assert_true(sk->sk_receive_queue.bytes < 64 * 1024 / 8);
	/* never grown: segments under 128 bytes do not raise it */
	for (guint i = 1; i < fx->ba.segs->len; i++)
		assert_true(tt_seg(&fx->ba, i)->win <= tt_seg(&fx->ba, 1)->win ||
			    tt_seg(&fx->ba, i)->t > 1500 * SIM_MS);
	sim_run_until(fx->sim, 20 * SIM_S);
	assert_int_equal(fx->rc[1], 100000);
	assert_int_equal(fx->bytes[0], 100000);
	assert_true(fx->match[0]);
}

/* RFC 9293 §3.8.6.2.2, Linux tcp_select_window: the right edge b offers
 * (ack + window) never moves back, though a slow reader fills its buffer. */
static void
test_rcvbuf_window_never_shrinks_below_what_was_advertised(void **state)
{
	struct tcp_fx *fx = *state;
	fx->t[0] = 300 * SIM_MS;
	fx->rc[15] = 1 << 20;
	socket_spawn(fx->b, "sink", 0, locked_sink, fx);
	socket_spawn(fx->a, "source", SIM_MS, source, fx);
	sim_run_until(fx->sim, 5 * SIM_S);
	assert_int_equal(fx->bytes[0], 1 << 20);
	uint32_t edge = 0;
	bool zero = false;
	for (guint i = 1; i < fx->ba.segs->len; i++) {
		struct tt_seg *s = tt_seg(&fx->ba, i);
		if (s->flags & TCPHDR_RST)
			continue;
		uint32_t e = s->ack + ((uint32_t)s->win << WSCALE);
		if (edge)
			assert_false(before(e, edge));
		edge = e;
		zero |= s->win == 0;
	}
	assert_true(zero); /* the buffer did fill */
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
#define L(f) cmocka_unit_test_setup_teardown(f, setup_long_fat, teardown)
	const struct CMUnitTest tests[] = {
		T(test_rcvbuf_syn_window_is_the_default_buffers_share),
		T(test_rcvbuf_charges_truesize_not_payload),
		L(test_rcvbuf_window_grows_from_rcv_ssthresh_while_the_reader_keeps_up),
		L(test_rcvbuf_autotuning_grows_sk_rcvbuf_to_tcp_rmem_max_on_a_long_fat_path),
		L(test_rcvbuf_so_rcvbuf_turns_autotuning_off),
		T(test_rcvbuf_small_segments_do_not_grow_and_then_clamp_rcv_ssthresh),
		T(test_rcvbuf_window_never_shrinks_below_what_was_advertised),
	};
#undef T
#undef L
	return cmocka_run_group_tests(tests, NULL, NULL);
}
