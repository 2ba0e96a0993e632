/*
 * stack/module.c - transport protocols registered by plug-ins: the calls
 * of <netsim/proto.h>, and the containment of the plug-in's code.
 *
 * Linux counterpart: a protocol module's view of the kernel.  Loading:
 * kernel/module/main.c do_init_module (the module's init function).
 * Registration: net/core/sock.c proto_register, net/ipv4/af_inet.c
 * inet_register_protosw, net/ipv4/protocol.c inet_add_protocol.  The
 * socket side of a datagram protocol: net/ipv4/af_inet.c inet_dgram_ops,
 * net/ipv4/udp.c (udp_lib_get_port, udp_recvmsg) for what netsim does
 * generically, net/ipv4/inet_hashtables.c __inet_lookup_skb.
 *
 * Position:
 *   ip_local_deliver_finish -> module_ip_rcv -> (contained) the plug-in's
 *       handler -> ns_inet_lookup_skb, ns_sock_queue_rcv_skb ...
 *   a process's sendto -> inet_sendmsg -> module_sendmsg -> (contained)
 *       the plug-in's sendmsg -> ns_ip_build_and_send_pkt -> ip_output
 *   a sim event -> module_timer_fire -> (contained) the plug-in's timer
 *
 * The calls the module makes (skbs, IP output, queues, timers) are in
 * stack/module_calls.c; stack/module_int.h holds what both share.
 *
 * Containment (docs/reliability.md): every call into the plug-in's code
 * runs in a PROC_CONTAIN frame (sim/proc.h); every exported call it makes
 * counts as netsim's code (KSCOPE) and checks the skb and sock pointers it
 * gets against what the module holds.  A fault in the module's own code,
 * or a pointer that is not the module's, disables the module on the host
 * (module_disable) instead of ending the run.
 *
 * Ownership of skbs: an skb given to the module (its handler's, one it
 * allocated, cloned or took off a write queue) is "held" by it until it
 * passes it to a call that consumes it; when the module is disabled the
 * skbs it holds are dropped with reason module_fault, so none is lost.
 */
#include "stack/module_int.h"

static GPtrArray *mod_all; /* every struct mod_host, load order */
struct mod_host *mod_cur;

/* ---- disabling a module that faulted --------------------------------------------------- */

static gint
by_sock_seq(gconstpointer a, gconstpointer b)
{
	uint64_t x = ((const struct mod_sock *)a)->seq, y = ((const struct mod_sock *)b)->seq;
	return x < y ? -1 : x > y;
}

static gint
by_skb_id(gconstpointer a, gconstpointer b)
{
	uint64_t x = ((const struct sk_buff *)a)->id, y = ((const struct sk_buff *)b)->id;
	return x < y ? -1 : x > y;
}

/* The module's socks, oldest first; the skbs it holds, by id: the same
 * order in every run (a hash table's is the pointers'). */
static GList *
mod_socks_sorted(struct mod_host *mh)
{
	return g_list_sort(g_hash_table_get_keys(mh->socks), by_sock_seq);
}

static GList *
mod_held_sorted(struct mod_host *mh)
{
	return g_list_sort(g_hash_table_get_keys(mh->held), by_skb_id);
}

static void mod_host_free(struct mod_host *mh);

