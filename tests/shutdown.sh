#!/bin/sh
# tests/shutdown.sh - a trace is never lost, and never looks complete when
# it is not.
#
#   SIGINT, SIGTERM: the run stops at the next slice, commits, marks the run
#                    unfinished (run.finished = 0) and exits 130.
#   SIGKILL:         the database still opens and passes integrity_check,
#                    with finished = 0 and the rows flushed before the kill
#                    (they are in the -wal file beside it, which the next
#                    opener applies; once packed, in the file itself, and a
#                    hot -journal is rolled back); netsim show says "killed
#                    or failed".
#   a full disk:     (ulimit -f) exit 2, one clear error line, no database
#                    marked finished; netsim is not killed by SIGXFSZ.
#   an unwritable path: exit 2.
#
# The signals come from netsim itself (the hidden option
# --raise-after-events N:SIG), after a fixed number of events: no test here
# depends on wall-clock time.
. "$top_srcdir/tests/lib.sh"

if ! command -v sqlite3 >/dev/null 2>&1; then
	echo "1..0 # SKIP sqlite3 (the command-line tool) is not installed"
	exit 77
fi

# A UDP flood for 100ms of virtual time: events from the first slice on.
sed -e 's/^title = .*/title = shutdown/' -e 's/^duration = 1s$/duration = 100ms/' \
	"$top_srcdir/tests/udp_flood_lan.ini" >"$T/s.ini"

q() { sqlite3 "$1" "$2" 2>&1; }

# The reference: an uninterrupted run is marked finished.
expect_exit 0 "an uninterrupted run" -- "$NETSIM" run -q --trace "$T/full.db" "$T/s.ini"
expect_eq "$(q "$T/full.db" 'SELECT finished FROM run')" 1 "an uninterrupted run is marked finished"

