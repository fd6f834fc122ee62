#include "pmap.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

typedef struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t n, window, next_take, next_done;
	unsigned char *ready;	/* per slot */
	unsigned char *slots;
	size_t slot_size;
	int stop;
	PmapWork work;
	void *arg;
} Pmap;

static void *
worker(void *p_)
{
	Pmap *p = p_;
	size_t i;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->stop && p->next_take < p->n &&
		    p->next_take >= p->next_done + p->window)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->stop || p->next_take >= p->n)
			break;
		i = p->next_take++;
		pthread_mutex_unlock(&p->mu);
		p->work(i, p->slots + (i % p->window) * p->slot_size, p->arg);
		pthread_mutex_lock(&p->mu);
		p->ready[i % p->window] = 1;
		pthread_cond_broadcast(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static int
run_serial(size_t n, size_t slot_size, PmapWork work, PmapDone done,
    void *arg)
{
	void *slot = xcalloc(1, slot_size ? slot_size : 1);
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++) {
		work(i, slot, arg);
		rc = done(i, slot, arg);
	}
	free(slot);
	return rc;
}

int
pmap_ordered(size_t n, int threads, size_t slot_size, PmapWork work,
    PmapDone done, void *arg, Err *e)
{
	Pmap p = { .n = n, .slot_size = slot_size, .work = work, .arg = arg };
	pthread_t *tid;
	int started = 0, rc = 0;

	if (threads <= 1 || n <= 1)
		return run_serial(n, slot_size, work, done, arg);
	p.window = 2 * (size_t)threads;
	p.ready = xcalloc(p.window, 1);
	p.slots = xcalloc(p.window, slot_size ? slot_size : 1);
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.cv, NULL);
	tid = xmallocarray((size_t)threads, sizeof *tid);
	for (; started < threads; started++)
		if (pthread_create(&tid[started], NULL, worker, &p) != 0)
			break;
	if (started == 0) {
		rc = err_set(e, "cannot start threads");
		goto out;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		void *slot = p.slots + (i % p.window) * slot_size;

		pthread_mutex_lock(&p.mu);
		while (!p.ready[i % p.window])
			pthread_cond_wait(&p.cv, &p.mu);
		pthread_mutex_unlock(&p.mu);
		rc = done(i, slot, arg);
		pthread_mutex_lock(&p.mu);
		p.ready[i % p.window] = 0;
		p.next_done++;
		if (rc != 0)
			p.stop = 1;
		pthread_cond_broadcast(&p.cv);
		pthread_mutex_unlock(&p.mu);
	}
	for (int t = 0; t < started; t++)
		pthread_join(tid[t], NULL);
out:
	free(tid);
	pthread_mutex_destroy(&p.mu);
	pthread_cond_destroy(&p.cv);
	free(p.ready);
	free(p.slots);
	return rc;
}
