#include "wino.h"

#include <string.h>

#include "kern.h"
#include "par.h"
#include "slots.h"

/* A chunk's transformed input and products, P * (ci + co) floats a
 * tile, are kept near 2 MiB (measured a little faster than 256 KiB to
 * 1 MiB: the GEMMs' packing, not the cache, sets the pace); but never
 * fewer than 64 tiles, where each GEMM would spend more on packing its
 * weights than on multiplying. */
#define CHUNK_FLOATS (1L << 19)
enum { MIN_TILES = 64, SLACK = 16 };
/* Forward work is cut into at least this many tasks where the batch has
 * few chunks (deep levels, one image): the chunks' output channels are
 * split, each part no narrower than MIN_BLOCK. */
enum { MIN_TASKS = 8, MIN_BLOCK = 32 };

typedef struct {
	const WinoKern *k;
	int m, np;	/* outputs per tile side, transform values per tile */
	int th, tw;	/* tiles per image: rows, columns */
	int rows;	/* tile rows per chunk */
	long ld;	/* floats between a transform's rows: a chunk plus slack */
	long ldp;	/* floats per padded row */
} Plan;

static long
round16(long x)
{
	return (x + 15) & ~15L;
}

/* k may be NULL where only the sizes matter. */
static Plan
plan_for(int m, const WinoKern *k, int ci, int co, int h, int w)
{
	Plan p;
	int a = m + 2;
	long tiles = CHUNK_FLOATS / ((long)a * a * (ci + co));

	p.k = k;
	p.m = m;
	p.np = a * a;
	p.th = (h + p.m - 1) / p.m;
	p.tw = (w + p.m - 1) / p.m;
	if (tiles < MIN_TILES)
		tiles = MIN_TILES;
	p.rows = tiles / p.tw > 1 ? (int)(tiles / p.tw) : 1;
	p.ld = round16((long)p.rows * p.tw + SLACK);
	/* column -1, the image, and zeros to where the last vector reads */
	p.ldp = round16(p.m * round16(p.tw) + p.m);
	return p;
}

/* V and M (or D) of a chunk and its padded rows. */
static size_t
plan_scratch(const Plan *p, int ci, int co)
{
	return (size_t)((long)p->np * (ci + co) * p->ld +
	    ((long)p->m * p->rows + 2) * p->ldp);
}

size_t
wino_scratch(int m, int ci, int co, int h, int w)
{
	Plan p = plan_for(m, NULL, ci, co, h, w);

	return plan_scratch(&p, ci, co);
}

/* The output channels of a weight gradient's pass: each thread's sum
 * of dU, P x ob x ci floats, is kept under 4 MiB; the chunks' input
 * transform is then redone per block, a small cost beside the GEMMs
 * of the deep layers where it happens. */
#define GRAD_FLOATS (1L << 20)

static int
grad_block(int np, int ci, int co)
{
	long ob = GRAD_FLOATS / ((long)np * ci);

	return ob >= co ? co : ob < 16 ? 16 : (int)ob;
}

/* The transformed weights of a convolution, or each thread's sum of dU
 * in a weight gradient: the two never meet. */
size_t
wino_shared(int m, int ci, int co, int nthreads, int grad)
{
	size_t np = (size_t)(m + 2) * (m + 2), u = np * ci * co;
	size_t g = np * (size_t)grad_block((int)np, ci, co) * ci * nthreads;

	return grad && g > u ? g : u;
}

/* One call, shared by its tasks. */
typedef struct {
	const Dsts *out;
	const float *b;
	const Srcs *in;
	const float *dz;	/* the weight gradient's */
	const float *wt;
	float *u;		/* [P][co][ci]: U of the GEMMs' left side */
	int flip, n, ci, co, h, w, nchunks, nblk;
	int gblk;	/* output channels per pass of the weight gradient */
	Plan p;
	Work *wk;
} Job;

