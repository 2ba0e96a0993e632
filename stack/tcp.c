/*
 * stack/tcp.c - TCP's socket operations (struct proto tcp_prot) and its
 * per-host tables.
 *
 * Linux counterpart: net/ipv4/tcp.c (tcp_sendmsg, tcp_recvmsg, tcp_close,
 * tcp_shutdown, tcp_poll, tcp_set_state, tcp_done), net/ipv4/
 * inet_connection_sock.c (inet_csk_get_port, inet_csk_accept, the accept
 * queue), net/ipv4/tcp_ipv4.c (tcp_v4_connect, the established hash).
 *
 * Position: socket layer (stack/socket.c) -> tcp_prot.* (this file) ->
 * tcp_write_xmit (tcp_output.c).  The state machine for arriving segments
 * is in tcp_input.c.
 *
 * References: the socket layer holds one while a process has the socket
 * open; TCP holds one from the moment a sock is bound until tcp_done
 * (all_link), so a closed connection lives on through FIN_WAIT and TIME_WAIT.
 */
#include "stack/tcp.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include "sim/check.h"
#include "stack/host.h"
#include "stack/ipv4.h"
#include "stack/route.h"
#include "stack/socket.h"
#include "stack/tcp_tsq.h"
#include "stack/udp.h"

struct tcp_state {
	struct host *host;
	GHashTable *estab; /* &tcp_sock.tuple -> sock */
	struct sock *last; /* what estab gave tcp_lookup last (a flow's segments come in
			    * runs); cleared whenever estab changes */
	GHashTable *ports; /* port -> GSList of socks bound to it */
	GList *all;	   /* socks TCP holds a reference on */
	struct tcp_mib mib;
	struct tcp_config cfg;
	uint16_t next_port;
	bool teardown;
	void *tsq; /* the TSQ tasklets (stack/tcp_tsq.c) */
};

void **
tcp_tsq_slot(struct host *host)
{
	return &tcp_state_of(host)->tsq;
}

static const char *const tcp_state_names[TCP_MAX_STATES] = { [0] = "?",
#define TCP_STATE_NAME(e, n, what) [TCP_##e] = #e,
							     TCP_STATES(TCP_STATE_NAME)
#undef TCP_STATE_NAME
};

/* Linux's names, as its inet_sock_set_state tracepoint prints them. */
static const char *const tcp_state_linux_names[TCP_MAX_STATES] = { [0] = "?",
#define TCP_STATE_LINUX_NAME(e, n, what) [TCP_##e] = "TCP_" #e,
								   TCP_STATES(TCP_STATE_LINUX_NAME)
#undef TCP_STATE_LINUX_NAME
};

const char *
tcp_state_name(int state)
{
	return state > 0 && state < TCP_MAX_STATES ? tcp_state_names[state] : "?";
}

struct tcp_state *
tcp_state_of(struct host *host)
{
	return (struct tcp_state *)host->tcp;
}

struct tcp_mib *
tcp_mib_mut(struct host *host)
{
	return &tcp_state_of(host)->mib;
}

const struct tcp_mib *
tcp_mib(struct host *host)
{
	return &tcp_state_of(host)->mib;
}

void
tcp_set_config(struct host *host, const struct tcp_config *c)
{
	tcp_state_of(host)->cfg = *c;
}

const struct tcp_config *
tcp_config(struct host *host)
{
	return &tcp_state_of(host)->cfg;
}

void
tcp_set_teardown(struct host *host)
{
	if (host->tcp)
		tcp_state_of(host)->teardown = true;
}

bool
tcp_teardown(struct host *host)
{
	return tcp_state_of(host)->teardown;
}

/* ---- tables ------------------------------------------------------------------------- */

static guint
tuple_hash(gconstpointer k)
{
	const struct tcp_sock *t =
		(const void *)((const char *)k - offsetof(struct tcp_sock, tuple));
	return (t->tuple.laddr * 31u + t->tuple.raddr) * 65599u + t->tuple.lport * 257u +
		t->tuple.rport;
}

static gboolean
tuple_equal(gconstpointer a, gconstpointer b)
{
	const struct tcp_sock *x =
		(const void *)((const char *)a - offsetof(struct tcp_sock, tuple));
	const struct tcp_sock *y =
		(const void *)((const char *)b - offsetof(struct tcp_sock, tuple));
	return x->tuple.laddr == y->tuple.laddr && x->tuple.raddr == y->tuple.raddr &&
		x->tuple.lport == y->tuple.lport && x->tuple.rport == y->tuple.rport;
}

void
tcp_hash(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	tp->tuple.laddr = sk->saddr;
	tp->tuple.raddr = sk->daddr;
	tp->tuple.lport = sk->num;
	tp->tuple.rport = sk->dport;
	struct tcp_state *ts = tcp_state_of(sk->host);
	g_hash_table_insert(ts->estab, &tp->tuple, sk);
	ts->last = NULL;
	tp->hashed = true;
}

