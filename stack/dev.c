/*
 * stack/dev.c - the netdev core: devices, the qdisc and transmit, and the
 * ethertype demux.
 *
 * Linux counterpart: net/core/dev.c (register_netdevice, dev_open,
 * dev_queue_xmit, __netif_receive_skb, dev_add_pack).  Seed text:
 * "Abstract device interface", "Network device drivers".
 *
 * Call chain:
 *   dev_queue_xmit -> qdisc (pfifo) -> ndo_start_xmit (the driver)
 *   (NET_RX, stack/softnet.c) -> netif_receive_skb -> packet_type.func
 *   (ip_rcv, arp_rcv)
 */
#include "stack/dev_int.h"

#include <stddef.h>
#include <errno.h>
#include <string.h>
#include "stack/eth.h"
#include "stack/gso.h"
#include "stack/host.h"
#include "stack/inet.h"
#include "stack/ipv4.h"
#include "stack/rps.h"
#include "trace/trace.h"

/* ---- protocol demux ------------------------------------------------------------------ */

void
dev_add_pack(struct host *host, struct packet_type *pt)
{
	g_assert(pt->func != NULL);
	pt->next = host->ptype_list;
	host->ptype_list = pt;
}

void
dev_remove_pack(struct host *host, struct packet_type *pt)
{
	for (struct packet_type **p = &host->ptype_list; *p; p = &(*p)->next) {
		if (*p == pt) {
			*p = pt->next;
			pt->next = NULL;
			return;
		}
	}
}

/*
 * Context: bottom halves off - the NET_RX softirq, ksoftirqd inside
 * __do_softirq, or a NAPI thread inside its poll (Linux's kerneldoc: "may
 * only be called from softirq context"); asserted in the checked build.
 */
int
netif_receive_skb(struct sk_buff *skb)
{
	/* netif_receive_skb_internal: RPS/RFS hands the packet to the backlog
	 * of the CPU get_rps_cpu picks, this one included (stack/rps.c) */
	if (G_UNLIKELY(skb->dev && dev_rps_needed(skb->dev))) {
		struct rps_dev_flow voidflow, *rflow = &voidflow;
		int cpu = get_rps_cpu(skb, &rflow);
		if (cpu >= 0) {
			host_charge(skb->host, COST_NETIF_RX); /* the enqueue */
			return enqueue_to_backlog(skb, (uint32_t)cpu, &rflow->last_qtail);
		}
	}
	return __netif_receive_skb(skb);
}

int
__netif_receive_skb(struct sk_buff *skb)
{
	struct host *host = skb->host;
	struct softnet_data *sd = this_softnet(host);
	CPU_ASSERT_BH(host->cpu);
	sd->stats.processed++;
	skb_handoff(skb, LAYER_DEV, "netif_receive_skb");
	if (skb->protocol == 0) {
		if (skb->dev)
			dev_count_drop(skb->dev, SKB_DROP_BAD_FRAME, true);
		skb_drop(skb, SKB_DROP_BAD_FRAME);
		return NET_RX_DROP;
	}
	/* O(packet types registered) per frame: two or three (IP, ARP, a
	 * plug-in's), so a list beats Linux's ptype_base hash by type here. */
	for (struct packet_type *pt = host->ptype_list; pt; pt = pt->next) {
		if (pt->type != skb->protocol)
			continue;
		skb_handoff(skb, pt->layer, pt->func_name);
		return pt->func(skb, skb->dev, pt);
	}
	sd->stats.unhandled++;
	if (skb->dev)
		dev_count_drop(skb->dev, SKB_DROP_UNHANDLED_PROTO, true);
	skb_drop(skb, SKB_DROP_UNHANDLED_PROTO);
	return NET_RX_DROP;
}

/* ---- devices ------------------------------------------------------------------------- */

static void net_tx_action(struct cpu_work *w);

struct net_device *
alloc_netdev(struct host *host, const char *name, size_t priv_size,
	     const struct net_device_ops *ops)
{
	g_assert(ops && ops->ndo_start_xmit);
	struct net_device *dev = g_new0(struct net_device, 1);
	g_strlcpy(dev->name, name, sizeof(dev->name));
	dev->host = host;
	dev->netdev_ops = ops;
	memset(dev->broadcast, 0xff, ETH_ALEN);
	dev->mtu = ETH_DATA_LEN;
	dev->hard_header_len = ETH_HLEN;
	dev->tx_queue_len = 1000;
	dev->gso_max_size = GSO_LEGACY_MAX_SIZE;
	dev->gso_max_segs = GSO_MAX_SEGS;
	skb_queue_head_init(&dev->qdisc, "qdisc", LAYER_DEV);
	dev->priv = priv_size ? g_malloc0(priv_size) : NULL;
	cpu_work_init(&dev->tx_work, net_tx_action, dev, "net_tx_action");
	return dev;
}

