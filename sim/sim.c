/*
 * sim/sim.c - the event queue.
 *
 * Pending events live in a slab of slots; small (time, sequence, slot,
 * generation) keys order them.  The keys that fire first wait in a short
 * sorted array, the near queue, and the rest in a 4-ary min-heap; every key
 * of the near queue comes before every key of the heap.  Most events are
 * near: a CPU item's end, a frame's arrival, each scheduled a few
 * microseconds ahead while far timers wait in the heap, so most events are
 * scheduled and dispatched without a heap operation.  Cancelling bumps the
 * slot's generation and frees it at once, which leaves a stale key behind;
 * the key is recognised by its old generation and skipped when it comes
 * first (Redis's ae.c marks deleted timers the same way).  So cancel is
 * O(1), schedule and dispatch are O(log n) at worst, and the steady state
 * allocates nothing: the slab and the heap only ever grow.
 *
 * An event id is (generation << 32 | slot); generations start at 1, so no
 * id is 0.
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
static volatile sig_atomic_t sim_interrupt_flag;

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

struct sim_slot {
	sim_event_fn fn;
	void *a, *b;
	sim_time_t at;
	uint32_t gen;
	uint32_t next_free; /* index + 1 of the next free slot, 0 = none */
};

struct sim_key {
	sim_time_t at;
	uint64_t seq; /* insertion order, breaks ties */
	uint32_t slot;
	uint32_t gen;
};

/* The near queue's length. */
#define SIM_NEAR 16

struct sim {
	sim_time_t now;
	uint64_t seed;
	uint64_t serial; /* sim_serial */
	uint64_t seq;
	uint64_t dispatched;
	size_t live; /* scheduled and neither fired nor cancelled */
	bool stop;
	bool hole;	      /* heap[0] holds no key: see heap_fill_hole */
	uint64_t at_instant;  /* events dispatched since the clock last moved */
	uint64_t instant_cap; /* the instant limit, UINT64_MAX for none */
	bool stalled;
	sim_event_fn stall_fn; /* the event that hit the limit */
	void *stall_a, *stall_b;
	sim_pacer_fn pacer; /* real time: NULL unless a TAP link is used */
	void *pacer_ctx;
	sim_time_t run_end; /* the running sim_run_until's end; -1 outside one */
	uint64_t direct;    /* events run in place (sim_schedule_next) this run */

	struct sim_slot *slots;
	uint32_t nslots, cap_slots;
	uint32_t free_head; /* index + 1, 0 = none */

	struct sim_key *heap;
	size_t nheap, cap_heap; /* nheap counts the hole */

	/* the near queue, latest first: near[nnear - 1] fires next */
	uint32_t nnear;
	struct sim_key near[SIM_NEAR];
};

struct sim *
sim_new(uint64_t seed)
{
	static uint64_t serials; /* worlds are built on one thread */
	struct sim *sim = g_new0(struct sim, 1);
	sim->seed = seed;
	sim->serial = ++serials;
	sim->run_end = -1;
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
	g_free(sim);
}

_Static_assert(offsetof(struct sim, now) == 0, "sim_now (sim.h) reads the first member");

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
	return x->at < y->at || (x->at == y->at && x->seq < y->seq);
}

static void heap_check(const struct sim *sim, const char *caller);

/*
 * The heap is 4-ary: half the depth of a binary heap, and the four children
 * of a node share a cache line or two, which matters more than the extra
 * comparisons.
 *
 * Its root may be a hole (sim->hole): an event dispatched from the heap
 * leaves its place empty, and the next key that goes into the heap fills
 * it with one sift down, instead of a pop and a push (heapreplace).  A
 * hole stays until then, or until the heap's least key is needed (a
 * dispatch, or a check): then the last key fills it (a pop).
 */
#define HEAP_D 4

static inline bool
heap_empty(const struct sim *sim)
{
	return sim->nheap == (size_t)sim->hole;
}

static void
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