struct sock *
tcp_lookup(struct host *host, uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport)
{
	struct tcp_state *ts = tcp_state_of(host);
	if (ts->last) {
		const struct tcp_sock *tp = tcp_sk(ts->last);
		if (tp->tuple.laddr == laddr && tp->tuple.raddr == raddr &&
		    tp->tuple.lport == lport && tp->tuple.rport == rport)
			return ts->last;
	}
	struct tcp_sock key;
	key.tuple.laddr = laddr;
	key.tuple.raddr = raddr;
	key.tuple.lport = lport;
	key.tuple.rport = rport;
	struct sock *sk = g_hash_table_lookup(ts->estab, &key.tuple);
	if (sk) {
		ts->last = sk;
		return sk;
	}
	/* A listener: exact local address first, then the wildcard.  O(sockets
	 * bound to the port), one or two in practice; established ones were
	 * found in O(1) by the hash above. */
	struct sock *wild = NULL;
	for (GSList *l = g_hash_table_lookup(ts->ports, GUINT_TO_POINTER(lport)); l; l = l->next) {
		struct sock *s = l->data;
		if (s->sk_state != TCP_LISTEN)
			continue;
		if (s->rcv_saddr == laddr)
			return s;
		if (s->rcv_saddr == 0)
			wild = s;
	}
	return wild;
}

void
tcp_adopt(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (tp->all_link)
		return;
	sock_hold(sk);
	struct tcp_state *ts = tcp_state_of(sk->host);
	ts->all = g_list_prepend(ts->all, sk);
	tp->all_link = ts->all;
}

void
tcp_port_add(struct sock *sk, uint16_t port)
{
	struct tcp_state *ts = tcp_state_of(sk->host);
	GSList *l = g_hash_table_lookup(ts->ports, GUINT_TO_POINTER(port));
	g_hash_table_insert(ts->ports, GUINT_TO_POINTER(port), g_slist_prepend(l, sk));
	sk->num = port;
	tcp_adopt(sk);
}

void
tcp_unhash(struct sock *sk)
{
	struct tcp_state *ts = tcp_state_of(sk->host);
	struct tcp_sock *tp = tcp_sk(sk);
	if (tp->hashed) {
		g_hash_table_remove(ts->estab, &tp->tuple);
		ts->last = NULL;
		tp->hashed = false;
	}
	if (sk->num) {
		GSList *l = g_hash_table_lookup(ts->ports, GUINT_TO_POINTER(sk->num));
		l = g_slist_remove(l, sk);
		if (l)
			g_hash_table_insert(ts->ports, GUINT_TO_POINTER(sk->num), l);
		else
			g_hash_table_remove(ts->ports, GUINT_TO_POINTER(sk->num));
	}
}

/* Linux inet_csk_bind_conflict: SO_REUSEADDR on both, and no listener. */
static bool
tcp_bind_conflict(struct sock *sk, uint16_t port)
{
	struct tcp_state *ts = tcp_state_of(sk->host);
	for (GSList *l = g_hash_table_lookup(ts->ports, GUINT_TO_POINTER(port)); l; l = l->next) {
		struct sock *o = l->data;
		if (o == sk)
			continue;
		if (o->rcv_saddr && sk->rcv_saddr && o->rcv_saddr != sk->rcv_saddr)
			continue;
		if (sk->reuseaddr && o->reuseaddr && o->sk_state != TCP_LISTEN)
			continue;
		return true;
	}
	return false;
}

int
tcp_v4_get_port(struct sock *sk, uint16_t port)
{
	struct tcp_state *ts = tcp_state_of(sk->host);
	if (port == 0) {
		for (int i = 0; i <= UDP_PORT_EPHEMERAL_HI - UDP_PORT_EPHEMERAL_LO; i++) {
			uint16_t p = ts->next_port++;
			if (ts->next_port > UDP_PORT_EPHEMERAL_HI)
				ts->next_port = UDP_PORT_EPHEMERAL_LO;
			if (!g_hash_table_contains(ts->ports, GUINT_TO_POINTER(p))) {
				tcp_port_add(sk, p);
				return 0;
			}
		}
		return -EADDRINUSE;
	}
	if (tcp_bind_conflict(sk, port))
		return -EADDRINUSE;
	tcp_port_add(sk, port);
	return 0;
}

/* ---- state --------------------------------------------------------------------------- */

/*
 * Linux tcp_set_state (net/ipv4/tcp.c), the one place a TCP socket changes
 * state: it fires the inet_sock_set_state tracepoint (Linux 4.16 on), and
 * so does this, as a tcp_state row.  Linux fires it also when the state
 * does not change; a row here says that something changed, so that case
 * writes none.  A socket with no peer yet (a listener) is named ADDR:PORT>*.
 */
void
tcp_set_state(struct sock *sk, int state)
{
	int old = sk->sk_state;
	sk->sk_state = state;
	tcp_mib_mut(sk->host)->states_seen |= 1u << state;
	if (old == state || !sk->host->trace)
		return;
	const struct tcp_sock *tp = tcp_sk(sk);
	char name[sizeof tp->conn_name];
	if (!tp->conn_name[0])
		g_snprintf(name, sizeof name, "%u.%u.%u.%u:%u>*", sk->saddr >> 24,
			   (sk->saddr >> 16) & 255, (sk->saddr >> 8) & 255, sk->saddr & 255,
			   sk->num);
	trace_tcp_state(sk->host->trace, tp->conn_name[0] ? tp->conn_name : name,
			tcp_state_linux_names[old > 0 && old < TCP_MAX_STATES ? old : 0],
			tcp_state_linux_names[state]);
}

uint32_t
tcp_flight(const struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	return tp->snd_nxt - tp->snd_una;
}

