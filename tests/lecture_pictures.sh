#!/bin/sh
# tests/lecture_pictures.sh - what the lecture pictures show is what
# happened in the trace: read from the DOT source of `netsim draw`.
. "$top_srcdir/tests/lib.sh"
S=$top_srcdir/scenarios/lectures
cd "$T" || exit 1

# Lecture 6: every fragment is followed to bob's reassembly and the
# datagram to the reader; nothing is "never received".
"$NETSIM" run "$S/fragmentation.ini" --quiet --trace frag.db >/dev/null
frag_checks() {
	"$NETSIM" draw "$1" path --skb 517 -o "$2"
	expect_grep "$2" 'wire eth0 → eth0 \(3 skbs\)' "$3: the three fragments cross the wire"
	expect_grep "$2" 'h2_ip -> h2_q_ipfrag_queue \[label=<[0-9, ]*\. enqueue \(3 skbs\)' \
		"$3: the three wait on bob's ipfrag_queue"
	expect_grep "$2" 'copy into skb 528 \(3 skbs\)' "$3: and are copied into one skb"
	expect_grep "$2" 'h2_socket -> h2_user \[label=<<b>[0-9]+\. copy skb_to_user</b><br/><b>4000 B' \
		"$3: the 4000-byte datagram reaches the reader"
	if grep -q 'never received' "$2"; then
		not_ok "$3: a frame is drawn as never received"
	else
		ok "$3: no frame is drawn as never received"
	fi
}
frag_checks frag.db frag.dot "clone rows"
# a trace that writes the fragments' and the reassembly's rows as copies
cp frag.db copy.db
sqlite3 copy.db "UPDATE skb_events SET op = 'copy', copy_kind = 'frag' WHERE op = 'clone' AND layer = 'ip'"
frag_checks copy.db copy.dot "copy rows"

# Lecture 7: the CPU timeline draws every stretch of cpu_busy in the
# window, to scale, named by its owner in the legend.
"$NETSIM" run "$S/blocking-io.ini" --quiet --trace block.db >/dev/null
expect_exit 0 "draw cpu for carol from 1 ms to 2 ms" -- \
	"$NETSIM" draw block.db cpu --hosts carol --from 1ms --to 2ms -o cpu.dot
rows=$(sqlite3 block.db "SELECT count(*) FROM cpu_busy b JOIN hosts h ON h.id = b.host
	WHERE h.name = 'carol' AND end_ns > 1000000 AND start_ns < 2000000")
copy=$(sqlite3 block.db "SELECT count(*) FROM cpu_busy b JOIN hosts h ON h.id = b.host
	WHERE h.name = 'carol' AND b.name = 'copy_from_user' AND end_ns > 1000000 AND start_ns < 2000000")
bars=$(grep -c '^  b[0-9]* \[pos=' cpu.dot)
if [ "$bars" -gt 0 ] && [ "$bars" -le "$rows" ]; then
	ok "$bars bars for $rows stretches (stretches closer than a pixel are one bar)"
else
	not_ok "$bars bars for $rows stretches"
fi
expect_grep cpu.dot "copy_from_user</td><td align=\"right\">[0-9.]+ µs in $copy<" \
	"the legend names copy_from_user with its $copy stretches"
expect_grep cpu.dot 'host_0 .*label=<<b>carol</b>>' "one host: carol"
if grep -q '<b>dave</b>' cpu.dot; then not_ok "--hosts carol draws dave"; else ok "--hosts carol leaves dave out"; fi
expect_exit 2 "a window with nothing in it is an error" -- \
	"$NETSIM" draw block.db cpu --from 900s --to 901s -o none.png
expect_grep "$T/err" "no CPU was busy between" "and says so"
expect_exit 2 "--from must be a time" -- "$NETSIM" draw block.db cpu --from soon -o x.png
done_testing
