## tests/fuzz/local.mk: the hardening tests (issue 8): fuzz targets, their
## replay drivers and the fuzz-smoke run; determinism and shutdown tests; and
## tests/valgrind.mk (make check-valgrind).
##
## Every build: tests/fuzz/replay_{scenario,frame} (a target linked with
## replay.c) and tests/fuzz_regress.sh, which replays the corpora and
## tests/fuzz/regressions/ through them.  With --enable-fuzzing (CC=clang):
## tests/fuzz/fuzz_{scenario,frame}, linked with libFuzzer, and
## `make fuzz-smoke`.  docs/fuzzing.md says how to use them.

FUZZ_NAMES = scenario frame syscall

check_PROGRAMS += tests/fuzz/replay_scenario tests/fuzz/replay_frame tests/fuzz/replay_syscall
tests_fuzz_replay_scenario_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_scenario.c tests/fuzz/fuzz.h
tests_fuzz_replay_scenario_CFLAGS = $(AM_CFLAGS)
tests_fuzz_replay_scenario_LDADD = $(NETSIM_LIBS)
tests_fuzz_replay_frame_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_frame.c tests/fuzz/fuzz.h
tests_fuzz_replay_frame_CFLAGS = $(AM_CFLAGS)
tests_fuzz_replay_frame_LDADD = $(NETSIM_LIBS)
tests_fuzz_replay_syscall_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_syscall.c tests/fuzz/fuzz.h
tests_fuzz_replay_syscall_CFLAGS = $(AM_CFLAGS)
tests_fuzz_replay_syscall_LDADD = $(NETSIM_LIBS)

TESTS += tests/fuzz_regress.sh tests/determinism.sh tests/shutdown.sh
EXTRA_DIST += tests/fuzz_regress.sh tests/determinism.sh tests/shutdown.sh tests/valgrind.mk docs/fuzzing.md \
	tests/fuzz/scenario.dict tests/fuzz/make_frames.py tests/fuzz/corpus tests/fuzz/regressions

# Seconds each target runs in `make fuzz-smoke`.
FUZZ_SECONDS = 60
# Extra libFuzzer flags for fuzz-smoke, e.g. FUZZ_FLAGS=-max_len=4096.
FUZZ_FLAGS =
# FUZZ_RUNS=N stops each target after N inputs and FUZZ_SEED=N fixes
# libFuzzer's random seed: with both (and FUZZ_SECONDS as a cap) a run is
# the same run on every machine, which is what .ci/run uses.  Empty: by
# time only, from a random seed.
FUZZ_RUNS =
FUZZ_SEED =

if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_scenario tests/fuzz/fuzz_frame tests/fuzz/fuzz_syscall
tests_fuzz_fuzz_scenario_SOURCES = tests/fuzz/fuzz_scenario.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_scenario_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_scenario_LDADD = $(NETSIM_LIBS)
tests_fuzz_fuzz_frame_SOURCES = tests/fuzz/fuzz_frame.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_frame_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_frame_LDADD = $(NETSIM_LIBS)
tests_fuzz_fuzz_syscall_SOURCES = tests/fuzz/fuzz_syscall.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_syscall_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_syscall_LDADD = $(NETSIM_LIBS)

# make fuzz-smoke [FUZZ_SECONDS=N] [FUZZ_RUNS=N FUZZ_SEED=N]: each target for N seconds, one job, from
# its seed corpus; new inputs go to fuzz-corpus/NAME in the build tree, a
# crash to fuzz-artifacts/.  Fails on the first crash, leak or timeout.
fuzz-smoke: $(FUZZ_NAMES:%=tests/fuzz/fuzz_%$(EXEEXT))
	@mkdir -p fuzz-artifacts
	@for t in $(FUZZ_NAMES); do \
	  mkdir -p fuzz-corpus/$$t; \
	  dict=; test -f $(srcdir)/tests/fuzz/$$t.dict && dict=-dict=$(srcdir)/tests/fuzz/$$t.dict; \
	  echo "== fuzz_$$t for $(FUZZ_SECONDS)s"; \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  ./tests/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=25 -rss_limit_mb=2048 \
	    $(if $(FUZZ_RUNS),-runs=$(FUZZ_RUNS)) $(if $(FUZZ_SEED),-seed=$(FUZZ_SEED)) \
	    -jobs=1 -workers=1 -print_final_stats=1 -artifact_prefix=fuzz-artifacts/$$t- \
	    $$dict $(FUZZ_FLAGS) fuzz-corpus/$$t $(srcdir)/tests/fuzz/corpus/$$t \
	    > fuzz-$$t.log 2>&1 \
	  || { tail -n 60 fuzz-$$t.log; echo "fuzz_$$t failed: see fuzz-$$t.log and fuzz-artifacts/"; exit 1; }; \
	  grep -E '^(stat::number_of_executed_units|Done)' fuzz-$$t.log || true; \
	done
else
fuzz-smoke:
	@echo "fuzz-smoke needs a fuzzing build: ./configure --enable-fuzzing CC=clang" >&2; exit 1
endif
.PHONY: fuzz-smoke
CLEANFILES += fuzz-scenario.log fuzz-frame.log fuzz-syscall.log

include tests/valgrind.mk
