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
 * Deliberate simplifications (docs/sockets-and-tcp.md): recovery is
 * NewReno's window inflation, where Linux without SACK runs PRR
 * (tcp_cwnd_reduction) with its own NewReno partial-ACK rule; CWR cuts cwnd
 * to ssthresh at once instead of by PRR; undo (tcp_try_undo_*) needs
 * timestamps or D-SACK, which netsim lacks, so undo_cwnd is never called.
 *
 * Position: tcp_ack / the RTO timer / tcp_write_xmit -> here -> cwnd and
 * ssthresh, traced with trace_tcp_cc at every change.
 */
#include "stack/tcp.h"

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
	if (!sk->host->trace)
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

/* Linux tcp_init_cwnd_reduction: remember cwnd, ask the algorithm. */
static void
tcp_init_cwnd_reduction(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	tp->prior_cwnd = tcp_snd_cwnd(tp);
	tcp_snd_ssthresh_set(tp, tp->ca_ops->ssthresh(sk));
}

/* What entering fast recovery does with or without SACK (Linux
 * tcp_enter_recovery): the algorithm's ssthresh, the Recovery state, and
 * the recovery point at the highest sequence sent. */
static void
tcp_recovery_begin(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	tcp_init_cwnd_reduction(sk);
	tcp_set_ca_state(sk, TCP_CA_Recovery);
	tp->recover = tp->snd_max;
	tp->in_recovery = true;
	tp->fast_retrans++;
}

/* Linux tcp_enter_recovery and the fast retransmit (RFC 6582 §3.2 steps
 * 2-3): the ssthresh of the algorithm, cwnd inflated by the three
 * segments the duplicate ACKs say have left. */
static void
tcp_enter_recovery(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	tcp_recovery_begin(sk);
	struct sk_buff *head = skb_peek(&sk->sk_write_queue);
	if (head)
		tcp_retransmit_skb(sk, head);
	tp->cwnd = tp->ssthresh + 3 * tp->mss;
	tp->snd_cwnd_cnt = 0;
}

/* Linux tcp_cong_control's growth branch: tcp_cong_avoid when the ACK
 * acknowledged data (FLAG_DATA_ACKED) outside a cwnd reduction. */
static void
tcp_cong_avoid(struct sock *sk, uint32_t ack, uint32_t pkts)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (pkts && tp->ca_state != TCP_CA_Recovery && tp->ca_state != TCP_CA_CWR)
		tp->ca_ops->cong_avoid(sk, ack, pkts);
}

/* ---- with SACK: RFC 6675 as Linux runs it without RACK ---------------------------- */

/* Linux tcp_time_to_recover (tcp_recovery = 0): a loss is known (lost_out),
 * or more than reordering - 1 segments are SACKed (tcp_dupack_heuristics,
 * sacked_out + 1 > reordering = 3): RFC 6675 §5's DupThresh. */
static bool
tcp_time_to_recover(const struct tcp_sock *tp)
{
	return tp->lost_out || tp->sacked_out + 1 > TCP_FASTRETRANS_THRESH;
}

/* Linux tcp_update_scoreboard without RACK: IsLost for every hole with
 * DupThresh SACKed segments above it; on entering recovery with fewer,
 * the head (the fast retransmit). */
static void
tcp_update_scoreboard(struct sock *sk, bool fast_rexmit)
{
	struct tcp_sock *tp = tcp_sk(sk);
	int sacked_upto = (int)tp->sacked_out - TCP_FASTRETRANS_THRESH;
	if (sacked_upto >= 0)
		tcp_mark_head_lost(sk, sacked_upto, false);
	else if (fast_rexmit)
		tcp_mark_head_lost(sk, 1, true);
}

/*
 * Enter fast recovery with SACK (Linux tcp_enter_recovery; RFC 6675 §5
 * steps 4.1-4.3): RecoveryPoint = HighData, ssthresh from the algorithm
 * and cwnd = ssthresh (no inflation: the pipe, tcp_packets_in_flight,
 * already leaves out what the SACKs say has arrived), the holes IsLost
 * marks, and the first of them retransmitted even if the pipe is above
 * cwnd (Linux forces it in tcp_cwnd_reduction: "sndcnt = max(sndcnt,
 * prr_out ? 0 : 1)").
 */
