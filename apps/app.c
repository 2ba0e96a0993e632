/*
 * apps/app.c - the registry of programs and the life of an application.
 *
 * Position: cli (scenario loader) -> app_new/app_set/app_start (here) ->
 * socket_spawn (stack/socket.h) -> the program's main on its own process.
 * The process's argument is the struct app, so a program finds its
 * settings and counters with app_self().
 */
#include "apps/app.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include "apps/arrival.h"
#include "stack/host.h"
#include "stack/inet.h"
#include "stack/socket.h"
/* The plug-in API: its prototypes must match what is defined here and in socket.c. */
#define NETSIM_NO_SOCKET_MACROS
#include "include/netsim/socket.h"

struct app {
	char *name;
	struct host *host;
	const struct app_program *prog;
	app_main_fn main;
	struct app_config cfg;
	struct app_stats stats;
	GHashTable *args;    /* key -> value text, as given */
	GHashTable *figures; /* name -> double *, app_figure_set; NULL until one is set */
	struct proc *proc;
	void *plugin;	       /* GModule *, apps/plugin.c */
	uint64_t cpus_allowed; /* cpus_allowed: CPUs it may be placed on; 0 = all */
};

#define K(field) offsetof(struct app_config, field)
const struct conf_key app_conf_keys[] = {
	{ "port", CONF_UINT32, K(port), 0, 65535, 0, 0, NULL,
	  "port to bind (servers) or to reach (clients)" },
	{ "rate", CONF_DOUBLE, K(rate), 0, 0, 0.001, 100000000, NULL,
	  "udp_flood, flood: datagrams per second, a real number (the mean for arrival = "
	  "poisson, uniform; the rate during on periods for onoff)" },
	{ "arrival", CONF_ENUM, K(arrival), 0, 0, 0, 0, arrival_names,
	  "udp_flood, flood: constant gaps, poisson (exponential gaps), onoff bursts or "
	  "uniform (jittered) gaps, drawn from stream app:NAME" },
	{ "jitter", CONF_DOUBLE, K(jitter), 0, 0, 0.0, 1.0, NULL,
	  "arrival = uniform: gaps uniform in (1 +- jitter) / rate" },
	{ "on_time", CONF_DURATION, K(on_time), 1, INT64_MAX, 0, 0, NULL,
	  "arrival = onoff: mean length of an on period (exponential)" },
	{ "off_time", CONF_DURATION, K(off_time), 0, INT64_MAX, 0, 0, NULL,
	  "arrival = onoff: mean length of an off period (exponential)" },
	{ "size", CONF_BYTES, K(size), 0, 65507, 0, 0, NULL,
	  "payload bytes per message, request or write" },
	{ "count", CONF_BYTES, K(count), 0, INT64_MAX, 0, 0, NULL,
	  "messages or requests to send; 0 = no limit" },
	{ "bytes", CONF_BYTES, K(bytes), 0, INT64_MAX, 0, 0, NULL,
	  "bulk_send: bytes to send; 0 = run for duration" },
	{ "duration", CONF_DURATION, K(duration), 0, INT64_MAX, 0, 0, NULL,
	  "stop sending after this long; 0 = no limit" },
	{ "interval", CONF_DURATION, K(interval), 0, INT64_MAX, 0, 0, NULL,
	  "tcp_echo_client: pause between requests" },
	{ "nodelay", CONF_BOOL, K(nodelay), 0, 0, 0, 0, NULL, "set TCP_NODELAY (no Nagle)" },
	{ "udp_segment", CONF_UINT32, K(udp_segment), 0, 65535, 0, 0, NULL,
	  "udp_flood: set UDP_SEGMENT: the stack cuts each size-byte send into datagrams of "
	  "this many bytes (UDP GSO); 0 = off" },
	{ "udp_gro", CONF_BOOL, K(udp_gro), 0, 0, 0, 0, NULL,
	  "udp_sink: set UDP_GRO: read datagrams GRO merged, the segment size in a UDP_GRO "
	  "cmsg; figure segments" },
	{ "rcvbuf", CONF_BYTES, K(rcvbuf), 0, 4 << 20, 0, 0, NULL, "SO_RCVBUF; 0 = default" },
	{ "sndbuf", CONF_BYTES, K(sndbuf), 0, 4 << 20, 0, 0, NULL, "SO_SNDBUF; 0 = default" },
	{ "backlog", CONF_UINT32, K(backlog), 0, 4096, 0, 0, NULL, "listen backlog" },
	{ "concurrent", CONF_BOOL, K(concurrent), 0, 0, 0, 0, NULL,
	  "servers: serve up to 64 connections at once with poll instead of one after another" },
	{ "queue", CONF_UINT32, K(queue), 0, 65535, 0, 0, NULL,
	  "screend: bind this NFQUEUE number and take what the host's iptables NFQUEUE rules "
	  "send there (without it: queue 0, fed with every forwarded packet)" },
	{ NULL },
};
#undef K

