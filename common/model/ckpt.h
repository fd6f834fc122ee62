/* ckpt — U-Net checkpoints as safetensors (see imatseg-checkpoint(5)), and
 * the one owner of their __metadata__ keys. Tensor names and shapes are
 * those of the PyTorch state_dict of the same network; the metadata holds
 * the architecture, so a checkpoint alone rebuilds the model, what the
 * trainer knew of the weights (CkptInfo), and in a resumable checkpoint
 * the recipe and the training state, with Adam's moments as tensors
 * "optim.exp_avg.NAME" and "optim.exp_avg_sq.NAME" and the weights'
 * moving average, when the recipe keeps one, as "ema.NAME". */
#ifndef IMATSEG_CKPT_H
#define IMATSEG_CKPT_H

#include <stdint.h>

#include "adam.h"
#include "augment.h"
#include "ema.h"
#include "err.h"
#include "rng.h"
#include "unet.h"

/* What a model checkpoint says of its weights beyond the architecture. */
typedef struct {
	int size;		/* the side S it was trained at; 0: unknown */
	uint64_t epoch, step;	/* when the weights were taken; 0: unknown */
	double val_miou;	/* their validation mean IoU; NaN: unknown */
} CkptInfo;

/* class weights: none, median frequency, its square root */
enum { CW_NONE, CW_MEDIAN, CW_SQRT };

/* The recipe: what a resumed run takes from its state, not from the
 * command line. A state records the fields after aug only when they
 * differ from their defaults (the seed's recipe: constant rate, no
 * warm-up, cross-entropy, no average), so that its runs keep their
 * bytes; a state without them (as every state before them) loads
 * those defaults. */
typedef struct {
	UnetConfig net;
	int size;		/* the shards' side S; 0 before they are read */
	int batch;
	float lr;		/* the schedule's rate (schedule.h) */
	uint64_t seed;
	uint64_t steps;		/* per epoch; 0: one pass over the data */
	int class_weights;	/* CW_* */
	AugOptions aug;
	int lr_schedule;	/* LR_* */
	uint64_t warmup;	/* steps */
	uint64_t schedule_steps;	/* the schedule's length; 0: epochs x
				 * steps of the run that starts it */
	int loss;		/* LOSS_* (objective.h) */
	float ema;		/* the weights' average's decay; 0: none */
	int ranks;		/* processes a step's batch is split between;
				 * batch is each one's */
	int sync_bn;		/* batch norm over the whole global batch */
} Recipe;

/* "none", "median", "sqrt"; ckpt_cw_kind returns -1 for other names. */
const char *ckpt_cw_name(int kind);
int ckpt_cw_kind(const char *name);

/* Sums of the epoch in progress, so a resumed epoch logs an exact row. */
typedef struct {
	double loss, seconds;
	uint64_t images, valid, correct;
} EpochAcc;

/* Where a training run stands. */
typedef struct {
	uint64_t step, epoch;	/* steps taken, epochs completed */
	uint64_t position;	/* samples of the epoch already seen */
	Rng rng;		/* the trainer's generator */
	double best;		/* best validation mean IoU, -1: none yet */
	uint64_t best_epoch;
	int bad;		/* epochs since the best */
	EpochAcc acc;
} TrainState;

/* The weights of u, with info (NULL: the architecture alone), written
 * atomically to path. */
int ckpt_save(const char *path, const Unet *u, const CkptInfo *info,
    Err *e);
/* A resumable checkpoint: the weights, opt's moments, the average of
 * the weights (ema, NULL when the recipe has none) as tensors
 * "ema.NAME", the recipe and the state. */
int ckpt_save_state(const char *path, const Unet *u, const Adam *opt,
    const Ema *ema, const Recipe *r, const TrainState *ts, Err *e);

/* Reads and validates any checkpoint and builds its network; info (may
 * be NULL) receives what the file records. The caller owns the Unet. */
Unet *ckpt_load(const char *path, CkptInfo *info, Err *e);
/* Reads a resumable checkpoint: the network, a new Adam with its moments
 * and hyper-parameters in *opt, the average of the weights in *ema (NULL
 * when the recipe has none), the recipe and the state. */
Unet *ckpt_load_state(const char *path, Adam **opt, Ema **ema, Recipe *r,
    TrainState *ts, Err *e);

#endif
