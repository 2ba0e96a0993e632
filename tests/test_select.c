/*
 * tests/test_select.c - select() (stack/select.c), SO_RCVTIMEO and
 * SO_SNDTIMEO, and EPIPE with MSG_NOSIGNAL on a write to a closed TCP
 * connection, with the errno values Linux gives on misuse.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <glib.h>
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sys/select.h>
#include <sys/time.h>

#include "stack/socket.h"
#include "tests/socket_test.h"

struct fx {
	struct pair p;
	int rc[16];
	int err[16];
	int64_t t[4];
	struct timeval tv;
	bool rset, wset;
	struct pollfd pf[1]; /* user memory that another process rewrites */
	fd_set shared;
};

PAIR_FIXTURE(struct fx, 11)

/* b: select for reading on UDP 9000 (no timeout), then for nothing ready with 50 ms. */
static int
selector(struct proc *p, void *arg)
{
	(void)p;
	struct fx *fx = arg;
	int s = ns_socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in me = sin_of("0.0.0.0", 9000);
	ns_bind(s, (struct sockaddr *)&me, sizeof me);
	fd_set r;
	FD_ZERO(&r);
	FD_SET(s, &r);
	fx->t[0] = ns_now();
	fx->rc[0] = ns_select(s + 1, &r, NULL, NULL, NULL);
	fx->t[1] = ns_now();
	fx->rset = FD_ISSET(s, &r);
	char buf[16];
	ns_recv(s, buf, sizeof buf, 0);
	FD_ZERO(&r);
	FD_SET(s, &r);
	fx->tv = (struct timeval){ 0, 50000 };
	int64_t t0 = ns_now();
	fx->rc[1] = ns_select(s + 1, &r, NULL, NULL, &fx->tv);
	fx->t[2] = ns_now() - t0;
	fx->rc[2] = FD_ISSET(s, &r);
	fd_set w;
	FD_ZERO(&w);
	FD_SET(s, &w);
	fx->rc[3] = ns_select(s + 1, NULL, &w, NULL, NULL); /* UDP is writable at once */
	fx->wset = FD_ISSET(s, &w);
	/* misuse */
	FD_ZERO(&r);
	FD_SET(40, &r);
	fx->rc[4] = ns_select(41, &r, NULL, NULL, NULL);
	fx->err[4] = errno;
	fx->rc[5] = ns_select(-1, NULL, NULL, NULL, NULL);
	fx->err[5] = errno;
	struct timeval bad = { 0, -1 };
	fx->rc[6] = ns_select(0, NULL, NULL, NULL, &bad);
	fx->err[6] = errno;
	ns_close(s);
	return 0;
}

static int
udp_sender(struct proc *p, void *arg)
{
	(void)p;
	(void)arg;
	int s = ns_socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in to = sin_of(B_ADDR, 9000);
	ns_sendto(s, "x", 1, 0, (struct sockaddr *)&to, sizeof to);
	ns_close(s);
	return 0;
}

static void
test_select_waits_for_readable_and_times_out(void **state)
{
	struct fx *fx = *state;
	socket_spawn(fx->p.b, "sel", 0, selector, fx);
	socket_spawn(fx->p.a, "tx", 10 * SIM_MS, udp_sender, fx);
	sim_run_until(fx->p.sim, SIM_S);
	assert_int_equal(fx->rc[0], 1);
	assert_true(fx->rset);
	assert_true(fx->t[1] - fx->t[0] >= 10 * SIM_MS); /* it blocked until the datagram came */
	assert_int_equal(fx->rc[1], 0);
	assert_int_equal(fx->rc[2], 0); /* the set is cleared */
	assert_true(fx->t[2] >= 50 * SIM_MS && fx->t[2] < 51 * SIM_MS);
	assert_int_equal(fx->tv.tv_sec, 0);
	assert_int_equal(fx->tv.tv_usec, 0); /* Linux writes back the time left */
	assert_int_equal(fx->rc[3], 1);
	assert_true(fx->wset);
	assert_int_equal(fx->rc[4], -1);
	assert_int_equal(fx->err[4], EBADF);
	assert_int_equal(fx->err[5], EINVAL);
	assert_int_equal(fx->err[6], EINVAL);
}

