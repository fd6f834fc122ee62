/* pmap — ordered parallel work. See pmap.h.
 *
 * Items are numbered by pushes. Item i sits in slot i % window; `taken`
 * items have been handed back, `held` says whether the last of them is
 * still the caller's, `claimed` items have been started by a worker,
 * `pushed` items queued. */
#include "pmap.h"

#include <pthread.h>
#include <stdlib.h>

#include "xalloc.h"

struct Pmap {
	pthread_mutex_t mu;
	pthread_cond_t work_cv, done_cv;
	size_t window, slot_size;
	unsigned char *slots;
	unsigned char *ready;	/* per slot: its item's work is done */
	uint64_t pushed, claimed, taken;
	int held, busy, quit;
	PmapWork work;
	void *arg;
	pthread_t *tid;
	int nthreads;
};

static void *
slot_of(Pmap *p, uint64_t item)
{
	return p->slots + (size_t)(item % p->window) * p->slot_size;
}

static void *
worker(void *arg)
{
	Pmap *p = arg;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		uint64_t i;

		while (!p->quit && p->claimed == p->pushed)
			pthread_cond_wait(&p->work_cv, &p->mu);
		if (p->quit)
			break;
		i = p->claimed++;
		p->busy++;
		pthread_mutex_unlock(&p->mu);
		p->work(i, slot_of(p, i), p->arg);
		pthread_mutex_lock(&p->mu);
		p->busy--;
		p->ready[i % p->window] = 1;
		pthread_cond_broadcast(&p->done_cv);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

Pmap *
pmap_new(int threads, size_t window, size_t slot_size, PmapWork work,
    void *arg, Err *e)
{
	Pmap *p = xcalloc(1, sizeof *p);

	p->window = window > 0 ? window : 1;
	p->slot_size = slot_size > 0 ? slot_size : 1;
	p->slots = xcalloc(p->window, p->slot_size);
	p->ready = xcalloc(p->window, 1);
	p->work = work;
	p->arg = arg;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work_cv, NULL);
	pthread_cond_init(&p->done_cv, NULL);
	p->tid = xcalloc(threads > 0 ? (size_t)threads : 1, sizeof *p->tid);
	for (; p->nthreads < threads; p->nthreads++)
		if (pthread_create(&p->tid[p->nthreads], NULL, worker, p) != 0)
			break;
	if (threads > 0 && p->nthreads == 0) {
		pmap_free(p);
		err_set(e, "cannot start threads");
		return NULL;
	}
	return p;
}

void
pmap_free(Pmap *p)
{
	if (p == NULL)
		return;
	pmap_drain(p);
	pthread_mutex_lock(&p->mu);
	p->quit = 1;
	pthread_cond_broadcast(&p->work_cv);
	pthread_mutex_unlock(&p->mu);
	for (int t = 0; t < p->nthreads; t++)
		pthread_join(p->tid[t], NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->work_cv);
	pthread_cond_destroy(&p->done_cv);
	free(p->tid);
	free(p->ready);
	free(p->slots);
	free(p);
}

void *
pmap_slot_at(Pmap *p, size_t j)
{
	return p->slots + (j % p->window) * p->slot_size;
}

void *
pmap_slot(Pmap *p)
{
	p->held = 0;
	if (p->pushed - p->taken >= p->window)
		return NULL;
	return slot_of(p, p->pushed);
}

void
pmap_push(Pmap *p)
{
	uint64_t i = p->pushed;

	if (p->nthreads == 0) {
		p->work(i, slot_of(p, i), p->arg);
		p->ready[i % p->window] = 1;
		p->pushed++;
		return;
	}
	pthread_mutex_lock(&p->mu);
	p->ready[i % p->window] = 0;
	p->pushed++;
	pthread_cond_signal(&p->work_cv);
	pthread_mutex_unlock(&p->mu);
}

size_t
pmap_pending(const Pmap *p)
{
	return (size_t)(p->pushed - p->taken);
}

void *
pmap_take(Pmap *p, uint64_t *item)
{
	uint64_t i = p->taken;

	p->held = 0;
	if (i == p->pushed)
		return NULL;
	pthread_mutex_lock(&p->mu);
	while (!p->ready[i % p->window])
		pthread_cond_wait(&p->done_cv, &p->mu);
	pthread_mutex_unlock(&p->mu);
	p->taken++;
	p->held = 1;
	if (item != NULL)
		*item = i;
	return slot_of(p, i);
}

void
pmap_drain(Pmap *p)
{
	while (pmap_take(p, NULL) != NULL)
		;
	p->held = 0;
}

int
pmap_ordered(size_t n, int threads, size_t slot_size, PmapWork work,
    PmapDone done, void *arg, Err *e)
{
	Pmap *p;
	uint64_t item;
	void *slot;
	int rc = 0;

	if (threads <= 1 || n <= 1)
		threads = 0;
	if ((p = pmap_new(threads, threads > 0 ? 2 * (size_t)threads : 1,
	    slot_size, work, arg, e)) == NULL)
		return -1;
	for (size_t i = 0; i < n && rc == 0; i++) {
		while (pmap_slot(p) == NULL && rc == 0) {
			slot = pmap_take(p, &item);
			rc = done(item, slot, arg);
		}
		if (rc == 0)
			pmap_push(p);
	}
	while (rc == 0 && (slot = pmap_take(p, &item)) != NULL)
		rc = done(item, slot, arg);
	pmap_free(p);
	return rc;
}
