/* Unit tests of the layers: each backward against finite differences of
 * its forward, on sizes small enough to check many entries. */
#include <stdlib.h>
#include <string.h>

#include "conv.h"
#include "fd.h"
#include "layers.h"
#include "xalloc.h"

enum { N = 2, H = 6, W = 4 };

typedef struct {
	int ci, co, two;	/* two: the input is a concatenation */
	float *x, *wt, *b, *y, *r;
	float *bnz, *scale, *shift;	/* lazy BN+ReLU on the first part */
	Work wk;
	int kind;	/* 0 conv3, 1 upconv, 2 conv1 */
} ConvCase;

static Srcs
case_in(ConvCase *c)
{
	long hw = (long)H * W;
	Src a = src_plain(c->x, c->ci * hw, c->two ? c->ci / 2 : c->ci);

	a.scale = c->scale;
	a.shift = c->shift;
	if (!c->two)
		return srcs_one(a);
	Src b = src_plain(c->x + (c->ci / 2) * hw, c->ci * hw, c->ci / 2);
	return srcs_two(a, b);
}

static long
case_outlen(const ConvCase *c)
{
	return (long)N * c->co * H * W * (c->kind == 1 ? 4 : 1);
}

static double
conv_loss(void *ctx)
{
	ConvCase *c = ctx;
	Srcs in = case_in(c);

	if (c->kind == 0)
		conv3_forward(c->y, &in, c->wt, c->b, N, c->co, H, W, &c->wk);
	else if (c->kind == 1)
		upconv_forward(c->y, &in.p[0], c->wt, c->b, N, c->co, H, W,
		    &c->wk);
	else
		conv1_forward(c->y, &in.p[0], c->wt, c->b, N, c->co, H, W,
		    &c->wk);
	return dot(c->r, c->y, case_outlen(c));
}

/* One layer's three gradients against finite differences, with the
 * GEMM kernel, the 3x3 algorithm and the instruction set given (a 3x3
 * case runs both of its gradients with it). */
