/*
 * stack/skbuff.c - sk_buff allocation, pointer arithmetic, queues.
 *
 * Linux counterpart: net/core/skbuff.c (alloc_skb, skb_put, skb_push,
 * skb_pull, skb_clone, skb_copy, consume_skb, kfree_skb_reason,
 * skb_over_panic, skb_under_panic) and the sk_buff_head helpers of
 * include/linux/skbuff.h.  Seed text: "The socket buffer: sk_buff".
 *
 * Every layer calls into this file; it calls only the host (live skb list,
 * drop counters) and the trace.  The pool keeps freed skbs and freed data
 * buffers on free lists, data buffers by power-of-two size class from 64
 * bytes to 64 KiB, so a steady run reuses memory instead of calling malloc.
 * A data buffer carries a reference count: clones share it.
 */
#include "stack/skbuff.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sim/units.h"
#include "stack/host.h"
#include "stack/netdevice.h"
#include "trace/trace.h"

#define SKB_MIN_CLASS_SHIFT 6 /* 64 bytes */
#define SKB_NCLASSES 11	      /* 64 .. 65536 */
#define SKB_BIG_CLASS 0xff

struct skb_data {
	uint32_t refs;
	uint32_t size; /* usable bytes */
	uint8_t cls;   /* size class, SKB_BIG_CLASS when not pooled */
	struct skb_data *next_free;
	unsigned char bytes[] __attribute__((aligned(16)));
};

struct skb_pool {
	struct sk_buff *free_skbs;
	struct skb_data *free_data[SKB_NCLASSES];
	uint64_t next_id;
	uint64_t allocs, frees, skb_mallocs, data_mallocs, big_mallocs;
	uint64_t consumed, dropped; /* frees = consumed + dropped */
};

static const char *const drop_reason_names[SKB_DROP_REASON_MAX] = {
	[SKB_DROP_NOT_SPECIFIED] = "not_specified",
	[SKB_DROP_RING_FULL] = "ring_full",
	[SKB_DROP_BACKLOG_FULL] = "backlog_full",
	[SKB_DROP_QDISC_FULL] = "qdisc_full",
	[SKB_DROP_BAD_FRAME] = "bad_frame",
	[SKB_DROP_UNHANDLED_PROTO] = "unhandled_proto",
	[SKB_DROP_OTHERHOST] = "otherhost",
	[SKB_DROP_DEV_DOWN] = "dev_down",
	[SKB_DROP_PKT_TOO_BIG] = "pkt_too_big",
	[SKB_DROP_LINK_LOSS] = "link_loss",
	[SKB_DROP_QUEUE_PURGE] = "queue_purge",
	[SKB_DROP_NEIGH_QUEUEFULL] = "neigh_queuefull",
	[SKB_DROP_NEIGH_FAILED] = "neigh_failed",
	[SKB_DROP_ARP_INVALID] = "arp_invalid",
	[SKB_DROP_IP_INHDR] = "ip_inhdr",
	[SKB_DROP_IP_CSUM] = "ip_csum",
	[SKB_DROP_IP_INADDRERRORS] = "ip_inaddrerrors",
	[SKB_DROP_IP_NOROUTE] = "ip_noroute",
	[SKB_DROP_IP_TTL_EXPIRED] = "ip_ttl_expired",
	[SKB_DROP_IP_NOT_FORWARDING] = "ip_not_forwarding",
	[SKB_DROP_IP_NOPROTO] = "ip_noproto",
	[SKB_DROP_IP_FRAG_NEEDED] = "ip_frag_needed",
	[SKB_DROP_FRAG_REASM_TIMEOUT] = "frag_reasm_timeout",
	[SKB_DROP_FRAG_OVERFLOW] = "frag_overflow",
	[SKB_DROP_FRAG_INVALID] = "frag_invalid",
	[SKB_DROP_ICMP_CSUM] = "icmp_csum",
	[SKB_DROP_ICMP_INVALID] = "icmp_invalid",
	[SKB_DROP_UDP_CSUM] = "udp_csum",
	[SKB_DROP_UDP_INVALID] = "udp_invalid",
	[SKB_DROP_NO_SOCKET] = "no_socket",
	[SKB_DROP_SOCKET_RCVBUFF] = "socket_rcvbuff",
	[SKB_DROP_SOCKET_SNDBUFF] = "socket_sndbuff",
	[SKB_DROP_SOCKET_CLOSE] = "socket_close",
	[SKB_DROP_SOCKET_BACKLOG] = "socket_backlog",
	[SKB_DROP_TCP_CSUM] = "tcp_csum",
	[SKB_DROP_TCP_INVALID] = "tcp_invalid",
	[SKB_DROP_TCP_FLAGS] = "tcp_flags",
	[SKB_DROP_TCP_OLD_DATA] = "tcp_old_data",
	[SKB_DROP_TCP_OVERWINDOW] = "tcp_overwindow",
	[SKB_DROP_TCP_ZEROWINDOW] = "tcp_zerowindow",
	[SKB_DROP_TCP_OFO_DROP] = "tcp_ofo_drop",
	[SKB_DROP_TCP_OLD_ACK] = "tcp_old_ack",
	[SKB_DROP_TCP_RESET] = "tcp_reset",
	[SKB_DROP_TCP_LISTEN_OVERFLOW] = "tcp_listen_overflow",
	[SKB_DROP_TCP_CLOSE] = "tcp_close",
	[SKB_DROP_SCREEN] = "screen",
	[SKB_DROP_NETFILTER] = "netfilter",
	[SKB_DROP_NOMEM] = "nomem",
};

