/*
 * trace/trace_expand.c - a packed trace expanded into plain tables: at
 * close (trace_expand_db) and by `netsim trace expand` (trace_expand_file).
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

/*
 * The packs into plain rows, in C: SQLite's json_each and ->> decode about
 * 0.5 us a value (10 us a skb_events row), so a trace of a million rows
 * took 10 s to expand in SQL (the statements of the netsim:expand section
 * of schema.sql, which say the same).  Here each pack is read once, its
 * numbers parsed in order, and the rows inserted with one prepared
 * statement: about what writing them as plain rows during the run cost.
 */

struct unpack {
	sqlite3_stmt *ins;
	int64_t seq, t0, k0, d0;
};

/* One skb_rows row from the pack order of skb_packed (schema.sql). */
static bool
unpack_skb_row(void *arg, const int64_t *v, const bool *has)
{
	struct unpack *u = arg;
	sqlite3_stmt *st = u->ins;
	if (!has[0] || !has[1] || !has[2] || !has[3])
		return false;
	sqlite3_bind_int64(st, 1, u->seq++);
	for (int c = 0; c < 17; c++) {
		int k = trace_skb_col_from[c];
		int64_t x = v[k];
		if (k == 0)
			x += u->t0;
		else if (k == 3)
			x += u->k0;
		else if (k == 9)
			x += u->d0;
		trace_bind_opt(st, c + 2, x, has[k]);
	}
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE;
}

static bool
unpack_cpu_row(void *arg, const int64_t *v, const bool *has)
{
	struct unpack *u = arg;
	sqlite3_stmt *st = u->ins;

	if (!has[0] || !has[1] || !has[2] || !has[3])
		return false;
	sqlite3_bind_int64(st, 1, v[0]);
	sqlite3_bind_int64(st, 2, v[1]);
	sqlite3_bind_int64(st, 3, u->t0 + v[2]);
	sqlite3_bind_int64(st, 4, u->t0 + v[2] + v[3]);
	trace_bind_opt(st, 5, v[4], has[4]);
	sqlite3_bind_int64(st, 6, has[5] ? v[5] : 0); /* the CPU: 0 when left out */
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE;
}

/* One packet_rows row, its names and ports from packet_sites; the first
 * row of an skb wins (INSERT OR IGNORE), as when the rows were plain. */
static bool
unpack_pkt_row(void *arg, const int64_t *v, const bool *has)
{
	struct unpack *u = arg;
	sqlite3_stmt *st = u->ins;

	if (!has[0] || !has[1] || !has[2] || !has[3] || !has[4])
		return false;
	sqlite3_bind_int64(st, 1, u->k0 + v[3]);
	sqlite3_bind_int64(st, 2, v[1]);
	sqlite3_bind_int64(st, 3, u->t0 + v[0]);
	sqlite3_bind_int64(st, 4, v[2]);
	trace_bind_opt(st, 5, v[5], has[5]);
	trace_bind_opt(st, 6, v[6], has[6]);
	sqlite3_bind_int64(st, 7, v[4]);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE;
}

#define PKT_ROWS_INSERT                                                                        \
	"INSERT OR IGNORE INTO packet_rows (skb, host, time_ns, proto, saddr, daddr, sport, "  \
	"dport,"                                                                               \
	" tcp_flags, seq, ack, payload) SELECT ?1, ?2, ?3, proto, saddr, daddr, sport, dport," \
	" tcp_flags, ?5, ?6, ?7 FROM packet_sites WHERE id = ?4"

