/*
 * stack/tcp_input.c - arriving segments: checks, demux and the state machine.
 *
 * Linux counterpart: net/ipv4/tcp_ipv4.c (tcp_v4_rcv), net/ipv4/
 * tcp_input.c (tcp_rcv_state_process, tcp_rcv_synsent_state_process,
 * tcp_ack, tcp_data_queue, tcp_fin, tcp_reset).  RFC 9293 §3.10.7
 * ("SEGMENT ARRIVES") is the outline.  The rest of Linux's tcp_input.c is
 * in netsim's smaller files: when to ACK (stack/tcp_delack.c), the SYN at a
 * listener and TIME_WAIT (stack/tcp_minisocks.c, with Linux's
 * tcp_minisocks.c), the SACK scoreboard (tcp_sack.c), loss recovery
 * (tcp_cong_control.c, tcp_undo.c, tcp_rack.c, tcp_reorder.c).
 *
 * Position: ip_local_deliver -> tcp_v4_rcv -> tcp_rcv_state_process ->
 * tcp_ack (-> tcp_cong_on_ack) and tcp_data_queue -> sk_receive_queue ->
 * sk_data_ready; then tcp_write_xmit for what the ACK allows.
 */
#include "stack/tcp.h"

#include <errno.h>
#include <netinet/in.h>
#include "sim/check.h"
#include "stack/gso.h"
#include "stack/host.h"
#include "stack/ipv4.h"
#include "stack/netdevice.h"
#include "stack/rps.h"

/* ---- the receive queue ------------------------------------------------------------ */

/* The peer closed its direction (RFC 9293 §3.10.7.4, eighth step). */
static void
tcp_fin(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	tp->fin_received = true;
	sk->sk_shutdown |= RCV_SHUTDOWN;
	/* Linux tcp_fin: the ACK of a FIN in ESTABLISHED is delayed
	 * (pingpong), to ride on our own FIN if the reader closes soon;
	 * in FIN_WAIT it goes at once.  4.4BSD ACKs every FIN at once. */
	tp->icsk_ack.pending |= ICSK_ACK_SCHED | (tcp_bsd_delack(sk) ? ICSK_ACK_NOW : 0);
	switch (sk->sk_state) {
	case TCP_SYN_RECV:
	case TCP_ESTABLISHED:
		tcp_set_state(sk, TCP_CLOSE_WAIT);
		tp->icsk_ack.pingpong = 1; /* inet_csk_enter_pingpong_mode */
		break;
	case TCP_FIN_WAIT1:
		tcp_send_ack(sk);
		tcp_set_state(sk, TCP_CLOSING); /* simultaneous close */
		break;
	case TCP_FIN_WAIT2:
		tcp_send_ack(sk);
		tcp_time_wait(sk, TCP_TIME_WAIT);
		break;
	default: break;
	}
	sk->sk_state_change(sk);
}

/* In-order payload to the receive queue, charged by truesize (Linux
 * tcp_queue_rcv, skb_set_owner_r; tcp_rcvbuf.c). */
static void
tcp_queue_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);
	bool fin = TCP_SKB_CB(skb)->flags & TCPHDR_FIN;
	tp->rcv_nxt = TCP_SKB_CB(skb)->end_seq;
	if (skb->len) {
		TCP_SKB_CB(skb)->consumed = 0;
		tcp_rmem_charge(sk, skb);
		skb_queue_tail(&sk->sk_receive_queue, skb);
	} else {
		skb_consume(skb);
	}
	if (fin)
		tcp_fin(sk);
}

static void
tcp_ofo_queue(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	bool progress = true;
	/* Linux tcp_ofo_queue: what of the queued data is below rcv_nxt
	 * already arrived twice: a D-SACK of it (tcp_dsack_extend) */
	uint32_t dsack_high = tp->rcv_nxt;
	/* O(out-of-order segments) per pass, and a pass per segment moved:
	 * the queue is bounded by the receive window (rmem); Linux keeps it
	 * in an rbtree (tcp_ofo_queue, 4.9+) for windows of thousands. */
	while (progress) {
		progress = false;
		for (struct sk_buff *o = skb_peek(&tp->ofo_queue); o; o = o->next) {
			struct tcp_skb_cb *cb = TCP_SKB_CB(o);
			if (after(cb->seq, tp->rcv_nxt))
				continue;
			if (before(cb->seq, dsack_high)) {
				uint32_t dsack = dsack_high;
				if (before(cb->end_seq, dsack_high))
					dsack_high = cb->end_seq;
				tcp_dsack_extend(sk, cb->seq, dsack);
			}
			skb_unlink(o, &tp->ofo_queue);
			tcp_rmem_uncharge(sk, o);
			if (!after(cb->end_seq, tp->rcv_nxt)) {
				skb_drop(o, SKB_DROP_TCP_OLD_DATA);
			} else {
				if (before(cb->seq, tp->rcv_nxt))
					skb_pull(o, tp->rcv_nxt - cb->seq);
				cb->seq = tp->rcv_nxt;
				tcp_queue_rcv(sk, o);
			}
			progress = true;
			break;
		}
	}
}

