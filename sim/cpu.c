/*
 * sim/cpu.c - one host CPU running work items in three contexts.
 *
 * At most one item runs.  Each context has a FIFO queue; the CPU always runs
 * the head of the highest non-empty context.  When an item of a higher
 * context arrives, the running item is charged for the time it has had,
 * returned to the head of its queue with its remaining cost, and the new
 * item starts: preemption.  The running item's end is one pending event,
 * cancelled on preemption.  An item's function runs at the end, in the
 * item's context, and may submit more work; the next item starts only after
 * it returns.
 */
#include "sim/cpu.h"

#include <glib.h>

const struct cpu_cost_info cpu_cost_info[COST_NCOSTS] = {
	[COST_IRQ_ENTRY] = { "irq_entry", 1000, "interrupt entry and exit, handler dispatch" },
	[COST_DRIVER_RX] = { "driver_rx", 500, "driver: one frame from the RX ring into an skb" },
	[COST_DRIVER_TX] = { "driver_tx", 400, "driver: hard_start_xmit of one skb" },
	[COST_TX_COMPLETE] = { "tx_complete", 150, "driver: reclaim one sent skb" },
	[COST_NETIF_RX] = { "netif_rx", 150, "netif_rx: enqueue one skb on the backlog" },
	[COST_SOFTIRQ_ENTRY] = { "softirq_entry", 300, "entering net_rx_action once" },
	[COST_NAPI_POLL] = { "napi_poll", 200, "one call of a driver poll function" },
	[COST_ETH_RCV] = { "eth_rcv", 100, "eth_type_trans and ethertype demux" },
	[COST_ARP] = { "arp", 400, "ARP input or resolution" },
	[COST_IP_RCV] = { "ip_rcv", 500, "ip_rcv and ip_rcv_finish with route lookup" },
	[COST_IP_FORWARD] = { "ip_forward", 400, "ip_forward: TTL, checksum, output route" },
	[COST_IP_OUTPUT] = { "ip_output", 500, "ip_queue_xmit/ip_output/neighbour output" },
	[COST_IP_FRAG] = { "ip_frag", 300, "creating or reassembling one fragment" },
	[COST_ICMP] = { "icmp", 500, "icmp_rcv or building an ICMP message" },
	[COST_UDP_RCV] = { "udp_rcv", 500, "udp_rcv: checksum, socket lookup, queueing" },
	[COST_UDP_SEND] = { "udp_send", 600, "udp_sendmsg beyond the copy" },
	[COST_TCP_RCV] = { "tcp_rcv", 1200, "tcp_v4_rcv and state processing of one segment" },
	[COST_TCP_SEND] = { "tcp_send", 1000, "building and sending one segment" },
	[COST_SYSCALL] = { "syscall", 200, "system call entry and exit" },
	[COST_CTX_SWITCH] = { "ctx_switch", 2000, "switching between two tasks" },
	[COST_WAKEUP] = { "wakeup", 500, "waking a blocked process" },
	[COST_COPY_PER_KB] = { "copy_per_kb", 250, "copying 1 KiB user<->kernel" },
	[COST_SCREEN] = { "screen", 2000, "user-level screening of one packet" },
	[COST_APP_PACKET] = { "app_packet", 1000, "an application handling one message" },
};

int
cpu_cost_by_name(const char *name)
{
	for (int i = 0; i < COST_NCOSTS; i++)
		if (g_strcmp0(cpu_cost_info[i].name, name) == 0)
			return i;
	return -1;
}

const char *
cpu_ctx_name(enum cpu_ctx ctx)
{
	static const char *const names[] = { "hardirq", "softirq", "task", "hw" };
	return (unsigned)ctx <= CPU_NONE ? names[ctx] : "?";
}

struct cpu_queue {
	struct cpu_work *head, *tail;
};

