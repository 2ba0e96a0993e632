/*
 * stack/tcp_cong_control.c - loss recovery and the calls into the
 * congestion-control algorithm: fast retransmit, NewReno fast recovery,
 * the RTO's loss state, local congestion (CWR), and cwnd growth.
 *
 * Linux counterpart: the congestion parts of net/ipv4/tcp_input.c
 * (tcp_ack -> tcp_clean_rtx_queue -> icsk_ca_ops->pkts_acked, then
 * tcp_fastretrans_alert, then tcp_cong_control -> tcp_cong_avoid ->
 * icsk_ca_ops->cong_avoid; tcp_enter_recovery, tcp_init_cwnd_reduction,
 * tcp_end_cwnd_reduction, tcp_enter_loss, tcp_enter_cwr) and
 * net/ipv4/tcp_output.c tcp_cwnd_validate.  As in Linux, recovery is the
 * stack's and the algorithm (stack/tcp_cong.c, stack/tcp_cubic.c) only
 * gives ssthresh and the growth.  RFC 5681 §3.2, RFC 6582 §3.2 (NewReno),
 * RFC 6928 (IW10).
 *
 * In Recovery and CWR cwnd comes down by PRR (stack/tcp_prr.c), with and
 * without SACK, as Linux since 3.2; without SACK the duplicate ACKs are
 * counted as SACKed segments (tcp_add_reno_sack), Linux's NewReno.
 *
 * A reduction that proves needless (the ACKs' timestamps or D-SACKs say
 * the originals arrived) is undone by stack/tcp_undo.c, called where
 * Linux's tcp_fastretrans_alert calls tcp_try_undo_*.
 *
 * Deliberate simplification (docs/sockets-and-tcp.md): without SACK a
 * partial ACK resends the head at once (tcp_reno_fastretrans_alert).
 *
 * Position: tcp_ack / the RTO timer / tcp_write_xmit -> here -> cwnd and
 * ssthresh, traced with trace_tcp_cc at every change.
 */
#include "stack/tcp.h"
#include "stack/tcp_tsq.h"

#include "stack/host.h"
#include "trace/trace.h"

/* The flight traced is what cwnd limits: bytes sent and not acknowledged,
 * less the segments the SACK scoreboard says have left the network
 * (SACKed, or lost and not retransmitted): RFC 6675's pipe, Linux
 * tcp_packets_in_flight, in bytes.  Without SACK, snd_nxt - snd_una. */
void
tcp_cc_trace(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	/* trace_tcp_cc writes from summary level up: test that before building
	 * the row (an untraced run has a trace view at level off, not NULL) */
	if (!TRACE_PACKETS_ON(sk->host->trace))
		return;
	uint32_t flight = tcp_flight(sk), left = tp->sacked_out + tp->lost_out;
	if (left > tp->retrans_out) {
		uint32_t gone = (left - tp->retrans_out) * tp->mss;
		flight = flight > gone ? flight - gone : 0;
	}
	struct trace_tcp_cc cc = {
		.cwnd = tp->cwnd,
		.ssthresh = tp->ssthresh,
		.flight = flight,
		.srtt = tp->srtt,
		.rto = tp->rto,
		.rttvar = tp->rttvar,
		.ca = tp->ca_ops ? tp->ca_ops->name : "",
		.ca_state = tcp_ca_state_name(tp->ca_state),
		.sacked_out = tp->sacked_out,
		.lost_out = tp->lost_out,
		.retrans_out = tp->retrans_out,
		.pacing_rate = tcp_pacing_rate(sk), /* stack/tcp_tsq.c */
	};
	trace_tcp_cc(sk->host->trace, tp->conn_name, &cc);
}

/* The initial window (Linux tcp_init_cwnd, IW10) once the MSS is known. */
void
tcp_cong_init(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	tp->cwnd = TCP_INIT_CWND * tp->mss;
	tp->ssthresh = TCP_INFINITE_SSTHRESH;
	tp->snd_cwnd_cnt = 0;
	tp->dupacks = 0;
	tp->in_recovery = false;
	tcp_cc_trace(sk);
}

