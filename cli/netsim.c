/*
 * cli/netsim.c - the netsim program: subcommands and their options.
 *
 *   netsim run FILE     build the world a scenario describes, run it, summarise
 *   netsim check FILE   validate a scenario without running it
 *   netsim help [TOPIC] usage, scenario groups, keys, costs
 *   netsim --version
 *
 * Exit codes: 0 success, 1 a run's expectations failed (or a plug-in's
 * process was killed by a signal that [expect] does not name), 2 bad input
 * (or virtual time stopped), 130 interrupted (Ctrl-C, SIGTERM).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "apps/app.h"
#include "cli/expect.h"
#include "cli/scenario.h"
#include "cli/sweep.h"
#include "cli/world.h"
#include "config.h"
#include "sim/conf.h"
#include "sim/cpu.h"
#include "sim/mem.h"
#include "sim/proc.h"
#include "sim/tap.h"
#include "sim/wire.h"
#include "stack/arp.h"
#include "stack/ipv4.h"
#include "stack/netdevice.h"
#include "stack/nic.h"
#include "stack/tcp.h"
#include "trace/trace.h"
#include "viz/draw.h"
#include "viz/view.h"
#include "viz/replay.h"
#include "viz/show.h"

enum { EXIT_OK = 0, EXIT_EXPECT = 1, EXIT_BAD_INPUT = 2 };

static gchar **opt_set;
static gchar *opt_trace;
static gchar *opt_pcap;
static gboolean opt_overwrite, opt_quiet;
static gchar *opt_level;
static gchar *opt_metrics;
static gchar *opt_raise;

static const GOptionEntry run_entries[] = {
	{ "set", 's', 0, G_OPTION_ARG_STRING_ARRAY, &opt_set,
	  "Override a scenario key (repeatable)", "GROUP.KEY=VALUE" },
	{ "trace", 't', 0, G_OPTION_ARG_FILENAME, &opt_trace, "Write the trace database to FILE",
	  "FILE" },
	{ "overwrite", 0, 0, G_OPTION_ARG_NONE, &opt_overwrite,
	  "Replace an existing trace database", NULL },
	{ "force", 'f', 0, G_OPTION_ARG_NONE, &opt_overwrite, "The same as --overwrite", NULL },
	{ "trace-level", 0, 0, G_OPTION_ARG_STRING, &opt_level,
	  "off, summary or full (default: the scenario's scenario.trace)", "LEVEL" },
	{ "pcap", 'p', 0, G_OPTION_ARG_FILENAME, &opt_pcap,
	  "Write one pcap file per interface into DIR", "DIR" },
	{ "quiet", 'q', 0, G_OPTION_ARG_NONE, &opt_quiet, "No progress line", NULL },
	{ "metrics", 'm', 0, G_OPTION_ARG_FILENAME, &opt_metrics,
	  "Write every measured figure to FILE as 'name value' lines", "FILE" },
	{ "raise-after-events", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &opt_raise,
	  "Tests: raise signal SIG on ourselves after N events", "N:SIG" },
	{ NULL },
};

/*
 * Ctrl-C or SIGTERM: the run stops after the current event and the trace is
 * kept, marked unfinished.  A plug-in spinning in its own code is ended
 * (sim/proc.h proc_interrupt), so the stop comes within a watchdog tick.
 */
static void
on_signal(int sig, siginfo_t *si, void *uctx)
{
	world_request_stop();
	proc_interrupt(sig, uctx);
}

static int
fail(const GError *error)
{
	/* Messages quote the user's values and paths: no control character reaches the terminal. */
	g_autofree char *msg = scenario_escape(error->message, false);
	fprintf(stderr, "netsim: %s\n", msg);
	return EXIT_BAD_INPUT;
}

