/*
 * stack/eth.c - Ethernet II: building and parsing the link header.
 *
 * Linux counterpart: net/ethernet/eth.c (eth_header, eth_type_trans).
 *
 * Call chain: (neighbour output ->) eth_header -> dev_queue_xmit;
 * (driver RX) -> eth_type_trans -> netif_rx / netif_receive_skb.
 * The CPU cost of eth_type_trans and the demux (COST_ETH_RCV) is part of
 * the softirq's per-packet step (netdevice.h), not charged here.
 */
#include "stack/eth.h"

#include <stdio.h>
#include <string.h>
#include <glib.h>

const uint8_t eth_broadcast_addr[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

int
eth_header(struct sk_buff *skb, struct net_device *dev, uint16_t type, const uint8_t *daddr,
	   const uint8_t *saddr)
{
	skb->layer = LAYER_ETH;
	struct ethhdr *eh = (struct ethhdr *)skb_push(skb, ETH_HLEN);
	memcpy(eh->h_dest, daddr, ETH_ALEN);
	memcpy(eh->h_source, saddr ? saddr : dev->dev_addr, ETH_ALEN);
	eh->h_proto = g_htons(type);
	skb_reset_mac_header(skb);
	skb->protocol = type;
	skb->dev = dev;
	return ETH_HLEN;
}

uint16_t
eth_type_trans(struct sk_buff *skb, struct net_device *dev)
{
	skb->dev = dev;
	skb->layer = LAYER_ETH;
	skb_reset_mac_header(skb);
	const struct ethhdr *eh = (const struct ethhdr *)skb->data;
	skb_pull(skb, ETH_HLEN);
	skb_reset_network_header(skb);

	if (is_multicast_ether_addr(eh->h_dest))
		skb->pkt_type =
			is_broadcast_ether_addr(eh->h_dest) ? PACKET_BROADCAST : PACKET_MULTICAST;
	else if (!eth_addr_equal(eh->h_dest, dev->dev_addr))
		skb->pkt_type = PACKET_OTHERHOST;
	else
		skb->pkt_type = PACKET_HOST;

	uint16_t proto = g_ntohs(eh->h_proto);
	/* An 802.3 length field: not Ethernet II, which is all we model. */
	skb->protocol = proto >= ETH_P_802_3_MIN ? proto : 0;
	return skb->protocol;
}

bool
eth_frame_ok(const uint8_t *frame, uint32_t len, uint32_t mtu)
{
	(void)frame;
	return len >= ETH_ZLEN && len <= mtu + ETH_HLEN;
}

char *
eth_addr_fmt(const uint8_t *a, char *buf)
{
	snprintf(buf, ETH_ADDR_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2], a[3],
		 a[4], a[5]);
	return buf;
}

bool
eth_addr_parse(const char *text, uint8_t *out)
{
	uint8_t tmp[ETH_ALEN];
	const char *p = text;
	for (int i = 0; i < ETH_ALEN; i++) {
		int v = 0;
		for (int d = 0; d < 2; d++, p++) {
			int x = g_ascii_xdigit_value(*p);
			if (x < 0)
				return false;
			v = v * 16 + x;
		}
		tmp[i] = (uint8_t)v;
		if (i < ETH_ALEN - 1 && *p++ != ':')
			return false;
	}
	if (*p)
		return false;
	memcpy(out, tmp, ETH_ALEN);
	return true;
}
