/* pairs — the photo/mask pairs a shard writer reads: tab-separated lines
 * "IMAGE<TAB>MASK" from a stream, or two directories matched by file name.
 * A PairList owns its strings (pairs_free). Bad lines and pairs are kept
 * with a message in `error`, so the caller reports them and goes on. */
#ifndef IMATSEG_PAIRS_H
#define IMATSEG_PAIRS_H

#include <stdio.h>

#include "err.h"
#include "shard.h"

typedef struct {
	char *image, *mask;
	char *where;		/* "file:line" or the image path, for messages */
	char key[SHARD_KEY_MAX + 1];
	char *error;		/* NULL when the pair is usable */
} Pair;

typedef struct {
	Pair *v;
	size_t n, cap;
} PairList;

/* Appends the lines of fp (named name in messages). -1 on a read error. */
int pairs_read_list(PairList *pl, FILE *fp, const char *name, Err *e);
/* Appends every photo of images_dir (sorted by name) with the mask
 * masks_dir/ID.png, where ID is the photo's name without extension. */
int pairs_read_dirs(PairList *pl, const char *images_dir,
    const char *masks_dir, Err *e);
/* Computes keys; marks unsafe keys and every repeat of a key as bad. */
void pairs_check_keys(PairList *pl);
void pairs_free(PairList *pl);

#endif
