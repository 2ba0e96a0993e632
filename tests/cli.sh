#!/bin/sh
# tests/cli.sh - the netsim program's contract: exit codes 0/1/2, one-line
# scenario errors "file:line: group key: what is wrong", --set overrides,
# and a trace database that is never overwritten silently.
. "$top_srcdir/tests/lib.sh"

cat >"$T/ok.ini" <<'INI'
[scenario]
title = two hosts on a wire
duration = 10ms
seed = 3

[link l1]
rate = 100Mbit

[host a]
eth0.link = l1
eth0.address = 10.0.0.1/24

[host b]
cpu.ip_rcv = 1us
eth0.link = l1
eth0.address = 10.0.0.2/24
eth0.napi = off

[expect]
sim.seconds = 0.01
a.cpu.task_ns = 0
INI

expect_exit 0 "version" -- "$NETSIM" --version
expect_grep "$T/out" '^netsim [0-9]+\.[0-9]+' "version is printed"
expect_exit 0 "help" -- "$NETSIM" help
expect_grep "$T/out" 'run FILE' "help lists run"
expect_exit 0 "help costs" -- "$NETSIM" help costs
expect_grep "$T/out" 'ip_rcv' "cost table is documented"
expect_exit 2 "unknown command" -- "$NETSIM" frobnicate
expect_exit 2 "run without a file" -- "$NETSIM" run

expect_exit 0 "check a good scenario" -- "$NETSIM" check "$T/ok.ini"
expect_exit 0 "run a good scenario" -- "$NETSIM" run --quiet "$T/ok.ini"
expect_grep "$T/out" '2 of 2 expectations met' "expectations are checked"

expect_exit 1 "failed expectation exits 1" -- "$NETSIM" run -q --set expect.sim.seconds=5 "$T/ok.ini"
expect_grep "$T/out" 'FAIL sim.seconds' "the failed expectation is named"
# [expect] is answered from its names' owners' figures only (link l2
# has none); a name that is not there still gets the similar names of all.
expect_exit 1 "a figure of no link fails" -- "$NETSIM" run -q --set expect.link.l2.0.frames=0 "$T/ok.ini"
expect_grep "$T/out" 'FAIL link.l2.0.frames .*no such figure \(known: link\.l1\.0\.' "similar names come from every figure"

# Bad input: one line, file:line: group key: what, exit 2.
printf '[scenario]\nduration = 1s\n\n[host a]\nspeed = 7\n' >"$T/bad1.ini"
expect_exit 2 "misspelt key" -- "$NETSIM" check "$T/bad1.ini"
expect_grep "$T/err" "^netsim: $T/bad1.ini:5: host a speed: unknown key" "unknown key names file:line: group key"
expect_eq "$(wc -l <"$T/err")" 1 "the error is one line"

printf '[scenario]\nduration = soon\n[host a]\n' >"$T/bad2.ini"
expect_exit 2 "wrong unit" -- "$NETSIM" run "$T/bad2.ini"
expect_place "bad2.ini:2: scenario duration" "bad duration is placed"

printf '[scenario]\nduration = 1s\n[host a]\ncpu.ip_rvc = 1us\n' >"$T/bad3.ini"
expect_exit 2 "unknown cost" -- "$NETSIM" check "$T/bad3.ini"
expect_place "bad3.ini:4: host a cpu.ip_rvc" "unknown cost is placed"

printf '[scenario]\nduration = 1s\n[hots a]\n' >"$T/bad4.ini"
expect_exit 2 "unknown group" -- "$NETSIM" check "$T/bad4.ini"
expect_place "bad4.ini:3: hots a" "unknown group is placed"

printf '[scenario]\nduration = 1s\n[host a]\neth0.link = l9\n' >"$T/bad5.ini"
expect_exit 2 "unknown link name" -- "$NETSIM" check "$T/bad5.ini"
expect_place "bad5.ini:4: host a eth0.link" "unknown link is placed"

sed 's|^eth0.address = 10.0.0.2/24|eth0.address = 10.0.0.1/24|' "$T/ok.ini" >"$T/bad7.ini"
expect_exit 2 "duplicate address" -- "$NETSIM" check "$T/bad7.ini"
expect_place "bad7.ini:16: host b eth0.address" "duplicate address is placed"

