/*
 * stack/tcp_delack.c - when the receiver ACKs: the delayed-ACK engine.
 *
 * Linux counterpart (6.6): these functions of net/ipv4/tcp_input.c,
 * tcp_initialize_rcv_mss, tcp_measure_rcv_mss, tcp_incr_quickack,
 * tcp_enter_quickack_mode, tcp_in_quickack_mode, tcp_event_data_recv,
 * __tcp_ack_snd_check.  Linux keeps them in its one tcp_input.c; netsim
 * keeps them apart so that stack/tcp_input.c stays readable (the timer
 * itself, tcp_send_delayed_ack and tcp_delack_timer, is tcp_output.c's
 * and tcp_timer.c's as in Linux).
 *
 * Position: tcp_data_queue -> tcp_event_data_recv; tcp_rcv_state_process's
 * end -> tcp_ack_snd_check -> tcp_send_ack or tcp_send_delayed_ack.
 */
#include "stack/tcp.h"

#include "stack/host.h"
#include "stack/netdevice.h"

/* The 4.4BSD rules instead of Linux's (kernel = bsd-1996): every second
 * segment at once, else at the next 200 ms tick (docs/sockets-and-tcp.md). */
bool
tcp_bsd_delack(const struct sock *sk)
{
	return dev_host_config(sk->host)->kernel == KERNEL_BSD_1996;
}

/*
 * Linux tcp_initialize_rcv_mss, at ESTABLISHED: the first guess of the
 * peer's MSS errs low (at most 536), since a guess too high would delay
 * ACKs; tcp_measure_rcv_mss corrects it from the segments.  Linux also
 * starts lrcvtime here (tcp_finish_connect, tcp_create_openreq_child).
 */
void
tcp_initialize_rcv_mss(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t hint = MIN(MIN(tp->advmss, tp->mss), tp->rcv_wnd / 2);
	tp->icsk_ack.rcv_mss = MAX(MIN(hint, TCP_MSS_DEFAULT), TCP_MIN_MSS);
	tp->icsk_ack.lrcvtime = host_now(sk->host);
}

/*
 * Linux tcp_measure_rcv_mss: a segment at least rcv_mss long sets it (at
 * most our advmss); a shorter one counts as rcv_mss only when two in a row
 * have the same plausible size (not pushed, or at least 536 bytes).  A
 * short segment, or a pushed full one (4720852ed9af, 6.6-rc5: the end of
 * a write), marks the ACK "pushed", so the reader's read sends it.
 */
static void
tcp_measure_rcv_mss(struct tcp_sock *tp, uint32_t len, uint8_t flags)
{
	uint32_t lss = tp->icsk_ack.last_seg_size;
	tp->icsk_ack.last_seg_size = 0;
	if (len >= tp->icsk_ack.rcv_mss) {
		tp->icsk_ack.rcv_mss = MIN(len, tp->advmss);
		if (flags & TCPHDR_PSH)
			tp->icsk_ack.pending |= ICSK_ACK_PUSHED;
		return;
	}
	len += TCP_HLEN; /* netsim sends no options on data segments */
	if (len >= TCP_MSS_DEFAULT + TCP_HLEN ||
	    (len >= TCP_MIN_MSS + TCP_HLEN &&
	     !(flags & (TCPHDR_FIN | TCPHDR_URG | TCPHDR_SYN | TCPHDR_PSH)))) {
		len -= TCP_HLEN;
		tp->icsk_ack.last_seg_size = len;
		if (len == lss) {
			tp->icsk_ack.rcv_mss = len;
			return;
		}
	}
	if (tp->icsk_ack.pending & ICSK_ACK_PUSHED)
		tp->icsk_ack.pending |= ICSK_ACK_PUSHED2;
	tp->icsk_ack.pending |= ICSK_ACK_PUSHED;
}

/* Linux tcp_incr_quickack: ACK the next segments at once, as many as half
 * the window holds full segments (at least 2), at most @max_quickacks. */
static void
tcp_incr_quickack(struct tcp_sock *tp, unsigned max_quickacks)
{
	unsigned quickacks = tp->rcv_wnd / (2 * MAX(tp->icsk_ack.rcv_mss, 1u));
	if (quickacks == 0)
		quickacks = 2;
	quickacks = MIN(quickacks, max_quickacks);
	if (quickacks > tp->icsk_ack.quick)
		tp->icsk_ack.quick = (uint8_t)quickacks;
}

