/*
 * viz/plot.c - a sweep table as livelock curves: CSV in, gnuplot out.
 *
 * The table is read whole (a sweep has hundreds of rows, not millions),
 * rows of one grid point are averaged over their seeds, and each curve is
 * written as one block of a .dat file.  The .gp script that draws it says
 * in plain gnuplot what is drawn, so restyling needs no netsim at all.
 *
 * Mogul & Ramakrishnan (1997) plot "output packet rate" against "input
 * packet rate"; Y.png (named after the y column) is that figure for
 * whatever the scenario names as x and y, with axes labelled by meaning
 * and unit (plot_axis_label), not by key.
 */
#include "viz/plot.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

G_DEFINE_QUARK(netsim - plot - error - quark, plot_error)

/* A parsed CSV: the header and rows of fields. */
struct csv_table {
	GPtrArray *head; /* char * */
	GPtrArray *rows; /* GPtrArray of char * */
};

static void
csv_table_free(struct csv_table *t)
{
	g_ptr_array_free(t->head, TRUE);
	g_ptr_array_free(t->rows, TRUE);
	g_free(t);
}
typedef struct csv_table csv_table;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(csv_table, csv_table_free)

/* Split one CSV record starting at *@p ("a,\"b,c\",d\n"); advances *@p past it. */
static GPtrArray *
csv_record(const char **p)
{
	GPtrArray *f = g_ptr_array_new_with_free_func(g_free);
	GString *cur = g_string_new(NULL);
	const char *s = *p;
	bool quoted = false;
	for (;; s++) {
		if (quoted) {
			if (*s == '"' && s[1] == '"') {
				g_string_append_c(cur, '"');
				s++;
			} else if (*s == '"') {
				quoted = false;
			} else if (*s) {
				g_string_append_c(cur, *s);
			} else {
				break;
			}
		} else if (*s == '"') {
			quoted = true;
		} else if (*s == ',') {
			g_ptr_array_add(f, g_string_free(cur, FALSE));
			cur = g_string_new(NULL);
		} else if (*s == '\n' || !*s) {
			break;
		} else if (*s != '\r') {
			g_string_append_c(cur, *s);
		}
	}
	g_ptr_array_add(f, g_string_free(cur, FALSE));
	*p = *s ? s + 1 : s;
	return f;
}

static struct csv_table *
csv_table_read(const char *path, GError **error)
{
	g_autofree char *text = NULL;
	if (!g_file_get_contents(path, &text, NULL, error))
		return NULL;
	struct csv_table *t = g_new0(struct csv_table, 1);
	const char *p = text;
	t->head = csv_record(&p);
	t->rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
	for (int line = 2; *p; line++) {
		GPtrArray *r = csv_record(&p);
		if (r->len != t->head->len) {
			g_set_error(error, PLOT_ERROR, PLOT_ERROR_CSV,
				    "%s:%d: %u fields where the header has %u", path, line, r->len,
				    t->head->len);
			g_ptr_array_unref(r);
			csv_table_free(t);
			return NULL;
		}
		g_ptr_array_add(t->rows, r);
	}
	return t;
}

static int
column(const struct csv_table *t, const char *csv, const char *name, GError **error)
{
	for (guint i = 0; i < t->head->len; i++)
		if (strcmp(t->head->pdata[i], name) == 0)
			return (int)i;
	g_autoptr(GString) some = g_string_new(NULL);
	for (guint i = 0; i < t->head->len && i < 12; i++)
		g_string_append_printf(some, "%s%s", i ? ", " : "", (char *)t->head->pdata[i]);
	g_set_error(error, PLOT_ERROR, PLOT_ERROR_COLUMN, "%s has no column '%s' (columns: %s%s)",
		    csv, name, some->str, t->head->len > 12 ? ", ..." : "");
	return -1;
}

static bool
number(const char *text, double *out)
{
	char *end;
	if (!*text)
		return false;
	*out = g_ascii_strtod(text, &end);
	return !*end && isfinite(*out);
}

/*
 * A varied key may carry a unit ("250us"): the number, and the unit in
 * *@unit, which must be the same in every row (the axis label shows it).
 */
