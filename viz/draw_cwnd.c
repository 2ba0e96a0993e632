/*
 * viz/draw_cwnd.c - netsim draw cwnd: one TCP sender's congestion window,
 * slow-start threshold and bytes in flight over time (the tcp_cc table,
 * a row whenever one of them changed), with every loss the sender
 * detected marked: a fall of ssthresh (fast retransmit, RFC 5681 3.2) or
 * of cwnd to one segment or less (a retransmission timeout, RFC 5681 3.1);
 * with tcp_cc.ca_state, the entries into Recovery and Loss themselves,
 * named by what started them: three duplicate ACKs or SACKs (DupThresh),
 * RACK with fewer (RFC 8985, tcp_rack_detect_loss), or the timer.
 * The periods the sender spent in Linux's CA states Recovery (fast
 * recovery), Loss (after an RTO) and CWR (cwnd cut without a loss, as
 * for a local drop) are shaded and named, from tcp_cc.ca_state (schema 6;
 * older traces have no shading).
 *
 * Laid out by neato with every point pinned, as the ladder is: each
 * series is a line of edges between invisible points.
 */
#include <stdio.h>
#include <string.h>

#include "viz/draw.h"
#include "viz/draw_int.h"

#define CW_W 14.0
#define CW_H 6.0
#define CW_INFINITE 0x7fffffff /* ssthresh before the first loss */
#define CW_EPS 0.01	       /* inches: rows closer in time share one vertical line */

struct cc_row {
	int64_t t, cwnd, ssthresh, flight;
	int state;	/* index into ca_states, 0 (Open) when the trace has none */
	int64_t sacked; /* tcp_cc.sacked_out: SACKed (or, without SACK, duplicate-ACKed) segments */
};

/* Linux's CA states (tcp_ca_state_name) and how a period in one is shaded;
 * Open and Disorder are not shaded (Disorder: SACKs or duplicate ACKs
 * seen, cwnd untouched). */
static const struct {
	const char *name, *fill, *text;
} ca_states[] = {
	{ "Open", NULL, NULL },
	{ "Disorder", NULL, NULL },
	{ "CWR", "#9467bd30", "#6a4c93" },
	{ "Recovery", "#ff7f0e38", "#b35900" },
	{ "Loss", "#d6272838", "#a31d1d" },
};
enum { CA_RECOVERY = 3, CA_LOSS = 4 }; /* their indexes in ca_states */

static int
ca_state_index(const char *name)
{
	for (unsigned i = 0; name && i < G_N_ELEMENTS(ca_states); i++)
		if (strcmp(name, ca_states[i].name) == 0)
			return (int)i;
	return 0;
}

static const struct {
	const char *name, *color, *style;
} series[3] = {
	{ "cwnd", "#1f5fa8", "solid" },
	{ "ssthresh", "#d62728", "dashed" },
	{ "bytes in flight", "#2e8b57", "solid" },
};

static int64_t
cc_value(const struct cc_row *r, int k)
{
	return k == 0 ? r->cwnd : k == 1 ? r->ssthresh : r->flight;
}

static char *
bytes_label(int64_t b)
{
	return b >= 10000 ? g_strdup_printf("%.1f KB", (double)b / 1000.0)
			  : g_strdup_printf("%" G_GINT64_FORMAT " B", b);
}

/*
 * The CA-state periods: a translucent box from the row that entered the
 * state to the row that left it (or the plot's end), drawn under the lines
 * (nodes come after edges, but the fill is translucent), and its name and
 * start above the plot.  Labels go in two rows above the loss labels; one
 * that would touch the previous label of its row is left out (the shading
 * stays), so that no label hides another.
 */
