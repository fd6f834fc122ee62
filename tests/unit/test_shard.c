/* Unit tests of image.c geometry, shard.c keys and index, pmap.c order
 * and pairs.c: the parts of mkshards that need no photos. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "image.h"
#include "pairs.h"
#include "pmap.h"
#include "shard.h"
#include "tar.h"
#include "tap.h"

static void
test_nearest(void)
{
	uint8_t src[6 * 4], dst[3 * 5];

	for (int i = 0; i < 24; i++)
		src[i] = (uint8_t)i;
	/* 6x4 -> 3x2 rows 1, 3, 5 and columns 1, 3 */
	mask_resize_nearest(src, 6, 4, dst, 3, 2, 5);
	CHECK_EQ_INT(dst[0], 1 * 4 + 1);
	CHECK_EQ_INT(dst[1], 1 * 4 + 3);
	CHECK_EQ_INT(dst[5], 3 * 4 + 1);
	CHECK_EQ_INT(dst[11], 5 * 4 + 3);
	/* Upsizing 1x1 fills everything with the one label. */
	memset(dst, 0, sizeof dst);
	mask_resize_nearest(src + 7, 1, 1, dst, 3, 5, 5);
	for (int i = 0; i < 15; i++)
		CHECK_EQ_INT(dst[i], 7);
}

static void
test_letterbox(void)
{
	int nh, nw, top, left;

	letterbox_fit(48, 64, 512, &nh, &nw, &top, &left);
	CHECK(nh == 384 && nw == 512 && top == 64 && left == 0);
	letterbox_fit(100, 30, 512, &nh, &nw, &top, &left);
	CHECK(nh == 512 && nw == 154 && top == 0 && left == 179);
	letterbox_fit(10000, 1, 16, &nh, &nw, &top, &left);
	CHECK(nh == 16 && nw == 1 && left == 7);
	letterbox_fit(7, 7, 16, &nh, &nw, &top, &left);
	CHECK(nh == 16 && nw == 16 && top == 0 && left == 0);
}

/* The way back from a letterboxed square, worked out by hand: a 6x12
 * photo in an 8x8 square fills rows 2-5 (letterbox_fit: 4x8 at top 2);
 * output row y reads window row floor((2y+1) 4 / 12), column x window
 * column floor((2x+1) 8 / 24). The padding (255 here) never shows. */
static void
test_from_square(void)
{
	static const int ry[6] = { 0, 1, 1, 2, 3, 3 };
	static const int cx[12] = { 0, 1, 1, 2, 3, 3, 4, 5, 5, 6, 7, 7 };
	uint8_t lab[64], dst[72], tall[72], ref[72];
	int bad = 0;

	for (int y = 0; y < 8; y++)
		for (int x = 0; x < 8; x++)
			lab[y * 8 + x] = y < 2 || y > 5 ? 255 :
			    (uint8_t)(10 * y + x);
	mask_from_square(lab, 8, 1, 6, 12, dst);
	for (int y = 0; y < 6; y++)
		for (int x = 0; x < 12; x++)
			bad += dst[y * 12 + x] != 10 * (2 + ry[y]) + cx[x];
	CHECK_EQ_INT(bad, 0);
	/* 12x6 (portrait): the window is columns 2-5, all rows */
	for (int y = 0; y < 8; y++)
		for (int x = 0; x < 8; x++)
			lab[y * 8 + x] = x < 2 || x > 5 ? 255 :
			    (uint8_t)(10 * y + x);
	mask_from_square(lab, 8, 1, 12, 6, tall);
	bad = 0;
	for (int y = 0; y < 12; y++)
		for (int x = 0; x < 6; x++)
			bad += tall[y * 6 + x] != 10 * cx[y] + 2 + ry[x];
	CHECK_EQ_INT(bad, 0);
	/* stretched: the whole square, as mask_resize_nearest */
	mask_from_square(lab, 8, 0, 6, 12, dst);
	mask_resize_nearest(lab, 8, 8, ref, 6, 12, 12);
	CHECK(memcmp(dst, ref, 72) == 0);
	CHECK(dst[0] == 255);
}

static void
test_keys(void)
{
	char key[SHARD_KEY_MAX + 1], name[200];
	Err e;

	CHECK(shard_key("a/b/00abc_9-Z.jpg", key, &e) == 0);
	CHECK(strcmp(key, "00abc_9-Z") == 0);
	CHECK(shard_key("noext", key, &e) == 0 && strcmp(key, "noext") == 0);
	CHECK(shard_key("x/a.b.jpg", key, &e) < 0);
	CHECK(strstr(e.msg, "not a safe shard key") != NULL);
	CHECK(shard_key("x/.jpg", key, &e) < 0);
	CHECK(shard_key("x/a b.png", key, &e) < 0);
	memset(name, 'k', 94);
	strcpy(name + 94, ".jpg");
	CHECK(shard_key(name, key, &e) == 0);
	memset(name, 'k', 95);
	strcpy(name + 95, ".jpg");
	CHECK(shard_key(name, key, &e) < 0);
}

