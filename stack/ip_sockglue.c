/*
 * stack/ip_sockglue.c - socket options of the IP level (IP_TTL, IP_HDRINCL,
 * ...), as Linux net/ipv4/ip_sockglue.c (do_ip_setsockopt, do_ip_getsockopt).
 */
#include "stack/ipv4.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include "stack/arp.h"
#include "stack/eth.h"
#include "stack/host.h"
#include "stack/icmp.h"
#include "stack/ip_tables.h"
#include "stack/ip_frag.h"
#include "stack/ip_int.h"
#include "stack/netfilter.h"
#include "stack/raw.h"
#include "stack/route.h"
#include "stack/sock.h"
#include "stack/udp.h"
#include "trace/trace.h"

/* ---- socket options of the IP level (Linux net/ipv4/ip_sockglue.c) ---------- */

int
ip_setsockopt(struct sock *sk, int level, int optname, const void *val, size_t len)
{
	if (level != NS_SOL_IP || optname != NS_IP_TTL)
		return -ENOPROTOOPT;
	if (len < sizeof(int))
		return -EINVAL;
	int v;
	memcpy(&v, val, sizeof(v));
	if (v == -1)
		v = 0; /* Linux: -1 means the default */
	if (v < 0 || v > 255)
		return -EINVAL;
	sk->ttl = (uint8_t)v;
	return 0;
}

int
ip_getsockopt(struct sock *sk, int level, int optname, void *val, size_t *len)
{
	if (level != NS_SOL_IP || optname != NS_IP_TTL)
		return -ENOPROTOOPT;
	if (*len < sizeof(int))
		return -EINVAL;
	int v = sk->ttl ? sk->ttl : (int)ip_host_config(sk->host)->default_ttl;
	memcpy(val, &v, sizeof(v));
	*len = sizeof(v);
	return 0;
}
