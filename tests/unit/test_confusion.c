/* Unit tests of confusion.c: pair counting, the matrix, IoU summaries. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "confusion.h"
#include "rng.h"
#include "tap.h"
#include "xalloc.h"

/* The 4x4 example of miou(1): truth and prediction, row-major. */
static const uint8_t T4[16] = {
	0, 0, 1, 1,
	0, 0, 1, 1,
	2, 2, 0, 0,
	2, 2, 0, 255,
};
static const uint8_t P4[16] = {
	0, 1, 1, 1,
	0, 0, 1, 0,
	2, 0, 0, 0,
	2, 2, 2, 2,
};

static void
add_image(Confusion *c, const uint8_t *t, const uint8_t *p, size_t n)
{
	PairCounts *pc = xmalloc(sizeof *pc);
	Err e;

	pair_counts(pc, t, p, n);
	CHECK(confusion_add(c, pc, &e) == 0);
	free(pc);
}

static void
test_known_matrix(void)
{
	static const uint64_t want[3][3] = { { 5, 1, 1 }, { 1, 3, 0 },
	    { 1, 0, 3 } };
	Confusion c;
	ClassStat s;
	ConfSummary sum;

	confusion_init(&c, 2);
	add_image(&c, T4, P4, 16);
	for (int t = 0; t < 3; t++)
		for (int p = 0; p < 3; p++)
			CHECK_EQ_INT(c.m[t * 3 + p], want[t][p]);
	CHECK_EQ_INT(c.ignored, 1);
	CHECK_EQ_INT(c.images, 1);
	confusion_class(&c, 0, &s);
	CHECK_EQ_INT(s.truth, 7);
	CHECK_EQ_INT(s.pred, 7);
	CHECK_EQ_INT(s.inter, 5);
	CHECK_EQ_INT(s.uni, 9);
	CHECK_NEAR(s.iou, 5.0 / 9, 1e-15);
	confusion_class(&c, 1, &s);
	CHECK_NEAR(s.iou, 0.6, 1e-15);
	confusion_summary(&c, 0, &sum);
	CHECK_EQ_INT(sum.classes, 2);
	CHECK_EQ_INT(sum.scored, 15);
	CHECK_NEAR(sum.mean_iou, 0.6, 1e-15);
	CHECK_NEAR(sum.pixel_acc, 11.0 / 15, 1e-15);
	CHECK_NEAR(sum.fw_iou, 0.6, 1e-15);
	confusion_summary(&c, 1, &sum);
	CHECK_EQ_INT(sum.classes, 3);
	CHECK_NEAR(sum.mean_iou, (5.0 / 9 + 1.2) / 3, 1e-15);
	CHECK_NEAR(sum.fw_iou, (7 * 5.0 / 9 + 4.8) / 15, 1e-15);
	confusion_free(&c);
}

/* Random masks made of stretches, to go through the fast path. */
static void
random_mask(Rng *r, uint8_t *m, size_t n, int maxv)
{
	size_t i = 0;

	while (i < n) {
		size_t len = 1 + rng_below(r, 40);
		uint8_t v = (uint8_t)rng_below(r, (uint64_t)maxv + 1);

		for (; len > 0 && i < n; len--)
			m[i++] = v;
	}
}

static void
test_counts_match_naive(void)
{
	Rng r;
	PairCounts *pc = xmalloc(sizeof *pc);
	uint32_t *naive = xcalloc(65536, sizeof *naive);

	rng_seed(&r, 7);
	for (int round = 0; round < 50; round++) {
		size_t n = rng_below(&r, 3000);
		uint8_t *t = xmalloc(n + 1), *p = xmalloc(n + 1);
		int same = 1;

		random_mask(&r, t, n, 255);
		random_mask(&r, p, n, 255);
		memset(naive, 0, 65536 * sizeof *naive);
		for (size_t i = 0; i < n; i++)
			naive[t[i] * 256 + p[i]]++;
		pair_counts(pc, t, p, n);
		same = memcmp(naive, pc->n, 65536 * sizeof *naive) == 0;
		memset(naive, 0, 65536 * sizeof *naive);
		for (size_t i = 0; i < n; i++)
			naive[t[i] * 256]++;
		pair_counts(pc, t, NULL, n);
		same = same && memcmp(naive, pc->n, 65536 * sizeof *naive) == 0;
		CHECK(same);
		free(t);
		free(p);
	}
	free(pc);
	free(naive);
}

