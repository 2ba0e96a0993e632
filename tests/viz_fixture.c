/*
 * tests/viz_fixture.c - writes the fake two-host trace that test_show and
 * test_draw read (see viz_fixture.h), through the recorder's API.
 *
 * Each step of the script runs at its time on one host, either on the CPU
 * in a context (a work item, so that the trace records the context and the
 * CPU's busy time) or outside it ("hw": the NIC, the wire).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "sim/cpu.h"
#include "sim/sim.h"
#include "tests/viz_fixture.h"
#include "trace/trace.h"

#define A_ADDR 0x0a000001u
#define B_ADDR 0x0a000002u
enum { TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_PSH = 0x08, TCP_ACK = 0x10 };

struct world {
	struct sim *sim;
	struct cpu *cpu[2];
	struct trace_host *h[2];
};

struct step {
	struct cpu_work work;
	sim_time_t at;
	int host;
	enum cpu_ctx ctx;
	void (*fn)(struct world *w, struct trace_host *h, const void *arg);
	const void *arg;
	struct world *w;
};

/* ---- the UDP datagram, skb 1 on a, skb 2 on b ---- */

static const struct trace_pkt_info udp_info = {
	.proto = 17,
	.saddr = A_ADDR,
	.daddr = B_ADDR,
	.sport = 5000,
	.dport = 9,
	.payload = 100,
};

static void
udp_sendmsg(struct world *w, struct trace_host *h, const void *arg)
{
	trace_alloc(h, 1, "udp", 2048);
	trace_copy(h, 1, "udp", COPY_USER_TO_SKB, 100);
	trace_push(h, 1, "udp", 8, 120, 108);
	trace_packet(h, 1, &udp_info);
	trace_handoff(h, 1, "ip", "ip_queue_xmit", 120, 108);
	trace_push(h, 1, "ip", 20, 100, 128);
	trace_handoff(h, 1, "eth", "eth_header", 100, 128);
	trace_push(h, 1, "eth", 14, 86, 142);
	trace_handoff(h, 1, "dev", "dev_queue_xmit", 86, 142);
	trace_enqueue(h, 1, "dev", "qdisc", 1, 142);
	trace_dequeue(h, 1, "dev", "qdisc", 0, 142);
	trace_handoff(h, 1, "driver", "ndo_start_xmit", 86, 142);
	trace_enqueue(h, 1, "driver", "tx_ring", 1, 142);
}

static void
udp_nic_tx(struct world *w, struct trace_host *h, const void *arg)
{
	trace_copy(h, 1, "nic", COPY_DMA_TO_DEV, 142);
	trace_wire(h, 1, "eth0", false, 142, 0);
}

static void
udp_tx_complete(struct world *w, struct trace_host *h, const void *arg)
{
	trace_dequeue(h, 1, "driver", "tx_ring", 0, 142);
	trace_free(h, 1, "driver");
}

static void
udp_rx_refill(struct world *w, struct trace_host *h, const void *arg)
{
	trace_alloc(h, 2, "driver", 2048);
	trace_enqueue(h, 2, "driver", "rx_ring", 1, 0);
}

static void
udp_nic_rx(struct world *w, struct trace_host *h, const void *arg)
{
	trace_wire(h, 2, "eth0", true, 142, 1);
	trace_copy(h, 2, "nic", COPY_DMA_FROM_DEV, 142);
}

static void
udp_rx_irq(struct world *w, struct trace_host *h, const void *arg)
{
	trace_dequeue(h, 2, "driver", "rx_ring", 0, 142);
	trace_handoff(h, 2, "dev", "netif_rx", 0, 142);
	trace_enqueue(h, 2, "dev", "backlog", 1, 142);
}

static void
udp_rx_softirq(struct world *w, struct trace_host *h, const void *arg)
{
	trace_dequeue(h, 2, "dev", "backlog", 0, 142);
	trace_handoff(h, 2, "eth", "eth_type_trans", 0, 142);
	trace_pull(h, 2, "eth", 14, 14, 128);
	trace_handoff(h, 2, "ip", "ip_rcv", 14, 128);
	trace_packet(h, 2, &udp_info);
	trace_pull(h, 2, "ip", 20, 34, 108);
	trace_handoff(h, 2, "udp", "udp_rcv", 34, 108);
	trace_pull(h, 2, "udp", 8, 42, 100);
	trace_enqueue(h, 2, "socket", "sk_receive_queue", 1, 100);
}

static void
udp_recvmsg(struct world *w, struct trace_host *h, const void *arg)
{
	trace_dequeue(h, 2, "socket", "sk_receive_queue", 0, 100);
	trace_copy(h, 2, "socket", COPY_SKB_TO_USER, 100);
	trace_free(h, 2, "socket");
}

/* A datagram the qdisc had no room for. */
static void
udp_qdisc_drop(struct world *w, struct trace_host *h, const void *arg)
{
	struct trace_pkt_info info = udp_info;
	info.sport = 5001;
	trace_alloc(h, 90, "udp", 2048);
	trace_copy(h, 90, "udp", COPY_USER_TO_SKB, 100);
	trace_packet(h, 90, &info);
	trace_handoff(h, 90, "dev", "dev_queue_xmit", 86, 142);
	trace_drop(h, 90, "dev", "qdisc_full");
}

