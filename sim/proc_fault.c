/*
 * sim/proc_fault.c - what happens when a process's own code goes wrong:
 * faults, the spin watchdog, Ctrl-C, and probes of user memory for the
 * system calls.  docs/reliability.md explains the choices.
 */
#include "sim/proc_int.h"

#include <execinfo.h>
#include <glib.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

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
	const char *where = !p ? "in the engine (no process running)"
		: p->in_kernel ? "in a system call of process "
			       : "in the built-in program of process ";
	snprintf(buf, sizeof buf,
		 "netsim: internal error: %s (signal %d) at pc %#lx, address %p, %s%s%s%s\n",
		 strsignal(sig), sig, (unsigned long)proc_uctx_pc(uctx), si ? si->si_addr : NULL,
		 where, p ? p->name : "", p ? " on host " : "", p ? p->t->host_name : "");
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

/* proc_user_access and proc_copy_user: where a fault in a process's buffer
 * lands (the kernel's fixup).  Volatile: the signal handler reads it, and
 * around a memcpy the compiler would otherwise drop the store as dead. */
static __thread sigjmp_buf *volatile proc_probe_env;

/* ---- isolated module code (sim/proc.h, PROC_CONTAIN) ------------------------ */

static __thread struct proc_contain *volatile proc_contain_cur;
static __thread volatile uint64_t proc_contain_entries; /* every push */
static volatile uint64_t proc_contain_seen;

void
proc_contain_push(struct proc_contain *c)
{
	c->kernel = 0;
	c->sig = 0;
	c->status = 0;
	c->pc = 0;
	c->entry = ++proc_contain_entries;
	c->prev = proc_contain_cur;
	proc_contain_cur = c;
}

void
proc_contain_pop(struct proc_contain *c)
{
	g_assert(proc_contain_cur == c);
	proc_contain_cur = c->prev;
}

struct proc_contain *
proc_contain_top(void)
{
	return proc_contain_cur;
}

/* The module code of the innermost frame is running (not a netsim call). */
static struct proc_contain *
proc_contain_running(void)
{
	struct proc_contain *c = proc_contain_cur;
	return c && c->kernel == 0 ? c : NULL;
}

/* From a signal handler or exit(): leave the module call of @c. */
static void __attribute__((noreturn))
proc_contain_jump(struct proc_contain *c, int sig, int status, uintptr_t pc)
{
	c->sig = sig;
	c->status = status;
	c->pc = pc;
	proc_contain_cur = c->prev;
	siglongjmp(c->env, 1);
}

bool
proc_contain_exit(int status)
{
	struct proc_contain *c = proc_contain_running();
	if (!c)
		return false;
	proc_contain_jump(c, 0, status, 0);
}

