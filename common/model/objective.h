/* objective — the loss a recipe trains (Recipe.loss): the seed's softmax
 * cross-entropy, soft Dice over the categories present in the batch, or
 * their sum, on a U-Net's training forward, and its value on validation
 * batches.
 *
 * A training step is objective_sums (the numbers the loss is made of:
 * the cross-entropy's weighted sum and its denominator, Dice's
 * intersections, probability sums and truth counts per class), then
 * objective_backward (the loss from those numbers, dLoss/dlogits and the
 * network's backward). The ranks that share a batch add the sums in
 * between: objective_sums does, through the U-Net's hooks (dist.h), so
 * the loss and its gradients are the whole batch's. The cross-entropy alone keeps softmax_xent's path, so runs of
 * the seed's recipe keep their bytes. An Objective owns its sums. */
#ifndef IMATSEG_OBJECTIVE_H
#define IMATSEG_OBJECTIVE_H

#include <stdint.h>

#include "err.h"
#include "unet.h"

enum { LOSS_CE, LOSS_DICE, LOSS_CE_DICE };

typedef struct {
	int kind;		/* LOSS_* */
	int classes;
	LossStats st;		/* Dice kinds: loss is the cross-entropy's sum */
	double wsum;		/* its denominator: the valid pixels' weights */
	double *dice;		/* [3][classes], as dice_sums adds them */
	double *across;		/* 4 + 3 * classes: what ranks sum; dice
				 * is its tail */
} Objective;

/* "ce", "dice", "ce+dice"; objective_kind returns -1 for any other name. */
const char *objective_name(int kind);
int objective_kind(const char *name);

Objective *objective_new(int kind, int classes);
void objective_free(Objective *o);

/* After a training forward of u: the batch's sums (a no-op for the
 * cross-entropy alone). Labels y as the loss takes them (255 ignore). */
int objective_sums(Objective *o, Unet *u, const uint8_t *y, const float *cw,
    Err *e);
/* The loss and counts of the batch into *st, and every parameter's
 * gradient into u->grads. */
int objective_backward(Objective *o, Unet *u, const uint8_t *y,
    const float *cw, LossStats *st, Err *e);

/* Adds to sums[3][k] (as dice_sums) the Dice sums of n images' logits
 * z[n][k][hw] (not changed) against y, for the validation loss (whose
 * Dice term is dice_loss of a whole batch's sums); scratch holds
 * n * k * hw floats. */
void objective_dice_sums(const float *z, const uint8_t *y, int n, int k,
    long hw, float *scratch, double *sums, int nthreads);

#endif
