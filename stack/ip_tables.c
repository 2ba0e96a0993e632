/*
 * stack/ip_tables.c - the per-host packet filter (see ip_tables.h).
 *
 * Linux counterpart: ipt_do_table walks a chain's rules in order; the first
 * rule whose match holds and whose target is terminal (ACCEPT, DROP,
 * REJECT) decides; LOG is not terminal (XT_CONTINUE); at the end of the
 * chain its policy decides.  Each rule counts the packets and bytes (the
 * IP datagram's length) it matched, as `iptables -L -v` shows.
 *
 * A dropped packet is freed by nf_hook_slow (NF_DROP) with reason
 * `netfilter_drop` and the hook's name as the place (NF_INET_LOCAL_IN ...),
 * so `netsim show --skb` ends its life at the hook.  NFQUEUE returns
 * NF_QUEUE_NR(n): nf_hook_slow puts the packet on queue n (netfilter.h).  A packet the host sends itself that OUTPUT or
 * POSTROUTING drops makes the sending call fail with EPERM, as in Linux
 * (NF_DROP_GETERR).
 */
#include "stack/ip_tables.h"

#include <arpa/inet.h>
#include <string.h>
#include "stack/host.h"
#include "stack/icmp.h"
#include "stack/ipv4.h"
#include "stack/netdevice.h"
#include "stack/netfilter.h"
#include "stack/nf_reject.h"
#include "trace/trace.h"

enum ipt_target { IPT_ACCEPT, IPT_DROP, IPT_REJECT, IPT_LOG, IPT_NFQUEUE };

struct ipt_rule {
	char *text;
	int proto; /* -1: any */
	uint32_t src, smask, dst, dmask;
	uint16_t sport[2], dport[2]; /* inclusive range; {0, 65535}: any */
	bool ports;		     /* --sport or --dport given */
	char iif[IFNAMSIZ], oif[IFNAMSIZ];
	enum ipt_target target;
	uint8_t reject_code; /* ICMP destination unreachable code */
	bool reject_rst;     /* --reject-with tcp-reset */
	uint16_t queue_num;  /* NFQUEUE --queue-num */
	bool queue_bypass;   /* NFQUEUE --queue-bypass */
	char *log_prefix;
	uint64_t pkts, bytes;
};

struct ipt_chain {
	struct ipt_table *t;
	unsigned hook;
	GPtrArray *rules; /* struct ipt_rule */
	bool policy_drop;
	uint64_t policy_pkts, policy_bytes;
	struct nf_hook_ops ops;
	bool registered;
};

struct ipt_table {
	struct host *host;
	struct ipt_chain chains[NF_INET_NUMHOOKS];
};

static const char *const chain_names[NF_INET_NUMHOOKS] = { "PREROUTING", "INPUT", "FORWARD",
							   "OUTPUT", "POSTROUTING" };
/* Each host's table hangs off host->ipt and lives until the host's fini. */
static void
rule_free(gpointer p)
{
	struct ipt_rule *r = p;
	g_free(r->text);
	g_free(r->log_prefix);
	g_free(r);
}

static void
ipt_fini(struct host *host)
{
	struct ipt_table *t = host->ipt;
	if (!t)
		return;
	for (int i = 0; i < NF_INET_NUMHOOKS; i++) {
		if (t->chains[i].registered)
			nf_unregister_net_hook(host, &t->chains[i].ops);
		g_ptr_array_unref(t->chains[i].rules);
	}
	host->ipt = NULL;
	g_free(t);
}

static unsigned ipt_do_table(void *priv, struct sk_buff *skb, const struct nf_hook_state *st);

static struct ipt_table *
ipt_table(struct host *host)
{
	struct ipt_table *t = host->ipt;
	if (!t) {
		t = g_new0(struct ipt_table, 1);
		t->host = host;
		for (unsigned i = 0; i < NF_INET_NUMHOOKS; i++) {
			struct ipt_chain *c = &t->chains[i];
			c->t = t;
			c->hook = i;
			c->rules = g_ptr_array_new_with_free_func(rule_free);
			c->ops = (struct nf_hook_ops){ .hook = ipt_do_table,
						       .priv = c,
						       .hooknum = i };
		}
		host->ipt = t;
		host_add_fini(host, ipt_fini);
	}
	return t;
}

/* ---- matching ------------------------------------------------------------------ */

