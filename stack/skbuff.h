/*
 * stack/skbuff.h - the socket buffer (struct sk_buff), its pool and queues.
 *
 * Linux counterpart: include/linux/skbuff.h, net/core/skbuff.c.
 * Seed text: "The socket buffer: sk_buff".
 *
 * An skb describes one packet: a data buffer [head, end) of which the bytes
 * [data, tail) are the packet.  Each layer moves data and tail instead of
 * copying (skb_push for a header on the way down, skb_pull on the way up).
 *
 *       head        data                 tail          end
 *        |<-headroom->|<------- len ------->|<-tailroom->|
 *
 * Invariants (checked by skb_check, always in force):
 *   head <= data <= tail <= end, len == tail - data;
 *   an skb is owned by exactly one queue (skb->queue != NULL) or by the
 *   function that holds it; a queue op on an skb already on a queue aborts.
 *
 * Misuse aborts in every build, naming the skb id, the call, the length,
 * the four offsets, the device and the virtual time (Linux's
 * skb_over_panic / skb_under_panic).  Note one difference from Linux:
 * skb_pull past tail aborts here (Linux returns NULL); use skb_may_pull to
 * test a packet's length first.
 *
 * Memory: skbs and data buffers come from a struct skb_pool with free lists
 * (data buffers by power-of-two size class), so a steady run allocates
 * nothing per packet.  The pool also hands out skb ids: one pool shared by
 * all hosts of a world makes ids run-unique, and deterministic for a given
 * scenario and seed.
 *
 * Ending an skb: skb_consume (it was delivered, or its work is done) or
 * skb_drop(skb, reason) (counted per host by reason and place, and traced).
 * Every queue operation goes through the traced helpers below.
 */
#ifndef NETSIM_STACK_SKBUFF_H
#define NETSIM_STACK_SKBUFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "sim/check.h"
#include "sim/sim.h"
#include "trace/trace.h"

struct host;
struct net_device;
struct sock;
struct skb_data;

/* Why an skb was dropped: the list is SKB_DROP_REASONS (include/netsim/trace_vocab.h). */
enum skb_drop_reason {
#define SKB_DROP_ENUM(e, name, what) SKB_DROP_##e,
	SKB_DROP_REASONS(SKB_DROP_ENUM)
#undef SKB_DROP_ENUM
		SKB_DROP_REASON_MAX
};

const char *skb_drop_reason_name(enum skb_drop_reason r);
/* The reason named @name, or -1. */
int skb_drop_reason_by_name(const char *name);

/* skb->pkt_type, set by eth_type_trans (Linux include/uapi/linux/if_packet.h). */
enum skb_pkt_type {
	PACKET_HOST = 0,
	PACKET_BROADCAST = 1,
	PACKET_MULTICAST = 2,
	PACKET_OTHERHOST = 3,
	PACKET_OUTGOING = 4,
};

struct sk_buff_head;

/*
 * skb->ip_summed (Linux include/linux/skbuff.h).  On transmit, PARTIAL
 * says that the checksum at csum_start + csum_offset is still to be
 * computed, by the NIC (NETIF_F_HW_CSUM) or by skb_checksum_help; on
 * receive, UNNECESSARY says the NIC verified it (NETIF_F_RXCSUM).  netsim
 * always writes the final checksum into the bytes (so every tap and pcap
 * sees the wire's bytes); ip_summed decides who is charged for it.
 */
enum {
	CHECKSUM_NONE = 0,
	CHECKSUM_UNNECESSARY = 1,
	CHECKSUM_COMPLETE = 2,
	CHECKSUM_PARTIAL = 3,
};

/* skb gso_type (Linux enum in include/linux/skbuff.h): TCP and UDP over IPv4. */
#define SKB_GSO_TCPV4 (1u << 0)
#define SKB_GSO_UDP_L4 (1u << 1) /* UDP_SEGMENT datagrams (Linux 4.18+) */

#define SKB_HDR_UNSET 0xffffu
#define SKB_CB_SIZE 48

