/*
 * tests/test_trace.c - the trace recorder (trace/trace.c, trace/trace_rows.c).
 *
 * Rows are checked by SQL queries on the database the recorder wrote: an
 * in-memory one (":memory:") where the run need not end, a file in a
 * temporary directory where closing, overwriting or a killed run matter.
 */
#include "config.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "sim/cpu.h"
#include "sim/sim.h"
#include "trace/trace.h"
#include "trace/trace_int.h" /* TRACE_BATCH_ROWS */

struct fix {
	struct sim *sim;
	struct cpu *cpu;
	struct trace *tr; /* NULL once a test has closed it */
	struct trace_host *h;
	char *dir; /* a temporary directory, removed at teardown */
};

/* ---- helpers ---- */

static int64_t
query_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The first column of the first row as text ("NULL" for a NULL), freed by the caller. */
static char *
query_text(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	char *v;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	const unsigned char *t = sqlite3_column_text(st, 0);
	v = g_strdup(t ? (const char *)t : "NULL");
	sqlite3_finalize(st);
	return v;
}

#define assert_query_text(db, sql, want)                     \
	do {                                                 \
		g_autofree char *got_ = query_text(db, sql); \
		assert_string_equal(got_, want);             \
	} while (0)

static sqlite3 *
open_file_db(const char *path)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	return db;
}

static char *
fix_path(struct fix *f, const char *name)
{
	return g_build_filename(f->dir, name, NULL);
}

/* A trace with one host "a" on a CPU whose busy hook is the recorder's. */
static void
fix_open(struct fix *f, const char *path, enum trace_level level)
{
	GError *error = NULL;

	f->tr = trace_open(path, level, false, &error);
	assert_null(error);
	assert_non_null(f->tr);
	assert_true(trace_begin_run(f->tr, "unit", "[run]\nduration = 1ms\n", 42, "0.1.0", &error));
	assert_null(error);
	f->h = trace_host_add(f->tr, f->sim, f->cpu, "a");
	cpu_set_busy_hook(f->cpu, trace_cpu_busy_hook, f->h);
}

static void
fix_close(struct fix *f, bool finished)
{
	GError *error = NULL;

	assert_true(trace_close(f->tr, finished, &error));
	assert_null(error);
	f->tr = NULL;
	f->h = NULL;
}

static sqlite3 *
fix_db(struct fix *f)
{
	sqlite3 *db = trace_db(f->tr);
	assert_non_null(db);
	return db;
}

static int
setup(void **state)
{
	struct fix *f = g_new0(struct fix, 1);

	f->sim = sim_new(1);
	f->cpu = cpu_new(f->sim, "a");
	f->dir = g_dir_make_tmp("netsim-test-trace-XXXXXX", NULL);
	assert_non_null(f->dir);
	*state = f;
	return 0;
}

static int
setup_full(void **state)
{
	setup(state);
	fix_open(*state, ":memory:", TRACE_FULL);
	return 0;
}

static void
remove_dir(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;

	while (d && (name = g_dir_read_name(d))) {
		g_autofree char *p = g_build_filename(dir, name, NULL);
		g_remove(p);
	}
	if (d)
		g_dir_close(d);
	g_rmdir(dir);
}

static int
teardown(void **state)
{
	struct fix *f = *state;

	if (f->tr)
		fix_close(f, true);
	cpu_set_busy_hook(f->cpu, NULL, NULL);
	assert_int_equal(sim_events_pending(f->sim), 0);
	cpu_free(f->cpu);
	sim_free(f->sim);
	remove_dir(f->dir);
	g_free(f->dir);
	g_free(f);
	return 0;
}

/* Writes @n alloc events for consecutive skbs. */
static void
write_allocs(struct trace_host *h, uint64_t first, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		trace_alloc(h, first + i, "nic", 2048);
}

/* ---- work items for CPU-context tests ---- */

struct handoff_work {
	struct cpu_work work;
	struct trace_host *h;
};

static void
handoff_in_softirq(struct cpu_work *w)
{
	struct handoff_work *hw = (struct handoff_work *)w;
	trace_handoff(hw->h, 7, "ip", "ip_rcv", 14, 50);
}

/* ---- names ---- */

