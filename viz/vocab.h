/*
 * viz/vocab.h - the trace's names mapped back to enums, once, as viz reads
 * a row (include/netsim/trace_vocab.h has the one list of each).
 *
 * viz compares enums, never op or copy-kind strings: a name the list does
 * not know reads as VIZ_OP_UNKNOWN / VIZ_COPY_UNKNOWN.
 */
#ifndef NETSIM_VIZ_VOCAB_H
#define NETSIM_VIZ_VOCAB_H

#include "include/netsim/trace_vocab.h"

enum viz_op {
	VIZ_OP_UNKNOWN = 0,
#define VIZ_OP_ENUM(e, name, what) VIZ_OP_##e,
	TRACE_OPS(VIZ_OP_ENUM)
#undef VIZ_OP_ENUM
		VIZ_OP_MAX
};

enum viz_copy {
#define VIZ_COPY_ENUM(e, name, what) VIZ_COPY_##e,
	TRACE_COPY_KINDS(VIZ_COPY_ENUM)
#undef VIZ_COPY_ENUM
		VIZ_COPY_UNKNOWN
};

enum viz_op viz_op_by_name(const char *name);
const char *viz_op_name(enum viz_op op);
/* NULL (no copy) reads as VIZ_COPY_NONE. */
enum viz_copy viz_copy_by_name(const char *name);
const char *viz_copy_name(enum viz_copy kind);

/*
 * SQL that filters on an op or a copy kind names it by its enum, not by
 * its string: in @tmpl, {op.WIRE} becomes 'wire' and {copy.SKB_COPY}
 * becomes 'skb_copy', spelled from the lists of
 * include/netsim/trace_vocab.h.  E.g. "op IN ({op.CLONE}, {op.COPY})"
 * gives "op IN ('clone', 'copy')".  Returns NULL for a {...} the lists do
 * not have, so that a typo fails where the query is prepared.
 */
char *viz_vocab_sql(const char *tmpl);

#endif
