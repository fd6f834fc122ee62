/* Unit tests of the U-Net: every parameter tensor's gradient against
 * finite differences of the whole network's loss, the two GEMM kernels
 * giving the same logits, size checks, deterministic initialisation,
 * and one Adam step against its formula. */
#include <stdlib.h>
#include <string.h>

#include "adam.h"
#include "fd.h"
#include "unet.h"
#include "xalloc.h"

enum { N = 2, S = 8 };

typedef struct {
	Unet *u;
	float *x;
	uint8_t *y;
	float cw[4];
	Rng rng0;	/* dropout state before the forward: replayed */
} NetCase;

static double
net_loss(void *ctx)
{
	NetCase *c = ctx;
	LossStats st;
	Err e;
	float *l;
	long len = (long)N * c->u->cfg.classes * S * S;

	c->u->rng = c->rng0;
	if (unet_forward(c->u, c->x, N, S, S, 1, &e) < 0)
		return NAN;
	l = xmallocarray(len, sizeof(float));
	memcpy(l, unet_logits(c->u), len * sizeof(float));
	softmax_xent(l, c->y, c->cw, N, c->u->cfg.classes, S * S, &st, 1, &e);
	free(l);
	return st.loss;
}

static void
net_case(NetCase *c, float dropout)
{
	UnetConfig cfg = { 3, 2, 3, 4, dropout };
	Err e;
	Rng r;

	c->u = unet_new(&cfg, 7, &e);
	/* double accumulation keeps round-off out of the differences */
	c->u->wk.gemm = gemm_ref;
	c->x = xmallocarray(N * 3 * S * S, sizeof(float));
	c->y = xmalloc(N * S * S);
	rng_seed(&r, 8);
	fill_normal(c->x, N * 3 * S * S, &r, 1);
	for (int i = 0; i < N * S * S; i++)
		c->y[i] = i % 9 == 0 ? 255 : (uint8_t)rng_below(&r, 4);
	for (int k = 0; k < 4; k++)
		c->cw[k] = 0.5f + 0.25f * k;
	c->rng0 = c->u->rng;
}

static void
check_all_grads(float dropout)
{
	NetCase c;
	LossStats st;
	Err e;

	net_case(&c, dropout);
	CHECK(unet_forward(c.u, c.x, N, S, S, 1, &e) == 0);
	CHECK(unet_loss_backward(c.u, c.y, c.cw, &st, &e) == 0);
	CHECK(st.loss > 0 && st.valid == N * S * S - (N * S * S + 8) / 9);
	float *g = xmallocarray(c.u->nparams, sizeof(float));
	memcpy(g, c.u->grads, c.u->nparams * sizeof(float));
	for (int i = 0; i < c.u->nviews; i++) {
		const TensorView *v = &c.u->views[i];

		if (v->kind != TV_PARAM)
			continue;
		/* A convolution bias before a training-mode batch norm cannot
		 * change the loss: its gradient is 0, the numeric one noise. */
		if (strstr(v->name, ".conv") != NULL &&
		    strstr(v->name, ".bias") != NULL) {
			for (size_t k = 0; k < v->len; k++)
				CHECK_NEAR(g[v->off + k], 0, 1e-6);
			continue;
		}
		/* Loose: a step moves every ReLU of a channel (through the
		 * batch statistics), and a few cross their kink. The
		 * PyTorch cross-check holds the gradients to 1e-3. */
		fd_check(v->name, net_loss, &c, c.u->params + v->off,
		    g + v->off, (long)v->len, 4, 1e-4, 5e-2, 1e-2);
	}
	free(g);
	free(c.x);
	free(c.y);
	unet_free(c.u);
}

static void
test_grads(void)
{
	check_all_grads(0);
}

static void
test_grads_dropout(void)
{
	check_all_grads(0.3f);
}

static void
test_kernels_agree(void)
{
	NetCase c;
	Err e;
	long len = (long)N * 4 * S * S;
	float *a = xmallocarray(len, sizeof(float));

	net_case(&c, 0);
	CHECK(unet_forward(c.u, c.x, N, S, S, 0, &e) == 0);
	memcpy(a, unet_logits(c.u), len * sizeof(float));
	c.u->wk.gemm = gemm_blas;
	CHECK(unet_forward(c.u, c.x, N, S, S, 0, &e) == 0);
	for (long i = 0; i < len; i++)
		CHECK_NEAR(a[i], unet_logits(c.u)[i], 1e-4);
	free(a);
	free(c.x);
	free(c.y);
	unet_free(c.u);
}

