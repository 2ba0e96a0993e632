/*
 * cli/world.c - building and running a world from a scenario.
 */
#include "cli/world.h"
#include "cli/world_int.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "config.h"
#include "sim/cpu.h"
#include "sim/mem.h"
#include "sim/units.h"
#include "stack/ipv4.h"
#include "stack/netdevice.h"
#include "stack/rps.h"
#include "stack/skbuff.h"
#include "stack/socket.h"
#include "apps/app.h"
#include "trace/trace.h"
#include "viz/vizdb.h"

static volatile sig_atomic_t stop_requested;

void
world_request_stop(void)
{
	stop_requested = 1;
	sim_interrupt(); /* the run loop stops after its current event */
}

/* duration = until-interrupted: the clock never reaches it. */
#define WORLD_FOREVER (SIM_TIME_MAX / 2)

static bool
read_run(struct world *w, GError **error)
{
	struct scenario *sc = w->sc;
	const char *v;
	if (!scenario_has_group(sc, "scenario"))
		return scenario_fail(sc, error, "scenario", NULL,
				     "every file needs a [scenario] group");
	v = scenario_get(sc, "scenario", "title");
	w->title = scenario_escape(v ? v : scenario_path(sc), false); /* printed as it is */
	v = scenario_get(sc, "scenario", "description");
	w->description = scenario_escape(v ? v : "", false);
	w->duration = SIM_S;
	v = scenario_get(sc, "scenario", "duration");
	if (v && strcmp(v, "until-interrupted") == 0)
		w->duration = WORLD_FOREVER; /* a real-time run (a TAP link), until SIGINT */
	else if (!scenario_get_duration(sc, "scenario", "duration", &w->duration, error))
		return false;
	if (w->duration <= 0)
		return scenario_fail(sc, error, "scenario", "duration", "must be longer than 0");
	w->seed = 1;
	if (!scenario_get_uint(sc, "scenario", "seed", 0, G_MAXUINT64, &w->seed, error))
		return false;
	w->level = TRACE_SUMMARY;
	v = scenario_get(sc, "scenario", "trace");
	if (v) {
		enum trace_level level;
		if (!trace_level_from_name(v, &level))
			return scenario_fail(sc, error, "scenario", "trace",
					     "'%s' is not off, summary or full", v);
		w->level = level;
	}
	if (w->opt.trace_level >= 0)
		w->level = w->opt.trace_level;
	return true;
}

/*
 * Apply cost keys to @cpu: in [cpu] they are "NAME = duration", in
 * [host H] "cpu.NAME = duration" (@prefix "cpu").
 */
static bool
read_costs(struct world *w, const char *group, const char *prefix, struct cpu *cpu, GError **error)
{
	const GPtrArray *view = scenario_keys_view(w->sc, group, prefix);
	const char *const *keys = view ? (const char *const *)view->pdata : NULL;
	size_t n = prefix ? strlen(prefix) : 0;
	for (guint i = 0; view && i < view->len; i++) {
		const char *name = keys[i] + (n ? n + 1 : 0);
		int c = cpu_cost_by_name(name);
		if (c < 0)
			return scenario_fail(w->sc, error, group, keys[i],
					     "unknown cost (see 'netsim help costs')");
		sim_time_t t;
		if (!scenario_get_duration(w->sc, group, keys[i], &t, error))
			return false;
		if (c == COST_SYSCALL && t < 1)
			return scenario_fail(w->sc, error, group, keys[i],
					     "must be at least 1ns: a system call that takes no "
					     "time lets a process stop virtual time");
		cpu_set_cost(cpu, (enum cpu_cost)c, t);
	}
	return true;
}

struct host *
world_host(struct world *w, const char *name)
{
	return g_hash_table_lookup(w->host_by_name, name);
}