printf '[scenario]\nduration = 1s\n[link l1]\n[host a]\neth0.link = l1\n' >"$T/bad8.ini"
expect_exit 2 "link with one end" -- "$NETSIM" check "$T/bad8.ini"
expect_place "bad8.ini:3: link l1" "half-joined link is placed"

sed 's|^eth0.napi = off|eth0.napi = maybe|' "$T/ok.ini" >"$T/bad9.ini"
expect_exit 2 "bad interface setting" -- "$NETSIM" check "$T/bad9.ini"
expect_place "bad9.ini:17: host b eth0.napi" "bad NIC value is placed"

printf '\377\376garbage\n' >"$T/bad6.ini"
expect_exit 2 "binary garbage" -- "$NETSIM" check "$T/bad6.ini"
expect_exit 2 "missing file" -- "$NETSIM" check "$T/nope.ini"
expect_exit 2 "bad --set" -- "$NETSIM" check --set nodot "$T/ok.ini"
expect_exit 2 "bad value from --set" -- "$NETSIM" check --set scenario.duration=-1 "$T/ok.ini"
expect_place "command line (--set): scenario duration" "--set errors say so"
expect_exit 0 "--set reaches an interface key" -- "$NETSIM" check --set host.b.eth0.napi=on "$T/ok.ini"
expect_exit 2 "--set of a misspelt interface key" -- "$NETSIM" check --set host.b.eth0.nap=on "$T/ok.ini"
expect_place "command line (--set): host b eth0.nap" "misspelt --set key is placed"

# The trace database is never overwritten silently.
expect_exit 0 "run with a trace" -- "$NETSIM" run -q --trace "$T/t.db" "$T/ok.ini"
expect_exit 2 "second run refuses to overwrite" -- "$NETSIM" run -q --trace "$T/t.db" "$T/ok.ini"
expect_grep "$T/err" "exists" "the refusal says the file exists"
expect_exit 0 "--overwrite replaces it" -- "$NETSIM" run -q --overwrite --trace "$T/t.db" "$T/ok.ini"
expect_exit 0 "--force is the same" -- "$NETSIM" run -q --force --trace "$T/t.db" "$T/ok.ini"
expect_exit 2 "unwritable trace path" -- "$NETSIM" run -q --trace "$T/no/such/dir/t.db" "$T/ok.ini"
expect_exit 2 "a bad scenario with --trace" -- "$NETSIM" run -q --trace "$T/bad.db" "$T/bad9.ini"
if [ -e "$T/bad.db" ]; then not_ok "a scenario that does not build leaves no database"; else ok "a scenario that does not build leaves no database"; fi

# On a terminal a run shows a progress line; --quiet turns it off.
if command -v script >/dev/null 2>&1; then
	script -qec "'$NETSIM' run '$T/ok.ini'" /dev/null >"$T/tty" 2>&1
	expect_grep "$T/tty" 'simulated, [0-9]+ events/s' "a terminal shows the progress line"
	script -qec "'$NETSIM' run --quiet '$T/ok.ini'" /dev/null >"$T/tty" 2>&1
	if grep -q 'events/s' "$T/tty"; then not_ok "--quiet hides it"; else ok "--quiet hides it"; fi
	"$NETSIM" run "$T/ok.ini" >"$T/out" 2>"$T/err"
	if grep -q 'events/s' "$T/err"; then not_ok "no progress line when stderr is not a terminal"; else ok "no progress line when stderr is not a terminal"; fi
else
	echo "# skip: script(1) is not installed, the progress line is not tested"
fi

# Trace levels, and a host's own level (filter by host).
expect_exit 0 "full trace, host b filtered to summary" -- "$NETSIM" run -q --trace "$T/f.db" --trace-level full --set host.b.trace=summary "$T/ok.ini"
expect_eq "$(sqlite3 "$T/f.db" "SELECT count(*) > 0 FROM skb_events e JOIN hosts h ON h.id = e.host WHERE h.name = 'a'")" 1 "host a has skb events"
expect_eq "$(sqlite3 "$T/f.db" "SELECT count(*) FROM skb_events e JOIN hosts h ON h.id = e.host WHERE h.name = 'b'")" 0 "host b has none"
expect_eq "$(sqlite3 "$T/f.db" "SELECT finished FROM run")" 1 "the run is marked finished"
expect_exit 2 "a bad host trace level" -- "$NETSIM" check --set host.b.trace=loud "$T/ok.ini"

done_testing
