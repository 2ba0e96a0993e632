/*
 * apps/app.h - the programs simulated processes run, and their registry.
 *
 * Linux counterpart: none (user space: the programs of a lecture).
 *
 * Position: the scenario loader (cli/) -> app_new / app_set / app_start ->
 * a process on the host (stack/socket.h: socket_spawn) running the
 * program's main, which uses only the socket API (ns_socket ...).
 *
 * A scenario group such as
 *     [app.sink]  host = bob; program = udp_sink; start = 10ms; port = 9000
 * becomes (the loader reads host and start itself):
 *     a = app_new(bob, "sink", "udp_sink", &err);
 *     app_set(a, "port", "9000", &err);              every other key
 *     app_start(a, start);
 *     ... run ...;  app_stats(a) for the summary;
 *     host_free(bob) (kills the process);  app_free(a).
 * app_set knows the keys of app_conf_keys plus "dst" (an IPv4 address).
 */
#ifndef NETSIM_APPS_APP_H
#define NETSIM_APPS_APP_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include "sim/conf.h"
#include "sim/proc.h"
#include "sim/sim.h"

struct host;
struct app;

/* Settings shared by the built-in programs (each uses the keys it documents). */
struct app_config {
	uint32_t dst;	      /* "dst": peer address, host byte order */
	uint32_t port;	      /* local port to bind (servers, sinks) or peer port (clients) */
	double rate;	      /* udp_flood, flood: datagrams per second (mean) */
	int arrival;	      /* udp_flood, flood: enum arrival_kind (apps/arrival.h) */
	double jitter;	      /* arrival = uniform: gaps vary by +-jitter of the period */
	sim_time_t on_time;   /* arrival = onoff: mean length of an on period */
	sim_time_t off_time;  /* arrival = onoff: mean length of an off period */
	uint64_t size;	      /* payload bytes per message / request / write */
	uint64_t count;	      /* messages or requests; 0 = no limit */
	uint64_t bytes;	      /* bulk_send: total bytes; 0 = use duration */
	sim_time_t duration;  /* clients: stop after this long; 0 = no limit */
	sim_time_t interval;  /* tcp_echo_client: pause between requests */
	bool nodelay;	      /* TCP_NODELAY */
	uint32_t udp_segment; /* udp_flood: UDP_SEGMENT (UDP GSO) size; 0 = off */
	bool udp_gro;	      /* udp_sink: UDP_GRO, read merged datagrams */
	uint64_t rcvbuf;      /* SO_RCVBUF, 0 = default */
	uint64_t sndbuf;      /* SO_SNDBUF, 0 = default */
	uint32_t backlog;     /* listen backlog */
	bool concurrent;      /* tcp_echo_server, bulk_sink: serve connections at once (poll) */
	uint32_t queue;	      /* screend: the NFQUEUE number it binds (given: rules fill it) */
};
extern const struct conf_key app_conf_keys[];
/* The defaults every program starts from: port 9000, rate 1000/s, size
 * 1000, backlog 128, arrival constant, jitter 0.5, on_time and off_time
 * 1ms, everything else 0 (off, no limit, kernel default). */
void app_config_init(struct app_config *c);

/* What a program did, for the run summary and expectations. */
struct app_stats {
	uint64_t tx_msgs, tx_bytes, rx_msgs, rx_bytes;
	uint64_t errors; /* failed calls (ENOBUFS, ECONNREFUSED ...) */
	int last_errno;
	sim_time_t first_rx, last_rx;
	uint64_t conns;	    /* connections accepted or made */
	sim_time_t rtt_sum; /* tcp_echo_client: sum of request round trips */
};

typedef int (*app_main_fn)(struct app *a);

struct app_program {
	const char *name; /* "udp_sink" */
	const char *doc;  /* one line, with the keys it uses */
	app_main_fn main;
	/* The keys it reads besides host, program and start, separated by
	 * spaces ("dst port size"); app_set refuses any other.  NULL: any key
	 * of app_conf_keys (programs that have not listed theirs). */
	const char *keys;
};

/* The built-in programs, ended by an entry with name NULL. */
extern const struct app_program app_programs[];
const struct app_program *app_find(const char *program);

#define APP_ERROR (app_error_quark())
GQuark app_error_quark(void);
enum app_error {
	APP_ERROR_UNKNOWN_PROGRAM, /* no built-in program of that name */
	APP_ERROR_KEY,		   /* a key the program does not use */
	APP_ERROR_VALUE,	   /* a key's value the program cannot use */
	APP_ERROR_PLUGIN,	   /* a plug-in that cannot be loaded or has no ns_main */
};

/*
 * An application named @name on @host running @program (a built-in name,
 * or "plugin:PATH" for a student's shared object, apps/plugin.c).  The
 * host must have sockets (socket_host_init).  NULL and @error when the
 * program is unknown or the plug-in cannot be loaded.
 */
struct app *app_new(struct host *host, const char *name, const char *program, GError **error);
/* Set one key (app_conf_keys, "dst"; plug-ins accept any key: ns_app_arg). */
bool app_set(struct app *a, const char *key, const char *value, GError **error);
/* Spawn its process @start ns from now. */
struct proc *app_start(struct app *a, sim_time_t start);
/* Its process (NULL before app_start; dead but readable after it ended). */
struct proc *app_proc(const struct app *a);
/* After the host is freed (its process is gone). */
void app_free(struct app *a);

const struct app_stats *app_stats(const struct app *a);
const struct app_config *app_config(const struct app *a);
const char *app_name(const struct app *a);

/* Inside a program: the app of the calling process. */
struct app *app_self(void);
struct app_stats *app_stats_mut(struct app *a);
/* A program's counters: a message of @bytes received (the first and last
 * times are kept) or sent, or a failed call (errno becomes last_errno). */
void app_count_rx(struct app *a, uint64_t bytes);
void app_count_tx(struct app *a, uint64_t bytes);
void app_count_error(struct app *a);
struct host *app_host(const struct app *a);
/* The run's seed, from which a program derives its own random stream
 * "app:NAME" (sim/rng.h; apps/arrival.c). */
uint64_t app_seed(const struct app *a);
/* A key's raw text as given in the scenario (plug-ins), or NULL. */
const char *app_arg(const struct app *a, const char *key);

/*
 * Named figures a program reports beyond struct app_stats (ping's
 * rtt_max_us, traceroute's hops): the loader prints each as
 * app.NAME.FIGURE.  Setting a name again replaces its value.
 */
void app_figure_set(struct app *a, const char *figure, double value);
bool app_figure_get(const struct app *a, const char *figure, double *value);
typedef void (*app_figure_fn)(const char *figure, double value, void *data);
/* Calls @fn for every figure, in name order. */
void app_figures_foreach(const struct app *a, app_figure_fn fn, void *data);

/* apps/plugin.c: load "plugin:PATH" (a function ns_main(void) in the object). */
app_main_fn app_plugin_load(struct app *a, const char *path, GError **error);
void app_plugin_unload(struct app *a);
void *app_plugin_handle(struct app *a);
void app_plugin_set_handle(struct app *a, void *handle);

#endif
