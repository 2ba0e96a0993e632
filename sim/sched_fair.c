/*
 * sim/sched_fair.c - the task scheduler: one run queue per CPU, CFS.
 *
 * Linux counterpart: kernel/sched/fair.c as in Linux 6.5 and earlier (CFS;
 * 6.6 replaced the pick by EEVDF, whose long-run shares by weight are the
 * same).  Functions checked and modelled: update_curr (vruntime +=
 * delta * NICE_0_LOAD / weight), update_min_vruntime, sched_slice (the
 * period max(sched_latency, nr * sched_min_granularity) shared by weight,
 * at least sched_min_granularity: BASE_SLICE, 6.2+), place_entity (a new
 * task starts a vslice of its parent's queue, CPU 0's, behind
 * min_vruntime: START_DEBIT, task_fork_fair; a waking one at
 * most sched_latency/2 ahead of it: GENTLE_FAIR_SLEEPERS),
 * check_preempt_tick (slice used, or more than a slice ahead of the
 * leftmost task after sched_min_granularity), check_preempt_wakeup (the
 * woken task is more than wakeup_gran behind: resched_curr; an idle CPU is
 * always preempted), yield_task_fair (the skip buddy).
 *
 * Simplifications, each named in docs/cpu-model.md: the tick is a check at
 * the end of every task item (items are microseconds, Linux's tick 1 to 4
 * ms, so slices end on time rather than up to a tick late); a task is not
 * cut by another task inside an item; no group scheduling, no wakeup or
 * next/last buddies; the run queue is an array scanned in O(tasks) at each
 * pick, not an rbtree (a host has a handful of tasks).
 */
#include "sim/cpu_int.h"

#include <glib.h>
#include <stddef.h>
#include <string.h>

/* kernel/sched/core.c sched_prio_to_weight */
const uint32_t sched_prio_to_weight[40] = {
	/* -20 */ 88761, 71755, 56483, 46273, 36291,
	/* -15 */ 29154, 23254, 18705, 14949, 11916,
	/* -10 */ 9548,	 7620,	6100,  4904,  3906,
	/*  -5 */ 3121,	 2501,	1991,  1586,  1277,
	/*   0 */ 1024,	 820,	655,   526,   423,
	/*   5 */ 335,	 272,	215,   172,   137,
	/*  10 */ 110,	 87,	70,    56,    45,
	/*  15 */ 36,	 29,	23,    18,    15,
};

void
cpu_sched_config_init(struct cpu_sched_config *c)
{
	*c = (struct cpu_sched_config){
		.sched_latency_ns = 6 * SIM_MS,
		.sched_min_granularity_ns = 750 * SIM_US,
		.sched_wakeup_granularity_ns = 1 * SIM_MS,
		.sched_migration_cost_ns = 500 * SIM_US,
	};
}

static void
runnable_add(struct cpu_runnable *r, struct cpu_task *se)
{
	if (r->len == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 8;
		r->v = g_renew(struct cpu_task *, r->v, r->cap);
	}
	r->v[r->len++] = se;
}

/* Remove @se: the last task takes its place (as g_ptr_array_remove_fast). */
static void
runnable_remove(struct cpu_runnable *r, struct cpu_task *se)
{
	for (uint32_t i = 0; i < r->len; i++)
		if (r->v[i] == se) {
			r->v[i] = r->v[--r->len];
			return;
		}
	g_error("cpu: task %u is not on the runnable list", se->id);
}

void
rq_init(struct cpu_rq *rq)
{
	cpu_sched_config_init(&rq->cfg);
	rq->tasks = g_ptr_array_new_with_free_func(g_aligned_free);
	rq->by_id = g_hash_table_new(g_direct_hash, g_direct_equal);
	rq->runnable = (struct cpu_runnable){ 0 };
}

void
rq_fini(struct cpu_rq *rq)
{
	g_hash_table_destroy(rq->by_id);
	g_free(rq->runnable.v);
	g_ptr_array_free(rq->tasks, TRUE);
}

