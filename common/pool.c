#include "pool.h"

#include <pthread.h>
#include <stdlib.h>

#include "xalloc.h"

typedef struct {
	void (*fn)(void *);
	void *arg;
} Job;

struct Pool {
	pthread_mutex_t mu;
	pthread_cond_t not_empty, not_full, idle;
	Job *q;
	int cap, head, count, running, stop, nthreads;
	pthread_t *threads;
};

static void *
worker(void *arg)
{
	Pool *p = arg;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		Job j;

		while (p->count == 0 && !p->stop)
			pthread_cond_wait(&p->not_empty, &p->mu);
		if (p->count == 0)
			break;
		j = p->q[p->head];
		p->head = (p->head + 1) % p->cap;
		p->count--;
		p->running++;
		pthread_cond_signal(&p->not_full);
		pthread_mutex_unlock(&p->mu);
		j.fn(j.arg);
		pthread_mutex_lock(&p->mu);
		p->running--;
		if (p->count == 0 && p->running == 0)
			pthread_cond_broadcast(&p->idle);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

Pool *
pool_new(int threads, int queue_len)
{
	Pool *p = xcalloc(1, sizeof *p);

	p->cap = queue_len > 0 ? queue_len : 1;
	p->q = xcalloc((size_t)p->cap, sizeof *p->q);
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->not_empty, NULL);
	pthread_cond_init(&p->not_full, NULL);
	pthread_cond_init(&p->idle, NULL);
	p->threads = xcalloc(threads > 0 ? (size_t)threads : 1, sizeof *p->threads);
	for (int i = 0; i < threads; i++)
		if (pthread_create(&p->threads[p->nthreads], NULL, worker, p) == 0)
			p->nthreads++;
	return p;
}

void
pool_submit(Pool *p, void (*fn)(void *), void *arg)
{
	if (p->nthreads == 0) {
		fn(arg);
		return;
	}
	pthread_mutex_lock(&p->mu);
	while (p->count == p->cap)
		pthread_cond_wait(&p->not_full, &p->mu);
	p->q[(p->head + p->count) % p->cap] = (Job){ fn, arg };
	p->count++;
	pthread_cond_signal(&p->not_empty);
	pthread_mutex_unlock(&p->mu);
}

void
pool_wait(Pool *p)
{
	pthread_mutex_lock(&p->mu);
	while (p->count > 0 || p->running > 0)
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
	pthread_cond_broadcast(&p->not_empty);
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->not_empty);
	pthread_cond_destroy(&p->not_full);
	pthread_cond_destroy(&p->idle);
	free(p->threads);
	free(p->q);
	free(p);
}