/* [host.H]: the host's own keys (device-layer sysctls, and those of later layers). */
static bool
read_host_keys(struct world *w, struct host *h, const char *group, GError **error)
{
	struct netdev_host_config nc = *dev_host_config(h);
	if (!scenario_apply_conf(w->sc, group, NULL, netdev_host_conf_keys, &nc, error))
		return false;
	dev_set_host_config(h, &nc);
	/* flow_limit_cpu_bitmap = 0xf (net.core.flow_limit_cpu_bitmap) */
	const char *fl = scenario_get(w->sc, group, "flow_limit_cpu_bitmap");
	uint64_t flmask;
	if (fl && !cpu_parse_mask(fl, h->ncpus, &flmask))
		return scenario_fail(w->sc, error, group, "flow_limit_cpu_bitmap",
				     "'%s' is not a mask (0xf) or list (0-3) of this host's CPUs "
				     "0..%u",
				     fl, h->ncpus - 1);
	if (fl)
		rps_set_flow_limit_cpus(h, flmask);
	/* trace = off|summary|full: this host's level, at most the run's. */
	const char *v = scenario_get(w->sc, group, "trace");
	if (v) {
		enum trace_level level;
		if (!trace_level_from_name(v, &level))
			return scenario_fail(w->sc, error, group, "trace",
					     "'%s' is not off, summary or full", v);
		if (h->trace)
			trace_host_set_level(h->trace, level);
	}
	return true;
}

static bool
build_hosts(struct world *w, GError **error)
{
	g_autoptr(GPtrArray) groups = scenario_groups_with_prefix(w->sc, "host");
	for (guint i = 0; i < groups->len; i++) {
		const char *g = groups->pdata[i];
		const char *name = g + strlen("host ");
		/* netsim check runs nothing, so nothing would be traced: its
		 * hosts get no trace view (1.5 KiB and five hash tables each) */
		struct host *h = host_new(w->sim, w->opt.check_only ? NULL : w->trace, w->pool,
					  name, w->seed);
		g_ptr_array_add(w->hosts, h);
		g_hash_table_insert(w->host_by_name, h->name, h);
		if (scenario_has_group(w->sc, "cpu") && !read_costs(w, "cpu", NULL, h->cpu, error))
			return false;
		if (!read_costs(w, g, "cpu", h->cpu, error))
			return false;
		if (!read_host_keys(w, h, g, error) || !inet_setup(w, h, g, error))
			return false;
		socket_host_init(h);
		if (!services_setup(w, h, g, error) || !netfilter_setup(w, h, g, error) ||
		    !inet_tcp_setup(w, h, g, error))
			return false;
		if (!build_interfaces(w, h, g, error) || !inet_routes(w, h, g, error))
			return false;
		sim_mem_hugepages(); /* what this host added to the heap */
	}
	if (w->hosts->len == 0)
		return scenario_fail(w->sc, error, "scenario", NULL,
				     "the file declares no [host NAME]");
	return true;
}

static bool
check_groups(struct world *w, GError **error)
{
	static const char *const top[] = { "scenario", "cpu", "expect", "sweep", NULL };
	static const char *const prefixes[] = { "host ", "link ", "app ", NULL };
	for (char **g = scenario_groups(w->sc); *g; g++) {
		bool known = g_strv_contains(top, *g);
		for (int i = 0; !known && prefixes[i]; i++)
			known = g_str_has_prefix(*g, prefixes[i]);
		if (!known)
			return scenario_fail(w->sc, error, *g, NULL,
					     "unknown group (see 'netsim help scenario')");
	}
	return true;
}

/* Every link must join two interfaces. */
static bool
check_links(struct world *w, GError **error)
{
	for (guint i = 0; i < w->link_order->len; i++) {
		struct world_link *l = w->link_order->pdata[i];
		if (l->tap_cfg && l->nends != 1)
			return scenario_fail(
				w->sc, error, l->group, NULL,
				"a link with tap = %s joins one interface to Linux; give "
				"one host IF.link = %s",
				l->tap_cfg->dev, l->name);
		if (!l->tap_cfg && l->nends != 2)
			return scenario_fail(
				w->sc, error, l->group, NULL,
				"a link joins two interfaces; %s has %d (give two hosts "
				"IF.link = %s)",
				l->name, l->nends, l->name);
	}
	if (w->duration == WORLD_FOREVER && !w->realtime_wanted)
		return scenario_fail(w->sc, error, "scenario", "duration",
				     "until-interrupted is for real-time runs: a link needs tap = "
				     "DEVICE");
	return true;
}

