/*
 * tests/test_af_unix.c - AF_UNIX sockets (stack/af_unix.c) used by
 * simulated processes on one host: stream and datagram, filesystem and
 * abstract names, socketpair, blocking, poll, SCM_RIGHTS, and the errno
 * values of Linux's net/unix/af_unix.c on misuse.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <glib.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/mman.h>
#include <sys/un.h>
#include <unistd.h>

#include "stack/socket.h"
#include "tests/socket_test.h"

struct fx {
	struct pair p;
	int rc[16];
	int err[16];
	char got[256];
	char name[sizeof(struct sockaddr_un)];
	socklen_t namelen;
	size_t total;
	uint16_t port;
};

PAIR_FIXTURE(struct fx, 7)

/* A sockaddr_un for @path; a leading '@' makes it abstract. */
static socklen_t
sun_of(struct sockaddr_un *s, const char *path)
{
	memset(s, 0, sizeof *s);
	s->sun_family = AF_UNIX;
	size_t n = strlen(path);
	memcpy(s->sun_path, path, n);
	if (path[0] == '@') {
		s->sun_path[0] = '\0';
		return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	}
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
}

static void
run(struct fx *fx, proc_main_fn a, proc_main_fn b)
{
	socket_spawn(fx->p.a, "a", 0, a, fx);
	if (b)
		socket_spawn(fx->p.a, "b", SIM_MS, b, fx);
	sim_run_until(fx->p.sim, 10 * SIM_S);
}

/* ---- stream, filesystem name ---------------------------------------------------- */

static int
stream_server(struct proc *p, void *arg)
{
	(void)p;
	struct fx *fx = arg;
	struct sockaddr_un me;
	socklen_t ml = sun_of(&me, "/tmp/srv");
	int l = ns_socket(AF_UNIX, SOCK_STREAM, 0);
	fx->rc[0] = ns_bind(l, (struct sockaddr *)&me, ml);
	fx->rc[1] = ns_listen(l, 4);
	int s = ns_accept(l, NULL, NULL);
	fx->namelen = sizeof fx->name;
	ns_getsockname(s, (struct sockaddr *)fx->name, &fx->namelen);
	fx->rc[2] = (int)ns_read(s, fx->got, sizeof fx->got);
	fx->rc[3] = (int)ns_read(s, fx->got + 100, sizeof fx->got - 100); /* EOF */
	ns_close(s);
	ns_close(l);
	return 0;
}

static int
stream_client(struct proc *p, void *arg)
{
	(void)p;
	struct fx *fx = arg;
	struct sockaddr_un to;
	socklen_t tl = sun_of(&to, "/tmp/srv");
	int s = ns_socket(AF_UNIX, SOCK_STREAM, 0);
	fx->rc[4] = ns_connect(s, (struct sockaddr *)&to, tl);
	fx->rc[5] = (int)ns_write(s, "ping", 4);
	ns_sleep(SIM_MS);
	ns_close(s);
	return 0;
}

static void
test_stream_connect_write_read_and_eof(void **state)
{
	struct fx *fx = *state;
	run(fx, stream_server, stream_client);
	assert_int_equal(fx->rc[0], 0);
	assert_int_equal(fx->rc[1], 0);
	assert_int_equal(fx->rc[4], 0);
	assert_int_equal(fx->rc[5], 4);
	assert_int_equal(fx->rc[2], 4);
	assert_memory_equal(fx->got, "ping", 4);
	assert_int_equal(fx->rc[3], 0);
	/* the accepted socket carries the listener's name */
	assert_string_equal(((struct sockaddr_un *)fx->name)->sun_path, "/tmp/srv");
}

/* ---- datagram, abstract names ------------------------------------------------------ */

static int
dgram_rx(struct proc *p, void *arg)
{
	(void)p;
	struct fx *fx = arg;
	struct sockaddr_un me;
	socklen_t ml = sun_of(&me, "@rx");
	int s = ns_socket(AF_UNIX, SOCK_DGRAM, 0);
	fx->rc[0] = ns_bind(s, (struct sockaddr *)&me, ml);
	fx->namelen = sizeof fx->name;
	fx->rc[1] = (int)ns_recvfrom(s, fx->got, 3, 0, (struct sockaddr *)fx->name, &fx->namelen);
	ns_close(s);
	return 0;
}

