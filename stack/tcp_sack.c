/*
 * stack/tcp_sack.c - selective acknowledgment: the blocks a receiver
 * reports, and the sender's scoreboard that RFC 6675 loss recovery reads.
 *
 * Linux counterpart (6.6): net/ipv4/tcp_input.c tcp_sack_new_ofo_skb,
 * tcp_sack_extend, tcp_sack_maybe_coalesce, tcp_sack_remove (the
 * receiver's blocks), tcp_sacktag_write_queue, tcp_match_skb_to_sack,
 * tcp_sacktag_one, tcp_is_sackblock_valid, tcp_mark_skb_lost,
 * tcp_mark_head_lost, tcp_timeout_mark_lost (the scoreboard); and
 * net/ipv4/tcp_output.c tcp_established_options, tcp_options_write (the
 * option), tcp_xmit_retransmit_queue (which holes go out, in what order).
 * RFC 2018 (the option), RFC 6675 (the scoreboard and IsLost).
 *
 * Position:
 *   receiver: tcp_data_queue -> out-of-order segment -> tcp_sack_new_ofo_skb;
 *             rcv_nxt advances -> tcp_sack_remove; every ACK (tcp_xmit)
 *             carries the blocks, most recent first (RFC 2018 §4).
 *   sender:   tcp_ack -> tcp_sacktag_write_queue (mark SACKED_ACKED) ->
 *             the write queue is cleaned (tcp_sack_skb_acked) ->
 *             tcp_cong_on_ack (tcp_cong_control.c: enter or stay in
 *             recovery, tcp_mark_head_lost) -> tcp_xmit_retransmit_queue.
 *
 * Linux 6.6 marks losses by RACK (tcp_recovery = 1) by default; netsim uses
 * RFC 6675's IsLost (DupThresh = 3 SACKed segments above a hole), which
 * Linux runs with tcp_recovery = 0 (docs/sockets-and-tcp.md says what
 * differs).  D-SACK (RFC 2883) is sent for a duplicate of in-order data;
 * received, it counts towards undo (stack/tcp_undo.c).  A segment SACKed
 * below the highest SACK without a retransmission is reordering
 * (stack/tcp_reorder.c).  Not modelled: SACK reneging, SACK compression.
 */
#include "stack/tcp.h"

#include <string.h>
#include "sim/check.h"
#include "stack/host.h"
#include "stack/tcp_tsq.h"

uint32_t
tcp_skb_pcount(const struct tcp_sock *tp, const struct sk_buff *skb)
{
	/* Linux tcp_set_skb_tso_segs: one segment up to the MSS */
	return skb->len <= tp->mss ? 1 : (skb->len + tp->mss - 1) / tp->mss;
}

uint32_t
tcp_packets_in_flight(const struct tcp_sock *tp)
{
	/* Linux tcp_left_out = sacked_out + lost_out */
	uint32_t left = tp->sacked_out + tp->lost_out;
	return tp->packets_out > left ? tp->packets_out - left + tp->retrans_out : tp->retrans_out;
}

/* ---- the receiver's blocks --------------------------------------------------------- */

/* Linux tcp_sack_extend: @sp grows to cover [seq, end_seq) if they touch. */
static bool
tcp_sack_extend(struct tcp_sack_block *sp, uint32_t seq, uint32_t end_seq)
{
	if (!after(seq, sp->end_seq) && !after(sp->start_seq, end_seq)) {
		if (before(seq, sp->start_seq))
			sp->start_seq = seq;
		if (after(end_seq, sp->end_seq))
			sp->end_seq = end_seq;
		return true;
	}
	return false;
}

/* Linux tcp_sack_maybe_coalesce: the first block, just grown, swallows
 * any other block it now touches. */
