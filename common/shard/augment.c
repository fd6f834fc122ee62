#include "augment.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "xalloc.h"

const float augment_mean[3] = { 0.485f, 0.456f, 0.406f };
const float augment_std[3] = { 0.229f, 0.224f, 0.225f };

/* The photo transform of one sample: jitter, clamp, normalise. The
 * division by std is a multiplication by its inverse: a divide per value
 * was most of the loader's time. */
typedef struct {
	float scale, shift;	/* v01' = v01 * scale + shift */
	float inv_std[3];
} Jitter;

static float
normalise(float v255, const Jitter *j, int c)
{
	float v = v255 * (1.0f / 255.0f) * j->scale + j->shift;

	v = v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
	return (v - augment_mean[c]) * j->inv_std[c];
}

/* No crop: a table per channel, then one lookup per pixel. */
static void
plain(const uint8_t *rgb, const uint8_t *lab, int s, int flip,
    const Jitter *j, float *x, uint8_t *y)
{
	float lut[3][256];
	size_t plane = (size_t)s * s;

	for (int c = 0; c < 3; c++)
		for (int v = 0; v < 256; v++)
			lut[c][v] = normalise((float)v, j, c);
	for (int r = 0; r < s; r++) {
		const uint8_t *src = rgb + (size_t)r * s * 3;
		const uint8_t *ls = lab + (size_t)r * s;
		size_t o = (size_t)r * s;

		for (int q = 0; q < s; q++) {
			int sq = flip ? s - 1 - q : q;

			x[o + q] = lut[0][src[3 * sq]];
			x[plane + o + q] = lut[1][src[3 * sq + 1]];
			x[2 * plane + o + q] = lut[2][src[3 * sq + 2]];
			y[o + q] = ls[sq];
		}
	}
}

/* Where output column (or row) q of a crop of side c, resized to s,
 * samples: bilinear neighbours i0, i1 with weight w of i1, and the
 * nearest input for labels (same rule as mkshards: never a new label). */
typedef struct {
	int i0, i1, near;
	float w;
} Tap;

static void
taps(Tap *t, int s, int c, int flip)
{
	float k = (float)c / (float)s;

	for (int q = 0; q < s; q++) {
		int qq = flip ? s - 1 - q : q;
		float f = ((float)qq + 0.5f) * k - 0.5f;
		int i0 = (int)floorf(f);

		t[q].w = f - (float)i0;
		if (i0 < 0)
			i0 = 0, t[q].w = 0.0f;
		t[q].i0 = i0;
		t[q].i1 = i0 + 1 > c - 1 ? c - 1 : i0 + 1;
		t[q].near = (int)(((2 * (int64_t)qq + 1) * c) / (2 * (int64_t)s));
	}
}

/* Crop side c at (oy, ox), resized back to s: bilinear for the photo,
 * nearest for the labels. */
static void
cropped(const uint8_t *rgb, const uint8_t *lab, int s, int flip, int c,
    int oy, int ox, const Jitter *j, float *x, uint8_t *y)
{
	size_t plane = (size_t)s * s;
	Tap *tx = xmallocarray((size_t)s, sizeof *tx);
	Tap *ty = xmallocarray((size_t)s, sizeof *ty);

	taps(tx, s, c, flip);
	taps(ty, s, c, 0);
	for (int r = 0; r < s; r++) {
		const uint8_t *p0 = rgb + ((size_t)(oy + ty[r].i0) * s + ox) * 3;
		const uint8_t *p1 = rgb + ((size_t)(oy + ty[r].i1) * s + ox) * 3;
		const uint8_t *ls = lab + (size_t)(oy + ty[r].near) * s + ox;
		float wy = ty[r].w;

		for (int q = 0; q < s; q++) {
			const Tap *t = &tx[q];
			size_t o = (size_t)r * s + q;

			for (int ch = 0; ch < 3; ch++) {
				float a0 = p0[3 * t->i0 + ch], a1 = p0[3 * t->i1 + ch];
				float b0 = p1[3 * t->i0 + ch], b1 = p1[3 * t->i1 + ch];
				float a = a0 + t->w * (a1 - a0);
				float b = b0 + t->w * (b1 - b0);

				x[ch * plane + o] = normalise(a + wy * (b - a), j, ch);
			}
			y[o] = ls[t->near];
		}
	}
	free(tx);
	free(ty);
}

void
augment_sample(const uint8_t *rgb, const uint8_t *lab, int s,
    const AugOptions *a, Rng *r, float *x, uint8_t *y)
{
	Jitter j = { 1.0f, 0.0f, { 1.0f / augment_std[0],
	    1.0f / augment_std[1], 1.0f / augment_std[2] } };
	int flip = 0, c = s, oy = 0, ox = 0;

	/* Draws always happen in this order, whether used or not, so that
	 * turning one augmentation on does not change the others' values. */
	float u_flip = rng_float(r), u_scale = rng_float(r);
	uint64_t u_y = rng_next(r), u_x = rng_next(r);
	float u_b = rng_float(r), u_c = rng_float(r);

	if (a->flip)
		flip = u_flip < 0.5f;
	if (a->scale_min > 0.0f && a->scale_min < 1.0f) {
		float f = a->scale_min + (1.0f - a->scale_min) * u_scale;

		c = (int)lroundf(f * (float)s);
		c = c < 1 ? 1 : c > s ? s : c;
		oy = (int)(u_y % (uint64_t)(s - c + 1));
		ox = (int)(u_x % (uint64_t)(s - c + 1));
	}
	if (a->contrast > 0.0f) {
		j.scale = 1.0f + a->contrast * (2.0f * u_c - 1.0f);
		j.shift = 0.5f * (1.0f - j.scale);
	}
	if (a->brightness > 0.0f)
		j.shift += a->brightness * (2.0f * u_b - 1.0f);
	if (c == s)
		plain(rgb, lab, s, flip, &j, x, y);
	else
		cropped(rgb, lab, s, flip, c, oy, ox, &j, x, y);
}

void
augment_unnormalise(const float *x, int s, uint8_t *rgb)
{
	size_t plane = (size_t)s * s;

	for (int c = 0; c < 3; c++)
		for (size_t p = 0; p < plane; p++) {
			float v = (x[c * plane + p] * augment_std[c] +
			    augment_mean[c]) * 255.0f + 0.5f;

			rgb[3 * p + c] = v <= 0 ? 0 : v >= 255 ? 255 : (uint8_t)v;
		}
}

int
augment_parse(const char *spec, AugOptions *a, Err *e)
{
	char *s = xstrdup(spec), *tok, *save;
	double v;
	int rc = 0;

	*a = (AugOptions){ 0 };
	for (tok = strtok_r(s, ",", &save); tok && rc == 0;
	    tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');

		if (strcmp(tok, "none") == 0)
			continue;
		if (strcmp(tok, "flip") == 0) {
			a->flip = 1;
			continue;
		}
		if (eq == NULL) {
			rc = err_set(e, "unknown '%s'", tok);
			break;
		}
		*eq = '\0';
		if (parse_double(eq + 1, 0, 1, &v, e) < 0)
			rc = err_prefix(e, "%s", tok);
		else if (strcmp(tok, "scale") == 0)
			a->scale_min = (float)v;
		else if (strcmp(tok, "brightness") == 0)
			a->brightness = (float)v;
		else if (strcmp(tok, "contrast") == 0)
			a->contrast = (float)v;
		else
			rc = err_set(e, "unknown '%s'", tok);
	}
	free(s);
	return rc;
}
