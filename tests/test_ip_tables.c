/*
 * tests/test_ip_tables.c - the packet filter on the five netfilter hooks
 * (stack/ip_tables.c, the nf_hook calls in stack/ipv4.c): which hook sees
 * which packet, the targets, counters, the drop reason and place, EPERM
 * for a locally sent packet, and the errors of a bad rule.
 * Topology: a (10.1.0.2) -- r (router) -- b (10.2.0.2).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include "stack/ip_tables.h"
#include "stack/netfilter.h"
#include "stack/socket.h"
#include "stack/tcp.h"
#include "tests/routed_test.h"

struct fx {
	struct routed t;
	int rc[4], err[4];
	sim_time_t start_at, done_at;
	struct host *screen_host; /* where screener runs */
	uint16_t queue;
	unsigned verdicts[2]; /* for the first two packets; then NF_ACCEPT */
	int screened;
	int got;
	uint16_t port;
};

ROUTED_FIXTURE(struct fx, true)

static void
rules(struct host *h, const char *text)
{
	GError *e = NULL;
	bool ok = ipt_add_text(h, text, &e);
	if (!ok)
		fail_msg("%s", e->message);
}

struct hits {
	char chain[16];
	int num;
	uint64_t pkts;
};

static void
find_rule(const struct ipt_rule_info *r, void *data)
{
	struct hits *h = data;
	if (strcmp(r->chain, h->chain) == 0 && r->num == h->num)
		h->pkts = r->pkts;
}

static uint64_t
hits(struct host *host, const char *chain, int num)
{
	struct hits h = { .num = num, .pkts = (uint64_t)-1 };
	g_strlcpy(h.chain, chain, sizeof h.chain);
	ipt_foreach_rule(host, find_rule, &h);
	return h.pkts;
}

/* b: count datagrams on port fx->port for the whole run. */
static int
receiver(struct proc *p, void *arg)
{
	(void)p;
	struct fx *fx = arg;
	int s = ns_socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in me = { .sin_family = AF_INET, .sin_port = htons(fx->port) };
	ns_bind(s, (struct sockaddr *)&me, sizeof me);
	char buf[64];
	while (ns_recv(s, buf, sizeof buf, 0) > 0)
		fx->got++;
	return 0;
}

/* a: two datagrams to b:fx->port on a connected socket; rc/err of each. */
static int
sender(struct proc *p, void *arg)
{
	(void)p;
	struct fx *fx = arg;
	int s = ns_socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(fx->port) };
	inet_pton(AF_INET, "10.2.0.2", &to.sin_addr);
	ns_connect(s, (struct sockaddr *)&to, sizeof to);
	for (int i = 0; i < 2; i++) {
		fx->rc[i] = (int)ns_send(s, "x", 1, 0);
		fx->err[i] = errno;
		ns_sleep(10 * SIM_MS);
	}
	ns_close(s);
	return 0;
}

/* a: one TCP connect to b:fx->port; rc/err in rc[0]/err[0], when it returned. */
static int
connector(struct proc *p, void *arg)
{
	(void)p;
	struct fx *fx = arg;
	int s = ns_socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(fx->port) };
	inet_pton(AF_INET, "10.2.0.2", &to.sin_addr);
	fx->start_at = ns_now();
	fx->rc[0] = ns_connect(s, (struct sockaddr *)&to, sizeof to);
	fx->err[0] = errno;
	fx->done_at = ns_now();
	ns_close(s);
	return 0;
}

static void
run_connect(struct fx *fx)
{
	socket_spawn(fx->t.a, "connect", SIM_MS, connector, fx);
	tnet_run(fx->t.n, 100 * SIM_MS);
}

/* A process that binds fx->queue on fx->screen_host and gives verdicts. */
static int
screener(struct proc *p, void *arg)
{
	(void)p;
	struct fx *fx = arg;
	assert_true(nfq_bind_queue(fx->screen_host, fx->queue));
	assert_false(nfq_bind_queue(fx->screen_host, fx->queue));
	for (;;) {
		char buf[128];
		size_t len;
		uint64_t id = nfq_recv_queue(fx->queue, buf, sizeof buf, &len);
		assert_true(len >= 20 && (buf[0] >> 4) == 4); /* from the IP header */
		unsigned v = fx->screened < 2 ? fx->verdicts[fx->screened] : NF_ACCEPT;
		fx->screened++;
		assert_int_equal(nfq_set_verdict_queue(fx->queue, id, v), 0);
		assert_int_equal(nfq_set_verdict_queue(fx->queue, id, v), -1); /* once */
	}
	return 0;
}

