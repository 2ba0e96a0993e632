/*
 * viz/draw.c - netsim draw: the command, rendering with libgvc, the walk of
 * an skb between the places of a picture (viz/draw_int.h), and the stack
 * map.  The packet path is in draw_path.c, the TCP ladder in draw_ladder.c.
 *
 * Rendering uses the Graphviz library, not the dot program: agmemread
 * parses the DOT text, gvLayout places it, gvRenderFilename writes it.
 *
 * Position: cli/netsim.c -> draw_main -> viz/vizdb.c -> SQLite, libgvc.
 */
#include "viz/draw.h"

#include <gvc.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "viz/draw_int.h"

enum { DRAW_OK = 0, DRAW_BAD_INPUT = 2 };

/* ---- the places of a picture and the walk between them ---- */

static const char *
column_interned(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? g_intern_string((const char *)t) : NULL;
}

static int64_t
column_int(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, i);
}

void
draw_event_read(sqlite3_stmt *st, struct draw_event *e)
{
	*e = (struct draw_event){
		.skb = column_int(st, 0),
		.seq = column_int(st, 1),
		.time_ns = column_int(st, 2),
		.host = column_int(st, 3),
		.ctx = column_interned(st, 4),
		.layer = column_interned(st, 5),
		.op = column_interned(st, 6),
		.func = column_interned(st, 7),
		.queue = column_interned(st, 8),
		.qlen = column_int(st, 9),
		.data_off = column_int(st, 10),
		.len = column_int(st, 11),
		.bytes = column_int(st, 12),
		.copy_kind = column_interned(st, 13),
		.reason = column_interned(st, 14),
		.other = column_int(st, 15),
	};
	if (!e->layer)
		e->layer = g_intern_static_string("?");
	e->opc = viz_op_by_name(e->op);
	e->kindc = viz_copy_by_name(e->copy_kind);
	if (!e->op)
		e->op = g_intern_static_string("?");
}

static const struct {
	const char *name, *label;
	int rank;
} layers[] = {
	{ "user", "user process", 0 },
	{ "app", "user process", 0 },
	{ "socket", "socket", 1 },
	{ "tcp", "TCP", 2 },
	{ "udp", "UDP", 2 },
	{ "icmp", "ICMP", 2 },
	{ "ip", "IP", 3 },
	{ "arp", "ARP", 3 },
	{ "eth", "Ethernet", 4 },
	{ "dev", "device (netdev)", 5 },
	{ "driver", "driver", 6 },
	{ "nic", "NIC (hardware)", 7 },
	{ "wire", "wire", 8 },
};

int
draw_layer_rank(const char *layer)
{
	for (size_t i = 0; i < G_N_ELEMENTS(layers); i++)
		if (strcmp(layers[i].name, layer) == 0)
			return layers[i].rank;
	return 3;
}

const char *
draw_layer_label(const char *layer)
{
	for (size_t i = 0; i < G_N_ELEMENTS(layers); i++)
		if (strcmp(layers[i].name, layer) == 0)
			return layers[i].label;
	return layer;
}

int
draw_place_rank(const struct draw_place *p)
{
	if (p->kind == PLACE_USER)
		return 0;
	if (p->kind == PLACE_WIRE)
		return 8;
	return draw_layer_rank(p->kind == PLACE_QUEUE ? p->owner : p->name);
}

const char *
draw_label_attr(const struct draw_place *a, const struct draw_place *b)
{
	if (a->kind == PLACE_NONE || b->kind == PLACE_NONE)
		return "label";
	return draw_place_rank(a) == draw_place_rank(b) ? "xlabel" : "label";
}

static struct draw_place
place_layer(int64_t host, const char *layer)
{
	if (strcmp(layer, "wire") == 0)
		layer = "nic";
	return (struct draw_place){ .kind = PLACE_LAYER,
				    .host = host,
				    .name = g_intern_string(layer) };
}

