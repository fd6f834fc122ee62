/* dist — ranks, sums across them, the bucketed gradient reduction.
 * See dist.h. */
#include "dist.h"

#include <mpi.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "parse.h"
#include "xalloc.h"

struct Dist {
	int mpi;		/* MPI initialised (started by mpirun) */
	int rank, size, local;
	int serialized;		/* MPI takes calls from any one thread */
	MPI_Comm comm;
	/* Held around every MPI call: a DistGrads's progress thread calls
	 * MPI too, never at the same time as the caller's thread. */
	pthread_mutex_t mu;
};

/* The launchers' variables: Open MPI's mpirun, and PMIx or PMI (srun). */
static int
under_launcher(void)
{
	return getenv("OMPI_COMM_WORLD_SIZE") != NULL ||
	    getenv("PMIX_RANK") != NULL || getenv("PMI_SIZE") != NULL;
}

/* Open MPI's non-blocking all-reduce (coll/libnbc) takes a binomial tree
 * below four ranks, which carries every byte twice one way after the
 * other; a ring carries half of them each way at once (on two ranks over
 * TCP on loopback, 25-30 ms instead of 40-50 for the 7.8 MB of filters
 * 16). From four ranks its default, reduce-scatter then allgather, is as
 * lean in bytes and pays fewer latencies than a ring: left alone. A
 * choice the user made in the environment stands. */
static void
prefer_ring(void)
{
	const char *s = getenv("OMPI_COMM_WORLD_SIZE");
	long n;

	if (s != NULL && parse_long(s, 2, 3, &n, NULL) == 0)
		setenv("OMPI_MCA_coll_libnbc_iallreduce_algorithm", "1", 0);
}

Dist *
dist_alone(void)
{
	Dist *d = xcalloc(1, sizeof *d);

	d->size = d->local = 1;
	pthread_mutex_init(&d->mu, NULL);
	return d;
}

Dist *
dist_open(void)
{
	Dist *d = dist_alone();
	MPI_Comm node;
	int provided;

	if (!under_launcher())
		return d;
	prefer_ring();
	MPI_Init_thread(NULL, NULL, MPI_THREAD_SERIALIZED, &provided);
	d->mpi = 1;
	d->serialized = provided >= MPI_THREAD_SERIALIZED;
	MPI_Comm_dup(MPI_COMM_WORLD, &d->comm);
	MPI_Comm_rank(d->comm, &d->rank);
	MPI_Comm_size(d->comm, &d->size);
	MPI_Comm_split_type(d->comm, MPI_COMM_TYPE_SHARED, d->rank,
	    MPI_INFO_NULL, &node);
	MPI_Comm_size(node, &d->local);
	MPI_Comm_free(&node);
	return d;
}

void
dist_close(Dist *d)
{
	if (d == NULL)
		return;
	if (d->mpi) {
		MPI_Comm_free(&d->comm);
		MPI_Finalize();
	}
	pthread_mutex_destroy(&d->mu);
	free(d);
}

void
dist_abort(Dist *d, int status)
{
	if (d != NULL && d->mpi)
		MPI_Abort(MPI_COMM_WORLD, status);
}

int
dist_under_mpi(const Dist *d)
{
	return d->mpi;
}

int
dist_rank(const Dist *d)
{
	return d->rank;
}

int
dist_size(const Dist *d)
{
	return d->size;
}

int
dist_local_size(const Dist *d)
{
	return d->local;
}

/* MPI counts are ints: long buffers go in pieces. */
enum { CHUNK = 1 << 30 };

static void
sum(Dist *d, void *v, size_t n, size_t size, MPI_Datatype type, MPI_Op op)
{
	if (!d->mpi)
		return;
	pthread_mutex_lock(&d->mu);
	for (size_t i = 0; i < n; i += CHUNK)
		MPI_Allreduce(MPI_IN_PLACE, (char *)v + i * size,
		    (int)(n - i < CHUNK ? n - i : CHUNK), type, op, d->comm);
	pthread_mutex_unlock(&d->mu);
}

void
dist_sum_double(Dist *d, double *v, size_t n)
{
	sum(d, v, n, sizeof *v, MPI_DOUBLE, MPI_SUM);
}

void
dist_sum_u64(Dist *d, uint64_t *v, size_t n)
{
	sum(d, v, n, sizeof *v, MPI_UINT64_T, MPI_SUM);
}

int
dist_max_int(Dist *d, int v)
{
	sum(d, &v, 1, sizeof v, MPI_INT, MPI_MAX);
	return v;
}

