/* The convolutions of conv.h that are one GEMM per band of pixels: the
 * 2x2 stride-2 transposed convolution and the 1x1 head. A band of input
 * rows is read once (through the lazy batch norm + ReLU), multiplied,
 * and written, its operands near 1 MiB: they stay in cache, and a batch
 * of one image still gives every thread bands of its own. */
#include "conv.h"

#include "par.h"
#include "slots.h"

#define BAND_FLOATS (1L << 18)

/* One call, shared by its tasks. */
typedef struct {
	float *out;
	const float *dout;
	const Src *in;
	const Dsts *din;
	const float *wt, *b;
	int ci, co, h, w;
	int rows, nbands;	/* input rows per band, bands per image */
	Work *wk;
} Job;

/* Input rows per band when a row costs per_row floats of scratch. */
static int
band_rows(long per_row, int h)
{
	long rows = BAND_FLOATS / per_row;

	return rows < 1 ? 1 : rows < h ? (int)rows : h;
}

static Job
job(float *out, const float *dout, const Src *in, const Dsts *din,
    const float *wt, const float *b, int co, int h, int w, long per_row,
    Work *wk)
{
	Job j = { out, dout, in, din, wt, b, in->c, co, h, w,
	    band_rows(per_row, h), 0, wk };

	j.nbands = (h + j.rows - 1) / j.rows;
	return j;
}

/* Band k's first row and row count. */
static int
band_len(const Job *j, int k, int *y0)
{
	*y0 = k * j->rows;
	return j->h - *y0 < j->rows ? j->h - *y0 : j->rows;
}

/* Rows y0..y0+rows-1 of every channel of image img as read, into
 * a[ci][rows*w]. */
static void
src_band(float *a, const Src *in, int img, int h, int w, int y0, int rows)
{
	Srcs s = srcs_one(*in);
	long len = (long)rows * w;

	for (int c = 0; c < in->c; c++)
		srcs_rows(&s, img, c, h, w, y0, y0 + rows, a + c * len);
}

size_t
upconv_scratch(int ci, int co, int h, int w)
{
	long per_row = (long)(ci + 4 * co) * w;

	return (size_t)(per_row * band_rows(per_row, h));
}

size_t
upconv_part(int ci, int co)
{
	return (size_t)ci * co * 4 + co;
}

static void
upconv_fwd_task(void *ctx, int t, int thread)
{
	Job *j = ctx;
	int img = t / j->nbands, y0, rows = band_len(j, t % j->nbands, &y0);
	int ci = j->ci, co = j->co, w = j->w;
	long len = (long)rows * w, ow = 2L * w;
	float *a = work_scratch(j->wk, thread), *o = a + ci * len;
	float *oi = j->out + (long)img * co * 4 * j->h * w + 2L * y0 * ow;

	src_band(a, j->in, img, j->h, w, y0, rows);
	/* o[co*4][len] = wt[ci][co*4]^T a[ci][len] */
	j->wk->gemm(1, 0, co * 4, (int)len, ci, 1, j->wt, co * 4, a, (int)len,
	    0, o, (int)len);
	for (int c = 0; c < co; c++)
		for (int t4 = 0; t4 < 4; t4++) {
			const float *s = o + (c * 4 + t4) * len;
			float *d = oi + c * 4L * j->h * w + (t4 >> 1) * ow +
			    (t4 & 1);
			float b = j->b[c];

			for (int y = 0; y < rows; y++)
				for (int x = 0; x < w; x++)
					d[y * 2 * ow + 2 * x] = s[y * w + x] + b;
		}
}

void
upconv_forward(float *out, const Src *in, const float *wt, const float *b,
    int n, int co, int h, int w, Work *wk)
{
	Job j = job(out, NULL, in, NULL, wt, b, co, h, w,
	    (long)(in->c + 4 * co) * w, wk);

	work_run(wk, n * j.nbands, upconv_fwd_task, &j);
}

