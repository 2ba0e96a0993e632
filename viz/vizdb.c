/*
 * viz/vizdb.c - opening a trace database for reading, the views, and
 * following one packet through the skbs that carried it.
 *
 * A trace is a file that trace/trace.c wrote: it has the tables of
 * trace/schema.sql and PRAGMA user_version >= 1.  The views of
 * viz/views.sql are created in the file when it can be written (so that a
 * student's sqlite3 shell sees them too) and as TEMP views otherwise.
 */
#include "viz/vizdb.h"
#include "viz/vocab.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

G_DEFINE_QUARK(viz - error - quark, viz_error)

/*
 * Every SQLite error, wherever in viz/ it happens, must end the command with
 * an error, never read as "no rows": a step that fails with SQLITE_CORRUPT
 * looks to a loop like the end of its rows.  SQLite reports every failed
 * statement to its error log (sqlite3_log: "statement aborts at ..."), so
 * viz keeps the first error logged since vizdb_open and vizdb_verify turns
 * it into the command's error.  The log must be set up before SQLite
 * initialises, hence the constructor.
 */
static struct {
	int code;      /* the first error logged since vizdb_latch_reset; 0: none */
	char msg[256]; /* its message */
} vizdb_latch;

/* Is this an error that says the file itself is bad? */
static bool
vizdb_damage_code(int code)
{
	code &= 0xff;
	return code == SQLITE_CORRUPT || code == SQLITE_NOTADB || code == SQLITE_IOERR ||
		code == SQLITE_FORMAT;
}

static void
vizdb_log(void *unused, int code, const char *msg)
{
	(void)unused;
	switch (code & 0xff) {
	case SQLITE_OK:
	case SQLITE_NOTICE:  /* "recovered N frames from WAL file" */
	case SQLITE_WARNING: /* "automatic index" */
	case SQLITE_SCHEMA: /* retried by sqlite3_step itself */ return;
	}
	if (vizdb_latch.code)
		return;
	/* A failed step ("statement aborts at N: ..."), or the file itself; a
	 * failed prepare is an error its caller already sees. */
	if (!vizdb_damage_code(code) && !g_str_has_prefix(msg ? msg : "", "statement aborts"))
		return;
	vizdb_latch.code = code;
	g_strlcpy(vizdb_latch.msg, msg ? msg : "", sizeof vizdb_latch.msg);
}

__attribute__((constructor)) static void
vizdb_log_init(void)
{
	sqlite3_config(SQLITE_CONFIG_LOG, vizdb_log, NULL);
}

static void
vizdb_latch_reset(void)
{
	vizdb_latch.code = 0;
	vizdb_latch.msg[0] = '\0';
}

/* The first lines of PRAGMA quick_check, "ok" for a sound file. */
static char *
vizdb_quick_check(sqlite3 *db)
{
	g_autoptr(sqlite3_stmt) st = NULL;
	GString *out = g_string_new(NULL);
	int rc = sqlite3_prepare_v2(db, "PRAGMA quick_check(3)", -1, &st, NULL);

	while (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
		const char *text = (const char *)sqlite3_column_text(st, 0);
		g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);
		for (int i = 0; lines[i]; i++)
			if (*lines[i] && !g_str_has_prefix(lines[i], "*** "))
				g_string_append_printf(out, "%s%s", out->len ? "; " : "", lines[i]);
	}
	if (rc != SQLITE_OK || out->len == 0)
		g_string_append_printf(out, "cannot run it: %s", sqlite3_errmsg(db));
	return g_string_free(out, FALSE);
}

