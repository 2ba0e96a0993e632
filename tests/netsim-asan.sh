#!/bin/sh
# tests/netsim-asan.sh - how the sanitizer build's tests run netsim.
#
# LeakSanitizer's suppressions for Graphviz and its font stack
# (tests/lsan.supp) match on library frames that only a full unwind of each
# allocation finds (those libraries have no frame pointers), and that unwind
# (fast_unwind_on_malloc=0) makes every allocation about ten times slower.
# Only `netsim draw` and `netsim view` (whose pages carry the drawings)
# call Graphviz, so only they pay for the full unwind;
# every other subcommand keeps ASan's fast frame-pointer unwind, which sees
# all of netsim's own frames.
case "${1-}" in
draw | view) ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"
	export ASAN_OPTIONS ;;
esac
exec "${NETSIM_BIN:?set by make check}" "$@"
