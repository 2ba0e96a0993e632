/*
 * viz/show.c - netsim show: the run summary and the life of one skb.
 *
 * Every answer is a query on the trace database (trace/schema.sql, the
 * views of viz/views.sql) turned into tables (viz/table.h).  The summary
 * reads whatever the trace level left: skb_events and packets (full),
 * counters and cpu_total (summary), and falls back to cpu_busy when a
 * killed run never wrote cpu_total.
 *
 * Position: cli/netsim.c -> show_main -> viz/vizdb.c -> SQLite.
 */
#include "viz/show.h"
#include "viz/step.h"

#include <stdio.h>
#include <string.h>

#include "viz/draw.h"
#include "viz/vizdb.h"

enum { SHOW_OK = 0, SHOW_BAD_INPUT = 2 };

/* A section of the output: a table with a key for JSON and CSV. */
struct section {
	const char *key;
	struct table *t;
};

static void
sections_print(GPtrArray *secs, enum table_format fmt, GString *out)
{
	if (fmt == TABLE_JSON)
		g_string_append(out, "{");
	for (guint i = 0; i < secs->len; i++) {
		struct section *s = g_ptr_array_index(secs, i);
		if (fmt == TABLE_JSON)
			g_string_append_printf(out, "%s\n\"%s\": ", i ? "," : "", s->key);
		else if (fmt == TABLE_CSV)
			g_string_append_printf(out, "%s# %s\n", i ? "\n" : "", s->key);
		else if (i)
			g_string_append_c(out, '\n');
		table_print(s->t, fmt, out);
	}
	if (fmt == TABLE_JSON)
		g_string_append(out, "\n}\n");
}

static void
section_free(gpointer p)
{
	struct section *s = p;
	table_free(s->t);
	g_free(s);
}

/* Runs @sql and adds its rows as a section; the columns of @cols in order. */
static bool
add_query(sqlite3 *db, GPtrArray *secs, const char *key, const char *title, const char *const *cols,
	  const char *sql, GError **error)
{
	g_autoptr(sqlite3_stmt) st = vizdb_prepare(db, sql, error);
	if (!st)
		return false;
	struct section *s = g_new0(struct section, 1);
	s->key = key;
	s->t = table_new(title, cols);
	g_ptr_array_add(secs, s);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		table_add_stmt_row(s->t, st);
	if (rc != SQLITE_DONE) {
		g_set_error(error, VIZ_ERROR, VIZ_ERROR_QUERY, "trace query failed: %s",
			    sqlite3_errmsg(db));
		return false;
	}
	return true;
}

static const char *const run_cols[] = { "scenario", "level",  "seed:n", "duration_ms:n",
					"finished", "netsim", NULL };
static const char run_sql[] = "SELECT scenario, level, seed, printf('%.3f', duration_ns / 1e6),"
			      " CASE WHEN finished = 1 THEN 'yes' WHEN netsim_writing() THEN 'no "
			      "(in progress)' ELSE 'no (killed or failed)' END, version FROM run";

static const char *const host_cols[] = {
	"id:n",	    "host",	      "skbs:n", "frames_sent:n", "frames_received:n", "dropped:n",
	"copies:n", "bytes_copied:n", NULL
};
static const char host_sql[] =
	"SELECT h.id, h.name, coalesce(e.skbs, 0), coalesce(e.tx, 0), coalesce(e.rx, 0),"
	" coalesce(e.drops, 0), coalesce(e.copies, 0), coalesce(e.copied, 0)"
	" FROM hosts h LEFT JOIN (SELECT host, sum(op = {op.ALLOC}) AS skbs,"
	"  sum(op = {op.WIRE} AND func = 'tx') AS tx, sum(op = {op.WIRE} AND func = 'rx') AS rx,"
	"  sum(op = {op.DROP}) AS drops,"
	"  sum(op = {op.COPY}) AS copies,"
	"  sum(CASE WHEN op = {op.COPY}"
	"      THEN bytes ELSE 0 END) AS copied"
	"  FROM skb_events GROUP BY host) e ON e.host = h.id ORDER BY h.id";

