/*
 * stack/tcp_minisocks.c - the minimal sockets' share of arriving segments:
 * a SYN at a listener, which creates the child, and a segment for a
 * connection in TIME_WAIT.
 *
 * Linux counterpart (6.6): net/ipv4/tcp_input.c tcp_conn_request and
 * net/ipv4/tcp_minisocks.c tcp_create_openreq_child,
 * tcp_timewait_state_process.  A listener creates the child sock at the
 * SYN (Linux keeps a small request_sock until the handshake completes;
 * the difference is memory, not behaviour) and counts it against the SYN
 * backlog until it is established and moves to the accept queue.  A
 * TIME_WAIT connection stays a full sock (Linux: a tcp_timewait_sock).
 *
 * Position: tcp_v4_rcv -> tcp_rcv_state_process -> (LISTEN) tcp_conn_request,
 * (TIME_WAIT) tcp_timewait_state_process.
 */
#include "stack/tcp.h"

#include "sim/check.h"
#include "stack/host.h"
#include "stack/netdevice.h"

int
tcp_conn_request(struct sock *lsk, struct sk_buff *skb)
{
	struct tcp_sock *lp = tcp_sk(lsk);
	struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
	if (cb->flags & TCPHDR_RST)
		goto drop;
	if (cb->flags & TCPHDR_ACK) {
		tcp_send_reset(lsk->host, skb);
		goto drop;
	}
	if (!(cb->flags & TCPHDR_SYN))
		goto drop;
	/* Linux sk_acceptq_is_full: more than backlog waiting; and the SYN backlog. */
	if ((int)g_queue_get_length(&lp->accept_queue) > lp->max_backlog ||
	    lp->syn_backlog >= TCP_MAX_SYN_BACKLOG) {
		tcp_mib_mut(lsk->host)->listen_overflows++;
		tcp_mib_mut(lsk->host)->listen_drops++;
		skb_drop(skb, SKB_DROP_TCP_LISTEN_OVERFLOW);
		return NET_RX_DROP;
	}
	struct sock *sk =
		sk_alloc(lsk->host, lsk->sk_family, lsk->sk_type, lsk->sk_protocol, &tcp_prot);
	tcp_v4_init_sock(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	sk->sk_rcvbuf = lsk->sk_rcvbuf;
	sk->sk_sndbuf = lsk->sk_sndbuf;
	sk->sk_userlocks = lsk->sk_userlocks;
	sk->ttl = lsk->ttl;
	sk->reuseaddr = lsk->reuseaddr; /* Linux: sk_reuse is inherited by the child */
	tp->nodelay = lp->nodelay;
	sk->rcv_saddr = sk->saddr = cb->daddr;
	sk->daddr = cb->saddr;
	sk->dport = cb->sport;
	tcp_port_add(sk, cb->dport);
	tcp_connect_init(sk);
	tp->irs = cb->seq;
	tp->rcv_nxt = cb->seq + 1;
	tp->rcv_wup = tp->rcv_nxt;
	tp->snd_wnd = tp->max_window = cb->window;
	tp->snd_wl1 = cb->seq;
	tp->mss = MIN(tp->advmss, cb->mss ? cb->mss : TCP_MSS_DEFAULT);
	tcp_wscale_negotiate(sk, cb->wscale);
	tcp_sack_negotiate(sk, cb);
	tcp_ts_negotiate(sk, &lp->rx_opt, false);
	/* Linux tcp_openreq_init_rwin: the MSS less the timestamp option */
	tcp_select_initial_window(sk,
				  tp->advmss - (tp->rx_opt.tstamp_ok ? TCPOLEN_TSTAMP_ALIGNED : 0));
	tcp_ecn_rcv_syn(sk, cb->flags);
	tcp_ca_openreq_child(sk, lsk);
	tcp_cong_init(sk);
	tcp_hash(sk);
	tp->parent = lp;
	lp->syn_backlog++;
	tcp_set_state(sk, TCP_SYN_RECV);
	tcp_mib_mut(sk->host)->passive_opens++;
	tcp_send_syn(sk); /* SYN-ACK */
	NS_CHECK(tcp_check_at_rest(sk, "tcp_listen_rcv"));
	skb_consume(skb);
	return NET_RX_SUCCESS;
drop:
	skb_drop(skb, SKB_DROP_TCP_FLAGS);
	return NET_RX_DROP;
}

/*
 * A segment for a connection in TIME_WAIT (Linux 6.6 tcp_minisocks.c
 * tcp_timewait_state_process, the TIME_WAIT substate; netsim keeps the
 * full sock, so tw_rcv_nxt and tw_ts_recent are rcv_nxt and
 * rx_opt.ts_recent):
 *  - PAWS first (tcp_paws_reject): with timestamps, a TSval behind
 *    ts_recent is an old duplicate of this incarnation;
 *  - in window (at rcv_nxt) and not rejected it may only be a bare ACK or
 *    a RST: the RST ends TIME_WAIT (TIME_WAIT assassination, Linux's
 *    default tcp_rfc1337 = 0); the ACK restarts the 2MSL timer and, with
 *    a timestamp, updates ts_recent;
 *  - anything else (the peer's retransmitted FIN, an old segment) is
 *    answered with an ACK (tcp_v4_timewait_ack; a bare one at most every
 *    500 ms, tcp_timewait_check_oow_rate_limit) and restarts the timer if
 *    it carries ACK or failed PAWS; a failed PAWS counts PAWSEstabRejected
 *    (Linux 6.6; 6.15 split off PAWSTimewait).  A RST out of window, or
 *    that fails PAWS, is ignored.
 * Not modelled: a new SYN reopening the connection from TIME_WAIT
 * (TCP_TW_SYN); netsim drops it (the peer's SYN is retransmitted until
 * TIME_WAIT ends).
 */
int
tcp_timewait_state_process(struct sock *sk, struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
	bool rst = cb->flags & TCPHDR_RST;
	bool saw_tstamp = tp->rx_opt.tstamp_ok && tp->rx_opt.saw_tstamp;
	bool paws_reject = saw_tstamp && tp->rx_opt.ts_recent_stamp && tcp_paws_reject(sk, rst);
	if (!paws_reject && cb->seq == tp->rcv_nxt && (cb->seq == cb->end_seq || rst)) {
		/* In window segment, it may be only reset or bare ack. */
		if (rst) {
			skb_consume(skb);
			tcp_done(sk);
			return NET_RX_SUCCESS;
		}
		tcp_time_wait(sk, TCP_TIME_WAIT);
		if (saw_tstamp)
			tcp_store_ts_recent(sk);
		skb_consume(skb);
		return NET_RX_SUCCESS;
	}
	if (paws_reject)
		tcp_mib_mut(sk->host)->paws_estab_rejected++;
	if (!rst) {
		sim_time_t now = host_now(sk->host);
		if (paws_reject || (cb->flags & TCPHDR_ACK))
			tcp_time_wait(sk, TCP_TIME_WAIT);
		/* Linux tcp_oow_rate_limited: only a segment without data
		 * (nor SYN) is rate-limited; a retransmitted FIN is ACKed */
		bool limited = (cb->seq == cb->end_seq || (cb->flags & TCPHDR_SYN)) &&
			tp->last_oow_ack && now - tp->last_oow_ack < TCP_OOW_RATELIMIT;
		if (!limited) {
			if (cb->seq == cb->end_seq || (cb->flags & TCPHDR_SYN))
				tp->last_oow_ack = now;
			tcp_send_ack(sk);
		}
	}
	skb_consume(skb);
	return NET_RX_SUCCESS;
}
