/* fuzz pngmask: our decoder of label PNGs (the fast path of every mask
 * read), on the bytes as they are: signature, chunks, CRCs, zlib. */
#include <stdlib.h>

#include "fuzz.h"
#include "pngmask.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *px;
	int h, w;

	if (pngmask_decode(data, size, 1 << 22, &px, &h, &w) == 1) {
		FUZZ_ASSERT(h > 0 && w > 0 && (uint64_t)h * w <= 1 << 22);
		free(px);
	}
	return 0;
}
