#include "tensor.h"

#include <string.h>

Src
src_plain(const float *x, long stride, int c)
{
	Src s = { x, stride, c, NULL, NULL, NULL, 1.0f };

	return s;
}

Srcs
srcs_two(Src a, Src b)
{
	Srcs r;

	r.p[0] = a;
	r.p[1] = b;
	r.np = 2;
	return r;
}

Srcs
srcs_one(Src s)
{
	Srcs r = srcs_two(s, s);

	r.np = 1;
	return r;
}

Dsts
dsts_two(Dst a, Dst b)
{
	Dsts r;

	r.p[0] = a;
	r.p[1] = b;
	r.np = 2;
	return r;
}

Dsts
dsts_one(float *x, long stride, int c)
{
	Dst a = { x, stride, c };
	Dsts r = dsts_two(a, a);

	r.np = 1;
	return r;
}

int
srcs_channels(const Srcs *s)
{
	return s->np == 2 ? s->p[0].c + s->p[1].c : s->p[0].c;
}

/* len values of x as read through p's channel ci into out; m is the
 * mask's part of them, if any. */
static void
read_run(const Src *p, int ci, const float *x, const uint8_t *m, long len,
    float *out)
{
	if (p->scale == NULL) {
		memcpy(out, x, (size_t)len * sizeof *out);
	} else {
		float a = p->scale[ci], b = p->shift[ci];

		for (long i = 0; i < len; i++) {
			float v = a * x[i] + b;

			out[i] = v > 0 ? v : 0;
		}
	}
	if (m != NULL)
		for (long i = 0; i < len; i++)
			out[i] = m[i] ? out[i] * p->keep : 0;
}

const Src *
srcs_locate(const Srcs *s, int img, int *ci, long hw, const float **plane)
{
	const Src *p = &s->p[0];

	if (*ci >= p->c) {
		*ci -= p->c;
		p = &s->p[1];
	}
	*plane = p->x + img * p->stride + *ci * hw;
	return p;
}

void
srcs_rows_ld(const Srcs *s, int img, int ci, int h, int w, int r0, int r1,
    float *out, long ld)
{
	const float *plane;
	const Src *p = srcs_locate(s, img, &ci, (long)h * w, &plane);
	long hw = (long)h * w;
	const float *x = plane + (long)r0 * w;
	const uint8_t *m = p->mask == NULL ? NULL :
	    p->mask + ((long)img * p->c + ci) * hw + (long)r0 * w;
	if (ld == w) {
		read_run(p, ci, x, m, (long)(r1 - r0) * w, out);
		return;
	}
	for (int r = r0; r < r1; r++, x += w, out += ld, m = m ? m + w : NULL)
		read_run(p, ci, x, m, w, out);
}

void
srcs_rows(const Srcs *s, int img, int ci, int h, int w, int r0, int r1,
    float *out)
{
	srcs_rows_ld(s, img, ci, h, w, r0, r1, out, w);
}

float *
dsts_plane(const Dsts *d, int img, int ci, long hw)
{
	const Dst *p = &d->p[0];

	if (ci >= p->c) {
		ci -= p->c;
		p = &d->p[1];
	}
	return p->x + img * p->stride + ci * hw;
}

enum { LANES = 16, FLUSH = 1024 };

/* The sum of x[i], or with sq of (x[i] - m)^2; inlined with sq constant. */
static inline double
lanes_sum(const float *x, long n, float m, int sq)
{
	double s = 0;

	for (long k = 0; k < n;) {
		float l[LANES] = { 0 };
		long end = k + FLUSH < n ? k + FLUSH : n;

		for (; k + LANES <= end; k += LANES)
			for (int q = 0; q < LANES; q++)
				l[q] += sq ? (x[k + q] - m) * (x[k + q] - m) :
				    x[k + q];
		for (; k < end; k++)
			l[0] += sq ? (x[k] - m) * (x[k] - m) : x[k];
		for (int q = 0; q < LANES; q++)
			s += l[q];
	}
	return s;
}

double
fsum(const float *x, long n)
{
	return lanes_sum(x, n, 0, 0);
}

double
fsum_sq(const float *x, long n, float m)
{
	return lanes_sum(x, n, m, 1);
}
