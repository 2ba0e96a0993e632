/*
 * cli/build_net.c - links and interfaces from a scenario.
 *
 *   [link L]       rate, delay, loss, loss_ab, loss_ba, overhead, min_frame,
 *                  mtu, down_at, up_at (sim/wire.h); end a (side 0) is the
 *                  first interface to name L, in the file's order;
 *                  tap = DEV and tap.* (cli/build_tap.c)
 *   [host H]       IF.link = L, IF.mac = 02:00:00:00:00:01, and the NIC's
 *                  keys as IF.KEY (stack/nic.h: IF.napi, IF.weight,
 *                  IF.rx_ring, IF.rx_usecs, ...), IF.address (IPv4)
 *
 * An interface exists when its host has a key IF.something; "cpu" is the
 * cost table, not an interface.  A link joins exactly two interfaces.
 */
#include <string.h>
#include "cli/world_int.h"
#include "stack/eth.h"
#include "stack/netdevice.h"
#include "stack/nic.h"
#include "stack/rps.h"
#include "stack/rss.h"

bool
build_links(struct world *w, GError **error)
{
	g_autoptr(GPtrArray) groups = scenario_groups_with_prefix(w->sc, "link");
	for (guint i = 0; i < groups->len; i++) {
		const char *g = groups->pdata[i];
		const char *name = g + strlen("link ");
		struct world_link *l = g_new0(struct world_link, 1);
		l->name = g_strdup(name);
		l->group = g;
		wire_config_init(&l->cfg);
		g_ptr_array_add(w->link_order, l);
		g_hash_table_insert(w->links, l->name, l);
		if (!scenario_apply_conf(w->sc, g, NULL, wire_conf_keys, &l->cfg, error))
			return false;
		if (l->cfg.up_at && l->cfg.up_at <= l->cfg.down_at)
			return scenario_fail(w->sc, error, g, "up_at", "must come after down_at");
		if (l->cfg.up_at && !l->cfg.down_at)
			return scenario_fail(w->sc, error, g, "up_at",
					     "a link comes up only after down_at");
		l->wire = wire_new(w->sim, name, &l->cfg, w->seed);
		if (!build_tap_config(w, l, error))
			return false;
	}
	return true;
}

/* The CPU mask of the per-queue key IF.<dir>Q.<name> (rx: smp_affinity,
 * rps_cpus; tx: xps_cpus): 1 with *@mask set, 0 when the key is absent,
 * -1 (error set) when it is not a mask (0x6) or a list (1-2) of this
 * host's CPUs. */
/* The key "IF.DIRQ.NAME" (eth0.rx1.rps_cpus) in @buf, made without printf:
 * three of them an interface, 60,000 in a 10,000-host check. */
#define QKEY_SIZE (IFNAMSIZ + 48)
static const char *
queue_key(char buf[QKEY_SIZE], const char *ifname, const char *dir, uint32_t q, const char *name)
{
	char digits[12], *d = digits + sizeof digits;
	g_assert(strlen(ifname) + strlen(dir) + strlen(name) + sizeof digits + 2 < QKEY_SIZE);
	*--d = 0;
	do
		*--d = (char)('0' + q % 10);
	while ((q /= 10) > 0);
	char *p = g_stpcpy(g_stpcpy(g_stpcpy(buf, ifname), "."), dir);
	g_stpcpy(g_stpcpy(g_stpcpy(p, d), "."), name);
	return buf;
}

static int
queue_cpu_mask(struct world *w, const struct host *h, const char *group, const char *ifname,
	       const char *dir, uint32_t q, const char *name, uint64_t *mask, GError **error)
{
	char buf[QKEY_SIZE];
	const char *key = queue_key(buf, ifname, dir, q, name);
	const char *v = scenario_get(w->sc, group, key);
	if (!v)
		return 0;
	if (!cpu_parse_mask(v, h->ncpus, mask)) {
		scenario_fail(
			w->sc, error, group, key,
			"'%s' is not a mask (0x6) or list (1-2, 0,3) of this host's CPUs 0..%u", v,
			h->ncpus - 1);
		return -1;
	}
	return 1;
}

static bool
attach_link(struct world *w, struct host *h, struct nic *nic, const char *group, const char *ifname,
	    GError **error)
{
	char key[IFNAMSIZ + sizeof ".link"];
	g_stpcpy(g_stpcpy(key, ifname), ".link"); /* ifname is shorter than IFNAMSIZ */
	const char *link = scenario_get(w->sc, group, key);
	if (!link)
		return true;
	struct world_link *l = g_hash_table_lookup(w->links, link);
	if (!l)
		return scenario_fail(w->sc, error, group, key, "no [link %s] is declared", link);
	if (l->nends == 2)
		return scenario_fail(w->sc, error, group, key, "link %s already joins %s and %s",
				     link, l->ends[0], l->ends[1]);
	if (l->nends == 1 && l->tap_cfg)
		return scenario_fail(w->sc, error, group, key,
				     "link %s already joins %s and the TAP device %s", link,
				     l->ends[0], l->tap_cfg->dev);
	l->ends[l->nends] = g_strconcat(h->name, ".", ifname, NULL);
	nic_connect(nic, l->wire, l->nends++);
	return true;
}

