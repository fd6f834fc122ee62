/* progress — a one-line progress report for a terminal, redrawn at most
 * ten times a second. Only programs create one, and only when their
 * stderr is a terminal and -q was not given; a disabled Progress costs a
 * branch per tick. */
#ifndef IMATSEG_PROGRESS_H
#define IMATSEG_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

typedef struct Progress Progress;

/* total 0: unknown (a count is shown instead of a percentage). fp NULL
 * disables it. */
Progress *progress_new(FILE *fp, const char *what, uint64_t total);
/* done so far, and a count of items to show beside it */
void progress_update(Progress *p, uint64_t done, uint64_t items);
/* Clears the line. */
void progress_free(Progress *p);

#endif
