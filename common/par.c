#include "par.h"

#include <pthread.h>

enum { PAR_MAX = 64 };

typedef struct {
	ParFn *fn;
	void *ctx;
	int thread, lo, hi;
} Share;

static void *
run_share(void *arg)
{
	Share *s = arg;

	for (int t = s->lo; t < s->hi; t++)
		s->fn(s->ctx, t, s->thread);
	return NULL;
}

void
par_run(int nthreads, int ntasks, ParFn *fn, void *ctx)
{
	pthread_t tid[PAR_MAX];
	Share sh[PAR_MAX];
	int started[PAR_MAX] = { 0 };

	if (nthreads > ntasks)
		nthreads = ntasks;
	if (nthreads > PAR_MAX)
		nthreads = PAR_MAX;
	if (nthreads < 1)
		nthreads = 1;
	for (int j = 0; j < nthreads; j++) {
		sh[j] = (Share){ fn, ctx, j, (int)((long)j * ntasks / nthreads),
		    (int)((long)(j + 1) * ntasks / nthreads) };
		/* a thread that cannot start leaves its share to the caller */
		if (j > 0)
			started[j] = pthread_create(&tid[j], NULL, run_share,
			    &sh[j]) == 0;
	}
	run_share(&sh[0]);
	for (int j = 1; j < nthreads; j++) {
		if (started[j])
			pthread_join(tid[j], NULL);
		else
			run_share(&sh[j]);
	}
}
