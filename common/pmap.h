/* pmap — an ordered parallel map: work(i) runs on worker threads, done(i)
 * runs in the calling thread strictly in order i = 0, 1, ..., so output
 * built in done() does not depend on the thread count or on timing. At
 * most `window` results wait at a time, each in a slot of slot_size bytes
 * that work() fills and done() empties. */
#ifndef IMATSEG_PMAP_H
#define IMATSEG_PMAP_H

#include <stddef.h>

#include "err.h"

typedef void (*PmapWork)(size_t i, void *slot, void *arg);
/* Returns 0 to go on, -1 to stop (the map then returns -1). */
typedef int (*PmapDone)(size_t i, void *slot, void *arg);

/* threads <= 1 runs everything in the calling thread. */
int pmap_ordered(size_t n, int threads, size_t slot_size, PmapWork work,
    PmapDone done, void *arg, Err *e);

#endif
