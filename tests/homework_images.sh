#!/bin/sh
# tests/homework_images.sh - the sweeps of docs/homework-livelock.md run as
# written, and draw every picture the handout shows (into a scratch
# folder; docs/render-homework.sh refreshes docs/img); no two labels of
# any of their plots overlap (tests/svg_labels reads the SVG that every
# sweep writes beside its PNG: render-homework.sh runs with a netsim that
# keeps them).
. "$top_srcdir/tests/lib.sh"
# Under the sanitizers the draws of this test skip the leak check (its full
# unwind is slow on the big traces); see tests/netsim-asan.sh.
NETSIM_ASAN_DRAW=pictures
export NETSIM_ASAN_DRAW
if [ -z "${GNUPLOT:-}" ] && ! command -v gnuplot >/dev/null 2>&1; then
	echo "# skip: gnuplot is not installed (Debian: gnuplot-nox)"
	exit 77
fi
mkdir -p "$T/svg"
cat >"$T/netsim" <<WRAP
#!/bin/sh
"$NETSIM" "\$@" || exit \$?
out="" prev=""
for a in "\$@"; do [ "\$prev" = "-o" ] && out=\$a; prev=\$a; done
[ -n "\$out" ] || exit 0
n=\$(ls "$T/svg" | wc -l)
for f in "\$out"/plots/*.svg; do
	[ -f "\$f" ] && cp "\$f" "$T/svg/\$n-\$(basename "\$out")-\$(basename "\$f")"
done
exit 0
WRAP
chmod +x "$T/netsim"
if sh "$top_srcdir/docs/render-homework.sh" "$T/netsim" "$T/img" >"$T/log" 2>&1; then
	ok "every sweep of the handout runs"
else
	not_ok "a sweep of the handout fails"
	tail -5 "$T/log"
fi
for png in $(sed -n 's/.*(img\/\(livelock-[a-z0-9-]*\.png\)).*/\1/p' "$top_srcdir/docs/homework-livelock.md" \
	"$top_srcdir/docs/homework-livelock-queues.md"); do
	if [ -s "$T/img/$png" ]; then ok "drew $png"; else not_ok "did not draw $png"; fi
done
m=0
for svg in "$T"/svg/*.svg; do
	[ -f "$svg" ] || continue
	m=$((m + 1))
	if "$top_builddir/tests/svg_labels" "$svg" >"$T/overlaps" 2>&1; then
		ok "no labels overlap in $(basename "$svg")"
	else
		not_ok "labels overlap in $(basename "$svg")"
		sed "s|$T/svg/||; s/^/    /" "$T/overlaps" | head -10
	fi
done
[ "$m" -ge 10 ] && ok "checked $m plots for overlapping labels" || not_ok "only $m plots kept as SVG"
done_testing