/* ---- the TCP connection ---- */

struct seg {
	sim_time_t at;
	bool fwd; /* a -> b */
	uint8_t flags;
	uint32_t seq, ack, payload;
	uint64_t orig;	 /* data: the skb TCP keeps for retransmission (0: none) */
	bool new_orig;	 /* first transmission: allocate and fill the original */
	uint64_t tx, rx; /* rx 0: lost on the wire */
};

static const struct seg segs[] = {
	{ 100 * SIM_US, true, TCP_SYN, 1000, 0, 0, 0, false, 10, 11 },
	{ 130 * SIM_US, false, TCP_SYN | TCP_ACK, 5000, 1001, 0, 0, false, 12, 13 },
	{ 160 * SIM_US, true, TCP_ACK, 1001, 5001, 0, 0, false, 14, 15 },
	{ 200 * SIM_US, true, TCP_PSH | TCP_ACK, 1001, 5001, 1000, VIZ_TCP_DATA1, true, 17, 18 },
	{ 210 * SIM_US, true, TCP_ACK, 2001, 5001, 1000, VIZ_TCP_DATA2, true, 20, 0 },
	{ 220 * SIM_US, true, TCP_PSH | TCP_ACK, 3001, 5001, 1000, VIZ_TCP_DATA3, true, 22, 23 },
	{ 240 * SIM_US, false, TCP_ACK, 5001, 2001, 0, 0, false, 24, 25 },
	{ 260 * SIM_US, false, TCP_ACK, 5001, 2001, 0, 0, false, 34, 35 },
	{ 300 * SIM_US, true, TCP_ACK, 2001, 5001, 1000, VIZ_TCP_DATA2, false, 26, 27 },
	{ 330 * SIM_US, false, TCP_ACK, 5001, 4001, 0, 0, false, 36, 37 },
	{ 400 * SIM_US, true, TCP_FIN | TCP_ACK, 4001, 5001, 0, 0, false, 28, 29 },
	{ 430 * SIM_US, false, TCP_FIN | TCP_ACK, 5001, 4002, 0, 0, false, 30, 31 },
	{ 460 * SIM_US, true, TCP_ACK, 4002, 5002, 0, 0, false, 32, 33 },
};

static struct trace_pkt_info
seg_info(const struct seg *s)
{
	return (struct trace_pkt_info){
		.proto = 6,
		.saddr = s->fwd ? A_ADDR : B_ADDR,
		.daddr = s->fwd ? B_ADDR : A_ADDR,
		.sport = s->fwd ? 40000 : 80,
		.dport = s->fwd ? 80 : 40000,
		.tcp_flags = s->flags,
		.seq = s->seq,
		.ack = s->ack,
		.payload = s->payload,
	};
}

static void
tcp_send(struct world *w, struct trace_host *h, const void *arg)
{
	const struct seg *s = arg;
	struct trace_pkt_info info = seg_info(s);
	uint32_t len = 54 + s->payload;

	if (s->orig) {
		if (s->new_orig) {
			trace_alloc(h, s->orig, "tcp", 2048);
			trace_copy(h, s->orig, "tcp", COPY_USER_TO_SKB, s->payload);
			trace_packet(h, s->orig, &info);
		}
		trace_clone(h, s->orig, s->tx, "tcp");
		trace_alloc(h, s->tx, "tcp", 2048);
	} else {
		trace_alloc(h, s->tx, "tcp", 2048);
		trace_packet(h, s->tx, &info);
	}
	trace_push(h, s->tx, "tcp", 20, 74, 20 + s->payload);
	trace_handoff(h, s->tx, "ip", "ip_queue_xmit", 74, 20 + s->payload);
	trace_push(h, s->tx, "ip", 20, 54, 40 + s->payload);
	trace_handoff(h, s->tx, "dev", "dev_queue_xmit", 40, len);
	trace_handoff(h, s->tx, "driver", "ndo_start_xmit", 40, len);
	trace_copy(h, s->tx, "nic", COPY_DMA_TO_DEV, len);
	trace_wire(h, s->tx, "eth0", false, len, 0);
	trace_free(h, s->tx, "driver");
}

static void
tcp_receive(struct world *w, struct trace_host *h, const void *arg)
{
	const struct seg *s = arg;
	struct trace_pkt_info info = seg_info(s);
	uint32_t len = 54 + s->payload;

	trace_alloc(h, s->rx, "driver", 2048);
	/* the wire row names the sender's skb in other, as the frame carries it */
	trace_skb_event(h, TR_WIRE, s->rx, "wire", "rx", "eth0", -1, len, 0, COPY_NONE, NULL,
			s->tx);
	trace_copy(h, s->rx, "nic", COPY_DMA_FROM_DEV, len);
	trace_handoff(h, s->rx, "ip", "ip_rcv", 14, len - 14);
	trace_packet(h, s->rx, &info);
	trace_handoff(h, s->rx, "tcp", "tcp_v4_rcv", 34, len - 34);
	trace_free(h, s->rx, "tcp");
}

