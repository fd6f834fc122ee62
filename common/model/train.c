/* train — the trainer: steps, epochs, early stopping, checkpoints.
 * See train.h. */
#include "train.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adam.h"
#include "hash.h"
#include "objective.h"
#include "schedule.h"
#include "xalloc.h"

/* Floats per gradient bucket (1 MiB, as the first of DDP): smaller
 * buckets start sooner and hide more of the sum behind the backward
 * pass, each costs a latency (bench/mpi, unet-train(1)). */
enum { BUCKET = 1 << 18 };

/* The dropout draws of rank r at step g on many ranks: rng_derive(seed,
 * g, DROPOUT_STREAM + r), no sample number (< 2^32) and not the
 * loader's 2^63. */
#define DROPOUT_STREAM (1ULL << 62)

struct Trainer {
	Recipe r;
	RunOptions ro;
	Unet *u;
	Adam *opt;
	Ema *ema;		/* the weights' average, or NULL */
	Objective *obj;		/* the loss */
	TrainState ts;
	Loader *train, *val;
	uint64_t nbatch;	/* batches per pass over the training data */
	uint64_t pass, next;	/* where the training loader stands */
	int open_pass;		/* pass is begun */
	float *cw;		/* class weights or NULL */
	uint64_t *counts;	/* this rank's class counts, for cw */
	double *iou;
	Dist *d, *own;		/* the ranks; own: made here (alone) */
	DistGrads *dg;		/* under mpirun: the gradients' sums */
	DistNet dn;
	float *blank_x;		/* an empty slice's stand-in sample */
	uint8_t *blank_y;
};

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

/* ---- checkpoints ---- */

/* With an average, the network validated and saved is the average: it
 * takes the live weights' place between two calls. */
static void
as_validated(Trainer *t)
{
	if (t->ema != NULL)
		ema_swap(t->ema, t->u);
}

/* Samples of a global batch: every rank's. */
static uint64_t
global_batch(const Trainer *t)
{
	return (uint64_t)t->r.batch * (uint64_t)t->r.ranks;
}

/* Rank 0 writes; the others hold the same weights and state. */
static int
save_state(Trainer *t, Err *e)
{
	t->ts.position = t->next * global_batch(t);
	if (dist_rank(t->d) != 0)
		return 0;
	return ckpt_save_state(t->ro.state, t->u, t->opt, t->ema,
	    &t->r, &t->ts, e);
}

/* The network validated: the average of the weights when there is one. */
static int
save_best(Trainer *t, double miou, Err *e)
{
	CkptInfo in = { .size = t->r.size, .epoch = t->ts.epoch,
	    .step = t->ts.step, .val_miou = miou };
	int rc;

	if (dist_rank(t->d) != 0)
		return 0;
	as_validated(t);
	rc = ckpt_save(t->ro.out, t->u, &in, e);
	as_validated(t);
	return rc;
}

/* ---- set-up ---- */

static int
open_loaders(Trainer *t, const char *const *train, int ntrain,
    const char *const *val, int nval, Err *e)
{
	int rank = dist_rank(t->d), n = dist_size(t->d);
	LoaderOptions o = { .batch = t->r.batch, .seed = t->r.seed,
	    .rank = rank, .nranks = n, .threads = 1, .aug = t->r.aug };
	LoaderOptions ov = { .batch = t->r.batch, .seed = t->r.seed,
	    .rank = rank, .nranks = n, .threads = 1 };

	if ((t->train = loader_open(train, ntrain, &o, e)) == NULL)
		return -1;
	if ((t->val = loader_open(val, nval, &ov, e)) == NULL)
		return -1;
	if (loader_size(t->val) != loader_size(t->train))
		return err_set(e, "the validation shards are %dx%d, the "
		    "training shards %dx%d", loader_size(t->val),
		    loader_size(t->val), loader_size(t->train),
		    loader_size(t->train));
	if (t->r.size != 0 && t->r.size != loader_size(t->train))
		return err_set(e, "the state was trained at %dx%d, the shards "
		    "are %dx%d", t->r.size, t->r.size, loader_size(t->train),
		    loader_size(t->train));
	t->r.size = loader_size(t->train);
	if (t->r.size % (1 << t->r.net.depth) != 0)
		return err_set(e, "the shards' size %d is not a multiple of "
		    "2^depth = %d", t->r.size, 1 << t->r.net.depth);
	t->nbatch = loader_batches(t->train);
	if (t->r.steps == 0)
		t->r.steps = t->nbatch;
	if (t->r.class_weights != CW_NONE) {
		t->counts = xmallocarray((size_t)t->r.net.classes,
		    sizeof *t->counts);
		if (class_counts(train, ntrain, t->r.net.classes, rank, n,
		    t->ro.threads, t->counts, e) < 0)
			return -1;
	}
	return 0;
}

