#include "unet.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

void
unet_config_default(UnetConfig *c)
{
	c->in_channels = 3;
	c->depth = 4;
	c->filters = 16;
	c->classes = 47;
	c->dropout = 0.5f;
}

int
unet_config_check(const UnetConfig *c, Err *e)
{
	if (c->in_channels < 1 || c->in_channels > 64)
		return err_set(e, "in_channels %d not in 1..64", c->in_channels);
	if (c->depth < 1 || c->depth > UNET_MAX_DEPTH)
		return err_set(e, "depth %d not in 1..%d", c->depth,
		    UNET_MAX_DEPTH);
	if (c->filters < 1 || (long)c->filters << c->depth > 4096)
		return err_set(e, "filters %d: the bottom level would have "
		    "more than 4096 channels or none", c->filters);
	if (c->classes < 2 || c->classes > 255)
		return err_set(e, "classes %d not in 2..255", c->classes);
	if (!(c->dropout >= 0 && c->dropout < 1))
		return err_set(e, "dropout %g not in [0, 1)", (double)c->dropout);
	return 0;
}

/* The layout is built twice: once to count (no buffers yet), once to hand
 * out pointers. Both passes record the same views in the same order:
 * PyTorch's state_dict order of tests/ref/unet.py. */
typedef struct {
	Unet *u;
	int count;	/* first pass */
} Layout;

static size_t
take(Layout *L, int kind, float **p, float **g, int ndim, const int *shape,
    const char *fmt, ...)
{
	Unet *u = L->u;
	TensorView *v = &u->views[u->nviews++];
	size_t *total = kind == TV_STAT ? &u->nstats : &u->nparams;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v->name, sizeof v->name, fmt, ap);
	va_end(ap);
	v->kind = kind;
	v->ndim = ndim;
	v->len = 1;
	for (int i = 0; i < ndim; i++) {
		v->shape[i] = shape[i];
		v->len *= (size_t)shape[i];
	}
	v->off = kind == TV_COUNT ? 0 : *total;
	if (kind == TV_COUNT)
		return 0;
	*total += v->len;
	if (!L->count) {
		float *base = kind == TV_STAT ? u->stats : u->params;

		*p = base + v->off;
		if (g != NULL)
			*g = u->grads + v->off;
	}
	return v->len;
}

static void
layout_conv(Layout *L, ConvP *c, int co, int ci, int k, const char *pre)
{
	int ws[4] = { co, ci, k, k }, bs[1] = { co };

	take(L, TV_PARAM, &c->w, &c->dw, k ? 4 : 2, ws, "%s.weight", pre);
	take(L, TV_PARAM, &c->b, &c->db, 1, bs, "%s.bias", pre);
}

static void
layout_bn(Layout *L, BnP *b, int c, const char *pre)
{
	int s[1] = { c };

	take(L, TV_PARAM, &b->gamma, &b->dgamma, 1, s, "%s.weight", pre);
	take(L, TV_PARAM, &b->beta, &b->dbeta, 1, s, "%s.bias", pre);
	take(L, TV_STAT, &b->rmean, NULL, 1, s, "%s.running_mean", pre);
	take(L, TV_STAT, &b->rvar, NULL, 1, s, "%s.running_var", pre);
	take(L, TV_COUNT, NULL, NULL, 0, s, "%s.num_batches_tracked", pre);
}

static void
layout_block(Layout *L, Block *b, int ci, int co, const char *pre)
{
	char name[40];

	b->ci = ci;
	b->co = co;
	for (int i = 0; i < 2; i++) {
		snprintf(name, sizeof name, "%s.conv%d", pre, i + 1);
		layout_conv(L, &b->conv[i], co, i ? co : ci, 3, name);
		snprintf(name, sizeof name, "%s.bn%d", pre, i + 1);
		layout_bn(L, &b->bn[i], co, name);
	}
}

static void
layout(Layout *L)
{
	Unet *u = L->u;
	const UnetConfig *c = &u->cfg;
	int f = c->filters, d = c->depth;
	char pre[24];

	u->nviews = 0;
	u->nparams = u->nstats = 0;
	for (int l = 0; l < d; l++) {
		snprintf(pre, sizeof pre, "down.%d", l);
		layout_block(L, &u->down[l], l ? f << (l - 1) : c->in_channels,
		    f << l, pre);
	}
	layout_block(L, &u->bottom, f << (d - 1), f << d, "bottom");
	for (int l = 0; l < d; l++) {
		int ws[4] = { f << (l + 1), f << l, 2, 2 }, bs[1] = { f << l };

		take(L, TV_PARAM, &u->up[l].w, &u->up[l].dw, 4, ws,
		    "up.%d.weight", l);
		take(L, TV_PARAM, &u->up[l].b, &u->up[l].db, 1, bs,
		    "up.%d.bias", l);
	}
	for (int l = 0; l < d; l++) {
		snprintf(pre, sizeof pre, "upblock.%d", l);
		layout_block(L, &u->upb[l], 2 * (f << l), f << l, pre);
	}
	int hs[4] = { c->classes, f, 1, 1 }, bs[1] = { c->classes };
	take(L, TV_PARAM, &u->head.w, &u->head.dw, 4, hs, "head.weight");
	take(L, TV_PARAM, &u->head.b, &u->head.db, 1, bs, "head.bias");
}

