/*
 * cli/expect.h - the [expect] group: what a run must show.
 *
 * Each key names a measured figure (a counter such as "bob.udp.rx_delivered"
 * or "bob.cpu.softirq_share") and its value is a condition:
 *
 *     bob.udp.rx_delivered = >= 100
 *     r1.drops.backlog_full = 0
 *     bob.cpu.hardirq_share = 0.1..0.5
 *
 * Conditions: "N" (equal), "== N", "!= N", ">= N", "<= N", "> N", "< N",
 * "A..B" (inclusive range).  Figures come from the run's metrics table.
 */
#ifndef NETSIM_CLI_EXPECT_H
#define NETSIM_CLI_EXPECT_H

#include <glib.h>
#include <stdbool.h>
#include "cli/scenario.h"

struct expectations;

/* Parse the [expect] group; a malformed condition is a scenario error. */
struct expectations *expectations_parse(struct scenario *sc, GError **error);
void expectations_free(struct expectations *ex);
guint expectations_count(const struct expectations *ex);
/* The figures the conditions name, in order, NULL-terminated (g_free the
 * array; the names are the conditions'). */
const char **expectations_metrics(const struct expectations *ex);

/*
 * Check every condition against @metrics (name -> double*).  Prints one line
 * per condition to @out; returns the number that failed.  A metric that does
 * not exist fails with a message listing similar names.
 */
guint expectations_check(const struct expectations *ex, GHashTable *metrics, GString *out);

#endif
