/*
 * viz/draw_path.c - the packet-path diagram: one packet through the layers
 * of every host it crosses, as in the seed text's Figure 3 ("Network
 * stack") drawn once per host, side by side.
 *
 * The packet is followed through the skbs that carried it (vizdb_journey):
 * the first skb until it is cloned onto the wire or sent, then the skb
 * that received the frame on the next host, and so on.  Each skb's
 * operations are walked place to place (draw_walk, viz/draw.c) and every
 * move becomes a numbered edge: grey for a pointer handed on, bold red for
 * a copy of the data, blue for the wire, a red octagon for a drop.
 * Header pushes and pulls, allocation and freeing are written in the boxes.
 *
 * Three steps, each over data the step before finished:
 *   collect  path_lineage lists the skbs, path_walk_skb walks each one:
 *            the places touched, the notes in the boxes, the edges;
 *   order    hosts left to right in the order the packet reached them,
 *            each host's stack completed and its boxes grouped by row,
 *            the edges numbered in time order and repeated moves merged;
 *   emit     the title, one cluster per host, the rows aligned across
 *            hosts, the edges, the frames nobody received.
 * Each step is linear in what it handles (hash tables, not searches of
 * the lists built so far), but for the sort of the edges and of a host's
 * boxes (n log n).
 */
#include <stdio.h>
#include <string.h>

#include "viz/draw.h"
#include "viz/draw_int.h"

#define PATH_NOTES_MAX 4     /* notes written in one box; more are left out */
#define PATH_HOPS_MAX 64     /* skbs followed for one packet */
#define PATH_NUMBERS_SHOWN 3 /* numbers on a merged edge before "…" */
#define PATH_TITLE_SKBS 10   /* skbs named in the title before "and N more" */

struct path_edge {
	struct draw_place from, to;
	enum draw_edge_kind kind;
	const char *what;
	int64_t bytes, time_ns, seq;
	int64_t ev_seq;	     /* the event that made it (the wire: the receiver's) */
	const char *drop_id; /* EDGE_DROP: the id of its octagon */
	/* the same move made by several skbs (fragments): one edge */
	int count;
	int64_t last_ns;
	GString *numbers; /* "5, 17, 29" once numbered */
};

/* A frame put on a wire, waiting for the skb that received it. */
struct path_tx {
	struct draw_place nic;
	const char *dev;
	int64_t time_ns, seq, len;
	bool received;
};

struct path {
	sqlite3 *db;
	GHashTable *filled; /* ids of layers drawn only to close Figure 3's stack */
	GArray *edges;	    /* struct path_edge, in time order */
	GHashTable *places; /* id -> struct draw_place * */
	GPtrArray *touched; /* the ids of places, in the order first touched */
	GHashTable *notes;  /* id -> GPtrArray of note strings */
	int ndrops;
	GHashTable *tx;	     /* sending skb id -> struct path_tx */
	GPtrArray *sent;     /* the same struct path_tx, in the order collected */
	GHashTable *start;   /* child skb id -> struct draw_place where it began */
	GArray *steps;	     /* struct draw_path_step, when asked for */
	GHashTable *edge_of; /* event seq -> index of the drawn edge + 1 */
};

static void
path_touch(struct path *p, const struct draw_place *pl)
{
	if (pl->kind == PLACE_NONE)
		return;
	char *id = draw_place_id(pl);
	if (g_hash_table_contains(p->places, id)) {
		g_free(id);
		return;
	}
	g_hash_table_insert(p->places, id, g_memdup2(pl, sizeof *pl));
	g_ptr_array_add(p->touched, id);
}

static void
path_note(struct path *p, const struct draw_place *pl, char *note)
{
	g_autofree char *id = draw_place_id(pl);
	GPtrArray *a = g_hash_table_lookup(p->notes, id);
	if (!a) {
		a = g_ptr_array_new_with_free_func(g_free);
		g_hash_table_insert(p->notes, g_strdup(id), a);
	}
	if (a->len < PATH_NOTES_MAX)
		g_ptr_array_add(a, note);
	else
		g_free(note);
}