/* Linux tcp_enter_quickack_mode: quick ACKs, not interactive, ato at its floor. */
void
tcp_enter_quickack_mode(struct sock *sk, unsigned max_quickacks)
{
	struct tcp_sock *tp = tcp_sk(sk);
	tcp_incr_quickack(tp, max_quickacks);
	tp->icsk_ack.pingpong = 0;
	tp->icsk_ack.ato = TCP_ATO_MIN;
}

static bool
tcp_in_quickack_mode(const struct tcp_sock *tp)
{
	return tp->icsk_ack.quick && !tp->icsk_ack.pingpong;
}

/*
 * In-order data arrived (Linux tcp_event_data_recv).  The first data of a
 * connection starts quick-ACK mode (up to TCP_MAX_QUICKACKS ACKs at once,
 * so that the sender's slow start is not held back by delayed ACKs) with
 * ato = TCP_ATO_MIN.  Later, ato follows the gap m between arrivals: m up
 * to 20 ms pulls it towards 40 ms, a gap below ato sets ato/2 + m (at most
 * the RTO), a gap longer than the RTO (the sender was idle) gives quick
 * ACKs again.  tcp_grow_window (tcp_rcvbuf.c), after it, asks for one
 * quick ACK each time it raises rcv_ssthresh.
 */
void
tcp_event_data_recv(struct sock *sk, uint32_t len, uint8_t flags)
{
	struct tcp_sock *tp = tcp_sk(sk);
	sim_time_t now = host_now(sk->host);
	tp->icsk_ack.pending |= ICSK_ACK_SCHED; /* inet_csk_schedule_ack */
	if (tcp_bsd_delack(sk))
		return;
	tcp_measure_rcv_mss(tp, len, flags);
	if (!tp->icsk_ack.ato) {
		tcp_incr_quickack(tp, TCP_MAX_QUICKACKS);
		tp->icsk_ack.ato = TCP_ATO_MIN;
	} else {
		sim_time_t m = now - tp->icsk_ack.lrcvtime;
		if (m <= TCP_ATO_MIN / 2) {
			tp->icsk_ack.ato = (tp->icsk_ack.ato >> 1) + TCP_ATO_MIN / 2;
		} else if (m < tp->icsk_ack.ato) {
			tp->icsk_ack.ato = MIN((tp->icsk_ack.ato >> 1) + m, tp->rto);
		} else if (m > tp->rto) {
			tcp_incr_quickack(tp, TCP_MAX_QUICKACKS);
		}
	}
	tp->icsk_ack.lrcvtime = now;
}

/*
 * Send the ACK now or delay it (Linux __tcp_ack_snd_check): now when more
 * than one rcv_mss is unacknowledged and ACKing moves the window's right
 * edge on (the window the buffer allows is at least the one last sent),
 * in quick-ACK mode, once after a hole was filled (ICSK_ACK_NOW), and
 * while out-of-order data waits (Linux without SACK: a duplicate ACK for
 * every segment, RFC 5681 §4.2); else the delayed ACK.
 * bsd-1996: now for every second segment, a duplicate, out-of-order data
 * or a FIN (4.4BSD TF_ACKNOW), else at the next fast-timeout tick.
 */
void
tcp_ack_snd_check(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (!(tp->icsk_ack.pending & ICSK_ACK_SCHED))
		return; /* an ACK (or data carrying one) went out already */
	bool ofo = !skb_queue_empty(&tp->ofo_queue);
	if (tcp_bsd_delack(sk)) {
		if ((tp->icsk_ack.pending & ICSK_ACK_NOW) || ofo || tp->ack_pending >= 2)
			tcp_send_ack(sk);
		else
			tcp_send_delayed_ack(sk);
		return;
	}
	if ((tp->rcv_nxt - tp->rcv_acked > tp->icsk_ack.rcv_mss &&
	     __tcp_select_window(sk) >= tp->rcv_wnd) ||
	    tcp_in_quickack_mode(tp) || (tp->icsk_ack.pending & ICSK_ACK_NOW) || ofo)
		tcp_send_ack(sk);
	else
		tcp_send_delayed_ack(sk);
}