/* The entity of task @id on @rq, made at its first sight.  The task that
 * ran last or runs now is the one asked for nearly always (a process's own
 * charges, cpu_submit_debt): it is found without probing the hash, whose
 * three arrays are lines of their own that a host running once in 10 ms
 * finds cold (docs/performance.md).  A migrated entity is no longer on
 * @rq, and its cpu says so. */
struct cpu_task *
rq_task(struct cpu_rq *rq, uint32_t id)
{
	struct cpu *cpu = (struct cpu *)(void *)((char *)rq - offsetof(struct cpu, rq));
	struct cpu_task *se = rq->last_ran;
	if (se && se->id == id && se->cpu == cpu)
		return se;
	se = rq->curr;
	if (se && se->id == id && se->cpu == cpu)
		return se;
	se = g_hash_table_lookup(rq->by_id, GUINT_TO_POINTER(id));
	if (se)
		return se;
	se = g_aligned_alloc0(1, sizeof *se, 64); /* on a line: struct cpu_task */
	se->id = id;
	se->weight = NICE_0_LOAD;
	se->cpu = cpu;
	g_ptr_array_add(rq->tasks, se);
	g_hash_table_insert(rq->by_id, GUINT_TO_POINTER(id), se);
	return se;
}

/* delta * NICE_0_LOAD / weight (calc_delta_fair). */
static sim_time_t
delta_fair(sim_time_t delta, const struct cpu_task *se)
{
	if (se->weight == NICE_0_LOAD)
		return delta;
	return (sim_time_t)((uint64_t)delta * NICE_0_LOAD / se->weight);
}

/* The runnable task with the smallest vruntime, other than @not (ties: the
 * one runnable longest, as the rbtree keeps equal keys in insertion order).
 * O(runnable tasks) per pick, where Linux's rbtree is O(1): a host runs a
 * handful of tasks (see the top of the file). */
static struct cpu_task *
leftmost(const struct cpu_rq *rq, const struct cpu_task * not )
{
	struct cpu_task *best = NULL;
	for (uint32_t i = 0; i < rq->runnable.len; i++) {
		struct cpu_task *t = rq->runnable.v[i];
		if (t != not &&(!best || t->vruntime < best->vruntime))
			best = t;
	}
	return best;
}

static void
update_min_vruntime(struct cpu_rq *rq)
{
	struct cpu_task *l = leftmost(rq, NULL);
	if (l && l->vruntime > rq->min_vruntime)
		rq->min_vruntime = l->vruntime;
}

/* sched_slice: @se's share of the period, by weight. */
static sim_time_t
sched_slice(const struct cpu_rq *rq, const struct cpu_task *se)
{
	const struct cpu_sched_config *c = &rq->cfg;
	uint64_t nr = rq->nr_running + (se->on_rq ? 0 : 1);
	uint64_t load = rq->load + (se->on_rq ? 0 : se->weight);
	uint64_t nr_latency = (uint64_t)(c->sched_latency_ns / MAX(c->sched_min_granularity_ns, 1));
	sim_time_t period = nr > nr_latency ? (sim_time_t)nr * c->sched_min_granularity_ns
					    : c->sched_latency_ns;
	/* period <= 1 s and weight <= 88761: the product fits in 64 bits */
	sim_time_t slice = (sim_time_t)((uint64_t)period * se->weight / MAX(load, 1));
	return MAX(slice, c->sched_min_granularity_ns);
}

/* check_preempt_tick: has the current task had its slice? */
static void
check_preempt_tick(struct cpu_rq *rq, struct cpu_task *curr)
{
	if (rq->nr_running <= 1 || rq->need_resched)
		return;
	sim_time_t ideal = sched_slice(rq, curr);
	sim_time_t ran = curr->sum_exec - curr->prev_sum_exec;
	if (ran > ideal) {
		rq->need_resched = true;
		return;
	}
	if (ran < rq->cfg.sched_min_granularity_ns)
		return;
	struct cpu_task *l = leftmost(rq, curr);
	if (l && curr->vruntime - l->vruntime > ideal)
		rq->need_resched = true;
}

