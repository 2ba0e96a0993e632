/*
 * viz/draw_cpu.c - the CPU timeline: for each host, a lane per context
 * (hardirq, softirq, task) and in it a bar for every stretch of time the
 * CPU spent on one work item (the cpu_busy table), drawn to scale and
 * coloured by its owner: the function or the task that the time was
 * charged to.  A bar wide enough carries its owner's name; the legend
 * names every colour with the time it took in the window.
 *
 * The table is read generically: besides host, ctx, name, start_ns and
 * end_ns, any other text column (an owning task, a function, as a more
 * exact attribution writes them) is added to the owner's name.
 *
 * A host with several CPUs (cpu_busy.cpu, [host] cpus = N) gets the three
 * lanes once per CPU, CPU 0 first.
 *
 * Laid out by neato with every node pinned (pos="x,y!"), in inches.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "include/netsim/trace_vocab.h"
#include "viz/draw.h"
#include "viz/draw_int.h"

#define CPU_WIDTH 16.0 /* inches of time axis */
#define CPU_LANE 0.55  /* inches per lane */
#define CPU_BAR 0.42   /* bar height */
#define CPU_HOST_GAP 0.5
#define CPU_CPU_GAP 0.25 /* between the lanes of two CPUs of a host */

/* The contexts, from the CPU_CONTEXTS list: a lane for each before NONE (hw). */
enum {
#define CPU_LANE_ENUM(e, name, what) LANE_##e,
	CPU_CONTEXTS(CPU_LANE_ENUM)
#undef CPU_LANE_ENUM
};
#define CPU_LANES LANE_NONE
static const char *const ctxs[] = {
#define CPU_LANE_NAME(e, name, what) #name,
	CPU_CONTEXTS(CPU_LANE_NAME)
#undef CPU_LANE_NAME
};

/* colour-blind-safe and distinct on a projector (Tableau 10 and more) */
static const char *const palette[] = {
	"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
	"#ff9da7", "#9c755f", "#bab0ac", "#1f77b4", "#8c564b", "#17becf", "#bcbd22",
};

struct bar {
	int64_t host, start, end;
	int ctx;
	int cpu;	   /* cpu_busy.cpu: the host's CPU */
	const char *owner; /* interned */
};

struct owner {
	const char *name;
	int64_t busy;
	int count;
	int color;
};

static int
ctx_index(const char *ctx)
{
	for (int i = 0; i < CPU_LANES; i++)
		if (g_strcmp0(ctx, ctxs[i]) == 0)
			return i;
	return -1;
}

/* The SELECT list: the five columns, then every other text column. */
static char *
cpu_columns(sqlite3 *db, int *extra)
{
	g_autoptr(sqlite3_stmt) st = NULL;
	GString *s = g_string_new("host, ctx, name, start_ns, end_ns");
	*extra = 0;
	if (sqlite3_prepare_v2(db, "SELECT name, type FROM pragma_table_info('cpu_busy')", -1, &st,
			       NULL) != SQLITE_OK)
		return g_string_free(s, FALSE);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *col = (const char *)sqlite3_column_text(st, 0);
		const char *type = (const char *)sqlite3_column_text(st, 1);
		static const char *const known[] = { "host", "ctx", "name", "start_ns", "end_ns" };
		bool skip = false;
		for (size_t i = 0; i < G_N_ELEMENTS(known); i++)
			skip |= strcmp(col, known[i]) == 0;
		if (skip || !type || g_ascii_strcasecmp(type, "TEXT") != 0)
			continue;
		g_string_append_printf(s, ", \"%s\"", col);
		(*extra)++;
	}
	return g_string_free(s, FALSE);
}

/* True when cpu_busy has the column cpu (schema 8 on). */
static bool
cpu_has_cpu_column(sqlite3 *db)
{
	return vizdb_int(db,
			 "SELECT count(*) FROM pragma_table_info('cpu_busy') WHERE name = 'cpu'",
			 0) > 0;
}

/* The CPUs of @host: its HOST.cpuK figures (only written for N > 1), at
 * least @seen (one more than the highest CPU number drawn). */
static int
host_ncpus(sqlite3 *db, int64_t host, int seen)
{
	g_autofree char *sql =
		g_strdup_printf("SELECT count(*) FROM counters WHERE host = %" G_GINT64_FORMAT
				" AND place = 'run' AND name GLOB 'cpu[0-9]*.task_ns'",
				host);
	int n = vizdb_has_table(db, "counters") ? (int)vizdb_int(db, sql, 0) : 0;
	return MAX(MAX(n, seen), 1);
}

