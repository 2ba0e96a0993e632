## docs/local.mk: documentation shipped in the tarball.
EXTRA_DIST += docs/cpu-model.md
EXTRA_DIST += docs/scenario-format.md
EXTRA_DIST += docs/tap.md docs/lecture-tap.md
dist_man1_MANS += docs/netsim.1
EXTRA_DIST += docs/sockets-and-tcp.md
EXTRA_DIST += docs/reliability.md
