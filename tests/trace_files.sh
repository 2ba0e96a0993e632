#!/bin/sh
# tests/trace_files.sh - the trace file tolerates readers and bad names
# (issue 15, items 4, 6 and 10).
#
#   readers:     netsim show and sqlite3 read the trace in a loop while
#                netsim run writes it: the run never fails, the readers see
#                "in progress", and the trace is complete afterwards.
#   names:       --trace file:other.db is a file of that name, never a URI
#                into other.db; --trace :memory: is refused.
#   --overwrite: the old trace stays until the new one is whole; two
#                --overwrite runs on one path always leave a complete trace.
#
# No check depends on wall-clock time: loops are bounded by a count and end
# when the run's process does.  The run is long enough (1 s of a 20,000
# packet/s flood, a few seconds here) that a netsim show overlaps a commit:
# with a rollback journal that stopped the run ("database is locked").
. "$top_srcdir/tests/lib.sh"

if ! command -v sqlite3 >/dev/null 2>&1; then
	echo "1..0 # SKIP sqlite3 (the command-line tool) is not installed"
	exit 77
fi

sed 's/^title = .*/title = live trace/' "$top_srcdir/tests/udp_flood_lan.ini" >"$T/s.ini"

q() { sqlite3 "$1" "$2" 2>&1; }

# The reference, with no reader.
expect_exit 0 "a run with no reader" -- "$NETSIM" run -q --trace "$T/ref.db" "$T/s.ini"
ref=$(q "$T/ref.db" 'SELECT count(*) FROM skb_events')
# The other checks need a trace, not a long one.
sed 's/^duration = 1s$/duration = 50ms/' "$T/s.ini" >"$T/small.ini"
expect_exit 0 "a small run" -- "$NETSIM" run -q --trace "$T/small.db" "$T/small.ini"
small=$(q "$T/small.db" 'SELECT count(*) FROM skb_events')

# ---- readers while the run writes (item 4) ----
db="$T/live.db"
"$NETSIM" run -q --trace "$db" "$T/s.ini" >"$T/run.out" 2>"$T/run.err" &
pid=$!
# Wait for the trace's run row (bounded: the run may also end or fail
# first).  Between the file's creation and the schema's first commit a
# plain sqlite3 sees an empty database; netsim show waits for the tables.
# (sqlite3 would create a file that is not there yet: first wait for it.)
n=0
while [ ! -e "$db" ] && kill -0 "$pid" 2>/dev/null && [ "$n" -lt 1000000 ]; do n=$((n + 1)); done
while kill -0 "$pid" 2>/dev/null && [ "$n" -lt 1100000 ] &&
	[ "$(sqlite3 "$db" 'SELECT count(*) FROM run' 2>/dev/null)" != 1 ]; do n=$((n + 1)); done
reads=0 live=0 bad=0
while kill -0 "$pid" 2>/dev/null && [ "$reads" -lt 10000 ]; do
	reads=$((reads + 1))
	if "$NETSIM" show "$db" >"$T/show.out" 2>"$T/show.err"; then
		grep -q 'in progress' "$T/show.out" && live=$((live + 1))
	else
		bad=$((bad + 1))
		sed 's/^/    show: /' "$T/show.err" | head -3
	fi
	# two plain sqlite3 readers, as in the issue
	c1=$(sqlite3 "$db" 'SELECT count(*) FROM skb_events' 2>&1) || { bad=$((bad + 1)); echo "    sqlite3: $c1"; }
	c2=$(sqlite3 "$db" 'SELECT finished FROM run' 2>&1) || { bad=$((bad + 1)); echo "    sqlite3: $c2"; }
done
wait "$pid"
rc=$?
expect_eq "$rc" 0 "the run being read exits 0"
# (a sanitizer build's own warnings start with ==)
grep -v '^==' "$T/run.err" >"$T/run.err2"
[ -s "$T/run.err2" ] && not_ok "the run printed errors: $(head -c 300 "$T/run.err2")" || ok "the run printed no error"
expect_eq "$bad" 0 "no read failed ($reads rounds of show + 2 sqlite3)"
[ "$live" -gt 0 ] && ok "netsim show said 'in progress' ($live of $reads reads)" ||
	not_ok "no read saw the run in progress ($reads reads)"
expect_eq "$(q "$db" 'PRAGMA integrity_check')" ok "the read trace is intact"
expect_eq "$(q "$db" 'SELECT finished FROM run')" 1 "the read trace is marked finished"
expect_eq "$(q "$db" 'SELECT count(*) FROM skb_events')" "$ref" "the read trace is complete ($ref skb events)"
expect_exit 0 "netsim show after the run" -- "$NETSIM" show "$db"
expect_grep "$T/out" ' yes ' "netsim show then says finished"
grep -q 'still writing' "$T/err" && not_ok "netsim show says in progress after the run" ||
	ok "netsim show no longer says in progress"

