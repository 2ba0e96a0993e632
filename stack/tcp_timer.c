/*
 * stack/tcp_timer.c - TCP's timers: retransmission, delayed ACK, zero-window
 * probe (persist) and TIME_WAIT; and the RTO estimator.
 *
 * Linux counterpart: net/ipv4/tcp_timer.c (tcp_retransmit_timer,
 * tcp_delack_timer_handler, tcp_probe_timer, tcp_time_wait's timer), tcp_input.c
 * (tcp_rtt_estimator).  RFC 6298 (RTO), RFC 1122 §4.2.3.2 (delayed ACK),
 * RFC 9293 §3.8.6.1 (zero-window probes), RFC 9293 §3.6 (TIME_WAIT).
 *
 * Timers are sim events; they fire outside any CPU item, so their work is
 * charged in softirq context, as Linux timers run, on the CPU that armed
 * them (sim/cpu.h cpu_timer_run: the softirq that received the segment,
 * or the task that wrote): Linux's sk_reset_timer -> mod_timer queues on
 * this CPU's timer base.  Every timer is cancelled by tcp_done, so a fired
 * timer always finds its sock alive.
 */
#include "stack/tcp.h"

#include <errno.h>
#include "sim/check.h"
#include "stack/host.h"
#include "trace/trace.h"

static void
timer_cancel(struct sock *sk, sim_event_id *id)
{
	if (*id) {
		sim_cancel(sk->host->sim, *id);
		*id = 0;
	}
}

void
tcp_clear_timers(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	timer_cancel(sk, &tp->rtx_timer);
	timer_cancel(sk, &tp->delack_timer);
	timer_cancel(sk, &tp->persist_timer);
	timer_cancel(sk, &tp->tw_timer);
	tcp_rack_clear_timers(sk);
}

/*
 * RFC 6298 §2.2-2.4 as Linux computes it (net/ipv4/tcp_input.c
 * tcp_rtt_estimator and tcp_set_rto, include/net/tcp.h __tcp_set_rto and
 * tcp_bound_rto; the same since Linux 3.15's microsecond RTTs): srtt gains 1/8 of the error, mdev (4 x the mean
 * deviation) 1/4 of it, but a sample below srtt moves mdev 8 times less.
 * rttvar_rto follows the largest mdev of the last round trip, never below
 * tcp_rto_min, and decays by 1/4 per round trip; rto = srtt + rttvar_rto.
 * So tcp_rto_min floors the variance term, not the whole RTO: on a path of
 * RTT 200 ms the RTO is about 400 ms, where RFC 6298 with a 200 ms floor on
 * the RTO would give about 200 ms.  A new sample ends backoff.
 */
void
tcp_rtt_sample(struct sock *sk, sim_time_t r)
{
	struct tcp_sock *tp = tcp_sk(sk);
	sim_time_t rto_min = tcp_config(sk->host)->rto_min;
	if (r <= 0)
		r = 1;
	tcp_rack_update_min_rtt(tp, r);
	if (tp->srtt == 0) {
		tp->srtt = r;
		tp->mdev = 2 * r; /* rto = 3 rtt */
		tp->rttvar_rto = MAX(tp->mdev, rto_min);
		tp->mdev_max = tp->rttvar_rto;
		tp->rtt_seq = tp->snd_nxt;
	} else {
		sim_time_t m = r - tp->srtt; /* the error */
		tp->srtt += m / 8;	     /* alpha = 1/8 */
		if (m < 0) {
			m = -m - tp->mdev / 4;
			if (m > 0)
				m /= 8; /* a falling RTT barely raises mdev */
		} else {
			m -= tp->mdev / 4;
		}
		tp->mdev += m; /* beta = 1/4 */
		if (tp->mdev > tp->mdev_max) {
			tp->mdev_max = tp->mdev;
			if (tp->mdev_max > tp->rttvar_rto)
				tp->rttvar_rto = tp->mdev_max;
		}
		if (after(tp->snd_una, tp->rtt_seq)) { /* once per round trip */
			if (tp->mdev_max < tp->rttvar_rto)
				tp->rttvar_rto -= (tp->rttvar_rto - tp->mdev_max) / 4;
			tp->rtt_seq = tp->snd_nxt;
			tp->mdev_max = rto_min;
		}
	}
	if (tp->srtt < 1)
		tp->srtt = 1;
	tp->rttvar = tp->mdev / 4; /* Linux tcp_get_info: tcpi_rttvar = mdev_us >> 2 */
	tp->rto = MIN(tp->srtt + tp->rttvar_rto, TCP_RTO_MAX); /* tcp_bound_rto */
	tp->backoff = 0;
}

/* RFC 6298 §5.7-5.9: RTO expired: back off, collapse cwnd, go back to snd_una. */
static void tcp_retransmit_timer(struct sim *sim, void *a, void *base);

