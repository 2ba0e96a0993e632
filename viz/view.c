/*
 * viz/view.c - netsim view DB -o DIR: a web page that steps through the
 * life of a packet, one operation at a time, in any browser, from file://
 * (no server, nothing fetched: the page's HTML, CSS and JavaScript are
 * compiled in from viz/view/, and the trace's data is written beside them
 * as data.js).
 *
 * For each packet (an skb that a host made, not a clone, a fragment or a
 * received frame) data.js holds: the path picture of draw path as SVG,
 * whose nodes and edges carry ids, and every operation on the skbs that
 * carried the packet (their skb_events rows, in order), each with the node
 * and edge it is drawn at, the CPU stretch that paid for it (cpu_busy), the
 * lengths of the host's queues at that moment, and the buffer: head, data,
 * tail, end and the header offsets, from the pointer columns when the
 * trace has them, else derived from the alloc size, push, pull, data_off
 * and len.
 *
 * Position: cli -> viz -> SQLite, libgvc.  Reads the database only.
 */
#include "viz/view.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "include/netsim/trace_vocab.h"
#include "viz/draw.h"
#include "viz/draw_int.h"
#include "viz/step.h"
#include "viz/vizdb.h"

enum { VIEW_OK = 0, VIEW_BAD_INPUT = 2 };

/* The page itself (the files of viz/view/, compiled in by viz/local.mk). */
extern const char view_index_html[], view_view_css[], view_view_js[];

static void
json_str(GString *s, const char *v)
{
	if (!v) {
		g_string_append(s, "null");
		return;
	}
	g_string_append_c(s, '"');
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		switch (*p) {
		case '"': g_string_append(s, "\\\""); break;
		case '\\': g_string_append(s, "\\\\"); break;
		case '\n': g_string_append(s, "\\n"); break;
		case '\r': break;
		case '\t': g_string_append(s, "\\t"); break;
		case '<': g_string_append(s, "\\u003c"); break; /* never "</script>" */
		default:
			if (*p < 0x20)
				g_string_append_printf(s, "\\u%04x", *p);
			else
				g_string_append_c(s, (char)*p);
		}
	}
	g_string_append_c(s, '"');
}

/* A stretch of CPU time, for finding who paid for an operation. */
struct stretch {
	int64_t host, start, end;
	int ctx;
	const char *name;
};

/* The contexts, numbered as the CPU_CONTEXTS list orders them. */
enum {
#define VIEW_CTX_ENUM(e, name, what) VIEW_CTX_##e,
	CPU_CONTEXTS(VIEW_CTX_ENUM)
#undef VIEW_CTX_ENUM
};

/* @c's number in the list; NONE (hw) for a name it does not have. */
static int
ctx_num(const char *c)
{
	static const char *const names[] = {
#define VIEW_CTX_NAME(e, name, what) #name,
		CPU_CONTEXTS(VIEW_CTX_NAME)
#undef VIEW_CTX_NAME
	};
	for (int i = 0; i < (int)G_N_ELEMENTS(names); i++)
		if (g_strcmp0(c, names[i]) == 0)
			return i;
	return VIEW_CTX_NONE;
}

