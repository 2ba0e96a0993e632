/*
 * cli/sweep_collect.c - the sweep's manifest and the merge of its results.
 *
 * OUT/grid.ini (a GLib key file) says what a sweep is, independent of the
 * process that ran it, so that runs made elsewhere (GNU parallel, a Slurm
 * job array) can be merged with `netsim sweep --collect OUT`:
 *
 *   [grid]  scenario, columns (the varied keys), set (fixed overrides), seed
 *   [plot]  title, x, y, series, cpu, logx, diagonal
 *   [runs]  NAME = value;value;...   (one per run, in grid order)
 *
 * The merge reads OUT/runs/NAME.txt ("figure value" lines written by
 * `netsim run --metrics`, plus "exit_status N") and writes one row per run
 * to OUT/sweep.csv and to the table `results` of OUT/sweep.db.  Both are
 * written beside their final name and renamed, so a reader never sees half.
 */
#include "cli/sweep.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "stack/skbuff.h"

#define MANIFEST "grid.ini"

/* The scenario.seed every run uses when seeds are not varied: the scenario's, after --set. */
static char *
fixed_seed(const char *scen, char **fixed)
{
	g_autoptr(scenario) sc = scenario_load(scen, NULL);
	for (int i = 0; sc && fixed && fixed[i]; i++)
		if (!scenario_override(sc, fixed[i], NULL))
			return g_strdup("1");
	const char *v = sc ? scenario_get(sc, "scenario", "seed") : NULL;
	return g_strdup(v ? v : "1");
}

bool
sweep_manifest_write(const char *out, const char *scen, GPtrArray *axes, char **fixed,
		     GPtrArray *grid, const struct sweep_plot *plot, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GPtrArray) cols = g_ptr_array_new();
	bool seed_varied = false;
	for (guint i = 0; i < axes->len; i++) {
		const struct sweep_axis *a = axes->pdata[i];
		g_ptr_array_add(cols, a->key);
		seed_varied |= strcmp(a->key, "scenario.seed") == 0;
	}
	g_key_file_set_comment(
		kf, NULL, NULL,
		" netsim sweep: what this directory holds (read by netsim sweep --collect)", NULL);
	g_key_file_set_string(kf, "grid", "scenario", scen);
	g_key_file_set_string_list(kf, "grid", "columns", (const char *const *)cols->pdata,
				   cols->len);
	g_key_file_set_string_list(kf, "grid", "set", (const char *const *)fixed,
				   fixed ? g_strv_length(fixed) : 0);
	if (!seed_varied) {
		g_autofree char *seed = fixed_seed(scen, fixed);
		g_key_file_set_string(kf, "grid", "seed", seed);
	}
	if (plot->title)
		g_key_file_set_string(kf, "plot", "title", plot->title);
	if (plot->x)
		g_key_file_set_string(kf, "plot", "x", plot->x);
	if (plot->y)
		g_key_file_set_string(kf, "plot", "y", plot->y);
	if (plot->series)
		g_key_file_set_string(kf, "plot", "series", plot->series);
	if (plot->cpu)
		g_key_file_set_string_list(kf, "plot", "cpu", (const char *const *)plot->cpu,
					   g_strv_length(plot->cpu));
	if (plot->logx >= 0)
		g_key_file_set_boolean(kf, "plot", "logx", plot->logx);
	g_key_file_set_boolean(kf, "plot", "diagonal", plot->diagonal);
	for (guint i = 0; i < grid->len; i++) {
		const struct sweep_run *r = grid->pdata[i];
		g_key_file_set_string_list(kf, "runs", r->name,
					   (const char *const *)r->values->pdata, r->values->len);
	}
	g_autofree char *path = g_build_filename(out, MANIFEST, NULL);
	return g_key_file_save_to_file(kf, path, error);
}

/* Fill the unset fields of @plot from the manifest's [plot] group.  The
 * manifest's title belongs to its y: a different y (--y) gets its own. */
