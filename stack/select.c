/*
 * stack/select.c - select() and the socket timeouts SO_RCVTIMEO /
 * SO_SNDTIMEO.
 *
 * Linux counterpart: fs/select.c (kern_select, core_sys_select, do_select,
 * max_select_fd, the POLLIN_SET / POLLOUT_SET / POLLEX_SET masks,
 * poll_select_finish), net/core/sock.c (sock_set_timeout, sock_get_timeout).
 * Seed text: "select ... synchronous I/O multiplexing".
 *
 * Position: process -> ns_select -> sys_enter (one COST_SYSCALL) -> each
 * socket's proto_ops->poll -> if none is ready, the process waits on every
 * socket's wait list at once until one wakes it or the timeout passes (as
 * ns_poll does).  A timeout set with SO_RCVTIMEO / SO_SNDTIMEO is read by
 * sock_rcvtimeo / sock_sndtimeo (stack/sock.c), so every blocking call of
 * every protocol honours it and returns EAGAIN (connect: EINPROGRESS) when
 * it runs out.
 */
#include <errno.h>
#include <glib.h>
#include <poll.h>
#include <string.h>
#include <sys/select.h>
#include <sys/time.h>
#include "sim/proc.h"
#include "stack/host.h"
#include "stack/socket.h"
#define NETSIM_NO_SOCKET_MACROS
#include "include/netsim/socket.h"
#include "stack/socket_int.h"

/* Linux fs/select.c */
#define POLLIN_SET (POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR)
#define POLLOUT_SET (POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR)
#define POLLEX_SET (POLLPRI)

/* Linux sock_set_timeout: EINVAL for a short option, EDOM for tv_usec
 * outside [0, 1 s); {0, 0} means wait forever; a negative tv_sec means do
 * not wait. */
int
sock_set_timeout(struct sock *sk, int optname, const void *val, socklen_t len)
{
	struct timeval tv;
	if (!val || len < sizeof tv)
		return -EINVAL;
	memcpy(&tv, val, sizeof tv);
	if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return -EDOM;
	sim_time_t t;
	if (tv.tv_sec < 0)
		t = -1;
	else if (tv.tv_sec == 0 && tv.tv_usec == 0)
		t = 0;
	else if (tv.tv_sec >= SIM_TIME_MAX / SIM_S - 1)
		t = 0; /* beyond what the simulator can count: forever */
	else
		t = (sim_time_t)tv.tv_sec * SIM_S + (sim_time_t)tv.tv_usec * SIM_US;
	if (optname == SO_RCVTIMEO)
		sk->sk_rcvtimeo = t;
	else
		sk->sk_sndtimeo = t;
	return 0;
}

int
sock_get_timeout(struct sock *sk, int optname, void *val, socklen_t *len)
{
	if (!val || !len || *len < sizeof(struct timeval))
		return -EINVAL;
	sim_time_t t = optname == SO_RCVTIMEO ? sk->sk_rcvtimeo : sk->sk_sndtimeo;
	struct timeval tv = { 0, 0 };
	if (t > 0) {
		tv.tv_sec = (time_t)(t / SIM_S);
		tv.tv_usec = (suseconds_t)((t % SIM_S) / SIM_US);
	}
	memcpy(val, &tv, sizeof tv);
	*len = sizeof tv;
	return 0;
}

static bool
fd_in(const fd_set *s, int fd)
{
	return s && FD_ISSET(fd, s);
}

static bool
fd_wanted(const fd_set *in[3], int fd)
{
	return fd_in(in[0], fd) || fd_in(in[1], fd) || fd_in(in[2], fd);
}

/* One pass of Linux do_select over fds 0..n-1; fills the result sets.
 * O(n) per call and per wakeup, as in Linux: select's cost is its nfds. */