bool
draw_place_equal(const struct draw_place *a, const struct draw_place *b)
{
	return a->kind == b->kind && a->host == b->host && a->name == b->name;
}

char *
draw_place_id(const struct draw_place *p)
{
	static const char *const prefix[] = { "none", "", "q_", "user", "w_" };
	g_autofree char *name = g_strdup(p->name ? p->name : "");
	g_strcanon(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", '_');
	if (p->kind == PLACE_USER)
		return g_strdup_printf("h%" G_GINT64_FORMAT "_user", p->host);
	return g_strdup_printf("h%" G_GINT64_FORMAT "_%s%s", p->host, prefix[p->kind], name);
}

static int
add_step(struct draw_step *steps, int n, struct draw_place from, struct draw_place to,
	 enum draw_edge_kind kind, const char *what, int64_t bytes)
{
	steps[n] = (struct draw_step){
		.from = from, .to = to, .kind = kind, .what = g_intern_string(what), .bytes = bytes
	};
	return n + 1;
}

int
draw_walk(struct draw_place *at, const struct draw_event *e, struct draw_step steps[2])
{
	enum viz_op op = e->opc;
	struct draw_place here = place_layer(e->host, e->layer);
	struct draw_place nic = place_layer(e->host, "nic");
	int n = 0;

	if (at->kind != PLACE_NONE && at->host != e->host)
		at->kind = PLACE_NONE; /* a trace we do not understand: start again */
	if (op == VIZ_OP_ALLOC || op == VIZ_OP_FREE) {
		if (at->kind == PLACE_NONE)
			*at = here;
	} else if (op == VIZ_OP_HANDOFF || op == VIZ_OP_DEQUEUE || op == VIZ_OP_PUSH ||
		   op == VIZ_OP_PULL) {
		const char *what =
			op == VIZ_OP_HANDOFF ? (e->func ? e->func : viz_op_name(op)) : e->op;
		if (at->kind != PLACE_NONE && !draw_place_equal(at, &here))
			n = add_step(steps, n, *at, here, EDGE_MOVE, what, e->len);
		*at = here;
	} else if (op == VIZ_OP_ENQUEUE) {
		struct draw_place q = { .kind = PLACE_QUEUE,
					.host = e->host,
					.name = e->queue ? e->queue : "queue",
					.owner = e->layer };
		if (at->kind != PLACE_NONE && !draw_place_equal(at, &q))
			n = add_step(steps, n, *at, q, EDGE_MOVE, e->op, e->len);
		*at = q;
	} else if (op == VIZ_OP_COPY) {
		const char *kind = e->copy_kind ? e->copy_kind : e->op;
		struct draw_place user = { .kind = PLACE_USER,
					   .host = e->host,
					   .name = g_intern_static_string("user") };
		struct draw_place from = at->kind != PLACE_NONE ? *at : here, to = from;
		if (e->kindc == VIZ_COPY_USER_TO_SKB) {
			from = user;
			to = here;
		} else if (e->kindc == VIZ_COPY_SKB_TO_USER) {
			to = user;
		} else if (e->kindc == VIZ_COPY_DMA_TO_DEV) {
			to = nic;
		} else if (e->kindc == VIZ_COPY_DMA_FROM_DEV) {
			from = nic;
			to = draw_place_equal(at, &nic) || at->kind == PLACE_NONE
				? place_layer(e->host, "driver")
				: *at;
		}
		g_autofree char *what = g_strdup_printf("copy %s", kind);
		n = add_step(steps, n, from, to, EDGE_COPY, what, e->bytes);
		if (e->kindc != VIZ_COPY_SKB_COPY)
			*at = to;
	} else if (op == VIZ_OP_WIRE) {
		struct draw_place w = { .kind = PLACE_WIRE,
					.host = e->host,
					.name = e->queue ? e->queue : "wire" };
		bool tx = g_strcmp0(e->func, "rx") != 0;
		if (tx && at->kind != PLACE_NONE && !draw_place_equal(at, &nic))
			n = add_step(steps, n, *at, nic, EDGE_MOVE, "to the NIC", e->len);
		n = add_step(steps, n, tx ? nic : w, tx ? w : nic, EDGE_WIRE, tx ? "tx" : "rx",
			     e->len);
		if (tx || at->kind == PLACE_NONE)
			*at = nic;
	} else if (op == VIZ_OP_DROP) {
		struct draw_place none = { .kind = PLACE_NONE, .host = e->host };
		n = add_step(steps, n, at->kind != PLACE_NONE ? *at : here, none, EDGE_DROP,
			     e->reason ? e->reason : "dropped", e->len);
	}
	return n;
}

char *
draw_host_name(sqlite3 *db, int64_t id)
{
	g_autoptr(sqlite3_stmt) st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT name FROM hosts WHERE id = ?", -1, &st, NULL) ==
	    SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		if (sqlite3_step(st) == SQLITE_ROW)
			return g_strdup((const char *)sqlite3_column_text(st, 0));
	}
	return g_strdup_printf("host %" G_GINT64_FORMAT, id);
}

