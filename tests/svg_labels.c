/*
 * tests/svg_labels.c - do any two text labels of an SVG picture overlap?
 *
 *   tests/svg_labels FILE.svg...      exit 0: none overlap; 1: some do
 *
 * Reads the <text> elements of Graphviz's and gnuplot's SVG output: the
 * position (x, y, and translate() of the enclosing groups), font size,
 * weight and anchor (inherited from the groups as SVG says).  A label's box
 * is its width, estimated from the Helvetica metrics as Graphviz's own
 * estimate does (lib/common/textspan.c: the Adobe AFM widths; the fonts
 * that fontconfig gives for Helvetica, Nimbus Sans, have the same metrics),
 * by its ascent and descent.  Two texts overlap when their boxes share
 * more than 1 px in both directions and they belong to different elements
 * (a node, an edge, a cluster: the lines and spans of one label are placed
 * by Graphviz and never collide).  Rotated texts (gnuplot's y label) are
 * left out.
 */
#include <glib.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Helvetica advance widths for ' ' .. '~', in 1/1000 em (Adobe AFM). */
static const short helvetica[95] = {
	278,  278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
	556,  556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
	1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
	667,  778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
	333,  556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
	556,  556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
};
/* Helvetica-Bold */
static const short helvetica_bold[95] = {
	278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,
	556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
	975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
	667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
	333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
	611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
};

struct style {
	double tx, ty, size;
	int anchor; /* -1 start, 0 middle, 1 end */
	bool bold, rotated;
	int owner; /* the element (node, edge, cluster) the text belongs to */
};

struct box {
	double x0, y0, x1, y1;
	int owner;
	char *text;
};

struct reader {
	GArray *stack; /* struct style */
	GArray *boxes; /* struct box */
	GString *text;
	bool in_text;
	double x, y;
	int owners;
};

static double
text_width(const char *s, double size, bool bold)
{
	const short *w = bold ? helvetica_bold : helvetica;
	double em = 0;
	for (const char *p = s; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		em += c >= 32 && c < 127 ? w[c - 32] : 556;
	}
	return em / 1000.0 * size;
}

static void
parse_transform(const char *t, struct style *st)
{
	const char *p = strstr(t, "translate(");
	if (p) {
		double a = 0, b = 0;
		if (sscanf(p, "translate(%lf%*[ ,]%lf", &a, &b) >= 1) {
			st->tx += a;
			st->ty += b;
		}
	}
	p = strstr(t, "rotate(");
	if (p && strtod(p + 7, NULL) != 0)
		st->rotated = true;
}

static void
start(GMarkupParseContext *ctx, const char *name, const char **an, const char **av, gpointer data,
      GError **error)
{
	struct reader *r = data;
	struct style st = g_array_index(r->stack, struct style, r->stack->len - 1);
	const char *x = NULL, *y = NULL;
	for (int i = 0; an[i]; i++) {
		if (strcmp(an[i], "font-size") == 0)
			st.size = strtod(av[i], NULL);
		else if (strcmp(an[i], "text-anchor") == 0)
			st.anchor = strcmp(av[i], "start") == 0 ? -1
				: strcmp(av[i], "end") == 0	? 1
								: 0;
		else if (strcmp(an[i], "font-weight") == 0)
			st.bold = strcmp(av[i], "bold") == 0 || atoi(av[i]) >= 600;
		else if (strcmp(an[i], "transform") == 0)
			parse_transform(av[i], &st);
		else if (strcmp(an[i], "class") == 0 &&
			 (strcmp(av[i], "node") == 0 || strcmp(av[i], "edge") == 0 ||
			  strcmp(av[i], "cluster") == 0))
			st.owner = ++r->owners;
		else if (strcmp(an[i], "x") == 0)
			x = av[i];
		else if (strcmp(an[i], "y") == 0)
			y = av[i];
	}
	if (strcmp(name, "text") == 0) {
		r->in_text = true;
		g_string_truncate(r->text, 0);
		r->x = x ? strtod(x, NULL) : 0;
		r->y = y ? strtod(y, NULL) : 0;
		if (st.owner == 0) /* gnuplot: each text stands alone */
			st.owner = ++r->owners;
	}
	g_array_append_val(r->stack, st);
}

