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
done_testing
