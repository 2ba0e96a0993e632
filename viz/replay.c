/*
 * viz/replay.c - the replay checker (viz/replay.h): rebuilds every skb
 * from its rows and checks that each row follows from the one before.
 *
 * One pass over skb_events in seq order, with two hash tables: the skbs
 * (id -> struct rskb) and the data buffers (data_id -> struct rbuf).  The
 * cost is O(rows) time and O(skbs) memory; a million-row trace replays in
 * about a second.
 *
 * Worked example (a UDP datagram leaving alice):
 *   alloc   data 0   tail 0   end 1578    -> a new buffer, dataref 1
 *   reserve bytes 62 data 62  tail 62      (62 = 0 + 62: follows)
 *   put     bytes 64 data 62  tail 126     (126 = 62 + 64)
 *   push    bytes 8  data 54  tail 126     (54 = 62 - 8)
 *   ...
 *   free    dataref 0                      -> the buffer is freed, once
 * A row missing between put and push shows as a gap in step, and usually
 * as pointers that do not follow.
 */
#include "viz/replay.h"

#include <stdio.h>
#include <string.h>

#include "viz/vocab.h"
#include "viz/vizdb.h"

/* The skb's state after its last row. */
struct rskb {
	int64_t host, step;
	int64_t data, tail, end, size, mac, net, trans, data_id;
	const char *queue; /* interned, NULL when not queued */
	bool freed;
};

struct rbuf {
	int64_t refs;
	bool freed;
};

/* A clone or skb_copy row seen on a parent: the child's alloc must follow. */
struct rpending {
	struct rskb parent;
	bool clone;
};

struct replay {
	struct replay_report *r;
	GHashTable *skbs, *bufs, *pending; /* int64 keys (g_int64_hash) */
	int64_t seq;
};

/* One row, read once. */
struct rrow {
	int64_t seq, host, skb, bytes, qlen, other, len;
	int64_t step, data, tail, end, size, mac, net, trans, data_id, dataref;
	enum viz_op op;
	const char *func, *queue;
	enum viz_copy kind;
};

#define REPLAY_COLS                                                                            \
	"seq, host, skb, op, func, queue, len, bytes, qlen, other, copy_kind, step, data_off," \
	" tail_off, end_off, buf_size, mac_off, net_off, trans_off, data_id, dataref"
#define REPLAY_MAX_MESSAGES 20
#define NONE (-1)

static int64_t
col_int(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? NONE : sqlite3_column_int64(st, i);
}

static const char *
col_interned(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? g_intern_string((const char *)t) : NULL;
}

static void
row_read(sqlite3_stmt *st, struct rrow *w)
{
	*w = (struct rrow){
		.seq = col_int(st, 0),
		.host = col_int(st, 1),
		.skb = col_int(st, 2),
		.op = viz_op_by_name((const char *)sqlite3_column_text(st, 3)),
		.func = col_interned(st, 4),
		.queue = col_interned(st, 5),
		.len = col_int(st, 6),
		.bytes = col_int(st, 7),
		.qlen = col_int(st, 8),
		.other = col_int(st, 9),
		.kind = viz_copy_by_name((const char *)sqlite3_column_text(st, 10)),
		.step = col_int(st, 11),
		.data = col_int(st, 12),
		.tail = col_int(st, 13),
		.end = col_int(st, 14),
		.size = col_int(st, 15),
		.mac = col_int(st, 16),
		.net = col_int(st, 17),
		.trans = col_int(st, 18),
		.data_id = col_int(st, 19),
		.dataref = col_int(st, 20),
	};
	if (w->bytes < 0)
		w->bytes = 0; /* a move of 0 bytes is written as NULL */
}

static void G_GNUC_PRINTF(3, 4) fail(struct replay *p, const struct rrow *w, const char *fmt, ...)
{
	struct replay_report *r = p->r;
	r->errors++;
	if (!r->messages || r->errors > REPLAY_MAX_MESSAGES)
		return;
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *what = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_string_append_printf(r->messages,
			       "seq %" G_GINT64_FORMAT " skb %" G_GINT64_FORMAT " (%s): %s\n",
			       w->seq, w->skb, viz_op_name(w->op), what);
}

static void *
lookup(GHashTable *t, int64_t key)
{
	return g_hash_table_lookup(t, &key);
}

static void
insert(GHashTable *t, int64_t key, void *value)
{
	int64_t *k = g_new(int64_t, 1);
	*k = key;
	g_hash_table_replace(t, k, value);
}

static struct rbuf *
buf_new(struct replay *p, const struct rrow *w)
{
	if (lookup(p->bufs, w->data_id)) {
		fail(p, w, "data buffer %" G_GINT64_FORMAT " is not new", w->data_id);
		return NULL;
	}
	struct rbuf *b = g_new0(struct rbuf, 1);
	b->refs = 1;
	insert(p->bufs, w->data_id, b);
	p->r->buffers++;
	return b;
}

