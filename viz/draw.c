/*
 * viz/draw.c - netsim draw: the command and rendering with libgvc.  The
 * walk of an skb between the places of a picture is in draw_walk.c, the
 * packet path in draw_path.c, the TCP ladder in draw_ladder.c, the stack
 * map in draw_stackmap.c.
 *
 * Rendering uses the Graphviz library, not the dot program: agmemread
 * parses the DOT text, gvLayout places it, gvRenderFilename writes it.
 *
 * Position: cli/netsim.c -> draw_main -> viz/vizdb.c -> SQLite, libgvc.
 */
#include "viz/draw.h"

#include <errno.h>
#include <fcntl.h>
#include <gvc.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "viz/draw_int.h"

enum { DRAW_OK = 0, DRAW_BAD_INPUT = 2 };

/* ---- small helpers every diagram uses ---- */

char *
draw_host_name(sqlite3 *db, int64_t id)
{
	g_autoptr(sqlite3_stmt) st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT name FROM hosts WHERE id = ?", -1, &st, NULL) ==
	    SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		if (sqlite3_step(st) == SQLITE_ROW)
			return g_strdup((const char *)sqlite3_column_text(st, 0));
	}
	return g_strdup_printf("host %" G_GINT64_FORMAT, id);
}

char *
draw_html(const char *s)
{
	return g_markup_escape_text(s ? s : "", -1);
}

char *
draw_time(int64_t ns)
{
	if (ns < 1000000)
		return g_strdup_printf("%.3f µs", (double)ns / 1e3);
	return g_strdup_printf("%.3f ms", (double)ns / 1e6);
}

/* ---- rendering ---- */

/*
 * The process's one Graphviz context, made on first use and never freed.
 * Graphviz 2.42's pango plugin remembers a pointer to the last font name it
 * measured, and gvFreeContext frees that name: a second context in the same
 * process (a second picture in a test) would read freed memory.  The
 * context holds plugins only, no diagram, so sharing it is safe.
 */
static GVC_t *
draw_gvc(void)
{
	static GVC_t *gvc;
	if (!gvc)
		gvc = gvContext();
	return gvc;
}

/*
 * Can a picture be written at @file?  Asked before anything is drawn: its
 * directory exists and is writable, and @file is not a directory.
 */
static bool
draw_check_output(const char *file, GError **error)
{
	g_autofree char *dir = g_path_get_dirname(file);
	struct stat st;

	if (*file == '\0' || g_str_has_suffix(file, "/")) {
		g_set_error(error, VIZ_ERROR, VIZ_ERROR_ARG, "'%s': name a picture file", file);
		return false;
	}
	if (stat(dir, &st) != 0) {
		int err = errno;
		g_set_error(error, VIZ_ERROR, VIZ_ERROR_RENDER, "%s: cannot write in %s: %s", file,
			    dir, g_strerror(err));
		return false;
	}
	if (!S_ISDIR(st.st_mode)) {
		g_set_error(error, VIZ_ERROR, VIZ_ERROR_RENDER, "%s: %s is not a directory", file,
			    dir);
		return false;
	}
	if (access(dir, W_OK | X_OK) != 0) {
		int err = errno;
		g_set_error(error, VIZ_ERROR, VIZ_ERROR_RENDER, "%s: cannot write in %s: %s", file,
			    dir, g_strerror(err));
		return false;
	}
	if (stat(file, &st) == 0 && !S_ISREG(st.st_mode)) {
		g_set_error(error, VIZ_ERROR, VIZ_ERROR_RENDER,
			    "%s: exists and is not a regular file", file);
		return false;
	}
	return true;
}

/*
 * Writes @len bytes to @file through a temporary file beside it and one
 * rename, so that @file is either the old picture or the whole new one,
 * never part of one (a full disk, a file-size limit).
 */
static bool
draw_write_file(const char *file, const char *data, size_t len, GError **error)
{
	g_autofree char *tmp = g_strconcat(file, ".tmp-XXXXXX", NULL);
	int fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0666);
	int err = 0;

	if (fd < 0) {
		err = errno;
		g_set_error(error, VIZ_ERROR, VIZ_ERROR_RENDER, "%s: cannot write the picture: %s",
			    file, g_strerror(err));
		return false;
	}
	mode_t mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) != 0)
		err = errno;
	for (size_t done = 0; !err && done < len;) {
		ssize_t n = write(fd, data + done, len - done);
		if (n < 0 && errno != EINTR)
			err = errno;
		else if (n > 0)
			done += (size_t)n;
	}
	if (close(fd) != 0 && !err)
		err = errno;
	if (!err && rename(tmp, file) != 0)
		err = errno;
	if (err) {
		unlink(tmp);
		g_set_error(error, VIZ_ERROR, VIZ_ERROR_RENDER,
			    "%s: cannot write the picture: %s (no picture was written)", file,
			    g_strerror(err));
		return false;
	}
	return true;
}

