/* kern_body — the bodies of the kernels of kern.h, written once and
 * compiled once per instruction set: kern_scalar.c, kern_avx2.c and
 * kern_avx512.c define KSUF (the name suffix) and VL (floats per
 * vector) and include this file; the Makefile gives each its -m flags.
 * The loops run along a row of tiles or pixels with unit or stride-2
 * steps, written so that GCC vectorises them for the flags at hand (and
 * leaves them scalar in kern_scalar.c, built without vectorisation).
 * Included by those three files only. */
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
	K(bnrelu), K(fma_loop),
};
