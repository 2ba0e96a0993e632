/*
 * stack/netfilter.h - netfilter hooks, and the queue to a user-level
 * screening process (NFQUEUE).
 *
 * Linux counterpart: include/linux/netfilter.h (nf_hook, NF_HOOK, struct
 * nf_hook_ops, the verdicts), net/netfilter/nfnetlink_queue.c (the NFQUEUE
 * target: nfqnl_enqueue_packet, nfqnl_recv_verdict, queue_maxlen) and, on
 * the user side, libnetfilter_queue.  Seed text: "Network layer" ("This
 * layer also has hooks for netfilter ...").
 *
 * Position in the call chain:
 *   ip_rcv / ip_local_deliver / ip_forward / __ip_local_out / ip_output
 *     -> nf_hook(hook, okfn) -> the hook functions (ip_tables.c, screend's)
 *        verdict NF_QUEUE_NR(n) -> nf_queue -> queue n (screen_queue for 0)
 *   (process, task context) nfq_recv <- queue n; nfq_set_verdict ->
 *        NF_ACCEPT: nf_reinject: the hook functions after the one that
 *                   queued it, then the okfn (the rest of the path)
 *        NF_DROP:   skb_drop(SKB_DROP_SCREEN)
 *
 * This is the "screend" of Mogul and Ramakrishnan ("Eliminating Receive
 * Livelock in an Interrupt-Driven Kernel", 1996/1997): a user-level packet
 * filter in the forwarding path of a router.  Its queue, "screen_queue",
 * holds at most screen_queue_len packets (a host key,
 * netdev_host_conf_keys); a packet that finds it full is dropped there
 * (SKB_DROP_SCREEN at nfqnl_enqueue, Linux's queue_dropped), after the
 * CPU has paid for its input processing: the waste that livelock is made
 * of.  With screen_feedback on, the queue blocks the host's input
 * (dev_rx_throttle) when it reaches screen_queue_high packets and unblocks
 * it when it is down to screen_queue_low: the paper's queue-state feedback.
 *
 * Costs: the process pays COST_SYSCALL for nfq_recv (plus the copy to user
 * memory) and for nfq_set_verdict, COST_SCREEN for nfq_screen (its work on
 * one packet), and the okfn's own costs (ip_output, driver) in its task
 * context; waking it costs COST_WAKEUP in the waker's context.
 */
#ifndef NETSIM_STACK_NETFILTER_H
#define NETSIM_STACK_NETFILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "stack/skbuff.h"

struct host;
struct net_device;

enum nf_inet_hooks {
	NF_INET_PRE_ROUTING,
	NF_INET_LOCAL_IN,
	NF_INET_FORWARD,
	NF_INET_LOCAL_OUT,
	NF_INET_POST_ROUTING,
	NF_INET_NUMHOOKS
};

/* Verdicts of a hook function (Linux NF_DROP ... NF_QUEUE). */
enum nf_verdict { NF_DROP = 0, NF_ACCEPT = 1, NF_STOLEN = 2, NF_QUEUE = 3 };

/* Linux include/uapi/linux/netfilter.h: NF_QUEUE with a queue number in
 * the high 16 bits, and the bypass flag (accept when no process listens). */
#define NF_VERDICT_MASK 0x000000ffu
#define NF_VERDICT_FLAG_QUEUE_BYPASS 0x00008000u
#define NF_VERDICT_QBITS 16
#define NF_QUEUE_NR(x) ((((unsigned)(x) << NF_VERDICT_QBITS) & 0xffff0000u) | NF_QUEUE)

/* The rest of the caller's path after the hook (Linux's okfn): ip_rcv_finish,
 * ip_local_deliver_finish, ip_output (FORWARD), ip_local_out's dst_output,
 * ip_finish_output.  Called when a queued packet is accepted. */
typedef int (*nf_okfn)(struct sk_buff *skb, struct net_device *out, uint32_t nexthop);

struct nf_hook_state {
	unsigned hook;
	struct net_device *in, *out;
	uint32_t nexthop;
	nf_okfn okfn;
};

