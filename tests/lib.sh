# tests/lib.sh - helpers for the shell tests (sourced).
#
# $NETSIM, $top_srcdir and $top_builddir come from the test environment
# (Makefile.am, AM_TESTS_ENVIRONMENT).  Each test runs in its own temporary
# directory, removed at exit.
set -u
: "${NETSIM:?run through make check}"
: "${top_srcdir:?run through make check}"
T=$(mktemp -d "${TMPDIR:-/tmp}/netsim-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
failures=0
checks=0

ok() { checks=$((checks + 1)); echo "ok $checks - $*"; }
not_ok() { checks=$((checks + 1)); failures=$((failures + 1)); echo "not ok $checks - $*"; }

# expect_exit CODE DESCRIPTION -- COMMAND...: runs COMMAND, output in $T/out, $T/err.
expect_exit() {
	local want=$1 what=$2
	shift 3
	"$@" >"$T/out" 2>"$T/err"
	local got=$?
	if [ "$got" -eq "$want" ]; then
		ok "$what (exit $got)"
	else
		not_ok "$what: exit $got, expected $want"
		sed 's/^/    out: /' "$T/out" | head -20
		sed 's/^/    err: /' "$T/err" | head -20
	fi
}

# expect_grep FILE REGEX DESCRIPTION
expect_grep() {
	if grep -qE -- "$2" "$1"; then
		ok "$3"
	else
		not_ok "$3: /$2/ not in $1"
		sed 's/^/    /' "$1" | head -20
	fi
}

# expect_place PLACE DESCRIPTION: $T/err is one line naming where the input
# is wrong, PLACE ("FILE:LINE: GROUP KEY", or "command line (--set): GROUP
# KEY"), then ": " and the message.  For tests whose point is which input
# is refused (with the exit status): the message's wording is left free.
expect_place() {
	if [ "$(wc -l <"$T/err")" -eq 1 ] && grep -qF -- "$1: " "$T/err"; then
		ok "$2"
	else
		not_ok "$2: not one line naming '$1: '"
		sed 's/^/    /' "$T/err" | head -20
	fi
}

# check FLAG DESCRIPTION: ok when FLAG is 1, as an arithmetic test gives it:
# check $((n >= 3)) "three at least"
check() { if [ "$1" = 1 ]; then ok "$2"; else not_ok "$2"; fi; }

# expect_eq ACTUAL EXPECTED DESCRIPTION
expect_eq() {
	if [ "$1" = "$2" ]; then ok "$3"; else not_ok "$3: got '$1', expected '$2'"; fi
}

# lan_hosts [ALICE_LINES [BOB_LINES]]: alice (10.0.0.1) and bob (10.0.0.2)
# on the link lan, each with its extra lines (offload switches).
lan_hosts() {
	cat <<EOF
[host alice]
eth0.link = lan
eth0.address = 10.0.0.1/24
${1-}
[host bob]
eth0.link = lan
eth0.address = 10.0.0.2/24
${2-}
EOF
}

done_testing() {
	echo "1..$checks"
	[ "$failures" -eq 0 ]
	exit $?
}
