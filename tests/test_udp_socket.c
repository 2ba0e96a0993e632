/*
 * tests/test_udp_socket.c - udp_prot and raw_prot driven through the socket
 * layer (ns_socket, ns_sendto, ns_recvfrom, ns_setsockopt ...) by simulated
 * processes, across a router: datagrams, fragments, ICMP errors reaching
 * (or not) a UDP socket, and raw ICMP sockets as ping and traceroute use
 * them.  Topology: a (10.1.0.2) -- r (router) -- b (10.2.0.2), 1500-byte MTU.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include "stack/raw.h"
#include "stack/socket.h"
#include "stack/udp_offload.h"
#include "tests/routed_test.h"

#define A_ADDR ROUTED_A
#define B_ADDR ROUTED_B
#define R_A_SIDE ROUTED_R_A

struct fx {
	struct routed t;
	/* written by the processes */
	int rc[8];
	int err[8];
	uint8_t buf[8192];
	ssize_t got;
	struct sockaddr_in from;
	uint16_t a_port;
	unsigned raw_count_open;
	/* what the processes are to do */
	size_t send_len;    /* udp_sender */
	bool second;	    /* udp_sender: a second datagram */
	bool connect_first; /* udp_to_closed_port */
	int ttl;	    /* raw_pinger: IP_TTL, 0 = default */
	uint8_t data[8192];
};

ROUTED_FIXTURE(struct fx, false)

/* ---- UDP ------------------------------------------------------------------------- */

/* b: receive one datagram on port 9000 into fx->buf. */
static int
udp_receiver(struct proc *p, void *arg)
{
	struct fx *fx = arg;
	int s = ns_socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in me = sin_of("0.0.0.0", 9000);
	fx->rc[0] = ns_bind(s, (struct sockaddr *)&me, sizeof me);
	socklen_t fl = sizeof fx->from;
	fx->got = ns_recvfrom(s, fx->buf, sizeof fx->buf, 0, (struct sockaddr *)&fx->from, &fl);
	ns_close(s);
	return 0;
}

/* a: send one datagram of fx->send_len bytes (0, 1, 2 ... mod 251) to b:9000;
 * with fx->second, another 1 ms later (what sendto returned: rc[7]). */
static int
udp_sender(struct proc *p, void *arg)
{
	struct fx *fx = arg;
	for (size_t i = 0; i < sizeof fx->data; i++)
		fx->data[i] = (uint8_t)(i % 251);
	int s = ns_socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in to = sin_of(B_ADDR, 9000);
	fx->rc[1] = (int)ns_sendto(s, fx->data, fx->send_len, 0, (struct sockaddr *)&to, sizeof to);
	if (fx->second) {
		ns_sleep(SIM_MS);
		fx->rc[7] = (int)ns_sendto(s, fx->data, fx->send_len, 0, (struct sockaddr *)&to,
					   sizeof to);
	}
	struct sockaddr_in me;
	socklen_t ml = sizeof me;
	ns_getsockname(s, (struct sockaddr *)&me, &ml);
	fx->a_port = ntohs(me.sin_port);
	ns_close(s);
	return 0;
}

static void
test_udp_sendto_crosses_router_and_recvfrom_names_sender(void **state)
{
	struct fx *fx = *state;
	fx->send_len = 100;
	socket_spawn(fx->t.b, "rx", 0, udp_receiver, fx);
	socket_spawn(fx->t.a, "tx", SIM_MS, udp_sender, fx);
	tnet_run(fx->t.n, 50 * SIM_MS);
	assert_int_equal(fx->rc[0], 0);
	assert_int_equal(fx->rc[1], 100);
	assert_int_equal(fx->got, 100);
	for (int i = 0; i < 100; i++)
		assert_int_equal(fx->buf[i], i % 251);
	assert_int_equal(ntohl(fx->from.sin_addr.s_addr), tnet_addr(A_ADDR));
	assert_int_equal(ntohs(fx->from.sin_port), fx->a_port);
	assert_true(fx->a_port != 0);
	assert_int_equal(udp_mib(fx->t.a)->out_datagrams, 1);
	assert_int_equal(udp_mib(fx->t.b)->in_datagrams, 1);
	assert_int_equal(ip_mib(fx->t.r)->forw_datagrams, 1);
}

