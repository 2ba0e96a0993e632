/*
 * cli/sweep_run.c - running the runs of a sweep, here or elsewhere.
 *
 * Here: a pool of at most -j child processes, each the netsim binary
 * itself running `netsim run --quiet --set ... --metrics NAME.part FILE`.
 * When a child exits with 0 (ran) or 1 (ran, an [expect] failed), its
 * figures and status become OUT/runs/NAME.txt in one rename: the run is
 * finished.  Any other exit leaves NAME.failed and NAME.log and is retried
 * by the next sweep.
 *
 * Elsewhere: OUT/jobs.txt, one line per run for GNU parallel or for a
 * Slurm job array (OUT/sweep.slurm).  A line is `netsim sweep --run-job OUT
 * NAME` and nothing else: the job reads its values from OUT/grid.ini and
 * runs exactly as a local run does, so no value of the grid ever reaches a
 * shell, and `netsim sweep --collect OUT` merges either kind.
 *
 * The directory is locked (flock on OUT/.lock) while anything runs in it: a
 * sweep that runs or writes the grid holds it exclusively, jobs share it.
 */
#include "cli/sweep.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gstdio.h>

/* The one piece of process state: a signal handler can set nothing else. */
static volatile sig_atomic_t stop_requested;

static void
on_signal(int sig)
{
	stop_requested = 1;
}

struct job {
	GPid pid;
	const struct sweep_run *run;
};

static char *
run_file(const struct sweep_exec *ex, const struct sweep_run *r, const char *ext)
{
	g_autofree char *file = g_strconcat(r->name, ext, NULL);
	return g_build_filename(ex->out, "runs", file, NULL);
}

/* "app.flood.rate=1000, scenario.seed=2": which run this is, for messages. */
static char *
describe(const struct sweep_exec *ex, const struct sweep_run *r)
{
	g_autoptr(GString) s = g_string_new(NULL);
	for (guint i = 0; i < ex->axes->len; i++) {
		const struct sweep_axis *a = ex->axes->pdata[i];
		g_string_append_printf(s, "%s%s=%s", i ? ", " : "", a->key,
				       (char *)r->values->pdata[i]);
	}
	return g_string_free(g_steal_pointer(&s), FALSE);
}

static GPtrArray *
run_argv(const struct sweep_exec *ex, const struct sweep_run *r, const char *part)
{
	GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(argv, g_strdup(ex->exe));
	g_ptr_array_add(argv, g_strdup("run"));
	g_ptr_array_add(argv, g_strdup("--quiet"));
	for (int i = 0; ex->fixed && ex->fixed[i]; i++) {
		g_ptr_array_add(argv, g_strdup("--set"));
		g_ptr_array_add(argv, g_strdup(ex->fixed[i]));
	}
	for (guint i = 0; i < ex->axes->len; i++) {
		const struct sweep_axis *a = ex->axes->pdata[i];
		g_ptr_array_add(argv, g_strdup("--set"));
		g_ptr_array_add(argv,
				g_strdup_printf("%s=%s", a->key, (char *)r->values->pdata[i]));
	}
	g_ptr_array_add(argv, g_strdup("--metrics"));
	g_ptr_array_add(argv, g_strdup(part));
	g_ptr_array_add(argv, g_strdup(ex->scenario));
	g_ptr_array_add(argv, NULL);
	return argv;
}

static bool
start(const struct sweep_exec *ex, const struct sweep_run *r, struct job *job, GError **error)
{
	g_autofree char *part = run_file(ex, r, ".part");
	g_autofree char *log = run_file(ex, r, ".log");
	g_autoptr(GPtrArray) argv = run_argv(ex, r, part);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	int err = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	bool ok = null >= 0 && err >= 0;
	if (!ok)
		g_set_error(error, SWEEP_ERROR, SWEEP_ERROR_IO, "%s: %s", log, g_strerror(errno));
	else {
		/* Exec this very binary, even if the file was rebuilt meanwhile. */
		g_ptr_array_insert(argv, 0, g_strdup("/proc/self/exe"));
		ok = g_spawn_async_with_fds(NULL, (char **)argv->pdata, NULL,
					    G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_FILE_AND_ARGV_ZERO,
					    NULL, NULL, &job->pid, null, null, err, error);
	}
	if (null >= 0)
		close(null);
	if (err >= 0)
		close(err);
	job->run = r;
	return ok;
}