static void
test_trace_op_and_copy_kind_names_are_readable(void **state)
{
	assert_string_equal(trace_op_name(TR_ALLOC), "alloc");
	assert_string_equal(trace_op_name(TR_HANDOFF), "handoff");
	assert_string_equal(trace_op_name(TR_WIRE), "wire");
	assert_string_equal(trace_op_name(TR_ROUTE), "route");
	assert_string_equal(trace_op_name(0), "?");
	assert_string_equal(trace_copy_kind_name(COPY_DMA_FROM_DEV), "dma_from_dev");
	assert_string_equal(trace_copy_kind_name(COPY_USER_TO_SKB), "user_to_skb");
}

static void
test_trace_level_names_round_trip(void **state)
{
	enum trace_level l = TRACE_OFF;

	for (int i = TRACE_OFF; i <= TRACE_FULL; i++) {
		assert_true(trace_level_from_name(trace_level_name(i), &l));
		assert_int_equal(l, i);
	}
	assert_false(trace_level_from_name("verbose", &l));
	assert_int_equal(l, TRACE_FULL);
}

/* ---- no database ---- */

static void
test_trace_null_path_writes_nothing_but_numbers_hosts(void **state)
{
	struct fix *f = *state;
	GError *error = NULL;
	struct trace *tr = trace_open(NULL, TRACE_FULL, false, &error);

	assert_non_null(tr);
	assert_null(trace_db(tr));
	assert_int_equal(trace_level(tr), TRACE_OFF);
	assert_true(trace_begin_run(tr, "x", "", 1, "0", &error));
	struct trace_host *a = trace_host_add(tr, f->sim, f->cpu, "a");
	struct trace_host *b = trace_host_add(tr, f->sim, NULL, "b");
	assert_int_equal(a->id, 1);
	assert_int_equal(b->id, 2);
	assert_false(TRACE_ON(a));
	trace_skb_event(a, TR_ALLOC, 1, "nic", NULL, NULL, -1, 1, 0, COPY_NONE, NULL, 0);
	trace_counter(a, "x", NULL, 1);
	trace_cpu_busy_hook(a, CPU_TASK, "app", 0, 10);
	assert_true(trace_flush(tr, &error));
	assert_int_equal(trace_rows(tr), 0);
	assert_true(trace_close(tr, true, &error));
	assert_null(error);
}

/* ---- skb events ---- */

static void
test_trace_handoff_row_has_time_host_ctx_and_names(void **state)
{
	struct fix *f = *state;
	struct handoff_work hw = { .h = f->h };

	cpu_work_init(&hw.work, handoff_in_softirq, NULL, "net_rx_action");
	cpu_submit(f->cpu, &hw.work, CPU_SOFTIRQ, 500);
	sim_run_until(f->sim, SIM_MS);
	sqlite3 *db = fix_db(f); /* rows written so far, buffered ones too */

	assert_int_equal(query_int(db, "SELECT count(*) FROM skb_events"), 1);
	assert_int_equal(query_int(db, "SELECT time_ns FROM skb_events"), 500);
	assert_int_equal(query_int(db, "SELECT host FROM skb_events"), f->h->id);
	assert_query_text(db, "SELECT ctx FROM skb_events", "softirq");
	assert_query_text(db, "SELECT op FROM skb_events", "handoff");
	assert_query_text(db, "SELECT layer || ':' || func FROM skb_events", "ip:ip_rcv");
	assert_int_equal(query_int(db, "SELECT data_off FROM skb_events WHERE skb = 7"), 14);
	assert_int_equal(query_int(db, "SELECT len FROM skb_events WHERE skb = 7"), 50);
	assert_query_text(db,
			  "SELECT quote(queue) || quote(bytes) || quote(copy_kind) FROM skb_events",
			  "NULLNULLNULL");
}

static void
test_trace_event_outside_cpu_work_is_hw_ctx(void **state)
{
	struct fix *f = *state;

	trace_wire(f->h, 3, "eth0", true, 60, 2);
	assert_query_text(fix_db(f),
			  "SELECT ctx || ' ' || op || ' ' || func || ' ' || queue || ' ' || other "
			  "FROM skb_events",
			  "hw wire rx eth0 2");
}

