/*
 * apps/traceroute.c - traceroute, the classic way (apps/ping.h): UDP
 * probes to unlikely ports with TTL 1, 2, 3 ...; each router where the TTL
 * runs out answers with an ICMP time exceeded (RFC 792, RFC 1812 §5.3.1),
 * and the destination with an ICMP port unreachable, which ends the trace.
 *
 * Linux counterpart: traceroute(8) in its default UDP mode (Van Jacobson's
 * original); it sends three probes per hop, this one sends one.
 *
 * Position: a process -> ns_setsockopt(IP_TTL) + ns_sendto on a UDP
 * socket -> udp_sendmsg -> IP -> routers' ip_forward (TTL) / the
 * destination's udp_rcv (no socket: icmp_send port unreachable); the
 * answers come back through ip_local_deliver -> raw_local_deliver to the
 * raw ICMP socket, which sees every ICMP datagram the host receives: a
 * reply is matched to its probe by the UDP header it quotes.
 */
#include "apps/ping.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <string.h>
#include "stack/socket.h"

#define TRACEROUTE_PORT 33434 /* traceroute's default base port */
#define TRACEROUTE_MAX_HOPS 30
#define TRACEROUTE_DATA 32 /* default: 60-byte probe packets */

struct probe {
	uint32_t dst; /* network byte order, as in the headers */
	uint16_t sport, dport;
};

/*
 * If @buf (an IP datagram from the raw socket) is an ICMP time exceeded or
 * destination unreachable about probe @p, return its ICMP type and set
 * @from (network order); else -1.
 */
static int
traceroute_match(const uint8_t *buf, size_t n, const struct probe *p, uint32_t *from)
{
	if (n < sizeof(struct iphdr))
		return -1;
	const struct iphdr *ip = (const struct iphdr *)buf;
	size_t hl = (size_t)ip->ihl * 4;
	if (n < hl + 8)
		return -1;
	const struct icmphdr *icmp = (const struct icmphdr *)(buf + hl);
	if (icmp->type != ICMP_TIME_EXCEEDED && icmp->type != ICMP_DEST_UNREACH)
		return -1;
	/* RFC 792: the error quotes the probe's IP header and first 8 bytes (UDP) */
	const uint8_t *q = buf + hl + 8;
	size_t qn = n - hl - 8;
	if (qn < sizeof(struct iphdr))
		return -1;
	const struct iphdr *qip = (const struct iphdr *)q;
	size_t qhl = (size_t)qip->ihl * 4;
	if (qn < qhl + sizeof(struct udphdr) || qip->protocol != IPPROTO_UDP ||
	    qip->daddr != p->dst)
		return -1;
	const struct udphdr *qudp = (const struct udphdr *)(q + qhl);
	if (ntohs(qudp->uh_sport) != p->sport || ntohs(qudp->uh_dport) != p->dport)
		return -1;
	*from = ip->saddr;
	return icmp->type;
}

static void
traceroute_fail(struct app *a)
{
	app_stats_mut(a)->errors++;
	app_stats_mut(a)->last_errno = errno;
}

int
traceroute_main(struct app *a)
{
	static __thread _Alignas(8)
		uint8_t buf[65536]; /* scratch: never held across a blocking call */
	static __thread uint8_t data[65536];
	const struct app_config *c = app_config(a);
	struct app_stats *st = app_stats_mut(a);
	uint32_t base = app_arg(a, "port") ? c->port : TRACEROUTE_PORT;
	uint64_t max_hops = app_arg(a, "count") ? MIN(c->count, 255) : TRACEROUTE_MAX_HOPS;
	sim_time_t wait = app_arg(a, "interval") ? c->interval : SIM_S;
	size_t size = app_arg(a, "size") ? MIN(c->size, sizeof data) : TRACEROUTE_DATA;
	struct sockaddr_in to = { .sin_family = AF_INET };
	to.sin_addr.s_addr = htonl(c->dst);
	app_figure_set(a, "hops", 0);
	app_figure_set(a, "reached", 0);

	int udp = ns_socket(AF_INET, SOCK_DGRAM, 0);
	int icmp = ns_socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	struct sockaddr_in me = { .sin_family = AF_INET };
	socklen_t melen = sizeof me;
	if (udp < 0 || icmp < 0 || ns_bind(udp, (struct sockaddr *)&me, sizeof me) < 0 ||
	    ns_getsockname(udp, (struct sockaddr *)&me, &melen) < 0) {
		traceroute_fail(a);
		return 1;
	}
	struct probe p = { .dst = to.sin_addr.s_addr, .sport = ntohs(me.sin_port) };
	bool done = false;
	for (int ttl = 1; ttl <= (int)max_hops && !done; ttl++) {
		app_figure_set(a, "hops", ttl);
		if (ns_setsockopt(udp, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl) < 0) {
			traceroute_fail(a);
			break;
		}
		p.dport = (uint16_t)(base + (uint32_t)ttl - 1);
		to.sin_port = htons(p.dport);
		sim_time_t t0 = ns_now();
		ssize_t n = ns_sendto(udp, data, size, 0, (struct sockaddr *)&to, sizeof to);
		if (n < 0) {
			traceroute_fail(a);
			continue;
		}
		st->tx_msgs++;
		st->tx_bytes += (uint64_t)n;
		/* wait for this probe's answer; anything else on the raw socket is skipped */
		for (;;) {
			sim_time_t left = t0 + wait - ns_now();
			if (left <= 0)
				break; /* no answer: traceroute prints "*" */
			struct pollfd pfd = { .fd = icmp, .events = POLLIN };
			int ms = (int)MIN((left + SIM_MS - 1) / SIM_MS, (sim_time_t)G_MAXINT);
			if (ns_poll(&pfd, 1, ms) <= 0)
				continue;
			ssize_t r = ns_recvfrom(icmp, buf, sizeof buf, 0, NULL, NULL);
			uint32_t from;
			int type = r > 0 ? traceroute_match(buf, (size_t)r, &p, &from) : -1;
			if (type < 0)
				continue;
			sim_time_t rtt = ns_now() - t0;
			if (st->rx_msgs == 0)
				st->first_rx = ns_now();
			st->last_rx = ns_now();
			st->rx_msgs++;
			st->rx_bytes += (uint64_t)r;
			st->rtt_sum += rtt;
			char addr[INET_ADDRSTRLEN], name[64];
			inet_ntop(AF_INET, &from, addr, sizeof addr);
			snprintf(name, sizeof name, "hop%d.%s", ttl, addr);
			app_figure_set(a, name, 1);
			snprintf(name, sizeof name, "hop%d.rtt_us", ttl);
			app_figure_set(a, name, (double)rtt / 1e3);
			/* the destination's port unreachable ends it; so does any other
			 * unreachable (traceroute's !N, !H ...) */
			if (type == ICMP_DEST_UNREACH) {
				app_figure_set(a, "reached", from == p.dst);
				done = true;
			}
			break;
		}
	}
	ns_close(icmp);
	ns_close(udp);
	return 0;
}
