/*
 * viz/draw_ladder.c - the time-sequence ("ladder") diagram of one TCP
 * connection: two time lines, one per host, and an arrow for every segment
 * sent, from the moment it left one NIC to the moment it reached the
 * other (RFC 793 draws the handshake this way; so does Stevens).
 *
 * Segments come from the packets table, as recorded on each direction's
 * sending host.  A segment that never reached the other side ends half way
 * with a red X; a drop on the receiving host ends at its time line with a
 * red X and the reason; a segment whose sequence number was sent before is
 * a retransmission, drawn orange.  Time runs down the page: every send and
 * every arrival gets its own row, so arrows keep their order and slope but
 * long idle gaps (a retransmission timeout) do not stretch the picture;
 * the times are written beside the time lines.
 *
 * Laid out by neato with every node pinned (pos="x,y!"), in inches.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "viz/draw.h"
#include "viz/draw_int.h"

#define LADDER_XB 10.0	/* inches between the two time lines */
#define LADDER_ROW 0.55 /* inches between rows */

struct seg {
	int64_t tx_skb;
	bool fwd; /* from the flow's first endpoint */
	char flags[8];
	uint32_t seq, ack, payload;
	int64_t tx_ns, rx_ns; /* rx_ns -1: never arrived */
	int64_t end_ns;	      /* where the arrow ends: rx_ns, or where the X goes */
	const char *drop;     /* where it ended, if it was dropped */
	bool retransmit;
	int tx_row, rx_row;
};

static int64_t
query_i64(sqlite3 *db, const char *sql, int64_t a)
{
	g_autoptr(sqlite3_stmt) st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, a);
	if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_type(st, 0) == SQLITE_NULL)
		return -1;
	return sqlite3_column_int64(st, 0);
}

static const char *
query_str(sqlite3 *db, const char *sql, int64_t a)
{
	g_autoptr(sqlite3_stmt) st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_int64(st, 1, a);
	if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_type(st, 0) == SQLITE_NULL)
		return NULL;
	return g_intern_string((const char *)sqlite3_column_text(st, 0));
}

/* Fills the times and fate of the transmission by skb @t (sent or not). */
static void
seg_fate(sqlite3 *db, struct seg *sg, int64_t t, int64_t recorded_ns)
{
	sg->tx_skb = t;
	sg->tx_ns = query_i64(db,
			      "SELECT min(time_ns) FROM skb_events WHERE skb = ?1 AND op = 'wire'"
			      " AND func = 'tx'",
			      t);
	sg->rx_ns = -1;
	sg->drop = query_str(db,
			     "SELECT reason FROM skb_events WHERE skb = ?1 AND op = 'drop'"
			     " ORDER BY seq LIMIT 1",
			     t);
	if (sg->tx_ns < 0) {
		sg->tx_ns = recorded_ns;
		if (!sg->drop)
			sg->drop = g_intern_static_string("not sent");
		return;
	}
	int64_t rx = query_i64(db,
			       "SELECT rx_skb FROM wire_hops WHERE tx_skb = ?1 ORDER BY tx_ns"
			       " LIMIT 1",
			       t);
	if (rx <= 0) {
		sg->drop = g_intern_static_string("lost");
		return;
	}
	sg->drop = NULL;
	sg->rx_ns = query_i64(db,
			      "SELECT min(time_ns) FROM skb_events WHERE skb = ?1 AND op = 'wire'"
			      " AND func = 'rx'",
			      rx);
	sg->drop = query_str(db,
			     "SELECT reason FROM skb_events WHERE skb = ?1 AND op = 'drop'"
			     " ORDER BY seq LIMIT 1",
			     rx);
}

