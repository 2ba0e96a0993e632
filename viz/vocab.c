/*
 * viz/vocab.c - names to enums for the trace's vocabularies (viz/vocab.h).
 * A linear search over a dozen names: cheaper than hashing strings this
 * short, and done once per row read.
 */
#include "viz/vocab.h"

#include <glib.h>
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

static const char *const op_enums[VIZ_OP_MAX] = { [VIZ_OP_UNKNOWN] = "",
#define VIZ_OP_ENUM_NAME(e, name, what) [VIZ_OP_##e] = #e,
						  TRACE_OPS(VIZ_OP_ENUM_NAME)
#undef VIZ_OP_ENUM_NAME
};

static const char *const copy_enums[VIZ_COPY_UNKNOWN] = {
#define VIZ_COPY_ENUM_NAME(e, name, what) [VIZ_COPY_##e] = #e,
	TRACE_COPY_KINDS(VIZ_COPY_ENUM_NAME)
#undef VIZ_COPY_ENUM_NAME
};

/* The name of the {op.ENUM} or {copy.ENUM} at @ref (its @len bytes), or NULL. */
static const char *
vocab_ref(const char *ref, size_t len)
{
	static const struct {
		const char *prefix;
		const char *const *enums, *const *names;
		int n;
	} lists[] = {
		{ "op.", op_enums, op_names, VIZ_OP_MAX },
		{ "copy.", copy_enums, copy_names, VIZ_COPY_UNKNOWN },
	};
	for (size_t l = 0; l < G_N_ELEMENTS(lists); l++) {
		size_t pl = strlen(lists[l].prefix);
		if (len <= pl || strncmp(ref, lists[l].prefix, pl) != 0)
			continue;
		for (int i = 0; i < lists[l].n; i++)
			if (*lists[l].enums[i] && strlen(lists[l].enums[i]) == len - pl &&
			    strncmp(ref + pl, lists[l].enums[i], len - pl) == 0)
				return lists[l].names[i];
	}
	return NULL;
}

char *
viz_vocab_sql(const char *tmpl)
{
	GString *s = g_string_sized_new(strlen(tmpl) + 32);
	for (const char *p = tmpl; *p;) {
		const char *close = *p == '{' ? strchr(p, '}') : NULL;
		if (!close) {
			g_string_append_c(s, *p++);
			continue;
		}
		const char *name = vocab_ref(p + 1, (size_t)(close - p - 1));
		if (!name) {
			g_string_free(s, TRUE);
			return NULL;
		}
		g_string_append_printf(s, "'%s'", name);
		p = close + 1;
	}
	return g_string_free(s, FALSE);
}
