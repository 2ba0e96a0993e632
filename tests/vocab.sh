#!/bin/sh
# tests/vocab.sh - one list per vocabulary (issue 20): the names of trace
# levels, trace ops, copy kinds and drop reasons are spelled only in
# include/netsim/trace_vocab.h, the CPU contexts too.  No C string literal in stack/ or viz/ may
# be exactly one of those names: code compares enums (viz/vocab.h maps the
# names read from a database once, in draw_event_read and the replay).
#
# Allowed, each for the reason given: "wire" is also a layer (the wire
# beyond a NIC), and so is "route" (a route row's layer, stack/skbuff.c); "skb_copy" and "skb_clone" name Linux functions in a row's
# func column; "none" is also ARP's NUD_NONE state name; "full" is also
# `netsim draw ... ladder --full`'s option name (viz/draw.c); "task" (a CPU
# context, checked below) is also a column of netsim show's task table.  SQL text inside
# viz/ (views.sql and queries, e.g. op = 'wire') is not C string literals
# and is not checked here.
. "$top_srcdir/tests/lib.sh"
cd "$top_srcdir" || exit 1

list=include/netsim/trace_vocab.h
names=$(sed -n 's/^[[:space:]]*X([A-Z_0-9]*, \([a-z_0-9]*\),.*/\1/p' "$list" | sort -u)
n=$(echo "$names" | wc -w)
if [ "$n" -ge 60 ]; then
	ok "the lists name $n ops, copy kinds and drop reasons"
else
	not_ok "only $n names found in $list"
fi

# the C files without their comments (one-line /* */ and the " * " lines of blocks)
mkdir -p "$T/src"
for f in stack/*.c stack/*.h viz/*.c viz/*.h; do
	sed -e 's|/\*.*\*/||g' -e 's|^[[:space:]]*/\*.*||' -e 's|^[[:space:]]*\*.*||' "$f" \
		>"$T/src/$(echo "$f" | tr / _)"
done
bad=0
for name in $names; do
	case $name in
	wire | route | skb_copy | skb_clone | none | full | task) continue ;;
	esac
	hits=$(cd "$T/src" && grep -n "\"$name\"" ./* 2>/dev/null)
	if [ -n "$hits" ]; then
		echo "$hits" | sed 's/^/    /'
		bad=$((bad + 1))
	fi
done
if [ "$bad" -eq 0 ]; then
	ok "no op, copy kind or drop reason is spelled as a string in stack/ or viz/"
else
	not_ok "$bad names spelled outside $list"
fi

# The enums come from the lists: no hand-written TR_ or SKB_DROP_ enumerator.
if grep -nE '^[[:space:]]*(TR_[A-Z]+|SKB_DROP_[A-Z_]+)[[:space:]]*(=|,)' trace/trace.h stack/skbuff.h |
	grep -v 'TR_NONE_' >"$T/enum"; then
	not_ok "hand-written enumerators outside the lists"
	sed 's/^/    /' "$T/enum"
else
	ok "trace ops and drop reasons are enumerated only through the X-macro lists"
fi

# Trace levels (TRACE_LEVELS) and CPU contexts (CPU_CONTEXTS, both in the
# same header, which sim/cpu.h includes) are spelled nowhere else in the
# folders that use them: the CLI parses a level with trace_level_from_name,
# the trace writes a context with cpu_ctx_name, and viz/draw_cpu.c and
# viz/view.c, which read contexts back from a database, take the names from
# the list.  (Elsewhere in viz/, "task" is also a column: not checked.)
levels=$(sed -n '/^#define TRACE_LEVELS/,/^$/s/^.*X([A-Z_]*, \([a-z_]*\),.*/\1/p' "$list")
ctxs=$(sed -n '/^#define CPU_CONTEXTS/,/^$/s/^.*X([A-Z_]*, \([a-z_]*\),.*/\1/p' "$list")
if [ "$(echo $levels)" = "off summary full" ] && [ "$(echo $ctxs)" = "hardirq softirq task hw" ]; then
	ok "the lists name the trace levels ($(echo $levels)) and CPU contexts ($(echo $ctxs))"
else
	not_ok "trace levels '$(echo $levels)' or CPU contexts '$(echo $ctxs)' not read from their lists"
fi
for f in sim/*.c sim/*.h trace/*.c trace/*.h cli/*.c cli/*.h apps/*.c apps/*.h; do
	sed -e 's|/\*.*\*/||g' -e 's|^[[:space:]]*/\*.*||' -e 's|^[[:space:]]*\*.*||' "$f" \
		>"$T/src/$(echo "$f" | tr / _)"
done
bad=0
# sim/conf.c reads "off" as a boolean (conf_parse_bool): another vocabulary.
for name in $levels $ctxs; do
	hits=$(cd "$T/src" && grep -n "\"$name\"" ./* 2>/dev/null | grep -v '^\./viz_' |
		grep -v '^\./sim_conf\.c:.*"off"')
	case " $ctxs " in
	*" $name "*) hits=$hits$(cd "$T/src" && grep -n "\"$name\"" ./viz_draw_cpu.c ./viz_view.c) ;;
	esac
	if [ -n "$hits" ]; then
		echo "$hits" | sed 's/^/    /'
		bad=$((bad + 1))
	fi
done
if [ "$bad" -eq 0 ]; then
	ok "no trace level or CPU context is spelled as a string outside its list"
else
	not_ok "$bad level or context names spelled outside their lists"
fi
if grep -nE '^[[:space:]]*(TRACE_(OFF|SUMMARY|FULL)|CPU_(HARDIRQ|SOFTIRQ|TASK|NONE))[[:space:]]*(=|,)' \
	trace/trace.h sim/cpu.h >"$T/enum2"; then
	not_ok "hand-written trace level or CPU context enumerators"
	sed 's/^/    /' "$T/enum2"
else
	ok "trace levels and CPU contexts are enumerated only through their lists"
fi

# TCP states (TCP_STATES, Linux's names): stack/tcp.c names them for the
# trace and viz/draw_ladder_state.c reads them back, both from the list.
states=$(sed -n '/^#define TCP_STATES/,/^$/s/^.*X(\([A-Z_0-9]*\), [0-9]*,.*/\1/p' "$list")
bad=0
for name in $states; do
	hits=$(cd "$T/src" && grep -nE "\"(TCP_)?$name\"" ./stack_* ./viz_* 2>/dev/null)
	if [ -n "$hits" ]; then
		echo "$hits" | sed 's/^/    /'
		bad=$((bad + 1))
	fi
done
if [ "$(echo $states | wc -w)" -eq 11 ] && [ "$bad" -eq 0 ]; then
	ok "the 11 TCP states are spelled only in their list"
else
	not_ok "TCP states: $(echo $states | wc -w) in the list, $bad spelled elsewhere"
fi
done_testing
