/* kaggle — the iMaterialist (Fashion) 2019 competition's score of a
 * submission against the truth, computed on runs (never decoding masks).
 * For each image and class, predicted objects are matched one-to-one to
 * true objects at each IoU threshold t = 0.50, 0.55, ..., 0.95: candidate
 * pairs with IoU > t are taken greedily by IoU descending (ties: lower
 * truth index, then lower prediction index); TP/(TP+FP+FN) at each t is
 * averaged over the thresholds, then over the classes present in the
 * image's truth or prediction, then over the truth's images. IoU is
 * compared with t exactly, in integers. Results own their arrays:
 * kaggle_result_free. */
#ifndef IMATSEG_KAGGLE_H
#define IMATSEG_KAGGLE_H

#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "rle.h"

#define KAGGLE_THRESHOLDS 10	/* t_k = (10 + k) / 20 */

/* True positives at each threshold of one class of one image: truth[nt]
 * and pred[np] are objects (sorted runs of one mask size). */
void kaggle_match(const Rle *truth, size_t nt, const Rle *pred, size_t np,
    int tp[KAGGLE_THRESHOLDS]);
/* The class's score: TP/(TP+FP+FN) averaged over the thresholds; 0 when
 * one side is empty, 1 when both are. */
double kaggle_class_score(const Rle *truth, size_t nt, const Rle *pred,
    size_t np);

typedef struct {
	int ncat;		/* categories 0..ncat-1 */
	int match_attributes;	/* the class is the whole ClassId */
	int strict;		/* an image in one file only is an error */
	/* Called with each problem that does not stop the run (a bad row, an
	 * image in one file only), "file:line: reason". */
	void (*warn)(void *arg, const char *msg);
	void *warn_arg;
} KaggleOptions;

typedef struct {
	uint64_t images;	/* truth images scored */
	double score;		/* mean over them; NaN when there are none */
	int ncat;
	uint64_t *cat_n;	/* [ncat]: image-class pairs of the category */
	double *cat_sum;	/* [ncat]: sum of their scores */
	uint64_t bad_rows;	/* rows skipped in either file */
	uint64_t missing;	/* truth images without submission rows */
	uint64_t extra;		/* submission images not in the truth */
} KaggleResult;

/* Scores the submission sub against truth (2019 or 2020 layout, with
 * Height and Width). truth is read twice: rewound, or copied to a
 * temporary file when it cannot seek. Memory holds the submission's runs
 * and the truth runs of images whose rows are not yet all read (one image
 * when its rows are consecutive). -1 when a file cannot be read on, or,
 * with strict, when an image is in one file only; r then holds nothing
 * to free. */
int kaggle_score(FILE *truth, const char *tname, FILE *sub,
    const char *sname, const KaggleOptions *o, KaggleResult *r, Err *e);
void kaggle_result_free(KaggleResult *r);

#endif
