#include "components.h"

#include <stdlib.h>

#include "xalloc.h"

typedef struct {
	uint32_t x, y0, y1;	/* column x, rows [y0, y1) */
} Seg;

static size_t
find(size_t *parent, size_t i)
{
	while (parent[i] != i) {
		parent[i] = parent[parent[i]];
		i = parent[i];
	}
	return i;
}

static void
unite(size_t *parent, size_t a, size_t b)
{
	a = find(parent, a);
	b = find(parent, b);
	/* the smaller index is the root: components keep first-pixel order */
	if (a < b)
		parent[b] = a;
	else if (b < a)
		parent[a] = b;
}

/* Runs cut at column ends: each Seg lies in one column. */
static Seg *
column_segments(const Rle *r, uint32_t h, size_t *n)
{
	size_t cap = r->n + 16, k = 0;
	Seg *s = xmallocarray(cap, sizeof *s);

	for (size_t i = 0; i < r->n; i++) {
		uint64_t p = r->runs[i].start, end = p + r->runs[i].len;

		while (p < end) {
			uint32_t x = (uint32_t)(p / h), y = (uint32_t)(p % h);
			uint64_t stop = (uint64_t)(x + 1) * h < end ? (uint64_t)(x + 1) * h : end;

			if (k == cap)
				s = xreallocarray(s, cap *= 2, sizeof *s);
			s[k++] = (Seg){ x, y, (uint32_t)(y + (stop - p)) };
			p = stop;
		}
	}
	*n = k;
	return s;
}

/* Joins touching segments of column a (s[a0..a1)) and column a+1. */
static void
link_columns(const Seg *s, size_t a0, size_t a1, size_t b0, size_t b1,
    uint32_t reach, size_t *parent)
{
	size_t i = a0, j = b0;

	while (i < a1 && j < b1) {
		if (s[i].y0 < s[j].y1 + reach && s[j].y0 < s[i].y1 + reach)
			unite(parent, i, j);
		if (s[i].y1 < s[j].y1)
			i++;
		else
			j++;
	}
}

size_t
rle_components(const Rle *r, uint32_t h, int connectivity, Rle **out)
{
	size_t n, ncomp = 0, prev0 = 0, prev1 = 0, cur0 = 0;
	Seg *s = column_segments(r, h, &n);
	size_t *parent = xmallocarray(n ? n : 1, sizeof *parent);
	size_t *comp = xmallocarray(n ? n : 1, sizeof *comp);
	uint32_t reach = connectivity == 8 ? 1 : 0;

	for (size_t i = 0; i < n; i++)
		parent[i] = i;
	while (cur0 < n) {
		size_t cur1 = cur0;

		while (cur1 < n && s[cur1].x == s[cur0].x)
			cur1++;
		if (prev1 > prev0 && s[prev0].x + 1 == s[cur0].x)
			link_columns(s, prev0, prev1, cur0, cur1, reach, parent);
		prev0 = cur0;
		prev1 = cur1;
		cur0 = cur1;
	}
	/* Roots are the first segment of their component: number them. */
	for (size_t i = 0; i < n; i++)
		comp[i] = find(parent, i) == i ? ncomp++ : comp[find(parent, i)];
	*out = xcalloc(ncomp ? ncomp : 1, sizeof **out);
	for (size_t i = 0; i < n; i++) {
		Rle *c = &(*out)[comp[i]];
		uint32_t start = s[i].x * h + s[i].y0, len = s[i].y1 - s[i].y0;

		if (c->n > 0 && c->runs[c->n - 1].start + c->runs[c->n - 1].len == start)
			c->runs[c->n - 1].len += len;	/* wraps into the next column */
		else
			rle_push(c, start, len);
	}
	free(s);
	free(parent);
	free(comp);
	return ncomp;
}
