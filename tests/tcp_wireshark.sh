#!/bin/sh
# tests/tcp_wireshark.sh - TCP checked against Wireshark and against theory.
#
#  - every capture of the TCP scenarios below passes tshark with IP and TCP
#    checksum validation on, and nothing is malformed;
#  - tcp.analysis flags (retransmissions, duplicate ACKs, ...) appear only
#    in the lossy scenario (window updates are not losses and are allowed);
#  - the byte stream tshark reassembles (follow,tcp,raw) is what bulk_send
#    wrote: byte i is i mod 251 (apps/programs.c), compared by SHA-256;
#  - without loss a bulk transfer fills >= 90% of the 100 Mbit/s link;
#  - with random loss p the throughput is within 30% of Mathis et al.
#    (1997), MSS/RTT * sqrt(3/(2p)), for p = 0.1% and 1%.
#
# Skipped (exit 77) only when tshark or python3 is missing.
. "${top_srcdir}/tests/lib.sh"

TSHARK=${TSHARK:-tshark}
if ! command -v "$TSHARK" >/dev/null 2>&1; then
	echo "SKIP: tshark not found; install Wireshark's tshark to check TCP captures"
	exit 77
fi
if ! command -v python3 >/dev/null 2>&1; then
	echo "SKIP: python3 not found (needed to compute the expected stream hash)"
	exit 77
fi

# scenario NAME RATE DELAY LOSS BYTES DURATION SENDER_DURATION
scenario() {
	{
		cat <<EOF
[scenario]
duration = $6
seed = 1
[link lan]
rate = $2
delay = $3
loss = $4
EOF
		lan_hosts
		bulk_apps 10.0.0.2 "$5" "$7"
	} >"$T/$1.ini"
}

# scan PCAP: one tshark pass; sets bad (bad checksums or malformed frames),
# good (TCP checksums verified good), tcp (TCP frames), flags (tcp.analysis
# frames other than window updates) and retr (retransmissions).
scan() {
	eval "$("$TSHARK" -r "$1" -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE \
		-T fields -E occurrence=f -e ip.checksum.status -e tcp.checksum.status \
		-e _ws.malformed -e tcp.analysis.flags -e tcp.analysis.window_update \
		-e tcp.analysis.retransmission -e tcp.analysis.fast_retransmission 2>/dev/null |
		awk -F '\t' '
			$1 == "0" || $2 == "0" || $3 != "" { bad++ }
			$2 != "" { tcp++ } $2 == "1" { good++ }
			$4 != "" && $5 == "" { flags++ }
			$6 != "" || $7 != "" { retr++ }
			END { printf "bad=%d good=%d tcp=%d flags=%d retr=%d\n", bad, good, tcp, flags, retr }')"
}

# checksums PCAP: scan it and check the checksums (sets the scan variables).
checksums() {
	scan "$1"
	what="$(basename "$(dirname "$1")")/$(basename "$1")"
	expect_eq "$bad" 0 "$what: no bad IP/TCP checksum, nothing malformed"
	if [ "$tcp" -gt 0 ]; then
		expect_eq "$good" "$tcp" "$what: all $tcp TCP checksums verified good"
	fi
}

. "${top_srcdir}/tests/tcp_stream.sh"

# ---- 1. a clean transfer: checksums, no analysis flags, the stream, the rate ----
scenario clean 100Mbit 1ms 0 2000000 3s 0
expect_exit 0 "clean 2 MB transfer runs" -- \
	"$NETSIM" run "$T/clean.ini" --pcap "$T/clean" --metrics "$T/clean.txt"
