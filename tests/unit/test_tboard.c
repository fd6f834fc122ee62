/* Unit tests of tboard.c: the framing and the first record byte for byte,
 * a second file in the same directory, the records of an epoch and of a
 * preview (under the sanitizers too). tests/ref/tfevents.py decodes the
 * messages independently in tests/unet-train.bats. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "maskio.h"
#include "tap.h"
#include "tboard.h"

static char dir[] = "/tmp/imatseg-tboard-XXXXXX";

static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf = malloc(1 << 20);

	*len = fp ? fread(buf, 1, 1 << 20, fp) : 0;
	if (fp)
		fclose(fp);
	return buf;
}

static uint64_t
le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint32_t
masked(const void *p, size_t n)
{
	uint32_t c = hash_crc32c(p, n);

	return ((c >> 15) | (c << 17)) + 0xa282ead8u;
}

/* Walks the records of buf: their count, or -1 at a bad CRC or length. */
static int
count_records(const uint8_t *buf, size_t len)
{
	size_t at = 0;
	int n = 0;

	while (at < len) {
		uint64_t k;

		if (len - at < 12 || le(buf + at + 8, 4) != masked(buf + at, 8))
			return -1;
		k = le(buf + at, 8);
		if (len - at - 12 < k + 4 ||
		    le(buf + at + 12 + k, 4) != masked(buf + at + 12, k))
			return -1;
		at += 16 + k;
		n++;
	}
	return n;
}

/* Does buf hold the bytes of s? */
static int
contains(const uint8_t *buf, size_t len, const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(buf + i, s, n) == 0)
			return 1;
	return 0;
}

/* Event { wall_time: fixed64 1; step: varint 2 = 0; file_version 3 } */
static void
test_first_record(void)
{
	static const uint8_t version[] = "\x10\x00\x1a\x0d" "brain.Event:2";
	TbWriter *w;
	uint8_t *buf;
	size_t len;
	double t;
	Err e;

	CHECK((w = tb_open(dir, &e)) != NULL);
	if (w == NULL)
		return;
	CHECK(strncmp(tb_path(w) + strlen(dir),
	    "/events.out.tfevents.", 21) == 0);
	buf = slurp(tb_path(w), &len);
	CHECK_EQ_INT(len, 12 + 26 + 4);
	CHECK_EQ_INT(le(buf, 8), 26);
	CHECK(buf[12] == 0x09);		/* field 1, fixed64 */
	memcpy(&t, buf + 13, 8);
	CHECK(t > 1.7e9 && t < 1e10);
	CHECK(memcmp(buf + 21, version, 17) == 0);
	CHECK_EQ_INT(count_records(buf, len), 1);
	free(buf);
	CHECK(tb_close(w, &e) == 0);
}

/* Two writers on one directory never share a file. */
static void
test_second_file(void)
{
	TbWriter *a, *b;
	Err e;

	CHECK((a = tb_open(dir, &e)) != NULL);
	CHECK((b = tb_open(dir, &e)) != NULL);
	if (a != NULL && b != NULL)
		CHECK(strcmp(tb_path(a), tb_path(b)) != 0);
	if (a != NULL)
		CHECK(tb_close(a, &e) == 0);
	if (b != NULL)
		CHECK(tb_close(b, &e) == 0);
}

static void
test_epoch_and_preview(void)
{
	double iou[3] = { 0.5, NAN, 0.25 };
	EpochRow row = { .epoch = 1, .step = 7, .train_loss = 1.5,
	    .train_acc = 0.5, .val_loss = NAN, .val_miou = 0.25, .lr = 1e-3,
	    .ips = 10, .classes = 3, .iou = iou };
	enum { S = 8 };
	uint8_t rgb[2][S * S * 3], truth[2][S * S], pred[2][S * S];
	Preview p = { .n = 2, .size = S, .rgb = &rgb[0][0],
	    .truth = &truth[0][0], .pred = &pred[0][0] };
	char sub[300];
	TbWriter *w;
	uint8_t *buf;
	size_t len;
	Labels l;
	Err e;

	for (int i = 0; i < 2 * S * S; i++) {
		(&truth[0][0])[i] = (uint8_t)(i % 3);
		(&pred[0][0])[i] = (uint8_t)(i % 5 == 0 ? 255 : i % 2);
	}
	for (int i = 0; i < 2 * S * S * 3; i++)
		(&rgb[0][0])[i] = (uint8_t)i;
	labels_default(&l);
	snprintf(sub, sizeof sub, "%s/a/b", dir);	/* parents made */
	CHECK((w = tb_open(sub, &e)) != NULL);
	if (w == NULL)
		return;
	CHECK(tb_epoch(w, &row, &l, &e) == 0);
	CHECK(tb_preview(w, 7, &p, &e) == 0);
	buf = slurp(tb_path(w), &len);
	CHECK_EQ_INT(count_records(buf, len), 3);
	/* unnamed categories get their id; a NaN is left out */
	CHECK(contains(buf, len, "val/iou/category_1"));
	CHECK(!contains(buf, len, "val/iou/category_0"));
	CHECK(!contains(buf, len, "val/loss"));
	CHECK(contains(buf, len, "val/prediction/1"));
	CHECK(contains(buf, len, "\x89PNG"));
	free(buf);
	CHECK(tb_close(w, &e) == 0);
	labels_free(&l);
}

static void
test_refusals(void)
{
	char file[300];
	FILE *fp;
	Err e;

	snprintf(file, sizeof file, "%s/plain", dir);
	fp = fopen(file, "w");
	if (fp)
		fclose(fp);
	CHECK(tb_open(file, &e) == NULL);
	CHECK(strstr(e.msg, "not a directory") != NULL);
	snprintf(file, sizeof file, "%s/plain/sub", dir);
	CHECK(tb_open(file, &e) == NULL);
	CHECK(strstr(e.msg, "plain: not a directory") != NULL);
}

int
main(int argc, char **argv)
{
	char cmd[300];
	Err e;

	(void)argc;
	if (mkdtemp(dir) == NULL || imaging_init(argv[0], 1, &e) < 0) {
		printf("not ok 1 - setup\n");
		return 1;
	}
	TEST(test_first_record);
	TEST(test_second_file);
	TEST(test_epoch_and_preview);
	TEST(test_refusals);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return tap_done();
}
