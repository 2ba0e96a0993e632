/*
 * stack/tcp_cong.c - the congestion-control registry, the per-socket
 * choice of algorithm, and Reno.
 *
 * Linux counterpart: net/ipv4/tcp_cong.c as in 6.6
 * (tcp_register_congestion_control, tcp_ca_find,
 * tcp_assign_congestion_control, tcp_init_congestion_control,
 * tcp_reinit_congestion_control, tcp_set_congestion_control,
 * tcp_ca_openreq_child, tcp_slow_start, tcp_cong_avoid_ai,
 * tcp_reno_cong_avoid, tcp_reno_ssthresh, tcp_reno_undo_cwnd).
 *
 * Position: tcp_v4_init_sock -> tcp_assign_congestion_control (the host's
 * tcp_congestion_control); setsockopt(TCP_CONGESTION) ->
 * tcp_set_congestion_control; stack/tcp_cong_control.c calls the ops.
 *
 * Linux's Reno differs from RFC 5681's text in three ways a trace shows:
 * cwnd counts segments, not bytes; slow start adds every segment an ACK
 * acknowledges (tcp_slow_start; RFC 3465's byte counting with no limit L,
 * so a delayed ACK of two segments adds two); and ssthresh after a loss is
 * half of cwnd (tcp_reno_ssthresh), not half of the FlightSize.  cwnd
 * grows only while the sender uses it (tcp_is_cwnd_limited, RFC 7661's
 * idea).
 */
#include "stack/tcp_cong.h"

#include <errno.h>
#include <string.h>
#include "stack/host.h"
#include "stack/module.h"
#include "stack/tcp.h"

const char *const tcp_ca_builtin_names[] = { "reno", "cubic", NULL };

static const struct tcp_congestion_ops *tcp_ca_list[TCP_CA_MAX];
static bool tcp_ca_builtins_done;

static void
tcp_ca_builtins(void)
{
	if (tcp_ca_builtins_done)
		return;
	tcp_ca_builtins_done = true;
	tcp_register_congestion_control(&cubictcp);
	tcp_register_congestion_control(&tcp_reno);
}

/* Linux tcp_ca_find: by name, under the list lock. */
const struct tcp_congestion_ops *
tcp_ca_find(const char *name)
{
	tcp_ca_builtins();
	for (int i = 0; i < TCP_CA_MAX; i++)
		if (tcp_ca_list[i] && strcmp(tcp_ca_list[i]->name, name) == 0)
			return tcp_ca_list[i];
	return NULL;
}

/* Linux tcp_register_congestion_control (tcp_validate_congestion_control:
 * ssthresh, undo_cwnd and cong_avoid are required). */
int
tcp_register_congestion_control(const struct tcp_congestion_ops *ca)
{
	tcp_ca_builtins();
	if (!ca->ssthresh || !ca->undo_cwnd || !ca->cong_avoid || !ca->name[0])
		return -EINVAL;
	if (tcp_ca_find(ca->name))
		return -EEXIST;
	for (int i = 0; i < TCP_CA_MAX; i++)
		if (!tcp_ca_list[i]) {
			tcp_ca_list[i] = ca;
			return 0;
		}
	return -ENOSPC;
}

void
tcp_unregister_congestion_control(const struct tcp_congestion_ops *ca)
{
	for (int i = 0; i < TCP_CA_MAX; i++)
		if (tcp_ca_list[i] == ca)
			tcp_ca_list[i] = NULL;
}

void *
inet_csk_ca(const struct sock *sk)
{
	return tcp_sk(sk)->ca_priv;
}

/* Linux tcp_assign_congestion_control: the default of the host (the
 * sysctl net.ipv4.tcp_congestion_control), private area zeroed. */
void
tcp_assign_congestion_control(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	int c = sk->host->tcp ? tcp_config(sk->host)->congestion : TCP_CA_CUBIC;
	tp->ca_ops = tcp_ca_find(tcp_ca_builtin_names[c]);
	if (!tp->ca_ops)
		tp->ca_ops = &tcp_reno;
	memset(tp->ca_priv, 0, sizeof tp->ca_priv);
}

