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
 * The softirq is one cpu_work item (sd->work) resubmitted step by step:
 * ENTRY (net_rx_action begins), POLL (one poll call), PACKET (one packet of
 * that poll).  Each step's cost is paid before its function runs, so an
 * interrupt can preempt the softirq between packets and while one is paid.
 * The chain runs in softirq context, or in task context once ksoftirqd has
 * taken over (netdevice.h explains the limits).
 *
 * The livelock remedies live here too (netdevice.h): threaded NAPI (a
 * thread that polls one quota, then yields to the other tasks), and the
 * input gate that feedback (dev_rx_throttle) and the CPU-cycle limit
 * close: a closed gate parks the instances net_rx_action would poll.
 */
#include "stack/dev_int.h"

#include <stddef.h>
#include <string.h>
#include "stack/host.h"
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
	};
}

void
dev_set_host_config(struct host *host, const struct netdev_host_config *c)
{
	host->softnet->cfg = *c;
	host->softnet->backlog_napi.weight = c->dev_weight;
}

struct netdev_host_config *
dev_host_config(struct host *host)
{
	return &host->softnet->cfg;
}

/* ---- NAPI lists ------------------------------------------------------------------ */

static void
napi_list_append(struct napi_list *l, struct napi_struct *n)
{
	n->poll_next = NULL;
	if (l->last)
		l->last->poll_next = n;
	else
		l->first = n;
	l->last = n;
}

static struct napi_struct *
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

static void softnet_step_done(struct cpu_work *w);

static void
softnet_submit(struct softnet_data *sd, enum softnet_step step, sim_time_t cost)
{
	static const char *const names[] = {
		[STEP_ENTRY] = "net_rx_action",
		[STEP_POLL] = "napi_poll",
		[STEP_PACKET] = "napi_poll packet",
	};
	sd->step = step;
	sd->work.name = sd->ksoftirqd ? "ksoftirqd" : names[step];
	sd->work.task = 0; /* ksoftirqd too: see KSOFTIRQD_TASK */
	cpu_submit(sd->host->cpu, &sd->work, sd->ksoftirqd ? CPU_TASK : CPU_SOFTIRQ, cost);
}

/* __do_softirq begins: it may run net_rx_action softirq_max_restart times. */
static void
softirq_begin(struct softnet_data *sd)
{
	sd->running = true;
	sd->restarts_left = sd->cfg.softirq_max_restart;
	sd->softirq_end = sim_now(sd->host->sim) + sd->cfg.softirq_max_time;
	softnet_submit(sd, STEP_ENTRY, cpu_cost(sd->host->cpu, COST_SOFTIRQ_ENTRY));
}

/* raise_softirq(NET_RX_SOFTIRQ); runs it unless it is running already. */
static void
softirq_raise(struct softnet_data *sd)
{
	sd->pending = true;
	if (!sd->running)
		softirq_begin(sd);
}

/* Only new input is blocked: device instances are parked, while the
 * backlog (packets the CPU has taken in already) is still processed. */
static bool rx_gate_closed(struct softnet_data *sd);
static void napi_park(struct softnet_data *sd, struct napi_struct *n);

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
	n->work = 0;
	n->polls++;
	sd->stats.napi_polls++;
	softnet_submit(sd, STEP_POLL, cpu_cost(sd->host->cpu, COST_NAPI_POLL));
}

/*
 * net_rx_action's end: instances still to poll, then those scheduled
 * meanwhile, then those that used their weight go back on the poll list;
 * if any, NET_RX is raised again.  Then __do_softirq decides: restart,
 * hand over to ksoftirqd, or stop.
 */
