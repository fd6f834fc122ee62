#include "layers.h"

#include <math.h>

int
softmax_xent(float *logits, const uint8_t *y, const float *weights, int n,
    int k, long hw, LossStats *st, Err *e)
{
	double sum = 0, wsum = 0;

	st->loss = 0;
	st->valid = st->correct = 0;
	for (long i = 0; i < (long)n * hw; i++)
		if (y[i] != 255 && y[i] >= k)
			return err_set(e, "label %d at pixel %ld is not below "
			    "the %d classes", y[i], i, k);
	/* First pass: loss and weight sum; the second scales gradients by
	 * 1/wsum, which needs the whole batch. */
	for (int img = 0; img < n; img++)
		for (long j = 0; j < hw; j++) {
			float *l = logits + (long)img * k * hw + j;
			int lab = y[(long)img * hw + j], arg = 0;
			float m = l[0], xl = lab != 255 ? l[lab * hw] : 0;
			double z = 0;

			for (int c = 1; c < k; c++)
				if (l[c * hw] > m) {
					m = l[c * hw];
					arg = c;
				}
			for (int c = 0; c < k; c++) {
				float ex = expf(l[c * hw] - m);

				z += ex;
				l[c * hw] = ex;
			}
			for (int c = 0; c < k; c++)
				l[c * hw] = (float)(l[c * hw] / z);
			if (lab == 255) {
				for (int c = 0; c < k; c++)
					l[c * hw] = 0;
				continue;
			}
			double wt = weights != NULL ? weights[lab] : 1;
			sum -= wt * ((double)xl - m - log(z));
			wsum += wt;
			st->valid++;
			st->correct += arg == lab;
			for (int c = 0; c < k; c++)
				l[c * hw] *= (float)wt;
			l[lab * hw] -= (float)wt;
		}
	float inv = wsum > 0 ? (float)(1 / wsum) : 0;
	for (long i = 0; i < (long)n * k * hw; i++)
		logits[i] *= inv;
	st->loss = wsum > 0 ? sum / wsum : 0;
	return 0;
}
