/* Unit tests of the safetensors checkpoints: byte-exact round trips of
 * weights and of a resumable state, and the refusals of damaged files. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ckpt.h"
#include "objective.h"
#include "schedule.h"
#include "safetensors.h"
#include "tap.h"
#include "xalloc.h"

static char dir[] = "/tmp/test_ckpt.XXXXXX";

static char *
path_of(const char *name)
{
	static char p[4][128];
	static int i;

	i = (i + 1) % 4;
	snprintf(p[i], sizeof p[i], "%s/%s", dir, name);
	return p[i];
}

static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *b;
	long n;

	if (fp == NULL)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	b = xmalloc((size_t)n + 1);
	*len = fread(b, 1, (size_t)n, fp);
	fclose(fp);
	return b;
}

static void
spit(const char *path, const void *b, size_t len)
{
	FILE *fp = fopen(path, "wb");

	fwrite(b, 1, len, fp);
	fclose(fp);
}

static int
same_file(const char *a, const char *b)
{
	size_t la, lb;
	unsigned char *x = slurp(a, &la), *y = slurp(b, &lb);
	int same = x && y && la == lb && memcmp(x, y, la) == 0;

	free(x);
	free(y);
	return same;
}

static Unet *
small_net(void)
{
	UnetConfig c = { 3, 2, 2, 5, 0.25f };
	Err e;
	Unet *u = unet_new(&c, 3, &e);

	for (size_t i = 0; i < u->nstats; i++)
		u->stats[i] = 0.5f + (float)i;
	u->bn_batches = 17;
	rng_seed(&u->rng, 99);
	return u;
}

static void
test_weights_round_trip(void)
{
	Unet *u = small_net(), *v;
	Err e;

	CHECK(ckpt_save(path_of("a.safetensors"), u, NULL, &e) == 0);
	v = ckpt_load(path_of("a.safetensors"), NULL, &e);
	CHECK(v != NULL);
	if (v == NULL) {
		printf("# %s\n", e.msg);
		unet_free(u);
		return;
	}
	CHECK(memcmp(&u->cfg, &v->cfg, sizeof u->cfg) == 0);
	CHECK(memcmp(u->params, v->params, u->nparams * 4) == 0);
	CHECK(memcmp(u->stats, v->stats, u->nstats * 4) == 0);
	CHECK(v->bn_batches == 17);
	CHECK(memcmp(&u->rng, &v->rng, sizeof u->rng) == 0);
	CHECK(ckpt_save(path_of("b.safetensors"), v, NULL, &e) == 0);
	CHECK(same_file(path_of("a.safetensors"), path_of("b.safetensors")));
	/* a weights-only checkpoint does not resume */
	Adam *a = NULL;
	Ema *ema = NULL;
	Recipe r;
	TrainState ts;
	CHECK(ckpt_load_state(path_of("a.safetensors"), &a, &ema, &r, &ts, &e) ==
	    NULL && a == NULL);
	CHECK(strstr(e.msg, "not a resumable") != NULL);
	unet_free(u);
	unet_free(v);
}

/* What a weights-only checkpoint records of its training comes back. */
static void
test_info_round_trip(void)
{
	Unet *u = small_net(), *v;
	CkptInfo in = { .size = 64, .epoch = 7, .step = 700,
	    .val_miou = 0.25 }, out;
	Err e;

	CHECK(ckpt_save(path_of("a.safetensors"), u, &in, &e) == 0);
	v = ckpt_load(path_of("a.safetensors"), &out, &e);
	CHECK(v != NULL);
	CHECK(out.size == 64 && out.epoch == 7 && out.step == 700 &&
	    out.val_miou == 0.25);
	unet_free(v);
	/* without it, nothing is known */
	CHECK(ckpt_save(path_of("a.safetensors"), u, NULL, &e) == 0);
	v = ckpt_load(path_of("a.safetensors"), &out, &e);
	CHECK(v != NULL);
	CHECK(out.size == 0 && out.epoch == 0 && out.step == 0 &&
	    isnan(out.val_miou));
	unet_free(v);
	unet_free(u);
}

static Recipe
some_recipe(const Unet *u)
{
	return (Recipe){ .net = u->cfg, .size = 32, .batch = 3, .lr = 3e-4f,
	    .seed = 42, .steps = 11, .class_weights = CW_MEDIAN,
	    .aug = { .flip = 1, .scale_min = 0.75f, .brightness = 0.125f,
	    .contrast = 0.25f } };
}

