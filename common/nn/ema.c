/* ema — the weights' moving average. See ema.h. */
#include "ema.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

Ema *
ema_new(const Unet *u, float decay)
{
	Ema *a = xcalloc(1, sizeof *a);

	a->decay = decay;
	a->nparams = u->nparams;
	a->nstats = u->nstats;
	a->params = xmallocarray(u->nparams ? u->nparams : 1, sizeof(float));
	a->stats = xmallocarray(u->nstats ? u->nstats : 1, sizeof(float));
	memcpy(a->params, u->params, u->nparams * sizeof(float));
	memcpy(a->stats, u->stats, u->nstats * sizeof(float));
	return a;
}

void
ema_free(Ema *a)
{
	if (a == NULL)
		return;
	free(a->params), free(a->stats), free(a);
}

static void
blend(float *avg, const float *w, size_t n, float d)
{
	for (size_t i = 0; i < n; i++)
		avg[i] = d * avg[i] + (1 - d) * w[i];
}

void
ema_update(Ema *a, const Unet *u)
{
	float warm, d;

	a->t++;
	warm = (float)(1 + a->t) / (float)(10 + a->t);
	d = warm < a->decay ? warm : a->decay;
	blend(a->params, u->params, a->nparams, d);
	blend(a->stats, u->stats, a->nstats, d);
}

static void
swap(float *x, float *y, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		float t = x[i];

		x[i] = y[i];
		y[i] = t;
	}
}

void
ema_swap(Ema *a, Unet *u)
{
	swap(a->params, u->params, a->nparams);
	swap(a->stats, u->stats, a->nstats);
}
