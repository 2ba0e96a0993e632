#!/bin/sh
# tests/format.sh - every C file is formatted as .clang-format says
# (STYLE.md: "Formatting is decided once").  Fix with:
#   clang-format -i $(git ls-files '*.[ch]')
. "$top_srcdir/tests/lib.sh"
cd "$top_srcdir" || exit 1
if ! command -v clang-format >/dev/null 2>&1; then
	echo "# skip: clang-format is not installed (Debian: apt-get install clang-format)"
	exit 77
fi
bad=""
# (*_sql.c are generated from .sql files by the build, view_files.c from viz/view/)
for f in $(find sim trace stack apps viz cli tests include -name '*.[ch]' ! -name '*_sql.c' ! -name view_files.c | sort); do
	clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad="$bad $f"
done
if [ -z "$bad" ]; then
	ok "every C file follows .clang-format"
else
	not_ok "not formatted:$bad"
fi
done_testing
