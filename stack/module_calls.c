/*
 * stack/module_calls.c - the calls a protocol module makes
 * (<netsim/proto.h>): sk_buff, IP output, its sockets' queues and timers.
 * Each is netsim's code (KSCOPE) and checks the skb and sock pointers it
 * is given against what the module holds (stack/module_int.h).
 *
 * Linux counterpart: include/linux/skbuff.h and net/core/skbuff.c
 * (alloc_skb, skb_reserve, skb_put, skb_push, skb_pull, skb_clone,
 * consume_skb, kfree_skb_reason), net/ipv4/ip_output.c
 * (ip_build_and_send_pkt), net/ipv4/inet_hashtables.c (__inet_lookup_skb),
 * net/core/sock.c (sock_alloc_send_skb, sock_queue_rcv_skb,
 * sk_reset_timer, sk_stop_timer), include/linux/timer.h (timer_setup).
 */
#include "stack/module_int.h"

/* ---- the calls the module makes ------------------------------------------------------------ */

struct sock *
ns_inet_lookup_skb(struct sk_buff *skb, uint16_t sport, uint16_t dport)
{
	KSCOPE();
	(void)sport;
	struct mod_host *mh = mod_here(__func__);
	mod_skb(skb, __func__);
	uint8_t protocol = ip_hdr(skb)->protocol;
	struct sock *sk = g_hash_table_lookup(
		mh->ports, GUINT_TO_POINTER((guint)protocol << 16 | ntohs(dport)));
	if (!sk)
		return NULL;
	uint32_t daddr = ntohl(ip_hdr(skb)->daddr);
	if (sk->rcv_saddr && sk->rcv_saddr != daddr)
		return NULL;
	return sk;
}

void *
ns_sk_priv(struct sock *sk)
{
	KSCOPE();
	return mod_sk(mod_sock_arg(sk, __func__))->priv;
}

uint16_t
ns_inet_sk_sport(const struct sock *sk)
{
	KSCOPE();
	return htons(mod_sock_arg((struct sock *)sk, __func__)->num);
}

uint32_t
ns_inet_sk_saddr(const struct sock *sk)
{
	KSCOPE();
	return htonl(mod_sock_arg((struct sock *)sk, __func__)->saddr);
}

/* The largest skb a module may ask for (128 KiB, twice an IP datagram's
 * limit): a bigger size is a module's bug, answered with NULL. */
#define MODULE_SKB_MAX (1u << 17)

struct sk_buff *
ns_alloc_skb(unsigned size)
{
	KSCOPE();
	struct mod_host *mh = mod_here(__func__);
	if (size > MODULE_SKB_MAX)
		return NULL;
	struct sk_buff *skb = skb_alloc(mh->host, size, LAYER_MODULE);
	held_add(mh, skb);
	return skb;
}

struct sk_buff *
ns_sock_alloc_send_skb(struct sock *sk, unsigned size, int *err)
{
	KSCOPE();
	struct mod_host *mh = mod_here(__func__);
	mod_sock_arg(sk, __func__);
	int e = 0;
	struct sk_buff *skb =
		size > MODULE_SKB_MAX ? NULL : sock_alloc_send_skb(sk, size, NS_MSG_DONTWAIT, &e);
	if (!skb) {
		if (err)
			*err = e ? e : -EMSGSIZE;
		return NULL;
	}
	held_add(mh, skb);
	/* The trace shows the module's send path: "sw_sendmsg" for SW. */
	skb_handoff(skb, LAYER_MODULE, mod_sk(sk)->mp->send_func);
	return skb;
}

void
ns_skb_reserve(struct sk_buff *skb, unsigned len)
{
	KSCOPE();
	mod_skb(skb, __func__);
	if (len > skb_tailroom(skb) || skb->len)
		mod_bad(__func__, "no room to reserve, or data already put");
	skb_reserve(skb, len);
}