struct sk_buff {
	/* list links: owned by the queue in @queue */
	struct sk_buff *next, *prev;
	struct sk_buff_head *queue; /* the queue holding this skb, or NULL */

	uint64_t id;		/* run-unique; 0 is never used */
	uint64_t wire_id;	/* on receive: id of the sender's skb that carried the frame */
	struct host *host;	/* whose memory this is: counts live skbs, finds the trace */
	struct net_device *dev; /* device it arrived on or leaves by */
	struct sock *sk;	/* owning socket (opaque here; the sockets layer's) */
	enum trace_layer layer; /* the layer holding it now, for the trace (LAYER_DEV) */

	unsigned char *head, *data, *tail, *end;
	uint32_t len;					       /* tail - data */
	uint16_t mac_header, network_header, transport_header; /* offsets from head */
	uint16_t protocol;   /* ethertype, host byte order (ETH_P_IP) */
	uint8_t pkt_type;    /* enum skb_pkt_type */
	bool cloned;	     /* made by or from skb_clone (skb_cloned: still shared?) */
	uint32_t trace_step; /* rows traced for this skb so far (the trace's step) */
	sim_time_t tstamp;   /* arrival at the NIC (receive) or creation */
	/* checksum state (Linux skb->ip_summed, csum_start, csum_offset) */
	uint8_t ip_summed;    /* CHECKSUM_NONE, _UNNECESSARY or _PARTIAL */
	uint16_t csum_start;  /* PARTIAL: offset from head where summing starts */
	uint16_t csum_offset; /* PARTIAL: where the sum goes, from csum_start */
	/* segmentation offload (Linux skb_shared_info gso_size/gso_segs/gso_type) */
	uint16_t gso_size; /* payload bytes per segment (the MSS); 0: not GSO */
	uint16_t gso_segs; /* segments it becomes */
	uint8_t gso_type;  /* SKB_GSO_TCPV4 or SKB_GSO_UDP_L4 */
	/* netsim's own, not Linux's skb->csum: the bytes data..tail summed
	 * (csum_partial) as they were copied in (skb_copy_from_user_csum), so
	 * that TCP's checksum need not read a queued payload a second time;
	 * valid while data_csum_ok, which every helper that moves data or tail
	 * clears.  It costs no modelled time: ip_summed decides that. */
	bool data_csum_ok;
	uint32_t data_csum;
	/* receive steering (Linux skb->hash, skb_record_rx_queue) */
	uint32_t hash;		/* the NIC's RSS hash; 0: none */
	uint16_t queue_mapping; /* receive: RX queue + 1, 0 not recorded; transmit: the TX queue */
	bool ooo_okay;		/* TCP: may take another TX queue than the flow's last (tcp_xmit) */
	/* GRO: a held or merged skb's truesize as Linux's skb_gro_receive
	 * counts it (the buffers of the skbs merged into it, not the room
	 * netsim's linear copy needs); 0: the buffer's (sock_skb_truesize) */
	uint32_t gro_truesize;
	/* the owner's charge (Linux skb->destructor and the skb->truesize
	 * a sock's sk_wmem_alloc holds for it: tcp_wfree, TSQ).  Run once by
	 * skb_consume / skb_drop (skb_release_head_state) or skb_orphan; a
	 * clone or copy does not inherit it (__skb_clone). */
	void (*destructor)(struct sk_buff *skb);
	uint32_t wmem_charge;

	/* control buffer, free for the layer holding the skb (TCP: seq numbers) */
	char cb[SKB_CB_SIZE] __attribute__((aligned(8)));

	/* private to skbuff.c */
	struct skb_data *buf;
	struct sk_buff *live_next, *live_prev; /* the host's list of live skbs */
};

/* A queue of skbs counting packets and bytes; its name appears in the trace. */
struct sk_buff_head {
	struct sk_buff *first, *last;
	uint32_t qlen;
	uint64_t bytes;		/* sum of the queued skbs' len, kept when a queued skb changes */
	const char *name;	/* "backlog", "qdisc", "sk_receive_queue": a literal */
	enum trace_layer layer; /* trace layer of the queue's owner: LAYER_DEV */
};

