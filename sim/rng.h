/*
 * sim/rng.h - reproducible random number streams.
 *
 * Every host, link and application draws from its own stream, derived from
 * the run's seed and the stream's name ("host:alice", "link:l1",
 * "app:flood").  Adding a host therefore never changes another host's
 * draws, and the same seed gives the same run bit for bit.  The generator is
 * xoshiro256** seeded through splitmix64 (Blackman and Vigna).
 */
#ifndef NETSIM_SIM_RNG_H
#define NETSIM_SIM_RNG_H

#include <stdint.h>

struct rng {
	uint64_t s[4];
};

/* Derive the stream named @name from the run seed @seed. */
void rng_init(struct rng *rng, uint64_t seed, const char *name);
uint64_t rng_next(struct rng *rng);
/* Uniform double in [0, 1). */
double rng_uniform(struct rng *rng);
/* Uniform integer in [0, n); n > 0. */
uint64_t rng_below(struct rng *rng, uint64_t n);
/* Exponentially distributed value with mean @mean. */
double rng_exp(struct rng *rng, double mean);
/* True with probability @p. */
int rng_chance(struct rng *rng, double p);

#endif
