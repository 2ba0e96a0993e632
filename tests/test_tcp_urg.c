/*
 * tests/test_tcp_urg.c - TCP urgent data as Linux 6.6 does it
 * (stack/tcp_urg.c): send(MSG_OOB) sets URG and the urgent pointer, the
 * receiver holds the byte aside, a read stops at the mark, recv(MSG_OOB)
 * returns the byte once, SO_OOBINLINE, SIOCATMARK, SIOCINQ, POLLPRI and
 * select's exceptional set, and the errnos of tcp_recv_urg, udp_sendmsg
 * and raw_recvmsg.
 *
 * The expected values are what a Linux 6.18 kernel answered to the same
 * calls over loopback (the sequence is in docs/lecture-urgent-data.md).
 * Host a writes, host b reads, on the tcp_test.h world.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <poll.h>
#include <sys/ioctl.h>

#include "tests/tcp_test.h"

TCP_FIXTURE

/* What the writer does, chosen by the test. */
enum script { AB_C_DE, ONLY_X, A_THEN_B, INLINE_PQ_R, BULK_THEN_X };

static void
sleep_until(sim_time_t t)
{
	if (t > ns_now())
		ns_sleep(t - ns_now());
}

static int
writer(struct proc *p, void *arg)
{
	(void)p;
	struct tcp_fx *fx = arg;
	int s = ns_socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in to = tt_sin(B_ADDR, 5001);
	g_assert_cmpint(ns_connect(s, (struct sockaddr *)&to, sizeof to), ==, 0);
	sleep_until(10 * SIM_MS);
	switch ((enum script)fx->rc[15]) {
	case AB_C_DE:
		fx->rc[0] = (int)ns_send(s, "ab", 2, 0);
		fx->rc[1] = (int)ns_send(s, "c", 1, MSG_OOB);
		fx->rc[2] = (int)ns_send(s, "de", 2, 0);
		break;
	case ONLY_X: fx->rc[1] = (int)ns_send(s, "x", 1, MSG_OOB); break;
	case A_THEN_B:
		ns_send(s, "A", 1, MSG_OOB);
		ns_send(s, "B", 1, MSG_OOB);
		break;
	case INLINE_PQ_R:
		ns_send(s, "pq", 2, 0);
		ns_send(s, "r", 1, MSG_OOB);
		break;
	case BULK_THEN_X: {
		static char bulk[12000];
		fx->rc[0] = (int)ns_send(s, bulk, sizeof bulk, 0);
		fx->rc[1] = (int)ns_send(s, "x", 1, MSG_OOB);
		break;
	}
	}
	sleep_until(500 * SIM_MS);
	ns_close(s);
	return 0;
}

static int
accept_one(void)
{
	int l = ns_socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in me = tt_sin("0.0.0.0", 5001);
	g_assert_cmpint(ns_bind(l, (struct sockaddr *)&me, sizeof me), ==, 0);
	g_assert_cmpint(ns_listen(l, 4), ==, 0);
	int c = ns_accept(l, NULL, NULL);
	ns_close(l);
	return c;
}

/* Record a call's result (or -errno) in slot @i. */
#define REC(fx, i, call)                                 \
	do {                                             \
		errno = 0;                               \
		long r_ = (long)(call);                  \
		(fx)->rc[i] = r_ < 0 ? -errno : (int)r_; \
	} while (0)

static void
run(struct tcp_fx *fx, enum script sc, proc_main_fn reader)
{
	fx->rc[15] = sc;
	socket_spawn(fx->b, "reader", 0, reader, fx);
	socket_spawn(fx->a, "writer", SIM_MS, writer, fx);
	sim_run_until(fx->sim, 10 * SIM_S);
}

/* ---- the sender ---------------------------------------------------------------------------- */

static int
reader_drain(struct proc *p, void *arg)
{
	(void)p;
	(void)arg;
	int c = accept_one();
	char buf[64];
	sleep_until(100 * SIM_MS);
	while (ns_recv(c, buf, sizeof buf, MSG_DONTWAIT) > 0)
		;
	sleep_until(600 * SIM_MS);
	ns_close(c);
	return 0;
}

