/*
 * tests/fuzz/fuzz_frame.c - fuzz target: any bytes as frames off the wire.
 *
 * The world, built afresh for every input so that an input always
 * reproduces its own crash:
 *
 *   alice 10.0.0.1/24 02:00:00:00:00:01 eth0 ---- wire ---- eth0 bob 10.0.0.2/24 02:00:00:00:00:02
 *
 * bob forwards (default route via alice), so a datagram for another
 * network takes ip_forward; bob has a UDP sink on port 7 (FUZZ_UDP_PORT),
 * and every other port answers port unreachable.  bob runs a TCP echo
 * server on port 80 (FUZZ_TCP_PORT: a listening socket), and alice's echo
 * client is connected to it (an established connection, idle between
 * requests; its port and sequence numbers are the same in every world, and
 * FUZZ_FRAME_VERBOSE=1 prints them for tests/fuzz/make_frames.py).  Both record a full trace
 * in an in-memory database, so the trace's reading of headers is fuzzed too.
 *
 * The input is one or more Ethernet frames (without FCS) joined by
 * FUZZ_FRAME_SEP.  Each frame reaches bob's NIC with nic_rx_frame, 100us
 * after the one before; bob's answers cross the wire to alice.  The
 * simulation then runs to 40s of virtual time, past the 30s reassembly
 * timeout and the ARP timers, unless the hosts go into an endless exchange
 * (more than FUZZ_MAX_EVENTS events: an abort).  Then, on both hosts, every live skb must sit
 * on a named queue (host_check_conservation), and host_free must find no
 * skb alive (its g_critical is fatal here: tests/fuzz/fuzz.h).
 */
#include "tests/fuzz/fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "apps/app.h"
#include "sim/sim.h"
#include "sim/wire.h"
#include "stack/arp.h"
#include "stack/host.h"
#include "stack/icmp.h"
#include "stack/ipv4.h"
#include "stack/netdevice.h"
#include "stack/nic.h"
#include "stack/route.h"
#include "stack/socket.h"
#include "stack/tcp.h"
#include "stack/udp.h"
#include "trace/trace.h"

#define FUZZ_FRAME_SEP "NETSIM-NEXT-FRAME"
#define FUZZ_UDP_PORT 7
#define FUZZ_TCP_PORT 80
#define FUZZ_MAX_FRAMES 64
#define FUZZ_GAP (100 * SIM_US)
#define FUZZ_RUN_TIME (40 * SIM_S)
/* No input of a few frames needs more events than this: beyond, the hosts
 * are in a loop that would keep going to FUZZ_RUN_TIME (an ACK storm), which
 * is a finding, reported at once instead of as a libFuzzer timeout. */
#define FUZZ_MAX_EVENTS 300000

struct fuzz_world {
	struct sim *sim;
	struct trace *trace;
	struct skb_pool *pool;
	struct wire *wire;
	struct host *host[2]; /* alice, bob */
	struct nic *nic[2];
	struct app *app[2]; /* echo client on alice, echo server on bob */
	uint64_t sunk;
};

static void
must(bool ok, GError *error, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_frame: setting up the world: %s: %s\n", what,
			error ? error->message : "failed");
		abort();
	}
}

static void
udp_sink(void *arg, struct sk_buff *skb, uint32_t saddr, uint16_t sport)
{
	struct fuzz_world *fw = arg;
	fw->sunk++;
}

/* FUZZ_FRAME_VERBOSE=1: bob's end of the established connection. */
static void
fuzz_world_report_tcp(struct fuzz_world *fw)
{
	for (uint32_t port = 1024; port < 65536; port++) {
		struct sock *sk = tcp_lookup(fw->host[1], 0x0a000002, FUZZ_TCP_PORT, 0x0a000001,
					     (uint16_t)port);
		if (!sk || tcp_sk(sk)->sk.sk_state != TCP_ESTABLISHED)
			continue;
		const struct tcp_sock *tp = tcp_sk(sk);
		fprintf(stderr,
			"  tcp established 10.0.0.1:%u > 10.0.0.2:%u bob snd_nxt=%u rcv_nxt=%u\n",
			port, FUZZ_TCP_PORT, tp->snd_nxt, tp->rcv_nxt);
	}
}