/* [expect] is checked by the caller, [sweep] read by netsim sweep. */
static bool close_trace(struct world *w, bool finished, GError **error);

static void
mark_expect_used(struct scenario *sc)
{
	static const char *const groups[] = { "expect", "sweep" };
	for (int g = 0; g < 2; g++) {
		g_auto(GStrv) keys = scenario_keys(sc, groups[g]);
		for (int i = 0; keys[i]; i++)
			scenario_mark_used(sc, groups[g], keys[i]);
	}
}

struct world *
world_build(struct scenario *sc, const struct world_options *opt, GError **error)
{
	struct world *w = g_new0(struct world, 1);
	w->sc = sc;
	w->opt = *opt;
	w->hosts = g_ptr_array_new();
	w->host_by_name = g_hash_table_new(g_str_hash, g_str_equal);
	w->links = g_hash_table_new(g_str_hash, g_str_equal);
	w->link_order = g_ptr_array_new();
	w->apps = g_ptr_array_new();
	w->addresses = g_hash_table_new(g_direct_hash, g_direct_equal);
	if (!check_groups(w, error) || !read_run(w, error))
		goto fail;
	if (!scenario_check_memory(sc, error))
		goto fail;
	w->sim = sim_new(w->seed);
	w->trace = trace_open(opt->trace_path, (enum trace_level)w->level, opt->overwrite, error);
	if (!w->trace)
		goto fail;
	if (w->duration != WORLD_FOREVER)
		trace_set_run_length(w->trace, w->duration);
	if (!trace_begin_run(w->trace, scenario_path(sc), scenario_text(sc), w->seed,
			     PACKAGE_VERSION, error))
		goto fail;
	w->pool = skb_pool_new();
	/* the world's structures on 2 MiB pages as they are made (sim/mem.c) */
	sim_mem_hugepages();
	if (!build_links(w, error) || !build_hosts(w, error) || !check_links(w, error) ||
	    !build_apps(w, error))
		goto fail;
	mark_expect_used(sc);
	if (!scenario_check_unused(sc, error))
		goto fail;
	return w;
fail:
	/* A scenario that does not build leaves no trace file behind (and an
	 * old one that --overwrite would have replaced stays). */
	if (w->trace) {
		trace_abandon(w->trace);
		close_trace(w, false, NULL);
	}
	world_free(w);
	return NULL;
}

static void
progress(struct world *w, gint64 start_us, bool final)
{
	double wall = (double)(g_get_monotonic_time() - start_us) / 1e6;
	char now[32], end[32], rt[96];
	units_format_duration(sim_now(w->sim), now, sizeof now);
	if (w->duration == WORLD_FOREVER)
		g_strlcpy(end, "until interrupted", sizeof end);
	else
		units_format_duration(w->duration, end, sizeof end);
	tap_progress(w, rt, sizeof rt);
	fprintf(stderr, "\r  %s / %s simulated, %.0f events/s%s   %s", now, end,
		wall > 0 ? (double)sim_events_dispatched(w->sim) / wall : 0.0, rt,
		final ? "\n" : "");
	fflush(stderr);
}

/* CPU time of the process (user + system): on a shared machine the run
 * loop's cost per event is read from this rather than from wall time. */
static double
process_cpu_seconds(void)
{
	struct timespec t;
	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t) != 0)
		return 0;
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

