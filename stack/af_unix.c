/*
 * stack/af_unix.c - AF_UNIX stream and datagram sockets (see af_unix.h).
 *
 * Linux counterpart: net/unix/af_unix.c (unix_create, unix_bind,
 * unix_stream_connect, unix_accept, unix_stream_sendmsg,
 * unix_stream_read_generic, unix_dgram_sendmsg, unix_dgram_recvmsg,
 * unix_poll, unix_dgram_poll, unix_release_sock, unix_socketpair,
 * unix_shutdown) and net/core/scm.c (__scm_send, scm_detach_fds).
 *
 * Memory accounting, as Linux: an skb is charged to the SENDER's
 * sk_wmem_alloc by its truesize until the receiver has read it all
 * (Linux's skb destructor sock_wfree); a stream writer blocks while its
 * sk_wmem_alloc is at sk_sndbuf, a datagram writer also while the
 * receiver holds more than UNIX_MAX_DGRAM_QLEN datagrams.  Each queued skb
 * holds a reference on its sender's sock (skb->sk in Linux).
 *
 * Simplifications (docs/sockets-and-tcp.md): no SOCK_SEQPACKET, no
 * SCM_CREDENTIALS, no MSG_OOB (Linux 5.15+ has one OOB byte on stream
 * sockets), no garbage collector for descriptors in flight in a cycle.
 */
#include "stack/af_unix.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "sim/proc.h"
#include "stack/host.h"
#include "stack/sock.h"
#include "stack/socket.h"
#include "stack/socket_int.h"

#include "stack/af_unix_int.h"

static const struct proto_ops unix_stream_ops;
static const struct proto_ops unix_dgram_ops;
static const struct proto unix_proto;

/* ---- names ------------------------------------------------------------------ */

static void
unix_name_free(gpointer p)
{
	struct unix_name *n = p;
	if (n->u)
		n->u->name = NULL;
	g_bytes_unref(n->key);
	g_free(n);
}

static GHashTable *
name_table(struct host *host)
{
	if (!host->socks->unix_names)
		host->socks->unix_names =
			g_hash_table_new_full(g_bytes_hash, g_bytes_equal, NULL, unix_name_free);
	return host->socks->unix_names;
}

void
unix_host_fini(struct host *host)
{
	if (host->socks && host->socks->unix_names)
		g_clear_pointer(&host->socks->unix_names, g_hash_table_destroy);
}

/*
 * Linux unix_validate_addr + unix_mkname: the key of @addr.  EINVAL for a
 * length outside [sizeof(sa_family_t), sizeof(sockaddr_un)] or another
 * family.  Returns NULL with *err = 0 for an address of the family alone
 * (autobind on bind).
 */
static GBytes *
unix_mkname(const struct sockaddr *addr, socklen_t len, bool *abstract, int *err)
{
	*err = -EINVAL;
	if (!addr || len < offsetof(struct sockaddr_un, sun_path) ||
	    len > sizeof(struct sockaddr_un))
		return NULL;
	if (addr->sa_family != AF_UNIX)
		return NULL;
	*err = 0;
	const struct sockaddr_un *sun = (const struct sockaddr_un *)addr;
	size_t n = len - offsetof(struct sockaddr_un, sun_path);
	if (n == 0)
		return NULL;
	*abstract = sun->sun_path[0] == '\0';
	if (!*abstract)
		n = strnlen(sun->sun_path, n);
	return g_bytes_new(sun->sun_path, n);
}

static int
unix_bind_key(struct unix_sock *u, GBytes *key, bool abstract)
{
	GHashTable *t = name_table(u->sk.host);
	if (g_hash_table_contains(t, key)) {
		g_bytes_unref(key);
		return -EADDRINUSE;
	}
	struct unix_name *n = g_new0(struct unix_name, 1);
	n->key = key;
	n->u = u;
	n->abstract = abstract;
	n->sun.sun_family = AF_UNIX;
	gsize sz;
	const void *d = g_bytes_get_data(key, &sz);
	memcpy(n->sun.sun_path, d, sz);
	n->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + sz + (abstract ? 0 : 1));
	g_hash_table_insert(t, key, n);
	u->name = n;
	u->addr = n->sun;
	u->addr_len = n->len;
	return 0;
}

