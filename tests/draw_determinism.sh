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
done_testing
