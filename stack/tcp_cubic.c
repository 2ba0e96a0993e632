/*
 * stack/tcp_cubic.c - CUBIC with HyStart, as Linux 6.6 runs it (the
 * default of net.ipv4.tcp_congestion_control since 2.6.19).
 *
 * Linux counterpart: net/ipv4/tcp_cubic.c (6.6): cubictcp_init,
 * cubictcp_cwnd_event, cubic_root, bictcp_update, cubictcp_cong_avoid,
 * cubictcp_recalc_ssthresh, cubictcp_state, hystart_ack_delay,
 * hystart_update, cubictcp_acked, and the constants cubictcp_register
 * computes.  RFC 9438 describes CUBIC; where Linux and the RFC differ
 * (Linux's fixed-point cube with C = 410/1024 = 0.4, its beta 717/1024 =
 * 0.7, its Reno-friendly region, HyStart instead of HyStart++ of RFC 9406),
 * this file follows Linux.
 *
 * After a loss the window is W(t) = C (t - K)^3 + W_max segments, t
 * seconds since the loss (plus the minimum RTT), K = cbrt(W_max (1 - beta)
 * / C): concave up to W_max, then convex.  Fast convergence lowers W_max
 * to cwnd (1 + beta) / 2 when a loss comes before the last W_max was
 * reached.  HyStart leaves slow start (ssthresh = cwnd) from cwnd 16 on
 * when an ACK train lasts longer than half the minimum RTT, or when the
 * minimum RTT of a round's first 8 samples exceeds the minimum seen by
 * 1/8 (clamped to 4..16 ms).
 *
 * Time: jiffies at CONFIG_HZ = 1000 (tcp_jiffies32) for the curve, and
 * microseconds for the delays, as in Linux.  Pacing: Linux computes
 * sk_pacing_rate even without the fq qdisc; hystart_ack_delay uses the
 * value tcp_update_pacing_rate would have (netsim does not pace).
 */
#include "stack/tcp_cubic.h"

#include <string.h>
#include "stack/tcp.h"

#define BICTCP_BETA_SCALE 1024 /* scale factor of beta */
#define BICTCP_HZ 10	       /* BIC HZ 2^10 = 1024 */

#define HYSTART_ACK_TRAIN 0x1
#define HYSTART_DELAY 0x2
#define HYSTART_MIN_SAMPLES 8
#define HYSTART_DELAY_MIN 4000U	 /* us */
#define HYSTART_DELAY_MAX 16000U /* us */
#define HYSTART_DELAY_THRESH(x) CLAMP((x), HYSTART_DELAY_MIN, HYSTART_DELAY_MAX)

/* The module parameters, at their defaults (tcp_cubic.c). */
static const int fast_convergence = 1;
static const int beta = 717; /* 717/1024 */
static const int bic_scale = 41;
static const int tcp_friendliness = 1;
static const int hystart = 1;
static const int hystart_detect = HYSTART_ACK_TRAIN | HYSTART_DELAY;
static const uint32_t hystart_low_window = 16;
static const int hystart_ack_delta_us = 2000;

/* cubictcp_register's precomputed constants. */
#define BETA_SCALE (8u * (BICTCP_BETA_SCALE + beta) / 3 / (BICTCP_BETA_SCALE - beta)) /* 15 */
#define CUBE_RTT_SCALE ((uint32_t)bic_scale * 10) /* 1024 * c / rtt, 410 */
#define CUBE_FACTOR ((1ull << (10 + 3 * BICTCP_HZ)) / ((uint64_t)bic_scale * 10))

G_STATIC_ASSERT(sizeof(struct bictcp) <= TCP_CA_PRIV_SIZE);

struct bictcp *
cubic_ca(struct sock *sk)
{
	return inet_csk_ca(sk);
}

static void
bictcp_reset(struct bictcp *ca)
{
	memset(ca, 0, offsetof(struct bictcp, unused));
	ca->found = 0;
}

static void
bictcp_hystart_reset(struct sock *sk)
{
	struct bictcp *ca = cubic_ca(sk);
	ca->round_start = ca->last_ack = tcp_clock_us(sk);
	ca->end_seq = tcp_sk(sk)->snd_nxt;
	ca->curr_rtt = ~0U;
	ca->sample_cnt = 0;
}

