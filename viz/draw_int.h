/*
 * viz/draw_int.h - what the diagrams of viz/draw*.c share: the layers in
 * the order of the seed text's Figure 3, and the walk that turns one skb's
 * operations into moves between the boxes of a picture.
 *
 * A picture's boxes are places: a layer of a host (its name is the trace's
 * layer: "ip", "udp"...), one of its queues, the user process, or the wire
 * beyond one of its interfaces.  draw_walk follows an skb from place to
 * place: a hand-off moves it to the next layer, an enqueue into a queue, a
 * copy from user memory or to the NIC moves its data; the result is the
 * edges to draw (viz/draw_walk.c).
 */
#ifndef NETSIM_VIZ_DRAW_INT_H
#define NETSIM_VIZ_DRAW_INT_H

#include <glib.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "viz/vocab.h"

/* One row of skb_events; the strings are interned (g_intern_string). */
struct draw_event {
	int64_t skb, seq, time_ns, host, qlen, data_off, len, bytes, other;
	const char *ctx, *layer, *op, *func, *queue, *copy_kind, *reason;
	enum viz_op opc;     /* op, mapped once (viz/vocab.h) */
	enum viz_copy kindc; /* copy_kind, mapped once */
};
#define DRAW_EVENT_COLS                                                                      \
	"skb, seq, time_ns, host, ctx, layer, op, func, queue, qlen, data_off, len, bytes, " \
	"copy_kind, reason, other"
void draw_event_read(sqlite3_stmt *st, struct draw_event *e);
/*
 * Prepares the query @tmpl, whose ops and copy kinds are written {op.WIRE},
 * {copy.SKB_COPY} (viz_vocab_sql): the diagrams never spell one.
 */
sqlite3_stmt *draw_prepare(sqlite3 *db, const char *tmpl, GError **error);

enum draw_place_kind { PLACE_NONE, PLACE_LAYER, PLACE_QUEUE, PLACE_USER, PLACE_WIRE };

struct draw_place {
	enum draw_place_kind kind;
	int64_t host;
	const char *name;  /* layer, queue or interface name (interned) */
	const char *owner; /* PLACE_QUEUE: the layer that owns the queue */
};

enum draw_edge_kind { EDGE_MOVE, EDGE_COPY, EDGE_WIRE, EDGE_DROP };

struct draw_step {
	struct draw_place from, to;
	enum draw_edge_kind kind;
	const char *what; /* "ip_rcv", "enqueue", "copy user_to_skb" (interned) */
	int64_t bytes;	  /* bytes copied, or the skb's length on a move */
};

/*
 * Moves @at (the skb's place, PLACE_NONE at first) by the operation @e and
 * writes the edges it makes into @steps.  Returns how many (0 to 2).  A
 * drop gives an EDGE_DROP step whose to is PLACE_NONE.
 */
int draw_walk(struct draw_place *at, const struct draw_event *e, struct draw_step steps[2]);
/* Is @e a frame put on a wire (func "tx") / taken off one (func "rx")? */
bool draw_wire_tx(const struct draw_event *e);
bool draw_wire_rx(const struct draw_event *e);

bool draw_place_equal(const struct draw_place *a, const struct draw_place *b);
/* A DOT node id for @p: "h1_ip", "h1_q_qdisc", "h1_w_eth0", "h1_user". */
char *draw_place_id(const struct draw_place *p);

/*
 * Figure 3's order, top-down: the rank of each layer.  A layer the list in
 * viz/draw_walk.c does not know goes with IP.
 */
enum draw_rank {
	DRAW_RANK_USER,
	DRAW_RANK_SOCKET,
	DRAW_RANK_TRANSPORT, /* tcp, udp, icmp */
	DRAW_RANK_IP,
	DRAW_RANK_ARP,
	DRAW_RANK_ETH,
	DRAW_RANK_DEV,
	DRAW_RANK_DRIVER,
	DRAW_RANK_NIC,
	DRAW_RANK_WIRE,
	DRAW_RANK_UNKNOWN = DRAW_RANK_IP,
};
enum draw_rank draw_layer_rank(const char *layer);
/*
 * The row of a place in a picture, 0 to DRAW_RANKS - 1: twice its layer's
 * rank, and a queue one row below the layer that owns it, so that an
 * enqueue or a dequeue is never a flat (same-row) edge whose label Graphviz
 * would have to place beside the others; 0 for the user.  E.g. IP is row 6,
 * a queue owned by ARP (rank 4) row 9, between ARP (8) and Ethernet (10);
 * the wire is the last row, 18.
 */
#define DRAW_ROW_OF_LAYER(rank) (2 * (int)(rank))
#define DRAW_ROW_OF_QUEUE(owner_rank) (2 * (int)(owner_rank) + 1)
#define DRAW_RANKS (DRAW_ROW_OF_LAYER(DRAW_RANK_WIRE) + 1)
int draw_place_rank(const struct draw_place *p);
/*
 * The attribute that labels an edge from @a to @b: "xlabel" for an edge
 * between places of the same rank, "label" otherwise.  Graphviz 2.42's dot
 * frees twice (in gvFreeLayout) after laying out some labelled flat edges
 * in clusters; an xlabel is placed after the layout and avoids that path.
 */
const char *draw_label_attr(const struct draw_place *a, const struct draw_place *b);
/* "IP", "Ethernet", "device (netdev)"...: what a box says. */
const char *draw_layer_label(const char *layer);

/* Is host @id one of @hosts (names or numbers; NULL: every host)? */
bool draw_host_wanted(sqlite3 *db, int64_t id, char **hosts);
/* "1.5ms", "250us", "2s", "1000" (ns) to nanoseconds. */
bool draw_parse_time(const char *s, int64_t *ns);

/* The name of host @id, freed by the caller. */
char *draw_host_name(sqlite3 *db, int64_t id);
/* A string made safe for a DOT HTML-like label (&, <, >, "). */
char *draw_html(const char *s);
/* Virtual time as "12.345 µs" or "1.234 ms". */
char *draw_time(int64_t ns);

/* Graph-wide settings every diagram shares: large fonts for a projector. */
#define DRAW_FONT "Helvetica"
#define DRAW_STYLE                                                          \
	"  fontname=\"" DRAW_FONT "\"; fontsize=22; labelloc=t; pad=0.3;\n" \
	"  node [fontname=\"" DRAW_FONT "\", fontsize=18];\n"               \
	"  edge [fontname=\"" DRAW_FONT "\", fontsize=14];\n"

#endif
