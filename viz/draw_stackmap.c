/*
 * viz/draw_stackmap.c - the stack map: every host's layers and queues, each
 * edge labelled with the skbs and bytes that crossed it in the whole run,
 * and each place where skbs were dropped with a red octagon counting them
 * by reason.
 *
 * Every skb's operations are walked place to place (draw_walk, viz/draw.c)
 * and the moves are counted.  The same layer is on the same row on every
 * host (one "rank=same" per row across the clusters, Graphviz's newrank),
 * so that a lecturer can read across: "routers stop at IP".  Edge width and
 * colour are scaled to the largest count, of this run or of the runs it is
 * compared with (--scale-from, draw compare), so that low and high load
 * look different.  On a host with several CPUs each edge also says which
 * CPU's code made those moves (skb_events.cpu: "CPU 1", or "CPU 0: 40, CPU
 * 1: 60" when several did); a one-CPU host's map is as it always was.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "include/netsim/trace_vocab.h"
#include "viz/draw.h"
#include "viz/draw_int.h"

#define MAP_CPUS 64 /* HOST_MAX_CPUS */

/* The name of the context "not on a CPU" (the hardware), from CPU_CONTEXTS. */
#define MAP_CTX_HW(e, name, what) [CTX_##e] = #name,
enum {
#define MAP_CTX_ENUM(e, name, what) CTX_##e,
	CPU_CONTEXTS(MAP_CTX_ENUM)
#undef MAP_CTX_ENUM
};
static const char *const map_ctx_names[] = { CPU_CONTEXTS(MAP_CTX_HW) };
#undef MAP_CTX_HW

struct map_edge {
	struct draw_place from, to;
	enum draw_edge_kind kind;
	int64_t count, bytes;
	int64_t by_cpu[MAP_CPUS]; /* moves made by each CPU's code (not the hardware's) */
};

struct map_node {
	struct draw_place p;
	int64_t skbs;
};

struct map_drop {
	struct draw_place at;
	const char *reason;
	int64_t count;
};

/* What one run contributes to a map. */
struct stackmap {
	sqlite3 *db;
	GHashTable *edges; /* struct map_edge (key and value) */
	GHashTable *nodes; /* DOT id -> struct map_node */
	GHashTable *drops; /* "id|reason" -> struct map_drop */
	GHashTable *smp;   /* host id -> 1 + its highest CPU number seen, when above 0 */
	int64_t max;	   /* the largest edge count */
};

