/*
 * stack/softnet_remedies.c - the livelock remedies of the receive path:
 * threaded NAPI (Linux's napi_threaded_poll, and Mogul & Ramakrishnan's
 * polling thread under bsd-1996) and the input gate that feedback
 * (dev_rx_throttle) and the CPU-cycle limit close.
 *
 * Linux counterpart: net/core/dev.c napi_threaded_poll, napi_set_threaded;
 * the gate has none (Mogul and Ramakrishnan, USENIX 1996, sections 6.4-7).
 * Split from stack/softnet.c, whose private state (stack/dev_int.h) it
 * shares.
 */
#include "stack/dev_int.h"

#include "sim/check.h"
#include "stack/host.h"

/* ---- threaded NAPI ---------------------------------------------------------------- */

/*
 * Linux net/core/dev.c napi_threaded_poll (5.12+): the thread "napi/DEV"
 * is an ordinary task.  Each poll call runs with bottom halves off
 * (local_bh_disable: no other task runs until the poll ends), takes at
 * most weight packets, and then the thread calls cond_resched(): it gives
 * the CPU away only if the scheduler has set need_resched.  It sleeps when
 * a poll completes (napi_complete_done).  Under CFS the weight therefore
 * bounds how long the thread keeps bottom halves off, not the share of
 * the CPU other tasks get.
 *
 * bsd-1996: Mogul & Ramakrishnan's polling thread (USENIX 1996, section
 * 6.4) instead yields to the other runnable tasks after every quota, so
 * the quota sets how much of the CPU is left to them.  Weight 0 is their
 * "no quota": one poll runs while frames wait.
 */
enum { THREAD_POLL, THREAD_TX, THREAD_PACKET, THREAD_NEXT, THREAD_GRO_FLUSH };

static void
napi_thread_submit(struct napi_struct *n, uint8_t step, sim_time_t cost)
{
	n->thread_step = step;
	n->thread_work.task = napi_thread_task(n);
	cpu_submit(napi_sd(n)->cpu, &n->thread_work, CPU_TASK, cost);
}

/* The poll's end, after GRO's flush: park, poll again, or complete. */
static void
napi_thread_poll_end(struct napi_struct *n)
{
	struct softnet_data *sd = napi_sd(n);
	struct cpu *cpu = napi_sd(n)->cpu;
	bool rx_more = n->ops->has_work(n);
	bool more = rx_more || n->tx_more;
	cpu_preempt_enable(cpu, napi_thread_task(n)); /* local_bh_enable */
	if (more)
		n->complete_begun = false;
	if (rx_more && rx_gate_closed(sd)) {
		napi_park(sd, n);
	} else if (more) {
		n->full_polls++;
		if (sd->cfg->kernel == KERNEL_BSD_1996)
			cpu_task_yield(cpu, napi_thread_task(n)); /* the polling thread's yield */
		/* Linux: cond_resched(): the scheduler switches only on need_resched */
		napi_thread_submit(n, THREAD_POLL, cpu_cost(cpu, COST_NAPI_POLL));
	} else {
		softnet_napi_complete(n);
	}
	NS_CHECK(softnet_check(n->host));
}

/* After the poll call or a packet's protocol work: the next packet, or the
 * poll's end, GRO's flush first (as poll_end in softnet.c: the protocol
 * work it passes up is paid, bottom halves still off, before the rest). */
static void
napi_thread_continue(struct napi_struct *n)
{
	struct softnet_data *sd = napi_sd(n);
	bool more = n->ops->has_work(n);
	if (more && (n->weight == 0 || n->work < n->weight) && !rx_gate_closed(sd)) {
		napi_thread_submit(n, THREAD_PACKET, n->ops->packet_cost(n));
		return;
	}
	if (!(more && rx_gate_closed(sd))) {
		bool passed = more || n->tx_more ? softnet_napi_repoll_flush(n)
						 : softnet_napi_complete_begin(n);
		if (passed && cpu_charges_pending(napi_sd(n)->cpu)) {
			napi_thread_submit(n, THREAD_GRO_FLUSH, 0);
			return;
		}
	}
	napi_thread_poll_end(n);
}

