#include "maskio.h"

#include <stdlib.h>
#include <string.h>

#include <vips/vips.h>

#include "atomic.h"
#include "xalloc.h"

/* Moves libvips' (process-wide) error text into e. */
static int
vips_err(Err *e, const char *path)
{
	char *msg = vips_error_buffer_copy();
	size_t n = strlen(msg);

	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	/* libvips repeats the file name; keep its first line only. */
	if (strchr(msg, '\n'))
		*strchr(msg, '\n') = '\0';
	err_set(e, "%s: %s", path, *msg ? msg : "libvips failed");
	g_free(msg);
	return -1;
}

int
imaging_init(const char *argv0, int threads, Err *e)
{
	if (VIPS_INIT(argv0 ? argv0 : "imatseg") != 0)
		return vips_err(e, "libvips");
	vips_cache_set_max(0);
	if (threads > 0)
		vips_concurrency_set(threads);
	return 0;
}

void
imaging_shutdown(void)
{
	vips_shutdown();
}

int
mask_read(const char *path, uint64_t max_pixels, uint8_t **px,
    int *height, int *width, Err *e)
{
	VipsImage *im;
	const char *loader = NULL;
	uint64_t npix;
	void *mem;
	size_t size;
	int rc = -1;

	im = vips_image_new_from_file(path, "access", VIPS_ACCESS_SEQUENTIAL,
	    "fail_on", VIPS_FAIL_ON_ERROR, NULL);
	if (im == NULL)
		return vips_err(e, path);
	if (vips_image_get_typeof(im, "vips-loader") != 0)
		vips_image_get_string(im, "vips-loader", &loader);
	npix = (uint64_t)im->Xsize * (uint64_t)im->Ysize;
	if (loader == NULL || strncmp(loader, "pngload", 7) != 0) {
		err_set(e, "%s: not a PNG file (label masks are PNG)", path);
	} else if (im->Bands != 1 || im->BandFmt != VIPS_FORMAT_UCHAR) {
		err_set(e, "%s: not an 8-bit single-channel PNG (%d bands, %s)",
		    path, im->Bands, vips_enum_nick(VIPS_TYPE_BAND_FORMAT, im->BandFmt));
	} else if (npix > max_pixels) {
		err_set(e, "%s: %dx%d is more than %llu pixels", path,
		    im->Ysize, im->Xsize, (unsigned long long)max_pixels);
	} else if ((mem = vips_image_write_to_memory(im, &size)) == NULL) {
		vips_err(e, path);
	} else {
		*px = xmalloc(size);
		memcpy(*px, mem, size);
		g_free(mem);
		*height = im->Ysize;
		*width = im->Xsize;
		rc = 0;
	}
	g_object_unref(im);
	return rc;
}

int
mask_encode(const uint8_t *px, int height, int width, int level,
    void **buf, size_t *len, Err *e)
{
	VipsImage *im;
	void *vbuf = NULL;
	int rc;

	im = vips_image_new_from_memory(px, (size_t)height * (size_t)width,
	    width, height, 1, VIPS_FORMAT_UCHAR);
	if (im == NULL)
		return vips_err(e, "PNG encoder");
	im->Type = VIPS_INTERPRETATION_B_W;
	rc = vips_pngsave_buffer(im, &vbuf, len, "compression", level,
	    "strip", TRUE, NULL);
	g_object_unref(im);
	if (rc != 0)
		return vips_err(e, "PNG encoder");
	*buf = xmalloc(*len);
	memcpy(*buf, vbuf, *len);
	g_free(vbuf);
	return 0;
}

int
mask_write(const char *path, const uint8_t *px, int height, int width,
    int level, Err *e)
{
	void *buf;
	size_t len;
	int rc;

	if (mask_encode(px, height, width, level, &buf, &len, e) < 0)
		return err_prefix(e, "%s", path);
	rc = atomic_write(path, buf, len, e);
	free(buf);
	return rc;
}
