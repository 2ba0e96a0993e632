/*
 * cli/sweep.h - `netsim sweep`: a grid of runs of one scenario, in parallel
 * processes, merged into a table and drawn as curves.
 *
 *   netsim sweep FILE --vary app.flood.rate=1000..200000:30log \
 *                     --vary host.rx.eth0.napi=off,on --seeds 3 -j 2
 *
 * Each point of the grid is one `netsim run` of the same binary
 * (/proc/self/exe) in its own process; nothing of the world is forked or
 * shared.  Everything a sweep writes lives in one output directory OUT:
 *
 *   OUT/scenario.ini    the scenario every run reads: a copy, so that a later
 *                       sweep into OUT can check it runs the same text
 *   OUT/grid.ini        the manifest: varied columns, fixed overrides, plot
 *                       settings, and one line per run (name = values)
 *   OUT/runs/NAME.txt   one finished run: its figures as "name value" lines
 *                       and "exit_status N"; written atomically, so a run is
 *                       finished exactly when this file exists
 *   OUT/runs/NAME.log   the error output of a run that failed
 *   OUT/sweep.csv       one row per run: varied keys, scenario.seed, exit_status,
 *                       then every figure any run reported (sorted), and
 *                       every drop reason of every host (HOST.drops.REASON):
 *                       a drop counter a finished run did not report is 0
 *   OUT/sweep.db        the same rows, table `results`
 *   OUT/plots/          Y.{gp,dat,png,svg} named after the plotted y column
 *                       (app.sink.rx_rate.png, bob.eth0.irqs_per_packet.png),
 *                       cpu.{gp,dat,png,svg}
 *   OUT/jobs.txt        --emit parallel|slurm: one line per run,
 *                       `netsim sweep --run-job OUT NAME` (no value in it)
 *   OUT/sweep.slurm     --emit slurm: a job array over jobs.txt
 *   OUT/.lock           flock: a sweep holds it exclusively, jobs shared
 *
 * A run's NAME is a digest of its assignments, so rerunning a sweep (after
 * an interruption, or with a grid that grew) redoes only the missing runs.
 *
 * Position: cli -> (exec) netsim run; the plots are drawn by viz/plot.
 */
#ifndef NETSIM_CLI_SWEEP_H
#define NETSIM_CLI_SWEEP_H

#include <glib.h>
#include <stdbool.h>
#include "cli/scenario.h"

#define SWEEP_ERROR (sweep_error_quark())
GQuark sweep_error_quark(void);
enum sweep_error {
	SWEEP_ERROR_SPEC,    /* a bad --vary or --seeds, or nothing to vary */
	SWEEP_ERROR_OUTDIR,  /* --out holds another sweep, or another sweep is running there */
	SWEEP_ERROR_IO,	     /* a file or database could not be read or written */
	SWEEP_ERROR_RESULTS, /* a run's metrics or a sweep's results file is malformed */
};

/* One varied key and its values, in the order they were given. */
struct sweep_axis {
	char *key;	   /* "app.flood.rate" */
	char *spec;	   /* "1000..200000:30log", for messages */
	bool log;	   /* a log range: plot this axis on a log scale */
	GPtrArray *values; /* char *, at least one, no duplicates */
};

/* One point of the grid: a value for every axis. */
struct sweep_run {
	guint index;	   /* position in the grid, from 0 */
	char *name;	   /* "run-" and 12 hex digits of a digest of the assignments */
	GPtrArray *values; /* char *, parallel to the axes */
};

/*
 * What the plots show.  Column names are those of sweep.csv: a varied key
 * or a figure.  From --x/--y/... or from the scenario's [sweep] group.
 */
struct sweep_plot {
	char *title;
	char *x;       /* e.g. app.flood.rate */
	char *y;       /* e.g. bob.app.sink.rx_pps */
	char *series;  /* a varied key: one line per value, e.g. host.rx.eth0.napi */
	char **cpu;    /* figures for the CPU-share plot, NULL-terminated, or NULL */
	int logx;      /* -1: log when x is a log range */
	bool diagonal; /* draw y = x ("everything offered is delivered") */
};

/* Parse "KEY=SPEC": a list "off,on", a range "A..B:N" or "A..B:Nlog"; ends may carry a unit ("1us..8us:4"). */
bool sweep_axis_parse(const char *arg, struct sweep_axis **out, GError **error);
/* The axis scenario.seed = 1..@n. */
struct sweep_axis *sweep_axis_seeds(guint n);
void sweep_axis_free(struct sweep_axis *a);
typedef struct sweep_axis sweep_axis; /* for g_autoptr(sweep_axis) */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sweep_axis, sweep_axis_free)