static void
screen(struct fx *fx, struct host *h, uint16_t queue, unsigned v0, unsigned v1)
{
	fx->screen_host = h;
	fx->queue = queue;
	fx->verdicts[0] = v0;
	fx->verdicts[1] = v1;
	socket_spawn(h, "screen", 0, screener, fx);
}

static void
run(struct fx *fx)
{
	socket_spawn(fx->t.b, "rx", 0, receiver, fx);
	socket_spawn(fx->t.a, "tx", SIM_MS, sender, fx);
	tnet_run(fx->t.n, 100 * SIM_MS);
}

static void
test_input_drop_frees_the_packet_at_local_in_before_udp(void **state)
{
	struct fx *fx = *state;
	fx->port = 9;
	rules(fx->t.b, "-A INPUT -p udp --dport 9 -j DROP");
	run(fx);
	assert_int_equal(fx->got, 0);
	assert_int_equal(hits(fx->t.b, "INPUT", 1), 2);
	assert_int_equal(host_drops_at(fx->t.b, SKB_DROP_NETFILTER, "NF_INET_LOCAL_IN"), 2);
	assert_int_equal(udp_mib(fx->t.b)->in_datagrams, 0);
}

static void
test_rule_for_another_port_lets_the_packet_through(void **state)
{
	struct fx *fx = *state;
	fx->port = 7000;
	rules(fx->t.b, "-A INPUT -p udp --dport 9 -j DROP; -A INPUT -p tcp --dport 7000 -j DROP");
	rules(fx->t.a, "-A OUTPUT -p udp -j LOG; -A POSTROUTING -o eth0 -p udp -j ACCEPT");
	run(fx);
	assert_int_equal(fx->got, 2);
	assert_int_equal(hits(fx->t.a, "OUTPUT", 1), 2);
	assert_int_equal(hits(fx->t.a, "POSTROUTING", 1), 2);
	assert_int_equal(hits(fx->t.b, "INPUT", 1), 0);
	assert_int_equal(hits(fx->t.b, "INPUT", 2), 0);
}

static void
test_reject_sends_port_unreachable_and_sender_sees_econnrefused(void **state)
{
	struct fx *fx = *state;
	fx->port = 9;
	rules(fx->t.b, "-A INPUT -s 10.1.0.0/16 -j REJECT");
	run(fx);
	assert_int_equal(fx->got, 0);
	assert_int_equal(fx->rc[0], 1);
	/* the ICMP error of the first datagram is reported on the next call */
	assert_int_equal(fx->rc[1], -1);
	assert_int_equal(fx->err[1], ECONNREFUSED);
}

static void
test_output_drop_fails_the_send_with_eperm(void **state)
{
	struct fx *fx = *state;
	fx->port = 7000;
	rules(fx->t.a, "-A OUTPUT -d 10.2.0.0/24 -j DROP");
	run(fx);
	assert_int_equal(fx->rc[0], -1);
	assert_int_equal(fx->err[0], EPERM);
	assert_int_equal(fx->got, 0);
	assert_int_equal(host_drops_at(fx->t.a, SKB_DROP_NETFILTER, "NF_INET_LOCAL_OUT"), 2);
}

static void
test_output_reject_fails_the_send_with_eperm_and_the_icmp_error_comes_back(void **state)
{
	struct fx *fx = *state;
	fx->port = 7000;
	rules(fx->t.a, "-A OUTPUT -p udp --dport 7000 -j REJECT");
	run(fx);
	/* nf_hook_slow: NF_DROP in LOCAL_OUT is -EPERM for the sending call */
	assert_int_equal(fx->rc[0], -1);
	assert_int_equal(fx->err[0], EPERM);
	/* the port unreachable went round loopback to a's own connected socket:
	 * udp_err set sk_err, which the next call reports (and sends nothing) */
	assert_int_equal(fx->rc[1], -1);
	assert_int_equal(fx->err[1], ECONNREFUSED);
	assert_int_equal(hits(fx->t.a, "OUTPUT", 1), 1);
	assert_int_equal(icmp_mib(fx->t.a)->out_type[ICMP_DEST_UNREACH], 1);
	assert_int_equal(icmp_mib(fx->t.a)->in_type[ICMP_DEST_UNREACH], 1);
	assert_int_equal(host_drops_at(fx->t.a, SKB_DROP_NETFILTER, "NF_INET_LOCAL_OUT"), 1);
	assert_int_equal(fx->got, 0);
}

