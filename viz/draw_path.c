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
 * Three steps, each over data the step before finished (collect in
 * viz/draw_path_collect.c, order in viz/draw_path_order.c, emit here):
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

#include "viz/draw_path_int.h"

/* ---- emit ---- */

static int
tx_by_seq(gconstpointer a, gconstpointer b)
{
	const struct path_tx *x = *(struct path_tx *const *)a, *y = *(struct path_tx *const *)b;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

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