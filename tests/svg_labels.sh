#!/bin/sh
# tests/svg_labels.sh - no two text labels overlap in any picture of the
# lecture guide: every `netsim draw` of docs/lecture-guide.md is rendered
# as SVG (docs/render-images.sh ... svg) and tests/svg_labels reads the
# text boxes.  (tests/homework_images.sh checks the handout's plots the
# same way, from the sweeps it runs anyway.)
. "$top_srcdir/tests/lib.sh"
# Under the sanitizers the draws of this test skip the leak check (its full
# unwind is slow on the big traces); see tests/netsim-asan.sh.
NETSIM_ASAN_DRAW=pictures
export NETSIM_ASAN_DRAW
check=$top_builddir/tests/svg_labels

# the checker itself finds an overlap, and passes labels that are apart
cat >"$T/two.svg" <<'SVG'
<svg xmlns="http://www.w3.org/2000/svg"><g class="graph" transform="translate(4 100)">
<g class="edge"><text text-anchor="middle" x="100" y="-20" font-family="Helvetica" font-size="14.00">RETRANSMIT data 4381:5841</text></g>
<g class="edge"><text text-anchor="middle" x="150" y="-22" font-family="Helvetica" font-size="14.00">ACK 4381</text></g>
<g class="edge"><text text-anchor="start" x="10" y="-60" font-family="Helvetica" font-size="14.00">apart</text></g>
</g></svg>
SVG
expect_exit 1 "the checker finds two labels that overlap" -- "$check" "$T/two.svg"
expect_grep "$T/out" 'RETRANSMIT.*overlaps "ACK 4381"' "it names both"
sed '/ACK 4381/d' "$T/two.svg" >"$T/one.svg"
expect_exit 0 "the checker passes labels that are apart" -- "$check" "$T/one.svg"

if sh "$top_srcdir/docs/render-images.sh" "$NETSIM" "$T/svg" svg >"$T/log" 2>&1; then
	ok "every picture of the lecture guide renders as SVG"
else
	not_ok "a picture of the lecture guide does not render"
	tail -5 "$T/log"
fi
n=0
for svg in "$T"/svg/*.svg; do
	[ -f "$svg" ] || continue
	n=$((n + 1))
	if "$check" "$svg" >"$T/overlaps" 2>&1; then
		ok "no labels overlap in $(basename "$svg")"
	else
		not_ok "labels overlap in $(basename "$svg")"
		sed "s|$T/svg/||; s/^/    /" "$T/overlaps" | head -10
	fi
done
[ "$n" -ge 10 ] && ok "checked $n pictures of the guide" || not_ok "only $n pictures rendered"
done_testing