/* Linux tcp_init_congestion_control, from tcp_init_transfer at ESTABLISHED. */
void
tcp_init_congestion_control(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (tp->ca_ops->init)
		tp->ca_ops->init(sk);
	tp->ca_initialized = true;
}

void
tcp_cleanup_congestion_control(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (tp->ca_ops && tp->ca_ops->release)
		tp->ca_ops->release(sk);
}

/* Linux tcp_set_congestion_control + tcp_reinit_congestion_control: an
 * unknown name is ENOENT; the same algorithm again changes nothing; a new
 * one starts from a zeroed private area, initialised at once unless the
 * socket is closed or listening.  (Linux also refuses with EPERM an
 * algorithm outside net.ipv4.tcp_allowed_congestion_control to a process
 * without CAP_NET_ADMIN; netsim's processes have it.) */
int
tcp_set_congestion_control(struct sock *sk, const char *name)
{
	struct tcp_sock *tp = tcp_sk(sk);
	const struct tcp_congestion_ops *ca = tcp_ca_find(name);
	if (!ca) /* one a plug-in registered on this host (stack/module_cc.c) */
		ca = module_cc_find(sk->host, name);
	if (ca == tp->ca_ops) {
		tp->ca_setsockopt = true;
		return 0;
	}
	if (!ca)
		return -ENOENT;
	tcp_cleanup_congestion_control(sk);
	tp->ca_ops = ca;
	tp->ca_setsockopt = true;
	memset(tp->ca_priv, 0, sizeof tp->ca_priv);
	tp->ca_initialized = false;
	if (sk->sk_state != TCP_CLOSE && sk->sk_state != TCP_LISTEN)
		tcp_init_congestion_control(sk);
	return 0;
}

/* Linux tcp_ca_openreq_child: a child keeps its listener's algorithm only
 * if the listener chose it by setsockopt; otherwise the host default. */
void
tcp_ca_openreq_child(struct sock *sk, const struct sock *listener)
{
	const struct tcp_sock *lp = tcp_sk(listener);
	struct tcp_sock *tp = tcp_sk(sk);
	if (lp->ca_setsockopt) {
		tp->ca_ops = lp->ca_ops;
		tp->ca_setsockopt = true;
		memset(tp->ca_priv, 0, sizeof tp->ca_priv);
	}
	tp->ca_state = TCP_CA_Open;
}

const char *
tcp_ca_state_name(uint8_t ca_state)
{
	static const char *const names[] = {
		[TCP_CA_Open] = "Open", [TCP_CA_Disorder] = "Disorder",
		[TCP_CA_CWR] = "CWR",	[TCP_CA_Recovery] = "Recovery",
		[TCP_CA_Loss] = "Loss",
	};
	return ca_state < G_N_ELEMENTS(names) ? names[ca_state] : "?";
}

/* Linux tcp_set_ca_state: the algorithm hears of it first. */
void
tcp_set_ca_state(struct sock *sk, uint8_t ca_state)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (tp->ca_ops->set_state)
		tp->ca_ops->set_state(sk, ca_state);
	tp->ca_state = ca_state;
}

void
tcp_ca_event(struct sock *sk, enum tcp_ca_event ev)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (tp->ca_ops->cwnd_event)
		tp->ca_ops->cwnd_event(sk, ev);
}

/* ---- what algorithms use (include/net/tcp.h) --------------------------------------- */

uint32_t
tcp_snd_cwnd(const struct tcp_sock *tp)
{
	return tp->cwnd / tp->mss;
}

void
tcp_snd_cwnd_set(struct tcp_sock *tp, uint32_t segs)
{
	tp->cwnd = MAX(segs, 1u) * tp->mss;
}

uint32_t
tcp_snd_ssthresh(const struct tcp_sock *tp)
{
	return tp->ssthresh >= TCP_INFINITE_SSTHRESH ? TCP_INFINITE_SSTHRESH
						     : tp->ssthresh / tp->mss;
}

