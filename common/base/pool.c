/* pool — jobs on threads, unordered, bounded: an ordered map (pmap)
 * whose items are (function, argument) pairs and whose results nobody
 * reads back. See pool.h. */
#include "pool.h"

#include <stdlib.h>

#include "pmap.h"
#include "xalloc.h"

typedef struct {
	void (*fn)(void *);
	void *arg;
} Job;

struct Pool {
	Pmap *pm;
};

static void
run_job(uint64_t item, void *slot, void *arg)
{
	Job *j = slot;

	(void)item, (void)arg;
	j->fn(j->arg);
}

Pool *
pool_new(int threads, int queue_len)
{
	Pool *p = xcalloc(1, sizeof *p);
	Err e;

	if (threads < 0)
		threads = 0;
	/* queued jobs, and one running on each thread */
	p->pm = pmap_new(threads, (size_t)(queue_len > 0 ? queue_len : 1) +
	    (size_t)threads, sizeof(Job), run_job, NULL, &e);
	if (p->pm == NULL)	/* no thread: run the jobs in the caller */
		p->pm = pmap_new(0, 1, sizeof(Job), run_job, NULL, &e);
	return p;
}

void
pool_submit(Pool *p, void (*fn)(void *), void *arg)
{
	Job *j;

	while ((j = pmap_slot(p->pm)) == NULL)
		pmap_take(p->pm, NULL);
	*j = (Job){ fn, arg };
	pmap_push(p->pm);
}

void
pool_wait(Pool *p)
{
	pmap_drain(p->pm);
}

void
pool_free(Pool *p)
{
	if (p == NULL)
		return;
	pmap_free(p->pm);
	free(p);
}
