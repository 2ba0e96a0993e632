/*
 * stack/softnet.c - receive processing: the per-host backlog, the NET_RX
 * softirq, NAPI, ksoftirqd, and the livelock remedies.
 *
 * Linux counterpart: net/core/dev.c (netif_rx / enqueue_to_backlog,
 * process_backlog, net_rx_action, napi_poll, napi_schedule,
 * napi_complete, threaded NAPI) and kernel/softirq.c (__do_softirq,
 * ksoftirqd).  Seed text: "Receiving a packet", "Dealing with interrupts
 * and NAPI".
 *
 * Call chain:
 *   (driver top half) netif_rx -> backlog -> napi_schedule(backlog napi)
 *   (driver top half) napi_schedule -> raise NET_RX
 *   NET_RX: __do_softirq -> net_rx_action -> poll (driver or process_backlog)
 *           -> netif_receive_skb (stack/dev.c) -> packet_type.func
 *
 * The softirq is one cpu_work item (sd->work) resubmitted step by step
 * (see "the NET_RX chain" below).  Each step's cost is paid before its
 * function runs, so an interrupt can preempt the softirq between packets
 * and while one is paid.  The chain runs in softirq context, or as the
 * task ksoftirqd once it has taken over (netdevice.h explains the limits).
 *
 * The livelock remedies live here too (netdevice.h): threaded NAPI (a
 * task that polls with bottom halves off and calls cond_resched between
 * polls; under bsd-1996 the paper's polling thread, which yields after
 * every quota), and the input gate that feedback (dev_rx_throttle) and the CPU-cycle limit
 * close: a closed gate parks the instances net_rx_action would poll.
 */
#include "stack/dev_int.h"

#include <stddef.h>
#include <string.h>
#include "sim/check.h"
#include "stack/gro.h"
#include "stack/host.h"
#include "stack/rps.h"
#include "trace/trace.h"

/* ---- settings ----------------------------------------------------------------- */

#define HOSTKEY(name, type, lo, hi, doc)                                                        \
	{                                                                                       \
#name, type, offsetof(struct netdev_host_config, name), lo, hi, 0, 0, NULL, doc \
	}

const struct conf_key netdev_host_conf_keys[] = {
	HOSTKEY(netdev_budget, CONF_UINT32, 1, 1000000,
		"packets one net_rx_action may process over all polls (Linux 300)"),
	HOSTKEY(netdev_budget_usecs, CONF_UINT32, 1, 10000000,
		"time limit of one net_rx_action in microseconds (Linux 2000)"),
	HOSTKEY(netdev_max_backlog, CONF_UINT32, 1, 10000000,
		"length limit of the per-CPU backlog of netif_rx (Linux 1000)"),
	HOSTKEY(dev_weight, CONF_UINT32, 1, 100000,
		"packets process_backlog takes per poll (Linux 64)"),
	HOSTKEY(softirq_max_restart, CONF_UINT32, 1, 1000,
		"net_rx_action runs in one __do_softirq before ksoftirqd (Linux 10)"),
	HOSTKEY(softirq_max_time, CONF_DURATION, 1, SIM_S,
		"time limit of one __do_softirq before ksoftirqd (Linux 2ms)"),
	HOSTKEY(rx_cycle_limit, CONF_UINT32, 1, 100,
		"percent of each rx_cycle_period that packet work (hardirq + softirq) may use; "
		"100 = no limit (Mogul & Ramakrishnan's cycle limit; 100)"),
	HOSTKEY(rx_cycle_period, CONF_DURATION, 10 * SIM_US, SIM_S,
		"the period of rx_cycle_limit (10ms)"),
	HOSTKEY(screen_queue_len, CONF_UINT32, 1, 1000000,
		"length limit of the screening queue of the NFQUEUE hook (32)"),
	HOSTKEY(screen_feedback, CONF_BOOL, 0, 1,
		"block input while the screening queue is above screen_queue_high, until it is "
		"down to screen_queue_low (Mogul & Ramakrishnan's queue feedback; off)"),
	HOSTKEY(screen_queue_high, CONF_UINT32, 1, 1000000,
		"screening queue length that blocks input, with screen_feedback (24)"),
	HOSTKEY(screen_queue_low, CONF_UINT32, 0, 1000000,
		"screening queue length that unblocks input, with screen_feedback (8)"),
	{ "kernel", CONF_ENUM, offsetof(struct netdev_host_config, kernel), 0, 0, 0, 0,
	  netdev_kernel_names,
	  "kernel profile: linux-6.6 (softirqs at every irq exit), linux-5.15 (irq exit "
	  "defers to an awake ksoftirqd), bsd-1996 (protocol processing above every process, "
	  "no ksoftirqd, threaded NAPI is Mogul & Ramakrishnan's polling thread); linux-6.6" },
	HOSTKEY(rps_sock_flow_entries, CONF_UINT32, 0, RPS_MAX_FLOW_ENTRIES,
		"RFS: entries of the sock flow table that records the CPU each connected "
		"socket's reader runs on, rounded up to a power of two; 0 = no RFS "
		"(net.core.rps_sock_flow_entries; 0)"),
	HOSTKEY(cpus, CONF_UINT32, 1, HOST_MAX_CPUS,
		"CPUs of the host, each with its own hardirq, softirq and task contexts, "
		"softnet_data (backlog, poll list), ksoftirqd and run queue (docs/cpu-model.md; "
		"1)"),
	{ "sched_latency_ns", CONF_DURATION,
	  offsetof(struct netdev_host_config, sched.sched_latency_ns), SIM_US, SIM_S, 0, 0, NULL,
	  "CFS period every runnable task runs in (Linux sysctl_sched_latency, 6ms)" },
	{ "sched_min_granularity_ns", CONF_DURATION,
	  offsetof(struct netdev_host_config, sched.sched_min_granularity_ns), SIM_US, SIM_S, 0, 0,
	  NULL, "CFS shortest slice (Linux sysctl_sched_min_granularity, 750us)" },
	{ "sched_wakeup_granularity_ns", CONF_DURATION,
	  offsetof(struct netdev_host_config, sched.sched_wakeup_granularity_ns), 0, SIM_S, 0, 0,
	  NULL,
	  "CFS: a woken task preempts when this far behind in vruntime "
	  "(Linux sysctl_sched_wakeup_granularity, 1ms)" },
	{ "sched_migration_cost_ns", CONF_DURATION,
	  offsetof(struct netdev_host_config, sched.sched_migration_cost_ns), 0, SIM_S, 0, 0, NULL,
	  "a task that ran this recently is cache hot: the load balancer leaves it twice "
	  "before moving it (Linux sysctl_sched_migration_cost, 500us)" },
	{ NULL },
};

