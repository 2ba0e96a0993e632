/*
 * viz/table.c - tables of text cells for netsim show: aligned text, CSV or
 * JSON.  See viz/table.h.
 */
#include "viz/table.h"

#include <string.h>

#include "viz/vizdb.h"

struct table {
	char *title;
	guint ncols;
	char **names;	   /* column names */
	gboolean *numeric; /* right aligned, unquoted in JSON */
	GPtrArray *cells;  /* nrows * ncols strings or NULL */
};

gboolean
table_format_parse(const char *name, enum table_format *out, GError **error)
{
	if (g_strcmp0(name, "table") == 0)
		*out = TABLE_TEXT;
	else if (g_strcmp0(name, "csv") == 0)
		*out = TABLE_CSV;
	else if (g_strcmp0(name, "json") == 0)
		*out = TABLE_JSON;
	else {
		g_set_error(error, VIZ_ERROR, VIZ_ERROR_ARG,
			    "--format %s: expected table, csv or json", name);
		return FALSE;
	}
	return TRUE;
}

struct table *
table_new(const char *title, const char *const *columns)
{
	struct table *t = g_new0(struct table, 1);
	t->title = g_strdup(title);
	t->ncols = g_strv_length((char **)columns);
	t->names = g_new0(char *, t->ncols + 1);
	t->numeric = g_new0(gboolean, t->ncols);
	for (guint i = 0; i < t->ncols; i++) {
		const char *colon = strrchr(columns[i], ':');
		t->numeric[i] = colon && strcmp(colon, ":n") == 0;
		t->names[i] = t->numeric[i] ? g_strndup(columns[i], (gsize)(colon - columns[i]))
					    : g_strdup(columns[i]);
	}
	t->cells = g_ptr_array_new_with_free_func(g_free);
	return t;
}

void
table_free(struct table *t)
{
	if (!t)
		return;
	g_free(t->title);
	g_strfreev(t->names);
	g_free(t->numeric);
	g_ptr_array_unref(t->cells);
	g_free(t);
}

/*
 * A cell as the table keeps it: valid UTF-8 (a trace may hold a file name
 * that is not: each such byte becomes the text \xNN), so that the JSON
 * output is valid and the widths are right.
 */
static char *
cell_text(const char *v)
{
	if (!v)
		return NULL;
	if (g_utf8_validate(v, -1, NULL))
		return g_strdup(v);
	GString *out = g_string_new(NULL);
	const char *end = v + strlen(v);
	while (v < end) {
		gunichar c = g_utf8_get_char_validated(v, end - v);
		if (c == (gunichar)-1 || c == (gunichar)-2) {
			g_string_append_printf(out, "\\x%02x", (unsigned char)*v++);
			continue;
		}
		const char *next = g_utf8_next_char(v);
		g_string_append_len(out, v, next - v);
		v = next;
	}
	return g_string_free(out, FALSE);
}

/* A cell for the terminal: control characters (ESC, CR, newline) as \xNN. */
static char *
cell_for_terminal(const char *v)
{
	GString *out = g_string_new(NULL);
	for (const char *p = v; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		if (c < 0x20 || (c >= 0x7f && c < 0xa0))
			for (const char *q = p; q < g_utf8_next_char(p); q++)
				g_string_append_printf(out, "\\x%02x", (unsigned char)*q);
		else
			g_string_append_len(out, p, g_utf8_next_char(p) - p);
	}
	return g_string_free(out, FALSE);
}

void
table_add_row(struct table *t, const char *const *cells)
{
	for (guint i = 0; i < t->ncols; i++)
		g_ptr_array_add(t->cells, cell_text(cells[i]));
}

void
table_add_stmt_row(struct table *t, sqlite3_stmt *st)
{
	for (guint i = 0; i < t->ncols; i++) {
		const unsigned char *v = sqlite3_column_text(st, (int)i);
		g_ptr_array_add(t->cells, cell_text((const char *)v));
	}
}

guint
table_ncols(const struct table *t)
{
	return t->ncols;
}

guint
table_nrows(const struct table *t)
{
	return t->ncols ? t->cells->len / t->ncols : 0;
}

const char *
table_cell(const struct table *t, guint row, guint col)
{
	return g_ptr_array_index(t->cells, row * t->ncols + col);
}

