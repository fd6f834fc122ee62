/* fuzz ckpt: a safetensors file as unet-infer and unet-train --resume
 * read it: the header and the tensors (st_read), then the checkpoint
 * (architecture, shapes, values, metadata) as a model and as a state. */
#include "adam.h"
#include "ckpt.h"
#include "fuzz.h"
#include "safetensors.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file(data, size);
	StFile *f;
	CkptInfo info;
	TrainState ts;
	Recipe r;
	Adam *opt;
	Ema *ema;
	Unet *u;
	Err e;

	if ((f = st_read(path, &e)) != NULL) {
		for (int i = 0; i < st_count(f); i++) {
			const StEntry *t = st_entry(f, i);

			FUZZ_ASSERT(st_find(f, t->name) != NULL);
			(void)st_data(f, t);
		}
		st_free(f);
	}
	if ((u = ckpt_load(path, &info, &e)) != NULL)
		unet_free(u);
	if ((u = ckpt_load_state(path, &opt, &ema, &r, &ts, &e)) != NULL) {
		FUZZ_ASSERT(opt != NULL && opt->n == u->nparams);
		FUZZ_ASSERT(ema == NULL || (ema->nparams == u->nparams &&
		    ema->nstats == u->nstats));
		adam_free(opt);
		ema_free(ema);
		unet_free(u);
	}
	return 0;
}
