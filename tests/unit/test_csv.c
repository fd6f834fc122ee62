/* Unit tests of csvread.c, trainrows.c, strmap.c and render.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csvread.h"
#include "labels.h"
#include "render.h"
#include "strmap.h"
#include "trainrows.h"
#include "tap.h"

static FILE *
text(const char *s)
{
	FILE *fp = tmpfile();

	fputs(s, fp);
	rewind(fp);
	return fp;
}

static void
test_csv_lines_and_quotes(void)
{
	FILE *fp = text("a,b\n\n1,\"x,y\"\r\n2,\"multi\nline\"\n3,z");
	CsvReader *r = csv_open(fp, "t.csv", NULL);
	const CsvRow *row;
	Err e;

	CHECK(csv_next(r, &row, &e) == 1 && row->n == 2 && row->line == 1);
	CHECK(csv_next(r, &row, &e) == 1 && row->line == 3);
	CHECK(strcmp(row->field[1], "x,y") == 0 && row->len[1] == 3);
	CHECK(csv_next(r, &row, &e) == 1 && row->line == 4);
	CHECK(strcmp(row->field[1], "multi\nline") == 0);
	CHECK(csv_next(r, &row, &e) == 1 && row->line == 6);	/* no final newline */
	CHECK(strcmp(row->field[1], "z") == 0);
	CHECK(csv_next(r, &row, &e) == 0);
	csv_close(r);
	fclose(fp);
}

static void
test_csv_long_field(void)
{
	size_t n = 300000;
	char *big = malloc(n + 16);
	FILE *fp;
	CsvReader *r;
	const CsvRow *row;
	Err e;

	memset(big, '7', n);
	strcpy(big + n, ",end\n");
	fp = text(big);
	r = csv_open(fp, "big.csv", NULL);
	CHECK(csv_next(r, &row, &e) == 1);
	CHECK(row->len[0] == n && row->field[0][n - 1] == '7');
	CHECK(strcmp(row->field[1], "end") == 0);
	csv_close(r);
	fclose(fp);
	free(big);
}

static void
test_csv_bad_quote(void)
{
	FILE *fp = text("a,b\n1,\"open\n");
	CsvReader *r = csv_open(fp, "q.csv", NULL);
	const CsvRow *row;
	Err e;

	CHECK(csv_next(r, &row, &e) == 1);
	CHECK(csv_next(r, &row, &e) == -1);
	CHECK(strstr(e.msg, "q.csv:2: unterminated quoted field") != NULL);
	csv_close(r);
	fclose(fp);
}

static void
test_csv_stray_quote(void)
{
	FILE *fp = text("a,b\n1,x\"y\n");
	CsvReader *r = csv_open(fp, "s.csv", NULL);
	const CsvRow *row;
	Err e;

	CHECK(csv_next(r, &row, &e) == 1);
	CHECK(csv_next(r, &row, &e) == -1);
	CHECK(strstr(e.msg, "s.csv:2: malformed CSV") != NULL);
	csv_close(r);
	fclose(fp);
}

/* label_descriptions.json: names by id, and the refusals. */
static void
test_labels(void)
{
	static const char *const bad[][2] = {
		{ "{\"categories\": [{\"id\": 0, \"name\": \"a\"}, {\"id\": 0, "
		  "\"name\": \"b\"}], \"attributes\": []}", "id 0 appears twice" },
		{ "{\"categories\": [{\"id\": 1, \"name\": \"a\"}], "
		  "\"attributes\": []}", "0 is missing" },
		{ "{\"categories\": [{\"id\": -1, \"name\": \"a\"}], "
		  "\"attributes\": []}", "needs an \"id\"" },
		{ "{\"attributes\": []}", "no \"categories\" list" },
		{ "{\"categories\": [", ":1: " },
	};
	char path[] = "/tmp/imatseg-labels-XXXXXX";
	Labels l;
	Err e;
	int fd = mkstemp(path);
	FILE *fp;

	CHECK(fd >= 0);
	close(fd);
	fp = fopen(path, "w");
	fputs("{\"categories\": [{\"id\": 1, \"name\": \"pants\"}, {\"id\": 0, "
	    "\"name\": \"shirt\"}], \"attributes\": [{\"id\": 3, \"name\": "
	    "\"mini\"}]}", fp);
	fclose(fp);
	CHECK(labels_load(&l, path, &e) == 0);
	CHECK(l.ncat == 2 && strcmp(labels_category(&l, 1), "pants") == 0);
	CHECK(strcmp(labels_attribute(&l, 3), "mini") == 0);
	CHECK(strcmp(labels_attribute(&l, 2), "") == 0);
	CHECK(strcmp(labels_category(&l, 9), "") == 0);
	labels_free(&l);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		fp = fopen(path, "w");
		fputs(bad[i][0], fp);
		fclose(fp);
		e.msg[0] = '\0';
		if (labels_load(&l, path, &e) == 0 || strstr(e.msg, bad[i][1]) == NULL) {
			printf("#   case %zu: got '%s'\n", i, e.msg);
			tap_cur_failed = 1;
		}
	}
	unlink(path);
}

static int
next_status(TrainReader *tr, const TrainRow **row, Err *e)
{
	e->msg[0] = '\0';
	return train_next(tr, row, e);
}

