#!/bin/sh
# tests/homework_images.sh - the sweeps of docs/homework-livelock.md run as
# written, and draw every picture the handout shows (into a scratch
# folder; docs/render-homework.sh refreshes docs/img).
. "$top_srcdir/tests/lib.sh"
if [ -z "${GNUPLOT:-}" ] && ! command -v gnuplot >/dev/null 2>&1; then
	echo "# skip: gnuplot is not installed (Debian: gnuplot-nox)"
	exit 77
fi
if sh "$top_srcdir/docs/render-homework.sh" "$NETSIM" "$T/img" >"$T/log" 2>&1; then
	ok "every sweep of the handout runs"
else
	not_ok "a sweep of the handout fails"
	tail -5 "$T/log"
fi
for png in $(sed -n 's/.*(img\/\(livelock-[a-z0-9-]*\.png\)).*/\1/p' "$top_srcdir/docs/homework-livelock.md"); do
	if [ -s "$T/img/$png" ]; then ok "drew $png"; else not_ok "did not draw $png"; fi
done
done_testing