static void
path_edge_add(struct path *p, const struct draw_step *s, int64_t time_ns, int64_t seq)
{
	struct path_edge e = { .from = s->from,
			       .to = s->to,
			       .kind = s->kind,
			       .what = s->what,
			       .bytes = s->bytes,
			       .time_ns = time_ns,
			       .seq = seq,
			       .ev_seq = seq,
			       .count = 1,
			       .last_ns = time_ns };
	path_touch(p, &s->from);
	path_touch(p, &s->to);
	if (s->kind == EDGE_DROP) {
		char id[32];
		snprintf(id, sizeof id, "drop%d", ++p->ndrops);
		e.drop_id = g_intern_string(id);
	}
	g_array_append_val(p->edges, e);
}

/*
 * The wire: the frame left one host's NIC (remembered by the sending skb's
 * id); the skb that received it on the next host names that id (the wire
 * rx row's "other"), and the edge joins the two NICs.
 */
static void
path_wire(struct path *p, const struct draw_step *s, const struct draw_event *e)
{
	if (s->to.kind == PLACE_WIRE) { /* onto the wire (draw_walk's tx step) */
		struct path_tx *t = g_new0(struct path_tx, 1);
		*t = (struct path_tx){ .nic = s->from,
				       .dev = e->queue,
				       .time_ns = e->time_ns,
				       .seq = e->seq,
				       .len = e->len };
		g_hash_table_insert(p->tx, g_memdup2(&e->skb, sizeof e->skb), t);
		g_ptr_array_add(p->sent, t);
		path_touch(p, &s->from);
		return;
	}
	struct path_tx *t = e->other > 0 ? g_hash_table_lookup(p->tx, &e->other) : NULL;
	if (!t) /* the sender is not part of this packet's journey: start here */
		return;
	t->received = true;
	g_autofree char *what =
		g_strdup_printf("wire %s → %s", t->dev ? t->dev : "?", e->queue ? e->queue : "?");
	struct draw_step w = { .from = t->nic,
			       .to = s->to,
			       .kind = EDGE_WIRE,
			       .what = g_intern_string(what),
			       .bytes = e->len };
	path_edge_add(p, &w, e->time_ns, t->seq);
	g_array_index(p->edges, struct path_edge, p->edges->len - 1).ev_seq = e->seq;
}

/* What an operation writes in its box, if anything. */
static void
path_note_event(struct path *p, const struct draw_place *at, const struct draw_event *e)
{
	/* alloc and free belong to the layer that did them, wherever the data is */
	struct draw_place layer = { .kind = PLACE_LAYER,
				    .host = e->host,
				    .name = g_intern_string(
					    strcmp(e->layer, "wire") == 0 ? "nic" : e->layer) };
	if (e->opc == VIZ_OP_ALLOC || e->opc == VIZ_OP_FREE) {
		path_touch(p, &layer);
		at = &layer;
	}
	if (at->kind == PLACE_NONE)
		return;
	if (e->opc == VIZ_OP_PUSH || e->opc == VIZ_OP_PULL)
		path_note(p, at,
			  g_strdup_printf("%s %" G_GINT64_FORMAT " B → data@%" G_GINT64_FORMAT,
					  e->op, e->bytes, e->data_off));
	else if (e->opc == VIZ_OP_ALLOC)
		path_note(p, at, g_strdup_printf("alloc skb %" G_GINT64_FORMAT, e->skb));
	else if (e->opc == VIZ_OP_FREE)
		path_note(p, at, g_strdup_printf("freed skb %" G_GINT64_FORMAT, e->skb));
	else if (e->opc == VIZ_OP_CLONE)
		path_note(p, at, g_strdup_printf("clone → skb %" G_GINT64_FORMAT, e->other));
}

/*
 * Walks skb @skb's operations.  @via_wire: it received the frame, so the
 * operations before it came off the wire (the RX ring's refill) only set
 * its place.  @next: the journey's next skb (a clone, or the receiver):
 * stop where this skb hands the packet on to it.
 */
