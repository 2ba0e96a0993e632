/*
 * stack/tcp_output.c - building and sending segments: the window, Nagle,
 * SYN, FIN, ACK and RST.
 *
 * Linux counterpart: net/ipv4/tcp_output.c (tcp_write_xmit,
 * tcp_transmit_skb, tcp_nagle_test, tcp_select_window, tcp_send_ack,
 * tcp_send_delayed_ack, tcp_event_ack_sent, tcp_event_data_sent,
 * tcp_send_fin, tcp_connect, tcp_retransmit_skb), net/ipv4/tcp_ipv4.c
 * (tcp_v4_send_reset).
 *
 * Position: tcp_sendmsg / tcp_ack / timers -> tcp_write_xmit ->
 * tcp_xmit (a clone of the queued skb, header, checksum; COST_TCP_SEND)
 * -> ip_queue_xmit.  A sent skb stays on sk_write_queue until acknowledged.
 * When the route's device has GSO or TSO (stack/gso.h), write-queue skbs
 * are up to tcp_xmit_size_goal bytes and tcp_write_xmit sends the share
 * tcp_tso_autosize and the window allow (tso_fragment cuts the rest), as
 * one GSO skb marked gso_size = MSS that the device layer or NIC cuts.
 *
 * Linux's tcp_transmit_skb (net/ipv4/tcp_output.c, __tcp_transmit_skb)
 * does the same: the queued skb keeps the data; what goes down the stack
 * is skb_clone(oskb), sharing the data (skb_shared_info.dataref), whose
 * headers are pushed into the shared headroom.  If an earlier clone still
 * holds the data (a retransmission while the first transmission waits in
 * the qdisc or the TX ring), Linux takes pskb_copy_for_clone, which copies
 * the linear part; netsim's skbs are all linear, so that is skb_copy here,
 * traced as a copy.  A retransmission is not made at all while the clone
 * is still in a host queue (Linux 3.18+ skb_still_in_host_queue, from
 * __tcp_retransmit_skb and tcp_send_loss_probe: -EBUSY); the skb_copy is
 * left for the SYN-ACK of a simultaneous open.
 */
#include "stack/tcp.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include "sim/check.h"
#include "stack/gso.h"
#include "stack/host.h"
#include "stack/ipv4.h"
#include "stack/tcp_tsq.h"

/* The window: __tcp_select_window and tcp_select_window (stack/tcp_rcvbuf.c). */

/*
 * An ACK went out (Linux tcp_event_ack_sent, tcp_dec_quickack_mode as
 * fixed in 6.6-rc5, 059217c18be6): one quick ACK is used up only if it
 * acknowledged new data; leaving quick-ACK mode deflates ato; whatever was
 * pending is done, and a delayed-ACK timer still armed finds nothing to do
 * (inet_csk_clear_xmit_timer(ICSK_TIME_DACK) clears icsk_ack.pending).
 */
static void
tcp_event_ack_sent(struct tcp_sock *tp)
{
	if (tp->icsk_ack.quick && (tp->icsk_ack.pending & ICSK_ACK_SCHED)) {
		if (--tp->icsk_ack.quick == 0)
			tp->icsk_ack.ato = TCP_ATO_MIN;
	}
	tp->icsk_ack.pending = 0;
	tp->ack_pending = 0;
}

/*
 * Data went out (Linux tcp_event_data_sent, 6.6): a reply sent within ato
 * of the last data received makes the connection interactive, and its
 * ACKs are then delayed to ride on the replies (pingpong mode;
 * inet_csk_enter_pingpong_mode, TCP_PINGPONG_THRESH 1 since the 6.2
 * revert 4d8f24eeedc5; 6.7 made it the sysctl tcp_pingpong_thresh).
 */
static void
tcp_event_data_sent(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (tcp_flight(sk) == 0) /* the first data after idle (CUBIC shifts its epoch) */
		tcp_ca_event(sk, CA_EVENT_TX_START);
	tp->lsndtime = tcp_jiffies32(sk);
	if (host_now(sk->host) - tp->icsk_ack.lrcvtime < tp->icsk_ack.ato)
		tp->icsk_ack.pingpong = 1;
}

/* One segment: @src's payload (or none), @seq, @flags.  Consumes nothing;
 * @src (queued on sk_write_queue) shares its data with what is sent. */
