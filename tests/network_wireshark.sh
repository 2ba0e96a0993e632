#!/bin/sh
# tests/network_wireshark.sh - the network scenarios checked by Wireshark.
#
# Each scenario of scenarios/network/ is run with --pcap, and tshark reads
# every capture with IP and UDP checksum validation turned on (Wireshark
# 4.0 always validates ICMP checksums; it has no icmp.check_checksum
# preference).  No frame may be malformed, draw an expert warning or error,
# or carry a bad checksum; ping shows echo requests and replies, traceroute
# a time exceeded from each router in turn and a port unreachable from the
# destination, and the fragmented datagram reassembles in tshark.
#
# Skips (exit 77) only when tshark is missing: `apt-get install tshark`.
. "$top_srcdir/tests/lib.sh"

TSHARK=${TSHARK:-$(command -v tshark || true)}
if [ -z "$TSHARK" ] || [ ! -x "$TSHARK" ]; then
	echo "SKIP: tshark not found; install it (Debian: apt-get install tshark) to check pcaps"
	exit 77
fi

PREFS="-o ip.check_checksum:TRUE -o udp.check_checksum:TRUE"
BAD='_ws.malformed || _ws.expert.severity >= "Warning" || ip.checksum.status == "Bad" || udp.checksum.status == "Bad" || icmp.checksum.status == "Bad"'

# ts PCAP ARGS...: tshark in two passes (so earlier fragments learn where they
# were reassembled) with checksum validation; stderr (the root notice) dropped.
ts() {
	local pcap=$1
	shift
	"$TSHARK" -2 -n -r "$pcap" $PREFS "$@" 2>"$T/tshark.err"
}

# check_clean PCAP WHAT: no frame of PCAP fails; the filter must compile.
check_clean() {
	local pcap=$1 what=$2
	if ! ts "$pcap" -Y "$BAD" >"$T/bad"; then
		not_ok "$what: tshark failed"
		sed 's/^/    /' "$T/tshark.err" | head -5
		return
	fi
	if [ -s "$T/bad" ]; then
		not_ok "$what: malformed, warned about or bad checksum"
		sed 's/^/    /' "$T/bad" | head -10
	else
		ok "$what: no malformed frame, no warning, no bad checksum"
	fi
}

for f in "$top_srcdir"/scenarios/network/*.ini; do
	name=$(basename "$f" .ini)
	expect_exit 0 "$name runs with --pcap" -- "$NETSIM" run "$f" --pcap "$T/$name"
	for p in "$T/$name"/*.pcap; do
		check_clean "$p" "$name/$(basename "$p")"
	done
done

# The check itself catches a bad checksum: corrupt the IP TTL of alice's first
# echo request (frame N at byte 24 + sum of earlier records + 16 + 14 + 8).
p="$T/ping-two-routers/alice-eth0.pcap"
n=$(ts "$p" -Y 'icmp.type == 8' -T fields -e frame.number | head -1)
off=24
for len in $(ts "$p" -Y "frame.number < $n" -T fields -e frame.cap_len); do
	off=$((off + 16 + len))
done
cp "$p" "$T/corrupt.pcap"
printf '\001' | dd of="$T/corrupt.pcap" bs=1 seek=$((off + 16 + 14 + 8)) conv=notrunc 2>/dev/null
bad=$(ts "$T/corrupt.pcap" -Y "$BAD" | wc -l)
expect_eq "$bad" 1 "a corrupted IP header is caught by the check"

# ping: five echo requests from alice, five replies from bob, TTL 62 (two routers)
p="$T/ping-two-routers/alice-eth0.pcap"
expect_eq "$(ts "$p" -Y 'icmp.type == 8 && ip.src == 10.1.0.1 && ip.dst == 10.2.0.1' | wc -l)" 5 \
	"ping: five echo requests on alice's wire"
expect_eq "$(ts "$p" -Y 'icmp.type == 0 && ip.src == 10.2.0.1 && ip.ttl == 62 && icmp.resp_to' | wc -l)" 5 \
	"ping: five echo replies, TTL 62, each matched to its request by Wireshark"
expect_eq "$(ts "$p" -Y 'icmp.type == 8' -T fields -e icmp.seq | tr '\n' ' ')" "1 2 3 4 5 " \
	"ping: sequence numbers 1..5"
expect_eq "$(ts "$p" -Y 'icmp && !(icmp.type == 0 || icmp.type == 8)' | wc -l)" 0 \
	"ping: no other ICMP"

# traceroute: who answered, in order, with which ICMP type/code
p="$T/traceroute-three-routers/alice-eth0.pcap"
expect_eq "$(ts "$p" -Y 'icmp' -T fields -E occurrence=f -e ip.src -e icmp.type -e icmp.code | awk '{print $1 "/" $2 "/" $3}' | tr '\n' ' ')" \
	"10.1.0.254/11/0 10.2.0.2/11/0 10.3.0.2/11/0 10.4.0.1/3/3 " \
	"traceroute: time exceeded from r1, r2, r3, then port unreachable from bob"
expect_eq "$(ts "$p" -Y 'udp && !icmp' -T fields -e ip.ttl -e udp.dstport | awk '{print $1 ":" $2}' | tr '\n' ' ')" \
	"1:33434 2:33435 3:33436 4:33437 " \
	"traceroute: UDP probes with TTL 1..4 to ports 33434..33437"

# fragments: one 4028-byte packet on the jumbo LAN, three fragments after r1,
# reassembled by Wireshark into the 4008-byte UDP datagram
d="$T/udp-fragments"
expect_eq "$(ts "$d/r1-eth0.pcap" -Y 'udp.length == 4008 && ip.len == 4028 && ip.flags.mf == 0 && ip.frag_offset == 0' | wc -l)" 1 \
	"fragments: alice sends one unfragmented 4028-byte packet"
expect_eq "$(ts "$d/bob-eth0.pcap" -Y 'ip.src == 10.1.0.1' -T fields -e ip.len -e ip.flags.mf -e ip.frag_offset | awk '{print $1 "/" $2 "/" $3}' | tr '\n' ' ')" \
	"1500/1/0 1500/1/185 1068/0/370 " \
	"fragments: r1 sends three (length/MF/offset in 8-byte units)"
expect_eq "$(ts "$d/bob-eth0.pcap" -Y 'ip.reassembled_in' | wc -l)" 2 \
	"fragments: the first two are reassembled in a later frame"
expect_eq "$(ts "$d/bob-eth0.pcap" -Y 'ip.fragment.count == 3 && udp.length == 4008 && udp.checksum.status == "Good" && udp.dstport == 7000' | wc -l)" 1 \
	"fragments: tshark reassembles the 4008-byte UDP datagram with a good checksum"

done_testing
