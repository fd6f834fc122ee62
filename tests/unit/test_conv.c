/* Unit tests of the 3x3 convolution's paths: every algorithm (im2col,
 * F(2x2,3x3), F(4x4,3x3)) with every instruction set this CPU runs
 * against a plain loop in double, forward, input and weight gradients,
 * on shapes that reach the corners of the code: odd and tiny planes,
 * chunks across images, split output channels, weight gradients in
 * several passes, a concatenated input read through batch norm + ReLU
 * and a dropout mask; the same bytes from the same thread count; and
 * the transposed and 1x1 convolutions in several bands.
 * The finite-difference checks of the gradients are in test_layers.c. */
#include <stdlib.h>
#include <string.h>

#include "conv.h"
#include "fd.h"
#include "xalloc.h"

typedef struct {
	int ci, co, h, w, n;
} Shape;

/* One shape's data, a concatenation of two halves of x (the first read
 * through scale/shift and a ReLU, the second through a dropout mask). */
typedef struct {
	Shape s;
	float *x, *scale, *shift, *wt, *b, *dz;
	uint8_t *mask;
} Case;

static Srcs
case_in(const Case *c)
{
	long hw = (long)c->s.h * c->s.w;
	int half = c->s.ci / 2;
	Src a = src_plain(c->x, c->s.ci * hw, half);
	Src b = src_plain(c->x + half * hw, c->s.ci * hw, c->s.ci - half);

	a.scale = c->scale;
	a.shift = c->shift;
	b.mask = c->mask;
	b.keep = 2;
	return half > 0 ? srcs_two(a, b) : srcs_one(b);
}

static void
case_new(Case *c, Shape s, Rng *r)
{
	long hw = (long)s.h * s.w, nx = (long)s.n * s.ci * hw;

	c->s = s;
	c->x = xmallocarray(nx, sizeof(float));
	c->scale = xmallocarray(s.ci, sizeof(float));
	c->shift = xmallocarray(s.ci, sizeof(float));
	c->wt = xmallocarray(9L * s.ci * s.co, sizeof(float));
	c->b = xmallocarray(s.co, sizeof(float));
	c->dz = xmallocarray((long)s.n * s.co * hw, sizeof(float));
	/* the mask covers its group: images s.ci apart are not needed */
	c->mask = xmalloc((size_t)(s.n * (s.ci - s.ci / 2) * hw));
	fill_normal(c->x, nx, r, 1);
	fill_normal(c->scale, s.ci, r, 1);
	fill_normal(c->shift, s.ci, r, 0.5);
	fill_normal(c->wt, 9L * s.ci * s.co, r, 1 / sqrt(9.0 * s.ci));
	fill_normal(c->b, s.co, r, 0.3);
	fill_normal(c->dz, (long)s.n * s.co * hw, r, 1);
	for (long i = 0; i < (long)s.n * (s.ci - s.ci / 2) * hw; i++)
		c->mask[i] = rng_below(r, 4) != 0;
}

static void
case_free(Case *c)
{
	free(c->x), free(c->scale), free(c->shift), free(c->wt), free(c->b);
	free(c->dz), free(c->mask);
}

/* The input as the convolution reads it, [n][ci][h][w]. */
static float *
read_input(const Case *c)
{
	const Shape *s = &c->s;
	long hw = (long)s->h * s->w;
	float *a = xmallocarray((long)s->n * s->ci * hw, sizeof(float));
	Srcs in = case_in(c);

	for (int i = 0; i < s->n; i++)
		for (int ch = 0; ch < s->ci; ch++)
			srcs_rows(&in, i, ch, s->h, s->w, 0, s->h,
			    a + ((long)i * s->ci + ch) * hw);
	return a;
}

/* z, din (of the read input), dw and db by the definition, in double. */
static void
reference(const Case *c, double *z, double *din, double *dw, double *db)
{
	const Shape *s = &c->s;
	long hw = (long)s->h * s->w;
	float *a = read_input(c);

	for (int i = 0; i < s->n; i++)
		for (int o = 0; o < s->co; o++)
			for (int y = 0; y < s->h; y++)
				for (int x = 0; x < s->w; x++) {
					long zo = ((long)i * s->co + o) * hw + y * s->w + x;
					double acc = c->b[o], g = c->dz[zo];

					db[o] += g;
					for (int k = 0; k < s->ci; k++)
						for (int t = 0; t < 9; t++) {
							int sy = y + t / 3 - 1, sx = x + t % 3 - 1;
							long wo = ((long)o * s->ci + k) * 9 + t;
							long ai = ((long)i * s->ci + k) * hw +
							    sy * s->w + sx;

							if (sy < 0 || sy >= s->h || sx < 0 ||
							    sx >= s->w)
								continue;
							acc += (double)c->wt[wo] * a[ai];
							din[ai] += (double)c->wt[wo] * g;
							dw[wo] += (double)a[ai] * g;
						}
					z[zo] = acc;
				}
	free(a);
}