static void
fuzz_world_build(struct fuzz_world *fw)
{
	static const char *const names[2] = { "alice", "bob" };
	static const char *const addrs[2] = { "10.0.0.1/24", "10.0.0.2/24" };
	GError *error = NULL;
	memset(fw, 0, sizeof *fw);
	fw->sim = sim_new(1);
	fw->trace = trace_open(":memory:", TRACE_FULL, false, &error);
	must(fw->trace != NULL, error, "trace_open");
	must(trace_begin_run(fw->trace, "fuzz_frame", "", 1, "fuzz", &error), error,
	     "trace_begin_run");
	fw->pool = skb_pool_new();
	struct wire_config wc;
	wire_config_init(&wc);
	fw->wire = wire_new(fw->sim, "l0", &wc, 1);
	for (int i = 0; i < 2; i++) {
		struct host *h = host_new(fw->sim, fw->trace, fw->pool, names[i], 1);
		fw->host[i] = h;
		struct ip_config ic;
		ip_config_init(&ic);
		ic.forwarding = i == 1;
		must(inet_init(h, &ic, NULL, &error), error, "inet_init");
		socket_host_init(h);
		uint8_t mac[6] = { 0x02, 0, 0, 0, 0, (uint8_t)(i + 1) };
		fw->nic[i] = nic_new(h, "eth0", mac, NULL);
		nic_connect(fw->nic[i], fw->wire, i);
		must(dev_open(nic_dev(fw->nic[i])) == 0, NULL, "dev_open");
		must(inet_set_address_text(nic_dev(fw->nic[i]), addrs[i], &error), error,
		     "address");
	}
	must(route_add_text(fw->host[1], "default via 10.0.0.1", &error), error, "route");
	must(udp_test_sink(fw->host[1], FUZZ_UDP_PORT, udp_sink, fw) == 0, NULL, "udp_test_sink");
	static const char *const server[][2] = { { "port", "80" }, { "backlog", "8" }, { NULL } };
	static const char *const client[][2] = {
		{ "dst", "10.0.0.2" }, { "port", "80" },      { "size", "100" },
		{ "count", "1000" },   { "interval", "10s" }, { NULL },
	};
	fw->app[1] = app_new(fw->host[1], "srv", "tcp_echo_server", &error);
	must(fw->app[1] != NULL, error, "tcp_echo_server");
	for (int k = 0; server[k][0]; k++)
		must(app_set(fw->app[1], server[k][0], server[k][1], &error), error, server[k][0]);
	fw->app[0] = app_new(fw->host[0], "cli", "tcp_echo_client", &error);
	must(fw->app[0] != NULL, error, "tcp_echo_client");
	for (int k = 0; client[k][0]; k++)
		must(app_set(fw->app[0], client[k][0], client[k][1], &error), error, client[k][0]);
	app_start(fw->app[1], 0);
	/* FUZZ_FRAME_NO_ESTABLISHED=1: no client, to fuzz past a known bug of
	 * the established state (docs/fuzzing.md). */
	if (!g_getenv("FUZZ_FRAME_NO_ESTABLISHED"))
		app_start(fw->app[0], 100 * SIM_US);
	/* Gratuitous ARPs, the handshake and the first request: the input
	 * meets a quiet world with an idle established connection. */
	sim_run_until(fw->sim, 5 * SIM_MS);
	if (g_getenv("FUZZ_FRAME_VERBOSE"))
		fuzz_world_report_tcp(fw);
}

