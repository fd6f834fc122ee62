/* fuzz shard: a training shard as the loader sees it: the tar walk and
 * index (shard_index), each sample's checksum, then the loader itself
 * over the file (mmap, verification, one epoch of augmented batches). */
#include <stdlib.h>

#include "fuzz.h"
#include "loader.h"
#include "shard.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ShardEntry *ent = NULL;
	size_t n = 0;
	int s = 0;
	Err e;

	if (shard_index("fuzz", data, size, &ent, &n, &s, &e) == 0) {
		for (size_t i = 0; i < n; i++) {
			FUZZ_ASSERT(ent[i].rgb >= data &&
			    ent[i].rgb + 3 * (size_t)s * s <= data + size);
			FUZZ_ASSERT(ent[i].labels >= data &&
			    ent[i].labels + (size_t)s * s <= data + size);
			(void)shard_entry_verify(&ent[i], &e);
		}
		free(ent);
	}
	if (n > 0 && s <= 256) {
		const char *path = fuzz_file(data, size);
		LoaderOptions o = { .batch = 2, .seed = 1, .nranks = 1,
		    .aug = { .flip = 1, .scale_min = 0.5f, .brightness = 0.1f,
		    .contrast = 0.1f } };
		Loader *L = loader_open(&path, 1, &o, &e);
		Batch b;

		if (L != NULL) {
			if (loader_epoch_begin(L, 0, 0, &e) == 0)
				while (loader_next(L, &b, &e) == 1)
					FUZZ_ASSERT(b.n > 0 && b.size == s);
			loader_close(L);
		}
	}
	return 0;
}
