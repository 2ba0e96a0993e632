/*
 * sim/proc.h - simulated processes: coroutines that run in virtual time.
 *
 * Linux counterpart: a task_struct and the scheduler's sleep/wake pair
 * (schedule, try_to_wake_up, schedule_timeout), reduced to one CPU.
 *
 * A process is ordinary C code (an application's main function) running on
 * its own stack.  The engine's loop runs on the main stack; a process runs
 * only when its CPU work item completes, and gives control back whenever it
 * must wait: for the CPU (proc_consume), for virtual time (proc_sleep) or
 * for an event (proc_block, ended by proc_wake).  The code between two such
 * calls takes no virtual time: all of its cost is what it asked the CPU for.
 *
 *   proc_spawn --(start delay)--> runnable: its cpu_work is queued in
 *   CPU_TASK context with the process's own task id (so cpu.c charges
 *   COST_CTX_SWITCH when another task ran last) --> running (on its stack)
 *   --> proc_consume / proc_sleep / proc_block --> back to the engine ...
 *   --> its main returns (or proc_exit, proc_kill) --> dead: stack freed.
 *
 * Stacks are mmap'd with a guard page below them, so an overflow faults at
 * once instead of corrupting a neighbour.  Switches use ucontext
 * (makecontext/swapcontext) and are annotated for AddressSanitizer.
 *
 * Position: sim/ (knows the CPU, not the stack).  The socket layer blocks a
 * process in sk_wait_event with proc_block and wakes it from softirq
 * context with proc_wake.  A process table belongs to one host (its CPU).
 */
#ifndef NETSIM_SIM_PROC_H
#define NETSIM_SIM_PROC_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "sim/cpu.h"
#include "sim/sim.h"

struct proc;
struct proc_table;

/* A process's main function.  Its return value is the exit status. */
typedef int (*proc_main_fn)(struct proc *p, void *arg);
/* Called when a process ends (returned, exited or killed), on the main stack. */
typedef void (*proc_exit_hook)(struct proc *p, void *arg);

enum proc_state {
	PROC_NEW,      /* spawned, waiting for its start time */
	PROC_RUNNABLE, /* its cpu_work is queued on the CPU */
	PROC_RUNNING,  /* executing on its own stack */
	PROC_SLEEPING, /* proc_sleep: a timer will make it runnable */
	PROC_BLOCKED,  /* proc_block: waiting for proc_wake or its timeout */
	PROC_DEAD,
};

/* Why proc_block returned. */
enum proc_wake_reason {
	PROC_WOKEN = 0, /* proc_wake */
	PROC_TIMEDOUT = 1,
};

#define PROC_STACK_SIZE_DEFAULT (256u * 1024u)

/* Task ids handed out to processes start here (0 is the kernel's). */
#define PROC_FIRST_TASK 1u

struct proc_table *proc_table_new(struct sim *sim, struct cpu *cpu, const char *host_name);
/* Kills every process still alive (exit hooks run), then frees the table. */
void proc_table_free(struct proc_table *t);
/* One hook for every process of the table: the socket layer closes the fds. */
void proc_table_set_exit_hook(struct proc_table *t, proc_exit_hook fn, void *arg);
/* Stack size for processes spawned from now on (rounded up to pages). */
void proc_table_set_stack_size(struct proc_table *t, size_t bytes);
/* Processes not yet dead. */
unsigned proc_table_alive(const struct proc_table *t);
/* The process running now on this table's CPU, or NULL (engine stack). */
struct proc *proc_table_current(const struct proc_table *t);

/*
 * Create a process named @name (copied) that will run @main(@arg) once
 * @delay ns have passed.  It never runs before proc_spawn returns.
 */
struct proc *proc_spawn(struct proc_table *t, const char *name, sim_time_t delay, proc_main_fn main,
			void *arg);

/*
 * The process running now on any table of this thread, or NULL.  This is a
 * thread-local pointer, not per-world state: student plug-ins call
 * socket(), read() ... without a handle, as in C, and only one coroutine
 * runs at a time per thread.  Engine code should use proc_table_current.
 */
struct proc *proc_self(void);

/* ---- called by the running process itself (on its own stack) ------------- */

