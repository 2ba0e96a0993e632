/*
 * stack/socket.c - the system calls and the fd table.
 *
 * Linux counterpart: net/socket.c (__sys_socket, __sys_bind, ...,
 * sock_poll), net/ipv4/af_inet.c (inet_create), fs/fcntl.c,
 * fs/select.c (do_poll).  The inet proto_ops are in stack/af_inet.c.
 *
 * Position: process -> ns_send -> sys_enter (COST_SYSCALL, task context)
 * -> fd table -> sock->ops->sendmsg (inet_sendmsg: autobind) ->
 * sk->sk_prot->sendmsg (udp_sendmsg, tcp_sendmsg) -> IP.
 *
 * errno: every internal function returns a negative errno; only the ns_*
 * entry points turn it into -1 and errno, as the last thing before they
 * return (errno is per thread, and other processes run while one blocks).
 */
#include "stack/socket.h"
/* The installed plug-in API declares the same ns_* functions: keep them in step. */
#define NETSIM_NO_SOCKET_MACROS
#include "include/netsim/socket.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include "stack/af_inet.h"
#include "stack/af_unix.h"
#include "stack/host.h"
#include "stack/ipv4.h"
#include "stack/raw.h"
#include "stack/services.h"
#include "stack/tcp.h"
#include "stack/udp.h"

#include "stack/socket_int.h"

/* ---- host and process set-up ----------------------------------------------------- */

static void
socket_proc_exit(struct proc *p, void *arg)
{
	struct files *f = proc_files(p);
	if (!f)
		return;
	/* A killed process may be blocked: its wait entries (on its stack, still
	 * mapped) come off every socket before the sockets close. */
	for (int fd = 0; fd < NS_MAX_FDS; fd++) {
		struct socket *sock = f->fd[fd];
		if (!sock || !sock->sk)
			continue;
		for (struct sock_wait_entry **pp = (struct sock_wait_entry **)&sock->sk->wait;
		     *pp;) {
			if ((*pp)->p == p)
				*pp = (*pp)->next;
			else
				pp = &(*pp)->next;
		}
	}
	/* Killed inside accept: the socket it would have returned has no sock yet. */
	g_clear_pointer(&f->accepting, g_free);
	for (int fd = 0; fd < NS_MAX_FDS; fd++) {
		struct socket *sock = f->fd[fd];
		if (!sock)
			continue;
		f->fd[fd] = NULL;
		f->host->socks->stats.sockets_open--;
		sock_file_put(sock);
	}
	proc_set_files(p, NULL);
	g_aligned_free(f);
}

static void
socket_host_fini(struct host *host)
{
	tcp_set_teardown(host);	      /* closing now sends nothing */
	proc_table_free(host->procs); /* exit hooks close the sockets */
	host->procs = NULL;
	unix_host_fini(host);
	for (int i = 0; i < 11; i++)
		if (host->socks->inetsw[i])
			g_ptr_array_unref(host->socks->inetsw[i]);
	services_host_fini(host);
	g_free(host->socks);
	host->socks = NULL;
}

void
socket_host_init(struct host *host)
{
	if (host->socks)
		return;
	host->socks = g_new0(struct sock_table, 1);
	host->socks->host = host;
	host->procs = proc_table_new(host->sim, host->cpu, host->name);
	proc_table_set_owner(host->procs, host);
	proc_table_set_exit_hook(host->procs, socket_proc_exit, host);
	inet_protosw_init(host); /* Linux inet_init: TCP, UDP and raw register */
	tcp_init(host);		 /* its fini runs after ours: sockets close first */
	host_add_fini(host, socket_host_fini);
}

struct proc *
socket_spawn(struct host *host, const char *name, sim_time_t delay, proc_main_fn main, void *arg)
{
	g_assert(host->socks != NULL);
	struct files *f = g_aligned_alloc0(1, sizeof(struct files), 64);
	f->host = host;
	struct proc *p = proc_spawn(host->procs, name, delay, main, arg);
	proc_set_files(p, f);
	return p;
}