/*
 * An out-of-order segment against what is queued already (Linux
 * tcp_data_queue_ofo's walk, 6.6): if a queued segment holds all of it,
 * it is dropped and reported in a D-SACK (TCPOFOMerge, TCPDSACKOfoSent;
 * returns true, @skb consumed); if it starts inside one and goes on, the
 * overlap is D-SACKed and it is queued (tcp_ofo_queue trims it later).
 * (Linux also drops the queued segments a new one covers, D-SACKing them
 * with tcp_dsack_extend; netsim keeps them and tcp_ofo_queue drops them as
 * old data, with the same D-SACK.)
 */
static bool
tcp_ofo_duplicate(struct sock *sk, struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);
	const struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
	for (struct sk_buff *o = skb_peek(&tp->ofo_queue); o; o = o->next) {
		const struct tcp_skb_cb *ocb = TCP_SKB_CB(o);
		if (before(cb->seq, ocb->seq) || !before(cb->seq, ocb->end_seq))
			continue;
		if (!after(cb->end_seq, ocb->end_seq)) {
			/* All the bits are present. Drop. */
			tcp_dsack_set(sk, cb->seq, cb->end_seq);
			skb_drop(skb, SKB_DROP_TCP_OLD_DATA);
			return true;
		}
		if (after(cb->seq, ocb->seq)) {
			tcp_dsack_set(sk, cb->seq, ocb->end_seq); /* Partial overlap. */
			return false;
		}
	}
	return false;
}

/* Linux tcp_data_queue.  Consumes @skb.  Whether and when to ACK is
 * decided after it, by tcp_ack_snd_check. */
static void
tcp_data_queue(struct sock *sk, struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
	if (cb->seq != cb->end_seq) {
		tcp_ecn_accept_cwr(sk, skb);	 /* CWR stops our ECE (tcp_ecn.c) */
		tcp_rcv_rtt_measure_ts(sk, skb); /* receiver RTT (tcp_rcvbuf.c) */
	}
	if (!after(cb->end_seq, tp->rcv_nxt)) {
		/* A duplicate: the peer missed our ACK (RFC 9293 §3.10.7.4);
		 * Linux ACKs at once by entering quick-ACK mode. */
		if (tcp_bsd_delack(sk))
			tp->icsk_ack.pending |= ICSK_ACK_NOW;
		else
			tcp_enter_quickack_mode(sk, TCP_MAX_QUICKACKS);
		tp->icsk_ack.pending |= ICSK_ACK_SCHED;
		tcp_dsack_set(sk, cb->seq, cb->end_seq); /* RFC 2883 */
		skb_drop(skb, SKB_DROP_TCP_OLD_DATA);
		return;
	}
	if (after(cb->seq, tp->rcv_nxt)) {
		/* Out of order: keep it; tcp_ack_snd_check sends a duplicate
		 * ACK at once (RFC 5681 §4.2).  Linux sends none for a segment
		 * dropped for want of buffer (tcp_data_queue_ofo). */
		tcp_ecn_check_ce(sk, skb);
		if (!tcp_try_rmem_schedule(sk, skb)) {
			skb_drop(skb, SKB_DROP_TCP_OFO_DROP);
		} else if (tcp_ofo_duplicate(sk, skb)) {
			tp->icsk_ack.pending |= ICSK_ACK_SCHED; /* dropped, D-SACKed */
		} else {
			/* Linux tcp_data_queue_ofo: with SACK the window grows */
			if (tcp_is_sack(tp))
				tcp_grow_window(sk, skb);
			tcp_rmem_charge(sk, skb);
			/* Linux tcp_data_queue_ofo: the block it joins goes first */
			if (tcp_is_sack(tp))
				tcp_sack_new_ofo_skb(sk, cb->seq, cb->end_seq);
			skb_queue_tail(&tp->ofo_queue, skb);
			tp->icsk_ack.pending |= ICSK_ACK_SCHED;
		}
		return;
	}
	if (before(cb->seq, tp->rcv_nxt)) {
		/* partly a duplicate: Linux reports that part (tcp_dsack_set) */
		tcp_dsack_set(sk, cb->seq, tp->rcv_nxt);
		skb_pull(skb, tp->rcv_nxt - cb->seq);
		cb->seq = tp->rcv_nxt;
	}
	bool had_ofo = !skb_queue_empty(&tp->ofo_queue);
	if (skb->len && !skb_queue_empty(&sk->sk_receive_queue) &&
	    !tcp_try_rmem_schedule(sk, skb)) {
		/* Linux tcp_data_queue: over sk_rcvbuf even after
		 * tcp_clamp_window (TCPRcvQDrop); an empty queue always takes it */
		sk->sk_data_ready(sk);
		skb_drop(skb, SKB_DROP_SOCKET_RCVBUFF);
		return;
	}
	if (skb->len) {
		tcp_rcvbuf_measure(sk, skb); /* scaling_ratio, receiver RTT */
		/* Linux tcp_measure_rcv_mss: gso_size ?: skb->len (a GRO skb) */
		tcp_event_data_recv(sk, skb->gso_size ? skb->gso_size : skb->len, cb->flags);
		tcp_ecn_check_ce(sk, skb); /* Linux: at tcp_event_data_recv's end */
		if (skb->len >= 128)
			tcp_grow_window(sk, skb); /* Linux: tcp_event_data_recv's end */
		tp->ack_pending++;
	}
	tcp_queue_rcv(sk, skb);
	if (had_ofo) {
		tcp_ofo_queue(sk);
		/* RFC 5681 §4.2: ACK at once when the hole is filled */
		if (skb_queue_empty(&tp->ofo_queue))
			tp->icsk_ack.pending |= ICSK_ACK_NOW;
	}
	if (tp->num_sacks)
		tcp_sack_remove(sk); /* Linux tcp_data_queue: rcv_nxt moved on */
	sk->sk_data_ready(sk);
	NS_CHECK(tcp_check(sk, "tcp_data_queue"));
}