/* What entering fast recovery does with or without SACK (Linux
 * tcp_enter_recovery, 6.6): from Open or Disorder a cwnd reduction starts
 * (the algorithm's ssthresh, PRR's counters); from CWR the reduction under
 * way goes on.  The Recovery state, and the recovery point at the highest
 * sequence sent. */
void
tcp_enter_recovery(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	tp->prior_ssthresh = 0;
	tcp_init_undo(tp); /* stack/tcp_undo.c */
	if (tp->ca_state < TCP_CA_CWR) {
		/* Linux: unless the ACK has ECE, which netsim has already
		 * turned into CWR (tcp_ecn_rcv_ecn_echo) */
		tp->prior_ssthresh = tcp_current_ssthresh(tp);
		tcp_init_cwnd_reduction(sk);
	}
	tcp_set_ca_state(sk, TCP_CA_Recovery);
	tp->recover = tp->snd_max;
	tp->in_recovery = true;
	tp->fast_retrans++;
}

/*
 * Linux tcp_may_raise_cwnd (tcp_input.c; 4.13+, as in 6.6, where
 * tcp_cong_control has already sent a cwnd reduction, CWR or Recovery, to
 * tcp_cwnd_reduction): with the reordering estimate above the sysctl
 * (tcp_reordering, 3) cwnd grows whenever data is delivered, in order or
 * not (FLAG_FORWARD_PROGRESS: new data cumulatively ACKed or newly
 * SACKed); otherwise only on in-order delivery (FLAG_DATA_ACKED, RFC 5681).
 */
static bool
tcp_may_raise_cwnd(const struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	if (tp->reordering > tcp_config(sk->host)->reordering)
		return tp->ack_flag & (TCP_FLAG_SND_UNA_ADVANCED | TCP_FLAG_DATA_SACKED);
	return tp->ack_flag & TCP_FLAG_DATA_ACKED;
}

/* Linux tcp_cong_control's growth branch: tcp_cong_avoid when
 * tcp_may_raise_cwnd allows, outside a cwnd reduction, by the segments
 * the ACK delivered (tcp_newly_delivered: not those already counted when
 * SACKed or by their duplicate ACKs). */
static void
tcp_cong_avoid(struct sock *sk, uint32_t ack, uint32_t pkts, int delivered)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (delivered <= 0 || tcp_in_cwnd_reduction(tp) || !tcp_may_raise_cwnd(sk))
		return;
	/* pkts counts write-queue skbs (tcp_ack), Linux's pkts_acked counts
	 * segments: with GSO skbs the smaller of the two keeps netsim's
	 * growth per skb, which the GSO and TSO figures rest on; an ACK that
	 * only SACKs grows by the segments it SACKed */
	tp->ca_ops->cong_avoid(sk, ack,
			       pkts ? MIN(pkts, (uint32_t)delivered) : (uint32_t)delivered);
}

/* ---- without SACK: Linux's emulation of SACK by duplicate ACKs ------------------- */

/* Linux tcp_limit_reno_sacked: the duplicate ACKs counted never say more
 * segments arrived than are out, less the hole.  Returns whether it had to
 * cut sacked_out. */
static bool
tcp_limit_reno_sacked(struct tcp_sock *tp)
{
	uint32_t holes = MIN(MAX(tp->lost_out, 1u), tp->packets_out);
	if (tp->sacked_out + holes > tp->packets_out) {
		tp->sacked_out = tp->packets_out - holes;
		return true;
	}
	return false;
}

/*
 * Linux tcp_check_reno_reordering (net/ipv4/tcp_input.c, 6.6; the
 * estimate set directly since 4.15, before through tcp_update_reordering):
 * more duplicate ACKs than segments out beyond the hole can only mean
 * that segments were delivered out of order (and counted twice: a late
 * original and its retransmission each draw one), "the only another reason
 * could be bug in receiver TCP".  The estimate becomes the segments that
 * were out (@addend: those this ACK just took off packets_out), at most
 * tcp_max_reordering, so that many duplicate ACKs are needed before the
 * next fast retransmit; reord_seen and TCPRenoReorder count it.
 */
