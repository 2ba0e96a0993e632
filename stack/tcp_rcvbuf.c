/*
 * stack/tcp_rcvbuf.c - receive memory, the advertised window and buffer
 * autotuning, as Linux 6.6 runs them.
 *
 * Linux counterpart: net/ipv4/tcp_input.c ("Buffer size and advertised
 * window tuning": tcp_sndbuf_expand, __tcp_grow_window, tcp_grow_window,
 * tcp_init_buffer_space, tcp_clamp_window; the receiver autotuning of
 * Dynamic Right-Sizing: tcp_rcv_rtt_update, tcp_rcv_rtt_measure,
 * tcp_rcv_rtt_measure_ts, tcp_rcv_space_adjust; tcp_measure_rcv_mss's
 * scaling_ratio; tcp_try_rmem_schedule, tcp_prune_queue; tcp_new_space),
 * net/ipv4/tcp_output.c (tcp_select_initial_window, __tcp_select_window,
 * tcp_select_window), include/net/tcp.h (tcp_win_from_space, tcp_space,
 * tcp_full_space).  RFC 9293 §3.8.6.2.2 (receiver silly window
 * avoidance; a window is not shrunk), RFC 7323 §2 (window scale).
 *
 * Memory: an in-order or out-of-order segment is charged to sk_rmem_alloc
 * by its truesize (skb_set_owner_r), as UDP's datagrams are, not by its
 * payload; sk_rcvbuf bounds that memory.  The window offered is a share of
 * the free memory: tcp_win_from_space scales bytes of memory by
 * scaling_ratio, the payload/truesize ratio of the last full segments
 * (1/2 until one is seen; Linux 6.5 replaced tcp_adv_win_scale by it).
 *
 * Growth: the window starts at rcv_ssthresh, about 64 KB (the SYN's
 * window, tcp_select_initial_window), and tcp_grow_window raises
 * rcv_ssthresh by two segments per in-order segment whose truesize would
 * still fit the buffer if all were like it; segments with a poor
 * payload/truesize ratio (small ones) stop it.  window_clamp bounds it.
 * Autotuning (tcp_moderate_rcvbuf): once per receiver RTT the reader's
 * bytes of that RTT decide sk_rcvbuf (twice of it, more in slow start), up
 * to tcp_rmem[2], and window_clamp follows; SO_RCVBUF (SOCK_RCVBUF_LOCK)
 * turns it off.  The send side: tcp_sndbuf_expand sets sk_sndbuf to two
 * cwnds of Linux's per-segment estimate, up to tcp_wmem[2].
 *
 * kernel = bsd-1996 keeps 4.4BSD's rule: the window is the free buffer in
 * payload bytes (sbspace), no rcv_ssthresh, no autotuning.
 *
 * Not modelled (docs/sockets-and-tcp.md): global TCP memory pressure
 * (tcp_mem, tcp_adjust_rcv_ssthresh), receive-queue collapsing
 * (tcp_collapse, tcp_try_coalesce), tcp_shrink_window (0 by default).
 */
#include "stack/tcp.h"

#include "stack/host.h"
#include "stack/netdevice.h"

static bool
tcp_rcvbuf_bsd(const struct sock *sk)
{
	return tcp_bsd_delack(sk);
}

/*
 * The truesize TCP charges for a received skb.  A GRO aggregate is one
 * linear buffer of 64 KB in netsim (stack/gro.c) where Linux chains each
 * merged frame's buffer (skb_gro_receive adds their truesize); it is
 * charged as Linux's would be, one frame buffer per segment.  The figure
 * depends on fields a pull does not change, so it stays the same while the
 * skb is queued.
 */
uint32_t
tcp_rmem_truesize(const struct sk_buff *skb)
{
	uint32_t t = sock_skb_truesize(skb);
	if (skb->gso_segs > 1 && skb->gso_size) {
		const struct tcphdr *th = tcp_hdr(skb);
		uint32_t hdr = (uint32_t)((const unsigned char *)th - skb->head) +
			(uint32_t)(th->doff_res >> 4) * 4;
		uint32_t per = hdr + skb->gso_size + SKB_TRUESIZE_OVERHEAD;
		t = MIN(t, (uint32_t)skb->gso_segs * per);
	}
	return t;
}

