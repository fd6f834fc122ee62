/* Unit tests of maskio.c and atomic.c: label PNGs round-trip, refusals,
 * and nothing left under a final name on failure. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* A batch of 2: nothing is under its final name until the batch is
 * full or flushed; a failed rename is reported and the others land. */
static void
test_atomic_batch(void)
{
	AtomicBatch *b = atomic_batch_new(2);
	char c1[256], c2[256], c3[256];
	Err e;

	snprintf(c1, sizeof c1, "%s", path_in_dir("b1"));
	snprintf(c2, sizeof c2, "%s", path_in_dir("b2"));
	snprintf(c3, sizeof c3, "%s", path_in_dir("b3"));
	CHECK(atomic_write_batch(c1, "one", 3, b, &e) == 0);
	CHECK(access(c1, F_OK) != 0);
	CHECK(atomic_write_batch(c2, "two", 3, b, &e) == 0);
	CHECK(access(c1, F_OK) == 0 && access(c2, F_OK) == 0);
	CHECK(mkdir(c3, 0755) == 0);	/* the rename of c3 must fail */
	CHECK(atomic_write_batch(c3, "three", 5, b, &e) == 0);
	CHECK(atomic_batch_free(b, &e) < 0);
	CHECK(strstr(e.msg, "b3") != NULL);
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
	TEST(test_atomic_batch);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return tap_done();
}