/* check_preempt_wakeup: should woken @se preempt the current task? */
static void
check_preempt_wakeup(struct cpu_rq *rq, struct cpu_task *se)
{
	struct cpu_task *c = rq->curr;
	if (!c || !c->on_rq) {
		rq->need_resched = true; /* the idle task is always preempted */
		return;
	}
	if (c == se)
		return;
	sim_time_t gran = delta_fair(rq->cfg.sched_wakeup_granularity_ns, se);
	if (c->vruntime - se->vruntime > gran)
		rq->need_resched = true;
}

/*
 * START_DEBIT: a new task starts a vslice behind min_vruntime.  Linux
 * takes that vslice at fork, on the parent's run queue (task_fork_fair ->
 * place_entity(cfs_rq, se, 1), 6.5 and earlier), and the child keeps it,
 * relative to min_vruntime, on the CPU it is then placed on
 * (wake_up_new_task -> select_task_rq_fair, SD_BALANCE_FORK).  netsim's
 * processes are all started by the scenario, their parent, on CPU 0: the
 * vslice is CPU 0's, whichever CPU the task lands on.  (Taken on the
 * landing CPU instead, it shrinks with each task already there: with many
 * processes per CPU the second placed on each was a half-latency behind
 * and never ran while the later ones, a few slices behind, kept the CPU.)
 */
static sim_time_t
start_debit(struct cpu_rq *rq, const struct cpu_task *se)
{
	const struct cpu *parent = se->cpu->leader;
	const struct cpu_rq *prq = parent == se->cpu ? rq : &parent->rq;
	return delta_fair(sched_slice(prq, se), se);
}

/* place_entity + enqueue_entity: @se becomes runnable. */
void
rq_wakeup(struct cpu_rq *rq, struct cpu_task *se)
{
	update_min_vruntime(rq); /* update_curr */
	if (!se->seen) {
		se->seen = true;
		se->vruntime = rq->min_vruntime + start_debit(rq, se);
	} else {
		sim_time_t floor = rq->min_vruntime - rq->cfg.sched_latency_ns / 2;
		if (se->vruntime < floor)
			se->vruntime = floor;
	}
	se->on_rq = true;
	runnable_add(&rq->runnable, se);
	rq->load += se->weight;
	rq->nr_running++;
	check_preempt_wakeup(rq, se);
}

void
rq_sleep(struct cpu_rq *rq, struct cpu_task *se)
{
	se->on_rq = false;
	runnable_remove(&rq->runnable, se);
	rq->load -= se->weight;
	rq->nr_running--;
	if (rq->skip == se)
		rq->skip = NULL;
	update_min_vruntime(rq);
}

void
rq_account_slow(struct cpu_rq *rq, struct cpu_task *se)
{
	update_min_vruntime(rq);
	if (se == rq->curr)
		check_preempt_tick(rq, se);
}

struct cpu_work *
rq_pick_slow(struct cpu_rq *rq, sim_time_t ctx_switch_ns, bool parts)
{
	struct cpu_task *next = rq->curr;
	if (!(next && next->on_rq && next->items.head &&
	      (next->preempt_count > 0 || !rq->need_resched))) {
		if (rq->nr_running == 0)
			return NULL;
		/* schedule(): pick_next_entity, the skip buddy last */
		next = leftmost(rq, rq->skip);
		if (!next)
			next = rq->skip;
		rq->need_resched = false;
		rq->skip = NULL;
		rq->curr = next;
		next->prev_sum_exec = next->sum_exec;
	}
	struct cpu_work *w = cpu_queue_pop(&next->items);
	g_assert(w != NULL);
	if (next->owes_migrate) { /* the first item on a new CPU pays the move */
		if (parts)
			w->migrate_ns += next->migrate_owed;
		w->remaining += next->migrate_owed;
		next->migrate_owed = 0;
		next->owes_migrate = false;
	}
	if (rq->last_ran && rq->last_ran != next) {
		if (parts)
			w->switch_ns += ctx_switch_ns;
		w->remaining += ctx_switch_ns;
		rq->ctx_switches++;
	}
	if (rq->last_ran != next)
		next->switches_in++;
	rq->last_ran = next;
	return w;
}