static int
stretch_cmp(gconstpointer a, gconstpointer b)
{
	const struct stretch *x = a, *y = b;
	if (x->host != y->host)
		return x->host < y->host ? -1 : 1;
	if (x->ctx != y->ctx)
		return x->ctx < y->ctx ? -1 : 1;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* The stretch of @host's CPU in @ctx that covers @t, or NULL. */
static const struct stretch *
stretch_at(GArray *all, int64_t host, int ctx, int64_t t)
{
	guint lo = 0, hi = all->len;
	while (lo < hi) { /* the first stretch after (host, ctx, t) */
		guint mid = (lo + hi) / 2;
		const struct stretch *m = &g_array_index(all, struct stretch, mid);
		if (m->host < host || (m->host == host && m->ctx < ctx) ||
		    (m->host == host && m->ctx == ctx && m->start <= t))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	const struct stretch *s = &g_array_index(all, struct stretch, lo - 1);
	return s->host == host && s->ctx == ctx && s->start <= t && t <= s->end ? s : NULL;
}

struct view {
	sqlite3 *db;
	const char *dir;
	GArray *stretches;
	GString *out; /* data.js */
	int64_t lo, hi;
	GPtrArray *extra_cols; /* pointer columns of skb_events beyond the known ones */
	int packets;
};

static bool
view_load_cpu(struct view *v, GError **error)
{
	v->stretches = g_array_new(FALSE, FALSE, sizeof(struct stretch));
	if (!vizdb_has_table(v->db, "cpu_busy"))
		return true;
	g_autoptr(sqlite3_stmt) st = vizdb_prepare(
		v->db, "SELECT host, ctx, name, start_ns, end_ns FROM cpu_busy", error);
	if (!st)
		return false;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct stretch s = { .host = sqlite3_column_int64(st, 0),
				     .ctx = ctx_num((const char *)sqlite3_column_text(st, 1)),
				     .name = g_intern_string(
					     (const char *)sqlite3_column_text(st, 2)),
				     .start = sqlite3_column_int64(st, 3),
				     .end = sqlite3_column_int64(st, 4) };
		g_array_append_val(v->stretches, s);
	}
	g_array_sort(v->stretches, stretch_cmp);
	return true;
}

/* Integer columns of skb_events that are not in DRAW_EVENT_COLS: the
 * pointer columns (head, tail, end, header offsets) of a newer trace. */
static void
view_extra_columns(struct view *v)
{
	static const char *const known[] = { "seq",   "time_ns",   "host",   "ctx",
					     "skb",   "op",	   "layer",  "func",
					     "queue", "data_off",  "len",    "bytes",
					     "qlen",  "copy_kind", "reason", "other" };
	g_autoptr(sqlite3_stmt) st = NULL;
	v->extra_cols = g_ptr_array_new_with_free_func(g_free);
	if (sqlite3_prepare_v2(v->db, "SELECT name, type FROM pragma_table_info('skb_events')", -1,
			       &st, NULL) != SQLITE_OK)
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *col = (const char *)sqlite3_column_text(st, 0);
		const char *type = (const char *)sqlite3_column_text(st, 1);
		bool skip = !type || g_ascii_strncasecmp(type, "INT", 3) != 0;
		for (size_t i = 0; i < G_N_ELEMENTS(known) && !skip; i++)
			skip = strcmp(col, known[i]) == 0;
		if (!skip)
			g_ptr_array_add(v->extra_cols, g_strdup(col));
	}
}

/* Appends the path picture of @skb as SVG text (rendered by libgvc). */
static bool
view_svg(struct view *v, const char *dot, GError **error)
{
	g_autofree char *tmp = g_build_filename(v->dir, ".path.svg", NULL);
	if (!draw_render(dot, "dot", tmp, error))
		return false;
	g_autofree char *svg = NULL;
	bool ok = g_file_get_contents(tmp, &svg, NULL, error);
	g_unlink(tmp);
	if (!ok)
		return false;
	const char *start = strstr(svg, "<svg"); /* drop the XML prologue */
	json_str(v->out, start ? start : svg);
	return true;
}

/* Every host's queue lengths over the packets' time span, for the queue
 * table: { "host": { "queue": [[seq, qlen], ...] } } (seq: the skb_events
 * row, so that operations at the same instant keep their order), at most
 * 100000 rows. */
