/* pmap — ordered parallel work over a stream of items. The caller queues
 * items one at a time, worker threads work on them in any order, and the
 * caller takes them back strictly in the order they were queued, so what
 * it builds from the results does not depend on the thread count or on
 * timing. At most `window` items are queued or held at a time, each in a
 * slot of slot_size bytes: item i (counting from 0) lives in slot
 * i mod window. The caller writes an item's input into its slot
 * (pmap_slot), queues it (pmap_push) and reads its result when it takes
 * it (pmap_take); work() reads and writes the slot in between. Slots are
 * zeroed once, at pmap_new, and never cleared after: a slot may hold
 * buffers of its own (pmap_slot_at sets them up). */
#ifndef IMATSEG_PMAP_H
#define IMATSEG_PMAP_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef void (*PmapWork)(uint64_t item, void *slot, void *arg);
/* Returns 0 to go on, -1 to stop (pmap_ordered then returns -1). */
typedef int (*PmapDone)(uint64_t item, void *slot, void *arg);

typedef struct Pmap Pmap;

/* threads 0: pmap_push does the work itself, in the caller. NULL when
 * no thread can be started (e says so). */
Pmap *pmap_new(int threads, size_t window, size_t slot_size, PmapWork work,
    void *arg, Err *e);
/* Waits for work in progress, forgets what is queued, ends the threads. */
void pmap_free(Pmap *p);

/* Slot j (0 <= j < window), to set up before any item uses it. */
void *pmap_slot_at(Pmap *p, size_t j);
/* The slot of the next item to queue, or NULL when the window is full
 * (take first). Releases the slot of the item taken last. */
void *pmap_slot(Pmap *p);
/* Queues the item whose slot pmap_slot returned. */
void pmap_push(Pmap *p);
/* Items queued and not taken yet. */
size_t pmap_pending(const Pmap *p);
/* Waits for the oldest queued item and returns its slot (NULL when none
 * is queued), its number in *item. The slot stays the caller's until
 * its next call of pmap_take, pmap_slot or pmap_drain. */
void *pmap_take(Pmap *p, uint64_t *item);
/* Waits for the queued items and forgets them, unread. */
void pmap_drain(Pmap *p);

/* The whole loop for n items known in advance: work(i) on the threads,
 * done(i) in the caller in order i = 0, 1, ..., n - 1, 2 * threads items
 * in flight. threads <= 1 runs everything in the caller. */
int pmap_ordered(size_t n, int threads, size_t slot_size, PmapWork work,
    PmapDone done, void *arg, Err *e);

#endif