static int
timeouts(struct proc *p, void *arg)
{
	(void)p;
	struct fx *fx = arg;
	int s = ns_socket(AF_INET, SOCK_DGRAM, 0);
	struct timeval tv = { 0, 20000 };
	fx->rc[0] = ns_setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	struct timeval got = { 9, 9 };
	socklen_t gl = sizeof got;
	ns_getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &got, &gl);
	fx->rc[1] = (int)(got.tv_sec * 1000000 + got.tv_usec);
	char buf[4];
	int64_t t0 = ns_now();
	fx->rc[2] = (int)ns_recv(s, buf, sizeof buf, 0);
	fx->err[2] = errno;
	fx->t[0] = ns_now() - t0;
	struct timeval bad = { 0, 1000000 };
	fx->rc[3] = ns_setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &bad, sizeof bad);
	fx->err[3] = errno;
	fx->rc[4] = ns_setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, 4);
	fx->err[4] = errno;
	ns_close(s);
	/* SO_SNDTIMEO on a stream with nobody reading: part written, then the timeout */
	int sv[2];
	ns_socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	struct timeval st = { 0, 10000 };
	ns_setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &st, sizeof st);
	char *big = g_malloc0(4 << 20);
	t0 = ns_now();
	fx->rc[5] = (int)ns_write(sv[0], big, 4 << 20);
	fx->t[1] = ns_now() - t0;
	fx->rc[6] = (int)ns_write(sv[0], big, 4 << 20);
	fx->err[6] = errno;
	g_free(big);
	ns_close(sv[0]);
	ns_close(sv[1]);
	return 0;
}

static void
test_so_rcvtimeo_and_so_sndtimeo_end_a_blocked_call(void **state)
{
	struct fx *fx = *state;
	socket_spawn(fx->p.a, "t", 0, timeouts, fx);
	sim_run_until(fx->p.sim, SIM_S);
	assert_int_equal(fx->rc[0], 0);
	assert_int_equal(fx->rc[1], 20000);
	assert_int_equal(fx->rc[2], -1);
	assert_int_equal(fx->err[2], EAGAIN);
	assert_true(fx->t[0] >= 20 * SIM_MS && fx->t[0] < 21 * SIM_MS);
	assert_int_equal(fx->err[3], EDOM);
	assert_int_equal(fx->err[4], EINVAL);
	assert_true(fx->rc[5] > 0 && fx->rc[5] < (4 << 20));
	assert_true(fx->t[1] >= 10 * SIM_MS && fx->t[1] < 11 * SIM_MS);
	assert_int_equal(fx->rc[6], -1);
	assert_int_equal(fx->err[6], EAGAIN);
}

/* b: accept one connection and close it at once. */
static int
closer(struct proc *p, void *arg)
{
	(void)p;
	(void)arg;
	int l = ns_socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in me = sin_of("0.0.0.0", 80);
	ns_bind(l, (struct sockaddr *)&me, sizeof me);
	ns_listen(l, 1);
	int s = ns_accept(l, NULL, NULL);
	ns_close(s);
	ns_close(l);
	return 0;
}

/* a: write after the peer closed: the first write is sent (and answered
 * with a RST), the next one fails with EPIPE. */
