## docs/local.mk: documentation shipped in the tarball.
EXTRA_DIST += docs/cpu-model.md
