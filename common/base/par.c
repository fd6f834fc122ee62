#include "par.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>

enum { PAR_MAX = 64 };

typedef struct {
	ParFn *fn;
	void *ctx;
	int ntasks;
	atomic_int next;
} Pool;

typedef struct {
	Pool *p;
	int thread;
} Worker;

static void
work(Worker *w)
{
	Pool *p = w->p;
	int t;

	while ((t = atomic_fetch_add(&p->next, 1)) < p->ntasks)
		p->fn(p->ctx, t, w->thread);
}

static void *
work_thread(void *arg)
{
	work(arg);
	return NULL;
}

static int
clamp_threads(int nthreads, int ntasks)
{
	if (nthreads > ntasks)
		nthreads = ntasks;
	if (nthreads > PAR_MAX)
		nthreads = PAR_MAX;
	return nthreads < 1 ? 1 : nthreads;
}

void
par_run(int nthreads, int ntasks, ParFn *fn, void *ctx)
{
	pthread_t tid[PAR_MAX];
	Worker wk[PAR_MAX];
	int started[PAR_MAX] = { 0 };
	Pool p;

	nthreads = clamp_threads(nthreads, ntasks);
	p.fn = fn;
	p.ctx = ctx;
	p.ntasks = ntasks;
	atomic_init(&p.next, 0);
	/* a thread that cannot start leaves its tasks to the others */
	for (int j = 0; j < nthreads; j++) {
		wk[j] = (Worker){ &p, j };
		if (j > 0)
			started[j] = pthread_create(&tid[j], NULL, work_thread,
			    &wk[j]) == 0;
	}
	work(&wk[0]);
	for (int j = 1; j < nthreads; j++)
		if (started[j])
			pthread_join(tid[j], NULL);
}

struct ParTeam {
	pthread_mutex_t mu;
	pthread_cond_t go, done;
	pthread_t tid[PAR_MAX];
	Worker wk[PAR_MAX];	/* [0] is the caller's */
	int n;			/* threads, the caller's included */
	int quit;
	unsigned long gen;	/* loops started: a worker waits for the next */
	int active;		/* workers still in the current loop */
	atomic_int busy;	/* a loop runs */
	Pool p;
};

/* Worker w of a team: its Worker's pool is the team's. */
static void *
team_thread(void *arg)
{
	Worker *w = arg;
	ParTeam *t = (ParTeam *)((char *)w->p - offsetof(ParTeam, p));
	unsigned long seen = 0;

	for (;;) {
		pthread_mutex_lock(&t->mu);
		while (t->gen == seen && !t->quit)
			pthread_cond_wait(&t->go, &t->mu);
		if (t->quit) {
			pthread_mutex_unlock(&t->mu);
			return NULL;
		}
		seen = t->gen;
		pthread_mutex_unlock(&t->mu);
		work(w);
		pthread_mutex_lock(&t->mu);
		if (--t->active == 0)
			pthread_cond_signal(&t->done);
		pthread_mutex_unlock(&t->mu);
	}
}

ParTeam *
par_team_new(int nthreads)
{
	ParTeam *t;
	int n = clamp_threads(nthreads, PAR_MAX);

	if ((t = calloc(1, sizeof *t)) == NULL)
		return NULL;
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->go, NULL);
	pthread_cond_init(&t->done, NULL);
	atomic_init(&t->busy, 0);
	/* a thread that cannot start leaves the team smaller */
	for (t->n = 1; t->n < n; t->n++) {
		t->wk[t->n] = (Worker){ &t->p, t->n };
		if (pthread_create(&t->tid[t->n], NULL, team_thread,
		    &t->wk[t->n]) != 0)
			break;
	}
	t->wk[0] = (Worker){ &t->p, 0 };
	return t;
}

void
par_team_free(ParTeam *t)
{
	if (t == NULL)
		return;
	pthread_mutex_lock(&t->mu);
	t->quit = 1;
	pthread_cond_broadcast(&t->go);
	pthread_mutex_unlock(&t->mu);
	for (int j = 1; j < t->n; j++)
		pthread_join(t->tid[j], NULL);
	pthread_cond_destroy(&t->go);
	pthread_cond_destroy(&t->done);
	pthread_mutex_destroy(&t->mu);
	free(t);
}

void
par_team_run(ParTeam *t, int ntasks, ParFn *fn, void *ctx)
{
	int idle = 0;

	if (t == NULL || t->n == 1 || ntasks <= 1 ||
	    !atomic_compare_exchange_strong(&t->busy, &idle, 1)) {
		par_run(1, ntasks, fn, ctx);
		return;
	}
	pthread_mutex_lock(&t->mu);
	t->p.fn = fn;
	t->p.ctx = ctx;
	t->p.ntasks = ntasks;
	atomic_init(&t->p.next, 0);
	t->active = t->n - 1;
	t->gen++;
	pthread_cond_broadcast(&t->go);
	pthread_mutex_unlock(&t->mu);
	work(&t->wk[0]);
	pthread_mutex_lock(&t->mu);
	while (t->active > 0)
		pthread_cond_wait(&t->done, &t->mu);
	pthread_mutex_unlock(&t->mu);
	atomic_store(&t->busy, 0);
}
