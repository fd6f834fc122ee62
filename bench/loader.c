/* bench/loader — loader throughput (samples/s) next to what training
 * consumes. Without shard arguments it writes 2 shards of 128 synthetic
 * 256x256 samples to a temporary directory first. Augmentation: flip,
 * scale-crop 0.5 and brightness/contrast 0.2, as a training run would use.
 * The training rates are the measured PyTorch step (filters 16, batch 8,
 * 3.3 images/s, perf-notes) and the target of our engine (~5 images/s);
 * the loader must be at least 20 times faster than either.
 *
 * usage: loader [-b BATCH] [-j THREADS] [-e EPOCHS] [SHARD...] */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "atomic.h"
#include "cli.h"
#include "loader.h"
#include "parse.h"
#include "rng.h"
#include "shard.h"
#include "tar.h"

#define PYTORCH_RATE 3.3	/* images/s, training step, perf-notes.md */
#define ENGINE_RATE 5.0		/* images/s, our engine's target */

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Synthetic shard: smooth noise photos, blocky labels. */
static void
make_shard(const char *path, int first, int n, int s)
{
	Atomic *a;
	Err e;
	Rng r;

	if ((a = atomic_open(path, &e)) == NULL)
		die(EXIT_BAD, "%s", e.msg);
	rng_seed(&r, (uint64_t)first);
	for (int i = first; i < first + n; i++) {
		Sample sm = { .height = 768, .width = 512 };
		uint8_t *rgb, *lab;
		char key[32];

		snprintf(key, sizeof key, "s%06d", i);
		sample_init(&sm, key, s, &rgb, &lab);
		for (long p = 0; p < 3L * s * s; p++)
			rgb[p] = (uint8_t)(p / 3 % s + rng_below(&r, 16));
		for (long p = 0; p < (long)s * s; p++)
			lab[p] = (uint8_t)((p / s / 32 + p % s / 32) % 47);
		sample_seal(&sm);
		if (shard_write_sample(atomic_file(a), &sm, &e) < 0)
			die(EXIT_BAD, "%s", e.msg);
		sample_free(&sm);
	}
	if (tar_write_end(atomic_file(a), &e) < 0 || atomic_commit(a, &e) < 0)
		die(EXIT_BAD, "%s", e.msg);
}

int
main(int argc, char **argv)
{
	LoaderOptions o = { .batch = 8, .nranks = 1, .threads = 2, .seed = 1,
	    .aug = { .flip = 1, .scale_min = 0.5f, .brightness = 0.2f,
	    .contrast = 0.2f } };
	char dir[] = "/tmp/bench-loader.XXXXXX", p0[64], p1[64];
	const char *synth[2] = { p0, p1 };
	const char *const *paths;
	long v, epochs = 2;
	int c, npaths, made = 0;
	uint64_t n = 0;
	double t0, dt, rate;
	Loader *L;
	Batch b;
	Err e;

	cli_init(argv[0]);
	while ((c = getopt(argc, argv, "b:e:j:")) != -1) {
		if (c == '?' || parse_long(optarg, c == 'j' ? 0 : 1, 4096, &v,
		    &e) < 0)
			usage_error("usage: loader [-b BATCH] [-j THREADS] "
			    "[-e EPOCHS] [SHARD...]");
		if (c == 'b')
			o.batch = (int)v;
		else if (c == 'j')
			o.threads = (int)v;
		else
			epochs = v;
	}
	paths = (const char *const *)argv + optind;
	npaths = argc - optind;
	if (npaths == 0) {
		if (mkdtemp(dir) == NULL)
			die(EXIT_BAD, "mkdtemp failed");
		snprintf(p0, sizeof p0, "%s/a.tar", dir);
		snprintf(p1, sizeof p1, "%s/b.tar", dir);
		make_shard(p0, 0, 128, 256);
		make_shard(p1, 128, 128, 256);
		paths = synth;
		npaths = 2;
		made = 1;
	}
	if ((L = loader_open(paths, npaths, &o, &e)) == NULL)
		die(EXIT_BAD, "%s", e.msg);
	t0 = now();
	for (long ep = 0; ep < epochs; ep++) {
		int r;

		loader_epoch_begin(L, (uint64_t)ep, 0, &e);
		while ((r = loader_next(L, &b, &e)) == 1)
			n += (uint64_t)b.n;
		if (r < 0)
			die(EXIT_BAD, "%s", e.msg);
	}
	dt = now() - t0;
	rate = (double)n / dt;
	printf("loader: %llu samples %dx%d, batch %d, %d threads, %ld epochs "
	    "(the first verifies checksums), machine shared\n",
	    (unsigned long long)n, loader_size(L), loader_size(L), o.batch,
	    o.threads, epochs);
	printf("%-40s %9.1f samples/s\n", "loader (flip, scale-crop, jitter)",
	    rate);
	printf("%-40s %9.1f images/s   loader is %6.1fx faster\n",
	    "training step, PyTorch filters 16 b8", PYTORCH_RATE,
	    rate / PYTORCH_RATE);
	printf("%-40s %9.1f images/s   loader is %6.1fx faster\n",
	    "training step, imatseg engine target", ENGINE_RATE,
	    rate / ENGINE_RATE);
	loader_close(L);
	if (made) {
		unlink(p0);
		unlink(p1);
		rmdir(dir);
	}
	return rate >= 20 * ENGINE_RATE ? EXIT_OK : EXIT_BAD;
}
