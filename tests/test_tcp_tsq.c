/*
 * tests/test_tcp_tsq.c - what holds TCP's transmission back besides the
 * windows (stack/tcp_tsq.c): TCP Small Queues, autocorking and
 * tcp_tso_should_defer (Linux 6.6 tcp_output.c tcp_small_queue_check,
 * tcp_wfree, tcp_tsq_handler, tcp_tso_should_defer; tcp.c
 * tcp_should_autocork).
 *
 * The tcp_test.h world: 100 Mbit/s, 10 ms each way, no timestamps (MSS
 * 1460).  A 1460-byte segment takes 121 us on the wire, so skbs TCP sends
 * faster than that wait in a's qdisc and TX ring, charged to the socket.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "stack/tcp_tsq.h"
#include "tests/tcp_test.h"

#define RTT (20 * SIM_MS)
#define MSS 1460u

static void
set_a(struct tcp_fx *fx, uint32_t limit_output_bytes, bool autocorking)
{
	struct tcp_config c = *tcp_config(fx->a);
	c.limit_output_bytes = limit_output_bytes;
	c.autocorking = autocorking;
	tcp_set_config(fx->a, &c);
}

/* Every 10 us: the most a's socket had below TCP, and whether it was
 * throttled. */
static uint32_t max_below;
static bool seen_throttled;

static void
sample(struct sim *sim, void *a, void *b)
{
	struct tcp_fx *fx = a;
	(void)b;
	if (fx->held[0]) {
		struct tcp_sock *tp = tcp_sk(fx->held[0]);
		max_below = MAX(max_below, tp->tsq_wmem);
		seen_throttled |= (tp->tsq_flags & TSQF_THROTTLED) != 0;
	}
	if (sim_now(sim) < 2 * SIM_S)
		sim_schedule(sim, 10 * SIM_US, sample, fx, NULL);
}

/* The first data segment's arrival at the tap and the @nth's. */
static sim_time_t
data_seg_time(struct tcp_fx *fx, unsigned nth)
{
	unsigned n = 0;
	for (guint i = 0; i < fx->ab.segs->len; i++)
		if (tt_seg(&fx->ab, i)->len && ++n == nth)
			return tt_seg(&fx->ab, i)->t;
	return -1;
}

/* With tcp_limit_output_bytes = 1 the limit is two skbs' truesize: a bulk
 * transfer whose cwnd grows to dozens of segments keeps at most that (and
 * the one skb sent when the check passed) in the qdisc and the ring,
 * instead of its whole window; everything arrives. */
static void
test_tsq_bounds_what_waits_below_tcp(void **state)
{
	struct tcp_fx *fx = *state;
	set_a(fx, 1, false);
	max_below = 0;
	seen_throttled = false;
	sim_schedule(fx->sim, SIM_MS, sample, fx, NULL);
	fx->src = (struct tt_source_opts){ .chunk = 65536, .linger = SIM_S };
	tt_run_bulk(fx, 400 * (int)MSS, tt_source, 10 * SIM_S);
	uint32_t skb_truesize = MSS + 1024; /* an MSS skb's buffer and struct */
	assert_true(max_below > 0);
	assert_true(max_below <= 3 * skb_truesize);
	assert_true(seen_throttled);
}

/* The same run with Linux's default limit (1 MB) is not throttled at 100
 * Mbit/s in slow start: the bound above is TSQ's, not the window's. */
static void
test_tsq_default_limit_lets_the_window_queue(void **state)
{
	struct tcp_fx *fx = *state;
	assert_int_equal(tcp_config(fx->a)->limit_output_bytes, 1048576);
	max_below = 0;
	seen_throttled = false;
	sim_schedule(fx->sim, SIM_MS, sample, fx, NULL);
	fx->src = (struct tt_source_opts){ .chunk = 65536, .linger = SIM_S };
	tt_run_bulk(fx, 400 * (int)MSS, tt_source, 10 * SIM_S);
	assert_true(max_below > 10 * (MSS + 1024));
}