const char *
skb_drop_reason_name(enum skb_drop_reason r)
{
	if ((unsigned)r >= SKB_DROP_REASON_MAX || !drop_reason_names[r])
		return "?";
	return drop_reason_names[r];
}

int
skb_drop_reason_by_name(const char *name)
{
	for (int i = 0; i < SKB_DROP_REASON_MAX; i++)
		if (g_strcmp0(drop_reason_names[i], name) == 0)
			return i;
	return -1;
}

/* ---- the pool ------------------------------------------------------------ */

struct skb_pool *
skb_pool_new(void)
{
	return g_new0(struct skb_pool, 1);
}

void
skb_pool_free(struct skb_pool *pool)
{
	if (!pool)
		return;
	if (pool->allocs != pool->frees)
		g_error("skb_pool_free: %" G_GUINT64_FORMAT " skbs still alive",
			pool->allocs - pool->frees);
	while (pool->free_skbs) {
		struct sk_buff *s = pool->free_skbs;
		pool->free_skbs = s->next;
		g_free(s);
	}
	for (int c = 0; c < SKB_NCLASSES; c++) {
		while (pool->free_data[c]) {
			struct skb_data *d = pool->free_data[c];
			pool->free_data[c] = d->next_free;
			g_free(d);
		}
	}
	g_free(pool);
}

void
skb_pool_stats(const struct skb_pool *pool, struct skb_pool_stats *out)
{
	*out = (struct skb_pool_stats){
		.allocs = pool->allocs,
		.frees = pool->frees,
		.live = pool->allocs - pool->frees,
		.consumed = pool->consumed,
		.dropped = pool->dropped,
		.skb_mallocs = pool->skb_mallocs,
		.data_mallocs = pool->data_mallocs,
		.big_mallocs = pool->big_mallocs,
		.next_id = pool->next_id + 1,
	};
}

static struct skb_data *
data_get(struct skb_pool *pool, uint32_t size)
{
	unsigned cls = 0;
	while (cls < SKB_NCLASSES && (1u << (cls + SKB_MIN_CLASS_SHIFT)) < size)
		cls++;
	struct skb_data *d;
	if (cls == SKB_NCLASSES) {
		d = g_malloc(sizeof(*d) + size);
		d->size = size;
		d->cls = SKB_BIG_CLASS;
		pool->big_mallocs++;
	} else if ((d = pool->free_data[cls]) != NULL) {
		pool->free_data[cls] = d->next_free;
	} else {
		uint32_t csize = 1u << (cls + SKB_MIN_CLASS_SHIFT);
		d = g_malloc(sizeof(*d) + csize);
		d->size = csize;
		d->cls = (uint8_t)cls;
		pool->data_mallocs++;
	}
	d->refs = 1;
	d->next_free = NULL;
	return d;
}

static void
data_put(struct skb_pool *pool, struct skb_data *d)
{
	g_assert(d->refs > 0);
	if (--d->refs)
		return;
	if (d->cls == SKB_BIG_CLASS) {
		g_free(d);
		return;
	}
	d->next_free = pool->free_data[d->cls];
	pool->free_data[d->cls] = d;
}