static void
tcp_retransmit_timer_handler(void *a)
{
	struct sock *sk = a;
	struct tcp_sock *tp = tcp_sk(sk);
	struct sim *sim = sk->host->sim;
	tp->rtx_timer = 0;
	if (skb_queue_empty(&sk->sk_write_queue) || tp->snd_una == tp->snd_max)
		return;
	if (tcp_tlp_pending(sk) && tp->tlp_deadline <= tp->rto_deadline) {
		/* Linux arms the PTO instead of the RTO (one timer,
		 * tcp_set_xmit_timer); the probe restarts the RTO */
		tp->rto_deadline = MAX(tp->rto_deadline, tp->tlp_deadline + tp->rto);
	}
	if (tp->rto_deadline > sim_now(sim)) {
		/* ACKs moved the deadline on since the event was set. */
		tp->rtx_timer_at = tp->rto_deadline;
		tp->rtx_timer = cpu_timer_schedule_at(sk->host->cpu, tp->rto_deadline,
						      tcp_retransmit_timer, sk);
		return;
	}
	tp->retransmits++;
	tp->timeouts++;
	bool opening = sk->sk_state == TCP_SYN_SENT || sk->sk_state == TCP_SYN_RECV;
	if (tp->retransmits > (opening ? TCP_SYN_RETRIES : TCP_RETRIES2)) {
		/* tcp_write_err: a soft error (an ICMP, tcp_v4_err) says why */
		sk->sk_err = sk->sk_err_soft ? sk->sk_err_soft : ETIMEDOUT;
		if (!opening)
			tcp_send_active_reset(sk);
		tcp_done(sk);
		return;
	}
	tcp_cong_on_timeout(sk);
	tp->backoff++;
	tp->rto = MIN(tp->rto * 2, TCP_RTO_MAX); /* RFC 6298 §5.5 */
	if (tcp_is_sack(tp) && !opening) {
		/* Linux tcp_enter_loss -> tcp_timeout_mark_lost, then
		 * tcp_retransmit_skb of the head: what is SACKed is not sent
		 * again; the ACKs of the Loss state send the rest of what is
		 * marked lost (tcp_xmit_retransmit_queue) before new data. */
		tcp_timeout_mark_lost(sk);
		tcp_retransmit_skb(sk, skb_peek(&sk->sk_write_queue));
	} else {
		tp->snd_nxt = tp->snd_una; /* go back N */
		tcp_write_xmit(sk);
	}
	if (!tp->rtx_timer)
		tcp_rearm_rto(sk);
	NS_CHECK(tcp_check_at_rest(sk, "tcp_retransmit_timer"));
}

/* The event: the handler runs on the CPU that armed the timer. */
static void
tcp_retransmit_timer(struct sim *sim, void *a, void *base)
{
	(void)sim;
	cpu_timer_run(base, tcp_retransmit_timer_handler, a);
}

/* The retransmit timer to fire @delay from now (Linux
 * inet_csk_reset_xmit_timer(ICSK_TIME_RETRANS)). */
void
tcp_reset_xmit_timer(struct sock *sk, sim_time_t delay)
{
	struct tcp_sock *tp = tcp_sk(sk);
	tp->rto_deadline = sim_now(sk->host->sim) + delay;
	if (tp->rtx_timer && tp->rtx_timer_at <= tp->rto_deadline)
		return; /* it fires first and re-arms for the deadline */
	timer_cancel(sk, &tp->rtx_timer);
	tp->rtx_timer_at = tp->rto_deadline;
	tp->rtx_timer =
		cpu_timer_schedule_at(sk->host->cpu, tp->rto_deadline, tcp_retransmit_timer, sk);
}

/* RFC 6298 §5.1-5.3: (re)start the timer while data is outstanding. */
void
tcp_rearm_rto(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (tp->snd_una == tp->snd_max) {
		timer_cancel(sk, &tp->rtx_timer);
		return;
	}
	tcp_reset_xmit_timer(sk, tp->rto);
}

/*
 * The delayed ACK is due (Linux tcp_delack_timer_handler, 6.6).  If it was
 * missed (the ACK still had to wait for this timer), a bulk receiver
 * doubles ato, bounded by the RTO; an interactive one leaves pingpong
 * mode and goes back to TCP_ATO_MIN.  An event left over from an ACK
 * already sent finds no ICSK_ACK_TIMER; one set for an earlier deadline
 * re-arms itself.
 */
static void
tcp_delack_timer_handler(void *a)
{
	struct sock *sk = a;
	struct tcp_sock *tp = tcp_sk(sk);
	struct sim *sim = sk->host->sim;
	tp->delack_timer = 0;
	if (sk->sk_state == TCP_CLOSE || sk->sk_state == TCP_LISTEN ||
	    !(tp->icsk_ack.pending & ICSK_ACK_TIMER))
		return;
	if (tp->icsk_ack.timeout > sim_now(sim)) {
		tcp_reset_delack_timer(sk);
		return;
	}
	tp->icsk_ack.pending &= (uint8_t)~ICSK_ACK_TIMER;
	if (!(tp->icsk_ack.pending & ICSK_ACK_SCHED))
		return;
	if (!tcp_bsd_delack(sk)) {
		if (!tp->icsk_ack.pingpong) {
			tp->icsk_ack.ato = MIN(tp->icsk_ack.ato << 1, tp->rto);
		} else {
			tp->icsk_ack.pingpong = 0;
			tp->icsk_ack.ato = TCP_ATO_MIN;
		}
	}
	tcp_send_ack(sk);
}