/*
 * Answer an out-of-window segment or an ACK of data never sent with an ACK,
 * at most once per 500 ms when it carries no data (Linux
 * tcp_oow_rate_limited): two ends that disagree about the sequence space,
 * as after a forged segment, would otherwise ACK each other for ever (an
 * ACK storm; RFC 5961 §4-5 and its rate limit in §7).
 */
static void
tcp_send_oow_ack(struct sock *sk, const struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);
	const struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
	sim_time_t now = host_now(sk->host);
	if (cb->seq == cb->end_seq || (cb->flags & TCPHDR_SYN)) {
		if (tp->last_oow_ack && now - tp->last_oow_ack < TCP_OOW_RATELIMIT)
			return;
		tp->last_oow_ack = now;
	}
	/* old data (Linux tcp_send_dupack): a D-SACK for what was duplicated */
	if (cb->end_seq != cb->seq && before(cb->seq, tp->rcv_nxt) && !(cb->flags & TCPHDR_SYN))
		tcp_dsack_set(sk, cb->seq,
			      after(cb->end_seq, tp->rcv_nxt) ? tp->rcv_nxt : cb->end_seq);
	tcp_send_ack(sk);
}

/* ---- ACK processing ------------------------------------------------------------------ */

static bool
tcp_fin_acked(const struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	return (sk->sk_shutdown & SEND_SHUTDOWN) && tp->snd_una == tp->write_seq;
}

