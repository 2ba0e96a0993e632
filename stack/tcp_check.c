/*
 * stack/tcp_check.c - the invariants of a TCP connection: its sequence
 * space, its queues and what it charges to the sock, the recovery state
 * and the timers.  Run where the connection changes in the checked build
 * (sim/check.h, NS_CHECK): after tcp_ack, tcp_data_queue,
 * tcp_retransmit_skb and tcp_split_head, and at rest (with the timers)
 * after tcp_v4_rcv, a listener's new child, connect, sendmsg, recvmsg and
 * the RTO and persist timers.  tcp_write_xmit itself is not checked: it
 * runs once per segment inside sendmsg and each ACK, and an at-rest check
 * follows it before the event ends.  Each check walks the queues, so it
 * costs O(queued segments); it never runs in the default build.
 *
 * Linux counterpart: no one function; Linux states a few of these as
 * assertions where it relies on them (include/net/tcp.h tcp_verify_left_out,
 * WARN_ON(tcp_left_out(tp) > tp->packets_out); net/ipv4/tcp_input.c
 * tcp_tso_acked, BUG_ON(!after(TCP_SKB_CB(skb)->end_seq, tp->snd_una))).
 * lwIP's tcp_pcbs_sane walks its connections the same way.
 *
 * The rules, with sequence numbers compared modulo 2^32 (before/after):
 *
 *   send:    snd_una <= snd_nxt <= snd_max <= write_seq.  The write queue
 *            holds exactly [snd_una, write_seq): its first segment starts
 *            at snd_una, each starts where the one before ends, the last
 *            ends at write_seq, and each is as long as its payload plus
 *            its SYN and FIN.  sk_wmem_alloc is the queue's truesize.
 *            Example: snd_una 1000, write_seq 4000, MSS 1000 -> the queue
 *            is [1000,2000) [2000,3000) [3000,4000); an ACK of 2500 leaves
 *            [2500,3000) [3000,4000) and snd_una 2500.
 *   sent:    a segment sent (cb->when set) lies below snd_max; one marked
 *            retransmitted was sent.
 *   receive: the receive queue is in order and ends at rcv_nxt (each
 *            segment starts where the one before ends; nothing is read
 *            past a segment's end); every out-of-order segment starts after
 *            rcv_nxt (a segment reaching rcv_nxt has been moved to the
 *            receive queue); sk_rmem_alloc is the truesize of both queues
 *            (tcp_rmem_truesize, stack/tcp_rcvbuf.c).
 *   recovery: cwnd holds at least one MSS; in NewReno fast recovery,
 *            snd_una < recover <= snd_max (RFC 6582 §3.2: recovery ends
 *            when recover is acknowledged).
 *   timers:  (tcp_check_at_rest only) every timer id names a pending
 *            event; while data is in flight (snd_una != snd_max) in a state
 *            that retransmits, the RTO timer is pending and fires no later
 *            than its deadline.  Inside a step this need not hold yet: the
 *            RTO handler arms the timer again after tcp_write_xmit, which
 *            may send nothing (a full device queue, a zero window).
 *
 *   scoreboard: packets_out, sacked_out, lost_out and retrans_out are the
 *            segments (tcp_skb_pcount) of the sent write-queue skbs, of
 *            those marked SACKED_ACKED, LOST and SACKED_RETRANS; none is
 *            both SACKed and lost; left_out <= packets_out (Linux
 *            tcp_verify_left_out).
 *
 * What netsim does not have, this does not check: no rb-tree of
 * out-of-order segments (the queue is kept in arrival order and searched,
 * tcp_ofo_queue).
 */
#include "stack/tcp.h"

#include "stack/host.h"

#define TCP_BUG(sk, caller, ...) tcp_bug(sk, caller, __VA_ARGS__)

