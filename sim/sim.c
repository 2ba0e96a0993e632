/*
 * sim/sim.c - the event queue.
 *
 * Pending events live in a slab of slots; 16-byte (time, tag) keys order
 * them, a tag being the key's sequence number above its slot.  The keys
 * that fire first wait in a short sorted array, the near queue; the rest,
 * the far keys, in a timer wheel of 256 ns buckets reaching 1 ms ahead,
 * and beyond that in a 4-ary min-heap.  Every key of the near queue comes
 * before every far key.  A CPU item's end scheduled while nothing else is
 * due first is the near queue's; in a busy world (the star's thousand
 * senders) most keys are far, and the wheel takes and gives them in O(1)
 * where the heap's sift-down grew with the number pending.  A slot
 * remembers the tag of the key it waits for; cancelling frees it at once,
 * which leaves a stale key behind, whose tag its slot no longer holds and
 * which is skipped when it comes first (Redis's ae.c marks deleted timers
 * the same way).  So cancel is O(1), schedule and dispatch are O(1)
 * amortised within the wheel's reach and O(log n) beyond, and the steady
 * state allocates nothing: the slab, the buckets and the heap only ever
 * grow.
 *
 * An event id is its key's tag, sequence << SLOT_BITS | slot: sequences
 * start at 1, so no id is 0, and none is issued twice.  A world holds at
 * most 2^24 events pending at once and schedules fewer than 2^40 in all
 * (both checked, off the usual path).
 */
#include "sim/sim.h"

#include <glib.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sim/check.h"

/* Set from a signal handler (Ctrl-C): every world of the program stops
 * after its current event.  A signal is for the whole program, so this is
 * the one piece of state that is not per world. */
volatile sig_atomic_t sim_interrupt_flag;

void
sim_interrupt(void)
{
	sim_interrupt_flag = 1;
}

bool
sim_interrupted(void)
{
	return sim_interrupt_flag != 0;
}

/* A key's tag: its sequence number (insertion order, which breaks ties)
 * above its slot. */
#define SLOT_BITS 24
#define SLOT_MASK ((1u << SLOT_BITS) - 1)
#define SEQ_ONE ((uint64_t)1 << SLOT_BITS)
/* The sequences a world may issue: checked in schedule_slow, with 2^32 to
 * spare for the keys schedule_fast takes between two of its calls. */
#define SEQ_LIMIT (((uint64_t)1 << (64 - SLOT_BITS)) - ((uint64_t)1 << 32))

struct sim_slot {
	sim_event_fn fn;
	void *a, *b;
	union {
		sim_time_t at;	    /* pending */
		uint32_t next_free; /* free: index + 1 of the next free slot, 0 = none */
	};
	uint64_t tag; /* pending: its key's tag (the event's id); free: 0 */
};

struct sim_key {
	sim_time_t at;
	uint64_t tag; /* sequence << SLOT_BITS | slot */
};

static inline uint32_t
key_slot(const struct sim_key *k)
{
	return (uint32_t)k->tag & SLOT_MASK;
}

/* The wheel of far keys (see wheel_add). */
#define WHEEL_SHIFT 8 /* a bucket is 256 ns */
#define WHEEL_BITS 12
#define WHEEL_N (1u << WHEEL_BITS) /* 4096 buckets: 1.05 ms */
#define WHEEL_WORDS (WHEEL_N / 64)
#define WHEEL_SUMS (WHEEL_WORDS / 64)

/* A bucket of the wheel: its list of nodes, sorted (index + 1, 0 = none). */
struct sim_bucket {
	uint32_t head, tail;
};

/* A key in the wheel: a link of its bucket's list. */
struct sim_wnode {
	struct sim_key key;
	uint32_t next; /* index + 1 of the next node of the bucket, 0 = none */
};

/* far_src: where the far queue's least key is (a bucket, FAR_HEAP), or
 * FAR_UNKNOWN until far_least looks again; far_min is a copy of it. */
#define FAR_HEAP (-1)
#define FAR_UNKNOWN (-2)

/* The near queue's length. */
#define SIM_NEAR 16

struct sim {
	/* struct sim_head (sim.h): read and written inline */
	sim_time_t now;
	sim_time_t direct_until; /* sim_schedule_next's bound (direct_bound); -1: none */
	uint64_t at_instant;	 /* events dispatched since the clock last moved */
	uint64_t direct;	 /* events run in place (sim_schedule_next) this run */

	uint64_t seed;
	uint64_t serial; /* sim_serial */
	uint64_t tag;	 /* the next key's sequence << SLOT_BITS */
	uint64_t dispatched;
	size_t live; /* scheduled and neither fired nor cancelled */
	bool stop;
	uint64_t instant_cap; /* the instant limit, UINT64_MAX for none */
	bool stalled;
	sim_event_fn stall_fn; /* the event that hit the limit */
	void *stall_a, *stall_b;
	sim_pacer_fn pacer; /* real time: NULL unless a TAP link is used */
	void *pacer_ctx;
	sim_time_t run_end; /* the running sim_run_until's end; -1 outside one */
	void *cpu_shared;   /* sim_cpu_shared */
	void (*cpu_shared_free)(void *data);

	struct sim_slot *slots;
	uint32_t nslots, cap_slots;
	uint32_t free_head; /* index + 1, 0 = none */

	struct sim_key *heap; /* the far keys beyond the wheel */
	size_t nheap, cap_heap;