/* Linux unix_autobind: an abstract name of five hex digits.  The first
 * free one from 00001: O(names taken) per autobind, so O(n^2) over n
 * autobound sockets, where Linux starts its search at a moving point
 * (ordernum); a scenario autobinds a few, and the name stays
 * deterministic. */
static int
unix_autobind(struct unix_sock *u)
{
	for (unsigned i = 1; i <= 0xfffff; i++) {
		char buf[6];
		buf[0] = '\0';
		g_snprintf(buf + 1, sizeof buf - 1, "%05x", i);
		if (unix_bind_key(u, g_bytes_new(buf, 6), true) == 0)
			return 0;
	}
	return -ENOSPC;
}

static int
unix_bind(struct socket *sock, const struct sockaddr *addr, socklen_t len)
{
	struct unix_sock *u = unix_sk(sock->sk);
	bool abstract = false;
	int err;
	GBytes *key = unix_mkname(addr, len, &abstract, &err);
	if (err < 0)
		return err;
	if (u->name) {
		if (key)
			g_bytes_unref(key);
		return -EINVAL;
	}
	if (!key)
		return unix_autobind(u);
	if (!abstract && g_bytes_get_size(key) == 0) {
		g_bytes_unref(key);
		return -ENOENT;
	}
	return unix_bind_key(u, key, abstract);
}

/* Linux unix_find_other: the socket named @addr, with the errors of a lookup. */
struct unix_sock *
unix_find_other(struct host *host, const struct sockaddr *addr, socklen_t len, int type, int *err)
{
	bool abstract = false;
	GBytes *key = unix_mkname(addr, len, &abstract, err);
	if (*err < 0)
		return NULL;
	if (!key) {
		*err = -EINVAL;
		return NULL;
	}
	struct unix_name *n = g_hash_table_lookup(name_table(host), key);
	g_bytes_unref(key);
	if (!n) {
		*err = abstract ? -ECONNREFUSED : -ENOENT;
		return NULL;
	}
	if (!n->u || n->u->sk.dead) {
		*err = -ECONNREFUSED;
		return NULL;
	}
	if (n->u->sk.sk_type != type) {
		*err = -EPROTOTYPE;
		return NULL;
	}
	*err = 0;
	return n->u;
}

int
unix_unlink(struct host *host, const char *path)
{
	g_autoptr(GBytes) key = g_bytes_new(path, strlen(path));
	struct unix_name *n = host->socks ? g_hash_table_lookup(name_table(host), key) : NULL;
	if (!n || n->abstract)
		return -ENOENT;
	g_hash_table_remove(name_table(host), key);
	return 0;
}

static int
unix_getname(struct socket *sock, struct sockaddr *addr, socklen_t *len, bool peer)
{
	struct unix_sock *u = unix_sk(sock->sk);
	if (peer) {
		if (!u->peer)
			return -ENOTCONN;
		u = u->peer;
	}
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	socklen_t n = offsetof(struct sockaddr_un, sun_path);
	if (u->addr_len) {
		sun = u->addr;
		n = u->addr_len;
	}
	if (addr && len) {
		memcpy(addr, &sun, MIN(*len, n));
		*len = n;
	}
	return 0;
}

/* ---- create, connect, accept, release ---------------------------------------------- */

static struct unix_sock *
unix_sk_new(struct host *host, int type)
{
	struct sock *sk = sk_alloc(host, AF_UNIX, type, 0, &unix_proto);
	sk->sk_state = U_CLOSE;
	g_queue_init(&unix_sk(sk)->accepts);
	return unix_sk(sk);
}

int
unix_create(struct host *host, int type, int protocol, int flags, struct socket **out)
{
	if (protocol && protocol != AF_UNIX)
		return -EPROTONOSUPPORT;
	if (type == SOCK_RAW)
		type = SOCK_DGRAM; /* as Linux unix_create */
	if (type != SOCK_STREAM && type != SOCK_DGRAM)
		return -ESOCKTNOSUPPORT;
	struct socket *sock = g_new0(struct socket, 1);
	sock->state = SS_UNCONNECTED;
	sock->type = (short)type;
	sock->ops = type == SOCK_STREAM ? &unix_stream_ops : &unix_dgram_ops;
	sock->host = host;
	sock->refs = 1;
	sock->file_flags = (flags & SOCK_NONBLOCK) ? O_NONBLOCK : 0;
	struct unix_sock *u = unix_sk_new(host, type);
	u->sk.sk_socket = sock;
	sock->sk = &u->sk;
	*out = sock;
	return 0;
}

