#include "layers.h"

void
relu_forward(float *y, const float *x, long len)
{
	for (long i = 0; i < len; i++)
		y[i] = x[i] > 0 ? x[i] : 0;
}

void
relu_backward(float *dx, const float *dy, const float *x, long len)
{
	for (long i = 0; i < len; i++)
		dx[i] = x[i] > 0 ? dy[i] : 0;
}

void
dropout_mask(uint8_t *mask, long len, float p, Rng *r)
{
	for (long i = 0; i < len; i++)
		mask[i] = rng_float(r) >= p;
}

void
dropout_backward(float *dx, const float *dy, const uint8_t *mask, float keep,
    long len)
{
	for (long i = 0; i < len; i++)
		dx[i] = mask[i] ? dy[i] * keep : 0;
}
