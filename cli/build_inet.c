/*
 * cli/build_inet.c - the Internet protocols of each host, from a scenario.
 *
 *   [host.H]     forwarding, ttl, ipfrag_*, route_cache_size, ... (ip_host_conf_keys)
 *                base_reachable_time, retrans_time, ... (neigh_conf_keys)
 *                services, services_file (stack/services.h)
 *                iptables = -A INPUT -p udp --dport 9 -j DROP; ... (stack/ip_tables.h)
 *                routes = 10.2.0.0/16 via 10.1.0.254; default via 10.0.0.254
 *   [host.H.IF]  address = 10.0.0.1/24
 *
 * Called per host: inet_setup before the interfaces, inet_address for each
 * interface once it is up, inet_routes after all of them (a route's next
 * hop must be on a connected network).
 */
#include <string.h>
#include "cli/world_int.h"
#include "stack/arp.h"
#include "stack/icmp.h"
#include "stack/ip_tables.h"
#include "stack/ipv4.h"
#include "stack/module.h"
#include "stack/netdevice.h"
#include "stack/route.h"
#include "stack/services.h"
#include "stack/socket.h"
#include "stack/tcp.h"
#include "stack/udp.h"

bool
inet_setup(struct world *w, struct host *h, const char *group, GError **error)
{
	struct ip_config ic;
	struct neigh_config nc;
	ip_config_init(&ic);
	neigh_config_init(&nc);
	if (!scenario_apply_conf(w->sc, group, NULL, ip_host_conf_keys, &ic, error) ||
	    !scenario_apply_conf(w->sc, group, NULL, neigh_conf_keys, &nc, error))
		return false;
	g_autoptr(GError) sub = NULL;
	if (!inet_init(h, &ic, &nc, &sub))
		return scenario_fail(w->sc, error, group, NULL, "%s", sub->message);
	return true;
}

/* The TCP keys of [host.H] (tcp_host_conf_keys), once TCP is set up. */
bool
inet_tcp_setup(struct world *w, struct host *h, const char *group, GError **error)
{
	struct tcp_config tc;
	tcp_config_init(&tc);
	/* 4.4BSD had Reno; Linux's default is CUBIC (tcp_congestion_control).
	 * SACK (RFC 2018, October 1996) came after it: off there. */
	if (dev_host_config(h)->kernel == KERNEL_BSD_1996) {
		tc.congestion = TCP_CA_RENO;
		tc.sack = false;
	}
	if (!scenario_apply_conf(w->sc, group, NULL, tcp_host_conf_keys, &tc, error))
		return false;
	tcp_set_config(h, &tc);
	return true;
}

bool
inet_address(struct world *w, struct net_device *dev, const char *group, GError **error)
{
	char key[IFNAMSIZ + sizeof ".address"];
	g_snprintf(key, sizeof key, "%s.address", dev->name);
	const char *v = scenario_get(w->sc, group, key);
	g_autoptr(GError) sub = NULL;
	if (!v)
		return true;
	if (!inet_set_address_text(dev, v, &sub))
		return scenario_fail(w->sc, error, group, key, "%s", sub->message);
	/* An address may be used once in the whole world. */
	const struct in_device *in = in_dev_get(dev);
	const struct net_device *owner =
		g_hash_table_lookup(w->addresses, GUINT_TO_POINTER(in->addr));
	if (owner)
		return scenario_fail(w->sc, error, group, key,
				     "address %s is already used by host %s %s", v,
				     owner->host->name, owner->name);
	g_hash_table_insert(w->addresses, GUINT_TO_POINTER(in->addr), dev);
	return true;
}

bool
inet_routes(struct world *w, struct host *h, const char *group, GError **error)
{
	const char *v = scenario_get(w->sc, group, "routes");
	if (!v)
		return true;
	g_auto(GStrv) routes = g_strsplit(v, ";", -1);
	for (int i = 0; routes[i]; i++) {
		char *r = g_strstrip(routes[i]);
		g_autoptr(GError) sub = NULL;
		if (*r && !route_add_text(h, r, &sub))
			return scenario_fail(w->sc, error, group, "routes", "route %d ('%s'): %s",
					     i + 1, r, sub->message);
	}
	return true;
}

/*
 * The host's services database (stack/services.h): `services_file = PATH`
 * (relative to the scenario file) and `services = name port/proto [aliases];
 * ...`, each added before the built-in entries; the key's lines come first.
 */
