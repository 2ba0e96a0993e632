#!/bin/sh
# tests/determinism.sh - the same scenario with the same seed gives the same
# trace; a different seed gives a different one where randomness matters.
#
# Each run writes a full trace; every table's rows, sorted by all columns,
# are hashed (sqlite3 | sha256sum).  Only the wall-clock columns of run
# (started_at, finished_at) are left out.  The scenarios: a lossy one of
# our own (a UDP flood over a lossy link: which frames are lost is drawn
# from the seed), and every lecture scenario.  A sweep of the lossy
# scenario must give the same table and database with -j 1 and -j 3.
. "$top_srcdir/tests/lib.sh"

if ! command -v sqlite3 >/dev/null 2>&1; then
	echo "1..0 # SKIP sqlite3 (the command-line tool) is not installed"
	exit 77
fi

# "TABLE HASH" for every table of the database $1, sorted by name.  The
# views (skb_events, cpu_busy, ...: trace/schema.sql) are left out: a view
# is a query of these tables, so equal tables give equal views, and sorting
# a big one by every column was most of this test's time (skb_events of
# rps-single-queue: 18 s of 36).
trace_hashes() {
	local t cols ncols order h
	for t in $(sqlite3 "$1" "SELECT name FROM sqlite_master WHERE type = 'table'
			AND name NOT LIKE 'sqlite_%' ORDER BY name"); do
		if [ "$t" = run ]; then
			cols=$(sqlite3 "$1" "SELECT group_concat(name, ', ') FROM pragma_table_info('run')
				WHERE name NOT IN ('started_at', 'finished_at')")
		else
			cols='*'
		fi
		ncols=$(sqlite3 "$1" "SELECT count(*) FROM pragma_table_info('$t')")
		[ "$t" = run ] && ncols=$((ncols - 2))
		order=$(seq -s, 1 "$ncols")
		h=$(sqlite3 "$1" "SELECT $cols FROM \"$t\" ORDER BY $order" | sha256sum | cut -c1-16)
		echo "$t $h"
	done
}

# run NAME SCENARIO [ARGS...]: a full trace in $T/NAME.db, hashes in $T/NAME.hash.
run() {
	local name=$1
	shift
	expect_exit 0 "run $name" -- "$NETSIM" run -q --trace-level full --trace "$T/$name.db" "$@"
	trace_hashes "$T/$name.db" >"$T/$name.hash"
}

# A lossy scenario: a UDP flood over a link that loses 30% of its frames.
cat >"$T/lossy.ini" <<'INI'
[scenario]
title = UDP over a lossy link
duration = 20ms
seed = 1

[link lan]
loss = 0.3

[host alice]
# ARP retries quickly, so a lost request does not silence the flood.
retrans_time = 1ms
mcast_solicit = 100
eth0.link = lan
eth0.address = 10.0.0.1/24

[host bob]
eth0.link = lan
eth0.address = 10.0.0.2/24

[app sink]
host = bob
program = udp_sink
port = 9000

[app flood]
host = alice
program = udp_flood
start = 1ms
dst = 10.0.0.2
port = 9000
rate = 10000
size = 100
INI

run lossy-a "$T/lossy.ini"
run lossy-b "$T/lossy.ini"
if cmp -s "$T/lossy-a.hash" "$T/lossy-b.hash"; then
	ok "lossy: same seed, same trace ($(wc -l <"$T/lossy-a.hash") tables)"
else
	not_ok "lossy: same seed, different traces"
	diff "$T/lossy-a.hash" "$T/lossy-b.hash" | sed 's/^/    /'
fi
rows=$(sqlite3 "$T/lossy-a.db" "SELECT count(*) FROM skb_events")
[ "${rows:-0}" -gt 0 ] && ok "lossy: the trace has skb events ($rows)" ||
	not_ok "lossy: no skb events: nothing was compared"

run lossy-seed2 "$T/lossy.ini" --set scenario.seed=2
# skb_events of database $1, sorted by every column, hashed.
events_hash() {
	local n
	n=$(sqlite3 "$1" "SELECT count(*) FROM pragma_table_info('skb_events')")
	sqlite3 "$1" "SELECT * FROM skb_events ORDER BY $(seq -s, 1 "$n")" | sha256sum | cut -c1-16
}
a=$(events_hash "$T/lossy-a.db")
b=$(events_hash "$T/lossy-seed2.db")
[ -n "$a" ] && [ -n "$b" ] && [ "$a" != "$b" ] && ok "lossy: another seed loses other frames (skb_events differ)" ||
	not_ok "lossy: seeds 1 and 2 gave the same skb_events"

# A sweep gives the same table whatever the number of runs at a time:
# three rates x two seeds, with -j 1 and with -j 3.
if "$NETSIM" sweep --help >/dev/null 2>&1; then
	for j in 1 3; do
		expect_exit 0 "sweep -j $j" -- "$NETSIM" sweep -q --no-plot -j "$j" -o "$T/sweep-j$j" \
			-V app.flood.rate=2000,10000,40000 -n 2 "$T/lossy.ini"
		sort "$T/sweep-j$j/sweep.csv" | sha256sum >"$T/sweep-j$j.hash"
		trace_hashes "$T/sweep-j$j/sweep.db" >>"$T/sweep-j$j.hash"
	done
	lines=$(wc -l <"$T/sweep-j1/sweep.csv" 2>/dev/null)
	[ "${lines:-0}" -eq 7 ] && ok "sweep: a header and six runs" || not_ok "sweep: $lines lines, expected 7"
	if cmp -s "$T/sweep-j1.hash" "$T/sweep-j3.hash"; then
		ok "sweep: -j 1 and -j 3 give the same table and database"
	else
		not_ok "sweep: -j 1 and -j 3 differ"
		diff "$T/sweep-j1.hash" "$T/sweep-j3.hash" | sed 's/^/    /'
	fi
	a=$(awk -F, 'NR > 1 && $2 == 1' "$T/sweep-j1/sweep.csv" | sha256sum)
	b=$(awk -F, 'NR > 1 && $2 == 2' "$T/sweep-j1/sweep.csv" | sed 's/^\([^,]*\),2,/\1,1,/' | sha256sum)
	[ "$a" != "$b" ] && ok "sweep: seeds 1 and 2 give different figures" ||
		not_ok "sweep: seeds 1 and 2 give the same figures"
else
	echo "# netsim sweep is not available: -j checks skipped"
fi

# Every lecture scenario, twice with its own seed.
for f in "$top_srcdir"/scenarios/lectures/*.ini; do
	[ -f "$f" ] || continue
	lec=$(basename "$f" .ini)
	run "$lec-a" "$f"
	run "$lec-b" "$f"
	if cmp -s "$T/$lec-a.hash" "$T/$lec-b.hash"; then
		ok "$lec: same seed, same trace"
	else
		not_ok "$lec: same seed, different traces"
		diff "$T/$lec-a.hash" "$T/$lec-b.hash" | sed 's/^/    /'
	fi
done

done_testing
