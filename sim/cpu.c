/*
 * sim/cpu.c - one host CPU running work items in three contexts.
 *
 * At most one item runs.  Hardirq and softirq have a FIFO queue each; task
 * items wait on their task's own FIFO, and the run queue (sim/sched_fair.c)
 * says which task goes next.  The CPU always runs the highest non-empty
 * context.  When an item of a higher context arrives, the running item is
 * charged for the time it has had, returned to the head of its queue with
 * its remaining cost, and the new item starts: preemption.  The running
 * item's end is one pending event, cancelled on preemption.  An item's
 * function runs at the end, in the item's context, and may submit more
 * work; the next item starts only after it returns.
 *
 * An item pays, in order: a context switch into its task (switch_ns), the
 * charges of the step before it (its debt: one segment per owner), then its
 * own cost.  account_stretch splits every stretch of time along these
 * parts, so each owner is billed exactly.
 *
 * sim/cpu_ctx.c answers which context runs now and keeps bottom halves,
 * the context assertions and the invariants; sim/cpu_smp.c has several
 * CPUs per host and timers; sim/sched_fair.c the task run queue.
 */
#include "sim/cpu_int.h"

#include <glib.h>
#include <string.h>
#include "sim/check.h"

const struct cpu_cost_info cpu_cost_info[COST_NCOSTS] = {
	[COST_IRQ_ENTRY] = { "irq_entry", 1000, "interrupt entry and exit, handler dispatch" },
	[COST_DRIVER_RX] = { "driver_rx", 500, "driver: one frame from the RX ring into an skb" },
	[COST_DRIVER_TX] = { "driver_tx", 400, "driver: hard_start_xmit of one skb" },
	[COST_TX_COMPLETE] = { "tx_complete", 150, "driver: reclaim one sent skb" },
	[COST_NETIF_RX] = { "netif_rx", 150, "netif_rx: enqueue one skb on the backlog" },
	[COST_SOFTIRQ_ENTRY] = { "softirq_entry", 300, "entering net_rx_action once" },
	[COST_SOFTIRQ_EXIT] = { "softirq_exit", 100,
				"leaving net_rx_action; __do_softirq re-checks pending" },
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
	[COST_CSUM_PER_KB] = { "csum_per_kb", 100,
			       "Internet checksum of 1 KiB in software (no checksum offload)" },
	[COST_GSO_SEGMENT] = { "gso_segment", 300,
			       "software GSO: making one segment (skb, headers, fix-ups)" },
	[COST_GRO_RECEIVE] = { "gro_receive", 150,
			       "GRO: one skb through dev_gro_receive's checks and merge" },
	[COST_MIGRATE] = { "migrate", 5000,
			   "moving a task to another CPU: the balancer's detach/attach and the "
			   "task's cache refill" },
};

int
cpu_cost_by_name(const char *name)
{
	for (int i = 0; i < COST_NCOSTS; i++)
		if (g_strcmp0(cpu_cost_info[i].name, name) == 0)
			return i;
	return -1;
}

_Static_assert(offsetof(struct cpu, head) == 0, "cpu_cost (cpu.h) reads the first member");

/*
 * The world's cost tables: one immutable table per distinct set of costs,
 * which every CPU of those costs points to, so the senders of a star of
 * 1000 hosts read one table that stays cached instead of four cold lines
 * of their own a datagram.  Kept in a set by content (sim_cpu_shared) and
 * freed with the world; cpu_set_cost is copy on write.  A table is on
 * lines of its own (COST_NCOSTS * 8 bytes: four).
 */
static guint
costs_hash(gconstpointer p)
{
	const sim_time_t *c = p;
	uint64_t h = 0;
	for (int i = 0; i < COST_NCOSTS; i++)
		h = (h ^ (uint64_t)c[i]) * 0x100000001b3ull;
	return (guint)(h ^ h >> 32);
}

