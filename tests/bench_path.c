/*
 * tests/bench_path.c - the full device path between two hosts (make bench).
 *
 * Host a builds 64-byte Ethernet frames and sends them with
 * dev_queue_xmit: qdisc -> driver -> TX ring -> DMA -> wire -> host b's
 * NIC -> RX ring -> interrupt -> NAPI -> netif_receive_skb -> a null
 * handler.  Frames are paced so that neither CPU saturates and every frame
 * goes the whole way.  Three figures:
 *   1. frames per wall-second with tracing off;
 *   2. trace rows per wall-second with full SQLite tracing to a file;
 *   3. peak memory (max RSS) for 100k and 1M frames, each in a fresh
 *      process, which must not grow with the frame count.
 * Each timed figure is the median of 3 runs.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/cpu.h"
#include "sim/sim.h"
#include "sim/wire.h"
#include "stack/eth.h"
#include "stack/host.h"
#include "stack/netdevice.h"
#include "stack/nic.h"
#include "stack/skbuff.h"
#include "trace/trace.h"

#define ETH_P_BENCH 0x88b5

struct bench {
	struct host *a, *b;
	struct nic *na, *nb;
	uint64_t left, delivered;
};

static int
null_rcv(struct sk_buff *skb, struct net_device *dev, struct packet_type *pt)
{
	struct bench *b = pt->priv;
	b->delivered++;
	skb_consume(skb);
	return NET_RX_SUCCESS;
}

static void
send_one(struct sim *sim, void *arg, void *unused)
{
	struct bench *b = arg;
	struct net_device *dev = nic_dev(b->na);
	struct sk_buff *skb = skb_alloc(b->a, 128, LAYER_IP);
	skb_reserve(skb, 16);
	memset(skb_put(skb, 50), 0xab, 50);
	skb->dev = dev;
	eth_header(skb, dev, ETH_P_BENCH, nic_dev(b->nb)->dev_addr, NULL);
	dev_queue_xmit(skb);
	if (--b->left)
		sim_schedule(sim, 4 * SIM_US, send_one, b, NULL);
}

/* One run of @frames frames; returns wall seconds, *rows = trace rows.
 * With @counts it prints the engine events and CPU items on stderr, so
 * that two builds can be compared on the work they do (--frames N). */
static double
run(uint64_t frames, const char *db, uint64_t *rows, bool counts)
{
	g_autoptr(GError) err = NULL;
	struct sim *sim = sim_new(1);
	struct trace *tr = trace_open(db, db ? TRACE_FULL : TRACE_OFF, true, &err);
	g_assert(tr);
	struct skb_pool *pool = skb_pool_new();
	struct wire_config wc;
	wire_config_init(&wc);
	wc.rate = 10000000000ULL;
	struct wire *w = wire_new(sim, "l1", &wc, 1);
	struct bench b = { .left = frames };
	b.a = host_new(sim, tr, pool, "a", 1);
	b.b = host_new(sim, tr, pool, "b", 1);
	b.na = nic_new(b.a, "eth0", NULL, NULL);
	b.nb = nic_new(b.b, "eth0", NULL, NULL);
	nic_connect(b.na, w, 0);
	nic_connect(b.nb, w, 1);
	dev_open(nic_dev(b.na));
	dev_open(nic_dev(b.nb));
	struct packet_type pt = { .type = ETH_P_BENCH,
				  .layer = LAYER_IP,
				  .func_name = "null_rcv",
				  .func = null_rcv,
				  .priv = &b };
	dev_add_pack(b.b, &pt);
	sim_schedule(sim, 0, send_one, &b, NULL);

	gint64 t0 = g_get_monotonic_time();
	sim_run_until(sim, SIM_TIME_MAX / 2);
	if (!trace_flush(tr, &err))
		g_error("%s", err->message);
	double wall = (double)(g_get_monotonic_time() - t0) / 1e6;
	*rows = trace_rows(tr);
	if (counts) {
		uint64_t items[2] = { 0, 0 };
		for (enum cpu_ctx c = 0; c < CPU_NCTX; c++) {
			items[0] += cpu_items_run(b.a->cpu, c);
			items[1] += cpu_items_run(b.b->cpu, c);
		}
		fprintf(stderr,
			"bench_path: %" G_GUINT64_FORMAT " frames, %" G_GUINT64_FORMAT
			" events, CPU items %" G_GUINT64_FORMAT " (a) + %" G_GUINT64_FORMAT
			" (b)\n",
			frames, sim_events_dispatched(sim), items[0], items[1]);
	}
	if (b.delivered != frames)
		g_error("bench_path: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
			" frames delivered",
			b.delivered, frames);
	trace_close(tr, true, NULL);
	host_trace_detach(b.a);
	host_trace_detach(b.b);
	host_free(b.a);
	host_free(b.b);
	wire_free(w);
	skb_pool_free(pool);
	sim_free(sim);
	return wall;
}

static int
cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}

/* Max RSS in KiB of a child process running @frames frames. */
static long
child_maxrss(const char *self, uint64_t frames)
{
	pid_t pid = fork();
	if (pid == 0) {
		char n[32];
		snprintf(n, sizeof n, "%" G_GUINT64_FORMAT, frames);
		execl(self, self, "--frames", n, (char *)NULL);
		_exit(127);
	}
	int status;
	struct rusage ru;
	if (wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		g_error("bench_path: child for %" G_GUINT64_FORMAT " frames failed", frames);
	return ru.ru_maxrss;
}

int
main(int argc, char **argv)
{
	uint64_t rows;
	if (argc == 3 && strcmp(argv[1], "--frames") == 0) {
		run(g_ascii_strtoull(argv[2], NULL, 10), NULL, &rows, true);
		return 0;
	}
	const uint64_t n = 1000000;
	double fps[3], rps[3];
	for (int i = 0; i < 3; i++)
		fps[i] = (double)n / run(n, NULL, &rows, false);
	g_autofree char *dir = g_dir_make_tmp("netsim-bench-XXXXXX", NULL);
	g_autofree char *db = g_build_filename(dir, "trace.db", NULL);
	const uint64_t tn = 200000;
	for (int i = 0; i < 3; i++) {
		double wall = run(tn, db, &rows, false);
		rps[i] = (double)rows / wall;
	}
	g_unlink(db);
	g_rmdir(dir);
	qsort(fps, 3, sizeof fps[0], cmp_double);
	qsort(rps, 3, sizeof rps[0], cmp_double);
	printf("bench_path: %" G_GUINT64_FORMAT
	       " 64-byte frames host a -> host b, full device path, "
	       "tracing off: median %.2f M frames/wall-s (min %.2f, max %.2f)\n",
	       n, fps[1] / 1e6, fps[0] / 1e6, fps[2] / 1e6);
	printf("bench_path: %" G_GUINT64_FORMAT
	       " frames with full SQLite tracing: %" G_GUINT64_FORMAT
	       " rows, median %.2f M rows/wall-s (min %.2f, max %.2f)\n",
	       tn, rows, rps[1] / 1e6, rps[0] / 1e6, rps[2] / 1e6);
	long small = child_maxrss(argv[0], 100000), big = child_maxrss(argv[0], 1000000);
	printf("bench_path: peak RSS %ld KiB for 100k frames, %ld KiB for 1M frames (ratio %.2f)\n",
	       small, big, (double)big / (double)small);
	return 0;
}
