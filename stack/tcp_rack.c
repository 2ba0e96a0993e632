/*
 * stack/tcp_rack.c - RACK-TLP (RFC 8985): loss detection by time, and the
 * tail loss probe.
 *
 * Linux counterpart (6.6): net/ipv4/tcp_recovery.c tcp_rack_advance,
 * tcp_rack_reo_wnd, tcp_rack_skb_timeout, tcp_rack_detect_loss,
 * tcp_rack_mark_lost, tcp_rack_reo_timeout; net/ipv4/tcp_output.c
 * tcp_schedule_loss_probe, tcp_send_loss_probe; net/ipv4/tcp_input.c
 * tcp_process_tlp_ack, tcp_time_to_recover, tcp_identify_packet_loss.
 * Sysctls: net.ipv4.tcp_recovery (bit 0x1, TCP_RACK_LOSS_DETECTION, 1 by
 * default since 4.4; RACK starts recovery since 4.11 and is the only loss
 * marking with SACK since 4.18, "tcp: default RACK loss recovery"; 0x4
 * TCP_RACK_NO_DUPTHRESH) and
 * net.ipv4.tcp_early_retrans (3, the default since TLP came in 3.10; 4
 * too; 0-2 no TLP).
 *
 * RACK (RFC 8985 §6.2): remember the send time of the most recently sent
 * segment that has been delivered (cumulatively ACKed or SACKed); a
 * segment sent before it that is still unacknowledged is lost once
 * RACK.rtt + reo_wnd has passed since it was sent.  Until reordering has
 * been seen (stack/tcp_reorder.c) reo_wnd is 0 in Recovery or once
 * DupThresh segments are SACKed; else min_rtt / 4 times the steps D-SACKs
 * added, at most srtt; a segment not yet due arms the reordering timer.  So a
 * retransmission that is lost again is found when a segment sent after it
 * is delivered, without an RTO, and fewer than three SACKs can start
 * recovery.
 *
 * TLP (RFC 8985 §7): in Open or CWR, with SACK, a probe timeout (PTO) of
 * 2 srtt (+ tcp_rto_min with one segment out, for the delayed ACK; + 2 ms
 * otherwise), never beyond the RTO, sends one new segment if the windows
 * allow, else the last one again; its SACK lets RACK find the tail losses.
 * A probe whose ACK shows it repaired a loss reduces cwnd once (CWR).
 *
 * Simplifications (docs/sockets-and-tcp.md): the segments are walked in
 * sequence order, skipping the retransmitted ones out of time order, where
 * Linux keeps a list in send order (tsorted_sent_queue); the PTO is a
 * timer of its own beside the RTO (Linux shares icsk_retransmit_timer).
 *
 * Position: tcp_ack -> tcp_sacktag_write_queue / cleaning (tcp_rack_advance)
 * -> tcp_cong_on_ack -> tcp_rack_mark_lost -> PRR -> tcp_xmit_retransmit_queue;
 * tcp_write_xmit and tcp_cong_on_ack -> tcp_schedule_loss_probe.
 */
#include "stack/tcp.h"

#include "sim/check.h"
#include "stack/host.h"

#define TCP_TIMEOUT_MIN (2 * SIM_MS) /* Linux TCP_TIMEOUT_MIN_US */

bool
tcp_is_rack(const struct sock *sk)
{
	return tcp_config(sk->host)->recovery & TCP_RACK_LOSS_DETECTION;
}

/* Linux tcp_timeout_mark_lost's "tcp_rack_skb_timeout(tp, skb, 0) > 0". */
bool
tcp_rack_skb_recent(const struct sock *sk, const struct sk_buff *skb)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	return tp->rack.rtt - (host_now(sk->host) - TCP_SKB_CB(skb)->when) > 0;
}

/* Linux tcp_rack_sent_after: t1 after t2, or at the same time and seq1 beyond seq2. */
static bool
tcp_rack_sent_after(sim_time_t t1, sim_time_t t2, uint32_t seq1, uint32_t seq2)
{
	return t1 > t2 || (t1 == t2 && after(seq1, seq2));
}

/* Linux tcp_rack_advance: @skb was delivered (SACKed, or cumulatively
 * ACKed and not SACKed before).  A retransmitted one whose RTT would be
 * below min_rtt may be the original's delivery: it does not count. */
