/* trainrows — rows of the competition's CSV files (imatseg-csv(5)):
 * train.csv in the 2019 layout (ImageId,EncodedPixels,Height,Width,ClassId
 * with attributes in ClassId as 10_3_14) or the 2020 layout (ImageId
 * without .jpg, attributes in an AttributesIds column), and submissions
 * (ImageId,EncodedPixels,ClassId, no size). Columns are found by the
 * header's names. Every field is validated; a bad row is reported and
 * the reader goes on. The reader owns the row it returns until the next
 * call. */
#ifndef IMATSEG_TRAINROWS_H
#define IMATSEG_TRAINROWS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "rle.h"

#define TRAIN_MAX_SIDE 100000	/* a Height or Width above this is absurd */
#define TRAIN_MAX_ATTRS 64

typedef struct {
	int ncat;		/* valid categories are 0..ncat-1 */
	uint64_t max_pixels;	/* Height*Width above this is refused */
	int need_size;		/* Height and Width columns are required */
	int parse_rle;		/* decode EncodedPixels into row.rle */
	FILE *tee;		/* when set, gets a copy of every line read */
} TrainOptions;

typedef struct {
	const char *image_id;	/* as in the file */
	const char *stem;	/* image_id without a trailing .jpg/.png/... */
	size_t stem_len;
	uint32_t height, width;	/* 0 when the file has no size columns */
	const char *class_id;	/* as in the file */
	int category;
	int attrs[TRAIN_MAX_ATTRS];
	int nattrs;
	const char *encoded;	/* EncodedPixels text */
	size_t encoded_len;
	Rle rle;		/* when parse_rle */
	uint64_t line;
} TrainRow;

typedef struct TrainReader TrainReader;

/* Reads and checks the header; fails on a missing column. */
TrainReader *train_open(FILE *fp, const char *name, const TrainOptions *o,
    Err *e);
/* 1: *row is a good row. 2: a bad row, skipped (e says why, with
 * "name:line: "). 0: end of input. -1: the input cannot be read on. */
int train_next(TrainReader *r, const TrainRow **row, Err *e);
/* 2020 layout (an AttributesIds column)? */
int train_is_2020(const TrainReader *r);
int train_has_size(const TrainReader *r);
void train_close(TrainReader *r);

/* Is the stem usable as a file name (not empty, no '/', no leading '.',
 * no control characters)? */
int image_stem_ok(const char *stem, size_t len);

#endif