/* FUZZ_FRAME_VERBOSE=1: what bob made of the input (to check the seeds). */
static void
fuzz_world_report(struct fuzz_world *fw)
{
	struct host *b = fw->host[1];
	const struct ip_mib *ip = ip_mib(b);
	const struct icmp_mib *ic = icmp_mib(b);
	const struct udp_mib *u = udp_mib(b);
	struct neigh_stats ns;
	neigh_stats(b, &ns);
	fprintf(stderr,
		"  ip in=%" G_GUINT64_FORMAT " hdr_err=%" G_GUINT64_FORMAT
		" csum_err=%" G_GUINT64_FORMAT " delivers=%" G_GUINT64_FORMAT
		" forw=%" G_GUINT64_FORMAT " reasm_ok=%" G_GUINT64_FORMAT
		" reasm_fail=%" G_GUINT64_FORMAT " | icmp in=%" G_GUINT64_FORMAT
		" out=%" G_GUINT64_FORMAT " err=%" G_GUINT64_FORMAT " | udp in=%" G_GUINT64_FORMAT
		" noport=%" G_GUINT64_FORMAT " err=%" G_GUINT64_FORMAT " sunk=%" G_GUINT64_FORMAT
		" | arp req=%" G_GUINT64_FORMAT " rep=%" G_GUINT64_FORMAT
		" invalid=%" G_GUINT64_FORMAT " | drops=%" G_GUINT64_FORMAT "\n",
		ip->in_receives, ip->in_hdr_errors, ip->in_csum_errors, ip->in_delivers,
		ip->forw_datagrams, ip->reasm_oks, ip->reasm_fails, ic->in_msgs, ic->out_msgs,
		ic->in_errors, u->in_datagrams, u->no_ports, u->in_errors, fw->sunk,
		ns.requests_rcvd, ns.replies_rcvd, ns.rcv_invalid, host_drops_total(b));
	const struct tcp_mib *t = tcp_mib(b);
	fprintf(stderr,
		"  tcp in=%" G_GUINT64_FORMAT " out=%" G_GUINT64_FORMAT
		" in_errs=%" G_GUINT64_FORMAT " rsts=%" G_GUINT64_FORMAT
		" passive=%" G_GUINT64_FORMAT " estab_resets=%" G_GUINT64_FORMAT "\n",
		t->in_segs, t->out_segs, t->in_errs, t->out_rsts, t->passive_opens,
		t->estab_resets);
}

static void
fuzz_world_check_and_free(struct fuzz_world *fw)
{
	if (g_getenv("FUZZ_FRAME_VERBOSE"))
		fuzz_world_report(fw);
	for (int i = 0; i < 2; i++) {
		g_autoptr(GString) report = g_string_new(NULL);
		uint64_t lost = host_check_conservation(fw->host[i], report);
		if (lost) {
			fprintf(stderr,
				"fuzz_frame: %s: %" G_GUINT64_FORMAT " live skbs on no queue:\n%s",
				fw->host[i]->name, lost, report->str);
			abort();
		}
	}
	/* The order of host.h: hosts, wire, pool, trace, engine. */
	for (int i = 2; i-- > 0;)
		host_free(fw->host[i]);
	for (int i = 0; i < 2; i++)
		app_free(fw->app[i]);
	wire_free(fw->wire);
	skb_pool_free(fw->pool);
	GError *error = NULL;
	must(trace_close(fw->trace, true, &error), error, "trace_close");
	sim_free(fw->sim);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_init();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_world fw;
	fuzz_world_build(&fw);
	const size_t seplen = strlen(FUZZ_FRAME_SEP);
	const uint8_t *p = data, *end = data + size;
	for (int n = 0; n < FUZZ_MAX_FRAMES && p <= end; n++) {
		const uint8_t *sep = memmem(p, (size_t)(end - p), FUZZ_FRAME_SEP, seplen);
		const uint8_t *stop = sep ? sep : end;
		/* nic_rx_frame drops runts and giants itself: hand it anything. */
		nic_rx_frame(fw.nic[1], p,
			     (uint32_t)MIN((size_t)(stop - p), (size_t)WIRE_MAX_FRAME), 0);
		sim_run_until(fw.sim, sim_now(fw.sim) + FUZZ_GAP);
		if (!sep)
			break;
		p = sep + seplen;
	}
	while (sim_now(fw.sim) < FUZZ_RUN_TIME) {
		sim_run_until(fw.sim, MIN(sim_now(fw.sim) + 10 * SIM_MS, FUZZ_RUN_TIME));
		if (sim_events_dispatched(fw.sim) > FUZZ_MAX_EVENTS) {
			fprintf(stderr,
				"fuzz_frame: more than %d events by %.3fs of virtual time: "
				"the hosts are in an endless exchange (a storm)\n",
				FUZZ_MAX_EVENTS, (double)sim_now(fw.sim) / 1e9);
			abort();
		}
	}
	fuzz_world_check_and_free(&fw);
	return 0;
}
