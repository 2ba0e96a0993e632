#!/bin/sh
# tests/sweep.sh - netsim sweep for real, at a tiny scale: a grid run with
# -j 2, the CSV and its columns, resuming without redoing finished runs,
# one-line errors for bad --vary specs and keys, the GNU parallel job list
# run by GNU parallel and merged with --collect, and gnuplot's pictures.
. "$top_srcdir/tests/lib.sh"

cat >"$T/tiny.ini" <<'INI'
[scenario]
title = two idle hosts
duration = 2ms
seed = 3

[host a]
[host b]

[sweep]
x = host.a.cpu.ip_rcv
y = sim.seconds
series = scenario.seed
cpu = a.cpu.softirq_share, a.cpu.task_share
title = tiny sweep
INI

# $T/out and $T/err are expect_exit's; the sweep writes into $T/sw.
COST=1us,2us
sweep() { "$NETSIM" sweep "$T/tiny.ini" -j 2 --vary scenario.seed=1,2 --vary host.a.cpu.ip_rcv=$COST "$@"; }

expect_exit 0 "sweep a 2x2 grid with -j 2" -- sweep -o "$T/sw"
expect_grep "$T/out" '^sweep: 4 runs: 4 ran, 0 already done, 0 failed$' "all four runs ran"
expect_eq "$(wc -l <"$T/sw/sweep.csv")" 5 "sweep.csv has a header and four rows"
expect_grep "$T/sw/sweep.csv" '^scenario\.seed,host\.a\.cpu\.ip_rcv,exit_status,' "varied keys, then exit_status"
expect_grep "$T/sw/sweep.csv" ',a\.cpu\.task_share,' "every figure is a column"
expect_grep "$T/sw/sweep.csv" ',sim\.seconds(,|$)' "sim.seconds is a column"
expect_grep "$T/sw/sweep.csv" ',a\.drops\.socket_rcvbuff,' "every drop reason of every host is a column"
expect_eq "$(sed -n 2p "$T/sw/sweep.csv" | cut -d, -f1-3)" "1,1us,0" "first row: the first values, exit 0"
expect_eq "$(sed -n 5p "$T/sw/sweep.csv" | cut -d, -f1-3)" "2,2us,0" "last row: the last values"
expect_eq "$(ls "$T/sw/runs" | grep -c '\.txt$')" 4 "one result file per run"
expect_eq "$(ls "$T/sw/runs" | grep -vc '\.txt$')" 0 "no leftovers in runs/"
if command -v sqlite3 >/dev/null; then
	expect_eq "$(sqlite3 "$T/sw/sweep.db" 'SELECT count(*) FROM results')" 4 "sweep.db has the four rows"
	expect_eq "$(sqlite3 "$T/sw/sweep.db" 'SELECT DISTINCT typeof("b.drops.ring_full") || " " || "b.drops.ring_full" FROM results')" \
		"real 0.0" "a drop that never fired is a column of zeros, not a missing column"
else
	echo "# skip: sqlite3 shell not installed"
fi

# Resume: nothing is redone.
expect_exit 0 "the same sweep again" -- sweep -o "$T/sw"
expect_grep "$T/out" '^sweep: 4 runs: 0 ran, 4 already done, 0 failed$' "the second sweep does no work"
rm "$T/sw/runs/$(ls "$T/sw/runs" | head -1)"
expect_exit 0 "after losing one result" -- sweep -o "$T/sw" --quiet
expect_eq "$(cat "$T/out")" "" "--quiet is silent"
expect_exit 0 "and once more" -- sweep -o "$T/sw"
expect_grep "$T/out" '^sweep: 4 runs: 0 ran, 4 already done' "only the lost run was redone"
COST=1us,2us,3us
expect_exit 0 "a grown grid" -- sweep -o "$T/sw"
COST=1us,2us
expect_grep "$T/out" '^sweep: 6 runs: 2 ran, 4 already done' "a grown grid runs only the new points"