/* The row's pointers are the state @s: compare every column. */
static void
check_state(struct replay *p, const struct rrow *w, const struct rskb *s, bool headers)
{
	if (w->data != s->data || w->tail != s->tail || w->end != s->end || w->size != s->size)
		fail(p, w,
		     "pointers data %" G_GINT64_FORMAT " tail %" G_GINT64_FORMAT
		     " end %" G_GINT64_FORMAT " size %" G_GINT64_FORMAT
		     " do not follow: expected data %" G_GINT64_FORMAT " tail %" G_GINT64_FORMAT
		     " end %" G_GINT64_FORMAT " size %" G_GINT64_FORMAT,
		     w->data, w->tail, w->end, w->size, s->data, s->tail, s->end, s->size);
	if (w->data_id != s->data_id)
		fail(p, w, "data buffer changed from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT,
		     s->data_id, w->data_id);
	if (headers && (w->mac != s->mac || w->net != s->net || w->trans != s->trans))
		fail(p, w, "a header offset changed without a header row");
}

static void
check_bounds(struct replay *p, const struct rrow *w)
{
	if (!(0 <= w->data && w->data <= w->tail && w->tail <= w->end && w->end <= w->size))
		fail(p, w,
		     "pointers out of order: data %" G_GINT64_FORMAT " tail %" G_GINT64_FORMAT
		     " end %" G_GINT64_FORMAT " size %" G_GINT64_FORMAT,
		     w->data, w->tail, w->end, w->size);
	/* a wire row's len is the frame's length on the wire (padded to 60) */
	if (w->len != w->tail - w->data && w->op != VIZ_OP_WIRE)
		fail(p, w, "len %" G_GINT64_FORMAT " is not tail - data", w->len);
	int64_t h[] = { w->mac, w->net, w->trans };
	for (unsigned i = 0; i < G_N_ELEMENTS(h); i++)
		if (h[i] != NONE && (h[i] < 0 || h[i] > w->end))
			fail(p, w, "a header offset lies outside the buffer");
}

static void
state_from_row(struct rskb *s, const struct rrow *w)
{
	s->host = w->host;
	s->step = w->step;
	s->data = w->data;
	s->tail = w->tail;
	s->end = w->end;
	s->size = w->size;
	s->mac = w->mac;
	s->net = w->net;
	s->trans = w->trans;
	s->data_id = w->data_id;
}

static void
replay_alloc(struct replay *p, const struct rrow *w)
{
	if (lookup(p->skbs, w->skb)) {
		fail(p, w, "alloc of an skb id already used");
		return;
	}
	if (w->step != 0)
		fail(p, w, "the first row of an skb has step %" G_GINT64_FORMAT, w->step);
	struct rskb *s = g_new0(struct rskb, 1);
	struct rpending *pd = lookup(p->pending, w->skb);
	bool clone = g_strcmp0(w->func, "skb_clone") == 0;
	bool copy = g_strcmp0(w->func, "skb_copy") == 0;
	if (clone || copy) {
		if (!pd || pd->clone != clone) {
			fail(p, w, "made by %s but no such row on a parent names it", w->func);
			state_from_row(s, w);
		} else {
			*s = pd->parent;
			s->queue = NULL;
			if (copy)
				s->data_id = w->data_id;
			check_state(p, w, s, true);
		}
		g_hash_table_remove(p->pending, &w->skb);
	} else {
		state_from_row(s, w);
		if (w->data != 0 || w->tail != 0 || w->mac != NONE || w->net != NONE ||
		    w->trans != NONE)
			fail(p, w, "a new skb must start empty at head");
	}
	s->host = w->host;
	s->step = w->step;
	if (w->data_id == 0) {
		/* an RX descriptor with no buffer yet (skb_alloc_nodata) */
		if (w->size != 0 || w->dataref != 0)
			fail(p, w, "an skb without data has size or dataref");
	} else if (!clone) {
		if (buf_new(p, w) && w->dataref != 1)
			fail(p, w, "a new buffer with dataref %" G_GINT64_FORMAT, w->dataref);
	} else {
		struct rbuf *b = lookup(p->bufs, w->data_id);
		if (b && w->dataref != b->refs)
			fail(p, w, "dataref %" G_GINT64_FORMAT ", replay says %" G_GINT64_FORMAT,
			     w->dataref, b->refs);
	}
	insert(p->skbs, w->skb, s);
	p->r->skbs++;
}

