/* Unit tests of pool.c: every queued job runs once on a thread of the
 * pool, a full queue refuses at once (pool_try) or waits for room
 * (pool_submit), pool_wait waits for the jobs, and with no threads a job
 * runs in the caller. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#include "pool.h"
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
	Pool *q = pool_new(2, 100, &e);
	int queued = 0;

	CHECK(q != NULL);
	for (int i = 0; i < 100; i++)
		queued += pool_try(q, job, NULL) == 0;
	pool_wait(q);
	CHECK_EQ_INT(atomic_load(&ctx.ran), queued);
	CHECK_EQ_INT(queued, 100);
	CHECK_EQ_INT(atomic_load(&ctx.bad_thread), 0);
	pool_free(q);
}

static void
test_full_refuses(void)
{
	Err e;
	Pool *q = pool_new(2, 3, &e);
	int ok = 0, refused = 0;

	atomic_store(&ctx.ran, 0);
	pthread_mutex_lock(&ctx.gate);
	/* two jobs start and block, three wait, the rest are refused */
	for (int i = 0; i < 10; i++) {
		if (pool_try(q, job, NULL) == 0)
			ok++;
		else
			refused++;
		if (i == 1)
			while (pool_waiting(q) > 0)
				nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	}
	CHECK_EQ_INT(ok, 5);
	CHECK_EQ_INT(refused, 5);
	CHECK_EQ_INT(pool_waiting(q), 3);
	pthread_mutex_unlock(&ctx.gate);
	pool_free(q);	/* drains first */
	CHECK_EQ_INT(atomic_load(&ctx.ran), 5);
}

static void
test_submit_waits(void)
{
	Err e;
	Pool *p = pool_new(2, 1, &e);

	atomic_store(&ctx.ran, 0);
	atomic_store(&ctx.bad_thread, 0);
	/* a queue of one: the producer keeps pace with the two threads */
	for (int i = 0; i < 50; i++)
		pool_submit(p, job, NULL);
	pool_wait(p);
	CHECK_EQ_INT(atomic_load(&ctx.ran), 50);
	CHECK_EQ_INT(atomic_load(&ctx.bad_thread), 0);
	pool_free(p);
}

static void
test_no_threads(void)
{
	Err e;
	Pool *p = pool_new(0, 4, &e);

	atomic_store(&ctx.ran, 0);
	pool_submit(p, job, NULL);
	CHECK_EQ_INT(atomic_load(&ctx.ran), 1);	/* already run */
	CHECK(pool_try(p, job, NULL) == 0);
	CHECK_EQ_INT(atomic_load(&ctx.ran), 2);
	pool_free(p);
}

int
main(void)
{
	pthread_mutex_init(&ctx.gate, NULL);
	TEST(test_runs_all);
	TEST(test_full_refuses);
	TEST(test_submit_waits);
	TEST(test_no_threads);
	return tap_done();
}
