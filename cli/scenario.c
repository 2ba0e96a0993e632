/*
 * cli/scenario.c - the scenario loader.
 *
 * One pass over a copy of the text checks the syntax line by line, so that
 * a malformed line is reported with its number, and splits it in place into
 * groups and keys, each with its line.  The format is the subset of GLib's
 * key files that netsim uses ([group], key = value, # comments; values with
 * GKeyFile's escapes \s \n \t \r \\), read as g_key_file_get_string reads it:
 * a group given twice is one group, its keys in file order.  Reading the
 * file with GKeyFile as well, then looking every key up by a string built
 * for it, was most of `netsim check` on a 10,000-host scenario (issue 16);
 * here every key is one entry in one array, found by (group, key) in one
 * hash table, its value unescaped once in place.
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

struct sgroup;

/* One key of the file, or of a --set. */
struct sentry {
	const char *key;
	/* unescaped and stripped; NULL when the value has a bad escape (GKeyFile's
	 * "invalid escape sequence": it is read as "") */
	const char *value;
	struct sgroup *group;
	struct sentry *next; /* the group's next key, file order */
	int line;	     /* >0: file line; -N: the N-th --set */
	bool used;
};

/* A group's keys split at their first '.', so that applying the keys of
 * one interface of a 10,000-interface router does not read all 20,000. */
struct key_index {
	GPtrArray *prefixes;   /* "eth0" (or "" for no dot), order of their first key */
	GPtrArray *lists;      /* GPtrArray of keys per prefix, same order */
	GHashTable *by_prefix; /* prefix -> index + 1, only when there are many */
	GPtrArray *all;	       /* every key, file order */
};

struct sgroup {
	const char *name;
	int line;
	struct sentry *first, *last;
	guint nkeys;		 /* in by_key only from SMALL_GROUP + 1 on */
	struct key_index *index; /* made on first use, dropped by scenario_override */
};

struct scenario {
	char *path;
	GString *text;
	char *buf;		/* the text split in place: names, keys and values */
	struct sentry *entries; /* the file's keys (as many as its '=' at most) */
	guint nentries;
	struct sgroup *groups; /* the file's groups (as many as its '[' at most) */
	guint ngroups;
	GPtrArray *order;	   /* struct sgroup *, file order (then --set's) */
	GPtrArray *names;	   /* their names, NULL-terminated (scenario_groups) */
	GHashTable *by_name;	   /* group name -> struct sgroup */
	GHashTable *by_key;	   /* struct sentry (group, key) -> itself, groups not small */
	struct sgroup *last_group; /* the last found: callers ask one group many times */
	GPtrArray *owned;	   /* what --set added: strings, entries, groups */
	int noverrides;
};

static guint
entry_hash(gconstpointer p)
{
	const struct sentry *e = p;
	return g_str_hash(e->key) ^ (guint)((guintptr)e->group >> 4) * 2654435761u;
}

static gboolean
entry_equal(gconstpointer a, gconstpointer b)
{
	const struct sentry *x = a, *y = b;
	return x->group == y->group && strcmp(x->key, y->key) == 0;
}

static struct sgroup *
find_group(const struct scenario *sc, const char *name)
{
	struct sgroup *g = sc->last_group;
	if (g && (g->name == name || strcmp(g->name, name) == 0))
		return g;
	g = g_hash_table_lookup(sc->by_name, name);
	if (g)
		((struct scenario *)sc)->last_group = g;
	return g;
}

/* A group of at most this many keys is searched key by key (its entries
 * are next to each other), a larger one in by_key. */
#define SMALL_GROUP 12

static struct sentry *
group_entry(const struct scenario *sc, struct sgroup *g, const char *key)
{
	if (g->nkeys <= SMALL_GROUP) {
		for (struct sentry *e = g->first; e; e = e->next)
			if (strcmp(e->key, key) == 0)
				return e;
		return NULL;
	}
	struct sentry probe = { .key = key, .group = g };
	return g_hash_table_lookup(sc->by_key, &probe);
}

static struct sentry *
find_entry(const struct scenario *sc, const char *group, const char *key)
{
	struct sgroup *g = find_group(sc, group);
	return g ? group_entry(sc, g, key) : NULL;
}

