/*
 * stack/tcp_timestamps.c - RFC 7323 timestamps: the option on every
 * segment, TS.Recent and its echo, RTT samples from TSecr, and PAWS.
 *
 * Linux counterpart (6.6): net/ipv4/tcp_output.c tcp_syn_options,
 * tcp_synack_options, tcp_established_options, tcp_options_write (the
 * option and where it goes); net/ipv4/tcp_input.c tcp_parse_options,
 * tcp_parse_aligned_timestamp, tcp_rcv_synsent_state_process (the
 * negotiation, advmss -= TCPOLEN_TSTAMP_ALIGNED), tcp_replace_ts_recent,
 * tcp_store_ts_recent, tcp_ack_update_rtt, tcp_disordered_ack,
 * tcp_validate_incoming (PAWS first, LINUX_MIB_PAWSESTABREJECTED,
 * SKB_DROP_REASON_TCP_RFC7323_PAWS); include/net/tcp.h tcp_paws_check,
 * tcp_paws_discard, TCP_PAWS_WINDOW, TCP_PAWS_24DAYS;
 * net/core/secure_seq.c secure_tcp_ts_off; net/ipv4/tcp_output.c
 * __tcp_mtu_to_mss (tcp_header_len: the 12 option bytes leave the MSS).
 *
 * The clock: Linux 6.6 stamps TSval in milliseconds (tcp_time_stamp,
 * TCP_TS_HZ 1000, from tcp_clock_ns).  Linux 6.7 added microsecond
 * TSval for routes with the tcp_usec_ts feature (off by default); netsim
 * follows the millisecond default.  Our clock is the host's simulated
 * time in ms plus tsoffset.
 *
 * Position:
 *   send:    tcp_xmit (tcp_output.c) -> tcp_ts_write: on a SYN after the
 *            MSS (SACK-permitted and TS share a word when both go, as
 *            Linux writes them), on the other segments NOP NOP TS first.
 *   receive: tcp_v4_rcv -> tcp_ts_parse (after the lookup; Linux
 *            tcp_fast_parse_options) -> tcp_rcv_state_process ->
 *            tcp_paws_discard (before the sequence check) -> tcp_ack ->
 *            tcp_replace_ts_recent, tcp_ts_rtt (when Karn's rule gives
 *            no sample).
 *
 * Simplifications (docs/sockets-and-tcp.md): the tsoffset hash has a fixed
 * key where Linux draws a boot-time secret; TIME_WAIT keeps no timestamp
 * (Linux's tw_ts_recent PAWS check and tcp_tw_reuse are not modelled);
 * the SYN-SENT check of the SYN-ACK's TSecr (LINUX_MIB_PAWSACTIVEREJECTED)
 * is not made.  Like Linux, a segment without the option on a connection
 * that negotiated it is accepted (RFC 7323 §3.2 says drop it).
 */
#include "stack/tcp.h"

#include "stack/host.h"

/* Linux secure_tcp_ts_off: with tcp_timestamps = 1 a per address pair
 * offset (siphash of saddr, daddr with a boot secret), with 2 none. */
static uint32_t
tcp_ts_off(uint32_t saddr, uint32_t daddr, uint32_t mode)
{
	if (mode != 1)
		return 0;
	uint64_t x = ((uint64_t)saddr << 32 | daddr) ^ 0x6a09e667f3bcc908ull;
	x ^= x >> 33; /* MurmurHash3's fmix64: a fixed key, no boot secret */
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return (uint32_t)x;
}

/* Linux tcp_connect_init (tcp_header_len includes TCPOLEN_TSTAMP_ALIGNED
 * when tcp_timestamps is on) and tcp_v4_connect (tsoffset): our SYN
 * offers timestamps; tcp_ts_negotiate decides. */
void
tcp_ts_connect_init(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t mode = tcp_config(sk->host)->timestamps;
	tp->rx_opt = (struct tcp_options_received){ .tstamp_ok = mode != 0 };
	tp->tsoffset = tcp_ts_off(sk->saddr, sk->daddr, mode);
}

