/* loss — the softmax cross-entropy, and soft Dice on the probabilities:
 * the U-Net's losses as forward/backward pairs. See layers.h. */
#include "layers.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "par.h"
#include "xalloc.h"

enum { BLOCK = 256 };	/* pixels per pass: the class loops vectorise */

/* e^x for x <= 0, to about an ulp, in operations the compiler can
 * vectorise (libm's expf is a call per element): x = n ln 2 + r with
 * |r| <= ln 2 / 2, e^r by its Taylor series to r^7 (error below 1e-8),
 * times 2^n built in the exponent bits. Below -87 it returns e^-87, a
 * normal float that is nothing beside the softmax's largest term, 1;
 * NaN it returns NaN. */
static inline float
exp_le0(float x)
{
	const float log2e = 1.44269504f, ln2_hi = 0.693145752f;
	const float ln2_lo = 1.42860677e-6f, round = 12582912.0f;
	float n, r, p;
	union {
		int32_t i;
		float f;
	} s;

	x = x < -87 ? -87 : x;
	n = (x * log2e + round) - round;	/* to nearest: 1.5 * 2^23 */
	r = (x - n * ln2_hi) - n * ln2_lo;
	p = 1 + r * (1 + r * (1 / 2.0f + r * (1 / 6.0f + r * (1 / 24.0f + r *
	    (1 / 120.0f + r * (1 / 720.0f + r * (1 / 5040.0f)))))));
	/* a NaN x (a diverged network) stays NaN through p: its n must
	 * still convert to an int */
	n = n >= -126 ? n : -126;
	s.i = ((int32_t)n + 127) << 23;
	return p * s.f;
}

/* Over pixels 0..len-1 of the k planes at l (one plane every hw floats):
 * m[p] the largest logit and arg[p] its class (the first of equals),
 * then each logit replaced by e^(logit - m[p]), their sum in z[p].
 * Selects, not branches: with -fno-trapping-math the loops vectorise;
 * the arrays never overlap (restrict spares most of the loops a
 * run-time check of that). */
static void
softmax_block(float *restrict l, long hw, int k, int len,
    float *restrict m, int *restrict arg, float *restrict z)
{
	for (int p = 0; p < len; p++) {
		m[p] = l[p];
		arg[p] = 0;
		z[p] = 0;
	}
	for (int c = 1; c < k; c++)
		for (int p = 0; p < len; p++) {
			float v = l[c * hw + p];
			int gt = v > m[p];

			m[p] = gt ? v : m[p];
			arg[p] = gt ? c : arg[p];
		}
	for (int c = 0; c < k; c++)
		for (int p = 0; p < len; p++) {
			float e = exp_le0(l[c * hw + p] - m[p]);

			l[c * hw + p] = e;
			z[p] += e;
		}
}

/* A loss pass's sums, one slot per image so that no two threads share
 * one: the weighted loss, the weights, the valid and the correct pixels. */
typedef struct {
	double *sum, *wsum;
	long *valid, *correct;
} ImgSums;

static void
sums_new(ImgSums *s, int n)
{
	s->sum = xcalloc((size_t)n * 2, sizeof(double));
	s->wsum = s->sum + n;
	s->valid = xcalloc((size_t)n * 2, sizeof(long));
	s->correct = s->valid + n;
}

/* Adds the images' sums in image order: the same totals whatever the
 * thread count. */
static void
sums_add(const ImgSums *s, int n, double *sum, double *wsum, LossStats *st)
{
	for (int i = 0; i < n; i++) {
		*sum += s->sum[i];
		*wsum += s->wsum[i];
		st->valid += s->valid[i];
		st->correct += s->correct[i];
	}
}

static void
sums_free(ImgSums *s)
{
	free(s->sum);
	free(s->valid);
}

/* Every label below k or 255 (ignored). */
static int
labels_below(const uint8_t *y, int n, int k, long hw, Err *e)
{
	for (long i = 0; i < (long)n * hw; i++)
		if (y[i] != 255 && y[i] >= k)
			return err_set(e, "label %d at pixel %ld is not below "
			    "the %d classes", y[i], i, k);
	return 0;
}

typedef struct {
	float *logits;
	const uint8_t *y;
	const float *weights;
	int k;
	long hw;
	ImgSums s;
	float inv;
} XentJob;

/* Softmax over the k planes of pixels j0..j0+len-1 of one image, the
 * probabilities times the pixel's weight, minus the weight at its label. */