	/* the near queue, latest first: near[nnear - 1] fires next */
	uint32_t nnear;
	struct sim_key near[SIM_NEAR];

	/* the wheel (see wheel_add); its bitmaps last, after the hot fields */
	size_t nwheel;
	int32_t far_src;	/* far_least's answer: a bucket, FAR_HEAP or FAR_UNKNOWN */
	struct sim_key far_min; /* its key, while far_src is known */
	struct sim_bucket *wheel;
	struct sim_wnode *wnodes; /* the nodes, a pool */
	uint32_t nwnodes, cap_wnodes;
	uint32_t wfree;		    /* index + 1 of the first free node, 0 = none */
	uint64_t wsum[WHEEL_SUMS];  /* bit w % 64 of word w / 64: wmap[w] is not 0 */
	uint64_t wmap[WHEEL_WORDS]; /* bit i % 64 of word i / 64: bucket i holds keys */
};

struct sim *
sim_new(uint64_t seed)
{
	static uint64_t serials; /* worlds are built on one thread */
	struct sim *sim = g_new0(struct sim, 1);
	sim->seed = seed;
	sim->serial = ++serials;
	sim->tag = SEQ_ONE;
	sim->run_end = -1;
	sim->direct_until = -1;
	sim->far_src = FAR_UNKNOWN;
	sim->wheel = g_new0(struct sim_bucket, WHEEL_N);
	sim_set_instant_limit(sim, SIM_INSTANT_LIMIT_DEFAULT);
	return sim;
}

void
sim_free(struct sim *sim)
{
	if (!sim)
		return;
	g_free(sim->slots);
	g_free(sim->heap);
	g_free(sim->wheel);
	g_free(sim->wnodes);
	if (sim->cpu_shared_free)
		sim->cpu_shared_free(sim->cpu_shared);
	g_free(sim);
}

void *
sim_cpu_shared(const struct sim *sim)
{
	return sim->cpu_shared;
}

void
sim_set_cpu_shared(struct sim *sim, void *data, void (*destroy)(void *data))
{
	g_assert(!sim->cpu_shared);
	sim->cpu_shared = data;
	sim->cpu_shared_free = destroy;
}

_Static_assert(offsetof(struct sim, now) == offsetof(struct sim_head, now) &&
		       offsetof(struct sim, direct_until) ==
			       offsetof(struct sim_head, direct_until) &&
		       offsetof(struct sim, at_instant) == offsetof(struct sim_head, at_instant) &&
		       offsetof(struct sim, direct) == offsetof(struct sim_head, direct),
	       "sim_now and sim_schedule_next (sim.h) read struct sim_head");

uint64_t
sim_seed(const struct sim *sim)
{
	return sim->seed;
}

uint64_t
sim_serial(const struct sim *sim)
{
	return sim->serial;
}

static inline bool
key_before(const struct sim_key *x, const struct sim_key *y)
{
	return x->at < y->at || (x->at == y->at && x->tag < y->tag);
}

static void heap_check(const struct sim *sim, const char *caller);

/*
 * The heap is 4-ary: half the depth of a binary heap, and the four children
 * of a node share a cache line or two, which matters more than the extra
 * comparisons.  It holds only the keys beyond the wheel's reach (below).
 */
#define HEAP_D 4

static G_GNUC_NO_INLINE void
heap_push(struct sim *sim, struct sim_key key)
{
	if (sim->nheap == sim->cap_heap) {
		sim->cap_heap = sim->cap_heap ? sim->cap_heap * 2 : 1024;
		sim->heap = g_renew(struct sim_key, sim->heap, sim->cap_heap);
	}
	size_t i = sim->nheap++;
	while (i > 0) {
		size_t parent = (i - 1) / HEAP_D;
		if (!key_before(&key, &sim->heap[parent]))
			break;
		sim->heap[i] = sim->heap[parent];
		i = parent;
	}
	sim->heap[i] = key;
	NS_CHECK(heap_check(sim, "heap_push"));
}

/* Put *@kp in the hole at index @i of the first @n keys, moving it down to
 * its place. */
static void
heap_sift_down(struct sim *sim, const struct sim_key *kp, size_t i, size_t n)
{
	struct sim_key *h = sim->heap, key = *kp;
	for (;;) {
		size_t first = HEAP_D * i + 1;
		if (first >= n)
			break;
		const struct sim_key *c = &h[first];
		size_t best = 0;
		if (n - first >= HEAP_D) {
			/* four children: a tournament of pairs (keys are unique) */
			size_t b2 = key_before(&c[3], &c[2]) ? 3 : 2;
			best = key_before(&c[1], &c[0]) ? 1 : 0;
			if (key_before(&c[b2], &c[best]))
				best = b2;
		} else {
			for (size_t j = 1; j < n - first; j++)
				if (key_before(&c[j], &c[best]))
					best = j;
		}
		if (!key_before(&c[best], &key))
			break;
		h[i] = c[best];
		i = first + best;
	}
	h[i] = key;
}

/* Take the heap's least key off: the last key fills the root. */
static void
heap_pop(struct sim *sim)
{
	size_t n = --sim->nheap;
	if (n > 0)
		heap_sift_down(sim, &sim->heap[n], 0, n);
	NS_CHECK(heap_check(sim, "heap_pop"));
}

/* ---- the wheel ------------------------------------------------------------------ */

