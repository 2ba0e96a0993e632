/*
 * tests/bench_dev.c - frames per wall-second through the receive path:
 * NIC RX ring -> interrupt -> NAPI poll -> netif_receive_skb -> a null
 * handler, tracing off.  Frames are injected at the NIC at a rate the
 * simulated CPU can sustain, so every frame goes the whole way.
 */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "sim/sim.h"
#include "stack/eth.h"
#include "stack/host.h"
#include "stack/netdevice.h"
#include "stack/nic.h"
#include "stack/skbuff.h"

#define ETH_P_BENCH 0x88b5
#define FRAMES 1000000

struct bench {
	struct nic *nic;
	uint8_t frame[64];
	uint32_t left;
	uint64_t delivered;
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
inject(struct sim *sim, void *a, void *unused)
{
	struct bench *b = a;
	nic_rx_frame(b->nic, b->frame, sizeof(b->frame), 0);
	if (--b->left)
		sim_schedule(sim, 1 * SIM_US, inject, b, NULL);
}

int
main(void)
{
	static const uint8_t mac[ETH_ALEN] = { 0x02, 0, 0, 0, 0, 1 };
	struct sim *sim = sim_new(1);
	struct host *h = host_new(sim, NULL, NULL, "bench", 1);
	struct bench b = { .left = FRAMES };
	b.nic = nic_new(h, "eth0", mac, NULL);
	dev_open(nic_dev(b.nic));
	memcpy(b.frame, mac, ETH_ALEN);
	b.frame[12] = ETH_P_BENCH >> 8;
	b.frame[13] = ETH_P_BENCH & 0xff;
	struct packet_type pt = {
		.type = ETH_P_BENCH,
		.layer = LAYER_IP,
		.func_name = "null_rcv",
		.func = null_rcv,
		.priv = &b,
	};
	dev_add_pack(h, &pt);
	sim_schedule(sim, 0, inject, &b, NULL);

	gint64 t0 = g_get_monotonic_time();
	sim_run_until(sim, SIM_TIME_MAX / 2);
	double wall = (double)(g_get_monotonic_time() - t0) / 1e6;

	struct skb_pool_stats ps;
	skb_pool_stats(h->pool, &ps);
	printf("bench_dev: %" G_GUINT64_FORMAT " frames NIC RX -> NAPI -> null handler in %.3f s: "
	       "%.2f M frames/wall-s (%" G_GUINT64_FORMAT " events, %" G_GUINT64_FORMAT
	       " skb mallocs, %" G_GUINT64_FORMAT " NAPI polls)\n",
	       b.delivered, wall, (double)b.delivered / wall / 1e6, sim_events_dispatched(sim),
	       ps.skb_mallocs, nic_napi(b.nic)->polls);
	int ok = b.delivered == FRAMES;
	host_free(h);
	sim_free(sim);
	return ok ? 0 : 1;
}
