/*
 * stack/sock.h - struct sock and struct proto: the contract between the
 * socket layer (stack/socket.c, stack/sock.c) and the transport protocols
 * (stack/udp.c, stack/raw.c, stack/tcp_*.c).
 *
 * Linux counterpart: include/net/sock.h (struct sock, struct proto),
 * net/core/sock.c, net/core/datagram.c.  Seed text: "Generic network
 * interface: sockets layer" and "Network protocols".
 *
 * Position: a process's system call -> struct socket (proto_ops, socket.c)
 * -> struct proto (udp_prot, tcp_prot, raw_prot) -> ip_queue_xmit ...;
 * and upward: udp_rcv / tcp_v4_rcv -> sock_queue_rcv_skb -> the socket's
 * receive queue -> sk_data_ready wakes the blocked reader.
 *
 * Ownership: protocols own their lookup tables (which port belongs to which
 * sock); the socket layer owns struct sock's life (sk_alloc, sock_put) and
 * the blocking of processes.  The socket layer holds one reference while a
 * process has the socket open and drops it after proto->close returns; a
 * protocol that keeps a closed sock alive (TCP in FIN_WAIT or TIME_WAIT)
 * takes its own reference with sock_hold.  Queues are bounded by sk_rcvbuf and
 * sk_sndbuf in bytes of skb truesize, the "high watermarks" of the seed.
 */
#ifndef NETSIM_STACK_SOCK_H
#define NETSIM_STACK_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "sim/sim.h"
#include "stack/skbuff.h"

struct host;
struct socket;
struct sock;
struct proc;

/* Address families, types and protocols: Linux's numbers. */
#define NS_AF_INET 2
#define NS_SOCK_STREAM 1
#define NS_SOCK_DGRAM 2
#define NS_SOCK_RAW 3
#define NS_IPPROTO_ICMP 1
#define NS_IPPROTO_TCP 6
#define NS_IPPROTO_UDP 17
/* Socket option level and name of IP_TTL (Linux SOL_IP, IP_TTL). */
#define NS_SOL_IP 0
#define NS_IP_TTL 2

/* A message handed to sendmsg / filled by recvmsg (one flat buffer). */
struct ns_msg {
	void *buf; /* user memory (the process's own) */
	size_t len;
	int flags; /* MSG_PEEK, MSG_DONTWAIT, ... (Linux values) */
	/* sendmsg: destination (0 = connected peer); recvmsg: source, filled in */
	uint32_t addr; /* IPv4, host byte order */
	uint16_t port; /* host byte order */
	bool has_addr;
	/* Families other than AF_INET (AF_UNIX) get the user's sockaddr as is:
	 * sendmsg: destination (NULL = connected peer); recvmsg: where to write
	 * the source and its length (either may be NULL). */
	const void *name;
	unsigned namelen;
	void *rname;
	unsigned *rnamelen;
	/* sendmsg/recvmsg control messages (struct cmsghdr ...), NULL if none.
	 * recvmsg sets controllen to the bytes it wrote and msg_flags to
	 * MSG_TRUNC / MSG_CTRUNC. */
	void *control;
	size_t controllen;
	int msg_flags;
	/* sendmsg on UDP: a SOL_UDP UDP_SEGMENT control message's segment
	 * size, for this datagram instead of the socket's (udp_cmsg_send) */
	bool has_gso_size;
	uint16_t gso_size;
};

/* Linux's kernel-internal ENOIOCTLCMD: "no such ioctl here", which the
 * socket layer turns into ENOTTY (sock_do_ioctl). */
#define NS_ENOIOCTLCMD 515

/*
 * Per-protocol operations, called by the socket layer in task context of
 * the calling process.  Return >= 0 on success or a negative Linux errno.
 * Required entries: close, sendmsg, recvmsg, get_port (bind), unhash.
 */
