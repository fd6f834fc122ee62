/* render — the masks of one image, and the rule that turns overlapping
 * masks into one label per pixel (imatseg-mask(5)). An ImageMasks owns
 * copies of its runs. */
#ifndef IMATSEG_RENDER_H
#define IMATSEG_RENDER_H

#include <stddef.h>
#include <stdint.h>

#include "rle.h"

typedef enum {
	OVERLAP_AREA,		/* larger masks first: parts stay visible */
	OVERLAP_ORDER,		/* later rows win */
	OVERLAP_CATEGORY	/* higher category id wins */
} Overlap;

typedef struct {
	Rle rle;
	int category;
	uint64_t area;
	uint64_t line;		/* where it came from, to keep ties stable */
} Piece;

typedef struct {
	char *stem;
	uint32_t height, width;
	Piece *piece;
	size_t n, cap;
} ImageMasks;

/* "area", "order" or "category"; -1 for anything else. */
int overlap_parse(const char *s, Overlap *o);

void imasks_init(ImageMasks *m, const char *stem, size_t len,
    uint32_t height, uint32_t width);
void imasks_add(ImageMasks *m, const Rle *rle, int category, uint64_t line);
void imasks_free(ImageMasks *m);

/* The label mask, row-major, height*width bytes, malloc'd: 0 background,
 * category c as c+1, overlaps resolved by the rule. */
uint8_t *imasks_render(ImageMasks *m, Overlap rule);

#endif