/* Linux tcp_ack.  Returns false when the segment must be dropped. */
static bool
tcp_ack(struct sock *sk, struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
	uint32_t ack = cb->ack_seq;
	tp->ack_flag = 0; /* Linux tcp_ack's `flag` */
	if (after(ack, tp->snd_max)) {
		tcp_send_oow_ack(sk, skb); /* acknowledges something never sent */
		return false;
	}
	if (before(ack, tp->snd_una)) {
		/* old: keep the data; Linux tcp_ack's old_ack still reads its
		 * SACK blocks, and a D-SACK in them may complete an undo */
		if (cb->sack_off && tcp_is_sack(tp) && tcp_sacktag_write_queue(sk, skb)) {
			if (tp->snd_max != tp->snd_una)
				tcp_cong_on_ack(sk, 0, 0, -1, true, tp->snd_una);
			else
				tcp_undo_dsack_no_queue(sk);
		}
		return true;
	}
	tcp_replace_ts_recent(sk, cb->seq);  /* FLAG_UPDATE_TS_RECENT (tcp_timestamps.c) */
	tcp_ecn_rcv_ecn_echo(sk, cb->flags); /* FLAG_ECE: tcp_enter_cwr (tcp_ecn.c) */
	bool win_changed = false;
	if (before(tp->snd_wl1, cb->seq) || (tp->snd_wl1 == cb->seq && !before(ack, tp->snd_wl2))) {
		uint32_t wnd = (uint32_t)cb->window << tp->snd_wscale; /* RFC 7323 §2.3 */
		win_changed = tp->snd_wnd != wnd;
		tp->snd_wnd = wnd;
		tp->max_window = MAX(tp->max_window, wnd);
		tp->snd_wl1 = cb->seq;
		tp->snd_wl2 = ack;
	}
	uint32_t acked = ack - tp->snd_una;
	/* Linux tcp_ack: the SACK blocks mark the scoreboard before the
	 * cumulative ACK cleans the queue (tcp_sacktag_write_queue). */
	uint32_t prior_fack = tcp_is_sack(tp) ? tcp_highest_sack_seq(tp) : tp->snd_una;
	bool dsacking = cb->sack_off && tcp_is_sack(tp) && tcp_sacktag_write_queue(sk, skb);
	if (acked == 0) {
		/* RFC 5681 §2: a duplicate ACK carries no data, no SYN/FIN, the same
		 * window, while data is outstanding.  With SACK the scoreboard,
		 * not the count of duplicates, drives recovery (RFC 6675 §5):
		 * every ACK while data is outstanding goes to it. */
		if (tp->snd_max != tp->snd_una &&
		    (tcp_is_sack(tp) ||
		     (skb->len == 0 && !(cb->flags & (TCPHDR_SYN | TCPHDR_FIN)) && !win_changed)))
			tcp_cong_on_ack(sk, 0, 0, -1, true, ack);
		else if (dsacking && tp->snd_max == tp->snd_una)
			tcp_undo_dsack_no_queue(sk); /* Linux tcp_ack's no_queue */
		if (tp->snd_wnd > 0 && tp->persist_timer) {
			sim_cancel(sk->host->sim, tp->persist_timer);
			tp->persist_timer = 0;
		}
		return true;
	}
	sim_time_t rtt = -1;
	uint32_t pkts = 0; /* segments acked, not a SYN (FLAG_DATA_ACKED) */
	struct sk_buff *q;
	bool retrans_acked = false;   /* Linux FLAG_RETRANS_DATA_ACKED */
	uint32_t reord = tp->snd_nxt; /* the lowest original acked not SACKed */
	uint32_t prior_packets = tp->packets_out;
	while ((q = skb_peek(&sk->sk_write_queue)) != NULL && !after(TCP_SKB_CB(q)->end_seq, ack)) {
		retrans_acked |= TCP_SKB_CB(q)->retransmitted;
		if (!TCP_SKB_CB(q)->retransmitted &&
		    !(TCP_SKB_CB(q)->sacked & TCPCB_SACKED_ACKED) &&
		    before(TCP_SKB_CB(q)->seq, reord))
			reord = TCP_SKB_CB(q)->seq;
		/* Linux tcp_clean_rtx_queue: an original below high_seq
		 * (F-RTO's step 3b, tcp_process_loss) */
		if (!TCP_SKB_CB(q)->retransmitted &&
		    !(TCP_SKB_CB(q)->sacked & TCPCB_SACKED_ACKED) &&
		    !after(TCP_SKB_CB(q)->end_seq, tp->recover))
			tp->ack_flag |= TCP_FLAG_ORIG_SACK_ACKED;
		if (!TCP_SKB_CB(q)->retransmitted && TCP_SKB_CB(q)->when) /* Karn's rule */
			rtt = host_now(sk->host) - TCP_SKB_CB(q)->when;
		if (!(TCP_SKB_CB(q)->flags & TCPHDR_SYN))
			pkts++;
		if (q == tp->send_hint)
			tp->send_hint = NULL;
		tcp_sack_skb_acked(sk, q, tcp_skb_pcount(tp, q));
		skb_unlink(q, &sk->sk_write_queue);
		sk->sk_wmem_alloc -= sock_skb_truesize(q);
		skb_consume(q);
	}
	if (q && before(TCP_SKB_CB(q)->seq, ack)) {
		/* Partly acknowledged: keep only the rest (Linux tcp_tso_acked:
		 * the segments acknowledged leave the scoreboard). */
		uint32_t pcount = tcp_skb_pcount(tp, q);
		skb_pull(q, ack - TCP_SKB_CB(q)->seq);
		TCP_SKB_CB(q)->seq = ack;
		tcp_sack_skb_acked(sk, q, pcount - tcp_skb_pcount(tp, q));
	}
	uint32_t prior_snd_una = tp->snd_una;
	tp->pkts_acked = prior_packets - tp->packets_out;
	/* Linux tcp_clean_rtx_queue: the ACK stops at a segment SACKed
	 * before, which the receiver must have dropped since */
	if (q && (TCP_SKB_CB(q)->sacked & TCPCB_SACKED_ACKED))
		tp->ack_flag |= TCP_FLAG_SACK_RENEGING;
	tp->snd_una = ack;
	tp->ack_flag |= TCP_FLAG_SND_UNA_ADVANCED | (pkts ? TCP_FLAG_DATA_ACKED : 0);
	/* Non-retransmitted hole got filled? That's reordering
	 * (tcp_clean_rtx_queue; stack/tcp_reorder.c) */
	if (tcp_is_sack(tp) && before(reord, prior_fack))
		tcp_check_sack_reordering(sk, reord, false);
	tcp_urg_acked(sk, prior_snd_una);
	if (before(tp->snd_nxt, ack))
		tp->snd_nxt = ack;
	tp->retransmits = 0;
	/* Karn's rule as Linux applies it (tcp_clean_rtx_queue, 6.6): an ACK
	 * that covers a retransmission gives no RTT sample at all, not even
	 * from the older originals it also covers (after a long recovery
	 * their send times are seconds old) */
	if (retrans_acked)
		rtt = -1;
	if (rtt < 0)
		rtt = tcp_ts_rtt(sk); /* RFC 7323 §4: from TSecr (tcp_ack_update_rtt) */
	if (rtt >= 0)
		tcp_rtt_sample(sk, rtt);
	tcp_cong_on_ack(sk, acked, pkts, rtt, false, ack);
	if (!(tp->ack_flag & TCP_FLAG_XMIT_TIMER_SET))
		tcp_rearm_rto(sk);
	if (tp->snd_wnd > 0 && tp->persist_timer) {
		sim_cancel(sk->host->sim, tp->persist_timer);
		tp->persist_timer = 0;
	}
	NS_CHECK(tcp_check(sk, "tcp_ack"));
	return true;
}

