/*
 * stack/tcp_tsq.h - what holds TCP's transmission back besides the windows:
 * TCP Small Queues, autocorking and TSO deferral (stack/tcp_tsq.c).
 *
 * Linux counterpart (6.6): net/ipv4/tcp_output.c (tcp_small_queue_check,
 * tcp_wfree, tcp_tsq_handler, tcp_tasklet_func, tcp_tso_should_defer),
 * net/ipv4/tcp.c (tcp_should_autocork, tcp_push).
 */
#ifndef NETSIM_STACK_TCP_TSQ_H
#define NETSIM_STACK_TCP_TSQ_H

#include <stdbool.h>
#include <stdint.h>
#include "stack/tcp.h"

/* Linux net/ipv4/tcp_ipv4.c tcp_sk_init (6.6): "Default TSQ limit of 16
 * TSO segments", 16 * 65536 since 5.1 (c73e5807e4f6; 256 KB from 4.2,
 * 128 KB in 3.6 where TSQ came); 4 MB from 6.16. */
#define TCP_LIMIT_OUTPUT_BYTES (16u * 65536u)
#define TCP_TSO_WIN_DIVISOR 3u /* Linux sysctl_tcp_tso_win_divisor */

/* Linux enum tsq_flags (include/linux/tcp.h) */
#define TSQF_THROTTLED 0x1 /* tcp_write_xmit (or tcp_push) stopped for TSQ */
#define TSQF_QUEUED 0x2	   /* on the TSQ tasklet's list */

/* Charge @skb, on its way down, to @sk (Linux __tcp_transmit_skb:
 * skb->destructor = tcp_wfree or, for a pure ACK, __sock_wfree;
 * refcount_add(skb->truesize, &sk->sk_wmem_alloc)). */
void tcp_skb_set_owner_w(struct sock *sk, struct sk_buff *skb, bool pure_ack);
/* Linux tcp_small_queue_check: true when tcp_write_xmit must stop
 * (TSQF_THROTTLED set); @factor 1 for retransmissions. */
bool tcp_small_queue_check(struct sock *sk, const struct sk_buff *skb, unsigned factor);
/* Linux tcp_should_autocork and its use in tcp_push: true when the tail
 * @skb waits for a TX completion (TSQF_THROTTLED set, TCPAutoCorking). */
bool tcp_autocork(struct sock *sk, const struct sk_buff *skb, uint32_t size_goal);
/* Linux tcp_tso_should_defer: hold the GSO skb @skb for a larger send. */
bool tcp_tso_should_defer(struct sock *sk, const struct sk_buff *skb, uint32_t max_segs);
/* Linux sk_pacing_rate as tcp_update_pacing_rate sets it, bytes per second
 * (UINT64_MAX before the first RTT sample: Linux's ~0UL). */
uint64_t tcp_pacing_rate(const struct sock *sk);
/* The host's TSQ tasklets (stack/tcp.c keeps the pointer). */
void **tcp_tsq_slot(struct host *host);
/* Host teardown (tcp_host_fini): the tasklets let go of their sockets. */
void tcp_tsq_host_fini(struct host *host);

#endif
