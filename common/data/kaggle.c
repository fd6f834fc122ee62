#include "kaggle.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "reread.h"
#include "strmap.h"
#include "trainrows.h"
#include "xalloc.h"

/* ---- matching one class of one image ---- */

typedef struct {
	uint32_t ti, pi;
	uint64_t inter, uni;	/* both below 2^32: products fit in 64 bits */
} Pair;

/* IoU descending, exactly (cross products), then truth, then prediction. */
static int
pair_cmp(const void *x, const void *y)
{
	const Pair *a = x, *b = y;
	uint64_t l = a->inter * b->uni, r = b->inter * a->uni;

	if (l != r)
		return l > r ? -1 : 1;
	if (a->ti != b->ti)
		return a->ti < b->ti ? -1 : 1;
	return a->pi < b->pi ? -1 : a->pi > b->pi;
}

/* Pairs with IoU > 0.5 (the lowest threshold), sorted; *n set. */
static Pair *
candidates(const Rle *truth, size_t nt, const Rle *pred, size_t np,
    size_t *n)
{
	uint64_t *parea = xmallocarray(np, sizeof *parea);
	Pair *c = NULL;
	size_t cap = 0;

	*n = 0;
	for (size_t j = 0; j < np; j++)
		parea[j] = rle_area(&pred[j]);
	for (size_t i = 0; i < nt; i++) {
		uint64_t ta = rle_area(&truth[i]);

		for (size_t j = 0; j < np; j++) {
			uint64_t in = rle_intersection(&truth[i], &pred[j]);
			uint64_t un = ta + parea[j] - in;

			if (2 * in <= un)
				continue;
			if (*n == cap) {
				cap = cap ? 2 * cap : 16;
				c = xreallocarray(c, cap, sizeof *c);
			}
			c[(*n)++] = (Pair){ (uint32_t)i, (uint32_t)j, in, un };
		}
	}
	free(parea);
	if (*n > 1)
		qsort(c, *n, sizeof *c, pair_cmp);
	return c;
}

void
kaggle_match(const Rle *truth, size_t nt, const Rle *pred, size_t np,
    int tp[KAGGLE_THRESHOLDS])
{
	unsigned char *tused, *pused;
	size_t nc;
	Pair *c;

	memset(tp, 0, KAGGLE_THRESHOLDS * sizeof *tp);
	if (nt == 0 || np == 0)
		return;
	c = candidates(truth, nt, pred, np, &nc);
	tused = xmalloc(nt);
	pused = xmalloc(np);
	for (int k = 0; k < KAGGLE_THRESHOLDS; k++) {
		memset(tused, 0, nt);
		memset(pused, 0, np);
		/* IoU > (10 + k) / 20; the list is sorted, so stop at the first
		 * pair below the threshold. */
		for (size_t q = 0; q < nc; q++) {
			if (c[q].inter * 20 <= (uint64_t)(10 + k) * c[q].uni)
				break;
			if (tused[c[q].ti] || pused[c[q].pi])
				continue;
			tused[c[q].ti] = pused[c[q].pi] = 1;
			tp[k]++;
		}
	}
	free(tused);
	free(pused);
	free(c);
}

double
kaggle_class_score(const Rle *truth, size_t nt, const Rle *pred, size_t np)
{
	int tp[KAGGLE_THRESHOLDS];
	double sum = 0;

	if (nt == 0 && np == 0)
		return 1;
	kaggle_match(truth, nt, pred, np, tp);
	for (int k = 0; k < KAGGLE_THRESHOLDS; k++)
		sum += (double)tp[k] / (double)(nt + np - (size_t)tp[k]);
	return sum / KAGGLE_THRESHOLDS;
}

/* ---- the two files ---- */

typedef struct {
	Rle *rle;
	int *key;
	size_t n, cap;
} Objs;

typedef struct {
	uint32_t h, w;
	uint32_t rows, seen;	/* good truth rows: pass 1 counts, pass 2 reads */
	uint64_t line;		/* first truth row */
	char *stem;
	int has_pred;
	Objs truth, pred;
} Image;