char *
draw_html(const char *s)
{
	return g_markup_escape_text(s ? s : "", -1);
}

char *
draw_time(int64_t ns)
{
	if (ns < 1000000)
		return g_strdup_printf("%.3f µs", (double)ns / 1e3);
	return g_strdup_printf("%.3f ms", (double)ns / 1e6);
}

/* ---- rendering ---- */

/*
 * The process's one Graphviz context, made on first use and never freed.
 * Graphviz 2.42's pango plugin remembers a pointer to the last font name it
 * measured, and gvFreeContext frees that name: a second context in the same
 * process (a second picture in a test) would read freed memory.  The
 * context holds plugins only, no diagram, so sharing it is safe.
 */
static GVC_t *
draw_gvc(void)
{
	static GVC_t *gvc;
	if (!gvc)
		gvc = gvContext();
	return gvc;
}

bool
draw_render(const char *dot, const char *engine, const char *file, GError **error)
{
	const char *dotpos = strrchr(file, '.');
	g_autofree char *ext = dotpos ? g_ascii_strdown(dotpos + 1, -1) : NULL;
	const char *format = NULL;

	if (ext && strcmp(ext, "svg") == 0)
		format = "svg";
	else if (ext && strcmp(ext, "png") == 0)
		format = "png";
	else if (ext && strcmp(ext, "pdf") == 0)
		format = "pdf";
	else if (ext && strcmp(ext, "dot") == 0)
		return g_file_set_contents(file, dot, -1, error);
	if (!format) {
		g_set_error(error, VIZ_ERROR, VIZ_ERROR_ARG,
			    "%s: cannot tell the picture format; name the file .svg, .png, .pdf "
			    "(or .dot for the Graphviz source)",
			    file);
		return false;
	}
	GVC_t *gvc = draw_gvc();
	Agraph_t *g = agmemread(dot);
	bool ok = false;
	if (!g) {
		g_set_error(error, VIZ_ERROR, VIZ_ERROR_RENDER,
			    "internal error: Graphviz could not "
			    "read the diagram it was given");
	} else if (gvLayout(gvc, g, engine) != 0) {
		g_set_error(error, VIZ_ERROR, VIZ_ERROR_RENDER, "Graphviz layout '%s' failed",
			    engine);
	} else {
		if (gvRenderFilename(gvc, g, format, file) != 0)
			g_set_error(error, VIZ_ERROR, VIZ_ERROR_RENDER,
				    "%s: Graphviz could not write a %s picture there", file,
				    format);
		else
			ok = true;
		gvFreeLayout(gvc, g);
	}
	if (g)
		agclose(g);
	return ok;
}

/* ---- the stack map ---- */