/* For g_ptr_array_sort, which passes pointers to the elements. */
static int
id_cmp(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static guint
place_hash(const struct draw_place *p)
{
	return g_direct_hash(p->name) ^ (guint)p->host * 31u ^ (guint)p->kind;
}

static guint
edge_hash(gconstpointer k)
{
	const struct map_edge *e = k;
	return place_hash(&e->from) * 17u ^ place_hash(&e->to) ^ (guint)e->kind;
}

static gboolean
edge_equal(gconstpointer a, gconstpointer b)
{
	const struct map_edge *x = a, *y = b;
	return x->kind == y->kind && draw_place_equal(&x->from, &y->from) &&
		draw_place_equal(&x->to, &y->to);
}

/* The heat colour for @count of @max: orange to dark red (ylorrd9 4..9;
 * the paler ones vanish on a projector). */
static int
heat(int64_t count, int64_t max)
{
	if (max <= 1)
		return 7;
	double f = log((double)MAX(count, 1)) / log((double)max);
	return 4 + (int)lround(f * 5.0);
}

static void
append_size(GString *s, int64_t bytes)
{
	if (bytes >= 10 * 1024 * 1024)
		g_string_append_printf(s, "%.1f MB", (double)bytes / (1024.0 * 1024.0));
	else if (bytes >= 10 * 1024)
		g_string_append_printf(s, "%.1f KB", (double)bytes / 1024.0);
	else
		g_string_append_printf(s, "%" G_GINT64_FORMAT " B", bytes);
}

static struct map_node *
map_node(GHashTable *nodes, const struct draw_place *p)
{
	char *id = draw_place_id(p);
	struct map_node *n = g_hash_table_lookup(nodes, id);
	if (!n) {
		n = g_new0(struct map_node, 1);
		n->p = *p;
		g_hash_table_insert(nodes, id, n);
	} else {
		g_free(id);
	}
	return n;
}

static void
map_drop(struct stackmap *m, const struct draw_place *at, const char *reason)
{
	g_autofree char *id = draw_place_id(at);
	char *key = g_strdup_printf("%s|%s", id, reason);
	struct map_drop *d = g_hash_table_lookup(m->drops, key);
	if (!d) {
		d = g_new0(struct map_drop, 1);
		d->at = *at;
		d->reason = g_intern_string(reason);
		g_hash_table_insert(m->drops, key, d);
	} else {
		g_free(key);
	}
	d->count++;
	map_node(m->nodes, at);
}

static void
stackmap_free(struct stackmap *m)
{
	g_clear_pointer(&m->edges, g_hash_table_unref);
	g_clear_pointer(&m->nodes, g_hash_table_unref);
	g_clear_pointer(&m->drops, g_hash_table_unref);
	g_clear_pointer(&m->smp, g_hash_table_unref);
}

/* Does the trace say which CPU ran each op (skb_events.cpu, issue 19)? */
static bool
trace_has_cpu(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	bool ok = sqlite3_prepare_v2(db, "SELECT cpu FROM skb_sites LIMIT 0", -1, &st, NULL) ==
		SQLITE_OK;
	sqlite3_finalize(st);
	return ok;
}

/* Walks every skb of @db and counts its moves and drops into @m. */
static bool
stackmap_collect(sqlite3 *db, struct stackmap *m, GError **error)
{
	*m = (struct stackmap){
		.db = db,
		.edges = g_hash_table_new_full(edge_hash, edge_equal, g_free, NULL),
		.nodes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free),
		.drops = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free),
		.smp = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL),
		.max = 1,
	};
	bool cpus = trace_has_cpu(db);
	g_autoptr(sqlite3_stmt) st = vizdb_prepare(
		db,
		cpus ? "SELECT " DRAW_EVENT_COLS ", cpu FROM skb_events ORDER BY skb, seq"
		     : "SELECT " DRAW_EVENT_COLS ", 0 FROM skb_events ORDER BY skb, seq",
		error);
	if (!st) {
		stackmap_free(m);
		return false;
	}
	struct draw_place at = { 0 };
	int64_t cur = -1, rows = 0;
	struct draw_event e;

	while (sqlite3_step(st) == SQLITE_ROW) {
		struct draw_step steps[2];
		draw_event_read(st, &e);
		rows++;
		if (e.skb != cur) {
			cur = e.skb;
			at = (struct draw_place){ 0 };
		}
		int64_t cpu = sqlite3_column_int64(st, 16);
		if (cpu < 0 || cpu >= MAP_CPUS)
			cpu = 0;
		/* a CPU's code, not the hardware ("hw": NIC, wire; also a timer
		 * firing, told apart only when its CPU is not 0) */
		bool by_code = cpu > 0 || strcmp(e.ctx, map_ctx_names[CTX_NONE]) != 0;
		if (cpu > 0) {
			int64_t *h = g_hash_table_lookup(m->smp, &e.host);
			if (!h) {
				h = g_new0(int64_t, 2);
				h[0] = e.host;
				g_hash_table_insert(m->smp, h, h);
			}
			h[1] = MAX(h[1], cpu + 1);
		}
		int n = draw_walk(&at, &e, steps);
		if (at.kind != PLACE_NONE)
			map_node(m->nodes, &at);
		for (int i = 0; i < n; i++) {
			if (steps[i].kind == EDGE_DROP) {
				map_drop(m, &steps[i].from, steps[i].what);
				continue;
			}
			struct map_edge key = { steps[i].from, steps[i].to, steps[i].kind, 0, 0,
						{ 0 } };
			struct map_edge *me = g_hash_table_lookup(m->edges, &key);
			if (!me) {
				me = g_memdup2(&key, sizeof key);
				g_hash_table_add(m->edges, me);
			}
			me->count++;
			if (by_code)
				me->by_cpu[cpu]++;
			me->bytes += MAX(steps[i].bytes, 0);
			m->max = MAX(m->max, me->count);
			map_node(m->nodes, &steps[i].from);
			map_node(m->nodes, &steps[i].to);
		}
	}
	if (rows == 0) {
		g_set_error(error, VIZ_ERROR, VIZ_ERROR_NOT_FOUND,
			    "the trace has no skb events to draw (write it with trace level full)");
		stackmap_free(m);
		return false;
	}
	return true;
}