G_DEFINE_QUARK(netsim - app - error - quark, app_error)

void
app_config_init(struct app_config *c)
{
	*c = (struct app_config){ .port = 9000,
				  .rate = 1000,
				  .size = 1000,
				  .backlog = 128,
				  .jitter = 0.5,
				  .on_time = SIM_MS,
				  .off_time = SIM_MS };
}

/* Does @prog read @key?  (Its keys list; NULL accepts any.) */
static bool
app_program_uses(const struct app_program *prog, const char *key)
{
	if (!prog || !prog->keys)
		return true;
	/* @key as one of the space-separated words (no split: 50,000 keys at 10,000 apps) */
	size_t n = strlen(key);
	if (n == 0)
		return false;
	for (const char *w = prog->keys; (w = strstr(w, key)) != NULL; w += n)
		if ((w == prog->keys || w[-1] == ' ') && (w[n] == ' ' || w[n] == '\0'))
			return true;
	return false;
}

const struct app_program *
app_find(const char *program)
{
	for (const struct app_program *p = app_programs; p->name; p++)
		if (g_strcmp0(p->name, program) == 0)
			return p;
	return NULL;
}

struct app *
app_new(struct host *host, const char *name, const char *program, GError **error)
{
	struct app *a = g_new0(struct app, 1);
	a->name = g_strdup(name);
	a->host = host;
	a->args = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	app_config_init(&a->cfg);
	if (g_str_has_prefix(program, "plugin:")) {
		a->main = app_plugin_load(a, program + strlen("plugin:"), error);
	} else {
		a->prog = app_find(program);
		if (a->prog)
			a->main = a->prog->main;
		else
			g_set_error(error, APP_ERROR, APP_ERROR_UNKNOWN_PROGRAM,
				    "unknown program \"%s\"", program);
	}
	if (!a->main) {
		app_free(a);
		return NULL;
	}
	return a;
}

bool
app_set(struct app *a, const char *key, const char *value, GError **error)
{
	if (g_strcmp0(key, "cpus_allowed") == 0) {
		/* the process's, any program's: sched_setaffinity / taskset,
		 * "0,2", "1-3" or a mask "0x5" */
		if (!cpu_parse_mask(value, a->host->ncpus, &a->cpus_allowed)) {
			g_set_error(
				error, APP_ERROR, APP_ERROR_VALUE,
				"\"%s\" is not a list (0,2 or 1-3) or mask (0x5) of this host's "
				"CPUs 0..%u",
				value, a->host->ncpus - 1);
			return false;
		}
		return true;
	}
	if (!a->plugin && !app_program_uses(a->prog, key)) {
		g_set_error(error, APP_ERROR, APP_ERROR_KEY,
			    "%s does not use this key (its keys: %s)", a->prog->name,
			    a->prog->keys);
		return false;
	}
	g_hash_table_insert(a->args, g_strdup(key), g_strdup(value));
	if (g_strcmp0(key, "path") == 0 && !a->plugin)
		return true; /* an AF_UNIX name, read with app_arg */
	if (g_strcmp0(key, "dst") == 0) {
		if (!inet_addr_parse(value, &a->cfg.dst)) {
			g_set_error(error, APP_ERROR, APP_ERROR_VALUE,
				    "\"%s\" is not an IPv4 address", value);
			return false;
		}
		return true;
	}
	const struct conf_key *k = conf_find(app_conf_keys, key);
	if (!k) {
		if (a->plugin)
			return true; /* a plug-in reads its own keys with ns_app_arg */
		g_set_error(error, APP_ERROR, APP_ERROR_KEY, "unknown key for a program");
		return false;
	}
	return conf_set(k, &a->cfg, value, error);
}

static int
app_trampoline(struct proc *p, void *arg)
{
	struct app *a = arg;
	return a->main(a);
}