struct host *
proc_host(const struct proc *p)
{
	return proc_table_owner(proc_table_of(p));
}

void
socket_stats(struct host *host, struct socket_stats *out)
{
	*out = host->socks->stats;
	out->syscalls = socket_syscall_total(host);
}

/* ---- system call entry and exit ---------------------------------------------------- */

static struct files *
sys_files(void)
{
	struct proc *p = proc_self();
	if (!p)
		g_error("a socket call was made outside a simulated process");
	return proc_files(p);
}

/* System call entry: COST_SYSCALL in task context, paid before the call
 * acts, plus sys_socketcall's copy of the arguments when the call enters
 * through it (stack/socketcall.c). */
struct files *
sys_enter_named(const char *fn)
{
	struct proc *p = proc_self();
	struct files *f = sys_files();
	struct host *h = f->host;
	proc_consume(p, cpu_cost(h->cpu, COST_SYSCALL) + socketcall_entry(f, fn));
	return f;
}

long
sys_ret(long rc)
{
	if (rc < 0) {
		errno = (int)-rc;
		return -1;
	}
	return rc;
}

struct socket *
fd_sock(struct files *f, int fd)
{
	if (fd < 0 || fd >= NS_MAX_FDS)
		return NULL;
	return f->fd[fd];
}

struct socket *
sockfd_lookup(int fd)
{
	return fd_sock(sys_files(), fd);
}

int
fd_alloc(struct files *f, struct socket *sock)
{
	for (int fd = NS_FIRST_FD; fd < NS_MAX_FDS; fd++) {
		if (!f->fd[fd]) {
			f->fd[fd] = sock;
			f->host->socks->stats.sockets_open++;
			return fd;
		}
	}
	return -EMFILE;
}

/*
 * Linux copies a sockaddr in first (net/socket.c move_addr_to_kernel:
 * EINVAL above sizeof(struct sockaddr_storage), EFAULT if it cannot be
 * read), then the family checks its length (inet_bind, inet_stream_connect:
 * EINVAL below sizeof(struct sockaddr_in)).
 */
int
addr_in(const struct sockaddr *addr, socklen_t len, uint32_t *a, uint16_t *port)
{
	if (len > sizeof(struct sockaddr_storage))
		return -EINVAL;
	if (len && proc_user_access(addr, len, false) < len)
		return -EFAULT;
	if (!addr || len < sizeof(struct sockaddr_in))
		return -EINVAL;
	const struct sockaddr_in *sin = (const struct sockaddr_in *)addr;
	if (sin->sin_family != AF_INET)
		return -EAFNOSUPPORT;
	*a = ntohl(sin->sin_addr.s_addr);
	*port = ntohs(sin->sin_port);
	return 0;
}

/*
 * Linux move_addr_to_user, after the call: *len is read again (a call that
 * waited may find another value there than user_addr_out checked), so the
 * copy is checked again; -EFAULT or -EINVAL, or 0.
 */
int
addr_out(struct sockaddr *addr, socklen_t *len, uint32_t a, uint16_t port)
{
	if (!addr || !len)
		return 0;
	socklen_t want;
	if (proc_user_access(len, sizeof *len, true) < sizeof *len)
		return -EFAULT;
	memcpy(&want, len, sizeof want);
	if ((int)want < 0)
		return -EINVAL;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	sin.sin_addr.s_addr = htonl(a);
	sin.sin_port = htons(port);
	socklen_t n = want < sizeof(sin) ? want : (socklen_t)sizeof(sin);
	if (n && proc_user_access(addr, n, true) < n)
		return -EFAULT;
	memcpy(addr, &sin, n);
	socklen_t full = sizeof(sin);
	memcpy(len, &full, sizeof full);
	return 0;
}

/*
 * An address the call will write back (accept, recvfrom, getsockname):
 * Linux's move_addr_to_user reads *len (EFAULT), refuses a negative one
 * (EINVAL) and copies min(*len, the address's size) (EFAULT).  Checked
 * here before the call acts.
 */
