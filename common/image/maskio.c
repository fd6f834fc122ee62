#include "maskio.h"

#include <stdlib.h>
#include <string.h>

#include <vips/vips.h>
#include <vips/vector.h>
#include <zlib.h>

#include "atomic.h"
#include "pngmask.h"
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

/* libvips' warnings ("error in tile 0 x 64", one per tile, or libjpeg's
 * complaints) come before the error it returns, which our message
 * carries: they only repeat it, and common/ does not print. */
static void
drop_warning(const char *domain, GLogLevelFlags level, const char *msg,
    void *arg)
{
	(void)domain, (void)level, (void)msg, (void)arg;
}

int
imaging_init(const char *argv0, int threads, Err *e)
{
	if (VIPS_INIT(argv0 ? argv0 : "imatseg") != 0)
		return vips_err(e, "libvips");
	g_log_set_handler("VIPS", G_LOG_LEVEL_WARNING, drop_warning, NULL);
	vips_cache_set_max(0);
	/* No run-time compiled (liborc) loops: two threads resizing at once
	 * compile them at once, and liborc 0.4.33 crashed there once in our
	 * suite (a wild write in orc_code_allocate_codemem, unet-infer under
	 * ASan, photos decoded by two workers); libvips' C loops are the
	 * same operations, a little slower */
	vips_vector_set_enabled(FALSE);
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

	/* Plain label PNGs, which is what imatseg writes, take the fast path;
	 * libvips reads (or refuses, with its reason) everything else. */
	if (pngmask_read(path, max_pixels, px, height, width))
		return 0;
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

/* Big-endian u32, as PNG stores every number. */
static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Appends one chunk (length, type, data, CRC) at out; returns its size. */
static size_t
put_chunk(uint8_t *out, const char type[4], const uint8_t *data, size_t len)
{
	uLong crc;

	put_be32(out, (uint32_t)len);
	memcpy(out + 4, type, 4);
	if (len > 0 && out + 8 != data)
		memmove(out + 8, data, len);
	crc = crc32(crc32(0L, Z_NULL, 0), out + 4, (uInt)(len + 4));
	put_be32(out + 8 + len, (uint32_t)crc);
	return len + 12;
}

/*
 * A grey 8-bit PNG written with zlib directly: every row with the "up"
 * filter (rows of a label mask mostly repeat the row above, so they become
 * zeros) and zlib's run-length strategy, which suits long runs of equal
 * bytes. On real masks this is 3x faster than libvips' adaptive filtering
 * with the default strategy at the same level, and no larger.
 */
int
mask_encode(const uint8_t *px, int height, int width, int level,
    void **buf, size_t *len, Err *e)
{
	size_t stride = (size_t)width + 1, raw_len = stride * (size_t)height;
	uint8_t *raw = xmalloc(raw_len), *out, ihdr[13];
	uLong bound;
	z_stream z;
	size_t n = 0;

	for (int y = 0; y < height; y++) {
		const uint8_t *cur = px + (size_t)y * width;
		uint8_t *dst = raw + (size_t)y * stride;

		dst[0] = 2;	/* Up */
		if (y == 0)
			memcpy(dst + 1, cur, (size_t)width);
		else
			for (int x = 0; x < width; x++)
				dst[1 + x] = (uint8_t)(cur[x] - cur[x - width]);
	}
	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, level, Z_DEFLATED, 15, 8, Z_RLE) != Z_OK) {
		free(raw);
		return err_set(e, "PNG encoder: zlib refused level %d", level);
	}
	bound = deflateBound(&z, (uLong)raw_len);
	out = xmalloc(8 + 25 + 12 + bound + 12);
	memcpy(out, "\x89PNG\r\n\x1a\n", 8);
	n = 8;
	put_be32(ihdr, (uint32_t)width);
	put_be32(ihdr + 4, (uint32_t)height);
	ihdr[8] = 8;	/* bit depth */
	ihdr[9] = 0;	/* greyscale */
	ihdr[10] = ihdr[11] = ihdr[12] = 0;	/* deflate, adaptive, no interlace */
	n += put_chunk(out + n, "IHDR", ihdr, sizeof ihdr);
	z.next_in = raw;
	z.avail_in = (uInt)raw_len;
	z.next_out = out + n + 8;
	z.avail_out = (uInt)bound;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&z);
		free(raw);
		free(out);
		return err_set(e, "PNG encoder: zlib failed");
	}
	n += put_chunk(out + n, "IDAT", out + n + 8, z.total_out);
	n += put_chunk(out + n, "IEND", NULL, 0);
	deflateEnd(&z);
	free(raw);
	*buf = out;
	*len = n;
	return 0;
}

int
mask_write(const char *path, const uint8_t *px, int height, int width,
    int level, AtomicBatch *batch, Err *e)
{
	void *buf;
	size_t len;
	int rc;

	if (mask_encode(px, height, width, level, &buf, &len, e) < 0)
		return err_prefix(e, "%s", path);
	rc = atomic_write_batch(path, buf, len, batch, e);
	free(buf);
	return rc;
}