/* Use @ns of CPU in task context; returns when the CPU has paid it. */
void proc_consume(struct proc *p, sim_time_t ns);
/* Sleep @ns of virtual time without using the CPU, then wait for the CPU. */
void proc_sleep(struct proc *p, sim_time_t ns);
/*
 * Block until proc_wake or until @timeout ns have passed (SIM_TIME_MAX:
 * forever).  The caller re-checks its condition: wake-ups may be spurious.
 */
enum proc_wake_reason proc_block(struct proc *p, sim_time_t timeout);
/* End the process now with @status.  Never returns. */
void proc_exit(struct proc *p, int status) __attribute__((noreturn));

/* ---- called from anywhere but the process's own stack ---------------------- */

/*
 * Make a blocked process runnable (its work is queued in CPU_TASK context).
 * Returns false, doing nothing, when it was not blocked.  The waker pays
 * COST_WAKEUP itself if it wants to (the socket layer does).
 */
bool proc_wake(struct proc *p);
/*
 * End a process that is not running: its stack is discarded (memory it
 * allocated itself is not freed), the exit hook runs, status is -1.
 */
void proc_kill(struct proc *p);

/* ---- accessors -------------------------------------------------------------- */

const char *proc_name(const struct proc *p);
void *proc_arg(const struct proc *p);	  /* the @arg given to proc_spawn */
uint32_t proc_task(const struct proc *p); /* the cpu_work task id */
enum proc_state proc_state(const struct proc *p);
int proc_exit_status(const struct proc *p); /* valid once dead */
struct proc_table *proc_table_of(const struct proc *p);
/* Run @p on @cpu instead of its table's CPU (a host with several CPUs
 * places its processes, stack: cpu_select_fork); only before it starts. */
void proc_set_cpu(struct proc *p, struct cpu *cpu);
/* Its cpus_allowed mask (sched_setaffinity; 0: stays on its CPU, the
 * default): at each wakeup it is placed among those CPUs, and the load
 * balancer may move it between them (docs/cpu-model.md, "Where a process
 * runs").  Only before it starts, after proc_set_cpu. */
void proc_set_affinity(struct proc *p, uint64_t allowed);
/* The CPU it runs on, or last ran on. */
struct cpu *proc_cpu(const struct proc *p);
struct sim *proc_sim(const struct proc *p);
/* CPU time the process consumed through proc_consume. */
sim_time_t proc_cpu_time(const struct proc *p);
/* A pointer for the socket layer (its file-descriptor table). */
void *proc_files(const struct proc *p);
void proc_set_files(struct proc *p, void *files);
/* A pointer for the owner of the table (the host). */
void proc_table_set_owner(struct proc_table *t, void *owner);
void *proc_table_owner(const struct proc_table *t);

/* ---- faults, spins and interrupts (docs/reliability.md) ---------------------- */

/* Wall-clock (this thread's CPU) time a process may run its own code without
 * a system call before it is ended with SIGXCPU: [scenario] spin_limit. */
#define PROC_SPIN_LIMIT_DEFAULT ((int64_t)5 * 1000000000)

/*
 * Mark @p as running code that is not netsim's (a plug-in): a fault in its
 * own code (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, abort()), exit(), a
 * spin longer than the spin limit, or Ctrl-C while it runs ends @p alone.
 * proc_term_signal then tells the signal (SIGXCPU for a spin).
 */
void proc_set_isolated(struct proc *p, bool on);
bool proc_isolated(const struct proc *p);
/* A system call's entry and exit: faults in between are netsim's own. */
void proc_syscall_enter(struct proc *p);
void proc_syscall_leave(struct proc *p);
/* Code addresses [lo, hi) that belong to processes (a plug-in's text): an
 * asynchronous stop (spin limit, Ctrl-C) happens only there. */
void proc_add_user_text(uintptr_t lo, uintptr_t hi);
/* 0 turns the watchdog off.  For every process of this program. */
void proc_set_spin_limit(int64_t ns);
/* exit() called by an isolated process's own code: ends it (never returns);
 * false elsewhere, and the caller exits the program. */