void
mod_disable(struct mod_host *mh, int sig, int status, const char *where)
{
	if (mh->disabled)
		return;
	mh->disabled = true;
	mh->fault_signal = sig;
	mh->fault_status = status;
	mh->fault_time = host_now(mh->host);
	mh->fault_where = where;
	for (int n = 0; n < 256; n++)
		if (mh->handlers[n])
			inet_del_protocol(mh->host, &mh->net, (uint8_t)n);
	for (guint i = 0; i < mh->protosw->len; i++)
		inet_unregister_protosw(mh->host, mh->protosw->pdata[i]);
	/* Its sockets: timers stopped, unacknowledged data dropped, error set. */
	GList *socks = mod_socks_sorted(mh);
	for (GList *l = socks; l; l = l->next) {
		struct sock *sk = l->data;
		sock_hold(sk);
		mod_timers_cancel(sk);
		mh->fault_drops += skb_queue_len(&sk->sk_write_queue);
		skb_queue_purge(&sk->sk_write_queue, SKB_DROP_MODULE_FAULT);
		sk->sk_err = ECONNABORTED;
		sk->sk_state_change(sk);
		sock_put(sk);
	}
	g_list_free(socks);
	GList *held = mod_held_sorted(mh);
	for (GList *l = held; l; l = l->next) {
		skb_drop(l->data, SKB_DROP_MODULE_FAULT);
		mh->fault_drops++;
	}
	g_list_free(held);
	g_hash_table_remove_all(mh->held);
	char t[32], what[64];
	snprintf(t, sizeof t, "%.6f s", (double)mh->fault_time / 1e9);
	if (sig)
		snprintf(what, sizeof what, "%s", strsignal(sig));
	else
		snprintf(what, sizeof what, "exit(%d)", status);
	/* A fault while loading refuses the scenario (module_load's error). */
	bool loading = strcmp(where, "ns_module_init") == 0;
	fprintf(stderr, "netsim: module %s on host %s: %s in %s at %s; %s\n", mh->name,
		mh->host->name, what, where, t,
		loading ? "the module is not loaded"
			: "its protocols and congestion controls are unregistered on this host "
			  "and the run goes on");
}

/*
 * The exported calls: netsim's code, not the module's (a fault inside is
 * netsim's own).  KSCOPE marks it; mod_bad ends the module's call when it
 * passed something that is not its own (a freed skb, a stray pointer), as
 * the kernel's checks (skb_over_panic, refcount warnings) would oops.
 */
struct proc_contain *
kscope_begin(void)
{
	struct proc_contain *c = proc_contain_top();
	if (c)
		c->kernel++;
	return c;
}

void
kscope_end(struct proc_contain **c)
{
	if (*c)
		(*c)->kernel--;
}

void __attribute__((noreturn)) mod_bad(const char *call, const char *what)
{
	struct proc_contain *c = proc_contain_top();
	if (!c || !mod_cur)
		g_error("%s: %s, outside a module's code", call, what);
	fprintf(stderr, "netsim: module %s on host %s: %s: %s\n", mod_cur->name,
		mod_cur->host->name, call, what);
	c->kernel = 0;
	raise(SIGSEGV); /* contained: jumps to the module's call site */
	g_error("not reached");
}

struct mod_host *
mod_here(const char *call)
{
	if (!mod_cur)
		g_error("%s called outside a module's code", call);
	return mod_cur;
}

struct sk_buff *
mod_skb(struct sk_buff *skb, const char *call)
{
	struct mod_host *mh = mod_here(call);
	if (!skb || !g_hash_table_contains(mh->held, skb))
		mod_bad(call, "an skb the module does not hold");
	return skb;
}

struct sock *
mod_sock_arg(struct sock *sk, const char *call)
{
	struct mod_host *mh = mod_here(call);
	if (!sk || !g_hash_table_contains(mh->socks, sk))
		mod_bad(call, "not a socket of the module");
	return sk;
}

void
held_add(struct mod_host *mh, struct sk_buff *skb)
{
	g_hash_table_add(mh->held, skb);
}

void
held_del(struct mod_host *mh, struct sk_buff *skb)
{
	g_hash_table_remove(mh->held, skb);
}

/* ---- registration (called from the module's ns_module_init) ---------------------------- */

static int mod_init(struct sock *sk);
static void mod_close(struct sock *sk, sim_time_t timeout);
static int mod_sendmsg(struct sock *sk, struct ns_msg *msg);
static int mod_recvmsg(struct sock *sk, struct ns_msg *msg);
static int mod_get_port(struct sock *sk, uint16_t port);
static void mod_unhash(struct sock *sk);
static void mod_destroy(struct sock *sk);

static struct mod_proto *
mod_proto_find(struct mod_host *mh, const struct ns_proto *np)
{
	for (guint i = 0; i < mh->mprotos->len; i++)
		if (((struct mod_proto *)mh->mprotos->pdata[i])->np == np)
			return mh->mprotos->pdata[i];
	return NULL;
}

/* Linux proto_register: the table's required entries (Linux checks only
 * obj_size, for the slab; a module with a NULL sendmsg oopses later). */
