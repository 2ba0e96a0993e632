#!/bin/sh
# tests/viz_vocab.sh - viz/ never spells a trace op, copy kind or drop
# reason (issue 20): C code compares the enums that draw_event_read maps
# once (viz/vocab.h), and SQL names them {op.WIRE}, {copy.SKB_COPY},
# expanded from include/netsim/trace_vocab.h by viz_vocab_sql (vizdb_prepare
# and vizdb_apply_views expand every query and viz/views.sql).
# tests/vocab.sh checks C string literals in stack/ and viz/; this one
# reads every source file of viz/ (C, SQL, the view page), including the
# SQL inside C strings, where a quoted name such as 'wire' is a literal
# too.  C strings allowed: "wire" is also a layer (the wire beyond a NIC),
# "none" the id prefix of no place, "skb_copy" and "skb_clone" the Linux
# functions in an alloc row's func column; in SQL, 'wire', 'none' and
# 'skb_copy' are only ever the op and the copy kinds.  Comments (C's and
# SQL's --) are left out.
. "$top_srcdir/tests/lib.sh"
cd "$top_srcdir" || exit 1

list=include/netsim/trace_vocab.h
names=$(sed -n '/^#define \(TRACE_OPS\|TRACE_COPY_KINDS\|SKB_DROP_REASONS\)/,/^$/s/^[[:space:]]*X([A-Z_0-9]*, \([a-z_0-9]*\),.*/\1/p' "$list" | sort -u)
n=$(echo "$names" | wc -w)
if [ "$n" -ge 60 ]; then
	ok "the lists name $n ops, copy kinds and drop reasons"
else
	not_ok "only $n op, copy-kind and drop-reason names found in $list"
fi

# spelled FILE...: prints the lines of FILE that spell a name, as a C
# string ("copy") or as an SQL literal ('copy'), comments left out.
spelled() {
	for f in "$@"; do
		sed -e 's|/\*.*\*/||g' -e 's|^[[:space:]]*/\*.*||' -e 's|^[[:space:]]*\*.*||' \
			-e 's|^[[:space:]]*//.*||' -e 's|^[[:space:]]*--.*||' "$f" |
			grep -n . | while IFS= read -r line; do
			for name in $names; do
				case $line in
				*"'$name'"*) echo "$f:$line" ;;
				*"\"$name\""*)
					case $name in
					wire | none | skb_copy | skb_clone) ;;
					*) echo "$f:$line" ;;
					esac
					;;
				esac
			done
		done
	done
}

# Every source file of viz/ but the generated ones (views_sql.c,
# view_files.c, trace-views.sql are made by viz/local.mk from the others).
files=$(ls viz/*.c viz/*.h viz/*.sql viz/view/* | grep -vE '^viz/(views_sql\.c|view_files\.c|trace-views\.sql)$')
bad=$(spelled $files)
if [ -z "$bad" ]; then
	ok "no op, copy kind or drop reason is spelled in viz/ ($(echo $files | wc -w) files), in C, SQL or JS"
else
	not_ok "ops, copy kinds or drop reasons spelled in viz/"
	echo "$bad" | sed 's/^/    /'
fi

# The SQL the shell gets (trace-views.sql, written by the build) has every
# placeholder expanded and creates the views on a trace (sqlite3).
views=$top_builddir/viz/trace-views.sql
if [ -f "$views" ] && command -v sqlite3 >/dev/null; then
	sqlite3 "$T/v.db" <trace/schema.sql && sqlite3 "$T/v.db" <"$views"
	nviews=$(sqlite3 "$T/v.db" "SELECT count(*) FROM sqlite_master WHERE type = 'view'")
	if ! grep -q '{op\.\|{copy\.' "$views" && [ "$nviews" -ge 5 ]; then
		ok "trace-views.sql spells the names out and sqlite3 creates its $nviews views"
	else
		not_ok "trace-views.sql: placeholders left, or only $nviews views created"
	fi
else
	checks=$((checks + 1))
	echo "ok $checks # SKIP trace-views.sql not built, or no sqlite3"
fi

# The check can fail: a query with a quoted op, and a strcmp on one.
cat >"$T/planted.c" <<'C'
static const char *q = "SELECT skb FROM skb_events WHERE op = 'clone'";
int f(const char *op) { return strcmp(op, "drop") == 0; }
C
if [ "$(spelled "$T/planted.c" | wc -l)" -eq 2 ]; then
	ok "a quoted op in SQL and a compared op string are both found"
else
	not_ok "the check misses a planted op name"
fi
done_testing