static void
unix_link(struct unix_sock *a, struct unix_sock *b)
{
	sock_hold(&b->sk);
	a->peer = b;
	sock_hold(&a->sk);
	b->peer = a;
	a->sk.sk_state = b->sk.sk_state = U_ESTABLISHED;
}

int
unix_socketpair(struct host *host, int type, int protocol, int flags, struct socket **a,
		struct socket **b)
{
	int rc = unix_create(host, type, protocol, flags, a);
	if (rc < 0)
		return rc;
	rc = unix_create(host, type, protocol, flags, b);
	if (rc < 0) { /* the same arguments did not fail the first time */
		(*a)->ops->release(*a);
		g_free(*a);
		return rc;
	}
	unix_link(unix_sk((*a)->sk), unix_sk((*b)->sk));
	(*a)->state = (*b)->state = SS_CONNECTED;
	return 0;
}

static bool
accept_room(struct sock *sk)
{
	struct unix_sock *l = unix_sk(sk);
	return sk->sk_state != U_LISTEN || sk->dead || (int)l->accepts.length <= l->backlog;
}

/* Linux unix_stream_connect: the server's sock is made here, connected, and
 * queued on the listener; accept only picks it up. */
static int
unix_stream_connect(struct socket *sock, const struct sockaddr *addr, socklen_t len, int flags)
{
	struct unix_sock *u = unix_sk(sock->sk);
	if (u->sk.sk_state == U_ESTABLISHED)
		return -EISCONN;
	if (u->sk.sk_state == U_LISTEN)
		return -EINVAL;
	int err;
	struct unix_sock *l = unix_find_other(sock->host, addr, len, SOCK_STREAM, &err);
	if (!l)
		return err;
	if (l->sk.sk_state != U_LISTEN || (l->sk.sk_shutdown & RCV_SHUTDOWN))
		return -ECONNREFUSED;
	sim_time_t timeo = sock_sndtimeo(&u->sk, flags);
	sock_hold(&l->sk);
	int rc = sk_wait_event(&l->sk, &timeo, accept_room);
	if (l->sk.dead || l->sk.sk_state != U_LISTEN) {
		sock_put(&l->sk);
		return -ECONNREFUSED;
	}
	if (rc < 0 || !accept_room(&l->sk)) {
		sock_put(&l->sk);
		return rc < 0 ? rc : -EAGAIN;
	}
	struct unix_sock *n = unix_sk_new(sock->host, SOCK_STREAM);
	n->addr = l->addr; /* the accepted socket carries the listener's name */
	n->addr_len = l->addr_len;
	unix_link(u, n);
	g_queue_push_tail(&l->accepts, n);
	sock->state = SS_CONNECTED;
	l->sk.sk_data_ready(&l->sk);
	sock_put(&l->sk);
	return 0;
}

static int
unix_dgram_connect(struct socket *sock, const struct sockaddr *addr, socklen_t len, int flags)
{
	(void)flags;
	struct unix_sock *u = unix_sk(sock->sk);
	if (addr && len >= sizeof(sa_family_t) && addr->sa_family == AF_UNSPEC) {
		if (u->peer) {
			sock_put(&u->peer->sk);
			u->peer = NULL;
		}
		u->sk.sk_state = U_CLOSE;
		sock->state = SS_UNCONNECTED;
		return 0;
	}
	int err;
	struct unix_sock *o = unix_find_other(sock->host, addr, len, SOCK_DGRAM, &err);
	if (!o)
		return err;
	if (u->peer)
		sock_put(&u->peer->sk);
	sock_hold(&o->sk);
	u->peer = o;
	u->sk.sk_state = U_ESTABLISHED;
	sock->state = SS_CONNECTED;
	return 0;
}

static int
unix_connect_inet(struct socket *sock, uint32_t a, uint16_t p, int flags)
{
	(void)sock, (void)a, (void)p, (void)flags;
	return -EINVAL; /* never called: connect_addr is set */
}

static int
unix_bind_inet(struct socket *sock, uint32_t a, uint16_t p)
{
	(void)sock, (void)a, (void)p;
	return -EINVAL;
}

static int
unix_getname_inet(struct socket *sock, uint32_t *a, uint16_t *p, bool peer)
{
	(void)sock, (void)a, (void)p, (void)peer;
	return -EINVAL;
}

