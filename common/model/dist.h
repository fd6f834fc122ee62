/* dist — the processes (ranks) of one training run under mpirun, and the
 * one owner of MPI in imatseg: who we are, sums across the ranks, the
 * bucketed reduction of the gradients, the hooks that split a U-Net's
 * batch between ranks, and ending the whole job. No MPI type leaves this
 * module.
 *
 * A run not started by mpirun (no OMPI_COMM_WORLD_SIZE, PMIX_RANK or
 * PMI_SIZE in the environment) is one rank and never initialises MPI, so
 * it is the program it was without MPI: every function below is then the
 * identity on its data.
 *
 * Every sum here is the same bytes on every rank and, for a given number
 * of ranks and the same calls, from run to run: doubles and integers go
 * through MPI_Allreduce, the gradients (floats) through MPI_Iallreduce.
 * We rely on what Open MPI 4.1 does for both: it picks its algorithm from
 * the number of ranks and the message size alone (coll/tuned's fixed
 * rules, coll/libnbc's nbc_iallreduce.c; below four ranks we ask libnbc
 * for its ring), and each of its algorithms (binomial tree, recursive
 * doubling, reduce-scatter + allgather, ring) adds each element along one
 * fixed tree and hands every rank that one result. The trainer checks
 * the consequence (the same weights on every rank) after every epoch.
 *
 * MPI errors keep MPI's default handler: they end the job with MPI's
 * message, so no function here fails. A Dist owns its communicator;
 * dist_close finalises MPI. */
#ifndef IMATSEG_DIST_H
#define IMATSEG_DIST_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "unet.h"

typedef struct Dist Dist;

/* Joins the job that mpirun started, or, outside mpirun, a job of one
 * that needs no MPI. */
Dist *dist_open(void);
/* A job of one without MPI, wherever we run. */
Dist *dist_alone(void);
/* Leaves the job (MPI_Finalize): every rank, on the way out of a run
 * they all ended the same way. */
void dist_close(Dist *d);
/* Ends every rank of the job now with status (MPI_Abort), for a failure
 * the others cannot know of: they may be waiting in a sum that will never
 * come. Returns only outside mpirun, where the caller exits itself. Only
 * programs call it. */
void dist_abort(Dist *d, int status);

int dist_under_mpi(const Dist *d);	/* started by mpirun */
int dist_rank(const Dist *d);
int dist_size(const Dist *d);
/* Ranks on this machine (this one among them): the share of its cores. */
int dist_local_size(const Dist *d);

/* v[0..n) replaced by its sums over the ranks. */
void dist_sum_double(Dist *d, double *v, size_t n);
void dist_sum_u64(Dist *d, uint64_t *v, size_t n);
/* The largest of the ranks' v, and their sum. */
int dist_max_int(Dist *d, int v);
int dist_sum_int(Dist *d, int v);
/* Whether every rank passed the same v. */
int dist_same_u64(Dist *d, uint64_t v);
/* Rank 0's v[0..n) to every rank. */
void dist_bcast_float(Dist *d, float *v, size_t n);

/* The sum of a gradient buffer over the ranks, in buckets started while
 * the backward pass still runs (as PyTorch's DDP): the pass reports each
 * range of g as it becomes final; a bucket is sent once it holds `bucket`
 * floats, and every report drives the sends in flight. Ranges may come in
 * any order but must be the same on every rank, so the buckets are; each
 * float of g is reported once per pass. With overlap 0 the buckets wait
 * for dist_grads_finish (the same sums, for measuring what overlap
 * saves). The buffer g is borrowed. */
typedef struct DistGrads DistGrads;

/* What a DistGrads measured, in seconds, since it was made. */
typedef struct {
	uint64_t passes, buckets;
	double wait;	/* in dist_grads_finish: the reduction not hidden */
	double pack;	/* copying ranges to and from the buckets */
} DistGradsStats;

DistGrads *dist_grads_new(Dist *d, float *g, size_t n, size_t bucket,
    int overlap);
void dist_grads_free(DistGrads *dg);
/* g[off, off + len) is final for this pass. */
void dist_grads_ready(DistGrads *dg, size_t off, size_t len);
/* Sends the rest and waits: g holds the sums. Fails when the pass did not
 * report every float of g exactly once (then g is as the ranks left it). */
int dist_grads_finish(DistGrads *dg, Err *e);
void dist_grads_stats(const DistGrads *dg, DistGradsStats *s);

/* A U-Net's passes over this rank's slice of a global batch
 * (UnetHooks): the loss's normaliser, and with sync_bn the batch
 * statistics, summed across the ranks by dist_sum_double, the gradients
 * by grads. A rank with an empty slice runs a stand-in sample with
 * `empty` set, so that it makes the same calls as the others: its sums
 * and gradients then count nothing. The DistNet must outlive the
 * hooks. */
typedef struct {
	Dist *d;
	DistGrads *grads;
	int empty;
} DistNet;

void dist_hook(DistNet *dn, Unet *u, int sync_bn);

#endif