void
tcp_rack_advance(struct sock *sk, const struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);
	const struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
	if (!tcp_is_sack(tp) || !cb->when)
		return;
	sim_time_t rtt = host_now(sk->host) - cb->when;
	if (cb->retransmitted && rtt < tp->min_rtt)
		return;
	tp->rack.advanced = true;
	tp->rack.rtt = rtt;
	if (tcp_rack_sent_after(cb->when, tp->rack.mstamp, cb->end_seq, tp->rack.end_seq)) {
		tp->rack.mstamp = cb->when;
		tp->rack.end_seq = cb->end_seq;
	}
}

/* Linux tcp_rack_reo_wnd (RFC 8985 §6.2 step 4): while no reordering has
 * been seen, 0 in Recovery or with `reordering` SACKed (unless
 * tcp_recovery has TCP_RACK_NO_DUPTHRESH); else min_rtt / 4 per step
 * (stack/tcp_reorder.c widens it on D-SACKs), at most srtt. */
static sim_time_t
tcp_rack_reo_wnd(const struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	if (!tp->reord_seen) {
		if (tp->ca_state >= TCP_CA_Recovery)
			return 0;
		if (tp->sacked_out >= tp->reordering &&
		    !(tcp_config(sk->host)->recovery & TCP_RACK_NO_DUPTHRESH))
			return 0;
	}
	return MIN(tp->min_rtt / 4 * tp->rack.reo_wnd_steps, tp->srtt);
}

/* Linux tcp_rack_skb_timeout: how long until @skb is overdue (<= 0: it is). */
static sim_time_t
tcp_rack_skb_timeout(const struct sock *sk, const struct sk_buff *skb, sim_time_t reo_wnd)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	return tp->rack.rtt + reo_wnd - (host_now(sk->host) - TCP_SKB_CB(skb)->when);
}

/* Linux tcp_rack_detect_loss (RFC 8985 §6.2 step 5): every segment sent
 * before RACK's and overdue is marked lost; @reo_timeout gets the longest
 * wait of those not yet due. */
static void
tcp_rack_detect_loss(struct sock *sk, sim_time_t *reo_timeout)
{
	struct tcp_sock *tp = tcp_sk(sk);
	sim_time_t reo_wnd = tcp_rack_reo_wnd(sk);
	*reo_timeout = 0;
	for (struct sk_buff *skb = skb_peek(&sk->sk_write_queue); skb; skb = skb->next) {
		struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
		if (!before(cb->seq, tp->snd_nxt) || !cb->when)
			break;
		if ((cb->flags & TCPHDR_SYN) || (cb->sacked & TCPCB_SACKED_ACKED))
			continue;
		/* Skip ones marked lost but not yet retransmitted */
		if ((cb->sacked & TCPCB_LOST) && !(cb->sacked & TCPCB_SACKED_RETRANS))
			continue;
		if (!tcp_rack_sent_after(tp->rack.mstamp, cb->when, tp->rack.end_seq,
					 cb->end_seq)) {
			if (cb->retransmitted)
				continue; /* out of send order in the write queue */
			break;		  /* this and every later original were sent after */
		}
		sim_time_t remaining = tcp_rack_skb_timeout(sk, skb, reo_wnd);
		if (remaining <= 0)
			tcp_mark_skb_lost(tp, skb);
		else
			*reo_timeout = MAX(*reo_timeout, remaining);
	}
}

static void tcp_rack_reo_timer(struct sim *sim, void *a, void *b);

static void
tcp_rack_arm_reo_timer(struct sock *sk, sim_time_t timeout)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (tp->reo_timer)
		sim_cancel(sk->host->sim, tp->reo_timer);
	tp->reo_timer = cpu_timer_schedule(sk->host->cpu, timeout + TCP_TIMEOUT_MIN,
					   tcp_rack_reo_timer, sk);
}

/* Linux tcp_rack_mark_lost: after an ACK that delivered something. */
bool
tcp_rack_mark_lost(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (!tp->rack.advanced)
		return false;
	tp->rack.advanced = false;
	sim_time_t timeout;
	tcp_rack_detect_loss(sk, &timeout);
	if (timeout)
		tcp_rack_arm_reo_timer(sk, timeout);
	return timeout != 0;
}

