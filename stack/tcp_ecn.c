/*
 * stack/tcp_ecn.c - Explicit Congestion Notification for TCP (RFC 3168),
 * as Linux 6.6 does it (net.ipv4.tcp_ecn, the host key tcp_ecn).
 *
 * Linux counterparts (6.6): net/ipv4/tcp_output.c tcp_ecn_send_syn,
 * tcp_ecn_send_synack, tcp_ecn_send; net/ipv4/tcp_input.c
 * tcp_ecn_rcv_synack, tcp_ecn_rcv_syn, tcp_ecn_create_request,
 * tcp_ecn_check_ce (__tcp_ecn_check_ce), tcp_ecn_accept_cwr,
 * tcp_ecn_rcv_ecn_echo, tcp_ecn_queue_cwr (called by
 * tcp_init_cwnd_reduction), tcp_enter_cwr (called by tcp_try_to_open on
 * FLAG_ECE); include/net/inet_ecn.h INET_ECN_xmit, INET_ECN_dontxmit.
 *
 * Negotiation (RFC 3168 §6.1.1): with tcp_ecn = 1 the SYN carries ECE and
 * CWR; a listener with tcp_ecn 1 or 2 answers ECE on its SYN-ACK
 * (Linux's default 2 accepts but never asks); the connection uses ECN
 * only when the SYN-ACK has ECE without CWR.
 *
 * Then (RFC 3168 §6.1.2-§6.1.5):
 *  - new data segments carry ECT(0) in the IP header (INET_ECN_xmit);
 *    pure ACKs and retransmissions carry Not-ECT (INET_ECN_dontxmit);
 *  - a receiver that gets a CE segment enters quick-ACK mode and sets ECE
 *    on every segment it sends (TCP_ECN_DEMAND_CWR) until a segment with
 *    CWR arrives;
 *  - a sender that gets ECE enters the CWR state once per window (Linux
 *    tcp_enter_cwr = tcp_cong_on_local_drop here: ssthresh from the
 *    algorithm, then PRR to it, stack/tcp_prr.c) and sets CWR on the next
 *    new data segment (tcp_init_cwnd_reduction -> tcp_ecn_queue_cwr, so
 *    entering Recovery queues CWR too, as in Linux).
 *
 * Position: tcp_xmit (tcp_output.c) -> tcp_ecn_send -> the IP header's
 * ECN field (sk->tos); tcp_v4_rcv keeps the received field in
 * tcp_skb_cb.ip_dsfield -> tcp_ecn_check_ce / tcp_ecn_rcv_ecn_echo.
 */
#include "stack/tcp.h"
#include "stack/ipv4.h"

/* Linux tcp_ecn_send_syn: our SYN asks for ECN when tcp_ecn = 1. */
uint8_t
tcp_ecn_send_syn(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	tp->ecn_flags = 0;
	if (tcp_config(sk->host)->ecn != 1)
		return 0;
	tp->ecn_flags = TCP_ECN_OK;
	return TCPHDR_ECE | TCPHDR_CWR;
}

/* Linux __tcp_retransmit_skb -> tcp_ecn_clear_syn (6.6, with
 * net.ipv4.tcp_ecn_fallback = 1, its default): a SYN sent again goes
 * without ECE and CWR (RFC 3168 §6.1.1.1: a middlebox may drop ECN
 * SYNs); the SYN-ACK without ECE then turns ECN off.  Called by
 * tcp_transmit_skb for a segment sent before (netsim resends a SYN by
 * go-back-N through tcp_write_xmit, not tcp_retransmit_skb). */
void
tcp_ecn_clear_syn(struct sk_buff *skb)
{
	struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
	if ((cb->flags & (TCPHDR_SYN | TCPHDR_ECE | TCPHDR_CWR)) ==
	    (TCPHDR_SYN | TCPHDR_ECE | TCPHDR_CWR))
		cb->flags &= (uint8_t) ~(TCPHDR_ECE | TCPHDR_CWR);
}

/* Linux tcp_ecn_rcv_synack: the SYN-ACK must have ECE and not CWR. */
void
tcp_ecn_rcv_synack(struct sock *sk, uint8_t flags)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if ((tp->ecn_flags & TCP_ECN_OK) && (!(flags & TCPHDR_ECE) || (flags & TCPHDR_CWR)))
		tp->ecn_flags &= (uint8_t)~TCP_ECN_OK;
}

/* Linux tcp_ecn_create_request / tcp_ecn_rcv_syn: a SYN with ECE and CWR
 * is accepted when our tcp_ecn is 1 or 2. */
void
tcp_ecn_rcv_syn(struct sock *sk, uint8_t flags)
{
	struct tcp_sock *tp = tcp_sk(sk);
	bool asked = (flags & (TCPHDR_ECE | TCPHDR_CWR)) == (TCPHDR_ECE | TCPHDR_CWR);
	tp->ecn_flags = asked && tcp_config(sk->host)->ecn ? TCP_ECN_OK : 0;
}

