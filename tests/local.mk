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

# The trace is complete: every scenario's trace replays (netsim check-trace),
# one deleted row is caught, and copies from write() to read() are counted.
TESTS += tests/trace_replay.sh
EXTRA_DIST += tests/trace_replay.sh

# One list per vocabulary (issue 20): no op or drop-reason string outside it.
TESTS += tests/vocab.sh
EXTRA_DIST += tests/vocab.sh
