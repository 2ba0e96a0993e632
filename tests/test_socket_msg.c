/*
 * tests/test_socket_msg.c - the sendmsg and recvmsg system calls
 * (stack/socket_msg.c) on AF_INET sockets between two hosts: scatter and
 * gather, the sender's name, MSG_TRUNC, control messages, and the errno
 * values of Linux's ____sys_sendmsg / ___sys_recvmsg on misuse.
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
#include <sys/uio.h>

#include "stack/socket.h"
#include "tests/socket_test.h"

struct fx {
	struct pair p;
	int rc[8];
	int err[8];
	char got[256];
	struct msghdr rm;
	struct sockaddr_in from;
	uint16_t a_port;
	size_t rbuf1, rbuf2; /* receiver's two iovec sizes */
	int rflags;
};

static int
setup(void **state)
{
	pair_fx_setup(state, sizeof(struct fx), 5);
	struct fx *fx = *state;
	fx->rbuf1 = 4;
	fx->rbuf2 = 100;
	return 0;
}

static int
teardown(void **state)
{
	return pair_fx_teardown(state);
}

/* b: one recvmsg on UDP port 9000 into two iovecs (rbuf1, rbuf2 bytes). */
static int
receiver(struct proc *p, void *arg)
{
	(void)p;
	struct fx *fx = arg;
	int s = ns_socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in me = sin_of("0.0.0.0", 9000);
	ns_bind(s, (struct sockaddr *)&me, sizeof me);
	struct iovec iov[2] = { { fx->got, fx->rbuf1 }, { fx->got + 128, fx->rbuf2 } };
	char ctl[64];
	fx->rm = (struct msghdr){ .msg_name = &fx->from,
				  .msg_namelen = sizeof fx->from,
				  .msg_iov = iov,
				  .msg_iovlen = 2,
				  .msg_control = ctl,
				  .msg_controllen = sizeof ctl };
	fx->rc[0] = (int)ns_recvmsg(s, &fx->rm, fx->rflags);
	fx->err[0] = errno;
	ns_close(s);
	return 0;
}

/* a: "hello, " + "world" gathered from two iovecs to b:9000. */
static int
sender(struct proc *p, void *arg)
{
	(void)p;
	struct fx *fx = arg;
	int s = ns_socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in to = sin_of(B_ADDR, 9000);
	struct iovec iov[3] = { { "hello, ", 7 }, { NULL, 0 }, { "world", 5 } };
	struct msghdr m = {
		.msg_name = &to, .msg_namelen = sizeof to, .msg_iov = iov, .msg_iovlen = 3
	};
	fx->rc[1] = (int)ns_sendmsg(s, &m, 0);
	struct sockaddr_in me;
	socklen_t ml = sizeof me;
	ns_getsockname(s, (struct sockaddr *)&me, &ml);
	fx->a_port = ntohs(me.sin_port);
	ns_close(s);
	return 0;
}

static void
run_pair(struct fx *fx)
{
	socket_spawn(fx->p.b, "rx", 0, receiver, fx);
	socket_spawn(fx->p.a, "tx", SIM_MS, sender, fx);
	sim_run_until(fx->p.sim, SIM_S);
}

static void
test_sendmsg_gathers_and_recvmsg_scatters_with_sender_name(void **state)
{
	struct fx *fx = *state;
	run_pair(fx);
	assert_int_equal(fx->rc[1], 12);
	assert_int_equal(fx->rc[0], 12);
	assert_memory_equal(fx->got, "hell", 4);
	assert_memory_equal(fx->got + 128, "o, world", 8);
	assert_int_equal(fx->rm.msg_flags, 0);
	assert_int_equal(fx->rm.msg_namelen, sizeof(struct sockaddr_in));
	assert_int_equal(ntohs(fx->from.sin_port), fx->a_port);
	assert_int_equal(fx->from.sin_addr.s_addr, sin_of(A_ADDR, 0).sin_addr.s_addr);
	assert_int_equal(fx->rm.msg_controllen, 0); /* AF_INET gives no control messages */
}

static void
test_recvmsg_short_buffer_sets_msg_trunc(void **state)
{
	struct fx *fx = *state;
	fx->rbuf1 = 3;
	fx->rbuf2 = 2;
	run_pair(fx);
	assert_int_equal(fx->rc[0], 5);
	assert_true(fx->rm.msg_flags & MSG_TRUNC);
	assert_memory_equal(fx->got, "hel", 3);
	assert_memory_equal(fx->got + 128, "lo", 2);
}

static void
test_recvmsg_with_msg_trunc_returns_the_datagram_length(void **state)
{
	struct fx *fx = *state;
	fx->rbuf1 = 3;
	fx->rbuf2 = 2;
	fx->rflags = MSG_TRUNC;
	run_pair(fx);
	assert_int_equal(fx->rc[0], 12);
	assert_true(fx->rm.msg_flags & MSG_TRUNC);
}

