/* augment — one training sample from shard pixels to the network's input:
 * random horizontal flip, scale-crop and brightness/contrast jitter, then
 * normalisation with the ImageNet statistics (imatseg-shard(5)):
 * x = (v / 255 - mean[c]) * (1 / std[c]), mean = (0.485, 0.456, 0.406),
 * std = (0.229, 0.224, 0.225). All randomness comes from the Rng given,
 * so a sample's result depends only on how that Rng was derived. */
#ifndef IMATSEG_AUGMENT_H
#define IMATSEG_AUGMENT_H

#include <stdint.h>

#include "err.h"
#include "rng.h"

typedef struct {
	int flip;		/* mirror left-right with probability 1/2 */
	float scale_min;	/* crop a square of side U(scale_min, 1) * S at
				 * a random place and resize it back to S;
				 * 0 or 1: off */
	float brightness;	/* v/255 += U(-b, b); 0: off */
	float contrast;		/* around 0.5, times U(1 - c, 1 + c); 0: off */
} AugOptions;

extern const float augment_mean[3], augment_std[3];

/* "none" or a comma-separated list of flip, scale=S, brightness=B,
 * contrast=C (each number in [0, 1]), as unet-train --augment takes it. */
int augment_parse(const char *spec, AugOptions *a, Err *e);

/* rgb: S x S x 3 bytes, lab: S x S labels (both borrowed).
 * x: [3][S][S] floats, y: [S][S] labels, written. */
void augment_sample(const uint8_t *rgb, const uint8_t *lab, int s,
    const AugOptions *a, Rng *r, float *x, uint8_t *y);

/* The way back from x[3][S][S] to S x S x 3 bytes, for people to look
 * at: exact for an unjittered sample, clamped to 0..255 otherwise. */
void augment_unnormalise(const float *x, int s, uint8_t *rgb);

#endif