struct cpu {
	struct sim *sim;
	char *name;
	sim_time_t cost[COST_NCOSTS];
	cpu_busy_hook hook;
	void *hook_arg;

	struct cpu_queue q[CPU_NCTX];
	struct cpu_work *cur; /* running, not on any queue */
	sim_time_t cur_start; /* start of the current stretch */
	sim_event_id cur_done;
	enum cpu_ctx in_fn; /* context of the function running now */
	uint32_t last_task;

	sim_time_t busy[CPU_NCTX];
	uint64_t items[CPU_NCTX];
	uint64_t preemptions, ctx_switches;
};

struct cpu *
cpu_new(struct sim *sim, const char *name)
{
	struct cpu *cpu = g_new0(struct cpu, 1);
	cpu->sim = sim;
	cpu->name = g_strdup(name);
	cpu->in_fn = CPU_NONE;
	for (int i = 0; i < COST_NCOSTS; i++)
		cpu->cost[i] = cpu_cost_info[i].default_ns;
	return cpu;
}

void
cpu_free(struct cpu *cpu)
{
	if (!cpu)
		return;
	if (cpu->cur_done)
		sim_cancel(cpu->sim, cpu->cur_done);
	g_free(cpu->name);
	g_free(cpu);
}

const char *
cpu_name(const struct cpu *cpu)
{
	return cpu->name;
}

struct sim *
cpu_sim(const struct cpu *cpu)
{
	return cpu->sim;
}

void
cpu_set_cost(struct cpu *cpu, enum cpu_cost which, sim_time_t ns)
{
	g_assert((unsigned)which < COST_NCOSTS && ns >= 0);
	cpu->cost[which] = ns;
}

sim_time_t
cpu_cost(const struct cpu *cpu, enum cpu_cost which)
{
	return cpu->cost[which];
}

sim_time_t
cpu_copy_cost(const struct cpu *cpu, uint64_t bytes)
{
	return (sim_time_t)((bytes * (uint64_t)cpu->cost[COST_COPY_PER_KB] + 512) / 1024);
}

void
cpu_set_busy_hook(struct cpu *cpu, cpu_busy_hook hook, void *arg)
{
	cpu->hook = hook;
	cpu->hook_arg = arg;
}

static void
queue_append(struct cpu_queue *q, struct cpu_work *w)
{
	w->next = NULL;
	if (q->tail)
		q->tail->next = w;
	else
		q->head = w;
	q->tail = w;
}

static void
queue_prepend(struct cpu_queue *q, struct cpu_work *w)
{
	w->next = q->head;
	q->head = w;
	if (!q->tail)
		q->tail = w;
}

static struct cpu_work *
queue_pop(struct cpu_queue *q)
{
	struct cpu_work *w = q->head;
	if (w) {
		q->head = w->next;
		if (!q->head)
			q->tail = NULL;
		w->next = NULL;
	}
	return w;
}

/* Charge the running item for the stretch that ends now. */
static void
account_stretch(struct cpu *cpu)
{
	struct cpu_work *w = cpu->cur;
	sim_time_t now = sim_now(cpu->sim), ran = now - cpu->cur_start;
	cpu->busy[w->ctx] += ran;
	w->remaining -= ran;
	if (cpu->hook && ran > 0)
		cpu->hook(cpu->hook_arg, w->ctx, w->name, cpu->cur_start, now);
}

static void cpu_start_next(struct cpu *cpu);

static void
cpu_item_done(struct sim *sim, void *a, void *b)
{
	struct cpu *cpu = a;
	struct cpu_work *w = cpu->cur;
	g_assert(w == b);
	account_stretch(cpu);
	cpu->cur = NULL;
	cpu->cur_done = 0;
	w->queued = false;
	cpu->items[w->ctx]++;
	cpu->in_fn = w->ctx;
	w->fn(w);
	cpu->in_fn = CPU_NONE;
	cpu_start_next(cpu);
}

