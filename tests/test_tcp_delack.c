/*
 * tests/test_tcp_delack.c - when a TCP receiver sends its ACK, as Linux 6.6
 * decides it (stack/tcp_input.c tcp_event_data_recv, tcp_ack_snd_check;
 * tcp_output.c tcp_send_delayed_ack; tcp_timer.c tcp_delack_timer; tcp.c
 * tcp_cleanup_rbuf and TCP_QUICKACK): quick-ACK mode at the start, an ACK
 * for more than one rcv_mss, the delayed ACK after ato, ato growing with
 * the gaps, pingpong mode, TCP_QUICKACK, and the bsd-1996 profile.
 *
 * Every test runs real processes on the tcp_test.h world (host a writes,
 * host b receives) and reads the times of the segments off its tap.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/tcp_test.h"

TCP_FIXTURE

/* 100 ms each way: an RTT of 200 ms, so that ato may grow past 40 ms. */
static int
setup_rtt_200ms(void **state)
{
	*state = tcp_fx_new(&(struct tcp_fx_opts){ .delay = 100 * SIM_MS });
	return 0;
}

/* ---- helpers --------------------------------------------------------------------------- */

static void
sleep_until(sim_time_t t)
{
	if (t > ns_now())
		ns_sleep(t - ns_now());
}

static int
dl_connect(void)
{
	int s = ns_socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in to = tt_sin(B_ADDR, 5001);
	g_assert_cmpint(ns_connect(s, (struct sockaddr *)&to, sizeof to), ==, 0);
	return s;
}

static int
dl_accept(void)
{
	int l = ns_socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in me = tt_sin("0.0.0.0", 5001);
	g_assert_cmpint(ns_bind(l, (struct sockaddr *)&me, sizeof me), ==, 0);
	g_assert_cmpint(ns_listen(l, 4), ==, 0);
	int c = ns_accept(l, NULL, NULL);
	ns_close(l);
	return c;
}

static void
dl_write(int fd, size_t n)
{
	static char buf[65536];
	g_assert_cmpuint(n, <=, sizeof buf);
	g_assert_cmpint(ns_write(fd, buf, n), ==, (ssize_t)n);
}

/* Read exactly @n bytes (or to EOF with n = 0). */
static size_t
dl_read(int fd, size_t n)
{
	static char buf[65536];
	size_t got = 0;
	ssize_t r;
	while ((n == 0 || got < n) &&
	       (r = ns_read(fd, buf, n ? MIN(n - got, sizeof buf) : sizeof buf)) > 0)
		got += (size_t)r;
	return got;
}

/* The time of the @nth (1-based) data segment of @d sent after @from. */
static sim_time_t
dl_data_time(struct tt_dir *d, sim_time_t from, int nth, uint32_t *end_seq)
{
	for (guint i = 0; i < d->segs->len; i++) {
		struct tt_seg *s = tt_seg(d, i);
		if (s->t >= from && s->len && --nth == 0) {
			if (end_seq)
				*end_seq = s->seq + s->len;
			return s->t;
		}
	}
	return 0;
}

/* The first pure ACK of @d at or after @from acknowledging @seq. */
static sim_time_t
dl_ack_time(struct tt_dir *d, sim_time_t from, uint32_t seq)
{
	for (guint i = 0; i < d->segs->len; i++) {
		struct tt_seg *s = tt_seg(d, i);
		if (s->t >= from && !s->len && !(s->flags & (TCPHDR_SYN | TCPHDR_FIN)) &&
		    !before(s->ack, seq))
			return s->t;
	}
	return 0;
}

/* Pure ACKs of @d in [from, to). */
static unsigned
dl_pure_acks(struct tt_dir *d, sim_time_t from, sim_time_t to)
{
	unsigned n = 0;
	for (guint i = 0; i < d->segs->len; i++) {
		struct tt_seg *s = tt_seg(d, i);
		n += s->t >= from && s->t < to && !s->len &&
			!(s->flags & (TCPHDR_SYN | TCPHDR_FIN | TCPHDR_RST));
	}
	return n;
}

/* ---- quick-ACK mode ---------------------------------------------------------------------- */

