/* layers — the U-Net's layers other than convolutions, as
 * forward/backward pairs on NCHW float activations (see tensor.h):
 * batch normalisation fused with ReLU (norm.c), ReLU and dropout (act.c),
 * 2x2 max-pooling (maxpool.c), softmax cross-entropy and soft Dice
 * (loss.c). The caller owns every buffer. Work is split over nthreads
 * threads by channel or image, never so that a sum's order depends on
 * the thread count. */
#ifndef IMATSEG_LAYERS_H
#define IMATSEG_LAYERS_H

#include <stdint.h>

#include "err.h"
#include "rng.h"
#include "tensor.h"

#define BN_MOMENTUM 0.1f
#define BN_EPS 1e-5f

/* Batch norm of z[n][c][hw] in training mode: batch mean and biased
 * variance normalise; the running statistics move by BN_MOMENTUM towards
 * the batch mean and the unbiased variance (as PyTorch does). Fills
 * mean, invstd and the folded affine scale = gamma*invstd,
 * shift = beta - mean*scale that a Src applies lazily. */
void bn_train(const float *z, int n, int c, long hw, const float *gamma,
    const float *beta, float *rmean, float *rvar, float *mean, float *invstd,
    float *scale, float *shift, int nthreads);
/* Inference mode: the affine from the running statistics. */
void bn_eval(int c, const float *gamma, const float *beta, const float *rmean,
    const float *rvar, float *scale, float *shift);
/* Backward of a = relu(scale*z + shift) with batch statistics: d holds
 * dL/da on entry and dL/dz on return; dgamma and dbeta are added to. */
void bnrelu_backward(float *d, const float *z, int n, int c, long hw,
    const float *mean, const float *invstd, const float *scale,
    const float *shift, float *dgamma, float *dbeta, int nthreads);

/* Sums over the processes a batch is split between (data-parallel
 * training): fn replaces v[0..len) by its sums over every process, the
 * same bytes on each. */
typedef struct {
	void (*fn)(void *arg, double *v, int len);
	void *arg;
} SumAcross;

/* bn_train and bnrelu_backward over a batch split between processes
 * (synchronised batch norm): every process normalises with the mean and
 * variance of the whole batch, and its backward pass subtracts the whole
 * batch's sums of dL/dz and dL/dz times the normalised z. Each call sums
 * across twice forward (per channel sums, then squared deviations from
 * the mean) and once backward; dgamma and dbeta receive this process's
 * part only, as the gradients are summed later. With one process, the
 * bytes of bn_train and bnrelu_backward. */
void bn_train_across(const float *z, int n, int c, long hw,
    const float *gamma, const float *beta, float *rmean, float *rvar,
    float *mean, float *invstd, float *scale, float *shift,
    const SumAcross *s, int nthreads);
void bnrelu_backward_across(float *d, const float *z, int n, int c, long hw,
    const float *mean, const float *invstd, const float *scale,
    const float *shift, float *dgamma, float *dbeta, const SumAcross *s,
    int nthreads);

/* ReLU on its own: y = max(x, 0); dx = dy where x > 0 (in place ok). */
void relu_forward(float *y, const float *x, long len);
void relu_backward(float *dx, const float *dy, const float *x, long len);

/* Dropout keeps each element with probability 1-p (the kept values are
 * scaled by 1/(1-p) where the mask is applied, see Src.keep).
 * The draws come from r, so a seeded run repeats. */
void dropout_mask(uint8_t *mask, long len, float p, Rng *r);
/* dx = dy * mask / (1-p), in place allowed. */
void dropout_backward(float *dx, const float *dy, const uint8_t *mask,
    float keep, long len);

/* out[n][c][h/2][w/2] = max of each 2x2 window of in (h, w even);
 * plane is scratch of nthreads*h*w floats. */
void maxpool_forward(float *out, const Src *in, int n, int h, int w,
    float *plane, int nthreads);
/* Adds dout to the first maximum of each window (in as in forward). */
void maxpool_backward(const Dst *din, const float *dout, const Src *in, int n,
    int h, int w, float *plane, int nthreads);

/* Mean softmax cross-entropy of logits[n][k][hw] against labels y[n][hw];
 * label 255 is skipped, any other label must be below k. With weights
 * (k of them, or NULL for 1) the mean is weighted as PyTorch's
 * CrossEntropyLoss(weight, ignore_index=255). Overwrites the logits with
 * dLoss/dlogits. *correct counts valid pixels whose argmax is right. */
typedef struct {
	double loss;
	long valid, correct;
} LossStats;
int softmax_xent(float *logits, const uint8_t *y, const float *weights,
    int n, int k, long hw, LossStats *st, int nthreads, Err *e);
/* The same over a batch split between processes: the weight sum that
 * normalises the gradient, and the loss, valid and correct counts in st,
 * are those of the whole batch (the process's own labels are checked). */
int softmax_xent_across(float *logits, const uint8_t *y,
    const float *weights, int n, int k, long hw, const SumAcross *s,
    LossStats *st, int nthreads, Err *e);

/* Soft Dice (Milletari et al. 2016) over the categories present, alone
 * or added to the cross-entropy, in three steps over one buffer, so that
 * the sums the loss depends on are plain numbers between the steps (the
 * parts of a batch on several ranks add them there):
 *
 * softmax_probs: z[n][k][hw] becomes the softmax over k at each pixel;
 * st->loss receives the weighted cross-entropy's sum (not its mean),
 * *wsum the sum of the valid pixels' weights (weights as softmax_xent),
 * st->valid and st->correct as softmax_xent counts them. */
int softmax_probs(float *z, const uint8_t *y, const float *weights, int n,
    int k, long hw, LossStats *st, double *wsum, int nthreads, Err *e);
/* Adds, for each class c over the valid pixels of p[n][k][hw], to
 * sums[c] the intersection sum p_c [y = c], to sums[k + c] the sum p_c,
 * to sums[2k + c] the count of [y = c]. */
void dice_sums(const float *p, const uint8_t *y, int n, int k, long hw,
    double *sums, int nthreads);
/* 1 - the mean over the categories present (c >= 1, count > 0: the
 * background is left out, as the mean IoU leaves it out) of
 * 2 I_c / (P_c + G_c); 0 when none is present. */
double dice_loss(const double *sums, int k);
/* p (from softmax_probs) becomes dL/dz for
 * L = ce_scale * (the cross-entropy's sum) + dice_scale * dice_loss(sums):
 * ce_scale 1/wsum gives softmax_xent's mean, 0 leaves it out; sums NULL
 * or dice_scale 0 leaves Dice out. Ignored pixels get 0. */
void softmax_loss_backward(float *p, const uint8_t *y, const float *weights,
    double ce_scale, const double *sums, double dice_scale, int n, int k,
    long hw, int nthreads);

#endif
