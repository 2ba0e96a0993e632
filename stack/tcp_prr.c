/*
 * stack/tcp_prr.c - Proportional Rate Reduction (RFC 6937): how cwnd comes
 * down to ssthresh during fast recovery and CWR, one ACK at a time.
 *
 * Linux counterpart (6.6): net/ipv4/tcp_input.c tcp_init_cwnd_reduction,
 * tcp_cwnd_reduction, tcp_end_cwnd_reduction, called from
 * tcp_enter_recovery and tcp_enter_cwr (the start), tcp_cong_control (each
 * ACK in CWR or Recovery, after tcp_fastretrans_alert has marked the
 * losses and before tcp_xmit_recovery retransmits them) and
 * tcp_fastretrans_alert's exit of Recovery and CWR; net/ipv4/tcp_output.c
 * tcp_write_xmit and tcp_xmit_retransmit_queue count prr_out.  Linux has
 * run PRR in fast recovery since 3.2 (commit a262f0cd "Proportional Rate
 * Reduction for TCP"), with and without SACK, instead of RFC 6582's
 * window inflation and RFC 6675's cwnd = ssthresh at once.
 *
 * The rule (RFC 6937 §3, Linux tcp_cwnd_reduction since 5.19, "PRR uses
 * CRB mode by default and SS mode conditionally"), in segments:
 *
 *   prr_delivered += newly delivered (cumulatively ACKed or SACKed)
 *   if pipe > ssthresh:   sndcnt = ceil(ssthresh * prr_delivered /
 *                                       prior_cwnd) - prr_out   (PRR proper)
 *   else:                 sndcnt = min(ssthresh - pipe,
 *                                      max(prr_delivered - prr_out,
 *                                          delivered) + [snd_una advanced
 *                                          and nothing newly lost])  (SSRB)
 *   sndcnt = max(sndcnt, prr_out ? 0 : 1)     (the fast retransmit goes out)
 *   cwnd = pipe + sndcnt
 *
 * So with Reno's ssthresh = cwnd/2, one segment goes out for every two
 * delivered while the pipe is above ssthresh (RFC 6937 §6's example), and
 * cwnd lands on ssthresh when the recovery ends instead of collapsing the
 * flight at its start.  netsim stores cwnd in bytes: tcp_snd_cwnd_set makes
 * it a whole number of segments, as Linux's tp->snd_cwnd is.
 *
 * Position: tcp_cong_on_ack (tcp_cong_control.c) -> here -> cwnd;
 * tcp_transmit_skb (tcp_output.c) -> tcp_prr_sent.
 */
#include "stack/tcp.h"

/* Linux tcp_in_cwnd_reduction: CWR or Recovery. */
bool
tcp_in_cwnd_reduction(const struct tcp_sock *tp)
{
	return tp->ca_state == TCP_CA_CWR || tp->ca_state == TCP_CA_Recovery;
}

/* Linux tcp_init_cwnd_reduction: remember cwnd, start PRR's counters, ask
 * the algorithm for ssthresh.  (Linux also sets high_seq = snd_nxt here;
 * netsim's callers set recover or cwr_until.) */
void
tcp_init_cwnd_reduction(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	tp->tlp_high_seq = 0;
	tp->snd_cwnd_cnt = 0;
	tp->prior_cwnd = tcp_snd_cwnd(tp);
	tp->prr_delivered = 0;
	tp->prr_out = 0;
	tcp_ecn_queue_cwr(tp); /* CWR on the next new data segment (tcp_ecn.c) */
	tcp_snd_ssthresh_set(tp, tp->ca_ops->ssthresh(sk));
}

/* Linux tcp_cwnd_reduction (6.6), RFC 6937 §3.  @newly_acked_sacked:
 * segments this ACK delivered; @newly_lost: segments it marked lost;
 * @snd_una_advanced: it moved snd_una (FLAG_SND_UNA_ADVANCED). */
void
tcp_cwnd_reduction(struct sock *sk, int newly_acked_sacked, int newly_lost, bool snd_una_advanced)
{
	struct tcp_sock *tp = tcp_sk(sk);
	int sndcnt = 0;
	int delta = (int)tcp_snd_ssthresh(tp) - (int)tcp_packets_in_flight(tp);
	if (newly_acked_sacked <= 0 || !tp->prior_cwnd)
		return;
	tp->prr_delivered += (uint32_t)newly_acked_sacked;
	if (delta < 0) {
		uint64_t dividend =
			(uint64_t)tcp_snd_ssthresh(tp) * tp->prr_delivered + tp->prior_cwnd - 1;
		sndcnt = (int)(dividend / tp->prior_cwnd) - (int)tp->prr_out;
	} else {
		sndcnt = MAX((int)tp->prr_delivered - (int)tp->prr_out, newly_acked_sacked);
		if (snd_una_advanced && !newly_lost)
			sndcnt++;
		sndcnt = MIN(delta, sndcnt);
	}
	/* Force a fast retransmit upon entering fast recovery */
	sndcnt = MAX(sndcnt, tp->prr_out ? 0 : 1);
	tcp_snd_cwnd_set(tp, tcp_packets_in_flight(tp) + (uint32_t)sndcnt);
}

/* Linux tcp_end_cwnd_reduction: cwnd = ssthresh at the end of CWR or
 * Recovery, unless the recovery was undone (tp->undo_marker cleared,
 * stack/tcp_undo.c). */
void
tcp_end_cwnd_reduction(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (tp->ssthresh < TCP_INFINITE_SSTHRESH && (tp->ca_state == TCP_CA_CWR || tp->undo_marker))
		tcp_snd_cwnd_set(tp, tcp_snd_ssthresh(tp));
	tcp_ca_event(sk, CA_EVENT_COMPLETE_CWR);
}

/* A data segment of @pcount segments went out, new or retransmitted
 * (Linux tcp_write_xmit's and tcp_xmit_retransmit_queue's "if
 * (tcp_in_cwnd_reduction(sk)) tp->prr_out += ..."). */
void
tcp_prr_sent(struct sock *sk, uint32_t pcount)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (tcp_in_cwnd_reduction(tp))
		tp->prr_out += pcount;
}
