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
#include "viz/draw_ladder_int.h"

/* The layout, in inches (neato's unit; y grows upwards, so rows go down). */
#define LADDER_TOP_Y 0.5       /* the host boxes above the first row */
#define LADDER_TIME_DX 1.0     /* a time, beside its time line */
#define LADDER_NOTE_DX 2.9     /* a system call or a gap's length, beside its time line */
#define LADDER_LOST_FRAC 0.35  /* how far across a lost segment's arrow goes */
#define LADDER_MIN_SLOPE 0.12  /* the drop of an arrow sent and received at one moment */
#define LADDER_X_LABEL_DX 1.6  /* a lost segment's name, back from its X ... */
#define LADDER_X_LABEL_DY 0.45 /* ... and below it, */
#define LADDER_X_LABEL_RUN 0.6 /* moving down at most this far to find room */
#define LADDER_LABEL_H 0.28    /* a segment's name, one line */
#define LADDER_LABEL2_H 0.5    /* a segment's name and its drop reason */
#define LADDER_TIME_H 0.22     /* a time */
#define LADDER_CALL_H 0.24     /* a system call, */
#define LADDER_CALL_STEP 0.1   /* moved up or down by this much to find room, */
#define LADDER_CALL_RUN 4      /* at most this many steps each way */
#define LADDER_GAP_LABEL_W 2.0 /* room kept for a gap's label */
#define LADDER_GAP_LABEL_H 0.3

static int64_t
query_i64(sqlite3 *db, const char *sql, int64_t a)
{
	g_autoptr(sqlite3_stmt) st = draw_prepare(db, sql, NULL);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, a);
	if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_type(st, 0) == SQLITE_NULL)
		return -1;
	return sqlite3_column_int64(st, 0);
}