static const char *const pkt_cols[] = { "host", "proto", "packets:n", "payload_bytes:n", NULL };
static const char pkt_sql[] =
	"SELECT h.name, p.proto, count(*), sum(p.payload) FROM packets p"
	" JOIN hosts h ON h.id = p.host GROUP BY p.host, p.proto ORDER BY p.host, p.proto";

static const char *const drop_cols[] = { "host", "reason", "place", "drops:n", "source", NULL };
static const char drop_sql[] =
	"SELECT host, reason, layer || ' layer', drops, 'skb trace' FROM drops"
	" UNION ALL"
	" SELECT h.name, substr(c.name, 6), coalesce(c.place, '-'), c.value, 'counter'"
	" FROM counters c JOIN hosts h ON h.id = c.host"
	" WHERE c.name LIKE 'drop.%' AND c.value > 0"
	" ORDER BY 1, 4 DESC";

static const char *const nf_cols[] = { "host", "rule", "pkts:n", "bytes:n", NULL };
/* Per-rule counters of the packet filter (stack/ip_tables.c), as iptables -L -v. */
static const char nf_sql[] = "SELECT h.name, p.place, p.value, coalesce(b.value, 0) FROM counters p"
			     " JOIN hosts h ON h.id = p.host"
			     " LEFT JOIN counters b ON b.host = p.host AND b.place = p.place"
			     "  AND b.name = 'netfilter.rule_bytes'"
			     " WHERE p.name = 'netfilter.rule_pkts' ORDER BY p.host, p.rowid";

static const char *const sc_cols[] = { "host", "call", "entry", "calls:n", NULL };
/* System calls by entry (stack/socketcall.c): direct, or through sys_socketcall. */
static const char sc_sql[] =
	"WITH c AS (SELECT host, substr(name, 9) AS rest, value FROM counters"
	"  WHERE name LIKE 'syscall.%')"
	" SELECT h.name, substr(rest, 1, instr(rest, '.') - 1), substr(rest, instr(rest, '.') + 1),"
	" value FROM c JOIN hosts h ON h.id = c.host ORDER BY c.host, rest";

static const char *const cons_cols[] = { "book", "figure", "value:n", NULL };
/* The conservation check of netsim run (cli/conserve.c), as recorded. */
static const char cons_sql[] =
	"SELECT CASE WHEN name LIKE 'conservation.skbs%' THEN 'skbs' ELSE 'frames' END,"
	" substr(name, instr(name, '_') + 1), value FROM counters"
	" WHERE name LIKE 'conservation.%' AND place = 'world' ORDER BY rowid";

static const char *const cpu_cols[] = { "host",	     "hardirq_ms:n", "softirq_ms:n",
					"task_ms:n", "busy_pct:n",   NULL };
/* cpu_total is written at close; a killed run only has cpu_busy. */
static const char cpu_sql[] =
	"WITH t AS (SELECT host, ctx, busy_ns FROM cpu_total"
	"  UNION ALL SELECT host, ctx, end_ns - start_ns FROM cpu_busy"
	"  WHERE NOT EXISTS (SELECT 1 FROM cpu_total))"
	" SELECT h.name,"
	"  printf('%.3f', coalesce(sum(CASE t.ctx WHEN 'hardirq' THEN busy_ns END), 0) / 1e6),"
	"  printf('%.3f', coalesce(sum(CASE t.ctx WHEN 'softirq' THEN busy_ns END), 0) / 1e6),"
	"  printf('%.3f', coalesce(sum(CASE t.ctx WHEN 'task' THEN busy_ns END), 0) / 1e6),"
	"  CASE WHEN (SELECT duration_ns FROM run) > 0"
	"   THEN printf('%.1f', sum(busy_ns) * 100.0 / (SELECT duration_ns FROM run)) END"
	" FROM t JOIN hosts h ON h.id = t.host GROUP BY t.host ORDER BY t.host";

static const char *const cpus_cols[] = {
	"host", "cpu:n", "hardirq_ms:n", "softirq_ms:n", "task_ms:n", "busy_pct:n", NULL
};
/*
 * Per CPU of a host with several ([host] cpus = N): the figures
 * HOST.cpuK.CTX_ns the run wrote to counters at close (only for N > 1);
 * busy_pct is of that one CPU's time.  The sum over a host's CPUs is its
 * row of cpu_sql.
 */