static struct sk_buff *
skb_get_struct(struct host *host)
{
	struct skb_pool *pool = host->pool;
	struct sk_buff *skb = pool->free_skbs;
	if (skb)
		pool->free_skbs = skb->next;
	else {
		skb = g_malloc(sizeof(*skb));
		pool->skb_mallocs++;
	}
	memset(skb, 0, offsetof(struct sk_buff, cb));
	memset(skb->cb, 0, sizeof(skb->cb));
	skb->buf = NULL;
	skb->live_next = skb->live_prev = NULL;
	skb->host = host;
	skb->id = ++pool->next_id;
	skb->mac_header = skb->network_header = skb->transport_header = SKB_HDR_UNSET;
	skb->tstamp = sim_now(host->sim);
	pool->allocs++;
	host_skb_born(host, skb);
	return skb;
}

static void
skb_release(struct sk_buff *skb)
{
	struct host *host = skb->host;
	struct skb_pool *pool = host->pool;
	if (skb->queue)
		skb_panic(skb, "skb free", 0, "skb is still on a queue");
	data_put(pool, skb->buf);
	host_skb_died(host, skb);
	skb->buf = NULL;
	skb->head = skb->data = skb->tail = skb->end = NULL;
	skb->next = pool->free_skbs;
	pool->free_skbs = skb;
	pool->frees++;
}

/* ---- allocation and ending ---------------------------------------------- */

struct sk_buff *
skb_alloc(struct host *host, uint32_t size, const char *layer)
{
	struct sk_buff *skb = skb_get_struct(host);
	skb->buf = data_get(host->pool, size);
	skb->head = skb->data = skb->tail = skb->buf->bytes;
	skb->end = skb->head + size;
	skb->layer = layer;
	trace_alloc(host->trace, skb->id, layer, size);
	return skb;
}

void
skb_consume(struct sk_buff *skb)
{
	trace_free(skb->host->trace, skb->id, skb->layer);
	skb->host->pool->consumed++;
	skb_release(skb);
}

void
skb_drop_at(struct sk_buff *skb, enum skb_drop_reason reason, const char *place)
{
	struct host *host = skb->host;
	host_count_drop(host, reason, place);
	trace_drop(host->trace, skb->id, skb->layer, skb_drop_reason_name(reason));
	host->pool->dropped++;
	skb_release(skb);
}

/* A new skb struct describing the same bytes as @skb, not on any queue. */
static struct sk_buff *
skb_dup_header(struct sk_buff *skb)
{
	struct sk_buff *n = skb_get_struct(skb->host);
	uint64_t id = n->id;
	struct sk_buff *live_next = n->live_next, *live_prev = n->live_prev;
	memcpy(n, skb, sizeof(*n));
	n->id = id;
	n->live_next = live_next;
	n->live_prev = live_prev;
	n->next = n->prev = NULL;
	n->queue = NULL;
	return n;
}

struct sk_buff *
skb_clone(struct sk_buff *skb)
{
	struct sk_buff *n = skb_dup_header(skb);
	skb->buf->refs++;
	skb->cloned = n->cloned = true;
	trace_clone(skb->host->trace, skb->id, n->id, skb->layer, 0);
	trace_alloc(skb->host->trace, n->id, skb->layer, (uint32_t)(skb->end - skb->head));
	return n;
}

struct sk_buff *
skb_copy(struct sk_buff *skb)
{
	struct sk_buff *n = skb_dup_header(skb);
	uint32_t size = (uint32_t)(skb->end - skb->head);
	n->buf = data_get(skb->host->pool, size);
	memcpy(n->buf->bytes, skb->head, size);
	n->head = n->buf->bytes;
	n->data = n->head + (skb->data - skb->head);
	n->tail = n->head + (skb->tail - skb->head);
	n->end = n->head + size;
	n->cloned = false;
	trace_clone(skb->host->trace, skb->id, n->id, skb->layer, skb->len);
	trace_alloc(skb->host->trace, n->id, skb->layer, size);
	return n;
}

void
skb_handoff(struct sk_buff *skb, const char *layer, const char *func)
{
	skb->layer = layer;
	trace_handoff(skb->host->trace, skb->id, layer, func, skb_data_offset(skb), skb->len);
}

/* ---- misuse ---------------------------------------------------------------- */