/* Where the pointers must be after @w, from the state before it. */
static void
expected_after(struct replay *p, const struct rrow *w, struct rskb *e)
{
	switch (w->op) {
	case VIZ_OP_RESERVE:
		if (e->tail != e->data)
			fail(p, w, "reserve on an skb that holds data");
		e->data += w->bytes;
		e->tail += w->bytes;
		break;
	case VIZ_OP_PUT: e->tail += w->bytes; break;
	case VIZ_OP_PUSH: e->data -= w->bytes; break;
	case VIZ_OP_PULL: e->data += w->bytes; break;
	case VIZ_OP_TRIM: e->tail -= w->bytes; break;
	case VIZ_OP_EXPAND:
		/* a new buffer: everything moves by the headroom added */
		if (w->end < e->end + w->bytes)
			fail(p, w, "expand to an end before the old end");
		e->data += w->bytes;
		e->tail += w->bytes;
		e->end = w->end;
		e->size = w->size;
		e->data_id = w->data_id;
		e->mac = e->mac == NONE ? NONE : e->mac + w->bytes;
		e->net = e->net == NONE ? NONE : e->net + w->bytes;
		e->trans = e->trans == NONE ? NONE : e->trans + w->bytes;
		break;
	default: break;
	}
}

static void
replay_refs(struct replay *p, const struct rrow *w, struct rskb *s)
{
	if (s->data_id == 0) {
		/* an RX descriptor without a buffer: it may only be queued or freed */
		if (w->data_id != 0 || w->dataref != 0)
			fail(p, w, "an skb without data gained a buffer without an expand row");
		return;
	}
	struct rbuf *b = lookup(p->bufs, s->data_id);
	if (!b) {
		fail(p, w, "data buffer %" G_GINT64_FORMAT " never allocated", s->data_id);
		return;
	}
	if (b->freed) {
		fail(p, w, "data buffer %" G_GINT64_FORMAT " used after it was freed", s->data_id);
		return;
	}
	if (w->op == VIZ_OP_CLONE)
		b->refs++;
	if (w->op == VIZ_OP_FREE || w->op == VIZ_OP_DROP) {
		if (--b->refs == 0)
			b->freed = true;
	}
	if (w->dataref != b->refs)
		fail(p, w, "dataref %" G_GINT64_FORMAT ", replay says %" G_GINT64_FORMAT,
		     w->dataref, b->refs);
}

/* pskb_expand_head: the old buffer loses this skb, a new one starts. */
static void
replay_expand(struct replay *p, const struct rrow *w, struct rskb *s)
{
	struct rbuf *old = lookup(p->bufs, s->data_id);
	if (old && !old->freed && --old->refs == 0)
		old->freed = true;
	if (buf_new(p, w) && w->dataref != 1)
		fail(p, w, "a new head with dataref %" G_GINT64_FORMAT, w->dataref);
}

static void
replay_queue(struct replay *p, const struct rrow *w, struct rskb *s)
{
	if (w->op == VIZ_OP_ENQUEUE) {
		if (s->queue)
			fail(p, w, "enqueued on %s while on %s", w->queue ? w->queue : "?",
			     s->queue);
		s->queue = w->queue ? w->queue : g_intern_static_string("?");
	} else if (w->op == VIZ_OP_DEQUEUE) {
		if (s->queue != w->queue)
			fail(p, w, "dequeued from %s but it is on %s", w->queue ? w->queue : "?",
			     s->queue ? s->queue : "no queue");
		s->queue = NULL;
	} else if ((w->op == VIZ_OP_FREE || w->op == VIZ_OP_DROP) && s->queue) {
		fail(p, w, "freed while on queue %s", s->queue);
	}
}

static void
replay_row(struct replay *p, const struct rrow *w)
{
	if (w->op == VIZ_OP_UNKNOWN) {
		fail(p, w, "unknown op");
		return;
	}
	if (w->op == VIZ_OP_ALLOC) {
		check_bounds(p, w);
		replay_alloc(p, w);
		return;
	}
	struct rskb *s = lookup(p->skbs, w->skb);
	if (!s) {
		fail(p, w, "a row for an skb that was never allocated");
		return;
	}
	if (s->freed) {
		fail(p, w, "a row after the skb was freed");
		return;
	}
	if (w->host != s->host)
		fail(p, w, "the skb moved from host %" G_GINT64_FORMAT, s->host);
	if (w->step != s->step + 1)
		fail(p, w,
		     "step %" G_GINT64_FORMAT " after step %" G_GINT64_FORMAT
		     ": a row is missing or repeated",
		     w->step, s->step);
	check_bounds(p, w);
	struct rskb e = *s;
	expected_after(p, w, &e);
	check_state(p, w, &e, w->op != VIZ_OP_HEADER);
	if (w->op == VIZ_OP_EXPAND)
		replay_expand(p, w, s);
	else
		replay_refs(p, w, s);
	replay_queue(p, w, s);
	if (w->op == VIZ_OP_CLONE ||
	    (w->op == VIZ_OP_COPY && w->other > 0 && w->kind == VIZ_COPY_SKB_COPY &&
	     !lookup(p->skbs, w->other))) {
		struct rpending *pd = g_new0(struct rpending, 1);
		pd->parent = e;
		pd->parent.mac = w->mac;
		pd->parent.net = w->net;
		pd->parent.trans = w->trans;
		pd->clone = w->op == VIZ_OP_CLONE;
		insert(p->pending, w->other, pd);
	}
	state_from_row(s, w);
	if (w->op == VIZ_OP_FREE || w->op == VIZ_OP_DROP) {
		s->freed = true;
		p->r->freed++;
	}
}