static int
tcp_xmit(struct sock *sk, struct sk_buff *src, uint32_t seq, uint8_t flags)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (tcp_teardown(sk->host))
		return 0;
	bool syn = flags & TCPHDR_SYN, wscale = syn && tp->wscale_ok;
	/* Linux tcp_syn_options / tcp_synack_options: MSS, NOP NOP
	 * SACK-permitted (when SACK is offered, or the SYN we answer offered
	 * it and tcp_sack is on), NOP window scale.  Later segments carrying
	 * an ACK carry the SACK blocks (tcp_established_options), as many as
	 * the 40 bytes of option space hold; on a data segment only what
	 * fits beside its payload in one MSS (Linux shrinks the payload
	 * instead, tcp_current_mss: docs/sockets-and-tcp.md). */
	bool sackperm = syn && tp->sack_ok;
	/* RFC 7323 timestamps (tcp_timestamps.c): 12 bytes on every segment,
	 * already taken from tp->mss; the SACK blocks get the rest of the 40
	 * (3 blocks, as Linux) */
	bool ts = tp->rx_opt.tstamp_ok;
	uint32_t tslen = ts ? TCPOLEN_TSTAMP_ALIGNED : 0;
	uint32_t optlen = tslen, sacklen = 0;
	if (syn) /* SACK-permitted shares the timestamp's word when both go */
		optlen = TCPOLEN_MSS + (ts ? tslen : sackperm ? 4 : 0) + (wscale ? 4 : 0);
	if (!syn && (flags & TCPHDR_ACK) && (tp->num_sacks || tp->dsack)) {
		uint32_t payload = src ? src->len : 0;
		uint32_t room = payload ? (tp->mss > payload ? tp->mss - payload : 0)
					: MAX_TCP_OPTION_SPACE;
		sacklen = tcp_sack_optlen(tp, MIN(room, (uint32_t)MAX_TCP_OPTION_SPACE - tslen));
		optlen += sacklen;
	}
	/* the payload's sum when the copy from the user kept it (data_csum) */
	bool have_sum = !src || src->len == 0 || src->data_csum_ok;
	wsum_t payload_sum = src && src->len ? src->data_csum : 0;
	struct sk_buff *skb;
	if (src) {
		/* still shared with an earlier clone in flight: Linux pskb_copy_for_clone */
		skb = skb_cloned(src) ? skb_copy(src) : skb_clone(src);
	} else {
		skb = skb_alloc(sk->host, INET_HEADROOM + TCP_HLEN + optlen, LAYER_TCP);
		skb_reserve(skb, INET_HEADROOM + TCP_HLEN + optlen);
	}
	/* XPS may move the flow to another TX queue (Linux 6.6
	 * __tcp_transmit_skb: "sk_wmem_alloc_get(sk) < SKB_TRUESIZE(1) ||
	 * tcp_rtx_queue_empty(sk)"): nothing of the socket below TCP
	 * (tsq_wmem, stack/tcp_tsq.c), or nothing sent unacknowledged */
	skb->ooo_okay = tp->tsq_wmem == 0 || tp->packets_out == 0;
	uint32_t len = skb->len + TCP_HLEN + optlen;
	struct tcphdr *th = (struct tcphdr *)skb_push(skb, TCP_HLEN + optlen);
	skb_reset_transport_header(skb);
	memset(th, 0, TCP_HLEN);
	th->source = htons(sk->num);
	th->dest = htons(sk->dport);
	th->seq = htonl(seq);
	th->doff_res = (uint8_t)(((TCP_HLEN + optlen) / 4) << 4);
	if (!syn) /* ECT(0), CWR and ECE (tcp_ecn.c; Linux tcp_ecn_send) */
		flags = tcp_ecn_send(sk, flags, src && src->len && !before(seq, tp->snd_max));
	th->flags = flags;
	/* RFC 7323 §2.2: the window of a SYN is never scaled; it is the initial
	 * window (Linux tcp_transmit_skb: min(rcv_wnd, 65535)). */
	uint32_t win = (flags & TCPHDR_SYN) ? MIN(tp->rcv_wnd, 65535u) : tcp_select_window(sk);
	uint8_t shift = (flags & TCPHDR_SYN) ? 0 : tp->rcv_wscale;
	win = MIN(win >> shift, 65535u);
	th->window = htons((uint16_t)win);
	if (flags & TCPHDR_ACK) {
		th->ack_seq = htonl(tp->rcv_nxt);
		tp->rcv_wup = tp->rcv_nxt + (win << shift);
		tp->rcv_acked = tp->rcv_nxt;
		tp->rcv_wnd = win << shift;
		tcp_event_ack_sent(tp);
	}
	if (skb->len > TCP_HLEN + optlen)
		tcp_event_data_sent(sk);
	if (syn) {
		uint8_t *o = (uint8_t *)th + TCP_HLEN;
		*o++ = TCPOPT_MSS;
		*o++ = TCPOLEN_MSS;
		*o++ = (uint8_t)(tp->advmss >> 8);
		*o++ = (uint8_t)tp->advmss;
		if (ts)
			o = tcp_ts_write(sk, o, sackperm);
		if (sackperm && !ts) {
			*o++ = TCPOPT_NOP;
			*o++ = TCPOPT_NOP;
			*o++ = TCPOPT_SACK_PERM;
			*o++ = TCPOLEN_SACK_PERM;
		}
		if (wscale) {
			*o++ = TCPOPT_NOP;
			*o++ = TCPOPT_WINDOW;
			*o++ = TCPOLEN_WINDOW;
			*o++ = tp->rcv_wscale;
		}
	} else {
		uint8_t *o = (uint8_t *)th + TCP_HLEN;
		if (ts)
			o = tcp_ts_write(sk, o, false);
		if (sacklen)
			tcp_sack_write(tp, o, sacklen);
	}
	tcp_urg_xmit(sk, th, seq); /* URG and the urgent pointer (tcp_urg.c) */
	th->check = 0;
	/* the header's words added to the payload's sum: the same folded
	 * checksum as one pass over header and payload (the header is whole
	 * words, so the payload's offset is even) */
	wsum_t sum = have_sum ? csum_partial(th, TCP_HLEN + optlen, payload_sum)
			      : csum_partial(th, len, 0);
	th->check = csum_tcpudp_magic(sk->saddr, sk->daddr, len, IPPROTO_TCP, sum);
	/* CHECKSUM_PARTIAL (the device or skb_checksum_help pays for the sum)
	 * and, above one MSS, gso_size/gso_segs (Linux tcp_set_skb_tso_segs) */
	tcp_gso_mark(skb, tcp_can_gso(sk) ? tp->mss : 0);
	host_charge(sk->host, COST_TCP_SEND);
	/* TSQ (stack/tcp_tsq.c): the skb is charged to the socket until it is
	 * freed below (Linux __tcp_transmit_skb: tcp_wfree, or __sock_wfree
	 * for a pure ACK), and tcp_wstamp_ns is now */
	tcp_skb_set_owner_w(sk, skb, src == NULL);
	tp->wstamp = host_now(sk->host);
	/* Linux counts OutSegs by tcp_skb_pcount */
	tcp_mib_mut(sk->host)->out_segs += skb_is_gso(skb) ? skb->gso_segs : 1;
	skb_handoff(skb, LAYER_IP, "ip_queue_xmit");
	return ip_queue_xmit(sk, skb, &tp->dst);
}

