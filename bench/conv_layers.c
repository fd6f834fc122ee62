/* conv_layers — the time of every convolution of the U-Net, pass by
 * pass, on random data of the layer's shape: forward, input gradient
 * and weight gradient, with the algorithm each ran (the engine's own
 * choice for training, or IMATSEG_CONV's), its direct-convolution-equivalent
 * GFLOP/s (a Winograd layer counts the multiply-adds of the direct
 * convolution it replaces) and the share of the peak of an FMA loop of
 * the same instruction set (IMATSEG_ISA's, or the widest this CPU
 * runs) on the same threads, measured at the start of the run. The
 * last line is "peak N GFLOP/s".
 *
 * usage: conv_layers [SIZE [FILTERS [THREADS [BATCH]]]]
 * (defaults 256 32 2 8: the training step of bench/train-step.sh).
 * CONV_LAYERS_CLOCK=cpu times by the process's CPU time instead of the
 * wall clock: on a machine shared with other work it measures what the
 * code costs (not what the neighbours take), though not the time a
 * thread waits for another. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "conv.h"
#include "par.h"
#include "parse.h"
#include "rng.h"
#include "unet.h"
#include "xalloc.h"

enum { CONV3, UPCONV, HEAD };

typedef struct {
	char name[32];
	int kind, ci, co, h, w;	/* h, w: the input's */
	int two;		/* input a concatenation (skip, upsampled) */
	int lazy;		/* input read through batch norm + ReLU */
	int data;		/* the U-Net needs its input gradient */
} Layer;

typedef struct {
	int size, filters, threads, batch;
	clockid_t clock;	/* CLOCK_MONOTONIC, or the CPU time's */
} Options;

