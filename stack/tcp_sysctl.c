/*
 * stack/tcp_sysctl.c - TCP's host keys (its sysctls) and their defaults.
 *
 * Linux counterpart: net/ipv4/sysctl_net_ipv4.c (the ipv4_net_table entries
 * net.ipv4.tcp_*) and tcp_sk_init in net/ipv4/tcp_ipv4.c (their defaults).
 *
 * Position: a host's configuration (conf keys) -> struct tcp_config, which
 * tcp_config() hands to the rest of TCP.
 */
#include <stddef.h>
#include "stack/tcp.h"
#include "stack/tcp_tsq.h"

const struct conf_key tcp_host_conf_keys[] = {
	{ "tcp_rto_min", CONF_DURATION, offsetof(struct tcp_config, rto_min), SIM_MS, TCP_RTO_MAX,
	  0, 0, NULL,
	  "floor of the RTO's variance term, rto = srtt + max(4 rttvar, tcp_rto_min) "
	  "(net.ipv4.tcp_rto_min_us; 200ms)" },
	{ "tcp_congestion_control", CONF_ENUM, offsetof(struct tcp_config, congestion), 0, 0, 0, 0,
	  tcp_ca_builtin_names,
	  "congestion control of new sockets, reno (Linux tcp_reno) or cubic (Linux 6.6 "
	  "tcp_cubic.c with HyStart); a socket may choose with TCP_CONGESTION "
	  "(net.ipv4.tcp_congestion_control; cubic, reno with kernel = bsd-1996)" },
	{ "tcp_sack", CONF_BOOL, offsetof(struct tcp_config, sack), 0, 0, 0, 0, NULL,
	  "offer and accept selective acknowledgments (RFC 2018) and recover several "
	  "losses per round trip (RFC 6675) (net.ipv4.tcp_sack; 1, 0 with kernel = bsd-1996)" },
	{ "tcp_timestamps", CONF_UINT32, offsetof(struct tcp_config, timestamps), 0, 2, 0, 0, NULL,
	  "RFC 7323 timestamps on every segment (12 option bytes, RTT samples, PAWS): 0 off, "
	  "1 on with a per address pair offset, 2 on without (net.ipv4.tcp_timestamps; 1)" },
	{ "tcp_recovery", CONF_UINT32, offsetof(struct tcp_config, recovery), 0, 7, 0, 0, NULL,
	  "loss detection bits: 1 RACK (RFC 8985, time-based: a segment is lost once one "
	  "sent after it is delivered and an RTT has passed), 4 no DupThresh shortcut; 0 "
	  "RFC 6675's three SACKs (net.ipv4.tcp_recovery; 1; needs tcp_sack)" },
	{ "tcp_early_retrans", CONF_UINT32, offsetof(struct tcp_config, early_retrans), 0, 4, 0, 0,
	  NULL,
	  "3 or 4: tail loss probe (RFC 8985 TLP) after 2 srtt without an ACK; 0-2: none "
	  "(net.ipv4.tcp_early_retrans; 3; needs tcp_sack)" },
	{ "tcp_ecn", CONF_UINT32, offsetof(struct tcp_config, ecn), 0, 2, 0, 0, NULL,
	  "Explicit Congestion Notification (RFC 3168): 0 off, 1 ask for it on connect and "
	  "accept it, 2 accept it when the peer asks (net.ipv4.tcp_ecn; 2)" },
	{ "tcp_dsack", CONF_BOOL, offsetof(struct tcp_config, dsack), 0, 0, 0, 0, NULL,
	  "report a duplicate segment to its sender in a D-SACK block (RFC 2883), which "
	  "lets it undo a needless retransmission's cwnd cut (net.ipv4.tcp_dsack; 1)" },
	{ "tcp_reordering", CONF_UINT32, offsetof(struct tcp_config, reordering), 1, 300, 0, 0,
	  NULL,
	  "initial reordering estimate of a connection, segments: the SACKs (or duplicate "
	  "ACKs) that start recovery without RACK (net.ipv4.tcp_reordering; 3)" },
	{ "tcp_max_reordering", CONF_UINT32, offsetof(struct tcp_config, max_reordering), 1, 65535,
	  0, 0, NULL,
	  "the largest reordering estimate, segments (net.ipv4.tcp_max_reordering; 300)" },
	{ "tcp_min_rtt_wlen", CONF_UINT32, offsetof(struct tcp_config, min_rtt_wlen), 0, 86400, 0,
	  0, NULL,
	  "window of the minimum-RTT filter that RACK's reordering window uses, seconds "
	  "(net.ipv4.tcp_min_rtt_wlen; 300)" },
	{ "tcp_rmem", CONF_UINT32_3, offsetof(struct tcp_config, rmem), 1024, 1 << 30, 0, 0, NULL,
	  "receive buffer of a TCP socket, bytes of truesize: min, default (a new socket's "
	  "sk_rcvbuf), max (what autotuning may grow it to) "
	  "(net.ipv4.tcp_rmem; 4096 131072 6291456)" },
	{ "tcp_wmem", CONF_UINT32_3, offsetof(struct tcp_config, wmem), 1024, 1 << 30, 0, 0, NULL,
	  "send buffer of a TCP socket: min, default (a new socket's sk_sndbuf), max (what "
	  "tcp_sndbuf_expand may grow it to with cwnd) (net.ipv4.tcp_wmem; 4096 16384 4194304)" },
	{ "tcp_moderate_rcvbuf", CONF_BOOL, offsetof(struct tcp_config, moderate_rcvbuf), 0, 0, 0,
	  0, NULL,
	  "receive-buffer autotuning: grow sk_rcvbuf to twice what the reader took in an RTT, "
	  "up to tcp_rmem max, unless SO_RCVBUF was set (net.ipv4.tcp_moderate_rcvbuf; 1)" },
	{ "tcp_frto", CONF_UINT32, offsetof(struct tcp_config, frto), 0, 2, 0, 0, NULL,
	  "F-RTO (RFC 5682): after an RTO send new data before the rest, and undo the RTO if "
	  "what was never resent is then acknowledged; 0 off (net.ipv4.tcp_frto; 2; netsim: "
	  "with tcp_sack only)" },
	/* stack/tcp_tsq.c */
	{ "tcp_limit_output_bytes", CONF_UINT32, offsetof(struct tcp_config, limit_output_bytes), 1,
	  1u << 30, 0, 0, NULL,
	  "TCP Small Queues: bytes of truesize a socket may have in the qdisc and the NIC "
	  "before tcp_write_xmit waits for a TX completion; the limit is "
	  "max(2 skbs, 1 ms at the pacing rate), capped by this "
	  "(net.ipv4.tcp_limit_output_bytes; 1048576, Linux 5.1 to 6.15)" },
	{ "tcp_autocorking", CONF_BOOL, offsetof(struct tcp_config, autocorking), 0, 0, 0, 0, NULL,
	  "hold a write's short tail while an earlier skb of the socket is still in the "
	  "qdisc or the NIC, so that the next write can fill it (net.ipv4.tcp_autocorking; 1)" },
	{ "tcp_tso_win_divisor", CONF_UINT32, offsetof(struct tcp_config, tso_win_divisor), 0, 255,
	  0, 0, NULL,
	  "a GSO skb smaller than the goal waits for more window (tcp_tso_should_defer) "
	  "unless 1/N of the window can go now; 0: unless 3 MSS can "
	  "(net.ipv4.tcp_tso_win_divisor; 3)" },
	{ NULL },
};

void
tcp_config_init(struct tcp_config *c)
{
	*c = (struct tcp_config){ .rto_min = TCP_RTO_MIN,
				  .congestion = TCP_CA_CUBIC,
				  .sack = true,
				  .recovery = TCP_RACK_LOSS_DETECTION,
				  .early_retrans = 3,
				  .timestamps = 1,
				  .ecn = 2,
				  .dsack = true,
				  .reordering = TCP_FASTRETRANS_THRESH,
				  .max_reordering = 300,
				  .min_rtt_wlen = 300,
				  .rmem = { 4096, TCP_RMEM_DEFAULT, TCP_RMEM_MAX },
				  .wmem = { 4096, TCP_WMEM_DEFAULT, TCP_WMEM_MAX },
				  .moderate_rcvbuf = true,
				  .frto = 2,
				  .limit_output_bytes = TCP_LIMIT_OUTPUT_BYTES,
				  .autocorking = true,
				  .tso_win_divisor = TCP_TSO_WIN_DIVISOR };
}