int
ns_proto_register(struct ns_proto *prot, int alloc_slab)
{
	KSCOPE();
	(void)alloc_slab;
	struct mod_host *mh = mod_here(__func__);
	if (!prot || !prot->name || !prot->sendmsg || prot->obj_size > (1u << 20))
		return -EINVAL;
	if (mod_proto_find(mh, prot))
		return 0;
	struct mod_proto *mp = g_new0(struct mod_proto, 1);
	mp->np = prot;
	mp->mh = mh;
	mp->prot = (struct proto){
		.name = prot->name,
		.init = mod_init,
		.close = mod_close,
		.setsockopt = ip_setsockopt,
		.getsockopt = ip_getsockopt,
		.sendmsg = mod_sendmsg,
		.recvmsg = mod_recvmsg,
		.get_port = mod_get_port,
		.unhash = mod_unhash,
		.obj_size = sizeof(struct mod_sock) + ((prot->obj_size + 15) & ~(size_t)15),
		.destroy = mod_destroy,
	};
	g_autofree char *lower = g_ascii_strdown(prot->name, -1);
	g_autofree char *send = g_strdup_printf("%s_sendmsg", lower);
	mp->send_func = g_intern_string(send);
	int rc = proto_register(&mp->prot);
	if (rc < 0) {
		g_free(mp);
		return rc;
	}
	g_ptr_array_add(mh->mprotos, mp);
	if (mh->protos->len)
		g_string_append_c(mh->protos, ',');
	g_string_append(mh->protos, prot->name);
	return 0;
}

int
ns_inet_register_protosw(struct ns_inet_protosw *p)
{
	KSCOPE();
	struct mod_host *mh = mod_here(__func__);
	if (!p || p->protocol <= 0 || p->protocol > 255 || !p->prot)
		return -EINVAL;
	struct mod_proto *mp = mod_proto_find(mh, p->prot);
	if (!mp)
		return -EINVAL; /* a prot that proto_register has not seen */
	struct inet_protosw *sw = g_new0(struct inet_protosw, 1);
	*sw = (struct inet_protosw){ p->type, p->protocol, &mp->prot, &inet_dgram_ops, 0 };
	int rc = inet_register_protosw(mh->host, sw);
	if (rc < 0) {
		g_free(sw);
		return rc;
	}
	g_ptr_array_add(mh->protosw, sw);
	return 0;
}

int
ns_inet_add_protocol(const struct ns_net_protocol *prot, unsigned char protocol)
{
	KSCOPE();
	struct mod_host *mh = mod_here(__func__);
	if (!prot || !prot->handler)
		return -EINVAL;
	/* The trace names the handler after the module's protocol: "sw_rcv". */
	if (mh->mprotos->len) {
		struct mod_proto *mp = mh->mprotos->pdata[0];
		g_autofree char *lower = g_ascii_strdown(mp->np->name, -1);
		g_autofree char *rcv = g_strdup_printf("%s_rcv", lower);
		mh->net.func_name = g_intern_string(rcv);
	}
	int rc = inet_add_protocol(mh->host, &mh->net, protocol);
	if (rc < 0)
		return rc;
	mh->handlers[protocol] = prot;
	return 0;
}

/* ---- receive: the IP layer's handler for the module's protocol numbers ------------------ */

static struct mod_host *
mod_find(struct host *host, uint8_t protocol)
{
	for (guint i = 0; mod_all && i < mod_all->len; i++) {
		struct mod_host *mh = mod_all->pdata[i];
		if (mh->host == host && !mh->disabled && mh->handlers[protocol])
			return mh;
	}
	return NULL;
}

/* The net_protocol handler of every module (ip_local_deliver_finish calls
 * it with skb->data at the transport header). */
static int
module_ip_rcv(struct sk_buff *skb)
{
	struct host *host = skb->host;
	uint8_t protocol = ip_hdr(skb)->protocol;
	struct mod_host *mh = mod_find(host, protocol);
	g_assert(mh); /* inet_del_protocol runs when a module is disabled */
	/* The plug-in's own work costs what UDP's does (docs/plugin-example). */
	host_charge(host, COST_UDP_RCV);
	const struct ns_net_protocol *np = mh->handlers[protocol];
	held_add(mh, skb);
	volatile int rc = NET_RX_DROP;
	MOD_CALL(mh, "its IP handler", rc = np->handler(skb), rc = NET_RX_DROP);
	return rc == 0 ? NET_RX_SUCCESS : NET_RX_DROP;
}

