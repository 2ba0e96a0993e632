/*
 * viz/draw_ladder_layout.c - the ladder's vertical scale and its label
 * placement (viz/draw_ladder_int.h says what each does).
 */
#include <math.h>

#include "viz/draw_ladder_int.h"

/* ---- the vertical scale ---- */

/* Rows between two moments @dt apart, at @unit ns per row; @fixed >= 0: inside a band. */
static double
timescale_rows(int64_t dt, double unit, double fixed)
{
	if (fixed >= 0)
		return fixed;
	double r = (double)dt / unit;
	return r > LADDER_GAP ? LADDER_GAP_ROWS : MAX(r, LADDER_MIN);
}

static double
timescale_height(GArray *dts, GArray *fixed, double unit)
{
	double rows = 0;
	for (guint i = 0; i < dts->len; i++)
		rows += timescale_rows(g_array_index(dts, int64_t, i), unit,
				       g_array_index(fixed, double, i));
	return rows;
}

/*
 * For each stretch t[i - 1]..t[i] inside a band (struct band, t0..t1), its
 * rows: its share of the band's LADDER_BAND_ROWS; -1 for every other.
 */
static GArray *
timescale_fixed(const struct timescale *ts, const GArray *bands)
{
	GArray *fixed = g_array_new(FALSE, FALSE, sizeof(double));
	guint b = 0;
	for (guint i = 1; i < ts->t->len; i++) {
		int64_t t0 = g_array_index(ts->t, int64_t, i - 1),
			t1 = g_array_index(ts->t, int64_t, i);
		double rows = -1;
		while (bands && b < bands->len && g_array_index(bands, struct band, b).t1 < t1)
			b++;
		if (bands && b < bands->len) {
			const struct band *bd = &g_array_index(bands, struct band, b);
			if (bd->t0 <= t0 && t1 <= bd->t1)
				rows = MAX(LADDER_BAND_ROWS * (double)(t1 - t0) /
						   (double)MAX(bd->t1 - bd->t0, 1),
					   0.05);
		}
		g_array_append_val(fixed, rows);
	}
	return fixed;
}

