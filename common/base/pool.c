/* pool — jobs on threads from a bounded FIFO. See pool.h. */
#include "pool.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

typedef struct {
	PoolFn *fn;
	void *arg;
} Job;

struct Pool {
	pthread_mutex_t mu;
	pthread_cond_t work, room, idle;
	Job *ring;		/* cap slots, head .. head+n-1 */
	size_t cap, head, n;
	int running, stop, nthreads;
	pthread_t *threads;
};

typedef struct {
	Pool *p;
	int index;
} Worker;

static void *
worker(void *arg)
{
	Worker w = *(Worker *)arg;
	Pool *p = w.p;

	free(arg);
	pthread_mutex_lock(&p->mu);
	for (;;) {
		Job j;

		while (p->n == 0 && !p->stop)
			pthread_cond_wait(&p->work, &p->mu);
		if (p->n == 0)
			break;
		j = p->ring[p->head];
		p->head = (p->head + 1) % p->cap;
		p->n--;
		p->running++;
		pthread_cond_signal(&p->room);
		pthread_mutex_unlock(&p->mu);
		j.fn(j.arg, w.index);
		pthread_mutex_lock(&p->mu);
		p->running--;
		if (p->n == 0 && p->running == 0)
			pthread_cond_broadcast(&p->idle);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

Pool *
pool_new(int threads, size_t queue, Err *e)
{
	Pool *p = xcalloc(1, sizeof *p);

	p->cap = queue > 0 ? queue : 1;
	p->ring = xmallocarray(p->cap, sizeof *p->ring);
	p->threads = xmallocarray(threads > 0 ? (size_t)threads : 1,
	    sizeof *p->threads);
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->room, NULL);
	pthread_cond_init(&p->idle, NULL);
	for (int i = 0; i < threads; i++) {
		Worker *w = xmalloc(sizeof *w);
		int rc;

		*w = (Worker){ p, i };
		if ((rc = pthread_create(&p->threads[i], NULL, worker, w)) != 0) {
			free(w);
			err_set(e, "cannot start a thread: %s", strerror(rc));
			pool_free(p);
			return NULL;
		}
		p->nthreads++;
	}
	return p;
}

/* Queues a job; full says what to do when there is no room: wait (0)
 * or refuse (1). */
static int
queue(Pool *p, PoolFn *fn, void *arg, int refuse)
{
	if (p->nthreads == 0) {
		fn(arg, 0);
		return 0;
	}
	pthread_mutex_lock(&p->mu);
	while (p->n == p->cap && !refuse)
		pthread_cond_wait(&p->room, &p->mu);
	if (p->n == p->cap || p->stop) {
		pthread_mutex_unlock(&p->mu);
		return -1;
	}
	p->ring[(p->head + p->n) % p->cap] = (Job){ fn, arg };
	p->n++;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->mu);
	return 0;
}

void
pool_submit(Pool *p, PoolFn *fn, void *arg)
{
	(void)queue(p, fn, arg, 0);
}

int
pool_try(Pool *p, PoolFn *fn, void *arg)
{
	return queue(p, fn, arg, 1);
}

size_t
pool_waiting(Pool *p)
{
	size_t n;

	pthread_mutex_lock(&p->mu);
	n = p->n;
	pthread_mutex_unlock(&p->mu);
	return n;
}

void
pool_wait(Pool *p)
{
	pthread_mutex_lock(&p->mu);
	while (p->n > 0 || p->running > 0)
		pthread_cond_wait(&p->idle, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

void
pool_free(Pool *p)
{
	if (p == NULL)
		return;
	pool_wait(p);
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->room);
	pthread_cond_destroy(&p->idle);
	free(p->ring), free(p->threads), free(p);
}