/* Linux ip_packet_match + xt_tcpudp: addresses, protocol, interfaces, ports. */
static bool
rule_match(const struct ipt_rule *r, const struct sk_buff *skb, const struct nf_hook_state *st)
{
	const struct iphdr *iph = ip_hdr(skb);
	uint32_t s = ntohl(iph->saddr), d = ntohl(iph->daddr);
	if ((s & r->smask) != r->src || (d & r->dmask) != r->dst)
		return false;
	if (r->proto >= 0 && iph->protocol != r->proto)
		return false;
	if (r->iif[0] && (!st->in || strcmp(st->in->name, r->iif) != 0))
		return false;
	if (r->oif[0] && (!st->out || strcmp(st->out->name, r->oif) != 0))
		return false;
	if (!r->ports)
		return true;
	/* xt_tcpudp: never on a fragment other than the first */
	if (ntohs(iph->frag_off) & IP_OFFSET)
		return false;
	const uint8_t *l4 = (const uint8_t *)iph + ip_hdrlen(iph);
	if (l4 + 4 > skb->data + skb->len)
		return false;
	uint16_t sp = (uint16_t)(l4[0] << 8 | l4[1]), dp = (uint16_t)(l4[2] << 8 | l4[3]);
	return sp >= r->sport[0] && sp <= r->sport[1] && dp >= r->dport[0] && dp <= r->dport[1];
}

static const char *
proto_name(uint8_t p)
{
	switch (p) {
	case 1: return "ICMP";
	case 6: return "TCP";
	case 17: return "UDP";
	default: return NULL;
	}
}

/* The LOG target: Linux nf_log_syslog's line, as a trace row of the skb. */
static void
ipt_log(const struct ipt_rule *r, struct sk_buff *skb, const struct nf_hook_state *st)
{
	struct trace_host *th = skb->host->trace;
	if (!TRACE_ON(th))
		return;
	const struct iphdr *iph = ip_hdr(skb);
	char sa[INET_ADDRSTRLEN], da[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &iph->saddr, sa, sizeof sa);
	inet_ntop(AF_INET, &iph->daddr, da, sizeof da);
	g_autoptr(GString) line = g_string_new(r->log_prefix ? r->log_prefix : "");
	/* Without LEN/TTL/ID (in the packets table): the line is interned, so
	 * the trace keeps one copy per flow, not one per packet. */
	g_string_append_printf(line, "IN=%s OUT=%s SRC=%s DST=%s ", st->in ? st->in->name : "",
			       st->out ? st->out->name : "", sa, da);
	const char *pn = proto_name(iph->protocol);
	if (pn)
		g_string_append_printf(line, "PROTO=%s", pn);
	else
		g_string_append_printf(line, "PROTO=%u", iph->protocol);
	const uint8_t *l4 = (const uint8_t *)iph + ip_hdrlen(iph);
	if ((iph->protocol == 6 || iph->protocol == 17) && !(ntohs(iph->frag_off) & IP_OFFSET) &&
	    l4 + 4 <= skb->data + skb->len)
		g_string_append_printf(line, " SPT=%u DPT=%u", l4[0] << 8 | l4[1],
				       l4[2] << 8 | l4[3]);
	trace_skb_event(th, TR_HANDOFF, skb->id, trace_layer_name(LAYER_NETFILTER), "ipt_LOG", NULL,
			(int64_t)(skb->data - skb->head), skb->len, 0, COPY_NONE,
			g_intern_string(line->str), 0);
}

/*
 * Linux ipt_do_table for one chain: the verdict of the first terminal rule, or the policy.
 * O(rules of the chain) per packet, as in Linux's iptables (rules are
 * tried in order; nftables sets and ipset exist to avoid that): the cost
 * a long rule list has is part of what is taught.
 */
