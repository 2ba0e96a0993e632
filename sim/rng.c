/*
 * sim/rng.c - xoshiro256** streams seeded by splitmix64.
 *
 * The stream for a name is seeded from splitmix64(seed ^ fnv1a64(name)), so
 * streams are independent of creation order.
 */
#include "sim/rng.h"

#include <math.h>
#include <string.h>

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t
fnv1a64(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

void
rng_init(struct rng *rng, uint64_t seed, const char *name)
{
	uint64_t x = seed ^ fnv1a64(name ? name : "");
	for (int i = 0; i < 4; i++)
		rng->s[i] = splitmix64(&x);
}

static inline uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t
rng_next(struct rng *rng)
{
	uint64_t *s = rng->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double
rng_uniform(struct rng *rng)
{
	return (double)(rng_next(rng) >> 11) * 0x1.0p-53;
}

uint64_t
rng_below(struct rng *rng, uint64_t n)
{
	/* Lemire, "Fast Random Integer Generation in an Interval" (2019): a
	 * multiply instead of a division, with rejection only in rare cases. */
	unsigned __int128 m = (unsigned __int128)rng_next(rng) * n;
	uint64_t low = (uint64_t)m;
	if (low < n) {
		uint64_t threshold = -n % n;
		while (low < threshold) {
			m = (unsigned __int128)rng_next(rng) * n;
			low = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

double
rng_exp(struct rng *rng, double mean)
{
	return -mean * log1p(-rng_uniform(rng));
}

int
rng_chance(struct rng *rng, double p)
{
	return p > 0 && rng_uniform(rng) < p;
}