bool
draw_render(const char *dot, const char *engine, const char *file, GError **error)
{
	const char *dotpos = strrchr(file, '.');
	g_autofree char *ext = dotpos ? g_ascii_strdown(dotpos + 1, -1) : NULL;
	const char *format = NULL;

	if (ext && strcmp(ext, "svg") == 0)
		format = "svg";
	else if (ext && strcmp(ext, "png") == 0)
		format = "png";
	else if (ext && strcmp(ext, "pdf") == 0)
		format = "pdf";
	else if (ext && strcmp(ext, "dot") == 0)
		return draw_check_output(file, error) &&
			draw_write_file(file, dot, strlen(dot), error);
	if (!format) {
		g_set_error(error, VIZ_ERROR, VIZ_ERROR_ARG,
			    "%s: cannot tell the picture format; name the file .svg, .png, .pdf "
			    "(or .dot for the Graphviz source)",
			    file);
		return false;
	}
	if (!draw_check_output(file, error))
		return false;
	GVC_t *gvc = draw_gvc();
	Agraph_t *g = agmemread(dot);
	bool ok = false;
	if (!g) {
		g_set_error(error, VIZ_ERROR, VIZ_ERROR_RENDER,
			    "internal error: Graphviz could not "
			    "read the diagram it was given");
	} else if (gvLayout(gvc, g, engine) != 0) {
		g_set_error(error, VIZ_ERROR, VIZ_ERROR_RENDER, "Graphviz layout '%s' failed",
			    engine);
	} else {
		/* Rendered in memory and written here: Graphviz's own file
		 * output reports neither a missing directory nor a full disk. */
		char *data = NULL;
		unsigned int len = 0;
		if (gvRenderData(gvc, g, format, &data, &len) != 0 || !data || len == 0)
			g_set_error(error, VIZ_ERROR, VIZ_ERROR_RENDER,
				    "%s: Graphviz could not draw a %s picture", file, format);
		else
			ok = draw_write_file(file, data, len, error);
		if (data)
			gvFreeRenderData(data);
		gvFreeLayout(gvc, g);
	}
	if (g)
		agclose(g);
	return ok;
}

/* ---- the stack map ---- */

/* draw_stackmap_dot and the comparison of two runs are in draw_stackmap.c. */

/* ---- the command ---- */

/* netsim draw compare A.db B.db ... -o FILE: the stack maps side by side. */
static int
draw_compare(char **dbfiles, int n, char **hosts, const char *output)
{
	sqlite3 *dbs[4] = { 0 };
	g_autofree char *dot = NULL;
	g_autoptr(GError) error = NULL;
	const char *names[4];
	int status = DRAW_BAD_INPUT;

	if (n < 2 || n > 4) {
		fprintf(stderr, "netsim draw compare: give two to four trace databases\n");
		return DRAW_BAD_INPUT;
	}
	for (int i = 0; i < n; i++) {
		dbs[i] = vizdb_open(dbfiles[i], &error);
		if (!dbs[i])
			goto out;
		names[i] = strrchr(dbfiles[i], '/') ? strrchr(dbfiles[i], '/') + 1 : dbfiles[i];
	}
	struct draw_map_opts o = { .hosts = hosts };
	dot = draw_stackmaps_dot(dbs, names, n, &o, &error);
	if (dot && draw_render(dot, "dot", output, &error))
		status = DRAW_OK;
out:
	if (error)
		fprintf(stderr, "netsim draw: %s\n", error->message);
	for (int i = 0; i < n; i++)
		if (dbs[i])
			sqlite3_close(dbs[i]);
	return status;
}

