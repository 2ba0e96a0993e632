/*
 * sim/cpu_int.h - the CPU's private state, shared by sim/cpu.c (contexts,
 * items, charges), sim/cpu_ctx.c (the running context, bottom halves,
 * invariants), sim/cpu_smp.c (several CPUs, timers) and sim/sched_fair.c
 * (the task run queue).  Nothing outside those files includes it.
 */
#ifndef NETSIM_SIM_CPU_INT_H
#define NETSIM_SIM_CPU_INT_H

#include <glib.h>
#include "sim/cpu.h"

struct cpu_queue {
	struct cpu_work *head, *tail;
};

/* One owner's charge inside a debt. */
struct cpu_seg {
	const char *name;
	sim_time_t ns;
};

#define CPU_DEBT_SEGS 8

/* Charges made by one item's function, paid by that flow's next item (or
 * by @work when there is none).  Pooled per CPU: the hot path allocates
 * nothing once the pool has grown to the number of items in flight.
 * Line-aligned (debt_get): @work's hot part is line 0, touched only when
 * the debt is paid as an item of its own; what a charge and the item that
 * pays it touch (the list link, the counts, the first segment) fills line
 * 1 after @work's cold part, and the next four segments line 2, so a cold
 * debt of up to five segments costs two or three lines, not four. */
struct cpu_debt {
	struct cpu_work work; /* when paid as an item of its own */
	struct cpu_debt *next_free;
	uint32_t nseg, cur; /* segments; the first not yet paid */
	sim_time_t total;
	struct cpu_seg seg[CPU_DEBT_SEGS];
	struct cpu_debt *all_next;
};
_Static_assert(offsetof(struct cpu_debt, seg[1]) == 128, "struct cpu_debt's lines moved");

/*
 * A task as the scheduler sees it: Linux's task_struct + sched_entity.
 * What an item of the task touches (its submission, wakeup, pick, account
 * and sleep) is the first cache line, and rq_task allocates the entity on
 * a line, so a task that runs once in 10 ms (a sender of the 1000-host
 * star) misses on one line, not on two or three.  named and owes_migrate
 * stand on that line for name and migrate_owed (rq_check holds them
 * equal), which are read only when set.
 */
struct cpu_task {
	uint32_t id;
	uint32_t weight;
	unsigned preempt_count;
	bool on_rq;	   /* runnable: has items (or runs one) */
	bool seen;	   /* has been enqueued once (START_DEBIT) */
	bool named;	   /* name != NULL */
	bool owes_migrate; /* migrate_owed != 0 */
	sim_time_t vruntime;
	sim_time_t sum_exec;	/* runtime */
	struct cpu_queue items; /* its work, FIFO */
	struct cpu *cpu;	/* the CPU whose run queue owns it now */
	sim_time_t exec_start;	/* when it last ran (se.exec_start): task_hot */
	/* line 1 (0x40): a task switch, a migration, the reports */
	sim_time_t prev_sum_exec; /* sum_exec at the last pick */
	const char *name;
	int nice;
	uint64_t switches_in;
	/* several CPUs (docs/cpu-model.md, "Where a process runs") */
	uint64_t allowed;	 /* cpus_allowed; 0: bound to its CPU (per-CPU kthreads) */
	sim_time_t migrate_owed; /* COST_MIGRATE, paid by its next item on the new CPU */
	uint64_t migrations;	 /* times moved to another CPU */
};

_Static_assert(offsetof(struct cpu_task, exec_start) + 8 <= 64 &&
		       offsetof(struct cpu_task, prev_sum_exec) == 64,
	       "struct cpu_task's hot fields are not on its first line");

/* The runnable tasks of a run queue, unordered.  Not a GPtrArray: a task
 * that sleeps after each item (a UDP sink) leaves and joins it twice a
 * datagram, and GLib's add and remove_fast calls were 1.4% of the UDP
 * flood's run loop. */
struct cpu_runnable {
	struct cpu_task **v;
	uint32_t len, cap;
};

/* The per-CPU run queue: Linux's struct rq with one cfs_rq.  The fields
 * every task item and wakeup read come first, up to cfg's first field
 * (struct cpu places them on its hot lines); the rest is the scheduler's
 * slow path. */