void
tcp_queue_skb(struct sock *sk, struct sk_buff *skb)
{
	sk->sk_wmem_alloc += sock_skb_truesize(skb);
	skb_queue_tail(&sk->sk_write_queue, skb);
}

int
tcp_transmit_skb(struct sock *sk, struct sk_buff *skb)
{
	struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
	if (cb->when) /* sent before: an ECN SYN goes again without ECE, CWR */
		tcp_ecn_clear_syn(skb);
	uint8_t flags = cb->flags;
	if (sk->sk_state != TCP_SYN_SENT)
		flags |= TCPHDR_ACK;
	int rc = tcp_xmit(sk, skb, cb->seq, flags);
	if (rc != 0)
		return rc; /* refused below (a full qdisc): not sent */
	cb->when = host_now(sk->host);
	if (!(cb->flags & TCPHDR_SYN))
		tcp_prr_sent(sk, tcp_skb_pcount(tcp_sk(sk), skb));
	if (after(cb->end_seq, tcp_sk(sk)->snd_max)) {
		/* new data (Linux tcp_event_new_data_sent: packets_out) */
		if (!(cb->flags & TCPHDR_SYN))
			tcp_sk(sk)->packets_out += tcp_skb_pcount(tcp_sk(sk), skb);
		tcp_sk(sk)->snd_max = cb->end_seq;
	}
	return 0;
}

static void tso_fragment(struct sock *sk, struct sk_buff *skb, uint32_t len);

void
tcp_fragment(struct sock *sk, struct sk_buff *skb, uint32_t len)
{
	tso_fragment(sk, skb, len);
}

/*
 * Linux skb_still_in_host_queue (6.6 net/ipv4/tcp_output.c): the copy of
 * @skb sent last is still in the qdisc or the NIC's ring (Linux
 * skb_fclone_busy: the fast clone not yet freed by its TX completion;
 * netsim: the data still shared, skb_cloned).  Sending another copy now
 * would be needless; TSQF_THROTTLED makes that completion call
 * tcp_tsq_write, which retries the retransmission queue.  Counted as
 * TCPSpuriousRtxHostQueues.
 */
bool
skb_still_in_host_queue(struct sock *sk, const struct sk_buff *skb)
{
	if (!skb_cloned(skb))
		return false;
	tcp_sk(sk)->tsq_flags |= TSQF_THROTTLED;
	tcp_mib_mut(sk->host)->tcp_spurious_rtx_host_queues++;
	return true;
}

int
tcp_retransmit_skb(struct sock *sk, struct sk_buff *skb)
{
	if (skb_still_in_host_queue(sk, skb))
		return -EBUSY; /* Linux __tcp_retransmit_skb, before anything else */
	tcp_resend_skb(sk, skb);
	return 0;
}

