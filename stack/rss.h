/*
 * stack/rss.h - Receive Side Scaling: the Toeplitz hash and the
 * indirection table that turn a received frame's flow into an RX queue.
 *
 * Linux counterpart: the NIC computes the hash in hardware; the driver
 * programs the key and the table (ethtool -X, struct ethtool_rxfh,
 * ethtool_rxfh_indir_default in include/linux/ethtool.h) and reports the
 * hash in skb->hash (skb_set_hash, PKT_HASH_TYPE_L4 / _L3).  The software
 * Toeplitz of Linux (drivers/net/... and net/core's netdev_rss_key) uses a
 * 52-byte key filled at random once per boot (netdev_rss_key_fill); netsim
 * defaults to Microsoft's published verification key (40 bytes, the first
 * 40 of the 52), which makes every run reproducible, and a NIC may draw a
 * key from its host's seeded RNG instead (rss_key = random).
 *
 * The hash input (Microsoft, "RSS Hashing Functions", NdisHashFunctionToeplitz):
 *   IPv4 with TCP or UDP, not a fragment: source address, destination
 *     address, source port, destination port (12 bytes, network order);
 *   other IPv4 (ICMP, fragments): source and destination address (8 bytes);
 *   not IPv4 (ARP ...): no hash, queue 0 (Linux: skb->hash 0, the
 *     default queue of the NIC's RSS context).
 * The queue is indir[hash % RSS_INDIR_SIZE] (hardware uses the hash's low
 * bits; the table has a power-of-two size, so that is the same).
 */
#ifndef NETSIM_STACK_RSS_H
#define NETSIM_STACK_RSS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RSS_KEY_SIZE 40	   /* Microsoft's key length; Linux NETDEV_RSS_KEY_LEN is 52 */
#define RSS_INDIR_SIZE 128 /* entries, as ixgbe/igb (mlx5: 256, i40e: 512) */
#define RSS_MAX_QUEUES 64

/* Microsoft's verification key ("Verifying the RSS Hash Calculation"). */
extern const uint8_t rss_key_microsoft[RSS_KEY_SIZE];

/* The Toeplitz hash of @len bytes of @in under @key (at least len + 4 bytes
 * of key are used: RSS_KEY_SIZE covers 36 input bytes, IPv6 with ports). */
uint32_t rss_toeplitz(const uint8_t key[RSS_KEY_SIZE], const uint8_t *in, size_t len);

/* The hash of a frame (Ethernet header first, @len bytes); sets *@has_hash
 * to false (and returns 0) when the frame is not IPv4. */
uint32_t rss_hash_frame(const uint8_t key[RSS_KEY_SIZE], const uint8_t *frame, size_t len,
			bool *has_hash);

/* An RSS context: key and indirection table (ethtool -x / -X). */
struct rss_ctx {
	uint8_t key[RSS_KEY_SIZE];
	uint16_t indir[RSS_INDIR_SIZE];
	uint32_t nqueues;
};

/* Key @key (NULL: Microsoft's), table spread over @nqueues queues as
 * ethtool_rxfh_indir_default: entry i is queue i % nqueues. */
void rss_ctx_init(struct rss_ctx *c, const uint8_t *key, uint32_t nqueues);
/* ethtool -X IF equal N: entry i is queue i % @n (n <= nqueues). */
void rss_indir_equal(struct rss_ctx *c, uint32_t n);
/* ethtool -X IF weight W0 W1 ...: queue q gets entries in proportion to
 * @w[q] (Linux ethtool's fill_indir_table order: consecutive runs).
 * Returns false when every weight is 0. */
bool rss_indir_weight(struct rss_ctx *c, const uint32_t *w, uint32_t n);
/* The RX queue of a frame. */
uint32_t rss_queue(const struct rss_ctx *c, const uint8_t *frame, size_t len);
/*
 * RPS's CPU for a flow of hash @hash among the CPUs of @mask (rps_cpus):
 * map->cpus[reciprocal_scale(hash, map->len)], the CPUs of the mask in
 * increasing order (net/core/dev.c get_rps_cpu, net-sysfs.c
 * store_rps_map; 6.6).  -1 when @mask is empty.
 */
int rss_rps_cpu(uint64_t mask, uint32_t hash);

#endif
