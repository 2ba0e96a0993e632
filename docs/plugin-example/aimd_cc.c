/*
 * aimd_cc.c - "aimd", a student's congestion control: additive increase,
 * multiplicative decrease with a gentler decrease than Reno's.
 *
 *   slow start     cwnd += every segment acknowledged, up to ssthresh
 *                  (as Reno: ns_tcp_slow_start)
 *   avoidance      cwnd += AIMD_A segments per round trip
 *   after a loss   ssthresh = cwnd * AIMD_B_NUM / AIMD_B_DEN  (Reno: 1/2)
 *
 * AIMD(a, b) with a = 1 and b = 3/4 takes a smaller step down than Reno
 * and so keeps more of the window after each loss; to stay as fair to
 * Reno flows as Reno itself, a should be 3(1 - b)/(1 + b) = 3/7 (Floyd,
 * Handley and Padhye, "A Comparison of Equation-Based and AIMD Congestion
 * Control", 2000).  Change the three numbers and compare the cwnd curves
 * (`sqlite3 t.db "SELECT time_ns, cwnd, ssthresh, ca FROM tcp_cc"`).
 *
 * netsim's TCP detects the loss, retransmits and recovers; this file only
 * says how cwnd grows and where ssthresh goes, as a Linux module such as
 * net/ipv4/tcp_highspeed.c does.  It is linked into the program that uses
 * it (aimd_send.c, see the Makefile): loading that program on a host runs
 * ns_module_init there, which registers "aimd" on that host.
 */
#include <netsim/tcp_cong.h>

#define AIMD_A 1     /* segments added per round trip */
#define AIMD_B_NUM 3 /* cwnd kept after a loss: 3/4 */
#define AIMD_B_DEN 4

/* Our own state per connection, in the algorithm's private area. */
struct aimd {
	uint32_t losses; /* reductions so far */
};

static void
aimd_init(struct sock *sk)
{
	struct aimd *ca = ns_inet_csk_ca(sk);
	ca->losses = 0;
}

static uint32_t
aimd_ssthresh(struct sock *sk)
{
	struct aimd *ca = ns_inet_csk_ca(sk);
	ca->losses++;
	uint32_t keep = ns_tcp_snd_cwnd(sk) * AIMD_B_NUM / AIMD_B_DEN;
	return keep > 2 ? keep : 2;
}

static void
aimd_cong_avoid(struct sock *sk, uint32_t ack, uint32_t acked)
{
	(void)ack;
	if (!ns_tcp_is_cwnd_limited(sk))
		return; /* the application, not the network, limits us */
	if (ns_tcp_in_slow_start(sk)) {
		acked = ns_tcp_slow_start(sk, acked);
		if (!acked)
			return;
	}
	/* AIMD_A segments for every cwnd of segments acknowledged */
	ns_tcp_cong_avoid_ai(sk, ns_tcp_snd_cwnd(sk) / AIMD_A, acked);
}

/* A loss that proves spurious: back to the cwnd before it (Reno's rule). */
static uint32_t
aimd_undo_cwnd(struct sock *sk)
{
	uint32_t now = ns_tcp_snd_cwnd(sk), prior = ns_tcp_prior_cwnd(sk);
	return now > prior ? now : prior;
}

static const struct ns_tcp_congestion_ops aimd = {
	.name = "aimd",
	.init = aimd_init,
	.ssthresh = aimd_ssthresh,
	.cong_avoid = aimd_cong_avoid,
	.undo_cwnd = aimd_undo_cwnd,
};

int
ns_module_init(void)
{
	return tcp_register_congestion_control(&aimd);
}