void *
ns_skb_put(struct sk_buff *skb, unsigned len)
{
	KSCOPE();
	mod_skb(skb, __func__);
	if (len > skb_tailroom(skb))
		mod_bad(__func__, "past the end of the buffer (Linux skb_over_panic)");
	return skb_put(skb, len);
}

void *
ns_skb_push(struct sk_buff *skb, unsigned len)
{
	KSCOPE();
	mod_skb(skb, __func__);
	if (len > skb_headroom(skb))
		mod_bad(__func__, "before the head of the buffer (Linux skb_under_panic)");
	return skb_push(skb, len);
}

void *
ns_skb_pull(struct sk_buff *skb, unsigned len)
{
	KSCOPE();
	mod_skb(skb, __func__);
	if (len > skb->len)
		return NULL;
	return skb_pull(skb, len);
}

void *
ns_skb_data(const struct sk_buff *skb)
{
	KSCOPE();
	return mod_skb((struct sk_buff *)skb, __func__)->data;
}

unsigned
ns_skb_len(const struct sk_buff *skb)
{
	KSCOPE();
	return mod_skb((struct sk_buff *)skb, __func__)->len;
}

void
ns_skb_reset_transport_header(struct sk_buff *skb)
{
	KSCOPE();
	skb_reset_transport_header(mod_skb(skb, __func__));
}

void *
ns_skb_transport_header(const struct sk_buff *skb)
{
	KSCOPE();
	return skb_transport_header(mod_skb((struct sk_buff *)skb, __func__));
}

static const struct iphdr *
mod_iph(const struct sk_buff *skb, const char *call)
{
	mod_skb((struct sk_buff *)skb, call);
	if (skb->network_header == SKB_HDR_UNSET)
		mod_bad(call, "an skb without an IP header (not a received datagram)");
	return ip_hdr(skb);
}

uint32_t
ns_ip_hdr_saddr(const struct sk_buff *skb)
{
	KSCOPE();
	return mod_iph(skb, __func__)->saddr;
}

uint32_t
ns_ip_hdr_daddr(const struct sk_buff *skb)
{
	KSCOPE();
	return mod_iph(skb, __func__)->daddr;
}

struct sk_buff *
ns_skb_clone(struct sk_buff *skb)
{
	KSCOPE();
	struct mod_host *mh = mod_here(__func__);
	/* The original may be on the socket's write queue (not held). */
	bool queued = skb && skb->queue;
	if (!queued)
		mod_skb(skb, __func__);
	else if (!skb->sk || !g_hash_table_contains(mh->socks, skb->sk))
		mod_bad(__func__, "an skb the module does not hold");
	struct sk_buff *c = skb_clone(skb);
	held_add(mh, c);
	return c;
}

int
ns_skb_put_from_msg(struct sk_buff *skb, struct ns_msghdr *msg, unsigned len)
{
	KSCOPE();
	mod_skb(skb, __func__);
	if (!msg || len > msg->len)
		return -EFAULT;
	if (len > skb_tailroom(skb))
		mod_bad(__func__, "past the end of the buffer (Linux skb_over_panic)");
	skb_copy_from_user(skb, msg->_buf, len);
	return 0;
}

void
ns_consume_skb(struct sk_buff *skb)
{
	KSCOPE();
	struct mod_host *mh = mod_here(__func__);
	held_del(mh, mod_skb(skb, __func__));
	skb_consume(skb);
}

void
ns_kfree_skb_reason(struct sk_buff *skb, const char *reason)
{
	KSCOPE();
	struct mod_host *mh = mod_here(__func__);
	held_del(mh, mod_skb(skb, __func__));
	int r = reason ? skb_drop_reason_by_name(reason) : -1;
	if (r < 0 || r == SKB_DROP_MODULE_FAULT)
		r = SKB_DROP_NOT_SPECIFIED;
	skb_drop_at(skb, (enum skb_drop_reason)r, mh->name);
}

