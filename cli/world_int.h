/*
 * cli/world_int.h - the world's insides, shared by the files that build it
 * (cli/build_*.c) and cli/world.c, which runs and measures it.
 */
#ifndef NETSIM_CLI_WORLD_INT_H
#define NETSIM_CLI_WORLD_INT_H

#include <glib.h>
#include "cli/scenario.h"
#include "cli/world.h"
#include "sim/realtime.h"
#include "sim/sim.h"
#include "sim/tap.h"
#include "sim/wire.h"
#include "stack/host.h"
#include "trace/trace.h"

/* A link of the scenario: one wire and the interfaces on its two ends. */
struct world_link {
	char *name;
	const char *group; /* "link NAME" */
	struct wire *wire;
	struct wire_config cfg;
	int nends;
	char *ends[2];		    /* "host.ifname" */
	struct tap_config *tap_cfg; /* tap = DEV: Linux is the second end (cli/build_tap.c) */
	struct tap *tap;	    /* ... opened when the run starts */
};

struct world {
	struct scenario *sc;
	struct world_options opt;
	struct sim *sim;
	struct trace *trace;
	struct skb_pool *pool; /* shared, so skb ids are unique in the run */
	char *title, *description;
	sim_time_t duration;
	uint64_t seed;
	int level;
	GPtrArray *hosts;	  /* struct host *, in scenario order */
	GHashTable *links;	  /* name -> struct world_link * */
	GPtrArray *link_order;	  /* struct world_link *, in scenario order */
	GPtrArray *apps;	  /* struct app *, freed after the hosts */
	GHashTable *addresses;	  /* IPv4 address -> its net_device: each is used once */
	GHashTable *metrics;	  /* every figure (world_metrics), or NULL */
	GHashTable *metrics_part; /* the last world_metrics_of's, or NULL */
	GHashTable *metrics_want; /* while world_metrics_of builds: its owners */
	/* host->name -> struct host * (world_host) */
	GHashTable *host_by_name;
	/* cli/conserve.c: each host's skbs on no queue, counted at
	 * unqueued_at (events dispatched + 1; 0: not yet) */
	uint64_t *unqueued;
	uint64_t unqueued_at;
	bool interrupted;
	double wall_seconds;
	uint64_t instant_limit; /* [scenario] instant_limit (sim_set_instant_limit) */
	bool realtime_wanted;	/* a link has a TAP end: the clock follows the wall clock */
	struct realtime *rt;	/* ... from the start of the run */
	double cpu_seconds;	/* of the run loop: the process's CPU time */
};

struct host *world_host(struct world *w, const char *name);

/* cli/build_net.c: [link L] groups, then the interfaces of [host H]. */
bool build_links(struct world *w, GError **error);
bool build_interfaces(struct world *w, struct host *h, const char *group, GError **error);
void net_metrics(struct world *w, GHashTable *m);

/* cli/build_tap.c: [link L] tap = DEV; devices open at tap_start (the run). */
bool build_tap_config(struct world *w, struct world_link *l, GError **error);
bool tap_start(struct world *w, GError **error);
void tap_stop(struct world *w);
void tap_metrics(struct world *w, GHashTable *m);
void tap_summary(struct world *w, GString *out);
void tap_progress(struct world *w, char *buf, size_t size);

/* cli/build_inet.c: IP, ARP, routes and addresses of a host. */
bool inet_setup(struct world *w, struct host *h, const char *group, GError **error);
bool inet_tcp_setup(struct world *w, struct host *h, const char *group, GError **error);
bool inet_address(struct world *w, struct net_device *dev, const char *group, GError **error);
bool inet_routes(struct world *w, struct host *h, const char *group, GError **error);
/* The host keys services and services_file (stack/services.h). */
bool services_setup(struct world *w, struct host *h, const char *group, GError **error);
/* The host key iptables (stack/ip_tables.h). */
bool netfilter_setup(struct world *w, struct host *h, const char *group, GError **error);
void inet_metrics(struct world *w, GHashTable *m);

/* cli/build_apps.c: [app A] groups, after every host exists. */
bool build_apps(struct world *w, GError **error);
void app_metrics(struct world *w, GHashTable *m);
/* Why sim_stalled: the process (or event) that kept the clock still. */
void world_stall_message(struct world *w, GString *out);

/* cli/conserve.c: balance the skb and frame books; returns the skbs on no
 * queue.  @out (summary text) and @m (figures) may be NULL. */
uint64_t world_conservation(struct world *w, GString *out, GHashTable *m);
/* host_check_conservation of host @i (w->hosts order), counted once for
 * all hosts per moment of the run. */
uint64_t world_host_unqueued(struct world *w, guint i);

/* Does the table being built want the figures of @owner (a host's name,
 * "app.NAME", "link.NAME", "tap.NAME")?  Always, but while
 * world_metrics_of builds.  world_metrics_wants2 asks for "PREFIX.NAME". */
bool world_metrics_wants(const struct world *w, const char *owner);
bool world_metrics_wants2(const struct world *w, const char *prefix, const char *name);

/* Add a figure to a metrics table (name is formatted). */
void metric_put(GHashTable *m, double v, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

#endif
