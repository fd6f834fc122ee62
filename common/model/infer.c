#include "infer.h"

#include <stdlib.h>
#include <string.h>

#include "augment.h"
#include "image.h"
#include "maskio.h"
#include "palette.h"
#include "xalloc.h"

#define OVERLAY_ALPHA 0.5f
#define MASK_PNG_LEVEL 6

int
infer_prepare(const InferPhoto *p, int s, int letterbox, uint64_t max_pixels,
    float *x, int *h, int *w, Err *e)
{
	uint8_t *rgb;
	int rc = p->buf != NULL ?
	    photo_header_mem(p->buf, p->len, p->name, max_pixels, h, w, e) :
	    photo_header(p->name, max_pixels, h, w, e);

	if (rc < 0)
		return rc;
	if ((p->buf != NULL ? photo_load_square_mem(p->buf, p->len, p->name,
	    *h, *w, s, letterbox, &rgb, e) : photo_load_square(p->name, *h, *w,
	    s, letterbox, &rgb, e)) < 0)
		return -1;
	infer_input(rgb, s, x);
	free(rgb);
	return 0;
}

uint8_t *
infer_upsample(const uint8_t *labels, int s, int letterbox, int h, int w)
{
	uint8_t *m = xmallocarray((size_t)h, (size_t)w);

	mask_from_square(labels, s, letterbox, h, w, m);
	return m;
}

int
infer_mask_png(const uint8_t *mask, int h, int w, void **png, size_t *len,
    Err *e)
{
	return mask_encode(mask, h, w, MASK_PNG_LEVEL, png, len, e);
}

int
infer_overlay_png(const InferPhoto *p, const uint8_t *mask, int h, int w,
    void **png, size_t *len, Err *e)
{
	uint8_t *rgb;
	int rc;

	if ((p->buf != NULL ? photo_load_resized_mem(p->buf, p->len, p->name, h,
	    w, &rgb, e) : photo_load_resized(p->name, h, w, &rgb, e)) < 0)
		return -1;
	palette_blend(rgb, mask, (size_t)h * w, OVERLAY_ALPHA);
	rc = rgb_encode_png(rgb, h, w, png, len, e);
	free(rgb);
	return rc < 0 ? err_prefix(e, "%s", p->name) : 0;
}

void
infer_input(const uint8_t *rgb, int s, float *x)
{
	size_t plane = (size_t)s * s;

	for (int c = 0; c < 3; c++) {
		float m = augment_mean[c], r = 1.0f / augment_std[c];
		float *xc = x + (size_t)c * plane;

		for (size_t p = 0; p < plane; p++)
			xc[p] = ((float)rgb[3 * p + c] / 255.0f - m) * r;
	}
}

void
argmax_labels(const float *z, int k, size_t hw, float *best, uint8_t *l)
{
	memcpy(best, z, hw * sizeof *best);
	memset(l, 0, hw);
	for (int c = 1; c < k; c++) {
		const float *zc = z + (size_t)c * hw;

		for (size_t p = 0; p < hw; p++)
			if (zc[p] > best[p]) {
				best[p] = zc[p];
				l[p] = (uint8_t)c;
			}
	}
}

int
infer_labels(Unet *u, const float *x, int n, int s, uint8_t *labels, Err *e)
{
	size_t hw = (size_t)s * s;
	int k = u->cfg.classes;
	float *best;

	if (unet_forward(u, x, n, s, s, 0, e) < 0)
		return -1;
	best = xmallocarray(hw, sizeof *best);
	for (int j = 0; j < n; j++)
		argmax_labels(unet_logits(u) + (size_t)j * k * hw, k, hw, best,
		    labels + (size_t)j * hw);
	free(best);
	return 0;
}

/* dst[c][y][x] = src[c][y][s - 1 - x] over nplanes planes of s x s. */
static void
mirror(float *dst, const float *src, size_t nplanes, int s)
{
	for (size_t r = 0; r < nplanes * (size_t)s; r++) {
		const float *a = src + r * s;
		float *b = dst + r * s;

		for (int i = 0; i < s; i++)
			b[i] = a[s - 1 - i];
	}
}

int
infer_labels_tta(Unet *u, const float *x, int n, int s, int tta,
    uint8_t *labels, Err *e)
{
	size_t hw = (size_t)s * s, k = (size_t)u->cfg.classes;
	float *sum, *xm, *best;
	const float *z;
	int rc = -1;

	if (tta == TTA_NONE)
		return infer_labels(u, x, n, s, labels, e);
	if (unet_forward(u, x, n, s, s, 0, e) < 0)
		return -1;
	sum = xmallocarray((size_t)n * k, hw * sizeof *sum);
	memcpy(sum, unet_logits(u), (size_t)n * k * hw * sizeof *sum);
	xm = xmallocarray((size_t)n * 3, hw * sizeof *xm);
	mirror(xm, x, (size_t)n * 3, s);
	if (unet_forward(u, xm, n, s, s, 0, e) < 0)
		goto out;
	/* the mirror's logits, mirrored back, added row by row */
	z = unet_logits(u);
	for (size_t r = 0; r < (size_t)n * k * s; r++)
		for (int i = 0; i < s; i++)
			sum[r * s + i] += z[r * s + s - 1 - i];
	best = xmallocarray(hw, sizeof *best);
	for (int j = 0; j < n; j++)
		argmax_labels(sum + (size_t)j * k * hw, (int)k, hw, best,
		    labels + (size_t)j * hw);
	free(best);
	rc = 0;
out:
	free(sum), free(xm);
	return rc;
}