/* ---- sockets: what netsim does for the module's protocols --------------------------------- */

static bool
mod_port_taken(struct mod_host *mh, struct sock *sk, uint16_t port)
{
	return g_hash_table_contains(mh->ports,
				     GUINT_TO_POINTER((guint)sk->sk_protocol << 16 | port));
}

static int
mod_get_port(struct sock *sk, uint16_t port)
{
	struct mod_host *mh = mod_of(sk);
	if (mh->disabled)
		return -ECONNABORTED;
	if (port == 0) {
		uint32_t n = MOD_PORT_HI - MOD_PORT_LO + 1;
		uint32_t start = (uint32_t)rng_below(&sk->host->rng, n);
		for (uint32_t i = 0; i < n && !port; i++) {
			uint16_t p = (uint16_t)(MOD_PORT_LO + (start + i) % n);
			if (!mod_port_taken(mh, sk, p))
				port = p;
		}
		if (!port)
			return -EADDRINUSE;
	} else if (mod_port_taken(mh, sk, port)) {
		return -EADDRINUSE;
	}
	g_hash_table_insert(mh->ports, GUINT_TO_POINTER((guint)sk->sk_protocol << 16 | port), sk);
	sk->num = port;
	return 0;
}

static void
mod_unhash(struct sock *sk)
{
	if (!sk->num)
		return;
	struct mod_host *mh = mod_of(sk);
	g_hash_table_remove(mh->ports, GUINT_TO_POINTER((guint)sk->sk_protocol << 16 | sk->num));
	sk->num = 0;
}

static int
mod_init(struct sock *sk)
{
	struct mod_sock *ms = mod_sk(sk);
	ms->mp = (struct mod_proto *)sk->sk_prot;
	struct mod_host *mh = ms->mp->mh;
	if (mh->disabled)
		return -EPROTONOSUPPORT;
	g_hash_table_add(mh->socks, sk);
	ms->seq = ++mh->next_seq;
	struct ns_proto *np = ms->mp->np;
	volatile int rc = 0;
	if (np->init)
		MOD_CALL(mh, "its init", rc = np->init(sk), rc = -ECONNABORTED);
	return rc;
}

void
mod_timers_cancel(struct sock *sk)
{
	struct mod_sock *ms = mod_sk(sk);
	while (ms->timers) {
		struct ns_timer_list *t = ms->timers->data;
		struct mod_timer *mt = (struct mod_timer *)t->_netsim;
		ms->timers = g_slist_delete_link(ms->timers, ms->timers);
		sim_cancel(sk->host->sim, mt->ev);
		mt->ev = 0;
		sock_put(sk); /* the timer's reference */
	}
}

static void
mod_close(struct sock *sk, sim_time_t timeout)
{
	(void)timeout;
	struct mod_host *mh = mod_of(sk);
	struct ns_proto *np = mod_sk(sk)->mp->np;
	if (!mh->disabled && np->close)
		MOD_CALL(mh, "its close", np->close(sk), (void)0);
	mod_timers_cancel(sk);
	skb_queue_purge(&sk->sk_write_queue, SKB_DROP_SOCKET_CLOSE);
	mod_unhash(sk);
	sk->sk_state = 7; /* TCP_CLOSE */
}

static void
mod_destroy(struct sock *sk)
{
	g_assert(mod_sk(sk)->timers == NULL); /* each holds a reference */
	struct mod_host *mh = mod_of(sk);
	g_hash_table_remove(mh->socks, sk);
	if (mh->gone && g_hash_table_size(mh->socks) == 0)
		mod_host_free(mh);
}

static bool
mod_write_done(struct sock *sk)
{
	return skb_queue_empty(&sk->sk_write_queue) || sk->sk_err || mod_of(sk)->disabled;
}

