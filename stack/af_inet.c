/*
 * stack/af_inet.c - the AF_INET socket types: inet_stream_ops and
 * inet_dgram_ops, and which struct proto serves a (type, protocol).
 *
 * Linux counterpart: net/ipv4/af_inet.c (inetsw, inet_bind, inet_release,
 * inet_stream_connect, inet_accept, inet_getname, inet_shutdown,
 * inet_sendmsg, inet_recvmsg) and net/core/datagram.c (datagram_poll).
 *
 * Position: a system call (stack/socket.c) -> sock->ops (here) ->
 * sk->sk_prot (udp_prot, tcp_prot, raw_prot).
 */
#include "stack/af_inet.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <string.h>
#include "stack/host.h"
#include "stack/ipv4.h"
#include "stack/raw.h"
#include "stack/rps.h"
#include "stack/socket.h"
#include "stack/socket_int.h"
#include "stack/tcp.h"
#include "stack/udp.h"

static const struct proto_ops inet_stream_ops;

/* Linux inetsw_array: what inet_init registers at boot. */
static const struct inet_protosw inetsw[] = {
	{ SOCK_STREAM, IPPROTO_TCP, &tcp_prot, &inet_stream_ops, INET_PROTOSW_PERMANENT },
	{ SOCK_DGRAM, IPPROTO_UDP, &udp_prot, &inet_dgram_ops, INET_PROTOSW_PERMANENT },
	/* Linux: IPPROTO_IP, the wildcard: a raw socket of any IP protocol */
	/* Linux: inet_sockraw_ops, INET_PROTOSW_REUSE (not permanent) */
	{ SOCK_RAW, IPPROTO_IP, &raw_prot, &inet_dgram_ops, 0 },
};

/* The host's inetsw lists, one per type (in the socket layer's table). */
static GPtrArray **
host_inetsw(struct host *host)
{
	return host->socks->inetsw;
}

int
proto_register(const struct proto *prot)
{
	if (!prot || !prot->close || !prot->sendmsg || !prot->recvmsg || !prot->get_port ||
	    !prot->unhash || prot->obj_size < sizeof(struct sock))
		return -EINVAL;
	return 0;
}

/*
 * The proto_ops every socket call may reach (stack/socket.c calls them
 * without a NULL check): a table that lacks one is refused at
 * registration, not found at the first call.  Linux checks nothing here;
 * a module with a bad table oopses the kernel at its first use.
 */
static bool
proto_ops_ok(const struct proto_ops *ops)
{
	return ops && ops->family == AF_INET && ops->release && ops->bind && ops->connect &&
		ops->accept && ops->getname && ops->poll && ops->listen && ops->shutdown &&
		ops->sendmsg && ops->recvmsg;
}

int
inet_register_protosw(struct host *host, const struct inet_protosw *p)
{
	if (!p || p->type < 0 || p->type >= NS_SOCK_MAX || !proto_ops_ok(p->ops) ||
	    proto_register(p->prot) < 0)
		return -EINVAL;
	GPtrArray **lists = host_inetsw(host);
	if (!lists[p->type])
		lists[p->type] = g_ptr_array_new();
	GPtrArray *l = lists[p->type];
	guint at = 0;
	for (; at < l->len; at++) {
		const struct inet_protosw *answer = l->pdata[at];
		if (!(answer->flags & INET_PROTOSW_PERMANENT))
			break;
		if (answer->protocol == p->protocol)
			return -EPERM;
	}
	g_ptr_array_insert(l, (gint)at, (gpointer)p);
	return 0;
}

void
inet_unregister_protosw(struct host *host, const struct inet_protosw *p)
{
	GPtrArray **lists = host_inetsw(host);
	if (p->type >= 0 && p->type < NS_SOCK_MAX && lists[p->type] &&
	    !(p->flags & INET_PROTOSW_PERMANENT))
		g_ptr_array_remove(lists[p->type], (gpointer)p);
}

void
inet_protosw_init(struct host *host)
{
	for (size_t i = 0; i < G_N_ELEMENTS(inetsw); i++) {
		int rc = inet_register_protosw(host, &inetsw[i]);
		g_assert(rc == 0);
	}
}

const struct inet_protosw *
inet_protosw_lookup(struct host *host, int type, int protocol, int *err)
{
	/* Linux inet_create: IPPROTO_MAX is 263; an entry with protocol
	 * IPPROTO_IP (raw) serves any protocol but 0 itself. */
	if (protocol < 0 || protocol >= 263) {
		*err = -EINVAL;
		return NULL;
	}
	GPtrArray *l = type >= 0 && type < NS_SOCK_MAX ? host_inetsw(host)[type] : NULL;
	if (!l || l->len == 0) {
		*err = -ESOCKTNOSUPPORT;
		return NULL;
	}
	for (guint i = 0; i < l->len; i++) {
		const struct inet_protosw *a = l->pdata[i];
		if (protocol == a->protocol ? protocol != IPPROTO_IP
					    : protocol == IPPROTO_IP || a->protocol == IPPROTO_IP)
			return a;
	}
	*err = -EPROTONOSUPPORT;
	return NULL;
}