static bool
view_queues(struct view *v, GError **error)
{
	g_autoptr(sqlite3_stmt) st = vizdb_prepare(
		v->db,
		"SELECT host, queue, seq, qlen FROM skb_events WHERE op IN ({op.ENQUEUE}, "
		"{op.DEQUEUE}) AND queue IS NOT NULL AND qlen IS NOT NULL AND time_ns BETWEEN ?1 "
		"AND "
		"?2 ORDER BY host, queue, seq LIMIT 100000",
		error);
	if (!st)
		return false;
	sqlite3_bind_int64(st, 1, v->lo);
	sqlite3_bind_int64(st, 2, v->hi);
	g_string_append(v->out, "NETSIM.queues = {");
	int64_t host = -1;
	g_autofree char *queue = NULL;
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t h = sqlite3_column_int64(st, 0);
		const char *q = (const char *)sqlite3_column_text(st, 1);
		if (h != host) {
			g_string_append_printf(v->out, "%s\"%" G_GINT64_FORMAT "\": {",
					       host < 0 ? "" : "]}, ", h);
			host = h;
			g_free(queue);
			queue = NULL;
		}
		if (!queue || strcmp(queue, q) != 0) {
			if (queue)
				g_string_append(v->out, "], ");
			json_str(v->out, q);
			g_string_append(v->out, ": [");
			g_free(queue);
			queue = g_strdup(q);
		} else {
			g_string_append_c(v->out, ',');
		}
		g_string_append_printf(v->out, "[%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT "]",
				       (int64_t)sqlite3_column_int64(st, 2),
				       (int64_t)sqlite3_column_int64(st, 3));
	}
	g_string_append(v->out, host < 0 ? "};\n" : "]}};\n");
	return true;
}

static void
json_int_or_null(GString *s, sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		g_string_append(s, "null");
	else
		g_string_append_printf(s, "%" G_GINT64_FORMAT,
				       (int64_t)sqlite3_column_int64(st, i));
}

/* The steps of one packet: its skbs' operations in order. */
static bool
view_steps(struct view *v, GArray *skbs, GArray *walked, GError **error)
{
	g_autoptr(GString) cols = g_string_new(DRAW_EVENT_COLS);
	for (guint i = 0; i < v->extra_cols->len; i++)
		g_string_append_printf(cols, ", \"%s\"",
				       (char *)g_ptr_array_index(v->extra_cols, i));
	g_autoptr(GString) ids = g_string_new("[");
	for (guint i = 0; i < skbs->len; i++)
		g_string_append_printf(ids, "%s%" G_GINT64_FORMAT, i ? "," : "",
				       g_array_index(skbs, int64_t, i));
	g_string_append_c(ids, ']');
	/* the step's words, as netsim show --skb prints them (viz/step.c) */
	g_string_append(cols,
			", step_what(op, func, bytes, copy_kind, other, dataref, reason,"
			" end_off), step_where(op, queue, qlen)");
	viz_step_register(v->db);
	g_autofree char *sql = g_strdup_printf(
		"SELECT %s FROM skb_events WHERE skb IN (SELECT value FROM json_each(?1)) ORDER "
		"BY seq",
		cols->str);
	g_autoptr(sqlite3_stmt) st = vizdb_prepare(v->db, sql, error);
	if (!st)
		return false;
	sqlite3_bind_text(st, 1, ids->str, -1, SQLITE_TRANSIENT);
	g_autoptr(GHashTable) where = g_hash_table_new(g_int64_hash, g_int64_equal);
	for (guint i = 0; i < walked->len; i++) {
		struct draw_path_step *ps = &g_array_index(walked, struct draw_path_step, i);
		g_hash_table_insert(where, &ps->seq, ps);
	}
	g_string_append(v->out, "steps: [");
	bool first = true;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct draw_event e;
		draw_event_read(st, &e);
		struct draw_path_step *ps = g_hash_table_lookup(where, &e.seq);
		g_string_append_printf(v->out,
				       "%s\n {seq:%" G_GINT64_FORMAT ",t:%" G_GINT64_FORMAT
				       ",host:%" G_GINT64_FORMAT ",skb:%" G_GINT64_FORMAT ",ctx:",
				       first ? "" : ",", e.seq, e.time_ns, e.host, e.skb);
		first = false;
		json_str(v->out, e.ctx);
		g_string_append(v->out, ",layer:");
		json_str(v->out, e.layer);
		g_string_append(v->out, ",op:");
		json_str(v->out, e.op);
		g_string_append(v->out, ",func:");
		json_str(v->out, e.func);
		g_string_append(v->out, ",queue:");
		json_str(v->out, e.queue);
		g_string_append(v->out, ",kind:");
		json_str(v->out, e.copy_kind);
		g_string_append(v->out, ",reason:");
		json_str(v->out, e.reason);
		g_string_append(v->out, ",qlen:");
		json_int_or_null(v->out, st, 9);
		g_string_append(v->out, ",data_off:");
		json_int_or_null(v->out, st, 10);
		g_string_append(v->out, ",len:");
		json_int_or_null(v->out, st, 11);
		g_string_append(v->out, ",bytes:");
		json_int_or_null(v->out, st, 12);
		g_string_append(v->out, ",other:");
		json_int_or_null(v->out, st, 15);
		int words = 16 + (int)v->extra_cols->len;
		g_string_append(v->out, ",what:");
		json_str(v->out, (const char *)sqlite3_column_text(st, words));
		g_string_append(v->out, ",where:");
		json_str(v->out, (const char *)sqlite3_column_text(st, words + 1));
		g_string_append(v->out, ",node:");
		json_str(v->out, ps ? ps->node : NULL);
		g_string_append_printf(v->out, ",edge:%d", ps ? ps->edge : -1);
		const struct stretch *paid =
			stretch_at(v->stretches, e.host, ctx_num(e.ctx), e.time_ns);
		const struct stretch *task =
			stretch_at(v->stretches, e.host, VIEW_CTX_TASK, e.time_ns);
		g_string_append(v->out, ",paid:");
		json_str(v->out, paid ? paid->name : NULL);
		g_string_append(v->out, ",task:");
		json_str(v->out, task ? task->name : NULL);
		if (v->extra_cols->len) {
			g_string_append(v->out, ",ptr:{");
			for (guint i = 0; i < v->extra_cols->len; i++) {
				json_str(v->out, g_ptr_array_index(v->extra_cols, i));
				g_string_append_c(v->out, ':');
				json_int_or_null(v->out, st, 16 + (int)i);
				if (i + 1 < v->extra_cols->len)
					g_string_append_c(v->out, ',');
			}
			g_string_append_c(v->out, '}');
		}
		g_string_append_c(v->out, '}');
		v->lo = MIN(v->lo, e.time_ns);
		v->hi = MAX(v->hi, e.time_ns);
	}
	g_string_append(v->out, "]");
	return true;
}

