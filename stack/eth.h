/*
 * stack/eth.h - Ethernet II framing.
 *
 * Linux counterpart: net/ethernet/eth.c (eth_header, eth_type_trans),
 * include/linux/etherdevice.h, include/uapi/linux/if_ether.h.
 *
 * Position in the call chain:
 *   transmit: (neighbour output ->) eth_header -> dev_queue_xmit
 *   receive:  (driver) eth_type_trans -> netif_rx / netif_receive_skb
 *
 * Only Ethernet II is modelled: a frame whose type field is an 802.3
 * length (< 0x0600) gets protocol 0 and is dropped by netif_receive_skb as
 * a bad frame.  Frames carry no FCS (as pcap shows them); the NIC pads
 * short frames to ETH_ZLEN on transmit.
 */
#ifndef NETSIM_STACK_ETH_H
#define NETSIM_STACK_ETH_H

#include <stdbool.h>
#include <stdint.h>
#include "stack/netdevice.h"
#include "stack/skbuff.h"

#define ETH_HLEN 14	   /* header: dst, src, type */
#define ETH_ZLEN 60	   /* minimum frame without FCS */
#define ETH_DATA_LEN 1500  /* default MTU */
#define ETH_FRAME_LEN 1514 /* maximum frame at the default MTU, without FCS */
#define ETH_FCS_LEN 4
#define ETH_P_802_3_MIN 0x0600

#define ETH_P_IP 0x0800
#define ETH_P_ARP 0x0806
#define ETH_P_IPV6 0x86DD

/* The header on the wire; h_proto in network byte order. */
struct ethhdr {
	uint8_t h_dest[ETH_ALEN];
	uint8_t h_source[ETH_ALEN];
	uint16_t h_proto;
} __attribute__((packed));

static inline struct ethhdr *
eth_hdr(const struct sk_buff *skb)
{
	return (struct ethhdr *)skb_mac_header(skb);
}

/*
 * Push an Ethernet header for @type (host order) to @daddr from @saddr
 * (NULL: the device's address) and set skb->protocol and the MAC header.
 * Returns ETH_HLEN.  Aborts if there is no headroom (a bug in the caller).
 */
int eth_header(struct sk_buff *skb, struct net_device *dev, uint16_t type, const uint8_t *daddr,
	       const uint8_t *saddr);

/*
 * On receive: set the MAC header and skb->dev, pull the Ethernet header,
 * set skb->pkt_type (host, broadcast, multicast, otherhost) and return the
 * protocol (host order; 0 when not Ethernet II).  Also sets skb->protocol.
 * The skb must hold at least ETH_HLEN bytes (the NIC drops runts).
 */
uint16_t eth_type_trans(struct sk_buff *skb, struct net_device *dev);

/*
 * Hardware check of a received frame: at least ETH_ZLEN bytes and at most
 * @mtu + ETH_HLEN.  Returns false for a runt or a giant.
 */
bool eth_frame_ok(const uint8_t *frame, uint32_t len, uint32_t mtu);

static inline bool
eth_addr_equal(const uint8_t *a, const uint8_t *b)
{
	for (int i = 0; i < ETH_ALEN; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

static inline bool
is_multicast_ether_addr(const uint8_t *a)
{
	return a[0] & 1;
}

static inline bool
is_broadcast_ether_addr(const uint8_t *a)
{
	return (a[0] & a[1] & a[2] & a[3] & a[4] & a[5]) == 0xff;
}

static inline bool
is_zero_ether_addr(const uint8_t *a)
{
	return (a[0] | a[1] | a[2] | a[3] | a[4] | a[5]) == 0;
}

extern const uint8_t eth_broadcast_addr[ETH_ALEN];

#define ETH_ADDR_STRLEN 18
/* "02:00:00:00:00:01"; returns @buf (ETH_ADDR_STRLEN bytes). */
char *eth_addr_fmt(const uint8_t *addr, char *buf);
/* Parse "02:00:00:00:00:01"; false (and @out untouched) if malformed. */
bool eth_addr_parse(const char *text, uint8_t *out);

#endif
