#!/bin/sh
# tests/input_limits.sh - input netsim cannot use is an error, never a hang,
# an abort or raw bytes on the terminal (issue 15, items 11 and 12).
#
#   scenario files: regular, at most 4 MiB, text (/dev/zero, a FIFO, a
#   directory, 5 MB, a NUL byte: exit 2 at once);
#   a world too large for the memory (10,000 hosts, 5000 of them with
#   4096-descriptor RX rings, under ulimit -v 500 MB):
#   exit 2, "the scenario needs about N MB for H hosts", not GLib's abort;
#   control characters in a title or a value: escaped on the terminal;
#   a file name that is not UTF-8: netsim show --format json stays UTF-8;
#   count near 2^63: the range netsim help apps gives, with its message;
#   show --skb 0: an error, not the summary.
#
# timeout(1) only bounds the reads that used to hang; no check depends on
# how long anything takes.
. "$top_srcdir/tests/lib.sh"

ini() { # FILE [TITLE]: two hosts on a link and a flood
	{
		printf '[scenario]\ntitle = %s\nduration = 2ms\ntrace = full\n' "${2:-limits}"
		printf '[link lan]\n[host a]\neth0.link = lan\neth0.address = 10.0.0.1/24\n'
		printf '[host b]\neth0.link = lan\neth0.address = 10.0.0.2/24\n'
		printf '[app s]\nhost = b\nprogram = udp_sink\nport = 9\n'
		printf '[app f]\nhost = a\nprogram = udp_flood\ndst = 10.0.0.2\nport = 9\nrate = 1000\n'
	} >"$1"
}
ini "$T/s.ini"
expect_exit 0 "a plain scenario" -- "$NETSIM" check "$T/s.ini"

# ---- scenario files ----
expect_exit 2 "check /dev/zero" -- timeout 20 "$NETSIM" check /dev/zero
expect_grep "$T/err" '^netsim: /dev/zero: not a regular file' "/dev/zero is not a regular file"
mkfifo "$T/fifo"
expect_exit 2 "check a FIFO with no writer" -- timeout 20 "$NETSIM" check "$T/fifo"
expect_exit 2 "check a directory" -- "$NETSIM" check "$T"
head -c 5000000 /dev/zero | tr '\0' '#' >"$T/big.ini"
expect_exit 2 "a 5 MB scenario" -- "$NETSIM" check "$T/big.ini"
expect_grep "$T/err" 'larger than 4 MiB' "the size limit is named"
printf '[scenario]\n\000title = x\n' >"$T/nul.ini"
expect_exit 2 "a scenario with a NUL byte" -- "$NETSIM" check "$T/nul.ini"
expect_grep "$T/err" 'NUL byte at offset 11' "the NUL byte is found"

# ---- a world too large for the memory ----
# (AddressSanitizer reserves terabytes of shadow memory: a sanitizer build
# cannot start under ulimit -v at all, so the check is skipped there.)
if command -v bash >/dev/null 2>&1 &&
	! bash -c 'ulimit -v 500000; exec "$@"' sh "$NETSIM" --version 2>&1 | grep -q AddressSanitizer; then
	{
		printf '[scenario]\nduration = 1ms\n'
		i=0
		while [ $i -lt 5000 ]; do
			printf '[link l%d]\n[host a%d]\neth0.link = l%d\neth0.address = 10.0.0.1/24\n' $i $i $i
			printf 'eth0.rx_ring = 4096\n' # 96 KiB of posted descriptors (stack/nic.c)
			printf '[host b%d]\neth0.link = l%d\neth0.address = 10.0.0.2/24\n' $i $i
			i=$((i + 1))
		done
	} >"$T/huge.ini"
	expect_exit 2 "10,000 hosts under ulimit -v 500 MB" -- \
		bash -c 'ulimit -v 500000; exec "$@"' sh "$NETSIM" check "$T/huge.ini"
	expect_grep "$T/err" '^netsim: .*huge\.ini: the scenario needs about [0-9]+ MB for 10000 hosts .*ulimit -v' \
		"it says how much the scenario needs"
	grep -q 'GLib' "$T/err" && not_ok "GLib's allocation abort" || ok "no GLib abort"
	expect_exit 2 "netsim run of it with one 65536-descriptor ring" -- \
		bash -c 'ulimit -v 500000; exec "$@"' sh "$NETSIM" run -q --set host.a0.eth0.rx_ring=65536 "$T/huge.ini"
