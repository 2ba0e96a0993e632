/*
 * tests/test_raw.c - raw IPv4 sockets of any protocol (stack/raw.c, Linux
 * net/ipv4/raw.c): the wildcard inetsw entry, a copy to every matching raw
 * socket next to the protocol's own handler, IP_HDRINCL, and the errno
 * values of inet_create and raw_send_hdrinc.
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

#include "stack/icmp.h"
#include "stack/ipv4.h"
#include "stack/socket.h"
#include "tests/routed_test.h"

struct fx {
	struct routed t;
	int rc[8], err[8];
	int raw_got[2], udp_got, tcp_raw_got;
	uint8_t pkt[128];
	int pkt_len;
};

ROUTED_FIXTURE(struct fx, false)

static int
creator(struct proc *p, void *arg)
{
	(void)p;
	struct fx *fx = arg;
	fx->rc[0] = ns_socket(AF_INET, SOCK_RAW, 0);
	fx->err[0] = errno;
	fx->rc[1] = ns_socket(AF_INET, SOCK_RAW, 300);
	fx->err[1] = errno;
	fx->rc[2] = ns_socket(AF_INET, SOCK_RAW, IPPROTO_UDP);
	fx->rc[3] = ns_socket(AF_INET, SOCK_RAW, 253);
	fx->rc[4] = ns_socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP);
	fx->err[4] = errno;
	int v = -1;
	socklen_t vl = sizeof v;
	int raw = ns_socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	ns_getsockopt(raw, IPPROTO_IP, IP_HDRINCL, &v, &vl);
	fx->rc[5] = v; /* IPPROTO_RAW implies IP_HDRINCL */
	return 0;
}

static void
test_socket_raw_takes_any_protocol_but_zero(void **state)
{
	struct fx *fx = *state;
	socket_spawn(fx->t.a, "c", 0, creator, fx);
	tnet_run(fx->t.n, SIM_MS);
	assert_int_equal(fx->rc[0], -1);
	assert_int_equal(fx->err[0], EPROTONOSUPPORT);
	assert_int_equal(fx->rc[1], -1);
	assert_int_equal(fx->err[1], EINVAL);
	assert_true(fx->rc[2] >= 3);
	assert_true(fx->rc[3] >= 3);
	assert_int_equal(fx->rc[4], -1);
	assert_int_equal(fx->err[4], EPROTONOSUPPORT);
	assert_int_equal(fx->rc[5], 1);
}

/* b: two raw UDP sockets, one raw TCP socket and a UDP socket on 9000. */
static int
raw_rx(struct proc *p, void *arg)
{
	(void)p;
	struct fx *fx = arg;
	int r0 = ns_socket(AF_INET, SOCK_RAW, IPPROTO_UDP);
	int r1 = ns_socket(AF_INET, SOCK_RAW, IPPROTO_UDP);
	int rt = ns_socket(AF_INET, SOCK_RAW, IPPROTO_TCP);
	int u = ns_socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in me = sin_of("0.0.0.0", 9000);
	ns_bind(u, (struct sockaddr *)&me, sizeof me);
	ns_sleep(50 * SIM_MS);
	char buf[256];
	while (ns_recv(r0, buf, sizeof buf, MSG_DONTWAIT) > 0)
		fx->raw_got[0]++;
	ssize_t n;
	while ((n = ns_recv(r1, fx->pkt, sizeof fx->pkt, MSG_DONTWAIT)) > 0) {
		fx->raw_got[1]++;
		fx->pkt_len = (int)n;
	}
	while (ns_recv(rt, buf, sizeof buf, MSG_DONTWAIT) > 0)
		fx->tcp_raw_got++;
	while (ns_recv(u, buf, sizeof buf, MSG_DONTWAIT) > 0)
		fx->udp_got++;
	return 0;
}

static int
udp_tx(struct proc *p, void *arg)
{
	(void)p;
	(void)arg;
	int s = ns_socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in to = sin_of("10.2.0.2", 9000);
	for (int i = 0; i < 3; i++)
		ns_sendto(s, "hello", 5, 0, (struct sockaddr *)&to, sizeof to);
	ns_close(s);
	return 0;
}

