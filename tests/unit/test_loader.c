/* Unit tests of loader.c and augment.c on small shards written here:
 * sample i has every photo byte = i and every label = i % 47, so a batch
 * shows which samples it holds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic.h"
#include "loader.h"
#include "shard.h"
#include "tar.h"
#include "tap.h"
#include "xalloc.h"

#define S 8

static char dir[64];

/* Writes shard `name` with samples first .. first + n - 1. */
static void
write_shard(const char *name, int first, int n)
{
	Atomic *a;
	Err e;

	a = atomic_open(name, &e);
	if (a == NULL) {
		printf("# %s\n", e.msg);
		exit(1);
	}
	for (int i = first; i < first + n; i++) {
		Sample s = { .height = 10 + i, .width = 20 };
		uint8_t *rgb, *lab;
		char key[32];

		snprintf(key, sizeof key, "k%04d", i);
		sample_init(&s, key, S, &rgb, &lab);
		memset(rgb, i & 255, 3 * S * S);
		memset(lab, i % 47, S * S);
		sample_seal(&s);
		if (shard_write_sample(atomic_file(a), &s, &e) < 0)
			exit(1);
		sample_free(&s);
	}
	tar_write_end(atomic_file(a), &e);
	if (atomic_commit(a, &e) < 0)
		exit(1);
}

static char paths[2][128];
static const char *pathv[2] = { paths[0], paths[1] };

static void
setup(int n0, int n1)
{
	snprintf(paths[0], sizeof paths[0], "%s/a.tar", dir);
	snprintf(paths[1], sizeof paths[1], "%s/b.tar", dir);
	write_shard(paths[0], 0, n0);
	write_shard(paths[1], n0, n1);
}

static Loader *
open2(LoaderOptions o)
{
	Err e;
	Loader *L = loader_open(pathv, 2, &o, &e);

	if (L == NULL)
		printf("# %s\n", e.msg);
	return L;
}

/* Sample numbers of one epoch, read from batches; checks labels agree. */
static uint64_t
epoch_samples(Loader *L, uint64_t epoch, uint64_t start, uint32_t *out)
{
	Batch b;
	Err e;
	uint64_t n = 0;
	int r;

	CHECK(loader_epoch_begin(L, epoch, start, &e) == 0);
	while ((r = loader_next(L, &b, &e)) == 1) {
		CHECK(b.pos == start + n);
		for (int j = 0; j < b.n; j++) {
			CHECK_EQ_INT(b.y[(size_t)j * S * S], b.index[j] % 47);
			out[n++] = b.index[j];
		}
	}
	CHECK(r == 0);
	return n;
}

static void
test_each_sample_once(void)
{
	LoaderOptions o = { .batch = 3, .nranks = 1, .threads = 2, .seed = 5 };
	Loader *L;
	uint32_t got[16];
	int seen[10] = { 0 };

	setup(6, 4);
	L = open2(o);
	CHECK(L != NULL);
	if (L == NULL)
		return;
	CHECK_EQ_INT(loader_total(L), 10);
	CHECK_EQ_INT(loader_total(L), 10);
	CHECK_EQ_INT(loader_batches(L), 4);
	CHECK_EQ_INT(loader_size(L), S);
	for (int ep = 0; ep < 3; ep++) {
		memset(seen, 0, sizeof seen);
		CHECK_EQ_INT(epoch_samples(L, (uint64_t)ep, 0, got), 10);
		for (int i = 0; i < 10; i++)
			if (got[i] < 10)
				seen[got[i]]++;
		for (int i = 0; i < 10; i++)
			CHECK_EQ_INT(seen[i], 1);
	}
	loader_close(L);
}

static void
test_shuffle_per_epoch(void)
{
	LoaderOptions o = { .batch = 4, .nranks = 1, .threads = 1, .seed = 9 };
	Loader *L, *M;
	uint32_t a[16], b[16], c[16];

	setup(6, 4);
	L = open2(o);
	M = open2(o);
	CHECK(L != NULL && M != NULL);
	if (L == NULL || M == NULL)
		return;
	epoch_samples(L, 0, 0, a);
	epoch_samples(L, 1, 0, b);
	epoch_samples(M, 1, 0, c);
	CHECK(memcmp(a, b, 10 * sizeof *a) != 0);
	CHECK(memcmp(b, c, 10 * sizeof *b) == 0);
	loader_close(L);
	loader_close(M);
	o.seed = 10;
	L = open2(o);
	epoch_samples(L, 1, 0, c);
	CHECK(memcmp(b, c, 10 * sizeof *b) != 0);
	loader_close(L);
}