static void
conv_case(int kind, int ci, int co, int two, int lazy, GemmFn *gemm,
    ConvAlgo algo, const Kern *kern)
{
	ConvCase c = { ci, co, two, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	    NULL, { .gemm = gemm, .nthreads = 1, .kern = kern, .conv = algo },
	    kind };
	long hw = (long)H * W, nx = N * ci * hw, nw = (long)co * ci *
	    (kind == 0 ? 9 : kind == 1 ? 4 : 1), ny;
	float *dx, *dw, *db;
	Rng r;

	rng_seed(&r, 5 + kind);
	ny = case_outlen(&c);
	c.x = xmallocarray(nx, sizeof(float));
	c.wt = xmallocarray(nw, sizeof(float));
	c.b = xmallocarray(co, sizeof(float));
	c.y = xmallocarray(ny, sizeof(float));
	c.r = xmallocarray(ny, sizeof(float));
	dx = xcalloc(nx, sizeof(float));
	dw = xcalloc(nw, sizeof(float));
	db = xcalloc(co, sizeof(float));
	fill_normal(c.x, nx, &r, 1);
	fill_normal(c.wt, nw, &r, 0.5);
	fill_normal(c.b, co, &r, 0.5);
	fill_normal(c.r, ny, &r, 1);
	if (lazy) {
		c.scale = xmallocarray(ci, sizeof(float));
		c.shift = xmallocarray(ci, sizeof(float));
		fill_normal(c.scale, ci, &r, 1);
		fill_normal(c.shift, ci, &r, 0.3);
		/* keep every read value clear of the ReLU's kink, which a
		 * step of h would cross */
		for (int i = 0; i < N; i++)
			for (int ch = 0; ch < (two ? ci / 2 : ci); ch++)
				for (long j = 0; j < hw; j++) {
					float *x = &c.x[((long)i * ci + ch) * hw + j];
					float v = c.scale[ch] * *x + c.shift[ch];

					if (fabsf(v) < 0.1f)
						*x += (v < 0 ? -0.2f : 0.2f) /
						    c.scale[ch];
				}
	}
	c.wk.nbuf = kind == 0 ? conv3_scratch(&c.wk, ci, co, H, W) : kind == 1 ?
	    upconv_scratch(ci, co, H, W) : conv1_scratch(ci, H, W);
	c.wk.buf = xmallocarray(c.wk.nbuf, sizeof(float));
	c.wk.npart = kind == 0 ? conv3_part(ci, co) : (size_t)nw + co;
	c.wk.part = xmallocarray(c.wk.npart * CONV_SLOTS, sizeof(float));
	c.wk.nwbuf = kind == 0 ? conv3_shared(&c.wk, ci, co, H, W, 1) :
	    kind == 1 ? upconv_shared(&c.wk, ci, co) : conv1_shared(&c.wk, ci,
	    co);
	c.wk.wbuf = xmallocarray(c.wk.nwbuf, sizeof(float));
	conv_loss(&c);
	Srcs in = case_in(&c);
	Dsts din = dsts_one(dx, ci * hw, ci);
	if (two) {
		Dst a = { dx, ci * hw, ci / 2 };
		Dst b = { dx + (ci / 2) * hw, ci * hw, ci / 2 };
		din = dsts_two(a, b);
	}
	if (kind == 0)
		conv3_backward(&din, dw, db, c.r, &in, c.wt, N, co, H, W, &c.wk);
	else if (kind == 1)
		upconv_backward(&din, dw, db, c.r, &in.p[0], c.wt, N, co, H, W,
		    &c.wk);
	else
		conv1_backward(&din, dw, db, c.r, &in.p[0], c.wt, N, co, H, W,
		    &c.wk);
	/* with a lazy ReLU the input gradient is dL/d(read value): chain
	 * it to dL/dx here, where the kink is not crossed by h */
	if (lazy)
		for (int i = 0; i < N; i++)
			for (int ch = 0; ch < (two ? ci / 2 : ci); ch++)
				for (long j = 0; j < hw; j++) {
					long o = ((long)i * ci + ch) * hw + j;
					float v = c.scale[ch] * c.x[o] + c.shift[ch];

					dx[o] = v > 0 ? dx[o] * c.scale[ch] : 0;
				}
	fd_check("dx", conv_loss, &c, c.x, dx, nx, 200, 1e-2, 2e-3, 1e-6);
	fd_check("dw", conv_loss, &c, c.wt, dw, nw, 200, 1e-2, 2e-3, 1e-6);
	fd_check("db", conv_loss, &c, c.b, db, co, 200, 1e-2, 2e-3, 1e-6);
	free(c.x), free(c.wt), free(c.b), free(c.y), free(c.r);
	free(dx), free(dw), free(db), free(c.wk.buf), free(c.wk.part);
	free(c.wk.wbuf);
	free(c.scale), free(c.shift);
}

static void
test_conv3(void)
{
	conv_case(0, 3, 5, 0, 0, gemm_ref, CONV_IM2COL, &kern_scalar);
	conv_case(0, 3, 5, 0, 0, gemm_blas, CONV_IM2COL, &kern_scalar);
}

static void
test_conv3_concat_lazy(void)
{
	conv_case(0, 4, 3, 1, 1, gemm_blas, CONV_IM2COL, &kern_scalar);
}

/* Both Winograd variants' three gradients, with every instruction set
 * this CPU runs (tests/unit/test_conv.c compares the paths with each
 * other). */
static void
test_conv3_winograd(void)
{
	const Kern *k[3] = { &kern_scalar, &kern_avx2, &kern_avx512 };

	for (int i = 0; i < 3; i++) {
		if (!kern_runs(k[i]))
			continue;
		for (ConvAlgo a = CONV_WINOGRAD; a <= CONV_WINOGRAD4; a++) {
			conv_case(0, 3, 5, 0, 0, gemm_ref, a, k[i]);
			conv_case(0, 4, 3, 1, 1, gemm_blas, a, k[i]);
		}
	}
}

/* The transposed and 1x1 convolutions' kernels, with every
 * instruction set this CPU runs. */
static void
test_upconv(void)
{
	const Kern *k[3] = { &kern_scalar, &kern_avx2, &kern_avx512 };

	for (int i = 0; i < 3; i++)
		if (kern_runs(k[i]))
			conv_case(1, 4, 3, 0, 1, gemm_blas, CONV_AUTO, k[i]);
}