void
skb_panic(const struct sk_buff *skb, const char *call, uint32_t len, const char *what)
{
	char t[32] = "?";
	const char *hostname = "?";
	if (skb->host) {
		units_format_duration(sim_now(skb->host->sim), t, sizeof(t));
		hostname = skb->host->name;
	}
	long size = skb->head ? (long)(skb->end - skb->head) : -1;
	fprintf(stderr,
		"netsim: %s: skb %" G_GUINT64_FORMAT " %s: len %u size %ld "
		"head+0 data+%ld tail+%ld end+%ld skb->len %u dev %s host %s at %s\n",
		call, skb->id, what, len, size, skb->head ? (long)(skb->data - skb->head) : -1,
		skb->head ? (long)(skb->tail - skb->head) : -1, size, skb->len,
		skb->dev ? skb->dev->name : "<NULL>", hostname, t);
	fflush(stderr);
	abort();
}

void
skb_check(const struct sk_buff *skb, const char *caller)
{
	if (!skb->head || skb->data < skb->head || skb->tail < skb->data || skb->end < skb->tail ||
	    skb->len != (uint32_t)(skb->tail - skb->data))
		skb_panic(skb, caller, 0, "pointers out of order");
}

/* ---- pointer arithmetic --------------------------------------------------- */

void
skb_reserve(struct sk_buff *skb, uint32_t len)
{
	if (skb->len != 0)
		skb_panic(skb, "skb_reserve", len, "reserve on a non-empty skb");
	if (len > skb_tailroom(skb))
		skb_panic(skb, "skb_reserve", len, "skb_over_panic: reserve past end");
	skb->data += len;
	skb->tail += len;
}

unsigned char *
skb_put(struct sk_buff *skb, uint32_t len)
{
	unsigned char *old = skb->tail;
	if (len > skb_tailroom(skb))
		skb_panic(skb, "skb_put", len, "skb_over_panic: put past end");
	skb->tail += len;
	skb->len += len;
	return old;
}

unsigned char *
skb_put_data(struct sk_buff *skb, const void *from, uint32_t len)
{
	unsigned char *p = skb_put(skb, len);
	memcpy(p, from, len);
	return p;
}

unsigned char *
skb_push(struct sk_buff *skb, uint32_t len)
{
	if (len > skb_headroom(skb))
		skb_panic(skb, "skb_push", len, "skb_under_panic: push past head");
	skb->data -= len;
	skb->len += len;
	trace_push(skb->host->trace, skb->id, skb->layer, len, skb_data_offset(skb), skb->len);
	return skb->data;
}

unsigned char *
skb_pull(struct sk_buff *skb, uint32_t len)
{
	if (len > skb->len)
		skb_panic(skb, "skb_pull", len, "pull past tail");
	skb->data += len;
	skb->len -= len;
	trace_pull(skb->host->trace, skb->id, skb->layer, len, skb_data_offset(skb), skb->len);
	return skb->data;
}

void
skb_trim(struct sk_buff *skb, uint32_t len)
{
	if (skb->len > len) {
		skb->len = len;
		skb->tail = skb->data + len;
	}
}

/* ---- header offsets -------------------------------------------------------- */

static uint16_t
hdr_offset(const struct sk_buff *skb, int offset, const char *call)
{
	long off = (long)(skb->data - skb->head) + offset;
	if (off < 0 || off > (long)(skb->end - skb->head) || off >= SKB_HDR_UNSET)
		skb_panic(skb, call, (uint32_t)offset, "header offset outside the buffer");
	return (uint16_t)off;
}

void
skb_reset_mac_header(struct sk_buff *skb)
{
	skb->mac_header = hdr_offset(skb, 0, "skb_reset_mac_header");
}

void
skb_reset_network_header(struct sk_buff *skb)
{
	skb->network_header = hdr_offset(skb, 0, "skb_reset_network_header");
}

void
skb_reset_transport_header(struct sk_buff *skb)
{
	skb->transport_header = hdr_offset(skb, 0, "skb_reset_transport_header");
}

void
skb_set_mac_header(struct sk_buff *skb, int offset)
{
	skb->mac_header = hdr_offset(skb, offset, "skb_set_mac_header");
}

void
skb_set_network_header(struct sk_buff *skb, int offset)
{
	skb->network_header = hdr_offset(skb, offset, "skb_set_network_header");
}

void
skb_set_transport_header(struct sk_buff *skb, int offset)
{
	skb->transport_header = hdr_offset(skb, offset, "skb_set_transport_header");
}

static unsigned char *
hdr_ptr(const struct sk_buff *skb, uint16_t off, const char *call)
{
	if (off == SKB_HDR_UNSET)
		skb_panic(skb, call, 0, "header offset was never set");
	return skb->head + off;
}

