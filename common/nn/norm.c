#include "layers.h"

#include <math.h>
#include <stdlib.h>

#include "par.h"
#include "xalloc.h"

/* Channel ch of z summed image by image, and its squared deviations
 * from m. */
static double
channel_sum(const float *z, int n, int c, long hw, int ch)
{
	double s = 0;

	for (int i = 0; i < n; i++)
		s += fsum(z + ((long)i * c + ch) * hw, hw);
	return s;
}

static double
channel_sq(const float *z, int n, int c, long hw, int ch, float m)
{
	double q = 0;

	for (int i = 0; i < n; i++)
		q += fsum_sq(z + ((long)i * c + ch) * hw, hw, m);
	return q;
}

/* Two passes per channel: the variance of a convolution output with a
 * large mean loses every digit to E[x^2] - E[x]^2. The mean is rounded
 * to float for the second pass, as the normalisation uses it. */
static void
channel_moments(const float *z, int n, int c, long hw, int ch, double *mean,
    double *var)
{
	long cnt = (long)n * hw;
	float m = (float)(channel_sum(z, n, c, hw, ch) / cnt);

	*mean = m;
	*var = channel_sq(z, n, c, hw, ch, m) / cnt;
}

/* The ReLU's gate applied to d in place, and the sums of the gated
 * gradient and of it times (z - mu), in float lanes as fsum. */
static void
gate_sums(float *d, const float *z, long n, float a, float b, float mu,
    double *sg, double *sgx)
{
	for (long k = 0; k < n;) {
		float l1[16] = { 0 }, l2[16] = { 0 };
		long end = k + 1024 < n ? k + 1024 : n;

		for (; k + 16 <= end; k += 16)
			for (int q = 0; q < 16; q++) {
				float g = a * z[k + q] + b > 0 ? d[k + q] : 0;

				d[k + q] = g;
				l1[q] += g;
				l2[q] += g * (z[k + q] - mu);
			}
		for (; k < end; k++) {
			float g = a * z[k] + b > 0 ? d[k] : 0;

			d[k] = g;
			l1[0] += g;
			l2[0] += g * (z[k] - mu);
		}
		for (int q = 0; q < 16; q++) {
			*sg += l1[q];
			*sgx += l2[q];
		}
	}
}

typedef struct {
	const float *z;
	int n, c;
	long hw;
	const float *gamma, *beta;
	float *rmean, *rvar, *mean, *invstd, *scale, *shift;
	float *d, *dgamma, *dbeta;
	const float *cmean, *cinvstd, *cscale, *cshift;	/* backward's */
	double *acc;	/* across processes: per-channel sums, then counts */
} BnJob;

/* The statistics of channel ch from its mean and variance over cnt
 * values. */
static void
bn_finish(BnJob *j, int ch, double m, double v, double cnt)
{
	j->mean[ch] = (float)m;
	j->invstd[ch] = (float)(1 / sqrt(v + BN_EPS));
	j->scale[ch] = j->gamma[ch] * j->invstd[ch];
	j->shift[ch] = j->beta[ch] - j->mean[ch] * j->scale[ch];
	j->rmean[ch] = (1 - BN_MOMENTUM) * j->rmean[ch] + BN_MOMENTUM * (float)m;
	j->rvar[ch] = (1 - BN_MOMENTUM) * j->rvar[ch] + BN_MOMENTUM *
	    (float)(cnt > 1 ? v * cnt / (cnt - 1) : v);
}

static void
bn_train_task(void *ctx, int ch, int thread)
{
	BnJob *j = ctx;
	double m, v;

	(void)thread;
	channel_moments(j->z, j->n, j->c, j->hw, ch, &m, &v);
	bn_finish(j, ch, m, v, (double)j->n * j->hw);
}

void
bn_train(const float *z, int n, int c, long hw, const float *gamma,
    const float *beta, float *rmean, float *rvar, float *mean, float *invstd,
    float *scale, float *shift, int nthreads)
{
	BnJob j = { z, n, c, hw, gamma, beta, rmean, rvar, mean, invstd, scale,
	    shift, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL };

	par_run(nthreads, c, bn_train_task, &j);
}

static void
sum_task(void *ctx, int ch, int thread)
{
	BnJob *j = ctx;

	(void)thread;
	j->acc[ch] = channel_sum(j->z, j->n, j->c, j->hw, ch);
}

static void
sq_task(void *ctx, int ch, int thread)
{
	BnJob *j = ctx;

	(void)thread;
	j->acc[ch] = channel_sq(j->z, j->n, j->c, j->hw, ch, j->mean[ch]);
}

/* channel_moments in two halves, each ending in a sum across: the
 * sums (and the count) first, then the squared deviations from the
 * whole batch's mean. */