static const char cpus_sql[] =
	"WITH t AS (SELECT host, CAST(substr(name, 4, instr(name, '.') - 4) AS INTEGER) AS cpu,"
	"  substr(name, instr(name, '.') + 1) AS fig, value FROM counters"
	"  WHERE place = 'run' AND name GLOB 'cpu[0-9]*.*_ns')"
	" SELECT h.name, t.cpu,"
	"  printf('%.3f', coalesce(sum(CASE fig WHEN 'hardirq_ns' THEN value END), 0) / 1e6),"
	"  printf('%.3f', coalesce(sum(CASE fig WHEN 'softirq_ns' THEN value END), 0) / 1e6),"
	"  printf('%.3f', coalesce(sum(CASE fig WHEN 'task_ns' THEN value END), 0) / 1e6),"
	"  CASE WHEN (SELECT duration_ns FROM run) > 0"
	"   THEN printf('%.1f', sum(value) * 100.0 / (SELECT duration_ns FROM run)) END"
	" FROM t JOIN hosts h ON h.id = t.host GROUP BY t.host, t.cpu ORDER BY t.host, t.cpu";

/* Shown when a host has several CPUs (their figures are in counters). */
static bool
show_has_cpus(sqlite3 *db)
{
	g_autoptr(sqlite3_stmt) st = NULL;
	if (sqlite3_prepare_v2(db,
			       "SELECT 1 FROM counters WHERE place = 'run'"
			       " AND name GLOB 'cpu[0-9]*.*_ns'",
			       -1, &st, NULL) != SQLITE_OK)
		return false;
	return sqlite3_step(st) == SQLITE_ROW;
}

static const char *const task_cols[] = { "host",      "task",	       "name", "cpu_ms:n",
					 "cpu_pct:n", "switches_in:n", NULL };
/*
 * Per task: task_total is written at close; a killed run has only the
 * cpu_busy rows (full level), whose tasks have no names there.
 */
static const char task_sql[] =
	"WITH t AS (SELECT host, task, name, cpu_ns, switches_in FROM task_total"
	"  UNION ALL SELECT host, task, 'task ' || task, sum(end_ns - start_ns), NULL"
	"  FROM cpu_busy WHERE task IS NOT NULL AND NOT EXISTS (SELECT 1 FROM task_total)"
	"  GROUP BY host, task)"
	" SELECT h.name, t.task, t.name, printf('%.3f', t.cpu_ns / 1e6),"
	"  CASE WHEN (SELECT duration_ns FROM run) > 0"
	"   THEN printf('%.1f', t.cpu_ns * 100.0 / (SELECT duration_ns FROM run)) END,"
	"  t.switches_in"
	" FROM t JOIN hosts h ON h.id = t.host WHERE t.cpu_ns > 0 ORDER BY t.host, t.cpu_ns DESC";

/* True when the run had packet-filter rules (only then is their section shown). */
static bool
show_has_rules(sqlite3 *db)
{
	g_autoptr(sqlite3_stmt) st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM counters WHERE name = 'netfilter.rule_pkts'", -1,
			       &st, NULL) != SQLITE_OK)
		return false;
	return sqlite3_step(st) == SQLITE_ROW;
}

/* Shown when a host entered socket calls through sys_socketcall. */
static bool
show_has_socketcall(sqlite3 *db)
{
	g_autoptr(sqlite3_stmt) st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM counters WHERE name LIKE 'syscall.%.socketcall'",
			       -1, &st, NULL) != SQLITE_OK)
		return false;
	return sqlite3_step(st) == SQLITE_ROW;
}

