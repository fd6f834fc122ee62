#include "rle.h"

#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "xalloc.h"

void
rle_init(Rle *r)
{
	r->runs = NULL;
	r->n = r->cap = 0;
}

void
rle_free(Rle *r)
{
	free(r->runs);
	rle_init(r);
}

void
rle_push(Rle *r, uint32_t start, uint32_t len)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		r->runs = xreallocarray(r->runs, r->cap, sizeof *r->runs);
	}
	r->runs[r->n].start = start;
	r->runs[r->n].len = len;
	r->n++;
}

static const char *
skip_spaces(const char *p, const char *end)
{
	while (p < end && *p == ' ')
		p++;
	return p;
}

/* One number of the run list; *what names it in messages. */
static int
scan_token(const char **pp, const char *end, uint64_t *v, size_t run,
    const char *what, Err *e)
{
	const char *p = *pp;
	int n = scan_u64(p, end, RLE_MAX_PIXELS, v);

	if (n < 0)
		return err_set(e, "EncodedPixels: run %zu: %s overflows", run, what);
	if (n == 0 || (p + n < end && p[n] != ' '))
		return err_set(e, "EncodedPixels: run %zu: %s is not a number", run,
		    what);
	*pp = p + n;
	return 0;
}

int
rle_parse(Rle *r, const char *s, size_t len, uint64_t npix, Err *e)
{
	const char *p = s, *end = s + len;
	uint64_t next_free = 0;	/* first pixel after the previous run */
	size_t run = 0;

	r->n = 0;
	for (p = skip_spaces(p, end); p < end; p = skip_spaces(p, end)) {
		uint64_t start, length;

		run++;
		if (scan_token(&p, end, &start, run, "start", e) < 0)
			return -1;
		p = skip_spaces(p, end);
		if (p == end)
			return err_set(e, "EncodedPixels: odd number of values "
			    "(run %zu has no length)", run);
		if (scan_token(&p, end, &length, run, "length", e) < 0)
			return -1;
		if (start < 1)
			return err_set(e, "EncodedPixels: run %zu: start 0 "
			    "(starts are 1-based)", run);
		if (length == 0)
			return err_set(e, "EncodedPixels: run %zu: zero length", run);
		if (start - 1 < next_free)
			return err_set(e, "EncodedPixels: run %zu: start %llu "
			    "overlaps or precedes the previous run", run,
			    (unsigned long long)start);
		if (start - 1 + length > npix)
			return err_set(e, "EncodedPixels: run %zu: %llu+%llu ends "
			    "past the %llu pixels of the image", run,
			    (unsigned long long)start, (unsigned long long)length,
			    (unsigned long long)npix);
		rle_push(r, (uint32_t)(start - 1), (uint32_t)length);
		next_free = start - 1 + length;
	}
	return 0;
}

uint64_t
rle_area(const Rle *r)
{
	uint64_t a = 0;

	for (size_t i = 0; i < r->n; i++)
		a += r->runs[i].len;
	return a;
}

uint64_t
rle_intersection(const Rle *a, const Rle *b)
{
	size_t i = 0, j = 0;
	uint64_t inter = 0;

	while (i < a->n && j < b->n) {
		uint64_t a0 = a->runs[i].start, a1 = a0 + a->runs[i].len;
		uint64_t b0 = b->runs[j].start, b1 = b0 + b->runs[j].len;
		uint64_t lo = a0 > b0 ? a0 : b0, hi = a1 < b1 ? a1 : b1;

		if (hi > lo)
			inter += hi - lo;
		if (a1 < b1)
			i++;
		else
			j++;
	}
	return inter;
}

size_t
rle_format_size(const Rle *r)
{
	return r->n * 22 + 1;	/* two 10-digit numbers and two separators */
}

/* Decimal digits of v at p; returns the end. */
static char *
put_u32(char *p, uint32_t v)
{
	char tmp[10];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0)
		*p++ = tmp[--n];
	return p;
}

size_t
rle_format(const Rle *r, char *buf)
{
	char *p = buf;

	for (size_t i = 0; i < r->n; i++) {
		if (i > 0)
			*p++ = ' ';
		p = put_u32(p, r->runs[i].start + 1);
		*p++ = ' ';
		p = put_u32(p, r->runs[i].len);
	}
	*p = '\0';
	return (size_t)(p - buf);
}

void
rle_paint(const Rle *r, uint8_t *colmajor, uint8_t value)
{
	for (size_t i = 0; i < r->n; i++)
		memset(colmajor + r->runs[i].start, value, r->runs[i].len);
}

/* End of the run of value v that starts at i: whole words first. */
static uint64_t
run_end(const uint8_t *m, uint64_t i, uint64_t npix, uint8_t v)
{
	uint64_t pattern = 0x0101010101010101ULL * v;

	while (i + 8 <= npix) {
		uint64_t w;

		memcpy(&w, m + i, 8);
		if (w != pattern)
			break;
		i += 8;
	}
	while (i < npix && m[i] == v)
		i++;
	return i;
}

void
rle_encode_labels(const uint8_t *colmajor, uint64_t npix, Rle out[256])
{
	uint64_t i = 0;

	for (int v = 0; v < 256; v++)
		out[v].n = 0;
	while (i < npix) {
		uint8_t v = colmajor[i];
		uint64_t j = run_end(colmajor, i + 1, npix, v);

		if (v != 0)
			rle_push(&out[v], (uint32_t)i, (uint32_t)(j - i));
		i = j;
	}
}

enum { TILE = 32 };

void
transpose_to_colmajor(const uint8_t *src, uint8_t *dst, int h, int w)
{
	for (int y0 = 0; y0 < h; y0 += TILE)
		for (int x0 = 0; x0 < w; x0 += TILE) {
			int y1 = y0 + TILE < h ? y0 + TILE : h;
			int x1 = x0 + TILE < w ? x0 + TILE : w;

			for (int x = x0; x < x1; x++)
				for (int y = y0; y < y1; y++)
					dst[(size_t)x * h + y] = src[(size_t)y * w + x];
		}
}

void
transpose_to_rowmajor(const uint8_t *src, uint8_t *dst, int h, int w)
{
	/* a column-major h x w buffer is a row-major w x h one */
	transpose_to_colmajor(src, dst, w, h);
}
