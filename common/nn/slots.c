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
	SlotFn *fn;
	void *ctx;
	Work *wk;
	int n, ns;
	size_t len;
} Slots;

static void
slot_task(void *ctx, int s, int thread)
{
	Slots *sl = ctx;
	float *part = work_part(sl->wk, s);

	memset(part, 0, sl->len * sizeof *part);
	sl->fn(sl->ctx, (int)((long)s * sl->n / sl->ns),
	    (int)((long)(s + 1) * sl->n / sl->ns), thread, part);
}

void
slots_weights(Work *wk, int n, SlotFn *fn, void *ctx, float *dwt, size_t nw,
    float *db, size_t nb)
{
	int ns = wk->nthreads * CONV_SLOTS < n ? wk->nthreads * CONV_SLOTS : n;
	Slots sl = { fn, ctx, wk, n, ns, nw + nb };

	par_run(wk->nthreads, ns, slot_task, &sl);
	for (int s = 0; s < ns; s++) {
		const float *p = work_part(wk, s);

		for (size_t i = 0; i < nw; i++)
			dwt[i] += p[i];
		for (size_t i = 0; i < nb; i++)
			db[i] += p[nw + i];
	}
}

void
conv_bias_grad(float *db, const float *d, int co, long len, long ld)
{
	for (int c = 0; c < co; c++)
		db[c] += (float)fsum(d + c * ld, len);
}