static unsigned
ipt_do_table(void *priv, struct sk_buff *skb, const struct nf_hook_state *st)
{
	struct ipt_chain *c = priv;
	uint32_t len = ntohs(ip_hdr(skb)->tot_len);
	for (guint i = 0; i < c->rules->len; i++) {
		struct ipt_rule *r = c->rules->pdata[i];
		if (!rule_match(r, skb, st))
			continue;
		r->pkts++;
		r->bytes += len;
		switch (r->target) {
		case IPT_LOG: ipt_log(r, skb, st); continue;
		case IPT_ACCEPT: return NF_ACCEPT;
		case IPT_NFQUEUE:
			/* xt_NFQUEUE nfqueue_tg: nf_hook_slow queues it (nf_queue) */
			return NF_QUEUE_NR(r->queue_num) |
				(r->queue_bypass ? NF_VERDICT_FLAG_QUEUE_BYPASS : 0);
		case IPT_REJECT:
			/* reject_tg: an ICMP error or an RST to the sender, then
			 * NF_DROP (in OUTPUT the sender is this host: the answer
			 * comes back through loopback, the call gets EPERM) */
			if (r->reject_rst)
				nf_send_reset(skb);
			else
				nf_send_unreach(skb, r->reject_code);
			/* fall through */
		case IPT_DROP: return NF_DROP; /* nf_hook_slow frees it at the hook */
		}
	}
	if (!c->policy_drop)
		return NF_ACCEPT;
	c->policy_pkts++;
	c->policy_bytes += len;
	return NF_DROP;
}

/* ---- parsing ------------------------------------------------------------------------ */

static int
chain_by_name(const char *n)
{
	for (int i = 0; i < NF_INET_NUMHOOKS; i++)
		if (strcmp(n, chain_names[i]) == 0)
			return i;
	return -1;
}

static bool
parse_prefix(const char *s, uint32_t *addr, uint32_t *mask)
{
	g_auto(GStrv) p = g_strsplit(s, "/", 2);
	struct in_addr a;
	if (inet_pton(AF_INET, p[0], &a) != 1)
		return false;
	unsigned len = 32;
	if (p[1]) {
		char *end;
		unsigned long l = strtoul(p[1], &end, 10);
		if (!*p[1] || *end || l > 32)
			return false;
		len = (unsigned)l;
	}
	*mask = len ? 0xffffffffu << (32 - len) : 0;
	*addr = ntohl(a.s_addr) & *mask;
	return true;
}

static bool
parse_port(const char *s, unsigned *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (!*s || *end || v > 65535)
		return false;
	*out = (unsigned)v;
	return true;
}

static bool
parse_ports(const char *s, uint16_t out[2])
{
	g_auto(GStrv) p = g_strsplit(s, ":", 2);
	unsigned lo, hi;
	if (!parse_port(p[0], &lo))
		return false;
	hi = lo;
	if (p[1] && !parse_port(p[1], &hi))
		return false;
	if (hi < lo)
		return false;
	out[0] = (uint16_t)lo;
	out[1] = (uint16_t)hi;
	return true;
}

static const struct {
	const char *name;
	uint8_t code;
} reject_types[] = {
	{ "icmp-net-unreachable", 0 },	 { "icmp-host-unreachable", 1 },
	{ "icmp-proto-unreachable", 2 }, { "icmp-port-unreachable", 3 },
	{ "icmp-net-prohibited", 9 },	 { "icmp-host-prohibited", 10 },
	{ "icmp-admin-prohibited", 13 },
};

#define FAIL(...)                                                                        \
	do {                                                                             \
		g_autofree char *m_ = g_strdup_printf(__VA_ARGS__);                      \
		g_set_error(error, INET_ERROR, INET_ERROR_INVALID, "'%s': %s", cmd, m_); \
		goto fail;                                                               \
	} while (0)

/* One command.  Returns the rule (for -A, not yet in a chain) or NULL with
 * *policy set for -P; *chain is the chain index. */
