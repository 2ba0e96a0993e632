#!/bin/sh
# tests/plugin_cc.sh - a TCP congestion control registered by a plug-in
# (<netsim/tcp_cong.h>, issue 17): build docs/plugin-example's "aimd" into
# its sender with the example's Makefile, run the lecture that puts it
# beside Reno on identical lossy paths, and check from the tcp_cc trace
# table that each connection used the algorithm it asked for and that the
# decrease after the loss is the algorithm's own (aimd keeps 3/4 of cwnd,
# Reno 1/2).  Then algorithms that fault (a division by zero, a NULL
# pointer, a socket that is not theirs, a spin) end only their module: the
# connection goes on with Reno and delivers every byte; and bad
# registrations (no undo_cwnd, a built-in's name) refuse the scenario.
. "${top_srcdir}/tests/lib.sh"

CC=${CC:-cc}
if ! command -v "$CC" >/dev/null 2>&1 || ! command -v make >/dev/null 2>&1; then
	echo "SKIP: no C compiler or make to build the example plug-ins"
	exit 77
fi
if ! command -v sqlite3 >/dev/null 2>&1; then
	echo "SKIP: sqlite3 is needed to read the tcp_cc table"
	exit 77
fi
ex="$top_srcdir/docs/plugin-example"
mkdir "$T/lec"
cp "$ex/Makefile" "$ex/aimd_cc.c" "$ex/aimd_send.c" "$T/lec/"
expect_exit 0 "the aimd algorithm and its sender build with the example's Makefile" -- \
	make -C "$T/lec" NETSIM_CFLAGS="-I$top_srcdir/include -fPIC" NETSIM_LIBS=-shared \
	CFLAGS="-O2 -Wall -Wextra -Werror" aimd_send.so

# figure FILE NAME: the value of one metric.
figure() { sed -n "s/^$2 //p" "$1"; }

lec="$top_srcdir/scenarios/lectures/plugin/student-aimd.ini"
expect_exit 0 "the student-aimd lecture meets its [expect] lines" -- \
	sh -c "cd '$T/lec' && '$NETSIM' run --quiet -m '$T/a.m' --trace '$T/a.db' '$lec'"
expect_grep "$T/out" "balanced" "conservation holds"

# The host numbers of the trace: reno 1, bob1 2, aimd 3, bob2 4 (file order).
q() { sqlite3 "$T/a.db" "$1"; }
expect_eq "$(q "SELECT group_concat(DISTINCT ca) FROM tcp_cc WHERE host = 1")" reno \
	"host reno's connection ran reno (setsockopt TCP_CONGESTION)"
expect_eq "$(q "SELECT group_concat(DISTINCT ca) FROM tcp_cc WHERE host = 3")" aimd \
	"host aimd's connection ran the plug-in's aimd"
# decrease HOST: cwnd (segments) just before the first Recovery row, and the
# ssthresh (segments) of that row.
decrease() {
	q "SELECT (SELECT cwnd / 1448 FROM tcp_cc WHERE host = $1 AND time_ns < r.time_ns
	           ORDER BY time_ns DESC, rowid DESC LIMIT 1), ssthresh / 1448
	   FROM (SELECT time_ns, ssthresh FROM tcp_cc WHERE host = $1 AND ca_state = 'Recovery'
	         ORDER BY time_ns, rowid LIMIT 1) r"
}
set -- $(decrease 1 | tr '|' ' ')
reno_cwnd=${1:-0} reno_ss=${2:-0}
set -- $(decrease 3 | tr '|' ' ')
aimd_cwnd=${1:-0} aimd_ss=${2:-0}
check $((reno_cwnd >= 20 && reno_cwnd == aimd_cwnd)) \
	"both flows meet the loss with the same cwnd ($reno_cwnd and $aimd_cwnd segments)"