/*
 * The far keys (those after the near queue) that fire within WHEEL_N
 * buckets of 2^WHEEL_SHIFT ns from now wait in a timer wheel (a calendar
 * queue of one year, Brown 1988): bucket (at >> WHEEL_SHIFT) % WHEEL_N,
 * each sorted by (time, sequence), earliest at its head.  Every key of the
 * wheel lies within WHEEL_N buckets of now's, which holds as the clock
 * moves (no key is ever in the past), so a bucket holds one bucket-time's
 * keys and the buckets in circular order from now's are in time order.  A
 * two-level bitmap finds the first non-empty bucket.  The keys beyond go
 * to the heap, and the far queue's least key is the lesser of the wheel's
 * and the heap's: a heap key is never moved into the wheel, it is only
 * compared.  So a far key costs O(1) amortised where the heap's sift-down
 * grew with the number pending: in the star most keys are far (a frame's
 * arrival, a CPU item's end behind one), 27 a datagram, and at N = 1000 the
 * heap's 18% of the run loop.  256 ns buckets hold a key or two; the reach
 * (1 ms) keeps the bucket heads in 32 KiB, and the rarer keys beyond it
 * (a thousand senders' 10 ms timers, TCP's) cost one heap push and pop.
 */
static inline uint32_t
wheel_index(sim_time_t at)
{
	return (uint32_t)((uint64_t)at >> WHEEL_SHIFT) & (WHEEL_N - 1);
}

/* Does a key at @at fit in the wheel now? */
static inline bool
wheel_fits(const struct sim *sim, sim_time_t at)
{
	return ((uint64_t)at >> WHEEL_SHIFT) - ((uint64_t)sim->now >> WHEEL_SHIFT) < WHEEL_N;
}

/* The first non-empty bucket in circular order from now's; the wheel is
 * not empty. */
static uint32_t
wheel_first(const struct sim *sim)
{
	uint32_t p = wheel_index(sim->now), w = p / 64;
	uint64_t bits = sim->wmap[w] & (~0ull << (p % 64));
	if (bits)
		return w * 64 + (uint32_t)__builtin_ctzll(bits);
	/* the words after w, then from word 0 (w's own low bits come last) */
	uint32_t sw = w / 64;
	uint64_t s = (w % 64) < 63 ? sim->wsum[sw] & (~0ull << (w % 64 + 1)) : 0;
	for (uint32_t k = 0; !s; k++) {
		sw = (sw + 1) % WHEEL_SUMS;
		s = sim->wsum[sw];
		g_assert(k <= WHEEL_SUMS);
	}
	w = sw * 64 + (uint32_t)__builtin_ctzll(s);
	return w * 64 + (uint32_t)__builtin_ctzll(sim->wmap[w]);
}

/*
 * A bucket is a sorted list of nodes from one pool, whose free nodes are
 * reused last freed first: the nodes in use stay few and warm (a thousand
 * timers are 32 KiB), where a growing array per bucket made the wheel's
 * whole reach (megabytes) pass through the cache once a turn.  A bucket
 * holds the keys of 256 ns; a new key is most often the latest
 * of its bucket (its sequence is the largest yet) and goes last, a near key
 * passed on to the wheel (the earliest of all) first, and the rest walk.
 */
static void
wheel_add(struct sim *sim, struct sim_key key)
{
	uint32_t n = sim->wfree;
	if (n) {
		sim->wfree = sim->wnodes[n - 1].next;
	} else {
		if (sim->nwnodes == sim->cap_wnodes) {
			sim->cap_wnodes = sim->cap_wnodes ? sim->cap_wnodes * 2 : 1024;
			sim->wnodes = g_renew(struct sim_wnode, sim->wnodes, sim->cap_wnodes);
		}
		n = ++sim->nwnodes;
	}
	uint32_t i = wheel_index(key.at);
	struct sim_bucket *bk = &sim->wheel[i];
	struct sim_wnode *nodes = sim->wnodes;
	sim->nwheel++;
	if (!bk->head) {
		sim->wmap[i / 64] |= 1ull << (i % 64);
		sim->wsum[i / 64 / 64] |= 1ull << (i / 64 % 64);
		nodes[n - 1] = (struct sim_wnode){ .key = key, .next = 0 };
		bk->head = bk->tail = n;
		return;
	}
	if (!key_before(&key, &nodes[bk->tail - 1].key)) {
		nodes[n - 1] = (struct sim_wnode){ .key = key, .next = 0 };
		nodes[bk->tail - 1].next = n;
		bk->tail = n;
		return;
	}
	uint32_t *link = &bk->head; /* it comes before the tail: a walk */
	while (key_before(&nodes[*link - 1].key, &key))
		link = &nodes[*link - 1].next;
	nodes[n - 1] = (struct sim_wnode){ .key = key, .next = *link };
	*link = n;
}

/* Take bucket @i's first key off. */
static void
wheel_take(struct sim *sim, uint32_t i)
{
	struct sim_bucket *bk = &sim->wheel[i];
	uint32_t n = bk->head;
	struct sim_wnode *node = &sim->wnodes[n - 1];
	bk->head = node->next;
	node->next = sim->wfree;
	sim->wfree = n;
	sim->nwheel--;
	if (!bk->head) {
		bk->tail = 0;
		sim->wmap[i / 64] &= ~(1ull << (i % 64));
		if (!sim->wmap[i / 64])
			sim->wsum[i / 64 / 64] &= ~(1ull << (i / 64 % 64));
	}
}

/* ---- the far queue: the wheel and the heap ---------------------------------------- */

