/*
 * include/netsim/trace_vocab.h - the trace's vocabularies, one list each.
 *
 * These X-macro lists are the only place where the names of trace levels,
 * trace ops, copy kinds, layers and drop reasons are spelled: trace/trace.h and
 * stack/skbuff.h make their enums and name tables from them, viz/ maps the
 * names it reads from a database back to the same enums (viz/vocab.c), and
 * tests/vocab.sh checks that no other file in stack/ or viz/ spells one as
 * a string.  The names are the trace database's contract with its readers
 * (docs/trace-schema.md), which is why this header has no code and may be
 * included by every folder.
 *
 * Each entry is X(ENUM_SUFFIX, name, "what it means").
 */
#ifndef NETSIM_TRACE_VOCAB_H
#define NETSIM_TRACE_VOCAB_H

/* How much a run writes: [scenario] trace, --trace-level, the runs table's level. */
#define TRACE_LEVELS(X)                                                                \
	X(OFF, off, "nothing is written; counters still kept by the stack")            \
	X(SUMMARY, summary, "run, hosts, counters, CPU busy totals, TCP cwnd samples") \
	X(FULL, full, "everything: one row per skb operation, busy intervals")

#define TRACE_OPS(X)                                                                        \
	X(ALLOC, alloc, "a new skb (func skb_clone / skb_copy: made from the row before)")  \
	X(FREE, free, "consumed: delivered or its work done; dataref after the put")        \
	X(DROP, drop, "freed because it was dropped; reason says why")                      \
	X(ENQUEUE, enqueue, "put on a named queue (qlen after)")                            \
	X(DEQUEUE, dequeue, "taken off a named queue (qlen after)")                         \
	X(HANDOFF, handoff, "one layer's function hands the skb to the next (func)")        \
	X(PUSH, push, "header pushed: data moved toward head by bytes")                     \
	X(PULL, pull, "header pulled: data moved toward tail by bytes")                     \
	X(COPY, copy, "bytes copied; copy_kind says which copy, other the skb copied into") \
	X(CLONE, clone, "a clone sharing the data: other = the new skb, dataref after")     \
	X(WIRE, wire, "the frame left or reached a NIC on a wire")                          \
	X(ROUTE, route, "a route lookup for the skb: cache hit, miss, or FIB search")       \
	X(RESERVE, reserve, "headroom reserved: data and tail moved toward end by bytes")   \
	X(PUT, put, "data added at the tail: tail moved toward end by bytes")               \
	X(TRIM, trim, "data cut at the tail: tail moved toward data by bytes")              \
	X(HEADER, header, "a header offset set (func: skb_reset_network_header...)")        \
	X(EXPAND, expand, "a new, larger data buffer (pskb_expand_head): bytes more headroom")

#define TRACE_COPY_KINDS(X)                                                                \
	X(NONE, none, "not a copy")                                                        \
	X(USER_TO_SKB, user_to_skb, "CPU: user memory into the skb (write, sendmsg)")      \
	X(SKB_TO_USER, skb_to_user, "CPU: the skb into user memory (read, recvmsg)")       \
	X(DMA_TO_DEV, dma_to_dev, "DMA: host memory to the NIC (transmit)")                \
	X(DMA_FROM_DEV, dma_from_dev, "DMA: the NIC to host memory (receive)")             \
	X(SKB_COPY, skb_copy, "CPU: bytes of one skb into another (other), in the kernel") \
	X(KERNEL_TO_SKB, kernel_to_skb, "CPU: a kernel buffer into the skb (udp_send)")

/*
 * The layers an skb is in (skb_events.layer): the stack stores an enum
 * trace_layer (stack/skbuff.h) and the trace writes its name.  Ordered from
 * the user down to the wire.
 */
