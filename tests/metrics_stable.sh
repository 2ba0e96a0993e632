#!/bin/sh
# tests/metrics_stable.sh - speed work changes no figure.
#
# Runs every lecture, homework and network scenario, and the end-to-end
# benchmark scenarios of bench/ cut short, each with `netsim run --metrics`,
# and compares every metric (name and value, exactly) and the exit status
# with tests/metrics_baseline.txt.  A change that is meant to change what the
# simulator computes (a new cost, a new trace row that is counted, ...)
# regenerates the baseline and commits it with the change:
#
#     tests/metrics_stable.sh --update      (from the top of a built tree)
#
# which rewrites tests/metrics_baseline.txt; `git diff` then shows every
# figure that moved.  Outside make check, NETSIM defaults to ./netsim and
# top_srcdir to the folder above this script.
update=no
if [ "${1:-}" = --update ]; then
	update=yes
	: "${NETSIM:=$PWD/netsim}"
	: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
	export NETSIM top_srcdir
fi
. "$top_srcdir/tests/lib.sh"

BASE="$top_srcdir/tests/metrics_baseline.txt"
BENCH="$top_srcdir/bench"

# case NAME FILE [ARGS...]: one run; "NAME metric value" lines on stdout.
case_run() {
	local name=$1 file=$2
	shift 2
	"$NETSIM" run --quiet --trace-level off --metrics "$T/m.txt" "$file" "$@" >"$T/out" 2>"$T/err"
	echo "$name exit $?"
	sed "s|^|$name |" "$T/m.txt" 2>/dev/null
	rm -f "$T/m.txt"
}

all_cases() {
	local f
	for f in "$top_srcdir"/scenarios/lectures/*.ini "$top_srcdir"/scenarios/homework/*.ini \
		"$top_srcdir"/scenarios/network/*.ini; do
		case_run "$(basename "$(dirname "$f")")/$(basename "$f" .ini)" "$f"
	done
	# The benchmark scenarios, short: a UDP flood, a TCP bulk transfer and
	# a star of 4 senders through a router (bench/gen-star.py's output for
	# 4 senders, 4000 datagrams/s, 10 ms, kept in the tree so that the
	# test does not need python).
	case_run bench/udp-flood "$BENCH/udp-flood.ini" --set app.flood.count=3000 \
		--set scenario.duration=40ms --set expect.app.sink.rx_msgs=3000
	case_run bench/tcp-bulk "$BENCH/tcp-bulk.ini" --set app.bulk.bytes=3000000 \
		--set scenario.duration=100ms --set expect.app.sink.rx_bytes=3000000
	case_run bench/star-4 "$BENCH/star-4.ini"
}

if [ "$update" = yes ]; then
	all_cases >"$BASE"
	echo "wrote $BASE: $(wc -l <"$BASE") lines"
	exit 0
fi

# bench/bench_e2e writes the star scenarios of make bench: the same file
# as bench/gen-star.py (kept for the ns-3 comparison kit) for the same
# arguments.
E2E="${top_builddir:-.}/bench/bench_e2e"
if [ -x "$E2E" ]; then
	"$E2E" --gen-star 4 4000 0.01 >"$T/star-4.ini"
	if cmp -s "$T/star-4.ini" "$BENCH/star-4.ini"; then
		ok "bench_e2e --gen-star 4 4000 0.01 writes bench/star-4.ini"
	else
		not_ok "bench_e2e --gen-star differs from bench/gen-star.py's output"
		diff "$BENCH/star-4.ini" "$T/star-4.ini" | head -10 | sed 's/^/    /'
	fi
	# --star-ratio runs its rounds and prints their median (tiny stars:
	# this checks the runs and the parsing, not a speed; a 10 ms marginal
	# can measure zero or less on a busy machine, and then the round
	# gives no ratio and the tool says so)
	if BENCH_RUNS=1 "$E2E" --star-ratio 4 8 0.01 0.02 >"$T/ratio" 2>&1 &&
		grep -Eq "^ratio star-8 / star-4: (median [0-9.]+ \([0-9.]+-[0-9.]+\) of the run loop's CPU, 1 of 1 rounds|no ratio of the run loop's CPU \(no round measured)" "$T/ratio" &&
		grep -Eq '^\| 1 \| -?[0-9.]+ \| -?[0-9.]+ \| ([0-9.]+|-) \| ' "$T/ratio"; then
		ok "bench_e2e --star-ratio 4 8 runs a round and prints the median"
	else
		not_ok "bench_e2e --star-ratio 4 8 0.01 0.02 failed"
		sed 's/^/    /' "$T/ratio" | head -10
	fi
	if "$E2E" --star-ratio 4 8 0.02 0.01 >"$T/ratio" 2>&1; then
		not_ok "bench_e2e --star-ratio with SHORT > LONG was accepted"
	else
		ok "bench_e2e --star-ratio refuses SHORT > LONG"
	fi
fi

all_cases >"$T/now.txt"
seen=
for name in $(cut -d' ' -f1 "$BASE" | uniq) $(cut -d' ' -f1 "$T/now.txt" | uniq); do
	case " $seen " in *" $name "*) continue ;; esac
	seen="${seen:-} $name"
	grep "^$name " "$BASE" >"$T/a" || true
	grep "^$name " "$T/now.txt" >"$T/b" || true
	if [ ! -s "$T/a" ]; then
		not_ok "$name: not in the baseline (tests/metrics_stable.sh --update)"
	elif [ ! -s "$T/b" ]; then
		not_ok "$name: in the baseline but not run"
	elif cmp -s "$T/a" "$T/b"; then
		ok "$name: $(wc -l <"$T/a") figures as in the baseline"
	else
		not_ok "$name: figures differ from the baseline (- baseline, + now)"
		diff "$T/a" "$T/b" | grep '^[<>]' | sed 's/^</    -/; s/^>/    +/' | head -20
	fi
done
done_testing