static int
unix_listen(struct socket *sock, int backlog)
{
	struct unix_sock *u = unix_sk(sock->sk);
	if (sock->type != SOCK_STREAM)
		return -EOPNOTSUPP;
	if (!u->name || u->sk.sk_state == U_ESTABLISHED)
		return -EINVAL;
	u->backlog = backlog < 0 ? 0 : MIN(backlog, 4096);
	u->sk.sk_state = U_LISTEN;
	u->sk.sk_write_space(&u->sk); /* connectors waiting for room */
	return 0;
}

static bool
accept_ready(struct sock *sk)
{
	return unix_sk(sk)->accepts.length > 0 || sk->sk_state != U_LISTEN;
}

static int
unix_accept(struct socket *sock, struct socket *newsock, int flags)
{
	struct unix_sock *l = unix_sk(sock->sk);
	if (sock->type != SOCK_STREAM)
		return -EOPNOTSUPP;
	if (l->sk.sk_state != U_LISTEN)
		return -EINVAL;
	sim_time_t timeo = sock_rcvtimeo(&l->sk, flags);
	int rc = sk_wait_event(&l->sk, &timeo, accept_ready);
	struct unix_sock *n = g_queue_pop_head(&l->accepts);
	if (!n)
		return rc < 0 ? rc : -EINVAL;
	l->sk.sk_write_space(&l->sk); /* a connector may now queue */
	n->sk.sk_socket = newsock;
	newsock->sk = &n->sk;
	newsock->state = SS_CONNECTED;
	return 0;
}

/* Return the skb's sender charge and reference, and what it carries (Linux
 * sock_wfree + unix_destruct_scm). */
void
unix_skb_release(struct sk_buff *skb)
{
	struct unix_skb_cb *cb = UNIXCB(skb);
	for (int i = 0; i < cb->nfds; i++)
		sock_file_put(cb->fds[i]);
	g_clear_pointer(&cb->fds, g_free);
	cb->nfds = 0;
	if (cb->from) {
		struct sock *from = &cb->from->sk;
		from->sk_wmem_alloc -= cb->truesize;
		cb->from = NULL;
		from->sk_write_space(from);
		sock_put(from);
	}
}

static void
unix_purge(struct sock *sk)
{
	struct sk_buff *skb;
	while ((skb = skb_dequeue(&sk->sk_receive_queue)) != NULL) {
		unix_skb_release(skb);
		skb_drop(skb, SKB_DROP_SOCKET_CLOSE);
	}
}

/* Linux unix_release_sock. */
static void
unix_release_sock(struct unix_sock *u)
{
	struct sock *sk = &u->sk;
	bool unread = !skb_queue_empty(&sk->sk_receive_queue);
	sk->dead = true;
	sk->sk_shutdown = SHUTDOWN_MASK;
	if (u->name) {
		if (u->name->abstract)
			g_hash_table_remove(name_table(sk->host), u->name->key);
		else
			u->name->u = NULL;
		u->name = NULL;
	}
	if (u->wait_sk) {
		sock_wait_remove(u->wait_sk, u->wait_e);
		u->wait_sk = NULL;
	}
	struct unix_sock *peer = u->peer;
	u->peer = NULL;
	if (peer) {
		if (sk->sk_type == SOCK_STREAM) {
			peer->sk.sk_shutdown = SHUTDOWN_MASK;
			if (unread)
				peer->sk.sk_err = ECONNRESET;
			peer->sk.sk_state_change(&peer->sk);
		}
		sock_put(&peer->sk);
	}
	sk->sk_state = U_CLOSE;
	unix_purge(sk);
	struct unix_sock *n;
	while ((n = g_queue_pop_head(&u->accepts)) != NULL)
		unix_release_sock(n); /* connected but never accepted */
	sk->sk_state_change(sk);
	sock_put(sk);
}

static int
unix_release(struct socket *sock)
{
	if (sock->sk) {
		sock->sk->sk_socket = NULL;
		unix_release_sock(unix_sk(sock->sk));
		sock->sk = NULL;
	}
	return 0;
}

