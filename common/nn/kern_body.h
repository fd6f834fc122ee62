/* kern_body — the bodies of the kernels of kern.h, written once and
 * compiled once per instruction set: kern_scalar.c, kern_avx2.c and
 * kern_avx512.c define KSUF (the name suffix) and VL (floats per
 * vector) and include this file; the Makefile gives each its -m flags.
 * The kernels are written on GCC's vector type of VL floats
 * (kern_vec.h): 16 lanes are AVX-512 registers, 8 AVX2 ones, and one
 * lane is plain scalar code. Its parts: kern_vec.h (the type, loads,
 * lane shuffles), kern_wino2.h and kern_wino4.h (Winograd's row
 * transforms), kern_winow.h (its kernel transforms), and below the
 * batch norm read, the 1x1 convolution and the FMA loop. Included by
 * those three files only. */
#include <string.h>

#include "kern.h"

#define KCAT2(a, b) a##_##b
#define KCAT(a, b) KCAT2(a, b)
#define K(name) KCAT(name, KSUF)

#include "kern_vec.h"
#include "kern_wino2.h"
#include "kern_wino4.h"
#include "kern_winow.h"

static void
K(bnrelu)(float *restrict out, const float *restrict x, long n, float a,
    float b)
{
	const vf va = splat(a), vb = splat(b), zero = splat(0);
	long i = 0;

	/* v where v > 0, else +0 (NaN too, as the scalar tail has it) */
	for (; i + VL <= n; i += VL) {
		vf v = va * ld(x + i) + vb;
		vi pos = v > zero;

		st(out + i, (vf)((vi)v & pos));
	}
	for (; i < n; i++) {
		float v = a * x[i] + b;

		out[i] = v > 0 ? v : 0;
	}
}

/* Output channels per pass of conv1x1: accumulators enough to keep the
 * FMA units busy, few enough to stay in registers. */
#define C1_BLOCK (VL == 16 ? 24 : VL == 8 ? 12 : 8)

static inline float
c1_read(const float *scale, const float *shift, int c, float v)
{
	if (scale == NULL)
		return v;
	v = scale[c] * v + shift[c];
	return v > 0 ? v : 0;
}

/* One block of C1_BLOCK output channels over the n pixels: whole
 * vectors with the accumulators in registers, the few pixels past the
 * last one by plain loops. wb is the block's [ci][C1_BLOCK] weights. */
static void
c1_block(float *restrict out, long ldo, const float *restrict x, long ldx,
    long n, int ci, const float *restrict wb, int ob, const float *bias,
    const float *scale, const float *shift)
{
	const vf zero = splat(0);
	long i = 0;

	for (; i + VL <= n; i += VL) {
		vf acc[C1_BLOCK];

#pragma GCC unroll 24
		for (int k = 0; k < C1_BLOCK; k++)
			acc[k] = splat(bias != NULL ? bias[k] : 0);
		for (int c = 0; c < ci; c++) {
			vf v = ld(x + c * ldx + i);

			if (scale != NULL) {
				v = splat(scale[c]) * v + splat(shift[c]);
				v = (vf)((vi)v & (vi)(v > zero));
			}
#pragma GCC unroll 24
			for (int k = 0; k < C1_BLOCK; k++)
				acc[k] += wb[c * C1_BLOCK + k] * v;
		}
#pragma GCC unroll 24
		for (int k = 0; k < C1_BLOCK; k++)
			if (k < ob)
				st(out + k * ldo + i, acc[k]);
	}
	for (; i < n; i++)
		for (int k = 0; k < ob; k++) {
			float acc = bias != NULL ? bias[k] : 0;

			for (int c = 0; c < ci; c++)
				acc += wb[c * C1_BLOCK + k] *
				    c1_read(scale, shift, c, x[c * ldx + i]);
			out[k * ldo + i] = acc;
		}
}

/* out[o][i] = bias[o] + sum over c of w[o][c] * f_c(x[c][i]) for the
 * n pixels i of rows ldx (x) and ldo (out) apart, o < co: a 1x1
 * convolution, vectorised over pixels and blocked over output channels.
 * f_c is max(0, scale[c]*v + shift[c]), or v without scale. w holds
 * the blocks of C1_BLOCK output channels one after the other, each as
 * [ci][C1_BLOCK], zeros past co; bias (or NULL) C1_BLOCK per block. */
static void
K(conv1x1)(float *out, long ldo, const float *x, long ldx, long n, int ci,
    const float *w, int co, const float *bias, const float *scale,
    const float *shift)
{
	for (int o0 = 0; o0 < co; o0 += C1_BLOCK)
		c1_block(out + o0 * ldo, ldo, x, ldx, n, ci, w + (long)o0 * ci,
		    co - o0 < C1_BLOCK ? co - o0 : C1_BLOCK,
		    bias != NULL ? bias + o0 : NULL, scale, shift);
}

/* n rounds of 12 independent multiply-adds on whole vectors: the peak
 * the reports measure shares against. The sum goes to *sink so that
 * the work is kept. */
static void
K(fma_loop)(long n, float *sink)
{
	vf a[12], m = splat(0.999999f), c = splat(1e-6f);
	float s = 0;

	for (int i = 0; i < 12; i++)
		a[i] = c * (float)i;
	for (long k = 0; k < n; k++) {
#pragma GCC unroll 12
		for (int i = 0; i < 12; i++)
			a[i] = a[i] * m + c;
	}
	for (int i = 0; i < 12; i++)
		for (int l = 0; l < VL; l++)
			s += a[i][l];
	*sink = s;
}

const Kern K(kern) = {
	KNAME, VL, 24L * VL,
	{ 2, K(wino2_in), K(wino2_out), K(wino2_dy) },
	{ 4, K(wino4_in), K(wino4_out), K(wino4_dy) },
	K(wino_weights), K(wino_unweights),
	K(bnrelu), C1_BLOCK, K(conv1x1), K(fma_loop),
};