static gboolean
costs_equal(gconstpointer a, gconstpointer b)
{
	return memcmp(a, b, COST_NCOSTS * sizeof(sim_time_t)) == 0;
}

static void
costs_set_free(void *set)
{
	g_hash_table_unref(set);
}

/* The world's table equal to @costs, added if it has none. */
static const sim_time_t *
cpu_costs_intern(struct sim *sim, const sim_time_t *costs)
{
	GHashTable *set = sim_cpu_shared(sim);
	if (!set) {
		set = g_hash_table_new_full(costs_hash, costs_equal, g_aligned_free, NULL);
		sim_set_cpu_shared(sim, set, costs_set_free);
	}
	const sim_time_t *t = g_hash_table_lookup(set, costs);
	if (!t) {
		sim_time_t *copy = g_aligned_alloc(COST_NCOSTS, sizeof(sim_time_t), 64);
		memcpy(copy, costs, COST_NCOSTS * sizeof(sim_time_t));
		g_hash_table_add(set, copy);
		t = copy;
	}
	return t;
}

/* @cpu's cost @which becomes @ns: another table of the world. */
static void
cpu_cost_put(struct cpu *cpu, enum cpu_cost which, sim_time_t ns)
{
	if (cpu->head.cost[which] == ns)
		return;
	sim_time_t t[COST_NCOSTS];
	memcpy(t, cpu->head.cost, sizeof t);
	t[which] = ns;
	cpu->head.cost = cpu_costs_intern(cpu->sim, t);
}

void
cpu_copy_costs(struct cpu *cpu, const struct cpu *from)
{
	g_assert(cpu->sim == from->sim);
	cpu->head.cost = from->head.cost;
}

const char *
cpu_ctx_name(enum cpu_ctx ctx)
{
	static const char *const names[] = {
#define CPU_CTX_NAME(e, name, what) [CPU_##e] = #name,
		CPU_CONTEXTS(CPU_CTX_NAME)
#undef CPU_CTX_NAME
	};
	return (unsigned)ctx <= CPU_NONE ? names[ctx] : "?";
}

struct cpu *
cpu_new(struct sim *sim, const char *name)
{
	/* on a line of its own: struct cpu's hot fields are laid out by line */
	struct cpu *cpu = g_aligned_alloc0(1, sizeof *cpu, 64);
	cpu->sim = sim;
	cpu->name = g_strdup(name);
	cpu->in_fn = CPU_NONE;
	cpu->leader = cpu;
	sim_time_t t[COST_NCOSTS];
	for (int i = 0; i < COST_NCOSTS; i++)
		t[i] = cpu_cost_info[i].default_ns;
	cpu->head.cost = cpu_costs_intern(sim, t);
	rq_init(&cpu->rq);
	return cpu;
}

void
cpu_free(struct cpu *cpu)
{
	if (!cpu)
		return;
	if (cpu->cur_done)
		sim_cancel(cpu->sim, cpu->cur_done);
	if (cpu->balance_ev)
		sim_cancel(cpu->sim, cpu->balance_ev);
	if (cpu->leader != cpu)
		for (struct cpu **pp = &cpu->leader->sibling; *pp; pp = &(*pp)->sibling)
			if (*pp == cpu) {
				*pp = cpu->sibling;
				break;
			}
	sched_smp_leave(cpu);
	rq_fini(&cpu->rq);
	struct cpu_debt *d;
	while ((d = cpu->all_debts) != NULL) {
		cpu->all_debts = d->all_next;
		g_aligned_free(d);
	}
	g_free(cpu->name);
	g_aligned_free(cpu);
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
	cpu_cost_put(cpu, which, ns);
	if (cpu->leader == cpu) /* a host's costs: all its CPUs */
		for (struct cpu *c = cpu->sibling; c; c = c->sibling)
			cpu_cost_put(c, which, ns);
}

/* Without a hook account_stretch does not walk an item's parts, so a hook
 * can only come before anything runs (it may go at any time). */
