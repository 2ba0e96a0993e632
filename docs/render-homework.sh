#!/bin/sh
# docs/render-homework.sh - run the sweeps of docs/homework-livelock.md (and
# of docs/homework-livelock-queues.md) and copy their plots to the handout's pictures, so that they are the
# project's own output:
#
#   docs/render-homework.sh NETSIM [OUTDIR [WORKDIR]]     (OUTDIR: docs/img)
#
# Each sweep is the command of its question; the work happens in a scratch
# folder, or in WORKDIR (kept: its sweep.csv files give the handout's tables).
set -eu
netsim=$1
src=$(cd "$(dirname "$0")/.." && pwd)
out=${2:-$src/docs/img}
mkdir -p "$out"
out=$(cd "$out" && pwd)
if [ -n "${3:-}" ]; then
	mkdir -p "$3"
	work=$(cd "$3" && pwd)
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/netsim-homework.XXXXXX")
	trap 'rm -rf "$work"' EXIT
fi
cd "$work"
hw=$src/scenarios/homework
sweep() { "$netsim" sweep -q -j "$(nproc)" "$@"; }

sweep "$hw/receiver.ini" -o q2
cp q2/plots/app.sink.rx_rate.png "$out/livelock-receiver.png"
cp q2/plots/cpu.png "$out/livelock-receiver-cpu.png"
sweep "$hw/receiver.ini" -o q2 --y bob.eth0.irqs_per_packet
cp q2/plots/bob.eth0.irqs_per_packet.png "$out/livelock-receiver-irqs.png"
sweep "$hw/router.ini" -o q4
cp q4/plots/app.sink.rx_rate.png "$out/livelock-router.png"
cp q4/plots/cpu.png "$out/livelock-router-cpu.png"
sweep "$hw/router-screend.ini" -o q5q
cp q5q/plots/app.sink.rx_rate.png "$out/livelock-screend-quota.png"
sweep "$hw/receiver.ini" -o q6 --vary host.bob.eth0.napi=off \
	--vary host.bob.eth0.rx_usecs=0,20,50 --series host.bob.eth0.rx_usecs
cp q6/plots/app.sink.rx_rate.png "$out/livelock-coalescing.png"
sweep "$hw/router-screend.ini" -o q7f \
	--set host.router.eth0.threaded=off --vary host.router.eth0.weight=10 \
	--vary host.router.screen_feedback=off,on --series host.router.screen_feedback
cp q7f/plots/app.sink.rx_rate.png "$out/livelock-screend-feedback.png"
sweep "$hw/router-screend.ini" -o q7c \
	--vary host.router.eth0.weight=10 --vary host.router.rx_cycle_limit=100,75,50,25 \
	--series host.router.rx_cycle_limit
cp q7c/plots/app.sink.rx_rate.png "$out/livelock-screend-cycles.png"
# docs/homework-livelock-queues.md: 1, 2 and 4 RX queues on a 4-CPU receiver
sweep "$hw/receiver-queues.ini" -o qq
cp qq/plots/bob.udp.in_datagrams.png "$out/livelock-queues.png"
cp qq/plots/cpu.png "$out/livelock-queues-cpu.png"
echo "render-homework: 11 pictures in $out"
