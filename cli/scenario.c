/*
 * cli/scenario.c - the scenario loader.
 *
 * GKeyFile does the parsing proper (escapes, lists, comments).  Before it
 * runs, one pass over the text checks the syntax line by line, so that a
 * malformed line is reported with its number (GKeyFile's own messages have
 * none), and records the line of every group and key.
 */
#include "cli/scenario.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "sim/units.h"

G_DEFINE_QUARK(netsim - scenario - error - quark, scenario_error)

struct scenario {
	char *path;
	GString *text;
	GKeyFile *kf;
	GHashTable *lines; /* "group" or "group\x1fkey" -> line (int) */
	GHashTable *used;  /* "group\x1fkey" set */
	GPtrArray *order;  /* group names in file order */
	int noverrides;
	/* group -> struct key_index, made on the group's first
	 * scenario_apply_conf, dropped by scenario_override */
	GHashTable *key_index;
};

/* A group's keys split at their first '.', so that applying the keys of
 * one interface of a 10,000-interface router does not read all 20,000. */
struct key_index {
	char **keys;	       /* the group's keys, file order */
	GHashTable *by_prefix; /* "eth0" (or "" for no dot) -> GPtrArray of keys */
	GPtrArray *prefixes;   /* its keys, in the order of their first key */
};

static void
key_index_free(gpointer p)
{
	struct key_index *x = p;
	g_hash_table_destroy(x->by_prefix);
	g_ptr_array_unref(x->prefixes);
	g_strfreev(x->keys);
	g_free(x);
}

static struct key_index *
key_index(struct scenario *sc, const char *group)
{
	if (!sc->key_index)
		sc->key_index =
			g_hash_table_new_full(g_str_hash, g_str_equal, g_free, key_index_free);
	struct key_index *x = g_hash_table_lookup(sc->key_index, group);
	if (!x) {
		x = g_new0(struct key_index, 1);
		x->keys = scenario_keys(sc, group);
		x->by_prefix = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
						     (GDestroyNotify)g_ptr_array_unref);
		x->prefixes = g_ptr_array_new();
		for (int i = 0; x->keys[i]; i++) {
			const char *dot = strchr(x->keys[i], '.');
			g_autofree char *pre = dot
				? g_strndup(x->keys[i], (gsize)(dot - x->keys[i]))
				: g_strdup("");
			GPtrArray *a = g_hash_table_lookup(x->by_prefix, pre);
			if (!a) {
				a = g_ptr_array_new();
				g_ptr_array_add(x->prefixes, pre);
				g_hash_table_insert(x->by_prefix, g_steal_pointer(&pre), a);
			}
			g_ptr_array_add(a, x->keys[i]);
		}
		g_hash_table_insert(sc->key_index, g_strdup(group), x);
	}
	return x;
}

/* The keys "PREFIX.name" of @group (@prefix "" : keys without a dot), in file order. */
static const GPtrArray *
keys_with_prefix(struct scenario *sc, const char *group, const char *prefix)
{
	return g_hash_table_lookup(key_index(sc, group)->by_prefix, prefix);
}

const GPtrArray *
scenario_key_prefixes(struct scenario *sc, const char *group)
{
	return key_index(sc, group)->prefixes;
}

static char *
gk(const char *group, const char *key)
{
	return g_strconcat(group, "\x1f", key, NULL);
}

void
scenario_free(struct scenario *sc)
{
	if (!sc)
		return;
	g_free(sc->path);
	g_string_free(sc->text, TRUE);
	if (sc->kf)
		g_key_file_unref(sc->kf);
	g_hash_table_destroy(sc->lines);
	g_hash_table_destroy(sc->used);
	g_ptr_array_free(sc->order, TRUE);
	if (sc->key_index)
		g_hash_table_destroy(sc->key_index);
	g_free(sc);
}

static bool
valid_name(const char *s, const char *extra)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!g_ascii_isalnum(*s) && !strchr(extra, *s))
			return false;
	return true;
}

/* "kind" or "kind name": [scenario], [host alice], [link l1]. */
static bool
valid_group(const char *g)
{
	const char *sp = strchr(g, ' ');
	if (!sp)
		return valid_name(g, "_-");
	g_autofree char *kind = g_strndup(g, (gsize)(sp - g));
	return valid_name(kind, "_-") && valid_name(sp + 1, "_-");
}

