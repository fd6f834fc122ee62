/* submission — a mask's submission rows. See submission.h. */
#include "submission.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "components.h"
#include "rle.h"
#include "xalloc.h"

/* Text growing by rows. */
typedef struct {
	char *s;
	size_t n, cap;
} Text;

static void
text_reserve(Text *t, size_t more)
{
	if (t->n + more + 1 > t->cap) {
		t->cap = (t->n + more + 1) * 2;
		t->s = xreallocarray(t->s, t->cap, 1);
	}
}

void
submit_options_default(SubmitOptions *o, int ncat)
{
	*o = (SubmitOptions){ .ncat = ncat, .connectivity = 8, .min_area = 1 };
}

const char *
submission_header(const SubmitOptions *o)
{
	return o->sizes ? "ImageId,EncodedPixels,Height,Width,ClassId\n" :
	    "ImageId,EncodedPixels,ClassId\n";
}

static void
put_row(const SubmitOptions *o, Text *t, char **runs, size_t *runs_cap,
    const char *id, size_t id_len, int h, int w, const Rle *r, int cat)
{
	size_t need = rle_format_size(r);

	if (need > *runs_cap) {
		*runs_cap = need * 2;
		*runs = xreallocarray(*runs, *runs_cap, 1);
	}
	/* id, runs, three numbers of at most 11 bytes and separators */
	need = id_len + rle_format(r, *runs) + 40;
	text_reserve(t, need);
	if (o->sizes)
		t->n += (size_t)snprintf(t->s + t->n, need, "%.*s,%s,%d,%d,%d\n",
		    (int)id_len, id, *runs, h, w, cat);
	else
		t->n += (size_t)snprintf(t->s + t->n, need, "%.*s,%s,%d\n",
		    (int)id_len, id, *runs, cat);
}

int
submission_rows(const SubmitOptions *o, const uint8_t *px, int h, int w,
    const char *id, size_t id_len, const char *name, char **text,
    size_t *len, Err *e)
{
	Rle labels[256];
	uint8_t *col = xmalloc((size_t)h * w);
	Text t = { 0 };
	char *runs = NULL;
	size_t runs_cap = 0;
	int rows = 0, bad = 0;

	transpose_to_colmajor(px, col, h, w);
	for (int v = 0; v < 256; v++)
		rle_init(&labels[v]);
	rle_encode_labels(col, (uint64_t)h * w, labels);
	free(col);
	for (int v = o->ncat + 1; v < 255 && !bad; v++)
		if (labels[v].n > 0)
			bad = v;
	for (int v = 1; v <= o->ncat && !bad; v++) {
		Components comp;
		size_t n;

		if (labels[v].n == 0)
			continue;
		if (!o->instances) {
			if (rle_area(&labels[v]) >= o->min_area) {
				put_row(o, &t, &runs, &runs_cap, id, id_len, h, w,
				    &labels[v], v - 1);
				rows++;
			}
			continue;
		}
		n = rle_components(&labels[v], (uint32_t)h, o->connectivity,
		    &comp);
		for (size_t k = 0; k < n; k++) {
			Rle c = components_at(&comp, k);

			if (rle_area(&c) >= o->min_area) {
				put_row(o, &t, &runs, &runs_cap, id, id_len, h, w,
				    &c, v - 1);
				rows++;
			}
		}
		components_free(&comp);
	}
	if (!bad && rows == 0 && o->all_images) {
		Rle empty;

		rle_init(&empty);
		put_row(o, &t, &runs, &runs_cap, id, id_len, h, w, &empty, 0);
	}
	for (int v = 0; v < 256; v++)
		rle_free(&labels[v]);
	free(runs);
	if (bad) {
		free(t.s);
		return err_set(e, "%s: pixel value %d is no category "
		    "(1-%d, or 255 to ignore)", name, bad, o->ncat);
	}
	text_reserve(&t, 0);
	t.s[t.n] = '\0';
	*text = t.s;
	*len = t.n;
	return 0;
}