static void
draw_cwnd_periods(GString *s, GArray *rows, int64_t t0, double sx)
{
	double row_end[2] = { -100, -100 };
	int n = 0;
	for (guint i = 0; i < rows->len; i++) {
		struct cc_row *r = &g_array_index(rows, struct cc_row, i);
		if (!ca_states[r->state].fill ||
		    (i > 0 && g_array_index(rows, struct cc_row, i - 1).state == r->state))
			continue;
		guint j = i + 1;
		while (j < rows->len && g_array_index(rows, struct cc_row, j).state == r->state)
			j++;
		double x0 = (double)(r->t - t0) * sx;
		double x1 = j < rows->len
			? (double)(g_array_index(rows, struct cc_row, j).t - t0) * sx
			: CW_W;
		double w = MAX(x1 - x0, 0.02);
		g_string_append_printf(s,
				       "  sh%d [shape=box, style=filled, fixedsize=true, "
				       "penwidth=0, fillcolor=\"%s\", width=%.4f, height=%.3f, "
				       "pos=\"%.4f,%.3f!\"];\n",
				       n, ca_states[r->state].fill, w, CW_H, x0 + w / 2, CW_H / 2);
		g_autofree char *t = draw_time(r->t);
		g_autofree char *text = g_strdup_printf("%s from %s", ca_states[r->state].name, t);
		/* about 0.55 em per character of 13 pt Helvetica, in inches; the
		 * label starts at the period's left edge, inside the plot's width */
		double half = (double)strlen(text) * 13 * 0.55 / 72 / 2 + 0.1;
		double c = MIN(x0 + half - 0.1, CW_W - half + 0.3);
		for (int k = 0; k < 2; k++) {
			if (c - half <= row_end[k])
				continue;
			g_string_append_printf(s,
					       "  sl%d [pos=\"%.4f,%.3f!\", shape=plaintext, "
					       "style=\"\", fontsize=13, fontcolor=\"%s\", "
					       "label=\"%s\"];\n",
					       n, c, CW_H + 1.3 + k * 0.3, ca_states[r->state].text,
					       text);
			row_end[k] = c + half;
			break;
		}
		n++;
	}
}