static int
i64_cmp(gconstpointer a, gconstpointer b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

void
timescale_make(struct timescale *ts, GArray *all, bool rows, const GArray *bands)
{
	ts->t = g_array_new(FALSE, FALSE, sizeof(int64_t));
	ts->y = g_array_new(FALSE, FALSE, sizeof(double));
	ts->gaps = g_array_new(FALSE, FALSE, sizeof(int));
	g_array_sort(all, i64_cmp);
	for (guint i = 0; i < all->len; i++) {
		int64_t t = g_array_index(all, int64_t, i);
		if (!ts->t->len || g_array_index(ts->t, int64_t, ts->t->len - 1) != t)
			g_array_append_val(ts->t, t);
	}
	g_autoptr(GArray) dts = g_array_new(FALSE, FALSE, sizeof(int64_t));
	for (guint i = 1; i < ts->t->len; i++) {
		int64_t d = g_array_index(ts->t, int64_t, i) - g_array_index(ts->t, int64_t, i - 1);
		g_array_append_val(dts, d); /* in time order: dts[i - 1] is t[i] - t[i - 1] */
	}
	g_autoptr(GArray) fixed = timescale_fixed(ts, bands);
	/* the unit (ns per row) that makes the picture about @target inches tall:
	 * the height falls as the unit grows, so halve the interval */
	double target =
		CLAMP(0.5 * LADDER_ROW * (double)ts->t->len, LADDER_HEIGHT_MIN, LADDER_HEIGHT_MAX);
	double lo = 1, hi = 1;
	for (guint i = 0; i < dts->len; i++)
		if (g_array_index(fixed, double, i) < 0)
			hi = MAX(hi, (double)g_array_index(dts, int64_t, i));
	double unit = hi;
	for (int it = 0; it < 60 && !rows; it++) {
		unit = sqrt(lo * hi);
		if (timescale_height(dts, fixed, unit) > target / LADDER_ROW)
			lo = unit;
		else
			hi = unit;
	}
	double y = 1.0 * LADDER_ROW;
	for (guint i = 0; i < ts->t->len; i++) {
		if (i > 0) {
			double f = g_array_index(fixed, double, i - 1);
			double rows_apart = rows && f < 0
				? 1
				: timescale_rows(g_array_index(dts, int64_t, i - 1), unit, f);
			if (!rows && f < 0 && rows_apart == LADDER_GAP_ROWS) {
				int gi = (int)i;
				g_array_append_val(ts->gaps, gi);
			}
			y += rows_apart * LADDER_ROW;
		}
		g_array_append_val(ts->y, y);
	}
}

/* Inches below the top for moment @t (INT64_MAX: the last). */
double
timescale_y(const struct timescale *ts, int64_t t)
{
	guint lo = 0, hi = ts->t->len;
	if (!hi)
		return LADDER_ROW;
	while (lo < hi) {
		guint mid = (lo + hi) / 2;
		if (g_array_index(ts->t, int64_t, mid) < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return g_array_index(ts->y, double, MIN(lo, ts->t->len - 1));
}

void
timescale_free(struct timescale *ts)
{
	g_array_free(ts->t, TRUE);
	g_array_free(ts->y, TRUE);
	g_array_free(ts->gaps, TRUE);
}

/* ---- labels kept apart ---- */

static bool
lbox_meet(const struct lbox *a, const struct lbox *b)
{
	return !(a->x1 <= b->x0 || b->x1 <= a->x0 || a->y1 <= b->y0 || b->y1 <= a->y0);
}

static int
band_of(double y)
{
	return (int)floor(y / LADDER_BAND);
}

void
placed_init(struct placed *pl)
{
	pl->boxes = g_array_new(FALSE, FALSE, sizeof(struct lbox));
	pl->bands = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
					  (GDestroyNotify)g_array_unref);
}

void
placed_clear(struct placed *pl)
{
	g_array_free(pl->boxes, TRUE);
	g_hash_table_destroy(pl->bands);
}

bool
placed_free_at(const struct placed *pl, const struct lbox *b)
{
	for (int k = band_of(b->y0); k <= band_of(b->y1); k++) {
		GArray *in = g_hash_table_lookup(pl->bands, GINT_TO_POINTER(k));
		for (guint j = 0; in && j < in->len; j++)
			if (lbox_meet(b,
				      &g_array_index(pl->boxes, struct lbox,
						     g_array_index(in, guint, j))))
				return false;
	}
	return true;
}

void
placed_add(struct placed *pl, const struct lbox *b)
{
	guint at = pl->boxes->len;
	g_array_append_val(pl->boxes, *b);
	for (int k = band_of(b->y0); k <= band_of(b->y1); k++) {
		GArray *in = g_hash_table_lookup(pl->bands, GINT_TO_POINTER(k));
		if (!in) {
			in = g_array_new(FALSE, FALSE, sizeof(guint));
			g_hash_table_insert(pl->bands, GINT_TO_POINTER(k), in);
		}
		g_array_append_val(in, at);
	}
}

struct lbox
lbox_at(double x, double y, double w, double h)
{
	return (struct lbox){ x - w / 2, y - h / 2, x + w / 2, y + h / 2 };
}

/* Width in inches of @text at @pt points, as Graphviz estimates Helvetica. */
double
label_width(const char *text, double pt)
{
	return (double)g_utf8_strlen(text, -1) * 0.58 * pt / 72.0 + 0.1;
}

/*
 * Where on the arrow (x0,y0)-(x1,y1) a label of @w by @h inches goes: the
 * middle if it is free, else the point nearest to the middle whose box
 * meets no label placed; the box is added to @placed.
 */
void
place_label(struct placed *placed, double x0, double y0, double x1, double y1, double w, double h,
	    double *x, double *y)
{
	static const double at[] = { 0.5, 0.38, 0.62, 0.26, 0.74, 0.16, 0.84 };
	struct lbox b = { 0 };
	for (size_t i = 0; i < G_N_ELEMENTS(at); i++) {
		*x = x0 + at[i] * (x1 - x0);
		*y = y0 + at[i] * (y1 - y0) + 0.05;
		b = lbox_at(*x, *y, w, h);
		if (placed_free_at(placed, &b))
			break;
		if (i + 1 == G_N_ELEMENTS(at)) { /* nowhere free: the middle */
			*x = (x0 + x1) / 2;
			*y = (y0 + y1) / 2 + 0.05;
			b = lbox_at(*x, *y, w, h);
		}
	}
	placed_add(placed, &b);
}