/* Fill the root hole with the last key: heap_pop's second half. */
static void
heap_fill_hole(struct sim *sim)
{
	size_t n = --sim->nheap;
	sim->hole = false;
	if (n > 0)
		heap_sift_down(sim, &sim->heap[n], 0, n);
	NS_CHECK(heap_check(sim, "heap_fill_hole"));
}

/* The time of the heap's least key (SIM_TIME_MAX when empty), for
 * sim_schedule_next; out of line, as it is needed only with no near key. */
static G_GNUC_NO_INLINE sim_time_t
heap_least_at(struct sim *sim)
{
	if (heap_empty(sim))
		return SIM_TIME_MAX;
	if (sim->hole)
		heap_fill_hole(sim);
	return sim->heap[0].at;
}

/* ---- the near queue ---------------------------------------------------- */

/*
 * A key joins the near queue when it comes before every key of the heap,
 * in its place by (time, sequence); a full near queue passes its latest key
 * on to the heap (it comes before all of the heap: a hole takes it as it
 * is).  Any other key goes into the heap.  Keys are unique and the next
 * event is always the near queue's earliest key, or the heap's least when
 * the near queue is empty, so the order of dispatch is what one heap gives.
 * The near queue is sorted latest first, so taking its next key moves
 * nothing, and a key that fires soon (most do: a CPU item's end) moves few.
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
queue_add_slow(struct sim *sim, struct sim_key k)
{
	const struct sim_key *key = &k;
	struct sim_key *a = sim->near;
	uint32_t n = sim->nnear;
	if (n == 0 || key_before(&a[0], key)) {
		/* after every near key: before the heap's least? */
		if (sim->hole) {
			/* the least is one of the hole's children */
			size_t nh = sim->nheap;
			if (nh > 1) {
				struct sim_key *h = sim->heap;
				size_t b = 1, m = MIN((size_t)HEAP_D, nh - 1);
				if (m == HEAP_D) {
					size_t b2 = key_before(&h[4], &h[3]) ? 4 : 3;
					b = key_before(&h[2], &h[1]) ? 2 : 1;
					if (key_before(&h[b2], &h[b]))
						b = b2;
				} else {
					for (size_t j = 2; j <= m; j++)
						if (key_before(&h[j], &h[b]))
							b = j;
				}
				if (key_before(&h[b], key)) {
					/* heapreplace: it moves down from the root,
					 * the least child up */
					sim->hole = false;
					h[0] = h[b];
					heap_sift_down(sim, key, b, nh);
					NS_CHECK(heap_check(sim, "queue_add"));
					return;
				}
			}
			if (n < SIM_NEAR) {
				near_prepend(sim, *key, n);
			} else {
				sim->heap[0] = *key; /* between the near queue and the heap */
				sim->hole = false;
			}
		} else if ((sim->nheap && key_before(&sim->heap[0], key)) || n == SIM_NEAR) {
			heap_push(sim, *key);
		} else {
			near_prepend(sim, *key, n);
		}
		return;
	}
	/* full, and @key comes before its latest key: that one goes to the heap */
	if (sim->hole) {
		sim->heap[0] = a[0];
		sim->hole = false;
	} else {
		heap_push(sim, a[0]);
	}
	if (key_before(&a[1], key)) {
		a[0] = *key; /* it is the latest now */
		return;
	}
	memmove(&a[0], &a[1], --n * sizeof *a);
	near_insert(sim, *key, n);
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

/* The next key to dispatch, or NULL: the near queue's first, else the heap's least. */
static inline const struct sim_key *
queue_next(struct sim *sim)
{
	if (sim->nnear)
		return &sim->near[sim->nnear - 1];
	if (heap_empty(sim))
		return NULL;
	if (sim->hole)
		heap_fill_hole(sim);
	return &sim->heap[0];
}

