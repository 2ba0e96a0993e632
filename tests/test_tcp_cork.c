/*
 * tests/test_tcp_cork.c - TCP_CORK as Linux 6.6 runs it (net/ipv4/tcp.c
 * __tcp_sock_set_cork, __tcp_sock_set_nodelay; tcp_output.c
 * tcp_nagle_test, tcp_nagle_check, tcp_write_wakeup): while corked a
 * short last segment waits, whatever is in flight, and full segments go;
 * the uncork sends it; TCP_NODELAY pushes it even while corked, until the
 * next write starts a new skb; nothing else sends it but the probe timer,
 * an RTO (at least 200 ms) later, or the FIN.
 *
 * a writes to b (the default world: 1 Gbit/s, 10 us each way); the times
 * and lengths of a's data segments are read off the tap.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/tcp_test.h"

TCP_FIXTURE

/* fx->rc[14]: which writer (below); fx->rc[0..3]: getsockopt(TCP_CORK)
 * after setting it, after clearing it, and setsockopt's results. */
enum { W_SMALL, W_BULK_TAIL, W_NEVER_UNCORK, W_NODELAY, W_CLOSE };

static void
sleep_until(sim_time_t t)
{
	if (t > ns_now())
		ns_sleep(t - ns_now());
}

static void
set_opt(int s, int opt, int v)
{
	assert_int_equal(ns_setsockopt(s, IPPROTO_TCP, opt, &v, sizeof v), 0);
}

static int
get_cork(int s)
{
	int v = -1;
	socklen_t n = sizeof v;
	assert_int_equal(ns_getsockopt(s, IPPROTO_TCP, TCP_CORK, &v, &n), 0);
	return v;
}

static int
corked_writer(struct proc *p, void *arg)
{
	(void)p;
	struct tcp_fx *fx = arg;
	int s = ns_socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in to = tt_sin(B_ADDR, 5001);
	assert_int_equal(ns_connect(s, (struct sockaddr *)&to, sizeof to), 0);
	ns_write(s, "\0", 1); /* acknowledged long before 50 ms */
	sleep_until(50 * SIM_MS);
	set_opt(s, TCP_CORK, 1);
	fx->rc[0] = get_cork(s);
	static char buf[2 * 1448 + 100];
	switch (fx->rc[14]) {
	case W_SMALL: /* ten writes of 10 bytes, uncorked at 60 ms */
		for (int i = 0; i < 10; i++)
			ns_write(s, buf, 10);
		break;
	case W_BULK_TAIL: /* two full segments and a 100-byte tail */
		ns_write(s, buf, sizeof buf);
		break;
	case W_NEVER_UNCORK:
	case W_CLOSE:
	case W_NODELAY: ns_write(s, buf, 100); break;
	}
	sleep_until(60 * SIM_MS);
	if (fx->rc[14] == W_CLOSE) {
		ns_close(s); /* the FIN takes the corked tail along */
		return 0;
	}
	if (fx->rc[14] == W_NODELAY) {
		set_opt(s, TCP_NODELAY, 1); /* pushes the tail while still corked */
		sleep_until(70 * SIM_MS);
		ns_write(s, buf, 50); /* a new skb: corked again */
		sleep_until(80 * SIM_MS);
	}
	if (fx->rc[14] == W_NEVER_UNCORK)
		sleep_until(1500 * SIM_MS);
	set_opt(s, TCP_CORK, 0);
	fx->rc[1] = get_cork(s);
	sleep_until(1600 * SIM_MS);
	ns_close(s);
	return 0;
}

/* Run writer @w against a sink; the data segments a sent after 50 ms, in
 * order, into @len and @t (at most 8); their number. */
static int
run_corked(struct tcp_fx *fx, int w, uint32_t len[8], sim_time_t t[8])
{
	fx->rc[14] = w;
	socket_spawn(fx->b, "sink", 0, tt_bulk_sink, fx);
	socket_spawn(fx->a, "writer", SIM_MS, corked_writer, fx);
	sim_run_until(fx->sim, 2 * SIM_S);
	int n = 0;
	for (guint i = 0; i < fx->ab.segs->len; i++) {
		const struct tt_seg *sg = tt_seg(&fx->ab, i);
		if (sg->len && sg->t > 50 * SIM_MS && n < 8) {
			len[n] = sg->len;
			t[n++] = sg->t;
		}
	}
	return n;
}