static inline const struct sim_key *
far_key(const struct sim *sim, int32_t src)
{
	if (src == FAR_HEAP)
		return &sim->heap[0];
	return &sim->wnodes[sim->wheel[src].head - 1].key;
}

/* far_least when the least key is not known: find it. */
static G_GNUC_NO_INLINE const struct sim_key *
far_find(struct sim *sim)
{
	int32_t src;
	if (sim->nwheel) {
		src = (int32_t)wheel_first(sim);
		if (sim->nheap && key_before(&sim->heap[0], far_key(sim, src)))
			src = FAR_HEAP;
	} else if (sim->nheap) {
		src = FAR_HEAP;
	} else {
		return NULL;
	}
	sim->far_src = src;
	sim->far_min = *far_key(sim, src);
	return &sim->far_min;
}

/* The far queue's least key (a copy, valid until the far queue changes),
 * or NULL when it is empty. */
static inline const struct sim_key *
far_least(struct sim *sim)
{
	if (G_LIKELY(sim->far_src != FAR_UNKNOWN))
		return &sim->far_min;
	return far_find(sim);
}

static void
far_add(struct sim *sim, struct sim_key key)
{
	bool least = sim->far_src != FAR_UNKNOWN && key_before(&key, &sim->far_min);
	if (wheel_fits(sim, key.at)) {
		wheel_add(sim, key);
		if (least)
			sim->far_src = (int32_t)wheel_index(key.at);
	} else {
		heap_push(sim, key);
		if (least)
			sim->far_src = FAR_HEAP;
	}
	if (least)
		sim->far_min = key;
}

/* Take off the key far_least returned. */
static void
far_take(struct sim *sim)
{
	int32_t src = sim->far_src;
	if (src == FAR_HEAP)
		heap_pop(sim);
	else
		wheel_take(sim, (uint32_t)src);
	sim->far_src = FAR_UNKNOWN;
}

/* The time of the far queue's least key (SIM_TIME_MAX when empty), for
 * sim_schedule_next; out of line, as it is needed only with no near key. */
static G_GNUC_NO_INLINE sim_time_t
far_least_at(struct sim *sim)
{
	const struct sim_key *k = far_least(sim);
	return k ? k->at : SIM_TIME_MAX;
}

/* ---- the near queue ---------------------------------------------------- */

/*
 * A key joins the near queue when it comes before every far key, in its
 * place by (time, sequence); a full near queue passes its latest key on to
 * the far queue (it comes before all of it).  Any other key goes to the
 * far queue.  Keys are unique and the next event is always the near
 * queue's earliest key, or the far queue's least when the near queue is
 * empty, so the order of dispatch is what one heap gives.  The near queue
 * is sorted latest first, so taking its next key moves nothing, and a key
 * that fires soon (most do: a CPU item's end) moves few.
 */

/* Insert @key among the first @n near keys, before near[0].  Keys go by
 * value down to here: built in registers, stored once (a key written field
 * by field on the stack and read back whole stalls store forwarding). */
static inline void
near_insert(struct sim *sim, struct sim_key key, uint32_t n)
{
	struct sim_key *a = sim->near;
	uint32_t j = n;
	/* from the earliest end: move up the keys that fire before it */
	while (key_before(&a[j - 1], &key)) {
		a[j] = a[j - 1];
		j--;
	}
	a[j] = key;
	sim->nnear = n + 1;
}

/* The near queue as its new latest key. */
static inline void
near_prepend(struct sim *sim, struct sim_key key, uint32_t n)
{
	memmove(&sim->near[1], &sim->near[0], n * sizeof key);
	sim->near[0] = key;
	sim->nnear = n + 1;
}

/* queue_add when the near queue is empty or full, or @key comes after all of it. */
static void
queue_add_slow(struct sim *sim, struct sim_key key)
{
	struct sim_key *a = sim->near;
	uint32_t n = sim->nnear;
	if (n == 0 || key_before(&a[0], &key)) {
		/* after every near key: before the far queue's least? */
		const struct sim_key *f;
		if (n < SIM_NEAR && (!(f = far_least(sim)) || key_before(&key, f)))
			near_prepend(sim, key, n);
		else
			far_add(sim, key);
		return;
	}
	/* full, and @key comes before its latest key: that one goes on */
	far_add(sim, a[0]);
	if (key_before(&a[1], &key)) {
		a[0] = key; /* it is the latest now */
		return;
	}
	memmove(&a[0], &a[1], --n * sizeof *a);
	near_insert(sim, key, n);
}

/* Queue a key: the usual case inline, the rest in queue_add_slow. */
static inline void
queue_add(struct sim *sim, struct sim_key key)
{
	uint32_t n = sim->nnear;
	if (n - 1 < SIM_NEAR - 1 && key_before(&key, &sim->near[0]))
		near_insert(sim, key, n); /* 1 <= n < SIM_NEAR */
	else
		queue_add_slow(sim, key);
}

/* The next key to dispatch, or NULL: the near queue's first, else the far queue's least. */
static inline const struct sim_key *
queue_next(struct sim *sim)
{
	if (sim->nnear)
		return &sim->near[sim->nnear - 1];
	return far_least(sim);
}

/* Take the key queue_next returned off the queue. */
static inline void
queue_take(struct sim *sim)
{
	if (sim->nnear) {
		sim->nnear--;
		return;
	}
	far_take(sim);
}