static void
test_trace_queue_ops_store_qlen_not_bytes(void **state)
{
	struct fix *f = *state;

	trace_enqueue(f->h, 5, "dev", "backlog", 3, 98);
	trace_dequeue(f->h, 5, "dev", "backlog", 2, 98);
	sqlite3 *db = fix_db(f);
	assert_query_text(
		db,
		"SELECT group_concat(op || ':' || queue || ':' || qlen || ':' || quote(bytes), ' ')"
		" FROM skb_events",
		"enqueue:backlog:3:NULL dequeue:backlog:2:NULL");
}

static void
test_trace_push_pull_store_header_bytes_and_offset(void **state)
{
	struct fix *f = *state;

	trace_push(f->h, 9, "eth", 14, 50, 78);
	trace_pull(f->h, 9, "eth", 14, 64, 64);
	assert_query_text(
		fix_db(f),
		"SELECT group_concat(op || ':' || bytes || ':' || data_off || ':' || len, ' ')"
		" FROM skb_events",
		"push:14:50:78 pull:14:64:64");
}

static void
test_trace_copy_and_clone_store_kind_and_bytes(void **state)
{
	struct fix *f = *state;

	trace_copy(f->h, 1, "socket", COPY_USER_TO_SKB, 1000);
	trace_clone(f->h, 1, 2, "tcp");
	trace_skb_event(f->h, TR_COPY, 1, "tcp", NULL, NULL, -1, -1, 1000, COPY_SKB_COPY, NULL, 3);
	sqlite3 *db = fix_db(f);
	assert_query_text(
		db,
		"SELECT group_concat(op || ':' || quote(copy_kind) || ':' || quote(bytes) || ':' ||"
		" quote(other), ' ') FROM skb_events",
		"copy:'user_to_skb':1000:NULL clone:NULL:NULL:2 copy:'skb_copy':1000:3");
}

static void
test_trace_drop_records_reason(void **state)
{
	struct fix *f = *state;

	trace_drop(f->h, 11, "dev", "backlog_full");
	assert_query_text(fix_db(f), "SELECT op || ' ' || reason FROM skb_events WHERE skb = 11",
			  "drop backlog_full");
}

static void
test_trace_seq_follows_call_order(void **state)
{
	struct fix *f = *state;

	trace_alloc(f->h, 1, "nic", 2048);
	trace_free(f->h, 1, "udp");
	trace_alloc(f->h, 2, "nic", 2048);
	assert_query_text(fix_db(f),
			  "SELECT group_concat(skb || op, ',') FROM"
			  " (SELECT skb, op FROM skb_events ORDER BY seq)",
			  "1alloc,1free,2alloc");
}

/* ---- packets ---- */

static void
test_trace_packet_first_record_wins(void **state)
{
	struct fix *f = *state;
	sqlite3 *db = fix_db(f);
	struct trace_pkt_info tcp = {
		.proto = 6,
		.saddr = 0x0a000001,
		.daddr = 0x0a000002,
		.sport = 5000,
		.dport = 80,
		.tcp_flags = 0x12,
		.seq = 100,
		.ack = 200,
		.payload = 0,
	};
	struct trace_pkt_info later = tcp;

	later.payload = 999;
	trace_packet(f->h, 4, &tcp);
	trace_packet(f->h, 4, &later);
	db = fix_db(f); /* the rows made since: trace_db waits for the writer thread */
	assert_int_equal(query_int(db, "SELECT count(*) FROM packets"), 1);
	assert_query_text(db,
			  "SELECT proto || ' ' || saddr || ':' || sport || ' > ' || daddr || ':' ||"
			  " dport || ' ' || tcp_flags || ' ' || seq || ' ' || ack || ' ' || payload"
			  " FROM packets",
			  "tcp 10.0.0.1:5000 > 10.0.0.2:80 S. 100 200 0");
}

static void
test_trace_packet_udp_has_no_tcp_columns(void **state)
{
	struct fix *f = *state;
	struct trace_pkt_info udp = {
		.proto = 17, .saddr = 1, .daddr = 2, .sport = 9, .dport = 7, .payload = 18
	};

	trace_packet(f->h, 8, &udp);
	assert_query_text(fix_db(f),
			  "SELECT proto || quote(tcp_flags) || quote(seq) || saddr FROM packets",
			  "udpNULLNULL0.0.0.1");
}