/* Every skb ends freed or on a queue; every buffer ends freed or held. */
static void
replay_end(struct replay *p)
{
	GHashTableIter it;
	gpointer key, value;
	g_hash_table_iter_init(&it, p->skbs);
	while (g_hash_table_iter_next(&it, &key, &value)) {
		struct rskb *s = value;
		if (s->freed)
			continue;
		if (s->queue) {
			p->r->queued++;
			continue;
		}
		struct rrow w = { .seq = p->seq, .skb = *(int64_t *)key, .op = VIZ_OP_UNKNOWN };
		fail(p, &w, "at the end of the trace the skb is neither freed nor queued");
	}
	g_hash_table_iter_init(&it, p->pending);
	while (g_hash_table_iter_next(&it, &key, NULL)) {
		struct rrow w = { .seq = p->seq, .skb = *(int64_t *)key, .op = VIZ_OP_UNKNOWN };
		fail(p, &w, "a clone or copy was named but never allocated");
	}
}

bool
replay_check(sqlite3 *db, struct replay_report *r, GError **error)
{
	g_autoptr(sqlite3_stmt) st =
		vizdb_prepare(db, "SELECT " REPLAY_COLS " FROM skb_events ORDER BY seq", error);
	if (!st)
		return false;
	struct replay p = {
		.r = r,
		.skbs = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free),
		.bufs = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free),
		.pending = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free),
	};
	struct rrow w;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row_read(st, &w);
		r->rows++;
		p.seq = w.seq;
		if (w.step == NONE)
			continue; /* a note: no pointers to replay */
		r->replayed++;
		replay_row(&p, &w);
	}
	bool ok = rc == SQLITE_DONE;
	if (!ok)
		g_set_error(error, VIZ_ERROR, VIZ_ERROR_QUERY, "reading skb_events: %s",
			    sqlite3_errmsg(db));
	else
		replay_end(&p);
	g_hash_table_unref(p.skbs);
	g_hash_table_unref(p.bufs);
	g_hash_table_unref(p.pending);
	return ok;
}

int
replay_main(int argc, char **argv)
{
	g_autoptr(GOptionContext) ctx = g_option_context_new("DB");
	g_autoptr(GError) error = NULL;

	g_option_context_set_summary(
		ctx,
		"Replay the trace database DB: rebuild every skb from its rows, starting at\n"
		"alloc, and check that each row's pointers follow from the row before and the\n"
		"operation, that shared data is freed exactly once, and that every skb ends\n"
		"freed or queued.  Exit status 0: the trace replays; 1: it does not.");
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		fprintf(stderr, "netsim check-trace: %s\n", error->message);
		return 2;
	}
	if (argc != 3) {
		fprintf(stderr, "netsim check-trace: expected one trace database DB\n");
		return 2;
	}
	g_autoptr(sqlite3) db = vizdb_open(argv[2], &error);
	struct replay_report r = { .messages = g_string_new(NULL) };
	if (!db || !replay_check(db, &r, &error)) {
		fprintf(stderr, "netsim check-trace: %s\n", error->message);
		g_string_free(r.messages, TRUE);
		return 2;
	}
	fputs(r.messages->str, stdout);
	if (r.errors > REPLAY_MAX_MESSAGES)
		printf("... and %" G_GUINT64_FORMAT " more errors\n",
		       r.errors - REPLAY_MAX_MESSAGES);
	printf("%s: %" G_GUINT64_FORMAT " rows (%" G_GUINT64_FORMAT " replayed), %" G_GUINT64_FORMAT
	       " skbs (%" G_GUINT64_FORMAT " freed, %" G_GUINT64_FORMAT
	       " queued at the end), %" G_GUINT64_FORMAT " data buffers: %s\n",
	       argv[2], r.rows, r.replayed, r.skbs, r.freed, r.queued, r.buffers,
	       r.errors ? "FAILED" : "ok");
	if (r.errors)
		printf("%" G_GUINT64_FORMAT " errors\n", r.errors);
	g_string_free(r.messages, TRUE);
	return r.errors ? 1 : 0;
}