static bool
number_with_unit(const char *text, double *out, char **unit)
{
	char *end;
	*out = g_ascii_strtod(text, &end);
	if (end == text || !isfinite(*out))
		return false;
	for (const char *u = end; *u; u++)
		if (!g_ascii_isalpha(*u) && *u != '%')
			return false;
	if (!*unit)
		*unit = g_strdup(end);
	return strcmp(*unit, end) == 0;
}

struct acc {
	char *series;
	double sx, sy, ymin, ymax, *scpu;
	guint n;
};

static int
cmp_point(const void *a, const void *b)
{
	double d = ((const struct plot_point *)a)->x - ((const struct plot_point *)b)->x;
	return (d > 0) - (d < 0);
}

void
plot_curves_free(GPtrArray *curves)
{
	for (guint i = 0; curves && i < curves->len; i++) {
		GArray *c = curves->pdata[i];
		for (guint j = 0; j < c->len; j++)
			g_free(g_array_index(c, struct plot_point, j).cpu);
		g_array_free(c, TRUE);
	}
	if (curves)
		g_ptr_array_free(curves, TRUE);
}

char **
plot_curves(const char *csv, const struct plot_spec *spec, GPtrArray **curves, char **x_unit,
	    GError **error)
{
	g_autoptr(csv_table) t = csv_table_read(csv, error);
	if (!t)
		return NULL;
	guint ncpu = spec->cpu ? g_strv_length((char **)spec->cpu) : 0;
	int xc, yc, ec, sc = -1;
	if ((xc = column(t, csv, spec->x, error)) < 0 ||
	    (yc = column(t, csv, spec->y, error)) < 0 ||
	    (ec = column(t, csv, "exit_status", error)) < 0 ||
	    (spec->series && (sc = column(t, csv, spec->series, error)) < 0))
		return NULL;
	g_autofree int *cc = g_new0(int, ncpu + 1);
	for (guint k = 0; k < ncpu; k++)
		if ((cc[k] = column(t, csv, spec->cpu[k], error)) < 0)
			return NULL;
	/* The grid point of a row: its key columns (before exit_status) but scenario.seed, unless that is the series. */
	g_autoptr(GHashTable) points = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GPtrArray) accs = g_ptr_array_new();
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	for (guint r = 0; r < t->rows->len; r++) {
		GPtrArray *row = t->rows->pdata[r];
		double x, y;
		if (!number(row->pdata[yc], &y))
			continue; /* a failed or missing run */
		if (!number_with_unit(row->pdata[xc], &x, x_unit)) {
			g_set_error(error, PLOT_ERROR, PLOT_ERROR_COLUMN,
				    "%s:%u: x column %s holds '%s', not a number%s%s", csv, r + 2,
				    spec->x, (char *)row->pdata[xc],
				    *x_unit && **x_unit ? " in " : "", *x_unit ? *x_unit : "");
			goto fail;
		}
		g_autoptr(GString) key = g_string_new(NULL);
		for (int c = 0; c < ec; c++)
			if (c == sc || strcmp(t->head->pdata[c], "scenario.seed") != 0)
				g_string_append_printf(key, "%s\x1f", (char *)row->pdata[c]);
		struct acc *a = g_hash_table_lookup(points, key->str);
		if (!a) {
			a = g_new0(struct acc, 1);
			a->series = sc >= 0 ? row->pdata[sc] : "";
			a->scpu = g_new0(double, ncpu + 1);
			a->ymin = a->ymax = y;
			g_hash_table_insert(points, g_strdup(key->str), a);
			g_ptr_array_add(accs, a);
			bool known = false;
			for (guint i = 0; i < names->len && !known; i++)
				known = strcmp(names->pdata[i], a->series) == 0;
			if (!known)
				g_ptr_array_add(names, g_strdup(a->series));
		}
		a->n++;
		a->sx += x;
		a->sy += y;
		a->ymin = MIN(a->ymin, y);
		a->ymax = MAX(a->ymax, y);
		for (guint k = 0; k < ncpu; k++) {
			double v = 0;
			number(row->pdata[cc[k]], &v);
			a->scpu[k] += v;
		}
	}
	*curves = g_ptr_array_new();
	for (guint i = 0; i < names->len; i++)
		g_ptr_array_add(*curves, g_array_new(FALSE, FALSE, sizeof(struct plot_point)));
	for (guint i = 0; i < accs->len; i++) {
		struct acc *a = accs->pdata[i];
		struct plot_point p = { a->sx / a->n, a->sy / a->n, a->ymin, a->ymax,
					g_new0(double, ncpu + 1) };
		for (guint k = 0; k < ncpu; k++)
			p.cpu[k] = a->scpu[k] / a->n;
		for (guint s = 0; s < names->len; s++)
			if (strcmp(names->pdata[s], a->series) == 0)
				g_array_append_val((*curves)->pdata[s], p);
	}
	for (guint s = 0; s < names->len; s++) {
		GArray *c = (*curves)->pdata[s];
		g_array_sort(c, cmp_point);
	}
	for (guint i = 0; i < accs->len; i++) {
		g_free(((struct acc *)accs->pdata[i])->scpu);
		g_free(accs->pdata[i]);
	}
	g_ptr_array_add(names, NULL);
	return (char **)g_ptr_array_steal(names, NULL);
