/*
 * trace/trace.c - the trace recorder's life: opening the SQLite database,
 * the schema, batching rows in transactions, errors, and closing the run.
 *
 * The stack calls the row writers in trace_rows.c, which append records
 * for the writer thread (trace_writer.c); this file decides when rows reach
 * the disk.  Rows are written with prepared statements inside a
 * transaction that is committed every TRACE_BATCH_ROWS rows; the indexes of
 * schema.sql are built only in trace_close.
 *
 * The file and its readers (docs/reliability.md):
 * - The database is in WAL mode while the run writes it, so that readers
 *   (netsim show, a student's sqlite3) never block a commit and each sees a
 *   consistent snapshot of the committed batches.  At close it goes back to
 *   a rollback journal (one plain file), waiting up to TRACE_BUSY_MS for
 *   readers; if they stay, it stays in WAL mode, which is just as valid.
 *   synchronous=OFF: a run killed with SIGKILL loses at most the open batch
 *   and leaves a -wal file that the next opener applies; the run row says
 *   finished = 0.  Only a machine crash could corrupt it.
 * - While the run writes it, the writer holds flock(LOCK_EX) on the file, so
 *   that a reader can tell a run in progress from a killed one.
 * - Only plain file paths: SQLite is given "./NAME" for a relative NAME, so
 *   "file:x.db" is a file of that name, never a URI.  ":memory:" is an
 *   in-memory database only through this API (tests); the command line
 *   refuses it.
 * - A new trace is created with O_EXCL.  With @overwrite it is written under
 *   a temporary name beside the old one and renamed over it at close, so the
 *   old trace stays until the new one is whole (a failed write keeps the old
 *   one and removes the new).
 *
 * Errors are ordinary events, as in SQLite itself: an unwritable path is a
 * GError from trace_open, and a full disk during the run is recorded once
 * (trace_failed), after which tracing stops instead of crashing the run.
 *
 * Position: stack -> trace -> sim.  The schema: trace/schema.sql.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace/trace_int.h"

G_DEFINE_QUARK(netsim - trace - error - quark, trace_error)

/* The statements of trace_stmt, in order.  Every parameter is bound on every row. */
static const char *const trace_stmt_sql[ST_N] = {
	[ST_HOST] = "INSERT INTO hosts (id, name) VALUES (?1, ?2)",
	[ST_SKB_PACK] = "INSERT INTO skb_packs (seq0, n, t0, k0, d0, rows)"
			" VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_CPU_PACK] = "INSERT INTO cpu_packs (n, t0, rows) VALUES (?1, ?2, ?3)",
	[ST_PKT_PACK] = "INSERT INTO packet_packs (n, t0, k0, rows) VALUES (?1, ?2, ?3, ?4)",
	[ST_PKT_SITE] = "INSERT INTO packet_sites (id, proto, saddr, daddr, sport, dport,"
			" tcp_flags) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	/* seq is left to SQLite (the rowid: max + 1): the plain rows are the
	 * first, written in order from 1, and an explicit rowid costs a B-tree
	 * search a row (the lecture trace took 20% longer). */
	[ST_SKB_PLAIN] = "INSERT INTO skb_rows (time_ns, host, site, skb, data_off, len, bytes,"
			 " other, step, tail_off, end_off, buf_size, mac_off, net_off, trans_off,"
			 " data_id, dataref) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
			 " ?12, ?13, ?14, ?15, ?16, ?17)",
	[ST_CPU_PLAIN] = TRACE_CPU_ROWS_INSERT,
	[ST_SITE] =
		"INSERT INTO skb_sites (id, ctx, op, layer, func, queue, copy_kind, reason, cpu)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[ST_PACKET] = "INSERT OR IGNORE INTO packet_rows (skb, host, time_ns, proto, saddr, daddr,"
		      " sport, dport, tcp_flags, seq, ack, payload)"
		      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
	[ST_WORK] = "INSERT INTO cpu_work (id, ctx, name) VALUES (?1, ?2, ?3)",
	[ST_TASK] = "INSERT INTO task_total (host, task, name, cpu_ns, switches_in)"
		    " VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_TOTAL] = "INSERT INTO cpu_total (host, ctx, name, busy_ns, intervals)"
		     " VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_COUNTER] = "INSERT INTO counters (host, name, place, value) VALUES (?1, ?2, ?3, ?4)",
	[ST_TCP_CC] = "INSERT INTO tcp_cc (time_ns, host, conn, cwnd, ssthresh, flight,"
		      " srtt_ns, rto_ns, rttvar_ns, ca, ca_state, sacked_out, lost_out,"
		      " retrans_out, pacing_rate) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
		      " ?10, ?11, ?12, ?13, ?14, ?15)",
	[ST_TCP_STATE] = "INSERT INTO tcp_state (time_ns, host, conn, old_state, new_state)"
			 " VALUES (?1, ?2, ?3, ?4, ?5)",
};

/*
 * Speed over durability against machine crashes, but never against a killed
 * process: a commit is in the WAL file before the next batch begins, and a
 * half-written batch is ignored when the file is next opened.  WAL lets
 * readers look while the run writes.
 */
static const char trace_pragmas[] =
	"PRAGMA page_size = " G_STRINGIFY(TRACE_PAGE_SIZE) ";"
							   "PRAGMA journal_mode = WAL;"
							   "PRAGMA synchronous = OFF;"
							   "PRAGMA cache_size = -16384;";

static const char *const trace_op_names[TR_OP_MAX] = { [TR_NONE_] = "?",
#define TRACE_OP_NAME(e, name, what) [TR_##e] = #name,
						       TRACE_OPS(TRACE_OP_NAME)
#undef TRACE_OP_NAME
};

static const char *const trace_copy_kind_names[COPY_KIND_MAX] = {
#define TRACE_COPY_NAME(e, name, what) [COPY_##e] = #name,
	TRACE_COPY_KINDS(TRACE_COPY_NAME)
#undef TRACE_COPY_NAME
};

const char *
trace_op_name(enum trace_op op)
{
	if ((unsigned)op < TR_OP_MAX)
		return trace_op_names[op];
	return "?";
}

const char *
trace_copy_kind_name(enum trace_copy_kind kind)
{
	if ((unsigned)kind < COPY_KIND_MAX)
		return trace_copy_kind_names[kind];
	return "?";
}

const char *const trace_layer_names[LAYER_MAX] = {
#define TRACE_LAYER_NAME(e, name, what) [LAYER_##e] = #name,
	TRACE_LAYERS(TRACE_LAYER_NAME)
#undef TRACE_LAYER_NAME
};

int
trace_op_by_name(const char *name)
{
	for (int i = 1; name && i < TR_OP_MAX; i++)
		if (strcmp(name, trace_op_names[i]) == 0)
			return i;
	return -1;
}

int
trace_copy_kind_by_name(const char *name)
{
	for (int i = 0; name && i < COPY_KIND_MAX; i++)
		if (strcmp(name, trace_copy_kind_names[i]) == 0)
			return i;
	return -1;
}

static const char *const trace_level_names[] = {
#define TRACE_LEVEL_NAME(e, name, what) [TRACE_##e] = #name,
	TRACE_LEVELS(TRACE_LEVEL_NAME)
#undef TRACE_LEVEL_NAME
};

const char *
trace_level_name(enum trace_level level)
{
	if ((unsigned)level < G_N_ELEMENTS(trace_level_names))
		return trace_level_names[level];
	return "?";
}

bool
trace_level_from_name(const char *name, enum trace_level *out)
{
	for (unsigned i = 0; i < G_N_ELEMENTS(trace_level_names); i++) {
		if (name && strcmp(name, trace_level_names[i]) == 0) {
			*out = (enum trace_level)i;
			return true;
		}
	}
	return false;
}

/* The name a person knows the database by, for messages. */
static const char *
trace_where(const struct trace *tr)
{
	return tr->path ? tr->path : ":memory:";
}

static bool
trace_exec(struct trace *tr, const char *sql, const char *what, GError **error)
{
	if (sqlite3_exec(tr->db, sql, NULL, NULL, NULL) == SQLITE_OK)
		return true;
	g_set_error(error, TRACE_ERROR, TRACE_ERROR_IO, "trace database %s: %s failed: %s",
		    trace_where(tr), what, sqlite3_errmsg(tr->db));
	return false;
}

void
trace_fail(struct trace *tr, const char *what)
{
	GError *e = NULL;

	if (trace_on_writer ? tr->w_error != NULL : tr->failed != NULL)
		return;
	g_set_error(&e, TRACE_ERROR, TRACE_ERROR_IO,
		    "trace database %s: %s failed: %s; tracing stopped", trace_where(tr), what,
		    sqlite3_errmsg(tr->db));
	/* SQLite may already have rolled back after SQLITE_FULL or an I/O error. */
	if (!sqlite3_get_autocommit(tr->db))
		sqlite3_exec(tr->db, "ROLLBACK", NULL, NULL, NULL);
	tr->in_txn = false;
	tr->skb_pack.len = tr->skb_pack.n = 0;
	tr->cpu_pack.len = tr->cpu_pack.n = 0;
	tr->pkt_pack.len = tr->pkt_pack.n = 0;
	if (trace_on_writer) {
		/* the simulation thread takes it over at its next chunk (trace_writer.c) */
		tr->w_error = e;
		return;
	}
	/* Synced: the writer is idle.  It writes nothing more, and the records
	 * not yet handed over are dropped. */
	tr->failed = e;
	if (!tr->w_error)
		tr->w_error = g_error_copy(e);
	if (tr->cur)
		tr->cur->used = 0;
	for (guint i = 0; i < tr->hosts->len; i++) {
		struct trace_host_rec *hr = g_ptr_array_index(tr->hosts, i);
		hr->pub.level = TRACE_OFF;
	}
}

/*
 * Commits the open transaction.  In a rollback journal a reader's SHARED
 * lock holds the commit back (SQLITE_BUSY; the transaction stays open and
 * the writer keeps the PENDING lock, so no new reader starts): the writer
 * goes on adding rows to it and tries again at the next batch, and waits
 * for the readers (the simulation waiting for it in turn) only once it
 * holds TRACE_BUSY_MAX_ROWS rows, or when @wait.  A reader never makes the
 * run fail.  Returns 1 when committed, 0 when held back, -1 on an error.
 */
static int
trace_commit_txn(struct trace *tr, bool wait)
{
	/* A reader that keeps a read transaction open (BEGIN in a sqlite3
	 * shell) would hold the run without a word: after TRACE_BUSY_MS of
	 * waiting, say why, once. */
	int waited_ms = 0;
	for (;;) {
		int rc = sqlite3_exec(tr->db, "COMMIT", NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			return 1;
		if (rc != SQLITE_BUSY || !tr->rollback)
			return -1;
		if (!wait && tr->held_rows + tr->batch_rows < TRACE_BUSY_MAX_ROWS)
			return 0;
		if (waited_ms < TRACE_BUSY_MS && (waited_ms += 10) >= TRACE_BUSY_MS)
			fprintf(stderr,
				"netsim: trace database %s: waiting for a reader to end its "
				"transaction before the run can go on\n",
				trace_where(tr));
		sqlite3_sleep(10);
	}
}

/*
 * Leaves WAL for a rollback journal once the rows are packed.  In WAL mode
 * every byte is written to the -wal file, read back by the checkpoint and
 * written to the database; in a rollback journal, pages appended past the
 * file's end are not journaled, and a packed trace is nearly all appended
 * pages: its bytes are written once.  1M-datagram flood, full trace, 3
 * pinned pairs: system time 1.09 s against 2.03 s, CPU 0.83x.  Lecture
 * traces stay plain and in WAL mode, where readers never block a commit.
 * With a reader present the switch waits for a later commit.  Commits then
 * wait TRACE_BUSY_COMMIT_MS for readers before they are held back
 * (trace_commit_txn): while the writer waits it holds the PENDING lock, and
 * a reader that starts then without a busy timeout of its own (sqlite3
 * without .timeout) gets "database is locked".
 */
static void
trace_leave_wal_for_packs(struct trace *tr)
{
	sqlite3_stmt *st = NULL;

	if (tr->rollback || trace_plain_now(tr) || !tr->path)
		return;
	sqlite3_busy_timeout(tr->db, 0);
	if (sqlite3_prepare_v2(tr->db, "PRAGMA journal_mode = TRUNCATE", -1, &st, NULL) ==
		    SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		tr->rollback = g_ascii_strcasecmp((const char *)sqlite3_column_text(st, 0),
						  "truncate") == 0;
	sqlite3_finalize(st);
	sqlite3_busy_timeout(tr->db, tr->rollback ? TRACE_BUSY_COMMIT_MS : TRACE_BUSY_MS);
}

bool
trace_commit_now(struct trace *tr, bool wait)
{
	trace_packs_flush(tr);
	if (tr->w_error)
		return false;
	if (tr->in_txn) {
		int rc = trace_commit_txn(tr, wait);
		if (rc < 0) {
			trace_fail(tr, "committing a batch");
			return false;
		}
		if (rc == 0) {
			tr->held_rows += tr->batch_rows;
			tr->batch_rows = 0;
			return true;
		}
	}
	tr->in_txn = false;
	tr->batch_rows = tr->held_rows = 0;
	trace_leave_wal_for_packs(tr);
	if (sqlite3_exec(tr->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		trace_fail(tr, "beginning a batch");
		return false;
	}
	tr->in_txn = true;
	return true;
}

bool
trace_commit(struct trace *tr, GError **error)
{
	if (tr->db && !tr->failed) {
		if (tr->writer)
			trace_sync(tr); /* the writer commits after the last record */
		else
			trace_commit_now(tr, true);
	}
	if (tr->failed) {
		g_propagate_error(error, g_error_copy(tr->failed));
		return false;
	}
	return true;
}

bool
trace_step(struct trace *tr, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		trace_fail(tr, what);
		return false;
	}
	return true;
}

void
trace_row_done(struct trace *tr, sqlite3_stmt *st, unsigned rows, const char *what)
{
	if (!trace_step(tr, st, what))
		return;
	tr->rows += rows;
	tr->batch_rows += rows;
	if (tr->batch_rows >= TRACE_BATCH_ROWS)
		trace_commit(tr, NULL);
}

bool
trace_remove_sidecars(const char *path, GError **error)
{
	static const char *const sidecars[] = { "-journal", "-wal", "-shm" };

	for (unsigned i = 0; i < G_N_ELEMENTS(sidecars); i++) {
		g_autofree char *side = g_strconcat(path, sidecars[i], NULL);
		if (unlink(side) != 0 && errno != ENOENT) {
			int err = errno;
			g_set_error(error, TRACE_ERROR, TRACE_ERROR_IO, "cannot remove %s: %s",
				    side, g_strerror(err));
			return false;
		}
	}
	return true;
}

/*
 * Creates the file the run writes and returns an open descriptor of it (for
 * the writer's lock), or -1.  Without @overwrite that is @path itself, and
 * O_EXCL makes "does it exist" and "create it" one step, so two runs started
 * at once cannot both think they own the file.  With @overwrite it is a new
 * file beside @path (*tmp_out), renamed over @path when the run closes.
 */
static int
trace_create_file(const char *path, bool overwrite, char **tmp_out, GError **error)
{
	struct stat st;
	int fd, err;

	*tmp_out = NULL;
	if (*path == '\0') {
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_IO, "the trace database path is empty");
		return -1;
	}
	if (lstat(path, &st) == 0) {
		if (!overwrite) {
			g_set_error(
				error, TRACE_ERROR, TRACE_ERROR_EXISTS,
				"trace database %s already exists; use --overwrite to replace it",
				path);
			return -1;
		}
		if (!S_ISREG(st.st_mode)) {
			g_set_error(error, TRACE_ERROR, TRACE_ERROR_IO,
				    "trace database %s exists and is not a regular file; not "
				    "replacing it",
				    path);
			return -1;
		}
	}
	if (overwrite) {
		char *tmp = g_strconcat(path, ".tmp-XXXXXX", NULL);
		fd = g_mkstemp_full(tmp, O_RDWR | O_CLOEXEC, 0666);
		if (fd < 0) {
			err = errno;
			g_set_error(error, TRACE_ERROR, TRACE_ERROR_IO,
				    "cannot create trace database %s: %s", path, g_strerror(err));
			g_free(tmp);
			return -1;
		}
		/* mkstemp's mode is 0600; give the trace the mode a new file gets. */
		mode_t mask = umask(0);
		umask(mask);
		if (fchmod(fd, 0666 & ~mask) != 0) {
			/* not worth failing a run over: the file is still the user's */
		}
		*tmp_out = tmp;
		return fd;
	}
	/* A journal left beside a database that is gone would be applied to the new one. */
	if (!trace_remove_sidecars(path, error))
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0) {
		err = errno;
		g_set_error(error, TRACE_ERROR, err == EEXIST ? TRACE_ERROR_EXISTS : TRACE_ERROR_IO,
			    "cannot create trace database %s: %s", path, g_strerror(err));
		return -1;
	}
	return fd;
}

/* The name to give SQLite for a plain file path: never a URI, never ":memory:". */
static char *
trace_sqlite_name(const char *path)
{
	if (g_path_is_absolute(path))
		return g_strdup(path);
	return g_strconcat("./", path, NULL);
}

/* Pragmas, tables, the packed views and their triggers (schema.sql), and statements. */
static bool
trace_setup_db(struct trace *tr, GError **error)
{
	char *msg = NULL;

	if (!trace_exec(tr, trace_pragmas, "setting up", error) ||
	    !trace_exec(tr, "BEGIN", "creating the schema", error))
		return false;
	if (!trace_schema_exec(tr->db, NULL, &msg) ||
	    !trace_schema_exec(tr->db, "packed-views", &msg) ||
	    !trace_schema_exec(tr->db, "triggers", &msg)) {
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_IO,
			    "trace database %s: creating the schema failed: %s", trace_where(tr),
			    msg ? msg : sqlite3_errmsg(tr->db));
		sqlite3_free(msg);
		return false;
	}
	for (int i = 0; i < ST_N; i++) {
		g_autofree char *sql_n = NULL;
		if (i == ST_SKB_PLAIN_N || i == ST_CPU_PLAIN_N || i == ST_PACKET_N)
			sql_n = trace_plain_n_sql(i);
		if (sqlite3_prepare_v3(tr->db, sql_n ? sql_n : trace_stmt_sql[i], -1,
				       SQLITE_PREPARE_PERSISTENT, &tr->st[i], NULL) != SQLITE_OK) {
			g_set_error(error, TRACE_ERROR, TRACE_ERROR_IO,
				    "trace database %s: preparing a statement failed: %s",
				    trace_where(tr), sqlite3_errmsg(tr->db));
			return false;
		}
	}
	if (!trace_exec(tr, "COMMIT; BEGIN", "creating the schema", error))
		return false;
	tr->in_txn = true;
	return true;
}

