/* conv.c — the 3x3 convolutions of conv.h: which algorithm each runs,
 * and the im2col + GEMM one (Winograd's are wino.c's). */
#include "conv.h"

#include <stdlib.h>
#include <string.h>

#include "par.h"
#include "slots.h"
#include "wino.h"

/* The im2col matrix of a band is kept near this many floats (1 MiB):
 * it then stays in cache between im2col writing it and the GEMM reading
 * it (measured 12% faster than 4 MiB bands), and costs no memory. */
#define BAND_FLOATS (1L << 18)

static int
band_rows(int ci, int h, int w)
{
	long rows = BAND_FLOATS / ((long)ci * 9 * w);

	if (rows < 1)
		rows = 1;
	return rows < h ? (int)rows : h;
}

/* A band's columns, plus one input plane band with its halo. */
static size_t
col_need(int c, int h, int w)
{
	long rows = band_rows(c, h, w);

	return (size_t)c * 9 * rows * w + (size_t)(rows + 2) * w;
}

/* The tile side of a Winograd algorithm, 0 for the others. */
static int
tile_m(ConvAlgo a)
{
	return a == CONV_WINOGRAD ? 2 : a == CONV_WINOGRAD4 ? 4 : 0;
}

/* For the algorithms conv3_algo picks: the forward's (which the weight
 * gradient shares) and the input gradient's. */
size_t
conv3_scratch(const Work *wk, int ci, int co, int h, int w)
{
	int mf = tile_m(conv3_algo(wk, ci, co, h, w));
	int md = tile_m(conv3_algo(wk, co, ci, h, w));
	size_t f = mf ? wino_scratch(mf, ci, co, h, w) : col_need(ci, h, w);
	size_t d = md ? wino_scratch(md, co, ci, h, w) :
	    (size_t)ci * co * 9 + col_need(co, h, w);

	return f > d ? f : d;
}

size_t
conv3_shared(const Work *wk, int ci, int co, int h, int w, int train)
{
	int mf = tile_m(conv3_algo(wk, ci, co, h, w));
	int md = tile_m(conv3_algo(wk, co, ci, h, w));
	size_t f = mf ? wino_shared(mf, ci, co, wk->nthreads, train) : 0;
	size_t d = md ? wino_shared(md, co, ci, 1, 0) : 0;

	return f > d ? f : d;
}

size_t
conv3_part(int ci, int co)
{
	return (size_t)ci * co * 9 + co;
}

int
work_pick(Work *wk, Err *e)
{
	const char *want = getenv("IMATSEG_CONV");

	if (kern_pick(&wk->kern, e) < 0)
		return -1;
	if (want == NULL || *want == '\0')
		wk->conv = CONV_AUTO;
	else if (strcmp(want, "im2col") == 0)
		wk->conv = CONV_IM2COL;
	else if (strcmp(want, "winograd") == 0)
		wk->conv = CONV_WINOGRAD;
	else
		return err_set(e, "IMATSEG_CONV=%s: not an algorithm of the "
		    "engine (im2col, winograd)", want);
	return 0;
}

/* Inference: F(4x4,3x3) where the planes hold enough of its tiles,
 * F(2x2,3x3) below: at 16x16 a batch's 4x4 tiles make GEMMs too narrow
 * for their 36 products (measured, filters 16 and 32: F(4x4) 25-45%
 * slower there, 20-40% faster from 32x32 up, the first layer's three
 * input channels included). Training: F(2x2,3x3) throughout. F(4x4)'s
 * round-off, harmless in one forward pass (a few parts in a million),
 * is amplified by Adam's steps where gradients are mostly round-off:
 * five steps of soft Dice at 32x32 (tests/engine.bats) drift from
 * PyTorch's beyond the cross-check's tolerance with it, and stay within
 * with F(2x2) on every layer. */
ConvAlgo
conv3_algo(const Work *wk, int ci, int co, int h, int w)
{
	(void)ci, (void)co;
	if (wk->conv != CONV_AUTO)
		return wk->conv;
	return h >= 32 && w >= 32 && !wk->train ? CONV_WINOGRAD4 :
	    CONV_WINOGRAD;
}

