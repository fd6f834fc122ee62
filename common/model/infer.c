#include "infer.h"

#include <stdlib.h>
#include <string.h>

#include "augment.h"
#include "xalloc.h"

void
infer_input(const uint8_t *rgb, int s, float *x)
{
	size_t plane = (size_t)s * s;

	for (int c = 0; c < 3; c++) {
		float m = augment_mean[c], r = 1.0f / augment_std[c];
		float *xc = x + (size_t)c * plane;

		for (size_t p = 0; p < plane; p++)
			xc[p] = ((float)rgb[3 * p + c] / 255.0f - m) * r;
	}
}

void
argmax_labels(const float *z, int k, size_t hw, float *best, uint8_t *l)
{
	memcpy(best, z, hw * sizeof *best);
	memset(l, 0, hw);
	for (int c = 1; c < k; c++) {
		const float *zc = z + (size_t)c * hw;

		for (size_t p = 0; p < hw; p++)
			if (zc[p] > best[p]) {
				best[p] = zc[p];
				l[p] = (uint8_t)c;
			}
	}
}

int
infer_labels(Unet *u, const float *x, int n, int s, uint8_t *labels, Err *e)
{
	size_t hw = (size_t)s * s;
	int k = u->cfg.classes;
	float *best;

	if (unet_forward(u, x, n, s, s, 0, e) < 0)
		return -1;
	best = xmallocarray(hw, sizeof *best);
	for (int j = 0; j < n; j++)
		argmax_labels(unet_logits(u) + (size_t)j * k * hw, k, hw, best,
		    labels + (size_t)j * hw);
	free(best);
	return 0;
}
