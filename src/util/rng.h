/* The machine's one seeded random generator (xoshiro256**): every random choice comes from here. */
#ifndef MMSIM_UTIL_RNG_H
#define MMSIM_UTIL_RNG_H
#include <stdint.h>

struct rng { uint64_t s[4]; };

/* Seed the state from one 64-bit seed (splitmix64 expansion), so seed 0 is valid too. */
void rng_seed(struct rng *r, uint64_t seed);
/* Next 64 random bits. */
uint64_t rng_next(struct rng *r);
/* Uniform integer in [0, bound); bound > 0. Unbiased (rejection). */
uint64_t rng_below(struct rng *r, uint64_t bound);
#endif