static int
writer(struct proc *p, void *arg)
{
	(void)p;
	struct fx *fx = arg;
	int s = ns_socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in to = sin_of(B_ADDR, 80);
	ns_connect(s, (struct sockaddr *)&to, sizeof to);
	ns_sleep(50 * SIM_MS); /* the FIN has arrived */
	fx->rc[0] = (int)ns_send(s, "a", 1, MSG_NOSIGNAL);
	ns_sleep(50 * SIM_MS); /* the RST has arrived */
	fx->rc[1] = (int)ns_send(s, "b", 1, MSG_NOSIGNAL);
	fx->err[1] = errno;
	fx->rc[2] = (int)ns_send(s, "c", 1, MSG_NOSIGNAL);
	fx->err[2] = errno;
	ns_close(s);
	return 0;
}

static void
test_write_to_closed_connection_is_epipe_with_msg_nosignal(void **state)
{
	struct fx *fx = *state;
	socket_spawn(fx->p.b, "srv", 0, closer, fx);
	socket_spawn(fx->p.a, "cli", SIM_MS, writer, fx);
	sim_run_until(fx->p.sim, 2 * SIM_S);
	assert_int_equal(fx->rc[0], 1);
	assert_int_equal(fx->rc[1], -1);
	/* the RST reaches a socket in CLOSE_WAIT: Linux tcp_reset sets EPIPE */
	assert_int_equal(fx->err[1], EPIPE); /* Linux tcp_reset in CLOSE_WAIT: EPIPE */
	assert_int_equal(fx->rc[2], -1);
	assert_int_equal(fx->err[2], EPIPE);
}

/* b: poll, then select, on UDP 9000 with arrays in fx, which the scribbler
 * rewrites while the call waits. */
static int
shared_waiter(struct proc *p, void *arg)
{
	(void)p;
	struct fx *fx = arg;
	int s = ns_socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in me = sin_of("0.0.0.0", 9000);
	ns_bind(s, (struct sockaddr *)&me, sizeof me);
	fx->pf[0] = (struct pollfd){ .fd = s, .events = POLLIN };
	fx->rc[0] = ns_poll(fx->pf, 1, -1);
	char buf[16];
	ns_recv(s, buf, sizeof buf, 0);
	FD_ZERO(&fx->shared);
	FD_SET(s, &fx->shared);
	fx->rc[1] = ns_select(s + 1, &fx->shared, NULL, NULL, NULL);
	fx->rc[2] = FD_ISSET(s, &fx->shared);
	fx->rc[3] = s;
	ns_close(s);
	return 0;
}

/* b, while the waiter waits: an fd that does not exist in its table. */
static int
scribbler(struct proc *p, void *arg)
{
	(void)p;
	struct fx *fx = arg;
	fx->pf[0] = (struct pollfd){ .fd = 99, .events = 0 };
	ns_sleep(10 * SIM_MS);
	FD_ZERO(&fx->shared);
	return 0;
}

/* Linux do_sys_poll and core_sys_select copy the caller's arrays in and
 * write only results back: rewriting them during the wait changes nothing. */
static void
test_poll_and_select_use_their_own_copy_of_the_arrays(void **state)
{
	struct fx *fx = *state;
	socket_spawn(fx->p.b, "waiter", 0, shared_waiter, fx);
	socket_spawn(fx->p.b, "scribbler", SIM_MS, scribbler, fx);
	socket_spawn(fx->p.a, "send1", 5 * SIM_MS, udp_sender, fx);
	socket_spawn(fx->p.a, "send2", 20 * SIM_MS, udp_sender, fx);
	sim_run_until(fx->p.sim, SIM_S);
	assert_int_equal(fx->rc[0], 1);
	assert_int_equal(fx->pf[0].fd, 99); /* only revents is written back */
	assert_int_equal(fx->pf[0].revents, POLLIN);
	assert_int_equal(fx->rc[1], 1);
	assert_true(fx->rc[2]); /* the result set, over the scribbled one */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_select_waits_for_readable_and_times_out, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_so_rcvtimeo_and_so_sndtimeo_end_a_blocked_call,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_write_to_closed_connection_is_epipe_with_msg_nosignal, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_poll_and_select_use_their_own_copy_of_the_arrays, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