/* Linux tcp_rack_reo_timeout: the reordering window of a waiting segment
 * has passed; what is now lost starts (or feeds) the recovery. */
static void
tcp_rack_reo_timeout(struct sim *sim, void *a, void *b)
{
	struct sock *sk = a;
	struct tcp_sock *tp = tcp_sk(sk);
	tp->reo_timer = 0;
	if (sk->sk_state == TCP_CLOSE || tcp_teardown(sk->host) || !tp->packets_out)
		return;
	uint32_t prior_inflight = tcp_packets_in_flight(tp), prior_lost = tp->lost_out;
	sim_time_t timeout;
	tcp_rack_detect_loss(sk, &timeout);
	if (prior_inflight != tcp_packets_in_flight(tp)) {
		if (tp->ca_state != TCP_CA_Recovery) {
			tcp_enter_recovery(sk);
			tcp_cwnd_reduction(sk, 1, (int)(tp->lost_out - prior_lost), false);
		}
		tcp_xmit_retransmit_queue(sk);
		tcp_cc_trace(sk);
	}
	if (timeout)
		tcp_rack_arm_reo_timer(sk, timeout);
	NS_CHECK(tcp_check_at_rest(sk, "tcp_rack_reo_timer"));
	(void)sim;
	(void)b;
}

/* The events: the handlers run on the CPU that armed them (sim/cpu.h). */
static void
tcp_rack_reo_run(void *a)
{
	tcp_rack_reo_timeout(((struct sock *)a)->host->sim, a, NULL);
}

static void
tcp_rack_reo_timer(struct sim *sim, void *a, void *base)
{
	(void)sim;
	cpu_timer_run(base, tcp_rack_reo_run, a);
}

/* ---- the tail loss probe ------------------------------------------------------------ */

static void tcp_tlp_timer(struct sim *sim, void *a, void *b);

/* Will the PTO armed send a probe (tcp_tlp_timer's conditions)? */
bool
tcp_tlp_pending(const struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	return tp->tlp_timer && tp->packets_out && !tp->tlp_high_seq &&
		(tp->ca_state == TCP_CA_Open || tp->ca_state == TCP_CA_CWR);
}

/* Linux tcp_schedule_loss_probe (6.6): arm the PTO for a SACK connection
 * in Open or CWR with data out.  @advancing_rto: the RTO is about to be
 * restarted (after an ACK), so it is a full RTO away. */
bool
tcp_schedule_loss_probe(struct sock *sk, bool advancing_rto)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t early_retrans = tcp_config(sk->host)->early_retrans;
	if ((early_retrans != 3 && early_retrans != 4) || !tp->packets_out || !tcp_is_sack(tp) ||
	    (tp->ca_state != TCP_CA_Open && tp->ca_state != TCP_CA_CWR) ||
	    sk->sk_state == TCP_SYN_SENT || sk->sk_state == TCP_SYN_RECV)
		return false;
	sim_time_t now = host_now(sk->host), timeout;
	if (tp->srtt) {
		timeout = 2 * tp->srtt +
			(tp->packets_out == 1 ? tcp_config(sk->host)->rto_min : TCP_TIMEOUT_MIN);
	} else {
		timeout = TCP_RTO_INIT;
	}
	sim_time_t rto_delta = advancing_rto ? tp->rto : tp->rto_deadline - now;
	if (rto_delta > 0)
		timeout = MIN(timeout, rto_delta);
	tp->tlp_deadline = now + timeout;
	if (tp->tlp_timer && tp->tlp_timer_at <= tp->tlp_deadline)
		return true; /* it fires first and re-arms for the deadline */
	if (tp->tlp_timer)
		sim_cancel(sk->host->sim, tp->tlp_timer);
	tp->tlp_timer_at = tp->tlp_deadline;
	tp->tlp_timer = cpu_timer_schedule_at(sk->host->cpu, tp->tlp_deadline, tcp_tlp_timer, sk);
	return true;
}

/* Linux tcp_send_loss_probe: one new segment if the peer's window has room
 * (sent even if cwnd is full, tcp_write_xmit's push_one = 2), else the
 * last segment sent again (its last MSS); at most one probe outstanding. */
