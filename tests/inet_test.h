/*
 * tests/inet_test.h - topologies for the Internet-protocol tests, built in
 * code from the device layer: hosts with the inet protocols, NICs, wires,
 * addresses and routes; and the teardown every fixture shares (no skb
 * alive, no event pending).  Header-only, static functions.
 *
 *   struct tnet *n = tnet_new(trace);
 *   struct host *a = tnet_host(n, "a", false);
 *   tnet_link(n, a, "eth0", "10.0.0.1/24", b, "eth0", "10.0.0.2/24");
 *   tnet_route(a, "default via 10.0.0.254");
 *   ... sim_run_until(n->sim, ...) ...
 *   tnet_free(n);   asserts conservation, no live skb, no pending event
 */
#ifndef NETSIM_TESTS_INET_TEST_H
#define NETSIM_TESTS_INET_TEST_H

#include <glib.h>
#include "sim/sim.h"
#include "sim/wire.h"
#include "stack/arp.h"
#include "stack/eth.h"
#include "stack/host.h"
#include "stack/icmp.h"
#include "stack/inet.h"
#include "stack/ipv4.h"
#include "stack/netdevice.h"
#include "stack/nic.h"
#include "stack/route.h"
#include "stack/skbuff.h"
#include "stack/udp.h"
#include "trace/trace.h"

#define TNET_MAX 16

struct tnet {
	struct sim *sim;
	struct skb_pool *pool;
	struct trace *tr;
	struct host *hosts[TNET_MAX];
	unsigned nhosts;
	struct wire *wires[TNET_MAX];
	unsigned nwires;
	unsigned next_mac;
};

static inline struct tnet *
tnet_new(bool trace)
{
	struct tnet *n = g_new0(struct tnet, 1);
	n->sim = sim_new(11);
	n->pool = skb_pool_new();
	if (trace) {
		GError *error = NULL;
		n->tr = trace_open(":memory:", TRACE_FULL, false, &error);
		g_assert_no_error(error);
		g_assert_true(trace_begin_run(n->tr, "inet-test", "", 11, "test", &error));
	}
	return n;
}

/* A host with ARP, IP, ICMP and UDP; @forwarding makes it a router. */
static inline struct host *
tnet_host(struct tnet *n, const char *name, bool forwarding)
{
	g_assert(n->nhosts < TNET_MAX);
	struct host *h = host_new(n->sim, n->tr, n->pool, name, 11);
	struct ip_config ic;
	ip_config_init(&ic);
	ic.forwarding = forwarding;
	GError *error = NULL;
	g_assert_true(inet_init(h, &ic, NULL, &error));
	n->hosts[n->nhosts++] = h;
	return h;
}

/* A NIC named @ifname on @h, up, with @addr ("10.0.0.1/24", or NULL). */
static inline struct net_device *
tnet_nic(struct tnet *n, struct host *h, const char *ifname, const char *addr, uint32_t mtu,
	 struct wire *w, int side)
{
	struct nic_config c;
	nic_config_init(&c);
	if (mtu)
		c.mtu = mtu;
	uint8_t mac[ETH_ALEN] = { 0x02, 0, 0, 0, 0, (uint8_t)++n->next_mac };
	struct nic *nic = nic_new(h, ifname, mac, &c);
	nic_connect(nic, w, side);
	struct net_device *dev = nic_dev(nic);
	g_assert_cmpint(dev_open(dev), ==, 0);
	if (addr) {
		GError *error = NULL;
		g_assert_true(inet_set_address_text(dev, addr, &error));
	}
	return dev;
}

/* A wire between @a's @ifa and @b's @ifb, both with MTU @mtu (0: 1500). */
static inline struct wire *
tnet_link_mtu(struct tnet *n, struct host *a, const char *ifa, const char *addra, struct host *b,
	      const char *ifb, const char *addrb, uint32_t mtu)
{
	g_assert(n->nwires < TNET_MAX);
	char name[16];
	g_snprintf(name, sizeof(name), "l%u", n->nwires + 1);
	struct wire *w = wire_new(n->sim, name, NULL, 11);
	n->wires[n->nwires++] = w;
	tnet_nic(n, a, ifa, addra, mtu, w, 0);
	tnet_nic(n, b, ifb, addrb, mtu, w, 1);
	return w;
}

static inline struct wire *
tnet_link(struct tnet *n, struct host *a, const char *ifa, const char *addra, struct host *b,
	  const char *ifb, const char *addrb)
{
	return tnet_link_mtu(n, a, ifa, addra, b, ifb, addrb, 0);
}

static inline void
tnet_route(struct host *h, const char *text)
{
	GError *error = NULL;
	if (!route_add_text(h, text, &error))
		g_error("route %s on %s: %s", text, h->name, error->message);
}

static inline uint32_t
tnet_addr(const char *text)
{
	uint32_t a = 0;
	g_assert_true(inet_addr_parse(text, &a));
	return a;
}

