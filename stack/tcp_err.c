/*
 * stack/tcp_err.c - ICMP errors about a TCP connection's segments.
 *
 * Linux counterpart: net/ipv4/tcp_ipv4.c (tcp_v4_err, as in 6.6) with
 * net/ipv4/icmp.c's icmp_err_convert.
 *
 * Position: icmp_rcv -> icmp_unreach -> net_protocol err_handler ->
 * tcp_v4_err.  The skb's data starts at the quoted IP header (our own
 * segment, so its source is the local end), with at least 8 bytes of
 * the TCP header after it: the ports and the sequence number.
 *
 * What it decides (RFC 1122 4.2.3.9): an opening connection (SYN_SENT,
 * SYN_RECV) gives up at once with the error, so connect() fails with,
 * for example, ECONNREFUSED for a port unreachable; an established one
 * keeps trying and keeps the error as a soft one, reported only if it
 * times out (tcp_retransmit_timer).  Not modelled: IP_RECVERR (which
 * would report it at once), PMTU discovery on "fragmentation needed"
 * (netsim's TCP keeps its MSS), redirects, and the RFC 6069 RTO revert.
 */
#include "stack/tcp.h"

#include <errno.h>
#include <netinet/in.h>
#include "stack/icmp.h"
#include "stack/ipv4.h"

/* icmp_err_convert's errno by destination-unreachable code (0..15). */
static const int unreach_errno[] = {
	ENETUNREACH,  /* NET_UNREACH */
	EHOSTUNREACH, /* HOST_UNREACH */
	ENOPROTOOPT,  /* PROT_UNREACH */
	ECONNREFUSED, /* PORT_UNREACH */
	EMSGSIZE,     /* FRAG_NEEDED */
	EOPNOTSUPP,   /* SR_FAILED */
	ENETUNREACH,  /* NET_UNKNOWN */
	EHOSTDOWN,    /* HOST_UNKNOWN */
	ENONET,	      /* HOST_ISOLATED */
	ENETUNREACH,  /* NET_ANO */
	EHOSTUNREACH, /* HOST_ANO */
	ENETUNREACH,  /* NET_UNR_TOS */
	EHOSTUNREACH, /* HOST_UNR_TOS */
	EHOSTUNREACH, /* PKT_FILTERED */
	EHOSTUNREACH, /* PREC_VIOLATION */
	EHOSTUNREACH, /* PREC_CUTOFF */
};

/* The errno an ICMP error stands for, or 0 when TCP ignores it. */
static int
tcp_icmp_errno(const struct icmphdr *icmph)
{
	switch (icmph->type) {
	case ICMP_PARAMETERPROB: return EPROTO;
	case ICMP_TIME_EXCEEDED: return EHOSTUNREACH;
	case ICMP_DEST_UNREACH:
		if (icmph->code >= G_N_ELEMENTS(unreach_errno) || icmph->code == ICMP_FRAG_NEEDED)
			return 0;
		return unreach_errno[icmph->code];
	default: return 0;
	}
}

void
tcp_v4_err(struct sk_buff *skb, uint32_t info)
{
	(void)info; /* the MTU of "fragmentation needed": no PMTU discovery */
	const struct iphdr *inner = (const struct iphdr *)skb->data;
	const struct tcphdr *th = (const struct tcphdr *)(skb->data + ip_hdrlen(inner));
	/* __inet_lookup_established: connections only, never a listener */
	struct sock *sk = tcp_lookup(skb->host, ntohl(inner->saddr), ntohs(th->source),
				     ntohl(inner->daddr), ntohs(th->dest));
	if (!sk || sk->sk_state == TCP_LISTEN || sk->sk_state == TCP_CLOSE)
		return;
	struct tcp_sock *tp = tcp_sk(sk);
	/* between(seq, snd_una, snd_nxt): about a segment still in flight */
	uint32_t seq = ntohl(th->seq);
	if (seq - tp->snd_una > tp->snd_nxt - tp->snd_una) {
		tcp_mib_mut(sk->host)->out_of_window_icmps++;
		return;
	}
	int err = tcp_icmp_errno(icmp_hdr(skb));
	if (!err)
		return;
	if (sk->sk_state == TCP_SYN_SENT || sk->sk_state == TCP_SYN_RECV) {
		sk->sk_err = err;
		tcp_done(sk); /* wakes the connect() waiting on it */
		return;
	}
	sk->sk_err_soft = err;
}