const char *
conv_algo_name(ConvAlgo a)
{
	static const char *const name[] = { "auto", "im2col", "winograd",
	    "winograd4" };

	return name[a];
}

/* The 9 shifted copies of one input channel for output rows y0..y1-1.
 * pl holds input rows p0.. of the channel (p0 = max(0, y0-1)). */
static void
im2col_band(float *col, long ld, const float *pl, int p0, int h, int w,
    int y0, int y1)
{
	for (int ky = 0; ky < 3; ky++)
		for (int kx = 0; kx < 3; kx++) {
			float *c = col + (ky * 3 + kx) * ld;
			int dx = kx - 1;

			for (int y = y0; y < y1; y++, c += w) {
				int sy = y + ky - 1;

				if (sy < 0 || sy >= h) {
					memset(c, 0, (size_t)w * sizeof *c);
					continue;
				}
				const float *r = pl + (long)(sy - p0) * w;
				int lo = dx < 0 ? 1 : 0, hi = dx > 0 ? w - 1 : w;

				c[0] = 0;
				c[w - 1] = 0;
				memcpy(c + lo, r + lo + dx,
				    (size_t)(hi - lo) * sizeof *c);
			}
		}
}

/* Fills col[ci*9][(y1-y0)*w] for image img, output rows y0..y1-1. */
static void
im2col(float *col, const Srcs *in, int img, int h, int w, int y0, int y1,
    float *plane)
{
	int ci = srcs_channels(in);
	long ld = (long)(y1 - y0) * w;
	int p0 = y0 > 0 ? y0 - 1 : 0, p1 = y1 < h ? y1 + 1 : h;

	for (int c = 0; c < ci; c++) {
		srcs_rows(in, img, c, h, w, p0, p1, plane);
		im2col_band(col + c * 9 * ld, ld, plane, p0, h, w, y0, y1);
	}
}

/* One im2col convolution call, shared by its tasks. */
typedef struct {
	float *out;
	const float *dout;
	const Srcs *in;
	const Dsts *din;
	const float *wt, *b;
	int ci, co, h, w, rows, nbands;
	Work *wk;
} Job;

static void
conv3_fwd_task(void *ctx, int t, int thread)
{
	Job *j = ctx;
	int img = t / j->nbands, y0 = t % j->nbands * j->rows;
	int y1 = y0 + j->rows < j->h ? y0 + j->rows : j->h, k = j->ci * 9;
	long hw = (long)j->h * j->w, len = (long)(y1 - y0) * j->w;
	float *col = work_scratch(j->wk, thread), *plane = col + (long)k * len;
	float *o = j->out + (long)img * j->co * hw + (long)y0 * j->w;

	/* the bias first and beta 1: no separate pass to clear or add */
	for (int c = 0; c < j->co; c++)
		for (long i = 0; i < len; i++)
			o[c * hw + i] = j->b[c];
	im2col(col, j->in, img, j->h, j->w, y0, y1, plane);
	j->wk->gemm(0, 0, j->co, (int)len, k, 1, j->wt, k, col, (int)len, 1,
	    o, (int)hw);
}

void
conv3_forward(float *z, const Srcs *in, const float *wt, const float *b,
    int n, int co, int h, int w, Work *wk)
{
	int ci = srcs_channels(in), rows = band_rows(ci, h, w);
	int m = tile_m(conv3_algo(wk, ci, co, h, w));
	Job j = { .out = z, .in = in, .wt = wt, .b = b, .ci = ci, .co = co,
	    .h = h, .w = w, .rows = rows, .nbands = (h + rows - 1) / rows,
	    .wk = wk };

	if (m > 0) {
		Dsts out = dsts_one(z, (long)co * h * w, co);

		wino_conv(&out, b, in, wt, 0, m, n, co, h, w, wk);
		return;
	}
	work_run(wk, n * j.nbands, conv3_fwd_task, &j);
}

