/*
 * apps/ping.c - ping: ICMP echo requests on a raw socket, round trips
 * measured from the time stamp each request carries (apps/ping.h).
 *
 * Linux counterpart: iputils ping (ping4_send_probe, ping4_parse_reply).
 * RFC 792: echo and echo reply; the identifier and sequence number match
 * replies to requests, and the data comes back unchanged.
 *
 * Position: a process -> ns_sendto on a SOCK_RAW/IPPROTO_ICMP socket ->
 * raw_sendmsg -> IP; the peer's icmp_echo answers; ip_local_deliver ->
 * raw_local_deliver gives this socket a copy of every ICMP datagram the
 * host receives (IP header included), so the program filters by type and
 * identifier, as ping does.
 *
 * Uses the C library's <netinet/ip_icmp.h> for the headers, never the
 * stack's: this is user-space code.
 */
#include "apps/ping.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <string.h>
#include "stack/socket.h"

#define PING_MAX_DATA (65535 - 20 - 8)
#define PING_TIMESTAMP 8 /* bytes of data holding the send time, as ping's struct timeval */

/* The Internet checksum (RFC 1071) of an ICMP message, as ping's in_cksum. */
static uint16_t
ping_cksum(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t sum = 0;
	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)(p[0] << 8 | p[1]);
	if (len)
		sum += (uint32_t)(p[0] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

/* ping uses its pid as the identifier; an app's name is as unique. */
static uint16_t
ping_ident(const struct app *a)
{
	return (uint16_t)(g_str_hash(app_name(a)) & 0xffff);
}

struct ping_run {
	uint16_t id;
	uint64_t received, icmp_errors;
	sim_time_t rtt_min, rtt_max;
	int reply_ttl;
	uint8_t seen[65536 / 8]; /* sequence numbers answered since they were sent */
};

static void
ping_send(struct app *a, struct ping_run *r, int s, const struct sockaddr_in *to, uint16_t seq,
	  size_t size)
{
	static __thread _Alignas(8) uint8_t pkt[8 + PING_MAX_DATA]; /* aligned for struct icmphdr */
	struct icmphdr *icmp = (struct icmphdr *)pkt;
	memset(pkt, 0, 8 + size);
	icmp->type = ICMP_ECHO;
	icmp->un.echo.id = htons(r->id);
	icmp->un.echo.sequence = htons(seq);
	for (size_t i = PING_TIMESTAMP; i < size; i++)
		pkt[8 + i] = (uint8_t)i; /* ping's fill pattern */
	if (size >= PING_TIMESTAMP) {
		int64_t now = ns_now();
		memcpy(pkt + 8, &now, sizeof now);
	}
	icmp->checksum = ping_cksum(pkt, 8 + size);
	r->seen[seq / 8] &= (uint8_t) ~(1u << (seq % 8));
	struct app_stats *st = app_stats_mut(a);
	ssize_t n = ns_sendto(s, pkt, 8 + size, 0, (const struct sockaddr *)to, sizeof *to);
	if (n < 0) {
		st->errors++;
		st->last_errno = errno;
		return;
	}
	st->tx_msgs++;
	st->tx_bytes += (uint64_t)n;
}

/* One datagram from the raw socket: an echo reply of ours, an error about
 * one of our requests, or someone else's ICMP (ignored). */
static void
ping_receive(struct app *a, struct ping_run *r, const uint8_t *buf, size_t n, uint32_t dst)
{
	if (n < sizeof(struct iphdr))
		return;
	const struct iphdr *ip = (const struct iphdr *)buf;
	size_t hl = (size_t)ip->ihl * 4;
	if (n < hl + 8)
		return;
	const struct icmphdr *icmp = (const struct icmphdr *)(buf + hl);
	size_t len = n - hl;
	if (icmp->type == ICMP_ECHOREPLY) {
		if (ntohs(icmp->un.echo.id) != r->id || ip->saddr != dst)
			return;
		uint16_t seq = ntohs(icmp->un.echo.sequence);
		if (r->seen[seq / 8] & (1u << (seq % 8)))
			return; /* a duplicate (ping prints DUP!) */
		r->seen[seq / 8] |= (uint8_t)(1u << (seq % 8));
		struct app_stats *st = app_stats_mut(a);
		sim_time_t now = ns_now();
		if (st->rx_msgs == 0)
			st->first_rx = now;
		st->last_rx = now;
		st->rx_msgs++;
		st->rx_bytes += len;
		r->received++;
		r->reply_ttl = ip->ttl;
		if (len >= 8 + PING_TIMESTAMP) {
			int64_t sent;
			memcpy(&sent, buf + hl + 8, sizeof sent);
			sim_time_t rtt = now - sent;
			st->rtt_sum += rtt;
			if (r->received == 1 || rtt < r->rtt_min)
				r->rtt_min = rtt;
			if (rtt > r->rtt_max)
				r->rtt_max = rtt;
		}
		return;
	}
	if (icmp->type != ICMP_DEST_UNREACH && icmp->type != ICMP_TIME_EXCEEDED)
		return;
	/* RFC 792: an error quotes the IP header and 8 bytes of the datagram */
	const uint8_t *q = buf + hl + 8;
	size_t qn = len - 8;
	if (qn < sizeof(struct iphdr))
		return;
	const struct iphdr *qip = (const struct iphdr *)q;
	size_t qhl = (size_t)qip->ihl * 4;
	if (qn < qhl + 8 || qip->protocol != IPPROTO_ICMP || qip->daddr != dst)
		return;
	const struct icmphdr *qicmp = (const struct icmphdr *)(q + qhl);
	if (qicmp->type != ICMP_ECHO || ntohs(qicmp->un.echo.id) != r->id)
		return;
	r->icmp_errors++;
	app_stats_mut(a)->errors++;
}

/* The figures so far: kept current, as the run may end while ping waits. */
static void
ping_figures(struct app *a, const struct ping_run *r, uint64_t sent)
{
	app_figure_set(a, "transmitted", (double)sent);
	app_figure_set(a, "received", (double)r->received);
	app_figure_set(a, "loss_pct",
		       sent ? 100.0 * (double)(sent - r->received) / (double)sent : 0);
	app_figure_set(a, "rtt_min_us", (double)r->rtt_min / 1e3);
	app_figure_set(a, "rtt_max_us", (double)r->rtt_max / 1e3);
	app_figure_set(a, "reply_ttl", r->reply_ttl);
	app_figure_set(a, "icmp_errors", (double)r->icmp_errors);
}

int
ping_main(struct app *a)
{
	static __thread _Alignas(8)
		uint8_t buf[65536]; /* scratch: never held across a blocking call */
	struct ping_run r;	    /* on this process's stack: two pings in a run keep their own */
	const struct app_config *c = app_config(a);
	struct app_stats *st = app_stats_mut(a);
	memset(&r, 0, sizeof r);
	r.id = ping_ident(a);
	sim_time_t interval = app_arg(a, "interval") ? c->interval : SIM_S;
	size_t size = app_arg(a, "size") ? MIN(c->size, (uint64_t)PING_MAX_DATA) : 56;
	sim_time_t linger = MAX(interval, SIM_S);
	struct sockaddr_in to = { .sin_family = AF_INET };
	to.sin_addr.s_addr = htonl(c->dst);

	int s = ns_socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	if (s < 0) {
		st->errors++;
		st->last_errno = errno;
		return 1;
	}
	uint64_t sent = 0;
	ping_figures(a, &r, sent);
	sim_time_t t0 = ns_now(), next = t0, last = t0;
	for (;;) {
		sim_time_t now = ns_now();
		bool more =
			(!c->count || sent < c->count) && (!c->duration || next - t0 < c->duration);
		if (more && now >= next) {
			ping_send(a, &r, s, &to, (uint16_t)(sent + 1), size);
			sent++;
			last = now;
			ping_figures(a, &r, sent);
			next += interval;
			continue;
		}
		sim_time_t until = more ? next : last + linger;
		if (!more && (r.received >= sent || now >= until))
			break;
		int ms = (int)MIN((until - now + SIM_MS - 1) / SIM_MS, (sim_time_t)G_MAXINT);
		struct pollfd pfd = { .fd = s, .events = POLLIN };
		if (ns_poll(&pfd, 1, MAX(ms, 1)) <= 0)
			continue;
		ssize_t n = ns_recvfrom(s, buf, sizeof buf, 0, NULL, NULL);
		if (n > 0) {
			ping_receive(a, &r, buf, (size_t)n, to.sin_addr.s_addr);
			ping_figures(a, &r, sent);
		}
	}
	ns_close(s);
	return 0;
}
