/*
 * stack/sock.c - struct sock: its life, its queues with their limits, and
 * the blocking of processes on it.
 *
 * Linux counterpart: net/core/sock.c (sk_alloc, sock_queue_rcv_skb,
 * sock_alloc_send_skb, sk_wait_event, sock_def_readable), net/core/
 * datagram.c (skb_recv_datagram, skb_free_datagram).  Seed text: "A
 * socket structure acts as a queueing point ... The queues contain high
 * watermarks to avoid resource exhaustion."
 *
 * Position: (udp_rcv, tcp_v4_rcv ->) sock_queue_rcv_skb -> sk_receive_queue
 * -> sk_data_ready -> proc_wake of each waiting process; and (recvmsg ->)
 * skb_recv_datagram -> sk_wait_event -> proc_block.
 *
 * Waiting: a process that must wait puts a struct sock_wait_entry, which
 * lives on its own stack, on the sock's list (sk->wait) and blocks.  Any
 * callback wakes every waiter (each pays COST_WAKEUP in the waker's
 * context); a woken process re-checks its condition, as in Linux.
 *
 * Memory accounting: an skb is charged to a sock by its truesize, the size
 * of its buffer plus SKB_TRUESIZE_OVERHEAD for struct sk_buff itself, as
 * Linux does.  netsim skbs have no destructor, so the receive charge is
 * released by skb_free_datagram (or the protocol, with sock_rfree), and
 * the send charge only by protocols that own their skbs' lives (TCP's
 * write queue, sk_wmem_queued).  See docs/sockets-and-tcp.md.
 */
#include "stack/sock.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "sim/check.h"
#include "sim/proc.h"
#include "stack/host.h"
#include "stack/inet.h"
#include "stack/socket.h"
#include "trace/trace.h"

struct sock *
sk_alloc(struct host *host, int family, int type, int protocol, const struct proto *prot)
{
	g_assert(prot && prot->obj_size >= sizeof(struct sock));
	struct sock *sk = g_malloc0(prot->obj_size);
	sk->host = host;
	sk->sk_prot = prot;
	sk->sk_family = (uint16_t)family;
	sk->sk_type = (uint16_t)type;
	sk->sk_protocol = (uint16_t)protocol;
	sk->ttl = 0; /* 0: the host's default TTL */
	sk->sk_rcvbuf = SOCK_RCVBUF_DEFAULT;
	sk->sk_sndbuf = SOCK_SNDBUF_DEFAULT;
	skb_queue_head_init(&sk->sk_receive_queue, "sk_receive_queue", LAYER_SOCKET);
	skb_queue_head_init(&sk->sk_write_queue, "sk_write_queue", LAYER_SOCKET);
	sk->sk_data_ready = sock_def_wakeup;
	sk->sk_write_space = sock_def_wakeup;
	sk->sk_state_change = sock_def_wakeup;
	sk->refcnt = 1;
	NS_CHECK(sock_check(sk, "sk_alloc"));
	return sk;
}

void
sock_hold(struct sock *sk)
{
	g_assert(sk->refcnt > 0);
	sk->refcnt++;
}

void
sock_put(struct sock *sk)
{
	g_assert(sk->refcnt > 0);
	if (--sk->refcnt > 0)
		return;
	g_assert(sk->wait == NULL);
	if (sk->sk_prot->destroy)
		sk->sk_prot->destroy(sk);
	struct sk_buff *skb;
	while ((skb = skb_dequeue(&sk->sk_receive_queue)) != NULL) {
		sock_rfree(sk, skb);
		skb_drop(skb, SKB_DROP_SOCKET_CLOSE);
	}
	skb_queue_purge(&sk->sk_write_queue, SKB_DROP_SOCKET_CLOSE);
	if (sk->sk_rmem_alloc || sk->sk_wmem_alloc)
		NS_CHECK(sock_bug(sk, "sock_put", "a freed sock still has memory charged"));
	g_free(sk);
}

uint32_t
sock_skb_truesize(const struct sk_buff *skb)
{
	if (skb->gro_truesize) /* a GRO aggregate: Linux's skb_gro_receive sum */
		return skb->gro_truesize;
	return (uint32_t)(skb->end - skb->head) + SKB_TRUESIZE_OVERHEAD;
}

void
sock_rfree(struct sock *sk, struct sk_buff *skb)
{
	uint32_t t = sock_skb_truesize(skb);
	g_assert(sk->sk_rmem_alloc >= t);
	sk->sk_rmem_alloc -= t;
}

