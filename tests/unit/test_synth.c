/* Unit tests of synth.c: scenes are decided by (seed, set, index), and
 * every row is exactly the pixels of its object and its parts in the
 * label buffer the photo is painted from. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rle.h"
#include "synth.h"
#include "tap.h"

static const SynthParams params = { 7, 64, 240 };

static void
test_deterministic(void)
{
	Err e;
	SynthScene *a = synth_scene_new(&params, SYNTH_TRAIN, 3, &e);
	SynthScene *b = synth_scene_new(&params, SYNTH_TRAIN, 3, &e);
	SynthScene *c = synth_scene_new(&params, SYNTH_TEST, 3, &e);
	size_t na, nb;
	char *ra, *rb;
	uint8_t *la, *lb, *lc;

	CHECK(a != NULL && b != NULL && c != NULL);
	CHECK(a->height == b->height && a->width == b->width);
	la = synth_labels(a);
	lb = synth_labels(b);
	lc = synth_labels(c);
	CHECK(memcmp(la, lb, (size_t)a->height * a->width) == 0);
	ra = synth_rows(a, "x.jpg", &na);
	rb = synth_rows(b, "x.jpg", &nb);
	CHECK(na == nb && strcmp(ra, rb) == 0);
	CHECK(c->height != a->height || c->width != a->width ||
	    memcmp(la, lc, (size_t)a->height * a->width) != 0);
	free(la);
	free(lb);
	free(lc);
	free(ra);
	free(rb);
	synth_scene_free(a);
	synth_scene_free(b);
	synth_scene_free(c);
}

static void
test_ids(void)
{
	char a[33], b[33], c[33];

	synth_image_id(1, SYNTH_TRAIN, 0, a);
	synth_image_id(1, SYNTH_TRAIN, 1, b);
	synth_image_id(1, SYNTH_TEST, 0, c);
	CHECK_EQ_INT(strlen(a), 32);
	CHECK(strspn(a, "0123456789abcdef") == 32);
	CHECK(strcmp(a, b) != 0 && strcmp(a, c) != 0);
}

static void
test_bad_params(void)
{
	SynthParams p = { 1, 500, 400 };
	Err e;

	CHECK(synth_scene_new(&p, SYNTH_TRAIN, 0, &e) == NULL);
	CHECK(strstr(e.msg, "image sides") != NULL);
}

/* Does object j belong to row object k (k itself or one of its parts)? */
static int
belongs(const SynthScene *s, int j, int k)
{
	return j == k || (j >= 0 && s->obj[j].parent == k);
}

/* Checks the rows of one scene against its label buffer; returns the
 * number of rows. */
static size_t
check_scene(const SynthScene *s)
{
	uint64_t npix = (uint64_t)s->height * s->width;
	uint8_t *mask = malloc(npix), *ids = synth_labels(s);
	size_t nrows, row = 0;
	char *rows = synth_rows(s, "x.jpg", &nrows), *line = rows;
	int k = -1;
	Rle r;
	Err e;

	rle_init(&r);
	while (*line) {
		char *end = strchr(line, '\n'), *f1 = strchr(line, ','), *f2;
		uint64_t area = 0;

		f2 = strchr(f1 + 1, ',');
		CHECK(rle_parse(&r, f1 + 1, (size_t)(f2 - f1 - 1), npix, &e) == 0);
		/* The next annotated object with enough pixels. */
		for (k++; k < s->nobj; k++) {
			area = 0;
			for (uint64_t i = 0; i < npix; i++)
				area += belongs(s, ids[i] - 1, k);
			if (s->obj[k].category >= 0 && area >= SYNTH_MIN_AREA)
				break;
		}
		CHECK(k < s->nobj);
		if (k >= s->nobj)
			break;
		*end = '\0';
		CHECK_EQ_INT(atoi(strrchr(line, ',') + 1), s->obj[k].category);
		memset(mask, 0, npix);
		rle_paint(&r, mask, 1);
		CHECK_EQ_INT(rle_area(&r), area);
		for (uint64_t i = 0; i < npix; i++)
			if (mask[i] && !belongs(s, ids[i] - 1, k)) {
				CHECK(!"a row pixel of another object");
				break;
			}
		row++;
		line = end + 1;
	}
	CHECK_EQ_INT(row, nrows);
	rle_free(&r);
	free(rows);
	free(mask);
	free(ids);
	return nrows;
}

static void
test_rows_exact(void)
{
	size_t total = 0;
	Err e;

	for (uint64_t i = 0; i < 20; i++) {
		SynthScene *s = synth_scene_new(&params, SYNTH_TRAIN, i, &e);

		CHECK(s->height >= 64 && s->width >= 64);
		CHECK(s->height <= 240 && s->width <= 240);
		total += check_scene(s);
		synth_scene_free(s);
	}
	CHECK(total > 40);
}

int
main(void)
{
	TEST(test_deterministic);
	TEST(test_ids);
	TEST(test_bad_params);
	TEST(test_rows_exact);
	return tap_done();
}
