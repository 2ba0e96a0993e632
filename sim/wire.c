/*
 * sim/wire.c - a full-duplex point-to-point link.
 *
 * Linux counterpart: none (the cable).  Used by stack/nic.c through
 * wire_send and the two callbacks; knows nothing of skbs.
 *
 * Each direction has at most one frame being serialised (the sender's
 * tx_done event) and a FIFO of frames in flight.  The delay is the same
 * for every frame, so arrivals keep their order and one pending event per
 * direction (the head's arrival) is enough.  Frame buffers come from free
 * lists by size class, so a steady run allocates nothing.  The lists are
 * shared by all the wires of a thread: a frame buffer is written by the
 * sender and read by the receiver once, so the buffer freed last, by any
 * wire, is the one still in the CPU caches (with a list per wire, each of
 * a 1000-sender star's wires wrote a buffer untouched since its previous
 * frame, 1000 frames earlier).
 */
#include "sim/wire.h"

#include <glib.h>
#include <stddef.h>
#include "sim/rng.h"

#define WIRE_NCLASSES 3
static const uint32_t wire_class_size[WIRE_NCLASSES] = { 128, 2048, WIRE_MAX_FRAME };

/* One end of the wire, and the direction in which it sends. */
/*
 * The ends and the wire are laid out by line, for a link whose host sends
 * once in 10 ms (the 1000-host star): a frame reads its wire's first line
 * (the engine, then the config's timing and loss), its sender end's two
 * (line A: what a send, its end and an arrival read, the link's state
 * among them; line B: the arrival event and the counters) and its
 * receiver end's line A (attached, rx, ctx), where the fields in
 * declaration order spread over seven.
 */
struct wire_end {
	/* line A */
	struct wire *w;
	wire_rx_fn rx;
	wire_tx_done_fn tx_done;
	void *ctx;
	struct wire_frame *fly_first, *fly_last; /* sent from this end, not yet arrived */
	sim_event_id tx_ev;
	int side;
	bool attached;
	bool busy;
	bool down; /* the link is down (both ends say so: wire_set_up) */
	/* line B */
	sim_event_id arrive_ev;
	struct wire_stats stats;
} __attribute__((aligned(64)));

struct wire {
	struct sim *sim;
	struct wire_config cfg; /* rate to mtu on line 0, after sim */
	char *name;
	struct rng rng;
	sim_event_id down_ev, up_ev;
	struct wire_end end[2];
};

_Static_assert(offsetof(struct wire, cfg) + offsetof(struct wire_config, mtu) + 4 <= 64 &&
		       offsetof(struct wire_end, down) < 64 &&
		       offsetof(struct wire_end, stats.busy) + 8 <= 128 &&
		       offsetof(struct wire_end, stats.frames_delivered) + 8 <= 128,
	       "struct wire's hot fields are not on the lines the comment names");

/* The free frame buffers, by size class, and the wires that use them. */
static __thread struct wire_frame *wire_free_frames[WIRE_NCLASSES];
static __thread unsigned wire_count;

#define WIREKEY(name, type, lo, hi, dlo, dhi, doc)                                           \
	{                                                                                    \
#name, type, offsetof(struct wire_config, name), lo, hi, dlo, dhi, NULL, doc \
	}

const struct conf_key wire_conf_keys[] = {
	WIREKEY(rate, CONF_BITRATE, 1000, INT64_C(1000000000000), 0, 0,
		"link rate in each direction (default 1Gbit)"),
	WIREKEY(delay, CONF_DURATION, 0, 10 * SIM_S, 0, 0,
		"one-way propagation delay (default 10us)"),
	WIREKEY(loss, CONF_DOUBLE, 0, 0, 0.0, 1.0,
		"probability that a frame is lost, drawn from stream link:NAME (default 0)"),
	WIREKEY(loss_ab, CONF_DOUBLE, 0, 0, 0.0, 1.0,
		"and in addition, that a frame from end a (the first interface to name the "
		"link) to b is lost (default 0)"),
	WIREKEY(loss_ba, CONF_DOUBLE, 0, 0, 0.0, 1.0,
		"and in addition, that a frame from end b to a is lost (default 0)"),
	WIREKEY(overhead, CONF_UINT32, 0, 1000, 0, 0,
		"bytes per frame on the wire beyond the frame: preamble, FCS, gap (default 24)"),
	WIREKEY(min_frame, CONF_UINT32, 0, 1518, 0, 0,
		"frames shorter than this take as long as this (default 60)"),
	WIREKEY(mtu, CONF_UINT32, 68, WIRE_MAX_FRAME - 14, 0, 0,
		"largest frame payload the link carries; larger frames are lost (default 1500)"),
	WIREKEY(down_at, CONF_DURATION, 0, INT64_MAX, 0, 0,
		"time at which the link goes down (default: never)"),
	WIREKEY(up_at, CONF_DURATION, 0, INT64_MAX, 0, 0,
		"time at which a link that went down comes back up (default: never)"),
	{ NULL },
};

