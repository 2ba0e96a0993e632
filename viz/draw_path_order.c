/*
 * viz/draw_path_order.c - the packet-path diagram's second step, order
 * (the whole diagram is described in viz/draw_path.c): hosts left to
 * right in the order the packet reached them, each host's stack completed
 * and its boxes grouped by row, the edges numbered in time order and
 * repeated moves merged.
 */
#include <stdio.h>
#include <string.h>

#include "viz/draw_path_int.h"

static void
host_once(GArray *order, GHashTable *seen, int64_t host)
{
	if (g_hash_table_contains(seen, &host))
		return;
	g_hash_table_add(seen, g_memdup2(&host, sizeof host));
	g_array_append_val(order, host);
}

/*
 * The hosts left to right: in the order the packet reached them (each
 * edge, in the order collected, brings its from host and, unless it is a
 * drop, its to host), then any host with a box but no edge.
 */
GArray *
path_host_order(struct path *p)
{
	GArray *order = g_array_new(FALSE, FALSE, sizeof(int64_t));
	g_autoptr(GHashTable) seen =
		g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	for (guint i = 0; i < p->edges->len; i++) {
		struct path_edge *e = &g_array_index(p->edges, struct path_edge, i);
		host_once(order, seen, e->from.host);
		if (e->kind != EDGE_DROP)
			host_once(order, seen, e->to.host);
	}
	for (guint i = 0; i < p->touched->len; i++) {
		struct draw_place *pl =
			g_hash_table_lookup(p->places, g_ptr_array_index(p->touched, i));
		host_once(order, seen, pl->host);
	}
	return order;
}

/* The lowest and highest row a host's boxes take. */
struct path_span {
	int lo, hi;
};

/*
 * Completes every host's stack, as Figure 3 has no gaps: the layers every
 * stack has (not transport, ARP or the user) between the highest and the
 * lowest row the packet touched on that host become boxes, drawn dashed
 * (p->filled) where the packet did nothing.  E.g. a host where the packet
 * touched only ip (row 6) and nic (row 16) gets eth, dev and driver.
 */
void
path_fill_stacks(struct path *p, GArray *order)
{
	static const char *const fill[DRAW_RANK_WIRE] = {
		[DRAW_RANK_SOCKET] = "socket", [DRAW_RANK_IP] = "ip",
		[DRAW_RANK_ETH] = "eth",       [DRAW_RANK_DEV] = "dev",
		[DRAW_RANK_DRIVER] = "driver", [DRAW_RANK_NIC] = "nic",
	};
	g_autoptr(GHashTable) spans =
		g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
	GHashTableIter it;
	gpointer v;
	g_hash_table_iter_init(&it, p->places);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		struct draw_place *pl = v;
		struct path_span *sp = g_hash_table_lookup(spans, &pl->host);
		if (!sp) {
			sp = g_new(struct path_span, 1);
			*sp = (struct path_span){ .lo = DRAW_RANKS, .hi = -1 };
			g_hash_table_insert(spans, g_memdup2(&pl->host, sizeof pl->host), sp);
		}
		int r = draw_place_rank(pl);
		sp->lo = MIN(sp->lo, r);
		sp->hi = MAX(sp->hi, r);
	}
	for (guint i = 0; i < order->len; i++) {
		int64_t host = g_array_index(order, int64_t, i);
		struct path_span *sp = g_hash_table_lookup(spans, &host);
		for (int rank = DRAW_RANK_SOCKET; sp && rank < DRAW_RANK_WIRE; rank++) {
			int r = DRAW_ROW_OF_LAYER(rank);
			if (!fill[rank] || r < sp->lo || r > sp->hi)
				continue;
			struct draw_place pl = { .kind = PLACE_LAYER,
						 .host = host,
						 .name = g_intern_static_string(fill[rank]) };
			char *id = draw_place_id(&pl);
			if (!g_hash_table_contains(p->places, id))
				g_hash_table_add(p->filled, g_strdup(id));
			g_free(id);
			path_touch(p, &pl);
		}
	}
}

static void
path_stack_free(struct path_stack *st)
{
	for (int r = 0; r < DRAW_RANKS; r++)
		g_ptr_array_free(st->rows[r], TRUE);
	g_free(st);
}

