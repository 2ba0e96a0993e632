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

int
tcp_timewait_state_process(struct sock *sk, struct sk_buff *skb)
{
	struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
	if (cb->flags & TCPHDR_RST) {
		tcp_done(sk); /* Linux default (tcp_rfc1337 = 0) */
	} else if (cb->flags & TCPHDR_FIN) {
		tcp_send_ack(sk); /* our last ACK was lost: ACK again, restart 2MSL */
		tcp_time_wait(sk, TCP_TIME_WAIT);
	}
	skb_consume(skb);
	return NET_RX_SUCCESS;
}
