/*
 * stack/af_unix_int.h - what stack/af_unix.c (names, connections, poll) and
 * stack/af_unix_msg.c (the data path and SCM_RIGHTS) share.  Private.
 *
 * Linux counterpart: include/net/af_unix.h (struct unix_sock, UNIXCB).
 */
#ifndef NETSIM_STACK_AF_UNIX_INT_H
#define NETSIM_STACK_AF_UNIX_INT_H

#include <glib.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "stack/af_unix.h"
#include "stack/sock.h"
#include "stack/socket.h"

/* Linux's TCP state numbers, which af_unix.c reuses for sk_state. */
#define U_ESTABLISHED 1
#define U_CLOSE 7
#define U_LISTEN 10

/* Linux unix_stream_sendmsg: at most SKB_MAX_HEAD(0) + UNIX_SKB_FRAGS_SZ
 * (about 3.7 KiB + 32 KiB on x86-64) bytes per skb. */
#define UNIX_SKB_MAX 36544u

struct unix_name {
	GBytes *key;		/* sun_path bytes: "/tmp/x" or "\0abc" */
	struct unix_sock *u;	/* NULL: a filesystem name whose socket closed */
	struct sockaddr_un sun; /* as bound */
	socklen_t len;
	bool abstract;
};

struct unix_sock {
	struct sock sk;
	struct unix_name *name; /* entry in the name table, or NULL */
	struct sockaddr_un
		addr;		/* name shown by getsockname (an accepted socket: the listener's) */
	socklen_t addr_len;	/* 0: unnamed */
	struct unix_sock *peer; /* connected peer (a reference) */
	GQueue accepts;		/* listener: embryo socks, connected, not accepted */
	int backlog;
	/* while blocked on another sock's wait list (datagram to a full peer) */
	struct sock *wait_sk;
	struct sock_wait_entry *wait_e;
};

/* Per-skb data (Linux UNIXCB): in skb->cb. */
struct unix_skb_cb {
	struct unix_sock *from; /* sender, held */
	uint32_t truesize;	/* charged to from->sk_wmem_alloc */
	uint32_t consumed;	/* stream: bytes already read */
	struct socket **fds;	/* SCM_RIGHTS in flight (each holds a ref) */
	int nfds;
};
G_STATIC_ASSERT(sizeof(struct unix_skb_cb) <= SKB_CB_SIZE);
#define UNIXCB(skb) ((struct unix_skb_cb *)(void *)(skb)->cb)

static inline struct unix_sock *
unix_sk(struct sock *sk)
{
	return (struct unix_sock *)sk;
}

/* af_unix.c */
void unix_skb_release(struct sk_buff *skb);
bool unix_writable(const struct sock *sk);
bool unix_recvq_full(const struct unix_sock *o);
/* Linux unix_find_other: the socket bound to @addr, or NULL with *err. */
struct unix_sock *unix_find_other(struct host *host, const struct sockaddr *addr, socklen_t len,
				  int type, int *err);

/* af_unix_msg.c */
int unix_stream_sendmsg(struct socket *sock, struct ns_msg *msg);
int unix_stream_recvmsg(struct socket *sock, struct ns_msg *msg);
int unix_dgram_sendmsg(struct socket *sock, struct ns_msg *msg);
int unix_dgram_recvmsg(struct socket *sock, struct ns_msg *msg);

#endif