static void
tcp_sack_enter_recovery(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	tcp_recovery_begin(sk);
	tp->cwnd = MAX(tp->ssthresh, tp->mss);
	tp->snd_cwnd_cnt = 0;
	tcp_update_scoreboard(sk, true);
	for (struct sk_buff *skb = skb_peek(&sk->sk_write_queue); skb; skb = skb->next) {
		uint8_t sacked = TCP_SKB_CB(skb)->sacked;
		if (!before(TCP_SKB_CB(skb)->seq, tp->snd_nxt))
			break;
		if ((sacked & TCPCB_LOST) &&
		    !(sacked & (TCPCB_SACKED_ACKED | TCPCB_SACKED_RETRANS))) {
			tcp_retransmit_skb(sk, skb);
			break;
		}
	}
}

/*
 * An ACK on a SACK connection (Linux tcp_fastretrans_alert, tcp_ack's
 * tcp_xmit_recovery), after tcp_sacktag_write_queue and the cleaning of
 * the write queue: recovery ends when RecoveryPoint is acknowledged
 * (cwnd = ssthresh, tcp_end_cwnd_reduction); in recovery each ACK marks
 * the holes IsLost now finds; outside it, DupThresh SACKed segments (or a
 * known loss) start it, fewer give Disorder.  Then the lost segments go
 * out, lowest first, as far as cwnd - pipe allows (tcp_xmit_retransmit_queue),
 * and tcp_write_xmit sends new data with what is left.  cwnd stays at
 * ssthresh through recovery (RFC 6675 §5; Linux steps down to it by PRR,
 * tcp_cwnd_reduction, docs/sockets-and-tcp.md).
 */
static void
tcp_sack_on_ack(struct sock *sk, uint32_t pkts, uint32_t ack)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (tp->ca_state == TCP_CA_Recovery && !before(ack, tp->recover)) {
		tp->cwnd = MAX(tp->ssthresh, tp->mss);
		tp->in_recovery = false;
		tcp_set_ca_state(sk, TCP_CA_Open);
	} else if (tp->ca_state == TCP_CA_Loss && !before(ack, tp->recover)) {
		tcp_set_ca_state(sk, TCP_CA_Open);
	} else if (tp->ca_state == TCP_CA_CWR && !before(ack, tp->cwr_until)) {
		tcp_ca_event(sk, CA_EVENT_COMPLETE_CWR);
		tcp_set_ca_state(sk, TCP_CA_Open);
	}
	if (tp->ca_state == TCP_CA_Recovery) {
		tcp_update_scoreboard(sk, false);
	} else if (tp->ca_state != TCP_CA_Loss && tcp_time_to_recover(tp)) {
		tcp_sack_enter_recovery(sk);
	} else if (tp->ca_state == TCP_CA_Open && tp->sacked_out) {
		tcp_set_ca_state(sk, TCP_CA_Disorder);
	} else if (tp->ca_state == TCP_CA_Disorder && !tp->sacked_out) {
		tcp_set_ca_state(sk, TCP_CA_Open);
	}
	if (tp->ca_state == TCP_CA_Recovery || tp->ca_state == TCP_CA_Loss)
		tcp_xmit_retransmit_queue(sk);
	tcp_cong_avoid(sk, ack, pkts);
	tcp_cc_trace(sk);
}