static void
plot_from_manifest(GKeyFile *kf, struct sweep_plot *p)
{
	g_autofree char *my = g_key_file_get_string(kf, "plot", "y", NULL);
	if (!p->title && (!p->y || g_strcmp0(p->y, my) == 0))
		p->title = g_key_file_get_string(kf, "plot", "title", NULL);
	char **fields[] = { &p->x, &p->y, &p->series };
	const char *keys[] = { "x", "y", "series" };
	for (int i = 0; i < 3; i++)
		if (!*fields[i])
			*fields[i] = g_key_file_get_string(kf, "plot", keys[i], NULL);
	if (!p->cpu)
		p->cpu = g_key_file_get_string_list(kf, "plot", "cpu", NULL, NULL);
	if (p->logx < 0 && g_key_file_has_key(kf, "plot", "logx", NULL))
		p->logx = g_key_file_get_boolean(kf, "plot", "logx", NULL);
	if (!p->diagonal)
		p->diagonal = g_key_file_get_boolean(kf, "plot", "diagonal", NULL);
}

/* One run's figures: name -> value text, and its exit status (-1: unknown). */
struct row {
	char **values;	     /* the varied values, as in the manifest */
	GHashTable *figures; /* name -> value text */
	int status;
};

static void
row_free(struct row *r)
{
	g_strfreev(r->values);
	if (r->figures)
		g_hash_table_destroy(r->figures);
	g_free(r);
}

/* Read "name value" lines; "exit_status N" is the run's status, not a figure. */
static bool
read_result(const char *path, struct row *row, GHashTable *names, GError **error)
{
	g_autofree char *text = NULL;
	if (!g_file_get_contents(path, &text, NULL, error))
		return false;
	row->figures = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	for (int i = 0; lines[i]; i++) {
		char *line = g_strstrip(lines[i]);
		if (!*line)
			continue;
		char *sp = strchr(line, ' ');
		char *end = NULL;
		if (sp) {
			*sp = 0;
			g_ascii_strtod(sp + 1, &end);
		}
		if (!sp || end == sp + 1 || *end) {
			if (sp)
				*sp = ' ';
			g_set_error(error, SWEEP_ERROR, SWEEP_ERROR_RESULTS,
				    "%s:%d: expected 'figure value', found '%s'", path, i + 1,
				    line);
			return false;
		}
		if (strcmp(line, "exit_status") == 0) {
			row->status = atoi(sp + 1);
			continue;
		}
		if (!g_hash_table_contains(names, line))
			g_hash_table_add(names, g_strdup(line));
		g_hash_table_replace(row->figures, g_strdup(line), g_strdup(sp + 1));
	}
	return true;
}

/* The status a failed run left in NAME.failed ("exit_status N"), or -1. */
static int
read_failed(const char *path)
{
	g_autofree char *text = NULL;
	int s;
	if (!g_file_get_contents(path, &text, NULL, NULL) ||
	    sscanf(text, "exit_status %d", &s) != 1)
		return -1;
	return s;
}

static void
csv_field(GString *s, const char *v, bool last)
{
	if (strpbrk(v, ",\"\n\r") ||
	    (*v && (g_ascii_isspace(*v) || g_ascii_isspace(v[strlen(v) - 1])))) {
		g_string_append_c(s, '"');
		for (; *v; v++) {
			if (*v == '"')
				g_string_append_c(s, '"');
			g_string_append_c(s, *v);
		}
		g_string_append_c(s, '"');
	} else {
		g_string_append(s, v);
	}
	g_string_append_c(s, last ? '\n' : ',');
}

/* The header: varied keys, scenario.seed (when not varied), exit_status, figures. */
static GPtrArray *
header(char **columns, const char *seed, char **figures)
{
	GPtrArray *h = g_ptr_array_new();
	for (int i = 0; columns[i]; i++)
		g_ptr_array_add(h, columns[i]);
	if (seed)
		g_ptr_array_add(h, "scenario.seed");
	g_ptr_array_add(h, "exit_status");
	for (int i = 0; figures[i]; i++)
		g_ptr_array_add(h, figures[i]);
	return h;
}

/* A drop counter: HOST.drops.REASON or HOST.IF.drops.REASON. */
static bool
is_drop_counter(const char *figure)
{
	return strstr(figure, ".drops.") != NULL;
}

/*
 * A run reports a drop counter only when it fired (cli/world.c), so
 * without help a reason that never fired has no column, and one that fired
 * in some runs is empty in the others; in sqlite a quoted name of a missing
 * column is a string, not an error.  Every host (HOST.drops.total, which
 * every run reports) gets a column for every drop reason, and cell() gives
 * 0 for a drop counter a finished run did not report.
 */
