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
#include <string.h>
#include "apps/app.h"
#include "cli/world_int.h"

bool
build_apps(struct world *w, GError **error)
{
	g_autoptr(GPtrArray) groups = scenario_groups_with_prefix(w->sc, "app");
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
		g_auto(GStrv) keys = scenario_keys(w->sc, g);
		for (int k = 0; keys[k]; k++) {
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
		const struct app_stats *s = app_stats(a);
		const char *n = app_name(a);
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
		/* A program's own figures: latency percentiles, hops, ... */
		struct figure_ctx c = { m, n };
		app_figures_foreach(a, put_figure, &c);
	}
}