/* One training step's gradients with t threads, into g. */
static void
grads_with(int t, float *g, double *loss)
{
	NetCase c;
	LossStats st;
	Err e;

	net_case(&c, 0.3f);
	c.u->wk.gemm = gemm_blas;
	unet_set_threads(c.u, t);
	CHECK(unet_forward(c.u, c.x, N, S, S, 1, &e) == 0);
	CHECK(unet_loss_backward(c.u, c.y, c.cw, &st, &e) == 0);
	memcpy(g, c.u->grads, c.u->nparams * sizeof(float));
	*loss = st.loss;
	free(c.x);
	free(c.y);
	unet_free(c.u);
}

/* Same thread count, same bytes; another count, the same up to
 * round-off (partial sums are added in another grouping). */
static void
test_threads(void)
{
	NetCase c;
	double l1, l3, l3b;

	net_case(&c, 0);
	size_t n = c.u->nparams;
	float *g1 = xmallocarray(n, sizeof(float));
	float *g3 = xmallocarray(n, sizeof(float));
	float *g3b = xmallocarray(n, sizeof(float));
	free(c.x);
	free(c.y);
	unet_free(c.u);
	grads_with(1, g1, &l1);
	grads_with(3, g3, &l3);
	grads_with(3, g3b, &l3b);
	CHECK(memcmp(g3, g3b, n * sizeof(float)) == 0 && l3 == l3b);
	CHECK_NEAR(l1, l3, 1e-6);
	for (size_t i = 0; i < n; i++)
		CHECK_NEAR(g1[i], g3[i], 1e-4 * (1 + fabs(g1[i])));
	free(g1);
	free(g3);
	free(g3b);
}

static void
test_sizes_and_config(void)
{
	UnetConfig cfg;
	Unet *u, *v;
	Err e;
	float x[3 * 12 * 8] = { 0 };

	unet_config_default(&cfg);
	CHECK(cfg.depth == 4 && cfg.filters == 16 && cfg.classes == 47);
	cfg.depth = 2;
	cfg.filters = 2;
	u = unet_new(&cfg, 1, &e);
	v = unet_new(&cfg, 1, &e);
	CHECK(u->nparams == v->nparams);
	CHECK(memcmp(u->params, v->params, u->nparams * sizeof(float)) == 0);
	CHECK(unet_forward(u, x, 1, 12, 8, 0, &e) == 0);
	CHECK(unet_forward(u, x, 1, 10, 8, 0, &e) == -1);
	CHECK(strstr(e.msg, "multiples of 4") != NULL);
	CHECK(unet_view(u, "down.0.conv1.weight")->shape[1] == 3);
	CHECK(unet_view(u, "up.1.weight")->shape[0] == 8);
	CHECK(unet_view(u, "up.1.weight")->shape[1] == 4);
	CHECK(unet_view(u, "upblock.0.conv1.weight")->shape[1] == 4);
	CHECK(unet_view(u, "head.weight")->shape[0] == 47);
	CHECK(unet_view(u, "bottom.bn2.num_batches_tracked")->kind == TV_COUNT);
	unet_free(u);
	unet_free(v);
	cfg.depth = 9;
	CHECK(unet_new(&cfg, 1, &e) == NULL);
	cfg.depth = 2;
	cfg.dropout = 1;
	CHECK(unet_new(&cfg, 1, &e) == NULL);
	CHECK(strstr(e.msg, "dropout") != NULL);
}

static void
test_adam(void)
{
	Adam *a = adam_new(2);
	float p[2] = { 1, -2 }, g[2] = { 0.5f, -0.25f };

	a->lr = 0.1f;
	a->weight_decay = 0.01f;
	adam_step(a, p, g);
	/* first step: m/bc1 = g', v/bc2 = g'^2, so p -= lr * sign(g') */
	CHECK_NEAR(p[0], 1 - 0.1, 1e-6);
	CHECK_NEAR(p[1], -2 + 0.1, 1e-6);
	adam_step(a, p, g);
	double g0 = 0.5 + 0.01 * 0.9;
	double m = 0.9 * 0.1 * (0.5 + 0.01) + 0.1 * g0;
	double v = 0.999 * 0.001 * (0.51 * 0.51) + 0.001 * g0 * g0;
	double want = 0.9 - 0.1 * (m / (1 - 0.81)) /
	    (sqrt(v / (1 - 0.999 * 0.999)) + 1e-8);
	CHECK_NEAR(p[0], want, 1e-5);
	CHECK(a->t == 2);
	adam_free(a);
}

int
main(void)
{
	TEST(test_grads);
	TEST(test_grads_dropout);
	TEST(test_kernels_agree);
	TEST(test_threads);
	TEST(test_sizes_and_config);
	TEST(test_adam);
	return tap_done();
}