static void
key_index_free(struct key_index *x)
{
	if (!x)
		return;
	if (x->by_prefix)
		g_hash_table_destroy(x->by_prefix);
	g_ptr_array_unref(x->lists);
	g_ptr_array_unref(x->prefixes);
	g_ptr_array_unref(x->all);
	g_free(x);
}

/* The index of prefix @pre in @x, or -1. */
static int
key_index_find(const struct key_index *x, const char *pre)
{
	if (x->by_prefix)
		return GPOINTER_TO_INT(g_hash_table_lookup(x->by_prefix, pre)) - 1;
	for (guint i = 0; i < x->prefixes->len; i++)
		if (strcmp(x->prefixes->pdata[i], pre) == 0)
			return (int)i;
	return -1;
}

#define KEY_INDEX_HASH_FROM 8 /* prefixes: fewer are compared one by one */

static struct key_index *
key_index(struct scenario *sc, const char *group)
{
	static const struct key_index none_index = { 0 };
	struct sgroup *g = find_group(sc, group);
	if (!g)
		return (struct key_index *)&none_index;
	if (g->index)
		return g->index;
	struct key_index *x = g_new0(struct key_index, 1);
	x->prefixes = g_ptr_array_new_with_free_func(g_free);
	x->lists = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
	x->all = g_ptr_array_new();
	for (struct sentry *e = g->first; e; e = e->next) {
		g_ptr_array_add(x->all, (gpointer)e->key);
		const char *dot = strchr(e->key, '.');
		size_t n = dot ? (size_t)(dot - e->key) : 0;
		char pre[n + 1];
		memcpy(pre, e->key, n);
		pre[n] = 0;
		int i = key_index_find(x, pre);
		if (i < 0) {
			i = (int)x->prefixes->len;
			g_ptr_array_add(x->prefixes, g_strdup(pre));
			g_ptr_array_add(x->lists, g_ptr_array_new());
			if (x->by_prefix) {
				g_hash_table_insert(x->by_prefix, x->prefixes->pdata[i],
						    GINT_TO_POINTER(i + 1));
			} else if (x->prefixes->len > KEY_INDEX_HASH_FROM) {
				x->by_prefix = g_hash_table_new(g_str_hash, g_str_equal);
				for (guint j = 0; j < x->prefixes->len; j++)
					g_hash_table_insert(x->by_prefix, x->prefixes->pdata[j],
							    GINT_TO_POINTER(j + 1));
			}
		}
		g_ptr_array_add(x->lists->pdata[i], (gpointer)e->key);
	}
	g->index = x;
	return x;
}

/* The keys "PREFIX.name" of @group (@prefix "" : keys without a dot), in file order. */
static const GPtrArray *
keys_with_prefix(struct scenario *sc, const char *group, const char *prefix)
{
	const struct key_index *x = key_index(sc, group);
	int i = x->prefixes ? key_index_find(x, prefix) : -1;
	return i < 0 ? NULL : x->lists->pdata[i];
}

const GPtrArray *
scenario_keys_view(struct scenario *sc, const char *group, const char *prefix)
{
	return prefix ? keys_with_prefix(sc, group, prefix) : key_index(sc, group)->all;
}

const GPtrArray *
scenario_key_prefixes(struct scenario *sc, const char *group)
{
	static const GPtrArray none = { NULL, 0 };
	const struct key_index *x = key_index(sc, group);
	return x->prefixes ? x->prefixes : &none;
}

