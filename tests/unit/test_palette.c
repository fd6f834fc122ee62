/* palette: the fixed colours and the blend of overlays. */
#include <stdlib.h>

#include "palette.h"
#include "tap.h"

static void
test_distinct(void)
{
	int min = 1 << 30;

	CHECK(palette_rgb[0][0] == 0 && palette_rgb[0][1] == 0 &&
	    palette_rgb[0][2] == 0);
	for (int i = 0; i < PALETTE_SIZE; i++)
		for (int j = i + 1; j < PALETTE_SIZE; j++) {
			int d = 0;

			for (int k = 0; k < 3; k++) {
				int t = palette_rgb[i][k] - palette_rgb[j][k];

				d += t * t;
			}
			if (d < min)
				min = d;
		}
	/* and far apart in RGB too (41.6 is the closest pair) */
	CHECK(min >= 40 * 40);
}

static void
test_blend(void)
{
	uint8_t rgb[9] = { 10, 20, 30, 10, 20, 30, 10, 20, 30 };
	uint8_t lab[3] = { 0, 3, 255 };

	palette_blend(rgb, lab, 3, 0.5f);
	CHECK_EQ_INT(rgb[0], 10);	/* background untouched */
	CHECK_EQ_INT(rgb[3], (10 + 255 + 1) / 2);	/* label 3: #ff0000 */
	CHECK_EQ_INT(rgb[4], 10);
	CHECK_EQ_INT(rgb[5], 15);
	CHECK_EQ_INT(rgb[6], 10);	/* 255 (ignore) untouched */
}

int
main(void)
{
	TEST(test_distinct);
	TEST(test_blend);
	return tap_done();
}