static void
net_rx_action_end(struct softnet_data *sd)
{
	napi_list_splice_tail(&sd->list, &sd->poll_list);
	napi_list_splice_tail(&sd->list, &sd->repoll);
	sd->poll_list = sd->list;
	sd->list = (struct napi_list){ 0 };
	if (sd->poll_list.first)
		sd->pending = true;

	if (!sd->pending) {
		sd->running = false;
		sd->ksoftirqd = false; /* ksoftirqd sleeps */
		return;
	}
	if (sd->ksoftirqd) {
		/* run_ksoftirqd loops while NET_RX is pending */
		softnet_submit(sd, STEP_ENTRY, cpu_cost(sd->host->cpu, COST_SOFTIRQ_ENTRY));
		return;
	}
	/* seed: "Dealing with interrupts and NAPI"; Linux kernel/softirq.c
	 * __do_softirq: restart unless out of restarts or time, or a task
	 * waits for the CPU (need_resched) */
	if (--sd->restarts_left > 0 && sim_now(sd->host->sim) < sd->softirq_end &&
	    !cpu_ctx_busy(sd->host->cpu, CPU_TASK)) {
		sd->stats.softirq_restarts++;
		softnet_submit(sd, STEP_ENTRY, cpu_cost(sd->host->cpu, COST_SOFTIRQ_ENTRY));
		return;
	}
	sd->stats.ksoftirqd_wakeups++;
	sd->ksoftirqd = true;
	softnet_submit(sd, STEP_ENTRY, cpu_cost(sd->host->cpu, COST_SOFTIRQ_ENTRY));
}

/* The current poll ends: napi_complete or repoll, then budget and time. */
static void
poll_end(struct softnet_data *sd)
{
	struct napi_struct *n = sd->cur;
	sd->cur = NULL;
	if (n && n->dev && n->ops->has_work(n) && rx_gate_closed(sd)) {
		sd->budget -= (int)n->work;
		napi_park(sd, n);
	} else if (n) {
		if (n->weight == 0 || n->work < n->weight) {
			n->scheduled = false;
			n->completes++;
			if (n->ops->complete)
				n->ops->complete(n);
		} else {
			n->full_polls++;
			napi_list_append(&sd->repoll, n);
		}
		sd->budget -= (int)n->work;
	}
	if (sd->budget <= 0 || sim_now(sd->host->sim) >= sd->time_limit) {
		sd->stats.time_squeeze++;
		net_rx_action_end(sd);
		return;
	}
	poll_next(sd);
	if (!sd->cur)
		net_rx_action_end(sd);
}

/* After a POLL or PACKET step: the next packet of this poll, or its end. */
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

static void
softnet_step_done(struct cpu_work *w)
{
	struct softnet_data *sd = w->owner;
	struct host *host = sd->host;
	uint32_t saved_task = host->current_task;
	if (sd->ksoftirqd)
		host->current_task = 0; /* see KSOFTIRQD_TASK */

	switch (sd->step) {
	case STEP_ENTRY:
		sd->pending = false;
		sd->stats.net_rx_actions++;
		if (sd->ksoftirqd)
			sd->stats.ksoftirqd_actions++;
		sd->list = sd->poll_list;
		sd->poll_list = (struct napi_list){ 0 };
		sd->budget = (int)sd->cfg.netdev_budget;
		sd->time_limit =
			sim_now(host->sim) + (sim_time_t)sd->cfg.netdev_budget_usecs * SIM_US;
		poll_next(sd);
		if (!sd->cur)
			net_rx_action_end(sd);
		break;
	case STEP_POLL: poll_continue(sd); break;
	case STEP_PACKET:
		if (sd->cur) {
			sd->cur->work++;
			sd->cur->packets++;
			sd->cur->ops->rx_one(sd->cur);
		}
		poll_continue(sd);
		break;
	}
	host->current_task = saved_task;
}

/* ---- NAPI ------------------------------------------------------------------------- */

void
netif_napi_add(struct host *host, struct net_device *dev, struct napi_struct *n, const char *name,
	       const struct napi_ops *ops, uint32_t weight, void *priv)
{
	g_assert(ops && ops->has_work && ops->rx_one && ops->packet_cost);
	*n = (struct napi_struct){
		.name = name,
		.dev = dev,
		.host = host,
		.ops = ops,
		.priv = priv,
		.weight = weight,
	};
}

void
netif_napi_del(struct napi_struct *n)
{
	struct softnet_data *sd = n->host->softnet;
	if (n->threaded)
		cpu_withdraw(n->host->cpu, &n->thread_work);
	if (!n->scheduled)
		return;
	if (sd->cur == n)
		sd->cur = NULL;
	if (!napi_list_remove(&sd->poll_list, n) && !napi_list_remove(&sd->list, n) &&
	    !napi_list_remove(&sd->repoll, n))
		napi_list_remove(&sd->parked, n);
	n->parked = false;
	n->scheduled = false;
}

