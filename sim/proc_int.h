/*
 * sim/proc_int.h - the insides of a process, shared by sim/proc.c (life,
 * switching, waiting) and sim/proc_fault.c (faults, the spin watchdog,
 * interrupts, user-memory probes).  Nothing outside sim/ includes it.
 */
#ifndef NETSIM_SIM_PROC_INT_H
#define NETSIM_SIM_PROC_INT_H

#include <glib.h>
#include "sim/proc.h"

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

#if defined(__x86_64__) && !defined(NETSIM_PROC_UCONTEXT)
#define PROC_CTX_ASM 1
#endif
#include <ucontext.h>

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

#else
struct proc_ctx {
	ucontext_t uc;
};
#endif

/* The fields a wakeup, a switch and a system call touch come first, in the
 * first three cache lines of a line-aligned struct (proc_spawn): at a
 * 1000-sender star a process runs once in 10 ms and finds its struct cold. */
struct proc {
	struct cpu_work work; /* runs the process when the CPU has paid */
	struct proc_table *t;
	enum proc_state state;
	enum proc_wake_reason reason;
	struct proc_ctx ctx;
	struct cpu *cpu;    /* the CPU it runs on: its table's, or proc_set_cpu's,
			       * or where a wakeup or the balancer moved it */
	sim_event_id timer; /* start, sleep or block timeout */
	void *files;
	sim_time_t consumed;
	sim_time_t last_resume_at; /* for the stall message: resumes at one instant */
	uint64_t instant_resumes;
	int in_kernel; /* system calls it is inside: a fault there is netsim's */
	uint32_t task;
	void *map;	  /* guard page + stack, NULL once freed */
	bool migratable;  /* proc_set_affinity gave it a mask */
	void *fake_stack; /* ASan's fake stack while switched away */

	const char *name; /* interned: the trace keeps the pointer */
	proc_main_fn main;
	void *arg;
	int status;
	size_t map_size;
	unsigned vg_stack; /* valgrind's id for the stack */
	bool isolated;	   /* its own code's faults end it alone (plug-ins) */
	int term_signal;   /* the signal that ended it, 0 if it exited */
	sim_time_t end_time;
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
extern __thread struct proc *proc_running;
/* Bumped by every resume: the spin watchdog sees whether a process has
 * given the CPU back since its last tick. */
extern __thread volatile uint64_t proc_resumes;

/* sim/proc_fault.c */
void proc_watchdog_ref(int delta);
void proc_signals_install(void);
/* proc_signals_install at @sim's first process table, not at every host's. */
void proc_signals_install_for(const struct sim *sim);

#endif