static int
unix_shutdown(struct socket *sock, int mode)
{
	struct sock *sk = sock->sk;
	if (sk->sk_state != U_ESTABLISHED && sock->type == SOCK_STREAM)
		return -ENOTCONN;
	sk->sk_shutdown |= (uint8_t)mode;
	struct unix_sock *peer = unix_sk(sk)->peer;
	if (peer && sock->type == SOCK_STREAM) {
		if (mode & RCV_SHUTDOWN)
			peer->sk.sk_shutdown |= SEND_SHUTDOWN;
		if (mode & SEND_SHUTDOWN)
			peer->sk.sk_shutdown |= RCV_SHUTDOWN;
		peer->sk.sk_state_change(&peer->sk);
	}
	sk->sk_state_change(sk);
	return 0;
}

/* Linux unix_writable: a quarter of sk_sndbuf or less in flight. */
bool
unix_writable(const struct sock *sk)
{
	return (uint64_t)sk->sk_wmem_alloc * 4 <= sk->sk_sndbuf;
}

bool
unix_recvq_full(const struct unix_sock *o)
{
	return skb_queue_len(&o->sk.sk_receive_queue) > UNIX_MAX_DGRAM_QLEN;
}

/* Linux unix_poll and unix_dgram_poll. */
static unsigned
unix_poll(struct socket *sock)
{
	struct sock *sk = sock->sk;
	struct unix_sock *u = unix_sk(sk);
	unsigned mask = 0;
	if (sk->sk_err)
		mask |= POLLERR;
	if (sk->sk_shutdown == SHUTDOWN_MASK)
		mask |= POLLHUP;
	if (sk->sk_shutdown & RCV_SHUTDOWN)
		mask |= POLLRDHUP | POLLIN | POLLRDNORM;
	if (!skb_queue_empty(&sk->sk_receive_queue) || u->accepts.length)
		mask |= POLLIN | POLLRDNORM;
	if (sock->type == SOCK_STREAM) {
		if (sk->sk_state == U_CLOSE && sock->state == SS_CONNECTED)
			mask |= POLLHUP;
		if (sk->sk_state == U_ESTABLISHED && unix_writable(sk))
			mask |= POLLOUT | POLLWRNORM;
	} else {
		bool ok = unix_writable(sk) && !(u->peer && unix_recvq_full(u->peer));
		if (ok)
			mask |= POLLOUT | POLLWRNORM;
	}
	return mask;
}

static int
unix_sendmsg_stub_sk(struct sock *sk, struct ns_msg *msg)
{
	(void)sk, (void)msg;
	return -EOPNOTSUPP; /* the data path is in proto_ops (af_unix_msg.c) */
}

static int
unix_get_port(struct sock *sk, uint16_t port)
{
	(void)sk, (void)port;
	return -EINVAL;
}

static void
unix_close_sk(struct sock *sk, sim_time_t timeout)
{
	(void)sk, (void)timeout;
}

static void
unix_unhash(struct sock *sk)
{
	(void)sk;
}

/* AF_UNIX has no transport protocol below the socket: struct proto only
 * gives the sock its size and its destructor. */
static const struct proto unix_proto = {
	.name = "UNIX",
	.close = unix_close_sk,
	.sendmsg = unix_sendmsg_stub_sk,
	.recvmsg = unix_sendmsg_stub_sk,
	.get_port = unix_get_port,
	.unhash = unix_unhash,
	.obj_size = sizeof(struct unix_sock),
	.destroy = unix_purge,
};

static const struct proto_ops unix_stream_ops = {
	.family = AF_UNIX,
	.release = unix_release,
	.bind = unix_bind_inet,
	.connect = unix_connect_inet,
	.accept = unix_accept,
	.getname = unix_getname_inet,
	.poll = unix_poll,
	.listen = unix_listen,
	.shutdown = unix_shutdown,
	.sendmsg = unix_stream_sendmsg,
	.recvmsg = unix_stream_recvmsg,
	.bind_addr = unix_bind,
	.connect_addr = unix_stream_connect,
	.getname_addr = unix_getname,
};

static const struct proto_ops unix_dgram_ops = {
	.family = AF_UNIX,
	.release = unix_release,
	.bind = unix_bind_inet,
	.connect = unix_connect_inet,
	.accept = unix_accept,
	.getname = unix_getname_inet,
	.poll = unix_poll,
	.listen = unix_listen,
	.shutdown = unix_shutdown,
	.sendmsg = unix_dgram_sendmsg,
	.recvmsg = unix_dgram_recvmsg,
	.bind_addr = unix_bind,
	.connect_addr = unix_dgram_connect,
	.getname_addr = unix_getname,
};