/* Line-by-line syntax check and line index. */
static bool
index_lines(struct scenario *sc, GError **error)
{
	g_auto(GStrv) lines = g_strsplit(sc->text->str, "\n", -1);
	const char *group = NULL;
	g_autofree char *cur = NULL;
	for (int i = 0; lines[i]; i++) {
		int lineno = i + 1;
		char *line = g_strstrip(lines[i]);
		if (!*line || *line == '#' || *line == ';')
			continue;
		if (*line == '[') {
			size_t n = strlen(line);
			if (line[n - 1] != ']') {
				g_set_error(error, SCENARIO_ERROR, SCENARIO_ERROR_SYNTAX,
					    "%s:%d: %s: a group header must end with ']'", sc->path,
					    lineno, line);
				return false;
			}
			line[n - 1] = 0;
			char *name = g_strstrip(line + 1);
			if (!valid_group(name)) {
				g_set_error(error, SCENARIO_ERROR, SCENARIO_ERROR_SYNTAX,
					    "%s:%d: [%s]: a group is a word, or a word and a name, "
					    "such as "
					    "[scenario] or [host alice]; names hold letters, "
					    "digits, '_' and '-'",
					    sc->path, lineno, name);
				return false;
			}
			g_free(cur);
			cur = g_strdup(name);
			group = cur;
			if (!g_hash_table_contains(sc->lines, name)) {
				g_hash_table_insert(sc->lines, g_strdup(name),
						    GINT_TO_POINTER(lineno));
				g_ptr_array_add(sc->order, g_strdup(name));
			}
			continue;
		}
		char *eq = strchr(line, '=');
		if (!eq) {
			g_set_error(
				error, SCENARIO_ERROR, SCENARIO_ERROR_SYNTAX,
				"%s:%d: %s%s%s: expected 'key = value', a [group] or a # comment",
				sc->path, lineno, group ? group : "", group ? " " : "", line);
			return false;
		}
		*eq = 0;
		char *key = g_strstrip(line);
		if (!group) {
			g_set_error(error, SCENARIO_ERROR, SCENARIO_ERROR_SYNTAX,
				    "%s:%d: %s: a key must come after a [group] header", sc->path,
				    lineno, key);
			return false;
		}
		if (!valid_name(key, "._-")) {
			g_set_error(error, SCENARIO_ERROR, SCENARIO_ERROR_SYNTAX,
				    "%s:%d: %s %s: a key may hold letters, digits, '.', '_' and "
				    "'-' only",
				    sc->path, lineno, group, key);
			return false;
		}
		char *k = gk(group, key);
		if (g_hash_table_contains(sc->lines, k)) {
			g_set_error(error, SCENARIO_ERROR, SCENARIO_ERROR_SYNTAX,
				    "%s:%d: %s %s: key given twice (first on line %d)", sc->path,
				    lineno, group, key,
				    GPOINTER_TO_INT(g_hash_table_lookup(sc->lines, k)));
			g_free(k);
			return false;
		}
		g_hash_table_insert(sc->lines, k, GINT_TO_POINTER(lineno));
	}
	return true;
}

struct scenario *
scenario_load_data(const char *name, const char *text, GError **error)
{
	struct scenario *sc = g_new0(struct scenario, 1);
	sc->path = g_strdup(name);
	sc->text = g_string_new(text);
	sc->lines = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	sc->used = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	sc->order = g_ptr_array_new_with_free_func(g_free);
	sc->kf = g_key_file_new();
	if (!g_utf8_validate(text, -1, NULL)) {
		g_set_error(error, SCENARIO_ERROR, SCENARIO_ERROR_FILE,
			    "%s:1: file: not valid UTF-8 text", name);
		scenario_free(sc);
		return NULL;
	}
	if (!index_lines(sc, error)) {
		scenario_free(sc);
		return NULL;
	}
	g_autoptr(GError) sub = NULL;
	if (!g_key_file_load_from_data(sc->kf, text, (gsize)-1, G_KEY_FILE_NONE, &sub)) {
		g_set_error(error, SCENARIO_ERROR, SCENARIO_ERROR_FILE, "%s:1: file: %s", name,
			    sub->message);
		scenario_free(sc);
		return NULL;
	}
	return sc;
}