/* The connection is over: unhash, stop timers and drop TCP's reference. */
void
tcp_done(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	tcp_set_state(sk, TCP_CLOSE);
	tcp_clear_timers(sk);
	tcp_unhash(sk);
	sk->sk_shutdown = SHUTDOWN_MASK;
	if (tp->parent) {
		/* Not accepted yet: drop the reference accept would have handed on. */
		struct tcp_sock *lp = tp->parent;
		if (!g_queue_remove(&lp->accept_queue, tp))
			lp->syn_backlog--;
		tp->parent = NULL;
		sock_put(sk);
	}
	sk->sk_state_change(sk);
	if (tp->all_link) {
		/* its own node, not a search (g_list_remove walks the list:
		 * O(sockets) per close on a busy server) */
		struct tcp_state *ts = tcp_state_of(sk->host);
		ts->all = g_list_delete_link(ts->all, tp->all_link);
		tp->all_link = NULL;
		sock_put(sk);
	}
}

/* Drop what @q holds, returning each skb's truesize to sk_rmem_alloc
 * (tcp_rmem_truesize) or sk_wmem_alloc (Linux tcp_write_queue_purge,
 * sk_wmem_free_skb). */
static void
tcp_purge(struct sk_buff_head *q, uint32_t *charge, bool wmem)
{
	struct sk_buff *skb;
	while ((skb = skb_dequeue(q)) != NULL) {
		*charge -= wmem ? sock_skb_truesize(skb) : tcp_rmem_truesize(skb);
		skb_drop(skb, SKB_DROP_SOCKET_CLOSE);
	}
}

void
tcp_free_sock(struct sock *sk)
{
	tcp_cleanup_congestion_control(sk);
	tcp_purge(&tcp_sk(sk)->ofo_queue, &sk->sk_rmem_alloc, false);
	tcp_purge(&sk->sk_receive_queue, &sk->sk_rmem_alloc, false);
	tcp_purge(&sk->sk_write_queue, &sk->sk_wmem_alloc, true);
}

static void
tcp_host_fini(struct host *host)
{
	struct tcp_state *ts = tcp_state_of(host);
	ts->teardown = true;
	while (ts->all)
		tcp_done(ts->all->data);
	tcp_tsq_host_fini(host);
	g_hash_table_destroy(ts->estab);
	g_hash_table_destroy(ts->ports);
	g_free(ts);
	host->tcp = NULL;
}

static const struct net_protocol tcp_protocol = {
	.handler = tcp_v4_rcv,
	.err_handler = tcp_v4_err,
	.layer = LAYER_TCP,
	.func_name = "tcp_v4_rcv",
};

void
tcp_init(struct host *host)
{
	if (host->tcp)
		return;
	struct tcp_state *ts = g_new0(struct tcp_state, 1);
	ts->host = host;
	tcp_config_init(&ts->cfg);
	ts->estab = g_hash_table_new(tuple_hash, tuple_equal);
	ts->ports = g_hash_table_new(g_direct_hash, g_direct_equal);
	ts->next_port = UDP_PORT_EPHEMERAL_LO + (uint16_t)rng_below(&host->rng, 1000);
	host->tcp = (struct tcp_state *)ts;
	if (host->ip)
		inet_add_protocol(host, &tcp_protocol, IPPROTO_TCP);
	host_add_fini(host, tcp_host_fini);
}

/* ---- proto operations ---------------------------------------------------------------- */

int
tcp_v4_init_sock(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	tp->mss = TCP_MSS_DEFAULT;
	tp->advmss = 1460;
	tp->rto = TCP_RTO_INIT;
	tp->ssthresh = 0x7fffffff;
	tp->cwnd = TCP_INIT_CWND * tp->mss;
	/* Linux tcp_init_sock: the buffers of tcp_rmem[1], tcp_wmem[1]
	 * (4.4BSD: the socket layer's) */
	if (!tcp_bsd_delack(sk)) {
		sk->sk_rcvbuf = tcp_config(sk->host)->rmem[1];
		sk->sk_sndbuf = tcp_config(sk->host)->wmem[1];
	}
	tp->scaling_ratio = TCP_DEFAULT_SCALING_RATIO;
	tcp_assign_congestion_control(sk);
	tcp_rack_init_sock(sk); /* reordering, the min-RTT filter (tcp_rack.c) */
	/* Linux tcp_init_sock: a blocked writer wakes only once half of what
	 * is queued is free (sk_stream_write_space, stack/sock.c) */
	sk->sk_write_space = sk_stream_write_space;
	skb_queue_head_init(&tp->ofo_queue, "out_of_order_queue", LAYER_TCP);
	g_queue_init(&tp->accept_queue);
	sk->sk_state = TCP_CLOSE;
	return 0;
}

