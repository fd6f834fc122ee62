#include "layers.h"

#include <string.h>

void
maxpool_forward(float *out, const Src *in, int n, int h, int w, float *plane)
{
	Srcs s = srcs_one(*in);
	int oh = h / 2, ow = w / 2;

	for (int img = 0; img < n; img++)
		for (int c = 0; c < in->c; c++) {
			float *o = out + ((long)img * in->c + c) * oh * ow;

			srcs_rows(&s, img, c, h, w, 0, h, plane);
			for (int y = 0; y < oh; y++)
				for (int x = 0; x < ow; x++) {
					const float *p = plane + 2L * y * w + 2 * x;
					float m = p[0];

					if (p[1] > m)
						m = p[1];
					if (p[w] > m)
						m = p[w];
					if (p[w + 1] > m)
						m = p[w + 1];
					o[y * ow + x] = m;
				}
		}
}

/* Ties go to the first maximum in row order, as PyTorch's CPU kernel. */
void
maxpool_backward(const Dst *din, const float *dout, const Src *in, int n,
    int h, int w, float *plane)
{
	Srcs s = srcs_one(*in);
	int oh = h / 2, ow = w / 2;

	for (int img = 0; img < n; img++)
		for (int c = 0; c < in->c; c++) {
			const float *g = dout + ((long)img * in->c + c) * oh * ow;
			float *d = din->x + img * din->stride + (long)c * h * w;

			srcs_rows(&s, img, c, h, w, 0, h, plane);
			for (int y = 0; y < oh; y++)
				for (int x = 0; x < ow; x++) {
					long o = 2L * y * w + 2 * x, best = o;
					long cand[3] = { o + 1, o + w, o + w + 1 };

					for (int t = 0; t < 3; t++)
						if (plane[cand[t]] > plane[best])
							best = cand[t];
					d[best] += g[y * ow + x];
				}
		}
}