/* The file the run writes: the temporary one when overwriting. */
static const char *
trace_file(const struct trace *tr)
{
	return tr->tmp_path ? tr->tmp_path : tr->path;
}

/* Removes the file this run created (and its sidecars), if any. */
static void
trace_remove_file(struct trace *tr)
{
	const char *file = trace_file(tr);

	if (!file)
		return;
	unlink(file);
	trace_remove_sidecars(file, NULL);
}

static void
trace_destroy(struct trace *tr)
{
	trace_writer_stop(tr);
	for (int i = 0; i < ST_N; i++)
		sqlite3_finalize(tr->st[i]);
	if (tr->db)
		sqlite3_close(tr->db);
	if (tr->discard)
		trace_remove_file(tr);
	/* After sqlite3_close: closing any descriptor of the file drops the
	 * process's POSIX locks on it, SQLite's included. */
	if (tr->lock_fd >= 0)
		close(tr->lock_fd);
	for (guint i = 0; i < tr->hosts->len; i++) {
		struct trace_host_rec *hr = g_ptr_array_index(tr->hosts, i);
		for (int c = 0; c <= CPU_NCTX; c++) {
			g_hash_table_unref(hr->busy[c]);
			g_free(hr->busy_map[c].slots);
		}
		g_free((char *)hr->pub.name);
		g_free(hr);
	}
	g_ptr_array_unref(tr->hosts);
	g_string_chunk_free(tr->names);
	trace_sites_free(&tr->sites);
	trace_packs_free(tr);
	g_hash_table_unref(tr->work_by_text);
	g_clear_error(&tr->failed);
	g_clear_error(&tr->w_error);
	g_free(tr->path);
	g_free(tr->tmp_path);
	g_aligned_free(tr);
}

