/*
 * tests/test_sweep.c - netsim sweep without running a world: --vary specs
 * (lists, linear and log ranges, units), the order of the grid, stable run
 * names, resuming (finished runs are skipped), the [sweep] group, the
 * emitted job line, and the merge of result files into CSV and SQLite.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>
#include <unistd.h>

#include "cli/sweep.h"
#include "stack/skbuff.h"

struct fixture {
	char *dir; /* a fresh output directory with runs/ */
};

static int
setup(void **state)
{
	struct fixture *f = g_new0(struct fixture, 1);
	f->dir = g_dir_make_tmp("test-sweep-XXXXXX", NULL);
	assert_non_null(f->dir);
	g_autofree char *runs = g_build_filename(f->dir, "runs", NULL);
	assert_int_equal(g_mkdir(runs, 0777), 0);
	*state = f;
	return 0;
}

static void
rm_rf(const char *path)
{
	if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
		g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
		const char *name;
		while (d && (name = g_dir_read_name(d))) {
			g_autofree char *p = g_build_filename(path, name, NULL);
			rm_rf(p);
		}
	}
	g_remove(path);
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	rm_rf(f->dir);
	g_free(f->dir);
	g_free(f);
	return 0;
}

static struct sweep_axis *
axis(const char *arg)
{
	struct sweep_axis *a = NULL;
	g_autoptr(GError) err = NULL;
	if (!sweep_axis_parse(arg, &a, &err))
		fail_msg("%s: %s", arg, err->message);
	return a;
}

static void
assert_values(const struct sweep_axis *a, const char *joined)
{
	g_autoptr(GString) s = g_string_new(NULL);
	for (guint i = 0; i < a->values->len; i++)
		g_string_append_printf(s, "%s%s", i ? " " : "", (char *)a->values->pdata[i]);
	if (strcmp(s->str, joined) != 0)
		fail_msg("%s=%s gave \"%s\", expected \"%s\"", a->key, a->spec, s->str, joined);
}

static void
write_file(const char *dir, const char *name, const char *text)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);
	assert_true(g_file_set_contents(path, text, -1, NULL));
}

static char *
read_file(const char *dir, const char *name)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);
	char *text = NULL;
	assert_true(g_file_get_contents(path, &text, NULL, NULL));
	return text;
}

static void
test_sweep_list_spec_keeps_given_order(void **state)
{
	g_autoptr(sweep_axis) a = axis("host.rx.eth0.napi=off, on");
	assert_string_equal(a->key, "host.rx.eth0.napi");
	assert_values(a, "off on");
	assert_false(a->log);
}

static void
test_sweep_linear_range_includes_both_ends(void **state)
{
	g_autoptr(sweep_axis) a = axis("app.flood.rate=1000..5000:5");
	assert_values(a, "1000 2000 3000 4000 5000");
	g_autoptr(sweep_axis) b = axis("app.flood.rate=1000..2000:4");
	assert_values(b, "1000 1333 1667 2000"); /* whole-number ends give whole numbers */
	g_autoptr(sweep_axis) c = axis("a.b=0.5..2:4");
	assert_values(c, "0.5 1 1.5 2");
}

static void
test_sweep_log_range_is_geometric(void **state)
{
	g_autoptr(sweep_axis) a = axis("app.flood.rate=1000..100000:3log");
	assert_values(a, "1000 10000 100000");
	assert_true(a->log);
	g_autoptr(sweep_axis) b = axis("app.flood.rate=1000..200000:30log");
	assert_int_equal(b->values->len, 30);
	assert_string_equal(b->values->pdata[0], "1000");
	assert_string_equal(b->values->pdata[1], "1200"); /* 1000 * 200^(1/29) = 1200.3 */
	assert_string_equal(b->values->pdata[29], "200000");
}

static void
test_sweep_log_range_drops_rounded_duplicates(void **state)
{
	g_autoptr(sweep_axis) a = axis("host.a.rx_ring=1..4:10log");
	assert_values(a, "1 2 3 4");
}