int
draw_main(int argc, char **argv)
{
	gint64 skb = 0;
	gint nth = 1, max = 40;
	gboolean rows = FALSE, full = FALSE;
	g_autofree char *flow = NULL, *output = NULL, *hosts = NULL, *scale_from = NULL;
	g_autofree char *from = NULL, *to = NULL;
	const GOptionEntry entries[] = {
		{ "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
		  "Write the picture to FILE (.png, .svg, .pdf, or .dot for the source)", "FILE" },
		{ "skb", 0, 0, G_OPTION_ARG_INT64, &skb, "path: the skb to follow; buffer: the skb",
		  "N" },
		{ "flow", 0, 0, G_OPTION_ARG_STRING, &flow,
		  "path, ladder: the flow, tcp:ADDR:PORT-ADDR:PORT (udp:..., icmp:ADDR-ADDR for "
		  "path)",
		  "FLOW" },
		{ "nth", 0, 0, G_OPTION_ARG_INT, &nth,
		  "path --flow: the K-th packet the first endpoint sent (tcp: data segment)", "K" },
		{ "max", 0, 0, G_OPTION_ARG_INT, &max, "ladder: at most N segments (default 40)",
		  "N" },
		{ "full", 0, 0, G_OPTION_ARG_NONE, &full,
		  "ladder: every segment, no grey bands for runs of steady-state segments", NULL },
		{ "hosts", 0, 0, G_OPTION_ARG_STRING, &hosts,
		  "stackmap, compare: only these hosts (names or numbers, comma-separated)",
		  "H1,H2" },
		{ "scale-from", 0, 0, G_OPTION_ARG_FILENAME, &scale_from,
		  "stackmap: scale edge widths to this run too, so that two maps compare", "DB" },
		{ "from", 0, 0, G_OPTION_ARG_STRING, &from,
		  "cpu: the window's start (2.5ms, 250us, 1s; default: the first busy moment)",
		  "TIME" },
		{ "to", 0, 0, G_OPTION_ARG_STRING, &to,
		  "cpu: the window's end (default: 1 ms later)", "TIME" },
		{ NULL },
	};
	g_autoptr(GOptionContext) ctx =
		g_option_context_new("DB path|stackmap|ladder|cwnd|cpu|buffer | compare A.db B.db");
	g_autoptr(GError) error = NULL;
	g_autofree char *dot = NULL;
	g_auto(GStrv) host_list = NULL;
	g_autoptr(sqlite3) other = NULL;
	const char *engine = "dot";

	g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_set_summary(
		ctx,
		"Draw a diagram of the trace database DB with Graphviz:\n"
		"  path      one skb through the layers of every host it crosses\n"
		"  stackmap  every host's layers, coloured by the skbs that crossed them\n"
		"  ladder    the time-sequence diagram of one TCP connection\n"
		"  cwnd      a TCP sender's cwnd, ssthresh and bytes in flight over time\n"
		"  cpu       per host, what the CPU did in each context, to scale\n"
		"  buffer    one skb's head, data, tail and end at each step (seed Figure 4)\n"
		"  compare   (netsim draw compare A.db B.db) two runs' stack maps on one "
		"scale");
	g_option_context_set_description(
		ctx,
		"Examples:\n"
		"  netsim draw out.db path --skb 42 -o path.png\n"
		"  netsim draw out.db path --flow "
		"tcp:10.0.0.1:40000-10.0.0.2:80 --nth 3 -o seg3.svg\n"
		"  netsim draw out.db stackmap --hosts bob,dave -o map.png\n"
		"  netsim draw compare low.db high.db -o both.png\n"
		"  netsim draw out.db ladder --flow "
		"tcp:10.0.0.1:40000-10.0.0.2:80 -o ladder.svg\n"
		"  netsim draw out.db buffer --skb 42 -o buffer.svg\n");
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		fprintf(stderr, "netsim draw: %s\n", error->message);
		return DRAW_BAD_INPUT;
	}
	if (hosts)
		host_list = g_strsplit(hosts, ",", -1);
	if (argc >= 3 && strcmp(argv[2], "compare") == 0) {
		if (!output) {
			fprintf(stderr,
				"netsim draw: say where to write the picture with -o "
				"FILE.png|.svg|.pdf\n");
			return DRAW_BAD_INPUT;
		}
		return draw_compare(argv + 3, argc - 3, host_list, output);
	}
	if (argc != 4) {
		fprintf(stderr,
			"netsim draw: expected DB and one of path, stackmap, ladder, cwnd, cpu, "
			"buffer "
			"(see 'netsim draw --help')\n");
		return DRAW_BAD_INPUT;
	}
	const char *what = argv[3];
	if (!output) {
		fprintf(stderr,
			"netsim draw: say where to write the picture with -o FILE.png|.svg|.pdf\n");
		return DRAW_BAD_INPUT;
	}
	if (strcmp(what, "path") != 0 && strcmp(what, "stackmap") != 0 &&
	    strcmp(what, "ladder") != 0 && strcmp(what, "cpu") != 0 && strcmp(what, "cwnd") != 0 &&
	    strcmp(what, "buffer") != 0) {
		fprintf(stderr,
			"netsim draw: unknown diagram '%s' (path, stackmap, ladder, cwnd, cpu or "
			"buffer)\n",
			what);
		return DRAW_BAD_INPUT;
	}
	/* Before the work: a picture that cannot be written is not worth drawing. */
	if (!draw_check_output(output, &error)) {
		fprintf(stderr, "netsim draw: %s\n", error->message);
		return DRAW_BAD_INPUT;
	}
	struct draw_cpu_opts co = { .from_ns = -1, .to_ns = -1, .hosts = host_list };
	if ((from && !draw_parse_time(from, &co.from_ns)) ||
	    (to && !draw_parse_time(to, &co.to_ns))) {
		fprintf(stderr, "netsim draw: --from/--to: a time such as 2.5ms, 250us, 1s\n");
		return DRAW_BAD_INPUT;
	}
	g_autoptr(sqlite3) db = vizdb_open(argv[2], &error);
	if (!db)
		goto fail;
	struct viz_flow f;
	if (flow && !vizdb_flow_parse(db, flow, &f, &error))
		goto fail;
	if (strcmp(what, "cpu") == 0) {
		engine = "neato";
		dot = draw_cpu_dot(db, &co, &error);
	} else if (strcmp(what, "cwnd") == 0) {
		if (!flow || strcmp(f.proto, "tcp") != 0) {
			fprintf(stderr,
				"netsim draw cwnd: give the connection with --flow "
				"tcp:ADDR:PORT-ADDR:PORT (its first endpoint sends)\n");
			return DRAW_BAD_INPUT;
		}
		engine = "neato";
		dot = draw_cwnd_dot(db, &f, co.from_ns, co.to_ns, &error);
	} else if (strcmp(what, "stackmap") == 0) {
		if (scale_from && !(other = vizdb_open(scale_from, &error)))
			goto fail;
		struct draw_map_opts o = { .hosts = host_list, .scale_from = other };
		const char *name = "";
		dot = draw_stackmaps_dot(&db, &name, 1, &o, &error);
	} else if (strcmp(what, "buffer") == 0) {
		if (flow && !vizdb_flow_nth(db, &f, nth, &skb, &error))
			goto fail;
		if (skb <= 0) {
			fprintf(stderr,
				"netsim draw buffer: say which skb with --skb N or --flow\n");
			return DRAW_BAD_INPUT;
		}
		engine = "neato";
		dot = draw_buffer_dot(db, skb, &error);
	} else if (strcmp(what, "ladder") == 0) {
		if (!flow || strcmp(f.proto, "tcp") != 0) {
			fprintf(stderr,
				"netsim draw ladder: give the connection with --flow "
				"tcp:ADDR:PORT-ADDR:PORT\n");
			return DRAW_BAD_INPUT;
		}
		engine = "neato";
		struct draw_ladder_opts lo = { .max = max,
					       .from_ns = co.from_ns,
					       .to_ns = co.to_ns,
					       .rows = rows,
					       .full = full };
		dot = draw_ladder_dot_opts(db, &f, &lo, &error);
	} else {
		if (flow && !vizdb_flow_nth(db, &f, nth, &skb, &error))
			goto fail;
		if (skb <= 0) {
			fprintf(stderr,
				"netsim draw path: say which packet with --skb N or --flow\n");
			return DRAW_BAD_INPUT;
		}
		dot = draw_path_dot(db, skb, &error);
	}
	if (!vizdb_verify(db, &error) || !dot || !draw_render(dot, engine, output, &error))
		goto fail;
	return DRAW_OK;
fail:
	if (db)
		vizdb_verify(db, &error); /* a damaged file explains a "not found" */
	fprintf(stderr, "netsim draw: %s\n", error->message);
	return DRAW_BAD_INPUT;
}