static uint32_t
slot_alloc(struct sim *sim)
{
	if (sim->free_head) {
		uint32_t i = sim->free_head - 1;
		sim->free_head = sim->slots[i].next_free;
		return i;
	}
	if (sim->nslots == sim->cap_slots) {
		if (sim->nslots > SLOT_MASK)
			g_error("sim: more than %u events pending", SLOT_MASK + 1);
		sim->cap_slots = sim->cap_slots ? sim->cap_slots * 2 : 1024;
		sim->slots = g_renew(struct sim_slot, sim->slots, sim->cap_slots);
	}
	sim->slots[sim->nslots].tag = 0;
	return sim->nslots++;
}

static void
slot_release(struct sim *sim, uint32_t i)
{
	struct sim_slot *s = &sim->slots[i];
	s->tag = 0; /* its key, if still queued, is stale */
	s->next_free = sim->free_head;
	sim->free_head = i + 1;
}

/* sim_schedule_at without its checks, for both ways to schedule */
static inline sim_event_id
schedule_at(struct sim *sim, sim_time_t when, sim_event_fn fn, void *a, void *b)
{
	uint32_t i = slot_alloc(sim);
	struct sim_slot *s = &sim->slots[i];
	s->fn = fn;
	s->a = a;
	s->b = b;
	s->at = when;
	uint64_t tag = sim->tag | i;
	sim->tag += SEQ_ONE;
	s->tag = tag;
	queue_add(sim, (struct sim_key){ .at = when, .tag = tag });
	sim->live++;
	if (when <= sim->direct_until)
		sim->direct_until = when - 1;
	return tag;
}

/* schedule_at out of line: the cases schedule_fast leaves. */
static G_GNUC_NO_INLINE sim_event_id
schedule_slow(struct sim *sim, sim_time_t when, sim_event_fn fn, void *a, void *b)
{
	if (G_UNLIKELY(sim->tag >> SLOT_BITS >= SEQ_LIMIT))
		g_error("sim: %" G_GUINT64_FORMAT " events scheduled, the most a world can order",
			(uint64_t)SEQ_LIMIT);
	return schedule_at(sim, when, fn, a, b);
}

/*
 * schedule_at for the usual key: a free slot to reuse, and a near queue of
 * 1 to 15 keys whose latest fires after it.  A new key's sequence is the
 * largest yet, so it comes after every key of its time: comparing times
 * is enough.  Anything else is schedule_slow's, called as a tail call, so
 * that this path saves no registers.
 */
static inline sim_event_id
schedule_fast(struct sim *sim, sim_time_t when, sim_event_fn fn, void *a, void *b)
{
	uint32_t n = sim->nnear, fh = sim->free_head;
	if (G_UNLIKELY(!fh || n - 1 >= SIM_NEAR - 1 || when >= sim->near[0].at))
		return schedule_slow(sim, when, fn, a, b);
	uint32_t i = fh - 1;
	struct sim_slot *s = &sim->slots[i];
	sim->free_head = s->next_free;
	s->fn = fn;
	s->a = a;
	s->b = b;
	s->at = when;
	struct sim_key *k = sim->near;
	uint32_t j = n;
	while (k[j - 1].at <= when) { /* stops at near[0] at the latest */
		k[j] = k[j - 1];
		j--;
	}
	uint64_t tag = sim->tag | i;
	sim->tag += SEQ_ONE;
	s->tag = tag;
	k[j] = (struct sim_key){ .at = when, .tag = tag };
	sim->nnear = n + 1;
	sim->live++;
	if (when <= sim->direct_until)
		sim->direct_until = when - 1;
	return tag;
}

sim_event_id
sim_schedule_at(struct sim *sim, sim_time_t when, sim_event_fn fn, void *a, void *b)
{
	g_assert(fn != NULL);
	if (when < sim->now)
		g_error("sim_schedule_at: time %" G_GINT64_FORMAT
			" is before now %" G_GINT64_FORMAT,
			when, sim->now);
	sim_event_id id = schedule_fast(sim, when, fn, a, b);
	NS_CHECK(sim_check(sim, "sim_schedule_at"));
	return id;
}

sim_event_id
sim_schedule(struct sim *sim, sim_time_t delay, sim_event_fn fn, void *a, void *b)
{
	g_assert(delay >= 0);
	g_assert(fn != NULL);
	/* Saturate: a delay past the end of time is "never" (ns_sleep(INT64_MAX)). */
	sim_time_t when;
	if (__builtin_add_overflow(sim->now, delay, &when))
		when = SIM_TIME_MAX;
	sim_event_id id = schedule_fast(sim, when, fn, a, b);
	NS_CHECK(sim_check(sim, "sim_schedule"));
	return id;
}

static struct sim_slot *
slot_of(const struct sim *sim, sim_event_id id)
{
	uint32_t i = (uint32_t)id & SLOT_MASK;
	if (id == 0 || i >= sim->nslots)
		return NULL;
	struct sim_slot *s = &sim->slots[i];
	return s->tag == id ? s : NULL;
}

bool
sim_cancel(struct sim *sim, sim_event_id id)
{
	struct sim_slot *s = slot_of(sim, id);
	if (!s)
		return false;
	slot_release(sim, (uint32_t)id & SLOT_MASK);
	sim->live--;
	NS_CHECK(sim_check(sim, "sim_cancel"));
	return true;
}

bool
sim_is_pending(const struct sim *sim, sim_event_id id)
{
	return slot_of(sim, id) != NULL;
}

sim_time_t
sim_event_time(const struct sim *sim, sim_event_id id)
{
	struct sim_slot *s = slot_of(sim, id);
	return s ? s->at : -1;
}