void
netdev_host_config_init(struct netdev_host_config *c)
{
	*c = (struct netdev_host_config){
		.netdev_budget = 300,
		.netdev_budget_usecs = 2000,
		.netdev_max_backlog = 1000,
		.dev_weight = 64,
		.softirq_max_restart = 10,
		.softirq_max_time = 2 * SIM_MS,
		.rx_cycle_limit = 100,
		.rx_cycle_period = 10 * SIM_MS,
		.screen_queue_len = 32,
		.screen_feedback = false,
		.screen_queue_high = 24,
		.screen_queue_low = 8,
		.kernel = KERNEL_LINUX_6_6,
		.cpus = 1,
	};
	cpu_sched_config_init(&c->sched);
}

const char *const netdev_kernel_names[] = { "linux-6.6", "linux-5.15", "bsd-1996", NULL };

static void dev_host_set_cpus(struct host *host, uint32_t n);
static void sched_config_scaled(struct cpu_sched_config *out, const struct cpu_sched_config *in,
				uint32_t ncpus);

void
dev_set_host_config(struct host *host, const struct netdev_host_config *c)
{
	*host->softnet->cfg = *c;
	dev_host_set_cpus(host, c->cpus);
	struct cpu_sched_config sched = c->sched;
	if (host->ncpus > 1)
		sched_config_scaled(&sched, &c->sched, host->ncpus);
	if (c->rps_sock_flow_entries || host->softnet->sock_flow_table)
		rps_set_sock_flow_entries(host, c->rps_sock_flow_entries);
	for (uint32_t i = 0; i < host->ncpus; i++) {
		softnet_of(host, i)->backlog_napi.weight = c->dev_weight;
		cpu_set_sched_config(host->cpus[i], &sched);
	}
}

struct netdev_host_config *
dev_host_config(struct host *host)
{
	return host->softnet->cfg;
}

/* ---- NAPI lists ------------------------------------------------------------------ */

void
napi_list_append(struct napi_list *l, struct napi_struct *n)
{
	n->poll_next = NULL;
	if (l->last)
		l->last->poll_next = n;
	else
		l->first = n;
	l->last = n;
}

struct napi_struct *
napi_list_pop(struct napi_list *l)
{
	struct napi_struct *n = l->first;
	if (n) {
		l->first = n->poll_next;
		if (!l->first)
			l->last = NULL;
		n->poll_next = NULL;
	}
	return n;
}

/* Move every instance of @from to the tail of @to. */
static void
napi_list_splice_tail(struct napi_list *to, struct napi_list *from)
{
	if (!from->first)
		return;
	if (to->last)
		to->last->poll_next = from->first;
	else
		to->first = from->first;
	to->last = from->last;
	*from = (struct napi_list){ 0 };
}

static bool
napi_list_remove(struct napi_list *l, struct napi_struct *n)
{
	struct napi_struct *prev = NULL;
	for (struct napi_struct *x = l->first; x; prev = x, x = x->poll_next) {
		if (x != n)
			continue;
		if (prev)
			prev->poll_next = x->poll_next;
		else
			l->first = x->poll_next;
		if (l->last == x)
			l->last = prev;
		x->poll_next = NULL;
		return true;
	}
	return false;
}

/* ---- the NET_RX chain ------------------------------------------------------------ */

/*
 * The chain (sd->work) runs these steps; each step's cost is paid before
 * its function runs, and the protocol work a packet charges (ip_rcv,
 * udp_rcv, ...) is paid before the step after it (sim/cpu.h, "Charge
 * before effect"):
 *
 *   ENTRY  softirq_entry   net_rx_action begins: takes the poll list
 *   POLL   napi_poll       a poll call: is there a packet?
 *   PACKET packet_cost     takes one packet: rx_one -> netif_receive_skb
 *   NEXT   (the charges)   after the packet's protocol work: another
 *                          packet, or napi_complete_done (IRQ unmask)
 *   EXIT   softirq_exit    net_rx_action's end and __do_softirq's
 *                          re-check of pending: restart, ksoftirqd, or stop
 *
 * Worked example (the defaults, one packet waiting, no other work):
 * ENTRY 300 ns, POLL 200, PACKET 600 (driver_rx + eth_rcv), NEXT 1000
 * (ip_rcv 500 + udp_rcv 500), EXIT 100: the IRQ is unmasked 2,100 ns
 * after the softirq began, and a frame arriving before that is taken by
 * the same poll without an interrupt, as in Linux.
 */

static void softnet_step_done(struct cpu_work *w);
static void net_rps_send_ipi(struct softnet_data *sd);

static bool
in_ksoftirqd(const struct softnet_data *sd)
{
	return sd->chain == CHAIN_KSOFTIRQD || sd->chain == CHAIN_KSOFTIRQD_WAIT;
}

static void
softnet_submit(struct softnet_data *sd, enum softnet_step step, sim_time_t cost)
{
	static const char *const names[] = {
		[STEP_ENTRY] = "net_rx_action",	   [STEP_POLL] = "napi_poll",
		[STEP_TX] = "napi_poll tx_clean",  [STEP_PACKET] = "napi_poll packet",
		[STEP_NEXT] = "napi_poll packet",  [STEP_GRO_FLUSH] = "napi_gro_flush",
		[STEP_EXIT] = "__do_softirq exit",
	};
	sd->step = step;
	sd->work.name = names[step];
	sd->work.task = in_ksoftirqd(sd) ? KSOFTIRQD_TASK : 0;
	cpu_submit(sd->cpu, &sd->work, in_ksoftirqd(sd) ? CPU_TASK : CPU_SOFTIRQ, cost);
	NS_CHECK(softnet_check(sd->host));
}

/* __do_softirq begins at irq exit: softirq_max_restart runs of
 * net_rx_action, within softirq_max_time. */
