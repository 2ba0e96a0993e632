#!/bin/sh
# tests/homework_trough.sh - the receiver homework's NAPI trough: the loads
# at which NAPI delivers less than half of what interrupt mode delivers
# (scenarios/homework/receiver.ini), against the hand calculation of
# docs/homework-livelock-answers.md (question 2, "The trough").  Linux 6.6
# does the same: a __do_softirq run from irq_exit that empties the ring and
# ends with nothing pending is not limited by MAX_SOFTIRQ_RESTART or the
# 2 ms, so the sink gets only what the softirq leaves, while interrupt mode
# has already overloaded its backlog and handed the protocol work to
# ksoftirqd, a task that CFS shares with the sink.  Nothing here measures
# wall-clock time.
. "$top_srcdir/tests/lib.sh"

SC="$top_srcdir/scenarios/homework/receiver.ini"

# rx MODE RATE ARRIVAL SEED: the sink's delivered rate (and irqs per packet
# in $T/ipp)
rx() {
	if ! "$NETSIM" run "$SC" --quiet --metrics "$T/m.txt" --set scenario.duration=20ms \
		--set scenario.seed="$4" --set app.flood.arrival="$3" \
		--set host.bob.eth0.napi="$1" --set app.flood.rate="$2" >"$T/out" 2>&1; then
		sed 's/^/#   /' "$T/out" | head -5 >&2
		: >"$T/m.txt"
	fi
	awk '$1 == "bob.eth0.irqs_per_packet" { v = $2 } END { print v + 0 }' "$T/m.txt" >"$T/ipp"
	awk '$1 == "app.sink.rx_rate" { v = $2 } END { print v + 0 }' "$T/m.txt"
}
check() {
	if awk "BEGIN { exit !($1) }"; then ok "$2"; else not_ok "$2: $1 is false"; fi
}

# The hand calculation (cost table: the handout's; times in us).
# NAPI, one interrupt per poll of k packets (the saw-tooth):
#   g = 1/rate, k = 1 + floor(1.5 / (g - 1.6)), f = (k g - 1.6 - 1.6 k) / (k g),
#   napi = min(rate, max(f, 0) / 1.205)
# Interrupt mode once ksoftirqd has the protocol work (from 1/(1.65 + 1.1) =
# 363,600/s): the hardirq takes 1.65 per packet, CFS gives the sink half of
# the rest:  int = (1 - 1.65 rate) / (2 * 1.205)
hand() {
	awk -v r="$1" 'BEGIN { g = 1e6 / r; k = 1 + int(1.5 / (g - 1.6));
		f = (k * g - 1.6 - 1.6 * k) / (k * g); if (f < 0) f = 0;
		n = f / 1.205e-6; if (n > r) n = r;
		i = (1 - 1.65e-6 * r) / (2 * 1.205e-6);
		printf "%d %d %.4f", n, i, f }'
}