static void __attribute__((noreturn))
tcp_bug(const struct sock *sk, const char *caller, const char *what)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	g_autofree char *msg = g_strdup_printf(
		"%s [%s %s: snd_una %u snd_nxt %u snd_max %u write_seq %u rcv_nxt %u cwnd %u]",
		what, tp->conn_name, tcp_state_name(sk->sk_state), tp->snd_una - tp->iss,
		tp->snd_nxt - tp->iss, tp->snd_max - tp->iss, tp->write_seq - tp->iss,
		tp->rcv_nxt - tp->irs, tp->cwnd);
	sock_bug(sk, caller, msg);
}

/* The payload plus SYN and FIN of a queued segment matches its sequence range. */
static bool
seg_len_ok(const struct sk_buff *skb)
{
	const struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
	uint32_t flags = !!(cb->flags & TCPHDR_SYN) + !!(cb->flags & TCPHDR_FIN);
	return cb->end_seq - cb->seq == skb->len + flags;
}

/* One walk of the write queue (it may hold thousands of segments). */
static void
tcp_check_write_queue(const struct sock *sk, const char *caller)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	uint32_t seq = tp->snd_una;
	uint64_t truesize = 0;
	uint32_t packets = 0, sacked = 0, lost = 0, retrans = 0;
	bool hint_queued = tp->send_hint == NULL;
	for (const struct sk_buff *skb = sk->sk_write_queue.first; skb; skb = skb->next) {
		truesize += sock_skb_truesize(skb);
		const struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
		if (cb->when && !(cb->flags & TCPHDR_SYN) && !after(cb->end_seq, tp->snd_max)) {
			uint32_t pcount = tcp_skb_pcount(tp, skb);
			packets += pcount;
			sacked += cb->sacked & TCPCB_SACKED_ACKED ? pcount : 0;
			lost += cb->sacked & TCPCB_LOST ? pcount : 0;
			retrans += cb->sacked & TCPCB_SACKED_RETRANS ? pcount : 0;
		} else if (cb->sacked) {
			TCP_BUG(sk, caller, "a segment not sent is on the SACK scoreboard");
		}
		if ((cb->sacked & TCPCB_SACKED_ACKED) && (cb->sacked & TCPCB_LOST))
			TCP_BUG(sk, caller, "a segment is both SACKed and lost");
		if (cb->seq != seq)
			TCP_BUG(sk, caller,
				skb == sk->sk_write_queue.first
					? "the write queue does not start at snd_una"
					: "the write queue has a gap or an overlap");
		if (!seg_len_ok(skb))
			TCP_BUG(sk, caller, "a queued segment's length is not its sequence range");
		if (cb->when && after(cb->end_seq, tp->snd_max))
			TCP_BUG(sk, caller, "a segment sent lies beyond snd_max");
		if (cb->retransmitted && !cb->when)
			TCP_BUG(sk, caller, "a segment marked retransmitted was never sent");
		hint_queued |= skb == tp->send_hint;
		seq = cb->end_seq;
	}
	if (seq != tp->write_seq)
		TCP_BUG(sk, caller, "the write queue does not end at write_seq");
	/* without SACK, sacked_out counts duplicate ACKs (tcp_add_reno_sack) */
	if (packets != tp->packets_out || (tcp_is_sack(tp) && sacked != tp->sacked_out) ||
	    lost != tp->lost_out || retrans != tp->retrans_out)
		TCP_BUG(sk, caller,
			"packets_out, sacked_out, lost_out or retrans_out is not what the write "
			"queue's segments say");
	if (tp->sacked_out + tp->lost_out > tp->packets_out)
		TCP_BUG(sk, caller, "more segments SACKed or lost than out (tcp_verify_left_out)");
	if (!hint_queued)
		TCP_BUG(sk, caller, "the send hint is not on the write queue");
	if (truesize != sk->sk_wmem_alloc)
		TCP_BUG(sk, caller, "sk_wmem_alloc is not the truesize of the write queue");
}