static void
test_urg_send_oob_sets_urg_and_the_pointer_past_the_byte(void **state)
{
	struct tcp_fx *fx = *state;
	run(fx, AB_C_DE, reader_drain);
	assert_int_equal(fx->rc[1], 1);
	/* "ab" (no URG), then "c" with URG and pointer 1 (one past "c", Linux
	 * tcp_stdurg = 0), then "de": its own sequence is past snd_up. */
	unsigned data = 0, urg = 0;
	for (guint i = 0; i < fx->ab.segs->len; i++) {
		struct tt_seg *s = tt_seg(&fx->ab, i);
		if (!s->len)
			continue;
		data++;
		if (s->flags & TCPHDR_URG) {
			urg++;
			assert_int_equal(s->len, 1);
			assert_int_equal(s->urg_ptr, 1);
		}
	}
	assert_int_equal(data, 3);
	assert_int_equal(urg, 1);
}

static void
test_urg_mode_ends_when_the_urgent_byte_is_acked(void **state)
{
	struct tcp_fx *fx = *state;
	run(fx, AB_C_DE, reader_drain);
	/* Nothing after the urgent byte's ACK carries URG: the FIN at 500 ms
	 * neither. */
	struct tt_seg *last = tt_seg(&fx->ab, fx->ab.segs->len - 1);
	unsigned fins = 0;
	for (guint i = 0; i < fx->ab.segs->len; i++) {
		struct tt_seg *s = tt_seg(&fx->ab, i);
		if (s->flags & TCPHDR_FIN) {
			fins++;
			assert_false(s->flags & TCPHDR_URG);
		}
	}
	assert_int_equal(fins, 1);
	assert_false(last->flags & TCPHDR_URG);
}

/* ---- the receiver --------------------------------------------------------------------------- */