struct trace *
trace_open(const char *path, enum trace_level level, bool overwrite, GError **error)
{
	struct trace *tr = g_aligned_alloc0(1, sizeof *tr, TRACE_LINE);
	bool memory = path && strcmp(path, ":memory:") == 0;
	g_autofree char *name = NULL;

	tr->hosts = g_ptr_array_new();
	tr->names = g_string_chunk_new(4096);
	trace_sites_init(&tr->sites);
	tr->work_by_text = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	tr->level = path ? level : TRACE_OFF;
	tr->lock_fd = -1;
	tr->expand_rows = TRACE_EXPAND_ROWS_DEFAULT;
	/* tests: every Nth row of a pack in the array form, as schema 8 wrote them */
	const char *arrays = g_getenv("NETSIM_TRACE_PACK_ARRAYS");
	tr->pack_arrays = arrays ? (uint32_t)g_ascii_strtoull(arrays, NULL, 10) : 0;
	const char *env = g_getenv("NETSIM_TRACE_EXPAND_ROWS");
	if (env && *env)
		tr->expand_rows = g_ascii_strtoull(env, NULL, 10);
	if (!path)
		return tr;
	if (!memory) {
		tr->lock_fd = trace_create_file(path, overwrite, &tr->tmp_path, error);
		if (tr->lock_fd < 0) {
			trace_destroy(tr);
			return NULL;
		}
		tr->path = g_strdup(path);
		/* From here on the file is ours: a failure below removes it. */
		tr->discard = true;
		/* Readers see a run in progress (vizdb_open); the lock dies with us. */
		if (flock(tr->lock_fd, LOCK_EX | LOCK_NB) != 0) {
			/* only on a file system without flock: no "in progress" note */
		}
		name = trace_sqlite_name(trace_file(tr));
	}
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
	if (sqlite3_open_v2(memory ? path : name, &tr->db, flags, NULL) != SQLITE_OK ||
	    sqlite3_busy_timeout(tr->db, TRACE_BUSY_MS) != SQLITE_OK ||
	    !trace_setup_db(tr, error) || !trace_writer_start(tr, error)) {
		if (error && !*error)
			g_set_error(error, TRACE_ERROR, TRACE_ERROR_IO,
				    "cannot open trace database %s: %s", path,
				    tr->db ? sqlite3_errmsg(tr->db) : "out of memory");
		/* half a schema is no use to anyone: trace_destroy removes the file */
		trace_destroy(tr);
		return NULL;
	}
	tr->discard = false;
	return tr;
}

