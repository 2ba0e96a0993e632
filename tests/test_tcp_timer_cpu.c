/*
 * tests/test_tcp_timer_cpu.c - TCP's timers run on the CPU that armed them
 * (sim/cpu.h cpu_timer_run; Linux: sk_reset_timer -> mod_timer queues on
 * this CPU's timer base, kernel/time/timer.c, 6.6).
 *
 * The tcp_test.h world with a host of two CPUs: the receiver's NIC
 * interrupt (so its softirq, which arms the delayed-ACK timer) on CPU 1, or
 * the sender's process (which arms the RTO with its write) on CPU 1.  A
 * busy hook on every CPU of the host records which CPU paid each softirq
 * charge named tcp_send: a timer's charges are softirq work outside any
 * item, which netsim billed to CPU 0 before timers kept their CPU.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "sim/proc.h"
#include "tests/tcp_test.h"

#define MAX_SENDS 256

/* The softirq stretches named tcp_send on one host, with their CPU. */
struct sends {
	struct host *h;
	unsigned n;
	uint32_t cpu[MAX_SENDS];
	sim_time_t start[MAX_SENDS];
};
static struct sends sends;

static void send_hook(void *arg, enum cpu_ctx ctx, const char *name, sim_time_t s, sim_time_t e);

/* The tcp_test.h world with the recording hook on host a or b. */
static int
setup_hook_a(void **state)
{
	*state =
		tcp_fx_new(&(struct tcp_fx_opts){ .a_busy_hook = send_hook, .a_busy_arg = &sends });
	sends = (struct sends){ .h = ((struct tcp_fx *)*state)->a };
	return 0;
}

static int
setup_hook_b(void **state)
{
	*state =
		tcp_fx_new(&(struct tcp_fx_opts){ .b_busy_hook = send_hook, .b_busy_arg = &sends });
	sends = (struct sends){ .h = ((struct tcp_fx *)*state)->b };
	return 0;
}

static int
teardown(void **state)
{
	return tcp_fx_teardown(state);
}

static void
send_hook(void *arg, enum cpu_ctx ctx, const char *name, sim_time_t s, sim_time_t e)
{
	struct sends *r = arg;
	(void)e;
	if (ctx != CPU_SOFTIRQ || strcmp(name, cpu_cost_info[COST_TCP_SEND].name) != 0 ||
	    r->n == MAX_SENDS)
		return;
	r->cpu[r->n] = cpu_stretch_cpu(r->h->cpus[0]);
	r->start[r->n++] = s;
}

/* @h gets two CPUs (CPU 1 takes CPU 0's busy hook). */
static void
two_cpus(struct host *h)
{
	struct netdev_host_config c = *dev_host_config(h);
	c.cpus = 2;
	dev_set_host_config(h, &c);
}

/* Softirq tcp_send stretches on CPU @cpu that start in [@from, @to). */
static unsigned
sends_on(uint32_t cpu, sim_time_t from, sim_time_t to)
{
	unsigned n = 0;
	for (unsigned i = 0; i < sends.n; i++)
		n += sends.cpu[i] == cpu && sends.start[i] >= from && sends.start[i] < to;
	return n;
}

static void
sleep_until(sim_time_t t)
{
	if (t > ns_now())
		ns_sleep(t - ns_now());
}

static void
write_n(int fd, size_t n)
{
	static char buf[65536];
	g_assert_cmpint(ns_write(fd, buf, n), ==, (ssize_t)n);
}

/* a: 40 full segments at 1 ms (quick-ACK mode used up), 100 bytes at 50 ms. */
static int
writer(struct proc *p, void *arg)
{
	(void)p;
	(void)arg;
	int s = ns_socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in to = tt_sin(B_ADDR, 5001);
	g_assert_cmpint(ns_connect(s, (struct sockaddr *)&to, sizeof to), ==, 0);
	sleep_until(SIM_MS);
	write_n(s, 40 * 1460);
	sleep_until(50 * SIM_MS);
	write_n(s, 100);
	sleep_until(2 * SIM_S);
	ns_close(s);
	return 0;
}

/* b: reads the 40 segments as they come, the last 100 bytes at 300 ms. */
static int
reader(struct proc *p, void *arg)
{
	(void)p;
	(void)arg;
	static char buf[65536];
	int l = ns_socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in me = tt_sin("0.0.0.0", 5001);
	g_assert_cmpint(ns_bind(l, (struct sockaddr *)&me, sizeof me), ==, 0);
	g_assert_cmpint(ns_listen(l, 4), ==, 0);
	int c = ns_accept(l, NULL, NULL);
	size_t got = 0;
	while (got < 40 * 1460) {
		ssize_t r = ns_read(c, buf, sizeof buf);
		g_assert_cmpint(r, >, 0);
		got += (size_t)r;
	}
	sleep_until(300 * SIM_MS);
	while (ns_read(c, buf, sizeof buf) > 0)
		;
	ns_close(c);
	ns_close(l);
	return 0;
}