void
tcp_cong_on_ack(struct sock *sk, uint32_t acked, uint32_t pkts, sim_time_t ca_rtt, bool dupack,
		uint32_t ack)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (tp->ca_ops->pkts_acked && (pkts || ca_rtt >= 0)) {
		/* tcp_clean_rtx_queue: before recovery and growth look at it */
		struct ack_sample s = { .pkts_acked = pkts,
					.rtt_us = ca_rtt >= 0 ? ca_rtt / SIM_US : -1,
					.in_flight =
						(tcp_flight(sk) + acked + tp->mss - 1) / tp->mss };
		tp->ca_ops->pkts_acked(sk, &s);
	}
	if (tcp_is_sack(tp)) {
		tcp_sack_on_ack(sk, pkts, ack);
		return;
	}
	if (dupack) {
		tp->dupacks++;
		if (tp->dupacks == 3 && !tp->in_recovery &&
		    (after(ack, tp->recover) || ack == tp->recover || tp->recover == 0)) {
			tcp_enter_recovery(sk);
		} else if (tp->in_recovery) {
			tp->cwnd += tp->mss; /* step 4: inflate for each segment that left */
		} else if (tp->ca_state == TCP_CA_Open) {
			tcp_set_ca_state(sk, TCP_CA_Disorder);
		}
		tcp_cc_trace(sk);
		return;
	}
	tp->dupacks = 0;
	if (tp->in_recovery) {
		if (!before(ack, tp->recover)) {
			/* Full acknowledgment (step 5a): deflate to ssthresh, the
			 * RFC's option (2) and Linux's tcp_end_cwnd_reduction. */
			tp->cwnd = tp->ssthresh;
			tp->in_recovery = false;
			tcp_set_ca_state(sk, TCP_CA_Open);
		} else {
			/* Partial acknowledgment (step 5b): the next hole is lost too. */
			struct sk_buff *head = skb_peek(&sk->sk_write_queue);
			if (head)
				tcp_retransmit_skb(sk, head);
			tp->cwnd = tp->cwnd > acked ? tp->cwnd - acked : 0;
			if (acked >= tp->mss)
				tp->cwnd += tp->mss;
			tp->cwnd = MAX(tp->cwnd, tp->mss);
		}
		tcp_cc_trace(sk);
		return;
	}
	if (tp->ca_state == TCP_CA_Loss && !before(ack, tp->recover))
		tcp_set_ca_state(sk, TCP_CA_Open); /* tcp_process_loss: all resent data acked */
	else if (tp->ca_state == TCP_CA_CWR && !before(ack, tp->cwr_until)) {
		tcp_ca_event(sk, CA_EVENT_COMPLETE_CWR); /* tcp_end_cwnd_reduction */
		tcp_set_ca_state(sk, TCP_CA_Open);
	} else if (tp->ca_state == TCP_CA_Disorder)
		tcp_set_ca_state(sk, TCP_CA_Open);
	tcp_cong_avoid(sk, ack, pkts);
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
	uint32_t high_seq = tp->ca_state == TCP_CA_CWR ? tp->cwr_until : tp->recover;
	if (tp->ca_state <= TCP_CA_Disorder || !after(high_seq, tp->snd_una) ||
	    (tp->ca_state == TCP_CA_Loss && tp->retransmits <= 1)) {
		tcp_init_cwnd_reduction(sk);
		tcp_ca_event(sk, CA_EVENT_LOSS);
	}
	tcp_set_ca_state(sk, TCP_CA_Loss);
	tp->cwnd = tp->mss;
	tp->snd_cwnd_cnt = 0;
	tp->dupacks = 0;
	tp->in_recovery = false;
	tp->recover = tp->snd_max;
	tcp_cc_trace(sk);
}

/*
 * The device queue refused a segment (Linux tcp_enter_cwr after
 * NET_XMIT_DROP): not a loss in the network, but congestion at home, so
 * cwnd comes down to the algorithm's ssthresh, at most once per window of
 * data (the CWR state lasts until snd_una passes what was sent).
 */
void
tcp_cong_on_local_drop(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (tp->ca_state >= TCP_CA_CWR)
		return;
	tcp_init_cwnd_reduction(sk);
	tcp_set_ca_state(sk, TCP_CA_CWR);
	tp->cwnd = tp->ssthresh;
	tp->snd_cwnd_cnt = 0;
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
	uint32_t packets_out = (tcp_flight(sk) + tp->mss - 1) / tp->mss;
	bool is_cwnd_limited = packets_out >= tcp_snd_cwnd(tp);
	if (!sent && !is_cwnd_limited)
		return;
	if (!before(tp->snd_una, tp->cwnd_usage_seq) || is_cwnd_limited ||
	    (!tp->is_cwnd_limited && packets_out > tp->max_packets_out)) {
		tp->is_cwnd_limited = is_cwnd_limited;
		tp->max_packets_out = packets_out;
		tp->cwnd_usage_seq = tp->snd_nxt;
	}
}