static const char *
query_str(sqlite3 *db, const char *sql, int64_t a)
{
	g_autoptr(sqlite3_stmt) st = draw_prepare(db, sql, NULL);
	if (!st)
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
	sg->tx_ns =
		query_i64(db,
			  "SELECT min(time_ns) FROM skb_events WHERE skb = ?1 AND op = {op.WIRE}"
			  " AND func = 'tx'",
			  t);
	sg->rx_ns = -1;
	sg->drop = query_str(db,
			     "SELECT reason FROM skb_events WHERE skb = ?1 AND op = {op.DROP}"
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
	sg->rx_ns =
		query_i64(db,
			  "SELECT min(time_ns) FROM skb_events WHERE skb = ?1 AND op = {op.WIRE}"
			  " AND func = 'rx'",
			  rx);
	sg->drop = query_str(db,
			     "SELECT reason FROM skb_events WHERE skb = ?1 AND op = {op.DROP}"
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
	g_autoptr(sqlite3_stmt) cl = draw_prepare(
		db,
		"SELECT other FROM skb_events WHERE skb = ? AND other > 0 AND (op = {op.CLONE} OR"
		" (op = {op.COPY} AND copy_kind = {copy.SKB_COPY})) ORDER BY seq",
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
						 "op = {op.WIRE} LIMIT 1",
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

/*
 * The system calls that moved this connection's data, as the trace shows
 * them: the copies from and to user memory (a send or write, a recv or
 * read), summed per moment and host.  An skb's copy counts when the skb,
 * or a clone or copy of it, was a segment of the connection.
 */
static GArray *
ladder_calls(sqlite3 *db, const struct viz_flow *f, GArray *segs)
{
	GArray *calls = g_array_new(FALSE, FALSE, sizeof(struct call));
	g_autoptr(sqlite3_stmt) st = NULL;
	if (!segs->len ||
	    !(st = draw_prepare(
		      db,
		      "SELECT e.time_ns, e.host, e.copy_kind = {copy.SKB_TO_USER}, sum(e.bytes) "
		      "FROM skb_events e WHERE e.op = {op.COPY} AND e.copy_kind IN "
		      "({copy.USER_TO_SKB}, {copy.SKB_TO_USER}) AND e.time_ns BETWEEN ?5 AND ?6 "
		      "AND EXISTS (SELECT 1 FROM "
		      "packets p WHERE p.proto = 'tcp' AND ((p.saddr = ?1 AND p.sport = ?2 AND "
		      "p.daddr = ?3 AND p.dport = ?4) OR (p.saddr = ?3 AND p.sport = ?4 AND "
		      "p.daddr = ?1 AND p.dport = ?2)) AND (p.skb = e.skb OR p.skb IN (SELECT "
		      "c.other FROM skb_events c WHERE c.skb = e.skb AND c.op IN ({op.CLONE}, "
		      "{op.COPY}) AND c.other IS NOT NULL))) GROUP BY 1, 2, 3 ORDER BY 1",
		      NULL)))
		return calls;
	int64_t lo = INT64_MAX, hi = INT64_MIN;
	for (guint i = 0; i < segs->len; i++) {
		struct seg *sg = &g_array_index(segs, struct seg, i);
		lo = MIN(lo, sg->tx_ns);
		hi = MAX(hi, sg->end_ns);
	}
	sqlite3_bind_text(st, 1, f->saddr, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, f->sport);
	sqlite3_bind_text(st, 3, f->daddr, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, f->dport);
	sqlite3_bind_int64(st, 5, lo);
	sqlite3_bind_int64(st, 6, hi);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct call c = { .time_ns = sqlite3_column_int64(st, 0),
				  .host = sqlite3_column_int64(st, 1),
				  .out = sqlite3_column_int(st, 2) != 0,
				  .bytes = sqlite3_column_int64(st, 3) };
		g_array_append_val(calls, c);
	}
	return calls;
}

/* ---- order: the segments to draw, in time order, with their numbers ---- */

/*
 * Sorts the segments, marks retransmissions and numbers sequence numbers
 * from each side's first (of the whole connection), then keeps the
 * window and at most @o->max.  False if nothing is left in the window.
 */
static bool
ladder_order(struct ladder *l, const struct draw_ladder_opts *o)
{
	GArray *segs = l->segs;
	g_array_sort(segs, seg_cmp);
	mark_retransmits(segs);
	for (guint i = 0; i < segs->len; i++) {
		struct seg *sg = &g_array_index(segs, struct seg, i);
		if (!l->known[sg->fwd]) {
			l->isn[sg->fwd] = sg->seq;
			l->known[sg->fwd] = true;
		}
	}
	if (o->from_ns >= 0 || o->to_ns >= 0) { /* the window: segments sent in it */
		guint n = 0;
		for (guint i = 0; i < segs->len; i++) {
			struct seg *sg = &g_array_index(segs, struct seg, i);
			if ((o->from_ns < 0 || sg->tx_ns >= o->from_ns) &&
			    (o->to_ns < 0 || sg->tx_ns <= o->to_ns))
				g_array_index(segs, struct seg, n++) = *sg;
		}
		g_array_set_size(segs, n);
		if (n == 0)
			return false;
	}
	l->total = segs->len;
	return true;
}

/*
 * At most @max things drawn (a segment or a band each): the first ones;
 * l->shown is the number of segments they stand for.
 */
static void
ladder_cut(struct ladder *l, int max)
{
	GArray *segs = l->segs, *bands = l->bands;
	guint ns = 0, nb = 0;
	while (max <= 0 || ns + nb < (guint)max) {
		bool s_left = ns < segs->len, b_left = nb < bands->len;
		if (!s_left && !b_left)
			break;
		if (s_left &&
		    (!b_left ||
		     g_array_index(segs, struct seg, ns).tx_ns <
			     g_array_index(bands, struct band, nb).t0))
			ns++;
		else
			nb++;
	}
	g_array_set_size(segs, ns);
	g_array_set_size(bands, nb);
	l->shown = ns;
	for (guint i = 0; i < nb; i++)
		l->shown += g_array_index(bands, struct band, i).segs;
}

/* Drops the calls inside a band: the band stands for them too. */
static void
calls_outside_bands(GArray *calls, const GArray *bands)
{
	guint n = 0;
	for (guint i = 0; i < calls->len; i++) {
		struct call *c = &g_array_index(calls, struct call, i);
		bool in = false;
		for (guint j = 0; j < bands->len && !in; j++) {
			const struct band *b = &g_array_index(bands, struct band, j);
			in = c->time_ns >= b->t0 && c->time_ns <= b->t1;
		}
		if (!in)
			g_array_index(calls, struct call, n++) = *c;
	}
	g_array_set_size(calls, n);
}

/*
 * Where each arrow ends: its arrival, or for a segment that never arrived
 * (its X) half the mean one-way time of the segments that did after it
 * left, so that the X gets a row of its own.
 */
static void
ladder_ends(GArray *segs)
{
	int64_t flight = 0, arrived = 0;
	for (guint i = 0; i < segs->len; i++) {
		struct seg *sg = &g_array_index(segs, struct seg, i);
		if (sg->rx_ns >= 0) {
			flight += sg->rx_ns - sg->tx_ns;
			arrived++;
		}
	}
	flight = arrived ? MAX(flight / arrived, 1) : 1;
	for (guint i = 0; i < segs->len; i++) {
		struct seg *sg = &g_array_index(segs, struct seg, i);
		sg->end_ns = sg->rx_ns >= 0 ? sg->rx_ns : sg->tx_ns + flight / 2;
	}
}

/* ---- emit ---- */

/* A time beside a time line, if it meets no label already placed. */
static void
time_label(GString *s, struct placed *placed, const char *id, double x, double y, int64_t ns)
{
	g_autofree char *t = draw_time(ns);
	struct lbox b = lbox_at(x, y, label_width(t, 13), LADDER_TIME_H);
	if (!placed_free_at(placed, &b))
		return;
	placed_add(placed, &b);
	g_string_append_printf(s,
			       "  %s [pos=\"%.3f,%.3f!\", shape=plaintext, fontsize=13, "
			       "fontcolor=\"#555555\", label=\"%s\"];\n",
			       id, x, y, t);
}

/* The y of the middle of shortened gap @i (between moments k - 1 and k). */
static double
gap_y(const struct timescale *ts, guint i)
{
	int k = g_array_index(ts->gaps, int, i);
	return -(g_array_index(ts->y, double, k - 1) + g_array_index(ts->y, double, k)) / 2;
}

/* Room for the labels of the shortened gaps, taken before any other. */
static void
gap_boxes(struct placed *placed, const struct timescale *ts)
{
	for (guint i = 0; i < ts->gaps->len; i++) {
		struct lbox b = lbox_at(-LADDER_NOTE_DX, gap_y(ts, i), LADDER_GAP_LABEL_W,
					LADDER_GAP_LABEL_H);
		placed_add(placed, &b);
	}
}

/* The shortened gaps, and the system calls on the time lines. */
static void
ladder_marks(GString *s, struct placed *placed, const struct timescale *ts, GArray *calls,
	     int64_t host_a)
{
	for (guint i = 0; i < ts->gaps->len; i++) {
		int k = g_array_index(ts->gaps, int, i);
		double y = gap_y(ts, i);
		g_autofree char *d = draw_time(g_array_index(ts->t, int64_t, k) -
					       g_array_index(ts->t, int64_t, k - 1));
		g_string_append_printf(
			s,
			"  gapa%u [pos=\"0,%.3f!\", shape=box, style=filled, fillcolor=white, "
			"color=white, width=0.5, height=0.3, fontsize=26, label=\"≈\"];\n"
			"  gapb%u [pos=\"%.3f,%.3f!\", shape=box, style=filled, fillcolor=white, "
			"color=white, width=0.5, height=0.3, fontsize=26, label=\"≈\"];\n"
			"  gapl%u [pos=\"%.3f,%.3f!\", shape=plaintext, style=filled, "
			"fillcolor=white, margin=0.02, fontsize=15, fontcolor=\"#555555\", "
			"label=<<i>≈ %s later</i>>];\n",
			i, y, i, LADDER_XB, y, i, -LADDER_NOTE_DX, y, d);
	}
	for (guint i = 0; i < calls->len; i++) {
		struct call *c = &g_array_index(calls, struct call, i);
		bool a = c->host == host_a;
		double y = -timescale_y(ts, c->time_ns);
		double x = a ? -LADDER_NOTE_DX : LADDER_XB + LADDER_NOTE_DX;
		g_autofree char *text = g_strdup_printf("%s %" G_GINT64_FORMAT " B %s",
							c->out ? "recv:" : "send:", c->bytes,
							c->out ? "to user" : "from user");
		/* beside its square, or a little above or below it where that is taken */
		struct lbox b = lbox_at(x, y, label_width(text, 14), LADDER_CALL_H);
		bool clear = placed_free_at(placed, &b);
		double ly = y;
		for (int k = 1; k <= 2 * LADDER_CALL_RUN && !clear; k++) {
			ly = y + (k % 2 ? -1 : 1) * ((k + 1) / 2) * LADDER_CALL_STEP;
			b = lbox_at(x, ly, label_width(text, 14), LADDER_CALL_H);
			clear = placed_free_at(placed, &b);
		}
		g_string_append_printf(s,
				       "  call%u [pos=\"%.3f,%.3f!\", shape=square, width=0.13, "
				       "style=filled, fillcolor=\"#2e7d32\", color=\"#2e7d32\", "
				       "label=\"\"];\n",
				       i, a ? 0 : LADDER_XB, y);
		if (!clear)
			continue; /* the square still marks it */
		placed_add(placed, &b);
		g_string_append_printf(
			s,
			"  callt%u [pos=\"%.3f,%.3f!\", shape=plaintext, fontsize=14, "
			"fontcolor=\"#2e7d32\", label=\"%s\"];\n",
			i, x, ly, text);
	}
}

/* The title and legend, the two host boxes and their time lines. */
static void
ladder_emit_head(GString *s, sqlite3 *db, const struct viz_flow *f, const struct ladder *l,
		 const struct draw_ladder_opts *o)
{
	g_autofree char *ha = draw_host_name(db, vizdb_flow_sender(db, f, false));
	int64_t bid = vizdb_flow_sender(db, f, true);
	g_autofree char *hb = bid >= 0 ? draw_host_name(db, bid) : g_strdup("?");
	g_autofree char *eha = draw_html(ha), *ehb = draw_html(hb);
	g_autofree char *first = l->total > l->shown
		? g_strdup_printf(" (first %u of %u segments: --max, --from and --to show more)",
				  l->shown, l->total)
		: g_strdup("");
	double bottom = -timescale_y(&l->ts, INT64_MAX) - 1.0 * LADDER_ROW;

	g_string_append_printf(
		s,
		"graph ladder {\n" DRAW_STYLE
		"  splines=line; outputorder=edgesfirst; overlap=true; pad=0.4;\n"
		"  label=<<b>TCP %s:%d ⇄ %s:%d</b>%s<br/><font point-size=\"15\">"
		"<font color=\"#6a3d9a\">SYN/FIN</font> · <font color=\"#1f5fa8\">data</font> · "
		"<font color=\"#2e8b57\">ACK</font> · <font "
		"color=\"#e66a00\">retransmission</font> · "
		"<font color=\"#d62728\">X lost or dropped</font> · time runs down%s</font>>;\n"
		"  node [shape=point, width=0.09, color=\"#333333\"];\n",
		f->saddr, f->sport, f->daddr, f->dport, first,
		o->rows ? ", a row per event (not to scale)"
			: ", to scale (≈: a long quiet stretch, shortened)");
	g_autofree char *top_a = g_strdup_printf(
		"shape=box, style=\"rounded,filled\", "
		"fillcolor=\"#e8eefc\", width=2.4, fontsize=18, label=<<b>%s</b><br/>%s:%d>",
		eha, f->saddr, f->sport);
	g_autofree char *top_b = g_strdup_printf(
		"shape=box, style=\"rounded,filled\", "
		"fillcolor=\"#e8eefc\", width=2.4, fontsize=18, label=<<b>%s</b><br/>%s:%d>",
		ehb, f->daddr, f->dport);
	pin(s, "top_a", 0, LADDER_TOP_Y, top_a);
	pin(s, "top_b", LADDER_XB, LADDER_TOP_Y, top_b);
	pin(s, "bot_a", 0, bottom, "style=invis");
	pin(s, "bot_b", LADDER_XB, bottom, "style=invis");
	g_string_append(s,
			"  top_a -- bot_a [penwidth=3, color=\"#999999\"];\n"
			"  top_b -- bot_b [penwidth=3, color=\"#999999\"];\n");
}

/*
 * Segment @i: a point where it left, an arrow to where it arrived (or a
 * short one to an X), its name on the arrow where there is room, and the
 * times beside the time lines where there is room.
 */
static void
ladder_emit_seg(GString *s, struct placed *placed, const struct ladder *l, guint i)
{
	const struct seg *sg = &g_array_index(l->segs, struct seg, i);
	double x0 = sg->fwd ? 0 : LADDER_XB, x1 = sg->fwd ? LADDER_XB : 0;
	double y0 = -timescale_y(&l->ts, sg->tx_ns);
	bool got = sg->rx_ns >= 0;
	double y1 = -timescale_y(&l->ts, sg->end_ns);
	if (y1 >= y0) /* the same instant on the scale: still a slope */
		y1 = y0 - LADDER_MIN_SLOPE;
	double xe = got ? x1 : x0 + LADDER_LOST_FRAC * (x1 - x0);
	const char *color = seg_color(sg);
	g_autofree char *label =
		seg_label(sg, l->isn[sg->fwd], l->isn[!sg->fwd], l->known[!sg->fwd]);
	g_autofree char *elabel = draw_html(label);
	char id[64], attrs[512];

	snprintf(id, sizeof id, "s%u", i);
	pin(s, id, x0, y0, "");
	snprintf(id, sizeof id, "e%u", i);
	snprintf(attrs, sizeof attrs, "%s",
		 sg->drop || !got ? "shape=plaintext, label=<<b>X</b>>, fontsize=28, "
				    "fontcolor=\"#d62728\""
				  : "");
	pin(s, id, xe, y1, attrs);
	g_string_append_printf(s, "  s%u -- e%u [color=\"%s\", penwidth=%s%s];\n", i, i, color,
			       sg->payload || strpbrk(sg->flags, "SF") ? "2.5" : "1.5",
			       sg->drop || !got ? "" : ", dir=forward, arrowsize=1.2");
	/* the segment's name on a white patch in the middle of its arrow */
	snprintf(id, sizeof id, "l%u", i);
	g_autofree char *la =
		g_strdup_printf("shape=plaintext, style=filled, fillcolor=white, "
				"margin=0.02, fontsize=15, fontcolor=\"%s\", "
				"label=<%s%s%s>",
				color, elabel, sg->drop ? "<br/>" : "", sg->drop ? sg->drop : "");
	double lx, ly;
	if (got) {
		place_label(placed, x0, y0, xe, y1, label_width(label, 15),
			    sg->drop ? LADDER_LABEL2_H : LADDER_LABEL_H, &lx, &ly);
	} else { /* short arrow: its name beside the X, away from the middle */
		lx = xe + (x1 > x0 ? -LADDER_X_LABEL_DX : LADDER_X_LABEL_DX);
		ly = y1 - LADDER_X_LABEL_DY;
		place_label(placed, lx, ly, lx, ly - LADDER_X_LABEL_RUN, label_width(label, 15),
			    LADDER_LABEL2_H, &lx, &ly);
	}
	pin(s, id, lx, ly, la);
	/* times beside the time lines, where there is room */
	snprintf(id, sizeof id, "t%u", i);
	time_label(s, placed, id, sg->fwd ? -LADDER_TIME_DX : LADDER_XB + LADDER_TIME_DX, y0,
		   sg->tx_ns);
	if (got) {
		snprintf(id, sizeof id, "r%u", i);
		time_label(s, placed, id, sg->fwd ? LADDER_XB + LADDER_TIME_DX : -LADDER_TIME_DX,
			   y1, sg->rx_ns);
	}
}

/* ---- the three steps ---- */

char *
draw_ladder_dot(sqlite3 *db, const struct viz_flow *f, int max, GError **error)
{
	struct draw_ladder_opts o = { .max = max, .from_ns = -1, .to_ns = -1 };
	return draw_ladder_dot_opts(db, f, &o, error);
}

char *
draw_ladder_dot_opts(sqlite3 *db, const struct viz_flow *f, const struct draw_ladder_opts *o,
		     GError **error)
{
	g_autofree char *what = vizdb_flow_describe(f);
	if (vizdb_flow_sender(db, f, false) < 0) {
		g_set_error(error, VIZ_ERROR, VIZ_ERROR_NOT_FOUND,
			    "flow %s: no segment of it in the trace (the packets table is written "
			    "at trace level full)",
			    what);
		return NULL;
	}
	/* collect */
	g_autoptr(GArray) segs = ladder_segments(db, f, error);
	if (!segs)
		return NULL;
	/* order */
	struct ladder l = { .segs = segs };
	if (!ladder_order(&l, o)) {
		g_set_error(error, VIZ_ERROR, VIZ_ERROR_NOT_FOUND,
			    "flow %s: no segment sent between --from and --to", what);
		return NULL;
	}
	ladder_ends(segs);
	int64_t a = vizdb_flow_sender(db, f, false), b = vizdb_flow_sender(db, f, true);
	int64_t lo = INT64_MIN, hi = INT64_MAX;
	for (guint i = 0; i < segs->len && (o->from_ns >= 0 || o->to_ns >= 0); i++) {
		struct seg *sg = &g_array_index(segs, struct seg, i);
		lo = i ? MIN(lo, sg->tx_ns) : sg->tx_ns;
		hi = i ? MAX(hi, sg->end_ns) : sg->end_ns;
	}
	g_autoptr(GArray) states = ladder_states(db, f, a, b, o->from_ns >= 0 ? lo : INT64_MIN,
						 o->to_ns >= 0 ? hi : INT64_MAX);
	l.states = states;
	g_autoptr(GArray) bands = g_array_new(FALSE, TRUE, sizeof(struct band));
	l.bands = bands;
	if (!o->full)
		ladder_summarise(&l);
	ladder_cut(&l, o->max);
	/* states after the last thing drawn belong to the part --max leaves out */
	if (l.shown < l.total) {
		int64_t last = INT64_MIN;
		for (guint i = 0; i < segs->len; i++)
			last = MAX(last, g_array_index(segs, struct seg, i).end_ns);
		for (guint i = 0; i < bands->len; i++)
			last = MAX(last, g_array_index(bands, struct band, i).t1);
		guint n = 0;
		for (guint i = 0; i < states->len; i++)
			if (g_array_index(states, struct tstate, i).time_ns <= last)
				n++;
		g_array_set_size(states, n);
	}
	g_autoptr(GArray) calls = ladder_calls(db, f, segs);
	calls_outside_bands(calls, bands);
	l.calls = calls;
	g_autoptr(GArray) moments = g_array_new(FALSE, FALSE, sizeof(int64_t));
	for (guint i = 0; i < segs->len; i++) {
		struct seg *sg = &g_array_index(segs, struct seg, i);
		g_array_append_val(moments, sg->tx_ns);
		g_array_append_val(moments, sg->end_ns);
	}
	for (guint i = 0; i < calls->len; i++)
		g_array_append_val(moments, g_array_index(calls, struct call, i).time_ns);
	for (guint i = 0; i < states->len; i++)
		g_array_append_val(moments, g_array_index(states, struct tstate, i).time_ns);
	for (guint i = 0; i < bands->len; i++) {
		struct band *bd = &g_array_index(bands, struct band, i);
		g_array_append_val(moments, bd->t0);
		g_array_append_val(moments, bd->t1);
	}
	timescale_make(&l.ts, moments, o->rows, bands);
	/* emit: the labels that must be drawn take their place first */
	GString *s = g_string_new(NULL);
	ladder_emit_head(s, db, f, &l, o);
	ladder_emit_bands(s, &l);
	struct placed placed;
	placed_init(&placed);
	gap_boxes(&placed, &l.ts);
	ladder_band_boxes(&placed, &l);
	ladder_emit_states(s, &placed, &l);
	for (guint i = 0; i < segs->len; i++)
		ladder_emit_seg(s, &placed, &l, i);
	ladder_marks(s, &placed, &l.ts, calls, a);
	placed_clear(&placed);
	timescale_free(&l.ts);
	g_string_append(s, "}\n");
	return g_string_free(s, FALSE);
}
