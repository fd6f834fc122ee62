#include "raster.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

void
canvas_lazy(Canvas *c, int height, int width)
{
	c->px = xmallocarray((size_t)height, (size_t)width);
	c->height = height;
	c->width = width;
	c->lo = xmallocarray((size_t)width, sizeof *c->lo);
	c->hi = xcalloc((size_t)width, sizeof *c->hi);
	for (int x = 0; x < width; x++)
		c->lo[x] = height;
}

void
canvas_free(Canvas *c)
{
	free(c->px);
	free(c->lo);
	free(c->hi);
	c->px = NULL;
	c->lo = c->hi = NULL;
}

uint8_t
canvas_at(const Canvas *c, int x, int y)
{
	if (c->lo != NULL && (y < c->lo[x] || y >= c->hi[x]))
		return 0;
	return c->px[(size_t)x * (size_t)c->height + (size_t)y];
}

/* Makes rows [y0, y1) of column x valid, zeroing what was not; with
 * `painted`, the caller is about to write all of [y0, y1), so only the
 * gap between it and the old range needs zeroing. */
static void
extend(Canvas *c, uint8_t *col, int x, int y0, int y1, int painted)
{
	int lo = c->lo[x], hi = c->hi[x];

	if (lo >= hi) {
		if (!painted)
			memset(col + y0, 0, (size_t)(y1 - y0));
		c->lo[x] = y0;
		c->hi[x] = y1;
		return;
	}
	if (y0 < lo) {
		int from = painted && y1 < lo ? y1 : painted ? lo : y0;

		memset(col + from, 0, (size_t)(lo - from));
		c->lo[x] = y0;
	}
	if (y1 > hi) {
		int to = painted && y0 > hi ? y0 : painted ? hi : y1;

		memset(col + hi, 0, (size_t)(to - hi));
		c->hi[x] = y1;
	}
}

/* Fills pixels [y0, y1) of column x. */
static uint64_t
fill_span(Canvas *c, int x, int y0, int y1, Ink ink)
{
	uint8_t *col;
	uint64_t n = 0;

	if (y0 < 0)
		y0 = 0;
	if (y1 > c->height)
		y1 = c->height;
	if (y0 >= y1)
		return 0;
	col = c->px + (size_t)x * (size_t)c->height;
	if (c->lo != NULL && ink.only > 0) {
		/* Only valid rows can hold a non-zero value. */
		y0 = y0 > c->lo[x] ? y0 : c->lo[x];
		y1 = y1 < c->hi[x] ? y1 : c->hi[x];
		if (y0 >= y1)
			return 0;
	} else if (c->lo != NULL) {
		extend(c, col, x, y0, y1, ink.only < 0);
	}
	if (ink.only < 0) {
		memset(col + y0, ink.value, (size_t)(y1 - y0));
		return (uint64_t)(y1 - y0);
	}
	for (int y = y0; y < y1; y++)
		if (col[y] == (uint8_t)ink.only) {
			col[y] = ink.value;
			n++;
		}
	return n;
}

/* First pixel row whose centre is at or below v. */
static int
row_at(float v)
{
	float r = ceilf(v - 0.5f);

	if (r < -1.0f)
		return -1;
	if (r > 1e8f)
		return 100000000;
	return (int)r;
}

/* Columns whose centres lie in [lo, hi], clipped to the canvas. */
static void
column_range(const Canvas *c, float lo, float hi, int *x0, int *x1)
{
	*x0 = row_at(lo);
	*x1 = row_at(hi);
	if (*x0 < 0)
		*x0 = 0;
	if (*x1 > c->width)
		*x1 = c->width;
}

static void
sort_floats(float *v, int n)
{
	for (int i = 1; i < n; i++) {
		float t = v[i];
		int j = i;

		for (; j > 0 && v[j - 1] > t; j--)
			v[j] = v[j - 1];
		v[j] = t;
	}
}

uint64_t
raster_polygon(Canvas *c, const Pt *p, int n, Ink ink)
{
	float lo = INFINITY, hi = -INFINITY, ys[RASTER_MAX_POINTS];
	uint64_t filled = 0;
	int x0, x1;

	if (n < 3 || n > RASTER_MAX_POINTS)
		return 0;
	for (int i = 0; i < n; i++) {
		if (!isfinite(p[i].x) || !isfinite(p[i].y))
			return 0;
		lo = fminf(lo, p[i].x);
		hi = fmaxf(hi, p[i].x);
	}
	column_range(c, lo, hi, &x0, &x1);
	for (int x = x0; x < x1; x++) {
		float xc = (float)x + 0.5f;
		int k = 0;

		for (int i = 0, j = n - 1; i < n; j = i++) {
			const Pt *a = &p[j], *b = &p[i];

			if ((a->x <= xc) == (b->x <= xc))
				continue;
			ys[k++] = a->y + (xc - a->x) * (b->y - a->y) / (b->x - a->x);
		}
		sort_floats(ys, k);
		for (int i = 0; i + 1 < k; i += 2)
			filled += fill_span(c, x, row_at(ys[i]), row_at(ys[i + 1]), ink);
	}
	return filled;
}

uint64_t
raster_ellipse(Canvas *c, float cx, float cy, float rx, float ry,
    float angle, Ink ink)
{
	double cs = cos(angle), sn = sin(angle), ix, iy, a, b2, cc, ext;
	uint64_t filled = 0;
	int x0, x1;

	if (!isfinite(cx) || !isfinite(cy) || !isfinite(angle) ||
	    !(rx > 0) || !(ry > 0) || !isfinite(rx) || !isfinite(ry))
		return 0;
	ix = 1.0 / ((double)rx * rx);
	iy = 1.0 / ((double)ry * ry);
	/* u = dx cos + dy sin, v = -dx sin + dy cos; u^2 ix + v^2 iy <= 1
	 * is a*dy^2 + 2*b2*dx*dy + cc*dx^2 <= 1 with: */
	a = sn * sn * ix + cs * cs * iy;
	b2 = cs * sn * (ix - iy);
	cc = cs * cs * ix + sn * sn * iy;
	ext = sqrt(a / (a * cc - b2 * b2));	/* half the width in x */
	column_range(c, (float)(cx - ext), (float)(cx + ext), &x0, &x1);
	for (int x = x0; x < x1; x++) {
		double dx = (double)x + 0.5 - cx;
		double disc = b2 * b2 * dx * dx - a * (cc * dx * dx - 1.0);
		double mid = -b2 * dx / a, half;

		if (disc < 0)
			continue;
		half = sqrt(disc) / a;
		filled += fill_span(c, x, row_at((float)(cy + mid - half)),
		    row_at((float)(cy + mid + half)), ink);
	}
	return filled;
}

uint64_t
raster_limb(Canvas *c, Pt a, Pt b, float ra, float rb, Ink ink)
{
	float dx = b.x - a.x, dy = b.y - a.y, len = sqrtf(dx * dx + dy * dy);
	uint64_t n = 0;

	if (len > 0) {
		float nx = -dy / len, ny = dx / len;
		Pt q[4] = {
			{ a.x + nx * ra, a.y + ny * ra },
			{ b.x + nx * rb, b.y + ny * rb },
			{ b.x - nx * rb, b.y - ny * rb },
			{ a.x - nx * ra, a.y - ny * ra },
		};

		n += raster_polygon(c, q, 4, ink);
	}
	n += raster_ellipse(c, a.x, a.y, ra, ra, 0, ink);
	n += raster_ellipse(c, b.x, b.y, rb, rb, 0, ink);
	return n;
}
