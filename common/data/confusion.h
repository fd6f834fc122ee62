/* confusion — the pixel confusion matrix of label masks (imatseg-mask(5):
 * 0 background, c+1 category c, 255 ignore) and what is read from it:
 * per-class IoU, mean IoU, pixel accuracy, frequency-weighted IoU.
 * One image is first counted into a PairCounts (every truth/prediction
 * byte pair, 32-bit counts), then added to a Confusion (64-bit counts).
 * Counts are integers, so adding images in any order gives the same
 * matrix. A Confusion owns its matrix: confusion_init/confusion_free. */
#ifndef IMATSEG_CONFUSION_H
#define IMATSEG_CONFUSION_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define CONF_IGNORE 255

/* Counts of the 256x256 byte pairs of one image: n[truth*256 + pred]. */
typedef struct {
	uint32_t n[256 * 256];
} PairCounts;

typedef struct {
	int nlab;		/* labels 0..nlab-1: background, then categories */
	uint64_t *m;		/* [nlab*nlab]: m[truth*nlab + pred] */
	uint64_t ignored;	/* truth pixels labelled 255 */
	uint64_t images;
} Confusion;

typedef struct {
	uint64_t truth, pred, inter, uni;
	double iou;		/* NaN when the union is empty */
} ClassStat;

typedef struct {
	int classes;		/* classes averaged by mean_iou */
	uint64_t scored;	/* pixels not ignored */
	double mean_iou;	/* NaN when no class is present */
	double pixel_acc;	/* over every scored pixel, background included */
	double fw_iou;		/* IoU weighted by truth pixels, same classes */
} ConfSummary;

/* Zeroes pc, then counts the pairs of npix pixels (npix <= UINT32_MAX).
 * pred NULL stands for a prediction that is all background. */
void pair_counts(PairCounts *pc, const uint8_t *truth, const uint8_t *pred,
    size_t npix);

/* ncat categories (ncat + 1 labels with background), ncat <= 254. */
void confusion_init(Confusion *c, int ncat);
void confusion_free(Confusion *c);
/* Adds one image. A prediction pixel of 255 counts as background. Fails,
 * adding nothing, when a truth value is above ncat (and not 255) or a
 * prediction value is above ncat (and not 255): e names the value and
 * says whether it was in the "truth" or the "prediction". */
int confusion_add(Confusion *c, const PairCounts *pc, Err *e);
/* Adds b into a (same nlab). */
void confusion_merge(Confusion *a, const Confusion *b);
/* Label l: 0 background, c+1 category c. */
void confusion_class(const Confusion *c, int l, ClassStat *s);
/* Mean IoU over the classes present in truth or prediction, background
 * among them only when with_background. */
void confusion_summary(const Confusion *c, int with_background,
    ConfSummary *s);

#endif