/* Rank r of n with batch b reads the r-th slice of each batch that one
 * process of batch n*b reads: slices as even as they go, larger first,
 * none dropped, even when a rank's slice of the last batch is empty. */
static void
check_slices(int nranks, int b)
{
	/* augmented: the draws follow the sample, not the rank */
	LoaderOptions o = { .batch = b, .nranks = 1, .threads = 1, .seed = 3,
	    .aug = { .flip = 1, .scale_min = 0.5f, .brightness = 0.2f } };
	Loader *one, *L[4];
	Batch g, s;
	Err e;
	int r, got;

	o.batch = nranks * b;
	one = open2(o);
	o.batch = b;
	o.nranks = nranks;
	for (r = 0; r < nranks; r++) {
		o.rank = r;
		L[r] = open2(o);
		CHECK(L[r] != NULL);
		if (L[r] == NULL)
			return;
		CHECK_EQ_INT(loader_batches(L[r]), loader_batches(one));
		loader_epoch_begin(L[r], 2, 0, &e);
	}
	loader_epoch_begin(one, 2, 0, &e);
	while (loader_next(one, &g, &e) == 1) {
		int at = 0, q = g.n / nranks, rem = g.n % nranks;

		for (r = 0; r < nranks; r++) {
			CHECK(loader_next(L[r], &s, &e) == 1);
			CHECK_EQ_INT(s.all, g.n);
			CHECK_EQ_INT(s.n, q + (r < rem));
			CHECK(s.pos == g.pos + (uint64_t)at);
			for (int j = 0; j < s.n; j++)
				CHECK_EQ_INT(s.index[j], g.index[at + j]);
			CHECK(memcmp(s.x, g.x + (size_t)at * 3 * S * S,
			    (size_t)s.n * 3 * S * S * sizeof(float)) == 0);
			at += s.n;
		}
		CHECK_EQ_INT(at, g.n);
	}
	for (r = 0; r < nranks; r++) {
		got = loader_next(L[r], &s, &e);
		CHECK_EQ_INT(got, 0);
		loader_close(L[r]);
	}
	loader_close(one);
}

static void
test_ranks(void)
{
	static const int totals[] = { 12, 11, 10, 7, 3 };

	for (size_t t = 0; t < sizeof totals / sizeof *totals; t++) {
		setup(totals[t] - 2, 2);
		for (int n = 1; n <= 4; n++)
			for (int b = 1; b <= 3; b++)
				check_slices(n, b);
	}
}

/* All batches of an epoch, bytes, for comparing runs. */
static size_t
epoch_bytes(Loader *L, uint64_t start, unsigned char *buf)
{
	Batch b;
	Err e;
	size_t n = 0;

	loader_epoch_begin(L, 3, start, &e);
	while (loader_next(L, &b, &e) == 1) {
		memcpy(buf + n, b.x, (size_t)b.n * 3 * S * S * sizeof(float));
		n += (size_t)b.n * 3 * S * S * sizeof(float);
		memcpy(buf + n, b.y, (size_t)b.n * S * S);
		n += (size_t)b.n * S * S;
	}
	return n;
}

static void
test_threads_and_resume(void)
{
	LoaderOptions o = { .batch = 3, .nranks = 1, .seed = 4,
	    .aug = { .flip = 1, .scale_min = 0.5f, .brightness = 0.2f,
	    .contrast = 0.2f } };
	size_t per = 3 * S * S * sizeof(float) + S * S;
	unsigned char *a = xmalloc(20 * per), *b = xmalloc(20 * per);
	Loader *L;
	size_t na, nb;

	setup(6, 4);
	o.threads = 0;
	L = open2(o);
	na = epoch_bytes(L, 0, a);
	loader_close(L);
	o.threads = 2;
	o.prefetch = 2;
	L = open2(o);
	nb = epoch_bytes(L, 0, b);
	CHECK_EQ_INT(na, 10 * per);
	CHECK(na == nb && memcmp(a, b, na) == 0);
	/* Resuming at sample 6 gives the same bytes as batches 2 and 3. */
	nb = epoch_bytes(L, 6, b);
	CHECK_EQ_INT(nb, 4 * per);
	CHECK(memcmp(a + 6 * per, b, nb) == 0);
	loader_close(L);
	free(a);
	free(b);
}