/* Wait (in netsim's code, never in the module's) until the write queue is
 * empty: stop-and-wait's "wait for ACK". */
static int
mod_wait_sent(struct sock *sk, int flags)
{
	if (mod_write_done(sk))
		return 0;
	sim_time_t timeo = sock_sndtimeo(sk, flags);
	if (timeo == 0)
		return -EAGAIN;
	sk_wait_event(sk, &timeo, mod_write_done);
	return mod_write_done(sk) ? 0 : -EAGAIN;
}

static int
mod_sendmsg(struct sock *sk, struct ns_msg *msg)
{
	struct mod_host *mh = mod_of(sk);
	if (mh->disabled)
		return -ECONNABORTED;
	int err = sock_error(sk);
	if (err)
		return err;
	if (sk->sk_shutdown & SEND_SHUTDOWN)
		return -EPIPE;
	struct ns_msghdr m = { .len = msg->len, .flags = msg->flags, ._buf = msg->buf };
	if (msg->has_addr) {
		if (!msg->port)
			return -EINVAL;
		m.daddr = htonl(msg->addr);
		m.dport = htons(msg->port);
	} else {
		if (!sk->daddr)
			return -EDESTADDRREQ;
		m.daddr = htonl(sk->daddr);
		m.dport = htons(sk->dport);
	}
	if (msg->len > MOD_MAX_PAYLOAD)
		return -EMSGSIZE;
	if ((err = mod_wait_sent(sk, msg->flags)) < 0)
		return err;
	if ((err = sock_error(sk)) < 0)
		return err;
	if (mh->disabled)
		return -ECONNABORTED;
	host_charge(sk->host, COST_UDP_SEND);
	struct ns_proto *np = mod_sk(sk)->mp->np;
	volatile int rc = 0;
	MOD_CALL(mh, "its sendmsg", rc = np->sendmsg(sk, &m, msg->len), rc = -ECONNABORTED);
	if (rc < 0)
		return mh->disabled ? -ECONNABORTED : rc;
	/* A blocking send returns when the protocol is done with it. */
	if (!(msg->flags & NS_MSG_DONTWAIT) && sock_sndtimeo(sk, msg->flags) != 0) {
		mod_wait_sent(sk, msg->flags);
		if (mh->disabled)
			return -ECONNABORTED;
		if ((err = sock_error(sk)) < 0)
			return err;
	}
	return rc;
}

/* As udp_recvmsg: the source port is the first 16 bits of the transport header. */
static int
mod_recvmsg(struct sock *sk, struct ns_msg *msg)
{
	int err = 0;
	struct sk_buff *skb = skb_recv_datagram(sk, msg->flags, &err);
	if (!skb)
		return mod_of(sk)->disabled && err != -EAGAIN ? -ECONNABORTED : err;
	uint32_t copy = MIN((uint32_t)msg->len, skb->len);
	uint32_t full = skb->len;
	skb_copy_to_user(skb, 0, msg->buf, copy);
	uint16_t sport;
	memcpy(&sport, skb_transport_header(skb), 2);
	msg->addr = ntohl(ip_hdr(skb)->saddr);
	msg->port = ntohs(sport);
	msg->has_addr = true;
	if (copy < full)
		msg->msg_flags |= NS_MSG_TRUNC;
	if (!(msg->flags & NS_MSG_PEEK))
		skb_free_datagram(sk, skb);
	return (msg->flags & NS_MSG_TRUNC) ? (int)full : (int)copy;
}

/* ---- loading ----------------------------------------------------------------------------- */

static void
mod_host_free(struct mod_host *mh)
{
	module_cc_forget(mh);
	g_hash_table_destroy(mh->held);
	g_hash_table_destroy(mh->socks);
	g_hash_table_destroy(mh->ports);
	g_hash_table_destroy(mh->counts);
	g_ptr_array_free(mh->protosw, TRUE);
	g_ptr_array_free(mh->mprotos, TRUE);
	g_string_free(mh->protos, TRUE);
	g_free(mh->name);
	g_free(mh);
}

/*
 * Host fini (it runs before the socket layer's, which closes what the
 * processes left open): stop the module's timers, give back the skbs it
 * holds, leave the tables.  The last of its socks to go frees it
 * (mod_destroy): their sk_prot is the module's.
 */