void
tcp_resend_skb(struct sock *sk, struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);
	/* Linux __tcp_retransmit_skb: a GSO skb larger than the MSS is cut
	 * first, and one MSS is resent (tcp_fragment) */
	if (skb->len > tp->mss && tcp_can_gso(sk))
		tso_fragment(sk, skb, tp->mss);
	TCP_SKB_CB(skb)->retransmitted = true;
	tp->retrans_segs++;
	tcp_mib_mut(sk->host)->retrans_segs++;
	/* Linux tcp_retransmit_skb: the copy in flight is on the scoreboard
	 * (TCPCB_SACKED_RETRANS, retrans_out) until SACKed, ACKed or lost again */
	if (tcp_transmit_skb(sk, skb) == 0 && tcp_is_sack(tp) &&
	    !(TCP_SKB_CB(skb)->sacked & TCPCB_SACKED_RETRANS) &&
	    !(TCP_SKB_CB(skb)->flags & TCPHDR_SYN) && !before(TCP_SKB_CB(skb)->seq, tp->snd_una)) {
		TCP_SKB_CB(skb)->sacked |= TCPCB_SACKED_RETRANS;
		tp->retrans_out += tcp_skb_pcount(tp, skb);
	}
	/* Linux tcp_retransmit_skb: retrans_stamp, undo_retrans (tcp_undo.c) */
	if (!(TCP_SKB_CB(skb)->flags & TCPHDR_SYN))
		tcp_undo_retransmitted(sk, skb);
	if (after(TCP_SKB_CB(skb)->end_seq, tp->snd_nxt))
		tp->snd_nxt = TCP_SKB_CB(skb)->end_seq;
	if (!tp->rtx_timer)
		tcp_rearm_rto(sk);
	NS_CHECK(tcp_check(sk, "tcp_retransmit_skb"));
}

/*
 * Where new data must end (Linux tcp_cwnd_test and tcp_snd_wnd_test):
 * within the peer's window beyond snd_una, and within cwnd counted as
 * Linux counts it, tcp_packets_in_flight (RFC 6675's pipe).  netsim's cwnd
 * is in bytes, so the segments the scoreboard says have left the network
 * (SACKed or lost, less the retransmissions in flight) move the cwnd edge
 * on by that many MSS: with full segments, "(snd_nxt - snd_una) - left +
 * len <= cwnd" is Linux's "in flight < cwnd".  Without SACK (or with an
 * empty scoreboard) the edge is snd_una + cwnd, RFC 5681's rule.
 */
static uint32_t
tcp_wnd_end(const struct tcp_sock *tp)
{
	uint32_t cwnd = tp->cwnd, left = tp->sacked_out + tp->lost_out;
	if (left > tp->retrans_out)
		cwnd += (left - tp->retrans_out) * tp->mss;
	return tp->snd_una + MIN(cwnd, tp->snd_wnd);
}

/* Linux tcp_minshall_check: a short segment sent is not yet acknowledged. */
static bool
tcp_minshall_check(const struct tcp_sock *tp)
{
	return after(tp->snd_sml, tp->snd_una) && !after(tp->snd_sml, tp->snd_nxt);
}

/* Linux tcp_nagle_check, for a short last segment: hold it, corked
 * (TCP_NAGLE_CORK) whatever is in flight, else by Minshall's Nagle unless
 * TCP_NODELAY. */
static bool
tcp_nagle_check(const struct tcp_sock *tp)
{
	return tp->cork || (!tp->nodelay && tcp_minshall_check(tp));
}

/* ---- segmentation offload: how large an skb TCP builds and sends ---------- */

/* Linux MAX_TCP_HEADER on x86-64 (L1_CACHE_ALIGN(128 + MAX_HEADER)) */
#define MAX_TCP_HEADER 320
/* Linux sk_pacing_shift default: TSO skbs of about 1 ms at the pacing rate */
#define SK_PACING_SHIFT 10
/* Linux sysctl_tcp_min_tso_segs */
#define TCP_MIN_TSO_SEGS 2

bool
tcp_can_gso(const struct sock *sk)
{
	return (tcp_sk(sk)->route_caps & (NETIF_F_GSO | NETIF_F_TSO)) != 0;
}

/*
 * Linux tcp_xmit_size_goal (6.6): without GSO one MSS; with it, up to
 * gso_max_size less the header room, bounded by half the largest window
 * the peer offered (tcp_bound_to_half_wnd), in whole MSS.
 */
uint32_t
tcp_xmit_size_goal(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t mss = tp->mss;
	if (!tcp_can_gso(sk) || mss == 0)
		return mss;
	uint32_t goal = tp->gso_max_size - 1 - MAX_TCP_HEADER;
	uint32_t cutoff = tp->max_window > TCP_MSS_DEFAULT ? tp->max_window >> 1 : tp->max_window;
	if (cutoff && goal > cutoff)
		goal = MAX(cutoff, 68u - TCP_HLEN);
	uint32_t size_goal = tp->gso_segs * mss;
	if (goal < size_goal || goal >= size_goal + mss) {
		tp->gso_segs = MIN(goal / mss, tp->gso_max_segs);
		size_goal = tp->gso_segs * mss;
	}
	return MAX(size_goal, mss);
}

/*
 * Linux tcp_tso_autosize (6.6): segments per skb sent, about 1 ms at the
 * pacing rate (sk_pacing_rate >> sk_pacing_shift), at least
 * tcp_min_tso_segs.  The pacing rate is tcp_update_pacing_rate's:
 * cwnd / srtt times 200% in slow start (cwnd < ssthresh / 2), else 120%;
 * unlimited before the first RTT sample (sk_pacing_rate starts at ~0UL).
 */