/* Parse the options of run/check; leaves the scenario path in *path. */
static int
parse_options(const char *cmd, int *argc, char ***argv, const char **path)
{
	g_autoptr(GOptionContext) ctx = g_option_context_new("FILE");
	g_autoptr(GError) error = NULL;
	g_option_context_add_main_entries(ctx, run_entries, NULL);
	g_option_context_set_summary(
		ctx,
		strcmp(cmd, "run") == 0 ? "Run the scenario FILE and print a summary."
					: "Check the scenario FILE and report the first mistake.");
	if (!g_option_context_parse(ctx, argc, argv, &error)) {
		fprintf(stderr, "netsim %s: %s\n", cmd, error->message);
		return EXIT_BAD_INPUT;
	}
	if (*argc != 3) {
		fprintf(stderr, "netsim %s: expected one scenario FILE (see 'netsim %s --help')\n",
			cmd, cmd);
		return EXIT_BAD_INPUT;
	}
	*path = (*argv)[2];
	return EXIT_OK;
}

static int
load(const char *path, struct scenario **out, struct world_options *wo)
{
	g_autoptr(GError) error = NULL;
	/* Grow the heap 32 MiB at a time from the start (sim/mem.c), before
	 * the scenario is read: in 132 KiB steps no 2 MiB page lies whole
	 * inside the heap when it is first touched, and the kernel faults
	 * 4 KiB pages (the first 54 MiB of the 10,000-sender star's check). */
	sim_mem_hugepages();
	g_autoptr(scenario) sc = scenario_load(path, &error);
	if (!sc)
		return fail(error);
	for (int i = 0; opt_set && opt_set[i]; i++)
		if (!scenario_override(sc, opt_set[i], &error))
			return fail(error);
	if (opt_trace && strcmp(opt_trace, ":memory:") == 0) {
		/* SQLite's name for a database that vanishes at exit: nothing would be kept. */
		fprintf(stderr,
			"netsim: --trace :memory: would keep no trace; give a file name "
			"(./:memory: for a file of that name)\n");
		return EXIT_BAD_INPUT;
	}
	*wo = (struct world_options){ .trace_path = opt_trace,
				      .overwrite = opt_overwrite,
				      .pcap_dir = opt_pcap,
				      .quiet = opt_quiet,
				      .trace_level = -1 };
	if (opt_raise) {
		unsigned long long n;
		int sig;
		if (sscanf(opt_raise, "%llu:%d", &n, &sig) != 2 || sig <= 0 || sig >= NSIG) {
			fprintf(stderr, "netsim: --raise-after-events %s: expected N:SIGNUM\n",
				opt_raise);
			return EXIT_BAD_INPUT;
		}
		wo->raise_after = n;
		wo->raise_signal = sig;
	}
	if (opt_level) {
		enum trace_level level;
		if (trace_level_from_name(opt_level, &level))
			wo->trace_level = (int)level;
		if (wo->trace_level < 0) {
			fprintf(stderr, "netsim: --trace-level %s: expected off, summary or full\n",
				opt_level);
			return EXIT_BAD_INPUT;
		}
	}
	*out = g_steal_pointer(&sc);
	return EXIT_OK;
}

/* What a successful check leaves to the process's exit (cmd_check). */
static struct world *volatile checked_world;
static struct scenario *volatile checked_scenario;