static void
tcp_send_loss_probe(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (tp->tlp_high_seq)
		goto rearm_timer;
	tp->tlp_retrans = false;
	uint32_t snd_max = tp->snd_max;
	if (tp->snd_nxt == tp->snd_max && before(tp->snd_nxt, tp->write_seq) &&
	    !after(tp->snd_nxt + MIN(tp->mss, tp->write_seq - tp->snd_nxt),
		   tp->snd_una + tp->snd_wnd)) {
		uint32_t cwnd = tp->cwnd;
		tp->cwnd = MAX(cwnd, (tp->snd_nxt - tp->snd_una) + tp->mss);
		tcp_write_xmit(sk);
		tp->cwnd = cwnd;
		if (after(tp->snd_max, snd_max))
			goto probe_sent;
	}
	struct sk_buff *skb = NULL;
	for (struct sk_buff *s = skb_peek(&sk->sk_write_queue); s; s = s->next) {
		if (!before(TCP_SKB_CB(s)->seq, tp->snd_nxt))
			break;
		skb = s;
	}
	if (!skb || (TCP_SKB_CB(skb)->flags & TCPHDR_SYN))
		goto rearm_timer;
	if (skb_still_in_host_queue(sk, skb))
		goto rearm_timer;
	uint32_t pcount = tcp_skb_pcount(tp, skb);
	if (pcount > 1 && skb->len > (pcount - 1) * tp->mss) {
		tcp_fragment(sk, skb, (pcount - 1) * tp->mss);
		skb = skb->next;
	}
	if (tcp_retransmit_skb(sk, skb))
		goto rearm_timer;
	tp->tlp_retrans = true;
probe_sent:
	tp->tlp_high_seq = tp->snd_nxt;
	tp->tlp_probes++;
rearm_timer:
	tcp_rearm_rto(sk); /* the RTO runs from now */
}

static void
tcp_tlp_timeout(struct sim *sim, void *a, void *b)
{
	struct sock *sk = a;
	struct tcp_sock *tp = tcp_sk(sk);
	tp->tlp_timer = 0;
	if (sk->sk_state == TCP_CLOSE || tcp_teardown(sk->host) || !tp->packets_out ||
	    (tp->ca_state != TCP_CA_Open && tp->ca_state != TCP_CA_CWR))
		return;
	if (tp->tlp_deadline > sim_now(sim)) {
		tp->tlp_timer_at = tp->tlp_deadline;
		tp->tlp_timer =
			cpu_timer_schedule_at(sk->host->cpu, tp->tlp_deadline, tcp_tlp_timer, sk);
		return;
	}
	tcp_send_loss_probe(sk);
	NS_CHECK(tcp_check_at_rest(sk, "tcp_tlp_timer"));
	(void)b;
}

static void
tcp_tlp_run(void *a)
{
	tcp_tlp_timeout(((struct sock *)a)->host->sim, a, NULL);
}

static void
tcp_tlp_timer(struct sim *sim, void *a, void *base)
{
	(void)sim;
	cpu_timer_run(base, tcp_tlp_run, a);
}

/* Linux tcp_process_tlp_ack (6.6): the ACK of the probe's episode.  A
 * probe of new data, or a pure duplicate ACK (original and probe both
 * arrived): no loss.  An ACK beyond the probe that was a retransmission:
 * the probe repaired a loss, so cwnd is reduced once (CWR, then at once
 * tcp_end_cwnd_reduction). */
void
tcp_process_tlp_ack(struct sock *sk, uint32_t ack, bool snd_una_advanced, bool dup_no_sack)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (!tp->tlp_high_seq || before(ack, tp->tlp_high_seq))
		return;
	if (!tp->tlp_retrans) {
		tp->tlp_high_seq = 0;
	} else if (after(ack, tp->tlp_high_seq)) {
		tcp_init_cwnd_reduction(sk);
		tcp_set_ca_state(sk, TCP_CA_CWR);
		tcp_end_cwnd_reduction(sk);
		tcp_set_ca_state(sk, TCP_CA_Open); /* tcp_try_keep_open */
	} else if (!snd_una_advanced && dup_no_sack) {
		tp->tlp_high_seq = 0;
	}
}

void
tcp_rack_clear_timers(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (tp->tlp_timer)
		sim_cancel(sk->host->sim, tp->tlp_timer);
	if (tp->reo_timer)
		sim_cancel(sk->host->sim, tp->reo_timer);
	tp->tlp_timer = tp->reo_timer = 0;
}
