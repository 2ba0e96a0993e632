/*
 * cli/conserve.c - the conservation check at the end of a run.
 *
 * Two books must balance (issue 8, DESIGN "sk_buff and the trace"):
 *   skbs:   allocated = consumed + dropped (by reason) + sitting in a named
 *           queue (RX rings, sockets, qdiscs, ARP, reassembly ...);
 *           an skb on no queue at the end was leaked by some layer;
 *   frames: sent on a wire = delivered + lost (by cause) + still in flight.
 * netsim run prints both, records them as figures (conservation.*), and
 * fails the run when an skb is unaccounted for.
 */
#include "cli/world_int.h"
#include "stack/skbuff.h"

/*
 * Each walk of a host's live skbs costs the skbs alive (5 million RX
 * descriptors in a 10,000-host star): the summary, the figures and the
 * exit status share one count per host, made again only when the run has
 * moved on.
 */
uint64_t
world_host_unqueued(struct world *w, guint i)
{
	uint64_t now = sim_events_dispatched(w->sim) + 1;
	if (!w->unqueued || w->unqueued_at != now) {
		g_free(w->unqueued);
		w->unqueued = g_new(uint64_t, w->hosts->len ? w->hosts->len : 1);
		for (guint j = 0; j < w->hosts->len; j++)
			w->unqueued[j] = host_check_conservation(w->hosts->pdata[j], NULL);
		w->unqueued_at = now;
	}
	return w->unqueued[i];
}

uint64_t
world_conservation(struct world *w, GString *out, GHashTable *m)
{
	struct skb_pool_stats ps;
	skb_pool_stats(w->pool, &ps);
	uint64_t loose = 0, queued = 0;
	g_autoptr(GString) detail = g_string_new(NULL);
	for (guint i = 0; i < w->hosts->len; i++) {
		struct host *h = w->hosts->pdata[i];
		uint64_t l = world_host_unqueued(w, i);
		if (l && out) /* the skbs on no queue, and the queues, named */
			host_check_conservation(h, detail);
		loose += l;
		queued += host_live_skbs(h) - l;
	}
	uint64_t sent = 0, delivered = 0, lost = 0, down = 0, big = 0, gone = 0;
	for (guint i = 0; i < w->link_order->len; i++) {
		struct world_link *l = w->link_order->pdata[i];
		for (int side = 0; side < 2; side++) {
			struct wire_stats ws;
			wire_stats(l->wire, side, &ws);
			sent += ws.frames_sent;
			delivered += ws.frames_delivered;
			lost += ws.frames_lost;
			down += ws.frames_down;
			big += ws.frames_too_big;
			gone += ws.frames_unattached;
		}
	}
	uint64_t flight = sent - delivered - lost - down - big - gone;
	if (m) {
		metric_put(m, (double)ps.allocs, "conservation.skbs_allocated");
		metric_put(m, (double)ps.consumed, "conservation.skbs_consumed");
		metric_put(m, (double)ps.dropped, "conservation.skbs_dropped");
		metric_put(m, (double)queued, "conservation.skbs_queued");
		metric_put(m, (double)loose, "conservation.skbs_unaccounted");
		metric_put(m, (double)sent, "conservation.frames_sent");
		metric_put(m, (double)delivered, "conservation.frames_delivered");
		metric_put(m, (double)(lost + down + big + gone), "conservation.frames_lost");
		metric_put(m, (double)flight, "conservation.frames_in_flight");
	}
	if (out) {
		g_string_append_printf(
			out,
			"\n  conservation\n"
			"    skbs:   %" G_GUINT64_FORMAT " allocated = %" G_GUINT64_FORMAT
			" consumed + %" G_GUINT64_FORMAT " dropped + %" G_GUINT64_FORMAT
			" in named queues%s\n",
			ps.allocs, ps.consumed, ps.dropped, queued, loose ? "" : "  (balanced)");
		if (loose)
			g_string_append_printf(
				out, "    FAIL %" G_GUINT64_FORMAT " skbs on no queue:\n%s", loose,
				detail->str);
		g_string_append_printf(
			out,
			"    frames: %" G_GUINT64_FORMAT " sent on wires = %" G_GUINT64_FORMAT
			" delivered + %" G_GUINT64_FORMAT " lost (%" G_GUINT64_FORMAT
			" random, %" G_GUINT64_FORMAT " link down, %" G_GUINT64_FORMAT
			" over MTU, %" G_GUINT64_FORMAT " unplugged) + %" G_GUINT64_FORMAT
			" in flight\n",
			sent, delivered, lost + down + big + gone, lost, down, big, gone, flight);
	}
	return loose;
}
