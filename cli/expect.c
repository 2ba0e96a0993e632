/*
 * cli/expect.c - parsing and checking [expect] conditions.
 */
#include "cli/expect.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum cmp { CMP_EQ, CMP_NE, CMP_GE, CMP_LE, CMP_GT, CMP_LT, CMP_RANGE };

struct cond {
	char *metric;
	char *text;
	enum cmp cmp;
	double a, b;
};

struct expectations {
	GArray *conds;
};

static bool
parse_number(const char *s, double *out)
{
	char *end;
	while (*s == ' ')
		s++;
	double v = g_ascii_strtod(s, &end);
	if (end == s)
		return false;
	while (*end == ' ')
		end++;
	if (*end || !isfinite(v))
		return false;
	*out = v;
	return true;
}

static bool
parse_cond(const char *text, struct cond *c)
{
	static const struct {
		const char *op;
		enum cmp cmp;
	} ops[] = { { ">=", CMP_GE }, { "<=", CMP_LE }, { "==", CMP_EQ }, { "!=", CMP_NE },
		    { ">", CMP_GT },  { "<", CMP_LT },	{ "=", CMP_EQ } };
	for (size_t i = 0; i < G_N_ELEMENTS(ops); i++) {
		size_t n = strlen(ops[i].op);
		if (strncmp(text, ops[i].op, n) == 0) {
			c->cmp = ops[i].cmp;
			return parse_number(text + n, &c->a);
		}
	}
	const char *dots = strstr(text, "..");
	if (dots) {
		g_autofree char *lo = g_strndup(text, (gsize)(dots - text));
		c->cmp = CMP_RANGE;
		return parse_number(lo, &c->a) && parse_number(dots + 2, &c->b) && c->a <= c->b;
	}
	c->cmp = CMP_EQ;
	return parse_number(text, &c->a);
}

struct expectations *
expectations_parse(struct scenario *sc, GError **error)
{
	struct expectations *ex = g_new0(struct expectations, 1);
	ex->conds = g_array_new(FALSE, TRUE, sizeof(struct cond));
	g_auto(GStrv) keys = scenario_keys(sc, "expect");
	for (int i = 0; keys[i]; i++) {
		const char *v = scenario_get(sc, "expect", keys[i]);
		struct cond c = { 0 };
		if (!parse_cond(v, &c)) {
			scenario_fail(sc, error, "expect", keys[i],
				      "'%s' is not a condition (use N, >= N, <= N, > N, < N, != N "
				      "or A..B)",
				      v);
			expectations_free(ex);
			return NULL;
		}
		c.metric = g_strdup(keys[i]);
		c.text = g_strdup(v);
		g_array_append_val(ex->conds, c);
	}
	return ex;
}

void
expectations_free(struct expectations *ex)
{
	if (!ex)
		return;
	for (guint i = 0; i < ex->conds->len; i++) {
		struct cond *c = &g_array_index(ex->conds, struct cond, i);
		g_free(c->metric);
		g_free(c->text);
	}
	g_array_free(ex->conds, TRUE);
	g_free(ex);
}

guint
expectations_count(const struct expectations *ex)
{
	return ex->conds->len;
}

const char **
expectations_metrics(const struct expectations *ex)
{
	const char **names = g_new0(const char *, ex->conds->len + 1);
	for (guint i = 0; i < ex->conds->len; i++)
		names[i] = g_array_index(ex->conds, struct cond, i).metric;
	return names;
}

static bool
holds(const struct cond *c, double v)
{
	switch (c->cmp) {
	case CMP_EQ: return v == c->a;
	case CMP_NE: return v != c->a;
	case CMP_GE: return v >= c->a;
	case CMP_LE: return v <= c->a;
	case CMP_GT: return v > c->a;
	case CMP_LT: return v < c->a;
	case CMP_RANGE: return v >= c->a && v <= c->b;
	}
	return false;
}

/* Names that share the metric's first component, to help with typos. */
static void
suggest(GHashTable *metrics, const char *metric, GString *out)
{
	const char *dot = strchr(metric, '.');
	size_t n = dot ? (size_t)(dot - metric) + 1 : strlen(metric);
	GList *keys = g_list_sort(g_hash_table_get_keys(metrics), (GCompareFunc)strcmp);
	int shown = 0;
	for (GList *l = keys; l && shown < 12; l = l->next) {
		if (strncmp(l->data, metric, n) == 0) {
			g_string_append_printf(out, "%s%s",
					       shown ? ", " : " (known: ", (char *)l->data);
			shown++;
		}
	}
	if (shown)
		g_string_append(out, ", ...)");
	g_list_free(keys);
}

guint
expectations_check(const struct expectations *ex, GHashTable *metrics, GString *out)
{
	guint failed = 0;
	for (guint i = 0; i < ex->conds->len; i++) {
		const struct cond *c = &g_array_index(ex->conds, struct cond, i);
		const double *v = g_hash_table_lookup(metrics, c->metric);
		if (!v) {
			failed++;
			g_string_append_printf(out, "  FAIL %s %s: no such figure", c->metric,
					       c->text);
			suggest(metrics, c->metric, out);
			g_string_append_c(out, '\n');
			continue;
		}
		bool ok = holds(c, *v);
		failed += !ok;
		g_string_append_printf(out, "  %s %s = %g, expected %s\n", ok ? "ok  " : "FAIL",
				       c->metric, *v, c->text);
	}
	return failed;
}
