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
#include "stack/rss.h"
#include "stack/sock.h"
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

/* The TX queues' array: @n queues, each with its pfifo qdisc. */
static void
netdev_alloc_tx(struct net_device *dev, uint32_t n)
{
	g_free(dev->_tx);
	dev->_tx = g_new0(struct netdev_queue, n);
	dev->num_tx_queues = n;
	for (uint32_t i = 0; i < n; i++) {
		struct netdev_queue *txq = &dev->_tx[i];
		txq->dev = dev;
		txq->index = i;
		/* one queue keeps its name; mq's children are numbered (the
		 * name is made only for them: alloc_netdev makes every device
		 * with one queue, 20,002 of them at the 10,000-sender star) */
		const char *qname = "qdisc";
		if (n != 1) {
			char name[32];
			g_snprintf(name, sizeof name, "qdisc:%u", i);
			qname = g_intern_string(name);
		}
		skb_queue_head_init(&txq->qdisc, qname, LAYER_DEV);
		cpu_work_init(&txq->tx_work, net_tx_action, txq, "net_tx_action");
	}
}

void
netif_set_real_num_tx_queues(struct net_device *dev, uint32_t n)
{
	g_assert(n >= 1 && !dev->registered);
	if (n != dev->num_tx_queues)
		netdev_alloc_tx(dev, n);
}

/* The per-CPU maps are built here, once, as Linux __netif_set_xps_queue
 * does, so that choosing a queue reads one word. */
void
netif_set_xps_queue(struct net_device *dev, uint64_t mask, uint32_t index)
{
	g_assert(index < dev->num_tx_queues && index < 64);
	if (!dev->xps_cpu_queues)
		dev->xps_cpu_queues = g_new0(uint64_t, 64);
	for (uint32_t cpu = 0; cpu < 64; cpu++) {
		dev->xps_cpu_queues[cpu] &= ~(UINT64_C(1) << index);
		if ((mask >> cpu) & 1)
			dev->xps_cpu_queues[cpu] |= UINT64_C(1) << index;
	}
}

