/* ema — an exponential moving average of a U-Net's weights: of its
 * parameters and of its batch-norm running statistics, both flat buffers,
 * so that the average is a network of its own (as timm's ModelEmaV2
 * keeps it). The decay warms up as TensorFlow's ExponentialMovingAverage
 * with num_updates does: step t (from 1) uses min(decay, (1 + t) / (10 + t)),
 * so the first epochs' average is not mostly the initial weights. The Ema
 * owns its two shadow buffers. */
#ifndef IMATSEG_EMA_H
#define IMATSEG_EMA_H

#include <stddef.h>
#include <stdint.h>

#include "unet.h"

typedef struct {
	float decay;
	int64_t t;		/* updates made */
	size_t nparams, nstats;
	float *params, *stats;	/* the averages, laid out as the Unet's */
} Ema;

/* An average that starts at u's weights. */
Ema *ema_new(const Unet *u, float decay);
void ema_free(Ema *a);
/* After an optimiser step: the averages move towards u's weights. */
void ema_update(Ema *a, const Unet *u);
/* Exchanges u's weights with the averages, so that u runs (validates,
 * is saved) as the average; a second call puts everything back. */
void ema_swap(Ema *a, Unet *u);

#endif