static uint32_t
tcp_tso_segs(struct sock *sk, uint32_t mss)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint64_t bytes = tp->gso_max_size - 1 - MAX_TCP_HEADER;
	bytes = MIN(bytes, tcp_pacing_rate(sk) >> SK_PACING_SHIFT); /* stack/tcp_tsq.c */
	uint32_t segs = MAX((uint32_t)(bytes / mss), (uint32_t)TCP_MIN_TSO_SEGS);
	return MIN(segs, tp->gso_max_segs);
}

/*
 * Linux tcp_mss_split_point: how much of @skb to send now - at most
 * @max_segs MSS, no more than the window allows, in whole MSS unless the
 * rest of the skb fits and Nagle lets a short tail go.
 */
static uint32_t
tcp_mss_split_point(struct sock *sk, const struct sk_buff *skb, uint32_t max_segs)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t mss = tp->mss, max_len = mss * max_segs;
	uint32_t wnd_end = tcp_wnd_end(tp);
	uint32_t window = after(wnd_end, TCP_SKB_CB(skb)->seq) ? wnd_end - TCP_SKB_CB(skb)->seq : 0;
	uint32_t needed = MIN(skb->len, window);
	if (max_len <= needed)
		return max_len;
	uint32_t partial = needed % mss;
	if (partial &&
	    (needed < skb->len || (tcp_nagle_check(tp) && !(TCP_SKB_CB(skb)->flags & TCPHDR_FIN))))
		return needed - partial;
	return needed;
}

/*
 * Cut a write-queue skb after its first @len bytes (Linux
 * tso_fragment): the rest becomes a new skb right after it, and PSH and
 * FIN move to the second part.  Linux moves page frags; netsim's linear
 * skb has the rest copied (traced).
 */
static void
tso_fragment(struct sock *sk, struct sk_buff *skb, uint32_t len)
{
	struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
	g_assert(len > 0 && len < skb->len && !(cb->flags & TCPHDR_SYN));
	uint32_t rest = skb->len - len;
	/* The tail keeps room for the writer to fill up to the size goal, as
	 * Linux's skb, whose payload is page frags, can grow after
	 * tso_fragment (tcp_sendmsg_locked appends while skb->len <
	 * size_goal); a linear copy of the rest alone could not, and every
	 * later write would start a new skb behind a short one. */
	uint32_t room = rest;
	if (!skb->next && !(cb->flags & TCPHDR_FIN))
		room = MAX(rest, tcp_xmit_size_goal(sk));
	struct sk_buff *buff = skb_alloc(sk->host, INET_HEADROOM + TCP_HLEN + room, LAYER_TCP);
	skb_reserve(buff, INET_HEADROOM + TCP_HLEN);
	skb_put_data(buff, skb->data + len, rest);
	skb_trace_copy(skb, LAYER_TCP, COPY_SKB_COPY, rest, buff);
	memcpy(buff->cb, skb->cb, sizeof buff->cb);
	TCP_SKB_CB(buff)->seq = cb->seq + len;
	cb->end_seq = cb->seq + len;
	cb->flags &= (uint8_t) ~(TCPHDR_FIN | TCPHDR_PSH);
	sk->sk_wmem_alloc -= sock_skb_truesize(skb);
	skb_trim(skb, len);
	sk->sk_wmem_alloc += sock_skb_truesize(skb) + sock_skb_truesize(buff);
	skb_append(skb, buff, &sk->sk_write_queue);
}

/*
 * Send what the windows allow (Linux tcp_write_xmit): the usable window
 * is min(cwnd, snd_wnd) beyond snd_una (RFC 5681 §2, RFC 9293 §3.8.6).
 * Nagle as Linux runs it, Minshall's variant (draft-minshall-nagle-01):
 * the last segment of the queue, if shorter than the MSS, waits only while
 * an earlier *short* segment is unacknowledged, unless TCP_NODELAY or it
 * carries the FIN (Linux net/ipv4/tcp_output.c tcp_nagle_test,
 * tcp_nagle_check, tcp_minshall_check; snd_sml is set by
 * tcp_minshall_update).  TCP_CORK holds it whatever is in flight, and
 * TCP_NODELAY's push (TCP_NAGLE_PUSH) lets it go even then: @nagle_push
 * is Linux's nonagle argument, tp->nagle_push (the socket's TCP_NAGLE_PUSH
 * bit) for tcp_write_xmit, TCP_NAGLE_PUSH itself for a push that passes
 * Nagle and TCP_CORK this once (tcp_write_xmit_nagle_push).  RFC 896
 * proper (RFC 9293 §3.7.4) holds it while
 * any data is unacknowledged, so a bulk write ending in a partial segment
 * would wait for an ACK that the receiver may delay.
 * With @push_one (Linux tcp_write_xmit's push_one = 1, from tcp_push_one)
 * one skb goes at most, without TSO deferral, and the persist timer is
 * left to the writer's next push (tcp_push_one ignores tcp_write_xmit's
 * answer, which __tcp_push_pending_frames turns into
 * tcp_check_probe_timer).  Linux also skips tcp_mtu_probe then; netsim
 * has no MTU probing.
 */