static bool
path_walk_skb(struct path *p, int64_t skb, bool via_wire, int64_t next, struct draw_place *at,
	      GError **error)
{
	g_autoptr(sqlite3_stmt) st = vizdb_prepare(
		p->db, "SELECT " DRAW_EVENT_COLS " FROM skb_events WHERE skb = ? ORDER BY seq",
		error);
	if (!st)
		return false;
	sqlite3_bind_int64(st, 1, skb);
	bool arrived = !via_wire;
	struct draw_event e;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct draw_step steps[2];
		draw_event_read(st, &e);
		bool rx = draw_wire_rx(&e);
		int n = draw_walk(at, &e, steps);
		if (!arrived && !rx)
			continue;
		arrived = true;
		path_touch(p, at);
		path_note_event(p, at, &e);
		if (p->steps) {
			struct draw_path_step ps = { .seq = e.seq, .edge = -1 };
			if (at->kind != PLACE_NONE)
				ps.node = draw_place_id(at);
			g_array_append_val(p->steps, ps);
		}
		bool child = (e.opc == VIZ_OP_CLONE || e.opc == VIZ_OP_COPY) && e.other > 0 &&
			e.other != e.skb;
		for (int i = 0; i < n; i++) {
			if (steps[i].kind == EDGE_WIRE) {
				path_wire(p, &steps[i], &e);
				continue;
			}
			if (child && steps[i].kind == EDGE_COPY) {
				/* a fragment, a reassembled datagram: a new skb */
				g_autofree char *w =
					g_strdup_printf("copy into skb %" G_GINT64_FORMAT, e.other);
				steps[i].what = g_intern_string(w);
			}
			path_edge_add(p, &steps[i], e.time_ns, e.seq);
		}
		if (child && at->kind != PLACE_NONE && !g_hash_table_contains(p->start, &e.other))
			g_hash_table_insert(p->start, g_memdup2(&e.other, sizeof e.other),
					    g_memdup2(at, sizeof *at));
		if (next > 0 && e.other == next && (e.opc == VIZ_OP_CLONE || e.opc == VIZ_OP_COPY))
			break;
		if (next > 0 && draw_wire_tx(&e))
			break;
	}
	return true;
}

/* ---- collect: the skbs of the journey ---- */

/* One skb of a packet's journey, and how the walk treats it. */
struct hop {
	int64_t skb;
	bool via_wire; /* it received a frame another skb sent */
	int64_t stop;  /* TCP's clone that carried the segment on: stop there */
};

static void
lineage_add(GArray *hops, GHashTable *seen, int64_t skb, bool via_wire)
{
	if (skb <= 0 || g_hash_table_contains(seen, &skb) || hops->len >= PATH_HOPS_MAX)
		return;
	g_hash_table_add(seen, g_memdup2(&skb, sizeof skb));
	struct hop h = { .skb = skb, .via_wire = via_wire };
	g_array_append_val(hops, h);
}

/*
 * The skbs that carried the packet whose life starts with @skb, breadth
 * first: after each skb, the skbs that received the frames it put on a
 * wire (the wire rx row names the sender in "other"; else view wire_hops), and the skbs made from it: a clone or copy row
 * names the new skb in "other" (IP fragments, the reassembled datagram;
 * clone or copy, whichever the trace writes).  TCP keeps the original of
 * every segment for retransmission and sends clones of it: only the first
 * clone that reached a wire is followed, and the original stops there.
 */
