/*
 * viz/step.c - the words for one step of a packet's life (viz/step.h): one
 * C function per column, registered as SQL functions so that the queries
 * of `netsim show --skb` and `netsim view` both call them.  Ops are
 * compared as enums (viz/vocab.h), never as strings.
 */
#include <stdbool.h>
#include <string.h>

#include <glib.h>

#include "viz/step.h"
#include "viz/vocab.h"

static const char *
text_arg(sqlite3_value *v)
{
	return sqlite3_value_type(v) == SQLITE_NULL ? NULL : (const char *)sqlite3_value_text(v);
}

/* @s with every @from replaced by @to (SQL's replace()). */
static char *
replace_all(const char *s, const char *from, const char *to)
{
	g_auto(GStrv) parts = g_strsplit(s, from, -1);
	return g_strjoinv(to, parts);
}

static char *
step_what(sqlite3_value **a)
{
	const char *op = text_arg(a[0]), *func = text_arg(a[1]), *kind = text_arg(a[3]),
		   *reason = text_arg(a[6]);
	bool has_bytes = sqlite3_value_type(a[2]) != SQLITE_NULL,
	     has_other = sqlite3_value_type(a[4]) != SQLITE_NULL,
	     has_ref = sqlite3_value_type(a[5]) != SQLITE_NULL,
	     has_end = sqlite3_value_type(a[7]) != SQLITE_NULL;
	sqlite3_int64 bytes = sqlite3_value_int64(a[2]), other = sqlite3_value_int64(a[4]),
		      ref = sqlite3_value_int64(a[5]), end = sqlite3_value_int64(a[7]);
	if (!op)
		return NULL;
	switch (viz_op_by_name(op)) {
	case VIZ_OP_HANDOFF: return func ? g_strdup_printf("handoff -> %s", func) : NULL;
	case VIZ_OP_PUSH:
		return has_bytes ? g_strdup_printf("push %lld B header", (long long)bytes) : NULL;
	case VIZ_OP_PULL:
		return has_bytes ? g_strdup_printf("pull %lld B header", (long long)bytes) : NULL;
	case VIZ_OP_COPY:
		if (!kind)
			return NULL;
		return has_other ? g_strdup_printf("COPY %s -> skb %lld", kind, (long long)other)
				 : g_strdup_printf("COPY %s", kind);
	case VIZ_OP_CLONE:
		if (!has_other)
			return NULL;
		return has_ref
			? g_strdup_printf("clone (shares data) -> skb %lld, dataref %lld",
					  (long long)other, (long long)ref)
			: g_strdup_printf("clone (shares data) -> skb %lld", (long long)other);
	case VIZ_OP_RESERVE:
		return has_bytes ? g_strdup_printf("reserve %lld B headroom", (long long)bytes)
				 : NULL;
	case VIZ_OP_PUT:
		return has_bytes ? g_strdup_printf("put %lld B at the tail", (long long)bytes)
				 : NULL;
	case VIZ_OP_TRIM:
		return has_bytes ? g_strdup_printf("trim %lld B off the tail", (long long)bytes)
				 : NULL;
	case VIZ_OP_HEADER: return func ? replace_all(func, "skb_", "") : NULL;
	case VIZ_OP_DROP: return g_strdup_printf("DROP: %s", reason ? reason : "?");
	case VIZ_OP_WIRE:
		return g_strdup(func && strcmp(func, "tx") == 0 ? "onto the wire" : "off the wire");
	case VIZ_OP_ROUTE: return func ? replace_all(func, "_", " ") : NULL;
	case VIZ_OP_ALLOC:
		if (func)
			return g_strdup_printf("alloc by %s", func);
		return has_end ? g_strdup_printf("alloc %lld B buffer", (long long)end) : NULL;
	default: return g_strdup(op);
	}
}

static void
step_what_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	char *s = step_what(argv);
	if (s)
		sqlite3_result_text(ctx, s, -1, g_free);
	else
		sqlite3_result_null(ctx);
}

static void
step_where_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const char *op = text_arg(argv[0]), *queue = text_arg(argv[1]);
	enum viz_op o = op ? viz_op_by_name(op) : VIZ_OP_UNKNOWN;
	if (!queue) {
		sqlite3_result_null(ctx);
	} else if (o == VIZ_OP_ENQUEUE || o == VIZ_OP_DEQUEUE) {
		if (sqlite3_value_type(argv[2]) == SQLITE_NULL)
			sqlite3_result_null(ctx);
		else
			sqlite3_result_text(
				ctx,
				g_strdup_printf("%s (%lld)", queue,
						(long long)sqlite3_value_int64(argv[2])),
				-1, g_free);
	} else {
		sqlite3_result_text(ctx, queue, -1, SQLITE_TRANSIENT);
	}
}

void
viz_step_register(sqlite3 *db)
{
	sqlite3_create_function(db, "step_what", 8, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
				step_what_fn, NULL, NULL);
	sqlite3_create_function(db, "step_where", 3, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
				step_where_fn, NULL, NULL);
}