static int
user_addr_out(struct sockaddr *addr, socklen_t *len)
{
	if (!len)
		return -EFAULT; /* get_user(len, NULL) */
	if (proc_user_access(len, sizeof *len, true) < sizeof *len)
		return -EFAULT;
	if ((int)*len < 0)
		return -EINVAL;
	size_t n = MIN((size_t)*len, sizeof(struct sockaddr_in));
	if (addr && n && proc_user_access(addr, n, true) < n)
		return -EFAULT;
	return 0;
}

/* ---- user buffers ---------------------------------------------------------------------------- */

/* fs/read_write.c: reads and writes move at most INT_MAX rounded down to a
 * page in one call (rw_verify_area, import_single_range). */
#define MAX_RW_COUNT ((size_t)(INT32_MAX & ~4095))

/*
 * Linux access_ok (arch/x86/include/asm/uaccess_64.h, 6.6): the range must
 * not wrap and must end in the user half of the address space.  It says
 * nothing of whether the pages are mapped: NULL passes.
 */
static bool
user_access_ok(const void *buf, size_t len)
{
	uintptr_t sum = (uintptr_t)buf + len;
	if (sum < (uintptr_t)buf)
		return false;
#if defined(__x86_64__)
	return sum <= ((uintptr_t)1 << 47) - 4096; /* TASK_SIZE_MAX, 4-level paging */
#else
	return true;
#endif
}

/*
 * Does every copy of @sock's data go through skb_copy_to_user /
 * skb_copy_from_user, which catch a fault in the process's buffer, with
 * the caller acting on a short copy as Linux does?  TCP, UDP and AF_UNIX
 * do.  Raw sockets and plug-in protocols may read the buffer themselves
 * (raw's IP_HDRINCL header check), and so does TCP's urgent byte
 * (tcp_recv_urg): theirs is still probed whole before the call.
 */
static bool
sock_copies_checked(const struct socket *sock, int flags)
{
	if (sock->ops->family == AF_UNIX)
		return true;
	const struct proto *prot = sock->sk ? sock->sk->sk_prot : NULL;
	return prot == &udp_prot || (prot == &tcp_prot && !(flags & MSG_OOB));
}

/*
 * A data buffer of a read or write (Linux import_ubuf, 6.6): the length is
 * clamped to MAX_RW_COUNT, then access_ok.  The pages are touched only as
 * the protocol copies, so a buffer whose unused tail is unmapped works,
 * and a fault is the protocol's to report (tcp_recvmsg_locked returns the
 * bytes copied before it; udp_recvmsg drops the datagram and returns
 * EFAULT).  For the sockets of sock_copies_checked() == false the buffer is
 * probed whole first (proc_user_access): EFAULT if nothing can be
 * accessed, a datagram's EFAULT if not all of it, and a stream's length cut
 * to the accessible part.
 */
static int
user_buffer(const struct socket *sock, const void *buf, size_t *len, bool write, int flags)
{
	if (*len > MAX_RW_COUNT)
		*len = MAX_RW_COUNT;
	if (!user_access_ok(buf, *len))
		return -EFAULT;
	if (*len == 0 || sock_copies_checked(sock, flags))
		return 0;
	size_t ok = proc_user_access(buf, *len, write);
	if (ok == 0 || (ok < *len && sock->type != SOCK_STREAM))
		return -EFAULT;
	*len = ok;
	return 0;
}

/* ---- the system calls -------------------------------------------------------------------- */

