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

void
work_run(const Work *wk, int ntasks, ParFn *fn, void *ctx)
{
	if (wk->team != NULL)
		par_team_run(wk->team, ntasks, fn, ctx);
	else
		par_run(wk->nthreads, ntasks, fn, ctx);
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

	work_run(wk, ns, slot_task, &sl);
	for (int s = 0; s < ns; s++) {
		const float *p = work_part(wk, s);

		for (size_t i = 0; i < nw; i++)
			dwt[i] += p[i];
		for (size_t i = 0; i < nb; i++)
			db[i] += p[nw + i];
	}
}

typedef struct {
	BandFn *fn;
	void *ctx;
	int nbands;
} Bands;

static void
band_task(void *ctx, int t, int thread)
{
	Bands *b = ctx;

	b->fn(b->ctx, t / b->nbands, t % b->nbands, thread, NULL);
}

static void
slot_bands(void *ctx, int i0, int i1, int thread, float *part)
{
	Bands *b = ctx;

	for (int i = i0; i < i1; i++)
		for (int k = 0; k < b->nbands; k++)
			b->fn(b->ctx, i, k, thread, part);
}

void
slots_bands(Work *wk, int n, int nbands, BandFn *fn, void *ctx, float *dwt,
    size_t nw, float *db, size_t nb)
{
	Bands b = { fn, ctx, nbands };

	if (dwt == NULL)
		work_run(wk, n * nbands, band_task, &b);
	else
		slots_weights(wk, n, slot_bands, &b, dwt, nw, db, nb);
}

void
conv_bias_grad(float *db, const float *d, int co, long len, long ld)
{
	for (int c = 0; c < co; c++)
		db[c] += (float)fsum(d + c * ld, len);
}
