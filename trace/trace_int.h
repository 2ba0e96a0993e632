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

/*
 * The database's page size (trace.c sets it; trace_pack.c cuts packs to fit
 * it).  Every page is written with system calls of its own, twice to the
 * WAL (frame header, page) and once more, after a read, by the checkpoint,
 * and a system call costs about a microsecond on the machine of
 * docs/performance.md: 32 KiB pages make a quarter of the calls of 8 KiB
 * ones for the same bytes (a full trace: 0.90x the CPU at 100,000
 * datagrams, 10 pairs; 16 KiB was 1.09x of 32 KiB at 1M, 64 KiB 1.09x at
 * 100,000).
 */
#ifndef TRACE_PAGE_SIZE
#define TRACE_PAGE_SIZE 32768
#endif

/* Rows per transaction: large enough that commits cost little, small
 * enough that a killed run loses at most a moment of trace. */
#define TRACE_BATCH_ROWS 10000
/* The same once the rows are packed (past NETSIM_TRACE_EXPAND_ROWS): a
 * commit writes the pages it changed again to the WAL and cuts the packs
 * being built short, and a big trace is made faster than a lecture's. */
#ifndef TRACE_BATCH_ROWS_PACKED
#define TRACE_BATCH_ROWS_PACKED 50000
#endif

/* The page cache (and so the sorter) of a packed trace's index builds at close. */
#define TRACE_CLOSE_SORT_KIB 2048
/* The page cache while rows are packed (trace.c sets 16 MiB at open). */
#define TRACE_PACKED_CACHE_KIB 4096

/* How long the writer waits for readers to let go (at open and close only:
 * in WAL mode, readers never block a commit). */
#define TRACE_BUSY_MS 5000
/* Once packed, the trace is in a rollback journal (trace.c, trace_commit_now)
 * and a reader's lock can hold a commit back: the writer goes on with the
 * transaction open, and waits for the readers only when it holds this many
 * rows (about 10 MB of pages in memory). */
#define TRACE_BUSY_MAX_ROWS (8 * TRACE_BATCH_ROWS_PACKED)
/* How long such a commit waits for readers before it is held back. */
#define TRACE_BUSY_COMMIT_MS 50

/* The text of trace/schema.sql, generated into trace/schema_sql.c. */
extern const char trace_schema_sql[];

/*
 * skb_events and cpu_busy rows are stored packed while the run goes: about
 * 37 KB of rows (at most TRACE_PACK_ROWS) to one skb_packs or cpu_packs
 * row, as JSON text the
 * views of schema.sql decode (trace_pack.c).  One B-tree row per operation
 * cost about 0.5 us a row in SQLite, more than the simulation itself; a
 * pack is one step and a copy.  Packs are also flushed at every commit.
 */
#define TRACE_PACK_ROWS 4096
/* Default of NETSIM_TRACE_EXPAND_ROWS: a trace with at most this many
 * skb_events rows is expanded into plain tables at close. */
#define TRACE_EXPAND_ROWS_DEFAULT 3000000

/*
 * Plain rows are inserted TRACE_PLAIN_BATCH to a statement (a multi-row
 * VALUES): a statement's step and reset and the VDBE's start cost about as
 * much as the row itself.  The rows wait here until there are enough, and
 * go one a statement when the writer commits (trace_packs_flush).
 */
#ifndef TRACE_PLAIN_BATCH
#define TRACE_PLAIN_BATCH 64
#endif
#define TRACE_PLAIN_COLS 17 /* skb_rows' columns but seq; cpu_rows has 6 */
#define PACKET_COLS 12	    /* a packets row's columns */
struct trace_plain {
	uint32_t n; /* rows waiting */
	int64_t v[TRACE_PLAIN_BATCH][TRACE_PLAIN_COLS];
	bool has[TRACE_PLAIN_BATCH][TRACE_PLAIN_COLS];
};

/* The text last written for one column of a pack (trace_pack_text.c
 * pack_put_row): ",digits" or ",null", when it is at most 8 bytes. */
struct trace_pack_memo {
	int64_t v;   /* the value, or PACK_NULL for a NULL */
	char txt[8]; /* its text, len bytes of it */
	uint8_t len;
};

