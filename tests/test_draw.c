/*
 * tests/test_draw.c - netsim draw (viz/draw*.c): the DOT text of each
 * diagram, and that libgvc renders it to non-empty PNG, SVG and PDF files.
 *
 * Reads the fake two-host trace of tests/viz_fixture.c, built once for the
 * group in a temporary directory; pictures are written there too.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include "tests/viz_fixture.h"
#include "viz/draw.h"
#include "viz/draw_int.h"
#include "viz/view.h"
#include "viz/vizdb.h"

/* Under AddressSanitizer: Graphviz's own leaks are suppressed by library name
 * (tests/lsan.supp), and only a full unwind of each allocation reaches those
 * frames.  make check asks netsim for it only in `netsim draw`
 * (tests/netsim-asan.sh); this test renders with libgvc, so it asks too. */
const char *__asan_default_options(void);
const char *
__asan_default_options(void)
{
	return "fast_unwind_on_malloc=0";
}

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
	sqlite3 *db = vizdb_open(fx.db_path, NULL);
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

static guint
count(const char *hay, const char *needle)
{
	guint n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* The file's size, and that it starts with @magic. */
static gsize
file_check(const char *path, const char *magic)
{
	g_autofree char *bytes = NULL;
	gsize len = 0;
	assert_true(g_file_get_contents(path, &bytes, &len, NULL));
	assert_true(len > strlen(magic));
	assert_memory_equal(bytes, magic, strlen(magic));
	return len;
}

/* ---- packet path ---- */

static void
test_path_has_a_cluster_per_host_crossed(void **state)
{
	g_autofree char *dot = draw_path_dot(*state, 1, NULL);
	assert_non_null(dot);
	assert_non_null(strstr(dot, "subgraph cluster_h1"));
	assert_non_null(strstr(dot, "subgraph cluster_h2"));
	assert_non_null(strstr(dot, "host a"));
	assert_non_null(strstr(dot, "carried by skbs 1, 2"));
}

static void
test_path_stacks_layers_like_figure_3(void **state)
{
	g_autofree char *dot = draw_path_dot(*state, 1, NULL);
	/* a's stack, top-down, by invisible stacking edges */
	assert_non_null(strstr(dot, "h1_user -> h1_socket [style=invis"));
	assert_non_null(strstr(dot, "h1_socket -> h1_udp [style=invis"));
	/* a's socket layer was not touched (UDP copied from the user): dashed */
	assert_non_null(
		strstr(dot, "h1_socket [id=\"h1_socket\", shape=box, style=\"rounded,dashed\""));
	assert_non_null(strstr(dot, "h1_ip -> h1_eth [style=invis"));
	assert_non_null(strstr(dot, "h1_driver -> h1_nic [style=invis"));
	/* queues are ellipses */
	assert_non_null(strstr(dot, "h1_q_qdisc [id=\"h1_q_qdisc\", shape=ellipse"));
	assert_non_null(
		strstr(dot, "h2_q_sk_receive_queue [id=\"h2_q_sk_receive_queue\", shape=ellipse"));
}

static void
test_path_numbers_edges_in_time_order(void **state)
{
	g_autofree char *dot = draw_path_dot(*state, 1, NULL);
	char *one = strstr(dot, ">1. copy user_to_skb");
	char *wire = strstr(dot, "wire eth0 → eth0");
	assert_non_null(one);
	assert_non_null(wire);
	assert_true(one < wire);
	assert_non_null(strstr(dot, "3.000 µs")); /* labelled with times: the copy at 1 us + cost */
	/* the receiving half ends with the copy to the user process */
	assert_non_null(strstr(dot, "h2_q_sk_receive_queue -> h2_socket"));
	assert_non_null(strstr(dot, "h2_socket -> h2_user"));
}

static void
test_path_draws_copies_red_and_moves_grey(void **state)
{
	g_autofree char *dot = draw_path_dot(*state, 1, NULL);
	/* four copies: user_to_skb, dma_to_dev, dma_from_dev, skb_to_user */
	assert_int_equal(count(dot, "B copied</b>"), 4);
	assert_non_null(
		strstr(dot, "h1_user -> h1_udp [id=\"pe1\", label=<<b>1. copy user_to_skb"));
	assert_non_null(strstr(dot, "color=\"#d62728\", fontcolor=\"#b01010\", penwidth=4"));
	assert_non_null(strstr(dot, "h1_udp -> h1_ip [id=\"pe2\", label=<2. ip_queue_xmit"));
	assert_non_null(strstr(dot, "color=\"#777777\""));
}

static void
test_path_marks_a_drop_with_its_reason(void **state)
{
	g_autofree char *dot = draw_path_dot(*state, 90, NULL);
	assert_non_null(dot);
	assert_non_null(strstr(dot, "drop1 [id=\"drop1\", shape=octagon"));
	assert_non_null(strstr(dot, "qdisc_full"));
	assert_non_null(strstr(dot, "h1_dev -> drop1"));
}

static void
test_path_follows_a_tcp_clone_onto_the_wire(void **state)
{
	g_autofree char *dot = draw_path_dot(*state, VIZ_TCP_DATA1, NULL);
	assert_non_null(strstr(dot, "carried by skbs 16, 17, 18"));
	assert_non_null(strstr(dot, "clone → skb 17"));
	g_autofree char *lost = draw_path_dot(*state, VIZ_TCP_DATA2, NULL);
	assert_non_null(strstr(lost, "never received"));
}

static void
test_path_of_unknown_skb_fails(void **state)
{
	g_autoptr(GError) error = NULL;
	assert_null(draw_path_dot(*state, 5555, &error));
	assert_true(g_error_matches(error, VIZ_ERROR, VIZ_ERROR_NOT_FOUND));
}

static void
test_path_renders_png_svg_and_pdf(void **state)
{
	g_autofree char *dot = draw_path_dot(*state, 1, NULL);
	g_autofree char *png = g_build_filename(fx.dir, "path.png", NULL);
	g_autofree char *svg = g_build_filename(fx.dir, "path.svg", NULL);
	g_autofree char *pdf = g_build_filename(fx.dir, "path.pdf", NULL);
	g_autoptr(GError) error = NULL;
	assert_true(draw_render(dot, "dot", png, &error));
	assert_null(error);
	assert_true(file_check(png, "\x89PNG") > 10000);
	assert_true(draw_render(dot, "dot", svg, NULL));
	assert_true(file_check(svg, "<?xml") > 1000);
	assert_true(draw_render(dot, "dot", pdf, NULL));
	assert_true(file_check(pdf, "%PDF") > 1000);
}

static void
test_render_refuses_an_unknown_extension(void **state)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *out = g_build_filename(fx.dir, "picture.gif", NULL);
	assert_false(draw_render("digraph { a -> b }", "dot", out, &error));
	assert_true(g_error_matches(error, VIZ_ERROR, VIZ_ERROR_ARG));
	assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
}