/* The first line of a failed run's error output, for the one-line report. */
static char *
first_line(const char *path)
{
	g_autofree char *text = NULL;
	if (!g_file_get_contents(path, &text, NULL, NULL) || !*text)
		return g_strdup("(no error output)");
	text[strcspn(text, "\n")] = 0;
	return g_strdup(text);
}

/*
 * A child has exited: make its result file (atomically) or record the
 * failure.  Returns 1 for a finished run, 0 for a failed one, -1 for a run
 * ended because the sweep is stopping (neither: it will be redone).
 */
static int
reap(const struct sweep_exec *ex, const struct job *job, int wstatus)
{
	int code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
	g_autofree char *part = run_file(ex, job->run, ".part");
	g_autofree char *log = run_file(ex, job->run, ".log");
	g_autofree char *txt = run_file(ex, job->run, ".txt");
	g_autofree char *bad = run_file(ex, job->run, ".failed");
	g_autofree char *figures = NULL;
	g_autoptr(GError) error = NULL;
	if (code <= 1 && g_file_get_contents(part, &figures, NULL, &error)) {
		g_autofree char *text = g_strdup_printf("%sexit_status %d\n", figures, code);
		if (g_file_set_contents(txt, text, -1, &error)) {
			unlink(part);
			unlink(log);
			unlink(bad);
			return 1;
		}
	}
	unlink(part);
	if (stop_requested) {
		unlink(log);
		return -1;
	}
	g_autofree char *status = g_strdup_printf("exit_status %d\n", code);
	g_file_set_contents(bad, status, -1, NULL);
	g_autofree char *what = describe(ex, job->run);
	g_autofree char *why = error ? g_strdup(error->message) : first_line(log);
	fprintf(stderr, "netsim sweep: run %s (%s) failed with exit %d: %s\n", job->run->name, what,
		code, why);
	return 0;
}

static void
progress(const struct sweep_exec *ex, guint done, guint total, gint64 t0, bool last)
{
	enum { WIDTH = 30 };
	if (ex->quiet || !isatty(STDERR_FILENO))
		return;
	guint fill = total ? done * WIDTH / total : WIDTH;
	char bar[WIDTH + 1];
	memset(bar, '#', fill);
	memset(bar + fill, '.', WIDTH - fill);
	bar[WIDTH] = 0;
	double secs = (double)(g_get_monotonic_time() - t0) / 1e6;
	fprintf(stderr, "\r  sweep [%s] %u/%u runs", bar, done, total);
	if (done && done < total) {
		guint eta = (guint)(secs / done * (total - done) + 0.5);
		fprintf(stderr, ", about %um%02us left ", eta / 60, eta % 60);
	} else {
		fprintf(stderr, "%*s", 20, "");
	}
	fputs(last ? "\n" : "", stderr);
	fflush(stderr);
}

bool
sweep_exec_runs(const struct sweep_exec *ex, GPtrArray *pending, guint *ran, guint *failed)
{
	struct sigaction sa = { .sa_handler = on_signal }, old_int, old_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int); /* no SA_RESTART: waitpid returns on a signal */
	sigaction(SIGTERM, &sa, &old_term);
	stop_requested = 0;
	guint jobs = MAX(ex->jobs, 1u), next = 0, nrunning = 0, done = 0;
	g_autofree struct job *running = g_new0(struct job, jobs);
	bool forwarded = false;
	gint64 t0 = g_get_monotonic_time();
	*ran = *failed = 0;
	progress(ex, 0, pending->len, t0, pending->len == 0);
	while (next < pending->len || nrunning) {
		while (!stop_requested && nrunning < jobs && next < pending->len) {
			g_autoptr(GError) error = NULL;
			struct job *j = &running[nrunning];
			if (start(ex, pending->pdata[next++], j, &error)) {
				nrunning++;
			} else {
				fprintf(stderr, "netsim sweep: cannot start a run: %s\n",
					error->message);
				(*failed)++;
			}
		}
		if (!nrunning)
			break;
		int ws;
		GPid pid = waitpid(-1, &ws, 0);
		if (pid < 0) {
			if (errno != EINTR)
				break;
			/* SIGTERM reached only us (SIGINT from a terminal reaches every child too). */
			for (guint i = 0; stop_requested && !forwarded && i < nrunning; i++)
				kill(running[i].pid, SIGTERM);
			forwarded = stop_requested;
			continue;
		}
		for (guint i = 0; i < nrunning; i++) {
			if (running[i].pid != pid)
				continue;
			int r = reap(ex, &running[i], ws);
			g_spawn_close_pid(pid);
			*ran += r == 1;
			*failed += r == 0;
			done += r >= 0;
			running[i] = running[--nrunning];
			break;
		}
		progress(ex, done, pending->len, t0, done == pending->len);
	}
	if (stop_requested)
		progress(ex, done, pending->len, t0, true);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	return !stop_requested;
}