struct map_edge {
	struct draw_place from, to;
	enum draw_edge_kind kind;
	int64_t count, bytes;
};

struct map_node {
	struct draw_place p;
	int64_t skbs; /* operations that brought an skb here */
};

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
	double f = log((double)count) / log((double)max);
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

/* Adds @p to @nodes (keyed by DOT id) and returns its entry. */
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

/* Writes one host's cluster: its places, with layers stacked by rank. */
static void
map_cluster(sqlite3 *db, GString *s, int64_t host, GHashTable *nodes)
{
	g_autofree char *name = draw_host_name(db, host);
	g_autofree char *hname = draw_html(name);
	GPtrArray *byrank[9];
	for (int r = 0; r < 9; r++)
		byrank[r] = g_ptr_array_new();
	GHashTableIter it;
	gpointer k, v;
	g_hash_table_iter_init(&it, nodes);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		struct map_node *n = v;
		if (n->p.host != host)
			continue;
		int rank = draw_place_rank(&n->p);
		g_ptr_array_add(byrank[rank], k);
	}
	g_string_append_printf(
		s,
		"  subgraph cluster_h%" G_GINT64_FORMAT " {\n"
		"    label=<<b>%s</b>>; style=rounded; color=\"#7f7f7f\"; penwidth=2;\n",
		host, hname);
	const char *prev = NULL;
	for (int r = 0; r < 9; r++) {
		if (!byrank[r]->len)
			continue;
		g_ptr_array_sort(byrank[r], (GCompareFunc)g_strcmp0);
		g_string_append(s, "    { rank=same;");
		for (guint i = 0; i < byrank[r]->len; i++) {
			const char *id = g_ptr_array_index(byrank[r], i);
			struct map_node *n = g_hash_table_lookup(nodes, id);
			g_autofree char *label = draw_html(
				n->p.kind == PLACE_LAYER ? draw_layer_label(n->p.name) : n->p.name);
			const char *shape = n->p.kind == PLACE_QUEUE ? "ellipse, style=filled, "
								       "fillcolor=\"#fff5d6\""
				: n->p.kind == PLACE_WIRE
				? "cds, style=filled, fillcolor=\"#dde8f5\""
				: "box, style=\"rounded,filled\", fillcolor=\"#e8eefc\"";
			g_string_append_printf(s, " %s [shape=%s, label=<%s%s>];", id, shape,
					       n->p.kind == PLACE_WIRE ? "wire " : "", label);
		}
		g_string_append(s, " }\n");
		const char *first = g_ptr_array_index(byrank[r], 0);
		if (prev)
			g_string_append_printf(s, "    %s -> %s [style=invis, weight=20];\n", prev,
					       first);
		prev = first;
	}
	g_string_append(s, "  }\n");
	for (int r = 0; r < 9; r++)
		g_ptr_array_free(byrank[r], TRUE);
}

