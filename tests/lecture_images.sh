#!/bin/sh
# tests/lecture_images.sh - every `netsim run` and `netsim draw` command of
# docs/lecture-guide.md works as written, and each picture it names is
# drawn, non-empty (docs/render-images.sh renders into a scratch folder).
. "$top_srcdir/tests/lib.sh"
if sh "$top_srcdir/docs/render-images.sh" "$NETSIM" "$T/img" >"$T/log" 2>&1; then
	ok "every command of the lecture guide runs"
else
	not_ok "a command of the lecture guide fails"
	tail -5 "$T/log"
fi
for png in $(sed -n 's/.*-o docs\/img\/\([a-z0-9-]*\.png\).*/\1/p' "$top_srcdir/docs/lecture-guide.md"); do
	if [ -s "$T/img/$png" ]; then ok "drew $png"; else not_ok "did not draw $png"; fi
	if [ -f "$top_srcdir/docs/img/$png" ]; then ok "the guide ships $png"; else not_ok "docs/img/$png is missing"; fi
done
done_testing