/* Throttled after two skbs, the sender sends the rest of its initial
 * window (10 segments) from the TX completions (the TSQ tasklet), long
 * before any ACK can come back (an RTT, 20 ms): the ten leave within the
 * time the wire needs for them, as without TSQ. */
static void
test_tsq_completion_sends_the_next_skb(void **state)
{
	struct tcp_fx *fx = *state;
	set_a(fx, 1, false);
	max_below = 0;
	seen_throttled = false;
	sim_schedule(fx->sim, SIM_MS, sample, fx, NULL);
	fx->src = (struct tt_source_opts){ .chunk = 10 * MSS, .linger = SIM_S };
	tt_run_bulk(fx, 10 * (int)MSS, tt_source, 5 * SIM_S);
	assert_true(seen_throttled);
	sim_time_t first = data_seg_time(fx, 1), tenth = data_seg_time(fx, 10);
	assert_true(first > 0 && tenth > first);
	assert_true(tenth - first < 2 * SIM_MS);
}

/* Twenty 100-byte writes with TCP_NODELAY (Nagle off): while the first
 * segment is still on its way out, autocorking holds each short tail, and
 * its TX completion sends what the next writes added: 100 bytes, then the
 * rest in two segments; TCPAutoCorking counted, every byte delivered. */
static void
test_autocork_holds_a_small_tail_until_completion(void **state)
{
	struct tcp_fx *fx = *state;
	fx->src = (struct tt_source_opts){ .chunk = 100, .linger = SIM_S, .nodelay = true };
	tt_run_bulk(fx, 2000, tt_source, 5 * SIM_S);
	assert_true(tcp_mib(fx->a)->tcp_autocorking >= 1);
	assert_true(tt_count_data(&fx->ab) <= 3);
}

/* The control: with tcp_autocorking = 0 the second and third writes go at
 * once, each its own segment, until TSQ's limit (two skbs: the pacing rate
 * is still low) throttles the socket: at least five segments. */
static void
test_without_autocorking_short_writes_go_until_tsq_throttles(void **state)
{
	struct tcp_fx *fx = *state;
	set_a(fx, TCP_LIMIT_OUTPUT_BYTES, false);
	fx->src = (struct tt_source_opts){ .chunk = 100, .linger = SIM_S, .nodelay = true };
	tt_run_bulk(fx, 2000, tt_source, 5 * SIM_S);
	assert_int_equal(tcp_mib(fx->a)->tcp_autocorking, 0);
	assert_true(tt_count_data(&fx->ab) >= 5);
}

/* A process: connect and stay connected (nothing written) for 2 s. */
static int
idle_source(struct proc *p, void *arg)
{
	(void)p;
	struct tcp_fx *fx = arg;
	int s = ns_socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in to = tt_sin(B_ADDR, 5001);
	fx->rc[0] = ns_connect(s, (struct sockaddr *)&to, sizeof to);
	tt_hold(fx, 0, s);
	ns_sleep(2 * SIM_S);
	ns_close(s);
	return 0;
}

/* A write-queue skb of @len bytes at @seq, sent at @when (0: unsent). */
static struct sk_buff *
queue_skb(struct sock *sk, uint32_t seq, uint32_t len, sim_time_t when)
{
	struct sk_buff *skb = skb_alloc(sk->host, INET_HEADROOM + TCP_HLEN + len, LAYER_TCP);
	skb_reserve(skb, INET_HEADROOM + TCP_HLEN);
	memset(skb_put(skb, len), 0, len);
	memset(skb->cb, 0, sizeof skb->cb);
	TCP_SKB_CB(skb)->seq = seq;
	TCP_SKB_CB(skb)->end_seq = seq + len;
	TCP_SKB_CB(skb)->flags = TCPHDR_ACK;
	TCP_SKB_CB(skb)->when = when;
	skb_queue_tail(&sk->sk_write_queue, skb);
	return skb;
}

/*
 * tcp_tso_should_defer on a connection set up by hand: one MSS sent 15 ms
 * ago and unacknowledged (more than half the 20 ms srtt: the next ACK is
 * near), cwnd 8 segments with 6 in flight, so 2 MSS of a 10-MSS GSO skb
 * may go: it waits (cwnd-limited).  The deferral ends: 1 ms after the last
 * send it goes; and it goes if the oldest segment left less than half an
 * srtt ago, or if a third of the window (tcp_tso_win_divisor) fits.
 */
