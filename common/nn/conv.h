/* conv — the convolutions of the U-Net on NCHW activations:
 * 3x3 (padding 1) as im2col + GEMM over bands of rows, 2x2 stride-2
 * transposed, and 1x1. Forward functions overwrite their output; backward
 * functions add into the weight and bias gradients and overwrite the input
 * gradient (a NULL Dsts skips it).
 *
 * Work says how: the GEMM kernel, the thread count, and scratch memory the
 * caller sized with the *_scratch functions (nbuf floats per thread) and
 * for partial weight gradients (npart floats, the largest weight plus
 * bias, per slot: nthreads * CONV_SLOTS of them). Forward work is split
 * by (image, band), backward work by slots of images, each adding into
 * its own partial; the partials are summed in slot order, so results
 * depend on the thread count only, not on which thread ran what. */
#ifndef IMATSEG_CONV_H
#define IMATSEG_CONV_H

#include <stddef.h>

#include "gemm.h"
#include "tensor.h"

/* Slots per thread: more than one, so that a thread held up by other
 * load leaves work to the rest. */
enum { CONV_SLOTS = 2 };

typedef struct {
	GemmFn *gemm;
	int nthreads;
	float *buf;	/* nthreads scratch areas of nbuf floats */
	size_t nbuf;
	float *part;	/* nthreads*CONV_SLOTS partials of npart floats */
	size_t npart;
} Work;

size_t conv3_scratch(int ci, int co, int h, int w);
size_t upconv_scratch(int ci, int co, int h, int w);
size_t conv1_scratch(int ci, int h, int w);

/* z[n][co][h][w] = bias + sum over ci, 3x3 of w[co][ci][3][3] * in.
 * z is contiguous (image stride co*h*w). */
void conv3_forward(float *z, const Srcs *in, const float *wt, const float *b,
    int n, int co, int h, int w, Work *wk);
void conv3_backward(const Dsts *din, float *dwt, float *db, const float *dz,
    const Srcs *in, const float *wt, int n, int co, int h, int w, Work *wk);

/* In the two below, an input gradient is a single group (din->np == 1).
 * Transposed 2x2 stride 2: in [n][ci][h][w] -> out [n][co][2h][2w],
 * wt[ci][co][2][2] (PyTorch's ConvTranspose2d layout), out contiguous. */
void upconv_forward(float *out, const Src *in, const float *wt,
    const float *b, int n, int co, int h, int w, Work *wk);
void upconv_backward(const Dsts *din, float *dwt, float *db, const float *dout,
    const Src *in, const float *wt, int n, int co, int h, int w, Work *wk);

/* 1x1: out[n][co][h][w] = wt[co][ci] * in + b, out contiguous. */
void conv1_forward(float *out, const Src *in, const float *wt, const float *b,
    int n, int co, int h, int w, Work *wk);
void conv1_backward(const Dsts *din, float *dwt, float *db, const float *dout,
    const Src *in, const float *wt, int n, int co, int h, int w, Work *wk);

#endif
