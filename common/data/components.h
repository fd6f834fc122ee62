/* components — a mask's connected components, computed on its runs
 * (union-find over column segments), never on decoded pixels. */
#ifndef IMATSEG_COMPONENTS_H
#define IMATSEG_COMPONENTS_H

#include <stddef.h>
#include <stdint.h>

#include "rle.h"

/* Splits r (sorted runs of a mask height pixels tall) into its 4- or
 * 8-connected components, in the order of their first pixel. *out is a
 * malloc'd array of canonical Rle, each to rle_free, then free(*out).
 * Returns the number of components. */
size_t rle_components(const Rle *r, uint32_t height, int connectivity,
    Rle **out);

#endif