static void
upconv_bwd_band(void *ctx, int img, int k, int thread, float *dw)
{
	Job *j = ctx;
	int ci = j->ci, co = j->co, w = j->w, y0, rows = band_len(j, k, &y0);
	long hw = (long)j->h * w, len = (long)rows * w, ow = 2L * w;
	float *a = work_scratch(j->wk, thread), *g = a + ci * len;
	const float *di = j->dout + (long)img * co * 4 * hw + 2L * y0 * ow;

	/* g[co*4][len]: the output gradient's four phases of the band */
	for (int c = 0; c < co; c++)
		for (int t4 = 0; t4 < 4; t4++) {
			float *d = g + (c * 4 + t4) * len;
			const float *s = di + c * 4 * hw + (t4 >> 1) * ow + (t4 & 1);

			for (int y = 0; y < rows; y++)
				for (int x = 0; x < w; x++)
					d[y * w + x] = s[y * 2 * ow + 2 * x];
		}
	if (dw != NULL) {
		conv_bias_grad(dw + (long)ci * co * 4, g, co, 4 * len, 4 * len);
		src_band(a, j->in, img, j->h, w, y0, rows);
		j->wk->gemm(0, 1, ci, co * 4, (int)len, 1, a, (int)len, g,
		    (int)len, 1, dw, co * 4);
	}
	if (j->din != NULL)
		j->wk->gemm(0, 0, ci, (int)len, co * 4, 1, j->wt, co * 4, g,
		    (int)len, 0, dsts_plane(j->din, img, 0, hw) + (long)y0 * w,
		    (int)hw);
}

void
upconv_backward(const Dsts *din, float *dwt, float *db, const float *dout,
    const Src *in, const float *wt, int n, int co, int h, int w, Work *wk)
{
	Job j = job(NULL, dout, in, din, wt, NULL, co, h, w,
	    (long)(in->c + 4 * co) * w, wk);

	slots_bands(wk, n, j.nbands, upconv_bwd_band, &j, dwt,
	    (size_t)in->c * co * 4, db, co);
}

size_t
conv1_scratch(int ci, int h, int w)
{
	long per_row = (long)ci * w;

	return (size_t)(per_row * band_rows(per_row, h));
}

size_t
conv1_part(int ci, int co)
{
	return (size_t)ci * co + co;
}

static void
conv1_fwd_task(void *ctx, int t, int thread)
{
	Job *j = ctx;
	int img = t / j->nbands, y0, rows = band_len(j, t % j->nbands, &y0);
	long hw = (long)j->h * j->w, len = (long)rows * j->w;
	float *a = work_scratch(j->wk, thread);
	float *o = j->out + (long)img * j->co * hw + (long)y0 * j->w;

	/* the bias first and beta 1: no separate pass over the output */
	for (int c = 0; c < j->co; c++)
		for (long i = 0; i < len; i++)
			o[c * hw + i] = j->b[c];
	src_band(a, j->in, img, j->h, j->w, y0, rows);
	j->wk->gemm(0, 0, j->co, (int)len, j->ci, 1, j->wt, j->ci, a, (int)len,
	    1, o, (int)hw);
}

void
conv1_forward(float *out, const Src *in, const float *wt, const float *b,
    int n, int co, int h, int w, Work *wk)
{
	Job j = job(out, NULL, in, NULL, wt, b, co, h, w, (long)in->c * w, wk);

	work_run(wk, n * j.nbands, conv1_fwd_task, &j);
}

static void
conv1_bwd_band(void *ctx, int img, int k, int thread, float *dw)
{
	Job *j = ctx;
	int ci = j->ci, co = j->co, y0, rows = band_len(j, k, &y0);
	long hw = (long)j->h * j->w, len = (long)rows * j->w;
	float *a = work_scratch(j->wk, thread);
	const float *di = j->dout + (long)img * co * hw + (long)y0 * j->w;

	if (dw != NULL) {
		conv_bias_grad(dw + (long)co * ci, di, co, len, hw);
		src_band(a, j->in, img, j->h, j->w, y0, rows);
		j->wk->gemm(0, 1, co, ci, (int)len, 1, di, (int)hw, a, (int)len,
		    1, dw, ci);
	}
	if (j->din != NULL)
		j->wk->gemm(1, 0, ci, (int)len, co, 1, j->wt, ci, di, (int)hw, 0,
		    dsts_plane(j->din, img, 0, hw) + (long)y0 * j->w, (int)hw);
}

void
conv1_backward(const Dsts *din, float *dwt, float *db, const float *dout,
    const Src *in, const float *wt, int n, int co, int h, int w, Work *wk)
{
	Job j = job(NULL, dout, in, din, wt, NULL, co, h, w, (long)in->c * w,
	    wk);

	slots_bands(wk, n, j.nbands, conv1_bwd_band, &j, dwt,
	    (size_t)co * in->c, db, co);
}