static void
tcp_check_reno_reordering(struct sock *sk, uint32_t addend)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (!tcp_limit_reno_sacked(tp))
		return;
	tp->reordering = MIN(tp->packets_out + addend, tcp_config(sk->host)->max_reordering);
	tp->reord_seen++;
	tcp_mib_mut(sk->host)->tcp_reno_reorder++;
}

/* Linux tcp_add_reno_sack: each duplicate ACK says one more segment has
 * left the network, counted in sacked_out as if SACKed (so the pipe,
 * tcp_packets_in_flight, shrinks: NewReno's inflation, RFC 6582 §3.2
 * step 4, done Linux's way) and delivered. */
static void
tcp_add_reno_sack(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t prior_sacked = tp->sacked_out;
	tp->sacked_out++;
	tcp_check_reno_reordering(sk, 0);
	tp->delivered += tp->sacked_out - prior_sacked;
}

/* Linux tcp_remove_reno_sacks: a cumulative ACK of @acked segments filled
 * one hole; the rest of them were counted by their duplicate ACKs. */
static void
tcp_remove_reno_sacks(struct sock *sk, uint32_t acked)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (acked > 0) {
		tp->delivered += (uint32_t)MAX((int)acked - (int)tp->sacked_out, 1);
		if (acked - 1 >= tp->sacked_out)
			tp->sacked_out = 0;
		else
			tp->sacked_out -= acked - 1;
	}
	tcp_check_reno_reordering(sk, acked);
}

/*
 * Linux tcp_fastretrans_alert for a connection without SACK (NewReno, RFC
 * 6582 §3.2): the third duplicate ACK (sacked_out + 1 > reordering, Linux
 * tcp_time_to_recover) starts recovery unless it acknowledges below
 * `recover` (step 1's check); a full acknowledgment ends it (cwnd =
 * ssthresh, tcp_end_cwnd_reduction); a partial one says the new head is
 * lost too.  Returns whether the head is to be retransmitted, which
 * tcp_cong_on_ack does after PRR has set cwnd.
 *
 * Simplification (docs/sockets-and-tcp.md): Linux marks the head lost
 * (tcp_newreno_mark_lost) and sends it through tcp_xmit_retransmit_queue
 * under PRR's cwnd, so after a partial ACK it may wait for the next ACK;
 * netsim resends it on the partial ACK, as RFC 6582 step 5b says, and keeps
 * lost_out and retrans_out at 0 without SACK (Linux's 1 and 1 cancel in
 * the pipe while the retransmission is in flight).
 */
static bool
tcp_reno_fastretrans_alert(struct sock *sk, bool dupack, uint32_t ack)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (tp->ca_state == TCP_CA_Open)
		tp->retrans_stamp = 0; /* Linux tcp_fastretrans_alert, D. */
	if (dupack) {
		tp->dupacks++;
		if (tp->ca_state != TCP_CA_Recovery && tp->ca_state != TCP_CA_Loss &&
		    tp->sacked_out + 1 > tp->reordering &&
		    (after(ack, tp->recover) || ack == tp->recover || tp->recover == 0)) {
			tcp_enter_recovery(sk);
			return true;
		}
		if (tp->ca_state == TCP_CA_Open)
			tcp_set_ca_state(sk, TCP_CA_Disorder);
		return false;
	}
	tp->dupacks = 0;
	if (tp->ca_state == TCP_CA_Recovery) {
		if (before(ack, tp->recover))
			return true; /* partial acknowledgment (step 5b) */
		/* full acknowledgment (step 5a): Linux tcp_reset_reno_sack,
		 * tcp_try_undo_recovery (Open, undone if the timestamps say
		 * the original arrived), tcp_end_cwnd_reduction */
		tp->sacked_out = 0;
		tp->in_recovery = false;
		tcp_try_undo_recovery(sk);
		tcp_end_cwnd_reduction(sk);
	} else if (tp->ca_state == TCP_CA_Loss) {
		/* Linux tcp_process_loss: an ACK for an original undoes the
		 * RTO's reduction (the state stays Loss without SACK); all
		 * resent data acked ends Loss */
		bool undone = tcp_try_undo_loss(sk, false);
		if (!before(ack, tp->recover)) {
			if (undone)
				tcp_set_ca_state(sk, TCP_CA_Open);
			else
				tcp_try_undo_recovery(sk);
		}
	} else if (tp->ca_state == TCP_CA_CWR && after(ack, tp->cwr_until)) {
		tcp_end_cwnd_reduction(sk);
		tcp_set_ca_state(sk, TCP_CA_Open);
	} else if (tp->ca_state == TCP_CA_Disorder && !tp->sacked_out) {
		tcp_set_ca_state(sk, TCP_CA_Open);
	}
	return false;
}