fail:
	for (guint i = 0; i < accs->len; i++) {
		g_free(((struct acc *)accs->pdata[i])->scpu);
		g_free(accs->pdata[i]);
	}
	return NULL;
}

/* A string as a gnuplot string literal: "..." with \ and " escaped. */
static char *
gp_str(const char *s)
{
	g_autoptr(GString) o = g_string_new("\"");
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			g_string_append_c(o, '\\');
		g_string_append_c(o, *s);
	}
	g_string_append_c(o, '"');
	return g_string_free(g_steal_pointer(&o), FALSE);
}

/*
 * Axis labels: a column's meaning and unit instead of its key, first
 * matching pattern wins (GLib glob: * matches any text, dots included).
 * "%s" in a label stands for the column's last part (the drop reason).
 * A column no pattern knows keeps its name.
 */
static const struct {
	const char *pattern, *label;
} plot_labels[] = {
	{ "app.*.rx_rate", "delivered (packets/s)" },
	{ "app.*.tx_rate", "sent (packets/s)" },
	{ "app.*.offered_pps", "offered load (packets/s)" },
	{ "app.*.lat_p50_us", "median latency (us)" },
	{ "app.*.lat_p90_us", "90th percentile latency (us)" },
	{ "app.*.lat_p99_us", "99th percentile latency (us)" },
	{ "app.*.lat_mean_us", "mean latency (us)" },
	{ "app.*.lat_max_us", "largest latency (us)" },
	{ "app.*.lost", "lost (datagrams)" },
	{ "link.*.rate", "link rate (bit/s)" },
	{ "*.rate", "offered load (packets/s)" },
	{ "*_share", "share of CPU time" },
	{ "*.cpu.*_ns", "CPU time (ns)" },
	{ "*.irqs_per_packet", "interrupts per packet" },
	{ "*.rx_irqs", "receive interrupts" },
	{ "*.drops.total", "dropped (packets)" },
	{ "*.drops.*", "dropped: %s (packets)" },
	{ "*.softnet.time_squeeze", "softirq time squeezes" },
	{ "host.*.rx_usecs", "interrupt coalescing delay, rx-usecs (us)" },
	{ "host.*.rx_frames", "interrupt coalescing, rx-frames (packets)" },
	{ "*.rx_frames", "frames received" },
	{ "host.*.weight", "NAPI weight, the quota of one poll (packets)" },
	{ "host.*.rx_cycle_limit", "cycle limit for packet work (% of CPU)" },
	{ "sim.seconds", "simulated time (s)" },
	{ "scenario.seed", "seed" },
};

char *
plot_axis_label(const char *column, const char *unit)
{
	const char *label = NULL;
	for (size_t i = 0; i < G_N_ELEMENTS(plot_labels) && !label; i++)
		if (g_pattern_match_simple(plot_labels[i].pattern, column))
			label = plot_labels[i].label;
	g_autofree char *text = NULL;
	if (!label) {
		text = g_strdup(column);
	} else if (strstr(label, "%s")) {
		const char *dot = strrchr(column, '.');
		g_autofree char *tail = g_strdup(dot ? dot + 1 : column);
		g_autoptr(GString) t = g_string_new(label);
		g_string_replace(t, "%s", tail, 1);
		text = g_string_free(g_steal_pointer(&t), FALSE);
	} else {
		text = g_strdup(label);
	}
	if (unit && *unit)
		return g_strdup_printf("%s (%s)", text, unit);
	return g_steal_pointer(&text);
}

