#!/bin/sh
# tests/xps_queues.sh - several TX queues and XPS (issue 19; docs/device-layer.md,
# "Several TX queues and XPS").  alice has 4 CPUs and eth0.tx_queues = 4;
# four UDP floods to different ports are pinned one to each CPU.  With
# eth0.txK.xps_cpus = CPU K every TX queue carries exactly one flow (the
# one whose sender runs on its CPU); without XPS skb_tx_hash spreads the
# flows by their hash, and two of them share a queue.
. "$top_srcdir/tests/lib.sh"

# scenario XPS(0/1): on stdout
scenario() {
	cat <<EOT
[scenario]
title = XPS
duration = 12ms
seed = 1
trace = off

[link l1]
rate = 1Gbit
delay = 10us

[host alice]
cpus = 4
eth0.link = l1
eth0.address = 10.0.1.1/24
eth0.tx_queues = 4
EOT
	if [ "$1" = 1 ]; then
		printf 'eth0.tx0.xps_cpus = 0x1\neth0.tx1.xps_cpus = 0x2\n'
		printf 'eth0.tx2.xps_cpus = 2\neth0.tx3.xps_cpus = 3\n'
	fi
	cat <<EOT

[host bob]
eth0.link = l1
eth0.address = 10.0.1.2/24
EOT
	# flood K: 1000 + 1000 K datagrams a second from CPU K, to port 9 + K,
	# so that each queue's count names its flow
	for k in 0 1 2 3; do
		cat <<EOT

[app flood$k]
host = alice
program = udp_flood
dst = 10.0.1.2
port = $((9 + k))
size = 64
rate = $((100000 * (k + 1)))
start = 1ms
duration = 10ms
cpus_allowed = $k
EOT
	done
}

# run XPS NAME: metrics in $T/NAME.txt
run() {
	scenario "$1" >"$T/$2.ini"
	"$NETSIM" run --quiet --metrics "$T/$2.txt" "$T/$2.ini" >"$T/$2.out" 2>&1 ||
		echo "# netsim failed: $(cat "$T/$2.out")" >&2
}

# metric FILE NAME
metric() { awk -v n="$2" '$1 == n { print $2 }' "$1"; }

run 1 xps
run 0 hash
for f in xps hash; do
	for k in 0 1 2 3; do
		eval "${f}_q$k=\$(metric \$T/$f.txt alice.eth0.tx$k.packets)"
		eval "${f}_sent$k=\$(metric \$T/$f.txt app.flood$k.tx_msgs)"
	done
	echo "# $f: queues $(eval echo \$${f}_q0 \$${f}_q1 \$${f}_q2 \$${f}_q3)," \
		"floods sent $(eval echo \$${f}_sent0 \$${f}_sent1 \$${f}_sent2 \$${f}_sent3)"
done

# XPS: queue K carries flood K's datagrams.  The exception is the first
# few of each flood, which wait for alice's ARP request to be answered and
# are sent from CPU 0's NET_RX softirq (neigh_update flushing arp_queue),
# so that XPS puts them on queue 0, as Linux would (their sender_cpu is
# set at their first dev_queue_xmit).
n=0
for k in 1 2 3; do
	q=$(eval echo \$xps_q$k)
	s=$(eval echo \$xps_sent$k)
	[ -n "$q" ] && [ -n "$s" ] && [ "$s" -gt 500 ] && [ "$q" -le "$s" ] &&
		[ "$q" -ge $((s - 20)) ] && n=$((n + 1))
done
check $((n == 3)) "XPS 1:1: TX queues 1-3 carry their CPU's flood, less the datagrams that waited for ARP"
arp_wait=$((xps_sent1 + xps_sent2 + xps_sent3 - xps_q1 - xps_q2 - xps_q3))
check $((xps_q0 >= xps_sent0 + arp_wait && xps_q0 <= xps_sent0 + arp_wait + 2)) \
	"XPS 1:1: TX queue 0 carries flood 0, the $arp_wait that waited for ARP and the ARP request"

# hash: the same four floods; the queues' counts are sums of whole floods,
# and they are not one flow a queue
total_x=$((xps_q0 + xps_q1 + xps_q2 + xps_q3))
total_h=$((hash_q0 + hash_q1 + hash_q2 + hash_q3))
check $((total_x == total_h)) "both runs send the same frames ($total_x, $total_h)"
empty=0
for k in 0 1 2 3; do
	[ "$(eval echo \$hash_q$k)" -le 2 ] && empty=$((empty + 1))
done
check $((empty >= 1)) "without XPS the flow hash leaves a queue (nearly) idle: $empty"
ones=0
for k in 0 1 2 3; do
	q=$(eval echo \$hash_q$k)
	for j in 0 1 2 3; do
		s=$(eval echo \$hash_sent$j)
		[ "$q" -ge "$s" ] && [ "$q" -le $((s + 2)) ] && ones=$((ones + 1))
	done
done
check $((ones < 4)) "without XPS fewer than 4 queues carry exactly one flood ($ones)"

# bad input: one line naming the key, exit 2
printf '[scenario]\nduration = 1ms\n\n[host alice]\ncpus = 2\neth0.tx_queues = 2\neth0.tx1.xps_cpus = 0x4\n' >"$T/bad.ini"
"$NETSIM" run --quiet "$T/bad.ini" >"$T/bad.out" 2>&1
rc=$?
check $((rc == 2)) "an xps_cpus mask naming a CPU the host lacks exits 2 ($rc)"
grep -q 'bad.ini:7: host alice eth0.tx1.xps_cpus: ' "$T/bad.out"
check $((! $?)) "... with one line naming file, line, group and key"
sed 's/tx1.xps_cpus = 0x4/tx2.xps_cpus = 1/' "$T/bad.ini" >"$T/bad2.ini"
"$NETSIM" run --quiet "$T/bad2.ini" >"$T/bad2.out" 2>&1
rc=$?
check $((rc == 2)) "xps_cpus of a TX queue that does not exist exits 2 ($rc)"
done_testing