void
scenario_free(struct scenario *sc)
{
	if (!sc)
		return;
	for (guint i = 0; i < sc->order->len; i++)
		key_index_free(((struct sgroup *)sc->order->pdata[i])->index);
	g_free(sc->path);
	g_string_free(sc->text, TRUE);
	g_free(sc->buf);
	g_free(sc->entries);
	g_free(sc->groups);
	g_ptr_array_free(sc->order, TRUE);
	g_ptr_array_free(sc->names, TRUE);
	g_hash_table_destroy(sc->by_name);
	g_hash_table_destroy(sc->by_key);
	g_ptr_array_free(sc->owned, TRUE);
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

/*
 * A value as g_key_file_get_string gives it, then stripped, in place:
 * \s \n \t \r \\ unescaped; any other escape, or a '\' that ends the
 * value, is GKeyFile's G_KEY_FILE_ERROR_INVALID_VALUE (NULL).
 */
static const char *
cook_value(char *v)
{
	char *q = v;
	for (const char *p = v; *p; p++, q++) {
		if (*p != '\\') {
			*q = *p;
			continue;
		}
		switch (*++p) {
		case 's': *q = ' '; break;
		case 'n': *q = '\n'; break;
		case 't': *q = '\t'; break;
		case 'r': *q = '\r'; break;
		case '\\': *q = '\\'; break;
		default: return NULL; /* includes the end of the value */
		}
	}
	*q = 0;
	return g_strstrip(v);
}

static struct sgroup *
add_group(struct scenario *sc, struct sgroup *g, const char *name, int line)
{
	g->name = name;
	g->line = line;
	g_hash_table_insert(sc->by_name, (gpointer)name, g);
	g_ptr_array_add(sc->order, g);
	sc->names->pdata[sc->names->len - 1] = (gpointer)name;
	g_ptr_array_add(sc->names, NULL);
	return g;
}

static void
add_entry(struct scenario *sc, struct sentry *e)
{
	struct sgroup *g = e->group;
	if (g->last)
		g->last->next = e;
	else
		g->first = e;
	g->last = e;
	if (++g->nkeys == SMALL_GROUP + 1)
		for (struct sentry *x = g->first; x; x = x->next)
			g_hash_table_add(sc->by_key, x);
	else if (g->nkeys > SMALL_GROUP)
		g_hash_table_add(sc->by_key, e);
}

/* ASCII whitespace as g_strstrip takes it off. */
static char *
strip_in_place(char *s, char *end)
{
	while (s < end && g_ascii_isspace(*s))
		s++;
	while (end > s && g_ascii_isspace(end[-1]))
		*--end = 0;
	return s;
}

/* Line-by-line syntax check, split in place into groups and keys. */
static bool
index_lines(struct scenario *sc, GError **error)
{
	struct sgroup *group = NULL;
	int lineno = 0;
	for (char *p = sc->buf, *next; p; p = next) {
		char *nl = strchr(p, '\n');
		char *end = nl ? nl : p + strlen(p);
		next = nl ? nl + 1 : NULL;
		*end = 0;
		lineno++;
		char *line = strip_in_place(p, end);
		if (!*line || *line == '#')
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
			char *name = strip_in_place(line + 1, line + n - 1);
			if (!valid_group(name)) {
				g_set_error(error, SCENARIO_ERROR, SCENARIO_ERROR_SYNTAX,
					    "%s:%d: [%s]: a group is a word, or a word and a name, "
					    "such as "
					    "[scenario] or [host alice]; names hold letters, "
					    "digits, '_' and '-'",
					    sc->path, lineno, name);
				return false;
			}
			group = find_group(sc, name);
			if (!group)
				group = add_group(sc, &sc->groups[sc->ngroups++], name, lineno);
			continue;
		}
		char *eq = strchr(line, '=');
		if (!eq) {
			g_set_error(error, SCENARIO_ERROR, SCENARIO_ERROR_SYNTAX,
				    "%s:%d: %s%s%s: expected 'key = value', a [group] or a # "
				    "comment",
				    sc->path, lineno, group ? group->name : "", group ? " " : "",
				    line);
			return false;
		}
		*eq = 0;
		char *key = strip_in_place(line, eq);
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
				    sc->path, lineno, group->name, key);
			return false;
		}
		struct sentry *e = &sc->entries[sc->nentries];
		*e = (struct sentry){ .key = key, .group = group, .line = lineno };
		struct sentry *first = group_entry(sc, group, key);
		if (first) {
			g_set_error(error, SCENARIO_ERROR, SCENARIO_ERROR_SYNTAX,
				    "%s:%d: %s %s: key given twice (first on line %d)", sc->path,
				    lineno, group->name, key, first->line);
			return false;
		}
		e->value = cook_value(eq + 1);
		sc->nentries++;
		add_entry(sc, e);
	}
	return true;
}

/* How many times @c occurs in @s. */
static guint
count_char(const char *s, int c)
{
	guint n = 0;
	for (const char *p = strchr(s, c); p; p = strchr(p + 1, c))
		n++;
	return n;
}