/* A pack being built: JSON text of up to TRACE_PACK_ROWS rows. */
struct trace_pack {
	char *buf;
	size_t len, cap;
	uint32_t n;	/* rows in buf */
	int64_t t0;	/* time of its first row */
	uint64_t seq0;	/* skb packs: seq of its first row */
	int64_t k0, d0; /* skb packs: skb and data_id of its first row */
	bool has_d0;
	bool memo_set;				       /* memo holds a text for every column */
	struct trace_pack_memo memo[TRACE_PLAIN_COLS]; /* by column */
};

/*
 * One skb_events row as a record of the chunk, and the writer's input.  The
 * simulation thread numbers the row's names (trace_site_id) before it
 * writes the record, so the record carries one number instead of four name
 * pointers and four codes: 104 bytes with its header instead of 144, 64
 * for a row without pointers, which ends before @p.  Every byte of a record
 * is written on one core and read on the other (docs/performance.md).
 */
struct trace_skb_row {
	sim_time_t time;
	uint64_t skb, other;
	int64_t data_off, len, bytes;
	uint32_t host;
	uint32_t site : 23; /* its skb_sites number */
	uint32_t op : 8;
	uint32_t has_ptrs : 1;
	struct trace_skb_ptrs p; /* when has_ptrs */
};
/* The most skb_sites numbers a trace can hold (the width of site above). */
#define TRACE_SITES_MAX ((1u << 23) - 1)

/*
 * The writer thread (trace_writer.c).  The simulation thread does not call
 * SQLite during the run: it appends each row as a compact record to the
 * current chunk, and a full chunk goes to the writer thread, which binds
 * and steps the prepared statements on the other core.  TRACE_CHUNKS chunks
 * circulate between two queues (full -> writer, free -> simulation),
 * so memory is bounded and the simulation waits when the writer is behind.
 * Records are written in the order they were made, so rows (and seq) are
 * the same as without the thread.
 *
 * Who may touch the database: the writer, except while the recorder is
 * "synced" (trace_sync: every chunk back in the free queue, so the writer
 * is idle in chunkq_pop); then the simulation thread may use db and
 * the statements directly until it hands over the next chunk.  The queue's
 * lock orders the two threads' accesses.
 */
#include <pthread.h>
#include <string.h>

/* A chunk is handed over with a futex wake and wait on each side (about
 * 20 us of CPU on the machine of docs/performance.md): 1 MiB chunks hand
 * over a full trace's records (about 100 bytes a row) a quarter as often
 * as 256 KiB ones; four of them keep the chunks' memory at 4 MiB. */
#ifndef TRACE_CHUNK_BYTES
#define TRACE_CHUNK_BYTES (1024 * 1024)
#endif
#ifndef TRACE_CHUNKS
#define TRACE_CHUNKS 4
#endif

struct trace_chunk {
	size_t used; /* bytes of records in data */
	bool commit; /* the writer commits after this chunk (trace_sync) */
	bool stop;   /* the writer ends after this chunk */
	_Alignas(8) unsigned char data[TRACE_CHUNK_BYTES];
};

/* A queue of chunks: a ring under a pthread mutex and condition variable
 * (not GAsyncQueue: GLib's futex-based GMutex is invisible to helgrind,
 * which checks this protocol).  failed is the writer's "I met an error",
 * passed with the chunks it gives back. */
struct trace_chunkq {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct trace_chunk *ring[TRACE_CHUNKS];
	unsigned head, n;
	bool failed;
};

/* A value of a generic row: NULL, an integer, or a name that lives until
 * the trace is closed (a literal, or interned in the recorder's names). */
enum trace_val_type { TV_NULL, TV_INT, TV_NAME };
struct trace_val {
	union {
		int64_t i;
		const char *s;
	};
	uint8_t type;
};
#define TRACE_ROW_VALUES 15 /* the widest generic row: tcp_cc */

/* A row of any table but skb_events, built on the stack and then copied
 * into the chunk (trace_row_put): only its nval values. */
struct trace_row {
	uint8_t stmt, nval;
	struct trace_val v[TRACE_ROW_VALUES];
};

/* Set on the writer thread: trace_fail then only records the error. */
extern _Thread_local bool trace_on_writer;