static int
cmd_check(int argc, char **argv)
{
	const char *path;
	struct world_options wo;
	struct scenario *sc = NULL;
	g_autoptr(GError) error = NULL;
	int rc = parse_options("check", &argc, &argv, &path);
	if (rc || (rc = load(path, &sc, &wo)))
		return rc;
	wo.trace_path = NULL;
	wo.pcap_dir = NULL;
	wo.check_only = true;
	struct expectations *ex = expectations_parse(sc, &error);
	struct world *w = ex ? world_build(sc, &wo, &error) : NULL;
	if (!w) {
		rc = fail(error);
	} else {
		g_autofree char *shown = scenario_escape(path, false);
		printf("%s: ok (%u expectations)\n", shown, expectations_count(ex));
		/* The process ends here and the kernel takes its pages back in
		 * one step; freeing the world and the scenario object by object
		 * was a fifth of the check's instructions at 10,000 hosts
		 * (docs/performance.md).  Both stay reachable, so a leak
		 * checker does not count them as lost (volatile: the stores
		 * are kept).  A world that did not build was freed by
		 * world_build; `netsim run` still frees everything. */
		checked_world = w;
		checked_scenario = g_steal_pointer(&sc);
	}
	expectations_free(ex);
	scenario_free(sc);
	return rc;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Figures as sorted "name value" lines, written atomically (rename). */
static bool
write_metrics(const char *path, GHashTable *metrics, GError **error)
{
	g_autoptr(GString) s = g_string_new(NULL);
	g_autofree gpointer *keys = g_hash_table_get_keys_as_array(metrics, NULL);
	guint n = g_hash_table_size(metrics);
	qsort(keys, n, sizeof *keys, cmp_str);
	for (guint i = 0; i < n; i++) {
		char num[G_ASCII_DTOSTR_BUF_SIZE];
		g_ascii_dtostr(num, sizeof num, *(double *)g_hash_table_lookup(metrics, keys[i]));
		g_string_append_printf(s, "%s %s\n", (char *)keys[i], num);
	}
	return g_file_set_contents(path, s->str, (gssize)s->len, error);
}

/* The figures [expect] names: only their owners' (world_metrics_of),
 * unless one is not among them (a typo: its message then lists similar
 * names from all figures) or all are wanted anyway (--metrics). */
static GHashTable *
expected_figures(struct world *w, const struct expectations *ex)
{
	if (opt_metrics)
		return world_metrics(w);
	g_autofree const char **names = expectations_metrics(ex);
	GHashTable *m = world_metrics_of(w, names);
	for (const char **n = names; *n; n++)
		if (!g_hash_table_contains(m, *n))
			return world_metrics(w);
	return m;
}

static int
cmd_run(int argc, char **argv)
{
	const char *path;
	struct world_options wo;
	struct scenario *sc = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GString) out = g_string_new(NULL);
	int rc = parse_options("run", &argc, &argv, &path);
	if (rc || (rc = load(path, &sc, &wo)))
		return rc;
	struct expectations *ex = expectations_parse(sc, &error);
	struct world *w = ex ? world_build(sc, &wo, &error) : NULL;
	if (!w) {
		rc = fail(error);
		goto out;
	}
	struct sigaction sa = { .sa_sigaction = on_signal,
				.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER | SA_RESTART };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (!world_run(w, &error)) {
		fprintf(stderr, "netsim: %s\n", error->message);
		g_clear_error(&error);
		world_finish(w, NULL);
		rc = EXIT_BAD_INPUT;
		goto out;
	}
	world_print_summary(w, out);
	guint killed = app_summary(w, out), failed = 0;
	if (expectations_count(ex)) {
		g_string_append(out, "\n  expectations\n");
		failed = expectations_check(ex, expected_figures(w, ex), out);
		g_string_append_printf(out, "  %u of %u expectations met\n",
				       expectations_count(ex) - failed, expectations_count(ex));
	}
	if (killed) {
		g_string_append_printf(out,
				       "\n  FAIL %u process(es) killed by a signal or protocol "
				       "module(s) faulted (see above; [expect] "
				       "app.NAME.exit_signal = N or HOST.proto.NAME.fault_signal = "
				       "N accepts it)\n",
				       killed);
		failed += killed;
	}
	if (world_unaccounted_skbs(w)) {
		g_string_append(out,
				"\n  FAIL conservation: skbs were left on no queue (see above)\n");
		failed++;
	}
	fputs(out->str, stdout);
	if (opt_metrics && !write_metrics(opt_metrics, world_metrics(w), &error)) {
		rc = fail(error);
		world_finish(w, NULL);
		goto out;
	}
	if (!world_finish(w, &error)) {
		rc = fail(error);
		goto out;
	}
	if (world_interrupted(w)) {
		fprintf(stderr, "netsim: interrupted; the trace is kept and marked unfinished\n");
		rc = 130;
	} else {
		rc = failed ? EXIT_EXPECT : EXIT_OK;
	}
out:
	world_free(w);
	expectations_free(ex);
	scenario_free(sc);
	return rc;
}

