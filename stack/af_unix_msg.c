/*
 * stack/af_unix_msg.c - the data path of AF_UNIX sockets: sendmsg and
 * recvmsg for stream and datagram sockets, and SCM_RIGHTS.
 *
 * Linux counterpart: net/unix/af_unix.c (unix_stream_sendmsg,
 * unix_stream_read_generic, unix_dgram_sendmsg, unix_dgram_recvmsg,
 * unix_wait_for_peer), net/core/scm.c (__scm_send, scm_detach_fds).
 *
 * Position: sendmsg (stack/socket.c) -> unix_*_sendmsg: sock_alloc_send_skb
 * (blocks on the sender's sk_sndbuf), skb_copy_from_user (copy 1), then
 * skb_queue_tail on the PEER's sk_receive_queue and its sk_data_ready;
 * recvmsg -> skb_copy_to_user (copy 2) -> the sender's charge is returned.
 */
#include <errno.h>
#include <glib.h>
#include <string.h>
#include "sim/proc.h"
#include "stack/af_unix_int.h"
#include "stack/host.h"
#include "stack/socket_int.h"

/* ---- SCM_RIGHTS ------------------------------------------------------------------------ */

/* Linux __scm_send + scm_fp_copy: take a reference on every descriptor. */
static int
unix_scm_send(struct socket *sock, const struct ns_msg *msg, struct socket ***fds, int *nfds)
{
	*fds = NULL;
	*nfds = 0;
	if (!msg->control || !msg->controllen)
		return 0;
	struct files *f = proc_files(proc_self());
	struct msghdr mm = { .msg_control = msg->control, .msg_controllen = msg->controllen };
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mm); c; c = CMSG_NXTHDR(&mm, c)) {
		int err = -EINVAL;
		if (c->cmsg_len < sizeof(struct cmsghdr) ||
		    (size_t)((char *)c - (char *)mm.msg_control) + c->cmsg_len > mm.msg_controllen)
			goto fail;
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type != SCM_RIGHTS) {
			err = c->cmsg_type == SCM_CREDENTIALS ? -EOPNOTSUPP : -EINVAL;
			goto fail;
		}
		int n = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		if (n <= 0 || *nfds + n > UNIX_SCM_MAX_FD)
			goto fail;
		*fds = g_renew(struct socket *, *fds, (gsize)(*nfds + n));
		for (int i = 0; i < n; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
			struct socket *s = fd_sock(f, fd);
			if (!s) {
				err = -EBADF;
				goto fail;
			}
			s->refs++;
			(*fds)[(*nfds)++] = s;
		}
		continue;
	fail:
		for (int i = 0; i < *nfds; i++)
			sock_file_put((*fds)[i]);
		g_clear_pointer(fds, g_free);
		*nfds = 0;
		(void)sock;
		return err;
	}
	return 0;
}

/* Linux scm_detach_fds: install what fits; MSG_CTRUNC for the rest. */
static void
unix_scm_recv(struct ns_msg *msg, struct sk_buff *skb, bool peek)
{
	struct unix_skb_cb *cb = UNIXCB(skb);
	size_t room = msg->control ? msg->controllen : 0;
	msg->controllen = 0;
	if (!cb->nfds)
		return;
	struct files *f = proc_files(proc_self());
	int fit = room < CMSG_LEN(sizeof(int)) ? 0 : (int)((room - CMSG_LEN(0)) / sizeof(int));
	int n = MIN(fit, cb->nfds);
	int installed = 0;
	int *out = n ? (int *)CMSG_DATA((struct cmsghdr *)msg->control) : NULL;
	for (int i = 0; i < n; i++) {
		struct socket *s = cb->fds[i];
		int fd = fd_alloc(f, s);
		if (fd < 0)
			break;
		if (peek)
			s->refs++; /* the message keeps its own reference */
		else
			cb->fds[i] = NULL;
		memcpy(out + installed, &fd, sizeof fd);
		installed++;
	}
	if (installed) {
		struct cmsghdr *c = msg->control;
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(installed * sizeof(int));
		msg->controllen = CMSG_SPACE(installed * sizeof(int));
		if (msg->controllen > room)
			msg->controllen = c->cmsg_len;
	}
	if (installed < cb->nfds)
		msg->msg_flags |= MSG_CTRUNC;
	if (!peek) {
		for (int i = installed; i < cb->nfds; i++)
			sock_file_put(cb->fds[i]);
		g_clear_pointer(&cb->fds, g_free);
		cb->nfds = 0;
	}
}