void
wire_config_init(struct wire_config *c)
{
	*c = (struct wire_config){
		.rate = 1000000000,
		.delay = 10 * SIM_US,
		.loss = 0.0,
		.overhead = 24,
		.min_frame = 60,
		.mtu = 1500,
	};
}

void
wire_set_up(struct wire *w, bool up)
{
	w->end[0].down = w->end[1].down = !up;
}

bool
wire_is_up(const struct wire *w)
{
	return !w->end[0].down;
}

static void
wire_down_ev(struct sim *sim, void *a, void *b)
{
	struct wire *w = a;
	w->down_ev = 0;
	wire_set_up(w, false);
}

static void
wire_up_ev(struct sim *sim, void *a, void *b)
{
	struct wire *w = a;
	w->up_ev = 0;
	wire_set_up(w, true);
}

struct wire *
wire_new(struct sim *sim, const char *name, const struct wire_config *cfg, uint64_t seed)
{
	struct wire *w = g_aligned_alloc0(1, sizeof *w, 64); /* laid out by line */
	wire_count++;
	w->sim = sim;
	w->name = g_strdup(name);
	if (cfg)
		w->cfg = *cfg;
	else
		wire_config_init(&w->cfg);
	g_assert(w->cfg.rate > 0);
	g_autofree char *stream = g_strdup_printf("link:%s", name);
	rng_init(&w->rng, seed, stream);
	for (int s = 0; s < 2; s++) {
		w->end[s].w = w;
		w->end[s].side = s;
	}
	if (w->cfg.down_at > 0)
		w->down_ev = sim_schedule_at(sim, w->cfg.down_at, wire_down_ev, w, NULL);
	if (w->cfg.up_at > w->cfg.down_at && w->cfg.down_at > 0)
		w->up_ev = sim_schedule_at(sim, w->cfg.up_at, wire_up_ev, w, NULL);
	return w;
}

void
wire_free(struct wire *w)
{
	if (!w)
		return;
	sim_cancel(w->sim, w->down_ev);
	sim_cancel(w->sim, w->up_ev);
	for (int s = 0; s < 2; s++) {
		struct wire_end *e = &w->end[s];
		if (e->attached)
			g_error("wire %s: freed while side %d is attached", w->name, s);
		sim_cancel(w->sim, e->tx_ev);
		sim_cancel(w->sim, e->arrive_ev);
		while (e->fly_first) {
			struct wire_frame *f = e->fly_first;
			e->fly_first = f->next;
			g_free(f);
		}
	}
	g_assert(wire_count > 0);
	if (--wire_count == 0) /* the thread's last wire: the buffers go too */
		for (int c = 0; c < WIRE_NCLASSES; c++)
			while (wire_free_frames[c]) {
				struct wire_frame *f = wire_free_frames[c];
				wire_free_frames[c] = f->next;
				g_free(f);
			}
	g_free(w->name);
	g_aligned_free(w);
}

const char *
wire_name(const struct wire *w)
{
	return w->name;
}

const struct wire_config *
wire_config(const struct wire *w)
{
	return &w->cfg;
}

void
wire_attach(struct wire *w, int side, wire_rx_fn rx, wire_tx_done_fn tx_done, void *ctx)
{
	g_assert(side == 0 || side == 1);
	struct wire_end *e = &w->end[side];
	if (e->attached)
		g_error("wire %s: side %d is already attached", w->name, side);
	e->attached = true;
	e->rx = rx;
	e->tx_done = tx_done;
	e->ctx = ctx;
}

void
wire_detach(struct wire *w, int side)
{
	struct wire_end *e = &w->end[side];
	e->attached = false;
	e->rx = NULL;
	e->tx_done = NULL;
	e->ctx = NULL;
}