static void
test_sweep_range_keeps_its_unit(void **state)
{
	g_autoptr(sweep_axis) a = axis("host.a.cpu.ip_rcv=1us..4us:4");
	assert_values(a, "1us 2us 3us 4us");
}

static void
test_sweep_seeds_axis_counts_from_one(void **state)
{
	g_autoptr(sweep_axis) a = sweep_axis_seeds(3);
	assert_string_equal(a->key, "scenario.seed");
	assert_values(a, "1 2 3");
}

static void
test_sweep_bad_specs_are_one_line_errors(void **state)
{
	static const char *const bad[][2] = {
		{ "nokey", "--vary nokey: expected GROUP.KEY=SPEC" },
		{ "rate=1,2", "--vary rate=1,2: expected GROUP.KEY=SPEC" },
		{ "a.b=", "--vary a.b=: no values after '='" },
		{ "a.b=1..x:3", "--vary a.b=1..x:3: a range is A..B:N" },
		{ "a.b=1..5", "--vary a.b=1..5: a range is A..B:N" },
		{ "a.b=1..5:1",
		  "--vary a.b=1..5:1: '1' after ':' must be a number of points from 2" },
		{ "a.b=1..5:3lin", "--vary a.b=1..5:3lin: '3lin' after ':'" },
		{ "a.b=0..10:5log", "--vary a.b=0..10:5log: a log range needs ends above 0" },
		{ "a.b=3..3:2", "--vary a.b=3..3:2: the range has equal ends" },
		{ "a.b=1us..5ms:3", "--vary a.b=1us..5ms:3: a range is A..B:N" },
		{ "a.b=on,,off", "--vary a.b=on,,off: value 2 of the list is empty" },
		{ "a.b=on,off,on", "--vary a.b=on,off,on: 'on' is listed twice" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		struct sweep_axis *a = NULL;
		g_autoptr(GError) err = NULL;
		assert_false(sweep_axis_parse(bad[i][0], &a, &err));
		assert_null(a);
		assert_true(g_error_matches(err, SWEEP_ERROR, SWEEP_ERROR_SPEC));
		/* "--vary ARG: what is wrong", one line */
		if (!g_str_has_prefix(err->message, bad[i][1]))
			fail_msg("%s: got \"%s\", expected \"%s...\"", bad[i][0], err->message,
				 bad[i][1]);
		assert_null(strchr(err->message, '\n'));
	}
}

static GPtrArray *
axes_of(const char *first, ...)
{
	GPtrArray *axes = g_ptr_array_new_with_free_func((GDestroyNotify)sweep_axis_free);
	va_list ap;
	va_start(ap, first);
	for (const char *s = first; s; s = va_arg(ap, const char *))
		g_ptr_array_add(axes, axis(s));
	va_end(ap);
	return axes;
}

static void
test_sweep_grid_first_axis_varies_slowest(void **state)
{
	g_autoptr(GPtrArray) axes = axes_of("app.flood.rate=1,2", "host.a.napi=x,y,z", NULL);
	g_autoptr(GPtrArray) grid = sweep_grid_expand(axes, NULL);
	static const char *const want[][2] = { { "1", "x" }, { "1", "y" }, { "1", "z" },
					       { "2", "x" }, { "2", "y" }, { "2", "z" } };
	assert_int_equal(grid->len, 6);
	for (guint i = 0; i < grid->len; i++) {
		const struct sweep_run *r = grid->pdata[i];
		assert_int_equal(r->index, i);
		assert_string_equal(r->values->pdata[0], want[i][0]);
		assert_string_equal(r->values->pdata[1], want[i][1]);
		assert_true(g_str_has_prefix(r->name, "run-"));
		assert_int_equal(strlen(r->name), 16);
		for (guint j = 0; j < i; j++)
			assert_string_not_equal(r->name,
						((struct sweep_run *)grid->pdata[j])->name);
	}
}

static void
test_sweep_run_name_ignores_axis_order_but_not_fixed_sets(void **state)
{
	g_autoptr(GPtrArray) ab = axes_of("a.x=1", "b.y=2", NULL);
	g_autoptr(GPtrArray) ba = axes_of("b.y=2", "a.x=1", NULL);
	char *fixed[] = { "run.duration=5ms", NULL };
	g_autoptr(GPtrArray) g1 = sweep_grid_expand(ab, NULL);
	g_autoptr(GPtrArray) g2 = sweep_grid_expand(ba, NULL);
	g_autoptr(GPtrArray) g3 = sweep_grid_expand(ab, fixed);
	const struct sweep_run *r1 = g1->pdata[0], *r2 = g2->pdata[0], *r3 = g3->pdata[0];
	assert_string_equal(r1->name, r2->name);
	assert_string_not_equal(r1->name, r3->name);
}

static void
test_sweep_resume_skips_finished_runs(void **state)
{
	struct fixture *f = *state;
	g_autoptr(GPtrArray) axes = axes_of("scenario.seed=1,2,3,4", NULL);
	g_autoptr(GPtrArray) grid = sweep_grid_expand(axes, NULL);
	const struct sweep_run *r1 = grid->pdata[1], *r2 = grid->pdata[2], *r3 = grid->pdata[3];
	g_autofree char *done = g_strdup_printf("runs/%s.txt", r1->name);
	g_autofree char *part = g_strdup_printf("runs/%s.part", r2->name);     /* interrupted */
	g_autofree char *failed = g_strdup_printf("runs/%s.failed", r3->name); /* to retry */
	write_file(f->dir, done, "sim.seconds 0.01\nexit_status 0\n");
	write_file(f->dir, part, "sim.seconds 0.005\n");
	write_file(f->dir, failed, "exit_status 2\n");
	assert_true(sweep_run_finished(f->dir, r1));
	assert_false(sweep_run_finished(f->dir, r2));
	g_autoptr(GPtrArray) todo = sweep_pending(f->dir, grid);
	assert_int_equal(todo->len, 3);
	assert_ptr_equal(todo->pdata[0], grid->pdata[0]);
	assert_ptr_equal(todo->pdata[1], r2);
	assert_ptr_equal(todo->pdata[2], r3);
}

/* A manifest of @axes over @dir with plot settings x/y. */
static GPtrArray *
manifest(const char *dir, GPtrArray *axes)
{
	GPtrArray *grid = sweep_grid_expand(axes, NULL);
	struct sweep_plot plot = { .x = "a.rate", .y = "b.rx", .logx = 1 };
	g_autoptr(GError) err = NULL;
	write_file(dir, "scenario.ini", "[scenario]\nduration = 1ms\nseed = 7\n[host b]\n");
	g_autofree char *scen = g_build_filename(dir, "scenario.ini", NULL);
	if (!sweep_manifest_write(dir, scen, axes, NULL, grid, &plot, &err))
		fail_msg("%s", err->message);
	return grid;
}

static void
test_sweep_collect_csv_has_the_union_of_figures(void **state)
{
	struct fixture *f = *state;
	g_autoptr(GPtrArray) axes = axes_of("a.rate=10,20,30", "b.napi=off,\"on\"", NULL);
	g_autoptr(GPtrArray) grid = manifest(f->dir, axes);
	const char *results[] = {
		"b.rx 10\nsim.seconds 0.001\nexit_status 0\n",
		"b.rx 9\nb.drops.ring 1\nsim.seconds 0.001\nexit_status 1\n",
		NULL, /* missing */
		"b.rx 18\nsim.seconds 0.001\nz.last 5\nexit_status 0\n",
		NULL,
		NULL,
	};
	for (guint i = 0; i < grid->len; i++) {
		const struct sweep_run *r = grid->pdata[i];
		if (!results[i])
			continue;
		g_autofree char *name = g_strdup_printf("runs/%s.txt", r->name);
		write_file(f->dir, name, results[i]);
	}
	g_autofree char *bad =
		g_strdup_printf("runs/%s.failed", ((struct sweep_run *)grid->pdata[4])->name);
	write_file(f->dir, bad, "exit_status 2\n");
	struct sweep_plot plot = { .logx = -1 };
	struct sweep_totals t;
	g_autoptr(GError) err = NULL;
	if (!sweep_collect(f->dir, &plot, &t, &err))
		fail_msg("%s", err->message);
	assert_int_equal(t.runs, 6);
	assert_int_equal(t.finished, 3);
	assert_int_equal(t.failed, 1);
	assert_int_equal(t.missing, 2);
	/* The plot settings come back from the manifest. */
	assert_string_equal(plot.x, "a.rate");
	assert_string_equal(plot.y, "b.rx");
	assert_int_equal(plot.logx, 1);
	g_free(plot.x);
	g_free(plot.y);
	g_autofree char *csv = read_file(f->dir, "sweep.csv");
	assert_string_equal(
		csv,
		"a.rate,b.napi,scenario.seed,exit_status,b.drops.ring,b.rx,sim.seconds,z.last\n"
		"10,off,7,0,0,10,0.001,\n"
		"10,\"\"\"on\"\"\",7,1,1,9,0.001,\n"
		"20,off,7,,,,,\n"
		"20,\"\"\"on\"\"\",7,0,0,18,0.001,5\n"
		"30,off,7,2,,,,\n"
		"30,\"\"\"on\"\"\",7,,,,,\n");
	/* The same rows in sweep.db, numbers as numbers. */
	g_autofree char *db_path = g_build_filename(f->dir, "sweep.db", NULL);
	sqlite3 *db;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT count(*), sum(\"b.rx\"), sum(exit_status), "
					    "typeof(max(\"a.rate\")) FROM results",
					    -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 6);
	assert_int_equal(sqlite3_column_int(st, 1), 37);
	assert_int_equal(sqlite3_column_int(st, 2), 3);
	assert_string_equal((const char *)sqlite3_column_text(st, 3), "real");
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static void
test_sweep_collect_reports_a_broken_result_file(void **state)
{
	struct fixture *f = *state;
	g_autoptr(GPtrArray) axes = axes_of("a.rate=10", NULL);
	g_autoptr(GPtrArray) grid = manifest(f->dir, axes);
	g_autofree char *name =
		g_strdup_printf("runs/%s.txt", ((struct sweep_run *)grid->pdata[0])->name);
	write_file(f->dir, name, "b.rx 10\nb.tx lots\n");
	struct sweep_plot plot = { .logx = -1 };
	struct sweep_totals t;
	g_autoptr(GError) err = NULL;
	assert_false(sweep_collect(f->dir, &plot, &t, &err));
	assert_true(g_error_matches(err, SWEEP_ERROR, SWEEP_ERROR_RESULTS));
	/* file:line: what is wrong */
	assert_non_null(strstr(err->message, ".txt:2: expected 'figure value', found 'b.tx lots'"));
	sweep_plot_clear(&plot);
}

static void
test_sweep_collect_of_a_plain_directory_says_so(void **state)
{
	struct fixture *f = *state;
	struct sweep_plot plot = { .logx = -1 };
	struct sweep_totals t;
	g_autoptr(GError) err = NULL;
	assert_false(sweep_collect(f->dir, &plot, &t, &err));
	assert_true(g_error_matches(err, SWEEP_ERROR, SWEEP_ERROR_RESULTS));
}

static void
test_sweep_group_fills_plot_axes_and_seeds(void **state)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(scenario) sc = scenario_load_data(
		"hw.ini",
		"[scenario]\nduration = 1ms\n[sweep]\n"
		"vary = app.flood.rate=1000..4000:4; host.b.eth0.napi=off,on\n"
		"seeds = 2\nx = app.flood.rate\ny = b.rx_pps\nseries = host.b.eth0.napi\n"
		"cpu = b.cpu.hardirq_share, b.cpu.softirq_share;b.cpu.task_share\n"
		"title = Livelock\ndiagonal = yes\n",
		&err);
	assert_non_null(sc);
	struct sweep_plot plot = { .logx = -1, .y = g_strdup("from.command.line") };
	g_autoptr(GPtrArray) axes = g_ptr_array_new_with_free_func((GDestroyNotify)sweep_axis_free);
	guint seeds = 0;
	if (!sweep_group_read(sc, &plot, axes, &seeds, &err))
		fail_msg("%s", err->message);
	assert_int_equal(axes->len, 2);
	assert_values(axes->pdata[0], "1000 2000 3000 4000");
	assert_values(axes->pdata[1], "off on");
	assert_int_equal(seeds, 2);
	assert_string_equal(plot.x, "app.flood.rate");
	assert_string_equal(plot.y, "from.command.line");
	assert_string_equal(plot.series, "host.b.eth0.napi");
	assert_int_equal(g_strv_length(plot.cpu), 3);
	assert_string_equal(plot.cpu[2], "b.cpu.task_share");
	assert_null(plot.title); /* "Livelock" is the title of b.rx_pps, not of this y */
	assert_true(plot.diagonal);
	assert_int_equal(plot.logx, -1);
	sweep_plot_clear(&plot);
}

static void
test_sweep_group_title_goes_with_its_y(void **state)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(scenario) sc = scenario_load_data(
		"hw.ini", "[scenario]\n[sweep]\nx = a.rate\ny = b.rx_pps\ntitle = Livelock\n",
		&err);
	assert_non_null(sc);
	struct sweep_plot same = { .logx = -1, .y = g_strdup("b.rx_pps") };
	struct sweep_plot none = { .logx = -1 };
	g_autoptr(GPtrArray) axes = g_ptr_array_new_with_free_func((GDestroyNotify)sweep_axis_free);
	guint seeds = 0;
	assert_true(sweep_group_read(sc, &same, axes, &seeds, &err));
	assert_true(sweep_group_read(sc, &none, axes, &seeds, &err));
	assert_string_equal(same.title, "Livelock");
	assert_string_equal(none.title, "Livelock");
	assert_string_equal(none.y, "b.rx_pps");
	sweep_plot_clear(&same);
	sweep_plot_clear(&none);
}

