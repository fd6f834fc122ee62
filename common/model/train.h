/* train — the training loop of unet-train: steps of Adam over batches from
 * a Loader, an epoch's metrics (training loss and pixel accuracy,
 * validation loss, per-class IoU and mean IoU as miou(1) computes them),
 * early stopping, and the two checkpoints: the best model by validation
 * mean IoU (weights only) and the resumable last state.
 *
 * The data stream is a pure function of the global step: step g reads
 * batch g mod B of loader epoch g / B (B batches per pass), so a run
 * resumed from a state continues with the very batches it would have
 * seen.
 *
 * On many ranks (dist.h) each takes its slice of every global batch
 * (loader.h); the loss is that of the global batch and the gradients are
 * summed across the ranks, so every rank takes the same step and holds
 * the same weights; validation is split and summed, so every rank logs
 * and stops on the same numbers. Rank 0 alone writes the checkpoints.
 * Set-up is local (trainer_new, trainer_resume) and then joint
 * (trainer_join), so that a failure on one rank can end every rank
 * before they wait for each other.
 *
 * A Trainer owns its network, optimiser, loaders and buffers;
 * trainer_free releases them. */
#ifndef IMATSEG_TRAIN_H
#define IMATSEG_TRAIN_H

#include <signal.h>
#include <stdint.h>

#include "ckpt.h"
#include "dist.h"
#include "err.h"
#include "loader.h"
#include "unet.h"

/* What may change between a run and its resumption. */
typedef struct {
	uint64_t epochs;
	int patience;		/* epochs without a better val mean IoU */
	int threads;
	const char *out;	/* best model, weights only */
	const char *state;	/* resumable last state */
	Dist *dist;		/* the ranks, borrowed; NULL: alone */
	int overlap;		/* sum gradient buckets during backward */
} RunOptions;

/* One epoch's row of the log. iou has `classes` entries (NaN: absent). */
typedef struct {
	uint64_t epoch, step;
	double train_loss, train_acc, val_loss, val_miou, lr, seconds, ips;
	int classes;
	double *iou;
	int improved;
} EpochRow;

typedef struct Trainer Trainer;

/* A new run: checks the shards (same size, labels within the classes)
 * and counts the labels for class weights when asked. The recipe's
 * ranks come from ro->dist. */
Trainer *trainer_new(const Recipe *r, const RunOptions *ro,
    const char *const *train, int ntrain, const char *const *val, int nval,
    Err *e);
/* Continues the run saved in ro->state; *r receives its recipe. Refuses
 * a state trained on another number of ranks. */
Trainer *trainer_resume(Recipe *r, const RunOptions *ro,
    const char *const *train, int ntrain, const char *const *val, int nval,
    Err *e);
/* The joint part of set-up, on every rank once trainer_new or
 * trainer_resume succeeded on all: the class weights from every rank's
 * counts, and the check that all start from the same weights (the same
 * --state, read everywhere). Fails the same way on every rank. */
int trainer_join(Trainer *t, Err *e);
void trainer_free(Trainer *t);

uint64_t trainer_epoch_no(const Trainer *t);	/* epochs completed */
uint64_t trainer_steps_per_epoch(const Trainer *t);
int trainer_patience_left(const Trainer *t);	/* 0: stop early */
double trainer_best(const Trainer *t, uint64_t *epoch);

/* Told after every step: steps done in this epoch, images seen in it
 * (the program draws its progress from them). */
typedef void TrainTick(void *arg, uint64_t steps, uint64_t images);

enum { TRAIN_EPOCH = 0, TRAIN_STOPPED = 1, TRAIN_DIVERGED = 2 };
/* Runs the rest of the current epoch, calling tick (when not NULL) after
 * each step, then validates and saves. Returns
 * TRAIN_EPOCH with row filled (row->iou borrowed from t), TRAIN_STOPPED
 * when *stop became non-zero (the state is saved after the step in
 * progress), TRAIN_DIVERGED on a non-finite loss or weight (e says where;
 * nothing is saved), -1 on failure. On many ranks the first three are
 * the same on every rank: they agree before every step on stopping, and
 * *stop then holds the largest signal number any rank received; -1 is
 * this rank's alone, and the others are waiting for it. */
int trainer_epoch(Trainer *t, volatile sig_atomic_t *stop, TrainTick *tick,
    void *arg, EpochRow *row, Err *e);

/* The validation part alone, for a model: the mean loss (NaN when no
 * pixel is scored): the cross-entropy over every pixel, plus with Dice
 * (lossk, LOSS_*) the mean of the validation batches' Dice weighted by
 * their sizes, as train_loss is made; the per-class IoU (classes
 * entries), the mean IoU of the categories, as miou(1), and the number
 * of pixels scored. Each rank reads its slices of val (loader.h) and
 * every rank gets the sums of all (d NULL: alone). */
int evaluate(Unet *u, Loader *val, const float *cw, int lossk, Dist *d,
    double *loss,
    double *iou, double *miou, uint64_t *scored, Err *e);

/* A few validation samples and what the model makes of them, for people
 * to look at: n photos rgb[n][S][S][3], their labels truth[n][S][S] and
 * the model's pred[n][S][S] (0 background, c+1 category c, 255 ignore
 * in truth). Owned by the caller: preview_free. */
typedef struct {
	int n, size;
	uint8_t *rgb, *truth, *pred;
} Preview;

/* The first n samples (or all, when fewer) in the validation order,
 * through the model in inference mode; on many ranks, of this rank's
 * slices (rank 0 writes the previews). Nothing training depends on
 * changes, so a run's bytes are the same with or without previews. */
int trainer_preview(Trainer *t, int n, Preview *p, Err *e);
int preview_make(Unet *u, Loader *val, int n, Preview *p, Err *e);
void preview_free(Preview *p);

/* Labels of a batch at or above classes (but 255) are refused, naming
 * the shard and the sample. */
int check_labels(const Loader *L, const Batch *b, int classes, Err *e);

/* The pixels of each class, n[classes], in rank's share of the training
 * labels (unaugmented; rank 0 of 1: all). */
int class_counts(const char *const *paths, int npaths, int classes, int rank,
    int nranks, int threads, uint64_t *n, Err *e);
/* Median frequency balancing from every training label's counts:
 * w[c] = median of the present classes' frequencies / frequency of c,
 * 0 for a class absent from the training labels. (CW_SQRT takes the
 * square roots of these.) */
int class_weights_median(const uint64_t *n, int classes, float *w, Err *e);

#endif
