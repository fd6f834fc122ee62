/* evaluate — what the trainer measures without learning: validation loss
 * and IoU (each rank its share, summed), the label check, and class
 * weights from the training labels. See train.h. */
#include "train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "confusion.h"
#include "dist.h"
#include "infer.h"
#include "objective.h"
#include "xalloc.h"

int
check_labels(const Loader *L, const Batch *b, int classes, Err *e)
{
	size_t plane = (size_t)b->size * b->size;

	for (int j = 0; j < b->n; j++) {
		const uint8_t *y = b->y + (size_t)j * plane;

		for (size_t p = 0; p < plane; p++) {
			char where[300];

			if (y[p] < classes || y[p] == 255)
				continue;
			loader_describe(L, b->index[j], where, sizeof where);
			return err_set(e, "%s: label %d is outside the model's "
			    "%d classes (0 to %d, 255 ignore)", where, y[p],
			    classes, classes - 1);
		}
	}
	return 0;
}

/* One image's loss sums and argmax from logits z[k][hw]:
 * *loss += sum of w[y](lse - z[y]), *wsum += sum of w[y]. */
static void
image_loss(const float *z, int k, size_t hw, const uint8_t *y,
    const float *cw, float *mx, double *se, uint8_t *pred, double *loss,
    double *wsum)
{
	argmax_labels(z, k, hw, mx, pred);
	for (size_t p = 0; p < hw; p++)
		se[p] = 0;
	for (int c = 0; c < k; c++) {
		const float *zc = z + (size_t)c * hw;

		for (size_t p = 0; p < hw; p++)
			se[p] += exp((double)zc[p] - mx[p]);
	}
	for (size_t p = 0; p < hw; p++) {
		double w;

		if (y[p] == 255)
			continue;
		w = cw != NULL ? cw[y[p]] : 1.0;
		*loss += w * (mx[p] + log(se[p]) - z[(size_t)y[p] * hw + p]);
		*wsum += w;
	}
}

/* Every rank's confusion matrix and loss sums, on every rank. */
static void
sum_ranks(Dist *d, Confusion *conf, double *lsum, double *wsum)
{
	double s[2] = { *lsum, *wsum };
	uint64_t more[2] = { conf->ignored, conf->images };

	if (d == NULL)
		return;
	dist_sum_u64(d, conf->m, (size_t)conf->nlab * conf->nlab);
	dist_sum_u64(d, more, 2);
	dist_sum_double(d, s, 2);
	conf->ignored = more[0];
	conf->images = more[1];
	*lsum = s[0];
	*wsum = s[1];
}

int
evaluate(Unet *u, Loader *val, const float *cw, int lossk, Dist *d,
    double *loss,
    double *iou, double *miou, uint64_t *scored, Err *e)
{
	int k = u->cfg.classes, s = loader_size(val), r;
	size_t hw = (size_t)s * s;
	float *mx = xmallocarray(hw, sizeof *mx), *dz = NULL;
	double *se = xmallocarray(hw, sizeof *se), lsum = 0, wsum = 0;
	double dsum = 0, images = 0, *ds = xcalloc((size_t)k * 3, sizeof *ds);
	size_t dzcap = 0;
	uint8_t *pred = xmalloc(hw);
	PairCounts *pc = xmalloc(sizeof *pc);
	Confusion conf;
	Batch b;

	confusion_init(&conf, k - 1);
	if (loader_epoch_begin(val, 0, 0, e) < 0)
		goto fail;
	while ((r = loader_next(val, &b, e)) == 1) {
		/* an empty slice has no forward (none has a sum across) */
		if (b.n > 0 && (check_labels(val, &b, k, e) < 0 ||
		    unet_forward(u, b.x, b.n, s, s, 0, e) < 0))
			goto fail;
		/* Dice per global batch, as trained, weighted by its size:
		 * its sums are every rank's, an empty slice's nothing */
		if (lossk != LOSS_CE) {
			memset(ds, 0, (size_t)k * 3 * sizeof *ds);
			if (b.n > 0) {
				if ((size_t)b.n > dzcap) {
					free(dz);
					dzcap = (size_t)b.n;
					dz = xmallocarray(dzcap * k, hw *
					    sizeof *dz);
				}
				objective_dice_sums(unet_logits(u), b.y, b.n,
				    k, (long)hw, dz, ds, u->wk.nthreads);
			}
			if (d != NULL)
				dist_sum_double(d, ds, (size_t)k * 3);
			dsum += b.all * dice_loss(ds, k);
			images += b.all;
		}
		for (int j = 0; j < b.n; j++) {
			const uint8_t *y = b.y + (size_t)j * hw;

			image_loss(unet_logits(u) + (size_t)j * k * hw, k, hw,
			    y, cw, mx, se, pred, &lsum, &wsum);
			pair_counts(pc, y, pred, hw);
			if (confusion_add(&conf, pc, e) < 0)
				goto fail;
		}
	}
	if (r < 0)
		goto fail;
	sum_ranks(d, &conf, &lsum, &wsum);
	for (int l = 0; l < k; l++) {
		ClassStat cs;

		confusion_class(&conf, l, &cs);
		iou[l] = cs.iou;
	}
	ConfSummary sum;
	confusion_summary(&conf, 0, &sum);
	*miou = sum.mean_iou;
	*scored = sum.scored;
	*loss = wsum > 0 ? lsum / wsum : NAN;
	if (lossk == LOSS_DICE)
		*loss = images > 0 ? dsum / images : NAN;
	else if (lossk == LOSS_CE_DICE && images > 0)
		*loss += dsum / images;
	r = 0;
	goto out;
fail:
	r = -1;
out:
	confusion_free(&conf);
	free(mx), free(se), free(pred), free(pc), free(dz), free(ds);
	return r;
}