static void
test_sweep_collect_has_every_drop_reason_of_every_host(void **state)
{
	struct fixture *f = *state;
	g_autoptr(GPtrArray) axes = axes_of("a.rate=10,20", NULL);
	g_autoptr(GPtrArray) grid = manifest(f->dir, axes);
	const char *results[] = {
		"b.rx 10\nb.drops.total 0\nc.drops.total 0\nexit_status 0\n",
		"b.rx 9\nb.drops.total 3\nb.drops.ring_full 3\nb.eth0.drops.ring_full 3\n"
		"c.drops.total 0\nexit_status 0\n",
	};
	for (guint i = 0; i < grid->len; i++) {
		const struct sweep_run *r = grid->pdata[i];
		g_autofree char *name = g_strdup_printf("runs/%s.txt", r->name);
		write_file(f->dir, name, results[i]);
	}
	struct sweep_plot plot = { .logx = -1 };
	struct sweep_totals t;
	g_autoptr(GError) err = NULL;
	if (!sweep_collect(f->dir, &plot, &t, &err))
		fail_msg("%s", err->message);
	sweep_plot_clear(&plot);
	/* Every reason of both hosts is a column; a drop that never fired is 0,
	 * never a missing column (which sqlite would read as a string). */
	g_autofree char *db_path = g_build_filename(f->dir, "sweep.db", NULL);
	sqlite3 *db;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	assert_int_equal(
		sqlite3_prepare_v2(db,
				   "SELECT \"b.drops.ring_full\", \"b.drops.backlog_full\", "
				   "\"c.drops.socket_rcvbuff\", \"c.drops.nomem\", "
				   "\"b.eth0.drops.ring_full\", typeof(\"c.drops.ring_full\") "
				   "FROM results ORDER BY \"a.rate\"",
				   -1, &st, NULL),
		SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	for (int c = 0; c < 5; c++)
		assert_int_equal(sqlite3_column_int(st, c), 0);
	assert_string_equal((const char *)sqlite3_column_text(st, 5), "real");
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 3);
	assert_int_equal(sqlite3_column_int(st, 1), 0);
	assert_int_equal(sqlite3_column_int(st, 4), 3);
	sqlite3_finalize(st);
	sqlite3_close(db);
	g_autofree char *csv = read_file(f->dir, "sweep.csv");
	g_auto(GStrv) lines = g_strsplit(csv, "\n", -1);
	g_auto(GStrv) head = g_strsplit(lines[0], ",", -1);
	guint drops = 0;
	for (int i = 0; head[i]; i++)
		drops += g_str_has_prefix(head[i], "c.drops.") && strcmp(head[i], "c.drops.total");
	assert_int_equal(drops, SKB_DROP_REASON_MAX - 1);
}

