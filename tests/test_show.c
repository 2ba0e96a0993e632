/*
 * tests/test_show.c - netsim show (viz/show.c), the trace views
 * (viz/views.sql) and opening a trace (viz/vizdb.c).
 *
 * Every test reads the fake two-host trace of tests/viz_fixture.c, built
 * once for the group in a temporary directory.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "tests/viz_fixture.h"
#include "viz/show.h"
#include "viz/vizdb.h"

static struct viz_fixture fx;

static int
group_setup(void **state)
{
	viz_fixture_build(&fx);
	return 0;
}

static int
group_teardown(void **state)
{
	viz_fixture_free(&fx);
	return 0;
}

static int
setup(void **state)
{
	GError *error = NULL;
	sqlite3 *db = vizdb_open(fx.db_path, &error);
	assert_null(error);
	assert_non_null(db);
	*state = db;
	return 0;
}

static int
teardown(void **state)
{
	sqlite3_close(*state);
	return 0;
}

static int64_t
query_int(sqlite3 *db, const char *sql)
{
	int64_t v = vizdb_int(db, sql, INT64_MIN);
	assert_true(v != INT64_MIN);
	return v;
}

static guint
count_lines(const char *s)
{
	guint n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* ---- opening ---- */

static void
test_open_missing_file_names_it(void **state)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *path = g_build_filename(fx.dir, "nope.db", NULL);
	assert_null(vizdb_open(path, &error));
	assert_true(g_error_matches(error, VIZ_ERROR, VIZ_ERROR_OPEN));
	assert_non_null(strstr(error->message, "nope.db: no such trace database"));
}

static void
test_open_text_file_is_not_a_trace(void **state)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *path = g_build_filename(fx.dir, "notes.txt", NULL);
	assert_true(g_file_set_contents(path, "hello, this is not SQLite\n", -1, NULL));
	assert_null(vizdb_open(path, &error));
	assert_true(g_error_matches(error, VIZ_ERROR, VIZ_ERROR_OPEN));
	assert_non_null(strstr(error->message, "not a netsim trace database"));
}

static void
test_open_other_sqlite_database_is_not_a_trace(void **state)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *path = g_build_filename(fx.dir, "other.db", NULL);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE t (x)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_null(vizdb_open(path, &error));
	assert_true(g_error_matches(error, VIZ_ERROR, VIZ_ERROR_OPEN));
	assert_non_null(strstr(error->message, "has no 'run' table")); /* says why */
}

static void
test_open_read_only_trace_still_has_views(void **state)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *path = g_build_filename(fx.dir, "ro.db", NULL);
	g_autofree char *bytes = NULL;
	gsize len;
	assert_true(g_file_get_contents(fx.db_path, &bytes, &len, NULL));
	assert_true(g_file_set_contents(path, bytes, (gssize)len, NULL));
	/* a fresh copy without views (they live in the file once applied) */
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_exec(db, "DROP VIEW packet_path", NULL, NULL, NULL);
	sqlite3_close(db);
	g_chmod(path, 0444);
	db = vizdb_open(path, &error);
	assert_null(error);
	assert_int_equal(query_int(db, "SELECT count(*) FROM packet_path WHERE skb = 1"), 16);
	sqlite3_close(db);
}

/* ---- views ---- */

/* vizdb_prepare and vizdb_int expand {op.X} and {copy.X} from the lists. */
static void
test_queries_name_ops_by_their_enums(void **state)
{
	sqlite3 *db = *state;
	int64_t wires = query_int(db, "SELECT count(*) FROM skb_events WHERE op = 'wire'");
	assert_true(wires > 0);
	assert_int_equal(vizdb_int(db, "SELECT count(*) FROM skb_events WHERE op = {op.WIRE}", -1),
			 wires);
	g_autoptr(GError) error = NULL;
	assert_null(vizdb_prepare(db, "SELECT 1 WHERE {op.NO_SUCH_OP}", &error));
	assert_true(g_error_matches(error, VIZ_ERROR, VIZ_ERROR_QUERY));
}

static void
test_views_are_created_in_the_trace_file(void **state)
{
	sqlite3 *db = *state;
	static const char *const views[] = {
		"packet_path", "layer_time", "queue_occupancy", "copies_per_packet", "drops",
		"wire_hops",   NULL
	};
	for (int i = 0; views[i]; i++)
		assert_true(vizdb_has_table(db, views[i]));
}