static void
test_conv1(void)
{
	const Kern *k[3] = { &kern_scalar, &kern_avx2, &kern_avx512 };

	for (int i = 0; i < 3; i++)
		if (kern_runs(k[i])) {
			conv_case(2, 5, 7, 0, 1, gemm_ref, CONV_AUTO, k[i]);
			conv_case(2, 30, 47, 0, 1, gemm_blas, CONV_AUTO, k[i]);
		}
}

static void
test_gemm_kernels_agree(void)
{
	enum { M = 7, K = 9, NN = 11 };
	float a[M * K], b[K * NN], c1[M * NN], c2[M * NN];
	Rng r;

	rng_seed(&r, 3);
	fill_normal(a, M * K, &r, 1);
	fill_normal(b, K * NN, &r, 1);
	for (int ta = 0; ta < 2; ta++)
		for (int tb = 0; tb < 2; tb++) {
			fill_normal(c1, M * NN, &r, 1);
			memcpy(c2, c1, sizeof c1);
			gemm_ref(ta, tb, M, NN, K, 0.5f, a, ta ? M : K, b,
			    tb ? K : NN, 2, c1, NN);
			gemm_blas(ta, tb, M, NN, K, 0.5f, a, ta ? M : K, b,
			    tb ? K : NN, 2, c2, NN);
			for (int i = 0; i < M * NN; i++)
				CHECK_NEAR(c1[i], c2[i], 1e-4);
		}
}


typedef struct {
	float *z, *gamma, *beta, *r, *a;
	float rm[3], rv[3], mean[3], invstd[3], scale[3], shift[3];
} BnCase;

enum { BC = 3 };

static double
bn_loss(void *ctx)
{
	BnCase *c = ctx;
	long hw = (long)H * W;

	bn_train(c->z, N, BC, hw, c->gamma, c->beta, c->rm, c->rv, c->mean,
	    c->invstd, c->scale, c->shift, 2);
	for (int i = 0; i < N; i++)
		for (int ch = 0; ch < BC; ch++)
			for (long j = 0; j < hw; j++) {
				long o = ((long)i * BC + ch) * hw + j;
				float v = c->scale[ch] * c->z[o] + c->shift[ch];

				c->a[o] = v > 0 ? v : 0;
			}
	return dot(c->r, c->a, N * BC * hw);
}

static void
test_bnrelu(void)
{
	long len = (long)N * BC * H * W;
	BnCase c;
	float dg[BC] = { 0 }, dbt[BC] = { 0 }, *d;
	Rng r;

	rng_seed(&r, 11);
	c.z = xmallocarray(len, sizeof(float));
	c.r = xmallocarray(len, sizeof(float));
	c.a = xmallocarray(len, sizeof(float));
	d = xmallocarray(len, sizeof(float));
	c.gamma = xmallocarray(BC, sizeof(float));
	c.beta = xmallocarray(BC, sizeof(float));
	fill_normal(c.z, len, &r, 2);
	for (long i = 0; i < len; i++)
		c.z[i] += 3;	/* a mean far from 0 */
	fill_normal(c.r, len, &r, 1);
	fill_normal(c.gamma, BC, &r, 1);
	fill_normal(c.beta, BC, &r, 0.5);
	bn_loss(&c);
	memcpy(d, c.r, len * sizeof(float));
	bnrelu_backward(d, c.z, N, BC, (long)H * W, c.mean, c.invstd, c.scale,
	    c.shift, dg, dbt, 2);
	fd_check("dz", bn_loss, &c, c.z, d, len, 300, 1e-3, 5e-3, 1e-6);
	fd_check("dgamma", bn_loss, &c, c.gamma, dg, BC, 10, 1e-3, 5e-3, 1e-6);
	fd_check("dbeta", bn_loss, &c, c.beta, dbt, BC, 10, 1e-3, 5e-3, 1e-6);
	free(c.z), free(c.r), free(c.a), free(d), free(c.gamma), free(c.beta);
}

/* The running statistics move as PyTorch's: momentum 0.1 towards the
 * batch mean and the unbiased batch variance; inference uses them. */
