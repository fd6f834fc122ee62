/* fd.h — finite-difference gradient checks for the unit tests of the
 * layers and the U-Net. A check perturbs entries of one buffer by ±h,
 * recomputes the scalar loss and compares (L(+h) - L(-h)) / 2h with the
 * analytic gradient, relative to the gradient's scale. */
#ifndef IMATSEG_FD_H
#define IMATSEG_FD_H

#include <math.h>
#include <stdio.h>

#include "rng.h"
#include "tap.h"

typedef double FdLoss(void *ctx);

/* Checks up to `count` entries (all when len <= count) of p against g;
 * errors are relative to the largest |g| or `floor`, whichever is more
 * (a gradient that is zero in theory, as a bias before a batch norm,
 * meets float round-off in the numeric one). */
static inline void
fd_check(const char *what, FdLoss *loss, void *ctx, float *p, const float *g,
    long len, int count, double h, double tol, double floor)
{
	Rng r;
	double scale = floor, worst = 0;
	long worst_i = -1;
	double worst_a = 0, worst_n = 0;

	for (long i = 0; i < len; i++)
		if (fabs(g[i]) > scale)
			scale = fabs(g[i]);
	rng_seed(&r, 99);
	for (int k = 0; k < (len <= count ? len : count); k++) {
		long i = len <= count ? k : (long)rng_below(&r, (uint64_t)len);
		float keep = p[i];
		double lp, lm, num;

		p[i] = keep + (float)h;
		lp = loss(ctx);
		p[i] = keep - (float)h;
		lm = loss(ctx);
		p[i] = keep;
		num = (lp - lm) / (2 * h);
		double err = fabs(num - g[i]) / scale;
		if (err > worst) {
			worst = err;
			worst_i = i;
			worst_a = g[i];
			worst_n = num;
		}
	}
	if (!(worst <= tol)) {
		printf("#   %s: entry %ld analytic %.8g numeric %.8g "
		    "(relative error %.3g > %g)\n", what, worst_i, worst_a,
		    worst_n, worst, tol);
		tap_cur_failed = 1;
	}
}

static inline void
fill_normal(float *x, long n, Rng *r, double sd)
{
	for (long i = 0; i < n; i++)
		x[i] = (float)(sd * rng_normal(r));
}

/* sum r[i] * y[i] in double: a loss whose gradient is r. */
static inline double
dot(const float *r, const float *y, long n)
{
	double s = 0;

	for (long i = 0; i < n; i++)
		s += (double)r[i] * y[i];
	return s;
}

#endif
