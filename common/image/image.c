#include "image.h"

#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include <vips/vips.h>

#include "atomic.h"
#include "xalloc.h"

/* libvips' error text (first line) into e. The buffer is per process:
 * it is cleared only under the retry lock below. */
static int
vips_fail(Err *e, const char *path)
{
	const char *msg = vips_error_buffer();
	size_t n = strcspn(msg, "\n");

	if (n == 0)
		msg = "cannot decode", n = strlen(msg);
	err_set(e, "%s: %.*s", path, (int)n, msg);
	return -1;
}

/* libvips has one error buffer per process: with several threads failing
 * at once, messages mix. A failed call is therefore repeated under this
 * lock with a cleared buffer, which gives each file its own message (the
 * one process-wide object here, like the buffer it guards). */
static pthread_mutex_t err_lock = PTHREAD_MUTEX_INITIALIZER;

int
imaging_retry(int (*fn)(void *), void *arg)
{
	int rc;

	pthread_mutex_lock(&err_lock);
	vips_error_clear();
	rc = fn(arg);
	vips_error_clear();
	pthread_mutex_unlock(&err_lock);
	return rc;
}

int
file_readable(const char *path, Err *e)
{
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return err_sys(e, "%s", path);
	close(fd);
	return 0;
}

/* What a decode works on: the file at path, or, when buf is not NULL,
 * the len bytes at buf (path then names them in messages). */
typedef struct {
	const char *path;
	const void *buf;
	size_t len;
	int h, w, out_h, out_w;
	uint8_t *rgb;
	Err *e;
} Job;

static int
header_job(void *arg)
{
	Job *j = arg;
	VipsImage *im;

	/* Opening reads the header only; pixels are decoded on demand. */
	if (j->buf != NULL)
		im = vips_image_new_from_buffer(j->buf, j->len, "",
		    "fail_on", VIPS_FAIL_ON_ERROR, NULL);
	else
		im = vips_image_new_from_file(j->path, "fail_on",
		    VIPS_FAIL_ON_ERROR, NULL);
	if (im == NULL)
		return vips_fail(j->e, j->path);
	j->h = im->Ysize;
	j->w = im->Xsize;
	g_object_unref(im);
	return 0;
}

static int
header(Job *j, uint64_t max_pixels, int *height, int *width)
{
	uint64_t npix;

	if (header_job(j) < 0 && imaging_retry(header_job, j) < 0)
		return -1;
	*height = j->h;
	*width = j->w;
	npix = (uint64_t)*height * (uint64_t)*width;
	if (npix > max_pixels) {
		err_set(j->e, "%s: %dx%d is more than %llu pixels "
		    "(--max-pixels)", j->path, *height, *width,
		    (unsigned long long)max_pixels);
		return PHOTO_TOO_BIG;
	}
	return 0;
}

int
photo_header(const char *path, uint64_t max_pixels, int *height, int *width,
    Err *e)
{
	Job j = { .path = path, .e = e };

	if (file_readable(path, e) < 0)
		return -1;
	return header(&j, max_pixels, height, width);
}

int
photo_header_mem(const void *buf, size_t len, const char *name,
    uint64_t max_pixels, int *height, int *width, Err *e)
{
	Job j = { .path = name, .buf = buf, .len = len, .e = e };

	if (len == 0)
		return err_set(e, "%s: empty", name);
	return header(&j, max_pixels, height, width);
}

/* Whatever the file held (grey, alpha, 16-bit, CMYK already imported by
 * thumbnail): 3 bands of 8-bit sRGB. Consumes *im. */
static int
to_srgb8(VipsImage **im)
{
	VipsImage *t;

	if (vips_image_hasalpha(*im)) {
		if (vips_flatten(*im, &t, NULL) != 0)
			return -1;
		g_object_unref(*im);
		*im = t;
	}
	if (vips_colourspace(*im, &t, VIPS_INTERPRETATION_sRGB, NULL) != 0)
		return -1;
	g_object_unref(*im);
	*im = t;
	if ((*im)->Bands > 3) {
		if (vips_extract_band(*im, &t, 0, "n", 3, NULL) != 0)
			return -1;
		g_object_unref(*im);
		*im = t;
	}
	if ((*im)->BandFmt != VIPS_FORMAT_UCHAR) {
		if (vips_cast_uchar(*im, &t, NULL) != 0)
			return -1;
		g_object_unref(*im);
		*im = t;
	}
	return 0;
}

