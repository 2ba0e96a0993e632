/*
 * cli/build_net.c - links and interfaces from a scenario.
 *
 *   [link.L]          rate, delay, loss, overhead, min_frame (sim/wire.h)
 *   [host.H.IF]       link = L, mac = 02:00:00:00:00:01, and the NIC's keys
 *                     (stack/nic.h: napi, weight, rx_ring, rx_usecs, ...)
 *
 * A link joins exactly two interfaces; each names its link.  The group
 * [host.H.cpu] is the host's cost table, so no interface may be called cpu.
 */
#include <string.h>
#include "cli/world_int.h"
#include "stack/eth.h"
#include "stack/netdevice.h"
#include "stack/nic.h"

bool
build_links(struct world *w, GError **error)
{
	g_autoptr(GPtrArray) groups = scenario_groups_with_prefix(w->sc, "link");
	for (guint i = 0; i < groups->len; i++) {
		const char *g = groups->pdata[i];
		const char *name = g + strlen("link.");
		if (strchr(name, '.'))
			return scenario_fail(w->sc, error, g, NULL, "a link name may not contain '.'");
		struct world_link *l = g_new0(struct world_link, 1);
		l->name = g_strdup(name);
		wire_config_init(&l->cfg);
		g_ptr_array_add(w->link_order, l);
		g_hash_table_insert(w->links, l->name, l);
		if (!scenario_apply_conf(w->sc, g, wire_conf_keys, &l->cfg, error))
			return false;
		l->wire = wire_new(w->sim, name, &l->cfg, w->seed);
	}
	return true;
}

/* Interface groups of host @h: [host.H.IF] for every IF but "cpu" and the
 * groups that later layers own. */
bool
build_interfaces(struct world *w, struct host *h, GError **error)
{
	g_autofree char *prefix = g_strdup_printf("host.%s", h->name);
	g_autoptr(GPtrArray) groups = scenario_groups_with_prefix(w->sc, prefix);
	for (guint i = 0; i < groups->len; i++) {
		const char *g = groups->pdata[i];
		const char *ifname = g + strlen(prefix) + 1;
		if (strcmp(ifname, "cpu") == 0)
			continue;
		if (strchr(ifname, '.') || strlen(ifname) >= IFNAMSIZ)
			return scenario_fail(w->sc, error, g, NULL,
					     "an interface name has at most %d characters and no '.'",
					     IFNAMSIZ - 1);
		struct nic_config cfg;
		nic_config_init(&cfg);
		if (!scenario_apply_conf(w->sc, g, nic_conf_keys, &cfg, error))
			return false;
		g_autoptr(GError) sub = NULL;
		if (!nic_config_check(&cfg, &sub))
			return scenario_fail(w->sc, error, g, NULL, "%s", sub->message);
		uint8_t mac[ETH_ALEN];
		const char *v = scenario_get(w->sc, g, "mac");
		if (v && (!eth_addr_parse(v, mac) || is_multicast_ether_addr(mac) || is_zero_ether_addr(mac)))
			return scenario_fail(w->sc, error, g, "mac",
					     "'%s' is not a unicast MAC address like 02:00:00:00:00:01", v);
		struct nic *nic = nic_new(h, ifname, v ? mac : NULL, &cfg);
		const char *link = scenario_get(w->sc, g, "link");
		if (link) {
			struct world_link *l = g_hash_table_lookup(w->links, link);
			if (!l)
				return scenario_fail(w->sc, error, g, "link", "no [link.%s] is declared", link);
			if (l->nends == 2)
				return scenario_fail(w->sc, error, g, "link",
						     "link %s already joins %s and %s", link, l->ends[0],
						     l->ends[1]);
			l->ends[l->nends] = g_strdup_printf("%s.%s", h->name, ifname);
			nic_connect(nic, l->wire, l->nends++);
		}
		if (w->opt.pcap_dir) {
			struct trace_pcap *p = trace_pcap_open(w->opt.pcap_dir, h->name, ifname, error);
			if (!p)
				return false;
			nic_set_pcap(nic, p);
		}
		if (dev_open(nic_dev(nic)) != 0)
			return scenario_fail(w->sc, error, g, NULL, "the interface could not be brought up");
	}
	return true;
}

void
net_metrics(struct world *w, GHashTable *m)
{
	for (guint i = 0; i < w->hosts->len; i++) {
		struct host *h = w->hosts->pdata[i];
		for (struct net_device *d = dev_first(h); d; d = d->next) {
			const char *n = h->name, *ifn = d->name;
			metric_put(m, (double)d->stats.rx_packets, "%s.%s.rx_packets", n, ifn);
			metric_put(m, (double)d->stats.tx_packets, "%s.%s.tx_packets", n, ifn);
			metric_put(m, (double)d->stats.rx_dropped, "%s.%s.rx_dropped", n, ifn);
			metric_put(m, (double)d->stats.tx_dropped, "%s.%s.tx_dropped", n, ifn);
			for (int r = 1; r < SKB_DROP_REASON_MAX; r++)
				if (d->stats.drops[r])
					metric_put(m, (double)d->stats.drops[r], "%s.%s.drops.%s", n, ifn,
						   skb_drop_reason_name(r));
			struct nic *nic = nic_from_dev(d);
			if (!nic)
				continue;
			const struct nic_stats *s = nic_stats(nic);
			metric_put(m, (double)s->rx_frames, "%s.%s.rx_frames", n, ifn);
			metric_put(m, (double)s->rx_ring_full, "%s.%s.rx_ring_full", n, ifn);
			metric_put(m, (double)s->rx_irqs, "%s.%s.rx_irqs", n, ifn);
			metric_put(m, (double)s->tx_irqs, "%s.%s.tx_irqs", n, ifn);
			metric_put(m, (double)s->tx_frames, "%s.%s.tx_frames", n, ifn);
			metric_put(m, s->rx_dma ? (double)s->rx_irqs / (double)s->rx_dma : 0,
				   "%s.%s.irqs_per_packet", n, ifn);
		}
	}
	for (guint i = 0; i < w->link_order->len; i++) {
		struct world_link *l = w->link_order->pdata[i];
		for (int side = 0; side < 2; side++) {
			struct wire_stats ws;
			wire_stats(l->wire, side, &ws);
			metric_put(m, (double)ws.frames_sent, "link.%s.%d.frames", l->name, side);
			metric_put(m, (double)ws.frames_lost, "link.%s.%d.lost", l->name, side);
		}
	}
}