static bool
parse_command(const char *cmd, int *chain, struct ipt_rule **rule, int *policy, GError **error)
{
	g_auto(GStrv) w = NULL;
	int argc = 0;
	*rule = NULL;
	*policy = -1;
	if (!g_shell_parse_argv(cmd, &argc, &w, NULL) || argc < 2) {
		g_set_error(error, INET_ERROR, INET_ERROR_INVALID,
			    "'%s': expected '-A CHAIN ... -j TARGET' or '-P CHAIN POLICY'", cmd);
		return false;
	}
	*chain = chain_by_name(w[1]);
	if (*chain < 0) {
		g_set_error(error, INET_ERROR, INET_ERROR_INVALID,
			    "'%s': no chain '%s' (PREROUTING, INPUT, FORWARD, OUTPUT, POSTROUTING)",
			    cmd, w[1]);
		return false;
	}
	if (strcmp(w[0], "-P") == 0) {
		if (argc != 3 || (strcmp(w[2], "ACCEPT") != 0 && strcmp(w[2], "DROP") != 0)) {
			g_set_error(error, INET_ERROR, INET_ERROR_INVALID,
				    "'%s': a policy is ACCEPT or DROP", cmd);
			return false;
		}
		*policy = strcmp(w[2], "DROP") == 0;
		return true;
	}
	if (strcmp(w[0], "-A") != 0) {
		g_set_error(error, INET_ERROR, INET_ERROR_INVALID,
			    "'%s': only -A (append a rule) and -P (policy) are modelled", cmd);
		return false;
	}
	struct ipt_rule *r = g_new0(struct ipt_rule, 1);
	r->text = g_strdup(cmd);
	r->proto = -1;
	r->sport[1] = r->dport[1] = 65535;
	r->reject_code = 3; /* ipt_REJECT's default: icmp-port-unreachable */
	bool have_target = false, reject_with = false, queue_opt = false;
	for (int i = 2; i < argc; i++) {
		const char *o = w[i];
		const char *v = i + 1 < argc ? w[i + 1] : NULL;
		if (strcmp(o, "!") == 0)
			FAIL("'!' (inversion) is not modelled");
		if (strcmp(o, "--queue-bypass") == 0) { /* the one option without a value */
			r->queue_bypass = queue_opt = true;
			continue;
		}
		if (!v)
			FAIL("%s needs a value", o);
		i++;
		if (strcmp(o, "-p") == 0) {
			if (strcmp(v, "tcp") == 0)
				r->proto = 6;
			else if (strcmp(v, "udp") == 0)
				r->proto = 17;
			else if (strcmp(v, "icmp") == 0)
				r->proto = 1;
			else if (strcmp(v, "all") == 0)
				r->proto = -1;
			else {
				unsigned n;
				if (!parse_port(v, &n) || n > 255)
					FAIL("-p: a protocol is tcp, udp, icmp, all or 0..255");
				r->proto = n ? (int)n : -1;
			}
		} else if (strcmp(o, "-s") == 0) {
			if (!parse_prefix(v, &r->src, &r->smask))
				FAIL("-s: expected an address or A.B.C.D/LEN");
		} else if (strcmp(o, "-d") == 0) {
			if (!parse_prefix(v, &r->dst, &r->dmask))
				FAIL("-d: expected an address or A.B.C.D/LEN");
		} else if (strcmp(o, "--sport") == 0 || strcmp(o, "--dport") == 0) {
			if (r->proto != 6 && r->proto != 17)
				FAIL("%s needs -p tcp or -p udp before it (as iptables)", o);
			if (!parse_ports(v, o[2] == 's' ? r->sport : r->dport))
				FAIL("%s: expected PORT or FIRST:LAST", o);
			r->ports = true;
		} else if (strcmp(o, "-i") == 0) {
			if (*chain == NF_INET_LOCAL_OUT || *chain == NF_INET_POST_ROUTING)
				FAIL("-i is not valid in %s (no input interface there)",
				     chain_names[*chain]);
			g_strlcpy(r->iif, v, sizeof r->iif);
		} else if (strcmp(o, "-o") == 0) {
			if (*chain == NF_INET_LOCAL_IN || *chain == NF_INET_PRE_ROUTING)
				FAIL("-o is not valid in %s (no output interface yet)",
				     chain_names[*chain]);
			g_strlcpy(r->oif, v, sizeof r->oif);
		} else if (strcmp(o, "-j") == 0) {
			have_target = true;
			if (strcmp(v, "ACCEPT") == 0)
				r->target = IPT_ACCEPT;
			else if (strcmp(v, "DROP") == 0)
				r->target = IPT_DROP;
			else if (strcmp(v, "REJECT") == 0)
				r->target = IPT_REJECT;
			else if (strcmp(v, "LOG") == 0)
				r->target = IPT_LOG;
			else if (strcmp(v, "NFQUEUE") == 0)
				r->target = IPT_NFQUEUE;
			else
				FAIL("-j: a target is ACCEPT, DROP, REJECT, LOG or NFQUEUE");
		} else if (strcmp(o, "--queue-num") == 0) {
			unsigned n;
			if (!parse_port(v, &n))
				FAIL("--queue-num: expected a queue number 0..65535");
			r->queue_num = (uint16_t)n;
			queue_opt = true;
		} else if (strcmp(o, "--reject-with") == 0) {
			reject_with = true;
			if (strcmp(v, "tcp-reset") == 0) {
				r->reject_rst = true;
				continue;
			}
			size_t k;
			for (k = 0; k < G_N_ELEMENTS(reject_types); k++)
				if (strcmp(v, reject_types[k].name) == 0)
					break;
			if (k == G_N_ELEMENTS(reject_types))
				FAIL("--reject-with: %s is not one of the ICMP types modelled", v);
			r->reject_code = reject_types[k].code;
		} else if (strcmp(o, "--log-prefix") == 0) {
			r->log_prefix = g_strdup(v);
		} else {
			FAIL("unknown option %s", o);
		}
	}
	if (!have_target)
		FAIL("no -j TARGET");
	/* ipt_REJECT.c: .hooks = LOCAL_IN | FORWARD | LOCAL_OUT */
	if (r->target == IPT_REJECT && *chain != NF_INET_LOCAL_IN && *chain != NF_INET_FORWARD &&
	    *chain != NF_INET_LOCAL_OUT)
		FAIL("REJECT is valid in INPUT, FORWARD and OUTPUT only (as iptables)");
	/* reject_tg_check: "TCP_RESET invalid for non-tcp" */
	if (r->reject_rst && r->proto != 6)
		FAIL("--reject-with tcp-reset needs -p tcp");
	if (reject_with && r->target != IPT_REJECT)
		FAIL("--reject-with without -j REJECT");
	if (queue_opt && r->target != IPT_NFQUEUE)
		FAIL("--queue-num/--queue-bypass without -j NFQUEUE");
	*rule = r;
	return true;
fail:
	rule_free(r);
	return false;
}

