/*
 * stack/rss.c - Receive Side Scaling: Toeplitz hash, indirection table.
 *
 * The hash is Microsoft's NdisHashFunctionToeplitz ("RSS Hashing
 * Functions"): for every input bit that is 1, from the most significant
 * bit of the first byte on, XOR in the leftmost 32 bits of the key, then
 * shift the key left by one bit.  This is what NICs compute in hardware
 * and what Linux's software copy of it does (for instance the
 * toeplitz selftest, tools/testing/selftests/net/toeplitz.c, 6.6).
 * tests/test_rss.c checks it against Microsoft's published vectors.
 */
#include "stack/rss.h"

#include <string.h>
#include "stack/eth.h"
#include "stack/inet.h"

const uint8_t rss_key_microsoft[RSS_KEY_SIZE] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
	0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
	0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

uint32_t
rss_toeplitz(const uint8_t key[RSS_KEY_SIZE], const uint8_t *in, size_t len)
{
	if (len > RSS_KEY_SIZE - 4)
		len = RSS_KEY_SIZE - 4;
	/* the 32-bit window of the key, and the key bits still to shift in */
	uint32_t v =
		(uint32_t)key[0] << 24 | (uint32_t)key[1] << 16 | (uint32_t)key[2] << 8 | key[3];
	uint32_t hash = 0;
	for (size_t i = 0; i < len; i++) {
		uint8_t next = key[i + 4];
		for (int b = 7; b >= 0; b--) {
			if (in[i] & (1u << b))
				hash ^= v;
			v = v << 1 | ((next >> b) & 1u);
		}
	}
	return hash;
}

uint32_t
rss_hash_frame(const uint8_t key[RSS_KEY_SIZE], const uint8_t *frame, size_t len, bool *has_hash)
{
	*has_hash = false;
	if (len < ETH_HLEN + 20 || (frame[12] << 8 | frame[13]) != ETH_P_IP)
		return 0;
	const uint8_t *ip = frame + ETH_HLEN;
	unsigned ihl = (ip[0] & 0x0f) * 4u;
	if ((ip[0] >> 4) != 4 || ihl < 20 || len < ETH_HLEN + ihl)
		return 0;
	uint8_t in[12];
	memcpy(in, ip + 12, 8); /* source, destination address */
	size_t n = 8;
	bool frag = (ip[6] & 0x3f) != 0 || ip[7] != 0; /* MF or an offset */
	uint8_t proto = ip[9];
	if (!frag && (proto == NS_IPPROTO_TCP || proto == NS_IPPROTO_UDP) &&
	    len >= ETH_HLEN + ihl + 4) {
		memcpy(in + 8, ip + ihl, 4); /* source port, destination port */
		n = 12;
	}
	*has_hash = true;
	return rss_toeplitz(key, in, n);
}

void
rss_ctx_init(struct rss_ctx *c, const uint8_t *key, uint32_t nqueues)
{
	memcpy(c->key, key ? key : rss_key_microsoft, RSS_KEY_SIZE);
	c->nqueues = nqueues ? nqueues : 1;
	rss_indir_equal(c, c->nqueues);
}

void
rss_indir_equal(struct rss_ctx *c, uint32_t n)
{
	if (n == 0 || n > c->nqueues)
		n = c->nqueues;
	for (uint32_t i = 0; i < RSS_INDIR_SIZE; i++)
		c->indir[i] = (uint16_t)(i % n); /* ethtool_rxfh_indir_default */
}

/* ethtool's fill_indir_table (ethtool.c): the sum of the weights is spread
 * over the table, each queue taking a run of entries in proportion. */
bool
rss_indir_weight(struct rss_ctx *c, const uint32_t *w, uint32_t n)
{
	uint64_t sum = 0, partial = 0;
	uint32_t j = (uint32_t)-1;
	if (n > c->nqueues)
		n = c->nqueues;
	for (uint32_t q = 0; q < n; q++)
		sum += w[q];
	if (sum == 0)
		return false;
	for (uint32_t i = 0; i < RSS_INDIR_SIZE; i++) {
		while (i >= RSS_INDIR_SIZE * partial / sum) {
			j++;
			partial += w[j];
		}
		c->indir[i] = (uint16_t)j;
	}
	return true;
}

uint32_t
rss_queue(const struct rss_ctx *c, const uint8_t *frame, size_t len)
{
	if (c->nqueues <= 1)
		return 0;
	bool has;
	uint32_t h = rss_hash_frame(c->key, frame, len, &has);
	return has ? c->indir[h % RSS_INDIR_SIZE] : 0;
}

int
rss_rps_cpu(uint64_t mask, uint32_t hash)
{
	uint32_t n = (uint32_t)__builtin_popcountll(mask);
	if (n == 0)
		return -1;
	/* reciprocal_scale (include/linux/kernel.h): (u32)(((u64)val * ep_ro) >> 32) */
	uint32_t k = (uint32_t)(((uint64_t)hash * n) >> 32);
	for (int cpu = 0; cpu < 64; cpu++)
		if ((mask >> cpu) & 1u && k-- == 0)
			return cpu;
	return -1;
}
