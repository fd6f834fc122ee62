/* Unit tests of pngmask.c: label PNGs written by libvips (adaptive row
 * filters, several zlib levels) decode to the same bytes; anything odd
 * is left to mask_read (returns 0). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "maskio.h"
#include "pngmask.h"
#include "rng.h"
#include "tap.h"

/* Patterns that make libpng pick each filter somewhere. */
static void
pattern(uint8_t *m, int h, int w, int kind)
{
	Rng r;

	rng_seed(&r, (uint64_t)kind);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			uint8_t v;

			switch (kind) {
			case 0: v = (uint8_t)rng_below(&r, 47); break;
			case 1: v = (uint8_t)(x * 3 + y); break;
			case 2: v = (uint8_t)((x / 7 + y / 5) % 47); break;
			default: v = (uint8_t)(x < w / 2 ? 255 : y % 47); break;
			}
			m[(size_t)y * w + x] = v;
		}
}

static void
test_round_trip(void)
{
	int sizes[][2] = { { 1, 1 }, { 37, 53 }, { 200, 3 }, { 64, 64 } };
	Err e;

	for (int s = 0; s < 4; s++)
		for (int kind = 0; kind < 4; kind++)
			for (int level = 0; level <= 9; level += 3) {
				int h = sizes[s][0], w = sizes[s][1], gh, gw;
				uint8_t *m = malloc((size_t)h * w), *got = NULL;
				void *png;
				size_t len;

				pattern(m, h, w, kind);
				CHECK(mask_encode(m, h, w, level, &png, &len, &e) == 0);
				CHECK(pngmask_decode(png, len, 1000000, &got, &gh, &gw) == 1);
				CHECK(got && gh == h && gw == w &&
				    memcmp(got, m, (size_t)h * w) == 0);
				/* Too many pixels, truncation, one flipped byte: 0. */
				CHECK(pngmask_decode(png, len, (uint64_t)h * w - 1, &got,
				    &gh, &gw) == 0);
				CHECK(pngmask_decode(png, len - 13, 1000000, &got, &gh,
				    &gw) == 0);
				((uint8_t *)png)[len / 2] ^= 0x10;
				CHECK(pngmask_decode(png, len, 1000000, &got, &gh,
				    &gw) == 0);
				free(got);
				free(png);
				free(m);
			}
}

static void
test_not_plain(void)
{
	/* An RGB PNG header: colour type 2. */
	static const uint8_t rgb[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a,
	    '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8,
	    2, 0, 0, 0, 0x90, 0x77, 0x53, 0xde };
	uint8_t *px;
	int h, w;

	CHECK(pngmask_decode(rgb, sizeof rgb, 100, &px, &h, &w) == 0);
	CHECK(pngmask_decode((const uint8_t *)"GIF89a", 6, 100, &px, &h,
	    &w) == 0);
	CHECK(pngmask_read("/nonexistent/x.png", 100, &px, &h, &w) == 0);
}

int
main(int argc, char **argv)
{
	Err e;

	(void)argc;
	if (imaging_init(argv[0], 1, &e) < 0)
		return 1;
	TEST(test_round_trip);
	TEST(test_not_plain);
	return tap_done();
}