static void
test_sweep_group_mistakes_name_file_and_line(void **state)
{
	static const char *const cases[][2] = {
		{ "[scenario]\n[sweep]\nx = a.b\ncolour = red\n",
		  "hw.ini:4: sweep colour: unknown key" },
		{ "[scenario]\n[sweep]\nvary = a.b=1..2:9log; c=1\n",
		  "hw.ini:3: sweep vary: c=1: expected GROUP.KEY=SPEC" },
		{ "[scenario]\n[sweep]\n\nseeds = many\n",
		  "hw.ini:4: sweep seeds: 'many' is not a whole number" },
		{ "[scenario]\n[sweep]\ndiagonal = perhaps\n", "hw.ini:3: sweep diagonal:" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) err = NULL;
		g_autoptr(scenario) sc = scenario_load_data("hw.ini", cases[i][0], &err);
		assert_non_null(sc);
		struct sweep_plot plot = { .logx = -1 };
		g_autoptr(GPtrArray) axes =
			g_ptr_array_new_with_free_func((GDestroyNotify)sweep_axis_free);
		guint seeds = 0;
		assert_false(sweep_group_read(sc, &plot, axes, &seeds, &err));
		/* file:line: group key: what is wrong */
		if (!g_str_has_prefix(err->message, cases[i][1]))
			fail_msg("got \"%s\", expected \"%s...\"", err->message, cases[i][1]);
		sweep_plot_clear(&plot);
	}
}

