/* kern — the engine's inner loops for one instruction set. The same
 * source (kern_body.h) is built three times, each with its own -m
 * flags (Makefile): plain C without vector instructions (scalar), AVX2
 * with FMA (avx2), AVX-512 (avx512). kern_pick chooses at run time:
 * what IMATSEG_ISA names, refused when this CPU lacks it, or else the
 * widest the CPU runs. The tables are constant: nothing to free.
 *
 * The Winograd kernels work on one row of tiles of F(2x2,3x3) (wino.c
 * drives them); their values for tile t live at t of 16 arrays ldv or
 * ldm apart, one per element of the 4x4 transform. */
#ifndef IMATSEG_KERN_H
#define IMATSEG_KERN_H

#include "err.h"

typedef struct {
	const char *name;	/* scalar, avx2, avx512 */
	int lanes;		/* floats per vector */
	long fma_flops;		/* floating-point operations per fma_loop round */
	/* V = B^T d B: pad is 4 zero-padded input rows ldp apart */
	void (*wino_in)(float *v, long ldv, const float *pad, long ldp,
	    int tw);
	/* Y = A^T M A + bias into rows (1 or 2) output rows ldy apart */
	void (*wino_out)(float *y, long ldy, int rows, const float *m,
	    long ldm, int tw, int w, float bias);
	/* A dY A^T: pad is 2 output-gradient rows ldp apart, zero padded */
	void (*wino_dy)(float *v, long ldv, const float *pad, long ldp,
	    int tw);
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