static void
scm_put(struct socket **fds, int nfds)
{
	for (int i = 0; i < nfds; i++)
		sock_file_put(fds[i]);
	g_free(fds);
}

/* Queue @skb, charged to @u, on @o's receive queue and wake @o's readers. */
static void
unix_queue(struct unix_sock *u, struct unix_sock *o, struct sk_buff *skb, struct socket ***fds,
	   int *nfds)
{
	struct unix_skb_cb *cb = UNIXCB(skb);
	memset(cb, 0, sizeof *cb);
	sock_hold(&u->sk);
	cb->from = u;
	cb->truesize = sock_skb_truesize(skb);
	u->sk.sk_wmem_alloc += cb->truesize;
	cb->fds = *fds;
	cb->nfds = *nfds;
	*fds = NULL;
	*nfds = 0;
	skb_handoff(skb, LAYER_UNIX, "unix_sendmsg");
	skb_queue_tail(&o->sk.sk_receive_queue, skb);
	o->sk.sk_data_ready(&o->sk);
}

static bool
peer_gone(struct unix_sock *u)
{
	struct unix_sock *o = u->peer;
	return !o || o->sk.dead || (o->sk.sk_shutdown & RCV_SHUTDOWN) ||
		(u->sk.sk_shutdown & SEND_SHUTDOWN);
}

/*
 * Linux unix_stream_sendmsg: skbs of at most sk_sndbuf/2 - 64 bytes (and
 * UNIX_SKB_MAX), each charged to the sender and put on the peer's queue.
 * EPIPE once the peer has closed or shut down reading (SIGPIPE is not
 * modelled: see docs/sockets-and-tcp.md; MSG_NOSIGNAL changes nothing).
 */