/* ---- proto_ops shared by both types (af_inet.c) ------------------------------------- */

static int
inet_release(struct socket *sock)
{
	struct sock *sk = sock->sk;
	if (!sk)
		return 0;
	sock->sk = NULL;
	sk->sk_socket = NULL;
	sk->dead = true;
	sk->sk_prot->close(sk, 0);
	sock_put(sk);
	return 0;
}

static int
inet_autobind(struct sock *sk)
{
	return sk->num ? 0 : sk->sk_prot->get_port(sk, 0);
}

static int
inet_bind(struct socket *sock, uint32_t addr, uint16_t port)
{
	struct sock *sk = sock->sk;
	if (addr != INET_ADDR_ANY && !ip_addr_is_local(sk->host, addr))
		return -EADDRNOTAVAIL;
	if (sk->num)
		return -EINVAL;
	sk->rcv_saddr = sk->saddr = addr;
	int rc = sk->sk_prot->get_port(sk, port);
	if (rc < 0)
		sk->rcv_saddr = sk->saddr = 0;
	return rc < 0 ? rc : 0;
}

static int
inet_getname(struct socket *sock, uint32_t *addr, uint16_t *port, bool peer)
{
	struct sock *sk = sock->sk;
	if (peer) {
		if (!sk->dport || (sock->type == SOCK_STREAM && sock->state != SS_CONNECTED))
			return -ENOTCONN;
		*addr = sk->daddr;
		*port = sk->dport;
	} else {
		*addr = sk->rcv_saddr ? sk->rcv_saddr : sk->saddr;
		*port = sk->num;
	}
	return 0;
}

static int
inet_sendmsg(struct socket *sock, struct ns_msg *msg)
{
	struct sock *sk = sock->sk;
	sock_rps_record_flow(sk); /* inet_send_prepare (RFS, stack/rps.h) */
	int rc = inet_autobind(sk);
	if (rc < 0)
		return rc;
	return sk->sk_prot->sendmsg(sk, msg);
}

static int
inet_recvmsg(struct socket *sock, struct ns_msg *msg)
{
	sock_rps_record_flow(sock->sk); /* RFS: the reader's CPU (stack/rps.h) */
	return sock->sk->sk_prot->recvmsg(sock->sk, msg);
}

/* ---- datagram sockets ----------------------------------------------------------------- */

static int
inet_dgram_connect(struct socket *sock, uint32_t addr, uint16_t port, int flags)
{
	struct sock *sk = sock->sk;
	int rc = inet_autobind(sk);
	if (rc < 0)
		return rc;
	if (sk->sk_prot->connect) {
		rc = sk->sk_prot->connect(sk, addr, port);
		if (rc < 0)
			return rc;
	} else {
		if (!sk->saddr) {
			uint32_t s = ip_select_saddr(sk->host, addr);
			if (!s)
				return -ENETUNREACH;
			sk->saddr = s;
		}
		sk->daddr = addr;
		sk->dport = port;
	}
	sock->state = SS_CONNECTED;
	return 0;
}

static int
inet_dgram_accept(struct socket *sock, struct socket *newsock, int flags)
{
	return -EOPNOTSUPP;
}

static int
inet_dgram_listen(struct socket *sock, int backlog)
{
	return -EOPNOTSUPP;
}

/*
 * Linux datagram_poll: the poll of every datagram socket (UDP, raw); a
 * protocol's own poll, when it has one, takes its place.
 */
static unsigned
datagram_poll(struct socket *sock)
{
	struct sock *sk = sock->sk;
	if (sk->sk_prot->poll)
		return sk->sk_prot->poll(sk);
	unsigned mask = 0;
	if (sk->sk_err)
		mask |= POLLERR;
	if (sk->sk_shutdown == SHUTDOWN_MASK)
		mask |= POLLHUP;
	if (!skb_queue_empty(&sk->sk_receive_queue) || (sk->sk_shutdown & RCV_SHUTDOWN))
		mask |= POLLIN | POLLRDNORM;
	if (sock_writeable(sk))
		mask |= POLLOUT | POLLWRNORM;
	return mask;
}

