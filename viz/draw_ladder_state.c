/*
 * viz/draw_ladder_state.c - the TCP state changes on the ladder's time
 * lines: each change the tcp_state table recorded (Linux tcp_set_state,
 * its inet_sock_set_state tracepoint) is a tick on its host's time line at
 * its time, with the new state's name beside it, outside the two lines.
 * Changes at one moment on one host share a label ("→ FIN_WAIT2 →
 * TIME_WAIT": an ACK and a FIN in one segment).  A state name is printed
 * without Linux's "TCP_" prefix; the names come from the TCP_STATES list.
 */
#include <stdio.h>
#include <string.h>

#include "include/netsim/trace_vocab.h"
#include "viz/draw_int.h"
#include "viz/draw_ladder_int.h"

#define LADDER_STATE_DX 0.2   /* a state's label, from its time line ... */
#define LADDER_STATE_H 0.26   /* ... one line of LADDER_STATE_PT points */
#define LADDER_STATE_PT 14.0  /* (large enough to read from the back of a room) */
#define LADDER_STATE_STEP 0.1 /* moved up or down by this much to find room, */
#define LADDER_STATE_RUN 20   /* at most this many steps each way */

/* The name to print for Linux's @name ("TCP_SYN_SENT" -> "SYN_SENT"); NULL if unknown. */
static const char *
state_short(const char *name)
{
	static const char *const names[] = {
#define TCP_STATE_LINUX(e, n, what) "TCP_" #e,
		TCP_STATES(TCP_STATE_LINUX)
#undef TCP_STATE_LINUX
	};
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
		if (strcmp(name, names[i]) == 0)
			return names[i] + 4;
	return NULL;
}

GArray *
ladder_states(sqlite3 *db, const struct viz_flow *f, int64_t a, int64_t b, int64_t lo, int64_t hi)
{
	GArray *states = g_array_new(FALSE, TRUE, sizeof(struct tstate));
	/* A trace older than schema version 4 has no tcp_state table: no states. */
	g_autoptr(sqlite3_stmt) st =
		draw_prepare(db,
			     "SELECT time_ns, host = ?3, new_state FROM tcp_state WHERE"
			     " ((host = ?3 AND conn = ?1) OR (host = ?4 AND conn = ?2))"
			     " AND time_ns BETWEEN ?5 AND ?6 ORDER BY time_ns, rowid",
			     NULL);
	if (!st)
		return states;
	g_autofree char *fwd =
		g_strdup_printf("%s:%d>%s:%d", f->saddr, f->sport, f->daddr, f->dport);
	g_autofree char *rev =
		g_strdup_printf("%s:%d>%s:%d", f->daddr, f->dport, f->saddr, f->sport);
	sqlite3_bind_text(st, 1, fwd, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, rev, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, a);
	sqlite3_bind_int64(st, 4, b);
	sqlite3_bind_int64(st, 5, lo);
	sqlite3_bind_int64(st, 6, hi);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t t = sqlite3_column_int64(st, 0);
		bool on_a = sqlite3_column_int(st, 1) != 0;
		const char *raw = (const char *)sqlite3_column_text(st, 2);
		const char *name = state_short(raw ? raw : "?");
		struct tstate *last =
			states->len ? &g_array_index(states, struct tstate, states->len - 1) : NULL;
		if (!last || last->time_ns != t || last->on_a != on_a) {
			struct tstate n = { .time_ns = t, .on_a = on_a };
			g_array_append_val(states, n);
			last = &g_array_index(states, struct tstate, states->len - 1);
		}
		size_t len = strlen(last->text);
		snprintf(last->text + len, sizeof last->text - len, "%s→ %s", len ? " " : "",
			 name ? name : (raw ? raw : "?"));
	}
	return states;
}

void
ladder_emit_states(GString *s, struct placed *placed, const struct ladder *l)
{
	for (guint i = 0; i < l->states->len; i++) {
		const struct tstate *t = &g_array_index(l->states, struct tstate, i);
		double xl = t->on_a ? 0 : LADDER_XB;
		double y = -timescale_y(&l->ts, t->time_ns);
		double w = label_width(t->text, LADDER_STATE_PT);
		double x = t->on_a ? xl - LADDER_STATE_DX - w / 2 : xl + LADDER_STATE_DX + w / 2;
		/* the nearest free place, alternately below and above the moment */
		struct lbox b = lbox_at(x, y, w, LADDER_STATE_H);
		double ly = y;
		for (int k = 1; k <= 2 * LADDER_STATE_RUN && !placed_free_at(placed, &b); k++) {
			ly = y + (k % 2 ? -1 : 1) * ((k + 1) / 2) * LADDER_STATE_STEP;
			b = lbox_at(x, ly, w, LADDER_STATE_H);
		}
		placed_add(placed, &b);
		g_string_append_printf(
			s,
			"  st%u [pos=\"%.3f,%.3f!\", shape=box, width=0.32, "
			"height=0.05, style=filled, fillcolor=\"#b8860b\", "
			"color=\"#b8860b\", label=\"\"];\n"
			"  stl%u [pos=\"%.3f,%.3f!\", shape=plaintext, style=filled, "
			"fillcolor=\"#fff8dc\", margin=0.02, height=%.2f, fontsize=%.0f, "
			"fontcolor=\"#8b6508\", label=<<b>%s</b>>];\n",
			i, xl, y, i, x, ly, LADDER_STATE_H, LADDER_STATE_PT, t->text);
		if (ly != y) /* moved for room: a thin line back to its tick */
			g_string_append_printf(s, "  st%u -- stl%u [color=\"#b8860b\"];\n", i, i);
	}
}