/* ---- running the script ---- */

static void
step_work(struct cpu_work *work)
{
	struct step *s = (struct step *)work;
	s->fn(s->w, s->w->h[s->host], s->arg);
}

static void
step_event(struct sim *sim, void *a, void *b)
{
	struct step *s = a;
	if (s->ctx == CPU_NONE)
		s->fn(s->w, s->w->h[s->host], s->arg);
	else
		cpu_submit(s->w->cpu[s->host], &s->work, s->ctx, 2 * SIM_US);
}

static void
step_add(GPtrArray *steps, struct world *w, sim_time_t at, int host, enum cpu_ctx ctx,
	 void (*fn)(struct world *, struct trace_host *, const void *), const void *arg)
{
	struct step *s = g_new0(struct step, 1);
	*s = (struct step){ .at = at, .host = host, .ctx = ctx, .fn = fn, .arg = arg, .w = w };
	cpu_work_init(&s->work, step_work, s, "step");
	s->work.name = ctx == CPU_TASK ? "app" : ctx == CPU_SOFTIRQ ? "net_rx_action" : "eth0 irq";
	g_ptr_array_add(steps, s);
	sim_schedule_at(w->sim, at, step_event, s, NULL);
}

void
viz_fixture_build(struct viz_fixture *f)
{
	GError *error = NULL;
	struct world w = { .sim = sim_new(7) };
	g_autoptr(GPtrArray) steps = g_ptr_array_new_with_free_func(g_free);

	f->dir = g_dir_make_tmp("netsim-viz-XXXXXX", &error);
	assert_non_null(f->dir);
	f->db_path = g_build_filename(f->dir, "trace.db", NULL);
	struct trace *tr = trace_open(f->db_path, TRACE_FULL, false, &error);
	assert_non_null(tr);
	assert_true(
		trace_begin_run(tr, "viz-fixture", "[run]\nduration = 1ms\n", 7, "test", &error));
	static const char *const names[2] = { "a", "b" };
	for (int i = 0; i < 2; i++) {
		w.cpu[i] = cpu_new(w.sim, names[i]);
		w.h[i] = trace_host_add(tr, w.sim, w.cpu[i], names[i]);
		cpu_set_busy_hook(w.cpu[i], trace_cpu_busy_hook, w.h[i]);
	}
	step_add(steps, &w, 0, 1, CPU_NONE, udp_rx_refill, NULL);
	step_add(steps, &w, 1 * SIM_US, 0, CPU_TASK, udp_sendmsg, NULL);
	step_add(steps, &w, 5 * SIM_US, 0, CPU_NONE, udp_nic_tx, NULL);
	step_add(steps, &w, 8 * SIM_US, 0, CPU_HARDIRQ, udp_tx_complete, NULL);
	step_add(steps, &w, 20 * SIM_US, 1, CPU_NONE, udp_nic_rx, NULL);
	step_add(steps, &w, 21 * SIM_US, 1, CPU_HARDIRQ, udp_rx_irq, NULL);
	step_add(steps, &w, 24 * SIM_US, 1, CPU_SOFTIRQ, udp_rx_softirq, NULL);
	step_add(steps, &w, 30 * SIM_US, 1, CPU_TASK, udp_recvmsg, NULL);
	step_add(steps, &w, 50 * SIM_US, 0, CPU_TASK, udp_qdisc_drop, NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(segs); i++) {
		const struct seg *s = &segs[i];
		step_add(steps, &w, s->at, s->fwd ? 0 : 1, CPU_SOFTIRQ, tcp_send, s);
		if (s->rx)
			step_add(steps, &w, s->at + 15 * SIM_US, s->fwd ? 1 : 0, CPU_SOFTIRQ,
				 tcp_receive, s);
	}
	sim_run_until(w.sim, SIM_MS);
	trace_counter(w.h[1], "drop.ring_full", "eth0", 3);
	assert_true(trace_close(tr, true, &error));
	assert_null(error);
	for (int i = 0; i < 2; i++)
		cpu_free(w.cpu[i]);
	sim_free(w.sim);
}

static void
rm_rf(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;
	while (d && (name = g_dir_read_name(d))) {
		g_autofree char *p = g_build_filename(dir, name, NULL);
		if (g_file_test(p, G_FILE_TEST_IS_DIR))
			rm_rf(p);
		else
			g_unlink(p);
	}
	if (d)
		g_dir_close(d);
	g_rmdir(dir);
}

/* NETSIM_TEST_KEEP=1 keeps the trace and pictures for a look. */
void
viz_fixture_free(struct viz_fixture *f)
{
	if (g_getenv("NETSIM_TEST_KEEP"))
		fprintf(stderr, "kept %s\n", f->dir);
	else
		rm_rf(f->dir);
	g_free(f->dir);
	g_free(f->db_path);
}