/* One packet: { skb, host, t, label, skbs, svg, steps }. */
static bool
view_packet(struct view *v, sqlite3_stmt *p, GError **error)
{
	int64_t skb = sqlite3_column_int64(p, 0);
	g_autoptr(GArray) walked = g_array_new(FALSE, FALSE, sizeof(struct draw_path_step));
	g_autofree char *dot = draw_path_dot_steps(v->db, skb, walked, error);
	bool ok = dot != NULL;
	if (ok) {
		/* the skbs that carried it: those the picture walked (as netsim show) */
		g_autoptr(GArray) skbs = g_array_new(FALSE, FALSE, sizeof(int64_t));
		ok = draw_path_skbs(v->db, skb, walked, skbs, error);
		const char *proto = (const char *)sqlite3_column_text(p, 3);
		g_autofree char *label = NULL;
		if (sqlite3_column_type(p, 6) != SQLITE_NULL)
			label = g_strdup_printf("%s %s:%d → %s:%d, %d B", proto,
						sqlite3_column_text(p, 4), sqlite3_column_int(p, 6),
						sqlite3_column_text(p, 5), sqlite3_column_int(p, 7),
						sqlite3_column_int(p, 8));
		else
			label = g_strdup_printf(
				"%s %s → %s, %d B", proto,
				sqlite3_column_text(p, 4) ? (const char *)sqlite3_column_text(p, 4)
							  : "?",
				sqlite3_column_text(p, 5) ? (const char *)sqlite3_column_text(p, 5)
							  : "?",
				sqlite3_column_int(p, 8));
		g_string_append_printf(v->out,
				       "NETSIM.packets.push({skb:%" G_GINT64_FORMAT
				       ",host:%" G_GINT64_FORMAT ",t:%" G_GINT64_FORMAT ",label:",
				       skb, (int64_t)sqlite3_column_int64(p, 1),
				       (int64_t)sqlite3_column_int64(p, 2));
		json_str(v->out, label);
		g_string_append(v->out, ",skbs:[");
		for (guint i = 0; i < skbs->len; i++)
			g_string_append_printf(v->out, "%s%" G_GINT64_FORMAT, i ? "," : "",
					       g_array_index(skbs, int64_t, i));
		g_string_append(v->out, "],\nsvg:");
		ok = ok && view_svg(v, dot, error) && (g_string_append(v->out, ",\n"), true) &&
			view_steps(v, skbs, walked, error);
		g_string_append(v->out, "});\n");
		v->packets++;
	}
	for (guint i = 0; i < walked->len; i++)
		g_free(g_array_index(walked, struct draw_path_step, i).node);
	return ok;
}

