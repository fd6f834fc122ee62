#include "wino.h"

#include <string.h>

#include "kern.h"
#include "par.h"
#include "slots.h"

/* A chunk's transformed input and products, 16 * (ci + co) floats a
 * tile, are kept near 1 MiB so that they stay in the core's cache from
 * the transform to the GEMMs to the output transform; but never fewer
 * than 64 tiles, where each GEMM would spend more on packing its
 * weights than on multiplying. */
#define CHUNK_FLOATS (1L << 18)
enum { MIN_TILES = 64, SLACK = 16 };
/* Forward work is cut into at least this many tasks where the batch has
 * few chunks (deep levels, one image): the chunks' output channels are
 * split, each part no narrower than MIN_BLOCK. */
enum { MIN_TASKS = 8, MIN_BLOCK = 32 };

typedef struct {
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

static Plan
plan_for(int ci, int co, int h, int w)
{
	Plan p;
	long tiles = CHUNK_FLOATS / (16L * (ci + co));

	p.th = (h + 1) / 2;
	p.tw = (w + 1) / 2;
	if (tiles < MIN_TILES)
		tiles = MIN_TILES;
	p.rows = tiles / p.tw > 1 ? (int)(tiles / p.tw) : 1;
	p.ld = round16((long)p.rows * p.tw + SLACK);
	/* column -1, the image, and zeros to where the last vector reads */
	p.ldp = round16(2 * round16(p.tw) + 2);
	return p;
}

size_t
wino_scratch(int ci, int co, int h, int w)
{
	Plan p = plan_for(ci, co, h, w);

	return (size_t)(16 * (long)(ci + co) * p.ld + (2L * p.rows + 2) * p.ldp);
}

size_t
wino_shared(int ci, int co)
{
	return 16 * (size_t)ci * co;
}

size_t
wino_part(int ci, int co)
{
	return 16 * (size_t)ci * co + co;
}

/* U = G g G^T for one 3x3 kernel g (read with a row stride of 3 and
 * a column step of 1, or both reversed for flip), written 16 times
 * `stride` apart. G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]. */
static void
kernel_transform(float *u, long stride, const float *g, int flip)
{
	float k[3][3], t[4][3];

	for (int i = 0; i < 9; i++)
		k[i / 3][i % 3] = flip ? g[8 - i] : g[i];
	for (int c = 0; c < 3; c++) {
		t[0][c] = k[0][c];
		t[1][c] = 0.5f * (k[0][c] + k[1][c] + k[2][c]);
		t[2][c] = 0.5f * (k[0][c] - k[1][c] + k[2][c]);
		t[3][c] = k[2][c];
	}
	for (int r = 0; r < 4; r++) {
		u[(4 * r + 0) * stride] = t[r][0];
		u[(4 * r + 1) * stride] = 0.5f * (t[r][0] + t[r][1] + t[r][2]);
		u[(4 * r + 2) * stride] = 0.5f * (t[r][0] - t[r][1] + t[r][2]);
		u[(4 * r + 3) * stride] = t[r][2];
	}
}

/* dg += G^T dU G for one kernel: dU read 16 times `stride` apart. */
static void
kernel_untransform(float *dg, const float *du, long stride)
{
	float d[4][4], s[3][4];

	for (int p = 0; p < 16; p++)
		d[p / 4][p % 4] = du[p * stride];
	for (int c = 0; c < 4; c++) {
		s[0][c] = d[0][c] + 0.5f * (d[1][c] + d[2][c]);
		s[1][c] = 0.5f * (d[1][c] - d[2][c]);
		s[2][c] = 0.5f * (d[1][c] + d[2][c]) + d[3][c];
	}
	for (int r = 0; r < 3; r++) {
		dg[3 * r + 0] += s[r][0] + 0.5f * (s[r][1] + s[r][2]);
		dg[3 * r + 1] += 0.5f * (s[r][1] - s[r][2]);
		dg[3 * r + 2] += 0.5f * (s[r][1] + s[r][2]) + s[r][3];
	}
}

/* One call, shared by its tasks. */
typedef struct {
	const Dsts *out;
	const float *b;
	const Srcs *in;
	const float *dz;	/* the weight gradient's */
	const float *wt;
	float *u;		/* [16][co][ci]: U of the GEMMs' left side */
	float *du;		/* the summed partial of the weight gradient */
	float *dwt;
	int flip, n, ci, co, h, w, nchunks, nblk;
	Plan p;
	Work *wk;
} Job;

/* Row o of every U_p: the kernels of output channel o (forward), or of
 * the layer's input channel o (flip: transposed, flipped). */
static void
weights_task(void *ctx, int o, int thread)
{
	Job *j = ctx;
	long stride = (long)j->co * j->ci;

	(void)thread;
	for (int i = 0; i < j->ci; i++) {
		const float *g = j->flip ? j->wt + ((long)i * j->co + o) * 9 :
		    j->wt + ((long)o * j->ci + i) * 9;

		kernel_transform(j->u + (long)o * j->ci + i, stride, g, j->flip);
	}
}

static void
untransform_task(void *ctx, int o, int thread)
{
	Job *j = ctx;
	long stride = (long)j->co * j->ci;

	(void)thread;
	for (int i = 0; i < j->ci; i++)
		kernel_untransform(j->dwt + ((long)o * j->ci + i) * 9,
		    j->du + (long)o * j->ci + i, stride);
}

/* Input rows y0..y1-1 of channel c into pad, ldp apart, each from
 * column -1 and zero outside the image. */
static void
fetch_rows(const Srcs *in, int img, int c, int h, int w, int y0, int y1,
    float *pad, long ldp)
{
	for (int y = y0; y < y1; y++, pad += ldp) {
		if (y < 0 || y >= h) {
			memset(pad, 0, (size_t)ldp * sizeof *pad);
			continue;
		}
		pad[0] = 0;
		srcs_rows(in, img, c, h, w, y, y + 1, pad + 1);
		memset(pad + 1 + w, 0, (size_t)(ldp - 1 - w) * sizeof *pad);
	}
}

/* The tile rows g0..g1-1 (counted over the batch) one image at a time:
 * calls fn for each image's run of them, with the run's first tile's
 * offset into the chunk. */
typedef void RunFn(const Job *j, float *dst, float *pad, int img, int ty0,
    int ty1, long toff);

static void
each_run(const Job *j, RunFn *fn, float *dst, float *pad, int g0, int g1)
{
	int th = j->p.th;

	for (int g = g0; g < g1;) {
		int img = g / th, ty0 = g % th;
		int ty1 = ty0 + (g1 - g) < th ? ty0 + (g1 - g) : th;

		fn(j, dst, pad, img, ty0, ty1, (long)(g - g0) * j->p.tw);
		g += ty1 - ty0;
	}
}

/* V = B^T d B of every input channel of a run into v[16][ci][ld]. A
 * vector's worth past a row of tiles spills into the next row's place,
 * written after it, or into the slack. */
static void
input_run(const Job *j, float *v, float *pad, int img, int ty0, int ty1,
    long toff)
{
	const Plan *p = &j->p;
	long ldv = (long)j->ci * p->ld;

	for (int c = 0; c < j->ci; c++) {
		fetch_rows(j->in, img, c, j->h, j->w, 2 * ty0 - 1, 2 * ty1 + 1,
		    pad, p->ldp);
		for (int ty = ty0; ty < ty1; ty++)
			j->wk->kern->wino_in(v + c * p->ld + toff +
			    (long)(ty - ty0) * p->tw, ldv,
			    pad + 2L * (ty - ty0) * p->ldp, p->ldp, p->tw);
	}
}

/* A dY A^T of every output gradient channel of a run into
 * d[16][co][ld]. */
static void
dy_run(const Job *j, float *d, float *pad, int img, int ty0, int ty1,
    long toff)
{
	const Plan *p = &j->p;
	long hw = (long)j->h * j->w, ldd = (long)j->co * p->ld;
	Srcs dz = srcs_one(src_plain(j->dz, j->co * hw, j->co));

	for (int c = 0; c < j->co; c++) {
		fetch_rows(&dz, img, c, j->h, j->w, 2 * ty0, 2 * ty1, pad,
		    p->ldp);
		for (int ty = ty0; ty < ty1; ty++)
			j->wk->kern->wino_dy(d + c * p->ld + toff +
			    (long)(ty - ty0) * p->tw, ldd,
			    pad + 2L * (ty - ty0) * p->ldp + 1, p->ldp, p->tw);
	}
}

/* Y = A^T M A + b of output channels o0..o1-1 of a run; m[16][o1-o0][ld]
 * (the block's channels). */
typedef struct {
	int o0, o1;
} Block;

static void
output_run(const Job *j, const float *m, const Block *bl, int img, int ty0,
    int ty1, long toff)
{
	const Plan *p = &j->p;
	long hw = (long)j->h * j->w, ldm = (long)(bl->o1 - bl->o0) * p->ld;

	for (int o = bl->o0; o < bl->o1; o++) {
		float *plane = dsts_plane(j->out, img, o, hw);
		const float *mo = m + (o - bl->o0) * p->ld + toff;
		float b = j->b != NULL ? j->b[o] : 0;

		for (int ty = ty0; ty < ty1; ty++)
			j->wk->kern->wino_out(plane + 2L * ty * j->w, j->w,
			    2 * ty + 1 < j->h ? 2 : 1,
			    mo + (long)(ty - ty0) * p->tw, ldm, p->tw, j->w, b);
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
	Block bl = { (int)((long)blk * j->co / j->nblk),
	    (int)((long)(blk + 1) * j->co / j->nblk) };
	int ob = bl.o1 - bl.o0, T = (g1 - g0) * p->tw;
	float *v = work_scratch(j->wk, thread);
	float *m = v + 16L * j->ci * p->ld, *pad = m + 16L * ob * p->ld;

	each_run(j, input_run, v, pad, g0, g1);
	for (int q = 0; q < 16; q++)
		j->wk->gemm(0, 0, ob, T, j->ci, 1,
		    j->u + ((long)q * j->co + bl.o0) * j->ci, j->ci,
		    v + (long)q * j->ci * p->ld, (int)p->ld, 0,
		    m + (long)q * ob * p->ld, (int)p->ld);
	for (int g = g0; g < g1;) {
		int img = g / p->th, ty0 = g % p->th;
		int ty1 = ty0 + (g1 - g) < p->th ? ty0 + (g1 - g) : p->th;

		output_run(j, m, &bl, img, ty0, ty1, (long)(g - g0) * p->tw);
		g += ty1 - ty0;
	}
}

void
wino_conv(const Dsts *out, const float *b, const Srcs *in, const float *wt,
    int flip, int n, int co, int h, int w, Work *wk)
{
	int ci = srcs_channels(in);
	Job j = { .out = out, .b = b, .in = in, .wt = wt, .u = wk->wbuf,
	    .flip = flip, .n = n, .ci = ci, .co = co, .h = h, .w = w,
	    .nblk = 1, .p = plan_for(ci, co, h, w), .wk = wk };
	int maxblk = co / MIN_BLOCK > 1 ? co / MIN_BLOCK : 1;

	j.nchunks = (n * j.p.th + j.p.rows - 1) / j.p.rows;
	while (j.nchunks * j.nblk < MIN_TASKS && j.nblk < maxblk)
		j.nblk++;
	par_run(wk->nthreads, co, weights_task, &j);
	par_run(wk->nthreads, j.nchunks * j.nblk, conv_task, &j);
}

/* One image's share of the weight gradient, chunk by chunk, into its
 * slot's partial: dU_p[co][ci] += D_p V_p^T, then the bias. */
static void
grad_image(void *ctx, int img, int thread, float *part)
{
	const Job *j = ctx;
	const Plan *p = &j->p;
	long hw = (long)j->h * j->w;
	float *v = work_scratch(j->wk, thread);
	float *d = v + 16L * j->ci * p->ld, *pad = d + 16L * j->co * p->ld;
	const float *dzi = j->dz + (long)img * j->co * hw;

	for (int g0 = img * p->th; g0 < (img + 1) * p->th; g0 += p->rows) {
		int g1 = g0 + p->rows < (img + 1) * p->th ? g0 + p->rows :
		    (img + 1) * p->th, T = (g1 - g0) * p->tw;

		each_run(j, input_run, v, pad, g0, g1);
		each_run(j, dy_run, d, pad, g0, g1);
		for (int q = 0; q < 16; q++)
			j->wk->gemm(0, 1, j->co, j->ci, T, 1,
			    d + (long)q * j->co * p->ld, (int)p->ld,
			    v + (long)q * j->ci * p->ld, (int)p->ld, 1,
			    part + (long)q * j->co * j->ci, j->ci);
	}
	conv_bias_grad(part + 16L * j->co * j->ci, dzi, j->co, hw, hw);
}

void
wino_weight_grad(float *dwt, float *db, const float *dz, const Srcs *in,
    int n, int co, int h, int w, Work *wk)
{
	int ci = srcs_channels(in);
	size_t len = wino_part(ci, co);
	Job j = { .in = in, .dz = dz, .du = wk->part, .dwt = dwt, .n = n,
	    .ci = ci, .co = co, .h = h, .w = w, .nblk = 1,
	    .p = plan_for(ci, co, h, w), .wk = wk };
	int ns = slots_run(wk, n, len, grad_image, &j);

	slots_sum(wk, 1, ns, j.du, len);
	par_run(wk->nthreads, co, untransform_task, &j);
	for (int o = 0; o < co; o++)
		db[o] += j.du[16L * co * ci + o];
}