/* Fill in addresses, MSS and the initial sequence number of a new connection. */
void
tcp_connect_init(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct rtable rt;
	tp->route_caps = 0;
	if (ip_route_output(sk->host, sk->daddr, sk->saddr, &rt) == 0) {
		if (rt.mtu > 40 + 64)
			tp->advmss = rt.mtu - 40;
		/* Linux sk_setup_caps: the device's features and GSO limits */
		/* (to ourselves: no offloads, the loopback path never segments) */
		if (rt.dev && rt.type != RTN_LOCAL) {
			tp->route_caps = rt.dev->features;
			tp->gso_max_size = rt.dev->gso_max_size;
			tp->gso_max_segs = rt.dev->gso_max_segs;
		}
	}
	tp->iss = (uint32_t)rng_next(&sk->host->rng);
	tp->snd_una = tp->snd_nxt = tp->snd_max = tp->write_seq = tp->snd_sml = tp->iss;
	tp->pushed_seq = tp->iss; /* Linux tcp_connect_init */
	/* RFC 7323 §2.2: the SYN's window and the scale it offers
	 * (tcp_rcvbuf.c; Linux tcp_connect_init: the MSS without options) */
	tcp_select_initial_window(sk, tp->advmss);
	tp->wscale_ok = true;
	tcp_ts_connect_init(sk);
	g_snprintf(tp->conn_name, sizeof tp->conn_name, "%u.%u.%u.%u:%u>%u.%u.%u.%u:%u",
		   sk->saddr >> 24, (sk->saddr >> 16) & 255, (sk->saddr >> 8) & 255,
		   sk->saddr & 255, sk->num, sk->daddr >> 24, (sk->daddr >> 16) & 255,
		   (sk->daddr >> 8) & 255, sk->daddr & 255, sk->dport);
}

/* Linux tcp_v4_connect. */
static int
tcp_v4_connect(struct sock *sk, uint32_t daddr, uint16_t dport)
{
	if (sk->sk_state != TCP_CLOSE)
		return -EISCONN;
	if (!sk->saddr) {
		uint32_t s = ip_select_saddr(sk->host, daddr);
		if (!s)
			return -ENETUNREACH;
		sk->saddr = s;
	}
	if (!sk->num) {
		int rc = tcp_v4_get_port(sk, 0);
		if (rc < 0)
			return rc;
	}
	if (g_hash_table_contains(
		    tcp_state_of(sk->host)->estab,
		    &(struct tcp_sock){ .tuple = { sk->saddr, daddr, sk->num, dport } }.tuple))
		return -EADDRNOTAVAIL;
	sk->daddr = daddr;
	sk->dport = dport;
	tcp_connect_init(sk);
	tcp_hash(sk);
	tcp_set_state(sk, TCP_SYN_SENT);
	tcp_mib_mut(sk->host)->active_opens++;
	tcp_send_syn(sk);
	NS_CHECK(tcp_check_at_rest(sk, "tcp_v4_connect"));
	return 0;
}

static int
tcp_listen(struct sock *sk, int backlog)
{
	if (sk->sk_state != TCP_CLOSE && sk->sk_state != TCP_LISTEN)
		return -EINVAL;
	tcp_sk(sk)->max_backlog = CLAMP(backlog, 0, 4096); /* SOMAXCONN */
	tcp_set_state(sk, TCP_LISTEN);
	return 0;
}

static bool
accept_ready(struct sock *sk)
{
	return !g_queue_is_empty(&tcp_sk(sk)->accept_queue) || sk->sk_state != TCP_LISTEN;
}

/* Linux inet_csk_accept. */
static struct sock *
tcp_accept(struct sock *sk, int flags, int *err)
{
	if (sk->sk_state != TCP_LISTEN) {
		*err = -EINVAL;
		return NULL;
	}
	sim_time_t timeo = sock_rcvtimeo(sk, flags);
	int rc = sk_wait_event(sk, &timeo, accept_ready);
	if (rc < 0 || sk->sk_state != TCP_LISTEN) {
		*err = rc < 0 ? rc : -EINVAL;
		return NULL;
	}
	struct tcp_sock *child = g_queue_pop_head(&tcp_sk(sk)->accept_queue);
	child->parent = NULL;
	/* The accept queue's reference becomes the socket layer's. */
	return &child->sk;
}

/* Send our FIN if the state calls for one (Linux tcp_close_state). */
static void
tcp_close_state(struct sock *sk)
{
	switch (sk->sk_state) {
	case TCP_ESTABLISHED:
	case TCP_SYN_RECV:
		tcp_set_state(sk, TCP_FIN_WAIT1);
		tcp_send_fin(sk);
		break;
	case TCP_CLOSE_WAIT:
		tcp_set_state(sk, TCP_LAST_ACK);
		tcp_send_fin(sk);
		break;
	default: break;
	}
}

static int
tcp_shutdown(struct sock *sk, int how)
{
	sk->sk_shutdown |= (uint8_t)how;
	if (how & SEND_SHUTDOWN)
		tcp_close_state(sk);
	sk->sk_state_change(sk);
	return 0;
}

static void
tcp_close(struct sock *sk, sim_time_t timeout)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (tcp_teardown(sk->host)) {
		tcp_done(sk);
		return;
	}
	if (sk->sk_state == TCP_LISTEN) {
		/* Unaccepted and half-open children are reset (Linux
		 * inet_csk_listen_stop).  O(TCP sockets of the host), once per
		 * listener closed, not per packet. */
		struct tcp_state *ts = tcp_state_of(sk->host);
		for (GList *l = ts->all, *next; l; l = next) {
			next = l->next;
			struct tcp_sock *c = l->data;
			if (c->parent == tp) {
				tcp_send_active_reset(&c->sk);
				tcp_done(&c->sk);
			}
		}
		tcp_done(sk);
		return;
	}
	sk->sk_shutdown = SHUTDOWN_MASK;
	if (!skb_queue_empty(&sk->sk_receive_queue)) {
		/* RFC 2525 §2.17: unread data is lost, so tell the peer with a RST. */
		tcp_send_active_reset(sk);
		tcp_done(sk);
		return;
	}
	if (sk->sk_state == TCP_CLOSE || sk->sk_state == TCP_SYN_SENT) {
		tcp_done(sk);
		return;
	}
	if (sk->sk_state == TCP_FIN_WAIT2) {
		tcp_time_wait(sk, TCP_FIN_WAIT2); /* now an orphan: tcp_fin_timeout */
		return;
	}
	tcp_close_state(sk);
}