struct net_device *
alloc_netdev(struct host *host, const char *name, size_t priv_size,
	     const struct net_device_ops *ops)
{
	g_assert(ops && ops->ndo_start_xmit);
	/* One line-aligned block: the device, then its private area on the
	 * next line boundary, as Linux's alloc_netdev_mqs (net/core/dev.c)
	 * puts the private area after the struct at NETDEV_ALIGN.  The lines
	 * a frame reads of each are known (netdevice.h, stack/nic_int.h):
	 * at a 1000-sender star every sender's device and each of the
	 * router's 1001 is cold when its next frame comes. */
	size_t dev_size = (sizeof(struct net_device) + 63) & ~(size_t)63;
	struct net_device *dev = g_aligned_alloc0(1, dev_size + priv_size, 64);
	g_strlcpy(dev->name, name, sizeof(dev->name));
	dev->host = host;
	dev->netdev_ops = ops;
	memset(dev->broadcast, 0xff, ETH_ALEN);
	dev->mtu = ETH_DATA_LEN;
	dev->hard_header_len = ETH_HLEN;
	dev->tx_queue_len = 1000;
	dev->gso_max_size = GSO_LEGACY_MAX_SIZE;
	dev->gso_max_segs = GSO_MAX_SEGS;
	netdev_alloc_tx(dev, 1);
	dev->priv = priv_size ? (char *)dev + dev_size : NULL;
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
	for (uint32_t i = 0; i < dev->num_tx_queues; i++)
		cpu_withdraw(host->cpu, &dev->_tx[i].tx_work);
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
	g_free(dev->_tx);
	g_free(dev->xps_cpu_queues);
	g_aligned_free(dev); /* and its private area */
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
	for (uint32_t i = 0; i < dev->num_tx_queues; i++)
		dev->_tx[i].stopped = false;
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
	for (uint32_t i = 0; i < dev->num_tx_queues; i++)
		skb_queue_purge(&dev->_tx[i].qdisc, SKB_DROP_QUEUE_PURGE);
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

/* qdisc_run: hand skbs to the driver until the qdisc is empty or the
 * driver stops its queue. */
static void
qdisc_run(struct netdev_queue *txq)
{
	struct net_device *dev = txq->dev;
	struct sk_buff *skb;
	while (dev->up && !txq->stopped && (skb = skb_dequeue(&txq->qdisc)) != NULL) {
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
				skb_queue_head(&txq->qdisc, skb);
				for (struct sk_buff *p = skb; next; p = skb) {
					skb = next;
					next = skb->next;
					skb->next = NULL;
					skb_append(p, skb, &txq->qdisc);
				}
				txq->stopped = true;
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
qdisc_ecn_mark(struct netdev_queue *txq, struct sk_buff *skb)
{
	struct net_device *dev = txq->dev;
	if (!dev->ecn_mark || skb_queue_len(&txq->qdisc) < dev->ecn_mark ||
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

/* ---- transmit queue choice (Linux 6.6 net/core/dev.c) ---------------------------------- */

/* Linux reciprocal_scale: @val scaled into [0, @ep_ro) by its high bits. */
static inline uint32_t
reciprocal_scale(uint32_t val, uint32_t ep_ro)
{
	return (uint32_t)(((uint64_t)val * ep_ro) >> 32);
}

/*
 * skb_get_hash on transmit: the flow's hash, computed once and kept in
 * skb->hash.  netsim's is the Toeplitz hash of the 4-tuple with
 * Microsoft's key (stack/rss.h), as RPS's.  Linux takes a TCP socket's
 * sk_txhash (random per connection, skb_set_hash_from_sk) and otherwise
 * a jhash of the dissected flow keys (__skb_get_hash); both spread flows
 * over the queues by the same reciprocal_scale, and netsim's needs no
 * draw from the host's random stream.  0: not IPv4.
 */
static uint32_t
skb_tx_get_hash(struct sk_buff *skb)
{
	if (!skb->hash) {
		bool has;
		uint32_t h = rss_hash_frame(rss_key_microsoft, skb->data, skb->len, &has);
		skb->hash = has ? h : 0;
	}
	return skb->hash;
}

/* Linux sk_tx_queue_get / sk_tx_queue_set: the queue a socket's last
 * packets took, or -1. */
static int
sk_tx_queue_get(const struct sock *sk)
{
	return sk && sk->sk_tx_queue_mapping ? (int)sk->sk_tx_queue_mapping - 1 : -1;
}

static void
sk_tx_queue_set(struct sock *sk, uint32_t index)
{
	sk->sk_tx_queue_mapping = (uint16_t)(index + 1);
}

/*
 * Linux get_xps_queue, the CPU map (__get_xps_queue_idx): the queues whose
 * xps_cpus hold the sending CPU; one is the answer, several are chosen
 * among by the flow hash (reciprocal_scale), in queue order.  -1 when no
 * queue names the CPU.  (Linux first tries the RX-queue map, xps_rxqs,
 * which netsim does not have.)
 */
static int
get_xps_queue(struct net_device *dev, struct sk_buff *skb, uint32_t cpu)
{
	uint64_t queues = dev->xps_cpu_queues && cpu < 64 ? dev->xps_cpu_queues[cpu] : 0;
	if (!queues)
		return -1;
	uint32_t len = (uint32_t)__builtin_popcountll(queues);
	if (len > 1)
		for (uint32_t k = reciprocal_scale(skb_tx_get_hash(skb), len); k; k--)
			queues &= queues - 1; /* drop the lowest: the k-th is left lowest */
	return __builtin_ctzll(queues);
}

/*
 * Linux skb_tx_hash (no traffic classes): a forwarded packet keeps the
 * number of the RX queue it came in on (skb_rx_queue_recorded), folded
 * into the TX queues; a local one goes by its flow hash.
 */
static uint32_t
skb_tx_hash(struct net_device *dev, struct sk_buff *skb)
{
	uint32_t qcount = dev->num_tx_queues;
	if (skb->queue_mapping) {
		uint32_t hash = skb->queue_mapping - 1u;
		while (hash >= qcount)
			hash -= qcount;
		return hash;
	}
	return reciprocal_scale(skb_tx_get_hash(skb), qcount);
}

/*
 * Linux netdev_pick_tx.  The socket's queue is kept only for a connected
 * socket, which has a cached route (Linux: sk_fullsock with sk_dst_cache;
 * netsim: a peer address and not TIME_WAIT), and is re-chosen when the
 * skb says reordering is harmless (skb->ooo_okay: TCP with nothing in
 * flight, tcp_xmit).
 */
static uint32_t
netdev_pick_tx(struct net_device *dev, struct sk_buff *skb)
{
	struct sock *sk = skb->sk;
	int queue_index = sk_tx_queue_get(sk);
	if (queue_index < 0 || skb->ooo_okay || (uint32_t)queue_index >= dev->num_tx_queues) {
		uint32_t cpu = this_softnet(dev->host)->id; /* skb->sender_cpu - 1 */
		int new_index = get_xps_queue(dev, skb, cpu);
		if (new_index < 0)
			new_index = (int)skb_tx_hash(dev, skb);
		if (queue_index != new_index && sk && sk->daddr && sk_fullsock(sk))
			sk_tx_queue_set(sk, (uint32_t)new_index);
		queue_index = new_index;
	}
	return (uint32_t)queue_index;
}

struct netdev_queue *
netdev_core_pick_tx(struct net_device *dev, struct sk_buff *skb)
{
	uint32_t queue_index = 0;
	if (dev->num_tx_queues != 1)
		queue_index = netdev_pick_tx(dev, skb);
	skb->queue_mapping = (uint16_t)queue_index; /* skb_set_queue_mapping */
	return netdev_get_tx_queue(dev, queue_index);
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
	struct netdev_queue *txq = netdev_core_pick_tx(dev, skb);
	/* pfifo: Linux pfifo_enqueue (mq's child: its own limit) */
	if (skb_queue_len(&txq->qdisc) >= dev->tx_queue_len) {
		txq->qdisc_drops++;
		dev_count_drop(dev, SKB_DROP_QDISC_FULL, false);
		skb_drop(skb, SKB_DROP_QDISC_FULL);
		return NET_XMIT_DROP;
	}
	qdisc_ecn_mark(txq, skb);
	skb_queue_tail(&txq->qdisc, skb);
	qdisc_run(txq);
	return NET_XMIT_SUCCESS;
}

void
netif_tx_stop_queue(struct netdev_queue *txq)
{
	txq->stopped = true;
}

static void
net_tx_action(struct cpu_work *w)
{
	qdisc_run(w->owner);
}

void
netif_tx_wake_queue(struct netdev_queue *txq)
{
	if (!txq->stopped)
		return;
	txq->stopped = false;
	/* Linux __netif_schedule: raise NET_TX to run the qdisc */
	struct host *host = txq->dev->host;
	if (!skb_queue_empty(&txq->qdisc) && !txq->tx_work.queued)
		cpu_submit(host->cpu, &txq->tx_work, CPU_SOFTIRQ,
			   cpu_cost(host->cpu, COST_SOFTIRQ_ENTRY));
}
