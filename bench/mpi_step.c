/* mpi_step — what the gradients' sum across ranks costs a training step,
 * and how much of it the buckets sent during backward hide. Run under
 * mpirun (bench/mpi does); rank 0 prints one line of key-value pairs:
 *
 *   ranks R filters F size S batch B threads T params P bucket_floats K
 *   step_s X step_overlap_s X compute_s X reduce_ms X exposed_late_ms X
 *   exposed_overlap_ms X hidden_pct X
 *
 * step_s: a whole step (forward, loss, backward, the sum) with the buckets
 * sent late, step_overlap_s with them sent during backward, compute_s the
 * late step without its wait; reduce_ms:
 * the gradients' sum alone, no compute around it (every range at once,
 * then the wait); exposed_*_ms: the wait left after backward, on the rank
 * that came to it last (the others also wait for that rank), with the
 * buckets sent after backward (late) or during it (overlap); hidden_pct:
 * how much of the late wait overlap removes. Steps alternate between the
 * two, medians of ITERS each after one warm-up each; the weights do not
 * change (no optimiser), so every step is the same work.
 *
 * usage: mpi_step FILTERS SIZE BATCH ITERS THREADS [BUCKET_FLOATS] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "dist.h"
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

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return v[n / 2];
}

/* The smallest of the ranks' v: the rank that came last to the wait
 * waited for the sum alone, the others for it too. */
static double
least(Dist *d, double v)
{
	int n = dist_size(d);
	double *all = xcalloc((size_t)n, sizeof *all), m;

	all[dist_rank(d)] = v;
	dist_sum_double(d, all, (size_t)n);
	m = all[0];
	for (int i = 1; i < n; i++)
		m = all[i] < m ? all[i] : m;
	free(all);
	return m;
}

/* One step with dg summing the gradients, the ranks starting together:
 * its seconds, *wait those spent waiting for the sum after backward by
 * the last rank there. */
static double
step(Unet *u, DistNet *dn, DistGrads *dg, const float *x, const uint8_t *y,
    int n, int s, double *wait)
{
	DistGradsStats a, b;
	LossStats st;
	Err e;
	double t0;

	dist_sum_int(dn->d, 0);
	t0 = now();
	dn->grads = dg;
	dist_grads_stats(dg, &a);
	if (unet_forward(u, x, n, s, s, 1, &e) < 0 ||
	    unet_loss_backward(u, y, NULL, &st, &e) < 0 ||
	    dist_grads_finish(dg, &e) < 0)
		die(EXIT_BAD, "%s", e.msg);
	dist_grads_stats(dg, &b);
	t0 = now() - t0;
	*wait = least(dn->d, b.wait - a.wait);
	return t0;
}

/* The sum alone: every parameter's range reported at once. */
static double
reduce_alone(Unet *u, DistGrads *dg)
{
	Err e;
	double t0 = now();

	for (int i = 0; i < u->nviews; i++)
		if (u->views[i].kind == TV_PARAM)
			dist_grads_ready(dg, u->views[i].off, u->views[i].len);
	if (dist_grads_finish(dg, &e) < 0)
		die(EXIT_BAD, "%s", e.msg);
	return now() - t0;
}

int
main(int argc, char **argv)
{
	long v[6] = { 0, 0, 0, 0, 0, 1 << 18 };
	UnetConfig c;
	Dist *d;
	Unet *u;
	Err e;
	Rng r;

	progname = "mpi_step";
	if (argc != 6 && argc != 7) {
		fprintf(stderr, "usage: mpi_step FILTERS SIZE BATCH ITERS "
		    "THREADS [BUCKET_FLOATS]\n");
		return EXIT_USAGE;
	}
	for (int i = 0; i < argc - 1; i++)
		if (parse_long(argv[1 + i], 1, 1L << 30, &v[i], &e) < 0)
			die(EXIT_USAGE, "%s: %s", argv[1 + i], e.msg);
	d = dist_open();
	unet_config_default(&c);
	c.filters = (int)v[0];
	c.dropout = 0;
	int s = (int)v[1], n = (int)v[2], iters = (int)v[3];
	if ((u = unet_new(&c, 1, &e)) == NULL)
		die(EXIT_BAD, "%s", e.msg);
	unet_set_threads(u, (int)v[4]);
	long npix = (long)n * s * s;
	float *x = xmallocarray((size_t)npix * 3, sizeof *x);
	uint8_t *y = xmalloc((size_t)npix);
	rng_seed(&r, 2 + (uint64_t)dist_rank(d));
	for (long i = 0; i < npix * 3; i++)
		x[i] = (float)rng_normal(&r);
	for (long i = 0; i < npix; i++)
		y[i] = (uint8_t)rng_below(&r, 47);

	DistGrads *late = dist_grads_new(d, u->grads, u->nparams, (size_t)v[5],
	    0);
	DistGrads *over = dist_grads_new(d, u->grads, u->nparams, (size_t)v[5],
	    1);
	DistNet dn = { .d = d, .grads = late };
	dist_hook(&dn, u, 0);
	double *ts = xmallocarray(4 * (size_t)iters, sizeof *ts);
	double *sl = ts, *wl = ts + iters, *so = ts + 2 * iters,
	    *wo = ts + 3 * iters, w;
	/* warm-up: memory, pages, MPI's connections */
	step(u, &dn, late, x, y, n, s, &w);
	step(u, &dn, over, x, y, n, s, &w);
	for (int it = 0; it < iters; it++) {
		sl[it] = step(u, &dn, late, x, y, n, s, &wl[it]);
		so[it] = step(u, &dn, over, x, y, n, s, &wo[it]);
	}
	double *ra = xmallocarray((size_t)iters, sizeof *ra);
	for (int it = 0; it < iters; it++)
		ra[it] = reduce_alone(u, late);
	double sm = median(sl, iters), lm = median(wl, iters);
	double om = median(wo, iters), rm = median(ra, iters);
	double osm = median(so, iters);
	/* compute: the late step less its wait, step by step */
	for (int it = 0; it < iters; it++)
		sl[it] -= wl[it];
	double cm = median(sl, iters);
	if (dist_rank(d) == 0)
		printf("ranks %d filters %d size %d batch %d threads %ld params %zu "
		    "bucket_floats %ld step_s %.3f step_overlap_s %.3f "
		    "compute_s %.3f reduce_ms %.2f "
		    "exposed_late_ms %.2f exposed_overlap_ms %.2f hidden_pct "
		    "%.0f\n", dist_size(d), c.filters, s, n, v[4], u->nparams,
		    v[5], sm, osm, cm, rm * 1e3, lm * 1e3, om * 1e3,
		    lm > 0 ? 100 * (lm - om) / lm : 0.0);
	free(ts), free(ra), free(x), free(y);
	dist_grads_free(late);
	dist_grads_free(over);
	unet_free(u);
	dist_close(d);
	return EXIT_OK;
}