expect_eq "$reno_ss" $((reno_cwnd / 2)) "Reno's ssthresh after the loss is cwnd / 2"
expect_eq "$aimd_ss" $((aimd_cwnd * 3 / 4)) "aimd's ssthresh after the loss is cwnd * 3 / 4 (aimd_ssthresh)"
# After recovery both grow one segment a round trip: aimd's cwnd stays above.
n=$(q "SELECT count(*) FROM tcp_cc a JOIN tcp_cc r ON r.host = 1 AND a.host = 3
       AND a.time_ns = r.time_ns AND a.ca_state = 'Open' AND r.ca_state = 'Open'
       AND a.time_ns > 300000000 WHERE a.cwnd <= r.cwnd")
m=$(q "SELECT count(*) FROM tcp_cc a JOIN tcp_cc r ON r.host = 1 AND a.host = 3
       AND a.time_ns = r.time_ns AND a.ca_state = 'Open' AND r.ca_state = 'Open'
       AND a.time_ns > 300000000")
check $((m > 10 && n == 0)) "after recovery aimd's cwnd is above Reno's at every common sample ($n of $m not)"
expect_eq "$(figure "$T/a.m" aimd.proto.aimd.faulted)" 0 "aimd.proto.aimd.faulted = 0"

# The same run twice: the same figures.
sh -c "cd '$T/lec' && '$NETSIM' run --quiet -m '$T/b.m' '$lec'" >/dev/null 2>&1
if cmp -s "$T/a.m" "$T/b.m"; then ok "the same run twice gives the same figures"; else not_ok "two runs differ"; fi

# The full trace of the run replays (netsim check-trace, as for every lecture).
sh -c "cd '$T/lec' && '$NETSIM' run --quiet --trace-level full --trace '$T/f.db' '$lec'" \
	>/dev/null 2>&1
expect_exit 0 "the lecture's full trace replays" -- "$NETSIM" check-trace "$T/f.db"

# An unknown name: setsockopt fails with ENOENT, the program says so (3).
sed 's/^cc = aimd$/cc = nosuch/' "$lec" >"$T/lec/nosuch.ini"
sh -c "cd '$T/lec' && '$NETSIM' run --quiet -m '$T/n.m' nosuch.ini" >/dev/null 2>&1
expect_eq "$(figure "$T/n.m" app.send2.exit_status)" 3 \
	"setsockopt(TCP_CONGESTION, \"nosuch\") fails (ENOENT) and the sender exits 3"

# ---- algorithms that fault (docs/reliability.md) ------------------------------------------
crash_ini() {
	cat <<EOF
[scenario]
duration = 3s
spin_limit = 200ms
[link lan]
rate = 10Mbit
delay = 10ms
down_at = 150ms
up_at = 151ms
EOF
	lan_hosts
	cat <<EOF
[app sink]
host = bob
program = bulk_sink
port = 9000
[app send]
host = alice
program = plugin:$T/crash$1.so
dst = 10.0.0.2
bytes = 1500000
start = 1ms
[expect]
app.sink.rx_bytes = 1500000
EOF
	[ $# -gt 1 ] && echo "$2"
}

for mode in 0 1 2 3 4 5; do
	"$CC" -shared -fPIC -O2 -DMODE=$mode -I"$top_srcdir/include" -o "$T/crash$mode.so" \
		"$top_srcdir/tests/bad_student/cc_crash.c"
done
# mode where signal
for c in "0 cong_avoid 8" "1 ssthresh 11" "2 cong_avoid 11" "3 cong_avoid 24"; do
	set -- $c
	mode=$1 where=$2 sig=$3
	crash_ini $mode >"$T/c.ini"
	expect_exit 1 "mode $mode: a fault in its $where fails the run, which goes on to its end" -- \
		"$NETSIM" run -q -m "$T/c.m" --trace "$T/c$mode.db" "$T/c.ini"
	expect_grep "$T/out" "module crash$mode.so \(crash\) on host alice: .* in its $where" \
		"mode $mode: the summary names the module, the host and the function"
	expect_grep "$T/out" "plug-in modules that failed" "mode $mode: under the plug-in modules' heading"
	expect_grep "$T/out" "ok   app.sink.rx_bytes = 1.5e\+06" \
		"mode $mode: the connection goes on and delivers every byte"
	expect_grep "$T/out" "balanced" "mode $mode: conservation holds"
	expect_eq "$(figure "$T/c.m" alice.proto.crash.fault_signal)" "$sig" \
		"mode $mode: alice.proto.crash.fault_signal = $sig"
	after=$(sqlite3 "$T/c$mode.db" "SELECT group_concat(DISTINCT ca) FROM tcp_cc WHERE host = 1
		AND time_ns > (SELECT min(time_ns) FROM tcp_cc WHERE host = 1 AND ca = 'reno')")
	expect_eq "$after" reno "mode $mode: after the fault the connection runs Reno"
	crash_ini $mode "alice.proto.crash.fault_signal = $sig" >"$T/c2.ini"
	expect_exit 0 "mode $mode: [expect] alice.proto.crash.fault_signal = $sig accepts it" -- \
		"$NETSIM" run -q "$T/c2.ini"
done
crash_ini 2 >"$T/c.ini"
"$NETSIM" run -q "$T/c.ini" >/dev/null 2>"$T/err2"
expect_grep "$T/err2" "ns_tcp_snd_cwnd: not the socket this function was called for" \
	"mode 2: a socket that is not the call's is refused and named"

for c in "4 Invalid.argument" "5 File.exists"; do
	set -- $c
	crash_ini $1 >"$T/c.ini"
	expect_exit 2 "mode $1: a bad registration refuses the scenario" -- "$NETSIM" run -q "$T/c.ini"
	expect_grep "$T/err" "c.ini:[0-9]+: app send program: module crash$1.so: ns_module_init $2" \
		"mode $1: one line names the place and the error"
done

done_testing
