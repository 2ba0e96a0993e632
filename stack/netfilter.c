/*
 * stack/netfilter.c - netfilter hooks and the screening queue (NFQUEUE).
 *
 * Linux counterpart: net/netfilter/core.c (nf_hook_slow), nfnetlink_queue.c
 * (nfqnl_enqueue_packet, nfqnl_recv_verdict) and libnetfilter_queue on the
 * user side.  netfilter.h has the call chain and the costs.
 *
 * Per host, struct nf_state (host->nf) holds the hook lists and the
 * numbered queues, created by the first nf_register_net_hook or bind.  A
 * queued skb sits on its queue ("screen_queue" for queue 0, "nfqueueN")
 * until a process takes it with nfq_recv, then on the verdict queue
 * ("screen_verdict", "nfqueueN_verdict") until nfq_set_verdict: always on
 * a named queue, so the conservation check sees it.  While queued, the
 * skb's control block holds the hook state (after IP's struct
 * inet_skb_parm, which stays valid), as Linux's struct nf_queue_entry
 * (state, hook_index).
 */
#include "stack/netfilter.h"

#include <errno.h>
#include <string.h>
#include "sim/proc.h"
#include "stack/host.h"
#include "stack/netdevice.h"
#include "stack/socket.h"
#include "trace/trace.h"

/* What nf_reinject needs, in skb->cb behind IP's 24 bytes (Linux
 * struct nf_queue_entry: the hook state and hook_index). */
struct nf_queue_cb {
	nf_okfn okfn;
	uint32_t in_ifindex, out_ifindex;
	uint32_t nexthop;
	uint8_t hook;
	uint8_t index; /* position of the hook function that queued it */
};
#define NF_CB_OFFSET 24
_Static_assert(NF_CB_OFFSET + sizeof(struct nf_queue_cb) <= SKB_CB_SIZE, "skb->cb too small");

static inline struct nf_queue_cb *
NF_CB(struct sk_buff *skb)
{
	return (struct nf_queue_cb *)(void *)(skb->cb + NF_CB_OFFSET);
}

/* One queue to user space (Linux struct nfqnl_instance). */
struct nfq_queue {
	struct nf_state *nf;
	uint16_t num;
	bool bound;
	struct sk_buff_head queue;   /* waiting for nfq_recv */
	struct sk_buff_head verdict; /* taken, no verdict yet */
	struct proc *waiter;	     /* the process blocked in nfq_recv */
	bool throttling;	     /* our feedback holds input blocked (queue 0) */
	struct nfq_stats stats;
};

struct nf_state {
	struct host *host;
	struct nf_hook_ops *hooks[NF_INET_NUMHOOKS];
	struct nf_hook_ops nfq_ops; /* screend's FORWARD hook, once bound */
	GHashTable *queues;	    /* queue number -> struct nfq_queue */
};

static const char *const hook_places[NF_INET_NUMHOOKS] = { "NF_INET_PRE_ROUTING",
							   "NF_INET_LOCAL_IN", "NF_INET_FORWARD",
							   "NF_INET_LOCAL_OUT",
							   "NF_INET_POST_ROUTING" };

static void
nfq_queue_free(gpointer p)
{
	struct nfq_queue *q = p;
	skb_queue_purge(&q->queue, SKB_DROP_QUEUE_PURGE);
	skb_queue_purge(&q->verdict, SKB_DROP_QUEUE_PURGE);
	g_free(q);
}

static void
nf_fini(struct host *host)
{
	struct nf_state *nf = host->nf;
	g_hash_table_destroy(nf->queues);
	g_free(nf);
	host->nf = NULL;
}

static struct nf_state *
nf_state(struct host *host)
{
	if (!host->nf) {
		struct nf_state *nf = g_new0(struct nf_state, 1);
		nf->host = host;
		nf->queues =
			g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, nfq_queue_free);
		host->nf = nf;
		host_add_fini(host, nf_fini);
	}
	return host->nf;
}

static struct nfq_queue *
nfq_lookup(struct nf_state *nf, uint16_t num)
{
	return g_hash_table_lookup(nf->queues, GUINT_TO_POINTER(num));
}