char *
plot_file_name(const char *y)
{
	char *name = g_strdup(y);
	for (char *c = name; *c; c++)
		if (!g_ascii_isalnum(*c) && *c != '.' && *c != '_' && *c != '-')
			*c = '_';
	if (name[0] == '.' || name[0] == '-' || !name[0]) {
		char *old = name;
		name = g_strconcat("y", old, NULL);
		g_free(old);
	}
	return name;
}

static char *
series_title(const struct plot_spec *spec, const char *value)
{
	return spec->series ? g_strdup_printf("%s = %s", spec->series, value) : g_strdup(spec->y);
}

/* The part of each script that picks a PNG terminal and ends with SVG. */
static void
gp_begin(GString *s, const char *name, const char *what, int width, int height)
{
	g_string_append_printf(
		s,
		"# %s\n"
		"# Written by netsim sweep from ../sweep.csv; the points are in %s.dat\n"
		"# (one block per line of the plot).  Restyle freely, then: gnuplot %s.gp\n"
		"set termoption noenhanced\n"
		"if (strstrt(GPVAL_TERMINALS, \"pngcairo\") > 0) {\n"
		"    set terminal pngcairo size %d,%d noenhanced\n"
		"} else {\n"
		"    set terminal png size %d,%d noenhanced\n"
		"}\n"
		"set output \"%s.png\"\n"
		"set grid\n"
		"set format x \"%%.0s%%c\"\n" /* 2k, 10k, 1M: short enough for narrow panels */
		"set autoscale xfix\n"	      /* the x axis ends at the data, not the next decade */
		"set key below box\n",
		what, name, name, width, height, width, height, name);
}

static void
gp_end(GString *s, const char *name, int width, int height, bool multiplot)
{
	g_string_append_printf(s,
			       "%s"
			       "set terminal svg size %d,%d dynamic noenhanced\n"
			       "set output \"%s.svg\"\n"
			       "%s",
			       multiplot ? "unset multiplot\n" : "", width, height, name,
			       multiplot ? "" : "replot\nset output\n");
}

static void
write_delivered(const struct plot_spec *spec, const char *name, const char *xlabel, char **names,
		GPtrArray *curves, GString *dat, GString *gp)
{
	g_autofree char *ylabel = plot_axis_label(spec->y, NULL);
	g_autofree char *xwhat = plot_axis_label(spec->x, NULL);
	g_autofree char *title = spec->title ? g_strdup(spec->title)
					     : g_strdup_printf("%s against %s", ylabel, xwhat);
	g_autofree char *dfile = g_strconcat(name, ".dat", NULL);
	g_autofree char *qt = gp_str(title), *qx = gp_str(xlabel), *qy = gp_str(ylabel);
	g_autofree char *qd = gp_str(dfile);
	g_string_append_printf(dat, "# %s against %s: mean over seeds, min, max\n", spec->y,
			       spec->x);
	for (guint s = 0; names[s]; s++) {
		GArray *c = curves->pdata[s];
		g_autofree char *st = series_title(spec, names[s]);
		g_string_append_printf(dat, "%s# %s\n# x y ymin ymax\n", s ? "\n\n" : "", st);
		for (guint i = 0; i < c->len; i++) {
			struct plot_point *p = &g_array_index(c, struct plot_point, i);
			g_string_append_printf(dat, "%.9g %.9g %.9g %.9g\n", p->x, p->y, p->ymin,
					       p->ymax);
		}
	}
	/* The key sits under the plot, two entries a row; gnuplot's own bottom
	 * margin does not count its rows, so the margin is set for them. */
	guint nkey = g_strv_length(names) + (spec->diagonal ? 1 : 0);
	int height = 500 + 20 * (int)((nkey + 1) / 2);
	gp_begin(gp, name, title, 800, height);
	g_string_append_printf(gp, "# y: %s, x: %s\n", spec->y, spec->x);
	g_string_append_printf(gp, "set bmargin %u\n", 4 + (nkey + 1) / 2);
	g_string_append_printf(gp, "set title %s\nset xlabel %s\nset ylabel %s\n%s", qt, qx, qy,
			       spec->logx ? "set logscale x\n" : "");
	/* Room above the highest point, so no curve runs along the border. */
	g_string_append(gp, "set yrange [0:*]\nset offsets 0, 0, graph 0.05, 0\nplot \\\n");
	for (guint s = 0; names[s]; s++) {
		g_autofree char *st = series_title(spec, names[s]);
		g_autofree char *qs = gp_str(st);
		g_string_append_printf(gp,
				       "    %s index %u using 1:2:3:4 with "
				       "yerrorlines lw 2 title %s%s\n",
				       qd, s, qs, names[s + 1] || spec->diagonal ? ", \\" : "");
	}
	if (spec->diagonal)
		g_string_append(gp,
				"    x with lines dashtype 2 lc rgb \"gray50\" title \"y = x\"\n");
	gp_end(gp, name, 800, height, false);
}