static void
test_tcp_cork_holds_small_writes_until_the_uncork(void **state)
{
	struct tcp_fx *fx = *state;
	uint32_t len[8];
	sim_time_t t[8];
	/* Nagle alone would send the first 10 bytes at once (nothing is in
	 * flight, tcp_minshall_check); corked, all 100 leave together at the
	 * uncork. */
	assert_int_equal(run_corked(fx, W_SMALL, len, t), 1);
	assert_int_equal(len[0], 100);
	assert_true(t[0] >= 60 * SIM_MS && t[0] < 61 * SIM_MS);
	assert_int_equal(fx->rc[0], 1); /* getsockopt(TCP_CORK) while set */
	assert_int_equal(fx->rc[1], 0);
	assert_int_equal(fx->bytes[0], 1 + 100);
}

static void
test_tcp_cork_sends_full_segments_and_holds_the_tail(void **state)
{
	struct tcp_fx *fx = *state;
	uint32_t len[8];
	sim_time_t t[8];
	assert_int_equal(run_corked(fx, W_BULK_TAIL, len, t), 3);
	assert_int_equal(len[0], 1448); /* MSS: 1460 less the timestamps */
	assert_int_equal(len[1], 1448);
	assert_true(t[1] < 51 * SIM_MS); /* full segments are not held */
	assert_int_equal(len[2], 100);
	assert_true(t[2] >= 60 * SIM_MS && t[2] < 61 * SIM_MS);
	assert_int_equal(fx->bytes[0], 1 + 2 * 1448 + 100);
}

static void
test_tcp_cork_tail_leaves_on_the_probe_timer(void **state)
{
	struct tcp_fx *fx = *state;
	uint32_t len[8];
	sim_time_t t[8];
	/* Never uncorked before 1.5 s: the probe timer (tcp_write_wakeup)
	 * sends it an RTO after the write, at least 200 ms (tcp_rto_min). */
	assert_int_equal(run_corked(fx, W_NEVER_UNCORK, len, t), 1);
	assert_int_equal(len[0], 100);
	assert_true(t[0] >= 250 * SIM_MS);
	assert_true(t[0] < 1500 * SIM_MS);
	assert_int_equal(fx->bytes[0], 1 + 100);
}

static void
test_tcp_nodelay_pushes_a_corked_tail_until_the_next_skb(void **state)
{
	struct tcp_fx *fx = *state;
	uint32_t len[8];
	sim_time_t t[8];
	assert_int_equal(run_corked(fx, W_NODELAY, len, t), 2);
	/* TCP_NODELAY at 60 ms: TCP_NAGLE_PUSH sends the corked 100 bytes */
	assert_int_equal(len[0], 100);
	assert_true(t[0] >= 60 * SIM_MS && t[0] < 61 * SIM_MS);
	/* the write at 70 ms starts a new skb (skb_entail clears the push):
	 * corked again until the uncork at 80 ms, which sends it (NODELAY) */
	assert_int_equal(len[1], 50);
	assert_true(t[1] >= 80 * SIM_MS && t[1] < 81 * SIM_MS);
}

static void
test_tcp_cork_close_sends_the_tail_with_the_fin(void **state)
{
	struct tcp_fx *fx = *state;
	uint32_t len[8];
	sim_time_t t[8];
	assert_int_equal(run_corked(fx, W_CLOSE, len, t), 1);
	assert_int_equal(len[0], 100);
	assert_true(t[0] >= 60 * SIM_MS && t[0] < 61 * SIM_MS);
	bool fin = false;
	for (guint i = 0; i < fx->ab.segs->len; i++)
		if (tt_seg(&fx->ab, i)->len == 100)
			fin = tt_seg(&fx->ab, i)->flags & TCPHDR_FIN;
	assert_true(fin);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tcp_cork_holds_small_writes_until_the_uncork,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_tcp_cork_sends_full_segments_and_holds_the_tail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_cork_tail_leaves_on_the_probe_timer, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_tcp_nodelay_pushes_a_corked_tail_until_the_next_skb, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_cork_close_sends_the_tail_with_the_fin,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