static void
tcp_check_receive_queues(const struct sock *sk, const char *caller)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	const struct sk_buff *last = sk->sk_receive_queue.last;
	uint64_t charged = 0;
	for (const struct sk_buff *skb = sk->sk_receive_queue.first; skb; skb = skb->next)
		charged += tcp_rmem_truesize(skb);
	for (const struct sk_buff *skb = tp->ofo_queue.first; skb; skb = skb->next)
		charged += tcp_rmem_truesize(skb);
	if (sk->sk_rmem_alloc != charged)
		TCP_BUG(sk, caller, "sk_rmem_alloc is not the truesize of the receive queues");
	for (const struct sk_buff *skb = sk->sk_receive_queue.first; skb; skb = skb->next) {
		const struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
		if (skb->sk != sk || !seg_len_ok(skb) || cb->consumed >= skb->len)
			TCP_BUG(sk, caller, "a segment on the receive queue is malformed");
		if (skb->next && TCP_SKB_CB(skb->next)->seq != cb->end_seq)
			TCP_BUG(sk, caller, "the receive queue has a gap or an overlap");
	}
	/* a FIN that came alone was not queued: it is the one sequence number past the data */
	if (last && TCP_SKB_CB(last)->end_seq != tp->rcv_nxt &&
	    !(tp->fin_received && TCP_SKB_CB(last)->end_seq + 1 == tp->rcv_nxt))
		TCP_BUG(sk, caller, "the receive queue does not end at rcv_nxt");
	for (const struct sk_buff *skb = tp->ofo_queue.first; skb; skb = skb->next) {
		if (!seg_len_ok(skb))
			TCP_BUG(sk, caller, "an out-of-order segment is malformed");
		if (!after(TCP_SKB_CB(skb)->seq, tp->rcv_nxt))
			TCP_BUG(sk, caller, "an out-of-order segment reaches rcv_nxt but waits");
	}
}

static bool
timer_ok(const struct sock *sk, sim_event_id id)
{
	return id == 0 || sim_is_pending(sk->host->sim, id);
}

static void
tcp_check_timers(const struct sock *sk, const char *caller)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	if (!timer_ok(sk, tp->rtx_timer) || !timer_ok(sk, tp->delack_timer) ||
	    !timer_ok(sk, tp->persist_timer) || !timer_ok(sk, tp->tw_timer))
		TCP_BUG(sk, caller, "a timer id names no pending event");
	bool retransmits = sk->sk_state != TCP_CLOSE && sk->sk_state != TCP_LISTEN &&
		sk->sk_state != TCP_TIME_WAIT && !tcp_teardown(sk->host);
	if (retransmits && tp->snd_una != tp->snd_max) {
		if (!tp->rtx_timer)
			TCP_BUG(sk, caller, "data is in flight and no RTO timer runs");
		if (sim_event_time(sk->host->sim, tp->rtx_timer) > tp->rto_deadline)
			TCP_BUG(sk, caller, "the RTO timer fires after its deadline");
	}
}

/* TCP's rule (tcp_prot.check), run by sock_check. */
void
tcp_check_sock(const struct sock *sk, const char *caller)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	if (after(tp->snd_una, tp->snd_nxt) || after(tp->snd_nxt, tp->snd_max) ||
	    after(tp->snd_max, tp->write_seq))
		TCP_BUG(sk, caller, "not snd_una <= snd_nxt <= snd_max <= write_seq");
	tcp_check_write_queue(sk, caller);
	tcp_check_receive_queues(sk, caller);
	if (sk->sk_state != TCP_LISTEN && sk->sk_state != TCP_CLOSE && tp->cwnd < tp->mss)
		TCP_BUG(sk, caller, "cwnd is below one segment");
	if (tp->in_recovery &&
	    (!after(tp->recover, tp->snd_una) || after(tp->recover, tp->snd_max)))
		TCP_BUG(sk, caller, "fast recovery, but recover is not in (snd_una, snd_max]");
	if (tp->all_link && tp->all_link->data != sk)
		TCP_BUG(sk, caller, "its node in TCP's list of socks holds another sock");
}

void
tcp_check(const struct sock *sk, const char *caller)
{
	sock_check(sk, caller); /* the general part, then tcp_check_sock */
}

void
tcp_check_at_rest(const struct sock *sk, const char *caller)
{
	tcp_check(sk, caller);
	tcp_check_timers(sk, caller);
}