/* Largest |got - want| relative to the largest |want|. */
static double
rel_err(const float *got, const double *want, long n)
{
	double scale = 1e-30, err = 0;

	for (long i = 0; i < n; i++)
		if (fabs(want[i]) > scale)
			scale = fabs(want[i]);
	for (long i = 0; i < n; i++)
		if (fabs(got[i] - want[i]) > err)
			err = fabs(got[i] - want[i]);
	return err / scale;
}

static void
work_for(Work *wk, const Shape *s, ConvAlgo a, const Kern *k, int threads)
{
	*wk = (Work){ .gemm = gemm_blas, .nthreads = threads, .kern = k,
	    .conv = a };
	wk->nbuf = conv3_scratch(wk, s->ci, s->co, s->h, s->w);
	wk->buf = xmallocarray(wk->nbuf * threads + 1, sizeof(float));
	wk->npart = conv3_part(s->ci, s->co);
	wk->part = xmallocarray(wk->npart * threads * CONV_SLOTS, sizeof(float));
	wk->nwbuf = conv3_shared(wk, s->ci, s->co, s->h, s->w, 1);
	wk->wbuf = xmallocarray(wk->nwbuf + 1, sizeof(float));
}

static void
work_free(Work *wk)
{
	free(wk->buf), free(wk->part), free(wk->wbuf);
}

/* The three passes with one algorithm, ISA and thread count. */
static void
run(const Case *c, ConvAlgo a, const Kern *k, int threads, float *z,
    float *din, float *dw, float *db)
{
	const Shape *s = &c->s;
	long hw = (long)s->h * s->w;
	Srcs in = case_in(c);
	Dsts d = dsts_one(din, s->ci * hw, s->ci);
	Work wk;

	work_for(&wk, s, a, k, threads);
	memset(dw, 0, 9L * s->ci * s->co * sizeof(float));
	memset(db, 0, s->co * sizeof(float));
	conv3_forward(z, &in, c->wt, c->b, s->n, s->co, s->h, s->w, &wk);
	conv3_backward(&d, dw, db, c->dz, &in, c->wt, s->n, s->co, s->h, s->w,
	    &wk);
	work_free(&wk);
}

static const Shape shapes[] = {
	{ 3, 5, 6, 4, 2 },	/* the first layer's few channels */
	{ 4, 3, 5, 7, 2 },	/* odd sides: partial tiles */
	{ 1, 1, 1, 1, 1 },	/* one pixel */
	{ 2, 3, 1, 9, 3 },	/* one row */
	{ 6, 4, 9, 2, 3 },	/* one column of tiles */
	{ 8, 16, 33, 17, 2 },	/* tiles and vectors left over */
	{ 16, 8, 8, 8, 5 },	/* chunks across images */
	{ 8, 96, 4, 4, 1 },	/* output channels split among tasks */
	{ 512, 64, 4, 4, 1 },	/* F(4x4) weight gradient in two passes */
	{ 256, 256, 2, 2, 1 },	/* F(2x2) weight gradient in four passes */
};

static void
check_shape(const Shape *s, const Kern *k, Rng *r)
{
	long hw = (long)s->h * s->w, nz = (long)s->n * s->co * hw;
	long nx = (long)s->n * s->ci * hw, nw = 9L * s->ci * s->co;
	double *rz = xcalloc(nz, sizeof(double)), *rx = xcalloc(nx,
	    sizeof(double)), *rw = xcalloc(nw, sizeof(double)), *rb =
	    xcalloc(s->co, sizeof(double));
	float *z = xmallocarray(nz, sizeof(float)), *dx = xmallocarray(nx,
	    sizeof(float)), *dw = xmallocarray(nw, sizeof(float)), *db =
	    xmallocarray(s->co, sizeof(float));
	Case c;

	case_new(&c, *s, r);
	reference(&c, rz, rx, rw, rb);
	for (ConvAlgo a = CONV_IM2COL; a <= CONV_WINOGRAD4; a++) {
		/* measured at most 6e-7 and, F(4x4,3x3), 1.5e-6 */
		double tol = a == CONV_WINOGRAD4 ? 1e-5 : 2e-6;
		double e[4];

		run(&c, a, k, 2, z, dx, dw, db);
		e[0] = rel_err(z, rz, nz);
		e[1] = rel_err(dx, rx, nx);
		e[2] = rel_err(dw, rw, nw);
		e[3] = rel_err(db, rb, s->co);
		for (int i = 0; i < 4; i++)
			if (!(e[i] <= tol)) {
				printf("#   %s %s %dx%d %d->%d n%d: %s off by "
				    "%.3g (tolerance %g)\n", k->name,
				    conv_algo_name(a), s->h, s->w, s->ci, s->co,
				    s->n, (const char *[]){ "z", "din", "dw",
				    "db" }[i], e[i], tol);
				tap_cur_failed = 1;
			}
	}
	case_free(&c);
	free(rz), free(rx), free(rw), free(rb), free(z), free(dx), free(dw);
	free(db);
}

