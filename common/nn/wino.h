/* wino — 3x3 convolutions (padding 1) by Winograd's F(m x m, 3x3), m 2
 * or 4: each m x m block of outputs comes from its (m+2) x (m+2) input
 * patch with (m+2)^2 multiplications per pair of channels instead of
 * 9m^2 (16 for 36, or 36 for 144). The batch's tiles are taken a chunk
 * of tile rows at a time, small enough to stay near the core: the input
 * transform (reading through the lazy batch norm + ReLU of tensor.h),
 * (m+2)^2 GEMMs of the chunk's tiles (the element-wise stage,
 * Work.gemm), the output transform (adding the bias). The row kernels
 * are Work.kern's. Scratch: wino_scratch floats per thread, wino_shared
 * in Work.wbuf (the transformed weights, or in a weight gradient each
 * thread's sum of their gradient); a partial of the weight gradient has
 * the weights' shape. Internal to nn/: conv.c chooses. */
#ifndef IMATSEG_WINO_H
#define IMATSEG_WINO_H

#include <stddef.h>

#include "conv.h"

/* For the F(m x m, 3x3) convolution from ci to co channels and (grad)
 * its weight gradient on nthreads threads. */
size_t wino_scratch(int m, int ci, int co, int h, int w);
size_t wino_shared(int m, int ci, int co, int nthreads, int grad);

/* out[n][co][h][w] = b + the 3x3 convolution of in with wt[co][ci][3][3]
 * (b NULL: no bias). With flip, wt is the weight [ci][co][3][3] of the
 * layer whose input gradient this is: in is dL/dz (ci = the layer's
 * outputs), out dL/d(input), the kernel transposed and flipped. */
void wino_conv(const Dsts *out, const float *b, const Srcs *in,
    const float *wt, int flip, int m, int n, int co, int h, int w,
    Work *wk);

/* dwt[co][ci][3][3] and db[co] += the weight and bias gradients for
 * dz[n][co][h][w] (contiguous) and the layer's input in. */
void wino_weight_grad(float *dwt, float *db, const float *dz, const Srcs *in,
    int m, int n, int co, int h, int w, Work *wk);

#endif
