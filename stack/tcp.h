/*
 * stack/tcp.h - TCP: the connection state, the segment header and the
 * functions the four TCP files share.
 *
 * Linux counterpart: include/net/tcp.h, include/linux/tcp.h (struct
 * tcp_sock), net/ipv4/tcp.c, tcp_input.c, tcp_output.c, tcp_timer.c,
 * tcp_cong.c, tcp_cubic.c, tcp_ipv4.c.  RFC 9293 (the protocol), RFC 6298
 * (RTO), RFC 5681 and Linux's tcp_congestion_ops (congestion control:
 * stack/tcp_cong.h), RFC 6582 (NewReno), RFC 1122 §4.2.3.2
 * (delayed ACK, as Linux 6.6 runs it: quick-ACK, pingpong, adaptive ato),
 * RFC 896 (Nagle).
 *
 * Position in the call chain:
 *   transmit: ns_write -> tcp_sendmsg (stack/tcp.c: copy into MSS-sized
 *             skbs on sk_write_queue) -> tcp_write_xmit (tcp_output.c:
 *             window, Nagle) -> tcp_transmit_skb (a copy of the queued skb,
 *             header, checksum) -> ip_queue_xmit
 *   receive:  ip_local_deliver -> tcp_v4_rcv (tcp_input.c: checksum,
 *             lookup) -> tcp_rcv_state_process (the state machine) ->
 *             tcp_ack (tcp_cong_control.c for cwnd) / tcp_data_queue ->
 *             sk_receive_queue -> sk_data_ready -> the reader wakes
 *   timers:   tcp_timer.c: retransmission (RTO), delayed ACK, zero-window
 *             probe (persist), TIME_WAIT.
 *
 * The write queue holds the payload of every unacknowledged or unsent
 * segment (a FIN is a zero-length skb with TCPHDR_FIN): each skb is sent
 * as a copy (skb_copy), so a retransmission sends the same bytes again.
 * sk_wmem_alloc counts the queue's truesize; a writer blocks while it is
 * at sk_sndbuf.  The receive queue holds in-order payload; out-of-order
 * segments wait on out_of_order_queue.
 */
#ifndef NETSIM_STACK_TCP_H
#define NETSIM_STACK_TCP_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include "sim/conf.h"
#include "sim/sim.h"
#include "stack/inet.h"
#include "stack/route.h"
#include "stack/skbuff.h"
#include "stack/sock.h"
#include "include/netsim/trace_vocab.h"
#include "stack/tcp_cong.h"
#include "stack/win_minmax.h"

struct host;

/* States (Linux numbers, include/net/tcp_states.h; the TCP_STATES list). */
enum {
#define TCP_STATE_ENUM(e, n, what) TCP_##e = n,
	TCP_STATES(TCP_STATE_ENUM)
#undef TCP_STATE_ENUM
		TCP_MAX_STATES
};
_Static_assert(TCP_TIME_WAIT == SK_STATE_TIME_WAIT, "sk_fullsock (stack/sock.h) reads TIME_WAIT");
const char *tcp_state_name(int state);

/* RFC 9293 §3.1; multi-byte fields in network byte order. */
struct tcphdr {
	uint16_t source;
	uint16_t dest;
	uint32_t seq;
	uint32_t ack_seq;
	uint8_t doff_res; /* data offset in the high 4 bits */
	uint8_t flags;
	uint16_t window;
	sum16_t check;
	uint16_t urg_ptr;
} __attribute__((packed));

#define TCP_HLEN 20
#define TCPHDR_FIN 0x01
#define TCPHDR_SYN 0x02
#define TCPHDR_RST 0x04
#define TCPHDR_PSH 0x08
#define TCPHDR_ACK 0x10
#define TCPHDR_URG 0x20
#define TCPHDR_ECE 0x40 /* RFC 3168 ECN-Echo */
#define TCPHDR_CWR 0x80 /* RFC 3168 Congestion Window Reduced */

/* Socket options at level IPPROTO_TCP (Linux values; <netinet/tcp.h> is not
 * included because its struct tcphdr and state names clash with ours). */
#ifndef TCP_NODELAY
#define TCP_NODELAY 1
#define TCP_MAXSEG 2
#endif
#ifndef TCP_QUICKACK
#define TCP_QUICKACK 12
#endif
#ifndef TCP_CORK
#define TCP_CORK 3
#endif

#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2
#define TCPOLEN_MSS 4
#define TCPOPT_WINDOW 3 /* RFC 7323 §2.2 */
#define TCPOLEN_WINDOW 3
#define TCP_MAX_WSCALE 14  /* RFC 7323 §2.3 */
#define TCPOPT_SACK_PERM 4 /* RFC 2018 §2: SACK-permitted, on a SYN */
#define TCPOLEN_SACK_PERM 2
#define TCPOPT_SACK 5 /* RFC 2018 §3: the blocks */
#define TCPOLEN_SACK_BASE 2
#define TCPOLEN_SACK_BASE_ALIGNED 4 /* NOP NOP kind length */
#define TCPOLEN_SACK_PERBLOCK 8
#define TCP_NUM_SACKS 4		 /* Linux: blocks kept and sent at most */
#define MAX_TCP_OPTION_SPACE 40	 /* Linux include/net/tcp.h */
#define TCP_FASTRETRANS_THRESH 3 /* DupThresh; Linux tp->reordering starts here */

#define TCPOPT_TIMESTAMP 8 /* RFC 7323 §3: kind 8, length 10, TSval, TSecr */
#define TCPOLEN_TIMESTAMP 10
#define TCPOLEN_TSTAMP_ALIGNED 12 /* NOP NOP kind length TSval TSecr */

static inline struct tcphdr *
tcp_hdr(const struct sk_buff *skb)
{
	return (struct tcphdr *)skb_transport_header(skb);
}