static void
test_resumable_round_trip(void)
{
	Unet *u = small_net(), *v;
	Adam *a = adam_new(u->nparams), *b = NULL;
	Ema *eb = NULL;
	TrainState ts = { .step = 1234, .epoch = 5, .position = 678,
	    .rng = { { 1, 2, 3, 0xffffffffffffffffULL } }, .best = 0.125,
	    .best_epoch = 4, .bad = 1, .acc = { 1.5, 2.25, 9, 10, 11 } };
	TrainState tt;
	Recipe r, rr;
	Err e;

	for (size_t i = 0; i < a->n; i++) {
		a->m[i] = (float)i * 0.25f;
		a->v[i] = (float)i * 0.125f;
	}
	a->t = 1234;
	a->lr = 3e-4f;
	a->weight_decay = 1e-5f;
	r = some_recipe(u);
	CHECK(ckpt_save_state(path_of("r.safetensors"), u, a, NULL, &r, &ts,
	    &e) == 0);
	v = ckpt_load_state(path_of("r.safetensors"), &b, &eb, &rr, &tt, &e);
	CHECK(v != NULL && b != NULL && eb == NULL);
	if (v == NULL || b == NULL) {
		printf("# %s\n", e.msg);
		unet_free(u);
		adam_free(a);
		return;
	}
	CHECK(memcmp(a->m, b->m, a->n * 4) == 0);
	CHECK(memcmp(a->v, b->v, a->n * 4) == 0);
	CHECK(b->t == 1234 && b->lr == a->lr && b->beta1 == a->beta1 &&
	    b->beta2 == a->beta2 && b->eps == a->eps &&
	    b->weight_decay == a->weight_decay);
	CHECK(ts.step == tt.step && ts.epoch == tt.epoch &&
	    ts.position == tt.position &&
	    memcmp(&ts.rng, &tt.rng, sizeof ts.rng) == 0 &&
	    ts.best == tt.best && ts.best_epoch == tt.best_epoch &&
	    ts.bad == tt.bad && ts.acc.loss == tt.acc.loss &&
	    ts.acc.seconds == tt.acc.seconds &&
	    ts.acc.images == tt.acc.images && ts.acc.valid == tt.acc.valid &&
	    ts.acc.correct == tt.acc.correct);
	CHECK(memcmp(&r.net, &rr.net, sizeof r.net) == 0 &&
	    r.size == rr.size && r.batch == rr.batch && r.lr == rr.lr &&
	    r.seed == rr.seed && r.steps == rr.steps &&
	    r.class_weights == rr.class_weights &&
	    memcmp(&r.aug, &rr.aug, sizeof r.aug) == 0);
	CHECK(ckpt_save_state(path_of("s.safetensors"), v, b, NULL, &rr, &tt,
	    &e) == 0);
	CHECK(same_file(path_of("r.safetensors"), path_of("s.safetensors")));
	/* a state is also a model */
	CkptInfo in;
	unet_free(v);
	v = ckpt_load(path_of("r.safetensors"), &in, &e);
	CHECK(v != NULL && in.size == 32 && in.epoch == 5 && in.step == 1234);
	unet_free(u);
	unet_free(v);
	adam_free(a);
	adam_free(b);
}

static void
train_step(Unet *u, Adam *a, const float *x, const uint8_t *y)
{
	LossStats st;
	Err e;

	CHECK(unet_forward(u, x, 2, 8, 8, 1, &e) == 0);
	CHECK(unet_loss_backward(u, y, NULL, &st, &e) == 0);
	adam_step(a, u->params, u->grads);
}

/* Stopping after a step, saving, loading and going on gives the bytes
 * of the run that never stopped: dropout's generator, the batch
 * counters, the running statistics and Adam's state all travel. */
