/*
 * stack/host.c - one host: creation and teardown, CPU charging, drop
 * counters, the live-skb list and the conservation check.
 *
 * Linux counterpart: none as one file; the drop counters correspond to the
 * skb:kfree_skb tracepoint with its location and reason, the live list to
 * what kmemleak would tell about skbuff_head_cache.
 *
 * Position: cli (scenario loader) -> host_new -> dev_host_init; every layer
 * -> host_charge / host_count_drop.
 */
#include "stack/host.h"

#include <string.h>
#include "sim/check.h"
#include "sim/proc.h"
#include "stack/netdevice.h"
#include "stack/socket.h"
#include "trace/trace.h"

/* What skb_traced reads on a host without a trace view. */
static const enum trace_level host_trace_off = TRACE_OFF;

struct host *
host_new(struct sim *sim, struct trace *tr, struct skb_pool *pool, const char *name, uint64_t seed)
{
	struct host *h = g_aligned_alloc0(1, sizeof(struct host), 64); /* host.h */
	h->name = g_strdup(name);
	h->sim = sim;
	h->cpu = cpu_new(sim, name);
	h->trace_level = &host_trace_off;
	if (tr) {
		h->trace = trace_host_add(tr, sim, h->cpu, name);
		h->trace_level = &h->trace->level;
		/* The busy intervals go to the database only (cpu_busy rows at
		 * full level, the cpu_total rows at its close): without one, no
		 * one reads them, and their totals cost a lookup per interval
		 * in each host's own table (cold at 1000 hosts). */
		if (trace_db(tr))
			cpu_set_busy_hook(h->cpu, trace_cpu_busy_hook, h->trace);
	}
	g_autofree char *stream = g_strdup_printf("host:%s", name);
	rng_init(&h->rng, seed, stream);
	if (pool) {
		h->pool = pool;
	} else {
		h->pool = skb_pool_new();
		h->own_pool = true;
	}
	h->next_ifindex = 1;
	dev_host_init(h);
	return h;
}

void
host_trace_detach(struct host *h)
{
	h->trace = NULL;
	h->trace_level = &host_trace_off;
}

void
host_free(struct host *h)
{
	if (!h)
		return;
	/* whoever closed the trace detached the host from it (cli/world.c's
	 * close_trace): the skbs dropped below must not read a freed view */
	g_assert(h->trace || h->trace_level == &host_trace_off);
	while (h->nfini > 0)
		h->fini[--h->nfini](h);
	while (h->dev_list) {
		struct net_device *dev = h->dev_list;
		unregister_netdevice(dev);
		free_netdev(dev);
	}
	dev_host_fini(h);
	if (h->folded)
		g_critical("host %s: %" G_GUINT64_FORMAT " folded skbs leaked (queue %s)", h->name,
			   h->folded, h->folded_queue);
	for (struct sk_buff *s = h->live_first; s; s = s->live_next)
		g_critical("host %s: skb %" G_GUINT64_FORMAT " leaked (layer %s, len %u, queue %s)",
			   h->name, s->id, trace_layer_name(s->layer), s->len,
			   s->queue ? s->queue->name : "none");
	if (h->trace)
		trace_host_cpu_gone(h->trace); /* the trace may outlive the host */
	cpu_free(h->cpu);
	if (h->own_pool && !h->live_first)
		skb_pool_free(h->pool);
	g_free(h->name);
	g_aligned_free(h);
}

void
host_add_fini(struct host *h, host_fini_fn fn)
{
	if (h->nfini >= HOST_MAX_FINI)
		g_error("host %s: more than %d fini hooks", h->name, HOST_MAX_FINI);
	h->fini[h->nfini++] = fn;
}

/* ---- CPU charging ------------------------------------------------------------ */

/* A simulated process's code runs only inside its own task item (checked
 * build: it costs a fifth of a charge, on every charge).  Unused where
 * NS_CHECK compiles its call out. */