bool
services_setup(struct world *w, struct host *h, const char *group, GError **error)
{
	const char *path = scenario_get(w->sc, group, "services_file");
	if (path) {
		g_autofree char *dir = g_path_get_dirname(scenario_path(w->sc));
		g_autofree char *full = g_path_is_absolute(path)
			? g_strdup(path)
			: g_build_filename(dir, path, NULL);
		g_autofree char *text = NULL;
		g_autoptr(GError) sub = NULL;
		if (!g_file_get_contents(full, &text, NULL, &sub))
			return scenario_fail(w->sc, error, group, "services_file", "%s",
					     sub->message);
		if (!services_add_text(h, text, &sub))
			return scenario_fail(w->sc, error, group, "services_file", "%s: %s", full,
					     sub->message);
	}
	const char *v = scenario_get(w->sc, group, "services");
	g_autoptr(GError) sub = NULL;
	if (v && !services_add_text(h, v, &sub))
		return scenario_fail(w->sc, error, group, "services", "%s", sub->message);
	/* socketcall = on: the socket calls enter through sys_socketcall (32-bit x86) */
	bool sc = false;
	if (!scenario_get_bool(w->sc, group, "socketcall", &sc, error))
		return false;
	socket_set_socketcall(h, sc);
	return true;
}

/* The host key iptables (stack/ip_tables.h): ';'-separated iptables commands. */
bool
netfilter_setup(struct world *w, struct host *h, const char *group, GError **error)
{
	const char *v = scenario_get(w->sc, group, "iptables");
	g_autoptr(GError) sub = NULL;
	if (v && !ipt_add_text(h, v, &sub))
		return scenario_fail(w->sc, error, group, "iptables", "%s", sub->message);
	return true;
}

static void
syscall_metric(const char *call, const char *entry, uint64_t n, void *data)
{
	void **d = data;
	metric_put(d[0], (double)n, "%s.syscall.%s.%s", (const char *)d[1], call, entry);
}

static void
rule_metric(const struct ipt_rule_info *r, void *data)
{
	void **d = data;
	GHashTable *m = d[0];
	const char *n = d[1];
	if (r->num)
		metric_put(m, (double)r->pkts, "%s.netfilter.%s.%d.pkts", n, r->chain, r->num);
	else
		metric_put(m, (double)r->pkts, "%s.netfilter.%s.policy.pkts", n, r->chain);
}

/* HOST.proto.NAME.*: what a protocol module counted, and its fault. */
static void
module_metric(struct host *host, const struct module_report *r, void *data)
{
	GHashTable *m = ((void **)data)[0];
	GHashTableIter it;
	gpointer k, v;
	g_hash_table_iter_init(&it, r->counts);
	while (g_hash_table_iter_next(&it, &k, &v))
		metric_put(m, (double)*(const uint64_t *)v, "%s.proto.%s", host->name,
			   (const char *)k);
	g_auto(GStrv) protos = g_strsplit(r->protos, ",", -1);
	for (char **p = protos; *p; p++) {
		metric_put(m, r->faulted, "%s.proto.%s.faulted", host->name, *p);
		if (r->faulted) {
			metric_put(m, r->signal, "%s.proto.%s.fault_signal", host->name, *p);
			metric_put(m, (double)r->time / 1e9, "%s.proto.%s.fault_time", host->name,
				   *p);
			metric_put(m, (double)r->fault_drops, "%s.proto.%s.fault_drops", host->name,
				   *p);
		}
	}
}