static void
cubictcp_init(struct sock *sk)
{
	bictcp_reset(cubic_ca(sk));
	if (hystart)
		bictcp_hystart_reset(sk);
}

/* Idle (application limited) for a while: shift epoch_start, so that the
 * curve continues where it stopped. */
static void
cubictcp_cwnd_event(struct sock *sk, enum tcp_ca_event event)
{
	if (event != CA_EVENT_TX_START)
		return;
	struct bictcp *ca = cubic_ca(sk);
	uint32_t now = tcp_jiffies32(sk);
	int32_t delta = (int32_t)(now - tcp_sk(sk)->lsndtime);
	if (ca->epoch_start && delta > 0) {
		ca->epoch_start += (uint32_t)delta;
		if (after(ca->epoch_start, now))
			ca->epoch_start = now;
	}
}

static int
fls64(uint64_t x)
{
	return x ? 64 - __builtin_clzll(x) : 0;
}

/* The cube root of @a: a table lookup, then one Newton-Raphson step
 * (Linux cubic_root, average error 0.195%). */
uint32_t
tcp_cubic_root(uint64_t a)
{
	/* cbrt(x) MSB values for x MSB values in [0..63]: for x in [0..63],
	 * v = cbrt(x << 18) - 1, cbrt(x) = (v[x] + 10) >> 6 */
	static const uint8_t v[] = {
		0,   54,  54,  54,  118, 118, 118, 118, 123, 129, 134, 138, 143, 147, 151, 156,
		157, 161, 164, 168, 170, 173, 176, 179, 181, 185, 187, 190, 192, 194, 197, 199,
		200, 202, 204, 206, 209, 211, 213, 215, 217, 219, 221, 222, 224, 225, 227, 229,
		231, 232, 234, 236, 237, 239, 240, 242, 244, 245, 246, 248, 250, 251, 252, 254,
	};
	uint32_t b = (uint32_t)fls64(a);
	if (b < 7)
		return ((uint32_t)v[(uint32_t)a] + 35) >> 6; /* a in [0..63] */
	b = ((b * 84) >> 8) - 1;
	uint32_t shift = (uint32_t)(a >> (b * 3));
	uint32_t x = ((uint32_t)(((uint32_t)v[shift] + 10) << b)) >> 6;
	/* x_{k+1} = (2 x_k + a / x_k^2) / 3 */
	x = 2 * x + (uint32_t)(a / ((uint64_t)x * (uint64_t)(x - 1)));
	x = (x * 341) >> 10;
	return x;
}

/* W(t) = origin + C (t - K)^3 in segments, @t in 2^-10 s since the epoch
 * began: bictcp_update's fixed point, C = 410 / 1024 per s^3. */
uint32_t
tcp_cubic_target(const struct bictcp *ca, uint64_t t)
{
	uint64_t offs = t < ca->bic_K ? ca->bic_K - t : t - ca->bic_K;
	uint32_t delta = (uint32_t)((CUBE_RTT_SCALE * offs * offs * offs) >> (10 + 3 * BICTCP_HZ));
	if (t < ca->bic_K)
		return ca->bic_origin_point - delta; /* below origin */
	return ca->bic_origin_point + delta;	     /* above origin */
}

/* Linux usecs_to_jiffies: rounded up. */
static uint32_t
usecs_to_jiffies(uint32_t us)
{
	uint32_t per = 1000000u / TCP_HZ;
	return (us + per - 1) / per;
}

/*
 * Linux bictcp_update: the ACKs per +1 segment (ca->cnt) that make cwnd
 * reach the cubic target one RTT from now, W(t + delay_min); at most once
 * per jiffy; no slower than the Reno estimate (tcp_friendliness); and at
 * most +1 per 2 segments acked (1.5 x per RTT).
 */
