#!/bin/sh
# tests/plugin.sh - a student program as a plug-in: build docs/plugin-example
# with its own Makefile against this source tree's <netsim/socket.h> (as
# `pkg-config --cflags netsim` would give once installed), load it from a
# scenario (program = plugin:PATH) next to a tcp_echo_server, and check
# with [expect] what it did.
. "${top_srcdir}/tests/lib.sh"

CC=${CC:-cc}
if ! command -v "$CC" >/dev/null 2>&1 || ! command -v make >/dev/null 2>&1; then
	echo "SKIP: no C compiler or make to build the example plug-in"
	exit 77
fi
cp "$top_srcdir/docs/plugin-example/Makefile" "$top_srcdir/docs/plugin-example/"*.c "$T/"
expect_exit 0 "the example plug-in builds with its Makefile" -- \
	make -C "$T" NETSIM_CFLAGS="-I$top_srcdir/include -fPIC" NETSIM_LIBS=-shared \
	CFLAGS="-O2 -Wall -Wextra -Werror"

{
	cat <<EOF2
[scenario]
duration = 1s
[link lan]
rate = 100Mbit
delay = 50us
EOF2
	lan_hosts
	cat <<EOF2
[app echo]
host = bob
program = tcp_echo_server
port = 7
[app student]
host = alice
program = plugin:$T/echo_client.so
start = 1ms
dst = 10.0.0.2
port = 7
count = 5
size = 3000
[expect]
app.student.tx_msgs = 5
app.student.tx_bytes = 15000
app.student.rx_bytes = 15000
app.student.conns = 0
app.echo.rx_bytes = 15000
app.echo.conns = 1
EOF2
} >"$T/echo.ini"
expect_exit 0 "the plug-in runs and meets its [expect] lines" -- \
	"$NETSIM" run "$T/echo.ini"

# A plug-in without ns_main is refused with a clear message.
printf 'int not_main(void) { return 0; }\n' >"$T/bad.c"
"$CC" -shared -fPIC -o "$T/bad.so" "$T/bad.c"
sed "s|$T/echo_client.so|$T/bad.so|; /^\[expect\]/,\$d" "$T/echo.ini" >"$T/bad.ini"
expect_exit 2 "a plug-in without ns_main is refused" -- "$NETSIM" run "$T/bad.ini"
expect_grep "$T/err" "ns_main" "the error names ns_main"
done_testing