/* ---- waiting and waking --------------------------------------------------------- */

void
sock_def_wakeup(struct sock *sk)
{
	/* O(processes waiting on the socket), as Linux's __wake_up walks the
	 * wait queue: usually one reader, more only with poll or select */
	for (struct sock_wait_entry *e = sk->wait; e; e = e->next)
		if (proc_wake(e->p))
			host_charge(sk->host, COST_WAKEUP);
}

bool
sk_stream_is_writeable(const struct sock *sk)
{
	uint32_t queued = sk->sk_wmem_alloc;
	if (queued >= sk->sk_sndbuf) /* __sk_stream_memory_free */
		return false;
	return sk->sk_sndbuf - queued >= queued >> 1; /* sk_stream_wspace >= sk_stream_min_wspace */
}

void
sk_stream_write_space(struct sock *sk)
{
	if (!sk_stream_is_writeable(sk))
		return;
	sk->sk_nospace = false; /* clear_bit(SOCK_NOSPACE) */
	sock_def_wakeup(sk);	/* wake_up_interruptible_poll(EPOLLOUT) */
}

static struct proc *
sock_current_proc(const struct sock *sk)
{
	struct proc *p = sk->host->procs ? proc_table_current(sk->host->procs) : NULL;
	if (!p)
		g_error("host %s: a socket call would block outside a simulated process",
			sk->host->name);
	return p;
}

void
sock_wait_add(struct sock *sk, struct sock_wait_entry *e, struct proc *p)
{
	e->p = p;
	e->next = sk->wait;
	sk->wait = e;
}

void
sock_wait_remove(struct sock *sk, struct sock_wait_entry *e)
{
	for (struct sock_wait_entry **pp = (struct sock_wait_entry **)&sk->wait; *pp;
	     pp = &(*pp)->next) {
		if (*pp == e) {
			*pp = e->next;
			return;
		}
	}
	g_error("sock: wait entry not on its list");
}

int
sk_wait_event(struct sock *sk, sim_time_t *timeo, bool (*cond)(struct sock *sk))
{
	for (;;) {
		if (cond(sk))
			return 0;
		if (*timeo <= 0)
			return -EAGAIN;
		struct proc *p = sock_current_proc(sk);
		struct sock_wait_entry e;
		sim_time_t start = host_now(sk->host);
		sock_wait_add(sk, &e, p);
		enum proc_wake_reason why = proc_block(p, *timeo);
		sock_wait_remove(sk, &e);
		if (*timeo != SIM_TIME_MAX) {
			*timeo -= host_now(sk->host) - start;
			if (*timeo < 0)
				*timeo = 0;
		}
		if (why == PROC_TIMEDOUT)
			return cond(sk) ? 0 : -EAGAIN;
	}
}

static bool
sock_nonblocking(const struct sock *sk, int flags)
{
	return (flags & MSG_DONTWAIT) ||
		(sk->sk_socket && (sk->sk_socket->file_flags & O_NONBLOCK));
}

sim_time_t
sock_rcvtimeo(const struct sock *sk, int flags)
{
	if (sock_nonblocking(sk, flags) || sk->sk_rcvtimeo < 0)
		return 0;
	return sk->sk_rcvtimeo ? sk->sk_rcvtimeo : SIM_TIME_MAX;
}

sim_time_t
sock_sndtimeo(const struct sock *sk, int flags)
{
	if (sock_nonblocking(sk, flags) || sk->sk_sndtimeo < 0)
		return 0;
	return sk->sk_sndtimeo ? sk->sk_sndtimeo : SIM_TIME_MAX;
}

/* ---- receive ---------------------------------------------------------------------- */

int
sock_queue_rcv_skb(struct sock *sk, struct sk_buff *skb)
{
	uint32_t t = sock_skb_truesize(skb);
	if (sk->sk_rmem_alloc + t > sk->sk_rcvbuf || (sk->sk_shutdown & RCV_SHUTDOWN)) {
		skb_drop(skb, SKB_DROP_SOCKET_RCVBUFF);
		return -ENOMEM;
	}
	sk->sk_rmem_alloc += t;
	skb->sk = sk;
	skb_queue_tail(&sk->sk_receive_queue, skb);
	NS_CHECK(sock_check(sk, "sock_queue_rcv_skb"));
	sk->sk_data_ready(sk);
	return 0;
}