static void
napi_thread_step(struct cpu_work *w)
{
	struct napi_struct *n = w->owner;
	struct softnet_data *sd = napi_sd(n);
	CPU_ASSERT_CTX(napi_sd(n)->cpu, CPU_TASK);
	switch (n->thread_step) {
	case THREAD_POLL: {
		if (rx_gate_closed(sd)) {
			napi_park(sd, n);
			return;
		}
		cpu_preempt_disable(napi_sd(n)->cpu, napi_thread_task(n)); /* local_bh_disable */
		n->work = 0;
		n->polls++;
		sd->stats.napi_polls++;
		/* the driver's poll begins with its TX ring (THREAD_TX) */
		sim_time_t tx = napi_tx_cost(n);
		if (tx > 0)
			napi_thread_submit(n, THREAD_TX, tx);
		else
			napi_thread_continue(n);
		break;
	}
	case THREAD_TX:
		napi_tx_clean(n);
		napi_thread_continue(n);
		break;
	case THREAD_PACKET:
		n->work++;
		n->packets++;
		n->ops->rx_one(n);
		if (cpu_charges_pending(napi_sd(n)->cpu))
			napi_thread_submit(n, THREAD_NEXT, 0);
		else
			napi_thread_continue(n); /* nothing to pay: decide now */
		break;
	case THREAD_NEXT: napi_thread_continue(n); break;
	case THREAD_GRO_FLUSH: napi_thread_poll_end(n); break;
	}
}

void
napi_thread_wake(struct napi_struct *n)
{
	n->where = NAPI_THREAD;
	if (n->thread_work.queued)
		return;
	napi_thread_submit(n, THREAD_POLL, cpu_cost(napi_sd(n)->cpu, COST_NAPI_POLL));
}

void
napi_set_threaded(struct napi_struct *n, bool threaded)
{
	g_assert(!napi_is_scheduled(n));
	n->threaded = threaded;
	if (threaded) {
		cpu_work_init(&n->thread_work, napi_thread_step, n, n->name);
		cpu_task_set_name(napi_sd(n)->cpu, napi_thread_task(n), n->name);
	}
}

uint32_t
napi_thread_task(const struct napi_struct *n)
{
	return 0x7fff2000u + (n->dev ? n->dev->ifindex : 0) + (n->queue << 8);
}

/* ---- the input gate: feedback and the cycle limit --------------------------------- */

/* CPU time spent on packet work: hardirq, softirq, and the softirq work
 * that runs as tasks (ksoftirqd, NAPI threads).  O(NAPI instances of the
 * host), at each rx_cycles_check when a cycle limit is set: a few per
 * host, fixed by its devices. */
static sim_time_t
rx_busy_ns(struct softnet_data *sd)
{
	struct cpu *cpu = sd->cpu;
	sim_time_t t = cpu_busy_ns(cpu, CPU_HARDIRQ) + cpu_busy_ns(cpu, CPU_SOFTIRQ) +
		cpu_task_runtime(cpu, KSOFTIRQD_TASK);
	for (const struct napi_struct *n = sd->all; n; n = n->all_next)
		if (n->threaded)
			t += cpu_task_runtime(cpu, napi_thread_task(n));
	return t;
}

static void rx_gate_update(struct softnet_data *sd, bool was_closed);

/*
 * The end of a period in which the cycle limit was reached: a timer of
 * the CPU whose input it blocked (armed there, cpu_timer_schedule), which
 * a kernel would make a pinned hrtimer: it fires on that CPU in hardirq
 * (hrtimer_interrupt, COST_IRQ_ENTRY), and its function opens the gate,
 * raising NET_RX for the irq exit.
 */
void
rx_cycle_irq(struct cpu_work *w)
{
	struct softnet_data *sd = w->owner;
	sd->cycle_blocked = false;
	sd->busy_at_start = rx_busy_ns(sd);
	rx_gate_update(sd, true);
}