static void
add_drop_columns(GHashTable *names)
{
	g_autoptr(GPtrArray) hosts = g_ptr_array_new_with_free_func(g_free);
	GHashTableIter it;
	gpointer key;
	g_hash_table_iter_init(&it, names);
	while (g_hash_table_iter_next(&it, &key, NULL)) {
		const char *name = key, *tail = strstr(name, ".drops.total");
		if (tail && tail[strlen(".drops.total")] == 0 && !memchr(name, '.', tail - name))
			g_ptr_array_add(hosts, g_strndup(name, (gsize)(tail - name)));
	}
	for (guint h = 0; h < hosts->len; h++)
		for (int r = 1; r < SKB_DROP_REASON_MAX; r++) {
			char *col = g_strdup_printf("%s.drops.%s", (char *)hosts->pdata[h],
						    skb_drop_reason_name(r));
			if (g_hash_table_contains(names, col))
				g_free(col);
			else
				g_hash_table_add(names, col);
		}
}

/* The value of column @c of @row as text ("" when unknown). */
static const char *
cell(const struct row *row, guint ncols, const char *seed, char **figures, guint c, char *buf)
{
	if (c < ncols)
		return row->values[c];
	c -= ncols;
	if (seed && c-- == 0)
		return seed;
	if (c == 0) {
		if (row->status < 0)
			return "";
		g_snprintf(buf, 16, "%d", row->status);
		return buf;
	}
	const char *v = row->figures ? g_hash_table_lookup(row->figures, figures[c - 1]) : NULL;
	if (!v && row->figures && is_drop_counter(figures[c - 1]))
		return "0"; /* a finished run names only the drops that fired */
	return v ? v : "";
}

static bool
write_csv(const char *out, GPtrArray *head, GPtrArray *rows, guint ncols, const char *seed,
	  char **figures, GError **error)
{
	g_autoptr(GString) s = g_string_new(NULL);
	char buf[16];
	for (guint c = 0; c < head->len; c++)
		csv_field(s, head->pdata[c], c + 1 == head->len);
	for (guint r = 0; r < rows->len; r++)
		for (guint c = 0; c < head->len; c++)
			csv_field(s, cell(rows->pdata[r], ncols, seed, figures, c, buf),
				  c + 1 == head->len);
	g_autofree char *path = g_build_filename(out, "sweep.csv", NULL);
	return g_file_set_contents(path, s->str, (gssize)s->len, error);
}

static bool
db_fail(sqlite3 *db, const char *path, GError **error)
{
	g_set_error(error, SWEEP_ERROR, SWEEP_ERROR_IO, "%s: %s", path,
		    db ? sqlite3_errmsg(db) : "cannot open");
	return false;
}

static char *
quote_ident(const char *name)
{
	g_autoptr(GString) s = g_string_new("\"");
	for (; *name; name++) {
		if (*name == '"')
			g_string_append_c(s, '"');
		g_string_append_c(s, *name);
	}
	g_string_append_c(s, '"');
	return g_string_free(g_steal_pointer(&s), FALSE);
}

/* A cell is bound as a number when the whole text is one, else as text; "" is NULL. */
static void
bind_cell(sqlite3_stmt *st, int i, const char *v)
{
	char *end;
	double d = *v ? g_ascii_strtod(v, &end) : 0;
	if (!*v)
		sqlite3_bind_null(st, i);
	else if (!*end)
		sqlite3_bind_double(st, i, d);
	else
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}

static bool
write_db(const char *out, GPtrArray *head, GPtrArray *rows, guint ncols, const char *seed,
	 char **figures, GError **error)
{
	g_autofree char *path = g_build_filename(out, "sweep.db", NULL);
	g_autofree char *tmp = g_strconcat(path, ".tmp", NULL);
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	bool ok = false;
	char buf[16];
	g_autoptr(GString) create = g_string_new("CREATE TABLE results (");
	g_autoptr(GString) insert = g_string_new("INSERT INTO results VALUES (");
	unlink(tmp);
	if (sqlite3_open(tmp, &db) != SQLITE_OK)
		goto out;
	for (guint c = 0; c < head->len; c++) {
		g_autofree char *q = quote_ident(head->pdata[c]);
		g_string_append_printf(create, "%s%s%s", c ? ", " : "", q,
				       c < ncols + (seed ? 1 : 0)	     ? ""
					       : c == ncols + (seed ? 1 : 0) ? " INTEGER"
									     : " REAL");
		g_string_append_printf(insert, "%s?", c ? ", " : "");
	}
	g_string_append(create, ")");
	g_string_append(insert, ")");
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, create->str, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, insert->str, -1, &st, NULL) != SQLITE_OK)
		goto out;
	for (guint r = 0; r < rows->len; r++) {
		for (guint c = 0; c < head->len; c++)
			bind_cell(st, (int)c + 1,
				  cell(rows->pdata[r], ncols, seed, figures, c, buf));
		if (sqlite3_step(st) != SQLITE_DONE)
			goto out;
		sqlite3_reset(st);
	}
	ok = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