static int
dgram_tx(struct proc *p, void *arg)
{
	(void)p;
	struct fx *fx = arg;
	struct sockaddr_un me, to;
	socklen_t ml = sun_of(&me, "@tx"), tl = sun_of(&to, "@rx");
	int s = ns_socket(AF_UNIX, SOCK_DGRAM, 0);
	ns_bind(s, (struct sockaddr *)&me, ml);
	fx->rc[2] = (int)ns_sendto(s, "hello", 5, 0, (struct sockaddr *)&to, tl);
	ns_close(s);
	/* the abstract name went with its socket: it can be bound again */
	s = ns_socket(AF_UNIX, SOCK_DGRAM, 0);
	fx->rc[3] = ns_bind(s, (struct sockaddr *)&me, ml);
	ns_close(s);
	return 0;
}

static void
test_dgram_abstract_names_and_sender_address(void **state)
{
	struct fx *fx = *state;
	run(fx, dgram_rx, dgram_tx);
	assert_int_equal(fx->rc[0], 0);
	assert_int_equal(fx->rc[2], 5);
	assert_int_equal(fx->rc[1], 3); /* truncated to the buffer, the rest discarded */
	assert_memory_equal(fx->got, "hel", 3);
	assert_int_equal(fx->namelen, offsetof(struct sockaddr_un, sun_path) + 3);
	assert_memory_equal(((struct sockaddr_un *)fx->name)->sun_path, "\0tx", 3);
	assert_int_equal(fx->rc[3], 0);
}

/* ---- socketpair, poll, EPIPE ------------------------------------------------------------- */

static int
pair_user(struct proc *p, void *arg)
{
	(void)p;
	struct fx *fx = arg;
	int sv[2];
	fx->rc[0] = ns_socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	struct pollfd pf = { .fd = sv[1], .events = POLLIN | POLLOUT };
	fx->rc[1] = ns_poll(&pf, 1, 0);
	fx->rc[2] = pf.revents; /* writable, nothing to read */
	ns_write(sv[0], "abc", 3);
	fx->rc[3] = ns_poll(&pf, 1, 0);
	fx->rc[4] = pf.revents;
	fx->rc[5] = (int)ns_read(sv[1], fx->got, sizeof fx->got);
	ns_close(sv[0]);
	pf.events = POLLIN;
	ns_poll(&pf, 1, 0);
	fx->rc[6] = pf.revents;
	fx->rc[7] = (int)ns_send(sv[1], "x", 1, MSG_NOSIGNAL);
	fx->err[7] = errno;
	fx->rc[8] = (int)ns_read(sv[1], fx->got, sizeof fx->got);
	ns_close(sv[1]);
	return 0;
}

static void
test_socketpair_poll_and_epipe_after_peer_close(void **state)
{
	struct fx *fx = *state;
	run(fx, pair_user, NULL);
	assert_int_equal(fx->rc[0], 0);
	assert_int_equal(fx->rc[1], 1);
	assert_int_equal(fx->rc[2], POLLOUT);
	assert_int_equal(fx->rc[4], POLLIN | POLLOUT);
	assert_int_equal(fx->rc[5], 3);
	assert_true(fx->rc[6] & POLLHUP);
	assert_true(fx->rc[6] & POLLIN);
	assert_int_equal(fx->rc[7], -1);
	assert_int_equal(fx->err[7], EPIPE);
	assert_int_equal(fx->rc[8], 0);
}

/* ---- blocking ---------------------------------------------------------------------------- */

#define BULK (1024 * 1024)

static int
bulk_writer(struct proc *p, void *arg)
{
	(void)p;
	struct fx *fx = arg;
	struct sockaddr_un to;
	socklen_t tl = sun_of(&to, "@bulk");
	int s = ns_socket(AF_UNIX, SOCK_STREAM, 0);
	ns_connect(s, (struct sockaddr *)&to, tl);
	char *buf = g_malloc0(BULK);
	fx->rc[0] = (int)ns_write(s, buf, BULK); /* blocks on sk_sndbuf until read */
	g_free(buf);
	ns_close(s);
	return 0;
}