static void
path_lineage(sqlite3 *db, int64_t skb, GArray *hops)
{
	g_autoptr(GHashTable) seen =
		g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	g_autoptr(sqlite3_stmt) rx = NULL, kids = NULL, tcp = NULL;
	if (!(rx = draw_prepare(
		      db,
		      "SELECT skb FROM skb_events WHERE op = {op.WIRE} AND func = 'rx' AND "
		      "other = ?1 UNION SELECT rx_skb FROM wire_hops WHERE tx_skb = ?1 "
		      "AND rx_skb IS NOT NULL",
		      NULL)) ||
	    !(kids = draw_prepare(
		      db,
		      "SELECT other, layer FROM skb_events WHERE skb = ?1 AND op IN "
		      "({op.CLONE}, {op.COPY}) AND other > 0 AND other <> skb ORDER BY seq",
		      NULL)) ||
	    !(tcp = draw_prepare(
		      db,
		      "SELECT c.other FROM skb_events c WHERE c.skb = ?1 AND c.op IN "
		      "({op.CLONE}, {op.COPY}) AND c.other > 0 ORDER BY EXISTS (SELECT 1 "
		      "FROM skb_events w WHERE w.skb = c.other AND w.op = {op.WIRE}) DESC, "
		      "c.seq LIMIT 1",
		      NULL)))
		return;
	lineage_add(hops, seen, skb, false);
	for (guint i = 0; i < hops->len; i++) {
		int64_t id = g_array_index(hops, struct hop, i).skb;
		sqlite3_reset(rx);
		sqlite3_bind_int64(rx, 1, id);
		while (sqlite3_step(rx) == SQLITE_ROW)
			lineage_add(hops, seen, sqlite3_column_int64(rx, 0), true);
		sqlite3_reset(kids);
		sqlite3_bind_int64(kids, 1, id);
		bool by_tcp = false;
		g_autoptr(GArray) found = g_array_new(FALSE, FALSE, sizeof(int64_t));
		while (sqlite3_step(kids) == SQLITE_ROW) {
			int64_t k = sqlite3_column_int64(kids, 0);
			by_tcp |= g_strcmp0((const char *)sqlite3_column_text(kids, 1), "tcp") == 0;
			g_array_append_val(found, k);
		}
		if (by_tcp) {
			sqlite3_reset(tcp);
			sqlite3_bind_int64(tcp, 1, id);
			if (sqlite3_step(tcp) == SQLITE_ROW) {
				int64_t k = sqlite3_column_int64(tcp, 0);
				g_array_index(hops, struct hop, i).stop = k;
				lineage_add(hops, seen, k, false);
			}
			continue;
		}
		for (guint j = 0; j < found->len; j++)
			lineage_add(hops, seen, g_array_index(found, int64_t, j), false);
	}
}

/* ---- order ---- */

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
static GArray *
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
static void
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

/* One host's boxes (the ids of p->places), row by row. */
struct path_stack {
	GPtrArray *rows[DRAW_RANKS];
};

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
static GHashTable *
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
static void
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

