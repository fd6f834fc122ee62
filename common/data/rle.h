/* rle — run-length masks as the competition writes them (imatseg-csv(5)):
 * pixels numbered column-major (index = x*Height + y), runs of
 * (start, length). Here starts are 0-based; the text form is 1-based.
 * An Rle is a plain growable value: rle_init/rle_free; its runs are owned
 * by it. Parsing validates every run before anything touches memory. */
#ifndef IMATSEG_RLE_H
#define IMATSEG_RLE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef struct {
	uint32_t start;	/* 0-based column-major pixel index */
	uint32_t len;	/* > 0 */
} Run;

typedef struct {
	Run *runs;
	size_t n, cap;
} Rle;

/* Masks larger than this many pixels are refused by every parser. */
#define RLE_MAX_PIXELS 0xFFFFFFFFULL

void rle_init(Rle *r);
void rle_free(Rle *r);
void rle_push(Rle *r, uint32_t start, uint32_t len);

/* Parses "start length start length ..." (1-based starts) of a mask with
 * npix pixels into r (cleared first). Refuses an odd token count,
 * non-numeric or overflowing numbers, start < 1, zero length, runs out of
 * order or overlapping the previous one, and runs past npix. Touching runs
 * are accepted. An empty string is an empty mask. */
int rle_parse(Rle *r, const char *s, size_t len, uint64_t npix, Err *e);

/* Number of pixels in the mask. */
uint64_t rle_area(const Rle *r);

/* Pixels in both masks; runs must be sorted (as parsed or encoded). */
uint64_t rle_intersection(const Rle *a, const Rle *b);

/* Bytes rle_format needs at most, including the terminating NUL. */
size_t rle_format_size(const Rle *r);
/* Writes the 1-based text form into buf; returns its length. */
size_t rle_format(const Rle *r, char *buf);

/* Sets the mask's pixels to value in a column-major buffer of npix bytes
 * (the runs were validated against npix by rle_parse). */
void rle_paint(const Rle *r, uint8_t *colmajor, uint8_t value);

/* Encodes a column-major label buffer: out[v] receives the canonical runs
 * (sorted, non-touching) of every value v != 0; out must hold 256 Rle,
 * each cleared here. */
void rle_encode_labels(const uint8_t *colmajor, uint64_t npix, Rle out[256]);

/* Row-major (height x width) <-> column-major, blocked for the cache. */
void transpose_to_colmajor(const uint8_t *rowmajor, uint8_t *colmajor,
    int height, int width);
void transpose_to_rowmajor(const uint8_t *colmajor, uint8_t *rowmajor,
    int height, int width);

#endif
