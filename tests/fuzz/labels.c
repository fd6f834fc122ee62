/* fuzz labels: a label_descriptions.json. Every category it accepts is
 * named or empty, and ids are 0..ncat-1 within the label masks' range. */
#include "fuzz.h"
#include "labels.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Labels l;
	Err e;

	if (labels_load(&l, fuzz_file(data, size), &e) == 0) {
		FUZZ_ASSERT(l.ncat > 0);
		for (int i = 0; i < l.ncat; i++)
			FUZZ_ASSERT(labels_category(&l, i) != NULL);
		labels_free(&l);
	}
	return 0;
}