/* The input gradient of a 3x3 convolution is the 3x3 convolution of
 * the output gradient with the weights transposed and flipped:
 * wf[ci][co][ky][kx] = wt[co][ci][2-ky][2-kx]. As a GEMM with K = co*9
 * it writes each input-gradient row once, where im2col's adjoint would
 * clear and scatter a matrix nine times the input's size. */
static void
flip_weights(float *wf, const float *wt, int ci, int co)
{
	for (int i = 0; i < ci; i++)
		for (int o = 0; o < co; o++)
			for (int t = 0; t < 9; t++)
				wf[((long)i * co + o) * 9 + t] =
				    wt[((long)o * ci + i) * 9 + 8 - t];
}

static void
conv3_din(Job *j, int img, float *scr)
{
	int h = j->h, w = j->w, co = j->co, rows = band_rows(co, h, w);
	long hw = (long)h * w;
	float *wf = scr, *col = wf + (long)j->ci * co * 9;
	Srcs dz = srcs_one(src_plain(j->dout, co * hw, co));

	flip_weights(wf, j->wt, j->ci, co);
	for (int y0 = 0; y0 < h; y0 += rows) {
		int y1 = y0 + rows < h ? y0 + rows : h, len = (y1 - y0) * w;
		const float *a = wf;

		im2col(col, &dz, img, h, w, y0, y1, col + 9L * co * len);
		for (int p = 0; p < j->din->np; p++) {
			const Dst *d = &j->din->p[p];

			j->wk->gemm(0, 0, d->c, len, co * 9, 1, a, co * 9, col,
			    len, 0, d->x + img * d->stride + (long)y0 * w,
			    (int)hw);
			a += (long)d->c * co * 9;
		}
	}
}

static void
conv3_bwd_image(void *ctx, int img, int band, int thread, float *dw)
{
	Job *j = ctx;
	int k = j->ci * 9, h = j->h, w = j->w, co = j->co;
	long hw = (long)h * w;
	float *col = work_scratch(j->wk, thread);
	float *plane = col + (long)k * j->rows * w;
	const float *dzi = j->dout + (long)img * co * hw;

	(void)band;	/* one per image: the rows are banded below */
	if (dw != NULL) {
		conv_bias_grad(dw + (long)co * k, dzi, co, hw, hw);
		for (int y0 = 0; y0 < h; y0 += j->rows) {
			int y1 = y0 + j->rows < h ? y0 + j->rows : h;
			int len = (y1 - y0) * w;

			im2col(col, j->in, img, h, w, y0, y1, plane);
			j->wk->gemm(0, 1, co, k, len, 1, dzi + (long)y0 * w,
			    (int)hw, col, len, 1, dw, k);
		}
	}
	if (j->din != NULL)
		conv3_din(j, img, col);
}

/* Each of the two gradients by the algorithm of its own convolution:
 * the weight gradient by the forward's, the input gradient by that of
 * the convolution from co to ci channels. */
void
conv3_backward(const Dsts *din, float *dwt, float *db, const float *dz,
    const Srcs *in, const float *wt, int n, int co, int h, int w, Work *wk)
{
	int ci = srcs_channels(in);
	int wm = dwt != NULL ? tile_m(conv3_algo(wk, ci, co, h, w)) : 0;
	int dm = din != NULL ? tile_m(conv3_algo(wk, co, ci, h, w)) : 0;
	Job j = { .dout = dz, .in = in, .din = dm ? NULL : din, .wt = wt,
	    .ci = ci, .co = co, .h = h, .w = w, .rows = band_rows(ci, h, w),
	    .wk = wk };

	if (wm)
		wino_weight_grad(dwt, db, dz, in, wm, n, co, h, w, wk);
	if (dm) {
		Srcs d = srcs_one(src_plain(dz, (long)co * h * w, co));

		wino_conv(din, NULL, &d, wt, 1, dm, n, ci, h, w, wk);
	}
	if ((dwt != NULL && !wm) || j.din != NULL)
		slots_bands(wk, n, 1, conv3_bwd_image, &j, wm ? NULL : dwt,
		    (size_t)co * ci * 9, db, co);
}
