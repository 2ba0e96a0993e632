/*
 * stack/tcp_undo.c - undoing a cwnd reduction that was not needed: the
 * segments taken for lost were only delayed or reordered.
 *
 * Linux counterpart (6.6): net/ipv4/tcp_input.c tcp_init_undo,
 * tcp_packet_delayed, tcp_tsopt_ecr_before, tcp_may_undo,
 * tcp_undo_cwnd_reduction, tcp_try_undo_recovery, tcp_try_undo_dsack,
 * tcp_try_undo_loss, tcp_try_undo_partial, tcp_try_keep_open,
 * tcp_any_retrans_done, tcp_current_ssthresh (include/net/tcp.h),
 * tcp_check_dsack, tcp_dsack_seen and tcp_sacktag_one's D-SACK count;
 * net/ipv4/tcp_output.c tcp_retransmit_skb (retrans_stamp, undo_retrans).
 *
 * Two kinds of evidence, as Linux uses them:
 *  - Eifel detection (RFC 3522 §3.2, and RFC 4015 for the response): with
 *    timestamps, an ACK whose TSecr is older than the first retransmission
 *    (retrans_stamp) was sent for the original, so the original was not
 *    lost (tcp_packet_delayed).  The ACK that ends a recovery, a partial
 *    ACK in it, or an ACK in the Loss state after an RTO can then undo.
 *  - D-SACK (RFC 2883 §4, RFC 3708's idea): every retransmission since the
 *    reduction began counts in undo_retrans; each D-SACK of a retransmitted
 *    segment says both copies arrived and takes one off; at 0, none of the
 *    retransmissions was needed (tcp_try_undo_dsack), even after the
 *    recovery is over.
 *
 * Undoing (tcp_undo_cwnd_reduction) puts cwnd back with the algorithm's
 * undo_cwnd (Reno and CUBIC: max(cwnd, prior_cwnd)) and ssthresh back to
 * prior_ssthresh, the larger of ssthresh and 3/4 cwnd when the reduction
 * began (tcp_current_ssthresh); 0 when the reduction was for ECN or a
 * local drop (tcp_enter_cwr), which is never undone.  The counters are
 * Linux's: TCPFullUndo, TCPPartialUndo, TCPDSACKUndo, TCPLossUndo
 * (struct tcp_mib; not yet among a run's --metrics).
 *
 * F-RTO (RFC 5682, tcp_frto = 2 in Linux) detects a spurious RTO without
 * timestamps from the ACKs of new data (tcp_process_loss in
 * stack/tcp_cong_control.c, SACK connections only); with timestamps
 * tcp_process_loss tries tcp_try_undo_loss first, as Linux.  Without SACK, Linux holds Recovery until an ACK beyond high_seq
 * (tcp_try_undo_recovery's "Hold old state" for Reno) and may undo on a
 * partial ACK; netsim leaves Recovery at the full ACK and undoes only
 * there and in Loss (docs/sockets-and-tcp.md).
 *
 * Position: tcp_retransmit_skb -> tcp_undo_retransmitted; tcp_enter_recovery
 * and the RTO -> tcp_init_undo; tcp_sacktag_write_queue -> tcp_check_dsack;
 * tcp_cong_on_ack -> tcp_*_fastretrans_alert -> tcp_try_undo_*.
 */
#include "stack/tcp.h"

#include "stack/host.h"

/* Linux tcp_init_undo: remember where the reduction began; a
 * retransmission still in flight may draw a D-SACK later. */
void
tcp_init_undo(struct tcp_sock *tp)
{
	tp->undo_marker = tp->snd_una;
	tp->undo_retrans = tp->retrans_out ? (int)tp->retrans_out : -1;
}

/* Linux tcp_current_ssthresh: in a reduction, ssthresh; else the larger of
 * ssthresh and 3/4 cwnd (segments). */
uint32_t
tcp_current_ssthresh(const struct tcp_sock *tp)
{
	uint32_t cwnd = tcp_snd_cwnd(tp);
	if (tcp_in_cwnd_reduction(tp))
		return tcp_snd_ssthresh(tp);
	return MAX(tcp_snd_ssthresh(tp), (cwnd >> 1) + (cwnd >> 2));
}

/* Linux tcp_retransmit_skb's tail: the time of the first retransmission
 * (in TSval units, as the TSecr it is compared with), and one more
 * retransmission that a D-SACK may prove needless. */
void
tcp_undo_retransmitted(struct sock *sk, const struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (!tp->retrans_stamp)
		tp->retrans_stamp = tcp_time_stamp(sk);
	if (tp->undo_retrans < 0)
		tp->undo_retrans = 0;
	tp->undo_retrans += (int)tcp_skb_pcount(tp, skb);
}

/* Linux tcp_any_retrans_done: a retransmission in flight, or the head of
 * the write queue was ever retransmitted (TCPCB_EVER_RETRANS). */
bool
tcp_any_retrans_done(const struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	if (tp->retrans_out)
		return true;
	const struct sk_buff *head = skb_peek(&sk->sk_write_queue);
	return head && TCP_SKB_CB(head)->retransmitted && !(TCP_SKB_CB(head)->flags & TCPHDR_SYN);
}