static void
proc_fault_handler(int sig, siginfo_t *si, void *uctx)
{
	if (proc_probe_env && (sig == SIGSEGV || sig == SIGBUS))
		siglongjmp(*proc_probe_env, 1);
	/* Module code first: it may run inside a process's system call. */
	struct proc_contain *c = proc_contain_running();
	if (c)
		proc_contain_jump(c, sig, 0, proc_uctx_pc(uctx));
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
	struct proc_contain *c = proc_contain_running();
	if (c) {
		/* Module code: the same limit, counted from its call's entry. */
		if (proc_contain_seen != c->entry) {
			proc_contain_seen = c->entry;
			proc_spun_ns = 0;
		}
		proc_spun_ns = proc_spun_ns + proc_tick_ns;
		if (proc_pc_is_user(proc_uctx_pc(uctx)) && proc_spin_limit_ns > 0 &&
		    proc_spun_ns >= proc_spin_limit_ns)
			proc_contain_jump(c, SIGXCPU, 0, proc_uctx_pc(uctx));
		return;
	}
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

void
proc_signals_install(void)
{
	static bool stack_done;
	if (!stack_done) {
		stack_t ss = { .ss_size = PROC_ALTSTACK_SIZE };
		ss.ss_sp = mmap(NULL, PROC_ALTSTACK_SIZE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (ss.ss_sp == MAP_FAILED || sigaltstack(&ss, NULL) != 0)
			g_error("proc: cannot set up the alternate signal stack");
		stack_done = true;
	}
	/* Checked at every table: a test harness (cmocka) may have put its own
	 * handlers in since; the one we replace is what an internal fault
	 * falls back to. */
	struct sigaction sa = { .sa_sigaction = proc_fault_handler,
				.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER };
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < G_N_ELEMENTS(proc_fault_signals) + 1; i++) {
		int sig = i < G_N_ELEMENTS(proc_fault_signals) ? proc_fault_signals[i] : SIGALRM;
		if (sig == SIGALRM) {
			sa.sa_sigaction = proc_tick_handler;
			sa.sa_flags |= SA_RESTART;
		}
		struct sigaction cur;
		if (sigaction(sig, NULL, &cur) == 0 && (cur.sa_flags & SA_SIGINFO) &&
		    cur.sa_sigaction == sa.sa_sigaction)
			continue;
		sigaction(sig, &sa, &proc_old_action[sig]);
	}
}

/*
 * A world's hosts each make a process table; the handlers are checked at
 * the first (7 sigaction calls, 6% of `netsim check` of 10,000 hosts when
 * it was every table).  Between worlds a test harness may have put its own
 * in (cmocka does around each test), so a new world checks again; within
 * one world nothing but netsim installs handlers, and an isolated process
 * checks again anyway (proc_set_isolated).
 */
void
proc_signals_install_for(const struct sim *sim)
{
	static uint64_t done_for; /* the serial of the last world checked */
	uint64_t serial = sim ? sim_serial(sim) : 0;
	if (serial && serial == done_for)
		return;
	proc_signals_install();
	done_for = serial;
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

void
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
proc_contain_watch(int delta)
{
	if (delta > 0)
		proc_signals_install();
	proc_watchdog_ref(delta);
}

void
proc_set_isolated(struct proc *p, bool on)
{
	if (p->isolated == on || p->state == PROC_DEAD)
		return;
	p->isolated = on;
	if (on)
		proc_signals_install(); /* still ours? (a test harness may have its own) */
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
 * proc_user_access's probes of [@start, @end): one a page, at @start, then
 * at the page's start plus one more cache line than the page before (at
 * the same offset in every page they would all fall in one set of the L1
 * cache: a 64 KiB buffer, 16 lines for 8 ways), or at the page's start
 * when that offset lies past the end.  Each page probed moves *@ok_end to
 * its end (or @end's); a fault jumps out, leaving *@ok_end at the first
 * byte of the page that faulted.  Out of line: its variables are not
 * proc_user_access's, which the jump back could clobber.
 */
/* Where a reading probe puts the byte it read.  A load whose value no one
 * uses is dead code to valgrind's translator, volatile or not: it dropped
 * it, the probe of an unreadable page did not fault, and a probe of
 * SIZE_MAX bytes walked the address space (valgrind 3.19, tests/test_proc). */
static __thread volatile char probe_sink;

static G_GNUC_NO_INLINE __attribute__((no_sanitize("address"))) void
probe_pages(uintptr_t start, uintptr_t end, uintptr_t page, bool write, volatile uintptr_t *ok_end)
{
	uintptr_t a = start, line = 0;
	volatile char *c = (volatile char *)start;
	while (a < end) {
		char v = *c;
		if (write)
			*c = v;
		else
			probe_sink = v;
		uintptr_t next = (a | (page - 1)) + 1; /* 0 past the last page */
		if (next == 0 || next >= end) {
			*ok_end = end;
			return;
		}
		*ok_end = a = next;
		line += 64;
		uintptr_t off = line & (page - 1);
		c = (volatile char *)(off < end - a ? a + off : a);
	}
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
	static uintptr_t page_size; /* the machine's, asked once */
	if (!page_size)
		page_size = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t page = page_size;
	sigjmp_buf env;
	volatile uintptr_t ok_end = start;
	if (sigsetjmp(env, 0) == 0) {
		proc_probe_env = &env;
		probe_pages(start, start + len, page, write, &ok_end); /* len clamped: no wrap */
	}
	proc_probe_env = NULL;
	return ok_end - start;
}

/* After a fault copying @n bytes from @from to @to: the bytes before the
 * first page of the process's buffer @user that faults, which are then
 * copied again.  If every byte of it is accessible the fault was netsim's
 * own: abort. */
static size_t
proc_copy_fault_prefix(void *to, const void *from, size_t n, const void *user, bool write)
{
	size_t ok = proc_user_access(user, n, write);
	if (ok >= n)
		g_error("proc: a fault copying %zu bytes from %p to %p was not in the process's "
			"buffer %p",
			n, from, to, user);
	return ok;
}

/*
 * The copy of a system call's data to or from a process's buffer @user
 * (@write: the process's memory is written).  Linux's copy_to_user and
 * copy_from_user copy with instructions that have exception-table fixups
 * (arch/x86/lib/copy_user_64.S, arch/x86/mm/extable.c): a fault ends the
 * copy and the caller gets the bytes not copied.  Here the copy runs with
 * the probe's fault landing armed, so the common case costs one sigsetjmp
 * whatever the buffer's size; only after a fault are the process's pages
 * probed (proc_user_access) to find how far the copy could go, and that
 * prefix copied again so that exactly it was written.
 */
static __attribute__((no_sanitize("address"))) size_t
proc_copy_user(void *to, const void *from, size_t n, const void *user, bool write)
{
	if (n == 0 || !user)
		return 0; /* NULL: the first page is never mapped (mmap_min_addr) */
	sigjmp_buf env;
	if (sigsetjmp(env, 0) == 0) {
		proc_probe_env = &env;
		memcpy(to, from, n);
		proc_probe_env = NULL;
		return n;
	}
	proc_probe_env = NULL;
	size_t ok = proc_copy_fault_prefix(to, from, n, user, write);
	if (ok)
		memcpy(to, from, ok);
	return ok;
}

size_t
proc_copy_to_user(void *to, const void *from, size_t n)
{
	return proc_copy_user(to, from, n, to, true);
}

size_t
proc_copy_from_user(void *to, const void *from, size_t n)
{
	return proc_copy_user(to, from, n, from, false);
}

/* proc_copy_user's copy from the process made by @copy: a function of its
 * own, so that the plain copies keep no more registers across sigsetjmp. */
__attribute__((no_sanitize("address"))) size_t
proc_copy_from_user_with(void *to, const void *from, size_t n, proc_copy_fn *copy, void *arg)
{
	if (n == 0 || !from)
		return 0;
	sigjmp_buf env;
	if (sigsetjmp(env, 0) == 0) {
		proc_probe_env = &env;
		copy(to, from, n, arg);
		proc_probe_env = NULL;
		return n;
	}
	proc_probe_env = NULL;
	size_t ok = proc_copy_fault_prefix(to, from, n, from, false);
	copy(to, from, ok, arg);
	return ok;
}
