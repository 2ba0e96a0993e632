/*
 * viz/draw_ladder_summary.c - a long ladder summarised: above
 * LADDER_SUMMARY_OVER segments, every run of at least LADDER_SUMMARY_RUN
 * steady-state segments in a row (in order of departure, either
 * direction) is drawn as one grey band that says what it stands for,
 * "… 412 data segments 1:601441 and 206 ACKs, sent in 23.4 ms …".
 *
 * Steady state is what a lecturer would skip: a data segment or a pure ACK
 * that arrived, without SYN, FIN, RST or URG, that is no retransmission and
 * no duplicate ACK (a pure ACK repeating the one its side sent before), and
 * during whose flight neither host changed the connection's state.  Every
 * other segment breaks a run and keeps its arrow, so a loss, a
 * retransmission and the duplicate ACKs around them are always drawn.
 * `netsim draw ... ladder --full` draws every segment.
 */
#include <string.h>

#include "viz/draw_int.h"
#include "viz/draw_ladder_int.h"

/* Is a state change on either host between @t0 and @t1? */
static bool
state_between(const struct ladder *l, int64_t t0, int64_t t1)
{
	for (guint i = 0; i < l->states->len; i++) {
		int64_t t = g_array_index(l->states, struct tstate, i).time_ns;
		if (t >= t0 && t <= t1)
			return true;
	}
	return false;
}

/* Steady-state segments of l->segs (see above); @plain[i] for segment i. */
static void
mark_plain(const struct ladder *l, bool *plain)
{
	bool have[2] = { false, false };
	uint32_t last_ack[2] = { 0, 0 };
	for (guint i = 0; i < l->segs->len; i++) {
		const struct seg *sg = &g_array_index(l->segs, struct seg, i);
		bool pure_ack =
			!sg->payload && strchr(sg->flags, '.') && !strpbrk(sg->flags, "SFRU");
		bool dup = pure_ack && have[sg->fwd] && last_ack[sg->fwd] == sg->ack;
		plain[i] = !sg->retransmit && !sg->drop && sg->rx_ns >= 0 &&
			!strpbrk(sg->flags, "SFRU") && (sg->payload || pure_ack) && !dup &&
			!state_between(l, sg->tx_ns, sg->end_ns);
		if (strchr(sg->flags, '.')) {
			have[sg->fwd] = true;
			last_ack[sg->fwd] = sg->ack;
		}
	}
}

/* "412 data segments 1:601441, 3 data segments 1:301 and 206 ACKs, sent in 23.4 ms". */
static void
band_text(struct band *b)
{
	GPtrArray *parts = g_ptr_array_new_with_free_func(g_free);
	for (int d = 1; d >= 0; d--) /* the first endpoint's data first */
		if (b->data[d])
			g_ptr_array_add(parts,
					g_strdup_printf("%u data segment%s %u:%u", b->data[d],
							b->data[d] == 1 ? "" : "s", b->lo[d],
							b->hi[d]));
	guint acks = b->acks[0] + b->acks[1];
	if (acks)
		g_ptr_array_add(parts, g_strdup_printf("%u ACK%s", acks, acks == 1 ? "" : "s"));
	GString *s = g_string_new("… ");
	for (guint i = 0; i < parts->len; i++) {
		if (i)
			g_string_append(s, i + 1 == parts->len ? " and " : ", ");
		g_string_append(s, g_ptr_array_index(parts, i));
	}
	g_autofree char *d = draw_time(b->t1 - b->t0);
	g_string_append_printf(s, ", sent in %s …", d);
	g_strlcpy(b->text, s->str, sizeof b->text);
	g_string_free(s, TRUE);
	g_ptr_array_free(parts, TRUE);
}

/* Segments @from to @to - 1 of l->segs as a band, appended to l->bands. */
static void
add_band(struct ladder *l, guint from, guint to)
{
	struct band b = { .segs = to - from };
	for (guint i = from; i < to; i++) {
		const struct seg *sg = &g_array_index(l->segs, struct seg, i);
		int d = sg->fwd;
		if (i == from)
			b.t0 = sg->tx_ns;
		b.t1 = sg->tx_ns;
		if (!sg->payload) {
			b.acks[d]++;
			continue;
		}
		uint32_t lo = sg->seq - l->isn[d], hi = lo + sg->payload;
		if (!b.data[d]++ || lo < b.lo[d])
			b.lo[d] = lo;
		b.hi[d] = MAX(b.hi[d], hi);
	}
	band_text(&b);
	g_array_append_val(l->bands, b);
}

void
ladder_summarise(struct ladder *l)
{
	if (l->segs->len <= LADDER_SUMMARY_OVER)
		return;
	g_autofree bool *plain = g_new0(bool, l->segs->len);
	mark_plain(l, plain);
	g_autofree bool *gone = g_new0(bool, l->segs->len);
	for (guint i = 0; i < l->segs->len;) {
		guint j = i;
		while (j < l->segs->len && plain[j])
			j++;
		if (j - i >= LADDER_SUMMARY_RUN) {
			add_band(l, i, j);
			for (guint k = i; k < j; k++)
				gone[k] = true;
		}
		i = j > i ? j : i + 1;
	}
	guint n = 0;
	for (guint i = 0; i < l->segs->len; i++)
		if (!gone[i])
			g_array_index(l->segs, struct seg, n++) =
				g_array_index(l->segs, struct seg, i);
	g_array_set_size(l->segs, n);
}

/* The band's top and bottom (neato's y, up is positive). */
static void
band_ys(const struct ladder *l, const struct band *b, double *top, double *bottom)
{
	*top = -timescale_y(&l->ts, b->t0);
	*bottom = -timescale_y(&l->ts, b->t1);
}

#define LADDER_BAND_PT 15.0
#define LADDER_BAND_H 0.3

void
ladder_band_boxes(struct placed *placed, const struct ladder *l)
{
	for (guint i = 0; i < l->bands->len; i++) {
		const struct band *b = &g_array_index(l->bands, struct band, i);
		double top, bottom;
		band_ys(l, b, &top, &bottom);
		struct lbox box = lbox_at(LADDER_XB / 2, (top + bottom) / 2,
					  label_width(b->text, LADDER_BAND_PT), LADDER_BAND_H);
		placed_add(placed, &box);
	}
}

void
ladder_emit_bands(GString *s, const struct ladder *l)
{
	for (guint i = 0; i < l->bands->len; i++) {
		const struct band *b = &g_array_index(l->bands, struct band, i);
		double top, bottom;
		band_ys(l, b, &top, &bottom);
		g_autofree char *text = draw_html(b->text);
		g_string_append_printf(
			s,
			"  band%u [pos=\"%.3f,%.3f!\", shape=box, style=\"filled,dashed\", "
			"fillcolor=\"#eeeeee\", color=\"#999999\", width=%.3f, height=%.3f, "
			"fixedsize=true, fontsize=%.0f, fontcolor=\"#333333\", "
			"label=<<i>%s</i>>];\n",
			i, LADDER_XB / 2, (top + bottom) / 2, LADDER_XB - 0.6,
			MAX(top - bottom, 0.35), LADDER_BAND_PT, text);
	}
}