/* Every pack of one table into plain rows, then the packs deleted. */
static bool
unpack_table(sqlite3 *db, enum trace_pack_kind kind, char **errmsg)
{
	static const char *const sel_sqls[] = {
		[PACK_SKB] = "SELECT seq0, t0, k0, d0, rows FROM skb_packs ORDER BY seq0",
		[PACK_CPU] = "SELECT 0, t0, 0, 0, rows FROM cpu_packs ORDER BY id",
		[PACK_PKT] = "SELECT 0, t0, k0, 0, rows FROM packet_packs ORDER BY id",
	};
	static const char *const ins_sqls[] = { [PACK_SKB] = TRACE_SKB_ROWS_INSERT,
						[PACK_CPU] = TRACE_CPU_ROWS_INSERT,
						[PACK_PKT] = PKT_ROWS_INSERT };
	static const char *const tables[] = {
		[PACK_SKB] = "skb_packs", [PACK_CPU] = "cpu_packs", [PACK_PKT] = "packet_packs"
	};
	static const char *const dels[] = { [PACK_SKB] = "DELETE FROM skb_packs",
					    [PACK_CPU] = "DELETE FROM cpu_packs",
					    [PACK_PKT] = "DELETE FROM packet_packs" };
	static bool (*const unpack_row[])(void *, const int64_t *,
					  const bool *) = { [PACK_SKB] = unpack_skb_row,
							    [PACK_CPU] = unpack_cpu_row,
							    [PACK_PKT] = unpack_pkt_row };
	sqlite3_stmt *sel = NULL, *ins = NULL;
	struct unpack u = { 0 };
	bool ok = false;
	int rc;

	const char *sel_sql = sel_sqls[kind], *ins_sql = ins_sqls[kind];
	if (sqlite3_prepare_v2(db, sel_sql, -1, &sel, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, ins_sql, -1, &ins, NULL) != SQLITE_OK)
		goto out;
	u.ins = ins;
	while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
		u.seq = sqlite3_column_int64(sel, 0);
		u.t0 = sqlite3_column_int64(sel, 1);
		u.k0 = sqlite3_column_int64(sel, 2);
		u.d0 = sqlite3_column_int64(sel, 3);
		const char *text = (const char *)sqlite3_column_text(sel, 4);
		if (!trace_unpack_rows(text, kind, u.k0, u.d0, unpack_row[kind], &u)) {
			if (sqlite3_errcode(db) == SQLITE_OK || sqlite3_errcode(db) == SQLITE_ROW ||
			    sqlite3_errcode(db) == SQLITE_DONE)
				*errmsg =
					sqlite3_mprintf("a row of %s is not a pack", tables[kind]);
			goto out;
		}
	}
	if (rc != SQLITE_DONE)
		goto out;
	g_clear_pointer(&sel, sqlite3_finalize);
	ok = sqlite3_exec(db, dels[kind], NULL, NULL, errmsg) == SQLITE_OK;
out:
	if (!ok && !*errmsg)
		*errmsg = sqlite3_mprintf("%s", sqlite3_errmsg(db));
	sqlite3_finalize(sel);
	sqlite3_finalize(ins);
	return ok;
}

/* Has @db the tables of schema 11 (packet_rows and its packs)?  A trace
 * written before has a table packets, which stays as it is. */
static bool
trace_has_packet_packs(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	bool has = false;

	if (sqlite3_prepare_v2(db,
			       "SELECT 1 FROM sqlite_master WHERE type = 'table'"
			       " AND name = 'packet_packs'",
			       -1, &st, NULL) == SQLITE_OK)
		has = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return has;
}

bool
trace_expand_db(sqlite3 *db, char **errmsg)
{
	bool packets = trace_has_packet_packs(db);

	*errmsg = NULL;
	return unpack_table(db, PACK_SKB, errmsg) && unpack_table(db, PACK_CPU, errmsg) &&
		(!packets || unpack_table(db, PACK_PKT, errmsg)) &&
		trace_schema_exec(db, "plain-views", errmsg) &&
		(!packets || trace_schema_exec(db, "plain-packets", errmsg)) &&
		trace_schema_exec(db, "triggers", errmsg) &&
		trace_schema_exec(db, "indexes", errmsg) &&
		(packets ? trace_schema_exec(db, "indexes-expanded", errmsg)
			 : sqlite3_exec(db,
					"CREATE INDEX IF NOT EXISTS packets_by_host"
					" ON packets (host, time_ns)",
					NULL, NULL, errmsg) == SQLITE_OK);
}

/* Is @db's skb_events the packed view?  -1 when it cannot tell. */
static int
trace_is_packed(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int packed = -1;

	if (sqlite3_prepare_v2(db,
			       "SELECT sql LIKE '%skb_packed%' FROM sqlite_master"
			       " WHERE type = 'view' AND name = 'skb_events'",
			       -1, &st, NULL) == SQLITE_OK) {
		int rc = sqlite3_step(st);
		packed = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : rc == SQLITE_DONE ? 0 : -1;
	}
	sqlite3_finalize(st);
	return packed;
}

