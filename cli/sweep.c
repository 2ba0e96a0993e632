/*
 * cli/sweep.c - `netsim sweep`: the grid and the command.
 *
 * This file turns --vary specs and the scenario's [sweep] group into axes,
 * expands the axes into a grid of runs with stable names, checks every
 * varied value against the scenario before anything runs, and drives the
 * rest: sweep_run.c starts the runs (or writes job lists for GNU parallel
 * and Slurm), sweep_collect.c merges their result files, viz/plot.c draws.
 */
#include "cli/sweep.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/expect.h"
#include "cli/world.h"
#include "viz/plot.h"

G_DEFINE_QUARK(netsim - sweep - error - quark, sweep_error)

enum { EXIT_OK = 0, EXIT_RUNS_FAILED = 1, EXIT_BAD_INPUT = 2, EXIT_INTERRUPTED = 130 };

#define SWEEP_MAX_POINTS 10000

void
sweep_axis_free(struct sweep_axis *a)
{
	if (!a)
		return;
	g_free(a->key);
	g_free(a->spec);
	g_ptr_array_free(a->values, TRUE);
	g_free(a);
}

static struct sweep_axis *
axis_new(const char *key, const char *spec)
{
	struct sweep_axis *a = g_new0(struct sweep_axis, 1);
	a->key = g_strdup(key);
	a->spec = g_strdup(spec);
	a->values = g_ptr_array_new_with_free_func(g_free);
	return a;
}

static bool
valid_key(const char *k)
{
	if (!*k || !strchr(k, '.') || k[0] == '.' || k[strlen(k) - 1] == '.')
		return false;
	for (; *k; k++)
		if (!g_ascii_isalnum(*k) && !strchr("._-", *k))
			return false;
	return true;
}

/* Newlines and other control characters have no place in a value or a path. */
static bool
has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* "250us" -> 250 and "us"; the unit is letters (or '%') only. */
static bool
split_number(const char *text, double *num, const char **unit)
{
	char *end;
	errno = 0;
	*num = g_ascii_strtod(text, &end);
	if (end == text || errno || !isfinite(*num))
		return false;
	for (const char *u = end; *u; u++)
		if (!g_ascii_isalpha(*u) && *u != '%')
			return false;
	*unit = end;
	return true;
}

/* Add @v unless it equals the last value (rounding can make neighbours equal). */
static void
axis_add(struct sweep_axis *a, char *v)
{
	if (a->values->len && strcmp(a->values->pdata[a->values->len - 1], v) == 0)
		g_free(v);
	else
		g_ptr_array_add(a->values, v);
}

/* "A..B:N" or "A..B:Nlog": N points from A to B inclusive. */
static bool
parse_range(struct sweep_axis *a, const char *arg, const char *spec, GError **error)
{
	const char *dots = strstr(spec, "..");
	const char *colon = strrchr(spec, ':');
	g_autofree char *lo = dots ? g_strndup(spec, (gsize)(dots - spec)) : NULL;
	g_autofree char *hi =
		dots && colon > dots ? g_strndup(dots + 2, (gsize)(colon - dots - 2)) : NULL;
	const char *ulo, *uhi;
	double x0, x1;
	if (!lo || !hi || !split_number(g_strstrip(lo), &x0, &ulo) ||
	    !split_number(g_strstrip(hi), &x1, &uhi) || strcmp(ulo, uhi) != 0) {
		g_set_error(error, SWEEP_ERROR, SWEEP_ERROR_SPEC,
			    "--vary %s: a range is A..B:N or A..B:Nlog, where A and B are numbers "
			    "with the same unit (1000..200000:30log, 1us..8us:8)",
			    arg);
		return false;
	}
	g_autofree char *count = g_strdup(colon + 1);
	a->log = g_str_has_suffix(count, "log");
	if (a->log)
		count[strlen(count) - 3] = 0;
	guint64 n;
	if (!g_ascii_string_to_unsigned(count, 10, 2, SWEEP_MAX_POINTS, &n, NULL)) {
		g_set_error(error, SWEEP_ERROR, SWEEP_ERROR_SPEC,
			    "--vary %s: '%s' after ':' must be a number of points from 2 to %d, "
			    "optionally followed by 'log'",
			    arg, colon + 1, SWEEP_MAX_POINTS);
		return false;
	}
	if (x0 == x1) {
		g_set_error(error, SWEEP_ERROR, SWEEP_ERROR_SPEC,
			    "--vary %s: the range has equal ends", arg);
		return false;
	}
	if (a->log && (x0 <= 0 || x1 <= 0)) {
		g_set_error(error, SWEEP_ERROR, SWEEP_ERROR_SPEC,
			    "--vary %s: a log range needs ends above 0", arg);
		return false;
	}
	/* Whole-number ends give whole-number points (packet rates, queue lengths). */
	bool whole = x0 == floor(x0) && x1 == floor(x1);
	for (guint64 i = 0; i < n; i++) {
		double f = (double)i / (double)(n - 1);
		double x = a->log ? x0 * pow(x1 / x0, f) : x0 + (x1 - x0) * f;
		if (i == n - 1)
			x = x1;
		char buf[G_ASCII_DTOSTR_BUF_SIZE];
		g_ascii_formatd(buf, sizeof buf, whole ? "%.0f" : "%.6g", whole ? round(x) : x);
		axis_add(a, g_strconcat(buf, ulo, NULL));
	}
	return true;
}

