/* unet_run — the forward and backward passes of unet.h, and the
 * activation memory they need. Only convolution outputs, pooled maps and
 * transposed-convolution outputs are stored: each batch norm + ReLU is
 * applied lazily by whoever reads it (tensor.h), and the concatenation is
 * a pair of views. */
#include "unet.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static long
hw_at(const Unet *u, int l)
{
	return (long)(u->h >> l) * (u->w >> l);
}

#define TAKE(p, len) do { \
	if (base != NULL) (p) = base + off; \
	off += ((size_t)(len) + 15) & ~(size_t)15; \
} while (0)

/* Training keeps every convolution output for the backward pass. */
static size_t
carve_train(Unet *u, float *base)
{
	int d = u->cfg.depth, f = u->cfg.filters;
	size_t off = 0, n = (size_t)u->n;

	for (int l = 0; l < d; l++) {
		size_t a = n * (size_t)(f << l) * (size_t)hw_at(u, l);

		TAKE(u->down[l].z[0], a);
		TAKE(u->down[l].z[1], a);
		TAKE(u->pool[l], a / 4);
		TAKE(u->upout[l], a);
		TAKE(u->upb[l].z[0], a);
		TAKE(u->upb[l].z[1], a);
		TAKE(u->dskip[l], a);
	}
	size_t b = n * (size_t)(f << d) * (size_t)hw_at(u, d);
	size_t g = n * (size_t)f * (size_t)hw_at(u, 0);
	TAKE(u->bottom.z[0], b);
	TAKE(u->bottom.z[1], b);
	TAKE(u->ga, g);
	TAKE(u->gb, g);
	TAKE(u->gc, g);
	return off;
}

/* Inference keeps only the skips (each level's last output); the rest
 * lives in two regions X and Y that the levels take in turn, and one P
 * for the pooled maps. Every level's c*h*w is at most the top's. */
static size_t
carve_eval(Unet *u, float *base)
{
	int d = u->cfg.depth, f = u->cfg.filters;
	size_t off = 0, n = (size_t)u->n, top = n * (size_t)f * hw_at(u, 0);
	float *x = NULL, *y = NULL, *p = NULL;

	for (int l = 0; l < d; l++)
		TAKE(u->down[l].z[1], n * (size_t)(f << l) * hw_at(u, l));
	TAKE(x, top);
	TAKE(y, top);
	TAKE(p, top / 4);
	for (int l = 0; l < d; l++) {
		u->down[l].z[0] = x;
		u->pool[l] = p;
	}
	u->bottom.z[0] = x;	/* reads P */
	u->bottom.z[1] = y;	/* reads X */
	for (int l = d - 1; l >= 0; l--) {
		float *prev = (d - 1 - l) % 2 ? x : y;	/* the input's */
		float *other = prev == x ? y : x;

		u->upout[l] = other;
		u->upb[l].z[0] = prev;
		u->upb[l].z[1] = other;
	}
	return off;
}

/* Hands out (or, with base NULL, counts) the activation buffers. */
static size_t
carve(Unet *u, float *base, int train)
{
	int d = u->cfg.depth;
	size_t off = train ? carve_train(u, base) : carve_eval(u, base);
	size_t b = (size_t)u->n * (size_t)(u->cfg.filters << d) * hw_at(u, d);

	TAKE(u->logits, (size_t)u->n * u->cfg.classes * hw_at(u, 0));
	TAKE(u->plane, (size_t)u->wk.nthreads * hw_at(u, 0));
	if (base != NULL)
		u->mask = (uint8_t *)(base + off);
	off += (b + 3) / 4;
	return off;
}
#undef TAKE

/* What the convolutions need for this n x h x w, in floats: scratch
 * per thread, shared, and per partial weight gradient. */
typedef struct {
	size_t buf, wbuf, part;
} Need;

static void
grow(size_t *need, size_t s)
{
	if (s > *need)
		*need = s;
}

static void
need_conv3(Need *nd, const Unet *u, int ci, int co, int h, int w)
{
	grow(&nd->buf, conv3_scratch(&u->wk, ci, co, h, w));
	grow(&nd->wbuf, conv3_shared(&u->wk, ci, co, h, w, u->train));
	grow(&nd->part, conv3_part(ci, co));
}

static void
need_block(Need *nd, const Unet *u, const Block *b, int h, int w)
{
	need_conv3(nd, u, b->ci, b->co, h, w);
	need_conv3(nd, u, b->co, b->co, h, w);
}

