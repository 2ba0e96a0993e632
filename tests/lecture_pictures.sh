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
	expect_grep "$2" 'h2_ip -> h2_q_ipfrag_queue \[id="pe[0-9]+", label=<[0-9, ]*\. enqueue \(3 skbs\)' \
		"$3: the three wait on bob's ipfrag_queue"
	expect_grep "$2" 'copy into skb 528 \(3 skbs\)' "$3: and are copied into one skb"
	expect_grep "$2" 'h2_socket -> h2_user \[id="pe[0-9]+", label=<<b>[0-9]+\. copy skb_to_user</b><br/><b>4000 B' \
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

# Lecture 1: the ladder is to scale, and the 4.8 ms wait is a marked gap;
# the copies to and from user memory are on the time lines.
"$NETSIM" run "$S/socket-lifecycle.ini" --quiet --trace life.db >/dev/null
"$NETSIM" draw life.db ladder --flow 'tcp:10.0.0.1:33441-10.0.0.2:7' -o life.dot
expect_grep life.dot 'label=<<i>≈ 4\.[0-9]+ ms later</i>>' "lecture 1's ladder marks the 4.8 ms gap"
expect_grep life.dot 'label="send: 100 B from user"' "and alice's send"
expect_grep life.dot 'label="recv: 100 B to user"' "and a recv"
expect_grep life.dot 'to scale' "it says it is to scale"

# Lecture 9: the window around the loss; cwnd and ssthresh.
"$NETSIM" run "$S/tcp-loss-and-fast-retransmit.ini" --quiet --trace loss.db >/dev/null
flow='tcp:10.0.0.1:33440-10.0.0.2:9000'
"$NETSIM" draw loss.db ladder --flow "$flow" --from 6.5ms --to 21ms -o loss.dot
expect_grep loss.dot 'RETRANSMIT data 4345:5793' "the window keeps the connection's sequence numbers"
if grep -q 'SYN seq 0' loss.dot; then not_ok "the window shows the handshake"; else ok "the window leaves out the handshake"; fi
"$NETSIM" draw loss.db cwnd --flow "$flow" -o cwnd.dot
# with SACK (the default) cwnd is set by PRR, RFC 6937: the pipe (7
# segments, already below ssthresh) plus the fast retransmit; the ACKs, 12
# bytes longer with a SACK block, arrive 10 us later (docs/lecture-guide.md, 9)
# (segments of 1448 bytes: 1460 less the 12 of timestamps)
expect_grep cwnd.dot '3 duplicate ACKs at 14\.00[0-9] ms</b><br/>ssthresh 13\.0 KB, cwnd 11\.6 KB' \
	"the cwnd plot marks the fast retransmit with the tcp_cc figures"
# tcp_cc.ca_state: the fast recovery is shaded and named from the row that entered it
expect_grep cwnd.dot 'label="Recovery from 14\.001 ms"' "the cwnd plot names the Recovery period"
expect_grep cwnd.dot 'sh0 \[shape=box, style=filled.*fillcolor="#ff7f0e38"' "and shades it"
expect_exit 2 "draw cwnd wants a TCP flow" -- "$NETSIM" draw loss.db cwnd -o x.png
# netsim show --flow lists the sender's CA-state changes with their times
"$NETSIM" show loss.db --flow "$flow" --nth 4 >flow.txt
states=$(sed -n '/every change of Linux.s CA state/,$p' flow.txt | awk 'NR > 3 { print $2 }' | tr '\n' ' ')
expect_eq "$states" "Open Disorder Recovery Open " "show --flow lists the CA states in order"
# (the fast retransmit is not resent yet: TCP Small Queues hold it until a
# TX completion, Linux tcp_xmit_retransmit_queue's tcp_small_queue_check)
expect_grep flow.txt '^ +14001\.050 +Recovery +cubic +11584 +13032 .* 3 +1 +0$' \
	"the Recovery row has its time, cwnd, ssthresh and scoreboard (3 SACKed, 1 lost, 0 resent yet)"
# pacing: 11584 bytes / 3.0499 ms x 120% (out of slow start) = 36.5 Mbit/s;
# the first row, before any RTT sample, has none
expect_grep flow.txt '^ +14001\.050 +Recovery .* 1845\.5 +36\.5 +3 +1 +0$' \
	"the Recovery row's pacing rate is Linux's, cwnd / srtt x 120%: 36.5 Mbit/s"
expect_grep flow.txt '^ +3230\.450 +Open .* 0\.0 +- +0 +0 +0$' \
	"the first row, before an RTT sample, has no pacing rate"
