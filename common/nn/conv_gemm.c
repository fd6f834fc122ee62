/* The convolutions of conv.h that are a matrix product per band of
 * pixels: the 2x2 stride-2 transposed convolution and the 1x1 head. Their
 * forward passes and input gradients run the instruction set's conv1x1
 * kernel straight on the input rows, the lazy batch norm + ReLU in its
 * loads (K is a few dozen channels here, where a GEMM packs more than it
 * multiplies); the weight gradients are GEMMs over the band's pixels.
 * A band's operands stay near 1 MiB, in cache, and a batch of one image
 * still gives every thread bands of its own. */
#include "conv.h"

#include <string.h>

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
	const float *pw, *pb;	/* conv1x1's weights and bias, in Work.wbuf */
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
	    band_rows(per_row, h), 0, NULL, NULL, wk };

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

static long
padded(const Work *wk, int rows)
{
	long b = wk->kern->c1_block;

	return (rows + b - 1) / b * b;
}

/* conv1x1's operands in Work.wbuf: the [rows][cols] matrix read from
 * src as it is or (trans) from its transpose [cols][rows], in blocks of
 * the kernels' width of rows, each stored [cols][width], zeros past
 * rows; then, unless bias is NULL, the bias of each row, bias[r / per]
 * (a transposed convolution's four phases share their channel's).
 * Returns the matrix; the bias follows it. */
static float *
pad_weights(Work *wk, const float *src, int rows, int cols, int trans,
    const float *bias, int per)
{
	long pr = padded(wk, rows), bw = wk->kern->c1_block;
	float *w = wk->wbuf;

	memset(w, 0, (size_t)(pr * cols + (bias ? pr : 0)) * sizeof *w);
	for (int r = 0; r < rows; r++)
		for (int c = 0; c < cols; c++)
			w[(r / bw * cols + c) * bw + r % bw] = trans ?
			    src[(long)c * rows + r] : src[(long)r * cols + c];
	if (bias != NULL)
		for (int r = 0; r < rows; r++)
			w[pr * cols + r] = bias[r / per];
	return w;
}

/* The first row a..a+rows-1 of channel 0 of image img of a Src: the
 * kernel reads channel c at c * h*w floats on. */
static const float *
src_rows(const Src *in, int img, int y0, int w)
{
	return in->x + img * in->stride + (long)y0 * w;
}

size_t
upconv_shared(const Work *wk, int ci, int co)
{
	size_t f = (size_t)(padded(wk, 4 * co) * (ci + 1));
	size_t d = (size_t)(padded(wk, ci) * 4 * co);

	return f > d ? f : d;
}

size_t
conv1_shared(const Work *wk, int ci, int co)
{
	size_t f = (size_t)(padded(wk, co) * (ci + 1));
	size_t d = (size_t)(padded(wk, ci) * co);

	return f > d ? f : d;
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

	/* o[co*4][len] = wt[ci][co*4]^T a[ci][len] + b, a as read */
	if (j->pw != NULL) {
		j->wk->kern->conv1x1(o, len, src_rows(j->in, img, y0, w),
		    (long)j->h * w, len, ci, j->pw, co * 4, j->pb,
		    j->in->scale, j->in->shift);
	} else {
		src_band(a, j->in, img, j->h, w, y0, rows);
		j->wk->gemm(1, 0, co * 4, (int)len, ci, 1, j->wt, co * 4, a,
		    (int)len, 0, o, (int)len);
		for (int c = 0; c < co * 4; c++)
			for (long i = 0; i < len; i++)
				o[c * len + i] += j->b[c / 4];
	}
	for (int c = 0; c < co; c++)
		for (int t4 = 0; t4 < 4; t4++) {
			const float *s = o + (c * 4 + t4) * len;
			float *d = oi + c * 4L * j->h * w + (t4 >> 1) * ow +
			    (t4 & 1);

			for (int y = 0; y < rows; y++)
				for (int x = 0; x < w; x++)
					d[y * 2 * ow + 2 * x] = s[y * w + x];
		}
}

void
upconv_forward(float *out, const Src *in, const float *wt, const float *b,
    int n, int co, int h, int w, Work *wk)
{
	Job j = job(out, NULL, in, NULL, wt, b, co, h, w,
	    (long)(in->c + 4 * co) * w, wk);

	/* a dropout mask: the general reader and a GEMM */
	if (in->mask == NULL) {
		j.pw = pad_weights(wk, wt, 4 * co, in->c, 1, b, 4);
		j.pb = j.pw + padded(wk, 4 * co) * in->c;
	}
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
		j->wk->kern->conv1x1(dsts_plane(j->din, img, 0, hw) +
		    (long)y0 * w, hw, g, len, len, co * 4, j->pw, ci, NULL,
		    NULL, NULL);
}

void
upconv_backward(const Dsts *din, float *dwt, float *db, const float *dout,
    const Src *in, const float *wt, int n, int co, int h, int w, Work *wk)
{
	Job j = job(NULL, dout, in, din, wt, NULL, co, h, w,
	    (long)(in->c + 4 * co) * w, wk);

	if (din != NULL)
		j.pw = pad_weights(wk, wt, in->c, 4 * co, 0, NULL, 1);
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

	if (j->pw != NULL) {
		j->wk->kern->conv1x1(o, hw, src_rows(j->in, img, y0, j->w), hw,
		    len, j->ci, j->pw, j->co, j->pb, j->in->scale,
		    j->in->shift);
		return;
	}
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

	if (in->mask == NULL) {
		j.pw = pad_weights(wk, wt, co, in->c, 0, b, 1);
		j.pb = j.pw + padded(wk, co) * in->c;
	}
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
		j->wk->kern->conv1x1(dsts_plane(j->din, img, 0, hw) +
		    (long)y0 * j->w, hw, di, hw, len, co, j->pw, ci, NULL, NULL,
		    NULL);
}

void
conv1_backward(const Dsts *din, float *dwt, float *db, const float *dout,
    const Src *in, const float *wt, int n, int co, int h, int w, Work *wk)
{
	Job j = job(NULL, dout, in, din, wt, NULL, co, h, w, (long)in->c * w,
	    wk);

	if (din != NULL)
		j.pw = pad_weights(wk, wt, in->c, co, 1, NULL, 1);
	slots_bands(wk, n, j.nbands, conv1_bwd_band, &j, dwt,
	    (size_t)co * in->c, db, co);
}