static void napi_thread_wake(struct napi_struct *n);

bool
napi_schedule(struct napi_struct *n)
{
	if (n->scheduled)
		return false;
	struct softnet_data *sd = n->host->softnet;
	n->scheduled = true;
	if (n->threaded) {
		napi_thread_wake(n);
		return true;
	}
	napi_list_append(&sd->poll_list, n);
	softirq_raise(sd);
	return true;
}

/* ---- threaded NAPI: the polling thread with a quota -------------------------------- */

/*
 * Linux net/core/dev.c napi_threaded_poll: the thread "napi/DEV" polls
 * its instance (one COST_NAPI_POLL item in task context, the thread's own
 * task), then takes at most weight packets in softirq context, where no
 * task runs between them (bottom halves are off), then yields to the
 * other tasks (cond_resched) and polls again, until a poll finds the ring
 * empty (napi_complete_done) and the thread sleeps.  With weight 0 one
 * poll runs while frames wait: Mogul & Ramakrishnan's "no quota".
 */
static void
napi_thread_step(struct cpu_work *w)
{
	struct napi_struct *n = w->owner;
	struct softnet_data *sd = n->host->softnet;
	if (!n->thread_in_poll) {
		/* the poll call */
		if (rx_gate_closed(sd)) {
			napi_park(sd, n);
			return;
		}
		n->work = 0;
		n->polls++;
		sd->stats.napi_polls++;
	} else {
		n->work++;
		n->packets++;
		n->ops->rx_one(n);
	}
	bool more = n->ops->has_work(n);
	if (more && (n->weight == 0 || n->work < n->weight) && !rx_gate_closed(sd)) {
		n->thread_in_poll = true;
		w->task = 0;
		cpu_submit(n->host->cpu, w, CPU_SOFTIRQ, n->ops->packet_cost(n));
		return;
	}
	n->thread_in_poll = false;
	if (more && rx_gate_closed(sd)) {
		napi_park(sd, n);
	} else if (more) {
		n->full_polls++;
		napi_thread_wake(n); /* cond_resched: behind the tasks that wait */
	} else {
		n->scheduled = false;
		n->completes++;
		if (n->ops->complete)
			n->ops->complete(n);
	}
}

static void
napi_thread_wake(struct napi_struct *n)
{
	if (n->thread_work.queued)
		return;
	n->thread_in_poll = false;
	n->thread_work.task = napi_thread_task(n);
	cpu_submit(n->host->cpu, &n->thread_work, CPU_TASK, cpu_cost(n->host->cpu, COST_NAPI_POLL));
}

void
napi_set_threaded(struct napi_struct *n, bool threaded)
{
	g_assert(!n->scheduled);
	n->threaded = threaded;
	if (threaded)
		cpu_work_init(&n->thread_work, napi_thread_step, n, n->name);
}

uint32_t
napi_thread_task(const struct napi_struct *n)
{
	return 0x7fff2000u + (n->dev ? n->dev->ifindex : 0);
}

/* ---- the input gate: feedback and the cycle limit --------------------------------- */

static sim_time_t
rx_busy_ns(struct softnet_data *sd)
{
	return cpu_busy_ns(sd->host->cpu, CPU_HARDIRQ) + cpu_busy_ns(sd->host->cpu, CPU_SOFTIRQ);
}

static void rx_gate_update(struct softnet_data *sd, bool was_closed);

/* The end of a period in which the cycle limit was reached. */
static void
rx_cycle_timer(struct sim *sim, void *a, void *b)
{
	struct softnet_data *sd = a;
	sd->cycle_ev = 0;
	sd->cycle_blocked = false;
	sd->period_start = sim_now(sim);
	sd->busy_at_start = rx_busy_ns(sd);
	rx_gate_update(sd, true);
}

/* Mogul & Ramakrishnan section 7: packet work may use rx_cycle_limit
 * percent of each period; once it has, input waits for the next period. */
