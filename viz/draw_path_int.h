/*
 * viz/draw_path_int.h - the packet-path diagram's state, shared by its
 * three steps: collect (viz/draw_path_collect.c), order
 * (viz/draw_path_order.c) and emit (viz/draw_path.c, which runs them).
 */
#ifndef NETSIM_VIZ_DRAW_PATH_INT_H
#define NETSIM_VIZ_DRAW_PATH_INT_H

#include "viz/draw.h"
#include "viz/draw_int.h"

#define PATH_NOTES_MAX 4     /* notes written in one box; more are left out */
#define PATH_HOPS_MAX 64     /* skbs followed for one packet */
#define PATH_NUMBERS_SHOWN 3 /* numbers on a merged edge before "…" */
#define PATH_TITLE_SKBS 10   /* skbs named in the title before "and N more" */

struct path_edge {
	struct draw_place from, to;
	enum draw_edge_kind kind;
	const char *what;
	int64_t bytes, time_ns, seq;
	int64_t ev_seq;	     /* the event that made it (the wire: the receiver's) */
	const char *drop_id; /* EDGE_DROP: the id of its octagon */
	/* the same move made by several skbs (fragments): one edge */
	int count;
	int64_t last_ns;
	GString *numbers; /* "5, 17, 29" once numbered */
};

/* A frame put on a wire, waiting for the skb that received it. */
struct path_tx {
	struct draw_place nic;
	const char *dev;
	int64_t time_ns, seq, len;
	bool received;
};

struct path {
	sqlite3 *db;
	GHashTable *filled; /* ids of layers drawn only to close Figure 3's stack */
	GArray *edges;	    /* struct path_edge, in time order */
	GHashTable *places; /* id -> struct draw_place * */
	GPtrArray *touched; /* the ids of places, in the order first touched */
	GHashTable *notes;  /* id -> GPtrArray of note strings */
	int ndrops;
	GHashTable *tx;	     /* sending skb id -> struct path_tx */
	GPtrArray *sent;     /* the same struct path_tx, in the order collected */
	GHashTable *start;   /* child skb id -> struct draw_place where it began */
	GArray *steps;	     /* struct draw_path_step, when asked for */
	GHashTable *edge_of; /* event seq -> index of the drawn edge + 1 */
};

/* One skb of a packet's journey, and how the walk treats it. */
struct hop {
	int64_t skb;
	bool via_wire; /* it received a frame another skb sent */
	int64_t stop;  /* TCP's clone that carried the segment on: stop there */
};

/* One host's boxes (the ids of p->places), row by row. */
struct path_stack {
	GPtrArray *rows[DRAW_RANKS];
};

/* ---- collect (viz/draw_path_collect.c) ---- */

/* Adds @pl to the places drawn, once, in the order first touched. */
void path_touch(struct path *p, const struct draw_place *pl);
/* Every skb of the journey of @skb into @hops (struct hop), each walked. */
bool path_collect(struct path *p, int64_t skb, GArray *hops, GError **error);

/* ---- order (viz/draw_path_order.c) ---- */

/* Host ids (int64_t) left to right, in the order the packet reached them. */
GArray *path_host_order(struct path *p);
void path_fill_stacks(struct path *p, GArray *order);
/* host id -> struct path_stack */
GHashTable *path_stacks(struct path *p);
void path_merge(struct path *p);

#endif