/* ---- stack map ---- */

static void
test_stackmap_counts_skbs_on_each_edge(void **state)
{
	g_autofree char *dot = draw_stackmap_dot(*state, NULL);
	assert_non_null(dot);
	assert_non_null(strstr(dot, "subgraph cluster_h1"));
	assert_non_null(strstr(dot, "subgraph cluster_h2"));
	/* two UDP datagrams were written by a's user process */
	assert_non_null(strstr(dot, "h1_user -> h1_udp [label=\"2 skbs\\n200 B copied\""));
	/* and the heat scale */
	assert_non_null(strstr(dot, "colorscheme=ylorrd9"));
	g_autofree char *png = g_build_filename(fx.dir, "map.png", NULL);
	assert_true(draw_render(dot, "dot", png, NULL));
	assert_true(file_check(png, "\x89PNG") > 10000);
}

static void
test_stackmap_draws_drops_by_reason(void **state)
{
	g_autofree char *dot = draw_stackmap_dot(*state, NULL);
	assert_non_null(strstr(dot, "<b>1 dropped</b><br/>qdisc_full"));
	assert_non_null(strstr(dot, "arrowhead=tee"));
}

static void
test_stackmap_puts_a_layer_on_one_row_for_every_host(void **state)
{
	g_autofree char *dot = draw_stackmap_dot(*state, NULL);
	assert_non_null(strstr(dot, "{ rank=same; h1_ip; h2_ip; }"));
}

static void
test_stackmap_hosts_keeps_only_the_named_hosts(void **state)
{
	char *hosts[] = { "b", NULL };
	struct draw_map_opts o = { .hosts = hosts };
	const char *name = "";
	sqlite3 *db = *state;
	g_autofree char *dot = draw_stackmaps_dot(&db, &name, 1, &o, NULL);
	assert_non_null(strstr(dot, "cluster_h2"));
	assert_null(strstr(dot, "cluster_h1"));
	char *none[] = { "zz", NULL };
	o.hosts = none;
	g_autoptr(GError) error = NULL;
	assert_null(draw_stackmaps_dot(&db, &name, 1, &o, &error));
	assert_true(g_error_matches(error, VIZ_ERROR, VIZ_ERROR_NOT_FOUND));
}