/* a: one write of 100 bytes at 10 ms.  b: accepts and reads only at 300 ms. */
static int
lone_writer(struct proc *p, void *arg)
{
	(void)p;
	(void)arg;
	int s = dl_connect();
	sleep_until(10 * SIM_MS);
	dl_write(s, 100);
	sleep_until(400 * SIM_MS);
	ns_close(s);
	return 0;
}

static int
late_reader(struct proc *p, void *arg)
{
	(void)p;
	struct tcp_fx *fx = arg;
	int c = dl_accept();
	sleep_until(300 * SIM_MS);
	fx->bytes[0] = dl_read(c, 0);
	ns_close(c);
	return 0;
}

static void
test_delack_first_segment_is_acked_at_once_in_quickack_mode(void **state)
{
	struct tcp_fx *fx = *state;
	socket_spawn(fx->b, "reader", 0, late_reader, fx);
	socket_spawn(fx->a, "writer", SIM_MS, lone_writer, fx);
	sim_run_until(fx->sim, 200 * SIM_MS);
	/* Linux tcp_event_data_recv: the first data starts quick-ACK mode, so
	 * the ACK leaves in the softirq that received it, though the reader
	 * has not read (RFC 1122's rule alone would wait for the timer). */
	uint32_t end = 0;
	sim_time_t t_data = dl_data_time(&fx->ab, 0, 1, &end);
	sim_time_t t_ack = dl_ack_time(&fx->ba, t_data, end);
	assert_true(t_data > 0 && t_ack > 0);
	assert_true(t_ack - t_data < 100 * SIM_US);
	sim_run_until(fx->sim, 10 * SIM_S);
	assert_int_equal(fx->bytes[0], 100);
}

/* bsd-1996: 4.4BSD delays the same ACK to the next 200 ms fast-timeout tick. */
static void
test_delack_bsd_profile_acks_at_the_next_fast_timeout_tick(void **state)
{
	struct tcp_fx *fx = *state;
	dev_host_config(fx->b)->kernel = KERNEL_BSD_1996;
	socket_spawn(fx->b, "reader", 0, late_reader, fx);
	socket_spawn(fx->a, "writer", SIM_MS, lone_writer, fx);
	sim_run_until(fx->sim, 250 * SIM_MS);
	uint32_t end = 0;
	sim_time_t t_data = dl_data_time(&fx->ab, 0, 1, &end);
	sim_time_t t_ack = dl_ack_time(&fx->ba, t_data, end);
	assert_true(t_data > 10 * SIM_MS && t_data < 11 * SIM_MS);
	assert_true(t_ack >= 200 * SIM_MS && t_ack < 201 * SIM_MS);
	sim_run_until(fx->sim, 10 * SIM_S);
	assert_int_equal(fx->bytes[0], 100);
}

/* ---- after quick-ACK mode -------------------------------------------------------------- */

/* a: 40 full segments at 1 ms (quick ACKs used up), then 2 full segments at
 * 50 ms, then 100 bytes at 100 ms.  b reads the first 42 segments as they
 * come and the last 100 bytes only at 300 ms. */
static int
steady_writer(struct proc *p, void *arg)
{
	(void)p;
	(void)arg;
	int s = dl_connect();
	sleep_until(SIM_MS);
	dl_write(s, 40 * 1460);
	sleep_until(50 * SIM_MS);
	dl_write(s, 2 * 1460);
	sleep_until(100 * SIM_MS);
	dl_write(s, 100);
	sleep_until(400 * SIM_MS);
	ns_close(s);
	return 0;
}

static int
steady_reader(struct proc *p, void *arg)
{
	(void)p;
	struct tcp_fx *fx = arg;
	int c = dl_accept();
	fx->bytes[0] = dl_read(c, 42 * 1460);
	sleep_until(300 * SIM_MS);
	fx->bytes[0] += dl_read(c, 0);
	ns_close(c);
	return 0;
}