/* ---- with SACK: RFC 6675 as Linux runs it without RACK ---------------------------- */

/* Linux tcp_time_to_recover (6.6): a loss is known (lost_out); without
 * RACK (tcp_recovery = 0) also more than reordering - 1 segments SACKed
 * (tcp_dupack_heuristics, sacked_out + 1 > reordering = 3): RFC 6675 §5's
 * DupThresh.  With RACK only the losses RACK marks count. */
static bool
tcp_time_to_recover(const struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	return tp->lost_out || (!tcp_is_rack(sk) && tp->sacked_out + 1 > tp->reordering);
}

/* Linux tcp_update_scoreboard without RACK: IsLost for every hole with
 * DupThresh SACKed segments above it; on entering recovery with fewer,
 * the head (the fast retransmit). */
static void
tcp_update_scoreboard(struct sock *sk, bool fast_rexmit)
{
	struct tcp_sock *tp = tcp_sk(sk);
	int sacked_upto = (int)tp->sacked_out - (int)tp->reordering;
	if (sacked_upto >= 0)
		tcp_mark_head_lost(sk, sacked_upto, false);
	else if (fast_rexmit)
		tcp_mark_head_lost(sk, 1, true);
}

/*
 * Linux tcp_check_sack_reneging (net/ipv4/tcp_input.c, 6.6 with the 2023
 * fix that clears FLAG_SET_XMIT_TIMER): an ACK that moved snd_una but
 * stopped at a segment SACKed before says the receiver dropped what it
 * SACKed (RFC 2018 §8 allows it) or is confused for a moment.  Rather than
 * resend at once, give it max(srtt/2, 10 ms) to send ACKs that make sense
 * again: the retransmit timer is set to that (any ACK that moves snd_una
 * in the meantime sets it back to the RTO), and nothing else is done on
 * this ACK.  If the timer fires, the RTO forgets every SACK
 * (tcp_timeout_mark_lost: TCPSACKReneging).
 */
static bool
tcp_check_sack_reneging(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (!(tp->ack_flag & TCP_FLAG_SACK_RENEGING) || !(tp->ack_flag & TCP_FLAG_SND_UNA_ADVANCED))
		return false;
	tcp_reset_xmit_timer(sk, MAX(tp->srtt / 2, 10 * SIM_MS));
	tp->ack_flag |= TCP_FLAG_XMIT_TIMER_SET;
	return true;
}

/* What tcp_xmit_recovery sends after the ACK (Linux's REXMIT_*). */
enum { REXMIT_NONE, REXMIT_LOST, REXMIT_NEW };