/* Per-segment state while TCP owns an skb (skb->cb; Linux struct tcp_skb_cb). */
struct tcp_skb_cb {
	uint32_t seq;	  /* first sequence number */
	uint32_t end_seq; /* seq + payload + SYN + FIN */
	uint32_t ack_seq;
	uint8_t flags;	       /* TCPHDR_* */
	bool retransmitted;    /* Karn: no RTT sample from it */
	uint8_t sacked;	       /* write queue: TCPCB_* (the SACK scoreboard) */
	uint8_t ip_dsfield;    /* received: the IP header's TOS byte (ECN, tcp_ecn.c) */
	sim_time_t when;       /* last sent */
	uint32_t consumed;     /* receive queue: bytes already read */
	uint16_t window;       /* the segment's window field */
	uint16_t mss;	       /* its MSS option, 0 when absent */
	uint32_t saddr, daddr; /* received: the IP addresses (host order) */
	uint16_t sport, dport;
	int8_t wscale;	   /* its window scale option, -1 when absent */
	bool sack_perm;	   /* a SYN: it carried SACK-permitted */
	uint16_t sack_off; /* its SACK option, from skb->head; 0 when absent */
};
_Static_assert(sizeof(struct tcp_skb_cb) <= SKB_CB_SIZE, "tcp_skb_cb outgrows skb->cb");

/* tcp_skb_cb.sacked (Linux include/net/tcp.h TCPCB_*) */
#define TCPCB_SACKED_ACKED 0x01	  /* the peer's SACK covers it */
#define TCPCB_SACKED_RETRANS 0x02 /* retransmitted, the copy still in flight */
#define TCPCB_LOST 0x04		  /* marked lost (RFC 6675 IsLost, or the RTO) */

/* A SACK block (Linux struct tcp_sack_block), host order. */
struct tcp_sack_block {
	uint32_t start_seq, end_seq;
};
#define TCP_SKB_CB(skb) ((struct tcp_skb_cb *)(void *)(skb)->cb)

/* Sequence arithmetic, modulo 2^32 (RFC 9293 §3.4). */
static inline bool
before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}
static inline bool
after(uint32_t a, uint32_t b)
{
	return (int32_t)(b - a) < 0;
}

/* Defaults (Linux values where Linux has them). */
#define TCP_MSS_DEFAULT 536u	   /* RFC 9293 §3.7.1, without an MSS option */
#define TCP_INIT_CWND 10u	   /* RFC 6928, segments */
#define TCP_RTO_INIT (1 * SIM_S)   /* RFC 6298 §2.1 */
#define TCP_RTO_MIN (200 * SIM_MS) /* Linux TCP_RTO_MIN (RFC: 1 s) */
#define TCP_RTO_MAX (120 * SIM_S)
/* The delayed-ACK engine (Linux include/net/tcp.h; HZ/25 and HZ/5).  Linux
 * 6.6 has no sysctl for them (a route's `quickack` and a BPF program's
 * TCP_BPF_DELACK_MAX are its only knobs), so netsim has no host key. */
#define TCP_ATO_MIN (40 * SIM_MS)	   /* the smallest ato, and the first one */
#define TCP_DELACK_MIN (40 * SIM_MS)	   /* ato above it is bounded by the RTT */
#define TCP_DELACK_MAX (200 * SIM_MS)	   /* icsk_delack_max: the longest delay */
#define TCP_DELACK_BSD_TICK (200 * SIM_MS) /* 4.4BSD tcp_fasttimo period (PR_FASTHZ 5) */
#define TCP_MAX_QUICKACKS 16u
#define TCP_MIN_MSS 88u /* the smallest rcv_mss guess */
/* icsk_ack.pending bits (Linux enum inet_csk_ack_state_t) */
#define ICSK_ACK_SCHED 1		 /* data arrived that is not yet ACKed */
#define ICSK_ACK_TIMER 2		 /* the delayed-ACK timer is armed */
#define ICSK_ACK_PUSHED 4		 /* a short (or 1-MSS PSH) segment arrived */
#define ICSK_ACK_PUSHED2 8		 /* ... and another one */
#define ICSK_ACK_NOW 16			 /* send the next ACK at once (a hole was filled) */
#define TCP_OOW_RATELIMIT (500 * SIM_MS) /* Linux tcp_invalid_ratelimit */
#define TCP_TIMEWAIT_LEN (60 * SIM_S)	 /* Linux: 2MSL fixed at 60 s */
#define TCP_FIN_TIMEOUT (60 * SIM_S)	 /* Linux tcp_fin_timeout: an orphan in FIN_WAIT2 */
#define TCP_SYN_RETRIES 6
#define TCP_RETRIES2 15
#define TCP_MAX_SYN_BACKLOG 128
#define TCP_RMEM_DEFAULT 131072u /* Linux tcp_rmem[1] */
#define TCP_WMEM_DEFAULT 16384u	 /* Linux tcp_wmem[1] */
#define TCP_RMEM_MAX 6291456u	 /* Linux tcp_rmem[2] */
#define TCP_WMEM_MAX 4194304u	 /* Linux tcp_wmem[2] */

