#!/bin/sh
# tests/udp_offload.sh - UDP checksum offload, UDP GSO (UDP_SEGMENT) and UDP
# GRO (UDP_GRO), checked by tshark and by the stack's own counters.
#
#  - udp_flood with udp_segment = 1400 sends 14,000-byte writes: software
#    GSO puts datagrams of 1400 bytes on the wire, each with its UDP length,
#    consecutive IP IDs and sums tshark validates; a NIC with
#    tx-udp-segmentation puts the same frames on the wire; IP sees one skb
#    per write;
#  - a segment that does not fit the MTU is refused (EINVAL) and so is
#    UDP_SEGMENT on a device without tx-checksumming (EIO);
#  - tx-checksumming and rx-checksumming off: the capture is still right,
#    the sender pays skb_checksum_help and the receiver
#    __skb_checksum_complete, and with them on neither does;
#  - GRO on bob with a udp_sink that set UDP_GRO: fewer skbs up the stack
#    than frames, every byte read, the UDP_GRO cmsg tells the reader how
#    many datagrams each read stands for (all of them); a sink without
#    UDP_GRO gets one read per datagram;
#  - a router with GRO and rx-udp-gro-forwarding forwards aggregates and
#    cuts them again: its egress carries its ingress's datagrams, lengths
#    and IP IDs, frame by frame.
#
# Skipped (exit 77) only when tshark or sqlite3 is missing.
. "${top_srcdir}/tests/lib.sh"

TSHARK=${TSHARK:-tshark}
command -v "$TSHARK" >/dev/null 2>&1 || { echo "SKIP: tshark not found"; exit 77; }
command -v sqlite3 >/dev/null 2>&1 || { echo "SKIP: sqlite3 not found"; exit 77; }
. "${top_srcdir}/tests/tcp_stream.sh"

# lan NAME ALICE-LINES BOB-LINES SINK-LINES FLOOD-LINES [SIZE]
lan() {
	{
		printf '[scenario]\nduration = 20ms\nseed = 1\n'
		printf '[link lan]\nrate = 10Gbit\ndelay = 50us\n'
		lan_hosts "$2" "$3"
		printf '[app sink]\nhost = bob\nprogram = udp_sink\nport = 9000\nrcvbuf = 4194304\n%s\n' "$4"
		printf '[app flood]\nhost = alice\nprogram = udp_flood\ndst = 10.0.0.2\nport = 9000\n'
		printf 'rate = 10000\nsize = %s\ncount = 50\nstart = 1ms\n%s\n' "${6:-14000}" "$5"
	} >"$T/$1.ini"
}

# check PCAP WHAT: IP and UDP sums good, nothing malformed, no frame above 1514
check() {
	eval "$("$TSHARK" -r "$1" -o udp.check_checksum:TRUE -o ip.check_checksum:TRUE \
		-T fields -E occurrence=f -e frame.len -e ip.checksum.status -e udp.checksum.status \
		-e _ws.malformed 2>/dev/null |
		awk -F '\t' '
			$2 == "0" || $3 == "0" || $4 != "" { bad++ }
			$3 != "" { udp++ } $3 == "1" { good++ }
			$1 > 1514 { big++ }
			END { printf "bad=%d good=%d udp=%d big=%d\n", bad, good, udp, big }')"
	expect_eq "$bad" 0 "$2: no bad IP/UDP checksum, nothing malformed"
	expect_eq "$good" "$udp" "$2: all $udp UDP checksums verified good"
	expect_eq "$big" 0 "$2: no frame above 1514 bytes"
}

# datagrams PCAP SRC: UDP length and IP ID (decimal) of each datagram from SRC
datagrams() {
	"$TSHARK" -r "$1" -Y "ip.src == $2 && udp" -T fields -e udp.length -e ip.id \
		-o ip.use_geoip:FALSE 2>/dev/null | awk '{ printf "%s %d\n", $1, $2 }'
}

