#include "par.h"

#include <pthread.h>
#include <stdatomic.h>

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

static void *
work(void *arg)
{
	Worker *w = arg;
	Pool *p = w->p;
	int t;

	while ((t = atomic_fetch_add(&p->next, 1)) < p->ntasks)
		p->fn(p->ctx, t, w->thread);
	return NULL;
}

void
par_run(int nthreads, int ntasks, ParFn *fn, void *ctx)
{
	pthread_t tid[PAR_MAX];
	Worker wk[PAR_MAX];
	int started[PAR_MAX] = { 0 };
	Pool p;

	if (nthreads > ntasks)
		nthreads = ntasks;
	if (nthreads > PAR_MAX)
		nthreads = PAR_MAX;
	if (nthreads < 1)
		nthreads = 1;
	p.fn = fn;
	p.ctx = ctx;
	p.ntasks = ntasks;
	atomic_init(&p.next, 0);
	/* a thread that cannot start leaves its tasks to the others */
	for (int j = 0; j < nthreads; j++) {
		wk[j] = (Worker){ &p, j };
		if (j > 0)
			started[j] = pthread_create(&tid[j], NULL, work,
			    &wk[j]) == 0;
	}
	work(&wk[0]);
	for (int j = 1; j < nthreads; j++)
		if (started[j])
			pthread_join(tid[j], NULL);
}
