#!/bin/sh
# tests/lectures_sockets.sh - trace checks of the lectures in
# docs/lecture-sockets-extra.md (their [expect] lines run in lectures.sh),
# and the error lines of bad iptables rules.
. "$top_srcdir/tests/lib.sh"

LEC="$top_srcdir/scenarios/lectures"

# ---- a firewall on the input path ----------------------------------------------
db="$T/fw.db"
expect_exit 0 "firewall: runs" -- "$NETSIM" run --quiet "$LEC/firewall-input-path.ini" --trace "$db"
life=$("$NETSIM" show "$db" --flow 'udp:10.0.0.1:*-10.0.0.2:9' --nth 1)
# the datagram's life on bob ends at the hook: ip_rcv, nf_hook_slow, ipt_LOG, DROP
# (header-offset rows left out)
tail=$(printf '%s\n' "$life" | grep ' bob ' | grep -v '_header' | awk '{print $5, $6, $7, $8}' | tail -4 | tr '\n' '|')
expect_eq "$tail" "ip handoff -> ip_rcv|netfilter handoff -> nf_hook_slow|netfilter handoff -> ipt_LOG|netfilter DROP: netfilter_drop -|" \
	"firewall: the datagram for port 9 is dropped at the LOCAL_IN hook, before UDP"
"$NETSIM" show "$db" >"$T/summary"
expect_grep "$T/summary" 'NF_INET_LOCAL_IN +5' "firewall: show lists the drops at NF_INET_LOCAL_IN"
expect_grep "$T/summary" 'dport 13 -j REJECT --reject-with icmp-admin-prohibited +2 +256' \
	"firewall: show lists the rule hits"

# ---- AF_UNIX against loopback TCP ---------------------------------------------------
db="$T/ipc.db"
expect_exit 0 "af_unix: runs" -- "$NETSIM" run --quiet "$LEC/af-unix-vs-loopback-tcp.ini" --trace "$db"
if command -v sqlite3 >/dev/null 2>&1; then
	# the AF_UNIX half (before 100 ms): one skb per write, never in IP or in softirq
	q() { sqlite3 -batch -noheader "$db" "$1"; }
	unix=$(q "SELECT count(*) FROM skb_events WHERE time_ns BETWEEN 500000 AND 99000000 AND op = 'alloc'")
	ip=$(q "SELECT count(*) FROM skb_events WHERE time_ns BETWEEN 500000 AND 99000000 AND layer = 'ip'")
	soft=$(q "SELECT count(*) FROM cpu_busy WHERE start_ns BETWEEN 500000 AND 99000000 AND ctx = 'softirq'")
	expect_eq "$unix:$ip:$soft" "400:0:0" "af_unix: 400 skbs, none through IP, no softirq"
	handoff=$(q "SELECT DISTINCT func FROM skb_events WHERE time_ns BETWEEN 500000 AND 99000000 AND op = 'handoff'")
	expect_eq "$handoff" "unix_sendmsg" "af_unix: the only hand-off is unix_sendmsg"
	tcpsoft=$(q "SELECT count(*) > 0 FROM cpu_busy WHERE start_ns > 100000000 AND ctx = 'softirq'")
	expect_eq "$tcpsoft" "1" "af_unix: loopback TCP does use the softirq"
fi

# ---- TCP urgent data: URG and the urgent pointer on the wire (tshark) ---------------
expect_exit 0 "urgent: runs" -- "$NETSIM" run --quiet "$LEC/urgent-data.ini" --pcap "$T/urg"
if command -v tshark >/dev/null 2>&1; then
	# tshark's own view of each segment from alice, with checksums validated
	tshark -r "$T/urg/bob-eth0.pcap" -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE \
		-Y 'tcp.srcport == 23 || tcp.dstport == 23' \
		-T fields -e tcp.seq -e tcp.len -e tcp.flags.urg -e tcp.urgent_pointer \
		-e tcp.checksum.status -e _ws.malformed >"$T/urg.txt" 2>/dev/null
	urg=$(awk '$3 == 1' "$T/urg.txt")
	expect_eq "$(printf '%s\n' "$urg" | grep -c .)" "1" "urgent: one segment carries URG"
	# the pointer is one past the urgent byte (BSD and Linux): stream byte 5001
	# is the last byte of its segment, so pointer = its length, seq + ptr = 5002
	expect_eq "$(printf '%s\n' "$urg" | awk '{print $1 + $4 ":" ($4 == $2)}')" "5002:1" \
		"urgent: tshark reads the urgent pointer one past byte 5001"
	expect_eq "$(awk '$5 != 1' "$T/urg.txt" | grep -c .)" "0" \
		"urgent: every TCP checksum is checked and good (tcp.checksum.status = 1)"
	expect_eq "$(awk '$6 != ""' "$T/urg.txt" | grep -c .)" "0" "urgent: nothing malformed"
else
	ok "urgent: SKIP tshark not found"
fi

# ---- bad iptables rules: one line file:line: group key: what is wrong, exit 2 --------
NF="$top_srcdir/scenarios/network/netfilter-queue-and-output-reject.ini"
bad_rule() { # SED-EXPR WHAT MESSAGE-REGEX
	sed "$1" "$NF" >"$T/bad.ini"
	expect_exit 2 "iptables: $2 is refused" -- "$NETSIM" check "$T/bad.ini"
	expect_eq "$(wc -l <"$T/err" | tr -d ' ')" "1" "iptables: $2: one line"
	expect_grep "$T/err" "bad\.ini:[0-9]+: host [a-z]+ iptables: .*$3" "iptables: $2: says what is wrong"
}
bad_rule 's/--queue-num 1$/--queue-num 70000/' "a queue number above 65535" "queue number 0..65535"
bad_rule 's/-p tcp --dport 80 -j REJECT/-p udp --dport 80 -j REJECT/' "tcp-reset without -p tcp" "needs -p tcp"
bad_rule 's/-A OUTPUT -p udp --dport 13 -j REJECT/-A POSTROUTING -p udp --dport 13 -j REJECT/' \
	"REJECT in POSTROUTING" "INPUT, FORWARD and OUTPUT only"
bad_rule 's/-j NFQUEUE --queue-num 1$/-j DROP --queue-num 1/' "--queue-num without NFQUEUE" "without -j NFQUEUE"

done_testing