static void
test_compare_prefixes_each_run_and_shares_the_scale(void **state)
{
	sqlite3 *dbs[2] = { *state, *state };
	const char *names[2] = { "low", "high" };
	g_autofree char *dot = draw_stackmaps_dot(dbs, names, 2, NULL, NULL);
	assert_non_null(strstr(dot, "cluster_r0_h1"));
	assert_non_null(strstr(dot, "cluster_r1_h2"));
	assert_non_null(strstr(dot, "<b>high: b</b>"));
	assert_non_null(strstr(dot, "the same scale for every run"));
}

/* ---- path steps, for netsim view ---- */

static void
test_path_steps_name_the_node_and_edge_of_each_operation(void **state)
{
	g_autoptr(GArray) steps = g_array_new(FALSE, FALSE, sizeof(struct draw_path_step));
	g_autofree char *dot = draw_path_dot_steps(*state, 1, steps, NULL);
	assert_non_null(dot);
	assert_true(steps->len > 5);
	int edges = 0;
	for (guint i = 0; i < steps->len; i++) {
		struct draw_path_step *ps = &g_array_index(steps, struct draw_path_step, i);
		if (ps->node) {
			g_autofree char *id = g_strdup_printf("id=\"%s\"", ps->node);
			assert_non_null(strstr(dot, id));
		}
		if (ps->edge > 0) {
			g_autofree char *id = g_strdup_printf("[id=\"pe%d\"", ps->edge);
			assert_non_null(strstr(dot, id));
			edges++;
		}
		g_free(ps->node);
	}
	assert_true(edges > 3);
}

/* ---- CPU timeline ---- */

static void
test_cpu_timeline_has_three_lanes_and_names_owners(void **state)
{
	struct draw_cpu_opts o = { .from_ns = -1, .to_ns = -1 };
	g_autofree char *dot = draw_cpu_dot(*state, &o, NULL);
	assert_non_null(dot);
	assert_non_null(strstr(dot, "label=\"hardirq\""));
	assert_non_null(strstr(dot, "label=\"softirq\""));
	assert_non_null(strstr(dot, "label=\"task\""));
	assert_non_null(strstr(dot, "<b>charged to</b>"));
	assert_true(count(dot, "  b") > 0);
	g_autofree char *png = g_build_filename(fx.dir, "cpu.png", NULL);
	assert_true(draw_render(dot, "neato", png, NULL));
}

static void
test_cpu_timeline_of_an_idle_window_fails(void **state)
{
	struct draw_cpu_opts o = { .from_ns = 900000000000, .to_ns = 900001000000 };
	g_autoptr(GError) error = NULL;
	assert_null(draw_cpu_dot(*state, &o, &error));
	assert_true(g_error_matches(error, VIZ_ERROR, VIZ_ERROR_NOT_FOUND));
}

static void
test_parse_time_reads_units(void **state)
{
	int64_t ns = 0;
	assert_true(draw_parse_time("2.5ms", &ns));
	assert_int_equal(ns, 2500000);
	assert_true(draw_parse_time("250us", &ns));
	assert_int_equal(ns, 250000);
	assert_true(draw_parse_time("1s", &ns));
	assert_int_equal(ns, 1000000000);
	assert_true(draw_parse_time("42", &ns));
	assert_int_equal(ns, 42);
	assert_false(draw_parse_time("soon", &ns));
	assert_false(draw_parse_time("3 parsecs", &ns));
	assert_false(draw_parse_time("-1ms", &ns));
}

/* ---- netsim view ---- */

static void
test_view_writes_the_page_and_its_data(void **state)
{
	g_autofree char *dir = g_build_filename(fx.dir, "view", NULL);
	g_autoptr(GError) error = NULL;
	assert_true(view_write(*state, dir, 0, 10, &error));
	const char *files[] = { "index.html", "view.js", "view.css", "data.js" };
	for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
		g_autofree char *f = g_build_filename(dir, files[i], NULL);
		assert_true(g_file_test(f, G_FILE_TEST_IS_REGULAR));
	}
	g_autofree char *data_js = g_build_filename(dir, "data.js", NULL);
	g_autofree char *data = NULL;
	assert_true(g_file_get_contents(data_js, &data, NULL, NULL));
	assert_non_null(strstr(data, "NETSIM.packets.push({skb:1,"));
	assert_non_null(strstr(data, "steps: ["));
	assert_null(strstr(data, "</script")); /* nothing can end the script early */
	g_autoptr(GError) e2 = NULL;
	assert_false(view_write(*state, dir, 5555, 10, &e2));
}

/* ---- ladder ---- */