static int
tx_by_seq(gconstpointer a, gconstpointer b)
{
	const struct path_tx *x = *(struct path_tx *const *)a, *y = *(struct path_tx *const *)b;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* ---- emit ---- */

/* One box of a host's stack. */
static void
path_box(struct path *p, GString *s, const char *id, const struct draw_place *pl)
{
	GPtrArray *notes = g_hash_table_lookup(p->notes, id);
	g_autofree char *name =
		draw_html(pl->kind == PLACE_LAYER ? draw_layer_label(pl->name) : pl->name);
	g_autoptr(GString) label = g_string_new(NULL);
	g_string_append_printf(label, "<b>%s</b>", name);
	for (guint i = 0; notes && i < notes->len; i++) {
		g_autofree char *n = draw_html(g_ptr_array_index(notes, i));
		g_string_append_printf(label, "<br/><font point-size=\"13\">%s</font>", n);
	}
	const char *shape = pl->kind == PLACE_QUEUE ? "ellipse, style=filled, fillcolor=\"#fff5d6\""
		: pl->kind == PLACE_USER ? "box, style=\"rounded,filled\", fillcolor=\"#e6f4e6\""
		: g_hash_table_contains(p->filled, id)
		? "box, style=\"rounded,dashed\", color=\"#999999\", fontcolor=\"#888888\", "
		  "width=2.6"
		: "box, style=\"rounded,filled\", fillcolor=\"#e8eefc\", width=2.6";
	g_string_append_printf(s, "    %s [id=\"%s\", shape=%s, label=<%s>];\n", id, id, shape,
			       label->str);
}

static const char *
edge_style(enum draw_edge_kind kind)
{
	switch (kind) {
	case EDGE_COPY: return "color=\"#d62728\", fontcolor=\"#b01010\", penwidth=4";
	case EDGE_WIRE: return "color=\"#1f5fa8\", fontcolor=\"#1f5fa8\", penwidth=3.5, style=bold";
	case EDGE_DROP:
		return "color=\"#d62728\", fontcolor=\"#b01010\", penwidth=2.5, style=dashed";
	case EDGE_MOVE:
	default: return "color=\"#777777\", fontcolor=\"#333333\", penwidth=1.5";
	}
}

/*
 * One host as a cluster: its boxes stacked top-down, row by row, held in
 * order by invisible edges between the first layer box of each row.
 * Adds the host's boxes to @rank_ids[row], for aligning the hosts.
 */
static void
path_emit_host(struct path *p, GString *s, int64_t host, const struct path_stack *st,
	       GPtrArray **rank_ids)
{
	g_autofree char *name = draw_host_name(p->db, host);
	g_autofree char *hname = draw_html(name);
	g_string_append_printf(s,
			       "  subgraph cluster_h%" G_GINT64_FORMAT " {\n"
			       "    label=<<b>host %s</b>>; style=rounded; color=\"#7f7f7f\"; "
			       "penwidth=2; fontsize=22;\n",
			       host, hname);
	const char *prev = NULL;
	for (int r = 0; st && r < DRAW_RANKS; r++) {
		const char *first = NULL;
		for (guint i = 0; i < st->rows[r]->len; i++) {
			const char *id = g_ptr_array_index(st->rows[r], i);
			struct draw_place *pl = g_hash_table_lookup(p->places, id);
			path_box(p, s, id, pl);
			/* the layer boxes, not the queues, carry the stacking */
			if (!first && pl->kind != PLACE_QUEUE)
				first = id;
			g_ptr_array_add(rank_ids[r], (gpointer)id);
		}
		if (!first)
			continue;
		if (prev)
			g_string_append_printf(s, "    %s -> %s [style=invis, weight=50];\n", prev,
					       first);
		prev = first;
	}
	g_string_append(s, "  }\n");
}

/* The hosts left to right, and each row at one height across them. */
static void
path_emit_hosts(struct path *p, GString *s, GArray *order, GHashTable *stacks)
{
	GPtrArray *rank_ids[DRAW_RANKS];
	for (int r = 0; r < DRAW_RANKS; r++)
		rank_ids[r] = g_ptr_array_new();
	for (guint i = 0; i < order->len; i++) {
		int64_t host = g_array_index(order, int64_t, i);
		path_emit_host(p, s, host, g_hash_table_lookup(stacks, &host), rank_ids);
	}
	for (int r = 0; r < DRAW_RANKS; r++) {
		if (rank_ids[r]->len > 1) {
			g_string_append(s, "  { rank=same;");
			for (guint i = 0; i < rank_ids[r]->len; i++)
				g_string_append_printf(s, " %s;",
						       (char *)g_ptr_array_index(rank_ids[r], i));
			g_string_append(s, " }\n");
		}
		g_ptr_array_free(rank_ids[r], TRUE);
	}
}

/* The numbered edges (path_merge), and the octagons of drops. */
static void
path_emit_edges(struct path *p, GString *s)
{
	for (guint i = 0; i < p->edges->len; i++) {
		struct path_edge *e = &g_array_index(p->edges, struct path_edge, i);
		g_autofree char *a = draw_place_id(&e->from);
		g_autofree char *t0 = draw_time(e->time_ns), *t1 = draw_time(e->last_ns);
		g_autofree char *t = e->count > 1 && e->last_ns != e->time_ns
			? g_strdup_printf("%s – %s", t0, t1)
			: g_strdup(t0);
		g_autofree char *b = NULL;
		g_autofree char *what = draw_html(e->what);
		g_autofree char *label = NULL;
		g_autofree char *times =
			e->count > 1 ? g_strdup_printf(" (%d skbs)", e->count) : g_strdup("");
		const char *num = e->numbers->str;
		if (e->kind == EDGE_DROP) {
			b = g_strdup(e->drop_id);
			g_string_append_printf(
				s,
				"  %s [id=\"%s\", shape=octagon, style=filled, "
				"fillcolor=\"#fbd5d5\","
				" color=\"#d62728\", penwidth=2, label=<<b>DROP</b><br/>%s>];\n",
				b, b, what);
			label = g_strdup_printf("%s. dropped<br/>%s", num, t);
		} else {
			b = draw_place_id(&e->to);
			if (e->kind == EDGE_COPY)
				label = g_strdup_printf("<b>%s. %s%s</b><br/><b>%" G_GINT64_FORMAT
							" B copied</b><br/>%s",
							num, what, times, e->bytes, t);
			else
				label = g_strdup_printf("%s. %s%s<br/>%s", num, what, times, t);
		}
		g_string_append_printf(
			s, "  %s -> %s [id=\"pe%u\", %s=<%s>, %s%s];\n", a, b, i + 1,
			e->kind == EDGE_DROP ? "label" : draw_label_attr(&e->from, &e->to), label,
			edge_style(e->kind), e->kind == EDGE_WIRE ? ", constraint=false" : "");
		g_string_free(e->numbers, TRUE);
	}
}

/* Frames that left a NIC and that no host received, in the order sent. */
static void
path_emit_lost(struct path *p, GString *s)
{
	int lost = 0;
	g_ptr_array_sort(p->sent, tx_by_seq);
	for (guint i = 0; i < p->sent->len; i++) {
		struct path_tx *tx = g_ptr_array_index(p->sent, i);
		if (tx->received)
			continue;
		g_autofree char *a = draw_place_id(&tx->nic);
		g_autofree char *t = draw_time(tx->time_ns);
		lost++;
		g_string_append_printf(
			s,
			"  lost%d [shape=octagon, style=filled, fillcolor=\"#fbd5d5\", "
			"color=\"#d62728\", label=<<b>never received</b>>];\n"
			"  %s -> lost%d [label=<onto the wire<br/>%s>, %s];\n",
			lost, a, lost, t, edge_style(EDGE_DROP));
	}
}

/* The graph's head: the title names the skbs that carried the packet. */
static void
path_emit_title(GString *s, int64_t skb, GArray *hops)
{
	g_autoptr(GString) t = g_string_new(NULL);
	for (guint i = 0; i < hops->len && i < PATH_TITLE_SKBS; i++)
		g_string_append_printf(t, "%s%" G_GINT64_FORMAT, i ? ", " : "",
				       g_array_index(hops, struct hop, i).skb);
	if (hops->len > PATH_TITLE_SKBS)
		g_string_append_printf(t, " and %u more", hops->len - PATH_TITLE_SKBS);
	g_autofree char *carried =
		hops->len > 1 ? g_strdup_printf(" (carried by skbs %s)", t->str) : g_strdup("");
	g_string_append_printf(
		s,
		"digraph packet_path {\n" DRAW_STYLE
		"  rankdir=TB; newrank=true; nodesep=0.7; ranksep=0.6;\n"
		"  label=<<b>The path of skb %" G_GINT64_FORMAT "</b>%s<br/>"
		"<font point-size=\"16\"><font color=\"#b01010\"><b>red: data copied</b></font>"
		" · <font color=\"#555555\">grey: pointer handed on</font> · "
		"<font color=\"#1f5fa8\">blue: the wire</font></font>>;\n",
		skb, carried);
}

/* ---- the three steps ---- */

char *
draw_path_dot(sqlite3 *db, int64_t skb, GError **error)
{
	return draw_path_dot_steps(db, skb, NULL, error);
}

/* Collect: every skb of the packet's journey, walked (see the top). */
static bool
path_collect(struct path *p, int64_t skb, GArray *hops, GError **error)
{
	/* Start where the packet's bytes entered the stack (the user's write
	 * into TCP's write-queue skb, whose clone @skb may be): the first skb of
	 * its journey, then every skb made from that one. */
	g_autoptr(GArray) journey = g_array_new(FALSE, FALSE, sizeof(int64_t));
	vizdb_journey(p->db, skb, journey);
	path_lineage(p->db, journey->len ? g_array_index(journey, int64_t, 0) : skb, hops);
	for (guint i = 0; i < hops->len; i++) {
		struct hop *h = &g_array_index(hops, struct hop, i);
		struct draw_place *from = g_hash_table_lookup(p->start, &h->skb);
		struct draw_place at = from && !h->via_wire ? *from : (struct draw_place){ 0 };
		if (!path_walk_skb(p, h->skb, h->via_wire, h->stop, &at, error))
			return false;
	}
	return true;
}

char *
draw_path_dot_steps(sqlite3 *db, int64_t skb, GArray *steps, GError **error)
{
	if (!vizdb_skb_exists(db, skb)) {
		g_set_error(error, VIZ_ERROR, VIZ_ERROR_NOT_FOUND,
			    "no skb %" G_GINT64_FORMAT " in this trace", skb);
		return NULL;
	}
	g_autoptr(GArray) hops = g_array_new(FALSE, FALSE, sizeof(struct hop));
	g_autoptr(GHashTable) places =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autoptr(GHashTable) notes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
							    (GDestroyNotify)g_ptr_array_unref);
	g_autoptr(GHashTable) filled = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GHashTable) tx =
		g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
	g_autoptr(GPtrArray) sent = g_ptr_array_new();
	g_autoptr(GPtrArray) touched = g_ptr_array_new();
	g_autoptr(GHashTable) start =
		g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
	g_autoptr(GHashTable) edge_of =
		g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	g_autoptr(GArray) edges = g_array_new(FALSE, FALSE, sizeof(struct path_edge));
	struct path p = { .db = db,
			  .steps = steps,
			  .edge_of = edge_of,
			  .edges = g_steal_pointer(&edges),
			  .places = places,
			  .touched = touched,
			  .notes = notes,
			  .filled = filled,
			  .tx = tx,
			  .sent = sent,
			  .start = start };

	if (!path_collect(&p, skb, hops, error)) {
		g_array_free(p.edges, TRUE);
		return NULL;
	}

	g_autoptr(GArray) order = path_host_order(&p);
	path_fill_stacks(&p, order);
	g_autoptr(GHashTable) stacks = path_stacks(&p);
	path_merge(&p);

	GString *s = g_string_new(NULL);
	path_emit_title(s, skb, hops);
	path_emit_hosts(&p, s, order, stacks);
	path_emit_edges(&p, s);
	path_emit_lost(&p, s);
	g_string_append(s, "}\n");
	g_array_free(p.edges, TRUE);

	for (guint i = 0; steps && i < steps->len; i++) {
		struct draw_path_step *ps = &g_array_index(steps, struct draw_path_step, i);
		int n = GPOINTER_TO_INT(g_hash_table_lookup(edge_of, &ps->seq));
		ps->edge = n > 0 ? n : -1;
	}
	return g_string_free(s, FALSE);
}

