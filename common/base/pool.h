/* pool — worker threads taking jobs, in no particular order, from a
 * bounded FIFO. pool_submit waits while the queue is full, so a producer
 * that outruns the threads blocks instead of filling memory; pool_try
 * refuses instead, for a server's event loop, which must never wait.
 * Each job is told the index of the thread running it (0 .. threads-1),
 * for scratch memory of that thread. Any thread may queue; jobs own
 * their arg. With 0 threads a job runs at once, in the caller, as
 * thread 0. (Ordered results: pmap.h. Fork-join loops: par.h.) */
#ifndef IMATSEG_POOL_H
#define IMATSEG_POOL_H

#include <stddef.h>

#include "err.h"

typedef void PoolFn(void *arg, int thread);
typedef struct Pool Pool;

/* At most `queue` jobs wait; NULL when a thread cannot be started (e
 * says so). */
Pool *pool_new(int threads, size_t queue, Err *e);
/* Queues fn(arg), waiting for room. */
void pool_submit(Pool *p, PoolFn *fn, void *arg);
/* Queues fn(arg): 0, or -1 (nothing queued) when the queue is full. */
int pool_try(Pool *p, PoolFn *fn, void *arg);
/* Jobs queued and not yet started. */
size_t pool_waiting(Pool *p);
/* Waits until no job waits or runs. */
void pool_wait(Pool *p);
/* pool_wait, then ends the threads. */
void pool_free(Pool *p);

#endif