bool
ipt_add_text(struct host *host, const char *text, GError **error)
{
	g_auto(GStrv) cmds = g_strsplit(text, ";", -1);
	g_autoptr(GPtrArray) rules = g_ptr_array_new();
	g_autoptr(GArray) where = g_array_new(FALSE, FALSE, sizeof(int));
	int policies[NF_INET_NUMHOOKS];
	for (int i = 0; i < NF_INET_NUMHOOKS; i++)
		policies[i] = -1;
	for (int i = 0; cmds[i]; i++) {
		char *c = g_strstrip(cmds[i]);
		if (!*c)
			continue;
		int chain, policy;
		struct ipt_rule *r;
		if (!parse_command(c, &chain, &r, &policy, error)) {
			g_ptr_array_set_free_func(rules, rule_free);
			return false;
		}
		if (r) {
			g_ptr_array_add(rules, r);
			g_array_append_val(where, chain);
		} else {
			policies[chain] = policy;
		}
	}
	struct ipt_table *t = ipt_table(host);
	for (guint i = 0; i < rules->len; i++)
		g_ptr_array_add(t->chains[g_array_index(where, int, i)].rules, rules->pdata[i]);
	for (int i = 0; i < NF_INET_NUMHOOKS; i++) {
		struct ipt_chain *c = &t->chains[i];
		if (policies[i] >= 0)
			c->policy_drop = policies[i] == 1;
		if (!c->registered && (c->rules->len || c->policy_drop)) {
			nf_register_net_hook(host, &c->ops);
			c->registered = true;
		}
	}
	return true;
}

/* ---- figures ------------------------------------------------------------------------ */

void
ipt_foreach_rule(struct host *host, void (*fn)(const struct ipt_rule_info *r, void *data),
		 void *data)
{
	struct ipt_table *t = host->ipt;
	if (!t)
		return;
	for (int i = 0; i < NF_INET_NUMHOOKS; i++) {
		struct ipt_chain *c = &t->chains[i];
		for (guint k = 0; k < c->rules->len; k++) {
			const struct ipt_rule *r = c->rules->pdata[k];
			struct ipt_rule_info ri = { chain_names[i], (int)k + 1, r->text, r->pkts,
						    r->bytes };
			fn(&ri, data);
		}
		if (c->policy_drop) {
			g_autofree char *txt = g_strdup_printf("-P %s DROP", chain_names[i]);
			struct ipt_rule_info ri = { chain_names[i], 0, txt, c->policy_pkts,
						    c->policy_bytes };
			fn(&ri, data);
		}
	}
}

static void
report_one(const struct ipt_rule_info *r, void *data)
{
	struct trace_host *th = data;
	trace_counter(th, "netfilter.rule_pkts", r->text, (int64_t)r->pkts);
	trace_counter(th, "netfilter.rule_bytes", r->text, (int64_t)r->bytes);
}

void
ipt_report_counters(struct host *host)
{
	if (host->trace)
		ipt_foreach_rule(host, report_one, host->trace);
}