static void
tcp_sack_maybe_coalesce(struct tcp_sock *tp)
{
	struct tcp_sack_block *sp = &tp->selective_acks[0];
	for (int this_sack = 1; this_sack < tp->num_sacks;) {
		if (tcp_sack_extend(sp, tp->selective_acks[this_sack].start_seq,
				    tp->selective_acks[this_sack].end_seq)) {
			tp->num_sacks--;
			for (int i = this_sack; i < tp->num_sacks; i++)
				tp->selective_acks[i] = tp->selective_acks[i + 1];
			continue;
		}
		this_sack++;
	}
}

/*
 * An out-of-order segment [seq, end_seq) was queued (Linux
 * tcp_sack_new_ofo_skb): the block it extends moves to the front, else a
 * new block goes in front and, with four already, the oldest is forgotten.
 * RFC 2018 §4: the first block reports the most recent segment.
 */
void
tcp_sack_new_ofo_skb(struct sock *sk, uint32_t seq, uint32_t end_seq)
{
	struct tcp_sock *tp = tcp_sk(sk);
	int this_sack;
	for (this_sack = 0; this_sack < tp->num_sacks; this_sack++) {
		if (tcp_sack_extend(&tp->selective_acks[this_sack], seq, end_seq)) {
			for (; this_sack > 0; this_sack--) {
				struct tcp_sack_block t = tp->selective_acks[this_sack];
				tp->selective_acks[this_sack] = tp->selective_acks[this_sack - 1];
				tp->selective_acks[this_sack - 1] = t;
			}
			if (tp->num_sacks > 1)
				tcp_sack_maybe_coalesce(tp);
			return;
		}
	}
	if (this_sack >= TCP_NUM_SACKS) {
		this_sack--;
		tp->num_sacks--;
	}
	for (; this_sack > 0; this_sack--)
		tp->selective_acks[this_sack] = tp->selective_acks[this_sack - 1];
	tp->selective_acks[0] = (struct tcp_sack_block){ seq, end_seq };
	tp->num_sacks++;
}

/* rcv_nxt advanced (Linux tcp_sack_remove): blocks it covers are gone;
 * with the out-of-order queue empty, all of them. */
void
tcp_sack_remove(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (skb_queue_empty(&tp->ofo_queue)) {
		tp->num_sacks = 0;
		return;
	}
	int n = tp->num_sacks;
	for (int this_sack = 0; this_sack < n;) {
		if (!before(tp->rcv_nxt, tp->selective_acks[this_sack].start_seq)) {
			for (int i = this_sack + 1; i < n; i++)
				tp->selective_acks[i - 1] = tp->selective_acks[i];
			n--;
			continue;
		}
		this_sack++;
	}
	tp->num_sacks = (uint8_t)n;
}

/*
 * A duplicate segment arrived (Linux tcp_dsack_set, RFC 2883 §4): the next
 * ACK reports [seq, end_seq) as its first block, below the cumulative ACK,
 * so that the sender can tell its retransmission was not needed; counted
 * as TCPDSACKOldSent (below rcv_nxt) or TCPDSACKOfoSent.  Not with
 * tcp_dsack = 0.  Duplicates of out-of-order data come from
 * tcp_data_queue's ofo walk and tcp_ofo_queue (stack/tcp_input.c).
 */
void
tcp_dsack_set(struct sock *sk, uint32_t seq, uint32_t end_seq)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (!tcp_is_sack(tp) || !tcp_config(sk->host)->dsack)
		return;
	if (before(seq, tp->rcv_nxt))
		tcp_mib_mut(sk->host)->tcp_dsack_old_sent++;
	else
		tcp_mib_mut(sk->host)->tcp_dsack_ofo_sent++;
	tp->dsack = true;
	tp->duplicate_sack = (struct tcp_sack_block){ seq, end_seq };
}

/* Linux tcp_dsack_extend: a D-SACK already pending for this ACK grows to
 * cover [seq, end_seq) if they touch; else a new one is set. */
void
tcp_dsack_extend(struct sock *sk, uint32_t seq, uint32_t end_seq)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (!tp->dsack)
		tcp_dsack_set(sk, seq, end_seq);
	else
		tcp_sack_extend(&tp->duplicate_sack, seq, end_seq);
}

