/*
 * tests/test_plot.c - viz/plot: a sweep table becomes curves (rows of a
 * grid point averaged over seeds, split by series, sorted by x), and the
 * gnuplot script and data are written beside the pictures, named after
 * the y column, with axes labelled by meaning and unit and the legend
 * outside the data.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "viz/plot.h"

/* Two modes, two rates given out of order, two seeds; one failed run. */
static const char table[] =
	"app.rate,host.b.napi,scenario.seed,exit_status,b.rx_pps,b.cpu.softirq_share\n"
	"2000,off,1,0,500,0.9\n"
	"2000,off,2,0,700,0.7\n"
	"1000,off,1,0,1000,0.5\n"
	"1000,off,2,2,,\n"
	"1000,on,1,0,1000,0.2\n"
	"2000,on,1,0,1900,0.4\n";

struct fixture {
	char *dir, *csv;
};

static int
setup(void **state)
{
	struct fixture *f = g_new0(struct fixture, 1);
	f->dir = g_dir_make_tmp("test-plot-XXXXXX", NULL);
	f->csv = g_build_filename(f->dir, "sweep.csv", NULL);
	assert_true(g_file_set_contents(f->csv, table, -1, NULL));
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	g_free(f->dir);
	g_free(f->csv);
	g_free(f);
	return 0;
}

static void
test_plot_curves_average_seeds_and_split_by_series(void **state)
{
	struct fixture *f = *state;
	const char *cpu[] = { "b.cpu.softirq_share", NULL };
	struct plot_spec spec = {
		.x = "app.rate", .y = "b.rx_pps", .series = "host.b.napi", .cpu = cpu
	};
	GPtrArray *curves = NULL;
	g_autofree char *unit = NULL;
	g_autoptr(GError) err = NULL;
	g_auto(GStrv) names = plot_curves(f->csv, &spec, &curves, &unit, &err);
	assert_non_null(names);
	assert_int_equal(g_strv_length(names), 2);
	assert_string_equal(names[0], "off");
	assert_string_equal(names[1], "on");
	GArray *off = curves->pdata[0];
	assert_int_equal(off->len, 2);
	struct plot_point *p0 = &g_array_index(off, struct plot_point, 0);
	struct plot_point *p1 = &g_array_index(off, struct plot_point, 1);
	assert_true(p0->x == 1000 && p0->y == 1000 && p0->ymin == 1000 && p0->ymax == 1000);
	assert_true(p1->x == 2000 && p1->y == 600 && p1->ymin == 500 && p1->ymax == 700);
	assert_true(p1->cpu[0] > 0.799 && p1->cpu[0] < 0.801);
	assert_string_equal(unit, "");
	plot_curves_free(curves);
}

static void
test_plot_unknown_column_names_the_columns(void **state)
{
	struct fixture *f = *state;
	struct plot_spec spec = { .x = "app.rate", .y = "b.rx_ppz" };
	GPtrArray *curves = NULL;
	g_autofree char *unit = NULL;
	g_autoptr(GError) err = NULL;
	assert_null(plot_curves(f->csv, &spec, &curves, &unit, &err));
	assert_true(g_error_matches(err, PLOT_ERROR, PLOT_ERROR_COLUMN));
	/* the message lists the columns there are */
	assert_non_null(
		strstr(err->message, "has no column 'b.rx_ppz' (columns: app.rate, host.b.napi,"));
}

