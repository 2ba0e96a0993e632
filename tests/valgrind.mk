## tests/valgrind.mk: make check-valgrind, memcheck over lecture scenarios
## (issue 8), on a build without sanitizers (valgrind and ASan do not mix).
##
##   make check-valgrind [VALGRIND_SCENARIOS="scenarios/lectures/a.ini ..."]
##
## Each scenario runs with a full trace; then the fuzz corpora are replayed
## (tests/fuzz/replay_*).  Any memory error or a definite/indirect leak
## fails; the logs are valgrind-NAME.log in the build tree.

VALGRIND = valgrind
VALGRIND_FLAGS = --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect \
	--show-leak-kinds=definite,indirect --track-origins=yes --num-callers=30
# Scenarios (relative to the source tree) run under memcheck.
VALGRIND_SCENARIOS = scenarios/lectures/path-of-a-packet.ini scenarios/lectures/fragmentation.ini \
	scenarios/lectures/tcp-handshake-and-teardown.ini
# Fuzz corpora replayed under memcheck (NAME of tests/fuzz/corpus/NAME).
VALGRIND_CORPORA = scenario frame syscall
# GLib: plain malloc, and memory zeroed when freed, for a clean leak report.
VALGRIND_ENV = G_SLICE=always-malloc G_DEBUG=gc-friendly

check-valgrind: netsim$(EXEEXT) tests/fuzz/replay_scenario$(EXEEXT) tests/fuzz/replay_frame$(EXEEXT) tests/fuzz/replay_syscall$(EXEEXT)
	@if test -n "$(SAN_CFLAGS)"; then \
	  echo "check-valgrind needs a build without sanitizers or fuzzing (configure without --enable-sanitizers/--enable-fuzzing)" >&2; \
	  exit 1; fi
	@command -v $(VALGRIND) >/dev/null || { echo "valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }
	@failed=0; \
	for s in $(VALGRIND_SCENARIOS); do \
	  n=`basename $$s .ini`; echo "== valgrind: netsim run $$s"; \
	  $(VALGRIND_ENV) $(VALGRIND) $(VALGRIND_FLAGS) --log-file=valgrind-$$n.log \
	    ./netsim$(EXEEXT) run -q --trace-level full --trace valgrind-$$n.db --overwrite \
	    $(srcdir)/$$s >/dev/null \
	  || { echo "FAIL: $$s (valgrind-$$n.log)"; grep -E '^==[0-9]+== (Invalid|Conditional|Use of|[ 0-9,]+ bytes in)' valgrind-$$n.log | head -20; failed=1; }; \
	  rm -f valgrind-$$n.db; \
	done; \
	for c in $(VALGRIND_CORPORA); do \
	  echo "== valgrind: tests/fuzz/replay_$$c over its corpus and regressions"; \
	  $(VALGRIND_ENV) $(VALGRIND) $(VALGRIND_FLAGS) --log-file=valgrind-replay-$$c.log \
	    ./tests/fuzz/replay_$$c$(EXEEXT) $(srcdir)/tests/fuzz/corpus/$$c $(srcdir)/tests/fuzz/regressions/$$c >/dev/null \
	  || { echo "FAIL: replay_$$c (valgrind-replay-$$c.log)"; grep -E '^==[0-9]+== (Invalid|Conditional|Use of|[ 0-9,]+ bytes in)' valgrind-replay-$$c.log | head -20; failed=1; }; \
	done; \
	test $$failed = 0 && echo "check-valgrind: clean"; test $$failed = 0
.PHONY: check-valgrind
