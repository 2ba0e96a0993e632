#!/bin/sh
# tests/smp_trace.sh - the trace's CPU rows carry the CPU number (issue 19;
# docs/trace-schema.md, cpu_busy.cpu, and docs/cpu-model.md, "Several CPUs").
#
# A UDP flood from a 2-CPU sender into a 4-CPU receiver with 4 RX queues
# (RSS), traced at full level, plain and packed.  Checked with sqlite3:
# cpu_busy has rows on every CPU that the metrics say worked; per host, CPU
# and context the busy time summed over the rows equals the metric
# HOST.cpuK.CTX_ns; the packed trace reads the same; the INSTEAD OF triggers
# keep the CPU number; a one-CPU host's rows all say CPU 0.  Then netsim
# show's per-CPU section, netsim draw cpu's lanes per CPU, and a sweep's
# per-CPU columns (HOST.cpuK.CTX_share) and CPU-plot labels.
. "$top_srcdir/tests/lib.sh"

{
	cat <<EOT
[scenario]
title = SMP trace
duration = 5ms
seed = 3

[link l1]
rate = 10Gbit
delay = 5us

[host alice]
cpus = 2
eth0.link = l1
eth0.address = 10.0.1.1/24

[host bob]
cpus = 4
eth0.link = l1
eth0.address = 10.0.1.2/24
eth0.rx_queues = 4
EOT
	for f in 0 1 2 3; do
		printf '\n[app sink%d]\nhost = bob\nprogram = udp_sink\nport = %d\n' "$f" $((9 + f))
	done
	for f in 0 1 2 3 4 5 6 7; do
		printf '\n[app flood%d]\nhost = alice\nprogram = udp_flood\ndst = 10.0.1.2\n' "$f"
		printf 'port = %d\nsize = 64\nrate = 20000\nstart = 1ms\n' $((9 + f % 4))
	done
} >"$T/s.ini"

expect_exit 0 "a 4-CPU receiver runs traced" -- \
	"$NETSIM" run --quiet --trace-level=full --trace "$T/s.db" --metrics "$T/m.txt" "$T/s.ini"
NETSIM_TRACE_EXPAND_ROWS=0 "$NETSIM" run --quiet --trace-level=full --trace "$T/p.db" "$T/s.ini" \
	>/dev/null 2>&1

# The metrics HOST.cpuK.CTX_ns as "host|cpu|ctx|ns", and the trace's sums.
awk '$1 ~ /^[a-z]+\.cpu[0-9]+\.(hardirq|softirq|task)_ns$/ && $2 > 0 {
	split($1, a, "."); sub(/^cpu/, "", a[2]); sub(/_ns$/, "", a[3]);
	print a[1] "|" a[2] "|" a[3] "|" $2 }' "$T/m.txt" | sort >"$T/metrics"
sum_sql='SELECT h.name, b.cpu, b.ctx, sum(b.end_ns - b.start_ns) FROM cpu_busy b
	JOIN hosts h ON h.id = b.host GROUP BY 1, 2, 3 HAVING sum(b.end_ns - b.start_ns) > 0'
sqlite3 "$T/s.db" "$sum_sql" | sort >"$T/trace"
sqlite3 "$T/p.db" "$sum_sql" | sort >"$T/packed"
n=$(wc -l <"$T/metrics")
check "$([ "$n" -ge 10 ] && cmp -s "$T/metrics" "$T/trace" && echo 1)" \
	"busy time per host, CPU and context in cpu_busy equals HOST.cpuK.CTX_ns ($n figures)"
[ -s "$T/trace" ] && cmp -s "$T/metrics" "$T/trace" || diff "$T/metrics" "$T/trace" | sed 's/^/# /'
cpus=$(sqlite3 "$T/s.db" "SELECT count(DISTINCT cpu) FROM cpu_busy b JOIN hosts h ON h.id = b.host
	WHERE h.name = 'bob'")
check "$([ "$cpus" = 4 ] && echo 1)" "bob's rows are on its 4 CPUs ($cpus)"
check "$(cmp -s "$T/trace" "$T/packed" && echo 1)" "the packed trace gives the same sums"
packs=$(sqlite3 "$T/p.db" "SELECT count(*) FROM cpu_packs")
check "$([ "${packs:-0}" -gt 0 ] && echo 1)" "the packed trace is packed ($packs cpu_packs rows)"
check "$(sqlite3 "$T/p.db" "SELECT count(*) = (SELECT count(*) FROM cpu_busy WHERE cpu = 3)
	FROM cpu_packed WHERE cpu = 3" | grep -qx 1 && echo 1)" "cpu_packed decodes the CPU number"

# the triggers: a row inserted on CPU 2 reads back on CPU 2, and is deleted by it
sqlite3 "$T/p.db" "INSERT INTO cpu_busy (host, ctx, name, start_ns, end_ns, task, cpu)
	VALUES (2, 'softirq', 'test item', 1, 2, NULL, 2);
	DELETE FROM cpu_busy WHERE name = 'test item' AND cpu = 1" 2>"$T/err"
check "$(sqlite3 "$T/p.db" "SELECT cpu FROM cpu_busy WHERE name = 'test item'" | grep -qx 2 && echo 1)" \
	"INSERT INTO cpu_busy keeps the CPU; a DELETE of another CPU's row leaves it"
sqlite3 "$T/p.db" "DELETE FROM cpu_busy WHERE name = 'test item' AND cpu = 2"
check "$(sqlite3 "$T/p.db" "SELECT count(*) FROM cpu_busy WHERE name = 'test item'" | grep -qx 0 &&
	echo 1)" "DELETE FROM cpu_busy of that CPU's row removes it"
