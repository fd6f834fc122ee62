/* par — a fork-join parallel loop on pthreads, with a fixed schedule:
 * task t always runs on thread t * nthreads / ntasks (contiguous blocks),
 * so per-thread partial sums, added in thread order, give the same bytes
 * on every run with the same thread count. */
#ifndef IMATSEG_PAR_H
#define IMATSEG_PAR_H

typedef void ParFn(void *ctx, int task, int thread);

/* Runs fn for every task in [0, ntasks) on up to nthreads threads (the
 * caller's among them) and returns when all are done. */
void par_run(int nthreads, int ntasks, ParFn *fn, void *ctx);

#endif
