/*
 * sim/conf.h - tables of configuration keys.
 *
 * A module that can be configured from a scenario file describes its
 * settings as a static table of keys: the key's name, its type, where it
 * lives in the module's config struct, its range and a one-line doc.  The
 * scenario loader (cli/) applies "key = value" text through the table, so a
 * module never parses files and the documentation of every key comes from
 * the same table (netsim help keys).
 */
#ifndef NETSIM_SIM_CONF_H
#define NETSIM_SIM_CONF_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum conf_type {
	CONF_BOOL,     /* bool: on/off, true/false, yes/no, 1/0 */
	CONF_INT,      /* int64_t within [min, max] */
	CONF_UINT32,   /* uint32_t within [min, max] */
	CONF_DURATION, /* sim_time_t: "10ms" (min/max in ns) */
	CONF_BITRATE,  /* uint64_t bits/s: "10Mbit" */
	CONF_BYTES,    /* uint64_t: "1500", "64KiB" (min/max) */
	CONF_DOUBLE,   /* double within [dmin, dmax] */
	CONF_ENUM,     /* int: index into names[] */
	CONF_UINT32_3, /* uint32_t[3] "min default max" within [min, max], ascending
			* (Linux's tcp_rmem, tcp_wmem) */
};

struct conf_key {
	const char *key;
	enum conf_type type;
	size_t offset;
	int64_t min, max;
	double dmin, dmax;
	const char *const *names; /* CONF_ENUM: NULL-terminated */
	const char *doc;
};

#define CONF_ERROR (conf_error_quark())
GQuark conf_error_quark(void);
enum conf_error {
	CONF_ERROR_INVALID,  /* not on/off, not a number, not one of the names, a bad unit */
	CONF_ERROR_RANGE,    /* a number outside the key's range */
	CONF_ERROR_CONFLICT, /* values of two keys that cannot go together */
};

/* The entry for @key in a table ended by an entry with key NULL, or NULL. */
const struct conf_key *conf_find(const struct conf_key *table, const char *key);
/* Parse @value and store it into @base.  The error message says what is wrong with the value. */
bool conf_set(const struct conf_key *k, void *base, const char *value, GError **error);
/* The current value as text (g_free it). */
char *conf_get(const struct conf_key *k, const void *base);
/* A human description of the accepted values, e.g. "a duration, 0..1s". */
char *conf_describe(const struct conf_key *k);

#endif