bool
sweep_axis_parse(const char *arg, struct sweep_axis **out, GError **error)
{
	const char *eq = strchr(arg, '=');
	g_autofree char *key = eq ? g_strstrip(g_strndup(arg, (gsize)(eq - arg))) : NULL;
	if (!key || !valid_key(key)) {
		g_set_error(error, SWEEP_ERROR, SWEEP_ERROR_SPEC,
			    "--vary %s: expected GROUP.KEY=SPEC, for example "
			    "app.flood.rate=1000..200000:30log",
			    arg);
		return false;
	}
	g_autofree char *spec = g_strstrip(g_strdup(eq + 1));
	if (!*spec) {
		g_set_error(error, SWEEP_ERROR, SWEEP_ERROR_SPEC, "--vary %s: no values after '='",
			    arg);
		return false;
	}
	g_autoptr(sweep_axis) a = axis_new(key, spec);
	if (strstr(spec, "..")) {
		if (!parse_range(a, arg, spec, error))
			return false;
	} else {
		g_auto(GStrv) items = g_strsplit(spec, ",", -1);
		for (int i = 0; items[i]; i++) {
			char *v = g_strstrip(items[i]);
			if (!*v) {
				g_set_error(error, SWEEP_ERROR, SWEEP_ERROR_SPEC,
					    "--vary %s: value %d of the list is empty", arg, i + 1);
				return false;
			}
			if (has_control(v)) {
				g_autofree char *shown = g_strescape(arg, NULL);
				g_set_error(error, SWEEP_ERROR, SWEEP_ERROR_SPEC,
					    "--vary %s: value %d has a control character (a "
					    "newline?)",
					    shown, i + 1);
				return false;
			}
			for (guint j = 0; j < a->values->len; j++)
				if (strcmp(a->values->pdata[j], v) == 0) {
					g_set_error(error, SWEEP_ERROR, SWEEP_ERROR_SPEC,
						    "--vary %s: '%s' is listed twice", arg, v);
					return false;
				}
			g_ptr_array_add(a->values, g_strdup(v));
		}
	}
	*out = g_steal_pointer(&a);
	return true;
}

struct sweep_axis *
sweep_axis_seeds(guint n)
{
	g_autofree char *spec = g_strdup_printf("1..%u", n);
	struct sweep_axis *a = axis_new("scenario.seed", spec);
	for (guint i = 1; i <= n; i++)
		g_ptr_array_add(a->values, g_strdup_printf("%u", i));
	return a;
}

