/*
 * viz/show.h - netsim show: what a trace says, as tables.
 *
 *   netsim show DB                      the run: hosts, packets, drops by
 *                                       reason and place, CPU time per context
 *   netsim show DB --skb N              the life of one skb, operation by operation
 *   netsim show DB --flow SPEC --nth K  the same for the K-th packet of a flow
 *   --format table|csv|json             for people or for scripts
 *
 * Reads the database only (viz/vizdb.h).  Exit codes: 0, or 2 for a
 * missing or foreign database, an unknown skb or flow, or bad options.
 */
#ifndef NETSIM_VIZ_SHOW_H
#define NETSIM_VIZ_SHOW_H

#include <glib.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "viz/table.h"

struct show_options {
	int64_t skb;	  /* > 0: show this skb */
	const char *flow; /* or: a flow spec (vizdb_flow_parse) ... */
	int nth;	  /* ... and which of its packets, from 1 */
	enum table_format format;
};

/* The run summary of @db, appended to @out. */
bool show_summary(sqlite3 *db, enum table_format fmt, GString *out, GError **error);
/*
 * The life of skb @skb, and of the skbs that carried the same packet on
 * (its clones that went on a wire, the skbs that received it on the next
 * hosts: vizdb_journey), in the order things happened.
 */
bool show_skb(sqlite3 *db, int64_t skb, enum table_format fmt, GString *out, GError **error);
/* What show_main prints for @o, without printing it. */
bool show_report(sqlite3 *db, const struct show_options *o, GString *out, GError **error);

/* netsim show DB [OPTIONS]: @argv[1] is "show". */
int show_main(int argc, char **argv);

#endif
