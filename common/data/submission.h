/* submission — the rows of a submission CSV (imatseg-csv(5)) for one
 * label mask: one per category present, or with `instances` one per
 * connected component, as mask2rle(1) writes them and unet-serve(1)
 * answers. The text is built in memory; the caller owns it. */
#ifndef IMATSEG_SUBMISSION_H
#define IMATSEG_SUBMISSION_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef struct {
	int ncat;		/* categories 0..ncat-1: labels 1..ncat */
	int instances;		/* a row per connected component */
	int connectivity;	/* 4 or 8 */
	uint64_t min_area;	/* smaller objects get no row */
	int all_images;		/* an empty row for a mask without any */
	int sizes;		/* Height and Width columns (train.csv) */
} SubmitOptions;

/* mask2rle's defaults: per category, 8-connected, min area 1. */
void submit_options_default(SubmitOptions *o, int ncat);

/* The header line, with its newline. */
const char *submission_header(const SubmitOptions *o);

/* The rows of the h x w row-major mask px under ImageId `id` (len bytes)
 * in a malloc'd NUL-terminated *text of *len bytes. -1 when a pixel is
 * no category (above ncat and not 255): name is then named. */
int submission_rows(const SubmitOptions *o, const uint8_t *px, int h, int w,
    const char *id, size_t id_len, const char *name, char **text,
    size_t *len, Err *e);

#endif
