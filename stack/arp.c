/*
 * stack/arp.c - ARP and the neighbour table.
 *
 * Linux counterpart: net/ipv4/arp.c (arp_rcv, arp_process, arp_send,
 * arp_solicit, arp_error_report), net/core/neighbour.c (neigh_resolve_output,
 * __neigh_event_send, neigh_update, neigh_timer_handler).  RFC 826, RFC 5227.
 *
 * Position in the call chain:
 *   ip_finish_output2 -> neigh_output -> eth_header -> dev_queue_xmit
 *                                    \-> arp_queue (unresolved) -> arp_send
 *   netif_receive_skb -> arp_rcv -> neigh_update -> (queued skbs) dev_queue_xmit
 *
 * One struct neighbour per (device, IPv4 address) in a GHashTable.  The
 * REACHABLE -> STALE transition is computed when an entry is used (Linux
 * does it from a timer; the answers are the same).  Each entry has at most
 * one timer: the request retransmission while INCOMPLETE, else the garbage
 * collection of an entry unused for gc_stale_time.  See arp.h for the
 * states and docs/network-layer.md for the differences from Linux.
 */
#include "stack/arp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include "stack/eth.h"
#include "stack/host.h"
#include "stack/icmp.h"
#include "stack/inet.h"
#include "stack/ipv4.h"
#include "trace/trace.h"

struct neighbour {
	uint64_t key; /* ifindex << 32 | ip: the hash key */
	struct neigh_table *tbl;
	struct net_device *dev;
	uint32_t ip;
	uint8_t ha[ETH_ALEN];
	enum nud_state nud;
	sim_time_t confirmed; /* last reply or request from it */
	sim_time_t used;      /* last output through it */
	sim_time_t probed;    /* last request sent */
	uint32_t probes;      /* requests sent while INCOMPLETE */
	sim_event_id timer;
	struct sk_buff_head arp_queue; /* skbs waiting for resolution */
};

struct neigh_table {
	/* what neigh_output reads and bumps for every packet, in one line
	 * (at 1000 hosts the table is cold when its host sends again) */
	struct neighbour *last; /* the entry neigh_find found last, or NULL */
	/* the entry neigh_output sent through last, or NULL: its address
	 * passed the broadcast test, and inet_set_address (neigh_addr_changed)
	 * and neigh_destroy forget it */
	struct neighbour *out_last;
	sim_time_t reachable_time; /* drawn from base_reachable_time */
	struct neigh_stats stats;  /* lookups, hits first */
	struct host *host;
	struct neigh_config cfg;
	GHashTable *hash; /* &key -> struct neighbour */
	struct packet_type pt;
};

static const char *const nud_names[] = {
	[NUD_NONE] = "none",   [NUD_INCOMPLETE] = "incomplete", [NUD_REACHABLE] = "reachable",
	[NUD_STALE] = "stale", [NUD_FAILED] = "failed",		[NUD_PERMANENT] = "permanent",
};

const char *
nud_state_name(enum nud_state s)
{
	return (unsigned)s < G_N_ELEMENTS(nud_names) ? nud_names[s] : "?";
}

/* ---- settings ----------------------------------------------------------------- */

#define NKEY(key, field, type, lo, hi, doc)                                              \
	{                                                                                \
		key, type, offsetof(struct neigh_config, field), lo, hi, 0, 0, NULL, doc \
	}

const struct conf_key neigh_conf_keys[] = {
	NKEY("base_reachable_time", base_reachable_time, CONF_DURATION, SIM_MS, 3600 * SIM_S,
	     "an ARP entry stays reachable for a random time in [t/2, 3t/2] (30s)"),
	NKEY("retrans_time", retrans_time, CONF_DURATION, SIM_MS, 60 * SIM_S,
	     "time between ARP requests for an unresolved address (1s)"),
	NKEY("mcast_solicit", mcast_solicit, CONF_UINT32, 1, 100,
	     "ARP requests sent before resolution fails (3)"),
	NKEY("unres_qlen", unres_qlen, CONF_UINT32, 1, 1000000,
	     "packets queued per unresolved address; the oldest is dropped beyond (101)"),
	NKEY("gc_stale_time", gc_stale_time, CONF_DURATION, SIM_S, 86400 * SIM_S,
	     "an unused stale ARP entry is removed after this (60s)"),
	NKEY("arp_announce", gratuitous, CONF_BOOL, 0, 1,
	     "send a gratuitous ARP when an address is set on an up interface (on)"),
	{ NULL },
};