static bool
expand_fail(GError **error, const char *path, const char *what, sqlite3 *db, char *errmsg)
{
	g_set_error(error, TRACE_ERROR, TRACE_ERROR_IO, "%s: %s failed: %s", path, what,
		    errmsg	 ? errmsg
			    : db ? sqlite3_errmsg(db)
				 : "out of memory");
	sqlite3_free(errmsg);
	return false;
}

/* Copies @src into @tmp (a new empty file) and expands the copy. */
static bool
expand_copy(const char *path, sqlite3 *src, const char *tmp, GError **error)
{
	sqlite3_stmt *st = NULL;
	sqlite3 *db = NULL;
	char *errmsg = NULL;

	if (sqlite3_prepare_v2(src, "VACUUM INTO ?1", -1, &st, NULL) != SQLITE_OK)
		return expand_fail(error, path, "copying the trace", src, NULL);
	sqlite3_bind_text(st, 1, tmp, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return expand_fail(error, path, "copying the trace", src, NULL);
	bool ok = sqlite3_open_v2(tmp, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
		sqlite3_exec(db,
			     "PRAGMA journal_mode = DELETE; PRAGMA synchronous = OFF;"
			     "PRAGMA cache_size = -65536; BEGIN;"
			     "DROP INDEX IF EXISTS skb_events_by_skb;"
			     "DROP INDEX IF EXISTS cpu_busy_by_host",
			     NULL, NULL, &errmsg) == SQLITE_OK &&
		trace_expand_db(db, &errmsg) &&
		sqlite3_exec(db, "COMMIT", NULL, NULL, &errmsg) == SQLITE_OK;
	if (!ok)
		expand_fail(error, path, "expanding the packs", db, errmsg);
	else if (sqlite3_close(db) != SQLITE_OK)
		ok = expand_fail(error, path, "closing the expanded copy", db, NULL);
	else
		db = NULL;
	sqlite3_close(db);
	return ok;
}

bool
trace_expand_file(const char *path, bool *expanded, GError **error)
{
	sqlite3 *src = NULL;
	struct stat sb;
	bool ok = false;
	int fd;

	*expanded = false;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb) != 0) {
		int err = errno;
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_IO, "%s: cannot open: %s", path,
			    g_strerror(err));
		if (fd >= 0)
			close(fd);
		return false;
	}
	/* A run writing it holds flock(LOCK_EX) (trace.c); so does another expand. */
	if (flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK) {
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_IO,
			    "%s: a run is still writing this trace (or another expand is)", path);
		close(fd);
		return false;
	}
	g_autofree char *name =
		g_path_is_absolute(path) ? g_strdup(path) : g_strconcat("./", path, NULL);
	g_autofree char *tmp = g_strconcat(name, ".tmp-XXXXXX", NULL);
	int packed = -1;
	if (sqlite3_open_v2(name, &src, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK)
		packed = trace_is_packed(src);
	if (packed < 0) {
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_IO, "%s: not a netsim trace (%s)", path,
			    src ? sqlite3_errmsg(src) : "out of memory");
		goto out;
	}
	if (!packed) {
		ok = true; /* plain tables already (or a trace from before packs) */
		goto out;
	}
	int tfd = g_mkstemp_full(tmp, O_RDWR | O_CLOEXEC, 0600);
	if (tfd < 0) {
		int err = errno;
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_IO, "%s: cannot create %s: %s", path,
			    tmp, g_strerror(err));
		goto out;
	}
	if (fchmod(tfd, sb.st_mode & 07777) != 0) {
		/* the copy stays the user's: not worth failing over */
	}
	close(tfd);
	ok = expand_copy(path, src, tmp, error);
	/* The packed file's WAL (a killed run) is applied and removed here. */
	if (sqlite3_close(src) != SQLITE_OK && ok)
		ok = expand_fail(error, path, "closing the trace", src, NULL);
	src = NULL;
	if (ok && !trace_remove_sidecars(name, error))
		ok = false;
	if (ok && rename(tmp, name) != 0) {
		int err = errno;
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_IO, "cannot replace %s with %s: %s",
			    path, tmp, g_strerror(err));
		ok = false;
	}
	if (!ok) {
		unlink(tmp);
		trace_remove_sidecars(tmp, NULL);
	}
	*expanded = ok;
out:
	sqlite3_close(src);
	close(fd);
	return ok;
}