static int
resize_job(void *arg)
{
	Job *j = arg;
	VipsImage *im = NULL;
	void *mem;
	size_t size;

	/* Thumbnail shrinks JPEGs in the DCT while at least twice the output
	 * size remains, then reduces with Lanczos-3. Shrinking further in the
	 * DCT was 20% faster but shifted colour edges by up to 100 levels. */
	/* libvips 8.14 passes fail_on to the loader of a file but not to
	 * that of a buffer, which then decodes a truncated JPEG as grey:
	 * the option string says it again. */
	int rc = j->buf != NULL ?
	    vips_thumbnail_buffer((void *)j->buf, j->len, &im, j->out_w,
	    "height", j->out_h, "size", VIPS_SIZE_FORCE, "no_rotate", TRUE,
	    "fail_on", VIPS_FAIL_ON_ERROR, "option_string", "fail_on=error",
	    NULL) :
	    vips_thumbnail(j->path, &im, j->out_w, "height", j->out_h,
	    "size", VIPS_SIZE_FORCE, "no_rotate", TRUE,
	    "fail_on", VIPS_FAIL_ON_ERROR, NULL);

	if (rc != 0 || to_srgb8(&im) != 0) {
		if (im != NULL)
			g_object_unref(im);
		return vips_fail(j->e, j->path);
	}
	mem = vips_image_write_to_memory(im, &size);
	if (mem == NULL) {
		g_object_unref(im);
		return vips_fail(j->e, j->path);
	}
	if (im->Xsize != j->out_w || im->Ysize != j->out_h || im->Bands != 3 ||
	    size != (size_t)j->out_h * (size_t)j->out_w * 3) {
		err_set(j->e, "%s: resize gave %dx%dx%d, not %dx%dx3", j->path,
		    im->Ysize, im->Xsize, im->Bands, j->out_h, j->out_w);
		g_free(mem);
		g_object_unref(im);
		return -1;
	}
	j->rgb = xmalloc(size);
	memcpy(j->rgb, mem, size);
	g_free(mem);
	g_object_unref(im);
	return 0;
}

int
photo_load_resized(const char *path, int out_h, int out_w, uint8_t **rgb,
    Err *e)
{
	Job j = { .path = path, .out_h = out_h, .out_w = out_w, .e = e };

	if (resize_job(&j) < 0 && imaging_retry(resize_job, &j) < 0)
		return -1;
	*rgb = j.rgb;
	return 0;
}

int
photo_load_resized_mem(const void *buf, size_t len, const char *name,
    int out_h, int out_w, uint8_t **rgb, Err *e)
{
	Job j = { .path = name, .buf = buf, .len = len, .out_h = out_h,
	    .out_w = out_w, .e = e };

	if (resize_job(&j) < 0 && imaging_retry(resize_job, &j) < 0)
		return -1;
	*rgb = j.rgb;
	return 0;
}

/* Nearest-neighbour resize of the h x w window of src whose rows are
 * src_stride bytes apart. */
static void
resize_nearest(const uint8_t *src, int h, int w, size_t src_stride,
    uint8_t *dst, int oh, int ow, size_t dst_stride)
{
	size_t *col = xmallocarray((size_t)ow, sizeof *col);

	for (int x = 0; x < ow; x++)
		col[x] = (size_t)(((2 * (uint64_t)x + 1) * (uint64_t)w) /
		    (2 * (uint64_t)ow));
	for (int y = 0; y < oh; y++) {
		size_t sy = (size_t)(((2 * (uint64_t)y + 1) * (uint64_t)h) /
		    (2 * (uint64_t)oh));
		const uint8_t *row = src + sy * src_stride;
		uint8_t *out = dst + (size_t)y * dst_stride;

		for (int x = 0; x < ow; x++)
			out[x] = row[col[x]];
	}
	free(col);
}