/* Linux tcp_time_stamp_ts + tp->tsoffset: milliseconds (Linux 6.6). */
uint32_t
tcp_time_stamp(const struct sock *sk)
{
	return (uint32_t)(host_now(sk->host) / (SIM_S / TCP_TS_HZ)) + tcp_sk(sk)->tsoffset;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint8_t *
put32(uint8_t *p, uint32_t v)
{
	*p++ = (uint8_t)(v >> 24);
	*p++ = (uint8_t)(v >> 16);
	*p++ = (uint8_t)(v >> 8);
	*p++ = (uint8_t)v;
	return p;
}

/*
 * Linux tcp_parse_options, the timestamp: taken on a listener's SYN when
 * tcp_timestamps is on, else only when the connection has them (our SYN
 * offered them, or both SYNs carried them).  Sets rx_opt.saw_tstamp,
 * rcv_tsval and rcv_tsecr for this segment.
 */
void
tcp_ts_parse(struct sock *sk, const struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);
	tp->rx_opt.saw_tstamp = false;
	bool want = sk->sk_state == TCP_LISTEN ? tcp_config(sk->host)->timestamps != 0
					       : tp->rx_opt.tstamp_ok;
	const struct tcphdr *th = tcp_hdr(skb);
	const uint8_t *o = (const uint8_t *)th + TCP_HLEN;
	const uint8_t *end = (const uint8_t *)th + (th->doff_res >> 4) * 4;
	if (!want)
		return;
	/* Linux tcp_parse_aligned_timestamp (net/ipv4/tcp_input.c, called by
	 * tcp_fast_parse_options): the layout every segment of a timestamped
	 * connection has, NOP NOP TIMESTAMP 10 and nothing else, read without
	 * the walk below, which gives the same values for it. */
	if (tcp_opts_aligned_ts(o, end)) {
		tp->rx_opt.saw_tstamp = true;
		tp->rx_opt.rcv_tsval = get32(o + 4);
		tp->rx_opt.rcv_tsecr = get32(o + 8);
		return;
	}
	while (o < end && *o != TCPOPT_EOL) {
		if (*o == TCPOPT_NOP) {
			o++;
			continue;
		}
		if (o + 1 >= end || o[1] < 2 || o + o[1] > end)
			return;
		if (o[0] == TCPOPT_TIMESTAMP && o[1] == TCPOLEN_TIMESTAMP) {
			tp->rx_opt.saw_tstamp = true;
			tp->rx_opt.rcv_tsval = get32(o + 2);
			tp->rx_opt.rcv_tsecr = get32(o + 6);
		}
		o += o[1];
	}
}

/* Linux tcp_store_ts_recent */
void
tcp_store_ts_recent(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	tp->rx_opt.ts_recent = tp->rx_opt.rcv_tsval;
	tp->rx_opt.ts_recent_stamp = (uint32_t)(host_now(sk->host) / SIM_S);
}

/*
 * RFC 7323 §3.2: timestamps hold when both SYNs carried them.  @syn is
 * what the SYN (listener, @active false) or SYN-ACK (@active true) carried.
 * Then every segment carries 12 option bytes, which leave the MSS (Linux
 * tcp_header_len in __tcp_mtu_to_mss: mss_cache 1448 on Ethernet), and
 * the active side lowers advmss as well (tcp_rcv_synsent_state_process).
 */
void
tcp_ts_negotiate(struct sock *sk, const struct tcp_options_received *syn, bool active)
{
	struct tcp_sock *tp = tcp_sk(sk);
	tp->rx_opt.saw_tstamp = syn->saw_tstamp;
	tp->rx_opt.rcv_tsval = syn->rcv_tsval;
	tp->rx_opt.rcv_tsecr = syn->rcv_tsecr;
	tp->rx_opt.tstamp_ok = syn->saw_tstamp;
	if (!tp->rx_opt.tstamp_ok)
		return;
	tcp_store_ts_recent(sk);
	tp->mss -= TCPOLEN_TSTAMP_ALIGNED;
	if (active)
		tp->advmss -= TCPOLEN_TSTAMP_ALIGNED;
}

/*
 * Linux tcp_options_write, OPTION_TS: TSval (our clock) and TSecr
 * (ts_recent; 0 on our first SYN).  On a SYN that also offers SACK the
 * two share a word (SACK-permitted, kind 8 length 10), otherwise NOP NOP
 * comes first; 12 bytes either way.  Returns where the next option goes.
 */
uint8_t *
tcp_ts_write(struct sock *sk, uint8_t *o, bool sackperm)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (sackperm) {
		*o++ = TCPOPT_SACK_PERM;
		*o++ = TCPOLEN_SACK_PERM;
	} else {
		*o++ = TCPOPT_NOP;
		*o++ = TCPOPT_NOP;
	}
	*o++ = TCPOPT_TIMESTAMP;
	*o++ = TCPOLEN_TIMESTAMP;
	o = put32(o, tcp_time_stamp(sk));
	return put32(o, tp->rx_opt.ts_recent);
}

/* tcp_paws_check's rare half, out of line: gcc computed its division by
 * SIM_S ahead of the first test, on every segment (perf: a tenth of
 * tcp_v4_rcv's time). */
static G_GNUC_NO_INLINE bool
tcp_paws_stale(const struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	uint32_t now_s = (uint32_t)(host_now(sk->host) / SIM_S);
	if (!((int32_t)(now_s - (tp->rx_opt.ts_recent_stamp + TCP_PAWS_24DAYS)) < 0))
		return true;
	return tp->rx_opt.ts_recent == 0;
}

/*
 * Linux tcp_paws_check: is rcv_tsval acceptable?  Yes when it is at most
 * @paws_win behind ts_recent, when ts_recent is older than 24 days (RFC
 * 7323 §5.5: the peer's clock may have wrapped since), or when ts_recent
 * is 0 (some stacks send 0 on their SYN).  Modulo 2^32, as sequence numbers.
 */
