/*
 * stack/netfilter.c - netfilter hooks and the screening queue (NFQUEUE).
 *
 * Linux counterpart: net/netfilter/core.c (nf_hook_slow), nfnetlink_queue.c
 * (nfqnl_enqueue_packet, nfqnl_recv_verdict) and libnetfilter_queue on the
 * user side.  netfilter.h has the call chain and the costs.
 *
 * Per host, struct nf_state (host->nf) holds the hook lists and the one
 * queue, created by the first nf_register_net_hook.  A queued skb sits on
 * "screen_queue" until a process takes it with nfq_recv, then on
 * "screen_verdict" until nfq_set_verdict: always on a named queue, so the
 * conservation check sees it.  While queued, the skb's control block holds
 * the hook state (after IP's struct inet_skb_parm, which stays valid).
 */
#include "stack/netfilter.h"

#include <string.h>
#include "sim/proc.h"
#include "stack/host.h"
#include "stack/netdevice.h"
#include "stack/socket.h"
#include "trace/trace.h"

/* What nf_reinject needs, in skb->cb behind IP's 24 bytes. */
struct nf_queue_cb {
	nf_okfn okfn;
	uint32_t out_ifindex;
	uint32_t nexthop;
};
#define NF_CB_OFFSET 24
_Static_assert(NF_CB_OFFSET + sizeof(struct nf_queue_cb) <= SKB_CB_SIZE, "skb->cb too small");

static inline struct nf_queue_cb *
NF_CB(struct sk_buff *skb)
{
	return (struct nf_queue_cb *)(void *)(skb->cb + NF_CB_OFFSET);
}

struct nf_state {
	struct host *host;
	struct nf_hook_ops *hooks[NF_INET_NUMHOOKS];
	struct nf_hook_ops nfq_ops; /* the NFQUEUE target, once bound */
	bool bound;
	struct sk_buff_head queue;   /* "screen_queue" */
	struct sk_buff_head verdict; /* "screen_verdict": taken, no verdict yet */
	struct proc *waiter;	     /* the process blocked in nfq_recv */
	bool throttling;	     /* our feedback holds input blocked */
	struct nfq_stats stats;
};

static void
nf_fini(struct host *host)
{
	struct nf_state *nf = host->nf;
	skb_queue_purge(&nf->queue, SKB_DROP_QUEUE_PURGE);
	skb_queue_purge(&nf->verdict, SKB_DROP_QUEUE_PURGE);
	g_free(nf);
	host->nf = NULL;
}

static struct nf_state *
nf_state(struct host *host)
{
	if (!host->nf) {
		struct nf_state *nf = g_new0(struct nf_state, 1);
		nf->host = host;
		skb_queue_head_init(&nf->queue, "screen_queue", "netfilter");
		skb_queue_head_init(&nf->verdict, "screen_verdict", "netfilter");
		host->nf = nf;
		host_add_fini(host, nf_fini);
	}
	return host->nf;
}

void
nf_register_net_hook(struct host *host, struct nf_hook_ops *ops)
{
	struct nf_state *nf = nf_state(host);
	g_assert(ops->hook && ops->hooknum < NF_INET_NUMHOOKS);
	struct nf_hook_ops **p = &nf->hooks[ops->hooknum];
	while (*p)
		p = &(*p)->next;
	ops->next = NULL;
	*p = ops;
}

void
nf_unregister_net_hook(struct host *host, struct nf_hook_ops *ops)
{
	struct nf_state *nf = host->nf;
	if (!nf)
		return;
	for (struct nf_hook_ops **p = &nf->hooks[ops->hooknum]; *p; p = &(*p)->next) {
		if (*p == ops) {
			*p = ops->next;
			ops->next = NULL;
			return;
		}
	}
}

int
nf_hook(unsigned hook, struct sk_buff *skb, struct net_device *in, struct net_device *out,
	uint32_t nexthop, nf_okfn okfn)
{
	struct nf_state *nf = skb->host->nf;
	if (!nf || !nf->hooks[hook])
		return 1;
	const struct nf_hook_state st = {
		.hook = hook,
		.in = in,
		.out = out,
		.nexthop = nexthop,
		.okfn = okfn,
	};
	skb_handoff(skb, "netfilter", "nf_hook_slow");
	for (struct nf_hook_ops *o = nf->hooks[hook]; o; o = o->next) {
		switch (o->hook(o->priv, skb, &st)) {
		case NF_ACCEPT: continue;
		case NF_DROP: skb_drop(skb, SKB_DROP_NETFILTER); return 0;
		default: /* NF_STOLEN, NF_QUEUE: the hook owns it now */ return 0;
		}
	}
	return 1;
}

/* ---- the screening queue ---------------------------------------------------------- */