/* ---- levels and filters ---- */

static void
test_trace_summary_level_keeps_one_packet_row_but_no_skb_events(void **state)
{
	struct fix *f = *state;
	struct trace_pkt_info udp = { .proto = 17 };

	fix_open(f, ":memory:", TRACE_SUMMARY);
	sqlite3 *db = fix_db(f);
	assert_false(TRACE_ON(f->h));
	trace_skb_event(f->h, TR_ALLOC, 1, "nic", NULL, NULL, -1, 1, 0, COPY_NONE, NULL, 0);
	trace_packet(f->h, 1, &udp);
	trace_cpu_busy_hook(f->h, CPU_HARDIRQ, "eth0 irq", 0, 100);
	trace_counter(f->h, "drop.ring_full", "eth0", 3);
	db = fix_db(f);
	assert_int_equal(query_int(db, "SELECT count(*) FROM skb_events"), 0);
	assert_int_equal(query_int(db, "SELECT count(*) FROM packets"), 1);
	assert_int_equal(query_int(db, "SELECT count(*) FROM cpu_busy"), 0);
	assert_int_equal(query_int(db, "SELECT count(*) FROM counters"), 1);
	assert_query_text(db, "SELECT level FROM run", "summary");
}

static void
test_trace_host_filter_lowers_one_host(void **state)
{
	struct fix *f = *state;
	struct trace_host *b = trace_host_add(f->tr, f->sim, NULL, "b");

	trace_host_set_level(b, TRACE_SUMMARY);
	trace_alloc(f->h, 1, "nic", 64);
	trace_alloc(b, 2, "nic", 64);
	trace_host_set_level(b, TRACE_FULL + 1); /* never above the run's level */
	assert_int_equal(b->level, TRACE_FULL);
	assert_int_equal(query_int(fix_db(f), "SELECT group_concat(skb) FROM skb_events"), 1);
	assert_query_text(fix_db(f), "SELECT group_concat(id || name, ',') FROM hosts", "1a,2b");
}

/* ---- CPU time, counters, TCP ---- */

static void
test_trace_cpu_busy_full_writes_intervals_and_totals(void **state)
{
	struct fix *f = *state;
	g_autofree char *path = fix_path(f, "busy.db");

	fix_open(f, path, TRACE_FULL);
	trace_cpu_busy_hook(f->h, CPU_HARDIRQ, "eth0 irq", 0, 100);
	trace_cpu_busy_hook(f->h, CPU_SOFTIRQ, "net_rx_action", 100, 400);
	trace_cpu_busy_hook(f->h, CPU_HARDIRQ, "eth0 irq", 400, 450);
	char *copy = g_strdup("eth0 irq"); /* same name, other pointer: merged at close */
	trace_cpu_busy_hook(f->h, CPU_HARDIRQ, copy, 500, 510);
	assert_int_equal(query_int(fix_db(f), "SELECT count(*) FROM cpu_busy"), 4);
	fix_close(f, true);
	g_free(copy);

	sqlite3 *db = open_file_db(path);
	assert_query_text(
		db,
		"SELECT group_concat(ctx || ':' || name || ':' || busy_ns || ':' || intervals, ' ')"
		" FROM (SELECT * FROM cpu_total ORDER BY ctx)",
		"hardirq:eth0 irq:160:3 softirq:net_rx_action:300:1");
	sqlite3_close(db);
}

static void
task_item_done(struct cpu_work *w)
{
	(void)w;
}

/* Two task items on the fixture's CPU: each cpu_busy row names its task,
 * and at close task_total has each task's name and CPU time, which add up
 * to the task context's rows. */
