/* tap.h — a TAP producer for the C unit tests of common/.
 * CHECK records a failure with file and line and carries on; each TEST
 * prints one "ok"/"not ok" line; tap_done() returns the exit status.
 * No test ever prints "ok" after a failed CHECK. */
#ifndef IMATSEG_TAP_H
#define IMATSEG_TAP_H

#include <math.h>
#include <stdio.h>

static int tap_n, tap_failed, tap_cur_failed;

#define CHECK(cond) do { \
	if (!(cond)) { \
		printf("#   %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
		tap_cur_failed = 1; \
	} \
} while (0)

#define CHECK_EQ_INT(a, b) do { \
	long long a_ = (long long)(a), b_ = (long long)(b); \
	if (a_ != b_) { \
		printf("#   %s:%d: %s == %lld, expected %s == %lld\n", __FILE__, \
		    __LINE__, #a, a_, #b, b_); \
		tap_cur_failed = 1; \
	} \
} while (0)

#define CHECK_NEAR(a, b, tol) do { \
	double a_ = (double)(a), b_ = (double)(b); \
	if (!(fabs(a_ - b_) <= (tol))) { \
		printf("#   %s:%d: %s = %.10g, expected %.10g (tol %g)\n", \
		    __FILE__, __LINE__, #a, a_, b_, (double)(tol)); \
		tap_cur_failed = 1; \
	} \
} while (0)

#define TEST(fn) do { \
	tap_cur_failed = 0; \
	fn(); \
	tap_n++; \
	if (tap_cur_failed) tap_failed++; \
	printf("%sok %d - %s\n", tap_cur_failed ? "not " : "", tap_n, #fn); \
	fflush(stdout); \
} while (0)

static int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