static void
bictcp_update(struct sock *sk, struct bictcp *ca, uint32_t cwnd, uint32_t acked)
{
	uint32_t delta, bic_target, max_cnt;
	uint64_t t;
	uint32_t now = tcp_jiffies32(sk);
	ca->ack_cnt += acked; /* count the number of ACKed packets */
	if (ca->last_cwnd == cwnd && (int32_t)(now - ca->last_time) <= TCP_HZ / 32)
		return;
	/* The cubic function updates ca->cnt at most once per jiffy; every
	 * cwnd reduction sets epoch_start to 0, forcing a recalculation. */
	if (ca->epoch_start && now == ca->last_time)
		goto tcp_friendliness;
	ca->last_cwnd = cwnd;
	ca->last_time = now;
	if (ca->epoch_start == 0) {
		ca->epoch_start = now; /* record beginning */
		ca->ack_cnt = acked;   /* start counting */
		ca->tcp_cwnd = cwnd;   /* sync with cubic */
		if (ca->last_max_cwnd <= cwnd) {
			ca->bic_K = 0;
			ca->bic_origin_point = cwnd;
		} else {
			/* K = cbrt((W_max - cwnd) / C), in 2^-10 s */
			ca->bic_K = tcp_cubic_root(CUBE_FACTOR * (ca->last_max_cwnd - cwnd));
			ca->bic_origin_point = ca->last_max_cwnd;
		}
	}
	/* one RTT (delay_min) ahead, in 2^-10 s */
	t = (uint64_t)(int64_t)(int32_t)(now - ca->epoch_start);
	t += usecs_to_jiffies(ca->delay_min);
	t <<= BICTCP_HZ;
	t /= TCP_HZ;
	bic_target = tcp_cubic_target(ca, t);
	if (bic_target > cwnd)
		ca->cnt = cwnd / (bic_target - cwnd);
	else
		ca->cnt = 100 * cwnd; /* very small increment */
	/* The initial growth may be too conservative while the available
	 * bandwidth is unknown: at least 5% per RTT. */
	if (ca->last_max_cwnd == 0 && ca->cnt > 20)
		ca->cnt = 20;
tcp_friendliness:
	/* The Reno-friendly region: a Reno flow with the same beta would
	 * gain 3 (1 - beta) / (1 + beta) segments per RTT. */
	if (tcp_friendliness) {
		delta = (cwnd * BETA_SCALE) >> 3;
		while (ca->ack_cnt > delta) {
			ca->ack_cnt -= delta;
			ca->tcp_cwnd++;
		}
		if (ca->tcp_cwnd > cwnd) { /* cubic is slower than Reno */
			delta = ca->tcp_cwnd - cwnd;
			max_cnt = cwnd / delta;
			if (ca->cnt > max_cnt)
				ca->cnt = max_cnt;
		}
	}
	ca->cnt = MAX(ca->cnt, 2U);
}

static void
cubictcp_cong_avoid(struct sock *sk, uint32_t ack, uint32_t acked)
{
	(void)ack;
	struct tcp_sock *tp = tcp_sk(sk);
	struct bictcp *ca = cubic_ca(sk);
	if (!tcp_is_cwnd_limited(sk))
		return;
	if (tcp_in_slow_start(tp)) {
		acked = tcp_slow_start(tp, acked);
		if (!acked)
			return;
	}
	bictcp_update(sk, ca, tcp_snd_cwnd(tp), acked);
	tcp_cong_avoid_ai(tp, ca->cnt, acked);
}

/* Linux cubictcp_recalc_ssthresh: end the epoch, W_max (lowered by fast
 * convergence), ssthresh = cwnd x 717/1024. */
static uint32_t
cubictcp_recalc_ssthresh(struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	struct bictcp *ca = cubic_ca(sk);
	ca->epoch_start = 0; /* end of epoch */
	if (tcp_snd_cwnd(tp) < ca->last_max_cwnd && fast_convergence)
		ca->last_max_cwnd =
			(tcp_snd_cwnd(tp) * (BICTCP_BETA_SCALE + beta)) / (2 * BICTCP_BETA_SCALE);
	else
		ca->last_max_cwnd = tcp_snd_cwnd(tp);
	return MAX((tcp_snd_cwnd(tp) * beta) / BICTCP_BETA_SCALE, 2U);
}