bool proc_user_exit(int status);
/* From a SIGINT/SIGTERM handler (async-signal-safe): end the isolated
 * process that is running its own code, now or at the next watchdog tick. */
void proc_interrupt(int sig, void *uctx);
/* The signal that ended the process, 0 if it returned or called exit. */
int proc_term_signal(const struct proc *p);
/* The bytes of [@addr, @addr + @len) that can be read (@write: written)
 * before the first page that faults; 0 for NULL.  System calls check user
 * buffers with it, as copy_from_user does, instead of faulting. */
size_t proc_user_access(const void *addr, size_t len, bool write);
/*
 * Copy @n bytes into a process's memory (@to) or out of it (@from), as
 * Linux's copy_to_user / copy_from_user: a fault on the process's side
 * ends the copy instead of the program.  Returns the bytes copied: @n, or
 * on a fault those before the first page of the process's buffer that
 * faults (then copied exactly).  A fault on netsim's side aborts.
 */
size_t proc_copy_to_user(void *to, const void *from, size_t n);
size_t proc_copy_from_user(void *to, const void *from, size_t n);
/*
 * proc_copy_from_user with the copy made by @copy, which copies @n bytes
 * from @from to @to (as memcpy) and may compute something of them into
 * @arg in the same pass: their checksum (Linux csum_and_copy_from_user).
 * After a fault @copy is called again on the prefix that can be read (the
 * bytes returned, none included), so what it leaves in @arg is of the
 * bytes copied.  Not called when @n is 0 or @from NULL.  @copy must keep
 * no state but @to and @arg: a fault leaves it midway.
 */
typedef void proc_copy_fn(void *to, const void *from, size_t n, void *arg);
size_t proc_copy_from_user_with(void *to, const void *from, size_t n, proc_copy_fn *copy,
				void *arg);
/* The process of @t resumed most often at the instant @now (and how often),
 * or NULL: who kept virtual time from advancing. */
struct proc *proc_table_spinning(const struct proc_table *t, sim_time_t now, uint64_t *resumes);
const char *proc_table_host_name(const struct proc_table *t);
/* Virtual time at which it ended, -1 while alive. */
sim_time_t proc_end_time(const struct proc *p);

/*
 * Isolated module code (docs/reliability.md): a call into a plug-in's
 * protocol (its IP handler in softirq, its timers, its sendmsg in a
 * system call) runs inside a containment frame.  A synchronous fault
 * (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT), exit() or a spin
 * longer than the spin limit while the plug-in runs its own code
 * (kernel == 0) jumps back to the frame's PROC_CONTAIN, which then returns
 * nonzero with sig (SIGXCPU for a spin, 0 for exit) and pc set: Linux
 * would oops there, netsim disables the module instead.  A fault while the
 * module is inside one of netsim's calls (kernel > 0) is netsim's own and
 * ends the run loudly, as elsewhere.  Frames nest (a module call inside a
 * module call); each is on the stack of its caller.
 *
 *     struct proc_contain c;
 *     if (PROC_CONTAIN(&c) == 0) {
 *             rc = module_fn(arg);
 *             proc_contain_pop(&c);
 *     } else {
 *             ... the module faulted: c.sig, c.pc; the frame is popped ...
 *     }
 */
struct proc_contain {
	sigjmp_buf env;
	volatile int kernel; /* netsim calls the module code is inside */
	int sig;	     /* what ended it: the signal, SIGXCPU, 0 for exit() */
	int status;	     /* exit()'s status */
	uintptr_t pc;	     /* where (0 for exit) */
	uint64_t entry;	     /* for the spin watchdog */
	struct proc_contain *prev;
};
#define PROC_CONTAIN(c) (proc_contain_push(c), sigsetjmp((c)->env, 0))
void proc_contain_push(struct proc_contain *c);
void proc_contain_pop(struct proc_contain *c);
/* The innermost frame, or NULL outside module code. */
struct proc_contain *proc_contain_top(void);
/* exit() from module code: ends the module call (never returns); false
 * outside module code. */
bool proc_contain_exit(int status);
/* A module is loaded (+1) or gone (-1): the fault handlers and the spin
 * watchdog must be in place while one may run. */
void proc_contain_watch(int delta);

#endif