/* The ranks' own parts of the batch, under mpirun (even of one rank, so
 * that one rank under mpirun runs, and is checked against, the code of
 * many). */
static void
join_ranks(Trainer *t)
{
	if (!dist_under_mpi(t->d))
		return;
	t->dg = dist_grads_new(t->d, t->u->grads, t->u->nparams, BUCKET,
	    t->ro.overlap);
	t->dn = (DistNet){ .d = t->d, .grads = t->dg };
	dist_hook(&t->dn, t->u, t->r.sync_bn);
}

static Trainer *
trainer_alloc(const Recipe *r, const RunOptions *ro)
{
	Trainer *t = xcalloc(1, sizeof *t);

	t->r = *r;
	t->r.size = 0;
	t->ro = *ro;
	t->ts.best = -1;
	t->d = ro->dist != NULL ? ro->dist : (t->own = dist_alone());
	return t;
}

Trainer *
trainer_new(const Recipe *r, const RunOptions *ro, const char *const *train,
    int ntrain, const char *const *val, int nval, Err *e)
{
	Trainer *t = trainer_alloc(r, ro);

	t->r.ranks = dist_size(t->d);
	if (unet_config_check(&r->net, e) < 0 ||
	    (t->u = unet_new(&r->net, r->seed, e)) == NULL ||
	    open_loaders(t, train, ntrain, val, nval, e) < 0) {
		trainer_free(t);
		return NULL;
	}
	unet_set_threads(t->u, ro->threads);
	t->opt = adam_new(t->u->nparams);
	t->opt->lr = r->lr;
	/* the schedule spans the epochs of the run that starts it; a
	 * resumed run asking for more keeps its last rate */
	if (t->r.schedule_steps == 0)
		t->r.schedule_steps = ro->epochs * t->r.steps;
	if (r->ema > 0)
		t->ema = ema_new(t->u, r->ema);
	t->obj = objective_new(r->loss, r->net.classes);
	rng_seed(&t->ts.rng, r->seed);
	t->iou = xmallocarray((size_t)r->net.classes, sizeof *t->iou);
	join_ranks(t);
	return t;
}

Trainer *
trainer_resume(Recipe *r, const RunOptions *ro, const char *const *train,
    int ntrain, const char *const *val, int nval, Err *e)
{
	Trainer *t = trainer_alloc(r, ro);

	if ((t->u = ckpt_load_state(ro->state, &t->opt, &t->ema, &t->r,
	    &t->ts, e)) == NULL)
		goto fail;
	if (t->r.ranks != dist_size(t->d)) {
		err_set(e, "%s: trained on %d rank%s, this run has %d: resume "
		    "it with mpirun -np %d", ro->state, t->r.ranks,
		    t->r.ranks > 1 ? "s" : "", dist_size(t->d), t->r.ranks);
		goto fail;
	}
	if (open_loaders(t, train, ntrain, val, nval, e) < 0)
		goto fail;
	unet_set_threads(t->u, ro->threads);
	t->obj = objective_new(t->r.loss, t->r.net.classes);
	t->iou = xmallocarray((size_t)t->r.net.classes, sizeof *t->iou);
	join_ranks(t);
	*r = t->r;
	return t;
fail:
	trainer_free(t);
	return NULL;
}

/* One hash of what every rank must hold alike: the weights, the
 * running statistics when synchronised (without, each rank has its
 * own until rank 0's are sent round before validation), the step. */
static uint64_t
weights_hash(const Trainer *t)
{
	uint64_t h = hash_fnv1a(t->u->params, t->u->nparams * sizeof(float));

	if (t->r.sync_bn)
		h = hash_fnv1a_more(h, t->u->stats, t->u->nstats *
		    sizeof(float));
	return hash_fnv1a_more(h, &t->ts.step, sizeof t->ts.step);
}

static int
same_weights(Trainer *t, const char *when, Err *e)
{
	if (!dist_under_mpi(t->d) || dist_same_u64(t->d, weights_hash(t)))
		return 0;
	return err_set(e, "the ranks hold different weights %s", when);
}

int
trainer_join(Trainer *t, Err *e)
{
	if (t->counts != NULL) {
		dist_sum_u64(t->d, t->counts, (size_t)t->r.net.classes);
		t->cw = xmallocarray((size_t)t->r.net.classes, sizeof *t->cw);
		if (class_weights_median(t->counts, t->r.net.classes, t->cw,
		    e) < 0)
			return -1;
		for (int c = 0; t->r.class_weights == CW_SQRT &&
		    c < t->r.net.classes; c++)
			t->cw[c] = sqrtf(t->cw[c]);
	}
	return same_weights(t, "at the start (each rank must read the same "
	    "--state)", e);
}

