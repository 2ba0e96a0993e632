#!/bin/sh
# tests/lectures_sockets.sh - trace checks of the lectures in
# docs/lecture-sockets-extra.md (their [expect] lines run in lectures.sh).
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

done_testing