static void
tcp_delack_timer(struct sim *sim, void *a, void *base)
{
	(void)sim;
	cpu_timer_run(base, tcp_delack_timer_handler, a);
}

/* (Re)arm the delayed-ACK event for icsk_ack.timeout (Linux sk_reset_timer
 * on icsk_delack_timer).  An event set for a later time is moved; one set
 * for an earlier time fires and re-arms itself. */
void
tcp_reset_delack_timer(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (tp->delack_timer && tp->delack_timer_at <= tp->icsk_ack.timeout)
		return;
	timer_cancel(sk, &tp->delack_timer);
	tp->delack_timer_at = tp->icsk_ack.timeout;
	tp->delack_timer =
		cpu_timer_schedule_at(sk->host->cpu, tp->icsk_ack.timeout, tcp_delack_timer, sk);
}

/*
 * The persist timer (Linux tcp_probe_timer, tcp_write_wakeup): data waits
 * and nothing is in flight.  A window smaller than the next segment gets
 * as much of it as fits; a zero window gets a probe, an empty segment with
 * an old sequence number that draws an ACK carrying the current window.
 */
static void
tcp_probe_timer_handler(void *a)
{
	struct sock *sk = a;
	struct tcp_sock *tp = tcp_sk(sk);
	tp->persist_timer = 0;
	struct sk_buff *skb = skb_peek(&sk->sk_write_queue);
	if (!skb || tp->snd_max != tp->snd_una)
		return;
	/* a SYN counts as sent even when refused (tcp_send_syn), so it is
	 * never held here: its RTO sends it again */
	g_assert(sk->sk_state != TCP_SYN_SENT && sk->sk_state != TCP_SYN_RECV);
	tp->probes++;
	if (tp->snd_wnd > 0) {
		uint32_t n = MIN(tp->snd_wnd, tp->mss);
		if (skb->len > n)
			tcp_split_head(sk, n);
		tp->backoff = 0;
		uint32_t wnd = tp->snd_wnd;
		tp->snd_wnd = MAX(wnd, skb_peek(&sk->sk_write_queue)->len);
		/* tcp_write_wakeup sends without Nagle's test: a corked short
		 * tail leaves here, an RTO (at least 200 ms) after it stopped,
		 * the "200 ms ceiling" of tcp(7) */
		tcp_write_xmit_nagle_push(sk);
		tp->snd_wnd = wnd;
		NS_CHECK(tcp_check_at_rest(sk, "tcp_probe_timer"));
		return;
	}
	uint32_t saved = tp->snd_nxt;
	tp->snd_nxt = tp->snd_una - 1;
	tcp_send_ack(sk);
	tp->snd_nxt = saved;
	tp->backoff++;
	tcp_persist_schedule(sk);
	NS_CHECK(tcp_check_at_rest(sk, "tcp_probe_timer"));
}

static void
tcp_probe_timer(struct sim *sim, void *a, void *base)
{
	(void)sim;
	cpu_timer_run(base, tcp_probe_timer_handler, a);
}

void
tcp_persist_schedule(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (tp->persist_timer)
		return;
	sim_time_t when = MIN(tp->rto << MIN(tp->backoff, 10), TCP_RTO_MAX);
	tp->persist_timer = cpu_timer_schedule(sk->host->cpu, when, tcp_probe_timer, sk);
}

static void
tcp_tw_timer_handler(void *a)
{
	struct sock *sk = a;
	tcp_sk(sk)->tw_timer = 0;
	tcp_done(sk);
}

static void
tcp_tw_timer(struct sim *sim, void *a, void *base)
{
	(void)sim;
	cpu_timer_run(base, tcp_tw_timer_handler, a);
}

/*
 * Enter @state, TCP_TIME_WAIT (RFC 9293 §3.6: 2MSL, 60 s as Linux), or
 * TCP_FIN_WAIT2 for an orphan whose peer may never send its FIN (Linux
 * tcp_fin_timeout, also 60 s); when the timer fires the connection is gone.
 */
void
tcp_time_wait(struct sock *sk, int state)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (sk->sk_state != state)
		tcp_set_state(sk, state);
	timer_cancel(sk, &tp->rtx_timer);
	timer_cancel(sk, &tp->persist_timer);
	timer_cancel(sk, &tp->tw_timer);
	tp->tw_timer = cpu_timer_schedule(
		sk->host->cpu, state == TCP_TIME_WAIT ? TCP_TIMEWAIT_LEN : TCP_FIN_TIMEOUT,
		tcp_tw_timer, sk);
}