static void
softirq_begin(struct softnet_data *sd)
{
	sd->chain = CHAIN_SOFTIRQ;
	sd->new_do_softirq = true;
	softnet_submit(sd, STEP_ENTRY, cpu_cost(sd->cpu, COST_SOFTIRQ_ENTRY));
}

/* wakeup_softirqd, or run_ksoftirqd's next pass: ksoftirqd (a task) will
 * run __do_softirq when the scheduler picks it. */
static void
ksoftirqd_queue_pass(struct softnet_data *sd)
{
	sd->chain = CHAIN_KSOFTIRQD_WAIT;
	sd->new_do_softirq = true;
	softnet_submit(sd, STEP_ENTRY, cpu_cost(sd->cpu, COST_SOFTIRQ_ENTRY));
}

/*
 * raise_softirq(NET_RX_SOFTIRQ) from a driver's interrupt (or any code
 * outside the chain).  A running __do_softirq sees it at its end (a
 * restart).  With ksoftirqd awake but not inside __do_softirq, linux-5.15
 * leaves the work to it (invoke_softirq: ksoftirqd_running()), linux-6.6
 * runs __do_softirq at this irq exit (kernel/softirq.c after d15121be7485).
 */
void
softnet_raise(struct softnet_data *sd)
{
	sd->pending = true;
	switch (sd->chain) {
	case CHAIN_IDLE: softirq_begin(sd); break;
	case CHAIN_KSOFTIRQD_WAIT:
		if (sd->cfg->kernel != KERNEL_LINUX_6_6 || sd->step != STEP_ENTRY)
			break;
		/* ksoftirqd's queued pass is not needed: irq exit runs it now */
		cpu_withdraw(sd->cpu, &sd->work);
		softirq_begin(sd);
		break;
	case CHAIN_SOFTIRQ:
	case CHAIN_KSOFTIRQD: break;
	}
}

/* Only new input is blocked: device instances are parked, while the
 * backlog (packets the CPU has taken in already) is still processed. */

static void
poll_next(struct softnet_data *sd)
{
	struct napi_struct *n = napi_list_pop(&sd->list);
	while (n && n->dev && rx_gate_closed(sd)) {
		napi_park(sd, n);
		n = napi_list_pop(&sd->list);
	}
	if (!n) {
		sd->cur = NULL;
		return;
	}
	sd->cur = n;
	n->where = NAPI_POLLING;
	n->work = 0;
	n->polls++;
	sd->stats.napi_polls++;
	softnet_submit(sd, STEP_POLL, cpu_cost(sd->cpu, COST_NAPI_POLL));
}

static void
napi_list_set_where(struct napi_list *l, enum napi_where where)
{
	for (struct napi_struct *n = l->first; n; n = n->poll_next)
		n->where = where;
}

/*
 * net_rx_action's end: instances still to poll, then those scheduled
 * meanwhile, then those that used their weight go back on the poll list;
 * if any, NET_RX is raised again.  Then __do_softirq's exit (EXIT) decides.
 * The order is Linux's (net/core/dev.c net_rx_action: list, then
 * sd->poll_list, then repoll).  Worked example: the action began with
 * poll_list [eth0, eth1, backlog], moved to sd->list.  eth0 used its whole
 * weight (repoll [eth0]); then the budget ran out, leaving list [eth1,
 * backlog]; meanwhile eth2's interrupt scheduled it (poll_list [eth2]).
 * The end makes poll_list [eth1, backlog, eth2, eth0] and NET_RX pending:
 * those not served this round go first, the one that was served last.
 *
 * Cost: the splices are O(1); napi_list_set_where walks the new poll
 * list, O(NAPI instances of this CPU), which grows with devices and queues
 * but not with traffic (a few per host), so a per-instance location is
 * cheaper to keep exact than to derive.
 */
static void
net_rx_action_end(struct softnet_data *sd)
{
	napi_list_splice_tail(&sd->list, &sd->poll_list);
	napi_list_splice_tail(&sd->list, &sd->repoll);
	sd->poll_list = sd->list;
	sd->list = (struct napi_list){ 0 };
	napi_list_set_where(&sd->poll_list, NAPI_POLL_LIST);
	if (sd->poll_list.first)
		sd->pending = true;
	sd->in_net_rx_action = false;
	if (sd->rps_ipi_mask)
		net_rps_send_ipi(sd);
	softnet_submit(sd, STEP_EXIT, cpu_cost(sd->cpu, COST_SOFTIRQ_EXIT));
}

/*
 * net_rx_action's list and repoll are empty (not a budget or time break).
 * Since Linux 6.4 (net/core/dev.c, "net: optimize ____napi_schedule() to
 * avoid extra NET_RX_SOFTIRQ") ____napi_schedule does not raise NET_RX
 * while sd->in_net_rx_action is set; net_rx_action itself looks at
 * poll_list again here and, if an interrupt has refilled it, goes back to
 * `start` with what is left of its budget and time: no __do_softirq
 * restart.  linux-5.15 and bsd-1996 raise NET_RX and restart.
 */
static void
net_rx_action_done(struct softnet_data *sd)
{
	if (sd->cfg->kernel == KERNEL_LINUX_6_6 && !sd->repoll.first && sd->poll_list.first &&
	    !rx_gate_closed(sd)) {
		sd->list = sd->poll_list;
		sd->poll_list = (struct napi_list){ 0 };
		napi_list_set_where(&sd->list, NAPI_LIST);
		poll_next(sd);
		if (sd->cur)
			return;
	}
	net_rx_action_end(sd);
}

/*
 * __do_softirq's end (Linux kernel/softirq.c): with NET_RX pending again,
 * restart unless out of restarts (MAX_SOFTIRQ_RESTART) or time
 * (MAX_SOFTIRQ_TIME) or the scheduler wants the CPU (need_resched); then
 * wakeup_softirqd.  In ksoftirqd the same loop runs, and giving up returns
 * to run_ksoftirqd, which calls cond_resched and runs __do_softirq again
 * while NET_RX is pending.  bsd-1996 has no ksoftirqd: the software
 * interrupt runs until no input is left.
 */