void
mask_resize_nearest(const uint8_t *src, int h, int w, uint8_t *dst,
    int oh, int ow, size_t dst_stride)
{
	resize_nearest(src, h, w, (size_t)w, dst, oh, ow, dst_stride);
}

void
letterbox_fit(int h, int w, int s, int *nh, int *nw, int *top, int *left)
{
	/* Integer arithmetic so every platform rounds alike. */
	if (h >= w) {
		*nh = s;
		*nw = (int)(((uint64_t)w * (uint64_t)s * 2 + (uint64_t)h) /
		    (2 * (uint64_t)h));
	} else {
		*nw = s;
		*nh = (int)(((uint64_t)h * (uint64_t)s * 2 + (uint64_t)w) /
		    (2 * (uint64_t)w));
	}
	if (*nh < 1)
		*nh = 1;
	if (*nw < 1)
		*nw = 1;
	*top = (s - *nh) / 2;
	*left = (s - *nw) / 2;
}

/* The square of a photo from its file (buf NULL) or its bytes. */
static int
square(const char *path, const void *buf, size_t len, int h, int w, int s,
    int letterbox, uint8_t **rgb, Err *e)
{
	int nh = s, nw = s, top = 0, left = 0;
	uint8_t *fit, *sq;

	if (letterbox)
		letterbox_fit(h, w, s, &nh, &nw, &top, &left);
	if ((buf != NULL ? photo_load_resized_mem(buf, len, path, nh, nw, &fit,
	    e) : photo_load_resized(path, nh, nw, &fit, e)) < 0)
		return -1;
	if (!letterbox) {
		*rgb = fit;
		return 0;
	}
	sq = xcalloc((size_t)s * s, 3);
	for (int y = 0; y < nh; y++)
		memcpy(sq + ((size_t)(top + y) * s + left) * 3,
		    fit + (size_t)y * nw * 3, (size_t)nw * 3);
	free(fit);
	*rgb = sq;
	return 0;
}

int
photo_load_square(const char *path, int h, int w, int s, int letterbox,
    uint8_t **rgb, Err *e)
{
	return square(path, NULL, 0, h, w, s, letterbox, rgb, e);
}

int
photo_load_square_mem(const void *buf, size_t len, const char *name, int h,
    int w, int s, int letterbox, uint8_t **rgb, Err *e)
{
	return square(name, buf, len, h, w, s, letterbox, rgb, e);
}

void
mask_from_square(const uint8_t *lab, int s, int letterbox, int h, int w,
    uint8_t *dst)
{
	int nh = s, nw = s, top = 0, left = 0;

	if (letterbox)
		letterbox_fit(h, w, s, &nh, &nw, &top, &left);
	resize_nearest(lab + (size_t)top * s + left, nh, nw, (size_t)s, dst,
	    h, w, (size_t)w);
}

int
rgb_encode_png(const uint8_t *rgb, int h, int w, void **png, size_t *len,
    Err *e)
{
	VipsImage *im;
	void *buf = NULL;

	im = vips_image_new_from_memory(rgb, (size_t)h * w * 3, w, h, 3,
	    VIPS_FORMAT_UCHAR);
	if (im == NULL || vips_pngsave_buffer(im, &buf, len, "compression", 6,
	    NULL) != 0) {
		const char *msg = vips_error_buffer();

		if (im != NULL)
			g_object_unref(im);
		vips_error_clear();
		return err_set(e, "cannot encode PNG: %.*s",
		    (int)strcspn(msg, "\n"), msg);
	}
	g_object_unref(im);
	*png = xmalloc(*len);
	memcpy(*png, buf, *len);
	g_free(buf);
	return 0;
}

int
rgb_write_png(const char *path, const uint8_t *rgb, int h, int w, Err *e)
{
	void *buf;
	size_t len;
	int rc;

	if (rgb_encode_png(rgb, h, w, &buf, &len, e) < 0)
		return err_prefix(e, "%s", path);
	rc = atomic_write(path, buf, len, e);
	free(buf);
	return rc;
}