void
tcp_rmem_charge(struct sock *sk, struct sk_buff *skb)
{
	skb->sk = sk;
	sk->sk_rmem_alloc += tcp_rmem_truesize(skb);
}

void
tcp_rmem_uncharge(struct sock *sk, struct sk_buff *skb)
{
	uint32_t t = tcp_rmem_truesize(skb);
	g_assert(sk->sk_rmem_alloc >= t);
	sk->sk_rmem_alloc -= t;
}

/* include/net/tcp.h __tcp_win_from_space: bytes of memory to bytes of window. */
int
tcp_win_from_space(const struct sock *sk, int64_t space)
{
	if (tcp_rcvbuf_bsd(sk))
		return (int)space;
	return (int)((space * tcp_sk(sk)->scaling_ratio) >> TCP_RMEM_TO_WIN_SCALE);
}

/* __tcp_space_from_win, its inverse */
static int64_t
tcp_space_from_win(const struct sock *sk, uint64_t win)
{
	return (int64_t)((win << TCP_RMEM_TO_WIN_SCALE) / tcp_sk(sk)->scaling_ratio);
}

/* tcp_space: the window the free memory allows (4.4BSD sbspace: free
 * payload bytes) */
int
tcp_space(const struct sock *sk)
{
	if (tcp_rcvbuf_bsd(sk))
		return (int)((int64_t)sk->sk_rcvbuf - (int64_t)sk->sk_receive_queue.bytes -
			     (int64_t)tcp_sk(sk)->ofo_queue.bytes);
	return tcp_win_from_space(sk, (int64_t)sk->sk_rcvbuf - sk->sk_rmem_alloc);
}

int
tcp_full_space(const struct sock *sk)
{
	return tcp_win_from_space(sk, sk->sk_rcvbuf);
}

/*
 * tcp_output.c tcp_select_initial_window (with tcp_connect_init's and
 * tcp_openreq_init_rwin's window_clamp for SO_RCVBUF): the SYN's window,
 * the buffer's share rounded down to whole @mss and at most 65535 (the
 * SYN's window is not scaled), and the window scale: the shift that lets
 * the window reach tcp_rmem[2] (7 at Linux's defaults), or the locked
 * buffer.  rcv_ssthresh starts at that window.
 */
void
tcp_select_initial_window(struct sock *sk, uint32_t mss)
{
	struct tcp_sock *tp = tcp_sk(sk);
	const struct tcp_config *cfg = tcp_config(sk->host);
	if (tcp_rcvbuf_bsd(sk)) {
		/* as before autotuning: the whole buffer, the smallest shift */
		tp->rcv_wnd = sk->sk_rcvbuf;
		tp->rcv_wscale = 0;
		while (tp->rcv_wscale < TCP_MAX_WSCALE &&
		       (65535u << tp->rcv_wscale) < sk->sk_rcvbuf)
			tp->rcv_wscale++;
		tp->window_clamp = tp->rcv_ssthresh = 65535u << tp->rcv_wscale;
		return;
	}
	if (!tp->scaling_ratio)
		tp->scaling_ratio = TCP_DEFAULT_SCALING_RATIO;
	uint32_t full = (uint32_t)MAX(tcp_full_space(sk), 0);
	uint32_t clamp = (sk->sk_userlocks & SOCK_RCVBUF_LOCK) ? full : 65535u << TCP_MAX_WSCALE;
	uint32_t space = MIN(clamp, full);
	if (mss && space > mss)
		space = space / mss * mss;
	tp->rcv_wnd = MIN(space, 65535u);
	space = MAX(space, cfg->rmem[2]);
	space = MAX(space, SOCK_RMEM_MAX);
	space = MIN(space, clamp);
	int wscale = space ? (int)g_bit_storage(space) - 1 - 15 : 0; /* ilog2 - 15 */
	tp->rcv_wscale = (uint8_t)CLAMP(wscale, 0, TCP_MAX_WSCALE);
	tp->window_clamp = MIN((uint32_t)65535u << tp->rcv_wscale, clamp);
	tp->rcv_ssthresh = tp->rcv_wnd;
}