/*
 * The first members of struct host (stack/host.h, which includes this file
 * and so cannot be included here; host.h checks the offsets): what the
 * inline helpers below read of an skb's host, as sim_now reads struct
 * sim_head.
 */
struct skb_host_head {
	struct sim *sim;
	struct cpu *cpu;
	struct trace_host *trace; /* NULL when not traced */
	struct skb_pool *pool;
	/* &trace->level, or a constant TRACE_OFF when there is no trace
	 * (host_new, host_trace_detach): never NULL */
	const enum trace_level *trace_level;
};

/* Does @skb's host write the full trace's rows now (TRACE_ON)?  The one
 * test the inline helpers make before an out-of-line row: through the
 * host's trace_level, which is never NULL, it is TRACE_ON without the
 * NULL test (two loads, a compare and a branch; a dozen a packet). */
static inline bool
skb_traced(const struct sk_buff *skb)
{
	const struct skb_host_head *h = (const struct skb_host_head *)(const void *)skb->host;
	return *h->trace_level >= TRACE_FULL;
}

/*
 * The rows of the inline helpers below, behind skb_traced: @op on @skb in
 * its layer, with @func and @bytes; and a queue operation @op of @skb on
 * @q (its layer, name and length now).
 */
void skb_trace_op(struct sk_buff *skb, enum trace_op op, const char *func, int64_t bytes);
void skb_trace_queue_op(struct sk_buff *skb, enum trace_op op, const struct sk_buff_head *q);

/* Aborts (with the skb described) if an invariant is broken. */
void skb_check(const struct sk_buff *skb, const char *caller);
/*
 * Aborts if the queue's links, qlen or bytes (the sum of its skbs' len)
 * are inconsistent.  O(qlen): run through NS_CHECK (checked build only).
 */
void skb_queue_check(const struct sk_buff_head *q, const char *caller);
/*
 * Abort naming the skb: id, @call, @len, size of the buffer, offsets of
 * data/tail/end from head, device and virtual time.  Never returns.
 */
void skb_panic(const struct sk_buff *skb, const char *call, uint32_t len, const char *what)
	__attribute__((noreturn, cold));

/* ---- the pool ----------------------------------------------------------- */

struct skb_pool;

struct skb_pool_stats {
	uint64_t allocs; /* skbs handed out */
	uint64_t frees;
	uint64_t live;	       /* allocs - frees */
	uint64_t consumed;     /* freed by skb_consume: delivered or done */
	uint64_t dropped;      /* freed by skb_drop, counted by reason */
	uint64_t skb_mallocs;  /* struct sk_buff allocated from the system */
	uint64_t data_mallocs; /* data buffers allocated from the system */
	uint64_t big_mallocs;  /* data buffers above the largest class (not pooled) */
	uint64_t next_id;
};

struct skb_pool *skb_pool_new(void);
/* Frees the pool and its free lists.  No skb of the pool may be alive. */
void skb_pool_free(struct skb_pool *pool);
void skb_pool_stats(const struct skb_pool *pool, struct skb_pool_stats *out);

/* ---- allocation and ending ---------------------------------------------- */

/*
 * A new skb on @host with room for @size bytes (headroom 0, len 0): the
 * caller reserves headroom with skb_reserve.  Traced as alloc by @layer.
 */
struct sk_buff *skb_alloc(struct host *host, uint32_t size, enum trace_layer layer);
/*
 * An RX descriptor's skb: allocated as skb_alloc is, but its data buffer
 * comes later, from skb_attach_data when the device writes a frame into it
 * (an idle ring then holds no buffer memory).  Until then it has no data
 * (head == NULL) and may only be queued or freed; its trace rows carry
 * data_id 0 and size 0, and skb_attach_data writes an `expand` row.
 */