static void
test_delack_acks_at_once_when_more_than_one_rcv_mss_is_unacked(void **state)
{
	struct tcp_fx *fx = *state;
	socket_spawn(fx->b, "reader", 0, steady_reader, fx);
	socket_spawn(fx->a, "writer", SIM_MS, steady_writer, fx);
	sim_run_until(fx->sim, 90 * SIM_MS);
	tt_dump(fx);
	/* Linux __tcp_ack_snd_check: the first full segment (rcv_nxt - rcv_wup
	 * = rcv_mss) waits; the second makes it more than rcv_mss and the
	 * window still opens, so one ACK goes at once for both. */
	uint32_t end1 = 0, end2 = 0;
	sim_time_t t1 = dl_data_time(&fx->ab, 50 * SIM_MS, 1, &end1);
	sim_time_t t2 = dl_data_time(&fx->ab, 50 * SIM_MS, 2, &end2);
	assert_true(t1 > 0 && t2 > t1);
	assert_int_equal(dl_pure_acks(&fx->ba, t1, t2), 0);
	/* ... and the 24-byte pushed tail (two writes of 1460 are 2 x 1448
	 * + 24) is acknowledged when the read that takes it empties the
	 * queue (__tcp_cleanup_rbuf).  Before rcv_ssthresh, the window
	 * offered was the whole free buffer, which fell as data queued, so
	 * the first ACK waited for the read and one ACK covered all. */
	assert_int_equal(dl_pure_acks(&fx->ba, 50 * SIM_MS, 90 * SIM_MS), 2);
	sim_time_t t_ack = dl_ack_time(&fx->ba, t2, end2);
	assert_true(t_ack > 0 && t_ack - t2 < 100 * SIM_US);
	sim_run_until(fx->sim, 10 * SIM_S);
	assert_int_equal(fx->bytes[0], 42 * 1460 + 100);
}

static void
test_delack_lone_segment_waits_ato_after_quickack_mode(void **state)
{
	struct tcp_fx *fx = *state;
	socket_spawn(fx->b, "reader", 0, steady_reader, fx);
	socket_spawn(fx->a, "writer", SIM_MS, steady_writer, fx);
	sim_run_until(fx->sim, 200 * SIM_MS);
	/* The quick ACKs are used up (16 of them: 40 segments were ACKed
	 * mostly in pairs), nobody reads, and one segment is less than
	 * rcv_mss: the ACK waits for the timer, ato = TCP_ATO_MIN = 40 ms. */
	assert_true(dl_pure_acks(&fx->ba, SIM_MS, 50 * SIM_MS) >= 16);
	assert_true(dl_pure_acks(&fx->ba, SIM_MS, 50 * SIM_MS) < 40);
	uint32_t end = 0;
	sim_time_t t_data = dl_data_time(&fx->ab, 100 * SIM_MS, 1, &end);
	sim_time_t t_ack = dl_ack_time(&fx->ba, t_data, end);
	assert_true(t_data > 0 && t_ack > 0);
	assert_true(t_ack - t_data >= 40 * SIM_MS);
	assert_true(t_ack - t_data < 41 * SIM_MS);
	sim_run_until(fx->sim, 10 * SIM_S);
	assert_int_equal(fx->bytes[0], 42 * 1460 + 100);
}

/* a (TCP_NODELAY): 24 writes of 100 bytes, 150 ms apart from 500 ms (the
 * handshake takes 400 ms); b reads nothing until 5 s. */
#define PACED_WRITES 24
static int
paced_writer(struct proc *p, void *arg)
{
	(void)p;
	(void)arg;
	int s = dl_connect();
	int one = 1;
	ns_setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	for (int i = 0; i < PACED_WRITES; i++) {
		sleep_until((sim_time_t)(500 + 150 * i) * SIM_MS);
		dl_write(s, 100);
	}
	sleep_until(5500 * SIM_MS);
	ns_close(s);
	return 0;
}

static int
idle_reader(struct proc *p, void *arg)
{
	(void)p;
	struct tcp_fx *fx = arg;
	int c = dl_accept();
	sleep_until(5 * SIM_S);
	fx->bytes[0] = dl_read(c, 0);
	ns_close(c);
	return 0;
}

