/* adam — the Adam optimiser over a flat parameter buffer, step for step
 * the arithmetic of torch.optim.Adam (weight decay as an L2 term added to
 * the gradient, not decoupled). The Adam owns its two moment buffers. */
#ifndef IMATSEG_ADAM_H
#define IMATSEG_ADAM_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
	float lr, beta1, beta2, eps, weight_decay;
	int64_t t;		/* steps taken */
	size_t n;
	float *m, *v;		/* first and second moments, [n] */
} Adam;

/* lr 1e-3, betas 0.9 and 0.999, eps 1e-8, no weight decay. */
Adam *adam_new(size_t n);
void adam_free(Adam *a);
void adam_step(Adam *a, float *params, const float *grads);

#endif
