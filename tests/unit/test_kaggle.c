/* Unit tests of kaggle.c: matching at the thresholds, and the score of
 * small CSV files worked out by hand. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kaggle.h"
#include "tap.h"

static Rle
runs(uint32_t start, uint32_t len)
{
	Rle r;

	rle_init(&r);
	rle_push(&r, start, len);
	return r;
}

static void
free_all(Rle *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		rle_free(&r[i]);
}

/* Two true objects of one class, one prediction at IoU exactly 0.7: a
 * hit at 0.50-0.65 (TP 1, FN 1), none from 0.70 on (IoU > t is strict). */
static void
test_hit_at_point_seven(void)
{
	Rle t[2] = { runs(0, 10), runs(50, 10) }, p[1] = { runs(0, 7) };
	int tp[KAGGLE_THRESHOLDS];

	kaggle_match(t, 2, p, 1, tp);
	for (int k = 0; k < KAGGLE_THRESHOLDS; k++)
		CHECK_EQ_INT(tp[k], k < 4);
	CHECK_NEAR(kaggle_class_score(t, 2, p, 1), 0.2, 1e-15);
	free_all(t, 2);
	free_all(p, 1);
}

/* Two predictions of one object: the better one is matched, the other
 * is a false positive. */
static void
test_greedy_one_to_one(void)
{
	Rle t[1] = { runs(0, 10) }, p[2] = { runs(0, 8), runs(0, 9) };
	int tp[KAGGLE_THRESHOLDS];

	kaggle_match(t, 1, p, 2, tp);
	for (int k = 0; k < KAGGLE_THRESHOLDS; k++)
		CHECK_EQ_INT(tp[k], k < 8);
	CHECK_NEAR(kaggle_class_score(t, 1, p, 2), 0.4, 1e-15);
	free_all(t, 1);
	free_all(p, 2);
}

static void
test_self_empty_symmetric(void)
{
	Rle a[3] = { runs(0, 10), runs(20, 5), runs(40, 30) };
	Rle b[2] = { runs(2, 10), runs(38, 30) };

	CHECK_NEAR(kaggle_class_score(a, 3, a, 3), 1, 0);
	CHECK_NEAR(kaggle_class_score(a, 3, NULL, 0), 0, 0);
	CHECK_NEAR(kaggle_class_score(NULL, 0, a, 3), 0, 0);
	CHECK_NEAR(kaggle_class_score(NULL, 0, NULL, 0), 1, 0);
	CHECK_NEAR(kaggle_class_score(a, 3, b, 2), kaggle_class_score(b, 2, a, 3),
	    0);
	free_all(a, 3);
	free_all(b, 2);
}

struct warnings {
	int n;
	char text[4096];
};

static void
collect(void *arg, const char *msg)
{
	struct warnings *w = arg;
	size_t len = strlen(w->text);

	w->n++;
	snprintf(w->text + len, sizeof w->text - len, "%s\n", msg);
}

static int
score(const char *truth, const char *sub, KaggleOptions *o, KaggleResult *r,
    struct warnings *w, Err *e)
{
	FILE *tf = fmemopen((void *)truth, strlen(truth), "r");
	FILE *sf = fmemopen((void *)sub, strlen(sub), "r");
	int rc;

	memset(w, 0, sizeof *w);
	o->ncat = 46;
	o->warn = collect;
	o->warn_arg = w;
	rc = kaggle_score(tf, "truth.csv", sf, "sub.csv", o, r, e);
	fclose(tf);
	fclose(sf);
	return rc;
}

/* Rows of image a are not consecutive; c has no prediction; z is not in
 * the truth. a: 0.2 (the case above); b: 1 by category, 0 and 0 by whole
 * ClassId; c: nothing true, nothing predicted: 1. */
static const char TRUTH[] =
    "ImageId,EncodedPixels,Height,Width,ClassId\n"
    "a.jpg,1 10,10,10,3\n"
    "b.jpg,1 5,10,10,4_1\n"
    "a.jpg,51 10,10,10,3\n"
    "c.jpg,,10,10,0\n";
static const char SUB[] =
    "ImageId,EncodedPixels,ClassId\n"
    "a.jpg,1 7,3\n"
    "z.jpg,1 3,1\n"
    "b.jpg,1 5,4_2\n";