static void
test_resume_is_exact(void)
{
	Unet *u = small_net(), *v;
	Adam *a = adam_new(u->nparams), *b = NULL;
	Ema *eb = NULL;
	TrainState ts = { .step = 1, .position = 2, .rng = { { 5, 6, 7, 8 } } };
	TrainState tt;
	Recipe rc = some_recipe(u), rr;
	float x[2 * 3 * 64];
	uint8_t y[2 * 64];
	Err e;
	Rng r;

	rng_seed(&r, 4);
	for (int i = 0; i < 2 * 3 * 64; i++)
		x[i] = (float)rng_normal(&r);
	for (int i = 0; i < 2 * 64; i++)
		y[i] = (uint8_t)rng_below(&r, 5);
	train_step(u, a, x, y);
	CHECK(ckpt_save_state(path_of("r.safetensors"), u, a, NULL, &rc, &ts,
	    &e) == 0);
	train_step(u, a, x, y);
	v = ckpt_load_state(path_of("r.safetensors"), &b, &eb, &rr, &tt, &e);
	CHECK(v != NULL && b != NULL);
	if (v != NULL && b != NULL) {
		train_step(v, b, x, y);
		CHECK(memcmp(u->params, v->params, u->nparams * 4) == 0);
		CHECK(memcmp(u->stats, v->stats, u->nstats * 4) == 0);
		CHECK(memcmp(a->m, b->m, a->n * 4) == 0);
		CHECK(memcmp(a->v, b->v, a->n * 4) == 0);
		CHECK(u->bn_batches == v->bn_batches && a->t == b->t);
		CHECK(memcmp(&u->rng, &v->rng, sizeof u->rng) == 0);
	}
	unet_free(u);
	unet_free(v);
	adam_free(a);
	adam_free(b);
}

/* Every tensor must be one the architecture has, and be there. */
static void
test_strangers_and_missing(void)
{
	Unet *u = small_net();
	StFile *f;
	StTensor t[200];
	StMeta m[40];
	int nt = 0, nm = 0;
	Err e;
	float extra = 1;

	CHECK(ckpt_save(path_of("a.safetensors"), u, NULL, &e) == 0);
	f = st_read(path_of("a.safetensors"), &e);
	CHECK(f != NULL && st_count(f) < 199);
	if (f == NULL)
		return;
	static const char *keys[] = { "format", "format_version",
	    "in_channels", "depth", "filters", "classes", "dropout",
	    "dropout_rng", "resumable" };
	for (int i = 0; i < 9; i++)
		m[nm++] = (StMeta){ keys[i], st_meta(f, keys[i]) };
	for (int i = 1; i < st_count(f); i++) {	/* all but the first */
		const StEntry *s = st_entry(f, i);

		t[nt] = (StTensor){ s->name, s->dtype, s->ndim, { 0 },
		    st_data(f, s) };
		memcpy(t[nt].shape, s->shape, sizeof s->shape);
		nt++;
	}
	/* too few floats for the architecture: refused before it is made */
	CHECK(st_write(path_of("bad.safetensors"), t, nt, m, nm, &e) == 0);
	CHECK(ckpt_load(path_of("bad.safetensors"), NULL, &e) == NULL);
	CHECK(strstr(e.msg, "the file's tensors hold") != NULL);
	/* enough floats, one tensor missing */
	float *pad = xcalloc(2000, sizeof *pad);	/* > 1000 + head.bias */
	t[nt++] = (StTensor){ "pad", "F32", 1, { 1000 }, pad };
	CHECK(st_write(path_of("bad.safetensors"), t, nt, m, nm, &e) == 0);
	CHECK(ckpt_load(path_of("bad.safetensors"), NULL, &e) == NULL);
	CHECK(strstr(e.msg, "pad is not part of the architecture") != NULL);
	nt--;
	const StEntry *last = st_entry(f, st_count(f) - 1);
	t[nt - 1] = (StTensor){ last->name, "F32", 1, { last->shape[0] + 1000 },
	    pad };
	CHECK(st_write(path_of("bad.safetensors"), t, nt, m, nm, &e) == 0);
	CHECK(ckpt_load(path_of("bad.safetensors"), NULL, &e) == NULL);
	CHECK(strstr(e.msg, "down.0.conv1.weight is missing") != NULL);
	free(pad);
	nt = 0;
	for (int i = 0; i < st_count(f); i++) {	/* all, and one more */
		const StEntry *s = st_entry(f, i);

		t[nt] = (StTensor){ s->name, s->dtype, s->ndim, { 0 },
		    st_data(f, s) };
		memcpy(t[nt].shape, s->shape, sizeof s->shape);
		nt++;
	}
	t[nt++] = (StTensor){ "extra.weight", "F32", 1, { 1 }, &extra };
	CHECK(st_write(path_of("bad.safetensors"), t, nt, m, nm, &e) == 0);
	CHECK(ckpt_load(path_of("bad.safetensors"), NULL, &e) == NULL);
	CHECK(strstr(e.msg, "extra.weight is not part of the architecture") !=
	    NULL);
	st_free(f);
	unet_free(u);
}