static void
test_bn_running(void)
{
	float z[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };	/* N=2, c=1, hw=4 */
	float g = 2, b = 1, rm = 0, rv = 1, mean, invstd, scale, shift;

	bn_train(z, 2, 1, 4, &g, &b, &rm, &rv, &mean, &invstd, &scale, &shift,
	    1);
	CHECK_NEAR(mean, 4.5, 1e-6);
	CHECK_NEAR(invstd, 1 / sqrt(5.25 + 1e-5), 1e-6);
	CHECK_NEAR(rm, 0.45, 1e-6);
	CHECK_NEAR(rv, 0.9 + 0.1 * 6.0, 1e-6);
	bn_eval(1, &g, &b, &rm, &rv, &scale, &shift);
	CHECK_NEAR(scale, 2 / sqrt(1.5 + 1e-5), 1e-6);
	CHECK_NEAR(shift, 1 - 0.45 * 2 / sqrt(1.5 + 1e-5), 1e-6);
}

static void
test_relu_dropout(void)
{
	float x[6] = { -1, 0, 2, -3, 4, 0.5f }, y[6], d[6];
	float dy[6] = { 1, 2, 3, 4, 5, 6 };
	uint8_t m[1000];
	Rng r;
	int kept = 0;

	relu_forward(y, x, 6);
	relu_backward(d, dy, x, 6);
	for (int i = 0; i < 6; i++) {
		CHECK(y[i] == (x[i] > 0 ? x[i] : 0));
		CHECK(d[i] == (x[i] > 0 ? dy[i] : 0));
	}
	rng_seed(&r, 1);
	dropout_mask(m, 1000, 0.3f, &r);
	for (int i = 0; i < 1000; i++)
		kept += m[i];
	CHECK(kept > 640 && kept < 760);
	dropout_backward(d, dy, m, 2, 6);
	for (int i = 0; i < 6; i++)
		CHECK(d[i] == (m[i] ? 2 * dy[i] : 0));
}

typedef struct {
	float *x, *y, *r, *plane;
	int c;
} PoolCase;

static double
pool_loss(void *ctx)
{
	PoolCase *p = ctx;
	Src s = src_plain(p->x, (long)p->c * H * W, p->c);

	maxpool_forward(p->y, &s, N, H, W, p->plane, 2);
	return dot(p->r, p->y, (long)N * p->c * H * W / 4);
}

static void
test_maxpool(void)
{
	PoolCase p;
	long len = (long)N * 2 * H * W;
	float *dx = xcalloc(len, sizeof(float));
	Rng r;

	p.c = 2;
	p.x = xmallocarray(len, sizeof(float));
	p.y = xmallocarray(len / 4, sizeof(float));
	p.r = xmallocarray(len / 4, sizeof(float));
	p.plane = xmallocarray(2 * H * W, sizeof(float));
	rng_seed(&r, 12);
	/* distinct values 0.1 apart, shuffled: no ties within h of a max */
	for (long i = 0; i < len; i++)
		p.x[i] = 0.1f * (float)((i * 37) % len);
	fill_normal(p.r, len / 4, &r, 1);
	pool_loss(&p);
	Src s = src_plain(p.x, 2L * H * W, 2);
	Dst d = { dx, 2L * H * W, 2 };
	maxpool_backward(&d, p.r, &s, N, H, W, p.plane, 2);
	fd_check("dx", pool_loss, &p, p.x, dx, len, 200, 1e-2, 1e-3, 1e-6);
	free(p.x), free(p.y), free(p.r), free(p.plane), free(dx);
}

enum { K = 5 };

typedef struct {
	float *l, *work;
	uint8_t *y;
	const float *wt;
} XentCase;

static double
xent_loss(void *ctx)
{
	XentCase *c = ctx;
	LossStats st;

	memcpy(c->work, c->l, (size_t)N * K * H * W * sizeof(float));
	if (softmax_xent(c->work, c->y, c->wt, N, K, (long)H * W, &st, 2,
	    NULL) < 0)
		return NAN;
	return st.loss;
}