static bool
recv_ready(struct sock *sk)
{
	return tcp_readable(sk) || sk->sk_err || (sk->sk_shutdown & RCV_SHUTDOWN) ||
		sk->sk_state == TCP_CLOSE;
}

/*
 * After a read (Linux __tcp_cleanup_rbuf, net/ipv4/tcp.c, 6.6): the ACK
 * that is due goes now if more than one rcv_mss waits unacknowledged, or
 * if the read emptied the queue of a pushed segment (two pushed ones, or
 * one outside pingpong mode: a sender may be waiting for this ACK).  Else
 * a window update goes when the read at least doubled a window that had
 * fallen to half the buffer (RFC 9293 §3.8.6.2.2).
 */
static void
tcp_cleanup_rbuf(struct sock *sk, size_t copied)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint8_t pending = tp->icsk_ack.pending;
	bool time_to_ack = false;
	if (sk->sk_state == TCP_CLOSE)
		return;
	if ((pending & ICSK_ACK_SCHED) && !tcp_bsd_delack(sk) &&
	    (tp->rcv_nxt - tp->rcv_acked > tp->icsk_ack.rcv_mss ||
	     (copied > 0 &&
	      ((pending & ICSK_ACK_PUSHED2) ||
	       ((pending & ICSK_ACK_PUSHED) && !tp->icsk_ack.pingpong)) &&
	      sk->sk_rmem_alloc == 0)))
		time_to_ack = true;
	if (copied > 0 && !time_to_ack && !(sk->sk_shutdown & RCV_SHUTDOWN)) {
		uint32_t now = after(tp->rcv_wup, tp->rcv_nxt) ? tp->rcv_wup - tp->rcv_nxt : 0;
		/* Linux compares with window_clamp (4.4BSD: the buffer) */
		if (2 * now <= (tcp_bsd_delack(sk) ? sk->sk_rcvbuf : tp->window_clamp)) {
			uint32_t new_window = __tcp_select_window(sk);
			time_to_ack = new_window && new_window >= 2 * now;
		}
	}
	if (time_to_ack)
		tcp_send_ack(sk);
}

/* Step over the out-of-line urgent byte at the head of the queue. */
static void
tcp_skip_urg(struct sock *sk)
{
	struct sk_buff *skb = skb_peek(&sk->sk_receive_queue);
	struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
	if (++cb->consumed == skb->len) {
		skb_unlink(skb, &sk->sk_receive_queue);
		tcp_rmem_uncharge(sk, skb);
		skb_consume(skb);
	}
	tcp_urg_read_done(sk);
}

/* Linux tcp_recvmsg: copy what is there (at least one byte, unless EOF),
 * stopping at the urgent mark (stack/tcp_urg.c). */
static int
tcp_recvmsg(struct sock *sk, struct ns_msg *msg)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (sk->sk_state == TCP_LISTEN)
		return -ENOTCONN;
	if (msg->flags & MSG_OOB)
		return tcp_recv_urg(sk, msg);
	bool peek = msg->flags & MSG_PEEK;
	sim_time_t timeo = sock_rcvtimeo(sk, msg->flags);
	int rc = sk_wait_event(sk, &timeo, recv_ready);
	/* A reader at the out-of-line urgent byte steps over it and waits on. */
	while (!peek && tcp_urg_at_head(sk)) {
		tcp_skip_urg(sk);
		rc = sk_wait_event(sk, &timeo, recv_ready);
	}
	if (!tcp_readable(sk)) {
		if (sk->sk_err)
			return sock_error(sk);
		if ((sk->sk_shutdown & RCV_SHUTDOWN) || tp->fin_received)
			return 0;
		if (sk->sk_state == TCP_CLOSE)
			return tp->iss ? 0 : -ENOTCONN;
		return rc < 0 ? rc : -EAGAIN;
	}
	size_t copied = 0;
	int err = 0;
	struct sk_buff *skb = skb_peek(&sk->sk_receive_queue);
	uint32_t off = TCP_SKB_CB(skb)->consumed;
	while (skb && copied < msg->len) {
		struct sk_buff *next = skb->next;
		struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
		uint32_t seq = cb->end_seq - !!(cb->flags & TCPHDR_FIN) - skb->len + off;
		if (copied && tp->urg_data && tp->urg_seq == seq)
			break; /* a read does not cross the mark */
		bool skip;
		uint32_t n = (uint32_t)MIN((size_t)(skb->len - off), msg->len - copied);
		n = tcp_urg_limit(sk, seq, n, &skip);
		if (skip) { /* the urgent byte, out of line (MSG_PEEK): step over it */
			off++;
			n = (uint32_t)MIN((size_t)(skb->len - off), msg->len - copied);
		}
		if (skb_copy_to_user(skb, off, (char *)msg->buf + copied, n) < n) {
			/* tcp_recvmsg_locked: "Exception. Bailout!" - the bytes of
			 * this chunk stay queued; -EFAULT if nothing was copied */
			err = -EFAULT;
			break;
		}
		copied += n;
		off += n;
		if (!peek) {
			cb->consumed = off;
			if (cb->consumed == skb->len) {
				skb_unlink(skb, &sk->sk_receive_queue);
				tcp_rmem_uncharge(sk, skb);
				skb_consume(skb);
			}
			tcp_urg_read_done(sk);
		}
		if (off < skb->len)
			break; /* stopped at the mark or the buffer is full */
		skb = next;
		off = 0;
	}
	msg->addr = sk->daddr;
	msg->port = sk->dport;
	msg->has_addr = true;
	if (!peek) {
		tcp_rcv_space_adjust(sk); /* autotuning (tcp_rcvbuf.c) */
		tcp_cleanup_rbuf(sk, copied);
	}
	NS_CHECK(tcp_check_at_rest(sk, "tcp_recvmsg"));
	return copied ? (int)copied : err;
}

