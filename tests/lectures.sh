#!/bin/sh
# tests/lectures.sh - every lecture scenario is a regression test.
#
# Runs each scenarios/lectures/*.ini with `netsim run --quiet`: a failed
# [expect] line exits 1 and fails this test.  For the lectures whose claim
# lives in the trace rather than in a figure (the header walk, the TCP
# segments, fast retransmit, blocking), it also queries the trace database
# with the sqlite3 shell.  docs/lecture-guide.md explains each lecture.
. "$top_srcdir/tests/lib.sh"

LEC="$top_srcdir/scenarios/lectures"
SQLITE3=${SQLITE3:-sqlite3}

# q DB SQL: one query, '|'-separated rows on stdout
q() { "$SQLITE3" -batch -noheader "$1" "$2"; }

for f in "$LEC"/*.ini; do
	name=$(basename "$f" .ini)
	expect_exit 0 "$name: runs and meets its [expect] lines" -- \
		"$NETSIM" run --quiet "$f" --trace "$T/$name.db" --metrics "$T/$name.txt"
done

if ! command -v "$SQLITE3" >/dev/null 2>&1; then
	echo "# $SQLITE3 not found: trace checks skipped"
	done_testing
fi

# ---- the sk_buff header walk ------------------------------------------------
# For every UDP datagram: pushes of 8, 20, 14 bytes on alice, each moving
# data back by the header's size; on the router a pull of 14 and a push of
# 14 and nothing else; on bob pulls of 14, 20, 8, each moving data forward.
db="$T/skb-header-walk.db"
# the second datagram (sent at 3 ms, after ARP), on all three hosts
second=$(q "$db" "SELECT h.name || ':' || e.op || ':' || e.bytes
	FROM skb_events e JOIN hosts h ON h.id = e.host
	WHERE e.op IN ('push', 'pull') AND e.skb IN (
		SELECT skb FROM packets WHERE proto = 'udp' AND time_ns > 2500000)
	ORDER BY e.seq" | tr '\n' ' ')
expect_eq "$second" \
	"alice:push:8 alice:push:20 alice:push:14 r:pull:14 r:push:14 bob:pull:14 bob:pull:20 bob:pull:8 " \
	"skb-header-walk: push at every layer on send, pull at every layer on receive, L2 only on the router"

# each push moves data back by exactly the header, each pull forward
bad=$(q "$db" "WITH w AS (
		SELECT e.skb, e.op, e.bytes, e.data_off,
		       lag(e.data_off) OVER (PARTITION BY e.skb ORDER BY e.seq) AS prev
		FROM skb_events e WHERE e.op IN ('push', 'pull') AND e.skb IN (
			SELECT skb FROM packets WHERE proto = 'udp'))
	SELECT count(*) FROM w WHERE prev IS NOT NULL AND (
		(op = 'push' AND data_off != prev - bytes) OR
		(op = 'pull' AND data_off != prev + bytes))")
expect_eq "$bad" 0 "skb-header-walk: each push/pull moves data by the header's size"

# offsets on the sender: data at 96, 76, 62 after UDP, IP, Ethernet
offs=$(q "$db" "SELECT group_concat(data_off, ' ') FROM (
	SELECT e.data_off FROM skb_events e
	WHERE e.op = 'push' AND e.host = (SELECT id FROM hosts WHERE name = 'alice')
	AND e.skb = (SELECT skb FROM packets WHERE proto = 'udp' AND time_ns > 2500000
		AND host = (SELECT id FROM hosts WHERE name = 'alice'))
	ORDER BY e.seq)")
expect_eq "$offs" "96 76 62" "skb-header-walk: alice's data offsets after each push"
# and each push is made by its own layer
layers=$(q "$db" "SELECT group_concat(e.layer, ' ') FROM (
	SELECT e.layer FROM skb_events e
	WHERE e.op = 'push' AND e.host = (SELECT id FROM hosts WHERE name = 'alice')
	AND e.skb = (SELECT skb FROM packets WHERE proto = 'udp' AND time_ns > 2500000
		AND host = (SELECT id FROM hosts WHERE name = 'alice'))
	ORDER BY e.seq) e")
expect_eq "$layers" "udp ip eth" "skb-header-walk: UDP, IP and Ethernet push their own headers"

# ---- the path of a packet: copied only twice per host ---------------------
db="$T/path-of-a-packet.db"
copies=$(q "$db" "SELECT group_concat(copy_kind, ' ') FROM (
	SELECT e.copy_kind FROM skb_events e
	WHERE e.op = 'copy' AND e.skb IN (SELECT skb FROM packets WHERE proto = 'udp')
	ORDER BY e.seq)")
expect_eq "$copies" \
	"user_to_skb dma_to_dev dma_from_dev skb_to_user user_to_skb dma_to_dev dma_from_dev skb_to_user" \
	"path-of-a-packet: each datagram is copied from the user, by DMA out, by DMA in, to the user"
waited=$(q "$db" "SELECT count(*) FROM skb_events WHERE queue = 'arp_queue' AND op = 'enqueue'")
expect_eq "$waited" 1 "path-of-a-packet: only the first datagram waits in the arp_queue"

# ---- ARP: the first datagram waits for the reply -------------------------
db="$T/arp-resolution.db"
order=$(q "$db" "SELECT
	(SELECT min(time_ns) FROM skb_events WHERE queue = 'arp_queue' AND op = 'enqueue')
	< (SELECT min(e.time_ns) FROM skb_events e JOIN packets p ON p.skb = e.skb
	   WHERE p.proto = 'arp' AND e.op = 'handoff' AND e.func = 'arp_rcv'
	   AND e.host = (SELECT id FROM hosts WHERE name = 'alice') AND e.time_ns > 500000)")
expect_eq "$order" 1 "arp-resolution: a datagram is queued before the reply arrives"
maxq=$(q "$db" "SELECT max(qlen) FROM skb_events WHERE queue = 'arp_queue'")
expect_eq "$maxq" 3 "arp-resolution: the arp_queue never holds more than unres_qlen"

# ---- TCP handshake and teardown: the segments, in order --------------------
db="$T/tcp-handshake-and-teardown.db"
flags() {
	q "$db" "SELECT group_concat(tcp_flags || '/' || payload, ' ') FROM (
		SELECT p.tcp_flags, p.payload FROM packets p
		WHERE p.proto = 'tcp' AND p.host = (SELECT id FROM hosts WHERE name = '$1')
		AND p.sport = $2 ORDER BY p.time_ns)"
}
# Linux 6.6: alice ACKs the echo at once (quick-ACK mode, the first data
# she receives), then closes; bob ACKs the request at once before the echo,
# and the ACK of alice's FIN rides on his own FIN (tcp_fin: pingpong)
expect_eq "$(flags alice "(SELECT min(sport) FROM packets WHERE proto = 'tcp' AND dport = 80)")" \
	"S/0 ./0 P./100 ./0 F./0 ./0" "tcp-handshake: alice sends SYN, ACK, data, ACK of the echo, FIN, ACK"
expect_eq "$(flags bob 80)" "S./0 ./0 P./100 F./0" \
	"tcp-handshake: bob sends SYN-ACK, the ACK of the request, the echo, his FIN with the ACK of alice's"
isn=$(q "$db" "SELECT (SELECT ack FROM packets WHERE tcp_flags = 'S.' LIMIT 1)
	- (SELECT seq FROM packets WHERE tcp_flags = 'S' LIMIT 1)")
expect_eq "$isn" 1 "tcp-handshake: the SYN-ACK acknowledges the SYN's sequence number plus one"

# ---- one write, several reads: Linux's quick ACKs --------------------------
# Each of the seven segments of the 10000-byte write is ACKed by bob at once
# (quick-ACK mode at the start of a connection, Linux tcp_event_data_recv);
# RFC 1122's rule alone would ACK every second one and hold the last 40 ms.
db="$T/one-write-several-reads.db"
quick=$(q "$db" "SELECT count(*) FROM packets d
	WHERE d.host = (SELECT id FROM hosts WHERE name = 'bob') AND d.dport = 5001
	AND d.payload > 0 AND EXISTS (SELECT 1 FROM packets a
		WHERE a.host = d.host AND a.sport = 5001 AND a.payload = 0
		AND a.ack = d.seq + d.payload AND a.time_ns - d.time_ns BETWEEN 0 AND 50000)")
# (the seventh segment carries alice's FIN too: autocorking held the
# write's short tail until her close put the FIN on it, stack/tcp_tsq.c;
# bob acknowledges that one with his own FIN, when his reader closes)
expect_eq "$quick" 6 "one-write: bob ACKs each of the 6 data-only segments within 50 us (quick-ACK mode)"

# ---- socket lifecycle: two connections on one listening port --------------
db="$T/socket-lifecycle.db"
conns=$(q "$db" "SELECT count(DISTINCT sport) FROM packets WHERE proto = 'tcp'
	AND tcp_flags = 'S' AND dport = 7")
expect_eq "$conns" 2 "socket-lifecycle: two clients connect to port 7"

# ---- CUBIC after a loss on a long path ------------------------------------
# HyStart ends slow start without a loss (ssthresh = cwnd); each loss cuts
# cwnd to 717/1024; and between the second loss and the third, cwnd grows
# fast, then hardly (around W_max), then fast again: concave, then convex.
db="$T/tcp-cubic-loss-long-rtt.db"
# (segments of 1448 bytes, with timestamps; a loss: the tcp_cc row that
# enters Recovery, ssthresh 717/1024 of the cwnd before it; cwnd comes down
# by PRR and the recovery ends at ssthresh; HyStart: ssthresh set to cwnd
# outside a recovery, cwnd does not fall)
shape=$(q "$db" "SELECT time_ns, cwnd / 1448, ssthresh / 1448, ca_state FROM tcp_cc
	WHERE conn LIKE '10.1.0.1:%' ORDER BY rowid" | awk -F'|' '
	NR > 1 && $3 != ps && $2 == $3 && $3 < 1000000 && pw <= $2 && $4 != "Recovery" { hystart++ }
	NR > 1 && $4 == "Recovery" && pst != "Recovery" {
		n++; lt[n] = $1
		if ($3 != int(pw * 717 / 1024)) bad++
	}
	n == 2 && !r && $4 == "Open" && pst == "Recovery" { r = $1 }
	{ t[NR] = $1; w[NR] = $2; ps = $3; pw = $2; pst = $4 }
	END {
		if (n < 3 || !r) { print "losses " n; exit }
		third = (lt[3] - r) / 3
		for (i = 1; i <= NR; i++) {
			if (t[i] <= r) w0 = w[i]
			if (t[i] <= r + third) w1 = w[i]
			if (t[i] <= r + 2 * third) w2 = w[i]
			if (t[i] < lt[3]) w3 = w[i]
		}
		printf "hystart %d bad %d g %d %d %d\n", hystart, bad, w1 - w0, w2 - w1, w3 - w2
	}')
set -- $shape
if [ "$1" = hystart ] && [ "$2" -ge 1 ] && [ "$4" = 0 ] && [ "$6" -gt "$7" ] && [ "$8" -gt "$7" ]; then
	ok "tcp-cubic: HyStart, 717/1024 cuts, growth $6 then $7 then $8 segments (concave, convex)"
else
	not_ok "tcp-cubic: expected HyStart, 717/1024 cuts and growth fast-slow-fast: $shape"
fi
# tcp_cc.pacing_rate is Linux's tcp_update_pacing_rate: cwnd / srtt, 200%
# while cwnd < ssthresh / 2, else 120%; NULL before the first RTT sample.
pace=$(q "$db" "SELECT count(*), sum(pacing_rate IS NULL), sum(pacing_rate IS NOT NULL
	AND abs(pacing_rate - cwnd * (CASE WHEN cwnd < ssthresh / 2 THEN 200 ELSE 120 END)
	    * 1000000000 / 100 / srtt_ns) > 1),
	sum(pacing_rate IS NULL AND srtt_ns > 0),
	sum(cwnd < ssthresh / 2 AND pacing_rate IS NOT NULL), sum(cwnd >= ssthresh / 2)
	FROM tcp_cc WHERE conn LIKE '10.1.0.1:%'")
set -- $(echo "$pace" | tr '|' ' ')
if [ "$1" -gt 50 ] && [ "$2" -ge 1 ] && [ "$3" = 0 ] && [ "$4" = 0 ] && [ "$5" -ge 1 ] && [ "$6" -ge 1 ]; then
	ok "tcp-cubic: pacing_rate is cwnd / srtt x 200% in slow start, x 120% after ($1 rows)"
else
	not_ok "tcp-cubic: pacing_rate rows, nulls, wrong, null with srtt, slow start, after: $pace"
fi

# ---- loss recovery compared: NewReno, SACK with PRR, RACK-TLP -------------
# the same three losses: NewReno and SACK without RACK wait for the RTO
# (the Loss state, no Recovery); RACK enters Recovery a round trip after
# the loss, never Loss (docs/lecture-guide.md, 15)
db="$T/tcp-loss-recovery-compared.db"
states() {
	q "$db" "SELECT group_concat(ca_state, ' ') FROM (SELECT DISTINCT ca_state FROM tcp_cc
		WHERE conn LIKE '$1:%' AND ca_state IN ('Recovery', 'Loss'))"
}
expect_eq "$(states 10.0.1.1)" "Loss" "loss-recovery: NewReno with two duplicate ACKs times out"
expect_eq "$(states 10.0.2.1)" "Loss" "loss-recovery: SACK without RACK, two SACKs, times out"
expect_eq "$(states 10.0.3.1)" "Recovery" "loss-recovery: RACK recovers without a timeout"
rack_rec=$(q "$db" "SELECT min(time_ns) / 1000000 FROM tcp_cc WHERE conn LIKE '10.0.3.1:%'
	AND ca_state = 'Recovery'")
expect_eq "$rack_rec" 101 "loss-recovery: RACK's reordering timer starts recovery at 101 ms"
# the cwnd plot names each loss by what found it, from tcp_cc.ca_state and
# sacked_out: RACK with two SACKs, where the others' plots say timeout
"$NETSIM" draw "$db" cwnd --flow tcp:10.0.3.1:33386-10.0.3.2:9000 -o "$T/rack-cwnd.dot"
expect_grep "$T/rack-cwnd.dot" '<b>RACK: lost by time at 101\.[0-9]* ms</b>' \
	"loss-recovery: RACK's cwnd plot names its loss as RACK's"
if grep -q '<b>timeout at\|<b>3 duplicate ACKs at' "$T/rack-cwnd.dot"; then
	not_ok "loss-recovery: RACK's cwnd plot names a timeout or three duplicate ACKs"
else
	ok "loss-recovery: RACK's cwnd plot names no timeout and no three duplicate ACKs"
fi
"$NETSIM" draw "$db" cwnd --flow tcp:10.0.1.1:32865-10.0.1.2:9000 -o "$T/newreno-cwnd.dot"
expect_grep "$T/newreno-cwnd.dot" '<b>timeout at 314\.[0-9]* ms</b>' \
	"loss-recovery: NewReno's cwnd plot names its timeout"

# ---- TCP loss and fast retransmit -----------------------------------------
# One segment is sent twice; the second time within a few round trips of
# the first (a timeout would be 200 ms later); before it, bob sent at least
# three duplicate ACKs for the missing byte.
db="$T/tcp-loss-and-fast-retransmit.db"
rtx=$(q "$db" "SELECT count(*), max(gap) FROM (
	SELECT seq, max(time_ns) - min(time_ns) AS gap FROM packets
	WHERE proto = 'tcp' AND payload > 0 AND dport = 9000
	AND host = (SELECT id FROM hosts WHERE name = 'alice')
	GROUP BY seq HAVING count(*) > 1)")
n=${rtx%%|*}
gap=${rtx#*|}
expect_eq "$n" 1 "tcp-loss: exactly one segment was retransmitted"
if [ -n "$gap" ] && [ "$gap" -lt 50000000 ]; then
	ok "tcp-loss: retransmitted $gap ns after the original, long before any RTO"
else
	not_ok "tcp-loss: retransmission gap '$gap' ns (expected < 50 ms: fast retransmit)"
fi
dups=$(q "$db" "SELECT max(c) FROM (SELECT ack, count(*) AS c FROM packets
	WHERE proto = 'tcp' AND payload = 0 AND sport = 9000 AND tcp_flags = '.'
	AND host = (SELECT id FROM hosts WHERE name = 'bob') GROUP BY ack)")
if [ -n "$dups" ] && [ "$dups" -ge 4 ]; then
	ok "tcp-loss: bob sent one ACK and at least three duplicates for the hole ($dups)"
else
	not_ok "tcp-loss: at most $dups ACKs with the same number (expected >= 4)"
fi
cut=$(q "$db" "SELECT count(*) FROM tcp_cc WHERE host = 1 AND ssthresh < 1000000")
if [ "$cut" -ge 1 ]; then
	ok "tcp-loss: ssthresh was cut (fast recovery) in the tcp_cc samples"
else
	not_ok "tcp-loss: ssthresh never cut in tcp_cc"
fi

# ---- blocking I/O: the first 60000-byte write took milliseconds ------------
# (copying 60000 bytes costs about 15 us; the rest of the time the writer
# slept, waiting for ACKs to free its 16 KiB send buffer)
db="$T/blocking-io.db"
span=$(q "$db" "SELECT max(time_ns) - min(time_ns) FROM (
	SELECT time_ns, sum(bytes) OVER (ORDER BY seq) AS done FROM skb_events
	WHERE op = 'copy' AND copy_kind = 'user_to_skb'
	AND host = (SELECT id FROM hosts WHERE name = 'carol')) WHERE done <= 60000")
if [ -n "$span" ] && [ "$span" -gt 1000000 ]; then
	ok "blocking-io: the first write blocked ($span ns from its first copy to its last)"
else
	not_ok "blocking-io: the first write took only '$span' ns (expected > 1 ms)"
fi

# ---- interrupts and NAPI: NAPI delivers more under overload ----------------
m="$T/interrupts-and-napi-high-load.txt"
b=$(awk '$1 == "app.sink_bob.rx_msgs" { print $2 }' "$m")
d=$(awk '$1 == "app.sink_dave.rx_msgs" { print $2 }' "$m")
if [ -n "$b" ] && [ -n "$d" ] && [ $((d * 10)) -gt $((b * 13)) ]; then
	ok "interrupts-and-napi-high-load: NAPI's reader got more ($d) than interrupt mode's ($b)"
else
	not_ok "interrupts-and-napi-high-load: NAPI $d, interrupts $b (expected 30% more)"
fi

# ---- RSS, RPS, TSO/GRO (issue 19): the ratios the guide states ------------
# sinks PREFIX FILE: the datagrams the sinks app.PREFIX0..3 read
sinks() { awk -v p="app.$1" 'index($1, p) == 1 && $1 ~ /\.rx_msgs$/ { d += $2 } END { print d + 0 }' "$2"; }
# ratio A B: A / B to two decimals
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print 0 }'; }
# within X LO HI: LO <= X <= HI
within() { awk -v x="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(x >= lo && x <= hi) }'; }
m="$T/rss-four-cpus.txt"
one=$(sinks sink_bob "$m") four=$(sinks sink_dave "$m")
r=$(ratio "$four" "$one")
if within "$r" 3.3 3.6; then
	ok "rss-four-cpus: 4 queues on 4 CPUs deliver $r times one queue on one CPU ($four, $one)"
else
	not_ok "rss-four-cpus: 4 queues on 4 CPUs deliver $r times one queue on one CPU ($four, $one; want 3.3 to 3.6)"
fi
m="$T/rps-single-queue.txt"
norps=$(sinks sink_bob "$m") rps=$(sinks sink_dave "$m")
r=$(ratio "$rps" "$norps")
if within "$r" 1.7 3.0; then
	ok "rps-single-queue: RPS to CPUs 1-3 delivers $r times one queue without it ($rps, $norps)"
else
	not_ok "rps-single-queue: RPS delivers $r times one queue without it ($rps, $norps; want 1.7 to 3)"
fi
r=$(ratio "$norps" "$one")
if within "$r" 1.0 1.5; then
	ok "rps-single-queue: one queue on 4 CPUs delivers $r times one queue on one CPU (not 4)"
else
	not_ok "rps-single-queue: one queue on 4 CPUs delivers $r times one queue on one CPU (want 1 to 1.5)"
fi
# the same runs again: the same figures, and conservation holds
for name in rss-four-cpus rps-single-queue; do
	"$NETSIM" run --quiet "$LEC/$name.ini" --metrics "$T/$name.again.txt" >"$T/$name.out" 2>&1
	if cmp -s "$T/$name.txt" "$T/$name.again.txt"; then
		ok "$name: the same run twice gives the same figures"
	else
		not_ok "$name: two runs differ"
	fi
	expect_grep "$T/$name.out" 'skbs: .*\(balanced\)' "$name: every skb is freed or in a named queue"
done
# TSO/GRO: CPU time per frame on the wire, sender and receiver
m="$T/tso-gro-10g.txt"
perframe() {
	awk -v h="$1" -v f="$2" '$1 == h ".cpu.hardirq_ns" || $1 == h ".cpu.softirq_ns" ||
		$1 == h ".cpu.task_ns" { c += $2 } $1 == h ".eth0." f { n = $2 }
		END { if (n > 0) printf "%.0f", c / n; else print 0 }' "$m"
}
a=$(perframe alice tx_frames) b=$(perframe bob rx_frames)
c=$(perframe carol tx_frames) d=$(perframe dave rx_frames)
if [ "$((c * 3))" -lt "$a" ] && [ "$((d * 10))" -lt "$((b * 6))" ]; then
	ok "tso-gro-10g: ns per frame: sender $a -> $c with TSO, receiver $b -> $d with GRO"
else
	not_ok "tso-gro-10g: ns per frame: sender $a -> $c (want < 1/3), receiver $b -> $d (want < 0.6)"
fi

# ECN: alice's reductions are CWR (marks), never Recovery or Loss; carol's
# are fast recoveries (drops), never CWR
db="$T/tcp-ecn-marks-instead-of-loss.db"
states() {
	q "$db" "SELECT group_concat(ca_state, ',') FROM (SELECT DISTINCT ca_state FROM tcp_cc
		WHERE conn LIKE '$1:%>%' ORDER BY ca_state)"
}
expect_eq "$(states 10.1.0.1)" "CWR,Open" "tcp-ecn-marks-instead-of-loss: alice only enters CWR"
expect_eq "$(states 10.3.0.1)" "Disorder,Open,Recovery" \
	"tcp-ecn-marks-instead-of-loss: carol enters Recovery, never CWR"

done_testing