static void
test_output_reject_with_tcp_reset_refuses_the_connect_at_once(void **state)
{
	struct fx *fx = *state;
	fx->port = 80;
	rules(fx->t.a, "-A OUTPUT -p tcp --dport 80 -j REJECT --reject-with tcp-reset");
	run_connect(fx);
	assert_int_equal(fx->rc[0], -1);
	assert_int_equal(fx->err[0], ECONNREFUSED);
	/* the RST came back through loopback before any SYN retransmission */
	assert_true(fx->done_at - fx->start_at < SIM_MS);
	assert_int_equal(hits(fx->t.a, "OUTPUT", 1), 1);
	assert_int_equal(tcp_mib(fx->t.a)->retrans_segs, 0);
	assert_int_equal(tcp_mib(fx->t.b)->in_segs, 0);
}

static void
test_forward_reject_with_tcp_reset_answers_for_the_destination(void **state)
{
	struct fx *fx = *state;
	fx->port = 80;
	rules(fx->t.r, "-A FORWARD -p tcp --dport 80 -j REJECT --reject-with tcp-reset");
	run_connect(fx);
	assert_int_equal(fx->rc[0], -1);
	assert_int_equal(fx->err[0], ECONNREFUSED);
	assert_int_equal(hits(fx->t.r, "FORWARD", 1), 1);
	assert_int_equal(tcp_mib(fx->t.b)->in_segs, 0);
	assert_int_equal(host_drops_at(fx->t.r, SKB_DROP_NETFILTER, "NF_INET_FORWARD"), 1);
}

static void
test_reset_is_never_sent_for_a_reset(void **state)
{
	struct fx *fx = *state;
	fx->port = 80;
	/* b has no listener on 80: it answers the SYN with an RST, which b's
	 * OUTPUT chain rejects again; nf_send_reset does not answer an RST */
	rules(fx->t.b, "-A OUTPUT -p tcp -j REJECT --reject-with tcp-reset");
	run_connect(fx);
	assert_int_equal(hits(fx->t.b, "OUTPUT", 1), 1);
	assert_int_equal(host_drops_at(fx->t.b, SKB_DROP_NETFILTER, "NF_INET_LOCAL_OUT"), 1);
	assert_int_equal(tcp_mib(fx->t.b)->in_segs, 1);
}

/* b: listen on fx->port and accept one connection. */
static int
listener(struct proc *p, void *arg)
{
	(void)p;
	struct fx *fx = arg;
	int l = ns_socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in me = sin_of("0.0.0.0", fx->port);
	ns_bind(l, (struct sockaddr *)&me, sizeof me);
	ns_listen(l, 4);
	fx->rc[1] = ns_accept(l, NULL, NULL);
	return 0;
}

/*
 * Linux tcp_connect ignores the error of the SYN's transmission, and the
 * SYN-ACK's error is ignored too: each counts as sent and its timer runs.
 * b's OUTPUT drops every TCP segment, so b's SYN-ACK is refused at once;
 * from 500 ms b's INPUT drops TCP too, so a's SYN sent again at 1 s never
 * reaches b.  b still sends its SYN-ACK again, at its own RTO (1 s).
 */
static void
test_a_refused_syn_ack_is_resent_at_the_rto_and_given_up(void **state)
{
	struct fx *fx = *state;
	fx->port = 80;
	rules(fx->t.b, "-A OUTPUT -p tcp -j DROP");
	socket_spawn(fx->t.b, "listen", 0, listener, fx);
	socket_spawn(fx->t.a, "connect", SIM_MS, connector, fx);
	tnet_run(fx->t.n, 500 * SIM_MS);
	assert_int_equal(hits(fx->t.b, "OUTPUT", 1), 1);
	rules(fx->t.b, "-A INPUT -p tcp -j DROP");
	tnet_run(fx->t.n, 1500 * SIM_MS);
	assert_int_equal(hits(fx->t.b, "INPUT", 1), 1);	 /* a's SYN at 1 s */
	assert_int_equal(hits(fx->t.b, "OUTPUT", 1), 2); /* b's SYN-ACK at 1 s */
	assert_int_equal(tcp_mib(fx->t.a)->in_segs, 0);
	/* and gives up as a SYN does, after TCP_SYN_RETRIES resends with
	 * the RTO doubling (1, 3, 7, 15, 31, 63 s; done at 127 s) */
	tnet_run(fx->t.n, 200 * SIM_S);
	assert_int_equal(hits(fx->t.b, "OUTPUT", 1), 1 + TCP_SYN_RETRIES);
	assert_int_equal(fx->rc[0], -1);
	assert_int_equal(fx->err[0], ETIMEDOUT);
}

