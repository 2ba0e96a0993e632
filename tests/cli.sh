#!/bin/sh
# tests/cli.sh - the netsim program's contract: exit codes 0/1/2, one-line
# scenario errors "file:line: group key: what is wrong", --set overrides,
# and a trace database that is never overwritten silently.
. "$top_srcdir/tests/lib.sh"

cat >"$T/ok.ini" <<'INI'
[run]
title = two idle hosts
duration = 10ms
seed = 3

[host.a]
[host.b]
[host.b.cpu]
ip_rcv = 1us

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

# Bad input: one line, file:line: group key: what, exit 2.
printf '[run]\nduration = 1s\n\n[host.a]\nspeed = 7\n' >"$T/bad1.ini"
expect_exit 2 "unknown key" -- "$NETSIM" check "$T/bad1.ini"
expect_grep "$T/err" "^netsim: $T/bad1.ini:5: host.a speed: unknown key" "unknown key names file:line: group key"
expect_eq "$(wc -l <"$T/err")" 1 "the error is one line"

printf '[run]\nduration = soon\n[host.a]\n' >"$T/bad2.ini"
expect_exit 2 "bad duration" -- "$NETSIM" run "$T/bad2.ini"
expect_grep "$T/err" "bad2.ini:2: run duration: 'soon' is not a valid duration" "bad duration is explained"

printf '[run]\nduration = 1s\n[host.a]\n[host.a.cpu]\nip_rvc = 1us\n' >"$T/bad3.ini"
expect_exit 2 "unknown cost" -- "$NETSIM" check "$T/bad3.ini"
expect_grep "$T/err" "bad3.ini:5: host.a.cpu ip_rvc: unknown cost" "unknown cost is named"

printf '[run]\nduration = 1s\n[hots.a]\n' >"$T/bad4.ini"
expect_exit 2 "unknown group" -- "$NETSIM" check "$T/bad4.ini"
expect_grep "$T/err" "bad4.ini:3: hots.a: unknown group" "unknown group is named"

printf '[run]\nduration = 1s\n[host.a.eth0]\n' >"$T/bad5.ini"
expect_exit 2 "sub-group of an undeclared host" -- "$NETSIM" check "$T/bad5.ini"
expect_grep "$T/err" "bad5.ini:3: host.a.eth0: no host 'a'" "undeclared host is named"

printf '\377\376garbage\n' >"$T/bad6.ini"
expect_exit 2 "binary garbage" -- "$NETSIM" check "$T/bad6.ini"
expect_exit 2 "missing file" -- "$NETSIM" check "$T/nope.ini"
expect_exit 2 "bad --set" -- "$NETSIM" check --set nodot "$T/ok.ini"
expect_exit 2 "bad value from --set" -- "$NETSIM" check --set run.duration=-1 "$T/ok.ini"
expect_grep "$T/err" "command line \(--set\): run duration" "--set errors say so"

# The trace database is never overwritten silently.
expect_exit 0 "run with a trace" -- "$NETSIM" run -q --trace "$T/t.db" "$T/ok.ini"
expect_exit 2 "second run refuses to overwrite" -- "$NETSIM" run -q --trace "$T/t.db" "$T/ok.ini"
expect_grep "$T/err" "exists" "the refusal says the file exists"
expect_exit 0 "--overwrite replaces it" -- "$NETSIM" run -q --overwrite --trace "$T/t.db" "$T/ok.ini"
expect_exit 2 "unwritable trace path" -- "$NETSIM" run -q --trace "$T/no/such/dir/t.db" "$T/ok.ini"

done_testing
