/*
 * stack/route.c - the FIB (longest-prefix match) and the route cache.
 *
 * Linux counterpart: net/ipv4/fib_frontend.c, fib_trie.c (fib_table_lookup),
 * net/ipv4/route.c (ip_route_output_key; the pre-3.6 rt_hash_table cache).
 * Seed text: "Network layer" (the FIB and the hash table of routes).
 *
 * Position: ip_rcv_finish / ip_forward / ip_build_and_send_pkt ->
 * ip_route_output -> route cache -> (miss) fib_lookup.
 *
 * The FIB is a GPtrArray of struct fib_entry kept sorted longest prefix
 * first, then lowest metric, so the first match is the answer.  Linux uses
 * a level-compressed trie; a sorted list gives the same answers and reads
 * in one sitting, and the cache keeps it off the per-packet path.
 *
 * The cache is a direct-mapped table of route_cache_size slots, indexed by
 * a hash of (destination, requested source): a hit costs one probe and
 * allocates nothing; a collision replaces the slot (counted as an
 * eviction).  Any change to the FIB or to an address flushes it.
 *
 * A lookup made for a packet (ip_route_output_skb) is also a row of the
 * trace on that skb: op "route", func "route_cache_hit", "route_cache_miss"
 * or "fib_lookup" (no cache), so a student sees which packet filled the
 * cache and which ones it served.
 */
#include "stack/route.h"

#include <errno.h>
#include <string.h>
#include "stack/inet.h"
#include "stack/ip_int.h"
#include "stack/netdevice.h"
#include "stack/skbuff.h"
#include "trace/trace.h"

/* one cache line a slot (48 bytes unpadded: a hit read two lines in
 * three; at 1000 hosts the slot is cold on every datagram) */
struct rt_cache_slot {
	bool valid;
	uint32_t daddr, saddr;
	struct rtable rt;
} __attribute__((aligned(64)));

/* The cache's slots, their number and its hits are in struct ip_state
 * (rt_cache, rt_nslots, rt_cache_hits), on the line of next_id and
 * OutRequests that every datagram sent reads: a hit reads no line of
 * this table.  stats.cache_hits is unused (route_stats). */
struct fib_table {
	GPtrArray *entries; /* struct fib_entry *, sorted */
	GHashTable *keys;   /* the same entries by (dst, prefixlen, metric) */
	uint32_t genid;	    /* route_genid */
	struct route_stats stats;
};

/* A route's identity: at most one per (dst, prefixlen, metric). */
static guint
fib_key_hash(gconstpointer p)
{
	const struct fib_entry *e = p;
	return (e->dst * 0x9e3779b1u) ^ (e->prefixlen * 0x85ebca6bu) ^ (e->metric * 0xc2b2ae35u);
}

static gboolean
fib_key_equal(gconstpointer a, gconstpointer b)
{
	const struct fib_entry *x = a, *y = b;
	return x->dst == y->dst && x->prefixlen == y->prefixlen && x->metric == y->metric;
}

void
route_init(struct ip_state *ips)
{
	struct fib_table *t = g_aligned_alloc0(1, sizeof(struct fib_table), 64);
	t->entries = g_ptr_array_new_with_free_func(g_free);
	t->keys = g_hash_table_new(fib_key_hash, fib_key_equal);
	uint32_t n = ips->cfg.route_cache_size;
	if (n) {
		ips->rt_nslots = 1;
		while (ips->rt_nslots < n)
			ips->rt_nslots <<= 1;
		/* the slots are allocated by the first lookup (route_output):
		 * a host that never routes costs none */
	}
	ips->fib = t;
}

void
route_fini(struct ip_state *ips)
{
	if (!ips->fib)
		return;
	g_hash_table_destroy(ips->fib->keys);
	g_ptr_array_unref(ips->fib->entries);
	g_aligned_free(ips->rt_cache);
	ips->rt_cache = NULL;
	g_aligned_free(ips->fib);
	ips->fib = NULL;
}

static struct fib_table *
fib_of(struct host *host)
{
	return ip_state(host)->fib;
}

