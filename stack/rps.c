/*
 * stack/rps.c - RPS and RFS: the CPU whose backlog takes a received
 * packet; and the flow limit of a CPU's backlog (see rps.h for the
 * picture).
 *
 * Linux counterpart (6.6): net/core/dev.c get_rps_cpu, set_rps_cpu,
 * skb_flow_limit; include/linux/netdevice.h rps_record_sock_flow;
 * net/core/net-sysfs.c store_rps_map and store_rps_dev_flow_table_cnt;
 * net/core/sysctl_net_core.c rps_sock_flow_sysctl and
 * flow_limit_cpu_sysctl.  Not modelled: accelerated RFS
 * (ndo_rx_flow_steer, CONFIG_RFS_ACCEL), which asks the NIC to steer the
 * flow to the reader's queue.
 */
#include "stack/rps.h"

#include "stack/dev_int.h"
#include "stack/host.h"
#include "stack/rss.h"

/* roundup_pow_of_two(@n), n >= 1 */
static uint32_t
pow2_roundup(uint32_t n)
{
	uint32_t p = 1;
	while (p < n)
		p <<= 1;
	return p;
}

/* RX queue arrays of a device, made on the first rps_cpus or rps_flow_cnt */
static void
netif_rps_alloc(struct net_device *dev, uint32_t nqueues)
{
	if (dev->rps_cpus)
		return;
	dev->rps_cpus = g_new0(uint64_t, nqueues);
	dev->rps_flow_table = g_new0(struct rps_dev_flow_table *, nqueues);
	dev->num_rx_queues = nqueues;
}

void
netif_set_rps_cpus(struct net_device *dev, uint32_t nqueues, uint32_t queue, uint64_t mask)
{
	g_assert(queue < nqueues);
	netif_rps_alloc(dev, nqueues);
	dev->rps_cpus[queue] = mask;
}

void
netif_set_rps_flow_cnt(struct net_device *dev, uint32_t nqueues, uint32_t queue, uint32_t cnt)
{
	g_assert(queue < nqueues && cnt <= RPS_MAX_FLOW_ENTRIES);
	netif_rps_alloc(dev, nqueues);
	g_clear_pointer(&dev->rps_flow_table[queue], g_free);
	if (!cnt)
		return;
	/* store_rps_dev_flow_table_cnt: mask = roundup_pow_of_two(count) - 1 */
	uint32_t n = pow2_roundup(cnt);
	struct rps_dev_flow_table *t =
		g_malloc0(sizeof *t + (size_t)n * sizeof(struct rps_dev_flow));
	t->mask = n - 1;
	for (uint32_t i = 0; i < n; i++)
		t->flows[i].cpu = RPS_NO_CPU;
	dev->rps_flow_table[queue] = t;
}

void
netif_free_rps(struct net_device *dev)
{
	if (dev->rps_flow_table)
		for (uint32_t q = 0; q < dev->num_rx_queues; q++)
			g_free(dev->rps_flow_table[q]);
	g_clear_pointer(&dev->rps_flow_table, g_free);
	g_clear_pointer(&dev->rps_cpus, g_free);
}

void
rps_set_sock_flow_entries(struct host *host, uint32_t entries)
{
	g_assert(entries <= RPS_MAX_FLOW_ENTRIES);
	struct softnet_data *sd0 = softnet_of(host, 0);
	g_clear_pointer(&sd0->sock_flow_table, g_free);
	if (!entries)
		return;
	/* rps_sock_flow_sysctl: size = roundup_pow_of_two(size), every entry
	 * RPS_NO_CPU, rps_cpu_mask = roundup_pow_of_two(nr_cpu_ids) - 1 */
	uint32_t n = pow2_roundup(entries);
	struct rps_sock_flow_table *t = g_malloc(sizeof *t + (size_t)n * sizeof(uint32_t));
	t->mask = n - 1;
	t->cpu_mask = pow2_roundup(host->ncpus) - 1;
	for (uint32_t i = 0; i < n; i++)
		t->ents[i] = RPS_NO_CPU;
	sd0->sock_flow_table = t;
}

/* Linux struct sd_flow_limit: the last FLOW_LIMIT_HISTORY packets' buckets
 * and the packets per bucket among them (its count is
 * softnet_stats.flow_limit_count). */
struct sd_flow_limit {
	uint32_t history_head;
	uint16_t history[FLOW_LIMIT_HISTORY];
	uint8_t buckets[FLOW_LIMIT_TABLE_LEN];
};

void
rps_set_flow_limit_cpus(struct host *host, uint64_t mask)
{
	/* flow_limit_cpu_sysctl: a CPU leaving the mask frees its table, one
	 * joining gets a zeroed one */
	for (uint32_t i = 0; i < host->ncpus; i++) {
		struct softnet_data *sd = softnet_of(host, i);
		bool on = (mask >> i) & 1u;
		if (!on)
			g_clear_pointer(&sd->flow_limit, g_free);
		else if (!sd->flow_limit)
			sd->flow_limit = g_new0(struct sd_flow_limit, 1);
	}
}

void
rps_host_fini(struct host *host)
{
	for (uint32_t i = 0; i < host->ncpus; i++) {
		struct softnet_data *sd = softnet_of(host, i);
		g_clear_pointer(&sd->flow_limit, g_free);
		g_clear_pointer(&sd->sock_flow_table, g_free);
	}
}

void
rps_record_sock_flow(struct host *host, uint32_t hash)
{
	struct rps_sock_flow_table *t = softnet_of(host, 0)->sock_flow_table;
	if (!t || !hash)
		return;
	/* "We only give a hint, preemption can change CPU under us" */
	t->ents[hash & t->mask] = (hash & ~t->cpu_mask) | this_softnet(host)->id;
}

