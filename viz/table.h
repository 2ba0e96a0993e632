/*
 * viz/table.h - a table of text cells printed for people or for scripts.
 *
 * netsim show builds every answer as tables of strings and prints them in
 * one of three formats: aligned columns (for a terminal or a projector),
 * CSV (RFC 4180 quoting, newline line ends) or JSON (an array of objects,
 * numbers as numbers, NULL as null).  Columns are declared once with a name and a kind.
 */
#ifndef NETSIM_VIZ_TABLE_H
#define NETSIM_VIZ_TABLE_H

#include <glib.h>
#include <sqlite3.h>

enum table_format { TABLE_TEXT, TABLE_CSV, TABLE_JSON };

/* Parses "table", "csv" or "json". */
gboolean table_format_parse(const char *name, enum table_format *out, GError **error);

struct table;

/*
 * A table whose columns are given as "name" (text, left aligned) or
 * "name:n" (a number: right aligned, unquoted in JSON), NULL-terminated.
 */
struct table *table_new(const char *title, const char *const *columns);
void table_free(struct table *t);

/* Adds a row of table_ncols() cells (copied; NULL is an empty cell / null). */
void table_add_row(struct table *t, const char *const *cells);
/* Adds the current row of @st: its columns in order, one per table column. */
void table_add_stmt_row(struct table *t, sqlite3_stmt *st);
guint table_ncols(const struct table *t);
guint table_nrows(const struct table *t);
/* A cell, for tests: NULL for a NULL cell. */
const char *table_cell(const struct table *t, guint row, guint col);

/*
 * Appends @t to @out.  TABLE_TEXT: the title, a header, a rule and the
 * rows; TABLE_CSV: a header line and the rows; TABLE_JSON: an array.
 */
void table_print(const struct table *t, enum table_format fmt, GString *out);

#endif
