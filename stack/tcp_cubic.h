/*
 * stack/tcp_cubic.h - CUBIC's per-socket state (Linux struct bictcp in
 * net/ipv4/tcp_cubic.c, kept in icsk_ca_priv), public so that tests can
 * check the curve against the formula.  The algorithm is stack/tcp_cubic.c.
 */
#ifndef NETSIM_STACK_TCP_CUBIC_H
#define NETSIM_STACK_TCP_CUBIC_H

#include <stdint.h>
#include "stack/tcp_cong.h"

/* Linux struct bictcp (in the socket's icsk_ca_priv). */
struct bictcp {
	uint32_t cnt;		   /* increase cwnd by 1 after this many ACKs */
	uint32_t last_max_cwnd;	   /* W_max: cwnd at the last loss */
	uint32_t last_cwnd;	   /* cwnd at the last update */
	uint32_t last_time;	   /* jiffies of the last update */
	uint32_t bic_origin_point; /* origin point of the cubic function */
	uint32_t bic_K;		   /* time to the origin point from the epoch start, 2^-10 s */
	uint32_t delay_min;	   /* min delay (us) */
	uint32_t epoch_start;	   /* beginning of an epoch (jiffies), 0: none */
	uint32_t ack_cnt;	   /* number of acks */
	uint32_t tcp_cwnd;	   /* estimated Reno cwnd */
	uint16_t unused;
	uint8_t sample_cnt; /* samples to decide curr_rtt */
	uint8_t found;	    /* the exit point is found */
	uint32_t round_start;
	uint32_t end_seq;
	uint32_t last_ack;
	uint32_t curr_rtt; /* the minimum rtt of the current round */
};

struct bictcp *cubic_ca(struct sock *sk);
uint32_t tcp_cubic_root(uint64_t a); /* Linux cubic_root */
/* W(t) in segments, @t in 2^-10 s since epoch_start (bictcp_update). */
uint32_t tcp_cubic_target(const struct bictcp *ca, uint64_t t);

#endif