static void
test_plot_writes_script_and_data_beside_the_pictures(void **state)
{
	struct fixture *f = *state;
	const char *cpu[] = { "b.cpu.softirq_share", NULL };
	struct plot_spec spec = { .x = "app.rate",
				  .y = "b.rx_pps",
				  .series = "host.b.napi",
				  .cpu = cpu,
				  .logx = true,
				  .diagonal = true };
	g_autofree char *dir = g_build_filename(f->dir, "plots", NULL);
	g_autoptr(GError) err = NULL;
	bool drawn;
	/* No gnuplot here: this test is about the files, not the pictures (see tests/sweep.sh). */
	g_autofree char *path = g_strdup(g_getenv("PATH"));
	g_autofree char *gnuplot = g_strdup(g_getenv("GNUPLOT"));
	g_unsetenv("GNUPLOT");
	g_setenv("PATH", "/nonexistent", TRUE);
	g_autoptr(GPtrArray) files = plot_draw(f->csv, &spec, dir, &drawn, &err);
	g_setenv("PATH", path, TRUE);
	if (gnuplot)
		g_setenv("GNUPLOT", gnuplot, TRUE);
	if (!files)
		fail_msg("%s", err->message);
	assert_false(drawn);
	g_autofree char *gp = NULL, *dat = NULL;
	g_autofree char *gpp = g_build_filename(dir, "b.rx_pps.gp", NULL);
	g_autofree char *datp = g_build_filename(dir, "b.rx_pps.dat", NULL);
	g_autofree char *cpup = g_build_filename(dir, "cpu.gp", NULL);
	assert_true(g_file_get_contents(gpp, &gp, NULL, NULL));
	assert_true(g_file_get_contents(datp, &dat, NULL, NULL));
	assert_true(g_file_test(cpup, G_FILE_TEST_EXISTS));
	assert_non_null(strstr(gp, "set logscale x\n"));
	assert_non_null(strstr(gp,
			       "\"b.rx_pps.dat\" index 1 using 1:2:3:4 with yerrorlines lw 2 title "
			       "\"host.b.napi = on\""));
	assert_non_null(strstr(gp, "x with lines"));
	assert_non_null(strstr(gp, "set output \"b.rx_pps.svg\""));
	assert_non_null(strstr(dat,
			       "# host.b.napi = off\n# x y ymin ymax\n1000 1000 1000 1000\n2000 "
			       "600 500 700\n\n\n"));
}

