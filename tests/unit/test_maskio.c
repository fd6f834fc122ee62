/* Unit tests of maskio.c and atomic.c: label PNGs round-trip, refusals,
 * and nothing left under a final name on failure. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic.h"
#include "maskio.h"
#include "tap.h"

static char dir[] = "/tmp/imatseg-maskio-XXXXXX";

static char *
path_in_dir(const char *name)
{
	static char buf[256];

	snprintf(buf, sizeof buf, "%s/%s", dir, name);
	return buf;
}

static void
test_roundtrip(void)
{
	int h = 37, w = 53, rh = 0, rw = 0;
	uint8_t *px = malloc((size_t)h * w), *back = NULL;
	Err e;

	for (int i = 0; i < h * w; i++)
		px[i] = (uint8_t)((i * 7) % 48 == 47 ? 255 : (i * 7) % 48);
	CHECK(mask_write(path_in_dir("a.png"), px, h, w, 6, NULL, &e) == 0);
	CHECK(mask_read(path_in_dir("a.png"), MASK_MAX_PIXELS, &back, &rh, &rw, &e) == 0);
	CHECK_EQ_INT(rh, h);
	CHECK_EQ_INT(rw, w);
	CHECK(back != NULL && memcmp(px, back, (size_t)h * w) == 0);
	/* a limit below the size is refused before decoding */
	free(back);
	back = NULL;
	CHECK(mask_read(path_in_dir("a.png"), 100, &back, &rh, &rw, &e) < 0);
	CHECK(strstr(e.msg, "more than 100 pixels") != NULL);
	free(px);
}

static void
test_refusals(void)
{
	uint8_t *px = NULL;
	int h, w;
	Err e;
	const char junk[] = "this is not a png";

	CHECK(mask_read(path_in_dir("missing.png"), MASK_MAX_PIXELS, &px, &h, &w, &e) < 0);
	CHECK(strstr(e.msg, "missing.png") != NULL);
	CHECK(atomic_write(path_in_dir("junk.png"), junk, sizeof junk, &e) == 0);
	CHECK(mask_read(path_in_dir("junk.png"), MASK_MAX_PIXELS, &px, &h, &w, &e) < 0);
	CHECK(strstr(e.msg, "junk.png") != NULL);
}

static void
test_atomic_abort(void)
{
	Err e;
	Atomic *a = atomic_open(path_in_dir("b.txt"), &e);

	CHECK(a != NULL);
	fputs("half", atomic_file(a));
	atomic_abort(a);
	CHECK(access(path_in_dir("b.txt"), F_OK) != 0);
	/* a directory that does not exist: an error naming the path */
	CHECK(atomic_open("/nonexistent-dir/x", &e) == NULL);
	CHECK(strstr(e.msg, "/nonexistent-dir/x") != NULL);
}

int
main(int argc, char **argv)
{
	Err e;
	char cmd[300];

	(void)argc;
	if (mkdtemp(dir) == NULL || imaging_init(argv[0], 1, &e) < 0) {
		printf("not ok 1 - setup\n");
		return 1;
	}
	TEST(test_roundtrip);
	TEST(test_refusals);
	TEST(test_atomic_abort);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return tap_done();
}
