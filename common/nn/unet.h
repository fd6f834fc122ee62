/* unet — the U-Net of imatseg on the CPU. `depth` levels down, each two
 * conv3x3-BN-ReLU then 2x2 max-pooling; a bottom block and dropout; then
 * per level a 2x2 stride-2 transposed convolution, concatenation with the
 * level's skip (skip first) and two conv3x3-BN-ReLU; a 1x1 head to
 * `classes` logits. Inputs x[n][in_channels][h][w], h and w multiples of
 * 2^depth; logits [n][classes][h][w].
 *
 * All trainable parameters live in one allocation (params), their
 * gradients in another (grads), the batch-norm running statistics in a
 * third (stats); `views` names every tensor as PyTorch's state_dict of
 * tests/ref/unet.py does. `hooks` let a trainer split batches between
 * processes. The Unet owns everything it points to but the hooks'
 * arguments. */
#ifndef IMATSEG_UNET_H
#define IMATSEG_UNET_H

#include <stddef.h>
#include <stdint.h>

#include "conv.h"
#include "err.h"
#include "layers.h"
#include "rng.h"

typedef struct {
	int in_channels;	/* 3 */
	int depth;		/* 4 */
	int filters;		/* 16: channels at the top level */
	int classes;		/* 47 */
	float dropout;		/* probability, after the bottom block */
} UnetConfig;

enum { UNET_MAX_DEPTH = 8 };

/* What a named tensor is: a trainable parameter (in params/grads), a
 * running statistic (in stats) or a batch counter (the int64
 * num_batches_tracked, whose value is Unet.bn_batches). */
enum { TV_PARAM, TV_STAT, TV_COUNT };

typedef struct {
	char name[48];
	int kind;
	size_t off, len;	/* floats into params or stats */
	int ndim, shape[4];
} TensorView;

typedef struct {
	float *w, *b, *dw, *db;
} ConvP;

typedef struct {
	float *gamma, *beta, *dgamma, *dbeta, *rmean, *rvar;
	float *mean, *invstd, *scale, *shift;	/* of the last forward, [c] */
} BnP;

typedef struct {
	int ci, co;
	ConvP conv[2];
	BnP bn[2];
	float *z[2];	/* convolution outputs of the last forward */
	Srcs in;	/* the input of the last forward */
} Block;

/* What data-parallel training hooks into the passes; all zero (the
 * default) is one process alone. */
typedef struct {
	/* The batch is split between processes: the loss's normaliser (and
	 * with sync_bn the batch statistics) are summed across them. */
	SumAcross across;	/* .fn NULL: alone */
	int sync_bn;
	/* grads[off, off + len) is final for this backward pass (so its
	 * sum across processes may start); called once per float. */
	void (*grads_ready)(void *arg, size_t off, size_t len);
	void *grads_arg;
} UnetHooks;

typedef struct {
	UnetConfig cfg;
	UnetHooks hooks;
	float *params, *grads, *stats;
	size_t nparams, nstats;
	int64_t bn_batches;
	TensorView *views;
	int nviews;
	Block down[UNET_MAX_DEPTH], bottom, upb[UNET_MAX_DEPTH];
	ConvP up[UNET_MAX_DEPTH], head;
	Rng rng;		/* dropout's draws */
	Work wk;		/* GEMM (gemm_blas), kernels, algorithm, threads
				 * and their team, scratch */
	/* activations, sized for n x h x w (grown on demand) */
	int n, h, w, train;
	size_t cap;
	float *act;		/* one allocation for all below */
	float *pool[UNET_MAX_DEPTH], *upout[UNET_MAX_DEPTH], *logits;
	float *dskip[UNET_MAX_DEPTH], *ga, *gb, *gc;
	uint8_t *mask;
	float *plane;
} Unet;

void unet_config_default(UnetConfig *c);
int unet_config_check(const UnetConfig *c, Err *e);
/* The floats of the parameters and of the running statistics of the
 * network c describes, without making it. */
int unet_sizes(const UnetConfig *c, size_t *nparams, size_t *nstats,
    Err *e);
/* A new network with He-normal weights drawn from seed. */
Unet *unet_new(const UnetConfig *c, uint64_t seed, Err *e);
void unet_free(Unet *u);
/* Our own threads for the layers (default 1). OpenBLAS is then kept to
 * one thread: each of ours runs its own GEMMs. */
void unet_set_threads(Unet *u, int n);
const TensorView *unet_view(const Unet *u, const char *name);
/* The data of a view: in params, stats, or NULL for a counter. */
float *unet_view_data(const Unet *u, const TensorView *v);
float *unet_view_grad(const Unet *u, const TensorView *v);

/* Forward pass; train selects batch statistics (and updates the running
 * ones) and dropout. Fails on sizes the network cannot take. x is
 * borrowed: it must stay valid until unet_loss_backward. Inference
 * (train 0) keeps only what later layers read, so no backward follows
 * it. */
int unet_forward(Unet *u, const float *x, int n, int h, int w, int train,
    Err *e);
/* The logits of the last forward, [n][classes][h][w]. */
const float *unet_logits(const Unet *u);
/* After a training forward: loss against labels y[n][h][w] (255 =
 * ignore) with optional class weights, and the gradients of every
 * parameter into grads (overwritten), each range told to
 * hooks.grads_ready as soon as it is final. The logits are consumed. */
int unet_loss_backward(Unet *u, const uint8_t *y, const float *class_weights,
    LossStats *st, Err *e);
/* The same in two halves, for other losses: the logits of the last
 * training forward (NULL after an inference one), for the caller to
 * overwrite with dLoss/dlogits, then the gradients of every parameter
 * from them. */
float *unet_dlogits(Unet *u);
int unet_backward(Unet *u, Err *e);

#endif