int
sock_create(struct files *f, int domain, int type, int protocol, struct socket **out)
{
	int flags = type & (SOCK_NONBLOCK | SOCK_CLOEXEC);
	type &= ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (domain == AF_UNIX)
		return unix_create(f->host, type, protocol, flags, out);
	if (domain != AF_INET)
		return -EAFNOSUPPORT;
	int err = -ESOCKTNOSUPPORT;
	const struct inet_protosw *sw = inet_protosw_lookup(f->host, type, protocol, &err);
	if (!sw)
		return err;
	struct socket *sock = g_new0(struct socket, 1);
	sock->state = SS_UNCONNECTED;
	sock->type = (short)type;
	sock->ops = sw->ops;
	sock->host = f->host;
	sock->refs = 1;
	sock->file_flags = (flags & SOCK_NONBLOCK) ? O_NONBLOCK : 0;
	/* the wildcard raw entry takes the protocol asked for */
	struct sock *sk =
		sk_alloc(f->host, AF_INET, type, sw->protocol ? sw->protocol : protocol, sw->prot);
	sk->sk_socket = sock;
	sock->sk = sk;
	if (sw->prot->init) {
		int rc = sw->prot->init(sk);
		if (rc < 0) {
			sock_put(sk);
			g_free(sock);
			return rc;
		}
	}
	*out = sock;
	return 0;
}

int
ns_socket(int domain, int type, int protocol)
{
	SYS_SCOPE();
	struct files *f = sys_enter();
	struct socket *sock = NULL;
	int rc = sock_create(f, domain, type, protocol, &sock);
	if (rc == 0) {
		rc = fd_alloc(f, sock);
		if (rc < 0) {
			sock->ops->release(sock);
			g_free(sock);
		}
	}
	return (int)sys_ret(rc);
}

#define SYS_SOCK(f, fd, sock)                 \
	SYS_SCOPE();                          \
	struct files *f = sys_enter();        \
	struct socket *sock = fd_sock(f, fd); \
	if (!sock)                            \
	return (int)sys_ret(-EBADF)

int
ns_bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	SYS_SOCK(f, fd, sock);
	if (sock->ops->bind_addr)
		return (int)sys_ret(sock->ops->bind_addr(sock, addr, len));
	uint32_t a;
	uint16_t port;
	int rc = addr_in(addr, len, &a, &port);
	if (rc == 0)
		rc = sock->ops->bind(sock, a, port);
	return (int)sys_ret(rc);
}

int
ns_listen(int fd, int backlog)
{
	SYS_SOCK(f, fd, sock);
	return (int)sys_ret(sock->ops->listen(sock, backlog));
}

int
ns_accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	SYS_SOCK(f, fd, sock);
	int err = addr ? user_addr_out(addr, len) : 0;
	if (err < 0)
		return (int)sys_ret(err);
	struct socket *newsock = g_new0(struct socket, 1);
	*newsock = (struct socket){ .state = SS_UNCONNECTED,
				    .type = sock->type,
				    .ops = sock->ops,
				    .host = sock->host,
				    .refs = 1 };
	f->accepting = newsock;
	int rc = sock->ops->accept(sock, newsock, sock->file_flags & O_NONBLOCK ? MSG_DONTWAIT : 0);
	f->accepting = NULL;
	if (rc < 0) {
		g_free(newsock);
		return (int)sys_ret(rc);
	}
	uint32_t a = 0;
	uint16_t port = 0;
	if (!newsock->ops->getname_addr)
		newsock->ops->getname(newsock, &a, &port, true);
	rc = fd_alloc(f, newsock);
	if (rc < 0) {
		newsock->ops->release(newsock);
		g_free(newsock);
		return (int)sys_ret(rc);
	}
	if (newsock->ops->getname_addr)
		newsock->ops->getname_addr(newsock, addr, len, true);
	else if ((err = addr_out(addr, len, a, port)) < 0) {
		/* do_accept: the address cannot be written, so the new file goes */
		f->fd[rc] = NULL;
		f->host->socks->stats.sockets_open--;
		sock_file_put(newsock);
		return (int)sys_ret(err);
	}
	return (int)sys_ret(rc);
}

int
ns_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	SYS_SOCK(f, fd, sock);
	if (sock->ops->connect_addr)
		return (int)sys_ret(sock->ops->connect_addr(
			sock, addr, len, sock->file_flags & O_NONBLOCK ? MSG_DONTWAIT : 0));
	uint32_t a;
	uint16_t port;
	int rc = addr_in(addr, len, &a, &port);
	if (rc == 0)
		rc = sock->ops->connect(sock, a, port,
					sock->file_flags & O_NONBLOCK ? MSG_DONTWAIT : 0);
	return (int)sys_ret(rc);
}