/*
 * The cartesian product of @axes (struct sweep_axis *), the first axis
 * varying slowest, like nested loops in the order given.  @fixed
 * ("group.key=value" overrides common to every run) enter each run's name.
 */
GPtrArray *sweep_grid_expand(GPtrArray *axes, char **fixed);
void sweep_run_free(struct sweep_run *r);

/* True when OUT/runs/NAME.txt exists. */
bool sweep_run_finished(const char *out, const struct sweep_run *r);
/* The runs of @grid that are not finished, in grid order (borrowed pointers). */
GPtrArray *sweep_pending(const char *out, GPtrArray *grid);

/*
 * Read the scenario's [sweep] group (keys marked used; errors are file:line):
 *
 *   vary   = app.flood.rate=1000..200000:30log; host.rx.eth0.napi=off,on
 *   seeds  = 3
 *   x      = app.flood.rate            y = bob.app.sink.rx_pps
 *   series = host.rx.eth0.napi         cpu = bob.cpu.hardirq_share, ...
 *   title  = ...   logx = yes|no   diagonal = yes|no
 *
 * Axes are appended to @axes; *@seeds is set when the group has seeds.
 * Fields of @plot already set (from the command line) are kept; the
 * group's title is taken only when the y is the group's, since it
 * describes that figure (another y gets the default "Y against X").
 */
bool sweep_group_read(struct scenario *sc, struct sweep_plot *plot, GPtrArray *axes, guint *seeds,
		      GError **error);
void sweep_plot_clear(struct sweep_plot *plot);

/*
 * The manifest OUT/grid.ini: the scenario it runs, the varied keys, the
 * fixed overrides, the plot settings, and the runs in grid order.
 */
bool sweep_manifest_write(const char *out, const char *scen, GPtrArray *axes, char **fixed,
			  GPtrArray *grid, const struct sweep_plot *plot, GError **error);

/* Counts of a merge, for the summary line. */
struct sweep_totals {
	guint runs, finished, failed, missing;
};

/*
 * Merge the result files named in OUT/grid.ini into OUT/sweep.csv and the
 * table `results` of OUT/sweep.db.  Unfinished runs get a row with empty
 * figures.  Fills *@plot from the manifest where @plot leaves a field unset.
 */
bool sweep_collect(const char *out, struct sweep_plot *plot, struct sweep_totals *totals,
		   GError **error);

/*
 * Run the @pending runs, at most @jobs at a time, each `netsim run` writing
 * its own result file in OUT/runs.  Shows a progress bar on a terminal
 * unless @quiet.  Failed runs are reported on stderr.  Returns false when
 * interrupted (SIGINT/SIGTERM); the runs that finished are kept.
 */
struct sweep_exec {
	const char *exe;      /* the netsim binary */
	const char *out;      /* OUT, absolute */
	const char *scenario; /* OUT/scenario.ini */
	GPtrArray *axes;
	char **fixed;
	guint jobs;
	bool quiet;
};
bool sweep_exec_runs(const struct sweep_exec *ex, GPtrArray *pending, guint *ran, guint *failed);

/* The line of jobs.txt that runs @r: `netsim sweep --run-job OUT NAME`,
 * with no value of the grid in it. */
char *sweep_job_line(const struct sweep_exec *ex, const struct sweep_run *r);
/* Write OUT/jobs.txt for @pending, and OUT/sweep.slurm when @slurm. */
bool sweep_emit(const struct sweep_exec *ex, GPtrArray *pending, bool slurm, GError **error);

/*
 * Locks the sweep directory @out (flock on OUT/.lock): @exclusive for a
 * sweep that runs or writes the grid, shared for a job.  Returns the
 * descriptor to close when done, or -1 and an error saying who holds it.
 */
int sweep_lock(const char *out, bool exclusive, GError **error);
/*
 * May @grid be written into @out?  Yes when OUT has no grid yet, or when it
 * has the same varied keys and --set and every run of it is in @grid (the
 * same grid, or one that grew).  Otherwise an error that names --new-grid.
 */
bool sweep_grid_check(const char *out, GPtrArray *axes, char **fixed, GPtrArray *grid,
		      GError **error);
/* `netsim sweep --run-job DIR NAME`: run one run of the sweep in DIR, with
 * the values DIR/grid.ini gives it.  Returns the exit status. */
int sweep_run_job(const char *dir, const char *name);

/* `netsim sweep ...`: argv[0] is "netsim", argv[1] is "sweep". */
int sweep_main(int argc, char **argv);

#endif