static void
do_softirq_exit(struct softnet_data *sd)
{
	struct host *host = sd->host;
	bool ksoftirqd = sd->chain == CHAIN_KSOFTIRQD;
	if (!sd->pending) {
		sd->chain = CHAIN_IDLE; /* ksoftirqd, if it ran this, sleeps */
		if (ksoftirqd)
			cpu_preempt_enable(sd->cpu, KSOFTIRQD_TASK);
		return;
	}
	if (sd->cfg->kernel == KERNEL_BSD_1996 ||
	    (--sd->restarts_left > 0 && sim_now(host->sim) < sd->softirq_end &&
	     !cpu_need_resched(sd->cpu))) {
		sd->stats.softirq_restarts++;
		softnet_submit(sd, STEP_ENTRY, cpu_cost(sd->cpu, COST_SOFTIRQ_ENTRY));
		return;
	}
	if (ksoftirqd) {
		cpu_preempt_enable(sd->cpu, KSOFTIRQD_TASK); /* cond_resched() */
	} else {
		sd->stats.ksoftirqd_wakeups++;
	}
	ksoftirqd_queue_pass(sd);
}

/*
 * napi_watchdog, the hrtimer of gro_flush_timeout: poll again, IRQ still
 * masked.  As Linux 6.6 (net/core/dev.c napi_complete_done ->
 * hrtimer_start(&n->timer, ..., HRTIMER_MODE_REL_PINNED)): a pinned
 * hrtimer of the CPU that completed the poll, which fires there in
 * hardirq (hrtimer_interrupt: one interrupt entry, COST_IRQ_ENTRY) and
 * whose function napi_watchdog calls __napi_schedule_irqoff, raising
 * NET_RX for that CPU's irq exit.
 */
static void
napi_watchdog_irq(struct cpu_work *w)
{
	napi_schedule(w->owner);
}

static void
napi_watchdog_fire(void *arg)
{
	struct napi_struct *n = arg;
	struct cpu *cpu = n->host->cpu; /* the timer's base (cpu_timer_run) */
	n->defer_timer = 0;
	if (!n->watchdog_work.queued)
		cpu_submit(cpu, &n->watchdog_work, CPU_HARDIRQ, cpu_cost(cpu, COST_IRQ_ENTRY));
}

static void
napi_watchdog(struct sim *sim, void *a, void *b)
{
	(void)sim;
	cpu_timer_run(b, napi_watchdog_fire, a);
}

/*
 * napi_complete_done (net/core/dev.c, 6.6), first half: its decisions and
 * GRO's flush.  A poll that took packets re-arms napi_defer_hard_irqs;
 * while that count lasts and gro_flush_timeout is set, the completion
 * leaves the IRQ masked (the driver is told not to re-enable it) and a
 * timer polls again.  A poll that took packets while GRO holds some also
 * sets the timer to gro_flush_timeout (IRQ unmasked), and then GRO flushes
 * only the skbs held since an earlier jiffy (napi_gro_flush(n, !!timeout));
 * else everything.  Then rx_list goes up (gro_normal_list).  Returns true
 * when packets went up: their protocol work is paid before the second
 * half (softnet_napi_complete) unmasks the IRQ.
 */
bool
softnet_napi_complete_begin(struct napi_struct *n)
{
	struct net_device *dev = n->dev;
	sim_time_t timeout = 0;
	bool keep_masked = false;
	if (dev && n->work > 0) {
		if (n->gro_bitmask)
			timeout = dev->gro_flush_timeout;
		n->defer_hard_irqs_count = dev->napi_defer_hard_irqs;
	}
	if (dev && n->defer_hard_irqs_count > 0 && dev->gro_flush_timeout > 0) {
		n->defer_hard_irqs_count--;
		timeout = dev->gro_flush_timeout;
		keep_masked = true;
	}
	n->complete_timeout = timeout;
	n->complete_keep_masked = keep_masked;
	n->complete_begun = true;
	if (n->gro_bitmask)
		napi_gro_flush(n, timeout != 0);
	return gro_normal_list(n) > 0;
}

/* napi_complete_done, second half: idle, the timer, the IRQ. */
void
softnet_napi_complete(struct napi_struct *n)
{
	if (!n->complete_begun)
		softnet_napi_complete_begin(n);
	n->complete_begun = false;
	n->where = NAPI_IDLE;
	n->completes++;
	if (n->complete_timeout) {
		if (n->defer_timer)
			sim_cancel(n->host->sim, n->defer_timer); /* hrtimer_start re-arms */
		n->defer_timer =
			cpu_timer_schedule(n->host->cpu, n->complete_timeout, napi_watchdog, n);
	}
	if (n->complete_keep_masked) {
		n->deferred++;
		return;
	}
	if (n->ops->complete)
		n->ops->complete(n);
}

/* __napi_poll after a poll that used its weight: "flush too old packets;
 * if HZ < 1000, flush all packets" (netsim's HZ is 1000), then rx_list. */
bool
softnet_napi_repoll_flush(struct napi_struct *n)
{
	n->complete_begun = false;
	if (n->gro_bitmask)
		napi_gro_flush(n, true);
	return gro_normal_list(n) > 0;
}

/* The current poll ends, after GRO's flush: napi_complete or repoll, then
 * budget and time. */
static void
poll_end_finish(struct softnet_data *sd)
{
	struct napi_struct *n = sd->cur;
	sd->cur = NULL;
	if (n && n->dev && n->ops->has_work(n) && rx_gate_closed(sd)) {
		n->complete_begun = false;
		sd->budget -= (int)n->work;
		napi_park(sd, n);
	} else if (n) {
		if (napi_poll_done(n)) {
			softnet_napi_complete(n);
		} else {
			n->full_polls++;
			n->where = NAPI_REPOLL;
			napi_list_append(&sd->repoll, n);
		}
		sd->budget -= napi_poll_budget_used(n);
	}
	if (sd->budget <= 0 || sim_now(sd->host->sim) >= sd->time_limit) {
		sd->stats.time_squeeze++;
		net_rx_action_end(sd);
		return;
	}
	poll_next(sd);
	if (!sd->cur)
		net_rx_action_done(sd);
}

/*
 * The current poll ends: GRO's flush first (napi_complete_done's or
 * __napi_poll's, stack/gro.c); the protocol work of what it passed up is
 * paid (STEP_GRO_FLUSH) before the IRQ is unmasked or the next poll runs.
 */