int
unix_stream_sendmsg(struct socket *sock, struct ns_msg *msg)
{
	struct sock *sk = sock->sk;
	struct unix_sock *u = unix_sk(sk);
	if (msg->flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (msg->name && msg->namelen)
		return sk->sk_state == U_ESTABLISHED ? -EISCONN : -EOPNOTSUPP;
	if (!u->peer)
		return -ENOTCONN;
	struct socket **fds;
	int nfds, err = unix_scm_send(sock, msg, &fds, &nfds);
	if (err < 0)
		return err;
	size_t sent = 0;
	while (sent < msg->len) {
		if (peer_gone(u)) {
			err = -EPIPE;
			break;
		}
		uint32_t size = (uint32_t)MIN(msg->len - sent, (size_t)UNIX_SKB_MAX);
		size = MIN(size, sk->sk_sndbuf / 2 - 64);
		struct sk_buff *skb = sock_alloc_send_skb(sk, size, msg->flags, &err);
		if (!skb)
			break;
		if (peer_gone(u)) {
			skb_consume(skb);
			err = -EPIPE;
			break;
		}
		if (skb_copy_from_user(skb, (const char *)msg->buf + sent, size) < size) {
			/* Linux 6.6: kfree_skb; out_err returns what was sent */
			skb_drop(skb, SKB_DROP_NOT_SPECIFIED);
			err = -EFAULT;
			break;
		}
		unix_queue(u, u->peer, skb, &fds, &nfds);
		sent += size;
	}
	scm_put(fds, nfds);
	return sent ? (int)sent : err;
}

/* Linux unix_wait_for_peer: block on the receiver's wait list. */
static int
unix_wait_for_peer(struct unix_sock *u, struct unix_sock *o, sim_time_t *timeo)
{
	if (*timeo <= 0)
		return -EAGAIN;
	struct proc *p = proc_self();
	struct sock_wait_entry e;
	sim_time_t start = host_now(u->sk.host);
	sock_wait_add(&o->sk, &e, p);
	u->wait_sk = &o->sk;
	u->wait_e = &e;
	enum proc_wake_reason why = proc_block(p, *timeo);
	sock_wait_remove(&o->sk, &e);
	u->wait_sk = NULL;
	if (*timeo != SIM_TIME_MAX)
		*timeo = why == PROC_TIMEDOUT ? 0 : MAX(0, *timeo - (host_now(u->sk.host) - start));
	return 0;
}

/*
 * Linux unix_dgram_sendmsg: to msg_name or the connected peer; EMSGSIZE
 * beyond sk_sndbuf - 32; EPERM when the receiver is connected to someone
 * else (unix_may_send); ECONNREFUSED when it has closed; blocks while its
 * queue holds more than UNIX_MAX_DGRAM_QLEN datagrams.
 */
int
unix_dgram_sendmsg(struct socket *sock, struct ns_msg *msg)
{
	struct sock *sk = sock->sk;
	struct unix_sock *u = unix_sk(sk);
	if (msg->flags & MSG_OOB)
		return -EOPNOTSUPP;
	int err;
	struct unix_sock *o;
	if (msg->name && msg->namelen) {
		o = unix_find_other(sk->host, msg->name, msg->namelen, SOCK_DGRAM, &err);
		if (!o)
			return err;
	} else {
		o = u->peer;
		if (!o)
			return -ENOTCONN;
	}
	if (msg->len > sk->sk_sndbuf - 32)
		return -EMSGSIZE;
	sock_hold(&o->sk);
	struct socket **fds;
	int nfds;
	err = unix_scm_send(sock, msg, &fds, &nfds);
	struct sk_buff *skb = NULL;
	if (err < 0)
		goto out;
	skb = sock_alloc_send_skb(sk, (uint32_t)msg->len, msg->flags, &err);
	if (!skb)
		goto out;
	if (skb_copy_from_user(skb, msg->buf, (uint32_t)msg->len) < msg->len) {
		skb_drop(skb, SKB_DROP_NOT_SPECIFIED); /* Linux 6.6: out_free, kfree_skb */
		skb = NULL;
		err = -EFAULT;
		goto out;
	}
	sim_time_t timeo = sock_sndtimeo(sk, msg->flags);
	for (;;) {
		err = 0;
		if (o->sk.dead) {
			if (u->peer == o) {
				u->peer = NULL;
				sock_put(&o->sk);
				sk->sk_state = U_CLOSE;
			}
			err = -ECONNREFUSED;
		} else if (o->sk.sk_shutdown & RCV_SHUTDOWN) {
			err = -EPIPE;
		} else if (o->peer && o->peer != u) {
			err = -EPERM;
		} else if (unix_recvq_full(o)) {
			err = unix_wait_for_peer(u, o, &timeo);
			if (err == 0)
				continue;
		}
		break;
	}
	if (err < 0)
		goto out;
	unix_queue(u, o, skb, &fds, &nfds);
	skb = NULL;
	err = (int)msg->len;
out:
	if (skb)
		skb_consume(skb);
	scm_put(fds, nfds);
	sock_put(&o->sk);
	return err;
}

static void
unix_copy_name(struct ns_msg *msg, struct unix_sock *from)
{
	if (!msg->rnamelen)
		return;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	socklen_t n = offsetof(struct sockaddr_un, sun_path);
	if (from && from->addr_len) {
		sun = from->addr;
		n = from->addr_len;
	}
	if (msg->rname)
		memcpy(msg->rname, &sun, MIN(*msg->rnamelen, n));
	*msg->rnamelen = n;
}

/* The reader took @skb off the queue for good: return the sender's charge. */
static void
unix_consume(struct sock *sk, struct sk_buff *skb)
{
	skb_unlink(skb, &sk->sk_receive_queue);
	unix_skb_release(skb);
	skb_consume(skb);
	sk->sk_write_space(sk); /* datagram senders waiting for room (peer_wait) */
}

static bool
dgram_ready(struct sock *sk)
{
	return !skb_queue_empty(&sk->sk_receive_queue) || sk->sk_err ||
		(sk->sk_shutdown & RCV_SHUTDOWN);
}

/* Linux unix_dgram_recvmsg: one datagram; MSG_TRUNC when it did not fit. */
int
unix_dgram_recvmsg(struct socket *sock, struct ns_msg *msg)
{
	struct sock *sk = sock->sk;
	if (msg->flags & MSG_OOB)
		return -EOPNOTSUPP;
	sim_time_t timeo = sock_rcvtimeo(sk, msg->flags);
	int rc = sk_wait_event(sk, &timeo, dgram_ready);
	struct sk_buff *skb = skb_peek(&sk->sk_receive_queue);
	if (!skb) {
		if (sk->sk_err)
			return sock_error(sk);
		if (sk->sk_shutdown & RCV_SHUTDOWN)
			return 0;
		return rc < 0 ? rc : -EAGAIN;
	}
	uint32_t copy = (uint32_t)MIN(msg->len, (size_t)skb->len), full = skb->len;
	bool peek = msg->flags & MSG_PEEK;
	if (skb_copy_to_user(skb, 0, msg->buf, copy) < copy) {
		/* Linux 6.6 __unix_dgram_recvmsg: out_free, skb_free_datagram: the
		 * datagram (off the queue unless peeking) is gone */
		if (!peek)
			unix_consume(sk, skb);
		return -EFAULT;
	}
	if (copy < full)
		msg->msg_flags |= MSG_TRUNC;
	unix_copy_name(msg, UNIXCB(skb)->from);
	unix_scm_recv(msg, skb, peek);
	if (!peek)
		unix_consume(sk, skb);
	return (msg->flags & MSG_TRUNC) ? (int)full : (int)copy;
}

static bool
stream_ready(struct sock *sk)
{
	return !skb_queue_empty(&sk->sk_receive_queue) || sk->sk_err ||
		(sk->sk_shutdown & RCV_SHUTDOWN) || !unix_sk(sk)->peer;
}

/*
 * Linux unix_stream_read_generic: copy what is queued, at least one byte
 * unless the peer has gone (0: end of file).  Reading stops after an skb
 * that carried descriptors, so they arrive with their bytes.
 */
int
unix_stream_recvmsg(struct socket *sock, struct ns_msg *msg)
{
	struct sock *sk = sock->sk;
	if (msg->flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (sk->sk_state != U_ESTABLISHED && skb_queue_empty(&sk->sk_receive_queue))
		return sk->sk_state == U_CLOSE && sock->state == SS_CONNECTED ? 0 : -EINVAL;
	sim_time_t timeo = sock_rcvtimeo(sk, msg->flags);
	int rc = sk_wait_event(sk, &timeo, stream_ready);
	if (skb_queue_empty(&sk->sk_receive_queue)) {
		if (sk->sk_err)
			return sock_error(sk);
		if ((sk->sk_shutdown & RCV_SHUTDOWN) || !unix_sk(sk)->peer)
			return 0;
		return rc < 0 ? rc : -EAGAIN;
	}
	bool peek = msg->flags & MSG_PEEK;
	size_t copied = 0;
	size_t room = msg->control ? msg->controllen : 0;
	msg->controllen = 0;
	struct sk_buff *skb = skb_peek(&sk->sk_receive_queue);
	while (skb && copied < msg->len) {
		struct sk_buff *next = skb->next;
		struct unix_skb_cb *cb = UNIXCB(skb);
		uint32_t n = (uint32_t)MIN((size_t)(skb->len - cb->consumed), msg->len - copied);
		if (skb_copy_to_user(skb, cb->consumed, (char *)msg->buf + copied, n) < n)
			return copied ? (int)copied : -EFAULT; /* unix_stream_read_generic */
		copied += n;
		unix_copy_name(msg, cb->from);
		bool had_fds = cb->nfds > 0;
		if (had_fds) {
			msg->controllen = room;
			unix_scm_recv(msg, skb, peek);
		}
		if (!peek) {
			cb->consumed += n;
			if (cb->consumed == skb->len)
				unix_consume(sk, skb);
		}
		if (had_fds)
			break;
		skb = next;
	}
	return (int)copied;
}
