/* batches — unet-train's data for another trainer (bench/time_to_accuracy.py):
 * the initial weights unet-train starts from for a seed and a network, and
 * the training batches of its steps, augmented as unet-train augments them
 * (step g takes batch g mod B of loader pass g / B, B batches a pass), so
 * that PyTorch trains on the very same stream.
 *
 * usage: batches INIT STEPS BATCH SEED AUGMENT FILTERS SHARD...
 * INIT receives the initial network (depth 4, 47 classes, no dropout) as a
 * checkpoint; stdout receives, for each step, the batch's size n as a
 * little-endian int32, x as float32 [n][3][S][S], y as uint8 [n][S][S]. */
#include <stdio.h>
#include <stdlib.h>

#include "augment.h"
#include "ckpt.h"
#include "cli.h"
#include "loader.h"
#include "parse.h"

static void
put(const void *p, size_t size, size_t n)
{
	if (fwrite(p, size, n, stdout) != n)
		die(EXIT_BAD, "stdout: write failed");
}

int
main(int argc, char **argv)
{
	LoaderOptions lo = { .nranks = 1, .threads = 1 };
	UnetConfig c;
	uint64_t steps, nb;
	long batch, filters;
	Loader *L;
	Unet *u;
	Batch b;
	Err e;

	cli_init(argv[0]);
	if (argc < 8) {
		fprintf(stderr, "usage: batches INIT STEPS BATCH SEED AUGMENT "
		    "FILTERS SHARD...\n");
		return EXIT_USAGE;
	}
	if (parse_u64(argv[2], 1, UINT64_MAX / 2, &steps, &e) < 0 ||
	    parse_long(argv[3], 1, 4096, &batch, &e) < 0 ||
	    parse_u64(argv[4], 0, UINT64_MAX, &lo.seed, &e) < 0 ||
	    augment_parse(argv[5], &lo.aug, &e) < 0 ||
	    parse_long(argv[6], 1, 1024, &filters, &e) < 0)
		die(EXIT_USAGE, "%s", e.msg);
	lo.batch = (int)batch;
	unet_config_default(&c);
	c.filters = (int)filters;
	c.dropout = 0;
	if ((u = unet_new(&c, lo.seed, &e)) == NULL ||
	    ckpt_save(argv[1], u, NULL, &e) < 0)
		die(EXIT_BAD, "%s", e.msg);
	unet_free(u);
	if ((L = loader_open((const char *const *)argv + 7, argc - 7, &lo,
	    &e)) == NULL)
		die(EXIT_BAD, "%s", e.msg);
	nb = loader_batches(L);
	for (uint64_t g = 0; g < steps; g++) {
		int32_t n;
		size_t plane;
		int r;

		if ((g % nb == 0 && loader_epoch_begin(L, g / nb, 0, &e) < 0) ||
		    (r = loader_next(L, &b, &e)) < 0)
			die(EXIT_BAD, "step %llu: %s", (unsigned long long)g,
			    e.msg);
		if (r == 0)
			die(EXIT_BAD, "step %llu: the loader ended a pass early",
			    (unsigned long long)g);
		n = b.n;
		plane = (size_t)b.size * b.size;
		put(&n, sizeof n, 1);
		put(b.x, sizeof *b.x, (size_t)n * 3 * plane);
		put(b.y, 1, (size_t)n * plane);
	}
	loader_close(L);
	return close_stdout(EXIT_OK);
}