static void
write_xmit(struct sock *sk, bool push_one, bool nagle_push)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (tcp_teardown(sk->host) || sk->sk_state == TCP_CLOSE || sk->sk_state == TCP_LISTEN)
		return;
	struct sk_buff *skb = tp->send_hint;
	if (!skb || after(TCP_SKB_CB(skb)->seq, tp->snd_nxt))
		skb = skb_peek(&sk->sk_write_queue); /* went back (RTO) or no hint */
	struct sk_buff *last = NULL;
	bool sent = false;
	tp->tso_defer_cwnd_limited = false; /* tcp_write_xmit's is_cwnd_limited */
	while (skb && !after(TCP_SKB_CB(skb)->end_seq, tp->snd_nxt)) {
		last = skb;
		skb = skb->next;
	}
	for (; skb; skb = skb->next) {
		struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
		if (!(cb->flags & TCPHDR_SYN)) {
			if (sk->sk_state == TCP_SYN_SENT || sk->sk_state == TCP_SYN_RECV)
				break;
			if (skb->len > tp->mss) {
				/* a GSO skb: wait for a larger share
				 * (tcp_tso_should_defer, new data only),
				 * else send what the window and
				 * tcp_tso_autosize allow (tso_fragment) */
				uint32_t max_segs = tcp_tso_segs(sk, tp->mss);
				if (!cb->when && !push_one &&
				    tcp_tso_should_defer(sk, skb, max_segs))
					break;
				uint32_t limit = tcp_mss_split_point(sk, skb, max_segs);
				if (limit < tp->mss)
					break;
				if (limit < skb->len)
					tso_fragment(sk, skb, limit);
			}
			if (after(cb->end_seq - !!(cb->flags & TCPHDR_FIN), tcp_wnd_end(tp)) &&
			    skb->len > 0)
				break;
			if (skb->len < tp->mss && !skb->next && !(cb->flags & TCPHDR_FIN) &&
			    !tcp_urg_mode(tp) && !nagle_push && tcp_nagle_check(tp))
				break; /* Nagle, or TCP_CORK (tcp_nagle_test) */
		}
		bool resend = cb->when != 0;
		/* TCP Small Queues (stack/tcp_tsq.c; doubled for a resend, as
		 * Linux's tcp_xmit_retransmit_queue) */
		if (tcp_small_queue_check(sk, skb, resend ? 1 : 0))
			break;
		/* a write-queue skb has gone cold while it waited: its bytes
		 * are read by the clone and the NIC's copy, the next skb's
		 * struct by the next turn (skb_prefetch_struct).  Only for an
		 * skb that goes: most calls stop at TSQ above, and each would
		 * prefetch the same 2 KiB again (callgrind: 2% of the TCP
		 * run's instructions). */
		skb_prefetch_data(skb);
		if (skb->next)
			skb_prefetch_struct(skb->next);
		if (tcp_transmit_skb(sk, skb) != 0) {
			/* Linux tcp_write_xmit: a segment the device queue refused
			 * stays unsent; cwnd is reduced (tcp_enter_cwr). */
			tcp_cong_on_local_drop(sk);
			break;
		}
		if (resend) {
			cb->retransmitted = true;
			tp->retrans_segs++;
			tcp_mib_mut(sk->host)->retrans_segs++;
			tcp_undo_retransmitted(sk, skb); /* stack/tcp_undo.c */
		}
		tp->snd_nxt = cb->end_seq;
		sent = true;
		if (skb->len < tp->mss) /* Linux tcp_minshall_update */
			tp->snd_sml = cb->end_seq;
		last = skb;
		if (!tp->rtx_timer)
			tcp_rearm_rto(sk);
		if (push_one) {
			skb = skb->next;
			break;
		}
	}
	tp->send_hint = skb ? skb : last;
	if (skb) /* the next call starts there */
		skb_prefetch_struct(skb);
	tcp_cwnd_validate(sk, sent);
	if (sent) /* Linux tcp_write_xmit: one loss probe per tail loss episode */
		tcp_schedule_loss_probe(sk, false);
	/* Data waits behind a window too small for it and nothing is in
	 * flight: probe (RFC 9293 §3.8.6.1; Linux tcp_check_probe_timer). */
	if (skb && tp->snd_max == tp->snd_una && !push_one)
		tcp_persist_schedule(sk);
}

void
tcp_write_xmit(struct sock *sk)
{
	write_xmit(sk, false, tcp_sk(sk)->nagle_push);
}

/* Linux __tcp_push_pending_frames(sk, mss, TCP_NAGLE_PUSH): what may go
 * goes, the short tail past Nagle and TCP_CORK for this call only (the
 * writer's push before it sleeps for memory, tcp_push from
 * wait_for_space; the persist timer's probe). */
void
tcp_write_xmit_nagle_push(struct sock *sk)
{
	write_xmit(sk, false, true);
}