/*
 * The line of jobs.txt names the sweep directory and the run, and nothing
 * else: a value of the grid (here one a shell would run) never reaches it.
 */
static void
test_sweep_job_line_holds_no_value(void **state)
{
	struct fixture *f = *state;
	g_autoptr(GPtrArray) axes = axes_of("app.flood.rate=x;touch pwned #,ok", NULL);
	g_autoptr(GPtrArray) grid = sweep_grid_expand(axes, NULL);
	struct sweep_exec ex = { .exe = "/opt/net sim/netsim",
				 .out = f->dir,
				 .scenario = "/x/scenario.ini",
				 .axes = axes,
				 .jobs = 1 };
	const struct sweep_run *r = grid->pdata[0];
	g_autofree char *line = sweep_job_line(&ex, r);
	g_autofree char *qout = g_shell_quote(f->dir);
	g_autofree char *want =
		g_strdup_printf("'/opt/net sim/netsim' sweep --run-job %s %s", qout, r->name);
	assert_string_equal(line, want);
	assert_null(strstr(line, "pwned"));
}

/* A newline in a value would split a line of jobs.txt or grid.ini: refused. */
static void
test_sweep_value_with_a_newline_is_refused(void **state)
{
	struct sweep_axis *a = NULL;
	g_autoptr(GError) err = NULL;
	(void)state;
	assert_false(sweep_axis_parse("app.student.mode=none,x\ntouch pwned #", &a, &err));
	assert_null(a);
	assert_true(g_error_matches(err, SWEEP_ERROR, SWEEP_ERROR_SPEC));
	assert_null(strchr(err->message, '\n'));
}

