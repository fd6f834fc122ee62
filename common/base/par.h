/* par — a fork-join parallel loop on pthreads. Tasks go, in order, to
 * whichever thread is free, so a thread that the machine's other load
 * holds up does not hold up the loop. The thread index is for scratch
 * memory only: what a task computes must not depend on it, which keeps
 * results the same from run to run (sums over tasks are added in task
 * order by the caller). */
#ifndef IMATSEG_PAR_H
#define IMATSEG_PAR_H

typedef void ParFn(void *ctx, int task, int thread);

/* Runs fn for every task in [0, ntasks) on up to nthreads threads (the
 * caller's among them) and returns when all are done. */
void par_run(int nthreads, int ntasks, ParFn *fn, void *ctx);

#endif