static bool
write_file(const char *dir, const char *name, const char *text, gssize len, GError **error)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);
	return g_file_set_contents(path, text, len, error);
}

bool
view_write(sqlite3 *db, const char *dir, int64_t only_skb, int max, GError **error)
{
	if (g_mkdir_with_parents(dir, 0755) != 0) {
		g_set_error(error, VIZ_ERROR, VIZ_ERROR_OPEN, "%s: cannot make the folder: %s", dir,
			    g_strerror(errno));
		return false;
	}
	struct view v = {
		.db = db, .dir = dir, .out = g_string_new(NULL), .lo = INT64_MAX, .hi = INT64_MIN
	};
	bool ok = view_load_cpu(&v, error);
	view_extra_columns(&v);
	g_string_append(v.out,
			"/* netsim view data: generated from a trace by netsim view; "
			"do not edit */\nvar NETSIM = {packets: [], hosts: {}};\n");
	/* the op names, from the one list, so that view.js compares
	 * e.op === NETSIM.op.ALLOC and spells no name of its own */
	g_string_append(v.out, "NETSIM.op = {");
#define X(id, name, doc) g_string_append(v.out, #id ": \"" #name "\", ");
	TRACE_OPS(X)
#undef X
	g_string_append(v.out, "};\n");
	g_autoptr(sqlite3_stmt) hs =
		ok ? vizdb_prepare(db, "SELECT id, name FROM hosts", error) : NULL;
	ok = hs != NULL;
	while (ok && sqlite3_step(hs) == SQLITE_ROW) {
		g_string_append_printf(v.out, "NETSIM.hosts[%" G_GINT64_FORMAT "] = ",
				       (int64_t)sqlite3_column_int64(hs, 0));
		json_str(v.out, (const char *)sqlite3_column_text(hs, 1));
		g_string_append(v.out, ";\n");
	}
	if (ok) {
		g_autofree char *scen = NULL;
		g_autoptr(sqlite3_stmt) rs = NULL;
		if (sqlite3_prepare_v2(db, "SELECT scenario FROM run", -1, &rs, NULL) ==
			    SQLITE_OK &&
		    sqlite3_step(rs) == SQLITE_ROW && sqlite3_column_text(rs, 0))
			scen = g_strdup((const char *)sqlite3_column_text(rs, 0));
		g_string_append(v.out, "NETSIM.scenario = ");
		json_str(v.out, scen);
		g_string_append(v.out, ";\n");
	}
	/* the packets: skbs a host made, not clones, fragments or received
	 * frames (found in one pass, not by a subquery per packet: skb_events
	 * has no index on "other", and a full trace has millions of rows) */
	g_autoptr(GHashTable) made_from =
		g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	g_autoptr(sqlite3_stmt) kids = NULL;
	if (ok && only_skb <= 0) {
		kids = vizdb_prepare(
			db,
			"SELECT other FROM skb_events WHERE op IN ({op.CLONE}, {op.COPY}) AND "
			"other IS NOT NULL UNION SELECT skb FROM skb_events WHERE op = "
			"{op.WIRE} AND func = 'rx'",
			error);
		ok = kids != NULL;
	}
	while (ok && kids && sqlite3_step(kids) == SQLITE_ROW) {
		int64_t k = sqlite3_column_int64(kids, 0);
		g_hash_table_add(made_from, g_memdup2(&k, sizeof k));
	}
	g_autoptr(sqlite3_stmt) ps = NULL;
	if (ok) {
		ps = vizdb_prepare(db,
				   "SELECT p.skb, p.host, p.time_ns, p.proto, p.saddr, p.daddr, "
				   "p.sport, p.dport, p.payload FROM packets p WHERE ?1 <= 0 OR "
				   "p.skb = ?1 ORDER BY p.time_ns, p.skb",
				   error);
		ok = ps != NULL;
	}
	if (ok)
		sqlite3_bind_int64(ps, 1, only_skb);
	while (ok && v.packets < max && sqlite3_step(ps) == SQLITE_ROW) {
		int64_t skb = sqlite3_column_int64(ps, 0);
		if (only_skb <= 0 && g_hash_table_contains(made_from, &skb))
			continue;
		ok = view_packet(&v, ps, error);
	}
	if (ok && v.packets == 0) {
		g_set_error(error, VIZ_ERROR, VIZ_ERROR_NOT_FOUND,
			    only_skb > 0
				    ? "skb %" G_GINT64_FORMAT
				      " is not a packet of this trace (see the packets table)"
				    : "the trace has no packets (write it with trace level full)",
			    only_skb);
		ok = false;
	}
	if (ok)
		ok = view_queues(&v, error);
	ok = ok && write_file(dir, "data.js", v.out->str, (gssize)v.out->len, error) &&
		write_file(dir, "index.html", view_index_html, -1, error) &&
		write_file(dir, "view.css", view_view_css, -1, error) &&
		write_file(dir, "view.js", view_view_js, -1, error);
	g_string_free(v.out, TRUE);
	g_array_free(v.stretches, TRUE);
	if (v.extra_cols)
		g_ptr_array_free(v.extra_cols, TRUE);
	return ok;
}