static bool
send_ready(struct sock *sk)
{
	return sk->sk_err || (sk->sk_shutdown & SEND_SHUTDOWN) ||
		(sk->sk_state != TCP_SYN_SENT && sk->sk_state != TCP_SYN_RECV &&
		 sk->sk_wmem_alloc < sk->sk_sndbuf);
}

/* The end of a write (Linux tcp_mark_push, from tcp_push): its last
 * segment, if not sent yet, carries PSH. */
static void
tcp_mark_push(struct tcp_sock *tp, struct sk_buff *skb)
{
	if (!skb || TCP_SKB_CB(skb)->when || !skb->len)
		return;
	TCP_SKB_CB(skb)->flags |= TCPHDR_PSH;
	tp->pushed_seq = tp->write_seq;
}

/*
 * Linux tcp_push (6.6): the end of a write, or a writer that stops
 * waiting: PSH on the tail (tcp_mark_push; netsim has no MSG_MORE), the
 * urgent pointer after a send(MSG_OOB) (tcp_mark_urg), then send -
 * unless autocorking holds a short tail while an earlier skb is still
 * below TCP (stack/tcp_tsq.c).  @nagle_push is tcp_push's nonagle =
 * TCP_NAGLE_PUSH (wait_for_space): this push passes Nagle and TCP_CORK
 * (tcp_nagle_test), as the persist timer's does (tcp_timer.c).
 */
static void
tcp_push(struct sock *sk, int flags, bool nagle_push)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct sk_buff *tail = skb_peek_tail(&sk->sk_write_queue);
	if (!tail)
		return;
	tcp_mark_push(tp, tail);
	if (flags & MSG_OOB)
		tcp_mark_urg(sk);
	if (tcp_autocork(sk, tail, tcp_xmit_size_goal(sk)))
		return;
	if (nagle_push) /* __tcp_push_pending_frames(sk, mss, nonagle) */
		tcp_write_xmit_nagle_push(sk);
	else
		tcp_write_xmit(sk);
}

/*
 * Linux 6.6 tcp_sendmsg_locked, when the copy from the process faults
 * (skb_copy_to_page_nocache fails: goto do_error): the bytes of this chunk
 * are not queued, an skb left empty is taken off the write queue
 * (tcp_remove_empty_skb), and the call returns the bytes queued before,
 * pushed (out: tcp_push), or -EFAULT when there are none.
 */
static int
tcp_sendmsg_fault(struct sock *sk, struct sk_buff *skb, size_t copied, int flags)
{
	if (skb->len == 0) {
		skb_unlink(skb, &sk->sk_write_queue);
		sk->sk_wmem_alloc -= sock_skb_truesize(skb);
		skb_consume(skb);
	}
	if (!copied)
		return -EFAULT;
	tcp_push(sk, flags, false); /* as at the end of a write */
	NS_CHECK(tcp_check_at_rest(sk, "tcp_sendmsg"));
	return (int)copied;
}

/*
 * Linux tcp_sendmsg_locked (6.6): fill the tail segment, then new ones of
 * size_goal bytes (the MSS, or up to 64 KB with GSO: tcp_xmit_size_goal).
 * What is written waits in the write queue; it goes before the end of the
 * write only in three places, as in Linux:
 * - a full skb, unless it ends the write or the write is MSG_OOB: with
 *   forced_push (more than half the largest window written since the
 *   last PSH) it is marked PSH and all that may go goes (tcp_mark_push,
 *   __tcp_push_pending_frames); else if it is the first unsent skb
 *   (tcp_send_head) it goes alone (tcp_push_one); else it waits;
 * - wait_for_space: before the writer sleeps for memory, what it has
 *   written is pushed (tcp_push with TCP_NAGLE_PUSH);
 * - the end (out: tcp_push with the socket's Nagle setting).
 * netsim's writer waits at the top of every turn rather than only for a
 * new skb (sk_stream_memory_free at new_segment); within one write the
 * tail is full there, so the two agree.
 */
