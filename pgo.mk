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

# The training: the UDP flood (100,000 datagrams) and the TCP bulk transfer
# (200 ms), about a second of instrumented run.  Old counts go first (a
# .gcda adds up every run that wrote it).
pgo-profile.stamp: $(libnetsim_a_SOURCES) $(nodist_libnetsim_a_SOURCES) $(netsim_SOURCES) \
		$(srcdir)/bench/udp-flood.ini $(srcdir)/bench/tcp-bulk.ini
	$(AM_V_GEN)for d in $(PGO_DIRS); do rm -f $$d/*.gcda; done; \
	rm -f $(PGO_OBJECTS) libnetsim.a netsim$(EXEEXT); \
	$(MAKE) $(AM_MAKEFLAGS) PGO_STAMP= PGO_USE_CFLAGS="$(PGO_GEN_CFLAGS)" \
		LTO_LDFLAGS="$(NO_LTO_LDFLAGS) $(PGO_GEN_CFLAGS)" netsim$(EXEEXT) && \
	./netsim$(EXEEXT) run -q $(srcdir)/bench/udp-flood.ini --set app.flood.count=100000 \
		--set scenario.duration=1100ms --set expect.app.sink.rx_msgs=100000 >/dev/null && \
	./netsim$(EXEEXT) run -q $(srcdir)/bench/tcp-bulk.ini --set scenario.duration=200ms \
		--set expect.app.sink.rx_bytes=23346104 >/dev/null && \
	rm -f $(PGO_OBJECTS) libnetsim.a netsim$(EXEEXT) && \
	touch $@
$(PGO_OBJECTS): $(PGO_STAMP)
endif
CLEANFILES += pgo-profile.stamp sim/*.gcda trace/*.gcda stack/*.gcda apps/*.gcda viz/*.gcda cli/*.gcda