struct sk_buff *skb_alloc_nodata(struct host *host, uint32_t size, enum trace_layer layer);
/* Give an skb_alloc_nodata skb its @size-byte buffer (headroom 0, len 0). */
void skb_attach_data(struct sk_buff *skb, uint32_t size);

/*
 * A posted RX descriptor kept as its skb's identity alone (stack/nic.c):
 * the skb is counted (an id, an alloc, alive on its host) and traced exactly
 * as skb_alloc_nodata and an enqueue on the queue @qname (@qlen: its length
 * after) would, but folded: no struct is taken from the pool, the host
 * counts it among its folded skbs (host_skb_fold).  skb_desc_take unfolds
 * it, with its id and trace steps, as the dequeue from @qname.  A ring of
 * 256 descriptors then costs 6 KiB instead of 256 skb heads, and the head
 * a frame is written into is one the pool handed out last (warm in the
 * CPU caches) instead of one posted 256 frames of that ring earlier.
 */
struct skb_desc {
	uint64_t id;
	sim_time_t tstamp;
	uint32_t trace_step;
};
void skb_desc_post(struct host *host, uint32_t size, enum trace_layer layer, const char *qname,
		   uint32_t qlen, struct skb_desc *d);
struct sk_buff *skb_desc_take(struct host *host, const struct skb_desc *d, enum trace_layer layer,
			      const char *qname, uint32_t qlen);
/*
 * Untraced hosts only (!TRACE_ON): post @n descriptors at once, as @n calls
 * of skb_desc_post would (ids first..first+n-1, all stamped now, trace step
 * 0), without writing them anywhere; returns the first id.  And take back
 * @n posted descriptors never written and free them, as skb_desc_take and
 * skb_consume would one by one (h16s: an idle ring's open and stop).
 */
uint64_t skb_desc_post_n(struct host *host, const char *qname, uint32_t n);
void skb_desc_consume_n(struct host *host, uint32_t n);
/* The skb was delivered or its work is done.  Consumes @skb. */
void skb_consume(struct sk_buff *skb);
/*
 * The skb is dropped: counted on its host by @reason and by the calling
 * function (the place), and traced.  Consumes @skb.
 */
#define skb_drop(skb, reason) skb_drop_at((skb), (reason), __func__)
void skb_drop_at(struct sk_buff *skb, enum skb_drop_reason reason, const char *place);

/* A new skb sharing @skb's data (Linux skb_clone).  Traced as a clone. */
struct sk_buff *skb_clone(struct sk_buff *skb);
/* A new skb with a private copy of head..tail (Linux skb_copy).  Traced as a copy. */
struct sk_buff *skb_copy(struct sk_buff *skb);
/*
 * A new, private data buffer with @nhead more bytes of headroom and @ntail
 * more of tailroom; head..tail is copied and the old buffer let go (Linux
 * pskb_expand_head).  The skb keeps its id; pointers and header offsets
 * move by @nhead.  Traced as a copy (skb_copy, of head..tail) and an
 * expand row.
 */
void pskb_expand_head(struct sk_buff *skb, uint32_t nhead, uint32_t ntail);
/*
 * Make the skb's header area writable with at least @headroom bytes before
 * data (Linux skb_cow): expands the head when the data is shared or the
 * headroom too small, by the missing headroom rounded up to NET_SKB_PAD.
 */
void skb_cow(struct sk_buff *skb, uint32_t headroom);
#define NET_SKB_PAD 64

/* Is the data shared with another skb now (Linux skb_cloned: dataref != 1)? */
bool skb_cloned(const struct sk_buff *skb);
/* How many skbs share @skb's data (Linux skb_shared_info.dataref). */
uint32_t skb_dataref(const struct sk_buff *skb);

/*
 * A copy of @bytes bytes that involves @skb, traced as a copy row of @kind
 * on @skb with its pointers; @to is the skb the bytes went into when that
 * is another skb (COPY_SKB_COPY), else NULL.  Call after the copy.
 */
