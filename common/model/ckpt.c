/* ckpt — checkpoints and their metadata keys. See ckpt.h. */
#include "ckpt.h"

#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "objective.h"
#include "parse.h"
#include "safetensors.h"
#include "schedule.h"
#include "xalloc.h"

#define FORMAT "imatseg-unet"
#define FORMAT_VERSION "1"

enum { MAX_META = 64 };	/* more than meta_fill and meta_recipe* add */

/* Metadata strings live in one arena owned by the caller's stack. */
typedef struct {
	StMeta m[MAX_META];
	char text[MAX_META][80];
	int n;
} Meta;

static void
meta_add(Meta *mt, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
meta_add(Meta *mt, const char *key, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(mt->text[mt->n], sizeof mt->text[0], fmt, ap);
	va_end(ap);
	mt->m[mt->n].key = key;
	mt->m[mt->n].value = mt->text[mt->n];
	mt->n++;
}

static const char *const cw_names[] = { "none", "median", "sqrt" };

const char *
ckpt_cw_name(int kind)
{
	return kind >= 0 && kind < (int)(sizeof cw_names / sizeof *cw_names) ?
	    cw_names[kind] : "?";
}

int
ckpt_cw_kind(const char *name)
{
	for (int i = 0; i < (int)(sizeof cw_names / sizeof *cw_names); i++)
		if (strcmp(name, cw_names[i]) == 0)
			return i;
	return -1;
}

/* The architecture, then (resumable) where the optimiser stands. */
static void
meta_fill(Meta *mt, const Unet *u, const Adam *opt, const TrainState *ts)
{
	const UnetConfig *c = &u->cfg;

	mt->n = 0;
	meta_add(mt, "format", "%s", FORMAT);
	meta_add(mt, "format_version", "%s", FORMAT_VERSION);
	meta_add(mt, "in_channels", "%d", c->in_channels);
	meta_add(mt, "depth", "%d", c->depth);
	meta_add(mt, "filters", "%d", c->filters);
	meta_add(mt, "classes", "%d", c->classes);
	meta_add(mt, "dropout", "%.9g", (double)c->dropout);
	meta_add(mt, "dropout_rng", "%016" PRIx64 "%016" PRIx64 "%016" PRIx64
	    "%016" PRIx64, u->rng.s[0], u->rng.s[1], u->rng.s[2], u->rng.s[3]);
	meta_add(mt, "resumable", "%d", opt != NULL && ts != NULL);
	if (opt == NULL || ts == NULL)
		return;
	meta_add(mt, "step", "%" PRIu64, ts->step);
	meta_add(mt, "epoch", "%" PRIu64, ts->epoch);
	meta_add(mt, "position", "%" PRIu64, ts->position);
	meta_add(mt, "rng", "%016" PRIx64 "%016" PRIx64 "%016" PRIx64
	    "%016" PRIx64, ts->rng.s[0], ts->rng.s[1], ts->rng.s[2],
	    ts->rng.s[3]);
	meta_add(mt, "adam_t", "%" PRId64, opt->t);
	meta_add(mt, "adam_lr", "%.9g", (double)opt->lr);
	meta_add(mt, "adam_beta1", "%.9g", (double)opt->beta1);
	meta_add(mt, "adam_beta2", "%.9g", (double)opt->beta2);
	meta_add(mt, "adam_eps", "%.9g", (double)opt->eps);
	meta_add(mt, "adam_weight_decay", "%.9g", (double)opt->weight_decay);
}

static void
meta_info(Meta *mt, const CkptInfo *in)
{
	meta_add(mt, "size", "%d", in->size);
	meta_add(mt, "epoch", "%" PRIu64, in->epoch);
	meta_add(mt, "step", "%" PRIu64, in->step);
	meta_add(mt, "val_miou", "%.9g", in->val_miou);
}

static void
meta_recipe(Meta *mt, const Recipe *r, const TrainState *ts)
{
	meta_add(mt, "size", "%d", r->size);
	meta_add(mt, "batch", "%d", r->batch);
	meta_add(mt, "seed", "%" PRIu64, r->seed);
	meta_add(mt, "steps_per_epoch", "%" PRIu64, r->steps);
	meta_add(mt, "class_weights", "%s", ckpt_cw_name(r->class_weights));
	meta_add(mt, "augment", "%d %.9g %.9g %.9g", r->aug.flip,
	    (double)r->aug.scale_min, (double)r->aug.brightness,
	    (double)r->aug.contrast);
	/* only when not what a state without them means: one process's
	 * state is the bytes it was before training on many */
	if (r->ranks > 1)
		meta_add(mt, "ranks", "%d", r->ranks);
	if (r->sync_bn)
		meta_add(mt, "sync_bn", "%d", r->sync_bn);
	meta_add(mt, "best_miou", "%.17g", ts->best);
	meta_add(mt, "best_epoch", "%" PRIu64, ts->best_epoch);
	meta_add(mt, "bad_epochs", "%d", ts->bad);
	meta_add(mt, "acc_loss", "%.17g", ts->acc.loss);
	meta_add(mt, "acc_seconds", "%.17g", ts->acc.seconds);
	meta_add(mt, "acc_images", "%" PRIu64, ts->acc.images);
	meta_add(mt, "acc_valid", "%" PRIu64, ts->acc.valid);
	meta_add(mt, "acc_correct", "%" PRIu64, ts->acc.correct);
}

/* The recipe's later fields, each only when it is not the default (see
 * Recipe), and the average's step count. */
static void
meta_recipe_more(Meta *mt, const Recipe *r, const Ema *ema)
{
	if (r->lr_schedule != LR_CONSTANT) {
		meta_add(mt, "lr_schedule", "%s", schedule_name(r->lr_schedule));
		meta_add(mt, "lr", "%.9g", (double)r->lr);
		meta_add(mt, "schedule_steps", "%" PRIu64, r->schedule_steps);
	}
	if (r->warmup != 0)
		meta_add(mt, "warmup", "%" PRIu64, r->warmup);
	if (r->loss != LOSS_CE)
		meta_add(mt, "loss", "%s", objective_name(r->loss));
	if (ema != NULL) {
		meta_add(mt, "ema", "%.9g", (double)ema->decay);
		meta_add(mt, "ema_t", "%" PRId64, ema->t);
	}
}

static void
tensor_of(StTensor *t, const TensorView *v, const char *name,
    const void *data)
{
	t->name = name;
	t->dtype = v->kind == TV_COUNT ? "I64" : "F32";
	t->ndim = v->ndim;
	for (int i = 0; i < v->ndim; i++)
		t->shape[i] = v->shape[i];
	t->data = data;
}

/* The tensors of u, then (resumable) Adam's moments of each parameter,
 * then (with an average) the average of each parameter and statistic. */
static int
save(const char *path, const Unet *u, const Adam *opt, const Ema *ema,
    const Meta *mt, Err *e)
{
	int resumable = opt != NULL, nt = 0, rc;
	StTensor *t = xcalloc((size_t)u->nviews * 4, sizeof *t);
	char (*names)[80] = xcalloc((size_t)u->nviews * 3, sizeof *names);

	if (resumable && opt->n != u->nparams) {
		free(t), free(names);
		return err_set(e, "%s: the optimiser has %zu moments for %zu "
		    "parameters", path, opt->n, u->nparams);
	}
	for (int i = 0; i < u->nviews; i++) {
		const TensorView *v = &u->views[i];

		tensor_of(&t[nt++], v, v->name, v->kind == TV_COUNT ?
		    (const void *)&u->bn_batches : unet_view_data(u, v));
	}
	for (int i = 0; resumable && i < u->nviews; i++) {
		const TensorView *v = &u->views[i];

		if (v->kind != TV_PARAM)
			continue;
		snprintf(names[3 * i], 80, "optim.exp_avg.%s", v->name);
		snprintf(names[3 * i + 1], 80, "optim.exp_avg_sq.%s", v->name);
		tensor_of(&t[nt++], v, names[3 * i], opt->m + v->off);
		tensor_of(&t[nt++], v, names[3 * i + 1], opt->v + v->off);
	}
	for (int i = 0; ema != NULL && i < u->nviews; i++) {
		const TensorView *v = &u->views[i];

		if (v->kind == TV_COUNT)
			continue;
		snprintf(names[3 * i + 2], 80, "ema.%s", v->name);
		tensor_of(&t[nt++], v, names[3 * i + 2], (v->kind == TV_PARAM ?
		    ema->params : ema->stats) + v->off);
	}
	rc = st_write(path, t, nt, mt->m, mt->n, e);
	free(t), free(names);
	return rc;
}

int
ckpt_save(const char *path, const Unet *u, const CkptInfo *info, Err *e)
{
	Meta *mt = xcalloc(1, sizeof *mt);
	int rc;

	meta_fill(mt, u, NULL, NULL);
	if (info != NULL)
		meta_info(mt, info);
	rc = save(path, u, NULL, NULL, mt, e);
	free(mt);
	return rc;
}

int
ckpt_save_state(const char *path, const Unet *u, const Adam *opt,
    const Ema *ema, const Recipe *r, const TrainState *ts, Err *e)
{
	Meta *mt = xcalloc(1, sizeof *mt);
	int rc;

	if (ema != NULL && (ema->nparams != u->nparams ||
	    ema->nstats != u->nstats)) {
		free(mt);
		return err_set(e, "%s: the average has %zu + %zu weights for "
		    "%zu + %zu", path, ema->nparams, ema->nstats, u->nparams,
		    u->nstats);
	}
	meta_fill(mt, u, opt, ts);
	meta_recipe(mt, r, ts);
	meta_recipe_more(mt, r, ema);
	rc = save(path, u, opt, ema, mt, e);
	free(mt);
	return rc;
}

static const char *
meta_need(const StFile *f, const char *key, Err *e)
{
	const char *s = st_meta(f, key);

	if (s == NULL)
		err_set(e, "__metadata__ lacks %s", key);
	return s;
}

static int
meta_long(const StFile *f, const char *key, long lo, long hi, long *out,
    Err *e)
{
	const char *s = meta_need(f, key, e);

	if (s == NULL)
		return -1;
	if (parse_long(s, lo, hi, out, e) < 0)
		return err_prefix(e, "__metadata__ %s", key);
	return 0;
}

/* A key older files lack: dflt when absent. */
static int
meta_int_or(const StFile *f, const char *key, int lo, int hi, int dflt,
    int *out, Err *e)
{
	long v = dflt;

	if (st_meta(f, key) != NULL && meta_long(f, key, lo, hi, &v, e) < 0)
		return -1;
	*out = (int)v;
	return 0;
}

static int
meta_u64(const StFile *f, const char *key, uint64_t max, uint64_t *out,
    Err *e)
{
	const char *s = meta_need(f, key, e);

	if (s == NULL)
		return -1;
	if (parse_u64(s, 0, max, out, e) < 0)
		return err_prefix(e, "__metadata__ %s", key);
	return 0;
}

static int
meta_double(const StFile *f, const char *key, double *out, Err *e)
{
	const char *s = meta_need(f, key, e);

	if (s == NULL)
		return -1;
	if (parse_double(s, -1e300, 1e300, out, e) < 0)
		return err_prefix(e, "__metadata__ %s", key);
	return 0;
}

static int
meta_float(const StFile *f, const char *key, double lo, double hi,
    float *out, Err *e)
{
	const char *s = meta_need(f, key, e);
	double d;

	if (s == NULL)
		return -1;
	if (parse_double(s, lo, hi, &d, e) < 0)
		return err_prefix(e, "__metadata__ %s", key);
	*out = (float)d;
	return 0;
}

/* 64 hex digits: the four words of an Rng. */
static int
meta_rng(const StFile *f, const char *key, Rng *r, Err *e)
{
	const char *s = meta_need(f, key, e);

	if (s == NULL)
		return -1;
	if (strlen(s) != 64 || strspn(s, "0123456789abcdef") != 64)
		return err_set(e, "__metadata__ %s: not 64 hex digits", key);
	for (int i = 0; i < 4; i++) {
		char w[17];

		memcpy(w, s + 16 * i, 16);
		w[16] = 0;
		r->s[i] = strtoull(w, NULL, 16);
	}
	return 0;
}

static int
config_of(const StFile *f, UnetConfig *c, Err *e)
{
	const char *fmt = meta_need(f, "format", e);
	long v[4];

	if (fmt == NULL)
		return -1;
	if (strcmp(fmt, FORMAT) != 0)
		return err_set(e, "__metadata__ format is \"%s\", not \"%s\"",
		    fmt, FORMAT);
	if (meta_long(f, "format_version", 1, 1, &v[0], e) < 0 ||
	    meta_long(f, "in_channels", 1, 64, &v[0], e) < 0 ||
	    meta_long(f, "depth", 1, UNET_MAX_DEPTH, &v[1], e) < 0 ||
	    meta_long(f, "filters", 1, 4096, &v[2], e) < 0 ||
	    meta_long(f, "classes", 2, 255, &v[3], e) < 0 ||
	    meta_float(f, "dropout", 0, 1, &c->dropout, e) < 0)
		return -1;
	c->in_channels = (int)v[0];
	c->depth = (int)v[1];
	c->filters = (int)v[2];
	c->classes = (int)v[3];
	return unet_config_check(c, e);
}

/* The tensor called name must be there with the view's dtype and shape. */
static const void *
tensor_need(const StFile *f, const TensorView *v, const char *name, Err *e)
{
	const StEntry *t = st_find(f, name);
	const char *dt = v->kind == TV_COUNT ? "I64" : "F32";

	if (t == NULL) {
		err_set(e, "tensor %s is missing", name);
		return NULL;
	}
	int same = strcmp(t->dtype, dt) == 0 && t->ndim == v->ndim;
	for (int i = 0; same && i < v->ndim; i++)
		same = t->shape[i] == v->shape[i];
	if (!same) {
		char want[64] = "", got[64] = "";
		for (int i = 0; i < v->ndim; i++)
			snprintf(want + strlen(want), 64 - strlen(want), "%s%d",
			    i ? "," : "", v->shape[i]);
		for (int i = 0; i < t->ndim && i < 6; i++)
			snprintf(got + strlen(got), 64 - strlen(got), "%s%lld",
			    i ? "," : "", (long long)t->shape[i]);
		err_set(e, "tensor %s: %s [%s], the architecture needs %s [%s]",
		    name, t->dtype, got, dt, want);
		return NULL;
	}
	return st_data(f, t);
}

static int
copy_floats(float *dst, const void *src, size_t n, const char *name, Err *e)
{
	memcpy(dst, src, n * sizeof *dst);
	for (size_t i = 0; i < n; i++)
		if (!isfinite(dst[i]))
			return err_set(e, "tensor %s: element %zu is not finite",
			    name, i);
	return 0;
}

static int
load_model(const StFile *f, Unet *u, Err *e)
{
	int counted = 0;

	for (int i = 0; i < u->nviews; i++) {
		const TensorView *v = &u->views[i];
		const void *p = tensor_need(f, v, v->name, e);
		int64_t k;

		if (p == NULL)
			return -1;
		if (v->kind != TV_COUNT) {
			if (copy_floats(unet_view_data(u, v), p, v->len,
			    v->name, e) < 0)
				return -1;
			continue;
		}
		memcpy(&k, p, sizeof k);
		if (k < 0 || (counted && k != u->bn_batches))
			return err_set(e, "tensor %s: %lld batches, not the "
			    "%lld of the others", v->name, (long long)k,
			    (long long)u->bn_batches);
		u->bn_batches = k;
		counted = 1;
	}
	return meta_rng(f, "dropout_rng", &u->rng, e);
}

static Adam *
load_adam(const StFile *f, const Unet *u, Err *e)
{
	Adam *a = adam_new(u->nparams);
	char name[80];
	long t;

	if (meta_long(f, "adam_t", 0, LONG_MAX, &t, e) < 0 ||
	    meta_float(f, "adam_lr", 0, 1e9, &a->lr, e) < 0 ||
	    meta_float(f, "adam_beta1", 0, 1, &a->beta1, e) < 0 ||
	    meta_float(f, "adam_beta2", 0, 1, &a->beta2, e) < 0 ||
	    meta_float(f, "adam_eps", 0, 1, &a->eps, e) < 0 ||
	    meta_float(f, "adam_weight_decay", 0, 1e9, &a->weight_decay, e) < 0)
		goto fail;
	a->t = t;
	for (int i = 0; i < u->nviews; i++) {
		const TensorView *v = &u->views[i];
		const void *p;

		if (v->kind != TV_PARAM)
			continue;
		for (int k = 0; k < 2; k++) {
			snprintf(name, sizeof name, "optim.%s.%s",
			    k ? "exp_avg_sq" : "exp_avg", v->name);
			if ((p = tensor_need(f, v, name, e)) == NULL ||
			    copy_floats((k ? a->v : a->m) + v->off, p, v->len,
			    name, e) < 0)
				goto fail;
		}
	}
	return a;
fail:
	adam_free(a);
	return NULL;
}

/* Every tensor of the file must be one the architecture knows: Adam's
 * moments of parameters in a resumable file, the average of parameters
 * and statistics in one whose recipe keeps an average (that every known
 * one is there, load_model, load_adam and load_ema check). */
static int
no_strangers(const StFile *f, const Unet *u, int resumable, Err *e)
{
	int ema = resumable && st_meta(f, "ema") != NULL;

	for (int i = 0; i < st_count(f); i++) {
		const char *n = st_entry(f, i)->name;
		int moment = 0, average = 0;

		if (resumable && strncmp(n, "optim.exp_avg.", 14) == 0)
			n += 14, moment = 1;
		else if (resumable && strncmp(n, "optim.exp_avg_sq.", 17) == 0)
			n += 17, moment = 1;
		else if (ema && strncmp(n, "ema.", 4) == 0)
			n += 4, average = 1;
		const TensorView *v = unet_view(u, n);
		if (v == NULL || (moment && v->kind != TV_PARAM) ||
		    (average && v->kind == TV_COUNT))
			return err_set(e, "tensor %s is not part of the "
			    "architecture", st_entry(f, i)->name);
	}
	return 0;
}

/* The average of the weights, when the recipe keeps one. */
static int
load_ema(const StFile *f, const Unet *u, const Recipe *r, Ema **out, Err *e)
{
	char name[80];
	long t;
	Ema *a;

	*out = NULL;
	if (r->ema == 0)
		return 0;
	if (meta_long(f, "ema_t", 0, LONG_MAX, &t, e) < 0)
		return -1;
	a = ema_new(u, r->ema);
	a->t = t;
	for (int i = 0; i < u->nviews; i++) {
		const TensorView *v = &u->views[i];
		const void *p;

		if (v->kind == TV_COUNT)
			continue;
		snprintf(name, sizeof name, "ema.%s", v->name);
		if ((p = tensor_need(f, v, name, e)) == NULL ||
		    copy_floats((v->kind == TV_PARAM ? a->params : a->stats) +
		    v->off, p, v->len, name, e) < 0) {
			ema_free(a);
			return -1;
		}
	}
	*out = a;
	return 0;
}

/* What a weights-only checkpoint records; each key may be absent. */
static int
load_info(const StFile *f, CkptInfo *in, Err *e)
{
	long v;

	*in = (CkptInfo){ .val_miou = NAN };
	if (st_meta(f, "size") != NULL) {
		if (meta_long(f, "size", 1, 65536, &v, e) < 0)
			return -1;
		in->size = (int)v;
	}
	if ((st_meta(f, "epoch") != NULL &&
	    meta_u64(f, "epoch", UINT64_MAX, &in->epoch, e) < 0) ||
	    (st_meta(f, "step") != NULL &&
	    meta_u64(f, "step", UINT64_MAX, &in->step, e) < 0) ||
	    (st_meta(f, "val_miou") != NULL &&
	    meta_double(f, "val_miou", &in->val_miou, e) < 0))
		return -1;
	return 0;
}

static int
load_state(const StFile *f, TrainState *ts, Err *e)
{
	uint64_t bad;

	*ts = (TrainState){ 0 };
	if (meta_u64(f, "step", UINT64_MAX, &ts->step, e) < 0 ||
	    meta_u64(f, "epoch", UINT64_MAX, &ts->epoch, e) < 0 ||
	    meta_u64(f, "position", UINT64_MAX, &ts->position, e) < 0 ||
	    meta_rng(f, "rng", &ts->rng, e) < 0 ||
	    meta_u64(f, "best_epoch", UINT64_MAX, &ts->best_epoch, e) < 0 ||
	    meta_u64(f, "bad_epochs", 1 << 30, &bad, e) < 0 ||
	    meta_u64(f, "acc_images", UINT64_MAX, &ts->acc.images, e) < 0 ||
	    meta_u64(f, "acc_valid", UINT64_MAX, &ts->acc.valid, e) < 0 ||
	    meta_u64(f, "acc_correct", UINT64_MAX, &ts->acc.correct, e) < 0 ||
	    meta_double(f, "best_miou", &ts->best, e) < 0 ||
	    meta_double(f, "acc_loss", &ts->acc.loss, e) < 0 ||
	    meta_double(f, "acc_seconds", &ts->acc.seconds, e) < 0)
		return -1;
	ts->bad = (int)bad;
	return 0;
}

/* The recipe's later fields: each absent key is its default, as a state
 * written before them has it (the rate then is Adam's, constant). */
static int
load_recipe_more(const StFile *f, Recipe *r, Err *e)
{
	const char *s;

	r->lr_schedule = LR_CONSTANT;
	r->warmup = r->schedule_steps = 0;
	r->loss = LOSS_CE;
	r->ema = 0;
	if ((s = st_meta(f, "lr_schedule")) != NULL &&
	    (r->lr_schedule = schedule_kind(s)) < 0)
		return err_set(e, "__metadata__ lr_schedule: '%s'", s);
	if (r->lr_schedule != LR_CONSTANT &&
	    (meta_float(f, "lr", 1e-30, 1e30, &r->lr, e) < 0 ||
	    meta_u64(f, "schedule_steps", UINT64_MAX / 2, &r->schedule_steps,
	    e) < 0))
		return -1;
	if (st_meta(f, "warmup") != NULL &&
	    meta_u64(f, "warmup", UINT64_MAX / 2, &r->warmup, e) < 0)
		return -1;
	if ((s = st_meta(f, "loss")) != NULL &&
	    (r->loss = objective_kind(s)) < 0)
		return err_set(e, "__metadata__ loss: '%s'", s);
	if (st_meta(f, "ema") != NULL &&
	    meta_float(f, "ema", 1e-9, 1 - 1e-9, &r->ema, e) < 0)
		return -1;
	return 0;
}

static int
load_recipe(const StFile *f, Recipe *r, Err *e)
{
	const char *cw, *aug;
	long size, batch;
	int fl;
	float a, b, c;

	if (meta_long(f, "size", 1, 1 << 16, &size, e) < 0 ||
	    meta_long(f, "batch", 1, 1 << 16, &batch, e) < 0 ||
	    meta_u64(f, "seed", UINT64_MAX, &r->seed, e) < 0 ||
	    meta_u64(f, "steps_per_epoch", UINT64_MAX / 2, &r->steps, e) < 0 ||
	    (cw = meta_need(f, "class_weights", e)) == NULL ||
	    (aug = meta_need(f, "augment", e)) == NULL)
		return -1;
	r->size = (int)size;
	r->batch = (int)batch;
	if ((r->class_weights = ckpt_cw_kind(cw)) < 0)
		return err_set(e, "__metadata__ class_weights: '%s'", cw);
	if (sscanf(aug, "%d %f %f %f", &fl, &a, &b, &c) != 4)
		return err_set(e, "__metadata__ augment: '%s'", aug);
	r->aug = (AugOptions){ .flip = fl, .scale_min = a, .brightness = b,
	    .contrast = c };
	/* states from before training on many processes: one */
	if (meta_int_or(f, "ranks", 1, 1 << 20, 1, &r->ranks, e) < 0 ||
	    meta_int_or(f, "sync_bn", 0, 1, 0, &r->sync_bn, e) < 0)
		return -1;
	return load_recipe_more(f, r, e);
}

/* The network of f, and whether f is resumable. A file too small for
 * the architecture its metadata claims is refused before the network is
 * made: a few hundred bytes must not cost gigabytes. */
static Unet *
load_net(const StFile *f, long *resumable, Err *e)
{
	UnetConfig c;
	Unet *u;
	size_t np, ns, have = 0;

	if (config_of(f, &c, e) < 0 ||
	    meta_long(f, "resumable", 0, 1, resumable, e) < 0 ||
	    unet_sizes(&c, &np, &ns, e) < 0)
		return NULL;
	for (int i = 0; i < st_count(f); i++)
		have += st_entry(f, i)->nbytes;
	if (have / sizeof(float) < np + ns) {
		err_set(e, "the architecture (depth %d, filters %d, %d classes) "
		    "has %zu parameters and statistics, the file's tensors hold "
		    "%zu floats", c.depth, c.filters, c.classes, np + ns,
		    have / sizeof(float));
		return NULL;
	}
	if ((u = unet_new(&c, 0, e)) == NULL)
		return NULL;
	if (no_strangers(f, u, (int)*resumable, e) < 0 ||
	    load_model(f, u, e) < 0) {
		unet_free(u);
		return NULL;
	}
	return u;
}

Unet *
ckpt_load(const char *path, CkptInfo *info, Err *e)
{
	StFile *f = st_read(path, e);
	CkptInfo dummy;
	Unet *u;
	long resumable;

	if (f == NULL)
		return NULL;
	if ((u = load_net(f, &resumable, e)) != NULL &&
	    load_info(f, info != NULL ? info : &dummy, e) < 0) {
		unet_free(u);
		u = NULL;
	}
	if (u == NULL)
		err_prefix(e, "%s", path);
	st_free(f);
	return u;
}

Unet *
ckpt_load_state(const char *path, Adam **opt, Ema **ema, Recipe *r,
    TrainState *ts, Err *e)
{
	StFile *f = st_read(path, e);
	Unet *u = NULL;
	long resumable;

	*opt = NULL;
	*ema = NULL;
	if (f == NULL)
		return NULL;
	if ((u = load_net(f, &resumable, e)) == NULL)
		goto fail;
	if (!resumable) {
		err_set(e, "not a resumable checkpoint (no optimiser state)");
		goto fail;
	}
	if ((*opt = load_adam(f, u, e)) == NULL || load_state(f, ts, e) < 0)
		goto fail;
	r->lr = (*opt)->lr;
	if (load_recipe(f, r, e) < 0 || load_ema(f, u, r, ema, e) < 0)
		goto fail;
	r->net = u->cfg;
	st_free(f);
	return u;
fail:
	err_prefix(e, "%s", path);
	if (*opt != NULL)
		adam_free(*opt);
	*opt = NULL;
	unet_free(u);
	st_free(f);
	return NULL;
}