/*
 * The option bytes for the blocks (Linux tcp_established_options): NOP NOP
 * kind length, then 8 bytes a block, as many as fit in @room (the 40 bytes
 * of option space less what else the segment carries: 4 blocks, 36 bytes,
 * without timestamps; Linux sends 3 with them).
 */
uint32_t
tcp_sack_optlen(const struct tcp_sock *tp, uint32_t room)
{
	uint32_t eff_sacks = tp->num_sacks + tp->dsack;
	if (!eff_sacks || room < TCPOLEN_SACK_BASE_ALIGNED + TCPOLEN_SACK_PERBLOCK)
		return 0;
	uint32_t n = MIN(eff_sacks, (room - TCPOLEN_SACK_BASE_ALIGNED) / TCPOLEN_SACK_PERBLOCK);
	return TCPOLEN_SACK_BASE_ALIGNED + n * TCPOLEN_SACK_PERBLOCK;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Linux tcp_options_write, the SACK part: a D-SACK block first, then the
 * blocks, most recent first; the D-SACK is sent once. */
void
tcp_sack_write(struct tcp_sock *tp, uint8_t *o, uint32_t optlen)
{
	uint32_t n = (optlen - TCPOLEN_SACK_BASE_ALIGNED) / TCPOLEN_SACK_PERBLOCK;
	o[0] = TCPOPT_NOP;
	o[1] = TCPOPT_NOP;
	o[2] = TCPOPT_SACK;
	o[3] = (uint8_t)(TCPOLEN_SACK_BASE + n * TCPOLEN_SACK_PERBLOCK);
	for (uint32_t i = 0, j = 0; i < n; i++) {
		const struct tcp_sack_block *b =
			i == 0 && tp->dsack ? &tp->duplicate_sack : &tp->selective_acks[j++];
		put32(o + 4 + 8 * i, b->start_seq);
		put32(o + 8 + 8 * i, b->end_seq);
	}
	tp->dsack = false;
}

/* ---- the sender's scoreboard -------------------------------------------------------- */

/* Linux tcp_mark_skb_lost: a SACKed segment is never lost; one lost again
 * after its retransmission no longer counts that copy in flight. */
void
tcp_mark_skb_lost(struct tcp_sock *tp, struct sk_buff *skb)
{
	struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
	uint32_t pcount = tcp_skb_pcount(tp, skb);
	if (cb->sacked & TCPCB_SACKED_ACKED)
		return;
	if (cb->sacked & TCPCB_LOST) {
		if (cb->sacked & TCPCB_SACKED_RETRANS) {
			cb->sacked &= (uint8_t)~TCPCB_SACKED_RETRANS;
			tp->retrans_out -= pcount;
		}
	} else {
		tp->lost_out += pcount;
		cb->sacked |= TCPCB_LOST;
	}
}

/* A cumulatively acknowledged segment leaves the scoreboard (Linux
 * tcp_clean_rtx_queue); @pcount of its segments (all, or those a partial
 * ACK covered). */
void
tcp_sack_skb_acked(struct sock *sk, const struct sk_buff *skb, uint32_t pcount)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint8_t sacked = TCP_SKB_CB(skb)->sacked;
	if (TCP_SKB_CB(skb)->flags & TCPHDR_SYN)
		return; /* never counted (tcp_transmit_skb) */
	tp->packets_out -= pcount;
	if (sacked & TCPCB_SACKED_ACKED)
		tp->sacked_out -= pcount;
	else if (tcp_is_sack(tp)) {
		tp->delivered += pcount; /* Linux tcp_clean_rtx_queue: tcp_count_delivered */
		tcp_rack_advance(sk, skb);
	}
	if (sacked & TCPCB_LOST)
		tp->lost_out -= pcount;
	if (sacked & TCPCB_SACKED_RETRANS)
		tp->retrans_out -= pcount;
}