char *
draw_cwnd_dot(sqlite3 *db, const struct viz_flow *f, int64_t from_ns, int64_t to_ns, GError **error)
{
	g_autofree char *what = vizdb_flow_describe(f);
	int64_t host = vizdb_flow_sender(db, f, false);
	if (!vizdb_has_table(db, "tcp_cc")) {
		g_set_error(error, VIZ_ERROR, VIZ_ERROR_NOT_FOUND,
			    "the trace has no tcp_cc table (write it with trace level full)");
		return NULL;
	}
	g_autofree char *c1 =
		g_strdup_printf("%s:%d>%s:%d", f->saddr, f->sport, f->daddr, f->dport);
	g_autofree char *c2 =
		g_strdup_printf("%s:%d-%s:%d", f->saddr, f->sport, f->daddr, f->dport);
	bool have_state = vizdb_int(db,
				    "SELECT count(*) FROM pragma_table_info('tcp_cc') "
				    "WHERE name = 'ca_state'",
				    0) > 0;
	g_autofree char *sql = g_strdup_printf(
		"SELECT time_ns, cwnd, ssthresh, flight, %s FROM tcp_cc WHERE conn IN (?1, ?2) AND "
		"(?3 < 0 OR host = ?3) AND (?4 < 0 OR time_ns >= ?4) AND (?5 < 0 OR time_ns <= ?5) "
		"ORDER BY time_ns, rowid",
		have_state ? "ca_state, sacked_out" : "NULL, 0");
	g_autoptr(sqlite3_stmt) st = vizdb_prepare(db, sql, error);
	if (!st)
		return NULL;
	sqlite3_bind_text(st, 1, c1, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, c2, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, host);
	sqlite3_bind_int64(st, 4, from_ns);
	sqlite3_bind_int64(st, 5, to_ns);
	g_autoptr(GArray) rows = g_array_new(FALSE, FALSE, sizeof(struct cc_row));
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct cc_row r = { sqlite3_column_int64(st, 0),
				    sqlite3_column_int64(st, 1),
				    sqlite3_column_int64(st, 2),
				    sqlite3_column_int64(st, 3),
				    ca_state_index((const char *)sqlite3_column_text(st, 4)),
				    sqlite3_column_int64(st, 5) };
		g_array_append_val(rows, r);
	}
	if (rows->len < 2) {
		g_set_error(error, VIZ_ERROR, VIZ_ERROR_NOT_FOUND,
			    "flow %s: %u rows of tcp_cc for its sender%s; nothing to plot", what,
			    rows->len, from_ns >= 0 || to_ns >= 0 ? " in that window" : "");
		return NULL;
	}
	struct cc_row *first = &g_array_index(rows, struct cc_row, 0);
	struct cc_row *last = &g_array_index(rows, struct cc_row, rows->len - 1);
	int64_t t0 = first->t, t1 = MAX(last->t, t0 + 1), ymax = 1;
	for (guint i = 0; i < rows->len; i++) {
		struct cc_row *r = &g_array_index(rows, struct cc_row, i);
		for (int k = 0; k < 3; k++)
			if (cc_value(r, k) < CW_INFINITE)
				ymax = MAX(ymax, cc_value(r, k));
	}
	ymax = ymax * 11 / 10;
	double sx = CW_W / (double)(t1 - t0), sy = CW_H / (double)ymax;
	GString *s = g_string_new(NULL);
	g_string_append_printf(
		s,
		"graph cwnd {\n" DRAW_STYLE "  splines=line; outputorder=edgesfirst; pad=0.4;\n"
		"  label=<<b>Congestion control of %s:%d → %s:%d</b><br/><font point-size=\"15\">"
		"<font color=\"#1f5fa8\">cwnd</font> · <font color=\"#d62728\">ssthresh "
		"(dashed; none drawn while it is still ∞)</font> · <font color=\"#2e8b57\">bytes "
		"in "
		"flight</font> · grey lines: losses the sender detected · shaded: "
		"<font color=\"#b35900\">Recovery</font>, <font color=\"#a31d1d\">Loss</font>, "
		"<font color=\"#6a4c93\">CWR</font> (Linux's CA states)</font>>;\n"
		"  node [shape=point, width=0, height=0, style=invis, label=\"\"];\n"
		"  edge [headclip=false, tailclip=false];\n",
		f->saddr, f->sport, f->daddr, f->dport);
	/* axes */
	g_string_append_printf(
		s,
		"  ax0 [pos=\"0,0!\"]; ax1 [pos=\"%.3f,0!\"]; ay1 [pos=\"0,%.3f!\"];\n"
		"  ax0 -- ax1 [color=\"#333333\", penwidth=1.5];\n"
		"  ax0 -- ay1 [color=\"#333333\", penwidth=1.5];\n",
		CW_W, CW_H);
	for (int i = 0; i <= 5; i++) {
		int64_t b = ymax * i / 5;
		g_autofree char *l = bytes_label(b);
		g_string_append_printf(s,
				       "  yt%d [pos=\"-0.7,%.3f!\", shape=plaintext, style=\"\", "
				       "fontsize=14, label=\"%s\"];\n",
				       i, b * sy, l);
	}
	for (int i = 0; i <= 5; i++) {
		int64_t t = t0 + (t1 - t0) * i / 5;
		g_autofree char *l = draw_time(t);
		g_string_append_printf(s,
				       "  xt%d [pos=\"%.3f,-0.3!\", shape=plaintext, style=\"\", "
				       "fontsize=14, label=\"%s\"];\n",
				       i, (double)(t - t0) * sx, l);
	}
	/* the three series, as steps: a value holds until the next row.  Rows
	 * closer than CW_EPS inches in time share one vertical line from their
	 * lowest to their highest value, so a long trace stays a plot that
	 * Graphviz can lay out (a 15 s CUBIC flow has 12,000 rows). */
	for (int k = 0; k < 3; k++) {
		int n = 0;
		double px = 0, py = 0, bx = 0, lo = 0, hi = 0, ylast = 0;
		bool have = false, bucket = false;
		for (guint i = 0; i <= rows->len; i++) {
			struct cc_row *r =
				i < rows->len ? &g_array_index(rows, struct cc_row, i) : NULL;
			int64_t v = r ? cc_value(r, k) : 0;
			double x = r ? (double)(r->t - t0) * sx : 0, y = (double)v * sy;
			if (bucket && (!r || v >= CW_INFINITE || x - bx >= CW_EPS)) {
				/* close the bucket: across from the last point, then up and down */
				g_string_append_printf(s,
						       "  p%d_%d [pos=\"%.4f,%.4f!\"]; p%d_%d "
						       "[pos=\"%.4f,%.4f!\"];\n"
						       "  p%d_%d -- p%d_%d [color=\"%s\", "
						       "penwidth=3, style=%s];\n",
						       k, n, px, py, k, n + 1, bx, py, k, n, k,
						       n + 1, series[k].color, series[k].style);
				n += 2;
				if (hi > lo) {
					g_string_append_printf(
						s,
						"  p%d_%d [pos=\"%.4f,%.4f!\"]; p%d_%d [pos=\"%.4f,"
						"%.4f!\"];\n  p%d_%d -- p%d_%d [color=\"%s\", "
						"penwidth=3, style=%s];\n",
						k, n, bx, lo, k, n + 1, bx, hi, k, n, k, n + 1,
						series[k].color, series[k].style);
					n += 2;
				}
				px = bx;
				py = ylast;
				bucket = false;
			}
			if (!r)
				break;
			if (v >= CW_INFINITE) {
				have = false;
				continue;
			}
			if (!have) {
				px = x;
				py = y;
				have = true;
				continue;
			}
			if (!bucket && y == py)
				continue;
			if (!bucket) {
				bucket = true;
				bx = x;
				lo = hi = py;
			}
			lo = MIN(lo, y);
			hi = MAX(hi, y);
			ylast = y;
		}
		if (have) { /* to the end of the plot */
			g_string_append_printf(
				s,
				"  p%d_%d [pos=\"%.4f,%.4f!\"]; p%d_%d [pos=\"%.4f,%.4f!\"];"
				"\n  p%d_%d -- p%d_%d [color=\"%s\", penwidth=3, style=%s];\n",
				k, n, px, py, k, n + 1, CW_W, py, k, n, k, n + 1, series[k].color,
				series[k].style);
		}
	}
	draw_cwnd_periods(s, rows, t0, sx);
	/* losses: ssthresh changes to below the cwnd before it, or, outside a
	 * recovery, cwnd falls but stays at or above ssthresh (a fast
	 * retransmit that found ssthresh where it was: NewReno's ssthresh + 3,
	 * or ssthresh itself with SACK); cwnd falling to one segment (an RTO).
	 * HyStart's end of slow start sets ssthresh = cwnd: not a loss. */
	bool in_rec = false;
	int marks = 0;
	double last_mark = -10;
	for (guint i = 1; i < rows->len; i++) {
		struct cc_row *p = &g_array_index(rows, struct cc_row, i - 1);
		struct cc_row *r = &g_array_index(rows, struct cc_row, i);
		bool fr, rto;
		if (have_state) { /* what the sender itself said (tcp_set_ca_state) */
			fr = r->state == CA_RECOVERY && p->state != CA_RECOVERY;
			rto = r->state == CA_LOSS && p->state != CA_LOSS;
		} else {
			fr = (r->ssthresh != p->ssthresh && r->ssthresh < p->cwnd) ||
				(!in_rec && r->cwnd < p->cwnd && r->cwnd >= r->ssthresh);
			rto = r->cwnd <= 1500 && p->cwnd > 1500;
			in_rec = (in_rec || fr) && r->cwnd > r->ssthresh;
		}
		if (!fr && !rto)
			continue;
		/* RACK enters Recovery on time, with fewer than DupThresh (3)
		 * segments SACKed; the pre-state traces only ever had the three */
		const char *why = rto			? "timeout"
			: !have_state || r->sacked >= 3 ? "3 duplicate ACKs"
							: "RACK: lost by time";
		double x = (double)(r->t - t0) * sx;
		g_autofree char *t = draw_time(r->t);
		g_autofree char *ss = bytes_label(r->ssthresh), *cw = bytes_label(r->cwnd);
		g_string_append_printf(
			s,
			"  lm%d [pos=\"%.4f,0!\"]; ln%d [pos=\"%.4f,%.3f!\"];\n"
			"  lm%d -- ln%d [color=\"#888888\", penwidth=2, style=dashed];\n",
			marks, x, marks, x, CW_H, marks, marks);
		if (x - last_mark > 2.2) { /* a label where it has room */
			g_string_append_printf(
				s,
				"  ll%d [pos=\"%.4f,%.3f!\", shape=plaintext, style=filled, "
				"fillcolor=white, fontsize=14, label=<<b>%s at %s</b><br/>ssthresh "
				"%s, "
				"cwnd %s>];\n",
				marks, x, CW_H + 0.35 + (marks % 2) * 0.55, why, t, ss, cw);
			last_mark = x;
		}
		marks++;
	}
	g_string_append(s, "}\n");
	return g_string_free(s, FALSE);
}