/*
 * skb_get_hash: the NIC's RSS hash, or (a one-queue NIC reports none) the
 * Toeplitz hash with Microsoft's key computed here (Linux: __skb_get_hash,
 * a jhash of the dissected flow keys; both spread flows evenly, and one
 * function stays to test).  0: not IPv4, no flow.
 */
static uint32_t
rps_skb_get_hash(struct sk_buff *skb)
{
	if (!skb->hash) {
		bool has;
		uint32_t len = skb->len + (uint32_t)(skb->data - (skb->head + skb->mac_header));
		uint32_t h =
			rss_hash_frame(rss_key_microsoft, skb->head + skb->mac_header, len, &has);
		skb->hash = has ? h : 0;
	}
	return skb->hash;
}

/* set_rps_cpu without CONFIG_RFS_ACCEL: the flow moves to @next_cpu and
 * counts from that backlog's present head. */
static struct rps_dev_flow *
set_rps_cpu(struct host *host, struct rps_dev_flow *rflow, uint32_t next_cpu)
{
	if (next_cpu < host->ncpus)
		rflow->last_qtail = softnet_of(host, next_cpu)->input_queue_head;
	rflow->cpu = next_cpu;
	return rflow;
}

/*
 * get_rps_cpu (net/core/dev.c, 6.6).  RFS first: when the RX queue has a
 * flow table and the host a sock flow table whose entry for this hash
 * names the reader's CPU (next_cpu), the flow goes to the CPU of its
 * flow-table entry (tcpu), which becomes next_cpu only when the old CPU's
 * backlog has taken every packet the flow put there: its input_queue_head
 * has reached the flow's last_qtail ("This guarantees that all previous
 * packets for the flow have been dequeued, thus preserving in order
 * delivery").  Otherwise RPS: the rps_cpus map indexed by
 * reciprocal_scale(hash, len) (rss_rps_cpu).  -1: neither applies; the
 * caller keeps the packet on this CPU.
 *
 * Worked example: a flow's packets go to CPU 1 (rflow->cpu = 1), the last
 * left CPU 1's backlog at tail 40 (last_qtail = 40), and the reader moves
 * to CPU 3 (the sock table now names 3).  While CPU 1's head is at 38,
 * 38 - 40 < 0: the packet still goes to CPU 1 (tail 41, last_qtail 41).
 * Once the head reaches 41, the next packet goes to CPU 3, and the entry
 * counts from CPU 3's head.
 */
int
get_rps_cpu(struct sk_buff *skb, struct rps_dev_flow **rflowp)
{
	struct net_device *dev = skb->dev;
	struct host *host = skb->host;
	uint32_t q = skb->queue_mapping ? skb->queue_mapping - 1u : 0;
	if (q >= dev->num_rx_queues)
		return -1;
	uint64_t map = dev->rps_cpus[q];
	struct rps_dev_flow_table *flow_table = dev->rps_flow_table[q];
	if (!flow_table && !map)
		return -1;
	uint32_t hash = rps_skb_get_hash(skb);
	if (!hash)
		return -1; /* Linux: hash 0, no steering */
	struct rps_sock_flow_table *sock_flow_table = softnet_of(host, 0)->sock_flow_table;
	if (flow_table && sock_flow_table) {
		uint32_t ident = sock_flow_table->ents[hash & sock_flow_table->mask];
		if ((ident ^ hash) & ~sock_flow_table->cpu_mask)
			goto try_rps; /* another flow's entry, or none */
		uint32_t next_cpu = ident & sock_flow_table->cpu_mask;
		struct rps_dev_flow *rflow = &flow_table->flows[hash & flow_table->mask];
		uint32_t tcpu = rflow->cpu;
		if (tcpu != next_cpu &&
		    (tcpu >= host->ncpus ||
		     (int32_t)(softnet_of(host, tcpu)->input_queue_head - rflow->last_qtail) >=
			     0)) {
			tcpu = next_cpu;
			rflow = set_rps_cpu(host, rflow, next_cpu);
		}
		if (tcpu < host->ncpus) {
			*rflowp = rflow;
			return (int)tcpu;
		}
	}
try_rps:
	if (map)
		return rss_rps_cpu(map, hash);
	return -1;
}

/*
 * skb_flow_limit (net/core/dev.c, 6.6): with the target backlog at least
 * half full (@qlen >= netdev_max_backlog / 2), a CPU in
 * flow_limit_cpu_bitmap drops a packet whose flow bucket (hash mod the
 * table length) has more than half of the last FLOW_LIMIT_HISTORY packets
 * this CPU enqueued while over half full: the large flows lose, the small
 * ones still get in.  The table and count are the enqueueing CPU's
 * (this_cpu_ptr), whichever backlog the packet was for.
 */
bool
skb_flow_limit(struct sk_buff *skb, uint32_t qlen)
{
	struct softnet_data *sd = this_softnet(skb->host);
	if (qlen < (sd->cfg->netdev_max_backlog >> 1))
		return false;
	struct sd_flow_limit *fl = sd->flow_limit;
	if (!fl)
		return false;
	uint32_t new_flow = rps_skb_get_hash(skb) & (FLOW_LIMIT_TABLE_LEN - 1);
	uint32_t old_flow = fl->history[fl->history_head];
	fl->history[fl->history_head] = (uint16_t)new_flow;
	fl->history_head = (fl->history_head + 1) & (FLOW_LIMIT_HISTORY - 1);
	if (fl->buckets[old_flow])
		fl->buckets[old_flow]--;
	if (++fl->buckets[new_flow] > (FLOW_LIMIT_HISTORY >> 1)) {
		sd->stats.flow_limit_count++;
		return true;
	}
	return false;
}