/*
 * Linux tcp_check_space (6.6), from tcp_data_snd_check after each segment:
 * only when a writer ran out of room (SOCK_NOSPACE: tcp_sendmsg's
 * wait_for_space, tcp_poll), tcp_new_space grows sk_sndbuf
 * (stack/tcp_rcvbuf.c) and calls sk_write_space, which for TCP is
 * sk_stream_write_space: the writer wakes once half of what is queued is
 * free, not at each ACK that frees a segment.
 */
static void
tcp_check_space(struct sock *sk)
{
	if (!sk->sk_nospace)
		return;
	tcp_new_space(sk);
	sk->sk_write_space(sk);
}

/* An acceptable RST (RFC 9293 §3.10.7.4, second step; Linux tcp_reset). */
static void
tcp_reset(struct sock *sk)
{
	switch (sk->sk_state) {
	case TCP_SYN_SENT: sk->sk_err = ECONNREFUSED; break;
	case TCP_CLOSE_WAIT: sk->sk_err = EPIPE; break;
	case TCP_SYN_RECV: break; /* a half-open child just disappears */
	default: sk->sk_err = ECONNRESET; tcp_mib_mut(sk->host)->estab_resets++;
	}
	tcp_done(sk);
}

/*
 * RFC 9293 §3.10.7.4, first step: is the segment in the receive window?
 * Three tests fold the RFC's four cases (zero or non-zero length, zero or
 * non-zero window) into one: a segment that starts at rcv_nxt always
 * passes; otherwise it must not end before rcv_nxt nor start beyond the
 * window's right edge, and with the window closed it must carry nothing.
 * Worked example, rcv_nxt = 1000 and rcv_wup = 1500 (wnd = 500):
 *
 *   seq  end_seq  passes  why
 *   1000 1100     yes     starts at rcv_nxt (the in-order case)
 *   1200 1300     yes     inside the window (it goes to the out-of-order queue)
 *    900 1000     yes     ends at rcv_nxt: old data, dropped as such later
 *    800  900     no      all before rcv_nxt: SKB_DROP_TCP_OLD_DATA, an ACK sent
 *   1600 1700     no      starts beyond 1500: SKB_DROP_TCP_OVERWINDOW, an ACK sent
 *
 * With the window closed (rcv_wup = rcv_nxt = 1000, wnd = 0): an ACK
 * (1000, 1000) or a zero-window probe (1000, 1001) starts at rcv_nxt and
 * passes; a retransmission (999, 1000) fails the last test.
 */
static bool
tcp_sequence_ok(const struct tcp_sock *tp, const struct tcp_skb_cb *cb)
{
	uint32_t wnd = after(tp->rcv_wup, tp->rcv_nxt) ? tp->rcv_wup - tp->rcv_nxt : 0;
	if (cb->seq == tp->rcv_nxt)
		return true;
	return !before(cb->end_seq, tp->rcv_nxt) && !after(cb->seq, tp->rcv_nxt + wnd) &&
		!(wnd == 0 && cb->end_seq != cb->seq);
}