static void
test_trace_cpu_busy_rows_name_their_task_and_tasks_are_totalled(void **state)
{
	struct fix *f = *state;
	g_autofree char *path = fix_path(f, "tasks.db");

	fix_open(f, path, TRACE_FULL);
	struct cpu_work a, b;
	cpu_work_init(&a, task_item_done, NULL, "a item");
	cpu_work_init(&b, task_item_done, NULL, "b item");
	a.task = 7;
	b.task = 9;
	cpu_task_set_name(f->cpu, 7, "reader");
	cpu_task_set_name(f->cpu, 9, "ksoftirqd/0");
	cpu_submit(f->cpu, &a, CPU_TASK, 300);
	cpu_submit(f->cpu, &b, CPU_TASK, 500);
	sim_run_until(f->sim, SIM_MS);
	fix_close(f, true);

	sqlite3 *db = open_file_db(path);
	assert_int_equal(query_int(db,
				   "SELECT count(*) FROM cpu_busy WHERE ctx = 'task'"
				   " AND task IS NULL"),
			 0);
	assert_int_equal(query_int(db,
				   "SELECT sum(end_ns - start_ns) FROM cpu_busy"
				   " WHERE name = 'a item' AND task = 7"),
			 300);
	assert_query_text(db,
			  "SELECT group_concat(task || ':' || name, ' ') FROM"
			  " (SELECT * FROM task_total WHERE cpu_ns > 0 ORDER BY task)",
			  "7:reader 9:ksoftirqd/0");
	/* sum_exec_runtime: the item and the switch into the task */
	assert_int_equal(query_int(db,
				   "SELECT count(*) FROM task_total t WHERE cpu_ns !="
				   " (SELECT sum(end_ns - start_ns) FROM cpu_busy b"
				   "  WHERE b.task = t.task)"),
			 0);
	assert_int_equal(query_int(db, "PRAGMA user_version"), 11);
	sqlite3_close(db);
}

static void
test_trace_cpu_busy_summary_writes_totals_only(void **state)
{
	struct fix *f = *state;
	g_autofree char *path = fix_path(f, "summary.db");

	fix_open(f, path, TRACE_SUMMARY);
	trace_cpu_busy_hook(f->h, CPU_TASK, "ksoftirqd", 0, 1000);
	fix_close(f, true);

	sqlite3 *db = open_file_db(path);
	assert_int_equal(query_int(db, "SELECT count(*) FROM cpu_busy"), 0);
	assert_int_equal(query_int(db, "SELECT sum(busy_ns) FROM cpu_total WHERE ctx = 'task'"),
			 1000);
	sqlite3_close(db);
}

static void
test_trace_counter_and_tcp_cc_rows(void **state)
{
	struct fix *f = *state;
	sqlite3 *db = fix_db(f);

	sim_run_until(f->sim, 5 * SIM_US);
	trace_counter(f->h, "ip.in_receives", NULL, 12);
	struct trace_tcp_cc cc = {
		.cwnd = 14600,
		.ssthresh = 65535,
		.flight = 2920,
		.srtt = 200 * SIM_US,
		.rto = SIM_S,
		.rttvar = 50 * SIM_US,
		.ca = "cubic",
		.ca_state = "Recovery",
		.sacked_out = 3,
		.lost_out = 2,
		.retrans_out = 1,
	};
	trace_tcp_cc(f->h, "10.0.0.1:1-10.0.0.2:80", &cc);
	db = fix_db(f);
	assert_query_text(db, "SELECT name || quote(place) || value FROM counters",
			  "ip.in_receivesNULL12");
	assert_query_text(
		db,
		"SELECT time_ns || ' ' || cwnd || ' ' || ssthresh || ' ' || flight || ' ' ||"
		" srtt_ns || ' ' || rto_ns || ' ' || rttvar_ns || ' ' || ca || ' ' ||"
		" ca_state || ' ' || sacked_out || ' ' || lost_out || ' ' || retrans_out"
		" FROM tcp_cc",
		"5000 14600 65535 2920 200000 1000000000 50000 cubic Recovery 3 2 1");
}

static void
test_trace_tcp_state_row_names_the_change(void **state)
{
	struct fix *f = *state;

	sim_run_until(f->sim, 7 * SIM_US);
	trace_tcp_state(f->h, "10.0.0.1:1>10.0.0.2:80", "TCP_SYN_SENT", "TCP_ESTABLISHED");
	sqlite3 *db = fix_db(f); /* waits for the writer thread */
	assert_query_text(db,
			  "SELECT time_ns || ' ' || conn || ' ' || old_state || ' ' || new_state"
			  " FROM tcp_state",
			  "7000 10.0.0.1:1>10.0.0.2:80 TCP_SYN_SENT TCP_ESTABLISHED");
}