static void
test_train_layouts(void)
{
	TrainOptions o = { .ncat = 46, .max_pixels = 1000000, .need_size = 1,
	    .parse_rle = 1 };
	FILE *fp = text("ImageId,EncodedPixels,Height,Width,ClassId\n"
	    "a.jpg,1 2,4,4,10_3_14\n"
	    "a.jpg,1 2,4,4,46\n"
	    "a.jpg,1 2,4,4,10__3\n"
	    "b/c.jpg,1 2,4,4,1\n"
	    "d.jpg,1 2,0,4,1\n"
	    "d.jpg,1 2,100000,100000,1\n"
	    "d.jpg,1 2,4\n");
	TrainReader *tr = train_open(fp, "t.csv", &o, NULL);
	const TrainRow *row;
	Err e;

	CHECK(tr != NULL && !train_is_2020(tr));
	CHECK(next_status(tr, &row, &e) == 1);
	CHECK(row->category == 10 && row->nattrs == 2 && row->attrs[1] == 14);
	CHECK(row->stem_len == 1 && row->height == 4 && row->rle.n == 1);
	CHECK(next_status(tr, &row, &e) == 2);
	CHECK(strstr(e.msg, "t.csv:3: unknown category 46") != NULL);
	CHECK(next_status(tr, &row, &e) == 2);
	CHECK(strstr(e.msg, "t.csv:4: malformed ClassId '10__3'") != NULL);
	CHECK(next_status(tr, &row, &e) == 2);
	CHECK(strstr(e.msg, "cannot name a file") != NULL);
	CHECK(next_status(tr, &row, &e) == 2);
	CHECK(strstr(e.msg, "Height") != NULL);
	CHECK(next_status(tr, &row, &e) == 2);
	CHECK(strstr(e.msg, "more than 1000000 pixels") != NULL);
	CHECK(next_status(tr, &row, &e) == 2);
	CHECK(strstr(e.msg, "t.csv:8: 3 fields, the header has 5") != NULL);
	CHECK(next_status(tr, &row, &e) == 0);
	train_close(tr);
	fclose(fp);

	fp = text("ImageId,EncodedPixels,Height,Width,ClassId,AttributesIds\n"
	    "abc,1 2,4,4,10,\"115,136\"\n"
	    "abc,1 2,4,4,10,\n"
	    "abc,1 2,4,4,10_3,\n");
	tr = train_open(fp, "t20.csv", &o, NULL);
	CHECK(tr != NULL && train_is_2020(tr));
	CHECK(next_status(tr, &row, &e) == 1);
	CHECK(row->nattrs == 2 && row->attrs[0] == 115 && row->stem_len == 3);
	CHECK(next_status(tr, &row, &e) == 1 && row->nattrs == 0);
	CHECK(next_status(tr, &row, &e) == 2);
	train_close(tr);
	fclose(fp);
}

static void
test_train_header(void)
{
	TrainOptions o = { .ncat = 46, .max_pixels = 1000, .need_size = 1 };
	FILE *fp = text("ImageId,EncodedPixels,ClassId\nx,1 1,3\n");
	Err e;

	CHECK(train_open(fp, "s.csv", &o, &e) == NULL);
	CHECK(strstr(e.msg, "s.csv:1: the header has no Height column") != NULL);
	rewind(fp);
	o.need_size = 0;
	{
		TrainReader *tr = train_open(fp, "s.csv", &o, &e);

		CHECK(tr != NULL && !train_has_size(tr));
		train_close(tr);
	}
	fclose(fp);
	fp = text("");
	CHECK(train_open(fp, "empty.csv", &o, &e) == NULL);
	CHECK(strstr(e.msg, "empty.csv: empty file") != NULL);
	fclose(fp);
}

static void
test_strmap(void)
{
	StrMap *m = strmap_new();
	int added;
	char key[32];

	for (int i = 0; i < 5000; i++) {
		snprintf(key, sizeof key, "id%d", i);
		*strmap_put(m, key, strlen(key), &added) = (uint64_t)i * 3;
		CHECK(added);
	}
	CHECK(*strmap_put(m, "id7", 3, &added) == 21 && !added);
	CHECK(strmap_get(m, "id4999", 6) && *strmap_get(m, "id4999", 6) == 14997);
	CHECK(strmap_get(m, "id5000", 6) == NULL);
	CHECK_EQ_INT(strmap_count(m), 5000);
	strmap_free(m);
}

/* 1x4 image: jacket covers all 4 pixels, pocket the 2nd; shirt (row 3)
 * the last two. */
static void
test_overlap_rules(void)
{
	ImageMasks m;
	Rle r;
	uint8_t *px;
	Err e;

	imasks_init(&m, "x", 1, 4, 1);	/* 4 tall, 1 wide: column-major = rows */
	rle_init(&r);
	rle_parse(&r, "2 1", 3, 4, &e);
	imasks_add(&m, &r, 32, 2);	/* pocket, first row */
	rle_parse(&r, "1 4", 3, 4, &e);
	imasks_add(&m, &r, 4, 3);	/* jacket */
	rle_parse(&r, "3 2", 3, 4, &e);
	imasks_add(&m, &r, 0, 4);	/* shirt */
	px = imasks_render(&m, OVERLAP_AREA);	/* big first: jacket, shirt, pocket */
	CHECK(px[0] == 5 && px[1] == 33 && px[2] == 1 && px[3] == 1);
	free(px);
	px = imasks_render(&m, OVERLAP_ORDER);	/* last row wins */
	CHECK(px[0] == 5 && px[1] == 5 && px[2] == 1 && px[3] == 1);
	free(px);
	px = imasks_render(&m, OVERLAP_CATEGORY);	/* highest id wins */
	CHECK(px[0] == 5 && px[1] == 33 && px[2] == 5 && px[3] == 5);
	free(px);
	rle_free(&r);
	imasks_free(&m);
}

int
main(void)
{
	TEST(test_csv_lines_and_quotes);
	TEST(test_csv_long_field);
	TEST(test_csv_bad_quote);
	TEST(test_csv_stray_quote);
	TEST(test_labels);
	TEST(test_train_layouts);
	TEST(test_train_header);
	TEST(test_strmap);
	TEST(test_overlap_rules);
	return tap_done();
}
