/* infer — from photos to label masks with a trained U-Net: the input
 * tensor of a photo resized to the network's size, the argmax labels of a
 * batch, the training size a model records, and colour overlays for
 * people to look at. Predictions return to a photo's own size by a
 * nearest-neighbour resize of the label map (mask_resize_nearest), so no
 * label is invented and memory stays one byte per output pixel, whatever
 * the number of classes. The steps of one photo (infer_prepare, then
 * infer_labels on a batch, then infer_upsample and the PNGs) are the one
 * pipeline of unet-infer and unet-serve, so both give the same bytes.
 * Buffers returned are malloc'd, owned by the caller. */
#ifndef IMATSEG_INFER_H
#define IMATSEG_INFER_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "unet.h"

/* A photo: the file `name`, or the len bytes at buf (not NULL) called
 * `name` in messages. Borrowed. */
typedef struct {
	const char *name;
	const void *buf;
	size_t len;
} InferPhoto;

/* The header of p checked against max_pixels (before decoding: a
 * decompression bomb never allocates its size), the photo decoded as the
 * s x s square (stretched, or letterboxed as mkshards --letterbox does)
 * and normalised into x[3][s][s]; its own size in *h, *w. Returns 0, -1
 * when it cannot be read or decoded, PHOTO_TOO_BIG (image.h). */
int infer_prepare(const InferPhoto *p, int s, int letterbox,
    uint64_t max_pixels, float *x, int *h, int *w, Err *e);

/* The label mask at the photo's size (h x w) from the network's s x s
 * labels of its square, by nearest neighbour. */
uint8_t *infer_upsample(const uint8_t *labels, int s, int letterbox, int h,
    int w);

/* The label mask as imatseg-mask(5) PNG bytes. */
int infer_mask_png(const uint8_t *mask, int h, int w, void **png,
    size_t *len, Err *e);

/* The overlay as RGB PNG bytes: p decoded at its own size (h x w), each
 * pixel of a category blended half and half with its colour. */
int infer_overlay_png(const InferPhoto *p, const uint8_t *mask, int h,
    int w, void **png, size_t *len, Err *e);

/* x[3][s][s] normalised as augment.h says, from interleaved RGB bytes. */
void infer_input(const uint8_t *rgb, int s, float *x);

/* l[hw] = index of the largest of z[k][hw] at each pixel (the lowest on
 * a tie), best[hw] that largest value. */
void argmax_labels(const float *z, int k, size_t hw, float *best,
    uint8_t *l);

/* Forward pass (inference mode) of n inputs x[n][3][s][s]; labels[n][s][s]
 * receive each pixel's most likely class (the lowest on a tie). */
int infer_labels(Unet *u, const float *x, int n, int s, uint8_t *labels,
    Err *e);

/* Test-time augmentation: none, or the photo and its mirror image. */
enum { TTA_NONE, TTA_FLIP };

/* infer_labels with tta: TTA_FLIP runs the network on each input and on
 * its left-right mirror image and takes the argmax of the sum of the
 * logits, the mirror's mirrored back (the network's two opinions
 * averaged before the softmax: the geometric mean of the probabilities,
 * without computing them). */
int infer_labels_tta(Unet *u, const float *x, int n, int s, int tta,
    uint8_t *labels, Err *e);

#endif
