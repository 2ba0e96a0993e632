/*
 * stack/module.h - transport protocols that plug-ins register
 * (<netsim/proto.h>, implemented by stack/module.c): loading a module on
 * a host, and what the summary and the metrics say about it.
 *
 * Linux counterpart: kernel/module (load_module -> do_init_module calls
 * the module's init function), and the registration calls the module
 * makes (net/core/sock.c proto_register, net/ipv4/af_inet.c
 * inet_register_protosw, net/ipv4/protocol.c inet_add_protocol).
 */
#ifndef NETSIM_STACK_MODULE_H
#define NETSIM_STACK_MODULE_H

#include <glib.h>
#include <stdint.h>
#include "sim/sim.h"

struct host;

/* A plug-in's int ns_module_init(void). */
typedef int (*ns_module_init_fn)(void);

/*
 * Run @init on @host (once per host and object: a second program of the
 * same object on the host finds it loaded), contained like the module's
 * other code.  @name is the object's file name, for messages.  FALSE and
 * @error when it returns an error or faults.
 */
gboolean module_load(struct host *host, const char *name, ns_module_init_fn init, GError **error);

/* A congestion control a module registered on @host under @name
 * (<netsim/tcp_cong.h>, stack/module_cc.c), or NULL (none, or its module
 * is disabled): tcp_set_congestion_control looks here after the built-in
 * ones. */
struct tcp_congestion_ops;
const struct tcp_congestion_ops *module_cc_find(const struct host *host, const char *name);

/* What one module did on one host, for the summary and the metrics. */
struct module_report {
	const char *name;     /* the object's file name */
	const char *protos;   /* the names of its ns_proto tables, "SW" */
	int faulted;	      /* 1 once its code faulted (it is disabled) */
	int signal;	      /* the fault's signal (SIGXCPU: a spin; 0: exit()) */
	int status;	      /* exit()'s status */
	sim_time_t time;      /* when */
	const char *where;    /* "its IP handler", "a timer", "sendmsg", ... */
	uint64_t fault_drops; /* skbs it held, dropped with reason module_fault */
	GHashTable *counts;   /* name -> uint64_t *: ns_proto_count figures */
};
typedef void (*module_report_fn)(struct host *host, const struct module_report *r, void *arg);
/* Call @fn for every module loaded on @host, in load order. */
void module_foreach(struct host *host, module_report_fn fn, void *arg);

#endif