# ---- periodic arrivals, 340,000 to 620,000/s in steps of 10,000 ----------------------
lo_sim=0 lo_hand=0 hi_sim=0 deep_sim=1 deep_hand=1 bad_napi="" bad_int=""
rate=340000
while [ $rate -le 620000 ]; do
	n=$(rx on $rate constant 1) i=$(rx off $rate constant 1)
	h=$(hand $rate)
	hn=${h%% *} rest=${h#* } hi=${rest%% *} f=${h##* }
	in_sim=$(awk -v n="$n" -v i="$i" 'BEGIN { print (n < 0.5 * i) ? 1 : 0 }')
	in_hand=$(awk -v n="$hn" -v i="$hi" 'BEGIN { print (i > 0 && n < 0.5 * i) ? 1 : 0 }')
	[ "$in_sim" = 1 ] && [ $lo_sim = 0 ] && lo_sim=$rate
	[ "$in_hand" = 1 ] && [ $lo_hand = 0 ] && lo_hand=$rate
	# the trough's end: from here on NAPI stays on ksoftirqd's plateau
	if awk -v n="$n" 'BEGIN { exit !(n >= 300000) }'; then
		[ $hi_sim = 0 ] && hi_sim=$rate
	else
		hi_sim=0
	fi
	if [ "$in_sim" = 1 ]; then
		deep_sim=$(awk -v d="$deep_sim" -v n="$n" -v i="$i" 'BEGIN { r = n / i; print (r < d) ? r : d }')
		deep_hand=$(awk -v d="$deep_hand" -v n="$hn" -v i="$hi" 'BEGIN { r = n / i; print (r < d) ? r : d }')
	fi
	# inside a tooth (clear of its edges) both curves follow the hand calculation
	if [ $rate -ge 370000 ] && awk -v f="$f" 'BEGIN { exit !(f >= 0.02) }'; then
		awk -v s="$n" -v h="$hn" 'BEGIN { exit !(s >= 0.85 * h && s <= 1.15 * h) }' ||
			bad_napi="$bad_napi $rate:$n/$hn"
		awk -v s="$i" -v h="$hi" 'BEGIN { exit !(s >= 0.85 * h && s <= 1.15 * h) }' ||
			bad_int="$bad_int $rate:$i/$hi"
	fi
	rate=$((rate + 10000))
done
check "$lo_sim > 0 && $lo_sim >= 0.85 * $lo_hand && $lo_sim <= 1.15 * $lo_hand" \
	"periodic: the trough begins at $lo_sim/s (hand calculation: $lo_hand/s, interrupt mode's ksoftirqd has taken over)"
check "$hi_sim > 0 && $hi_sim >= 0.85 * 625000 && $hi_sim <= 1.15 * 625000" \
	"periodic: it ends at $hi_sim/s, where NAPI's poll can no longer empty the ring (hand: 1 / 1.6 us = 625,000/s)"
check "$deep_sim <= 0.05 && $deep_hand <= 0.05" \
	"periodic: at its deepest NAPI delivers $deep_sim of interrupt mode (hand: $deep_hand, 0 at a tooth's end)"
if [ -z "$bad_napi" ]; then ok "periodic: inside each tooth NAPI is within 15% of the hand calculation"; else not_ok "periodic: NAPI off the hand calculation (rate:netsim/hand):$bad_napi"; fi
if [ -z "$bad_int" ]; then ok "periodic: interrupt mode is within 15% of (1 - 1.65 r) / 2.41 us there"; else not_ok "periodic: interrupt mode off the hand calculation (rate:netsim/hand):$bad_int"; fi

# ---- Poisson arrivals: medians of three seeds --------------------------------------
# med MODE RATE: the median delivered rate; $T/ippmed the median irqs/packet
med() {
	for s in 1 2 3; do
		echo "$(rx "$1" "$2" poisson $s) $(cat "$T/ipp")"
	done | sort -n | sed -n 2p >"$T/med"
	cut -d' ' -f2 "$T/med" >"$T/ippmed"
	cut -d' ' -f1 "$T/med"
}
n400=$(med on 400000) i400=$(med off 400000)
check "$n400 >= 2 * $i400" \
	"Poisson: no teeth; at 400,000/s, the periodic trough's middle, NAPI delivers $n400/s, interrupt mode $i400/s"
for rate in 525000 550000; do
	n=$(med on $rate) ipp=$(cat "$T/ippmed") i=$(med off $rate)
	# the softirq still runs from irq_exit and leaves the sink the rest:
	# (1 - r (1.6 + 1.5 ipp)) / 1.205 us, with the measured interrupts per packet
	h=$(awk -v r=$rate -v p="$ipp" 'BEGIN { printf "%d", (1 - r * (1.6e-6 + 1.5e-6 * p)) / 1.205e-6 }')
	check "$n < 0.5 * $i && $n >= 0.85 * $h && $n <= 1.15 * $h" \
		"Poisson: the trough stays, narrower: at $rate/s NAPI $n/s (hand $h/s, $ipp irqs/packet) < half of interrupt mode's $i/s"
done

done_testing
