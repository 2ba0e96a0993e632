/*
 * stack/tcp_cong.h - pluggable congestion control: struct
 * tcp_congestion_ops, its registry and the helpers algorithms build on.
 *
 * Linux counterpart: include/net/tcp.h (struct tcp_congestion_ops, enum
 * tcp_ca_state, enum tcp_ca_event, struct ack_sample, tcp_snd_cwnd,
 * tcp_in_slow_start, tcp_is_cwnd_limited) and net/ipv4/tcp_cong.c (the
 * registry, tcp_reno).  As in Linux, an algorithm only says how cwnd grows
 * (cong_avoid) and where ssthresh goes after a loss (ssthresh); loss
 * detection and recovery (NewReno here) stay in the stack
 * (stack/tcp_cong_control.c), which calls the ops.
 *
 * Units are Linux's: the ops see cwnd and ssthresh in segments
 * (tcp_snd_cwnd); netsim stores bytes (tp->cwnd = segments x mss), which
 * the accessors below convert.  Outside recovery cwnd is always a whole
 * number of segments.
 */
#ifndef NETSIM_STACK_TCP_CONG_H
#define NETSIM_STACK_TCP_CONG_H

#include <stdbool.h>
#include <stdint.h>

struct sock;
struct tcp_sock;

#define TCP_CA_NAME_MAX 16			 /* include/net/tcp.h */
#define TCP_CA_MAX 16				 /* registry slots (Linux: a list) */
#define TCP_CA_PRIV_SIZE (13 * sizeof(uint64_t)) /* ICSK_CA_PRIV_SIZE */
#define TCP_INFINITE_SSTHRESH 0x7fffffff

#ifndef TCP_CONGESTION
#define TCP_CONGESTION 13 /* setsockopt level IPPROTO_TCP: the algorithm's name */
#endif

/* Linux enum tcp_ca_state (include/uapi/linux/tcp.h). */
enum tcp_ca_state {
	TCP_CA_Open = 0,     /* no loss seen */
	TCP_CA_Disorder = 1, /* duplicate ACKs, not yet three */
	TCP_CA_CWR = 2,	     /* cwnd reduced for local congestion (tcp_enter_cwr) */
	TCP_CA_Recovery = 3, /* fast recovery */
	TCP_CA_Loss = 4,     /* after an RTO */
};

/* Linux enum tcp_ca_event: the ones netsim raises. */
enum tcp_ca_event {
	CA_EVENT_TX_START,     /* first transmit when nothing is in flight */
	CA_EVENT_CWND_RESTART, /* (not raised: no tcp_slow_start_after_idle) */
	CA_EVENT_COMPLETE_CWR, /* end of a cwnd reduction */
	CA_EVENT_LOSS,	       /* an RTO (tcp_enter_loss) */
};

/* Linux struct ack_sample, for pkts_acked. */
struct ack_sample {
	uint32_t pkts_acked;
	int64_t rtt_us; /* RTT of the newest segment acked, -1 if none (Karn) */
	uint32_t in_flight;
};

#define TCP_CONG_NON_RESTRICTED 0x1 /* flags: any user may select it */

/*
 * Linux struct tcp_congestion_ops, the members that apply to netsim
 * (no cong_control, no in_ack_event, no min_tso_segs, no get_info).
 * ssthresh and undo_cwnd are required, and cong_avoid
 * (tcp_register_congestion_control returns -EINVAL otherwise).
 */
struct tcp_congestion_ops {
	/* the slow-start threshold after a loss, in segments */
	uint32_t (*ssthresh)(struct sock *sk);
	/* grow cwnd on an ACK of new data; @acked segments */
	void (*cong_avoid)(struct sock *sk, uint32_t ack, uint32_t acked);
	/* before the CA state changes */
	void (*set_state)(struct sock *sk, uint8_t new_state);
	void (*cwnd_event)(struct sock *sk, enum tcp_ca_event ev);
	/* the cwnd to return to when a loss was spurious */
	uint32_t (*undo_cwnd)(struct sock *sk);
	/* every ACK that acknowledged something: counts and an RTT sample */
	void (*pkts_acked)(struct sock *sk, const struct ack_sample *sample);
	void (*init)(struct sock *sk);
	void (*release)(struct sock *sk);
	uint32_t flags;
	char name[TCP_CA_NAME_MAX];
};

/* Registry (net/ipv4/tcp_cong.c).  0, -EINVAL (a required op missing or
 * an empty name) or -EEXIST (the name is taken); tcp_ca_find returns NULL
 * for an unknown name.  Reno and CUBIC are registered before first use. */
int tcp_register_congestion_control(const struct tcp_congestion_ops *ca);
void tcp_unregister_congestion_control(const struct tcp_congestion_ops *ca);
const struct tcp_congestion_ops *tcp_ca_find(const char *name);

/* The names of the built-in algorithms, the values of [host]
 * tcp_congestion_control (CONF_ENUM order). */
enum tcp_ca_builtin { TCP_CA_RENO, TCP_CA_CUBIC };
extern const char *const tcp_ca_builtin_names[];

/* Per socket (tcp_cong.c). */
void tcp_assign_congestion_control(struct sock *sk); /* the host's default */
void tcp_init_congestion_control(struct sock *sk);   /* at ESTABLISHED */
void tcp_cleanup_congestion_control(struct sock *sk);
/* TCP_CONGESTION: 0 or -ENOENT (no such algorithm). */
int tcp_set_congestion_control(struct sock *sk, const char *name);
/* The listener's choice, if made by setsockopt, else the default
 * (Linux tcp_ca_openreq_child). */
void tcp_ca_openreq_child(struct sock *sk, const struct sock *listener);
void tcp_set_ca_state(struct sock *sk, uint8_t ca_state);
/* The state's name as Linux's enum spells it without TCP_CA_ ("Recovery"). */
const char *tcp_ca_state_name(uint8_t ca_state);
void tcp_ca_event(struct sock *sk, enum tcp_ca_event ev);
void *inet_csk_ca(const struct sock *sk); /* the algorithm's private state */

/* What algorithms use (include/net/tcp.h, net/ipv4/tcp_cong.c). */
uint32_t tcp_snd_cwnd(const struct tcp_sock *tp);
void tcp_snd_cwnd_set(struct tcp_sock *tp, uint32_t segs);
uint32_t tcp_snd_ssthresh(const struct tcp_sock *tp);
void tcp_snd_ssthresh_set(struct tcp_sock *tp, uint32_t segs);
bool tcp_in_slow_start(const struct tcp_sock *tp);
bool tcp_is_cwnd_limited(const struct sock *sk);
uint32_t tcp_slow_start(struct tcp_sock *tp, uint32_t acked);
void tcp_cong_avoid_ai(struct tcp_sock *tp, uint32_t w, uint32_t acked);
uint32_t tcp_jiffies32(const struct sock *sk); /* HZ = TCP_HZ */
uint32_t tcp_clock_us(const struct sock *sk);
#define TCP_HZ 1000 /* CONFIG_HZ: netsim's jiffy is 1 ms */

/* Reno (tcp_cong.c) and CUBIC (tcp_cubic.c). */
extern const struct tcp_congestion_ops tcp_reno;
extern const struct tcp_congestion_ops cubictcp;
uint32_t tcp_reno_ssthresh(struct sock *sk);
void tcp_reno_cong_avoid(struct sock *sk, uint32_t ack, uint32_t acked);
uint32_t tcp_reno_undo_cwnd(struct sock *sk);

#endif
