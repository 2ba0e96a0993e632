/*
 * stack/socket_msg.c - the sendmsg and recvmsg system calls: struct msghdr,
 * scatter/gather iovecs, the sender's name, control messages and the
 * MSG_TRUNC / MSG_CTRUNC flags.
 *
 * Linux counterpart: net/socket.c (__sys_sendmsg, ____sys_sendmsg,
 * copy_msghdr_from_user, ___sys_recvmsg, ____sys_recvmsg), lib/iov_iter.c
 * (import_iovec), net/core/scm.c (__scm_send), net/ipv4/ip_sockglue.c
 * (ip_cmsg_send).  Seed text: "sendmsg ... recvmsg ... access rights".
 *
 * Position: process -> ns_sendmsg -> sys_enter (one COST_SYSCALL) -> check
 * the msghdr -> gather the iovecs -> sock->ops->sendmsg (the same path as
 * ns_sendto).  Gathering into one kernel buffer is only how the simulator
 * hands the bytes on: the copy into the skb, with its CPU cost and its
 * trace row, is still the protocol's skb_copy_from_user of every byte once,
 * as Linux's copy_from_iter walks the iovecs once.
 */
#include <errno.h>
#include <glib.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>
#include <sys/uio.h>
#include "stack/socket.h"
#define NETSIM_NO_SOCKET_MACROS
#include "include/netsim/socket.h"
#include "stack/af_unix.h"
#include "stack/host.h"
#include "stack/socket_int.h"
#include "stack/udp_offload.h"

/* Linux UIO_MAXIOV (include/uapi/linux/uio.h) and MAX_RW_COUNT. */
#define NS_UIO_MAXIOV 1024
#define NS_MAX_RW_COUNT ((size_t)INT_MAX & ~(size_t)4095)

/*
 * Linux copy_msghdr_from_user + import_iovec: EMSGSIZE for more than
 * UIO_MAXIOV iovecs, EINVAL for a name longer than sockaddr_storage or an
 * iov_len that is negative as ssize_t; the total is capped at MAX_RW_COUNT.
 * Returns the total length or a negative errno.
 */
static long
msghdr_check(const struct msghdr *m, bool write)
{
	/* copy_msghdr_from_user and import_iovec read the header and the iovec
	 * array first (EFAULT); the data buffers are probed here too, before the
	 * call acts (docs/reliability.md: netsim checks before, Linux while it
	 * copies). */
	if (!m || proc_user_access(m, sizeof *m, write) < sizeof *m)
		return -EFAULT;
	if (m->msg_iovlen > NS_UIO_MAXIOV)
		return -EMSGSIZE;
	if (m->msg_name && m->msg_namelen > sizeof(struct sockaddr_storage))
		return -EINVAL;
	if (m->msg_name && m->msg_namelen &&
	    proc_user_access(m->msg_name, m->msg_namelen, write) < m->msg_namelen)
		return -EFAULT;
	if (m->msg_control && m->msg_controllen && m->msg_controllen <= INT_MAX &&
	    proc_user_access(m->msg_control, m->msg_controllen, write) < m->msg_controllen)
		return -EFAULT;
	size_t iovbytes = m->msg_iovlen * sizeof(struct iovec);
	if (m->msg_iovlen &&
	    (!m->msg_iov || proc_user_access(m->msg_iov, iovbytes, false) < iovbytes))
		return -EFAULT;
	size_t total = 0;
	for (size_t i = 0; i < m->msg_iovlen; i++) {
		if ((ssize_t)m->msg_iov[i].iov_len < 0)
			return -EINVAL;
		size_t n = MIN(m->msg_iov[i].iov_len, NS_MAX_RW_COUNT - total);
		if (n &&
		    (!m->msg_iov[i].iov_base ||
		     proc_user_access(m->msg_iov[i].iov_base, n, write) < n))
			return -EFAULT;
		total += n;
	}
	return (long)total;
}

