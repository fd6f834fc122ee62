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

float *work_scratch(const Work *wk, int thread);
float *work_part(const Work *wk, int slot);

/* Runs fn for every image of every slot, slot s adding into partial s
 * (its first len floats zeroed before); returns the slot count. */
typedef void ImageFn(void *ctx, int img, int thread, float *part);
int slots_run(Work *wk, int n, size_t len, ImageFn *fn, void *ctx);

/* dst[0..len) += partials from..ns-1, in slot order. */
void slots_sum(const Work *wk, int from, int ns, float *dst, size_t len);

/* db[c] += the sum of d[c*ld .. c*ld+len) for c < co. */
void conv_bias_grad(float *db, const float *d, int co, long len, long ld);

#endif
