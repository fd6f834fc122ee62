/* sample — one training sample from a photo and its label mask: the
 * checks mkshards promises (size limits, equal sizes, valid labels), the
 * resize to S x S, and the encoding of the three shard members. */
#include "shard.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "maskio.h"
#include "xalloc.h"

typedef struct {
	const char *path;
	uint64_t max_pixels;
	uint8_t *px;
	int h, w;
	Err *e;
} MaskJob;

static int
mask_job(void *arg)
{
	MaskJob *j = arg;

	return mask_read(j->path, j->max_pixels, &j->px, &j->h, &j->w, j->e);
}

/* mask_read, retried under the libvips lock for its own message. */
static int
mask_load(MaskJob *j)
{
	if (mask_job(j) < 0 && imaging_retry(mask_job, j) < 0)
		return -1;
	return 0;
}

/* The first pixel that is neither a category nor ignore, or -1. */
static long long
bad_label(const uint8_t *px, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (px[i] > SHARD_MAX_LABEL && px[i] != SHARD_IGNORE)
			return (long long)i;
	return -1;
}

/* A netpbm member: header then room for the pixels. */
static uint8_t *
netpbm_new(char magic, int s, int bpp, size_t *len, uint8_t **pixels)
{
	char head[32];
	int n = snprintf(head, sizeof head, "P%c\n%d %d\n255\n", magic, s, s);
	uint8_t *m;

	*len = (size_t)n + (size_t)bpp * (size_t)s * (size_t)s;
	m = xmalloc(*len);
	memcpy(m, head, (size_t)n);
	*pixels = m + n;
	return m;
}

/* Photo pixels into the S x S ppm: stretched, or letterboxed on black. */
static int
place_photo(const char *image, const SampleSpec *sp, int h, int w,
    uint8_t *dst, Err *e)
{
	size_t len = (size_t)sp->size * (size_t)sp->size * 3;
	uint8_t *rgb;

	if (photo_load_square(image, h, w, sp->size, sp->letterbox, &rgb,
	    e) < 0)
		return -1;
	memcpy(dst, rgb, len);
	free(rgb);
	return 0;
}

static void
place_mask(const uint8_t *m, const SampleSpec *sp, int h, int w,
    uint8_t *dst)
{
	int s = sp->size, nh = s, nw = s, top = 0, left = 0;

	if (sp->letterbox)
		letterbox_fit(h, w, s, &nh, &nw, &top, &left);
	memset(dst, SHARD_IGNORE, (size_t)s * (size_t)s);
	mask_resize_nearest(m, h, w, dst + (size_t)top * s + left, nh, nw,
	    (size_t)s);
}

int
sample_make(const char *image, const char *mask, const SampleSpec *sp,
    Sample *s, Err *e)
{
	uint8_t *m = NULL, *rgb, *lab;
	int h, w, mh, mw;
	long long bad;
	MaskJob mj = { .path = mask, .max_pixels = sp->max_pixels, .e = e };

	memset(s, 0, sizeof *s);
	if (shard_key(image, s->key, e) < 0 ||
	    photo_header(image, sp->max_pixels, &h, &w, e) < 0)
		return -1;
	if (file_readable(mask, e) < 0)
		return -1;
	if (mask_load(&mj) < 0)
		return -1;
	m = mj.px;
	mh = mj.h;
	mw = mj.w;
	if (mh != h || mw != w) {
		free(m);
		return err_set(e, "%s: mask is %dx%d but the photo %s is %dx%d",
		    mask, mh, mw, image, h, w);
	}
	if ((bad = bad_label(m, (size_t)h * (size_t)w)) >= 0) {
		err_set(e, "%s: value %d at row %lld, column %lld is no category "
		    "(0-%d) and not 255", mask, m[bad], bad / w, bad % w,
		    SHARD_MAX_LABEL);
		free(m);
		return -1;
	}
	sample_init(s, NULL, sp->size, &rgb, &lab);
	s->height = h;
	s->width = w;
	s->letterbox = sp->letterbox;
	place_mask(m, sp, h, w, lab);
	free(m);
	if (place_photo(image, sp, h, w, rgb, e) < 0) {
		sample_free(s);
		return -1;
	}
	sample_seal(s);
	return 0;
}

void
sample_init(Sample *s, const char *key, int size, uint8_t **rgb,
    uint8_t **lab)
{
	if (key != NULL)
		snprintf(s->key, sizeof s->key, "%s", key);
	s->size = size;
	s->ppm = netpbm_new('6', size, 3, &s->ppm_len, rgb);
	s->pgm = netpbm_new('5', size, 1, &s->pgm_len, lab);
}

void
sample_seal(Sample *s)
{
	snprintf(s->json, sizeof s->json, "{\"id\":\"%s\",\"height\":%d,"
	    "\"width\":%d,\"size\":%d,\"letterbox\":%s,\"fnv1a64\":\"%016"
	    PRIx64 "\"}\n", s->key, s->height, s->width, s->size,
	    s->letterbox ? "true" : "false",
	    shard_checksum(s->ppm, s->ppm_len, s->pgm, s->pgm_len));
}

void
sample_free(Sample *s)
{
	free(s->ppm);
	free(s->pgm);
	s->ppm = s->pgm = NULL;
}