static void
test_packet_path_view_lists_one_skb_in_order(void **state)
{
	sqlite3 *db = *state;
	assert_int_equal(query_int(db, "SELECT count(*) FROM packet_path WHERE skb = 2"), 18);
	g_autoptr(sqlite3_stmt) st = vizdb_prepare(
		db,
		"SELECT group_concat(op, ' ') FROM (SELECT op FROM packet_path WHERE skb = 2 "
		"AND host = 'b' ORDER BY seq LIMIT 4)",
		NULL);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "alloc enqueue wire copy");
}

static void
test_copies_per_packet_counts_user_and_dma_copies(void **state)
{
	sqlite3 *db = *state;
	assert_int_equal(query_int(db, "SELECT copies FROM copies_per_packet WHERE skb = 1"), 2);
	assert_int_equal(query_int(db, "SELECT bytes FROM copies_per_packet WHERE skb = 1"), 242);
	assert_int_equal(query_int(db, "SELECT user_to_skb FROM copies_per_packet WHERE skb = 1"),
			 1);
	assert_int_equal(query_int(db, "SELECT dma_from_dev FROM copies_per_packet WHERE skb = 2"),
			 1);
	/* a clone shares the data: not a copy */
	assert_int_equal(query_int(db, "SELECT copies FROM copies_per_packet WHERE skb = 16"), 1);
}

static void
test_queue_occupancy_view_follows_qlen(void **state)
{
	sqlite3 *db = *state;
	assert_int_equal(query_int(db,
				   "SELECT count(*) FROM queue_occupancy "
				   "WHERE host = 'a' AND queue = 'qdisc'"),
			 2);
	assert_int_equal(query_int(db,
				   "SELECT max(qlen) FROM queue_occupancy "
				   "WHERE host = 'b' AND queue = 'backlog'"),
			 1);
}

static void
test_layer_time_charges_waiting_to_the_holding_layer(void **state)
{
	sqlite3 *db = *state;
	/* skb 2 waited in the RX ring (driver) from its refill at 0 until the frame came */
	assert_true(
		query_int(db,
			  "SELECT time_ns FROM layer_time WHERE skb = 2 AND layer = 'driver'") >=
		20000);
	assert_int_equal(
		query_int(db, "SELECT count(DISTINCT layer) FROM layer_time WHERE skb = 1"), 7);
}

static void
test_wire_hops_match_sender_and_receiver_skbs(void **state)
{
	sqlite3 *db = *state;
	assert_int_equal(query_int(db, "SELECT rx_skb FROM wire_hops WHERE tx_skb = 1"), 2);
	assert_int_equal(query_int(db, "SELECT rx_skb FROM wire_hops WHERE tx_skb = 17"), 18);
	assert_int_equal(query_int(db, "SELECT rx_skb IS NULL FROM wire_hops WHERE tx_skb = 20"),
			 1);
}

/* ---- show ---- */

static void
test_show_summary_lists_hosts_drops_and_cpu(void **state)
{
	g_autoptr(GString) out = g_string_new(NULL);
	g_autoptr(GError) error = NULL;
	assert_true(show_summary(*state, TABLE_TEXT, out, &error));
	assert_non_null(strstr(out->str, "viz-fixture"));
	assert_non_null(strstr(out->str, "Hosts"));
	assert_non_null(strstr(out->str, "qdisc_full"));
	assert_non_null(strstr(out->str, "dev layer"));
	assert_non_null(strstr(out->str, "ring_full"));
	assert_non_null(strstr(out->str, "hardirq_ms"));
	assert_non_null(strstr(out->str, "tcp"));
}

static void
test_show_summary_json_is_valid(void **state)
{
	g_autoptr(GString) out = g_string_new(NULL);
	assert_true(show_summary(*state, TABLE_JSON, out, NULL));
	sqlite3 *db = *state;
	g_autoptr(sqlite3_stmt) st = vizdb_prepare(
		db,
		"SELECT json_valid(?1),"
		" json_extract(?1, '$.hosts[1].host'), json_extract(?1, '$.run[0].seed')",
		NULL);
	sqlite3_bind_text(st, 1, out->str, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 1);
	assert_string_equal((const char *)sqlite3_column_text(st, 1), "b");
	assert_int_equal(sqlite3_column_int(st, 2), 7);
}

