/*
 * viz/step.h - the words for one step of a packet's life (one skb_events
 * row), in one place: `netsim show --skb` prints them in its operation and
 * queue columns and `netsim view` shows them on its page (data.js), so the
 * two say the same thing for the same row.
 */
#ifndef NETSIM_VIZ_STEP_H
#define NETSIM_VIZ_STEP_H

#include <sqlite3.h>

/*
 * Registers two SQL functions on @db:
 *   step_what(op, func, bytes, copy_kind, other, dataref, reason, end_off)
 *     what the row did: "handoff -> ip_rcv", "push 20 B header",
 *     "COPY user_to_skb", "clone (shares data) -> skb 7, dataref 2",
 *     "DROP: ring_full", "onto the wire", "alloc 1576 B buffer" ...
 *   step_where(op, queue, qlen)
 *     where: the queue, with its length after the op for an enqueue or a
 *     dequeue ("sk_receive_queue (1)"); the interface of a wire row.
 * Both are NULL where a column they need is NULL, as SQL's || would be.
 */
void viz_step_register(sqlite3 *db);

#endif