void
trainer_free(Trainer *t)
{
	if (t == NULL)
		return;
	loader_close(t->train);
	loader_close(t->val);
	if (t->opt != NULL)
		adam_free(t->opt);
	ema_free(t->ema);
	objective_free(t->obj);
	unet_free(t->u);
	dist_grads_free(t->dg);
	dist_close(t->own);
	free(t->cw), free(t->counts), free(t->iou);
	free(t->blank_x), free(t->blank_y), free(t);
}

uint64_t
trainer_epoch_no(const Trainer *t)
{
	return t->ts.epoch;
}

uint64_t
trainer_steps_per_epoch(const Trainer *t)
{
	return t->r.steps;
}

int
trainer_patience_left(const Trainer *t)
{
	return t->ts.bad < t->ro.patience ? t->ro.patience - t->ts.bad : 0;
}

double
trainer_best(const Trainer *t, uint64_t *epoch)
{
	*epoch = t->ts.best_epoch;
	return t->ts.best;
}

int
trainer_preview(Trainer *t, int n, Preview *p, Err *e)
{
	int rc;

	as_validated(t);
	rc = preview_make(t->u, t->val, n, p, e);
	as_validated(t);
	return rc;
}

/* ---- the loop ---- */

/* The batch of global step g: batch g mod B of pass g / B. */
static int
next_batch(Trainer *t, Batch *b, Err *e)
{
	uint64_t pass = t->ts.step / t->nbatch, k = t->ts.step % t->nbatch;
	int r;

	if (!t->open_pass || pass != t->pass || k != t->next) {
		if (loader_epoch_begin(t->train, pass, k * global_batch(t),
		    e) < 0)
			return -1;
		t->pass = pass;
		t->next = k;
		t->open_pass = 1;
	}
	if ((r = loader_next(t->train, b, e)) < 0)
		return -1;
	if (r == 0)
		return err_set(e, "the loader ended a pass early");
	t->next++;
	return 0;
}

static int
finite_params(const Trainer *t)
{
	const float *p = t->u->params;
	float s = 0;

	for (size_t i = 0; i < t->u->nparams; i++)
		s += p[i] * 0.0f;
	return s == 0.0f;	/* inf*0 and NaN*0 are NaN */
}

/* The learning rate of the step about to be taken. */
static float
step_lr(const Trainer *t)
{
	Schedule s = { t->r.lr_schedule, t->r.lr, t->r.warmup,
	    t->r.schedule_steps };

	return (float)schedule_lr(&s, t->ts.step);
}

/* The recipe's loss of the batch and every parameter's gradient. */
static int
loss_backward(Trainer *t, const Batch *b, LossStats *st, Err *e)
{
	/* on many ranks, the sums are the whole batch's from here */
	if (objective_sums(t->obj, t->u, b->y, t->cw, e) < 0)
		return -1;
	return objective_backward(t->obj, t->u, b->y, t->cw, st, e);
}

/* An empty slice (a short last global batch, fewer samples than ranks)
 * becomes one black image whose labels are all ignored: it adds nothing
 * to the loss or the gradients, and with dn.empty nothing to the batch
 * statistics, but its passes make the sums the other ranks wait for. */
static void
stand_in(Trainer *t, Batch *b)
{
	size_t plane = (size_t)t->r.size * t->r.size;

	if (t->blank_x == NULL) {
		t->blank_x = xcalloc(3 * plane, sizeof *t->blank_x);
		t->blank_y = xmalloc(plane);
		memset(t->blank_y, 255, plane);
	}
	b->x = t->blank_x;
	b->y = t->blank_y;
	b->n = 1;
}

/* Forward and backward of this rank's slice; under mpirun the
 * gradients are then every rank's sum. */
static int
passes(Trainer *t, Batch *b, LossStats *st, Err *e)
{
	int s = t->r.size, r;

	t->dn.empty = b->n == 0;
	if (b->n == 0)
		stand_in(t, b);
	/* ranks draw their own dropout masks, from the step so that a
	 * resumed run draws the same (one rank keeps its running stream) */
	if (dist_size(t->d) > 1)
		rng_derive(&t->u->rng, t->r.seed, t->ts.step,
		    DROPOUT_STREAM + (uint64_t)dist_rank(t->d));
	if (unet_forward(t->u, b->x, b->n, s, s, 1, e) < 0)
		return -1;
	r = loss_backward(t, b, st, e);
	if (t->dg != NULL && dist_grads_finish(t->dg, r < 0 ? NULL : e) < 0)
		r = -1;
	return r;
}