bool
show_summary(sqlite3 *db, enum table_format fmt, GString *out, GError **error)
{
	g_autoptr(GPtrArray) secs = g_ptr_array_new_with_free_func(section_free);
	bool have_cc = vizdb_has_table(db, "counters") && vizdb_has_table(db, "cpu_total") &&
		vizdb_has_table(db, "cpu_busy");

	if (!add_query(db, secs, "run", "Run", run_cols, run_sql, error) ||
	    !add_query(db, secs, "hosts",
		       "Hosts (skbs allocated, frames on the wire, drops, copies)", host_cols,
		       host_sql, error) ||
	    !add_query(db, secs, "packets", "Packets by protocol, on the host that recorded them",
		       pkt_cols, pkt_sql, error))
		return false;
	if (have_cc &&
	    (!add_query(db, secs, "drops", "Drops by reason and place", drop_cols, drop_sql,
			error) ||
	     (show_has_rules(db) &&
	      !add_query(db, secs, "netfilter", "Netfilter rule hits (iptables -L -v)", nf_cols,
			 nf_sql, error)) ||
	     (show_has_socketcall(db) &&
	      !add_query(db, secs, "syscalls",
			 "System calls by entry (direct, or through sys_socketcall)", sc_cols,
			 sc_sql, error)) ||
	     !add_query(db, secs, "cpu", "CPU time by context (ms of virtual time)", cpu_cols,
			cpu_sql, error) ||
	     (show_has_cpus(db) &&
	      !add_query(
		      db, secs, "cpus",
		      "CPU time by CPU and context, hosts with several CPUs (ms of virtual time)",
		      cpus_cols, cpus_sql, error)) ||
	     (vizdb_has_table(db, "task_total") &&
	      !add_query(db, secs, "tasks",
			 "CPU time by task (ms of virtual time; with the context switches into it)",
			 task_cols, task_sql, error)) ||
	     !add_query(
		     db, secs, "conservation",
		     "Conservation: skbs allocated = consumed + dropped + queued (+ unaccounted);"
		     " frames sent = delivered + lost + in flight",
		     cons_cols, cons_sql, error)))
		return false;
	sections_print(secs, fmt, out);
	return true;
}

/* The journey's skb ids as "42, 57, 63". */
static char *
journey_text(GArray *skbs)
{
	GString *s = g_string_new(NULL);
	for (guint i = 0; i < skbs->len; i++)
		g_string_append_printf(s, "%s%" G_GINT64_FORMAT, i ? ", " : "",
				       g_array_index(skbs, int64_t, i));
	return g_string_free(s, FALSE);
}

/* "udp 10.0.0.1:40000 -> 10.0.0.2:9, 100 B payload" for the first skb with packet info. */
static char *
packet_text(sqlite3 *db, GArray *skbs)
{
	g_autoptr(sqlite3_stmt) st = NULL;
	if (sqlite3_prepare_v2(
		    db,
		    "SELECT proto || ' ' || coalesce(saddr, '?') || coalesce(':' || sport, '') || "
		    "' -> '"
		    " || coalesce(daddr, '?') || coalesce(':' || dport, '')"
		    " || coalesce(' [' || tcp_flags || ']', '') || coalesce(' seq ' || seq, '')"
		    " || ', ' || payload || ' B payload' FROM packets WHERE skb = ?",
		    -1, &st, NULL) != SQLITE_OK)
		return NULL;
	for (guint i = 0; i < skbs->len; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, g_array_index(skbs, int64_t, i));
		if (sqlite3_step(st) == SQLITE_ROW)
			return g_strdup((const char *)sqlite3_column_text(st, 0));
	}
	return NULL;
}

/* Columns of one skb's life.  The text table spells the operation out. */
static const char *const skb_text_cols[] = {
	"skb:n",      "time_us:n", "host",     "context",	    "layer", "operation", "queue",
	"data_off:n", "len:n",	   "copied:n", "head [buffer] end", NULL
};
static const char skb_text_sql[] =
	"SELECT skb, printf('%.3f', time_ns / 1e3), host, ctx, layer,"
	" step_what(op, func, bytes, copy_kind, other, dataref, reason, end_off),"
	" step_where(op, queue, qlen),"
	" data_off, CASE WHEN op = {op.ALLOC} THEN NULL ELSE len END,"
	" CASE WHEN op = {op.COPY} THEN bytes END,"
	" skb_bar(data_off, tail_off, end_off, mac_off, net_off, trans_off)"
	" FROM packet_path WHERE skb IN (SELECT value FROM json_each(?1)) ORDER BY seq";
static const char *const skb_raw_cols[] = { "skb:n",	 "seq:n",      "time_ns:n",   "host",
					    "ctx",	 "layer",      "op",	      "func",
					    "queue",	 "qlen:n",     "data_off:n",  "len:n",
					    "bytes:n",	 "copy_kind",  "reason",      "other:n",
					    "step:n",	 "tail_off:n", "end_off:n",   "buf_size:n",
					    "mac_off:n", "net_off:n",  "trans_off:n", "data_id:n",
					    "dataref:n", "operation",  "queue_text",  NULL };
