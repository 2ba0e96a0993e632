/*
 * apps/livelock.h - the programs of the receive-livelock homework
 * (docs/homework-livelock.md): a time-stamping UDP flood, a sink that
 * measures latency, and screend, a user-level screening process.
 * Registered in app_programs[] (apps/programs.c).
 */
#ifndef NETSIM_APPS_LIVELOCK_H
#define NETSIM_APPS_LIVELOCK_H

#include "apps/app.h"

/*
 * flood (apps/livelock.c): size-byte UDP datagrams (at least 16) to
 * dst:port at rate per second, as udp_flood (arrival, jitter, on_time,
 * off_time: apps/arrival.h), each carrying a sequence
 * number and its send time (virtual ns) in its first 16 bytes.
 * Stats: tx_msgs, tx_bytes, errors.  Figures: offered_pps (datagrams sent
 * per second of its run).
 */
int flood_main(struct app *a);

/*
 * sink (apps/livelock.c): receive on port, COST_APP_PACKET each, as
 * udp_sink; the latency of each datagram from flood's send time to its
 * arrival in the program.  Stats: rx_msgs, rx_bytes, first_rx, last_rx.
 * Figures: lat_p50_us, lat_p90_us, lat_p99_us, lat_max_us, lat_mean_us
 * (from a histogram with 4.4% wide buckets), lost (sequence numbers never
 * seen up to the highest one seen).
 */
int sink_main(struct app *a);

/*
 * screend (apps/screend.c): Mogul and Ramakrishnan's screening process.
 * Binds the host's NFQUEUE on the forwarding path (stack/netfilter.h),
 * then for ever: takes the next packet (nfq_recv), examines it
 * (COST_SCREEN) and passes it on (nfq_set_verdict NF_ACCEPT).
 * Stats: rx_msgs/rx_bytes per packet taken, tx_msgs per packet passed on.
 * Figures: queue_dropped, queue_max, throttles (of the screening queue).
 */
int screend_main(struct app *a);

#endif
