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
/* Every host's layers and queues; each edge labelled with the skbs and
 * bytes that crossed it in the whole run and coloured by that count. */
char *draw_stackmap_dot(sqlite3 *db, GError **error);
/*
 * The time-sequence (ladder) diagram of the TCP connection @f: its first
 * @max segments (both directions) as arrows between the two hosts' time
 * lines; a lost segment ends early with a red X, a retransmission is orange.
 * Laid out by neato with pinned positions.
 */
char *draw_ladder_dot(sqlite3 *db, const struct viz_flow *f, int max, GError **error);

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