void
trace_set_expand_rows(struct trace *tr, uint64_t rows)
{
	if (tr)
		tr->expand_rows = rows;
}

void
trace_set_run_length(struct trace *tr, sim_time_t length)
{
	if (tr)
		tr->run_length = length > 0 ? length : 0;
}

void
trace_abandon(struct trace *tr)
{
	if (tr)
		tr->discard = true;
}

/* The wall-clock time now, ISO 8601 in UTC, for the run row. */
static char *
trace_wall_clock(void)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	return g_date_time_format_iso8601(now);
}

bool
trace_begin_run(struct trace *tr, const char *scenario_name, const char *scenario_text,
		uint64_t seed, const char *version, GError **error)
{
	sqlite3_stmt *st = NULL;
	g_autofree char *started = trace_wall_clock();

	if (!tr->db)
		return true;
	trace_sync(tr); /* the connection is this thread's until the next chunk */
	if (tr->failed) {
		g_propagate_error(error, g_error_copy(tr->failed));
		return false;
	}
	if (sqlite3_prepare_v2(
		    tr->db,
		    "INSERT OR REPLACE INTO run (id, scenario, scenario_text, seed, version,"
		    " level, started_at, finished) VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, 0)",
		    -1, &st, NULL) != SQLITE_OK) {
		trace_fail(tr, "writing the run row");
		g_propagate_error(error, g_error_copy(tr->failed));
		return false;
	}
	sqlite3_bind_text(st, 1, scenario_name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, scenario_text, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)seed);
	sqlite3_bind_text(st, 4, version, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, trace_level_name(tr->level), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, started, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		trace_fail(tr, "writing the run row");
		g_propagate_error(error, g_error_copy(tr->failed));
		return false;
	}
	/* The run row reaches the disk now, so that even a run killed at once says what it was. */
	return trace_commit(tr, error);
}

