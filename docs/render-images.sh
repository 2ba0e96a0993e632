#!/bin/sh
# docs/render-images.sh - run every `netsim run` and `netsim draw` command
# of docs/lecture-guide.md, so that the guide's pictures are the project's
# own output and its commands keep working.
#
#   docs/render-images.sh NETSIM OUTDIR [svg]
#
# Commands run from a scratch folder; "docs/img/NAME" outputs go to
# OUTDIR/NAME (docs/img to refresh the pictures in place); with "svg",
# docs/img/NAME.png goes to OUTDIR/NAME.svg instead (for
# tests/svg_labels.sh).  Exits non-zero if any command fails.
set -eu
netsim=$1
out=$2
format=${3:-}
src=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/netsim-render.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
ln -s "$src/scenarios" scenarios
status=0
grep -E '^    netsim (run|draw) ' "$src/docs/lecture-guide.md" | sed 's/^    netsim //' |
while read -r cmd; do
	# shellcheck disable=SC2086
	set -- $cmd
	case $1 in
	run) set -- "$@" --quiet --overwrite ;;
	esac
	args=""
	for a in "$@"; do
		case $a in
		docs/img/*.png) [ "$format" = svg ] && a="${a%.png}.svg"
			a="$out/${a#docs/img/}" ;;
		docs/img/*) a="$out/${a#docs/img/}" ;;
		esac
		args="$args $a"
	done
	echo "netsim$args"
	# shellcheck disable=SC2086
	if ! "$netsim" $args >/dev/null; then
		echo "render-images: failed: netsim$args" >&2
		exit 1
	fi
done || status=1
exit $status
