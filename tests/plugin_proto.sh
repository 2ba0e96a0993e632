#!/bin/sh
# tests/plugin_proto.sh - a transport protocol registered by a plug-in
# (<netsim/proto.h>, issue 14): build docs/plugin-example's stop-and-wait
# protocol SW (IP protocol 253) into its client and server with the
# example's Makefile, run them over a clean and a lossy link and check that
# every datagram arrives once and in order, that retransmissions and
# duplicates are counted, and that tshark dissects the frames as IP
# protocol 253 without warnings.  Then modules that fault in their own
# code (IP handler, timer, sendmsg, a spin, exit()) end only themselves.
. "${top_srcdir}/tests/lib.sh"

CC=${CC:-cc}
if ! command -v "$CC" >/dev/null 2>&1 || ! command -v make >/dev/null 2>&1; then
	echo "SKIP: no C compiler or make to build the example plug-ins"
	exit 77
fi
ex="$top_srcdir/docs/plugin-example"
cp "$ex/Makefile" "$ex/sw_proto.c" "$ex/sw_client.c" "$ex/sw_server.c" "$T/"
expect_exit 0 "the stop-and-wait protocol builds with the example's Makefile" -- \
	make -C "$T" NETSIM_CFLAGS="-I$top_srcdir/include -fPIC" NETSIM_LIBS=-shared \
	CFLAGS="-O2 -Wall -Wextra -Werror" sw_client.so sw_server.so

# sw_ini LOSS COUNT: client on alice sends COUNT datagrams to the server on bob.
sw_ini() {
	cat <<EOF
[scenario]
duration = 5s
[link lan]
rate = 100Mbit
delay = 50us
loss = $1
[host alice]
eth0.link = lan
eth0.address = 10.0.0.1/24
[host bob]
eth0.link = lan
eth0.address = 10.0.0.2/24
[app server]
host = bob
program = plugin:$T/sw_server.so
port = 5000
count = $2
[app client]
host = alice
program = plugin:$T/sw_client.so
start = 1ms
dst = 10.0.0.2
port = 5000
count = $2
size = 200
[expect]
app.client.tx_msgs = $2
app.client.exit_status = 0
app.server.rx_msgs = $2
app.server.exit_status = 0
bob.proto.SW.delivered = $2
alice.proto.SW.acked = $2
EOF
}

# figure FILE NAME: the value of one metric.
figure() { sed -n "s/^$2 //p" "$1"; }

sw_ini 0 20 >"$T/clean.ini"
expect_exit 0 "20 datagrams over a clean link: delivered once, in order" -- \
	"$NETSIM" run -q -m "$T/clean.m" "$T/clean.ini"
expect_grep "$T/out" "balanced" "conservation holds (clean)"
expect_eq "$(figure "$T/clean.m" alice.proto.SW.retransmits)" "" "no retransmission without loss"

sw_ini 0.2 60 >"$T/lossy.ini"
expect_exit 0 "60 datagrams with 20% loss each way: every one delivered once and in order" -- \
	"$NETSIM" run -q -m "$T/lossy.m" -p "$T" "$T/lossy.ini"
expect_grep "$T/out" "balanced" "conservation holds (lossy)"
rtx=$(figure "$T/lossy.m" alice.proto.SW.retransmits)
dup=$(figure "$T/lossy.m" bob.proto.SW.dup_data)
lost=$(sed -n 's/.* + \([0-9]*\) lost.*/\1/p' "$T/out")
if [ "${rtx:-0}" -gt 0 ] && [ "${lost:-0}" -gt 0 ]; then
	ok "retransmissions counted: $rtx for $lost frames lost"
else
	not_ok "retransmissions '$rtx', lost '$lost'"
fi
if [ "${dup:-0}" -gt 0 ]; then
	ok "duplicates suppressed by the 1-bit sequence number: $dup"
else
	not_ok "no duplicate DATA seen with 20% loss ($dup)"
fi
# The same run twice gives the same figures (determinism).
"$NETSIM" run -q -m "$T/lossy2.m" "$T/lossy.ini" >/dev/null 2>&1
if cmp -s "$T/lossy.m" "$T/lossy2.m"; then
	ok "the lossy run is deterministic"
else
	not_ok "two runs of the lossy scenario differ"
fi

if command -v tshark >/dev/null 2>&1; then
	pc="$T/alice-eth0.pcap"
	n=$(tshark -r "$pc" -Y "ip.proto == 253" 2>/dev/null | wc -l)
	if [ "$n" -gt 120 ]; then
		ok "tshark sees $n IP protocol 253 frames on alice"
	else
		not_ok "tshark sees $n IP protocol 253 frames"
	fi
	bad=$(tshark -r "$pc" -Y "_ws.malformed || _ws.expert.severity >= warning" 2>/dev/null | wc -l)
	expect_eq "$bad" 0 "tshark: no malformed frame and no warning"
	good=$(tshark -o ip.check_checksum:TRUE -r "$pc" \
		-Y "ip.proto == 253 && ip.checksum.status == 1" 2>/dev/null | wc -l)
	expect_eq "$good" "$n" "tshark: every protocol 253 frame's IP header checksum is checked and good"
else
	echo "# tshark not installed: the dissection checks are skipped"
fi