void
cpu_set_busy_hook(struct cpu *cpu, cpu_busy_hook hook, void *arg)
{
	g_assert(!hook ||
		 (!cpu->cur &&
		  cpu->items[CPU_HARDIRQ] + cpu->items[CPU_SOFTIRQ] + cpu->items[CPU_TASK] == 0));
	cpu->hook = hook;
	cpu->hook_arg = arg;
}

/* O(items on @q), for cpu_withdraw: a task's own queue holds one or two
 * items, the softirq queue one per raised source (a few per host); it
 * runs at teardown, a process's end, and for a ksoftirqd pass that irq
 * exit makes needless (softnet_raise). */
bool
cpu_queue_remove(struct cpu_queue *q, struct cpu_work *w)
{
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
		return true;
	}
	return false;
}

/* ---- charges (debts) ------------------------------------------------------------ */

static void debt_item_done(struct cpu_work *w);

/* A debt from the free list (allocated only while the list is empty: the
 * number alive is bounded by the items in flight, so the pool stops growing). */
static struct cpu_debt *
debt_get(struct cpu *cpu)
{
	struct cpu_debt *d = cpu->free_debts;
	if (d) {
		/* The item is set when it is submitted; its task entity stays as
		 * a hint (cpu_enqueue_task checks it: task entities live as long
		 * as their CPU), so a debt of the task it last served finds it
		 * without a lookup. */
		cpu->free_debts = d->next_free;
	} else {
		d = g_aligned_alloc0(1, sizeof *d, 64); /* its first fields on one line */
		d->all_next = cpu->all_debts;
		cpu->all_debts = d;
		cpu_work_init(&d->work, debt_item_done, d, "charge");
	}
	d->next_free = NULL;
	d->nseg = d->cur = 0;
	d->total = 0;
	return d;
}

static void
debt_put(struct cpu *cpu, struct cpu_debt *d)
{
	d->next_free = cpu->free_debts;
	cpu->free_debts = d;
}

/* A debt paid as an item of its own: nothing to do once paid. */
static void
debt_item_done(struct cpu_work *w)
{
	(void)w;
}

static void cpu_submit_debt(struct cpu *cpu, struct cpu_debt *d, enum cpu_ctx ctx, uint32_t task);

/* The running function's charges, still unqueued, become an item of their own. */
static G_GNUC_NO_INLINE void
flush_debt(struct cpu *cpu, struct cpu_debt *d)
{
	cpu->pending = NULL;
	cpu_submit_debt(cpu, d, cpu->in_fn, cpu->in_task);
}

/* Most functions leave nothing unpaid (their continuation took it): the
 * test inline, the submission out of line. */
static inline void
flush_pending(struct cpu *cpu)
{
	struct cpu_debt *d = cpu->pending;
	if (G_UNLIKELY(d != NULL))
		flush_debt(cpu, d);
}

void
cpu_charge(struct cpu *cpu, const char *name, sim_time_t ns)
{
	if (ns <= 0)
		return;
	if (cpu->in_fn == CPU_NONE) {
		/* Outside the CPU model (timers, hardware): softirq work of its own. */
		struct cpu_debt *d = debt_get(cpu);
		d->seg[d->nseg++] = (struct cpu_seg){ name, ns };
		d->total = ns;
		cpu_submit_debt(cpu, d, CPU_SOFTIRQ, 0);
		return;
	}
	struct cpu_debt *d = cpu->pending;
	if (d && d->nseg > 0 && d->seg[d->nseg - 1].name == name) {
		/* the same owner again, back to back: one segment */
		d->seg[d->nseg - 1].ns += ns;
		d->total += ns;
		return;
	}
	if (d && d->nseg == CPU_DEBT_SEGS)
		flush_pending(cpu);
	if (!cpu->pending)
		cpu->pending = debt_get(cpu);
	d = cpu->pending;
	d->seg[d->nseg++] = (struct cpu_seg){ name, ns };
	d->total += ns;
}