/* A sweep directory another sweep holds is SWEEP_ERROR_OUTDIR: flock
 * locks belong to the open file, so a second lock in this process
 * conflicts as another process's would. */
static void
test_sweep_lock_held_by_another_sweep_is_an_outdir_error(void **state)
{
	struct fixture *f = *state;
	g_autoptr(GError) err = NULL;
	int fd = sweep_lock(f->dir, true, &err);
	assert_true(fd >= 0);
	assert_int_equal(sweep_lock(f->dir, true, &err), -1);
	assert_true(g_error_matches(err, SWEEP_ERROR, SWEEP_ERROR_OUTDIR));
	g_clear_error(&err);
	assert_int_equal(sweep_lock(f->dir, false, &err), -1); /* a job beside it */
	assert_true(g_error_matches(err, SWEEP_ERROR, SWEEP_ERROR_OUTDIR));
	close(fd);
}

/* A lock file that cannot be opened (no such folder) is SWEEP_ERROR_IO. */
static void
test_sweep_lock_in_a_missing_folder_is_an_io_error(void **state)
{
	struct fixture *f = *state;
	g_autofree char *gone = g_build_filename(f->dir, "no-such-dir", NULL);
	g_autoptr(GError) err = NULL;
	assert_int_equal(sweep_lock(gone, true, &err), -1);
	assert_true(g_error_matches(err, SWEEP_ERROR, SWEEP_ERROR_IO));
}