struct cpu_rq {
	struct cpu_task *curr;	   /* picked; NULL = idle */
	struct cpu_task *last_ran; /* whose item ran last: context switches */
	unsigned nr_running;
	bool need_resched;
	sim_time_t min_vruntime;
	uint64_t load;		      /* sum of the runnable tasks' weights */
	struct cpu_task *skip;	      /* yielded: picked last */
	struct cpu_runnable runnable; /* on_rq tasks (the rbtree of Linux; few tasks here) */
	struct cpu_sched_config cfg;  /* its first field read at every wakeup */
	uint64_t ctx_switches;
	GPtrArray *tasks;  /* every task seen, owned, in order of first sight */
	GHashTable *by_id; /* id -> struct cpu_task */
};

/*
 * A CPU.  Its fields are ordered by use: what every item reads or writes
 * (the cost table's pointer, its start and end, the queues, the counters,
 * the run queue's pick) fills the first four cache lines, and cpu_new
 * aligns the struct to a line, so an item of a host whose CPU has gone
 * cold (a sender of the 1000-host star, once every 10 ms) misses on those
 * four lines; the cost table it reads is the world's, shared by every CPU
 * of the same costs and kept cached by them all.  The rest is set up once
 * or read on slow paths.
 */
struct cpu {
	struct cpu_head head; /* first: cpu_cost, cpu_percpu (sim/cpu.h) read it inline */
	struct sim *sim;
	struct cpu *leader;	  /* CPU 0 of its host (itself when alone) */
	struct cpu_work *cur;	  /* running, not on any queue */
	sim_time_t cur_start;	  /* start of the current stretch */
	sim_event_id cur_done;	  /* its end */
	struct cpu_debt *pending; /* charges of the running function */
	/* line 1 (0x40) */
	struct cpu *running; /* on the leader: the CPU of the host running a function */
	cpu_busy_hook hook;
	enum cpu_ctx in_fn;		  /* context of the function running now */
	uint32_t in_task;		  /* its task (task context), else 0 */
	bool smp;			  /* one of several CPUs: this_slot and running are kept */
	unsigned bh_disabled;		  /* local_bh_disable depth of the running task function */
	struct cpu_queue q[CPU_NCTX - 1]; /* hardirq and softirq; tasks have their own */
	/* line 2 (0x80) */
	sim_time_t busy[CPU_NCTX];
	struct cpu_debt *free_debts;
	uint64_t items[CPU_NCTX];
	struct cpu_rq rq; /* up to cfg.sched_latency_ns on lines 2 and 3 */

	uint64_t preemptions;
	struct cpu_debt *all_debts;
	char *name;
	uint32_t id;		 /* its number on the host (smp_processor_id) */
	struct cpu **this_slot;	 /* set to this CPU while its item functions run */
	struct cpu *sibling;	 /* the next CPU of the leader's group */
	uint32_t nr_placed;	 /* processes placed here (cpu_select_fork) */
	uint32_t ncpus;		 /* on the leader: the CPUs of its host */
	sim_event_id balance_ev; /* on the leader: the next load-balancing tick */
	struct cpu **bycpu;	 /* on the leader: its host's CPUs by number (ncpus) */
	uint32_t nbycpu;	 /* on the leader: bycpu's length (sched_smp_join) */
	GHashTable *movable;	 /* on the leader: id -> entity of each task with a mask */
	unsigned balance_failed; /* balancing passes in a row that moved nothing here */
	uint64_t migrations;	 /* tasks pulled to this CPU (cpu_migrations) */
	uint64_t timers_fired;	 /* cpu_timer_run bodies run with this CPU as base */
	void *hook_arg;
	uint32_t hook_task;
	uint32_t hook_cpu; /* within a hook call: the number of the stretch's CPU */
};

/* The hot lines of struct cpu (above), as laid out for x86-64. */
_Static_assert(offsetof(struct cpu, running) == 64 && offsetof(struct cpu, busy) == 128 &&
		       offsetof(struct cpu, rq.cfg.sched_latency_ns) + 8 <= 4 * 64,
	       "struct cpu's hot fields are not on the lines the comment names");

static inline void
cpu_queue_append(struct cpu_queue *q, struct cpu_work *w)
{
	w->next = NULL;
	if (q->tail)
		q->tail->next = w;
	else
		q->head = w;
	q->tail = w;
}