/*
 * Reads a scenario file: a regular file of at most SCENARIO_MAX_BYTES, with
 * no NUL byte.  /dev/zero, a FIFO or a directory is refused before it is
 * read (O_NONBLOCK: opening a FIFO does not wait for a writer).
 */
static char *
scenario_read_file(const char *path, GError **error)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;
	int err;

	if (fd < 0) {
		err = errno;
		g_set_error(error, SCENARIO_ERROR, SCENARIO_ERROR_FILE, "%s: %s", path,
			    g_strerror(err));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		g_set_error(error, SCENARIO_ERROR, SCENARIO_ERROR_FILE,
			    "%s: not a regular file (a scenario is a text file, .ini)", path);
		close(fd);
		return NULL;
	}
	GString *text = g_string_sized_new(MIN((gsize)st.st_size, SCENARIO_MAX_BYTES) + 1);
	char buf[16384];
	ssize_t n = 0;
	err = 0;
	while (text->len <= SCENARIO_MAX_BYTES &&
	       ((n = read(fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)))
		if (n > 0)
			g_string_append_len(text, buf, n);
	if (n < 0)
		err = errno;
	close(fd);
	if (err) {
		g_set_error(error, SCENARIO_ERROR, SCENARIO_ERROR_FILE, "%s: %s", path,
			    g_strerror(err));
	} else if (text->len > SCENARIO_MAX_BYTES) {
		g_set_error(error, SCENARIO_ERROR, SCENARIO_ERROR_FILE,
			    "%s: larger than %d MiB, the most a scenario file may be", path,
			    SCENARIO_MAX_BYTES >> 20);
	} else if (memchr(text->str, '\0', text->len)) {
		g_set_error(error, SCENARIO_ERROR, SCENARIO_ERROR_FILE,
			    "%s: a NUL byte at offset %zu: not a text file", path,
			    (size_t)((char *)memchr(text->str, '\0', text->len) - text->str));
	} else {
		return g_string_free(text, FALSE);
	}
	g_string_free(text, TRUE);
	return NULL;
}

struct scenario *
scenario_load(const char *path, GError **error)
{
	g_autofree char *text = scenario_read_file(path, error);
	if (!text)
		return NULL;
	return scenario_load_data(path, text, error);
}

char *
scenario_escape(const char *text, bool keep_newlines)
{
	GString *out = g_string_sized_new(strlen(text));
	const char *p = text, *end = text + strlen(text);

	while (p < end) {
		gunichar c = g_utf8_get_char_validated(p, end - p);
		if (c == (gunichar)-1 || c == (gunichar)-2) {
			g_string_append_printf(out, "\\x%02x", (unsigned char)*p++);
			continue;
		}
		const char *next = g_utf8_next_char(p);
		if ((c < 0x20 && !(keep_newlines && c == '\n') && c != '\t') ||
		    (c >= 0x7f && c < 0xa0))
			for (const char *q = p; q < next; q++)
				g_string_append_printf(out, "\\x%02x", (unsigned char)*q);
		else
			g_string_append_len(out, p, next - p);
		p = next;
	}
	return g_string_free(out, FALSE);
}

const char *
scenario_path(const struct scenario *sc)
{
	return sc->path;
}

const char *
scenario_text(const struct scenario *sc)
{
	return sc->text->str;
}

