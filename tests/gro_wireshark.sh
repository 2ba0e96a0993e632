#!/bin/sh
# tests/gro_wireshark.sh - GRO (stack/gro.c) leaves the wire unchanged,
# checked by tshark, by the stack's own counters and by the trace replay.
#
#  - a 2 MB bulk transfer, TSO on alice, GRO on bob: every frame of both
#    captures passes tshark with IP and TCP checksum validation, nothing
#    malformed, no frame above 1514 bytes, and the stream tshark
#    reassembles is byte for byte what bulk_send wrote; bob's IP and TCP
#    see at least 4x fewer skbs than frames (the merges), the skbs are
#    conserved, and `netsim check-trace` replays the full trace (GRO's
#    hand-offs, copies, frees and its gro_hash / rx_list queues);
#  - through a router with GRO on both NICs: the router forwards the
#    aggregates (fewer forwarded skbs than frames) and cuts them again
#    (software GSO) so that its egress carries the same segments as its
#    ingress: sequence numbers, lengths, IP IDs and TCP flags, frame by
#    frame (only the TTL and the IP checksum differ);
#  - GRO with napi = off (interrupt mode) is refused.
#
# Skipped (exit 77) only when tshark, python3 or sqlite3 is missing.
. "${top_srcdir}/tests/lib.sh"