static void
test_softmax_xent(void)
{
	long len = (long)N * K * H * W, np = (long)N * H * W;
	float wt[K] = { 0.5f, 1, 2, 1.5f, 0.25f }, *g;
	XentCase c;
	LossStats st;
	Rng r;

	c.l = xmallocarray(len, sizeof(float));
	c.work = xmallocarray(len, sizeof(float));
	g = xmallocarray(len, sizeof(float));
	c.y = xmalloc(np);
	rng_seed(&r, 13);
	fill_normal(c.l, len, &r, 2);
	for (long i = 0; i < np; i++)
		c.y[i] = i % 7 == 3 ? 255 : (uint8_t)rng_below(&r, K);
	for (int w = 0; w < 2; w++) {
		c.wt = w ? wt : NULL;
		memcpy(g, c.l, len * sizeof(float));
		CHECK(softmax_xent(g, c.y, c.wt, N, K, (long)H * W, &st, 2,
		    NULL) == 0);
		CHECK(st.valid == np - (np + 3) / 7);
		fd_check("dlogits", xent_loss, &c, c.l, g, len, 300, 1e-2, 2e-3, 1e-6);
		for (long i = 0; i < len; i++)
			if (c.y[i % (H * W) + (i / (K * H * W)) * H * W] == 255)
				CHECK(g[i] == 0);
	}
	/* a diverged network's NaN logit: a NaN loss, which the trainer
	 * reports (and, under UBSan, no undefined conversion of it) */
	memcpy(g, c.l, len * sizeof(float));
	g[4] = NAN;	/* pixel 4 has a label */
	CHECK(softmax_xent(g, c.y, NULL, N, K, (long)H * W, &st, 2, NULL) == 0);
	CHECK(isnan(st.loss));
	/* all ignored: no loss, no gradient, no NaN */
	memset(c.y, 255, np);
	memcpy(g, c.l, len * sizeof(float));
	CHECK(softmax_xent(g, c.y, NULL, N, K, (long)H * W, &st, 1, NULL) == 0);
	CHECK(st.loss == 0 && st.valid == 0 && g[0] == 0);
	free(c.l), free(c.work), free(c.y), free(g);
}

static void
test_softmax_xent_rejects(void)
{
	float l[2 * K] = { 0 };
	uint8_t y[2] = { 1, K };
	LossStats st;
	Err e;

	CHECK(softmax_xent(l, y, NULL, 1, K, 2, &st, 1, &e) == -1);
	CHECK(strstr(e.msg, "label 5") != NULL);
}

/* The probabilities' path: L = ce * (cross-entropy) + dice * Dice of the
 * logits, the cross-entropy as a mean (1/wsum) when ce is 1. */
typedef struct {
	float *l, *work;
	uint8_t *y;
	const float *wt;
	double ce, dice;
} DiceCase;

static double
dice_case_loss(DiceCase *c, float *grad)
{
	long len = (long)N * K * H * W;
	double sums[3 * K] = { 0 }, wsum, loss;
	float *z = grad != NULL ? grad : c->work;
	LossStats st;

	memcpy(z, c->l, len * sizeof(float));
	if (softmax_probs(z, c->y, c->wt, N, K, (long)H * W, &st, &wsum, 2,
	    NULL) < 0)
		return NAN;
	dice_sums(z, c->y, N, K, (long)H * W, sums, 2);
	loss = c->ce * st.loss / wsum + c->dice * dice_loss(sums, K);
	if (grad != NULL)
		softmax_loss_backward(z, c->y, c->wt, c->ce / wsum, sums,
		    c->dice, N, K, (long)H * W, 2);
	return loss;
}

static double
dice_fd_loss(void *ctx)
{
	return dice_case_loss(ctx, NULL);
}

static void
test_dice_gradient(void)
{
	long len = (long)N * K * H * W, np = (long)N * H * W;
	float wt[K] = { 0.5f, 1, 2, 1.5f, 0.25f }, *g;
	DiceCase c = { 0 };
	Rng r;

	c.l = xmallocarray(len, sizeof(float));
	c.work = xmallocarray(len, sizeof(float));
	g = xmallocarray(len, sizeof(float));
	c.y = xmalloc(np);
	rng_seed(&r, 17);
	fill_normal(c.l, len, &r, 2);
	/* class 3 absent: Dice leaves it out, its logits still matter */
	for (long i = 0; i < np; i++) {
		c.y[i] = i % 7 == 3 ? 255 : (uint8_t)rng_below(&r, K - 1);
		if (c.y[i] == 3)
			c.y[i] = 4;
	}
	for (int v = 0; v < 3; v++) {
		c.ce = v != 0;
		c.dice = v != 1 ? 1 : 0;
		c.wt = v == 2 ? wt : NULL;
		dice_case_loss(&c, g);
		fd_check(v == 0 ? "dice" : v == 1 ? "ce" : "ce+dice, weighted",
		    dice_fd_loss, &c, c.l, g, len, 300, 1e-2, 2e-3, 1e-6);
		for (long i = 0; i < len; i++)
			if (c.y[i % (H * W) + (i / (K * H * W)) * H * W] == 255)
				CHECK(g[i] == 0);
	}
	free(c.l), free(c.work), free(c.y), free(g);
}