bool
build_interfaces(struct world *w, struct host *h, const char *group, GError **error)
{
	/* The interfaces: the parts before the first '.' of the keys, in the order
	 * of their first key, but "cpu" (cost keys). */
	const GPtrArray *names = scenario_key_prefixes(w->sc, group);
	for (guint i = 0; i < names->len; i++) {
		const char *ifname = names->pdata[i];
		if (!*ifname || strcmp(ifname, "cpu") == 0)
			continue;
		if (strlen(ifname) >= IFNAMSIZ || !g_ascii_isalpha(ifname[0]))
			return scenario_fail(
				w->sc, error, group, NULL,
				"interface name '%s' must start with a letter and have at "
				"most %d characters",
				ifname, IFNAMSIZ - 1);
		struct nic_config cfg;
		nic_config_init(&cfg);
		if (!scenario_apply_conf(w->sc, group, ifname, nic_conf_keys, &cfg, error))
			return false;
		g_autoptr(GError) sub = NULL;
		if (!nic_config_check(&cfg, &sub))
			return scenario_fail(w->sc, error, group, NULL, "%s: %s", ifname,
					     sub->message);
		uint8_t mac[ETH_ALEN];
		char mkey[IFNAMSIZ + sizeof ".mac"];
		g_stpcpy(g_stpcpy(mkey, ifname), ".mac");
		const char *v = scenario_get(w->sc, group, mkey);
		if (v &&
		    (!eth_addr_parse(v, mac) || is_multicast_ether_addr(mac) ||
		     is_zero_ether_addr(mac)))
			return scenario_fail(
				w->sc, error, group, mkey,
				"'%s' is not a unicast MAC address like 02:00:00:00:00:01", v);
		struct nic *nic = nic_new(h, ifname, v ? mac : NULL, &cfg);
		/* IF.rxI.smp_affinity = 0x4 (or a CPU list, smp_affinity_list),
		 * IF.rxI.rps_cpus = 0xe (/sys/class/net/IF/queues/rx-I/rps_cpus) */
		for (uint32_t q = 0; q < nic_rx_queues(nic); q++) {
			uint64_t mask;
			int r = queue_cpu_mask(w, h, group, ifname, "rx", q, "smp_affinity", &mask,
					       error);
			if (r < 0)
				return false;
			/* a parsed mask is non-empty and within the host's CPUs */
			if (r > 0 && !nic_set_irq_affinity(nic, q, mask))
				g_assert_not_reached();
			r = queue_cpu_mask(w, h, group, ifname, "rx", q, "rps_cpus", &mask, error);
			if (r < 0)
				return false;
			if (r > 0)
				netif_set_rps_cpus(nic_dev(nic), nic_rx_queues(nic), q, mask);
			/* IF.rxI.rps_flow_cnt = 4096 (RFS, rx-I/rps_flow_cnt) */
			char fbuf[QKEY_SIZE];
			const char *fkey = queue_key(fbuf, ifname, "rx", q, "rps_flow_cnt");
			const char *fv = scenario_get(w->sc, group, fkey);
			if (fv) {
				char *end;
				guint64 cnt = g_ascii_strtoull(fv, &end, 10);
				if (!g_ascii_isdigit(*fv) || *end || cnt > RPS_MAX_FLOW_ENTRIES)
					return scenario_fail(w->sc, error, group, fkey,
							     "'%s' is not a number of flow entries "
							     "0..%u",
							     fv, RPS_MAX_FLOW_ENTRIES);
				netif_set_rps_flow_cnt(nic_dev(nic), nic_rx_queues(nic), q,
						       (uint32_t)cnt);
			}
		}
		/* IF.txK.xps_cpus = 0x2 (/sys/class/net/IF/queues/tx-K/xps_cpus) */
		for (uint32_t q = 0; q < nic_tx_queues(nic); q++) {
			uint64_t mask;
			int r = queue_cpu_mask(w, h, group, ifname, "tx", q, "xps_cpus", &mask,
					       error);
			if (r < 0)
				return false;
			if (r > 0)
				netif_set_xps_queue(nic_dev(nic), mask, q);
		}
		if (!attach_link(w, h, nic, group, ifname, error))
			return false;
		if (w->opt.pcap_dir) {
			struct trace_pcap *p =
				trace_pcap_open(w->opt.pcap_dir, h->name, ifname, error);
			if (!p)
				return false;
			nic_set_pcap(nic, p);
		}
		if (!w->opt.check_only && dev_open(nic_dev(nic)) != 0)
			return scenario_fail(w->sc, error, group, NULL,
					     "interface %s could not be brought up", ifname);
		if (!inet_address(w, nic_dev(nic), group, error))
			return false;
	}
	return true;
}