static void
test_plot_axis_labels_say_meaning_and_unit(void **state)
{
	static const char *const cases[][2] = {
		{ "app.sink.rx_rate", "delivered (packets/s)" },
		{ "app.flood.rate", "offered load (packets/s)" },
		{ "bob.cpu.softirq_share", "share of CPU time" },
		{ "bob.eth0.irqs_per_packet", "interrupts per packet" },
		{ "bob.drops.ring_full", "dropped: ring_full (packets)" },
		{ "bob.drops.total", "dropped (packets)" },
		{ "app.sink.lat_p99_us", "99th percentile latency (us)" },
		{ "link.lan.rate", "link rate (bit/s)" },
		{ "host.bob.eth0.rx_usecs", "interrupt coalescing delay, rx-usecs (us)" },
		{ "bob.eth0.rx_frames", "frames received" },
		{ "some.unknown_figure", "some.unknown_figure" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *l = plot_axis_label(cases[i][0], NULL);
		assert_string_equal(l, cases[i][1]);
	}
	g_autofree char *u = plot_axis_label("host.a.cpu.ip_rcv", "us");
	assert_string_equal(u, "host.a.cpu.ip_rcv (us)");
}

static void
test_plot_file_name_follows_the_y_column(void **state)
{
	g_autofree char *a = plot_file_name("app.sink.rx_rate");
	g_autofree char *b = plot_file_name("bob.eth0.irqs_per_packet");
	g_autofree char *c = plot_file_name("../x y/\"z\"");
	assert_string_equal(a, "app.sink.rx_rate");
	assert_string_equal(b, "bob.eth0.irqs_per_packet");
	assert_null(strchr(c, '/'));
	assert_null(strchr(c, ' '));
	assert_true(c[0] != '.');
}

/* Draw @spec from the fixture's table into DIR/plots without gnuplot; the .gp text of @name. */
static char *
script_of(struct fixture *f, const struct plot_spec *spec, const char *name)
{
	g_autofree char *dir = g_build_filename(f->dir, "plots", NULL);
	g_autoptr(GError) err = NULL;
	bool drawn;
	g_autofree char *path = g_strdup(g_getenv("PATH"));
	g_autofree char *gnuplot = g_strdup(g_getenv("GNUPLOT"));
	g_unsetenv("GNUPLOT");
	g_setenv("PATH", "/nonexistent", TRUE);
	g_autoptr(GPtrArray) files = plot_draw(f->csv, spec, dir, &drawn, &err);
	g_setenv("PATH", path, TRUE);
	if (gnuplot)
		g_setenv("GNUPLOT", gnuplot, TRUE);
	if (!files)
		fail_msg("%s", err->message);
	g_autofree char *file = g_strconcat(name, ".gp", NULL);
	g_autofree char *gpp = g_build_filename(dir, file, NULL);
	char *gp = NULL;
	assert_true(g_file_get_contents(gpp, &gp, NULL, NULL));
	return gp;
}

static void
test_plot_two_ys_write_two_plots_with_their_own_titles(void **state)
{
	struct fixture *f = *state;
	struct plot_spec a = { .x = "app.rate", .y = "b.rx_pps", .series = "host.b.napi" };
	struct plot_spec b = { .x = "app.rate",
			       .y = "b.cpu.softirq_share",
			       .series = "host.b.napi" };
	g_autofree char *ga = script_of(f, &a, "b.rx_pps");
	g_autofree char *gb = script_of(f, &b, "b.cpu.softirq_share");
	g_autofree char *again = NULL;
	g_autofree char *first = g_build_filename(f->dir, "plots", "b.rx_pps.gp", NULL);
	assert_true(g_file_get_contents(first, &again, NULL, NULL));
	assert_string_equal(again, ga); /* the second plot left the first alone */
	assert_non_null(strstr(gb,
			       "set title \"share of CPU time against offered load "
			       "(packets/s)\""));
	assert_non_null(strstr(gb, "set ylabel \"share of CPU time\""));
	assert_non_null(strstr(gb, "set xlabel \"offered load (packets/s)\""));
	assert_non_null(strstr(gb, "set output \"b.cpu.softirq_share.png\""));
}

static void
test_plot_legends_sit_outside_the_data_and_x_ends_at_the_data(void **state)
{
	struct fixture *f = *state;
	const char *cpu[] = { "b.cpu.softirq_share", NULL };
	struct plot_spec spec = {
		.x = "app.rate", .y = "b.rx_pps", .series = "host.b.napi", .cpu = cpu, .logx = true
	};
	g_autofree char *gp = script_of(f, &spec, "b.rx_pps");
	g_autofree char *cp = script_of(f, &spec, "cpu");
	const char *scripts[] = { gp, cp };
	for (int i = 0; i < 2; i++) {
		/* under the plot, in a bottom margin made for it; never inside */
		assert_non_null(strstr(scripts[i], "set key below box\n"));
		assert_non_null(strstr(scripts[i], "set bmargin "));
		assert_null(strstr(scripts[i], "set key top"));
		assert_null(strstr(scripts[i], "inside"));
		assert_non_null(strstr(scripts[i], "set autoscale xfix\n"));
	}
	assert_non_null(strstr(cp, "title \"softirq\""));
}

/* Draw the fixture's table into @dir with GNUPLOT=@gnuplot; the error. */
static GError *
draw_error(struct fixture *f, const char *dir, const char *gnuplot)
{
	struct plot_spec spec = { .x = "app.rate", .y = "b.rx_pps" };
	GError *err = NULL;
	bool drawn;
	g_autofree char *saved = g_strdup(g_getenv("GNUPLOT"));
	g_setenv("GNUPLOT", gnuplot, TRUE);
	GPtrArray *files = plot_draw(f->csv, &spec, dir, &drawn, &err);
	if (saved)
		g_setenv("GNUPLOT", saved, TRUE);
	else
		g_unsetenv("GNUPLOT");
	assert_null(files);
	assert_non_null(err);
	return err;
}

/* A gnuplot that exits with a failure status is PLOT_ERROR_GNUPLOT. */
static void
test_plot_failing_gnuplot_is_a_gnuplot_error(void **state)
{
	struct fixture *f = *state;
	g_autofree char *dir = g_build_filename(f->dir, "plots", NULL);
	g_autoptr(GError) err = draw_error(f, dir, "/bin/false");
	assert_true(g_error_matches(err, PLOT_ERROR, PLOT_ERROR_GNUPLOT));
}

/* An output folder that cannot be made (its parent is a file) is
 * PLOT_ERROR_IO, before gnuplot is looked for. */
static void
test_plot_output_folder_under_a_file_is_an_io_error(void **state)
{
	struct fixture *f = *state;
	g_autofree char *dir = g_build_filename(f->csv, "plots", NULL);
	g_autoptr(GError) err = draw_error(f, dir, "/bin/true");
	assert_true(g_error_matches(err, PLOT_ERROR, PLOT_ERROR_IO));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_plot_curves_average_seeds_and_split_by_series,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_plot_unknown_column_names_the_columns, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_plot_writes_script_and_data_beside_the_pictures, setup, teardown),
		cmocka_unit_test(test_plot_axis_labels_say_meaning_and_unit),
		cmocka_unit_test(test_plot_file_name_follows_the_y_column),
		cmocka_unit_test_setup_teardown(
			test_plot_two_ys_write_two_plots_with_their_own_titles, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_plot_legends_sit_outside_the_data_and_x_ends_at_the_data, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_plot_failing_gnuplot_is_a_gnuplot_error, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_plot_output_folder_under_a_file_is_an_io_error,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