/* TCP's part of a sock (Linux struct tcp_sock). */
struct tcp_sock {
	struct sock sk; /* must be first */
	/* send sequence space, RFC 9293 §3.3.1 */
	uint32_t iss, snd_una, snd_nxt, snd_wnd, snd_wl1, snd_wl2, write_seq;
	uint32_t snd_max;		 /* highest sequence sent: snd_nxt goes back after an RTO */
	uint32_t pushed_seq, max_window; /* last PSH; the largest window offered us */
	/* receive sequence space; rcv_acked and rcv_wnd are what the last ACK
	 * sent carried (Linux's tp->rcv_wup and tp->rcv_wnd; our rcv_wup below
	 * is the right edge, rcv_acked + rcv_wnd) */
	uint32_t irs, rcv_nxt, rcv_wnd, rcv_acked;
	uint32_t mss;	 /* effective send MSS */
	uint32_t advmss; /* what we announce */
	/* segmentation offload (Linux sk_route_caps, sk_gso_max_size/segs,
	 * tp->gso_segs): the route's device when the connection was set up */
	uint32_t route_caps;	 /* its NETIF_F_* */
	struct sk_dst_cache dst; /* the route (Linux sk_dst_cache), ip_queue_xmit's */
	uint32_t gso_max_size, gso_max_segs;
	uint32_t gso_segs; /* tcp_xmit_size_goal's last choice */
	/* RFC 7323 window scaling: both SYNs carried the option (wscale_ok);
	 * windows we receive are shifted by snd_wscale, those we send by rcv_wscale */
	bool wscale_ok;
	uint8_t snd_wscale, rcv_wscale;
	/* RFC 2018 SACK (stack/tcp_sack.c): both SYNs carried SACK-permitted
	 * (Linux tp->rx_opt.sack_ok); what we tell the peer (selective_acks,
	 * most recent first, Linux rx_opt.num_sacks); the scoreboard, in
	 * segments as Linux counts them (tcp_skb_pcount): sent and not
	 * cumulatively acknowledged, SACKed, marked lost, retransmitted and
	 * still in flight (Linux packets_out, sacked_out, lost_out, retrans_out) */
	bool sack_ok;
	uint8_t num_sacks;
	bool dsack; /* RFC 2883: the next ACK reports duplicate_sack first */
	struct tcp_sack_block duplicate_sack;
	struct tcp_sack_block selective_acks[TCP_NUM_SACKS];
	uint32_t packets_out, sacked_out, lost_out, retrans_out;
	/* RFC 7323 timestamps (stack/tcp_timestamps.c; Linux tp->rx_opt's
	 * tstamp_ok, saw_tstamp, rcv_tsval, rcv_tsecr, ts_recent,
	 * ts_recent_stamp, and tp->tsoffset).  rcv_tsecr is as it arrived
	 * (with our tsoffset in it). */
	struct tcp_options_received {
		bool tstamp_ok;	 /* both SYNs carried the option (or ours offers it) */
		bool saw_tstamp; /* the segment being processed carries it */
		uint32_t rcv_tsval, rcv_tsecr;
		uint32_t ts_recent;	  /* TS.Recent: the TSval we echo */
		uint32_t ts_recent_stamp; /* seconds when ts_recent was stored */
	} rx_opt;
	uint32_t tsoffset; /* added to our clock in every TSval */
	/* RFC 6298 as Linux computes it (tcp_rtt_estimator): rttvar is the
	 * mean deviation (tcpi_rttvar); mdev, mdev_max and rttvar_rto are
	 * Linux's mdev_us, mdev_max_us and rttvar_us, four times a deviation;
	 * rttvar_rto, floored at tcp_rto_min, is what the RTO adds to srtt. */
	sim_time_t srtt, rttvar, rto;
	sim_time_t mdev, mdev_max, rttvar_rto;
	uint32_t rtt_seq; /* snd_nxt when mdev_max was last reset */
	int backoff;
	int retransmits; /* consecutive RTO expiries */
	/* RFC 5681 / 6582 */
	uint32_t cwnd, ssthresh; /* bytes */
	/* Linux's congestion-control state (tcp_cong.h): the algorithm
	 * (icsk_ca_ops) and its private area (icsk_ca_priv), the CA state,
	 * snd_cwnd_cnt (segments acked towards the next +1 in tcp_cong_avoid_ai),
	 * and what tcp_cwnd_validate records for tcp_is_cwnd_limited. */
	const struct tcp_congestion_ops *ca_ops;
	uint64_t ca_priv[TCP_CA_PRIV_SIZE / sizeof(uint64_t)];
	uint8_t ca_state;
	bool ca_setsockopt, ca_initialized, is_cwnd_limited;
	uint32_t snd_cwnd_cnt, prior_cwnd, max_packets_out, cwnd_usage_seq;
	/* PRR (stack/tcp_prr.c; Linux prr_delivered, prr_out) and Linux's
	 * tp->delivered (segments cumulatively ACKed or SACKed, ever), with
	 * what tcp_cong_on_ack last counted of it */
	uint32_t prr_delivered, prr_out, delivered, delivered_seen;
	/* segments (not skbs) the last ACK took off packets_out (Linux
	 * tcp_clean_rtx_queue's pkts_acked, which tcp_remove_reno_sacks gets) */
	uint32_t pkts_acked;
	/* RACK-TLP (stack/tcp_rack.c; Linux tp->rack, tlp_high_seq,
	 * tlp_retrans): the send time and end of the most recently sent
	 * segment delivered, its RTT; the smallest RTT seen; the probe */
	struct {
		sim_time_t mstamp, rtt;
		uint32_t end_seq;
		bool advanced;
		/* the reordering window (Linux rack.reo_wnd_steps,
		 * reo_wnd_persist, dsack_seen, last_delivered: here the send
		 * time of the newest segment delivered when reo_wnd last grew) */
		uint8_t reo_wnd_steps, reo_wnd_persist;
		bool dsack_seen;
		sim_time_t last_grown;
	} rack;
	/* The windowed minimum RTT (Linux tp->rtt_min over tcp_min_rtt_wlen,
	 * in us) and min_rtt, its value in sim time (0 before a sample); the
	 * reordering estimate in segments (Linux tp->reordering, from
	 * tcp_reordering), how often reordering was seen (tp->reord_seen), and
	 * the end of the highest SACKed segment (tcp_highest_sack_seq) */
	struct minmax rtt_min;
	sim_time_t min_rtt;
	uint32_t reordering, reord_seen, highest_sack_end;
	uint32_t tlp_high_seq;
	bool tlp_retrans;
	sim_event_id tlp_timer, reo_timer;
	sim_time_t tlp_deadline, tlp_timer_at;
	uint32_t lsndtime; /* jiffies of the last data sent */
	/* Undo (stack/tcp_undo.c; Linux tp->undo_marker, undo_retrans,
	 * retrans_stamp, prior_ssthresh, dsack_dups): snd_una when the
	 * reduction began (0: nothing to undo); retransmissions since that no
	 * D-SACK has shown needless (-1: none); our TSval at the first
	 * retransmission (0: none); ssthresh to return to, in segments (0:
	 * the reduction is not undone); D-SACKed segments, ever */
	uint32_t undo_marker;
	int undo_retrans;
	uint32_t retrans_stamp;
	uint32_t prior_ssthresh;
	uint32_t dsack_dups;
	int dupacks;
	bool in_recovery;
	uint32_t recover;	 /* NewReno: snd_max when recovery began */
	sim_time_t last_oow_ack; /* when we last answered an out-of-window segment */
	uint32_t cwr_until;	 /* cwnd was cut for a local drop until snd_una passes this */
	uint8_t ecn_flags;	 /* TCP_ECN_* (stack/tcp_ecn.c; Linux tp->ecn_flags) */
	/* delayed ACK and Nagle */
	bool nodelay;
	/* TCP_CORK (Linux tp->nonagle's TCP_NAGLE_CORK): a short last segment
	 * waits for the uncork, a full MSS, the FIN or the probe timer */
	bool cork;
	/* Linux TCP_NAGLE_PUSH: set by TCP_NODELAY (and by an uncork with
	 * it), cleared when a write starts a new skb (skb_entail): until then
	 * the short last segment goes even while corked */
	bool nagle_push;
	uint32_t snd_sml; /* end of the last sub-MSS segment sent (Minshall) */
	int ack_pending;  /* bsd-1996: data segments received and not yet ACKed */
	/* Linux's delayed-ACK state (struct inet_connection_sock, icsk_ack) */
	struct {
		uint8_t pending;  /* ICSK_ACK_* */
		uint8_t quick;	  /* ACKs still to send at once (quick-ACK mode) */
		uint8_t pingpong; /* interactive: 1 (TCP_PINGPONG_THRESH in 6.6) */
		uint32_t rcv_mss; /* our guess of the peer's MSS */
		uint32_t last_seg_size;
		sim_time_t ato;	     /* delay of the next delayed ACK; 0 before data */
		sim_time_t timeout;  /* when the armed delayed ACK is due */
		sim_time_t lrcvtime; /* when data last arrived */
	} icsk_ack;
	/* listening */
	struct tcp_sock *parent; /* the listener of a not yet accepted child */
	GQueue accept_queue;	 /* established children, oldest first */
	int max_backlog;
	int syn_backlog; /* children in SYN_RECV */
	bool fin_received;
	/* timers */
	sim_event_id rtx_timer, delack_timer, persist_timer, tw_timer;
	/* The RTO is due at rto_deadline; the event may be set earlier
	 * (rtx_timer_at) and then re-arms itself, so that an ACK moves a
	 * deadline instead of cancelling and scheduling an event. */
	sim_time_t rto_deadline, rtx_timer_at;
	sim_time_t delack_timer_at;    /* when the delack_timer event fires */
	struct sk_buff_head ofo_queue; /* "out_of_order_queue" */
	/* A write-queue skb at or below snd_nxt from which tcp_write_xmit looks
	 * for the first unsent one, so it does not walk the whole queue (Linux
	 * keeps tcp_send_head the same way); NULL: start at the head. */
	struct sk_buff *send_hint;
	char conn_name[48]; /* for trace_tcp_cc: "10.0.0.1:5000>10.0.0.2:80" */
	uint32_t rcv_wup;   /* rcv_nxt + window at the last window we sent */
	/* receive buffer and window tuning (stack/tcp_rcvbuf.c; Linux 6.6
	 * tp->rcv_ssthresh, window_clamp, scaling_ratio, rcvq_space,
	 * rcv_rtt_est, rcv_rtt_last_tsecr) */
	uint32_t rcv_ssthresh, window_clamp, rcv_rtt_last_tsecr;
	uint8_t scaling_ratio; /* payload / truesize, in 1/256 (TCP_RMEM_TO_WIN_SCALE) */
	struct {
		uint32_t space, seq;
		sim_time_t time;
	} rcvq_space;
	struct {
		uint32_t rtt_us, seq; /* rtt_us: 8 times the receiver's RTT, in us */
		sim_time_t time;
	} rcv_rtt_est;
	struct {
		uint32_t laddr, raddr;
		uint16_t lport, rport;
	} tuple;	 /* established key */
	bool hashed;	 /* in the established table */
	GList *all_link; /* non-NULL: TCP holds a reference; its node in
			  * tcp_state's list, unlinked in O(1) */
	/* urgent data (stack/tcp_urg.c; Linux tp->snd_up, urg_data, urg_seq) */
	uint32_t snd_up;   /* sequence after the last urgent byte sent */
	bool snd_urg;	   /* snd_up is ahead of snd_una (Linux tcp_urg_mode) */
	uint16_t urg_data; /* TCP_URG_* | the out-of-band byte */
	uint32_t urg_seq;  /* sequence of the peer's urgent byte */
	/* counters */
	uint64_t retrans_segs, fast_retrans, timeouts, probes, tlp_probes;
	/* the flags of the ACK being processed (Linux tcp_ack's local
	 * `flag`, TCP_FLAG_*), and F-RTO (RFC 5682; Linux tp->frto) */
	uint32_t ack_flag;
	bool frto;
	/* TCP Small Queues, autocorking, TSO deferral (stack/tcp_tsq.c).
	 * tsq_wmem is Linux's sk_wmem_alloc less its initial 1: the truesize
	 * of this socket's skbs below TCP (qdisc, TX ring, not yet completed);
	 * netsim's sk->sk_wmem_alloc counts the write queue (Linux
	 * sk_wmem_queued).  tsq_flags: TSQF_*; tsq_next: the TSQ tasklet's
	 * list (Linux tp->tsq_node); wstamp: when the last skb went down
	 * (Linux tcp_wstamp_ns). */
	uint32_t tsq_wmem;
	uint8_t tsq_flags;
	struct tcp_sock *tsq_next;
	sim_time_t wstamp;
	/* tcp_write_xmit's is_cwnd_limited from tcp_tso_should_defer (Linux
	 * 6.6): a deferral for want of cwnd counts as cwnd-limited in
	 * tcp_cwnd_validate, or slow start would stop growing cwnd */
	bool tso_defer_cwnd_limited;
};
/* Linux tcp_input.c's FLAG_* bits that netsim's tcp_ack keeps in
 * tp->ack_flag for the ACK being processed */
