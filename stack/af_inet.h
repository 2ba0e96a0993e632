/*
 * stack/af_inet.h - the AF_INET socket types (stack/af_inet.c): for a
 * (type, protocol) of socket(), the struct proto of the transport and the
 * proto_ops the socket layer calls.
 */
#ifndef NETSIM_STACK_AF_INET_H
#define NETSIM_STACK_AF_INET_H

#include "stack/sock.h"

struct proto_ops;

/* Linux struct inet_protosw. */
struct inet_protosw {
	int type;
	int protocol;
	const struct proto *prot;
	const struct proto_ops *ops;
};

/*
 * The entry serving socket(AF_INET, @type, @protocol); @protocol 0 takes
 * the type's default.  NULL with *@err = -ESOCKTNOSUPPORT (unknown type)
 * or -EPROTONOSUPPORT (known type, other protocol).
 */
const struct inet_protosw *inet_protosw_lookup(int type, int protocol, int *err);

#endif