static void
test_delack_missed_delayed_acks_grow_ato_up_to_the_rtt(void **state)
{
	struct tcp_fx *fx = *state;
	socket_spawn(fx->b, "reader", 0, idle_reader, fx);
	socket_spawn(fx->a, "writer", SIM_MS, paced_writer, fx);
	sim_run_until(fx->sim, 5 * SIM_S);
	/* The first 16 segments are ACKed at once (TCP_MAX_QUICKACKS: half the
	 * window holds more full segments).  Then Linux tcp_delack_timer_handler
	 * doubles ato each time the timer had to send the ACK, and
	 * tcp_event_data_recv sets ato/2 + gap for a gap below ato;
	 * tcp_send_delayed_ack bounds an ato above 40 ms by the srtt (200 ms
	 * here) and TCP_DELACK_MAX.  So the 17th waits 40 ms, the 18th 80 ms,
	 * later ones longer, never beyond 200 ms. */
	sim_time_t delay[PACED_WRITES];
	for (int i = 0; i < PACED_WRITES; i++) {
		uint32_t end = 0;
		sim_time_t t = dl_data_time(&fx->ab, (sim_time_t)(500 + 150 * i) * SIM_MS, 1, &end);
		/* the taps see the data as b gets it, the ACK 100 ms after b sent it */
		sim_time_t a = dl_ack_time(&fx->ba, t, end);
		assert_true(t > 0 && a > 0);
		delay[i] = a - t - 100 * SIM_MS;
	}
	for (int i = 0; i < 16; i++)
		assert_true(delay[i] < 100 * SIM_US);
	assert_true(delay[16] >= 40 * SIM_MS && delay[16] < 41 * SIM_MS);
	assert_true(delay[17] >= 80 * SIM_MS && delay[17] < 81 * SIM_MS);
	/* From the 19th the delay (200 ms) outlasts the gap: the next segment
	 * finds the timer due within ato/4 and its arrival sends the ACK of
	 * both (150 ms for the one, at once for the other). */
	sim_time_t longest = 0;
	for (int i = 18; i < PACED_WRITES; i++) {
		assert_true(delay[i] <= 201 * SIM_MS);
		longest = MAX(longest, delay[i]);
	}
	assert_true(longest >= 150 * SIM_MS);
	sim_run_until(fx->sim, 20 * SIM_S);
	assert_int_equal(fx->bytes[0], PACED_WRITES * 100);
}

/* ---- pingpong mode ----------------------------------------------------------------------- */

/* a sends five 100-byte requests, 5 ms apart after each reply; b echoes. */
static int
rr_client(struct proc *p, void *arg)
{
	(void)p;
	struct tcp_fx *fx = arg;
	int s = dl_connect();
	sleep_until(10 * SIM_MS);
	for (int i = 0; i < 5; i++) {
		dl_write(s, 100);
		g_assert_cmpuint(dl_read(s, 100), ==, 100);
		fx->t[i] = ns_now();
		ns_sleep(5 * SIM_MS);
	}
	sleep_until(300 * SIM_MS);
	ns_close(s);
	return 0;
}

static int
echo_server(struct proc *p, void *arg)
{
	(void)p;
	struct tcp_fx *fx = arg;
	int c = dl_accept();
	char buf[100];
	ssize_t n;
	while ((n = ns_read(c, buf, sizeof buf)) > 0) {
		fx->bytes[0] += (size_t)n;
		ns_write(c, buf, (size_t)n);
	}
	ns_close(c);
	return 0;
}

static void
test_delack_pingpong_mode_acks_requests_with_the_replies(void **state)
{
	struct tcp_fx *fx = *state;
	socket_spawn(fx->b, "server", 0, echo_server, fx);
	socket_spawn(fx->a, "client", SIM_MS, rr_client, fx);
	sim_run_until(fx->sim, 200 * SIM_MS);
	/* The first request is ACKed at once (quick-ACK mode), then the reply
	 * follows within ato of it (Linux tcp_event_data_sent): b is in
	 * pingpong mode and the ACKs of the next requests ride on the
	 * replies.  a, whose next request follows each reply within ato,
	 * does the same from the second exchange on. */
	assert_int_equal(dl_pure_acks(&fx->ba, 10 * SIM_MS, fx->t[4]), 1);
	assert_int_equal(dl_pure_acks(&fx->ab, fx->t[0] + SIM_MS, fx->t[4]), 0);
	/* The last reply has no request to ride on: its ACK waits for the
	 * timer, which also ends a's pingpong mode. */
	uint32_t end = 0;
	sim_time_t t5 = dl_data_time(&fx->ba, fx->t[3] + SIM_MS, 1, &end);
	sim_time_t t_ack = dl_ack_time(&fx->ab, t5, end);
	assert_true(t5 > 0 && t_ack - t5 >= 40 * SIM_MS && t_ack - t5 < 41 * SIM_MS);
	assert_int_equal(tt_count_data(&fx->ab), 5);
	assert_int_equal(tt_count_data(&fx->ba), 5);
	sim_run_until(fx->sim, 10 * SIM_S);
	assert_int_equal(fx->bytes[0], 500);
}