out:
	if (!ok)
		db_fail(db, path, error);
	sqlite3_finalize(st);
	if (sqlite3_close(db) != SQLITE_OK && ok) {
		ok = false;
		g_set_error(error, SWEEP_ERROR, SWEEP_ERROR_IO, "%s: cannot close the database",
			    path);
	}
	if (ok && rename(tmp, path) != 0) {
		ok = false;
		g_set_error(error, SWEEP_ERROR, SWEEP_ERROR_IO, "%s: %s", path, g_strerror(errno));
	}
	if (!ok)
		unlink(tmp);
	return ok;
}

static int
cmp_figure(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

bool
sweep_collect(const char *out, struct sweep_plot *plot, struct sweep_totals *totals, GError **error)
{
	g_autofree char *mpath = g_build_filename(out, MANIFEST, NULL);
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) sub = NULL;
	if (!g_key_file_load_from_file(kf, mpath, G_KEY_FILE_NONE, &sub)) {
		g_set_error(error, SWEEP_ERROR, SWEEP_ERROR_RESULTS,
			    "%s: %s (is %s the output of netsim sweep?)", mpath, sub->message, out);
		return false;
	}
	gsize ncols = 0;
	g_auto(GStrv) columns = g_key_file_get_string_list(kf, "grid", "columns", &ncols, NULL);
	g_autofree char *seed = g_key_file_get_string(kf, "grid", "seed", NULL);
	gsize nruns = 0;
	g_auto(GStrv) names = g_key_file_get_keys(kf, "runs", &nruns, NULL);
	if (!columns || !names) {
		g_set_error(error, SWEEP_ERROR, SWEEP_ERROR_RESULTS,
			    "%s: no [grid] columns or no [runs]", mpath);
		return false;
	}
	plot_from_manifest(kf, plot);
	g_autoptr(GHashTable) fig_names =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify)row_free);
	struct sweep_totals t = { .runs = (guint)nruns };
	for (gsize i = 0; i < nruns; i++) {
		struct row *row = g_new0(struct row, 1);
		gsize n = 0;
		row->status = -1;
		row->values = g_key_file_get_string_list(kf, "runs", names[i], &n, NULL);
		g_ptr_array_add(rows, row);
		if (!row->values || n != ncols) {
			g_set_error(error, SWEEP_ERROR, SWEEP_ERROR_RESULTS,
				    "%s: [runs] %s: expected %zu values", mpath, names[i],
				    (size_t)ncols);
			return false;
		}
		g_autofree char *txt = g_strdup_printf("%s.txt", names[i]);
		g_autofree char *bad = g_strdup_printf("%s.failed", names[i]);
		g_autofree char *path = g_build_filename(out, "runs", txt, NULL);
		g_autofree char *fpath = g_build_filename(out, "runs", bad, NULL);
		if (g_file_test(path, G_FILE_TEST_EXISTS)) {
			if (!read_result(path, row, fig_names, error))
				return false;
			t.finished++;
		} else if ((row->status = read_failed(fpath)) >= 0) {
			t.failed++;
		} else {
			t.missing++;
		}
	}
	add_drop_columns(fig_names);
	g_autofree gpointer *figs = g_hash_table_get_keys_as_array(fig_names, NULL);
	char **figures = (char **)figs;
	qsort(figures, g_hash_table_size(fig_names), sizeof *figures, cmp_figure);
	g_autoptr(GPtrArray) head = header(columns, seed, figures);
	if (!write_csv(out, head, rows, (guint)ncols, seed, figures, error) ||
	    !write_db(out, head, rows, (guint)ncols, seed, figures, error))
		return false;
	*totals = t;
	return true;
}
