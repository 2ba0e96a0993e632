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
#include "sim/proc.h"

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

#if defined(__x86_64__) && !defined(NETSIM_PROC_UCONTEXT)
#define PROC_CTX_ASM 1
#else
#include <ucontext.h>
#endif

#if defined(__SANITIZE_ADDRESS__)
#define PROC_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PROC_ASAN 1
#endif
#endif

#ifdef PROC_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

/*
 * A saved execution context.  x86_64: the stack pointer of a stack whose
 * top holds, from low to high, MXCSR and the x87 control word (8 bytes),
 * r15, r14, r13, r12, rbx, rbp and the address to return to: the System V
 * ABI's callee-saved state.  Everything else is caller-saved, so the C
 * compiler has already saved it around the call to proc_ctx_switch.
 */
#ifdef PROC_CTX_ASM
struct proc_ctx {
	void *sp;
};

/* Save the running context in *@from and continue @to.  Returns when
 * something switches back to *@from. */
void netsim_proc_ctx_switch(void **from_sp, void *to_sp);
/* Where a new context starts: calls proc_entry(r12). */
void netsim_proc_ctx_start(void);

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
#else
struct proc_ctx {
	ucontext_t uc;
};
#endif

struct proc {
	struct proc_table *t;
	const char *name; /* interned: the trace keeps the pointer */
	uint32_t task;
	enum proc_state state;
	proc_main_fn main;
	void *arg;
	int status;
	enum proc_wake_reason reason;

	struct proc_ctx ctx;
	void *map; /* guard page + stack, NULL once freed */
	size_t map_size;
	unsigned vg_stack; /* valgrind's id for the stack */
	void *fake_stack;  /* ASan's fake stack while switched away */

	struct cpu_work work; /* runs the process when the CPU has paid */
	sim_event_id timer;   /* start, sleep or block timeout */
	sim_time_t consumed;
	void *files;

	bool isolated;	 /* its own code's faults end it alone (plug-ins) */
	int in_kernel;	 /* system calls it is inside: a fault there is netsim's */
	int term_signal; /* the signal that ended it, 0 if it exited */
	sim_time_t end_time;
	sim_time_t last_resume_at; /* for the stall message: resumes at one instant */
	uint64_t instant_resumes;
};

struct proc_table {
	struct sim *sim;
	struct cpu *cpu;
	char *host_name;
	GPtrArray *procs; /* every process ever spawned, owned */
	uint32_t next_task;
	struct proc *current;
	struct proc_ctx engine_ctx;
	void *engine_fake_stack;
	const void *engine_stack_bottom; /* learnt from ASan at the first switch */
	size_t engine_stack_size;
	proc_exit_hook exit_hook;
	void *exit_hook_arg;
	void *owner;
	size_t stack_size;
	unsigned alive;
};

/* The coroutine running on this thread: see proc_self in proc.h. */
static __thread struct proc *proc_running;
/* Bumped by every resume: the spin watchdog sees whether a process has
 * given the CPU back since its last tick. */
static __thread volatile uint64_t proc_resumes;

static void proc_watchdog_ref(int delta);
static void proc_signals_install(void);

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
	proc_signals_install();
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
		g_free(g_ptr_array_index(t->procs, i));
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
	proc_resume(p);
}

static void
proc_make_runnable(struct proc *p, sim_time_t cost)
{
	p->state = PROC_RUNNABLE;
	cpu_submit(p->t->cpu, &p->work, CPU_TASK, cost);
}

static void
proc_timer_fired(struct sim *sim, void *a, void *b)
{
	struct proc *p = a;
	p->timer = 0;
	if (p->state == PROC_BLOCKED)
		p->reason = PROC_TIMEDOUT;
	g_assert(p->state == PROC_NEW || p->state == PROC_SLEEPING || p->state == PROC_BLOCKED);
	proc_make_runnable(p, 0);
}

/* ---- life ------------------------------------------------------------------------ */