static void
test_udp_datagram_larger_than_mtu_arrives_whole(void **state)
{
	struct fx *fx = *state;
	fx->send_len = 4000;
	socket_spawn(fx->t.b, "rx", 0, udp_receiver, fx);
	socket_spawn(fx->t.a, "tx", SIM_MS, udp_sender, fx);
	tnet_run(fx->t.n, 50 * SIM_MS);
	assert_int_equal(fx->rc[1], 4000);
	assert_int_equal(fx->got, 4000);
	for (int i = 0; i < 4000; i++)
		assert_int_equal(fx->buf[i], i % 251);
	/* 4008 bytes of UDP in 1480 + 1480 + 1048 */
	assert_int_equal(ip_mib(fx->t.a)->frag_creates, 3);
	assert_int_equal(ip_mib(fx->t.r)->forw_datagrams, 3);
	assert_int_equal(ip_mib(fx->t.b)->reasm_oks, 1);
	assert_int_equal(udp_mib(fx->t.b)->in_datagrams, 1);
}

/* b: on port 9000, peek at the first datagram, read it, then leave the
 * second unread; note InDatagrams after the peek and after the read. */
static int
udp_peek_read_leave(struct proc *p, void *arg)
{
	struct fx *fx = arg;
	int s = ns_socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in me = sin_of("0.0.0.0", 9000);
	fx->rc[0] = ns_bind(s, (struct sockaddr *)&me, sizeof me);
	fx->rc[2] = (int)ns_recv(s, fx->buf, sizeof fx->buf, MSG_PEEK);
	fx->rc[3] = (int)udp_mib(fx->t.b)->in_datagrams;
	fx->rc[4] = (int)ns_recv(s, fx->buf, sizeof fx->buf, 0);
	fx->rc[5] = (int)udp_mib(fx->t.b)->in_datagrams;
	ns_sleep(20 * SIM_MS); /* the second datagram arrives and stays queued */
	fx->rc[6] = (int)udp_mib(fx->t.b)->in_datagrams;
	return 0; /* the socket closes with the process, the datagram in it */
}

/* Linux 6.6 udp_recvmsg counts UDP_MIB_INDATAGRAMS when the process reads a
 * datagram (not on MSG_PEEK); __udp_queue_rcv_skb does not count at queue.
 * So a datagram that sits unread is not in InDatagrams. */
static void
test_udp_in_datagrams_counts_what_the_process_reads(void **state)
{
	struct fx *fx = *state;
	fx->send_len = 100;
	fx->second = true;
	socket_spawn(fx->t.b, "rx", 0, udp_peek_read_leave, fx);
	socket_spawn(fx->t.a, "tx", SIM_MS, udp_sender, fx);
	tnet_run(fx->t.n, 50 * SIM_MS);
	assert_int_equal(fx->rc[0], 0);
	assert_int_equal(fx->rc[1], 100);
	assert_int_equal(fx->rc[7], 100);
	assert_int_equal(fx->rc[2], 100); /* peeked */
	assert_int_equal(fx->rc[3], 0);	  /* a peek is not a read */
	assert_int_equal(fx->rc[4], 100); /* read */
	assert_int_equal(fx->rc[5], 1);
	assert_int_equal(fx->rc[6], 1); /* the second arrived, unread */
	assert_int_equal(ip_mib(fx->t.r)->forw_datagrams, 2);
	assert_int_equal(udp_mib(fx->t.b)->in_datagrams, 1);
	assert_int_equal(udp_mib(fx->t.b)->in_errors, 0);
}

/* b alone: a socket on port 9001 with the smallest receive buffer,
 * sent one 8-segment UDP_SEGMENT datagram to its own address (loopback), reads only
 * afterwards; fx->rc[0] what sendto returned, rc[1] the datagrams read. */