enum trace_stmt {
	ST_HOST,
	ST_SKB_PACK,	/* a skb_packs row */
	ST_CPU_PACK,	/* a cpu_packs row */
	ST_PKT_PACK,	/* a packet_packs row */
	ST_PKT_SITE,	/* a new packet_sites row */
	ST_SKB_PLAIN,	/* a skb_rows row, while the trace is of lecture size */
	ST_CPU_PLAIN,	/* a cpu_rows row, the same */
	ST_SKB_PLAIN_N, /* TRACE_PLAIN_BATCH skb_rows rows in one INSERT */
	ST_CPU_PLAIN_N, /* TRACE_PLAIN_BATCH cpu_rows rows in one INSERT */
	ST_PACKET_N,	/* TRACE_PLAIN_BATCH packets rows in one INSERT */
	ST_SITE,	/* a new skb_sites row */
	ST_PACKET,
	ST_WORK, /* a new cpu_work row */
	ST_TOTAL,
	ST_TASK,
	ST_COUNTER,
	ST_TCP_CC,
	ST_TCP_STATE,
	ST_N
};

/*
 * The names of an skb row: op, context and copy kind, and the pointers of
 * layer, func, queue and reason (which live for the run).  The simulation
 * thread numbers each distinct set of names once (a skb_sites row, written
 * by the writer) and puts the number in the row's record.
 */
struct trace_site_key {
	const char *layer, *func, *queue, *reason;
	/* op | ctx << 8 | kind << 16 | cpu << 24: one word, stored and loaded
	 * whole (four byte stores read back as one word cannot be forwarded
	 * from the store buffer: perf showed the wait) */
	uint32_t codes;
};
struct trace_site_slot {
	struct trace_site_key key;
	uint32_t id; /* 0: empty slot */
};
struct trace_sites {
	struct trace_site_slot *slots; /* open addressing by pointer, a power of two */
	uint32_t mask, used;
	/* By content ("op ctx kind layer func queue reason"), so that two
	 * pointers to equal names share a number: numbers depend only on the
	 * order the names were met, as the rest of the trace does. */
	GHashTable *by_text; /* char * -> id */
	uint32_t next_id;
};

/*
 * The names and ports of a packed packets row (trace_pack.c), numbered by
 * the writer as packet_sites rows.  The names are interned in the
 * recorder's names (trace_rows.c), so equal pointers are equal text.
 */
struct trace_pkt_site {
	const char *proto, *saddr, *daddr, *flags;
	int32_t sport, dport; /* -1: NULL */
	uint32_t id;	      /* 0: an empty slot */
};
struct trace_pkt_sites {
	struct trace_pkt_site *slots; /* open addressing, a power of two */
	uint32_t mask, used;
};

/* CPU time spent on one named work item in one context. */
struct trace_busy_total {
	const char *name;
	sim_time_t ns;
	uint64_t intervals;
	uint32_t work; /* its cpu_work.id, 0 until a cpu_busy row was written */
};

/*
 * A host as the recorder keeps it: the public part the stack reads for the
 * inline level check, then the recorder's own.  Invariant: pub is first, so
 * a struct trace_host * handed out is also a struct trace_host_rec *.
 */
/* The totals of busy[] again, found by the name's pointer with one hash
 * and a linear probe (open addressing, a power of two, at most half full):
 * every CPU stretch looks its total up (trace_cpu_busy_hook). */
struct trace_busy_map {
	struct trace_busy_total **slots;
	uint32_t mask, used;
};
struct trace_host_rec {
	struct trace_host pub;
	/* per context: name pointer -> struct trace_busy_total (owns them) */
	GHashTable *busy[CPU_NCTX + 1];
	struct trace_busy_map busy_map[CPU_NCTX + 1];
};

/* An address's dotted quad as interned in the recorder's names (trace_rows.c row_addr). */
#define TRACE_ADDR_CACHE_BITS 4
struct trace_addr_name {
	uint32_t addr;
	const char *name; /* NULL: an empty slot */
};