static void
rx_cycles_check(struct softnet_data *sd)
{
	if (sd->cfg.rx_cycle_limit >= 100 || sd->cycle_blocked)
		return;
	sim_time_t now = sim_now(sd->host->sim), period = sd->cfg.rx_cycle_period;
	if (now - sd->period_start >= period) {
		sd->period_start = now - (now - sd->period_start) % period;
		sd->busy_at_start = rx_busy_ns(sd);
	}
	sim_time_t used = rx_busy_ns(sd) - sd->busy_at_start;
	if (used * 100 < period * (sim_time_t)sd->cfg.rx_cycle_limit)
		return;
	if (!sd->throttled)
		sd->blocked_since = now;
	sd->cycle_blocked = true;
	sd->stats.cycle_limit_hits++;
	sd->cycle_ev = sim_schedule(sd->host->sim, sd->period_start + period - now, rx_cycle_timer,
				    sd, NULL);
}

static bool
rx_gate_closed(struct softnet_data *sd)
{
	rx_cycles_check(sd);
	return sd->throttled || sd->cycle_blocked;
}

static void
napi_park(struct softnet_data *sd, struct napi_struct *n)
{
	n->parked = true;
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
		n->parked = false;
		if (n->threaded) {
			napi_thread_wake(n);
		} else {
			napi_list_append(&sd->poll_list, n);
			softirq_raise(sd);
		}
	}
	for (struct net_device *d = sd->host->dev_list; d; d = d->next)
		if (d->up && d->netdev_ops->ndo_rx_resume)
			d->netdev_ops->ndo_rx_resume(d);
}

void
dev_rx_throttle(struct host *host, bool on)
{
	struct softnet_data *sd = host->softnet;
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
	netif_receive_skb(skb);
}

static sim_time_t
backlog_packet_cost(struct napi_struct *n)
{
	return cpu_cost(n->host->cpu, COST_ETH_RCV);
}

static const struct napi_ops backlog_napi_ops = {
	.has_work = backlog_has_work,
	.rx_one = backlog_rx_one,
	.packet_cost = backlog_packet_cost,
};

int
netif_rx(struct sk_buff *skb)
{
	struct softnet_data *sd = skb->host->softnet;
	skb_handoff(skb, "dev", "netif_rx");
	/* Linux enqueue_to_backlog */
	if (skb_queue_len(&sd->backlog) >= sd->cfg.netdev_max_backlog) {
		sd->stats.dropped++;
		if (skb->dev)
			dev_count_drop(skb->dev, SKB_DROP_BACKLOG_FULL, true);
		skb_drop(skb, SKB_DROP_BACKLOG_FULL);
		return NET_RX_DROP;
	}
	skb_queue_tail(&sd->backlog, skb);
	if (skb_queue_len(&sd->backlog) > sd->stats.backlog_max)
		sd->stats.backlog_max = skb_queue_len(&sd->backlog);
	napi_schedule(&sd->backlog_napi);
	return NET_RX_SUCCESS;
}

/* ---- per host ---------------------------------------------------------------------- */

void
dev_host_init(struct host *host)
{
	struct softnet_data *sd = g_new0(struct softnet_data, 1);
	sd->host = host;
	netdev_host_config_init(&sd->cfg);
	skb_queue_head_init(&sd->backlog, "backlog", "dev");
	netif_napi_add(host, NULL, &sd->backlog_napi, "backlog", &backlog_napi_ops,
		       sd->cfg.dev_weight, sd);
	cpu_work_init(&sd->work, softnet_step_done, sd, "net_rx_action");
	host->softnet = sd;
}

void
dev_host_fini(struct host *host)
{
	struct softnet_data *sd = host->softnet;
	if (!sd)
		return;
	cpu_withdraw(host->cpu, &sd->work);
	if (sd->cycle_ev)
		sim_cancel(host->sim, sd->cycle_ev);
	skb_queue_purge(&sd->backlog, SKB_DROP_QUEUE_PURGE);
	g_free(sd);
	host->softnet = NULL;
}

void
dev_softnet_stats(struct host *host, struct softnet_stats *out)
{
	struct softnet_data *sd = host->softnet;
	*out = sd->stats;
	out->backlog_len = skb_queue_len(&sd->backlog);
}

bool
dev_softirq_busy(struct host *host)
{
	return host->softnet->running;
}

bool
dev_ksoftirqd_running(struct host *host)
{
	return host->softnet->ksoftirqd;
}