/* An index must refuse members out of order and sizes that differ. */
static void
test_index_order(void)
{
	char *buf;
	size_t len;
	FILE *fp = open_memstream(&buf, &len);
	Sample s = { .height = 3, .width = 4 };
	uint8_t *rgb, *lab;
	ShardEntry *ent;
	size_t n;
	int size;
	Err e;

	sample_init(&s, "k1", 4, &rgb, &lab);
	memset(rgb, 9, 48);
	memset(lab, 1, 16);
	sample_seal(&s);
	tar_write_member(fp, "k1.pgm", s.pgm, s.pgm_len, &e);
	tar_write_member(fp, "k1.ppm", s.ppm, s.ppm_len, &e);
	tar_write_end(fp, &e);
	fclose(fp);
	CHECK(shard_index("t.tar", (uint8_t *)buf, len, &ent, &n, &size, &e) < 0);
	CHECK(strstr(e.msg, "t.tar: sample 0: k1.pgm: expected KEY.ppm") != NULL);
	free(buf);

	fp = open_memstream(&buf, &len);
	shard_write_sample(fp, &s, &e);
	tar_write_end(fp, &e);
	fclose(fp);
	CHECK(shard_index("t.tar", (uint8_t *)buf, len, &ent, &n, &size, &e) == 0);
	CHECK(n == 1 && size == 4 && ent[0].height == 3 && ent[0].width == 4);
	CHECK(ent[0].rgb[0] == 9 && ent[0].labels[15] == 1);
	CHECK(shard_entry_verify(&ent[0], &e) == 0);
	free(ent);
	free(buf);
	sample_free(&s);
}

static void
work_sq(uint64_t i, void *slot, void *arg)
{
	(void)arg;
	*(size_t *)slot = i * i;
}

static int
done_sq(uint64_t i, void *slot, void *arg)
{
	size_t *next = arg;

	CHECK_EQ_INT(i, *next);
	CHECK_EQ_INT(*(size_t *)slot, i * i);
	(*next)++;
	return i == 900 ? -1 : 0;
}

static void
test_pmap_order(void)
{
	size_t next = 0;
	Err e;

	CHECK(pmap_ordered(500, 3, sizeof(size_t), work_sq, done_sq, &next,
	    &e) == 0);
	CHECK_EQ_INT(next, 500);
	next = 0;
	CHECK(pmap_ordered(2000, 2, sizeof(size_t), work_sq, done_sq, &next,
	    &e) == -1);
	CHECK_EQ_INT(next, 901);
	next = 0;
	CHECK(pmap_ordered(7, 1, sizeof(size_t), work_sq, done_sq, &next,
	    &e) == 0);
	CHECK_EQ_INT(next, 7);
}

/* The streaming form: items come back in order whatever the threads,
 * the window bounds what is in flight, a taken slot stays put until the
 * next call, and a drain forgets the rest. */
static void
add_ten(uint64_t i, void *slot, void *arg)
{
	int *v = slot;

	(void)arg;
	if (i % 7 == 0)
		nanosleep(&(struct timespec){ 0, 200000 }, NULL);
	v[1] = v[0] + 10;
}

static void
test_pmap_stream(void)
{
	for (int threads = 0; threads <= 3; threads++) {
		Err e;
		Pmap *p = pmap_new(threads, 4, 2 * sizeof(int), add_ten, NULL, &e);
		uint64_t item, expect = 0;
		int *v, bad = 0, full = 0;

		for (int k = 0; k < 100; k++) {
			while ((v = pmap_slot(p)) == NULL) {
				full++;
				v = pmap_take(p, &item);
				bad += item != expect || v[1] != (int)item * 3 + 10;
				expect++;
			}
			v[0] = k * 3;
			pmap_push(p);
			bad += pmap_pending(p) > 4;
		}
		while ((v = pmap_take(p, &item)) != NULL) {
			bad += item != expect || v[1] != (int)item * 3 + 10;
			expect++;
		}
		CHECK_EQ_INT(bad, 0);
		CHECK_EQ_INT(expect, 100);
		CHECK(full > 0);
		/* pushed and drained unread: nothing comes back */
		for (int k = 0; k < 3; k++) {
			v = pmap_slot(p);
			v[0] = k;
			pmap_push(p);
		}
		pmap_drain(p);
		CHECK(pmap_pending(p) == 0 && pmap_take(p, &item) == NULL);
		pmap_free(p);
	}
}

static void
test_pairs(void)
{
	const char *text = "a/x.jpg\tm/x.png\n\nb/y.jpg\tm/y.png\r\n"
	    "no tab\nc/x.jpg\tm/x2.png\na\tb\tc\n";
	FILE *fp = fmemopen((void *)text, strlen(text), "r");
	PairList pl = { 0 };
	Err e;

	CHECK(pairs_read_list(&pl, fp, "l", &e) == 0);
	fclose(fp);
	pairs_check_keys(&pl);
	CHECK_EQ_INT(pl.n, 5);
	CHECK(pl.v[0].error == NULL && strcmp(pl.v[0].where, "l:1") == 0);
	CHECK(pl.v[1].error == NULL && strcmp(pl.v[1].mask, "m/y.png") == 0);
	CHECK(strcmp(pl.v[1].where, "l:3") == 0);
	CHECK(pl.v[2].error && strcmp(pl.v[2].error, "expected IMAGE<TAB>MASK") == 0);
	CHECK(pl.v[3].error && strstr(pl.v[3].error, "duplicate key 'x' (first at l:1)"));
	CHECK(pl.v[4].error != NULL);
	pairs_free(&pl);
}

int
main(void)
{
	TEST(test_nearest);
	TEST(test_letterbox);
	TEST(test_from_square);
	TEST(test_keys);
	TEST(test_index_order);
	TEST(test_pmap_order);
	TEST(test_pmap_stream);
	TEST(test_pairs);
	return tap_done();
}