static void
test_show_skb_table_follows_the_packet_across_the_wire(void **state)
{
	g_autoptr(GString) out = g_string_new(NULL);
	g_autoptr(GError) error = NULL;
	assert_true(show_skb(*state, 1, TABLE_TEXT, out, &error));
	assert_non_null(strstr(out->str, "udp 10.0.0.1:5000 -> 10.0.0.2:9"));
	assert_non_null(strstr(out->str, "carried by skbs 1, 2"));
	assert_non_null(strstr(out->str, "COPY user_to_skb"));
	assert_non_null(strstr(out->str, "handoff -> udp_rcv"));
	assert_non_null(strstr(out->str, "sk_receive_queue (1)"));
	assert_non_null(strstr(out->str, "COPY skb_to_user"));
	assert_non_null(strstr(out->str, "data copies along the way: 4"));
	assert_non_null(strstr(out->str,
			       "netsim view DB -o DIR --skb 1, then "
			       "DIR/index.html#skb=1&step=K is row K above"));
	assert_non_null(strstr(out->str, "softirq"));
}

static void
test_show_skb_csv_has_a_header_and_a_line_per_event(void **state)
{
	g_autoptr(GString) out = g_string_new(NULL);
	assert_true(show_skb(*state, 1, TABLE_CSV, out, NULL));
	assert_true(g_str_has_prefix(out->str, "skb,seq,time_ns,host,ctx,layer,op,func,queue"));
	assert_int_equal(count_lines(out->str), 1 + 16 + 18);
	assert_non_null(strstr(out->str, ",b,hardirq,driver,dequeue,,rx_ring,0,"));
}

static void
test_show_skb_json_lists_events_with_numbers(void **state)
{
	g_autoptr(GString) out = g_string_new(NULL);
	sqlite3 *db = *state;
	assert_true(show_skb(db, 1, TABLE_JSON, out, NULL));
	g_autoptr(sqlite3_stmt) st = vizdb_prepare(
		db,
		"SELECT json_valid(?1),"
		" json_array_length(?1, '$.events'), json_type(?1, '$.events[0].time_ns'),"
		" json_extract(?1, '$.skbs[1]')",
		NULL);
	sqlite3_bind_text(st, 1, out->str, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 1);
	assert_int_equal(sqlite3_column_int(st, 1), 34);
	assert_string_equal((const char *)sqlite3_column_text(st, 2), "integer");
	assert_int_equal(sqlite3_column_int(st, 3), 2);
}

static void
test_show_unknown_skb_is_not_found(void **state)
{
	g_autoptr(GString) out = g_string_new(NULL);
	g_autoptr(GError) error = NULL;
	assert_false(show_skb(*state, 4242, TABLE_TEXT, out, &error));
	assert_true(g_error_matches(error, VIZ_ERROR, VIZ_ERROR_NOT_FOUND));
	assert_non_null(strstr(error->message, "no skb 4242"));
}

static void
test_flow_nth_counts_tcp_data_segments_of_the_sender(void **state)
{
	struct viz_flow f;
	int64_t skb = 0;
	g_autoptr(GError) error = NULL;
	assert_true(vizdb_flow_parse(NULL, VIZ_TCP_FLOW, &f, NULL));
	assert_true(vizdb_flow_nth(*state, &f, 1, &skb, NULL));
	assert_int_equal(skb, VIZ_TCP_DATA1);
	assert_true(vizdb_flow_nth(*state, &f, 3, &skb, NULL));
	assert_int_equal(skb, VIZ_TCP_DATA3);
	assert_false(vizdb_flow_nth(*state, &f, 4, &skb, &error));
	assert_true(g_error_matches(error, VIZ_ERROR, VIZ_ERROR_NOT_FOUND));
	assert_non_null(strstr(error->message, "it has 3 data segments")); /* says how many */
}

static void
test_flow_nth_counts_every_udp_packet(void **state)
{
	struct viz_flow f;
	int64_t skb = 0;
	assert_true(vizdb_flow_parse(NULL, "udp:10.0.0.1:5000-10.0.0.2:9", &f, NULL));
	assert_true(vizdb_flow_nth(*state, &f, 1, &skb, NULL));
	assert_int_equal(skb, 1);
}

static void
test_flow_port_star_takes_the_port_the_trace_shows(void **state)
{
	struct viz_flow f;
	int64_t skb = 0;
	g_autoptr(GError) error = NULL;
	assert_true(vizdb_flow_parse(*state, "tcp:10.0.0.1:*-10.0.0.2:80", &f, NULL));
	assert_int_equal(f.sport, 40000);
	assert_int_equal(f.dport, 80);
	assert_true(vizdb_flow_nth(*state, &f, 3, &skb, NULL));
	assert_int_equal(skb, VIZ_TCP_DATA3);
	assert_true(vizdb_flow_parse(*state, "tcp:10.0.0.1:*-10.0.0.2:*", &f, NULL));
	assert_int_equal(f.sport, 40000);
	assert_false(vizdb_flow_parse(*state, "tcp:10.0.0.1:*-10.0.0.2:81", &f, &error));
	assert_true(g_error_matches(error, VIZ_ERROR, VIZ_ERROR_NOT_FOUND));
}

