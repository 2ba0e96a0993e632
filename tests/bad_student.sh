#!/bin/sh
# tests/bad_student.sh - student plug-ins that fail in every way a student's
# code does (issue 15): each ends its own process only.  netsim finishes
# with the documented exit code, a summary naming the app, host, signal or
# status and virtual time, figures [expect] can test, a bystander TCP echo
# that completes, and a finished trace that passes PRAGMA integrity_check.
# docs/reliability.md explains the mechanism.
. "${top_srcdir}/tests/lib.sh"

CC=${CC:-cc}
if ! command -v "$CC" >/dev/null 2>&1; then
	echo "SKIP: no C compiler to build the plug-ins"
	exit 77
fi
SRC=$top_srcdir/tests/bad_student
for p in segv divide recurse abort exit spin sleep_forever misuse interrupt busy_zero; do
	"$CC" -O0 -g -shared -fPIC -I"$top_srcdir/include" -o "$T/$p.so" "$SRC/$p.c" ||
		not_ok "build $p.so"
done

# scenario NAME PLUGIN [EXPECT LINES...]: a student app next to a TCP echo.
scenario() {
	name=$1 plugin=$2
	shift 2
	{
		cat <<EOF2
[scenario]
duration = 30ms
spin_limit = 200ms
[link lan]
rate = 100Mbit
delay = 50us
EOF2
		lan_hosts
		cat <<EOF2
[app echo]
host = bob
program = tcp_echo_server
port = 7
[app client]
host = alice
program = tcp_echo_client
start = 1ms
dst = 10.0.0.2
port = 7
count = 5
size = 1000
[app student]
host = alice
program = plugin:$T/$plugin.so
start = 2ms
[expect]
app.client.rx_bytes = 5000
EOF2
	} >"$T/$name.ini"
	for line in "$@"; do echo "$line" >>"$T/$name.ini"; done
}

# run_case NAME EXIT SUMMARY-REGEX: run with a trace, check all of it.
run_case() {
	name=$1 want=$2 regex=$3
	expect_exit "$want" "$name: netsim exits $want" -- \
		"$NETSIM" run -q --trace "$T/$name.db" -m "$T/$name.metrics" "$T/$name.ini"
	expect_grep "$T/out" "$regex" "$name: the summary names it"
	expect_eq "$(sqlite3 "$T/$name.db" 'PRAGMA integrity_check')" ok \
		"$name: the trace passes integrity_check"
	expect_eq "$(sqlite3 "$T/$name.db" "SELECT count(*) FROM run WHERE finished = 1" 2>&1)" 1 \
		"$name: the trace is marked finished"
}

# A fault in the plug-in's own code ends its process; [expect] accepts it.
scenario segv segv "app.student.exit_signal = 11" "app.student.exit_time = 0.002..0.0021"
run_case segv 0 "app student on host alice: killed by SIGSEGV .* at 2\.0"
scenario divide divide "app.student.exit_signal = 8"
run_case divide 0 "app student on host alice: killed by SIGFPE"
scenario recurse recurse "app.student.exit_signal = 11"
run_case recurse 0 "app student on host alice: killed by SIGSEGV"
scenario abort abort "app.student.exit_signal = 6"
sed -i "s|^\[expect\]|[app student2]\nhost = bob\nprogram = plugin:$T/abort.so\nstart = 3ms\n[expect]\napp.student2.exit_signal = 6|" "$T/abort.ini"
run_case abort 0 "app student2 on host bob: killed by SIGABRT"
scenario exit exit "app.student.exit_status = 3" "app.student.exit_signal = 0"
run_case exit 0 "app student on host alice: exited with status 3 at 3\.0"
scenario spin spin "app.student.exit_signal = 24"
run_case spin 0 "killed by SIGXCPU at 2\.0.*spin_limit"

# Without [expect] naming the signal, a killed process fails the run (exit 1).
scenario segv_unexpected segv
run_case segv_unexpected 1 "FAIL 1 process\(es\) killed by a signal"
expect_grep "$T/segv_unexpected.metrics" "^app.student.exit_signal 11$" \
	"the metrics carry app.student.exit_signal"

# Socket misuse gives Linux's errors, never a crash (exit status = mismatches).
scenario misuse misuse "app.student.exit_status = 0" "app.student.exit_signal = 0" \
	"app.student.tx_msgs = 39"
run_case misuse 0 "expectations met"
expect_eq "$(grep -c 'misuse:' "$T/err")" 0 "misuse: every call gave Linux's errno"

# ns_sleep(INT64_MAX) sleeps past the end of the run, no overflow.
scenario sleep_forever sleep_forever
run_case sleep_forever 0 "expectations met"

# Ctrl-C while a plug-in spins: the run stops, the trace is kept unfinished.
scenario interrupt interrupt
sed -i 's/^spin_limit = 200ms/spin_limit = 0/' "$T/interrupt.ini"
expect_exit 130 "Ctrl-C during a spin stops the run (exit 130)" -- \
	"$NETSIM" run -q --trace "$T/interrupt.db" "$T/interrupt.ini"
expect_grep "$T/out" "killed by SIGINT" "the spinning process is named"
expect_eq "$(sqlite3 "$T/interrupt.db" 'PRAGMA integrity_check')" ok \
	"interrupt: the trace passes integrity_check"

# A system call that costs nothing could stop virtual time: refused.
scenario nocost misuse
printf '[cpu]\nsyscall = 0\n' >>"$T/nocost.ini"
sed -i 's|program = plugin:.*|program = udp_nb_reader|' "$T/nocost.ini"
expect_exit 2 "[cpu] syscall = 0 is refused" -- "$NETSIM" run -q "$T/nocost.ini"
expect_place "nocost.ini:$(grep -n '^syscall = 0' "$T/nocost.ini" | cut -d: -f1): cpu syscall" "the error names the key"

# Calls that take no virtual time in a loop: the run stops and names the
# process (issue 15 item 2); the trace is kept, unfinished, and sound.
scenario busy_zero busy_zero
sed -i 's/^spin_limit = 200ms/instant_limit = 100000/' "$T/busy_zero.ini"
expect_exit 2 "a process that stops virtual time ends the run (exit 2)" -- \
	"$NETSIM" run -q --trace "$T/busy_zero.db" "$T/busy_zero.ini"
expect_grep "$T/err" "virtual time stopped advancing at 2\.002ms: more than 100000 events at that instant; process student on host alice" \
	"the message names the process, host and time"
expect_eq "$(sqlite3 "$T/busy_zero.db" 'PRAGMA integrity_check')" ok \
	"busy_zero: the trace passes integrity_check"

done_testing
