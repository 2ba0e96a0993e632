/*
 * viz/vocab.c - names to enums for the trace's vocabularies (viz/vocab.h).
 * A linear search over a dozen names: cheaper than hashing strings this
 * short, and done once per row read.
 */
#include "viz/vocab.h"

#include <stddef.h>
#include <string.h>

static const char *const op_names[VIZ_OP_MAX] = { [VIZ_OP_UNKNOWN] = "?",
#define VIZ_OP_NAME(e, name, what) [VIZ_OP_##e] = #name,
						  TRACE_OPS(VIZ_OP_NAME)
#undef VIZ_OP_NAME
};

static const char *const copy_names[VIZ_COPY_UNKNOWN + 1] = {
#define VIZ_COPY_NAME(e, name, what) [VIZ_COPY_##e] = #name,
	TRACE_COPY_KINDS(VIZ_COPY_NAME)
#undef VIZ_COPY_NAME
		[VIZ_COPY_UNKNOWN] = "?",
};

enum viz_op
viz_op_by_name(const char *name)
{
	for (int i = 1; name && i < VIZ_OP_MAX; i++)
		if (strcmp(name, op_names[i]) == 0)
			return (enum viz_op)i;
	return VIZ_OP_UNKNOWN;
}

const char *
viz_op_name(enum viz_op op)
{
	return (unsigned)op < VIZ_OP_MAX ? op_names[op] : "?";
}

enum viz_copy
viz_copy_by_name(const char *name)
{
	if (!name)
		return VIZ_COPY_NONE;
	for (int i = 0; i < VIZ_COPY_UNKNOWN; i++)
		if (strcmp(name, copy_names[i]) == 0)
			return (enum viz_copy)i;
	return VIZ_COPY_UNKNOWN;
}

const char *
viz_copy_name(enum viz_copy kind)
{
	return (unsigned)kind <= VIZ_COPY_UNKNOWN ? copy_names[kind] : "?";
}
