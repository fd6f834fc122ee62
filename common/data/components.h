/* components — a mask's connected components, computed on its runs
 * (union-find over column segments), never on decoded pixels. The
 * components of a mask share one array of runs, so an object costs a few
 * dozen bytes however many there are (a checkerboard has one a pixel).
 * A Components owns its arrays: components_free. */
#ifndef IMATSEG_COMPONENTS_H
#define IMATSEG_COMPONENTS_H

#include <stddef.h>
#include <stdint.h>

#include "rle.h"

typedef struct {
	size_t n;		/* components */
	Run *runs;		/* theirs, back to back, each canonical */
	size_t *first;		/* [n + 1]: component k is runs[first[k]..first[k+1]) */
} Components;

/* Splits r (sorted runs of a mask height pixels tall) into its 4- or
 * 8-connected components, in the order of their first pixel. Returns
 * their number. */
size_t rle_components(const Rle *r, uint32_t height, int connectivity,
    Components *out);
/* Component k as an Rle that borrows c's runs (never rle_free it). */
Rle components_at(const Components *c, size_t k);
void components_free(Components *c);

#endif