unsigned char *
skb_mac_header(const struct sk_buff *skb)
{
	return hdr_ptr(skb, skb->mac_header, "skb_mac_header");
}

unsigned char *
skb_network_header(const struct sk_buff *skb)
{
	return hdr_ptr(skb, skb->network_header, "skb_network_header");
}

unsigned char *
skb_transport_header(const struct sk_buff *skb)
{
	return hdr_ptr(skb, skb->transport_header, "skb_transport_header");
}

bool
skb_mac_header_was_set(const struct sk_buff *skb)
{
	return skb->mac_header != SKB_HDR_UNSET;
}

int
skb_network_offset(const struct sk_buff *skb)
{
	return (int)(skb_network_header(skb) - skb->data);
}

int
skb_transport_offset(const struct sk_buff *skb)
{
	return (int)(skb_transport_header(skb) - skb->data);
}

/* ---- queues ------------------------------------------------------------------ */

void
skb_queue_head_init(struct sk_buff_head *q, const char *name, const char *layer)
{
	*q = (struct sk_buff_head){ .name = name, .layer = layer };
}

static void
link_tail(struct sk_buff_head *q, struct sk_buff *skb, const char *call)
{
	if (skb->queue)
		skb_panic(skb, call, skb->len, "skb is already on a queue");
	skb->next = NULL;
	skb->prev = q->last;
	if (q->last)
		q->last->next = skb;
	else
		q->first = skb;
	q->last = skb;
	skb->queue = q;
	q->qlen++;
	q->bytes += skb->len;
}

static void
unlink_skb(struct sk_buff_head *q, struct sk_buff *skb)
{
	if (skb->prev)
		skb->prev->next = skb->next;
	else
		q->first = skb->next;
	if (skb->next)
		skb->next->prev = skb->prev;
	else
		q->last = skb->prev;
	skb->next = skb->prev = NULL;
	skb->queue = NULL;
	q->qlen--;
	q->bytes -= skb->len;
}

void
skb_queue_tail(struct sk_buff_head *q, struct sk_buff *skb)
{
	link_tail(q, skb, "skb_queue_tail");
	trace_enqueue(skb->host->trace, skb->id, q->layer, q->name, q->qlen, skb->len);
}

void
skb_queue_head(struct sk_buff_head *q, struct sk_buff *skb)
{
	if (skb->queue)
		skb_panic(skb, "skb_queue_head", skb->len, "skb is already on a queue");
	skb->prev = NULL;
	skb->next = q->first;
	if (q->first)
		q->first->prev = skb;
	else
		q->last = skb;
	q->first = skb;
	skb->queue = q;
	q->qlen++;
	q->bytes += skb->len;
	trace_enqueue(skb->host->trace, skb->id, q->layer, q->name, q->qlen, skb->len);
}

struct sk_buff *
skb_dequeue(struct sk_buff_head *q)
{
	struct sk_buff *skb = q->first;
	if (!skb)
		return NULL;
	unlink_skb(q, skb);
	trace_dequeue(skb->host->trace, skb->id, q->layer, q->name, q->qlen, skb->len);
	return skb;
}

struct sk_buff *
skb_dequeue_tail(struct sk_buff_head *q)
{
	struct sk_buff *skb = q->last;
	if (!skb)
		return NULL;
	unlink_skb(q, skb);
	trace_dequeue(skb->host->trace, skb->id, q->layer, q->name, q->qlen, skb->len);
	return skb;
}

void
skb_unlink(struct sk_buff *skb, struct sk_buff_head *q)
{
	if (skb->queue != q)
		skb_panic(skb, "skb_unlink", skb->len, "skb is not on this queue");
	unlink_skb(q, skb);
	trace_dequeue(skb->host->trace, skb->id, q->layer, q->name, q->qlen, skb->len);
}

void
skb_queue_purge(struct sk_buff_head *q, enum skb_drop_reason reason)
{
	struct sk_buff *skb;
	while ((skb = skb_dequeue(q)) != NULL)
		skb_drop(skb, reason);
}

void
__skb_queue_tail(struct sk_buff_head *q, struct sk_buff *skb)
{
	link_tail(q, skb, "__skb_queue_tail");
}

struct sk_buff *
__skb_dequeue(struct sk_buff_head *q)
{
	struct sk_buff *skb = q->first;
	if (skb)
		unlink_skb(q, skb);
	return skb;
}