/* ---- files: overwrite, errors ---- */

static void
test_trace_refuses_to_overwrite_existing_file(void **state)
{
	struct fix *f = *state;
	g_autofree char *path = fix_path(f, "old.db");
	g_autofree char *contents = NULL;
	GError *error = NULL;

	assert_true(g_file_set_contents(path, "precious", -1, NULL));
	assert_null(trace_open(path, TRACE_FULL, false, &error));
	assert_non_null(error);
	assert_true(g_error_matches(error, TRACE_ERROR, TRACE_ERROR_EXISTS));
	assert_non_null(strstr(error->message, path));
	assert_non_null(strstr(error->message, "--overwrite"));
	g_clear_error(&error);
	assert_true(g_file_get_contents(path, &contents, NULL, NULL));
	assert_string_equal(contents, "precious");
}

static void
test_trace_overwrite_replaces_file_and_journal(void **state)
{
	struct fix *f = *state;
	g_autofree char *path = fix_path(f, "old.db");
	g_autofree char *journal = fix_path(f, "old.db-journal");

	assert_true(g_file_set_contents(path, "not a database", -1, NULL));
	assert_true(g_file_set_contents(journal, "stale", -1, NULL));
	GError *error = NULL;
	f->tr = trace_open(path, TRACE_FULL, true, &error);
	assert_null(error);
	assert_non_null(f->tr);
	fix_close(f, true);
	assert_false(g_file_test(journal, G_FILE_TEST_EXISTS));
	sqlite3 *db = open_file_db(path);
	assert_int_equal(query_int(db, "PRAGMA user_version"), 11);
	sqlite3_close(db);
}

static void
test_trace_overwrite_refuses_a_directory(void **state)
{
	struct fix *f = *state;
	GError *error = NULL;

	assert_null(trace_open(f->dir, TRACE_FULL, true, &error));
	assert_true(g_error_matches(error, TRACE_ERROR, TRACE_ERROR_IO));
	g_clear_error(&error);
	assert_true(g_file_test(f->dir, G_FILE_TEST_IS_DIR));
}

static void
test_trace_unwritable_path_is_io_error(void **state)
{
	struct fix *f = *state;
	g_autofree char *path = fix_path(f, "no/such/dir/t.db");
	GError *error = NULL;

	assert_null(trace_open(path, TRACE_FULL, false, &error));
	assert_true(g_error_matches(error, TRACE_ERROR, TRACE_ERROR_IO));
	assert_non_null(strstr(error->message, path));
	g_clear_error(&error);
}

/*
 * In a child whose file size limit is small, as a full disk: the recorder
 * must report the error once, stop, and close without crashing.
 * Exit codes: 0 = as expected, others name the failed step.
 */
static int
full_disk_child(const char *path)
{
	GError *error = NULL;
	struct trace *tr = trace_open(path, TRACE_FULL, false, &error);
	if (!tr)
		return 2;
	struct trace_host *h = trace_host_add(tr, NULL, NULL, "a");
	struct rlimit rl = { .rlim_cur = 64 * 1024, .rlim_max = RLIM_INFINITY };
	signal(SIGXFSZ, SIG_IGN);
	if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
		return 3;
	write_allocs(h, 1, 100000);
	const GError *failed = trace_failed(tr);
	if (!failed || !g_error_matches(failed, TRACE_ERROR, TRACE_ERROR_IO))
		return 4;
	if (TRACE_ON(h))
		return 5; /* tracing must have stopped */
	if (trace_close(tr, true, &error) || !g_error_matches(error, TRACE_ERROR, TRACE_ERROR_IO))
		return 6;
	g_clear_error(&error);
	return 0;
}

static void
test_trace_full_disk_is_reported_not_a_crash(void **state)
{
	struct fix *f = *state;
	g_autofree char *path = fix_path(f, "full.db");
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(full_disk_child(path));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* What was committed before the disk filled is still a database. */
	sqlite3 *db = open_file_db(path);
	assert_query_text(db, "PRAGMA integrity_check", "ok");
	sqlite3_close(db);
}