void skb_trace_copy(struct sk_buff *skb, enum trace_layer layer, enum trace_copy_kind kind,
		    uint32_t bytes, const struct sk_buff *to);
/*
 * The NIC's TX DMA of @skb (@len bytes) and the frame of @wlen bytes leaving
 * on @ifname: rows in the hardware context, as the RX DMA's.
 */
void skb_trace_dma_tx(struct sk_buff *skb, const char *ifname, uint32_t len, uint32_t wlen);
/*
 * A frame of @len bytes arrived at the NIC @ifname and the NIC wrote it into
 * @skb's buffer (call after the write): the wire row (@sender, the sending
 * skb's id, 0 when unknown; @external, a frame from outside the simulation,
 * Linux through a TAP device, whose row's reason is 'external') and the RX DMA copy row, in the hardware context, with @skb's pointers.
 */
void skb_trace_dma_rx(struct sk_buff *skb, const char *ifname, uint32_t len, uint64_t sender,
		      bool external);
/*
 * How the route lookup for @skb was answered (stack/route.c), in the row's
 * func: "route_cache_hit", "route_cache_miss" (the FIB was searched and the
 * answer cached) or "fib_lookup" (a host without a route cache).
 */
void skb_trace_route(struct sk_buff *skb, const char *how);

/* The owning layer changes: traced as a hand-off to @func in @layer. */
static inline void
skb_handoff(struct sk_buff *skb, enum trace_layer layer, const char *func)
{
	skb->layer = layer;
	if (skb_traced(skb))
		skb_trace_op(skb, TR_HANDOFF, func, 0);
}

/* ---- pointer arithmetic --------------------------------------------------- */

/* Linux skb_orphan: release the owner's charge now (the destructor
 * runs once).  Linux also clears skb->sk; netsim keeps it, which the
 * receive path overwrites. */
static inline void
skb_orphan(struct sk_buff *skb)
{
	void (*fn)(struct sk_buff *) = skb->destructor;
	if (fn) {
		skb->destructor = NULL;
		fn(skb);
		skb->wmem_charge = 0;
	}
}

/*
 * Ask the CPU to start loading what sending @skb will read: its struct
 * (skb_prefetch_struct), then, once that is in, its buffer's head and
 * the bytes data..tail (skb_prefetch_data).  For a queued skb that waited
 * long enough to leave the cache (a megabyte write queue); it changes
 * nothing, and costs a few instructions (Linux prefetches the next skb
 * of a list in the same way, e.g. napi_gro_receive's callers).
 */
static inline void
skb_prefetch_struct(const struct sk_buff *skb)
{
	for (unsigned off = 0; off < sizeof *skb; off += 64)
		__builtin_prefetch((const char *)skb + off);
}

/* The bytes only of a frame-sized skb: a 64 KiB GSO skb is read a
 * segment at a time, and prefetching all of it would push other lines out.
 * Four lines a turn, then one a turn for the rest: the same addresses as
 * one a turn, in about half the instructions (a 1,514-byte frame: 24
 * lines, 96 instructions of loop before). */
static inline void
skb_prefetch_data(const struct sk_buff *skb)
{
	__builtin_prefetch(skb->buf, 1);
	if (skb->len > 2048)
		return;
	/* addresses as integers: tail - 192 may lie before the buffer */
	uintptr_t p = (uintptr_t)skb->data, tail = (uintptr_t)skb->tail, last4 = tail - 192;
	for (; p < last4; p += 256) {
		__builtin_prefetch((const void *)p);
		__builtin_prefetch((const void *)(p + 64));
		__builtin_prefetch((const void *)(p + 128));
		__builtin_prefetch((const void *)(p + 192));
	}
	for (; p < tail; p += 64)
		__builtin_prefetch((const void *)p);
}

/* Linux skb_is_gso: a large skb the device or skb_gso_segment will cut. */
static inline bool
skb_is_gso(const struct sk_buff *skb)
{
	return skb->gso_size != 0;
}