static int
select_scan(struct files *f, int n, const fd_set *in[3], fd_set out[3])
{
	int count = 0;
	for (int i = 0; i < 3; i++)
		FD_ZERO(&out[i]);
	for (int fd = 0; fd < n; fd++) {
		bool r = fd_in(in[0], fd), w = fd_in(in[1], fd), e = fd_in(in[2], fd);
		if (!r && !w && !e)
			continue;
		struct socket *sock = fd_sock(f, fd);
		unsigned mask = sock->ops->poll(sock);
		if (r && (mask & POLLIN_SET)) {
			FD_SET(fd, &out[0]);
			count++;
		}
		if (w && (mask & POLLOUT_SET)) {
			FD_SET(fd, &out[1]);
			count++;
		}
		if (e && (mask & POLLEX_SET)) {
			FD_SET(fd, &out[2]);
			count++;
		}
	}
	return count;
}

int
ns_select(int nfds, fd_set *readfds, fd_set *writefds, fd_set *exceptfds, struct timeval *timeout)
{
	SYS_SCOPE();
	struct files *f = sys_enter();
	struct proc *p = proc_self();
	if (nfds < 0)
		return (int)sys_ret(-EINVAL);
	/* core_sys_select copies the sets and the timeout in first (EFAULT) */
	fd_set *sets[3] = { readfds, writefds, exceptfds };
	for (int i = 0; i < 3; i++)
		if (sets[i] && proc_user_access(sets[i], sizeof(fd_set), true) < sizeof(fd_set))
			return (int)sys_ret(-EFAULT);
	if (timeout && proc_user_access(timeout, sizeof *timeout, true) < sizeof *timeout)
		return (int)sys_ret(-EFAULT);
	sim_time_t timeo = SIM_TIME_MAX;
	if (timeout) {
		struct timeval tv; /* memcpy: the caller's pointer need not be aligned */
		memcpy(&tv, timeout, sizeof tv);
		if (tv.tv_sec < 0 || tv.tv_usec < 0)
			return (int)sys_ret(-EINVAL);
		timeo = (sim_time_t)tv.tv_sec * SIM_S + (sim_time_t)tv.tv_usec * SIM_US;
	}
	int n = MIN(nfds, MIN(NS_MAX_FDS, FD_SETSIZE));
	/* The kernel's copies (core_sys_select's fds bitmaps): the caller's
	 * sets may change while it waits and are only written at the end. */
	fd_set kin[3];
	const fd_set *in[3];
	for (int i = 0; i < 3; i++) {
		if (sets[i])
			memcpy(&kin[i], sets[i], sizeof kin[i]);
		in[i] = sets[i] ? &kin[i] : NULL;
	}
	/* Linux max_select_fd: a set bit on a closed fd is EBADF. */
	for (int fd = 0; fd < n; fd++)
		if (fd_wanted(in, fd) && !fd_sock(f, fd))
			return (int)sys_ret(-EBADF);
	fd_set out[3];
	for (;;) {
		int count = select_scan(f, n, in, out);
		if (count > 0 || timeo <= 0) {
			for (int i = 0; i < 3; i++)
				if (sets[i])
					memcpy(sets[i], &out[i], sizeof out[i]);
			/* Linux writes back the time left (poll_select_finish). */
			if (timeout) {
				struct timeval left = {
					.tv_sec = (time_t)(MAX(timeo, 0) / SIM_S),
					.tv_usec = (suseconds_t)((MAX(timeo, 0) % SIM_S) / SIM_US),
				};
				memcpy(timeout, &left, sizeof left);
			}
			return count;
		}
		struct sock_wait_entry e[NS_MAX_FDS]; /* on the stack: a kill discards it */
		for (int fd = 0; fd < n; fd++)
			if (fd_wanted(in, fd))
				sock_wait_add(fd_sock(f, fd)->sk, &e[fd], p);
		sim_time_t start = ns_now();
		enum proc_wake_reason why = proc_block(p, timeo);
		for (int fd = 0; fd < n; fd++)
			if (fd_wanted(in, fd))
				sock_wait_remove(fd_sock(f, fd)->sk, &e[fd]);
		if (timeo != SIM_TIME_MAX)
			timeo = why == PROC_TIMEDOUT ? 0 : MAX(0, timeo - (ns_now() - start));
	}
}