static struct nfq_queue *
nfq_get(struct nf_state *nf, uint16_t num)
{
	struct nfq_queue *q = nfq_lookup(nf, num);
	if (!q) {
		q = g_new0(struct nfq_queue, 1);
		q->nf = nf;
		q->num = num;
		if (num == 0) {
			skb_queue_head_init(&q->queue, "screen_queue", LAYER_NETFILTER);
			skb_queue_head_init(&q->verdict, "screen_verdict", LAYER_NETFILTER);
		} else {
			g_autofree char *a = g_strdup_printf("nfqueue%u", num);
			g_autofree char *b = g_strdup_printf("nfqueue%u_verdict", num);
			skb_queue_head_init(&q->queue, g_intern_string(a), LAYER_NETFILTER);
			skb_queue_head_init(&q->verdict, g_intern_string(b), LAYER_NETFILTER);
		}
		g_hash_table_insert(nf->queues, GUINT_TO_POINTER(num), q);
	}
	return q;
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

static int nf_queue(struct sk_buff *skb, const struct nf_hook_state *st, unsigned index,
		    unsigned verdict);

/* Linux nf_hook_slow: the hook functions of st->hook from position @index on. */
static int
nf_hook_slow(struct sk_buff *skb, const struct nf_hook_state *st, unsigned index)
{
	struct nf_hook_ops *o = skb->host->nf->hooks[st->hook];
	for (unsigned i = 0; o && i < index; i++)
		o = o->next;
	for (; o; o = o->next, index++) {
		unsigned v = o->hook(o->priv, skb, st);
		switch (v & NF_VERDICT_MASK) {
		case NF_ACCEPT: continue;
		case NF_DROP:
			skb_drop_at(skb, SKB_DROP_NETFILTER, hook_places[st->hook]);
			return -EPERM;
		case NF_QUEUE:
			if (nf_queue(skb, st, index, v) == 1)
				continue; /* nobody listens, and the rule says bypass */
			return 0;
		default: /* NF_STOLEN: the hook owns it now */ return 0;
		}
	}
	return 1;
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
	skb_handoff(skb, LAYER_NETFILTER, "nf_hook_slow");
	return nf_hook_slow(skb, &st, 0);
}

/* ---- the queues ------------------------------------------------------------------- */

/* Mogul & Ramakrishnan 6.6: queue-state feedback with two watermarks (queue 0). */
static void
nfq_feedback(struct nfq_queue *q)
{
	if (q->num != 0)
		return;
	struct host *host = q->nf->host;
	const struct netdev_host_config *c = dev_host_config(host);
	uint32_t len = skb_queue_len(&q->queue);
	if (c->screen_feedback && !q->throttling && len >= c->screen_queue_high) {
		q->throttling = true;
		q->stats.throttles++;
		dev_rx_throttle(host, true);
	} else if (q->throttling && len <= c->screen_queue_low) {
		q->throttling = false;
		dev_rx_throttle(host, false);
	}
}

/*
 * Linux nf_queue / nfqnl_enqueue_packet, in the hook's context.  Returns 1
 * when the caller goes on with the next hook (bypass), 0 when @skb is
 * queued or dropped.
 */
static int
nf_queue(struct sk_buff *skb, const struct nf_hook_state *st, unsigned index, unsigned verdict)
{
	struct nf_state *nf = skb->host->nf;
	uint16_t num = (uint16_t)(verdict >> NF_VERDICT_QBITS);
	struct nfq_queue *q = nfq_lookup(nf, num);
	if (!q || !q->bound) {
		/* -ESRCH: no instance for this queue number */
		if (verdict & NF_VERDICT_FLAG_QUEUE_BYPASS)
			return 1;
		skb_drop_at(skb, SKB_DROP_NETFILTER, hook_places[st->hook]);
		return 0;
	}
	if (skb_queue_len(&q->queue) >= dev_host_config(nf->host)->screen_queue_len) {
		q->stats.queue_dropped++;
		skb_drop(skb, SKB_DROP_SCREEN);
		return 0;
	}
	*NF_CB(skb) = (struct nf_queue_cb){
		.okfn = st->okfn,
		.in_ifindex = st->in ? st->in->ifindex : 0,
		.out_ifindex = st->out ? st->out->ifindex : 0,
		.nexthop = st->nexthop,
		.hook = (uint8_t)st->hook,
		.index = (uint8_t)index,
	};
	g_assert(st->okfn != NULL);
	skb_queue_tail(&q->queue, skb);
	q->stats.queued++;
	if (skb_queue_len(&q->queue) > q->stats.queue_max)
		q->stats.queue_max = skb_queue_len(&q->queue);
	nfq_feedback(q);
	if (q->waiter) {
		struct proc *p = q->waiter;
		q->waiter = NULL;
		host_charge(nf->host, COST_WAKEUP);
		proc_wake(p);
	}
	return 0;
}

/* screend's catch-all on FORWARD: every forwarded packet to queue 0. */
static unsigned
nfq_forward_all(void *priv, struct sk_buff *skb, const struct nf_hook_state *st)
{
	(void)priv;
	(void)skb;
	(void)st;
	return NF_QUEUE_NR(0);
}

bool
nfq_bind_queue(struct host *host, uint16_t num)
{
	struct nfq_queue *q = nfq_get(nf_state(host), num);
	if (q->bound)
		return false;
	q->bound = true;
	return true;
}

bool
nfq_bind(struct host *host)
{
	if (!nfq_bind_queue(host, 0))
		return false;
	struct nf_state *nf = host->nf;
	nf->nfq_ops = (struct nf_hook_ops){
		.hook = nfq_forward_all,
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
nfq_recv_queue(uint16_t num, void *buf, size_t len, size_t *plen)
{
	struct host *h = nfq_syscall(0);
	struct nfq_queue *q = nfq_get(nf_state(h), num);
	struct proc *p = proc_self();
	while (skb_queue_empty(&q->queue)) {
		q->waiter = p;
		proc_block(p, SIM_TIME_MAX);
	}
	q->waiter = NULL;
	struct sk_buff *skb = skb_dequeue(&q->queue);
	nfq_feedback(q);
	skb_queue_tail(&q->verdict, skb);
	size_t n = MIN(len, (size_t)skb->len);
	memcpy(buf, skb->data, n);
	*plen = n;
	skb_trace_copy(skb, LAYER_NETFILTER, COPY_SKB_TO_USER, (uint32_t)n, NULL);
	host_charge_ns(h, "nfq_recv copy", cpu_copy_cost(h->cpu, n));
	return skb->id;
}

uint64_t
nfq_recv(void *buf, size_t len, size_t *plen)
{
	return nfq_recv_queue(0, buf, len, plen);
}

void
nfq_screen(void)
{
	struct proc *p = proc_self();
	struct host *h = proc_host(p);
	proc_consume(p, cpu_cost(h->cpu, COST_SCREEN));
}

int
nfq_set_verdict_queue(uint16_t num, uint64_t id, unsigned verdict)
{
	struct host *h = nfq_syscall(0);
	struct nfq_queue *q = nfq_lookup(nf_state(h), num);
	/* O(packets awaiting a verdict), at most screen_queue_len: Linux's
	 * find_dequeue_entry (nfnetlink_queue.c) walks its list the same way */
	struct sk_buff *skb = q ? skb_peek(&q->verdict) : NULL;
	while (skb && skb->id != id)
		skb = skb->next;
	if (!skb)
		return -1;
	skb_unlink(skb, &q->verdict);
	if (verdict != NF_ACCEPT) {
		q->stats.rejected++;
		skb_drop(skb, SKB_DROP_SCREEN);
		return 0;
	}
	/* Linux nf_reinject: the hooks after the one that queued it, then the okfn */
	q->stats.accepted++;
	struct nf_queue_cb cb = *NF_CB(skb);
	struct net_device *in = cb.in_ifindex ? dev_get_by_index(h, cb.in_ifindex) : NULL;
	struct net_device *out = cb.out_ifindex ? dev_get_by_index(h, cb.out_ifindex) : NULL;
	if ((cb.out_ifindex && (!out || !out->up)) || (cb.in_ifindex && !in)) {
		skb_drop(skb, SKB_DROP_DEV_DOWN);
		return 0;
	}
	skb_handoff(skb, LAYER_NETFILTER, "nf_reinject");
	const struct nf_hook_state st = {
		.hook = cb.hook,
		.in = in,
		.out = out,
		.nexthop = cb.nexthop,
		.okfn = cb.okfn,
	};
	if (nf_hook_slow(skb, &st, cb.index + 1u) == 1) {
		/* Linux 6.6 net/netfilter/nf_queue.c nf_reinject runs the okfn
		 * between local_bh_disable() and local_bh_enable(): the stack
		 * after the hook (ip_local_deliver_finish -> udp_rcv, ...) runs
		 * with bottom halves off, as it does in the softirq, though in
		 * the process's task context. */
		cpu_local_bh_disable(h->cpu);
		cb.okfn(skb, out, cb.nexthop);
		cpu_local_bh_enable(h->cpu);
	}
	return 0;
}

int
nfq_set_verdict(uint64_t id, unsigned verdict)
{
	return nfq_set_verdict_queue(0, id, verdict);
}

void
nfq_queue_stats(struct host *host, uint16_t num, struct nfq_stats *out)
{
	struct nfq_queue *q = host->nf ? nfq_lookup(host->nf, num) : NULL;
	if (!q) {
		*out = (struct nfq_stats){ 0 };
		return;
	}
	*out = q->stats;
	out->queue_len = skb_queue_len(&q->queue);
}

void
nfq_stats(struct host *host, struct nfq_stats *out)
{
	nfq_queue_stats(host, 0, out);
}
