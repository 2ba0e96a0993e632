/*
 * stack/net_dim.h - dynamic interrupt moderation (adaptive-rx).
 *
 * Linux counterpart: lib/dim/net_dim.c (net_dim, net_dim_decision,
 * net_dim_stats_compare, net_dim_step) and lib/dim/dim.c (dim_calc_stats,
 * dim_turn, dim_on_top, dim_park_on_top, dim_park_tired), as a driver such
 * as mlx5 uses it (mlx5e_handle_rx_dim at the end of a NAPI poll that
 * completes).  `ethtool -C IF adaptive-rx on`.
 *
 * The driver feeds one sample (interrupts so far, packets, bytes, time) at
 * every NAPI completion.  After DIM_NEVENTS interrupts net_dim computes the
 * rates since the start of the measurement (bytes, packets and interrupts
 * per millisecond) and compares them with the previous measurement: a
 * hill climb over the five RX profiles of NET_DIM_RX_CQE_PROFILES (the
 * start-from-CQE mode, as netsim's rx_usecs timer starts at the first
 * waiting frame).  Higher throughput (bytes, then packets per ms) is
 * better; at equal throughput fewer interrupts per ms are better.  A step
 * that is not better turns the climb around; a climb that turns back at
 * once (or hits an edge) parks "on top" until the rates change by more
 * than 10%.
 *
 * Simplification: Linux applies a new profile from a work item
 * (dim->work, DIM_APPLY_NEW_PROFILE); netsim applies it at once, at no CPU
 * cost.
 */
#ifndef NETSIM_STACK_NET_DIM_H
#define NETSIM_STACK_NET_DIM_H

#include <stdbool.h>
#include <stdint.h>
#include "sim/sim.h"

#define DIM_NEVENTS 64
#define NET_DIM_PARAMS_NUM_PROFILES 5
#define NET_DIM_DEF_PROFILE_CQE 1

enum dim_tune_state {
	DIM_PARKING_ON_TOP,
	DIM_PARKING_TIRED,
	DIM_GOING_RIGHT,
	DIM_GOING_LEFT,
};

struct dim_cq_moder {
	uint32_t usec; /* rx_usecs */
	uint32_t pkts; /* rx_frames */
};

struct dim_sample {
	sim_time_t time;
	uint64_t pkt_ctr;
	uint64_t byte_ctr;
	uint64_t event_ctr; /* interrupts */
};

struct dim_stats {
	uint64_t ppms; /* packets per ms */
	uint64_t bpms; /* bytes per ms */
	uint64_t epms; /* events (interrupts) per ms */
};

struct dim {
	bool measuring; /* start_sample holds the start of a measurement */
	struct dim_sample start_sample;
	struct dim_stats prev_stats;
	enum dim_tune_state tune_state;
	uint32_t profile_ix;
	uint32_t steps_right, steps_left, tired;
	uint64_t profile_changes; /* counted for tests and stats */
};

/* Start at the default profile (index 1: 8 us, 128 frames), parked. */
void net_dim_init(struct dim *dim);
/* The RX profile @ix (0..4) of NET_DIM_RX_CQE_PROFILES. */
struct dim_cq_moder net_dim_get_rx_moderation(uint32_t ix);
/* Feed one sample; true when the profile changed (apply profile_ix). */
bool net_dim(struct dim *dim, const struct dim_sample *end);

#endif
