/*
 * tests/test_world_metrics.c - world_metrics_of (cli/world.c), the figures
 * of a few owners, against world_metrics, every figure: on every lecture,
 * homework and network scenario, run to its end, each owner's table holds
 * exactly that owner's figures of the whole table, with the same values,
 * and the world's own (sim.*, conservation.*, realtime.*); and each
 * scenario's [expect] finds every name it checks in the table built for
 * it, so `netsim run` never needs the whole table for a scenario that
 * names its figures right.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <glib.h>
#include <string.h>

#include "cli/expect.h"
#include "cli/world.h"

/* The owner of figure @name (world_metrics_of's rule): the app, link or
 * TAP end for app.X.*, link.X.*, tap.X.*, else the first component. */
static char *
owner_of(const char *name)
{
	const char *dot = strchr(name, '.');
	if (!dot)
		return g_strdup(name);
	size_t first = (size_t)(dot - name);
	bool second = (first == 3 && (!strncmp(name, "app", 3) || !strncmp(name, "tap", 3))) ||
		(first == 4 && !strncmp(name, "link", 4));
	const char *dot2 = second ? strchr(dot + 1, '.') : NULL;
	return g_strndup(name, dot2 ? (size_t)(dot2 - name) : first);
}

static bool
world_own(const char *owner)
{
	return !strcmp(owner, "sim") || !strcmp(owner, "conservation") ||
		!strcmp(owner, "realtime");
}

static void
assert_same_figure(GHashTable *a, GHashTable *b, const char *name)
{
	const double *x = g_hash_table_lookup(a, name), *y = g_hash_table_lookup(b, name);
	if (!x || !y)
		fail_msg("%s: in one table, not in the other", name);
	if (memcmp(x, y, sizeof *x) != 0)
		fail_msg("%s: %g in one table, %g in the other", name, *x, *y);
}

/* Every owner's table against the whole one. */
static void
check_owners(struct world *w, const char *file)
{
	GHashTable *all = world_metrics(w);
	g_autoptr(GHashTable) owners = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GHashTableIter it;
	gpointer k;
	g_hash_table_iter_init(&it, all);
	while (g_hash_table_iter_next(&it, &k, NULL))
		g_hash_table_insert(owners, owner_of(k), k); /* owner -> one of its names */
	assert_true(g_hash_table_size(owners) > 2);
	GHashTableIter oi;
	gpointer o, some;
	g_hash_table_iter_init(&oi, owners);
	while (g_hash_table_iter_next(&oi, &o, &some)) {
		const char *names[] = { some, NULL };
		GHashTable *part = world_metrics_of(w, names);
		guint owned = 0;
		g_hash_table_iter_init(&it, all);
		while (g_hash_table_iter_next(&it, &k, NULL)) {
			g_autofree char *ko = owner_of(k);
			if (!strcmp(ko, o) || world_own(ko)) {
				assert_same_figure(all, part, k);
				owned++;
			}
		}
		/* and nothing else, unless a host has the name of an owner */
		if (g_hash_table_size(part) != owned)
			fail_msg("%s: owner %s: %u figures, %u of them its own or the world's",
				 file, (char *)o, g_hash_table_size(part), owned);
	}
}

static void
run_one(const char *file)
{
	g_autoptr(GError) error = NULL;
	struct scenario *sc = scenario_load(file, &error);
	if (!sc)
		fail_msg("%s: %s", file, error->message);
	struct expectations *ex = expectations_parse(sc, &error);
	assert_non_null(ex);
	struct world_options wo = { .quiet = true, .trace_level = -1 };
	struct world *w = world_build(sc, &wo, &error);
	if (!w)
		fail_msg("%s: %s", file, error->message);
	assert_true(world_run(w, &error));
	/* [expect]'s names, in the table built for them */
	g_autofree const char **names = expectations_metrics(ex);
	GHashTable *part = world_metrics_of(w, names);
	for (const char **n = names; *n; n++)
		if (!g_hash_table_contains(part, *n))
			fail_msg("%s: [expect] %s is not in world_metrics_of's table", file, *n);
	check_owners(w, file);
	assert_true(world_finish(w, &error));
	world_free(w);
	expectations_free(ex);
	scenario_free(sc);
}

static void
test_each_owners_figures_are_the_whole_tables(void **state)
{
	(void)state;
	const char *dirs[] = { "scenarios/lectures", "scenarios/homework", "scenarios/network" };
	guint files = 0;
	for (size_t d = 0; d < G_N_ELEMENTS(dirs); d++) {
		g_autofree char *path = g_build_filename(NETSIM_SRCDIR, dirs[d], NULL);
		g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
		assert_non_null(dir);
		const char *e;
		while ((e = g_dir_read_name(dir)) != NULL) {
			if (!g_str_has_suffix(e, ".ini"))
				continue;
			g_autofree char *file = g_build_filename(path, e, NULL);
			run_one(file);
			files++;
		}
	}
	assert_true(files >= 30);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_owners_figures_are_the_whole_tables),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
