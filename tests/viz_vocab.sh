#!/bin/sh
# tests/viz_vocab.sh - the diagram builders (viz/draw*.c) never spell a
# trace op or copy kind (issue 20): C code compares the enums that
# draw_event_read maps once (viz/vocab.h), and SQL names them {op.WIRE},
# {copy.SKB_COPY}, expanded from include/netsim/trace_vocab.h by
# viz_vocab_sql.  tests/vocab.sh checks C string literals in stack/ and
# viz/; this one also reads the SQL inside them, where a quoted name such
# as 'wire' is a literal too.  Two C strings stay allowed: "wire" is also
# a layer (the wire beyond a NIC) and "none" the id prefix of no place;
# in SQL, 'wire' and 'none' are only ever the op and the copy kind.
#
# Not yet covered: viz/show.c, viz/view.c, viz/vizdb.c and viz/views.sql
# still filter on quoted op names in their SQL.
. "$top_srcdir/tests/lib.sh"
cd "$top_srcdir" || exit 1

list=include/netsim/trace_vocab.h
names=$(sed -n '/^#define \(TRACE_OPS\|TRACE_COPY_KINDS\)/,/^$/s/^[[:space:]]*X([A-Z_0-9]*, \([a-z_0-9]*\),.*/\1/p' "$list" | sort -u)
n=$(echo "$names" | wc -w)
if [ "$n" -ge 20 ]; then
	ok "the lists name $n ops and copy kinds"
else
	not_ok "only $n op and copy-kind names found in $list"
fi

# spelled FILE...: prints the lines of FILE that spell a name, as a C
# string ("copy") or as an SQL literal ('copy'), comments left out.
spelled() {
	for f in "$@"; do
		sed -e 's|/\*.*\*/||g' -e 's|^[[:space:]]*/\*.*||' -e 's|^[[:space:]]*\*.*||' "$f" |
			grep -n . | while IFS= read -r line; do
			for name in $names; do
				case $line in
				*"'$name'"*) echo "$f:$line" ;;
				*"\"$name\""*) [ "$name" = wire ] || [ "$name" = none ] || echo "$f:$line" ;;
				esac
			done
		done
	done
}

hits=$(spelled viz/draw*.c viz/draw*.h)
if [ -z "$hits" ]; then
	ok "no op or copy kind is spelled in viz/draw*.c, in C or in SQL"
else
	not_ok "ops or copy kinds spelled in the diagram builders"
	echo "$hits" | sed 's/^/    /'
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