static void
check_isa(const Kern *k)
{
	Rng r;

	if (!kern_runs(k)) {
		printf("# %s: this CPU cannot run it, not checked\n", k->name);
		return;
	}
	rng_seed(&r, 21);
	for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
		check_shape(&shapes[i], k, &r);
}

static void
test_scalar(void)
{
	check_isa(&kern_scalar);
}

static void
test_avx2(void)
{
	check_isa(&kern_avx2);
}

static void
test_avx512(void)
{
	check_isa(&kern_avx512);
}

/* The same thread count gives the same bytes; the forward pass gives
 * them for any thread count (its work is cut by the shape alone). */
static void
test_same_bytes(void)
{
	Shape s = { 16, 24, 20, 12, 3 };
	long hw = (long)s.h * s.w, nz = (long)s.n * s.co * hw;
	long nx = (long)s.n * s.ci * hw, nw = 9L * s.ci * s.co;
	float *z[3], *dx[3], *dw[3], *db[3];
	int threads[3] = { 3, 3, 1 };
	const Kern *k;
	Case c;
	Rng r;
	Err e;

	CHECK(kern_pick(&k, &e) == 0);
	rng_seed(&r, 22);
	case_new(&c, s, &r);
	for (ConvAlgo a = CONV_IM2COL; a <= CONV_WINOGRAD4; a++) {
		for (int i = 0; i < 3; i++) {
			z[i] = xmallocarray(nz, sizeof(float));
			dx[i] = xmallocarray(nx, sizeof(float));
			dw[i] = xmallocarray(nw, sizeof(float));
			db[i] = xmallocarray(s.co, sizeof(float));
			run(&c, a, k, threads[i], z[i], dx[i], dw[i], db[i]);
		}
		CHECK(memcmp(z[0], z[1], nz * sizeof(float)) == 0);
		CHECK(memcmp(dx[0], dx[1], nx * sizeof(float)) == 0);
		CHECK(memcmp(dw[0], dw[1], nw * sizeof(float)) == 0);
		CHECK(memcmp(db[0], db[1], s.co * sizeof(float)) == 0);
		CHECK(memcmp(z[0], z[2], nz * sizeof(float)) == 0);
		CHECK(memcmp(dx[0], dx[2], nx * sizeof(float)) == 0);
		for (int i = 0; i < 3; i++)
			free(z[i]), free(dx[i]), free(dw[i]), free(db[i]);
	}
	case_free(&c);
}

/* The transposed and 1x1 convolutions cut an image into bands of rows
 * (about 1 MiB of operands each): with several bands of a tall, wide
 * image on three threads, they still give what loops in double give. */