static bool
datagram_ready(struct sock *sk)
{
	return !skb_queue_empty(&sk->sk_receive_queue) || sk->sk_err ||
		(sk->sk_shutdown & RCV_SHUTDOWN);
}

int
sock_error(struct sock *sk)
{
	int err = sk->sk_err;
	sk->sk_err = 0;
	return -err;
}

struct sk_buff *
skb_recv_datagram(struct sock *sk, int flags, int *err)
{
	sim_time_t timeo = sock_rcvtimeo(sk, flags);
	for (;;) {
		struct sk_buff *skb = skb_peek(&sk->sk_receive_queue);
		if (skb) {
			if (!(flags & MSG_PEEK))
				skb_unlink(skb, &sk->sk_receive_queue);
			*err = 0;
			return skb;
		}
		if (sk->sk_err) {
			*err = sock_error(sk);
			return NULL;
		}
		if (sk->sk_shutdown & RCV_SHUTDOWN) {
			*err = 0;
			return NULL;
		}
		int rc = sk_wait_event(sk, &timeo, datagram_ready);
		if (rc < 0) {
			*err = rc;
			return NULL;
		}
	}
}

void
skb_free_datagram(struct sock *sk, struct sk_buff *skb)
{
	sock_rfree(sk, skb);
	skb_consume(skb);
	NS_CHECK(sock_check(sk, "skb_free_datagram"));
}

/* ---- send ---------------------------------------------------------------------------- */

struct sk_buff *
sock_alloc_send_skb(struct sock *sk, uint32_t size, int flags, int *err)
{
	sim_time_t timeo = sock_sndtimeo(sk, flags);
	for (;;) {
		if (sk->sk_err) {
			*err = sock_error(sk);
			return NULL;
		}
		if (sk->sk_shutdown & SEND_SHUTDOWN) {
			*err = -EPIPE;
			return NULL;
		}
		if (sk->sk_wmem_alloc + size + SKB_TRUESIZE_OVERHEAD <= sk->sk_sndbuf ||
		    sk->sk_wmem_alloc == 0)
			break;
		int rc = sk_wait_event(sk, &timeo, sock_writeable);
		if (rc < 0) {
			*err = rc;
			return NULL;
		}
	}
	struct sk_buff *skb = skb_alloc(sk->host, size, LAYER_SOCKET);
	skb->sk = sk;
	*err = 0;
	return skb;
}

bool
sock_writeable(struct sock *sk)
{
	return sk->sk_wmem_alloc < sk->sk_sndbuf / 2 || sk->sk_err ||
		(sk->sk_shutdown & SEND_SHUTDOWN);
}

/* ---- copies --------------------------------------------------------------------------- */

/* proc_copy_fn of skb_copy_from_user_csum: the copy and its sum in one pass. */
static void
skb_csum_copy(void *to, const void *from, size_t n, void *arg)
{
	*(wsum_t *)arg = csum_partial_copy_nocheck(from, to, n);
}

/*
 * Linux skb_add_data / skb_copy_datagram_from_iter and skb_copy_datagram_iter:
 * proc_copy_*_user fault only on the bytes copied (sock.h).  A short copy
 * leaves the skb as it was (skb_add_data's __skb_trim).  @sum: NULL, or
 * where the sum of the bytes copied goes (csum_and_copy_from_user).
 */
static uint32_t
skb_copy_from_user_at(struct sk_buff *skb, unsigned char *p, const void *from, uint32_t len,
		      wsum_t *sum)
{
	uint32_t off = skb->len - len;
	uint32_t n = sum ? (uint32_t)proc_copy_from_user_with(p, from, len, skb_csum_copy, sum)
			 : (uint32_t)proc_copy_from_user(p, from, len);
	if (n < len) {
		skb_trim(skb, off);
		host_charge_ns(skb->host, "copy_from_user", cpu_copy_cost(skb->host->cpu, n));
	}
	return n;
}

uint32_t
skb_copy_from_user(struct sk_buff *skb, const void *from, uint32_t len)
{
	uint32_t n = skb_copy_from_user_at(skb, skb_put(skb, len), from, len, NULL);
	if (n < len)
		return n;
	skb_trace_copy(skb, LAYER_SOCKET, COPY_USER_TO_SKB, len, NULL);
	host_charge_ns(skb->host, "copy_from_user", cpu_copy_cost(skb->host->cpu, len));
	return len;
}