static void
test_tso_should_defer_holds_a_sub_goal_send_and_the_deferral_ends(void **state)
{
	struct tcp_fx *fx = *state;
	socket_spawn(fx->b, "sink", 0, tt_bulk_sink, fx);
	socket_spawn(fx->a, "source", SIM_MS, idle_source, fx);
	sim_run_until(fx->sim, 500 * SIM_MS);
	assert_int_equal(fx->rc[0], 0);
	struct sock *sk = fx->held[0];
	struct tcp_sock *tp = tcp_sk(sk);
	struct tcp_sock saved = *tp;
	sim_time_t now = sim_now(fx->sim);
	uint32_t una = tp->snd_una;
	struct sk_buff *head = queue_skb(sk, una, MSS, now - 15 * SIM_MS);
	struct sk_buff *tail = queue_skb(sk, una + MSS, 10 * MSS, 0);
	tp->snd_max = tp->snd_nxt = una + MSS;
	tp->packets_out = 6;
	tp->cwnd = 8 * MSS;
	tp->mss = MSS;
	tp->snd_wnd = 1 << 20;
	tp->srtt = RTT;
	tp->wstamp = now;
	assert_true(tcp_tso_should_defer(sk, tail, 44));
	tp->wstamp = now - 2 * SIM_MS; /* the last send is over 1 ms old */
	assert_false(tcp_tso_should_defer(sk, tail, 44));
	tp->wstamp = now;
	TCP_SKB_CB(head)->when = now - 5 * SIM_MS; /* the next ACK is not near */
	assert_false(tcp_tso_should_defer(sk, tail, 44));
	TCP_SKB_CB(head)->when = now - 15 * SIM_MS;
	tp->packets_out = 4; /* 4 MSS of cwnd 8 free: more than a third */
	assert_false(tcp_tso_should_defer(sk, tail, 44));
	skb_unlink(tail, &sk->sk_write_queue);
	skb_unlink(head, &sk->sk_write_queue);
	skb_consume(tail);
	skb_consume(head);
	*tp = saved;
	sim_run_until(fx->sim, 5 * SIM_S);
}

/* fx->t[1]: when the first 8 segments were written; fx->t[0]: when the
 * writer starts a write of more than one full skb at a moment
 * tcp_tso_should_defer would hold it; fx->rc[1] the size goal then,
 * fx->rc[2] what the write returned. */
