#!/bin/sh
# tests/network_scenarios.sh - every scenario of scenarios/network/ runs and
# meets its [expect] lines (netsim run exits 0 only then).
. "$top_srcdir/tests/lib.sh"

for f in "$top_srcdir"/scenarios/network/*.ini; do
	name=$(basename "$f" .ini)
	expect_exit 0 "$name: every expectation met" -- "$NETSIM" run "$f"
	expect_grep "$T/out" 'expectations met' "$name: prints its expectations"
done

done_testing