void
sim_set_pacer(struct sim *sim, sim_pacer_fn fn, void *ctx)
{
	sim->pacer = fn;
	sim->pacer_ctx = ctx;
	if (fn) /* sim_schedule_next: the pacer sees each step */
		sim->run_end = sim->direct_until = -1;
}

/* Let the pacer move the clock towards @next; the caller then looks at the
 * queue again (the pacer may have scheduled something, or stopped the run). */
static void
pace(struct sim *sim, sim_time_t next)
{
	sim_time_t t = sim->pacer(sim, next, sim->pacer_ctx);
	if (t > sim->now) {
		sim->now = MIN(t, next);
		sim->at_instant = 0; /* the clock moved: a new instant */
	}
}

/* One instant has seen too many events: the run stops, and the event it
 * did not dispatch (already taken off the queue) is kept for the message. */
static void
stall(struct sim *sim, sim_event_fn fn, void *a, void *b)
{
	sim->stalled = sim->stop = true;
	sim->run_end = sim->direct_until = -1;
	sim->stall_fn = fn;
	sim->stall_a = a;
	sim->stall_b = b;
}

/* The run with a pacer: it is asked before every step of the clock. */
static uint64_t
run_paced(struct sim *sim, sim_time_t end)
{
	uint64_t n = 0;
	while (!sim->stop && !sim_interrupt_flag) {
		const struct sim_key *next = queue_next(sim);
		if (!next) {
			/* A paced clock still waits for the wall clock to reach
			 * @end; what arrives meanwhile runs in this call. */
			if (sim->pacer && end > sim->now && end != SIM_TIME_MAX) {
				pace(sim, end);
				continue;
			}
			break;
		}
		struct sim_key top = *next;
		struct sim_slot *s = &sim->slots[key_slot(&top)];
		if (s->tag != top.tag) {
			queue_take(sim); /* cancelled */
			continue;
		}
		if (sim->pacer && MIN(top.at, end) > sim->now) {
			pace(sim, MIN(top.at, end));
			continue;
		}
		if (top.at > end)
			break;
		queue_take(sim);
		sim_event_fn fn = s->fn;
		void *a = s->a, *b = s->b;
		slot_release(sim, key_slot(&top));
		sim->live--;
		if (top.at != sim->now) {
			sim->now = top.at;
			sim->at_instant = 0;
		} else if (++sim->at_instant > sim->instant_cap) {
			stall(sim, fn, a, b);
			break;
		}
		NS_CHECK(sim_check(sim, "sim_run_until"));
		fn(sim, a, b);
		n++;
	}
	return n;
}

/*
 * An event at @when would be the next one dispatched when the event that
 * runs now returns if every pending key fires later (keys at @when came
 * first: their sequence is lower), the run goes on to @when, and nothing
 * else looks at the clock on its way: run_end is -1 under a pacer and
 * after a stop (sim_stop, sim_set_pacer), and an interrupt is asked for.
 * A cancelled key in front is taken as pending (the answer is then "no",
 * which is always safe).  direct_bound is the latest such @when: the
 * next key's time less one, or the run's end (-1 when stopped or paced).
 */
static inline sim_time_t
direct_bound(struct sim *sim)
{
	uint32_t nn = sim->nnear;
	sim_time_t next = nn ? sim->near[nn - 1].at : far_least_at(sim);
	return next <= sim->run_end ? next - 1 : sim->run_end;
}

/*
 * The run without a pacer, the usual case: the same steps as run_paced
 * with its pacer NULL, without asking for the pacer on every event.  An
 * event may install a pacer (sim_set_pacer); a pacer only matters when the
 * clock is about to move or the run is about to end, so that is where this
 * loop looks: it returns, and sim_run_until hands the rest to run_paced.
 */
static uint64_t
run_plain(struct sim *sim, sim_time_t end)
{
	uint64_t n = 0;
	while (!sim->stop && !sim_interrupt_flag) {
		uint32_t nn = sim->nnear;
		const struct sim_key *top = nn ? &sim->near[nn - 1] : queue_next(sim);
		if (!top)
			break;
		sim_time_t at = top->at;
		uint32_t slot = key_slot(top);
		struct sim_slot *s = &sim->slots[slot];
		if (s->tag != top->tag) {
			queue_take(sim); /* cancelled */
			continue;
		}
		if (at > end)
			break;
		bool moves = at != sim->now; /* then at > now */
		if (moves && sim->pacer)
			break;
		sim_event_fn fn = s->fn;
		void *a = s->a, *b = s->b;
		slot_release(sim, slot);
		sim->live--;
		if (moves) {
			sim->now = at;
			sim->at_instant = 0;
		} else if (++sim->at_instant > sim->instant_cap) {
			queue_take(sim);
			stall(sim, fn, a, b);
			break;
		}
		if (nn)
			sim->nnear = nn - 1;
		else
			far_take(sim); /* queue_take */
		sim->direct_until = direct_bound(sim);
		NS_CHECK(sim_check(sim, "sim_run_until"));
		fn(sim, a, b);
		n++;
	}
	return n;
}

uint64_t
sim_run_until(struct sim *sim, sim_time_t end)
{
	uint64_t n = 0;
	sim->stop = false;
	sim->run_end = sim->pacer ? -1 : end; /* sim_schedule_next */
	sim->direct = 0;
	if (!sim->pacer)
		n = run_plain(sim, end);
	if (sim->pacer)
		n += run_paced(sim, end);
	sim->run_end = sim->direct_until = -1;
	n += sim->direct; /* counted as dispatched, as the events they stand for */
	sim->dispatched += n;
	if (!sim->stop && !sim_interrupt_flag && end > sim->now && end != SIM_TIME_MAX)
		sim->now = end;
	return n;
}