int
preview_make(Unet *u, Loader *val, int n, Preview *p, Err *e)
{
	int s = loader_size(val), got = 0, r;
	size_t hw = (size_t)s * s;
	Batch b;

	if ((uint64_t)n > loader_total(val))
		n = (int)loader_total(val);
	*p = (Preview){ .size = s, .rgb = xmallocarray((size_t)n, 3 * hw),
	    .truth = xmallocarray((size_t)n, hw),
	    .pred = xmallocarray((size_t)n, hw) };
	if (loader_epoch_begin(val, 0, 0, e) < 0)
		goto fail;
	while (got < n) {
		size_t at = (size_t)got * hw;
		int m;

		if ((r = loader_next(val, &b, e)) < 0)
			goto fail;
		/* a rank's slices may hold fewer: its preview is of them */
		if (r == 0)
			break;
		if (b.n == 0)
			continue;
		m = b.n < n - got ? b.n : n - got;
		if (infer_labels(u, b.x, m, s, p->pred + at, e) < 0)
			goto fail;
		memcpy(p->truth + at, b.y, (size_t)m * hw);
		for (int j = 0; j < m; j++)
			augment_unnormalise(b.x + (size_t)j * 3 * hw, s,
			    p->rgb + 3 * (at + (size_t)j * hw));
		got += m;
	}
	p->n = got;
	return 0;
fail:
	preview_free(p);
	return -1;
}

void
preview_free(Preview *p)
{
	free(p->rgb), free(p->truth), free(p->pred);
	*p = (Preview){ 0 };
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The training labels of this rank's share, unaugmented: n[c] pixels of
 * class c. */
int
class_counts(const char *const *paths, int npaths, int classes, int rank,
    int nranks, int threads, uint64_t *n, Err *e)
{
	LoaderOptions o = { .batch = 32, .rank = rank, .nranks = nranks,
	    .threads = threads };
	Loader *L = loader_open(paths, npaths, &o, e);
	int r = -1;
	Batch b;

	memset(n, 0, (size_t)classes * sizeof *n);
	if (L == NULL || loader_epoch_begin(L, 0, 0, e) < 0)
		goto out;
	while ((r = loader_next(L, &b, e)) == 1) {
		size_t len = (size_t)b.n * b.size * b.size;

		if (check_labels(L, &b, classes, e) < 0) {
			r = -1;
			goto out;
		}
		for (size_t p = 0; p < len; p++)
			if (b.y[p] != 255)
				n[b.y[p]]++;
	}
out:
	loader_close(L);
	return r;
}

/* Median frequency balancing (Eigen and Fergus 2015): w_c = median of the
 * present classes' pixel frequencies / frequency of c; 0 for a class no
 * training pixel has. */
int
class_weights_median(const uint64_t *n, int classes, float *w, Err *e)
{
	double *f = xmallocarray((size_t)classes, sizeof *f);
	uint64_t tot = 0;
	int np = 0;

	for (int c = 0; c < classes; c++)
		tot += n[c];
	for (int c = 0; c < classes; c++)
		if (n[c] > 0)
			f[np++] = (double)n[c] / (double)tot;
	if (np == 0) {
		free(f);
		return err_set(e, "the training labels are all 255 (ignore)");
	}
	qsort(f, (size_t)np, sizeof *f, cmp_double);
	double med = np % 2 ? f[np / 2] : (f[np / 2 - 1] + f[np / 2]) / 2;
	for (int c = 0; c < classes; c++)
		w[c] = n[c] > 0 ? (float)(med / ((double)n[c] / tot)) : 0.0f;
	free(f);
	return 0;
}
