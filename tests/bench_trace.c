/*
 * tests/bench_trace.c - how fast the trace recorder writes skb_events rows.
 *
 * Writes one million skb_events rows (a realistic mix of ops, layers and
 * queues) to a database file in a temporary directory at full level, three
 * times, and reports the median rows per wall-second for the writing
 * (issue 3 asks for at least one million), and separately the time
 * trace_close takes to build the indexes, and the peak memory (which must
 * not grow with the number of rows).  `make bench` runs it.
 * Usage: bench_trace [ROWS]
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

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

struct bench_result {
	double rate;	/* rows per second, writing */
	double close_s; /* seconds in trace_close */
	double total;	/* rows per second, writing and closing */
	double bytes;	/* file size */
};

/* One run: @rows skb_events rows into a fresh database in @dir. */
static bool
bench_run(const char *dir, uint64_t rows, struct bench_result *out)
{
	g_autofree char *path = g_build_filename(dir, "bench.db", NULL);
	GError *error = NULL;
	struct sim *sim = sim_new(1);
	struct trace *tr = trace_open(path, TRACE_FULL, true, &error);

	if (!tr) {
		fprintf(stderr, "bench_trace: %s\n", error->message);
		return false;
	}
	trace_begin_run(tr, "bench", "", 1, PACKAGE_VERSION, NULL);
	struct trace_host *h = trace_host_add(tr, sim, NULL, "bench");

	uint64_t before = trace_rows(tr); /* the hosts row */
	gint64 t0 = g_get_monotonic_time();
	for (uint64_t skb = 1; trace_rows(tr) - before < rows; skb++)
		bench_one_skb(h, skb);
	bool ok = trace_flush(tr, &error);
	gint64 t1 = g_get_monotonic_time();
	uint64_t written = trace_rows(tr) - before;
	ok = trace_close(tr, true, ok ? &error : NULL) && ok;
	gint64 t2 = g_get_monotonic_time();
	if (!ok) {
		fprintf(stderr, "bench_trace: %s\n", error->message);
		return false;
	}

	GStatBuf st;
	g_stat(path, &st);
	out->rate = (double)written / ((double)(t1 - t0) / 1e6);
	out->close_s = (double)(t2 - t1) / 1e6;
	out->total = (double)written / ((double)(t2 - t0) / 1e6);
	out->bytes = (double)st.st_size;
	g_remove(path);
	sim_free(sim);
	return true;
}

static int
result_cmp(const void *a, const void *b)
{
	double x = ((const struct bench_result *)a)->rate,
	       y = ((const struct bench_result *)b)->rate;
	return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
	enum { RUNS = 3 };
	uint64_t rows = argc > 1 ? g_ascii_strtoull(argv[1], NULL, 10) : 1000000;
	g_autofree char *dir = g_dir_make_tmp("netsim-bench-trace-XXXXXX", NULL);
	struct bench_result r[RUNS];
	struct rusage ru;

	for (int i = 0; i < RUNS; i++)
		if (!bench_run(dir, rows, &r[i]))
			return 1;
	g_rmdir(dir);
	qsort(r, RUNS, sizeof r[0], result_cmp);
	getrusage(RUSAGE_SELF, &ru);
	printf("trace: %" G_GUINT64_FORMAT " skb_events rows to disk, median %.2f M rows/s"
	       " (min %.2f, max %.2f, %d runs)\n",
	       rows, r[RUNS / 2].rate / 1e6, r[0].rate / 1e6, r[RUNS - 1].rate / 1e6, RUNS);
	printf("trace: close (indexes, run row) %.2f s; with it %.2f M rows/s;"
	       " %.0f bytes/row; peak memory %.1f MiB\n",
	       r[RUNS / 2].close_s, r[RUNS / 2].total / 1e6, r[RUNS / 2].bytes / (double)rows,
	       (double)ru.ru_maxrss / 1024);
	return 0;
}