struct proc *
proc_spawn(struct proc_table *t, const char *name, sim_time_t delay, proc_main_fn main, void *arg)
{
	g_assert(main != NULL && delay >= 0);
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct proc *p = g_new0(struct proc, 1);
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
	cpu_withdraw(p->t->cpu, &p->work);
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
	proc_make_runnable(p, 0);
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

/* ---- faults, the spin watchdog and interrupts (docs/reliability.md) ------------ */

/*
 * A process is "isolated" when its code is not netsim's (a plug-in).  While
 * it runs its own code (not in_kernel), a synchronous fault (SIGSEGV, SIGBUS,
 * SIGFPE, SIGILL, SIGTRAP, SIGABRT from abort()) ends that process alone,
 * as a kernel ends a task: the handler runs on an alternate stack and jumps
 * to the engine's context, discarding the process's stack; proc_resume then
 * sees a dead process and runs the exit hook (the sockets close).  Any other
 * fault is netsim's own: a message names the place and the default action
 * (or the sanitizer's handler) ends netsim.
 *
 * Handlers are installed with SA_NODEFER and an empty mask, so jumping out
 * of one leaves the signal mask as it was: no sigprocmask is needed, and
 * none is made on the switch path.
 */

#define PROC_ALTSTACK_SIZE (256u * 1024u)
#define PROC_MAX_USER_TEXT 64

static const int proc_fault_signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT };
static struct sigaction proc_old_action[NSIG];
static struct {
	uintptr_t lo, hi;
} proc_user_text[PROC_MAX_USER_TEXT];
static volatile sig_atomic_t proc_user_text_n;

/* Spin watchdog: a CPU-time timer of this thread ticks every proc_tick_ns
 * while an isolated process is alive. */
static int64_t proc_spin_limit_ns = PROC_SPIN_LIMIT_DEFAULT;
static int64_t proc_tick_ns;
static timer_t proc_timer;
static bool proc_timer_made;
static int proc_watched; /* isolated processes alive */
static volatile uint64_t proc_seen_resumes;
static volatile int64_t proc_spun_ns;
static volatile sig_atomic_t proc_pending_signal; /* SIGINT/SIGTERM to deliver */

void
proc_add_user_text(uintptr_t lo, uintptr_t hi)
{
	if (proc_user_text_n >= PROC_MAX_USER_TEXT)
		return; /* then a spin there is stopped only where it is known */
	proc_user_text[proc_user_text_n].lo = lo;
	proc_user_text[proc_user_text_n].hi = hi;
	proc_user_text_n = proc_user_text_n + 1;
}

static bool
proc_pc_is_user(uintptr_t pc)
{
	for (int i = 0; i < proc_user_text_n; i++)
		if (pc >= proc_user_text[i].lo && pc < proc_user_text[i].hi)
			return true;
	return false;
}

static uintptr_t
proc_uctx_pc(const void *uctx)
{
#if defined(__x86_64__)
	return (uintptr_t)((const ucontext_t *)uctx)->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
	return (uintptr_t)((const ucontext_t *)uctx)->uc_mcontext.pc;
#else
	(void)uctx;
	return 0; /* unknown: asynchronous stops wait for a system call */
#endif
}

/* Is the process running now in its own code, where it may be ended? */
static struct proc *
proc_user_running(void)
{
	struct proc *p = proc_running;
	return p && p->isolated && !p->in_kernel && p->state == PROC_RUNNING ? p : NULL;
}

/* From a signal handler: end the running process @p with @sig and continue
 * the engine where it resumed @p.  Never returns. */
static void __attribute__((noreturn)) proc_die_by_signal(struct proc *p, int sig)
{
	struct proc_table *t = p->t;
	p->term_signal = sig;
	p->status = 128 + sig;
	p->state = PROC_DEAD;
#ifdef PROC_ASAN
	__sanitizer_start_switch_fiber(NULL, t->engine_stack_bottom, t->engine_stack_size);
#endif
#ifdef PROC_CTX_ASM
	void *scratch;
	netsim_proc_ctx_switch(&scratch, t->engine_ctx.sp);
#else
	setcontext(&t->engine_ctx.uc);
#endif
	abort(); /* not reached */
}