/*
 * sim_schedule_next (sim.h) when its inline test fails.  run_plain sets
 * the bound it reads (direct_until) as it dispatches each event; until the
 * next dispatch every key scheduled lowers it (schedule_at, schedule_
 * fast), and a stop, a stall or a pacer sets it to -1, so the inline test
 * is exact: a later continuation that fails it goes through the queue.
 * An event at the same instant (@delay 0: a CPU item that costs nothing,
 * a wakeup's) runs in place when the bound allows the clock's instant, and
 * counts towards the instant limit as run_plain would count it; the one
 * that would reach the limit goes through the queue, whose dispatch stops
 * the run at it as before.
 */
sim_event_id
sim_schedule_next_any(struct sim *sim, sim_time_t delay, sim_event_fn fn, void *a, void *b)
{
	sim_time_t when;
	if (delay > 0 && !__builtin_add_overflow(sim->now, delay, &when)) {
		/* the usual case here: behind another event */
		g_assert(fn != NULL);
		sim_event_id id = schedule_fast(sim, when, fn, a, b);
		NS_CHECK(sim_check(sim, "sim_schedule_next"));
		return id;
	}
	if (delay == 0 && sim->now <= sim->direct_until && !sim_interrupt_flag &&
	    sim->at_instant < sim->instant_cap) {
		sim->at_instant++;
		sim->direct++;
		NS_CHECK(sim_check(sim, "sim_schedule_next"));
		return 0;
	}
	return sim_schedule(sim, delay, fn, a, b);
}

void
sim_stop(struct sim *sim)
{
	sim->stop = true;
	/* sim_schedule_next: the run ends after this event */
	sim->run_end = sim->direct_until = -1;
}

bool
sim_stopped(const struct sim *sim)
{
	return sim->stop;
}

uint64_t
sim_events_dispatched(const struct sim *sim)
{
	return sim->dispatched;
}

size_t
sim_events_pending(const struct sim *sim)
{
	return sim->live;
}

void
sim_set_instant_limit(struct sim *sim, uint64_t events)
{
	sim->instant_cap = events ? events : UINT64_MAX;
}

bool
sim_stalled(const struct sim *sim, sim_event_fn *fn, void **a, void **b)
{
	if (sim->stalled) {
		if (fn)
			*fn = sim->stall_fn;
		if (a)
			*a = sim->stall_a;
		if (b)
			*b = sim->stall_b;
	}
	return sim->stalled;
}

/* ---- invariants (the checked build: NS_CHECK) -------------------------------------- */

static void G_GNUC_NORETURN
sim_bug(const struct sim *sim, const char *caller, const char *what, size_t entry)
{
	fprintf(stderr,
		"netsim: %s: event queue check failed at %" G_GINT64_FORMAT
		" ns: %s (entry %zu of %zu in the heap, %u near, %zu in the wheel, %u slots, %zu "
		"pending)\n",
		caller, sim->now, what, entry, sim->nheap, sim->nnear, sim->nwheel, sim->nslots,
		sim->live);
	fflush(stderr);
	abort();
}

/* The heap property: no entry fires before its parent.  O(n) in the
 * heap's size, cancelled entries included; it runs only in the checked
 * build. */
static void
heap_check(const struct sim *sim, const char *caller)
{
	for (size_t i = 1; i < sim->nheap; i++)
		if (key_before(&sim->heap[i], &sim->heap[(i - 1) / HEAP_D]))
			sim_bug(sim, caller, "an entry fires before its parent", i);
}

/* The near queue's @i-th key (entry nheap + i in the messages). */
static const struct sim_key *
near_key(const struct sim *sim, uint32_t i)
{
	return &sim->near[sim->nnear - 1 - i];
}

enum { SLOT_UNSEEN, SLOT_KEYED, SLOT_FREE };

struct check_walk {
	const struct sim *sim;
	const char *caller;
	uint8_t *seen;
	size_t pending;
};

/* One key of the queue (entry @i in the messages): a slot that exists, a
 * time not in the past, and its event's, once. */
static void
check_key(struct check_walk *cw, const struct sim_key *k, size_t i)
{
	const struct sim *sim = cw->sim;
	uint32_t slot = key_slot(k);
	if (slot >= sim->nslots)
		sim_bug(sim, cw->caller, "an entry names a slot that does not exist", i);
	if (k->at < sim->now)
		sim_bug(sim, cw->caller, "an entry lies in the past of the clock", i);
	if (k->tag >> SLOT_BITS >= sim->tag >> SLOT_BITS || k->tag < SEQ_ONE)
		sim_bug(sim, cw->caller, "an entry's sequence number was never issued", i);
	if (k->at <= sim->direct_until)
		sim_bug(sim, cw->caller, "an entry fires before sim_schedule_next's bound", i);
	const struct sim_slot *s = &sim->slots[slot];
	if (s->tag != k->tag)
		return; /* cancelled: skipped when it reaches the top */
	if (!s->fn)
		sim_bug(sim, cw->caller, "a pending event has no function", i);
	if (cw->seen[slot] != SLOT_UNSEEN)
		sim_bug(sim, cw->caller, "a pending event has two heap entries", i);
	if (s->at != k->at)
		sim_bug(sim, cw->caller, "an entry's time is not its event's", i);
	cw->seen[slot] = SLOT_KEYED;
	cw->pending++;
}