void
tcp_snd_ssthresh_set(struct tcp_sock *tp, uint32_t segs)
{
	tp->ssthresh =
		segs >= TCP_INFINITE_SSTHRESH / tp->mss ? TCP_INFINITE_SSTHRESH : segs * tp->mss;
}

bool
tcp_in_slow_start(const struct tcp_sock *tp)
{
	return tcp_snd_cwnd(tp) < tcp_snd_ssthresh(tp);
}

/* Linux tcp_is_cwnd_limited (6.6): the last window filled cwnd, or, in
 * slow start, cwnd is below twice the most segments in flight lately. */
bool
tcp_is_cwnd_limited(const struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	if (tp->is_cwnd_limited)
		return true;
	if (tcp_in_slow_start(tp))
		return tcp_snd_cwnd(tp) < 2 * tp->max_packets_out;
	return false;
}

uint32_t
tcp_jiffies32(const struct sock *sk)
{
	/* Linux's jiffies start 5 minutes before wrapping (INITIAL_JIFFIES),
	 * so that 0 is no special time (CUBIC's epoch_start 0 means none). */
	return (uint32_t)(host_now(sk->host) / (SIM_S / TCP_HZ)) - 300u * TCP_HZ;
}

uint32_t
tcp_clock_us(const struct sock *sk)
{
	return (uint32_t)(host_now(sk->host) / SIM_US);
}

/* Linux tcp_slow_start: cwnd grows by every segment acknowledged, up to
 * ssthresh; what is left over returns for congestion avoidance. */
uint32_t
tcp_slow_start(struct tcp_sock *tp, uint32_t acked)
{
	uint32_t cwnd = MIN(tcp_snd_cwnd(tp) + acked, tcp_snd_ssthresh(tp));
	acked -= cwnd - tcp_snd_cwnd(tp);
	tcp_snd_cwnd_set(tp, cwnd);
	return acked;
}

/* Linux tcp_cong_avoid_ai: +1 segment per @w segments acknowledged
 * (snd_cwnd_cnt counts them); credit earned at a larger w is applied
 * gently first. */
void
tcp_cong_avoid_ai(struct tcp_sock *tp, uint32_t w, uint32_t acked)
{
	if (tp->snd_cwnd_cnt >= w) {
		tp->snd_cwnd_cnt = 0;
		tcp_snd_cwnd_set(tp, tcp_snd_cwnd(tp) + 1);
	}
	tp->snd_cwnd_cnt += acked;
	if (tp->snd_cwnd_cnt >= w) {
		uint32_t delta = tp->snd_cwnd_cnt / w;
		tp->snd_cwnd_cnt -= delta * w;
		tcp_snd_cwnd_set(tp, tcp_snd_cwnd(tp) + delta);
	}
}

/* ---- Reno ------------------------------------------------------------------------------ */

/* Linux tcp_reno_cong_avoid: slow start below ssthresh, then +1 segment
 * per cwnd of segments acknowledged (RFC 5681 (3)). */
void
tcp_reno_cong_avoid(struct sock *sk, uint32_t ack, uint32_t acked)
{
	(void)ack;
	struct tcp_sock *tp = tcp_sk(sk);
	if (!tcp_is_cwnd_limited(sk))
		return;
	if (tcp_in_slow_start(tp)) {
		acked = tcp_slow_start(tp, acked);
		if (!acked)
			return;
	}
	tcp_cong_avoid_ai(tp, tcp_snd_cwnd(tp), acked);
}

/* Linux tcp_reno_ssthresh: half of cwnd, at least 2 segments. */
uint32_t
tcp_reno_ssthresh(struct sock *sk)
{
	return MAX(tcp_snd_cwnd(tcp_sk(sk)) >> 1, 2u);
}

uint32_t
tcp_reno_undo_cwnd(struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	return MAX(tcp_snd_cwnd(tp), tp->prior_cwnd);
}

const struct tcp_congestion_ops tcp_reno = {
	.flags = TCP_CONG_NON_RESTRICTED,
	.name = "reno",
	.ssthresh = tcp_reno_ssthresh,
	.cong_avoid = tcp_reno_cong_avoid,
	.undo_cwnd = tcp_reno_undo_cwnd,
};