static void
proc_write_str(const char *s)
{
	ssize_t r = write(STDERR_FILENO, s, strlen(s));
	(void)r;
}

/* A fault in netsim's own code: say where, then let the default action (or
 * the sanitizer's handler, installed before ours) end the program. */
static void
proc_internal_fault(int sig, siginfo_t *si, void *uctx)
{
	char buf[512];
	struct proc *p = proc_running;
	snprintf(buf, sizeof buf,
		 "netsim: internal error: %s (signal %d) at pc %#lx, address %p, %s%s%s%s%s\n",
		 strsignal(sig), sig, (unsigned long)proc_uctx_pc(uctx), si ? si->si_addr : NULL,
		 p ? "in a system call of process " : "in the engine (no process running)",
		 p ? p->name : "", p ? " on host " : "", p ? p->t->host_name : "",
		 p && !p->isolated ? " (a built-in program)" : "");
	proc_write_str(buf);
	void *frames[48];
	int n = backtrace(frames, 48);
	backtrace_symbols_fd(frames, n, STDERR_FILENO);
	sigaction(sig, &proc_old_action[sig], NULL);
	if (proc_old_action[sig].sa_handler == SIG_IGN)
		signal(sig, SIG_DFL);
	/* Returning re-runs the faulting instruction (or abort() goes on) under
	 * the previous action. */
	if (si && si->si_code == SI_USER)
		raise(sig);
}

/* proc_user_access: where a probe's fault lands (the kernel's fixup). */
static __thread sigjmp_buf *proc_probe_env;

static void
proc_fault_handler(int sig, siginfo_t *si, void *uctx)
{
	if (proc_probe_env && (sig == SIGSEGV || sig == SIGBUS))
		siglongjmp(*proc_probe_env, 1);
	struct proc *p = proc_user_running();
	if (p)
		proc_die_by_signal(p, sig);
	proc_internal_fault(sig, si, uctx);
}

/* SIGALRM from the CPU-time timer: stop a process that has run its own code
 * for longer than the spin limit, or deliver a pending interrupt. */
static void
proc_tick_handler(int sig, siginfo_t *si, void *uctx)
{
	struct proc *p = proc_user_running();
	if (!p) {
		proc_spun_ns = 0;
		return;
	}
	if (proc_seen_resumes != proc_resumes) {
		proc_seen_resumes = proc_resumes;
		proc_spun_ns = 0;
	}
	proc_spun_ns = proc_spun_ns + proc_tick_ns;
	/* Only where the process runs its own instructions: in the C library
	 * it may hold a lock that netsim needs after the jump. */
	if (!proc_pc_is_user(proc_uctx_pc(uctx)))
		return;
	if (proc_pending_signal)
		proc_die_by_signal(p, proc_pending_signal);
	if (proc_spin_limit_ns > 0 && proc_spun_ns >= proc_spin_limit_ns)
		proc_die_by_signal(p, SIGXCPU);
}

void
proc_interrupt(int sig, void *uctx)
{
	proc_pending_signal = sig;
	struct proc *p = proc_user_running();
	if (p && uctx && proc_pc_is_user(proc_uctx_pc(uctx)))
		proc_die_by_signal(p, sig);
	/* Else: in netsim's code the run loop sees its stop flag; in a
	 * process's library code the next watchdog tick ends it. */
}

static void
proc_signals_install(void)
{
	static bool done;
	if (done)
		return;
	done = true;
	stack_t ss = { .ss_size = PROC_ALTSTACK_SIZE };
	ss.ss_sp = mmap(NULL, PROC_ALTSTACK_SIZE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ss.ss_sp == MAP_FAILED || sigaltstack(&ss, NULL) != 0)
		g_error("proc: cannot set up the alternate signal stack");
	struct sigaction sa = { .sa_sigaction = proc_fault_handler,
				.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER };
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < G_N_ELEMENTS(proc_fault_signals); i++)
		sigaction(proc_fault_signals[i], &sa, &proc_old_action[proc_fault_signals[i]]);
	sa.sa_sigaction = proc_tick_handler;
	sa.sa_flags |= SA_RESTART;
	sigaction(SIGALRM, &sa, &proc_old_action[SIGALRM]);
}