/* netsim trace expand FILE: a packed trace into plain tables (trace/trace_expand.c). */
static int
cmd_trace(int argc, char **argv)
{
	static const char help[] =
		"Usage: netsim trace expand FILE\n"
		"\n"
		"A full trace with more skb_events rows than NETSIM_TRACE_EXPAND_ROWS\n"
		"(default 3,000,000) is stored packed (docs/trace-schema.md).  expand\n"
		"rewrites it into plain tables with their indexes, which find one\n"
		"skb's rows at once; a copy is expanded and renamed over FILE, so a\n"
		"failure leaves FILE as it was.\n";
	g_autoptr(GError) error = NULL;
	bool expanded;

	if (argc == 3 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
		fputs(help, stdout);
		return EXIT_OK;
	}
	if (argc != 4 || strcmp(argv[2], "expand") != 0) {
		fputs(help, stderr);
		return EXIT_BAD_INPUT;
	}
	if (!trace_expand_file(argv[3], &expanded, &error)) {
		fprintf(stderr, "netsim trace: %s\n", error->message);
		return EXIT_BAD_INPUT;
	}
	printf("%s: %s\n", argv[3], expanded ? "expanded" : "not packed: nothing to do");
	return EXIT_OK;
}

static const char usage[] =
	"Usage: netsim COMMAND [OPTIONS] ...\n"
	"\n"
	"netsim simulates host network stacks: CPUs with interrupts, softirqs and\n"
	"tasks, sk_buffs, devices, IPv4, UDP and TCP, on one virtual clock.\n"
	"\n"
	"Commands:\n"
	"  run FILE       run a scenario and print its summary (exit 1 if an\n"
	"                 [expect] condition fails, 2 on bad input)\n"
	"  check FILE     check a scenario file without running it\n"
	"  sweep FILE     run a grid of values in parallel; table and plots\n"
	"  show DB        what a trace recorded: the run, or one packet (--skb N)\n"
	"  draw DB WHAT   a picture of a trace: path, stackmap, ladder, cpu, buffer (-o FILE)\n"
	"  view DB        a web page to step through a packet's life (-o DIR)\n"
	"  check-trace DB replay a trace: does every row follow from the one before?\n"
	"  trace expand DB  a packed (big) trace into plain tables\n"
	"  help [TOPIC]   this text; topics: scenario, keys, apps, costs\n"
	"  --version      print the version\n"
	"\n"
	"Run 'netsim COMMAND --help' for a command's options.\n";

static void
print_keys(const char *title, const struct conf_key *table, const void *defaults)
{
	printf("%s\n", title);
	for (const struct conf_key *k = table; k->key; k++) {
		g_autofree char *def = conf_get(k, defaults);
		g_autofree char *what = conf_describe(k);
		printf("  %-22s %-10s %s (%s)\n", k->key, def, k->doc ? k->doc : "", what);
	}
	printf("\n");
}

static void
help_keys(void)
{
	struct netdev_host_config hc;
	struct ip_config ic;
	struct neigh_config nc;
	struct tcp_config tc;
	struct nic_config nic;
	struct wire_config wc;
	netdev_host_config_init(&hc);
	ip_config_init(&ic);
	neigh_config_init(&nc);
	tcp_config_init(&tc);
	nic_config_init(&nic);
	wire_config_init(&wc);
	printf("Scenario keys, their defaults and their values.\n\n");
	print_keys("[host NAME] device layer (net.core sysctls):", netdev_host_conf_keys, &hc);
	print_keys("[host NAME] IPv4 (also: routes = PREFIX via GW [dev IF]; ...):",
		   ip_host_conf_keys, &ic);
	print_keys("[host NAME] ARP / neighbour table:", neigh_conf_keys, &nc);
	print_keys("[host NAME] TCP (net.ipv4.tcp_* sysctls):", tcp_host_conf_keys, &tc);
	print_keys("[host NAME] IF.KEY, for each network interface IF (also IF.link = L,\n"
		   "IF.mac = 02:00:00:00:00:01, IF.address = 10.0.0.1/24):",
		   nic_conf_keys, &nic);
	print_keys("[link NAME] wire between two interfaces:", wire_conf_keys, &wc);
	struct tap_config tapc;
	tap_config_init(&tapc);
	print_keys("[link NAME] tap.KEY, a link to Linux: tap = DEVICE (also tap.netns = NAME,\n"
		   "tap.address = 10.77.0.1/24, tap.mac = MAC, tap.route = NET/P via GW, ...;\n"
		   "docs/tap.md):",
		   tap_conf_keys, &tapc);
}