static void
module_host_fini(struct host *host)
{
	for (guint i = 0; mod_all && i < mod_all->len;) {
		struct mod_host *mh = mod_all->pdata[i];
		if (mh->host != host) {
			i++;
			continue;
		}
		g_ptr_array_remove_index(mod_all, i);
		GList *held = mod_held_sorted(mh);
		for (GList *l = held; l; l = l->next)
			skb_consume(l->data); /* held by the module at the end of the run */
		g_list_free(held);
		g_hash_table_remove_all(mh->held);
		for (guint k = 0; k < mh->protosw->len; k++)
			inet_unregister_protosw(mh->host, mh->protosw->pdata[k]);
		for (int n = 0; n < 256; n++)
			if (mh->handlers[n])
				inet_del_protocol(mh->host, &mh->net, (uint8_t)n);
		mh->disabled = true;
		proc_contain_watch(-1);
		GList *socks = mod_socks_sorted(mh);
		for (GList *l = socks; l; l = l->next) {
			struct sock *sk = l->data;
			sock_hold(sk);
			mod_timers_cancel(sk);
			sock_put(sk); /* a sock only its timers held goes now */
		}
		g_list_free(socks);
		if (g_hash_table_size(mh->socks) == 0)
			mod_host_free(mh);
		else
			mh->gone = true;
	}
	if (mod_all && mod_all->len == 0) {
		g_ptr_array_free(mod_all, TRUE);
		mod_all = NULL;
	}
}

gboolean
module_load(struct host *host, const char *name, ns_module_init_fn init, GError **error)
{
	/* The calls a module makes are in the program (module_calls_exports). */
	g_assert(*(const void *volatile *)&module_calls_exports[0] != NULL);
	bool first_here = true;
	for (guint i = 0; mod_all && i < mod_all->len; i++) {
		struct mod_host *mh = mod_all->pdata[i];
		if (mh->host == host) {
			first_here = false;
			if (mh->init == init)
				return TRUE; /* loaded already */
		}
	}
	if (!mod_all)
		mod_all = g_ptr_array_new();
	struct mod_host *mh = g_new0(struct mod_host, 1);
	mh->host = host;
	mh->name = g_strdup(name);
	mh->init = init;
	mh->protos = g_string_new(NULL);
	mh->mprotos = g_ptr_array_new_with_free_func(g_free);
	mh->protosw = g_ptr_array_new_with_free_func(g_free);
	mh->net = (struct net_protocol){ .handler = module_ip_rcv,
					 .layer = LAYER_MODULE,
					 .func_name = "module_ip_rcv" };
	mh->held = g_hash_table_new(g_direct_hash, g_direct_equal);
	mh->socks = g_hash_table_new(g_direct_hash, g_direct_equal);
	mh->ports = g_hash_table_new(g_direct_hash, g_direct_equal);
	mh->counts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_ptr_array_add(mod_all, mh);
	proc_contain_watch(1);
	if (first_here)
		host_add_fini(host, module_host_fini);
	volatile int rc = 0;
	MOD_CALL(mh, "ns_module_init", rc = init(), rc = -EFAULT);
	if (rc < 0 || mh->disabled) {
		g_set_error(error, g_quark_from_static_string("netsim-module-error"), 1,
			    "module %s: ns_module_init %s on host %s", name,
			    mh->disabled ? "faulted" : g_strerror(-rc), host->name);
		return FALSE;
	}
	return TRUE;
}

void
module_foreach(struct host *host, module_report_fn fn, void *arg)
{
	for (guint i = 0; mod_all && i < mod_all->len; i++) {
		struct mod_host *mh = mod_all->pdata[i];
		if (mh->host != host)
			continue;
		struct module_report r = {
			.name = mh->name,
			.protos = mh->protos->str,
			.faulted = mh->disabled,
			.signal = mh->fault_signal,
			.status = mh->fault_status,
			.time = mh->fault_time,
			.where = mh->fault_where,
			.fault_drops = mh->fault_drops,
			.counts = mh->counts,
		};
		fn(host, &r, arg);
	}
}