run() {
	expect_exit 0 "$1: runs" -- "$NETSIM" run "$T/$1.ini" --pcap "$T/$1" \
		--metrics "$T/$1.txt" --trace "$T/$1.db" --trace-level summary
	expect_grep "$T/out" "skbs: .*\(balanced\)" "$1: skbs conserved"
}

# cpu HOST FUNCTION DB FIELD: the trace's cpu_total figure for that work
cpu() {
	sqlite3 "$3" "SELECT coalesce(sum(c.$4), 0) FROM cpu_total c JOIN hosts h ON h.id = c.host
		WHERE h.name = '$1' AND c.name = '$2'" 2>&1
}

# --- UDP GSO in software and in the NIC ---
lan gso "" "" "" "udp_segment = 1400"
lan uso "eth0.tx-udp-segmentation = on" "" "" "udp_segment = 1400"
for m in gso uso; do
	run $m
	expect_eq "$(figure "$T/$m.txt" app.sink.rx_bytes)" 700000 "$m: the sink read all 700,000 bytes"
	expect_eq "$(figure "$T/$m.txt" app.sink.rx_msgs)" 500 "$m: as 500 datagrams"
	expect_eq "$(figure "$T/$m.txt" alice.ip.out_requests)" 50 "$m: one skb down IP per write"
	check "$T/$m/alice-eth0.pcap" "$m"
done
datagrams "$T/gso/alice-eth0.pcap" 10.0.0.1 >"$T/gso.txt"
datagrams "$T/uso/alice-eth0.pcap" 10.0.0.1 >"$T/uso.txt"
expect_eq "$(awk '$1 == 1408' "$T/gso.txt" | wc -l)" 500 "gso: 500 datagrams of UDP length 1408"
expect_eq "$(awk 'NR > 1 && ($2 - p + 65536) % 65536 != 1 { n++ } { p = $2 } END { print n + 0 }' \
	"$T/gso.txt")" 0 "gso: IP IDs consecutive"
if cmp -s "$T/gso.txt" "$T/uso.txt"; then
	ok "uso: the NIC puts the same datagrams on the wire as software GSO"
else
	not_ok "uso: NIC segmentation differs from skb_gso_segment"
fi
expect_eq "$(cpu alice gso_segment "$T/gso.db" busy_ns)" 150000 \
	"gso: alice's CPU cut 500 segments (300 ns each)"
expect_eq "$(cpu alice gso_segment "$T/uso.db" busy_ns)" 0 "uso: alice's CPU cut none"

# --- refusals ---
lan mtu "" "" "" "udp_segment = 1473"
lan eio "eth0.tx-checksumming = off" "" "" "udp_segment = 1400"
for m in mtu eio; do
	run $m
	expect_eq "$(figure "$T/$m.txt" app.flood.errors)" 50 "$m: all 50 sends refused"
	expect_eq "$(figure "$T/$m.txt" app.sink.rx_bytes)" 0 "$m: nothing sent"
done

# --- checksum offload ---
lan csum "" "" "" "" 1400
lan nocsum "eth0.tx-checksumming = off" "eth0.rx-checksumming = off" "" "" 1400
for m in csum nocsum; do
	run $m
	expect_eq "$(figure "$T/$m.txt" app.sink.rx_bytes)" 70000 "$m: the sink read 50 datagrams"
	check "$T/$m/alice-eth0.pcap" "$m"
