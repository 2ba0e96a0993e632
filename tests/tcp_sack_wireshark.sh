#!/bin/sh
# tests/tcp_sack_wireshark.sh - SACK (RFC 2018) checked by Wireshark.
#
#  - lecture 9 (one frame lost): both SYNs carry SACK-permitted; every
#    duplicate ACK tshark finds carries a SACK block and every SACK block is
#    on a duplicate ACK; the blocks start at the end of the lost segment
#    and grow by one segment per ACK; tshark's expert info has nothing of
#    warning level or above at the sender, and at the receiver only the one
#    "previous segment not captured" of the lost frame; one retransmission;
#  - random loss, 1 MB at 2%: nothing malformed, no expert warning about
#    the SACK option, several blocks on some ACKs and never more than 3
#    (beside the 12 bytes of timestamps),
#    every retransmission tshark sees at the sender is one alice counted
#    (alice.tcp.retrans_segs), at least one per frame lost, and the stream
#    is exact;
#  - tcp_sack = 0 on the receiver: no SACK option on any segment.
#
# Skipped (exit 77) only when tshark or python3 is missing.
. "${top_srcdir}/tests/lib.sh"

TSHARK=${TSHARK:-tshark}
if ! command -v "$TSHARK" >/dev/null 2>&1; then
	echo "SKIP: tshark not found; install Wireshark's tshark to check SACK options"
	exit 77
fi
if ! command -v python3 >/dev/null 2>&1; then
	echo "SKIP: python3 not found (needed to compute the expected stream hash)"
	exit 77
fi
. "${top_srcdir}/tests/tcp_stream.sh"

# fields PCAP FIELD...: one line per frame, tab-separated
fields() {
	local f=$1
	shift
	local args=""
	for e in "$@"; do args="$args -e $e"; done
	# shellcheck disable=SC2086
	"$TSHARK" -r "$f" -o tcp.relative_sequence_numbers:TRUE -T fields -E occurrence=a \
		-E separator=/t -E aggregator=, $args 2>/dev/null
}

# count PCAP FILTER: frames matching a display filter
count() { "$TSHARK" -r "$1" -Y "$2" 2>/dev/null | wc -l | tr -d ' '; }

# ---- 1. lecture 9: one frame lost -----------------------------------------------
L="$top_srcdir/scenarios/lectures/tcp-loss-and-fast-retransmit.ini"
expect_exit 0 "lecture 9 runs with a capture" -- \
	"$NETSIM" run "$L" --pcap "$T/l9" --metrics "$T/l9.txt"
A="$T/l9/alice-eth0.pcap" B="$T/l9/bob-eth0.pcap"
expect_eq "$(figure "$T/l9.txt" link.lan.0.down)" 1 "lecture 9: one frame lost"
expect_eq "$(count "$A" 'tcp.flags.syn == 1 && tcp.options.sack_perm')" 2 \
	"both SYNs carry SACK-permitted"
dups=$(count "$A" 'tcp.analysis.duplicate_ack')
sacks=$(count "$A" 'tcp.options.sack_le')
[ "$dups" -ge 3 ] && ok "tshark finds $dups duplicate ACKs" || not_ok "only $dups duplicate ACKs"
expect_eq "$(count "$A" 'tcp.analysis.duplicate_ack && tcp.options.sack_le')" "$dups" \
	"every duplicate ACK carries a SACK block"
expect_eq "$sacks" "$dups" "and only duplicate ACKs carry one"
# segments of 1448 bytes (the MSS less 12 bytes of timestamps): the lost
# segment is 4345:5793 (relative): blocks 5793:7241, 5793:8689, ...
fields "$A" tcp.options.sack_le tcp.options.sack_re tcp.options.sack.count |
	awk -F'\t' '$1 != "" { n++; if ($1 != 5793 || $2 != 5793 + n * 1448 && $2 != 20002 || $3 != 1) bad++ }
		END { print n + 0, bad + 0 }' >"$T/blocks"
expect_eq "$(cat "$T/blocks")" "$sacks 0" \
	"one block each, from the lost segment's end (5793) up to the latest segment"
expect_eq "$(count "$A" '_ws.expert.severity >= 6291456')" 0 \
	"the sender's capture has no expert warning or error"
expect_eq "$(count "$B" '_ws.expert.severity >= 6291456')" 1 \
	"the receiver's has one, for the lost frame"
expect_eq "$(count "$B" 'tcp.analysis.lost_segment')" 1 "and it is 'previous segment not captured'"
expect_eq "$(count "$A" 'tcp.analysis.retransmission || tcp.analysis.fast_retransmission')" 1 \
	"tshark sees one retransmission"
expect_eq "$(count "$A" '_ws.malformed || tcp.options.sack && _ws.expert.severity >= 6291456')" 0 \
	"nothing malformed"

# ---- 2. random loss ----------------------------------------------------------------
{
	cat <<EOF
[scenario]
duration = 5s
seed = 1
[link lan]
rate = 100Mbit
delay = 1ms
loss = 0.02
EOF
	lan_hosts
	bulk_apps 10.0.0.2 1000000
} >"$T/lossy.ini"
expect_exit 0 "1 MB with 2% loss runs" -- \
	"$NETSIM" run "$T/lossy.ini" --pcap "$T/lossy" --metrics "$T/lossy.txt"
A="$T/lossy/alice-eth0.pcap"
expect_eq "$(count "$A" '_ws.malformed')" 0 "lossy: nothing malformed"
expect_eq "$(count "$A" 'tcp.options.sack && _ws.expert.severity >= 6291456')" 0 \
	"lossy: no expert warning on a segment with a SACK option"
many=$(count "$A" 'tcp.options.sack.count >= 2')
[ "$many" -gt 0 ] && ok "lossy: $many ACKs report several blocks" || not_ok "lossy: never two blocks"
# 40 option bytes less 12 of timestamps hold 3 blocks (Linux tcp_established_options)
expect_eq "$(count "$A" 'tcp.options.sack.count > 3')" 0 "lossy: never more than 3 blocks"
# (tshark calls a resend that follows its original closely "out-of-order";
# a lost SYN's resend counts too, as in Linux's RetransSegs)
rtx=$(count "$A" 'ip.src == 10.0.0.1 && (tcp.analysis.retransmission ||
	tcp.analysis.fast_retransmission || tcp.analysis.out_of_order)')
expect_eq "$rtx" "$(figure "$T/lossy.txt" alice.tcp.retrans_segs)" \
	"lossy: tshark's retransmissions are the ones alice counted ($rtx)"
# every frame lost on alice's side of the link (data; she sends no other
# frames after the handshake) was resent; an RTO may resend more
lost=$(figure "$T/lossy.txt" link.lan.0.lost)
[ "$rtx" -ge "$lost" ] && ok "lossy: $rtx retransmissions for $lost frames lost" ||
	not_ok "lossy: $rtx retransmissions for $lost frames lost"
expect_eq "$(stream_hash "$T/lossy/bob-eth0.pcap")" "$(pattern_hash 1000000)" \
	"lossy: the stream bob received is exactly what was written"

# ---- 3. tcp_sack = 0 at the receiver ---------------------------------------------
expect_exit 0 "lecture 9 with tcp_sack = 0 at bob runs" -- \
	"$NETSIM" run "$L" --pcap "$T/nosack" --set host.bob.tcp_sack=0
A="$T/nosack/alice-eth0.pcap"
expect_eq "$(count "$A" 'tcp.options.sack_perm')" 1 "only alice's SYN offers SACK"
expect_eq "$(count "$A" 'tcp.options.sack')" 0 "and no segment carries a SACK block"

done_testing