#define TCP_FLAG_DATA_ACKED 0x04	/* FLAG_DATA_ACKED: new data (not a SYN) acked */
#define TCP_FLAG_DATA_SACKED 0x20	/* FLAG_DATA_SACKED: new SACK */
#define TCP_FLAG_ORIG_SACK_ACKED 0x200	/* FLAG_ORIG_SACK_ACKED: never-resent data (s)acked */
#define TCP_FLAG_SND_UNA_ADVANCED 0x400 /* FLAG_SND_UNA_ADVANCED */
#define TCP_FLAG_SACK_RENEGING 0x2000	/* FLAG_SACK_RENEGING: snd_una stops at a SACKed skb */
/* netsim's: the ACK has set the retransmit timer itself (Linux clears
 * FLAG_SET_XMIT_TIMER so that tcp_ack does not call tcp_set_xmit_timer) */
#define TCP_FLAG_XMIT_TIMER_SET 0x80000000u

static inline struct tcp_sock *
tcp_sk(const struct sock *sk)
{
	return (struct tcp_sock *)sk;
}

/* Per-host counters (Linux TCP MIB). */
struct tcp_mib {
	uint64_t active_opens, passive_opens, attempt_fails, estab_resets;
	uint64_t in_segs, out_segs, retrans_segs, in_errs, out_rsts;
	uint64_t listen_overflows, listen_drops;
	uint64_t out_of_window_icmps; /* ICMP errors about no segment in flight */
	uint64_t paws_estab_rejected; /* LINUX_MIB_PAWSESTABREJECTED */
	/* undo and D-SACK (stack/tcp_undo.c): LINUX_MIB_TCPFULLUNDO,
	 * TCPPARTIALUNDO, TCPDSACKUNDO, TCPLOSSUNDO; TCPDSACKRECV,
	 * TCPDSACKOFORECV, TCPDSACKRECVSEGS, TCPDSACKIGNOREDDUBIOUS (received);
	 * TCPDSACKOLDSENT, TCPDSACKOFOSENT (sent) */
	uint64_t tcp_full_undo, tcp_partial_undo, tcp_dsack_undo, tcp_loss_undo;
	uint64_t tcp_dsack_recv, tcp_dsack_ofo_recv, tcp_dsack_recv_segs, tcp_dsack_ignored_dubious;
	uint64_t tcp_dsack_old_sent, tcp_dsack_ofo_sent;
	/* reordering seen (stack/tcp_rack.c tcp_check_sack_reordering):
	 * LINUX_MIB_TCPSACKREORDER, TCPTSREORDER */
	uint64_t tcp_sack_reorder, tcp_ts_reorder;
	/* LINUX_MIB_TCPRENOREORDER: reordering seen without SACK, more
	 * duplicate ACKs than segments out (stack/tcp_cong_control.c
	 * tcp_check_reno_reordering) */
	uint64_t tcp_reno_reorder;
	/* LINUX_MIB_TCPSACKRENEGING: an RTO found the head SACKed, so the
	 * receiver dropped data it had SACKed (stack/tcp_sack.c
	 * tcp_timeout_mark_lost) */
	uint64_t tcp_sack_reneging;
	/* LINUX_MIB_TCPSPURIOUSRTXHOSTQUEUES: a retransmission not sent
	 * because the last copy of the skb is still in a host queue
	 * (stack/tcp_output.c skb_still_in_host_queue) */
	uint64_t tcp_spurious_rtx_host_queues;
	uint64_t delivered_ce; /* LINUX_MIB_TCPDELIVEREDCE: segments ACKed with ECE */
	uint32_t states_seen;  /* bit (1 << state) for every state entered */
	/* LINUX_MIB_TCPSPURIOUSRTOS, an RTO that F-RTO found spurious */
	uint64_t tcp_spurious_rtos;
	/* LINUX_MIB_TCPAUTOCORKING (stack/tcp_tsq.c tcp_push) */
	uint64_t tcp_autocorking;
};
const struct tcp_mib *tcp_mib(struct host *host);

