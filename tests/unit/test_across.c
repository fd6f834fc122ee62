/* Unit tests of the layers over a batch split between processes
 * (layers.h: SumAcross): batch norm and the loss on two halves, each in
 * its own thread standing in for a rank, with a sum across that adds
 * the two in rank order as MPI would, against the same layer on the
 * whole batch; and, with one process, the very bytes of the plain
 * layer. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "fd.h"
#include "layers.h"
#include "xalloc.h"

enum { C = 3, HW = 20, MAXN = 6, K = 5 };

/* Two ranks meeting in a sum: each posts its vector, both add. */
typedef struct {
	pthread_barrier_t bar;
	double *v[2];
} Meet;

typedef struct {
	Meet *m;
	int rank;
} Side;

static void
sum_two(void *arg, double *v, int len)
{
	Side *s = arg;
	double *t = xmallocarray((size_t)len, sizeof *t);

	s->m->v[s->rank] = v;
	pthread_barrier_wait(&s->m->bar);
	for (int i = 0; i < len; i++)
		t[i] = s->m->v[0][i] + s->m->v[1][i];
	pthread_barrier_wait(&s->m->bar);	/* both have read */
	memcpy(v, t, (size_t)len * sizeof *t);
	free(t);
}

static void
sum_one(void *arg, double *v, int len)
{
	(void)arg, (void)v, (void)len;
}

/* One batch norm's data and statistics. */
typedef struct {
	int n;
	float *z, *d;		/* [n][C][HW] */
	float gamma[C], beta[C], rm[C], rv[C];
	float mean[C], invstd[C], scale[C], shift[C], dg[C], db[C];
	SumAcross across;
} Bn;

static void
bn_init(Bn *b, int n, const float *z, const float *d)
{
	size_t len = (size_t)n * C * HW;

	memset(b, 0, sizeof *b);
	b->n = n;
	b->z = xmallocarray(len + 1, sizeof(float));
	b->d = xmallocarray(len + 1, sizeof(float));
	memcpy(b->z, z, len * sizeof(float));
	memcpy(b->d, d, len * sizeof(float));
	for (int c = 0; c < C; c++) {
		b->gamma[c] = 1 + 0.3f * c;
		b->beta[c] = 0.2f * c - 0.1f;
		b->rm[c] = 0.5f;
		b->rv[c] = 2;
	}
}

static void
bn_free(Bn *b)
{
	free(b->z), free(b->d);
}

static void *
bn_side(void *arg)
{
	Bn *b = arg;

	bn_train_across(b->z, b->n, C, HW, b->gamma, b->beta, b->rm, b->rv,
	    b->mean, b->invstd, b->scale, b->shift, &b->across, 2);
	bnrelu_backward_across(b->d, b->z, b->n, C, HW, b->mean, b->invstd,
	    b->scale, b->shift, b->dg, b->db, &b->across, 2);
	return NULL;
}

static void
fill(float *v, long n, Rng *r, double sd, double mean)
{
	fill_normal(v, n, r, sd);
	for (long i = 0; i < n; i++)
		v[i] += (float)mean;
}

/* The batch of MAXN split n0 + (MAXN - n0): the halves agree with each
 * other to the byte and with the whole batch to float rounding. */
static void
check_bn_split(int n0)
{
	float z[MAXN * C * HW], d[MAXN * C * HW];
	size_t off = (size_t)n0 * C * HW;
	Bn whole, h[2];
	Meet m;
	Side s[2] = { { &m, 0 }, { &m, 1 } };
	pthread_t th;
	Rng r;

	rng_seed(&r, 5);
	fill(z, MAXN * C * HW, &r, 2, 3);	/* a mean far from 0 */
	fill(d, MAXN * C * HW, &r, 1, 0);
	bn_init(&whole, MAXN, z, d);
	bn_train(whole.z, MAXN, C, HW, whole.gamma, whole.beta, whole.rm,
	    whole.rv, whole.mean, whole.invstd, whole.scale, whole.shift, 2);
	bnrelu_backward(whole.d, whole.z, MAXN, C, HW, whole.mean, whole.invstd,
	    whole.scale, whole.shift, whole.dg, whole.db, 2);
	bn_init(&h[0], n0, z, d);
	bn_init(&h[1], MAXN - n0, z + off, d + off);
	pthread_barrier_init(&m.bar, NULL, 2);
	for (int i = 0; i < 2; i++)
		h[i].across = (SumAcross){ sum_two, &s[i] };
	CHECK(pthread_create(&th, NULL, bn_side, &h[1]) == 0);
	bn_side(&h[0]);
	pthread_join(th, NULL);
	pthread_barrier_destroy(&m.bar);
	CHECK(memcmp(h[0].mean, h[1].mean, sizeof h[0].mean) == 0);
	CHECK(memcmp(h[0].invstd, h[1].invstd, sizeof h[0].invstd) == 0);
	CHECK(memcmp(h[0].rv, h[1].rv, sizeof h[0].rv) == 0);
	for (int c = 0; c < C; c++) {
		CHECK_NEAR(h[0].mean[c], whole.mean[c], 1e-6);
		CHECK_NEAR(h[0].invstd[c], whole.invstd[c], 1e-6);
		CHECK_NEAR(h[0].rm[c], whole.rm[c], 1e-6);
		CHECK_NEAR(h[0].rv[c], whole.rv[c], 1e-5);
		/* each rank adds its own part: the gradient sum adds them */
		CHECK_NEAR(h[0].dg[c] + h[1].dg[c], whole.dg[c], 1e-4);
		CHECK_NEAR(h[0].db[c] + h[1].db[c], whole.db[c], 1e-4);
	}
	for (size_t i = 0; i < (size_t)MAXN * C * HW; i++)
		CHECK_NEAR(i < off ? h[0].d[i] : h[1].d[i - off], whole.d[i],
		    1e-5);
	bn_free(&whole), bn_free(&h[0]), bn_free(&h[1]);
}