/* Row o of every U_p: the kernels of output channel o (forward), or of
 * the layer's input channel o (flip: transposed, flipped). */
static void
weights_task(void *ctx, int o, int thread)
{
	Job *j = ctx;
	const float *g = j->flip ? j->wt + (long)o * 9 :
	    j->wt + (long)o * j->ci * 9;

	(void)thread;
	j->wk->kern->wino_weights(j->p.m + 2, j->u + (long)o * j->ci,
	    (long)j->co * j->ci, g, j->flip ? (long)j->co * 9 : 9, j->ci,
	    j->flip);
}

/* Rows a..b-1 of channel c as read, into rows ldp apart from column 0
 * of out: through the instruction set's batch norm + ReLU, or tensor.h's
 * reader for a dropout mask. */
static void
read_rows(const Srcs *in, const Kern *k, int img, int c, int h, int w, int a,
    int b, float *out, long ldp)
{
	const float *plane;
	int gc = c;
	const Src *p = srcs_locate(in, img, &gc, (long)h * w, &plane);

	if (p->mask != NULL) {
		srcs_rows_ld(in, img, c, h, w, a, b, out, ldp);
		return;
	}
	for (int y = a; y < b; y++, out += ldp)
		if (p->scale == NULL)
			memcpy(out, plane + (long)y * w, (size_t)w * sizeof *out);
		else
			k->bnrelu(out, plane + (long)y * w, w, p->scale[gc],
			    p->shift[gc]);
}

/* Input rows y0..y1-1 of channel c into pad, ldp apart, each from
 * column -1 and zero outside the image. */
static void
fetch_rows(const Srcs *in, const Kern *k, int img, int c, int h, int w,
    int y0, int y1, float *pad, long ldp)
{
	int a = y0 > 0 ? y0 : 0, b = y1 < h ? y1 : h;

	if (a > y0)
		memset(pad, 0, (size_t)((a - y0) * ldp) * sizeof *pad);
	if (b < y1)
		memset(pad + (b - y0) * ldp, 0, (size_t)((y1 - b) * ldp) *
		    sizeof *pad);
	if (a >= b)
		return;
	read_rows(in, k, img, c, h, w, a, b, pad + (a - y0) * ldp + 1, ldp);
	for (float *r = pad + (a - y0) * ldp; r < pad + (b - y0) * ldp;
	    r += ldp) {
		r[0] = 0;
		memset(r + 1 + w, 0, (size_t)(ldp - 1 - w) * sizeof *r);
	}
}

/* Where a run's transform goes, or from where its outputs come: the
 * chunk's values for channels o0..o1-1 of P x (o1-o0) rows ld apart. */
typedef struct {
	float *x;
	int o0, o1;
} Part;

/* The tile rows g0..g1-1 (counted over the batch) one image at a time:
 * calls fn for each image's run of them, with the run's first tile's
 * offset into the chunk. */
typedef void RunFn(const Job *j, const Part *pt, float *pad, int img,
    int ty0, int ty1, long toff);

static void
each_run(const Job *j, RunFn *fn, const Part *pt, float *pad, int g0, int g1)
{
	int th = j->p.th;

	for (int g = g0; g < g1;) {
		int img = g / th, ty0 = g % th;
		int ty1 = ty0 + (g1 - g) < th ? ty0 + (g1 - g) : th;

		fn(j, pt, pad, img, ty0, ty1, (long)(g - g0) * j->p.tw);
		g += ty1 - ty0;
	}
}

/* V = B^T d B of every input channel of a run into v[P][ci][ld]. A
 * vector's worth past a row of tiles spills into the next row's place,
 * written after it, or into the slack. */
