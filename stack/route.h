/*
 * stack/route.h - the routing table (FIB) and the route cache in front of it.
 *
 * Linux counterpart: net/ipv4/fib_frontend.c, fib_trie.c (the FIB with
 * longest-prefix match), net/ipv4/route.c (ip_route_input, ip_route_output;
 * before Linux 3.6 also the route cache, a hash table of recent
 * destinations, which is what the seed text describes).
 * Seed text: "Network layer": "the network layer maintains a Forwarding
 * Information Base ... it also maintains a hash table that serves as a
 * cache of frequently-used routes."
 *
 * Position: ip_rcv_finish -> route input (local or forward?) and
 * ip_forward / ip_build_and_send_pkt -> ip_route_output -> fib_lookup on
 * a cache miss.
 *
 * The FIB is a list of prefixes searched longest prefix first (then the
 * lowest metric).  Connected routes appear when an address is set
 * (inet_set_address); static and default routes come from scenario lines.
 * The cache maps a destination address to the result of a lookup; any
 * change of the FIB or of an address flushes it (Linux rt_cache_flush).
 * Hits and misses are counted and written as trace counters
 * ("route.cache_hits", "route.cache_misses"), and at full trace level each
 * lookup made for a packet is a row on its skb (op "route").
 *
 * Route syntax (a line of a scenario's routes, like `ip route add`):
 *   DEST [via GATEWAY] [dev IFNAME] [src ADDRESS] [metric N]
 * where DEST is "A.B.C.D/LEN", "A.B.C.D" (a host route, /32) or "default"
 * (0.0.0.0/0).  At least one of via and dev is required.  A gateway must
 * lie in a connected subnet (set addresses before routes); with dev too,
 * in that device's subnet.  Examples:
 *   10.2.0.0/16 via 10.1.0.254 dev eth1
 *   default via 10.0.0.254
 *   192.168.7.0/24 dev eth2
 */
#ifndef NETSIM_STACK_ROUTE_H
#define NETSIM_STACK_ROUTE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

struct host;
struct net_device;
struct sk_buff;

enum route_origin {
	ROUTE_CONNECTED = 0, /* added by inet_set_address (Linux proto kernel) */
	ROUTE_STATIC = 1,    /* from a scenario line or route_add (proto static) */
};

/* One FIB entry. */
struct fib_entry {
	uint32_t dst; /* prefix, host byte order, host bits zero */
	uint8_t prefixlen;
	uint32_t gateway;	/* 0: directly connected (on-link) */
	struct net_device *dev; /* NULL in a parsed route without "dev": chosen by the gateway */
	uint32_t prefsrc;	/* 0: the address of dev */
	uint32_t metric;
	enum route_origin origin;
};

/* Route types (Linux RTN_*). */
enum rt_type {
	RTN_UNICAST = 1,
	RTN_LOCAL = 2,	   /* one of our addresses */
	RTN_BROADCAST = 3, /* a subnet broadcast or 255.255.255.255 */
};

/*
 * The result of a route lookup (Linux struct rtable), copied to the
 * caller: it stays valid whatever happens to the FIB afterwards, though
 * @dev is only valid while the device exists.
 */
struct rtable {
	uint32_t daddr;		/* the destination looked up */
	uint32_t nexthop;	/* the gateway, or daddr when on-link */
	uint32_t src;		/* preferred source address */
	struct net_device *dev; /* output device (for RTN_LOCAL: the device owning daddr) */
	uint32_t mtu;		/* dev->mtu */
	uint8_t type;		/* enum rt_type */
	bool cached;		/* the answer came from the route cache */
};

/*
 * Add a route.  Fills in @e->dev from the gateway when NULL.  Errors: no
 * such device, gateway not in a connected subnet, an identical prefix and
 * metric already present, host bits set in the prefix.  Flushes the cache.
 */
bool route_add(struct host *host, const struct fib_entry *e, GError **error);
/* Remove the route for @dst/@prefixlen with @metric.  Flushes the cache. */
bool route_del(struct host *host, uint32_t dst, uint8_t prefixlen, uint32_t metric, GError **error);
/* Remove every route through @dev (its address changed or it went away). */
void route_del_dev(struct host *host, struct net_device *dev, enum route_origin origin);
/*
 * Parse a route line (syntax above) for @host, resolving the device name
 * and gateway, without adding it.  The message says what is wrong, e.g.
 * "route \"10.2.0.0/16 via 10.9.0.1\": gateway 10.9.0.1 is not in a
 * connected subnet".
 */
bool route_parse(struct host *host, const char *text, struct fib_entry *out, GError **error);
/* route_parse then route_add. */
bool route_add_text(struct host *host, const char *text, GError **error);

/*
 * The longest-prefix match for @daddr in the FIB, skipping the cache, or
 * NULL.  The entry lives until the next route change.
 */
const struct fib_entry *fib_lookup(struct host *host, uint32_t daddr);

/*
 * Output route to @daddr (Linux ip_route_output_key): the route cache,
 * then the FIB.  @saddr, when not 0, must be one of the host's addresses
 * and becomes rt->src.  Returns 0 and fills @rt, or -ENETUNREACH (no
 * route) or -EINVAL (@saddr not local).
 */
int ip_route_output(struct host *host, uint32_t daddr, uint32_t saddr, struct rtable *rt);

/*
 * ip_route_output for the datagram @skb (ip_forward, udp_send_skb, ip_build_and_send_pkt),
 * recording the lookup in the trace on @skb: op "route" with func
 * "route_cache_hit", "route_cache_miss" or "fib_lookup" (a host without a
 * route cache).  Linux 2.6 had the rt_cache_stat counters for the same
 * (in_hit, out_hit, ...), but no per-packet record.
 */
int ip_route_output_skb(struct sk_buff *skb, uint32_t daddr, uint32_t saddr, struct rtable *rt);
/*
 * Record on @skb the lookup that gave @rt, made with ip_route_output before
 * @skb existed (udp_sendmsg's UDP_SEGMENT checks): the same row as
 * ip_route_output_skb's.
 */
void ip_route_trace(struct sk_buff *skb, const struct rtable *rt);

/* Empty the route cache (counted as a flush). */
void route_cache_flush(struct host *host);

/*
 * A connected socket's route (Linux sk->sk_dst_cache): looked up once and
 * used for every packet while the FIB and the addresses stay as they were
 * (@genid, route_genid's value when it was filled: Linux's rt_genid /
 * dst->obsolete, which __sk_dst_check tests).  @valid false: empty.
 */
struct sk_dst_cache {
	struct rtable rt;
	uint32_t daddr, saddr; /* the lookup's key */
	uint32_t genid;
	bool valid;
};

/* Bumped by every route_cache_flush: a change of the FIB or of an address
 * (Linux rt_cache_flush's rt_genid_bump_ipv4). */
uint32_t route_genid(struct host *host);

struct route_stats {
	uint64_t cache_hits;
	uint64_t cache_misses;
	uint64_t cache_flushes;
	uint64_t cache_evictions; /* entries dropped because the cache was full */
	uint64_t fib_lookups;	  /* longest-prefix searches of the FIB */
	uint32_t cache_entries;	  /* now */
	uint32_t fib_entries;	  /* now */
};
void route_stats(struct host *host, struct route_stats *out);

/*
 * The FIB as text, one route a line in the syntax above (with "proto
 * kernel" on connected routes, as `ip route show`).  g_free the result.
 */
char *route_dump(struct host *host);

#endif