void
inet_metrics(struct world *w, GHashTable *m)
{
	for (guint i = 0; i < w->hosts->len; i++) {
		struct host *h = w->hosts->pdata[i];
		const char *n = h->name;
		if (!h->ip || !world_metrics_wants(w, n))
			continue;
		const struct ip_mib *ip = ip_mib(h);
		void *rd[2] = { m, (void *)n };
		ipt_foreach_rule(h, rule_metric, rd);
		socket_syscall_counts(h, syscall_metric, rd);
		module_foreach(h, module_metric, rd);
#define IP(f) metric_put(m, (double)ip->f, "%s.ip." #f, n)
		IP(in_receives);
		IP(in_hdr_errors);
		IP(in_csum_errors);
		IP(in_addr_errors);
		IP(forw_datagrams);
		IP(in_unknown_protos);
		IP(in_discards);
		IP(in_delivers);
		IP(in_no_routes);
		IP(out_requests);
		IP(out_discards);
		IP(out_no_routes);
		IP(reasm_timeout);
		IP(reasm_reqds);
		IP(reasm_oks);
		IP(reasm_fails);
		IP(reasm_overlaps);
		IP(frag_oks);
		IP(frag_fails);
		IP(frag_creates);
#undef IP
		const struct icmp_mib *ic = icmp_mib(h);
		metric_put(m, (double)ic->in_msgs, "%s.icmp.in_msgs", n);
		metric_put(m, (double)ic->out_msgs, "%s.icmp.out_msgs", n);
		metric_put(m, (double)ic->in_errors, "%s.icmp.in_errors", n);
		metric_put(m, (double)ic->in_type[ICMP_ECHOREPLY], "%s.icmp.in_echo_replies", n);
		metric_put(m, (double)ic->out_type[ICMP_ECHOREPLY], "%s.icmp.out_echo_replies", n);
		metric_put(m, (double)ic->in_type[ICMP_ECHO], "%s.icmp.in_echos", n);
		metric_put(m, (double)ic->out_type[ICMP_ECHO], "%s.icmp.out_echos", n);
		metric_put(m, (double)ic->in_type[ICMP_DEST_UNREACH], "%s.icmp.in_dest_unreachs",
			   n);
		metric_put(m, (double)ic->out_type[ICMP_DEST_UNREACH], "%s.icmp.out_dest_unreachs",
			   n);
		metric_put(m, (double)ic->in_type[ICMP_TIME_EXCEEDED], "%s.icmp.in_time_excds", n);
		metric_put(m, (double)ic->out_type[ICMP_TIME_EXCEEDED], "%s.icmp.out_time_excds",
			   n);
		const struct udp_mib *u = udp_mib(h);
		metric_put(m, (double)u->in_datagrams, "%s.udp.in_datagrams", n);
		metric_put(m, (double)u->no_ports, "%s.udp.no_ports", n);
		metric_put(m, (double)u->in_errors, "%s.udp.in_errors", n);
		metric_put(m, (double)u->rcvbuf_errors, "%s.udp.rcvbuf_errors", n);
		metric_put(m, (double)u->out_datagrams, "%s.udp.out_datagrams", n);
		if (h->tcp) {
			const struct tcp_mib *t = tcp_mib(h);
#define TCP(f) metric_put(m, (double)t->f, "%s.tcp." #f, n)
			TCP(active_opens);
			TCP(passive_opens);
			TCP(attempt_fails);
			TCP(estab_resets);
			TCP(in_segs);
			TCP(out_segs);
			TCP(retrans_segs);
			TCP(in_errs);
			TCP(out_rsts);
			TCP(listen_overflows);
			TCP(listen_drops);
			TCP(out_of_window_icmps);
			TCP(delivered_ce);
#undef TCP
			/* TcpExt counters under Linux's names less "TCP" (tcp_undo.c,
			 * tcp_reorder.c, tcp_timestamps.c) */
#define TCPX(f, name) metric_put(m, (double)t->f, "%s.tcp." name, n)
			TCPX(tcp_full_undo, "full_undo");
			TCPX(tcp_partial_undo, "partial_undo");
			TCPX(tcp_dsack_undo, "dsack_undo");
			TCPX(tcp_loss_undo, "loss_undo");
			TCPX(tcp_dsack_recv, "dsack_recv");
			TCPX(tcp_dsack_ofo_recv, "dsack_ofo_recv");
			TCPX(tcp_dsack_recv_segs, "dsack_recv_segs");
			TCPX(tcp_dsack_ignored_dubious, "dsack_ignored_dubious");
			TCPX(tcp_dsack_old_sent, "dsack_old_sent");
			TCPX(tcp_dsack_ofo_sent, "dsack_ofo_sent");
			TCPX(tcp_sack_reorder, "sack_reorder");
			TCPX(tcp_ts_reorder, "ts_reorder");
			TCPX(paws_estab_rejected, "paws_estab_rejected");
			TCPX(tcp_spurious_rtos, "spurious_rtos"); /* F-RTO */
			TCPX(tcp_autocorking, "autocorking");	  /* stack/tcp_tsq.c */
			TCPX(tcp_reno_reorder, "reno_reorder");
			TCPX(tcp_sack_reneging, "sack_reneging");
			TCPX(tcp_spurious_rtx_host_queues, "spurious_rtx_host_queues");
#undef TCPX
		}
		struct route_stats rs;
		route_stats(h, &rs);
		metric_put(m, (double)rs.cache_hits, "%s.route.cache_hits", n);
		metric_put(m, (double)rs.cache_misses, "%s.route.cache_misses", n);
		metric_put(m, (double)rs.fib_lookups, "%s.route.fib_lookups", n);
		struct neigh_stats ns;
		neigh_stats(h, &ns);
		metric_put(m, (double)ns.requests_sent, "%s.arp.requests_sent", n);
		metric_put(m, (double)ns.replies_sent, "%s.arp.replies_sent", n);
		metric_put(m, (double)ns.requests_rcvd, "%s.arp.requests_rcvd", n);
		metric_put(m, (double)ns.replies_rcvd, "%s.arp.replies_rcvd", n);
		metric_put(m, (double)ns.announces_sent, "%s.arp.announces_sent", n);
		metric_put(m, (double)ns.res_failed, "%s.arp.res_failed", n);
		metric_put(m, (double)ns.unres_discards, "%s.arp.unres_discards", n);
	}
}
