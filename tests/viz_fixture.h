/*
 * tests/viz_fixture.h - a small trace database for the viz tests, written
 * with the recorder's own API (trace/trace.h), as a two-host run would.
 *
 * Hosts a (10.0.0.1, id 1) and b (10.0.0.2, id 2).
 *   skb 1 -> 2: one UDP datagram (100 B, 10.0.0.1:5000 -> 10.0.0.2:9) from
 *     a's user process to b's: alloc, copy from user, UDP/IP/Ethernet header
 *     pushes, qdisc and TX ring, DMA to the NIC, the wire, DMA into b's RX
 *     ring buffer (skb 2), backlog, pulls, socket queue, copy to user, free.
 *   A TCP connection 10.0.0.1:40000 -> 10.0.0.2:80: handshake, three data
 *     segments of 1000 B sent as clones of their originals, the second lost
 *     on the wire and retransmitted, ACKs, FIN both ways.
 *   skb 90: a datagram dropped at a's qdisc (qdisc_full).
 */
#ifndef NETSIM_TESTS_VIZ_FIXTURE_H
#define NETSIM_TESTS_VIZ_FIXTURE_H

#include <stdint.h>

struct viz_fixture {
	char *dir;     /* a temporary directory, removed by viz_fixture_free */
	char *db_path; /* DIR/trace.db */
};

/* The TCP flow of the fixture and the skbs of its three data segments. */
#define VIZ_TCP_FLOW "tcp:10.0.0.1:40000-10.0.0.2:80"
#define VIZ_TCP_DATA1 16
#define VIZ_TCP_DATA2 19
#define VIZ_TCP_DATA3 21

void viz_fixture_build(struct viz_fixture *f);
void viz_fixture_free(struct viz_fixture *f);

#endif
