/* Unit tests of par.h: every task runs exactly once, with each thread
 * index below the thread count, for par_run and for a team reused for
 * many loops; a loop started from inside a team's loop runs (on the
 * calling thread) instead of waiting for the team forever. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "par.h"
#include "tap.h"

enum { TASKS = 1000 };

typedef struct {
	atomic_int runs[TASKS];
	atomic_int bad_thread;
	int nthreads;
	ParTeam *team;		/* for the nested loop */
	atomic_int nested;
} Count;

static void
count_task(void *ctx, int t, int thread)
{
	Count *c = ctx;

	atomic_fetch_add(&c->runs[t], 1);
	if (thread < 0 || thread >= c->nthreads)
		atomic_fetch_add(&c->bad_thread, 1);
}

static void
reset(Count *c, int nthreads)
{
	for (int i = 0; i < TASKS; i++)
		atomic_init(&c->runs[i], 0);
	atomic_init(&c->bad_thread, 0);
	atomic_init(&c->nested, 0);
	c->nthreads = nthreads;
}

static int
each_once(Count *c, int ntasks)
{
	for (int i = 0; i < TASKS; i++)
		if (atomic_load(&c->runs[i]) != (i < ntasks))
			return 0;
	return atomic_load(&c->bad_thread) == 0;
}

static void
test_par_run(void)
{
	static Count c;

	for (int n = 1; n <= 5; n++)
		for (int tasks = 0; tasks <= TASKS; tasks += 333) {
			reset(&c, n);
			par_run(n, tasks, count_task, &c);
			CHECK(each_once(&c, tasks));
		}
}

static void
test_team(void)
{
	static Count c;

	for (int n = 1; n <= 4; n++) {
		ParTeam *t = par_team_new(n);

		CHECK(t != NULL);
		for (int loop = 0; loop < 200; loop++) {
			int tasks = loop % 7 == 0 ? loop % 3 : TASKS - loop;

			reset(&c, n);
			par_team_run(t, tasks, count_task, &c);
			CHECK(each_once(&c, tasks));
		}
		par_team_free(t);
	}
	reset(&c, 1);
	par_team_run(NULL, 10, count_task, &c);	/* no team: the caller */
	CHECK(each_once(&c, 10));
	par_team_free(NULL);
}

static void
nesting_task(void *ctx, int t, int thread)
{
	Count *c = ctx;
	static Count inner[8];

	(void)thread;
	reset(&inner[t], 1);
	par_team_run(c->team, 50, count_task, &inner[t]);
	if (each_once(&inner[t], 50))
		atomic_fetch_add(&c->nested, 1);
}

static void
test_team_nested(void)
{
	static Count c;

	reset(&c, 3);
	c.team = par_team_new(3);
	par_team_run(c.team, 8, nesting_task, &c);
	CHECK(atomic_load(&c.nested) == 8);
	par_team_free(c.team);
}

int
main(void)
{
	TEST(test_par_run);
	TEST(test_team);
	TEST(test_team_nested);
	return tap_done();
}