bool
world_run(struct world *w, GError **error)
{
	bool show = !w->opt.quiet && isatty(STDERR_FILENO);
	gint64 start = g_get_monotonic_time(), last = start;
	double cpu0 = process_cpu_seconds();
	sim_time_t slice = w->duration / 1000 > SIM_MS ? w->duration / 1000 : SIM_MS;
	stop_requested = 0;
	if (!tap_start(w, error))
		return false;
	/* what building added to the heap, on 2 MiB pages (sim/mem.c) */
	sim_mem_hugepages();
	if (w->rt) /* real time: a slice is wall time, look at stop requests often */
		slice = 100 * SIM_MS;
	if (show)
		progress(w, start, false);
	while (sim_now(w->sim) < w->duration) {
		sim_time_t until = MIN(sim_now(w->sim) + slice, w->duration);
		sim_run_until(w->sim, until);
		sim_mem_hugepages(); /* and what the run added */
		if (sim_stalled(w->sim, NULL, NULL, NULL)) {
			g_autoptr(GString) msg = g_string_new(NULL);
			world_stall_message(w, msg);
			g_set_error_literal(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, msg->str);
			w->interrupted = true;
			w->wall_seconds = (double)(g_get_monotonic_time() - start) / 1e6;
			return false;
		}
		if (w->opt.raise_after && sim_events_dispatched(w->sim) >= w->opt.raise_after) {
			w->opt.raise_after = 0;
			if (!trace_flush(w->trace, error))
				return false;
			raise(w->opt.raise_signal);
		}
		if (stop_requested) {
			/* duration = until-interrupted: Ctrl-C is how the run ends */
			w->interrupted = w->duration != WORLD_FOREVER;
			break;
		}
		if (trace_failed(w->trace)) {
			*error = g_error_copy(trace_failed(w->trace));
			w->interrupted = true;
			w->wall_seconds = (double)(g_get_monotonic_time() - start) / 1e6;
			return false;
		}
		gint64 t = g_get_monotonic_time();
		if (show && t - last > 200000) {
			progress(w, start, false);
			last = t;
		}
	}
	w->wall_seconds = (double)(g_get_monotonic_time() - start) / 1e6;
	w->cpu_seconds = process_cpu_seconds() - cpu0;
	if (show)
		progress(w, start, true);
	return true;
}

#define put metric_put

/*
 * A figure's name from @fmt when it uses only %s, %d, %u and %%, which is
 * what every metric name does: the same text g_vsnprintf gives, without
 * its general machinery (a star of 1000 hosts puts about 250,000 figures,
 * and formatting them took half of world_metrics' instructions).  Returns
 * the length, or -1 (any other conversion, a NULL string, or no room):
 * then the caller formats with g_vsnprintf.
 */
static int
metric_name(char *buf, size_t size, const char *fmt, va_list ap)
{
	char *o = buf, *end = buf + size - 1; /* room for the NUL */
	for (const char *f = fmt; *f; f++) {
		if (*f != '%' || f[1] == '%') {
			if (o == end)
				return -1;
			*o++ = *f;
			f += *f == '%';
			continue;
		}
		char num[12];
		const char *s;
		f++;
		if (*f == 's') {
			s = va_arg(ap, const char *);
			if (!s)
				return -1;
		} else if (*f == 'd' || *f == 'u') {
			unsigned v;
			bool neg = false;
			if (*f == 'd') {
				int d = va_arg(ap, int);
				neg = d < 0;
				v = neg ? 0u - (unsigned)d : (unsigned)d;
			} else {
				v = va_arg(ap, unsigned);
			}
			char *q = num + sizeof num;
			*--q = 0;
			do
				*--q = (char)('0' + v % 10);
			while ((v /= 10) != 0);
			if (neg)
				*--q = '-';
			s = q;
		} else {
			return -1;
		}
		for (; *s; s++) {
			if (o == end)
				return -1;
			*o++ = *s;
		}
	}
	*o = 0;
	return (int)(o - buf);
}

/*
 * A figure and its name in one block: the value first (the table's value),
 * the name after it (its key), so that a figure costs one allocation;
 * world_metrics' table frees the block as the value and nothing as the key.
 * g_hash_table_replace keeps the new key when a name is put again.
 */
