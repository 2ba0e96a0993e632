#!/bin/sh
# tests/rss_flood.sh - RSS spreads a many-flow UDP flood over the RX queues
# and CPUs of a multi-queue receiver (issue 19; docs/device-layer.md,
# "Multi-queue NICs", and docs/cpu-model.md, "Several CPUs").
#
# 64 UDP flows of 64-byte datagrams (64 flood processes on an 8-CPU sender
# with cheap send costs, to four sinks) into bob, with the default costs.
# bob is one of: 1 CPU and 1 RX queue; 4 CPUs and 1 queue; 4 CPUs and 4
# queues (RSS by the Toeplitz hash, queue i on CPU i).  At each of three
# offered loads around its own saturation, the datagrams the four sinks
# read are counted; the best of the three is the receiver's peak before
# livelock.  The 4-queue peak must be at least 3.3 times the one-queue
# one-CPU peak; with one queue, 4 CPUs must give at most 1.6 times it (the
# one queue's CPU takes every interrupt and poll), and with RPS from that
# queue to CPUs 1-3 (rx0.rps_cpus = 0xe) at least 2 times it.  Every run keeps
# conservation, and the same run twice gives the same figures.
. "$top_srcdir/tests/lib.sh"

FLOWS=64

# scenario CPUS QUEUES RATE: on stdout
scenario() {
	local f
	cat <<EOT
[scenario]
title = RSS flood
duration = 50ms
seed = 3
trace = off

[link l1]
rate = 40Gbit
delay = 5us

[host alice]
cpus = 8
eth0.link = l1
eth0.address = 10.0.1.1/24
cpu.udp_send = 50ns
cpu.ip_output = 50ns
cpu.driver_tx = 50ns
cpu.syscall = 50ns
cpu.tx_complete = 10ns

[host bob]
cpus = $1
eth0.link = l1
eth0.address = 10.0.1.2/24
eth0.rx_queues = $2
eth0.rx_ring = 1024
${RPS:+eth0.rx0.rps_cpus = $RPS}
EOT
	for f in 0 1 2 3; do
		printf '\n[app sink%d]\nhost = bob\nprogram = udp_sink\nport = %d\n' "$f" $((9 + f))
		[ -n "${PIN:-}" ] && printf 'cpus_allowed = %s\n' "$PIN"
	done
	for f in $(seq 0 $((FLOWS - 1))); do
		printf '\n[app flood%d]\nhost = alice\nprogram = udp_flood\ndst = 10.0.1.2\n' "$f"
		printf 'port = %d\nsize = 64\nrate = %d\nstart = 1ms\n' $((9 + f % 4)) $(($3 / FLOWS))
	done
}

# delivered CPUS QUEUES RATE: datagrams the sinks read; checks conservation.
delivered() {
	scenario "$@" >"$T/s.ini"
	"$NETSIM" run --quiet --metrics "$T/m.txt" "$T/s.ini" >"$T/out" 2>"$T/err" || {
		echo "# netsim failed for $*" >&2
		cat "$T/err" >&2
		echo 0
		return
	}
	if ! grep -q '(balanced)' "$T/out" || ! grep -q '^bob.skbs.unqueued 0$' "$T/m.txt"; then
		echo "# conservation broken for $*" >&2
		echo 0
		return
	fi
	awk '/^app\.sink[0-9]\.rx_msgs /{d += $2} END {print d + 0}' "$T/m.txt"
}

# peak CPUS QUEUES RATE...: the largest delivered over the rates.
peak() {
	local c=$1 q=$2 best=0 d r
	shift 2
	for r in "$@"; do
		d=$(delivered "$c" "$q" "$r")
		echo "# cpus $c queues $q offered $r/s: $d delivered in 50 ms" >&2
		[ "$d" -gt "$best" ] && best=$d
	done
	echo "$best"
}

one=$(peak 1 1 300000 400000 600000)
four=$(peak 4 4 1200000 1600000 2400000)
fourone=$(peak 4 1 800000 1200000 1600000)
rps=$(RPS=0xe peak 4 1 800000 1200000 1600000)
check "$([ "$one" -gt 10000 ] && echo 1)" "one CPU, one queue: the sinks read $one datagrams at its peak"
check "$([ $((four * 10)) -ge $((one * 33)) ] && echo 1)" \
	"4 queues on 4 CPUs: peak $four >= 3.3 x $one"
check "$([ $((fourone * 10)) -le $((one * 16)) ] && echo 1)" \
	"1 queue on 4 CPUs: peak $fourone <= 1.6 x $one"
check "$([ $((rps * 10)) -ge $((one * 20)) ] && [ $((rps * 10)) -ge $((fourone * 15)) ] && echo 1)" \
	"1 queue on 4 CPUs with RPS to CPUs 1-3: peak $rps >= 2 x $one and >= 1.5 x $fourone"
RPS=0xe scenario 4 1 1200000 >"$T/s.ini"
"$NETSIM" run --quiet --metrics "$T/r.txt" "$T/s.ini" >/dev/null 2>&1
ipis=$(awk '$1 == "bob.softnet.received_rps" {print $2}' "$T/r.txt")
check "$([ "${ipis:-0}" -gt 0 ] && echo 1)" "RPS woke CPUs 1-3 with $ipis IPIs"
for q in 1 2 3; do
	busy=$(awk -v k="bob.cpu$q.softirq_ns" '$1 == k {print $2}' "$T/r.txt")
	check "$([ "${busy:-0}" -gt 0 ] && echo 1)" "RPS: CPU $q did the protocol work of its flows ($busy ns)"
done

# RSS spread the flows over all four queues, each on its own CPU
scenario 4 4 1200000 >"$T/s.ini"
"$NETSIM" run --quiet --metrics "$T/a.txt" "$T/s.ini" >/dev/null 2>&1
for q in 0 1 2 3; do
	fr=$(awk -v k="bob.eth0.rx$q.frames" '$1 == k {print $2}' "$T/a.txt")
	cpu=$(awk -v k="bob.eth0.rx$q.cpu" '$1 == k {print $2}' "$T/a.txt")
	check "$([ "${fr:-0}" -gt 5000 ] && [ "$cpu" = "$q" ] && echo 1)" \
		"queue $q: $fr frames, its interrupt on CPU $cpu"
	busy=$(awk -v k="bob.cpu$q.softirq_ns" '$1 == k {print $2}' "$T/a.txt")
	check "$([ "${busy:-0}" -gt 0 ] && echo 1)" "CPU $q did softirq work ($busy ns)"
done

# cpus_allowed: the four sinks pinned to CPU 2 all run there
PIN=2 scenario 4 4 200000 >"$T/p.ini"
"$NETSIM" run --quiet --metrics "$T/p.txt" "$T/p.ini" >/dev/null 2>&1
t2=$(awk '$1 == "bob.cpu2.task_ns" {print $2}' "$T/p.txt")
others=$(awk '$1 ~ /^bob\.cpu[013]\.task_ns$/ {s += $2} END {print s + 0}' "$T/p.txt")
check "$(awk -v a="${t2:-0}" -v b="$others" 'BEGIN {if (a > 0 && a > 10 * b) print 1}')" \
	"cpus_allowed = 2: CPU 2 ran ${t2:-0} ns of tasks, CPUs 0, 1 and 3 together $others"

# determinism: the same run gives the same figures
"$NETSIM" run --quiet --metrics "$T/b.txt" "$T/s.ini" >/dev/null 2>&1
check "$(cmp -s "$T/a.txt" "$T/b.txt" && echo 1)" "the same scenario twice gives the same metrics"

done_testing
