/* train_step — times our U-Net's training step (forward, loss, backward,
 * Adam) or inference on a random batch; prints one line:
 * "MODE filters F size S batch N threads T images/s X".
 * With IMATSEG_GEMM_PROFILE set in the environment it also prints, on
 * stderr, the time and GFLOP/s of each GEMM shape (one thread only: the
 * table is not locked).
 *
 * "train_step plan FILTERS SIZE" prints instead, on lines starting
 * with "#", which kernels the engine runs here: its instruction set,
 * OpenBLAS's kernels and each 3x3 layer's algorithm (forward and weight
 * gradient / input gradient where the two differ).
 *
 * usage: train_step train|infer FILTERS SIZE BATCH ITERS THREADS
 *        train_step plan FILTERS SIZE */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adam.h"
#include "cli.h"
#include "parse.h"
#include "unet.h"
#include "xalloc.h"

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

/* The GEMM profile: a bench-only table, hence static. */
enum { SHAPES = 256 };
static struct {
	int ta, tb, m, n, k;
	long calls;
	double sec, flop;
} prof[SHAPES];
static int nprof;

static void
gemm_timed(int ta, int tb, int m, int n, int k, float alpha, const float *a,
    int lda, const float *b, int ldb, float beta, float *c, int ldc)
{
	double t0 = now();
	int i;

	gemm_blas(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
	for (i = 0; i < nprof; i++)
		if (prof[i].ta == ta && prof[i].tb == tb && prof[i].m == m &&
		    prof[i].n == n && prof[i].k == k)
			break;
	if (i == nprof && nprof < SHAPES)
		prof[nprof++] = (__typeof__(prof[0])){ ta, tb, m, n, k, 0, 0, 0 };
	if (i < SHAPES) {
		prof[i].calls++;
		prof[i].sec += now() - t0;
		prof[i].flop += 2.0 * m * n * k;
	}
}

static void
prof_print(void)
{
	double tot = 0, flop = 0;

	for (int i = 0; i < nprof; i++) {
		tot += prof[i].sec;
		flop += prof[i].flop;
	}
	fprintf(stderr, "%-3s %-3s %6s %6s %6s %6s %8s %7s\n", "tA", "tB", "M",
	    "N", "K", "calls", "seconds", "GFLOP/s");
	for (int i = 0; i < nprof; i++)
		if (prof[i].sec > 0.01 * tot)
			fprintf(stderr, "%-3d %-3d %6d %6d %6d %6ld %8.3f %7.1f\n",
			    prof[i].ta, prof[i].tb, prof[i].m, prof[i].n,
			    prof[i].k, prof[i].calls, prof[i].sec,
			    prof[i].flop / prof[i].sec * 1e-9);
	fprintf(stderr, "all GEMMs: %.3f s, %.1f GFLOP/s\n", tot,
	    flop / tot * 1e-9);
}

/* The algorithm of a 3x3 convolution in a training or inference pass,
 * and its input gradient's if it differs, as "NAME" or "NAME/NAME". */
static const char *
conv_plan(const Unet *u, int train, int ci, int co, int s, char *buf,
    size_t len)
{
	Work wk = u->wk;
	ConvAlgo f, d;

	wk.train = train;
	f = conv3_algo(&wk, ci, co, s, s);
	d = conv3_algo(&wk, co, ci, s, s);
	snprintf(buf, len, f == d || !train ? "%s" : "%s/%s",
	    conv_algo_name(f), conv_algo_name(d));
	return buf;
}

static void
plan(const Unet *u, int s)
{
	const char *conv = getenv("IMATSEG_CONV");
	char a[32], b[32];

	printf("# filters %d, %dx%d: isa %s, OpenBLAS %s, IMATSEG_CONV=%s\n",
	    u->cfg.filters, s, s, u->wk.kern->name, gemm_core(),
	    conv != NULL ? conv : "");
	for (int train = 1; train >= 0; train--)
		for (int l = 0; l <= u->cfg.depth; l++) {
			const Block *b0 = l < u->cfg.depth ? &u->down[l] :
			    &u->bottom;
			int sl = s >> l;

			printf("#   %s %dx%d: %s %s, %s", train ? "train" :
			    "infer", sl, sl, l < u->cfg.depth ? "down" :
			    "bottom", conv_plan(u, train, b0->ci, b0->co, sl, a,
			    sizeof a), conv_plan(u, train, b0->co, b0->co, sl,
			    b, sizeof b));
			if (l < u->cfg.depth) {
				const Block *b1 = &u->upb[l];

				printf("; up %s, %s", conv_plan(u, train,
				    b1->ci, b1->co, sl, a, sizeof a),
				    conv_plan(u, train, b1->co, b1->co, sl, b,
				    sizeof b));
			}
			printf("\n");
		}
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	long v[5];
	UnetConfig c;
	Unet *u;
	Adam *a;
	Err e;
	int train;

	progname = "train_step";
	if (argc == 4 && strcmp(argv[1], "plan") == 0) {
		unet_config_default(&c);
		if (parse_long(argv[2], 1, 256, &v[0], &e) < 0 ||
		    parse_long(argv[3], 16, 4096, &v[1], &e) < 0)
			die(EXIT_USAGE, "%s", e.msg);
		c.filters = (int)v[0];
		if ((u = unet_new(&c, 1, &e)) == NULL)
			die(EXIT_BAD, "%s", e.msg);
		plan(u, (int)v[1]);
		unet_free(u);
		return EXIT_OK;
	}
	if (argc != 7 || (strcmp(argv[1], "train") && strcmp(argv[1], "infer"))) {
		fprintf(stderr, "usage: train_step train|infer FILTERS SIZE "
		    "BATCH ITERS THREADS\n       train_step plan FILTERS "
		    "SIZE\n");
		return EXIT_USAGE;
	}
	train = strcmp(argv[1], "train") == 0;
	for (int i = 0; i < 5; i++)
		if (parse_long(argv[2 + i], 1, 4096, &v[i], &e) < 0)
			die(EXIT_USAGE, "%s: %s", argv[2 + i], e.msg);
	unet_config_default(&c);
	c.filters = (int)v[0];
	int s = (int)v[1], n = (int)v[2], iters = (int)v[3];
	if ((u = unet_new(&c, 1, &e)) == NULL)
		die(EXIT_BAD, "%s", e.msg);
	unet_set_threads(u, (int)v[4]);
	if (getenv("IMATSEG_GEMM_PROFILE") != NULL) {
		if (v[4] != 1)
			die(EXIT_USAGE, "the GEMM profile needs 1 thread");
		u->wk.gemm = gemm_timed;
	}
	a = train ? adam_new(u->nparams) : NULL;
	long npix = (long)n * s * s;
	float *x = xmallocarray(npix * 3, sizeof *x);
	uint8_t *y = xmalloc((size_t)npix);
	Rng r;
	rng_seed(&r, 2);
	for (long i = 0; i < npix * 3; i++)
		x[i] = (float)rng_normal(&r);
	for (long i = 0; i < npix; i++)
		y[i] = (uint8_t)rng_below(&r, 47);
	double *t = xmallocarray(iters + 1, sizeof *t);
	for (int it = 0; it <= iters; it++) {
		double t0 = now();
		LossStats st;

		if (unet_forward(u, x, n, s, s, train, &e) < 0 ||
		    (train && unet_loss_backward(u, y, NULL, &st, &e) < 0))
			die(EXIT_BAD, "%s", e.msg);
		if (train)
			adam_step(a, u->params, u->grads);
		t[it] = now() - t0;
	}
	/* the first iteration allocates and faults pages in: not timed */
	qsort(t + 1, iters, sizeof *t, cmp_double);
	printf("%s filters %d size %d batch %d threads %ld images/s %.3f\n",
	    argv[1], c.filters, s, n, v[4], n / t[1 + iters / 2]);
	if (nprof > 0)
		prof_print();
	free(t), free(x), free(y);
	adam_free(a);
	unet_free(u);
	return EXIT_OK;
}