typedef struct {
	const KaggleOptions *o;
	KaggleResult *r;
	const char *tname, *sname;
	StrMap *ids;		/* image stem -> index + 1 */
	Image *img;
	size_t nimg, cap;
	StrMap *keys;		/* class key text -> index + 1 */
	int *key_cat;
	size_t nkeys, keycap;
	StrMap *extra;		/* submission images not in the truth */
	double sum;
} Score;

static void
say(Score *s, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (s->o->warn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	s->o->warn(s->o->warn_arg, buf);
}

static void
objs_push(Objs *os, const Rle *r, int key)
{
	if (os->n == os->cap) {
		os->cap = os->cap ? 2 * os->cap : 8;
		os->rle = xreallocarray(os->rle, os->cap, sizeof *os->rle);
		os->key = xreallocarray(os->key, os->cap, sizeof *os->key);
	}
	rle_init(&os->rle[os->n]);
	os->rle[os->n].runs = xmallocarray(r->n, sizeof *r->runs);
	memcpy(os->rle[os->n].runs, r->runs, r->n * sizeof *r->runs);
	os->rle[os->n].n = os->rle[os->n].cap = r->n;
	os->key[os->n++] = key;
}

static void
objs_free(Objs *os)
{
	for (size_t i = 0; i < os->n; i++)
		rle_free(&os->rle[i]);
	free(os->rle);
	free(os->key);
	*os = (Objs){ 0 };
}

static int
int_cmp(const void *x, const void *y)
{
	int a = *(const int *)x, b = *(const int *)y;

	return (a > b) - (a < b);
}

/* The class of a row: its category, or with match_attributes the whole
 * ClassId with the attributes sorted (so 2019 and 2020 rows agree). */
static int
row_key(Score *s, const TrainRow *row)
{
	char buf[16 * (TRAIN_MAX_ATTRS + 1)];
	int attrs[TRAIN_MAX_ATTRS], len, added;
	uint64_t *slot;

	len = snprintf(buf, sizeof buf, "%d", row->category);
	if (s->o->match_attributes) {
		memcpy(attrs, row->attrs, (size_t)row->nattrs * sizeof *attrs);
		qsort(attrs, (size_t)row->nattrs, sizeof *attrs, int_cmp);
		for (int i = 0; i < row->nattrs; i++)
			len += snprintf(buf + len, sizeof buf - (size_t)len, "_%d",
			    attrs[i]);
	}
	slot = strmap_put(s->keys, buf, (size_t)len, &added);
	if (added) {
		if (s->nkeys == s->keycap) {
			s->keycap = s->keycap ? 2 * s->keycap : 64;
			s->key_cat = xreallocarray(s->key_cat, s->keycap,
			    sizeof *s->key_cat);
		}
		s->key_cat[s->nkeys] = row->category;
		*slot = ++s->nkeys;
	}
	return (int)(*slot - 1);
}

/* Rle views of the objects of one class (shallow copies). */
static size_t
gather(const Objs *os, int key, Rle *out)
{
	size_t n = 0;

	for (size_t i = 0; i < os->n; i++)
		if (os->key[i] == key)
			out[n++] = os->rle[i];
	return n;
}

static void
score_image(Score *s, Image *im)
{
	size_t nk = 0, all = im->truth.n + im->pred.n;
	int *keys = xmallocarray(all ? all : 1, sizeof *keys);
	Rle *tr = xmallocarray(im->truth.n ? im->truth.n : 1, sizeof *tr);
	Rle *pr = xmallocarray(im->pred.n ? im->pred.n : 1, sizeof *pr);
	double sum = 0;

	for (size_t i = 0; i < im->truth.n; i++)
		keys[i] = im->truth.key[i];
	for (size_t i = 0; i < im->pred.n; i++)
		keys[im->truth.n + i] = im->pred.key[i];
	qsort(keys, all, sizeof *keys, int_cmp);
	for (size_t i = 0; i < all; i++)
		if (nk == 0 || keys[nk - 1] != keys[i])
			keys[nk++] = keys[i];
	for (size_t i = 0; i < nk; i++) {
		size_t nt = gather(&im->truth, keys[i], tr);
		size_t np = gather(&im->pred, keys[i], pr);
		double cs = kaggle_class_score(tr, nt, pr, np);
		int cat = s->key_cat[keys[i]];

		s->r->cat_n[cat]++;
		s->r->cat_sum[cat] += cs;
		sum += cs;
	}
	s->sum += nk ? sum / (double)nk : 1.0;
	s->r->images++;
	free(keys);
	free(tr);
	free(pr);
	objs_free(&im->truth);
	objs_free(&im->pred);
}

/* The next good row: 1; 0 at the end; -1 when the file cannot be read
 * on. Bad rows are skipped, and counted and reported when report. */
static int
next_row(Score *s, TrainReader *tr, const TrainRow **row, int report,
    Err *e)
{
	int rc;

	while ((rc = train_next(tr, row, e)) == 2)
		if (report) {
			say(s, "%s", e->msg);
			s->r->bad_rows++;
		}
	return rc;
}

/* The image of a good truth row; NULL when the row's size disagrees with
 * the image's first row (a bad row, reported in pass 1). Pass 1 adds
 * images. */
static Image *
truth_image(Score *s, const TrainRow *row, int pass)
{
	uint64_t *slot;
	Image *im;
	int added = 0;

	if (pass == 1)
		slot = strmap_put(s->ids, row->stem, row->stem_len, &added);
	else
		slot = strmap_get(s->ids, row->stem, row->stem_len);
	if (slot == NULL)
		return NULL;
	if (added) {
		if (s->nimg == s->cap) {
			s->cap = s->cap ? 2 * s->cap : 256;
			s->img = xreallocarray(s->img, s->cap, sizeof *s->img);
		}
		s->img[s->nimg] = (Image){ .h = row->height, .w = row->width,
		    .line = row->line,
		    .stem = xstrndup(row->stem, row->stem_len) };
		*slot = ++s->nimg;
	}
	im = &s->img[*slot - 1];
	if (im->h == row->height && im->w == row->width)
		return im;
	if (pass == 1) {
		say(s, "%s:%llu: Height x Width %ux%u differs from %ux%u on "
		    "line %llu, the image's first row", s->tname,
		    (unsigned long long)row->line, row->height, row->width,
		    im->h, im->w, (unsigned long long)im->line);
		s->r->bad_rows++;
	}
	return NULL;
}

/* Pass 1 counts each image's good rows; pass 2 collects their objects
 * and scores an image as soon as its last row is read. */
static int
truth_pass(Score *s, FILE *fp, int pass, FILE *tee, Err *e)
{
	TrainOptions to = { .ncat = s->o->ncat, .max_pixels = RLE_MAX_PIXELS,
	    .need_size = 1, .parse_rle = 1, .tee = tee };
	TrainReader *tr = train_open(fp, s->tname, &to, e);
	const TrainRow *row;
	Image *im;
	int rc;

	if (tr == NULL)
		return -1;
	while ((rc = next_row(s, tr, &row, pass == 1, e)) > 0) {
		if ((im = truth_image(s, row, pass)) == NULL)
			continue;
		if (pass == 1) {
			im->rows++;
			continue;
		}
		if (row->rle.n > 0)
			objs_push(&im->truth, &row->rle, row_key(s, row));
		if (++im->seen == im->rows)
			score_image(s, im);
	}
	train_close(tr);
	return rc < 0 ? -1 : 0;
}

/* A submission row's image; NULL (after a message) when it is not in the
 * truth or the row does not fit the image. */
static Image *
sub_image(Score *s, const TrainRow *row)
{
	uint64_t *slot = strmap_get(s->ids, row->stem, row->stem_len);
	Image *im;
	int added;

	if (slot == NULL) {
		strmap_put(s->extra, row->stem, row->stem_len, &added);
		if (added && !s->o->strict)	/* strict: the caller stops */
			say(s, "%s:%llu: image %.*s is not in %s: ignored",
			    s->sname, (unsigned long long)row->line,
			    (int)row->stem_len, row->stem, s->tname);
		s->r->extra += added;
		return NULL;
	}
	im = &s->img[*slot - 1];
	if (row->height != 0 && (row->height != im->h || row->width != im->w)) {
		say(s, "%s:%llu: Height x Width %ux%u differs from %ux%u in %s",
		    s->sname, (unsigned long long)row->line, row->height,
		    row->width, im->h, im->w, s->tname);
		s->r->bad_rows++;
		return NULL;
	}
	if (row->rle.n > 0) {
		const Run *last = &row->rle.runs[row->rle.n - 1];

		if ((uint64_t)last->start + last->len > (uint64_t)im->h * im->w) {
			say(s, "%s:%llu: runs past the %ux%u pixels of image %.*s",
			    s->sname, (unsigned long long)row->line, im->h, im->w,
			    (int)row->stem_len, row->stem);
			s->r->bad_rows++;
			return NULL;
		}
	}
	return im;
}

static int
read_submission(Score *s, FILE *fp, Err *e)
{
	TrainOptions so = { .ncat = s->o->ncat, .max_pixels = RLE_MAX_PIXELS,
	    .parse_rle = 1 };
	TrainReader *tr = train_open(fp, s->sname, &so, e);
	const TrainRow *row;
	Image *im;
	int rc;

	if (tr == NULL)
		return -1;
	while ((rc = next_row(s, tr, &row, 1, e)) > 0) {
		if ((im = sub_image(s, row)) == NULL) {
			if (s->o->strict && s->r->extra > 0) {
				rc = err_set(e, "%s:%llu: image %.*s is not in %s",
				    s->sname, (unsigned long long)row->line,
				    (int)row->stem_len, row->stem, s->tname);
				break;
			}
			continue;
		}
		im->has_pred = 1;
		if (row->rle.n > 0)
			objs_push(&im->pred, &row->rle, row_key(s, row));
	}
	train_close(tr);
	return rc < 0 ? -1 : 0;
}

static int
check_missing(Score *s, Err *e)
{
	for (size_t i = 0; i < s->nimg; i++) {
		Image *im = &s->img[i];

		if (im->has_pred)
			continue;
		s->r->missing++;
		if (s->o->strict)
			return err_set(e, "%s:%llu: image %s has no rows in %s",
			    s->tname, (unsigned long long)im->line, im->stem,
			    s->sname);
		say(s, "%s:%llu: image %s has no rows in %s: each of its true "
		    "classes scores 0", s->tname, (unsigned long long)im->line,
		    im->stem, s->sname);
	}
	return 0;
}

int
kaggle_score(FILE *truth, const char *tname, FILE *sub, const char *sname,
    const KaggleOptions *o, KaggleResult *r, Err *e)
{
	Score s = { .o = o, .r = r, .tname = tname, .sname = sname };
	Reread rr = { .fp = truth };
	FILE *again;
	int rc = -1;

	*r = (KaggleResult){ .ncat = o->ncat, .score = NAN };
	r->cat_n = xcalloc((size_t)o->ncat, sizeof *r->cat_n);
	r->cat_sum = xcalloc((size_t)o->ncat, sizeof *r->cat_sum);
	s.ids = strmap_new();
	s.keys = strmap_new();
	s.extra = strmap_new();
	if (reread_begin(&rr, truth, e) < 0) {
		err_prefix(e, "%s", tname);
		goto out;
	}
	if (truth_pass(&s, truth, 1, reread_tee(&rr), e) < 0)
		goto out;
	if ((again = reread_again(&rr, e)) == NULL) {
		err_prefix(e, "%s", tname);
		goto out;
	}
	if (read_submission(&s, sub, e) < 0 || check_missing(&s, e) < 0 ||
	    truth_pass(&s, again, 2, NULL, e) < 0)
		goto out;
	for (size_t i = 0; i < s.nimg; i++)
		if (s.img[i].seen < s.img[i].rows)	/* changed between passes */
			score_image(&s, &s.img[i]);
	r->score = r->images ? s.sum / (double)r->images : NAN;
	rc = 0;
out:
	for (size_t i = 0; i < s.nimg; i++) {
		objs_free(&s.img[i].truth);
		objs_free(&s.img[i].pred);
		free(s.img[i].stem);
	}
	free(s.img);
	free(s.key_cat);
	strmap_free(s.ids);
	strmap_free(s.keys);
	strmap_free(s.extra);
	reread_end(&rr);
	if (rc != 0)	/* nothing for the caller to free on failure */
		kaggle_result_free(r);
	return rc;
}

void
kaggle_result_free(KaggleResult *r)
{
	free(r->cat_n);
	free(r->cat_sum);
	r->cat_n = NULL;
	r->cat_sum = NULL;
}
