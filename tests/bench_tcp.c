/*
 * tests/bench_tcp.c - a bulk TCP transfer between two simulated processes
 * on two hosts over a 10 Gbit/s link with 100 us of one-way delay, tracing
 * off: wall-seconds for the whole transfer (the goal is 1 GB in at most 2 s)
 * and the peak RSS, which must stay flat as the size grows (compare 100 MB
 * with 1 GB).
 *
 * Both processes use 4 MB socket buffers (SO_SNDBUF / SO_RCVBUF), so the
 * window (RFC 7323 scaled) covers the bandwidth-delay product (250 KB).
 * The sender writes 64 KB at a time from one buffer; the sink reads 64 KB
 * at a time and checks nothing (the tests check the bytes).
 *
 * Usage: bench_tcp [BYTES [MTU [RATE [RX_RING]]]]
 *   (default 1000000000 bytes, MTU 1500, 10000000000 bit/s, 256 RX descriptors)
 *
 * A slower link or a larger RX ring keeps the one-CPU receiver from
 * dropping at the ring, so that two builds can be compared on the same
 * work: the line gives the data segments sent, the ACKs and the CPU items.
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "sim/cpu.h"
#include "sim/sim.h"
#include "sim/wire.h"
#include "stack/host.h"
#include "stack/inet.h"
#include "stack/ipv4.h"
#include "stack/netdevice.h"
#include "stack/nic.h"
#include "stack/skbuff.h"
#include "stack/socket.h"
#include "stack/tcp.h"

#define CHUNK 65536
#define BUF (4 * 1024 * 1024)

struct bench {
	uint64_t bytes;
	uint64_t sent, received;
	sim_time_t start, end;
	char buf[CHUNK];
	char rbuf[CHUNK];
};

static void
set_buffers(int fd)
{
	int v = BUF / 2; /* doubled by the kernel, as Linux */
	ns_setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof v);
	ns_setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof v);
}

static int
sink(struct proc *p, void *arg)
{
	struct bench *b = arg;
	int l = ns_socket(AF_INET, SOCK_STREAM, 0);
	set_buffers(l);
	struct sockaddr_in me = { .sin_family = AF_INET, .sin_port = htons(5001) };
	ns_bind(l, (struct sockaddr *)&me, sizeof me);
	ns_listen(l, 1);
	int c = ns_accept(l, NULL, NULL);
	ssize_t n;
	while ((n = ns_read(c, b->rbuf, CHUNK)) > 0)
		b->received += (uint64_t)n;
	b->end = ns_now();
	ns_close(c);
	ns_close(l);
	return 0;
}

static int
source(struct proc *p, void *arg)
{
	struct bench *b = arg;
	int s = ns_socket(AF_INET, SOCK_STREAM, 0);
	set_buffers(s);
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_port = htons(5001),
				  .sin_addr.s_addr = htonl(0x0a000002) };
	if (ns_connect(s, (struct sockaddr *)&to, sizeof to) != 0)
		g_error("bench_tcp: connect failed");
	b->start = ns_now();
	while (b->sent < b->bytes) {
		ssize_t n = ns_write(s, b->buf, (size_t)MIN((uint64_t)CHUNK, b->bytes - b->sent));
		if (n <= 0)
			break;
		b->sent += (uint64_t)n;
	}
	ns_close(s);
	return 0;
}

static void
add_nic(struct host *h, struct wire *w, int side, const char *addr, uint32_t mtu, uint32_t rx_ring)
{
	struct nic_config nc;
	nic_config_init(&nc);
	nc.mtu = mtu;
	nc.rx_ring = rx_ring;
	struct nic *nic = nic_new(h, "eth0", NULL, &nc);
	nic_connect(nic, w, side);
	if (dev_open(nic_dev(nic)) != 0)
		g_error("dev_open failed");
	GError *error = NULL;
	if (!inet_set_address_text(nic_dev(nic), addr, &error))
		g_error("%s", error->message);
}

int
main(int argc, char **argv)
{
	struct bench *b = g_new0(struct bench, 1);
	b->bytes = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000000ull;
	uint32_t mtu = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 1500;
	uint64_t rate = argc > 3 ? strtoull(argv[3], NULL, 10) : 10000000000ull;
	uint32_t rx_ring = argc > 4 ? (uint32_t)strtoul(argv[4], NULL, 10) : 256;
	for (int i = 0; i < CHUNK; i++)
		b->buf[i] = (char)(i % 251);
	struct sim *sim = sim_new(1);
	struct skb_pool *pool = skb_pool_new();
	GError *error = NULL;
	struct host *ha = host_new(sim, NULL, pool, "a", 1);
	struct host *hb = host_new(sim, NULL, pool, "b", 1);
	if (!inet_init(ha, NULL, NULL, &error) || !inet_init(hb, NULL, NULL, &error))
		g_error("%s", error->message);
	struct wire_config wc;
	wire_config_init(&wc);
	wc.rate = rate;
	wc.delay = 100 * SIM_US;
	wc.mtu = mtu;
	struct wire *w = wire_new(sim, "l1", &wc, 1);
	add_nic(ha, w, 0, "10.0.0.1/24", mtu, rx_ring);
	add_nic(hb, w, 1, "10.0.0.2/24", mtu, rx_ring);
	socket_host_init(ha);
	socket_host_init(hb);
	socket_spawn(hb, "sink", 0, sink, b);
	socket_spawn(ha, "source", SIM_MS, source, b);

	gint64 t0 = g_get_monotonic_time();
	while (b->end == 0 && sim_events_pending(sim) > 0)
		sim_run_until(sim, sim_now(sim) + SIM_S);
	gint64 t1 = g_get_monotonic_time();
	double secs = (double)(t1 - t0) / 1e6;
	double vsecs = (double)(b->end - b->start) / 1e9;

	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("bench_tcp: %" G_GUINT64_FORMAT " bytes, MTU %u, %.3f s wall, %.1f MB/s wall; "
	       "virtual %.4f s, %.2f Gbit/s goodput; %" G_GUINT64_FORMAT
	       " events, %" G_GUINT64_FORMAT " retransmitted segments; peak RSS %ld KiB\n",
	       b->received, mtu, secs, (double)b->received / secs / 1e6, vsecs,
	       (double)b->received * 8 / vsecs / 1e9, sim_events_dispatched(sim),
	       tcp_mib(ha)->retrans_segs, ru.ru_maxrss);
	uint64_t items[2] = { 0, 0 };
	for (enum cpu_ctx c = 0; c < CPU_NCTX; c++) {
		items[0] += cpu_items_run(ha->cpu, c);
		items[1] += cpu_items_run(hb->cpu, c);
	}
	printf("bench_tcp: %" G_GUINT64_FORMAT " segments sent, %" G_GUINT64_FORMAT
	       " from the receiver (its ACKs); CPU items %" G_GUINT64_FORMAT
	       " (sender) + %" G_GUINT64_FORMAT " (receiver)\n",
	       tcp_mib(ha)->out_segs, tcp_mib(hb)->out_segs, items[0], items[1]);
	int rc = b->received == b->bytes ? 0 : 1;
	if (rc)
		fprintf(stderr,
			"bench_tcp: only %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
			" bytes arrived\n",
			b->received, b->bytes);
	host_free(ha);
	host_free(hb);
	wire_free(w);
	skb_pool_free(pool);
	sim_free(sim);
	g_free(b);
	return rc;
}