/* Cross-entropy alone by the probabilities' path is softmax_xent: the
 * same loss and gradient, up to float rounding (its exponential is not
 * libm's). */
static void
test_probs_path_is_xent(void)
{
	long len = (long)N * K * H * W, np = (long)N * H * W;
	float wt[K] = { 0.5f, 1, 2, 1.5f, 0.25f }, *a, *b;
	LossStats sa, sb;
	double wsum;
	uint8_t *y = xmalloc(np);
	Rng r;

	a = xmallocarray(len, sizeof(float));
	b = xmallocarray(len, sizeof(float));
	rng_seed(&r, 19);
	fill_normal(a, len, &r, 3);
	memcpy(b, a, len * sizeof(float));
	for (long i = 0; i < np; i++)
		y[i] = i % 5 == 1 ? 255 : (uint8_t)rng_below(&r, K);
	CHECK(softmax_xent(a, y, wt, N, K, (long)H * W, &sa, 1, NULL) == 0);
	CHECK(softmax_probs(b, y, wt, N, K, (long)H * W, &sb, &wsum, 1,
	    NULL) == 0);
	CHECK_NEAR(sb.loss / wsum, sa.loss, 1e-6);
	CHECK(sa.valid == sb.valid && sa.correct == sb.correct);
	softmax_loss_backward(b, y, wt, 1 / wsum, NULL, 0, N, K, (long)H * W,
	    1);
	for (long i = 0; i < len; i++)
		CHECK_NEAR(a[i], b[i], 1e-7);
	free(a), free(b), free(y);
}

/* Dice by hand: two pixels, three classes. Truth (1, 2); probabilities
 * p(1) = (0.2, 0.8, 0) at the first, (0.1, 0.3, 0.6) at the second:
 * Dice of 1 = 2 * 0.8 / (1.1 + 1), of 2 = 2 * 0.6 / (0.6 + 1); class 0
 * (the background) and absent classes are left out. */
static void
test_dice_by_hand(void)
{
	float p[6] = { 0.2f, 0.1f, 0.8f, 0.3f, 0, 0.6f };
	uint8_t y[2] = { 1, 2 }, none[2] = { 0, 255 };
	double s[9] = { 0 }, t[9] = { 0 };

	dice_sums(p, y, 1, 3, 2, s, 1);
	CHECK_NEAR(s[1], 0.8, 1e-7);
	CHECK_NEAR(s[3 + 1], 1.1, 1e-7);
	CHECK_NEAR(s[6 + 2], 1, 0);
	CHECK_NEAR(dice_loss(s, 3), 1 - (1.6 / 2.1 + 1.2 / 1.6) / 2, 1e-7);
	/* only background and ignore: no category, no loss */
	dice_sums(p, none, 1, 3, 2, t, 1);
	CHECK(dice_loss(t, 3) == 0);
	CHECK_NEAR(t[3 + 0], 0.2, 1e-7);
}

int
main(void)
{
	TEST(test_gemm_kernels_agree);
	TEST(test_conv3);
	TEST(test_conv3_concat_lazy);
	TEST(test_conv3_winograd);
	TEST(test_upconv);
	TEST(test_conv1);
	TEST(test_bnrelu);
	TEST(test_bn_running);
	TEST(test_relu_dropout);
	TEST(test_maxpool);
	TEST(test_softmax_xent);
	TEST(test_softmax_xent_rejects);
	TEST(test_dice_gradient);
	TEST(test_probs_path_is_xent);
	TEST(test_dice_by_hand);
	return tap_done();
}