bool
scenario_override(struct scenario *sc, const char *assignment, GError **error)
{
	const char *eq = strchr(assignment, '=');
	g_autofree char *lhs = eq ? g_strndup(assignment, (gsize)(eq - assignment)) : NULL;
	const char *dot = lhs ? strrchr(lhs, '.') : NULL;
	if (!eq || !dot || dot == lhs || !dot[1]) {
		g_set_error(error, SCENARIO_ERROR, SCENARIO_ERROR_SET,
			    "--set %s: expected group.key=value, for example scenario.seed=7",
			    assignment);
		return false;
	}
	/*
	 * "host.rx.eth0.napi" names key "eth0.napi" of group [host rx]: a group
	 * "kind name" is written "kind.name" on the command line.  The longest
	 * group of the file that matches wins; otherwise "kind.name." starts
	 * a new group of a kind that has names, and the rest is the key.
	 */
	size_t best = 0;
	for (guint i = 0; i < sc->order->len; i++) {
		g_autofree char *gd = g_strdelimit(g_strdup(sc->order->pdata[i]), " ", '.');
		size_t n = strlen(gd);
		if (n > best && strncmp(lhs, gd, n) == 0 && lhs[n] == '.' && lhs[n + 1]) {
			best = n;
			dot = lhs + n;
		}
	}
	static const char *const named[] = { "host.", "link.", "app.", NULL };
	for (int i = 0; !best && named[i]; i++) {
		if (!g_str_has_prefix(lhs, named[i]))
			continue;
		const char *name = lhs + strlen(named[i]);
		const char *d = strchr(name, '.');
		dot = d && d > name && d[1] ? d : NULL;
		best = 1;
	}
	if (!best && g_str_has_prefix(lhs, "expect.") && lhs[7])
		dot = lhs + 6;
	if (!dot || dot == lhs || !dot[1]) {
		g_set_error(error, SCENARIO_ERROR, SCENARIO_ERROR_SET,
			    "--set %s: expected group.key=value, for example scenario.seed=7 "
			    "or host.alice.eth0.napi=off",
			    assignment);
		return false;
	}
	g_autofree char *group = g_strndup(lhs, (gsize)(dot - lhs));
	const char *key = dot + 1;
	char *gdot = strchr(group, '.');
	if (gdot)
		*gdot = ' '; /* host.rx -> [host rx] */
	if (!valid_group(group) || !valid_name(key, "._-")) {
		g_set_error(error, SCENARIO_ERROR, SCENARIO_ERROR_SET,
			    "--set %s: bad group or key name", assignment);
		return false;
	}
	sc->noverrides++;
	g_key_file_set_value(sc->kf, group, key, eq + 1);
	if (sc->key_index)
		g_hash_table_remove(sc->key_index, group);
	/* Overrides are reported as line -N, "command line" (see scenario_fail). */
	g_hash_table_replace(sc->lines, gk(group, key), GINT_TO_POINTER(-sc->noverrides));
	if (!g_hash_table_contains(sc->lines, group)) {
		g_hash_table_insert(sc->lines, g_strdup(group), GINT_TO_POINTER(-sc->noverrides));
		g_ptr_array_add(sc->order, g_strdup(group));
	}
	g_string_append_printf(sc->text, "\n# --set %s", assignment);
	return true;
}

char **
scenario_groups(const struct scenario *sc)
{
	g_ptr_array_add(sc->order, NULL);
	sc->order->len--;
	return (char **)sc->order->pdata;
}

GPtrArray *
scenario_groups_with_prefix(const struct scenario *sc, const char *prefix)
{
	GPtrArray *out = g_ptr_array_new();
	size_t n = strlen(prefix);
	for (guint i = 0; i < sc->order->len; i++) {
		const char *g = sc->order->pdata[i];
		if (strncmp(g, prefix, n) == 0 && g[n] == ' ')
			g_ptr_array_add(out, (gpointer)g);
	}
	return out;
}

bool
scenario_has_group(const struct scenario *sc, const char *group)
{
	return g_key_file_has_group(sc->kf, group);
}

char **
scenario_keys(const struct scenario *sc, const char *group)
{
	char **keys = g_key_file_get_keys(sc->kf, group, NULL, NULL);
	return keys ? keys : g_new0(char *, 1);
}

void
scenario_mark_used(struct scenario *sc, const char *group, const char *key)
{
	g_hash_table_add(sc->used, gk(group, key));
}

char *
scenario_peek(struct scenario *sc, const char *group, const char *key)
{
	return g_key_file_get_string(sc->kf, group, key, NULL);
}

const char *
scenario_get(struct scenario *sc, const char *group, const char *key)
{
	/* GKeyFile returns a new string; keep it alive in the file by reading the raw value. */
	char *k = gk(group, key);
	if (!g_hash_table_contains(sc->lines, k)) { /* every key of the file and of --set */
		g_free(k);
		return NULL;
	}
	g_hash_table_add(sc->used, k);
	char *v = g_key_file_get_string(sc->kf, group, key, NULL);
	if (!v)
		return "";
	/* Intern: values live as long as the program, which is one run. */
	const char *s = g_intern_string(g_strstrip(v));
	g_free(v);
	return s;
}