/* Linux tcp_sacktag_one: the segment is SACKed, so neither lost nor a
 * retransmission in flight.  One never retransmitted below the highest
 * SACK was reordered: *@reord gets the lowest such (state->reord). */
static void
tcp_sacktag_one(struct tcp_sock *tp, struct sk_buff *skb, uint32_t *reord)
{
	struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
	if (!(cb->sacked & TCPCB_SACKED_ACKED))
		tcp_rack_advance(&tp->sk, skb); /* Linux tcp_sacktag_one */
	uint32_t pcount = tcp_skb_pcount(tp, skb);
	if (cb->sacked & TCPCB_SACKED_ACKED)
		return;
	uint32_t fack = tcp_highest_sack_seq(tp);
	/* New sack for not retransmitted frame, which was in hole. It is
	 * reordering. */
	if (!cb->retransmitted && before(cb->seq, fack) && before(cb->seq, *reord))
		*reord = cb->seq;
	if (!tp->sacked_out || after(cb->end_seq, fack)) /* tcp_advance_highest_sack */
		tp->highest_sack_end = cb->end_seq;
	if (cb->sacked & TCPCB_SACKED_RETRANS) {
		cb->sacked &= (uint8_t)~TCPCB_SACKED_RETRANS;
		tp->retrans_out -= pcount;
	}
	if (cb->sacked & TCPCB_LOST) {
		cb->sacked &= (uint8_t)~TCPCB_LOST;
		tp->lost_out -= pcount;
	}
	cb->sacked |= TCPCB_SACKED_ACKED;
	/* Linux tcp_sacktag_one: state->flag; FLAG_ORIG_SACK_ACKED for an
	 * original below high_seq (F-RTO, tcp_process_loss) */
	tp->ack_flag |= TCP_FLAG_DATA_SACKED;
	if (!cb->retransmitted && !after(cb->end_seq, tp->recover))
		tp->ack_flag |= TCP_FLAG_ORIG_SACK_ACKED;
	tp->sacked_out += pcount;
	tp->delivered += pcount; /* tcp_sacktag_one: tcp_count_delivered */
}

/*
 * Does [start, end) cover @skb (Linux tcp_match_skb_to_sack)?  A block that
 * covers only part of a multi-segment skb cuts it at a whole number of
 * MSS (tcp_fragment), so that the scoreboard marks whole segments: 1 when
 * the (first part of the) skb is covered, 0 when not.
 */
static int
tcp_match_skb_to_sack(struct sock *sk, struct sk_buff *skb, uint32_t start, uint32_t end)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
	bool in_sack = !after(start, cb->seq) && !before(end, cb->end_seq);
	if (tcp_skb_pcount(tp, skb) > 1 && !in_sack && after(cb->end_seq, start)) {
		uint32_t mss = tp->mss, pkt_len;
		in_sack = !after(start, cb->seq);
		if (!in_sack) {
			pkt_len = MAX(start - cb->seq, mss);
		} else {
			pkt_len = end - cb->seq;
			if (pkt_len < mss)
				return 0;
		}
		if (pkt_len > mss) {
			uint32_t new_len = pkt_len / mss * mss;
			if (!in_sack && new_len < pkt_len)
				new_len += mss;
			pkt_len = new_len;
		}
		if (pkt_len >= skb->len)
			return in_sack;
		tcp_fragment(sk, skb, pkt_len);
	}
	return in_sack;
}

/*
 * The SACK blocks of an arriving ACK mark the write queue (Linux
 * tcp_sacktag_write_queue): each valid block (tcp_is_sackblock_valid:
 * above snd_una, not beyond snd_nxt, not reversed; a D-SACK below snd_una
 * is counted for undo, tcp_check_dsack) marks the segments it covers
 * SACKED_ACKED.  As Linux, the blocks are sorted by sequence and the queue
 * is walked once.  Returns whether the ACK reports a D-SACK (Linux
 * FLAG_DSACKING_ACK).
 */
