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
#
# The picture tests (lecture_images.sh, svg_labels.sh, homework_images.sh)
# draw every figure of the guides, the big traces too, and set
# NETSIM_ASAN_DRAW=pictures: their draws keep AddressSanitizer's and
# UBSan's checks but not the leak check, which would need the full unwind
# (drawing the high-load lecture's stack map took 148 CPU s with it against
# 13 without).  The leak check of the drawing code is the business of
# test_draw, draw_output.sh, draw_determinism.sh and the view tests, which
# draw every kind of picture on small traces with the full unwind.
case "${1-}" in
draw | view)
	if [ "${NETSIM_ASAN_DRAW-}" = pictures ]; then
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
	else
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"
	fi
	export ASAN_OPTIONS ;;
esac
exec "${NETSIM_BIN:?set by make check}" "$@"
