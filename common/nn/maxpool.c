#include "layers.h"

#include <string.h>

#include "par.h"

typedef struct {
	float *out;
	const float *dout;
	const Src *in;
	const Dst *din;
	int h, w;
	float *plane;
} PoolJob;

/* Task t: channel t % c of image t / c, so that one image is shared
 * among the threads too. */
static void
maxpool_task(void *ctx, int t, int thread)
{
	PoolJob *j = ctx;
	Srcs s = srcs_one(*j->in);
	int h = j->h, w = j->w, oh = h / 2, ow = w / 2;
	int img = t / j->in->c, c = t % j->in->c;
	float *plane = j->plane + (long)thread * h * w;
	float *o = j->out + ((long)img * j->in->c + c) * oh * ow;

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

void
maxpool_forward(float *out, const Src *in, int n, int h, int w, float *plane,
    int nthreads)
{
	PoolJob j = { out, NULL, in, NULL, h, w, plane };

	par_run(nthreads, n * in->c, maxpool_task, &j);
}

/* Ties go to the first maximum in row order, as PyTorch's CPU kernel.
 * Task t as in the forward pass. */
static void
maxpool_back_task(void *ctx, int t, int thread)
{
	PoolJob *j = ctx;
	Srcs s = srcs_one(*j->in);
	int h = j->h, w = j->w, oh = h / 2, ow = w / 2;
	int img = t / j->in->c, c = t % j->in->c;
	float *plane = j->plane + (long)thread * h * w;
	const float *g = j->dout + ((long)img * j->in->c + c) * oh * ow;
	float *d = j->din->x + img * j->din->stride + (long)c * h * w;

	srcs_rows(&s, img, c, h, w, 0, h, plane);
	for (int y = 0; y < oh; y++)
		for (int x = 0; x < ow; x++) {
			long o = 2L * y * w + 2 * x, best = o;
			long cand[3] = { o + 1, o + w, o + w + 1 };

			for (int k = 0; k < 3; k++)
				if (plane[cand[k]] > plane[best])
					best = cand[k];
			d[best] += g[y * ow + x];
		}
}

void
maxpool_backward(const Dst *din, const float *dout, const Src *in, int n,
    int h, int w, float *plane, int nthreads)
{
	PoolJob j = { NULL, dout, in, din, h, w, plane };

	par_run(nthreads, n * in->c, maxpool_back_task, &j);
}