int
dist_sum_int(Dist *d, int v)
{
	sum(d, &v, 1, sizeof v, MPI_INT, MPI_SUM);
	return v;
}

int
dist_same_u64(Dist *d, uint64_t v)
{
	uint64_t lo = v, hi = v;

	sum(d, &lo, 1, sizeof lo, MPI_UINT64_T, MPI_MIN);
	sum(d, &hi, 1, sizeof hi, MPI_UINT64_T, MPI_MAX);
	return lo == hi;
}

void
dist_bcast_float(Dist *d, float *v, size_t n)
{
	if (!d->mpi)
		return;
	pthread_mutex_lock(&d->mu);
	for (size_t i = 0; i < n; i += CHUNK)
		MPI_Bcast(v + i, (int)(n - i < CHUNK ? n - i : CHUNK), MPI_FLOAT,
		    0, d->comm);
	pthread_mutex_unlock(&d->mu);
}

/* ---- the gradients ---- */

typedef struct {
	size_t off, len, at;	/* g[off, off + len) is packed at [at, ...) */
} Range;

struct DistGrads {
	Dist *d;
	float *g, *send, *recv;	/* send and recv: the buckets, packed in */
	size_t n, bucket;	/* the order the ranges came */
	int overlap;
	size_t fill, open;	/* floats packed; the open bucket's first */
	Range *ranges;
	int nranges, maxranges;
	/* The requests in flight, under d->mu: the progress thread tests
	 * them while inflight, so that buckets move between the reports. */
	MPI_Request *req;
	int nreq, maxreq, inflight, quit, thread;
	pthread_cond_t cv;
	pthread_t th;
	DistGradsStats st;
};

/* Between two tests of the requests in flight: Open MPI moves a
 * non-blocking collective on only inside MPI calls, and a test costs a
 * few microseconds. */
static const struct timespec NAP = { 0, 100000 };

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

static void *
progress(void *arg)
{
	DistGrads *dg = arg;
	pthread_mutex_t *mu = &dg->d->mu;
	int done;

	pthread_mutex_lock(mu);
	while (!dg->quit) {
		if (!dg->inflight) {
			pthread_cond_wait(&dg->cv, mu);
			continue;
		}
		MPI_Testall(dg->nreq, dg->req, &done, MPI_STATUSES_IGNORE);
		dg->inflight = !done;
		pthread_mutex_unlock(mu);
		nanosleep(&NAP, NULL);
		pthread_mutex_lock(mu);
	}
	pthread_mutex_unlock(mu);
	return NULL;
}

DistGrads *
dist_grads_new(Dist *d, float *g, size_t n, size_t bucket, int overlap)
{
	DistGrads *dg = xcalloc(1, sizeof *dg);

	dg->d = d;
	dg->g = g;
	dg->n = n;
	/* a bucket is one MPI message: its count is an int */
	dg->bucket = bucket < 1 ? 1 : bucket > CHUNK ? CHUNK : bucket;
	dg->overlap = overlap;
	if (!d->mpi)
		return dg;
	/* Apart, not in place: libnbc picks its binomial tree for
	 * MPI_IN_PLACE whatever the size. */
	dg->send = xaligned(n * sizeof(float));
	dg->recv = xaligned(n * sizeof(float));
	pthread_cond_init(&dg->cv, NULL);
	dg->thread = overlap && d->serialized &&
	    pthread_create(&dg->th, NULL, progress, dg) == 0;
	return dg;
}

void
dist_grads_free(DistGrads *dg)
{
	if (dg == NULL)
		return;
	if (dg->thread) {
		pthread_mutex_lock(&dg->d->mu);
		dg->quit = 1;
		pthread_cond_signal(&dg->cv);
		pthread_mutex_unlock(&dg->d->mu);
		pthread_join(dg->th, NULL);
	}
	if (dg->d->mpi)
		pthread_cond_destroy(&dg->cv);
	free(dg->send), free(dg->recv), free(dg->ranges), free(dg->req);
	free(dg);
}

/* Sends [open, upto) of the packed floats, under d->mu. */
static void
send_bucket(DistGrads *dg, size_t upto)
{
	if (dg->nreq == dg->maxreq) {
		dg->maxreq = dg->maxreq ? 2 * dg->maxreq : 16;
		dg->req = xreallocarray(dg->req, (size_t)dg->maxreq,
		    sizeof *dg->req);
	}
	MPI_Iallreduce(dg->send + dg->open, dg->recv + dg->open,
	    (int)(upto - dg->open), MPI_FLOAT, MPI_SUM, dg->d->comm,
	    &dg->req[dg->nreq++]);
	dg->open = upto;
	dg->inflight = 1;
	dg->st.buckets++;
	pthread_cond_signal(&dg->cv);
}

