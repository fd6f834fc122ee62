/* jobq — worker threads taking jobs from a bounded FIFO that refuses
 * instead of blocking: jobq_try fails when `capacity` jobs already wait.
 * pool.h makes a producer that outruns its threads wait; a server's
 * event loop must never wait, so it answers "busy" instead. Each job is
 * told the index of the thread running it, for scratch memory of that
 * thread. Any thread may queue jobs. */
#ifndef IMATSEG_JOBQ_H
#define IMATSEG_JOBQ_H

#include <stddef.h>

#include "err.h"

typedef void JobqFn(void *arg, int thread);
typedef struct Jobq Jobq;

/* NULL when a thread cannot be started (e says so). */
Jobq *jobq_new(int threads, size_t capacity, Err *e);
/* Queues fn(arg): 0, or -1 (nothing queued) when the queue is full. */
int jobq_try(Jobq *q, JobqFn *fn, void *arg);
/* Jobs queued and not yet started. */
size_t jobq_waiting(Jobq *q);
/* Waits until no job waits or runs. */
void jobq_drain(Jobq *q);
/* jobq_drain, then ends the threads. */
void jobq_free(Jobq *q);

#endif
