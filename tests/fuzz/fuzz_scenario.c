/*
 * tests/fuzz/fuzz_scenario.c - fuzz target: any bytes as a scenario file.
 *
 * The path `netsim check` takes: scenario_load_data -> expectations_parse
 * -> world_build (no trace database, no pcap) -> world_free.  Every input
 * must end in a world or in a GError with a message; never in a crash, an
 * abort, a GLib critical or a leak.  The world is built, not run: running
 * would make the time per input depend on [run] duration.
 */
#include "tests/fuzz/fuzz.h"

#include <string.h>
#include "cli/expect.h"
#include "cli/scenario.h"
#include "cli/world.h"

/*
 * GLib never frees an interned string, and each time its quark table grows
 * it drops the old array on purpose (gquark.c: "This leaks the old quarks
 * array").  Scenario text reaches g_intern_string (interface names, some
 * values), so millions of inputs grow the table: GLib's leak, not ours.
 * Naming g_intern_string in a suppression needs the slow unwinder, since
 * GLib is built without frame pointers.  Used only under ASan.
 */
const char *__asan_default_options(void);
const char *__lsan_default_suppressions(void);

const char *
__asan_default_options(void)
{
	return "fast_unwind_on_malloc=0:malloc_context_size=16";
}

const char *
__lsan_default_suppressions(void)
{
	return "leak:g_intern_string\nleak:g_intern_static_string\nleak:g_quark_from_string\n"
	       "leak:_dl_init\n";
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_init();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A key file is text: bytes after a NUL are not part of it. */
	g_autofree char *text = g_strndup((const char *)data, size);
	g_autoptr(GError) error = NULL;
	struct scenario *sc = scenario_load_data("fuzz.ini", text, &error);
	if (!sc) {
		g_assert(error && error->message[0]);
		return 0;
	}
	struct expectations *ex = expectations_parse(sc, &error);
	if (ex) {
		struct world_options opt = {
			.trace_path = NULL, .pcap_dir = NULL, .quiet = true, .trace_level = -1
		};
		struct world *w = world_build(sc, &opt, &error);
		g_assert(w || (error && error->message[0]));
		world_free(w);
		expectations_free(ex);
	} else {
		g_assert(error && error->message[0]);
	}
	scenario_free(sc);
	return 0;
}