/* Every whole bucket packed, then with all the rest too: the buckets
 * are `bucket` floats but the last, whether sent early or late, so the
 * sums do not depend on overlap. */
static void
send_buckets(DistGrads *dg, int all)
{
	while (dg->fill - dg->open >= dg->bucket)
		send_bucket(dg, dg->open + dg->bucket);
	if (all && dg->fill > dg->open)
		send_bucket(dg, dg->fill);
}

void
dist_grads_ready(DistGrads *dg, size_t off, size_t len)
{
	double t0 = now();
	int done;

	if (!dg->d->mpi)
		return;
	if (dg->nranges == dg->maxranges) {
		dg->maxranges = dg->maxranges ? 2 * dg->maxranges : 64;
		dg->ranges = xreallocarray(dg->ranges, (size_t)dg->maxranges,
		    sizeof *dg->ranges);
	}
	dg->ranges[dg->nranges++] = (Range){ off, len, dg->fill };
	/* a range past the end is refused by dist_grads_finish */
	if (off > dg->n || len > dg->n - off || len > dg->n - dg->fill)
		return;
	memcpy(dg->send + dg->fill, dg->g + off, len * sizeof(float));
	dg->fill += len;
	dg->st.pack += now() - t0;
	if (!dg->overlap)
		return;
	pthread_mutex_lock(&dg->d->mu);
	send_buckets(dg, 0);
	/* without a progress thread, each report is a chance to move */
	if (!dg->thread && dg->nreq > 0)
		MPI_Testall(dg->nreq, dg->req, &done, MPI_STATUSES_IGNORE);
	pthread_mutex_unlock(&dg->d->mu);
}

static int
cmp_range(const void *a, const void *b)
{
	const Range *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

/* Whether the ranges tile g: every float once. */
static int
covered(DistGrads *dg, Err *e)
{
	size_t end = 0;
	Range *r = xmallocarray((size_t)dg->nranges + 1, sizeof *r);

	memcpy(r, dg->ranges, (size_t)dg->nranges * sizeof *r);
	qsort(r, (size_t)dg->nranges, sizeof *r, cmp_range);
	for (int i = 0; i < dg->nranges && end != SIZE_MAX; i++)
		end = r[i].off == end ? end + r[i].len : SIZE_MAX;
	free(r);
	if (end != dg->n)
		return err_set(e, "the backward pass reported its gradients "
		    "in %d ranges that do not cover the %zu once", dg->nranges,
		    dg->n);
	return 0;
}

int
dist_grads_finish(DistGrads *dg, Err *e)
{
	double t0;
	int rc;

	if (!dg->d->mpi)
		return 0;
	dg->st.passes++;
	rc = covered(dg, e);
	t0 = now();
	pthread_mutex_lock(&dg->d->mu);
	if (rc == 0)
		send_buckets(dg, 1);
	MPI_Waitall(dg->nreq, dg->req, MPI_STATUSES_IGNORE);
	dg->inflight = 0;
	pthread_mutex_unlock(&dg->d->mu);
	dg->st.wait += now() - t0;
	t0 = now();
	for (int i = 0; rc == 0 && i < dg->nranges; i++) {
		Range *r = &dg->ranges[i];

		memcpy(dg->g + r->off, dg->recv + r->at, r->len * sizeof(float));
	}
	dg->st.pack += now() - t0;
	dg->fill = dg->open = 0;
	dg->nranges = dg->nreq = 0;
	return rc;
}

void
dist_grads_stats(const DistGrads *dg, DistGradsStats *s)
{
	*s = dg->st;
}

/* ---- the U-Net's hooks ---- */

static void
net_sum(void *arg, double *v, int len)
{
	DistNet *dn = arg;

	if (dn->empty)
		memset(v, 0, (size_t)len * sizeof *v);
	dist_sum_double(dn->d, v, (size_t)len);
}

static void
net_grads(void *arg, size_t off, size_t len)
{
	DistNet *dn = arg;

	/* A stand-in's gradients are not all zero: with synchronised batch
	 * norm every pixel's gets the batch's corrections. */
	if (dn->empty && off <= dn->grads->n && len <= dn->grads->n - off)
		memset(dn->grads->g + off, 0, len * sizeof(float));
	dist_grads_ready(dn->grads, off, len);
}

void
dist_hook(DistNet *dn, Unet *u, int sync_bn)
{
	u->hooks = (UnetHooks){ .across = { net_sum, dn }, .sync_bn = sync_bn,
	    .grads_ready = net_grads, .grads_arg = dn };
}