static void
poll_end(struct softnet_data *sd)
{
	struct napi_struct *n = sd->cur;
	if (n && n->dev && !(n->ops->has_work(n) && rx_gate_closed(sd))) {
		bool done = napi_poll_done(n);
		bool passed = done ? softnet_napi_complete_begin(n) : softnet_napi_repoll_flush(n);
		if (passed && cpu_charges_pending(sd->cpu)) {
			softnet_submit(sd, STEP_GRO_FLUSH, 0);
			return;
		}
	}
	poll_end_finish(sd);
}

/* After a POLL step, or a packet's protocol work (NEXT): the next packet
 * of this poll, or its end. */
static void
poll_continue(struct softnet_data *sd)
{
	struct napi_struct *n = sd->cur;
	if (n && (n->weight == 0 || n->work < n->weight) && n->ops->has_work(n) &&
	    !(n->dev && rx_gate_closed(sd))) {
		softnet_submit(sd, STEP_PACKET, n->ops->packet_cost(n));
		return;
	}
	poll_end(sd);
}

/* net_rx_action begins (an ENTRY step has been paid). */
static void
net_rx_action_begin(struct softnet_data *sd)
{
	struct host *host = sd->host;
	if (sd->new_do_softirq) {
		/* __do_softirq begins: fresh limits */
		sd->new_do_softirq = false;
		sd->restarts_left = sd->cfg->softirq_max_restart;
		sd->softirq_end = sim_now(host->sim) + sd->cfg->softirq_max_time;
		if (sd->chain == CHAIN_KSOFTIRQD_WAIT) {
			sd->chain = CHAIN_KSOFTIRQD;
			cpu_preempt_disable(sd->cpu, KSOFTIRQD_TASK); /* local_bh_disable */
		}
	}
	sd->pending = false;
	sd->stats.net_rx_actions++;
	if (sd->chain == CHAIN_KSOFTIRQD)
		sd->stats.ksoftirqd_actions++;
	sd->list = sd->poll_list;
	sd->poll_list = (struct napi_list){ 0 };
	napi_list_set_where(&sd->list, NAPI_LIST);
	sd->budget = (int)sd->cfg->netdev_budget;
	sd->time_limit = sim_now(host->sim) + (sim_time_t)sd->cfg->netdev_budget_usecs * SIM_US;
	sd->in_net_rx_action = true;
	poll_next(sd);
	if (!sd->cur)
		net_rx_action_done(sd);
}

static void
softnet_step_done(struct cpu_work *w)
{
	struct softnet_data *sd = w->owner;
	CPU_ASSERT_CTX(sd->cpu, sd->chain == CHAIN_SOFTIRQ ? CPU_SOFTIRQ : CPU_TASK);
	switch (sd->step) {
	case STEP_ENTRY: net_rx_action_begin(sd); break;
	case STEP_POLL: {
		/* the driver's poll begins with its TX ring (STEP_TX) */
		sim_time_t tx = sd->cur ? napi_tx_cost(sd->cur) : 0;
		if (tx > 0) {
			softnet_submit(sd, STEP_TX, tx);
			break;
		}
		poll_continue(sd);
		break;
	}
	case STEP_TX:
		if (sd->cur)
			napi_tx_clean(sd->cur);
		poll_continue(sd);
		break;
	case STEP_NEXT: poll_continue(sd); break;
	case STEP_PACKET:
		if (sd->cur) {
			sd->cur->work++;
			sd->cur->packets++;
			sd->cur->ops->rx_one(sd->cur);
		}
		/* what rx_one charged is paid before the ring is looked at again */
		if (cpu_charges_pending(sd->cpu))
			softnet_submit(sd, STEP_NEXT, 0);
		else
			poll_continue(sd); /* nothing to pay: decide now */
		break;
	case STEP_GRO_FLUSH: poll_end_finish(sd); break;
	case STEP_EXIT: do_softirq_exit(sd); break;
	}
}

/* ---- NAPI ------------------------------------------------------------------------- */

const char *
napi_where_name(enum napi_where w)
{
	static const char *const names[] = { "idle",   "poll_list", "list",  "polling",
					     "repoll", "parked",    "thread" };
	return (unsigned)w <= NAPI_THREAD ? names[w] : "?";
}

static const struct napi_ops backlog_napi_ops;

/* The host's instances, one list per CPU (sd->all), linked through
 * all_next with a back pointer as Linux's hlist: netif_napi_del takes one
 * out in O(1) (Linux __netif_napi_del: list_del_rcu(&napi->dev_list)),
 * so a router of 10,000 devices is torn down in linear time. */
static void
napi_all_link(struct softnet_data *sd, struct napi_struct *n)
{
	n->all_next = sd->all;
	n->all_pprev = &sd->all;
	if (sd->all)
		sd->all->all_pprev = &n->all_next;
	sd->all = n;
}

static void
napi_all_unlink(struct napi_struct *n)
{
	if (!n->all_pprev)
		return;
	*n->all_pprev = n->all_next;
	if (n->all_next)
		n->all_next->all_pprev = n->all_pprev;
	n->all_next = NULL;
	n->all_pprev = NULL;
}

void
netif_napi_add(struct host *host, struct net_device *dev, struct napi_struct *n, const char *name,
	       const struct napi_ops *ops, uint32_t weight, void *priv)
{
	g_assert(ops && ops->has_work && ops->rx_one && ops->packet_cost);
	/* a backlog is linked by softnet_cpu_new (its CPU's softnet_data
	 * does not exist yet); any other instance starts on CPU 0 */
	struct softnet_data *sd = ops == &backlog_napi_ops ? NULL : softnet_of(host, 0);
	*n = (struct napi_struct){
		.name = name,
		.dev = dev,
		.host = host,
		.ops = ops,
		.priv = priv,
		.weight = weight,
	};
	napi_gro_init(n);
	cpu_work_init(&n->watchdog_work, napi_watchdog_irq, n, "napi_watchdog");
	if (sd)
		napi_all_link(sd, n);
}

void
netif_napi_set_cpu(struct napi_struct *n, uint32_t cpu)
{
	g_assert(cpu < n->host->ncpus && n->where == NAPI_IDLE);
	struct softnet_data *from = napi_sd(n), *to = softnet_of(n->host, cpu);
	if (from == to)
		return;
	napi_all_unlink(n);
	n->cpu = cpu;
	napi_all_link(to, n);
	if (n->threaded) /* its thread is a task of the new CPU */
		cpu_task_set_name(to->cpu, napi_thread_task(n), n->thread_work.name);
}

