/* jobq — a refusing job queue. See jobq.h. */
#include "jobq.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

typedef struct {
	JobqFn *fn;
	void *arg;
} Job;

struct Jobq {
	pthread_mutex_t mu;
	pthread_cond_t work, idle;
	Job *ring;		/* capacity slots, head .. head+n-1 */
	size_t cap, head, n;
	int running, stop, nthreads;
	pthread_t *threads;
};

typedef struct {
	Jobq *q;
	int index;
} Worker;

static void *
worker(void *arg)
{
	Worker w = *(Worker *)arg;
	Jobq *q = w.q;

	free(arg);
	pthread_mutex_lock(&q->mu);
	for (;;) {
		Job j;

		while (q->n == 0 && !q->stop)
			pthread_cond_wait(&q->work, &q->mu);
		if (q->n == 0)
			break;
		j = q->ring[q->head];
		q->head = (q->head + 1) % q->cap;
		q->n--;
		q->running++;
		pthread_mutex_unlock(&q->mu);
		j.fn(j.arg, w.index);
		pthread_mutex_lock(&q->mu);
		q->running--;
		if (q->n == 0 && q->running == 0)
			pthread_cond_broadcast(&q->idle);
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

Jobq *
jobq_new(int threads, size_t capacity, Err *e)
{
	Jobq *q = xcalloc(1, sizeof *q);

	q->cap = capacity > 0 ? capacity : 1;
	q->ring = xmallocarray(q->cap, sizeof *q->ring);
	q->threads = xmallocarray(threads > 0 ? (size_t)threads : 1,
	    sizeof *q->threads);
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->work, NULL);
	pthread_cond_init(&q->idle, NULL);
	for (int i = 0; i < threads; i++) {
		Worker *w = xmalloc(sizeof *w);
		int rc;

		*w = (Worker){ q, i };
		if ((rc = pthread_create(&q->threads[i], NULL, worker, w)) != 0) {
			free(w);
			err_set(e, "cannot start a thread: %s", strerror(rc));
			jobq_free(q);
			return NULL;
		}
		q->nthreads++;
	}
	return q;
}

int
jobq_try(Jobq *q, JobqFn *fn, void *arg)
{
	int rc = -1;

	pthread_mutex_lock(&q->mu);
	if (q->n < q->cap && !q->stop) {
		q->ring[(q->head + q->n) % q->cap] = (Job){ fn, arg };
		q->n++;
		pthread_cond_signal(&q->work);
		rc = 0;
	}
	pthread_mutex_unlock(&q->mu);
	return rc;
}

size_t
jobq_waiting(Jobq *q)
{
	size_t n;

	pthread_mutex_lock(&q->mu);
	n = q->n;
	pthread_mutex_unlock(&q->mu);
	return n;
}

void
jobq_drain(Jobq *q)
{
	pthread_mutex_lock(&q->mu);
	while (q->n > 0 || q->running > 0)
		pthread_cond_wait(&q->idle, &q->mu);
	pthread_mutex_unlock(&q->mu);
}

void
jobq_free(Jobq *q)
{
	if (q == NULL)
		return;
	if (q->nthreads > 0)
		jobq_drain(q);
	pthread_mutex_lock(&q->mu);
	q->stop = 1;
	pthread_cond_broadcast(&q->work);
	pthread_mutex_unlock(&q->mu);
	for (int i = 0; i < q->nthreads; i++)
		pthread_join(q->threads[i], NULL);
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->work);
	pthread_cond_destroy(&q->idle);
	free(q->ring), free(q->threads), free(q);
}
