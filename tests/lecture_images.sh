#!/bin/sh
# tests/lecture_images.sh - every `netsim run`, `netsim draw` and `netsim
# view` command of docs/lecture-guide.md works as written, each picture a
# `netsim draw ... -o NAME.png` makes is drawn and non-empty
# (docs/render-images.sh renders into a scratch folder), the guide shows
# it (img/NAME.png) and docs/img ships it; and the guide has no TODO and
# nothing "to be written".
. "$top_srcdir/tests/lib.sh"
guide=$top_srcdir/docs/lecture-guide.md
if sh "$top_srcdir/docs/render-images.sh" "$NETSIM" "$T/img" >"$T/log" 2>&1; then
	ok "every command of the lecture guide runs"
else
	not_ok "a command of the lecture guide fails"
	tail -5 "$T/log"
fi
n=0
for png in $(sed -n 's/^    netsim draw .* -o \([a-z0-9-]*\.png\).*/\1/p' "$guide"); do
	n=$((n + 1))
	if [ -s "$T/img/$png" ]; then ok "drew $png"; else not_ok "did not draw $png"; fi
	if [ -f "$top_srcdir/docs/img/$png" ]; then ok "the guide ships $png"; else not_ok "docs/img/$png is missing"; fi
	if grep -qF "(img/$png)" "$guide"; then ok "the guide shows $png"; else not_ok "the guide draws $png but does not show it"; fi
done
[ "$n" -ge 15 ] && ok "$n pictures" || not_ok "only $n pictures in the guide"
if grep -qE '^    netsim .*docs/img/' "$guide"; then
	not_ok "a command of the guide writes into docs/img"
else
	ok "no command of the guide writes into docs/img"
fi
if grep -niE 'TODO|to be written' "$guide"; then
	not_ok "the guide has a TODO or something to be written"
else
	ok "the guide has no TODO and nothing to be written"
fi
done_testing