bool
scenario_fail(struct scenario *sc, GError **error, const char *group, const char *key,
	      const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_autofree char *k = key ? gk(group, key) : g_strdup(group);
	int line = GPOINTER_TO_INT(g_hash_table_lookup(sc->lines, k));
	if (!line && key)
		line = GPOINTER_TO_INT(g_hash_table_lookup(sc->lines, group));
	g_autofree char *where = line > 0 ? g_strdup_printf("%s:%d", sc->path, line)
		: line < 0		  ? g_strdup("command line (--set)")
					  : g_strdup_printf("%s", sc->path);
	g_set_error(error, SCENARIO_ERROR, SCENARIO_ERROR_VALUE, "%s: %s%s%s: %s", where, group,
		    key ? " " : "", key ? key : "", msg);
	return false;
}

bool
scenario_get_duration(struct scenario *sc, const char *group, const char *key, gint64 *out,
		      GError **error)
{
	const char *v = scenario_get(sc, group, key);
	g_autoptr(GError) sub = NULL;
	sim_time_t t;
	if (!v)
		return true;
	if (!units_parse_duration(v, &t, &sub))
		return scenario_fail(sc, error, group, key, "%s", sub->message);
	*out = t;
	return true;
}

bool
scenario_get_uint(struct scenario *sc, const char *group, const char *key, guint64 min, guint64 max,
		  guint64 *out, GError **error)
{
	const char *v = scenario_get(sc, group, key);
	guint64 x;
	if (!v)
		return true;
	if (!g_ascii_string_to_unsigned(v, 10, min, max, &x, NULL))
		return scenario_fail(sc, error, group, key,
				     "'%s' is not a whole number from %" G_GUINT64_FORMAT
				     " to %" G_GUINT64_FORMAT,
				     v, min, max);
	*out = x;
	return true;
}

bool
scenario_get_bool(struct scenario *sc, const char *group, const char *key, bool *out,
		  GError **error)
{
	static const struct conf_key k = { "bool", CONF_BOOL, 0, .doc = "" };
	const char *v = scenario_get(sc, group, key);
	g_autoptr(GError) sub = NULL;
	bool b;
	if (!v)
		return true;
	if (!conf_set(&k, &b, v, &sub))
		return scenario_fail(sc, error, group, key, "%s", sub->message);
	*out = b;
	return true;
}

/* Set the conf_key @name of @table (if it has one) from @group's @key. */
static bool
apply_key(struct scenario *sc, const char *group, const char *key, const char *name,
	  const struct conf_key *table, void *base, GError **error)
{
	const struct conf_key *k = conf_find(table, name);
	if (!k)
		return true;
	const char *v = scenario_get(sc, group, key);
	g_autoptr(GError) sub = NULL;
	if (!conf_set(k, base, v, &sub))
		return scenario_fail(sc, error, group, key, "%s", sub->message);
	return true;
}

bool
scenario_apply_conf(struct scenario *sc, const char *group, const char *prefix,
		    const struct conf_key *table, void *base, GError **error)
{
	size_t n = prefix ? strlen(prefix) : 0;
	if (n && strchr(prefix, '.')) {
		g_auto(GStrv) keys = scenario_keys(sc, group);
		for (int i = 0; keys[i]; i++)
			if (strncmp(keys[i], prefix, n) == 0 && keys[i][n] == '.' &&
			    !apply_key(sc, group, keys[i], keys[i] + n + 1, table, base, error))
				return false;
		return true;
	}
	const GPtrArray *keys = keys_with_prefix(sc, group, n ? prefix : "");
	for (guint i = 0; keys && i < keys->len; i++) {
		const char *key = keys->pdata[i];
		if (!apply_key(sc, group, key, n ? key + n + 1 : key, table, base, error))
			return false;
	}
	return true;
}

bool
scenario_check_unused(struct scenario *sc, GError **error)
{
	for (guint i = 0; i < sc->order->len; i++) {
		const char *group = sc->order->pdata[i];
		g_auto(GStrv) keys = scenario_keys(sc, group);
		for (int j = 0; keys[j]; j++) {
			g_autofree char *k = gk(group, keys[j]);
			if (!g_hash_table_contains(sc->used, k))
				return scenario_fail(sc, error, group, keys[j],
						     "unknown key (see 'netsim help keys')");
		}
	}
	return true;
}