static const char skb_raw_sql[] =
	"SELECT skb, seq, time_ns, host, ctx, layer, op, func, queue, qlen, data_off, len, bytes,"
	" copy_kind, reason, other, step, tail_off, end_off, buf_size, mac_off, net_off, trans_off,"
	" data_id, dataref,"
	" step_what(op, func, bytes, copy_kind, other, dataref, reason, end_off),"
	" step_where(op, queue, qlen)"
	" FROM packet_path WHERE skb IN (SELECT value FROM json_each(?1)) ORDER BY seq";

/*
 * skb_bar(data, tail, end, mac, net, trans): the buffer from head to end as
 * SHOW_BAR_WIDTH characters, headroom '-', data '#', tailroom '.', with the
 * mac, network and transport header offsets marked M, N, T; NULL for a row
 * without pointers.  E.g. a 1576-byte TCP buffer after the IP push, data
 * at 76, tail at 216:  "-MNT##......................."  (scaled).
 */
#define SHOW_BAR_WIDTH 50

static int
bar_pos(int64_t off, int64_t end)
{
	return (int)((off * SHOW_BAR_WIDTH + end / 2) / end);
}

static void
skb_bar_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	int64_t v[6];
	for (int i = 0; i < argc && i < 6; i++)
		v[i] = sqlite3_value_type(argv[i]) == SQLITE_NULL ? -1
								  : sqlite3_value_int64(argv[i]);
	if (argc != 6 || v[0] < 0 || v[1] < v[0] || v[2] < v[1] || v[2] <= 0) {
		sqlite3_result_null(ctx);
		return;
	}
	char bar[SHOW_BAR_WIDTH + 3];
	int d = bar_pos(v[0], v[2]), t = bar_pos(v[1], v[2]);
	if (v[1] > v[0] && t == d)
		t = MIN(d + 1, SHOW_BAR_WIDTH); /* a little data still shows */
	bar[0] = '[';
	for (int i = 0; i < SHOW_BAR_WIDTH; i++)
		bar[1 + i] = i < d ? '-' : i < t ? '#' : '.';
	static const char marks[] = "MNT";
	for (int h = 0; h < 3; h++)
		if (v[3 + h] >= 0)
			bar[1 + MIN(bar_pos(v[3 + h], v[2]), SHOW_BAR_WIDTH - 1)] = marks[h];
	bar[SHOW_BAR_WIDTH + 1] = ']';
	bar[SHOW_BAR_WIDTH + 2] = '\0';
	sqlite3_result_text(ctx, bar, -1, SQLITE_TRANSIENT);
}

/*
 * " (CPU 2: user_to_skb 1, skb_to_user 1; DMA 2: dma_to_dev 1, dma_from_dev
 * 1)": the copies on the lineage @json_ids by kind, CPU copies first.  A
 * copy into another skb counts only when that skb carries the packet on.
 */
static char *
copy_kinds_text(sqlite3 *db, const char *json_ids)
{
	g_autofree char *sql = g_strdup_printf(
		"SELECT copy_kind LIKE 'dma%%', copy_kind, count(*) FROM skb_events WHERE skb IN"
		" (SELECT value FROM json_each('%s')) AND op = {op.COPY} AND (other IS NULL"
		" OR other IN (SELECT value FROM json_each('%s'))) GROUP BY 1, 2 ORDER BY 1,"
		" min(seq)",
		json_ids, json_ids);
	g_autoptr(sqlite3_stmt) st = vizdb_prepare(db, sql, NULL);
	if (!st)
		return NULL;
	int64_t n[2] = { 0, 0 };
	GString *part[2] = { g_string_new(NULL), g_string_new(NULL) };
	while (sqlite3_step(st) == SQLITE_ROW) {
		int dma = sqlite3_column_int(st, 0) != 0;
		int64_t k = sqlite3_column_int64(st, 2);
		n[dma] += k;
		g_string_append_printf(part[dma], "%s%s %" G_GINT64_FORMAT,
				       part[dma]->len ? ", " : "",
				       (const char *)sqlite3_column_text(st, 1), k);
	}
	char *s = g_strdup_printf(" (CPU %" G_GINT64_FORMAT "%s%s; DMA %" G_GINT64_FORMAT "%s%s)",
				  n[0], n[0] ? ": " : "", part[0]->str, n[1], n[1] ? ": " : "",
				  part[1]->str);
	g_string_free(part[0], TRUE);
	g_string_free(part[1], TRUE);
	return s;
}

