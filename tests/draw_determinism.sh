#!/bin/sh
# tests/draw_determinism.sh - the same trace draws the same DOT text, run
# after run (each run is a new process, so heap and interned-string
# addresses differ): the stack map and the packet path of the routing
# lecture, whose hosts have several boxes and wires in one row.  Their
# order used to follow addresses (a hash of interned pointers, a sort of
# pointer bytes) and changed from run to run.
. "$top_srcdir/tests/lib.sh"
cd "$T" || exit 1
"$NETSIM" run "$top_srcdir/scenarios/lectures/routing-and-route-cache.ini" --quiet \
	--trace route.db >/dev/null || not_ok "the routing lecture runs"
skb=$(sqlite3 route.db "SELECT skb FROM skb_events WHERE op = 'drop' LIMIT 1")
for i in 1 2 3 4 5; do
	"$NETSIM" draw route.db stackmap -o "map$i.dot" >/dev/null
	"$NETSIM" draw route.db path --skb "$skb" -o "path$i.dot" >/dev/null
done
for what in map path; do
	[ -s "${what}1.dot" ] || not_ok "no $what drawn"
	same=1
	for i in 2 3 4 5; do
		cmp -s "${what}1.dot" "$what$i.dot" || same=0
	done
	if [ "$same" = 1 ]; then
		ok "five runs draw the same $what"
	else
		not_ok "the $what differs between runs of the same trace"
	fi
done

# The CPU picture's colours go to the owners by time, and equal times by
# name: two owners of 400 ns each, zeta first on the CPU, get the same
# colours whichever row the table holds first, run after run, and alpha
# (first by name) gets the first colour.
"$NETSIM" run "$top_srcdir/scenarios/lectures/blocking-io.ini" --quiet --trace cpu.db \
	>/dev/null || not_ok "the blocking-I/O lecture runs"
zeta="(1, 'softirq', 'zeta', 1000, 1400, NULL)" alpha="(1, 'softirq', 'alpha', 2000, 2400, NULL)"
for order in ab ba; do
	cp cpu.db "cpu_$order.db"
	if [ $order = ab ]; then rows="$zeta, $alpha"; else rows="$alpha, $zeta"; fi
	sqlite3 "cpu_$order.db" "DELETE FROM cpu_busy;
		INSERT INTO cpu_busy (host, ctx, name, start_ns, end_ns, task) VALUES $rows"
	for i in 1 2 3; do
		"$NETSIM" draw "cpu_$order.db" cpu --from 0 --to 5us -o "cpu_$order$i.dot" >/dev/null
	done
done
same=1
for f in cpu_ab2 cpu_ab3 cpu_ba1 cpu_ba2 cpu_ba3; do
	cmp -s cpu_ab1.dot "$f.dot" || same=0
done
if [ "$same" = 1 ] && grep -q 'fillcolor="#4e79a7", label=<alpha>' cpu_ab1.dot; then
	ok "owners with equal CPU time get the same colours whatever the row order"
else
	not_ok "owners with equal CPU time are coloured by row order or run"
	diff cpu_ab1.dot cpu_ba1.dot | head -10 | sed 's/^/    /'
fi
legend=$(grep -o '>alpha<\|>zeta<' cpu_ab1.dot | tr -d '<>' | tr '\n' ' ')
expect_eq "$legend" "alpha zeta " "and the legend lists them by name"
done_testing