/* RFC 9293 §3.10.7.3; Linux tcp_rcv_synsent_state_process. */
static int
tcp_synsent_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
	bool ack = cb->flags & TCPHDR_ACK;
	if (ack && (!after(cb->ack_seq, tp->iss) || after(cb->ack_seq, tp->snd_nxt))) {
		if (!(cb->flags & TCPHDR_RST))
			tcp_send_reset(sk->host, skb);
		skb_drop(skb, SKB_DROP_TCP_OLD_ACK);
		return NET_RX_DROP;
	}
	if (cb->flags & TCPHDR_RST) {
		if (ack)
			tcp_reset(sk);
		skb_drop(skb, SKB_DROP_TCP_RESET);
		return NET_RX_DROP;
	}
	if (!(cb->flags & TCPHDR_SYN)) {
		skb_drop(skb, SKB_DROP_TCP_FLAGS);
		return NET_RX_DROP;
	}
	tp->irs = cb->seq;
	tp->rcv_nxt = cb->seq + 1;
	tp->rcv_wup = tp->rcv_nxt;
	tp->snd_wnd = tp->max_window = cb->window;
	tp->snd_wl1 = cb->seq;
	tp->snd_wl2 = cb->ack_seq;
	tp->mss = MIN(tp->advmss, cb->mss ? cb->mss : TCP_MSS_DEFAULT);
	tcp_wscale_negotiate(sk, cb->wscale);
	tcp_sack_negotiate(sk, cb);
	tcp_ts_negotiate(sk, &tp->rx_opt, true);
	tcp_ecn_rcv_synack(sk, ack ? cb->flags : 0);
	tcp_cong_init(sk);
	if (ack) {
		struct sk_buff *syn = skb_dequeue(&sk->sk_write_queue);
		tp->send_hint = NULL;
		sim_time_t rtt = TCP_SKB_CB(syn)->retransmitted
			? tcp_ts_rtt(sk)
			: host_now(sk->host) - TCP_SKB_CB(syn)->when;
		if (rtt >= 0)
			tcp_rtt_sample(sk, rtt);
		sk->sk_wmem_alloc -= sock_skb_truesize(syn);
		skb_consume(syn);
		tp->snd_una = cb->ack_seq;
		tp->retransmits = 0;
		tcp_set_state(sk, TCP_ESTABLISHED);
		tcp_initialize_rcv_mss(sk);
		tcp_init_buffer_space(sk);	 /* tcp_init_transfer */
		tcp_init_congestion_control(sk); /* tcp_init_transfer */
		tcp_rearm_rto(sk);
		tcp_send_ack(sk);
		sk->sk_state_change(sk);
		skb_consume(skb);
		tcp_write_xmit(sk);
		return NET_RX_SUCCESS;
	}
	/* Simultaneous open (RFC 9293 §3.5 figure 8): our SYN becomes a SYN-ACK. */
	tcp_set_state(sk, TCP_SYN_RECV);
	struct sk_buff *syn = skb_peek(&sk->sk_write_queue);
	TCP_SKB_CB(syn)->flags |= TCPHDR_ACK;
	tcp_resend_skb(sk, syn); /* Linux tcp_send_synack: no host-queue check */
	skb_consume(skb);
	return NET_RX_SUCCESS;
}

/* ---- the state machine ---------------------------------------------------------------- */