/*
 * The control messages of an AF_INET sendmsg, checked as Linux does
 * (ip_cmsg_send for UDP and raw, sock_cmsg_send for TCP): a cmsghdr that
 * does not fit is EINVAL; SOL_SOCKET messages (SCM_RIGHTS and the rest)
 * are EINVAL on AF_INET; SOL_IP IP_TTL (1..255) sets the TTL of this
 * datagram; other SOL_IP types are not modelled (EOPNOTSUPP, see
 * docs/sockets-and-tcp.md); other levels are ignored, as in Linux.
 */
static int
inet_cmsg_send(struct socket *sock, const struct msghdr *m, int *ttl)
{
	*ttl = -1;
	if (!m->msg_control || m->msg_controllen == 0)
		return 0;
	if (m->msg_controllen > INT_MAX)
		return -ENOBUFS;
	struct msghdr mm = *m;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mm); c; c = CMSG_NXTHDR(&mm, c)) {
		if (c->cmsg_len < sizeof(struct cmsghdr) ||
		    (size_t)((char *)c - (char *)mm.msg_control) + c->cmsg_len > mm.msg_controllen)
			return -EINVAL;
		if (c->cmsg_level == SOL_SOCKET)
			return -EINVAL;
		if (c->cmsg_level != SOL_IP || sock->type == SOCK_STREAM)
			continue;
		if (c->cmsg_type != IP_TTL)
			return -EOPNOTSUPP;
		int v;
		if (c->cmsg_len != CMSG_LEN(sizeof(int)))
			return -EINVAL;
		memcpy(&v, CMSG_DATA(c), sizeof v);
		if (v < 1 || v > 255)
			return -EINVAL;
		*ttl = v;
	}
	return 0;
}

ssize_t
ns_sendmsg(int fd, const struct msghdr *m, int flags)
{
	SYS_SCOPE();
	struct files *f = sys_enter();
	struct socket *sock = fd_sock(f, fd);
	if (!sock)
		return sys_ret(-EBADF);
	long total = msghdr_check(m, false);
	if (total < 0)
		return sys_ret(total);
	if (m->msg_control && m->msg_controllen > INT_MAX)
		return sys_ret(-ENOBUFS);
	g_autofree char *buf = g_malloc(total ? (size_t)total : 1);
	size_t off = 0;
	for (size_t i = 0; i < m->msg_iovlen && off < (size_t)total; i++) {
		size_t n = MIN(m->msg_iov[i].iov_len, (size_t)total - off);
		if (n)
			memcpy(buf + off, m->msg_iov[i].iov_base, n);
		off += n;
	}
	struct ns_msg msg = { .buf = buf, .len = (size_t)total, .flags = flags };
	if (sock->ops->family != AF_INET) {
		msg.name = m->msg_name;
		msg.namelen = m->msg_name ? m->msg_namelen : 0;
		msg.control = m->msg_control;
		msg.controllen = m->msg_control ? m->msg_controllen : 0;
		return sys_ret(sock->ops->sendmsg(sock, &msg));
	}
	if ((flags & MSG_OOB) && sock->type != SOCK_STREAM)
		return sys_ret(-EOPNOTSUPP); /* see ns_send */
	int ttl, rc;
	/* udp_sendmsg: udp_cmsg_send first (UDP_SEGMENT), then ip_cmsg_send */
	if (sock->type == SOCK_DGRAM && sock->sk->sk_protocol == IPPROTO_UDP &&
	    (rc = udp_cmsg_send(m, &msg.has_gso_size, &msg.gso_size)) < 0)
		return sys_ret(rc);
	rc = inet_cmsg_send(sock, m, &ttl);
	if (rc < 0)
		return sys_ret(rc);
	/* TCP ignores msg_name on a connected socket (tcp_sendmsg_locked). */
	if (m->msg_name && m->msg_namelen && sock->type != SOCK_STREAM) {
		rc = addr_in(m->msg_name, m->msg_namelen, &msg.addr, &msg.port);
		if (rc < 0)
			return sys_ret(rc);
		msg.has_addr = true;
	} else if (sock->type == SOCK_DGRAM && !sock->sk->dport) {
		return sys_ret(-EDESTADDRREQ);
	}
	uint8_t old_ttl = sock->sk->ttl;
	if (ttl > 0)
		sock->sk->ttl = (uint8_t)ttl;
	long n = sock->ops->sendmsg(sock, &msg);
	if (ttl > 0)
		sock->sk->ttl = old_ttl;
	return sys_ret(n);
}