uint16_t
ns_ip_compute_csum(const void *buf, unsigned len)
{
	/* Reads the module's own memory: a bad pointer is its fault. */
	return csum_fold(csum_partial(buf, len, 0));
}

int
ns_ip_build_and_send_pkt(struct sk_buff *skb, struct sock *sk, uint32_t saddr, uint32_t daddr)
{
	KSCOPE();
	struct mod_host *mh = mod_here(__func__);
	mod_skb(skb, __func__);
	mod_sock_arg(sk, __func__);
	held_del(mh, skb);
	if (skb_headroom(skb) < INET_HEADROOM) {
		skb_drop(skb, SKB_DROP_NOT_SPECIFIED);
		return -EINVAL;
	}
	skb_reset_transport_header(skb);
	struct ip_xmit_args a = {
		.saddr = ntohl(saddr) ? ntohl(saddr) : sk->saddr,
		.daddr = ntohl(daddr),
		.protocol = (uint8_t)sk->sk_protocol,
		.ttl = sk->ttl,
	};
	return ip_build_and_send_pkt(skb, &a);
}

int
ns_sock_queue_rcv_skb(struct sock *sk, struct sk_buff *skb)
{
	KSCOPE();
	struct mod_host *mh = mod_here(__func__);
	mod_skb(skb, __func__);
	mod_sock_arg(sk, __func__);
	/* recvfrom reads the source from the IP and transport headers. */
	if (skb->network_header == SKB_HDR_UNSET || skb->transport_header == SKB_HDR_UNSET)
		mod_bad(__func__, "an skb without IP and transport headers (not a received one)");
	held_del(mh, skb);
	skb_handoff(skb, LAYER_SOCKET, "sock_queue_rcv_skb");
	return sock_queue_rcv_skb(sk, skb);
}

void
ns_sk_write_queue_tail(struct sock *sk, struct sk_buff *skb)
{
	KSCOPE();
	struct mod_host *mh = mod_here(__func__);
	mod_skb(skb, __func__);
	mod_sock_arg(sk, __func__);
	held_del(mh, skb);
	skb->sk = sk;
	skb_queue_tail(&sk->sk_write_queue, skb);
}

struct sk_buff *
ns_sk_write_queue_head(struct sock *sk)
{
	KSCOPE();
	return skb_peek(&mod_sock_arg(sk, __func__)->sk_write_queue);
}

struct sk_buff *
ns_sk_write_queue_dequeue(struct sock *sk)
{
	KSCOPE();
	struct mod_host *mh = mod_here(__func__);
	struct sk_buff *skb = skb_dequeue(&mod_sock_arg(sk, __func__)->sk_write_queue);
	if (!skb)
		return NULL;
	held_add(mh, skb);
	if (skb_queue_empty(&sk->sk_write_queue))
		sk->sk_write_space(sk);
	return skb;
}

void
ns_sk_error_report(struct sock *sk, int err)
{
	KSCOPE();
	mod_sock_arg(sk, __func__);
	if (err <= 0 || err > 4095)
		mod_bad(__func__, "not an errno");
	sk->sk_err = err;
	skb_queue_purge(&sk->sk_write_queue, SKB_DROP_NOT_SPECIFIED);
	sk->sk_state_change(sk);
}

/* ---- timers -------------------------------------------------------------------------- */

void
ns_timer_setup(struct ns_timer_list *t, void (*fn)(struct ns_timer_list *t))
{
	KSCOPE();
	if (!t)
		mod_bad(__func__, "a NULL timer");
	t->function = fn;
	memset(t->_netsim, 0, sizeof t->_netsim);
}

static void
module_timer_run(void *a)
{
	struct ns_timer_list *t = a;
	struct mod_timer *mt = (struct mod_timer *)t->_netsim;
	struct sock *sk = mt->sk;
	struct mod_sock *ms = mod_sk(sk);
	struct mod_host *mh = ms->mp->mh;
	mt->ev = 0;
	ms->timers = g_slist_remove(ms->timers, t);
	/* Linux runs timers in the TIMER softirq; charged as UDP's work. */
	host_charge(sk->host, COST_UDP_SEND);
	if (!mh->disabled && t->function)
		MOD_CALL(mh, "a timer", t->function(t), (void)0);
	sock_put(sk); /* the timer's reference */
}

