/*
 * trace/trace_int.h - what trace.c and trace_rows.c share; not for the stack.
 *
 * trace.c owns the recorder's life (open, schema, batching, errors, close);
 * trace_rows.c owns the per-row writers the stack calls during the run.
 * The stack sees only trace/trace.h.
 */
#ifndef NETSIM_TRACE_TRACE_INT_H
#define NETSIM_TRACE_TRACE_INT_H

#include <sqlite3.h>
#include "trace/trace.h"

/* Rows per transaction: large enough that commits cost little, small
 * enough that a killed run loses at most a moment of trace. */
#define TRACE_BATCH_ROWS 10000

/* How long the writer waits for readers to let go (at open and close only:
 * in WAL mode, readers never block a commit). */
#define TRACE_BUSY_MS 5000

/* The text of trace/schema.sql, generated into trace/schema_sql.c. */
extern const char trace_schema_sql[];
/* The line in schema.sql after which come the statements run at close. */
#define TRACE_SCHEMA_INDEX_MARKER "-- netsim:indexes"

/*
 * skb_events rows are gathered and written TRACE_SKB_ROWS_PER_INSERT at a
 * time by one multi-row INSERT: a statement step costs more than binding,
 * and this is what lets the writer keep up with a million rows a second
 * (tests/bench_trace.c).  Must divide TRACE_BATCH_ROWS.
 */
#define TRACE_SKB_ROWS_PER_INSERT 16
#define TRACE_SKB_COLUMNS 25 /* parameters of one skb_events row */

/* One skb_events row waiting in the buffer: the values as trace.h gave them. */
struct trace_skb_row {
	sim_time_t time;
	uint64_t skb, other;
	int64_t data_off, len, bytes;
	uint32_t host;
	uint8_t op, ctx, kind;
	bool has_ptrs;
	const char *layer, *func, *queue, *reason;
	struct trace_skb_ptrs p; /* when has_ptrs */
};

enum trace_stmt {
	ST_HOST,
	ST_SKB,
	ST_SKB_MANY, /* TRACE_SKB_ROWS_PER_INSERT rows of ST_SKB */
	ST_PACKET,
	ST_BUSY,
	ST_TOTAL,
	ST_TASK,
	ST_COUNTER,
	ST_TCP_CC,
	ST_TCP_STATE,
	ST_N
};

/* CPU time spent on one named work item in one context. */
struct trace_busy_total {
	const char *name;
	sim_time_t ns;
	uint64_t intervals;
};

/*
 * A host as the recorder keeps it: the public part the stack reads for the
 * inline level check, then the recorder's own.  Invariant: pub is first, so
 * a struct trace_host * handed out is also a struct trace_host_rec *.
 */
#define TRACE_BUSY_HOT_BITS 5
struct trace_host_rec {
	struct trace_host pub;
	/* per context: name pointer -> struct trace_busy_total */
	GHashTable *busy[CPU_NCTX + 1];
	/* the totals last found in busy[], by a hash of the name's pointer:
	 * most intervals end in one of a few work items (a speed-up only) */
	struct trace_busy_total *busy_hot[CPU_NCTX + 1][1 << TRACE_BUSY_HOT_BITS];
};

/*
 * The recorder.  Invariants: db == NULL means "no database" and every write
 * is a no-op; in_txn says a BEGIN is open; failed, once set, stays set and
 * every host's level has been dropped to TRACE_OFF so nothing more is tried.
 */
struct trace {
	sqlite3 *db;
	char *path;		/* NULL for no database or ":memory:" */
	char *tmp_path;		/* with overwrite: the file written, renamed to path at close */
	int lock_fd;		/* flock(LOCK_EX) on the file while the run writes it; or -1 */
	bool discard;		/* trace_abandon: remove the file at close */
	enum trace_level level; /* the run's level (TRACE_OFF without a database) */
	sqlite3_stmt *st[ST_N];
	struct trace_skb_row skb_buf[TRACE_SKB_ROWS_PER_INSERT];
	unsigned skb_n; /* rows waiting in skb_buf */
	bool in_txn;
	uint32_t batch_rows; /* rows written since the last commit */
	uint64_t rows;	     /* rows written in the whole run */
	GError *failed;	     /* the first write error */
	GPtrArray *hosts;    /* struct trace_host_rec *, by id - 1 */
};

/* Steps and resets @st; on an error records it (trace_fail) and returns false. */
bool trace_step(struct trace *tr, sqlite3_stmt *st, const char *what);
/* Ends @rows rows written with @st: steps it, resets it and commits the
 * batch when it is full.  @what names the table for the error message. */
void trace_row_done(struct trace *tr, sqlite3_stmt *st, unsigned rows, const char *what);
/* Writes the skb_events rows waiting in the buffer, one statement each. */
void trace_skb_drain(struct trace *tr);
/* Records the first write error, rolls back, and stops all tracing. */
void trace_fail(struct trace *tr, const char *what);
/* Commits the open transaction and begins the next; false on error. */
bool trace_commit(struct trace *tr, GError **error);
/* Writes the per-context CPU totals of every host (summary level and above). */
void trace_write_totals(struct trace *tr);

#endif