/* A cache line: the two threads' parts of struct trace start on one each. */
#define TRACE_LINE 64

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
	GPtrArray *hosts;    /* struct trace_host_rec *, by id - 1 */
	GError *failed;	     /* the first write error, as the simulation thread knows it */
	GStringChunk *names; /* text of generic rows that is not a literal: kept until close */

	/*
	 * What the simulation thread writes for every row, on cache lines of
	 * its own (TRACE_LINE; the struct is allocated so aligned): a line
	 * both threads write goes from one core to the other at every row.
	 * The skb_sites numbers once shared a line with the writer's
	 * batch_rows, and numbering a row then cost twice as much (perf).
	 */
	_Alignas(TRACE_LINE) uint64_t rows; /* rows made in the whole run */
	struct trace_sites sites;	    /* skb_sites numbers (trace_site_id) */
	struct trace_addr_name addr_cache[1 << TRACE_ADDR_CACHE_BITS]; /* simulation thread */
	/* cpu_work numbers by "ctx\x1fname" (simulation thread) */
	GHashTable *work_by_text;

	/* The simulation thread's end of the writer (trace_writer.c). */
	GThread *writer;		  /* NULL without a database */
	struct trace_chunkq *full, *free; /* simulation -> writer, and back */
	struct trace_chunk *cur;	  /* the chunk being filled */

	uint64_t expand_rows;  /* expand at close when skb_events has at most this many rows */
	sim_time_t run_length; /* the run's planned virtual length; 0: unknown */

	/* The writer's (or the simulation thread's, when synced). */
	_Alignas(TRACE_LINE) struct trace_pack skb_pack;
	struct trace_pack cpu_pack;
	struct trace_pack pkt_pack;		 /* packets rows, once packed */
	struct trace_pkt_sites pkt_sites;	 /* their packet_sites numbers */
	struct trace_plain skb_plain, cpu_plain; /* plain rows not yet inserted */
	struct {
		uint32_t n;
		struct trace_row rows[TRACE_PLAIN_BATCH];
	} packets;	      /* packets rows not yet inserted, the same way */
	uint64_t skb_seq;     /* skb_events rows packed so far: the last seq */
	bool pack_early;      /* on course to pass expand_rows: packed from now on */
	uint32_t pack_arrays; /* NETSIM_TRACE_PACK_ARRAYS=N: every Nth pack row an array (tests) */
	bool in_txn;
	bool rollback;	     /* packed and left WAL for a rollback journal (trace_commit_now) */
	uint32_t batch_rows; /* rows written since the last commit */
	uint32_t held_rows;  /* rows of batches whose commit a reader held back */
	bool packed_cache;   /* the page cache is TRACE_PACKED_CACHE_KIB */
	GError *w_error;     /* the writer's first error; read when synced */
};

/* Steps and resets @st; on an error records it (trace_fail) and returns false. */
bool trace_step(struct trace *tr, sqlite3_stmt *st, const char *what);
/* Ends @rows rows written with @st: steps it, resets it and commits the
 * batch when it is full.  @what names the table for the error message. */
void trace_row_done(struct trace *tr, sqlite3_stmt *st, unsigned rows, const char *what);
/* Writes the packs being built and the plain rows waiting (trace_pack.c). */
void trace_packs_flush(struct trace *tr);
/* Records the first write error, rolls back, and stops all tracing
 * (simulation thread, synced). */
void trace_fail(struct trace *tr, const char *what);
/* Commits the open transaction and begins the next (synced, or on the writer).
 * In a rollback journal a reader can hold the commit back, and the rows
 * stay in the open transaction, unless @wait (trace.c, trace_commit_txn). */
bool trace_commit_now(struct trace *tr, bool wait);
/* Waits until the writer has written and committed every record, then
 * takes over its error; false (and @error) if the trace has failed. */
bool trace_commit(struct trace *tr, GError **error);

/* Removes the files SQLite may keep beside @path; false (and @error) if one stays. */
bool trace_remove_sidecars(const char *path, GError **error);

/* trace_writer.c */
bool trace_writer_start(struct trace *tr, GError **error);
/* Ends the writer thread; pending records are written unless @discard. */
void trace_writer_stop(struct trace *tr);
/* Every record written and committed, the writer idle; its error taken over. */
void trace_sync(struct trace *tr);
/* Every record written but only full batches committed, the writer idle
 * (what a reader sees of a run in progress; for tests). */
void trace_wait_writer(struct trace *tr);
/* A record in a chunk: its header, then its bytes. */
struct trace_rec_hdr {
	uint32_t kind; /* enum trace_rec_kind */
	uint32_t size; /* of the whole record, header included, a multiple of 8 */
};
/* Hands the full chunk to the writer and takes an empty one. */
void trace_hand_over(struct trace *tr);
/* Room for a record of @size bytes in the current chunk (8-aligned):
 * inline, as it is called for every row. */