/* A few hundred bytes claiming the largest architecture the format
 * allows (half a billion parameters) are refused from the sizes alone:
 * the network is never made (it took 1.9 GB and 17 s to refuse). */
static void
test_claims_too_big(void)
{
	StMeta m[] = { { "format", "imatseg-unet" }, { "format_version", "1" },
	    { "in_channels", "64" }, { "depth", "3" }, { "filters", "512" },
	    { "classes", "255" }, { "dropout", "0" }, { "dropout_rng",
	    "0000000000000000000000000000000000000000000000000000000000000000" },
	    { "resumable", "0" } };
	float one = 1;
	StTensor t[1] = { { "head.bias", "F32", 1, { 1 }, &one } };
	Err e;

	CHECK(st_write(path_of("bad.safetensors"), t, 1, m, 9, &e) == 0);
	CHECK(ckpt_load(path_of("bad.safetensors"), NULL, &e) == NULL);
	CHECK(strstr(e.msg, "492848383 parameters and statistics, the file's "
	    "tensors hold 1 floats") != NULL);
}

/* Loads a damaged copy of a.safetensors and expects msg in the error. */
static void
refused(const unsigned char *b, size_t len, const char *msg)
{
	Err e;
	Unet *u;

	spit(path_of("bad.safetensors"), b, len);
	u = ckpt_load(path_of("bad.safetensors"), NULL, &e);
	CHECK(u == NULL);
	if (u != NULL) {
		unet_free(u);
		return;
	}
	if (strstr(e.msg, msg) == NULL) {
		printf("#   got \"%s\", expected \"%s\"\n", e.msg, msg);
		tap_cur_failed = 1;
	}
}

static void
test_refusals(void)
{
	Unet *u = small_net();
	size_t len;
	unsigned char *b, *c;
	Err e;

	CHECK(ckpt_save(path_of("a.safetensors"), u, NULL, &e) == 0);
	b = slurp(path_of("a.safetensors"), &len);
	c = xmalloc(len + 64);
	refused(b, 5, "shorter than the header length");
	refused(b, len - 4, "past the");
	memcpy(c, b, len);
	c[3] = 1;	/* header length 2^24 + real */
	refused(c, len, "does not fit");
	memcpy(c, b, len);
	c[0] ^= 8;	/* header length off by 8 */
	refused(c, len, "header");
	memcpy(c, b, len);
	memcpy(c + len, "junk", 4);	/* bytes no tensor covers */
	refused(c, len + 4, "the tensors cover");
	/* the first conv declared [2,3,3,3] -> [3,2,3,3]: same bytes */
	memcpy(c, b, len);
	char *s = strstr((char *)c + 8, "\"shape\":[2,3,3,3]");
	CHECK(s != NULL);
	if (s != NULL) {
		memcpy(s, "\"shape\":[3,2,3,3]", 17);
		refused(c, len, "the architecture needs F32 [2,3,3,3]");
	}
	memcpy(c, b, len);
	s = strstr((char *)c + 8, "\"filters\":\"2\"");
	if (s != NULL) {
		memcpy(s, "\"filters\":\"x\"", 13);
		refused(c, len, "filters");
	}
	memcpy(c, b, len);
	s = strstr((char *)c + 8, "\"F32\"");
	memcpy(s, "\"F16\"", 5);
	refused(c, len, "not F32 or I64");
	free(b);
	free(c);
	unet_free(u);
	CHECK(ckpt_load(path_of("none.safetensors"), NULL, &e) == NULL);
	CHECK(strstr(e.msg, "none.safetensors") != NULL);
}

/* The recipe's later fields and the average of the weights travel in a
 * state byte for byte; a state without them loads the defaults. */