/* Linux tcp_ecn_send_synack: ECE on the SYN-ACK when we accepted. */
uint8_t
tcp_ecn_send_synack(struct sock *sk)
{
	return (tcp_sk(sk)->ecn_flags & TCP_ECN_OK) ? TCPHDR_ECE : 0;
}

/*
 * Linux tcp_ecn_send (6.6): a segment other than a SYN is going out with
 * @flags; @new_data: it carries data not sent before.  Sets the IP
 * header's ECN field for it (INET_ECN_xmit / INET_ECN_dontxmit on
 * inet_sk(sk)->tos) and returns the flags with CWR and ECE added.
 */
uint8_t
tcp_ecn_send(struct sock *sk, uint8_t flags, bool new_data)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (!(tp->ecn_flags & TCP_ECN_OK))
		return flags;
	if (new_data) {
		sk->tos = (uint8_t)((sk->tos & ~INET_ECN_MASK) | INET_ECN_ECT_0);
		if (tp->ecn_flags & TCP_ECN_QUEUE_CWR) {
			tp->ecn_flags &= (uint8_t)~TCP_ECN_QUEUE_CWR;
			flags |= TCPHDR_CWR;
		}
	} else {
		sk->tos &= (uint8_t)~INET_ECN_MASK; /* ACK or retransmission: Not-ECT */
	}
	if (tp->ecn_flags & TCP_ECN_DEMAND_CWR)
		flags |= TCPHDR_ECE;
	return flags;
}

/* Linux tcp_ecn_queue_cwr (from tcp_init_cwnd_reduction). */
void
tcp_ecn_queue_cwr(struct tcp_sock *tp)
{
	if (tp->ecn_flags & TCP_ECN_OK)
		tp->ecn_flags |= TCP_ECN_QUEUE_CWR;
}

/* Linux tcp_ecn_accept_cwr (6.6, from tcp_data_queue): the peer has
 * reduced; stop echoing, and ACK a data segment with CWR at once. */
void
tcp_ecn_accept_cwr(struct sock *sk, const struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);
	const struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
	if (!(cb->flags & TCPHDR_CWR))
		return;
	tp->ecn_flags &= (uint8_t)~TCP_ECN_DEMAND_CWR;
	if (cb->seq != cb->end_seq)
		tp->icsk_ack.pending |= ICSK_ACK_NOW;
}

/* Linux tcp_ecn_check_ce (__tcp_ecn_check_ce, 6.6, from
 * tcp_event_data_recv): a CE mark makes us echo ECE, the first one also
 * enters quick-ACK mode for two ACKs so the sender hears soon. */
void
tcp_ecn_check_ce(struct sock *sk, const struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (!(tp->ecn_flags & TCP_ECN_OK))
		return;
	switch (TCP_SKB_CB(skb)->ip_dsfield & INET_ECN_MASK) {
	case INET_ECN_NOT_ECT:
		/* Linux: a Not-ECT segment after ECT ones (a lost-CE sign)
		 * enters quick-ACK mode too */
		if (tp->ecn_flags & TCP_ECN_SEEN)
			tcp_enter_quickack_mode(sk, 2);
		break;
	case INET_ECN_CE:
		if (!(tp->ecn_flags & TCP_ECN_DEMAND_CWR)) {
			tcp_enter_quickack_mode(sk, 2);
			tp->ecn_flags |= TCP_ECN_DEMAND_CWR;
		}
		tp->ecn_flags |= TCP_ECN_SEEN;
		break;
	default: tp->ecn_flags |= TCP_ECN_SEEN; break;
	}
}

/* Linux tcp_ecn_rcv_ecn_echo + tcp_try_to_open's "if (flag & FLAG_ECE)
 * tcp_enter_cwr(sk)": an ACK with ECE (not a SYN) on an ECN connection
 * starts one cwnd reduction; in CWR, Recovery or Loss it is ignored, so
 * the reduction happens at most once per window. */
void
tcp_ecn_rcv_ecn_echo(struct sock *sk, uint8_t flags)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (!(flags & TCPHDR_ECE) || (flags & TCPHDR_SYN) || !(tp->ecn_flags & TCP_ECN_OK))
		return;
	tcp_cong_on_local_drop(sk); /* Linux tcp_enter_cwr */
}

/* Linux tcp_newly_delivered (6.6): the segments an ACK with ECE newly
 * delivered (cumulatively or by SACK) count as TCPDeliveredCE, the
 * sender's tally of what the receiver echoed as CE-marked. */
void
tcp_ecn_delivered_ce(struct sock *sk, uint8_t flags, uint32_t delivered)
{
	if ((flags & TCPHDR_ECE) && !(flags & TCPHDR_SYN) && (tcp_sk(sk)->ecn_flags & TCP_ECN_OK))
		tcp_mib_mut(sk->host)->delivered_ce += delivered;
}