static inline void *
trace_rec_reserve(struct trace *tr, uint32_t kind, size_t size)
{
	size_t need = (sizeof(struct trace_rec_hdr) + size + 7) & ~(size_t)7;

	if (tr->cur->used + need > TRACE_CHUNK_BYTES)
		trace_hand_over(tr);
	unsigned char *p = tr->cur->data + tr->cur->used;
	struct trace_rec_hdr h = { kind, (uint32_t)need };
	memcpy(p, &h, sizeof h);
	tr->cur->used += need;
	return p + sizeof h;
}
/* Appends a generic row to the current chunk. */
void trace_row_put(struct trace *tr, const struct trace_row *row);
/* A NULL among the values of a pack's row: no column's value is INT64_MIN
 * (times, ids and their differences within a pack, offsets, lengths). */
#define PACK_NULL INT64_MIN
/* skb_rows' columns after seq: the index of each in a pack's row (trace_pack.c) */
extern const int trace_skb_col_from[17];
static inline void
trace_bind_opt(sqlite3_stmt *st, int i, int64_t v, bool has)
{
	if (has)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}
/* trace_pack_text.c: the text of a pack.  Room for @more bytes in @pk. */
void trace_pack_reserve(struct trace_pack *pk, size_t more);
/* Makes the string form's table (once; before any row is packed). */
void trace_pack_text_init(void);
/* A row in the array form: @n values, PACK_NULL for a NULL. */
void trace_pack_put_row(struct trace_pack *pk, const int64_t *v, int n);
/* The three kinds of pack, and the values of a row of each. */
enum trace_pack_kind { PACK_SKB, PACK_CPU, PACK_PKT };
#define PACK_SKB_COLS 17
#define PACK_CPU_COLS 6
#define PACK_PKT_COLS 7 /* time_ns - t0, host, site, skb - k0, payload, seq, ack */
/* The rows of the pack @text ("[[..],"..",[..]]": array rows and string
 * rows) into values and NULL flags (the array form's), calling @row for
 * each; false on text that is not a pack.  @k0, @d0: the pack's first skb
 * and data_id (skb packs; k0 also packets packs). */
bool trace_unpack_rows(const char *text, enum trace_pack_kind kind, int64_t k0, int64_t d0,
		       bool (*row)(void *, const int64_t *, const bool *), void *arg);
/*
 * One cpu_busy row as trace_cpu_busy_hook records it (REC_CPU): its own
 * record, not a generic row of typed values, as there are a third as many
 * as skb rows (40 bytes to copy instead of 104, and no types to check).
 */
struct trace_cpu_row {
	sim_time_t start, end;
	uint32_t host, work;
	uint32_t task; /* when has_task */
	uint32_t cpu;  /* the CPU's number */
	bool has_task;
};
/* Three columns of the skb row @r as a pack stores them (PACK_NULL: NULL):
 * bytes (the queue length of an enqueue or dequeue, else NULL when 0 but
 * for a copy), other (NULL when 0), and len (NULL when it is tail_off -
 * data_off, -1 for a NULL len that is not). */
static inline int64_t
trace_skb_row_bytes(const struct trace_skb_row *r)
{
	bool queue_op = r->op == TR_ENQUEUE || r->op == TR_DEQUEUE;
	return queue_op || r->bytes != 0 || r->op == TR_COPY ? r->bytes : PACK_NULL;
}
static inline int64_t
trace_skb_row_other(const struct trace_skb_row *r)
{
	return r->other != 0 ? (int64_t)r->other : PACK_NULL;
}
/* data_off: a row with pointer columns has it in p.data (the caller fills
 * p in the record, trace_skb_event_ptrs_begin), one without in data_off
 * (-1 for a NULL). */