/* Mogul & Ramakrishnan 6.6: queue-state feedback with two watermarks. */
static void
nfq_feedback(struct nf_state *nf)
{
	const struct netdev_host_config *c = dev_host_config(nf->host);
	uint32_t len = skb_queue_len(&nf->queue);
	if (c->screen_feedback && !nf->throttling && len >= c->screen_queue_high) {
		nf->throttling = true;
		nf->stats.throttles++;
		dev_rx_throttle(nf->host, true);
	} else if (nf->throttling && len <= c->screen_queue_low) {
		nf->throttling = false;
		dev_rx_throttle(nf->host, false);
	}
}

/* The NFQUEUE target (Linux nfqnl_enqueue_packet), softirq context. */
static unsigned
nfqnl_enqueue(void *priv, struct sk_buff *skb, const struct nf_hook_state *st)
{
	struct nf_state *nf = priv;
	if (skb_queue_len(&nf->queue) >= dev_host_config(nf->host)->screen_queue_len) {
		nf->stats.queue_dropped++;
		skb_drop(skb, SKB_DROP_SCREEN);
		return NF_STOLEN;
	}
	*NF_CB(skb) = (struct nf_queue_cb){
		.okfn = st->okfn,
		.out_ifindex = st->out ? st->out->ifindex : 0,
		.nexthop = st->nexthop,
	};
	skb_queue_tail(&nf->queue, skb);
	nf->stats.queued++;
	if (skb_queue_len(&nf->queue) > nf->stats.queue_max)
		nf->stats.queue_max = skb_queue_len(&nf->queue);
	nfq_feedback(nf);
	if (nf->waiter) {
		struct proc *p = nf->waiter;
		nf->waiter = NULL;
		host_charge(nf->host, COST_WAKEUP);
		proc_wake(p);
	}
	return NF_QUEUE;
}

bool
nfq_bind(struct host *host)
{
	struct nf_state *nf = nf_state(host);
	if (nf->bound)
		return false;
	nf->bound = true;
	nf->nfq_ops = (struct nf_hook_ops){
		.hook = nfqnl_enqueue,
		.priv = nf,
		.hooknum = NF_INET_FORWARD,
	};
	nf_register_net_hook(host, &nf->nfq_ops);
	return true;
}

/* System call entry for the calling process: COST_SYSCALL + @extra, task context. */
static struct host *
nfq_syscall(sim_time_t extra)
{
	struct proc *p = proc_self();
	g_assert(p != NULL);
	struct host *h = proc_host(p);
	proc_consume(p, cpu_cost(h->cpu, COST_SYSCALL) + extra);
	return h;
}

uint64_t
nfq_recv(void *buf, size_t len, size_t *plen)
{
	struct host *h = nfq_syscall(0);
	struct nf_state *nf = nf_state(h);
	struct proc *p = proc_self();
	while (skb_queue_empty(&nf->queue)) {
		nf->waiter = p;
		proc_block(p, SIM_TIME_MAX);
	}
	nf->waiter = NULL;
	struct sk_buff *skb = skb_dequeue(&nf->queue);
	nfq_feedback(nf);
	skb_queue_tail(&nf->verdict, skb);
	size_t n = MIN(len, (size_t)skb->len);
	memcpy(buf, skb->data, n);
	*plen = n;
	trace_copy(h->trace, skb->id, "netfilter", COPY_SKB_TO_USER, (uint32_t)n);
	host_charge_ns(h, "nfq_recv copy", cpu_copy_cost(h->cpu, n));
	return skb->id;
}

void
nfq_screen(void)
{
	struct proc *p = proc_self();
	struct host *h = proc_host(p);
	proc_consume(p, cpu_cost(h->cpu, COST_SCREEN));
}

int
nfq_set_verdict(uint64_t id, unsigned verdict)
{
	struct host *h = nfq_syscall(0);
	struct nf_state *nf = nf_state(h);
	struct sk_buff *skb = skb_peek(&nf->verdict);
	while (skb && skb->id != id)
		skb = skb->next;
	if (!skb)
		return -1;
	skb_unlink(skb, &nf->verdict);
	if (verdict != NF_ACCEPT) {
		nf->stats.rejected++;
		skb_drop(skb, SKB_DROP_SCREEN);
		return 0;
	}
	/* Linux nf_reinject -> okfn (ip_forward_finish -> ip_output) */
	nf->stats.accepted++;
	struct nf_queue_cb cb = *NF_CB(skb);
	struct net_device *out = dev_get_by_index(h, cb.out_ifindex);
	if (!out || !out->up) {
		skb_drop(skb, SKB_DROP_DEV_DOWN);
		return 0;
	}
	skb_handoff(skb, "netfilter", "nf_reinject");
	cb.okfn(skb, out, cb.nexthop);
	return 0;
}

void
nfq_stats(struct host *host, struct nfq_stats *out)
{
	struct nf_state *nf = host->nf;
	if (!nf) {
		*out = (struct nfq_stats){ 0 };
		return;
	}
	*out = nf->stats;
	out->queue_len = skb_queue_len(&nf->queue);
}