void
route_cache_flush(struct host *host)
{
	struct ip_state *ips = ip_state(host);
	struct fib_table *t = ips->fib;
	if (ips->rt_cache)
		memset(ips->rt_cache, 0, sizeof(*ips->rt_cache) * ips->rt_nslots);
	t->stats.cache_entries = 0;
	t->stats.cache_flushes++;
	t->genid++;
}

uint32_t
route_genid(struct host *host)
{
	return fib_of(host)->genid;
}

/* Longest prefix first, then lowest metric. */
static gint
fib_entry_cmp(gconstpointer a, gconstpointer b)
{
	const struct fib_entry *x = *(struct fib_entry *const *)a;
	const struct fib_entry *y = *(struct fib_entry *const *)b;
	if (x->prefixlen != y->prefixlen)
		return x->prefixlen > y->prefixlen ? -1 : 1;
	if (x->metric != y->metric)
		return x->metric < y->metric ? -1 : 1;
	return 0;
}

/* The device whose connected subnet holds @addr, or NULL. */
static struct net_device *
onlink_dev(struct host *host, uint32_t addr)
{
	for (struct net_device *d = dev_first(host); d; d = d->next) {
		struct in_device *in = in_dev_get(d);
		if (in && in->addr && ((addr ^ in->addr) & in->mask) == 0)
			return d;
	}
	return NULL;
}

