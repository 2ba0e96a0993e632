/*
 * tests/test_udp_cmsg.c - the per-send form of UDP_SEGMENT: a SOL_UDP
 * UDP_SEGMENT control message on sendmsg (Linux 6.6 udp_cmsg_send and
 * __udp_cmsg_send), between two hosts a and b.  The segment size of the
 * cmsg cuts this one datagram, overrides the socket option (0: not cut),
 * and a malformed SOL_UDP message is EINVAL as in Linux.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <glib.h>
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/udp.h> /* SOL_UDP, UDP_SEGMENT, UDP_GRO: Linux's values */
#include <sys/uio.h>

#include "stack/socket.h"
#include "tests/socket_test.h"

#define MAXDG 16

struct fx {
	struct pair p;
	int sockopt;	  /* the sender's UDP_SEGMENT socket option, 0: none */
	int ctype;	  /* the cmsg's SOL_UDP type */
	size_t clen;	  /* the cmsg's data length */
	uint32_t cval;	  /* its value */
	size_t len;	  /* bytes of the sendmsg */
	int rc, err;	  /* what sendmsg returned */
	uint32_t n;	  /* datagrams b read, before the 1-byte end marker */
	int sizes[MAXDG]; /* their lengths */
	bool bytes_ok;	  /* every byte as sent, in order */
};

PAIR_FIXTURE(struct fx, 9)

static uint8_t
pattern(uint32_t i)
{
	return (uint8_t)(i * 7 + 3);
}

/* b: read datagrams on port 9000 until a 1-byte one. */
static int
receiver(struct proc *p, void *arg)
{
	(void)p;
	struct fx *fx = arg;
	int s = ns_socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in me = sin_of("0.0.0.0", 9000);
	ns_bind(s, (struct sockaddr *)&me, sizeof me);
	static uint8_t buf[70000];
	uint32_t off = 0;
	fx->bytes_ok = true;
	for (;;) {
		int r = (int)ns_recv(s, buf, sizeof buf, 0);
		if (r <= 1)
			break;
		assert_true(fx->n < MAXDG);
		fx->sizes[fx->n++] = r;
		for (int i = 0; i < r; i++)
			if (buf[i] != pattern(off + (uint32_t)i))
				fx->bytes_ok = false;
		off += (uint32_t)r;
	}
	ns_close(s);
	return 0;
}

