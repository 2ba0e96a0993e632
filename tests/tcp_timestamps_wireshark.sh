#!/bin/sh
# tests/tcp_timestamps_wireshark.sh - RFC 7323 timestamps checked by Wireshark.
#
#  - 1 MB at 2% loss (defaults: tcp_timestamps = 1 on both hosts): tshark
#    decodes a timestamp option on every TCP segment both ways, nothing is
#    malformed, no expert warning names the option; every TSecr but the
#    first SYN's is a TSval the peer sent before (tcp.options.timestamp.tsecr
#    against tcp.options.timestamp.tsval, in capture order); the SYN-ACK
#    echoes the SYN; data segments carry 1448 bytes (1460 less 12), and the
#    stream is exact;
#  - tcp_timestamps = 0 at bob: only alice's SYN carries the option, and
#    data segments carry 1460 bytes again.
#
# Skipped (exit 77) only when tshark or python3 is missing.
. "${top_srcdir}/tests/lib.sh"

TSHARK=${TSHARK:-tshark}
if ! command -v "$TSHARK" >/dev/null 2>&1; then
	echo "SKIP: tshark not found; install Wireshark's tshark to check timestamps"
	exit 77
fi
if ! command -v python3 >/dev/null 2>&1; then
	echo "SKIP: python3 not found (needed to compute the expected stream hash)"
	exit 77
fi
. "${top_srcdir}/tests/tcp_stream.sh"

count() { "$TSHARK" -r "$1" -Y "$2" 2>/dev/null | wc -l | tr -d ' '; }

lossy() {
	cat <<EOF
[scenario]
duration = 5s
seed = 3
[link lan]
rate = 100Mbit
delay = 1ms
loss = 0.02
EOF
	lan_hosts
	bulk_apps 10.0.0.2 1000000
}

# ---- 1. timestamps on both sides ---------------------------------------------------
lossy >"$T/lossy.ini"
expect_exit 0 "1 MB with 2% loss runs" -- \
	"$NETSIM" run "$T/lossy.ini" --pcap "$T/on" --metrics "$T/on.txt"
A="$T/on/alice-eth0.pcap"
all=$(count "$A" 'tcp')
[ "$all" -gt 700 ] && ok "alice's capture has $all TCP segments" || not_ok "only $all segments"
expect_eq "$(count "$A" 'tcp && !tcp.options.timestamp.tsval')" 0 \
	"every segment carries a timestamp option tshark decodes"
expect_eq "$(count "$A" '_ws.malformed')" 0 "nothing malformed"
expect_eq "$(count "$A" 'tcp.options.timestamp.tsval && _ws.expert.severity >= 6291456 &&
	!tcp.analysis')" 0 "no expert warning about the option"
# in capture order: each TSecr (but the first SYN's 0) is a TSval the
# other end sent before
"$TSHARK" -r "$A" -Y tcp -T fields -E separator=/t -e ip.src -e tcp.flags.syn -e tcp.flags.ack \
	-e tcp.options.timestamp.tsval -e tcp.options.timestamp.tsecr 2>/dev/null |
	awk -F'\t' '{
		seen[$1 SUBSEP $4] = 1
		if ($2 == 1 && $3 == 0) { if ($5 != 0) bad++; next }
		other = ($1 == "10.0.0.1") ? "10.0.0.2" : "10.0.0.1"
		n++; if (!((other SUBSEP $5) in seen)) bad++
	} END { print n + 0, bad + 0 }' >"$T/echo"
read -r n bad <"$T/echo"
[ "$n" -gt 700 ] && ok "$n segments echo a TSecr" || not_ok "only $n segments with a TSecr"
expect_eq "$bad" 0 "every TSecr is a TSval the peer sent before (the SYN's is 0)"
syn=$("$TSHARK" -r "$A" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' -T fields \
	-e tcp.options.timestamp.tsval 2>/dev/null | head -1)
synack=$("$TSHARK" -r "$A" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 1' -T fields \
	-e tcp.options.timestamp.tsecr 2>/dev/null | head -1)
expect_eq "$synack" "$syn" "the SYN-ACK echoes the SYN's TSval"
expect_eq "$("$TSHARK" -r "$A" -Y 'ip.src == 10.0.0.1 && tcp.len > 0' -T fields -e tcp.len \
	2>/dev/null | sort -n | tail -1)" 1448 "data segments carry 1448 bytes (1460 less 12)"
expect_eq "$(stream_hash "$T/on/bob-eth0.pcap")" "$(pattern_hash 1000000)" \
	"the stream bob received is exactly what was written"

# ---- 2. tcp_timestamps = 0 at the receiver -----------------------------------------
expect_exit 0 "the same with tcp_timestamps = 0 at bob runs" -- \
	"$NETSIM" run "$T/lossy.ini" --pcap "$T/off" --set host.bob.tcp_timestamps=0
A="$T/off/alice-eth0.pcap"
expect_eq "$(count "$A" 'tcp.options.timestamp.tsval')" 1 "only alice's SYN carries one"
expect_eq "$("$TSHARK" -r "$A" -Y 'ip.src == 10.0.0.1 && tcp.len > 0' -T fields -e tcp.len \
	2>/dev/null | sort -n | tail -1)" 1460 "and data segments carry 1460 bytes"
expect_exit 2 "tcp_timestamps = 3 is refused" -- \
	"$NETSIM" run "$T/lossy.ini" --set host.bob.tcp_timestamps=3

done_testing
