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
#include "sim/check.h"
#include "sim/units.h"
#include "stack/host.h"
#include "stack/netdevice.h"
#include "trace/trace.h"

#define SKB_MIN_CLASS_SHIFT 6 /* 64 bytes */
#define SKB_NCLASSES 11	      /* 64 .. 65536 */
#define SKB_BIG_CLASS 0xff

struct skb_data {
	uint64_t id; /* run-unique, for the trace: clones share it */
	uint32_t refs;
	uint32_t size; /* usable bytes */
	uint8_t cls;   /* size class, SKB_BIG_CLASS when not pooled */
	struct skb_data *next_free;
	unsigned char bytes[] __attribute__((aligned(16)));
};

struct skb_pool {
	struct sk_buff *free_skbs;
	struct skb_data *free_data[SKB_NCLASSES];
	uint64_t next_id, next_data_id;
	uint64_t allocs, frees, skb_mallocs, data_mallocs, big_mallocs;
	uint64_t consumed, dropped; /* frees = consumed + dropped */
};

static const char *const drop_reason_names[SKB_DROP_REASON_MAX] = {
#define SKB_DROP_NAME(e, name, what) [SKB_DROP_##e] = #name,
	SKB_DROP_REASONS(SKB_DROP_NAME)
#undef SKB_DROP_NAME
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
	/* the least class whose 64 << cls bytes hold @size, SKB_NCLASSES when none */
	unsigned cls = 0;
	if (size > (1u << SKB_MIN_CLASS_SHIFT)) {
		cls = 32u - (unsigned)__builtin_clz(size - 1) - SKB_MIN_CLASS_SHIFT;
		if (cls > SKB_NCLASSES)
			cls = SKB_NCLASSES;
	}
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
	d->refs = 1; /* next_free is read only on the free list (data_put sets it) */
	d->id = ++pool->next_data_id;
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

/* An skb struct from @pool's free list, or malloc'ed: its contents are garbage. */
static inline struct sk_buff *
skb_struct_take(struct skb_pool *pool)
{
	struct sk_buff *skb = pool->free_skbs;
	if (skb)
		pool->free_skbs = skb->next;
	else {
		skb = g_malloc(sizeof(*skb));
		pool->skb_mallocs++;
	}
	return skb;
}

/* A zeroed skb struct from @host's pool, its headers unset: what a new skb
 * and a folded one taken back (skb_desc_take) both start from. */
static inline struct sk_buff *
skb_struct_zeroed(struct host *host)
{
	struct sk_buff *skb = skb_struct_take(host->pool);
	/* Copied from a template rather than memset: a fixed-size copy is
	 * inlined as vector moves, where gcc makes the memset a rep stos
	 * (perf: two thirds of skb_get_struct's time, its start-up cost). */
	static const struct sk_buff zeroed = {
		.mac_header = SKB_HDR_UNSET,
		.network_header = SKB_HDR_UNSET,
		.transport_header = SKB_HDR_UNSET,
	};
	memcpy(skb, &zeroed, offsetof(struct sk_buff, buf));
	skb->buf = NULL;
	skb->host = host;
	return skb;
}

static struct sk_buff *
skb_get_struct(struct host *host)
{
	struct skb_pool *pool = host->pool;
	struct sk_buff *skb = skb_struct_zeroed(host); /* host_skb_born sets the live links */
	skb->id = ++pool->next_id;
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
	skb_orphan(skb); /* Linux skb_release_head_state runs the destructor */
	if (skb->buf)	 /* NULL: an RX descriptor never written (skb_alloc_nodata) */
		data_put(pool, skb->buf);
	host_skb_died(host, skb);
	skb->buf = NULL;
	skb->head = skb->data = skb->tail = skb->end = NULL;
	skb->next = pool->free_skbs;
	pool->free_skbs = skb;
	pool->frees++;
}

/* ---- the trace --------------------------------------------------------------- */

/*
 * Writes one row for @skb with its pointers after the operation.  Only
 * reached behind the level check (SKB_TRACE): the per-packet cost with
 * tracing off is that one comparison.  free/drop rows carry the dataref
 * the data will have once this skb lets go of it (0: the data is freed).
 */
static void
skb_trace_row_len(struct sk_buff *skb, enum trace_op op, enum trace_layer layer, const char *func,
		  const char *queue, int64_t len, int64_t bytes, enum trace_copy_kind kind,
		  const char *reason, uint64_t other, bool hw)
{
	const unsigned char *h = skb->head;
	const struct skb_data *b = skb->buf; /* NULL: an RX descriptor not yet written */
	/* the pointers go straight into the trace's record (no copy of a struct) */
	struct trace_skb_ptrs *p =
		trace_skb_event_ptrs_begin(skb->host->trace, op, skb->id, trace_layer_name(layer),
					   func, queue, len, bytes, kind, reason, other, hw);
	if (!p)
		return;
	p->data_id = b ? b->id : 0;
	p->step = skb->trace_step++;
	p->data = b ? (uint32_t)(skb->data - h) : 0;
	p->tail = b ? (uint32_t)(skb->tail - h) : 0;
	p->end = b ? (uint32_t)(skb->end - h) : 0;
	p->size = b ? b->size : 0;
	p->mac = skb->mac_header;
	p->net = skb->network_header;
	p->trans = skb->transport_header;
	p->dataref = b ? (uint16_t)(b->refs - (op == TR_FREE || op == TR_DROP)) : 0;
}

static void
skb_trace_row(struct sk_buff *skb, enum trace_op op, enum trace_layer layer, const char *func,
	      const char *queue, int64_t bytes, enum trace_copy_kind kind, const char *reason,
	      uint64_t other, bool hw)
{
	skb_trace_row_len(skb, op, layer, func, queue, skb->len, bytes, kind, reason, other, hw);
}

#define SKB_TRACE(skb, ...)                                \
	do {                                               \
		if (skb_traced(skb))                       \
			skb_trace_row((skb), __VA_ARGS__); \
	} while (0)

void
skb_trace_copy(struct sk_buff *skb, enum trace_layer layer, enum trace_copy_kind kind,
	       uint32_t bytes, const struct sk_buff *to)
{
	SKB_TRACE(skb, TR_COPY, layer, NULL, NULL, bytes, kind, NULL, to ? to->id : 0, false);
}

void
skb_trace_dma_tx(struct sk_buff *skb, const char *ifname, uint32_t len, uint32_t wlen)
{
	if (!skb_traced(skb))
		return;
	skb_trace_row(skb, TR_COPY, LAYER_NIC, NULL, NULL, len, COPY_DMA_TO_DEV, NULL, 0, true);
	/* a wire row's len is the frame's length on the wire (padded to 60) */
	skb_trace_row_len(skb, TR_WIRE, LAYER_WIRE, "tx", ifname, wlen, 0, COPY_NONE, NULL, 0,
			  true);
}

void
skb_trace_dma_rx(struct sk_buff *skb, const char *ifname, uint32_t len, uint64_t sender,
		 bool external)
{
	if (!skb_traced(skb))
		return;
	skb_trace_row_len(skb, TR_WIRE, LAYER_WIRE, "rx", ifname, len, 0, COPY_NONE,
			  external ? "external" : NULL, sender, true);
	skb_trace_row(skb, TR_COPY, LAYER_NIC, NULL, NULL, len, COPY_DMA_FROM_DEV, NULL, 0, true);
}

void
skb_trace_route(struct sk_buff *skb, const char *how)
{
	SKB_TRACE(skb, TR_ROUTE, LAYER_ROUTE, how, NULL, 0, COPY_NONE, NULL, 0, false);
}

void
skb_trace_op(struct sk_buff *skb, enum trace_op op, const char *func, int64_t bytes)
{
	skb_trace_row(skb, op, skb->layer, func, NULL, bytes, COPY_NONE, NULL, 0, false);
}

void
skb_trace_queue_op(struct sk_buff *skb, enum trace_op op, const struct sk_buff_head *q)
{
	skb_trace_row(skb, op, q->layer, NULL, q->name, q->qlen, COPY_NONE, NULL, 0, false);
}

bool
skb_cloned(const struct sk_buff *skb)
{
	return skb->cloned && skb->buf->refs != 1;
}

uint32_t
skb_dataref(const struct sk_buff *skb)
{
	return skb->buf->refs;
}

/* ---- allocation and ending ---------------------------------------------- */

struct sk_buff *
skb_alloc(struct host *host, uint32_t size, enum trace_layer layer)
{
	struct sk_buff *skb = skb_get_struct(host);
	skb->buf = data_get(host->pool, size);
	skb->head = skb->data = skb->tail = skb->buf->bytes;
	skb->end = skb->head + size;
	skb->layer = layer;
	SKB_TRACE(skb, TR_ALLOC, layer, NULL, NULL, 0, COPY_NONE, NULL, 0, false);
	NS_CHECK(skb_check(skb, "skb_alloc"));
	return skb;
}

struct sk_buff *
skb_alloc_nodata(struct host *host, uint32_t size, enum trace_layer layer)
{
	struct sk_buff *skb = skb_get_struct(host);
	skb->layer = layer;
	SKB_TRACE(skb, TR_ALLOC, layer, NULL, NULL, 0, COPY_NONE, NULL, 0, false);
	return skb;
}

void
skb_attach_data(struct sk_buff *skb, uint32_t size)
{
	g_assert(skb->buf == NULL);
	skb->buf = data_get(skb->host->pool, size);
	skb->head = skb->data = skb->tail = skb->buf->bytes;
	skb->end = skb->head + size;
	/* An expand row from no buffer: the replay checker sees the buffer born. */
	SKB_TRACE(skb, TR_EXPAND, skb->layer, "skb_attach_data", NULL, 0, COPY_NONE, NULL, 0,
		  false);
}

void
skb_desc_post(struct host *host, uint32_t size, enum trace_layer layer, const char *qname,
	      uint32_t qlen, struct skb_desc *d)
{
	struct skb_pool *pool = host->pool;
	*d = (struct skb_desc){ ++pool->next_id, sim_now(host->sim), 0 };
	pool->allocs++;
	host_skb_fold(host, qname);
	if (*host->trace_level >= TRACE_FULL) {
		/* the rows skb_alloc_nodata and an enqueue would write, from the
		 * fields they read (skb_struct_zeroed's): no struct is taken */
		struct sk_buff skb;
		memset(&skb, 0, sizeof(skb));
		skb.host = host;
		skb.mac_header = skb.network_header = skb.transport_header = SKB_HDR_UNSET;
		skb.id = d->id;
		skb.tstamp = d->tstamp;
		skb.layer = layer;
		skb_trace_row(&skb, TR_ALLOC, layer, NULL, NULL, 0, COPY_NONE, NULL, 0, false);
		skb_trace_row(&skb, TR_ENQUEUE, layer, NULL, qname, qlen, COPY_NONE, NULL, 0,
			      false);
		d->trace_step = skb.trace_step;
	}
}

struct sk_buff *
skb_desc_take(struct host *host, const struct skb_desc *d, enum trace_layer layer,
	      const char *qname, uint32_t qlen)
{
	struct sk_buff *skb = skb_struct_zeroed(host);
	skb->id = d->id;
	skb->tstamp = d->tstamp;
	skb->trace_step = d->trace_step;
	skb->layer = layer;
	host_skb_unfold(host, skb);
	SKB_TRACE(skb, TR_DEQUEUE, layer, NULL, qname, qlen, COPY_NONE, NULL, 0, false);
	return skb;
}

uint64_t
skb_desc_post_n(struct host *host, const char *qname, uint32_t n)
{
	struct skb_pool *pool = host->pool;
	g_assert(!TRACE_ON(host->trace) && n > 0);
	uint64_t first = pool->next_id + 1;
	pool->next_id += n;
	pool->allocs += n;
	host_skb_fold_n(host, qname, n);
	return first;
}

void
skb_desc_consume_n(struct host *host, uint32_t n)
{
	struct skb_pool *pool = host->pool;
	g_assert(!TRACE_ON(host->trace));
	host_skb_unfold_n(host, n);
	pool->consumed += n;
	pool->frees += n;
}

void
skb_consume(struct sk_buff *skb)
{
	SKB_TRACE(skb, TR_FREE, skb->layer, NULL, NULL, 0, COPY_NONE, NULL, 0, false);
	skb->host->pool->consumed++;
	skb_release(skb);
}

void
skb_drop_at(struct sk_buff *skb, enum skb_drop_reason reason, const char *place)
{
	struct host *host = skb->host;
	host_count_drop(host, reason, place);
	SKB_TRACE(skb, TR_DROP, skb->layer, NULL, NULL, 0, COPY_NONE, skb_drop_reason_name(reason),
		  0, false);
	host->pool->dropped++;
	skb_release(skb);
}

/* A new skb struct describing the same bytes as @skb, not on any queue:
 * skb_get_struct's work, but copied whole from @skb instead of zeroed
 * first (the copy overwrote every zero). */
static struct sk_buff *
skb_dup_header(struct sk_buff *skb)
{
	struct host *host = skb->host;
	struct skb_pool *pool = host->pool;
	struct sk_buff *n = skb_struct_take(pool);
	memcpy(n, skb, sizeof(*n));
	n->id = ++pool->next_id;
	pool->allocs++;
	host_skb_born(host, n);
	n->next = n->prev = NULL;
	n->queue = NULL;
	n->trace_step = 0;
	n->destructor = NULL; /* Linux __skb_clone: the owner's charge stays */
	n->wmem_charge = 0;
	return n;
}

struct sk_buff *
skb_clone(struct sk_buff *skb)
{
	struct sk_buff *n = skb_dup_header(skb);
	skb->buf->refs++;
	skb->cloned = n->cloned = true;
	SKB_TRACE(skb, TR_CLONE, skb->layer, NULL, NULL, 0, COPY_NONE, NULL, n->id, false);
	SKB_TRACE(n, TR_ALLOC, skb->layer, "skb_clone", NULL, 0, COPY_NONE, NULL, 0, false);
	NS_CHECK(skb_check(n, "skb_clone"));
	return n;
}

/* Linux skb_copy: a new buffer of the same size; headroom and data copied. */
struct sk_buff *
skb_copy(struct sk_buff *skb)
{
	struct sk_buff *n = skb_dup_header(skb);
	uint32_t size = (uint32_t)(skb->end - skb->head);
	uint32_t copied = (uint32_t)(skb->tail - skb->head);
	n->buf = data_get(skb->host->pool, size);
	memcpy(n->buf->bytes, skb->head, copied);
	n->head = n->buf->bytes;
	n->data = n->head + (skb->data - skb->head);
	n->tail = n->head + copied;
	n->end = n->head + size;
	n->cloned = false;
	n->gro_truesize = 0; /* a linear copy: its own buffer's */
	SKB_TRACE(skb, TR_COPY, skb->layer, NULL, NULL, copied, COPY_SKB_COPY, NULL, n->id, false);
	SKB_TRACE(n, TR_ALLOC, skb->layer, "skb_copy", NULL, 0, COPY_NONE, NULL, 0, false);
	NS_CHECK(skb_check(n, "skb_copy"));
	return n;
}

/* Linux pskb_expand_head (net/core/skbuff.c): new head, same skb. */
void
pskb_expand_head(struct sk_buff *skb, uint32_t nhead, uint32_t ntail)
{
	if (skb->queue)
		skb_panic(skb, "pskb_expand_head", nhead, "expanding a queued skb");
	uint32_t size = nhead + (uint32_t)(skb->end - skb->head) + ntail;
	uint32_t copied = (uint32_t)(skb->tail - skb->head);
	struct skb_data *d = data_get(skb->host->pool, size);
	memcpy(d->bytes + nhead, skb->head, copied);
	SKB_TRACE(skb, TR_COPY, skb->layer, NULL, NULL, copied, COPY_SKB_COPY, NULL, 0, false);
	uint32_t data = (uint32_t)(skb->data - skb->head) + nhead;
	data_put(skb->host->pool, skb->buf);
	skb->buf = d;
	skb->head = d->bytes;
	skb->data = skb->head + data;
	skb->tail = skb->data + skb->len;
	skb->end = skb->head + size;
	if (skb->gro_truesize) /* Linux: truesize += size - osize */
		skb->gro_truesize += nhead + ntail;
	uint16_t *hdr[] = { &skb->mac_header, &skb->network_header, &skb->transport_header };
	for (unsigned i = 0; i < G_N_ELEMENTS(hdr); i++)
		if (*hdr[i] != SKB_HDR_UNSET)
			*hdr[i] = (uint16_t)(*hdr[i] + nhead);
	skb->cloned = false;
	SKB_TRACE(skb, TR_EXPAND, skb->layer, NULL, NULL, nhead, COPY_NONE, NULL, 0, false);
	NS_CHECK(skb_check(skb, "pskb_expand_head"));
}

void
skb_cow(struct sk_buff *skb, uint32_t headroom)
{
	uint32_t have = skb_headroom(skb);
	uint32_t delta = headroom > have ? headroom - have : 0;
	if (delta || skb_cloned(skb))
		pskb_expand_head(skb, (delta + NET_SKB_PAD - 1) & ~(uint32_t)(NET_SKB_PAD - 1), 0);
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
	if (!skb->buf) {
		/* an RX descriptor whose buffer comes at DMA (skb_alloc_nodata) */
		if (skb->head || skb->data || skb->tail || skb->end || skb->len)
			skb_panic(skb, caller, 0, "no data buffer, but pointers or a length");
		return;
	}
	if (!skb->head || skb->data < skb->head || skb->tail < skb->data || skb->end < skb->tail ||
	    skb->len != (uint32_t)(skb->tail - skb->data))
		skb_panic(skb, caller, 0, "pointers out of order");
	if (skb->end - skb->head > (long)skb->buf->size || skb->buf->refs == 0)
		skb_panic(skb, caller, 0, "end past the data buffer, or a freed buffer");
	if (skb->buf->refs > 1 && !skb->cloned)
		skb_panic(skb, caller, 0, "shared data on an skb that is not a clone");
}

void
skb_queue_check(const struct sk_buff_head *q, const char *caller)
{
	uint32_t n = 0;
	uint64_t bytes = 0;
	const struct sk_buff *prev = NULL;
	for (const struct sk_buff *s = q->first; s; prev = s, s = s->next) {
		if (s->queue != q || s->prev != prev || ++n > q->qlen)
			skb_panic(s, caller, q->qlen, "queue links broken");
		skb_check(s, caller);
		bytes += s->len;
	}
	if (q->last != prev || n != q->qlen || bytes != q->bytes) {
		fprintf(stderr,
			"netsim: %s: queue %s: qlen %u bytes %" G_GUINT64_FORMAT
			" but %u skbs of %" G_GUINT64_FORMAT " bytes are linked\n",
			caller, q->name ? q->name : "?", q->qlen, q->bytes, n, bytes);
		fflush(stderr);
		abort();
	}
}

/* ---- pointer arithmetic --------------------------------------------------- */

unsigned char *
skb_put_data(struct sk_buff *skb, const void *from, uint32_t len)
{
	unsigned char *p = skb_put(skb, len);
	if (len) /* a zero-length write may pass a NULL buffer: memcpy's args must not be NULL */
		memcpy(p, from, len);
	return p;
}

void
skb_trim(struct sk_buff *skb, uint32_t len)
{
	if (skb->len <= len)
		return;
	uint32_t cut = skb->len - len;
	skb->len = len;
	skb->tail = skb->data + len;
	skb->data_csum_ok = false;
	skb_queue_len_changed(skb, -(int64_t)cut);
	SKB_TRACE(skb, TR_TRIM, skb->layer, NULL, NULL, cut, COPY_NONE, NULL, 0, false);
	NS_CHECK(skb_check(skb, "skb_trim"));
}

/* ---- queues ------------------------------------------------------------------ */

void
skb_queue_head_init(struct sk_buff_head *q, const char *name, enum trace_layer layer)
{
	*q = (struct sk_buff_head){ .name = name, .layer = layer };
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
	SKB_TRACE(skb, TR_ENQUEUE, q->layer, NULL, q->name, q->qlen, COPY_NONE, NULL, 0, false);
	NS_CHECK(skb_queue_check(q, "skb_queue_head"));
}

void
skb_append(struct sk_buff *old, struct sk_buff *newsk, struct sk_buff_head *q)
{
	if (newsk->queue)
		skb_panic(newsk, "skb_append", newsk->len, "skb is already on a queue");
	if (old->queue != q)
		skb_panic(old, "skb_append", old->len, "skb is not on this queue");
	newsk->prev = old;
	newsk->next = old->next;
	if (old->next)
		old->next->prev = newsk;
	else
		q->last = newsk;
	old->next = newsk;
	newsk->queue = q;
	q->qlen++;
	q->bytes += newsk->len;
	SKB_TRACE(newsk, TR_ENQUEUE, q->layer, NULL, q->name, q->qlen, COPY_NONE, NULL, 0, false);
	NS_CHECK(skb_queue_check(q, "skb_append"));
}

struct sk_buff *
skb_dequeue_tail(struct sk_buff_head *q)
{
	struct sk_buff *skb = q->last;
	if (!skb)
		return NULL;
	skb_unlink_from(q, skb);
	SKB_TRACE(skb, TR_DEQUEUE, q->layer, NULL, q->name, q->qlen, COPY_NONE, NULL, 0, false);
	NS_CHECK(skb_queue_check(q, __func__));
	return skb;
}

void
skb_queue_purge(struct sk_buff_head *q, enum skb_drop_reason reason)
{
	struct sk_buff *skb;
	while ((skb = skb_dequeue(q)) != NULL)
		skb_drop(skb, reason);
}