char *
draw_stackmap_dot(sqlite3 *db, GError **error)
{
	g_autoptr(sqlite3_stmt) st = vizdb_prepare(
		db, "SELECT " DRAW_EVENT_COLS " FROM skb_events ORDER BY skb, seq", error);
	if (!st)
		return NULL;
	g_autoptr(GHashTable) edges = g_hash_table_new_full(edge_hash, edge_equal, g_free, NULL);
	g_autoptr(GHashTable) nodes =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	struct draw_place at = { 0 };
	int64_t cur = -1, max = 1, rows = 0;
	struct draw_event e;

	while (sqlite3_step(st) == SQLITE_ROW) {
		struct draw_step steps[2];
		draw_event_read(st, &e);
		rows++;
		if (e.skb != cur) {
			cur = e.skb;
			at = (struct draw_place){ 0 };
		}
		int n = draw_walk(&at, &e, steps);
		if (at.kind != PLACE_NONE)
			map_node(nodes, &at);
		for (int i = 0; i < n; i++) {
			if (steps[i].kind == EDGE_DROP)
				continue; /* drops are counted on the nodes below */
			struct map_edge key = { steps[i].from, steps[i].to, steps[i].kind, 0, 0 };
			struct map_edge *me = g_hash_table_lookup(edges, &key);
			if (!me) {
				me = g_memdup2(&key, sizeof key);
				g_hash_table_add(edges, me);
			}
			me->count++;
			me->bytes += MAX(steps[i].bytes, 0);
			max = MAX(max, me->count);
			map_node(nodes, &steps[i].from);
			map_node(nodes, &steps[i].to);
		}
	}
	if (rows == 0) {
		g_set_error(error, VIZ_ERROR, VIZ_ERROR_NOT_FOUND,
			    "the trace has no skb events to draw (write it with trace level full)");
		return NULL;
	}
	GString *s = g_string_new("digraph stackmap {\n");
	g_string_append(
		s,
		DRAW_STYLE
		"  rankdir=TB; newrank=true; nodesep=0.5; ranksep=0.55;\n"
		"  label=<<b>Stack map</b>: skbs and bytes across each edge in the whole run"
		"<br/><font point-size=\"16\">thicker and redder = more skbs; dashed = data copied"
		"</font>>;\n");
	g_autoptr(sqlite3_stmt) hs = vizdb_prepare(db, "SELECT id FROM hosts ORDER BY id", error);
	if (!hs) {
		g_string_free(s, TRUE);
		return NULL;
	}
	while (sqlite3_step(hs) == SQLITE_ROW)
		map_cluster(db, s, sqlite3_column_int64(hs, 0), nodes);
	GHashTableIter it;
	gpointer k;
	g_hash_table_iter_init(&it, edges);
	while (g_hash_table_iter_next(&it, &k, NULL)) {
		struct map_edge *me = k;
		g_autofree char *a = draw_place_id(&me->from), *b = draw_place_id(&me->to);
		g_autoptr(GString) label = g_string_new(NULL);
		g_string_append_printf(label, "%" G_GINT64_FORMAT " skb%s\\n", me->count,
				       me->count == 1 ? "" : "s");
		append_size(label, me->bytes);
		if (me->kind == EDGE_COPY)
			g_string_append(label, " copied");
		double pen =
			1.5 + 6.5 * (max > 1 ? log((double)me->count) / log((double)max) : 1.0);
		g_string_append_printf(s,
				       "  %s -> %s [%s=\"%s\", penwidth=%.1f, "
				       "colorscheme=ylorrd9, color=%d, fontcolor=\"#333333\"%s];\n",
				       a, b, draw_label_attr(&me->from, &me->to), label->str, pen,
				       heat(me->count, max),
				       me->kind == EDGE_COPY ? ", style=dashed" : "");
	}
	g_string_append(s, "}\n");
	return g_string_free(s, FALSE);
}

/* ---- the command ---- */

