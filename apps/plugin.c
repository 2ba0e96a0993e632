/*
 * apps/plugin.c - student programs loaded from shared objects with GModule.
 *
 * A plug-in is built against the installed header <netsim/socket.h>
 * (pkg-config netsim) and exports `int ns_main(void)`.  Its calls to
 * socket(), read() ... are macros for ns_socket, ns_read ..., which the
 * netsim program exports (-Wl,--export-dynamic), so the object needs no
 * library of its own.  Scenario: [app.NAME] program = plugin:path/libx.so.
 *
 * A plug-in's process is isolated (sim/proc.h): its faults end it alone.
 * Its code's address range is registered so that a spin or Ctrl-C stops it
 * only where it runs its own instructions.  exit() and _exit() are defined
 * here: the netsim program exports them, so a plug-in's call resolves to
 * them before the C library's; called by an isolated process's own code
 * they end that process with the status, and anywhere else they are the C
 * library's (docs/reliability.md).
 *
 * An object that also exports `int ns_module_init(void)` is a protocol
 * module (<netsim/proto.h>, stack/module.c): it is called once on the
 * app's host when the object is loaded, before the run starts.
 */
#include "apps/app.h"
#include "stack/module.h"

#include <dlfcn.h>
#include <gmodule.h>
#include <link.h>
#include <stdlib.h>
#include <unistd.h>

typedef int (*ns_main_fn)(void);

static int
plugin_main(struct app *a)
{
	GModule *m = app_plugin_handle(a);
	gpointer sym = NULL;
	g_module_symbol(m, "ns_main", &sym);
	return ((ns_main_fn)sym)();
}

/* Register the executable segments of the object loaded at @base. */
static int
plugin_text_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	if (info->dlpi_addr != (ElfW(Addr))(uintptr_t)data)
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X))
			proc_add_user_text(info->dlpi_addr + ph->p_vaddr,
					   info->dlpi_addr + ph->p_vaddr + ph->p_memsz);
	}
	return 1;
}

app_main_fn
app_plugin_load(struct app *a, const char *path, GError **error)
{
	GModule *m = g_module_open(path, G_MODULE_BIND_LOCAL);
	if (!m) {
		g_set_error(error, APP_ERROR, APP_ERROR_PLUGIN, "cannot load plug-in %s: %s", path,
			    g_module_error());
		return NULL;
	}
	gpointer sym = NULL;
	if (!g_module_symbol(m, "ns_main", &sym) || !sym) {
		g_set_error(error, APP_ERROR, APP_ERROR_PLUGIN,
			    "plug-in %s has no function ns_main", path);
		g_module_close(m);
		return NULL;
	}
	Dl_info info;
	if (dladdr(sym, &info) && info.dli_fbase) {
		Dl_info self;
		/* Never register netsim's own code (a plug-in path naming it). */
		if (!dladdr((void *)app_plugin_load, &self) || self.dli_fbase != info.dli_fbase)
			dl_iterate_phdr(plugin_text_cb, info.dli_fbase);
	}
	app_plugin_set_handle(a, m);
	/* A protocol module (<netsim/proto.h>): registered on the app's host
	 * before anything runs, as insmod at boot.  Once per host and object. */
	gpointer init = NULL;
	if (g_module_symbol(m, "ns_module_init", &init) && init) {
		g_autofree char *base = g_path_get_basename(path);
		if (!module_load(app_host(a), base, (ns_module_init_fn)init, error)) {
			app_plugin_set_handle(a, NULL);
			g_module_close(m);
			return NULL;
		}
	}
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

/* ---- exit() from a plug-in ends its process --------------------------------- */

/* The C library's, looked up once at start (not after a fork, where dlsym
 * could wait on a loader lock held by a thread of the parent). */
static void (*libc_exit)(int);
static void (*libc__exit)(int);

__attribute__((constructor)) static void
plugin_find_libc_exit(void)
{
	libc_exit = (void (*)(int))dlsym(RTLD_NEXT, "exit");
	libc__exit = (void (*)(int))dlsym(RTLD_NEXT, "_exit");
}

void
exit(int status)
{
	proc_contain_exit(status); /* returns only outside module code */
	proc_user_exit(status);	   /* returns only outside an isolated process */
	if (!libc_exit)
		plugin_find_libc_exit();
	libc_exit(status);
	abort();
}

void
_exit(int status)
{
	proc_contain_exit(status);
	proc_user_exit(status);
	if (!libc__exit)
		plugin_find_libc_exit();
	libc__exit(status);
	abort();
}