/* "1.5 ms" etc. for the axis: @step decides the precision. */
static char *
tick_label(int64_t ns, int64_t step)
{
	if (step >= 1000000)
		return g_strdup_printf("%.*f ms", step % 1000000 ? 1 : 0, (double)ns / 1e6);
	if (step >= 1000)
		return g_strdup_printf("%.*f ms",
				       step >= 100000	       ? 1
					       : step >= 10000 ? 2
							       : 3,
				       (double)ns / 1e6);
	return g_strdup_printf("%.3f µs", (double)ns / 1e3);
}

static int64_t
nice_step(int64_t span)
{
	int64_t step = 1;
	while (span / step > 10) {
		int64_t m = step;
		if (span / (2 * m) <= 10)
			return 2 * m;
		if (span / (5 * m) <= 10)
			return 5 * m;
		step = 10 * m;
	}
	return step;
}

static int
owner_by_time(gconstpointer a, gconstpointer b)
{
	const struct owner *x = *(struct owner *const *)a, *y = *(struct owner *const *)b;
	if (x->busy != y->busy)
		return x->busy > y->busy ? -1 : 1;
	/* equal time: by name, not by the hash table's order (interned addresses) */
	return strcmp(x->name, y->name);
}

char *
draw_cpu_dot(sqlite3 *db, const struct draw_cpu_opts *o, GError **error)
{
	if (!vizdb_has_table(db, "cpu_busy") ||
	    vizdb_int(db, "SELECT count(*) FROM cpu_busy", 0) == 0) {
		g_set_error(error, VIZ_ERROR, VIZ_ERROR_NOT_FOUND,
			    "the trace has no cpu_busy rows (write it with trace level full)");
		return NULL;
	}
	int64_t from = o->from_ns, to = o->to_ns;
	if (from < 0)
		from = vizdb_int(db, "SELECT min(start_ns) FROM cpu_busy", 0);
	if (to <= from)
		to = from + 1000000; /* a 1 ms window */
	int extra = 0;
	g_autofree char *cols = cpu_columns(db, &extra);
	g_autofree char *sql = g_strdup_printf("SELECT %s, %s FROM cpu_busy WHERE end_ns > ?1 AND "
					       "start_ns < ?2 ORDER BY host, start_ns",
					       cols, cpu_has_cpu_column(db) ? "cpu" : "0");
	g_autoptr(sqlite3_stmt) st = vizdb_prepare(db, sql, error);
	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);

	double scale = CPU_WIDTH / (double)(to - from); /* inches per ns */
	g_autoptr(GArray) bars = g_array_new(FALSE, FALSE, sizeof(struct bar));
	g_autoptr(GHashTable) owners = g_hash_table_new_full(NULL, NULL, NULL, g_free);
	g_autoptr(GArray) hosts = g_array_new(FALSE, FALSE, sizeof(int64_t));
	g_autoptr(GArray) seen = g_array_new(FALSE, TRUE, sizeof(int)); /* per host: max cpu + 1 */
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t host = sqlite3_column_int64(st, 0);
		int c = ctx_index((const char *)sqlite3_column_text(st, 1));
		if (c < 0 || !draw_host_wanted(db, host, o->hosts))
			continue;
		g_autoptr(GString) who = g_string_new((const char *)sqlite3_column_text(st, 2));
		for (int i = 0; i < extra; i++) {
			const char *x = (const char *)sqlite3_column_text(st, 5 + i);
			if (x && *x && strcmp(x, who->str) != 0)
				g_string_append_printf(who, " · %s", x);
		}
		int64_t cpu = sqlite3_column_int64(st, 5 + extra);
		if (cpu < 0 || cpu >= 64)
			continue; /* not a CPU of netsim's (at most 64 a host) */
		struct bar b = { .host = host,
				 .cpu = (int)cpu,
				 .start = MAX(sqlite3_column_int64(st, 3), from),
				 .end = MIN(sqlite3_column_int64(st, 4), to),
				 .ctx = c,
				 .owner = g_intern_string(who->str) };
		if (!hosts->len || g_array_index(hosts, int64_t, hosts->len - 1) != host) {
			g_array_append_val(hosts, host);
			g_array_set_size(seen, hosts->len);
		}
		int *sn = &g_array_index(seen, int, hosts->len - 1);
		*sn = MAX(*sn, b.cpu + 1);
		struct owner *ow = g_hash_table_lookup(owners, b.owner);
		if (!ow) {
			ow = g_new0(struct owner, 1);
			ow->name = b.owner;
			g_hash_table_insert(owners, (gpointer)b.owner, ow);
		}
		ow->busy += b.end - b.start;
		ow->count++;
		/* one bar for stretches of one owner closer than a pixel (1/96 in) */
		struct bar *prev = NULL;
		for (guint i = bars->len; i-- > 0;) {
			struct bar *p = &g_array_index(bars, struct bar, i);
			if (p->host != host)
				break;
			if (p->ctx == c && p->cpu == b.cpu) {
				prev = p;
				break;
			}
		}
		if (prev && prev->owner == b.owner &&
		    (double)(b.start - prev->end) * scale < 0.0105)
			prev->end = MAX(prev->end, b.end);
		else
			g_array_append_val(bars, b);
	}
	if (bars->len == 0) {
		g_autofree char *a = draw_time(from), *b = draw_time(to);
		g_set_error(error, VIZ_ERROR, VIZ_ERROR_NOT_FOUND,
			    "no CPU was busy between %s and %s%s", a, b,
			    o->hosts ? " on those hosts" : "");
		return NULL;
	}
	if (bars->len > 6000) {
		g_set_error(error, VIZ_ERROR, VIZ_ERROR_ARG,
			    "%u stretches of CPU time in this window: too many to draw; "
			    "choose a shorter one with --from and --to",
			    bars->len);
		return NULL;
	}
	/* colours: the owners that took the most time first, equal times by name */
	g_autoptr(GPtrArray) order = g_ptr_array_new();
	GHashTableIter it;
	gpointer v;
	g_hash_table_iter_init(&it, owners);
	while (g_hash_table_iter_next(&it, NULL, &v))
		g_ptr_array_add(order, v);
	g_ptr_array_sort(order, owner_by_time);
	for (guint i = 0; i < order->len; i++)
		((struct owner *)g_ptr_array_index(order, i))->color =
			(int)(i % G_N_ELEMENTS(palette));

	g_autofree char *tf = draw_time(from), *tt = draw_time(to);
	GString *s = g_string_new(NULL);
	g_string_append_printf(
		s,
		"graph cpu {\n" DRAW_STYLE "  splines=false; outputorder=edgesfirst; pad=0.4;\n"
		"  label=<<b>CPU time by context</b> from %s to %s<br/><font point-size=\"15\">"
		"each bar: a stretch of CPU time, to scale, coloured by what it was charged to; "
		"hardirq preempts softirq, softirq preempts tasks</font>>;\n"
		"  node [shape=box, style=filled, fixedsize=true, penwidth=0, fontsize=13, "
		"label=\"\"];\n",
		tf, tt);
	double y = 0;
	for (guint h = 0; h < hosts->len; h++) {
		int64_t host = g_array_index(hosts, int64_t, h);
		g_autofree char *hn = draw_host_name(db, host);
		g_autofree char *ehn = draw_html(hn);
		int ncpu = host_ncpus(db, host, g_array_index(seen, int, h));
		for (int k = 0; k < ncpu; k++) {
			for (int c = 0; c < CPU_LANES; c++) {
				double ly =
					y - k * (CPU_LANES * CPU_LANE + CPU_CPU_GAP) - c * CPU_LANE;
				int l = k * CPU_LANES + c; /* the lane's number in the host */
				if (c == 0 && k == 0)
					g_string_append_printf(
						s,
						"  host_%u [pos=\"%.3f,%.3f!\", shape=plaintext, "
						"style=\"\", fixedsize=false, fontsize=18, "
						"label=<<b>%s</b>>];\n",
						h, -1.5, ly, ehn);
				if (c == 1 && ncpu > 1)
					g_string_append_printf(
						s,
						"  hcpu_%u_%d [pos=\"%.3f,%.3f!\", "
						"shape=plaintext, "
						"style=\"\", fixedsize=false, fontsize=15, "
						"label=\"CPU %d\"];\n",
						h, k, -1.5, ly, k);
				g_string_append_printf(
					s,
					"  lctx_%u_%d [pos=\"%.3f,%.3f!\", shape=plaintext, "
					"style=\"\", fixedsize=false, fontsize=14, "
					"fontcolor=\"#555555\", label=\"%s\"];\n",
					h, l, -0.45, ly, ctxs[c]);
				/* the lane's base line */
				g_string_append_printf(
					s,
					"  la_%u_%d [pos=\"0,%.3f!\", shape=point, width=0.01, "
					"style=invis];\n  lb_%u_%d [pos=\"%.3f,%.3f!\", "
					"shape=point, "
					"width=0.01, style=invis];\n  la_%u_%d -- lb_%u_%d "
					"[color=\"#dddddd\"];\n",
					h, l, ly - CPU_BAR / 2, h, l, CPU_WIDTH, ly - CPU_BAR / 2,
					h, l, h, l);
			}
		}
		for (guint i = 0; i < bars->len; i++) {
			struct bar *b = &g_array_index(bars, struct bar, i);
			if (b->host != host)
				continue;
			struct owner *ow = g_hash_table_lookup(owners, b->owner);
			double x0 = (double)(b->start - from) * scale;
			double w = MAX((double)(b->end - b->start) * scale, 0.012);
			double ly = y - b->cpu * (CPU_LANES * CPU_LANE + CPU_CPU_GAP) -
				b->ctx * CPU_LANE;
			g_autofree char *name = draw_html(b->owner);
			bool fits = (double)g_utf8_strlen(b->owner, -1) * 0.58 * 13 / 72 + 0.08 < w;
			g_string_append_printf(
				s,
				"  b%u [pos=\"%.4f,%.3f!\", width=%.4f, height=%.2f, "
				"fillcolor=\"%s\"%s%s%s];\n",
				i, x0 + w / 2, ly, w, CPU_BAR, palette[ow->color],
				fits ? ", label=<" : "", fits ? name : "", fits ? ">" : "");
		}
		y -= (ncpu - 1) * (CPU_LANES * CPU_LANE + CPU_CPU_GAP);
		y -= CPU_LANES * CPU_LANE + CPU_HOST_GAP;
	}
	/* the time axis */
	double ay = y + CPU_HOST_GAP - 0.1;
	int64_t step = nice_step(to - from);
	int n = 0;
	for (int64_t t = (from + step - 1) / step * step; t <= to; t += step, n++) {
		double x = (double)(t - from) * scale;
		g_autofree char *l = tick_label(t, step);
		g_string_append_printf(
			s,
			"  tick%d [pos=\"%.3f,%.3f!\", shape=plaintext, style=\"\", "
			"fixedsize=false, fontsize=14, label=\"%s\"];\n"
			"  ga%d [pos=\"%.3f,%.3f!\", shape=point, width=0.01, "
			"style=invis];\n  gb%d [pos=\"%.3f,%.3f!\", shape=point, "
			"width=0.01, style=invis];\n  ga%d -- gb%d [color=\"#e6e6e6\", "
			"style=dashed];\n",
			n, x, ay - 0.15, l, n, x, ay, n, x, CPU_LANE / 2, n, n);
	}
	/* the legend: every owner with its time in the window */
	g_autoptr(GString) leg = g_string_new(NULL);
	g_string_append(leg,
			"<table border=\"0\" cellspacing=\"4\" cellpadding=\"2\">"
			"<tr><td colspan=\"3\" align=\"left\"><b>charged to</b></td></tr>");
	for (guint i = 0; i < order->len; i++) {
		struct owner *ow = g_ptr_array_index(order, i);
		g_autofree char *name = draw_html(ow->name);
		g_autofree char *t = draw_time(ow->busy);
		g_string_append_printf(leg,
				       "<tr><td bgcolor=\"%s\" width=\"18\"> </td>"
				       "<td align=\"left\">%s</td><td align=\"right\">%s in %d</td>"
				       "</tr>",
				       palette[ow->color], name, t, ow->count);
	}
	g_string_append(leg, "</table>");
	g_string_append_printf(s,
			       "  legend [pos=\"%.3f,%.3f!\", shape=plaintext, style=\"\", "
			       "fixedsize=false, fontsize=14, label=<%s>];\n",
			       CPU_WIDTH + 2.6, CPU_LANE / 2 - (order->len + 1) * 0.29 / 2,
			       leg->str);
	g_string_append(s, "}\n");
	return g_string_free(s, FALSE);
}

bool
draw_parse_time(const char *s, int64_t *ns)
{
	char *end = NULL;
	double v = g_ascii_strtod(s, &end);
	if (!s || end == s || v < 0)
		return false;
	while (*end == ' ')
		end++;
	double mult = strcmp(end, "") == 0 || strcmp(end, "ns") == 0 ? 1
		: strcmp(end, "us") == 0 || strcmp(end, "µs") == 0   ? 1e3
		: strcmp(end, "ms") == 0			     ? 1e6
		: strcmp(end, "s") == 0				     ? 1e9
								     : -1;
	if (mult < 0 || v * mult > 9.2e18)
		return false;
	*ns = (int64_t)llround(v * mult);
	return true;
}
