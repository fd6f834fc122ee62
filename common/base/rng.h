/* rng — the one random number generator of imatseg: xoshiro256** seeded by
 * splitmix64. Small, fast, and its whole state is four words, so a
 * checkpoint can save it and a resumed run continues the same stream.
 * Streams for (seed, epoch, sample) are derived with rng_derive, so no
 * result depends on which thread drew first. */
#ifndef IMATSEG_RNG_H
#define IMATSEG_RNG_H

#include <stdint.h>

typedef struct {
	uint64_t s[4];
} Rng;

void rng_seed(Rng *r, uint64_t seed);
/* A generator for a sub-stream: same (seed, a, b) give the same stream. */
void rng_derive(Rng *r, uint64_t seed, uint64_t a, uint64_t b);
uint64_t rng_next(Rng *r);
/* Uniform in [0, n), without modulo bias; n > 0. */
uint64_t rng_below(Rng *r, uint64_t n);
/* Uniform in [0, 1) with 24 (float) or 53 (double) random bits. */
float rng_float(Rng *r);
double rng_double(Rng *r);
/* Standard normal (Box-Muller; uses two draws, no cached state). */
double rng_normal(Rng *r);
/* Fisher-Yates shuffle of n indices. */
void rng_shuffle_u32(Rng *r, uint32_t *v, uint64_t n);

#endif