static void
bn_init(BnP *b, int c)
{
	for (int i = 0; i < c; i++) {
		b->gamma[i] = 1;
		b->rvar[i] = 1;
	}
	b->mean = xcalloc((size_t)c * 4, sizeof(float));
	b->invstd = b->mean + c;
	b->scale = b->mean + 2 * c;
	b->shift = b->mean + 3 * c;
}

/* He-normal weights, std sqrt(2 / fan_in), drawn in view order; biases
 * and betas zero, gammas and running variances one. */
static void
init_params(Unet *u, uint64_t seed)
{
	Rng r;

	rng_seed(&r, seed);
	for (int i = 0; i < u->nviews; i++) {
		TensorView *v = &u->views[i];

		if (v->kind != TV_PARAM || v->ndim < 2)
			continue;
		int fan_in = v->shape[1] * (v->ndim == 4 ? v->shape[2] *
		    v->shape[3] : 1);
		if (strncmp(v->name, "up.", 3) == 0)
			fan_in = v->shape[0];	/* [in][out][2][2] */
		double sd = sqrt(2.0 / fan_in);
		for (size_t j = 0; j < v->len; j++)
			u->params[v->off + j] = (float)(sd * rng_normal(&r));
	}
	for (int l = 0; l < u->cfg.depth; l++)
		for (int k = 0; k < 2; k++) {
			bn_init(&u->down[l].bn[k], u->down[l].co);
			bn_init(&u->upb[l].bn[k], u->upb[l].co);
		}
	for (int k = 0; k < 2; k++)
		bn_init(&u->bottom.bn[k], u->bottom.co);
	rng_derive(&u->rng, seed, 1, 0);
}

int
unet_sizes(const UnetConfig *c, size_t *nparams, size_t *nstats, Err *e)
{
	Unet u = { .cfg = *c };
	Layout L = { .u = &u, .count = 1 };

	if (unet_config_check(c, e) < 0)
		return -1;
	u.views = xcalloc((size_t)(14 * (2 * c->depth + 1) + 2 * c->depth + 2),
	    sizeof *u.views);
	layout(&L);
	free(u.views);
	*nparams = u.nparams;
	*nstats = u.nstats;
	return 0;
}

Unet *
unet_new(const UnetConfig *c, uint64_t seed, Err *e)
{
	Unet *u;
	Layout L;

	if (unet_config_check(c, e) < 0)
		return NULL;
	u = xcalloc(1, sizeof *u);
	if (work_pick(&u->wk, e) < 0) {
		free(u);
		return NULL;
	}
	u->cfg = *c;
	/* 14 per block, 2 per transposed convolution, 2 for the head */
	u->views = xcalloc((size_t)(14 * (2 * c->depth + 1) + 2 * c->depth + 2),
	    sizeof *u->views);
	L.u = u;
	L.count = 1;
	layout(&L);
	u->params = xcalloc(u->nparams, sizeof(float));
	/* calloc: an inference never touches, so never pays for, these */
	u->grads = xcalloc(u->nparams, sizeof(float));
	u->stats = xcalloc(u->nstats, sizeof(float));
	L.count = 0;
	layout(&L);
	init_params(u, seed);
	u->wk.gemm = gemm_blas;
	u->wk.nthreads = 1;
	return u;
}

static void
bn_free(BnP *b)
{
	free(b->mean);
}

void
unet_free(Unet *u)
{
	if (u == NULL)
		return;
	for (int k = 0; k < 2; k++) {
		for (int l = 0; l < u->cfg.depth; l++) {
			bn_free(&u->down[l].bn[k]);
			bn_free(&u->upb[l].bn[k]);
		}
		bn_free(&u->bottom.bn[k]);
	}
	free(u->act);
	free(u->wk.buf);
	free(u->wk.part);
	free(u->wk.wbuf);
	par_team_free(u->wk.team);
	free(u->params);
	free(u->grads);
	free(u->stats);
	free(u->views);
	free(u);
}

void
unet_set_threads(Unet *u, int n)
{
	u->wk.nthreads = n < 1 ? 1 : n > 64 ? 64 : n;
	gemm_set_threads(1);
	par_team_free(u->wk.team);
	u->wk.team = u->wk.nthreads > 1 ? par_team_new(u->wk.nthreads) : NULL;
	/* scratch is per thread: sized again at the next forward */
	free(u->wk.buf);
	free(u->wk.part);
	u->wk.buf = u->wk.part = NULL;
	u->wk.nbuf = u->wk.npart = 0;
}

const TensorView *
unet_view(const Unet *u, const char *name)
{
	for (int i = 0; i < u->nviews; i++)
		if (strcmp(u->views[i].name, name) == 0)
			return &u->views[i];
	return NULL;
}

float *
unet_view_data(const Unet *u, const TensorView *v)
{
	if (v->kind == TV_COUNT)
		return NULL;
	return (v->kind == TV_STAT ? u->stats : u->params) + v->off;
}

float *
unet_view_grad(const Unet *u, const TensorView *v)
{
	return v->kind == TV_PARAM ? u->grads + v->off : NULL;
}
