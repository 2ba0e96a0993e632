/*
 * sim/wire.h - a full-duplex point-to-point link between two NIC ends.
 *
 * Linux counterpart: none (the cable).  The NIC (stack/nic.c) puts a frame
 * on the wire with wire_send; the wire serialises it at its rate, keeps it
 * for the propagation delay and hands it to the other end's receive
 * callback.  Each direction carries one frame at a time: the sender learns
 * that serialisation is over through its tx_done callback.
 *
 * The wire knows nothing of skbs (sim/ never includes stack/): a frame is a
 * byte buffer from the wire's pool, a length and the id of the skb that
 * carried it, kept only for the trace.
 *
 * Serialisation time of a frame of L bytes: (max(L, min_frame) + overhead)
 * * 8 / rate, with overhead 24 bytes by default (preamble 8, FCS 4,
 * inter-frame gap 12) and min_frame 60 (ETH_ZLEN).
 *
 * Loss: each frame is lost with probability @loss, drawn from the wire's
 * own RNG stream "link:NAME" in the order frames are sent, so the same
 * seed loses the same frames.  A lost frame still occupies the wire.
 * Side 0 is end "a", side 1 end "b": a frame sent from a survives @loss,
 * then is also lost with probability @loss_ab (a second draw, made only
 * when loss_ab > 0); from b, @loss_ba.  So loss_ab = 0.01 alone loses 1%
 * of what a sends and nothing b sends: TCP data without its ACKs.
 *
 * Call sequence:
 *   w = wire_new(sim, "l1", &cfg, seed);
 *   wire_attach(w, 0, rx_fn, tx_done_fn, nic_a);   (nic_connect does this)
 *   wire_attach(w, 1, rx_fn, tx_done_fn, nic_b);
 *   ... f = wire_frame_alloc(w, len); memcpy(f->data, ...); wire_send(w, side, f);
 *   free the NICs (which detach), then wire_free(w).
 */
#ifndef NETSIM_SIM_WIRE_H
#define NETSIM_SIM_WIRE_H

#include <stdbool.h>
#include <stdint.h>
#include "sim/conf.h"
#include "sim/sim.h"

struct wire_config {
	uint64_t rate;	    /* bits per second; default 1Gbit */
	sim_time_t delay;   /* one-way propagation delay; default 10us */
	double loss;	    /* probability a frame is lost, 0..1; default 0 */
	double loss_ab;	    /* and in addition, a frame sent from side 0 (a); default 0 */
	double loss_ba;	    /* and in addition, a frame sent from side 1 (b); default 0 */
	uint32_t overhead;  /* bytes added per frame on the wire; default 24 */
	uint32_t min_frame; /* frames are padded to this for timing; default 60 */
	uint32_t mtu;	    /* largest payload (frame minus 14-byte header); default 1500 */
	sim_time_t down_at; /* the link goes down at this time; 0 = never */
	sim_time_t up_at;   /* and comes back up at this time; 0 = stays down */
};

/* Keys: rate, delay, loss, loss_ab, loss_ba, overhead, min_frame, mtu, down_at, up_at. */
extern const struct conf_key wire_conf_keys[];
void wire_config_init(struct wire_config *c);

#define WIRE_MAX_FRAME 16384
/* skb_id of a frame that came from outside the simulation (sim/tap.h). */
#define WIRE_SKB_EXTERNAL UINT64_MAX

struct wire_frame {
	struct wire_frame *next; /* private to wire.c */
	sim_time_t arrive;	 /* private to wire.c */
	uint64_t skb_id;	 /* the sender's skb, for the trace; 0 if none */
	uint32_t len;
	uint32_t cap; /* bytes available in data */
	uint8_t data[];
};

/* Called at the receiving end when the last bit has arrived.  The callee owns @f
 * and must give it back with wire_frame_free. */
typedef void (*wire_rx_fn)(void *ctx, struct wire_frame *f);
/* Called at the sending end when its frame has been serialised: the end is idle. */
typedef void (*wire_tx_done_fn)(void *ctx);

struct wire_stats {
	uint64_t frames_sent, bytes_sent; /* by this side */
	sim_time_t busy;		  /* time spent serialising */
	uint64_t frames_delivered;	  /* arrived at the other side */
	uint64_t frames_lost;		  /* random loss */
	uint64_t frames_unattached;	  /* other side not attached: gone */
	uint64_t frames_down;		  /* sent while the link was down: gone */
	uint64_t frames_too_big;	  /* payload above the link MTU: gone */
};

struct wire;

struct wire *wire_new(struct sim *sim, const char *name, const struct wire_config *cfg,
		      uint64_t seed);
/* Frees frames in flight and cancels the wire's events.  Both ends must be detached. */
void wire_free(struct wire *w);
const char *wire_name(const struct wire *w);
const struct wire_config *wire_config(const struct wire *w);

/* Attach end @side (0 or 1).  The side must be free. */
void wire_attach(struct wire *w, int side, wire_rx_fn rx, wire_tx_done_fn tx_done, void *ctx);
/* Detach end @side: frames later arriving there are freed and counted as unattached. */
void wire_detach(struct wire *w, int side);

/* A frame buffer of at least @len (<= WIRE_MAX_FRAME) bytes, len set. */
struct wire_frame *wire_frame_alloc(struct wire *w, uint32_t len);
void wire_frame_free(struct wire *w, struct wire_frame *f);

/* True while @side is serialising a frame. */
bool wire_busy(const struct wire *w, int side);
/*
 * Start serialising @f from @side, which must not be busy.  Takes @f.
 * Returns the serialisation time.
 */
sim_time_t wire_send(struct wire *w, int side, struct wire_frame *f);
/* Serialisation time of a @len-byte frame on @w. */
sim_time_t wire_tx_time(const struct wire *w, uint32_t len);

void wire_stats(const struct wire *w, int side, struct wire_stats *out);

/* Take the link down or bring it back up now.  Frames already in flight
 * arrive; frames sent while it is down are lost (frames_down). */
void wire_set_up(struct wire *w, bool up);
bool wire_is_up(const struct wire *w);

#endif