static int
loopback_gso_to_small_socket(struct proc *p, void *arg)
{
	struct fx *fx = arg;
	int r = ns_socket(AF_INET, SOCK_DGRAM, 0);
	int one = 1, seg = 1000;
	ns_setsockopt(r, SOL_SOCKET, SO_RCVBUF, &one, sizeof one);
	struct sockaddr_in me = sin_of("0.0.0.0", 9001);
	fx->rc[2] = ns_bind(r, (struct sockaddr *)&me, sizeof me);
	me = sin_of(B_ADDR, 9001); /* its own address: the loopback path */
	int s = ns_socket(AF_INET, SOCK_DGRAM, 0);
	fx->rc[3] = ns_setsockopt(s, NS_SOL_UDP, NS_UDP_SEGMENT, &seg, sizeof seg);
	fx->rc[0] = (int)ns_sendto(s, fx->data, 8000, 0, (struct sockaddr *)&me, sizeof me);
	ns_sleep(SIM_MS);
	while (ns_recv(r, fx->buf, sizeof fx->buf, MSG_DONTWAIT) > 0)
		fx->rc[1]++;
	ns_close(s);
	ns_close(r);
	return 0;
}

/* Linux 6.6 udp_queue_rcv_skb: a GSO datagram that reaches a socket without
 * UDP_GRO is cut (udp_unexpected_gso) and each segment goes through
 * __udp_queue_rcv_skb, which counts RcvbufErrors and InErrors for each one
 * the full socket refuses; InDatagrams counts what udp_recvmsg returns. */
static void
test_udp_gso_segments_a_full_socket_refuses_are_counted(void **state)
{
	struct fx *fx = *state;
	socket_spawn(fx->t.b, "lo", 0, loopback_gso_to_small_socket, fx);
	tnet_run(fx->t.n, 50 * SIM_MS);
	assert_int_equal(fx->rc[2], 0);
	assert_int_equal(fx->rc[3], 0);
	assert_int_equal(fx->rc[0], 8000);
	const struct udp_mib *m = udp_mib(fx->t.b);
	assert_true(fx->rc[1] >= 1 && fx->rc[1] < 8);
	assert_int_equal(m->in_datagrams, fx->rc[1]);
	assert_int_equal(m->rcvbuf_errors, 8 - fx->rc[1]);
	assert_int_equal(m->in_errors, m->rcvbuf_errors);
}

/* a: send to a port of b where nobody listens, wait, then try to receive. */
static int
udp_to_closed_port(struct proc *p, void *arg)
{
	struct fx *fx = arg;
	int s = ns_socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in to = sin_of(B_ADDR, 9999);
	char x = 'x';
	if (fx->connect_first) {
		fx->rc[0] = ns_connect(s, (struct sockaddr *)&to, sizeof to);
		fx->rc[1] = (int)ns_send(s, &x, 1, 0);
	} else {
		fx->rc[1] = (int)ns_sendto(s, &x, 1, 0, (struct sockaddr *)&to, sizeof to);
	}
	ns_sleep(20 * SIM_MS);
	char buf[8];
	errno = 0;
	fx->rc[2] = (int)ns_recv(s, buf, sizeof buf, MSG_DONTWAIT);
	fx->err[2] = errno;
	ns_close(s);
	return 0;
}

/* Linux: ICMP port unreachable becomes ECONNREFUSED on a connected socket. */
static void
test_connected_udp_socket_gets_econnrefused(void **state)
{
	struct fx *fx = *state;
	fx->connect_first = true;
	socket_spawn(fx->t.a, "tx", 0, udp_to_closed_port, fx);
	tnet_run(fx->t.n, 50 * SIM_MS);
	assert_int_equal(fx->rc[0], 0);
	assert_int_equal(fx->rc[1], 1);
	assert_int_equal(udp_mib(fx->t.b)->no_ports, 1);
	assert_int_equal(icmp_mib(fx->t.a)->in_type[ICMP_DEST_UNREACH], 1);
	assert_int_equal(fx->rc[2], -1);
	assert_int_equal(fx->err[2], ECONNREFUSED);
}

/* Linux without IP_RECVERR: an unconnected socket never sees the error. */
static void
test_unconnected_udp_socket_ignores_port_unreachable(void **state)
{
	struct fx *fx = *state;
	fx->connect_first = false;
	socket_spawn(fx->t.a, "tx", 0, udp_to_closed_port, fx);
	tnet_run(fx->t.n, 50 * SIM_MS);
	assert_int_equal(fx->rc[1], 1);
	assert_int_equal(icmp_mib(fx->t.a)->in_type[ICMP_DEST_UNREACH], 1);
	assert_int_equal(fx->rc[2], -1);
	assert_int_equal(fx->err[2], EAGAIN);
}

