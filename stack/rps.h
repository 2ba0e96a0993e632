/*
 * stack/rps.h - receive packet and flow steering (RPS, RFS) and the
 * backlog's flow limit: which CPU's backlog a received packet goes to,
 * and which packets a CPU's backlog refuses when it is half full.
 *
 * Linux counterpart (6.6): net/core/dev.c (get_rps_cpu, set_rps_cpu,
 * skb_flow_limit), include/linux/netdevice.h (struct rps_map,
 * rps_dev_flow, rps_dev_flow_table, rps_sock_flow_table,
 * rps_record_sock_flow), include/net/sock.h (sock_rps_record_flow,
 * sock_rps_save_rxhash), net/core/net-sysfs.c
 * (store_rps_dev_flow_table_cnt), net/core/sysctl_net_core.c
 * (rps_sock_flow_sysctl, flow_limit_cpu_sysctl).
 *
 * Position:
 *   recvmsg/sendmsg/accept (af_inet.c) -> sock_rps_record_flow: the
 *       global sock flow table remembers the CPU the reader runs on
 *   udp_rcv / tcp_v4_rcv -> sock_rps_save_rxhash: the socket learns its
 *       flow's hash
 *   netif_receive_skb / netif_rx -> get_rps_cpu: the reader's CPU (RFS)
 *       if the flow may move there without reordering, else the rps_cpus
 *       map (RPS), else none -> enqueue_to_backlog (stack/softnet.c) ->
 *       skb_flow_limit
 */
#ifndef NETSIM_STACK_RPS_H
#define NETSIM_STACK_RPS_H

#include <stdbool.h>
#include <stdint.h>
#include "stack/netdevice.h"
#include "stack/sock.h"

/* Linux RPS_NO_CPU: a flow entry that names no CPU */
#define RPS_NO_CPU 0xffffu
/* Linux FLOW_LIMIT_HISTORY (net/core/dev.c): the last 128 packets */
#define FLOW_LIMIT_HISTORY 128u
/* Linux netdev_flow_limit_table_len's default (net.core.flow_limit_table_len) */
#define FLOW_LIMIT_TABLE_LEN 4096u
/* Largest rps_flow_cnt and rps_sock_flow_entries netsim takes (Linux takes
 * up to 2^29 sock entries; tables this large change nothing taught) */
#define RPS_MAX_FLOW_ENTRIES (1u << 20)

/* Linux struct rps_dev_flow: the CPU a flow's packets go to, and the
 * input_queue_tail of that CPU's backlog after its last packet. */
struct rps_dev_flow {
	uint32_t cpu; /* RPS_NO_CPU: none yet */
	uint32_t last_qtail;
};

/* Linux struct rps_dev_flow_table: one per RX queue (rps_flow_cnt). */
struct rps_dev_flow_table {
	uint32_t mask; /* entries - 1, a power of two minus one */
	struct rps_dev_flow flows[];
};

/* Linux struct rps_sock_flow_table: one per host (rps_sock_flow_entries);
 * each entry the flow hash's upper bits and the reader's CPU in the low
 * bits (rps_cpu_mask). */
struct rps_sock_flow_table {
	uint32_t mask;
	uint32_t cpu_mask; /* rps_cpu_mask: roundup_pow_of_two(ncpus) - 1 */
	uint32_t ents[];
};

/*
 * net.core.rps_sock_flow_entries: the host's sock flow table of
 * @entries (rounded up to a power of two; 0 removes it), every entry
 * RPS_NO_CPU (rps_sock_flow_sysctl).
 */
void rps_set_sock_flow_entries(struct host *host, uint32_t entries);
/* /sys/class/net/IF/queues/rx-@queue/rps_flow_cnt: RX queue @queue's flow
 * table of @cnt entries (rounded up to a power of two; 0 removes it),
 * every flow on RPS_NO_CPU (store_rps_dev_flow_table_cnt). */
void netif_set_rps_flow_cnt(struct net_device *dev, uint32_t nqueues, uint32_t queue, uint32_t cnt);
/* net.core.flow_limit_cpu_bitmap: CPUs whose backlogs apply the flow
 * limit (a table of FLOW_LIMIT_TABLE_LEN buckets each); 0 turns it off. */
void rps_set_flow_limit_cpus(struct host *host, uint64_t mask);

/* Linux rps_record_sock_flow: remember that the flow of @hash is read on
 * the CPU running now (0 hashes are not recorded). */
void rps_record_sock_flow(struct host *host, uint32_t hash);

/* Linux sock_rps_record_flow (recvmsg, sendmsg, accept): only connected
 * sockets (TCP_ESTABLISHED, which a connected UDP socket also is) have
 * one flow to record. */
static inline void
sock_rps_record_flow(const struct sock *sk)
{
	if (sk->sk_state == 1 /* TCP_ESTABLISHED */ && sk->sk_rxhash)
		rps_record_sock_flow(sk->host, sk->sk_rxhash);
}

/* Linux sock_rps_save_rxhash: the socket learns its flow's hash from a
 * received packet (tcp_v4_do_rcv when established, __udp_queue_rcv_skb
 * when connected). */
static inline void
sock_rps_save_rxhash(struct sock *sk, const struct sk_buff *skb)
{
	if (sk->sk_rxhash != skb->hash)
		sk->sk_rxhash = skb->hash;
}

#endif