static void
test_ladder_shows_handshake_loss_retransmission_and_fin(void **state)
{
	struct viz_flow f;
	assert_true(vizdb_flow_parse(NULL, VIZ_TCP_FLOW, &f, NULL));
	g_autofree char *dot = draw_ladder_dot(*state, &f, 40, NULL);
	assert_non_null(dot);
	assert_non_null(strstr(dot, "label=<SYN seq 0>"));
	assert_non_null(strstr(dot, "label=<SYN-ACK seq 0 ack 1>"));
	assert_non_null(strstr(dot, "data 1001:2001 (1000 B) ack 1<br/>lost"));
	assert_non_null(strstr(dot, "RETRANSMIT data 1001:2001"));
	assert_non_null(strstr(dot, "FIN seq 3001 ack 1"));
	assert_int_equal(count(dot, " -- e"), 13); /* 13 segments */
	assert_int_equal(count(dot, "label=<<b>X</b>>"), 1);
	assert_non_null(strstr(dot, "pos=\"0.000,"));
}

static void
test_ladder_renders_with_neato(void **state)
{
	struct viz_flow f;
	assert_true(vizdb_flow_parse(NULL, VIZ_TCP_FLOW, &f, NULL));
	g_autofree char *dot = draw_ladder_dot(*state, &f, 40, NULL);
	g_autofree char *png = g_build_filename(fx.dir, "ladder.png", NULL);
	g_autoptr(GError) error = NULL;
	assert_true(draw_render(dot, "neato", png, &error));
	assert_true(file_check(png, "\x89PNG") > 10000);
}

/* ---- the command ---- */

static void
test_draw_main_writes_the_picture_or_exits_2(void **state)
{
	g_autofree char *out = g_build_filename(fx.dir, "cmd.svg", NULL);
	char *ok[] = { "netsim", "draw", fx.db_path, "path", "--skb=1", "-o", out, NULL };
	assert_int_equal(draw_main(7, ok), 0);
	assert_true(file_check(out, "<?xml") > 1000);
	char *no_o[] = { "netsim", "draw", fx.db_path, "stackmap", NULL };
	assert_int_equal(draw_main(4, no_o), 2);
	char *bad[] = { "netsim", "draw", fx.db_path, "pie", "-o", out, NULL };
	assert_int_equal(draw_main(6, bad), 2);
	char *ladder_udp[] = {
		"netsim", "draw", fx.db_path, "ladder", "--flow=udp:10.0.0.1:1-10.0.0.2:2",
		"-o",	  out,	  NULL
	};
	assert_int_equal(draw_main(7, ladder_udp), 2);
}

/* ---- the walk and the vocabulary (viz/draw_walk.c, viz/vocab.c) ---- */

static struct draw_event
walk_event(enum viz_op op, const char *layer)
{
	return (struct draw_event){ .skb = 7,
				    .host = 1,
				    .op = g_intern_string(viz_op_name(op)),
				    .opc = op,
				    .layer = g_intern_string(layer),
				    .len = 100,
				    .other = -1 };
}

static void
test_walk_handoff_moves_the_skb_to_the_next_layer(void **state)
{
	struct draw_place at = { 0 };
	struct draw_step steps[2];
	struct draw_event e = walk_event(VIZ_OP_ALLOC, "udp");
	assert_int_equal(draw_walk(&at, &e, steps), 0);
	assert_int_equal(at.kind, PLACE_LAYER);
	assert_string_equal(at.name, "udp");
	e = walk_event(VIZ_OP_HANDOFF, "ip");
	e.func = g_intern_string("ip_queue_xmit");
	assert_int_equal(draw_walk(&at, &e, steps), 1);
	assert_string_equal(steps[0].from.name, "udp");
	assert_string_equal(steps[0].to.name, "ip");
	assert_string_equal(steps[0].what, "ip_queue_xmit");
	assert_int_equal(steps[0].kind, EDGE_MOVE);
	assert_string_equal(at.name, "ip");
}

static void
test_walk_puts_a_queue_one_row_below_its_owner(void **state)
{
	struct draw_place at = { .kind = PLACE_LAYER, .host = 1, .name = g_intern_string("dev") };
	struct draw_step steps[2];
	struct draw_event e = walk_event(VIZ_OP_ENQUEUE, "dev");
	e.queue = g_intern_string("qdisc");
	assert_int_equal(draw_walk(&at, &e, steps), 1);
	assert_int_equal(at.kind, PLACE_QUEUE);
	assert_int_equal(draw_place_rank(&at), DRAW_ROW_OF_LAYER(DRAW_RANK_DEV) + 1);
	assert_int_equal(draw_place_rank(&steps[0].from), DRAW_ROW_OF_LAYER(DRAW_RANK_DEV));
	assert_int_equal(DRAW_RANKS, 2 * DRAW_RANK_WIRE + 1);
}