/* ---- the run row and the end of a run ---- */

static void
test_trace_run_row_records_scenario_seed_and_version(void **state)
{
	struct fix *f = *state;

	assert_query_text(
		fix_db(f),
		"SELECT scenario || ' ' || seed || ' ' || version || ' ' || level FROM run",
		"unit 42 0.1.0 full");
	assert_query_text(fix_db(f), "SELECT scenario_text FROM run", "[run]\nduration = 1ms\n");
}

static void
test_trace_finished_flag_is_zero_then_one(void **state)
{
	struct fix *f = *state;
	g_autofree char *path = fix_path(f, "run.db");

	fix_open(f, path, TRACE_FULL);
	sqlite3 *other = open_file_db(path);
	assert_int_equal(query_int(other, "SELECT finished FROM run"), 0);
	sqlite3_close(other);
	sim_run_until(f->sim, 3 * SIM_MS);
	fix_close(f, true);

	sqlite3 *db = open_file_db(path);
	assert_int_equal(query_int(db, "SELECT finished FROM run"), 1);
	assert_int_equal(query_int(db, "SELECT duration_ns FROM run"), 3 * SIM_MS);
	assert_int_equal(query_int(db, "SELECT finished_at IS NOT NULL FROM run"), 1);
	sqlite3_close(db);
}

static void
test_trace_close_unfinished_keeps_flag_zero(void **state)
{
	struct fix *f = *state;
	g_autofree char *path = fix_path(f, "stopped.db");

	fix_open(f, path, TRACE_FULL);
	write_allocs(f->h, 1, 10);
	fix_close(f, false);
	sqlite3 *db = open_file_db(path);
	assert_int_equal(query_int(db, "SELECT finished FROM run"), 0);
	assert_int_equal(query_int(db, "SELECT count(*) FROM skb_events"), 10);
	sqlite3_close(db);
}

static void
test_trace_batches_commit_every_10000_rows(void **state)
{
	struct fix *f = *state;
	g_autofree char *path = fix_path(f, "batch.db");

	fix_open(f, path, TRACE_FULL);
	write_allocs(f->h, 1, 25000);
	trace_wait_writer(f->tr);
	/* Another connection sees only committed batches. */
	sqlite3 *other = open_file_db(path);
	assert_int_equal(query_int(other, "SELECT count(*) FROM skb_events"), 20000);
	sqlite3_close(other);
	fix_close(f, true);
	sqlite3 *db = open_file_db(path);
	assert_int_equal(query_int(db, "SELECT count(*) FROM skb_events"), 25000);
	assert_int_equal(query_int(db, "SELECT count(DISTINCT skb) FROM skb_events"), 25000);
	sqlite3_close(db);
}

static void
test_trace_indexes_built_at_close(void **state)
{
	struct fix *f = *state;
	g_autofree char *path = fix_path(f, "idx.db");
	const char *count = "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
			    " AND name = 'skb_events_by_skb'";

	fix_open(f, path, TRACE_FULL);
	assert_int_equal(query_int(fix_db(f), count), 0);
	fix_close(f, true);
	sqlite3 *db = open_file_db(path);
	assert_int_equal(query_int(db, count), 1);
	sqlite3_close(db);
}

/* A run that flushes and then dies without trace_close. */
static void
test_trace_exit_without_close_leaves_unfinished_database(void **state)
{
	struct fix *f = *state;
	g_autofree char *path = fix_path(f, "died.db");
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct trace *tr = trace_open(path, TRACE_FULL, false, NULL);
		if (!tr)
			_exit(2);
		struct trace_host *h = trace_host_add(tr, NULL, NULL, "a");
		write_allocs(h, 1, 123);
		if (!trace_flush(tr, NULL))
			_exit(3);
		write_allocs(h, 1000, 50); /* not flushed: lost with the process */
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	sqlite3 *db = open_file_db(path);
	assert_query_text(db, "PRAGMA integrity_check", "ok");
	assert_int_equal(query_int(db, "SELECT count(*) FROM hosts"), 1);
	assert_int_equal(query_int(db, "SELECT count(*) FROM skb_events"), 123);
	sqlite3_close(db);
}