/*
 * With --flow tcp:...: the sender's congestion-control states over the
 * connection, one row per change of tcp_cc.ca_state (Linux's Open,
 * Disorder, CWR, Recovery, Loss; schema 6), with the figures of the row
 * that changed it: cwnd, ssthresh, srtt and rttvar, the pacing rate
 * (Mbit/s; empty before the first RTT sample and in traces before
 * schema 10) and the SACK scoreboard (sacked_out, lost_out, retrans_out,
 * in segments).  NULL when the trace has no such rows.
 */
static const char *const ca_cols[] = { "time_us:n",   "ca_state",      "ca",
				       "cwnd:n",      "ssthresh:n",    "srtt_us:n",
				       "rttvar_us:n", "pacing_mbps:n", "sacked_out:n",
				       "lost_out:n",  "retrans_out:n", NULL };

static struct table *
flow_ca_states(sqlite3 *db, const struct viz_flow *f)
{
	if (!vizdb_has_table(db, "tcp_cc") ||
	    vizdb_int(db,
		      "SELECT count(*) FROM pragma_table_info('tcp_cc') WHERE name = 'ca_state'",
		      0) == 0)
		return NULL;
	g_autofree char *c1 =
		g_strdup_printf("%s:%d>%s:%d", f->saddr, f->sport, f->daddr, f->dport);
	g_autofree char *c2 =
		g_strdup_printf("%s:%d-%s:%d", f->saddr, f->sport, f->daddr, f->dport);
	bool pacing = vizdb_int(db,
				"SELECT count(*) FROM pragma_table_info('tcp_cc')"
				" WHERE name = 'pacing_rate'",
				0) > 0;
	g_autofree char *sql = g_strdup_printf(
		"SELECT printf('%%.3f', time_ns / 1e3), ca_state, ca, cwnd,"
		" CASE WHEN ssthresh >= 2147483647 THEN NULL ELSE ssthresh END,"
		" printf('%%.1f', srtt_ns / 1e3), printf('%%.1f', rttvar_ns / 1e3), %s,"
		" sacked_out, lost_out, retrans_out FROM"
		" (SELECT *, rowid AS r, lag(ca_state) OVER (ORDER BY time_ns, rowid) AS prev"
		"  FROM tcp_cc WHERE conn IN (?1, ?2) AND (?3 < 0 OR host = ?3))"
		" WHERE prev IS NULL OR prev != ca_state ORDER BY time_ns, r",
		pacing ? "CASE WHEN pacing_rate IS NULL THEN NULL"
			 " ELSE printf('%.1f', pacing_rate * 8 / 1e6) END"
		       : "NULL");
	g_autoptr(sqlite3_stmt) st = vizdb_prepare(db, sql, NULL);
	if (!st)
		return NULL;
	sqlite3_bind_text(st, 1, c1, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, c2, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, vizdb_flow_sender(db, f, false));
	g_autofree char *title = g_strdup_printf(
		"congestion control of %s:%d: every change of Linux's CA state (tcp_cc; "
		"ssthresh empty while infinite, the scoreboard in segments)",
		f->saddr, f->sport);
	struct table *t = table_new(title, ca_cols);
	while (sqlite3_step(st) == SQLITE_ROW)
		table_add_stmt_row(t, st);
	if (table_nrows(t) == 0) {
		table_free(t);
		return NULL;
	}
	return t;
}

/* show_skb, and in its format after it the CA-state changes @ca of a TCP
 * flow's sender (text: show_report prints them after the footer) */