/* Linux tcp_packet_delayed (6.6) with tcp_tsopt_ecr_before: this ACK
 * echoes a TSval from before the first retransmission, so it was sent
 * for an original (RFC 3522 §3.2). */
static bool
tcp_packet_delayed(const struct tcp_sock *tp)
{
	return tp->retrans_stamp && tp->rx_opt.saw_tstamp && tp->rx_opt.rcv_tsecr &&
		before(tp->rx_opt.rcv_tsecr, tp->retrans_stamp);
}

/* Linux tcp_may_undo: a reduction to undo, and no retransmission left
 * that D-SACKs have not shown needless, or the ACK is for an original. */
static bool
tcp_may_undo(const struct tcp_sock *tp)
{
	return tp->undo_marker && (!tp->undo_retrans || tcp_packet_delayed(tp));
}

/* Linux tcp_undo_cwnd_reduction: cwnd and ssthresh as before; with
 * @unmark_loss the segments marked lost are not lost after all. */
static void
tcp_undo_cwnd_reduction(struct sock *sk, bool unmark_loss)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (unmark_loss) {
		for (struct sk_buff *skb = skb_peek(&sk->sk_write_queue); skb; skb = skb->next)
			TCP_SKB_CB(skb)->sacked &= (uint8_t)~TCPCB_LOST;
		tp->lost_out = 0;
	}
	if (tp->prior_ssthresh) {
		tcp_snd_cwnd_set(tp, tp->ca_ops->undo_cwnd(sk));
		if (tp->prior_ssthresh > tcp_snd_ssthresh(tp)) {
			tcp_snd_ssthresh_set(tp, tp->prior_ssthresh);
			tp->ecn_flags &= (uint8_t)~TCP_ECN_QUEUE_CWR; /* tcp_ecn_withdraw_cwr */
		}
	}
	tp->undo_marker = 0;
	tp->rack.advanced = true; /* Force RACK to re-exam losses */
}

/* Linux tcp_try_keep_open: Disorder while anything is SACKed, lost or
 * retransmitted, else Open. */
void
tcp_try_keep_open(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint8_t state = TCP_CA_Open;
	if (tp->sacked_out || tp->lost_out || tcp_any_retrans_done(sk))
		state = TCP_CA_Disorder;
	if (tp->ca_state != state)
		tcp_set_ca_state(sk, state);
	tp->in_recovery = false; /* netsim's NewReno flag: no recovery point */
}

/*
 * Linux tcp_try_undo_recovery: the recovery (or the Loss state) is over,
 * every segment below its end acknowledged.  If nothing retransmitted was
 * needed, the reduction is undone (TCPFullUndo, TCPLossUndo from Loss).
 * Open either way; netsim's callers end the reduction (Linux's Reno hold
 * at snd_una == high_seq is not modelled, see above).
 */
void
tcp_try_undo_recovery(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (tcp_may_undo(tp)) {
		struct tcp_mib *mib = tcp_mib_mut(sk->host);
		tcp_undo_cwnd_reduction(sk, false);
		if (tp->ca_state == TCP_CA_Loss)
			mib->tcp_loss_undo++;
		else
			mib->tcp_full_undo++;
	} else if (tp->rack.reo_wnd_persist) {
		tp->rack.reo_wnd_persist--; /* one more recovery that was needed */
	}
	tcp_set_ca_state(sk, TCP_CA_Open);
}

/* Linux tcp_try_undo_dsack: D-SACKs have covered every retransmission
 * since the reduction began (TCPDSACKUndo). */
bool
tcp_try_undo_dsack(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (tp->undo_marker && !tp->undo_retrans) {
		tp->rack.reo_wnd_persist = (uint8_t)MIN(
			16u, tp->rack.reo_wnd_persist + 1u); /* TCP_RACK_RECOVERY_THRESH */
		tcp_undo_cwnd_reduction(sk, false);
		tcp_mib_mut(sk->host)->tcp_dsack_undo++;
		return true;
	}
	return false;
}

/* Linux tcp_try_undo_loss (6.6): an ACK of new data in the Loss state is
 * for an original (timestamps) or D-SACKs covered every retransmission,
 * or F-RTO saw data never retransmitted acknowledged (@frto_undo,
 * tcp_process_loss): the RTO was spurious (TCPLossUndo; TCPSpuriousRTOs
 * for F-RTO).  With SACK, or by F-RTO, the connection is Open again;
 * otherwise it stays in Loss until recover. */
bool
tcp_try_undo_loss(struct sock *sk, bool frto_undo)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (!frto_undo && !tcp_may_undo(tp))
		return false;
	tcp_undo_cwnd_reduction(sk, true);
	tcp_mib_mut(sk->host)->tcp_loss_undo++;
	if (frto_undo)
		tcp_mib_mut(sk->host)->tcp_spurious_rtos++;
	tp->retransmits = 0;
	if (frto_undo || tcp_is_sack(tp))
		tcp_set_ca_state(sk, TCP_CA_Open);
	return true;
}