# Bad input: one line, exit 2, nothing runs.
expect_exit 2 "a misspelt key" -- "$NETSIM" sweep "$T/tiny.ini" -o "$T/bad" --vary host.a.cpu.ip_rvc=1us,2us
expect_grep "$T/err" "^netsim sweep: --vary host\.a\.cpu\.ip_rvc=1us,2us: command line \(--set\): host a cpu\.ip_rvc: unknown cost" "the misspelt key is named"
expect_eq "$(wc -l <"$T/err")" 1 "the error is one line"
COST=1us,fast
expect_exit 2 "a bad value" -- sweep -o "$T/bad"
COST=1us,2us
expect_place "command line (--set): host a cpu.ip_rcv" "the bad value is placed"
expect_exit 2 "a bad range" -- sweep -o "$T/bad" --vary app.flood.rate=1000..x:30log
expect_grep "$T/err" "^netsim sweep: --vary app\.flood\.rate=1000\.\.x:30log: a range is A\.\.B:N" "the bad range is explained"
expect_exit 2 "seeds twice" -- sweep -o "$T/bad" --seeds 3
expect_eq "$(wc -l <"$T/err")" 1 "that error is one line"
[ ! -e "$T/bad" ]; expect_eq $? 0 "bad input creates no output directory"
printf '[scenario]\nduration = 1ms\n[host a]\n[sweep]\nvary = scenario.seed=1..3:3\ncolour = red\n' >"$T/badgroup.ini"
expect_exit 2 "an unknown [sweep] key" -- "$NETSIM" sweep "$T/badgroup.ini" -o "$T/bad"
expect_place "badgroup.ini:6: sweep colour" "the [sweep] key is placed with its line"
expect_exit 2 "collect a directory that is no sweep" -- "$NETSIM" sweep --collect "$T"

# Elsewhere: a GNU parallel job list, run for real, then --collect.
expect_exit 0 "emit a GNU parallel job list" -- sweep -o "$T/par" --emit parallel
expect_eq "$(wc -l <"$T/par/jobs.txt")" 4 "one job line per run"
expect_eq "$(ls "$T/par/runs" | wc -l)" 0 "emitting runs nothing"
if command -v parallel >/dev/null; then
	expect_exit 0 "GNU parallel runs the job list" -- parallel --will-cite -j 2 <"$T/par/jobs.txt"
	expect_exit 0 "collect the results" -- "$NETSIM" sweep --collect "$T/par" --no-plot
	expect_grep "$T/out" '^sweep: 4 runs: 4 finished, 0 failed, 0 missing$' "collect found every run"
	expect_eq "$(md5sum <"$T/par/sweep.csv")" \
		"$(sweep -o "$T/local" -q --no-plot; md5sum <"$T/local/sweep.csv")" \
		"the parallel runs give the same table as the local ones"
else
	echo "# skip: GNU parallel is not installed (Debian package 'parallel'); the job list was not run"
fi
expect_eq "$(grep -c 'ip_rcv\|seed' "$T/par/jobs.txt")" 0 "the job lines hold no value of the grid"
expect_exit 0 "emit a Slurm job array" -- sweep -o "$T/slurm" --emit slurm
expect_grep "$T/slurm/sweep.slurm" '^#SBATCH --array=1-4%2$' "one array task per run, two at a time"

