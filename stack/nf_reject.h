/*
 * stack/nf_reject.h - the packets the REJECT target sends before it drops:
 * an ICMP destination unreachable, or a TCP RST (--reject-with tcp-reset).
 *
 * Linux counterpart: net/ipv4/netfilter/nf_reject_ipv4.c (nf_send_unreach,
 * nf_send_reset), called from ipt_REJECT.c reject_tg in INPUT, FORWARD and
 * OUTPUT.  In OUTPUT the packet is the host's own: the ICMP error or the
 * RST goes to one of its own addresses, round through loopback, and reaches
 * the sending socket like an answer from the peer (udp_err; a SYN_SENT TCP
 * socket takes the RST as ECONNREFUSED).
 *
 * Position: nf_hook -> ipt_do_table -> nf_send_unreach -> icmp_send, or
 * nf_send_reset -> ip_local_out (through LOCAL_OUT again, as in Linux).
 */
#ifndef NETSIM_STACK_NF_REJECT_H
#define NETSIM_STACK_NF_REJECT_H

#include <stdint.h>
#include "stack/skbuff.h"

/* ICMP destination unreachable with @code about @skb (IP header at its network header). */
void nf_send_unreach(struct sk_buff *skb, uint8_t code);
/* A TCP RST answering @skb's segment; nothing for an RST, a non-first
 * fragment or a truncated header (Linux nf_reject_ip_tcphdr_get). */
void nf_send_reset(struct sk_buff *skb);

#endif