void
sweep_run_free(struct sweep_run *r)
{
	if (!r)
		return;
	g_free(r->name);
	g_ptr_array_free(r->values, TRUE);
	g_free(r);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The name is a digest of the sorted assignments: the order of --vary options does not matter. */
static char *
run_name(GPtrArray *axes, GPtrArray *values, char **fixed)
{
	g_autoptr(GPtrArray) set = g_ptr_array_new_with_free_func(g_free);
	for (int i = 0; fixed && fixed[i]; i++)
		g_ptr_array_add(set, g_strdup(fixed[i]));
	for (guint i = 0; i < axes->len; i++) {
		const struct sweep_axis *a = axes->pdata[i];
		g_ptr_array_add(set, g_strdup_printf("%s=%s", a->key, (char *)values->pdata[i]));
	}
	g_ptr_array_sort(set, cmp_str);
	g_autoptr(GString) s = g_string_new(NULL);
	for (guint i = 0; i < set->len; i++)
		g_string_append_printf(s, "%s\n", (char *)set->pdata[i]);
	g_autofree char *sum =
		g_compute_checksum_for_string(G_CHECKSUM_SHA256, s->str, (gssize)s->len);
	return g_strdup_printf("run-%.12s", sum);
}

GPtrArray *
sweep_grid_expand(GPtrArray *axes, char **fixed)
{
	GPtrArray *grid = g_ptr_array_new_with_free_func((GDestroyNotify)sweep_run_free);
	guint n = 1;
	for (guint i = 0; i < axes->len; i++)
		n *= ((struct sweep_axis *)axes->pdata[i])->values->len;
	g_autofree guint *at = g_new0(guint, axes->len + 1);
	for (guint k = 0; k < n; k++) {
		struct sweep_run *r = g_new0(struct sweep_run, 1);
		r->index = k;
		r->values = g_ptr_array_new_with_free_func(g_free);
		for (guint i = 0; i < axes->len; i++) {
			const struct sweep_axis *a = axes->pdata[i];
			g_ptr_array_add(r->values, g_strdup(a->values->pdata[at[i]]));
		}
		r->name = run_name(axes, r->values, fixed);
		g_ptr_array_add(grid, r);
		/* Odometer: the last axis turns fastest. */
		for (guint i = axes->len; i-- > 0;) {
			const struct sweep_axis *a = axes->pdata[i];
			if (++at[i] < a->values->len)
				break;
			at[i] = 0;
		}
	}
	return grid;
}

bool
sweep_run_finished(const char *out, const struct sweep_run *r)
{
	g_autofree char *file = g_strdup_printf("%s.txt", r->name);
	g_autofree char *path = g_build_filename(out, "runs", file, NULL);
	return g_file_test(path, G_FILE_TEST_IS_REGULAR);
}

GPtrArray *
sweep_pending(const char *out, GPtrArray *grid)
{
	GPtrArray *todo = g_ptr_array_new();
	for (guint i = 0; i < grid->len; i++)
		if (!sweep_run_finished(out, grid->pdata[i]))
			g_ptr_array_add(todo, grid->pdata[i]);
	return todo;
}

void
sweep_plot_clear(struct sweep_plot *p)
{
	g_free(p->title);
	g_free(p->x);
	g_free(p->y);
	g_free(p->series);
	g_strfreev(p->cpu);
	*p = (struct sweep_plot){ .logx = -1 };
}

/* "a, b; c" -> {"a", "b", "c"}: figure lists may use commas or semicolons. */
static char **
split_list(const char *v)
{
	g_auto(GStrv) parts = g_regex_split_simple("[,;]", v, 0, 0);
	GPtrArray *out = g_ptr_array_new();
	for (int i = 0; parts[i]; i++) {
		char *s = g_strstrip(parts[i]);
		if (*s)
			g_ptr_array_add(out, g_strdup(s));
	}
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}

static bool
get_str(struct scenario *sc, const char *key, char **field)
{
	const char *v = scenario_get(sc, "sweep", key);
	if (v && !*field)
		*field = g_strdup(v);
	return true;
}

bool
sweep_group_read(struct scenario *sc, struct sweep_plot *plot, GPtrArray *axes, guint *seeds,
		 GError **error)
{
	static const char *const known[] = { "vary", "seeds", "x",    "y",	  "series",
					     "cpu",  "title", "logx", "diagonal", NULL };
	if (!scenario_has_group(sc, "sweep"))
		return true;
	g_auto(GStrv) keys = scenario_keys(sc, "sweep");
	for (int i = 0; keys[i]; i++)
		if (!g_strv_contains(known, keys[i]))
			return scenario_fail(sc, error, "sweep", keys[i],
					     "unknown key (known: vary, seeds, x, y, series, cpu, "
					     "title, logx, diagonal)");
	/* The group's title describes its y: a y from the command line gets its own. */
	const char *fy = scenario_get(sc, "sweep", "y");
	if (!plot->y || g_strcmp0(plot->y, fy) == 0)
		get_str(sc, "title", &plot->title);
	get_str(sc, "x", &plot->x);
	get_str(sc, "y", &plot->y);
	get_str(sc, "series", &plot->series);
	const char *v = scenario_get(sc, "sweep", "cpu");
	if (v && !plot->cpu)
		plot->cpu = split_list(v);
	bool b;
	if (scenario_has_group(sc, "sweep") && g_strv_contains((const char *const *)keys, "logx")) {
		if (!scenario_get_bool(sc, "sweep", "logx", &b, error))
			return false;
		if (plot->logx < 0)
			plot->logx = b;
	}
	b = plot->diagonal;
	if (!scenario_get_bool(sc, "sweep", "diagonal", &b, error))
		return false;
	plot->diagonal = b;
	guint64 n = 0;
	if (!scenario_get_uint(sc, "sweep", "seeds", 1, SWEEP_MAX_POINTS, &n, error))
		return false;
	if (n)
		*seeds = (guint)n;
	v = scenario_get(sc, "sweep", "vary");
	g_auto(GStrv) specs = v ? g_strsplit(v, ";", -1) : g_new0(char *, 1);
	for (int i = 0; specs[i]; i++) {
		char *s = g_strstrip(specs[i]);
		g_autoptr(GError) sub = NULL;
		struct sweep_axis *a;
		if (!*s)
			continue;
		if (!sweep_axis_parse(s, &a, &sub))
			return scenario_fail(sc, error, "sweep", "vary", "%s",
					     sub->message + strlen("--vary "));
		g_ptr_array_add(axes, a);
	}
	return true;
}

/*
 * Every varied value, and the fixed overrides, must be accepted by the
 * scenario: build (but do not run) the world once per value.  A mistake is
 * reported like `netsim check` reports it, before any run starts.
 */
static bool
validate(const char *path, const char *text, GPtrArray *axes, char **fixed, GError **error)
{
	guint n = axes->len ? axes->len : 1;
	for (guint i = 0; i < n; i++) {
		const struct sweep_axis *a = axes->len ? axes->pdata[i] : NULL;
		for (guint j = 0; j < (a ? a->values->len : 1); j++) {
			g_autoptr(GError) sub = NULL;
			g_autoptr(scenario) sc = scenario_load_data(path, text, &sub);
			g_autofree char *set = a
				? g_strdup_printf("%s=%s", a->key, (char *)a->values->pdata[j])
				: NULL;
			bool ok = sc != NULL;
			for (int k = 0; ok && fixed && fixed[k]; k++)
				ok = scenario_override(sc, fixed[k], &sub);
			if (ok && set)
				ok = scenario_override(sc, set, &sub);
			struct expectations *ex = ok ? expectations_parse(sc, &sub) : NULL;
			struct world_options wo = { .quiet = true, .trace_level = 0 };
			struct world *w = ex ? world_build(sc, &wo, &sub) : NULL;
			world_free(w);
			expectations_free(ex);
			if (!w) {
				if (a)
					g_set_error(error, SWEEP_ERROR, SWEEP_ERROR_SPEC,
						    "--vary %s=%s: %s", a->key, a->spec,
						    sub->message);
				else
					g_propagate_error(error, g_steal_pointer(&sub));
				return false;
			}
		}
	}
	return true;
}

/* OUT/scenario.ini: written once; a later sweep into OUT must run the same text. */
static bool
write_snapshot(const char *out, const char *path, const char *snap, GError **error)
{
	g_autofree char *dest = g_build_filename(out, "scenario.ini", NULL);
	g_autofree char *old = NULL;
	if (g_file_get_contents(dest, &old, NULL, NULL)) {
		if (strcmp(old, snap) == 0)
			return true;
		g_set_error(error, SWEEP_ERROR, SWEEP_ERROR_OUTDIR,
			    "%s holds a sweep of a different version of %s; choose another --out "
			    "or delete %s",
			    out, path, out);
		return false;
	}
	return g_file_set_contents(dest, snap, -1, error);
}

struct options {
	char **vary, **set, **cpu;
	int seeds, jobs;
	char *out, *emit, *collect, *run_job;
	char *x, *y, *series, *title;
	gboolean logx, no_plot, quiet, new_grid;
};

static void
options_clear(struct options *o)
{
	g_strfreev(o->vary);
	g_strfreev(o->set);
	g_strfreev(o->cpu);
	g_free(o->out);
	g_free(o->emit);
	g_free(o->collect);
	g_free(o->run_job);
	g_free(o->x);
	g_free(o->y);
	g_free(o->series);
	g_free(o->title);
}

static bool
parse_options(struct options *o, int *argc, char ***argv, GError **error)
{
	const GOptionEntry entries[] = {
		{ "vary", 'V', 0, G_OPTION_ARG_STRING_ARRAY, &o->vary,
		  "Vary a key: a list off,on or a range 1000..200000:30 (add 'log' for log "
		  "spacing)",
		  "KEY=SPEC" },
		{ "seeds", 'n', 0, G_OPTION_ARG_INT, &o->seeds, "Run every point with seeds 1..N",
		  "N" },
		{ "set", 's', 0, G_OPTION_ARG_STRING_ARRAY, &o->set,
		  "Override a key in every run (repeatable)", "GROUP.KEY=VALUE" },
		{ "jobs", 'j', 0, G_OPTION_ARG_INT, &o->jobs,
		  "Runs at a time (default: the core count)", "N" },
		{ "out", 'o', 0, G_OPTION_ARG_FILENAME, &o->out,
		  "Output directory (default: sweep-NAME for scenario NAME.ini)", "DIR" },
		{ "emit", 0, 0, G_OPTION_ARG_STRING, &o->emit,
		  "Do not run: write OUT/jobs.txt for GNU parallel, or also OUT/sweep.slurm",
		  "parallel|slurm" },
		{ "collect", 0, 0, G_OPTION_ARG_FILENAME, &o->collect,
		  "Merge the result files of the sweep in DIR into its table and plots", "DIR" },
		{ "new-grid", 0, 0, G_OPTION_ARG_NONE, &o->new_grid,
		  "Replace the grid of an existing OUT by another one (finished runs that match "
		  "are kept)",
		  NULL },
		{ "run-job", 0, 0, G_OPTION_ARG_FILENAME, &o->run_job,
		  "Run one run NAME of the sweep in DIR (the lines of jobs.txt)", "DIR" },
		{ "x", 0, 0, G_OPTION_ARG_STRING, &o->x, "Plot: the x column (e.g. app.flood.rate)",
		  "COLUMN" },
		{ "y", 0, 0, G_OPTION_ARG_STRING, &o->y, "Plot: the y column (plots/Y.png)",
		  "COLUMN" },
		{ "series", 0, 0, G_OPTION_ARG_STRING, &o->series,
		  "Plot: one line per value of this varied key", "KEY" },
		{ "cpu", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o->cpu,
		  "Plot: CPU-share figures (repeatable or comma-separated)", "FIGURE" },
		{ "title", 0, 0, G_OPTION_ARG_STRING, &o->title, "Plot: the title", "TEXT" },
		{ "logx", 0, 0, G_OPTION_ARG_NONE, &o->logx, "Plot: log scale on x", NULL },
		{ "no-plot", 0, 0, G_OPTION_ARG_NONE, &o->no_plot, "Do not draw plots", NULL },
		{ "quiet", 'q', 0, G_OPTION_ARG_NONE, &o->quiet, "No progress bar and no summary",
		  NULL },
		{ NULL },
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("FILE | --collect DIR");
	g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_set_summary(
		ctx,
		"Run the scenario FILE over a grid of values, several runs at a time,\n"
		"and merge the figures of every run into OUT/sweep.csv, OUT/sweep.db\n"
		"and plots.  Rerunning the same command resumes: finished runs are kept.\n"
		"The scenario's [sweep] group may name vary, seeds, x, y, series, cpu,\n"
		"title, logx and diagonal (see docs/homework-livelock.md).");
	return g_option_context_parse(ctx, argc, argv, error);
}

/* Options given on the command line override the [sweep] group, key by key. */
static void
plot_from_options(const struct options *o, struct sweep_plot *p)
{
	p->title = g_strdup(o->title);
	p->x = g_strdup(o->x);
	p->y = g_strdup(o->y);
	p->series = g_strdup(o->series);
	if (o->cpu) {
		g_autofree char *all = g_strjoinv(",", o->cpu);
		p->cpu = split_list(all);
	}
	p->logx = o->logx ? 1 : -1;
}

/* Merge, draw, and print the summary. */
static int
finish(const char *out, struct sweep_plot *plot, const struct options *o, guint ran, guint already,
       bool interrupted)
{
	g_autoptr(GError) error = NULL;
	struct sweep_totals t;
	if (!sweep_collect(out, plot, &t, &error)) {
		fprintf(stderr, "netsim sweep: %s\n", error->message);
		return EXIT_BAD_INPUT;
	}
	if (!o->quiet) {
		if (o->collect)
			printf("sweep: %u runs: %u finished, %u failed, %u missing\n", t.runs,
			       t.finished, t.failed, t.missing);
		else
			printf("sweep: %u runs: %u ran, %u already done, %u failed\n", t.runs, ran,
			       already, t.failed);
		printf("  table: %s/sweep.csv and %s/sweep.db (table results)\n", out, out);
	}
	if (!o->no_plot && plot->x && plot->y) {
		g_autofree char *dir = g_build_filename(out, "plots", NULL);
		g_autofree char *csv = g_build_filename(out, "sweep.csv", NULL);
		struct plot_spec spec = { .title = plot->title,
					  .x = plot->x,
					  .y = plot->y,
					  .series = plot->series,
					  .cpu = (const char *const *)plot->cpu,
					  .logx = plot->logx > 0,
					  .diagonal = plot->diagonal };
		bool drawn = false;
		g_autoptr(GPtrArray) files = plot_draw(csv, &spec, dir, &drawn, &error);
		if (!files) {
			fprintf(stderr, "netsim sweep: %s\n", error->message);
			return EXIT_BAD_INPUT;
		}
		for (guint i = 0; !o->quiet && i < files->len; i++)
			printf("  plot: %s\n", (char *)files->pdata[i]);
		if (!drawn && !o->quiet)
			printf("  gnuplot is not installed (Debian: apt-get install gnuplot-nox); "
			       "run the scripts above with it later\n");
	} else if (!o->quiet && !o->no_plot) {
		printf("  no plot: name the columns with --x and --y, or x and y in [sweep]\n");
	}
	if (interrupted) {
		fprintf(stderr,
			"netsim sweep: interrupted; run the same command again to resume\n");
		return EXIT_INTERRUPTED;
	}
	return t.failed || t.missing ? EXIT_RUNS_FAILED : EXIT_OK;
}

/* The axes: [sweep] vary, replaced key by key by --vary; then the seeds. */
static bool
make_axes(struct options *o, struct scenario *sc, struct sweep_plot *plot, GPtrArray *axes,
	  GError **error)
{
	g_autoptr(GPtrArray) file_axes =
		g_ptr_array_new_with_free_func((GDestroyNotify)sweep_axis_free);
	guint seeds = 0;
	if (!sweep_group_read(sc, plot, file_axes, &seeds, error))
		return false;
	if (o->seeds < 0 || o->seeds > SWEEP_MAX_POINTS) {
		g_set_error(error, SWEEP_ERROR, SWEEP_ERROR_SPEC, "--seeds %d: expected 1 to %d",
			    o->seeds, SWEEP_MAX_POINTS);
		return false;
	}
	if (o->seeds)
		seeds = (guint)o->seeds;
	g_autoptr(GPtrArray) cli_axes =
		g_ptr_array_new_with_free_func((GDestroyNotify)sweep_axis_free);
	for (int i = 0; o->vary && o->vary[i]; i++) {
		struct sweep_axis *a;
		if (!sweep_axis_parse(o->vary[i], &a, error))
			return false;
		g_ptr_array_add(cli_axes, a);
	}
	for (guint i = 0; i < file_axes->len; i++) {
		struct sweep_axis *fa = file_axes->pdata[i];
		bool replaced = false;
		for (guint j = 0; j < cli_axes->len; j++)
			replaced |= strcmp(fa->key,
					   ((struct sweep_axis *)cli_axes->pdata[j])->key) == 0;
		if (!replaced)
			g_ptr_array_add(axes, g_ptr_array_steal_index(file_axes, i--));
	}
	while (cli_axes->len)
		g_ptr_array_add(axes, g_ptr_array_steal_index(cli_axes, 0));
	for (guint i = 0; i < axes->len; i++) {
		const struct sweep_axis *a = axes->pdata[i];
		for (guint j = 0; j < i; j++)
			if (strcmp(a->key, ((struct sweep_axis *)axes->pdata[j])->key) == 0) {
				g_set_error(error, SWEEP_ERROR, SWEEP_ERROR_SPEC,
					    "--vary %s=%s: %s is varied twice", a->key, a->spec,
					    a->key);
				return false;
			}
		if (seeds && strcmp(a->key, "scenario.seed") == 0) {
			g_set_error(error, SWEEP_ERROR, SWEEP_ERROR_SPEC,
				    "--vary scenario.seed=%s: give the seeds either with --seeds "
				    "(or [sweep] seeds) or with --vary scenario.seed",
				    a->spec);
			return false;
		}
	}
	if (seeds)
		g_ptr_array_add(axes, sweep_axis_seeds(seeds));
	if (!axes->len) {
		g_set_error(error, SWEEP_ERROR, SWEEP_ERROR_SPEC,
			    "nothing to vary: give --vary KEY=SPEC or --seeds N, or vary in the "
			    "scenario's [sweep] group");
		return false;
	}
	if (plot->logx < 0)
		for (guint i = 0; i < axes->len; i++) {
			const struct sweep_axis *a = axes->pdata[i];
			if (plot->x && strcmp(a->key, plot->x) == 0)
				plot->logx = a->log;
		}
	return true;
}

static int
bad_input(const GError *error)
{
	fprintf(stderr, "netsim sweep: %s\n", error->message);
	return EXIT_BAD_INPUT;
}

static int sweep_locked(struct options *o, const char *path, const char *out, const char *snap,
			GPtrArray *axes, struct sweep_plot *plot);

static int
sweep_file(struct options *o, const char *path, struct sweep_plot *plot)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(scenario) sc = scenario_load(path, &error);
	g_autoptr(GPtrArray) axes = g_ptr_array_new_with_free_func((GDestroyNotify)sweep_axis_free);
	if (!sc)
		return bad_input(error);
	plot_from_options(o, plot);
	if (!make_axes(o, sc, plot, axes, &error))
		return bad_input(error);
	if (o->emit && strcmp(o->emit, "parallel") != 0 && strcmp(o->emit, "slurm") != 0) {
		fprintf(stderr, "netsim sweep: --emit %s: expected parallel or slurm\n", o->emit);
		return EXIT_BAD_INPUT;
	}
	g_autofree char *snap = g_strdup(scenario_text(sc));
	if (!validate(path, snap, axes, o->set, &error))
		return bad_input(error);
	g_autofree char *base = g_path_get_basename(path);
	if (g_str_has_suffix(base, ".ini"))
		base[strlen(base) - 4] = 0;
	g_autofree char *given = o->out ? g_strdup(o->out) : g_strdup_printf("sweep-%s", base);
	g_autofree char *out = g_canonicalize_filename(given, NULL);
	if (has_control(out)) {
		/* It is written into jobs.txt and sweep.slurm, one line each. */
		g_autofree char *shown = g_strescape(out, NULL);
		fprintf(stderr,
			"netsim sweep: --out %s: a control character (a newline?) in the "
			"path\n",
			shown);
		return EXIT_BAD_INPUT;
	}
	g_autofree char *runs = g_build_filename(out, "runs", NULL);
	if (g_mkdir_with_parents(runs, 0777) != 0) {
		fprintf(stderr, "netsim sweep: cannot create %s: %s\n", runs, g_strerror(errno));
		return EXIT_BAD_INPUT;
	}
	int lock = sweep_lock(out, true, &error);
	if (lock < 0)
		return bad_input(error);
	int rc = sweep_locked(o, path, out, snap, axes, plot);
	close(lock);
	return rc;
}

/* The rest of sweep_file, with OUT locked. */
static int
sweep_locked(struct options *o, const char *path, const char *out, const char *snap,
	     GPtrArray *axes, struct sweep_plot *plot)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *scen = g_build_filename(out, "scenario.ini", NULL);
	g_autoptr(GPtrArray) grid = sweep_grid_expand(axes, o->set);
	if ((!o->new_grid && !sweep_grid_check(out, axes, o->set, grid, &error)) ||
	    !write_snapshot(out, path, snap, &error) ||
	    !sweep_manifest_write(out, scen, axes, o->set, grid, plot, &error))
		return bad_input(error);
	g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);
	struct sweep_exec ex = { .exe = exe ? exe : "/proc/self/exe",
				 .out = out,
				 .scenario = scen,
				 .axes = axes,
				 .fixed = o->set,
				 .quiet = o->quiet,
				 .jobs = o->jobs > 0 ? (guint)o->jobs : g_get_num_processors() };
	g_autoptr(GPtrArray) pending = sweep_pending(out, grid);
	if (o->emit) {
		if (!sweep_emit(&ex, pending, strcmp(o->emit, "slurm") == 0, &error))
			return bad_input(error);
		if (!o->quiet) {
			printf("sweep: %u runs, %u to do: %s/jobs.txt\n", grid->len, pending->len,
			       out);
			if (strcmp(o->emit, "slurm") == 0)
				printf("  sbatch %s/sweep.slurm\n", out);
			else
				printf("  parallel -j %u < %s/jobs.txt\n", ex.jobs, out);
			printf("  then: netsim sweep --collect %s\n", out);
		}
		return EXIT_OK;
	}
	guint ran = 0, failed = 0;
	bool done = sweep_exec_runs(&ex, pending, &ran, &failed);
	return finish(out, plot, o, ran, grid->len - pending->len, !done);
}

