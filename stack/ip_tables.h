/*
 * stack/ip_tables.h - a per-host packet filter on the five IPv4 netfilter
 * hooks: iptables-style rules (chain, protocol, source and destination
 * prefix, ports, interface) with the targets ACCEPT, DROP, REJECT, LOG and
 * NFQUEUE, a policy per chain, and a packet and byte counter per rule.
 *
 * Linux counterpart: net/ipv4/netfilter/ip_tables.c (ipt_do_table,
 * ip_packet_match), iptable_filter.c, net/netfilter/xt_tcpudp.c (port
 * matches, never on a non-first fragment), net/ipv4/netfilter/ipt_REJECT.c
 * and nf_reject_ipv4.c (nf_send_unreach), net/netfilter/xt_LOG.c and
 * nf_log_syslog.c (the log line), and the iptables(8) command line.
 *
 * Position: ip_rcv -> nf_hook(PRE_ROUTING) -> ... ip_local_deliver ->
 * nf_hook(LOCAL_IN); ip_forward -> nf_hook(FORWARD); ip_build_and_send_pkt
 * (__ip_local_out) -> nf_hook(LOCAL_OUT); ip_output -> nf_hook(POST_ROUTING)
 * -> ipt_do_table (here) for the chain of that hook.
 *
 * The scenario's host key `iptables` holds iptables commands separated by
 * ';' (docs/scenario-format.md):
 *   -A CHAIN [-p tcp|udp|icmp|all|N] [-s A[/L]] [-d A[/L]] [--sport P[:Q]]
 *      [--dport P[:Q]] [-i IF] [-o IF] -j ACCEPT|DROP|REJECT|LOG|NFQUEUE
 *      [--reject-with icmp-net-unreachable|icmp-host-unreachable|
 *       icmp-port-unreachable|icmp-proto-unreachable|icmp-net-prohibited|
 *       icmp-host-prohibited|icmp-admin-prohibited|tcp-reset]
 *      [--log-prefix P] [--queue-num N] [--queue-bypass]
 *   -P CHAIN ACCEPT|DROP
 * CHAIN is PREROUTING, INPUT, FORWARD, OUTPUT or POSTROUTING.  REJECT is
 * valid in INPUT, FORWARD and OUTPUT (ipt_REJECT's hooks); tcp-reset needs
 * -p tcp.  REJECT in OUTPUT answers the host's own packet (nf_reject.h) and
 * the sending call gets EPERM, as for DROP.  NFQUEUE hands the packet to
 * queue N (netfilter.h; Linux xt_NFQUEUE.c nfqueue_tg).
 */
#ifndef NETSIM_STACK_IP_TABLES_H
#define NETSIM_STACK_IP_TABLES_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

struct host;

/* Parse and add the commands of @text to @host's table.  On an error
 * nothing is added and the message says which command and what is wrong. */
bool ipt_add_text(struct host *host, const char *text, GError **error);

/* One rule's figures, for metrics and the trace. */
struct ipt_rule_info {
	const char *chain; /* "INPUT" */
	int num;	   /* 1, 2, ... in its chain; 0 for the chain's policy */
	const char *text;  /* the command as written, "-A INPUT -p udp -j DROP" */
	uint64_t pkts, bytes;
};
/* Call @fn for every rule of @host (chain order, then rule order), policies included. */
void ipt_foreach_rule(struct host *host, void (*fn)(const struct ipt_rule_info *r, void *data),
		      void *data);
/* Write the counters into the trace (netfilter.rule_pkts / rule_bytes, place = the rule). */
void ipt_report_counters(struct host *host);

#endif
