/*
 * apps/plugin.c - student programs loaded from shared objects with GModule.
 *
 * A plug-in is built against the installed header <netsim/socket.h>
 * (pkg-config netsim) and exports `int ns_main(void)`.  Its calls to
 * socket(), read() ... are macros for ns_socket, ns_read ..., which the
 * netsim program exports (-Wl,--export-dynamic), so the object needs no
 * library of its own.  Scenario: [app.NAME] program = plugin:path/libx.so.
 */
#include "apps/app.h"

#include <gmodule.h>

typedef int (*ns_main_fn)(void);

static int
plugin_main(struct app *a)
{
	GModule *m = app_plugin_handle(a);
	gpointer sym = NULL;
	g_module_symbol(m, "ns_main", &sym);
	return ((ns_main_fn)sym)();
}

app_main_fn
app_plugin_load(struct app *a, const char *path, GError **error)
{
	GModule *m = g_module_open(path, G_MODULE_BIND_LOCAL);
	if (!m) {
		g_set_error(error, APP_ERROR, 0, "cannot load plug-in %s: %s", path,
			    g_module_error());
		return NULL;
	}
	gpointer sym = NULL;
	if (!g_module_symbol(m, "ns_main", &sym) || !sym) {
		g_set_error(error, APP_ERROR, 0, "plug-in %s has no function ns_main", path);
		g_module_close(m);
		return NULL;
	}
	app_plugin_set_handle(a, m);
	return plugin_main;
}

void
app_plugin_unload(struct app *a)
{
	GModule *m = app_plugin_handle(a);
	if (m)
		g_module_close(m);
	app_plugin_set_handle(a, NULL);
}