bool
draw_host_wanted(sqlite3 *db, int64_t id, char **hosts)
{
	if (!hosts)
		return true;
	g_autofree char *name = draw_host_name(db, id);
	g_autofree char *num = g_strdup_printf("%" G_GINT64_FORMAT, id);
	for (char **h = hosts; *h; h++)
		if (strcmp(*h, name) == 0 || strcmp(*h, num) == 0)
			return true;
	return false;
}

/*
 * "\nCPU 1", or "\nCPU 0: 40, CPU 1: 60" (two to a line): which CPUs'
 * code made @me's moves, when its host has several CPUs.  Nothing on a
 * one-CPU host, nor for moves only the hardware made (the wire).
 */
static void
append_cpus(const struct stackmap *m, GString *label, const struct map_edge *me)
{
	const int64_t *h = g_hash_table_lookup(m->smp, &me->from.host);
	if (!h)
		return;
	int shown = 0, only = -1;
	for (int k = 0; k < MAP_CPUS && k < h[1]; k++)
		if (me->by_cpu[k]) {
			only = shown ? -1 : k;
			shown++;
		}
	if (shown == 0)
		return;
	if (shown == 1) {
		g_string_append_printf(label, "\\nCPU %d", only);
		return;
	}
	shown = 0;
	for (int k = 0; k < MAP_CPUS && k < h[1]; k++) {
		if (!me->by_cpu[k])
			continue;
		g_string_append(label, shown % 2 ? ", " : "\\n");
		g_string_append_printf(label, "CPU %d: %" G_GINT64_FORMAT, k, me->by_cpu[k]);
		shown++;
	}
}

/* The id of a place in a map whose runs are told apart by @prefix. */
static char *
map_id(const char *prefix, const struct draw_place *p)
{
	g_autofree char *id = draw_place_id(p);
	return g_strconcat(prefix, id, NULL);
}

static char *
drop_id(const char *prefix, const struct map_drop *d)
{
	g_autofree char *id = map_id(prefix, &d->at);
	g_autofree char *r = g_strdup(d->reason);
	g_strcanon(r, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", '_');
	return g_strdup_printf("%s_drop_%s", id, r);
}

/* One host as a cluster, its rows listed in @rows for aligning the hosts. */
static void
map_cluster(struct stackmap *m, GString *s, const char *prefix, const char *run, int64_t host,
	    GPtrArray **rows)
{
	g_autofree char *name = draw_host_name(m->db, host);
	g_autofree char *hname = draw_html(name);
	g_autofree char *hrun = draw_html(run);
	GPtrArray *byrank[DRAW_RANKS];
	for (int r = 0; r < DRAW_RANKS; r++)
		byrank[r] = g_ptr_array_new();
	GHashTableIter it;
	gpointer k, v;
	g_hash_table_iter_init(&it, m->nodes);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		struct map_node *n = v;
		if (n->p.host == host)
			g_ptr_array_add(byrank[draw_place_rank(&n->p)], k);
	}
	g_string_append_printf(s,
			       "  subgraph cluster_%sh%" G_GINT64_FORMAT " {\n"
			       "    label=<<b>%s%s%s</b>>; style=rounded; color=\"#7f7f7f\"; "
			       "penwidth=2;\n",
			       prefix, host, hrun, *run ? ": " : "", hname);
	const char *prev = NULL;
	for (int r = 0; r < DRAW_RANKS; r++) {
		if (!byrank[r]->len)
			continue;
		g_ptr_array_sort(byrank[r], id_cmp);
		const char *first = NULL;
		for (guint i = 0; i < byrank[r]->len; i++) {
			const char *id = g_ptr_array_index(byrank[r], i);
			struct map_node *n = g_hash_table_lookup(m->nodes, id);
			g_autofree char *label = draw_html(
				n->p.kind == PLACE_LAYER ? draw_layer_label(n->p.name) : n->p.name);
			const char *shape = n->p.kind == PLACE_QUEUE ? "ellipse, style=filled, "
								       "fillcolor=\"#fff5d6\""
				: n->p.kind == PLACE_WIRE
				? "cds, style=filled, fillcolor=\"#dde8f5\""
				: "box, style=\"rounded,filled\", fillcolor=\"#e8eefc\"";
			g_string_append_printf(s, "    %s%s [shape=%s, label=<%s%s>];\n", prefix,
					       id, shape, n->p.kind == PLACE_WIRE ? "wire " : "",
					       label);
			char *full = g_strconcat(prefix, id, NULL);
			g_ptr_array_add(rows[r], full);
			if (!first && n->p.kind != PLACE_QUEUE)
				first = full; /* the layers, not the queues, stack */
		}
		if (!first)
			continue;
		if (prev)
			g_string_append_printf(s, "    %s -> %s [style=invis, weight=20];\n", prev,
					       first);
		prev = first;
	}
	/* the drops, beside the place where they happened */
	g_hash_table_iter_init(&it, m->drops);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		struct map_drop *d = v;
		if (d->at.host != host)
			continue;
		g_autofree char *id = drop_id(prefix, d);
		g_autofree char *reason = draw_html(d->reason);
		g_string_append_printf(
			s,
			"    %s [shape=octagon, style=filled, fillcolor=\"#fbd5d5\", "
			"color=\"#d62728\", penwidth=2, fontsize=16, label=<<b>%" G_GINT64_FORMAT
			" dropped</b><br/>%s>];\n",
			id, d->count, reason);
		g_ptr_array_add(rows[draw_place_rank(&d->at)], g_strdup(id));
	}
	g_string_append(s, "  }\n");
	for (int r = 0; r < DRAW_RANKS; r++)
		g_ptr_array_free(byrank[r], TRUE);
}

