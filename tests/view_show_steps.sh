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
# the words: each step of the page says what row K of `netsim show --skb`
# says in its operation and queue columns (one C function writes both)
"$NETSIM" show frag.db --skb "$skb" >show.txt
python3 - "$skb" show.txt page/data.js >words.out 2>&1 <<'PY'
import json, re, sys
skb, text, data = int(sys.argv[1]), open(sys.argv[2]).read().splitlines(), open(sys.argv[3]).read()
# the text table: the dashes line under the header gives each column's span
i = next(k for k, l in enumerate(text) if re.match(r"^\s*-+(\s+-+)+\s*$", l))
spans = [m.span() for m in re.finditer(r"-+", text[i])]
names = [text[i - 1][a:b + 40].split("  ")[0].strip() for a, b in spans]
op, qu = names.index("operation"), names.index("queue")
rows = []
for l in text[i + 1:]:
    if not l.strip() or not re.match(r"^\s*\d", l):
        break
    cell = lambda c: l[spans[c][0]:(spans[c + 1][0] if c + 1 < len(spans) else None)].strip()
    rows.append((cell(op), cell(qu)))
m = re.search(r"NETSIM\.packets\.push\(\{skb:%d," % skb, data)
# this packet's steps come first after its push
steps = re.findall(r',what:("(?:[^"\\]|\\.)*"|null),where:("(?:[^"\\]|\\.)*"|null)',
                   data[m.start():])[:len(rows)]
page = [(json.loads(w) or "-", json.loads(q) or "-") for w, q in steps]
bad = [(k + 1, a, b) for k, (a, b) in enumerate(zip(rows, page)) if a != b]
print("rows", len(rows), "steps", len(page), "words differ on", len(bad))
for b in bad[:5]:
    print("  step %d: show %s, view %s" % b)
print("same" if rows and len(rows) == len(page) and not bad else "DIFFERENT")
PY
if grep -qx same words.out; then
	ok "view words every step as show's operation and queue columns ($(sed -n 1p words.out))"
else
	not_ok "view and show word the steps differently"
fi
sed 's/^/    /' words.out
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