/* a: each misuse in turn; rc/err per case. */
static int
misuser(struct proc *p, void *arg)
{
	(void)p;
	struct fx *fx = arg;
	int s = ns_socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in to = sin_of(B_ADDR, 9000);
	struct iovec iov = { "x", 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	/* 0: no destination on an unconnected datagram socket */
	fx->rc[0] = (int)ns_sendmsg(s, &m, 0);
	fx->err[0] = errno;
	/* 1: more than UIO_MAXIOV iovecs */
	m.msg_name = &to;
	m.msg_namelen = sizeof to;
	m.msg_iovlen = 1025;
	fx->rc[1] = (int)ns_sendmsg(s, &m, 0);
	fx->err[1] = errno;
	m.msg_iovlen = 1;
	/* 2: SCM_RIGHTS on AF_INET */
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	memset(&u, 0, sizeof u);
	m.msg_control = u.buf;
	m.msg_controllen = sizeof u.buf;
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &s, sizeof s);
	fx->rc[2] = (int)ns_sendmsg(s, &m, 0);
	fx->err[2] = errno;
	/* 3: IP_TTL 0 is out of range; 4: IP_TTL 5 is accepted */
	c->cmsg_level = IPPROTO_IP;
	c->cmsg_type = IP_TTL;
	int ttl = 0;
	memcpy(CMSG_DATA(c), &ttl, sizeof ttl);
	fx->rc[3] = (int)ns_sendmsg(s, &m, 0);
	fx->err[3] = errno;
	ttl = 5;
	memcpy(CMSG_DATA(c), &ttl, sizeof ttl);
	fx->rc[4] = (int)ns_sendmsg(s, &m, 0);
	/* 5: a bad fd; 6: MSG_OOB on UDP (udp_sendmsg: EOPNOTSUPP) */
	fx->rc[5] = (int)ns_sendmsg(77, &m, 0);
	fx->err[5] = errno;
	m.msg_control = NULL;
	m.msg_controllen = 0;
	fx->rc[6] = (int)ns_sendmsg(s, &m, MSG_OOB);
	fx->err[6] = errno;
	/* 7: a cmsg_len running past msg_controllen */
	m.msg_control = u.buf;
	m.msg_controllen = sizeof u.buf;
	c->cmsg_len = sizeof u.buf + 8;
	fx->rc[7] = (int)ns_sendmsg(s, &m, 0);
	fx->err[7] = errno;
	ns_close(s);
	return 0;
}

static void
test_sendmsg_misuse_gives_linux_errno(void **state)
{
	struct fx *fx = *state;
	socket_spawn(fx->p.a, "bad", 0, misuser, fx);
	sim_run_until(fx->p.sim, SIM_S);
	assert_int_equal(fx->rc[0], -1);
	assert_int_equal(fx->err[0], EDESTADDRREQ);
	assert_int_equal(fx->err[1], EMSGSIZE);
	assert_int_equal(fx->rc[2], -1);
	assert_int_equal(fx->err[2], EINVAL);
	assert_int_equal(fx->err[3], EINVAL);
	assert_int_equal(fx->rc[4], 1);
	assert_int_equal(fx->err[5], EBADF);
	assert_int_equal(fx->rc[6], -1);
	assert_int_equal(fx->err[6], EOPNOTSUPP);
	assert_int_equal(fx->err[7], EINVAL);
}

/* b: TCP server reading with recvmsg; a: client writing with sendmsg. */
static int
tcp_server(struct proc *p, void *arg)
{
	(void)p;
	struct fx *fx = arg;
	int l = ns_socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in me = sin_of("0.0.0.0", 80);
	ns_bind(l, (struct sockaddr *)&me, sizeof me);
	ns_listen(l, 4);
	int s = ns_accept(l, NULL, NULL);
	struct iovec iov[2] = { { fx->got, 2 }, { fx->got + 2, 100 } };
	fx->rm = (struct msghdr){ .msg_name = &fx->from,
				  .msg_namelen = sizeof fx->from,
				  .msg_iov = iov,
				  .msg_iovlen = 2 };
	fx->rc[0] = (int)ns_recvmsg(s, &fx->rm, 0);
	char c = 0;
	ns_sleep(50 * SIM_MS); /* the urgent byte has come (tests/test_tcp_urg.c) */
	fx->rc[2] = (int)ns_recv(s, &c, 1, MSG_OOB);
	fx->err[2] = c;
	ns_close(s);
	ns_close(l);
	return 0;
}

static int
tcp_client(struct proc *p, void *arg)
{
	(void)p;
	struct fx *fx = arg;
	int s = ns_socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in to = sin_of(B_ADDR, 80);
	ns_connect(s, (struct sockaddr *)&to, sizeof to);
	struct iovec iov[2] = { { "ab", 2 }, { "cdef", 4 } };
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2 };
	fx->rc[1] = (int)ns_sendmsg(s, &m, 0);
	fx->rc[3] = (int)ns_send(s, "u", 1, MSG_OOB);
	fx->err[3] = errno;
	ns_sleep(100 * SIM_MS);
	ns_close(s);
	return 0;
}

static void
test_tcp_recvmsg_gives_no_name_and_oob_is_urgent_data(void **state)
{
	struct fx *fx = *state;
	socket_spawn(fx->p.b, "srv", 0, tcp_server, fx);
	socket_spawn(fx->p.a, "cli", SIM_MS, tcp_client, fx);
	sim_run_until(fx->p.sim, 5 * SIM_S);
	assert_int_equal(fx->rc[1], 6);
	assert_int_equal(fx->rc[0], 6);
	assert_memory_equal(fx->got, "abcdef", 6);
	assert_int_equal(fx->rm.msg_namelen, 0);
	/* MSG_OOB on TCP: one byte of urgent data, taken aside by recv(MSG_OOB) */
	assert_int_equal(fx->rc[3], 1);
	assert_int_equal(fx->rc[2], 1);
	assert_int_equal(fx->err[2], 'u');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_sendmsg_gathers_and_recvmsg_scatters_with_sender_name, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_recvmsg_short_buffer_sets_msg_trunc, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_recvmsg_with_msg_trunc_returns_the_datagram_length, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sendmsg_misuse_gives_linux_errno, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_tcp_recvmsg_gives_no_name_and_oob_is_urgent_data, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