/* An edge to write, with the ids it is written and sorted by. */
struct map_out {
	struct map_edge *me;
	char *a, *b;
};

static int
map_out_cmp(gconstpointer x, gconstpointer y)
{
	const struct map_out *p = x, *q = y;
	int c = strcmp(p->a, q->a);
	if (!c)
		c = strcmp(p->b, q->b);
	return c ? c : (int)p->me->kind - (int)q->me->kind;
}

static void
map_out_clear(gpointer p)
{
	struct map_out *o = p;
	g_free(o->a);
	g_free(o->b);
}

/*
 * The edges in the order of their ids, not of the edge table: that table
 * hashes interned pointers, whose order changes from run to run.
 */
static void
map_edges(struct stackmap *m, GString *s, const char *prefix, int64_t max, char **hosts)
{
	GHashTableIter it;
	gpointer k, v;
	g_autoptr(GArray) out = g_array_new(FALSE, FALSE, sizeof(struct map_out));
	g_array_set_clear_func(out, map_out_clear);
	g_hash_table_iter_init(&it, m->edges);
	while (g_hash_table_iter_next(&it, &k, NULL)) {
		struct map_edge *me = k;
		if (!draw_host_wanted(m->db, me->from.host, hosts) ||
		    !draw_host_wanted(m->db, me->to.host, hosts))
			continue;
		struct map_out o = { me, map_id(prefix, &me->from), map_id(prefix, &me->to) };
		g_array_append_val(out, o);
	}
	g_array_sort(out, map_out_cmp);
	for (guint i = 0; i < out->len; i++) {
		struct map_out *o = &g_array_index(out, struct map_out, i);
		struct map_edge *me = o->me;
		const char *a = o->a, *b = o->b;
		g_autoptr(GString) label = g_string_new(NULL);
		g_string_append_printf(label, "%" G_GINT64_FORMAT " skb%s\\n", me->count,
				       me->count == 1 ? "" : "s");
		append_size(label, me->bytes);
		if (me->kind == EDGE_COPY)
			g_string_append(label, " copied");
		append_cpus(m, label, me);
		double pen =
			1.5 + 6.5 * (max > 1 ? log((double)me->count) / log((double)max) : 1.0);
		g_string_append_printf(s,
				       "  %s -> %s [%s=\"%s\", penwidth=%.1f, "
				       "colorscheme=ylorrd9, color=%d, fontcolor=\"#333333\"%s];\n",
				       a, b, draw_label_attr(&me->from, &me->to), label->str, pen,
				       heat(me->count, max),
				       me->kind == EDGE_COPY ? ", style=dashed" : "");
	}
	g_hash_table_iter_init(&it, m->drops);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		struct map_drop *d = v;
		if (!draw_host_wanted(m->db, d->at.host, hosts))
			continue;
		g_autofree char *a = map_id(prefix, &d->at);
		g_autofree char *b = drop_id(prefix, d);
		g_string_append_printf(s,
				       "  %s -> %s [color=\"#d62728\", style=dashed, penwidth=2.5, "
				       "arrowhead=tee];\n",
				       a, b);
	}
}