void
netif_napi_del(struct napi_struct *n)
{
	struct softnet_data *sd = napi_sd(n);
	if (n->threaded)
		cpu_withdraw(napi_sd(n)->cpu, &n->thread_work);
	if (n->defer_timer) {
		sim_cancel(n->host->sim, n->defer_timer);
		n->defer_timer = 0;
	}
	if (n->watchdog_work.queued)
		cpu_withdraw(cpu_work_cpu(&n->watchdog_work), &n->watchdog_work);
	switch (n->where) {
	case NAPI_IDLE:
	case NAPI_THREAD: break;
	case NAPI_POLL_LIST: napi_list_remove(&sd->poll_list, n); break;
	case NAPI_LIST: napi_list_remove(&sd->list, n); break;
	case NAPI_POLLING: sd->cur = NULL; break;
	case NAPI_REPOLL: napi_list_remove(&sd->repoll, n); break;
	case NAPI_PARKED: napi_list_remove(&sd->parked, n); break;
	}
	n->where = NAPI_IDLE;
	napi_gro_cleanup(n); /* Linux flush_gro_hash */
	napi_all_unlink(n);
	NS_CHECK(softnet_check(n->host));
}

bool
napi_schedule(struct napi_struct *n)
{
	if (napi_is_scheduled(n))
		return false;
	struct softnet_data *sd = napi_sd(n);
	if (n->threaded) {
		napi_thread_wake(n);
		return true;
	}
	n->where = NAPI_POLL_LIST;
	napi_list_append(&sd->poll_list, n);
	/* ____napi_schedule: "If not called from net_rx_action() we have to
	 * raise NET_RX_SOFTIRQ" (6.4+; net_rx_action_done) */
	if (!(sd->in_net_rx_action && sd->cfg->kernel == KERNEL_LINUX_6_6))
		softnet_raise(sd);
	NS_CHECK(softnet_check(n->host));
	return true;
}

/* ---- the backlog (interrupt mode) ------------------------------------------------- */

static bool
backlog_has_work(struct napi_struct *n)
{
	struct softnet_data *sd = n->priv;
	return !skb_queue_empty(&sd->backlog);
}

/* process_backlog, one packet. */
static void
backlog_rx_one(struct napi_struct *n)
{
	struct softnet_data *sd = n->priv;
	struct sk_buff *skb = skb_dequeue(&sd->backlog);
	/* input_queue_head_incr (Linux: after the packet's
	 * __netif_receive_skb; here before, so that the count always matches
	 * the queue, softnet_check) */
	sd->input_queue_head++;
	__netif_receive_skb(skb); /* process_backlog: no RPS again */
}

static sim_time_t
backlog_packet_cost(struct napi_struct *n)
{
	return cpu_cost(napi_sd(n)->cpu, COST_ETH_RCV);
}

static const struct napi_ops backlog_napi_ops = {
	.has_work = backlog_has_work,
	.rx_one = backlog_rx_one,
	.packet_cost = backlog_packet_cost,
};

/*
 * netif_rx: any context, as in Linux 5.18+ (net/core/dev.c netif_rx: "can
 * be used from interrupt and from thread context"): the NIC's top half in
 * hardirq, loopback output in task or softirq context.
 */
static int enqueue_to_backlog_at(struct sk_buff *skb, uint32_t cpu, uint32_t *qtail,
				 const char *place);

int
netif_rx(struct sk_buff *skb)
{
	struct softnet_data *sd = this_softnet(skb->host);
	skb_handoff(skb, LAYER_DEV, "netif_rx");
	/* netif_rx_internal: RPS/RFS picks the backlog's CPU, else this one */
	struct rps_dev_flow voidflow, *rflow = &voidflow;
	uint32_t cpu = sd->id;
	if (G_UNLIKELY(skb->dev && dev_rps_needed(skb->dev))) {
		int c = get_rps_cpu(skb, &rflow);
		if (c >= 0)
			cpu = (uint32_t)c;
	}
	/* a drop on this CPU's backlog is placed at netif_rx, as it always was */
	return enqueue_to_backlog_at(skb, cpu, &rflow->last_qtail,
				     cpu == sd->id ? "netif_rx" : "enqueue_to_backlog");
}

/* ---- RPS: another CPU's backlog, and the IPI that wakes it ------------------------ */

/* rps_trigger_softirq, the IPI's handler on the target CPU (hardirq):
 * schedule its backlog, which raises NET_RX there. */
static void
rps_trigger_softirq(struct cpu_work *w)
{
	struct softnet_data *sd = w->owner;
	sd->rps_ipi_queued = false;
	sd->stats.received_rps++;
	napi_schedule(&sd->backlog_napi);
}

/*
 * net_rps_send_ipi (net/core/dev.c, 6.6), at the end of this CPU's
 * net_rx_action (net_rps_action_and_irq_enable): one IPI to every CPU
 * whose backlog it filled, in CPU order.  The target pays the interrupt
 * (COST_IRQ_ENTRY, hardirq, "rps ipi"); the sender's APIC write is not
 * charged.
 */
static void
net_rps_send_ipi(struct softnet_data *sd)
{
	while (sd->rps_ipi_mask) {
		uint32_t cpu = (uint32_t)__builtin_ctzll(sd->rps_ipi_mask);
		sd->rps_ipi_mask &= sd->rps_ipi_mask - 1;
		struct softnet_data *t = softnet_of(sd->host, cpu);
		cpu_submit(t->cpu, &t->ipi_work, CPU_HARDIRQ, cpu_cost(t->cpu, COST_IRQ_ENTRY));
	}
}

/*
 * enqueue_to_backlog(skb, cpu, qtail) (net/core/dev.c, 6.6): queue on CPU
 * @cpu's backlog, dropped when it is full or this CPU's flow limit refuses
 * it (skb_flow_limit, stack/rps.c; both Linux's drop reason CPU_BACKLOG,
 * counted on the target).  *@qtail becomes the backlog's
 * input_queue_tail (input_queue_tail_incr_save), RFS's last_qtail.  If
 * its backlog NAPI is idle: on this CPU, schedule it; on another, owe it
 * an IPI (rps_ipi_queued / napi_schedule_rps), sent at the end of this
 * CPU's net_rx_action, whose NET_RX is raised if none runs.
 */