void
neigh_config_init(struct neigh_config *c)
{
	*c = (struct neigh_config){
		.base_reachable_time = 30 * SIM_S,
		.retrans_time = 1 * SIM_S,
		.mcast_solicit = 3,
		.unres_qlen = 101,
		.gc_stale_time = 60 * SIM_S,
		.gratuitous = true,
	};
}

struct neigh_config *
neigh_host_config(struct host *host)
{
	g_assert(host->arp != NULL);
	return &host->arp->cfg;
}

/* ---- entries ----------------------------------------------------------------- */

static void neigh_timer(struct sim *sim, void *a, void *b);

static void
neigh_destroy(gpointer p)
{
	struct neighbour *n = p;
	struct neigh_table *tbl = n->tbl;
	if (tbl->last == n)
		tbl->last = NULL;
	if (tbl->out_last == n)
		tbl->out_last = NULL;
	sim_cancel(tbl->host->sim, n->timer);
	skb_queue_purge(&n->arp_queue, SKB_DROP_QUEUE_PURGE);
	tbl->stats.destroys++;
	tbl->stats.entries--;
	g_aligned_free(n);
}

/*
 * The entry for (@dev, @ip), or NULL.  A host's output mostly goes to one
 * next hop (a sender's gateway, a router's sink), so the entry found last
 * is tried first: one compare instead of a GHashTable lookup (a call and
 * two indirect calls on every datagram).  Linux's neighbour lookup
 * (__ipv4_neigh_lookup_noref) is a hash probe too; the cache changes no
 * answer, only how fast it comes: neigh_destroy forgets a freed entry.
 */
static struct neighbour *
neigh_find(struct neigh_table *tbl, struct net_device *dev, uint32_t ip)
{
	uint64_t key = (uint64_t)dev->ifindex << 32 | ip;
	if (tbl->last && tbl->last->key == key)
		return tbl->last;
	struct neighbour *n = g_hash_table_lookup(tbl->hash, &key);
	if (n)
		tbl->last = n;
	return n;
}

static struct neighbour *
neigh_create(struct neigh_table *tbl, struct net_device *dev, uint32_t ip)
{
	/* line-aligned: what a datagram reads of it is its first line */
	struct neighbour *n = g_aligned_alloc0(1, sizeof(struct neighbour), 64);
	n->key = (uint64_t)dev->ifindex << 32 | ip;
	n->tbl = tbl;
	n->dev = dev;
	n->ip = ip;
	skb_queue_head_init(&n->arp_queue, "arp_queue", LAYER_ARP);
	g_hash_table_insert(tbl->hash, &n->key, n);
	tbl->stats.allocs++;
	tbl->stats.entries++;
	return n;
}

/* REACHABLE decays to STALE once reachable_time has passed since confirmation. */
static enum nud_state
neigh_state(struct neighbour *n, sim_time_t now)
{
	if (n->nud == NUD_REACHABLE && now - n->confirmed >= n->tbl->reachable_time)
		n->nud = NUD_STALE;
	return n->nud;
}

static void
neigh_arm_gc(struct neighbour *n)
{
	struct neigh_table *tbl = n->tbl;
	sim_cancel(tbl->host->sim, n->timer);
	n->timer = 0;
	if (n->nud == NUD_PERMANENT)
		return;
	sim_time_t last = MAX(n->used, n->confirmed + tbl->reachable_time);
	sim_time_t when = MAX(last + tbl->cfg.gc_stale_time, host_now(tbl->host));
	n->timer = cpu_timer_schedule_at(tbl->host->cpu, when, neigh_timer, n);
}

/* ---- transmit ------------------------------------------------------------------ */

static int
neigh_xmit(struct sk_buff *skb, struct net_device *dev, const uint8_t *ha)
{
	eth_header(skb, dev, ETH_P_IP, ha, NULL);
	return dev_queue_xmit(skb) == NET_XMIT_SUCCESS ? 0 : -ENOBUFS;
}

