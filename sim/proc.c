/*
 * sim/proc.c - simulated processes as coroutines on mmap'd stacks.
 *
 * Linux counterpart: kernel/sched (schedule, try_to_wake_up,
 * schedule_timeout), reduced to what one CPU and a FIFO task queue need.
 *
 * Control moves only between the engine's stack and one process's stack:
 * proc_resume (engine -> process) runs from the process's cpu_work function
 * when the CPU has paid what the process asked for; proc_yield (process ->
 * engine) returns from it.  A process therefore never runs inside another
 * process or inside a protocol's code, and the engine never runs on a
 * process's stack.  A stack is freed on the engine's stack, after the
 * process has left it for the last time.
 *
 * A switch saves the callee-saved registers on the stack it leaves and
 * loads them from the one it enters (proc_ctx_switch, x86_64 assembly
 * below): no system call, unlike swapcontext, which calls rt_sigprocmask
 * twice per switch to save and restore a signal mask that no process here
 * changes.  That was about half of a UDP flood's CPU time (issue 16).
 * Other architectures use ucontext (makecontext/swapcontext), which is
 * slower but portable.
 *
 * AddressSanitizer must be told about every stack switch
 * (__sanitizer_start_switch_fiber before, __sanitizer_finish_switch_fiber
 * after), and a stack's poison must be cleared before it is unmapped, or a
 * later mapping at the same address reports false errors.  Valgrind is told
 * about each stack (VALGRIND_STACK_REGISTER), or it takes a switch for a
 * huge stack frame.
 */
#include "sim/proc_int.h"

#include <execinfo.h>
#include <setjmp.h>
#include <glib.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef VALGRIND_STACK_REGISTER /* no valgrind headers: nothing to tell */
#define VALGRIND_STACK_REGISTER(lo, hi) 0u
#define VALGRIND_STACK_DEREGISTER(id) ((void)(id))
#endif

#ifdef PROC_CTX_ASM
__asm__(".text\n"
	".globl netsim_proc_ctx_switch\n"
	".hidden netsim_proc_ctx_switch\n"
	".type netsim_proc_ctx_switch,@function\n"
	"netsim_proc_ctx_switch:\n"
	"	.cfi_startproc\n"
	"	pushq %rbp\n"
	"	pushq %rbx\n"
	"	pushq %r12\n"
	"	pushq %r13\n"
	"	pushq %r14\n"
	"	pushq %r15\n"
	"	subq $8, %rsp\n"
	"	stmxcsr (%rsp)\n"
	"	fnstcw 4(%rsp)\n"
	"	movq %rsp, (%rdi)\n"
	"	movq %rsi, %rsp\n"
	"	ldmxcsr (%rsp)\n"
	"	fldcw 4(%rsp)\n"
	"	addq $8, %rsp\n"
	"	popq %r15\n"
	"	popq %r14\n"
	"	popq %r13\n"
	"	popq %r12\n"
	"	popq %rbx\n"
	"	popq %rbp\n"
	"	ret\n"
	"	.cfi_endproc\n"
	".size netsim_proc_ctx_switch,.-netsim_proc_ctx_switch\n"
	".globl netsim_proc_ctx_start\n"
	".hidden netsim_proc_ctx_start\n"
	".type netsim_proc_ctx_start,@function\n"
	"netsim_proc_ctx_start:\n"
	"	.cfi_startproc\n"
	"	.cfi_undefined rip\n" /* the outermost frame: backtraces end here */
	"	movq %r12, %rdi\n"
	"	call netsim_proc_entry\n"
	"	ud2\n"
	"	.cfi_endproc\n"
	".size netsim_proc_ctx_start,.-netsim_proc_ctx_start\n");
#endif

__thread struct proc *proc_running;
__thread volatile uint64_t proc_resumes;

struct proc_table *
proc_table_new(struct sim *sim, struct cpu *cpu, const char *host_name)
{
	struct proc_table *t = g_new0(struct proc_table, 1);
	t->sim = sim;
	t->cpu = cpu;
	t->host_name = g_strdup(host_name);
	t->procs = g_ptr_array_new();
	t->next_task = PROC_FIRST_TASK;
	t->stack_size = PROC_STACK_SIZE_DEFAULT;
	proc_signals_install_for(sim);
	return t;
}

static void proc_free_stack(struct proc *p);
static void proc_cancel_pending(struct proc *p);

