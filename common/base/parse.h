/* parse — range-checked numbers from users and files: the whole string
 * must be the number (no sign games, no trailing junk), within [min, max]. */
#ifndef IMATSEG_PARSE_H
#define IMATSEG_PARSE_H

#include <stdint.h>

#include "err.h"

/* Decimal integer in [min, max]; leading '+' and spaces are refused. */
int parse_long(const char *s, long min, long max, long *out, Err *e);
/* Unsigned decimal in [min, max], digits only. */
int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out, Err *e);
/* Finite decimal floating-point number in [min, max]. */
int parse_double(const char *s, double min, double max, double *out, Err *e);
/* "I/N" with 0 <= I < N: the --shard option. */
int parse_shard(const char *s, long *i, long *n, Err *e);
/* "HxW" or "S" (square), each in [1, max]. */
int parse_size(const char *s, long max, long *h, long *w, Err *e);

/* Digits only, no sign, value must fit: the fast path for file fields.
 * Returns the number of bytes consumed (>0), or 0 on no digits, or -1 on
 * overflow past max. */
int scan_u64(const char *s, const char *end, uint64_t max, uint64_t *out);

#endif