static bool
tcp_paws_check(const struct sock *sk, int paws_win)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	if ((int32_t)(tp->rx_opt.ts_recent - tp->rx_opt.rcv_tsval) <= paws_win)
		return true;
	return tcp_paws_stale(sk);
}

/* Linux tcp_may_update_window */
static bool
tcp_may_update_window(const struct tcp_sock *tp, uint32_t ack, uint32_t ack_seq, uint32_t nwin)
{
	return after(ack, tp->snd_una) || after(ack_seq, tp->snd_wl1) ||
		(ack_seq == tp->snd_wl1 && (nwin > tp->snd_wnd || !nwin));
}

/*
 * Linux tcp_disordered_ack: a pure duplicate ACK at rcv_nxt that changes
 * no window, with a TSval less than one RTO (in ticks, as Linux's
 * icsk_rto * 1024 / HZ) behind: ACKs reordered on the way, let through.
 */
static bool
tcp_disordered_ack(const struct sock *sk, const struct sk_buff *skb)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	const struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
	uint32_t nwin = (uint32_t)cb->window << tp->snd_wscale;
	int64_t rto_ticks = tp->rto * 1024 / SIM_S;
	return (cb->flags & TCPHDR_ACK) && cb->seq == cb->end_seq && cb->seq == tp->rcv_nxt &&
		cb->ack_seq == tp->snd_una &&
		!tcp_may_update_window(tp, cb->ack_seq, cb->seq, nwin) &&
		(int64_t)(int32_t)(tp->rx_opt.ts_recent - tp->rx_opt.rcv_tsval) <= rto_ticks;
}

/*
 * Linux tcp_paws_reject (include/net/tcp.h, 6.6), as TIME_WAIT applies it
 * (tcp_timewait_state_process): a TSval behind ts_recent fails, but a RST
 * passes once ts_recent is older than TCP_PAWS_MSL (60 s), since a peer
 * that rebooted may have a clock far behind.
 */
bool
tcp_paws_reject(const struct sock *sk, bool rst)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	if (tcp_paws_check(sk, 0))
		return false;
	uint32_t now_s = (uint32_t)(host_now(sk->host) / SIM_S);
	if (rst && !((int32_t)(now_s - (tp->rx_opt.ts_recent_stamp + TCP_PAWS_MSL)) < 0))
		return false;
	return true;
}

/*
 * RFC 7323 §5.3 R1 as Linux runs it (tcp_validate_incoming, tcp_paws_discard):
 * a segment whose TSval is older than ts_recent is a duplicate from an
 * earlier wrap of the sequence space; it is dropped (counted as
 * PAWSEstabRejected) and answered with an ACK.  A RST passes (Linux
 * accepts it even if it fails PAWS) and a SYN goes on to the challenge
 * ACK.  True: the caller ACKs and drops @skb.
 */
bool
tcp_paws_discard(struct sock *sk, const struct sk_buff *skb)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	if (!tp->rx_opt.tstamp_ok || !tp->rx_opt.saw_tstamp ||
	    (TCP_SKB_CB(skb)->flags & (TCPHDR_RST | TCPHDR_SYN)))
		return false;
	if (tcp_paws_check(sk, TCP_PAWS_WINDOW) || tcp_disordered_ack(sk, skb))
		return false;
	tcp_mib_mut(sk->host)->paws_estab_rejected++;
	return true;
}

/*
 * RFC 7323 §4.3 as Linux's tcp_replace_ts_recent: remember the TSval of a
 * segment that starts at or before the left edge of the window last
 * advertised (Linux tp->rcv_wup, our rcv_acked), so that what is echoed
 * is the TSval of the oldest unacknowledged segment (a delayed ACK echoes
 * the first of the two segments it covers) and not of an out-of-order
 * one.  Only after the ACK is found acceptable (Linux tcp_ack with
 * FLAG_UPDATE_TS_RECENT).
 */
void
tcp_replace_ts_recent(struct sock *sk, uint32_t seq)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (tp->rx_opt.saw_tstamp && !after(seq, tp->rcv_acked) && tcp_paws_check(sk, 0))
		tcp_store_ts_recent(sk);
}

/*
 * RFC 7323 §4.1 as Linux's tcp_ack_update_rtt: when the ACK acknowledges
 * new data and Karn's rule gave no sample (everything acknowledged was
 * retransmitted), the RTT is now - TSecr, in ms, at least 1 ms.  -1: none.
 */
sim_time_t
tcp_ts_rtt(const struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	if (!tp->rx_opt.tstamp_ok || !tp->rx_opt.saw_tstamp || !tp->rx_opt.rcv_tsecr)
		return -1;
	uint32_t delta = tcp_time_stamp(sk) - tp->rx_opt.rcv_tsecr;
	if (delta >= INT32_MAX / (1000000 / TCP_TS_HZ))
		return -1;
	return (sim_time_t)(delta ? delta : 1) * (SIM_S / TCP_TS_HZ);
}
