/*
 * cli/build_apps.c - the programs of a scenario.
 *
 *   [app NAME]   host = bob          the host whose process runs it
 *                program = udp_sink  a built-in program or plugin:PATH
 *                start = 10ms        when the process starts (default 0)
 *                and the program's keys: port, dst, rate, size, count, ...
 *
 * Every app becomes a process on its host (apps/app.h); its figures
 * ("app.NAME.rx_msgs" ...) join the run's metrics.
 */
#include <dlfcn.h>
#include <signal.h>
#include <string.h>
#include "apps/app.h"
#include "cli/world_int.h"
#include "stack/module.h"
#include "sim/units.h"

bool
build_apps(struct world *w, GError **error)
{
	g_autoptr(GPtrArray) groups = scenario_groups_with_prefix(w->sc, "app");
	sim_time_t spin = PROC_SPIN_LIMIT_DEFAULT;
	if (!scenario_get_duration(w->sc, "scenario", "spin_limit", &spin, error))
		return false;
	if (spin < 0)
		return scenario_fail(w->sc, error, "scenario", "spin_limit",
				     "must be 0 (no limit) or longer");
	proc_set_spin_limit(spin);
	uint64_t instant = SIM_INSTANT_LIMIT_DEFAULT;
	if (!scenario_get_uint(w->sc, "scenario", "instant_limit", 0, G_MAXUINT64, &instant, error))
		return false;
	sim_set_instant_limit(w->sim, instant);
	w->instant_limit = instant;
	for (guint i = 0; i < groups->len; i++) {
		const char *g = groups->pdata[i];
		const char *name = g + strlen("app ");
		const char *hname = scenario_get(w->sc, g, "host");
		const char *program = scenario_get(w->sc, g, "program");
		if (!hname)
			return scenario_fail(w->sc, error, g, NULL, "an app needs host = NAME");
		if (!program)
			return scenario_fail(
				w->sc, error, g, NULL,
				"an app needs program = NAME (see 'netsim help apps')");
		struct host *h = world_host(w, hname);
		if (!h)
			return scenario_fail(w->sc, error, g, "host", "no [host %s] is declared",
					     hname);
		sim_time_t start = 0;
		if (!scenario_get_duration(w->sc, g, "start", &start, error))
			return false;
		g_autoptr(GError) sub = NULL;
		struct app *a = app_new(h, name, program, &sub);
		if (!a)
			return scenario_fail(w->sc, error, g, "program", "%s", sub->message);
		g_ptr_array_add(w->apps, a);
		const GPtrArray *view = scenario_keys_view(w->sc, g, NULL);
		const char *const *keys = view ? (const char *const *)view->pdata : NULL;
		for (guint k = 0; view && k < view->len; k++) {
			if (!strcmp(keys[k], "host") || !strcmp(keys[k], "program") ||
			    !strcmp(keys[k], "start"))
				continue;
			const char *v = scenario_get(w->sc, g, keys[k]);
			if (!app_set(a, keys[k], v, &sub))
				return scenario_fail(w->sc, error, g, keys[k], "%s", sub->message);
		}
		if (!w->opt.check_only)
			app_start(a, start);
	}
	return true;
}

struct figure_ctx {
	GHashTable *m;
	const char *app;
};

static void
put_figure(const char *figure, double value, void *data)
{
	struct figure_ctx *c = data;
	metric_put(c->m, value, "app.%s.%s", c->app, figure);
}

void
app_metrics(struct world *w, GHashTable *m)
{
	double secs = (double)sim_now(w->sim) / 1e9;
	for (guint i = 0; i < w->apps->len; i++) {
		struct app *a = w->apps->pdata[i];
		const char *n = app_name(a);
		if (!world_metrics_wants2(w, "app", n))
			continue;
		const struct app_stats *s = app_stats(a);
		metric_put(m, (double)s->tx_msgs, "app.%s.tx_msgs", n);
		metric_put(m, (double)s->tx_bytes, "app.%s.tx_bytes", n);
		metric_put(m, (double)s->rx_msgs, "app.%s.rx_msgs", n);
		metric_put(m, (double)s->rx_bytes, "app.%s.rx_bytes", n);
		metric_put(m, (double)s->errors, "app.%s.errors", n);
		metric_put(m, (double)s->conns, "app.%s.conns", n);
		metric_put(m, secs > 0 ? (double)s->tx_msgs / secs : 0, "app.%s.tx_rate", n);
		metric_put(m, secs > 0 ? (double)s->rx_msgs / secs : 0, "app.%s.rx_rate", n);
		metric_put(m, secs > 0 ? (double)s->rx_bytes * 8 / secs : 0, "app.%s.rx_bps", n);
		if (s->rx_msgs && s->rtt_sum)
			metric_put(m, (double)s->rtt_sum / (double)s->rx_msgs / 1e3,
				   "app.%s.rtt_mean_us", n);
		/* How its process ended (docs/reliability.md). */
		struct proc *p = app_proc(a);
		if (p && proc_state(p) == PROC_DEAD) {
			metric_put(m, proc_term_signal(p) ? 0 : (double)proc_exit_status(p),
				   "app.%s.exit_status", n);
			metric_put(m, (double)proc_term_signal(p), "app.%s.exit_signal", n);
			metric_put(m, (double)proc_end_time(p) / 1e9, "app.%s.exit_time", n);
		}
		/* A program's own figures: latency percentiles, hops, ... */
		struct figure_ctx c = { m, n };
		app_figures_foreach(a, put_figure, &c);
	}
}