void
metric_put(GHashTable *m, double v, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	int n = metric_name(buf, sizeof buf, fmt, ap);
	va_end(ap);
	g_autofree char *longer = NULL;
	if (n < 0) {
		va_start(ap, fmt);
		n = g_vsnprintf(buf, sizeof buf, fmt, ap);
		va_end(ap);
		if (n < 0)
			n = 0, buf[0] = 0;
		if (n >= (int)sizeof buf) {
			va_start(ap, fmt);
			longer = g_strdup_vprintf(fmt, ap);
			va_end(ap);
		}
	}
	double *p = g_malloc(sizeof(double) + (size_t)n + 1);
	*p = v;
	char *name = (char *)(p + 1);
	memcpy(name, longer ? longer : buf, (size_t)n + 1);
	g_hash_table_replace(m, name, p);
}

/* Per-task CPU time (every process, ksoftirqd, each NAPI thread):
 * HOST.task.NAME.cpu_ns / .cpu_share / .switches_in. */
struct task_put {
	GHashTable *m;
	const char *host;
	double secs;
	GString *line; /* world_print_summary's, or NULL */
};

static char *
task_metric_name(uint32_t task, const char *name)
{
	char *n = name ? g_strdup(name) : g_strdup_printf("task%u", task);
	for (char *c = n; *c; c++)
		if (!g_ascii_isalnum(*c) && *c != '_' && *c != '-')
			*c = '_';
	return n;
}

static void
put_task(void *arg, uint32_t task, const char *name, sim_time_t runtime, uint64_t switches_in)
{
	struct task_put *tp = arg;
	g_autofree char *n = task_metric_name(task, name);
	double share = tp->secs > 0 ? (double)runtime / 1e9 / tp->secs : 0;
	if (tp->line) {
		g_string_append_printf(tp->line, " %s %.2f%%", n, 100 * share);
		return;
	}
	g_autofree char *key = g_strdup_printf("%s.task.%s.cpu_ns", tp->host, n);
	if (g_hash_table_contains(tp->m, key)) { /* two tasks of one name */
		char *both = g_strdup_printf("%s.%u", n, task);
		g_free(n);
		n = both;
	}
	metric_put(tp->m, (double)runtime, "%s.task.%s.cpu_ns", tp->host, n);
	metric_put(tp->m, share, "%s.task.%s.cpu_share", tp->host, n);
	metric_put(tp->m, (double)switches_in, "%s.task.%s.switches_in", tp->host, n);
}

bool
world_metrics_wants(const struct world *w, const char *owner)
{
	return !w->metrics_want || g_hash_table_contains(w->metrics_want, owner);
}

bool
world_metrics_wants2(const struct world *w, const char *prefix, const char *name)
{
	if (!w->metrics_want)
		return true;
	g_autofree char *owner = g_strconcat(prefix, ".", name, NULL);
	return g_hash_table_contains(w->metrics_want, owner);
}