/*
 * tcp_input.c tcp_sndbuf_expand: room for two congestion windows (RFC
 * 5681 §3.2 fast recovery; CUBIC needs 1.7) of Linux's worst-case
 * per-segment memory, a power-of-two head of MSS + MAX_TCP_HEADER (320) +
 * skb_shared_info (320), plus the sk_buff; up to tcp_wmem[2].
 */
void
tcp_sndbuf_expand(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t per_mss = MAX(tp->advmss, tp->mss) + 320 + 320;
	per_mss = (1u << g_bit_storage(per_mss - 1)) + SKB_TRUESIZE_OVERHEAD;
	uint32_t nr_segs = MAX(TCP_INIT_CWND, tp->cwnd / MAX(tp->mss, 1u));
	nr_segs = MAX(nr_segs, (uint32_t)TCP_FASTRETRANS_THRESH + 1);
	uint64_t sndmem = 2ull * nr_segs * per_mss;
	if (sk->sk_sndbuf < sndmem)
		sk->sk_sndbuf = (uint32_t)MIN(sndmem, (uint64_t)tcp_config(sk->host)->wmem[2]);
}

/*
 * tcp_input.c tcp_new_space / tcp_should_expand_sndbuf, from
 * tcp_check_space (tcp_input.c) while a writer that filled the buffer
 * waits for room (SOCK_NOSPACE: sk->sk_nospace): grow
 * sk_sndbuf unless SO_SNDBUF set it or cwnd is full.  No global memory
 * pressure in netsim.
 */
void
tcp_new_space(struct sock *sk)
{
	if (tcp_rcvbuf_bsd(sk) || (sk->sk_userlocks & SOCK_SNDBUF_LOCK))
		return;
	struct tcp_sock *tp = tcp_sk(sk);
	if (tcp_packets_in_flight(tp) >= tp->cwnd / MAX(tp->mss, 1u))
		return;
	tcp_sndbuf_expand(sk);
}

/*
 * tcp_input.c tcp_init_buffer_space, at ESTABLISHED (tcp_init_transfer):
 * sk_sndbuf for the initial cwnd, window_clamp at the whole buffer's
 * window less one segment (tcp_app_win 31 reserves nothing more),
 * rcv_ssthresh within it, and the first DRS measure (rcvq_space: ten
 * segments at most).  Without window scaling the clamp is 65535
 * (tcp_rcv_synsent_state_process).
 */
void
tcp_init_buffer_space(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (tcp_rcvbuf_bsd(sk))
		return;
	if (!(sk->sk_userlocks & SOCK_SNDBUF_LOCK))
		tcp_sndbuf_expand(sk);
	if (!tp->wscale_ok)
		tp->window_clamp = MIN(tp->window_clamp, 65535u);
	tp->rcvq_space.time = host_now(sk->host);
	tp->rcvq_space.seq = tcp_copied_seq(sk);
	uint32_t maxwin = (uint32_t)MAX(tcp_full_space(sk), 0);
	if (tp->window_clamp >= maxwin) {
		tp->window_clamp = maxwin;
		if (maxwin > 4 * tp->advmss)
			tp->window_clamp = MAX(maxwin - (maxwin >> TCP_APP_WIN), 4 * tp->advmss);
	}
	/* Force reservation of one segment. */
	if (tp->window_clamp > 2 * tp->advmss && tp->window_clamp + tp->advmss > maxwin)
		tp->window_clamp = MAX(2 * tp->advmss, maxwin - tp->advmss);
	tp->rcv_ssthresh = MIN(tp->rcv_ssthresh, tp->window_clamp);
	tp->rcvq_space.space = MIN(MIN(tp->rcv_ssthresh, tp->rcv_wnd), TCP_INIT_CWND * tp->advmss);
}

/* tcp_input.c tcp_rcv_rtt_update: a windowed sample (no timestamps) only
 * lowers the estimate; a timestamp sample is smoothed by 1/8. */
