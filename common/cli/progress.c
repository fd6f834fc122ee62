/* progress — a status line of work done. See progress.h. */
#include "progress.h"

#include <stdlib.h>
#include <time.h>

#include "cli.h"
#include "xalloc.h"

struct Progress {
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
progress_new(int on, const char *what, uint64_t total)
{
	Progress *p;

	if (!on)
		return NULL;
	p = xcalloc(1, sizeof *p);
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

		if (f > 0.01)
			cli_status("%3d%% [%-30.*s] %llu %s, %.0f s, %.0f s left",
			    (int)(f * 100), bar, "##############################",
			    (unsigned long long)items, p->what, el, el / f - el);
		else
			cli_status("%3d%% [%-30.*s] %llu %s, %.0f s",
			    (int)(f * 100), bar, "##############################",
			    (unsigned long long)items, p->what, el);
	} else {
		cli_status("%llu %s, %.0f s", (unsigned long long)items,
		    p->what, el);
	}
}

void
progress_free(Progress *p)
{
	if (p == NULL)
		return;
	cli_status_clear();
	free(p);
}