bool
cpu_charges_pending(const struct cpu *cpu)
{
	return cpu->pending != NULL;
}

/* ---- running items ------------------------------------------------------------------ */

static void
hook(struct cpu *cpu, enum cpu_ctx ctx, uint32_t task, const char *name, sim_time_t s, sim_time_t e)
{
	if (!cpu->hook || e <= s)
		return;
	cpu->hook_task = task;
	cpu->leader->hook_task = task; /* the trace asks CPU 0 (cpu_smp_join) */
	cpu->hook_cpu = cpu->id;
	cpu->leader->hook_cpu = cpu->id;
	cpu->hook(cpu->hook_arg, ctx, name, s, e);
	cpu->hook_task = 0;
	cpu->leader->hook_task = 0;
	cpu->hook_cpu = 0;
	cpu->leader->hook_cpu = 0;
}

/* account_stretch's walk over the parts of the stretch [@t, @now) of the
 * running item, told to the busy hook one by one; out of line, as only a
 * traced run has a hook. */
static G_GNUC_NO_INLINE void
account_parts(struct cpu *cpu, struct cpu_work *w, sim_time_t t, sim_time_t now)
{
	uint32_t task = w->ctx == CPU_TASK ? w->task : 0;
	if (w->migrate_ns > 0 && t < now) {
		sim_time_t pay = MIN(w->migrate_ns, now - t);
		hook(cpu, w->ctx, task, cpu_cost_info[COST_MIGRATE].name, t, t + pay);
		w->migrate_ns -= pay;
		t += pay;
	}
	if (w->switch_ns > 0 && t < now) {
		sim_time_t pay = MIN(w->switch_ns, now - t);
		hook(cpu, w->ctx, task, cpu_cost_info[COST_CTX_SWITCH].name, t, t + pay);
		w->switch_ns -= pay;
		t += pay;
	}
	struct cpu_debt *d = w->debt;
	while (d && d->cur < d->nseg && t < now) {
		struct cpu_seg *sg = &d->seg[d->cur];
		sim_time_t pay = MIN(sg->ns, now - t);
		hook(cpu, w->ctx, task, sg->name, t, t + pay);
		sg->ns -= pay;
		t += pay;
		if (sg->ns == 0)
			d->cur++;
	}
	if (d != NULL && &d->work == w)
		return; /* a debt item has no cost of its own */
	hook(cpu, w->ctx, task, w->name, t, now);
}

/* Charge the running item for the stretch that ends now, part by part. */
static inline void
account_stretch(struct cpu *cpu)
{
	struct cpu_work *w = cpu->cur;
	sim_time_t now = sim_now(cpu->sim), t = cpu->cur_start, ran = now - t;
	cpu->busy[w->ctx] += ran;
	w->remaining -= ran;
	if (w->ctx == CPU_TASK) {
		rq_account(&cpu->rq, w->se, ran);
		w->se->exec_start = now; /* update_curr: when it last ran */
	}
	if (G_UNLIKELY(cpu->hook))
		account_parts(cpu, w, t, now);
	/* else no one to tell the parts to (cpu_set_busy_hook) */
}

static void cpu_start_next(struct cpu *cpu);

/* One CPU of several runs @w's function: this_cpu (the host's slot) is
 * this CPU meanwhile, and CPU 0 answers for it (cpu_smp_join).  A host
 * of one CPU has it there always and skips this. */
static G_GNUC_NO_INLINE void
cpu_item_call_smp(struct cpu *cpu, struct cpu_work *w)
{
	struct cpu *was = *cpu->this_slot;
	*cpu->this_slot = cpu;
	cpu->leader->running = cpu;
	w->fn(w);
	flush_pending(cpu);
	cpu->leader->running = NULL;
	*cpu->this_slot = was;
}