static int
cmd_help(int argc, char **argv)
{
	const char *topic = argc > 2 ? argv[2] : NULL;
	if (!topic) {
		fputs(usage, stdout);
	} else if (strcmp(topic, "keys") == 0) {
		help_keys();
	} else if (strcmp(topic, "apps") == 0) {
		struct app_config ac;
		app_config_init(&ac);
		printf("Programs for [app NAME] groups (program = NAME, or plugin:PATH.so):\n\n");
		for (const struct app_program *p = app_programs; p->name; p++)
			printf("  %-18s %s\n", p->name, p->doc);
		printf("\n");
		print_keys(
			"[app NAME] keys (besides host, program, start, and dst = IPv4 address):",
			app_conf_keys, &ac);
	} else if (strcmp(topic, "costs") == 0) {
		printf("CPU cost table: keys of [cpu] (every host) and cpu.NAME keys of [host H];\n"
		       "values are durations.\n\n");
		for (int i = 0; i < COST_NCOSTS; i++)
			printf("  %-14s %6" G_GINT64_FORMAT "ns  %s\n", cpu_cost_info[i].name,
			       cpu_cost_info[i].default_ns, cpu_cost_info[i].what);
	} else if (strcmp(topic, "scenario") == 0) {
		printf("Scenario files are key files (.ini style):\n\n"
		       "  [scenario]       title, description, duration (e.g. 1s), seed, trace "
		       "(off|summary|full),\n"
		       "                   spin_limit (5s), instant_limit (10000000): see "
		       "docs/reliability.md\n"
		       "  [cpu]            cost table for every host (see 'netsim help costs')\n"
		       "  [host NAME]      a host; its keys (see 'netsim help keys'), cpu.COST = "
		       "duration,\n"
		       "                   and IF.KEY for each network interface IF (eth0.address "
		       "= ...)\n"
		       "  [link NAME]      a wire joining two interfaces (IF.link = NAME)\n"
		       "  [app NAME]       a program on a host: host, program, start, and its "
		       "keys\n"
		       "  [expect]         FIGURE = CONDITION, checked after the run\n"
		       "                   (N, >= N, <= N, > N, < N, != N, A..B)\n");
	} else {
		fprintf(stderr,
			"netsim help: no topic '%s' (topics: scenario, keys, apps, costs)\n",
			topic);
		return EXIT_BAD_INPUT;
	}
	return EXIT_OK;
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return EXIT_BAD_INPUT;
	}
	const char *cmd = argv[1];
	/* A file-size limit reached while writing a trace, a sweep table or a
	 * plot must be an error we report (exit 2), not a kill: the write
	 * fails with EFBIG and the trace is marked unfinished. */
	signal(SIGXFSZ, SIG_IGN);
	/* Subcommands' --help then reads "netsim run [OPTION...] FILE". */
	g_autofree char *prgname = g_strdup_printf("netsim %s", cmd);
	g_set_prgname(prgname);
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
		printf("netsim %s\n", PACKAGE_VERSION);
		return EXIT_OK;
	}
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0)
		return cmd_help(argc, argv);
	if (strcmp(cmd, "run") == 0)
		return cmd_run(argc, argv);
	if (strcmp(cmd, "check") == 0)
		return cmd_check(argc, argv);
	if (strcmp(cmd, "sweep") == 0)
		return sweep_main(argc, argv);
	if (strcmp(cmd, "show") == 0)
		return show_main(argc, argv);
	if (strcmp(cmd, "draw") == 0)
		return draw_main(argc, argv);
	if (strcmp(cmd, "view") == 0)
		return view_main(argc, argv);
	if (strcmp(cmd, "check-trace") == 0)
		return replay_main(argc, argv);
	if (strcmp(cmd, "trace") == 0)
		return cmd_trace(argc, argv);
	fprintf(stderr, "netsim: unknown command '%s' (see 'netsim help')\n", cmd);
	return EXIT_BAD_INPUT;
}
