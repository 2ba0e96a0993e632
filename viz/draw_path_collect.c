/*
 * viz/draw_path_collect.c - the packet-path diagram's first step, collect
 * (the whole diagram is described in viz/draw_path.c): path_lineage lists
 * the skbs that carried the packet, path_walk_skb walks each one, place to
 * place, recording the places touched, the notes in the boxes and the
 * edges.
 */
#include <stdio.h>
#include <string.h>

#include "viz/draw_path_int.h"

void
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

/* Collect: every skb of the packet's journey, walked (see the top). */
bool
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