void
net_metrics(struct world *w, GHashTable *m)
{
	for (guint i = 0; i < w->hosts->len; i++) {
		struct host *h = w->hosts->pdata[i];
		if (!world_metrics_wants(w, h->name))
			continue;
		for (struct net_device *d = dev_first(h); d; d = d->next) {
			const char *n = h->name, *ifn = d->name;
			metric_put(m, (double)d->stats.rx_packets, "%s.%s.rx_packets", n, ifn);
			metric_put(m, (double)d->stats.tx_packets, "%s.%s.tx_packets", n, ifn);
			metric_put(m, (double)d->stats.rx_dropped, "%s.%s.rx_dropped", n, ifn);
			metric_put(m, (double)d->stats.tx_dropped, "%s.%s.tx_dropped", n, ifn);
			if (d->ecn_mark) /* CE marks of IF.ecn_mark (dev.c qdisc_ecn_mark) */
				metric_put(m, (double)d->ecn_marked, "%s.%s.ecn_marked", n, ifn);
			for (int r = 1; r < SKB_DROP_REASON_MAX; r++)
				if (d->stats.drops[r])
					metric_put(m, (double)d->stats.drops[r], "%s.%s.drops.%s",
						   n, ifn, skb_drop_reason_name(r));
			struct nic *nic = nic_from_dev(d);
			const struct nic_stats *s = nic_stats(nic);
			metric_put(m, (double)s->rx_frames, "%s.%s.rx_frames", n, ifn);
			metric_put(m, (double)s->rx_ring_full, "%s.%s.rx_ring_full", n, ifn);
			metric_put(m, (double)s->rx_irqs, "%s.%s.rx_irqs", n, ifn);
			metric_put(m, (double)s->tx_irqs, "%s.%s.tx_irqs", n, ifn);
			metric_put(m, (double)s->tx_polled, "%s.%s.tx_polled", n, ifn);
			metric_put(m, (double)s->tx_napi_irqs, "%s.%s.tx_napi_irqs", n, ifn);
			metric_put(m, (double)s->tx_frames, "%s.%s.tx_frames", n, ifn);
			metric_put(m, s->rx_dma ? (double)s->rx_irqs / (double)s->rx_dma : 0,
				   "%s.%s.irqs_per_packet", n, ifn);
			/* several RX queues: HOST.IF.rxK.frames / .irqs / .polled / .cpu */
			for (uint32_t q = 0; nic_rx_queues(nic) > 1 && q < nic_rx_queues(nic);
			     q++) {
				struct nic_rxq_stats qs;
				nic_rx_queue_stats(nic, q, &qs);
				metric_put(m, (double)qs.frames, "%s.%s.rx%u.frames", n, ifn, q);
				metric_put(m, (double)qs.irqs, "%s.%s.rx%u.irqs", n, ifn, q);
				metric_put(m, (double)qs.polled, "%s.%s.rx%u.polled", n, ifn, q);
				metric_put(m, (double)qs.cpu, "%s.%s.rx%u.cpu", n, ifn, q);
			}
			/* several TX queues: HOST.IF.txK.packets / .bytes / .qdisc_drops */
			for (uint32_t q = 0; nic_tx_queues(nic) > 1 && q < nic_tx_queues(nic);
			     q++) {
				struct nic_txq_stats ts;
				nic_tx_queue_stats(nic, q, &ts);
				metric_put(m, (double)ts.packets, "%s.%s.tx%u.packets", n, ifn, q);
				metric_put(m, (double)ts.bytes, "%s.%s.tx%u.bytes", n, ifn, q);
				metric_put(m, (double)ts.qdisc_drops, "%s.%s.tx%u.qdisc_drops", n,
					   ifn, q);
			}
		}
	}
	for (guint i = 0; i < w->link_order->len; i++) {
		struct world_link *l = w->link_order->pdata[i];
		if (!world_metrics_wants2(w, "link", l->name))
			continue;
		for (int side = 0; side < 2; side++) {
			struct wire_stats ws;
			wire_stats(l->wire, side, &ws);
			metric_put(m, (double)ws.frames_sent, "link.%s.%d.frames", l->name, side);
			metric_put(m, (double)ws.frames_delivered, "link.%s.%d.delivered", l->name,
				   side);
			metric_put(m, (double)ws.frames_lost, "link.%s.%d.lost", l->name, side);
			metric_put(m, (double)ws.frames_down, "link.%s.%d.down", l->name, side);
			metric_put(m, (double)ws.frames_too_big, "link.%s.%d.too_big", l->name,
				   side);
		}
	}
}