static void
write_cpu(const struct plot_spec *spec, const char *xlabel, char **names, GPtrArray *curves,
	  GString *dat, GString *gp)
{
	guint ncpu = g_strv_length((char **)spec->cpu), nser = g_strv_length(names);
	/* The key goes under each panel, two entries a row, in a margin made
	 * for it (as in write_delivered): it never covers a curve. */
	guint krows = (ncpu + 1) / 2;
	int width = 520 * (int)nser, height = 420 + 20 * (int)krows;
	g_autofree char *qx = gp_str(xlabel);
	g_string_append_printf(dat, "# CPU figures against %s: mean over seeds\n", spec->x);
	for (guint s = 0; names[s]; s++) {
		GArray *c = curves->pdata[s];
		g_autofree char *st = series_title(spec, names[s]);
		g_string_append_printf(dat, "%s# %s\n# x", s ? "\n\n" : "", st);
		for (guint k = 0; k < ncpu; k++)
			g_string_append_printf(dat, " %s", spec->cpu[k]);
		g_string_append_c(dat, '\n');
		for (guint i = 0; i < c->len; i++) {
			struct plot_point *p = &g_array_index(c, struct plot_point, i);
			g_string_append_printf(dat, "%.9g", p->x);
			for (guint k = 0; k < ncpu; k++)
				g_string_append_printf(dat, " %.9g", p->cpu[k]);
			g_string_append_c(dat, '\n');
		}
	}
	gp_begin(gp, "cpu", "Where the CPU time went", width, height);
	g_string_append_printf(
		gp,
		"set xlabel %s\nset ylabel \"share of CPU time\"\nset yrange [0:1.05]\n"
		"set ytics 0, 0.2, 1\n"
		"set bmargin %u\n%s",
		qx, 4 + krows, spec->logx ? "set logscale x\n" : "");
	/* The same panels twice: once for the PNG, once for the SVG. */
	for (int pass = 0; pass < 2; pass++) {
		if (pass)
			gp_end(gp, "cpu", width, height, true);
		g_string_append_printf(gp, "set multiplot layout 1,%u\n", nser);
		for (guint s = 0; names[s]; s++) {
			g_autofree char *st = series_title(spec, names[s]);
			g_autofree char *qs = gp_str(st);
			g_string_append_printf(gp, "set title %s\nplot \\\n", qs);
			for (guint k = 0; k < ncpu; k++) {
				/* "bob.cpu.hardirq_share" -> "hardirq" */
				const char *dot = strrchr(spec->cpu[k], '.');
				g_autofree char *f = g_strdup(dot ? dot + 1 : spec->cpu[k]);
				if (g_str_has_suffix(f, "_share") && strlen(f) > 6)
					f[strlen(f) - 6] = 0;
				/* "bob.cpu2.softirq_share" (one of several CPUs) -> "cpu2 softirq" */
				const char *k0 = dot
					? g_strrstr_len(spec->cpu[k], dot - spec->cpu[k], ".")
					: NULL;
				if (k0 && dot - k0 > 4 && strncmp(k0 + 1, "cpu", 3) == 0 &&
				    g_ascii_isdigit(k0[4])) {
					g_autofree char *cpu =
						g_strndup(k0 + 1, (gsize)(dot - k0 - 1));
					char *l = g_strconcat(cpu, " ", f, NULL);
					g_free(f);
					f = l;
				}
				g_autofree char *qf = gp_str(f);
				g_string_append_printf(gp,
						       "    \"cpu.dat\" index %u using 1:%u with "
						       "linespoints lw 2 title %s%s\n",
						       s, k + 2, qf, k + 1 < ncpu ? ", \\" : "");
			}
		}
	}
	g_string_append(gp, "unset multiplot\nset output\n");
}