static ssize_t
sys_sendto(const char *fn, int fd, const void *buf, size_t len, int flags,
	   const struct sockaddr *to, socklen_t tolen)
{
	SYS_SCOPE();
	struct files *f = sys_enter_named(fn);
	struct socket *sock = fd_sock(f, fd);
	if (!sock)
		return sys_ret(-EBADF);
	/* MSG_OOB: TCP's urgent data; udp_sendmsg and raw_sendmsg refuse it. */
	if ((flags & MSG_OOB) && sock->ops->family == AF_INET && sock->type != SOCK_STREAM)
		return sys_ret(-EOPNOTSUPP);
	/* udp_sendmsg refuses a length above 0xFFFF before it copies. */
	if (sock->type != SOCK_STREAM && len > 0xFFFF)
		return sys_ret(-EMSGSIZE);
	int err = user_buffer(sock, buf, &len, false, flags);
	if (err < 0)
		return sys_ret(err);
	struct ns_msg msg = { .buf = (void *)buf, .len = len, .flags = flags };
	if (sock->ops->family != AF_INET) {
		msg.name = to;
		msg.namelen = tolen;
	} else if (to) {
		int rc = addr_in(to, tolen, &msg.addr, &msg.port);
		if (rc < 0)
			return sys_ret(rc);
		msg.has_addr = true;
	} else if (sock->type == SOCK_DGRAM && !sock->sk->dport) {
		return sys_ret(-EDESTADDRREQ);
	}
	return sys_ret(sock->ops->sendmsg(sock, &msg));
}

static ssize_t
sys_recvfrom(const char *fn, int fd, void *buf, size_t len, int flags, struct sockaddr *from,
	     socklen_t *fromlen)
{
	SYS_SCOPE();
	struct files *f = sys_enter_named(fn);
	struct socket *sock = fd_sock(f, fd);
	if (!sock)
		return sys_ret(-EBADF);
	/* MSG_OOB: raw_recvmsg refuses it, udp_recvmsg ignores it (Linux). */
	if ((flags & MSG_OOB) && sock->ops->family == AF_INET && sock->type == SOCK_RAW)
		return sys_ret(-EOPNOTSUPP);
	int err = user_buffer(sock, buf, &len, true, flags);
	if (err < 0)
		return sys_ret(err);
	if (fromlen && proc_user_access(fromlen, sizeof *fromlen, true) < sizeof *fromlen)
		return sys_ret(-EFAULT);
	if (from && (err = user_addr_out(from, fromlen)) < 0)
		return sys_ret(err);
	struct ns_msg msg = { .buf = buf, .len = len, .flags = flags };
	if (sock->ops->family != AF_INET) {
		msg.rname = from;
		msg.rnamelen = fromlen;
	}
	int rc = sock->ops->recvmsg(sock, &msg);
	if (sock->ops->family != AF_INET)
		return sys_ret(rc);
	if (rc >= 0 && msg.has_addr) {
		int err2 = addr_out(from, fromlen, msg.addr, msg.port);
		if (err2 < 0) /* __sys_recvfrom: the data is gone, the call fails */
			rc = err2;
	} else if (rc >= 0 && fromlen) {
		socklen_t zero = 0;
		memcpy(fromlen, &zero, sizeof zero);
	}
	return sys_ret(rc);
}

ssize_t
ns_read(int fd, void *buf, size_t len)
{
	return sys_recvfrom(__func__, fd, buf, len, 0, NULL, NULL);
}

ssize_t
ns_write(int fd, const void *buf, size_t len)
{
	return sys_sendto(__func__, fd, buf, len, 0, NULL, 0);
}

ssize_t
ns_send(int fd, const void *buf, size_t len, int flags)
{
	return sys_sendto(__func__, fd, buf, len, flags, NULL, 0);
}

ssize_t
ns_recv(int fd, void *buf, size_t len, int flags)
{
	return sys_recvfrom(__func__, fd, buf, len, flags, NULL, NULL);
}

