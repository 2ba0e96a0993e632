/*
 * stack/af_inet.h - the AF_INET socket types (stack/af_inet.c): for a
 * (type, protocol) of socket(), the struct proto of the transport and the
 * proto_ops the socket layer calls.
 */
#ifndef NETSIM_STACK_AF_INET_H
#define NETSIM_STACK_AF_INET_H

#include "stack/sock.h"

struct proto_ops;

struct host;

/* Linux struct inet_protosw. */
struct inet_protosw {
	int type;
	int protocol;
	const struct proto *prot;
	const struct proto_ops *ops;
	unsigned flags; /* INET_PROTOSW_PERMANENT */
};
#define INET_PROTOSW_PERMANENT 0x02 /* Linux: may not be overridden */
#define NS_SOCK_MAX 11		    /* Linux SOCK_MAX (SOCK_PACKET + 1) */

/*
 * The entry serving socket(AF_INET, @type, @protocol) on @host; @protocol
 * 0 takes the type's default.  NULL with *@err = -ESOCKTNOSUPPORT (unknown
 * type), -EPROTONOSUPPORT (known type, other protocol) or -EINVAL.
 */
const struct inet_protosw *inet_protosw_lookup(struct host *host, int type, int protocol, int *err);

/*
 * Linux proto_register: check @prot (the required entries of struct proto
 * and obj_size) before a protosw may use it.  0 or -EINVAL.
 */
int proto_register(const struct proto *prot);
/*
 * Linux inet_register_protosw: make @p serve socket() on @host, after the
 * permanent entries of its type and before the others.  -EINVAL for a type
 * >= SOCK_MAX, a proto_ops table that is not AF_INET's or lacks one of the
 * calls the socket layer makes, or a struct proto proto_register refuses, -EPERM for a
 * protocol a permanent entry of the type has (Linux prints "Attempt to
 * override permanent protocol" and returns nothing).  @p must outlive the
 * host.
 */
int inet_register_protosw(struct host *host, const struct inet_protosw *p);
void inet_unregister_protosw(struct host *host, const struct inet_protosw *p);
/* Linux inet_dgram_ops: the socket calls of every datagram protocol (UDP,
 * raw, and those plug-ins register, stack/module.c). */
extern const struct proto_ops inet_dgram_ops;
/* Boot (Linux inet_init): register TCP, UDP and raw on @host.  Called by
 * socket_host_init. */
void inet_protosw_init(struct host *host);

#endif