/* The wheel: each marked bucket sorted, holding keys of its own bucket-time
 * within the wheel's reach and after every near key; the marks and the
 * count agree (entries after the heap's and the near queue's). */
static void
wheel_check(struct check_walk *cw)
{
	const struct sim *sim = cw->sim;
	size_t e = sim->nheap + sim->nnear, n = 0;
	const struct sim_key *last_near = sim->nnear ? near_key(sim, sim->nnear - 1) : NULL;
	for (uint32_t w = 0; w < WHEEL_WORDS; w++) {
		if (!!(sim->wsum[w / 64] & (1ull << (w % 64))) != !!sim->wmap[w])
			sim_bug(sim, cw->caller, "the wheel's summary is wrong", e);
		for (uint64_t bits = sim->wmap[w]; bits; bits &= bits - 1) {
			uint32_t b = w * 64 + (uint32_t)__builtin_ctzll(bits);
			if (!sim->wheel[b].head)
				sim_bug(sim, cw->caller, "a marked bucket of the wheel is empty",
					e);
			uint32_t last = 0;
			const struct sim_key *prev = NULL;
			for (uint32_t x = sim->wheel[b].head; x;
			     last = x, x = sim->wnodes[x - 1].next, e++, n++) {
				if (x > sim->nwnodes || n > sim->nwnodes)
					sim_bug(sim, cw->caller, "a bucket's list is broken", e);
				const struct sim_key *k = &sim->wnodes[x - 1].key;
				if (wheel_index(k->at) != b || !wheel_fits(sim, k->at))
					sim_bug(sim, cw->caller,
						"a wheel entry is in the wrong bucket", e);
				if (prev && !key_before(prev, k))
					sim_bug(sim, cw->caller,
						"a bucket of the wheel is out of order", e);
				prev = k;
				if (last_near && !key_before(last_near, k))
					sim_bug(sim, cw->caller,
						"a wheel entry fires before a near one", e);
				check_key(cw, k, e);
			}
			if (last != sim->wheel[b].tail)
				sim_bug(sim, cw->caller, "a bucket's tail is not its last node", e);
		}
	}
	if (n != sim->nwheel)
		sim_bug(sim, cw->caller, "the wheel's count is wrong", e);
	if (sim->far_src >= 0 &&
	    (sim->far_src >= (int32_t)WHEEL_N || !sim->wheel[sim->far_src].head))
		sim_bug(sim, cw->caller, "the far queue's least is in an empty bucket", e);
	if (sim->far_src == FAR_HEAP && sim->nheap == 0)
		sim_bug(sim, cw->caller, "the far queue's least is in an empty heap", e);
	if (sim->far_src != FAR_UNKNOWN) {
		const struct sim_key *k = far_key(sim, sim->far_src);
		if (k->at != sim->far_min.at || k->tag != sim->far_min.tag)
			sim_bug(sim, cw->caller, "the far queue's least is not its copy", e);
	}
}

void
sim_check(const struct sim *sim, const char *caller)
{
	heap_check(sim, caller);
	if (sim->nnear > SIM_NEAR)
		sim_bug(sim, caller, "the near queue holds more than it can", sim->nheap);
	for (uint32_t i = 1; i < sim->nnear; i++)
		if (!key_before(near_key(sim, i - 1), near_key(sim, i)))
			sim_bug(sim, caller, "the near queue is out of order", sim->nheap + i);
	if (sim->nnear > 0)
		for (size_t i = 0; i < sim->nheap; i++)
			if (!key_before(near_key(sim, sim->nnear - 1), &sim->heap[i]))
				sim_bug(sim, caller, "a heap entry fires before a near one", i);
	/* one mark per slot; on the stack unless the slab is large (this runs per event) */
	uint8_t small[4096];
	uint8_t *seen = sim->nslots <= sizeof small ? small : g_malloc(sim->nslots);
	memset(seen, SLOT_UNSEEN, sim->nslots);
	struct check_walk cw = { sim, caller, seen, 0 };
	for (size_t i = 0; i < sim->nheap + sim->nnear; i++)
		check_key(&cw,
			  i < sim->nheap ? &sim->heap[i]
					 : near_key(sim, (uint32_t)(i - sim->nheap)),
			  i);
	wheel_check(&cw);
	size_t pending = cw.pending;
	for (uint32_t f = sim->free_head; f; f = sim->slots[f - 1].next_free) {
		if (f > sim->nslots || seen[f - 1] != SLOT_UNSEEN || sim->slots[f - 1].tag)
			sim_bug(sim, caller, "the free list holds a pending slot, or loops",
				sim->nheap);
		seen[f - 1] = SLOT_FREE;
	}
	for (uint32_t j = 0; j < sim->nslots; j++)
		if (seen[j] == SLOT_UNSEEN)
			sim_bug(sim, caller,
				sim->slots[j].tag ? "a pending event has no heap entry"
						  : "a slot is neither pending nor free",
				sim->nheap);
	if (seen != small)
		g_free(seen);
	if (pending != sim->live)
		sim_bug(sim, caller, "the count of pending events is wrong", sim->nheap);
	if (sim->direct_until > sim->run_end)
		sim_bug(sim, caller, "sim_schedule_next's bound lies after the run's end",
			sim->nheap);
}