static int
reader_oob(struct proc *p, void *arg)
{
	(void)p;
	struct tcp_fx *fx = arg;
	int c = accept_one();
	char buf[64] = { 0 };
	REC(fx, 3, ns_recv(c, buf, sizeof buf, MSG_OOB | MSG_DONTWAIT)); /* nothing yet */
	sleep_until(100 * SIM_MS);
	REC(fx, 4, ns_sockatmark(c)); /* "ab" lies ahead of the mark */
	REC(fx, 5, ns_recv(c, buf, sizeof buf, MSG_DONTWAIT));
	fx->match[0] = memcmp(buf, "ab", 2) == 0;
	REC(fx, 6, ns_sockatmark(c));
	char oob = 0;
	struct iovec iov = { &oob, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	REC(fx, 7, ns_recv(c, buf, sizeof buf, MSG_OOB | MSG_PEEK));
	REC(fx, 8, ns_recvmsg(c, &m, MSG_OOB));
	fx->match[1] = oob == 'c' && (m.msg_flags & MSG_OOB);
	REC(fx, 9, ns_recv(c, buf, sizeof buf, MSG_OOB)); /* read once only */
	memset(buf, 0, sizeof buf);
	REC(fx, 10, ns_recv(c, buf, sizeof buf, MSG_DONTWAIT));
	fx->match[2] = memcmp(buf, "de", 2) == 0;
	REC(fx, 11, ns_sockatmark(c));
	sleep_until(600 * SIM_MS);
	ns_close(c);
	return 0;
}

static void
test_urg_recv_oob_without_urgent_data_is_einval(void **state)
{
	struct tcp_fx *fx = *state;
	run(fx, AB_C_DE, reader_oob);
	assert_int_equal(fx->rc[3], -EINVAL); /* tcp_recv_urg: "Yes this is right !" */
}

static void
test_urg_read_stops_at_the_mark_and_sockatmark_says_so(void **state)
{
	struct tcp_fx *fx = *state;
	run(fx, AB_C_DE, reader_oob);
	assert_int_equal(fx->rc[4], 0);
	assert_int_equal(fx->rc[5], 2);
	assert_true(fx->match[0]);
	assert_int_equal(fx->rc[6], 1);
}

static void
test_urg_recv_oob_returns_the_byte_once_with_msg_oob_set(void **state)
{
	struct tcp_fx *fx = *state;
	run(fx, AB_C_DE, reader_oob);
	assert_int_equal(fx->rc[7], 1); /* MSG_PEEK leaves it */
	assert_int_equal(fx->rc[8], 1);
	assert_true(fx->match[1]);
	assert_int_equal(fx->rc[9], -EINVAL); /* TCP_URG_READ */
}

static void
test_urg_byte_is_not_in_the_normal_stream(void **state)
{
	struct tcp_fx *fx = *state;
	run(fx, AB_C_DE, reader_oob);
	assert_int_equal(fx->rc[10], 2); /* "de", without "c" */
	assert_true(fx->match[2]);
	assert_int_equal(fx->rc[11], 0);
}

static int
reader_only_x(struct proc *p, void *arg)
{
	(void)p;
	struct tcp_fx *fx = arg;
	int c = accept_one();
	char buf[64];
	sleep_until(100 * SIM_MS);
	struct pollfd pf = { .fd = c, .events = POLLIN | POLLPRI };
	REC(fx, 0, ns_poll(&pf, 1, 0));
	fx->rc[1] = pf.revents;
	fd_set rd, ex;
	FD_ZERO(&rd);
	FD_ZERO(&ex);
	FD_SET(c, &rd);
	FD_SET(c, &ex);
	struct timeval tv = { 0, 0 };
	REC(fx, 2, ns_select(c + 1, &rd, NULL, &ex, &tv));
	fx->match[0] = FD_ISSET(c, &ex) && !FD_ISSET(c, &rd);
	int inq = -1;
	REC(fx, 3, ns_ioctl(c, FIONREAD, &inq));
	fx->rc[4] = inq;
	/* A normal read steps over the byte: past the mark, it is gone. */
	REC(fx, 5, ns_recv(c, buf, sizeof buf, MSG_DONTWAIT));
	REC(fx, 6, ns_recv(c, buf, sizeof buf, MSG_OOB));
	sleep_until(600 * SIM_MS);
	ns_close(c);
	return 0;
}

static void
test_urg_poll_reports_pollpri_and_no_pollin_for_the_byte_alone(void **state)
{
	struct tcp_fx *fx = *state;
	run(fx, ONLY_X, reader_only_x);
	assert_int_equal(fx->rc[0], 1);
	assert_int_equal(fx->rc[1], POLLPRI); /* Linux: 0x2 */
}

static void
test_urg_select_reports_the_byte_as_an_exceptional_condition(void **state)
{
	struct tcp_fx *fx = *state;
	run(fx, ONLY_X, reader_only_x);
	assert_int_equal(fx->rc[2], 1);
	assert_true(fx->match[0]);
}

static void
test_urg_siocinq_does_not_count_the_out_of_line_byte(void **state)
{
	struct tcp_fx *fx = *state;
	run(fx, ONLY_X, reader_only_x);
	assert_int_equal(fx->rc[3], 0);
	assert_int_equal(fx->rc[4], 0);
}

static void
test_urg_reading_past_the_mark_loses_the_byte(void **state)
{
	struct tcp_fx *fx = *state;
	run(fx, ONLY_X, reader_only_x);
	assert_int_equal(fx->rc[5], -EAGAIN);
	assert_int_equal(fx->rc[6], -EINVAL);
}

static int
reader_a_then_b(struct proc *p, void *arg)
{
	(void)p;
	struct tcp_fx *fx = arg;
	int c = accept_one();
	char buf[64] = { 0 };
	sleep_until(100 * SIM_MS);
	REC(fx, 0, ns_recv(c, buf, sizeof buf, MSG_OOB));
	fx->rc[1] = buf[0];
	REC(fx, 2, ns_recv(c, buf, sizeof buf, MSG_DONTWAIT));
	sleep_until(600 * SIM_MS);
	ns_close(c);
	return 0;
}

static void
test_urg_a_second_urgent_byte_replaces_the_first(void **state)
{
	struct tcp_fx *fx = *state;
	run(fx, A_THEN_B, reader_a_then_b);
	assert_int_equal(fx->rc[0], 1);
	assert_int_equal(fx->rc[1], 'B');
	/* tcp_check_urg skipped A, which stood at the mark, out of line. */
	assert_int_equal(fx->rc[2], -EAGAIN);
}

static int
reader_inline(struct proc *p, void *arg)
{
	(void)p;
	struct tcp_fx *fx = arg;
	int c = accept_one();
	int one = 1, v = 0;
	socklen_t vl = sizeof v;
	REC(fx, 0, ns_setsockopt(c, SOL_SOCKET, SO_OOBINLINE, &one, sizeof one));
	ns_getsockopt(c, SOL_SOCKET, SO_OOBINLINE, &v, &vl);
	fx->rc[1] = v;
	char buf[64] = { 0 };
	sleep_until(100 * SIM_MS);
	struct pollfd pf = { .fd = c, .events = POLLIN | POLLPRI };
	ns_poll(&pf, 1, 0);
	fx->rc[2] = pf.revents;
	REC(fx, 3, ns_recv(c, buf, sizeof buf, MSG_OOB));
	REC(fx, 4, ns_recv(c, buf, sizeof buf, 0));
	REC(fx, 5, ns_sockatmark(c));
	memset(buf, 0, sizeof buf);
	REC(fx, 6, ns_recv(c, buf, sizeof buf, 0));
	fx->rc[7] = buf[0];
	sleep_until(600 * SIM_MS);
	ns_close(c);
	return 0;
}

static void
test_urg_oobinline_reads_the_byte_in_the_stream(void **state)
{
	struct tcp_fx *fx = *state;
	run(fx, INLINE_PQ_R, reader_inline);
	assert_int_equal(fx->rc[0], 0);
	assert_int_equal(fx->rc[1], 1);
	assert_int_equal(fx->rc[2], POLLIN | POLLPRI);
	assert_int_equal(fx->rc[3], -EINVAL); /* in line: no MSG_OOB */
	assert_int_equal(fx->rc[4], 2);	      /* "pq", up to the mark */
	assert_int_equal(fx->rc[5], 1);
	assert_int_equal(fx->rc[6], 1);
	assert_int_equal(fx->rc[7], 'r');
}

static int
reader_small_window(struct proc *p, void *arg)
{
	(void)p;
	struct tcp_fx *fx = arg;
	int l = ns_socket(AF_INET, SOCK_STREAM, 0);
	int small = 1024; /* doubled and floored: about 2.3 KB of window */
	ns_setsockopt(l, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
	struct sockaddr_in me = tt_sin("0.0.0.0", 5001);
	ns_bind(l, (struct sockaddr *)&me, sizeof me);
	ns_listen(l, 1);
	int c = ns_accept(l, NULL, NULL);
	ns_close(l);
	static char buf[16384];
	sleep_until(400 * SIM_MS); /* after the zero-window probes */
	struct pollfd pf = { .fd = c, .events = POLLPRI };
	ns_poll(&pf, 1, 0);
	fx->rc[2] = pf.revents;
	REC(fx, 3, ns_recv(c, buf, 1, MSG_OOB | MSG_DONTWAIT));
	/* read the normal data; the byte arrives behind it */
	size_t got = 0;
	while (got < 12000) {
		ssize_t n = ns_recv(c, buf, sizeof buf, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
		if (ns_sockatmark(c) == 1)
			break;
	}
	fx->bytes[0] = got;
	sleep_until(450 * SIM_MS);
	REC(fx, 4, ns_recv(c, buf, 1, MSG_OOB));
	fx->rc[5] = buf[0];
	sleep_until(600 * SIM_MS);
	ns_close(c);
	return 0;
}

static void
test_urg_pointer_ahead_of_its_byte_gives_eagain_then_the_byte(void **state)
{
	struct tcp_fx *fx = *state;
	run(fx, BULK_THEN_X, reader_small_window);
	assert_int_equal(fx->rc[1], 1);
	/* The zero window holds the byte back; the window probes sent
	 * meanwhile carry the pointer (__tcp_transmit_skb on every segment
	 * before snd_up), so b knows the byte is coming. */
	assert_int_equal(fx->rc[2], 0);	      /* no POLLPRI before the byte */
	assert_int_equal(fx->rc[3], -EAGAIN); /* TCP_URG_NOTYET */
	assert_int_equal(fx->bytes[0], 12000);
	assert_int_equal(fx->rc[4], 1);
	assert_int_equal(fx->rc[5], 'x');
}

/* ---- misuse --------------------------------------------------------------------------------- */

static int
misuse(struct proc *p, void *arg)
{
	(void)p;
	struct tcp_fx *fx = arg;
	char buf[4];
	int at = 0;
	int u = ns_socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in to = tt_sin(B_ADDR, 9);
	REC(fx, 0, ns_sendto(u, "x", 1, MSG_OOB, (struct sockaddr *)&to, sizeof to));
	REC(fx, 1, ns_recv(u, buf, 1, MSG_OOB | MSG_DONTWAIT)); /* ignored by UDP */
	REC(fx, 2, ns_ioctl(u, SIOCATMARK, &at));
	int r = ns_socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	REC(fx, 3, ns_recv(r, buf, 1, MSG_OOB | MSG_DONTWAIT));
	int l = ns_socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in me = tt_sin("0.0.0.0", 7000);
	ns_bind(l, (struct sockaddr *)&me, sizeof me);
	ns_listen(l, 1);
	REC(fx, 4, ns_recv(l, buf, 1, MSG_OOB));
	REC(fx, 5, ns_ioctl(l, SIOCATMARK, &at));
	fx->rc[6] = at;
	int t = ns_socket(AF_INET, SOCK_STREAM, 0);
	REC(fx, 7, ns_recv(t, buf, 1, MSG_OOB));
	REC(fx, 8, ns_ioctl(t, 0x1234, &at));
	REC(fx, 9, ns_ioctl(t, SIOCATMARK, (int *)NULL));
	REC(fx, 10, ns_ioctl(99, SIOCATMARK, &at));
	ns_close(u);
	ns_close(r);
	ns_close(l);
	ns_close(t);
	return 0;
}

static void
test_urg_errnos_of_misuse_match_linux(void **state)
{
	struct tcp_fx *fx = *state;
	socket_spawn(fx->a, "misuse", 0, misuse, fx);
	sim_run_until(fx->sim, SIM_S);
	assert_int_equal(fx->rc[0], -EOPNOTSUPP); /* udp_sendmsg */
	assert_int_equal(fx->rc[1], -EAGAIN);	  /* udp_recvmsg ignores MSG_OOB */
	assert_int_equal(fx->rc[2], -ENOTTY);	  /* udp_ioctl: not its command */
	assert_int_equal(fx->rc[3], -EOPNOTSUPP); /* raw_recvmsg */
	assert_int_equal(fx->rc[4], -ENOTCONN);	  /* tcp_recvmsg on a listener */
	assert_int_equal(fx->rc[5], 0);
	assert_int_equal(fx->rc[6], 0);
	assert_int_equal(fx->rc[7], -EINVAL); /* never connected: no urgent data */
	assert_int_equal(fx->rc[8], -ENOTTY);
	assert_int_equal(fx->rc[9], -EFAULT);
	assert_int_equal(fx->rc[10], -EBADF);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_urg_send_oob_sets_urg_and_the_pointer_past_the_byte, setup, teardown),
		cmocka_unit_test_setup_teardown(test_urg_mode_ends_when_the_urgent_byte_is_acked,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_urg_recv_oob_without_urgent_data_is_einval,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_urg_read_stops_at_the_mark_and_sockatmark_says_so, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_urg_recv_oob_returns_the_byte_once_with_msg_oob_set, setup, teardown),
		cmocka_unit_test_setup_teardown(test_urg_byte_is_not_in_the_normal_stream, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_urg_poll_reports_pollpri_and_no_pollin_for_the_byte_alone, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_urg_select_reports_the_byte_as_an_exceptional_condition, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_urg_siocinq_does_not_count_the_out_of_line_byte, setup, teardown),
		cmocka_unit_test_setup_teardown(test_urg_reading_past_the_mark_loses_the_byte,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_urg_a_second_urgent_byte_replaces_the_first,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_urg_oobinline_reads_the_byte_in_the_stream,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_urg_pointer_ahead_of_its_byte_gives_eagain_then_the_byte, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_urg_errnos_of_misuse_match_linux, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
