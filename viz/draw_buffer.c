/*
 * viz/draw_buffer.c - netsim draw buffer: the seed text's Figure 4 for one
 * skb.  One bar per row of the skb that carries pointers: headroom (grey),
 * data (blue) and tailroom (white) to scale, from head to end; the mac,
 * network and transport header offsets marked above the bar; on the left
 * the step, the operation and the layer that did it; on the right the
 * offsets of data, tail and end from head and the data's dataref.
 *
 * Laid out by neato with every node pinned (pos="x,y!", in inches), as the
 * ladder (draw_ladder.c): a bar segment is a fixed-size box.
 *
 * Worked example: a UDP skb of 1578 bytes after "push 8 B" at the UDP layer
 * is drawn as grey [0, 54), blue [54, 162), white [162, 1578), with "T" at
 * 54 where skb_reset_transport_header put the transport header.
 */
#include <stdio.h>
#include <string.h>

#include "viz/draw.h"
#include "viz/draw_int.h"

#define BUF_ROW 0.75	  /* inches from one step's bar to the next */
#define BUF_BAR_X 4.2	  /* where head is drawn */
#define BUF_BAR_W 9.0	  /* inches from head to the largest end */
#define BUF_BAR_H 0.30	  /* a bar's height */
#define BUF_LABEL_X 2.0	  /* centre of the step's label */
#define BUF_MIN_TEXT 0.55 /* a segment narrower than this carries no byte count */
#define BUF_MAX_STEPS 120 /* a longer life is cut, and the title says so */

struct buf_step {
	int64_t step, data, tail, end, mac, net, trans, bytes, dataref;
	char *what; /* "push 8 B (udp)" */
};

static int64_t
col(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, i);
}

static void
buf_step_clear(gpointer p)
{
	g_free(((struct buf_step *)p)->what);
}

/* The skb's rows with pointers, in order; the largest end in *@max_end. */
static GArray *
buf_collect(sqlite3 *db, int64_t skb, int64_t *max_end, int *total, GError **error)
{
	g_autoptr(sqlite3_stmt) st = vizdb_prepare(
		db,
		"SELECT step, data_off, tail_off, end_off, mac_off, net_off, trans_off, bytes,"
		" dataref, op, coalesce(func, ''), layer, coalesce(copy_kind, '')"
		" FROM skb_events WHERE skb = ?1 AND step IS NOT NULL ORDER BY seq",
		error);
	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, skb);
	GArray *a = g_array_new(FALSE, TRUE, sizeof(struct buf_step));
	g_array_set_clear_func(a, buf_step_clear);
	*max_end = 1;
	*total = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		++*total;
		if (a->len >= BUF_MAX_STEPS)
			continue;
		struct buf_step b = {
			.step = col(st, 0),
			.data = col(st, 1),
			.tail = col(st, 2),
			.end = col(st, 3),
			.mac = col(st, 4),
			.net = col(st, 5),
			.trans = col(st, 6),
			.bytes = col(st, 7),
			.dataref = col(st, 8),
		};
		const char *op = (const char *)sqlite3_column_text(st, 9);
		const char *func = (const char *)sqlite3_column_text(st, 10);
		const char *layer = (const char *)sqlite3_column_text(st, 11);
		const char *kind = (const char *)sqlite3_column_text(st, 12);
		const char *detail = *kind ? kind : *func ? func : "";
		if (b.bytes > 0)
			b.what = g_strdup_printf("%s %" G_GINT64_FORMAT " B %s (%s)", op, b.bytes,
						 detail, layer ? layer : "?");
		else
			b.what = g_strdup_printf("%s %s (%s)", op, detail, layer ? layer : "?");
		*max_end = MAX(*max_end, b.end);
		g_array_append_val(a, b);
	}
	return a;
}

static void
pin_box(GString *s, int *n, double x0, double x1, double y, const char *fill, const char *label)
{
	g_string_append_printf(s,
			       "  b%d [pos=\"%.3f,%.3f!\", shape=box, fixedsize=true, width=%.3f,"
			       " height=%.2f, style=filled, fillcolor=\"%s\", color=\"#555555\","
			       " fontsize=12, label=\"%s\"];\n",
			       (*n)++, (x0 + x1) / 2, y, MAX(x1 - x0, 0.01), BUF_BAR_H, fill,
			       label);
}

