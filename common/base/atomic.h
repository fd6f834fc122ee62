/* atomic — output files that appear whole or not at all.
 * atomic_open writes to a temporary file beside the final path;
 * atomic_commit flushes, fsyncs and renames it into place; atomic_abort
 * removes it. The path "-" means stdout: written directly, nothing renamed.
 * The Atomic is owned by the caller until commit or abort frees it. */
#ifndef IMATSEG_ATOMIC_H
#define IMATSEG_ATOMIC_H

#include <stdio.h>

#include "err.h"

typedef struct Atomic Atomic;

Atomic *atomic_open(const char *path, Err *e);
FILE *atomic_file(Atomic *a);
const char *atomic_path(const Atomic *a);
/* Frees a in every case; on failure nothing is left under the final name
 * (an earlier file there is untouched). */
int atomic_commit(Atomic *a, Err *e);
void atomic_abort(Atomic *a);

/* Many files, one sync: atomic_batch_add flushes and closes a file and
 * queues its rename; every `size` files (and at atomic_batch_flush) the
 * file system is synced once and the queued files are renamed into place,
 * so no final name ever points at unsynced data. Syncing per batch instead
 * of per file makes thousands of small outputs affordable. Thread-safe. */
typedef struct AtomicBatch AtomicBatch;

AtomicBatch *atomic_batch_new(int size);
/* Takes a (freed). -1 when a's file or an earlier queued file failed:
 * e names one failed path; the others still land. */
int atomic_batch_add(AtomicBatch *b, Atomic *a, Err *e);
int atomic_batch_flush(AtomicBatch *b, Err *e);
/* Flushes, then frees b. */
int atomic_batch_free(AtomicBatch *b, Err *e);

/* The whole buffer to path, atomically; with a batch (which may be
 * NULL), synced and renamed with it. */
int atomic_write(const char *path, const void *buf, size_t len, Err *e);
int atomic_write_batch(const char *path, const void *buf, size_t len,
    AtomicBatch *batch, Err *e);

#endif
