/*
 * stack/tcp_cong.c - congestion control: slow start, congestion avoidance,
 * fast retransmit and NewReno fast recovery.
 *
 * Linux counterpart: net/ipv4/tcp_cong.c (tcp_reno_cong_avoid,
 * tcp_slow_start, tcp_cong_avoid_ai, tcp_reno_ssthresh) and the recovery
 * parts of tcp_input.c.  RFC 5681 §3, RFC 6582 §3.2, RFC 6928 (IW10).
 *
 * Position: tcp_ack / the RTO timer -> tcp_cong_on_ack / on_timeout ->
 * cwnd and ssthresh, traced with trace_tcp_cc at every change.
 */
#include "stack/tcp.h"

#include "stack/host.h"
#include "trace/trace.h"

void
tcp_cc_trace(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (sk->host->trace)
		trace_tcp_cc(sk->host->trace, tp->conn_name, tp->cwnd, tp->ssthresh, tcp_flight(sk),
			     tp->srtt, tp->rto);
}

void
tcp_cong_init(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	tp->cwnd = TCP_INIT_CWND * tp->mss;
	tp->ssthresh = 0x7fffffff;
	tp->dupacks = 0;
	tp->in_recovery = false;
	tcp_cc_trace(sk);
}

/* RFC 5681 (4): ssthresh = max(FlightSize / 2, 2 * SMSS). */
static uint32_t
tcp_reno_ssthresh(struct sock *sk)
{
	return MAX(tcp_flight(sk) / 2, 2 * tcp_sk(sk)->mss);
}

void
tcp_cong_on_ack(struct sock *sk, uint32_t acked, bool dupack, uint32_t ack)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (dupack) {
		tp->dupacks++;
		if (tp->dupacks == 3 && !tp->in_recovery &&
		    (after(ack, tp->recover) || ack == tp->recover || tp->recover == 0)) {
			/* RFC 6582 §3.2 step 2-3: fast retransmit, enter fast recovery. */
			tp->ssthresh = tcp_reno_ssthresh(sk);
			tp->recover = tp->snd_max;
			tp->in_recovery = true;
			tp->fast_retrans++;
			struct sk_buff *head = skb_peek(&sk->sk_write_queue);
			if (head)
				tcp_retransmit_skb(sk, head);
			tp->cwnd = tp->ssthresh + 3 * tp->mss;
		} else if (tp->in_recovery) {
			tp->cwnd += tp->mss; /* step 4: inflate for each segment that left */
		}
		tcp_cc_trace(sk);
		return;
	}
	tp->dupacks = 0;
	if (tp->in_recovery) {
		if (!before(ack, tp->recover)) {
			/* Full acknowledgment (step 5a): deflate to ssthresh, the
			 * RFC's option (2) and what Linux ends recovery with. */
			tp->cwnd = tp->ssthresh;
			tp->bytes_acked = 0;
			tp->in_recovery = false;
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
	} else if (tp->cwnd < tp->ssthresh) {
		tp->cwnd += MIN(acked, tp->mss); /* RFC 5681 (2): slow start */
	} else {
		/* RFC 5681 (3), counted in bytes (RFC 3465 with L = 1). */
		tp->bytes_acked += acked;
		if (tp->bytes_acked >= tp->cwnd) {
			tp->bytes_acked -= tp->cwnd;
			tp->cwnd += tp->mss;
		}
	}
	tcp_cc_trace(sk);
}

/* RFC 5681 (4) and §3.1: after an RTO, cwnd is one segment. */
void
tcp_cong_on_timeout(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	tp->ssthresh = tcp_reno_ssthresh(sk);
	tp->cwnd = tp->mss;
	tp->bytes_acked = 0;
	tp->dupacks = 0;
	tp->in_recovery = false;
	tp->recover = tp->snd_max;
	tcp_cc_trace(sk);
}

/*
 * The device queue refused a segment (Linux tcp_enter_cwr after
 * NET_XMIT_DROP): not a loss in the network, but congestion at home, so
 * cwnd is halved, at most once per window of data.
 */
void
tcp_cong_on_local_drop(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (tp->in_recovery || (tp->cwr_until && before(tp->snd_una, tp->cwr_until)))
		return;
	tp->ssthresh = MAX(tp->cwnd / 2, 2 * tp->mss);
	tp->cwnd = tp->ssthresh;
	tp->bytes_acked = 0;
	tp->cwr_until = tp->snd_max;
	tcp_cc_trace(sk);
}
