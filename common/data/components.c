/* components — connected components on runs. See components.h.
 *
 * Per column segment: 12 bytes of segment, 4 of parent, 4 of component
 * number, 8 of output run; per component 8 of offset and 4 of the end of
 * its last run. Indices are 32-bit: a mask has under 2^32 pixels, so
 * fewer segments. */
#include "components.h"

#include <stdlib.h>

#include "xalloc.h"

typedef struct {
	uint32_t x, y0, y1;	/* column x, rows [y0, y1) */
} Seg;

static uint32_t
find(uint32_t *parent, uint32_t i)
{
	while (parent[i] != i) {
		parent[i] = parent[parent[i]];
		i = parent[i];
	}
	return i;
}

static void
unite(uint32_t *parent, uint32_t a, uint32_t b)
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
			uint64_t stop = (uint64_t)(x + 1) * h < end ?
			    (uint64_t)(x + 1) * h : end;

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
    uint32_t reach, uint32_t *parent)
{
	size_t i = a0, j = b0;

	while (i < a1 && j < b1) {
		if (s[i].y0 < s[j].y1 + reach && s[j].y0 < s[i].y1 + reach)
			unite(parent, (uint32_t)i, (uint32_t)j);
		if (s[i].y1 < s[j].y1)
			i++;
		else
			j++;
	}
}

/* Numbers the components in first-pixel order: comp[i] for segment i
 * (overwriting parent). Returns their number. */
static size_t
label_segments(const Seg *s, size_t n, uint32_t h, int connectivity,
    uint32_t *parent)
{
	size_t ncomp = 0, prev0 = 0, prev1 = 0, cur0 = 0;
	uint32_t reach = connectivity == 8 ? 1 : 0;

	(void)h;
	for (size_t i = 0; i < n; i++)
		parent[i] = (uint32_t)i;
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
	for (size_t i = 0; i < n; i++)
		parent[i] = find(parent, (uint32_t)i);
	/* Every segment now points at its root, the first segment of its
	 * component, which comes before the others: numbered first, its
	 * number is there when they ask for it. */
	for (size_t i = 0; i < n; i++)
		parent[i] = parent[i] == i ? (uint32_t)ncomp++ :
		    parent[parent[i]];
	return ncomp;
}

/* Places the segments' runs component by component, joining a segment
 * to its component's last run where it continues it (a run wrapping
 * from the bottom of a column into the next). place 0 only counts. */
static void
place_runs(const Seg *s, size_t n, uint32_t h, const uint32_t *comp,
    uint32_t *last_end, size_t *at, Run *runs, int place)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t c = comp[i], start = s[i].x * h + s[i].y0;
		uint32_t len = s[i].y1 - s[i].y0;

		if (last_end[c] != 0 && last_end[c] == start) {
			if (place)
				runs[at[c] - 1].len += len;
		} else {
			if (place)
				runs[at[c]] = (Run){ start, len };
			at[c]++;
		}
		last_end[c] = start + len;
	}
}

size_t
rle_components(const Rle *r, uint32_t h, int connectivity, Components *out)
{
	size_t n, ncomp;
	Seg *s = column_segments(r, h, &n);
	uint32_t *comp = xmallocarray(n ? n : 1, sizeof *comp);
	uint32_t *last_end;
	size_t *count;

	ncomp = label_segments(s, n, h, connectivity, comp);
	last_end = xcalloc(ncomp ? ncomp : 1, sizeof *last_end);
	count = xcalloc(ncomp + 1, sizeof *count);
	place_runs(s, n, h, comp, last_end, count, NULL, 0);
	out->n = ncomp;
	out->first = xmallocarray(ncomp + 1, sizeof *out->first);
	out->first[0] = 0;
	for (size_t k = 0; k < ncomp; k++)
		out->first[k + 1] = out->first[k] + count[k];
	out->runs = xmallocarray(out->first[ncomp] ? out->first[ncomp] : 1,
	    sizeof *out->runs);
	for (size_t k = 0; k < ncomp; k++) {
		count[k] = out->first[k];	/* now where the next run goes */
		last_end[k] = 0;
	}
	place_runs(s, n, h, comp, last_end, count, out->runs, 1);
	free(s);
	free(comp);
	free(last_end);
	free(count);
	return ncomp;
}

Rle
components_at(const Components *c, size_t k)
{
	return (Rle){ .runs = c->runs + c->first[k],
	    .n = c->first[k + 1] - c->first[k], .cap = 0 };
}

void
components_free(Components *c)
{
	free(c->runs);
	free(c->first);
	*c = (Components){ 0 };
}