void
proc_table_free(struct proc_table *t)
{
	if (!t)
		return;
	g_assert(t->current == NULL);
	for (guint i = 0; i < t->procs->len; i++) {
		struct proc *p = g_ptr_array_index(t->procs, i);
		if (p->state != PROC_DEAD)
			proc_kill(p);
	}
	for (guint i = 0; i < t->procs->len; i++)
		g_aligned_free(g_ptr_array_index(t->procs, i));
	g_ptr_array_free(t->procs, TRUE);
	g_free(t->host_name);
	g_free(t);
}

void
proc_table_set_exit_hook(struct proc_table *t, proc_exit_hook fn, void *arg)
{
	t->exit_hook = fn;
	t->exit_hook_arg = arg;
}

void
proc_table_set_stack_size(struct proc_table *t, size_t bytes)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	g_assert(bytes >= 16 * 1024);
	t->stack_size = (bytes + page - 1) / page * page;
}

unsigned
proc_table_alive(const struct proc_table *t)
{
	return t->alive;
}

struct proc *
proc_table_current(const struct proc_table *t)
{
	return t->current;
}

struct proc *
proc_self(void)
{
	return proc_running;
}

/* ---- switching ----------------------------------------------------------------- */

void netsim_proc_entry(struct proc *p) __attribute__((noreturn, used, visibility("hidden")));

#ifdef PROC_CTX_ASM
/* A new context on [@stack, @stack + @size) that starts in netsim_proc_entry(@p). */
static void
proc_ctx_make(struct proc_ctx *c, void *stack, size_t size, struct proc *p)
{
	uintptr_t top = ((uintptr_t)stack + size) & ~(uintptr_t)15;
	uint64_t *sp = (uint64_t *)top;
	/* After the final ret of the switch, %rsp is @top, 16-byte aligned, as
	 * the call in netsim_proc_ctx_start needs. */
	*--sp = (uint64_t)netsim_proc_ctx_start; /* ret */
	*--sp = 0;				 /* rbp: the end of the frame chain */
	*--sp = 0;				 /* rbx */
	*--sp = (uint64_t)(uintptr_t)p;		 /* r12: netsim_proc_entry's argument */
	*--sp = 0;				 /* r13 */
	*--sp = 0;				 /* r14 */
	*--sp = 0;				 /* r15 */
	/* MXCSR 0x1f80 (all exceptions masked, round to nearest) and x87
	 * control word 0x037f: the values a process starts with on Linux. */
	*--sp = (uint64_t)0x1f80 | ((uint64_t)0x037f << 32);
	c->sp = sp;
}

static inline void
proc_ctx_switch(struct proc_ctx *from, struct proc_ctx *to)
{
	netsim_proc_ctx_switch(&from->sp, to->sp);
}
#else
static void
proc_ctx_trampoline(unsigned lo, unsigned hi)
{
	netsim_proc_entry((struct proc *)(((uintptr_t)hi << 32) | (uintptr_t)lo));
}

static void
proc_ctx_make(struct proc_ctx *c, void *stack, size_t size, struct proc *p)
{
	if (getcontext(&c->uc) != 0)
		g_error("getcontext failed");
	c->uc.uc_stack.ss_sp = stack;
	c->uc.uc_stack.ss_size = size;
	c->uc.uc_link = NULL;
	uintptr_t ptr = (uintptr_t)p;
	makecontext(&c->uc, (void (*)(void))proc_ctx_trampoline, 2, (unsigned)(ptr & 0xffffffffu),
		    (unsigned)((uint64_t)ptr >> 32));
}

static inline void
proc_ctx_switch(struct proc_ctx *from, struct proc_ctx *to)
{
	if (swapcontext(&from->uc, &to->uc) != 0)
		g_error("swapcontext failed");
}
#endif

/* Engine -> process.  Returns when the process yields, blocks or ends. */
static void
proc_resume(struct proc *p)
{
	struct proc_table *t = p->t;
	g_assert(proc_running == NULL && t->current == NULL);
	g_assert(p->map != NULL);
	p->state = PROC_RUNNING;
	t->current = p;
	proc_resumes++;
	if (p->last_resume_at == sim_now(t->sim)) {
		p->instant_resumes++;
	} else {
		p->last_resume_at = sim_now(t->sim);
		p->instant_resumes = 1;
	}
	proc_running = p;
#ifdef PROC_ASAN
	__sanitizer_start_switch_fiber(&t->engine_fake_stack,
				       (char *)p->map + sysconf(_SC_PAGESIZE),
				       p->map_size - (size_t)sysconf(_SC_PAGESIZE));
#endif
	proc_ctx_switch(&t->engine_ctx, &p->ctx);
#ifdef PROC_ASAN
	__sanitizer_finish_switch_fiber(t->engine_fake_stack, NULL, NULL);
#endif
	proc_running = NULL;
	t->current = NULL;
	if (p->state == PROC_DEAD) {
		p->end_time = sim_now(t->sim);
		if (p->isolated)
			proc_watchdog_ref(-1);
		proc_free_stack(p);
		t->alive--;
		if (t->exit_hook)
			t->exit_hook(p, t->exit_hook_arg);
	}
}

