#!/bin/sh
# tests/browser_view.sh - the page of `netsim view` in a real browser:
# Debian's chromium, headless, opens it for lecture 2's trace, steps
# forward and back with the keys, and every step must show the row of
# `netsim show` with the same number (tests/browser_view.py).  Fails on a
# console error or an empty canvas.  Screenshots are kept in
# $top_builddir/tests/browser_view/ (test artefacts).
. "$top_srcdir/tests/lib.sh"
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
if [ -z "$CHROMIUM" ]; then
	echo "# SKIP: chromium is not installed (Debian: apt-get install chromium; setup.sh does)"
	exit 77
fi
if ! command -v python3 >/dev/null 2>&1; then
	echo "# SKIP: python3 is not installed (it drives chromium)"
	exit 77
fi
shots=$top_builddir/tests/browser_view
rm -rf "$shots"
mkdir -p "$shots"
cd "$T" || exit 1
"$NETSIM" run "$top_srcdir/scenarios/lectures/path-of-a-packet.ini" --quiet --trace path.db >/dev/null
skb=$(sqlite3 path.db "SELECT skb FROM packets WHERE proto = 'udp' AND host = 1 ORDER BY time_ns LIMIT 1 OFFSET 1")
expect_exit 0 "netsim view writes the page" -- "$NETSIM" view path.db -o page --skb "$skb" --step 1
url=$(cat "$T/out")
expect_grep "$T/out" "^file://.*/page/index.html#skb=$skb&step=1\$" "it prints the link to step 1 of skb $skb"
for f in index.html view.js view.css data.js; do
	[ -s "page/$f" ] && ok "page/$f written" || not_ok "page/$f missing"
done
if grep -qE '(src|href)="(https?:)?//' page/index.html; then
	not_ok "the page loads something from the network"
else
	ok "the page loads nothing from the network"
fi
"$NETSIM" show path.db --skb "$skb" --format json >show.json
# the page written for every packet, too
expect_exit 0 "netsim view writes the page for every packet" -- "$NETSIM" view path.db -o all
expect_exit 2 "a missing trace is an error" -- "$NETSIM" view nosuch.db -o x
if python3 "$top_srcdir/tests/browser_view.py" "$CHROMIUM" "$url" show.json "$shots" >browser.log 2>&1; then
	ok "chromium steps through skb $skb (screenshots in tests/browser_view/)"
else
	not_ok "chromium: the page does not do what netsim show says"
fi
sed 's/^/    /' browser.log
done_testing