/* tcp_v4_err: an ICMP error about a SYN ends the connect with its errno. */
static void
test_icmp_reject_of_a_syn_fails_the_connect_with_the_icmp_error(void **state)
{
	struct fx *fx = *state;
	fx->port = 80;
	rules(fx->t.r, "-A FORWARD -p tcp --dport 80 -j REJECT");
	run_connect(fx);
	assert_int_equal(fx->rc[0], -1);
	assert_int_equal(fx->err[0], ECONNREFUSED); /* icmp-port-unreachable */
	assert_true(fx->done_at - fx->start_at < SIM_MS);
	assert_int_equal(tcp_mib(fx->t.a)->retrans_segs, 0);
	assert_int_equal(icmp_mib(fx->t.a)->in_type[ICMP_DEST_UNREACH], 1);
}

static void
test_host_unreachable_for_a_syn_is_ehostunreach(void **state)
{
	struct fx *fx = *state;
	fx->port = 80;
	rules(fx->t.r,
	      "-A FORWARD -p tcp --dport 80 -j REJECT --reject-with icmp-host-unreachable");
	run_connect(fx);
	assert_int_equal(fx->rc[0], -1);
	assert_int_equal(fx->err[0], EHOSTUNREACH);
	assert_int_equal(tcp_mib(fx->t.a)->out_of_window_icmps, 0);
}

static void
test_nfqueue_in_input_gives_the_process_each_packet_and_obeys_its_verdict(void **state)
{
	struct fx *fx = *state;
	fx->port = 7000;
	rules(fx->t.b, "-A INPUT -p udp --dport 7000 -j NFQUEUE --queue-num 3");
	screen(fx, fx->t.b, 3, NF_ACCEPT, NF_DROP);
	run(fx);
	assert_int_equal(fx->screened, 2);
	assert_int_equal(fx->got, 1); /* the accepted one went on to UDP */
	struct nfq_stats ns;
	nfq_queue_stats(fx->t.b, 3, &ns);
	assert_int_equal(ns.queued, 2);
	assert_int_equal(ns.accepted, 1);
	assert_int_equal(ns.rejected, 1);
	assert_int_equal(ns.queue_len, 0);
	assert_int_equal(host_drops(fx->t.b, SKB_DROP_SCREEN), 1);
	assert_int_equal(hits(fx->t.b, "INPUT", 1), 2);
	nfq_stats(fx->t.b, &ns); /* queue 0 was never used */
	assert_int_equal(ns.queued, 0);
}

static void
test_nfqueue_without_a_process_drops_at_the_hook(void **state)
{
	struct fx *fx = *state;
	fx->port = 7000;
	rules(fx->t.b, "-A INPUT -p udp -j NFQUEUE --queue-num 5");
	run(fx);
	assert_int_equal(fx->got, 0);
	assert_int_equal(host_drops_at(fx->t.b, SKB_DROP_NETFILTER, "NF_INET_LOCAL_IN"), 2);
}

static void
test_nfqueue_bypass_without_a_process_lets_packets_through(void **state)
{
	struct fx *fx = *state;
	fx->port = 7000;
	rules(fx->t.b, "-A INPUT -p udp -j NFQUEUE --queue-num 5 --queue-bypass; -A INPUT -j LOG");
	run(fx);
	assert_int_equal(fx->got, 2);
	/* bypass accepts for the queueing rule's hook function as a whole: the
	 * rest of the chain is not looked at (Linux nf_queue returns 1: the
	 * next hook function) */
	assert_int_equal(hits(fx->t.b, "INPUT", 2), 0);
}

static void
test_nfqueue_in_output_send_succeeds_and_accepted_packets_go_on(void **state)
{
	struct fx *fx = *state;
	fx->port = 7000;
	rules(fx->t.a, "-A OUTPUT -p udp -j NFQUEUE --queue-num 1; -A POSTROUTING -p udp -j LOG");
	screen(fx, fx->t.a, 1, NF_ACCEPT, NF_ACCEPT);
	run(fx);
	/* a queued packet is not an error for the sender (nf_queue returns 0) */
	assert_int_equal(fx->rc[0], 1);
	assert_int_equal(fx->rc[1], 1);
	assert_int_equal(fx->screened, 2);
	/* nf_reinject went on at the next hook: POSTROUTING, then the wire */
	assert_int_equal(hits(fx->t.a, "POSTROUTING", 1), 2);
	assert_int_equal(fx->got, 2);
}