/*
 * Linux tcp_try_undo_partial: a partial ACK in Recovery that is for an
 * original filled the hole (a delayed segment, not the retransmission).
 * With retransmissions still in flight nothing more is marked lost or
 * resent (returns true: the caller stops); with none, the reduction is
 * undone (TCPPartialUndo) and the connection Disorder or Open.  Either
 * way it was reordering (tcp_check_sack_reordering, TCPTSReorder).
 */
bool
tcp_try_undo_partial(struct sock *sk, uint32_t prior_snd_una)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (!tp->undo_marker || !tcp_packet_delayed(tp))
		return false;
	/* Plain luck! Hole if filled with delayed packet, rather than with a
	 * retransmit. Check reordering. */
	tcp_check_sack_reordering(sk, prior_snd_una, true);
	if (tp->retrans_out)
		return true;
	if (!tcp_any_retrans_done(sk))
		tp->retrans_stamp = 0;
	tcp_undo_cwnd_reduction(sk, true);
	tcp_mib_mut(sk->host)->tcp_partial_undo++;
	tcp_try_keep_open(sk);
	return false;
}

/* ---- D-SACK at the sender (RFC 2883 §4) -------------------------------------------- */

/* Linux tcp_dsack_seen: the segments a D-SACK of [start, end) reports; 0
 * for a dubious one (reversed, wider than any window offered, or more
 * duplicates than were ever retransmitted). */
static uint32_t
tcp_dsack_seen(struct tcp_sock *tp, uint32_t start, uint32_t end)
{
	if (!before(start, end))
		return 0;
	uint32_t seq_len = end - start, dup_segs = 1;
	if (seq_len > tp->max_window)
		return 0;
	if (seq_len > tp->mss)
		dup_segs = (seq_len + tp->mss - 1) / tp->mss;
	tp->dsack_dups += dup_segs;
	if (tp->dsack_dups > tp->retrans_segs)
		return 0; /* Skip the DSACK if dup segs weren't retransmitted by sender */
	tcp_rack_dsack_seen(tp, start, end); /* widen reo_wnd (tcp_reorder.c) */
	return dup_segs;
}

/*
 * Linux tcp_check_dsack: is the first block a D-SACK (below the cumulative
 * ACK: TCPDSACKRecv; inside the second block: TCPDSACKOfoRecv)?  A D-SACK
 * of data already acknowledged counts against undo_retrans at once ("dumb
 * counting", the segments are gone); one above snd_una is counted by
 * tcp_dsack_count_retrans against the segments it covers.
 * @prior_snd_una is snd_una before this ACK.
 */
bool
tcp_check_dsack(struct sock *sk, uint32_t ack_seq, const struct tcp_sack_block *sp, int num_sacks,
		uint32_t prior_snd_una)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct tcp_mib *mib = tcp_mib_mut(sk->host);
	uint32_t start = sp[0].start_seq, end = sp[0].end_seq;
	if (before(start, ack_seq)) {
		mib->tcp_dsack_recv++;
	} else if (num_sacks > 1) {
		if (after(end, sp[1].end_seq) || before(start, sp[1].start_seq))
			return false;
		mib->tcp_dsack_ofo_recv++;
	} else {
		return false;
	}
	uint32_t dup_segs = tcp_dsack_seen(tp, start, end);
	if (!dup_segs) { /* Skip dubious DSACK */
		mib->tcp_dsack_ignored_dubious++;
		return false;
	}
	mib->tcp_dsack_recv_segs += dup_segs;
	/* D-SACK for already forgotten data... Do dumb counting. */
	if (tp->undo_marker && tp->undo_retrans > 0 && !after(end, prior_snd_una) &&
	    after(end, tp->undo_marker))
		tp->undo_retrans = MAX(0, tp->undo_retrans - (int)dup_segs);
	return true;
}

/* Linux tcp_sacktag_one with dup_sack ("Account D-SACK for retransmitted
 * packet"): a D-SACK above snd_una of segments that were retransmitted. */
void
tcp_dsack_count_retrans(struct sock *sk, uint32_t start, uint32_t end)
{
	struct tcp_sock *tp = tcp_sk(sk);
	for (struct sk_buff *skb = skb_peek(&sk->sk_write_queue); skb; skb = skb->next) {
		const struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
		if (!before(cb->seq, end) || !before(cb->seq, tp->snd_nxt))
			break;
		if (before(cb->seq, start) || after(cb->end_seq, end) || !cb->retransmitted)
			continue;
		if (tp->undo_marker && tp->undo_retrans > 0 && after(cb->end_seq, tp->undo_marker))
			tp->undo_retrans = MAX(0, tp->undo_retrans - (int)tcp_skb_pcount(tp, skb));
	}
}

/* Linux tcp_ack's "no_queue:" with FLAG_DSACKING_ACK: nothing is
 * outstanding, but a D-SACK may still complete an undo. */
void
tcp_undo_dsack_no_queue(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (tp->ca_state <= TCP_CA_Disorder && tcp_try_undo_dsack(sk))
		tcp_cc_trace(sk);
}