static void
test_banded(void)
{
	enum { CI = 64, CO = 8, H = 21, W = 512, HW = H * W };
	float *x = xmallocarray(CI * HW, sizeof(float));
	float *wt = xmallocarray(CI * CO * 4, sizeof(float)), b[CO];
	float *out = xmallocarray(CO * 4 * HW, sizeof(float));
	float *dout = xmallocarray(CO * 4 * HW, sizeof(float));
	float *dx = xmallocarray(CI * HW, sizeof(float));
	float *dw = xcalloc(CI * CO * 4, sizeof(float)), db[CO] = { 0 };
	double *r = xcalloc(CO * 4 * HW, sizeof(double));
	double *rx = xcalloc(CI * HW, sizeof(double));
	double *rw = xcalloc(CI * CO * 4, sizeof(double)), rb[CO] = { 0 };
	Src in = src_plain(x, CI * HW, CI);
	Dsts din = dsts_one(dx, CI * HW, CI);
	Work wk = { .gemm = gemm_blas, .nthreads = 3 };
	Rng rg;
	Err e;

	rng_seed(&rg, 23);
	fill_normal(x, CI * HW, &rg, 1);
	fill_normal(wt, CI * CO * 4, &rg, 0.2);
	fill_normal(b, CO, &rg, 0.2);
	fill_normal(dout, CO * 4 * HW, &rg, 1);
	wk.nbuf = upconv_scratch(CI, CO, H, W);
	if (conv1_scratch(CI, H, W) > wk.nbuf)
		wk.nbuf = conv1_scratch(CI, H, W);
	CHECK(wk.nbuf < (size_t)CI * HW / 2);	/* in bands */
	wk.buf = xmallocarray(wk.nbuf * 3, sizeof(float));
	CHECK(kern_pick(&wk.kern, &e) == 0);
	wk.nwbuf = upconv_shared(&wk, CI, CO);
	if (conv1_shared(&wk, CI, CO) > wk.nwbuf)
		wk.nwbuf = conv1_shared(&wk, CI, CO);
	wk.wbuf = xmallocarray(wk.nwbuf, sizeof(float));
	wk.npart = upconv_part(CI, CO);
	wk.part = xmallocarray(wk.npart * 3 * CONV_SLOTS, sizeof(float));
	/* transposed: out[o][2y+dy][2x+dx] = b[o] + sum_c wt[c][o][dy][dx] x */
	for (int c = 0; c < CI; c++)
		for (int o = 0; o < CO; o++)
			for (int t = 0; t < 4; t++)
				for (int p = 0; p < HW; p++) {
					long q = (long)o * 4 * HW + (2 * (p / W) +
					    t / 2) * 2 * W + 2 * (p % W) + t % 2;
					double wv = wt[(c * CO + o) * 4 + t];

					r[q] += wv * x[c * HW + p] + (c ? 0 : b[o]);
					rx[c * HW + p] += wv * dout[q];
					rw[(c * CO + o) * 4 + t] += (double)x[c * HW +
					    p] * dout[q];
					if (c == 0)
						rb[o] += dout[q];
				}
	upconv_forward(out, &in, wt, b, 1, CO, H, W, &wk);
	upconv_backward(&din, dw, db, dout, &in, wt, 1, CO, H, W, &wk);
	CHECK(rel_err(out, r, CO * 4 * HW) < 2e-6);
	CHECK(rel_err(dx, rx, CI * HW) < 2e-6);
	CHECK(rel_err(dw, rw, CI * CO * 4) < 2e-6);
	CHECK(rel_err(db, rb, CO) < 2e-6);
	/* 1x1 from CI to CO channels, the same input and weights */
	memset(r, 0, CO * HW * sizeof(double));
	memset(rx, 0, CI * HW * sizeof(double));
	memset(rw, 0, CI * CO * sizeof(double));
	memset(rb, 0, sizeof rb);
	memset(dw, 0, CI * CO * sizeof(float));
	memset(db, 0, sizeof db);
	for (int o = 0; o < CO; o++)
		for (int c = 0; c < CI; c++)
			for (int p = 0; p < HW; p++) {
				double wv = wt[o * CI + c], g = dout[o * HW + p];

				r[o * HW + p] += wv * x[c * HW + p] + (c ? 0 : b[o]);
				rx[c * HW + p] += wv * g;
				rw[o * CI + c] += (double)x[c * HW + p] * g;
				if (c == 0)
					rb[o] += g;
			}
	conv1_forward(out, &in, wt, b, 1, CO, H, W, &wk);
	conv1_backward(&din, dw, db, dout, &in, wt, 1, CO, H, W, &wk);
	CHECK(rel_err(out, r, CO * HW) < 2e-6);
	CHECK(rel_err(dx, rx, CI * HW) < 2e-6);
	CHECK(rel_err(dw, rw, CI * CO) < 2e-6);
	CHECK(rel_err(db, rb, CO) < 2e-6);
	free(x), free(wt), free(out), free(dout), free(dx), free(dw), free(r);
	free(rx), free(rw), free(wk.buf), free(wk.part), free(wk.wbuf);
}

int
main(void)
{
	gemm_set_threads(1);	/* ours call it, as unet_set_threads has it */
	TEST(test_scalar);
	TEST(test_avx2);
	TEST(test_avx512);
	TEST(test_same_bytes);
	TEST(test_banded);
	return tap_done();
}