#define TRACE_LAYERS(X)                                                                \
	X(SOCKET, socket, "the socket layer: sendmsg/recvmsg, socket buffers")         \
	X(UNIX, unix, "AF_UNIX sockets (af_unix.c)")                                   \
	X(TCP, tcp, "TCP (tcp_input.c, tcp_output.c)")                                 \
	X(UDP, udp, "UDP (udp.c)")                                                     \
	X(RAW, raw, "raw IP sockets (raw.c)")                                          \
	X(ICMP, icmp, "ICMP (icmp.c)")                                                 \
	X(MODULE, module, "a transport protocol a plug-in registered (module.c)")      \
	X(NETFILTER, netfilter, "netfilter hooks, iptables targets, the NFQUEUE copy") \
	X(ROUTE, route, "a route lookup (route cache, FIB)")                           \
	X(IP, ip, "IPv4: input, forwarding, output, fragments (ipv4.c, ip_frag.c)")    \
	X(ARP, arp, "the neighbour layer: ARP resolution and its pending queue")       \
	X(ETH, eth, "Ethernet header (eth.c)")                                         \
	X(DEV, dev, "the device layer: netif_rx, backlog, qdisc, dev_queue_xmit")      \
	X(NIC, nic, "the NIC and its driver: rings, DMA")                              \
	X(WIRE, wire, "the wire beyond a NIC")

#define SKB_DROP_REASONS(X)                                                                        \
	X(NOT_SPECIFIED, not_specified, "")                                                        \
	/* device layer and NIC */                                                                 \
	X(RING_FULL, ring_full, "NIC RX ring had no free descriptor (frame, no skb)")              \
	X(BACKLOG_FULL, backlog_full, "per-CPU backlog at netdev_max_backlog (Linux CPU_BACKLOG)") \
	X(QDISC_FULL, qdisc_full, "qdisc at txqueuelen (Linux QDISC_DROP)")                        \
	X(BAD_FRAME, bad_frame, "runt, oversized, or not Ethernet II")                             \
	X(UNHANDLED_PROTO, unhandled_proto, "no handler for the ethertype")                        \
	X(OTHERHOST, otherhost, "destination MAC is not ours")                                     \
	X(DEV_DOWN, dev_down, "device not up, or not connected to a wire")                         \
	X(PKT_TOO_BIG, pkt_too_big, "larger than the device MTU on transmit")                      \
	X(LINK_LOSS, link_loss, "lost on the wire (counted by the wire)")                          \
	X(QUEUE_PURGE, queue_purge, "a queue was emptied at teardown or close")                    \
	/* neighbour / ARP */                                                                      \
	X(NEIGH_QUEUEFULL, neigh_queuefull, "ARP pending queue full")                              \
	X(NEIGH_FAILED, neigh_failed, "ARP resolution failed or timed out")                        \
	X(ARP_INVALID, arp_invalid, "malformed or uninteresting ARP packet")                       \
	/* IPv4 */                                                                                 \
	X(IP_INHDR, ip_inhdr, "bad IP header: version, ihl, length")                               \
	X(IP_CSUM, ip_csum, "IP header checksum")                                                  \
	X(IP_INADDRERRORS, ip_inaddrerrors, "bad destination or source address")                   \
	X(IP_NOROUTE, ip_noroute, "no route (input or output)")                                    \
	X(IP_TTL_EXPIRED, ip_ttl_expired, "TTL reached zero while forwarding")                     \
	X(IP_NOT_FORWARDING, ip_not_forwarding, "not for us and forwarding is off")                \
	X(IP_NOPROTO, ip_noproto, "no transport protocol handler")                                 \
	X(IP_FRAG_NEEDED, ip_frag_needed, "DF set and larger than the path MTU")                   \
	X(FRAG_REASM_TIMEOUT, frag_reasm_timeout, "reassembly timed out")                          \
	X(FRAG_OVERFLOW, frag_overflow, "reassembly memory or queue limit")                        \
	X(FRAG_INVALID, frag_invalid, "overlapping, duplicate or too far")                         \
	/* ICMP */                                                                                 \
	X(ICMP_CSUM, icmp_csum, "")                                                                \
	X(ICMP_INVALID, icmp_invalid, "")                                                          \
	/* UDP */                                                                                  \
	X(UDP_CSUM, udp_csum, "")                                                                  \
	X(UDP_INVALID, udp_invalid, "bad UDP length")                                              \
	/* sockets */                                                                              \
	X(NO_SOCKET, no_socket, "no socket for the port (UDP: ICMP port unreachable)")             \
	X(SOCKET_RCVBUFF, socket_rcvbuff, "socket receive buffer full")                            \
	X(SOCKET_SNDBUFF, socket_sndbuff, "socket send buffer full")                               \
	X(SOCKET_CLOSE, socket_close, "socket closed with data queued")                            \
	X(SOCKET_BACKLOG, socket_backlog, "socket backlog (owned by user) full")                   \
	/* TCP */                                                                                  \
	X(TCP_CSUM, tcp_csum, "")                                                                  \
	X(TCP_INVALID, tcp_invalid, "bad header length or flags combination")                      \
	X(TCP_FLAGS, tcp_flags, "flags not acceptable in this state")                              \
	X(TCP_OLD_DATA, tcp_old_data, "entirely before rcv_nxt (duplicate)")                       \
	X(TCP_OVERWINDOW, tcp_overwindow, "beyond the receive window")                             \
	X(TCP_ZEROWINDOW, tcp_zerowindow, "")                                                      \
	X(TCP_OFO_DROP, tcp_ofo_drop, "out-of-order queue full")                                   \
	X(TCP_OLD_ACK, tcp_old_ack, "")                                                            \
	X(TCP_RESET, tcp_reset, "segment carried or caused a reset")                               \
	X(TCP_LISTEN_OVERFLOW, tcp_listen_overflow, "accept queue full")                           \
	X(TCP_CLOSE, tcp_close, "connection closed")                                               \
	X(TCP_RFC7323_PAWS, tcp_rfc7323_paws, "TSval older than TS.Recent (RFC 7323 PAWS)")        \
	/* other */                                                                                \
	X(SCREEN, screen, "a user-level screening process rejected it")                            \
	X(NOMEM, nomem, "a modelled memory limit")                                                 \
	X(NETFILTER, netfilter_drop, "a netfilter rule or chain policy (Linux NETFILTER_DROP)")    \
	X(MODULE_FAULT, module_fault, "held by a plug-in protocol when its code faulted")

