/* Unit tests of jobq.c: every queued job runs once on a thread of the
 * queue, a full queue refuses at once, and drain waits for the jobs. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#include "jobq.h"
#include "tap.h"

typedef struct {
	atomic_int ran, bad_thread;
	pthread_mutex_t gate;	/* held: jobs wait on it */
} Ctx;

static Ctx ctx;

static void
job(void *arg, int thread)
{
	(void)arg;
	pthread_mutex_lock(&ctx.gate);
	pthread_mutex_unlock(&ctx.gate);
	if (thread < 0 || thread >= 2)
		atomic_fetch_add(&ctx.bad_thread, 1);
	atomic_fetch_add(&ctx.ran, 1);
}

static void
test_runs_all(void)
{
	Err e;
	Jobq *q = jobq_new(2, 100, &e);
	int queued = 0;

	CHECK(q != NULL);
	for (int i = 0; i < 100; i++)
		queued += jobq_try(q, job, NULL) == 0;
	jobq_drain(q);
	CHECK_EQ_INT(atomic_load(&ctx.ran), queued);
	CHECK_EQ_INT(queued, 100);
	CHECK_EQ_INT(atomic_load(&ctx.bad_thread), 0);
	jobq_free(q);
}

static void
test_full_refuses(void)
{
	Err e;
	Jobq *q = jobq_new(2, 3, &e);
	int ok = 0, refused = 0;

	atomic_store(&ctx.ran, 0);
	pthread_mutex_lock(&ctx.gate);
	/* two jobs start and block, three wait, the rest are refused */
	for (int i = 0; i < 10; i++) {
		if (jobq_try(q, job, NULL) == 0)
			ok++;
		else
			refused++;
		if (i == 1)
			while (jobq_waiting(q) > 0)
				nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	}
	CHECK_EQ_INT(ok, 5);
	CHECK_EQ_INT(refused, 5);
	CHECK_EQ_INT(jobq_waiting(q), 3);
	pthread_mutex_unlock(&ctx.gate);
	jobq_free(q);	/* drains first */
	CHECK_EQ_INT(atomic_load(&ctx.ran), 5);
}

int
main(void)
{
	pthread_mutex_init(&ctx.gate, NULL);
	TEST(test_runs_all);
	TEST(test_full_refuses);
	return tap_done();
}
