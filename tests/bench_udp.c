/*
 * tests/bench_udp.c - 64-byte UDP datagrams per wall-second from one host
 * to another through UDP, IP, ARP, Ethernet, the device layer, the NIC and
 * the wire, tracing off; and the peak RSS, which must not grow with the
 * count (run with 100000 and with 1000000 and compare).
 *
 * The sender is kernel-side (udp_send from a timer, softirq context), one
 * datagram every 5 us of virtual time: slower than either simulated CPU
 * needs, so every datagram goes the whole way to the receiver's sink.
 *
 * Usage: bench_udp [COUNT]   (default 1000000)
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "sim/sim.h"
#include "sim/wire.h"
#include "stack/host.h"
#include "stack/inet.h"
#include "stack/ipv4.h"
#include "stack/netdevice.h"
#include "stack/nic.h"
#include "stack/skbuff.h"
#include "stack/udp.h"

#define PAYLOAD 64
#define INTERVAL (5 * SIM_US)

struct bench {
	struct host *a, *b;
	uint32_t daddr;
	uint64_t left;
	uint64_t sent, delivered;
	uint8_t payload[PAYLOAD];
};

static void
sink(void *arg, struct sk_buff *skb, uint32_t saddr, uint16_t sport)
{
	struct bench *b = arg;
	b->delivered++;
}

static void
send_one(struct sim *sim, void *a, void *unused)
{
	struct bench *b = a;
	if (udp_send(b->a, 0, 5000, b->daddr, 9, b->payload, PAYLOAD) == 0)
		b->sent++;
	if (--b->left)
		sim_schedule(sim, INTERVAL, send_one, b, NULL);
}

static struct net_device *
add_nic(struct host *h, struct wire *w, int side, const char *addr)
{
	struct nic *nic = nic_new(h, "eth0", NULL, NULL);
	nic_connect(nic, w, side);
	struct net_device *dev = nic_dev(nic);
	if (dev_open(dev) != 0)
		g_error("dev_open failed");
	GError *error = NULL;
	if (!inet_set_address_text(dev, addr, &error))
		g_error("%s", error->message);
	return dev;
}

int
main(int argc, char **argv)
{
	uint64_t count = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
	if (count == 0)
		count = 1;
	struct sim *sim = sim_new(1);
	struct skb_pool *pool = skb_pool_new();
	struct bench b = { .left = count };
	GError *error = NULL;
	b.a = host_new(sim, NULL, pool, "a", 1);
	b.b = host_new(sim, NULL, pool, "b", 1);
	if (!inet_init(b.a, NULL, NULL, &error) || !inet_init(b.b, NULL, NULL, &error))
		g_error("%s", error->message);
	struct wire *w = wire_new(sim, "l1", NULL, 1);
	add_nic(b.a, w, 0, "10.0.0.1/24");
	add_nic(b.b, w, 1, "10.0.0.2/24");
	b.daddr = 0x0a000002;
	if (udp_test_sink(b.b, 9, sink, &b) != 0)
		g_error("sink");
	for (int i = 0; i < PAYLOAD; i++)
		b.payload[i] = (uint8_t)i;

	sim_schedule(sim, SIM_MS, send_one, &b, NULL);
	gint64 t0 = g_get_monotonic_time();
	sim_run_until(sim, SIM_MS + (sim_time_t)count * INTERVAL + 100 * SIM_MS);
	gint64 t1 = g_get_monotonic_time();
	double secs = (double)(t1 - t0) / 1e6;

	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("bench_udp: %" G_GUINT64_FORMAT " datagrams of %d bytes sent, %" G_GUINT64_FORMAT
	       " delivered, %.3f s wall, %.0f datagrams/s, %" G_GUINT64_FORMAT
	       " events, peak RSS %ld KiB\n",
	       b.sent, PAYLOAD, b.delivered, secs, (double)b.delivered / secs,
	       sim_events_dispatched(sim), ru.ru_maxrss);
	int rc = 0;
	if (b.delivered != count) {
		fprintf(stderr,
			"bench_udp: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
			" datagrams lost\n",
			count - b.delivered, count);
		rc = 1;
	}
	host_free(b.a);
	host_free(b.b);
	wire_free(w);
	skb_pool_free(pool);
	sim_free(sim);
	return rc;
}