static void
input_run(const Job *j, const Part *pt, float *pad, int img, int ty0,
    int ty1, long toff)
{
	const Plan *p = &j->p;
	long ldv = (long)j->ci * p->ld;
	float *v = pt->x;

	for (int c = 0; c < j->ci; c++) {
		fetch_rows(j->in, j->wk->kern, img, c, j->h, j->w,
		    p->m * ty0 - 1, p->m * ty1 + 1, pad, p->ldp);
		for (int ty = ty0; ty < ty1; ty++)
			p->k->in(v + c * p->ld + toff + (long)(ty - ty0) * p->tw,
			    ldv, pad + (long)p->m * (ty - ty0) * p->ldp, p->ldp,
			    p->tw);
	}
}

/* A dY A^T of output gradient channels o0..o1-1 of a run. */
static void
dy_run(const Job *j, const Part *pt, float *pad, int img, int ty0, int ty1,
    long toff)
{
	const Plan *p = &j->p;
	long hw = (long)j->h * j->w, ldd = (long)(pt->o1 - pt->o0) * p->ld;
	Srcs dz = srcs_one(src_plain(j->dz, j->co * hw, j->co));

	for (int c = pt->o0; c < pt->o1; c++) {
		float *d = pt->x + (c - pt->o0) * p->ld + toff;

		fetch_rows(&dz, j->wk->kern, img, c, j->h, j->w, p->m * ty0,
		    p->m * ty1, pad, p->ldp);
		for (int ty = ty0; ty < ty1; ty++)
			p->k->dy(d + (long)(ty - ty0) * p->tw, ldd,
			    pad + (long)p->m * (ty - ty0) * p->ldp + 1, p->ldp,
			    p->tw);
	}
}

/* Y = A^T M A + b of output channels o0..o1-1 of a run. */
static void
output_run(const Job *j, const Part *pt, float *pad, int img, int ty0,
    int ty1, long toff)
{
	const Plan *p = &j->p;
	long hw = (long)j->h * j->w, ldm = (long)(pt->o1 - pt->o0) * p->ld;

	(void)pad;
	for (int o = pt->o0; o < pt->o1; o++) {
		float *plane = dsts_plane(j->out, img, o, hw);
		const float *mo = pt->x + (o - pt->o0) * p->ld + toff;
		float b = j->b != NULL ? j->b[o] : 0;

		for (int ty = ty0; ty < ty1; ty++) {
			int y = p->m * ty, rows = j->h - y < p->m ? j->h - y : p->m;

			p->k->out(plane + (long)y * j->w, j->w, rows,
			    mo + (long)(ty - ty0) * p->tw, ldm, p->tw, j->w, b);
		}
	}
}

/* Task t: chunk t / nblk, output channel block t % nblk. */
static void
conv_task(void *ctx, int t, int thread)
{
	const Job *j = ctx;
	const Plan *p = &j->p;
	int chunk = t / j->nblk, blk = t % j->nblk, total = j->n * p->th;
	int g0 = chunk * p->rows;
	int g1 = g0 + p->rows < total ? g0 + p->rows : total;
	float *v = work_scratch(j->wk, thread);
	float *m = v + (long)p->np * j->ci * p->ld;
	Part in = { v, 0, j->ci };
	Part out = { m, (int)((long)blk * j->co / j->nblk),
	    (int)((long)(blk + 1) * j->co / j->nblk) };
	int ob = out.o1 - out.o0, T = (g1 - g0) * p->tw;
	float *pad = m + (long)p->np * ob * p->ld;

	each_run(j, input_run, &in, pad, g0, g1);
	for (int q = 0; q < p->np; q++)
		j->wk->gemm(0, 0, ob, T, j->ci, 1,
		    j->u + ((long)q * j->co + out.o0) * j->ci, j->ci,
		    v + (long)q * j->ci * p->ld, (int)p->ld, 0,
		    m + (long)q * ob * p->ld, (int)p->ld);
	each_run(j, output_run, &out, pad, g0, g1);
}

static const WinoKern *
variant(const Work *wk, int m)
{
	return m == 4 ? &wk->kern->f4 : &wk->kern->f2;
}

