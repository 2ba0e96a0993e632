#!/bin/sh
# tests/flow_limit.sh - the backlog's flow limit keeps a small flow alive
# beside a flood (issue 19; docs/device-layer.md, "RFS and the backlog flow
# limit").  bob's NIC runs in interrupt mode (every frame goes through
# netif_rx to the backlog, netdev_max_backlog = 200); alice floods port 9
# with 400,000 datagrams/s and sends 10,000/s to port 10.  Without the flow
# limit the full backlog drops both flows alike and the small flow loses
# most of its datagrams; with flow_limit_cpu_bitmap = 0x1 the flood's
# packets are dropped once the backlog is half full and the small flow's
# get in.
. "$top_srcdir/tests/lib.sh"

cat >"$T/s.ini" <<EOT
[scenario]
duration = 30ms
seed = 2
trace = off

[link l1]
rate = 1Gbit
delay = 5us

[host alice]
cpus = 2
eth0.link = l1
eth0.address = 10.0.1.1/24
cpu.udp_send = 50ns
cpu.ip_output = 50ns
cpu.driver_tx = 50ns
cpu.syscall = 50ns

[host bob]
eth0.link = l1
eth0.address = 10.0.1.2/24
eth0.napi = off
netdev_max_backlog = 200

[app big]
host = bob
program = udp_sink
port = 9

[app small]
host = bob
program = udp_sink
port = 10

[app fbig]
host = alice
program = udp_flood
dst = 10.0.1.2
port = 9
size = 64
rate = 400000
start = 1ms

[app fsmall]
host = alice
program = udp_flood
dst = 10.0.1.2
port = 10
size = 64
rate = 10000
start = 1ms
EOT
# run NAME [OPTION...]: metrics in $T/NAME.txt, summary in $T/NAME.out
run() {
	local n=$1
	shift
	"$NETSIM" run --quiet --metrics "$T/$n.txt" "$@" "$T/s.ini" >"$T/$n.out" 2>&1 ||
		echo "# netsim failed: $(cat "$T/$n.out")" >&2
}
m() { awk -v k="$2" '$1 == k {print $2}' "$T/$1.txt"; }
run off
run on --set host.bob.flow_limit_cpu_bitmap=0x1
sent=$(m off app.fsmall.tx_msgs)
off=$(m off app.small.rx_msgs)
on=$(m on app.small.rx_msgs)
check "$([ "${off:-0}" -gt 0 ] && [ $((off * 2)) -lt "$sent" ] && echo 1)" \
	"no flow limit: the small flow gets $off of $sent datagrams through the full backlog"
check "$([ "${on:-0}" -gt 0 ] && [ $((on * 10)) -ge $((sent * 9)) ] && echo 1)" \
	"flow limit on CPU 0: the small flow gets $on of $sent"
fl=$(m on bob.softnet.flow_limit_count)
dr=$(m on bob.softnet.dropped)
check "$([ "${fl:-0}" -gt 1000 ] && [ "$fl" = "$dr" ] && echo 1)" \
	"the flow limit made all $dr backlog drops ($fl), the backlog never filled"
check "$([ -z "$(m off bob.softnet.flow_limit_count)" ] && echo 1)" "off: no flow limit drop"
for v in off on; do
	expect_grep "$T/$v.out" '\(balanced\)' "$v: conservation balanced"
done
done_testing