static int
bulk_reader(struct proc *p, void *arg)
{
	(void)p;
	struct fx *fx = arg;
	struct sockaddr_un me;
	socklen_t ml = sun_of(&me, "@bulk");
	int l = ns_socket(AF_UNIX, SOCK_STREAM, 0);
	ns_bind(l, (struct sockaddr *)&me, ml);
	ns_listen(l, 1);
	int s = ns_accept(l, NULL, NULL);
	char buf[4096];
	ssize_t n;
	while ((n = ns_read(s, buf, sizeof buf)) > 0)
		fx->total += (size_t)n;
	ns_close(s);
	ns_close(l);
	return 0;
}

static void
test_stream_writer_blocks_until_reader_drains(void **state)
{
	struct fx *fx = *state;
	socket_spawn(fx->p.a, "r", 0, bulk_reader, fx);
	socket_spawn(fx->p.a, "w", SIM_MS, bulk_writer, fx);
	sim_run_until(fx->p.sim, 10 * SIM_S);
	assert_int_equal(fx->rc[0], BULK);
	assert_int_equal(fx->total, BULK);
}

static int
dgram_flooder(struct proc *p, void *arg)
{
	(void)p;
	struct fx *fx = arg;
	int sv[2];
	ns_socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	int i;
	for (i = 0; i < 100; i++)
		if (ns_send(sv[0], "d", 1, MSG_DONTWAIT) < 0)
			break;
	fx->rc[0] = i;
	fx->err[0] = errno;
	ns_close(sv[0]);
	ns_close(sv[1]);
	return 0;
}

static void
test_dgram_sender_gets_eagain_past_max_dgram_qlen(void **state)
{
	struct fx *fx = *state;
	run(fx, dgram_flooder, NULL);
	assert_int_equal(fx->rc[0], 11); /* unix_recvq_full: more than 10 queued */
	assert_int_equal(fx->err[0], EAGAIN);
}

/* ---- SCM_RIGHTS -------------------------------------------------------------------------- */

static int
rights_sender(struct proc *p, void *arg)
{
	(void)p;
	struct fx *fx = arg;
	int u = ns_socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in me = { .sin_family = AF_INET, .sin_port = htons(7000) };
	ns_bind(u, (struct sockaddr *)&me, sizeof me);
	struct sockaddr_un to;
	socklen_t tl = sun_of(&to, "/run/pass");
	int s = ns_socket(AF_UNIX, SOCK_STREAM, 0);
	ns_connect(s, (struct sockaddr *)&to, tl);
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} c;
	memset(&c, 0, sizeof c);
	struct iovec iov = { "F", 1 };
	struct msghdr m = { .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = c.buf,
			    .msg_controllen = sizeof c.buf };
	struct cmsghdr *h = CMSG_FIRSTHDR(&m);
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(sizeof(int));
	int bad = 99;
	memcpy(CMSG_DATA(h), &bad, sizeof bad);
	fx->rc[0] = (int)ns_sendmsg(s, &m, 0);
	fx->err[0] = errno;
	memcpy(CMSG_DATA(h), &u, sizeof u);
	fx->rc[1] = (int)ns_sendmsg(s, &m, 0);
	ns_close(u); /* the descriptor in flight keeps the socket open */
	ns_sleep(10 * SIM_MS);
	ns_close(s);
	return 0;
}

static int
rights_receiver(struct proc *p, void *arg)
{
	(void)p;
	struct fx *fx = arg;
	struct sockaddr_un me;
	socklen_t ml = sun_of(&me, "/run/pass");
	int l = ns_socket(AF_UNIX, SOCK_STREAM, 0);
	ns_bind(l, (struct sockaddr *)&me, ml);
	ns_listen(l, 1);
	int s = ns_accept(l, NULL, NULL);
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} c;
	char b;
	struct iovec iov = { &b, 1 };
	struct msghdr m = { .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = c.buf,
			    .msg_controllen = sizeof c.buf };
	fx->rc[2] = (int)ns_recvmsg(s, &m, 0);
	struct cmsghdr *h = CMSG_FIRSTHDR(&m);
	fx->rc[3] = h && h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS;
	int fd = -1;
	if (fx->rc[3])
		memcpy(&fd, CMSG_DATA(h), sizeof fd);
	fx->rc[4] = fd;
	struct sockaddr_in sin;
	socklen_t sl = sizeof sin;
	fx->rc[5] = ns_getsockname(fd, (struct sockaddr *)&sin, &sl);
	fx->port = ntohs(sin.sin_port);
	int type = 0;
	socklen_t tl = sizeof type;
	ns_getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl);
	fx->rc[6] = type;
	ns_close(fd);
	ns_close(s);
	ns_close(l);
	return 0;
}