static int
tcp_rcv_state_process(struct sock *sk, struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
	switch (sk->sk_state) {
	case TCP_LISTEN: return tcp_conn_request(sk, skb);
	case TCP_SYN_SENT: return tcp_synsent_rcv(sk, skb);
	case TCP_TIME_WAIT: return tcp_timewait_state_process(sk, skb);
	case TCP_CLOSE: skb_drop(skb, SKB_DROP_TCP_CLOSE); return NET_RX_DROP;
	default: break;
	}
	/* Simultaneous open: the peer's SYN-ACK in SYN_RECV acts as the ACK (Linux). */
	if (sk->sk_state == TCP_SYN_RECV && (cb->flags & TCPHDR_SYN) && (cb->flags & TCPHDR_ACK) &&
	    cb->seq + 1 == tp->rcv_nxt && cb->ack_seq == tp->snd_nxt) {
		cb->flags &= (uint8_t)~TCPHDR_SYN;
		cb->seq++;
	}
	if (tcp_paws_discard(sk, skb)) { /* RFC 7323 §5.3: PAWS first (tcp_timestamps.c) */
		tcp_send_oow_ack(sk, skb);
		skb_drop(skb, SKB_DROP_TCP_RFC7323_PAWS);
		return NET_RX_DROP;
	}
	if (!tcp_sequence_ok(tp, cb)) {
		if (!(cb->flags & TCPHDR_RST))
			tcp_send_oow_ack(sk, skb);
		skb_drop(skb,
			 before(cb->seq, tp->rcv_nxt) ? SKB_DROP_TCP_OLD_DATA
						      : SKB_DROP_TCP_OVERWINDOW);
		return NET_RX_DROP;
	}
	if (cb->flags & TCPHDR_RST) {
		/*
		 * RFC 5961 §3.2 (Linux tcp_validate_incoming): only a RST at
		 * exactly rcv_nxt resets the connection; one elsewhere in the
		 * window may be blind spoofing, and is answered with a challenge
		 * ACK that a real peer's stack answers with a RST at rcv_nxt.
		 */
		if (cb->seq != tp->rcv_nxt) {
			tcp_send_oow_ack(sk, skb);
			skb_drop(skb, SKB_DROP_TCP_RESET);
			return NET_RX_DROP;
		}
		tcp_reset(sk);
		skb_drop(skb, SKB_DROP_TCP_RESET);
		return NET_RX_DROP;
	}
	if (cb->flags & TCPHDR_SYN) {
		tcp_send_oow_ack(sk, skb); /* RFC 5961 §4.2: challenge ACK */
		skb_drop(skb, SKB_DROP_TCP_FLAGS);
		return NET_RX_DROP;
	}
	if (!(cb->flags & TCPHDR_ACK)) {
		skb_drop(skb, SKB_DROP_TCP_FLAGS);
		return NET_RX_DROP;
	}
	if (sk->sk_state == TCP_SYN_RECV) {
		if (!after(cb->ack_seq, tp->snd_una) || after(cb->ack_seq, tp->snd_nxt)) {
			tcp_send_reset(sk->host, skb);
			skb_drop(skb, SKB_DROP_TCP_OLD_ACK);
			return NET_RX_DROP;
		}
		struct tcp_sock *lp = tp->parent;
		if (lp && (int)g_queue_get_length(&lp->accept_queue) > lp->max_backlog) {
			/* Linux tcp_v4_syn_recv_sock: the accept queue is full, so
			 * the ACK is dropped; our SYN-ACK will be retransmitted. */
			tcp_mib_mut(sk->host)->listen_overflows++;
			tcp_mib_mut(sk->host)->listen_drops++;
			skb_drop(skb, SKB_DROP_TCP_LISTEN_OVERFLOW);
			return NET_RX_DROP;
		}
		tcp_set_state(sk, TCP_ESTABLISHED);
		tcp_initialize_rcv_mss(sk);
		tcp_init_buffer_space(sk);	 /* tcp_init_transfer */
		tcp_init_congestion_control(sk); /* tcp_init_transfer */
		tp->snd_wl1 = cb->seq - 1;	 /* so that tcp_ack takes the window */
		if (lp) {
			lp->syn_backlog--;
			g_queue_push_tail(&lp->accept_queue, tp);
			lp->sk.sk_data_ready(&lp->sk);
		}
		sk->sk_state_change(sk);
	}
	uint32_t prior_delivered = tcp_sk(sk)->delivered;
	if (!tcp_ack(sk, skb)) {
		skb_drop(skb, SKB_DROP_TCP_OLD_ACK);
		return NET_RX_DROP;
	}
	/* Linux tcp_newly_delivered: TCPDeliveredCE (tcp_ecn.c) */
	tcp_ecn_delivered_ce(sk, TCP_SKB_CB(skb)->flags, tcp_sk(sk)->delivered - prior_delivered);
	switch (sk->sk_state) {
	case TCP_FIN_WAIT1:
		if (tcp_fin_acked(sk)) {
			tcp_set_state(sk, TCP_FIN_WAIT2);
			if (sk->dead)
				tcp_time_wait(sk, TCP_FIN_WAIT2); /* orphan: tcp_fin_timeout */
			sk->sk_state_change(sk);
		}
		break;
	case TCP_CLOSING:
		if (tcp_fin_acked(sk))
			tcp_time_wait(sk, TCP_TIME_WAIT);
		break;
	case TCP_LAST_ACK:
		if (tcp_fin_acked(sk)) {
			skb_consume(skb);
			tcp_done(sk);
			return NET_RX_SUCCESS;
		}
		break;
	default: break;
	}
	/* New data after close(): RFC 1122 §4.2.2.13 says the receiver MUST send
	 * a RST, and Linux does (tcp_rcv_state_process, LINUX_MIB_TCPABORTONDATA).
	 * This is what turns the peer's next write into EPIPE / ECONNRESET. */
	if ((sk->sk_state == TCP_FIN_WAIT1 || sk->sk_state == TCP_FIN_WAIT2) &&
	    (sk->sk_shutdown & RCV_SHUTDOWN) && skb->len > 0 &&
	    after(cb->end_seq - ((cb->flags & TCPHDR_FIN) ? 1 : 0), tp->rcv_nxt)) {
		tcp_send_reset(sk->host, skb);
		tcp_reset(sk);
		skb_drop(skb, SKB_DROP_SOCKET_CLOSE);
		return NET_RX_DROP;
	}
	tcp_urg(sk, skb); /* step six: check the URG bit (stack/tcp_urg.c) */
	bool data = skb->len > 0 || (cb->flags & TCPHDR_FIN);
	if (data &&
	    (sk->sk_state == TCP_ESTABLISHED || sk->sk_state == TCP_FIN_WAIT1 ||
	     sk->sk_state == TCP_FIN_WAIT2 || (sk->sk_state == TCP_TIME_WAIT && sk->dead)))
		tcp_data_queue(sk, skb);
	else
		skb_consume(skb);
	/* Data first, so that it carries the ACK; then the ACK, if still due
	 * (Linux tcp_data_snd_check, tcp_ack_snd_check). */
	if (sk->sk_state != TCP_CLOSE) {
		tcp_write_xmit(sk);
		tcp_check_space(sk);
		tcp_ack_snd_check(sk);
	}
	return NET_RX_SUCCESS;
}