static void
tcp_rcv_rtt_update(struct tcp_sock *tp, uint32_t sample, bool win_dep)
{
	uint32_t new_sample = tp->rcv_rtt_est.rtt_us;
	int64_t m = sample;
	if (new_sample != 0) {
		if (!win_dep) {
			m -= (new_sample >> 3);
			new_sample = (uint32_t)((int64_t)new_sample + m);
		} else {
			m <<= 3;
			if (m < new_sample)
				new_sample = (uint32_t)m;
		}
	} else {
		new_sample = (uint32_t)(m << 3);
	}
	tp->rcv_rtt_est.rtt_us = new_sample;
}

/* tcp_input.c tcp_rcv_rtt_measure: without timestamps, the time to receive
 * one window's worth of data is an RTT. */
static void
tcp_rcv_rtt_measure(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	sim_time_t now = host_now(sk->host);
	if (tp->rcv_rtt_est.time != 0) {
		if (before(tp->rcv_nxt, tp->rcv_rtt_est.seq))
			return;
		sim_time_t d = (now - tp->rcv_rtt_est.time) / 1000;
		tcp_rcv_rtt_update(tp, d > 0 ? (uint32_t)MIN(d, (sim_time_t)UINT32_MAX / 16) : 1,
				   true);
	}
	tp->rcv_rtt_est.seq = tp->rcv_nxt + tp->rcv_wnd;
	tp->rcv_rtt_est.time = now;
}

/* tcp_input.c tcp_rcv_rtt_measure_ts: a full segment echoing a new TSecr
 * gives an RTT sample (ms ticks, Linux 6.6's TCP_TS_HZ). */
void
tcp_rcv_rtt_measure_ts(struct sock *sk, const struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (tcp_rcvbuf_bsd(sk) || !tp->rx_opt.saw_tstamp ||
	    tp->rx_opt.rcv_tsecr == tp->rcv_rtt_last_tsecr)
		return;
	tp->rcv_rtt_last_tsecr = tp->rx_opt.rcv_tsecr;
	const struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
	if (cb->end_seq - cb->seq >= tp->icsk_ack.rcv_mss) {
		uint32_t delta = tcp_time_stamp(sk) - tp->rx_opt.rcv_tsecr;
		if (delta < INT32_MAX / (1000000 / TCP_TS_HZ))
			tcp_rcv_rtt_update(tp, MAX(delta, 1u) * (1000000 / TCP_TS_HZ), false);
	}
}

/*
 * In-order data arrived, before tcp_event_data_recv measures rcv_mss
 * (tcp_measure_rcv_mss, Linux 6.5+): a segment of at least rcv_mss but not
 * of its size sets scaling_ratio from its payload/truesize; then the
 * windowed RTT measure (tcp_event_data_recv calls tcp_rcv_rtt_measure).
 */
void
tcp_rcvbuf_measure(struct sock *sk, const struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (tcp_rcvbuf_bsd(sk))
		return;
	uint32_t len = skb->gso_size ? skb->gso_size : skb->len;
	if (len >= tp->icsk_ack.rcv_mss && len != tp->icsk_ack.rcv_mss) {
		uint64_t val =
			((uint64_t)skb->len << TCP_RMEM_TO_WIN_SCALE) / tcp_rmem_truesize(skb);
		tp->scaling_ratio = (uint8_t)(val ? MIN(val, 255u) : 1);
	}
	tcp_rcv_rtt_measure(sk);
}

/* Slow part of check #2 (tcp_input.c __tcp_grow_window): would the buffer
 * hold the window rcv_ssthresh is heading for if every segment were like
 * this one?  Halve both until rcv_ssthresh passes the window. */
static uint32_t
__tcp_grow_window(const struct sock *sk, const struct sk_buff *skb, uint32_t skbtruesize)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	int truesize = tcp_win_from_space(sk, skbtruesize) >> 1;
	int window = tcp_win_from_space(sk, tcp_config(sk->host)->rmem[2]) >> 1;
	while ((int64_t)tp->rcv_ssthresh <= window) {
		if (truesize <= (int)skb->len)
			return 2 * tp->icsk_ack.rcv_mss;
		truesize >>= 1;
		window >>= 1;
	}
	return 0;
}