char *
sweep_job_line(const struct sweep_exec *ex, const struct sweep_run *r)
{
	/* No value of the grid here: the job reads them from OUT/grid.ini.  The
	 * paths are quoted, and sweep_file refuses control characters in OUT. */
	g_autofree char *qexe = g_shell_quote(ex->exe);
	g_autofree char *qout = g_shell_quote(ex->out);
	return g_strdup_printf("%s sweep --run-job %s %s", qexe, qout, r->name);
}

bool
sweep_emit(const struct sweep_exec *ex, GPtrArray *pending, bool slurm, GError **error)
{
	g_autoptr(GString) jobs = g_string_new(NULL);
	for (guint i = 0; i < pending->len; i++) {
		g_autofree char *line = sweep_job_line(ex, pending->pdata[i]);
		g_string_append_printf(jobs, "%s\n", line);
	}
	g_autofree char *jpath = g_build_filename(ex->out, "jobs.txt", NULL);
	if (!g_file_set_contents(jpath, jobs->str, (gssize)jobs->len, error))
		return false;
	if (!slurm)
		return true;
	g_autofree char *spath = g_build_filename(ex->out, "sweep.slurm", NULL);
	g_autofree char *qout = g_shell_quote(ex->out);
	/* No path in the #SBATCH lines, which are not shell: Slurm's own output
	 * goes nowhere, and the script sends its output to OUT/runs itself. */
	g_autofree char *script = g_strdup_printf(
		"#!/bin/sh\n"
		"# netsim sweep: a Slurm job array, one task per line of jobs.txt in this\n"
		"# script's sweep directory.  Submit with sbatch (from any directory);\n"
		"# when every task is done, merge with netsim sweep --collect DIR.\n"
		"#SBATCH --job-name=netsim-sweep\n"
		"#SBATCH --array=1-%u%%%u\n"
		"#SBATCH --ntasks=1\n"
		"#SBATCH --output=/dev/null\n"
		"cd %s || exit 1\n"
		"exec >>\"runs/slurm-${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}.out\" 2>&1\n"
		"line=$(sed -n \"${SLURM_ARRAY_TASK_ID}p\" jobs.txt)\n"
		"exec /bin/sh -c \"$line\"\n",
		MAX(pending->len, 1u), MAX(ex->jobs, 1u), qout);
	if (!g_file_set_contents(spath, script, -1, error))
		return false;
	g_chmod(spath, 0755);
	return true;
}

/* ---- the sweep directory: its lock, its grid, one job ---- */

int
sweep_lock(const char *out, bool exclusive, GError **error)
{
	g_autofree char *path = g_build_filename(out, ".lock", NULL);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);

	if (fd < 0) {
		int err = errno;
		g_set_error(error, SWEEP_ERROR, SWEEP_ERROR_IO, "cannot lock %s: %s", path,
			    g_strerror(err));
		return -1;
	}
	if (flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0)
		return fd;
	int err = errno;
	close(fd);
	if (err == EWOULDBLOCK)
		g_set_error(error, SWEEP_ERROR, SWEEP_ERROR_OUTDIR,
			    exclusive
				    ? "another netsim sweep (or a job of one) is running in %s; "
				      "wait for it to end"
				    : "a netsim sweep is running in %s; this cannot run beside it",
			    out);
	else
		g_set_error(error, SWEEP_ERROR, SWEEP_ERROR_IO, "cannot lock %s: %s", path,
			    g_strerror(err));
	return -1;
}

