/* pool — N worker threads draining a bounded queue of jobs, so a producer
 * that outruns them blocks instead of filling memory; built on pmap, for
 * work whose order does not matter. With 0 threads, pool_submit runs the
 * job at once in the caller. One thread submits; jobs own their arg. */
#ifndef IMATSEG_POOL_H
#define IMATSEG_POOL_H

typedef struct Pool Pool;

Pool *pool_new(int threads, int queue_len);
void pool_submit(Pool *p, void (*fn)(void *), void *arg);
/* Waits until every submitted job has run. */
void pool_wait(Pool *p);
/* pool_wait, then ends the threads. */
void pool_free(Pool *p);

#endif