void
wino_conv(const Dsts *out, const float *b, const Srcs *in, const float *wt,
    int flip, int m, int n, int co, int h, int w, Work *wk)
{
	int ci = srcs_channels(in);
	Job j = { .out = out, .b = b, .in = in, .wt = wt, .u = wk->wbuf,
	    .flip = flip, .n = n, .ci = ci, .co = co, .h = h, .w = w,
	    .nblk = 1, .p = plan_for(m, variant(wk, m), ci, co, h, w), .wk = wk };
	int maxblk = co / MIN_BLOCK > 1 ? co / MIN_BLOCK : 1;

	j.nchunks = (n * j.p.th + j.p.rows - 1) / j.p.rows;
	while (j.nchunks * j.nblk < MIN_TASKS && j.nblk < maxblk)
		j.nblk++;
	work_run(wk, co, weights_task, &j);
	work_run(wk, j.nchunks * j.nblk, conv_task, &j);
}

/* The weight gradient of output channels o0..o1-1 over a slot's images:
 * dU_p[ob][ci] += D_p V_p^T chunk by chunk, then taken back to dwt's
 * shape in the slot's partial. */
static void
grad_part(const Job *j, int i0, int i1, int thread, float *part, int o0,
    int o1)
{
	const Plan *p = &j->p;
	long ncc = (long)(o1 - o0) * j->ci;
	float *v = work_scratch(j->wk, thread);
	float *d = v + (long)p->np * j->ci * p->ld;
	float *pad = d + (long)p->np * (o1 - o0) * p->ld;
	float *du = j->wk->wbuf + (size_t)thread * p->np * j->gblk * j->ci;
	Part in = { v, 0, j->ci }, dy = { d, o0, o1 };

	memset(du, 0, (size_t)(p->np * ncc) * sizeof *du);
	for (int g0 = i0 * p->th; g0 < i1 * p->th; g0 += p->rows) {
		int g1 = g0 + p->rows < i1 * p->th ? g0 + p->rows : i1 * p->th;
		int T = (g1 - g0) * p->tw;

		each_run(j, input_run, &in, pad, g0, g1);
		each_run(j, dy_run, &dy, pad, g0, g1);
		for (int q = 0; q < p->np; q++)
			j->wk->gemm(0, 1, o1 - o0, j->ci, T, 1,
			    d + (long)q * (o1 - o0) * p->ld, (int)p->ld,
			    v + (long)q * j->ci * p->ld, (int)p->ld, 1,
			    du + q * ncc, j->ci);
	}
	for (int o = o0; o < o1; o++)
		j->wk->kern->wino_unweights(p->m + 2, part + (long)o * j->ci * 9,
		    du + (long)(o - o0) * j->ci, ncc, j->ci);
}

/* A slot's share of the weight gradient, block by block, and of the
 * bias gradient. */
static void
grad_slot(void *ctx, int i0, int i1, int thread, float *part)
{
	const Job *j = ctx;
	long hw = (long)j->h * j->w;

	for (int o0 = 0; o0 < j->co; o0 += j->gblk)
		grad_part(j, i0, i1, thread, part, o0, o0 + j->gblk < j->co ?
		    o0 + j->gblk : j->co);
	for (int i = i0; i < i1; i++)
		conv_bias_grad(part + 9L * j->co * j->ci,
		    j->dz + (long)i * j->co * hw, j->co, hw, hw);
}

void
wino_weight_grad(float *dwt, float *db, const float *dz, const Srcs *in,
    int m, int n, int co, int h, int w, Work *wk)
{
	int ci = srcs_channels(in);
	size_t nw = (size_t)co * ci * 9;
	Job j = { .in = in, .dz = dz, .n = n, .ci = ci, .co = co, .h = h,
	    .w = w, .p = plan_for(m, variant(wk, m), ci, co, h, w), .wk = wk };

	j.gblk = grad_block(j.p.np, ci, co);
	slots_weights(wk, n, grad_slot, &j, dwt, nw, db, co);
}
