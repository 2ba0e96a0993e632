/*
 * stack/tcp_options.c - the options of an arriving segment (MSS, window
 * scale, SACK-permitted, SACK blocks) and what the SYNs negotiate with
 * them; moved out of tcp_input.c unchanged.  Timestamps are parsed and
 * negotiated in tcp_timestamps.c, where they are used.
 *
 * Linux counterpart (6.6): net/ipv4/tcp_input.c tcp_parse_options,
 * tcp_rcv_synsent_state_process and net/ipv4/tcp_minisocks.c
 * tcp_create_openreq_child (the negotiation).
 *
 * Position: tcp_v4_rcv -> tcp_parse_options (into TCP_SKB_CB) -> the
 * listener (tcp_listen_rcv) or SYN_SENT (tcp_synsent_rcv) ->
 * tcp_sack_negotiate, tcp_wscale_negotiate.
 */
#include "stack/tcp.h"

/*
 * Linux tcp_parse_options: MSS, window scale and SACK-permitted count on a
 * SYN only; a SACK option of 1 to 4 whole blocks is remembered by its
 * offset (Linux keeps it in TCP_SKB_CB(skb)->sacked) for
 * tcp_sacktag_write_queue, which uses it only if SACK was negotiated.
 */
void
tcp_parse_options(struct sk_buff *skb, const struct tcphdr *th, uint32_t hlen)
{
	const uint8_t *o = (const uint8_t *)th + TCP_HLEN, *end = (const uint8_t *)th + hlen;
	bool syn = th->flags & TCPHDR_SYN;
	/* The aligned timestamp alone (tcp_ts_parse reads it): nothing here
	 * but a SYN's options and SACK blocks, so nothing to find in it. */
	if (!syn && tcp_opts_aligned_ts(o, end))
		return;
	while (o < end) {
		if (*o == TCPOPT_EOL)
			break;
		if (*o == TCPOPT_NOP) {
			o++;
			continue;
		}
		if (o + 1 >= end || o[1] < 2 || o + o[1] > end)
			break;
		if (syn && o[0] == TCPOPT_MSS && o[1] == TCPOLEN_MSS)
			TCP_SKB_CB(skb)->mss = (uint16_t)(o[2] << 8 | o[3]);
		if (syn && o[0] == TCPOPT_WINDOW && o[1] == TCPOLEN_WINDOW)
			TCP_SKB_CB(skb)->wscale = (int8_t)MIN(o[2], TCP_MAX_WSCALE);
		if (syn && o[0] == TCPOPT_SACK_PERM && o[1] == TCPOLEN_SACK_PERM)
			TCP_SKB_CB(skb)->sack_perm = true;
		if (!syn && o[0] == TCPOPT_SACK &&
		    o[1] >= TCPOLEN_SACK_BASE + TCPOLEN_SACK_PERBLOCK &&
		    (o[1] - TCPOLEN_SACK_BASE) % TCPOLEN_SACK_PERBLOCK == 0)
			TCP_SKB_CB(skb)->sack_off = (uint16_t)(o - skb->head);
		o += o[1];
	}
}

/* RFC 2018 §2: SACK holds only when both SYNs carried SACK-permitted and
 * our tcp_sack is on (Linux tcp_parse_options with sysctl_tcp_sack). */
void
tcp_sack_negotiate(struct sock *sk, const struct tcp_skb_cb *cb)
{
	tcp_sk(sk)->sack_ok = tcp_config(sk->host)->sack && cb->sack_perm;
}

/* RFC 7323 §2.2: scaling holds only when both SYNs carried the option. */
void
tcp_wscale_negotiate(struct sock *sk, int wscale)
{
	struct tcp_sock *tp = tcp_sk(sk);
	tp->wscale_ok = wscale >= 0;
	tp->snd_wscale = tp->wscale_ok ? (uint8_t)wscale : 0;
	if (!tp->wscale_ok)
		tp->rcv_wscale = 0;
}