int
draw_main(int argc, char **argv)
{
	gint64 skb = 0;
	gint nth = 1, max = 40;
	g_autofree char *flow = NULL, *output = NULL;
	const GOptionEntry entries[] = {
		{ "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
		  "Write the picture to FILE (.png, .svg, .pdf, or .dot for the source)", "FILE" },
		{ "skb", 0, 0, G_OPTION_ARG_INT64, &skb, "path: the skb to follow; buffer: the skb",
		  "N" },
		{ "flow", 0, 0, G_OPTION_ARG_STRING, &flow,
		  "path, ladder: the flow, tcp:ADDR:PORT-ADDR:PORT (udp:..., icmp:ADDR-ADDR for "
		  "path)",
		  "FLOW" },
		{ "nth", 0, 0, G_OPTION_ARG_INT, &nth,
		  "path --flow: the K-th packet the first endpoint sent (tcp: data segment)", "K" },
		{ "max", 0, 0, G_OPTION_ARG_INT, &max, "ladder: at most N segments (default 40)",
		  "N" },
		{ NULL },
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("DB path|stackmap|ladder|buffer");
	g_autoptr(GError) error = NULL;
	g_autofree char *dot = NULL;
	const char *engine = "dot";

	g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_set_summary(
		ctx,
		"Draw a diagram of the trace database DB with Graphviz:\n"
		"  path      one skb through the layers of every host it crosses\n"
		"  stackmap  every host's layers, coloured by the skbs that crossed them\n"
		"  ladder    the time-sequence diagram of one TCP connection\n"
		"  buffer    one skb's head, data, tail and end at each step (seed Figure 4)");
	g_option_context_set_description(ctx,
					 "Examples:\n"
					 "  netsim draw out.db path --skb 42 -o path.png\n"
					 "  netsim draw out.db path --flow "
					 "tcp:10.0.0.1:40000-10.0.0.2:80 --nth 3 -o seg3.svg\n"
					 "  netsim draw out.db stackmap -o map.png\n"
					 "  netsim draw out.db ladder --flow "
					 "tcp:10.0.0.1:40000-10.0.0.2:80 -o ladder.svg\n"
					 "  netsim draw out.db buffer --skb 42 -o buffer.svg\n");
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		fprintf(stderr, "netsim draw: %s\n", error->message);
		return DRAW_BAD_INPUT;
	}
	if (argc != 4) {
		fprintf(stderr,
			"netsim draw: expected DB and one of path, stackmap, ladder, buffer "
			"(see 'netsim draw --help')\n");
		return DRAW_BAD_INPUT;
	}
	const char *what = argv[3];
	if (!output) {
		fprintf(stderr,
			"netsim draw: say where to write the picture with -o FILE.png|.svg|.pdf\n");
		return DRAW_BAD_INPUT;
	}
	if (strcmp(what, "path") != 0 && strcmp(what, "stackmap") != 0 &&
	    strcmp(what, "ladder") != 0 && strcmp(what, "buffer") != 0) {
		fprintf(stderr,
			"netsim draw: unknown diagram '%s' (path, stackmap, ladder or buffer)\n",
			what);
		return DRAW_BAD_INPUT;
	}
	g_autoptr(sqlite3) db = vizdb_open(argv[2], &error);
	if (!db)
		goto fail;
	struct viz_flow f;
	if (flow && !vizdb_flow_parse(db, flow, &f, &error))
		goto fail;
	if (strcmp(what, "stackmap") == 0) {
		dot = draw_stackmap_dot(db, &error);
	} else if (strcmp(what, "buffer") == 0) {
		if (flow && !vizdb_flow_nth(db, &f, nth, &skb, &error))
			goto fail;
		if (skb <= 0) {
			fprintf(stderr,
				"netsim draw buffer: say which skb with --skb N or --flow\n");
			return DRAW_BAD_INPUT;
		}
		engine = "neato";
		dot = draw_buffer_dot(db, skb, &error);
	} else if (strcmp(what, "ladder") == 0) {
		if (!flow || strcmp(f.proto, "tcp") != 0) {
			fprintf(stderr,
				"netsim draw ladder: give the connection with --flow "
				"tcp:ADDR:PORT-ADDR:PORT\n");
			return DRAW_BAD_INPUT;
		}
		engine = "neato";
		dot = draw_ladder_dot(db, &f, max, &error);
	} else {
		if (flow && !vizdb_flow_nth(db, &f, nth, &skb, &error))
			goto fail;
		if (skb <= 0) {
			fprintf(stderr,
				"netsim draw path: say which packet with --skb N or --flow\n");
			return DRAW_BAD_INPUT;
		}
		dot = draw_path_dot(db, skb, &error);
	}
	if (!dot || !draw_render(dot, engine, output, &error))
		goto fail;
	return DRAW_OK;
fail:
	fprintf(stderr, "netsim draw: %s\n", error->message);
	return DRAW_BAD_INPUT;
}
