#include "pngmask.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libdeflate.h>

#include "xalloc.h"

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* Collects the IDAT data of a grey 8-bit PNG into *z (malloc'd); checks
 * every chunk's CRC. 0 when the file is anything else. */
static int
scan_chunks(const uint8_t *buf, uint64_t len, uint32_t *w, uint32_t *h,
    uint8_t **z, size_t *zlen)
{
	static const uint8_t sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a,
	    '\n' };
	uint64_t off = 8;
	size_t cap = 0;
	int seen_end = 0;

	*z = NULL;
	*zlen = 0;
	if (len < 8 + 25 || memcmp(buf, sig, 8) != 0 ||
	    memcmp(buf + 12, "IHDR", 4) != 0 || be32(buf + 8) != 13)
		return 0;
	*w = be32(buf + 16);
	*h = be32(buf + 20);
	/* depth 8, colour type 0 (grey), deflate, filter 0, no interlace */
	if (memcmp(buf + 24, "\x08\x00\x00\x00\x00", 5) != 0)
		return 0;
	while (!seen_end && off + 12 <= len) {
		uint32_t n = be32(buf + off);
		const uint8_t *type = buf + off + 4;

		if (n > len - off - 12 ||
		    libdeflate_crc32(0, type, (size_t)n + 4) != be32(type + 4 + n))
			goto no;
		if (memcmp(type, "IDAT", 4) == 0 && n > 0) {
			if (*zlen + n > cap)
				*z = xreallocarray(*z, cap = 2 * (*zlen + n) + 1, 1);
			memcpy(*z + *zlen, type + 4, n);
			*zlen += n;
		} else if (memcmp(type, "IDAT", 4) == 0) {
			;	/* empty: nothing to add */
		} else if (memcmp(type, "IEND", 4) == 0) {
			seen_end = 1;
		} else if (memcmp(type, "IHDR", 4) != 0 &&
		    (!(type[0] & 0x20) || memcmp(type, "tRNS", 4) == 0)) {
			goto no;	/* unknown critical chunk, or transparency */
		}
		off += 12 + (uint64_t)n;
	}
	if (seen_end && *zlen > 0)
		return 1;
no:
	free(*z);
	*z = NULL;
	return 0;
}

static int
paeth(int a, int b, int c)
{
	int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);

	return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* Undoes the row filters in place: row y moves from y * (w + 1) + 1 to
 * y * w, never past bytes still to be read. One loop per filter type, so
 * the common ones (none, up) run at memory speed. 0 on a bad filter. */
static int
unfilter(uint8_t *buf, size_t w, size_t h)
{
	static const uint8_t zero_row[1];

	for (size_t y = 0; y < h; y++) {
		const uint8_t *src = buf + y * (w + 1) + 1;
		uint8_t *dst = buf + y * w;
		const uint8_t *up = y > 0 ? dst - w : NULL;
		int f = src[-1];

		if (up == NULL && f >= 2) {	/* no row above: zeros */
			f = f == 2 ? 0 : f == 4 ? 1 : f;
			up = zero_row;
		}
		switch (f) {
		case 0:
			memmove(dst, src, w);
			break;
		case 1:
			dst[0] = src[0];
			for (size_t i = 1; i < w; i++)
				dst[i] = (uint8_t)(src[i] + dst[i - 1]);
			break;
		case 2:
			for (size_t i = 0; i < w; i++)
				dst[i] = (uint8_t)(src[i] + up[i]);
			break;
		case 3:
			for (size_t i = 0; i < w; i++)
				dst[i] = (uint8_t)(src[i] + (((i ? dst[i - 1] : 0) +
				    (up == zero_row ? 0 : up[i])) >> 1));
			break;
		case 4:
			dst[0] = (uint8_t)(src[0] + up[0]);
			for (size_t i = 1; i < w; i++)
				dst[i] = (uint8_t)(src[i] + paeth(dst[i - 1], up[i],
				    up[i - 1]));
			break;
		default:
			return 0;
		}
	}
	return 1;
}

int
pngmask_decode(const uint8_t *buf, uint64_t len, uint64_t max_pixels,
    uint8_t **px, int *height, int *width)
{
	struct libdeflate_decompressor *d;
	uint32_t w, h;
	uint8_t *z, *out;
	size_t zlen, n;
	int ok;

	if (!scan_chunks(buf, len, &w, &h, &z, &zlen))
		return 0;
	if (w == 0 || h == 0 || w > INT32_MAX || h > INT32_MAX ||
	    (uint64_t)w * h > max_pixels) {
		free(z);
		return 0;
	}
	n = (size_t)h * ((size_t)w + 1);
	if ((out = malloc(n)) == NULL) {	/* a huge claim: no abort */
		free(z);
		return 0;
	}
	d = libdeflate_alloc_decompressor();
	/* No actual-size pointer: the data must fill out exactly. */
	ok = d != NULL && libdeflate_zlib_decompress(d, z, zlen, out, n,
	    NULL) == LIBDEFLATE_SUCCESS && unfilter(out, w, h);
	if (d != NULL)
		libdeflate_free_decompressor(d);
	free(z);
	if (!ok) {
		free(out);
		return 0;
	}
	*px = realloc(out, (size_t)w * h);
	if (*px == NULL)
		*px = out;
	*height = (int)h;
	*width = (int)w;
	return 1;
}

int
pngmask_read(const char *path, uint64_t max_pixels, uint8_t **px,
    int *height, int *width)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, got;
	int rc = 0;

	if (fp == NULL)
		return 0;
	do {
		if (len == cap)
			buf = xreallocarray(buf, cap = cap ? 2 * cap : 1 << 16, 1);
		got = fread(buf + len, 1, cap - len, fp);
		len += got;
	} while (got > 0);
	if (!ferror(fp))
		rc = pngmask_decode(buf, len, max_pixels, px, height, width);
	fclose(fp);
	free(buf);
	return rc;
}