void
arp_send(struct net_device *dev, uint16_t op, uint32_t tip, uint32_t sip, const uint8_t *dest_hw,
	 const uint8_t *tha)
{
	struct host *host = dev->host;
	uint32_t room = MAX((uint32_t)dev->needed_headroom, (uint32_t)ETH_HLEN);
	struct sk_buff *skb = skb_alloc(host, room + ARP_HLEN, LAYER_ARP);
	skb_reserve(skb, room);
	struct arphdr *arp = (struct arphdr *)skb_put(skb, ARP_HLEN);
	arp->ar_hrd = htons(ARPHRD_ETHER);
	arp->ar_pro = htons(ETH_P_IP);
	arp->ar_hln = ETH_ALEN;
	arp->ar_pln = 4;
	arp->ar_op = htons(op);
	memcpy(arp->ar_sha, dev->dev_addr, ETH_ALEN);
	arp->ar_sip = htonl(sip);
	if (tha)
		memcpy(arp->ar_tha, tha, ETH_ALEN);
	else
		memset(arp->ar_tha, 0, ETH_ALEN);
	arp->ar_tip = htonl(tip);
	skb_reset_network_header(skb);
	if (TRACE_PACKETS_ON(host->trace)) {
		struct trace_pkt_info info = { .proto = 0, .saddr = sip, .daddr = tip };
		trace_packet(host->trace, skb->id, &info);
	}
	eth_header(skb, dev, ETH_P_ARP, dest_hw ? dest_hw : eth_broadcast_addr, NULL);
	dev_queue_xmit(skb);
}

/* Linux arp_solicit: broadcast while INCOMPLETE, unicast to refresh a STALE entry. */
static void
arp_solicit(struct neighbour *n, bool unicast)
{
	struct in_device *in = in_dev_get(n->dev);
	if (!in || !in->addr)
		return;
	n->probed = host_now(n->tbl->host);
	n->tbl->stats.requests_sent++;
	arp_send(n->dev, ARPOP_REQUEST, n->ip, in->addr, unicast ? n->ha : NULL,
		 unicast ? n->ha : NULL);
}

void
arp_announce(struct net_device *dev)
{
	struct neigh_table *tbl = dev->host->arp;
	struct in_device *in = in_dev_get(dev);
	if (!tbl || !in || !in->addr || !dev->up || !tbl->cfg.gratuitous)
		return;
	tbl->stats.announces_sent++;
	/* RFC 5227 §3: an ARP announcement is a request with sender = target = our address */
	arp_send(dev, ARPOP_REQUEST, in->addr, in->addr, NULL, NULL);
}

int
neigh_output(struct sk_buff *skb, struct net_device *dev, uint32_t nexthop)
{
	struct host *host = dev->host;
	struct neigh_table *tbl = host->arp;
	sim_time_t now = host_now(host);
	skb_handoff(skb, LAYER_ARP, "neigh_output");
	skb->dev = dev;
	tbl->stats.lookups++;

	/* The entry used last is tried before the broadcast test, which it
	 * passed: a sender does not read its in_device for every datagram.
	 * (Linux keeps the verdict on the neighbour: arp_constructor gives a
	 * broadcast address's entry NUD_NOARP and dev->broadcast.) */
	struct neighbour *n = tbl->out_last;
	if (!n || n->key != ((uint64_t)dev->ifindex << 32 | nexthop)) {
		struct in_device *in = in_dev_get(dev);
		if (nexthop == INET_ADDR_BROADCAST ||
		    (in && in->addr && nexthop == in->broadcast)) {
			tbl->stats.hits++;
			return neigh_xmit(skb, dev, eth_broadcast_addr);
		}
		n = neigh_find(tbl, dev, nexthop);
		tbl->out_last = n;
	}
	if (n) {
		enum nud_state st = neigh_state(n, now);
		if (st == NUD_REACHABLE || st == NUD_STALE || st == NUD_PERMANENT) {
			tbl->stats.hits++;
			n->used = now;
			/* a stale entry is refreshed by a unicast probe (Linux DELAY/PROBE) */
			if (st == NUD_STALE && now - n->probed >= tbl->cfg.retrans_time)
				arp_solicit(n, true);
			return neigh_xmit(skb, dev, n->ha);
		}
	} else {
		/* Linux __neigh_event_send: start resolving */
		host_charge(host, COST_ARP);
		n = neigh_create(tbl, dev, nexthop);
		tbl->out_last = n;
		n->nud = NUD_INCOMPLETE;
		n->used = now;
		n->probes = 1;
		arp_solicit(n, false);
		n->timer = cpu_timer_schedule(host->cpu, tbl->cfg.retrans_time, neigh_timer, n);
	}
	/* INCOMPLETE: wait on the entry.  Linux neigh_resolve_output drops the
	 * OLDEST skb when the queue is full (unres_qlen_bytes). */
	if (skb_queue_len(&n->arp_queue) >= tbl->cfg.unres_qlen) {
		struct sk_buff *old = skb_dequeue(&n->arp_queue);
		tbl->stats.unres_discards++;
		skb_drop(old, SKB_DROP_NEIGH_QUEUEFULL);
	}
	skb_queue_tail(&n->arp_queue, skb);
	return 0;
}