#define RQ_BUG(cpu, what) g_error("cpu %s: run queue check failed: %s", (cpu)->name, what)

void
rq_check(const struct cpu *cpu, const struct cpu_rq *rq)
{
	uint64_t load = 0;
	unsigned nr = 0;
	const struct cpu_task *running =
		cpu->cur && cpu->cur->ctx == CPU_TASK ? cpu->cur->se : NULL;
	for (guint i = 0; i < rq->tasks->len; i++) {
		const struct cpu_task *t = rq->tasks->pdata[i];
		bool listed = false;
		for (uint32_t j = 0; j < rq->runnable.len; j++)
			listed |= rq->runnable.v[j] == t;
		if (listed != t->on_rq)
			RQ_BUG(cpu, "a task's on_rq disagrees with the runnable list");
		for (const struct cpu_work *w = t->items.head; w; w = w->next)
			if (!w->queued || w->ctx != CPU_TASK || w->se != t)
				RQ_BUG(cpu, "a task's queue holds an item that is not its own");
		if (t->named != (t->name != NULL) || t->owes_migrate != (t->migrate_owed != 0))
			RQ_BUG(cpu, "a task's named or owes_migrate disagrees with its field");
		if (t->allowed && cpu->leader->movable &&
		    g_hash_table_lookup(cpu->leader->movable, GUINT_TO_POINTER(t->id)) != t)
			RQ_BUG(cpu, "a task with a mask is missing from its host's table");
		if (t->on_rq) {
			load += t->weight;
			nr++;
			if (!t->items.head && t != running && cpu->in_task != t->id)
				RQ_BUG(cpu, "a runnable task has no work and is not running");
		} else if (t->items.head) {
			RQ_BUG(cpu, "a sleeping task has queued work");
		}
	}
	if (load != rq->load || nr != rq->nr_running || nr != rq->runnable.len)
		RQ_BUG(cpu, "the run queue's load or count is wrong");
	if (rq->skip && !rq->skip->on_rq)
		RQ_BUG(cpu, "the skip buddy is not runnable");
	if (rq->last_ran && rq->last_ran->preempt_count > 0 && !rq->last_ran->on_rq)
		RQ_BUG(cpu, "a task with preemption disabled went to sleep");
}

/* ---- the public face ---------------------------------------------------------------- */

void
cpu_set_sched_config(struct cpu *cpu, const struct cpu_sched_config *c)
{
	g_assert(c->sched_min_granularity_ns > 0 && c->sched_latency_ns > 0);
	cpu->rq.cfg = *c;
}

const struct cpu_sched_config *
cpu_sched_config(const struct cpu *cpu)
{
	return &cpu->rq.cfg;
}

void
cpu_task_set_name(struct cpu *cpu, uint32_t task, const char *name)
{
	struct cpu_task *se = rq_task(&cpu->rq, task);
	se->name = name;
	se->named = name != NULL;
}

void
cpu_task_set_nice(struct cpu *cpu, uint32_t task, int nice)
{
	struct cpu_task *se = rq_task(&cpu->rq, task);
	nice = CLAMP(nice, -20, 19);
	uint32_t w = sched_prio_to_weight[nice + 20];
	if (se->on_rq)
		cpu->rq.load = cpu->rq.load - se->weight + w;
	se->nice = nice;
	se->weight = w;
}

sim_time_t
cpu_task_runtime(const struct cpu *cpu, uint32_t task)
{
	const struct cpu_task *se = g_hash_table_lookup(cpu->rq.by_id, GUINT_TO_POINTER(task));
	sim_time_t t = se ? se->sum_exec : 0;
	if (se && cpu->cur && cpu->cur->ctx == CPU_TASK && cpu->cur->se == se)
		t += sim_now(cpu->sim) - cpu->cur_start;
	return t;
}

