#!/bin/sh
# tests/trace_packed.sh - a packed trace reads as the plain one (issue 12).
#
# A full trace is written packed (skb_packs, cpu_packs: many rows to a JSON
# text, trace/trace_pack.c) once it has more than NETSIM_TRACE_EXPAND_ROWS
# skb_events rows; below that its rows go into the plain tables.  With the limit at 0 the
# trace stays packed: for every lecture and network scenario the packed
# trace and the plain one must give the same skb_events and cpu_busy rows
# in the same order, with the same columns and declared types, the replay
# checker must pass on both, and netsim show must print the same; so must
# packets (packed too since schema 11, the first row of an skb winning).  Then:
# `netsim trace expand` gives the plain trace's schema and rows; the views
# stay editable on a packed trace; a failed expand leaves the file as it
# was; a trace a run still writes is not expanded; same seed, same packs.
. "$top_srcdir/tests/lib.sh"

if ! command -v sqlite3 >/dev/null 2>&1; then
	echo "1..0 # SKIP sqlite3 (the command-line tool) is not installed"
	exit 77
fi

q() { sqlite3 "$1" "$2" 2>&1; }
# dump DB: what a reader sees of the two views, in order
dump() {
	sqlite3 "$1" "SELECT * FROM skb_events ORDER BY seq; SELECT '--';
		SELECT * FROM cpu_busy; SELECT '--';
		SELECT * FROM cpu_busy ORDER BY host, start_ns, end_ns, ctx, name; SELECT '--';
		SELECT name, type FROM pragma_table_info('skb_events'); SELECT '--';
		SELECT name, type FROM pragma_table_info('cpu_busy'); SELECT '--';
		SELECT * FROM packets; SELECT '--';
		SELECT name, type FROM pragma_table_info('packets')" 2>&1
}