static Need
conv_need(const Unet *u)
{
	int d = u->cfg.depth;
	Need nd = { 0, 0, 0 };

	for (int l = 0; l < d; l++) {
		int h = u->h >> l, w = u->w >> l;

		need_block(&nd, u, &u->down[l], h, w);
		need_block(&nd, u, &u->upb[l], h, w);
		grow(&nd.buf, upconv_scratch(u->upb[l].ci, u->upb[l].co, h / 2,
		    w / 2));
		grow(&nd.wbuf, upconv_shared(&u->wk, u->upb[l].ci, u->upb[l].co));
		grow(&nd.part, upconv_part(u->upb[l].ci, u->upb[l].co));
	}
	need_block(&nd, u, &u->bottom, u->h >> d, u->w >> d);
	grow(&nd.buf, conv1_scratch(u->cfg.filters, u->h, u->w));
	grow(&nd.wbuf, conv1_shared(&u->wk, u->cfg.filters, u->cfg.classes));
	grow(&nd.part, conv1_part(u->cfg.filters, u->cfg.classes));
	/* per thread and partial, rounded to whole cache lines */
	nd.buf = (nd.buf + 15) & ~(size_t)15;
	nd.part = (nd.part + 15) & ~(size_t)15;
	return nd;
}

static void
ensure_memory(Unet *u, int n, int h, int w, int train)
{
	size_t need, nt = (size_t)u->wk.nthreads;
	Need nd;

	u->n = n;
	u->h = h;
	u->w = w;
	u->train = train;
	u->wk.train = train;	/* the algorithms, so the scratch they need */
	need = carve(u, NULL, train);
	if (need > u->cap) {
		free(u->act);
		u->act = xaligned(need * sizeof(float));
		u->cap = need;
	}
	carve(u, u->act, train);
	nd = conv_need(u);
	if (nd.buf != u->wk.nbuf || u->wk.part == NULL) {
		free(u->wk.buf);
		free(u->wk.part);
		u->wk.buf = xaligned(nt * nd.buf * sizeof(float));
		u->wk.nbuf = nd.buf;
		u->wk.npart = nd.part;
		u->wk.part = xaligned(nt * CONV_SLOTS * nd.part * sizeof(float));
	}
	if (nd.wbuf > u->wk.nwbuf) {
		free(u->wk.wbuf);
		u->wk.wbuf = xaligned(nd.wbuf * sizeof(float));
		u->wk.nwbuf = nd.wbuf;
	}
}

/* What a block's output looks like to its readers. */
static Src
block_out(const Block *b, long hw)
{
	Src s = src_plain(b->z[1], (long)b->co * hw, b->co);

	s.scale = b->bn[1].scale;
	s.shift = b->bn[1].shift;
	return s;
}

/* Batch statistics of the whole batch across processes. */
static int
sync_bn(const Unet *u)
{
	return u->hooks.sync_bn && u->hooks.across.fn != NULL;
}

static void
block_bn(Unet *u, Block *b, int k, long hw)
{
	BnP *p = &b->bn[k];

	if (u->train && sync_bn(u))
		bn_train_across(b->z[k], u->n, b->co, hw, p->gamma, p->beta,
		    p->rmean, p->rvar, p->mean, p->invstd, p->scale, p->shift,
		    &u->hooks.across, u->wk.nthreads);
	else if (u->train)
		bn_train(b->z[k], u->n, b->co, hw, p->gamma, p->beta, p->rmean,
		    p->rvar, p->mean, p->invstd, p->scale, p->shift,
		    u->wk.nthreads);
	else
		bn_eval(b->co, p->gamma, p->beta, p->rmean, p->rvar, p->scale,
		    p->shift);
}

static void
block_forward(Unet *u, Block *b, const Srcs *in, int l)
{
	int h = u->h >> l, w = u->w >> l;
	long hw = (long)h * w;
	Src mid = src_plain(b->z[0], (long)b->co * hw, b->co);

	b->in = *in;
	conv3_forward(b->z[0], in, b->conv[0].w, b->conv[0].b, u->n, b->co, h,
	    w, &u->wk);
	block_bn(u, b, 0, hw);
	mid.scale = b->bn[0].scale;
	mid.shift = b->bn[0].shift;
	Srcs m = srcs_one(mid);
	conv3_forward(b->z[1], &m, b->conv[1].w, b->conv[1].b, u->n, b->co, h,
	    w, &u->wk);
	block_bn(u, b, 1, hw);
}