/* SIGKILL in the middle of writing: the file opens and the run is unfinished. */
static void
test_trace_killed_run_leaves_valid_unfinished_database(void **state)
{
	struct fix *f = *state;
	g_autofree char *path = fix_path(f, "killed.db");
	int ready[2], status;
	char c;

	assert_int_equal(pipe(ready), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct trace *tr = trace_open(path, TRACE_FULL, false, NULL);
		if (!tr)
			_exit(2);
		trace_begin_run(tr, "killed", "", 1, "0", NULL);
		struct trace_host *h = trace_host_add(tr, NULL, NULL, "a");
		write_allocs(h, 1, TRACE_BATCH_ROWS);
		trace_wait_writer(tr); /* the first batch is committed */
		if (write(ready[1], "x", 1) != 1)
			_exit(3);
		for (uint64_t i = 1;; i++)
			trace_alloc(h, i, "nic", 64);
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	g_usleep(50 * 1000);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));

	sqlite3 *db = open_file_db(path);
	assert_query_text(db, "PRAGMA integrity_check", "ok");
	assert_int_equal(query_int(db, "SELECT finished FROM run"), 0);
	int64_t rows = query_int(db, "SELECT count(*) FROM skb_events");
	assert_true(rows >= TRACE_BATCH_ROWS);
	assert_int_equal(rows % TRACE_BATCH_ROWS, 0); /* whole batches only */
	sqlite3_close(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trace_op_and_copy_kind_names_are_readable),
		cmocka_unit_test(test_trace_level_names_round_trip),
		cmocka_unit_test_setup_teardown(
			test_trace_null_path_writes_nothing_but_numbers_hosts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trace_handoff_row_has_time_host_ctx_and_names,
						setup_full, teardown),
		cmocka_unit_test_setup_teardown(test_trace_event_outside_cpu_work_is_hw_ctx,
						setup_full, teardown),
		cmocka_unit_test_setup_teardown(test_trace_queue_ops_store_qlen_not_bytes,
						setup_full, teardown),
		cmocka_unit_test_setup_teardown(test_trace_push_pull_store_header_bytes_and_offset,
						setup_full, teardown),
		cmocka_unit_test_setup_teardown(test_trace_copy_and_clone_store_kind_and_bytes,
						setup_full, teardown),
		cmocka_unit_test_setup_teardown(test_trace_drop_records_reason, setup_full,
						teardown),
		cmocka_unit_test_setup_teardown(test_trace_seq_follows_call_order, setup_full,
						teardown),
		cmocka_unit_test_setup_teardown(test_trace_packet_first_record_wins, setup_full,
						teardown),
		cmocka_unit_test_setup_teardown(test_trace_packet_udp_has_no_tcp_columns,
						setup_full, teardown),
		cmocka_unit_test_setup_teardown(
			test_trace_summary_level_keeps_one_packet_row_but_no_skb_events, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_trace_host_filter_lowers_one_host, setup_full,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_trace_cpu_busy_full_writes_intervals_and_totals, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_trace_cpu_busy_rows_name_their_task_and_tasks_are_totalled, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_trace_cpu_busy_summary_writes_totals_only,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_trace_tcp_state_row_names_the_change,
						setup_full, teardown),
		cmocka_unit_test_setup_teardown(test_trace_counter_and_tcp_cc_rows, setup_full,
						teardown),
		cmocka_unit_test_setup_teardown(test_trace_refuses_to_overwrite_existing_file,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_trace_overwrite_replaces_file_and_journal,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_trace_overwrite_refuses_a_directory, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_trace_unwritable_path_is_io_error, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_trace_full_disk_is_reported_not_a_crash, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_trace_run_row_records_scenario_seed_and_version, setup_full, teardown),
		cmocka_unit_test_setup_teardown(test_trace_finished_flag_is_zero_then_one, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_trace_close_unfinished_keeps_flag_zero, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_trace_batches_commit_every_10000_rows, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_trace_indexes_built_at_close, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_trace_exit_without_close_leaves_unfinished_database, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_trace_killed_run_leaves_valid_unfinished_database, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