/* ---- TCP_QUICKACK ---------------------------------------------------------------------- */

/* a: one byte at 5 ms, 100 bytes at 10 ms. */
static int
two_writes_writer(struct proc *p, void *arg)
{
	(void)p;
	(void)arg;
	int s = dl_connect();
	sleep_until(5 * SIM_MS);
	dl_write(s, 1);
	sleep_until(10 * SIM_MS);
	dl_write(s, 100);
	sleep_until(400 * SIM_MS);
	ns_close(s);
	return 0;
}

static int
quickack_reader(struct proc *p, void *arg)
{
	(void)p;
	struct tcp_fx *fx = arg;
	int c = dl_accept();
	/* the first read sends a window update (the SYN's window was at most
	 * 64 KiB), which would hide what TCP_QUICKACK does */
	fx->bytes[0] = dl_read(c, 1);
	int v = 0;
	socklen_t len = sizeof v;
	g_assert_cmpint(ns_setsockopt(c, IPPROTO_TCP, TCP_QUICKACK, &v, sizeof v), ==, 0);
	g_assert_cmpint(ns_getsockopt(c, IPPROTO_TCP, TCP_QUICKACK, &v, &len), ==, 0);
	fx->rc[0] = v;
	fx->bytes[0] += dl_read(c, 100); /* arrives at about 10 ms */
	sleep_until(25 * SIM_MS);
	fx->t[0] = ns_now();
	v = 1;
	g_assert_cmpint(ns_setsockopt(c, IPPROTO_TCP, TCP_QUICKACK, &v, sizeof v), ==, 0);
	g_assert_cmpint(ns_getsockopt(c, IPPROTO_TCP, TCP_QUICKACK, &v, &len), ==, 0);
	fx->rc[1] = v;
	fx->bytes[0] += dl_read(c, 0);
	ns_close(c);
	return 0;
}

static void
test_delack_tcp_quickack_sends_the_pending_ack_at_once(void **state)
{
	struct tcp_fx *fx = *state;
	socket_spawn(fx->b, "reader", 0, quickack_reader, fx);
	socket_spawn(fx->a, "writer", SIM_MS, two_writes_writer, fx);
	sim_run_until(fx->sim, 100 * SIM_MS);
	/* TCP_QUICKACK 0 (pingpong): the 100 bytes' ACK is delayed though
	 * the reader has read it; TCP_QUICKACK 1 at 25 ms sends it then
	 * (Linux __tcp_sock_set_quickack -> tcp_cleanup_rbuf), before the
	 * 40 ms timer. */
	assert_int_equal(fx->rc[0], 0);
	assert_int_equal(fx->rc[1], 1);
	uint32_t end = 0;
	sim_time_t t_data = dl_data_time(&fx->ab, 0, 2, &end);
	sim_time_t t_ack = dl_ack_time(&fx->ba, t_data, end);
	assert_true(t_data > 10 * SIM_MS && t_ack > 0);
	assert_true(t_ack >= fx->t[0] && t_ack - fx->t[0] < 100 * SIM_US);
	assert_true(t_ack - t_data < 40 * SIM_MS);
	sim_run_until(fx->sim, 10 * SIM_S);
	assert_int_equal(fx->bytes[0], 101);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_delack_first_segment_is_acked_at_once_in_quickack_mode, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_delack_bsd_profile_acks_at_the_next_fast_timeout_tick, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_delack_acks_at_once_when_more_than_one_rcv_mss_is_unacked, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_delack_lone_segment_waits_ato_after_quickack_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_delack_missed_delayed_acks_grow_ato_up_to_the_rtt, setup_rtt_200ms,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_delack_pingpong_mode_acks_requests_with_the_replies, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_delack_tcp_quickack_sends_the_pending_ack_at_once, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