static void
pin_text(GString *s, int *n, double x, double y, const char *attrs, const char *text)
{
	g_autofree char *t = draw_html(text);
	g_string_append_printf(s, "  t%d [pos=\"%.3f,%.3f!\", shape=plaintext, %s, label=<%s>];\n",
			       (*n)++, x, y, attrs, t);
}

/* One region of the bar, [from, to) bytes from head, with its byte count if it fits. */
static void
region(GString *s, int *n, double scale, int64_t from, int64_t to, double y, const char *fill)
{
	if (to <= from)
		return;
	double x0 = BUF_BAR_X + from * scale, x1 = BUF_BAR_X + to * scale;
	g_autofree char *label =
		x1 - x0 >= BUF_MIN_TEXT ? g_strdup_printf("%" G_GINT64_FORMAT, to - from) : NULL;
	pin_box(s, n, x0, x1, y, fill, label ? label : "");
}

static void
mark(GString *s, int *n, double scale, int64_t off, double y, const char *name, double dy)
{
	if (off < 0)
		return;
	double x = BUF_BAR_X + off * scale;
	g_string_append_printf(
		s,
		"  m%d [pos=\"%.3f,%.3f!\", shape=box, fixedsize=true, width=0.03,"
		" height=%.2f, style=filled, fillcolor=\"#d62728\", color=\"#d62728\","
		" label=\"\"];\n",
		(*n)++, x, y, BUF_BAR_H + 0.12);
	pin_text(s, n, x, y + BUF_BAR_H / 2 + 0.08 + dy, "fontsize=11, fontcolor=\"#d62728\"",
		 name);
}

char *
draw_buffer_dot(sqlite3 *db, int64_t skb, GError **error)
{
	int64_t max_end;
	int total;
	g_autoptr(GArray) steps = buf_collect(db, skb, &max_end, &total, error);
	if (!steps)
		return NULL;
	if (steps->len == 0) {
		g_set_error(error, VIZ_ERROR, VIZ_ERROR_NOT_FOUND,
			    "no pointer rows for skb %" G_GINT64_FORMAT
			    " in this trace (written at trace level full by netsim 2 or later?)",
			    skb);
		return NULL;
	}
	double scale = BUF_BAR_W / (double)max_end;
	GString *s = g_string_new(NULL);
	g_autofree char *cut = total > (int)steps->len
		? g_strdup_printf(" (first %u of %d steps)", steps->len, total)
		: g_strdup("");
	g_string_append_printf(
		s,
		"graph buffer {\n" DRAW_STYLE "  overlap=true; pad=0.4;\n"
		"  label=<<b>skb %" G_GINT64_FORMAT ": head, data, tail and end at each step</b>%s"
		"<br/><font point-size=\"15\"><font color=\"#888888\">headroom</font> · "
		"<font color=\"#1f5fa8\">data</font> · tailroom (white), to scale from head to end "
		"· "
		"<font color=\"#d62728\">M N T: mac, network, transport header</font></font>>;\n",
		skb, cut);
	int n = 0;
	for (guint i = 0; i < steps->len; i++) {
		const struct buf_step *b = &g_array_index(steps, struct buf_step, i);
		double y = -(double)i * BUF_ROW;
		g_autofree char *left =
			g_strdup_printf("%" G_GINT64_FORMAT ": %s", b->step, b->what);
		pin_text(s, &n, BUF_LABEL_X, y, "fontsize=13", left);
		region(s, &n, scale, 0, b->data, y, "#d9d9d9");
		region(s, &n, scale, b->data, b->tail, y, "#9ecae1");
		region(s, &n, scale, b->tail, b->end, y, "#ffffff");
		/* staggered: headers often lie a few bytes apart */
		mark(s, &n, scale, b->mac, y, "M", 0);
		mark(s, &n, scale, b->net, y, "N", 0.13);
		mark(s, &n, scale, b->trans, y, "T", 0.26);
		g_autofree char *right = g_strdup_printf(
			"data %" G_GINT64_FORMAT " · tail %" G_GINT64_FORMAT
			" · end %" G_GINT64_FORMAT "%s",
			b->data, b->tail, b->end, b->dataref > 1 ? " · shared" : "");
		pin_text(s, &n, BUF_BAR_X + BUF_BAR_W + 1.4, y, "fontsize=12", right);
	}
	g_string_append(s, "}\n");
	return g_string_free(s, FALSE);
}