ssize_t
ns_recvmsg(int fd, struct msghdr *m, int flags)
{
	SYS_SCOPE();
	struct files *f = sys_enter();
	struct socket *sock = fd_sock(f, fd);
	if (!sock)
		return sys_ret(-EBADF);
	long total = msghdr_check(m, true);
	if (total < 0)
		return sys_ret(total);
	/* import_iovec: the kernel keeps its own copy of the iovecs, so what the
	 * caller's array holds after a wait does not matter. */
	size_t iovlen = m->msg_iovlen;
	g_autofree struct iovec *iov = g_memdup2(m->msg_iov, iovlen * sizeof *iov);
	/* A datagram is at most 64 KiB; a stream read at most the receive buffer. */
	size_t cap = MIN((size_t)total, 2 * (size_t)SOCK_BUF_MAX);
	g_autofree char *buf = g_malloc(cap ? cap : 1);
	struct ns_msg msg = { .buf = buf, .len = cap, .flags = flags };
	bool dgram = sock->type != SOCK_STREAM;
	long rc;
	if (sock->ops->family != AF_INET) {
		msg.rname = m->msg_name;
		socklen_t nl = m->msg_name ? m->msg_namelen : 0;
		msg.rnamelen = m->msg_name ? &nl : NULL;
		msg.control = m->msg_control;
		msg.controllen = m->msg_control ? m->msg_controllen : 0;
		rc = sock->ops->recvmsg(sock, &msg);
		if (rc < 0)
			return sys_ret(rc);
		m->msg_namelen = m->msg_name ? nl : 0;
		m->msg_controllen = msg.controllen;
		m->msg_flags = msg.msg_flags;
	} else {
		if ((flags & MSG_OOB) && sock->type == SOCK_RAW)
			return sys_ret(-EOPNOTSUPP); /* see ns_recv */
		/* Ask the datagram protocols for the full length (their MSG_TRUNC). */
		if (dgram)
			msg.flags |= MSG_TRUNC;
		/* UDP writes its control messages (udp_cmsg_recv) and their length */
		bool udp = sock->sk->sk_protocol == IPPROTO_UDP;
		msg.control = udp ? m->msg_control : NULL;
		msg.controllen = udp && m->msg_control ? m->msg_controllen : 0;
		rc = sock->ops->recvmsg(sock, &msg);
		if (rc < 0)
			return sys_ret(rc);
		m->msg_flags = msg.msg_flags & (MSG_OOB | MSG_CTRUNC); /* tcp_recv_urg */
		if (dgram && (size_t)rc > cap) {
			m->msg_flags |= MSG_TRUNC;
			if (!(flags & MSG_TRUNC))
				rc = (long)cap;
		}
		if (m->msg_name && msg.has_addr && dgram) {
			socklen_t nl = m->msg_namelen;
			int err2 = addr_out(m->msg_name, &nl, msg.addr, msg.port);
			if (err2 < 0)
				return sys_ret(err2);
			m->msg_namelen = nl;
		} else {
			m->msg_namelen = 0;
		}
		m->msg_controllen = udp ? msg.controllen : 0; /* UDP_GRO only */
	}
	/* Scatter what was copied over the iovecs. */
	size_t copied = MIN((size_t)rc, cap), off = 0;
	for (size_t i = 0; i < iovlen && off < copied; i++) {
		size_t n = MIN(iov[i].iov_len, copied - off);
		if (n)
			memcpy(iov[i].iov_base, buf + off, n);
		off += n;
	}
	return sys_ret(rc);
}