/*
 * tcp_input.c tcp_grow_window: in-order data of at least 128 bytes (and,
 * with SACK, out-of-order data) raises rcv_ssthresh by at least two
 * segments, up to what window_clamp and the free memory allow, if a
 * segment of this payload/truesize ratio can fill the buffer; each raise
 * asks for one quick ACK so that the sender sees the window soon.  (No
 * tcp_under_memory_pressure: netsim has no tcp_mem.)
 */
void
tcp_grow_window(struct sock *sk, const struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (tcp_rcvbuf_bsd(sk))
		return;
	int64_t room = (int64_t)MIN((int64_t)tp->window_clamp, (int64_t)tcp_space(sk)) -
		(int64_t)tp->rcv_ssthresh;
	if (room <= 0)
		return;
	uint32_t truesize = tcp_rmem_truesize(skb);
	uint32_t incr;
	if (tcp_win_from_space(sk, truesize) <= (int)skb->len)
		incr = 2 * tp->advmss;
	else
		incr = __tcp_grow_window(sk, skb, truesize);
	if (incr) {
		incr = MAX(incr, 2 * skb->len);
		tp->rcv_ssthresh += (uint32_t)MIN(room, (int64_t)incr);
		tp->icsk_ack.quick |= 1;
	}
}

/*
 * tcp_input.c tcp_rcv_space_adjust (Dynamic Right-Sizing), after a read:
 * once per receiver RTT, if the reader took more than in the last RTT,
 * sk_rcvbuf becomes the memory for twice that (losses) plus 16 segments,
 * more in proportion to the growth (the sender's slow start), at most
 * tcp_rmem[2]; window_clamp follows.  Not with tcp_moderate_rcvbuf = 0 or
 * after SO_RCVBUF.
 */
void
tcp_rcv_space_adjust(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (tcp_rcvbuf_bsd(sk) || sk->sk_state == TCP_CLOSE)
		return;
	sim_time_t now = host_now(sk->host);
	sim_time_t time_us = (now - tp->rcvq_space.time) / 1000;
	if (tp->rcv_rtt_est.rtt_us == 0 || time_us < (sim_time_t)(tp->rcv_rtt_est.rtt_us >> 3))
		return;
	uint32_t copied_seq = tcp_copied_seq(sk);
	uint32_t copied = copied_seq - tp->rcvq_space.seq;
	if (copied > tp->rcvq_space.space) {
		const struct tcp_config *cfg = tcp_config(sk->host);
		if (cfg->moderate_rcvbuf && !(sk->sk_userlocks & SOCK_RCVBUF_LOCK)) {
			uint64_t rcvwin = ((uint64_t)copied << 1) + 16ull * tp->advmss;
			uint64_t grow = rcvwin * (copied - tp->rcvq_space.space) /
				MAX(tp->rcvq_space.space, 1u);
			rcvwin += grow << 1;
			int64_t rcvbuf = MIN(tcp_space_from_win(sk, rcvwin), (int64_t)cfg->rmem[2]);
			if (rcvbuf > (int64_t)sk->sk_rcvbuf) {
				sk->sk_rcvbuf = (uint32_t)rcvbuf;
				tp->window_clamp = (uint32_t)tcp_win_from_space(sk, rcvbuf);
			}
		}
		tp->rcvq_space.space = copied;
	}
	tp->rcvq_space.seq = copied_seq;
	tp->rcvq_space.time = now;
}

/*
 * tcp_input.c tcp_clamp_window, from tcp_prune_queue when the queues'
 * memory has reached sk_rcvbuf: no more quick ACKs; an unlocked buffer
 * below tcp_rmem[2] grows to what is charged; if that is still over,
 * rcv_ssthresh falls to two segments.
 */
static void
tcp_clamp_window(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t rmem2 = tcp_config(sk->host)->rmem[2];
	tp->icsk_ack.quick = 0;
	if (sk->sk_rcvbuf < rmem2 && !(sk->sk_userlocks & SOCK_RCVBUF_LOCK))
		sk->sk_rcvbuf = MIN(sk->sk_rmem_alloc, rmem2);
	if (sk->sk_rmem_alloc > sk->sk_rcvbuf)
		tp->rcv_ssthresh = MIN(tp->window_clamp, 2 * tp->advmss);
}