/* Take the key queue_next returned off the queue. */
static inline void
queue_take(struct sim *sim)
{
	if (sim->nnear) {
		sim->nnear--;
		return;
	}
	sim->hole = true; /* filled by the next key, or by queue_next */
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
		sim->cap_slots = sim->cap_slots ? sim->cap_slots * 2 : 1024;
		sim->slots = g_renew(struct sim_slot, sim->slots, sim->cap_slots);
	}
	sim->slots[sim->nslots].gen = 1;
	return sim->nslots++;
}

static void
slot_release(struct sim *sim, uint32_t i)
{
	struct sim_slot *s = &sim->slots[i];
	s->fn = NULL;
	s->gen = s->gen == UINT32_MAX ? 1 : s->gen + 1;
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
	queue_add(sim, (struct sim_key){ .at = when, .seq = sim->seq++, .slot = i, .gen = s->gen });
	sim->live++;
	return ((uint64_t)s->gen << 32) | i;
}

/* schedule_at out of line: the cases schedule_fast leaves. */
static G_GNUC_NO_INLINE sim_event_id
schedule_slow(struct sim *sim, sim_time_t when, sim_event_fn fn, void *a, void *b)
{
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
	k[j] = (struct sim_key){ .at = when, .seq = sim->seq++, .slot = i, .gen = s->gen };
	sim->nnear = n + 1;
	sim->live++;
	return ((uint64_t)s->gen << 32) | i;
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
	sim_time_t when = delay > SIM_TIME_MAX - sim->now ? SIM_TIME_MAX : sim->now + delay;
	sim_event_id id = schedule_fast(sim, when, fn, a, b);
	NS_CHECK(sim_check(sim, "sim_schedule"));
	return id;
}

static struct sim_slot *
slot_of(const struct sim *sim, sim_event_id id)
{
	uint32_t i = (uint32_t)id, gen = (uint32_t)(id >> 32);
	if (id == 0 || i >= sim->nslots)
		return NULL;
	struct sim_slot *s = &sim->slots[i];
	return s->gen == gen && s->fn ? s : NULL;
}

