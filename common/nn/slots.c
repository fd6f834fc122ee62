#include "slots.h"

#include <string.h>

#include "par.h"

float *
work_scratch(const Work *wk, int thread)
{
	return wk->buf + (size_t)thread * wk->nbuf;
}

float *
work_part(const Work *wk, int slot)
{
	return wk->part + (size_t)slot * wk->npart;
}

typedef struct {
	ImageFn *fn;
	void *ctx;
	Work *wk;
	int n, ns;
} Slots;

static void
slot_task(void *ctx, int s, int thread)
{
	Slots *sl = ctx;

	for (int img = (int)((long)s * sl->n / sl->ns);
	    img < (int)((long)(s + 1) * sl->n / sl->ns); img++)
		sl->fn(sl->ctx, img, thread, work_part(sl->wk, s));
}

int
slots_run(Work *wk, int n, size_t len, ImageFn *fn, void *ctx)
{
	int ns = wk->nthreads * CONV_SLOTS < n ? wk->nthreads * CONV_SLOTS : n;
	Slots sl = { fn, ctx, wk, n, ns };

	for (int s = 0; s < ns; s++)
		memset(work_part(wk, s), 0, len * sizeof(float));
	par_run(wk->nthreads, ns, slot_task, &sl);
	return ns;
}

void
slots_sum(const Work *wk, int from, int ns, float *dst, size_t len)
{
	for (int s = from; s < ns; s++) {
		const float *p = work_part(wk, s);

		for (size_t i = 0; i < len; i++)
			dst[i] += p[i];
	}
}

void
conv_bias_grad(float *db, const float *d, int co, long len, long ld)
{
	for (int c = 0; c < co; c++)
		db[c] += (float)fsum(d + c * ld, len);
}