bool
draw_path_skbs(sqlite3 *db, int64_t skb, GArray *steps, GArray *skbs, GError **error)
{
	g_autoptr(GArray) own = NULL;
	if (!steps) {
		own = g_array_new(FALSE, FALSE, sizeof(struct draw_path_step));
		g_autofree char *dot = draw_path_dot_steps(db, skb, own, error);
		for (guint i = 0; i < own->len; i++)
			g_free(g_array_index(own, struct draw_path_step, i).node);
		if (!dot)
			return false;
		steps = own;
	}
	g_autoptr(sqlite3_stmt) of =
		vizdb_prepare(db, "SELECT skb FROM skb_events WHERE seq = ?", error);
	if (!of)
		return false;
	g_autoptr(GHashTable) seen =
		g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	for (guint i = 0; i < steps->len; i++) {
		sqlite3_reset(of);
		sqlite3_bind_int64(of, 1, g_array_index(steps, struct draw_path_step, i).seq);
		if (sqlite3_step(of) != SQLITE_ROW)
			continue;
		int64_t s = sqlite3_column_int64(of, 0);
		if (g_hash_table_contains(seen, &s))
			continue;
		g_hash_table_add(seen, g_memdup2(&s, sizeof s));
		g_array_append_val(skbs, s);
	}
	if (!skbs->len)
		g_array_append_val(skbs, skb);
	return true;
}