static void
cpu_start_next(struct cpu *cpu)
{
	if (cpu->cur || cpu->in_fn != CPU_NONE)
		return;
	for (int c = 0; c < CPU_NCTX; c++) {
		struct cpu_work *w = queue_pop(&cpu->q[c]);
		if (!w)
			continue;
		if (c == CPU_TASK && w->task && w->task != cpu->last_task) {
			if (cpu->last_task) {
				w->remaining += cpu->cost[COST_CTX_SWITCH];
				cpu->ctx_switches++;
			}
			cpu->last_task = w->task;
		}
		cpu->cur = w;
		cpu->cur_start = sim_now(cpu->sim);
		cpu->cur_done = sim_schedule(cpu->sim, w->remaining, cpu_item_done, cpu, w);
		return;
	}
}

void
cpu_submit(struct cpu *cpu, struct cpu_work *w, enum cpu_ctx ctx, sim_time_t cost)
{
	g_assert(w->fn != NULL);
	if (w->queued)
		g_error("cpu %s: work '%s' submitted while already queued", cpu->name,
			w->name ? w->name : "?");
	g_assert((unsigned)ctx < CPU_NCTX && cost >= 0);
	w->ctx = ctx;
	w->remaining = cost;
	w->queued = true;
	queue_append(&cpu->q[ctx], w);

	struct cpu_work *cur = cpu->cur;
	if (cur && ctx < cur->ctx) {
		/* Preemption: the running item keeps what it has left. */
		account_stretch(cpu);
		sim_cancel(cpu->sim, cpu->cur_done);
		cpu->cur_done = 0;
		cpu->cur = NULL;
		queue_prepend(&cpu->q[cur->ctx], cur);
		cpu->preemptions++;
	}
	cpu_start_next(cpu);
}

bool
cpu_withdraw(struct cpu *cpu, struct cpu_work *w)
{
	if (!w->queued)
		return false;
	if (cpu->cur == w) {
		account_stretch(cpu);
		sim_cancel(cpu->sim, cpu->cur_done);
		cpu->cur_done = 0;
		cpu->cur = NULL;
		w->queued = false;
		cpu_start_next(cpu);
		return true;
	}
	struct cpu_queue *q = &cpu->q[w->ctx];
	struct cpu_work *prev = NULL;
	for (struct cpu_work *x = q->head; x; prev = x, x = x->next) {
		if (x != w)
			continue;
		if (prev)
			prev->next = x->next;
		else
			q->head = x->next;
		if (q->tail == x)
			q->tail = prev;
		x->next = NULL;
		w->queued = false;
		return true;
	}
	g_error("cpu %s: work '%s' marked queued but not found", cpu->name,
		w->name ? w->name : "?");
}

enum cpu_ctx
cpu_current_ctx(const struct cpu *cpu)
{
	return cpu ? cpu->in_fn : CPU_NONE;
}

bool
cpu_ctx_busy(const struct cpu *cpu, enum cpu_ctx ctx)
{
	return cpu->q[ctx].head || (cpu->cur && cpu->cur->ctx == ctx);
}

bool
cpu_idle(const struct cpu *cpu)
{
	return !cpu->cur && !cpu->q[0].head && !cpu->q[1].head && !cpu->q[2].head;
}

sim_time_t
cpu_busy_ns(const struct cpu *cpu, enum cpu_ctx ctx)
{
	sim_time_t t = cpu->busy[ctx];
	if (cpu->cur && cpu->cur->ctx == ctx)
		t += sim_now(cpu->sim) - cpu->cur_start;
	return t;
}

uint64_t
cpu_items_run(const struct cpu *cpu, enum cpu_ctx ctx)
{
	return cpu->items[ctx];
}

uint64_t
cpu_preemptions(const struct cpu *cpu)
{
	return cpu->preemptions;
}

uint64_t
cpu_context_switches(const struct cpu *cpu)
{
	return cpu->ctx_switches;
}