/* ---- raw ICMP sockets ------------------------------------------------------------------ */

/* An echo request as ping builds it, checksum included. */
static size_t
echo_request(uint8_t *pkt, uint16_t id, uint16_t seq, size_t data)
{
	struct icmphdr *h = (struct icmphdr *)pkt;
	memset(pkt, 0, ICMP_HLEN + data);
	h->type = ICMP_ECHO;
	h->un.echo.id = htons(id);
	h->un.echo.sequence = htons(seq);
	for (size_t i = 0; i < data; i++)
		pkt[ICMP_HLEN + i] = (uint8_t)i;
	h->checksum = csum_fold(csum_partial(pkt, ICMP_HLEN + data, 0));
	return ICMP_HLEN + data;
}

/* a: one echo request to b on a raw socket (TTL fx->ttl, 0: default), one answer back. */
static int
raw_pinger(struct proc *p, void *arg)
{
	struct fx *fx = arg;
	int s = ns_socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	fx->rc[0] = s;
	fx->raw_count_open = raw_sock_count(fx->t.a);
	if (fx->ttl) {
		fx->rc[1] = ns_setsockopt(s, IPPROTO_IP, IP_TTL, &fx->ttl, sizeof fx->ttl);
		int v = 0;
		socklen_t vl = sizeof v;
		ns_getsockopt(s, IPPROTO_IP, IP_TTL, &v, &vl);
		fx->rc[2] = v;
	}
	uint8_t pkt[64];
	size_t len = echo_request(pkt, 0x4242, 7, 56);
	struct sockaddr_in to = sin_of(B_ADDR, 0);
	fx->rc[3] = (int)ns_sendto(s, pkt, len, 0, (struct sockaddr *)&to, sizeof to);
	socklen_t fl = sizeof fx->from;
	fx->got = ns_recvfrom(s, fx->buf, sizeof fx->buf, 0, (struct sockaddr *)&fx->from, &fl);
	ns_close(s);
	fx->rc[4] = (int)raw_sock_count(fx->t.a);
	return 0;
}

static void
test_raw_icmp_socket_pings_across_router(void **state)
{
	struct fx *fx = *state;
	fx->ttl = 0;
	socket_spawn(fx->t.a, "ping", 0, raw_pinger, fx);
	tnet_run(fx->t.n, 50 * SIM_MS);
	assert_true(fx->rc[0] >= 0);
	assert_int_equal(fx->raw_count_open, 1);
	assert_int_equal(fx->rc[3], 64);
	/* recvfrom returns the whole datagram, IP header first, as Linux */
	assert_int_equal(fx->got, IP_HLEN + 64);
	const struct iphdr *ip = (const struct iphdr *)fx->buf;
	assert_int_equal(ip->ihl, 5);
	assert_int_equal(ip->protocol, NS_IPPROTO_ICMP);
	assert_int_equal(ip->ttl, 63); /* b's 64, less one router */
	assert_int_equal(ntohl(ip->saddr), tnet_addr(B_ADDR));
	const struct icmphdr *h = (const struct icmphdr *)(fx->buf + IP_HLEN);
	assert_int_equal(h->type, ICMP_ECHOREPLY);
	assert_int_equal(ntohs(h->un.echo.id), 0x4242);
	assert_int_equal(ntohs(h->un.echo.sequence), 7);
	assert_int_equal(ntohl(fx->from.sin_addr.s_addr), tnet_addr(B_ADDR));
	assert_int_equal(icmp_mib(fx->t.a)->out_type[ICMP_ECHO], 1);
	assert_int_equal(icmp_mib(fx->t.b)->in_type[ICMP_ECHO], 1);
	assert_int_equal(fx->rc[4], 0); /* closing unhashed it */
}