/* Process -> engine.  Returns when the engine resumes the process. */
static void
proc_yield(struct proc *p)
{
	struct proc_table *t = p->t;
	g_assert(proc_running == p);
#ifdef PROC_ASAN
	__sanitizer_start_switch_fiber(p->state == PROC_DEAD ? NULL : &p->fake_stack,
				       t->engine_stack_bottom, t->engine_stack_size);
#endif
	proc_ctx_switch(&p->ctx, &t->engine_ctx);
#ifdef PROC_ASAN
	__sanitizer_finish_switch_fiber(p->fake_stack, &t->engine_stack_bottom,
					&t->engine_stack_size);
#endif
}

/* The first code a process runs, on its own stack. */
void
netsim_proc_entry(struct proc *p)
{
#ifdef PROC_ASAN
	__sanitizer_finish_switch_fiber(NULL, &p->t->engine_stack_bottom, &p->t->engine_stack_size);
#endif
	proc_exit(p, p->main(p, p->arg));
}

void
proc_exit(struct proc *p, int status)
{
	g_assert(proc_running == p);
	p->status = status;
	p->state = PROC_DEAD;
	proc_yield(p);
	g_error("proc %s: resumed after exit", p->name);
}

/* The cpu_work function: the CPU has paid, the process runs on. */
static void
proc_work_done(struct cpu_work *w)
{
	struct proc *p = w->owner;
	g_assert(p->state == PROC_RUNNABLE);
	p->cpu = cpu_work_cpu(w); /* the load balancer may have moved it */
	proc_resume(p);
}

static void
proc_make_runnable(struct proc *p, sim_time_t cost)
{
	p->state = PROC_RUNNABLE;
	cpu_submit(p->cpu, &p->work, CPU_TASK, cost);
}

/* A wakeup (try_to_wake_up): a process with a mask is placed first
 * (select_task_rq, sim/sched_fair.c cpu_task_wake_cpu). */
static void
proc_wake_up(struct proc *p)
{
	if (p->migratable)
		p->cpu = cpu_task_wake_cpu(p->cpu, p->task);
	proc_make_runnable(p, 0);
}

static void
proc_timer_fired(struct sim *sim, void *a, void *b)
{
	struct proc *p = a;
	p->timer = 0;
	if (p->state == PROC_BLOCKED)
		p->reason = PROC_TIMEDOUT;
	g_assert(p->state == PROC_NEW || p->state == PROC_SLEEPING || p->state == PROC_BLOCKED);
	proc_wake_up(p);
}

/* ---- life ------------------------------------------------------------------------ */

struct proc *
proc_spawn(struct proc_table *t, const char *name, sim_time_t delay, proc_main_fn main, void *arg)
{
	g_assert(main != NULL && delay >= 0);
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct proc *p = g_aligned_alloc0(1, sizeof(struct proc), 64); /* proc_int.h */
	p->t = t;
	p->name = g_intern_string(name);
	p->task = t->next_task++;
	p->main = main;
	p->arg = arg;
	p->state = PROC_NEW;
	p->end_time = -1;
	p->last_resume_at = -1;
	p->map_size = t->stack_size + page;
	p->map = mmap(NULL, p->map_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p->map == MAP_FAILED)
		g_error("proc %s: cannot map a %zu-byte stack", name, p->map_size);
	/* The guard page: an overflow faults here instead of corrupting memory. */
	if (mprotect(p->map, page, PROT_NONE) != 0)
		g_error("proc %s: cannot protect the stack guard page", name);
	proc_ctx_make(&p->ctx, (char *)p->map + page, t->stack_size, p);
	p->vg_stack = VALGRIND_STACK_REGISTER((char *)p->map + page, (char *)p->map + p->map_size);
	cpu_work_init(&p->work, proc_work_done, p, p->name);
	p->cpu = t->cpu;
	p->work.task = p->task;
	g_ptr_array_add(t->procs, p);
	t->alive++;
	p->timer = sim_schedule(t->sim, delay, proc_timer_fired, p, NULL);
	return p;
}

