#!/bin/sh
# tests/vocab.sh - one list per vocabulary (issue 20): the names of trace
# levels, trace ops, copy kinds, layers, CPU contexts, TCP states and drop
# reasons are spelled only in include/netsim/trace_vocab.h.  No C string literal in stack/ or viz/ may
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
# the layers have their own check below (several are also protocol names)
names=$(sed '/^#define TRACE_LAYERS/,/^$/d' "$list" |
	sed -n 's/^[[:space:]]*X([A-Z_0-9]*, \([a-z_0-9]*\),.*/\1/p' | sort -u)
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
# Layers (TRACE_LAYERS): the stack stores enum trace_layer and the trace
# writes the name, so no layer name is spelled as a string in sim/, trace/,
# stack/, apps/ or cli/.  Allowed, each another vocabulary that shares a
# word: the packets table's proto names (trace/trace_rows.c), iptables' -p
# protocol names (stack/ip_tables.c), the CPU cost names (sim/cpu.c
# cost_table), the route key "dev" (stack/route.c) and the system call
# "socket" (stack/socketcall.c).
layers=$(sed -n '/^#define TRACE_LAYERS/,/^$/s/^.*X([A-Z_]*, \([a-z_]*\),.*/\1/p' "$list")
if [ "$(echo $layers | wc -w)" -ge 12 ]; then
	ok "the list names $(echo $layers | wc -w) layers ($(echo $layers))"
else
	not_ok "layers '$(echo $layers)' not read from TRACE_LAYERS"
fi
# layer_spelled FILE...: lines of FILE (comments left out) spelling a layer as a C string
layer_spelled() {
	for f in "$@"; do
		sed -e 's|/\*.*\*/||g' -e 's|^[[:space:]]*/\*.*||' -e 's|^[[:space:]]*\*.*||' "$f" |
			grep -n . | while IFS= read -r line; do
			for name in $layers; do
				case $line in
				*"\"$name\""*) echo "$f:$line" ;;
				esac
			done
		done
	done |
		grep -vE '^trace/trace_rows\.c:[0-9]+:[[:space:]]*case [0-9]+: return "(arp|icmp|tcp|udp)";' |
		grep -vE '^stack/ip_tables\.c:[0-9]+:.*strcmp\(v, "(tcp|udp|icmp)"\)' |
		grep -vE '^sim/cpu\.c:[0-9]+:[[:space:]]*\[COST_[A-Z]+\] = \{ "(arp|icmp)",' |
		grep -vE '^stack/route\.c:[0-9]+:.*strcmp\(k, "dev"\)' |
		grep -vE '^stack/socketcall\.c:[0-9]+:[[:space:]]*\[1\] = "socket",'
}
hits=$(layer_spelled sim/*.[ch] trace/*.[ch] stack/*.[ch] apps/*.[ch] cli/*.[ch])
if [ -z "$hits" ]; then
	ok "no layer is spelled as a string in sim/, trace/, stack/, apps/ or cli/"
else
	not_ok "layer names spelled outside TRACE_LAYERS"
	echo "$hits" | sed 's/^/    /'
fi
cat >"$T/planted_layer.c" <<'C'
struct sk_buff *skb = skb_alloc(host, 100, "tcp");
C
if [ "$(layer_spelled "$T/planted_layer.c" | wc -l)" -eq 1 ]; then
	ok "a layer passed as a string is found"
else
	not_ok "the layer check misses a planted layer name"
fi
if grep -nE '^[[:space:]]*LAYER_[A-Z]+[[:space:]]*(=|,)' trace/trace.h stack/*.h >"$T/enum3"; then
	not_ok "hand-written layer enumerators"
	sed 's/^/    /' "$T/enum3"
else
	ok "layers are enumerated only through TRACE_LAYERS"
fi

done_testing