static void
test_self_is_one(void)
{
	Rng r;
	uint8_t m[1000];
	Confusion c;
	ConfSummary s;

	rng_seed(&r, 3);
	random_mask(&r, m, sizeof m, 10);
	confusion_init(&c, 46);
	add_image(&c, m, m, sizeof m);
	confusion_summary(&c, 1, &s);
	CHECK_NEAR(s.mean_iou, 1, 0);
	CHECK_NEAR(s.pixel_acc, 1, 0);
	CHECK_NEAR(s.fw_iou, 1, 0);
	for (int l = 0; l < c.nlab; l++) {
		ClassStat cs;

		confusion_class(&c, l, &cs);
		CHECK(cs.uni == 0 ? isnan(cs.iou) : cs.iou == 1);
	}
	confusion_free(&c);
}

static void
test_symmetric_and_bounded(void)
{
	Rng r;
	uint8_t a[777], b[777];
	Confusion ab, ba;

	rng_seed(&r, 11);
	for (int round = 0; round < 20; round++) {
		random_mask(&r, a, sizeof a, 8);
		random_mask(&r, b, sizeof b, 8);
		confusion_init(&ab, 8);
		confusion_init(&ba, 8);
		add_image(&ab, a, b, sizeof a);
		add_image(&ba, b, a, sizeof a);
		for (int l = 0; l < 9; l++) {
			ClassStat x, y;

			confusion_class(&ab, l, &x);
			confusion_class(&ba, l, &y);
			CHECK(isnan(x.iou) ? isnan(y.iou) : x.iou == y.iou);
			CHECK(isnan(x.iou) || (x.iou >= 0 && x.iou <= 1));
		}
		confusion_free(&ab);
		confusion_free(&ba);
	}
}

static void
test_bad_values(void)
{
	uint8_t t[4] = { 0, 1, 2, 255 }, p[4] = { 0, 1, 2, 0 };
	PairCounts *pc = xmalloc(sizeof *pc);
	Confusion c;
	Err e;

	confusion_init(&c, 1);
	pair_counts(pc, t, p, 4);
	CHECK(confusion_add(&c, pc, &e) < 0);
	CHECK(strstr(e.msg, "truth pixel value 2") != NULL);
	CHECK_EQ_INT(c.images, 0);
	t[2] = 1;
	p[2] = 1;
	p[1] = 9;
	pair_counts(pc, t, p, 4);
	CHECK(confusion_add(&c, pc, &e) < 0);
	CHECK(strstr(e.msg, "prediction pixel value 9") != NULL);
	/* A predicted 255 is no category: counted as background. */
	p[1] = 255;
	pair_counts(pc, t, p, 4);
	CHECK(confusion_add(&c, pc, &e) == 0);
	CHECK_EQ_INT(c.m[1 * 2 + 0], 1);
	CHECK_EQ_INT(c.m[1 * 2 + 1], 1);
	CHECK_EQ_INT(c.ignored, 1);
	confusion_free(&c);
	free(pc);
}

static void
test_merge_and_empty(void)
{
	Confusion a, b;
	ConfSummary s;

	confusion_init(&a, 2);
	confusion_init(&b, 2);
	confusion_summary(&a, 0, &s);
	CHECK(isnan(s.mean_iou) && isnan(s.pixel_acc) && isnan(s.fw_iou));
	add_image(&a, T4, P4, 8);
	add_image(&b, T4 + 8, P4 + 8, 8);
	confusion_merge(&a, &b);
	confusion_free(&b);
	confusion_init(&b, 2);
	add_image(&b, T4, P4, 16);
	CHECK(memcmp(a.m, b.m, 9 * sizeof *a.m) == 0);
	CHECK_EQ_INT(a.ignored, b.ignored);
	CHECK_EQ_INT(a.images, 2);
	confusion_free(&a);
	confusion_free(&b);
}

int
main(void)
{
	TEST(test_known_matrix);
	TEST(test_counts_match_naive);
	TEST(test_self_is_one);
	TEST(test_symmetric_and_bounded);
	TEST(test_bad_values);
	TEST(test_merge_and_empty);
	return tap_done();
}