/* The bottom block's output with dropout, as the deepest transposed
 * convolution reads it. */
static Src
bottom_out(Unet *u)
{
	int d = u->cfg.depth;
	Src a = block_out(&u->bottom, hw_at(u, d));

	if (u->train && u->cfg.dropout > 0) {
		a.mask = u->mask;
		a.keep = 1 / (1 - u->cfg.dropout);
	}
	return a;
}

int
unet_forward(Unet *u, const float *x, int n, int h, int w, int train, Err *e)
{
	int d = u->cfg.depth, f = u->cfg.filters;
	long hw = (long)h * w;

	if (n < 1 || h < 1 || w < 1 || h % (1 << d) || w % (1 << d))
		return err_set(e, "input %dx%d (batch %d): sides must be "
		    "positive multiples of %d", h, w, n, 1 << d);
	if (hw > (1L << 30) || (double)n * hw * f > 1e10)
		return err_set(e, "input %dx%d, batch %d: too large", h, w, n);
	ensure_memory(u, n, h, w, train);
	Srcs in = srcs_one(src_plain(x, (long)u->cfg.in_channels * hw,
	    u->cfg.in_channels));
	for (int l = 0; l < d; l++) {
		Block *b = &u->down[l];
		Src a = block_out(b, hw_at(u, l));

		block_forward(u, b, &in, l);
		maxpool_forward(u->pool[l], &a, n, h >> l, w >> l, u->plane,
		    u->wk.nthreads);
		in = srcs_one(src_plain(u->pool[l], b->co * hw_at(u, l + 1),
		    b->co));
	}
	block_forward(u, &u->bottom, &in, d);
	if (train && u->cfg.dropout > 0) {
		long len = (long)n * u->bottom.co * hw_at(u, d);

		dropout_mask(u->mask, len, u->cfg.dropout, &u->rng);
	}
	Src a = bottom_out(u);
	for (int l = d - 1; l >= 0; l--) {
		int co = u->upb[l].co;

		upconv_forward(u->upout[l], &a, u->up[l].w, u->up[l].b, n, co,
		    h >> (l + 1), w >> (l + 1), &u->wk);
		Srcs cat = srcs_two(block_out(&u->down[l], hw_at(u, l)),
		    src_plain(u->upout[l], co * hw_at(u, l), co));
		block_forward(u, &u->upb[l], &cat, l);
		a = block_out(&u->upb[l], hw_at(u, l));
	}
	conv1_forward(u->logits, &a, u->head.w, u->head.b, n, u->cfg.classes,
	    h, w, &u->wk);
	if (train)
		u->bn_batches++;
	return 0;
}

const float *
unet_logits(const Unet *u)
{
	return u->logits;
}

/* Tells the hook that grads [first, end) are final. */
static void
grads_final(Unet *u, const float *first, const float *end)
{
	if (u->hooks.grads_ready != NULL)
		u->hooks.grads_ready(u->hooks.grads_arg,
		    (size_t)(first - u->grads), (size_t)(end - first));
}

/* A block's conv k and the batch norm after it: one range of grads. */
static void
conv_bn_final(Unet *u, const Block *b, int k)
{
	grads_final(u, b->conv[k].dw, b->bn[k].dbeta + b->co);
}

static void
bn_backward(Unet *u, Block *b, int k, float *d, long hw)
{
	BnP *p = &b->bn[k];

	if (sync_bn(u))
		bnrelu_backward_across(d, b->z[k], u->n, b->co, hw, p->mean,
		    p->invstd, p->scale, p->shift, p->dgamma, p->dbeta,
		    &u->hooks.across, u->wk.nthreads);
	else
		bnrelu_backward(d, b->z[k], u->n, b->co, hw, p->mean,
		    p->invstd, p->scale, p->shift, p->dgamma, p->dbeta,
		    u->wk.nthreads);
}

/* d: dL/d(block output) on entry, destroyed; tmp: scratch of the output's
 * size; din: where dL/d(block input) goes (NULL: nowhere). */