/*
 * The sum is the simulator's own work, not a modelled one (Linux 6.6 TCP
 * skbs are CHECKSUM_PARTIAL: the NIC or skb_checksum_help sums, and that is
 * what is charged).  netsim writes the real checksum into every segment;
 * summing the payload as it is copied in (csum_partial_copy_nocheck, one
 * pass over the bytes) spares tcp_xmit a pass over a write-queue skb that
 * went cold while it waited (perf: a tenth of the TCP bulk run was that
 * pass's cache misses).  Extends an existing valid sum (csum_block_add,
 * Linux's skb_add_data does the same); without one, a plain copy.
 */
uint32_t
skb_copy_from_user_csum(struct sk_buff *skb, const void *from, uint32_t len)
{
	uint32_t off = skb->len;
	bool was_ok = skb->data_csum_ok, ok = off == 0 || was_ok;
	wsum_t sum = off ? skb->data_csum : 0, part = 0;
	unsigned char *p = skb_put(skb, len); /* clears data_csum_ok */
	uint32_t n = skb_copy_from_user_at(skb, p, from, len, ok ? &part : NULL);
	if (n < len) {
		skb->data_csum_ok = was_ok; /* the skb is as it was */
		return n;
	}
	if (ok) {
		skb->data_csum = csum_block_add(sum, part, off);
		skb->data_csum_ok = true;
	}
	skb_trace_copy(skb, LAYER_SOCKET, COPY_USER_TO_SKB, len, NULL);
	host_charge_ns(skb->host, "copy_from_user", cpu_copy_cost(skb->host->cpu, len));
	return len;
}

uint32_t
skb_copy_to_user(const struct sk_buff *skb, uint32_t offset, void *to, uint32_t len)
{
	g_assert((uint64_t)offset + len <= skb->len);
	uint32_t n = (uint32_t)proc_copy_to_user(to, skb->data + offset, len);
	if (n == len) /* the row counts the skb's steps: the skb is not changed */
		skb_trace_copy((struct sk_buff *)skb, LAYER_SOCKET, COPY_SKB_TO_USER, len, NULL);
	host_charge_ns(skb->host, "copy_to_user", cpu_copy_cost(skb->host->cpu, n));
	return n;
}

/* ---- invariants (the checked build: NS_CHECK) -------------------------------------- */

void
sock_bug(const struct sock *sk, const char *caller, const char *what)
{
	fprintf(stderr,
		"netsim: %s: sock check failed: host %s %s sock (port %u, state %d): %s "
		"(rmem_alloc %u, receive queue %u skbs of %" G_GUINT64_FORMAT
		" bytes; wmem_alloc %u, write queue %u skbs of %" G_GUINT64_FORMAT " bytes)\n",
		caller, sk->host ? sk->host->name : "?", sk->sk_prot->name, sk->num, sk->sk_state,
		what, sk->sk_rmem_alloc, sk->sk_receive_queue.qlen, sk->sk_receive_queue.bytes,
		sk->sk_wmem_alloc, sk->sk_write_queue.qlen, sk->sk_write_queue.bytes);
	fflush(stderr);
	abort();
}

void
sock_check(const struct sock *sk, const char *caller)
{
	/* the queues' links and byte counts: skb_queue_check, at each queue operation */
	if (sk->refcnt <= 0)
		sock_bug(sk, caller, "no reference is held");
	if (sk->sk_rmem_alloc > INT32_MAX || sk->sk_wmem_alloc > INT32_MAX)
		sock_bug(sk, caller, "a charge went below zero");
	if (sk->sk_prot->check)
		sk->sk_prot->check(sk, caller);
}

void
sock_check_datagram(const struct sock *sk, const char *caller)
{
	uint64_t charged = 0;
	for (const struct sk_buff *skb = sk->sk_receive_queue.first; skb; skb = skb->next) {
		if (skb->sk != sk)
			sock_bug(sk, caller, "a queued datagram belongs to another sock");
		charged += sock_skb_truesize(skb);
	}
	if (charged != sk->sk_rmem_alloc)
		sock_bug(sk, caller, "sk_rmem_alloc is not the truesize of the queued datagrams");
	if (sk->sk_wmem_alloc || sk->sk_write_queue.qlen)
		sock_bug(sk, caller, "a datagram socket charged or queued something to send");
}