G_GNUC_UNUSED static void
charge_check(struct host *h)
{
	struct proc *p = proc_self();
	g_assert(!p || proc_host(p) != h || cpu_current_task(h->cpu) == proc_task(p));
}

void
host_charge_ns(struct host *h, const char *what, sim_time_t ns)
{
	NS_CHECK(charge_check(h));
	cpu_charge(h->cpu, what, ns);
}

void
host_charge(struct host *h, enum cpu_cost which)
{
	NS_CHECK(charge_check(h));
	cpu_charge(h->cpu, cpu_cost_info[which].name, cpu_cost(h->cpu, which));
}

/* ---- drops -------------------------------------------------------------------- */

void
host_count_drop(struct host *h, enum skb_drop_reason reason, const char *place)
{
	g_assert((unsigned)reason < SKB_DROP_REASON_MAX);
	h->drops[reason]++;
	struct host_drop_place *p = &h->places[h->last_place];
	if (h->nplaces && p->reason == reason && p->place == place) {
		p->count++;
		return;
	}
	for (uint32_t i = 0; i < h->nplaces; i++) {
		p = &h->places[i];
		if (p->reason == reason && (p->place == place || strcmp(p->place, place) == 0)) {
			p->count++;
			h->last_place = i;
			return;
		}
	}
	if (h->nplaces == HOST_MAX_DROP_PLACES)
		g_error("host %s: more than %d drop places", h->name, HOST_MAX_DROP_PLACES);
	h->last_place = h->nplaces;
	h->places[h->nplaces++] = (struct host_drop_place){ reason, place, 1 };
}

uint64_t
host_drops(const struct host *h, enum skb_drop_reason reason)
{
	return h->drops[reason];
}

uint64_t
host_drops_at(const struct host *h, enum skb_drop_reason reason, const char *place)
{
	for (uint32_t i = 0; i < h->nplaces; i++)
		if (h->places[i].reason == reason && strcmp(h->places[i].place, place) == 0)
			return h->places[i].count;
	return 0;
}

uint64_t
host_drops_total(const struct host *h)
{
	uint64_t n = 0;
	for (int i = 0; i < SKB_DROP_REASON_MAX; i++)
		n += h->drops[i];
	return n;
}

/* ---- live skbs ------------------------------------------------------------------ */

void
host_skb_born(struct host *h, struct sk_buff *skb)
{
	skb->live_prev = NULL;
	skb->live_next = h->live_first;
	if (h->live_first)
		h->live_first->live_prev = skb;
	h->live_first = skb;
	h->live_skbs++;
}

void
host_skb_died(struct host *h, struct sk_buff *skb)
{
	if (skb->live_prev)
		skb->live_prev->live_next = skb->live_next;
	else
		h->live_first = skb->live_next;
	if (skb->live_next)
		skb->live_next->live_prev = skb->live_prev;
	skb->live_next = skb->live_prev = NULL;
	g_assert(h->live_skbs > 0);
	h->live_skbs--;
}

void
host_skb_fold(struct host *h, const char *queue)
{
	g_assert(!h->folded || h->folded_queue == queue || strcmp(h->folded_queue, queue) == 0);
	h->live_skbs++;
	h->folded++;
	h->folded_queue = queue;
}

void
host_skb_unfold(struct host *h, struct sk_buff *skb)
{
	g_assert(h->folded > 0 && h->live_skbs > 0);
	h->folded--;
	h->live_skbs--;
	host_skb_born(h, skb);
}

/* @n folded skbs posted, and @n freed without being unfolded (skb_desc_*_n) */
void
host_skb_fold_n(struct host *h, const char *queue, uint32_t n)
{
	g_assert(!h->folded || h->folded_queue == queue || strcmp(h->folded_queue, queue) == 0);
	h->live_skbs += n;
	h->folded += n;
	h->folded_queue = queue;
}

