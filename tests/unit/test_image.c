/* Unit tests of image.c's photos from memory: the same size and the same
 * pixels as from the file, refusals named after the buffer, and a
 * decompression bomb refused from its header. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "image.h"
#include "maskio.h"
#include "tap.h"

static const char *photo = "examples/sample/images/000000009813.jpg";

static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (fp == NULL)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) > 0) {
		rewind(fp);
		buf = malloc((size_t)n);
		*len = fread(buf, 1, (size_t)n, fp);
	}
	fclose(fp);
	return buf;
}

static void
test_same_as_file(void)
{
	size_t len = 0;
	uint8_t *buf = slurp(photo, &len), *a = NULL, *b = NULL;
	int h1, w1, h2, w2;
	Err e;

	CHECK(buf != NULL);
	if (buf == NULL)
		return;
	CHECK(photo_header(photo, MASK_MAX_PIXELS, &h1, &w1, &e) == 0);
	CHECK(photo_header_mem(buf, len, "mem", MASK_MAX_PIXELS, &h2, &w2,
	    &e) == 0);
	CHECK_EQ_INT(h1, h2);
	CHECK_EQ_INT(w1, w2);
	/* at the network's size (shrink on load) and at the photo's own */
	CHECK(photo_load_resized(photo, 64, 64, &a, &e) == 0);
	CHECK(photo_load_resized_mem(buf, len, "mem", 64, 64, &b, &e) == 0);
	CHECK(a != NULL && b != NULL && memcmp(a, b, 64 * 64 * 3) == 0);
	free(a), free(b);
	a = b = NULL;
	CHECK(photo_load_resized(photo, h1, w1, &a, &e) == 0);
	CHECK(photo_load_resized_mem(buf, len, "mem", h1, w1, &b, &e) == 0);
	CHECK(a != NULL && b != NULL &&
	    memcmp(a, b, (size_t)h1 * w1 * 3) == 0);
	free(a), free(b), free(buf);
}

static void
test_refusals(void)
{
	size_t len = 0;
	uint8_t *buf = slurp(photo, &len), *rgb = NULL;
	int h, w;
	Err e;

	CHECK(photo_header_mem("junk", 4, "upload.jpg", MASK_MAX_PIXELS, &h,
	    &w, &e) < 0);
	CHECK(strncmp(e.msg, "upload.jpg: ", 12) == 0);
	CHECK(photo_header_mem("", 0, "upload.jpg", MASK_MAX_PIXELS, &h, &w,
	    &e) < 0);
	CHECK(strcmp(e.msg, "upload.jpg: empty") == 0);
	/* a truncated JPEG has a header but no whole picture */
	CHECK(buf != NULL && len > 2000);
	if (buf == NULL)
		return;
	CHECK(photo_load_resized_mem(buf, 2000, "cut.jpg", 32, 32, &rgb,
	    &e) < 0);
	CHECK(strncmp(e.msg, "cut.jpg: ", 9) == 0);
	CHECK(photo_header_mem(buf, len, "big.jpg", 100, &h, &w, &e) < 0);
	CHECK(strstr(e.msg, "big.jpg: ") != NULL &&
	    strstr(e.msg, "is more than 100 pixels") != NULL);
	free(buf);
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

/* A PNG whose header claims 100000 x 100000 grey pixels (10 GB) and whose
 * data is a few bytes: refused before anything of that size exists. */
static void
test_bomb(void)
{
	uint8_t png[8 + 25 + 12 + 64], z[64];
	uLongf zlen = sizeof z;
	size_t n;
	int h = 0, w = 0;
	Err e;

	memcpy(png, "\x89PNG\r\n\x1a\n", 8);
	put32(png + 8, 13);
	memcpy(png + 12, "IHDR", 4);
	put32(png + 16, 100000);
	put32(png + 20, 100000);
	memcpy(png + 24, "\x08\x00\x00\x00\x00", 5);
	put32(png + 29, (uint32_t)crc32(0, png + 12, 17));
	/* the first row's filter byte and pixels: all zeros */
	CHECK(compress(z, &zlen, (const Bytef *)"\0\0\0\0\0\0\0\0", 8) == Z_OK);
	put32(png + 33, (uint32_t)zlen);
	memcpy(png + 37, "IDAT", 4);
	memcpy(png + 41, z, zlen);
	put32(png + 41 + zlen, (uint32_t)crc32(0, png + 37, (uInt)zlen + 4));
	n = 45 + zlen;
	put32(png + n, 0);
	memcpy(png + n + 4, "IEND", 4);
	put32(png + n + 8, (uint32_t)crc32(0, png + n + 4, 4));
	n += 12;
	CHECK(photo_header_mem(png, n, "bomb.png", MASK_MAX_PIXELS,
	    &h, &w, &e) == PHOTO_TOO_BIG);
	CHECK(strstr(e.msg, "100000x100000 is more than") != NULL);
}

int
main(int argc, char **argv)
{
	Err e;

	(void)argc;
	if (imaging_init(argv[0], 1, &e) < 0) {
		printf("not ok 1 - setup\n");
		return 1;
	}
	TEST(test_same_as_file);
	TEST(test_refusals);
	TEST(test_bomb);
	return tap_done();
}