struct trace_host *
trace_host_add(struct trace *tr, struct sim *sim, struct cpu *cpu, const char *name)
{
	struct trace_host_rec *hr = g_new0(struct trace_host_rec, 1);

	hr->pub.tr = tr;
	hr->pub.level = tr->failed ? TRACE_OFF : tr->level;
	hr->pub.id = tr->hosts->len + 1;
	hr->pub.name = g_strdup(name);
	hr->pub.sim = sim;
	hr->pub.cpu = cpu;
	for (int c = 0; c <= CPU_NCTX; c++)
		hr->busy[c] = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
	g_ptr_array_add(tr->hosts, hr);

	if (tr->db && !tr->failed)
		trace_sync(tr);
	if (tr->db && !tr->failed) {
		sqlite3_stmt *st = tr->st[ST_HOST];
		sqlite3_bind_int64(st, 1, hr->pub.id);
		sqlite3_bind_text(st, 2, hr->pub.name, -1, SQLITE_STATIC);
		trace_row_done(tr, st, 1, "writing hosts");
		trace_commit(tr, NULL);
	}
	return &hr->pub;
}

void
trace_host_set_level(struct trace_host *h, enum trace_level level)
{
	struct trace *tr = h->tr;

	h->level = tr->failed ? TRACE_OFF : MIN(level, tr->level);
}