static void
test_nfqueue_in_forward_on_a_router(void **state)
{
	struct fx *fx = *state;
	fx->port = 7000;
	rules(fx->t.r, "-A FORWARD -p udp -j NFQUEUE --queue-num 2");
	screen(fx, fx->t.r, 2, NF_DROP, NF_ACCEPT);
	run(fx);
	assert_int_equal(fx->screened, 2);
	assert_int_equal(fx->got, 1);
	assert_int_equal(host_drops(fx->t.r, SKB_DROP_SCREEN), 1);
}

static void
test_router_hooks_see_forwarded_packets_and_policy_drops(void **state)
{
	struct fx *fx = *state;
	fx->port = 7000;
	rules(fx->t.r,
	      "-A PREROUTING -i eth0 -p udp -j LOG; -A INPUT -j LOG;"
	      " -A POSTROUTING -o eth1 -j LOG; -A FORWARD -p udp --dport 7000 -j LOG;"
	      " -P FORWARD DROP");
	run(fx);
	assert_int_equal(fx->got, 0);
	assert_int_equal(hits(fx->t.r, "PREROUTING", 1), 2);
	assert_int_equal(hits(fx->t.r, "FORWARD", 1), 2);
	assert_int_equal(hits(fx->t.r, "FORWARD", 0), 2); /* the policy */
	assert_int_equal(hits(fx->t.r, "INPUT", 1), 0);	  /* not for the router itself */
	assert_int_equal(hits(fx->t.r, "POSTROUTING", 1), 0);
	assert_int_equal(host_drops_at(fx->t.r, SKB_DROP_NETFILTER, "NF_INET_FORWARD"), 2);
}

static void
test_bad_rules_are_rejected_with_a_reason(void **state)
{
	struct fx *fx = *state;
	static const char *const bad[] = {
		"-A NOCHAIN -j DROP",
		"-A INPUT --dport 9 -j DROP",
		"-A INPUT -o eth0 -j DROP",
		"-A OUTPUT -i eth0 -j DROP",
		"-A INPUT -p udp -j MASQUERADE",
		"-A INPUT -p udp",
		"-A POSTROUTING -j REJECT",
		"-A INPUT -p udp -j REJECT --reject-with tcp-reset",
		"-A INPUT -j REJECT --reject-with icmp-echo-reply",
		"-A INPUT -j NFQUEUE --queue-num 65536",
		"-A INPUT -j DROP --queue-num 1",
		"-A INPUT -j ACCEPT --queue-bypass",
		"-A INPUT ! -s 10.0.0.1 -j DROP",
		"-A INPUT -s 10.0.0.300 -j DROP",
		"-A INPUT -p udp --dport 9:1 -j DROP",
		"-P INPUT REJECT",
		"-I INPUT -j DROP",
		"-A INPUT -j DROP --reject-with icmp-host-unreachable",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		GError *e = NULL;
		g_autofree char *text = g_strdup_printf("-A INPUT -j LOG; %s", bad[i]);
		assert_false(ipt_add_text(fx->t.b, text, &e));
		assert_true(g_error_matches(e, INET_ERROR, INET_ERROR_INVALID));
		assert_non_null(strstr(e->message, bad[i])); /* it quotes the rule refused */
		g_clear_error(&e);
	}
	assert_int_equal(hits(fx->t.b, "INPUT", 1), (uint64_t)-1); /* nothing was added */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_input_drop_frees_the_packet_at_local_in_before_udp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rule_for_another_port_lets_the_packet_through,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_reject_sends_port_unreachable_and_sender_sees_econnrefused, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_output_drop_fails_the_send_with_eperm, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_output_reject_fails_the_send_with_eperm_and_the_icmp_error_comes_back,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_output_reject_with_tcp_reset_refuses_the_connect_at_once, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_forward_reject_with_tcp_reset_answers_for_the_destination, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_reset_is_never_sent_for_a_reset, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_a_refused_syn_ack_is_resent_at_the_rto_and_given_up, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_icmp_reject_of_a_syn_fails_the_connect_with_the_icmp_error, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_host_unreachable_for_a_syn_is_ehostunreach,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_nfqueue_in_input_gives_the_process_each_packet_and_obeys_its_verdict,
			setup, teardown),
		cmocka_unit_test_setup_teardown(test_nfqueue_without_a_process_drops_at_the_hook,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_nfqueue_bypass_without_a_process_lets_packets_through, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_nfqueue_in_output_send_succeeds_and_accepted_packets_go_on, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_nfqueue_in_forward_on_a_router, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_router_hooks_see_forwarded_packets_and_policy_drops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_rules_are_rejected_with_a_reason, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