/*
 * A host's devices by name and by ifindex, and the tail of its list, so
 * that registering and finding a device cost the same on a router with
 * 10,000 interfaces as on a host with one (Linux: the per-namespace
 * dev_name_head and dev_index_head hashes, net/core/dev.c
 * netdev_name_node_lookup and dev_get_by_index_rcu).  Made with the first
 * device, freed with the last.
 */
struct netdev_index {
	GHashTable *by_name;   /* dev->name -> dev */
	GPtrArray *by_ifindex; /* [ifindex] -> dev or NULL */
	struct net_device *tail;
};

int
register_netdevice(struct net_device *dev)
{
	struct host *host = dev->host;
	g_assert(!dev->registered);
	if (dev_get_by_name(host, dev->name))
		g_error("host %s: a device named %s is already registered", host->name, dev->name);
	/* Linux register_netdevice: "Init, if this function is available" */
	if (dev->netdev_ops->ndo_init) {
		int err = dev->netdev_ops->ndo_init(dev);
		if (err)
			return err > 0 ? -EIO : err;
	}
	struct netdev_index *x = host->dev_index;
	if (!x) {
		x = host->dev_index = g_new0(struct netdev_index, 1);
		x->by_name = g_hash_table_new(g_str_hash, g_str_equal);
		x->by_ifindex = g_ptr_array_new();
	}
	dev->ifindex = host->next_ifindex++;
	dev->next = NULL;
	if (x->tail)
		x->tail->next = dev;
	else
		host->dev_list = dev;
	x->tail = dev;
	g_hash_table_insert(x->by_name, dev->name, dev);
	if (x->by_ifindex->len <= dev->ifindex)
		g_ptr_array_set_size(x->by_ifindex, (guint)dev->ifindex + 1);
	x->by_ifindex->pdata[dev->ifindex] = dev;
	dev->registered = true;
	return 0;
}

void
unregister_netdevice(struct net_device *dev)
{
	struct host *host = dev->host;
	struct netdev_index *x = host->dev_index;
	dev_close(dev);
	struct net_device *prev = NULL;
	for (struct net_device **p = &host->dev_list; *p; prev = *p, p = &(*p)->next) {
		if (*p == dev) {
			*p = dev->next;
			break;
		}
	}
	if (x->tail == dev)
		x->tail = prev;
	g_hash_table_remove(x->by_name, dev->name);
	x->by_ifindex->pdata[dev->ifindex] = NULL;
	if (!host->dev_list) {
		g_hash_table_destroy(x->by_name);
		g_ptr_array_free(x->by_ifindex, TRUE);
		g_free(x);
		host->dev_index = NULL;
	}
	dev->next = NULL;
	cpu_withdraw(host->cpu, &dev->tx_work);
	dev->registered = false;
}

void
free_netdev(struct net_device *dev)
{
	if (!dev)
		return;
	g_assert(!dev->registered);
	if (dev->netdev_ops->ndo_uninit)
		dev->netdev_ops->ndo_uninit(dev);
	netif_free_rps(dev); /* rps_cpus, rps_flow_cnt */
	g_free(dev->priv);
	g_free(dev);
}

int
dev_open(struct net_device *dev)
{
	if (dev->up)
		return 0;
	if (dev->netdev_ops->ndo_open) {
		int err = dev->netdev_ops->ndo_open(dev);
		if (err)
			return err;
	}
	dev->up = true;
	dev->queue_stopped = false;
	return 0;
}

void
dev_close(struct net_device *dev)
{
	if (!dev->up)
		return;
	dev->up = false;
	if (dev->netdev_ops->ndo_stop)
		dev->netdev_ops->ndo_stop(dev);
	skb_queue_purge(&dev->qdisc, SKB_DROP_QUEUE_PURGE);
}

struct net_device *
dev_get_by_name(struct host *host, const char *name)
{
	return host->dev_index ? g_hash_table_lookup(host->dev_index->by_name, name) : NULL;
}

struct net_device *
dev_get_by_index(struct host *host, uint32_t ifindex)
{
	const struct netdev_index *x = host->dev_index;
	return x && ifindex < x->by_ifindex->len ? x->by_ifindex->pdata[ifindex] : NULL;
}

struct net_device *
dev_first(struct host *host)
{
	return host->dev_list;
}

void
dev_count_drop(struct net_device *dev, enum skb_drop_reason reason, bool rx)
{
	dev->stats.drops[reason]++;
	if (rx)
		dev->stats.rx_dropped++;
	else
		dev->stats.tx_dropped++;
}

/* ---- transmit ---------------------------------------------------------------------- */