static int
tcp_sendmsg(struct sock *sk, struct ns_msg *msg)
{
	struct tcp_sock *tp = tcp_sk(sk);
	sim_time_t timeo = sock_sndtimeo(sk, msg->flags);
	size_t copied = 0;
	while (copied < msg->len) {
		/* wait_for_space: set_bit(SOCK_NOSPACE), so that the ACKs
		 * that free room call sk_write_space (tcp_check_space), then
		 * tcp_push(sk, flags & ~MSG_MORE, mss_now, TCP_NAGLE_PUSH,
		 * size_goal).  sk_stream_wait_memory waits for room
		 * (send_ready) but only sk_stream_write_space wakes it, once
		 * half of what is queued is free.  A non-blocking writer's
		 * -EAGAIN leaves SOCK_NOSPACE set too (do_eagain). */
		if (!send_ready(sk) && sk->sk_wmem_alloc >= sk->sk_sndbuf) {
			sk->sk_nospace = true;
			if (copied)
				tcp_push(sk, msg->flags, true);
		}
		int rc = sk_wait_event(sk, &timeo, send_ready);
		if (sk->sk_err)
			return copied ? (int)copied : sock_error(sk);
		if ((sk->sk_shutdown & SEND_SHUTDOWN) ||
		    (sk->sk_state != TCP_ESTABLISHED && sk->sk_state != TCP_CLOSE_WAIT))
			return copied
				? (int)copied
				: (sk->sk_state == TCP_CLOSE && !tp->iss ? -ENOTCONN : -EPIPE);
		if (rc < 0) {
			if (copied) /* do_error: goto out */
				tcp_push(sk, msg->flags, false);
			else
				tcp_write_xmit(sk);
			return copied ? (int)copied : rc;
		}
		struct sk_buff *skb = skb_peek_tail(&sk->sk_write_queue);
		uint32_t room = 0, size_goal = tcp_xmit_size_goal(sk); /* tcp_send_mss */
		if (skb && !after(tp->snd_nxt, TCP_SKB_CB(skb)->seq) &&
		    TCP_SKB_CB(skb)->when == 0 &&
		    !(TCP_SKB_CB(skb)->flags & (TCPHDR_FIN | TCPHDR_SYN)))
			room = size_goal > skb->len ? MIN(size_goal - skb->len, skb_tailroom(skb))
						    : 0;
		if (room == 0) {
			skb = skb_alloc(sk->host, INET_HEADROOM + TCP_HLEN + size_goal, LAYER_TCP);
			skb_reserve(skb, INET_HEADROOM + TCP_HLEN);
			memset(skb->cb, 0, sizeof skb->cb);
			TCP_SKB_CB(skb)->seq = TCP_SKB_CB(skb)->end_seq = tp->write_seq;
			TCP_SKB_CB(skb)->flags = TCPHDR_ACK;
			tcp_queue_skb(sk, skb);
			tp->nagle_push = false; /* Linux skb_entail */
			room = size_goal;
		}
		uint32_t n = (uint32_t)MIN((size_t)room, msg->len - copied);
		if (skb_copy_from_user_csum(skb, (const char *)msg->buf + copied, n) < n)
			return tcp_sendmsg_fault(sk, skb, copied, msg->flags);
		TCP_SKB_CB(skb)->end_seq += n;
		tp->write_seq += n;
		copied += n;
		if (copied == msg->len) /* if (!msg_data_left(msg)) goto out */
			break;
		if (skb->len < size_goal || (msg->flags & MSG_OOB))
			continue;
		if (after(tp->write_seq, tp->pushed_seq + (tp->max_window >> 1))) {
			/* forced_push: TCP_NAGLE_PUSH is moot, the tail is full */
			tcp_mark_push(tp, skb);
			tcp_write_xmit(sk);
		} else if (TCP_SKB_CB(skb)->seq == tp->snd_nxt) {
			/* skb == tcp_send_head(sk).  After an RTO (snd_nxt
			 * back below snd_max) netsim resends from snd_nxt
			 * in tcp_write_xmit, so a later skb is not the next
			 * to go and waits; Linux would send it alone. */
			tcp_push_one(sk);
		}
	}
	if (copied) /* out: tcp_push(..., tp->nonagle, ...) */
		tcp_push(sk, msg->flags, false);
	NS_CHECK(tcp_check_at_rest(sk, "tcp_sendmsg"));
	return (int)copied;
}

static unsigned
tcp_poll(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	unsigned mask = 0;
	if (sk->sk_state == TCP_LISTEN)
		return g_queue_is_empty(&tp->accept_queue) ? 0 : POLLIN | POLLRDNORM;
	if (sk->sk_err)
		mask |= POLLERR;
	if (sk->sk_shutdown == SHUTDOWN_MASK || sk->sk_state == TCP_CLOSE)
		mask |= POLLHUP;
	if (sk->sk_shutdown & RCV_SHUTDOWN || tp->fin_received)
		mask |= POLLIN | POLLRDNORM | POLLRDHUP;
	if (sk->sk_state == TCP_SYN_SENT || sk->sk_state == TCP_SYN_RECV)
		return mask;
	if (tcp_readable(sk))
		mask |= POLLIN | POLLRDNORM;
	if (tp->urg_data & TCP_URG_VALID) /* Linux tcp_poll: EPOLLPRI */
		mask |= POLLPRI;
	/* Linux tcp_poll (6.6): writable only as sk_stream_write_space would
	 * wake (__sk_stream_is_writeable), else SOCK_NOSPACE so that an ACK
	 * wakes the poller when it is.  After shutdown(SHUT_WR), and on a
	 * closed socket, always writable: the write does not block, it
	 * fails with EPIPE (or ENOTCONN), and the poller must see that. */
	if (sk->sk_shutdown & SEND_SHUTDOWN)
		mask |= POLLOUT | POLLWRNORM;
	else if (sk_stream_is_writeable(sk))
		mask |= POLLOUT | POLLWRNORM;
	else
		sk->sk_nospace = true;
	return mask;
}

