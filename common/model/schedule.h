/* schedule — the learning rate of each training step: constant, cosine
 * annealing to 0 or one cycle, the last two as PyTorch's
 * CosineAnnealingLR and OneCycleLR compute them, so that a PyTorch run
 * can follow the same curve (bench/time-to-accuracy). A Schedule is a
 * plain value: no allocation, nothing to free. */
#ifndef IMATSEG_SCHEDULE_H
#define IMATSEG_SCHEDULE_H

#include <stdint.h>

enum { LR_CONSTANT, LR_COSINE, LR_ONECYCLE };

typedef struct {
	int kind;		/* LR_* */
	double lr;		/* the rate: constant, cosine's start, onecycle's peak */
	uint64_t warmup;	/* constant and cosine: steps of a linear rise
				 * (step t at lr * (t + 1) / warmup); 0: none */
	uint64_t steps;		/* the schedule's length in steps (cosine
				 * and onecycle); later steps keep the rate
				 * of the last */
} Schedule;

/* One cycle as PyTorch's OneCycleLR defaults have it (without momentum
 * cycling): from lr / 25 up to lr over the first 30% of the steps, then
 * down to lr / 25e4, both halves of a cosine. */
#define ONECYCLE_PCT 0.3
#define ONECYCLE_DIV 25.0
#define ONECYCLE_FINAL_DIV 1e4

/* The rate of step t (counted from 0). */
double schedule_lr(const Schedule *s, uint64_t t);

/* "constant", "cosine", "onecycle"; schedule_kind returns -1 for any
 * other name. */
const char *schedule_name(int kind);
int schedule_kind(const char *name);

#endif