void
host_skb_unfold_n(struct host *h, uint32_t n)
{
	g_assert(h->folded >= n && h->live_skbs >= n);
	h->folded -= n;
	h->live_skbs -= n;
}

uint64_t
host_check_conservation(const struct host *h, GString *report)
{
	uint64_t loose = 0;
	if (!report) { /* the count alone: no per-queue table (5 million skbs at 10,000 hosts) */
		for (const struct sk_buff *s = h->live_first; s; s = s->live_next)
			loose += s->queue == NULL;
		return loose;
	}
	g_autoptr(GHashTable) per_queue = g_hash_table_new(g_str_hash, g_str_equal);
	for (struct sk_buff *s = h->live_first; s; s = s->live_next) {
		if (s->queue) {
			const char *name = s->queue->name ? s->queue->name : "?";
			gpointer n = g_hash_table_lookup(per_queue, name);
			g_hash_table_insert(per_queue, (gpointer)name,
					    GSIZE_TO_POINTER(GPOINTER_TO_SIZE(n) + 1));
			continue;
		}
		loose++;
		g_string_append_printf(
			report, "%s: skb %" G_GUINT64_FORMAT " on no queue (layer %s, len %u)\n",
			h->name, s->id, trace_layer_name(s->layer), s->len);
	}
	if (h->folded) { /* on their queue, without a struct */
		gpointer n = g_hash_table_lookup(per_queue, h->folded_queue);
		g_hash_table_insert(per_queue, (gpointer)h->folded_queue,
				    GSIZE_TO_POINTER(GPOINTER_TO_SIZE(n) + h->folded));
	}
	g_autoptr(GList) keys = g_hash_table_get_keys(per_queue);
	keys = g_list_sort(keys, (GCompareFunc)g_strcmp0);
	for (GList *k = keys; k; k = k->next)
		g_string_append_printf(report, "%s: %s %zu\n", h->name, (char *)k->data,
				       GPOINTER_TO_SIZE(g_hash_table_lookup(per_queue, k->data)));
	return loose;
}

void
host_report_counters(struct host *h)
{
	struct trace_host *th = h->trace;
	if (!th || th->level < TRACE_SUMMARY)
		return;
	for (uint32_t i = 0; i < h->nplaces; i++) {
		const struct host_drop_place *p = &h->places[i];
		trace_counter(th, skb_drop_reason_name(p->reason), p->place, (int64_t)p->count);
	}
	for (struct net_device *d = h->dev_list; d; d = d->next) {
		/* the trace interns names by pointer: give it permanent ones */
		const char *ifname = g_intern_string(d->name);
		trace_counter(th, "rx_packets", ifname, (int64_t)d->stats.rx_packets);
		trace_counter(th, "rx_bytes", ifname, (int64_t)d->stats.rx_bytes);
		trace_counter(th, "tx_packets", ifname, (int64_t)d->stats.tx_packets);
		trace_counter(th, "tx_bytes", ifname, (int64_t)d->stats.tx_bytes);
		trace_counter(th, "rx_dropped", ifname, (int64_t)d->stats.rx_dropped);
		trace_counter(th, "tx_dropped", ifname, (int64_t)d->stats.tx_dropped);
	}
	struct softnet_stats s;
	dev_softnet_stats(h, &s);
	trace_counter(th, "softnet.processed", "cpu0", (int64_t)s.processed);
	trace_counter(th, "softnet.dropped", "cpu0", (int64_t)s.dropped);
	trace_counter(th, "softnet.time_squeeze", "cpu0", (int64_t)s.time_squeeze);
	trace_counter(th, "softnet.ksoftirqd_wakeups", "cpu0", (int64_t)s.ksoftirqd_wakeups);
	trace_counter(th, "softnet.net_rx_actions", "cpu0", (int64_t)s.net_rx_actions);
	trace_counter(th, "softnet.napi_polls", "cpu0", (int64_t)s.napi_polls);
}
