/*
 * <netsim/tcp_cong.h> - write a TCP congestion control of your own as a
 * plug-in, and choose it for a socket with setsockopt(TCP_CONGESTION).
 *
 * Linux counterpart: a kernel module such as net/ipv4/tcp_highspeed.c that
 * fills a struct tcp_congestion_ops (include/net/tcp.h) and calls
 * tcp_register_congestion_control (net/ipv4/tcp_cong.c) from its
 * module_init.  As in Linux, the algorithm only says how cwnd grows
 * (cong_avoid) and where ssthresh goes after a loss (ssthresh); detecting
 * the loss, the fast retransmit, recovery (PRR) and the RTO stay in
 * netsim's TCP, which calls the algorithm's functions.  cwnd and ssthresh
 * are in segments, as Linux's tcp_snd_cwnd() gives them; the tcp_cc trace
 * table and `netsim show --flow` show them in bytes.
 *
 * The plug-in exports int ns_module_init(void) (<netsim/proto.h> says when
 * netsim calls it) and registers the algorithm there; the registration
 * acts on that host.  A program on the host then chooses it:
 *
 *     setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, "aimd", strlen("aimd"));
 *
 * before connect() (or on a listener, whose connections inherit it).  The
 * host key tcp_congestion_control names only the built-in cubic and reno.
 * docs/plugin-example/aimd_cc.c is a whole algorithm.
 *
 * Contexts.  The functions run in softirq context when an ACK arrives
 * (ssthresh, cong_avoid, pkts_acked, set_state, undo_cwnd) or in the
 * process's connect() or setsockopt() (init), and must not block.  Each
 * runs contained (docs/reliability.md): a fault in the plug-in's code (a
 * bad pointer, a division by zero, abort(), exit(), a spin longer than
 * [scenario] spin_limit), or a socket pointer other than the one the call
 * was given, disables the module on its host.  The algorithm is then
 * unregistered, and every connection that used it goes on with Reno from
 * its next ACK (Linux would oops).  The run goes on and stderr names the
 * module, the function and the time.
 *
 * Build as any plug-in: cc -shared -fPIC $(pkg-config --cflags netsim).
 */
#ifndef NETSIM_TCP_CONG_H
#define NETSIM_TCP_CONG_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sock;

#ifndef TCP_CONGESTION
#define TCP_CONGESTION 13 /* setsockopt(IPPROTO_TCP): the algorithm's name */
#endif
#define NS_TCP_CA_NAME_MAX 16	/* TCP_CA_NAME_MAX, with the final NUL */
#define NS_TCP_CA_PRIV_SIZE 104 /* ICSK_CA_PRIV_SIZE: ns_inet_csk_ca's bytes */
#define NS_TCP_INFINITE_SSTHRESH 0x7fffffff

/* Linux enum tcp_ca_state: set_state's argument, ns_tcp_ca_state. */
enum ns_tcp_ca_state {
	NS_TCP_CA_Open = 0,	/* no loss seen */
	NS_TCP_CA_Disorder = 1, /* duplicate ACKs or SACKs, not yet a loss */
	NS_TCP_CA_CWR = 2,	/* cwnd reduced for ECN or local congestion */
	NS_TCP_CA_Recovery = 3, /* fast recovery */
	NS_TCP_CA_Loss = 4,	/* after a retransmission timeout */
};

/* Linux struct ack_sample (pkts_acked's argument). */
struct ns_ack_sample {
	uint32_t pkts_acked; /* segments this ACK acknowledged */
	int64_t rtt_us;	     /* RTT of the newest one, -1 if none (Karn) */
	uint32_t in_flight;  /* segments in flight before the ACK */
};

/* Linux struct tcp_congestion_ops, the members netsim calls. */
struct ns_tcp_congestion_ops {
	const char *name; /* TCP_CONGESTION's value: 1 to 15 characters */
	/* Required: the slow-start threshold after a loss, in segments
	 * (Linux tcp_reno_ssthresh: max(cwnd / 2, 2)). */
	uint32_t (*ssthresh)(struct sock *sk);
	/* Required: grow cwnd on an ACK of new data outside Recovery and CWR;
	 * @acked segments were acknowledged.  Call ns_tcp_is_cwnd_limited
	 * first, as Linux's algorithms do. */
	void (*cong_avoid)(struct sock *sk, uint32_t ack, uint32_t acked);
	/* Required: the cwnd to go back to when a loss proves spurious
	 * (Linux tcp_reno_undo_cwnd: max(cwnd, prior cwnd)). */
	uint32_t (*undo_cwnd)(struct sock *sk);
	/* Optional: the connection starts using the algorithm; its private
	 * area (ns_inet_csk_ca) is zeroed. */
	void (*init)(struct sock *sk);
	/* Optional: before the CA state changes to @new_state. */
	void (*set_state)(struct sock *sk, uint8_t new_state);
	/* Optional: every ACK that acknowledged something or gave an RTT. */
	void (*pkts_acked)(struct sock *sk, const struct ns_ack_sample *sample);
};

/* Linux tcp_register_congestion_control.  0, -EINVAL (a required function
 * missing, a bad name) or -EEXIST (the name is taken on this host,
 * "cubic" and "reno" included).  @ca must stay valid: keep it static. */
int ns_tcp_register_congestion_control(const struct ns_tcp_congestion_ops *ca);

/* What an algorithm reads and sets (include/net/tcp.h), for the socket
 * its function was given. */
uint32_t ns_tcp_snd_cwnd(struct sock *sk);		  /* tcp_snd_cwnd */
void ns_tcp_snd_cwnd_set(struct sock *sk, uint32_t segs); /* tcp_snd_cwnd_set; >= 1 */
uint32_t ns_tcp_snd_ssthresh(struct sock *sk);		  /* tp->snd_ssthresh */
uint32_t ns_tcp_prior_cwnd(struct sock *sk);		  /* tp->prior_cwnd: cwnd before the loss */
uint8_t ns_tcp_ca_state(struct sock *sk);		  /* inet_csk(sk)->icsk_ca_state */
bool ns_tcp_in_slow_start(struct sock *sk);		  /* cwnd < ssthresh */
bool ns_tcp_is_cwnd_limited(struct sock *sk);		  /* tcp_is_cwnd_limited */
/* Linux tcp_slow_start: cwnd += @acked up to ssthresh; returns the
 * segments acknowledged beyond it (for congestion avoidance). */
uint32_t ns_tcp_slow_start(struct sock *sk, uint32_t acked);
/* Linux tcp_cong_avoid_ai: cwnd += @acked / @w, one segment per @w
 * acknowledged (@w = cwnd: one segment per round trip). */
void ns_tcp_cong_avoid_ai(struct sock *sk, uint32_t w, uint32_t acked);
/* Linux inet_csk_ca: NS_TCP_CA_PRIV_SIZE bytes of the algorithm's own per
 * connection, zeroed before init. */
void *ns_inet_csk_ca(struct sock *sk);
/* Linux tcp_jiffies32 (HZ = 1000) and tcp_clock_us: virtual time. */
uint32_t ns_tcp_jiffies32(struct sock *sk);
uint64_t ns_tcp_clock_us(struct sock *sk);

#ifndef NETSIM_NO_PROTO_MACROS
#define tcp_register_congestion_control(ca) ns_tcp_register_congestion_control(ca)
#endif

#ifdef __cplusplus
}
#endif

#endif
