## pgo.mk: profile-guided optimisation (./configure --enable-pgo; GCC only).
##
## The library and netsim are built twice from the same objects, as
## CPython's `make profile-opt` does.  pgo-profile.stamp first builds an
## instrumented netsim (a make of its own with -fprofile-generate in place
## of -fprofile-use, linked without LTO), runs the two benchmark scenarios
## of bench/ cut short, which writes a .gcda profile next to each object,
## and removes those objects; then they are compiled again with
## -fprofile-use (AM_CFLAGS).  The object names must be the same in both
## builds: GCC keys a static function's profile by the object's name.  The
## profile only steers the compiler (inlining, branch layout, hot and cold
## code); what netsim computes is the same (tests/metrics_stable.sh).  A
## change to any source of the library reruns the training and recompiles
## everything.  Figures: docs/performance.md, "Compiler flags".
if PGO
PGO_STAMP = pgo-profile.stamp
# The folders that hold objects of the library or of netsim.
PGO_DIRS = sim trace stack apps viz cli
PGO_OBJECTS = $(libnetsim_a_OBJECTS) $(netsim_OBJECTS)

# The training: every lecture and homework scenario as a teacher runs it,
# and two of them again with the full trace (the trace writer is the other
# hot path), about 2 CPU seconds instrumented.  Not the benchmarks of
# bench/: their figures measure a profile of other work.  Old counts go
# first (a .gcda adds up every run that wrote it).
PGO_TRAINING = $(dist_lectures_DATA) $(dist_homework_DATA)
PGO_TRACED = scenarios/lectures/interrupts-and-napi-high-load.ini \
	scenarios/lectures/tcp-ecn-marks-instead-of-loss.ini
pgo-profile.stamp: $(libnetsim_a_SOURCES) $(nodist_libnetsim_a_SOURCES) $(netsim_SOURCES) \
		$(PGO_TRAINING)
	$(AM_V_GEN)for d in $(PGO_DIRS); do rm -f $$d/*.gcda; done; \
	rm -f $(PGO_OBJECTS) libnetsim.a netsim$(EXEEXT) pgo-trace.db; \
	$(MAKE) $(AM_MAKEFLAGS) PGO_STAMP= PGO_USE_CFLAGS="$(PGO_GEN_CFLAGS)" \
		LTO_LDFLAGS="$(NO_LTO_LDFLAGS) $(PGO_GEN_CFLAGS)" netsim$(EXEEXT) && \
	for f in $(PGO_TRAINING); do \
		./netsim$(EXEEXT) run -q $(srcdir)/$$f >/dev/null || exit 1; \
	done && \
	for f in $(PGO_TRACED); do \
		rm -f pgo-trace.db; \
		./netsim$(EXEEXT) run -q --trace-level full --trace pgo-trace.db $(srcdir)/$$f >/dev/null || exit 1; \
	done && \
	rm -f $(PGO_OBJECTS) libnetsim.a netsim$(EXEEXT) pgo-trace.db && \
	touch $@
$(PGO_OBJECTS): $(PGO_STAMP)
endif
CLEANFILES += pgo-profile.stamp sim/*.gcda trace/*.gcda stack/*.gcda apps/*.gcda viz/*.gcda cli/*.gcda