/* qdisc_run: hand skbs to the driver until the qdisc is empty or the driver stops it. */
static void
qdisc_run(struct net_device *dev)
{
	struct sk_buff *skb;
	while (dev->up && !dev->queue_stopped && (skb = skb_dequeue(&dev->qdisc)) != NULL) {
		/* Linux sch_direct_xmit -> validate_xmit_skb_list: GSO segments
		 * and the software checksum (stack/gso.c) */
		skb = validate_xmit_skb(skb, dev);
		while (skb) {
			struct sk_buff *next = skb->next;
			skb->next = NULL;
			skb_handoff(skb, LAYER_NIC, "ndo_start_xmit");
			if (dev->netdev_ops->ndo_start_xmit(skb, dev) == NETDEV_TX_BUSY) {
				/* Linux dev_requeue_skb: try again when the driver wakes
				 * the queue (the rest of a GSO list after it, in order) */
				skb_queue_head(&dev->qdisc, skb);
				for (struct sk_buff *p = skb; next; p = skb) {
					skb = next;
					next = skb->next;
					skb->next = NULL;
					skb_append(p, skb, &dev->qdisc);
				}
				dev->queue_stopped = true;
				return;
			}
			skb = next;
		}
	}
}

/*
 * ECN marking at the qdisc (IF.ecn_mark = K): an IPv4 packet with ECT(0)
 * or ECT(1) that finds K or more packets queued is marked CE (RFC 3168
 * §5), its IP checksum updated (Linux include/net/inet_ecn.h
 * IP_ECN_set_ce).  netsim's simplification: Linux marks in the AQM qdiscs
 * (sch_red with the ecn flag on the average queue, fq_codel on sojourn
 * time or ce_threshold, DCTCP's RED with min = max = K); a threshold on
 * the instantaneous length is DCTCP's K marking, enough to show the
 * signal end to end.  Not-ECT packets are queued (or tail-dropped) as
 * before.
 */
static void
qdisc_ecn_mark(struct net_device *dev, struct sk_buff *skb)
{
	if (!dev->ecn_mark || skb_queue_len(&dev->qdisc) < dev->ecn_mark ||
	    skb->protocol != ETH_P_IP)
		return;
	struct iphdr *iph = (struct iphdr *)skb_network_header(skb);
	uint8_t ecn = iph->tos & INET_ECN_MASK;
	if (ecn != INET_ECN_ECT_0 && ecn != INET_ECN_ECT_1)
		return;
	uint16_t from, to;
	memcpy(&from, iph, 2); /* version, ihl and tos: one 16-bit word */
	iph->tos |= INET_ECN_CE;
	memcpy(&to, iph, 2);
	sum16_t check = iph->check;
	csum_replace2(&check, from, to);
	iph->check = check;
	dev->ecn_marked++;
}

int
dev_queue_xmit(struct sk_buff *skb)
{
	struct net_device *dev = skb->dev;
	if (!dev)
		skb_panic(skb, "dev_queue_xmit", skb->len, "skb->dev is NULL");
	skb_handoff(skb, LAYER_DEV, "dev_queue_xmit");
	if (!dev->up) {
		dev_count_drop(dev, SKB_DROP_DEV_DOWN, false);
		skb_drop(skb, SKB_DROP_DEV_DOWN);
		return NET_XMIT_DROP;
	}
	if (skb->len > dev->mtu + dev->hard_header_len && !skb_is_gso(skb)) {
		dev_count_drop(dev, SKB_DROP_PKT_TOO_BIG, false);
		skb_drop(skb, SKB_DROP_PKT_TOO_BIG);
		return NET_XMIT_DROP;
	}
	/* pfifo: Linux pfifo_enqueue */
	if (skb_queue_len(&dev->qdisc) >= dev->tx_queue_len) {
		dev_count_drop(dev, SKB_DROP_QDISC_FULL, false);
		skb_drop(skb, SKB_DROP_QDISC_FULL);
		return NET_XMIT_DROP;
	}
	qdisc_ecn_mark(dev, skb);
	skb_queue_tail(&dev->qdisc, skb);
	qdisc_run(dev);
	return NET_XMIT_SUCCESS;
}

void
netif_stop_queue(struct net_device *dev)
{
	dev->queue_stopped = true;
}

static void
net_tx_action(struct cpu_work *w)
{
	qdisc_run(w->owner);
}

void
netif_wake_queue(struct net_device *dev)
{
	if (!dev->queue_stopped)
		return;
	dev->queue_stopped = false;
	/* Linux __netif_schedule: raise NET_TX to run the qdisc */
	if (!skb_queue_empty(&dev->qdisc) && !dev->tx_work.queued)
		cpu_submit(dev->host->cpu, &dev->tx_work, CPU_SOFTIRQ,
			   cpu_cost(dev->host->cpu, COST_SOFTIRQ_ENTRY));
}