sim_time_t
cpu_task_vruntime(const struct cpu *cpu, uint32_t task)
{
	const struct cpu_task *se = g_hash_table_lookup(cpu->rq.by_id, GUINT_TO_POINTER(task));
	return se ? se->vruntime : 0;
}

void
cpu_foreach_task(const struct cpu *cpu, cpu_task_visit fn, void *arg)
{
	for (guint i = 0; i < cpu->rq.tasks->len; i++) {
		const struct cpu_task *t = cpu->rq.tasks->pdata[i];
		fn(arg, t->id, t->name, cpu_task_runtime(cpu, t->id), t->switches_in);
	}
}

bool
cpu_need_resched(const struct cpu *cpu)
{
	return cpu->rq.need_resched;
}

uint32_t
cpu_rq_curr(const struct cpu *cpu)
{
	const struct cpu_task *c = cpu->rq.curr;
	return c && c->on_rq ? c->id : 0;
}

void
cpu_preempt_disable(struct cpu *cpu, uint32_t task)
{
	rq_task(&cpu->rq, task)->preempt_count++;
}

void
cpu_preempt_enable(struct cpu *cpu, uint32_t task)
{
	struct cpu_task *se = rq_task(&cpu->rq, task);
	g_assert(se->preempt_count > 0);
	se->preempt_count--;
}

void
cpu_task_yield(struct cpu *cpu, uint32_t task)
{
	struct cpu_task *se = rq_task(&cpu->rq, task);
	if (cpu->rq.nr_running > 1 && se->on_rq) {
		cpu->rq.skip = se;
		cpu->rq.need_resched = true;
	}
}

/*
 * Where a new process runs (Linux select_task_rq_fair at fork,
 * SD_BALANCE_FORK: find_idlest_cpu, 6.6, picks the idlest CPU of
 * those allowed).  netsim's rule: the allowed CPU on which the fewest
 * processes have been placed so far, the lowest number on a tie (where
 * it then wakes, and whether the balancer moves it, is below).  With no more
 * processes than CPUs every process gets a CPU of its own, as Linux's
 * idlest-CPU choice gives them.  @allowed is a mask of CPU numbers (0:
 * every CPU, sched_setaffinity's cpus_allowed).
 */
uint32_t
cpu_select_fork(struct cpu *const *cpus, uint32_t n, uint64_t allowed)
{
	uint32_t best = UINT32_MAX;
	for (uint32_t i = 0; i < n; i++) {
		if (allowed && i < 64 && !(allowed & (1ull << i)))
			continue;
		if (best == UINT32_MAX || cpus[i]->nr_placed < cpus[best]->nr_placed)
			best = i;
	}
	if (best == UINT32_MAX)
		best = 0;
	cpus[best]->nr_placed++;
	return best;
}

/* ---- several CPUs: placement at wakeup, load balancing, migration ------------------ */

/* The leader's CPU array grows with each CPU that joins; its table of
 * tasks with a mask finds a migratable task in O(1) wherever it is. */
void
sched_smp_join(struct cpu *cpu, struct cpu *leader)
{
	if (!leader->movable) { /* with the masks set while the host had one CPU */
		leader->movable = g_hash_table_new(g_direct_hash, g_direct_equal);
		for (guint i = 0; i < leader->rq.tasks->len; i++) {
			struct cpu_task *t = leader->rq.tasks->pdata[i];
			if (t->allowed)
				g_hash_table_insert(leader->movable, GUINT_TO_POINTER(t->id), t);
		}
	}
	/* the array grows to ncpus (cpu_smp_join raised it); the slots it
	 * had keep their CPUs, the new ones wait for theirs */
	uint32_t had = leader->nbycpu;
	if (leader->ncpus > had) {
		leader->bycpu = g_renew(struct cpu *, leader->bycpu, leader->ncpus);
		memset(&leader->bycpu[had], 0, (leader->ncpus - had) * sizeof *leader->bycpu);
		leader->nbycpu = leader->ncpus;
	}
	g_assert(leader->id < leader->nbycpu && cpu->id < leader->nbycpu);
	leader->bycpu[leader->id] = leader;
	leader->bycpu[cpu->id] = cpu;
}