bool
sweep_grid_check(const char *out, GPtrArray *axes, char **fixed, GPtrArray *grid, GError **error)
{
	g_autofree char *path = g_build_filename(out, "grid.ini", NULL);
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) sub = NULL;

	if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &sub)) {
		if (g_error_matches(sub, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			return true;
		g_set_error(error, SWEEP_ERROR, SWEEP_ERROR_IO, "%s: %s", path, sub->message);
		return false;
	}
	g_auto(GStrv) cols = g_key_file_get_string_list(kf, "grid", "columns", NULL, NULL);
	g_auto(GStrv) set = g_key_file_get_string_list(kf, "grid", "set", NULL, NULL);
	g_auto(GStrv) runs = g_key_file_get_keys(kf, "runs", NULL, NULL);
	bool same = cols && g_strv_length(cols) == axes->len;
	for (guint i = 0; same && i < axes->len; i++)
		same = strcmp(cols[i], ((struct sweep_axis *)axes->pdata[i])->key) == 0;
	guint nset = set ? g_strv_length(set) : 0, nfixed = fixed ? g_strv_length(fixed) : 0;
	same = same && nset == nfixed;
	for (guint i = 0; same && i < nset; i++)
		same = strcmp(set[i], fixed[i]) == 0;
	/* The same grid, or one that grew: every run of the old one is in the new. */
	g_autoptr(GHashTable) names = g_hash_table_new(g_str_hash, g_str_equal);
	for (guint i = 0; i < grid->len; i++)
		g_hash_table_add(names, ((struct sweep_run *)grid->pdata[i])->name);
	guint lost = 0;
	for (int i = 0; runs && runs[i]; i++)
		lost += !g_hash_table_contains(names, runs[i]);
	if (same && lost == 0)
		return true;
	g_autofree char *why = same ? g_strdup_printf("%u of its runs are not in this one", lost)
				    : g_strdup("other varied keys or --set");
	g_set_error(error, SWEEP_ERROR, SWEEP_ERROR_OUTDIR,
		    "%s holds a sweep of another grid (%s); give --new-grid to replace its grid "
		    "(finished runs that match are kept), or choose another --out",
		    out, why);
	return false;
}

int
sweep_run_job(const char *dir, const char *name)
{
	g_autofree char *out = g_canonicalize_filename(dir, NULL);
	g_autofree char *path = g_build_filename(out, "grid.ini", NULL);
	g_autofree char *scen = g_build_filename(out, "scenario.ini", NULL);
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) error = NULL;
	gsize nvalues = 0;

	int lock = sweep_lock(out, false, &error);
	if (lock < 0 || !g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &error)) {
		fprintf(stderr, "netsim sweep --run-job: %s\n", error->message);
		if (lock >= 0)
			close(lock);
		return 2;
	}
	g_auto(GStrv) cols = g_key_file_get_string_list(kf, "grid", "columns", NULL, NULL);
	g_auto(GStrv) set = g_key_file_get_string_list(kf, "grid", "set", NULL, NULL);
	g_auto(GStrv) values = g_key_file_get_string_list(kf, "runs", name, &nvalues, NULL);
	if (!cols || !values || nvalues != g_strv_length(cols)) {
		fprintf(stderr, "netsim sweep --run-job: %s: no run %s in this sweep\n", path,
			name);
		close(lock);
		return 2;
	}
	g_autoptr(GPtrArray) axes = g_ptr_array_new_with_free_func((GDestroyNotify)sweep_axis_free);
	struct sweep_run run = { .name = (char *)name,
				 .values = g_ptr_array_new_with_free_func(g_free) };
	for (gsize i = 0; i < nvalues; i++) {
		struct sweep_axis *a = g_new0(struct sweep_axis, 1);
		a->key = g_strdup(cols[i]);
		a->spec = g_strdup(values[i]);
		a->values = g_ptr_array_new_with_free_func(g_free);
		g_ptr_array_add(axes, a);
		g_ptr_array_add(run.values, g_strdup(values[i]));
	}
	g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);
	struct sweep_exec ex = { .exe = exe ? exe : "/proc/self/exe",
				 .out = out,
				 .scenario = scen,
				 .axes = axes,
				 .fixed = set,
				 .jobs = 1,
				 .quiet = true };
	int rc = 0;
	if (!sweep_run_finished(out, &run)) {
		g_autoptr(GPtrArray) pending = g_ptr_array_new();
		guint ran = 0, failed = 0;
		g_ptr_array_add(pending, &run);
		if (!sweep_exec_runs(&ex, pending, &ran, &failed))
			rc = 130;
		else
			rc = ran == 1 ? 0 : 1;
	}
	g_ptr_array_free(run.values, TRUE);
	close(lock);
	return rc;
}
