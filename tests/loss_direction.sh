#!/bin/sh
# tests/loss_direction.sh - per-direction link loss in a whole run: with
# loss_ab a TCP transfer loses data segments and never an ACK, and end a is
# the first interface that names the link (alice's, declared first).
. "$top_srcdir/tests/lib.sh"

cat >"$T/l.ini" <<'INI'
[scenario]
title = TCP data lost one way
duration = 2s
seed = 1

[link lan]
rate = 10Mbit
delay = 1ms
loss_ab = 0.05

[host alice]
eth0.link = lan
eth0.address = 10.0.0.1/24

[host bob]
eth0.link = lan
eth0.address = 10.0.0.2/24

[app sink]
host = bob
program = bulk_sink
port = 9000

[app send]
host = alice
program = bulk_send
dst = 10.0.0.2
port = 9000
bytes = 200000
INI

metric() { awk -v k="$1" '$1 == k { print $2 }' "$T/m"; }

expect_exit 0 "a TCP transfer over a link with loss_ab = 0.05" -- \
	"$NETSIM" run "$T/l.ini" --metrics "$T/m"
expect_eq "$(metric link.lan.0.frames)" "$(metric alice.eth0.tx_frames)" \
	"end a (side 0) is alice's eth0, the first to name the link"
a_lost=$(metric link.lan.0.lost)
b_lost=$(metric link.lan.1.lost)
if [ "${a_lost:-0}" -gt 0 ]; then ok "frames from a are lost ($a_lost)"; else not_ok "no frame from a lost"; fi
expect_eq "$b_lost" 0 "no frame from b (bob's ACKs) is lost"
if [ "$(metric alice.tcp.retrans_segs)" -gt 0 ]; then ok "alice retransmits"; else not_ok "alice never retransmits"; fi
expect_eq "$(metric app.sink.rx_bytes)" 200000 "bob still receives every byte"

# loss_ba instead: only bob's frames (the ACKs) are lost.
expect_exit 0 "the same transfer with loss_ba = 0.05" -- \
	"$NETSIM" run "$T/l.ini" --set link.lan.loss_ab=0 --set link.lan.loss_ba=0.05 --metrics "$T/m"
expect_eq "$(metric link.lan.0.lost)" 0 "with loss_ba no frame from a is lost"
if [ "$(metric link.lan.1.lost)" -gt 0 ]; then ok "frames from b are lost"; else not_ok "no frame from b lost"; fi

expect_exit 2 "loss_ab above 1 is refused" -- \
	"$NETSIM" check "$T/l.ini" --set link.lan.loss_ab=1.5
expect_place "command line (--set): link lan loss_ab" "the error names the group and key"

done_testing