static void
block_backward(Unet *u, Block *b, float *d, float *tmp, const Dsts *din,
    int l)
{
	int h = u->h >> l, w = u->w >> l, n = u->n;
	long hw = (long)h * w;
	Src mid = src_plain(b->z[0], (long)b->co * hw, b->co);
	Dsts dmid = dsts_one(tmp, (long)b->co * hw, b->co);

	mid.scale = b->bn[0].scale;
	mid.shift = b->bn[0].shift;
	Srcs m = srcs_one(mid);
	bn_backward(u, b, 1, d, hw);
	conv3_backward(&dmid, b->conv[1].dw, b->conv[1].db, d, &m,
	    b->conv[1].w, n, b->co, h, w, &u->wk);
	conv_bn_final(u, b, 1);
	bn_backward(u, b, 0, tmp, hw);
	conv3_backward(din, b->conv[0].dw, b->conv[0].db, tmp, &b->in,
	    b->conv[0].w, n, b->co, h, w, &u->wk);
	conv_bn_final(u, b, 0);
}

/* Up path, top level first: the head, then per level the block and the
 * transposed convolution. Leaves dL/d(bottom output) in ga. */
static void
backward_up(Unet *u)
{
	int d = u->cfg.depth, f = u->cfg.filters, n = u->n;
	Src a = block_out(&u->upb[0], hw_at(u, 0));
	Dsts dh = dsts_one(u->ga, f * hw_at(u, 0), f);

	conv1_backward(&dh, u->head.dw, u->head.db, u->logits, &a, u->head.w,
	    n, u->cfg.classes, u->h, u->w, &u->wk);
	grads_final(u, u->head.dw, u->head.db + u->cfg.classes);
	for (int l = 0; l < d; l++) {
		Block *b = &u->upb[l];
		long hw = hw_at(u, l), ci = 2L * b->co;
		Dst skip = { u->dskip[l], b->co * hw, b->co };
		Dst dup = { u->gc, b->co * hw, b->co };
		Dsts din = dsts_two(skip, dup);

		block_backward(u, b, u->ga, u->gb, &din, l);
		Src in = l + 1 < d ? block_out(&u->upb[l + 1], hw_at(u, l + 1)) :
		    bottom_out(u);
		Dsts da = dsts_one(u->ga, ci * hw_at(u, l + 1), (int)ci);
		upconv_backward(&da, u->up[l].dw, u->up[l].db, u->gc, &in,
		    u->up[l].w, n, b->co, u->h >> (l + 1), u->w >> (l + 1),
		    &u->wk);
		grads_final(u, u->up[l].dw, u->up[l].db + b->co);
	}
	if (u->cfg.dropout > 0) {
		Src in = bottom_out(u);
		long len = (long)n * u->bottom.co * hw_at(u, d);

		dropout_backward(u->ga, u->ga, in.mask, in.keep, len);
	}
}

/* Down path, bottom first: each level's pooled gradient joins its skip
 * gradient before the level's block. */
static void
backward_down(Unet *u)
{
	int d = u->cfg.depth, n = u->n;
	Dsts dp = dsts_one(u->gc, u->bottom.ci * hw_at(u, d), u->bottom.ci);

	block_backward(u, &u->bottom, u->ga, u->gb, &dp, d);
	for (int l = d - 1; l >= 0; l--) {
		Block *b = &u->down[l];
		long hw = hw_at(u, l);
		Dst skip = { u->dskip[l], b->co * hw, b->co };
		Src a = block_out(b, hw);

		maxpool_backward(&skip, u->gc, &a, n, u->h >> l, u->w >> l,
		    u->plane, u->wk.nthreads);
		Dsts din = dsts_one(u->gc, b->ci * hw, b->ci);
		block_backward(u, b, u->dskip[l], u->gb, l > 0 ? &din : NULL, l);
	}
}

int
unet_loss_backward(Unet *u, const uint8_t *y, const float *class_weights,
    LossStats *st, Err *e)
{
	if (!u->train || u->logits == NULL)
		return err_set(e, "backward needs a training forward first");
	if (u->hooks.across.fn != NULL ?
	    softmax_xent_across(u->logits, y, class_weights, u->n,
	    u->cfg.classes, hw_at(u, 0), &u->hooks.across, st, u->wk.nthreads,
	    e) < 0 :
	    softmax_xent(u->logits, y, class_weights, u->n, u->cfg.classes,
	    hw_at(u, 0), st, u->wk.nthreads, e) < 0)
		return -1;
	return unet_backward(u, e);
}

float *
unet_dlogits(Unet *u)
{
	return u->train ? u->logits : NULL;
}

int
unet_backward(Unet *u, Err *e)
{
	if (!u->train || u->logits == NULL)
		return err_set(e, "backward needs a training forward first");
	memset(u->grads, 0, u->nparams * sizeof(float));
	backward_up(u);
	backward_down(u);
	return 0;
}
