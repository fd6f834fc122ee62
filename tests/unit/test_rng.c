/* Unit tests of rng.c and hash.c: known values, determinism, ranges. */
#include <string.h>

#include "hash.h"
#include "rng.h"
#include "tap.h"

static void
test_fnv1a_known(void)
{
	/* Published FNV-1a 64 test vectors. */
	CHECK(hash_fnv1a("", 0) == 0xcbf29ce484222325ULL);
	CHECK(hash_fnv1a("a", 1) == 0xaf63dc4c8601ec8cULL);
	CHECK(hash_fnv1a("foobar", 6) == 0x85944171f73967e8ULL);
}

static void
test_crc32c_known(void)
{
	uint8_t zeros[32] = { 0 }, ones[32], inc[32];

	memset(ones, 0xff, sizeof ones);
	for (int i = 0; i < 32; i++)
		inc[i] = (uint8_t)i;
	/* the check value of the CRC catalogue, and RFC 3720's B.4 */
	CHECK(hash_crc32c("123456789", 9) == 0xe3069283u);
	CHECK(hash_crc32c("", 0) == 0);
	CHECK(hash_crc32c(zeros, 32) == 0x8a9136aau);
	CHECK(hash_crc32c(ones, 32) == 0x62a8ab43u);
	CHECK(hash_crc32c(inc, 32) == 0x46dd794eu);
	/* continued over pieces, the same */
	CHECK(hash_crc32c_more(hash_crc32c(inc, 5), inc + 5, 27) == 0x46dd794eu);
	CHECK(hash_crc32c_more(0, inc, 32) == 0x46dd794eu);
}

static void
test_determinism(void)
{
	Rng a, b, c;
	int same = 1;

	rng_seed(&a, 42);
	rng_seed(&b, 42);
	rng_seed(&c, 43);
	for (int i = 0; i < 1000; i++) {
		uint64_t x = rng_next(&a);

		same &= x == rng_next(&b);
		CHECK(x != rng_next(&c) || i > 0);
	}
	CHECK(same);
	rng_derive(&a, 1, 2, 3);
	rng_derive(&b, 1, 2, 3);
	rng_derive(&c, 1, 3, 2);
	CHECK(rng_next(&a) == rng_next(&b));
	CHECK(rng_next(&a) != rng_next(&c));
}

static void
test_ranges(void)
{
	Rng r;
	int hist[7] = {0};
	double sum = 0, sq = 0;

	rng_seed(&r, 7);
	for (int i = 0; i < 70000; i++) {
		uint64_t k = rng_below(&r, 7);
		float f = rng_float(&r);

		CHECK(k < 7);
		CHECK(f >= 0.0f && f < 1.0f);
		hist[k < 7 ? k : 0]++;
	}
	for (int k = 0; k < 7; k++)
		CHECK(hist[k] > 9500 && hist[k] < 10500);
	for (int i = 0; i < 100000; i++) {
		double z = rng_normal(&r);

		sum += z;
		sq += z * z;
	}
	CHECK_NEAR(sum / 100000, 0.0, 0.02);
	CHECK_NEAR(sq / 100000, 1.0, 0.02);
}

static void
test_shuffle_is_permutation(void)
{
	Rng r;
	uint32_t v[100];
	int seen[100] = {0}, moved = 0;

	for (int i = 0; i < 100; i++)
		v[i] = (uint32_t)i;
	rng_seed(&r, 1);
	rng_shuffle_u32(&r, v, 100);
	for (int i = 0; i < 100; i++) {
		seen[v[i] < 100 ? v[i] : 0]++;
		moved += v[i] != (uint32_t)i;
	}
	for (int i = 0; i < 100; i++)
		CHECK_EQ_INT(seen[i], 1);
	CHECK(moved > 80);
}

int
main(void)
{
	TEST(test_fnv1a_known);
	TEST(test_crc32c_known);
	TEST(test_determinism);
	TEST(test_ranges);
	TEST(test_shuffle_is_permutation);
	return tap_done();
}