static inline bool
skb_may_pull(const struct sk_buff *skb, uint32_t len)
{
	return len <= skb->len;
}

static inline uint32_t
skb_headroom(const struct sk_buff *skb)
{
	return (uint32_t)(skb->data - skb->head);
}

static inline uint32_t
skb_tailroom(const struct sk_buff *skb)
{
	return (uint32_t)(skb->end - skb->tail);
}

/* Offset of data from head: what the trace calls data_off. */
static inline uint32_t
skb_data_offset(const struct sk_buff *skb)
{
	return (uint32_t)(skb->data - skb->head);
}

/*
 * The pointer helpers, the header offsets and the queue operations are
 * inline: a dozen of them run for every packet, and out of line each cost
 * a call and its saves (docs/performance.md).  Each does its work and its
 * checks here; only the trace's row (behind skb_traced) and the abort are
 * out of line, in skbuff.c.
 */

/* A queued skb's length changed by @delta: its queue's byte count follows. */
static inline void
skb_queue_len_changed(struct sk_buff *skb, int64_t delta)
{
	if (skb->queue)
		skb->queue->bytes = (uint64_t)((int64_t)skb->queue->bytes + delta);
}

/* Make room for headers: empty skb only.  Aborts past end. */
static inline void
skb_reserve(struct sk_buff *skb, uint32_t len)
{
	if (skb->len != 0)
		skb_panic(skb, "skb_reserve", len, "reserve on a non-empty skb");
	if (len > skb_tailroom(skb))
		skb_panic(skb, "skb_reserve", len, "skb_over_panic: reserve past end");
	skb->data += len;
	skb->tail += len;
	if (skb_traced(skb))
		skb_trace_op(skb, TR_RESERVE, NULL, len);
	NS_CHECK(skb_check(skb, "skb_reserve"));
}

/* Extend the data at the tail; returns the old tail.  Aborts past end. */
static inline unsigned char *
skb_put(struct sk_buff *skb, uint32_t len)
{
	unsigned char *old = skb->tail;
	if (len > skb_tailroom(skb))
		skb_panic(skb, "skb_put", len, "skb_over_panic: put past end");
	skb->tail += len;
	skb->len += len;
	skb->data_csum_ok = false;
	skb_queue_len_changed(skb, len);
	if (skb_traced(skb))
		skb_trace_op(skb, TR_PUT, NULL, len);
	NS_CHECK(skb_check(skb, "skb_put"));
	return old;
}

/* skb_put and copy @len bytes from @from. */
unsigned char *skb_put_data(struct sk_buff *skb, const void *from, uint32_t len);

/* Extend the data at the front (a header); returns the new data.  Aborts past head.  Traced. */
static inline unsigned char *
skb_push(struct sk_buff *skb, uint32_t len)
{
	if (len > skb_headroom(skb))
		skb_panic(skb, "skb_push", len, "skb_under_panic: push past head");
	skb->data -= len;
	skb->len += len;
	skb->data_csum_ok = false;
	skb_queue_len_changed(skb, len);
	if (skb_traced(skb))
		skb_trace_op(skb, TR_PUSH, NULL, len);
	NS_CHECK(skb_check(skb, "skb_push"));
	return skb->data;
}

/* Remove @len bytes from the front; returns the new data.  Aborts past tail.  Traced. */
static inline unsigned char *
skb_pull(struct sk_buff *skb, uint32_t len)
{
	if (len > skb->len)
		skb_panic(skb, "skb_pull", len, "pull past tail");
	skb->data += len;
	skb->len -= len;
	skb->data_csum_ok = false;
	skb_queue_len_changed(skb, -(int64_t)len);
	if (skb_traced(skb))
		skb_trace_op(skb, TR_PULL, NULL, len);
	NS_CHECK(skb_check(skb, "skb_pull"));
	return skb->data;
}

/* Cut the data to @len bytes; no-op if already shorter (as Linux).  Traced. */
void skb_trim(struct sk_buff *skb, uint32_t len);

