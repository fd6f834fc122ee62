/* maskset — the mask files an operand names: a directory's *.png in name
 * order, or a file (or "-" for stdin) listing one path a line. A MaskList
 * walks them one at a time (memory does not grow with their number); a
 * MaskSet indexes them by base name, for pairing truth with predictions.
 * Paths returned are malloc'd; the set owns its own. */
#ifndef IMATSEG_MASKSET_H
#define IMATSEG_MASKSET_H

#include <stddef.h>

#include "err.h"
#include "path.h"
#include "strmap.h"

typedef struct MaskList MaskList;

MaskList *masklist_open(const char *arg, Err *e);
/* 1 with *path set (the caller frees it), 0 at the end, -1 on a read
 * error. */
int masklist_next(MaskList *l, char **path, Err *e);
void masklist_close(MaskList *l);

typedef struct {
	char **path;
	size_t n, cap;
	StrMap *names;		/* base name -> index + 1 */
	unsigned char *used;	/* [n], for the caller's bookkeeping */
} MaskSet;

/* Loads every path of arg. A path whose base name came before is left
 * out and reported through dup (which may be NULL). */
int maskset_load(MaskSet *s, const char *arg,
    void (*dup)(void *ctx, const char *path, const char *first), void *ctx,
    Err *e);
/* The path of the mask called base, or NULL; its index in *index. */
const char *maskset_find(const MaskSet *s, const char *base, size_t *index);
void maskset_free(MaskSet *s);

#endif