# ---- readers while a packed run writes ----
# A big trace is packed and, once packed, in a rollback journal (trace.c,
# trace_leave_wal_for_packs): a reader's lock can hold a commit back, which
# the writer retries at the next batch.  The run never fails; a reader with
# a busy timeout (netsim show has one, sqlite3 -cmd '.timeout N') never
# fails either.  (NETSIM_TRACE_EXPAND_ROWS=0 packs from the first row.)
expect_exit 0 "a packed run with no reader" -- \
	env NETSIM_TRACE_EXPAND_ROWS=0 "$NETSIM" run -q --trace "$T/pref.db" "$T/s.ini"
pref=$(q "$T/pref.db" 'SELECT sum(n) FROM skb_packs')
db="$T/plive.db"
NETSIM_TRACE_EXPAND_ROWS=0 "$NETSIM" run -q --trace "$db" "$T/s.ini" >"$T/run.out" 2>"$T/run.err" &
pid=$!
n=0
while [ ! -e "$db" ] && kill -0 "$pid" 2>/dev/null && [ "$n" -lt 1000000 ]; do n=$((n + 1)); done
while kill -0 "$pid" 2>/dev/null && [ "$n" -lt 1100000 ] &&
	[ "$(sqlite3 -cmd '.timeout 10000' "$db" 'SELECT count(*) FROM run' 2>/dev/null)" != 1 ]; do n=$((n + 1)); done
reads=0 bad=0
while kill -0 "$pid" 2>/dev/null && [ "$reads" -lt 10000 ]; do
	reads=$((reads + 1))
	"$NETSIM" show "$db" >/dev/null 2>"$T/show.err" || {
		bad=$((bad + 1))
		sed 's/^/    show: /' "$T/show.err" | head -3
	}
	c1=$(sqlite3 -cmd '.timeout 10000' "$db" 'SELECT count(*), sum(n) FROM skb_packs' 2>&1) ||
		{ bad=$((bad + 1)); echo "    sqlite3: $c1"; }
done
wait "$pid"
expect_eq "$?" 0 "the packed run being read exits 0"
# Under load a reader can hold a commit for the 5 s after which the writer
# says why it waits (trace.c, trace_commit_txn): a notice, not an error.
grep -v -e '^==' -e 'waiting for a reader to end its transaction' "$T/run.err" >"$T/run.err2"
[ -s "$T/run.err2" ] && not_ok "the packed run printed errors: $(head -c 300 "$T/run.err2")" ||
	ok "the packed run printed no error"
expect_eq "$bad" 0 "no read with a busy timeout failed ($reads rounds of show + sqlite3)"
expect_eq "$(q "$db" 'PRAGMA integrity_check')" ok "the read packed trace is intact"
expect_eq "$(q "$db" 'SELECT finished FROM run')" 1 "the read packed trace is marked finished"
expect_eq "$(q "$db" 'SELECT sum(n) FROM skb_packs')" "$pref" "the read packed trace is complete ($pref skb events)"
expect_eq "$(ls "$T" | grep -c 'plive.db[.-]')" 0 "no journal file is left"

# ---- plain file names only (item 6) ----
sqlite3 "$T/other.db" 'CREATE TABLE mine (x); INSERT INTO mine VALUES (42);'
before=$(cksum <"$T/other.db")
(cd "$T" && "$NETSIM" run -q --trace file:other.db small.ini) >"$T/out" 2>"$T/err"
expect_eq "$?" 0 "--trace file:other.db runs"
expect_eq "$(cksum <"$T/other.db")" "$before" "other.db is untouched by --trace file:other.db"
expect_eq "$(q "$T/file:other.db" 'SELECT finished FROM run')" 1 "the trace is the file named file:other.db"
expect_exit 0 "netsim show file:other.db reads that file" -- sh -c 'cd "$1" && "$2" show file:other.db' sh "$T" "$NETSIM"
expect_exit 2 "--trace :memory: is refused" -- "$NETSIM" run -q --trace :memory: "$T/small.ini"
expect_grep "$T/err" ':memory:' "the refusal names :memory:"
(cd "$T" && "$NETSIM" run -q --trace ./:memory: small.ini) >/dev/null 2>&1
expect_eq "$(q "$T/:memory:" 'SELECT finished FROM run')" 1 "--trace ./:memory: is a file of that name"