/*
 * The execution contexts (sim/cpu.h makes enum cpu_ctx from this list):
 * the names written to the trace (skb_events.ctx, cpu_busy.ctx) and read
 * back by viz/, and tests/vocab.sh checks that no other file of sim/,
 * trace/, stack/, apps/, cli/ or viz/ spells a name.  The order is the
 * priority: hardirq preempts softirq preempts task.
 * X(ENUM_SUFFIX, name, "what runs there").
 */
#define CPU_CONTEXTS(X)                                                                       \
	X(HARDIRQ, hardirq, "interrupt handlers (top halves)")                                \
	X(SOFTIRQ, softirq, "bottom halves: NET_RX/NET_TX softirqs, ksoftirqd, NAPI threads") \
	X(TASK, task, "processes: system calls and their own code")                           \
	X(NONE, hw, "not on the CPU: hardware, wires, timers firing")

/*
 * TCP states, with Linux's numbers and names (include/net/tcp_states.h):
 * stack/tcp.h makes its enum from this list, the tcp_state table stores
 * "TCP_" NAME (as Linux's inet_sock_set_state tracepoint prints them), and
 * viz/ maps the names back.  X(NAME, number, "what it means").
 */
#define TCP_STATES(X)                                                             \
	X(ESTABLISHED, 1, "connected: data flows both ways")                      \
	X(SYN_SENT, 2, "active open: our SYN sent, waiting for the SYN-ACK")      \
	X(SYN_RECV, 3, "passive open: SYN received, our SYN-ACK sent")            \
	X(FIN_WAIT1, 4, "we closed: our FIN sent, not yet acknowledged")          \
	X(FIN_WAIT2, 5, "our FIN acknowledged, waiting for the peer's FIN")       \
	X(TIME_WAIT, 6, "both FINs done; waiting 2 MSL before the tuple is free") \
	X(CLOSE, 7, "no connection (the start and the end)")                      \
	X(CLOSE_WAIT, 8, "the peer closed (its FIN received); we have not")       \
	X(LAST_ACK, 9, "we closed after the peer: waiting for our FIN's ACK")     \
	X(LISTEN, 10, "waiting for connections")                                  \
	X(CLOSING, 11, "simultaneous close: FINs crossed, ours not yet acknowledged")

#endif