# the same changes in the machine-readable formats
"$NETSIM" show loss.db --flow "$flow" --nth 4 --format json >flow.json
rec=$(sqlite3 :memory: "SELECT value ->> 'time_us', value ->> 'cwnd', value ->> 'ssthresh',
	value ->> 'sacked_out', value ->> 'lost_out', value ->> 'retrans_out'
	FROM json_each(readfile('flow.json'), '$.ca_states') WHERE value ->> 'ca_state' = 'Recovery'" 2>&1 | tr '|' ' ')
expect_eq "$rec" "14001.05 11584 13032 3 1 0" "show --flow --format json has the CA-state changes (ca_states)"
"$NETSIM" show loss.db --flow "$flow" --nth 4 --format csv >flow.csv
expect_grep flow.csv '^14001\.050,Recovery,cubic,11584,13032,' "show --flow --format csv has them after '# ca_states'"

# Lecture 5: the stack map's drops, --hosts, and two runs on one scale.
"$NETSIM" run "$S/routing-and-route-cache.ini" --quiet --trace route.db >/dev/null
"$NETSIM" draw route.db stackmap -o map.dot
expect_grep map.dot '<b>1 dropped</b><br/>ip_noroute' "the stack map counts r1's drop by reason"
expect_grep map.dot 'rank=same; h1_ip; h2_ip;( h2_ip_drop_ip_noroute;)? h3_ip; h4_ip;' \
	"IP is on one row on every host (r1's drop beside it)"
"$NETSIM" draw route.db stackmap --hosts r1 -o r1.dot
if grep -q 'cluster_h1\|cluster_h3' r1.dot || ! grep -q 'cluster_h2' r1.dot; then
	not_ok "--hosts r1 draws other hosts or not r1"
else
	ok "--hosts r1 draws r1 only"
fi
expect_exit 0 "draw compare draws two runs" -- "$NETSIM" draw compare route.db life.db -o both.dot
expect_grep both.dot 'cluster_r0_h1' "the first run"
expect_grep both.dot 'cluster_r1_h1' "and the second"
expect_grep both.dot 'the same scale for every run' "on one scale"
"$NETSIM" draw life.db stackmap -o life-map.dot
"$NETSIM" draw life.db stackmap --scale-from route.db -o scaled.dot
thick() { grep -o 'the thickest: [0-9]*' "$1" | grep -o '[0-9]*$'; }
a=$(thick life-map.dot) b=$(thick map.dot)
want=$a
[ "$b" -gt "$a" ] && want=$b
expect_grep scaled.dot "the thickest: $want skbs" "--scale-from scales to the larger of the two runs ($a, $b)"
# Lecture 17: RPS.  In the CPU timeline of dave (the second host drawn),
# each of CPUs 1-3 takes an "rps ipi" in its hardirq lane and runs the
# protocol work in its softirq lane; bob's CPUs 1-3 have no softirq bars.
"$NETSIM" run "$S/rps-single-queue.ini" --quiet --trace rps.db --trace-level full >/dev/null
"$NETSIM" draw rps.db cpu --hosts bob,dave --from 10ms --to 10.05ms -o rps.dot
# lane_bars DOT HOST LANE [COLOUR]: the bars drawn in lane LANE (3 * CPU +
# context: 0 hardirq, 1 softirq, 2 task) of the HOST-th host drawn
lane_bars() {
	awk -v lane="lctx_$2_$3" -v colour="${4:-}" '
	$1 == lane { split($2, p, /[,!]/); y = p[2] }
	/^  b[0-9]+ \[pos=/ { split($2, p, /[,!]/); by[NR] = p[2]; col[NR] = $0 }
	END { for (i in by) if (by[i] == y && (colour == "" || index(col[i], "fillcolor=\"" colour "\""))) n++
	      print n + 0 }' "$1"
}
ipi=$(sed -n 's/.*<td bgcolor="\(#[0-9a-f]*\)" width="18"> <\/td><td align="left">rps ipi<\/td>.*/\1/p' rps.dot)
[ -n "$ipi" ] && ok "the RPS timeline's legend names rps ipi" || not_ok "the RPS timeline's legend has no rps ipi"
for k in 1 2 3; do
	rows=$(sqlite3 rps.db "SELECT count(*) FROM cpu_busy b JOIN hosts h ON h.id = b.host
		WHERE h.name = 'dave' AND b.cpu = $k AND b.name = 'rps ipi'
		AND end_ns > 10000000 AND start_ns < 10050000")
	bars=$(lane_bars rps.dot 1 $((3 * k)) "$ipi")
	if [ "$rows" -gt 0 ] && [ "$bars" -ge 1 ] && [ "$bars" -le "$rows" ]; then
		ok "dave's CPU $k: $bars rps ipi bars in its hardirq lane for $rows IPIs"
	else
		not_ok "dave's CPU $k: $bars rps ipi bars for $rows IPIs"
	fi
	soft=$(lane_bars rps.dot 1 $((3 * k + 1)))
	[ "$soft" -gt 10 ] && ok "dave's CPU $k: $soft bars of protocol work in softirq" ||
		not_ok "dave's CPU $k: only $soft softirq bars"
	none=$(lane_bars rps.dot 0 $((3 * k + 1)))
	expect_eq "$none" 0 "bob's CPU $k (no RPS): no softirq bars"
done

# Lecture 16: RSS.  Each of dave's four CPUs takes its own queue's
# interrupt: the trace has eth0-rx-K irq on CPU K only, and the picture
# draws hardirq bars on each CPU's lane.
"$NETSIM" run "$S/rss-four-cpus.ini" --quiet --trace rss.db --trace-level full >/dev/null
"$NETSIM" draw rss.db cpu --hosts bob,dave --from 10ms --to 10.05ms -o rss.dot
wrong=$(sqlite3 rss.db "SELECT count(*) FROM cpu_busy b JOIN hosts h ON h.id = b.host
	WHERE h.name = 'dave' AND b.name LIKE 'eth0-rx-% irq' AND b.name != 'eth0-rx-' || b.cpu || ' irq'")
expect_eq "$wrong" 0 "rss-four-cpus: every eth0-rx-K irq of dave runs on CPU K"
for k in 0 1 2 3; do
	n=$(lane_bars rss.dot 1 $((3 * k)))
	soft=$(lane_bars rss.dot 1 $((3 * k + 1)))
	if [ "$n" -ge 1 ] && [ "$soft" -gt 10 ]; then
		ok "rss-four-cpus: dave's CPU $k draws its interrupt ($n bars) and its poll ($soft bars)"
	else
		not_ok "rss-four-cpus: dave's CPU $k draws $n hardirq and $soft softirq bars"
	fi
done
grep -q 'hcpu_0_1 ' rss.dot && not_ok "bob (one CPU) is drawn with several CPUs" ||
	ok "bob (one CPU) is drawn with one set of lanes"

done_testing