bool
vizdb_verify(sqlite3 *db, GError **error)
{
	if (!vizdb_latch.code)
		return true;
	int code = vizdb_latch.code;
	g_autofree char *msg = g_strdup(vizdb_latch.msg);
	g_autofree char *check = db ? vizdb_quick_check(db) : g_strdup("not run");
	bool damaged = vizdb_damage_code(code) || strcmp(check, "ok") != 0;

	vizdb_latch_reset();
	g_clear_error(error);
	if (damaged)
		g_set_error(error, VIZ_ERROR, VIZ_ERROR_DAMAGED,
			    "the trace is damaged: %s; PRAGMA quick_check: %s",
			    vizdb_damage_code(code) ? sqlite3_errstr(code) : msg, check);
	else
		g_set_error(error, VIZ_ERROR, VIZ_ERROR_QUERY,
			    "reading the trace failed: %s (%s); PRAGMA quick_check: ok", msg,
			    sqlite3_errstr(code));
	return false;
}

static const char *const trace_tables[] = { "run", "hosts", "skb_events", "packets", NULL };

bool
vizdb_has_table(sqlite3 *db, const char *name)
{
	g_autoptr(sqlite3_stmt) st = NULL;
	if (sqlite3_prepare_v2(
		    db, "SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?",
		    -1, &st, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	return sqlite3_step(st) == SQLITE_ROW;
}

/*
 * sqlite3_prepare_v2 of @sql once its {op.X} and {copy.X} placeholders are
 * expanded from the lists (viz_vocab_sql): every query of viz/ goes through
 * here, so none spells an op or a copy kind.  An unknown placeholder is an
 * error, as an SQL typo would be.
 */
static int
prepare_vocab(sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
	g_autofree char *text = viz_vocab_sql(sql);
	if (!text)
		return SQLITE_ERROR;
	return sqlite3_prepare_v2(db, text, -1, st, NULL);
}

sqlite3_stmt *
vizdb_prepare(sqlite3 *db, const char *sql, GError **error)
{
	sqlite3_stmt *st = NULL;
	if (prepare_vocab(db, sql, &st) != SQLITE_OK) {
		g_set_error(error, VIZ_ERROR, VIZ_ERROR_QUERY, "trace query failed: %s",
			    sqlite3_errmsg(db));
		return NULL;
	}
	return st;
}

int64_t
vizdb_int(sqlite3 *db, const char *sql, int64_t dflt)
{
	g_autoptr(sqlite3_stmt) st = NULL;
	if (prepare_vocab(db, sql, &st) != SQLITE_OK)
		return dflt;
	if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_type(st, 0) == SQLITE_NULL)
		return dflt;
	return sqlite3_column_int64(st, 0);
}

bool
vizdb_apply_views(sqlite3 *db, bool temp, GError **error)
{
	g_autofree char *sql = NULL;
	char *msg = NULL;
	/* views.sql names ops and copy kinds as {op.X}, {copy.X} too */
	g_autofree char *views = viz_vocab_sql(vizdb_views_sql);

	if (!views) {
		g_set_error(error, VIZ_ERROR, VIZ_ERROR_QUERY,
			    "cannot create the trace views: an unknown {op.X} or {copy.X} in "
			    "views.sql");
		return false;
	}
	if (temp) {
		g_auto(GStrv) parts = g_strsplit(views, "CREATE VIEW", -1);
		sql = g_strjoinv("CREATE TEMP VIEW", parts);
	}
	if (sqlite3_exec(db, sql ? sql : views, NULL, NULL, &msg) != SQLITE_OK) {
		g_set_error(error, VIZ_ERROR, VIZ_ERROR_QUERY, "cannot create the trace views: %s",
			    msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return false;
	}
	return true;
}

/* Is @db a netsim trace?  Sets an error naming @path when it is not. */
static bool
vizdb_check(sqlite3 *db, const char *path, GError **error)
{
	g_autoptr(sqlite3_stmt) st = NULL;
	int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		g_set_error(error, VIZ_ERROR, VIZ_ERROR_OPEN,
			    "%s: not a netsim trace database (%s)", path, sqlite3_errmsg(db));
		return false;
	}
	int64_t version = sqlite3_column_int64(st, 0);
	for (int i = 0; trace_tables[i]; i++) {
		if (!vizdb_has_table(db, trace_tables[i])) {
			g_set_error(error, VIZ_ERROR, VIZ_ERROR_OPEN,
				    "%s: not a netsim trace database (it has no '%s' table)", path,
				    trace_tables[i]);
			return false;
		}
	}
	if (version < 1) {
		g_set_error(error, VIZ_ERROR, VIZ_ERROR_OPEN,
			    "%s: not a netsim trace database (schema version %" G_GINT64_FORMAT ")",
			    path, version);
		return false;
	}
	return true;
}

/*
 * Is a netsim run still writing @path?  The writer holds flock(LOCK_EX) on
 * the file while the run goes (trace/trace.c).  Asked before SQLite opens
 * the file: closing our descriptor afterwards would drop SQLite's POSIX
 * locks, which belong to the process, not to the descriptor.
 */
static bool
vizdb_writer_active(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool busy = false;

	if (fd < 0)
		return false;
	if (flock(fd, LOCK_SH | LOCK_NB) != 0)
		busy = errno == EWOULDBLOCK;
	close(fd);
	return busy;
}

/* SQL function netsim_writing(): 1 while a run was writing the trace when it was opened. */
static void
vizdb_sql_writing(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	(void)argv;
	sqlite3_result_int(ctx, sqlite3_user_data(ctx) != NULL);
}

sqlite3 *
vizdb_open(const char *path, GError **error)
{
	g_autoptr(sqlite3) db = NULL;
	bool readonly = false;

	if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
		g_set_error(error, VIZ_ERROR, VIZ_ERROR_OPEN, "%s: no such trace database", path);
		return NULL;
	}
	if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
		g_set_error(error, VIZ_ERROR, VIZ_ERROR_OPEN,
			    "%s: is a directory, not a trace database", path);
		return NULL;
	}
	bool live = vizdb_writer_active(path);
	vizdb_latch_reset();
	/* A plain file path, never a URI ("file:x.db") nor ":memory:". */
	g_autofree char *name =
		g_path_is_absolute(path) ? g_strdup(path) : g_strconcat("./", path, NULL);
	if (sqlite3_open_v2(name, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		g_clear_pointer(&db, sqlite3_close);
		readonly = true;
		if (sqlite3_open_v2(name, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
			g_set_error(error, VIZ_ERROR, VIZ_ERROR_OPEN, "%s: cannot open: %s", path,
				    db ? sqlite3_errmsg(db) : "out of memory");
			return NULL;
		}
	}
	sqlite3_busy_timeout(db, VIZDB_BUSY_MS);
	sqlite3_create_function(db, "netsim_writing", 0, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
				live ? (void *)db : NULL, vizdb_sql_writing, NULL, NULL);
	/* A run creates the file a moment before its tables: wait for them. */
	for (int i = 0; live && i < VIZDB_BUSY_MS / 10 && !vizdb_has_table(db, "run"); i++)
		sqlite3_sleep(10);
	if (!vizdb_check(db, path, error)) {
		/* "not a netsim trace" only when SQLite did not say the file is broken */
		int code = vizdb_latch.code & 0xff;
		if (code == SQLITE_CORRUPT || code == SQLITE_IOERR)
			vizdb_verify(db, error);
		return NULL;
	}
	/* A read-only file, one another process holds locked, or a trace a run
	 * is writing (never write into it): TEMP views. */
	if (live || !vizdb_apply_views(db, readonly, NULL)) {
		if (!vizdb_apply_views(db, true, error))
			return NULL;
	}
	/* Every query from here on sees one snapshot: the batches committed so far. */
	char *msg = NULL;
	if (sqlite3_exec(db, "BEGIN; SELECT count(*) FROM run", NULL, NULL, &msg) != SQLITE_OK) {
		g_set_error(error, VIZ_ERROR, VIZ_ERROR_OPEN, "%s: cannot read: %s", path,
			    msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return NULL;
	}
	/* The tries above may fail on purpose (a read-only file); damage may not. */
	if (vizdb_damage_code(vizdb_latch.code)) {
		vizdb_verify(db, error);
		return NULL;
	}
	vizdb_latch_reset();
	if (live)
		fprintf(stderr,
			"netsim: %s: a run is still writing this trace; showing what it has "
			"committed so far\n",
			path);
	return g_steal_pointer(&db);
}

bool
vizdb_skb_exists(sqlite3 *db, int64_t skb)
{
	g_autoptr(sqlite3_stmt) st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM skb_events WHERE skb = ? LIMIT 1", -1, &st,
			       NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_int64(st, 1, skb);
	return sqlite3_step(st) == SQLITE_ROW;
}

/* One integer answer to a query with one integer parameter; -1 if none. */
static int64_t
query_int1(sqlite3 *db, const char *sql, int64_t arg)
{
	g_autoptr(sqlite3_stmt) st = NULL;
	if (prepare_vocab(db, sql, &st) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, arg);
	if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_type(st, 0) == SQLITE_NULL)
		return -1;
	return sqlite3_column_int64(st, 0);
}

/* The skb @skb was made from, by a clone or a copy, or received from over a wire; -1. */
static int64_t
journey_parent(sqlite3 *db, int64_t skb)
{
	int64_t parent =
		query_int1(db,
			   "SELECT skb FROM skb_events WHERE other = ?1 AND skb <> ?1 AND"
			   " (op = {op.CLONE} OR (op = {op.COPY} AND copy_kind = {copy.SKB_COPY}))"
			   " ORDER BY seq LIMIT 1",
			   skb);
	if (parent > 0)
		return parent;
	return query_int1(db,
			  "SELECT other FROM skb_events WHERE skb = ?1 AND op = {op.WIRE} AND"
			  " func = 'rx' AND other > 0 LIMIT 1",
			  skb);
}

static bool
journey_has(const GArray *out, int64_t skb)
{
	for (guint i = 0; i < out->len; i++)
		if (g_array_index(out, int64_t, i) == skb)
			return true;
	return false;
}

/*
 * The lineage of a packet: first the skbs @skb was made from (a TCP
 * segment's clone comes from the write queue's skb, which the user's write
 * filled; a received frame from the sender's skb), then @skb and where its
 * bytes went: over a wire, into a clone or a copy (an ICMP reply, a
 * fragment, a reassembled datagram).  E.g. a TCP segment: the write queue's
 * skb 528, its clone 529 sent by alice, skb 3 on bob that received it.
 */
void
vizdb_journey(sqlite3 *db, int64_t skb, GArray *out)
{
	int64_t start = skb;
	for (int hops = 0; hops < 32; hops++) {
		int64_t parent = journey_parent(db, start);
		if (parent <= 0 || journey_has(out, parent) || parent == skb)
			break;
		g_array_prepend_val(out, parent);
		start = parent;
	}
	for (int hops = 0; skb > 0 && hops < 32; hops++) {
		if (journey_has(out, skb))
			return; /* a loop: never follow it twice */
		g_array_append_val(out, skb);
		int64_t next = query_int1(
			db,
			"SELECT rx_skb FROM wire_hops WHERE tx_skb = ?1 AND rx_skb IS NOT NULL "
			"ORDER BY tx_ns LIMIT 1",
			skb);
		if (next > 0) {
			skb = next;
			continue;
		}
		if (query_int1(
			    db,
			    "SELECT 1 FROM skb_events WHERE skb = ?1 AND op = {op.WIRE} AND func = "
			    "'tx'"
			    " LIMIT 1",
			    skb) > 0)
			return; /* sent, never received: lost on the way */
		/* Not sent itself: a clone or a copy of it may have been. */
		next = query_int1(
			db,
			"SELECT c.other FROM skb_events c WHERE c.skb = ?1 AND c.other > 0 AND "
			"(c.op = {op.CLONE} OR (c.op = {op.COPY} AND c.copy_kind = "
			"{copy.SKB_COPY})) "
			"ORDER BY EXISTS (SELECT 1 FROM skb_events w WHERE w.skb = c.other "
			"AND w.op = {op.WIRE}) DESC, c.seq LIMIT 1",
			skb);
		skb = next;
	}
}

/* Parses ADDR or ADDR:PORT into @addr (dotted quad) and @port (-1: none,
 * VIZ_PORT_ANY for "*": whatever port the trace shows). */
static bool
parse_endpoint(const char *s, bool want_port, char addr[16], int *port)
{
	g_auto(GStrv) parts = g_strsplit(s, ":", 2);
	unsigned a, b, c, d;
	char tail;

	if (!parts[0] || sscanf(parts[0], "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4 || a > 255 ||
	    b > 255 || c > 255 || d > 255)
		return false;
	snprintf(addr, 16, "%u.%u.%u.%u", a, b, c, d);
	*port = -1;
	if (!want_port)
		return parts[1] == NULL;
	if (!parts[1])
		return false;
	if (strcmp(parts[1], "*") == 0) {
		*port = VIZ_PORT_ANY;
		return true;
	}
	guint64 p;
	if (!g_ascii_string_to_unsigned(parts[1], 10, 0, 65535, &p, NULL))
		return false;
	*port = (int)p;
	return true;
}

/* Fill "*" ports from the first packet of the trace that matches the rest. */
static bool
flow_resolve(sqlite3 *db, struct viz_flow *f, const char *spec, GError **error)
{
	if (f->sport != VIZ_PORT_ANY && f->dport != VIZ_PORT_ANY)
		return true;
	g_autoptr(sqlite3_stmt) st = vizdb_prepare(
		db,
		"SELECT sport, dport FROM packets WHERE proto = ?1 AND saddr = ?2 AND daddr = ?3"
		" AND (?4 < 0 OR sport = ?4) AND (?5 < 0 OR dport = ?5) ORDER BY time_ns, skb "
		"LIMIT 1",
		error);
	if (!st)
		return false;
	sqlite3_bind_text(st, 1, f->proto, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, f->saddr, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, f->daddr, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 4, f->sport);
	sqlite3_bind_int(st, 5, f->dport);
	if (sqlite3_step(st) != SQLITE_ROW) {
		g_set_error(error, VIZ_ERROR, VIZ_ERROR_NOT_FOUND,
			    "flow '%s': no %s packet from %s to %s matches in the trace", spec,
			    f->proto, f->saddr, f->daddr);
		return false;
	}
	f->sport = sqlite3_column_int(st, 0);
	f->dport = sqlite3_column_int(st, 1);
	return true;
}

bool
vizdb_flow_parse(sqlite3 *db, const char *spec, struct viz_flow *out, GError **error)
{
	struct viz_flow f = { 0 };
	const char *colon = strchr(spec, ':');
	const char *how = "expected tcp:ADDR:PORT-ADDR:PORT, udp:ADDR:PORT-ADDR:PORT or "
			  "icmp:ADDR-ADDR, e.g. tcp:10.0.0.1:40000-10.0.0.2:80 (a port may be *)";

	if (!colon || colon - spec >= (long)sizeof f.proto) {
		g_set_error(error, VIZ_ERROR, VIZ_ERROR_ARG, "flow '%s': %s", spec, how);
		return false;
	}
	memcpy(f.proto, spec, (size_t)(colon - spec));
	bool ports = strcmp(f.proto, "tcp") == 0 || strcmp(f.proto, "udp") == 0;
	if (!ports && strcmp(f.proto, "icmp") != 0) {
		g_set_error(error, VIZ_ERROR, VIZ_ERROR_ARG, "flow '%s': unknown protocol '%s'; %s",
			    spec, f.proto, how);
		return false;
	}
	g_auto(GStrv) ends = g_strsplit(colon + 1, "-", 2);
	if (!ends[0] || !ends[1] || !parse_endpoint(ends[0], ports, f.saddr, &f.sport) ||
	    !parse_endpoint(ends[1], ports, f.daddr, &f.dport)) {
		g_set_error(error, VIZ_ERROR, VIZ_ERROR_ARG, "flow '%s': %s", spec, how);
		return false;
	}
	if (db && !flow_resolve(db, &f, spec, error))
		return false;
	*out = f;
	return true;
}

char *
vizdb_flow_describe(const struct viz_flow *f)
{
	if (f->sport < 0)
		return g_strdup_printf("%s %s -> %s", f->proto, f->saddr, f->daddr);
	return g_strdup_printf("%s %s:%d -> %s:%d", f->proto, f->saddr, f->sport, f->daddr,
			       f->dport);
}

/* Binds the flow (or its reverse) to ?1..?5 of a statement over packets. */
static void
bind_flow(sqlite3_stmt *st, const struct viz_flow *f, bool reverse)
{
	sqlite3_bind_text(st, 1, f->proto, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, reverse ? f->daddr : f->saddr, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, reverse ? f->saddr : f->daddr, -1, SQLITE_TRANSIENT);
	int sp = reverse ? f->dport : f->sport, dp = reverse ? f->sport : f->dport;
	if (sp >= 0) {
		sqlite3_bind_int(st, 4, sp);
		sqlite3_bind_int(st, 5, dp);
	} else {
		sqlite3_bind_null(st, 4);
		sqlite3_bind_null(st, 5);
	}
}

#define FLOW_WHERE "proto = ?1 AND saddr = ?2 AND daddr = ?3 AND sport IS ?4 AND dport IS ?5"

int64_t
vizdb_flow_sender(sqlite3 *db, const struct viz_flow *f, bool reverse)
{
	g_autoptr(sqlite3_stmt) st = NULL;
	if (sqlite3_prepare_v2(db,
			       "SELECT host FROM packets WHERE " FLOW_WHERE
			       " ORDER BY time_ns, skb LIMIT 1",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	bind_flow(st, f, reverse);
	return sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
}

bool
vizdb_flow_nth(sqlite3 *db, const struct viz_flow *f, int nth, int64_t *skb, GError **error)
{
	g_autofree char *what = vizdb_flow_describe(f);
	bool tcp = strcmp(f->proto, "tcp") == 0;
	const char *kind = tcp ? "data segment" : "packet";
	g_autoptr(sqlite3_stmt) st = NULL;
	int64_t sender = vizdb_flow_sender(db, f, false);

	if (nth < 1) {
		g_set_error(error, VIZ_ERROR, VIZ_ERROR_ARG, "--nth %d: counting starts at 1", nth);
		return false;
	}
	if (sender < 0) {
		g_set_error(
			error, VIZ_ERROR, VIZ_ERROR_NOT_FOUND,
			"flow %s: no packet of it in the trace (the packets table is written at "
			"trace level full)",
			what);
		return false;
	}
	st = vizdb_prepare(db,
			   tcp ? "SELECT skb, count(*) OVER () FROM packets WHERE " FLOW_WHERE
				 " AND host = ?6 AND payload > 0 ORDER BY time_ns, skb"
			       : "SELECT skb, count(*) OVER () FROM packets WHERE " FLOW_WHERE
				 " AND host = ?6 ORDER BY time_ns, skb",
			   error);
	if (!st)
		return false;
	bind_flow(st, f, false);
	sqlite3_bind_int64(st, 6, sender);
	int64_t count = 0;
	for (int i = 1; sqlite3_step(st) == SQLITE_ROW; i++) {
		count = sqlite3_column_int64(st, 1);
		if (i == nth) {
			*skb = sqlite3_column_int64(st, 0);
			return true;
		}
	}
	g_set_error(error, VIZ_ERROR, VIZ_ERROR_NOT_FOUND,
		    "flow %s: asked for %s %d, but it has %" G_GINT64_FORMAT " %s%s", what, kind,
		    nth, count, kind, count == 1 ? "" : "s");
	return false;
}
