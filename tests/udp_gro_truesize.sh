#!/bin/sh
# tests/udp_gro_truesize.sh - a UDP GRO aggregate is charged to the socket
# the buffers of the frames it merged, as Linux's skb_gro_receive does, not
# netsim's 64 KB linear room (docs/device-layer.md, "GRO").  400 sends of
# 14,000 bytes cut by USO into 1400-byte datagrams (4,000 on the wire),
# merged by GRO for a UDP_GRO reader whose rcvbuf is 64 KB: it reads all
# of them with no rcvbuf drop (charged 64 KB per aggregate, 400 of the 791
# aggregates were dropped).
. "$top_srcdir/tests/lib.sh"

cat >"$T/s.ini" <<EOT
[scenario]
duration = 30ms
seed = 1
trace = off

[link lan]
rate = 10Gbit
delay = 50us

[host alice]
eth0.link = lan
eth0.address = 10.0.0.1/24
eth0.tx-udp-segmentation = on

[host bob]
eth0.link = lan
eth0.address = 10.0.0.2/24
eth0.generic-receive-offload = on

[app sink]
host = bob
program = udp_sink
port = 9000
udp_gro = on
rcvbuf = 65536

[app flood]
host = alice
program = udp_flood
dst = 10.0.0.2
port = 9000
rate = 40000
size = 14000
count = 400
start = 1ms
udp_segment = 1400
EOT
"$NETSIM" run --quiet --metrics "$T/m.txt" "$T/s.ini" >"$T/out" 2>&1 || not_ok "netsim run failed: $(cat "$T/out")"
m() { awk -v k="$1" '$1 == k {print $2}' "$T/m.txt"; }
segs=$(m app.sink.segments)
msgs=$(m app.sink.rx_msgs)
errs=$(m bob.udp.rcvbuf_errors)
if [ "$segs" = 4000 ] && [ "${msgs:-4000}" -lt 1000 ]; then
	ok "the UDP_GRO reader read all 4000 datagrams in $msgs aggregates"
else
	not_ok "the UDP_GRO reader read $segs datagrams in $msgs reads, not 4000 in fewer than 1000"
fi
if [ "$errs" = 0 ]; then ok "no rcvbuf drop with a 64 KB rcvbuf"; else not_ok "$errs rcvbuf drops"; fi
expect_grep "$T/out" '\(balanced\)' "conservation balanced"
done_testing
