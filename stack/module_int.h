/*
 * stack/module_int.h - the insides of protocol modules, shared by
 * stack/module.c (loading, containment, registration, the socket side)
 * and stack/module_calls.c (the skb, IP, socket and timer calls a module
 * makes).  Nothing outside these two files includes it.
 */
#ifndef NETSIM_STACK_MODULE_INT_H
#define NETSIM_STACK_MODULE_INT_H

#include "stack/module.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "sim/proc.h"
#include "stack/af_inet.h"
#include "stack/host.h"
#include "stack/inet.h"
#include "stack/ipv4.h"
#include "stack/sock.h"
#include "trace/trace.h"
#define NETSIM_NO_PROTO_MACROS
#include "include/netsim/proto.h"

#define MOD_PORT_LO 32768 /* ephemeral ports, as net.ipv4.ip_local_port_range */
#define MOD_PORT_HI 60999
#define MOD_MAX_PAYLOAD 65000
#define NS_MSG_PEEK 0x2
#define NS_MSG_TRUNC 0x20
#define NS_MSG_DONTWAIT 0x40

/* One module (a plug-in object) on one host. */
struct mod_host {
	struct host *host;
	char *name;
	ns_module_init_fn init;
	GString *protos; /* names of its ns_proto tables */
	bool disabled;
	bool gone; /* its host's fini ran: freed with its last sock */
	int fault_signal, fault_status;
	sim_time_t fault_time;
	const char *fault_where;
	uint64_t fault_drops;
	GPtrArray *mprotos; /* struct mod_proto *, owned */
	GPtrArray *protosw; /* struct inet_protosw *, owned */
	struct net_protocol net;
	const struct ns_net_protocol *handlers[256]; /* by IP protocol number */
	GHashTable *held;			     /* skbs it holds */
	GHashTable *socks;			     /* its live socks */
	GHashTable *ports;			     /* (protocol << 16 | port) -> struct sock * */
	GHashTable *counts;			     /* ns_proto_count */
	uint64_t next_seq;			     /* mod_sock.seq */
	/* the socket whose congestion-control function runs now
	 * (stack/module_cc.c): the only one its ns_tcp_* calls may name */
	struct sock *cc_sk;
};

/* The internal struct proto made for one ns_proto on one host. */
struct mod_proto {
	struct proto prot;     /* first: sk->sk_prot points here */
	const char *send_func; /* "sw_sendmsg", interned: the trace keeps it */
	struct ns_proto *np;
	struct mod_host *mh;
};

struct mod_sock {
	struct sock sk; /* first */
	struct mod_proto *mp;
	uint64_t seq;	/* creation order, for a deterministic walk */
	GSList *timers; /* armed struct ns_timer_list * */
	_Alignas(16) unsigned char priv[];
};

/* A timer's netsim-side fields (ns_timer_list._netsim). */
struct mod_timer {
	sim_event_id ev;
	struct sock *sk;
	uint64_t unused;
};
G_STATIC_ASSERT(sizeof(struct mod_timer) <= sizeof(((struct ns_timer_list *)0)->_netsim));

/* The module whose code runs now (or that is being loaded). */
extern struct mod_host *mod_cur;

static inline struct mod_sock *
mod_sk(struct sock *sk)
{
	return (struct mod_sock *)sk;
}

static inline struct mod_host *
mod_of(struct sock *sk)
{
	return mod_sk(sk)->mp->mh;
}

/* Disable @mh after its code faulted (@sig, exit's @status) in @where. */
void mod_disable(struct mod_host *mh, int sig, int status, const char *where);
void mod_timers_cancel(struct sock *sk);

/*
 * Call into the module's code, contained.  @call is a statement; on a
 * fault the module is disabled and @on_fault runs.  mod_cur is the module
 * while its code runs (for the calls that need the host).
 */
#define MOD_CALL(mh, where, call, on_fault)                            \
	do {                                                           \
		struct proc_contain c_;                                \
		struct mod_host *volatile saved_ = mod_cur;            \
		mod_cur = (mh);                                        \
		if (PROC_CONTAIN(&c_) == 0) {                          \
			call;                                          \
			proc_contain_pop(&c_);                         \
			mod_cur = saved_;                              \
		} else {                                               \
			mod_cur = saved_;                              \
			mod_disable((mh), c_.sig, c_.status, (where)); \
			on_fault;                                      \
		}                                                      \
	} while (0)

/*
 * The exported calls: netsim's code, not the module's (a fault inside is
 * netsim's own).  KSCOPE marks it; mod_bad ends the module's call when it
 * passed something that is not its own.
 */
struct proc_contain *kscope_begin(void);
void kscope_end(struct proc_contain **c);
#define KSCOPE() \
	struct proc_contain *kscope_ __attribute__((cleanup(kscope_end), unused)) = kscope_begin()
void mod_bad(const char *call, const char *what) __attribute__((noreturn));
struct mod_host *mod_here(const char *call);
struct sk_buff *mod_skb(struct sk_buff *skb, const char *call);
struct sock *mod_sock_arg(struct sock *sk, const char *call);
void held_add(struct mod_host *mh, struct sk_buff *skb);
void held_del(struct mod_host *mh, struct sk_buff *skb);
/* stack/module_cc.c: the module's algorithms lose their module (freed). */
void module_cc_forget(struct mod_host *mh);
/* stack/module_calls.c: referred to by module_load to link that file in. */
extern const void *const module_calls_exports[];

#endif
