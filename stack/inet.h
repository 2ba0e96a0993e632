/*
 * stack/inet.h - IPv4 addresses, protocol numbers and the Internet checksum.
 *
 * Linux counterpart: include/net/checksum.h, arch/x86/include/asm/checksum.h
 * (csum_partial, csum_fold, ip_fast_csum, csum_tcpudp_magic), and
 * include/linux/inet.h (in_aton).  RFC 1071 describes the checksum, RFC 768
 * and RFC 793 the pseudo-header.  Implemented in stack/checksum.c.
 *
 * Position: used by every layer that writes or checks a checksum
 * (ipv4, icmp, udp, tcp) and by the scenario loader to parse addresses.
 *
 * Byte order: addresses and ports are in HOST byte order everywhere in the
 * API (struct sock, routes, trace), and in network byte order only inside
 * the header structs on the wire.  A checksum (sum16_t) is a 16-bit value in
 * network byte order exactly as stored in a header, like Linux's __sum16:
 * write it into the header as is, and a header that checks out sums to 0.
 */
#ifndef NETSIM_STACK_INET_H
#define NETSIM_STACK_INET_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* IP protocol numbers (the same values as stack/sock.h and Linux). */
#ifndef NS_IPPROTO_ICMP
#define NS_IPPROTO_ICMP 1
#define NS_IPPROTO_TCP 6
#define NS_IPPROTO_UDP 17
#endif

typedef uint16_t sum16_t; /* a folded, complemented checksum, network byte order */
typedef uint32_t wsum_t;  /* a 32-bit partial sum, not folded (Linux __wsum) */

/* Special addresses (host byte order). */
#define INET_ADDR_ANY 0x00000000u
#define INET_ADDR_BROADCAST 0xffffffffu
#define INET_ADDR_LOOPBACK 0x7f000001u

/* ---- the checksum (RFC 1071) --------------------------------------------- */

/* Add @len bytes at @buf to the partial sum @sum (one's complement). */
wsum_t csum_partial(const void *buf, size_t len, wsum_t sum);
/* Linux csum_partial_copy_nocheck: memcpy(@dst, @src, @len) and the
 * bytes' csum_partial(@dst, @len, 0) in one pass over them. */
wsum_t csum_partial_copy_nocheck(const void *src, void *dst, size_t len);
/*
 * The partial sum of a block that lies @offset bytes into the data summed
 * by @sum, added to it (Linux csum_block_add, include/net/checksum.h): a
 * block at an odd offset has its bytes in the other halves of the 16-bit
 * words, so its sum is rotated by 8 bits first (RFC 1071 §2(B)).
 */
static inline wsum_t
csum_block_add(wsum_t sum, wsum_t block, uint32_t offset)
{
	if (offset & 1)
		block = (block >> 8) | (block << 24);
	sum += block;
	return sum + (sum < block); /* the end-around carry (csum_add) */
}
/* Fold a partial sum to 16 bits and complement it. */
sum16_t csum_fold(wsum_t sum);
/* The checksum of an IP header of @ihl 32-bit words; 0 when it is correct. */
sum16_t ip_fast_csum(const void *iph, unsigned ihl);
/*
 * The pseudo-header of RFC 768/793 (source, destination, zero, protocol,
 * length; addresses in host byte order) added to @sum, not folded.
 */
wsum_t csum_tcpudp_nofold(uint32_t saddr, uint32_t daddr, uint32_t len, uint8_t proto, wsum_t sum);
/* The same, folded and complemented: the value to store in a UDP/TCP header. */
sum16_t csum_tcpudp_magic(uint32_t saddr, uint32_t daddr, uint32_t len, uint8_t proto, wsum_t sum);
/*
 * Incremental update (RFC 1624) of checksum *@sum when a 16-bit word of
 * the covered data changes from @from to @to (both network byte order as
 * stored).  ip_decrease_ttl uses it, as Linux does.
 */
void csum_replace2(sum16_t *sum, uint16_t from, uint16_t to);

/* ---- addresses -------------------------------------------------------------- */

#define INET_ADDRSTRLEN_NS 16

/* "10.0.0.1" into @buf (INET_ADDRSTRLEN_NS bytes); returns @buf. */
char *inet_addr_fmt(uint32_t addr, char *buf);
/* Parse a dotted quad; false (and @out untouched) when malformed. */
bool inet_addr_parse(const char *text, uint32_t *out);
/*
 * Parse "10.0.0.1/24" (a prefix length is required) into an address and a
 * prefix length 0..32.  The error message names what is wrong ("prefix
 * length 33 is larger than 32").
 */
bool ip_parse_prefix(const char *text, uint32_t *addr, uint8_t *prefixlen, GError **error);

/* The netmask of a prefix length (24 -> 255.255.255.0), host byte order. */
static inline uint32_t
inet_make_mask(uint8_t prefixlen)
{
	return prefixlen == 0 ? 0 : 0xffffffffu << (32 - prefixlen);
}

static inline bool
ipv4_is_multicast(uint32_t addr)
{
	return (addr & 0xf0000000u) == 0xe0000000u;
}

static inline bool
ipv4_is_zeronet(uint32_t addr)
{
	return (addr & 0xff000000u) == 0;
}

static inline bool
ipv4_is_loopback(uint32_t addr)
{
	return (addr & 0xff000000u) == 0x7f000000u;
}

static inline bool
ipv4_is_lbcast(uint32_t addr)
{
	return addr == INET_ADDR_BROADCAST;
}

#define INET_ERROR (inet_error_quark())
GQuark inet_error_quark(void);
enum inet_error {
	INET_ERROR_PARSE,    /* text that is not an address, prefix or route */
	INET_ERROR_INVALID,  /* well formed but not acceptable (0.0.0.0/8 as an address) */
	INET_ERROR_NODEV,    /* names an interface the host does not have */
	INET_ERROR_EXISTS,   /* the route or address is already there */
	INET_ERROR_NOTFOUND, /* no such route */
	INET_ERROR_STATE,    /* the layer is not set up on this host */
};

#endif