bool
trace_flush(struct trace *tr, GError **error)
{
	if (!tr || !tr->db)
		return true;
	return trace_commit(tr, error);
}

enum trace_level
trace_level(const struct trace *tr)
{
	return tr ? tr->level : TRACE_OFF;
}

const GError *
trace_failed(const struct trace *tr)
{
	return tr ? tr->failed : NULL;
}

void *
trace_db(struct trace *tr)
{
	if (!tr)
		return NULL;
	/* Whoever looks at the database sees every row written so far, and
	 * the writer is idle until the simulation makes a chunk of rows more. */
	if (tr->db && !tr->failed)
		trace_sync(tr);
	return tr->db;
}

uint64_t
trace_rows(const struct trace *tr)
{
	return tr ? tr->rows : 0;
}

/* The run's virtual duration: the clock of the first host's world, if any. */
static bool
trace_duration(const struct trace *tr, sim_time_t *out)
{
	if (tr->hosts->len == 0)
		return false;
	const struct trace_host_rec *hr = g_ptr_array_index(tr->hosts, 0);
	if (!hr->pub.sim)
		return false;
	*out = sim_now(hr->pub.sim);
	return true;
}

/*
 * Leaves one plain file behind: the WAL checkpointed into the database and
 * removed.  That needs every reader gone; the busy timeout waits for them
 * for a while, and if one stays the database stays in WAL mode, as valid
 * (the last connection to close checkpoints it).  A temporary file that is
 * to be renamed must leave WAL mode: the -wal file is named after it.
 */