/* ---- entry from IP --------------------------------------------------------------------- */

/* The IP protocol handler.  skb->data is at the TCP header.  Context:
 * bottom halves off (as udp_rcv; there is no socket backlog here, which
 * Linux's tcp_v4_do_rcv runs in process context at release_sock);
 * asserted in the checked build.  Consumes @skb. */
int
tcp_v4_rcv(struct sk_buff *skb)
{
	struct host *host = skb->host;
	CPU_ASSERT_BH(host->cpu);
	host_charge(host, COST_TCP_RCV);
	/* no rx-checksumming: tcp_checksum_complete sums it in software */
	if (skb->ip_summed == CHECKSUM_NONE)
		skb_csum_charge(host, skb->len, "tcp_checksum_complete");
	if (!host->tcp) {
		skb_drop(skb, SKB_DROP_NO_SOCKET);
		return NET_RX_DROP;
	}
	struct tcp_mib *mib = tcp_mib_mut(host);
	mib->in_segs++;
	if (!skb_may_pull(skb, TCP_HLEN)) {
		mib->in_errs++;
		skb_drop(skb, SKB_DROP_TCP_INVALID);
		return NET_RX_DROP;
	}
	const struct tcphdr *th = (const struct tcphdr *)skb->data;
	uint32_t hlen = (uint32_t)(th->doff_res >> 4) * 4;
	if (hlen < TCP_HLEN || hlen > skb->len) {
		mib->in_errs++;
		skb_drop(skb, SKB_DROP_TCP_INVALID);
		return NET_RX_DROP;
	}
	const struct iphdr *iph = ip_hdr(skb);
	uint32_t saddr = ntohl(iph->saddr), daddr = ntohl(iph->daddr);
	/* tcp_checksum_complete (include/net/tcp.h): sums unless skb_csum_unnecessary */
	if (!skb_csum_unnecessary(skb) &&
	    csum_tcpudp_magic(saddr, daddr, skb->len, IPPROTO_TCP,
			      csum_partial(skb->data, skb->len, 0)) != 0) {
		mib->in_errs++;
		skb_drop(skb, SKB_DROP_TCP_CSUM);
		return NET_RX_DROP;
	}
	struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
	memset(cb, 0, sizeof *cb);
	cb->wscale = -1;
	cb->seq = ntohl(th->seq);
	cb->ack_seq = ntohl(th->ack_seq);
	cb->flags = th->flags;
	cb->ip_dsfield = iph->tos;
	cb->window = ntohs(th->window);
	cb->saddr = saddr;
	cb->daddr = daddr;
	cb->sport = ntohs(th->source);
	cb->dport = ntohs(th->dest);
	cb->end_seq = cb->seq + (skb->len - hlen) + !!(th->flags & TCPHDR_SYN) +
		!!(th->flags & TCPHDR_FIN);
	if (hlen > TCP_HLEN)
		tcp_parse_options(skb, th, hlen);
	struct sock *sk = tcp_lookup(host, daddr, cb->dport, saddr, cb->sport);
	if (!sk) {
		if (!(cb->flags & TCPHDR_RST))
			tcp_send_reset(host, skb);
		skb_drop(skb, SKB_DROP_NO_SOCKET);
		return NET_RX_DROP;
	}
	tcp_ts_parse(sk, skb);		     /* Linux tcp_fast_parse_options */
	if (sk->sk_state == TCP_ESTABLISHED) /* tcp_v4_do_rcv (RFS) */
		sock_rps_save_rxhash(sk, skb);
	skb_pull(skb, hlen);
	skb_handoff(skb, LAYER_TCP, "tcp_rcv_state_process");
	sock_hold(sk);
	int rc = tcp_rcv_state_process(sk, skb);
	NS_CHECK(tcp_check_at_rest(sk, "tcp_v4_rcv"));
	sock_put(sk);
	return rc;
}
