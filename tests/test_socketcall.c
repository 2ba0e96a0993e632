/*
 * tests/test_socketcall.c - sys_socketcall (stack/socketcall.c): socket
 * calls entering through one system call on a host whose profile says so,
 * ns_socketcall called directly, the count of calls by entry, and the
 * errno values of Linux's SYSCALL_DEFINE2(socketcall).
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
/* Linux SYS_* numbers (include/uapi/linux/net.h; that header clashes with ours) */
#define SYS_SOCKET 1
#define SYS_GETSOCKOPT 15
#define SYS_SENDMMSG 20

#include "stack/socket.h"
#include "tests/socket_test.h"

struct fx {
	struct pair p;
	long rc[8];
	int err[8];
	char got[16];
};

PAIR_FIXTURE(struct fx, 13)

struct count {
	char call[16], entry[16];
	uint64_t n;
};

static void
find(const char *call, const char *entry, uint64_t n, void *data)
{
	struct count *c = data;
	if (strcmp(call, c->call) == 0 && strcmp(entry, c->entry) == 0)
		c->n = n;
}

static uint64_t
calls(struct host *h, const char *call, const char *entry)
{
	struct count c = { .n = 0 };
	g_strlcpy(c.call, call, sizeof c.call);
	g_strlcpy(c.entry, entry, sizeof c.entry);
	socket_syscall_counts(h, find, &c);
	return c.n;
}

static int
udp_user(struct proc *p, void *arg)
{
	(void)p;
	struct fx *fx = arg;
	int s = ns_socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in me = { .sin_family = AF_INET, .sin_port = htons(9000) };
	inet_pton(AF_INET, A_ADDR, &me.sin_addr);
	ns_bind(s, (struct sockaddr *)&me, sizeof me);
	ns_sendto(s, "hi", 2, 0, (struct sockaddr *)&me, sizeof me);
	fx->rc[0] = ns_read(s, fx->got, sizeof fx->got);
	ns_close(s);
	return 0;
}

static void
test_profile_sends_socket_calls_through_socketcall(void **state)
{
	struct fx *fx = *state;
	socket_set_socketcall(fx->p.a, true);
	socket_spawn(fx->p.a, "u", 0, udp_user, fx);
	socket_spawn(fx->p.b, "u", 0, udp_user, fx);
	sim_run_until(fx->p.sim, SIM_S);
	assert_int_equal(fx->rc[0], 2);
	/* host a: the socket calls through socketcall, read and close direct */
	assert_int_equal(calls(fx->p.a, "socket", "socketcall"), 1);
	assert_int_equal(calls(fx->p.a, "bind", "socketcall"), 1);
	assert_int_equal(calls(fx->p.a, "sendto", "socketcall"), 1);
	assert_int_equal(calls(fx->p.a, "sendto", "direct"), 0);
	assert_int_equal(calls(fx->p.a, "read", "direct"), 1);
	assert_int_equal(calls(fx->p.a, "close", "direct"), 1);
	/* host b: every call direct */
	assert_int_equal(calls(fx->p.b, "sendto", "direct"), 1);
	assert_int_equal(calls(fx->p.b, "sendto", "socketcall"), 0);
}

static int
caller(struct proc *p, void *arg)
{
	(void)p;
	struct fx *fx = arg;
	unsigned long a[6] = { AF_INET, SOCK_DGRAM, 0 };
	fx->rc[0] = ns_socketcall(SYS_SOCKET, a);
	unsigned long g[6] = { (unsigned long)fx->rc[0], SOL_SOCKET, SO_TYPE, 0, 0 };
	int type = 0;
	socklen_t tl = sizeof type;
	g[3] = (unsigned long)&type;
	g[4] = (unsigned long)&tl;
	fx->rc[1] = ns_socketcall(SYS_GETSOCKOPT, g);
	fx->rc[2] = type;
	fx->rc[3] = ns_socketcall(0, a);
	fx->err[3] = errno;
	fx->rc[4] = ns_socketcall(21, a);
	fx->err[4] = errno;
	fx->rc[5] = ns_socketcall(SYS_SENDMMSG, a);
	fx->err[5] = errno;
	fx->rc[6] = ns_socketcall(SYS_SOCKET, NULL);
	fx->err[6] = errno;
	return 0;
}

static void
test_socketcall_dispatches_by_number_and_checks_it(void **state)
{
	struct fx *fx = *state;
	socket_spawn(fx->p.b, "c", 0, caller, fx);
	sim_run_until(fx->p.sim, SIM_S);
	assert_true(fx->rc[0] >= NS_FIRST_FD);
	assert_int_equal(fx->rc[1], 0);
	assert_int_equal(fx->rc[2], SOCK_DGRAM);
	assert_int_equal(fx->rc[3], -1);
	assert_int_equal(fx->err[3], EINVAL);
	assert_int_equal(fx->err[4], EINVAL);
	assert_int_equal(fx->err[5], ENOSYS); /* sendmmsg: not modelled */
	assert_int_equal(fx->err[6], EFAULT);
	assert_int_equal(calls(fx->p.b, "socket", "socketcall"), 1);
	assert_int_equal(calls(fx->p.b, "getsockopt", "socketcall"), 1);
	assert_int_equal(calls(fx->p.b, "socket", "direct"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_profile_sends_socket_calls_through_socketcall,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_socketcall_dispatches_by_number_and_checks_it,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