void
bn_train_across(const float *z, int n, int c, long hw, const float *gamma,
    const float *beta, float *rmean, float *rvar, float *mean, float *invstd,
    float *scale, float *shift, const SumAcross *s, int nthreads)
{
	BnJob j = { z, n, c, hw, gamma, beta, rmean, rvar, mean, invstd, scale,
	    shift, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL };
	double cnt;

	j.acc = xmallocarray((size_t)c + 1, sizeof *j.acc);
	par_run(nthreads, c, sum_task, &j);
	j.acc[c] = (double)n * hw;
	s->fn(s->arg, j.acc, c + 1);
	cnt = j.acc[c];
	for (int ch = 0; ch < c; ch++)
		mean[ch] = (float)(j.acc[ch] / cnt);
	par_run(nthreads, c, sq_task, &j);
	s->fn(s->arg, j.acc, c);
	for (int ch = 0; ch < c; ch++)
		bn_finish(&j, ch, mean[ch], j.acc[ch] / cnt, cnt);
	free(j.acc);
}

void
bn_eval(int c, const float *gamma, const float *beta, const float *rmean,
    const float *rvar, float *scale, float *shift)
{
	for (int ch = 0; ch < c; ch++) {
		scale[ch] = gamma[ch] / sqrtf(rvar[ch] + BN_EPS);
		shift[ch] = beta[ch] - rmean[ch] * scale[ch];
	}
}

/* The gate of channel ch applied to d, and its sums: *sg of the gated
 * gradient, *sgx of it times the normalised z. */
static void
channel_gate(BnJob *j, int ch, double *sg, double *sgx)
{
	int n = j->n, c = j->c;
	long hw = j->hw;
	float a = j->cscale[ch], b = j->cshift[ch], mu = j->cmean[ch];

	*sg = *sgx = 0;
	for (int i = 0; i < n; i++)
		gate_sums(j->d + ((long)i * c + ch) * hw,
		    j->z + ((long)i * c + ch) * hw, hw, a, b, mu, sg, sgx);
	*sgx *= j->cinvstd[ch];
}

/* dL/dz of channel ch from the gated gradient and the batch's mean sums
 * k1 of it and k2 of it times the normalised z. */
static void
channel_apply(BnJob *j, int ch, float k1, float k2)
{
	int n = j->n, c = j->c;
	long hw = j->hw;
	float a = j->cscale[ch], mu = j->cmean[ch], is = j->cinvstd[ch];

	for (int i = 0; i < n; i++) {
		float *dp = j->d + ((long)i * c + ch) * hw;
		const float *zp = j->z + ((long)i * c + ch) * hw;

		for (long k = 0; k < hw; k++)
			dp[k] = a * (dp[k] - k1 - (zp[k] - mu) * is * k2);
	}
}

static void
bnrelu_backward_task(void *ctx, int ch, int thread)
{
	BnJob *j = ctx;
	double cnt = (double)j->n * j->hw, sg, sgx;

	(void)thread;
	channel_gate(j, ch, &sg, &sgx);
	j->dbeta[ch] += (float)sg;
	j->dgamma[ch] += (float)sgx;
	channel_apply(j, ch, (float)(sg / cnt), (float)(sgx / cnt));
}

void
bnrelu_backward(float *d, const float *z, int n, int c, long hw,
    const float *mean, const float *invstd, const float *scale,
    const float *shift, float *dgamma, float *dbeta, int nthreads)
{
	BnJob j = { z, n, c, hw, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	    NULL, d, dgamma, dbeta, mean, invstd, scale, shift, NULL };

	par_run(nthreads, c, bnrelu_backward_task, &j);
}

static void
gate_task(void *ctx, int ch, int thread)
{
	BnJob *j = ctx;
	double *sg = j->acc + ch, *sgx = j->acc + j->c + ch;

	(void)thread;
	channel_gate(j, ch, sg, sgx);
	j->dbeta[ch] += (float)*sg;
	j->dgamma[ch] += (float)*sgx;
}

static void
apply_task(void *ctx, int ch, int thread)
{
	BnJob *j = ctx;
	double cnt = j->acc[2 * j->c];

	(void)thread;
	channel_apply(j, ch, (float)(j->acc[ch] / cnt),
	    (float)(j->acc[j->c + ch] / cnt));
}

/* bnrelu_backward_task in two halves with the sum across between:
 * acc = [sums of the gated gradient][sums of it times the normalised z]
 * [count]. */
void
bnrelu_backward_across(float *d, const float *z, int n, int c, long hw,
    const float *mean, const float *invstd, const float *scale,
    const float *shift, float *dgamma, float *dbeta, const SumAcross *s,
    int nthreads)
{
	BnJob j = { z, n, c, hw, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	    NULL, d, dgamma, dbeta, mean, invstd, scale, shift, NULL };

	j.acc = xmallocarray(2 * (size_t)c + 1, sizeof *j.acc);
	par_run(nthreads, c, gate_task, &j);
	j.acc[2 * c] = (double)n * hw;
	s->fn(s->arg, j.acc, 2 * c + 1);
	par_run(nthreads, c, apply_task, &j);
	free(j.acc);
}