/* Every figure world_metrics_wants lets in. */
static GHashTable *
metrics_build(struct world *w)
{
	GHashTable *m =
		g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free); /* metric_put */
	double secs = (double)sim_now(w->sim) / 1e9;
	put(m, (double)sim_events_dispatched(w->sim), "sim.events");
	put(m, secs, "sim.seconds");
	for (guint i = 0; i < w->hosts->len; i++) {
		struct host *h = w->hosts->pdata[i];
		if (!world_metrics_wants(w, h->name))
			continue;
		/* several CPUs: the host's figures are their sums (shares of all
		 * N CPUs), and HOST.cpuK.* each CPU's own */
		double preempt = 0, switches = 0, migrations = 0;
		for (int c = 0; c < CPU_NCTX; c++) {
			double ns = 0;
			for (uint32_t k = 0; k < h->ncpus; k++) {
				double nk = (double)cpu_busy_ns(h->cpus[k], c);
				ns += nk;
				if (h->ncpus > 1) {
					put(m, nk, "%s.cpu%u.%s_ns", h->name, k, cpu_ctx_name(c));
					/* that one CPU's share: a sweep's per-CPU columns */
					put(m, secs > 0 ? nk / 1e9 / secs : 0, "%s.cpu%u.%s_share",
					    h->name, k, cpu_ctx_name(c));
				}
			}
			put(m, ns, "%s.cpu.%s_ns", h->name, cpu_ctx_name(c));
			put(m, secs > 0 ? ns / 1e9 / secs / h->ncpus : 0, "%s.cpu.%s_share",
			    h->name, cpu_ctx_name(c));
		}
		struct task_put tp = { m, h->name, secs, NULL };
		for (uint32_t k = 0; k < h->ncpus; k++) {
			preempt += (double)cpu_preemptions(h->cpus[k]);
			switches += (double)cpu_context_switches(h->cpus[k]);
			migrations += (double)cpu_migrations(h->cpus[k]);
			cpu_foreach_task(h->cpus[k], put_task, &tp);
		}
		if (h->ncpus > 1) /* tasks moved between its CPUs (sim/sched_fair.c) */
			put(m, migrations, "%s.cpu.migrations", h->name);
		put(m, preempt, "%s.cpu.preemptions", h->name);
		put(m, switches, "%s.cpu.context_switches", h->name);
		for (int r = 1; r < SKB_DROP_REASON_MAX; r++) {
			uint64_t n = host_drops(h, r);
			if (n)
				put(m, (double)n, "%s.drops.%s", h->name, skb_drop_reason_name(r));
		}
		put(m, (double)host_drops_total(h), "%s.drops.total", h->name);
		put(m, (double)host_live_skbs(h), "%s.skbs.live", h->name);
		put(m, (double)world_host_unqueued(w, i), "%s.skbs.unqueued", h->name);
		struct softnet_stats sn;
		dev_softnet_stats(h, &sn);
		put(m, (double)sn.processed, "%s.softnet.processed", h->name);
		put(m, (double)sn.dropped, "%s.softnet.dropped", h->name);
		put(m, (double)sn.time_squeeze, "%s.softnet.time_squeeze", h->name);
		put(m, (double)sn.ksoftirqd_wakeups, "%s.softnet.ksoftirqd_wakeups", h->name);
		put(m, (double)sn.net_rx_actions, "%s.softnet.net_rx_actions", h->name);
		put(m, (double)sn.napi_polls, "%s.softnet.napi_polls", h->name);
		put(m, (double)sn.backlog_max, "%s.softnet.backlog_max", h->name);
		put(m, (double)sn.rx_throttles, "%s.softnet.rx_throttles", h->name);
		put(m, (double)sn.cycle_limit_hits, "%s.softnet.cycle_limit_hits", h->name);
		put(m, (double)sn.parks, "%s.softnet.parks", h->name);
		put(m, (double)sn.blocked_ns, "%s.softnet.blocked_ns", h->name);
		if (sn.received_rps) /* RPS IPIs (docs/device-layer.md) */
			put(m, (double)sn.received_rps, "%s.softnet.received_rps", h->name);
		if (sn.flow_limit_count) /* flow limit drops (docs/device-layer.md) */
			put(m, (double)sn.flow_limit_count, "%s.softnet.flow_limit_count", h->name);
	}
	net_metrics(w, m);
	world_conservation(w, NULL, m);
	inet_metrics(w, m);
	app_metrics(w, m);
	tap_metrics(w, m);
	return m;
}

GHashTable *
world_metrics(struct world *w)
{
	if (!w->metrics)
		w->metrics = metrics_build(w);
	return w->metrics;
}

/*
 * The owners wanted: each name's first component (a host, or "app",
 * "link", "tap", which own nothing themselves) and its first two ("app.X":
 * an app).  A host named like a second-level owner only adds figures.
 * Building every figure to look up a few, and freeing them, took about a
 * third of the 10,000-sender star's run (1.54 million allocations; perf:
 * 17% building, 14% freeing).
 */
