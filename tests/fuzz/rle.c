/* fuzz rle: EncodedPixels text. The first 4 bytes are the mask's pixel
 * count (little-endian), the rest the text. What parses formats back to
 * text that parses to the same runs, covers at most the mask, and (small
 * masks) splits into components that hold every pixel once. */
#include <stdlib.h>
#include <string.h>

#include "components.h"
#include "fuzz.h"
#include "rle.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t npix;
	Rle r, again;
	Err e;

	if (size < 4)
		return 0;
	npix = (uint64_t)data[0] | (uint64_t)data[1] << 8 |
	    (uint64_t)data[2] << 16 | (uint64_t)data[3] << 24;
	rle_init(&r);
	rle_init(&again);
	if (rle_parse(&r, (const char *)data + 4, size - 4, npix, &e) == 0) {
		char *text = malloc(rle_format_size(&r));
		size_t n = rle_format(&r, text);

		FUZZ_ASSERT(rle_area(&r) <= npix);
		FUZZ_ASSERT(rle_parse(&again, text, n, npix, &e) == 0);
		FUZZ_ASSERT(again.n == r.n && (r.n == 0 ||
		    memcmp(again.runs, r.runs, r.n * sizeof *r.runs) == 0));
		free(text);
		if (npix > 0 && npix <= 1 << 16) {
			uint32_t h = (uint32_t)(data[0] % 64) + 1;
			Components c;
			uint64_t sum = 0;

			rle_components(&r, h, data[1] & 1 ? 8 : 4, &c);
			for (size_t k = 0; k < c.n; k++) {
				Rle one = components_at(&c, k);

				sum += rle_area(&one);
			}
			FUZZ_ASSERT(sum == rle_area(&r));
			components_free(&c);
		}
	}
	rle_free(&r);
	rle_free(&again);
	return 0;
}