for sig in 2:SIGINT 15:SIGTERM; do
	n=${sig%%:*}
	name=${sig#*:}
	db="$T/$name.db"
	expect_exit 130 "$name stops the run" -- \
		"$NETSIM" run -q --trace "$db" --raise-after-events "1:$n" "$T/s.ini"
	expect_grep "$T/err" 'interrupted' "$name: says it was interrupted"
	expect_eq "$(q "$db" 'PRAGMA integrity_check')" ok "$name: the database is intact"
	expect_eq "$(q "$db" 'SELECT finished FROM run')" 0 "$name: the run is marked unfinished"
	rows=$(q "$db" 'SELECT count(*) FROM skb_events')
	[ "${rows:-0}" -gt 0 ] 2>/dev/null && ok "$name: the rows so far are kept ($rows)" ||
		not_ok "$name: no skb_events kept ($rows)"
	dur=$(q "$db" 'SELECT duration_ns FROM run')
	[ "${dur:-0}" -lt 100000000 ] 2>/dev/null && ok "$name: stopped before the end ($dur ns)" ||
		not_ok "$name: ran to the end ($dur ns)"
done

db="$T/SIGKILL.db"
expect_exit 137 "SIGKILL kills the run" -- \
	"$NETSIM" run -q --trace "$db" --raise-after-events 1:9 "$T/s.ini"
# The trace is in WAL mode while the run writes it: the committed batches
# are in SIGKILL.db-wal, which the next opener applies.  The main file alone
# (copied without its -wal) must not look like a finished trace either.
[ -s "$db-wal" ] && ok "SIGKILL: the committed batches are in the -wal file" ||
	not_ok "SIGKILL: no -wal file beside the killed trace"
cp "$db" "$T/alone.db"
f=$(q "$T/alone.db" 'SELECT finished FROM run')
[ "$f" != 1 ] && ok "SIGKILL: the main file without its -wal does not look finished ($f)" ||
	not_ok "SIGKILL: the main file alone says finished"
expect_exit 0 "SIGKILL: netsim show reads the killed trace" -- "$NETSIM" show "$db"
expect_grep "$T/out" 'killed or failed' "SIGKILL: netsim show says the run did not finish"
expect_eq "$(q "$db" 'PRAGMA integrity_check')" ok "SIGKILL: the database is intact"
expect_eq "$(q "$db" 'SELECT finished FROM run')" 0 "SIGKILL: the run is marked unfinished"
rows=$(q "$db" 'SELECT count(*) FROM skb_events')
[ "${rows:-0}" -gt 0 ] 2>/dev/null && ok "SIGKILL: the rows flushed before the kill are kept ($rows)" ||
	not_ok "SIGKILL: no skb_events kept ($rows)"

# A packed trace (a big run's; NETSIM_TRACE_EXPAND_ROWS=0 packs from the
# first row) leaves WAL for a rollback journal at its first commit: killed
# after a commit, or in the middle of one (a hot -journal, which the next
# opener rolls back), it keeps every committed batch and stays unfinished.
db="$T/SIGKILL-packed.db"
expect_exit 137 "SIGKILL kills a packed run" -- \
	env NETSIM_TRACE_EXPAND_ROWS=0 "$NETSIM" run -q --trace "$db" --raise-after-events 1:9 "$T/s.ini"
[ -e "$db-wal" ] && not_ok "SIGKILL, packed: a -wal file is left (still in WAL mode)" ||
	ok "SIGKILL, packed: no -wal file (the trace was in a rollback journal)"
expect_eq "$(q "$db" 'PRAGMA integrity_check')" ok "SIGKILL, packed: the database is intact"
expect_eq "$(q "$db" 'SELECT finished FROM run')" 0 "SIGKILL, packed: the run is marked unfinished"
rows=$(q "$db" 'SELECT sum(n) FROM skb_packs')
[ "${rows:-0}" -gt 0 ] 2>/dev/null && ok "SIGKILL, packed: the packs committed before the kill are kept ($rows rows)" ||
	not_ok "SIGKILL, packed: no packs kept ($rows)"
# Killed from outside while it writes: when the file passes 2 MB (commits
# are under way; bounded by a count of polls, not by time).
sed 's/^duration = 100ms$/duration = 1s/' "$T/s.ini" >"$T/long.ini"
db="$T/SIGKILL-packed-mid.db"
NETSIM_TRACE_EXPAND_ROWS=0 "$NETSIM" run -q --trace "$db" "$T/long.ini" >/dev/null 2>&1 &
pid=$!
n=0
while kill -0 "$pid" 2>/dev/null && [ "$(wc -c 2>/dev/null <"$db" || echo 0)" -lt 2000000 ] &&
	[ "$n" -lt 1000000 ]; do n=$((n + 1)); done
kill -9 "$pid" 2>/dev/null
wait "$pid"
rc=$?
if [ "$rc" = 137 ]; then
	expect_eq "$(q "$db" 'PRAGMA integrity_check')" ok "SIGKILL while writing, packed: the database is intact"
	expect_eq "$(q "$db" 'SELECT finished FROM run')" 0 "SIGKILL while writing, packed: the run is marked unfinished"
else
	ok "SIGKILL while writing, packed: intact # SKIP the run ended first ($rc)"
	ok "SIGKILL while writing, packed: unfinished # SKIP the run ended first"
fi

# A full disk: the file size limit is reached while the run writes its trace
# (LIMIT KiB, after the schema), or before the schema is complete (16 KiB).
if command -v bash >/dev/null 2>&1; then
	size=$(wc -c <"$T/full.db")
	for limit in $((size / 2048)) 16; do
		db="$T/full-$limit.db"
		# bash's ulimit -f counts KiB.  SIGXFSZ keeps its default action:
		# netsim must not die of it (exit 153).
		expect_exit 2 "full disk at ${limit}KiB: exit 2" -- \
			bash -c 'ulimit -f "$1"; shift; exec "$@"' sh "$limit" \
			"$NETSIM" run -q --trace "$db" "$T/s.ini"
		grep -q 'File size limit exceeded' "$T/err" &&
			echo "#   netsim was killed by SIGXFSZ: main() must ignore it (signal(SIGXFSZ, SIG_IGN)) so that write() fails with EFBIG"
		expect_grep "$T/err" "^netsim: .*$db" "full disk at ${limit}KiB: one error line naming the trace"
		if [ -f "$db" ]; then
			f=$(q "$db" 'SELECT finished FROM run')
			[ "$f" != 1 ] && ok "full disk at ${limit}KiB: the database is not marked finished ($f)" ||
				not_ok "full disk at ${limit}KiB: a truncated database is marked finished"
		else
			ok "full disk at ${limit}KiB: no database left behind"
		fi
	done
else
	echo "# bash not found: full-disk checks skipped"
fi

# Unwritable paths.
: >"$T/plainfile"
expect_exit 2 "a trace under a regular file" -- "$NETSIM" run -q --trace "$T/plainfile/x.db" "$T/s.ini"
expect_grep "$T/err" '^netsim: ' "the error is one line"
expect_exit 2 "a trace in a missing directory" -- "$NETSIM" run -q --trace "$T/no/such/dir/x.db" "$T/s.ini"
expect_exit 2 "a trace that is a directory" -- "$NETSIM" run -q --trace "$T" --overwrite "$T/s.ini"

done_testing
