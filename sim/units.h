/*
 * sim/units.h - parsing and printing of the units scenario files use:
 * durations ("10ms", "1.5s", "250us", "100ns"), rates ("10Mbit", "1Gbit",
 * "5000pps" is left to callers), and byte sizes ("1500", "64KiB").
 */
#ifndef NETSIM_SIM_UNITS_H
#define NETSIM_SIM_UNITS_H

#include <glib.h>
#include <stdbool.h>
#include "sim/sim.h"

#define UNITS_ERROR (units_error_quark())
GQuark units_error_quark(void);
enum units_error {
	UNITS_ERROR_SYNTAX = 0, /* empty, not a number, or an unknown unit */
	UNITS_ERROR_RANGE = 1,	/* well formed but too large (or small) to hold */
};

/* "1.5s" -> 1500000000.  A bare number is refused: a duration needs a unit. */
bool units_parse_duration(const char *text, sim_time_t *out, GError **error);
/* "10Mbit", "1Gbit", "64kbit", "1000bit" -> bits per second. */
bool units_parse_bitrate(const char *text, uint64_t *out, GError **error);
/* "1500", "64KiB", "2MiB", "1kB" -> bytes. */
bool units_parse_bytes(const char *text, uint64_t *out, GError **error);
/* Writes e.g. "1.5ms" into @buf; returns @buf. */
char *units_format_duration(sim_time_t t, char *buf, size_t len);

#endif