done
# 50 datagrams of 1408 UDP bytes at 100 ns per KiB: 50 x 138 ns
for hf in alice:skb_checksum_help bob:__skb_checksum_complete; do
	h=${hf%%:*} f=${hf#*:}
	expect_eq "$(cpu $h $f "$T/csum.db" busy_ns)" 0 "offloads on: $h spends nothing in $f"
	expect_eq "$(cpu $h $f "$T/nocsum.db" busy_ns)" 6900 "offloads off: $h spends 50 x 138 ns in $f"
done

# --- UDP GRO ---
lan gro "eth0.tx-udp-segmentation = on" "eth0.generic-receive-offload = on" \
	"udp_gro = on" "udp_segment = 1400"
lan nogro "eth0.tx-udp-segmentation = on" "eth0.generic-receive-offload = on" "" \
	"udp_segment = 1400"
for m in gro nogro; do
	run $m
	expect_eq "$(figure "$T/$m.txt" app.sink.rx_bytes)" 700000 "$m: the sink read all 700,000 bytes"
done
msgs=$(figure "$T/gro.txt" app.sink.rx_msgs)
skbs=$(figure "$T/gro.txt" bob.ip.in_receives)
expect_eq "$(figure "$T/gro.txt" app.sink.segments)" 500 \
	"gro: the UDP_GRO cmsgs account for all 500 datagrams"
if [ "$msgs" -lt 500 ] 2>/dev/null && [ "$skbs" -eq "$msgs" ]; then
	ok "gro: $skbs merged skbs up the stack and $msgs reads for 500 datagrams"
else
	not_ok "gro: '$skbs' skbs up the stack, '$msgs' reads, not fewer than 500"
fi
expect_eq "$(figure "$T/nogro.txt" app.sink.rx_msgs)" 500 "nogro: a sink without UDP_GRO reads 500 datagrams"
expect_eq "$(figure "$T/nogro.txt" bob.ip.in_receives)" 500 "nogro: and nothing was merged"

# --- forwarding: rx-udp-gro-forwarding ---
{
	printf '[scenario]\nduration = 20ms\nseed = 1\n'
	printf '[link left]\nrate = 10Gbit\ndelay = 20us\n[link right]\nrate = 10Gbit\ndelay = 20us\n'
	printf '[host alice]\neth0.link = left\neth0.address = 10.0.1.1/24\n'
	printf 'routes = default via 10.0.1.254\n'
	printf '[host r]\nforwarding = on\neth0.link = left\neth0.address = 10.0.1.254/24\n'
	printf 'eth0.generic-receive-offload = on\neth0.rx-udp-gro-forwarding = on\n'
	printf 'eth1.link = right\neth1.address = 10.0.2.254/24\n'
	printf '[host bob]\neth0.link = right\neth0.address = 10.0.2.1/24\n'
	printf 'routes = default via 10.0.2.254\n'
	printf '[app sink]\nhost = bob\nprogram = udp_sink\nport = 9000\nrcvbuf = 4194304\n'
	printf '[app flood]\nhost = alice\nprogram = udp_flood\ndst = 10.0.2.1\nport = 9000\n'
	printf 'rate = 10000\nsize = 14000\ncount = 50\nstart = 1ms\nudp_segment = 1400\n'
} >"$T/fwd.ini"
expect_exit 0 "fwd: runs" -- "$NETSIM" run "$T/fwd.ini" --pcap "$T/fwd" --metrics "$T/fwd.txt"
expect_grep "$T/out" "skbs: .*\(balanced\)" "fwd: skbs conserved"
expect_eq "$(figure "$T/fwd.txt" app.sink.rx_msgs)" 500 "fwd: bob reads 500 datagrams"
fwd=$(figure "$T/fwd.txt" r.ip.forw_datagrams)
if [ "$fwd" -lt 500 ] 2>/dev/null && [ "$fwd" -gt 0 ]; then
	ok "fwd: r forwarded $fwd aggregates for 500 datagrams"
else
	not_ok "fwd: r forwarded '$fwd' skbs, not fewer than 500"
fi
check "$T/fwd/r-eth1.pcap" fwd
datagrams "$T/fwd/r-eth0.pcap" 10.0.1.1 >"$T/in.txt"
datagrams "$T/fwd/r-eth1.pcap" 10.0.1.1 >"$T/out.txt"
if [ "$(wc -l <"$T/in.txt")" -eq 500 ] && cmp -s "$T/in.txt" "$T/out.txt"; then
	ok "fwd: r's egress carries its ingress's 500 datagrams, lengths and IP IDs"
else
	not_ok "fwd: egress differs from ingress"
fi

done_testing