int
view_main(int argc, char **argv)
{
	g_autofree char *output = NULL;
	gint64 skb = 0;
	gint max = 200, step = 1;
	const GOptionEntry entries[] = {
		{ "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
		  "Write the page into folder DIR (index.html, view.js, view.css, data.js)",
		  "DIR" },
		{ "skb", 0, 0, G_OPTION_ARG_INT64, &skb, "Only this packet (an skb a host made)",
		  "N" },
		{ "max", 0, 0, G_OPTION_ARG_INT, &max, "At most N packets, the first in time (200)",
		  "N" },
		{ "step", 0, 0, G_OPTION_ARG_INT, &step,
		  "With --skb: the step to print the link to (1 = its first operation)", "K" },
		{ NULL },
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("DB");
	g_autoptr(GError) error = NULL;
	g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_set_summary(
		ctx,
		"Write a web page that steps through the life of a packet of the trace DB,\n"
		"one operation at a time: where it is in the stack, which CPU context pays,\n"
		"the buffer's pointers, the queues and the wire.  Open DIR/index.html in a\n"
		"browser (no server, no network); DIR/index.html#skb=N&step=K opens a step.");
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		fprintf(stderr, "netsim view: %s\n", error->message);
		return VIEW_BAD_INPUT;
	}
	if (argc != 3 || !output) {
		fprintf(stderr, "netsim view: expected DB and -o DIR (see 'netsim view --help')\n");
		return VIEW_BAD_INPUT;
	}
	if (max < 1) {
		fprintf(stderr, "netsim view: --max must be at least 1\n");
		return VIEW_BAD_INPUT;
	}
	g_autoptr(sqlite3) db = vizdb_open(argv[2], &error);
	if (!db || !view_write(db, output, skb, max, &error)) {
		fprintf(stderr, "netsim view: %s\n", error->message);
		return VIEW_BAD_INPUT;
	}
	g_autofree char *abs = g_canonicalize_filename(output, NULL);
	g_autofree char *index = g_build_filename(abs, "index.html", NULL);
	g_autofree char *uri = g_filename_to_uri(index, NULL, NULL);
	if (skb > 0)
		printf("%s#skb=%" G_GINT64_FORMAT "&step=%d\n", uri ? uri : index, skb, step);
	else
		printf("%s\n", uri ? uri : index);
	return VIEW_OK;
}