struct scenario *
scenario_load_data(const char *name, const char *text, GError **error)
{
	struct scenario *sc = g_new0(struct scenario, 1);
	sc->path = g_strdup(name);
	sc->text = g_string_new(text);
	sc->buf = g_strdup(text);
	sc->entries = g_new(struct sentry, count_char(text, '=') + 1);
	sc->groups = g_new0(struct sgroup, count_char(text, '[') + 1);
	sc->order = g_ptr_array_new();
	sc->names = g_ptr_array_new();
	g_ptr_array_add(sc->names, NULL);
	sc->by_name = g_hash_table_new(g_str_hash, g_str_equal);
	sc->by_key = g_hash_table_new(entry_hash, entry_equal);
	sc->owned = g_ptr_array_new_with_free_func(g_free);
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
		const struct sgroup *og = sc->order->pdata[i];
		g_autofree char *gd = g_strdelimit(g_strdup(og->name), " ", '.');
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
	struct sgroup *g = find_group(sc, group);
	if (!g) {
		g = g_new0(struct sgroup, 1);
		g_ptr_array_add(sc->owned, g);
		const char *name = g_steal_pointer(&group);
		g_ptr_array_add(sc->owned, (gpointer)name);
		/* Overrides are reported as line -N, "command line" (see scenario_fail). */
		add_group(sc, g, name, -sc->noverrides);
	}
	key_index_free(g->index);
	g->index = NULL;
	char *value = g_strdup(eq + 1);
	g_ptr_array_add(sc->owned, value);
	struct sentry *e = find_entry(sc, g->name, key);
	if (!e) {
		e = g_new0(struct sentry, 1);
		g_ptr_array_add(sc->owned, e);
		char *k = g_strdup(key);
		g_ptr_array_add(sc->owned, k);
		*e = (struct sentry){ .key = k, .group = g };
		add_entry(sc, e);
	}
	e->value = cook_value(value);
	e->line = -sc->noverrides;
	g_string_append_printf(sc->text, "\n# --set %s", assignment);
	return true;
}

char **
scenario_groups(const struct scenario *sc)
{
	return (char **)sc->names->pdata;
}

GPtrArray *
scenario_groups_with_prefix(const struct scenario *sc, const char *prefix)
{
	GPtrArray *out = g_ptr_array_new();
	size_t n = strlen(prefix);
	for (guint i = 0; i < sc->order->len; i++) {
		const char *g = ((const struct sgroup *)sc->order->pdata[i])->name;
		if (strncmp(g, prefix, n) == 0 && g[n] == ' ')
			g_ptr_array_add(out, (gpointer)g);
	}
	return out;
}

bool
scenario_has_group(const struct scenario *sc, const char *group)
{
	return find_group(sc, group) != NULL;
}

char **
scenario_keys(const struct scenario *sc, const char *group)
{
	const struct sgroup *g = find_group(sc, group);
	GPtrArray *keys = g_ptr_array_new();
	for (const struct sentry *e = g ? g->first : NULL; e; e = e->next)
		g_ptr_array_add(keys, g_strdup(e->key));
	g_ptr_array_add(keys, NULL);
	return (char **)g_ptr_array_free(keys, FALSE);
}

void
scenario_mark_used(struct scenario *sc, const char *group, const char *key)
{
	struct sentry *e = find_entry(sc, group, key);
	if (e)
		e->used = true;
}

char *
scenario_peek(struct scenario *sc, const char *group, const char *key)
{
	const struct sentry *e = find_entry(sc, group, key);
	return e && e->value ? g_strdup(e->value) : NULL;
}

const char *
scenario_get(struct scenario *sc, const char *group, const char *key)
{
	struct sentry *e = find_entry(sc, group, key);
	if (!e) /* every key of the file and of --set */
		return NULL;
	e->used = true;
	/* The scenario owns it: the world is freed before the scenario. */
	return e->value ? e->value : "";
}

bool
scenario_fail(struct scenario *sc, GError **error, const char *group, const char *key,
	      const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	const struct sentry *e = key ? find_entry(sc, group, key) : NULL;
	const struct sgroup *g = find_group(sc, group);
	int line = e ? e->line : g ? g->line : 0;
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
		const struct sgroup *g = sc->order->pdata[i];
		for (const struct sentry *e = g->first; e; e = e->next)
			if (!e->used)
				return scenario_fail(sc, error, g->name, e->key,
						     "unknown key (see 'netsim help keys')");
	}
	return true;
}
