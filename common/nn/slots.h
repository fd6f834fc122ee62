/* slots — how a convolution's work is shared among threads (par.h):
 * each thread has its own scratch area in Work.buf, and a backward pass
 * cuts the batch into slots of consecutive images, each slot adding its
 * weight gradient into its own partial in Work.part. The slots, not the
 * threads, fix the order of the sums: results depend on the thread
 * count only, never on which thread ran what. Internal to nn/. */
#ifndef IMATSEG_SLOTS_H
#define IMATSEG_SLOTS_H

#include <stddef.h>

#include "conv.h"
#include "par.h"

float *work_scratch(const Work *wk, int thread);
float *work_part(const Work *wk, int slot);
/* par_run on the Work's team, or on wk->nthreads new threads without. */
void work_run(const Work *wk, int ntasks, ParFn *fn, void *ctx);

/* Cuts the n images into slots (nthreads * CONV_SLOTS at most) and runs
 * fn on each slot's images img0..img1-1 with the slot's partial, its
 * nw + nb floats zeroed; then adds the partials, nw weights and nb
 * biases each, into dwt and db in slot order. */
typedef void SlotFn(void *ctx, int img0, int img1, int thread, float *part);
void slots_weights(Work *wk, int n, SlotFn *fn, void *ctx, float *dwt,
    size_t nw, float *db, size_t nb);

/* A backward pass band by band: with a weight gradient (dwt not NULL)
 * in slots of images, each image's bands in turn adding into the slot's
 * partial, the partials then added as slots_weights does; without one,
 * every (image, band) its own task with a NULL partial, which the
 * BandFn takes to mean the input gradient only. */
typedef void BandFn(void *ctx, int img, int band, int thread, float *part);
void slots_bands(Work *wk, int n, int nbands, BandFn *fn, void *ctx,
    float *dwt, size_t nw, float *db, size_t nb);

/* db[c] += the sum of d[c*ld .. c*ld+len) for c < co. */
void conv_bias_grad(float *db, const float *d, int co, long len, long ld);

#endif
