#!/bin/sh
# tests/rfs_steer.sh - RFS moves a TCP flow's receive work to the CPU its
# reader runs on (issue 19; docs/device-layer.md, "RFS and the backlog flow
# limit").  bob has 4 CPUs and one RX queue (interrupt on CPU 0) with RPS
# to CPU 1; bulk_sink is pinned to CPU 3.  With RPS alone CPU 1 does the
# protocol work; with rps_sock_flow_entries and rps_flow_cnt CPU 3 does.
. "$top_srcdir/tests/lib.sh"

# scenario RFS(0/1): on stdout
scenario() {
	cat <<EOT
[scenario]
title = RFS
duration = 20ms
seed = 1
trace = off

[link l1]
rate = 1Gbit
delay = 10us

[host alice]
eth0.link = l1
eth0.address = 10.0.1.1/24

[host bob]
cpus = 4
eth0.link = l1
eth0.address = 10.0.1.2/24
eth0.rx0.rps_cpus = 0x2
EOT
	if [ "$1" = 1 ]; then
		printf 'rps_sock_flow_entries = 4096\neth0.rx0.rps_flow_cnt = 256\n'
	fi
	cat <<EOT

[app sink]
host = bob
program = bulk_sink
port = 9000
cpus_allowed = 3

[app send]
host = alice
program = bulk_send
dst = 10.0.1.2
port = 9000
bytes = 1000000
start = 1ms
EOT
}

# run RFS NAME: metrics in $T/NAME.txt
run() {
	scenario "$1" >"$T/$2.ini"
	"$NETSIM" run --quiet --metrics "$T/$2.txt" "$T/$2.ini" >"$T/$2.out" 2>&1 ||
		echo "# netsim failed: $(cat "$T/$2.out")" >&2
}
m() { awk -v k="$2" '$1 == k {print $2}' "$T/$1.txt"; }

run 0 rps
run 1 rfs
for v in rps rfs; do
	check "$([ "$(m $v app.sink.rx_bytes)" = 1000000 ] && grep -q '(balanced)' "$T/$v.out" && echo 1)" \
		"$v: the sink read 1000000 bytes, conservation balanced"
done
c1=$(m rps bob.cpu1.softirq_ns)
c3=$(m rps bob.cpu3.softirq_ns)
check "$([ "${c1:-0}" -gt 1000000 ] && [ "${c3:-1}" -eq 0 ] && echo 1)" \
	"RPS alone: CPU 1 does the protocol work ($c1 ns), CPU 3 none ($c3 ns)"
c1=$(m rfs bob.cpu1.softirq_ns)
c3=$(m rfs bob.cpu3.softirq_ns)
check "$([ "${c3:-0}" -gt 1000000 ] && [ $((c1 * 50)) -lt "$c3" ] && echo 1)" \
	"RFS: CPU 3, the reader's, does it ($c3 ns), CPU 1 only the handshake ($c1 ns)"
ipis=$(m rfs bob.softnet.received_rps)
check "$([ "${ipis:-0}" -gt 0 ] && echo 1)" "RFS hands packets over by IPI ($ipis)"
run 1 rfs2
check "$(cmp -s "$T/rfs.txt" "$T/rfs2.txt" && echo 1)" "the same scenario twice gives the same metrics"
done_testing