bool
tcp_sacktag_write_queue(struct sock *sk, const struct sk_buff *ack_skb)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint16_t off = TCP_SKB_CB(ack_skb)->sack_off;
	if (!off || !tcp_is_sack(tp))
		return false;
	const uint8_t *o = ack_skb->head + off;
	uint32_t n = (o[1] - TCPOLEN_SACK_BASE) / TCPOLEN_SACK_PERBLOCK, used = 0;
	struct tcp_sack_block sp[TCP_NUM_SACKS], wire[TCP_NUM_SACKS];
	n = MIN(n, (uint32_t)TCP_NUM_SACKS);
	for (uint32_t i = 0; i < n; i++)
		wire[i] = (struct tcp_sack_block){ get32(o + 2 + 8 * i), get32(o + 6 + 8 * i) };
	/* Linux tcp_check_dsack: a first block below the cumulative ACK, or
	 * inside the second, reports a duplicate (RFC 2883), not data held;
	 * it counts towards undo (stack/tcp_undo.c); one above snd_una is
	 * then marked as any block */
	bool dup_sack =
		n && tcp_check_dsack(sk, TCP_SKB_CB(ack_skb)->ack_seq, wire, (int)n, tp->snd_una);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t start = wire[i].start_seq, end = wire[i].end_seq;
		if (i == 0 && dup_sack) {
			if (!after(end, tp->snd_una))
				continue; /* Ignore very old stuff early */
			/* tcp_sacktag_one's dup_sack count; then marked as any block */
			tcp_dsack_count_retrans(sk, start, end);
		} else if (i == 0 &&
			   (before(start, TCP_SKB_CB(ack_skb)->ack_seq) ||
			    (n > 1 && !before(start, wire[1].start_seq) &&
			     !after(end, wire[1].end_seq))))
			continue; /* a dubious D-SACK */
		if (after(end, tp->snd_nxt) || !before(start, end) || !before(start, tp->snd_nxt) ||
		    !after(start, tp->snd_una))
			continue; /* tcp_is_sackblock_valid */
		sp[used++] = (struct tcp_sack_block){ start, end };
	}
	for (uint32_t i = 1; i < used; i++) /* by start_seq, as Linux sorts them */
		for (uint32_t j = i; j > 0 && after(sp[j - 1].start_seq, sp[j].start_seq); j--) {
			struct tcp_sack_block t = sp[j];
			sp[j] = sp[j - 1];
			sp[j - 1] = t;
		}
	uint32_t b = 0, reord = tp->snd_nxt;
	for (struct sk_buff *skb = skb_peek(&sk->sk_write_queue); skb && b < used;
	     skb = skb->next) {
		struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
		if (!before(cb->seq, tp->snd_nxt))
			break;
		while (b < used && !after(sp[b].end_seq, cb->seq))
			b++;
		if (b == used)
			break;
		if ((cb->flags & TCPHDR_SYN) || !after(cb->end_seq, sp[b].start_seq))
			continue;
		if (tcp_match_skb_to_sack(sk, skb, sp[b].start_seq, sp[b].end_seq) > 0)
			tcp_sacktag_one(tp, skb, &reord);
	}
	if (reord != tp->snd_nxt) /* stack/tcp_reorder.c */
		tcp_check_sack_reordering(sk, reord, false);
	NS_CHECK(tcp_check(sk, "tcp_sacktag_write_queue"));
	return dup_sack;
}

/*
 * RFC 6675 IsLost as Linux runs it without RACK (tcp_update_scoreboard ->
 * tcp_mark_head_lost, 6.6): walking from the head up to the recovery point,
 * every segment not SACKed is marked lost until more than @packets SACKed
 * segments have been passed; called with sacked_out - DupThresh, that
 * marks each hole with at least DupThresh SACKed segments above it.  With
 * @mark_head only the first segment (the fast retransmit when fewer than
 * DupThresh are SACKed).
 */
