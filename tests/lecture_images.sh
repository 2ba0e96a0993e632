#!/bin/sh
# tests/lecture_images.sh - every `netsim run`, `netsim draw` and `netsim
# view` command of docs/lecture-guide.md and docs/lecture-sockets-extra.md
# works as written, each picture a `netsim draw ... -o NAME.png` makes is
# drawn and non-empty (docs/render-images.sh renders into a scratch
# folder), the file with the command shows it (img/NAME.png) and docs/img
# ships it; the guide links the extra file; and neither has a TODO or
# anything "to be written".
. "$top_srcdir/tests/lib.sh"
# Under the sanitizers the draws of this test skip the leak check (its full
# unwind is slow on the big traces); see tests/netsim-asan.sh.
NETSIM_ASAN_DRAW=pictures
export NETSIM_ASAN_DRAW
guide=$top_srcdir/docs/lecture-guide.md
if sh "$top_srcdir/docs/render-images.sh" "$NETSIM" "$T/img" >"$T/log" 2>&1; then
	ok "every command of the lecture guide runs"
else
	not_ok "a command of the lecture guide fails"
	tail -5 "$T/log"
fi
extra=$top_srcdir/docs/lecture-sockets-extra.md
n=0
for doc in "$guide" "$extra"; do
	d=$(basename "$doc")
	for png in $(sed -n 's/^    netsim draw .* -o \([a-z0-9-]*\.png\).*/\1/p' "$doc"); do
		n=$((n + 1))
		if [ -s "$T/img/$png" ]; then ok "drew $png"; else not_ok "did not draw $png"; fi
		if [ -f "$top_srcdir/docs/img/$png" ]; then ok "docs/img ships $png"; else not_ok "docs/img/$png is missing"; fi
		if grep -qF "(img/$png)" "$doc"; then ok "$d shows $png"; else not_ok "$d draws $png but does not show it"; fi
	done
	if grep -qE '^    netsim .*docs/img/' "$doc"; then
		not_ok "a command of $d writes into docs/img"
	else
		ok "no command of $d writes into docs/img"
	fi
	if grep -niE 'TODO|to be written' "$doc"; then
		not_ok "$d has a TODO or something to be written"
	else
		ok "$d has no TODO and nothing to be written"
	fi
done
[ "$n" -ge 18 ] && ok "$n pictures" || not_ok "only $n pictures in the guide and its extra file"
for png in firewall-input-path.png af-unix-vs-loopback-tcp.png socketcall-entry-cpu.png stop-and-wait-path.png; do
	grep -qF "(img/$png)" "$extra" && ok "the extra lectures show $png" || not_ok "the extra lectures lack $png"
done
if grep -qF '(lecture-sockets-extra.md)' "$guide"; then
	ok "the guide links lecture-sockets-extra.md"
else
	not_ok "the guide does not link lecture-sockets-extra.md"
fi
done_testing
