/* objective — the training loss of a recipe. See objective.h. */
#include "objective.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static const char *const names[] = { "ce", "dice", "ce+dice" };

const char *
objective_name(int kind)
{
	return kind >= 0 && kind < (int)(sizeof names / sizeof *names) ?
	    names[kind] : "?";
}

int
objective_kind(const char *name)
{
	for (int i = 0; i < (int)(sizeof names / sizeof *names); i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

Objective *
objective_new(int kind, int classes)
{
	Objective *o = xcalloc(1, sizeof *o);

	o->kind = kind;
	o->classes = classes;
	/* the four scalars of the cross-entropy, then Dice's: one
	 * buffer, summed across ranks in one call */
	o->across = xcalloc(4 + (size_t)classes * 3, sizeof *o->across);
	o->dice = o->across + 4;
	return o;
}

void
objective_free(Objective *o)
{
	if (o == NULL)
		return;
	free(o->across), free(o);
}

/* A batch split between processes: every sum is the whole batch's
 * (counts below 2^53 are exact in a double). */
static void
sum_across(Objective *o, const SumAcross *a)
{
	double *v = o->across;

	v[0] = o->st.loss;
	v[1] = o->wsum;
	v[2] = (double)o->st.valid;
	v[3] = (double)o->st.correct;
	a->fn(a->arg, v, 4 + 3 * o->classes);
	o->st.loss = v[0];
	o->wsum = v[1];
	o->st.valid = (long)v[2];
	o->st.correct = (long)v[3];
}

int
objective_sums(Objective *o, Unet *u, const uint8_t *y, const float *cw,
    Err *e)
{
	float *z = unet_dlogits(u);
	int k = o->classes;
	long hw = (long)u->h * u->w;

	if (o->kind == LOSS_CE)
		return 0;
	if (z == NULL)
		return err_set(e, "the loss needs a training forward first");
	if (softmax_probs(z, y, cw, u->n, k, hw, &o->st, &o->wsum,
	    u->wk.nthreads, e) < 0)
		return -1;
	memset(o->dice, 0, (size_t)k * 3 * sizeof *o->dice);
	dice_sums(z, y, u->n, k, hw, o->dice, u->wk.nthreads);
	if (u->hooks.across.fn != NULL)
		sum_across(o, &u->hooks.across);
	return 0;
}

int
objective_backward(Objective *o, Unet *u, const uint8_t *y, const float *cw,
    LossStats *st, Err *e)
{
	int ce = o->kind == LOSS_CE_DICE, k = o->classes;
	double scale = ce && o->wsum > 0 ? 1 / o->wsum : 0;

	if (o->kind == LOSS_CE)
		return unet_loss_backward(u, y, cw, st, e);
	softmax_loss_backward(unet_dlogits(u), y, cw, scale, o->dice, 1, u->n,
	    k, (long)u->h * u->w, u->wk.nthreads);
	*st = o->st;
	st->loss = scale * o->st.loss + dice_loss(o->dice, k);
	return unet_backward(u, e);
}

void
objective_dice_sums(const float *z, const uint8_t *y, int n, int k, long hw,
    float *scratch, double *sums, int nthreads)
{
	double wsum;
	LossStats st;

	memcpy(scratch, z, (size_t)n * k * hw * sizeof *scratch);
	/* the labels were checked: softmax_probs cannot fail */
	softmax_probs(scratch, y, NULL, n, k, hw, &st, &wsum, nthreads, NULL);
	dice_sums(scratch, y, n, k, hw, sums, nthreads);
}
