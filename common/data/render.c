#include "render.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

int
overlap_parse(const char *s, Overlap *o)
{
	if (strcmp(s, "area") == 0)
		*o = OVERLAP_AREA;
	else if (strcmp(s, "order") == 0)
		*o = OVERLAP_ORDER;
	else if (strcmp(s, "category") == 0)
		*o = OVERLAP_CATEGORY;
	else
		return -1;
	return 0;
}

void
imasks_init(ImageMasks *m, const char *stem, size_t len, uint32_t height,
    uint32_t width)
{
	memset(m, 0, sizeof *m);
	m->stem = xstrndup(stem, len);
	m->height = height;
	m->width = width;
}

void
imasks_add(ImageMasks *m, const Rle *rle, int category, uint64_t line)
{
	Piece *p;

	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 16;
		m->piece = xreallocarray(m->piece, m->cap, sizeof *m->piece);
	}
	p = &m->piece[m->n++];
	p->rle.n = p->rle.cap = rle->n;
	p->rle.runs = xmallocarray(rle->n ? rle->n : 1, sizeof *rle->runs);
	if (rle->n)
		memcpy(p->rle.runs, rle->runs, rle->n * sizeof *rle->runs);
	p->category = category;
	p->area = rle_area(rle);
	p->line = line;
}

void
imasks_free(ImageMasks *m)
{
	for (size_t i = 0; i < m->n; i++)
		rle_free(&m->piece[i].rle);
	free(m->piece);
	free(m->stem);
	memset(m, 0, sizeof *m);
}

/* Paint order: what is painted last wins. Ties keep file order. */
static int
by_area_desc(const void *a, const void *b)
{
	const Piece *p = a, *q = b;

	if (p->area != q->area)
		return p->area > q->area ? -1 : 1;
	return p->line < q->line ? -1 : p->line > q->line;
}

static int
by_category(const void *a, const void *b)
{
	const Piece *p = a, *q = b;

	if (p->category != q->category)
		return p->category < q->category ? -1 : 1;
	return p->line < q->line ? -1 : p->line > q->line;
}

static int
by_line(const void *a, const void *b)
{
	const Piece *p = a, *q = b;

	return p->line < q->line ? -1 : p->line > q->line;
}

uint8_t *
imasks_render(ImageMasks *m, Overlap rule)
{
	size_t npix = (size_t)m->height * m->width;
	uint8_t *col = xcalloc(npix, 1), *row = xmalloc(npix);

	qsort(m->piece, m->n, sizeof *m->piece,
	    rule == OVERLAP_AREA ? by_area_desc :
	    rule == OVERLAP_CATEGORY ? by_category : by_line);
	for (size_t i = 0; i < m->n; i++)
		rle_paint(&m->piece[i].rle, col, (uint8_t)(m->piece[i].category + 1));
	transpose_to_rowmajor(col, row, (int)m->height, (int)m->width);
	free(col);
	return row;
}