static void
test_score_by_category(void)
{
	KaggleOptions o = { 0 };
	KaggleResult r;
	struct warnings w;
	Err e;

	CHECK(score(TRUTH, SUB, &o, &r, &w, &e) == 0);
	CHECK_EQ_INT(r.images, 3);
	CHECK_NEAR(r.score, (0.2 + 1 + 1) / 3, 1e-15);
	CHECK_EQ_INT(r.cat_n[3], 1);
	CHECK_NEAR(r.cat_sum[3], 0.2, 1e-15);
	CHECK_EQ_INT(r.cat_n[4], 1);
	CHECK_NEAR(r.cat_sum[4], 1, 0);
	CHECK_EQ_INT(r.cat_n[0], 0);
	CHECK_EQ_INT(r.missing, 1);
	CHECK_EQ_INT(r.extra, 1);
	CHECK_EQ_INT(r.bad_rows, 0);
	CHECK_EQ_INT(w.n, 2);
	CHECK(strstr(w.text, "sub.csv:3: image z is not in truth.csv") != NULL);
	CHECK(strstr(w.text, "truth.csv:5: image c has no rows in sub.csv") != NULL);
	kaggle_result_free(&r);
}

static void
test_score_by_class_id(void)
{
	KaggleOptions o = { .match_attributes = 1 };
	KaggleResult r;
	struct warnings w;
	Err e;

	CHECK(score(TRUTH, SUB, &o, &r, &w, &e) == 0);
	CHECK_NEAR(r.score, (0.2 + 0 + 1) / 3, 1e-15);
	CHECK_EQ_INT(r.cat_n[4], 2);
	CHECK_NEAR(r.cat_sum[4], 0, 0);
	kaggle_result_free(&r);
}

static void
test_strict(void)
{
	KaggleOptions o = { .strict = 1 };
	KaggleResult r;
	struct warnings w;
	Err e;

	CHECK(score(TRUTH, SUB, &o, &r, &w, &e) < 0);
	CHECK(strstr(e.msg, "sub.csv:3: image z is not in truth.csv") != NULL);
	kaggle_result_free(&r);
}

static void
test_bad_rows(void)
{
	static const char truth[] =
	    "ImageId,EncodedPixels,Height,Width,ClassId\n"
	    "a.jpg,1 10,10,10,3\n"
	    "a.jpg,81 2,10,12,3\n"
	    "a.jpg,1 2 1 2,10,10,3\n";
	static const char sub[] =
	    "ImageId,EncodedPixels,Height,Width,ClassId\n"
	    "a.jpg,99 5,10,10,3\n"
	    "a.jpg,1 5,10,11,3\n"
	    "a.jpg,1 10,10,10,3\n";
	static const char nosize[] =
	    "ImageId,EncodedPixels,ClassId\n"
	    "a.jpg,99 5,3\n"
	    "a.jpg,1 10,3\n";
	KaggleOptions o = { 0 };
	KaggleResult r;
	struct warnings w;
	Err e;

	CHECK(score(truth, sub, &o, &r, &w, &e) == 0);
	CHECK_EQ_INT(r.bad_rows, 4);
	CHECK_EQ_INT(w.n, 4);
	CHECK(strstr(w.text, "truth.csv:3: Height x Width 10x12 differs from "
	    "10x10 on line 2") != NULL);
	CHECK(strstr(w.text, "truth.csv:4: ") != NULL);
	CHECK(strstr(w.text, "sub.csv:2: ") != NULL);
	CHECK(strstr(w.text, "sub.csv:3: Height x Width 10x11 differs") != NULL);
	CHECK_NEAR(r.score, 1, 0);
	kaggle_result_free(&r);
	CHECK(score(truth, nosize, &o, &r, &w, &e) == 0);
	CHECK_EQ_INT(r.bad_rows, 3);
	CHECK(strstr(w.text, "sub.csv:2: runs past the 10x10 pixels of image "
	    "a") != NULL);
	CHECK_NEAR(r.score, 1, 0);
	kaggle_result_free(&r);
}

int
main(void)
{
	TEST(test_hit_at_point_seven);
	TEST(test_greedy_one_to_one);
	TEST(test_self_empty_symmetric);
	TEST(test_score_by_category);
	TEST(test_score_by_class_id);
	TEST(test_strict);
	TEST(test_bad_rows);
	return tap_done();
}