static void
proc_free_stack(struct proc *p)
{
	if (!p->map)
		return;
#ifdef PROC_ASAN
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	ASAN_UNPOISON_MEMORY_REGION((char *)p->map + page, p->map_size - page);
#endif
	VALGRIND_STACK_DEREGISTER(p->vg_stack);
	munmap(p->map, p->map_size);
	p->map = NULL;
}

static void
proc_cancel_pending(struct proc *p)
{
	if (p->timer) {
		sim_cancel(p->t->sim, p->timer);
		p->timer = 0;
	}
	cpu_withdraw(p->cpu, &p->work);
}

void
proc_kill(struct proc *p)
{
	if (p->state == PROC_DEAD)
		return;
	g_assert(p->state != PROC_RUNNING && proc_running != p);
	proc_cancel_pending(p);
	p->state = PROC_DEAD;
	p->status = -1;
	p->end_time = sim_now(p->t->sim);
	if (p->isolated)
		proc_watchdog_ref(-1);
	p->t->alive--;
	/* The hook runs first: it may unlink wait entries that live on the stack. */
	if (p->t->exit_hook)
		p->t->exit_hook(p, p->t->exit_hook_arg);
	proc_free_stack(p);
}

/* ---- waiting ----------------------------------------------------------------------- */

void
proc_consume(struct proc *p, sim_time_t ns)
{
	g_assert(proc_running == p && ns >= 0);
	p->consumed = ns > SIM_TIME_MAX - p->consumed ? SIM_TIME_MAX : p->consumed + ns;
	proc_make_runnable(p, ns);
	proc_yield(p);
}

void
proc_sleep(struct proc *p, sim_time_t ns)
{
	g_assert(proc_running == p && ns >= 0);
	p->state = PROC_SLEEPING;
	p->timer = sim_schedule(p->t->sim, ns, proc_timer_fired, p, NULL);
	proc_yield(p);
}

enum proc_wake_reason
proc_block(struct proc *p, sim_time_t timeout)
{
	g_assert(proc_running == p && timeout >= 0);
	p->state = PROC_BLOCKED;
	p->reason = PROC_WOKEN;
	if (timeout != SIM_TIME_MAX)
		p->timer = sim_schedule(p->t->sim, timeout, proc_timer_fired, p, NULL);
	proc_yield(p);
	return p->reason;
}

bool
proc_wake(struct proc *p)
{
	if (p->state != PROC_BLOCKED)
		return false;
	if (p->timer) {
		sim_cancel(p->t->sim, p->timer);
		p->timer = 0;
	}
	p->reason = PROC_WOKEN;
	proc_wake_up(p);
	return true;
}

/* ---- accessors ------------------------------------------------------------------------ */

const char *
proc_name(const struct proc *p)
{
	return p->name;
}

void *
proc_arg(const struct proc *p)
{
	return p->arg;
}

uint32_t
proc_task(const struct proc *p)
{
	return p->task;
}

enum proc_state
proc_state(const struct proc *p)
{
	return p->state;
}

int
proc_exit_status(const struct proc *p)
{
	return p->status;
}

void
proc_set_cpu(struct proc *p, struct cpu *cpu)
{
	g_assert(p->state == PROC_NEW && !p->work.queued);
	p->cpu = cpu;
}

void
proc_set_affinity(struct proc *p, uint64_t allowed)
{
	g_assert(p->state == PROC_NEW && !p->work.queued);
	cpu_task_set_allowed(p->cpu, p->task, allowed);
	p->migratable = allowed != 0;
}

struct cpu *
proc_cpu(const struct proc *p)
{
	return p->cpu;
}

struct proc_table *
proc_table_of(const struct proc *p)
{
	return p->t;
}

struct sim *
proc_sim(const struct proc *p)
{
	return p->t->sim;
}

sim_time_t
proc_cpu_time(const struct proc *p)
{
	return p->consumed;
}

void *
proc_files(const struct proc *p)
{
	return p->files;
}

void
proc_set_files(struct proc *p, void *files)
{
	p->files = files;
}

void
proc_table_set_owner(struct proc_table *t, void *owner)
{
	t->owner = owner;
}

void *
proc_table_owner(const struct proc_table *t)
{
	return t->owner;
}
