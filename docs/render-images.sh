#!/bin/sh
# docs/render-images.sh - run every `netsim run`, `netsim draw` and
# `netsim view` command of docs/lecture-guide.md and of the lecture files
# it links with pictures (docs/lecture-sockets-extra.md), so that the
# guide's pictures are the project's own output and its commands keep
# working.
#
#   docs/render-images.sh NETSIM OUTDIR [svg]
#
# Commands run, as written, from a scratch folder; the picture a `netsim
# draw ... -o NAME.png` writes goes to OUTDIR/NAME.png instead
# (docs/img to refresh the guide's pictures in place); with "svg", to
# OUTDIR/NAME.svg (for tests/svg_labels.sh).  The guide's commands write
# into the reader's folder, never into docs/img.  Exits non-zero if any
# command fails.
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
# The student-registered protocol lecture runs plug-ins built from
# docs/plugin-example in the reader's folder (its first command, `cp ...
# && make`); here against this source tree's headers.
cp "$src/docs/plugin-example/Makefile" "$src/docs/plugin-example/"sw_*.c .
make -s NETSIM_CFLAGS="-I$src/include -fPIC" NETSIM_LIBS=-shared sw_client.so sw_server.so
status=0
cat "$src/docs/lecture-guide.md" "$src/docs/lecture-sockets-extra.md" |
	grep -E '^    netsim (run|draw|view) ' | sed 's/^    netsim //' |
while read -r cmd; do
	# shellcheck disable=SC2086
	set -- $cmd
	what=$1
	case $what in
	run) set -- "$@" --quiet --overwrite ;;
	esac
	args="" prev=""
	for a in "$@"; do
		if [ "$what" = draw ] && [ "$prev" = "-o" ]; then
			case $a in
			*.png) [ "$format" = svg ] && a="${a%.png}.svg" ;;
			esac
			a="$out/$(basename "$a")"
		fi
		args="$args $a"
		prev=$a
	done
	echo "netsim$args"
	# shellcheck disable=SC2086
	if ! eval "\"\$netsim\" $args" >/dev/null; then
		echo "render-images: failed: netsim$args" >&2
		exit 1
	fi
done || status=1
exit $status