struct proto {
	const char *name;						 /* "UDP", "TCP", "RAW" */
	int (*init)(struct sock *sk);					 /* optional */
	void (*close)(struct sock *sk, sim_time_t timeout);		 /* required */
	int (*connect)(struct sock *sk, uint32_t daddr, uint16_t dport); /* optional */
	int (*disconnect)(struct sock *sk, int flags);			 /* optional */
	struct sock *(*accept)(struct sock *sk, int flags, int *err);	 /* stream only */
	int (*listen)(struct sock *sk, int backlog);			 /* stream only */
	int (*shutdown)(struct sock *sk, int how);			 /* optional */
	int (*setsockopt)(struct sock *sk, int level, int optname, const void *val, size_t len);
	int (*getsockopt)(struct sock *sk, int level, int optname, void *val, size_t *len);
	int (*sendmsg)(struct sock *sk, struct ns_msg *msg); /* required */
	int (*recvmsg)(struct sock *sk, struct ns_msg *msg); /* required */
	/* Bind @sk to @port (0: pick an ephemeral port).  -EADDRINUSE if taken. */
	int (*get_port)(struct sock *sk, uint16_t port); /* required */
	void (*unhash)(struct sock *sk);		 /* required: leave lookup tables */
	/* poll: which of POLLIN/POLLOUT/POLLERR/POLLHUP hold now. Optional. */
	unsigned (*poll)(struct sock *sk);
	/* Optional (Linux 6.5+ proto->ioctl, kernel memory): answer @cmd in
	 * *@karg; -NS_ENOIOCTLCMD for a command it does not know. */
	int (*ioctl)(struct sock *sk, int cmd, int *karg);
	size_t obj_size; /* bytes to allocate for the protocol's sock (>= sizeof(struct sock)) */
	/* Optional: free the protocol's own queues; called by the last sock_put. */
	void (*destroy)(struct sock *sk);
	/* Optional: the protocol's memory-charge rule, run by sock_check (the
	 * checked build); aborts through sock_bug when it does not hold. */
	void (*check)(const struct sock *sk, const char *caller);
};

/* TCP-style states share numbers with Linux (TCP_ESTABLISHED = 1 ...). */
struct sock {
	struct host *host;
	const struct proto *sk_prot;
	struct socket *sk_socket; /* NULL once the process has closed it */
	uint16_t sk_family, sk_type, sk_protocol;
	int sk_state;

	/* addresses, host byte order (inet_sock) */
	uint32_t rcv_saddr; /* bound local address, 0 = any */
	uint32_t saddr;	    /* source address used on output */
	uint16_t num;	    /* local port */
	uint32_t daddr;	    /* connected peer, 0 = none */
	uint16_t dport;
	uint8_t ttl; /* IP_TTL, 64 */
	uint8_t tos; /* the IP header's TOS byte (Linux inet_sk(sk)->tos; ECN: tcp_ecn.c) */
	/* SO_RCVTIMEO / SO_SNDTIMEO: 0 = block forever (unset), < 0 = do not wait */
	sim_time_t sk_rcvtimeo, sk_sndtimeo;
	bool reuseaddr;	       /* SO_REUSEADDR */
	bool urginline;	       /* SO_OOBINLINE (Linux SOCK_URGINLINE) */
	uint16_t udp_gso_size; /* UDP_SEGMENT: 0 = off (Linux udp_sock gso_size) */
	bool udp_gro;	       /* UDP_GRO (Linux udp_sock GRO_ENABLED) */
	uint32_t sk_rxhash;    /* RFS: the flow hash of its packets (stack/rps.h) */
	/* XPS: the TX queue its packets took + 1, 0 none (sk_tx_queue_get, stack/dev.c) */
	uint16_t sk_tx_queue_mapping;

	/* queues and their limits (bytes of truesize) */
	struct sk_buff_head sk_receive_queue; /* named "sk_receive_queue" */
	struct sk_buff_head sk_write_queue;   /* named "sk_write_queue" */
	uint32_t sk_rcvbuf, sk_sndbuf;
	uint8_t sk_userlocks;	/* SOCK_RCVBUF_LOCK, SOCK_SNDBUF_LOCK: no autotuning */
	uint32_t sk_rmem_alloc; /* bytes charged to the receive side */
	uint32_t sk_wmem_alloc; /* bytes charged to the send side */
	int sk_err;		/* pending error (positive errno), reported once */
	int sk_err_soft;	/* an ICMP error kept for a timeout (Linux tcp_write_err) */
	uint8_t sk_shutdown;	/* RCV_SHUTDOWN | SEND_SHUTDOWN */
	bool sk_nospace;	/* a writer ran out of room (Linux SOCK_NOSPACE; TCP only) */
	bool dead;		/* orphaned: no process holds it */