/* A hook function and where it hangs (Linux struct nf_hook_ops). */
struct nf_hook_ops {
	/* Required.  NF_ACCEPT: the next hook, then the caller goes on.
	 * NF_DROP: dropped by nf_hook (reason netfilter_drop, the hook as
	 * place).  NF_STOLEN: the hook took @skb (and owns it).
	 * NF_QUEUE_NR(n) [| NF_VERDICT_FLAG_QUEUE_BYPASS]: nf_hook puts it on
	 * queue n for a process (nf_queue). */
	unsigned (*hook)(void *priv, struct sk_buff *skb, const struct nf_hook_state *state);
	void *priv;
	unsigned hooknum;
	struct nf_hook_ops *next; /* private to netfilter.c */
};

void nf_register_net_hook(struct host *host, struct nf_hook_ops *ops);
void nf_unregister_net_hook(struct host *host, struct nf_hook_ops *ops);

/*
 * Run the hooks of @hook on @skb.  Returns 1 when every hook accepted it:
 * the caller goes on (calls @okfn itself).  Returns 0 when a hook stole or
 * queued it, -EPERM when one dropped it: @skb is consumed either way.
 * Linux nf_hook / nf_hook_slow (NF_DROP_GETERR: -EPERM unless the verdict
 * carries another errno).  @okfn may be NULL only where nothing queues.
 */
int nf_hook(unsigned hook, struct sk_buff *skb, struct net_device *in, struct net_device *out,
	    uint32_t nexthop, nf_okfn okfn);

/* ---- the queues to user space (NFQUEUE) and their user side -------------------- */

/*
 * Queues are numbered 0..65535, as Linux's (nfnetlink_queue instances).
 * A hook verdict NF_QUEUE_NR(n) puts the packet on queue n (the iptables
 * target `-j NFQUEUE --queue-num n`, stack/ip_tables.c); when no process
 * has bound n it is dropped (netfilter_drop), or accepted with the bypass
 * flag (Linux nf_queue: -ESRCH).  A full queue (screen_queue_len packets)
 * drops it (SKB_DROP_SCREEN, Linux queue_dropped).  Queue 0 is "the
 * screening queue" of the livelock experiments: its queues are named
 * screen_queue / screen_verdict and screen_feedback watches it; queue n
 * is nfqueueN / nfqueueN_verdict.
 */

/*
 * Bind queue 0 and hang a hook on NF_INET_FORWARD of @host that queues
 * every forwarded packet there (Linux: iptables -A FORWARD -j NFQUEUE,
 * and a process binding queue 0): screend's default.  Returns false when
 * queue 0 is bound already.
 */
bool nfq_bind(struct host *host);
/* Bind queue @num only: the host's rules decide what goes there.  Returns
 * false when it is bound already. */
bool nfq_bind_queue(struct host *host, uint16_t num);

/*
 * In a process: wait for the next packet of queue @num, copy at most @len
 * bytes of it (from the IP header) to @buf and its length to *@plen.
 * Returns the packet's id for nfq_set_verdict.  nfq_recv: queue 0.
 */
uint64_t nfq_recv_queue(uint16_t num, void *buf, size_t len, size_t *plen);
uint64_t nfq_recv(void *buf, size_t len, size_t *plen);
/* In a process: one packet's screening work (COST_SCREEN). */
void nfq_screen(void);
/* In a process: NF_ACCEPT passes packet @id of queue @num on (Linux
 * nf_reinject: the hooks after the one that queued it, then the okfn);
 * NF_DROP drops it (SKB_DROP_SCREEN).  Returns 0, or -1 when no packet has
 * that id.  nfq_set_verdict: queue 0. */
int nfq_set_verdict_queue(uint16_t num, uint64_t id, unsigned verdict);
int nfq_set_verdict(uint64_t id, unsigned verdict);

struct nfq_stats {
	uint64_t queued;	       /* packets put on the screening queue */
	uint64_t queue_dropped;	       /* found it full (Linux queue_dropped) */
	uint64_t accepted, rejected;   /* verdicts */
	uint64_t throttles;	       /* times feedback blocked input */
	uint32_t queue_len, queue_max; /* now, and the high-water mark */
};
/* Queue 0's figures; zeroes when it was never used on @host. */
void nfq_stats(struct host *host, struct nfq_stats *out);
/* The figures of queue @num (zeroes when it was never used). */
void nfq_queue_stats(struct host *host, uint16_t num, struct nfq_stats *out);

#endif
