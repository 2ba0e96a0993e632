/*
 * trace/trace_writer.c - the writer thread: SQLite on the other core.
 *
 * Measured first (docs/performance.md, trace section): in a full trace
 * about 90% of the CPU time is SQLite's (binding, the VDBE, the B-tree,
 * the pages) and the simulation's own share is small.  The simulation
 * thread therefore only appends a compact record per row to a chunk
 * (trace_rec_reserve, trace_row_put) and this thread binds and steps the
 * prepared statements, so that on a machine with two cores the run takes
 * about the longer of the two instead of their sum.  The rows, their
 * order and the transactions are what trace.c wrote before: the writer
 * packs skb_events and cpu_busy rows (trace_pack.c), flushes the packs at
 * every commit and commits every TRACE_BATCH_ROWS rows, so a killed run
 * still leaves whole batches in the WAL file and run.finished = 0.
 *
 * The protocol (trace_int.h): TRACE_CHUNKS chunks go round between the
 * queue "full" (simulation -> writer) and "free" (writer -> simulation).
 * trace_sync hands over the chunk being filled with a commit request and
 * takes every chunk back: then the writer has written and committed every
 * record and waits in chunkq_pop, and the simulation thread may use
 * the connection itself (the run row, hosts, totals, close).  The queues'
 * lock is the only synchronisation the two need: a chunk, and everything
 * the writer wrote before giving it back, belong to whoever popped it.
 *
 * Errors: the writer records its first error in w_error, rolls back and
 * writes nothing more; the free queue carries "failed" back with the
 * chunks, the simulation thread checks it at each chunk it takes, and
 * trace_sync moves the error to
 * tr->failed, where trace_failed() and trace_close report it as the run's.
 */
#include "config.h"

#include <string.h>

#include "trace/trace_int.h"

_Thread_local bool trace_on_writer;

static struct trace_chunkq *
chunkq_new(void)
{
	struct trace_chunkq *q = g_new0(struct trace_chunkq, 1);
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	return q;
}

static void
chunkq_free(struct trace_chunkq *q)
{
	pthread_cond_destroy(&q->cv);
	pthread_mutex_destroy(&q->mu);
	g_free(q);
}

