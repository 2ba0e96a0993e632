/*
 * tests/bench_trace.c - how fast the trace recorder writes skb_events rows.
 *
 * Writes one million skb_events rows (a realistic mix of ops, layers and
 * queues) to a database file in a temporary directory at full level and
 * reports rows per wall-second for the writing, and separately the time
 * trace_close takes to build the indexes.  `make bench` runs it.
 * Usage: bench_trace [ROWS]
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "sim/sim.h"
#include "trace/trace.h"

/* One skb's trip up a receive path: eight rows. */
static void
bench_one_skb(struct trace_host *h, uint64_t skb)
{
	trace_alloc(h, skb, "nic", 2048);
	trace_copy(h, skb, "nic", COPY_DMA_FROM_DEV, 64);
	trace_enqueue(h, skb, "dev", "backlog", 1, 64);
	trace_dequeue(h, skb, "dev", "backlog", 0, 64);
	trace_pull(h, skb, "eth", 14, 78, 50);
	trace_handoff(h, skb, "ip", "ip_rcv", 78, 50);
	trace_handoff(h, skb, "udp", "udp_rcv", 98, 30);
	trace_free(h, skb, "udp");
}

int
main(int argc, char **argv)
{
	uint64_t rows = argc > 1 ? g_ascii_strtoull(argv[1], NULL, 10) : 1000000;
	g_autofree char *dir = g_dir_make_tmp("netsim-bench-trace-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "bench.db", NULL);
	GError *error = NULL;
	struct sim *sim = sim_new(1);
	struct trace *tr = trace_open(path, TRACE_FULL, false, &error);

	if (!tr) {
		fprintf(stderr, "bench_trace: %s\n", error->message);
		return 1;
	}
	trace_begin_run(tr, "bench", "", 1, PACKAGE_VERSION, NULL);
	struct trace_host *h = trace_host_add(tr, sim, NULL, "bench");

	gint64 t0 = g_get_monotonic_time();
	for (uint64_t skb = 1; trace_rows(tr) < rows; skb++)
		bench_one_skb(h, skb);
	if (!trace_flush(tr, &error)) {
		fprintf(stderr, "bench_trace: %s\n", error->message);
		return 1;
	}
	gint64 t1 = g_get_monotonic_time();
	uint64_t written = trace_rows(tr);
	if (!trace_close(tr, true, &error)) {
		fprintf(stderr, "bench_trace: %s\n", error->message);
		return 1;
	}
	gint64 t2 = g_get_monotonic_time();

	GStatBuf st;
	g_stat(path, &st);
	double secs = (double)(t1 - t0) / 1e6;
	printf("trace: %" G_GUINT64_FORMAT " skb_events rows in %.3f s: %.0f rows/s written to disk\n",
	       written, secs, (double)written / secs);
	printf("trace: close (indexes, run row) %.3f s; total %.0f rows/s; file %.1f MiB (%.0f bytes/row)\n",
	       (double)(t2 - t1) / 1e6, (double)written / ((double)(t2 - t0) / 1e6),
	       (double)st.st_size / (1 << 20), (double)st.st_size / (double)written);
	g_remove(path);
	g_rmdir(dir);
	sim_free(sim);
	return 0;
}