static void
test_every_raw_socket_of_the_protocol_gets_a_copy(void **state)
{
	struct fx *fx = *state;
	socket_spawn(fx->t.b, "rx", 0, raw_rx, fx);
	socket_spawn(fx->t.a, "tx", SIM_MS, udp_tx, fx);
	tnet_run(fx->t.n, 100 * SIM_MS);
	assert_int_equal(fx->raw_got[0], 3);
	assert_int_equal(fx->raw_got[1], 3);
	assert_int_equal(fx->udp_got, 3); /* UDP still gets the datagram (Linux raw_v4_input) */
	assert_int_equal(fx->tcp_raw_got, 0);
	/* the copy starts at the IP header: 20 + 8 + 5 bytes */
	assert_int_equal(fx->pkt_len, 33);
	assert_int_equal(fx->pkt[9], IPPROTO_UDP);
}

/* b: a raw socket of protocol 253 (RFC 3692 experimental). */
static int
exp_rx(struct proc *p, void *arg)
{
	(void)p;
	struct fx *fx = arg;
	int r = ns_socket(AF_INET, SOCK_RAW, 253);
	fx->pkt_len = (int)ns_recv(r, fx->pkt, sizeof fx->pkt, 0);
	return 0;
}

/* a: IP_HDRINCL with a header of its own: saddr, id and checksum left 0. */
static int
hdrincl_tx(struct proc *p, void *arg)
{
	(void)p;
	struct fx *fx = arg;
	int s = ns_socket(AF_INET, SOCK_RAW, 253);
	int one = 1;
	fx->rc[0] = ns_setsockopt(s, IPPROTO_IP, IP_HDRINCL, &one, sizeof one);
	uint8_t d[24] = { 0x45, 0, 0, 0, 0, 0, 0, 0, 7 /* ttl */, 253 };
	struct sockaddr_in to = sin_of("10.2.0.2", 0);
	memcpy(d + 16, &to.sin_addr, 4);
	memcpy(d + 20, "data", 4);
	fx->rc[1] = (int)ns_sendto(s, d, 10, 0, (struct sockaddr *)&to, sizeof to);
	fx->err[1] = errno;
	fx->rc[2] = (int)ns_sendto(s, d, sizeof d, 0, (struct sockaddr *)&to, sizeof to);
	return 0;
}

static void
test_ip_hdrincl_sends_the_users_header_filled_in(void **state)
{
	struct fx *fx = *state;
	socket_spawn(fx->t.b, "rx", 0, exp_rx, fx);
	socket_spawn(fx->t.a, "tx", SIM_MS, hdrincl_tx, fx);
	tnet_run(fx->t.n, 100 * SIM_MS);
	assert_int_equal(fx->rc[0], 0);
	assert_int_equal(fx->rc[1], -1);
	assert_int_equal(fx->err[1], EINVAL); /* shorter than an IP header */
	assert_int_equal(fx->rc[2], 24);
	assert_int_equal(fx->pkt_len, 24);
	const struct iphdr *iph = (const struct iphdr *)fx->pkt;
	assert_int_equal(iph->protocol, 253);
	assert_int_equal(iph->ttl, 6); /* 7, less one at the router */
	assert_int_equal(ntohs(iph->tot_len), 24);
	assert_int_equal(iph->saddr, sin_of("10.1.0.2", 0).sin_addr.s_addr);
	assert_int_not_equal(iph->id, 0);
	assert_int_equal(ip_fast_csum(iph, iph->ihl), 0);
	assert_memory_equal(fx->pkt + 20, "data", 4);
	/* a raw socket took it: no ICMP protocol unreachable (Linux ip_local_deliver_finish) */
	assert_int_equal(icmp_mib(fx->t.b)->out_type[ICMP_DEST_UNREACH], 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_socket_raw_takes_any_protocol_but_zero, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_every_raw_socket_of_the_protocol_gets_a_copy,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_ip_hdrincl_sends_the_users_header_filled_in,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