/* Linux tcp_push_one (6.6, net/ipv4/tcp_output.c): a writer's full skb
 * that is the first unsent one (tcp_send_head) goes at once, alone,
 * without waiting for a larger TSO share: tcp_write_xmit(sk, mss_now,
 * TCP_NAGLE_PUSH, 1, ...).  The skb is full, so Nagle has no say. */
void
tcp_push_one(struct sock *sk)
{
	write_xmit(sk, true, true);
}

/*
 * Split the unsent head of the write queue so that its first @len bytes
 * are a segment of their own (Linux tcp_fragment), for a probe into a
 * window smaller than the segment.
 */
void
tcp_split_head(struct sock *sk, uint32_t len)
{
	struct sk_buff *skb = skb_peek(&sk->sk_write_queue);
	struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
	g_assert(len > 0 && len < skb->len && !(cb->flags & TCPHDR_SYN));
	struct sk_buff *head = skb_alloc(sk->host, INET_HEADROOM + TCP_HLEN + len, LAYER_TCP);
	skb_reserve(head, INET_HEADROOM + TCP_HLEN);
	skb_put_data(head, skb->data, len);
	skb_trace_copy(skb, LAYER_TCP, COPY_SKB_COPY, len, head);
	memcpy(head->cb, skb->cb, sizeof head->cb);
	TCP_SKB_CB(head)->end_seq = cb->seq + len;
	TCP_SKB_CB(head)->flags &= (uint8_t) ~(TCPHDR_FIN | TCPHDR_PSH);
	sk->sk_wmem_alloc -= sock_skb_truesize(skb);
	skb_pull(skb, len);
	cb->seq += len;
	sk->sk_wmem_alloc += sock_skb_truesize(skb) + sock_skb_truesize(head);
	skb_queue_head(&sk->sk_write_queue, head);
	NS_CHECK(tcp_check(sk, "tcp_split_head"));
}

void
tcp_send_syn(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	/* room for MSS, SACK-permitted and window scale */
	struct sk_buff *skb = skb_alloc(sk->host, INET_HEADROOM + TCP_HLEN + 12, LAYER_TCP);
	skb_reserve(skb, INET_HEADROOM + TCP_HLEN + 12);
	memset(skb->cb, 0, sizeof skb->cb);
	TCP_SKB_CB(skb)->seq = tp->iss;
	TCP_SKB_CB(skb)->end_seq = tp->iss + 1;
	TCP_SKB_CB(skb)->flags = TCPHDR_SYN | (sk->sk_state == TCP_SYN_RECV ? TCPHDR_ACK : 0);
	/* the SYN offers SACK when tcp_sack is on; a SYN-ACK answers the
	 * offer (tcp_sack_negotiate has decided) */
	if (sk->sk_state == TCP_SYN_SENT)
		tp->sack_ok = tcp_config(sk->host)->sack;
	/* ECN (tcp_ecn.c): ECE and CWR on the SYN, ECE on the SYN-ACK */
	TCP_SKB_CB(skb)->flags |=
		sk->sk_state == TCP_SYN_SENT ? tcp_ecn_send_syn(sk) : tcp_ecn_send_synack(sk);
	tp->write_seq = tp->iss + 1;
	tcp_queue_skb(sk, skb);
	/*
	 * Linux tcp_connect (net/ipv4/tcp_output.c, 6.6) transmits the SYN
	 * itself with tcp_transmit_skb, not through tcp_write_xmit, and
	 * ignores what the layer below says: the SYN counts as sent (snd_nxt
	 * moves to write_seq) and the retransmission timer runs, so a SYN a
	 * full qdisc or a netfilter DROP refused is sent again at the RTO.
	 * The SYN-ACK takes the same path here; Linux sends it from the
	 * request sock (tcp_v4_send_synack) and also ignores the error, its
	 * request timer resending it.  snd_sml = write_seq, as tcp_write_xmit's
	 * Minshall update would have set it.
	 */
	tcp_transmit_skb(sk, skb);
	TCP_SKB_CB(skb)->when = host_now(sk->host);
	tp->snd_nxt = tp->snd_max = tp->snd_sml = tp->write_seq;
	tp->send_hint = skb;
	if (!tp->rtx_timer)
		tcp_rearm_rto(sk);
}

/* Queue our FIN: on the last unsent segment, or alone (Linux tcp_send_fin). */
void
tcp_send_fin(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct sk_buff *skb = skb_peek_tail(&sk->sk_write_queue);
	sk->sk_shutdown |= SEND_SHUTDOWN;
	if (skb && !TCP_SKB_CB(skb)->when && !(TCP_SKB_CB(skb)->flags & TCPHDR_SYN)) {
		TCP_SKB_CB(skb)->flags |= TCPHDR_FIN;
	} else {
		skb = skb_alloc(sk->host, INET_HEADROOM + TCP_HLEN, LAYER_TCP);
		skb_reserve(skb, INET_HEADROOM + TCP_HLEN);
		memset(skb->cb, 0, sizeof skb->cb);
		TCP_SKB_CB(skb)->seq = TCP_SKB_CB(skb)->end_seq = tp->write_seq;
		TCP_SKB_CB(skb)->flags = TCPHDR_FIN | TCPHDR_ACK;
		tcp_queue_skb(sk, skb);
	}
	TCP_SKB_CB(skb)->end_seq++;
	tp->write_seq++;
	tcp_write_xmit(sk);
}

