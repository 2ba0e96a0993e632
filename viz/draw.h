/*
 * viz/draw.h - netsim draw: pictures of a trace, rendered with Graphviz.
 *
 *   netsim draw DB path --skb N -o out.png     one packet through the layers
 *   netsim draw DB path --flow SPEC --nth K    of every host it crosses
 *   netsim draw DB stackmap -o map.png         every host's layers, edges
 *                                              coloured by how many skbs crossed
 *   netsim draw DB ladder --flow tcp:... -o l.svg
 *                                              one TCP connection's segments
 *
 * Each picture is built as DOT text (the *_dot functions, which the tests
 * read) and rendered with libgvc, to SVG, PNG or PDF as the output file's
 * extension says.  Reads the database only (viz/vizdb.h).
 */
#ifndef NETSIM_VIZ_DRAW_H
#define NETSIM_VIZ_DRAW_H

#include <glib.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "viz/vizdb.h"

/*
 * The packet path of skb @skb (and of the skbs that carried the packet on,
 * vizdb_journey): hosts as clusters with their layers stacked top-down
 * (user, socket, TCP/UDP, IP, Ethernet, device, driver, NIC), queues as
 * ellipses, edges numbered in time order and labelled with times; copies
 * bold red with their byte count, pointer hand-offs thin grey; drops as red
 * octagons with their reason.
 */
char *draw_path_dot(sqlite3 *db, int64_t skb, GError **error);

/* Where each operation of the path put the packet: for netsim view. */
struct draw_path_step {
	int64_t seq; /* the skb_events row */
	char *node;  /* the DOT (and SVG) id of its place, or NULL; freed by the caller */
	int edge;    /* the edge it drew: SVG id "pe<edge>" (from 1), or -1 */
};
/*
 * draw_path_dot, and in @steps (struct draw_path_step) every operation the
 * picture walked, in the order walked.  Nodes carry their DOT name as id
 * and edges the id "pe<N>", N the edge's first number, so that a viewer
 * can find them in the SVG.
 */
char *draw_path_dot_steps(sqlite3 *db, int64_t skb, GArray *steps, GError **error);
/*
 * The skbs that carried the packet of skb @skb, as the path picture walks
 * them (every fragment, the reassembled datagram), in the order first
 * walked, into @skbs (int64_t); from @steps when a draw_path_dot_steps has
 * them already, else walked here.  netsim view steps through, and netsim
 * show --skb lists, the operations of these skbs in seq order, so that
 * step K of one is row K of the other.
 */
bool draw_path_skbs(sqlite3 *db, int64_t skb, GArray *steps, GArray *skbs, GError **error);
/* Every host's layers and queues; each edge labelled with the skbs and
 * bytes that crossed it in the whole run and coloured by that count; the
 * drops as octagons counting them by reason. */
char *draw_stackmap_dot(sqlite3 *db, GError **error);

struct draw_map_opts {
	char **hosts;	     /* names (or ids) of the hosts to draw; NULL: all */
	sqlite3 *scale_from; /* another run whose largest count joins the scale */
};
/*
 * The stack maps of @n runs (1 to 4) side by side, named @names, on one
 * scale of edge width and colour, the same layer on the same row for every
 * host of every run.
 */
char *draw_stackmaps_dot(sqlite3 **dbs, const char *const *names, int n,
			 const struct draw_map_opts *o, GError **error);
/*
 * The time-sequence (ladder) diagram of the TCP connection @f: its first
 * @max segments (both directions) as arrows between the two hosts' time
 * lines; a lost segment ends early with a red X, a retransmission is orange.
 * Laid out by neato with pinned positions.
 */
char *draw_ladder_dot(sqlite3 *db, const struct viz_flow *f, int max, GError **error);

struct draw_ladder_opts {
	int max;		/* at most this many segments (0: all) */
	int64_t from_ns, to_ns; /* only segments sent in this window (-1: open) */
	bool rows;		/* one row per moment instead of time to scale */
	bool full;		/* every segment drawn: no summary bands */
};
/*
 * The ladder, time to scale by default: a quiet stretch is shortened to a
 * marked gap that says how long it was, moments too close are spaced
 * apart; the copies from and to user memory (the send and recv calls)
 * are marked on the time lines.
 */
char *draw_ladder_dot_opts(sqlite3 *db, const struct viz_flow *f, const struct draw_ladder_opts *o,
			   GError **error);

struct draw_cpu_opts {
	int64_t from_ns, to_ns; /* the window; from < 0: the first busy moment; to <= from:
				   1 ms after from */
	char **hosts;		/* NULL: every host */
};
/*
 * The CPU timeline: per host a hardirq, a softirq and a task lane, and in
 * them every stretch of cpu_busy in the window, to scale, coloured and
 * named by its owner.  Laid out by neato with pinned positions.
 */
char *draw_cpu_dot(sqlite3 *db, const struct draw_cpu_opts *o, GError **error);

/*
 * The congestion window, ssthresh and bytes in flight of the first
 * endpoint of @f over time (tcp_cc), losses marked; neato, pinned.
 * @from_ns, @to_ns: a window (-1: open).
 */
char *draw_cwnd_dot(sqlite3 *db, const struct viz_flow *f, int64_t from_ns, int64_t to_ns,
		    GError **error);

/*
 * The seed's Figure 4 for skb @skb: one bar per step with headroom, data
 * and tailroom to scale and the header offsets marked (draw_buffer.c).
 */
char *draw_buffer_dot(sqlite3 *db, int64_t skb, GError **error);

/*
 * Lays @dot out with @engine ("dot", "neato") and writes it to @file as
 * SVG, PNG or PDF according to @file's extension (.dot: the DOT text).
 */
bool draw_render(const char *dot, const char *engine, const char *file, GError **error);

/* netsim draw DB WHAT [OPTIONS]: @argv[1] is "draw". */
int draw_main(int argc, char **argv);

#endif
