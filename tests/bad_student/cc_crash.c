/*
 * tests/bad_student/cc_crash.c - congestion controls that misbehave, for
 * tests/plugin_cc.sh.  Built with -DMODE=N:
 *   0: "crash", whose cong_avoid divides by zero once cwnd reaches 20
 *   1: "crash", whose ssthresh dereferences NULL (at the first loss)
 *   2: "crash", whose cong_avoid asks for the cwnd of a NULL socket
 *   3: "crash", whose cong_avoid spins once cwnd reaches 20
 *   4: registers an algorithm without undo_cwnd (ns_module_init: -EINVAL)
 *   5: registers "cubic" (ns_module_init: -EEXIST)
 * The program (the same as docs/plugin-example/aimd_send.c) chooses "crash"
 * and sends `bytes` to dst:port.
 */
#include <netinet/tcp.h>
#include <netsim/socket.h>
#include <netsim/tcp_cong.h>
#include <stdlib.h>
#include <string.h>

#ifndef MODE
#define MODE 0
#endif

static uint32_t
crash_ssthresh(struct sock *sk)
{
	if (MODE == 1) {
		volatile uint32_t *p = NULL;
		return *p; /* SIGSEGV */
	}
	uint32_t half = ns_tcp_snd_cwnd(sk) / 2;
	return half > 2 ? half : 2;
}

static void
crash_cong_avoid(struct sock *sk, uint32_t ack, uint32_t acked)
{
	(void)ack;
	if (ns_tcp_snd_cwnd(sk) >= 20) {
		if (MODE == 0) {
			volatile uint32_t zero = 0;
			ns_tcp_snd_cwnd_set(sk, ns_tcp_snd_cwnd(sk) / zero); /* SIGFPE */
		}
		if (MODE == 2)
			(void)ns_tcp_snd_cwnd(NULL); /* netsim refuses it */
		if (MODE == 3)
			for (volatile int i = 0;; i++)
				; /* the spin limit */
	}
	if (ns_tcp_in_slow_start(sk))
		acked = ns_tcp_slow_start(sk, acked);
	if (acked)
		ns_tcp_cong_avoid_ai(sk, ns_tcp_snd_cwnd(sk), acked);
}

static uint32_t
crash_undo_cwnd(struct sock *sk)
{
	return ns_tcp_snd_cwnd(sk);
}

static const struct ns_tcp_congestion_ops crash = {
	.name = MODE == 5 ? "cubic" : "crash",
	.ssthresh = crash_ssthresh,
	.cong_avoid = crash_cong_avoid,
	.undo_cwnd = MODE == 4 ? NULL : crash_undo_cwnd,
};

int
ns_module_init(void)
{
	return tcp_register_congestion_control(&crash);
}

int
ns_main(void)
{
	const char *dst = ns_app_arg("dst");
	const char *b = ns_app_arg("bytes");
	long bytes = b ? strtol(b, NULL, 10) : 1000000;
	static char buf[65536];
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (setsockopt(s, IPPROTO_TCP, TCP_CONGESTION, "crash", 5) < 0)
		return 3;
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9000) };
	inet_pton(AF_INET, dst ? dst : "10.0.0.2", &to.sin_addr);
	if (connect(s, (struct sockaddr *)&to, sizeof to) < 0)
		return 1;
	for (long left = bytes; left > 0;) {
		ssize_t w =
			write(s, buf, (size_t)(left < (long)sizeof buf ? left : (long)sizeof buf));
		if (w <= 0)
			return 1;
		ns_app_sent((size_t)w);
		left -= w;
	}
	close(s);
	return 0;
}
