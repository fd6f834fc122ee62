/* Unit tests of rle.c and components.c: parsing and its refusals, the
 * canonical encoder, round trips, intersections, components. */
#include <stdlib.h>
#include <string.h>

#include "components.h"
#include "rle.h"
#include "rng.h"
#include "tap.h"

static int
parse(Rle *r, const char *s, uint64_t npix, Err *e)
{
	return rle_parse(r, s, strlen(s), npix, e);
}

static void
test_parse_ok(void)
{
	Rle r;
	Err e;
	char buf[64];

	rle_init(&r);
	CHECK(parse(&r, "1 3 10 2", 20, &e) == 0);
	CHECK_EQ_INT(r.n, 2);
	CHECK_EQ_INT(r.runs[0].start, 0);
	CHECK_EQ_INT(r.runs[1].len, 2);
	CHECK_EQ_INT(rle_area(&r), 5);
	rle_format(&r, buf);
	CHECK(strcmp(buf, "1 3 10 2") == 0);
	CHECK(parse(&r, "", 20, &e) == 0 && r.n == 0);	/* empty mask */
	CHECK(parse(&r, "19 2", 20, &e) == 0);		/* ends on the last pixel */
	CHECK(parse(&r, "1 2 3 1", 20, &e) == 0);	/* touching is fine */
	CHECK(parse(&r, " 1 2  5 1 ", 20, &e) == 0 && r.n == 2);
	rle_free(&r);
}

static void
refused(const char *s, uint64_t npix, const char *why)
{
	Rle r;
	Err e;

	rle_init(&r);
	e.msg[0] = '\0';
	if (parse(&r, s, npix, &e) == 0 || strstr(e.msg, why) == NULL) {
		printf("#   '%s': got '%s', expected '%s'\n", s, e.msg, why);
		tap_cur_failed = 1;
	}
	rle_free(&r);
}

static void
test_parse_refusals(void)
{
	refused("1 3 10", 20, "odd number of values");
	refused("1 x", 20, "length is not a number");
	refused("a 1", 20, "start is not a number");
	refused("1 2x", 20, "length is not a number");
	refused("1 -2", 20, "length is not a number");
	refused("99999999999 1", 20, "start overflows");
	refused("0 3", 20, "start 0");
	refused("1 0", 20, "zero length");
	refused("5 2 3 1", 20, "precedes the previous run");
	refused("1 5 3 1", 20, "overlaps or precedes");
	refused("19 3", 20, "past the 20 pixels");
	refused("1,2", 20, "not a number");
}

/* Random masks: encode, format, parse, paint gives the mask back. */
static void
test_random_roundtrip(void)
{
	Rng rng;
	Rle lab[256], back;
	Err e;

	rng_seed(&rng, 5);
	for (int v = 0; v < 256; v++)
		rle_init(&lab[v]);
	rle_init(&back);
	for (int t = 0; t < 200; t++) {
		int h = 1 + (int)rng_below(&rng, 40), w = 1 + (int)rng_below(&rng, 40);
		size_t npix = (size_t)h * w;
		uint8_t *m = calloc(npix, 1), *col = malloc(npix), *again = calloc(npix, 1);
		uint8_t *rows = malloc(npix);
		int kind = t % 4;

		for (size_t i = 0; i < npix; i++) {
			/* blocky masks make long runs that wrap between columns */
			if (kind == 0)
				m[i] = (uint8_t)rng_below(&rng, 47);
			else if (kind == 1)
				m[i] = (uint8_t)(i / 7 % 47);
			else if (kind == 2)
				m[i] = 46;
			else
				m[i] = 0;
		}
		transpose_to_colmajor(m, col, h, w);
		rle_encode_labels(col, npix, lab);
		for (int v = 1; v < 256; v++) {
			char *s = malloc(rle_format_size(&lab[v]));
			size_t len = rle_format(&lab[v], s);

			CHECK(rle_parse(&back, s, len, npix, &e) == 0);
			CHECK_EQ_INT(back.n, lab[v].n);
			for (size_t k = 1; k < lab[v].n; k++)	/* canonical */
				CHECK(lab[v].runs[k].start >
				    lab[v].runs[k - 1].start + lab[v].runs[k - 1].len);
			rle_paint(&back, again, (uint8_t)v);
			free(s);
		}
		transpose_to_rowmajor(again, rows, h, w);
		CHECK(memcmp(rows, m, npix) == 0);
		free(m);
		free(col);
		free(again);
		free(rows);
	}
	for (int v = 0; v < 256; v++)
		rle_free(&lab[v]);
	rle_free(&back);
}