static void
test_flow_parse_rejects_malformed_specs(void **state)
{
	struct viz_flow f;
	static const char *const bad[] = { "tcp",
					   "tcp:10.0.0.1-10.0.0.2",
					   "sctp:1.2.3.4:1-1.2.3.5:2",
					   "tcp:10.0.0.300:1-10.0.0.2:80",
					   "tcp:10.0.0.1:70000-10.0.0.2:80",
					   "icmp:10.0.0.1:1-10.0.0.2:2",
					   NULL };
	for (int i = 0; bad[i]; i++) {
		g_autoptr(GError) error = NULL;
		assert_false(vizdb_flow_parse(NULL, bad[i], &f, &error));
		assert_true(g_error_matches(error, VIZ_ERROR, VIZ_ERROR_ARG));
	}
	assert_true(vizdb_flow_parse(NULL, "icmp:10.0.0.1-10.0.0.2", &f, NULL));
	assert_int_equal(f.sport, -1);
}

static void
test_show_report_flow_names_the_segment(void **state)
{
	g_autoptr(GString) out = g_string_new(NULL);
	struct show_options o = { .flow = VIZ_TCP_FLOW, .nth = 2, .format = TABLE_TEXT };
	assert_true(show_report(*state, &o, out, NULL));
	assert_non_null(strstr(out->str, "data segment 2 is skb 19"));
	/* the original stays in TCP; its clone went out and was lost */
	assert_non_null(strstr(out->str, "clone (shares data) -> skb 20"));
}

/* ---- the command ---- */

static int
run_show(const char *a, const char *b, const char *c)
{
	char *argv[] = { "netsim", "show", (char *)a, (char *)b, (char *)c, NULL };
	int argc = 2;
	while (argv[argc])
		argc++;
	return show_main(argc, argv);
}

static void
test_show_main_exits_2_on_bad_input(void **state)
{
	g_autofree char *missing = g_build_filename(fx.dir, "missing.db", NULL);
	assert_int_equal(run_show(missing, NULL, NULL), 2);
	assert_int_equal(run_show(fx.db_path, "--skb=99999", NULL), 2);
	assert_int_equal(run_show(fx.db_path, "--format=xml", NULL), 2);
	assert_int_equal(run_show(fx.db_path, "--flow=tcp:1.2.3.4:1-1.2.3.5:2", NULL), 2);
	assert_int_equal(run_show(NULL, NULL, NULL), 2);
}

static void
test_show_main_prints_and_exits_0(void **state)
{
	assert_int_equal(run_show(fx.db_path, NULL, NULL), 0);
	assert_int_equal(run_show(fx.db_path, "--skb=1", "--format=csv"), 0);
	assert_int_equal(run_show(fx.db_path, "--flow=" VIZ_TCP_FLOW, "--nth=3"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_missing_file_names_it),
		cmocka_unit_test_setup_teardown(test_queries_name_ops_by_their_enums, setup,
						teardown),
		cmocka_unit_test(test_open_text_file_is_not_a_trace),
		cmocka_unit_test(test_open_other_sqlite_database_is_not_a_trace),
		cmocka_unit_test(test_open_read_only_trace_still_has_views),
		cmocka_unit_test_setup_teardown(test_views_are_created_in_the_trace_file, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_packet_path_view_lists_one_skb_in_order, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_copies_per_packet_counts_user_and_dma_copies,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_occupancy_view_follows_qlen, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_layer_time_charges_waiting_to_the_holding_layer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wire_hops_match_sender_and_receiver_skbs,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_show_summary_lists_hosts_drops_and_cpu, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_show_summary_json_is_valid, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_show_skb_table_follows_the_packet_across_the_wire, setup, teardown),
		cmocka_unit_test_setup_teardown(test_show_skb_csv_has_a_header_and_a_line_per_event,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_show_skb_json_lists_events_with_numbers, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_show_unknown_skb_is_not_found, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_flow_nth_counts_tcp_data_segments_of_the_sender, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flow_nth_counts_every_udp_packet, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_flow_port_star_takes_the_port_the_trace_shows,
						setup, teardown),
		cmocka_unit_test(test_flow_parse_rejects_malformed_specs),
		cmocka_unit_test_setup_teardown(test_show_report_flow_names_the_segment, setup,
						teardown),
		cmocka_unit_test(test_show_main_exits_2_on_bad_input),
		cmocka_unit_test(test_show_main_prints_and_exits_0),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