/* The clusters of one run's hosts. */
static bool
map_run(struct stackmap *m, GString *s, const char *prefix, const char *run, char **hosts,
	GPtrArray **rows, GError **error)
{
	g_autoptr(sqlite3_stmt) hs =
		vizdb_prepare(m->db, "SELECT id FROM hosts ORDER BY id", error);
	if (!hs)
		return false;
	int shown = 0;
	while (sqlite3_step(hs) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(hs, 0);
		if (!draw_host_wanted(m->db, id, hosts))
			continue;
		map_cluster(m, s, prefix, run, id, rows);
		shown++;
	}
	if (shown == 0) {
		g_set_error(error, VIZ_ERROR, VIZ_ERROR_NOT_FOUND,
			    "--hosts names no host of this trace");
		return false;
	}
	return true;
}

static void
map_rows(GString *s, GPtrArray **rows)
{
	for (int r = 0; r < DRAW_RANKS; r++) {
		if (rows[r]->len > 1) {
			g_string_append(s, "  { rank=same;");
			for (guint i = 0; i < rows[r]->len; i++)
				g_string_append_printf(s, " %s;",
						       (char *)g_ptr_array_index(rows[r], i));
			g_string_append(s, " }\n");
		}
		g_ptr_array_free(rows[r], TRUE);
	}
}

char *
draw_stackmaps_dot(sqlite3 **dbs, const char *const *names, int n, const struct draw_map_opts *o,
		   GError **error)
{
	struct stackmap maps[4];
	int64_t max = 1;
	g_return_val_if_fail(n >= 1 && n <= 4, NULL);
	for (int i = 0; i < n; i++) {
		if (!stackmap_collect(dbs[i], &maps[i], error)) {
			for (int j = 0; j < i; j++)
				stackmap_free(&maps[j]);
			return NULL;
		}
		max = MAX(max, maps[i].max);
	}
	if (o && o->scale_from) {
		struct stackmap other;
		if (!stackmap_collect(o->scale_from, &other, error)) {
			for (int j = 0; j < n; j++)
				stackmap_free(&maps[j]);
			return NULL;
		}
		max = MAX(max, other.max);
		stackmap_free(&other);
	}
	char **hosts = o ? o->hosts : NULL;
	GString *s = g_string_new("digraph stackmap {\n");
	g_string_append_printf(
		s,
		DRAW_STYLE
		"  rankdir=TB; newrank=true; nodesep=0.45; ranksep=0.35;\n"
		"  label=<<b>Stack map</b>: skbs and bytes across each edge in the whole run"
		"<br/><font point-size=\"16\">thicker and redder = more skbs (the thickest: "
		"%" G_GINT64_FORMAT " skbs%s); dashed = data copied; octagons: drops</font>>;\n",
		max, n > 1 || (o && o->scale_from) ? ", the same scale for every run" : "");
	GPtrArray *rows[DRAW_RANKS];
	for (int r = 0; r < DRAW_RANKS; r++)
		rows[r] = g_ptr_array_new_with_free_func(g_free);
	bool ok = true;
	for (int i = 0; i < n && ok; i++) {
		char prefix[16] = "";
		if (n > 1)
			snprintf(prefix, sizeof prefix, "r%d_", i);
		ok = map_run(&maps[i], s, prefix, n > 1 ? names[i] : "", hosts, rows, error);
		if (ok)
			map_edges(&maps[i], s, prefix, max, hosts);
	}
	map_rows(s, rows);
	for (int i = 0; i < n; i++)
		stackmap_free(&maps[i]);
	if (!ok) {
		g_string_free(s, TRUE);
		return NULL;
	}
	g_string_append(s, "}\n");
	return g_string_free(s, FALSE);
}

char *
draw_stackmap_dot(sqlite3 *db, GError **error)
{
	const char *name = "";
	return draw_stackmaps_dot(&db, &name, 1, NULL, error);
}