static inline int64_t
trace_skb_row_data_off(const struct trace_skb_row *r)
{
	return r->has_ptrs ? (int64_t)r->p.data : r->data_off;
}
static inline int64_t
trace_skb_row_len(const struct trace_skb_row *r)
{
	int64_t data_off = trace_skb_row_data_off(r);
	bool derived = r->has_ptrs && data_off >= 0 && r->len == (int64_t)r->p.tail - data_off;
	bool len_null = !r->has_ptrs || data_off < 0; /* tail_off - data_off is NULL */
	return derived || (len_null && r->len < 0) ? PACK_NULL : r->len >= 0 ? r->len : -1;
}
/* The string form of the skb row @r straight from its record, @site its
 * skb_sites number, @k0 and @d0 the pack's first skb and data_id; false,
 * and nothing written, if a value does not fit it. */
bool trace_pack_put_skb_rec(struct trace_pack *pk, const struct trace_skb_row *r, uint32_t site,
			    int64_t k0, int64_t d0);
/* The string form of the cpu row @r straight from its record, @t0 the
 * pack's first start; false, and nothing written, if a value does not fit. */
bool trace_pack_put_cpu_rec(struct trace_pack *pk, const struct trace_cpu_row *r, int64_t t0);
/* The string form of a packets row's values @v (PACK_PKT_COLS, the array
 * form's, PACK_NULL for a NULL); false, and nothing written, if a value
 * does not fit it. */
bool trace_pack_put_pkt(struct trace_pack *pk, const int64_t *v);
/* trace_pack.c: the writer's handling of an skb_events, a cpu_busy and a
 * packets row (a packed one; a plain one is trace_writer.c's). */
void trace_pack_skb_row(struct trace *tr, const struct trace_skb_row *r);
void trace_pack_cpu_row(struct trace *tr, const struct trace_cpu_row *r);
void trace_pack_pkt_row(struct trace *tr, const struct trace_row *row);
void trace_packs_free(struct trace *tr);
/* Inserts the packets rows waiting (trace_writer.c). */
void trace_packets_flush(struct trace *tr);
/* Binds row @r of a waiting batch from parameter @first on (@ncol values). */
typedef void (*trace_batch_bind)(sqlite3_stmt *st, const void *batch, uint32_t r, int first,
				 int ncol);
/* Inserts the @n rows waiting in @batch: a full batch (TRACE_PLAIN_BATCH)
 * with the multi-row statement @st_n, fewer one a statement with @st_1. */
void trace_batch_write(struct trace *tr, const void *batch, uint32_t n, int ncol,
		       enum trace_stmt st_n, enum trace_stmt st_1, const char *what,
		       trace_batch_bind bind);
/* The SQL of ST_SKB_PLAIN_N, ST_CPU_PLAIN_N or ST_PACKET_N (a g_free'd string). */
char *trace_plain_n_sql(enum trace_stmt st);
/* Runs the schema.sql statements from the marker @from to the next
 * "-- netsim:" marker (or the end). */
bool trace_schema_exec(sqlite3 *db, const char *from, char **errmsg);
/* Expands the packs into plain tables and views, then builds the indexes
 * (in the open transaction; trace_expand.c). */
bool trace_expand_db(sqlite3 *db, char **errmsg);
/* The plain rows a pack becomes (trace_pack.c), during the run or at expansion. */
#define TRACE_SKB_ROWS_INSERT                                                        \
	"INSERT INTO skb_rows (seq, time_ns, host, site, skb, data_off, len, bytes," \
	" other, step, tail_off, end_off, buf_size, mac_off, net_off, trans_off,"    \
	" data_id, dataref) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"   \
	" ?12, ?13, ?14, ?15, ?16, ?17, ?18)"
#define TRACE_CPU_ROWS_INSERT                                                                     \
	"INSERT INTO cpu_rows (host, work, start_ns, end_ns, task, cpu) VALUES (?1, ?2, ?3, ?4, " \
	"?5, ?6)"

/*
 * Whether the writer stores the next row plain (the trace is still of the
 * size that stays plain) or packed; trace_pack.c says why.
 */
static inline bool
trace_plain_now(const struct trace *tr)
{
	return tr->skb_seq < tr->expand_rows && !tr->pack_early;
}

void trace_sites_init(struct trace_sites *s);
void trace_sites_free(struct trace_sites *s);

enum trace_rec_kind { REC_SKB = 1, REC_ROW = 2, REC_CPU = 3 };
/* Writes the per-context CPU totals of every host (summary level and above). */
void trace_write_totals(struct trace *tr);

#endif