/*
 * Resolution failed (Linux neigh_invalidate + arp_error_report): every
 * waiting skb is dropped and its sender told "host unreachable".
 */
static void
neigh_fail(struct neighbour *n)
{
	struct neigh_table *tbl = n->tbl;
	tbl->stats.res_failed++;
	g_hash_table_steal(tbl->hash, &n->key);
	struct sk_buff *skb;
	while ((skb = skb_dequeue(&n->arp_queue)) != NULL) {
		tbl->stats.unres_discards++;
		icmp_send(skb, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 0);
		skb_drop(skb, SKB_DROP_NEIGH_FAILED);
	}
	n->timer = 0;
	neigh_destroy(n);
}

static void
neigh_timer_handler(void *a)
{
	struct neighbour *n = a;
	struct neigh_table *tbl = n->tbl;
	sim_time_t now = host_now(tbl->host);
	n->timer = 0;
	if (n->nud == NUD_INCOMPLETE) {
		if (n->probes >= tbl->cfg.mcast_solicit) {
			neigh_fail(n);
			return;
		}
		n->probes++;
		arp_solicit(n, false);
		n->timer =
			cpu_timer_schedule(tbl->host->cpu, tbl->cfg.retrans_time, neigh_timer, n);
		return;
	}
	/* garbage collection (Linux neigh_periodic_work) */
	if (neigh_state(n, now) == NUD_STALE && now - n->used >= tbl->cfg.gc_stale_time) {
		g_hash_table_remove(tbl->hash, &n->key);
		return;
	}
	neigh_arm_gc(n);
}

/* The event: the handler runs on the CPU that armed the timer (sim/cpu.h). */
static void
neigh_timer(struct sim *sim, void *a, void *base)
{
	(void)sim;
	cpu_timer_run(base, neigh_timer_handler, a);
}

/* Linux neigh_update: a new link-layer address or state; sends what waited. */
static void
neigh_update(struct neighbour *n, const uint8_t *ha, enum nud_state state)
{
	struct neigh_table *tbl = n->tbl;
	sim_time_t now = host_now(tbl->host);
	if (n->nud == NUD_PERMANENT)
		return;
	enum nud_state old = neigh_state(n, now);
	bool same = eth_addr_equal(n->ha, ha);
	memcpy(n->ha, ha, ETH_ALEN);
	if (state == NUD_REACHABLE) {
		n->nud = NUD_REACHABLE;
		n->confirmed = now;
	} else if (!(old == NUD_REACHABLE && same)) {
		n->nud = NUD_STALE;
	}
	if (old == NUD_INCOMPLETE) {
		struct sk_buff *skb;
		while ((skb = skb_dequeue(&n->arp_queue)) != NULL)
			neigh_xmit(skb, n->dev, n->ha);
	}
	neigh_arm_gc(n);
}

/* ---- receive ------------------------------------------------------------------- */

/* The ETH_P_ARP packet handler.  Context: bottom halves off (as ip_rcv);
 * asserted in the checked build. */
int
arp_rcv(struct sk_buff *skb, struct net_device *dev, struct packet_type *pt)
{
	struct host *host = dev->host;
	CPU_ASSERT_BH(host->cpu);
	struct neigh_table *tbl = host->arp;
	host_charge(host, COST_ARP);
	if (!skb_may_pull(skb, ARP_HLEN))
		goto invalid;
	const struct arphdr *arp = (const struct arphdr *)skb->data;
	uint16_t op = ntohs(arp->ar_op);
	if (ntohs(arp->ar_hrd) != ARPHRD_ETHER || ntohs(arp->ar_pro) != ETH_P_IP ||
	    arp->ar_hln != ETH_ALEN || arp->ar_pln != 4 ||
	    (op != ARPOP_REQUEST && op != ARPOP_REPLY))
		goto invalid;
	uint32_t sip = ntohl(arp->ar_sip), tip = ntohl(arp->ar_tip);
	if (ipv4_is_multicast(tip) || ipv4_is_multicast(sip) ||
	    is_multicast_ether_addr(arp->ar_sha))
		goto invalid;
	if (TRACE_PACKETS_ON(host->trace)) {
		struct trace_pkt_info info = { .proto = 0, .saddr = sip, .daddr = tip };
		trace_packet(host->trace, skb->id, &info);
	}
	if (op == ARPOP_REQUEST)
		tbl->stats.requests_rcvd++;
	else
		tbl->stats.replies_rcvd++;

	struct in_device *in = in_dev_get(dev);
	if (!in || !in->addr) {
		skb_consume(skb); /* no address here: nothing to answer or learn */
		return NET_RX_SUCCESS;
	}
	struct neighbour *n = sip ? neigh_find(tbl, dev, sip) : NULL;
	if (op == ARPOP_REQUEST && tip == in->addr) {
		/* Linux arp_process: a request for us creates a STALE entry for the asker */
		if (sip) {
			if (!n)
				n = neigh_create(tbl, dev, sip);
			neigh_update(n, arp->ar_sha, NUD_STALE);
		}
		tbl->stats.replies_sent++;
		arp_send(dev, ARPOP_REPLY, sip, tip, arp->ar_sha, arp->ar_sha);
	} else if (n) {
		/* a unicast reply to us confirms; anything else (gratuitous,
		 * broadcast reply, request for someone else) only updates */
		bool confirm = op == ARPOP_REPLY && tip == in->addr && skb->pkt_type == PACKET_HOST;
		neigh_update(n, arp->ar_sha, confirm ? NUD_REACHABLE : NUD_STALE);
	}
	skb_consume(skb);
	return NET_RX_SUCCESS;
invalid:
	tbl->stats.rcv_invalid++;
	skb_drop(skb, SKB_DROP_ARP_INVALID);
	return NET_RX_DROP;
}

