/*
 * viz/draw_walk.c - the places of a picture and the walk of an skb between
 * them (viz/draw_int.h): the rows the layers take, the DOT ids of places,
 * and draw_walk, which turns one operation of an skb into the moves it
 * makes.  The packet path (draw_path.c) and the stack map
 * (draw_stackmap.c) both draw what this walk finds.
 *
 * The walk is one small function per kind of operation, chosen by the op
 * enum that draw_event_read mapped once from the row's name (viz/vocab.h).
 */
#include <string.h>

#include "viz/draw_int.h"
#include "viz/vizdb.h"

/* ---- reading a row ---- */

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

sqlite3_stmt *
draw_prepare(sqlite3 *db, const char *tmpl, GError **error)
{
	g_autofree char *sql = viz_vocab_sql(tmpl);
	if (!sql) {
		g_set_error(error, VIZ_ERROR, VIZ_ERROR_QUERY,
			    "trace query names an op or copy kind the lists do not have: %s", tmpl);
		return NULL;
	}
	return vizdb_prepare(db, sql, error);
}

/* ---- the layers and the rows of places ---- */

static const struct {
	const char *name, *label;
	enum draw_rank rank;
} layers[] = {
	{ "user", "user process", DRAW_RANK_USER },
	{ "app", "user process", DRAW_RANK_USER },
	{ "socket", "socket", DRAW_RANK_SOCKET },
	{ "tcp", "TCP", DRAW_RANK_TRANSPORT },
	{ "udp", "UDP", DRAW_RANK_TRANSPORT },
	{ "icmp", "ICMP", DRAW_RANK_TRANSPORT },
	{ "ip", "IP", DRAW_RANK_IP },
	{ "arp", "ARP", DRAW_RANK_ARP },
	{ "eth", "Ethernet", DRAW_RANK_ETH },
	{ "dev", "device (netdev)", DRAW_RANK_DEV },
	{ "driver", "driver", DRAW_RANK_DRIVER },
	{ "nic", "NIC (hardware)", DRAW_RANK_NIC },
	{ "wire", "wire", DRAW_RANK_WIRE },
};

enum draw_rank
draw_layer_rank(const char *layer)
{
	for (size_t i = 0; i < G_N_ELEMENTS(layers); i++)
		if (strcmp(layers[i].name, layer) == 0)
			return layers[i].rank;
	return DRAW_RANK_UNKNOWN;
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
	switch (p->kind) {
	case PLACE_USER: return DRAW_ROW_OF_LAYER(DRAW_RANK_USER);
	case PLACE_WIRE: return DRAW_ROW_OF_LAYER(DRAW_RANK_WIRE);
	case PLACE_QUEUE: return DRAW_ROW_OF_QUEUE(draw_layer_rank(p->owner));
	case PLACE_NONE:
	case PLACE_LAYER:
	default: return DRAW_ROW_OF_LAYER(draw_layer_rank(p->name));
	}
}

const char *
draw_label_attr(const struct draw_place *a, const struct draw_place *b)
{
	if (a->kind == PLACE_NONE || b->kind == PLACE_NONE)
		return "label";
	return draw_place_rank(a) == draw_place_rank(b) ? "xlabel" : "label";
}

/* The layer box of @layer on @host; the wire's rows belong to the NIC. */
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

/* ---- the walk: one function per kind of operation ---- */

/* What one walk step has to hand: the skb's place, the row, the moves made. */
struct walk {
	struct draw_place *at;
	const struct draw_event *e;
	struct draw_place here; /* the row's layer on its host */
	struct draw_step *steps;
	int n;
};

static void
walk_add(struct walk *w, struct draw_place from, struct draw_place to, enum draw_edge_kind kind,
	 const char *what, int64_t bytes)
{
	w->steps[w->n++] = (struct draw_step){
		.from = from, .to = to, .kind = kind, .what = g_intern_string(what), .bytes = bytes
	};
}

/* Does the skb have a place yet (a trace may start in the middle)? */
static bool
walk_placed(const struct walk *w)
{
	return w->at->kind != PLACE_NONE;
}

/* alloc, free: no move; an skb met here for the first time starts here. */
static void
walk_birth_or_death(struct walk *w)
{
	if (!walk_placed(w))
		*w->at = w->here;
}

/* handoff, dequeue, push, pull: the skb is now in the row's layer. */
static void
walk_to_layer(struct walk *w)
{
	const struct draw_event *e = w->e;
	const char *what =
		e->opc == VIZ_OP_HANDOFF ? (e->func ? e->func : viz_op_name(e->opc)) : e->op;
	if (walk_placed(w) && !draw_place_equal(w->at, &w->here))
		walk_add(w, *w->at, w->here, EDGE_MOVE, what, e->len);
	*w->at = w->here;
}

