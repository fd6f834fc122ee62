/* fuzz pngmask_crc: our label-PNG decoder past its checksums. A PNG
 * input gets every chunk's CRC-32 recomputed and, when its one IDAT
 * inflates, the zlib stream's Adler-32 too, so mutations reach the
 * header checks, the filters and the size logic instead of dying at a
 * checksum. Any other input is taken as width and height (a byte each)
 * and raw filtered scanlines, and made into a valid 8-bit grey PNG. What
 * decodes must be what libpng (through libvips) decodes. */
#include <stdlib.h>
#include <string.h>
#include <vips/vips.h>
#include <zlib.h>

#include "fuzz.h"
#include "pngmask.h"

static const uint8_t sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* Appends a chunk with its CRC. */
static size_t
chunk(uint8_t *out, const char *type, const uint8_t *d, uint32_t n)
{
	put32(out, n);
	memcpy(out + 4, type, 4);
	if (n > 0)
		memcpy(out + 8, d, n);
	put32(out + 8 + n, (uint32_t)crc32(0, out + 4, n + 4));
	return 12 + (size_t)n;
}

/* A PNG of w x h grey bytes from raw scanlines (filter byte + row). */
static uint8_t *
build(const uint8_t *data, size_t size, size_t *len)
{
	int w = data[0] % 64 + 1, h = data[1] % 64 + 1;
	size_t raw = (size_t)h * (w + 1);
	uint8_t *rows = calloc(1, raw), ihdr[13] = { 0 }, *out, *z;
	uLongf zn = compressBound(raw);

	memcpy(rows, data + 2, size - 2 < raw ? size - 2 : raw);
	put32(ihdr, (uint32_t)w);
	put32(ihdr + 4, (uint32_t)h);
	ihdr[8] = 8;	/* bit depth; colour type 0 (grey), no interlace */
	z = malloc(zn);
	compress(z, &zn, rows, raw);
	out = malloc(8 + 25 + 12 + zn + 12);
	memcpy(out, sig, 8);
	*len = 8;
	*len += chunk(out + *len, "IHDR", ihdr, 13);
	*len += chunk(out + *len, "IDAT", z, (uint32_t)zn);
	*len += chunk(out + *len, "IEND", NULL, 0);
	free(rows);
	free(z);
	return out;
}

/* The Adler-32 of a zlib stream d[0..n) once it inflates, written into
 * its last 4 bytes. */
static void
fix_adler(uint8_t *d, uint32_t n)
{
	z_stream zs = { 0 };
	uint8_t buf[65536];
	uLong a = adler32(0, NULL, 0);
	int rc;

	if (n < 6 || inflateInit2(&zs, -15) != Z_OK)
		return;
	zs.next_in = d + 2;
	zs.avail_in = n - 6;
	do {
		zs.next_out = buf;
		zs.avail_out = sizeof buf;
		rc = inflate(&zs, Z_NO_FLUSH);
		a = adler32(a, buf, (uInt)(sizeof buf - zs.avail_out));
	} while (rc == Z_OK && zs.total_out < (1u << 24));
	inflateEnd(&zs);
	if (rc == Z_STREAM_END)
		put32(d + n - 4, (uint32_t)a);
}

/* A copy of the PNG with its checksums made right. */
static uint8_t *
fix(const uint8_t *data, size_t size, size_t *len)
{
	uint8_t *out = malloc(size);
	size_t at = 8;

	memcpy(out, data, size);
	while (at + 12 <= size) {
		uint32_t n = get32(out + at);

		if (n > size - at - 12)
			break;
		if (memcmp(out + at + 4, "IDAT", 4) == 0)
			fix_adler(out + at + 8, n);
		put32(out + at + 8 + n, (uint32_t)crc32(0, out + at + 4, n + 4));
		at += 12 + (size_t)n;
	}
	*len = size;
	return out;
}

/* libpng's reading of the same bytes, when it is one 8-bit band. */
static uint8_t *
reference(const uint8_t *png, size_t len, int *h, int *w)
{
	VipsImage *im = NULL;
	uint8_t *px = NULL;
	size_t n;

	if (vips_pngload_buffer((void *)png, len, &im, "fail", TRUE, NULL) == 0 &&
	    im->Bands == 1 && im->BandFmt == VIPS_FORMAT_UCHAR) {
		*h = im->Ysize;
		*w = im->Xsize;
		px = vips_image_write_to_memory(im, &n);
	}
	if (im != NULL)
		g_object_unref(im);
	vips_error_clear();
	return px;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int started;
	uint8_t *png, *px, *ref;
	size_t len;
	int h, w, rh, rw;

	if (!started) {
		if (VIPS_INIT("fuzz") != 0)
			abort();
		vips_cache_set_max(0);
		started = 1;
	}
	if (size < 2)
		return 0;
	png = size >= 8 && memcmp(data, sig, 8) == 0 ? fix(data, size, &len) :
	    build(data, size, &len);
	if (pngmask_decode(png, len, 1 << 22, &px, &h, &w) == 1) {
		FUZZ_ASSERT((uint64_t)h * w <= 1 << 22);
		if ((ref = reference(png, len, &rh, &rw)) != NULL) {
			FUZZ_ASSERT(rh == h && rw == w);
			FUZZ_ASSERT(memcmp(ref, px, (size_t)h * w) == 0);
			g_free(ref);
		}
		free(px);
	}
	free(png);
	return 0;
}