/* The running item @w has been paid for: its function runs. */
static void
cpu_item_end(struct cpu *cpu, struct cpu_work *w)
{
	account_stretch(cpu);
	g_assert(w->remaining == 0);
	cpu->cur = NULL;
	cpu->cur_done = 0;
	w->queued = false;
	struct cpu_debt *d = w->debt;
	w->debt = NULL;
	cpu->items[w->ctx]++;
	/* The resume path: the one place the current context and task are set. */
	cpu->in_fn = w->ctx;
	cpu->in_task = w->ctx == CPU_TASK ? w->task : 0;
	struct cpu_task *se = w->ctx == CPU_TASK ? w->se : NULL;
	if (G_UNLIKELY(cpu->smp)) {
		cpu_item_call_smp(cpu, w);
	} else {
		w->fn(w);
		flush_pending(cpu);
	}
	cpu->in_fn = CPU_NONE;
	cpu->in_task = 0;
	if (d)
		debt_put(cpu, d);
	if (se)
		rq_item_end(&cpu->rq, se, false);
	NS_CHECK(cpu_check(cpu));
}

/* The item to run next on a CPU with no item running and no function
 * running, taken off its queue; NULL when nothing is queued. */
static inline __attribute__((always_inline)) struct cpu_work *
cpu_pick_free(struct cpu *cpu)
{
	for (int c = CPU_HARDIRQ; c < CPU_TASK; c++) {
		struct cpu_work *w = cpu_queue_pop(&cpu->q[c]);
		if (w)
			return w;
	}
	return rq_pick(&cpu->rq, cpu->head.cost[COST_CTX_SWITCH], cpu->hook != NULL);
}

/* cpu_pick_free, or NULL while an item or a function runs. */
static inline __attribute__((always_inline)) struct cpu_work *
cpu_pick_next(struct cpu *cpu)
{
	if (cpu->cur || cpu->in_fn != CPU_NONE)
		return NULL;
	return cpu_pick_free(cpu);
}

/*
 * An item's end (an engine event).  Its function runs, then the next item
 * starts.  When that item's end would be the engine's very next event
 * (sim_schedule_next: nothing else is pending before it, so nothing can
 * preempt it or run in between), the clock moves there and it ends here,
 * in a loop, instead of through the queue: the same items end at the same
 * times in the same order, each after its cost is paid.
 */
static void
cpu_item_done(struct sim *sim, void *a, void *b)
{
	struct cpu *cpu = a;
	struct cpu_work *w = b;
	g_assert(w == cpu->cur);
	for (;;) {
		/* it leaves the CPU free: nothing starts while a function runs */
		cpu_item_end(cpu, w);
		if (ns_checks_enabled())
			g_assert(!cpu->cur && cpu->in_fn == CPU_NONE);
		w = cpu_pick_free(cpu);
		if (!w)
			return;
		cpu->cur = w;
		cpu->cur_start = sim_now(sim);
		cpu->cur_done = sim_schedule_next(sim, w->remaining, cpu_item_done, cpu, w);
		if (cpu->cur_done)
			return;
	}
}

static void
cpu_run(struct cpu *cpu, struct cpu_work *w)
{
	cpu->cur = w;
	cpu->cur_start = sim_now(cpu->sim);
	cpu->cur_done = sim_schedule(cpu->sim, w->remaining, cpu_item_done, cpu, w);
}

void
cpu_kick(struct cpu *cpu)
{
	cpu_start_next(cpu);
}

static void
cpu_start_next(struct cpu *cpu)
{
	struct cpu_work *w = cpu_pick_next(cpu);
	if (w)
		cpu_run(cpu, w);
}

