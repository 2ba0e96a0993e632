#!/bin/sh
# setup.sh - install what netsim needs on Debian 12, then build it.
#
#   ./setup.sh              install missing packages, configure (--enable-pgo) and build
#   ./setup.sh --deps-only  only install missing packages
#
# Packages are installed with apt-get (through sudo when not root); those
# already installed are left alone.
set -eu

PACKAGES="build-essential autoconf automake pkg-config libglib2.0-dev
libsqlite3-dev libgraphviz-dev libpcap-dev libcmocka-dev sqlite3 tshark
gnuplot-nox parallel valgrind clang libclang-rt-14-dev clang-format
slurm-wlm munge chromium python3
iputils-ping arping curl netcat-openbsd iproute2"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done

if [ -n "$missing" ]; then
	echo "setup: installing:$missing"
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO="sudo"
	$SUDO apt-get update -qq
	# tshark asks whether non-root users may capture; the default answer is fine.
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi

[ "${1:-}" = "--deps-only" ] && exit 0

cd "$(dirname "$0")"
[ -x configure ] || autoreconf -fi
# --enable-pgo: the library and netsim are compiled twice, with a profile
# of the lecture and homework scenarios between (pgo.mk); the UDP flood of
# bench/ then takes about 0.84 of the CPU (docs/performance.md).  A
# developer who edits and rebuilds often may prefer a plain ./configure.
[ -f Makefile ] || ./configure --enable-pgo
make -j"$(nproc)"
