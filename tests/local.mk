## tests/local.mk: build fragment for tests/, included by Makefile.am

# The full device path between two hosts (issue 3's benchmark).
EXTRA_PROGRAMS += tests/bench_path
BENCHES += tests/bench_path
tests_bench_path_LDADD = $(NETSIM_LIBS)
EXTRA_DIST += tests/lsan.supp

# Arrows between folders point down only (DESIGN.md).
TESTS += tests/layering.sh
EXTRA_DIST += tests/layering.sh

# Formatting is decided once: .clang-format, checked here.
TESTS += tests/format.sh
EXTRA_DIST += tests/format.sh .clang-format .editorconfig

# Poisson arrivals on a wire against Pollaczek-Khinchine's M/D/1 mean wait.
TESTS += tests/md1.sh
EXTRA_DIST += tests/md1.sh

# The receiver homework's NAPI trough against its hand calculation (issue 11).
TESTS += tests/homework_trough.sh
EXTRA_DIST += tests/homework_trough.sh
# The 1/2/4-queue livelock homework on a 4-CPU receiver (issue 19).
TESTS += tests/homework_queues.sh
EXTRA_DIST += tests/homework_queues.sh docs/homework-livelock-queues.md \
	docs/homework-livelock-queues-answers.md

# Per-direction link loss (loss_ab, loss_ba) in a whole TCP run.
TESTS += tests/loss_direction.sh
EXTRA_DIST += tests/loss_direction.sh
# The trace file: live readers, plain names, --overwrite (issue 15).
TESTS += tests/trace_files.sh
EXTRA_DIST += tests/trace_files.sh tests/udp_flood_lan.ini
# A packed full trace reads as the plain one; netsim trace expand (issue 12).
TESTS += tests/trace_packed.sh
EXTRA_DIST += tests/trace_packed.sh

# netsim draw's output file: missing directory, full disk (issue 15).
TESTS += tests/draw_output.sh
EXTRA_DIST += tests/draw_output.sh

# Input limits: scenario files, memory, control characters, UTF-8 (issue 15).
TESTS += tests/input_limits.sh
EXTRA_DIST += tests/input_limits.sh
# Real Linux (ping, arping, curl, nc, tshark) against a simulated host
# through a TAP link, in a network namespace (issue 18; needs root).
TESTS += tests/tap.sh
EXTRA_DIST += tests/tap.sh
# Real Linux TCP between two namespaces through a simulated router, against
# netsim's TCP on the same path (issue 17; needs root).
TESTS += tests/tcp_kernel_compare.sh
EXTRA_DIST += tests/tcp_kernel_compare.sh

# http_server, discard and chargen against a simulated client (issue 18).
check_PROGRAMS += tests/test_servers
TESTS += tests/test_servers
tests_test_servers_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_servers_LDADD = $(TEST_CMOCKA_LIBS)

# The engine's pacer hook, the real-time pacer and TAP set-up errors (issue 18).
check_PROGRAMS += tests/test_realtime
TESTS += tests/test_realtime
tests_test_realtime_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_realtime_LDADD = $(TEST_CMOCKA_LIBS)
# The trace is complete: every scenario's trace replays (netsim check-trace),
# one deleted row is caught, and copies from write() to read() are counted.
TESTS += tests/trace_replay.sh
EXTRA_DIST += tests/trace_replay.sh

# One list per vocabulary (issue 20): no op or drop-reason string outside it.
TESTS += tests/vocab.sh
EXTRA_DIST += tests/vocab.sh
# The diagram builders spell no op or copy kind, in C or in SQL (issue 20).
TESTS += tests/viz_vocab.sh
EXTRA_DIST += tests/viz_vocab.sh
# The same trace draws the same stack map and path, run after run.
TESTS += tests/draw_determinism.sh
EXTRA_DIST += tests/draw_determinism.sh
# netsim view's steps and netsim show --skb's rows agree for fragments.
TESTS += tests/view_show_steps.sh
EXTRA_DIST += tests/view_show_steps.sh

# The invariant checkers can fail: each test corrupts a structure on purpose
# and expects the abort (issue 20).  test_sim_check compiles sim/sim.c itself.
check_PROGRAMS += tests/test_sim_check tests/test_sock_check tests/test_tcp_check
TESTS += tests/test_sim_check tests/test_sock_check tests/test_tcp_check
tests_test_sim_check_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_sim_check_LDADD = $(GLIB_LIBS) $(CMOCKA_LIBS)
tests_test_sock_check_SOURCES = tests/test_sock_check.c tests/tcp_test.h tests/stack_test.h
tests_test_sock_check_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_sock_check_LDADD = $(TEST_CMOCKA_LIBS)
tests_test_tcp_check_SOURCES = tests/test_tcp_check.c tests/tcp_test.h tests/stack_test.h
tests_test_tcp_check_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_tcp_check_LDADD = $(TEST_CMOCKA_LIBS)

# The protocol entry points assert their context: bottom halves off (issue 20).
check_PROGRAMS += tests/test_rcv_context
TESTS += tests/test_rcv_context
tests_test_rcv_context_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_rcv_context_LDADD = $(TEST_CMOCKA_LIBS)
# RSS spreads a many-flow flood over 4 RX queues and 4 CPUs (issue 19).
TESTS += tests/rss_flood.sh
EXTRA_DIST += tests/rss_flood.sh
TESTS += tests/rfs_steer.sh
EXTRA_DIST += tests/rfs_steer.sh
TESTS += tests/udp_gro_truesize.sh
EXTRA_DIST += tests/udp_gro_truesize.sh
TESTS += tests/flow_limit.sh
EXTRA_DIST += tests/flow_limit.sh
# Several TX queues and XPS: one flow a queue with xps_cpus 1:1 (issue 19).
TESTS += tests/xps_queues.sh
EXTRA_DIST += tests/xps_queues.sh
TESTS += tests/smp_trace.sh
EXTRA_DIST += tests/smp_trace.sh

# Timers run on the CPU that armed them (issue 19).
check_PROGRAMS += tests/test_tcp_timer_cpu
TESTS += tests/test_tcp_timer_cpu
tests_test_tcp_timer_cpu_SOURCES = tests/test_tcp_timer_cpu.c tests/tcp_test.h
tests_test_tcp_timer_cpu_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_tcp_timer_cpu_LDADD = $(TEST_CMOCKA_LIBS)

# Task placement, load balancing and migration on several CPUs (issue 19).
check_PROGRAMS += tests/test_sched_smp
TESTS += tests/test_sched_smp
tests_test_sched_smp_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_sched_smp_LDADD = $(TEST_CMOCKA_LIBS)

# The stack map names the CPU of each step on a host of several CPUs (issue 19).
TESTS += tests/stackmap_cpus.sh
EXTRA_DIST += tests/stackmap_cpus.sh
# Issue 19's criterion: one TCP flow at 10 Gbit/s with TSO and GRO reaches 9 Gbit/s.
TESTS += tests/tcp_10g_offloads.sh
EXTRA_DIST += tests/tcp_10g_offloads.sh
