#!/bin/sh
# tests/draw_output.sh - netsim draw says when it cannot write its picture
# (issue 15, item 8): a missing directory, a directory in the way, a full
# disk (a 16 KiB tmpfs, when this test may mount one), a file-size limit.
# Each is exit 2 with one line naming the file, and the final name is never
# left holding part of a picture: an old picture there stays whole.
. "$top_srcdir/tests/lib.sh"

scen="$top_srcdir/scenarios/lectures/path-of-a-packet.ini"
expect_exit 0 "a trace to draw" -- "$NETSIM" run -q --trace "$T/t.db" "$scen"
expect_exit 0 "a picture that can be written" -- "$NETSIM" draw "$T/t.db" stackmap -o "$T/ok.svg"
[ -s "$T/ok.svg" ] && ok "it is there" || not_ok "no picture"

expect_exit 2 "a picture in a missing directory" -- "$NETSIM" draw "$T/t.db" stackmap -o "$T/no/such/x.svg"
expect_grep "$T/err" "^netsim draw: $T/no/such/x\.svg: cannot write in $T/no/such: No such file" "the error names the directory"
expect_eq "$(wc -l <"$T/err")" 1 "the error is one line (no Graphviz message)"
expect_exit 2 "a picture under a regular file" -- "$NETSIM" draw "$T/t.db" stackmap -o "$T/t.db/x.png"
expect_exit 2 "a picture named like a directory" -- "$NETSIM" draw "$T/t.db" stackmap -o "$T"
expect_exit 2 "a missing directory, .dot" -- "$NETSIM" draw "$T/t.db" stackmap -o "$T/no/x.dot"

# Full: every format, with an old picture under the final name.
full_disk() { # DIR WHAT: DIR holds pic.svg, .png, .pdf, .dot with "old picture"
	for f in svg png pdf dot; do
		expect_exit 2 "$2: .$f" -- "$NETSIM" draw "$T/t.db" stackmap -o "$1/pic.$f"
		expect_grep "$T/err" "^netsim draw: $1/pic\.$f: cannot write the picture: " "$2: .$f: one line naming the file"
		expect_eq "$(cat "$1/pic.$f")" "old picture" "$2: .$f: the old picture is untouched"
		expect_eq "$(ls "$1" | grep -c tmp)" 0 "$2: .$f: no temporary file is left"
	done
}
mkdir "$T/mnt"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=16k tmpfs "$T/mnt" 2>/dev/null; then
	trap 'umount "$T/mnt"; rm -rf "$T"' EXIT
	for f in svg png pdf dot; do echo "old picture" >"$T/mnt/pic.$f"; done
	# Then fill it up: no new picture fits.
	dd if=/dev/zero of="$T/mnt/fill" bs=1k count=64 2>/dev/null
	full_disk "$T/mnt" "a full disk (tmpfs)"
else
	echo "# cannot mount a tmpfs here: the full-disk case is checked with a file-size limit only"
fi
if command -v bash >/dev/null 2>&1; then
	mkdir "$T/lim"
	for f in svg png; do
		echo "old picture" >"$T/lim/pic.$f"
		expect_exit 2 "a file-size limit (ulimit -f 4): .$f" -- \
			bash -c 'ulimit -f 4; exec "$@"' sh "$NETSIM" draw "$T/t.db" stackmap -o "$T/lim/pic.$f"
		expect_grep "$T/err" "File too large" "ulimit: .$f: says the file is too large"
		expect_eq "$(cat "$T/lim/pic.$f")" "old picture" "ulimit: .$f: the old picture is untouched"
	done
fi

done_testing
