/*
 * tests/test_proc.c - simulated processes: start, CPU use, sleep, block and
 * wake, context switches, exit, kill, and the stack guard page.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fenv.h>
#include <glib.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/cpu.h"
#include "sim/proc.h"

struct fx {
	struct sim *sim;
	struct cpu *cpu;
	struct proc_table *t;
	GString *log;
	int exits;
	struct proc *other;
	sim_time_t stamp[8];
	int reason;
};

static void
on_exit_hook(struct proc *p, void *arg)
{
	struct fx *fx = arg;
	fx->exits++;
	g_string_append_printf(fx->log, "[exit %s %d]", proc_name(p), proc_exit_status(p));
}

static int
setup(void **state)
{
	struct fx *fx = g_new0(struct fx, 1);
	fx->sim = sim_new(1);
	fx->cpu = cpu_new(fx->sim, "cpu0");
	fx->t = proc_table_new(fx->sim, fx->cpu, "h");
	fx->log = g_string_new(NULL);
	proc_table_set_exit_hook(fx->t, on_exit_hook, fx);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;
	proc_table_free(fx->t);
	assert_true(cpu_idle(fx->cpu));
	assert_int_equal(sim_events_pending(fx->sim), 0);
	cpu_free(fx->cpu);
	sim_free(fx->sim);
	g_string_free(fx->log, TRUE);
	g_free(fx);
	return 0;
}

static int
main_stamp(struct proc *p, void *arg)
{
	struct fx *fx = arg;
	fx->stamp[0] = sim_now(proc_sim(p));
	assert_ptr_equal(proc_self(), p);
	assert_ptr_equal(proc_table_current(fx->t), p);
	assert_int_equal(cpu_current_ctx(fx->cpu), CPU_TASK);
	return 7;
}

static void
test_proc_starts_after_delay_and_exits_with_status(void **state)
{
	struct fx *fx = *state;
	struct proc *p = proc_spawn(fx->t, "a", 5 * SIM_MS, main_stamp, fx);
	assert_int_equal(proc_state(p), PROC_NEW);
	assert_int_equal(proc_table_alive(fx->t), 1);
	sim_run_until(fx->sim, SIM_S);
	assert_int_equal(fx->stamp[0], 5 * SIM_MS);
	assert_int_equal(proc_state(p), PROC_DEAD);
	assert_int_equal(proc_exit_status(p), 7);
	assert_int_equal(proc_table_alive(fx->t), 0);
	assert_string_equal(fx->log->str, "[exit a 7]");
	assert_null(proc_self());
}

static int
main_consume(struct proc *p, void *arg)
{
	struct fx *fx = arg;
	proc_consume(p, 3 * SIM_US);
	fx->stamp[0] = sim_now(proc_sim(p));
	proc_consume(p, 2 * SIM_US);
	fx->stamp[1] = sim_now(proc_sim(p));
	return 0;
}

static void
test_proc_consume_takes_cpu_time_in_task_context(void **state)
{
	struct fx *fx = *state;
	struct proc *p = proc_spawn(fx->t, "c", 0, main_consume, fx);
	sim_run_until(fx->sim, SIM_S);
	assert_int_equal(fx->stamp[0], 3 * SIM_US);
	assert_int_equal(fx->stamp[1], 5 * SIM_US);
	assert_int_equal(cpu_busy_ns(fx->cpu, CPU_TASK), 5 * SIM_US);
	assert_int_equal(proc_cpu_time(p), 5 * SIM_US);
}

struct softirq_item {
	struct cpu_work w;
};

static void
nop_done(struct cpu_work *w)
{
}

static void
submit_softirq(struct sim *sim, void *a, void *b)
{
	struct fx *fx = a;
	cpu_submit(fx->cpu, b, CPU_SOFTIRQ, 4 * SIM_US);
}

static void
test_proc_consume_is_preempted_by_softirq(void **state)
{
	struct fx *fx = *state;
	struct softirq_item it;
	cpu_work_init(&it.w, nop_done, NULL, "softirq");
	proc_spawn(fx->t, "c", 0, main_consume, fx);
	sim_schedule(fx->sim, 1 * SIM_US, submit_softirq, fx, &it.w);
	sim_run_until(fx->sim, SIM_S);
	/* 3 us of task work stretched by 4 us of softirq work. */
	assert_int_equal(fx->stamp[0], 7 * SIM_US);
	assert_int_equal(cpu_busy_ns(fx->cpu, CPU_SOFTIRQ), 4 * SIM_US);
}

static int
main_sleep(struct proc *p, void *arg)
{
	struct fx *fx = arg;
	proc_sleep(p, 10 * SIM_MS);
	fx->stamp[0] = sim_now(proc_sim(p));
	return 0;
}

