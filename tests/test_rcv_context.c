/*
 * tests/test_rcv_context.c - the protocol entry points reached from
 * netif_receive_skb state their context and assert it (checked build,
 * configure --enable-checks): ip_rcv, arp_rcv, udp_rcv, tcp_v4_rcv,
 * icmp_rcv and raw_local_deliver run with bottom halves off.  Each is called on purpose
 * from a process's task context and must abort naming itself; inside
 * local_bh_disable, as nf_reinject calls the stack after a verdict, the
 * same call is allowed (tests/test_ip_tables.c runs that path whole).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "sim/check.h"
#include "sim/cpu.h"
#include "stack/arp.h"
#include "stack/raw.h"
#include "stack/tcp.h"
#include "tests/inet_test.h"
#include "tests/stack_test.h"

enum entry { IP_RCV, UDP_RCV, TCP_V4_RCV, ICMP_RCV, RAW_LOCAL_DELIVER, ARP_RCV };

static const char *const entry_names[] = { "ip_rcv",   "udp_rcv",	    "tcp_v4_rcv",
					   "icmp_rcv", "raw_local_deliver", "arp_rcv" };

struct call {
	struct cpu_work w;
	struct host *h;
	struct net_device *dev;
	enum entry entry;
	bool bh_off; /* call it inside cpu_local_bh_disable */
	bool returned;
};

static void
call_entry(struct call *c)
{
	struct sk_buff *skb = skb_alloc(c->h, 64, LAYER_IP);
	skb->protocol = ETH_P_IP; /* no header at all: each handler drops it */
	switch (c->entry) {
	case IP_RCV: ip_rcv(skb, NULL, NULL); break;
	case UDP_RCV: udp_rcv(skb); break;
	case TCP_V4_RCV: tcp_v4_rcv(skb); break;
	case ICMP_RCV: icmp_rcv(skb); break;
	case RAW_LOCAL_DELIVER:
		raw_local_deliver(skb, IPPROTO_UDP);
		skb_drop(skb, SKB_DROP_IP_NOPROTO);
		break;
	case ARP_RCV:
		skb->protocol = ETH_P_ARP;
		skb->dev = c->dev;
		arp_rcv(skb, c->dev, NULL);
		break;
	}
}

/* A task item of process 7, as a system call would run it. */
static void
call_done(struct cpu_work *w)
{
	struct call *c = w->owner;
	struct cpu *cpu = c->h->cpu;
	assert_int_equal(cpu_current_ctx(cpu), CPU_TASK);
	if (c->bh_off)
		cpu_local_bh_disable(cpu);
	call_entry(c);
	if (c->bh_off)
		cpu_local_bh_enable(cpu);
	c->returned = true;
}

static void
run_call(struct tnet *n, struct call *c)
{
	cpu_work_init(&c->w, call_done, c, "caller");
	c->w.task = 7;
	cpu_submit(c->h->cpu, &c->w, CPU_TASK, SIM_US);
	tnet_run(n, SIM_MS);
}

static void
call_in_task_context(void *arg)
{
	enum entry e = *(enum entry *)arg;
	struct tnet *n = tnet_new(false);
	struct host *a = tnet_host(n, "a", false), *b = tnet_host(n, "b", false);
	tnet_link(n, a, "eth0", "10.0.0.1/24", b, "eth0", "10.0.0.2/24");
	struct call c = { .h = a, .dev = dev_get_by_name(a, "eth0"), .entry = e };
	run_call(n, &c);
}

static void
expect_task_context_aborts(enum entry e)
{
	if (!ns_checks_enabled())
		skip();
	const char *const needles[] = { entry_names[e], "must run with bottom halves off",
					"runs in task", NULL };
	expect_abort(call_in_task_context, &e, needles);
}

static void
test_ip_rcv_in_task_context_aborts(void **state)
{
	(void)state;
	expect_task_context_aborts(IP_RCV);
}

static void
test_udp_rcv_in_task_context_aborts(void **state)
{
	(void)state;
	expect_task_context_aborts(UDP_RCV);
}

static void
test_tcp_v4_rcv_in_task_context_aborts(void **state)
{
	(void)state;
	expect_task_context_aborts(TCP_V4_RCV);
}

static void
test_icmp_rcv_in_task_context_aborts(void **state)
{
	(void)state;
	expect_task_context_aborts(ICMP_RCV);
}

static void
test_raw_local_deliver_in_task_context_aborts(void **state)
{
	(void)state;
	expect_task_context_aborts(RAW_LOCAL_DELIVER);
}

static void
test_arp_rcv_in_task_context_aborts(void **state)
{
	(void)state;
	expect_task_context_aborts(ARP_RCV);
}

/* The same calls from the same task, with bottom halves off: no abort,
 * and each handler drops the headerless skb (the teardown checks that
 * nothing leaked). */
static void
test_entry_points_in_a_bh_disabled_task_section_run(void **state)
{
	(void)state;
	struct tnet *n = tnet_new(false);
	struct host *h = tnet_host(n, "a", false), *b = tnet_host(n, "b", false);
	tnet_link(n, h, "eth0", "10.0.0.1/24", b, "eth0", "10.0.0.2/24");
	for (enum entry e = IP_RCV; e <= ARP_RCV; e++) {
		struct call c = {
			.h = h, .dev = dev_get_by_name(h, "eth0"), .entry = e, .bh_off = true
		};
		run_call(n, &c);
		assert_true(c.returned);
	}
	tnet_free(n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ip_rcv_in_task_context_aborts),
		cmocka_unit_test(test_udp_rcv_in_task_context_aborts),
		cmocka_unit_test(test_tcp_v4_rcv_in_task_context_aborts),
		cmocka_unit_test(test_icmp_rcv_in_task_context_aborts),
		cmocka_unit_test(test_raw_local_deliver_in_task_context_aborts),
		cmocka_unit_test(test_arp_rcv_in_task_context_aborts),
		cmocka_unit_test(test_entry_points_in_a_bh_disabled_task_section_run),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