static bool
show_skb_with(sqlite3 *db, int64_t skb, const struct table *ca, enum table_format fmt, GString *out,
	      GError **error)
{
	if (!vizdb_skb_exists(db, skb)) {
		int64_t max = vizdb_int(db, "SELECT max(skb) FROM skb_events", 0);
		g_set_error(error, VIZ_ERROR, VIZ_ERROR_NOT_FOUND,
			    max ? "no skb %" G_GINT64_FORMAT
				  " in this trace (skb ids go up to %" G_GINT64_FORMAT ")"
				: "no skb %" G_GINT64_FORMAT
				  " in this trace (it has no skb events: "
				  "was it written at trace level full?)",
			    skb, max);
		return false;
	}
	/* the skbs netsim view steps through: those of the path picture, every
	 * fragment included, so that row K here is its step K */
	g_autoptr(GArray) skbs = g_array_new(FALSE, FALSE, sizeof(int64_t));
	if (!draw_path_skbs(db, skb, NULL, skbs, NULL)) {
		g_array_set_size(skbs, 0);
		vizdb_journey(db, skb, skbs);
	}
	g_autofree char *ids = journey_text(skbs);
	g_autofree char *json_ids = g_strdup_printf("[%s]", ids);
	g_autofree char *what = packet_text(db, skbs);
	bool text = fmt == TABLE_TEXT;
	sqlite3_create_function(db, "skb_bar", 6, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
				skb_bar_fn, NULL, NULL);
	viz_step_register(db); /* the words netsim view uses too */
	g_autoptr(sqlite3_stmt) st = vizdb_prepare(db, text ? skb_text_sql : skb_raw_sql, error);
	if (!st)
		return false;
	sqlite3_bind_text(st, 1, json_ids, -1, SQLITE_STATIC);
	g_autofree char *title = NULL;
	if (text)
		title = g_strdup_printf(
			"skb %" G_GINT64_FORMAT "%s%s%s%s", skb, what ? ": " : "", what ? what : "",
			skbs->len > 1 ? "\n  carried by skbs " : "", skbs->len > 1 ? ids : "");
	struct table *t = table_new(title, text ? skb_text_cols : skb_raw_cols);
	while (sqlite3_step(st) == SQLITE_ROW)
		table_add_stmt_row(t, st);
	if (fmt == TABLE_JSON) {
		g_string_append_printf(
			out, "{\"skb\": %" G_GINT64_FORMAT ", \"skbs\": %s, \"events\": ", skb,
			json_ids);
		table_print(t, fmt, out);
		if (ca) {
			g_string_append(out, ", \"ca_states\": ");
			table_print(ca, fmt, out);
		}
		g_string_append(out, "}\n");
		table_free(t);
		return true;
	}
	table_print(t, fmt, out);
	table_free(t);
	if (ca && fmt == TABLE_CSV) {
		g_string_append(out, "\n# ca_states\n");
		table_print(ca, fmt, out);
	}
	if (text) {
		g_autofree char *sum = g_strdup_printf(
			"SELECT count(*), coalesce(sum(bytes), 0) FROM skb_events WHERE skb IN"
			" (SELECT value FROM json_each('%s')) AND op = {op.COPY} AND (other IS NULL"
			" OR other IN (SELECT value FROM json_each('%s')))",
			json_ids, json_ids);
		int64_t copies = vizdb_int(db, sum, 0);
		g_autofree char *kinds = copy_kinds_text(db, json_ids);
		g_string_append_printf(out,
				       "  data copies along the way: %" G_GINT64_FORMAT
				       "%s (the other operations move pointers)\n",
				       copies, kinds ? kinds : "");
		/* netsim view numbers its steps as the rows above (viz/view.c) */
		g_string_append_printf(
			out,
			"  step by step in a browser: netsim view DB -o DIR --skb %" G_GINT64_FORMAT
			", then DIR/index.html#skb=%" G_GINT64_FORMAT "&step=K is row K above\n",
			skb, skb);
	}
	return true;
}

bool
show_skb(sqlite3 *db, int64_t skb, enum table_format fmt, GString *out, GError **error)
{
	return show_skb_with(db, skb, NULL, fmt, out, error);
}