static int
enqueue_to_backlog_at(struct sk_buff *skb, uint32_t cpu, uint32_t *qtail, const char *place)
{
	struct host *host = skb->host;
	struct softnet_data *me = this_softnet(host), *sd = softnet_of(host, cpu);
	uint32_t qlen = skb_queue_len(&sd->backlog);
	if (qlen >= sd->cfg->netdev_max_backlog || skb_flow_limit(skb, qlen)) {
		sd->stats.dropped++;
		if (skb->dev)
			dev_count_drop(skb->dev, SKB_DROP_BACKLOG_FULL, true);
		skb_drop_at(skb, SKB_DROP_BACKLOG_FULL, place);
		return NET_RX_DROP;
	}
	skb_queue_tail(&sd->backlog, skb);
	*qtail = ++sd->input_queue_tail;
	if (skb_queue_len(&sd->backlog) > sd->stats.backlog_max)
		sd->stats.backlog_max = skb_queue_len(&sd->backlog);
	if (sd == me) {
		napi_schedule(&sd->backlog_napi);
	} else if (!napi_is_scheduled(&sd->backlog_napi) && !sd->rps_ipi_queued) {
		sd->rps_ipi_queued = true;
		me->rps_ipi_mask |= 1ull << cpu;
		if (!me->in_net_rx_action)
			softnet_raise(me); /* its net_rx_action sends the IPI */
	}
	return NET_RX_SUCCESS;
}

int
enqueue_to_backlog(struct sk_buff *skb, uint32_t cpu, uint32_t *qtail)
{
	return enqueue_to_backlog_at(skb, cpu, qtail, "enqueue_to_backlog");
}

/* ---- per host, per CPU -------------------------------------------------------------- */

/* CPU @id's softnet_data: its backlog and NAPI, its NET_RX chain, its
 * ksoftirqd (Linux net_dev_init's for_each_possible_cpu loop). */
static struct softnet_data *
softnet_cpu_new(struct host *host, struct cpu *cpu, uint32_t id, struct netdev_host_config *cfg)
{
	struct softnet_data *sd = g_aligned_alloc0(1, sizeof(struct softnet_data), 64);
	sd->host = host;
	sd->cpu = cpu;
	sd->id = id;
	sd->cfg = cfg ? cfg : &sd->cfg_store;
	if (!cfg)
		netdev_host_config_init(&sd->cfg_store);
	cpu_set_percpu(cpu, sd);
	skb_queue_head_init(&sd->backlog, "backlog", LAYER_DEV);
	netif_napi_add(host, NULL, &sd->backlog_napi, "backlog", &backlog_napi_ops,
		       sd->cfg->dev_weight, sd);
	sd->backlog_napi.cpu = id;
	napi_all_link(sd, &sd->backlog_napi); /* sd->all was NULL */
	cpu_work_init(&sd->work, softnet_step_done, sd, "net_rx_action");
	cpu_work_init(&sd->ipi_work, rps_trigger_softirq, sd, "rps ipi");
	cpu_work_init(&sd->cycle_work, rx_cycle_irq, sd, "rx_cycle_timer");
	/* one CPU keeps the name it always had; several are ksoftirqd/N as in Linux */
	if (id > 0 || host->ncpus > 1) {
		g_autofree char *name = g_strdup_printf("ksoftirqd/%u", id);
		cpu_task_set_name(cpu, KSOFTIRQD_TASK, g_intern_string(name));
	} else {
		cpu_task_set_name(cpu, KSOFTIRQD_TASK, "ksoftirqd");
	}
	return sd;
}

void
dev_host_init(struct host *host)
{
	host->cpus[0] = host->cpu;
	host->ncpus = 1;
	cpu_smp_join(host->cpu, NULL, 0, &host->cpu);
	host->softnet = softnet_cpu_new(host, host->cpu, 0, NULL);
}

/*
 * [host] cpus = N: CPUs 1..N-1, each a struct cpu of its own with CPU 0's
 * costs, busy hook and scheduler settings, and its own softnet_data.
 * Only before anything ran (the scenario loader's order).  Linux scales
 * the scheduler's latency, minimum granularity and wakeup granularity by
 * 1 + ilog2(min(ncpus, 8)) (kernel/sched/fair.c get_update_sysctl_factor,
 * SCHED_TUNABLESCALING_LOG); so does netsim.
 */
static void
dev_host_set_cpus(struct host *host, uint32_t n)
{
	g_assert(n >= 1 && n <= HOST_MAX_CPUS);
	if (n <= host->ncpus)
		return;
	uint32_t old = host->ncpus;
	host->ncpus = n;
	if (old == 1) /* CPU 0's ksoftirqd becomes ksoftirqd/0 */
		cpu_task_set_name(host->cpus[0], KSOFTIRQD_TASK, "ksoftirqd/0");
	for (uint32_t i = old; i < n; i++) {
		g_autofree char *name = g_strdup_printf("%s/cpu%u", host->name, i);
		struct cpu *c = cpu_new(host->sim, name);
		cpu_smp_join(c, host->cpus[0], i, &host->cpu);
		host->cpus[i] = c;
		softnet_cpu_new(host, c, i, host->softnet->cfg);
	}
}

static void
sched_config_scaled(struct cpu_sched_config *out, const struct cpu_sched_config *in, uint32_t ncpus)
{
	uint32_t cpus = ncpus < 8 ? ncpus : 8, factor = 1;
	while (cpus >>= 1)
		factor++; /* 1 + ilog2 */
	out->sched_latency_ns = in->sched_latency_ns * factor;
	out->sched_min_granularity_ns = in->sched_min_granularity_ns * factor;
	out->sched_wakeup_granularity_ns = in->sched_wakeup_granularity_ns * factor;
}

void
dev_host_fini(struct host *host)
{
	if (!host->softnet)
		return;
	rps_host_fini(host);
	for (uint32_t i = host->ncpus; i-- > 0;) {
		struct softnet_data *sd = softnet_of(host, i);
		cpu_withdraw(sd->cpu, &sd->work);
		cpu_withdraw(sd->cpu, &sd->ipi_work);
		cpu_withdraw(sd->cpu, &sd->cycle_work);
		if (sd->cycle_ev)
			sim_cancel(host->sim, sd->cycle_ev);
		skb_queue_purge(&sd->backlog, SKB_DROP_QUEUE_PURGE);
		cpu_set_percpu(sd->cpu, NULL);
		g_aligned_free(sd);
		if (i > 0) {
			cpu_free(host->cpus[i]);
			host->cpus[i] = NULL;
		}
	}
	host->ncpus = 1;
	host->softnet = NULL;
}

