/* progress — a one-line progress report on the terminal (cli_status),
 * redrawn at most ten times a second. Programs create one when
 * cli_progress_wanted(); a disabled Progress (NULL) costs a branch per
 * tick. */
#ifndef IMATSEG_PROGRESS_H
#define IMATSEG_PROGRESS_H

#include <stdint.h>

typedef struct Progress Progress;

/* total 0: unknown (a count is shown instead of a percentage). on 0:
 * disabled (NULL). */
Progress *progress_new(int on, const char *what, uint64_t total);
/* done so far, and a count of items to show beside it */
void progress_update(Progress *p, uint64_t done, uint64_t items);
/* Clears the line. */
void progress_free(Progress *p);

#endif