bool
show_report(sqlite3 *db, const struct show_options *o, GString *out, GError **error)
{
	int64_t skb = o->skb;
	struct viz_flow f;
	bool tcp_flow = false;
	if (o->flow) {
		if (!vizdb_flow_parse(db, o->flow, &f, error) ||
		    !vizdb_flow_nth(db, &f, o->nth, &skb, error))
			return false;
		if (o->format == TABLE_TEXT) {
			g_autofree char *what = vizdb_flow_describe(&f);
			g_string_append_printf(
				out, "%s: %s %d is skb %" G_GINT64_FORMAT "\n\n", what,
				strcmp(f.proto, "tcp") == 0 ? "data segment" : "packet", o->nth,
				skb);
		}
		tcp_flow = strcmp(f.proto, "tcp") == 0;
	}
	if (skb > 0) {
		struct table *ca = tcp_flow ? flow_ca_states(db, &f) : NULL;
		bool ok = show_skb_with(db, skb, ca, o->format, out, error);
		if (ok && ca && o->format == TABLE_TEXT) {
			g_string_append(out, "\n");
			table_print(ca, TABLE_TEXT, out);
		}
		if (ca)
			table_free(ca);
		return ok;
	}
	return show_summary(db, o->format, out, error);
}

int
show_main(int argc, char **argv)
{
	gint64 skb = G_MININT64; /* not given */
	gint nth = 1;
	g_autofree char *flow = NULL, *format = NULL;
	const GOptionEntry entries[] = {
		{ "skb", 0, 0, G_OPTION_ARG_INT64, &skb, "Show the life of skb N", "N" },
		{ "flow", 0, 0, G_OPTION_ARG_STRING, &flow,
		  "Pick a packet of a flow: tcp:ADDR:PORT-ADDR:PORT, udp:... or icmp:ADDR-ADDR (a "
		  "port may be *)",
		  "FLOW" },
		{ "nth", 0, 0, G_OPTION_ARG_INT, &nth,
		  "With --flow: the K-th packet the first endpoint sent (tcp: K-th data segment, "
		  "payload > 0); default 1",
		  "K" },
		{ "format", 'f', 0, G_OPTION_ARG_STRING, &format, "table (default), csv or json",
		  "FMT" },
		{ NULL },
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("DB");
	g_autoptr(GError) error = NULL;
	struct show_options o = { .nth = 1, .format = TABLE_TEXT };

	g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_set_summary(
		ctx,
		"Show what the trace database DB recorded: without options, a summary of the run\n"
		"(hosts, packets, drops by reason and place, CPU time by context); with --skb or\n"
		"--flow, the life of one packet, operation by operation.");
	g_option_context_set_description(
		ctx,
		"Examples:\n"
		"  netsim show out.db\n"
		"  netsim show out.db --skb 42\n"
		"  netsim show out.db --flow tcp:10.0.0.1:40000-10.0.0.2:80 --nth 3\n"
		"  netsim show out.db --skb 42 --format csv\n");
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		fprintf(stderr, "netsim show: %s\n", error->message);
		return SHOW_BAD_INPUT;
	}
	if (argc != 3) {
		fprintf(stderr,
			"netsim show: expected one trace database DB (see 'netsim show --help')\n");
		return SHOW_BAD_INPUT;
	}
	if (format && !table_format_parse(format, &o.format, &error)) {
		fprintf(stderr, "netsim show: %s\n", error->message);
		return SHOW_BAD_INPUT;
	}
	bool skb_given = skb != G_MININT64;
	if (flow && skb_given) {
		fprintf(stderr, "netsim show: give --skb or --flow, not both\n");
		return SHOW_BAD_INPUT;
	}
	if (!skb_given) {
		skb = 0;
	} else if (skb <= 0) {
		/* --skb 0 is a mistake, not a request for the summary */
		fprintf(stderr, "netsim show: --skb %" G_GINT64_FORMAT ": skb ids start at 1\n",
			skb);
		return SHOW_BAD_INPUT;
	}
	o.skb = skb;
	o.flow = flow;
	o.nth = nth;
	g_autoptr(sqlite3) db = vizdb_open(argv[2], &error);
	g_autoptr(GString) out = g_string_new(NULL);
	if (!db || !show_report(db, &o, out, &error) || !vizdb_verify(db, &error)) {
		if (db)
			vizdb_verify(db, &error); /* a damaged file explains a "not found" */
		fprintf(stderr, "netsim show: %s\n", error->message);
		return SHOW_BAD_INPUT;
	}
	fputs(out->str, stdout);
	return SHOW_OK;
}