/* "SIGSEGV" for 11 ... */
static const char *
signal_name(int sig)
{
	static char buf[16];
	const char *abbrev = sigabbrev_np(sig);
	if (!abbrev)
		return "an unknown signal";
	g_snprintf(buf, sizeof buf, "SIG%s", abbrev);
	return buf;
}

/* A plug-in module (a protocol or a congestion control) whose code faulted
 * (stack/module.c, stack/module_cc.c, docs/reliability.md). */
struct module_summary_ctx {
	struct world *w;
	GString *out;
	guint failed;
};

static void
module_summary_one(struct host *host, const struct module_report *r, void *arg)
{
	struct module_summary_ctx *c = arg;
	if (!r->faulted)
		return;
	if (!strstr(c->out->str, "\n  plug-in modules that failed\n"))
		g_string_append(c->out, "\n  plug-in modules that failed\n");
	char t[32];
	units_format_duration(r->time, t, sizeof t);
	g_string_append_printf(c->out, "  module %s (%s) on host %s: ", r->name, r->protos,
			       host->name);
	if (r->signal == SIGXCPU)
		g_string_append_printf(c->out, "spun in %s past scenario.spin_limit at %s",
				       r->where, t);
	else if (r->signal)
		g_string_append_printf(c->out, "%s (%s) in %s at %s", signal_name(r->signal),
				       strsignal(r->signal), r->where, t);
	else
		g_string_append_printf(c->out, "exit(%d) in %s at %s", r->status, r->where, t);
	g_string_append_printf(c->out,
			       "; unregistered on this host, %" G_GUINT64_FORMAT
			       " skbs it held dropped (module_fault)\n",
			       (guint64)r->fault_drops);
	/* [expect] HOST.proto.NAME.fault_signal = N accepts it, as for apps. */
	g_auto(GStrv) protos = g_strsplit(r->protos, ",", -1);
	g_autofree char *key =
		g_strdup_printf("%s.proto.%s.fault_signal", host->name, protos[0] ? protos[0] : "");
	if (!scenario_get(c->w->sc, "expect", key))
		c->failed++;
}

guint
app_summary(struct world *w, GString *out)
{
	guint killed = 0;
	bool header = false;
	for (guint i = 0; i < w->apps->len; i++) {
		struct app *a = w->apps->pdata[i];
		struct proc *p = app_proc(a);
		if (!p || proc_state(p) != PROC_DEAD)
			continue;
		int sig = proc_term_signal(p), status = proc_exit_status(p);
		if (!sig && status == 0)
			continue;
		if (!header)
			g_string_append(out, "\n  processes that failed\n");
		header = true;
		char t[32];
		units_format_duration(proc_end_time(p), t, sizeof t);
		g_string_append_printf(out, "  app %s on host %s: ", app_name(a),
				       app_host(a)->name);
		if (sig == SIGXCPU)
			g_string_append_printf(
				out,
				"killed by SIGXCPU at %s: ran its own code without a system call "
				"for longer than scenario.spin_limit\n",
				t);
		else if (sig)
			g_string_append_printf(out, "killed by %s (%s) at %s\n", signal_name(sig),
					       strsignal(sig), t);
		else
			g_string_append_printf(out, "exited with status %d at %s\n", status, t);
		g_autofree char *key = g_strdup_printf("app.%s.exit_signal", app_name(a));
		/* Ctrl-C and SIGTERM stop the whole run: not the program's failure. */
		if (sig && sig != SIGINT && sig != SIGTERM && !scenario_get(w->sc, "expect", key))
			killed++;
	}
	for (guint i = 0; i < w->hosts->len; i++) {
		struct module_summary_ctx c = { w, out, 0 };
		module_foreach(w->hosts->pdata[i], module_summary_one, &c);
		killed += c.failed;
	}
	return killed;
}

void
world_stall_message(struct world *w, GString *out)
{
	char t[32];
	sim_time_t now = sim_now(w->sim);
	units_format_duration(now, t, sizeof t);
	g_string_append_printf(out,
			       "virtual time stopped advancing at %s: more than %" G_GUINT64_FORMAT
			       " events at that instant; ",
			       t, (guint64)w->instant_limit);
	struct proc *best = NULL;
	uint64_t most = 0;
	for (guint i = 0; i < w->hosts->len; i++) {
		struct host *h = w->hosts->pdata[i];
		uint64_t n = 0;
		struct proc *p = h->procs ? proc_table_spinning(h->procs, now, &n) : NULL;
		if (p && n > most) {
			best = p;
			most = n;
		}
	}
	if (best && most > w->instant_limit / 4) {
		g_string_append_printf(out,
				       "process %s on host %s ran %" G_GUINT64_FORMAT
				       " times at that instant (a loop of system calls that "
				       "take no CPU time?)",
				       proc_name(best), proc_table_host_name(proc_table_of(best)),
				       (guint64)most);
		return;
	}
	sim_event_fn fn = NULL;
	sim_stalled(w->sim, &fn, NULL, NULL);
	Dl_info info;
	g_string_append_printf(out, "the next event was %s",
			       fn && dladdr((void *)fn, &info) && info.dli_sname ? info.dli_sname
										 : "unknown");
}