static int
inet_dgram_shutdown(struct socket *sock, int how)
{
	struct sock *sk = sock->sk;
	sk->sk_shutdown |= (uint8_t)how;
	sk->sk_state_change(sk);
	return sock->state == SS_CONNECTED ? 0 : -ENOTCONN;
}

const struct proto_ops inet_dgram_ops = {
	.family = AF_INET,
	.release = inet_release,
	.bind = inet_bind,
	.connect = inet_dgram_connect,
	.accept = inet_dgram_accept,
	.getname = inet_getname,
	.poll = datagram_poll,
	.listen = inet_dgram_listen,
	.shutdown = inet_dgram_shutdown,
	.sendmsg = inet_sendmsg,
	.recvmsg = inet_recvmsg,
};

/* ---- stream sockets -------------------------------------------------------------------- */

static bool
connect_done(struct sock *sk)
{
	return sk->sk_state != TCP_SYN_SENT && sk->sk_state != TCP_SYN_RECV;
}

/* Linux __inet_stream_connect. */
static int
inet_stream_connect(struct socket *sock, uint32_t addr, uint16_t port, int flags)
{
	struct sock *sk = sock->sk;
	int rc;
	switch (sock->state) {
	case SS_CONNECTED: return -EISCONN;
	case SS_CONNECTING:
		if (!connect_done(sk))
			return -EALREADY;
		break;
	default:
		if (sk->sk_state == TCP_LISTEN)
			return -EISCONN;
		rc = sk->sk_prot->connect(sk, addr, port);
		if (rc < 0)
			return rc;
		sock->state = SS_CONNECTING;
		break;
	}
	sim_time_t timeo = sock_sndtimeo(sk, flags);
	if (!connect_done(sk)) {
		if (timeo == 0)
			return -EINPROGRESS;
		sk_wait_event(sk, &timeo, connect_done);
		/* SO_SNDTIMEO ran out: still connecting (Linux __inet_stream_connect). */
		if (!connect_done(sk))
			return -EINPROGRESS;
	}
	if (sk->sk_state == TCP_CLOSE) {
		sock->state = SS_UNCONNECTED;
		rc = sock_error(sk);
		return rc ? rc : -ECONNREFUSED;
	}
	sock->state = SS_CONNECTED;
	return 0;
}

static int
inet_accept(struct socket *sock, struct socket *newsock, int flags)
{
	struct sock *sk = sock->sk;
	int err = 0;
	struct sock *newsk = sk->sk_prot->accept(sk, flags, &err);
	if (!newsk)
		return err;
	sock_rps_record_flow(newsk); /* Linux inet_accept (RFS) */
	newsk->sk_socket = newsock;
	newsock->sk = newsk;
	newsock->state = SS_CONNECTED;
	return 0;
}

static unsigned
inet_stream_poll(struct socket *sock)
{
	struct sock *sk = sock->sk;
	/* SS_CONNECTING done: the socket becomes writable or shows the error. */
	if (sock->state == SS_CONNECTING && connect_done(sk))
		sock->state = sk->sk_state == TCP_CLOSE ? SS_UNCONNECTED : SS_CONNECTED;
	return sk->sk_prot->poll(sk);
}

static int
inet_listen(struct socket *sock, int backlog)
{
	struct sock *sk = sock->sk;
	if (sock->state != SS_UNCONNECTED)
		return -EINVAL;
	int rc = inet_autobind(sk);
	return rc < 0 ? rc : sk->sk_prot->listen(sk, backlog);
}

static int
inet_stream_shutdown(struct socket *sock, int how)
{
	struct sock *sk = sock->sk;
	if (sk->sk_state == TCP_LISTEN && (how & RCV_SHUTDOWN)) {
		sk->sk_prot->close(sk, 0); /* Linux: shutdown(SHUT_RD) on a listener closes it */
		return 0;
	}
	if (sock->state != SS_CONNECTED && sock->state != SS_CONNECTING)
		return -ENOTCONN;
	return sk->sk_prot->shutdown(sk, how);
}

static int
inet_stream_sendmsg(struct socket *sock, struct ns_msg *msg)
{
	msg->has_addr = false;		/* Linux: an address on a connected stream is ignored */
	sock_rps_record_flow(sock->sk); /* inet_send_prepare (RFS) */
	return sock->sk->sk_prot->sendmsg(sock->sk, msg);
}

static const struct proto_ops inet_stream_ops = {
	.family = AF_INET,
	.release = inet_release,
	.bind = inet_bind,
	.connect = inet_stream_connect,
	.accept = inet_accept,
	.getname = inet_getname,
	.poll = inet_stream_poll,
	.listen = inet_listen,
	.shutdown = inet_stream_shutdown,
	.sendmsg = inet_stream_sendmsg,
	.recvmsg = inet_recvmsg,
};
