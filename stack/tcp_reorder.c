/*
 * stack/tcp_reorder.c - what the sender learns about reordering on its
 * path: the reordering estimate, RACK's reordering window, and the
 * windowed minimum RTT that window is measured in.
 *
 * Linux counterpart (6.6): net/ipv4/tcp_input.c tcp_check_sack_reordering,
 * tcp_update_rtt_min, tcp_dsack_seen's "rack.dsack_seen"; net/ipv4/
 * tcp_recovery.c tcp_rack_update_reo_wnd; include/net/tcp.h
 * tcp_highest_sack_seq, tcp_min_rtt; lib/win_minmax.c
 * (stack/win_minmax.c).  Sysctls net.ipv4.tcp_reordering (3),
 * tcp_max_reordering (300), tcp_min_rtt_wlen (300 s): host keys of the
 * same names.
 *
 * Reordering is seen (RFC 8985 §6.2 step 2, "RACK.reordering_seen") when
 * a segment never retransmitted is delivered below one delivered before
 * it: newly SACKed below the highest SACK (tcp_sacktag_one), cumulatively
 * ACKed below it without having been SACKed (tcp_clean_rtx_queue), or its
 * hole filled by an original as the timestamps show (tcp_try_undo_partial).
 * Then reord_seen counts it (TCPSACKReorder, TCPTSReorder) and the
 * estimate tp->reordering grows to the distance in segments (at most
 * tcp_max_reordering): without RACK that many SACKs start recovery.
 *
 * RACK's reordering window (RFC 8985 §6.2 step 4; stack/tcp_rack.c
 * tcp_rack_reo_wnd): 0 in recovery or once DupThresh SACKs arrived while
 * no reordering has been seen; else min_rtt / 4 times reo_wnd_steps, at
 * most srtt.  A D-SACK after reordering was seen says a retransmission
 * was needless: the next ACK that delivers data sent after the last step
 * adds a step (reo_wnd_persist = 16); 16 recoveries without one (each
 * that ends without undo counts one down, a D-SACK undo one up) bring the
 * window back to one step.
 *
 * Simplification (docs/sockets-and-tcp.md): Linux's "a round trip has
 * passed since the last step" compares tp->delivered at the send of the
 * newest segment this ACK delivered (rs->prior_delivered) with its value
 * at the step; netsim's tcp_skb_cb has no room for it and compares send
 * times instead (RACK's newest delivered send time against the one at
 * the step), which orders the same segments the same way.
 */
#include "stack/tcp.h"

#include "stack/host.h"

#define TCP_RACK_RECOVERY_THRESH 16 /* Linux include/net/tcp.h */

/* Per connection (Linux tcp_init_sock): reordering = tcp_reordering,
 * rtt_min reset to ~0, one reordering window step. */
void
tcp_rack_init_sock(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	tp->reordering = sk->host->tcp ? tcp_config(sk->host)->reordering : TCP_FASTRETRANS_THRESH;
	minmax_reset(&tp->rtt_min, 0, ~0u);
	tp->min_rtt = 0;
	tp->rack.reo_wnd_steps = 1;
}

/*
 * An RTT sample (Linux tcp_update_rtt_min, from tcp_ack_update_rtt): the
 * windowed minimum over tcp_min_rtt_wlen, in microseconds as Linux keeps
 * it.  (Linux skips a sample above the minimum that a delayed ACK may
 * have stretched, FLAG_ACK_MAYBE_DELAYED; netsim's tcp_rtt_sample does not
 * say, so every sample counts.)
 */
void
tcp_rack_update_min_rtt(struct tcp_sock *tp, sim_time_t rtt)
{
	struct sock *sk = &tp->sk;
	uint32_t wlen = tcp_config(sk->host)->min_rtt_wlen * TCP_HZ;
	int64_t us = rtt / SIM_US;
	uint32_t v = us <= 0 ? 1 : us >= UINT32_MAX ? UINT32_MAX - 1 : (uint32_t)us;
	uint32_t m = minmax_running_min(&tp->rtt_min, wlen, tcp_jiffies32(sk), v);
	tp->min_rtt = (sim_time_t)m * SIM_US;
}

/* Linux tcp_highest_sack_seq: the end of the highest SACKed segment
 * (snd_una with nothing SACKed). */
uint32_t
tcp_highest_sack_seq(const struct tcp_sock *tp)
{
	return tp->sacked_out ? tp->highest_sack_end : tp->snd_una;
}

/*
 * Linux tcp_check_sack_reordering: a segment starting at @low_seq was
 * delivered below the highest SACK: reordering.  The estimate grows to
 * the distance (segments, at most tcp_max_reordering); reord_seen counts
 * the event.  @ts: seen by timestamps (tcp_try_undo_partial).
 */
void
tcp_check_sack_reordering(struct sock *sk, uint32_t low_seq, bool ts)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t mss = tp->mss, fack = tcp_highest_sack_seq(tp);
	if (!before(low_seq, fack))
		return;
	uint32_t metric = fack - low_seq;
	if (mss && metric > tp->reordering * mss)
		tp->reordering =
			MIN((metric + mss - 1) / mss, tcp_config(sk->host)->max_reordering);
	tp->reord_seen++; /* This exciting event is worth to be remembered. 8) */
	if (ts)
		tcp_mib_mut(sk->host)->tcp_ts_reorder++;
	else
		tcp_mib_mut(sk->host)->tcp_sack_reorder++;
}

/* Linux tcp_dsack_seen's tail: a D-SACK of [start, end) after reordering
 * was seen, not of a loss probe (FLAG_DSACK_TLP: one segment ending at
 * tlp_high_seq), asks for a wider window. */
void
tcp_rack_dsack_seen(struct tcp_sock *tp, uint32_t start, uint32_t end)
{
	bool tlp = end - start <= tp->mss && tp->tlp_high_seq && tp->tlp_high_seq == end;
	if (tp->reord_seen && !tlp)
		tp->rack.dsack_seen = true;
}

/*
 * Linux tcp_rack_update_reo_wnd (RFC 8985 §6.2 step 4), on every ACK after
 * the write queue is cleaned; @delivered: it delivered something (Linux
 * rs->prior_delivered != 0).  A D-SACK pending (dsack_seen) adds a step,
 * unless no segment sent since the last step has been delivered yet.
 */
void
tcp_rack_update_reo_wnd(struct sock *sk, bool delivered)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (!delivered)
		return;
	/* Disregard DSACK if a rtt has not passed since we adjusted reo_wnd */
	if (tp->rack.last_grown && tp->rack.mstamp < tp->rack.last_grown)
		tp->rack.dsack_seen = false;
	if (tp->rack.dsack_seen) {
		tp->rack.reo_wnd_steps = (uint8_t)MIN(0xffu, tp->rack.reo_wnd_steps + 1u);
		tp->rack.dsack_seen = false;
		tp->rack.last_grown = host_now(sk->host);
		tp->rack.reo_wnd_persist = TCP_RACK_RECOVERY_THRESH;
	} else if (!tp->rack.reo_wnd_persist) {
		tp->rack.reo_wnd_steps = 1;
	}
}
