#include "confusion.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define BYTES8(v) ((uint64_t)(v) * 0x0101010101010101ULL)

/* Masks are mostly long stretches of one (truth, prediction) pair: eight
 * pixels at a time are compared with the pair of the current stretch and
 * only counted one by one where the pair changes. */
void
pair_counts(PairCounts *pc, const uint8_t *truth, const uint8_t *pred,
    size_t npix)
{
	static const uint8_t zero[8];
	uint32_t *n = pc->n;
	uint64_t t8, p8;
	uint32_t run = 0;
	size_t i = 0, pstep = pred != NULL;

	memset(pc, 0, sizeof *pc);
	if (npix == 0)
		return;
	if (pred == NULL)
		pred = zero;	/* read with stride 0: all background */
	t8 = BYTES8(truth[0]);
	p8 = BYTES8(pred[0]);
	for (; i + 8 <= npix; i += 8) {
		uint64_t tw, pw;

		memcpy(&tw, truth + i, 8);
		memcpy(&pw, pred + i * pstep, 8);
		if (tw == t8 && pw == p8) {
			run += 8;
			continue;
		}
		n[(t8 & 0xff) * 256 + (p8 & 0xff)] += run;
		run = 0;
		for (int k = 0; k < 8; k++)
			n[truth[i + k] * 256 + pred[(i + k) * pstep]]++;
		t8 = BYTES8(truth[i + 7]);
		p8 = BYTES8(pred[(i + 7) * pstep]);
	}
	n[(t8 & 0xff) * 256 + (p8 & 0xff)] += run;
	for (; i < npix; i++)
		n[truth[i] * 256 + pred[i * pstep]]++;
}

void
confusion_init(Confusion *c, int ncat)
{
	c->nlab = ncat + 1;
	c->m = xcalloc((size_t)c->nlab * c->nlab, sizeof *c->m);
	c->ignored = 0;
	c->images = 0;
}

void
confusion_free(Confusion *c)
{
	free(c->m);
	c->m = NULL;
}

/* The first value v > max, v != 255, with a count in row (by_row) or
 * column of n; -1 when none. */
static int
bad_value(const uint32_t *n, int max, int by_row)
{
	for (int v = max + 1; v < CONF_IGNORE; v++)
		for (int k = 0; k < 256; k++)
			if (n[by_row ? v * 256 + k : k * 256 + v] != 0)
				return v;
	return -1;
}

int
confusion_add(Confusion *c, const PairCounts *pc, Err *e)
{
	const uint32_t *n = pc->n;
	int max = c->nlab - 1, v;

	if ((v = bad_value(n, max, 1)) >= 0)
		return err_set(e, "truth pixel value %d is no category (1-%d, "
		    "or 255 to ignore)", v, max);
	if ((v = bad_value(n, max, 0)) >= 0)
		return err_set(e, "prediction pixel value %d is no category "
		    "(1-%d, or 255 for none)", v, max);
	for (int t = 0; t < c->nlab; t++) {
		uint64_t *row = c->m + (size_t)t * c->nlab;

		for (int p = 0; p < c->nlab; p++)
			row[p] += n[t * 256 + p];
		row[0] += n[t * 256 + CONF_IGNORE];
	}
	for (int p = 0; p < 256; p++)
		c->ignored += n[CONF_IGNORE * 256 + p];
	c->images++;
	return 0;
}

void
confusion_merge(Confusion *a, const Confusion *b)
{
	size_t nn = (size_t)a->nlab * a->nlab;

	for (size_t i = 0; i < nn; i++)
		a->m[i] += b->m[i];
	a->ignored += b->ignored;
	a->images += b->images;
}

void
confusion_class(const Confusion *c, int l, ClassStat *s)
{
	int nl = c->nlab;

	*s = (ClassStat){ .inter = c->m[(size_t)l * nl + l] };
	for (int k = 0; k < nl; k++) {
		s->truth += c->m[(size_t)l * nl + k];
		s->pred += c->m[(size_t)k * nl + l];
	}
	s->uni = s->truth + s->pred - s->inter;
	s->iou = s->uni ? (double)s->inter / (double)s->uni : NAN;
}

void
confusion_summary(const Confusion *c, int with_background, ConfSummary *s)
{
	double sum = 0, fw = 0;
	uint64_t correct = 0, weight = 0;

	*s = (ConfSummary){ 0 };
	for (int l = 0; l < c->nlab; l++) {
		ClassStat cs;

		confusion_class(c, l, &cs);
		s->scored += cs.truth;
		correct += cs.inter;
		if ((l == 0 && !with_background) || cs.uni == 0)
			continue;
		s->classes++;
		sum += cs.iou;
		fw += (double)cs.truth * cs.iou;
		weight += cs.truth;
	}
	s->mean_iou = s->classes ? sum / s->classes : NAN;
	s->pixel_acc = s->scored ? (double)correct / (double)s->scored : NAN;
	s->fw_iou = weight ? fw / (double)weight : NAN;
}