GHashTable *
world_metrics_of(struct world *w, const char *const *names)
{
	g_autoptr(GHashTable) want = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (const char *const *n = names; *n; n++) {
		const char *dot = strchr(*n, '.');
		const char *dot2 = dot ? strchr(dot + 1, '.') : NULL;
		g_hash_table_add(want, g_strndup(*n, dot ? (size_t)(dot - *n) : strlen(*n)));
		if (dot2)
			g_hash_table_add(want, g_strndup(*n, (size_t)(dot2 - *n)));
	}
	g_clear_pointer(&w->metrics_part, g_hash_table_destroy);
	w->metrics_want = want;
	w->metrics_part = metrics_build(w);
	w->metrics_want = NULL;
	return w->metrics_part;
}

void
world_print_summary(struct world *w, GString *out)
{
	char t[32];
	g_string_append_printf(out, "%s\n", w->title);
	g_string_append_printf(out,
			       "  simulated %s%s, seed %" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
			       " events in %.2fs wall, %.2fs CPU\n",
			       units_format_duration(sim_now(w->sim), t, sizeof t),
			       w->interrupted ? " (interrupted)" : "", w->seed,
			       sim_events_dispatched(w->sim), w->wall_seconds, w->cpu_seconds);
	g_string_append(out, "\n  CPU time by context      hardirq     softirq        task\n");
	double secs = (double)sim_now(w->sim) / 1e9;
	for (guint i = 0; i < w->hosts->len; i++) {
		struct host *h = w->hosts->pdata[i];
		g_string_append_printf(out, "  %-20s", h->name);
		for (int c = 0; c < CPU_NCTX; c++) {
			double ns = 0;
			for (uint32_t k = 0; k < h->ncpus; k++)
				ns += (double)cpu_busy_ns(h->cpus[k], c);
			double share = secs > 0 ? ns / 1e9 / secs / h->ncpus : 0;
			g_string_append_printf(out, "  %9.2f%%", 100 * share);
		}
		g_string_append_c(out, '\n');
	}
	g_string_append(out, "\n  CPU time by task\n");
	for (guint i = 0; i < w->hosts->len; i++) {
		struct host *h = w->hosts->pdata[i];
		g_autoptr(GString) line = g_string_new(NULL);
		struct task_put tp = { NULL, h->name, secs, line };
		for (uint32_t k = 0; k < h->ncpus; k++)
			cpu_foreach_task(h->cpus[k], put_task, &tp);
		if (line->len)
			g_string_append_printf(out, "  %-20s%s\n", h->name, line->str);
	}
	tap_summary(w, out);
	world_conservation(w, out, NULL);
}