	/* callbacks, set by the socket layer (sock_init_data) */
	void (*sk_data_ready)(struct sock *sk);	  /* data or a connection arrived */
	void (*sk_write_space)(struct sock *sk);  /* send room freed */
	void (*sk_state_change)(struct sock *sk); /* connect done, peer closed, error */

	void *wait; /* the socket layer's wait queue (private) */
	int refcnt;
};

#define RCV_SHUTDOWN 1
#define SEND_SHUTDOWN 2
#define SHUTDOWN_MASK 3

/* TCP_TIME_WAIT's sk_state (stack/tcp.h; Linux include/net/tcp_states.h) */
#define SK_STATE_TIME_WAIT 6

/* Linux sk_fullsock: not a TIME_WAIT mini-socket.  netsim keeps the whole
 * sock through TIME_WAIT, so it is the state that tells. */
static inline bool
sk_fullsock(const struct sock *sk)
{
	return sk->sk_state != SK_STATE_TIME_WAIT;
}

/* ---- implemented by the socket layer (stack/sock.c) ------------------------ */

/* A new sock of @prot (obj_size bytes, zeroed), queues initialised, refcnt 1. */
struct sock *sk_alloc(struct host *host, int family, int type, int protocol,
		      const struct proto *prot);
void sock_hold(struct sock *sk);
/* Drop a reference; the last one purges the queues and frees the sock. */
void sock_put(struct sock *sk);

/*
 * Receive path: charge @skb to @sk and append it to sk_receive_queue, then
 * call sk_data_ready.  Drops with SKB_DROP_SOCKET_RCVBUFF when sk_rmem_alloc
 * would exceed sk_rcvbuf.  Consumes @skb.  Returns 0 or -ENOMEM (dropped).
 */
int sock_queue_rcv_skb(struct sock *sk, struct sk_buff *skb);

/*
 * For recvmsg of datagram protocols: the next skb of sk_receive_queue,
 * blocking the calling process while it is empty (unless MSG_DONTWAIT or
 * O_NONBLOCK: -EAGAIN).  With MSG_PEEK the skb stays queued (the caller
 * must not free it).  Otherwise the caller owns it and frees it with
 * skb_free_datagram, which uncharges it.  Returns NULL with *err set.
 */
struct sk_buff *skb_recv_datagram(struct sock *sk, int flags, int *err);
void skb_free_datagram(struct sock *sk, struct sk_buff *skb);

/*
 * For sendmsg: an skb of @size bytes (skb->sk = @sk), blocking while
 * sk_wmem_alloc + size > sk_sndbuf (unless non-blocking: *err = -EAGAIN).
 * netsim skbs have no destructor, so the skb is NOT charged to sk_wmem_alloc
 * here: only a protocol that owns its skbs' lives (TCP's write queue)
 * charges and uncharges sk_wmem_alloc itself.  Errors: a pending sk_err,
 * -EPIPE after shutdown(SHUT_WR).
 */
struct sk_buff *sock_alloc_send_skb(struct sock *sk, uint32_t size, int flags, int *err);
/* True when a writer may go on: less than half of sk_sndbuf in use (Linux sock_writeable). */
bool sock_writeable(struct sock *sk);

/* Copy between the process's memory and an skb, charging the copy's CPU
 * cost (COST_COPY_PER_KB pro rata, in the current context) and tracing
 * COPY_USER_TO_SKB / COPY_SKB_TO_USER.  skb_copy_from_user appends at the
 * tail (skb_put); skb_copy_to_user reads at data + @offset.  Only the bytes
 * copied are touched: a fault in the process's buffer ends the copy (Linux
 * copy_from_user / copy_to_user).  They return the bytes copied, @len
 * unless the buffer faulted; then the skb is as it was before the call (the
 * bytes copied are charged, no row is traced) and the caller acts as Linux
 * does on -EFAULT. */
uint32_t skb_copy_from_user(struct sk_buff *skb, const void *from, uint32_t len);
/* The same, and the bytes' sum kept in skb->data_csum while they are hot
 * (for a queued payload whose checksum is written later: TCP's). */
uint32_t skb_copy_from_user_csum(struct sk_buff *skb, const void *from, uint32_t len);
uint32_t skb_copy_to_user(const struct sk_buff *skb, uint32_t offset, void *to, uint32_t len);

