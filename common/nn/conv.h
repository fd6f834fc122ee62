/* conv — the convolutions of the U-Net on NCHW activations:
 * 3x3 (padding 1) by Winograd's F(2x2,3x3) or F(4x4,3x3) (wino.c) or as
 * im2col + GEMM over bands of rows, 2x2 stride-2 transposed, and 1x1. Forward
 * functions overwrite their output; backward functions add into the
 * weight and bias gradients and overwrite the input gradient (a NULL
 * Dsts skips it, and so does a NULL weight gradient its part).
 *
 * Work says how: the GEMM kernel, the instruction set's kernels, the
 * algorithm of the 3x3 layers, the threads (a count, and the team that
 * keeps them if the caller made one), and scratch memory the
 * caller sized with the *_scratch functions (nbuf floats per thread),
 * conv3_shared (nwbuf floats, shared) and for partial weight gradients
 * (npart floats, the largest of conv3_part, upconv_part and conv1_part,
 * per slot: nthreads * CONV_SLOTS of them). Forward work is split
 * by (image, band) or chunks of tiles, backward work by slots of images,
 * each adding into its own partial; the partials are summed in slot
 * order, so results depend on the thread count only, not on which
 * thread ran what. */
#ifndef IMATSEG_CONV_H
#define IMATSEG_CONV_H

#include <stddef.h>

#include "err.h"
#include "gemm.h"
#include "kern.h"
#include "par.h"
#include "tensor.h"

/* Slots per thread: more than one, so that a thread held up by other
 * load leaves work to the rest. */
enum { CONV_SLOTS = 2 };

/* How a 3x3 convolution is computed: im2col + GEMM, Winograd's
 * F(2x2,3x3) or F(4x4,3x3). CONV_AUTO lets conv3_algo choose per layer;
 * IMATSEG_CONV can force im2col or F(2x2,3x3) on every layer. F(4x4,3x3)
 * rounds off about ten times as much as the others (still a few parts
 * in a million of a layer's output): the per-layer choice takes it for
 * inference on planes of 32x32 and more only, where it pays, and never
 * for training (Work.train), where Adam's steps amplify it: forced on
 * every layer of the cross-check's 16x16 network, one of five steps
 * moves a bias whose gradient is pure round-off (zero before a batch
 * norm) beyond tests/ref/unet.py's tolerance, and so do five steps of
 * soft Dice at 32x32 with it on the first level alone. So it is not
 * offered to force. */
typedef enum {
	CONV_AUTO, CONV_IM2COL, CONV_WINOGRAD, CONV_WINOGRAD4
} ConvAlgo;

typedef struct {
	GemmFn *gemm;
	int nthreads;
	float *buf;	/* nthreads scratch areas of nbuf floats */
	size_t nbuf;
	float *part;	/* nthreads*CONV_SLOTS partials of npart floats */
	size_t npart;
	const Kern *kern;	/* the instruction set's kernels */
	ConvAlgo conv;
	float *wbuf;	/* nwbuf floats: transformed weights */
	size_t nwbuf;
	ParTeam *team;	/* nthreads kept threads, or NULL: new ones per call */
	int train;	/* a training pass (conv3_algo): F(2x2,3x3) only */
} Work;

/* The kernels and the algorithm the environment asks for (IMATSEG_ISA,
 * see kern.h; IMATSEG_CONV=im2col, winograd, or unset or empty for the
 * per-layer choice); -1 with a message naming the variable when it
 * cannot be had. */
int work_pick(Work *wk, Err *e);
/* The algorithm a 3x3 convolution from ci to co channels on h x w
 * planes runs with; its input gradient is the convolution from co to
 * ci. */
ConvAlgo conv3_algo(const Work *wk, int ci, int co, int h, int w);
const char *conv_algo_name(ConvAlgo a);

/* The 3x3 convolution's scratch and shared floats depend on the
 * algorithms and the thread count wk has for it, the shared ones also on
 * whether a backward pass (train) will run. */
size_t conv3_scratch(const Work *wk, int ci, int co, int h, int w);
size_t conv3_shared(const Work *wk, int ci, int co, int h, int w,
    int train);
size_t conv3_part(int ci, int co);
size_t upconv_scratch(int ci, int co, int h, int w);
size_t upconv_shared(const Work *wk, int ci, int co);
size_t upconv_part(int ci, int co);
size_t conv1_scratch(int ci, int h, int w);
size_t conv1_shared(const Work *wk, int ci, int co);
size_t conv1_part(int ci, int co);

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
