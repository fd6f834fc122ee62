#include "progress.h"

#include <stdlib.h>
#include <time.h>

#include "xalloc.h"

struct Progress {
	FILE *fp;
	const char *what;
	uint64_t total;
	double start, last;
};

static double
seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

Progress *
progress_new(FILE *fp, const char *what, uint64_t total)
{
	Progress *p;

	if (fp == NULL)
		return NULL;
	p = xcalloc(1, sizeof *p);
	p->fp = fp;
	p->what = what;
	p->total = total;
	p->start = seconds();
	return p;
}

void
progress_update(Progress *p, uint64_t done, uint64_t items)
{
	double now, el;

	if (p == NULL)
		return;
	now = seconds();
	if (now - p->last < 0.1)
		return;
	p->last = now;
	el = now - p->start;
	if (p->total > 0) {
		double f = (double)done / (double)p->total;
		int bar = (int)(f * 30);

		fprintf(p->fp, "\r%3d%% [%-30.*s] %llu %s, %.0f s", (int)(f * 100),
		    bar, "##############################",
		    (unsigned long long)items, p->what, el);
		if (f > 0.01)
			fprintf(p->fp, ", %.0f s left ", el / f - el);
	} else {
		fprintf(p->fp, "\r%llu %s, %.0f s ", (unsigned long long)items,
		    p->what, el);
	}
	fflush(p->fp);
}

void
progress_free(Progress *p)
{
	if (p == NULL)
		return;
	fprintf(p->fp, "\r\033[K");
	fflush(p->fp);
	free(p);
}
