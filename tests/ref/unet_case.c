/* unet_case — writes a test case for the PyTorch cross-check
 * (tests/ref/unet.py): a small U-Net's initial checkpoint, a batch, and
 * what our engine computes from them: the first step's logits, loss and
 * gradients, the weights after STEPS Adam steps, and the inference
 * logits of the trained network, all with the loss of a recipe
 * (objective.h; the cross-entropy by default).
 *
 * usage: unet_case DIR [depth filters classes size batch steps seed [loss]] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adam.h"
#include "ckpt.h"
#include "objective.h"
#include "safetensors.h"
#include "cli.h"
#include "parse.h"
#include "xalloc.h"

typedef struct {
	int depth, filters, classes, size, batch, steps;
	uint64_t seed;
	int loss;		/* LOSS_* */
} Opts;

static char *
path_in(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = xmalloc(n);

	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

/* Batch norm affine parameters and running statistics away from their
 * defaults, so that the check sees them. */
static void
stir(Unet *u, Rng *r)
{
	for (int i = 0; i < u->nviews; i++) {
		const TensorView *v = &u->views[i];
		float *p = unet_view_data(u, v);
		const char *leaf = strrchr(v->name, '.') + 1;

		if (strstr(v->name, ".bn") == NULL || p == NULL)
			continue;
		for (size_t j = 0; j < v->len; j++) {
			float z = (float)rng_normal(r);

			if (strcmp(leaf, "weight") == 0)
				p[j] = 1 + 0.2f * z;
			else if (strcmp(leaf, "running_var") == 0)
				p[j] = 1 + 0.5f * z * z;
			else
				p[j] = 0.2f * z;
		}
	}
	for (int i = 0; i < u->nviews; i++)
		if (strcmp(strrchr(u->views[i].name, '.'), ".bias") == 0 &&
		    strstr(u->views[i].name, ".bn") == NULL)
			for (size_t j = 0; j < u->views[i].len; j++)
				unet_view_data(u, &u->views[i])[j] =
				    0.1f * (float)rng_normal(r);
}

static int
write_batch(const char *dir, const Opts *o, const float *x, const uint8_t *y,
    const float *cw, Err *e)
{
	long npix = (long)o->batch * o->size * o->size;
	float *yf = xmallocarray(npix, sizeof *yf);
	StTensor t[3] = {
		{ "x", "F32", 4, { o->batch, 3, o->size, o->size }, x },
		{ "y", "F32", 3, { o->batch, o->size, o->size }, yf },
		{ "class_weights", "F32", 1, { o->classes }, cw },
	};
	StMeta m = { "loss", objective_name(o->loss) };
	char *p = path_in(dir, "batch.safetensors");
	int rc;

	for (long i = 0; i < npix; i++)
		yf[i] = y[i];
	rc = st_write(p, t, 3, &m, 1, e);
	free(p);
	free(yf);
	return rc;
}

/* The first step: logits (before the loss consumes them), loss and every
 * parameter's gradient as "grad.NAME". */
static int
write_step(const char *dir, const Opts *o, const Unet *u, const float *logits,
    double loss, Err *e)
{
	StTensor *t = xcalloc((size_t)u->nviews + 2, sizeof *t);
	char (*names)[64] = xcalloc((size_t)u->nviews, sizeof *names);
	float l = (float)loss;
	int nt = 0, rc;
	char *p = path_in(dir, "step0.safetensors");

	t[nt++] = (StTensor){ "logits", "F32", 4, { o->batch, o->classes,
	    o->size, o->size }, logits };
	t[nt++] = (StTensor){ "loss", "F32", 1, { 1 }, &l };
	for (int i = 0; i < u->nviews; i++) {
		const TensorView *v = &u->views[i];

		if (v->kind != TV_PARAM)
			continue;
		snprintf(names[i], sizeof names[i], "grad.%s", v->name);
		t[nt].name = names[i];
		t[nt].dtype = "F32";
		t[nt].ndim = v->ndim;
		for (int k = 0; k < v->ndim; k++)
			t[nt].shape[k] = v->shape[k];
		t[nt++].data = unet_view_grad(u, v);
	}
	rc = st_write(p, t, nt, NULL, 0, e);
	free(p);
	free(t);
	free(names);
	return rc;
}

static int
run(const char *dir, const Opts *o, Err *e)
{
	UnetConfig c = { 3, o->depth, o->filters, o->classes, 0 };
	long npix = (long)o->batch * o->size * o->size;
	long nlog = npix * o->classes;
	Unet *u = unet_new(&c, o->seed, e);
	Objective *obj = objective_new(o->loss, o->classes);
	Adam *a;
	float *x, *cw, *l0;
	uint8_t *y;
	LossStats st;
	Rng r;
	int rc = -1;

	if (u == NULL)
		return -1;
	rng_derive(&r, o->seed, 2, 0);
	stir(u, &r);
	x = xmallocarray(npix * 3, sizeof *x);
	y = xmalloc((size_t)npix);
	cw = xmallocarray(o->classes, sizeof *cw);
	l0 = xmallocarray(nlog, sizeof *l0);
	for (long i = 0; i < npix * 3; i++)
		x[i] = (float)rng_normal(&r);
	for (long i = 0; i < npix; i++)
		y[i] = rng_below(&r, 10) == 0 ? 255 :
		    (uint8_t)rng_below(&r, (uint64_t)o->classes);
	for (int k = 0; k < o->classes; k++)
		cw[k] = 0.5f + rng_float(&r);
	char *p = path_in(dir, "init.safetensors");
	rc = ckpt_save(p, u, NULL, e);
	free(p);
	if (rc < 0 || write_batch(dir, o, x, y, cw, e) < 0)
		goto out;
	a = adam_new(u->nparams);
	a->lr = 1e-3f;
	a->weight_decay = 1e-4f;
	for (int s = 0; s < o->steps && rc == 0; s++) {
		rc = unet_forward(u, x, o->batch, o->size, o->size, 1, e);
		if (rc == 0)
			memcpy(l0, unet_logits(u), nlog * sizeof *l0);
		if (rc == 0)
			rc = objective_sums(obj, u, y, cw, e);
		if (rc == 0)
			rc = objective_backward(obj, u, y, cw, &st, e);
		if (rc == 0 && s == 0)
			rc = write_step(dir, o, u, l0, st.loss, e);
		adam_step(a, u->params, u->grads);
	}
	p = path_in(dir, "final.safetensors");
	if (rc == 0)
		rc = ckpt_save(p, u, NULL, e);
	free(p);
	if (rc == 0)
		rc = unet_forward(u, x, o->batch, o->size, o->size, 0, e);
	if (rc == 0) {
		StTensor t = { "logits", "F32", 4, { o->batch, o->classes,
		    o->size, o->size }, unet_logits(u) };

		p = path_in(dir, "eval.safetensors");
		rc = st_write(p, &t, 1, NULL, 0, e);
		free(p);
	}
	adam_free(a);
out:
	free(x), free(y), free(cw), free(l0);
	objective_free(obj);
	unet_free(u);
	return rc;
}

int
main(int argc, char **argv)
{
	Opts o = { 2, 4, 5, 16, 2, 5, 1, LOSS_CE };
	long v[6];
	Err e;

	progname = "unet_case";
	if (argc != 2 && argc != 9 && argc != 10) {
		fprintf(stderr, "usage: unet_case DIR [depth filters classes "
		    "size batch steps seed [loss]]\n");
		return EXIT_USAGE;
	}
	if (argc >= 9) {
		long max[6] = { 6, 64, 255, 1024, 64, 100 };

		for (int i = 0; i < 6; i++)
			if (parse_long(argv[2 + i], 1, max[i], &v[i], &e) < 0)
				die(EXIT_USAGE, "%s: %s", argv[2 + i], e.msg);
		if (parse_u64(argv[8], 0, UINT64_MAX, &o.seed, &e) < 0)
			die(EXIT_USAGE, "%s: %s", argv[8], e.msg);
		o = (Opts){ (int)v[0], (int)v[1], (int)v[2], (int)v[3],
		    (int)v[4], (int)v[5], o.seed, LOSS_CE };
	}
	if (argc == 10 && (o.loss = objective_kind(argv[9])) < 0)
		die(EXIT_USAGE, "%s: not a loss (ce, dice, ce+dice)", argv[9]);
	if (run(argv[1], &o, &e) < 0)
		die(EXIT_BAD, "%s", e.msg);
	return EXIT_OK;
}