/* A grid of other varied keys in the same folder is SWEEP_ERROR_OUTDIR;
 * a grid.ini that cannot be read (a folder) is SWEEP_ERROR_IO. */
static void
test_sweep_grid_check_refuses_another_grid_and_an_unreadable_one(void **state)
{
	struct fixture *f = *state;
	g_autoptr(GPtrArray) axes = axes_of("a.rate=10,20", NULL);
	g_autoptr(GPtrArray) grid = manifest(f->dir, axes);
	g_autoptr(GError) err = NULL;
	assert_true(sweep_grid_check(f->dir, axes, NULL, grid, &err));
	g_autoptr(GPtrArray) other = axes_of("b.napi=on,off", NULL);
	g_autoptr(GPtrArray) ogrid = sweep_grid_expand(other, NULL);
	assert_false(sweep_grid_check(f->dir, other, NULL, ogrid, &err));
	assert_true(g_error_matches(err, SWEEP_ERROR, SWEEP_ERROR_OUTDIR));
	g_clear_error(&err);
	g_autofree char *dir = g_build_filename(f->dir, "runs", NULL); /* a folder, no grid.ini */
	g_autofree char *ini = g_build_filename(dir, "grid.ini", NULL);
	assert_int_equal(g_mkdir(ini, 0777), 0);
	assert_false(sweep_grid_check(dir, axes, NULL, grid, &err));
	assert_true(g_error_matches(err, SWEEP_ERROR, SWEEP_ERROR_IO));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sweep_list_spec_keeps_given_order),
		cmocka_unit_test(test_sweep_linear_range_includes_both_ends),
		cmocka_unit_test(test_sweep_log_range_is_geometric),
		cmocka_unit_test(test_sweep_log_range_drops_rounded_duplicates),
		cmocka_unit_test(test_sweep_range_keeps_its_unit),
		cmocka_unit_test(test_sweep_seeds_axis_counts_from_one),
		cmocka_unit_test(test_sweep_bad_specs_are_one_line_errors),
		cmocka_unit_test(test_sweep_grid_first_axis_varies_slowest),
		cmocka_unit_test(test_sweep_run_name_ignores_axis_order_but_not_fixed_sets),
		cmocka_unit_test_setup_teardown(test_sweep_resume_skips_finished_runs, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sweep_collect_csv_has_the_union_of_figures,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_sweep_collect_reports_a_broken_result_file,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_sweep_collect_of_a_plain_directory_says_so,
						setup, teardown),
		cmocka_unit_test(test_sweep_group_fills_plot_axes_and_seeds),
		cmocka_unit_test(test_sweep_group_title_goes_with_its_y),
		cmocka_unit_test_setup_teardown(
			test_sweep_collect_has_every_drop_reason_of_every_host, setup, teardown),
		cmocka_unit_test(test_sweep_group_mistakes_name_file_and_line),
		cmocka_unit_test_setup_teardown(test_sweep_job_line_holds_no_value, setup,
						teardown),
		cmocka_unit_test(test_sweep_value_with_a_newline_is_refused),
		cmocka_unit_test_setup_teardown(
			test_sweep_lock_held_by_another_sweep_is_an_outdir_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sweep_lock_in_a_missing_folder_is_an_io_error,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_sweep_grid_check_refuses_another_grid_and_an_unreadable_one, setup,
			teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