static void
test_proc_sleep_advances_time_without_cpu(void **state)
{
	struct fx *fx = *state;
	proc_spawn(fx->t, "s", SIM_MS, main_sleep, fx);
	sim_run_until(fx->sim, SIM_S);
	assert_int_equal(fx->stamp[0], 11 * SIM_MS);
	assert_int_equal(cpu_busy_ns(fx->cpu, CPU_TASK), 0);
}

static int
main_block(struct proc *p, void *arg)
{
	struct fx *fx = arg;
	fx->reason = proc_block(p, SIM_TIME_MAX);
	fx->stamp[0] = sim_now(proc_sim(p));
	return 0;
}

static void
wake_event(struct sim *sim, void *a, void *b)
{
	struct fx *fx = a;
	assert_true(proc_wake(fx->other));
	assert_false(proc_wake(fx->other)); /* already runnable */
}

static void
test_proc_block_returns_when_woken(void **state)
{
	struct fx *fx = *state;
	fx->reason = -1;
	fx->other = proc_spawn(fx->t, "b", 0, main_block, fx);
	sim_schedule(fx->sim, 2 * SIM_MS, wake_event, fx, NULL);
	sim_run_until(fx->sim, SIM_MS);
	assert_int_equal(proc_state(fx->other), PROC_BLOCKED);
	sim_run_until(fx->sim, SIM_S);
	assert_int_equal(fx->reason, PROC_WOKEN);
	assert_int_equal(fx->stamp[0], 2 * SIM_MS);
}

static int
main_block_timeout(struct proc *p, void *arg)
{
	struct fx *fx = arg;
	fx->reason = proc_block(p, 3 * SIM_MS);
	fx->stamp[0] = sim_now(proc_sim(p));
	return 0;
}

static void
test_proc_block_times_out(void **state)
{
	struct fx *fx = *state;
	fx->reason = -1;
	proc_spawn(fx->t, "b", 0, main_block_timeout, fx);
	sim_run_until(fx->sim, SIM_S);
	assert_int_equal(fx->reason, PROC_TIMEDOUT);
	assert_int_equal(fx->stamp[0], 3 * SIM_MS);
}

static int
main_two_slices(struct proc *p, void *arg)
{
	proc_consume(p, SIM_US);
	proc_consume(p, SIM_US);
	return 0;
}

static void
test_proc_switch_between_tasks_costs_a_context_switch(void **state)
{
	struct fx *fx = *state;
	cpu_set_cost(fx->cpu, COST_CTX_SWITCH, 500);
	proc_spawn(fx->t, "x", 0, main_two_slices, fx);
	proc_spawn(fx->t, "y", 0, main_two_slices, fx);
	sim_run_until(fx->sim, SIM_S);
	/* CFS: x runs until it exits (2 us is far inside its 3 ms slice, and y,
	 * spawned at the same instant, is not far enough behind to preempt it),
	 * then y: one switch. */
	assert_int_equal(cpu_context_switches(fx->cpu), 1);
	assert_int_equal(cpu_busy_ns(fx->cpu, CPU_TASK), 4 * SIM_US + 500);
}

static void
test_proc_kill_blocked_process_runs_exit_hook(void **state)
{
	struct fx *fx = *state;
	struct proc *p = proc_spawn(fx->t, "k", 0, main_block_timeout, fx);
	sim_run_until(fx->sim, SIM_MS);
	assert_int_equal(proc_state(p), PROC_BLOCKED);
	proc_kill(p);
	assert_int_equal(proc_state(p), PROC_DEAD);
	assert_int_equal(proc_exit_status(p), -1);
	assert_string_equal(fx->log->str, "[exit k -1]");
	assert_int_equal(sim_events_pending(fx->sim), 0);
}

static void
test_proc_kill_runnable_process_withdraws_its_work(void **state)
{
	struct fx *fx = *state;
	struct proc *p = proc_spawn(fx->t, "k", 0, main_consume, fx);
	sim_run_until(fx->sim, SIM_US); /* inside its first 3 us slice */
	assert_int_equal(proc_state(p), PROC_RUNNABLE);
	proc_kill(p);
	assert_true(cpu_idle(fx->cpu));
	sim_run_until(fx->sim, SIM_S);
	assert_int_equal(fx->stamp[0], 0);
}