static void
print_text(const struct table *t, GString *out)
{
	guint nrows = table_nrows(t);
	g_autofree glong *width = g_new0(glong, t->ncols);

	g_autoptr(GPtrArray) shown = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; i < t->cells->len; i++) {
		const char *v = g_ptr_array_index(t->cells, i);
		g_ptr_array_add(shown, v ? cell_for_terminal(v) : NULL);
	}
	for (guint c = 0; c < t->ncols; c++) {
		width[c] = g_utf8_strlen(t->names[c], -1);
		for (guint r = 0; r < nrows; r++) {
			const char *v = g_ptr_array_index(shown, r * t->ncols + c);
			width[c] = MAX(width[c], v ? g_utf8_strlen(v, -1) : 1);
		}
	}
	if (t->title)
		g_string_append_printf(out, "%s\n", t->title);
	for (guint r = 0; r <= nrows + 1; r++) {
		GString *line = g_string_new("  ");
		for (guint c = 0; c < t->ncols; c++) {
			const char *v = r == 0 ? t->names[c]
				: r == 1       ? NULL
					       : g_ptr_array_index(shown, (r - 2) * t->ncols + c);
			if (r == 1) {
				for (glong i = 0; i < width[c]; i++)
					g_string_append_c(line, '-');
			} else {
				if (!v)
					v = "-";
				glong pad = width[c] - g_utf8_strlen(v, -1);
				if (t->numeric[c])
					for (glong i = 0; i < pad; i++)
						g_string_append_c(line, ' ');
				g_string_append(line, v);
				if (!t->numeric[c] && c + 1 < t->ncols)
					for (glong i = 0; i < pad; i++)
						g_string_append_c(line, ' ');
			}
			if (c + 1 < t->ncols)
				g_string_append(line, "  ");
		}
		while (line->len && line->str[line->len - 1] == ' ')
			g_string_truncate(line, line->len - 1);
		g_string_append_printf(out, "%s\n", line->str);
		g_string_free(line, TRUE);
	}
	if (nrows == 0)
		g_string_append(out, "  (none)\n");
}

static void
csv_cell(GString *out, const char *v)
{
	if (!v)
		return;
	if (!strpbrk(v, ",\"\n\r")) {
		g_string_append(out, v);
		return;
	}
	g_string_append_c(out, '"');
	for (const char *p = v; *p; p++) {
		if (*p == '"')
			g_string_append_c(out, '"');
		g_string_append_c(out, *p);
	}
	g_string_append_c(out, '"');
}

static void
json_string(GString *out, const char *v)
{
	g_string_append_c(out, '"');
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if (*p == '"' || *p == '\\')
			g_string_append_printf(out, "\\%c", *p);
		else if (*p < 0x20)
			g_string_append_printf(out, "\\u%04x", *p);
		else
			g_string_append_c(out, (char)*p);
	}
	g_string_append_c(out, '"');
}

/* A number as SQLite prints it is valid JSON unless it is not finite. */
static gboolean
json_number_ok(const char *v)
{
	char *end;
	g_ascii_strtod(v, &end);
	return *v && *end == '\0' && !strpbrk(v, "nNiI");
}

static void
print_json(const struct table *t, GString *out)
{
	guint nrows = table_nrows(t);
	g_string_append_c(out, '[');
	for (guint r = 0; r < nrows; r++) {
		g_string_append(out, r ? ",\n  {" : "\n  {");
		for (guint c = 0; c < t->ncols; c++) {
			const char *v = table_cell(t, r, c);
			if (c)
				g_string_append(out, ", ");
			json_string(out, t->names[c]);
			g_string_append(out, ": ");
			if (!v)
				g_string_append(out, "null");
			else if (t->numeric[c] && json_number_ok(v))
				g_string_append(out, v);
			else
				json_string(out, v);
		}
		g_string_append_c(out, '}');
	}
	g_string_append(out, nrows ? "\n]" : "]");
}

void
table_print(const struct table *t, enum table_format fmt, GString *out)
{
	switch (fmt) {
	case TABLE_TEXT: print_text(t, out); break;
	case TABLE_CSV:
		for (guint r = 0; r <= table_nrows(t); r++) {
			for (guint c = 0; c < t->ncols; c++) {
				if (c)
					g_string_append_c(out, ',');
				csv_cell(out, r == 0 ? t->names[c] : table_cell(t, r - 1, c));
			}
			g_string_append_c(out, '\n');
		}
		break;
	case TABLE_JSON: print_json(t, out); break;
	}
}