/* a: one sendmsg of fx->len bytes with the SOL_UDP cmsg, then the marker. */
static int
sender(struct proc *p, void *arg)
{
	(void)p;
	struct fx *fx = arg;
	int s = ns_socket(AF_INET, SOCK_DGRAM, 0);
	if (fx->sockopt)
		assert_int_equal(
			ns_setsockopt(s, SOL_UDP, UDP_SEGMENT, &fx->sockopt, sizeof fx->sockopt),
			0);
	struct sockaddr_in to = sin_of(B_ADDR, 9000);
	static uint8_t data[65000];
	for (uint32_t i = 0; i < fx->len; i++)
		data[i] = pattern(i);
	struct iovec iov = { data, fx->len };
	union {
		char buf[CMSG_SPACE(sizeof(uint32_t))];
		struct cmsghdr align;
	} ctl;
	memset(&ctl, 0, sizeof ctl);
	struct msghdr m = { .msg_name = &to,
			    .msg_namelen = sizeof to,
			    .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = ctl.buf,
			    .msg_controllen = CMSG_SPACE(fx->clen) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_UDP;
	c->cmsg_type = fx->ctype;
	c->cmsg_len = CMSG_LEN(fx->clen);
	if (fx->clen == sizeof(uint16_t)) {
		uint16_t v = (uint16_t)fx->cval;
		memcpy(CMSG_DATA(c), &v, sizeof v);
	} else {
		memcpy(CMSG_DATA(c), &fx->cval, sizeof fx->cval);
	}
	fx->rc = (int)ns_sendmsg(s, &m, 0);
	fx->err = errno;
	ns_sendto(s, "x", 1, 0, (struct sockaddr *)&to, sizeof to);
	ns_close(s);
	return 0;
}

static void
run_pair(struct fx *fx)
{
	socket_spawn(fx->p.b, "rx", 0, receiver, fx);
	socket_spawn(fx->p.a, "tx", SIM_MS, sender, fx);
	sim_run_until(fx->p.sim, SIM_S);
}

static void
set_cmsg(struct fx *fx, int type, size_t len, uint32_t val, size_t bytes)
{
	fx->ctype = type;
	fx->clen = len;
	fx->cval = val;
	fx->len = bytes;
}

static void
test_udp_segment_cmsg_cuts_this_send_into_datagrams(void **state)
{
	struct fx *fx = *state;
	set_cmsg(fx, UDP_SEGMENT, sizeof(uint16_t), 500, 1400);
	run_pair(fx);
	assert_int_equal(fx->rc, 1400);
	assert_int_equal(fx->n, 3);
	assert_int_equal(fx->sizes[0], 500);
	assert_int_equal(fx->sizes[1], 500);
	assert_int_equal(fx->sizes[2], 400);
	assert_true(fx->bytes_ok);
}

static void
test_udp_segment_cmsg_overrides_the_socket_option(void **state)
{
	struct fx *fx = *state;
	fx->sockopt = 1000;
	set_cmsg(fx, UDP_SEGMENT, sizeof(uint16_t), 300, 1000);
	run_pair(fx);
	assert_int_equal(fx->rc, 1000);
	assert_int_equal(fx->n, 4); /* 300 300 300 100, not one of 1000 */
	assert_int_equal(fx->sizes[3], 100);
	assert_true(fx->bytes_ok);
}

static void
test_udp_segment_cmsg_zero_sends_one_datagram(void **state)
{
	struct fx *fx = *state;
	fx->sockopt = 500;
	set_cmsg(fx, UDP_SEGMENT, sizeof(uint16_t), 0, 1400);
	run_pair(fx);
	assert_int_equal(fx->rc, 1400);
	assert_int_equal(fx->n, 1);
	assert_int_equal(fx->sizes[0], 1400);
}

static void
test_udp_segment_cmsg_of_an_int_is_einval(void **state)
{
	struct fx *fx = *state;
	set_cmsg(fx, UDP_SEGMENT, sizeof(uint32_t), 500, 1400); /* Linux wants a __u16 */
	run_pair(fx);
	assert_int_equal(fx->rc, -1);
	assert_int_equal(fx->err, EINVAL);
	assert_int_equal(fx->n, 0);
}

static void
test_other_sol_udp_cmsg_on_send_is_einval(void **state)
{
	struct fx *fx = *state;
	set_cmsg(fx, UDP_GRO, sizeof(uint16_t), 1, 100); /* __udp_cmsg_send: default */
	run_pair(fx);
	assert_int_equal(fx->rc, -1);
	assert_int_equal(fx->err, EINVAL);
}

static void
test_udp_segment_cmsg_larger_than_the_mtu_is_einval(void **state)
{
	struct fx *fx = *state;
	/* udp_send_skb: 20 + 8 + 1473 > 1500 */
	set_cmsg(fx, UDP_SEGMENT, sizeof(uint16_t), 1473, 3000);
	run_pair(fx);
	assert_int_equal(fx->rc, -1);
	assert_int_equal(fx->err, EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_udp_segment_cmsg_cuts_this_send_into_datagrams,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_udp_segment_cmsg_overrides_the_socket_option,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_udp_segment_cmsg_zero_sends_one_datagram,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_udp_segment_cmsg_of_an_int_is_einval, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_other_sol_udp_cmsg_on_send_is_einval, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_udp_segment_cmsg_larger_than_the_mtu_is_einval,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