/* enqueue: the skb is now in the named queue, owned by the row's layer. */
static void
walk_enqueue(struct walk *w)
{
	const struct draw_event *e = w->e;
	struct draw_place q = { .kind = PLACE_QUEUE,
				.host = e->host,
				.name = e->queue ? e->queue : "queue",
				.owner = e->layer };
	if (walk_placed(w) && !draw_place_equal(w->at, &q))
		walk_add(w, *w->at, q, EDGE_MOVE, e->op, e->len);
	*w->at = q;
}

/*
 * copy: the data moves by its kind: user memory into the skb, the skb to
 * user memory, DMA to the NIC, DMA from the NIC (into the driver's skb,
 * or the skb where it is); a copy into another skb leaves this one where
 * it was.
 */
static void
walk_copy(struct walk *w)
{
	const struct draw_event *e = w->e;
	struct draw_place nic = place_layer(e->host, "nic");
	struct draw_place user = { .kind = PLACE_USER,
				   .host = e->host,
				   .name = g_intern_static_string("user") };
	struct draw_place from = walk_placed(w) ? *w->at : w->here, to = from;
	switch (e->kindc) {
	case VIZ_COPY_USER_TO_SKB:
		from = user;
		to = w->here;
		break;
	case VIZ_COPY_SKB_TO_USER: to = user; break;
	case VIZ_COPY_DMA_TO_DEV: to = nic; break;
	case VIZ_COPY_DMA_FROM_DEV:
		from = nic;
		to = draw_place_equal(w->at, &nic) || !walk_placed(w)
			? place_layer(e->host, "driver")
			: *w->at;
		break;
	default: break;
	}
	g_autofree char *what = g_strdup_printf("copy %s", e->copy_kind ? e->copy_kind : e->op);
	walk_add(w, from, to, EDGE_COPY, what, e->bytes);
	if (e->kindc != VIZ_COPY_SKB_COPY)
		*w->at = to;
}

/*
 * wire: a frame sent goes to the NIC (if it is not there yet) and onto the
 * wire; a frame received comes off the wire into the NIC.
 */
static void
walk_wire(struct walk *w)
{
	const struct draw_event *e = w->e;
	struct draw_place nic = place_layer(e->host, "nic");
	struct draw_place wire = { .kind = PLACE_WIRE,
				   .host = e->host,
				   .name = e->queue ? e->queue : "wire" };
	bool tx = draw_wire_tx(e);
	if (tx && walk_placed(w) && !draw_place_equal(w->at, &nic))
		walk_add(w, *w->at, nic, EDGE_MOVE, "to the NIC", e->len);
	walk_add(w, tx ? nic : wire, tx ? wire : nic, EDGE_WIRE, tx ? "tx" : "rx", e->len);
	if (tx || !walk_placed(w))
		*w->at = nic;
}

/* drop: an edge from where the skb was to nowhere, named by the reason. */
static void
walk_drop(struct walk *w)
{
	const struct draw_event *e = w->e;
	struct draw_place none = { .kind = PLACE_NONE, .host = e->host };
	walk_add(w, walk_placed(w) ? *w->at : w->here, none, EDGE_DROP,
		 e->reason ? e->reason : "dropped", e->len);
}

bool
draw_wire_tx(const struct draw_event *e)
{
	return e->opc == VIZ_OP_WIRE && g_strcmp0(e->func, "rx") != 0;
}

bool
draw_wire_rx(const struct draw_event *e)
{
	return e->opc == VIZ_OP_WIRE && g_strcmp0(e->func, "rx") == 0;
}

int
draw_walk(struct draw_place *at, const struct draw_event *e, struct draw_step steps[2])
{
	struct walk w = {
		.at = at, .e = e, .here = place_layer(e->host, e->layer), .steps = steps
	};

	if (walk_placed(&w) && at->host != e->host)
		at->kind = PLACE_NONE; /* a trace we do not understand: start again */
	switch (e->opc) {
	case VIZ_OP_ALLOC:
	case VIZ_OP_FREE: walk_birth_or_death(&w); break;
	case VIZ_OP_HANDOFF:
	case VIZ_OP_DEQUEUE:
	case VIZ_OP_PUSH:
	case VIZ_OP_PULL: walk_to_layer(&w); break;
	case VIZ_OP_ENQUEUE: walk_enqueue(&w); break;
	case VIZ_OP_COPY: walk_copy(&w); break;
	case VIZ_OP_WIRE: walk_wire(&w); break;
	case VIZ_OP_DROP: walk_drop(&w); break;
	default: break; /* clone, route, reserve, put, trim, header, expand: no move */
	}
	return w.n;
}
