/*
 * viz/replay.h - the replay checker: is the trace a complete record of
 * every skb's pointers?
 *
 * It rebuilds every skb's state (data, tail, end, buffer size, header
 * offsets, data buffer and its dataref, the queue holding it) from its
 * skb_events rows alone, starting at alloc, and checks that each row's
 * recorded pointers follow from the row before and the operation (push N
 * moves data back by N, trim N moves tail back by N, an enqueue changes no
 * pointer...), that the rows of an skb are numbered without a gap (step),
 * that a clone starts with its parent's pointers on the same data and a
 * copy on new data, that shared data is freed exactly once (when its last
 * skb goes) and never used after, and that every skb ends freed or on a
 * queue.  Rows written without pointers (a frame the NIC dropped, the RX
 * DMA and wire rows) are notes: counted, not replayed.
 *
 * Used by `netsim check-trace DB` and by the tests on every scenario.
 * Position: cli -> viz -> SQLite; reads only the database.
 */
#ifndef NETSIM_VIZ_REPLAY_H
#define NETSIM_VIZ_REPLAY_H

#include <glib.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

struct replay_report {
	uint64_t rows;	   /* skb_events rows read */
	uint64_t replayed; /* rows with pointers, replayed and checked */
	uint64_t skbs;	   /* skbs seen (alloc rows) */
	uint64_t freed;	   /* skbs that ended freed (free or drop) */
	uint64_t queued;   /* skbs still on a queue at the end */
	uint64_t buffers;  /* data buffers seen */
	uint64_t errors;
	GString *messages; /* the first errors, one line each "seq S skb K: what" */
};

/* Replays the whole trace into @r (zeroed by the caller, messages may be
 * NULL).  Returns false with @error when the database cannot be read;
 * a trace that fails the check returns true with r->errors > 0. */
bool replay_check(sqlite3 *db, struct replay_report *r, GError **error);

/* `netsim check-trace DB`: exit 0 if the trace replays, 1 if not, 2 on bad input. */
int replay_main(int argc, char **argv);

#endif
