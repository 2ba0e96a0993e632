/*
 * stack/net_dim.c - dynamic interrupt moderation; see net_dim.h.
 *
 * Linux counterpart: lib/dim/net_dim.c and lib/dim/dim.c (checked against
 * torvalds/linux master of 2024; the algorithm is unchanged since 5.x).
 */
#include "stack/net_dim.h"

#include <glib.h>

/* NET_DIM_RX_CQE_PROFILES */
static const struct dim_cq_moder rx_profile[NET_DIM_PARAMS_NUM_PROFILES] = {
	{ 2, 256 }, { 8, 128 }, { 16, 64 }, { 32, 64 }, { 64, 64 },
};

enum { DIM_STATS_WORSE, DIM_STATS_SAME, DIM_STATS_BETTER };
enum { DIM_STEPPED, DIM_TOO_TIRED, DIM_ON_EDGE };

struct dim_cq_moder
net_dim_get_rx_moderation(uint32_t ix)
{
	g_assert(ix < NET_DIM_PARAMS_NUM_PROFILES);
	return rx_profile[ix];
}

void
net_dim_init(struct dim *dim)
{
	*dim = (struct dim){ .tune_state = DIM_PARKING_ON_TOP,
			     .profile_ix = NET_DIM_DEF_PROFILE_CQE };
}

/* IS_SIGNIFICANT_DIFF: more than 10% apart. */
static bool
significant(uint64_t val, uint64_t ref)
{
	uint64_t d = val > ref ? val - ref : ref - val;
	return ref && 100 * d / ref > 10;
}

/* DIV_ROUND_UP(n * USEC_PER_MSEC, delta_us) */
static uint64_t
per_ms(uint64_t n, uint64_t delta_us)
{
	return (n * 1000 + delta_us - 1) / delta_us;
}

/* dim_calc_stats */
static bool
dim_calc_stats(const struct dim_sample *start, const struct dim_sample *end, struct dim_stats *s)
{
	uint64_t delta_us = (uint64_t)(end->time - start->time) / SIM_US;
	if (!delta_us)
		return false;
	s->ppms = per_ms(end->pkt_ctr - start->pkt_ctr, delta_us);
	s->bpms = per_ms(end->byte_ctr - start->byte_ctr, delta_us);
	s->epms = per_ms(DIM_NEVENTS, delta_us);
	return true;
}

static int
net_dim_step(struct dim *dim)
{
	if (dim->tired == NET_DIM_PARAMS_NUM_PROFILES * 2)
		return DIM_TOO_TIRED;
	switch (dim->tune_state) {
	case DIM_PARKING_ON_TOP:
	case DIM_PARKING_TIRED: break;
	case DIM_GOING_RIGHT:
		if (dim->profile_ix == NET_DIM_PARAMS_NUM_PROFILES - 1)
			return DIM_ON_EDGE;
		dim->profile_ix++;
		dim->steps_right++;
		break;
	case DIM_GOING_LEFT:
		if (dim->profile_ix == 0)
			return DIM_ON_EDGE;
		dim->profile_ix--;
		dim->steps_left++;
		break;
	}
	dim->tired++;
	return DIM_STEPPED;
}

static void
net_dim_exit_parking(struct dim *dim)
{
	dim->tune_state = dim->profile_ix ? DIM_GOING_LEFT : DIM_GOING_RIGHT;
	net_dim_step(dim);
}

static int
net_dim_stats_compare(const struct dim_stats *curr, const struct dim_stats *prev)
{
	if (!prev->bpms)
		return curr->bpms ? DIM_STATS_BETTER : DIM_STATS_SAME;
	if (significant(curr->bpms, prev->bpms))
		return curr->bpms > prev->bpms ? DIM_STATS_BETTER : DIM_STATS_WORSE;
	if (!prev->ppms)
		return curr->ppms ? DIM_STATS_BETTER : DIM_STATS_SAME;
	if (significant(curr->ppms, prev->ppms))
		return curr->ppms > prev->ppms ? DIM_STATS_BETTER : DIM_STATS_WORSE;
	if (!prev->epms)
		return DIM_STATS_SAME;
	if (significant(curr->epms, prev->epms))
		return curr->epms < prev->epms ? DIM_STATS_BETTER : DIM_STATS_WORSE;
	return DIM_STATS_SAME;
}

/* dim_turn */
static void
dim_turn(struct dim *dim)
{
	if (dim->tune_state == DIM_GOING_RIGHT) {
		dim->tune_state = DIM_GOING_LEFT;
		dim->steps_left = 0;
	} else if (dim->tune_state == DIM_GOING_LEFT) {
		dim->tune_state = DIM_GOING_RIGHT;
		dim->steps_right = 0;
	}
}

/* dim_on_top: the climb just turned back after more than one step. */
static bool
dim_on_top(const struct dim *dim)
{
	switch (dim->tune_state) {
	case DIM_PARKING_ON_TOP:
	case DIM_PARKING_TIRED: return true;
	case DIM_GOING_RIGHT: return dim->steps_left > 1 && dim->steps_right == 1;
	default: return dim->steps_right > 1 && dim->steps_left == 1;
	}
}

static void
dim_park_on_top(struct dim *dim)
{
	dim->steps_right = dim->steps_left = dim->tired = 0;
	dim->tune_state = DIM_PARKING_ON_TOP;
}

static void
dim_park_tired(struct dim *dim)
{
	dim->steps_right = dim->steps_left = 0;
	dim->tune_state = DIM_PARKING_TIRED;
}

static bool
net_dim_decision(const struct dim_stats *curr, struct dim *dim)
{
	enum dim_tune_state prev_state = dim->tune_state;
	uint32_t prev_ix = dim->profile_ix;
	switch (dim->tune_state) {
	case DIM_PARKING_ON_TOP:
		if (net_dim_stats_compare(curr, &dim->prev_stats) != DIM_STATS_SAME)
			net_dim_exit_parking(dim);
		break;
	case DIM_PARKING_TIRED:
		dim->tired--;
		if (!dim->tired)
			net_dim_exit_parking(dim);
		break;
	case DIM_GOING_RIGHT:
	case DIM_GOING_LEFT:
		if (net_dim_stats_compare(curr, &dim->prev_stats) != DIM_STATS_BETTER)
			dim_turn(dim);
		if (dim_on_top(dim)) {
			dim_park_on_top(dim);
			break;
		}
		switch (net_dim_step(dim)) {
		case DIM_ON_EDGE: dim_park_on_top(dim); break;
		case DIM_TOO_TIRED: dim_park_tired(dim); break;
		}
		break;
	}
	if (prev_state != DIM_PARKING_ON_TOP || dim->tune_state != DIM_PARKING_ON_TOP)
		dim->prev_stats = *curr;
	return dim->profile_ix != prev_ix;
}

bool
net_dim(struct dim *dim, const struct dim_sample *end)
{
	if (dim->measuring) {
		if (end->event_ctr - dim->start_sample.event_ctr < DIM_NEVENTS)
			return false;
		struct dim_stats curr;
		if (dim_calc_stats(&dim->start_sample, end, &curr) &&
		    net_dim_decision(&curr, dim)) {
			/* Linux: DIM_APPLY_NEW_PROFILE; the work item applies the profile
			 * and the next sample starts a new measurement */
			dim->profile_changes++;
			dim->measuring = false;
			return true;
		}
	}
	dim->start_sample = *end;
	dim->measuring = true;
	return false;
}