void
sched_smp_leave(struct cpu *cpu)
{
	struct cpu *leader = cpu->leader;
	if (leader->movable)
		for (guint i = 0; i < cpu->rq.tasks->len; i++) {
			struct cpu_task *t = cpu->rq.tasks->pdata[i];
			gpointer key = GUINT_TO_POINTER(t->id);
			if (g_hash_table_lookup(leader->movable, key) == t)
				g_hash_table_remove(leader->movable, key);
		}
	if (leader != cpu) {
		if (cpu->id < leader->nbycpu && leader->bycpu[cpu->id] == cpu)
			leader->bycpu[cpu->id] = NULL;
		return;
	}
	if (cpu->movable)
		g_hash_table_destroy(cpu->movable);
	g_free(cpu->bycpu);
}

/* A migratable task of @id on @cpu's host, wherever it is now. */
static struct cpu_task *
movable_find(const struct cpu *cpu, uint32_t id)
{
	GHashTable *m = cpu->leader->movable;
	return m ? g_hash_table_lookup(m, GUINT_TO_POINTER(id)) : NULL;
}

struct cpu_task *
rq_task_find(struct cpu *cpu, uint32_t id)
{
	struct cpu_task *se = g_hash_table_lookup(cpu->rq.by_id, GUINT_TO_POINTER(id));
	if (se)
		return se;
	/* a migratable task now on another CPU: the host's table, O(1) */
	se = movable_find(cpu, id);
	return se ? se : rq_task(&cpu->rq, id);
}

struct cpu *
cpu_task_cpu(struct cpu *cpu, uint32_t task)
{
	struct cpu_task *se = movable_find(cpu, task);
	if (se)
		return se->cpu;
	return g_hash_table_contains(cpu->rq.by_id, GUINT_TO_POINTER(task)) ? cpu : NULL;
}

void
cpu_task_set_allowed(struct cpu *cpu, uint32_t task, uint64_t allowed)
{
	struct cpu_task *se = rq_task(&cpu->rq, task);
	g_assert(!allowed || (cpu->id < 64 && (allowed & (1ull << cpu->id))));
	se->allowed = allowed;
	if (cpu->leader->movable) {
		if (allowed)
			g_hash_table_insert(cpu->leader->movable, GUINT_TO_POINTER(task), se);
		else if (g_hash_table_lookup(cpu->leader->movable, GUINT_TO_POINTER(task)) == se)
			g_hash_table_remove(cpu->leader->movable, GUINT_TO_POINTER(task));
	}
}

static bool
task_allowed_on(const struct cpu_task *se, const struct cpu *cpu)
{
	return se->allowed && cpu->id < 64 && (se->allowed & (1ull << cpu->id));
}

/*
 * Move @se, which is not running, from @src's run queue to @dst's:
 * Linux's detach_task + attach_task (move_queued_task at a wakeup), with
 * CFS's renormalisation of vruntime against the two queues' min_vruntime
 * (migrate_task_rq_fair, 6.5 and earlier) and the woken-task preemption
 * check on @dst (check_preempt_curr).  The entity, with its runtime
 * figures, goes along: a task is counted once, on the CPU it is on.  Its
 * next item on @dst pays COST_MIGRATE.
 */