static bool
trace_leave_wal(struct trace *tr, GError **error)
{
	g_autofree char *mode = NULL;
	sqlite3_stmt *st = NULL;

	sqlite3_exec(tr->db, "PRAGMA optimize", NULL, NULL, NULL);
	if (sqlite3_prepare_v2(tr->db, "PRAGMA journal_mode = DELETE", -1, &st, NULL) ==
		    SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		mode = g_strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if ((mode && g_ascii_strcasecmp(mode, "wal") != 0) || !tr->tmp_path)
		return true;
	g_set_error(error, TRACE_ERROR, TRACE_ERROR_IO,
		    "trace database %s: closing the database failed: %s", trace_where(tr),
		    mode ? "another process has it open" : sqlite3_errmsg(tr->db));
	trace_fail(tr, "closing the database");
	return false;
}

/* Totals, indexes and the run row's end: everything trace_close writes. */
static bool
trace_finish(struct trace *tr, bool finished, GError **error)
{
	g_autofree char *ended = trace_wall_clock();
	sqlite3_stmt *st = NULL;
	sim_time_t duration;

	if (tr->level >= TRACE_SUMMARY)
		trace_write_totals(tr);
	if (!trace_commit(tr, error))
		return false;
	/* In a rollback journal, the index builds below may spill pages: they
	 * wait for readers as the open and the close do. */
	if (tr->rollback)
		sqlite3_busy_timeout(tr->db, TRACE_BUSY_MS);
	/* A trace of lecture size becomes plain tables; a big one stays packed. */
	char *msg = NULL;
	bool expand = tr->skb_seq <= tr->expand_rows;
	/* A big trace's indexes (packets, ...: rows in proportion to the run)
	 * are sorted in at most TRACE_CLOSE_SORT_KIB of memory, the rest in
	 * temporary files: SQLite's sorter takes as much as cache_size allows,
	 * which made the peak RSS grow with the run up to 16 MiB more. */
	if (!expand)
		sqlite3_exec(tr->db, "PRAGMA cache_size = -" G_STRINGIFY(TRACE_CLOSE_SORT_KIB),
			     NULL, NULL, NULL);
	else if (tr->packed_cache) /* packed early (trace_pack.c): the plain rows' cache */
		sqlite3_exec(tr->db, "PRAGMA cache_size = -16384", NULL, NULL, NULL);
	if (!(expand ? trace_expand_db(tr->db, &msg)
		     : trace_schema_exec(tr->db, "indexes", &msg))) {
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_IO, "trace database %s: %s failed: %s",
			    trace_where(tr),
			    expand ? "expanding the packs" : "building the indexes",
			    msg ? msg : sqlite3_errmsg(tr->db));
		sqlite3_free(msg);
		goto fail;
	}
	if (sqlite3_prepare_v2(tr->db,
			       "UPDATE run SET finished = ?1, finished_at = ?2, duration_ns = ?3"
			       " WHERE id = 1",
			       -1, &st, NULL) != SQLITE_OK)
		goto fail_sql;
	sqlite3_bind_int(st, 1, finished ? 1 : 0);
	if (finished)
		sqlite3_bind_text(st, 2, ended, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 2);
	if (trace_duration(tr, &duration))
		sqlite3_bind_int64(st, 3, duration);
	else
		sqlite3_bind_null(st, 3);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto fail_sql;
	sqlite3_finalize(st);
	st = NULL;
	if (trace_commit_txn(tr, true) < 0) {
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_IO,
			    "trace database %s: committing the end of the run failed: %s",
			    trace_where(tr), sqlite3_errmsg(tr->db));
		goto fail;
	}
	tr->in_txn = false;
	return trace_leave_wal(tr, error);