for f in "$T"/clean/*.pcap; do checksums "$f"; done
expect_eq "$flags" 0 "clean: no tcp.analysis flags (no loss, no retransmission)"
expect_eq "$(stream_hash "$T/clean/bob-eth0.pcap")" "$(pattern_hash 2000000)" \
	"clean: the stream tshark reassembles is the 2 MB bulk_send wrote"

# ---- 2. a lossy transfer: flags expected, the stream still exact -------------------
scenario lossy 100Mbit 1ms 0.02 1000000 5s 0
expect_exit 0 "lossy 1 MB transfer (2% loss) runs" -- \
	"$NETSIM" run "$T/lossy.ini" --pcap "$T/lossy" --metrics "$T/lossy.txt"
for f in "$T"/lossy/*.pcap; do checksums "$f"; done
checksums "$T/lossy/alice-eth0.pcap"
[ "$flags" -gt 0 ] && ok "lossy: $flags tcp.analysis flags where frames were lost" ||
	not_ok "lossy: no tcp.analysis flags despite losses"
[ "$retr" -gt 0 ] && ok "lossy: tshark sees $retr retransmissions" || not_ok "lossy: no retransmission seen"
expect_eq "$(stream_hash "$T/lossy/alice-eth0.pcap")" "$(pattern_hash 1000000)" \
	"lossy: the reassembled stream is still exactly what was written"
expect_eq "$(figure "$T/lossy.txt" app.sink.rx_bytes)" 1000000 "lossy: the sink read every byte"

# ---- 3. without loss the transfer fills the bottleneck ------------------------------
# The run stops while the sender still sends: rx_bps is the goodput.
scenario fill 100Mbit 1ms 0 0 5s 10s
expect_exit 0 "5 s bulk transfer at 100 Mbit/s runs" -- \
	"$NETSIM" run "$T/fill.ini" --metrics "$T/fill.txt"
bps=$(figure "$T/fill.txt" app.sink.rx_bps)
if python3 -c "import sys; sys.exit(0 if $bps >= 0.9 * 100e6 else 1)"; then
	ok "no loss: goodput $bps bit/s >= 90% of 100 Mbit/s"
else
	not_ok "no loss: goodput $bps bit/s < 90% of 100 Mbit/s"
fi

# ---- 4. Mathis et al.: throughput under random loss ---------------------------------
# 1 Gbit/s, 10 ms each way: RTT 20 ms, far from the link rate; 60 s of
# sending (hundreds of loss cycles), buffers of 4 MB so only loss limits.
# Mathis' formula is Reno's (halving, +1 segment per RTT): the sender runs
# Reno, not the default CUBIC.
for p in 0.001 0.01; do
	scenario "mathis$p" 1Gbit 10ms "$p" 0 60s 100s
	sed -i 's/^\[host alice\]$/[host alice]\ntcp_congestion_control = reno/' "$T/mathis$p.ini"
	expect_exit 0 "bulk transfer with loss $p runs" -- \
		"$NETSIM" run "$T/mathis$p.ini" --metrics "$T/mathis$p.txt"
	bps=$(figure "$T/mathis$p.txt" app.sink.rx_bps)
	ratio=$(python3 -c "import math; print('%.3f' % ($bps / (1460 * 8 / 0.020 * math.sqrt(3 / (2 * $p)))))")
	if python3 -c "import sys; sys.exit(0 if 0.7 <= $ratio <= 1.3 else 1)"; then
		ok "loss $p: goodput $bps bit/s is $ratio of Mathis' MSS/RTT*sqrt(3/(2p))"
	else
		not_ok "loss $p: goodput $bps bit/s is $ratio of Mathis' estimate (outside 0.7..1.3)"
	fi
done

# ---- 5. the TCP lecture scenarios' captures ----------------------------------------
# Every lecture scenario that runs a TCP program; only the loss lecture may
# show tcp.analysis flags.
for lecture in "$top_srcdir"/scenarios/lectures/*.ini; do
	grep -qE '^program *= *(bulk_send|bulk_sink|tcp_echo|request_response|stream_)' "$lecture" || continue
	name=$(basename "$lecture" .ini)
	expect_exit 0 "lecture $name runs" -- "$NETSIM" run "$lecture" --pcap "$T/$name"
	all=0
	for f in "$T/$name"/*.pcap; do checksums "$f"; all=$((all + flags)); done
	flags=$all
	case $name in
	*loss*) [ "$flags" -gt 0 ] && ok "lecture $name: $flags tcp.analysis flags, where it loses frames" ||
		not_ok "lecture $name: a loss lecture without tcp.analysis flags" ;;
	*) expect_eq "$flags" 0 "lecture $name: no tcp.analysis flags" ;;
	esac
done

done_testing