static void
end(GMarkupParseContext *ctx, const char *name, gpointer data, GError **error)
{
	struct reader *r = data;
	struct style st = g_array_index(r->stack, struct style, r->stack->len - 1);
	g_array_set_size(r->stack, r->stack->len - 1);
	if (strcmp(name, "text") != 0)
		return;
	r->in_text = false;
	g_strstrip(r->text->str);
	size_t n = strlen(r->text->str);
	if (n == 0 || st.rotated)
		return;
	double w = text_width(r->text->str, st.size, st.bold);
	double x = st.tx + r->x, y = st.ty + r->y;
	double x0 = st.anchor < 0 ? x : st.anchor > 0 ? x - w : x - w / 2;
	struct box b = { x0,	   y - 0.75 * st.size,	  x0 + w, y + 0.21 * st.size,
			 st.owner, g_strdup(r->text->str) };
	g_array_append_val(r->boxes, b);
}

static void
text(GMarkupParseContext *ctx, const char *t, gsize len, gpointer data, GError **error)
{
	struct reader *r = data;
	if (r->in_text)
		g_string_append_len(r->text, t, (gssize)len);
}

static int
check(const char *file)
{
	g_autofree char *svg = NULL;
	g_autoptr(GError) error = NULL;
	if (!g_file_get_contents(file, &svg, NULL, &error)) {
		fprintf(stderr, "%s: %s\n", file, error->message);
		return 2;
	}
	/* the DOCTYPE's entities are not XML that GMarkup reads */
	char *doctype = strstr(svg, "<!DOCTYPE");
	if (doctype) {
		char *close = strstr(doctype, "]>");
		char *gt = strchr(doctype, '>');
		char *stop = close && close < strstr(doctype, "<svg") ? close + 2 : gt + 1;
		memset(doctype, ' ', (size_t)(stop - doctype));
	}
	struct reader r = { .stack = g_array_new(FALSE, FALSE, sizeof(struct style)),
			    .boxes = g_array_new(FALSE, FALSE, sizeof(struct box)),
			    .text = g_string_new(NULL) };
	struct style root = { .size = 14, .anchor = -1 };
	g_array_append_val(r.stack, root);
	GMarkupParser p = { start, end, text, NULL, NULL };
	GMarkupParseContext *ctx = g_markup_parse_context_new(&p, 0, &r, NULL);
	int bad = 0;
	if (!g_markup_parse_context_parse(ctx, svg, -1, &error) ||
	    !g_markup_parse_context_end_parse(ctx, &error)) {
		fprintf(stderr, "%s: not SVG that can be read: %s\n", file, error->message);
		bad = 2;
	}
	g_markup_parse_context_free(ctx);
	for (guint i = 0; i < r.boxes->len; i++) {
		struct box *a = &g_array_index(r.boxes, struct box, i);
		for (guint j = i + 1; j < r.boxes->len; j++) {
			struct box *b = &g_array_index(r.boxes, struct box, j);
			if (a->owner == b->owner)
				continue;
			double w = MIN(a->x1, b->x1) - MAX(a->x0, b->x0);
			double h = MIN(a->y1, b->y1) - MAX(a->y0, b->y0);
			if (w > 1 && h > 1) {
				printf("%s: \"%s\" (%.0f,%.0f) overlaps \"%s\" (%.0f,%.0f) by "
				       "%.0fx%.0f px\n",
				       file, a->text, a->x0, a->y1, b->text, b->x0, b->y1, w, h);
				bad = bad ? bad : 1;
			}
		}
	}
	for (guint i = 0; i < r.boxes->len; i++)
		g_free(g_array_index(r.boxes, struct box, i).text);
	g_array_free(r.boxes, TRUE);
	g_array_free(r.stack, TRUE);
	g_string_free(r.text, TRUE);
	return bad;
}

int
main(int argc, char **argv)
{
	int status = 0;
	if (argc < 2) {
		fprintf(stderr, "usage: svg_labels FILE.svg...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		int s = check(argv[i]);
		status = MAX(status, s);
	}
	return status;
}