/* An RTO forgets everything, W_max included (cubictcp_state). */
static void
cubictcp_state(struct sock *sk, uint8_t new_state)
{
	if (new_state == TCP_CA_Loss) {
		bictcp_reset(cubic_ca(sk));
		bictcp_hystart_reset(sk);
	}
}

/* Linux hystart_ack_delay: a cushion for TSO/GRO aggregation, 4 GSO
 * packets (64 KB) at the pacing rate, at most 1 ms.  The rate is Linux's
 * tcp_update_pacing_rate: mss x cwnd / srtt x 200% in slow start. */
static uint32_t
hystart_ack_delay(const struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	uint64_t srtt_us = (uint64_t)(tp->srtt / SIM_US);
	if (!srtt_us)
		return 0;
	uint32_t ratio = tcp_snd_cwnd(tp) < tcp_snd_ssthresh(tp) / 2 ? 200 : 120;
	uint64_t rate = (uint64_t)tp->mss * 1000000u / 100 * ratio * tcp_snd_cwnd(tp) / srtt_us;
	if (!rate)
		return 0;
	return (uint32_t)MIN((uint64_t)1000, (uint64_t)65536 * 4 * 1000000u / rate);
}

static void
hystart_update(struct sock *sk, uint32_t delay)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct bictcp *ca = cubic_ca(sk);
	uint32_t threshold;
	if (after(tp->snd_una, ca->end_seq))
		bictcp_hystart_reset(sk); /* a new round */
	if (hystart_detect & HYSTART_ACK_TRAIN) {
		uint32_t now = tcp_clock_us(sk);
		/* ACKs closely spaced form a train; one lasting longer than
		 * half the minimum delay means the pipe is full */
		if ((int32_t)(now - ca->last_ack) <= hystart_ack_delta_us) {
			ca->last_ack = now;
			threshold = ca->delay_min + hystart_ack_delay(sk);
			threshold >>= 1; /* sk_pacing_status == SK_PACING_NONE */
			if ((int32_t)(now - ca->round_start) > (int32_t)threshold) {
				ca->found = 1;
				tp->ssthresh = tp->cwnd; /* LINUX_MIB_TCPHYSTARTTRAINDETECT */
			}
		}
	}
	if (hystart_detect & HYSTART_DELAY) {
		/* the minimum delay of the round's first samples */
		if (ca->curr_rtt > delay)
			ca->curr_rtt = delay;
		if (ca->sample_cnt < HYSTART_MIN_SAMPLES) {
			ca->sample_cnt++;
		} else if (ca->curr_rtt >
			   ca->delay_min + HYSTART_DELAY_THRESH(ca->delay_min >> 3)) {
			ca->found = 1;
			tp->ssthresh = tp->cwnd; /* LINUX_MIB_TCPHYSTARTDELAYDETECT */
		}
	}
}

/* Linux cubictcp_acked: track the minimum delay and run HyStart in slow
 * start from hystart_low_window segments on. */
static void
cubictcp_acked(struct sock *sk, const struct ack_sample *sample)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	struct bictcp *ca = cubic_ca(sk);
	if (sample->rtt_us < 0)
		return; /* some calls are for duplicates without timestamps */
	/* discard delay samples right after fast recovery */
	if (ca->epoch_start && (int32_t)(tcp_jiffies32(sk) - ca->epoch_start) < TCP_HZ)
		return;
	uint32_t delay = (uint32_t)MAX(sample->rtt_us, 1);
	if (ca->delay_min == 0 || ca->delay_min > delay)
		ca->delay_min = delay; /* first call or the link delay decreased */
	if (!ca->found && tcp_in_slow_start(tp) && hystart &&
	    tcp_snd_cwnd(tp) >= hystart_low_window)
		hystart_update(sk, delay);
}

const struct tcp_congestion_ops cubictcp = {
	.init = cubictcp_init,
	.ssthresh = cubictcp_recalc_ssthresh,
	.cong_avoid = cubictcp_cong_avoid,
	.set_state = cubictcp_state,
	.undo_cwnd = tcp_reno_undo_cwnd,
	.cwnd_event = cubictcp_cwnd_event,
	.pkts_acked = cubictcp_acked,
	.name = "cubic",
};
