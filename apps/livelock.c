/*
 * apps/livelock.c - flood and sink, the load and the measuring end of the
 * receive-livelock homework (apps/livelock.h, docs/homework-livelock.md).
 *
 * Position: app_start -> a process -> these -> the socket API.  flood
 * stamps each datagram with a sequence number and its send time; sink
 * keeps a histogram of latencies and reports percentiles as app figures.
 */
#include "apps/livelock.h"

#include <arpa/inet.h>
#include <math.h>
#include <string.h>
#include "apps/arrival.h"
#include "stack/socket.h"

#define LL_BUF 65536
#define LL_STAMP 16		     /* bytes: sequence number, send time */
#define LAT_STEPS 16		     /* histogram buckets per doubling: 4.4% wide */
#define LAT_BUCKETS (LAT_STEPS * 44) /* up to 2^44 ns, about 4.9 hours */
#define LAT_REFRESH (1000 * 1000)    /* figures are refreshed each ms of arrivals */

struct stamp {
	uint64_t seq;
	int64_t sent;
};

/* A latency histogram, kept by the sink process. */
struct lat_hist {
	uint64_t count[LAT_BUCKETS];
	uint64_t n, max_seq_seen, seen;
	double sum_ns;
	int64_t max_ns;
	int64_t refreshed;
};

static int
lat_bucket(int64_t ns)
{
	if (ns < 1)
		return 0;
	int b = (int)(log2((double)ns) * LAT_STEPS);
	return b < LAT_BUCKETS ? b : LAT_BUCKETS - 1;
}

/* The geometric middle of bucket @b, in microseconds. */
static double
lat_bucket_us(int b)
{
	return exp2(((double)b + 0.5) / LAT_STEPS) / 1e3;
}

static double
lat_percentile(const struct lat_hist *h, double p)
{
	uint64_t want = (uint64_t)ceil(p * (double)h->n), acc = 0;
	if (want == 0)
		want = 1;
	for (int b = 0; b < LAT_BUCKETS; b++) {
		acc += h->count[b];
		if (acc >= want)
			return lat_bucket_us(b);
	}
	return 0;
}

static void
lat_report(struct app *a, const struct lat_hist *h)
{
	if (h->n == 0)
		return;
	app_figure_set(a, "lat_p50_us", lat_percentile(h, 0.50));
	app_figure_set(a, "lat_p90_us", lat_percentile(h, 0.90));
	app_figure_set(a, "lat_p99_us", lat_percentile(h, 0.99));
	app_figure_set(a, "lat_max_us", (double)h->max_ns / 1e3);
	app_figure_set(a, "lat_mean_us", h->sum_ns / (double)h->n / 1e3);
	app_figure_set(a, "lost", (double)(h->max_seq_seen + 1 - h->seen));
}

static struct sockaddr_in
ll_sin(uint32_t addr, uint32_t port)
{
	struct sockaddr_in s = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	s.sin_addr.s_addr = htonl(addr);
	return s;
}

int
flood_main(struct app *a)
{
	static __thread char buf[LL_BUF];
	const struct app_config *c = app_config(a);
	struct app_stats *st = app_stats_mut(a);
	size_t size = MAX(c->size, (uint64_t)LL_STAMP);
	int s = ns_socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in to = ll_sin(c->dst, c->port);
	struct arrival ar;
	arrival_init_app(&ar, a);
	sim_time_t t0 = ns_now();
	for (uint64_t i = 0; !c->count || i < c->count; i++) {
		sim_time_t due = t0 + arrival_next(&ar);
		if (c->duration && due - t0 >= c->duration)
			break;
		if (due > ns_now())
			ns_sleep(due - ns_now());
		struct stamp stamp = { .seq = i, .sent = ns_now() };
		memcpy(buf, &stamp, sizeof stamp);
		ssize_t n = ns_sendto(s, buf, size, 0, (struct sockaddr *)&to, sizeof to);
		if (n < 0) {
			st->errors++;
			continue;
		}
		st->tx_msgs++;
		st->tx_bytes += (uint64_t)n;
		if ((st->tx_msgs & 1023) == 0 && ns_now() > t0)
			app_figure_set(a, "offered_pps",
				       (double)st->tx_msgs * 1e9 / (double)(ns_now() - t0));
	}
	if (ns_now() > t0)
		app_figure_set(a, "offered_pps",
			       (double)st->tx_msgs * 1e9 / (double)(ns_now() - t0));
	ns_close(s);
	return 0;
}

int
sink_main(struct app *a)
{
	static __thread char buf[LL_BUF];
	const struct app_config *c = app_config(a);
	struct app_stats *st = app_stats_mut(a);
	struct lat_hist hist = { 0 }, *h = &hist; /* on the process's stack: dies with it */
	int s = ns_socket(AF_INET, SOCK_DGRAM, 0);
	int one = 1;
	ns_setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (c->rcvbuf) {
		int v = (int)c->rcvbuf;
		ns_setsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, sizeof v);
	}
	struct sockaddr_in me = ll_sin(0, c->port);
	if (ns_bind(s, (struct sockaddr *)&me, sizeof me) < 0) {
		st->errors++;
		return 1;
	}
	for (;;) {
		ssize_t n = ns_recv(s, buf, sizeof buf, 0);
		if (n < 0) {
			st->errors++;
			continue;
		}
		int64_t now = ns_now();
		if (st->rx_msgs == 0)
			st->first_rx = now;
		st->last_rx = now;
		st->rx_msgs++;
		st->rx_bytes += (uint64_t)n;
		if (n >= LL_STAMP) {
			struct stamp stamp;
			memcpy(&stamp, buf, sizeof stamp);
			int64_t lat = now - stamp.sent;
			h->count[lat_bucket(lat)]++;
			h->n++;
			h->sum_ns += (double)lat;
			h->max_ns = MAX(h->max_ns, lat);
			h->seen++;
			h->max_seq_seen = MAX(h->max_seq_seen, stamp.seq);
			if (now - h->refreshed >= LAT_REFRESH || h->n < 16) {
				h->refreshed = now;
				lat_report(a, h);
			}
		}
		ns_app_packet();
	}
}
