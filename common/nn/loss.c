#include "layers.h"

#include <math.h>
#include <stdlib.h>

#include "par.h"
#include "xalloc.h"

enum { BLOCK = 256 };	/* pixels per pass: the class loops vectorise */

typedef struct {
	float *logits;
	const uint8_t *y;
	const float *weights;
	int k;
	long hw;
	double *sum, *wsum;	/* per image */
	long *valid, *correct;
	float inv;
} XentJob;

/* Softmax over the k planes of pixels j0..j0+len-1 of one image, the
 * probabilities times the pixel's weight, minus the weight at its label. */
static void
xent_block(XentJob *jb, int img, long j0, int len)
{
	float m[BLOCK], z[BLOCK], xl[BLOCK], wt[BLOCK];
	int arg[BLOCK];
	int k = jb->k;
	long hw = jb->hw;
	float *l = jb->logits + (long)img * k * hw + j0;
	const uint8_t *y = jb->y + (long)img * hw + j0;

	for (int p = 0; p < len; p++) {
		m[p] = l[p];
		arg[p] = 0;
		z[p] = 0;
		wt[p] = y[p] == 255 ? 0 : jb->weights ? jb->weights[y[p]] : 1;
		xl[p] = y[p] == 255 ? 0 : l[y[p] * hw + p];
	}
	for (int c = 1; c < k; c++)
		for (int p = 0; p < len; p++)
			if (l[c * hw + p] > m[p]) {
				m[p] = l[c * hw + p];
				arg[p] = c;
			}
	for (int c = 0; c < k; c++)
		for (int p = 0; p < len; p++) {
			float e = expf(l[c * hw + p] - m[p]);

			l[c * hw + p] = e;
			z[p] += e;
		}
	for (int p = 0; p < len; p++) {
		if (y[p] == 255)
			continue;
		jb->sum[img] -= wt[p] * ((double)xl[p] - m[p] - log(z[p]));
		jb->wsum[img] += wt[p];
		jb->valid[img]++;
		jb->correct[img] += arg[p] == y[p];
		z[p] = wt[p] / z[p];
	}
	for (int c = 0; c < k; c++)
		for (int p = 0; p < len; p++)
			l[c * hw + p] = y[p] == 255 ? 0 : l[c * hw + p] * z[p] -
			    (c == y[p] ? wt[p] : 0);
}

static void
xent_task(void *ctx, int img, int thread)
{
	XentJob *jb = ctx;

	(void)thread;
	for (long j0 = 0; j0 < jb->hw; j0 += BLOCK)
		xent_block(jb, img, j0, (int)(jb->hw - j0 < BLOCK ? jb->hw - j0 :
		    BLOCK));
}

static void
scale_task(void *ctx, int img, int thread)
{
	XentJob *jb = ctx;
	float *l = jb->logits + (long)img * jb->k * jb->hw;

	(void)thread;
	for (long i = 0; i < jb->k * jb->hw; i++)
		l[i] *= jb->inv;
}

/* Both entry points: across NULL is this process alone. */
static int
xent(float *logits, const uint8_t *y, const float *weights, int n, int k,
    long hw, const SumAcross *across, LossStats *st, int nthreads, Err *e)
{
	XentJob jb = { logits, y, weights, k, hw, NULL, NULL, NULL, NULL, 0 };
	double sum = 0, wsum = 0;

	st->loss = 0;
	st->valid = st->correct = 0;
	for (long i = 0; i < (long)n * hw; i++)
		if (y[i] != 255 && y[i] >= k)
			return err_set(e, "label %d at pixel %ld is not below "
			    "the %d classes", y[i], i, k);
	jb.sum = xcalloc((size_t)n * 2, sizeof(double));
	jb.wsum = jb.sum + n;
	jb.valid = xcalloc((size_t)n * 2, sizeof(long));
	jb.correct = jb.valid + n;
	par_run(nthreads, n, xent_task, &jb);
	/* in image order: the same sum whatever the thread count */
	for (int i = 0; i < n; i++) {
		sum += jb.sum[i];
		wsum += jb.wsum[i];
		st->valid += jb.valid[i];
		st->correct += jb.correct[i];
	}
	if (across != NULL) {
		/* counts below 2^53: exact in a double */
		double v[4] = { sum, wsum, (double)st->valid,
		    (double)st->correct };

		across->fn(across->arg, v, 4);
		sum = v[0];
		wsum = v[1];
		st->valid = (long)v[2];
		st->correct = (long)v[3];
	}
	jb.inv = wsum > 0 ? (float)(1 / wsum) : 0;
	par_run(nthreads, n, scale_task, &jb);
	st->loss = wsum > 0 ? sum / wsum : 0;
	free(jb.sum);
	free(jb.valid);
	return 0;
}

int
softmax_xent(float *logits, const uint8_t *y, const float *weights, int n,
    int k, long hw, LossStats *st, int nthreads, Err *e)
{
	return xent(logits, y, weights, n, k, hw, NULL, st, nthreads, e);
}

int
softmax_xent_across(float *logits, const uint8_t *y, const float *weights,
    int n, int k, long hw, const SumAcross *s, LossStats *st, int nthreads,
    Err *e)
{
	return xent(logits, y, weights, n, k, hw, s, st, nthreads, e);
}