/* ---- header offsets --------------------------------------------------------- */

/* The offset from head of data + @offset, for a header.  Aborts outside the
 * buffer: below head (a negative offset, which the unsigned compare sees as
 * huge), past end, or too far for a 16-bit offset. */
static inline uint16_t
skb_hdr_offset(const struct sk_buff *skb, int offset, const char *call)
{
	long off = (long)(skb->data - skb->head) + offset;
	if ((unsigned long)off > (unsigned long)(skb->end - skb->head) || off >= SKB_HDR_UNSET)
		skb_panic(skb, call, (uint32_t)offset, "header offset outside the buffer");
	return (uint16_t)off;
}

/* Set a header's offset, @call naming the helper in the trace's row. */
static inline void
skb_hdr_set(struct sk_buff *skb, uint16_t *hdr, int offset, const char *call)
{
	*hdr = skb_hdr_offset(skb, offset, call);
	if (skb_traced(skb))
		skb_trace_op(skb, TR_HEADER, call, 0);
}

/* A header at data: head <= data <= end is the skb's invariant, so only
 * the 16-bit limit is left to check. */
static inline void
skb_hdr_reset(struct sk_buff *skb, uint16_t *hdr, const char *call)
{
	uint32_t off = skb_data_offset(skb);
	if (off >= SKB_HDR_UNSET)
		skb_panic(skb, call, 0, "header offset outside the buffer");
	*hdr = (uint16_t)off;
	if (skb_traced(skb))
		skb_trace_op(skb, TR_HEADER, call, 0);
}

/* Header offsets.  Reading an unset header aborts. */
static inline void
skb_reset_mac_header(struct sk_buff *skb) /* mac = data */
{
	skb_hdr_reset(skb, &skb->mac_header, "skb_reset_mac_header");
}

static inline void
skb_reset_network_header(struct sk_buff *skb) /* network = data */
{
	skb_hdr_reset(skb, &skb->network_header, "skb_reset_network_header");
}

static inline void
skb_reset_transport_header(struct sk_buff *skb) /* transport = data */
{
	skb_hdr_reset(skb, &skb->transport_header, "skb_reset_transport_header");
}

static inline void
skb_set_mac_header(struct sk_buff *skb, int offset) /* data + offset */
{
	skb_hdr_set(skb, &skb->mac_header, offset, "skb_set_mac_header");
}

static inline void
skb_set_network_header(struct sk_buff *skb, int offset)
{
	skb_hdr_set(skb, &skb->network_header, offset, "skb_set_network_header");
}

static inline void
skb_set_transport_header(struct sk_buff *skb, int offset)
{
	skb_hdr_set(skb, &skb->transport_header, offset, "skb_set_transport_header");
}

static inline unsigned char *
skb_hdr_ptr(const struct sk_buff *skb, uint16_t off, const char *call)
{
	if (off == SKB_HDR_UNSET)
		skb_panic(skb, call, 0, "header offset was never set");
	return skb->head + off;
}

static inline unsigned char *
skb_mac_header(const struct sk_buff *skb)
{
	return skb_hdr_ptr(skb, skb->mac_header, "skb_mac_header");
}

static inline unsigned char *
skb_network_header(const struct sk_buff *skb)
{
	return skb_hdr_ptr(skb, skb->network_header, "skb_network_header");
}

static inline unsigned char *
skb_transport_header(const struct sk_buff *skb)
{
	return skb_hdr_ptr(skb, skb->transport_header, "skb_transport_header");
}

static inline bool
skb_mac_header_was_set(const struct sk_buff *skb)
{
	return skb->mac_header != SKB_HDR_UNSET;
}

/* Offset of the header from data (negative when the header lies before data). */
static inline int
skb_network_offset(const struct sk_buff *skb)
{
	return (int)(skb_network_header(skb) - skb->data);
}

static inline int
skb_transport_offset(const struct sk_buff *skb)
{
	return (int)(skb_transport_header(skb) - skb->data);
}

