/*
 * viz/plot.h - curves of a sweep, drawn by gnuplot.
 *
 * Reads a sweep table (OUT/sweep.csv: the grid's keys, scenario.seed,
 * exit_status, then the figures) and draws
 *
 *   Y.{png,svg}          the y column against the x column, one line per
 *                        value of the series column (e.g. interrupts vs
 *                        NAPI), averaged over seeds with min..max bars;
 *                        named after the y column (plot_file_name), so
 *                        plots of different figures never replace each
 *                        other: app.sink.rx_rate.png, bob.eth0.irqs_per_packet.png;
 *   cpu.{png,svg}        the cpu columns (e.g. hardirq/softirq/task share)
 *                        against x, one panel per series value.
 *
 * Beside each picture lie its gnuplot script (.gp) and data (.dat), so a
 * student can restyle a plot and run `gnuplot app.sink.rx_rate.gp` again.
 * Axes are labelled with what a column means and its unit
 * (plot_axis_label); legends sit under the plot, outside the data, and the
 * x axis ends at the last point.
 *
 * Position: viz reads files only; it knows nothing of scenarios or runs.
 */
#ifndef NETSIM_VIZ_PLOT_H
#define NETSIM_VIZ_PLOT_H

#include <glib.h>
#include <stdbool.h>

#define PLOT_ERROR (plot_error_quark())
GQuark plot_error_quark(void);
enum plot_error {
	PLOT_ERROR_CSV,	    /* a row with a different number of fields than the header */
	PLOT_ERROR_COLUMN,  /* no such column, or a column that is not numbers */
	PLOT_ERROR_GNUPLOT, /* gnuplot failed */
	PLOT_ERROR_IO,	    /* the output folder could not be made */
};

struct plot_spec {
	const char *title;  /* NULL: "<y's label> against <x's label>" */
	const char *x;	    /* a numeric column */
	const char *y;	    /* a numeric column */
	const char *series; /* a key column, or NULL for one line */
	const char *const
		*cpu; /* numeric columns for cpu.png, NULL-terminated; NULL: no CPU plot */
	bool logx;
	bool diagonal; /* also draw y = x */
};

/* One point of a curve: the mean over the rows (seeds) of one grid point. */
struct plot_point {
	double x, y, ymin, ymax;
	double *cpu; /* one mean per cpu column */
};

/*
 * Group the rows of @csv by grid point (every key column but scenario.seed),
 * average them, and split them by series; points sorted by x.  Returns the
 * series names (g_strfreev) and, in *@curves, one GArray of plot_point per
 * series.  Rows without a y value (failed runs) are left out.  The x column
 * may carry a unit ("250us", the same in every row): *@x_unit (g_free) gets it.
 */
char **plot_curves(const char *csv, const struct plot_spec *spec, GPtrArray **curves, char **x_unit,
		   GError **error);
void plot_curves_free(GPtrArray *curves);

/*
 * The axis label of @column: its meaning and unit from a table of key
 * patterns ("app.*.rx_rate" -> "delivered (packets/s)", "*_share" ->
 * "share of CPU time"), or the column's name when no pattern knows it;
 * with " (@unit)" appended when @unit is not empty (a varied key given
 * with a unit, "250us").  g_free the result.
 */
char *plot_axis_label(const char *column, const char *unit);
/* The base name of the files of the plot of @y: @y with any character but
 * letters, digits, '.', '_' and '-' replaced by '_'.  g_free it. */
char *plot_file_name(const char *y);

/*
 * Write the scripts and data into @dir (created if needed) and run gnuplot
 * on each script there.  Returns the paths of the files written.  When
 * gnuplot is not installed (neither $GNUPLOT nor `gnuplot` in PATH), the
 * scripts are still written and *@drawn is false.
 */
GPtrArray *plot_draw(const char *csv, const struct plot_spec *spec, const char *dir, bool *drawn,
		     GError **error);

#endif
