/* train — the trainer: steps, epochs, early stopping, checkpoints.
 * See train.h. */
#include "train.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adam.h"
#include "parse.h"
#include "xalloc.h"

struct Trainer {
	Recipe r;
	RunOptions ro;
	Unet *u;
	Adam *opt;
	TrainState ts;		/* ts.epoch: epochs completed */
	Loader *train, *val;
	int size;
	uint64_t nbatch;	/* batches per pass over the training data */
	uint64_t pass, next;	/* where the training loader stands */
	int open_pass;		/* pass is begun */
	float *cw;		/* class weights or NULL */
	double best;		/* best val mean IoU, -1: none yet */
	uint64_t best_epoch;
	int bad;		/* epochs since the best */
	EpochAcc acc;
	double *iou;
};

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

/* ---- checkpoints ---- */

enum { NEXTRA = 16 };
typedef struct {
	StMeta m[NEXTRA];
	char v[NEXTRA][80];
	int n;
} Extra;

static void
extra_add(Extra *x, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
extra_add(Extra *x, const char *key, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(x->v[x->n], sizeof x->v[0], fmt, ap);
	va_end(ap);
	x->m[x->n].key = key;
	x->m[x->n].value = x->v[x->n];
	x->n++;
}

static int
save_state(Trainer *t, Err *e)
{
	const Recipe *r = &t->r;
	Extra x = { .n = 0 };

	extra_add(&x, "size", "%d", t->size);
	extra_add(&x, "batch", "%d", r->batch);
	extra_add(&x, "seed", "%" PRIu64, r->seed);
	extra_add(&x, "steps_per_epoch", "%" PRIu64, r->steps);
	extra_add(&x, "class_weights", "%s",
	    r->class_weights == CW_MEDIAN ? "median" : "none");
	extra_add(&x, "augment", "%d %.9g %.9g %.9g", r->aug.flip,
	    (double)r->aug.scale_min, (double)r->aug.brightness,
	    (double)r->aug.contrast);
	extra_add(&x, "best_miou", "%.17g", t->best);
	extra_add(&x, "best_epoch", "%" PRIu64, t->best_epoch);
	extra_add(&x, "bad_epochs", "%d", t->bad);
	extra_add(&x, "acc_loss", "%.17g", t->acc.loss);
	extra_add(&x, "acc_seconds", "%.17g", t->acc.seconds);
	extra_add(&x, "acc_images", "%" PRIu64, t->acc.images);
	extra_add(&x, "acc_valid", "%" PRIu64, t->acc.valid);
	extra_add(&x, "acc_correct", "%" PRIu64, t->acc.correct);
	t->ts.position = t->next * (uint64_t)r->batch;
	return ckpt_save(t->ro.state, t->u, t->opt, &t->ts, x.m, x.n, e);
}

static int
save_best(Trainer *t, double miou, Err *e)
{
	Extra x = { .n = 0 };

	extra_add(&x, "size", "%d", t->size);
	extra_add(&x, "epoch", "%" PRIu64, t->ts.epoch);
	extra_add(&x, "step", "%" PRIu64, t->ts.step);
	extra_add(&x, "val_miou", "%.9g", miou);
	return ckpt_save(t->ro.out, t->u, NULL, NULL, x.m, x.n, e);
}

/* Metadata of the state file: a string, a number in range. */
static const char *
need(const StFile *f, const char *key, Err *e)
{
	const char *s = st_meta(f, key);

	if (s == NULL)
		err_set(e, "__metadata__ lacks %s (not a unet-train state?)",
		    key);
	return s;
}

static int
need_u64(const StFile *f, const char *key, uint64_t max, uint64_t *v, Err *e)
{
	const char *s = need(f, key, e);

	if (s == NULL || parse_u64(s, 0, max, v, e) < 0)
		return err_prefix(e, "%s", key);
	return 0;
}

static int
need_double(const StFile *f, const char *key, double *v, Err *e)
{
	const char *s = need(f, key, e);

	if (s == NULL || parse_double(s, -1e300, 1e300, v, e) < 0)
		return err_prefix(e, "%s", key);
	return 0;
}

static int
read_extra(Trainer *t, const StFile *f, Err *e)
{
	Recipe *r = &t->r;
	uint64_t v[6];
	const char *cw, *aug;
	int fl;
	float a, b, c;

	if (need_u64(f, "size", 1 << 16, &v[0], e) < 0 ||
	    need_u64(f, "batch", 1 << 16, &v[1], e) < 0 ||
	    need_u64(f, "seed", UINT64_MAX, &r->seed, e) < 0 ||
	    need_u64(f, "steps_per_epoch", UINT64_MAX / 2, &r->steps, e) < 0 ||
	    need_u64(f, "best_epoch", UINT64_MAX, &t->best_epoch, e) < 0 ||
	    need_u64(f, "bad_epochs", 1 << 30, &v[2], e) < 0 ||
	    need_u64(f, "acc_images", UINT64_MAX, &t->acc.images, e) < 0 ||
	    need_u64(f, "acc_valid", UINT64_MAX, &t->acc.valid, e) < 0 ||
	    need_u64(f, "acc_correct", UINT64_MAX, &t->acc.correct, e) < 0 ||
	    need_double(f, "best_miou", &t->best, e) < 0 ||
	    need_double(f, "acc_loss", &t->acc.loss, e) < 0 ||
	    need_double(f, "acc_seconds", &t->acc.seconds, e) < 0 ||
	    (cw = need(f, "class_weights", e)) == NULL ||
	    (aug = need(f, "augment", e)) == NULL)
		return -1;
	if (v[1] < 1)
		return err_set(e, "batch: 0");
	t->size = (int)v[0];
	r->batch = (int)v[1];
	t->bad = (int)v[2];
	if (strcmp(cw, "none") != 0 && strcmp(cw, "median") != 0)
		return err_set(e, "class_weights: '%s'", cw);
	r->class_weights = strcmp(cw, "median") == 0 ? CW_MEDIAN : CW_NONE;
	if (sscanf(aug, "%d %f %f %f", &fl, &a, &b, &c) != 4)
		return err_set(e, "augment: '%s'", aug);
	r->aug = (AugOptions){ .flip = fl, .scale_min = a, .brightness = b,
	    .contrast = c };
	return 0;
}

/* ---- set-up ---- */

static int
open_loaders(Trainer *t, const char *const *train, int ntrain,
    const char *const *val, int nval, Err *e)
{
	LoaderOptions o = { .batch = t->r.batch, .seed = t->r.seed,
	    .nranks = 1, .threads = 1, .aug = t->r.aug };
	LoaderOptions ov = { .batch = t->r.batch, .seed = t->r.seed,
	    .nranks = 1, .threads = 1 };

	if ((t->train = loader_open(train, ntrain, &o, e)) == NULL)
		return -1;
	if ((t->val = loader_open(val, nval, &ov, e)) == NULL)
		return -1;
	if (loader_size(t->val) != loader_size(t->train))
		return err_set(e, "the validation shards are %dx%d, the "
		    "training shards %dx%d", loader_size(t->val),
		    loader_size(t->val), loader_size(t->train),
		    loader_size(t->train));
	if (t->size != 0 && t->size != loader_size(t->train))
		return err_set(e, "the state was trained at %dx%d, the shards "
		    "are %dx%d", t->size, t->size, loader_size(t->train),
		    loader_size(t->train));
	t->size = loader_size(t->train);
	if (t->size % (1 << t->r.net.depth) != 0)
		return err_set(e, "the shards' size %d is not a multiple of "
		    "2^depth = %d", t->size, 1 << t->r.net.depth);
	t->nbatch = loader_batches(t->train);
	if (t->r.steps == 0)
		t->r.steps = t->nbatch;
	if (t->r.class_weights == CW_MEDIAN) {
		t->cw = xmallocarray((size_t)t->r.net.classes, sizeof *t->cw);
		if (class_weights_median(train, ntrain, t->r.net.classes,
		    t->ro.threads, t->cw, e) < 0)
			return -1;
	}
	return 0;
}

static Trainer *
trainer_alloc(const Recipe *r, const RunOptions *ro)
{
	Trainer *t = xcalloc(1, sizeof *t);

	t->r = *r;
	t->ro = *ro;
	t->best = -1;
	return t;
}

Trainer *
trainer_new(const Recipe *r, const RunOptions *ro, const char *const *train,
    int ntrain, const char *const *val, int nval, Err *e)
{
	Trainer *t = trainer_alloc(r, ro);

	if (unet_config_check(&r->net, e) < 0 ||
	    (t->u = unet_new(&r->net, r->seed, e)) == NULL ||
	    open_loaders(t, train, ntrain, val, nval, e) < 0) {
		trainer_free(t);
		return NULL;
	}
	unet_set_threads(t->u, ro->threads);
	t->opt = adam_new(t->u->nparams);
	t->opt->lr = r->lr;
	rng_seed(&t->ts.rng, r->seed);
	t->iou = xmallocarray((size_t)r->net.classes, sizeof *t->iou);
	return t;
}

Trainer *
trainer_resume(Recipe *r, const RunOptions *ro, const char *const *train,
    int ntrain, const char *const *val, int nval, Err *e)
{
	Trainer *t = trainer_alloc(r, ro);
	StFile *f;

	if ((t->u = ckpt_load(ro->state, &t->opt, &t->ts, e)) == NULL)
		goto fail;
	if ((f = st_read(ro->state, e)) == NULL)
		goto fail;
	if (read_extra(t, f, e) < 0) {
		st_free(f);
		err_prefix(e, "%s", ro->state);
		goto fail;
	}
	st_free(f);
	t->r.net = t->u->cfg;
	t->r.lr = t->opt->lr;
	if (open_loaders(t, train, ntrain, val, nval, e) < 0)
		goto fail;
	unet_set_threads(t->u, ro->threads);
	t->iou = xmallocarray((size_t)t->r.net.classes, sizeof *t->iou);
	*r = t->r;
	return t;
fail:
	trainer_free(t);
	return NULL;
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
	unet_free(t->u);
	free(t->cw), free(t->iou), free(t);
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
	return t->bad < t->ro.patience ? t->ro.patience - t->bad : 0;
}

double
trainer_best(const Trainer *t, uint64_t *epoch)
{
	*epoch = t->best_epoch;
	return t->best;
}

/* ---- the loop ---- */

/* The batch of global step g: batch g mod B of pass g / B. */
static int
next_batch(Trainer *t, Batch *b, Err *e)
{
	uint64_t pass = t->ts.step / t->nbatch, k = t->ts.step % t->nbatch;
	int r;

	if (!t->open_pass || pass != t->pass || k != t->next) {
		if (loader_epoch_begin(t->train, pass, k * (uint64_t)t->r.batch,
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

static int
step(Trainer *t, Err *e)
{
	LossStats st;
	Batch b;
	double t0 = now();
	int s = t->size;

	if (next_batch(t, &b, e) < 0 ||
	    check_labels(t->train, &b, t->r.net.classes, e) < 0 ||
	    unet_forward(t->u, b.x, b.n, s, s, 1, e) < 0 ||
	    unet_loss_backward(t->u, b.y, t->cw, &st, e) < 0)
		return -1;
	if (!isfinite(st.loss)) {
		err_set(e, "the training loss is %s at epoch %" PRIu64 ", step "
		    "%" PRIu64 " (learning rate too high?)",
		    isnan(st.loss) ? "NaN" : "infinite",
		    t->ts.epoch + 1, t->ts.step + 1);
		return TRAIN_DIVERGED;
	}
	adam_step(t->opt, t->u->params, t->u->grads);
	t->ts.step++;
	t->acc.loss += st.loss * b.n;
	t->acc.images += (uint64_t)b.n;
	t->acc.valid += (uint64_t)st.valid;
	t->acc.correct += (uint64_t)st.correct;
	t->acc.seconds += now() - t0;
	return 0;
}

static void
fill_row(Trainer *t, EpochRow *row, double vloss, double miou, double vsec)
{
	const EpochAcc *a = &t->acc;

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

	if (!finite_params(t)) {
		err_set(e, "a weight is not finite after epoch %" PRIu64
		    " (learning rate too high?)", t->ts.epoch + 1);
		return TRAIN_DIVERGED;
	}
	if (evaluate(t->u, t->val, t->cw, &vloss, t->iou, &miou, &scored,
	    e) < 0)
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
	row->improved = miou > t->best;
	if (row->improved) {
		t->best = miou;
		t->best_epoch = t->ts.epoch;
		t->bad = 0;
		if (save_best(t, miou, e) < 0)
			return -1;
	} else {
		t->bad++;
	}
	t->acc = (EpochAcc){ 0 };
	return save_state(t, e) < 0 ? -1 : TRAIN_EPOCH;
}

int
trainer_epoch(Trainer *t, volatile sig_atomic_t *stop, Progress *p,
    EpochRow *row, Err *e)
{
	uint64_t first = t->ts.epoch * t->r.steps, end = first + t->r.steps;
	int r;

	while (t->ts.step < end) {
		if (*stop)
			return save_state(t, e) < 0 ? -1 : TRAIN_STOPPED;
		if ((r = step(t, e)) != 0)
			return r;
		progress_update(p, t->ts.step - first, t->acc.images);
	}
	return end_epoch(t, row, e);
}