static void
rx_cycle_fire(void *arg)
{
	struct softnet_data *sd = arg;
	sd->cycle_ev = 0;
	sd->period_start = sim_now(sd->host->sim);
	if (!sd->cycle_work.queued)
		cpu_submit(sd->cpu, &sd->cycle_work, CPU_HARDIRQ,
			   cpu_cost(sd->cpu, COST_IRQ_ENTRY));
}

static void
rx_cycle_timer(struct sim *sim, void *a, void *b)
{
	(void)sim;
	cpu_timer_run(b, rx_cycle_fire, a);
}

/* Mogul & Ramakrishnan section 7: packet work may use rx_cycle_limit
 * percent of each period; once it has, input waits for the next period. */
static void
rx_cycles_check(struct softnet_data *sd)
{
	if (sd->cfg->rx_cycle_limit >= 100 || sd->cycle_blocked)
		return;
	sim_time_t now = sim_now(sd->host->sim), period = sd->cfg->rx_cycle_period;
	if (now - sd->period_start >= period) {
		sd->period_start = now - (now - sd->period_start) % period;
		sd->busy_at_start = rx_busy_ns(sd);
	}
	sim_time_t used = rx_busy_ns(sd) - sd->busy_at_start;
	if (used * 100 < period * (sim_time_t)sd->cfg->rx_cycle_limit)
		return;
	if (!sd->throttled)
		sd->blocked_since = now;
	sd->cycle_blocked = true;
	sd->stats.cycle_limit_hits++;
	sd->cycle_ev =
		cpu_timer_schedule(sd->cpu, sd->period_start + period - now, rx_cycle_timer, sd);
}

bool
rx_gate_closed(struct softnet_data *sd)
{
	rx_cycles_check(sd);
	return sd->throttled || sd->cycle_blocked;
}

void
napi_park(struct softnet_data *sd, struct napi_struct *n)
{
	n->where = NAPI_PARKED;
	n->parks++;
	sd->stats.parks++;
	napi_list_append(&sd->parked, n);
}

/* The gate may have opened: reschedule what was parked, wake the drivers. */
static void
rx_gate_update(struct softnet_data *sd, bool was_closed)
{
	if (!was_closed || sd->throttled || sd->cycle_blocked)
		return;
	sd->stats.blocked_ns += sim_now(sd->host->sim) - sd->blocked_since;
	struct napi_struct *n;
	while ((n = napi_list_pop(&sd->parked)) != NULL) {
		if (n->threaded) {
			napi_thread_wake(n);
		} else {
			n->where = NAPI_POLL_LIST;
			napi_list_append(&sd->poll_list, n);
			softnet_raise(sd);
		}
	}
	for (struct net_device *d = sd->host->dev_list; d; d = d->next)
		if (d->up && d->netdev_ops->ndo_rx_resume)
			d->netdev_ops->ndo_rx_resume(d);
}

static void rx_throttle_cpu(struct softnet_data *sd, bool on);

/* Feedback blocks input on every CPU (the screening queue is the host's). */
void
dev_rx_throttle(struct host *host, bool on)
{
	for (uint32_t i = 0; i < host->ncpus; i++)
		rx_throttle_cpu(softnet_of(host, i), on);
}

static void
rx_throttle_cpu(struct softnet_data *sd, bool on)
{
	struct host *host = sd->host;
	if (sd->throttled == on)
		return;
	bool was_closed = sd->throttled || sd->cycle_blocked;
	sd->throttled = on;
	if (on) {
		sd->stats.rx_throttles++;
		if (!was_closed)
			sd->blocked_since = sim_now(host->sim);
		return;
	}
	rx_gate_update(sd, was_closed);
}

bool
dev_rx_blocked(struct host *host)
{
	return rx_gate_closed(host->softnet);
}

bool
dev_rx_blocked_cpu(struct host *host, uint32_t cpu)
{
	return rx_gate_closed(softnet_of(host, cpu));
}
