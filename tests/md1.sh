#!/bin/sh
# tests/md1.sh - Poisson arrivals on a wire give the M/D/1 mean queueing
# delay (issue 11's acceptance test), read from the trace.
#
# alice sends 1000-byte UDP datagrams to bob as a Poisson process
# (udp_flood, arrival = poisson) over a 100 Mbit/s link.  Every frame is
# 1042 bytes plus 24 of preamble, FCS and gap: 8528 bits, a fixed service
# time S = 85.28 us.  At 5863.1 datagrams/s the utilisation is
# rho = lambda * S = 0.5, and Pollaczek-Khinchine gives the M/D/1 mean wait
#     W = rho / (2 mu (1 - rho)) = rho * S / (2 (1 - rho)) = 42.64 us.
# The wait of each datagram is read from the trace: from its enqueue on
# alice's qdisc to the start of its serialisation (op 'wire', func 'tx').
#
# Checks, all in virtual time (no wall-clock waits):
#   - the service time read from the trace (the smallest gap between two
#     frame starts) is S, so the server is deterministic;
#   - the gaps between arrivals at the qdisc have a coefficient of
#     variation of 1 (exponential), so the arrivals are Poisson;
#   - each datagram's wait is exactly what Lindley's recursion
#     w(n) = max(0, w(n-1) + S - (a(n) - a(n-1))) gives from the traced
#     arrivals: the link is one FIFO server and nothing else delays a frame;
#   - the mean wait over about 100,000 datagrams is W within 5% (rho taken
#     from the traced arrivals).  A replication study of the recursion at
#     rho = 0.5 puts the standard deviation of this mean at 1.3% of W.
#     Seed 1 gives +1.3%; against the nominal rho of 0.5, seeds 1 to 4
#     gave +2.2%, -0.4%, +0.1% and +1.6%;
#   - with arrival = constant at the same load, no datagram ever waits (D/D/1).
. "$top_srcdir/tests/lib.sh"

if ! command -v sqlite3 >/dev/null 2>&1; then
	echo "1..0 # SKIP sqlite3 (the command-line tool) is not installed"
	exit 77
fi

S=85280 # ns: (1000 + 8 + 20 + 14 + 24) bytes * 8 / 100 Mbit/s

cat >"$T/md1.ini" <<'INI'
[scenario]
title = M/D/1: Poisson arrivals on a 100 Mbit/s link
duration = 17.1s
seed = 1
trace = full

[link lan]
rate = 100Mbit
delay = 0

[host alice]
eth0.link = lan
eth0.address = 10.0.0.1/24

[host bob]
eth0.link = lan
eth0.address = 10.0.0.2/24
trace = off

[app sink]
host = bob
program = udp_sink
port = 9000

[app src]
host = alice
program = udp_flood
dst = 10.0.0.2
port = 9000
size = 1000
rate = 5863.1
arrival = poisson
start = 10ms
INI

# The wait of every UDP datagram alice sent: arrival at the qdisc, start on
# the wire.
waits() {
	sqlite3 -separator ' ' "$1" "
	WITH e AS (
	  SELECT skb,
	         MIN(time_ns) FILTER (WHERE op = 'enqueue' AND queue = 'qdisc') AS enq,
	         MIN(time_ns) FILTER (WHERE op = 'wire' AND func = 'tx') AS tx
	  FROM skb_events
	  WHERE host = (SELECT id FROM hosts WHERE name = 'alice')
	  GROUP BY skb)
	SELECT enq, tx FROM e JOIN packets USING (skb)
	WHERE packets.proto = 'udp' AND enq IS NOT NULL AND tx IS NOT NULL
	ORDER BY enq"
}

expect_exit 0 "a Poisson source feeds the link (--trace)" -- \
	"$NETSIM" run "$T/md1.ini" --trace "$T/md1.db"
waits "$T/md1.db" >"$T/waits"

# n, mean gap, coefficient of variation of the gaps, smallest gap between
# frame starts, mean wait, and the largest difference from Lindley's recursion.
awk -v S=$S '
NR > 1 {
	gap = $1 - a
	sg += gap; sg2 += gap * gap; ng++
	start = $2 - t
	if (mins == "" || start < mins) mins = start
	w = w + S - gap
	if (w < 0) w = 0
}
NR == 1 { w = $2 - $1 }
{
	d = ($2 - $1) - w
	if (d < 0) d = -d
	if (d > maxd) maxd = d
	sw += $2 - $1
	a = $1; t = $2
}
END {
	m = sg / ng
	printf "%d %.3f %.5f %d %.3f %d\n", NR, m, sqrt(sg2 / ng - m * m) / m, mins, sw / NR, maxd
}' "$T/waits" >"$T/stats"
read -r n gap cv smin wmean lindley <"$T/stats"
echo "# datagrams $n, mean gap $gap ns, gap CV $cv, service $smin ns, mean wait $wmean ns"

if [ "$n" -ge 95000 ]; then ok "about 100,000 datagrams traced ($n)"; else not_ok "only $n datagrams traced"; fi
expect_eq "$smin" "$S" "the service time in the trace is the frame's serialisation, $S ns"
awk -v cv="$cv" 'BEGIN { exit !(cv > 0.98 && cv < 1.02) }' &&
	ok "arrival gaps have a coefficient of variation of 1 ($cv): Poisson" ||
	not_ok "arrival gaps have a coefficient of variation of $cv, not 1"
expect_eq "$lindley" 0 "every wait is Lindley's recursion over the traced arrivals"

# Pollaczek-Khinchine with rho from the traced arrival rate.
awk -v S=$S -v gap="$gap" -v w="$wmean" 'BEGIN {
	rho = S / gap
	W = rho * S / (2 * (1 - rho))
	printf "# rho %.4f, M/D/1 W = %.1f ns, traced %.1f ns: %+.2f%%\n", rho, W, w, (w / W - 1) * 100
	exit !(rho > 0.45 && rho < 0.55 && w / W > 0.95 && w / W < 1.05)
}' && ok "mean queueing delay is the M/D/1 mean wait within 5%" ||
	not_ok "mean queueing delay is not the M/D/1 mean wait within 5%"

# The same load, arriving every 1/lambda: nobody waits.
sed -e 's/^arrival = poisson/arrival = constant/' -e 's/^duration = 17.1s/duration = 1s/' \
	"$T/md1.ini" >"$T/dd1.ini"
expect_exit 0 "a constant source at the same load (--trace)" -- \
	"$NETSIM" run "$T/dd1.ini" --trace "$T/dd1.db"
waits "$T/dd1.db" | awk '{ if ($2 - $1 > m) m = $2 - $1 } END { print NR, m + 0 }' >"$T/dd1"
read -r dn dmax <"$T/dd1"
if [ "$dn" -ge 5000 ] && [ "$dmax" -eq 0 ]; then
	ok "constant arrivals at rho 0.5 never wait ($dn datagrams)"
else
	not_ok "constant arrivals: $dn datagrams, largest wait $dmax ns"
fi

done_testing