static void
rq_migrate(struct cpu *src, struct cpu *dst, struct cpu_task *se)
{
	g_assert(se->cpu == src && src != dst && se->preempt_count == 0);
	if (src->rq.curr == se) { /* picked last, asleep since: src goes idle */
		g_assert(!se->on_rq);
		src->rq.curr = NULL;
	}
	g_assert(!(src->cur && src->cur->ctx == CPU_TASK && src->cur->se == se) &&
		 src->in_task != se->id);
	bool runnable = se->on_rq;
	if (runnable)
		rq_sleep(&src->rq, se);
	g_hash_table_remove(src->rq.by_id, GUINT_TO_POINTER(se->id));
	guint at;
	if (!g_ptr_array_find(src->rq.tasks, se, &at))
		g_error("cpu %s: migrating task %u that it does not own", src->name, se->id);
	g_ptr_array_steal_index(src->rq.tasks, at); /* the entity goes along, not freed */
	g_assert(!g_hash_table_contains(dst->rq.by_id, GUINT_TO_POINTER(se->id)));
	se->vruntime = se->vruntime - src->rq.min_vruntime + dst->rq.min_vruntime;
	se->cpu = dst;
	g_ptr_array_add(dst->rq.tasks, se);
	g_hash_table_insert(dst->rq.by_id, GUINT_TO_POINTER(se->id), se);
	for (struct cpu_work *w = se->items.head; w; w = w->next)
		w->on = dst;
	se->migrate_owed += dst->head.cost[COST_MIGRATE];
	se->owes_migrate = se->migrate_owed != 0;
	se->migrations++;
	dst->migrations++;
	if (runnable) { /* enqueue_entity without place_entity: not a wakeup */
		update_min_vruntime(&dst->rq);
		se->on_rq = true;
		runnable_add(&dst->rq.runnable, se);
		dst->rq.load += se->weight;
		dst->rq.nr_running++;
		check_preempt_wakeup(&dst->rq, se);
	}
}

/* A CPU with no runnable task (Linux idle_cpu: rq->curr is the idle
 * task; softirq work on it does not count). */
static bool
rq_idle(const struct cpu *c)
{
	return c->rq.nr_running == 0;
}

/*
 * select_task_rq_fair at a wakeup, the subset netsim models
 * (kernel/sched/fair.c, 6.6): a wakeup has no SD_BALANCE_WAKE domain, so
 * select_task_rq_fair goes to select_idle_sibling(p, prev, target): the
 * target if it is idle, the previous CPU if it is idle, else
 * select_idle_cpu's scan of the domain from the target onwards for an
 * idle CPU, else the target itself: a waking task never moves to a busy
 * CPU, however loaded its own (the periodic balancer's business).  netsim
 * has no wake_affine, so the target is the previous CPU.  A task whose
 * previous CPU is no longer allowed goes to the allowed CPU with the
 * fewest runnable tasks (select_fallback_rq).  A task without a mask
 * stays.  The scan reads the host's CPU array: O(allowed CPUs).
 */
struct cpu *
cpu_task_wake_cpu(struct cpu *prev, uint32_t task)
{
	if (!prev->smp)
		return prev;
	struct cpu_task *se = g_hash_table_lookup(prev->rq.by_id, GUINT_TO_POINTER(task));
	if (!se || !se->allowed || se->on_rq)
		return prev;
	bool prev_ok = task_allowed_on(se, prev);
	if (prev_ok && rq_idle(prev))
		return prev;
	struct cpu *const *cpus = prev->leader->bycpu;
	uint32_t nc = prev->leader->ncpus;
	struct cpu *fallback = NULL;
	for (uint32_t k = 1; k < nc; k++) {
		struct cpu *c = cpus[(prev->id + k) % nc];
		if (!c || !task_allowed_on(se, c))
			continue;
		if (rq_idle(c)) {
			rq_migrate(prev, c, se);
			return c;
		}
		if (!fallback || c->rq.nr_running < fallback->rq.nr_running)
			fallback = c;
	}
	if (prev_ok || !fallback)
		return prev;
	rq_migrate(prev, fallback, se);
	return fallback;
}

/* task_hot (6.6): did @t run on its CPU within sched_migration_cost? */
static bool
task_hot(const struct cpu_task *t, const struct cpu *src)
{
	sim_time_t cost = src->rq.cfg.sched_migration_cost_ns;
	if (cost <= 0)
		return false;
	return sim_now(src->sim) - t->exec_start < cost;
}

/* Linux's sd->cache_nice_tries for the host's one domain (sd_init: 1 for
 * a domain of CPUs that share a cache, SD_SHARE_PKG_RESOURCES). */