# ---- --overwrite replaces only with a whole trace (item 10) ----
db="$T/ow.db"
cp "$T/small.db" "$db"
# A write failure (file size limit) during an --overwrite run keeps the old trace.
if command -v bash >/dev/null 2>&1; then
	expect_exit 2 "an --overwrite run that cannot write its trace" -- \
		bash -c 'ulimit -f 64; exec "$@"' sh "$NETSIM" run -q --trace "$db" --overwrite "$T/small.ini"
	expect_eq "$(q "$db" 'SELECT count(*) FROM skb_events')" "$small" "the old trace is kept, whole"
	expect_eq "$(ls "$T" | grep -c 'ow.db.tmp')" 0 "the failed new trace is removed"
fi
# A scenario that does not build keeps the old trace too.
printf '[scenario]\nduration = 1ms\n[bogus]\n' >"$T/bad.ini"
expect_exit 2 "an --overwrite run whose scenario is bad" -- "$NETSIM" run -q --trace "$db" --overwrite "$T/bad.ini"
expect_eq "$(q "$db" 'SELECT count(*) FROM skb_events')" "$small" "a bad scenario keeps the old trace"
# Two --overwrite runs at once on one path: one of them wins, whole.
"$NETSIM" run -q --trace "$db" --overwrite "$T/small.ini" >/dev/null 2>"$T/e1" &
p1=$!
"$NETSIM" run -q --trace "$db" --overwrite "$T/small.ini" >/dev/null 2>"$T/e2" &
p2=$!
wait "$p1"
r1=$?
wait "$p2"
r2=$?
expect_eq "$r1.$r2" 0.0 "two --overwrite runs at once both succeed"
expect_eq "$(q "$db" 'SELECT finished FROM run')" 1 "the trace they leave is finished"
expect_eq "$(q "$db" 'PRAGMA integrity_check')" ok "the trace they leave is intact"
expect_eq "$(q "$db" 'SELECT count(*) FROM skb_events')" "$small" "the trace they leave is complete"
expect_eq "$(ls "$T" | grep -c 'ow.db[.-]')" 0 "no temporary or journal file is left"

# ---- a damaged trace is an error, never "no rows" (item 5) ----
# Pages are zeroed as a bad disk would: the index that finds an skb's rows,
# then the table pages themselves.  dbstat (compiled into Debian's sqlite3)
# says which pages belong to which b-tree.
zero_pages() { # DB NAME PAGETYPE: zeroes NAME's pages of that type
	ps=$(q "$1" 'PRAGMA page_size')
	for p in $(q "$1" "SELECT pageno FROM dbstat WHERE name = '$2' AND pagetype = '$3'"); do
		dd if=/dev/zero of="$1" bs="$ps" seek=$((p - 1)) count=1 conv=notrunc 2>/dev/null
	done
}
if [ "$(q "$T/small.db" 'SELECT count(*) > 0 FROM dbstat')" = 1 ]; then
	skb=$(q "$T/small.db" 'SELECT skb FROM skb_events ORDER BY skb LIMIT 1 OFFSET 553')
	cp "$T/small.db" "$T/idx.db"
	zero_pages "$T/idx.db" skb_events_by_skb leaf
	expect_exit 2 "show --skb $skb with the skb index zeroed" -- "$NETSIM" show "$T/idx.db" --skb "$skb"
	expect_grep "$T/err" '^netsim show: the trace is damaged: .*quick_check' "it says the trace is damaged"
	[ -s "$T/out" ] && not_ok "it printed a table from a damaged trace" || ok "it printed no table"
	expect_exit 2 "draw path --skb $skb with the skb index zeroed" -- \
		"$NETSIM" draw "$T/idx.db" path --skb "$skb" -o "$T/idx.svg"
	expect_grep "$T/err" '^netsim draw: the trace is damaged' "draw says the trace is damaged"
	[ -e "$T/idx.svg" ] && not_ok "draw left a picture of a damaged trace" || ok "draw left no picture"
	cp "$T/small.db" "$T/tab.db"
	zero_pages "$T/tab.db" skb_rows leaf # the table under the view skb_events
	expect_exit 2 "show (summary) with the skb_events pages zeroed" -- "$NETSIM" show "$T/tab.db"
	expect_grep "$T/err" 'the trace is damaged' "the summary says the trace is damaged"
	expect_exit 2 "show --skb $skb with the skb_events pages zeroed" -- "$NETSIM" show "$T/tab.db" --skb "$skb"
	expect_grep "$T/err" 'the trace is damaged' "show --skb says the trace is damaged, not 'no skb'"
	head -c 8192 "$T/small.db" >"$T/cut.db"
	expect_exit 2 "show of a trace cut after its first page" -- "$NETSIM" show "$T/cut.db" --skb 1
	expect_grep "$T/err" 'the trace is damaged' "a cut trace is damaged"
else
	echo "# sqlite3 has no dbstat table: damaged-page checks skipped"
fi

done_testing
