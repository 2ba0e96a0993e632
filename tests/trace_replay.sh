#!/bin/sh
# tests/trace_replay.sh - the trace is complete: every scenario's full trace
# replays (netsim check-trace, viz/replay.c), a trace with one row deleted
# does not, and a packet's lineage from write() to read() counts the copies
# the seed text counts: two CPU copies and two DMA copies per link crossed.
. "$top_srcdir/tests/lib.sh"

# run NAME SCENARIO [--set ...]: a full trace in $T/NAME.db
run() {
	name=$1 sc=$2
	shift 2
	"$NETSIM" run "$sc" --quiet --trace "$T/$name.db" --trace-level full "$@" \
		>"$T/$name.out" 2>&1
	rc=$?
	# 1 is an [expect] line that failed: not this test's business
	if [ "$rc" -gt 1 ]; then
		not_ok "$name: netsim run exit $rc"
		sed 's/^/    /' "$T/$name.out" | head -5
		return 1
	fi
	return 0
}

for sc in "$top_srcdir"/scenarios/lectures/*.ini "$top_srcdir"/scenarios/network/*.ini \
	"$top_srcdir"/scenarios/homework/*.ini; do
	dir=$(basename "$(dirname "$sc")")
	name=$dir-$(basename "$sc" .ini)
	set --
	[ "$dir" = homework ] && set -- --set scenario.duration=3ms
	run "$name" "$sc" "$@" || continue
	expect_exit 0 "$name: the full trace replays" -- "$NETSIM" check-trace "$T/$name.db"
done

# One row deleted: the replay notices, whichever pointer row it was.  (The
# trim rows are Ethernet's padding of short frames cut off, ipv4.c: a pure
# ACK is 54 bytes, padded to 60, only without the 12 of timestamps.)
run nots "$top_srcdir/scenarios/lectures/tcp-handshake-and-teardown.ini" \
	--set host.alice.tcp_timestamps=0
db=$T/nots.db
for op in push reserve put trim enqueue header clone free; do
	cp "$db" "$T/cut.db"
	n=$(sqlite3 "$T/cut.db" "DELETE FROM skb_events WHERE seq = (SELECT min(seq) FROM
		skb_events WHERE op = '$op' AND step IS NOT NULL AND seq > (SELECT min(seq)
		FROM skb_events WHERE copy_kind = 'user_to_skb')); SELECT total_changes()")
	[ "$n" = 1 ] || not_ok "no $op row to delete in $db"
	expect_exit 1 "a trace without its first $op row fails the replay" -- \
		"$NETSIM" check-trace "$T/cut.db"
	expect_grep "$T/out" "a row is missing|never allocated|no such row|neither freed" \
		"the replay says what is missing ($op)"
done

# copies DB FLOW NTH CPU DMA WHAT: netsim show's count of the packet's copies.
copies() {
	"$NETSIM" show "$1" --flow "$2" --nth "$3" >"$T/show.out" 2>&1
	expect_grep "$T/show.out" "data copies along the way: $(($4 + $5)) \(CPU $4: .*; DMA $5: " \
		"$6: $4 CPU copies and $5 DMA copies from write() to read()"
}

# One TCP segment over one link: user_to_skb, DMA out, DMA in, skb_to_user.
tcp=$T/lectures-tcp-handshake-and-teardown.db
copies "$tcp" 'tcp:10.0.0.1:*-10.0.0.2:80' 1 2 2 "a TCP segment"
expect_grep "$T/show.out" "user_to_skb 1, skb_to_user 1" "the TCP segment's two CPU copies are the user's"
expect_grep "$T/show.out" "clone \(shares data\) -> skb [0-9]+, dataref 2" \
	"TCP sends a clone of the queued skb, sharing its data (tcp_transmit_skb)"
if [ "$(sqlite3 "$tcp" "SELECT count(*) FROM skb_events WHERE layer = 'tcp' AND
	copy_kind = 'skb_copy'")" -eq 0 ]; then
	ok "TCP makes no skb_copy when nothing is retransmitted"
else
	not_ok "TCP copied a segment it could have cloned"
fi
# One UDP datagram over one link: the same four.
copies "$T/lectures-path-of-a-packet.db" 'udp:10.0.0.1:*-10.0.0.2:7000' 2 2 2 "a UDP datagram"
expect_grep "$T/show.out" "user_to_skb 1, skb_to_user 1" "the UDP datagram's two CPU copies are the user's"
# Fragments: the lineage runs through the copies that build and join them,
# every fragment's (as netsim view steps through them): the datagram crosses
# the first link whole (DMA 2) and the second as 3 fragments (DMA 6); the
# router copies it into 3 fragments and bob copies them into one (CPU 6).
copies "$T/network-udp-fragments.db" 'udp:10.1.0.1:*-10.2.0.1:7000' 1 8 8 \
	"a fragmented UDP datagram (two links, 3 fragments on the second, the reassembly)"
# An ICMP echo over three links each way: the reply is a copy of the request.
copies "$T/network-ping-two-routers.db" 'icmp:10.1.0.1-10.2.0.1' 1 3 12 "an ICMP echo and its reply"

expect_grep "$T/show.out" "skb_copy 1" "the echo reply is traced as a copy of the request (icmp_echo)"

# DMA rows are the hardware's, on transmit as on receive.
n=$(sqlite3 "$T/network-ping-two-routers.db" "SELECT count(*) FROM skb_events
	WHERE copy_kind IN ('dma_to_dev', 'dma_from_dev') AND ctx <> 'hw'")
if [ "$n" -eq 0 ]; then ok "every DMA row is in the hw context"; else not_ok "$n DMA rows not in hw"; fi
# Fragments are built and joined by copies, not clones.
n=$(sqlite3 "$T/network-udp-fragments.db" "SELECT count(*) FROM skb_events
	WHERE op = 'copy' AND copy_kind = 'skb_copy' AND layer = 'ip'")
if [ "$n" -eq 6 ]; then
	ok "3 fragments built and 3 joined: 6 skb_copy rows at IP"
else
	not_ok "$n skb_copy rows at IP for 3 fragments, expected 6"
fi

# draw path follows the lineage from the user's write.
"$NETSIM" draw "$tcp" path --flow 'tcp:10.0.0.1:*-10.0.0.2:80' -o "$T/path.dot" >"$T/out" 2>&1
expect_grep "$T/path.dot" "copy user_to_skb" "draw path starts at the user's write"
expect_grep "$T/path.dot" "copy skb_to_user" "draw path ends at the reader's read"

# show --skb: a head [buffer] end bar per step; draw buffer: seed Figure 4.
seg=$(sqlite3 "$tcp" "SELECT other FROM skb_events WHERE op = 'clone' AND skb IN
	(SELECT skb FROM skb_events WHERE copy_kind = 'user_to_skb') ORDER BY seq LIMIT 1")
"$NETSIM" show "$tcp" --skb "$seg" >"$T/show.out" 2>&1
# (20 bytes of header and 12 of the timestamp option)
expect_grep "$T/show.out" "push 32 B header .*\[-+#+\.+\]" "show --skb draws the bar after a push"
expect_grep "$T/show.out" "reset_network_header .*\[-*N" "show --skb marks the network header"
expect_exit 0 "draw buffer writes an SVG" -- "$NETSIM" draw "$tcp" buffer --skb "$seg" -o "$T/buf.svg"
steps=$(sqlite3 "$tcp" "SELECT count(*) FROM skb_events WHERE skb = $seg AND step IS NOT NULL")
data=$(grep -c 'fill="#9ecae1"' "$T/buf.svg")
if [ "$steps" -gt 10 ] && [ "$data" -eq "$steps" ]; then
	ok "draw buffer draws one data bar for each of the skb's $steps steps"
else
	not_ok "draw buffer: $data data bars for $steps steps"
fi
expect_grep "$T/buf.svg" ">N<" "draw buffer marks the network header"
expect_grep "$T/buf.svg" "push 32 B" "draw buffer names the step"
expect_exit 2 "draw buffer without an skb is refused" -- "$NETSIM" draw "$tcp" buffer -o "$T/x.svg"

done_testing
