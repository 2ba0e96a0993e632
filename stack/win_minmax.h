/*
 * stack/win_minmax.h - a windowed running minimum (or maximum) of a
 * measurement, in constant space: Kathleen Nichols' algorithm keeps the
 * best, second best and third best values of the last window.
 *
 * Linux counterpart: include/linux/win_minmax.h and lib/win_minmax.c
 * (6.6), which TCP uses for its minimum RTT over tcp_min_rtt_wlen
 * (tcp_update_rtt_min) and BBR for its bandwidth maximum.  Times and
 * values are Linux's u32: here jiffies (tcp_jiffies32) and microseconds.
 */
#ifndef NETSIM_STACK_WIN_MINMAX_H
#define NETSIM_STACK_WIN_MINMAX_H

#include <stdint.h>

struct minmax_sample {
	uint32_t t; /* when it was measured */
	uint32_t v; /* the value */
};

struct minmax {
	struct minmax_sample s[3];
};

static inline uint32_t
minmax_get(const struct minmax *m)
{
	return m->s[0].v;
}

static inline uint32_t
minmax_reset(struct minmax *m, uint32_t t, uint32_t meas)
{
	struct minmax_sample val = { .t = t, .v = meas };
	m->s[2] = m->s[1] = m->s[0] = val;
	return m->s[0].v;
}

/* A new measurement @meas at time @t; the best over the last @win. */
uint32_t minmax_running_min(struct minmax *m, uint32_t win, uint32_t t, uint32_t meas);
uint32_t minmax_running_max(struct minmax *m, uint32_t win, uint32_t t, uint32_t meas);

#endif