static void
test_recipe_and_average_round_trip(void)
{
	Unet *u = small_net(), *v;
	Adam *a = adam_new(u->nparams), *b = NULL;
	Ema *avg = ema_new(u, 0.99f), *eb = NULL;
	TrainState ts = { .step = 9, .epoch = 3 }, tt;
	Recipe r = some_recipe(u), rr;
	Err e;

	r.lr_schedule = LR_COSINE;
	r.warmup = 5;
	r.schedule_steps = 100;
	r.loss = LOSS_CE_DICE;
	r.ema = 0.99f;
	r.class_weights = CW_SQRT;
	a->lr = 1e-4f;	/* the schedule's rate of the moment, not r.lr */
	for (size_t i = 0; i < avg->nparams; i++)
		avg->params[i] = (float)i * 0.5f;
	for (size_t i = 0; i < avg->nstats; i++)
		avg->stats[i] = -(float)i;
	avg->t = 9;
	CHECK(ckpt_save_state(path_of("r.safetensors"), u, a, avg, &r, &ts,
	    &e) == 0);
	v = ckpt_load_state(path_of("r.safetensors"), &b, &eb, &rr, &tt, &e);
	CHECK(v != NULL && eb != NULL);
	if (v == NULL || eb == NULL) {
		printf("# %s\n", e.msg);
		goto out;
	}
	CHECK(rr.lr == r.lr && b->lr == a->lr && rr.lr_schedule == LR_COSINE &&
	    rr.warmup == 5 && rr.schedule_steps == 100 &&
	    rr.loss == LOSS_CE_DICE && rr.ema == r.ema &&
	    rr.class_weights == CW_SQRT);
	CHECK(eb->t == 9 && eb->decay == avg->decay);
	CHECK(memcmp(eb->params, avg->params, avg->nparams * 4) == 0);
	CHECK(memcmp(eb->stats, avg->stats, avg->nstats * 4) == 0);
	CHECK(ckpt_save_state(path_of("s.safetensors"), v, b, eb, &rr, &tt,
	    &e) == 0);
	CHECK(same_file(path_of("r.safetensors"), path_of("s.safetensors")));
	adam_free(b);
	ema_free(eb);
	unet_free(v);
	/* the defaults: no key written, and read back as the defaults,
	 * the rate being Adam's */
	r = some_recipe(u);
	CHECK(ckpt_save_state(path_of("d.safetensors"), u, a, NULL, &r, &ts,
	    &e) == 0);
	v = ckpt_load_state(path_of("d.safetensors"), &b, &eb, &rr, &tt, &e);
	CHECK(v != NULL && eb == NULL);
	CHECK(rr.lr == a->lr && rr.lr_schedule == LR_CONSTANT &&
	    rr.warmup == 0 && rr.schedule_steps == 0 && rr.loss == LOSS_CE &&
	    rr.ema == 0);
	StFile *f = st_read(path_of("d.safetensors"), &e);
	CHECK(f != NULL && st_meta(f, "lr") == NULL &&
	    st_meta(f, "loss") == NULL && st_meta(f, "ema") == NULL &&
	    st_find(f, "ema.head.bias") == NULL);
	st_free(f);
out:
	adam_free(a);
	adam_free(b);
	ema_free(avg);
	unet_free(u);
	unet_free(v);
}

/* A state whose recipe names what does not exist, or keeps an average
 * without its tensors, is refused with the key or tensor named. */
