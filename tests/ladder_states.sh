#!/bin/sh
# tests/ladder_states.sh - TCP state changes are traced (tcp_state, one row
# per change from tcp_set_state) and drawn on the ladder in Linux's order;
# a long ladder is summarised in bands that keep every special segment.
. "$top_srcdir/tests/lib.sh"
S=$top_srcdir/scenarios/lectures
cd "$T" || exit 1

# Lecture 8: one connection, handshake to teardown.
"$NETSIM" run "$S/tcp-handshake-and-teardown.ini" --quiet --trace hs.db >/dev/null
states() { # the new states of connection $1 on host $2, in order
	sqlite3 hs.db "SELECT group_concat(new_state, ' ') FROM (SELECT new_state FROM tcp_state
		WHERE conn = '$1' AND host = $2 ORDER BY time_ns, rowid)"
}
expect_eq "$(states '10.0.0.1:33440>10.0.0.2:80' 1)" \
	"TCP_SYN_SENT TCP_ESTABLISHED TCP_FIN_WAIT1 TCP_FIN_WAIT2 TCP_TIME_WAIT" \
	"alice, who closes first: SYN_SENT, ESTABLISHED, FIN_WAIT1, FIN_WAIT2, TIME_WAIT"
expect_eq "$(states '10.0.0.2:80>10.0.0.1:33440' 2)" \
	"TCP_SYN_RECV TCP_ESTABLISHED TCP_CLOSE_WAIT TCP_LAST_ACK TCP_CLOSE" \
	"bob's connection: SYN_RECV, ESTABLISHED, CLOSE_WAIT, LAST_ACK, CLOSE"
expect_eq "$(states '0.0.0.0:80>*' 2)" "TCP_LISTEN" "bob's listener: LISTEN"
# every row is a change, and each row's old state is the one before it
bad=$(sqlite3 hs.db "SELECT count(*) FROM tcp_state s WHERE old_state = new_state OR
	old_state != coalesce((SELECT p.new_state FROM tcp_state p WHERE p.conn = s.conn AND
	p.host = s.host AND p.rowid < s.rowid ORDER BY p.rowid DESC LIMIT 1), 'TCP_CLOSE')")
expect_eq "$bad" 0 "each change starts from the state the one before it left"

"$NETSIM" draw hs.db ladder --flow tcp:10.0.0.1:33440-10.0.0.2:80 -o hs.svg
# the state labels in the SVG's text, in order down the page
grep -o '→ [A-Z_0-9 →]*' hs.svg | tr -d '→' | tr -s ' ' '\n' | grep . | tr '\n' ' ' >seen
expect_eq "$(cat seen)" \
	"SYN_SENT SYN_RECV ESTABLISHED ESTABLISHED FIN_WAIT1 CLOSE_WAIT LAST_ACK FIN_WAIT2 TIME_WAIT CLOSE " \
	"the ladder shows both hosts' state changes in time order"
"$NETSIM" draw hs.db ladder --flow tcp:10.0.0.1:33440-10.0.0.2:80 -o hs.dot
# alice's labels left of her time line (x 0), bob's right of his (x 10)
expect_grep hs.dot 'stl[0-9]+ \[pos="-[0-9.]+,[-0-9.]+!".*→ SYN_SENT' "SYN_SENT beside alice's line"
expect_grep hs.dot 'stl[0-9]+ \[pos="1[0-9]\.[0-9]+,[-0-9.]+!".*→ LAST_ACK' "LAST_ACK beside bob's line"
expect_grep hs.dot 'stl[0-9]+ .*→ FIN_WAIT2 → TIME_WAIT' \
	"FIN_WAIT2 and TIME_WAIT at one moment (bob's FIN acknowledges alice's) share a label"
if grep -q 'band[0-9]* \[' hs.dot; then not_ok "a 10-segment ladder has a band"; else ok "a short ladder is not summarised"; fi

# Lecture 9 with 300 kB: 300 segments, one loss and its fast retransmit.
"$NETSIM" run "$S/tcp-loss-and-fast-retransmit.ini" --quiet --trace big.db \
	--set app.send.bytes=300000 --set scenario.duration=1s >/dev/null
flow=tcp:10.0.0.1:33440-10.0.0.2:9000
"$NETSIM" draw big.db ladder --flow "$flow" --max 0 -o big.dot
# (the band starts at 21721, right after the retransmission: with TCP
# Small Queues, stack/tcp_tsq.c, alice's qdisc and ring hold a few
# segments, not her window, so the segments the first duplicate ACKs let
# out wait in her write queue and join the steady state; before TSQ,
# 23169 and 24617 were drawn apart)
expect_grep big.dot 'band0 \[.*label=<<i>… [0-9]+ data segments 21721:[0-9]+ and [0-9]+ ACKs, sent in [0-9.]+ ms …</i>>' \
	"the steady state after the recovery is one band, with its data range and ACK count"
expect_grep big.dot 'RETRANSMIT data 4345:5793' "the retransmission is still drawn"
expect_grep big.dot 'label=<<b>X</b>>' "and the lost segment's X"
dups=$(grep -c 'label=<ACK 4345>' big.dot)
if [ "$dups" -ge 10 ]; then ok "and the $dups duplicate ACKs 4345"; else not_ok "only $dups ACK 4345 drawn"; fi
expect_grep big.dot '→ FIN_WAIT1' "and the state changes"
expect_grep big.dot 'FIN data 299737:300001' "and the FIN (with the last data)"
segs=$(sqlite3 big.db "SELECT count(*) FROM packets WHERE proto = 'tcp' AND
	((host = 1 AND saddr = '10.0.0.1') OR (host = 2 AND saddr = '10.0.0.2'))")
in_bands=$(grep -o 'label=<<i>… [^<]*' big.dot | grep -oE '[0-9]+ (data segments|ACKs)' |
	awk '{ n += $1 } END { print n + 0 }')
arrows=$(grep -cE '^  s[0-9]+ -- e[0-9]+ ' big.dot)
expect_eq "$((in_bands + arrows))" "$segs" \
	"the bands ($in_bands) and the arrows ($arrows) account for every segment ($segs)"
"$NETSIM" draw big.db ladder --flow "$flow" --max 0 --full -o full.dot
if grep -q 'band[0-9]* \[' full.dot; then not_ok "--full still has bands"; else ok "--full draws no band"; fi
expect_eq "$(grep -cE '^  s[0-9]+ -- e[0-9]+ ' full.dot)" "$segs" "--full draws every segment"
done_testing