/* Preemption: the running item keeps what it has left. */
static void
cpu_preempt_running(struct cpu *cpu)
{
	struct cpu_work *cur = cpu->cur;
	account_stretch(cpu);
	sim_cancel(cpu->sim, cpu->cur_done);
	cpu->cur_done = 0;
	cpu->cur = NULL;
	if (cur->ctx == CPU_TASK)
		cpu_queue_prepend(&cur->se->items, cur);
	else
		cpu_queue_prepend(&cpu->q[cur->ctx], cur);
	cpu->preemptions++;
}

/* cpu_enqueue of a task item: its task's queue, and the run queue. */
static G_GNUC_NO_INLINE void
cpu_enqueue_task(struct cpu *cpu, struct cpu_work *w)
{
	if (!w->se || w->se->id != w->task || w->se->cpu != cpu)
		w->se = cpu->smp ? rq_task_find(cpu, w->task) : rq_task(&cpu->rq, w->task);
	g_assert(w->se->cpu == cpu); /* cpu_submit sent it to the task's CPU */
	/* a process's item names its task */
	if (!w->se->named && w->fn != debt_item_done) {
		w->se->name = w->name;
		w->se->named = w->name != NULL;
	}
	rq_enqueue(&cpu->rq, w);
	if (G_UNLIKELY(cpu->smp) && cpu->rq.nr_running >= 2)
		sched_balance_arm(cpu->leader);
}

static inline void
cpu_enqueue(struct cpu *cpu, struct cpu_work *w)
{
	if (w->ctx != CPU_TASK)
		cpu_queue_append(&cpu->q[w->ctx], w);
	else
		cpu_enqueue_task(cpu, w);
}

/* SMP: a task item goes to the CPU its task is on, which a migration
 * may have changed since the submitter last looked (Linux's task_cpu). */
static struct cpu *
cpu_task_target(struct cpu *cpu, struct cpu_work *w)
{
	struct cpu_task *se = w->se;
	if (!se || se->id != w->task || (se->cpu != cpu && !se->allowed))
		se = rq_task_find(cpu, w->task);
	w->se = se;
	return se->cpu;
}

/* cpu_submit from outside the CPU's functions (an event: a timer, the
 * NIC, another CPU): the new item of @ctx may preempt the running one, or
 * start on an idle CPU. */
static G_GNUC_NO_INLINE void
cpu_submit_start(struct cpu *cpu, enum cpu_ctx ctx)
{
	if (cpu->cur && ctx < cpu->cur->ctx)
		cpu_preempt_running(cpu);
	cpu_start_next(cpu);
}

/* An item submitted to @cpu: queued there, @cost still to run, no charges
 * of its own yet.  Inline in both submitters: cpu_submit must stay free of
 * calls that are not tail calls. */
static inline __attribute__((always_inline)) void
work_arm(struct cpu *cpu, struct cpu_work *w, enum cpu_ctx ctx, sim_time_t cost)
{
	w->ctx = ctx;
	w->remaining = cost;
	if (G_UNLIKELY(cpu->hook)) { /* only account_parts reads them */
		w->migrate_ns = 0;
		w->switch_ns = 0;
	}
	w->debt = NULL;
	w->queued = true;
	w->on = cpu;
}

static void
cpu_submit_debt(struct cpu *cpu, struct cpu_debt *d, enum cpu_ctx ctx, uint32_t task)
{
	struct cpu_work *w = &d->work;
	w->task = task;
	work_arm(cpu, w, ctx, d->total);
	w->debt = d; /* its own segments */
	cpu_enqueue(cpu, w);
	if (cpu->cur && ctx < cpu->cur->ctx)
		cpu_preempt_running(cpu);
	cpu_start_next(cpu);
}