uint64_t
world_unaccounted_skbs(struct world *w)
{
	return world_conservation(w, NULL, NULL);
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Close the trace; the hosts' views of it die with it. */
static bool
close_trace(struct world *w, bool finished, GError **error)
{
	struct trace *tr = w->trace;
	w->trace = NULL;
	bool ok = trace_close(tr, finished, error);
	for (guint i = 0; i < w->hosts->len; i++) {
		struct host *h = w->hosts->pdata[i];
		host_trace_detach(h); /* its trace level read TRACE_OFF again */
		cpu_set_busy_hook(h->cpu, NULL, NULL);
		/* CPUs 1..N-1 copied CPU 0's hook (cpu_smp_join): a process
		 * killed at teardown must not call it with the freed trace */
		for (uint32_t k = 0; k < h->ncpus; k++)
			if (h->cpus[k] && h->cpus[k] != h->cpu)
				cpu_set_busy_hook(h->cpus[k], NULL, NULL);
	}
	return ok;
}

bool
world_finish(struct world *w, GError **error)
{
	if (!w->trace)
		return true;
	for (guint i = 0; i < w->hosts->len; i++) {
		host_report_counters(w->hosts->pdata[i]);
		inet_report_counters(w->hosts->pdata[i]);
	}
	/*
	 * Every figure goes into the counters table, in name order: a host's
	 * figures with that host (place "run"), the world's (sim.*, link.*,
	 * app.*, conservation.*) with the first host (place "world").  Drops
	 * by reason and place are written as drop.REASON at their function.
	 */
	bool counting = false; /* does any host write counters? */
	for (guint i = 0; i < w->hosts->len && !counting; i++) {
		const struct host *h = w->hosts->pdata[i];
		counting = trace_db(w->trace) && h->trace && h->trace->level >= TRACE_SUMMARY;
	}
	/* no trace to count in: no figures (building and freeing them all
	 * was about a third of the 10,000-sender star's run, for nothing) */
	GHashTable *m = counting ? world_metrics(w) : NULL;
	g_autofree gpointer *keys = counting ? g_hash_table_get_keys_as_array(m, NULL) : NULL;
	guint n = counting ? g_hash_table_size(m) : 0;
	if (n)
		qsort(keys, n, sizeof *keys, cmp_names);
	struct host *first = w->hosts->pdata[0];
	for (guint k = 0; k < n; k++) {
		const char *name = keys[k];
		int64_t value = (int64_t) * (double *)g_hash_table_lookup(m, name);
		/* host names hold no '.': the owner is the host named by the
		 * part before the first one, if any */
		const char *dot = strchr(name, '.');
		struct host *owner = NULL;
		if (dot) {
			char hn[256];
			size_t len = (size_t)(dot - name);
			if (len < sizeof hn) {
				memcpy(hn, name, len);
				hn[len] = 0;
				owner = world_host(w, hn);
			}
		}
		if (owner)
			trace_counter(owner->trace, name + strlen(owner->name) + 1, "run", value);
		else
			trace_counter(first->trace, name, "world", value);
	}
	for (guint i = 0; i < w->hosts->len; i++) {
		struct host *h = w->hosts->pdata[i];
		for (uint32_t p = 0; p < h->nplaces; p++) {
			g_autofree char *dn = g_strconcat(
				"drop.", skb_drop_reason_name(h->places[p].reason), NULL);
			trace_counter(h->trace, dn, h->places[p].place,
				      (int64_t)h->places[p].count);
		}
	}
	/* Ship the views (viz/views.sql) in the database itself. */
	if (trace_db(w->trace))
		vizdb_apply_views(trace_db(w->trace), false, NULL);
	return close_trace(w, !w->interrupted, error);
}

void
world_free(struct world *w)
{
	if (!w)
		return;
	if (w->trace)
		close_trace(w, false, NULL);
	for (guint i = w->hosts->len; i-- > 0;)
		host_free(w->hosts->pdata[i]);
	g_free(w->unqueued);
	g_ptr_array_free(w->hosts, TRUE);
	g_hash_table_destroy(w->host_by_name);
	for (guint i = 0; i < w->apps->len; i++)
		app_free(w->apps->pdata[i]);
	g_ptr_array_free(w->apps, TRUE);
	tap_stop(w); /* before the wires: a TAP holds an end and frames of one */
	for (guint i = 0; i < w->link_order->len; i++) {
		struct world_link *l = w->link_order->pdata[i];
		wire_free(l->wire);
		g_free(l->name);
		g_free(l->ends[0]);
		g_free(l->ends[1]);
		g_free(l);
	}
	g_ptr_array_free(w->link_order, TRUE);
	g_hash_table_destroy(w->links);
	g_hash_table_destroy(w->addresses);
	if (w->pool)
		skb_pool_free(w->pool);
	if (w->metrics)
		g_hash_table_destroy(w->metrics);
	if (w->metrics_part)
		g_hash_table_destroy(w->metrics_part);
	sim_free(w->sim);
	g_free(w->title);
	g_free(w->description);
	g_free(w);
}

const char *
world_title(const struct world *w)
{
	return w->title;
}

struct sim *
world_sim(const struct world *w)
{
	return w->sim;
}

bool
world_interrupted(const struct world *w)
{
	return w->interrupted;
}