/*
 * The Loss state after an RTO (Linux tcp_process_loss, 6.6, on a SACK
 * connection).  An ACK of new data for an original undoes the RTO
 * (tcp_try_undo_loss: timestamps or D-SACKs).  Then F-RTO (RFC 5682 §3.1,
 * the SACK-enhanced version) when tcp_cong_on_timeout armed it:
 *  - step 2b: the first ACK that moves snd_una on (the head's
 *    retransmission, or the late original) makes the recovery point the
 *    highest sequence sent, and new data goes out instead of the rest of
 *    what the RTO marked lost (REXMIT_NEW; tcp_xmit_recovery falls back
 *    to the lost segments when there is no new data or window for it);
 *  - step 3b: an ACK that (S)ACKs data sent before the RTO and never
 *    retransmitted (FLAG_ORIG_SACK_ACKED) says the originals were not
 *    lost: the RTO was spurious, undone (TCPLossUndo, TCPSpuriousRTOs);
 *  - step 3a: an ACK after the new data that SACKs it, or a duplicate
 *    ACK, says the loss was real: F-RTO stops, conventional recovery goes
 *    on (retransmit what is marked lost).
 * All data sent before the RTO acknowledged ends the Loss state
 * (tcp_try_undo_recovery).  @dupack: neither snd_una nor the window moved.
 */
static int
tcp_process_loss(struct sock *sk, bool dupack)
{
	struct tcp_sock *tp = tcp_sk(sk);
	bool recovered = !before(tp->snd_una, tp->recover);
	uint32_t flag = tp->ack_flag;
	if ((flag & TCP_FLAG_SND_UNA_ADVANCED) && tcp_try_undo_loss(sk, false))
		return REXMIT_NONE;
	if (tp->frto) { /* F-RTO RFC5682 sec 3.1 (sack enhanced version). */
		/* Step 3.b. A timeout is spurious if not all data are
		 * lost, i.e., never-retransmitted data are (s)acked. */
		if ((flag & TCP_FLAG_ORIG_SACK_ACKED) && tcp_try_undo_loss(sk, true))
			return REXMIT_NONE;
		if (after(tp->snd_nxt, tp->recover)) {
			if ((flag & TCP_FLAG_DATA_SACKED) || dupack)
				tp->frto = false; /* Step 3.a. loss was real */
		} else if ((flag & TCP_FLAG_SND_UNA_ADVANCED) && !recovered) {
			tp->recover = tp->snd_nxt;
			/* Step 2.b. Try send new data (Linux: tcp_send_head
			 * and the receive window, tcp_wnd_end) */
			if (after(tp->write_seq, tp->snd_nxt) &&
			    after(tp->snd_una + tp->snd_wnd, tp->snd_nxt))
				return REXMIT_NEW;
			tp->frto = false;
		}
	}
	if (recovered) {
		/* F-RTO RFC5682 sec 3.1 step 2.a and 1st part of step 3.a */
		tcp_try_undo_recovery(sk);
		return REXMIT_NONE;
	}
	return REXMIT_LOST;
}

/*
 * Linux tcp_fastretrans_alert on a SACK connection, after
 * tcp_sacktag_write_queue and the cleaning of the write queue: recovery
 * ends when RecoveryPoint is acknowledged (tcp_end_cwnd_reduction: cwnd =
 * ssthresh), CWR when snd_una passes its high_seq; in recovery each ACK
 * marks the holes IsLost now finds; outside it, DupThresh SACKed segments
 * (or a known loss) start it (RFC 6675 §5 steps 4.1-4.3; the retransmission
 * of the first hole waits for PRR's cwnd, which lets at least one segment
 * out), fewer give Disorder.  @newly_lost gets the segments marked lost.
 * Returns what to send (REXMIT_LOST: the lost segments; REXMIT_NEW: F-RTO's
 * new data).
 */