/*
 * TCP_QUICKACK (Linux __tcp_sock_set_quickack, net/ipv4/tcp.c): 0 enters
 * pingpong mode (ACKs delayed); 1 leaves it and, if an ACK is due, sends
 * it when the reader has emptied the queue (through tcp_cleanup_rbuf, as
 * Linux does).  Linux does not keep the setting: the next reply sent
 * within ato may make the connection interactive again.
 */
static void
tcp_set_quickack(struct sock *sk, int val)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (!val) {
		tp->icsk_ack.pingpong = 1;
		return;
	}
	tp->icsk_ack.pingpong = 0;
	if ((sk->sk_state == TCP_ESTABLISHED || sk->sk_state == TCP_CLOSE_WAIT) &&
	    (tp->icsk_ack.pending & ICSK_ACK_SCHED)) {
		tp->icsk_ack.pending |= ICSK_ACK_PUSHED;
		tcp_cleanup_rbuf(sk, 1);
		if (!(val & 1))
			tp->icsk_ack.pingpong = 1;
	}
}

static int
tcp_setsockopt(struct sock *sk, int level, int optname, const void *val, size_t len)
{
	if (level == NS_SOL_IP)
		return ip_setsockopt(sk, level, optname, val, len);
	if (level == IPPROTO_TCP && optname == TCP_CONGESTION) {
		/* Linux do_tcp_setsockopt: the name, at most 15 bytes */
		char name[TCP_CA_NAME_MAX];
		if (len < 1)
			return -EINVAL;
		size_t n = MIN(len, (size_t)TCP_CA_NAME_MAX - 1);
		memcpy(name, val, n);
		name[n] = '\0';
		return tcp_set_congestion_control(sk, name);
	}
	if (level != IPPROTO_TCP ||
	    (optname != TCP_NODELAY && optname != TCP_QUICKACK && optname != TCP_CORK))
		return -ENOPROTOOPT;
	int v;
	memcpy(&v, val, sizeof v);
	struct tcp_sock *tp = tcp_sk(sk);
	if (optname == TCP_QUICKACK) {
		tcp_set_quickack(sk, v);
		return 0;
	}
	if (optname == TCP_CORK) {
		/* Linux __tcp_sock_set_cork (net/ipv4/tcp.c): uncorking sends what
		 * waits, the short tail too with TCP_NODELAY, else as Nagle allows */
		tp->cork = v != 0;
		if (!v) {
			tp->nagle_push |= tp->nodelay;
			tcp_write_xmit(sk); /* tcp_push_pending_frames */
		}
		return 0;
	}
	/* Linux __tcp_sock_set_nodelay: TCP_NAGLE_OFF | TCP_NAGLE_PUSH, and
	 * push what waits (even while corked) */
	tp->nodelay = v != 0;
	if (v) {
		tp->nagle_push = true;
		tcp_write_xmit(sk);
	}
	return 0;
}

static int
tcp_getsockopt(struct sock *sk, int level, int optname, void *val, size_t *len)
{
	int v;
	if (level == NS_SOL_IP)
		return ip_getsockopt(sk, level, optname, val, len);
	if (level == IPPROTO_TCP && optname == TCP_CONGESTION) {
		/* Linux do_tcp_getsockopt: min(len, 16) bytes of the zero-padded name */
		*len = MIN(*len, (size_t)TCP_CA_NAME_MAX);
		memcpy(val, tcp_sk(sk)->ca_ops->name, *len);
		return 0;
	}
	if (level == IPPROTO_TCP && optname == TCP_NODELAY)
		v = tcp_sk(sk)->nodelay;
	else if (level == IPPROTO_TCP && optname == TCP_MAXSEG)
		v = (int)tcp_sk(sk)->mss;
	else if (level == IPPROTO_TCP && optname == TCP_QUICKACK)
		v = !tcp_sk(sk)->icsk_ack.pingpong;
	else if (level == IPPROTO_TCP && optname == TCP_CORK)
		v = tcp_sk(sk)->cork;
	else
		return -ENOPROTOOPT;
	memcpy(val, &v, sizeof v);
	*len = sizeof v;
	return 0;
}

static void
tcp_unhash_op(struct sock *sk)
{
	tcp_unhash(sk);
}

const struct proto tcp_prot = {
	.name = "TCP",
	.init = tcp_v4_init_sock,
	.close = tcp_close,
	.connect = tcp_v4_connect,
	.accept = tcp_accept,
	.listen = tcp_listen,
	.shutdown = tcp_shutdown,
	.setsockopt = tcp_setsockopt,
	.getsockopt = tcp_getsockopt,
	.sendmsg = tcp_sendmsg,
	.recvmsg = tcp_recvmsg,
	.get_port = tcp_v4_get_port,
	.unhash = tcp_unhash_op,
	.poll = tcp_poll,
	.ioctl = tcp_ioctl,
	.obj_size = sizeof(struct tcp_sock),
	.destroy = tcp_free_sock,
	.check = tcp_check_sock,
};