static void
test_scm_rights_passes_an_open_socket_to_another_process(void **state)
{
	struct fx *fx = *state;
	run(fx, rights_receiver, rights_sender);
	assert_int_equal(fx->rc[0], -1);
	assert_int_equal(fx->err[0], EBADF);
	assert_int_equal(fx->rc[1], 1);
	assert_int_equal(fx->rc[2], 1);
	assert_true(fx->rc[3]);
	assert_true(fx->rc[4] >= NS_FIRST_FD);
	assert_int_equal(fx->rc[5], 0);
	assert_int_equal(fx->port, 7000);
	assert_int_equal(fx->rc[6], SOCK_DGRAM);
}

/* ---- misuse ---------------------------------------------------------------------------------- */

static int
misuser(struct proc *p, void *arg)
{
	(void)p;
	struct fx *fx = arg;
	struct sockaddr_un a, b;
	socklen_t al = sun_of(&a, "/tmp/a"), bl = sun_of(&b, "/tmp/none");
	int s = ns_socket(AF_UNIX, SOCK_STREAM, 0);
	int i = 0;
#define TRY(expr)                     \
	do {                          \
		fx->rc[i] = (expr);   \
		fx->err[i++] = errno; \
	} while (0)
	TRY(ns_connect(s, (struct sockaddr *)&b, bl)); /* 0 ENOENT */
	TRY(ns_listen(s, 1));			       /* 1 EINVAL: unbound */
	TRY((int)ns_write(s, "x", 1));		       /* 2 ENOTCONN */
	ns_bind(s, (struct sockaddr *)&a, al);
	int t = ns_socket(AF_UNIX, SOCK_STREAM, 0);
	TRY(ns_bind(t, (struct sockaddr *)&a, al)); /* 3 EADDRINUSE */
	ns_close(s);
	TRY(ns_connect(t, (struct sockaddr *)&a, al)); /* 4 ECONNREFUSED */
	TRY(ns_bind(t, (struct sockaddr *)&a, al));    /* 5 EADDRINUSE: the file stays */
	TRY(ns_unlink("/tmp/a"));		       /* 6 0 */
	TRY(ns_bind(t, (struct sockaddr *)&a, al));    /* 7 0 */
	int d = ns_socket(AF_UNIX, SOCK_DGRAM, 0);
	TRY(ns_connect(d, (struct sockaddr *)&a, al)); /* 8 EPROTOTYPE */
	TRY(ns_listen(d, 1));			       /* 9 EOPNOTSUPP */
	int sv[2];
	TRY(ns_socketpair(AF_INET, SOCK_STREAM, 0, sv)); /* 10 EOPNOTSUPP */
	TRY(ns_socket(AF_UNIX, SOCK_SEQPACKET, 0));	 /* 11 ESOCKTNOSUPPORT */
	TRY(ns_socket(AF_UNIX, SOCK_STREAM, 6));	 /* 12 EPROTONOSUPPORT */
	TRY(ns_bind(d, (struct sockaddr *)&a, 1));	 /* 13 EINVAL */
	TRY((int)ns_send(d, "x", 1, MSG_OOB));		 /* 14 EOPNOTSUPP */
#undef TRY
	ns_close(t);
	ns_close(d);
	return 0;
}

static void
test_misuse_gives_linux_errno(void **state)
{
	struct fx *fx = *state;
	run(fx, misuser, NULL);
	int want[] = { ENOENT,		EINVAL,	    ENOTCONN,	EADDRINUSE,
		       ECONNREFUSED,	EADDRINUSE, 0,		0,
		       EPROTOTYPE,	EOPNOTSUPP, EOPNOTSUPP, ESOCKTNOSUPPORT,
		       EPROTONOSUPPORT, EINVAL,	    EOPNOTSUPP };
	for (int i = 0; i < 15; i++) {
		if (want[i] == 0) {
			assert_int_equal(fx->rc[i], 0);
		} else {
			assert_int_equal(fx->rc[i], -1);
			assert_int_equal(fx->err[i], want[i]);
		}
	}
}