static int
tcp_sack_fastretrans_alert(struct sock *sk, uint32_t ack, uint32_t prior_snd_una, bool dupack,
			   int *newly_lost)
{
	bool una_advanced = after(ack, prior_snd_una);
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t prior_lost = tp->lost_out;
	int loss_rexmit = REXMIT_LOST;
	*newly_lost = 0;
	/* B. In all the states check for reneging SACKs. */
	if (tcp_check_sack_reneging(sk))
		return REXMIT_NONE;
	if (tp->ca_state == TCP_CA_Open) {
		tp->retrans_stamp = 0;
	} else if (tp->ca_state == TCP_CA_Recovery && !before(ack, tp->recover)) {
		/* tcp_try_undo_recovery: Open, undone if nothing resent was
		 * needed; then cwnd = ssthresh unless undone */
		tp->in_recovery = false;
		tcp_try_undo_recovery(sk);
		tcp_end_cwnd_reduction(sk);
	} else if (tp->ca_state == TCP_CA_Loss) {
		loss_rexmit = tcp_process_loss(sk, dupack && !una_advanced);
	} else if (tp->ca_state == TCP_CA_CWR && after(ack, tp->cwr_until)) {
		tcp_end_cwnd_reduction(sk);
		tcp_set_ca_state(sk, TCP_CA_Open);
	}
	if (tp->ca_state == TCP_CA_Recovery) {
		/* Linux tcp_fastretrans_alert, E.: a partial ACK for an
		 * original; D-SACKs for every retransmission */
		if (una_advanced && tcp_try_undo_partial(sk, prior_snd_una))
			return false; /* retransmissions out: no more marked or sent */
		if (tcp_try_undo_dsack(sk))
			tcp_try_keep_open(sk);
	} else if (tp->ca_state <= TCP_CA_Disorder) {
		tcp_try_undo_dsack(sk);
	}
	/* Linux tcp_identify_packet_loss: RACK on every ACK that is not a
	 * plain one in Open (tcp_ack_is_dubious) */
	bool rack = tcp_is_rack(sk);
	if (rack && (tp->ca_state != TCP_CA_Open || tp->sacked_out))
		tcp_rack_mark_lost(sk);
	if (tp->ca_state == TCP_CA_Recovery) {
		if (!rack)
			tcp_update_scoreboard(sk, false);
	} else if (tp->ca_state != TCP_CA_Loss && tcp_time_to_recover(sk)) {
		tcp_enter_recovery(sk);
		if (!rack)
			tcp_update_scoreboard(sk, true);
	} else if (tp->ca_state == TCP_CA_Open && tp->sacked_out) {
		tcp_set_ca_state(sk, TCP_CA_Disorder);
	} else if (tp->ca_state == TCP_CA_Disorder && !tp->sacked_out) {
		tcp_set_ca_state(sk, TCP_CA_Open);
	}
	*newly_lost = tp->lost_out > prior_lost ? (int)(tp->lost_out - prior_lost) : 0;
	if (tp->ca_state == TCP_CA_Loss)
		return loss_rexmit;
	return tp->ca_state == TCP_CA_Recovery ? REXMIT_LOST : REXMIT_NONE;
}

/*
 * An ACK, after the write queue is cleaned (Linux tcp_ack from
 * tcp_clean_rtx_queue on): the algorithm sees the ACK (pkts_acked); the
 * duplicate ACKs are counted as SACKs without SACK; the segments this ACK
 * delivered (Linux tcp_newly_delivered); the state machine
 * (tcp_fastretrans_alert); then cwnd, by PRR in CWR and Recovery or by the
 * algorithm's growth otherwise (tcp_cong_control); then the
 * retransmissions (tcp_xmit_recovery).  tcp_write_xmit sends new data with
 * what cwnd leaves.
 */