ssize_t
ns_sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to,
	  socklen_t tolen)
{
	return sys_sendto(__func__, fd, buf, len, flags, to, tolen);
}

ssize_t
ns_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from, socklen_t *fromlen)
{
	return sys_recvfrom(__func__, fd, buf, len, flags, from, fromlen);
}

int
ns_shutdown(int fd, int how)
{
	SYS_SOCK(f, fd, sock);
	if (how < SHUT_RD || how > SHUT_RDWR)
		return (int)sys_ret(-EINVAL);
	return (int)sys_ret(sock->ops->shutdown(sock, how + 1)); /* SHUT_RD -> RCV_SHUTDOWN */
}

int
ns_close(int fd)
{
	SYS_SOCK(f, fd, sock);
	f->fd[fd] = NULL;
	f->host->socks->stats.sockets_open--;
	sock_file_put(sock);
	return 0;
}

int
ns_fcntl(int fd, int cmd, ...)
{
	SYS_SOCK(f, fd, sock);
	va_list ap;
	switch (cmd) {
	case F_GETFL: return O_RDWR | sock->file_flags;
	case F_SETFL:
		va_start(ap, cmd);
		sock->file_flags = va_arg(ap, int) & O_NONBLOCK;
		va_end(ap);
		return 0;
	case F_GETFD:
	case F_SETFD: return 0;
	default: return (int)sys_ret(-EINVAL);
	}
}

static int
poll_scan(struct files *f, struct pollfd *fds, nfds_t n)
{
	int ready = 0;
	for (nfds_t i = 0; i < n; i++) {
		fds[i].revents = 0;
		if (fds[i].fd < 0)
			continue;
		struct socket *sock = fd_sock(f, fds[i].fd);
		unsigned mask = sock ? sock->ops->poll(sock) : POLLNVAL;
		fds[i].revents =
			(short)(mask & ((unsigned)fds[i].events | POLLERR | POLLHUP | POLLNVAL));
		if (fds[i].revents)
			ready++;
	}
	return ready;
}

/* Linux do_poll: scan, and if nothing is ready wait on every socket at once.
 * O(n) per call and per wakeup, as in Linux: poll's cost is its fd list. */
int
ns_poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
	SYS_SCOPE();
	struct files *f = sys_enter();
	struct proc *p = proc_self();
	/* fs/select.c do_sys_poll: the count against RLIMIT_NOFILE first, then
	 * the array is copied in (EFAULT). */
	if (n > NS_MAX_FDS)
		return (int)sys_ret(-EINVAL);
	if (n && proc_user_access(fds, n * sizeof *fds, true) < n * sizeof *fds)
		return (int)sys_ret(-EFAULT);
	/* do_sys_poll works on a kernel copy (its poll_list) and writes back only
	 * each revents: what the caller's memory holds while it waits (another
	 * thread, or here another process sharing a buffer, may rewrite it) does
	 * not matter.  memcpy: the caller's array need not be aligned. */
	struct pollfd k[NS_MAX_FDS];
	if (n)
		memcpy(k, fds, n * sizeof *k);
	sim_time_t timeo = timeout_ms < 0 ? SIM_TIME_MAX : (sim_time_t)timeout_ms * SIM_MS;
	for (;;) {
		int ready = poll_scan(f, k, n);
		if (ready > 0 || timeo == 0) {
			for (nfds_t i = 0; i < n; i++)
				memcpy((char *)fds + i * sizeof *k +
					       offsetof(struct pollfd, revents),
				       &k[i].revents, sizeof k[i].revents);
			return ready;
		}
		struct sock_wait_entry e[NS_MAX_FDS]; /* on the stack: a kill discards it */
		for (nfds_t i = 0; i < n; i++)
			if (k[i].fd >= 0)
				sock_wait_add(fd_sock(f, k[i].fd)->sk, &e[i], p);
		sim_time_t start = ns_now();
		enum proc_wake_reason why = proc_block(p, timeo);
		for (nfds_t i = 0; i < n; i++)
			if (k[i].fd >= 0)
				sock_wait_remove(fd_sock(f, k[i].fd)->sk, &e[i]);
		if (timeo != SIM_TIME_MAX)
			timeo = why == PROC_TIMEDOUT ? 0 : MAX(0, timeo - (ns_now() - start));
	}
}

