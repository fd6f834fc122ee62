/* tensor — how the layers see activations. Activations are float NCHW,
 * one image `stride` floats after the previous, so a channel slice of a
 * larger buffer (the halves of a concatenation) is a view, not a copy.
 * A Src may be read through a lazily applied batch norm + ReLU
 * (max(0, scale[c]*x + shift[c])) and a dropout mask: the normalised
 * activation is then never stored, only the convolution output it comes
 * from. Views borrow their memory; nothing here allocates but src_plane's
 * caller. */
#ifndef IMATSEG_TENSOR_H
#define IMATSEG_TENSOR_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
	const float *x;		/* [n][c][h][w], images `stride` apart */
	long stride;
	int c;
	const float *scale;	/* [c] or NULL: read x as it is */
	const float *shift;	/* [c], with scale */
	const uint8_t *mask;	/* [n][c][h][w] dropout keep flags or NULL */
	float keep;		/* 1/(1-p): the kept values' factor */
} Src;

/* An input made of up to two channel groups, concatenated. */
typedef struct {
	Src p[2];
	int np;
} Srcs;

/* Where a gradient with respect to an input goes: the same grouping. */
typedef struct {
	float *x;
	long stride;
	int c;
} Dst;

typedef struct {
	Dst p[2];
	int np;
} Dsts;

Src src_plain(const float *x, long stride, int c);
Srcs srcs_one(Src s);
Srcs srcs_two(Src a, Src b);
Dsts dsts_one(float *x, long stride, int c);
Dsts dsts_two(Dst a, Dst b);
int srcs_channels(const Srcs *s);

/* Rows r0..r1-1 of channel ci (counted over all groups) of image img,
 * as read, into out[(r1-r0)*w]; the plane is h x w. */
void srcs_rows(const Srcs *s, int img, int ci, int h, int w, int r0, int r1,
    float *out);
/* The same rows, each ld floats after the previous (ld >= w). */
void srcs_rows_ld(const Srcs *s, int img, int ci, int h, int w, int r0,
    int r1, float *out, long ld);
/* The group that channel ci of image img is in, with *ci made the
 * channel's index within it and *plane its plane (h*w = hw floats):
 * for readers that apply the group's scale and shift themselves. */
const Src *srcs_locate(const Srcs *s, int img, int *ci, long hw,
    const float **plane);
/* The gradient plane of channel ci of image img. */
float *dsts_plane(const Dsts *d, int img, int ci, long hw);

/* Sum of x[0..n-1]: 16 float lanes (so it vectorises; GCC keeps a
 * plain float reduction in order) emptied into a double every 1024
 * elements. The same bytes in, the same sum out. */
double fsum(const float *x, long n);
/* Sum of (x[i] - m)^2, the same way. */
double fsum_sq(const float *x, long n, float m);

#endif