/* Every segment of the connection (both directions), one per transmission. */
static GArray *
ladder_segments(sqlite3 *db, const struct viz_flow *f, GError **error)
{
	int64_t a = vizdb_flow_sender(db, f, false), b = vizdb_flow_sender(db, f, true);
	g_autoptr(sqlite3_stmt) st = vizdb_prepare(
		db,
		"SELECT skb, saddr = ?2 AND sport = ?4, coalesce(tcp_flags, ''), seq, ack, payload,"
		" time_ns FROM packets WHERE proto = 'tcp' AND ("
		" (saddr = ?2 AND sport = ?4 AND daddr = ?3 AND dport = ?5 AND host = ?6) OR"
		" (saddr = ?3 AND sport = ?5 AND daddr = ?2 AND dport = ?4 AND host = ?7))"
		" ORDER BY time_ns, skb",
		error);
	g_autoptr(sqlite3_stmt) cl = vizdb_prepare(
		db,
		"SELECT other FROM skb_events WHERE skb = ? AND other > 0 AND (op = 'clone' OR"
		" (op = 'copy' AND copy_kind = 'skb_copy')) ORDER BY seq",
		error);
	if (!st || !cl)
		return NULL;
	sqlite3_bind_text(st, 2, f->saddr, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, f->daddr, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, f->sport);
	sqlite3_bind_int(st, 5, f->dport);
	sqlite3_bind_int64(st, 6, a);
	sqlite3_bind_int64(st, 7, b);
	GArray *segs = g_array_new(FALSE, TRUE, sizeof(struct seg));
	g_autoptr(GHashTable) seen =
		g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(int64_t));

	while (sqlite3_step(st) == SQLITE_ROW) {
		struct seg proto = { .fwd = sqlite3_column_int(st, 1) != 0,
				     .seq = (uint32_t)sqlite3_column_int64(st, 3),
				     .ack = (uint32_t)sqlite3_column_int64(st, 4),
				     .payload = (uint32_t)sqlite3_column_int64(st, 5) };
		g_strlcpy(proto.flags, (const char *)sqlite3_column_text(st, 2),
			  sizeof proto.flags);
		int64_t skb = sqlite3_column_int64(st, 0), when = sqlite3_column_int64(st, 6);
		/* The skb itself, and the clones TCP sent of it (retransmissions too). */
		g_array_set_size(ids, 0);
		g_array_append_val(ids, skb);
		sqlite3_reset(cl);
		sqlite3_bind_int64(cl, 1, skb);
		while (sqlite3_step(cl) == SQLITE_ROW) {
			int64_t c = sqlite3_column_int64(cl, 0);
			g_array_append_val(ids, c);
		}
		bool any = false;
		for (guint i = 0; i < ids->len; i++) {
			int64_t *id = &g_array_index(ids, int64_t, i);
			bool on_wire = query_i64(db,
						 "SELECT 1 FROM skb_events WHERE skb = ?1 AND "
						 "op = 'wire' LIMIT 1",
						 *id) > 0;
			bool last = i + 1 == ids->len && !any;
			if ((!on_wire && !last) || g_hash_table_contains(seen, id))
				continue;
			g_hash_table_add(seen, g_memdup2(id, sizeof *id));
			struct seg sg = proto;
			seg_fate(db, &sg, *id, when);
			g_array_append_val(segs, sg);
			any = true;
		}
	}
	return segs;
}

static int
seg_cmp(gconstpointer a, gconstpointer b)
{
	const struct seg *x = a, *y = b;
	return x->tx_ns < y->tx_ns	? -1
		: x->tx_ns > y->tx_ns	? 1
		: x->tx_skb < y->tx_skb ? -1
					: x->tx_skb > y->tx_skb;
}