fail_sql:
	g_set_error(error, TRACE_ERROR, TRACE_ERROR_IO,
		    "trace database %s: marking the run's end failed: %s", trace_where(tr),
		    sqlite3_errmsg(tr->db));
fail:
	sqlite3_finalize(st);
	trace_fail(tr, "closing the run");
	return false;
}

bool
trace_close(struct trace *tr, bool finished, GError **error)
{
	bool ok = true;

	if (!tr)
		return true;
	/* The writer writes what is left and ends; an error it met is the run's now. */
	trace_writer_stop(tr);
	if (tr->db && !tr->discard) {
		if (tr->failed) {
			/* The trace is incomplete: it keeps finished = 0. */
			g_propagate_error(error, g_error_copy(tr->failed));
			sqlite3_exec(tr->db, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
			ok = false;
		} else {
			ok = trace_finish(tr, finished, error);
		}
		/* Overwriting: the old trace stays unless the new one is whole (an
		 * interrupted run is whole, and marked unfinished). */
		if (tr->tmp_path && !ok)
			tr->discard = true;
	}
	if (tr->tmp_path && !tr->discard) {
		sqlite3_stmt *st;
		for (int i = 0; i < ST_N; i++)
			g_clear_pointer(&tr->st[i], sqlite3_finalize);
		while ((st = sqlite3_next_stmt(tr->db, NULL)))
			sqlite3_finalize(st);
		int rc = sqlite3_close(tr->db);
		tr->db = NULL;
		/* The old trace's journal or WAL would be applied to the new one. */
		if (rc != SQLITE_OK) {
			g_set_error(error, TRACE_ERROR, TRACE_ERROR_IO,
				    "trace database %s: closing %s failed: %s", tr->path,
				    tr->tmp_path, sqlite3_errstr(rc));
			ok = false;
		} else if (!trace_remove_sidecars(tr->path, error)) {
			ok = false;
		} else if (rename(tr->tmp_path, tr->path) != 0) {
			int err = errno;
			g_set_error(error, TRACE_ERROR, TRACE_ERROR_IO,
				    "cannot replace trace database %s with %s: %s", tr->path,
				    tr->tmp_path, g_strerror(err));
			ok = false;
		}
		tr->discard = !ok;
	}
	trace_destroy(tr);
	return ok;
}