void
tcp_mark_head_lost(struct sock *sk, int packets, bool mark_head)
{
	struct tcp_sock *tp = tcp_sk(sk);
	int cnt = 0;
	for (struct sk_buff *skb = skb_peek(&sk->sk_write_queue); skb; skb = skb->next) {
		struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
		if (!before(cb->seq, tp->snd_nxt) || after(cb->end_seq, tp->recover))
			break;
		if (cb->flags & TCPHDR_SYN)
			continue;
		if (cb->sacked & TCPCB_SACKED_ACKED)
			cnt += (int)tcp_skb_pcount(tp, skb);
		if (cnt > packets)
			break;
		if (!(cb->sacked & TCPCB_LOST))
			tcp_mark_skb_lost(tp, skb);
		if (mark_head)
			break;
	}
}

/* The RTO (Linux tcp_timeout_mark_lost, 6.6): everything sent and not
 * SACKed is lost; a retransmission in flight is lost too.  With RACK, not
 * the segments after the head sent less than RACK.rtt ago.  If the head
 * itself is SACKed the receiver reneged (tcp_check_sack_reneging set the
 * timer): every SACK is forgotten and everything sent is lost
 * (TCPSACKReneging; Linux also sets is_sack_reneg, which only its rate
 * samples read, and netsim has none). */
void
tcp_timeout_mark_lost(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct sk_buff *head = skb_peek(&sk->sk_write_queue);
	bool is_reneg = head && (TCP_SKB_CB(head)->sacked & TCPCB_SACKED_ACKED);
	if (is_reneg) {
		tcp_mib_mut(sk->host)->tcp_sack_reneging++;
		tp->sacked_out = 0;
	}
	for (struct sk_buff *skb = head; skb; skb = skb->next) {
		if (!before(TCP_SKB_CB(skb)->seq, tp->snd_nxt))
			break;
		if (is_reneg)
			TCP_SKB_CB(skb)->sacked &= (uint8_t)~TCPCB_SACKED_ACKED;
		else if (skb != head && tcp_is_rack(sk) && tcp_rack_skb_recent(sk, skb))
			continue; /* Don't mark recently sent ones lost yet */
		if (!(TCP_SKB_CB(skb)->flags & TCPHDR_SYN))
			tcp_mark_skb_lost(tp, skb);
	}
}

/*
 * Retransmit what is marked lost, lowest sequence first, while the
 * congestion window has room (Linux tcp_xmit_retransmit_queue): cwnd less
 * tcp_packets_in_flight, RFC 6675's cwnd - pipe.  A segment already
 * retransmitted or SACKed is skipped; the walk stops once every lost
 * segment has a retransmission in flight (retrans_out >= lost_out), when
 * TSQ holds it (twice the usual limit below TCP, tcp_small_queue_check(sk,
 * skb, 1); the TX completion calls this again, tcp_tsq_write), or when
 * the segment's last copy is still in a host queue.  So several holes of
 * one window go out on the same ACKs, one round trip.
 */
void
tcp_xmit_retransmit_queue(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (!tp->packets_out || tcp_teardown(sk->host))
		return;
	for (struct sk_buff *skb = skb_peek(&sk->sk_write_queue); skb; skb = skb->next) {
		struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
		if (!before(cb->seq, tp->snd_nxt))
			break;
		if (tcp_packets_in_flight(tp) >= tcp_snd_cwnd(tp))
			break;
		if (tp->retrans_out >= tp->lost_out)
			break;
		if (!(cb->sacked & TCPCB_LOST) ||
		    (cb->sacked & (TCPCB_SACKED_ACKED | TCPCB_SACKED_RETRANS)))
			continue;
		/* TSQ with the limit doubled (Linux tcp_small_queue_check(sk,
		 * skb, 1)): the completion that frees room calls this again */
		if (tcp_small_queue_check(sk, skb, 1))
			break;
		if (tcp_retransmit_skb(sk, skb) || !(cb->sacked & TCPCB_SACKED_RETRANS))
			break; /* refused below, or still in a host queue */
	}
}