/* Run the world until @t from now. */
static inline void
tnet_run(struct tnet *n, sim_time_t t)
{
	sim_run_until(n->sim, sim_now(n->sim) + t);
}

/*
 * The shared teardown: every live skb sits on a named queue (conservation),
 * and after the hosts are gone no skb is alive and no event is pending.
 */
static inline void
tnet_free(struct tnet *n)
{
	for (unsigned i = 0; i < n->nhosts; i++) {
		GString *report = g_string_new(NULL);
		uint64_t loose = host_check_conservation(n->hosts[i], report);
		if (loose)
			g_error("host %s: %s", n->hosts[i]->name, report->str);
		g_string_free(report, TRUE);
	}
	for (unsigned i = 0; i < n->nhosts; i++)
		host_free(n->hosts[i]);
	for (unsigned i = 0; i < n->nwires; i++)
		wire_free(n->wires[i]);
	struct skb_pool_stats ps;
	skb_pool_stats(n->pool, &ps);
	g_assert_cmpuint(ps.live, ==, 0);
	skb_pool_free(n->pool);
	g_assert_cmpuint(sim_events_pending(n->sim), ==, 0);
	if (n->tr)
		g_assert_true(trace_close(n->tr, true, NULL));
	sim_free(n->sim);
	g_free(n);
}

/* ICMP messages seen by a host (icmp_set_test_hook). */
#define TICMP_MAX 64
struct ticmp {
	unsigned n;
	uint8_t type[TICMP_MAX], code[TICMP_MAX];
	uint32_t from[TICMP_MAX];
	uint16_t seq[TICMP_MAX];
	sim_time_t at[TICMP_MAX];
};

static inline void
ticmp_hook(void *arg, struct sk_buff *skb)
{
	struct ticmp *t = arg;
	if (t->n >= TICMP_MAX)
		return;
	const struct icmphdr *h = (const struct icmphdr *)skb->data;
	t->type[t->n] = h->type;
	t->code[t->n] = h->code;
	t->from[t->n] = g_ntohl(ip_hdr(skb)->saddr);
	t->seq[t->n] = g_ntohs(h->un.echo.sequence);
	t->at[t->n] = sim_now(skb->host->sim);
	t->n++;
}

/* Datagrams received by a UDP test sink. */
struct tsink {
	unsigned n;
	uint64_t bytes;
	uint32_t last_from;
	uint16_t last_port;
	uint8_t last[4096];
	uint32_t last_len;
};

static inline void
tsink_fn(void *arg, struct sk_buff *skb, uint32_t saddr, uint16_t sport)
{
	struct tsink *s = arg;
	s->n++;
	s->bytes += skb->len;
	s->last_from = saddr;
	s->last_port = sport;
	s->last_len = MIN(skb->len, (uint32_t)sizeof(s->last));
	memcpy(s->last, skb->data, s->last_len);
}

/*
 * Build an Ethernet + IPv4 frame into @buf carrying @l4 (@l4len bytes of
 * transport header and payload) for protocol @proto; returns its length.
 * When @udp_csum is set and @proto is UDP, the UDP checksum is filled in.
 */
static inline uint32_t
tframe_ip(uint8_t *buf, const struct net_device *to, uint32_t saddr, uint32_t daddr, uint8_t proto,
	  uint8_t ttl, uint16_t id, uint16_t frag_off, const uint8_t *l4, uint32_t l4len,
	  bool udp_csum)
{
	struct ethhdr *eh = (struct ethhdr *)buf;
	memcpy(eh->h_dest, to->dev_addr, ETH_ALEN);
	const uint8_t src[ETH_ALEN] = { 0x02, 0xee, 0, 0, 0, 1 };
	memcpy(eh->h_source, src, ETH_ALEN);
	eh->h_proto = g_htons(ETH_P_IP);
	struct iphdr *iph = (struct iphdr *)(buf + ETH_HLEN);
	ip_build_header(iph, saddr, daddr, proto, ttl, 0, (uint16_t)(IP_HLEN + l4len), id, false);
	iph->frag_off = g_htons(frag_off);
	iph->check = 0;
	iph->check = ip_fast_csum(iph, 5);
	uint8_t *p = buf + ETH_HLEN + IP_HLEN;
	memcpy(p, l4, l4len);
	if (udp_csum && proto == NS_IPPROTO_UDP) {
		struct udphdr *uh = (struct udphdr *)p;
		uh->check = 0;
		sum16_t c = csum_tcpudp_magic(saddr, daddr, l4len, NS_IPPROTO_UDP,
					      csum_partial(p, l4len, 0));
		uh->check = c ? c : 0xffff;
	}
	uint32_t len = ETH_HLEN + IP_HLEN + l4len;
	while (len < ETH_ZLEN)
		buf[len++] = 0;
	return len;
}

/* The frame arrives at @dev's NIC as if from its wire. */
static inline void
tframe_inject(struct net_device *dev, const uint8_t *frame, uint32_t len)
{
	nic_rx_frame(nic_from_dev(dev), frame, len, 0);
}

#endif