int
ns_socketpair(int domain, int type, int protocol, int sv[2])
{
	SYS_SCOPE();
	struct files *f = sys_enter();
	if (!sv || proc_user_access(sv, 2 * sizeof(int), true) < 2 * sizeof(int))
		return (int)sys_ret(-EFAULT);
	if (domain == AF_INET)
		return (int)sys_ret(-EOPNOTSUPP); /* Linux sock_no_socketpair */
	if (domain != AF_UNIX)
		return (int)sys_ret(-EAFNOSUPPORT);
	int flags = type & (SOCK_NONBLOCK | SOCK_CLOEXEC);
	struct socket *a, *b;
	int rc = unix_socketpair(f->host, type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC), protocol, flags,
				 &a, &b);
	if (rc < 0)
		return (int)sys_ret(rc);
	int fa = fd_alloc(f, a);
	int fb = fa < 0 ? fa : fd_alloc(f, b);
	if (fb < 0) {
		if (fa >= 0) {
			f->fd[fa] = NULL;
			f->host->socks->stats.sockets_open--;
		}
		sock_file_put(a);
		sock_file_put(b);
		return (int)sys_ret(-EMFILE);
	}
	sv[0] = fa;
	sv[1] = fb;
	return 0;
}

int
ns_unlink(const char *path)
{
	SYS_SCOPE();
	struct files *f = sys_enter();
	/* getname: the name must end within what can be read (EFAULT), and
	 * within PATH_MAX (ENAMETOOLONG) */
	size_t n = path ? proc_user_access(path, 4096, false) : 0;
	if (!n || !memchr(path, 0, n))
		return (int)sys_ret(n < 4096 ? -EFAULT : -ENAMETOOLONG);
	return (int)sys_ret(unix_unlink(f->host, path));
}

/*
 * ioctl(2) on a socket (Linux sock_ioctl -> sock_do_ioctl -> inet_ioctl ->
 * sk->sk_prot->ioctl, which answers in kernel memory since 6.5; the answer
 * is then put_user'd).  TCP answers SIOCATMARK, SIOCINQ and SIOCOUTQ
 * (stack/tcp_urg.c); a command nobody answers is ENOTTY.  Simplification:
 * Linux's device ioctls behind sock_do_ioctl (SIOCGIFADDR ..., ENODEV for
 * an unknown SIOCDEVPRIVATE) and AF_UNIX's unix_ioctl are not modelled.
 */
int
ns_ioctl(int fd, unsigned long request, ...)
{
	SYS_SCOPE();
	struct files *f = sys_enter();
	struct socket *sock = fd_sock(f, fd);
	if (!sock)
		return (int)sys_ret(-EBADF);
	va_list ap;
	va_start(ap, request);
	int *arg = va_arg(ap, int *);
	va_end(ap);
	struct sock *sk = sock->sk;
	int karg = 0;
	int rc = -NS_ENOIOCTLCMD;
	if (sock->ops->family == AF_INET && sk && sk->sk_prot->ioctl)
		rc = sk->sk_prot->ioctl(sk, (int)request, &karg);
	if (rc == -NS_ENOIOCTLCMD)
		return (int)sys_ret(-ENOTTY);
	if (rc < 0)
		return (int)sys_ret(rc);
	if (proc_user_access(arg, sizeof *arg, true) < sizeof *arg)
		return (int)sys_ret(-EFAULT);
	memcpy(arg, &karg, sizeof karg);
	return 0;
}

/* glibc sockatmark: ioctl(fd, SIOCATMARK, &answer). */
int
ns_sockatmark(int fd)
{
	int at = 0;
	return ns_ioctl(fd, SIOCATMARK, &at) < 0 ? -1 : at;
}