void
tcp_cong_on_ack(struct sock *sk, uint32_t acked, uint32_t pkts, sim_time_t ca_rtt, bool dupack,
		uint32_t ack)
{
	struct tcp_sock *tp = tcp_sk(sk);
	bool sack = tcp_is_sack(tp);
	if (!sack) {
		/* Linux: tcp_clean_rtx_queue's tcp_remove_reno_sacks, then
		 * tcp_fastretrans_alert's: a duplicate counted in Recovery, in
		 * Open, Disorder and CWR after an ACK that moved snd_una resets
		 * the count (tcp_reset_reno_sack); none in Loss, where netsim
		 * has no F-RTO without SACK (tcp_process_loss) */
		if (!dupack)
			tcp_remove_reno_sacks(sk, tp->pkts_acked); /* segments, not skbs */
		if (tp->ca_state != TCP_CA_Recovery && tp->ca_state != TCP_CA_Loss && !dupack)
			tp->sacked_out = 0;
		else if (dupack && tp->ca_state != TCP_CA_Loss)
			tcp_add_reno_sack(sk);
	}
	if (tp->ca_ops->pkts_acked && (pkts || ca_rtt >= 0)) {
		/* tcp_clean_rtx_queue: before recovery and growth look at it */
		struct ack_sample s = { .pkts_acked = pkts,
					.rtt_us = ca_rtt >= 0 ? ca_rtt / SIM_US : -1,
					.in_flight =
						(tcp_flight(sk) + acked + tp->mss - 1) / tp->mss };
		tp->ca_ops->pkts_acked(sk, &s);
	}
	int delivered = (int)(tp->delivered - tp->delivered_seen), newly_lost = 0;
	tp->delivered_seen = tp->delivered;
	if (tp->tlp_high_seq) /* Linux tcp_ack: tcp_process_tlp_ack */
		tcp_process_tlp_ack(sk, ack, acked > 0, dupack && !delivered);
	if (sack) /* Linux tcp_ack, after tcp_clean_rtx_queue (tcp_reorder.c) */
		tcp_rack_update_reo_wnd(sk, delivered > 0);
	int rexmit = sack ? tcp_sack_fastretrans_alert(sk, ack, ack - acked, dupack, &newly_lost)
		: tcp_reno_fastretrans_alert(sk, dupack, ack) ? REXMIT_LOST
							      : REXMIT_NONE;
	if (tcp_in_cwnd_reduction(tp))
		tcp_cwnd_reduction(sk, delivered, newly_lost, acked > 0);
	else
		tcp_cong_avoid(sk, ack, pkts, delivered);
	if (rexmit == REXMIT_NEW) {
		/* Linux tcp_xmit_recovery: F-RTO's new data first; if none
		 * could go, F-RTO stops and the lost segments go */
		tcp_write_xmit(sk);
		if (!after(tp->snd_nxt, tp->recover)) {
			tp->frto = false;
			tcp_xmit_retransmit_queue(sk);
		}
	} else if (rexmit && sack) {
		tcp_xmit_retransmit_queue(sk);
	} else if (rexmit) {
		struct sk_buff *head = skb_peek(&sk->sk_write_queue);
		if (head)
			tcp_retransmit_skb(sk, head);
	}
	if ((acked > 0 || delivered > 0) && !(tp->ack_flag & TCP_FLAG_XMIT_TIMER_SET))
		/* Linux tcp_set_xmit_timer: the PTO first */
		tcp_schedule_loss_probe(sk, true);
	tcp_cc_trace(sk);
}

/*
 * The RTO (Linux tcp_enter_loss): ssthresh from the algorithm unless it
 * was already cut for this window (in recovery, or a repeated timeout of
 * the same data), cwnd one segment, the Loss state until everything sent
 * before it is acknowledged.  (RFC 5681 (4) computes ssthresh from the
 * FlightSize at every first timeout.)
 */
