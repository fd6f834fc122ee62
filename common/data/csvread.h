/* csvread — streaming CSV rows on libcsv, one at a time, with the line
 * each row starts on. Fields of any length (real EncodedPixels run to
 * hundreds of kilobytes). The reader owns each row it returns until the
 * next csv_next call. */
#ifndef IMATSEG_CSVREAD_H
#define IMATSEG_CSVREAD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"

typedef struct {
	size_t n;		/* number of fields */
	char **field;		/* NUL-terminated */
	size_t *len;		/* their lengths */
	uint64_t line;		/* 1-based line the row starts on */
} CsvRow;

typedef struct CsvReader CsvReader;

/* Reads fp (not closed by the reader). name is used in messages. */
CsvReader *csv_open(FILE *fp, const char *name, Err *e);
/* 1 and *row set: a row; 0: end of input; -1: a read or quoting error
 * (the rest of the input cannot be trusted). */
int csv_next(CsvReader *r, const CsvRow **row, Err *e);
/* Copies every raw line read from now on to tee (for a second pass over
 * input that cannot be re-read, such as a pipe). */
void csv_tee(CsvReader *r, FILE *tee);
void csv_close(CsvReader *r);

/* Index of the header field called name, or -1. */
int csv_column(const CsvRow *header, const char *name);

#endif
