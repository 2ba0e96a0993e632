/*
 * cli/world.h - a world built from a scenario, run, and measured.
 *
 * The world owns the engine, the trace, every host with its stack, the
 * wires and the applications.  Building it reads the scenario's groups:
 *
 *   [scenario]   title, description, duration, seed, trace
 *   [cpu]        cost table defaults for every host (cost name = duration)
 *   [host H]     one host: its own keys, cpu.COST keys, and IF.KEY keys
 *                for each network interface IF
 *   [link L]     a wire joining two interfaces (IF.link = L)
 *   [app A]      a program run by a process on a host
 *   [expect]     conditions checked after the run (cli/expect.h)
 *
 * The keys of each come from the owning module's conf_key table, so
 * `netsim help keys` lists them all with their defaults.
 */
#ifndef NETSIM_CLI_WORLD_H
#define NETSIM_CLI_WORLD_H

#include <glib.h>
#include <stdbool.h>
#include "cli/scenario.h"
#include "sim/sim.h"

struct world_options {
	const char *trace_path; /* NULL: no database */
	bool overwrite;
	const char *pcap_dir; /* NULL: no captures */
	bool quiet;
	int trace_level; /* -1: as the scenario says */
	/* netsim check: build to validate, but bring no interface up (no
	 * RX ring is filled, no ARP announced): nothing will run */
	bool check_only;
	/* Tests of the shutdown path: raise @raise_signal on ourselves once
	 * @raise_after events have run (0: never).  Deterministic, unlike a
	 * kill from outside at some wall-clock moment. */
	uint64_t raise_after;
	int raise_signal;
};

struct world;

/* Build everything the scenario describes; nothing runs yet. */
struct world *world_build(struct scenario *sc, const struct world_options *opt, GError **error);
/* Run to the scenario's duration (or until interrupted).  False on a trace error. */
bool world_run(struct world *w, GError **error);
/* Ask a running world to stop at the next slice (safe from a signal handler). */
void world_request_stop(void);
/* Close the trace, marking the run finished or not. */
bool world_finish(struct world *w, GError **error);
void world_free(struct world *w);

const char *world_title(const struct world *w);
struct sim *world_sim(const struct world *w);
bool world_interrupted(const struct world *w);

/* Every measured figure, name -> double* (owned by the world). */
GHashTable *world_metrics(struct world *w);
/* The figures of the owners of @names (NULL-terminated): for each, its
 * host (the first component of the name) or, for app.NAME.*, link.NAME.*
 * and tap.NAME.*, that app, link or TAP end, with the world's own (sim.*,
 * conservation.*, realtime.*): a figure is there if world_metrics has it,
 * with the same value, and what no name owns is left out.  For the
 * [expect] of a large world, which names a few figures of millions.
 * Owned by the world, and valid until the next call. */
GHashTable *world_metrics_of(struct world *w, const char *const *names);
/* skbs alive on no named queue at the end: a leak; the run fails. */
uint64_t world_unaccounted_skbs(struct world *w);
/* The human summary printed by `netsim run`. */
void world_print_summary(struct world *w, GString *out);

/* cli/build_apps.c: lines for the summary about processes killed by a
 * signal or exited with a status other than 0; returns how many were killed
 * by a signal that [expect] does not name (app.NAME.exit_signal). */
guint app_summary(struct world *w, GString *out);

#endif