static char *
find_gnuplot(void)
{
	const char *env = g_getenv("GNUPLOT");
	if (env && *env)
		return g_strdup(env);
	return g_find_program_in_path("gnuplot");
}

static bool
run_gnuplot(const char *gnuplot, const char *dir, const char *script, GError **error)
{
	const char *argv[] = { gnuplot, script, NULL };
	g_autofree char *err = NULL;
	int status;
	if (!g_spawn_sync(dir, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
			  &err, &status, error))
		return false;
	if (!g_spawn_check_wait_status(status, NULL)) {
		g_strstrip(err);
		g_set_error(error, PLOT_ERROR, PLOT_ERROR_GNUPLOT, "gnuplot %s/%s failed: %s", dir,
			    script, *err ? err : "no message");
		return false;
	}
	return true;
}

/* Write @name.dat and @name.gp into @dir; draw them when @gnuplot is known. */
static bool
emit(const char *dir, const char *name, GString *dat, GString *gp, const char *gnuplot,
     GPtrArray *files, GError **error)
{
	const char *exts[] = { ".dat", ".gp", ".png", ".svg" };
	GString *texts[] = { dat, gp };
	for (int i = 0; i < 2; i++) {
		g_autofree char *file = g_strconcat(name, exts[i], NULL);
		g_autofree char *path = g_build_filename(dir, file, NULL);
		if (!g_file_set_contents(path, texts[i]->str, (gssize)texts[i]->len, error))
			return false;
	}
	g_autofree char *script = g_strconcat(name, ".gp", NULL);
	if (gnuplot && !run_gnuplot(gnuplot, dir, script, error))
		return false;
	for (int i = gnuplot ? 2 : 1; i < (gnuplot ? 4 : 2); i++) {
		g_autofree char *file = g_strconcat(name, exts[i], NULL);
		g_ptr_array_add(files, g_build_filename(dir, file, NULL));
	}
	return true;
}

GPtrArray *
plot_draw(const char *csv, const struct plot_spec *spec, const char *dir, bool *drawn,
	  GError **error)
{
	GPtrArray *curves = NULL;
	g_autofree char *unit = NULL;
	g_auto(GStrv) names = plot_curves(csv, spec, &curves, &unit, error);
	if (!names)
		return NULL;
	g_autofree char *xlabel = plot_axis_label(spec->x, unit);
	g_autofree char *name = plot_file_name(spec->y);
	g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *gnuplot = find_gnuplot();
	bool ok = true;
	if (g_mkdir_with_parents(dir, 0777) != 0) {
		g_set_error(error, PLOT_ERROR, PLOT_ERROR_IO, "cannot create %s: %s", dir,
			    g_strerror(errno));
		ok = false;
	}
	if (ok) {
		g_autoptr(GString) dat = g_string_new(NULL);
		g_autoptr(GString) gp = g_string_new(NULL);
		write_delivered(spec, name, xlabel, names, curves, dat, gp);
		ok = emit(dir, name, dat, gp, gnuplot, files, error);
	}
	if (ok && spec->cpu && spec->cpu[0]) {
		g_autoptr(GString) dat = g_string_new(NULL);
		g_autoptr(GString) gp = g_string_new(NULL);
		write_cpu(spec, xlabel, names, curves, dat, gp);
		ok = emit(dir, "cpu", dat, gp, gnuplot, files, error);
	}
	plot_curves_free(curves);
	*drawn = gnuplot != NULL;
	return ok ? g_steal_pointer(&files) : NULL;
}