extern const struct proto tcp_prot;

/* Set up TCP on @host (host->tcp) and register it with IP; its fini frees
 * every connection left.  Called by socket_host_init. */
void tcp_init(struct host *host);

/* Per-host TCP settings, the keys of [host NAME] (Linux sysctls). */
struct tcp_config {
	sim_time_t rto_min;	 /* net.ipv4.tcp_rto_min_us (Linux 6.11+): 200 ms */
	int congestion;		 /* net.ipv4.tcp_congestion_control: enum tcp_ca_builtin */
	bool sack;		 /* net.ipv4.tcp_sack: offer and accept SACK (RFC 2018) */
	uint32_t timestamps;	 /* net.ipv4.tcp_timestamps: 0 off, 1 on (random offset), 2 on */
	uint32_t recovery;	 /* net.ipv4.tcp_recovery: TCP_RACK_* bits; 1 */
	uint32_t early_retrans;	 /* net.ipv4.tcp_early_retrans: 3 (TLP) */
	uint32_t ecn;		 /* net.ipv4.tcp_ecn: 0 off, 1 ask and accept, 2 accept (2) */
	bool dsack;		 /* net.ipv4.tcp_dsack: report duplicates (RFC 2883), 1 */
	uint32_t reordering;	 /* net.ipv4.tcp_reordering: the initial estimate, 3 */
	uint32_t max_reordering; /* net.ipv4.tcp_max_reordering: 300 */
	uint32_t min_rtt_wlen;	 /* net.ipv4.tcp_min_rtt_wlen: seconds, 300 */
	uint32_t rmem[3];	 /* net.ipv4.tcp_rmem: min default max (4096 131072 6291456) */
	uint32_t wmem[3];	 /* net.ipv4.tcp_wmem: min default max (4096 16384 4194304) */
	bool moderate_rcvbuf;	 /* net.ipv4.tcp_moderate_rcvbuf: autotuning (1) */