for sc in "$top_srcdir"/scenarios/lectures/*.ini "$top_srcdir"/scenarios/network/*.ini; do
	name=$(basename "$(dirname "$sc")")-$(basename "$sc" .ini)
	"$NETSIM" run "$sc" -q --trace "$T/$name.plain.db" --trace-level full >/dev/null 2>&1
	# Reading a packed trace costs about 10 us a row (SQLite's JSON
	# functions): the three lectures of more than 100,000 rows (up to 2.4
	# million) would take minutes here.  tests/trace_replay.sh replays them.
	rows=$(q "$T/$name.plain.db" 'SELECT count(*) FROM skb_events')
	if [ "$rows" -gt 100000 ] 2>/dev/null; then
		echo "# $name: $rows rows, not compared packed"
		continue
	fi
	NETSIM_TRACE_EXPAND_ROWS=0 "$NETSIM" run "$sc" -q --trace "$T/$name.packed.db" \
		--trace-level full >/dev/null 2>&1
	packs=$(q "$T/$name.packed.db" 'SELECT count(*) FROM skb_packs')
	plain=$(q "$T/$name.plain.db" 'SELECT count(*) FROM skb_packs')
	if [ "$packs" -gt 0 ] 2>/dev/null && [ "$plain" = 0 ]; then
		ok "$name: written packed with the limit at 0, plain by default"
	else
		not_ok "$name: $packs packs with the limit at 0, $plain by default"
	fi
	dump "$T/$name.plain.db" >"$T/plain.txt"
	dump "$T/$name.packed.db" >"$T/packed.txt"
	if [ -s "$T/plain.txt" ] && cmp -s "$T/plain.txt" "$T/packed.txt"; then
		ok "$name: skb_events, cpu_busy and packets read the same packed and plain"
	else
		not_ok "$name: the packed trace reads differently"
		diff "$T/plain.txt" "$T/packed.txt" | head -5 | sed 's/^/    /'
	fi
	expect_exit 0 "$name: the packed trace replays" -- "$NETSIM" check-trace "$T/$name.packed.db"
done

# A run that outgrows the limit: its first rows were written plain while it
# was below (trace_pack.c pack_write), the rest packed; the views read both.
sc="$top_srcdir/scenarios/lectures/tcp-loss-and-fast-retransmit.ini"
NETSIM_TRACE_EXPAND_ROWS=1500 "$NETSIM" run "$sc" -q --trace "$T/mixed.db" --trace-level full \
	>/dev/null 2>&1
mixed=$(q "$T/mixed.db" 'SELECT (SELECT count(*) FROM skb_rows) > 0, (SELECT count(*) FROM skb_packs) > 0')
expect_eq "$mixed" "1|1" "a trace past the limit has its first rows plain and the rest packed"
dump "$T/mixed.db" >"$T/mixed.txt"
dump "$T/lectures-tcp-loss-and-fast-retransmit.plain.db" >"$T/plain.txt"
if [ -s "$T/plain.txt" ] && cmp -s "$T/plain.txt" "$T/mixed.txt"; then
	ok "the half-plain, half-packed trace reads as the plain one"
else
	not_ok "the half-plain, half-packed trace reads differently"
fi
expect_exit 0 "the half-plain trace replays" -- "$NETSIM" check-trace "$T/mixed.db"

# A run on course to pass the limit is packed from early on (trace_pack.c
# project_rows: the rows so far, at their rate so far, reach the limit by the
# scenario's duration), not after its first NETSIM_TRACE_EXPAND_ROWS rows;
# one that ends below the limit after all is expanded at close.  This lecture
# makes 12,906 rows in 1 s, most of them early.
sc="$top_srcdir/scenarios/lectures/tcp-loss-recovery-compared.ini"
base="$T/lectures-tcp-loss-recovery-compared.plain.db"
dump "$base" >"$T/plain.txt"
NETSIM_TRACE_EXPAND_ROWS=12000 "$NETSIM" run "$sc" -q --trace "$T/early.db" --trace-level full \
	>/dev/null 2>&1
early=$(q "$T/early.db" 'SELECT (SELECT count(*) FROM skb_rows) < 6000, (SELECT count(*) FROM skb_packs) > 0')
expect_eq "$early" "1|1" "a run on course to pass the limit is packed long before it"
dump "$T/early.db" >"$T/early.txt"
cmp -s "$T/plain.txt" "$T/early.txt" && ok "the early-packed trace reads as the plain one" ||
	not_ok "the early-packed trace reads differently"
NETSIM_TRACE_EXPAND_ROWS=13000 "$NETSIM" run "$sc" -q --trace "$T/below.db" --trace-level full \
	>/dev/null 2>&1
expect_eq "$(q "$T/below.db" 'SELECT count(*) FROM skb_packs; SELECT count(*) FROM cpu_packs')" \
	"$(printf '0\n0')" "a run packed early that ends below the limit is expanded at close"
dump "$T/below.db" >"$T/below.txt"
cmp -s "$T/plain.txt" "$T/below.txt" && ok "the expanded trace reads as the plain one" ||
	not_ok "the expanded trace reads differently"
schema='SELECT type, name, sql FROM sqlite_master ORDER BY name'
expect_eq "$(q "$T/below.db" "$schema" | cksum)" "$(q "$base" "$schema" | cksum)" \
	"it has the plain trace's schema (views, triggers, indexes)"

# A run on course to pass four times the limit is packed from 1/1000 of its
# length on (trace_pack.c PROJECT_SOON_AFTER), not from 1/100: 2,000
# datagrams at 100,000 a second make about 4,900 rows a millisecond of a
# 1.1 s run, so by 1.1 ms (about 6,500 rows) the projection is far past
# 4 x 20,000; under the 1/100 rule the first 20,000 rows were plain.
NETSIM_TRACE_EXPAND_ROWS=20000 "$NETSIM" run "$top_srcdir/bench/udp-flood.ini" -q \
	--set app.flood.count=2000 --set scenario.duration=1100ms \
	--set expect.app.sink.rx_msgs=2000 --trace "$T/soon.db" --trace-level full >/dev/null 2>&1
soon=$(q "$T/soon.db" 'SELECT (SELECT count(*) FROM skb_rows) BETWEEN 1 AND 10000, (SELECT count(*) FROM skb_packs) > 0')
expect_eq "$soon" "1|1" "a run on course to pass four times the limit is packed from its first thousandth"
expect_exit 0 "the trace packed from its first thousandth replays" -- "$NETSIM" check-trace "$T/soon.db"

# netsim show reads both alike: the run, one skb, one packet's copies.
for name in lectures-path-of-a-packet lectures-tcp-handshake-and-teardown network-udp-fragments; do
	skb=$(q "$T/$name.plain.db" "SELECT skb FROM skb_events WHERE copy_kind = 'user_to_skb' LIMIT 1")
	for how in "" "--skb $skb"; do
		# shellcheck disable=SC2086 # $how is two words or none
		"$NETSIM" show "$T/$name.plain.db" $how >"$T/a.txt" 2>&1
		# shellcheck disable=SC2086
		"$NETSIM" show "$T/$name.packed.db" $how >"$T/b.txt" 2>&1
		if [ -s "$T/a.txt" ] && cmp -s "$T/a.txt" "$T/b.txt"; then
			ok "$name: netsim show $how prints the same from the packed trace"
		else
			not_ok "$name: netsim show $how differs on the packed trace"
			diff "$T/a.txt" "$T/b.txt" | head -5 | sed 's/^/    /'
		fi
	done
done
for db in plain packed; do
	"$NETSIM" show "$T/lectures-tcp-handshake-and-teardown.$db.db" \
		--flow 'tcp:10.0.0.1:*-10.0.0.2:80' --nth 1 >"$T/flow.$db" 2>&1
done
expect_grep "$T/flow.packed" "data copies along the way: 4 \(CPU 2: .*; DMA 2: " \
	"a TCP segment's lineage on the packed trace: 2 CPU and 2 DMA copies"
cmp -s "$T/flow.plain" "$T/flow.packed" && ok "show --flow prints the same from both" ||
	not_ok "show --flow differs on the packed trace"

# Same seed, same packs.
NETSIM_TRACE_EXPAND_ROWS=0 "$NETSIM" run "$top_srcdir/scenarios/lectures/path-of-a-packet.ini" -q \
	--trace "$T/again.db" --trace-level full >/dev/null 2>&1
a=$(q "$T/lectures-path-of-a-packet.packed.db" 'SELECT * FROM skb_packs; SELECT * FROM cpu_packs' | cksum)
b=$(q "$T/again.db" 'SELECT * FROM skb_packs; SELECT * FROM cpu_packs' | cksum)
expect_eq "$b" "$a" "the same scenario and seed write the same packs"

# netsim trace expand: the plain trace's schema and rows.
db=$T/lectures-tcp-handshake-and-teardown
cp "$db.packed.db" "$T/x.db"
expect_exit 0 "netsim trace expand of a packed trace" -- "$NETSIM" trace expand "$T/x.db"
expect_grep "$T/out" "expanded" "it says it expanded it"
expect_eq "$(q "$T/x.db" 'SELECT count(*) FROM skb_packs') $(q "$T/x.db" 'PRAGMA integrity_check')" \
	"0 ok" "the expanded trace has no packs left and passes integrity_check"
schema='SELECT type, name, sql FROM sqlite_master ORDER BY name'
expect_eq "$(q "$T/x.db" "$schema" | cksum)" "$(q "$db.plain.db" "$schema" | cksum)" \
	"the expanded trace has the schema a plain trace has (views, triggers, indexes)"
expect_eq "$(dump "$T/x.db" | cksum)" "$(dump "$db.plain.db" | cksum)" \
	"the expanded trace reads as the plain one"
ls "$T"/x.db?* >/dev/null 2>&1 && not_ok "expand left a file beside the trace" ||
	ok "expand left no file beside the trace"
expect_exit 0 "expanding a plain trace is a no-op" -- "$NETSIM" trace expand "$T/x.db"
expect_grep "$T/out" "not packed" "it says there was nothing to do"

# The views stay editable on a packed trace: the same edits give the same rows.
edit="DELETE FROM skb_events WHERE seq = 700;
	UPDATE skb_events SET len = 12345 WHERE seq = 30;
	INSERT INTO skb_events (time_ns, host, ctx, skb, op, layer) VALUES (1, 1, 'task', 999999, 'free', 'udp');
	DELETE FROM cpu_busy WHERE (host, start_ns) IN
		(SELECT host, start_ns FROM cpu_busy ORDER BY host, start_ns LIMIT 1 OFFSET 5);"
for f in plain packed; do
	cp "$db.$f.db" "$T/edit.$f.db"
	q "$T/edit.$f.db" "$edit" >"$T/edit.$f.err"
	[ -s "$T/edit.$f.err" ] && sed 's/^/    /' "$T/edit.$f.err"
done
expect_eq "$(dump "$T/edit.packed.db" | cksum)" "$(dump "$T/edit.plain.db" | cksum)" \
	"DELETE, UPDATE and INSERT through the views change a packed trace as a plain one"
expect_eq "$(q "$T/edit.packed.db" 'SELECT count(*), max(seq) FROM skb_events WHERE skb = 999999')" \
	"$(q "$T/edit.plain.db" 'SELECT count(*), max(seq) FROM skb_events WHERE skb = 999999')" \
	"a row inserted without a seq gets the next one in both"

# A failed expand leaves the packed trace as it was: a pack that is not JSON.
cp "$db.packed.db" "$T/bad.db"
q "$T/bad.db" "UPDATE skb_packs SET rows = '[[1,2' WHERE seq0 = (SELECT max(seq0) FROM skb_packs)" >/dev/null
cp "$T/bad.db" "$T/bad.before"
expect_exit 2 "netsim trace expand of a trace with a broken pack fails" -- "$NETSIM" trace expand "$T/bad.db"
expect_grep "$T/err" "expanding the packs failed" "it says expanding failed"
cmp -s "$T/bad.db" "$T/bad.before" && ok "the failed expand left the trace byte for byte as it was" ||
	not_ok "the failed expand changed the trace"
ls "$T"/bad.db?* >/dev/null 2>&1 && not_ok "the failed expand left a file beside the trace" ||
	ok "the failed expand left no temporary file"

# A trace a run is still writing (it holds flock LOCK_EX) is not expanded.
cp "$db.packed.db" "$T/busy.db"
expect_exit 2 "netsim trace expand of a trace a run holds" -- \
	flock -x "$T/busy.db" "$NETSIM" trace expand "$T/busy.db"
expect_grep "$T/err" "still writing" "it says a run is writing it"

# Schema 9: a pack row is a string, one character a value; a row whose
# values do not fit is an array, as schema 8 wrote every row (and a
# schema 8 trace still has).  Packs mixing both read and expand alike.
db=$T/lectures-tcp-handshake-and-teardown
expect_eq "$(q "$db.packed.db" "SELECT DISTINCT j.type FROM skb_packs p, json_each(p.rows) j")" \
	"text" "the packed trace's rows are strings"
NETSIM_TRACE_PACK_ARRAYS=3 NETSIM_TRACE_EXPAND_ROWS=0 "$NETSIM" run \
	"$top_srcdir/scenarios/lectures/tcp-handshake-and-teardown.ini" -q \
	--trace "$T/mixed3.db" --trace-level full >/dev/null 2>&1
expect_eq "$(q "$T/mixed3.db" "SELECT group_concat(t) FROM (SELECT DISTINCT j.type AS t
	FROM skb_packs p, json_each(p.rows) j UNION SELECT DISTINCT 'cpu ' || j.type
	FROM cpu_packs p, json_each(p.rows) j ORDER BY 1)")" "array,cpu array,cpu text,text" \
	"NETSIM_TRACE_PACK_ARRAYS=3 writes packs of array and string rows"
expect_eq "$(q "$T/mixed3.db" "SELECT group_concat(t) FROM (SELECT DISTINCT j.type AS t
	FROM packet_packs p, json_each(p.rows) j ORDER BY 1)")" "array,text" \
	"packets rows are packed in both forms too (schema 11)"
expect_eq "$(dump "$T/mixed3.db" | cksum)" "$(dump "$db.plain.db" | cksum)" \
	"packs of array and string rows read as the plain trace"
expect_exit 0 "packs of array and string rows replay" -- "$NETSIM" check-trace "$T/mixed3.db"
expect_exit 0 "netsim trace expand of packs of both forms" -- "$NETSIM" trace expand "$T/mixed3.db"
expect_eq "$(dump "$T/mixed3.db" | cksum)" "$(dump "$db.plain.db" | cksum)" \
	"expanded, they read as the plain trace"
# packets rows are packed as they come, an skb's later rows too (23 rows of
# 20 skbs in this scenario): the view, and the expansion, keep the first, as
# the plain table's INSERT OR IGNORE does (the dump above compares them).
dup=$(q "$T/network-netfilter-queue-and-output-reject.packed.db" "SELECT
	(SELECT sum(n) FROM packet_packs) > (SELECT count(*) FROM packets)")
expect_eq "$dup" "1" "a packed trace holds later rows of an skb, which packets leaves out"
# A string row with a character the writer never writes (a tab) is not a pack.
cp "$db.packed.db" "$T/bad9.db"
q "$T/bad9.db" "UPDATE skb_packs SET rows = '[\"#' || char(9) || '\"]' WHERE seq0 = (SELECT max(seq0) FROM skb_packs)" >/dev/null
expect_exit 2 "netsim trace expand of a broken string row fails" -- "$NETSIM" trace expand "$T/bad9.db"
expect_grep "$T/err" "expanding the packs failed" "it says expanding failed"

done_testing