struct wire_frame *
wire_frame_alloc(struct wire *w, uint32_t len)
{
	int c = 0;
	while (c < WIRE_NCLASSES && wire_class_size[c] < len)
		c++;
	if (c == WIRE_NCLASSES)
		g_error("wire %s: frame of %u bytes exceeds %d", w->name, len, WIRE_MAX_FRAME);
	struct wire_frame *f = wire_free_frames[c];
	if (f)
		wire_free_frames[c] = f->next;
	else {
		f = g_malloc(sizeof(*f) + wire_class_size[c]);
		f->cap = wire_class_size[c];
	}
	f->next = NULL;
	f->len = len;
	f->skb_id = 0;
	f->arrive = 0;
	return f;
}

void
wire_frame_free(struct wire *w, struct wire_frame *f)
{
	(void)w; /* the buffers are the thread's */
	int c = 0;
	while (wire_class_size[c] != f->cap)
		c++;
	f->next = wire_free_frames[c];
	wire_free_frames[c] = f;
}

bool
wire_busy(const struct wire *w, int side)
{
	return w->end[side].busy;
}

sim_time_t
wire_tx_time(const struct wire *w, uint32_t len)
{
	uint64_t bytes = (len < w->cfg.min_frame ? w->cfg.min_frame : len) + w->cfg.overhead;
	uint64_t bits = bytes * 8;
	return (sim_time_t)((bits * (uint64_t)SIM_S + w->cfg.rate - 1) / w->cfg.rate);
}

static void
wire_tx_done_ev(struct sim *sim, void *a, void *b)
{
	struct wire_end *e = a;
	e->busy = false;
	e->tx_ev = 0;
	if (e->attached && e->tx_done)
		e->tx_done(e->ctx);
}

/* The head frame in flight from end @a has arrived at the other end. */
static void
wire_arrive_ev(struct sim *sim, void *a, void *b)
{
	struct wire_end *e = a;
	struct wire *w = e->w;
	struct wire_end *peer = &w->end[1 - e->side];
	struct wire_frame *f = e->fly_first;
	e->arrive_ev = 0;
	e->fly_first = f->next;
	if (!e->fly_first)
		e->fly_last = NULL;
	if (e->fly_first)
		e->arrive_ev = sim_schedule_at(sim, e->fly_first->arrive, wire_arrive_ev, e, NULL);
	f->next = NULL;
	if (peer->attached) {
		e->stats.frames_delivered++;
		peer->rx(peer->ctx, f);
	} else {
		e->stats.frames_unattached++;
		wire_frame_free(w, f);
	}
}

sim_time_t
wire_send(struct wire *w, int side, struct wire_frame *f)
{
	struct wire_end *e = &w->end[side];
	if (e->busy)
		g_error("wire %s: side %d sent while busy", w->name, side);
	sim_time_t tx = wire_tx_time(w, f->len);
	e->busy = true;
	e->tx_ev = sim_schedule(w->sim, tx, wire_tx_done_ev, e, NULL);
	e->stats.frames_sent++;
	e->stats.bytes_sent += f->len;
	e->stats.busy += tx;

	if (e->down) {
		e->stats.frames_down++;
		wire_frame_free(w, f);
		return tx;
	}
	if (f->len > w->cfg.mtu + 14) {
		e->stats.frames_too_big++;
		wire_frame_free(w, f);
		return tx;
	}
	double dir_loss = side == 0 ? w->cfg.loss_ab : w->cfg.loss_ba;
	if ((w->cfg.loss > 0 && rng_chance(&w->rng, w->cfg.loss)) ||
	    (dir_loss > 0 && rng_chance(&w->rng, dir_loss))) {
		e->stats.frames_lost++;
		wire_frame_free(w, f);
		return tx;
	}
	f->arrive = sim_now(w->sim) + tx + w->cfg.delay;
	f->next = NULL;
	if (e->fly_last)
		e->fly_last->next = f;
	else
		e->fly_first = f;
	e->fly_last = f;
	if (!e->arrive_ev)
		e->arrive_ev = sim_schedule_at(w->sim, f->arrive, wire_arrive_ev, e, NULL);
	return tx;
}

void
wire_stats(const struct wire *w, int side, struct wire_stats *out)
{
	*out = w->end[side].stats;
}