static int
step(Trainer *t, Err *e)
{
	LossStats st;
	Batch b;
	double t0 = now();

	if (next_batch(t, &b, e) < 0 ||
	    check_labels(t->train, &b, t->r.net.classes, e) < 0 ||
	    passes(t, &b, &st, e) < 0)
		return -1;
	if (!isfinite(st.loss)) {
		err_set(e, "the training loss is %s at epoch %" PRIu64 ", step "
		    "%" PRIu64 " (learning rate too high?)",
		    isnan(st.loss) ? "NaN" : "infinite",
		    t->ts.epoch + 1, t->ts.step + 1);
		return TRAIN_DIVERGED;
	}
	t->opt->lr = step_lr(t);
	adam_step(t->opt, t->u->params, t->u->grads);
	if (t->ema != NULL)
		ema_update(t->ema, t->u);
	t->ts.step++;
	t->ts.acc.loss += st.loss * b.all;
	t->ts.acc.images += (uint64_t)b.all;
	t->ts.acc.valid += (uint64_t)st.valid;
	t->ts.acc.correct += (uint64_t)st.correct;
	t->ts.acc.seconds += now() - t0;
	return 0;
}

static void
fill_row(Trainer *t, EpochRow *row, double vloss, double miou, double vsec)
{
	const EpochAcc *a = &t->ts.acc;

	*row = (EpochRow){ .epoch = t->ts.epoch + 1, .step = t->ts.step,
	    .train_loss = a->images ? a->loss / a->images : NAN,
	    .train_acc = a->valid ? (double)a->correct / a->valid : NAN,
	    .val_loss = vloss, .val_miou = miou, .lr = t->opt->lr,
	    .seconds = a->seconds + vsec,
	    .ips = a->seconds > 0 ? a->images / a->seconds : 0,
	    .classes = t->r.net.classes, .iou = t->iou };
}

static int
end_epoch(Trainer *t, EpochRow *row, Err *e)
{
	double t0 = now(), vloss, miou;
	uint64_t scored;
	int r;

	if (!finite_params(t)) {
		err_set(e, "a weight is not finite after epoch %" PRIu64
		    " (learning rate too high?)", t->ts.epoch + 1);
		return TRAIN_DIVERGED;
	}
	char when[64];
	snprintf(when, sizeof when, "after epoch %" PRIu64, t->ts.epoch + 1);
	if (same_weights(t, when, e) < 0)
		return -1;
	/* as DDP's broadcast_buffers: the model every rank validates is
	 * the one rank 0 saves (the average's statistics too) */
	if (!t->r.sync_bn)
		dist_bcast_float(t->d, t->u->stats, t->u->nstats);
	as_validated(t);
	if (!t->r.sync_bn && t->ema != NULL)
		dist_bcast_float(t->d, t->u->stats, t->u->nstats);
	r = evaluate(t->u, t->val, t->cw, t->r.loss, t->d, &vloss, t->iou,
	    &miou, &scored, e);
	as_validated(t);
	if (r < 0)
		return -1;
	if (scored > 0 && !isfinite(vloss)) {
		err_set(e, "the validation loss is %s after epoch %" PRIu64
		    " (learning rate too high?)", isnan(vloss) ? "NaN" :
		    "infinite", t->ts.epoch + 1);
		return TRAIN_DIVERGED;
	}
	fill_row(t, row, vloss, miou, now() - t0);
	t->ts.epoch++;
	/* No class present at all gives NaN: it counts as 0. */
	if (isnan(miou))
		miou = 0;
	row->improved = miou > t->ts.best;
	if (row->improved) {
		t->ts.best = miou;
		t->ts.best_epoch = t->ts.epoch;
		t->ts.bad = 0;
		if (save_best(t, miou, e) < 0)
			return -1;
	} else {
		t->ts.bad++;
	}
	t->ts.acc = (EpochAcc){ 0 };
	return save_state(t, e) < 0 ? -1 : TRAIN_EPOCH;
}

int
trainer_epoch(Trainer *t, volatile sig_atomic_t *stop, TrainTick *tick,
    void *arg, EpochRow *row, Err *e)
{
	uint64_t first = t->ts.epoch * t->r.steps, end = first + t->r.steps;
	int r;

	while (t->ts.step < end) {
		/* every rank stops at the same step */
		int sig = dist_max_int(t->d, (int)*stop);

		if (sig != 0) {
			*stop = sig;
			return save_state(t, e) < 0 ? -1 : TRAIN_STOPPED;
		}
		if ((r = step(t, e)) != 0)
			return r;
		if (tick != NULL)
			tick(arg, t->ts.step - first, t->ts.acc.images);
	}
	return end_epoch(t, row, e);
}
