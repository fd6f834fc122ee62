/* synthphoto — how surfaces look (fabrics, skin, hair, metal, backdrop)
 * and the photo painted from a scene's label buffer: every pixel takes
 * the look of the object that owns it, so the masks are exact. Seams
 * darken where objects meet; light falls off across the picture; a
 * little noise, then JPEG. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <vips/vips.h>

#include "rle.h"
#include "synthint.h"
#include "xalloc.h"

/* Colours clothes come in; some patterns pick a second one. */
static const uint8_t palette[][3] = {
	{ 20, 20, 24 }, { 240, 240, 235 }, { 30, 40, 80 }, { 128, 128, 130 },
	{ 215, 195, 160 }, { 190, 30, 40 }, { 110, 25, 45 }, { 95, 105, 50 },
	{ 235, 165, 185 }, { 220, 170, 40 }, { 105, 70, 45 }, { 190, 140, 90 },
	{ 30, 110, 70 }, { 140, 180, 220 }, { 90, 60, 130 }, { 245, 120, 60 },
	{ 60, 60, 65 }, { 200, 210, 200 },
};
#define NPALETTE (sizeof palette / sizeof palette[0])

static void
pick_colour(Rng *r, uint8_t c[3])
{
	const uint8_t *p = palette[rng_below(r, NPALETTE)];

	for (int i = 0; i < 3; i++) {
		int v = p[i] + (int)frand(r, -25, 25);

		c[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
	}
}

static void
set_rgb(uint8_t c[3], float r, float g, float b)
{
	c[0] = (uint8_t)r;
	c[1] = (uint8_t)g;
	c[2] = (uint8_t)b;
}

void
look_fabric(Rng *r, Look *l)
{
	float p = rng_float(r);

	*l = (Look){ .period = frand(r, 0.006f, 0.03f),
	    .angle = chance(r, 0.6f) ? 0 : frand(r, 0, 3.1416f),
	    .folds = frand(r, 0.2f, 1.0f) };
	pick_colour(r, l->base);
	pick_colour(r, l->alt);
	l->pattern = p < 0.45f ? PAT_PLAIN : p < 0.58f ? PAT_STRIPES :
	    p < 0.68f ? PAT_CHECK : p < 0.76f ? PAT_DOTS : p < 0.9f ?
	    PAT_HEATHER : PAT_DENIM;
	if (l->pattern == PAT_DENIM)
		set_rgb(l->base, frand(r, 40, 90), frand(r, 60, 100),
		    frand(r, 110, 170));
}

void
look_skin(Rng *r, Look *l)
{
	float t = rng_float(r);

	*l = (Look){ .pattern = PAT_SKIN, .period = 0.05f, .folds = 0.2f };
	set_rgb(l->base, 235 - 140 * t, 195 - 135 * t, 170 - 130 * t);
}

void
look_hair(Rng *r, Look *l)
{
	static const uint8_t hair[][3] = { { 25, 20, 18 }, { 70, 45, 30 },
	    { 120, 80, 45 }, { 200, 165, 100 }, { 150, 60, 30 } };
	const uint8_t *c = hair[rng_below(r, 5)];

	*l = (Look){ .pattern = PAT_HAIR, .period = 0.004f, .angle = 1.5708f,
	    .folds = 0.3f };
	set_rgb(l->base, c[0], c[1], c[2]);
}

void
look_metal(Rng *r, Look *l)
{
	*l = (Look){ .pattern = PAT_METAL, .period = 0.004f, .folds = 0 };
	if (chance(r, 0.5f))
		set_rgb(l->base, 190, 190, 195);
	else
		set_rgb(l->base, 200, 165, 70);
}

void
look_backdrop(Rng *r, Look *wall, Look *floor)
{
	*wall = (Look){ .pattern = PAT_WALL, .period = frand(r, 0.05f, 0.3f),
	    .folds = chance(r, 0.4f) };
	*floor = (Look){ .pattern = PAT_HEATHER, .period = 0.02f };
	if (chance(r, 0.5f)) {
		float v = frand(r, 170, 245);

		set_rgb(wall->base, v, v - frand(r, 0, 12), v - frand(r, 0, 20));
	} else {
		pick_colour(r, wall->base);
	}
	pick_colour(r, wall->alt);
	pick_colour(r, floor->base);
}

static uint32_t
hash32(uint64_t seed, uint32_t x, uint32_t y)
{
	uint64_t z = seed ^ ((uint64_t)x << 32 | y);

	z = (z ^ (z >> 33)) * 0xff51afd7ed558ccdULL;
	z = (z ^ (z >> 33)) * 0xc4ceb9fe1a85ec53ULL;
	return (uint32_t)(z ^ (z >> 33));
}

static float
frac(float v)
{
	return v - floorf(v);
}

static void
mix(float *c, const uint8_t a[3], const uint8_t b[3], float t)
{
	for (int i = 0; i < 3; i++)
		c[i] = (float)a[i] + ((float)b[i] - (float)a[i]) * t;
}

/* The colour of a look at pixel (x, y), before light and seams. */
static void
look_at(const Look *l, float x, float y, float noise, float *c)
{
	float cs = cosf(l->angle), sn = sinf(l->angle), p = l->period;
	float u = (x * cs + y * sn) / p, v = (-x * sn + y * cs) / p, g = 1;

	switch (l->pattern) {
	case PAT_STRIPES:
		mix(c, l->base, l->alt, frac(u) < 0.5f);
		break;
	case PAT_CHECK:
		mix(c, l->base, l->alt, 0.5f * ((frac(u) < 0.5f) + (frac(v) < 0.5f)));
		break;
	case PAT_DOTS: {
		float du = frac(u) - 0.5f, dv = frac(v) - 0.5f;

		mix(c, l->base, l->alt, du * du + dv * dv < 0.06f);
		break;
	}
	case PAT_WALL:
		mix(c, l->base, l->alt, l->folds > 0 && frac(u * 0.2f) < 0.04f ?
		    0.3f : 0);
		break;
	default:
		mix(c, l->base, l->base, 0);
		break;
	}
	switch (l->pattern) {
	case PAT_HEATHER:
		g = 1 + 0.25f * (noise - 0.5f);
		break;
	case PAT_DENIM:
		g = 1 + 0.12f * sinf((x + y) * 2.1f) + 0.1f * (noise - 0.5f);
		break;
	case PAT_HAIR:	/* fine strands that wave, not stripes */
		g = 1 + 0.08f * sinf(x * 1.3f + 6 * sinf(y * 0.02f)) +
		    0.12f * (noise - 0.5f);
		break;
	case PAT_METAL:
		g = 1 + 0.35f * sinf((x - y) * 0.5f);
		break;
	default:
		break;
	}
	/* Folds: slow waves of light across the surface. */
	g *= 1 + 0.12f * l->folds * sinf(v * 0.4f + 2.5f * sinf(u * 0.13f));
	for (int i = 0; i < 3; i++)
		c[i] *= g;
}

/* Does a neighbour `w` pixels away belong to another object? */
static int
on_seam(const uint8_t *ids, int h, int width, int x, int y, int w)
{
	uint8_t id = ids[(size_t)y * width + x];

	return (x >= w && ids[(size_t)y * width + x - w] != id) ||
	    (x + w < width && ids[(size_t)y * width + x + w] != id) ||
	    (y >= w && ids[(size_t)(y - w) * width + x] != id) ||
	    (y + w < h && ids[(size_t)(y + w) * width + x] != id);
}

uint8_t *
synth_photo(const SynthScene *s)
{
	int h = (int)s->height, w = (int)s->width;
	uint8_t *ids = xmalloc((size_t)h * w), *rgb = xmalloc((size_t)h * w * 3);
	uint8_t *labels = synth_labels(s);
	int seam = (h < w ? h : w) / 400 + 1;
	float lx = (float)w * 0.3f, ly = (float)h * 0.2f;
	float d2 = (float)h * h + (float)w * w;

	transpose_to_rowmajor(labels, ids, h, w);
	free(labels);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			uint8_t id = ids[(size_t)y * w + x];
			const Look *l = id ? &s->obj[id - 1].look :
			    &s->back[(float)y >= s->horizon];
			uint32_t hs = hash32(s->photo_seed, (uint32_t)x, (uint32_t)y);
			float c[3], noise = (float)(hs & 0xffff) / 65536.0f;
			float light = 1.05f - 0.35f * (((float)x - lx) * ((float)x - lx) +
			    ((float)y - ly) * ((float)y - ly)) / d2;
			uint8_t *o = rgb + ((size_t)y * w + x) * 3;

			look_at(l, (float)x, (float)y, noise, c);
			if (id && on_seam(ids, h, w, x, y, seam))
				light *= 0.6f;
			for (int i = 0; i < 3; i++) {
				float v = c[i] * light + 8.0f * (noise - 0.5f);

				o[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
			}
		}
	free(ids);
	return rgb;
}

int
synth_photo_jpeg(const SynthScene *s, int quality, void **buf, size_t *len,
    Err *e)
{
	uint8_t *rgb = synth_photo(s);
	VipsImage *im;
	void *vbuf = NULL;
	int rc = -1;

	im = vips_image_new_from_memory(rgb, (size_t)s->height * s->width * 3,
	    (int)s->width, (int)s->height, 3, VIPS_FORMAT_UCHAR);
	if (im != NULL) {
		im->Type = VIPS_INTERPRETATION_sRGB;
		rc = vips_jpegsave_buffer(im, &vbuf, len, "Q", quality,
		    "strip", TRUE, NULL);
		g_object_unref(im);
	}
	free(rgb);
	if (rc != 0) {
		err_set(e, "JPEG encoder: %s", vips_error_buffer());
		vips_error_clear();
		return -1;
	}
	*buf = xmalloc(*len);
	memcpy(*buf, vbuf, *len);
	g_free(vbuf);
	return 0;
}
