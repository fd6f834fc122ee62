/* reread — reading a stream a second time, as the readers of train.csv do
 * when an image's rows are not consecutive: a regular file is sought back
 * to where the first pass began; anything else (a pipe) is copied, while
 * the first pass reads it, into a temporary file that the second pass
 * reads instead. */
#ifndef IMATSEG_REREAD_H
#define IMATSEG_REREAD_H

#include <stdio.h>
#include <sys/types.h>

#include "err.h"

typedef struct {
	FILE *fp;		/* the stream, borrowed */
	FILE *spool;		/* the copy of a stream that cannot seek, or NULL */
	off_t start;		/* where the first pass began */
} Reread;

/* Before the first pass over fp. -1 when a copy is needed and no
 * temporary file can be made. */
int reread_begin(Reread *r, FILE *fp, Err *e);
/* Where the first pass must copy what it reads (NULL: nothing to copy). */
FILE *reread_tee(const Reread *r);
/* The stream again from the start of the first pass, or NULL (e says
 * why). */
FILE *reread_again(Reread *r, Err *e);
/* Closes the copy, if any. */
void reread_end(Reread *r);

#endif