static void
test_walk_sends_a_frame_through_the_nic_onto_the_wire(void **state)
{
	struct draw_place at = { .kind = PLACE_LAYER, .host = 1, .name = g_intern_string("dev") };
	struct draw_step steps[2];
	struct draw_event e = walk_event(VIZ_OP_WIRE, "wire");
	e.func = g_intern_string("tx");
	e.queue = g_intern_string("eth0");
	assert_true(draw_wire_tx(&e));
	assert_false(draw_wire_rx(&e));
	assert_int_equal(draw_walk(&at, &e, steps), 2);
	assert_int_equal(steps[0].kind, EDGE_MOVE);
	assert_string_equal(steps[0].to.name, "nic");
	assert_int_equal(steps[1].kind, EDGE_WIRE);
	assert_int_equal(steps[1].to.kind, PLACE_WIRE);
	assert_string_equal(steps[1].to.name, "eth0");
	assert_string_equal(at.name, "nic");
}

static void
test_walk_drop_ends_nowhere_with_the_reason(void **state)
{
	struct draw_place at = { .kind = PLACE_LAYER, .host = 1, .name = g_intern_string("ip") };
	struct draw_step steps[2];
	struct draw_event e = walk_event(VIZ_OP_DROP, "ip");
	e.reason = g_intern_string("ip_noroute");
	assert_int_equal(draw_walk(&at, &e, steps), 1);
	assert_int_equal(steps[0].kind, EDGE_DROP);
	assert_int_equal(steps[0].to.kind, PLACE_NONE);
	assert_string_equal(steps[0].what, "ip_noroute");
}

static void
test_vocab_sql_spells_ops_and_copy_kinds_from_the_lists(void **state)
{
	g_autofree char *sql =
		viz_vocab_sql("op IN ({op.CLONE}, {op.COPY}) AND copy_kind = {copy.SKB_COPY}");
	assert_non_null(sql);
	g_autofree char *want = g_strdup_printf("op IN ('%s', '%s') AND copy_kind = '%s'",
						viz_op_name(VIZ_OP_CLONE), viz_op_name(VIZ_OP_COPY),
						viz_copy_name(VIZ_COPY_SKB_COPY));
	assert_string_equal(sql, want);
	assert_null(viz_vocab_sql("op = {op.NO_SUCH_OP}"));
	assert_null(viz_vocab_sql("op = {copy.WIRE}"));
	assert_null(viz_vocab_sql("op = {WIRE}"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_path_has_a_cluster_per_host_crossed),
		T(test_path_stacks_layers_like_figure_3),
		T(test_path_numbers_edges_in_time_order),
		T(test_path_draws_copies_red_and_moves_grey),
		T(test_path_marks_a_drop_with_its_reason),
		T(test_path_follows_a_tcp_clone_onto_the_wire),
		T(test_path_of_unknown_skb_fails),
		T(test_path_renders_png_svg_and_pdf),
		cmocka_unit_test(test_render_refuses_an_unknown_extension),
		T(test_stackmap_counts_skbs_on_each_edge),
		T(test_stackmap_draws_drops_by_reason),
		T(test_stackmap_puts_a_layer_on_one_row_for_every_host),
		T(test_stackmap_hosts_keeps_only_the_named_hosts),
		T(test_compare_prefixes_each_run_and_shares_the_scale),
		T(test_path_steps_name_the_node_and_edge_of_each_operation),
		T(test_cpu_timeline_has_three_lanes_and_names_owners),
		T(test_cpu_timeline_of_an_idle_window_fails),
		cmocka_unit_test(test_parse_time_reads_units),
		T(test_view_writes_the_page_and_its_data),
		T(test_ladder_shows_handshake_loss_retransmission_and_fin),
		T(test_ladder_renders_with_neato),
		cmocka_unit_test(test_draw_main_writes_the_picture_or_exits_2),
		cmocka_unit_test(test_walk_handoff_moves_the_skb_to_the_next_layer),
		cmocka_unit_test(test_walk_puts_a_queue_one_row_below_its_owner),
		cmocka_unit_test(test_walk_sends_a_frame_through_the_nic_onto_the_wire),
		cmocka_unit_test(test_walk_drop_ends_nowhere_with_the_reason),
		cmocka_unit_test(test_vocab_sql_spells_ops_and_copy_kinds_from_the_lists),
#undef T
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