/* Block the calling process until @cond(sk) is true or the timeout passes
 * (*timeo is decreased by the time waited; SIM_TIME_MAX: forever).
 * Returns 0 or -EAGAIN (timeout 0 / non-blocking / timed out).  Aborts when
 * called outside a simulated process. */
int sk_wait_event(struct sock *sk, sim_time_t *timeo, bool (*cond)(struct sock *sk));
/* The calling process's timeout for @sk: 0 when non-blocking (O_NONBLOCK or MSG_DONTWAIT),
 * else SO_RCVTIMEO / SO_SNDTIMEO, else SIM_TIME_MAX. */
sim_time_t sock_rcvtimeo(const struct sock *sk, int flags);
sim_time_t sock_sndtimeo(const struct sock *sk, int flags);

/* Bytes an skb is charged to a sock: its buffer plus the sk_buff struct. */
#define SKB_TRUESIZE_OVERHEAD 256u
/* sk_userlocks (Linux include/net/sock.h): the user set SO_SNDBUF / SO_RCVBUF,
 * so TCP leaves the size alone (tcp_sndbuf_expand, tcp_rcv_space_adjust). */
#define SOCK_SNDBUF_LOCK 1
#define SOCK_RCVBUF_LOCK 2
uint32_t sock_skb_truesize(const struct sk_buff *skb);
/* Release @skb's receive charge on @sk (for protocols that dequeue themselves). */
void sock_rfree(struct sock *sk, struct sk_buff *skb);
/* Take the pending error: returns -sk_err and clears it (0 when none). */
int sock_error(struct sock *sk);
/* The default callbacks: wake every process waiting on @sk (COST_WAKEUP each). */
void sock_def_wakeup(struct sock *sk);
/*
 * Stream sockets (Linux include/net/sock.h __sk_stream_is_writeable(sk, 1),
 * 6.6): a writer may go on when the free send space is at least half of
 * what is queued (sk_stream_wspace >= sk_stream_min_wspace) and the queue
 * is below sk_sndbuf (__sk_stream_memory_free; netsim has no
 * TCP_NOTSENT_LOWAT, so tcp_stream_memory_free is always true).
 * sk_wmem_alloc plays Linux's sk_wmem_queued.
 */
bool sk_stream_is_writeable(const struct sock *sk);
/* TCP's sk_write_space (Linux net/core/stream.c sk_stream_write_space):
 * only when sk_stream_is_writeable, clear sk_nospace and wake the waiters. */
void sk_stream_write_space(struct sock *sk);

/*
 * The invariants of a sock's memory accounting, run where its queues or
 * charges change in the checked build (sim/check.h, NS_CHECK).  Aborts,
 * naming @caller, the host, the sock and its figures, unless a reference
 * is held, neither charge has gone below zero (they are unsigned: a charge
 * returned twice wraps), and the protocol's own rule holds (proto->check).
 * The queues themselves are checked at each queue operation (skb_queue_check).  A charge above sk_rcvbuf / sk_sndbuf is not an
 * error in itself: SO_RCVBUF may shrink the buffer under queued data, TCP
 * queues in-order data past its window as Linux does, and a FIN or a
 * split segment is queued whatever the send buffer holds.
 */
void sock_check(const struct sock *sk, const char *caller);
/*
 * The rule of sockets charged by sock_queue_rcv_skb (UDP, raw): sk_rmem_alloc
 * is the truesize of the datagrams on sk_receive_queue, and nothing is
 * charged to or queued on the send side.  A reader holds the datagram it
 * took from the queue only inside its recvmsg, which does not wait between
 * skb_recv_datagram and skb_free_datagram, so no check sees it held.
 */
void sock_check_datagram(const struct sock *sk, const char *caller);
/* Report a failed sock check (what is wrong, with the sock's figures) and abort. */
void sock_bug(const struct sock *sk, const char *caller, const char *what)
	__attribute__((noreturn));

/* A process waiting on a sock; lives on the waiter's stack (poll uses several). */
struct sock_wait_entry {
	struct proc *p;
	struct sock_wait_entry *next;
};
void sock_wait_add(struct sock *sk, struct sock_wait_entry *e, struct proc *p);
void sock_wait_remove(struct sock *sk, struct sock_wait_entry *e);

#endif