static int
push_one_writer(struct proc *p, void *arg)
{
	(void)p;
	struct tcp_fx *fx = arg;
	static char buf[40 * MSS];
	int s = ns_socket(AF_INET, SOCK_STREAM, 0);
	int one = 1, sndbuf = 1 << 20;
	ns_setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	ns_setsockopt(s, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
	struct sockaddr_in to = tt_sin(B_ADDR, 5001);
	fx->rc[0] = ns_connect(s, (struct sockaddr *)&to, sizeof to);
	struct sock *sk = &tt_hold(fx, 0, s)->sk;
	ns_write(s, buf, 8 * MSS); /* 8 of cwnd 10 in flight */
	fx->t[1] = ns_now();
	/* over half the srtt later their ACK is near (srtt is 29 ms here:
	 * the handshake's sample includes the ARP exchange before the SYN) */
	ns_sleep(tcp_sk(sk)->srtt / 2 + 2 * SIM_MS);
	ns_write(s, buf, 1); /* the 9th: the last send is recent */
	ns_sleep(200 * SIM_US);
	fx->t[0] = ns_now();
	fx->rc[1] = (int)tcp_xmit_size_goal(sk);
	fx->rc[2] = (int)ns_write(s, buf, sizeof buf);
	ns_close(s);
	return 0;
}

/*
 * Linux tcp_sendmsg_locked (6.6): a full skb that is the send head goes at
 * once through tcp_push_one, which skips tcp_tso_should_defer.  Here the
 * deferral would hold it until the first ACK, 20 ms after the first send
 * (cwnd 10 with 9 in flight, so 1 MSS may go; the last send 0.2 ms ago; the
 * oldest unacknowledged segment over half the srtt old): the one MSS the
 * window allows leaves as the write fills the skb.
 */
static void
test_tcp_push_one_sends_a_full_skb_without_tso_deferral(void **state)
{
	struct tcp_fx *fx = *state;
	socket_spawn(fx->b, "sink", 0, tt_bulk_sink, fx);
	socket_spawn(fx->a, "writer", SIM_MS, push_one_writer, fx);
	sim_run_until(fx->sim, 2 * SIM_S);
	assert_int_equal(fx->rc[0], 0);
	assert_true(fx->rc[1] > (int)MSS);	/* GSO skbs */
	assert_true(fx->rc[1] < 40 * (int)MSS); /* the write fills one and more */
	assert_int_equal(fx->rc[2], 40 * MSS);
	assert_int_equal(fx->bytes[0], 48 * MSS + 1);
	assert_true(fx->t[0] < fx->t[1] + RTT); /* before the first ACK */
	/* the first data segment sent after fx->t[0]: the tap sees it a
	 * one-way delay and its serialisation (121 us) later */
	sim_time_t first = -1;
	for (guint i = 0; i < fx->ab.segs->len && first < 0; i++) {
		const struct tt_seg *sg = tt_seg(&fx->ab, i);
		if (sg->len && sg->t - RTT / 2 >= fx->t[0])
			first = sg->t - RTT / 2;
	}
	assert_true(first >= fx->t[0]);
	assert_true(first - fx->t[0] < SIM_MS);
}

/* ---- retransmissions and what is still below TCP (6.6 tcp_output.c) ---------------- */

/*
 * Linux skb_still_in_host_queue (from tcp_send_loss_probe and
 * __tcp_retransmit_skb): at 1 Mbit/s the initial window of ten segments
 * takes 117 ms to leave a's qdisc, while the handshake measured an RTT of
 * well under a millisecond, so the tail loss probe is due (2 srtt + 2 ms)
 * long before the last segment has left the host.  Resending it then would
 * put a second copy in the queue behind the first: the probe is not sent,
 * TCPSpuriousRtxHostQueues counts, and every segment goes once.
 */
static void
test_no_retransmission_while_the_copy_is_in_a_host_queue(void **state)
{
	struct tcp_fx *fx = *state;
	fx->src = (struct tt_source_opts){ .chunk = 10 * MSS, .linger = SIM_S };
	tt_run_bulk(fx, 10 * (int)MSS, tt_source, 5 * SIM_S);
	struct tcp_sock *tp = tcp_sk(fx->held[0]);
	assert_true(tcp_mib(fx->a)->tcp_spurious_rtx_host_queues >= 1);
	assert_int_equal(tp->retrans_segs, 0);
	assert_int_equal(tp->tlp_probes, 0);
	for (unsigned n = 1; n <= 10; n++)
		assert_int_equal(tt_times_sent(&fx->ab, tt_nth_seq(&fx->ab, n)), 1);
	sim_run_until(fx->sim, 10 * SIM_S);
}

/* Every 10 us: when a's head skb, once retransmitted, was handed down. */
static sim_time_t rtx_handed_down;

static void
sample_rtx(struct sim *sim, void *a, void *b)
{
	struct tcp_fx *fx = a;
	(void)b;
	struct sk_buff *head = fx->held[0] ? skb_peek(&fx->held[0]->sk_write_queue) : NULL;
	if (head && TCP_SKB_CB(head)->retransmitted && !rtx_handed_down)
		rtx_handed_down = TCP_SKB_CB(head)->when;
	if (sim_now(sim) < SIM_S)
		sim_schedule(sim, 10 * SIM_US, sample_rtx, fx, NULL);
}

/*
 * Linux tcp_xmit_retransmit_queue checks TSQ before each retransmission
 * with the limit doubled (tcp_small_queue_check(sk, skb, 1)).  The
 * tcp-loss-and-fast-retransmit lecture's path: one 20000-byte write over
 * 10 Mbit/s, 1 ms each way, data segment 4 lost.  When the third duplicate
 * ACK arrives, a's qdisc still holds the rest of the window, more than
 * twice the limit (max(two skbs, 1 ms at the pacing rate)): the
 * retransmission waits in TCP for TX completions (one every 1.2 ms on
 * this wire) instead of joining the queue at once; it goes from the TSQ
 * tasklet.  (On the wire nothing changes: it would have waited behind the
 * same segments in the qdisc.)
 */
static void
test_retransmission_waits_for_tsq_with_the_limit_doubled(void **state)
{
	struct tcp_fx *fx = *state;
	tt_drop(&fx->ab, 4);
	rtx_handed_down = 0;
	sim_schedule(fx->sim, SIM_MS, sample_rtx, fx, NULL);
	fx->src = (struct tt_source_opts){ .chunk = 20000, .linger = SIM_S };
	tt_run_bulk(fx, 20000, tt_source, 5 * SIM_S);
	struct tcp_sock *tp = tcp_sk(fx->held[0]);
	assert_int_equal(tp->fast_retrans, 1);
	assert_int_equal(tp->retrans_segs, 1);
	/* the third duplicate ACK's arrival at a */
	uint32_t hole = tt_nth_seq(&fx->ab, 4);
	sim_time_t third = 0;
	int dups = 0;
	for (guint i = 0; i < fx->ba.segs->len && !third; i++)
		if (tt_seg(&fx->ba, i)->ack == hole && !tt_seg(&fx->ba, i)->len && ++dups == 4)
			third = tt_seg(&fx->ba, i)
					->t; /* the first ACK of hole, then 3 duplicates */
	assert_true(third > 0);
	assert_true(rtx_handed_down > 0);
	assert_true(rtx_handed_down - third >= SIM_MS);
	sim_run_until(fx->sim, 10 * SIM_S);
}

static int
setup_10mbit(void **state)
{
	*state = tcp_fx_new(&(struct tcp_fx_opts){ .rate = 10000000, .delay = SIM_MS });
	return 0;
}

static int
setup_1mbit(void **state)
{
	*state = tcp_fx_new(&(struct tcp_fx_opts){ .rate = 1000000, .no_timestamps = true });
	return 0;
}

static int
setup_tso(void **state)
{
	*state = tcp_fx_new(&(struct tcp_fx_opts){
		.rate = 100000000, .delay = RTT / 2, .no_timestamps = true, .tso = true });
	return 0;
}

static int
setup(void **state)
{
	*state = tcp_fx_new(&(struct tcp_fx_opts){
		.rate = 100000000, .delay = RTT / 2, .no_timestamps = true });
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tsq_bounds_what_waits_below_tcp, setup,
						tcp_fx_teardown),
		cmocka_unit_test_setup_teardown(test_tsq_default_limit_lets_the_window_queue, setup,
						tcp_fx_teardown),
		cmocka_unit_test_setup_teardown(test_tsq_completion_sends_the_next_skb, setup,
						tcp_fx_teardown),
		cmocka_unit_test_setup_teardown(test_autocork_holds_a_small_tail_until_completion,
						setup, tcp_fx_teardown),
		cmocka_unit_test_setup_teardown(
			test_without_autocorking_short_writes_go_until_tsq_throttles, setup,
			tcp_fx_teardown),
		cmocka_unit_test_setup_teardown(
			test_tso_should_defer_holds_a_sub_goal_send_and_the_deferral_ends, setup,
			tcp_fx_teardown),
		cmocka_unit_test_setup_teardown(
			test_tcp_push_one_sends_a_full_skb_without_tso_deferral, setup_tso,
			tcp_fx_teardown),
		cmocka_unit_test_setup_teardown(
			test_no_retransmission_while_the_copy_is_in_a_host_queue, setup_1mbit,
			tcp_fx_teardown),
		cmocka_unit_test_setup_teardown(
			test_retransmission_waits_for_tsq_with_the_limit_doubled, setup_10mbit,
			tcp_fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