/*
 * Every host's boxes grouped by row, each row in the order the packet
 * first touched its boxes (the completed layers last): host id -> struct
 * path_stack.  One pass over the places.  The first layer box of a row
 * carries the host's stacking (path_emit_host), so on a host where one
 * packet passes UDP and its ICMP error comes back, UDP, touched first,
 * stands in the straight line from socket to IP.
 */
GHashTable *
path_stacks(struct path *p)
{
	GHashTable *stacks = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
						   (GDestroyNotify)path_stack_free);
	for (guint i = 0; i < p->touched->len; i++) {
		const char *id = g_ptr_array_index(p->touched, i);
		struct draw_place *pl = g_hash_table_lookup(p->places, id);
		struct path_stack *st = g_hash_table_lookup(stacks, &pl->host);
		if (!st) {
			st = g_new(struct path_stack, 1);
			for (int r = 0; r < DRAW_RANKS; r++)
				st->rows[r] = g_ptr_array_new();
			g_hash_table_insert(stacks, g_memdup2(&pl->host, sizeof pl->host), st);
		}
		g_ptr_array_add(st->rows[draw_place_rank(pl)], (gpointer)id);
	}
	return stacks;
}

static int
edge_by_seq(gconstpointer a, gconstpointer b)
{
	const struct path_edge *x = a, *y = b;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * Which edges are the same move: the same kind between the same two
 * places with the same name, where every "copy into skb N" is one name
 * (the fragments of a datagram are copied into new skbs).  Places are
 * compared as draw_place_equal does: kind, host and the interned name.
 */
static char *
merge_key(const struct path_edge *e)
{
	const char *what = g_str_has_prefix(e->what, "copy into ") ? "copy into " : e->what;
	return g_strdup_printf("%d %s %d %" G_GINT64_FORMAT " %p %d %" G_GINT64_FORMAT " %p",
			       e->kind, what, e->from.kind, e->from.host,
			       (const void *)e->from.name, e->to.kind, e->to.host,
			       (const void *)e->to.name);
}

/*
 * Numbers the edges in time order and makes one edge of the same move
 * (merge_key) made by several skbs (the fragments of a datagram),
 * labelled with all their numbers and the first and last time.  A drop
 * is never merged: each has its own octagon.  E.g. three fragments each
 * handed from ip to eth as edges 4, 9 and 14 become one edge "4, 9, 14.
 * ip_finish_output (3 skbs)".
 */
void
path_merge(struct path *p)
{
	g_array_sort(p->edges, edge_by_seq);
	GArray *out = g_array_new(FALSE, FALSE, sizeof(struct path_edge));
	g_autoptr(GHashTable) merged = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (guint i = 0; i < p->edges->len; i++) {
		struct path_edge *e = &g_array_index(p->edges, struct path_edge, i);
		g_autofree char *key = e->kind != EDGE_DROP ? merge_key(e) : NULL;
		gpointer at = key ? g_hash_table_lookup(merged, key) : NULL;
		if (!at) {
			e->numbers = g_string_new(NULL);
			g_string_append_printf(e->numbers, "%u", i + 1);
			g_array_append_val(out, *e);
			g_hash_table_insert(p->edge_of, g_memdup2(&e->ev_seq, sizeof e->ev_seq),
					    GINT_TO_POINTER(out->len));
			if (key)
				g_hash_table_insert(merged, g_steal_pointer(&key),
						    GINT_TO_POINTER(out->len));
			continue;
		}
		struct path_edge *m =
			&g_array_index(out, struct path_edge, GPOINTER_TO_INT(at) - 1);
		g_hash_table_insert(p->edge_of, g_memdup2(&e->ev_seq, sizeof e->ev_seq), at);
		m->count++;
		m->last_ns = e->time_ns;
		m->bytes += e->bytes;
		if (m->count <= PATH_NUMBERS_SHOWN)
			g_string_append_printf(m->numbers, ", %u", i + 1);
		else if (m->count == PATH_NUMBERS_SHOWN + 1)
			g_string_append(m->numbers, ", …");
		if (m->what != e->what && g_str_has_prefix(m->what, "copy into skb"))
			m->what = g_intern_static_string("copy into new skbs");
	}
	g_array_free(p->edges, TRUE);
	p->edges = out;
}
