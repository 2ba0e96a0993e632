#!/bin/sh
# tests/stackmap_cpus.sh - the stack map says which CPU handled each step on
# a host with several CPUs (issue 19; docs/cpu-model.md, "Several CPUs",
# and docs/trace-schema.md, skb_events.cpu).
#
# A UDP flood into a 4-CPU receiver with 4 RX queues (RSS), traced at full
# level.  Checked with sqlite3: skb_events.cpu names the CPU whose code did
# each op (bob's udp_rcv hand-offs on the CPUs RSS chose), a one-CPU host's are all
# 0.  Then netsim draw stackmap: bob's ip -> udp edge lists the hand-offs by
# CPU exactly as the trace counts them, the labels overlap nowhere in the
# SVG (tests/svg_labels), and a one-CPU host's map names no CPU.
. "$top_srcdir/tests/lib.sh"

{
	cat <<EOT
[scenario]
title = SMP stack map
duration = 3ms
seed = 5

[link l1]
rate = 10Gbit
delay = 5us

[host alice]
eth0.link = l1
eth0.address = 10.0.1.1/24

[host bob]
cpus = 4
eth0.link = l1
eth0.address = 10.0.1.2/24
eth0.rx_queues = 4
EOT
	for f in 0 1 2 3; do
		printf '\n[app sink%d]\nhost = bob\nprogram = udp_sink\nport = %d\n' "$f" $((9 + f))
		printf '\n[app flood%d]\nhost = alice\nprogram = udp_flood\ndst = 10.0.1.2\n' "$f"
		printf 'port = %d\nsize = 64\nrate = 20000\nstart = 1ms\n' $((9 + f))
	done
} >"$T/s.ini"

expect_exit 0 "a 4-CPU receiver runs traced" -- \
	"$NETSIM" run --quiet --trace-level=full --trace "$T/s.db" "$T/s.ini"

# bob's udp_rcv hand-offs by CPU, as the trace counts them: "cpu|count"
sqlite3 "$T/s.db" "SELECT e.cpu, count(*) FROM skb_events e JOIN hosts h ON h.id = e.host
	WHERE h.name = 'bob' AND e.op = 'handoff' AND e.func = 'udp_rcv'
	GROUP BY e.cpu ORDER BY e.cpu" >"$T/by_cpu"
n=$(wc -l <"$T/by_cpu")
check "$([ "$n" -ge 3 ] && echo 1)" "skb_events.cpu: bob's udp_rcv hand-offs on $n of its 4 CPUs (RSS)"
check "$(sqlite3 "$T/s.db" "SELECT max(e.cpu) = 0 FROM skb_events e JOIN hosts h ON h.id = e.host
	WHERE h.name = 'alice'" | grep -qx 1 && echo 1)" "skb_events.cpu: one-CPU alice's ops are all on CPU 0"

"$NETSIM" draw "$T/s.db" stackmap -o "$T/map.dot" >/dev/null 2>&1
# the label of bob's edge ip -> udp, its "CPU k: n" parts as "k|n"
want=$(tr '\n' ' ' <"$T/by_cpu")
got=$(grep -- 'h2_ip -> h2_udp ' "$T/map.dot" | grep -o 'CPU [0-9]*: [0-9]*' |
	sed 's/CPU \([0-9]*\): \([0-9]*\)/\1|\2/' | tr '\n' ' ')
check "$([ -n "$got" ] && [ "$got" = "$want" ] && echo 1)" \
	"stackmap: bob's edge into udp counts its skbs by CPU as the trace does ($got)"
grep -- 'h2_ip -> h2_udp ' "$T/map.dot" | head -2 | sed 's/^/# /'
check "$(grep -- 'h1_' "$T/map.dot" | grep -q 'CPU [0-9]' || echo 1)" \
	"stackmap: one-CPU alice's edges name no CPU"

if "$NETSIM" draw "$T/s.db" stackmap -o "$T/map.svg" >/dev/null 2>&1; then
	if "$top_builddir/tests/svg_labels" "$T/map.svg" >"$T/overlaps" 2>&1; then
		ok "stackmap: no labels overlap in the SVG"
	else
		not_ok "stackmap: labels overlap in the SVG"
		head -5 "$T/overlaps" | sed 's/^/# /'
	fi
else
	not_ok "stackmap: the SVG renders"
fi

# a one-CPU lecture: no CPU in its map
"$NETSIM" run --quiet --trace-level=full --trace "$T/one.db" \
	"$top_srcdir/scenarios/lectures/path-of-a-packet.ini" >/dev/null 2>&1
"$NETSIM" draw "$T/one.db" stackmap -o "$T/one.dot" >/dev/null 2>&1
check "$([ -s "$T/one.dot" ] && ! grep -q 'CPU [0-9]' "$T/one.dot" && echo 1)" \
	"stackmap: a one-CPU trace's map names no CPU"
done_testing
