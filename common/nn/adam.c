#include "adam.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

Adam *
adam_new(size_t n)
{
	Adam *a = xcalloc(1, sizeof *a);

	a->lr = 1e-3f;
	a->beta1 = 0.9f;
	a->beta2 = 0.999f;
	a->eps = 1e-8f;
	a->n = n;
	a->m = xcalloc(n ? n : 1, sizeof(float));
	a->v = xcalloc(n ? n : 1, sizeof(float));
	return a;
}

void
adam_free(Adam *a)
{
	if (a == NULL)
		return;
	free(a->m);
	free(a->v);
	free(a);
}

void
adam_step(Adam *a, float *p, const float *g)
{
	float b1 = a->beta1, b2 = a->beta2, wd = a->weight_decay;
	double bc1, bc2;

	a->t++;
	bc1 = 1 - pow(b1, (double)a->t);
	bc2 = 1 - pow(b2, (double)a->t);
	float step = (float)(a->lr / bc1), bc2s = (float)sqrt(bc2);
	for (size_t i = 0; i < a->n; i++) {
		float gi = wd != 0 ? g[i] + wd * p[i] : g[i];

		a->m[i] = a->m[i] * b1 + gi * (1 - b1);
		a->v[i] = a->v[i] * b2 + gi * gi * (1 - b2);
		p[i] -= step * (a->m[i] / (sqrtf(a->v[i]) / bc2s + a->eps));
	}
}
