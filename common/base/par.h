/* par — a fork-join parallel loop on pthreads. Tasks go, in order, to
 * whichever thread is free, so a thread that the machine's other load
 * holds up does not hold up the loop. The thread index is for scratch
 * memory only: what a task computes must not depend on it, which keeps
 * results the same from run to run (sums over tasks are added in task
 * order by the caller).
 *
 * par_run starts its threads for the one loop; a ParTeam keeps them
 * between loops, for callers that run many short ones (a network's
 * layers): a loop then costs a wake-up, not a thread's creation. The
 * team's owner frees it; one caller at a time runs loops on a team. */
#ifndef IMATSEG_PAR_H
#define IMATSEG_PAR_H

typedef void ParFn(void *ctx, int task, int thread);

/* Runs fn for every task in [0, ntasks) on up to nthreads threads (the
 * caller's among them) and returns when all are done. */
void par_run(int nthreads, int ntasks, ParFn *fn, void *ctx);

typedef struct ParTeam ParTeam;

/* A team of nthreads (the caller's among them, fewer if threads cannot
 * be started); NULL without memory, which par_team_run takes as a team
 * of one. */
ParTeam *par_team_new(int nthreads);
void par_team_free(ParTeam *t);
/* par_run on the team's threads. A loop started while the team runs
 * one (from one of its tasks) runs on the calling thread alone. */
void par_team_run(ParTeam *t, int ntasks, ParFn *fn, void *ctx);

#endif