# Injection (issue 15 item 7): a newline in a value or in --out is refused,
# and nothing a value says is ever run.
nl='
'
(cd "$T" && "$NETSIM" sweep tiny.ini -o inj --emit parallel --vary "host.a.cpu.ip_rcv=1us,x${nl}touch pwned #") >"$T/out" 2>"$T/err"
expect_eq "$?" 2 "a newline in a --vary value is refused"
expect_grep "$T/err" 'control character' "the refusal says why"
expect_eq "$(wc -l <"$T/err")" 1 "the refusal is one line"
printf '[scenario]\nduration = 1ms\n[host a]\n[sweep]\nvary = host.a.cpu.ip_rcv=1us,x\\ntouch pwned #\n' >"$T/inj.ini"
(cd "$T" && "$NETSIM" sweep inj.ini -o inj --emit parallel) >"$T/out" 2>"$T/err"
expect_eq "$?" 2 "a \\n in [sweep] vary is refused"
expect_place "inj.ini:5: sweep vary" "with its file and line"
(cd "$T" && "$NETSIM" sweep tiny.ini -o "inj${nl}touch pwned" --emit slurm --seeds 2) >"$T/out" 2>"$T/err"
expect_eq "$?" 2 "a newline in --out is refused"
if command -v parallel >/dev/null; then
	for j in "$T"/*/jobs.txt; do (cd "$T" && parallel --will-cite -j 2 <"$j") >/dev/null 2>&1; done
fi
expect_eq "$(find "$T" -name '*pwned*' | wc -l)" 0 "nothing named pwned appears"
expect_eq "$(find "$T" -maxdepth 1 -type d -name 'inj*' | wc -l)" 0 "the refused sweeps created no directory"

# One sweep at a time in a directory (item 9): the lock is taken here with
# flock(1), as a running sweep holds it; a different grid needs --new-grid.
if command -v flock >/dev/null; then
	expect_exit 0 "a sweep while another holds the lock" -- \
		flock "$T/local/.lock" sh -c '"$@"; echo "exit $?"' sh "$NETSIM" sweep "$T/tiny.ini" -o "$T/local" --seeds 2
	expect_grep "$T/out" '^exit 2$' "is refused"
	expect_grep "$T/err" 'another netsim sweep .*is running in' "saying another sweep runs there"
	line=$(head -1 "$T/par/jobs.txt")
	expect_exit 0 "a job of it while a sweep holds the lock" -- \
		flock "$T/par/.lock" sh -c "$line; echo \"exit \$?\""
	expect_grep "$T/out" '^exit 2$' "is refused"
else
	echo "# skip: flock(1) is not installed"
fi
before=$(md5sum <"$T/local/grid.ini")
expect_exit 2 "a different grid in an existing directory" -- \
	"$NETSIM" sweep "$T/tiny.ini" -o "$T/local" --seeds 2
expect_grep "$T/err" 'another grid .*--new-grid' "is refused, naming --new-grid"
expect_eq "$(md5sum <"$T/local/grid.ini")" "$before" "the first grid stays"
expect_exit 0 "the same grid again" -- sweep -o "$T/local" --no-plot
expect_exit 0 "a different grid with --new-grid" -- \
	"$NETSIM" sweep "$T/tiny.ini" -o "$T/local" --seeds 2 --new-grid --no-plot
expect_grep "$T/out" '^sweep: 2 runs: 2 ran, 0 already done' "--new-grid runs the new grid"

# Plots: gnuplot draws from the [sweep] group's columns.
if [ -n "${GNUPLOT:-}" ] || command -v gnuplot >/dev/null; then
	expect_exit 0 "plot again from the table" -- "$NETSIM" sweep --collect "$T/sw"
	for f in sim.seconds.png sim.seconds.svg cpu.png; do
		[ -s "$T/sw/plots/$f" ]; expect_eq $? 0 "plots/$f exists and is not empty"
	done
	expect_grep "$T/sw/plots/sim.seconds.gp" 'plot' "the gnuplot script stays beside the plot"
	expect_grep "$T/sw/plots/sim.seconds.gp" 'host\.a\.cpu\.ip_rcv \(us\)' "the x axis is labelled with its unit"
	expect_grep "$T/sw/plots/sim.seconds.gp" '^set ylabel "simulated time \(s\)"' "the y axis is labelled by meaning and unit"
	expect_grep "$T/sw/plots/sim.seconds.gp" '^set title "tiny sweep"' "the [sweep] title goes with the [sweep] y"
	# Another y into the same directory: its own files and title; the first plot stays.
	expect_exit 0 "plot another y from the same table" -- "$NETSIM" sweep --collect "$T/sw" --y a.cpu.task_share
	[ -s "$T/sw/plots/a.cpu.task_share.png" ]; expect_eq $? 0 "plots/a.cpu.task_share.png exists"
	[ -s "$T/sw/plots/sim.seconds.png" ]; expect_eq $? 0 "plots/sim.seconds.png is still there"
	expect_grep "$T/sw/plots/a.cpu.task_share.gp" '^set title "share of CPU time against host\.a\.cpu\.ip_rcv"' "the title follows the y"
	expect_grep "$T/sw/plots/sim.seconds.gp" '^set title "tiny sweep"' "the first plot keeps its title"
else
	echo "# skip: gnuplot is not installed (Debian package 'gnuplot-nox'); no pictures checked"
fi

done_testing
