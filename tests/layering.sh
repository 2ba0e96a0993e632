#!/bin/sh
# tests/layering.sh - arrows between folders point down only (DESIGN.md,
# "The house"): cli -> apps -> stack -> trace -> sim, and viz reads trace
# databases only.  Every #include "folder/..." of every source file is
# checked against what its folder may use.  include/netsim/socket.h, the
# students' BSD-style API, is a contract below everything, like a system
# header.
. "$top_srcdir/tests/lib.sh"
cd "$top_srcdir" || exit 1

# allowed FOLDER: the folders its files may include from
allowed() {
	case $1 in
	sim) echo "sim include" ;;
	trace) echo "sim trace include" ;;
	stack) echo "sim trace stack include" ;;
	apps) echo "sim apps include" ;;
	viz) echo "viz include" ;;
	cli) echo "sim trace stack apps viz cli include" ;;
	esac
}

# apps/ uses the stack only through the socket API (stack/socket.h, and the
# netfilter queue calls of a user-level screening process); the registry
# (apps/app.c) also creates processes on a host.
apps_may_include() {
	case $1:$2 in
	*:stack/socket.h | *:stack/netfilter.h) return 0 ;;
	apps/app.c:stack/host.h | apps/app.c:stack/inet.h) return 0 ;;
	apps/plugin.c:stack/module.h) return 0 ;; # insmod: a protocol module's init
	esac
	return 1
}

for dir in sim trace stack apps viz cli; do
	ok_dirs=$(allowed $dir)
	bad=0
	for f in $dir/*.c $dir/*.h; do
		[ -e "$f" ] || continue
		for inc in $(sed -n 's/^#include "\([a-z]*\/[^"]*\)".*/\1/p' "$f"); do
			top=${inc%%/*}
			case " $ok_dirs " in
			*" $top "*) continue ;;
			esac
			if [ "$dir" = apps ] && [ "$top" = stack ] && apps_may_include "$f" "$inc"; then
				continue
			fi
			echo "    $f includes $inc: $dir/ may use only: $ok_dirs"
			bad=$((bad + 1))
		done
	done
	if [ "$bad" -eq 0 ]; then
		ok "$dir/ includes only from: $ok_dirs"
	else
		not_ok "$dir/ reaches up or across the house ($bad includes)"
	fi
done

# The installed header for students' plug-ins stands alone.
if [ -f include/netsim/socket.h ]; then
	if grep -q '#include "' include/netsim/socket.h; then
		not_ok "include/netsim/socket.h includes project headers"
	else
		ok "include/netsim/socket.h stands alone"
	fi
fi

done_testing
