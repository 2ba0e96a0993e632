/*
 * viz/vizdb.h - opening a trace database for reading, and the questions
 * that netsim show and netsim draw both ask of it.
 *
 * viz reads the database that trace/ wrote (trace/schema.sql) and never the
 * live stack.  vizdb_open checks that a file is a netsim trace and applies
 * the views of viz/views.sql (docs/trace-views.md).  The rest follows one
 * packet: the skbs that carried it (vizdb_journey), and the packets of a
 * flow (vizdb_flow_parse, vizdb_flow_nth).
 *
 * Position: cli -> viz -> SQLite.  No stack/ or cli/ header is included.
 */
#ifndef NETSIM_VIZ_VIZDB_H
#define NETSIM_VIZ_VIZDB_H

#include <glib.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#define VIZ_ERROR (viz_error_quark())
GQuark viz_error_quark(void);
enum viz_error {
	VIZ_ERROR_OPEN,	     /* missing, unreadable, or not a netsim trace */
	VIZ_ERROR_QUERY,     /* SQLite failed on a query */
	VIZ_ERROR_NOT_FOUND, /* no such skb, flow or packet in the trace */
	VIZ_ERROR_ARG,	     /* a malformed argument (flow spec, format) */
	VIZ_ERROR_RENDER,    /* Graphviz could not lay out or write the picture */
	VIZ_ERROR_DAMAGED,   /* SQLite says the file is corrupt or unreadable */
};

G_DEFINE_AUTOPTR_CLEANUP_FUNC(sqlite3, sqlite3_close)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sqlite3_stmt, sqlite3_finalize)

/* The SQL of viz/views.sql, compiled in (viz/views_sql.c). */
extern const char vizdb_views_sql[];

/* How long a reader waits for a writer's lock (a run opening or closing). */
#define VIZDB_BUSY_MS 5000

/*
 * Opens the trace at @path (a plain file name, never a SQLite URI) and makes
 * sure the views exist: created in the file when it is writable and no run
 * is writing it, else as TEMP views for this connection only.  Every query
 * on the connection then sees one snapshot (a read transaction is open).
 * When a run is still writing the file, says so on stderr, and the SQL
 * function netsim_writing() returns 1.  Fails with VIZ_ERROR_OPEN, and a
 * message naming @path, when the file is missing or is not a netsim trace.
 */
sqlite3 *vizdb_open(const char *path, GError **error);
/*
 * Did any SQLite call fail since vizdb_open?  viz code reads a failed step
 * as the end of its rows; call this before printing what it found.  On a
 * failure, replaces any *@error with "the trace is damaged: ...; PRAGMA
 * quick_check: ..." (VIZ_ERROR_DAMAGED) or "reading the trace failed: ..."
 * and returns false.
 */
bool vizdb_verify(sqlite3 *db, GError **error);
/* Applies viz/views.sql to @db (CREATE VIEW IF NOT EXISTS; @temp: TEMP views). */
bool vizdb_apply_views(sqlite3 *db, bool temp, GError **error);

/* Prepares @sql, or sets a VIZ_ERROR_QUERY error with SQLite's message. */
sqlite3_stmt *vizdb_prepare(sqlite3 *db, const char *sql, GError **error);
/* The first column of the first row of @sql as an integer; @dflt if no row. */
int64_t vizdb_int(sqlite3 *db, const char *sql, int64_t dflt);
bool vizdb_has_table(sqlite3 *db, const char *name);

/* True when the skb with this id appears in skb_events. */
bool vizdb_skb_exists(sqlite3 *db, int64_t skb);

/*
 * The skbs that carried the packet whose life starts with @skb, in order:
 * @skb itself, then, where @skb never reached a wire but was cloned, its
 * first clone that did (TCP sends clones of the segments it keeps for
 * retransmission), and after each wire the skb that received the frame on
 * the next host (view wire_hops).  At most 32 skbs.  Appends to @out.
 */
void vizdb_journey(sqlite3 *db, int64_t skb, GArray *out);

/* A flow as named on the command line: tcp:10.0.0.1:40000-10.0.0.2:80. */
struct viz_flow {
	char proto[8]; /* "tcp", "udp" or "icmp" */
	char saddr[16], daddr[16];
	int sport, dport; /* -1 for icmp */
};

#define VIZ_PORT_ANY (-2) /* "*" in a flow: the first port the trace shows */

/*
 * Parses PROTO:ADDR:PORT-ADDR:PORT (tcp, udp) or icmp:ADDR-ADDR.  The first
 * endpoint is the sender of the packets that --nth counts.  A port may be
 * "*" (an ephemeral port one does not know in advance): with @db it
 * becomes the port of the first matching packet of the trace.
 */
bool vizdb_flow_parse(sqlite3 *db, const char *spec, struct viz_flow *out, GError **error);
/* "tcp 10.0.0.1:40000 -> 10.0.0.2:80" for messages; freed by the caller. */
char *vizdb_flow_describe(const struct viz_flow *f);

/*
 * The @nth (from 1) packet of @f sent by its first endpoint, in time order,
 * as recorded on the sending host (the host that recorded the flow's first
 * packet from that endpoint).  For tcp it counts data segments (payload >
 * 0) and for udp and icmp every packet.  Fails with VIZ_ERROR_NOT_FOUND,
 * saying how many there are, when there is no such packet.
 */
bool vizdb_flow_nth(sqlite3 *db, const struct viz_flow *f, int nth, int64_t *skb, GError **error);

/* The host id that sent @f's packets (see vizdb_flow_nth); -1 if none. */
int64_t vizdb_flow_sender(sqlite3 *db, const struct viz_flow *f, bool reverse);

#endif