static void
test_recipe_refusals(void)
{
	Unet *u = small_net(), *v;
	Adam *a = adam_new(u->nparams), *b = NULL;
	Ema *eb = NULL;
	TrainState ts = { 0 }, tt;
	Recipe r = some_recipe(u), rr;
	Err e;

	r.lr_schedule = 7;
	CHECK(ckpt_save_state(path_of("r.safetensors"), u, a, NULL, &r, &ts,
	    &e) == 0);
	v = ckpt_load_state(path_of("r.safetensors"), &b, &eb, &rr, &tt, &e);
	CHECK(v == NULL && b == NULL && strstr(e.msg, "lr_schedule: '?'"));
	r = some_recipe(u);
	r.loss = 9;
	CHECK(ckpt_save_state(path_of("r.safetensors"), u, a, NULL, &r, &ts,
	    &e) == 0);
	v = ckpt_load_state(path_of("r.safetensors"), &b, &eb, &rr, &tt, &e);
	CHECK(v == NULL && strstr(e.msg, "loss: '?'"));
	/* an average in the recipe, none in the file */
	r = some_recipe(u);
	r.ema = 0.5f;
	Ema *avg = ema_new(u, 0.5f);
	CHECK(ckpt_save_state(path_of("r.safetensors"), u, a, avg, &r, &ts,
	    &e) == 0);
	StFile *f = st_read(path_of("r.safetensors"), &e);
	StTensor t[300];
	StMeta m[64];
	int nt = 0, nm = 0;
	for (int i = 0; f != NULL && i < st_count(f) && nt < 300; i++) {
		const StEntry *s = st_entry(f, i);

		if (strcmp(s->name, "ema.head.weight") == 0)
			continue;
		t[nt] = (StTensor){ s->name, s->dtype, s->ndim, { 0 },
		    st_data(f, s) };
		memcpy(t[nt].shape, s->shape, sizeof s->shape);
		nt++;
	}
	static const char *keys[] = { "format", "format_version",
	    "in_channels", "depth", "filters", "classes", "dropout",
	    "dropout_rng", "resumable", "step", "epoch", "position", "rng",
	    "adam_t", "adam_lr", "adam_beta1", "adam_beta2", "adam_eps",
	    "adam_weight_decay", "size", "batch", "seed", "steps_per_epoch",
	    "class_weights", "augment", "best_miou", "best_epoch",
	    "bad_epochs", "acc_loss", "acc_seconds", "acc_images",
	    "acc_valid", "acc_correct", "ema", "ema_t" };
	for (size_t i = 0; f != NULL && i < sizeof keys / sizeof *keys; i++)
		m[nm++] = (StMeta){ keys[i], st_meta(f, keys[i]) };
	CHECK(st_write(path_of("bad.safetensors"), t, nt, m, nm, &e) == 0);
	v = ckpt_load_state(path_of("bad.safetensors"), &b, &eb, &rr, &tt, &e);
	CHECK(v == NULL && strstr(e.msg, "tensor ema.head.weight is missing"));
	/* the average's tensors in a file whose recipe keeps none */
	for (int i = 0; i < nm; i++)
		if (strcmp(m[i].key, "ema") == 0)
			m[i--] = m[--nm];
	CHECK(st_write(path_of("bad.safetensors"), t, nt, m, nm, &e) == 0);
	v = ckpt_load_state(path_of("bad.safetensors"), &b, &eb, &rr, &tt, &e);
	CHECK(v == NULL && strstr(e.msg, "is not part of the architecture"));
	st_free(f);
	ema_free(avg);
	adam_free(a);
	unet_free(u);
}

/* The average: the first update uses the warmed-up decay 2/11, later
 * ones min(decay, (1 + t) / (10 + t)); a swap is undone by a second. */
static void
test_ema_update_and_swap(void)
{
	Unet *u = small_net();
	Ema *a = ema_new(u, 0.5f);
	float p0 = u->params[3], s0 = u->stats[2];

	u->params[3] = p0 + 11;
	u->stats[2] = s0 + 11;
	ema_update(a, u);	/* t 1: decay 2/11 */
	CHECK_NEAR(a->params[3], p0 + 9, 1e-5);
	CHECK_NEAR(a->stats[2], s0 + 9, 1e-5);
	for (int i = 0; i < 20; i++)
		ema_update(a, u);	/* t 21: decay 0.5 */
	CHECK_NEAR(a->params[3], p0 + 11, 1e-4);
	CHECK(a->t == 21);
	float avg = a->params[0], live = u->params[0];
	ema_swap(a, u);
	CHECK(u->params[0] == avg && a->params[0] == live);
	ema_swap(a, u);
	CHECK(u->params[0] == live && a->params[0] == avg);
	ema_free(a);
	unet_free(u);
}

int
main(void)
{
	int rc;

	if (mkdtemp(dir) == NULL)
		return 1;
	TEST(test_weights_round_trip);
	TEST(test_info_round_trip);
	TEST(test_resumable_round_trip);
	TEST(test_refusals);
	TEST(test_resume_is_exact);
	TEST(test_strangers_and_missing);
	TEST(test_claims_too_big);
	TEST(test_recipe_and_average_round_trip);
	TEST(test_recipe_refusals);
	TEST(test_ema_update_and_swap);
	rc = tap_done();
	for (const char *n = "a\0b\0r\0s\0bad\0"; *n; n += strlen(n) + 1) {
		char f[32];

		snprintf(f, sizeof f, "%s.safetensors", n);
		unlink(path_of(f));
	}
	rmdir(dir);
	return rc;
}