/* ---- queues (traced) ------------------------------------------------------ */

void skb_queue_head_init(struct sk_buff_head *q, const char *name, enum trace_layer layer);

/* Link @skb at @q's tail; @call names the caller in an abort. */
static inline void
skb_link_tail(struct sk_buff_head *q, struct sk_buff *skb, const char *call)
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

/* Unlink @skb, which is on @q. */
static inline void
skb_unlink_from(struct sk_buff_head *q, struct sk_buff *skb)
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

/* Append.  Consumes @skb (the queue owns it). */
static inline void
skb_queue_tail(struct sk_buff_head *q, struct sk_buff *skb)
{
	skb_link_tail(q, skb, "skb_queue_tail");
	if (skb_traced(skb))
		skb_trace_queue_op(skb, TR_ENQUEUE, q);
	NS_CHECK(skb_queue_check(q, "skb_queue_tail"));
}

/* Put at the front (requeue).  Consumes @skb. */
void skb_queue_head(struct sk_buff_head *q, struct sk_buff *skb);

/* skb_dequeue and __skb_dequeue, @who naming the caller to the check. */
static inline struct sk_buff *
skb_dequeue_as(struct sk_buff_head *q, const char *who)
{
	struct sk_buff *skb = q->first;
	if (!skb)
		return NULL;
	skb_unlink_from(q, skb);
	if (skb_traced(skb))
		skb_trace_queue_op(skb, TR_DEQUEUE, q);
	NS_CHECK(skb_queue_check(q, who));
	return skb;
}

/* Remove the first skb, or NULL; the caller owns it. */
static inline struct sk_buff *
skb_dequeue(struct sk_buff_head *q)
{
	return skb_dequeue_as(q, "skb_dequeue");
}

/* Insert @newsk right after @old, which is on @q (Linux skb_append).  Consumes @newsk. */
void skb_append(struct sk_buff *old, struct sk_buff *newsk, struct sk_buff_head *q);
/* Remove the last skb, or NULL. */
struct sk_buff *skb_dequeue_tail(struct sk_buff_head *q);

/* Remove @skb from the queue it is on (which must be @q). */
static inline void
skb_unlink(struct sk_buff *skb, struct sk_buff_head *q)
{
	if (skb->queue != q)
		skb_panic(skb, "skb_unlink", skb->len, "skb is not on this queue");
	skb_unlink_from(q, skb);
	if (skb_traced(skb))
		skb_trace_queue_op(skb, TR_DEQUEUE, q);
	NS_CHECK(skb_queue_check(q, "skb_unlink"));
}

/* Drop every skb on @q with @reason. */
void skb_queue_purge(struct sk_buff_head *q, enum skb_drop_reason reason);

/*
 * The variants for buffers that hold no packet yet (a driver's empty,
 * pre-allocated RX buffers).  They are traced too, so that the trace says
 * where every skb is (the replay checker's "freed or queued").
 */
static inline void
__skb_queue_tail(struct sk_buff_head *q, struct sk_buff *skb)
{
	skb_link_tail(q, skb, "__skb_queue_tail");
	if (skb_traced(skb))
		skb_trace_queue_op(skb, TR_ENQUEUE, q);
	NS_CHECK(skb_queue_check(q, "__skb_queue_tail"));
}

static inline struct sk_buff *
__skb_dequeue(struct sk_buff_head *q)
{
	return skb_dequeue_as(q, "__skb_dequeue");
}

static inline struct sk_buff *
skb_peek(const struct sk_buff_head *q)
{
	return q->first;
}

static inline struct sk_buff *
skb_peek_tail(const struct sk_buff_head *q)
{
	return q->last;
}

static inline uint32_t
skb_queue_len(const struct sk_buff_head *q)
{
	return q->qlen;
}

static inline uint64_t
skb_queue_bytes(const struct sk_buff_head *q)
{
	return q->bytes;
}

static inline bool
skb_queue_empty(const struct sk_buff_head *q)
{
	return q->qlen == 0;
}

#endif
