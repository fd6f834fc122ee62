#include "conv.h"

#include <string.h>

/* The im2col matrix of a band is kept near this many floats (16 MiB):
 * large enough for an efficient GEMM, small enough not to cost memory. */
#define BAND_FLOATS (1L << 22)

static int
band_rows(int ci, int h, int w)
{
	long rows = BAND_FLOATS / ((long)ci * 9 * w);

	if (rows < 1)
		rows = 1;
	return rows < h ? (int)rows : h;
}

size_t
conv3_scratch(int ci, int h, int w)
{
	long rows = band_rows(ci, h, w);

	/* the band's columns, plus one input plane band with a halo */
	return (size_t)ci * 9 * rows * w + (size_t)(rows + 2) * w;
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

/* The adjoint of im2col_band: adds the columns back into the
 * input-gradient plane d[h][w]. */
static void
col2im_band(float *d, const float *col, long ld, int h, int w, int y0,
    int y1)
{
	for (int ky = 0; ky < 3; ky++)
		for (int kx = 0; kx < 3; kx++) {
			const float *c = col + (ky * 3 + kx) * ld;
			int dx = kx - 1;

			for (int y = y0; y < y1; y++, c += w) {
				int sy = y + ky - 1;

				if (sy < 0 || sy >= h)
					continue;
				float *r = d + (long)sy * w;
				int lo = dx < 0 ? 1 : 0, hi = dx > 0 ? w - 1 : w;

				for (int x = lo; x < hi; x++)
					r[x + dx] += c[x];
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

void
conv3_forward(float *z, const Srcs *in, const float *wt, const float *b,
    int n, int co, int h, int w, Work *wk)
{
	int ci = srcs_channels(in), k = ci * 9, rows = band_rows(ci, h, w);
	long hw = (long)h * w;
	float *col = wk->buf, *plane = col + (long)k * rows * w;

	for (int img = 0; img < n; img++) {
		float *zi = z + img * co * hw;

		for (int y0 = 0; y0 < h; y0 += rows) {
			int y1 = y0 + rows < h ? y0 + rows : h;
			int len = (y1 - y0) * w;

			im2col(col, in, img, h, w, y0, y1, plane);
			wk->gemm(0, 0, co, len, k, 1, wt, k, col, len, 0,
			    zi + (long)y0 * w, (int)hw);
		}
		for (int c = 0; c < co; c++) {
			float *p = zi + c * hw;

			for (long i = 0; i < hw; i++)
				p[i] += b[c];
		}
	}
}

static void
bias_grad(float *db, const float *d, int co, long hw)
{
	for (int c = 0; c < co; c++) {
		double s = 0;

		for (long i = 0; i < hw; i++)
			s += d[c * hw + i];
		db[c] += (float)s;
	}
}

static void
dsts_zero(const Dsts *d, int img, int ci, long hw)
{
	for (int c = 0; c < ci; c++)
		memset(dsts_plane(d, img, c, hw), 0, (size_t)hw * sizeof(float));
}

void
conv3_backward(const Dsts *din, float *dwt, float *db, const float *dz,
    const Srcs *in, const float *wt, int n, int co, int h, int w, Work *wk)
{
	int ci = srcs_channels(in), k = ci * 9, rows = band_rows(ci, h, w);
	long hw = (long)h * w;
	float *col = wk->buf, *plane = col + (long)k * rows * w;

	for (int img = 0; img < n; img++) {
		const float *dzi = dz + img * co * hw;

		bias_grad(db, dzi, co, hw);
		if (din != NULL)
			dsts_zero(din, img, ci, hw);
		for (int y0 = 0; y0 < h; y0 += rows) {
			int y1 = y0 + rows < h ? y0 + rows : h;
			int len = (y1 - y0) * w;

			im2col(col, in, img, h, w, y0, y1, plane);
			wk->gemm(0, 1, co, k, len, 1, dzi + (long)y0 * w,
			    (int)hw, col, len, 1, dwt, k);
			if (din == NULL)
				continue;
			wk->gemm(1, 0, k, len, co, 1, wt, k, dzi + (long)y0 * w,
			    (int)hw, 0, col, len);
			for (int c = 0; c < ci; c++)
				col2im_band(dsts_plane(din, img, c, hw),
				    col + c * 9L * len, len, h, w, y0, y1);
		}
	}
}

size_t
upconv_scratch(int ci, int co, int h, int w)
{
	return (size_t)(ci + co * 4) * h * w;
}

static void
src_image(float *out, const Src *in, int img, int h, int w)
{
	Srcs s = srcs_one(*in);
	long hw = (long)h * w;

	for (int c = 0; c < in->c; c++)
		srcs_rows(&s, img, c, h, w, 0, h, out + c * hw);
}

void
upconv_forward(float *out, const Src *in, const float *wt, const float *b,
    int n, int co, int h, int w, Work *wk)
{
	int ci = in->c;
	long hw = (long)h * w, ow = 2L * w;
	float *a = wk->buf, *o = a + ci * hw;

	for (int img = 0; img < n; img++) {
		float *oi = out + img * co * 4 * hw;

		src_image(a, in, img, h, w);
		/* o[co*4][hw] = wt[ci][co*4]^T a[ci][hw] */
		wk->gemm(1, 0, co * 4, (int)hw, ci, 1, wt, co * 4, a, (int)hw,
		    0, o, (int)hw);
		for (int c = 0; c < co; c++)
			for (int t = 0; t < 4; t++) {
				const float *s = o + (c * 4 + t) * hw;
				float *d = oi + c * 4 * hw + (t >> 1) * ow + (t & 1);

				for (int y = 0; y < h; y++)
					for (int x = 0; x < w; x++)
						d[y * 2 * ow + 2 * x] =
						    s[y * w + x] + b[c];
			}
	}
}

void
upconv_backward(const Dsts *din, float *dwt, float *db, const float *dout,
    const Src *in, const float *wt, int n, int co, int h, int w, Work *wk)
{
	int ci = in->c;
	long hw = (long)h * w, ow = 2L * w;
	float *a = wk->buf, *g = a + ci * hw;

	for (int img = 0; img < n; img++) {
		const float *di = dout + img * co * 4 * hw;

		bias_grad(db, di, co, 4 * hw);
		for (int c = 0; c < co; c++)
			for (int t = 0; t < 4; t++) {
				float *d = g + (c * 4 + t) * hw;
				const float *s = di + c * 4 * hw + (t >> 1) * ow +
				    (t & 1);

				for (int y = 0; y < h; y++)
					for (int x = 0; x < w; x++)
						d[y * w + x] = s[y * 2 * ow + 2 * x];
			}
		src_image(a, in, img, h, w);
		wk->gemm(0, 1, ci, co * 4, (int)hw, 1, a, (int)hw, g, (int)hw,
		    1, dwt, co * 4);
		if (din != NULL)
			wk->gemm(0, 0, ci, (int)hw, co * 4, 1, wt, co * 4, g,
			    (int)hw, 0, dsts_plane(din, img, 0, hw),
			    (int)hw);
	}
}

size_t
conv1_scratch(int ci, int h, int w)
{
	return (size_t)ci * h * w;
}

void
conv1_forward(float *out, const Src *in, const float *wt, const float *b,
    int n, int co, int h, int w, Work *wk)
{
	int ci = in->c;
	long hw = (long)h * w;
	float *a = wk->buf;

	for (int img = 0; img < n; img++) {
		float *oi = out + img * co * hw;

		src_image(a, in, img, h, w);
		wk->gemm(0, 0, co, (int)hw, ci, 1, wt, ci, a, (int)hw, 0, oi,
		    (int)hw);
		for (int c = 0; c < co; c++)
			for (long i = 0; i < hw; i++)
				oi[c * hw + i] += b[c];
	}
}

void
conv1_backward(const Dsts *din, float *dwt, float *db, const float *dout,
    const Src *in, const float *wt, int n, int co, int h, int w, Work *wk)
{
	int ci = in->c;
	long hw = (long)h * w;
	float *a = wk->buf;

	for (int img = 0; img < n; img++) {
		const float *di = dout + img * co * hw;

		bias_grad(db, di, co, hw);
		src_image(a, in, img, h, w);
		wk->gemm(0, 1, co, ci, (int)hw, 1, di, (int)hw, a, (int)hw, 1,
		    dwt, ci);
		if (din != NULL)
			wk->gemm(1, 0, ci, (int)hw, co, 1, wt, ci, di, (int)hw,
			    0, dsts_plane(din, img, 0, hw), (int)hw);
	}
}
