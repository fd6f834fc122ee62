#include "layers.h"

#include <math.h>

/* Two passes per channel, in double: the variance of a convolution
 * output with a large mean loses every digit to E[x^2] - E[x]^2. */
static void
channel_moments(const float *z, int n, int c, long hw, int ch, double *mean,
    double *var)
{
	double s = 0, q = 0, m;
	long cnt = (long)n * hw;

	for (int i = 0; i < n; i++) {
		const float *p = z + ((long)i * c + ch) * hw;

		for (long j = 0; j < hw; j++)
			s += p[j];
	}
	m = s / cnt;
	for (int i = 0; i < n; i++) {
		const float *p = z + ((long)i * c + ch) * hw;

		for (long j = 0; j < hw; j++)
			q += (p[j] - m) * (p[j] - m);
	}
	*mean = m;
	*var = q / cnt;
}

void
bn_train(const float *z, int n, int c, long hw, const float *gamma,
    const float *beta, float *rmean, float *rvar, float *mean, float *invstd,
    float *scale, float *shift)
{
	long cnt = (long)n * hw;

	for (int ch = 0; ch < c; ch++) {
		double m, v;

		channel_moments(z, n, c, hw, ch, &m, &v);
		mean[ch] = (float)m;
		invstd[ch] = (float)(1 / sqrt(v + BN_EPS));
		scale[ch] = gamma[ch] * invstd[ch];
		shift[ch] = beta[ch] - mean[ch] * scale[ch];
		rmean[ch] = (1 - BN_MOMENTUM) * rmean[ch] +
		    BN_MOMENTUM * (float)m;
		rvar[ch] = (1 - BN_MOMENTUM) * rvar[ch] + BN_MOMENTUM *
		    (float)(cnt > 1 ? v * cnt / (cnt - 1) : v);
	}
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

void
bnrelu_backward(float *d, const float *z, int n, int c, long hw,
    const float *mean, const float *invstd, const float *scale,
    const float *shift, float *dgamma, float *dbeta)
{
	double cnt = (double)n * hw;

	for (int ch = 0; ch < c; ch++) {
		float a = scale[ch], b = shift[ch], mu = mean[ch];
		float is = invstd[ch];
		double sg = 0, sgx = 0;

		for (int i = 0; i < n; i++) {
			float *dp = d + ((long)i * c + ch) * hw;
			const float *zp = z + ((long)i * c + ch) * hw;

			for (long j = 0; j < hw; j++) {
				float g = a * zp[j] + b > 0 ? dp[j] : 0;

				dp[j] = g;
				sg += g;
				sgx += g * (zp[j] - mu) * is;
			}
		}
		dbeta[ch] += (float)sg;
		dgamma[ch] += (float)sgx;
		float k1 = (float)(sg / cnt), k2 = (float)(sgx / cnt);
		for (int i = 0; i < n; i++) {
			float *dp = d + ((long)i * c + ch) * hw;
			const float *zp = z + ((long)i * c + ch) * hw;

			for (long j = 0; j < hw; j++)
				dp[j] = a * (dp[j] - k1 - (zp[j] - mu) * is * k2);
		}
	}
}
