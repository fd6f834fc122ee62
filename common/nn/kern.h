/* kern — the engine's inner loops for one instruction set. The same
 * source (kern_body.h) is built three times, each with its own -m
 * flags (Makefile): plain C without vector instructions (scalar), AVX2
 * with FMA (avx2), AVX-512 (avx512). kern_pick chooses at run time:
 * what IMATSEG_ISA names, refused when this CPU lacks it, or else the
 * widest the CPU runs. The tables are constant: nothing to free.
 *
 * The Winograd kernels work on one row of tiles (wino.c drives them);
 * their values for tile t live at t of P arrays ldv or ldm apart, one
 * per element of the transform. */
#ifndef IMATSEG_KERN_H
#define IMATSEG_KERN_H

#include "err.h"

/* The row kernels of one Winograd variant F(m x m, 3x3): tiles of m x m
 * outputs from (m+2) x (m+2) input patches, P = (m+2)^2 values each. */
typedef struct {
	int m;
	/* V = B^T d B: pad is m+2 zero-padded input rows ldp apart */
	void (*in)(float *v, long ldv, const float *pad, long ldp, int tw);
	/* Y = A^T M A + bias into rows (1..m) output rows ldy apart */
	void (*out)(float *y, long ldy, int rows, const float *m, long ldm,
	    int tw, int w, float bias);
	/* A dY A^T: pad is m output-gradient rows ldp apart, zero padded */
	void (*dy)(float *v, long ldv, const float *pad, long ldp, int tw);
} WinoKern;

typedef struct {
	const char *name;	/* scalar, avx2, avx512 */
	int lanes;		/* floats per vector */
	long fma_flops;		/* floating-point operations per fma_loop round */
	WinoKern f2, f4;	/* F(2x2,3x3), F(4x4,3x3) */
	/* U = G g G^T of n kernels gs floats apart (reversed with flip)
	 * into u[p*ldu + k], p < a*a, for patches a x a (m + 2) */
	void (*wino_weights)(int a, float *u, long ldu, const float *g,
	    long gs, int n, int flip);
	/* dg[9k..] += G^T dU G of n kernels, dU at du[p*ldu + k] */
	void (*wino_unweights)(int a, float *dg, const float *du, long ldu,
	    int n);
	/* out[i] = max(0, a*x[i] + b): a lazy batch norm + ReLU read */
	void (*bnrelu)(float *out, const float *x, long n, float a, float b);
	/* a 1x1 convolution of n pixels from ci to co channels, reading
	 * through a batch norm + ReLU (scale, shift; NULL: plain); w in
	 * blocks of c1_block output channels, each [ci][c1_block], and bias
	 * (or NULL), both with zeros past co */
	int c1_block;
	void (*conv1x1)(float *out, long ldo, const float *x, long ldx,
	    long n, int ci, const float *w, int co, const float *bias,
	    const float *scale, const float *shift);
	/* n rounds of independent multiply-adds: the peak to compare with */
	void (*fma_loop)(long n, float *sink);
} Kern;

extern const Kern kern_scalar, kern_avx2, kern_avx512;

/* The kernels IMATSEG_ISA asks for (scalar, avx2, avx512), or the
 * widest this CPU runs when it is unset or empty. -1 with a message
 * naming the variable when it names no ISA or one the CPU lacks. */
int kern_pick(const Kern **k, Err *e);
/* Whether this CPU runs the kernels k. */
int kern_runs(const Kern *k);

#endif
