/*
 * stack/win_minmax.c - windowed min/max tracker (Linux lib/win_minmax.c,
 * 6.6, by Van Jacobson and Neal Cardwell after Kathleen Nichols): the
 * best value of the last window and two fallbacks from its later parts,
 * so that when the best ages out the next best of the window is at hand.
 */
#include "stack/win_minmax.h"

/* As time advances, update the 1st, 2nd, and 3rd choices
 * (Linux minmax_subwin_update). */
static uint32_t
minmax_subwin_update(struct minmax *m, uint32_t win, const struct minmax_sample *val)
{
	uint32_t dt = val->t - m->s[0].t;
	if (dt > win) {
		/* Passed entire window without a new val so make 2nd choice
		 * the new val & 3rd choice the new 2nd choice; again if the
		 * 2nd choice is outside the window too. */
		m->s[0] = m->s[1];
		m->s[1] = m->s[2];
		m->s[2] = *val;
		if (val->t - m->s[0].t > win) {
			m->s[0] = m->s[1];
			m->s[1] = m->s[2];
			m->s[2] = *val;
		}
	} else if (m->s[1].t == m->s[0].t && dt > win / 4) {
		/* A quarter of the window without a new val: take a 2nd
		 * choice from the 2nd quarter of the window. */
		m->s[2] = m->s[1] = *val;
	} else if (m->s[2].t == m->s[1].t && dt > win / 2) {
		/* Half the window without a new val: take a 3rd choice from
		 * the last half of the window. */
		m->s[2] = *val;
	}
	return m->s[0].v;
}

/* Linux minmax_running_max */
uint32_t
minmax_running_max(struct minmax *m, uint32_t win, uint32_t t, uint32_t meas)
{
	struct minmax_sample val = { .t = t, .v = meas };
	if (val.v >= m->s[0].v || val.t - m->s[2].t > win)
		return minmax_reset(m, t, meas); /* forget earlier samples */
	if (val.v >= m->s[1].v)
		m->s[2] = m->s[1] = val;
	else if (val.v >= m->s[2].v)
		m->s[2] = val;
	return minmax_subwin_update(m, win, &val);
}

/* Linux minmax_running_min */
uint32_t
minmax_running_min(struct minmax *m, uint32_t win, uint32_t t, uint32_t meas)
{
	struct minmax_sample val = { .t = t, .v = meas };
	if (val.v <= m->s[0].v || val.t - m->s[2].t > win)
		return minmax_reset(m, t, meas); /* forget earlier samples */
	if (val.v <= m->s[1].v)
		m->s[2] = m->s[1] = val;
	else if (val.v <= m->s[2].v)
		m->s[2] = val;
	return minmax_subwin_update(m, win, &val);
}
