/*
 * viz/draw_ladder_int.h - the layout of the TCP ladder (viz/draw_ladder.c):
 * the vertical scale that gives every moment its row, and the labels
 * placed so far, kept apart.  viz/draw_ladder_layout.c has the code.
 */
#ifndef NETSIM_VIZ_DRAW_LADDER_INT_H
#define NETSIM_VIZ_DRAW_LADDER_INT_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "viz/draw.h"

#define LADDER_ROW 0.55	      /* inches between rows */
#define LADDER_XB 10.0	      /* inches between the two time lines (a: x 0, b: x LADDER_XB) */
#define LADDER_HEIGHT_MIN 6.0 /* the picture's height, by the number of moments */
#define LADDER_HEIGHT_MAX 12.0

/*
 * The vertical scale (the rows): time to scale, except that a quiet stretch
 * longer than LADDER_GAP rows is shortened to a marked gap of
 * LADDER_GAP_ROWS rows, and that two moments closer than LADDER_MIN rows
 * are drawn that far apart (so that arrows keep their order).  The scale
 * (ns per row) is the one that makes the picture about as tall as a
 * projector shows (LADDER_HEIGHT_MIN to _MAX inches, by the number of
 * moments), found by bisection.  @rows: one row per moment instead.
 *
 * A worked example, with a scale of 10 µs per row: moments at 0, 2, 30,
 * 35 and 500 µs.  0 -> 2 is 0.2 rows, raised to LADDER_MIN (0.3); 2 -> 30
 * is 2.8 rows; 30 -> 35 is 0.5 rows; 35 -> 500 is 46.5 rows, more than
 * LADDER_GAP, so it becomes a gap of 2 rows with "≈ 465.000 µs later".
 * The moments sit at rows 1, 1.3, 4.1, 4.6 and 6.6 (the first row is
 * left for the host boxes), times LADDER_ROW inches.
 */
#define LADDER_GAP 6.0
#define LADDER_MIN 0.3

struct band;

struct timescale {
	GArray *t;    /* int64_t, sorted, distinct */
	GArray *y;    /* double, inches down from the top */
	GArray *gaps; /* int: index i where the stretch t[i-1]..t[i] was shortened */
};

#define LADDER_GAP_ROWS 2.0

/*
 * Makes the scale for the moments @all (int64_t ns, any order; sorted
 * here).  @bands (struct band, in time order, or NULL): each band's stretch
 * is LADDER_BAND_ROWS rows, whatever its length.
 */
void timescale_make(struct timescale *ts, GArray *all, bool rows, const GArray *bands);
/* Inches below the top for moment @t (INT64_MAX: the last). */
double timescale_y(const struct timescale *ts, int64_t t);
void timescale_free(struct timescale *ts);

/* A label's box, in inches, for keeping labels apart. */
struct lbox {
	double x0, y0, x1, y1;
};

/*
 * The labels placed so far, indexed by bands of LADDER_BAND inches of y,
 * so that asking whether a box is free looks at the labels near it, not
 * at all of them: placing n labels costs n times the few labels of a band,
 * not n * n.  A box is listed in every band it reaches; two boxes that
 * meet share a band.
 */
#define LADDER_BAND 1.0

struct placed {
	GArray *boxes;	   /* struct lbox */
	GHashTable *bands; /* band number -> GArray of guint (indexes into boxes) */
};

void placed_init(struct placed *pl);
void placed_clear(struct placed *pl);
/* Does @b meet no label placed? */
bool placed_free_at(const struct placed *pl, const struct lbox *b);
void placed_add(struct placed *pl, const struct lbox *b);
/* The box of @w by @h inches centred on (@x, @y). */
struct lbox lbox_at(double x, double y, double w, double h);
/* Width in inches of @text at @pt points, as Graphviz estimates Helvetica. */
double label_width(const char *text, double pt);
/*
 * Where on the arrow (x0,y0)-(x1,y1) a label of @w by @h inches goes: the
 * middle if it is free, else the point nearest to the middle whose box
 * meets no label placed; the box is added to @placed.
 */
void place_label(struct placed *placed, double x0, double y0, double x1, double y1, double w,
		 double h, double *x, double *y);

/* One transmission of a segment of the connection. */
struct seg {
	int64_t tx_skb;
	bool fwd; /* from the flow's first endpoint */
	char flags[8];
	uint32_t seq, ack, payload;
	int64_t tx_ns, rx_ns; /* rx_ns -1: never arrived */
	int64_t end_ns;	      /* where the arrow ends: rx_ns, or where the X goes */
	const char *drop;     /* where it ended, if it was dropped */
	bool retransmit;
};

struct call {
	int64_t time_ns, host, bytes;
	bool out; /* skb_to_user: a read */
};

/* A TCP state change, or several at one moment on one host, beside its time line. */
struct tstate {
	int64_t time_ns;
	bool on_a;	/* on the flow's first endpoint's host */
	char text[112]; /* "→ FIN_WAIT2 → TIME_WAIT" */
};

/*
 * A run of steady-state segments drawn as one band: data segments and pure
 * ACKs that arrived, with no SYN, FIN or RST, no retransmission, no loss,
 * no duplicate ACK and no state change while they flew.
 */
struct band {
	int64_t t0, t1;		/* the first segment's departure, the last one's arrival */
	guint segs;		/* segments in it */
	guint data[2], acks[2]; /* [fwd] */
	uint32_t lo[2], hi[2];	/* [fwd]: the data's sequence range (relative) */
	char text[200];
};

/* What the emit step draws: the segments in time order and their scale. */
struct ladder {
	GArray *segs;	 /* struct seg, sorted by seg_cmp, cut to the window and --max */
	guint total;	 /* segments in the window, before --max */
	guint shown;	 /* segments drawn, as arrows or in bands */
	uint32_t isn[2]; /* each direction's first sequence number ([fwd]) */
	bool known[2];	 /* ...if that direction sent anything */
	GArray *calls;	 /* struct call */
	GArray *states;	 /* struct tstate */
	GArray *bands;	 /* struct band, in time order */
	struct timescale ts;
};

/* The state changes of connection @f on its two hosts (@a, @b), between @lo and @hi. */
GArray *ladder_states(sqlite3 *db, const struct viz_flow *f, int64_t a, int64_t b, int64_t lo,
		      int64_t hi);
/* Their ticks on the time lines and their names beside them, never over another label. */
void ladder_emit_states(GString *s, struct placed *placed, const struct ladder *l);

/*
 * Above LADDER_SUMMARY_OVER segments, runs of at least LADDER_SUMMARY_RUN
 * steady-state segments become bands (struct band); the segments in a band
 * leave l->segs.  Every other segment stays, so every special event is drawn.
 */
#define LADDER_SUMMARY_OVER 40
#define LADDER_SUMMARY_RUN 8
#define LADDER_BAND_ROWS 2.5 /* a band's height, in rows */
void ladder_summarise(struct ladder *l);
/* The bands: a grey box across the ladder with what it stands for. */
void ladder_band_boxes(struct placed *placed, const struct ladder *l);
void ladder_emit_bands(GString *s, const struct ladder *l);

#endif