/* Never full: there are TRACE_CHUNKS chunks in all. */
static void
chunkq_push(struct trace_chunkq *q, struct trace_chunk *c, bool failed)
{
	pthread_mutex_lock(&q->mu);
	q->ring[(q->head + q->n) % TRACE_CHUNKS] = c;
	q->n++;
	q->failed |= failed;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

/* Waits for a chunk; *failed (if given) says whether the pusher met an error. */
static struct trace_chunk *
chunkq_pop(struct trace_chunkq *q, bool *failed)
{
	pthread_mutex_lock(&q->mu);
	while (q->n == 0)
		pthread_cond_wait(&q->cv, &q->mu);
	struct trace_chunk *c = q->ring[q->head];
	q->head = (q->head + 1) % TRACE_CHUNKS;
	q->n--;
	if (failed)
		*failed = q->failed;
	pthread_mutex_unlock(&q->mu);
	return c;
}

/* What each generic statement's rows are, for error messages. */
static const char *
stmt_what(unsigned stmt)
{
	switch (stmt) {
	case ST_PACKET: return "writing packets";
	case ST_WORK: return "writing cpu_work";
	case ST_SITE: return "writing skb_sites";
	case ST_COUNTER: return "writing counters";
	case ST_TCP_CC: return "writing tcp_cc";
	case ST_TCP_STATE: return "writing tcp_state";
	default: return "writing a row";
	}
}

/* Binds @row's values to @st from parameter @first on. */
static void
row_bind(sqlite3_stmt *st, const struct trace_row *row, int first)
{
	for (int i = 0; i < row->nval; i++) {
		const struct trace_val *v = &row->v[i];
		if (v->type == TV_INT)
			sqlite3_bind_int64(st, first + i, v->i);
		else if (v->type == TV_NAME)
			sqlite3_bind_text(st, first + i, v->s, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, first + i);
	}
}

/*
 * packets rows, one a datagram and host, go TRACE_PLAIN_BATCH to an INSERT
 * like the plain skb_rows (trace_int.h): one a statement cost about 6,000
 * instructions a row, a tenth of a packed trace's (callgrind).  They keep
 * their order, so the first row of an skb still wins (INSERT OR IGNORE).
 */
/* trace_batch_bind for the waiting packets rows (struct trace_row). */
static void
packet_bind(sqlite3_stmt *st, const void *batch, uint32_t r, int first, int ncol)
{
	(void)ncol;
	row_bind(st, (const struct trace_row *)batch + r, first);
}

void
trace_packets_flush(struct trace *tr)
{
	uint32_t n = tr->packets.n;
	tr->packets.n = 0;
	trace_batch_write(tr, tr->packets.rows, n, PACKET_COLS, ST_PACKET_N, ST_PACKET,
			  "writing packets", packet_bind);
}

static void
writer_row(struct trace *tr, const struct trace_row *row)
{
	if (row->stmt == ST_PACKET && !trace_plain_now(tr)) {
		trace_pack_pkt_row(tr, row); /* trace_pack.c */
		return;
	}
	if (row->stmt == ST_PACKET) {
		struct trace_row *b = &tr->packets.rows[tr->packets.n++];
		g_assert(row->nval == PACKET_COLS);
		memcpy(b, row, offsetof(struct trace_row, v) + row->nval * sizeof row->v[0]);
		tr->batch_rows++;
		if (tr->packets.n == TRACE_PLAIN_BATCH)
			trace_packets_flush(tr);
		return;
	}
	sqlite3_stmt *st = tr->st[row->stmt];
	row_bind(st, row, 1);
	/* an skb_sites row is not counted in a batch, as when the writer numbered the sites */
	if (trace_step(tr, st, stmt_what(row->stmt)) && row->stmt != ST_SITE)
		tr->batch_rows++;
}

/* Writes the records of @c in order, committing full batches. */
static void
writer_chunk(struct trace *tr, const struct trace_chunk *c)
{
	size_t off = 0;
	uint32_t batch = trace_plain_now(tr) ? TRACE_BATCH_ROWS : TRACE_BATCH_ROWS_PACKED;

	while (off < c->used && !tr->w_error) {
		struct trace_rec_hdr h;
		memcpy(&h, c->data + off, sizeof h);
		const unsigned char *p = c->data + off + sizeof h;
		if (h.kind == REC_SKB)
			trace_pack_skb_row(tr, (const struct trace_skb_row *)p);
		else if (h.kind == REC_CPU)
			trace_pack_cpu_row(tr, (const struct trace_cpu_row *)p);
		else
			writer_row(tr, (const struct trace_row *)p);
		off += h.size;
		if (tr->batch_rows >= batch) {
			trace_commit_now(tr, false);
			if (!trace_plain_now(tr))
				batch = TRACE_BATCH_ROWS_PACKED;
		}
	}
	/* Packed rows append whole overflow pages that are not read again:
	 * a small page cache does for them (the plain rows' is bigger). */
	if (!tr->packed_cache && !trace_plain_now(tr) && !tr->w_error) {
		sqlite3_exec(tr->db, "PRAGMA cache_size = -" G_STRINGIFY(TRACE_PACKED_CACHE_KIB),
			     NULL, NULL, NULL);
		tr->packed_cache = true;
	}
}

static gpointer
writer_main(gpointer data)
{
	struct trace *tr = data;

	trace_on_writer = true;
	for (;;) {
		struct trace_chunk *c = chunkq_pop(tr->full, NULL);
		bool stop = c->stop;
		if (!tr->w_error) {
			writer_chunk(tr, c);
			/* a sync (trace_flush, the close) commits even past readers */
			if (c->commit && !stop)
				trace_commit_now(tr, true);
		}
		c->used = 0;
		c->commit = c->stop = false;
		chunkq_push(tr->free, c, tr->w_error != NULL);
		if (stop)
			return NULL;
	}
}

bool
trace_writer_start(struct trace *tr, GError **error)
{
	trace_pack_text_init();
	tr->full = chunkq_new();
	tr->free = chunkq_new();
	for (int i = 0; i < TRACE_CHUNKS; i++) {
		struct trace_chunk *c = g_malloc(sizeof *c);
		c->used = 0;
		c->commit = c->stop = false;
		if (i == 0)
			tr->cur = c;
		else
			chunkq_push(tr->free, c, false);
	}
	tr->writer = g_thread_try_new("trace-writer", writer_main, tr, error);
	if (tr->writer)
		return true;
	g_free(tr->cur);
	tr->cur = NULL;
	for (int i = 1; i < TRACE_CHUNKS; i++)
		g_free(chunkq_pop(tr->free, NULL));
	g_clear_pointer(&tr->full, chunkq_free);
	g_clear_pointer(&tr->free, chunkq_free);
	return false;
}

/* Takes every chunk back: the writer is idle, and tr->cur is an empty chunk. */
static void
take_all_chunks(struct trace *tr)
{
	struct trace_chunk *all[TRACE_CHUNKS];

	for (int i = 0; i < TRACE_CHUNKS; i++)
		all[i] = chunkq_pop(tr->free, NULL);
	tr->cur = all[0];
	for (int i = 1; i < TRACE_CHUNKS; i++)
		chunkq_push(tr->free, all[i], false);
}

/* Moves the writer's error to the simulation thread and stops all tracing (synced). */
static void
take_writer_error(struct trace *tr)
{
	if (!tr->w_error || tr->failed)
		return;
	tr->failed = g_error_copy(tr->w_error);
	for (guint i = 0; i < tr->hosts->len; i++) {
		struct trace_host_rec *hr = g_ptr_array_index(tr->hosts, i);
		hr->pub.level = TRACE_OFF;
	}
}

static void
writer_catch_up(struct trace *tr, bool commit)
{
	if (!tr->writer)
		return;
	tr->cur->commit = commit;
	chunkq_push(tr->full, tr->cur, false);
	tr->cur = NULL;
	take_all_chunks(tr);
	take_writer_error(tr);
}

void
trace_sync(struct trace *tr)
{
	writer_catch_up(tr, true);
}

void
trace_wait_writer(struct trace *tr)
{
	writer_catch_up(tr, false);
}

void
trace_writer_stop(struct trace *tr)
{
	if (!tr->writer)
		return;
	if (!tr->cur) /* only if a sync was interrupted: cannot happen */
		tr->cur = chunkq_pop(tr->free, NULL);
	tr->cur->stop = true;
	chunkq_push(tr->full, tr->cur, false);
	g_thread_join(tr->writer);
	tr->writer = NULL;
	tr->cur = NULL;
	for (int i = 0; i < TRACE_CHUNKS; i++)
		g_free(chunkq_pop(tr->free, NULL));
	chunkq_free(tr->full);
	chunkq_free(tr->free);
	tr->full = tr->free = NULL;
	take_writer_error(tr);
}

/* Hands the full chunk to the writer and takes an empty one (waiting if the writer is behind). */
void
trace_hand_over(struct trace *tr)
{
	bool failed;

	chunkq_push(tr->full, tr->cur, false);
	tr->cur = chunkq_pop(tr->free, &failed);
	if (failed && !tr->failed)
		trace_sync(tr);
}

void
trace_row_put(struct trace *tr, const struct trace_row *row)
{
	size_t size = offsetof(struct trace_row, v) + row->nval * sizeof(struct trace_val);

	memcpy(trace_rec_reserve(tr, REC_ROW, size), row, size);
}