void
tcp_cong_on_timeout(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	bool new_recovery = tp->ca_state < TCP_CA_Recovery;
	uint32_t high_seq = tp->ca_state == TCP_CA_CWR ? tp->cwr_until : tp->recover;
	if (tp->ca_state <= TCP_CA_Disorder || !after(high_seq, tp->snd_una) ||
	    (tp->ca_state == TCP_CA_Loss && tp->retransmits <= 1)) {
		tp->prior_ssthresh = tcp_current_ssthresh(tp);
		tcp_init_cwnd_reduction(sk);
		tcp_ca_event(sk, CA_EVENT_LOSS);
		/* tcp_init_undo after tcp_timeout_mark_lost, which the caller
		 * runs next: what stays in flight is a retransmission not yet
		 * marked lost (a loss probe) */
		tcp_init_undo(tp);
		uint32_t still = 0;
		for (struct sk_buff *skb = skb_peek(&sk->sk_write_queue); skb; skb = skb->next)
			if ((TCP_SKB_CB(skb)->sacked & (TCPCB_SACKED_RETRANS | TCPCB_LOST)) ==
			    TCPCB_SACKED_RETRANS)
				still += tcp_skb_pcount(tp, skb);
		tp->undo_retrans = still ? (int)still : -1;
	}
	/* Timeout in disordered state after receiving substantial DUPACKs
	 * suggests that the degree of reordering is over-estimated. */
	if (tp->ca_state <= TCP_CA_Disorder && tp->sacked_out >= tcp_config(sk->host)->reordering)
		tp->reordering = MIN(tp->reordering, tcp_config(sk->host)->reordering);
	tcp_set_ca_state(sk, TCP_CA_Loss);
	if (!tcp_is_sack(tp))
		tp->sacked_out = 0; /* tcp_enter_loss: tcp_reset_reno_sack */
	tp->cwnd = tp->mss;
	tp->snd_cwnd_cnt = 0;
	tp->dupacks = 0;
	tp->in_recovery = false;
	tp->recover = tp->snd_max;
	/* F-RTO RFC5682 sec 3.1 step 1: retransmit SND.UNA if no previous
	 * loss recovery is underway except recurring timeout(s) on the same
	 * SND.UNA (sec 3.2) (Linux tcp_enter_loss; its icsk_retransmits is
	 * netsim's retransmits less this timeout).  netsim: SACK only, as
	 * without SACK its RTO goes back N (docs/sockets-and-tcp.md). */
	tp->frto = tcp_config(sk->host)->frto && tcp_is_sack(tp) &&
		(new_recovery || tp->retransmits > 1);
	tcp_cc_trace(sk);
}

/*
 * The device queue refused a segment (Linux tcp_enter_cwr after
 * NET_XMIT_DROP): not a loss in the network, but congestion at home, so
 * a cwnd reduction starts, at most once per window of data: the
 * algorithm's ssthresh, then PRR on each ACK (tcp_cwnd_reduction) until
 * snd_una passes what was sent, when cwnd = ssthresh.
 */
void
tcp_cong_on_local_drop(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	tp->prior_ssthresh = 0; /* never undone */
	if (tp->ca_state >= TCP_CA_CWR)
		return;
	tp->undo_marker = 0;
	tcp_init_cwnd_reduction(sk);
	tcp_set_ca_state(sk, TCP_CA_CWR);
	tp->cwr_until = tp->snd_max;
	tcp_cc_trace(sk);
}

/*
 * After tcp_write_xmit's loop (Linux tcp_cwnd_validate, 6.6): remember
 * whether this window was limited by cwnd (no room for one more segment),
 * else the most segments in flight, so that an application- or
 * receiver-limited sender does not grow cwnd (tcp_is_cwnd_limited).
 * Segments in flight are counted as whole MSS (netsim keeps no
 * packets_out).  Linux's restart after idle (tcp_slow_start_after_idle)
 * is not modelled.
 */
void
tcp_cwnd_validate(struct sock *sk, bool sent)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t flight = tcp_flight(sk);
	/* packets_out >= cwnd / mss, as whole MSS; the bounds first, since
	 * most calls send nothing (TSQ) and need no division:
	 * ceil(f / m) >= floor(c / m) when f >= c, never when f + 2m <= c */
	bool is_cwnd_limited;
	if (flight >= tp->cwnd)
		is_cwnd_limited = true;
	else if ((uint64_t)flight + 2 * (uint64_t)tp->mss <= tp->cwnd)
		is_cwnd_limited = false;
	else
		is_cwnd_limited = (flight + tp->mss - 1) / tp->mss >= tcp_snd_cwnd(tp);
	/* Linux tcp_write_xmit ORs in tcp_tso_should_defer's verdict */
	is_cwnd_limited |= tp->tso_defer_cwnd_limited;
	if (!sent && !is_cwnd_limited)
		return;
	uint32_t packets_out = (flight + tp->mss - 1) / tp->mss;
	if (!before(tp->snd_una, tp->cwnd_usage_seq) || is_cwnd_limited ||
	    (!tp->is_cwnd_limited && packets_out > tp->max_packets_out)) {
		tp->is_cwnd_limited = is_cwnd_limited;
		tp->max_packets_out = packets_out;
		tp->cwnd_usage_seq = tp->snd_nxt;
	}
}