/*
 * Arm the delayed ACK (Linux tcp_send_delayed_ack, 6.6).  The delay is ato,
 * but an ato grown above TCP_DELACK_MIN is bounded by the smoothed RTT and
 * by 500 ms (200 ms in pingpong mode or after a short segment), and every
 * delay by icsk_delack_max (TCP_DELACK_MAX).  A timer already armed keeps
 * its earlier deadline, and one due within a quarter of ato sends now.
 * bsd-1996: the ACK goes at the next tick of the 200 ms fast timeout
 * (4.4BSD tcp_fasttimo), whenever the data came.
 */
void
tcp_send_delayed_ack(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	sim_time_t now = host_now(sk->host);
	if (tcp_bsd_delack(sk)) {
		if (!(tp->icsk_ack.pending & ICSK_ACK_TIMER)) {
			tp->icsk_ack.timeout =
				(now / TCP_DELACK_BSD_TICK + 1) * TCP_DELACK_BSD_TICK;
			tp->icsk_ack.pending |= ICSK_ACK_SCHED | ICSK_ACK_TIMER;
			tcp_reset_delack_timer(sk);
		}
		return;
	}
	sim_time_t ato = tp->icsk_ack.ato;
	if (ato > TCP_DELACK_MIN) {
		sim_time_t max_ato = 500 * SIM_MS; /* HZ / 2 */
		if (tp->icsk_ack.pingpong || (tp->icsk_ack.pending & ICSK_ACK_PUSHED))
			max_ato = TCP_DELACK_MAX;
		if (tp->srtt)
			max_ato = MIN(max_ato, MAX(tp->srtt, TCP_DELACK_MIN));
		ato = MIN(ato, max_ato);
	}
	ato = MIN(ato, TCP_DELACK_MAX);
	sim_time_t timeout = now + ato;
	if (tp->icsk_ack.pending & ICSK_ACK_TIMER) {
		if (tp->icsk_ack.timeout <= now + (ato >> 2)) {
			tcp_send_ack(sk);
			return;
		}
		if (timeout >= tp->icsk_ack.timeout)
			timeout = tp->icsk_ack.timeout;
	}
	tp->icsk_ack.pending |= ICSK_ACK_SCHED | ICSK_ACK_TIMER;
	tp->icsk_ack.timeout = timeout;
	tcp_reset_delack_timer(sk);
}

void
tcp_send_ack(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (sk->sk_state == TCP_CLOSE)
		return;
	tcp_xmit(sk, NULL, tp->snd_nxt, TCPHDR_ACK);
}

void
tcp_send_active_reset(struct sock *sk)
{
	tcp_mib_mut(sk->host)->out_rsts++;
	tcp_xmit(sk, NULL, tcp_sk(sk)->snd_nxt, TCPHDR_RST | TCPHDR_ACK);
}

/* RFC 9293 §3.10.7.1: the RST answers @skb, whose cb is filled. */
void
tcp_send_reset(struct host *host, const struct sk_buff *in)
{
	const struct tcp_skb_cb *icb = TCP_SKB_CB(in);
	if (tcp_teardown(host))
		return;
	struct sk_buff *skb = skb_alloc(host, INET_HEADROOM + TCP_HLEN, LAYER_TCP);
	skb_reserve(skb, INET_HEADROOM + TCP_HLEN);
	struct tcphdr *th = (struct tcphdr *)skb_push(skb, TCP_HLEN);
	skb_reset_transport_header(skb);
	memset(th, 0, TCP_HLEN);
	th->source = htons(icb->dport);
	th->dest = htons(icb->sport);
	th->doff_res = (TCP_HLEN / 4) << 4;
	if (icb->flags & TCPHDR_ACK) {
		th->seq = htonl(icb->ack_seq);
		th->flags = TCPHDR_RST;
	} else {
		th->ack_seq = htonl(icb->end_seq);
		th->flags = TCPHDR_RST | TCPHDR_ACK;
	}
	th->check = csum_tcpudp_magic(icb->daddr, icb->saddr, TCP_HLEN, IPPROTO_TCP,
				      csum_partial(th, TCP_HLEN, 0));
	host_charge(host, COST_TCP_SEND);
	tcp_mib_mut(host)->out_segs++;
	tcp_mib_mut(host)->out_rsts++;
	struct ip_xmit_args args = {
		.saddr = icb->daddr, .daddr = icb->saddr, .protocol = IPPROTO_TCP, .df = true
	};
	skb_handoff(skb, LAYER_IP, "ip_build_and_send_pkt");
	ip_build_and_send_pkt(skb, &args);
}