else
	echo "# a sanitizer build (or no bash): the ulimit -v checks are skipped"
fi

# ---- control characters ----
esc=$(printf '\033')
ini "$T/esc.ini" "red${esc}[31mALERT${esc}[0m"
expect_exit 0 "a run whose title has escape sequences" -- "$NETSIM" run -q "$T/esc.ini"
grep -q "$esc" "$T/out" && not_ok "an ESC byte reached the terminal" || ok "no ESC byte in the summary"
expect_grep "$T/out" 'red\\x1b\[31mALERT' "the title is shown escaped"
expect_exit 2 "a bad value with an escape sequence" -- \
	"$NETSIM" check "$T/s.ini" --set "app.f.rate=1${esc}[2J"
grep -q "$esc" "$T/err" && not_ok "an ESC byte reached the terminal in an error" || ok "no ESC byte in the error"
expect_eq "$(wc -l <"$T/err")" 1 "the error is one line"

# ---- a file name that is not UTF-8, and --format json ----
bad=$(printf 'caf\351')
cp "$T/s.ini" "$T/$bad.ini"
expect_exit 0 "a scenario whose name is not UTF-8" -- "$NETSIM" run -q --trace "$T/j.db" "$T/$bad.ini"
expect_exit 0 "show --format json of its trace" -- "$NETSIM" show "$T/j.db" --format json
cp "$T/out" "$T/show.json"
if iconv -f UTF-8 -t UTF-8 <"$T/out" >/dev/null 2>&1; then ok "the JSON is valid UTF-8"; else not_ok "the JSON is not valid UTF-8"; fi
expect_grep "$T/out" 'caf\\\\xe9\.ini' "the byte that is not UTF-8 is written \\\\xe9"
if command -v python3 >/dev/null 2>&1; then
	expect_exit 0 "python3 reads it as JSON" -- python3 -c 'import json,sys; json.loads(open(sys.argv[1], "rb").read().decode("utf-8"))' "$T/show.json"
fi
expect_exit 0 "show (table) of that trace" -- "$NETSIM" show "$T/j.db"
if iconv -f UTF-8 -t UTF-8 <"$T/out" >/dev/null 2>&1; then ok "the table is valid UTF-8"; else not_ok "the table is not valid UTF-8"; fi

# ---- count near 2^63: the range netsim help apps gives ----
range=$("$NETSIM" help apps | sed -n 's/^  count .*(a size in bytes from 0 to \([0-9]*\))$/\1/p')
expect_eq "$range" 9223372036854775807 "help apps gives count up to 2^63 - 1"
expect_exit 0 "count = 2^63 - 1 is accepted" -- "$NETSIM" check "$T/s.ini" --set "app.f.count=$range"
for v in 9223372036854775808 18446744073709551615 18446744073709551616 20000000000GiB; do
	expect_exit 2 "count = $v is refused" -- "$NETSIM" check "$T/s.ini" --set "app.f.count=$v"
	expect_grep "$T/err" "count: '$v' is out of range: expected a size in bytes from 0 to $range\$" "count = $v: the message gives the range of help apps"
done

# ---- show --skb 0 ----
expect_exit 2 "show --skb 0" -- "$NETSIM" show "$T/j.db" --skb 0
expect_grep "$T/err" 'skb ids start at 1' "--skb 0 is an error"
[ -s "$T/out" ] && not_ok "--skb 0 printed something" || ok "--skb 0 prints no summary"

done_testing