static inline void
cpu_queue_prepend(struct cpu_queue *q, struct cpu_work *w)
{
	w->next = q->head;
	q->head = w;
	if (!q->tail)
		q->tail = w;
}

static inline struct cpu_work *
cpu_queue_pop(struct cpu_queue *q)
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

bool cpu_queue_remove(struct cpu_queue *q, struct cpu_work *w);

/* cpu.c: start the next item if the CPU is free (after a migration). */
void cpu_kick(struct cpu *cpu);
/* cpu.c: @cpu takes @from's costs (a new CPU of @from's host). */
void cpu_copy_costs(struct cpu *cpu, const struct cpu *from);

/* sched_fair.c */
void rq_init(struct cpu_rq *rq);
/* The task entity @id for an item submitted on @cpu: its own, else (SMP)
 * a migratable task of that id on another CPU of the host, else a new one
 * here.  Per-CPU kthreads (ksoftirqd) share an id and are never looked up
 * across CPUs. */
struct cpu_task *rq_task_find(struct cpu *cpu, uint32_t id);
/* @cpu joins @leader's host (cpu_smp_join): the leader's CPU array and
 * task table; sched_smp_leave undoes it at cpu_free. */
void sched_smp_join(struct cpu *cpu, struct cpu *leader);
void sched_smp_leave(struct cpu *cpu);
/* Arm the host's load-balancing tick if it is not armed. */
void sched_balance_arm(struct cpu *leader);
void rq_fini(struct cpu_rq *rq);
struct cpu_task *rq_task(struct cpu_rq *rq, uint32_t id);
/* The slow paths of the inline functions below. */
void rq_wakeup(struct cpu_rq *rq, struct cpu_task *se);
void rq_sleep(struct cpu_rq *rq, struct cpu_task *se);
void rq_account_slow(struct cpu_rq *rq, struct cpu_task *se);
struct cpu_work *rq_pick_slow(struct cpu_rq *rq, sim_time_t ctx_switch_ns, bool parts);

/* Queue task item @w (w->se set) on its task; a wakeup if the task slept. */
static inline void
rq_enqueue(struct cpu_rq *rq, struct cpu_work *w)
{
	struct cpu_task *se = w->se;
	cpu_queue_append(&se->items, w);
	if (!se->on_rq)
		rq_wakeup(rq, se);
}

/* @se's item ended (or was withdrawn): dequeue it if it has nothing left
 * and is not @running another item. */
static inline void
rq_item_end(struct cpu_rq *rq, struct cpu_task *se, bool running)
{
	if (se->on_rq && !se->items.head && !running)
		rq_sleep(rq, se);
}

/* @se ran @ns: runtime, vruntime (update_curr, calc_delta_fair), and the
 * slice check (check_preempt_tick). */
static inline void
rq_account(struct cpu_rq *rq, struct cpu_task *se, sim_time_t ns)
{
	se->sum_exec += ns;
	se->vruntime += se->weight == NICE_0_LOAD
		? ns
		: (sim_time_t)((uint64_t)ns * NICE_0_LOAD / se->weight);
	if (rq->nr_running == 1 && se->on_rq) {
		/* alone: min_vruntime follows it, and no slice can end */
		if (se->vruntime > rq->min_vruntime)
			rq->min_vruntime = se->vruntime;
		return;
	}
	rq_account_slow(rq, se);
}

/* The next task item to run (schedule()), with a context switch charged
 * into it when the task changes; NULL when no task is runnable.  @parts:
 * the CPU has a busy hook, so the item keeps migrate_ns and switch_ns too
 * (struct cpu_work: only the hook reads them). */
static inline struct cpu_work *
rq_pick(struct cpu_rq *rq, sim_time_t ctx_switch_ns, bool parts)
{
	struct cpu_task *c = rq->curr;
	if (c && c == rq->last_ran && c->on_rq && c->items.head && !c->owes_migrate &&
	    (c->preempt_count > 0 || !rq->need_resched))
		return cpu_queue_pop(&c->items); /* the current task goes on */
	return rq_pick_slow(rq, ctx_switch_ns, parts);
}
void rq_check(const struct cpu *cpu, const struct cpu_rq *rq);

#endif