static void
softnet_stats_add(struct softnet_stats *o, const struct softnet_data *sd)
{
	const struct softnet_stats *s = &sd->stats;
	o->processed += s->processed;
	o->dropped += s->dropped;
	o->time_squeeze += s->time_squeeze;
	o->ksoftirqd_wakeups += s->ksoftirqd_wakeups;
	o->net_rx_actions += s->net_rx_actions;
	o->softirq_restarts += s->softirq_restarts;
	o->napi_polls += s->napi_polls;
	o->ksoftirqd_actions += s->ksoftirqd_actions;
	o->backlog_len += skb_queue_len(&sd->backlog);
	if (s->backlog_max > o->backlog_max)
		o->backlog_max = s->backlog_max;
	o->unhandled += s->unhandled;
	o->rx_throttles += s->rx_throttles;
	o->cycle_limit_hits += s->cycle_limit_hits;
	o->parks += s->parks;
	o->blocked_ns += s->blocked_ns;
	o->received_rps += s->received_rps;
	o->flow_limit_count += s->flow_limit_count;
}

/* Summed over the host's CPUs (backlog_max: the largest). */
void
dev_softnet_stats(struct host *host, struct softnet_stats *out)
{
	*out = (struct softnet_stats){ 0 };
	for (uint32_t i = 0; i < host->ncpus; i++)
		softnet_stats_add(out, softnet_of(host, i));
}

void
dev_softnet_stats_cpu(struct host *host, uint32_t cpu, struct softnet_stats *out)
{
	*out = (struct softnet_stats){ 0 };
	softnet_stats_add(out, softnet_of(host, cpu));
}

bool
dev_softirq_busy(struct host *host)
{
	for (uint32_t i = 0; i < host->ncpus; i++)
		if (softnet_of(host, i)->chain != CHAIN_IDLE)
			return true;
	return false;
}

bool
dev_ksoftirqd_running(struct host *host)
{
	for (uint32_t i = 0; i < host->ncpus; i++)
		if (in_ksoftirqd(softnet_of(host, i)))
			return true;
	return false;
}

/* ---- invariants (the checked build: NS_CHECK) --------------------------------------- */

#define SOFTNET_BUG(sd, ...) \
	g_error("host %s: softnet check failed: %s", (sd)->host->name, __VA_ARGS__)

/* Every instance on @l is where @where says, and @l's links are sound. */
static unsigned
check_list(const struct softnet_data *sd, const struct napi_list *l, enum napi_where where)
{
	unsigned n = 0;
	for (const struct napi_struct *x = l->first; x; x = x->poll_next) {
		if (x->where != where)
			SOFTNET_BUG(sd, "an instance on a list says it is elsewhere");
		if (!x->poll_next && l->last != x)
			SOFTNET_BUG(sd, "a NAPI list's last is not its tail");
		n++;
	}
	if (!l->first && l->last)
		SOFTNET_BUG(sd, "an empty NAPI list has a last");
	return n;
}

static void softnet_check_cpu(const struct host *host, const struct softnet_data *sd);

void
softnet_check(const struct host *host)
{
	for (uint32_t i = 0; i < host->ncpus; i++)
		softnet_check_cpu(host, softnet_of(host, i));
}

static void
softnet_check_cpu(const struct host *host, const struct softnet_data *sd)
{
	unsigned listed = check_list(sd, &sd->poll_list, NAPI_POLL_LIST) +
		check_list(sd, &sd->list, NAPI_LIST) + check_list(sd, &sd->repoll, NAPI_REPOLL) +
		check_list(sd, &sd->parked, NAPI_PARKED);
	unsigned on_lists = 0;
	const void *link = &sd->all; /* what the next instance's all_pprev must be */
	for (const struct napi_struct *n = sd->all; n; link = &n->all_next, n = n->all_next) {
		if ((const void *)n->all_pprev != link)
			SOFTNET_BUG(sd, "an instance's back pointer (all_pprev) is not its link");
		switch (n->where) {
		case NAPI_POLL_LIST:
		case NAPI_LIST:
		case NAPI_REPOLL:
		case NAPI_PARKED: on_lists++; break;
		case NAPI_POLLING:
			if (sd->cur != n)
				SOFTNET_BUG(sd, "an instance says it is polled but is not sd->cur");
			break;
		case NAPI_THREAD:
			if (!n->threaded)
				SOFTNET_BUG(sd,
					    "an instance without a thread is owned by its thread");
			break;
		case NAPI_IDLE: break;
		default: SOFTNET_BUG(sd, "an instance's location is out of range");
		}
		if (n->threaded &&
		    (n->where == NAPI_POLL_LIST || n->where == NAPI_LIST ||
		     n->where == NAPI_REPOLL || n->where == NAPI_POLLING))
			SOFTNET_BUG(sd, "a threaded instance is on the softirq's lists");
	}
	if (on_lists != listed)
		SOFTNET_BUG(sd, "the NAPI lists do not hold exactly the instances that say so");
	if (sd->input_queue_tail - sd->input_queue_head != skb_queue_len(&sd->backlog))
		SOFTNET_BUG(sd, "input_queue_tail - input_queue_head is not the backlog's length");
	if (sd->cur && sd->cur->where != NAPI_POLLING)
		SOFTNET_BUG(sd, "sd->cur is not marked as being polled");
	if (sd->chain == CHAIN_IDLE && sd->in_net_rx_action)
		SOFTNET_BUG(sd, "no __do_softirq runs, yet net_rx_action says it does");
	if (sd->chain == CHAIN_IDLE && (sd->work.queued || sd->cur || sd->list.first))
		SOFTNET_BUG(sd, "no __do_softirq runs, yet its work is queued");
	if (sd->chain != CHAIN_IDLE && !sd->work.queued && cpu_current_ctx(sd->cpu) == CPU_NONE)
		SOFTNET_BUG(sd, "__do_softirq runs, yet nothing of it is queued");
}