struct proc *
app_start(struct app *a, sim_time_t start)
{
	g_assert(a->proc == NULL);
	a->proc = socket_spawn(a->host, a->name, start, app_trampoline, a);
	struct host *h = a->host;
	if (h->ncpus > 1) { /* docs/cpu-model.md, "Several CPUs" */
		proc_set_cpu(a->proc, h->cpus[cpu_select_fork(h->cpus, h->ncpus, a->cpus_allowed)]);
		uint64_t all = h->ncpus >= 64 ? ~0ull : (1ull << h->ncpus) - 1;
		proc_set_affinity(a->proc, a->cpus_allowed ? a->cpus_allowed : all);
	}
	/* A student's code: its faults, exit() and spins end its process only. */
	if (a->plugin)
		proc_set_isolated(a->proc, true);
	return a->proc;
}

void
app_free(struct app *a)
{
	if (!a)
		return;
	app_plugin_unload(a);
	g_hash_table_destroy(a->args);
	if (a->figures)
		g_hash_table_destroy(a->figures);
	g_free(a->name);
	g_free(a);
}

struct proc *
app_proc(const struct app *a)
{
	return a->proc;
}

const struct app_stats *
app_stats(const struct app *a)
{
	return &a->stats;
}

struct app_stats *
app_stats_mut(struct app *a)
{
	return &a->stats;
}

void
app_count_rx(struct app *a, uint64_t bytes)
{
	struct app_stats *st = &a->stats;
	if (st->rx_msgs == 0)
		st->first_rx = ns_now();
	st->last_rx = ns_now();
	st->rx_msgs++;
	st->rx_bytes += bytes;
}

void
app_count_tx(struct app *a, uint64_t bytes)
{
	a->stats.tx_msgs++;
	a->stats.tx_bytes += bytes;
}

void
app_count_error(struct app *a)
{
	a->stats.errors++;
	a->stats.last_errno = errno;
}

const struct app_config *
app_config(const struct app *a)
{
	return &a->cfg;
}

const char *
app_name(const struct app *a)
{
	return a->name;
}

struct host *
app_host(const struct app *a)
{
	return a->host;
}

uint64_t
app_seed(const struct app *a)
{
	return sim_seed(a->host->sim);
}

const char *
app_arg(const struct app *a, const char *key)
{
	return g_hash_table_lookup(a->args, key);
}

void
app_figure_set(struct app *a, const char *figure, double value)
{
	if (!a->figures)
		a->figures = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	double *v = g_new(double, 1);
	*v = value;
	g_hash_table_insert(a->figures, g_strdup(figure), v);
}

bool
app_figure_get(const struct app *a, const char *figure, double *value)
{
	const double *v = a->figures ? g_hash_table_lookup(a->figures, figure) : NULL;
	if (!v)
		return false;
	*value = *v;
	return true;
}

void
app_figures_foreach(const struct app *a, app_figure_fn fn, void *data)
{
	if (!a->figures)
		return;
	g_autoptr(GList) names = g_hash_table_get_keys(a->figures);
	names = g_list_sort(names, (GCompareFunc)g_strcmp0);
	for (GList *l = names; l; l = l->next)
		fn(l->data, *(const double *)g_hash_table_lookup(a->figures, l->data), data);
}

/* The app whose process is running: the process's argument. */
struct app *
app_self(void)
{
	struct proc *p = proc_self();
	g_assert(p != NULL);
	return proc_arg(p);
}

void *
app_plugin_handle(struct app *a)
{
	return a->plugin;
}

void
app_plugin_set_handle(struct app *a, void *handle)
{
	a->plugin = handle;
}

/* ---- the plug-in side of <netsim/socket.h> -------------------------------- */

/* These run in kernel mode too (a fault in them is netsim's). */

const char *
ns_app_arg(const char *key)
{
	struct proc *p = proc_self();
	proc_syscall_enter(p);
	const char *v = key ? app_arg(app_self(), key) : NULL;
	proc_syscall_leave(p);
	return v;
}

void
ns_app_sent(size_t bytes)
{
	struct proc *p = proc_self();
	proc_syscall_enter(p);
	app_count_tx(app_self(), bytes);
	proc_syscall_leave(p);
}

void
ns_app_received(size_t bytes)
{
	struct proc *p = proc_self();
	proc_syscall_enter(p);
	app_count_rx(app_self(), bytes);
	proc_syscall_leave(p);
}