static void
test_bn_split(void)
{
	check_bn_split(3);
	check_bn_split(5);
	check_bn_split(0);	/* a rank with nothing still meets the others */
}

/* One process: the bytes of bn_train and bnrelu_backward. */
static void
test_bn_alone(void)
{
	float z[MAXN * C * HW], d[MAXN * C * HW];
	Bn a, b;
	Rng r;

	rng_seed(&r, 6);
	fill(z, MAXN * C * HW, &r, 2, -1);
	fill(d, MAXN * C * HW, &r, 1, 0);
	bn_init(&a, MAXN, z, d);
	bn_init(&b, MAXN, z, d);
	b.across = (SumAcross){ sum_one, NULL };
	bn_train(a.z, MAXN, C, HW, a.gamma, a.beta, a.rm, a.rv, a.mean,
	    a.invstd, a.scale, a.shift, 2);
	bnrelu_backward(a.d, a.z, MAXN, C, HW, a.mean, a.invstd, a.scale,
	    a.shift, a.dg, a.db, 2);
	bn_side(&b);
	CHECK(memcmp(a.mean, b.mean, sizeof a.mean) == 0);
	CHECK(memcmp(a.invstd, b.invstd, sizeof a.invstd) == 0);
	CHECK(memcmp(a.scale, b.scale, sizeof a.scale) == 0);
	CHECK(memcmp(a.shift, b.shift, sizeof a.shift) == 0);
	CHECK(memcmp(a.rm, b.rm, sizeof a.rm) == 0);
	CHECK(memcmp(a.rv, b.rv, sizeof a.rv) == 0);
	CHECK(memcmp(a.dg, b.dg, sizeof a.dg) == 0);
	CHECK(memcmp(a.db, b.db, sizeof a.db) == 0);
	CHECK(memcmp(a.d, b.d, sizeof d) == 0);
	bn_free(&a), bn_free(&b);
}

/* The loss of one side of a split batch. */
typedef struct {
	int n;
	float *l;
	const uint8_t *y;
	const float *wt;
	SumAcross across;
	LossStats st;
} Xent;

static void *
xent_side(void *arg)
{
	Xent *x = arg;
	int rc = softmax_xent_across(x->l, x->y, x->wt, x->n, K, HW,
	    &x->across, &x->st, 1, NULL);

	CHECK(rc == 0);
	return NULL;
}

/* Two ranks holding different numbers of scored pixels (and weights):
 * the loss, counts and gradients of the whole batch. */
static void
test_xent_split(void)
{
	enum { N0 = 2, NL = MAXN * K * HW };
	float l[NL], g[NL], wt[K] = { 0.5f, 1, 2, 1.5f, 0.25f };
	uint8_t y[MAXN * HW];
	size_t off = (size_t)N0 * K * HW;
	Meet m;
	Side s[2] = { { &m, 0 }, { &m, 1 } };
	Xent h[2];
	LossStats st;
	pthread_t th;
	Rng r;

	rng_seed(&r, 7);
	fill(l, NL, &r, 2, 0);
	for (int i = 0; i < MAXN * HW; i++)
		y[i] = i < N0 * HW && i % 3 == 0 ? 255 :
		    (uint8_t)rng_below(&r, K);
	memcpy(g, l, sizeof l);
	CHECK(softmax_xent(g, y, wt, MAXN, K, HW, &st, 1, NULL) == 0);
	float *lh = xmallocarray(NL, sizeof *lh);
	memcpy(lh, l, sizeof l);
	h[0] = (Xent){ N0, lh, y, wt, { sum_two, &s[0] }, { 0, 0, 0 } };
	h[1] = (Xent){ MAXN - N0, lh + off, y + N0 * HW, wt,
	    { sum_two, &s[1] }, { 0, 0, 0 } };
	pthread_barrier_init(&m.bar, NULL, 2);
	CHECK(pthread_create(&th, NULL, xent_side, &h[1]) == 0);
	xent_side(&h[0]);
	pthread_join(th, NULL);
	pthread_barrier_destroy(&m.bar);
	for (int i = 0; i < 2; i++) {
		CHECK_NEAR(h[i].st.loss, st.loss, 1e-12 * st.loss);
		CHECK_EQ_INT(h[i].st.valid, st.valid);
		CHECK_EQ_INT(h[i].st.correct, st.correct);
	}
	for (int i = 0; i < NL; i++)
		CHECK_NEAR(lh[i], g[i], 1e-7);
	/* alone: the bytes of softmax_xent */
	memcpy(lh, l, sizeof l);
	h[0] = (Xent){ MAXN, lh, y, wt, { sum_one, NULL }, { 0, 0, 0 } };
	xent_side(&h[0]);
	CHECK(memcmp(lh, g, sizeof g) == 0);
	CHECK(h[0].st.loss == st.loss && h[0].st.valid == st.valid);
	free(lh);
}

int
main(void)
{
	TEST(test_bn_split);
	TEST(test_bn_alone);
	TEST(test_xent_split);
	return tap_done();
}