static void
test_flip_together(void)
{
	uint8_t rgb[3 * S * S], lab[S * S], y[S * S];
	float x[3 * S * S];
	AugOptions a = { .flip = 1 };
	int flipped = 0, kept = 0;

	for (int i = 0; i < S * S; i++) {
		rgb[3 * i] = (uint8_t)(i % S * 10);
		rgb[3 * i + 1] = rgb[3 * i + 2] = 0;
		lab[i] = (uint8_t)(i % S);
	}
	for (uint64_t seed = 0; seed < 32; seed++) {
		Rng r;
		int yf, xf;

		rng_derive(&r, seed, 0, 0);
		augment_sample(rgb, lab, S, &a, &r, x, y);
		yf = y[0] == S - 1;
		xf = x[0] > x[S - 1];
		CHECK(yf == xf);
		for (int q = 0; q < S; q++) {
			int sq = yf ? S - 1 - q : q;

			CHECK_EQ_INT(y[3 * S + q], sq);
			CHECK_NEAR(x[3 * S + q], (sq * 10 / 255.0 - 0.485) / 0.229,
			    1e-5);
		}
		flipped += yf;
		kept += !yf;
	}
	CHECK(flipped > 4 && kept > 4);
}

/* Every byte of every channel survives normalisation and back. */
static void
test_unnormalise(void)
{
	enum { N = 16 };	/* 16 x 16 pixels: each of 256 values once */
	uint8_t rgb[3 * N * N], back[3 * N * N], lab[N * N] = { 0 }, y[N * N];
	float x[3 * N * N];
	AugOptions none = { 0 };
	Rng r;

	for (int i = 0; i < N * N; i++)
		for (int c = 0; c < 3; c++)
			rgb[3 * i + c] = (uint8_t)(i * (2 * c + 1));
	rng_seed(&r, 1);
	augment_sample(rgb, lab, N, &none, &r, x, y);
	augment_unnormalise(x, N, back);
	CHECK(memcmp(rgb, back, sizeof rgb) == 0);
	/* out of range (jitter could do that): clamped */
	x[0] = -100.0f;
	x[N * N] = 100.0f;
	augment_unnormalise(x, N, back);
	CHECK(back[0] == 0 && back[1] == 255);
}

static void
test_corrupt_and_truncated(void)
{
	LoaderOptions o = { .batch = 10, .nranks = 1, .threads = 1 };
	Loader *L;
	Batch b;
	Err e;
	FILE *fp;
	long off;

	setup(6, 4);
	/* Sample 2 of b.tar: one byte of its ppm pixels. */
	off = 2L * 3072 + 512 + 20;	/* a sample is 3 members of 1024 bytes */
	fp = fopen(paths[1], "r+b");
	fseek(fp, off, SEEK_SET);
	fputc(0x55, fp);
	fclose(fp);
	L = open2(o);
	CHECK(L != NULL);
	if (L == NULL)
		return;
	loader_epoch_begin(L, 0, 0, &e);
	CHECK(loader_next(L, &b, &e) == -1);
	CHECK(strstr(e.msg, "b.tar: sample 2 (k0008)") != NULL);
	CHECK(strstr(e.msg, "checksum") != NULL);
	loader_close(L);
	o.verify = 1;
	CHECK(loader_open(pathv, 2, &o, &e) == NULL);
	CHECK(strstr(e.msg, "b.tar: sample 2 (k0008)") != NULL);

	setup(6, 4);
	CHECK(truncate(paths[0], 3 * 3072 + 1000) == 0);
	CHECK(loader_open(pathv, 2, &o, &e) == NULL);
	CHECK(strstr(e.msg, "a.tar: sample 3") != NULL);
	CHECK(strstr(e.msg, "truncated") != NULL);
}

int
main(void)
{
	snprintf(dir, sizeof dir, "/tmp/test_loader.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	TEST(test_each_sample_once);
	TEST(test_shuffle_per_epoch);
	TEST(test_ranks);
	TEST(test_threads_and_resume);
	TEST(test_flip_together);
	TEST(test_unnormalise);
	TEST(test_corrupt_and_truncated);
	unlink(paths[0]);
	unlink(paths[1]);
	rmdir(dir);
	return tap_done();
}