static void
test_proc_table_free_kills_survivors(void **state)
{
	struct fx *fx = *state;
	proc_spawn(fx->t, "late", SIM_S, main_stamp, fx);
	proc_spawn(fx->t, "blocked", 0, main_block, fx);
	sim_run_until(fx->sim, SIM_MS);
	assert_int_equal(proc_table_alive(fx->t), 2);
	proc_table_free(fx->t);
	fx->t = proc_table_new(fx->sim, fx->cpu, "h");
	assert_int_equal(fx->exits, 2);
	assert_int_equal(sim_events_pending(fx->sim), 0);
}

static int
main_exit_early(struct proc *p, void *arg)
{
	struct fx *fx = arg;
	proc_consume(p, SIM_US);
	proc_exit(p, 3);
	fx->stamp[0] = 1; /* not reached */
	return 0;
}

static void
test_proc_exit_ends_process_at_once(void **state)
{
	struct fx *fx = *state;
	struct proc *p = proc_spawn(fx->t, "e", 0, main_exit_early, fx);
	sim_run_until(fx->sim, SIM_S);
	assert_int_equal(proc_exit_status(p), 3);
	assert_int_equal(fx->stamp[0], 0);
}

static int
recurse(int n)
{
	volatile char pad[1024];
	pad[0] = (char)n;
	return n == 0 ? pad[0] : recurse(n - 1) + pad[0];
}

static int
main_overflow(struct proc *p, void *arg)
{
	return recurse(1000000);
}

