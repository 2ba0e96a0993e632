/*
 * apps/ping.h - ping and traceroute, the ICMP programs (apps/ping.c,
 * apps/traceroute.c), registered in app_programs[] (apps/programs.c).
 *
 * Both are ordinary BSD-socket programs on the socket API (stack/socket.h)
 * with a raw IPPROTO_ICMP socket, as iputils ping and the classic Van
 * Jacobson traceroute are.  Besides struct app_stats they report named
 * figures (app_figure_set), listed on each program's main below.
 */
#ifndef NETSIM_APPS_PING_H
#define NETSIM_APPS_PING_H

#include "apps/app.h"

/*
 * ping: ICMP echo requests to dst (id from the app's name, seq 1, 2, ...),
 * count of them (0: until the run ends), one every interval (default 1s),
 * each with size bytes of data (default 56: 64-byte ICMP messages) whose
 * first 8 carry the send time, as ping does.  Waits for late replies up
 * to max(interval, 1s) after the last request.
 * Stats: tx_msgs/tx_bytes per request, rx_msgs/rx_bytes per echo reply
 * matched by id and seq (a duplicate counts once), rtt_sum, errors (failed
 * sends and ICMP errors about our requests).
 * Figures: transmitted, received, loss_pct, rtt_min_us, rtt_max_us,
 * reply_ttl (the TTL of the last reply: 64 minus the routers on the way
 * back), icmp_errors.
 */
int ping_main(struct app *a);

/*
 * traceroute: UDP probes to dst at port + ttl - 1 (port default 33434)
 * with IP_TTL 1, 2, ... up to count hops (default 30), one probe per hop,
 * each waited for up to interval (default 1s); a raw ICMP socket receives
 * the routers' time exceeded and the destination's port unreachable,
 * matched to the probe by the quoted UDP header.  Stops when dst answers.
 * Stats: tx_msgs per probe, rx_msgs per hop that answered, rtt_sum.
 * Figures: hops (the TTL that reached dst, or the last tried), reached
 * (1 or 0), and per answering hop N: hopN.rtt_us and hopN.ADDRESS = 1
 * (for example app.tr.hop2.10.0.2.1 = 1: hop 2 was 10.0.2.1).
 */
int traceroute_main(struct app *a);

#endif