	uint32_t frto; /* net.ipv4.tcp_frto: F-RTO (RFC 5682) on an RTO, 0 off; 2 */
	/* stack/tcp_tsq.c */
	uint32_t limit_output_bytes; /* net.ipv4.tcp_limit_output_bytes: TSQ's cap (1 MB) */
	bool autocorking;	     /* net.ipv4.tcp_autocorking (1) */
	uint32_t tso_win_divisor;    /* net.ipv4.tcp_tso_win_divisor (3) */
};
#define TCP_RACK_LOSS_DETECTION 0x1 /* Linux tcp_recovery bits */
#define TCP_RACK_NO_DUPTHRESH 0x4
extern const struct conf_key tcp_host_conf_keys[]; /* stack/tcp_sysctl.c */
void tcp_config_init(struct tcp_config *c);
/* After tcp_init (socket_host_init). */
void tcp_set_config(struct host *host, const struct tcp_config *c);
const struct tcp_config *tcp_config(struct host *host);

/* ---- shared between the TCP files --------------------------------------------- */

struct tcp_state;
struct tcp_state *tcp_state_of(struct host *host);
struct tcp_mib *tcp_mib_mut(struct host *host);

/* Closing sockets at host teardown: no segments are sent any more. */
void tcp_set_teardown(struct host *host);
bool tcp_teardown(struct host *host);

/* tcp.c: tables */
void tcp_hash(struct sock *sk); /* established table, by 4-tuple */
void tcp_unhash(struct sock *sk);
struct sock *tcp_lookup(struct host *host, uint32_t laddr, uint16_t lport, uint32_t raddr,
			uint16_t rport);
void tcp_adopt(struct sock *sk); /* TCP takes its reference */
int tcp_v4_get_port(struct sock *sk, uint16_t port);
void tcp_port_add(struct sock *sk, uint16_t port); /* no conflict check: accepted children */
void tcp_connect_init(struct sock *sk);
/* Does the connection build GSO skbs (its device has GSO or TSO)? */
bool tcp_can_gso(const struct sock *sk);
/* Linux tcp_xmit_size_goal: bytes per write-queue skb (the MSS without GSO). */
uint32_t tcp_xmit_size_goal(struct sock *sk);
int tcp_v4_init_sock(struct sock *sk);

/* tcp_options.c: an arriving segment's options into its cb, and the SYNs' negotiation */
void tcp_parse_options(struct sk_buff *skb, const struct tcphdr *th, uint32_t hlen);

/* Linux tcp_parse_aligned_timestamp's test (net/ipv4/tcp_input.c): the
 * options [@o, @end) are NOP NOP TIMESTAMP 10 and nothing else, the layout
 * of every segment of a timestamped connection. */
static inline bool
tcp_opts_aligned_ts(const uint8_t *o, const uint8_t *end)
{
	return end - o == TCPOLEN_TSTAMP_ALIGNED && o[0] == TCPOPT_NOP && o[1] == TCPOPT_NOP &&
		o[2] == TCPOPT_TIMESTAMP && o[3] == TCPOLEN_TIMESTAMP;
}
void tcp_sack_negotiate(struct sock *sk, const struct tcp_skb_cb *cb);
void tcp_wscale_negotiate(struct sock *sk, int wscale);

/* tcp_input.c */
int tcp_v4_rcv(struct sk_buff *skb);
/* An ICMP error about one of our segments (stack/tcp_err.c). */
void tcp_v4_err(struct sk_buff *skb, uint32_t info);
void tcp_enter_quickack_mode(struct sock *sk, unsigned max_quickacks);
bool tcp_bsd_delack(const struct sock *sk); /* kernel = bsd-1996 */

/* tcp_output.c */
void tcp_write_xmit(struct sock *sk);
void tcp_write_xmit_nagle_push(struct sock *sk);
void tcp_push_one(struct sock *sk);
int tcp_transmit_skb(struct sock *sk, struct sk_buff *skb);
void tcp_send_ack(struct sock *sk);
void tcp_send_syn(struct sock *sk);
void tcp_send_fin(struct sock *sk);
void tcp_send_active_reset(struct sock *sk);
/* Answer the segment @skb (cb filled) with a RST (RFC 9293 §3.10.7.1). */
void tcp_send_reset(struct host *host, const struct sk_buff *skb);
/* 0, or -EBUSY when the skb's last copy is still below TCP (nothing sent) */
int tcp_retransmit_skb(struct sock *sk, struct sk_buff *skb);
bool skb_still_in_host_queue(struct sock *sk, const struct sk_buff *skb);
/* tcp_retransmit_skb without that check (a simultaneous open's SYN-ACK) */
void tcp_resend_skb(struct sock *sk, struct sk_buff *skb);
uint32_t tcp_select_window(struct sock *sk);
uint32_t __tcp_select_window(struct sock *sk);
void tcp_send_delayed_ack(struct sock *sk);
void tcp_queue_skb(struct sock *sk, struct sk_buff *skb);
void tcp_split_head(struct sock *sk, uint32_t len);

/* tcp_timer.c */
void tcp_rearm_rto(struct sock *sk);
void tcp_reset_xmit_timer(struct sock *sk, sim_time_t delay); /* the RTO timer @delay from now */
void tcp_clear_timers(struct sock *sk);
void tcp_reset_delack_timer(struct sock *sk); /* for icsk_ack.timeout */
void tcp_persist_schedule(struct sock *sk);
void tcp_time_wait(struct sock *sk, int state); /* TCP_TIME_WAIT or an orphan's TCP_FIN_WAIT2 */
void tcp_rtt_sample(struct sock *sk, sim_time_t rtt);

/* tcp_cong_control.c: loss recovery and the calls into tcp_congestion_ops.
 * tcp_cong_on_ack gets the bytes and segments (not counting a SYN) newly
 * acknowledged and the RTT of the newest of them (-1: none, Karn). */
void tcp_cong_init(struct sock *sk);
void tcp_cong_on_ack(struct sock *sk, uint32_t acked, uint32_t pkts, sim_time_t ca_rtt, bool dupack,
		     uint32_t ack);
void tcp_cong_on_timeout(struct sock *sk);
void tcp_cong_on_local_drop(struct sock *sk);
void tcp_cwnd_validate(struct sock *sk, bool sent); /* after tcp_write_xmit's loop */
void tcp_cc_trace(struct sock *sk);