static void
test_proc_stack_overflow_hits_guard_page(void **state)
{
	struct fx *fx = *state;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(10);
		proc_spawn(fx->t, "deep", 0, main_overflow, fx);
		sim_run_until(fx->sim, SIM_S);
		_exit(0); /* the guard page failed to stop it */
	}
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_false(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static int
main_many(struct proc *p, void *arg)
{
	int *count = arg;
	proc_sleep(p, SIM_MS);
	(*count)++;
	return 0;
}

static void
test_proc_many_processes_each_get_their_stack(void **state)
{
	struct fx *fx = *state;
	int count = 0;
	for (int i = 0; i < 200; i++)
		proc_spawn(fx->t, "m", (sim_time_t)i * SIM_US, main_many, &count);
	sim_run_until(fx->sim, SIM_S);
	assert_int_equal(count, 200);
	assert_int_equal(proc_table_alive(fx->t), 0);
}

static int
main_round_up(struct proc *p, void *arg)
{
	struct fx *fx = arg;
	fesetround(FE_UPWARD);
	proc_consume(p, SIM_US); /* the engine runs between the two halves */
	fx->stamp[0] = fegetround() == FE_UPWARD;
	return 0;
}

static int
main_check_round(struct proc *p, void *arg)
{
	struct fx *fx = arg;
	fx->stamp[1] = fegetround() == FE_TONEAREST;
	return 0;
}

/* The floating-point control state is callee-saved (System V ABI): each
 * context keeps its own across switches, and a new process starts with the
 * default. */
static void
test_proc_switch_keeps_each_contexts_rounding_mode(void **state)
{
	struct fx *fx = *state;
	proc_spawn(fx->t, "up", 0, main_round_up, fx);
	proc_spawn(fx->t, "check", 0, main_check_round, fx);
	sim_run_until(fx->sim, SIM_S);
	assert_int_equal(fegetround(), FE_TONEAREST);
	assert_int_equal(fx->stamp[0], 1);
	assert_int_equal(fx->stamp[1], 1);
}

static int
main_null_write(struct proc *p, void *arg)
{
	struct fx *fx = arg;
	/* A page without access, not NULL: UBSan would stop a NULL store itself. */
	volatile int *bad = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fx->stamp[2] = 1;
	proc_consume(p, SIM_US);
	*bad = 1;
	fx->stamp[2] = 2; /* not reached */
	return 0;
}

static int
main_bystander(struct proc *p, void *arg)
{
	struct fx *fx = arg;
	proc_sleep(p, SIM_MS);
	fx->stamp[3] = sim_now(proc_sim(p));
	return 5;
}

/* A fault in an isolated process's own code ends that process alone: it is
 * dead, killed by SIGSEGV at the virtual time of the fault, its exit hook
 * ran, and the others run on. */
static void
test_proc_isolated_fault_ends_only_that_process(void **state)
{
	struct fx *fx = *state;
#ifdef __SANITIZE_ADDRESS__
	/* Inside cmocka's own fault handling ASan loses track of the stacks;
	 * tests/bad_student.sh checks the same path in the sanitizer build. */
	skip();
#endif
	struct proc *bad = proc_spawn(fx->t, "bad", 0, main_null_write, fx);
	struct proc *good = proc_spawn(fx->t, "good", 0, main_bystander, fx);
	proc_set_isolated(bad, true);
	sim_run_until(fx->sim, SIM_S);
	assert_int_equal(proc_state(bad), PROC_DEAD);
	assert_int_equal(proc_term_signal(bad), SIGSEGV);
	assert_in_range(proc_end_time(bad), SIM_US, 100 * SIM_US); /* 1 us and the switch */
	assert_int_equal(fx->stamp[2], 1);
	assert_int_equal(proc_exit_status(good), 5);
	assert_int_equal(proc_term_signal(good), 0);
	assert_in_range(fx->stamp[3], SIM_MS, SIM_MS + 100 * SIM_US); /* it ran on */
	assert_int_equal(fx->exits, 2);
	assert_non_null(strstr(fx->log->str, "[exit bad 139]"));
}

static int
main_user_exit(struct proc *p, void *arg)
{
	struct fx *fx = arg;
	fx->stamp[0] = proc_user_exit(9); /* not isolated: refused, returns */
	proc_set_isolated(p, true);
	proc_user_exit(4);
	fx->stamp[1] = 1; /* not reached */
	return 0;
}

/* exit() from an isolated process's own code ends the process with its
 * status; from anything else it is left to the C library. */
static void
test_proc_user_exit_ends_isolated_process_only(void **state)
{
	struct fx *fx = *state;
	struct proc *p = proc_spawn(fx->t, "x", 0, main_user_exit, fx);
	assert_false(proc_user_exit(1)); /* the engine: not a process */
	sim_run_until(fx->sim, SIM_S);
	assert_int_equal(fx->stamp[0], 0);
	assert_int_equal(fx->stamp[1], 0);
	assert_int_equal(proc_exit_status(p), 4);
	assert_int_equal(proc_term_signal(p), 0);
}

static int
main_probe(struct proc *p, void *arg)
{
	struct fx *fx = arg;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	char *m = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	g_assert(m != MAP_FAILED);
	mprotect(m + 2 * page, page, PROT_NONE);
	mprotect(m + page, page, PROT_READ);
	fx->stamp[0] = (sim_time_t)proc_user_access(NULL, 10, false);
	fx->stamp[1] = (sim_time_t)proc_user_access(m + 10, 100, false);
	fx->stamp[2] = (sim_time_t)proc_user_access(m + page - 64, (size_t)1 << 40, false);
	fx->stamp[3] = (sim_time_t)proc_user_access(m + page - 64, (size_t)1 << 40, true);
	fx->stamp[4] = (sim_time_t)proc_user_access(m + 2 * page, 1, false);
	fx->stamp[5] = (sim_time_t)proc_user_access(m, SIZE_MAX, false);
	munmap(m, 3 * page);
	return 0;
}

/* The probe for system-call buffers counts the bytes before the first page
 * that faults (reading or writing), and 0 for NULL. */
static void
test_proc_user_access_stops_at_first_bad_page(void **state)
{
	struct fx *fx = *state;
#ifdef __SANITIZE_ADDRESS__
	skip(); /* as above: tests/bad_student.sh (misuse) covers the sanitizer build */
#endif
	sim_time_t page = (sim_time_t)sysconf(_SC_PAGESIZE);
	struct proc *p = proc_spawn(fx->t, "probe", 0, main_probe, fx);
	proc_set_isolated(p, true); /* makes sure the fault handlers are netsim's */
	sim_run_until(fx->sim, SIM_S);
	assert_int_equal(proc_term_signal(p), 0);
	assert_int_equal(fx->stamp[0], 0);
	assert_int_equal(fx->stamp[1], 100);
	assert_int_equal(fx->stamp[2], page + 64);
	assert_int_equal(fx->stamp[3], 64);
	assert_int_equal(fx->stamp[4], 0);
	assert_int_equal(fx->stamp[5], 2 * page);
}

static size_t probe_long[4];

static int
main_probe_long(struct proc *p, void *arg)
{
	(void)p;
	(void)arg;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	char *m = mmap(NULL, 20 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	g_assert(m != MAP_FAILED);
	mprotect(m + 17 * page, page, PROT_NONE);
	probe_long[0] = proc_user_access(m, 17 * page, true);
	probe_long[1] = proc_user_access(m + 5, 17 * page + 1, false);
	probe_long[2] = proc_user_access(m, 16 * page + 10, true); /* a short last page */
	probe_long[3] = proc_user_access(m + 16 * page + 100, 2 * page, false);
	munmap(m, 20 * page);
	return 0;
}

/* Over many pages (the probes touch a different cache line of each page),
 * the count still ends at the first bad page or at the buffer's end. */
static void
test_proc_user_access_over_many_pages_ends_at_the_bad_one(void **state)
{
	struct fx *fx = *state;
#ifdef __SANITIZE_ADDRESS__
	skip(); /* as above */
#endif
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct proc *p = proc_spawn(fx->t, "probe", 0, main_probe_long, fx);
	proc_set_isolated(p, true);
	sim_run_until(fx->sim, SIM_S);
	assert_int_equal(proc_term_signal(p), 0);
	assert_int_equal(probe_long[0], 17 * page);
	assert_int_equal(probe_long[1], 17 * page - 5);
	assert_int_equal(probe_long[2], 16 * page + 10);
	assert_int_equal(probe_long[3], page - 100);
}

/* A proc_copy_fn that sums the bytes it copies and counts its calls. */
struct copy_sum {
	uint64_t sum;
	int calls;
};

static void
copy_and_sum(void *to, const void *from, size_t n, void *arg)
{
	struct copy_sum *cs = arg;
	cs->sum = 0;
	cs->calls++;
	for (size_t i = 0; i < n; i++) {
		((unsigned char *)to)[i] = ((const unsigned char *)from)[i];
		cs->sum += ((const unsigned char *)from)[i];
	}
}

static size_t copy_with_n[3];
static struct copy_sum copy_with_cs[3];
static unsigned char copy_with_dst[3][300];

static int
main_copy_with(struct proc *p, void *arg)
{
	(void)p;
	(void)arg;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	unsigned char *m =
		mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	g_assert(m != MAP_FAILED);
	for (size_t i = 0; i < page; i++)
		m[i] = (unsigned char)(i * 7);
	mprotect(m + page, page, PROT_NONE);
	memset(copy_with_dst, 0xee, sizeof copy_with_dst);
	/* all readable; 100 bytes then the hole; the hole at once */
	copy_with_n[0] = proc_copy_from_user_with(copy_with_dst[0], m + page - 300, 300,
						  copy_and_sum, &copy_with_cs[0]);
	copy_with_n[1] = proc_copy_from_user_with(copy_with_dst[1], m + page - 100, 300,
						  copy_and_sum, &copy_with_cs[1]);
	copy_with_n[2] = proc_copy_from_user_with(copy_with_dst[2], m + page, 300, copy_and_sum,
						  &copy_with_cs[2]);
	munmap(m, 2 * page);
	return 0;
}

/* A copy that computes as it copies (the checksum of
 * csum_and_copy_from_user) ends at the first page that faults, and what
 * it computed is of the bytes copied: after the fault it is run again on
 * exactly them (none included). */
static void
test_proc_copy_from_user_with_sums_the_prefix_copied(void **state)
{
	struct fx *fx = *state;
#ifdef __SANITIZE_ADDRESS__
	skip(); /* as above */
#endif
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct proc *p = proc_spawn(fx->t, "copy", 0, main_copy_with, fx);
	proc_set_isolated(p, true);
	sim_run_until(fx->sim, SIM_S);
	assert_int_equal(proc_term_signal(p), 0);
	size_t want[3] = { 300, 100, 0 };
	int calls[3] = { 1, 2, 2 };
	for (int c = 0; c < 3; c++) {
		assert_int_equal(copy_with_n[c], want[c]);
		assert_int_equal(copy_with_cs[c].calls, calls[c]);
		uint64_t sum = 0;
		for (size_t i = 0; i < want[c]; i++) {
			unsigned char b = (unsigned char)((page - (c ? 100 : 300) + i) * 7);
			assert_int_equal(copy_with_dst[c][i], b);
			sum += b;
		}
		assert_int_equal(copy_with_cs[c].sum, sum);
		for (size_t i = want[c]; i < 300; i++)
			assert_int_equal(copy_with_dst[c][i], 0xee);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_proc_starts_after_delay_and_exits_with_status,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_proc_consume_takes_cpu_time_in_task_context,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_proc_consume_is_preempted_by_softirq, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_proc_sleep_advances_time_without_cpu, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_proc_block_returns_when_woken, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_proc_block_times_out, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_proc_switch_between_tasks_costs_a_context_switch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proc_kill_blocked_process_runs_exit_hook,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_proc_kill_runnable_process_withdraws_its_work,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_proc_table_free_kills_survivors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_proc_exit_ends_process_at_once, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_proc_stack_overflow_hits_guard_page, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_proc_many_processes_each_get_their_stack,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_proc_switch_keeps_each_contexts_rounding_mode,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_proc_isolated_fault_ends_only_that_process,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_proc_user_exit_ends_isolated_process_only,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_proc_user_access_stops_at_first_bad_page,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_proc_user_access_over_many_pages_ends_at_the_bad_one, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_proc_copy_from_user_with_sums_the_prefix_copied, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