sqlite3 "$T/p.db" "INSERT INTO cpu_busy (host, ctx, name, start_ns, end_ns)
	VALUES (2, 'softirq', 'no cpu', 1, 2)"
check "$(sqlite3 "$T/p.db" "SELECT cpu FROM cpu_busy WHERE name = 'no cpu'" | grep -qx 0 && echo 1)" \
	"a row inserted without a CPU is on CPU 0"

# a one-CPU host: every row on CPU 0
"$NETSIM" run --quiet --trace-level=full --trace "$T/one.db" \
	"$top_srcdir/scenarios/lectures/path-of-a-packet.ini" >/dev/null 2>&1
check "$(sqlite3 "$T/one.db" "SELECT count(*) > 0 AND max(cpu) = 0 FROM cpu_busy" | grep -qx 1 &&
	echo 1)" "one-CPU hosts: every cpu_busy row is on CPU 0"

# netsim show: a row per CPU of each multi-CPU host, with the metrics' figures
"$NETSIM" show --format csv "$T/s.db" >"$T/show.csv" 2>&1
sed -n '/^# cpus$/,/^$/p' "$T/show.csv" | grep '^bob,' >"$T/show.bob"
check "$([ "$(wc -l <"$T/show.bob")" = 4 ] && echo 1)" "netsim show: 4 rows of CPU time for bob's CPUs"
want=$(awk '$1 == "bob.cpu2.softirq_ns" {printf "%.3f", $2 / 1e6}' "$T/m.txt")
got=$(awk -F, '$2 == 2 {print $4}' "$T/show.bob")
check "$([ -n "$want" ] && [ "$got" = "$want" ] && echo 1)" \
	"netsim show: bob's CPU 2 softirq_ms $got is bob.cpu2.softirq_ns ($want ms)"
"$NETSIM" show --format csv "$T/one.db" >"$T/one.csv" 2>&1
check "$(grep -q '^# cpus$' "$T/one.csv" || echo 1)" "netsim show: no per-CPU section for one-CPU hosts"

# netsim draw cpu: bob's three lanes once per CPU
"$NETSIM" draw "$T/s.db" cpu --from 1ms --to 1.2ms -o "$T/cpu.dot" >/dev/null 2>&1
lanes=$(grep -c '^  lctx_1_' "$T/cpu.dot")
check "$([ "$lanes" = 12 ] && grep -q 'label="CPU 3"' "$T/cpu.dot" && echo 1)" \
	"netsim draw cpu: bob has 3 lanes on each of 4 CPUs ($lanes lanes)"
"$NETSIM" draw "$T/one.db" cpu -o "$T/one.dot" >/dev/null 2>&1
check "$(grep -q '^  lctx_0_2 ' "$T/one.dot" && ! grep -q 'hcpu_\|lctx_0_3 ' "$T/one.dot" && echo 1)" \
	"netsim draw cpu: a one-CPU host keeps its 3 lanes"

# netsim sweep: a column per CPU and context, share of that one CPU
sed 's/^seed = 3$/seed = 3\ntrace = off/' "$T/s.ini" >"$T/sw.ini"
"$NETSIM" sweep "$T/sw.ini" -j 2 --vary app.flood0.rate=10000,20000 --x app.flood0.rate \
	--y bob.cpu.softirq_ns --cpu bob.cpu0.softirq_share,bob.cpu2.softirq_share -o "$T/sw" \
	>"$T/sw.out" 2>&1
cols=$(head -1 "$T/sw/sweep.csv" | tr , '\n' | grep -c '^bob\.cpu[0-3]\.\(hardirq\|softirq\|task\)_share$')
check "$([ "$cols" = 12 ] && echo 1)" "netsim sweep: 12 per-CPU share columns for bob ($cols)"
check "$(sqlite3 "$T/sw/sweep.db" 'SELECT count(*) FROM results WHERE
	abs("bob.cpu2.softirq_share" - "bob.cpu2.softirq_ns" / 5e6) < 1e-9
	AND "bob.cpu2.softirq_ns" > 0' | grep -qx 2 && echo 1)" \
	"netsim sweep: bob.cpu2.softirq_share is bob.cpu2.softirq_ns over the 5 ms run"
if [ -f "$T/sw/plots/cpu.gp" ]; then
	check "$(grep -q 'title "cpu2 softirq"' "$T/sw/plots/cpu.gp" && echo 1)" \
		"netsim sweep: the CPU plot names the CPU of a per-CPU figure"
fi

done_testing