#define CACHE_NICE_TRIES 1

/*
 * A runnable task on @src that may move to @dst (can_migrate_task, 6.6:
 * not running, allowed there, preemption on, and cache cold: task_hot
 * says no, unless balancing @dst has failed more than cache_nice_tries
 * times in a row): the one with the largest vruntime, which would run
 * last on @src (Linux detach_tasks takes the cfs_tasks list from its
 * tail, the least recently run); ties: lowest id.  *@hot counts the
 * candidates left only because they were hot.
 */
static struct cpu_task *
movable_task(const struct cpu *src, const struct cpu *dst, unsigned *hot)
{
	struct cpu_task *best = NULL;
	bool aggressive = dst->balance_failed > CACHE_NICE_TRIES;
	for (uint32_t i = 0; i < src->rq.runnable.len; i++) {
		struct cpu_task *t = src->rq.runnable.v[i];
		if (t == src->rq.curr || t->preempt_count || !task_allowed_on(t, dst) ||
		    (src->cur && src->cur->ctx == CPU_TASK && src->cur->se == t))
			continue;
		if (!aggressive && task_hot(t, src)) {
			(*hot)++;
			continue;
		}
		if (!best || t->vruntime > best->vruntime ||
		    (t->vruntime == best->vruntime && t->id < best->id))
			best = t;
	}
	return best;
}

/* Is there a run queue with a task another CPU could take? */
static bool
balance_needed(const struct cpu *leader)
{
	for (const struct cpu *c = leader; c; c = c->sibling)
		if (c->rq.nr_running >= 2)
			for (uint32_t i = 0; i < c->rq.runnable.len; i++)
				if (c->rq.runnable.v[i]->allowed)
					return true;
	return false;
}

static void sched_balance_tick(struct sim *sim, void *a, void *b);

/* The balancing interval: Linux's sched domain of the host's CPUs starts
 * with balance_interval = its weight (the number of CPUs) in ms and
 * balances an idle CPU at that interval (sd_init, kernel/sched/
 * topology.c; get_sd_balance_interval, 6.6). */
void
sched_balance_arm(struct cpu *leader)
{
	if (leader->balance_ev)
		return;
	leader->balance_ev = sim_schedule(leader->sim, (sim_time_t)MAX(leader->ncpus, 1) * SIM_MS,
					  sched_balance_tick, leader, NULL);
}

/*
 * The periodic load balancing (Linux rebalance_domains -> load_balance
 * for an idle CPU, the subset netsim models): each idle CPU, lowest
 * number first, pulls one movable task from the busiest run queue (the
 * most runnable tasks, at least two; lowest number on a tie).  Not
 * modelled: load by PELT utilisation instead of task counts, imbalance_pct,
 * the busy CPUs' own balancing, active balancing of a running task, NUMA
 * and cache domains, newidle balancing.  The tick re-arms while some run
 * queue still holds two tasks with a mask.
 */
static void
sched_balance_tick(struct sim *sim, void *a, void *b)
{
	(void)sim;
	(void)b;
	struct cpu *leader = a;
	leader->balance_ev = 0;
	for (struct cpu *dst = leader; dst; dst = dst->sibling) {
		if (!rq_idle(dst))
			continue;
		struct cpu *src = NULL;
		struct cpu_task *se = NULL;
		unsigned hot = 0;
		for (struct cpu *c = leader; c; c = c->sibling) {
			if (c == dst || c->rq.nr_running < 2 ||
			    (src && c->rq.nr_running <= src->rq.nr_running))
				continue;
			struct cpu_task *t = movable_task(c, dst, &hot);
			if (t) {
				src = c;
				se = t;
			}
		}
		if (se) {
			dst->balance_failed = 0;
			rq_migrate(src, dst, se);
			cpu_kick(dst);
		} else if (hot) {
			dst->balance_failed++; /* load_balance: sd->nr_balance_failed++ */
		} else {
			dst->balance_failed = 0; /* out_balanced */
		}
	}
	if (balance_needed(leader))
		sched_balance_arm(leader);
}