static void
xent_block(XentJob *jb, int img, long j0, int len)
{
	float m[BLOCK], z[BLOCK], xl[BLOCK], wt[BLOCK];
	int arg[BLOCK], lab[BLOCK];
	int k = jb->k;
	long hw = jb->hw;
	float *l = jb->logits + (long)img * k * hw + j0;
	const uint8_t *y = jb->y + (long)img * hw + j0;

	for (int p = 0; p < len; p++) {
		lab[p] = y[p] == 255 ? -1 : y[p];
		wt[p] = y[p] == 255 ? 0 : jb->weights ? jb->weights[y[p]] : 1;
		xl[p] = y[p] == 255 ? 0 : l[y[p] * hw + p];
	}
	softmax_block(l, hw, k, len, m, arg, z);
	for (int p = 0; p < len; p++) {
		if (lab[p] < 0) {
			z[p] = 0;	/* an ignored pixel's gradient: 0 */
			continue;
		}
		jb->s.sum[img] -= wt[p] * ((double)xl[p] - m[p] - log(z[p]));
		jb->s.wsum[img] += wt[p];
		jb->s.valid[img]++;
		jb->s.correct[img] += arg[p] == lab[p];
		z[p] = wt[p] / z[p];
	}
	for (int c = 0; c < k; c++)
		for (int p = 0; p < len; p++)
			l[c * hw + p] = l[c * hw + p] * z[p] -
			    (c == lab[p] ? wt[p] : 0);
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
	XentJob jb = { .logits = logits, .y = y, .weights = weights, .k = k,
	    .hw = hw };
	double sum = 0, wsum = 0;

	st->loss = 0;
	st->valid = st->correct = 0;
	if (labels_below(y, n, k, hw, e) < 0)
		return -1;
	sums_new(&jb.s, n);
	par_run(nthreads, n, xent_task, &jb);
	sums_add(&jb.s, n, &sum, &wsum, st);
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
	sums_free(&jb.s);
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

/* ---- the probabilities' path: soft Dice, alone or with the
 * cross-entropy ---- */

typedef struct {
	float *p;
	const uint8_t *y;
	const float *weights;
	int k;
	long hw;
	ImgSums s;	/* the cross-entropy's */
	double *dice;		/* per image [3][k]; backward: alpha, beta */
	double ce;		/* backward: the cross-entropy's scale */
} ProbJob;

/* Softmax in place over pixels j0.. of one image, and the
 * cross-entropy's sums. */
static void
probs_block(ProbJob *jb, int img, long j0, int len)
{
	float m[BLOCK], z[BLOCK], xl[BLOCK];
	int arg[BLOCK];
	int k = jb->k;
	long hw = jb->hw;
	float *l = jb->p + (long)img * k * hw + j0;
	const uint8_t *y = jb->y + (long)img * hw + j0;

	/* the label's logit, before the logits become probabilities */
	for (int p = 0; p < len; p++)
		xl[p] = y[p] == 255 ? 0 : l[y[p] * hw + p];
	softmax_block(l, hw, k, len, m, arg, z);
	for (int p = 0; p < len; p++) {
		double w;

		if (y[p] == 255)
			continue;
		w = jb->weights ? jb->weights[y[p]] : 1;
		/* -log p_y: the logit's part, then log z's below */
		jb->s.sum[img] -= w * ((double)xl[p] - m[p]);
		jb->s.wsum[img] += w;
		jb->s.valid[img]++;
		jb->s.correct[img] += arg[p] == y[p];
	}
	for (int p = 0; p < len; p++) {
		if (y[p] != 255)
			jb->s.sum[img] += (jb->weights ? jb->weights[y[p]] : 1) *
			    log(z[p]);
		z[p] = 1 / z[p];
	}
	for (int c = 0; c < k; c++)
		for (int p = 0; p < len; p++)
			l[c * hw + p] *= z[p];
}

static void
probs_task(void *ctx, int img, int thread)
{
	ProbJob *jb = ctx;

	(void)thread;
	for (long j0 = 0; j0 < jb->hw; j0 += BLOCK)
		probs_block(jb, img, j0, (int)(jb->hw - j0 < BLOCK ?
		    jb->hw - j0 : BLOCK));
}

int
softmax_probs(float *z, const uint8_t *y, const float *weights, int n, int k,
    long hw, LossStats *st, double *wsum, int nthreads, Err *e)
{
	ProbJob jb = { .p = z, .y = y, .weights = weights, .k = k, .hw = hw };

	st->loss = *wsum = 0;
	st->valid = st->correct = 0;
	if (labels_below(y, n, k, hw, e) < 0)
		return -1;
	sums_new(&jb.s, n);
	par_run(nthreads, n, probs_task, &jb);
	sums_add(&jb.s, n, &st->loss, wsum, st);
	sums_free(&jb.s);
	return 0;
}

static void
dice_task(void *ctx, int img, int thread)
{
	ProbJob *jb = ctx;
	int k = jb->k;
	long hw = jb->hw;
	const float *p = jb->p + (long)img * k * hw;
	const uint8_t *y = jb->y + (long)img * hw;
	double *s = jb->dice + (size_t)img * 3 * k;

	(void)thread;
	for (long i = 0; i < hw; i++)
		if (y[i] != 255) {
			s[y[i]] += p[y[i] * hw + i];
			s[2 * k + y[i]] += 1;
		}
	for (int c = 0; c < k; c++) {
		double sc = 0;

		for (long i = 0; i < hw; i++)
			if (y[i] != 255)
				sc += p[c * hw + i];
		s[k + c] = sc;
	}
}

void
dice_sums(const float *p, const uint8_t *y, int n, int k, long hw,
    double *sums, int nthreads)
{
	ProbJob jb = { .p = (float *)p, .y = y, .k = k, .hw = hw };

	jb.dice = xcalloc((size_t)n * 3 * k, sizeof(double));
	par_run(nthreads, n, dice_task, &jb);
	/* in image order: the same sums whatever the thread count */
	for (int i = 0; i < n; i++)
		for (int j = 0; j < 3 * k; j++)
			sums[j] += jb.dice[(size_t)i * 3 * k + j];
	free(jb.dice);
}

/* The categories present: c >= 1 with a truth pixel. */
static int
dice_present(const double *sums, int k)
{
	int n = 0;

	for (int c = 1; c < k; c++)
		n += sums[2 * k + c] > 0;
	return n;
}

double
dice_loss(const double *sums, int k)
{
	int np = dice_present(sums, k);
	double d = 0;

	if (np == 0)
		return 0;
	for (int c = 1; c < k; c++)
		if (sums[2 * k + c] > 0)
			d += 2 * sums[c] / (sums[k + c] + sums[2 * k + c]);
	return 1 - d / np;
}

/* With a_c = dL/dp_c = alpha_c [y = c] + beta_c (both 0 for a class
 * Dice leaves out) and s = sum_c p_c a_c, the softmax's backward and the
 * cross-entropy's weight w give dL/dz_c = p_c (w + beta_c - s) +
 * [c = y] (alpha_y p_y - w). */
static void
grad_block(ProbJob *jb, const float *alpha, const float *beta, int img,
    long j0, int len)
{
	float s[BLOCK], w[BLOCK], at_y[BLOCK];
	int k = jb->k;
	long hw = jb->hw;
	float *l = jb->p + (long)img * k * hw + j0;
	const uint8_t *y = jb->y + (long)img * hw + j0;

	for (int p = 0; p < len; p++) {
		int c = y[p] == 255 ? 0 : y[p];

		w[p] = y[p] == 255 ? 0 : (float)jb->ce *
		    (jb->weights ? jb->weights[c] : 1);
		s[p] = alpha[c] * l[c * hw + p];
		at_y[p] = s[p] - w[p];
	}
	for (int c = 0; c < k; c++)
		for (int p = 0; p < len; p++)
			s[p] += beta[c] * l[c * hw + p];
	for (int c = 0; c < k; c++)
		for (int p = 0; p < len; p++)
			l[c * hw + p] = y[p] == 255 ? 0 :
			    l[c * hw + p] * (w[p] + beta[c] - s[p]);
	for (int p = 0; p < len; p++)
		if (y[p] != 255)
			l[y[p] * hw + p] += at_y[p];
}

typedef struct {
	ProbJob *jb;
	const float *alpha, *beta;
} GradJob;

static void
grad_task(void *ctx, int img, int thread)
{
	GradJob *g = ctx;
	long hw = g->jb->hw;

	(void)thread;
	for (long j0 = 0; j0 < hw; j0 += BLOCK)
		grad_block(g->jb, g->alpha, g->beta, img, j0,
		    (int)(hw - j0 < BLOCK ? hw - j0 : BLOCK));
}

void
softmax_loss_backward(float *p, const uint8_t *y, const float *weights,
    double ce_scale, const double *sums, double dice_scale, int n, int k,
    long hw, int nthreads)
{
	ProbJob jb = { .p = p, .y = y, .weights = weights, .k = k, .hw = hw,
	    .ce = ce_scale };
	float *alpha = xcalloc((size_t)k * 2, sizeof *alpha), *beta = alpha + k;
	int np = sums != NULL ? dice_present(sums, k) : 0;
	GradJob g = { &jb, alpha, beta };

	/* L = 1 - (1/np) sum_c 2 I_c / (P_c + G_c): dL/dp_c at a pixel is
	 * -2/np (G_c' (P_c + G_c) - I_c) / (P_c + G_c)^2, G_c' its truth */
	for (int c = 1; c < k && np > 0; c++) {
		double den = sums[k + c] + sums[2 * k + c];

		if (!(sums[2 * k + c] > 0))
			continue;
		alpha[c] = (float)(-dice_scale * 2 / (np * den));
		beta[c] = (float)(dice_scale * 2 * sums[c] / (np * den * den));
	}
	par_run(nthreads, n, grad_task, &g);
	free(alpha);
}