/* tcp_prr.c: Proportional Rate Reduction (RFC 6937; Linux tcp_input.c) */
bool tcp_in_cwnd_reduction(const struct tcp_sock *tp);
void tcp_init_cwnd_reduction(struct sock *sk);
void tcp_cwnd_reduction(struct sock *sk, int newly_acked_sacked, int newly_lost,
			bool snd_una_advanced);
void tcp_end_cwnd_reduction(struct sock *sk);
void tcp_prr_sent(struct sock *sk, uint32_t pcount);
void tcp_enter_recovery(struct sock *sk); /* tcp_cong_control.c */

/* tcp_rack.c: RACK-TLP (RFC 8985; Linux tcp_recovery.c, tcp_output.c) */
bool tcp_is_rack(const struct sock *sk);
void tcp_rack_init_sock(struct sock *sk);
void tcp_rack_update_min_rtt(struct tcp_sock *tp, sim_time_t rtt);
uint32_t tcp_highest_sack_seq(const struct tcp_sock *tp);
void tcp_check_sack_reordering(struct sock *sk, uint32_t low_seq, bool ts);
void tcp_rack_update_reo_wnd(struct sock *sk, bool delivered);
void tcp_rack_dsack_seen(struct tcp_sock *tp, uint32_t start, uint32_t end);
void tcp_rack_advance(struct sock *sk, const struct sk_buff *skb);
bool tcp_rack_mark_lost(struct sock *sk);
bool tcp_rack_skb_recent(const struct sock *sk, const struct sk_buff *skb);
bool tcp_schedule_loss_probe(struct sock *sk, bool advancing_rto);
bool tcp_tlp_pending(const struct sock *sk);
void tcp_process_tlp_ack(struct sock *sk, uint32_t ack, bool snd_una_advanced, bool dup_no_sack);
void tcp_rack_clear_timers(struct sock *sk);

/* tcp_undo.c: undo of needless reductions (RFC 3522/4015 Eifel with
 * timestamps, RFC 2883 D-SACK; Linux tcp_input.c tcp_try_undo_*) */
void tcp_init_undo(struct tcp_sock *tp);
uint32_t tcp_current_ssthresh(const struct tcp_sock *tp);
void tcp_undo_retransmitted(struct sock *sk, const struct sk_buff *skb);
bool tcp_any_retrans_done(const struct sock *sk);
void tcp_try_keep_open(struct sock *sk);
void tcp_try_undo_recovery(struct sock *sk);
bool tcp_try_undo_dsack(struct sock *sk);
bool tcp_try_undo_loss(struct sock *sk, bool frto_undo);
bool tcp_try_undo_partial(struct sock *sk, uint32_t prior_snd_una);
bool tcp_check_dsack(struct sock *sk, uint32_t ack_seq, const struct tcp_sack_block *sp,
		     int num_sacks, uint32_t prior_snd_una);
void tcp_dsack_count_retrans(struct sock *sk, uint32_t start, uint32_t end);
void tcp_undo_dsack_no_queue(struct sock *sk);

/* tcp_sack.c: SACK (RFC 2018, RFC 6675; Linux tcp_input.c, tcp_output.c) */
static inline bool
tcp_is_sack(const struct tcp_sock *tp)
{
	return tp->sack_ok;
}
/* Linux tcp_skb_pcount: segments of one MSS in a write-queue skb. */
uint32_t tcp_skb_pcount(const struct tcp_sock *tp, const struct sk_buff *skb);
/* Linux tcp_packets_in_flight: packets_out - (sacked_out + lost_out) + retrans_out */
uint32_t tcp_packets_in_flight(const struct tcp_sock *tp);
/* receiver: the blocks (tcp_sack_new_ofo_skb, tcp_sack_remove) */
void tcp_sack_new_ofo_skb(struct sock *sk, uint32_t seq, uint32_t end_seq);
void tcp_sack_remove(struct sock *sk);
void tcp_dsack_set(struct sock *sk, uint32_t seq, uint32_t end_seq);
void tcp_dsack_extend(struct sock *sk, uint32_t seq, uint32_t end_seq);
/* TIME_WAIT's PAWS (tcp_timestamps.c, tcp_minisocks.c) */
#define TCP_PAWS_MSL 60 /* seconds: Linux include/net/tcp.h */
bool tcp_paws_reject(const struct sock *sk, bool rst);
void tcp_store_ts_recent(struct sock *sk);
/* the option bytes an ACK carries (tcp_established_options), at most @room;
 * tcp_sack_write puts them at @o */
uint32_t tcp_sack_optlen(const struct tcp_sock *tp, uint32_t room);
void tcp_sack_write(struct tcp_sock *tp, uint8_t *o, uint32_t optlen);
/* sender */
bool tcp_sacktag_write_queue(struct sock *sk, const struct sk_buff *ack_skb);
void tcp_sack_skb_acked(struct sock *sk, const struct sk_buff *skb, uint32_t pcount);
void tcp_mark_head_lost(struct sock *sk, int packets, bool mark_head);
void tcp_mark_skb_lost(struct tcp_sock *tp, struct sk_buff *skb);
void tcp_timeout_mark_lost(struct sock *sk);
void tcp_xmit_retransmit_queue(struct sock *sk);
void tcp_fragment(struct sock *sk, struct sk_buff *skb, uint32_t len); /* tcp_output.c */