int
sweep_main(int argc, char **argv)
{
	struct options o = { 0 };
	g_autoptr(GError) error = NULL;
	int rc = EXIT_BAD_INPUT;
	if (!parse_options(&o, &argc, &argv, &error)) {
		bad_input(error);
	} else if (o.jobs < 0) {
		fprintf(stderr,
			"netsim sweep: -j %d: expected a number of runs at a time, 1 or more\n",
			o.jobs);
	} else if (o.run_job) {
		if (argc != 3 || o.vary || o.seeds || o.set || o.emit || o.collect)
			fprintf(stderr,
				"netsim sweep: --run-job DIR takes one run NAME and nothing "
				"else (the lines of DIR/jobs.txt)\n");
		else
			rc = sweep_run_job(o.run_job, argv[2]);
	} else if (o.collect) {
		if (argc != 2 || o.vary || o.seeds || o.set || o.emit) {
			fprintf(stderr,
				"netsim sweep: --collect DIR takes no FILE, --vary, --seeds, --set "
				"or --emit\n");
		} else {
			g_autofree char *out = g_canonicalize_filename(o.collect, NULL);
			struct sweep_plot plot = { .logx = -1 };
			/* Jobs may run meanwhile (a partial table); a sweep may not. */
			int lock = g_file_test(out, G_FILE_TEST_IS_DIR)
				? sweep_lock(out, false, &error)
				: -2;
			plot_from_options(&o, &plot);
			if (lock == -1)
				bad_input(error);
			else
				rc = finish(out, &plot, &o, 0, 0, false);
			if (lock >= 0)
				close(lock);
			sweep_plot_clear(&plot);
		}
	} else if (argc != 3) {
		fprintf(stderr,
			"netsim sweep: expected one scenario FILE (see 'netsim sweep --help')\n");
	} else {
		struct sweep_plot plot = { .logx = -1 };
		rc = sweep_file(&o, argv[2], &plot);
		sweep_plot_clear(&plot);
	}
	options_clear(&o);
	return rc;
}