TSHARK=${TSHARK:-tshark}
command -v "$TSHARK" >/dev/null 2>&1 || { echo "SKIP: tshark not found"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not found"; exit 77; }
command -v sqlite3 >/dev/null 2>&1 || { echo "SKIP: sqlite3 not found"; exit 77; }

. "${top_srcdir}/tests/tcp_stream.sh"

{
	cat <<EOF
[scenario]
duration = 1s
seed = 1
[link lan]
rate = 10Gbit
delay = 50us
EOF
	lan_hosts "eth0.tcp-segmentation-offload = on" "eth0.generic-receive-offload = on"
	bulk_apps 10.0.0.2 2000000 0
} >"$T/lan.ini"

{
	cat <<EOF
[scenario]
duration = 1s
seed = 1
[link left]
rate = 10Gbit
delay = 20us
[link right]
rate = 10Gbit
delay = 20us
[host alice]
eth0.link = left
eth0.address = 10.0.1.1/24
eth0.tcp-segmentation-offload = on
routes = default via 10.0.1.254
[host r]
forwarding = on
eth0.link = left
eth0.address = 10.0.1.254/24
eth0.generic-receive-offload = on
eth1.link = right
eth1.address = 10.0.2.254/24
eth1.generic-receive-offload = on
[host bob]
eth0.link = right
eth0.address = 10.0.2.1/24
routes = default via 10.0.2.254
EOF
	bulk_apps 10.0.2.1 2000000 0
} >"$T/router.ini"

# check PCAP: checksums good, nothing malformed, no giant frame
check() {
	what="$2 $(basename "$1")"
	eval "$("$TSHARK" -r "$1" -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE \
		-T fields -E occurrence=f -e frame.len -e ip.checksum.status -e tcp.checksum.status \
		-e _ws.malformed 2>/dev/null |
		awk -F '\t' '
			$2 == "0" || $3 == "0" || $4 != "" { bad++ }
			$3 != "" { tcp++ } $3 == "1" { good++ }
			$1 > 1514 { big++ }
			END { printf "bad=%d good=%d tcp=%d big=%d\n", bad, good, tcp, big }')"
	expect_eq "$bad" 0 "$what: no bad IP/TCP checksum, nothing malformed"
	expect_eq "$good" "$tcp" "$what: all $tcp TCP checksums verified good"
	expect_eq "$big" 0 "$what: no frame above 1514 bytes"
}

expect_exit 0 "lan: 2 MB transfer with TSO and GRO runs" -- \
	"$NETSIM" run "$T/lan.ini" --pcap "$T/lan" --metrics "$T/lan.txt" --trace "$T/lan.db" --trace-level full
expect_grep "$T/out" "skbs: .*\(balanced\)" "lan: skbs conserved"
expect_eq "$(figure "$T/lan.txt" app.sink.rx_bytes)" 2000000 "lan: the sink read every byte"
for f in "$T/lan"/*.pcap; do check "$f" lan; done
expect_eq "$(stream_hash "$T/lan/bob-eth0.pcap")" "$(pattern_hash 2000000)" \
	"lan: the stream tshark reassembles is the 2 MB bulk_send wrote"
frames=$(figure "$T/lan.txt" bob.eth0.rx_packets)
segs=$(figure "$T/lan.txt" bob.tcp.in_segs)
if [ -n "$frames" ] && [ -n "$segs" ] && [ "$segs" -gt 0 ] && [ $((segs * 4)) -le "$frames" ]; then
	ok "lan: bob's TCP saw $segs skbs for $frames frames (>= 4x fewer, slow start included)"
else
	not_ok "lan: bob's TCP saw '$segs' skbs for '$frames' frames, not 4x fewer"
fi
merged=$(sqlite3 "$T/lan.db" "SELECT count(*) FROM skb_events e JOIN hosts h ON h.id = e.host
	WHERE h.name = 'bob' AND e.op = 'copy' AND e.copy_kind = 'skb_copy' AND e.other IS NOT NULL" 2>&1)
if [ "$merged" -gt 0 ] 2>/dev/null; then
	ok "lan: the trace shows $merged merges (copy skb_copy into the held skb)"
else
	not_ok "lan: no merge copy row in bob's trace ('$merged')"
fi
expect_exit 0 "lan: netsim check-trace replays the GRO trace" -- "$NETSIM" check-trace "$T/lan.db"

expect_exit 0 "router: 2 MB through a GRO router runs" -- \
	"$NETSIM" run "$T/router.ini" --pcap "$T/router" --metrics "$T/router.txt"
expect_grep "$T/out" "skbs: .*\(balanced\)" "router: skbs conserved"
expect_eq "$(figure "$T/router.txt" app.sink.rx_bytes)" 2000000 "router: the sink read every byte"
for f in "$T/router"/*.pcap; do check "$f" router; done
# forw_datagrams counts both directions: the data alice -> bob and every
# packet bob sends back (its ACKs, which GRO does not merge: a segment
# without payload flushes, Linux tcp_gro_receive).  bob's ip.out_requests
# are those packets, all of them forwarded by r; the rest are the data
# direction's skbs, compared with the frames r-eth0 received.
fwd_all=$(figure "$T/router.txt" r.ip.forw_datagrams)
back=$(figure "$T/router.txt" bob.ip.out_requests)
rxf=$(figure "$T/router.txt" r.eth0.rx_packets)
fwd=$((${fwd_all:-0} - ${back:-0}))
if [ -n "$fwd_all" ] && [ -n "$back" ] && [ -n "$rxf" ] && [ "$fwd" -gt 0 ] && [ "$fwd" -lt "$rxf" ]; then
	ok "router: $fwd aggregates forwarded alice -> bob for $rxf frames received ($fwd_all forwarded less bob's $back)"
else
	not_ok "router: forwarded alice -> bob '$fwd' ('$fwd_all' less bob's '$back') not fewer than frames received '$rxf'"
fi
# The data segments alice -> bob, ingress (r-eth0) against egress (r-eth1).
segments() {
	"$TSHARK" -r "$1" -Y "ip.src == 10.0.1.1 && tcp.len > 0" -T fields \
		-e tcp.seq_raw -e tcp.len -e ip.id -e tcp.flags 2>/dev/null
}
segments "$T/router/r-eth0.pcap" >"$T/in.txt"
segments "$T/router/r-eth1.pcap" >"$T/out.txt"
n=$(wc -l <"$T/in.txt")
if [ "$n" -gt 1000 ] && cmp -s "$T/in.txt" "$T/out.txt"; then
	ok "router: its egress carries the $n data segments of its ingress, seq, len, IP ID, flags"
else
	not_ok "router: egress differs from ingress ($n segments in, $(wc -l <"$T/out.txt") out)"
fi

# GRO runs in the NAPI poll: interrupt mode (napi = off) with GRO is refused.
sed 's/^eth0.generic-receive-offload = on$/&\neth0.napi = off/' "$T/lan.ini" >"$T/irq.ini"
expect_exit 2 "napi = off with GRO is refused" -- "$NETSIM" check "$T/irq.ini"
expect_grep "$T/err" "generic-receive-offload = on needs napi = on" "the refusal says why"

done_testing