/* do_ip_setsockopt / sk_setsockopt: EINVAL below an int, EFAULT if the
 * value cannot be read (copy_from_sockptr). */
static int
opt_int(const void *val, socklen_t len, int *out)
{
	if (len < sizeof(int))
		return -EINVAL;
	if (proc_user_access(val, sizeof(int), false) < sizeof(int))
		return -EFAULT;
	memcpy(out, val, sizeof(int));
	return 0;
}

int
ns_setsockopt(int fd, int level, int optname, const void *val, socklen_t len)
{
	SYS_SOCK(f, fd, sock);
	struct sock *sk = sock->sk;
	if (level == SOL_SOCKET && (optname == SO_RCVTIMEO || optname == SO_SNDTIMEO))
		return (int)sys_ret(sock_set_timeout(sk, optname, val, len));
	if (level == IPPROTO_TCP && optname == TCP_CONGESTION && sk->sk_prot->setsockopt) {
		/* a string, not an int (Linux do_tcp_setsockopt) */
		if (len &&
		    proc_user_access(val, MIN(len, TCP_CA_NAME_MAX), false) <
			    MIN(len, TCP_CA_NAME_MAX))
			return (int)sys_ret(-EFAULT);
		return (int)sys_ret(sk->sk_prot->setsockopt(sk, level, optname, val, len));
	}
	int v = 0, rc = opt_int(val, len, &v);
	if (rc < 0)
		return (int)sys_ret(rc);
	if (level == SOL_SOCKET) {
		/* Linux doubles the value for bookkeeping overhead (socket(7)). */
		uint64_t dbl = (uint64_t)(v < 0 ? 0 : v) * 2;
		switch (optname) {
		case SO_RCVBUF:
			sk->sk_rcvbuf = (uint32_t)CLAMP(dbl, SOCK_MIN_RCVBUF, SOCK_BUF_MAX);
			sk->sk_userlocks |= SOCK_RCVBUF_LOCK; /* Linux sock_set_rcvbuf */
			return 0;
		case SO_SNDBUF:
			sk->sk_sndbuf = (uint32_t)CLAMP(dbl, SOCK_MIN_SNDBUF, SOCK_BUF_MAX);
			sk->sk_userlocks |= SOCK_SNDBUF_LOCK; /* Linux sk_setsockopt */
			sk->sk_write_space(sk);
			return 0;
		case SO_REUSEADDR: sk->reuseaddr = v != 0; return 0;
		case SO_OOBINLINE: sk->urginline = v != 0; return 0;
		default: return (int)sys_ret(-ENOPROTOOPT);
		}
	}
	if (level == IPPROTO_IP && optname == IP_TTL) {
		if (v == -1)
			v = 0;
		if (v < 0 || v > 255)
			return (int)sys_ret(-EINVAL);
		sk->ttl = (uint8_t)v;
		return 0;
	}
	if (sk->sk_prot->setsockopt)
		return (int)sys_ret(sk->sk_prot->setsockopt(sk, level, optname, val, len));
	return (int)sys_ret(-ENOPROTOOPT);
}