static double
now(clockid_t clock)
{
	struct timespec t;

	clock_gettime(clock, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

/* The U-Net's convolutions in the order of a forward pass. */
static int
layers(const Options *o, Layer *L)
{
	int f = o->filters, d = 4, n = 0;

	for (int l = 0; l <= d; l++) {
		int s = o->size >> l, c = f << l;
		const char *pre = l < d ? "down" : "bottom";

		L[n++] = (Layer){ "", CONV3, l ? c / 2 : 3, c, s, s, 0, l > 0,
		    l > 0 };
		snprintf(L[n - 1].name, sizeof L[0].name, l < d ?
		    "%s.%d.conv1" : "%s.conv1", pre, l);
		L[n++] = (Layer){ "", CONV3, c, c, s, s, 0, 1, 1 };
		snprintf(L[n - 1].name, sizeof L[0].name, l < d ?
		    "%s.%d.conv2" : "%s.conv2", pre, l);
	}
	for (int l = d - 1; l >= 0; l--) {
		int s = o->size >> l, c = f << l;

		L[n++] = (Layer){ "", UPCONV, 2 * c, c, s / 2, s / 2, 0, 1, 1 };
		snprintf(L[n - 1].name, sizeof L[0].name, "up.%d", l);
		L[n++] = (Layer){ "", CONV3, 2 * c, c, s, s, 1, 1, 1 };
		snprintf(L[n - 1].name, sizeof L[0].name, "upblock.%d.conv1", l);
		L[n++] = (Layer){ "", CONV3, c, c, s, s, 0, 1, 1 };
		snprintf(L[n - 1].name, sizeof L[0].name, "upblock.%d.conv2", l);
	}
	L[n++] = (Layer){ "head", HEAD, f, 47, o->size, o->size, 0, 1, 1 };
	return n;
}

/* The multiply-adds of the direct convolution, times 2. */
static double
flops(const Layer *l, int n)
{
	double px = (double)n * l->h * l->w * l->ci * l->co * 2;

	return px * (l->kind == CONV3 ? 9 : l->kind == UPCONV ? 4 : 1);
}

typedef struct {
	const Kern *kern;
	long rounds;
} Peak;

static void
peak_task(void *ctx, int t, int thread)
{
	Peak *p = ctx;
	float sink;

	(void)t, (void)thread;
	p->kern->fma_loop(p->rounds, &sink);
	if (sink == 12345)
		p->rounds++;	/* keeps the result used */
}

/* GFLOP/s of the FMA loop on every thread at once, about 0.3 s. */
static double
peak(const Kern *k, int threads, clockid_t clock)
{
	Peak p = { k, 1000 };
	double t;

	for (;;) {
		double t0 = now(clock);

		par_run(threads, threads, peak_task, &p);
		t = now(clock) - t0;
		if (t > 0.3)
			break;
		p.rounds *= t < 0.03 ? 10 : 2;
	}
	return (double)threads * p.rounds * k->fma_flops / t * 1e-9;
}

/* One layer's buffers and the Work its calls share. */
typedef struct {
	const Layer *l;
	int n;
	clockid_t clock;
	float *x, *scale, *shift, *wt, *b, *out, *dout, *din, *dwt, *db;
	Work *wk;
} Case;

enum { FWD, DATA, WGRAD };

static void
run_pass(Case *c, int pass)
{
	const Layer *l = c->l;
	long hw = (long)l->h * l->w;
	Src a = src_plain(c->x, (long)l->ci * hw, l->two ? l->ci / 2 : l->ci);
	Srcs in = srcs_one(a);
	Dsts din = dsts_one(c->din, (long)l->ci * hw, l->ci);

	if (l->lazy) {
		in.p[0].scale = c->scale;
		in.p[0].shift = c->shift;
	}
	if (l->two)
		in = srcs_two(in.p[0], src_plain(c->x + l->ci / 2 * hw,
		    (long)l->ci * hw, l->ci / 2));
	const Dsts *dp = pass == DATA ? &din : NULL;
	float *dw = pass == WGRAD ? c->dwt : NULL;
	if (l->kind == CONV3 && pass == FWD)
		conv3_forward(c->out, &in, c->wt, c->b, c->n, l->co, l->h,
		    l->w, c->wk);
	else if (l->kind == CONV3)
		conv3_backward(dp, dw, c->db, c->dout, &in, c->wt, c->n, l->co,
		    l->h, l->w, c->wk);
	else if (l->kind == UPCONV && pass == FWD)
		upconv_forward(c->out, &in.p[0], c->wt, c->b, c->n, l->co, l->h,
		    l->w, c->wk);
	else if (l->kind == UPCONV)
		upconv_backward(dp, dw, c->db, c->dout, &in.p[0], c->wt, c->n,
		    l->co, l->h, l->w, c->wk);
	else if (pass == FWD)
		conv1_forward(c->out, &in.p[0], c->wt, c->b, c->n, l->co, l->h,
		    l->w, c->wk);
	else
		conv1_backward(dp, dw, c->db, c->dout, &in.p[0], c->wt, c->n,
		    l->co, l->h, l->w, c->wk);
}

/* The 1, 5 and 15 minute load averages, as /proc/loadavg has them. */
static const char *
loadavg(char *buf, size_t len)
{
	FILE *f = fopen("/proc/loadavg", "r");
	double a[3];

	snprintf(buf, len, "unknown");
	if (f != NULL && fscanf(f, "%lf %lf %lf", &a[0], &a[1], &a[2]) == 3)
		snprintf(buf, len, "%.2f %.2f %.2f", a[0], a[1], a[2]);
	if (f != NULL)
		fclose(f);
	return buf;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median seconds of a pass: one warm-up, then at least 3 runs and
 * 0.5 s. */
static double
time_pass(Case *c, int pass)
{
	double t[64];
	int k = 0;
	double total = 0;

	run_pass(c, pass);
	while (k < 64 && (k < 3 || total < 0.5)) {
		double t0 = now(c->clock);

		run_pass(c, pass);
		t[k] = now(c->clock) - t0;
		total += t[k++];
	}
	qsort(t, k, sizeof *t, cmp_double);
	return t[k / 2];
}

static float *
randoms(long n, Rng *r, double sd)
{
	float *p = xaligned((size_t)n * sizeof *p);

	for (long i = 0; i < n; i++)
		p[i] = (float)(sd * rng_normal(r));
	return p;
}

static void
size_work(Work *wk, const Layer *l)
{
	size_t nbuf = l->kind == CONV3 ? conv3_scratch(wk, l->ci, l->co, l->h, l->w) :
	    l->kind == UPCONV ? upconv_scratch(l->ci, l->co, l->h, l->w) :
	    conv1_scratch(l->ci, l->h, l->w);
	size_t npart = l->kind == CONV3 ? conv3_part(l->ci, l->co) :
	    l->kind == UPCONV ? upconv_part(l->ci, l->co) :
	    conv1_part(l->ci, l->co);

	wk->nbuf = (nbuf + 15) & ~(size_t)15;
	wk->npart = (npart + 15) & ~(size_t)15;
	wk->nwbuf = l->kind == CONV3 ? conv3_shared(wk, l->ci, l->co, l->h,
	    l->w, 1) : l->kind == UPCONV ? upconv_shared(wk, l->ci, l->co) :
	    conv1_shared(wk, l->ci, l->co);
	wk->buf = xaligned(wk->nbuf * wk->nthreads * sizeof(float));
	wk->part = xaligned(wk->npart * wk->nthreads * CONV_SLOTS *
	    sizeof(float));
	wk->wbuf = xaligned(wk->nwbuf * sizeof(float));
}

static const char *
algo(const Work *wk, const Layer *l, int pass)
{
	if (l->kind != CONV3)
		return "gemm";
	return conv_algo_name(pass == DATA ? conv3_algo(wk, l->co, l->ci, l->h,
	    l->w) : conv3_algo(wk, l->ci, l->co, l->h, l->w));
}

/* Times one layer's passes and prints its row; adds to sums[3]. */
static void
layer_row(const Layer *l, const Options *o, const Work *proto, double pk,
    double *sec, double *fl, Rng *r)
{
	long hw = (long)l->h * l->w, ohw = l->kind == UPCONV ? 4 * hw : hw;
	long nw = (long)l->ci * l->co * (l->kind == CONV3 ? 9 :
	    l->kind == UPCONV ? 4 : 1);
	Work wk = *proto;
	Case c = { l, o->batch, o->clock, NULL, NULL, NULL, NULL, NULL, NULL,
	    NULL, NULL, NULL, NULL, &wk };
	double f = flops(l, o->batch);

	wk.train = 1;	/* the passes of a training step: its algorithms */
	size_work(&wk, l);
	c.x = randoms((long)o->batch * l->ci * hw, r, 1);
	c.scale = randoms(l->ci, r, 1);
	c.shift = randoms(l->ci, r, 0.3);
	c.wt = randoms(nw, r, 0.1);
	c.b = randoms(l->co, r, 0.1);
	c.out = randoms((long)o->batch * l->co * ohw, r, 1);
	c.dout = randoms((long)o->batch * l->co * ohw, r, 1);
	c.din = randoms((long)o->batch * l->ci * hw, r, 1);
	c.dwt = randoms(nw, r, 0);
	c.db = randoms(l->co, r, 0);
	printf("%-17s %4d %4d %4dx%-4d", l->name, l->ci, l->co, l->h, l->w);
	for (int p = FWD; p <= WGRAD; p++) {
		if (p == DATA && !l->data) {
			printf(" | %-8s %8s %6s %4s", "-", "-", "-", "-");
			continue;
		}
		double t = time_pass(&c, p);

		sec[p] += t;
		fl[p] += f;
		printf(" | %-8s %8.2f %6.1f %3.0f%%", algo(&wk, l, p), t * 1e3,
		    f / t * 1e-9, f / t * 1e-9 / pk * 100);
	}
	printf("\n");
	fflush(stdout);
	free(c.x), free(c.scale), free(c.shift), free(c.wt), free(c.b);
	free(c.out), free(c.dout), free(c.din), free(c.dwt), free(c.db);
	free(wk.buf), free(wk.part), free(wk.wbuf);
}

static void
parse_options(int argc, char **argv, Options *o)
{
	long v[4] = { 256, 32, 2, 8 }, max[4] = { 4096, 256, 64, 256 };
	Err e;

	if (argc > 5)
		usage_error("usage: conv_layers [SIZE [FILTERS [THREADS "
		    "[BATCH]]]]");
	for (int i = 1; i < argc; i++)
		if (parse_long(argv[i], 1, max[i - 1], &v[i - 1], &e) < 0)
			die(EXIT_USAGE, "%s: %s", argv[i], e.msg);
	if (v[0] % 16)
		die(EXIT_USAGE, "size %ld: not a multiple of 16", v[0]);
	*o = (Options){ (int)v[0], (int)v[1], (int)v[2], (int)v[3],
	    CLOCK_MONOTONIC };
	if (getenv("CONV_LAYERS_CLOCK") != NULL &&
	    strcmp(getenv("CONV_LAYERS_CLOCK"), "cpu") == 0)
		o->clock = CLOCK_PROCESS_CPUTIME_ID;
}

int
main(int argc, char **argv)
{
	Options o;
	UnetConfig cfg;
	Layer L[32];
	Unet *u;
	Err e;
	Rng r;
	double sec[3] = { 0 }, fl[3] = { 0 }, pk;
	char load[64];
	const char *pass[3] = { "forward", "input gradient", "weight gradient" };

	progname = "conv_layers";
	parse_options(argc, argv, &o);
	unet_config_default(&cfg);
	cfg.filters = o.filters;
	if ((u = unet_new(&cfg, 1, &e)) == NULL)
		die(EXIT_BAD, "%s", e.msg);
	unet_set_threads(u, o.threads);
	pk = peak(u->wk.kern, o.threads, o.clock);
	rng_seed(&r, 3);
	printf("# size %dx%d, filters %d, batch %d, %d threads, isa %s, "
	    "IMATSEG_CONV=%s, %s clock, load %s\n", o.size, o.size, o.filters,
	    o.batch, o.threads, u->wk.kern->name, getenv("IMATSEG_CONV") ?
	    getenv("IMATSEG_CONV") : "", o.clock == CLOCK_MONOTONIC ? "wall" :
	    "cpu", loadavg(load, sizeof load));
	printf("%-17s %4s %4s %9s | %-8s %8s %6s %4s | %-8s %8s %6s %4s | "
	    "%-8s %8s %6s %4s\n", "layer", "in", "out", "size", "forward",
	    "ms", "GF/s", "peak", "data", "ms", "GF/s", "peak", "weights", "ms",
	    "GF/s", "peak");
	int nl = layers(&o, L);
	for (int i = 0; i < nl; i++)
		layer_row(&L[i], &o, &u->wk, pk, sec, fl, &r);
	for (int p = 0; p < 3; p++)
		printf("# %-16s %8.1f ms %6.1f GFLOP/s\n", pass[p], sec[p] * 1e3,
		    fl[p] / sec[p] * 1e-9);
	printf("# all passes       %8.1f ms %6.1f GFLOP/s\n",
	    (sec[0] + sec[1] + sec[2]) * 1e3,
	    (fl[0] + fl[1] + fl[2]) / (sec[0] + sec[1] + sec[2]) * 1e-9);
	printf("peak %.1f GFLOP/s\n", pk);
	unet_free(u);
	return EXIT_OK;
}