static void
test_intersection(void)
{
	Rle a, b;
	Err e;

	rle_init(&a);
	rle_init(&b);
	CHECK(parse(&a, "1 10 21 5", 100, &e) == 0);
	CHECK(parse(&b, "5 20 30 1", 100, &e) == 0);
	/* [0,10)&[4,24) = 6; [20,25)&[4,24) = 4; [29,30) none */
	CHECK_EQ_INT(rle_intersection(&a, &b), 10);
	CHECK_EQ_INT(rle_intersection(&b, &a), 10);
	CHECK_EQ_INT(rle_intersection(&a, &a), rle_area(&a));
	rle_free(&a);
	rle_free(&b);
}

/* A 4x4 mask (column-major indices) with a diagonal pair:
 *   x: 0 1 2 3
 *   y0 A . . .
 *   y1 . A . B
 *   y2 . . . B
 *   y3 A A . .   -> A parts touch only diagonally. */
static void
test_components(void)
{
	Components c;
	Rle r, k;
	Err e;
	size_t n;

	rle_init(&r);
	/* pixels: (0,0)=1, (0,3)=4, (1,1)=6, (1,3)=8, (3,1)=14, (3,2)=15 */
	CHECK(parse(&r, "1 1 4 1 6 1 8 1 14 2", 16, &e) == 0);
	n = rle_components(&r, 4, 4, &c);
	CHECK_EQ_INT(n, 4);	/* (0,0); (0,3)+(1,3); (1,1); (3,1..2) */
	CHECK_EQ_INT(c.n, 4);
	components_free(&c);
	n = rle_components(&r, 4, 8, &c);
	CHECK_EQ_INT(n, 3);	/* (0,0)-(1,1) diagonal joins; (0,3),(1,3); B */
	if (n == 3) {
		for (size_t i = 0; i < 3; i++) {
			k = components_at(&c, i);
			CHECK_EQ_INT(rle_area(&k), 2);
		}
		k = components_at(&c, 0);
		CHECK_EQ_INT(k.runs[0].start, 0);
		CHECK_EQ_INT(k.runs[1].start, 5);
	}
	components_free(&c);
	/* a run wrapping from the bottom of column 0 into column 1:
	 * (0,2) (0,3) (1,0) (1,1): two pieces 4-connected, one 8-connected
	 * ((0,2) touches (1,1)), and that one comes back as one run */
	CHECK(parse(&r, "3 4", 16, &e) == 0);
	n = rle_components(&r, 4, 4, &c);
	CHECK_EQ_INT(n, 2);
	components_free(&c);
	n = rle_components(&r, 4, 8, &c);
	CHECK_EQ_INT(n, 1);
	k = components_at(&c, 0);
	CHECK_EQ_INT(k.n, 1);
	CHECK_EQ_INT(k.runs[0].len, 4);
	components_free(&c);
	/* an empty mask has none */
	rle_free(&r);
	rle_init(&r);
	CHECK_EQ_INT(rle_components(&r, 4, 4, &c), 0);
	components_free(&c);
	rle_free(&r);
}

int
main(void)
{
	TEST(test_parse_ok);
	TEST(test_parse_refusals);
	TEST(test_random_roundtrip);
	TEST(test_intersection);
	TEST(test_components);
	return tap_done();
}