/* traceroute's mechanism: IP_TTL 1 dies at the router, which says so. */
static void
test_raw_socket_ip_ttl_1_gets_time_exceeded_from_router(void **state)
{
	struct fx *fx = *state;
	fx->ttl = 1;
	socket_spawn(fx->t.a, "ping", 0, raw_pinger, fx);
	tnet_run(fx->t.n, 50 * SIM_MS);
	assert_int_equal(fx->rc[1], 0);
	assert_int_equal(fx->rc[2], 1);
	assert_int_equal(ntohl(fx->from.sin_addr.s_addr), tnet_addr(R_A_SIDE));
	const struct icmphdr *h = (const struct icmphdr *)(fx->buf + IP_HLEN);
	assert_int_equal(h->type, ICMP_TIME_EXCEEDED);
	assert_int_equal(h->code, ICMP_EXC_TTL);
	/* it quotes our request: IP header, then the echo header with our id */
	const struct iphdr *q = (const struct iphdr *)(fx->buf + IP_HLEN + ICMP_HLEN);
	assert_int_equal(ntohl(q->daddr), tnet_addr(B_ADDR));
	const struct icmphdr *qh = (const struct icmphdr *)((const uint8_t *)q + IP_HLEN);
	assert_int_equal(ntohs(qh->un.echo.id), 0x4242);
	assert_int_equal(icmp_mib(fx->t.b)->in_msgs, 0);
}

/* b: a raw ICMP socket that reads one datagram. */
static int
raw_listener(struct proc *p, void *arg)
{
	struct fx *fx = arg;
	int s = ns_socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	fx->got = ns_recvfrom(s, fx->buf, sizeof fx->buf, 0, NULL, NULL);
	ns_close(s);
	return 0;
}

/* raw_local_deliver gives the socket a copy; icmp_rcv still answers (Linux). */
static void
test_raw_socket_gets_a_copy_and_the_kernel_still_answers(void **state)
{
	struct fx *fx = *state;
	socket_spawn(fx->t.b, "listen", 0, raw_listener, fx);
	tnet_run(fx->t.n, SIM_MS);
	assert_int_equal(raw_sock_count(fx->t.b), 1);
	assert_int_equal(icmp_send_echo(fx->t.a, tnet_addr(B_ADDR), 9, 1, 0, 32), 0);
	tnet_run(fx->t.n, 50 * SIM_MS);
	assert_int_equal(fx->got, IP_HLEN + ICMP_HLEN + 32);
	const struct icmphdr *h = (const struct icmphdr *)(fx->buf + IP_HLEN);
	assert_int_equal(h->type, ICMP_ECHO);
	assert_int_equal(icmp_mib(fx->t.b)->out_type[ICMP_ECHOREPLY], 1);
	assert_int_equal(icmp_mib(fx->t.a)->in_type[ICMP_ECHOREPLY], 1);
	assert_int_equal(raw_sock_count(fx->t.b), 0);
}

/* SOCK_RAW serves any protocol but 0 (Linux inet_create with the IPPROTO_IP
 * wildcard entry); tests/test_raw.c has the rest. */
static int
raw_udp_refused(struct proc *p, void *arg)
{
	struct fx *fx = arg;
	errno = 0;
	fx->rc[0] = ns_socket(AF_INET, SOCK_RAW, 0);
	fx->err[0] = errno;
	return 0;
}

static void
test_raw_socket_of_protocol_zero_is_refused(void **state)
{
	struct fx *fx = *state;
	socket_spawn(fx->t.a, "raw", 0, raw_udp_refused, fx);
	tnet_run(fx->t.n, SIM_MS);
	assert_int_equal(fx->rc[0], -1);
	assert_int_equal(fx->err[0], EPROTONOSUPPORT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_udp_sendto_crosses_router_and_recvfrom_names_sender, setup, teardown),
		cmocka_unit_test_setup_teardown(test_udp_datagram_larger_than_mtu_arrives_whole,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_udp_in_datagrams_counts_what_the_process_reads,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_udp_gso_segments_a_full_socket_refuses_are_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connected_udp_socket_gets_econnrefused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_unconnected_udp_socket_ignores_port_unreachable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_raw_icmp_socket_pings_across_router, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_raw_socket_ip_ttl_1_gets_time_exceeded_from_router, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_raw_socket_gets_a_copy_and_the_kernel_still_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_raw_socket_of_protocol_zero_is_refused, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