int
ns_getsockopt(int fd, int level, int optname, void *val, socklen_t *len)
{
	SYS_SOCK(f, fd, sock);
	struct sock *sk = sock->sk;
	int v;
	/* sk_getsockopt: get_user(len, optlen) (EFAULT), then len < 0 is EINVAL;
	 * netsim's options are ints and need the whole int, but the timeouts. */
	if (proc_user_access(len, sizeof *len, true) < sizeof *len)
		return (int)sys_ret(-EFAULT);
	if (level == SOL_SOCKET && (optname == SO_RCVTIMEO || optname == SO_SNDTIMEO)) {
		if (*len && proc_user_access(val, *len, true) < *len)
			return (int)sys_ret(-EFAULT);
		return (int)sys_ret(sock_get_timeout(sk, optname, val, len));
	}
	if (*len < sizeof(int) && !(level == IPPROTO_TCP && optname == TCP_CONGESTION))
		return (int)sys_ret(-EINVAL);
	if (proc_user_access(val, *len, true) < *len)
		return (int)sys_ret(-EFAULT);
	if (level == SOL_SOCKET && optname == SO_ERROR)
		v = -sock_error(sk);
	else if (level == SOL_SOCKET && optname == SO_RCVBUF)
		v = (int)sk->sk_rcvbuf;
	else if (level == SOL_SOCKET && optname == SO_SNDBUF)
		v = (int)sk->sk_sndbuf;
	else if (level == SOL_SOCKET && optname == SO_TYPE)
		v = sock->type;
	else if (level == SOL_SOCKET && optname == SO_REUSEADDR)
		v = sk->reuseaddr;
	else if (level == SOL_SOCKET && optname == SO_OOBINLINE)
		v = sk->urginline;
	else if (level == IPPROTO_IP && optname == IP_TTL)
		v = sk->ttl ? sk->ttl : IPDEFTTL;
	else if (sk->sk_prot->getsockopt) {
		size_t n = *len;
		int rc = sk->sk_prot->getsockopt(sk, level, optname, val, &n);
		if (rc == 0)
			*len = (socklen_t)n;
		return (int)sys_ret(rc);
	} else
		return (int)sys_ret(-ENOPROTOOPT);
	memcpy(val, &v, sizeof(int));
	*len = sizeof(int);
	return 0;
}

static int
sys_getname(const char *fn, int fd, struct sockaddr *addr, socklen_t *len, bool peer)
{
	SYS_SCOPE();
	struct files *f = sys_enter_named(fn);
	struct socket *sock = fd_sock(f, fd);
	if (!sock)
		return (int)sys_ret(-EBADF);
	int err = user_addr_out(addr, len);
	if (err < 0)
		return (int)sys_ret(err);
	if (sock->ops->getname_addr)
		return (int)sys_ret(sock->ops->getname_addr(sock, addr, len, peer));
	uint32_t a = 0;
	uint16_t port = 0;
	int rc = sock->ops->getname(sock, &a, &port, peer);
	if (rc == 0)
		rc = addr_out(addr, len, a, port);
	return (int)sys_ret(rc);
}

int
ns_getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
	return sys_getname(__func__, fd, addr, len, false);
}

int
ns_getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
	return sys_getname(__func__, fd, addr, len, true);
}

/*
 * Drop one reference to an open socket (an fd, or a descriptor in flight in
 * an SCM_RIGHTS message); the last one releases it (Linux fput -> sock_close).
 */
void
sock_file_put(struct socket *sock)
{
	g_assert(sock->refs > 0);
	if (--sock->refs > 0)
		return;
	sock->ops->release(sock);
	g_free(sock);
}

/* ---- process helpers ------------------------------------------------------------------ */

int64_t
ns_now(void)
{
	SYS_SCOPE();
	return sim_now(proc_sim(proc_self()));
}

/* A negative time is EINVAL, as nanosleep's (kernel/time/hrtimer.c
 * timespec64_valid); a very long one sleeps until the run ends. */
int
ns_sleep(int64_t ns)
{
	SYS_SCOPE();
	if (ns < 0)
		return (int)sys_ret(-EINVAL);
	proc_sleep(proc_self(), ns);
	return 0;
}

int
ns_compute(int64_t ns)
{
	SYS_SCOPE();
	if (ns < 0)
		return (int)sys_ret(-EINVAL);
	struct proc *p = proc_self();
	proc_consume(p, ns);
	return 0;
}

void
ns_app_packet(void)
{
	SYS_SCOPE();
	struct proc *p = proc_self();
	struct host *h = proc_host(p);
	proc_consume(p, cpu_cost(h->cpu, COST_APP_PACKET));
}