bool
sim_cancel(struct sim *sim, sim_event_id id)
{
	struct sim_slot *s = slot_of(sim, id);
	if (!s)
		return false;
	slot_release(sim, (uint32_t)id);
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
	if (fn)
		sim->run_end = -1; /* sim_schedule_next: the pacer sees each step */
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
	sim->run_end = -1;
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
		struct sim_slot *s = &sim->slots[top.slot];
		if (s->gen != top.gen || !s->fn) {
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
		slot_release(sim, top.slot);
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
		uint32_t slot = top->slot;
		struct sim_slot *s = &sim->slots[slot];
		if (s->gen != top->gen || !s->fn) {
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
			sim->hole = true; /* queue_take */
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
	sim->run_end = -1;
	n += sim->direct; /* counted as dispatched, as the events they stand for */
	sim->dispatched += n;
	if (!sim->stop && !sim_interrupt_flag && end > sim->now && end != SIM_TIME_MAX)
		sim->now = end;
	return n;
}

/*
 * An event at @when would be the next one dispatched when the event that
 * runs now returns if every pending key fires later (keys at @when came
 * first: their sequence is lower), the run goes on to @when, and nothing
 * else looks at the clock on its way: run_end is -1 under a pacer and
 * after a stop (sim_stop, sim_set_pacer), and an interrupt is asked for.
 * A cancelled key in front is taken as pending (the answer is then "no",
 * which is always safe).  An event at the same instant (@delay 0: a CPU
 * item that costs nothing, a wakeup's) counts towards the instant limit
 * as run_plain would count it; the one that would reach the limit goes
 * through the queue, whose dispatch stops the run at it as before.
 */
sim_event_id
sim_schedule_next(struct sim *sim, sim_time_t delay, sim_event_fn fn, void *a, void *b)
{
	if (delay >= 0 && delay <= sim->run_end - sim->now && !sim_interrupt_flag) {
		sim_time_t when = sim->now + delay;
		uint32_t nn = sim->nnear;
		if ((nn ? sim->near[nn - 1].at > when : heap_least_at(sim) > when) &&
		    (delay > 0 || sim->at_instant < sim->instant_cap)) {
			if (delay > 0) {
				sim->now = when;
				sim->at_instant = 0;
			} else {
				sim->at_instant++;
			}
			sim->direct++;
			NS_CHECK(sim_check(sim, "sim_schedule_next"));
			return 0;
		}
		g_assert(fn != NULL);
		sim_event_id id = schedule_fast(sim, when, fn, a, b); /* when: no overflow */
		NS_CHECK(sim_check(sim, "sim_schedule_next"));
		return id;
	}
	return sim_schedule(sim, delay, fn, a, b);
}

void
sim_stop(struct sim *sim)
{
	sim->stop = true;
	sim->run_end = -1; /* sim_schedule_next: the run ends after this event */
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
		" ns: %s (entry %zu of %zu in the heap%s, %u near, %u slots, %zu pending)\n",
		caller, sim->now, what, entry, sim->nheap, sim->hole ? " with its hole" : "",
		sim->nnear, sim->nslots, sim->live);
	fflush(stderr);
	abort();
}

/* The heap property: no entry fires before its parent (a hole at the root
 * has no key to compare).  O(n) in the heap's size, cancelled entries
 * included; it runs only in the checked build. */
static void
heap_check(const struct sim *sim, const char *caller)
{
	if (sim->hole && sim->nheap == 0)
		sim_bug(sim, caller, "a hole in an empty heap", 0);
	for (size_t i = sim->hole ? HEAP_D + 1 : 1; i < sim->nheap; i++)
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
		for (size_t i = sim->hole ? 1 : 0; i < sim->nheap; i++)
			if (!key_before(near_key(sim, sim->nnear - 1), &sim->heap[i]))
				sim_bug(sim, caller, "a heap entry fires before a near one", i);
	/* one mark per slot; on the stack unless the slab is large (this runs per event) */
	uint8_t small[4096];
	uint8_t *seen = sim->nslots <= sizeof small ? small : g_malloc(sim->nslots);
	memset(seen, SLOT_UNSEEN, sim->nslots);
	size_t pending = 0;
	for (size_t i = sim->hole ? 1 : 0; i < sim->nheap + sim->nnear; i++) {
		const struct sim_key *k =
			i < sim->nheap ? &sim->heap[i] : near_key(sim, (uint32_t)(i - sim->nheap));
		if (k->slot >= sim->nslots)
			sim_bug(sim, caller, "an entry names a slot that does not exist", i);
		if (k->at < sim->now)
			sim_bug(sim, caller, "an entry lies in the past of the clock", i);
		if (k->seq >= sim->seq)
			sim_bug(sim, caller, "an entry's sequence number was never issued", i);
		const struct sim_slot *s = &sim->slots[k->slot];
		if (s->gen != k->gen || !s->fn)
			continue; /* cancelled: skipped when it reaches the top */
		if (seen[k->slot] != SLOT_UNSEEN)
			sim_bug(sim, caller, "a pending event has two heap entries", i);
		if (s->at != k->at)
			sim_bug(sim, caller, "an entry's time is not its event's", i);
		seen[k->slot] = SLOT_KEYED;
		pending++;
	}
	for (uint32_t f = sim->free_head; f; f = sim->slots[f - 1].next_free) {
		if (f > sim->nslots || seen[f - 1] != SLOT_UNSEEN || sim->slots[f - 1].fn)
			sim_bug(sim, caller, "the free list holds a pending slot, or loops",
				sim->nheap);
		seen[f - 1] = SLOT_FREE;
	}
	for (uint32_t j = 0; j < sim->nslots; j++)
		if (seen[j] == SLOT_UNSEEN)
			sim_bug(sim, caller,
				sim->slots[j].fn ? "a pending event has no heap entry"
						 : "a slot is neither pending nor free",
				sim->nheap);
	if (seen != small)
		g_free(seen);
	if (pending != sim->live)
		sim_bug(sim, caller, "the count of pending events is wrong", sim->nheap);
}
