#include "layers.h"

#include <math.h>

#include "par.h"

/* Two passes per channel: the variance of a convolution output with a
 * large mean loses every digit to E[x^2] - E[x]^2. The mean is rounded
 * to float for the second pass, as the normalisation uses it. */
static void
channel_moments(const float *z, int n, int c, long hw, int ch, double *mean,
    double *var)
{
	double s = 0, q = 0;
	long cnt = (long)n * hw;

	for (int i = 0; i < n; i++)
		s += fsum(z + ((long)i * c + ch) * hw, hw);
	float m = (float)(s / cnt);
	for (int i = 0; i < n; i++)
		q += fsum_sq(z + ((long)i * c + ch) * hw, hw, m);
	*mean = m;
	*var = q / cnt;
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
} BnJob;

static void
bn_train_task(void *ctx, int ch, int thread)
{
	BnJob *j = ctx;
	long cnt = (long)j->n * j->hw;
	double m, v;

	(void)thread;
	channel_moments(j->z, j->n, j->c, j->hw, ch, &m, &v);
	j->mean[ch] = (float)m;
	j->invstd[ch] = (float)(1 / sqrt(v + BN_EPS));
	j->scale[ch] = j->gamma[ch] * j->invstd[ch];
	j->shift[ch] = j->beta[ch] - j->mean[ch] * j->scale[ch];
	j->rmean[ch] = (1 - BN_MOMENTUM) * j->rmean[ch] + BN_MOMENTUM * (float)m;
	j->rvar[ch] = (1 - BN_MOMENTUM) * j->rvar[ch] + BN_MOMENTUM *
	    (float)(cnt > 1 ? v * cnt / (cnt - 1) : v);
}

void
bn_train(const float *z, int n, int c, long hw, const float *gamma,
    const float *beta, float *rmean, float *rvar, float *mean, float *invstd,
    float *scale, float *shift, int nthreads)
{
	BnJob j = { z, n, c, hw, gamma, beta, rmean, rvar, mean, invstd, scale,
	    shift, NULL, NULL, NULL, NULL, NULL, NULL, NULL };

	par_run(nthreads, c, bn_train_task, &j);
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

static void
bnrelu_backward_task(void *ctx, int ch, int thread)
{
	BnJob *j = ctx;
	int n = j->n, c = j->c;
	long hw = j->hw;
	double cnt = (double)n * hw;
	float a = j->cscale[ch], b = j->cshift[ch], mu = j->cmean[ch];
	float is = j->cinvstd[ch];
	double sg = 0, sgx = 0;

	(void)thread;
	for (int i = 0; i < n; i++)
		gate_sums(j->d + ((long)i * c + ch) * hw,
		    j->z + ((long)i * c + ch) * hw, hw, a, b, mu, &sg, &sgx);
	sgx *= is;
	j->dbeta[ch] += (float)sg;
	j->dgamma[ch] += (float)sgx;
	float k1 = (float)(sg / cnt), k2 = (float)(sgx / cnt);
	for (int i = 0; i < n; i++) {
		float *dp = j->d + ((long)i * c + ch) * hw;
		const float *zp = j->z + ((long)i * c + ch) * hw;

		for (long k = 0; k < hw; k++)
			dp[k] = a * (dp[k] - k1 - (zp[k] - mu) * is * k2);
	}
}

void
bnrelu_backward(float *d, const float *z, int n, int c, long hw,
    const float *mean, const float *invstd, const float *scale,
    const float *shift, float *dgamma, float *dbeta, int nthreads)
{
	BnJob j = { z, n, c, hw, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	    NULL, d, dgamma, dbeta, mean, invstd, scale, shift };

	par_run(nthreads, c, bnrelu_backward_task, &j);
}