/*
 * tcp_input.c tcp_try_rmem_schedule and tcp_prune_queue: may @skb be
 * queued?  Only when the memory already charged is over sk_rcvbuf is
 * anything done: tcp_clamp_window, and if the memory is still over, the
 * segment is dropped (Linux would first collapse the queues and prune
 * the out-of-order queue: not modelled).  4.4BSD: when its payload does
 * not fit the free buffer (sbspace).
 */
bool
tcp_try_rmem_schedule(struct sock *sk, const struct sk_buff *skb)
{
	if (tcp_rcvbuf_bsd(sk))
		return (int64_t)skb->len <= tcp_space(sk);
	if (sk->sk_rmem_alloc <= sk->sk_rcvbuf)
		return true;
	tcp_clamp_window(sk);
	return sk->sk_rmem_alloc <= sk->sk_rcvbuf;
}

/*
 * tcp_output.c __tcp_select_window (6.6, tcp_shrink_window = 0): the
 * window the free memory allows.  Below half the buffer's window it is
 * zero once less than an MSS (or 1/16 of the buffer) is free (receiver
 * SWS avoidance, RFC 9293 §3.8.6.2.2); else at most rcv_ssthresh; with
 * window scaling rounded up to the scale's unit, without it to whole
 * segments.  It may be less than what was already offered.
 */
uint32_t
__tcp_select_window(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (tcp_rcvbuf_bsd(sk)) { /* 4.4BSD tcp_output: the free buffer, SWS avoided */
		int64_t space = tcp_space(sk);
		if (space < (int64_t)MIN(tp->advmss, sk->sk_rcvbuf / 2))
			space = 0;
		space &= ~(int64_t)((1u << tp->rcv_wscale) - 1);
		return (uint32_t)MIN(space, (int64_t)65535 << tp->rcv_wscale);
	}
	/* rcv_mss is 0 before ESTABLISHED (a challenge ACK in SYN_RECV) */
	int mss = (int)MAX(tp->icsk_ack.rcv_mss, 1u);
	int free_space = tcp_space(sk);
	int allowed_space = tcp_full_space(sk);
	int full_space = (int)MIN((int64_t)tp->window_clamp, (int64_t)allowed_space);
	if (mss > full_space) {
		mss = full_space;
		if (mss <= 0)
			return 0;
	}
	if (free_space < (full_space >> 1)) {
		tp->icsk_ack.quick = 0;
		free_space &= ~((1 << tp->rcv_wscale) - 1); /* round_down */
		if (free_space < (allowed_space >> 4) || free_space < mss)
			return 0;
	}
	if (free_space > (int64_t)tp->rcv_ssthresh)
		free_space = (int)tp->rcv_ssthresh;
	uint32_t window;
	if (tp->rcv_wscale) {
		uint32_t unit = 1u << tp->rcv_wscale;
		window = ((uint32_t)free_space + unit - 1) & ~(unit - 1); /* ALIGN */
	} else {
		window = tp->rcv_wnd;
		if ((int64_t)window <= (int64_t)free_space - mss || (int64_t)window > free_space)
			window = (uint32_t)(free_space / mss * mss);
		else if (mss == full_space && free_space > (int64_t)window + (full_space >> 1))
			window = (uint32_t)free_space;
	}
	return window;
}

/*
 * The window to announce (tcp_output.c tcp_select_window): what
 * __tcp_select_window allows, but never less than what was already
 * offered (RFC 9293 §3.8.6.2.2; tcp_shrink_window = 0): the right edge
 * does not move back.  At most 65535 << rcv_wscale (RFC 7323).
 */
uint32_t
tcp_select_window(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	int64_t space = __tcp_select_window(sk);
	int64_t offered = after(tp->rcv_wup, tp->rcv_nxt) ? tp->rcv_wup - tp->rcv_nxt : 0;
	if (space < offered)
		space = (offered + (1 << tp->rcv_wscale) - 1) &
			~(int64_t)((1u << tp->rcv_wscale) - 1);
	return (uint32_t)MIN(space, (int64_t)65535 << tp->rcv_wscale);
}
