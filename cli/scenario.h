/*
 * cli/scenario.h - scenario files: loading, overrides, and errors with lines.
 *
 * A scenario is a GLib key file.  Groups are a word, or a word and a name:
 * [scenario], [cpu], [host alice], [link l1], [app flood], [expect].  Besides parsing it, the loader remembers
 * the line of every group and key, so that any mistake found later, by any
 * part of the program, is reported as
 *
 *     file:line: group key: what is wrong
 *
 * and it remembers which keys were read, so that a misspelt key is an error
 * instead of being silently ignored.  `--set group.key=value` overrides are
 * applied on top and reported as coming from the command line.
 */
#ifndef NETSIM_CLI_SCENARIO_H
#define NETSIM_CLI_SCENARIO_H

#include <glib.h>
#include <stdbool.h>
#include "sim/conf.h"

#define SCENARIO_ERROR (scenario_error_quark())
GQuark scenario_error_quark(void);
enum scenario_error {
	SCENARIO_ERROR_FILE,   /* cannot read it, not a regular file, too large, not text */
	SCENARIO_ERROR_SYNTAX, /* a line that is no [group], key = value or comment */
	SCENARIO_ERROR_SET,    /* a --set that is not group.key=value */
	SCENARIO_ERROR_VALUE,  /* a key unknown, missing or with a bad value (scenario_fail) */
	SCENARIO_ERROR_MEMORY, /* the scenario would need more memory than there is */
};

struct scenario;
typedef struct scenario scenario; /* for g_autoptr(scenario) */

/* The largest scenario file scenario_load reads: 4 MiB (a 10,000-host
 * network is about 1 MiB). */
#define SCENARIO_MAX_BYTES (4 << 20)

/* Loads @path: a regular file of at most SCENARIO_MAX_BYTES, text (no NUL). */
struct scenario *scenario_load(const char *path, GError **error);
struct scenario *scenario_load_data(const char *name, const char *text, GError **error);
void scenario_free(struct scenario *sc);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(scenario, scenario_free)

const char *scenario_path(const struct scenario *sc);
/*
 * @text made safe for a terminal: control characters (but tab, and newline
 * when @keep_newlines) and bytes that are not UTF-8 become \xNN.  Free it.
 */
char *scenario_escape(const char *text, bool keep_newlines);
/*
 * Would the world this scenario describes fit in memory?  Estimates it
 * from the hosts and interfaces (their RX rings dominate) and compares it
 * with what the process may use (MemAvailable, ulimit -v).  An error "the
 * scenario needs about N MB for H hosts ..." when it would not: building it
 * would end in an allocation abort.  Reads keys without marking them used.
 */
bool scenario_check_memory(struct scenario *sc, GError **error);
/* The text as loaded, with overrides appended as comments (recorded in the trace). */
const char *scenario_text(const struct scenario *sc);

/*
 * Apply "group.key=value".  A named group is written with a dot:
 * "host.rx.eth0.napi=off" sets key "eth0.napi" of [host rx].
 */
bool scenario_override(struct scenario *sc, const char *assignment, GError **error);

/* Group names, in file order; NULL-terminated, owned by the scenario. */
char **scenario_groups(const struct scenario *sc);
/* Groups of one kind, in file order: "host" -> "host a", "host b". */
GPtrArray *scenario_groups_with_prefix(const struct scenario *sc, const char *prefix);
bool scenario_has_group(const struct scenario *sc, const char *group);
/* Keys of a group in file order (g_strfreev). */
/* The distinct parts before the first '.' of @group's keys ("" for keys with
 * none), in the order of their first key; owned by @sc until it changes. */
const GPtrArray *scenario_key_prefixes(struct scenario *sc, const char *group);
char **scenario_keys(const struct scenario *sc, const char *group);
/* Keys of @group in file order without copying them: all of them (@prefix
 * NULL), those without a dot (@prefix ""), or those "PREFIX.name"; owned by
 * @sc until it changes; NULL when there are none. */
const GPtrArray *scenario_keys_view(struct scenario *sc, const char *group, const char *prefix);

/* The value (marks the key used), or NULL when absent. */
const char *scenario_get(struct scenario *sc, const char *group, const char *key);
/* The value of a key without marking it used (NULL if absent); free it. */
char *scenario_peek(struct scenario *sc, const char *group, const char *key);
/* Mark a key as used without reading it. */
void scenario_mark_used(struct scenario *sc, const char *group, const char *key);

/*
 * Report a problem with a key (or with a whole group when @key is NULL):
 * sets @error to "file:line: group key: message" and returns false.
 */
bool scenario_fail(struct scenario *sc, GError **error, const char *group, const char *key,
		   const char *fmt, ...) G_GNUC_PRINTF(5, 6);

/* Typed getters: absent keys leave *out alone and return true. */
bool scenario_get_duration(struct scenario *sc, const char *group, const char *key, gint64 *out,
			   GError **error);
bool scenario_get_uint(struct scenario *sc, const char *group, const char *key, guint64 min,
		       guint64 max, guint64 *out, GError **error);
bool scenario_get_bool(struct scenario *sc, const char *group, const char *key, bool *out,
		       GError **error);

/*
 * Apply every key of @group that @table knows to @base.  With @prefix NULL
 * the keys without a dot are considered; with @prefix "eth0" the keys
 * "eth0.NAME" are, by NAME.  Keys the table does not know are left for
 * other tables; scenario_check_unused reports the ones nothing read.
 */
bool scenario_apply_conf(struct scenario *sc, const char *group, const char *prefix,
			 const struct conf_key *table, void *base, GError **error);
/* Fail on the first key that nothing read. */
bool scenario_check_unused(struct scenario *sc, GError **error);

#endif