/* cpu_submit's every case: a task's item, and the checks that abort. */
static G_GNUC_NO_INLINE void
cpu_submit_any(struct cpu *cpu, struct cpu_work *w, enum cpu_ctx ctx, sim_time_t cost)
{
	g_assert(w->fn != NULL);
	if (w->queued)
		g_error("cpu %s: work '%s' submitted while already queued", cpu->name,
			w->name ? w->name : "?");
	g_assert((unsigned)ctx < CPU_NCTX && cost >= 0);
	if (ctx == CPU_TASK && G_UNLIKELY(cpu->smp))
		cpu = cpu_task_target(cpu, w);
	work_arm(cpu, w, ctx, cost);
	/* The continuation of the running flow pays that flow's charges first. */
	struct cpu_debt *d = cpu->pending;
	if (d && ctx == cpu->in_fn && (ctx != CPU_TASK || w->task == cpu->in_task)) {
		cpu->pending = NULL;
		w->debt = d;
		w->remaining += d->total;
	}
	cpu_enqueue(cpu, w);
	/* While a function of this CPU runs (the usual submitter), no item
	 * runs on it and none starts before the function returns. */
	if (cpu->in_fn == CPU_NONE)
		cpu_submit_start(cpu, ctx);
}

/*
 * An interrupt's or a softirq's item, checked: cpu_submit_any's steps for
 * those contexts, with no call but the tail calls, so that it saves no
 * registers (most items are softirq steps, submitted from the function of
 * the step before).
 */
void
cpu_submit(struct cpu *cpu, struct cpu_work *w, enum cpu_ctx ctx, sim_time_t cost)
{
	if (G_UNLIKELY(!w->fn || w->queued || (unsigned)ctx >= CPU_TASK || cost < 0)) {
		cpu_submit_any(cpu, w, ctx, cost);
		return;
	}
	work_arm(cpu, w, ctx, cost);
	struct cpu_debt *d = cpu->pending;
	if (d && ctx == cpu->in_fn) {
		cpu->pending = NULL;
		w->debt = d;
		w->remaining += d->total;
	}
	cpu_queue_append(&cpu->q[ctx], w);
	if (cpu->in_fn == CPU_NONE)
		cpu_submit_start(cpu, ctx);
}

/* @cpu names the host; the item is withdrawn from the CPU it is queued on. */
bool
cpu_withdraw(struct cpu *cpu, struct cpu_work *w)
{
	if (!w->queued)
		return false;
	cpu = w->on; /* whichever CPU of the host it was queued on */
	struct cpu_debt *d = w->debt;
	if (cpu->cur == w) {
		account_stretch(cpu);
		sim_cancel(cpu->sim, cpu->cur_done);
		cpu->cur_done = 0;
		cpu->cur = NULL;
	} else if (w->ctx == CPU_TASK) {
		if (!cpu_queue_remove(&w->se->items, w))
			g_error("cpu %s: work '%s' marked queued but not found", cpu->name,
				w->name ? w->name : "?");
	} else if (!cpu_queue_remove(&cpu->q[w->ctx], w)) {
		g_error("cpu %s: work '%s' marked queued but not found", cpu->name,
			w->name ? w->name : "?");
	}
	w->queued = false;
	w->debt = NULL;
	if (w->ctx == CPU_TASK)
		rq_item_end(&cpu->rq, w->se,
			    cpu->cur && cpu->cur->ctx == CPU_TASK && cpu->cur->se == w->se);
	if (d && &d->work != w)
		debt_put(cpu, d);
	cpu_start_next(cpu);
	return true;
}

uint32_t
cpu_nr_running(const struct cpu *cpu)
{
	return cpu->rq.nr_running;
}

bool
cpu_ctx_busy(const struct cpu *cpu, enum cpu_ctx ctx)
{
	if (ctx == CPU_TASK)
		return cpu->rq.nr_running > 0 || (cpu->cur && cpu->cur->ctx == ctx);
	return cpu->q[ctx].head || (cpu->cur && cpu->cur->ctx == ctx);
}

bool
cpu_idle(const struct cpu *cpu)
{
	return !cpu->cur && !cpu->q[CPU_HARDIRQ].head && !cpu->q[CPU_SOFTIRQ].head &&
		cpu->rq.nr_running == 0;
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
	return cpu->rq.ctx_switches;
}
