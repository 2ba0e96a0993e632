/*
 * tests/bad_student/proto_crash.c - a protocol module (IP protocol 253,
 * "CRASH") that faults in its own code, for tests/plugin_proto.sh.
 * Built with -DMODE=N:
 *   0: its IP handler dereferences NULL (softirq context)
 *   1: its timer divides by zero (a timer, softirq context)
 *   2: its sendmsg calls abort() (a process's system call)
 *   3: its IP handler loops forever (the spin limit)
 *   4: its IP handler calls exit(7)
 *   5: its IP handler frees its skb twice (netsim refuses the second call)
 * Its program: role = server binds port and reads; role = client sends
 * count datagrams to dst:port.  Header: sport, dport (4 bytes).
 */
#include <netsim/proto.h>
#include <netsim/socket.h>
#include <stdlib.h>
#include <string.h>

#ifndef MODE
#define MODE 0
#endif

struct crash_sock {
	struct ns_timer_list t;
};

static void
crash_timer(struct ns_timer_list *t)
{
	(void)t;
	volatile int zero = 0, seven = 7;
	volatile int x = seven / zero; /* SIGFPE */
	(void)x;
}

static int
crash_init(struct sock *sk)
{
	struct crash_sock *cs = ns_sk_priv(sk);
	timer_setup(&cs->t, crash_timer, 0);
	return 0;
}

static int
crash_sendmsg(struct sock *sk, struct ns_msghdr *msg, size_t len)
{
	if (MODE == 2)
		abort();
	int err = 0;
	struct sk_buff *skb = sock_alloc_send_skb(sk, NS_INET_HEADROOM + 4 + len, &err);
	if (!skb)
		return err;
	skb_reserve(skb, NS_INET_HEADROOM + 4);
	ns_skb_put_from_msg(skb, msg, (unsigned)len);
	uint16_t *h = skb_push(skb, 4);
	h[0] = ns_inet_sk_sport(sk);
	h[1] = msg->dport;
	if (MODE == 1) {
		struct crash_sock *cs = ns_sk_priv(sk);
		sk_reset_timer(sk, &cs->t, 1000000);
	}
	int rc = ip_build_and_send_pkt(skb, sk, 0, msg->daddr);
	return rc < 0 ? rc : (int)len;
}

static int
crash_rcv(struct sk_buff *skb)
{
	if (MODE == 0)
		*(volatile int *)0 = 1;
	if (MODE == 3)
		for (volatile int i = 0;; i++)
			;
	if (MODE == 4)
		exit(7);
	if (MODE == 5) {
		consume_skb(skb);
		consume_skb(skb); /* not held any more: the module is disabled */
		return 0;
	}
	uint16_t *h = ns_skb_data(skb);
	struct sock *sk = ns_inet_lookup_skb(skb, h[0], h[1]);
	if (!sk) {
		kfree_skb_reason(skb, "no_socket");
		return 1;
	}
	skb_pull(skb, 4);
	return sock_queue_rcv_skb(sk, skb) < 0;
}

static struct ns_proto crash_prot = {
	.name = "CRASH",
	.obj_size = sizeof(struct crash_sock),
	.init = crash_init,
	.sendmsg = crash_sendmsg,
};
static struct ns_inet_protosw crash_protosw = { SOCK_DGRAM, 253, &crash_prot };
static const struct ns_net_protocol crash_protocol = { .handler = crash_rcv };

int
ns_module_init(void)
{
	int rc = proto_register(&crash_prot, 1);
	if (rc == 0)
		rc = inet_register_protosw(&crash_protosw);
	if (rc == 0)
		rc = inet_add_protocol(&crash_protocol, 253);
	return rc;
}

int
ns_main(void)
{
	const char *role = ns_app_arg("role");
	const char *p = ns_app_arg("port");
	const char *c = ns_app_arg("count");
	uint16_t port = (uint16_t)(p ? atoi(p) : 7000);
	int count = c ? atoi(c) : 5;
	char buf[512];
	int s = socket(AF_INET, SOCK_DGRAM, 253);
	if (s < 0)
		return 1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	if (role && strcmp(role, "server") == 0) {
		if (bind(s, (struct sockaddr *)&a, sizeof a) < 0)
			return 1;
		for (;;) {
			ssize_t n = recv(s, buf, sizeof buf, 0);
			if (n < 0)
				return errno == ECONNABORTED ? 9 : 1;
			ns_app_received((size_t)n);
		}
	}
	inet_pton(AF_INET, ns_app_arg("dst"), &a.sin_addr);
	memset(buf, 'c', 100);
	for (int i = 0; i < count; i++) {
		if (sendto(s, buf, 100, 0, (struct sockaddr *)&a, sizeof a) != 100)
			return errno == ECONNABORTED ? 9 : 1;
		ns_app_sent(100);
		ns_sleep(10000000); /* 10 ms */
	}
	return 0;
}
