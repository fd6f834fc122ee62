/* ckpt — U-Net checkpoints as safetensors (see imatseg-checkpoint(5)).
 * Tensor names and shapes are those of the PyTorch state_dict of the same
 * network; __metadata__ holds the architecture, so a checkpoint alone
 * rebuilds the model, and in a resumable checkpoint the training state,
 * with Adam's moments as tensors "optim.exp_avg.NAME" and
 * "optim.exp_avg_sq.NAME". */
#ifndef IMATSEG_CKPT_H
#define IMATSEG_CKPT_H

#include <stdint.h>

#include "adam.h"
#include "err.h"
#include "rng.h"
#include "safetensors.h"
#include "unet.h"

/* Where a training run stands: saved with the optimiser. */
typedef struct {
	uint64_t step, epoch;
	uint64_t position;	/* samples of the epoch already seen */
	Rng rng;		/* the trainer's generator */
} TrainState;

/* Writes u (and, when opt and ts are given, a resumable checkpoint)
 * atomically to path; extra key/value pairs go into __metadata__ too. */
int ckpt_save(const char *path, const Unet *u, const Adam *opt,
    const TrainState *ts, const StMeta *extra, int nextra, Err *e);

/* Reads and validates a checkpoint and builds its network. With opt
 * (and ts) non-NULL the checkpoint must be resumable: *opt receives a new
 * Adam with its moments and hyper-parameters, *ts the training state.
 * The caller owns what is returned. */
Unet *ckpt_load(const char *path, Adam **opt, TrainState *ts, Err *e);

#endif