bool
route_add(struct host *host, const struct fib_entry *e, GError **error)
{
	char b1[INET_ADDRSTRLEN_NS], b2[INET_ADDRSTRLEN_NS];
	if (!host->ip) {
		g_set_error(error, INET_ERROR, INET_ERROR_STATE, "IPv4 is not set up on host %s",
			    host->name);
		return false;
	}
	if (e->prefixlen > 32 || (e->dst & ~inet_make_mask(e->prefixlen))) {
		g_set_error(error, INET_ERROR, INET_ERROR_INVALID,
			    "%s/%u has host bits set (the network is %s/%u)",
			    inet_addr_fmt(e->dst, b1), e->prefixlen,
			    inet_addr_fmt(e->dst & inet_make_mask(e->prefixlen), b2), e->prefixlen);
		return false;
	}
	struct fib_entry *n = g_memdup2(e, sizeof(*e));
	if (n->gateway) {
		struct net_device *d = onlink_dev(host, n->gateway);
		if (!d || (n->dev && d != n->dev)) {
			g_set_error(error, INET_ERROR, INET_ERROR_INVALID,
				    "gateway %s is not in a connected subnet%s%s (set the "
				    "interface addresses first)",
				    inet_addr_fmt(n->gateway, b1), n->dev ? " of " : "",
				    n->dev ? n->dev->name : "");
			g_free(n);
			return false;
		}
		n->dev = d;
	}
	if (!n->dev) {
		g_set_error(error, INET_ERROR, INET_ERROR_INVALID,
			    "route %s/%u needs a gateway (via) or a device (dev)",
			    inet_addr_fmt(n->dst, b1), n->prefixlen);
		g_free(n);
		return false;
	}
	struct fib_table *t = fib_of(host);
	if (g_hash_table_contains(t->keys, n)) {
		g_set_error(error, INET_ERROR, INET_ERROR_EXISTS,
			    "a route to %s/%u with metric %u already exists",
			    inet_addr_fmt(n->dst, b1), n->prefixlen, n->metric);
		g_free(n);
		return false;
	}
	/* insert after every entry that sorts before or with it: the order a
	 * stable sort of the appended array gives, in O(log n) compares */
	guint lo = 0, hi = t->entries->len;
	while (lo < hi) {
		guint mid = lo + (hi - lo) / 2;
		if (fib_entry_cmp(&t->entries->pdata[mid], &n) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	g_ptr_array_insert(t->entries, (gint)lo, n);
	g_hash_table_add(t->keys, n);
	t->stats.fib_entries = t->entries->len;
	route_cache_flush(host);
	return true;
}

bool
route_del(struct host *host, uint32_t dst, uint8_t prefixlen, uint32_t metric, GError **error)
{
	struct fib_table *t = fib_of(host);
	for (guint i = 0; i < t->entries->len; i++) {
		const struct fib_entry *o = t->entries->pdata[i];
		if (o->dst == dst && o->prefixlen == prefixlen && o->metric == metric) {
			g_hash_table_remove(t->keys, o);
			g_ptr_array_remove_index(t->entries, i);
			t->stats.fib_entries = t->entries->len;
			route_cache_flush(host);
			return true;
		}
	}
	char b[INET_ADDRSTRLEN_NS];
	g_set_error(error, INET_ERROR, INET_ERROR_NOTFOUND, "no route to %s/%u with metric %u",
		    inet_addr_fmt(dst, b), prefixlen, metric);
	return false;
}

void
route_del_dev(struct host *host, struct net_device *dev, enum route_origin origin)
{
	struct fib_table *t = fib_of(host);
	for (guint i = t->entries->len; i-- > 0;) {
		const struct fib_entry *o = t->entries->pdata[i];
		if (o->dev == dev && o->origin == origin) {
			g_hash_table_remove(t->keys, o);
			g_ptr_array_remove_index(t->entries, i);
		}
	}
	t->stats.fib_entries = t->entries->len;
	route_cache_flush(host);
}

/* A number 0..2^32-1 in decimal. */
static bool
parse_u32(const char *s, uint32_t *out)
{
	if (!*s)
		return false;
	uint64_t v = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return false;
	}
	*out = (uint32_t)v;
	return true;
}

bool
route_parse(struct host *host, const char *text, struct fib_entry *out, GError **error)
{
	g_auto(GStrv) w = g_strsplit_set(text, " \t", -1);
	GPtrArray *tok = g_ptr_array_new();
	for (int i = 0; w[i]; i++)
		if (*w[i])
			g_ptr_array_add(tok, w[i]);
	struct fib_entry e = { .origin = ROUTE_STATIC };
	bool ok = false;
	const char *what = NULL;
	g_autofree char *why = NULL;

	if (tok->len == 0) {
		why = g_strdup("is empty (expected DEST [via GATEWAY] [dev IFNAME])");
		goto out;
	}
	const char *dst = tok->pdata[0];
	if (strcmp(dst, "default") == 0) {
		e.dst = 0;
		e.prefixlen = 0;
	} else if (strchr(dst, '/')) {
		g_autoptr(GError) sub = NULL;
		if (!ip_parse_prefix(dst, &e.dst, &e.prefixlen, &sub)) {
			why = g_strdup(sub->message);
			goto out;
		}
	} else if (inet_addr_parse(dst, &e.dst)) {
		e.prefixlen = 32;
	} else {
		why = g_strdup_printf(
			"destination '%s' is not 'default', an address or ADDRESS/LENGTH", dst);
		goto out;
	}
	if (e.dst & ~inet_make_mask(e.prefixlen)) {
		char b[INET_ADDRSTRLEN_NS];
		why = g_strdup_printf("%s has host bits set (did you mean %s/%u?)", dst,
				      inet_addr_fmt(e.dst & inet_make_mask(e.prefixlen), b),
				      e.prefixlen);
		goto out;
	}
	for (guint i = 1; i < tok->len; i += 2) {
		const char *k = tok->pdata[i];
		if (i + 1 >= tok->len) {
			why = g_strdup_printf("'%s' needs a value after it", k);
			goto out;
		}
		const char *v = tok->pdata[i + 1];
		what = k;
		if (strcmp(k, "via") == 0) {
			if (!inet_addr_parse(v, &e.gateway) || e.gateway == 0) {
				why = g_strdup_printf("gateway '%s' is not an IPv4 address", v);
				goto out;
			}
		} else if (strcmp(k, "dev") == 0) {
			e.dev = dev_get_by_name(host, v);
			if (!e.dev) {
				why = g_strdup_printf("host %s has no interface '%s'", host->name,
						      v);
				goto out;
			}
		} else if (strcmp(k, "src") == 0) {
			if (!inet_addr_parse(v, &e.prefsrc)) {
				why = g_strdup_printf("source '%s' is not an IPv4 address", v);
				goto out;
			}
		} else if (strcmp(k, "metric") == 0) {
			if (!parse_u32(v, &e.metric)) {
				why = g_strdup_printf("metric '%s' is not a number", v);
				goto out;
			}
		} else {
			why = g_strdup_printf(
				"unknown word '%s' (expected via, dev, src or metric)", k);
			goto out;
		}
	}
	(void)what;
	if (!e.gateway && !e.dev) {
		why = g_strdup("needs 'via GATEWAY' or 'dev IFNAME'");
		goto out;
	}
	if (e.gateway && host->ip) {
		struct net_device *d = onlink_dev(host, e.gateway);
		char b[INET_ADDRSTRLEN_NS];
		if (!d || (e.dev && d != e.dev)) {
			why = g_strdup_printf(
				"gateway %s is not in a connected subnet%s%s (set the "
				"interface addresses first)",
				inet_addr_fmt(e.gateway, b), e.dev ? " of " : "",
				e.dev ? e.dev->name : "");
			goto out;
		}
		e.dev = d;
	}
	*out = e;
	ok = true;
out:
	if (!ok)
		g_set_error(error, INET_ERROR, INET_ERROR_PARSE, "route \"%s\": %s", text, why);
	g_ptr_array_free(tok, TRUE);
	return ok;
}

bool
route_add_text(struct host *host, const char *text, GError **error)
{
	if (!host->ip) {
		g_set_error(error, INET_ERROR, INET_ERROR_STATE, "IPv4 is not set up on host %s",
			    host->name);
		return false;
	}
	struct fib_entry e;
	if (!route_parse(host, text, &e, error))
		return false;
	g_autoptr(GError) sub = NULL;
	if (!route_add(host, &e, &sub)) {
		g_set_error(error, INET_ERROR, sub->code, "route \"%s\": %s", text, sub->message);
		return false;
	}
	return true;
}

/*
 * O(routes of the host) per call: a linear scan of the sorted list (see
 * the top), where Linux's trie costs O(prefix length).  Kept because it is
 * reached only on a route cache miss and hosts have a handful of routes;
 * a scenario giving one host thousands of routes with a small
 * route_cache_size would pay it per packet.
 */
const struct fib_entry *
fib_lookup(struct host *host, uint32_t daddr)
{
	struct fib_table *t = fib_of(host);
	t->stats.fib_lookups++;
	for (guint i = 0; i < t->entries->len; i++) {
		const struct fib_entry *e = t->entries->pdata[i];
		if (((daddr ^ e->dst) & inet_make_mask(e->prefixlen)) == 0)
			return e;
	}
	return NULL;
}

/* The slow path: local and broadcast addresses, then the FIB. */
static int
route_resolve(struct host *host, uint32_t daddr, uint32_t saddr, struct rtable *rt)
{
	*rt = (struct rtable){ .daddr = daddr, .nexthop = daddr };
	struct net_device *ldev = ip_dev_find(host, daddr);
	if (ldev) {
		rt->type = RTN_LOCAL;
		rt->dev = ldev;
		rt->src = daddr;
		rt->mtu = ldev->mtu;
		return 0;
	}
	if (daddr == INET_ADDR_BROADCAST) {
		/* Linux needs an output interface for the limited broadcast;
		 * take the first with an address */
		for (struct net_device *d = dev_first(host); d; d = d->next) {
			struct in_device *in = in_dev_get(d);
			if (in && in->addr) {
				rt->type = RTN_BROADCAST;
				rt->dev = d;
				rt->src = in->addr;
				rt->mtu = d->mtu;
				return 0;
			}
		}
		return -ENETUNREACH;
	}
	const struct fib_entry *e = fib_lookup(host, daddr);
	if (!e)
		return -ENETUNREACH;
	struct in_device *in = in_dev_get(e->dev);
	rt->dev = e->dev;
	rt->mtu = e->dev->mtu;
	rt->nexthop = e->gateway ? e->gateway : daddr;
	rt->src = e->prefsrc ? e->prefsrc : (in ? in->addr : 0);
	rt->type = (!e->gateway && in && in->addr && daddr == in->broadcast) ? RTN_BROADCAST
									     : RTN_UNICAST;
	if (!rt->src)
		return -ENETUNREACH;
	return 0;
}

/* ip_route_output, saying in @how (for the trace) how it was answered:
 * "route_cache_hit", "route_cache_miss" or "fib_lookup"; NULL when no
 * lookup was made. */
/* The trace's name for a lookup of @ips's table that hit its cache or not. */
static const char *
route_how(const struct ip_state *ips, bool cached)
{
	if (cached)
		return "route_cache_hit";
	return ips->rt_nslots ? "route_cache_miss" : "fib_lookup";
}

static int
route_output(struct host *host, uint32_t daddr, uint32_t saddr, struct rtable *rt, const char **how)
{
	struct ip_state *ips = ip_state(host);
	struct rt_cache_slot *slot = NULL;
	if (ips->rt_nslots && !ips->rt_cache)
		ips->rt_cache = g_aligned_alloc0(ips->rt_nslots, sizeof(struct rt_cache_slot), 64);
	if (ips->rt_cache) {
		uint32_t h = (daddr * 0x9e3779b1u) ^ (saddr * 0x85ebca6bu);
		slot = &ips->rt_cache[(h >> 16) & (ips->rt_nslots - 1)];
		/* A hit's source address was checked when its slot was filled,
		 * and an address leaves a device only after route_del_dev has
		 * flushed the cache (inet_set_address): it is still ours, so
		 * the hit needs no ip_dev_find. */
		if (slot->valid && slot->daddr == daddr && slot->saddr == saddr) {
			ips->rt_cache_hits++;
			*rt = slot->rt;
			rt->cached = true;
			*how = route_how(ips, true);
			return 0;
		}
	}
	*how = NULL;
	if (saddr && !ip_dev_find(host, saddr))
		return -EINVAL;
	struct fib_table *t = ips->fib;
	*how = route_how(ips, false);
	if (slot)
		t->stats.cache_misses++;
	int err = route_resolve(host, daddr, saddr, rt);
	if (err)
		return err;
	if (saddr)
		rt->src = saddr;
	if (slot) {
		if (slot->valid)
			t->stats.cache_evictions++;
		else
			t->stats.cache_entries++;
		*slot = (struct rt_cache_slot){
			.valid = true, .daddr = daddr, .saddr = saddr, .rt = *rt
		};
	}
	rt->cached = false;
	return 0;
}

int
ip_route_output(struct host *host, uint32_t daddr, uint32_t saddr, struct rtable *rt)
{
	const char *how;
	return route_output(host, daddr, saddr, rt, &how);
}

int
ip_route_output_skb(struct sk_buff *skb, uint32_t daddr, uint32_t saddr, struct rtable *rt)
{
	const char *how;
	int err = route_output(skb->host, daddr, saddr, rt, &how);
	if (how)
		skb_trace_route(skb, how);
	return err;
}

void
ip_route_trace(struct sk_buff *skb, const struct rtable *rt)
{
	skb_trace_route(skb, route_how(ip_state(skb->host), rt->cached));
}

void
route_stats(struct host *host, struct route_stats *out)
{
	*out = fib_of(host)->stats;
	out->cache_hits = ip_state(host)->rt_cache_hits;
}

char *
route_dump(struct host *host)
{
	struct fib_table *t = fib_of(host);
	GString *s = g_string_new(NULL);
	for (guint i = 0; i < t->entries->len; i++) {
		const struct fib_entry *e = t->entries->pdata[i];
		char b[INET_ADDRSTRLEN_NS];
		if (e->prefixlen == 0 && e->dst == 0)
			g_string_append(s, "default");
		else
			g_string_append_printf(s, "%s/%u", inet_addr_fmt(e->dst, b), e->prefixlen);
		if (e->gateway)
			g_string_append_printf(s, " via %s", inet_addr_fmt(e->gateway, b));
		g_string_append_printf(s, " dev %s", e->dev->name);
		if (e->origin == ROUTE_CONNECTED)
			g_string_append(s, " proto kernel");
		if (e->prefsrc)
			g_string_append_printf(s, " src %s", inet_addr_fmt(e->prefsrc, b));
		if (e->metric)
			g_string_append_printf(s, " metric %u", e->metric);
		g_string_append_c(s, '\n');
	}
	return g_string_free(s, FALSE);
}