/* ---- faults in the process's buffer ------------------------------------------------ */

/* Linux 6.6 copies AF_UNIX data as it goes: unix_stream_read_generic
 * returns what it copied before a fault (the faulting skb stays queued),
 * __unix_dgram_recvmsg frees the datagram and returns EFAULT, and both
 * sendmsg functions free the skb whose copy faulted. */
static int
unix_faults(struct proc *p, void *arg)
{
	struct fx *fx = arg;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	char *m = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	g_assert(m != MAP_FAILED);
	munmap(m + page, page); /* m + page is a hole */
	int sv[2], dv[2];
	ns_socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	ns_socketpair(AF_UNIX, SOCK_DGRAM, 0, dv);
	ns_write(sv[0], "abc", 3);
	ns_write(sv[0], "def", 3);
	fx->rc[0] = (int)ns_read(sv[1], m + page - 3, 6); /* "abc", then the hole */
	fx->rc[1] = memcmp(m + page - 3, "abc", 3);
	fx->rc[2] = (int)ns_read(sv[1], m + page, 6);
	fx->err[2] = errno;
	fx->rc[3] = (int)ns_read(sv[1], m, 6); /* "def" stayed queued */
	fx->rc[4] = memcmp(m, "def", 3);
	memcpy(m + page - 2, "xy", 2);
	fx->rc[5] = (int)ns_write(sv[0], m + page - 2, 10);
	fx->err[5] = errno;
	ns_send(dv[0], "hello", 5, 0);
	fx->rc[6] = (int)ns_recv(dv[1], m + page, 5, 0);
	fx->err[6] = errno;
	fx->rc[7] = (int)ns_recv(dv[1], m, 5, MSG_DONTWAIT); /* the datagram is gone */
	fx->err[7] = errno;
	fx->rc[8] = (int)ns_send(dv[0], m + page - 2, 5, 0);
	fx->err[8] = errno;
	fx->rc[9] = (int)ns_recv(sv[1], m, 6, MSG_DONTWAIT); /* nothing was sent */
	fx->err[9] = errno;
	for (int i = 0; i < 2; i++) {
		ns_close(sv[i]);
		ns_close(dv[i]);
	}
	munmap(m, page);
	return 0;
}

static void
test_copy_faults_act_as_linux(void **state)
{
	struct fx *fx = *state;
#ifdef __SANITIZE_ADDRESS__
	skip(); /* the sanitizer's own SIGSEGV handler */
#endif
	/* isolated: the fault handlers are netsim's, not cmocka's */
	proc_set_isolated(socket_spawn(fx->p.a, "a", 0, unix_faults, fx), true);
	sim_run_until(fx->p.sim, 10 * SIM_S);
	assert_int_equal(fx->rc[0], 3);
	assert_int_equal(fx->rc[1], 0);
	assert_int_equal(fx->rc[2], -1);
	assert_int_equal(fx->err[2], EFAULT);
	assert_int_equal(fx->rc[3], 3);
	assert_int_equal(fx->rc[4], 0);
	assert_int_equal(fx->rc[5], -1);
	assert_int_equal(fx->err[5], EFAULT);
	assert_int_equal(fx->rc[6], -1);
	assert_int_equal(fx->err[6], EFAULT);
	assert_int_equal(fx->rc[7], -1);
	assert_int_equal(fx->err[7], EAGAIN);
	assert_int_equal(fx->rc[8], -1);
	assert_int_equal(fx->err[8], EFAULT);
	assert_int_equal(fx->rc[9], -1);
	assert_int_equal(fx->err[9], EAGAIN);
	assert_int_equal(host_drops(fx->p.a, SKB_DROP_NOT_SPECIFIED), 2); /* the two sends */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stream_connect_write_read_and_eof, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dgram_abstract_names_and_sender_address, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_socketpair_poll_and_epipe_after_peer_close,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_writer_blocks_until_reader_drains,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_dgram_sender_gets_eagain_past_max_dgram_qlen,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_scm_rights_passes_an_open_socket_to_another_process, setup, teardown),
		cmocka_unit_test_setup_teardown(test_misuse_gives_linux_errno, setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy_faults_act_as_linux, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
