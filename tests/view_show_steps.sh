#!/bin/sh
# tests/view_show_steps.sh - netsim view and netsim show --skb number the
# steps of a fragmented packet the same way (issue 13): the same skbs
# (every fragment and the reassembled datagram, as the path picture
# follows them), the same operations in the same order, so that
# index.html#skb=N&step=K is row K of netsim show --skb N.
. "$top_srcdir/tests/lib.sh"
cd "$T" || exit 1
"$NETSIM" run "$top_srcdir/scenarios/lectures/fragmentation.ini" --quiet --trace frag.db \
	>/dev/null || not_ok "the fragmentation lecture runs"
# the first UDP datagram alice sent: fragmented on the way
skb=$(sqlite3 frag.db "SELECT skb FROM packets WHERE proto = 'udp' AND host = 1
	ORDER BY time_ns LIMIT 1")
nfrag=$(sqlite3 frag.db "SELECT count(DISTINCT other) FROM skb_events WHERE layer = 'ip'
	AND op = 'copy' AND copy_kind = 'skb_copy' AND host = 1")
[ "$nfrag" -ge 2 ] && ok "alice sent $nfrag fragments" || not_ok "no fragments ($nfrag)"
"$NETSIM" show frag.db --skb "$skb" --format json >show.json
expect_exit 0 "netsim view writes the page" -- "$NETSIM" view frag.db -o page --skb "$skb"
python3 - "$skb" show.json page/data.js >cmp.out 2>&1 <<'PY'
import json, re, sys
skb, show, data = int(sys.argv[1]), json.load(open(sys.argv[2])), open(sys.argv[3]).read()
m = re.search(r"NETSIM\.packets\.push\(\{skb:%d,.*?skbs:\[([0-9,]*)\]" % skb, data, re.S)
vskbs = [int(x) for x in m.group(1).split(",")]
vseq = [int(x) for x in re.findall(r"\{seq:(\d+),", data[m.start():])]
sseq = [e["seq"] for e in show["events"]]
print("show skbs", show["skbs"], "view skbs", vskbs)
print("show rows", len(sseq), "view steps", len(vseq))
ok = show["skbs"] == vskbs and sseq == vseq
print("same" if ok else "DIFFERENT")
PY
if grep -qx same cmp.out; then
	ok "view's steps are show's rows, one for one ($(sed -n 2p cmp.out))"
else
	not_ok "view and show disagree on the steps of skb $skb"
fi
sed 's/^/    /' cmp.out
# every fragment alice made of it is one of show's skbs
frags=$(sqlite3 frag.db "SELECT other FROM skb_events WHERE skb = $skb AND op = 'copy'
	AND copy_kind = 'skb_copy' AND other > 0")
missing=0
for f in $frags; do
	python3 -c 'import json,sys; sys.exit(int(sys.argv[1]) not in json.load(open("show.json"))["skbs"])' "$f" ||
		missing=$((missing + 1))
done
if [ -n "$frags" ] && [ "$missing" -eq 0 ]; then
	ok "show --skb lists every fragment's skb ($(echo $frags | wc -w) fragments)"
else
	not_ok "show --skb misses $missing of the fragments ($frags)"
fi
done_testing