/* ---- table -------------------------------------------------------------------- */

static void
arp_fini(struct host *host)
{
	struct neigh_table *tbl = host->arp;
	if (!tbl)
		return;
	dev_remove_pack(host, &tbl->pt);
	g_hash_table_destroy(tbl->hash);
	g_aligned_free(tbl);
	host->arp = NULL;
}

void
arp_init(struct host *host, const struct neigh_config *c)
{
	g_assert(host->arp == NULL);
	/* line-aligned: its first line is what every packet reads */
	struct neigh_table *tbl = g_aligned_alloc0(1, sizeof(struct neigh_table), 64);
	tbl->host = host;
	if (c)
		tbl->cfg = *c;
	else
		neigh_config_init(&tbl->cfg);
	/* Linux neigh_rand_reach_time: uniform in [base/2, 3*base/2) */
	sim_time_t base = tbl->cfg.base_reachable_time;
	tbl->reachable_time = base / 2 + (sim_time_t)rng_below(&host->rng, (uint64_t)base);
	tbl->hash = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, neigh_destroy);
	tbl->pt = (struct packet_type){
		.type = ETH_P_ARP,
		.layer = LAYER_ARP,
		.func_name = "arp_rcv",
		.func = arp_rcv,
	};
	host->arp = tbl;
	dev_add_pack(host, &tbl->pt);
	host_add_fini(host, arp_fini);
}

void
neigh_add_static(struct net_device *dev, uint32_t ip, const uint8_t *mac)
{
	struct neigh_table *tbl = dev->host->arp;
	g_assert(tbl != NULL);
	struct neighbour *n = neigh_find(tbl, dev, ip);
	if (!n)
		n = neigh_create(tbl, dev, ip);
	bool was_incomplete = n->nud == NUD_INCOMPLETE;
	sim_cancel(tbl->host->sim, n->timer);
	n->timer = 0;
	memcpy(n->ha, mac, ETH_ALEN);
	n->nud = NUD_PERMANENT;
	if (was_incomplete) {
		struct sk_buff *skb;
		while ((skb = skb_dequeue(&n->arp_queue)) != NULL)
			neigh_xmit(skb, n->dev, n->ha);
	}
}

bool
neigh_lookup(struct net_device *dev, uint32_t ip, enum nud_state *state, uint8_t *mac)
{
	struct neigh_table *tbl = dev->host->arp;
	struct neighbour *n = tbl ? neigh_find(tbl, dev, ip) : NULL;
	if (!n)
		return false;
	enum nud_state st = neigh_state(n, host_now(tbl->host));
	if (state)
		*state = st;
	if (mac && st != NUD_INCOMPLETE)
		memcpy(mac, n->ha, ETH_ALEN);
	return true;
}

static gboolean
neigh_is_dev(gpointer key, gpointer value, gpointer dev)
{
	return ((struct neighbour *)value)->dev == dev;
}

void
neigh_addr_changed(struct net_device *dev)
{
	struct neigh_table *tbl = dev->host->arp;
	if (tbl)
		tbl->out_last = NULL;
}

void
neigh_flush_dev(struct net_device *dev)
{
	struct neigh_table *tbl = dev->host->arp;
	if (tbl)
		g_hash_table_foreach_remove(tbl->hash, neigh_is_dev, dev);
}

void
neigh_stats(struct host *host, struct neigh_stats *out)
{
	g_assert(host->arp != NULL);
	*out = host->arp->stats;
}