static int
i64_cmp(gconstpointer a, gconstpointer b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* Appends @word to @s, after a space unless @s is empty. */
static void
add_word(GString *s, const char *word)
{
	if (s->len)
		g_string_append_c(s, ' ');
	g_string_append(s, word);
}

/* "SYN seq 0", "data 1:1449 (1448 B) ack 1", "ACK 1449", "FIN seq 1449 ack 1". */
static char *
seg_label(const struct seg *sg, uint32_t isn, uint32_t peer_isn, bool peer_known)
{
	GString *s = g_string_new(sg->retransmit ? "RETRANSMIT" : "");
	bool syn = strchr(sg->flags, 'S'), fin = strchr(sg->flags, 'F'),
	     rst = strchr(sg->flags, 'R');
	bool ack = strchr(sg->flags, '.') && peer_known;
	uint32_t seq = sg->seq - isn, rack = sg->ack - peer_isn;
	char buf[64];

	if (syn)
		add_word(s, ack ? "SYN-ACK" : "SYN");
	else if (rst)
		add_word(s, "RST");
	else if (fin)
		add_word(s, "FIN");
	if (sg->payload) {
		snprintf(buf, sizeof buf, "data %u:%u (%u B)", seq, seq + sg->payload, sg->payload);
		add_word(s, buf);
	} else if (syn || fin || rst) {
		snprintf(buf, sizeof buf, "seq %u", seq);
		add_word(s, buf);
	}
	if (ack) {
		snprintf(buf, sizeof buf, "%s %u", s->len ? "ack" : "ACK", rack);
		add_word(s, buf);
	}
	if (!s->len) {
		snprintf(buf, sizeof buf, "seq %u", seq);
		add_word(s, buf);
	}
	return g_string_free(s, FALSE);
}

static const char *
seg_color(const struct seg *sg)
{
	if (sg->retransmit)
		return "#e66a00";
	if (strpbrk(sg->flags, "SFR"))
		return "#6a3d9a";
	if (sg->payload)
		return "#1f5fa8";
	return "#2e8b57";
}

/* Marks retransmissions: a sequence number (with SYN/FIN) already sent this way. */
static void
mark_retransmits(GArray *segs)
{
	g_autoptr(GHashTable) sent = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (guint i = 0; i < segs->len; i++) {
		struct seg *sg = &g_array_index(segs, struct seg, i);
		if (!sg->payload && !strpbrk(sg->flags, "SF"))
			continue;
		char *key = g_strdup_printf("%d %u %u %d %d", sg->fwd, sg->seq, sg->payload,
					    strchr(sg->flags, 'S') != NULL,
					    strchr(sg->flags, 'F') != NULL);
		if (g_hash_table_contains(sent, key)) {
			sg->retransmit = true;
			g_free(key);
		} else {
			g_hash_table_add(sent, key);
		}
	}
}

static void
pin(GString *s, const char *id, double x, double y, const char *attrs)
{
	g_string_append_printf(s, "  %s [pos=\"%.3f,%.3f!\", %s];\n", id, x, y, attrs);
}

char *
draw_ladder_dot(sqlite3 *db, const struct viz_flow *f, int max, GError **error)
{
	g_autofree char *what = vizdb_flow_describe(f);
	if (vizdb_flow_sender(db, f, false) < 0) {
		g_set_error(error, VIZ_ERROR, VIZ_ERROR_NOT_FOUND,
			    "flow %s: no segment of it in the trace (the packets table is written "
			    "at trace level full)",
			    what);
		return NULL;
	}
	g_autoptr(GArray) segs = ladder_segments(db, f, error);
	if (!segs)
		return NULL;
	g_array_sort(segs, seg_cmp);
	mark_retransmits(segs);
	guint total = segs->len;
	if (max > 0 && segs->len > (guint)max)
		g_array_set_size(segs, (guint)max);

	/* A lost segment's X goes where it would have arrived: after the mean
	 * one-way time of the segments that did, so that it gets its own row. */
	int64_t flight = 0, arrived = 0;
	for (guint i = 0; i < segs->len; i++) {
		struct seg *sg = &g_array_index(segs, struct seg, i);
		if (sg->rx_ns >= 0) {
			flight += sg->rx_ns - sg->tx_ns;
			arrived++;
		}
	}
	flight = arrived ? MAX(flight / arrived, 1) : 1;
	/* every send and arrival its own row, in time order */
	g_autoptr(GArray) times = g_array_new(FALSE, FALSE, sizeof(int64_t));
	for (guint i = 0; i < segs->len; i++) {
		struct seg *sg = &g_array_index(segs, struct seg, i);
		sg->end_ns = sg->rx_ns >= 0 ? sg->rx_ns : sg->tx_ns + flight / 2;
		g_array_append_val(times, sg->tx_ns);
		g_array_append_val(times, sg->end_ns);
	}
	g_array_sort(times, i64_cmp);
	for (guint i = 0; i < segs->len; i++) {
		struct seg *sg = &g_array_index(segs, struct seg, i);
		for (guint r = 0; r < times->len; r++) {
			int64_t t = g_array_index(times, int64_t, r);
			if (t == sg->tx_ns && sg->tx_row == 0)
				sg->tx_row = (int)r + 1;
			if (t == sg->end_ns && sg->rx_row == 0 && (int)r + 1 != sg->tx_row)
				sg->rx_row = (int)r + 1;
		}
		/* two arrivals at the same time must not share a point */
		g_array_index(times, int64_t, sg->tx_row - 1) = INT64_MIN;
		g_array_index(times, int64_t, sg->rx_row - 1) = INT64_MIN;
	}

	g_autofree char *ha = draw_host_name(db, vizdb_flow_sender(db, f, false));
	int64_t bid = vizdb_flow_sender(db, f, true);
	g_autofree char *hb = bid >= 0 ? draw_host_name(db, bid) : g_strdup("?");
	g_autofree char *eha = draw_html(ha), *ehb = draw_html(hb);
	g_autofree char *first = total > segs->len
		? g_strdup_printf(" (first %u of %u segments)", segs->len, total)
		: g_strdup("");
	GString *s = g_string_new(NULL);
	int rows = (int)times->len + 1;
	double bottom = -(rows + 0.5) * LADDER_ROW;

	g_string_append_printf(
		s,
		"graph ladder {\n" DRAW_STYLE
		"  splines=line; outputorder=edgesfirst; overlap=true; pad=0.4;\n"
		"  label=<<b>TCP %s:%d ⇄ %s:%d</b>%s<br/><font point-size=\"15\">"
		"<font color=\"#6a3d9a\">SYN/FIN</font> · <font color=\"#1f5fa8\">data</font> · "
		"<font color=\"#2e8b57\">ACK</font> · <font "
		"color=\"#e66a00\">retransmission</font> · "
		"<font color=\"#d62728\">X lost or dropped</font> · time runs down</font>>;\n"
		"  node [shape=point, width=0.09, color=\"#333333\"];\n",
		f->saddr, f->sport, f->daddr, f->dport, first);
	g_autofree char *top_a = g_strdup_printf(
		"shape=box, style=\"rounded,filled\", "
		"fillcolor=\"#e8eefc\", width=2.4, fontsize=18, label=<<b>%s</b><br/>%s:%d>",
		eha, f->saddr, f->sport);
	g_autofree char *top_b = g_strdup_printf(
		"shape=box, style=\"rounded,filled\", "
		"fillcolor=\"#e8eefc\", width=2.4, fontsize=18, label=<<b>%s</b><br/>%s:%d>",
		ehb, f->daddr, f->dport);
	pin(s, "top_a", 0, 0.5, top_a);
	pin(s, "top_b", LADDER_XB, 0.5, top_b);
	pin(s, "bot_a", 0, bottom, "style=invis");
	pin(s, "bot_b", LADDER_XB, bottom, "style=invis");
	g_string_append(s,
			"  top_a -- bot_a [penwidth=3, color=\"#999999\"];\n"
			"  top_b -- bot_b [penwidth=3, color=\"#999999\"];\n");

	uint32_t isn[2] = { 0, 0 };
	bool known[2] = { false, false };
	for (guint i = 0; i < segs->len; i++) {
		struct seg *sg = &g_array_index(segs, struct seg, i);
		if (!known[sg->fwd]) {
			isn[sg->fwd] = sg->seq;
			known[sg->fwd] = true;
		}
	}
	for (guint i = 0; i < segs->len; i++) {
		struct seg *sg = &g_array_index(segs, struct seg, i);
		double x0 = sg->fwd ? 0 : LADDER_XB, x1 = sg->fwd ? LADDER_XB : 0;
		double y0 = -sg->tx_row * LADDER_ROW;
		bool got = sg->rx_ns >= 0;
		double y1 = -sg->rx_row * LADDER_ROW;
		double xe = got ? x1 : x0 + 0.35 * (x1 - x0);
		const char *color = seg_color(sg);
		g_autofree char *label =
			seg_label(sg, isn[sg->fwd], isn[!sg->fwd], known[!sg->fwd]);
		g_autofree char *elabel = draw_html(label);
		g_autofree char *t0 = draw_time(sg->tx_ns);
		char id[64], attrs[512];

		snprintf(id, sizeof id, "s%u", i);
		pin(s, id, x0, y0, "");
		snprintf(id, sizeof id, "e%u", i);
		snprintf(attrs, sizeof attrs, "%s",
			 sg->drop || !got ? "shape=plaintext, label=<<b>X</b>>, fontsize=28, "
					    "fontcolor=\"#d62728\""
					  : "");
		pin(s, id, xe, y1, attrs);
		g_string_append_printf(s, "  s%u -- e%u [color=\"%s\", penwidth=%s%s];\n", i, i,
				       color,
				       sg->payload || strpbrk(sg->flags, "SF") ? "2.5" : "1.5",
				       sg->drop || !got ? "" : ", dir=forward, arrowsize=1.2");
		/* the segment's name on a white patch in the middle of its arrow */
		snprintf(id, sizeof id, "l%u", i);
		g_autofree char *la = g_strdup_printf(
			"shape=plaintext, style=filled, fillcolor=white, "
			"margin=0.02, fontsize=15, fontcolor=\"%s\", label=<%s%s%s>",
			color, elabel, sg->drop ? "<br/>" : "", sg->drop ? sg->drop : "");
		if (got)
			pin(s, id, (x0 + xe) / 2, (y0 + y1) / 2 + 0.05, la);
		else /* short arrow: its name beside the X, away from the middle */
			pin(s, id, xe + (x1 > x0 ? -1.6 : 1.6), y1 - 0.45, la);
		/* times beside the time lines */
		g_autofree char *ta = g_strdup_printf("shape=plaintext, fontsize=13, "
						      "fontcolor=\"#555555\", label=\"%s\"",
						      t0);
		snprintf(id, sizeof id, "t%u", i);
		pin(s, id, sg->fwd ? -1.0 : LADDER_XB + 1.0, y0, ta);
		if (got) {
			g_autofree char *t1 = draw_time(sg->rx_ns);
			g_autofree char *tb = g_strdup_printf("shape=plaintext, fontsize=13, "
							      "fontcolor=\"#555555\", label=\"%s\"",
							      t1);
			snprintf(id, sizeof id, "r%u", i);
			pin(s, id, sg->fwd ? LADDER_XB + 1.0 : -1.0, y1, tb);
		}
	}
	g_string_append(s, "}\n");
	return g_string_free(s, FALSE);
}