static void
proc_timer_arm(int64_t interval_ns)
{
	struct itimerspec its = { 0 };
	its.it_interval.tv_sec = interval_ns / SIM_S;
	its.it_interval.tv_nsec = interval_ns % SIM_S;
	its.it_value = its.it_interval;
	timer_settime(proc_timer, 0, &its, NULL);
}

static void
proc_watchdog_ref(int delta)
{
	proc_watched += delta;
	/* Armed even without a spin limit: it delivers a pending Ctrl-C. */
	if (delta > 0 && proc_watched == 1) {
		if (!proc_timer_made) {
			struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL,
						.sigev_signo = SIGALRM };
			if (timer_create(CLOCK_THREAD_CPUTIME_ID, &sev, &proc_timer) != 0)
				return; /* no watchdog: Ctrl-C still stops the run */
			proc_timer_made = true;
		}
		proc_tick_ns = proc_spin_limit_ns > 0
			? MAX(SIM_MS, MIN(proc_spin_limit_ns / 4, 100 * SIM_MS))
			: 100 * SIM_MS;
		proc_spun_ns = 0;
		proc_timer_arm(proc_tick_ns);
	} else if (proc_watched == 0 && proc_timer_made) {
		proc_timer_arm(0);
	}
}

void
proc_set_spin_limit(int64_t ns)
{
	proc_spin_limit_ns = ns;
}

void
proc_set_isolated(struct proc *p, bool on)
{
	if (p->isolated == on || p->state == PROC_DEAD)
		return;
	p->isolated = on;
	proc_watchdog_ref(on ? 1 : -1);
}

void
proc_syscall_enter(struct proc *p)
{
	p->in_kernel++;
}

void
proc_syscall_leave(struct proc *p)
{
	p->in_kernel--;
}

bool
proc_user_exit(int status)
{
	struct proc *p = proc_user_running();
	if (!p)
		return false;
	proc_exit(p, status);
}

int
proc_term_signal(const struct proc *p)
{
	return p->term_signal;
}

sim_time_t
proc_end_time(const struct proc *p)
{
	return p->end_time;
}

bool
proc_isolated(const struct proc *p)
{
	return p->isolated;
}

struct proc *
proc_table_spinning(const struct proc_table *t, sim_time_t now, uint64_t *resumes)
{
	struct proc *best = NULL;
	for (guint i = 0; i < t->procs->len; i++) {
		struct proc *p = g_ptr_array_index(t->procs, i);
		if (p->last_resume_at == now &&
		    (!best || p->instant_resumes > best->instant_resumes))
			best = p;
	}
	if (best && resumes)
		*resumes = best->instant_resumes;
	return best;
}

const char *
proc_table_host_name(const struct proc_table *t)
{
	return t->host_name;
}

/*
 * How many bytes from @addr (at most @len) a process could read (or write),
 * touching one byte per page: the stand-in for Linux's copy_from_user /
 * copy_to_user, which stop at the first page that faults (the fault is
 * caught by an exception-table fixup, arch/x86/mm/extable.c).  Here the
 * fault handler jumps back to the probe.  Writing probes store back the
 * byte they read: nothing else runs in the process meanwhile.
 */
__attribute__((no_sanitize("address"))) size_t
proc_user_access(const void *addr, size_t len, bool write)
{
	if (!addr || len == 0)
		return 0;
	uintptr_t start = (uintptr_t)addr;
	if (len > UINTPTR_MAX - start)
		len = UINTPTR_MAX - start;
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	sigjmp_buf env;
	volatile uintptr_t ok_end = start;
	if (sigsetjmp(env, 0) == 0) {
		proc_probe_env = &env;
		uintptr_t a = start;
		while (a < start + len) {
			volatile char *c = (volatile char *)a;
			char v = *c;
			if (write)
				*c = v;
			uintptr_t next = (a | (page - 1)) + 1;
			a = next < a ? start + len : next; /* wrap: the last page */
			ok_end = MIN(a, start + len);
		}
	}
	proc_probe_env = NULL;
	return ok_end - start;
}