/* The first pure ACK from b at or after @from. */
static sim_time_t
pure_ack_after(struct tcp_fx *fx, sim_time_t from)
{
	for (guint i = 0; i < fx->ba.segs->len; i++) {
		struct tt_seg *s = tt_seg(&fx->ba, i);
		if (s->t >= from && !s->len && s->flags == TCPHDR_ACK)
			return s->t;
	}
	return 0;
}

static void
test_delack_timer_runs_on_the_cpu_whose_softirq_armed_it(void **state)
{
	struct tcp_fx *fx = *state;
	two_cpus(fx->b);
	assert_true(nic_set_irq_affinity(fx->nb, 0, 0x2)); /* b's NET_RX on CPU 1 */
	socket_spawn(fx->b, "reader", 0, reader, fx);
	socket_spawn(fx->a, "writer", SIM_MS, writer, fx);
	sim_run_until(fx->sim, 200 * SIM_MS);
	/* the 100 bytes at 50 ms wait for the delayed-ACK timer (ato 40 ms
	 * or more after quick-ACK mode): b's only work then is that timer */
	sim_time_t t_ack = pure_ack_after(fx, 51 * SIM_MS);
	assert_true(t_ack > 60 * SIM_MS && t_ack < 200 * SIM_MS);
	sim_time_t from = t_ack - SIM_MS, to = t_ack + SIM_MS;
	assert_int_equal(sends_on(0, from, to), 0);
	assert_true(sends_on(1, from, to) >= 1);
	assert_true(cpu_timers_fired(fx->b->cpus[1]) > 0);
	sim_run_until(fx->sim, 10 * SIM_S);
}

/* a: connects, then writes 10 segments into a link that has gone down. */
static int
lost_writer(struct proc *p, void *arg)
{
	(void)p;
	struct tcp_fx *fx = arg;
	int s = ns_socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in to = tt_sin(B_ADDR, 5001);
	g_assert_cmpint(ns_connect(s, (struct sockaddr *)&to, sizeof to), ==, 0);
	sleep_until(10 * SIM_MS);
	fx->ab.blackhole = true;
	write_n(s, 10 * 1460);
	sleep_until(3 * SIM_S);
	fx->ab.blackhole = false;
	sleep_until(8 * SIM_S);
	ns_close(s);
	return 0;
}

static int
sink(struct proc *p, void *arg)
{
	(void)p;
	(void)arg;
	static char buf[65536];
	int l = ns_socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in me = tt_sin("0.0.0.0", 5001);
	g_assert_cmpint(ns_bind(l, (struct sockaddr *)&me, sizeof me), ==, 0);
	g_assert_cmpint(ns_listen(l, 4), ==, 0);
	int c = ns_accept(l, NULL, NULL);
	while (ns_read(c, buf, sizeof buf) > 0)
		;
	ns_close(c);
	ns_close(l);
	return 0;
}

static void
test_rto_runs_on_the_cpu_of_the_task_that_armed_it(void **state)
{
	struct tcp_fx *fx = *state;
	two_cpus(fx->a);
	socket_spawn(fx->b, "sink", 0, sink, fx);
	struct proc *w = socket_spawn(fx->a, "writer", SIM_MS, lost_writer, fx);
	proc_set_cpu(w, fx->a->cpus[1]); /* taskset -c 1 */
	sim_run_until(fx->sim, 3 * SIM_S);
	/* after the link went down a receives nothing: its softirq tcp_send
	 * work is the retransmission timer's, armed by the write on CPU 1 */
	assert_true(sends_on(1, 11 * SIM_MS, 3 * SIM_S) >= 2);
	assert_int_equal(sends_on(0, 11 * SIM_MS, 3 * SIM_S), 0);
	sim_run_until(fx->sim, 20 * SIM_S);
}

/* One CPU: the timer's base is CPU 0 and nothing moves. */
static void
test_one_cpu_host_runs_timers_on_cpu0(void **state)
{
	struct tcp_fx *fx = *state;
	socket_spawn(fx->b, "reader", 0, reader, fx);
	socket_spawn(fx->a, "writer", SIM_MS, writer, fx);
	sim_run_until(fx->sim, 200 * SIM_MS);
	sim_time_t t_ack = pure_ack_after(fx, 51 * SIM_MS);
	assert_true(sends_on(0, t_ack - SIM_MS, t_ack + SIM_MS) >= 1);
	assert_int_equal(cpu_this_id(fx->b->cpu), 0);
	sim_run_until(fx->sim, 10 * SIM_S);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_delack_timer_runs_on_the_cpu_whose_softirq_armed_it, setup_hook_b,
			teardown),
		cmocka_unit_test_setup_teardown(test_rto_runs_on_the_cpu_of_the_task_that_armed_it,
						setup_hook_a, teardown),
		cmocka_unit_test_setup_teardown(test_one_cpu_host_runs_timers_on_cpu0, setup_hook_b,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