# ---- the lecture (docs/lecture-sockets-extra.md): its [expect] lines, run
# from the folder where its plug-ins are, as the guide says.
mkdir "$T/lec"
cp "$ex/Makefile" "$ex/sw_proto.c" "$ex/sw_client.c" "$ex/sw_server.c" "$T/lec/"
make -s -C "$T/lec" NETSIM_CFLAGS="-I$top_srcdir/include -fPIC" NETSIM_LIBS=-shared \
	sw_client.so sw_server.so >/dev/null 2>&1
expect_exit 0 "the stop-and-wait lecture meets its [expect] lines" -- \
	sh -c "cd '$T/lec' && '$NETSIM' run --quiet '$top_srcdir/scenarios/lectures/plugin/stop-and-wait.ini'"

# ---- modules that fault (docs/reliability.md) ---------------------------------------------
# crash_ini MODE [EXPECT-LINE]: the CRASH module on both hosts, its client on
# alice, its server on bob, and a UDP flood between them that must go on.
crash_ini() {
	cat <<EOF
[scenario]
duration = 1s
spin_limit = 200ms
[link lan]
rate = 100Mbit
delay = 50us
EOF
	lan_hosts
	cat <<EOF
[app server]
host = bob
program = plugin:$T/crash$1.so
role = server
port = 7000
[app client]
host = alice
program = plugin:$T/crash$1.so
start = 1ms
dst = 10.0.0.2
port = 7000
count = 5
[app sink]
host = bob
program = udp_sink
port = 9000
[app flood]
host = alice
program = udp_flood
dst = 10.0.0.2
port = 9000
rate = 1000
count = 100
size = 100
start = 2ms
[expect]
app.sink.rx_msgs = 100
EOF
	[ $# -gt 1 ] && echo "$2"
}

for mode in 0 1 2 3 4 5; do
	"$CC" -shared -fPIC -O2 -DMODE=$mode -I"$top_srcdir/include" -o "$T/crash$mode.so" \
		"$top_srcdir/tests/bad_student/proto_crash.c"
done
# mode host what signal
for c in "0 bob its.IP.handler 11" "1 alice a.timer 8" "2 alice its.sendmsg 6" \
	"3 bob its.IP.handler 24" "4 bob its.IP.handler 0" "5 bob its.IP.handler 11"; do
	set -- $c
	mode=$1 host=$2 where=$(echo "$3" | tr . ' ') sig=$4
	crash_ini $mode >"$T/c.ini"
	expect_exit 1 "mode $mode: a fault in $where fails the run, which goes on to its end" -- \
		"$NETSIM" run -q -m "$T/c.m" "$T/c.ini"
	expect_grep "$T/out" "plug-in modules that failed" "mode $mode: the summary lists the module"
	expect_grep "$T/out" "module crash$mode.so \(CRASH\) on host $host: .* in $where" \
		"mode $mode: it names the module, the host and the context"
	expect_grep "$T/out" "ok   app.sink.rx_msgs = 100" "mode $mode: UDP traffic is still delivered"
	expect_grep "$T/out" "balanced" "mode $mode: conservation holds"
	expect_eq "$(figure "$T/c.m" $host.proto.CRASH.faulted)" 1 "mode $mode: $host.proto.CRASH.faulted = 1"
	expect_eq "$(figure "$T/c.m" $host.proto.CRASH.fault_signal)" "$sig" \
		"mode $mode: fault_signal = $sig"
	crash_ini $mode "$host.proto.CRASH.fault_signal = $sig" >"$T/c2.ini"
	expect_exit 0 "mode $mode: [expect] $host.proto.CRASH.fault_signal = $sig accepts it" -- \
		"$NETSIM" run -q "$T/c2.ini"
done
crash_ini 5 >"$T/c.ini"
"$NETSIM" run -q "$T/c.ini" >/dev/null 2>"$T/err5"
expect_grep "$T/err5" "ns_consume_skb: an skb the module does not hold" \
	"mode 5: the second consume_skb is refused and named"

# After the IP handler's fault bob answers protocol 253 as unknown (ICMP
# protocol unreachable, drop ip_noproto), and the held skb is module_fault.
crash_ini 0 >"$T/c.ini"
"$NETSIM" run -q -m "$T/c.m" "$T/c.ini" >/dev/null 2>&1
expect_eq "$(figure "$T/c.m" bob.drops.module_fault)" 1 "the datagram the handler held is dropped as module_fault"
expect_eq "$(figure "$T/c.m" bob.ip.in_unknown_protos)" 4 "the 4 later datagrams find no protocol 253"
expect_eq "$(figure "$T/c.m" app.server.exit_status)" 9 "the server's blocked recv fails with ECONNABORTED"
# A faulted run is as deterministic as any: the same skb rows twice.
if command -v sqlite3 >/dev/null 2>&1; then
	for i in 1 2; do
		"$NETSIM" run -q -s scenario.trace=full --trace "$T/f$i.db" "$T/c.ini" >/dev/null 2>&1
		sqlite3 "$T/f$i.db" "SELECT * FROM skb_events ORDER BY seq" >"$T/f$i.txt"
	done
	if [ -s "$T/f1.txt" ] && cmp -s "$T/f1.txt" "$T/f2.txt" &&
		grep -q module_fault "$T/f1.txt"; then
		ok "two runs with a module fault write the same skb rows, module_fault drop included"
	else
		not_ok "two runs with a module fault differ (or no module_fault row)"
	fi
fi
done_testing
