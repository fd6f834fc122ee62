#include "rng.h"

#include <math.h>

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void
rng_seed(Rng *r, uint64_t seed)
{
	uint64_t x = seed;

	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

void
rng_derive(Rng *r, uint64_t seed, uint64_t a, uint64_t b)
{
	uint64_t x = seed;
	uint64_t k = splitmix64(&x);

	x = k ^ (a * 0xd1342543de82ef95ULL);
	k = splitmix64(&x);
	x = k ^ (b * 0xaf251af3b0f025b5ULL);
	rng_seed(r, splitmix64(&x));
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t
rng_next(Rng *r)
{
	uint64_t *s = r->s;
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

uint64_t
rng_below(Rng *r, uint64_t n)
{
	uint64_t limit = -n % n;	/* 2^64 mod n: values below are biased */
	uint64_t x;

	do
		x = rng_next(r);
	while (x < limit);
	return x % n;
}

float
rng_float(Rng *r)
{
	return (float)(rng_next(r) >> 40) * (1.0f / 16777216.0f);
}

double
rng_double(Rng *r)
{
	return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

double
rng_normal(Rng *r)
{
	double u1 = 1.0 - rng_double(r);	/* (0, 1]: log is finite */
	double u2 = rng_double(r);

	return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

void
rng_shuffle_u32(Rng *r, uint32_t *v, uint64_t n)
{
	for (uint64_t i = n; i > 1; i--) {
		uint64_t j = rng_below(r, i);
		uint32_t t = v[i - 1];

		v[i - 1] = v[j];
		v[j] = t;
	}
}