/* tcp_ecn.c: ECN (RFC 3168; Linux tcp_input.c, tcp_output.c tcp_ecn_*) */
#define TCP_ECN_OK 1	     /* negotiated */
#define TCP_ECN_QUEUE_CWR 2  /* set CWR on the next new data segment */
#define TCP_ECN_DEMAND_CWR 4 /* CE seen: ECE on what we send until CWR */
#define TCP_ECN_SEEN 8	     /* an ECT or CE segment arrived */
uint8_t tcp_ecn_send_syn(struct sock *sk);
void tcp_ecn_rcv_synack(struct sock *sk, uint8_t flags);
void tcp_ecn_clear_syn(struct sk_buff *skb);
void tcp_ecn_rcv_syn(struct sock *sk, uint8_t flags);
uint8_t tcp_ecn_send_synack(struct sock *sk);
uint8_t tcp_ecn_send(struct sock *sk, uint8_t flags, bool new_data);
void tcp_ecn_queue_cwr(struct tcp_sock *tp);
void tcp_ecn_accept_cwr(struct sock *sk, const struct sk_buff *skb);
void tcp_ecn_check_ce(struct sock *sk, const struct sk_buff *skb);
void tcp_ecn_rcv_ecn_echo(struct sock *sk, uint8_t flags);
void tcp_ecn_delivered_ce(struct sock *sk, uint8_t flags, uint32_t delivered);

/* tcp_timestamps.c: RFC 7323 timestamps and PAWS (Linux tcp_input.c,
 * tcp_output.c, include/net/tcp.h) */
#define TCP_TS_HZ 1000			    /* Linux 6.6: TSval ticks are milliseconds */
#define TCP_PAWS_WINDOW 1		    /* Linux: tolerated TSval step back */
#define TCP_PAWS_24DAYS (60 * 60 * 24 * 24) /* RFC 7323 §5.5: ts_recent expires */
void tcp_ts_connect_init(struct sock *sk);
uint32_t tcp_time_stamp(const struct sock *sk); /* our TSval now */
void tcp_ts_parse(struct sock *sk, const struct sk_buff *skb);
void tcp_ts_negotiate(struct sock *sk, const struct tcp_options_received *syn, bool active);
uint8_t *tcp_ts_write(struct sock *sk, uint8_t *o, bool sackperm);
bool tcp_paws_discard(struct sock *sk, const struct sk_buff *skb);
void tcp_replace_ts_recent(struct sock *sk, uint32_t seq);
sim_time_t tcp_ts_rtt(const struct sock *sk);

/* tcp_check.c: the invariants (the checked build, NS_CHECK).  tcp_check
 * after a step that changes the connection (sock_check, whose protocol
 * rule is tcp_check_sock, tcp_prot.check); tcp_check_at_rest, which adds
 * the timers, where it waits for the next event. */
void tcp_check(const struct sock *sk, const char *caller);
void tcp_check_at_rest(const struct sock *sk, const char *caller);
void tcp_check_sock(const struct sock *sk, const char *caller);

/* tcp_urg.c: urgent data (Linux net/ipv4/tcp.c, tcp_input.c, tcp_output.c) */
#define TCP_URG_VALID 0x0100  /* urg_data's low byte is the out-of-band byte */
#define TCP_URG_NOTYET 0x0200 /* an urgent pointer arrived, its byte not yet */
#define TCP_URG_READ 0x0400   /* the byte was read with MSG_OOB */
static inline bool
tcp_urg_mode(const struct tcp_sock *tp)
{
	return tp->snd_urg;
}
void tcp_mark_urg(struct sock *sk);
void tcp_urg_xmit(struct sock *sk, struct tcphdr *th, uint32_t seq);
void tcp_urg_acked(struct sock *sk, uint32_t prior_snd_una);
void tcp_urg(struct sock *sk, struct sk_buff *skb);
int tcp_recv_urg(struct sock *sk, struct ns_msg *msg);
uint32_t tcp_copied_seq(const struct sock *sk);
bool tcp_urg_at_head(const struct sock *sk);
bool tcp_readable(const struct sock *sk);
uint32_t tcp_urg_limit(struct sock *sk, uint32_t seq, uint32_t used, bool *skip);
void tcp_urg_read_done(struct sock *sk);
int tcp_ioctl(struct sock *sk, int cmd, int *karg);

/* tcp_rcvbuf.c: receive memory, rcv_ssthresh, the window and its autotuning
 * (Linux 6.6 tcp_input.c, tcp_output.c, include/net/tcp.h) */
#define TCP_RMEM_TO_WIN_SCALE 8
#define TCP_DEFAULT_SCALING_RATIO (1 << (TCP_RMEM_TO_WIN_SCALE - 1))
#define TCP_APP_WIN 31	      /* Linux sysctl tcp_app_win */
#define SOCK_RMEM_MAX 212992u /* Linux net.core.rmem_max */
uint32_t tcp_rmem_truesize(const struct sk_buff *skb);
int tcp_win_from_space(const struct sock *sk, int64_t space);
int tcp_space(const struct sock *sk);
int tcp_full_space(const struct sock *sk);
void tcp_select_initial_window(struct sock *sk, uint32_t mss);
void tcp_init_buffer_space(struct sock *sk);
void tcp_rcvbuf_measure(struct sock *sk, const struct sk_buff *skb);
void tcp_grow_window(struct sock *sk, const struct sk_buff *skb);
void tcp_rcv_rtt_measure_ts(struct sock *sk, const struct sk_buff *skb);
void tcp_rcv_space_adjust(struct sock *sk);
bool tcp_try_rmem_schedule(struct sock *sk, const struct sk_buff *skb);
void tcp_rmem_charge(struct sock *sk, struct sk_buff *skb);
void tcp_rmem_uncharge(struct sock *sk, struct sk_buff *skb);
void tcp_sndbuf_expand(struct sock *sk);
void tcp_new_space(struct sock *sk);

/* tcp.c */
void tcp_set_state(struct sock *sk, int state);
void tcp_done(struct sock *sk);
void tcp_free_sock(struct sock *sk);
uint32_t tcp_flight(const struct sock *sk);

/* the files split out of tcp_input.c */
/* tcp_delack.c: when to ACK (Linux tcp_input.c's delayed-ACK engine) */
void tcp_initialize_rcv_mss(struct sock *sk);
void tcp_event_data_recv(struct sock *sk, uint32_t len, uint8_t flags);
void tcp_ack_snd_check(struct sock *sk);
/* tcp_minisocks.c: a SYN at a listener; a segment in TIME_WAIT */
int tcp_conn_request(struct sock *lsk, struct sk_buff *skb);
int tcp_timewait_state_process(struct sock *sk, struct sk_buff *skb);

#endif