/* The event: the timer runs on the CPU that armed it (sim/cpu.h). */
static void
module_timer_fire(struct sim *sim, void *a, void *base)
{
	(void)sim;
	cpu_timer_run(base, module_timer_run, a);
}

void
ns_sk_reset_timer(struct sock *sk, struct ns_timer_list *t, int64_t delay_ns)
{
	KSCOPE();
	mod_sock_arg(sk, __func__);
	if (!t || delay_ns < 0)
		mod_bad(__func__, "a NULL timer or a negative delay");
	struct mod_timer *mt = (struct mod_timer *)t->_netsim;
	struct mod_sock *ms = mod_sk(sk);
	if (mt->ev) {
		if (mt->sk != sk)
			mod_bad(__func__, "a timer armed for another socket");
		sim_cancel(sk->host->sim, mt->ev);
	} else {
		sock_hold(sk);
		ms->timers = g_slist_prepend(ms->timers, t);
	}
	mt->sk = sk;
	mt->ev = cpu_timer_schedule(sk->host->cpu, delay_ns, module_timer_fire, t);
}

void
ns_sk_stop_timer(struct sock *sk, struct ns_timer_list *t)
{
	KSCOPE();
	mod_sock_arg(sk, __func__);
	if (!t)
		mod_bad(__func__, "a NULL timer");
	struct mod_timer *mt = (struct mod_timer *)t->_netsim;
	if (!mt->ev)
		return;
	if (mt->sk != sk)
		mod_bad(__func__, "a timer armed for another socket");
	sim_cancel(sk->host->sim, mt->ev);
	mt->ev = 0;
	mod_sk(sk)->timers = g_slist_remove(mod_sk(sk)->timers, t);
	sock_put(sk);
}

struct sock *
ns_timer_sock(struct ns_timer_list *t)
{
	KSCOPE();
	if (!t)
		mod_bad(__func__, "a NULL timer");
	return ((struct mod_timer *)t->_netsim)->sk;
}

int64_t
ns_ktime_get(void)
{
	KSCOPE();
	return host_now(mod_here(__func__)->host);
}

void
ns_proto_count(struct sock *sk, const char *name)
{
	KSCOPE();
	struct mod_host *mh = mod_here(__func__);
	if (sk)
		mod_sock_arg(sk, __func__);
	if (!name || !*name || strlen(name) > 64)
		mod_bad(__func__, "a figure needs a name of 1 to 64 characters");
	/* Counted per protocol: "SW.retransmits" (the module's first without @sk). */
	const char *proto = sk	   ? mod_sk(sk)->mp->np->name
		: mh->mprotos->len ? ((struct mod_proto *)mh->mprotos->pdata[0])->np->name
				   : "unnamed";
	g_autofree char *key = g_strdup_printf("%s.%s", proto, name);
	uint64_t *n = g_hash_table_lookup(mh->counts, key);
	if (!n) {
		n = g_new0(uint64_t, 1);
		g_hash_table_insert(mh->counts, g_steal_pointer(&key), n);
	}
	(*n)++;
}

/*
 * Only plug-ins call the functions of this file, and they are loaded at
 * run time: nothing in netsim refers to them, so the linker would leave
 * this object out of libnetsim.a's users.  module_load refers to this
 * table, which pulls the object (and every call above) into the program,
 * whose symbols are exported to plug-ins (-Wl,--export-dynamic).
 */
const void *const module_calls_exports[] = {
	(const void *)ns_alloc_skb,
	(const void *)ns_ip_build_and_send_pkt,
	(const void *)ns_sk_reset_timer,
};
