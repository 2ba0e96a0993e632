#!/bin/sh
# tests/fuzz_regress.sh - replay every fuzz input we keep, in this build.
#
# The seed corpora (tests/fuzz/corpus/NAME/) and every input that once made
# a target crash, hang or leak (tests/fuzz/regressions/NAME/) go through the
# same entry points as the fuzz targets, linked with tests/fuzz/replay.c
# instead of libFuzzer.  In the sanitizer build ASan/UBSan check them too.
. "$top_srcdir/tests/lib.sh"

for t in scenario frame syscall; do
	drv="$top_builddir/tests/fuzz/replay_$t"
	expect_exit 0 "replay_$t: corpus and regressions" -- \
		"$drv" "$top_srcdir/tests/fuzz/corpus/$t" "$top_srcdir/tests/fuzz/regressions/$t"
	expect_grep "$T/out" "^replayed [1-9][0-9]* inputs" "replay_$t ran inputs"
done
done_testing
